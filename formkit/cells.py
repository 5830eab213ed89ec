"""A1 cell references: the one place that converts between "B8" and (row, col).

Rows and columns are 1-based here, as people read them in Excel.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

EXCEL_MAX_ROW = 1_048_576
EXCEL_MAX_COL = 16_384

_CELL_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


class Cell(NamedTuple):
    row: int
    col: int

    @property
    def a1(self) -> str:
        return f"{col_letter(self.col)}{self.row}"

    def offset(self, rows: int = 0, cols: int = 0) -> Cell:
        return Cell(self.row + rows, self.col + cols)


class Area(NamedTuple):
    first: Cell
    last: Cell

    @property
    def a1(self) -> str:
        if self.first == self.last:
            return self.first.a1
        return f"{self.first.a1}:{self.last.a1}"

    @property
    def absolute(self) -> str:
        def abs1(c: Cell) -> str:
            return f"${col_letter(c.col)}${c.row}"

        if self.first == self.last:
            return abs1(self.first)
        return f"{abs1(self.first)}:{abs1(self.last)}"

    @property
    def rows(self) -> range:
        return range(self.first.row, self.last.row + 1)

    @property
    def cols(self) -> range:
        return range(self.first.col, self.last.col + 1)

    def contains(self, cell: Cell) -> bool:
        return (
            self.first.row <= cell.row <= self.last.row
            and self.first.col <= cell.col <= self.last.col
        )


@lru_cache(maxsize=1024)
def col_letter(col: int) -> str:
    if not 1 <= col <= EXCEL_MAX_COL:
        raise ValueError(f"column {col} outside 1..{EXCEL_MAX_COL}")
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        if not "A" <= ch <= "Z":
            raise ValueError(f"bad column letters {letters!r}")
        n = n * 26 + ord(ch) - 64
    if not 1 <= n <= EXCEL_MAX_COL:
        raise ValueError(f"column {letters!r} outside A..XFD")
    return n


def parse_cell(ref: str) -> Cell:
    m = _CELL_RE.match(ref.strip())
    if not m:
        raise ValueError(f"not an A1 cell reference: {ref!r}")
    row = int(m.group(2))
    if not 1 <= row <= EXCEL_MAX_ROW:
        raise ValueError(f"row {row} outside 1..{EXCEL_MAX_ROW}")
    return Cell(row, col_number(m.group(1)))


def parse_area(ref: str) -> Area:
    """Parse "B8", "B8:G29" (dollars allowed) into an Area with first <= last."""
    parts = ref.split(":")
    if len(parts) == 1:
        c = parse_cell(parts[0])
        return Area(c, c)
    if len(parts) != 2:
        raise ValueError(f"not an A1 range: {ref!r}")
    a, b = parse_cell(parts[0]), parse_cell(parts[1])
    return Area(
        Cell(min(a.row, b.row), min(a.col, b.col)), Cell(max(a.row, b.row), max(a.col, b.col))
    )


def quote_sheet(name: str) -> str:
    """Sheet name as it appears in a formula or defined name."""
    return "'" + name.replace("'", "''") + "'"


def display_width(text: str) -> float:
    """Column-width units a text needs: CJK and full-width characters count double."""
    return sum(2.0 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in text)


def wrapped_lines(text: str, width: float) -> int:
    """Lines `text` wraps to in a column `width` units wide (its own line breaks kept).

    Writers need it for row heights: Excel does not grow a row for wrapped text in a file
    it did not lay out itself, and LibreOffice does not either on opening an .xlsx.  Every
    non-ASCII character is taken as wide (Chinese quotes and dashes are narrower): a row
    may get a line more than it needs, never one less, and no character is looked up, so
    a summary of thousands of rows measures its texts quickly."""
    usable = max(width - 1.5, 1.0)
    total = 0
    for part in text.split("\n"):
        n = len(part)
        wide = n - len(part.encode("ascii", "ignore"))
        total += max(1, math.ceil((1.1 * n + 0.9 * wide) / usable))
    return total
