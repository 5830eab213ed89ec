"""The format-neutral workbook the reader works on: sheets of raw cells, defined names.

Each backend (xlsx/, xls.py, ods.py) turns one file format into a `Book`, reading
only inside `Bounds` (the area a form can use): a cell at XFD1048576 or a merge over
a whole sheet costs nothing and is reported, never expanded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from formkit.cells import Area
from formkit.issues import WORKBOOK_REASONS

CellValue = str | float | int | bool | dt.datetime | None
SheetState = Literal["visible", "hidden", "veryHidden"]


class WorkbookError(Exception):
    """A workbook the reader cannot open, whatever its format: `code` is stable (a key of
    formkit.issues.WORKBOOK_REASONS), `message` is the catalogue's Chinese for the sender."""

    def __init__(self, code: str, **details: str) -> None:
        self.code = code
        self.details = details
        self.message = WORKBOOK_REASONS[code].format(**details)
        super().__init__(f"{code}: {self.message}")

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (self.code, self.details))


def _rebuild(code: str, details: dict[str, str]) -> WorkbookError:
    return WorkbookError(code, **details)


@dataclass(frozen=True)
class Bounds:
    """How far into a sheet the reader looks (1-based, inclusive)."""

    max_row: int = 5000
    max_col: int = 64


@dataclass(frozen=True, slots=True)
class RawCell:
    """One non-empty cell as stored in the file.

    `value` is the stored value, or a formula's cached result; numbers shown with a date
    format are already datetimes (in the workbook's 1900/1904 system). A formula whose
    result is not stored (or is stale: the file asks to recalculate on load) has
    `value=None`, `formula` set and `cached=False`.
    """

    value: CellValue
    number_format: str | None = None
    formula: str | None = None
    cached: bool = True
    error: str | None = None  # "#DIV/0!", "#REF!", ... when the cell holds an error


@dataclass
class SheetData:
    name: str
    state: SheetState = "visible"
    # (row, col) 1-based -> cell; only non-empty cells inside the bounds
    cells: dict[tuple[int, int], RawCell] = field(default_factory=dict)
    merges: list[Area] = field(default_factory=list)
    # non-empty cells (or merges) outside the bounds, ignored; first one's A1 for the warning
    dropped: int = 0
    dropped_example: str | None = None

    def value(self, row: int, col: int) -> CellValue:
        cell = self.cells.get((row, col))
        return None if cell is None else cell.value


@dataclass(frozen=True)
class NameTarget:
    """Where a defined name points: a sheet and an area; `sheet=None` if it is not a plain range."""

    sheet: str | None
    area: Area | None
    text: str  # the definition as stored, for messages


@dataclass
class Book:
    format: Literal["xlsx", "xlsm", "xls", "ods"]
    sheets: list[SheetData] = field(default_factory=list)
    # workbook-level defined names (case as stored); sheet-scoped names are not included
    names: dict[str, NameTarget] = field(default_factory=dict)
    date1904: bool = False
    # the file asks the application to recalculate on load: cached formula values are stale
    stale_formulas: bool = False

    def sheet(self, name: str) -> SheetData | None:
        for s in self.sheets:
            if s.name == name:
                return s
        return None
