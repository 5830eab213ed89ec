"""Find where each field of the spec is in a returned workbook.

Defined names first (checked against the label beside the cell); when a name is
missing or points somewhere its label is not, the verbatim label is searched instead
(insensitive to spaces, full-width forms and line breaks) and the input is taken at the
spec's offset from it. Tables are read down from their first row to the sheet's end
marker, so inserted rows count; copies of a copyable sheet ("本表可以复制") are found by
their heading and read in workbook order.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from formkit.cells import Cell
from formkit.issues import Issue, make_issue
from formkit.parse import normalise_label
from formkit.read.book import Book, NameTarget, SheetData
from formkit.spec import Field, FormSpec, Table

LocatedBy = Literal["name", "label"]


@dataclass(frozen=True)
class Spot:
    sheet: str
    cell: Cell
    by: LocatedBy


@dataclass(frozen=True)
class Block:
    """One table's rows on one sheet: worksheet rows in order, column of each column id."""

    sheet: str
    rows: tuple[int, ...]
    cols: dict[str, int]
    by: LocatedBy
    copy: bool = False


@dataclass
class Located:
    sheets: dict[str, str] = field(default_factory=dict)  # spec sheet id -> sheet name in the book
    spots: dict[str, Spot] = field(default_factory=dict)  # field id (or field__item) -> spot
    blocks: dict[str, list[Block]] = field(default_factory=dict)  # table id -> blocks
    copies: dict[str, list[str]] = field(
        default_factory=dict
    )  # spec sheet id -> copied sheet names
    copy_spots: dict[str, list[Spot]] = field(default_factory=dict)  # field id -> spots on copies
    issues: list[Issue] = field(default_factory=list)
    labels_found: int = 0
    labels_expected: int = 0


def _text(sheet: SheetData, row: int, col: int) -> str | None:
    value = sheet.value(row, col)
    return normalise_label(value) if isinstance(value, str) else None


def _inputs(spec: FormSpec) -> Iterator[tuple[str, Field]]:
    """(name, field) for every located input: scalar fields and group items."""
    for f in spec.fields:
        if f.type == "group":
            for item in f.items:
                yield f"{f.id}__{item.id}", item
        else:
            yield f.id, f


def locate(book: Book, spec: FormSpec) -> Located:
    out = Located()
    names = {k.casefold(): v for k, v in book.names.items()}
    index = _LabelIndex(book)

    # sheets: by exact name, else where the names point, else where the labels are
    taken: set[str] = set()
    for s in spec.sheets:
        actual = _map_sheet(book, spec, s.id, names, index, taken)
        if actual is not None:
            out.sheets[s.id] = actual
            taken.add(actual)
            if actual != s.name:
                out.issues.append(
                    make_issue("sheet_renamed", expected=s.name, actual=actual, sheet=actual)
                )

    for key, f in _inputs(spec):
        sheet_name = out.sheets.get(f.sheet)
        out.labels_expected += 1
        spot = (
            _locate_input(book, key, f, sheet_name, names, index, out.issues)
            if sheet_name
            else None
        )
        if spot is None:
            out.issues.append(
                make_issue(
                    "field_not_found",
                    field=key,
                    label=f.label,
                    sheet_name=sheet_name or spec.sheet(f.sheet).name,
                )
            )
            continue
        out.spots[key] = spot
        out.labels_found += 1

    for t in spec.tables:
        sheet_name = out.sheets.get(t.sheet)
        out.labels_expected += 1
        block = _locate_table(book, t, sheet_name, names, index) if sheet_name else None
        if block is None:
            out.issues.append(
                make_issue(
                    "field_not_found",
                    field=t.id,
                    label=t.label,
                    sheet_name=sheet_name or spec.sheet(t.sheet).name,
                )
            )
            out.blocks[t.id] = []
            continue
        out.labels_found += 1
        out.blocks[t.id] = [block]

    _find_copies(book, spec, out, index, taken)
    return out


# ---------------------------------------------------------------- labels


class _LabelIndex:
    """Normalised text -> cells holding it, per sheet, in reading order.

    A sheet's table is built the first time a label is looked up on it: a form read by
    its defined names never searches most sheets, and normalising every text cell of
    every sheet up front was a large share of reading a file.
    """

    def __init__(self, book: Book) -> None:
        # the last sheet of a name wins, as when every table was built in book order
        self._sheets = {sheet.name: sheet for sheet in book.sheets}
        self._by_sheet: dict[str, dict[str, list[Cell]]] = {}

    def _table(self, name: str) -> dict[str, list[Cell]]:
        table = self._by_sheet.get(name)
        if table is None:
            sheet = self._sheets.get(name)
            if sheet is None:
                return {}
            table = {}
            for (r, c), cell in sorted(sheet.cells.items()):
                if isinstance(cell.value, str):
                    table.setdefault(normalise_label(cell.value), []).append(Cell(r, c))
            self._by_sheet[name] = table
        return table

    def find(self, sheet: str, label: str) -> list[Cell]:
        return self._table(sheet).get(normalise_label(label), [])

    def has(self, sheet: str, label: str) -> bool:
        """Whether `label` is on the sheet; a sheet not indexed yet is scanned, not indexed
        (most sheets asked about are not copies and are never searched again)."""
        table = self._by_sheet.get(sheet)
        want = normalise_label(label)
        if table is not None:
            return want in table
        data = self._sheets.get(sheet)
        return data is not None and any(
            isinstance(c.value, str) and normalise_label(c.value) == want
            for c in data.cells.values()
        )

    def count(self, sheet: str, labels: list[str]) -> int:
        table = self._table(sheet)
        return sum(1 for lab in labels if normalise_label(lab) in table)


def _labels_of(spec: FormSpec, sheet_id: str) -> list[str]:
    labels = [f.label for _, f in _inputs(spec) if f.sheet == sheet_id and f.label_cell]
    labels += [c.label for t in spec.tables if t.sheet == sheet_id for c in t.columns]
    labels += [t.text for t in spec.sheet(sheet_id).texts if "{" not in t.text]
    return labels


def _map_sheet(
    book: Book,
    spec: FormSpec,
    sheet_id: str,
    names: Mapping[str, NameTarget],
    index: _LabelIndex,
    taken: set[str],
) -> str | None:
    want = spec.sheet(sheet_id).name
    if book.sheet(want) is not None:
        return want
    # a renamed sheet: Excel and LibreOffice keep the names pointing at it
    for key, f in _inputs(spec):
        if f.sheet != sheet_id:
            continue
        target = names.get(key.casefold())
        sheet = target.sheet if target else None
        if sheet is not None and book.sheet(sheet) is not None and sheet not in taken:
            return sheet
    labels = _labels_of(spec, sheet_id)
    best, score = None, 0
    for s in book.sheets:
        if s.name in taken:
            continue
        n = index.count(s.name, labels)
        if n > score:
            best, score = s.name, n
    # more than a third of the sheet's labels: a rebuilt copy of the sheet, not a coincidence
    return best if score * 3 > len(labels) else None


def _label_matches(book: Book, sheet: str, f: Field, value_cell: Cell) -> bool:
    if f.label_cell is None:
        return True
    data = book.sheet(sheet)
    if data is None:
        return False
    off_r, off_c = f.label_cell.row - f.cell.row, f.label_cell.col - f.cell.col
    r, c = value_cell.row + off_r, value_cell.col + off_c
    if r < 1 or c < 1:
        return False
    return _text(data, r, c) == normalise_label(f.label)


def _by_label(book: Book, sheet: str, f: Field, index: _LabelIndex) -> Cell | None:
    if f.label_cell is None:
        return None
    hits = index.find(sheet, f.label)
    if len(hits) < f.label_occurrence:
        return None
    label = hits[f.label_occurrence - 1]
    r = label.row + f.cell.row - f.label_cell.row
    c = label.col + f.cell.col - f.label_cell.col
    return Cell(r, c) if r >= 1 and c >= 1 else None


def _locate_input(
    book: Book,
    key: str,
    f: Field,
    sheet: str,
    names: Mapping[str, NameTarget],
    index: _LabelIndex,
    issues: list[Issue],
) -> Spot | None:
    target = names.get(key.casefold())
    t_sheet = target.sheet if target else None
    t_area = target.area if target else None
    if t_sheet is not None and t_area is not None and book.sheet(t_sheet) is not None:
        cell = t_area.first
        if cell == f.cell and t_sheet == sheet:
            return Spot(t_sheet, cell, "name")
        if _label_matches(book, t_sheet, f, cell):
            issues.append(
                make_issue(
                    "name_moved",
                    field=key,
                    sheet=t_sheet,
                    cell=cell.a1,
                    label=f.label,
                    name=key,
                    expected=f.cell.a1,
                )
            )
            return Spot(t_sheet, cell, "name")
        found = _by_label(book, sheet, f, index)
        if found is not None:
            issues.append(
                make_issue(
                    "name_broken",
                    field=key,
                    sheet=sheet,
                    cell=found.a1,
                    label=f.label,
                    name=key,
                    target=f"{t_sheet}!{cell.a1}",
                )
            )
            return Spot(sheet, found, "label")
        return None
    found = _by_label(book, sheet, f, index)
    if found is None:
        return None
    issues.append(
        make_issue("name_missing", field=key, sheet=sheet, cell=found.a1, label=f.label, name=key)
    )
    return Spot(sheet, found, "label")


# ---------------------------------------------------------------- tables


def _first_input_column(t: Table) -> int:
    return min(c.first_col for c in t.columns)


def _header_ok(data: SheetData, t: Table, first_row: int, col_shift: int) -> bool:
    header = first_row + t.header_row - t.blocks[0].first.row
    anchor = t.input_columns[0]
    return _text(data, header, anchor.first_col + col_shift) == normalise_label(anchor.label)


def _locate_table(
    book: Book,
    t: Table,
    sheet: str,
    names: Mapping[str, NameTarget],
    index: _LabelIndex,
    *,
    copy: bool = False,
) -> Block | None:
    data = book.sheet(sheet)
    if data is None:
        return None
    start: int | None = None
    shift = 0
    by: LocatedBy = "label"
    name_last: int | None = None
    target = None if copy else names.get(t.id.casefold())
    t_sheet = target.sheet if target else None
    t_area = target.area if target else None
    if t_sheet == sheet and t_area is not None:
        cand_shift = t_area.first.col - t.area.first.col
        if _header_ok(data, t, t_area.first.row, cand_shift):
            start, shift, by, name_last = t_area.first.row, cand_shift, "name", t_area.last.row
    if start is None:
        anchor = t.input_columns[0]
        for hit in index.find(sheet, anchor.label):
            start = hit.row + t.blocks[0].first.row - t.header_row
            shift = hit.col - anchor.first_col
            break
    if start is None:
        return None
    cols = {c.id: c.first_col + shift for c in t.columns}
    if t.fixed_rows is not None:
        rows = tuple(range(start, start + len(t.input_rows)))
        return Block(sheet, rows, cols, by, copy)
    end = _table_end(data, t, start, shift, name_last)
    skip = {normalise_label(c.label) for c in t.columns} | {normalise_label("续表")}
    rows_found: list[int] = []
    cells = data.cells
    col_nos = list(cols.values())
    first_col = min(col_nos)
    for r in range(start, end + 1):
        for col in col_nos:
            cell = cells.get((r, col))
            v = None if cell is None else cell.value
            if v is not None and not (isinstance(v, str) and not v.strip()):
                break
        else:
            continue  # blank rows are skipped; row numbers of the others stay true
        first = _text(data, r, first_col)
        if first in skip:
            continue  # the 续表 caption and its repeated header
        rows_found.append(r)
    return Block(sheet, tuple(rows_found), cols, by, copy)


def _nfkc(text: str) -> str:
    # the same labels and values recur in every file read: short text is remembered
    return _nfkc_short(text) if len(text) <= 64 else unicodedata.normalize("NFKC", text)


@functools.lru_cache(maxsize=4096)
def _nfkc_short(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _table_end(data: SheetData, t: Table, start: int, shift: int, name_last: int | None) -> int:
    """Last worksheet row that may belong to the table."""
    if t.end_label:
        marker = normalise_label(t.end_label).rstrip("。.")
        last_col = max(c.last_col for c in t.columns) + shift
        # one pass over the sheet's text cells (the first character filters cheaply:
        # normalising every cell is what costs)
        first = marker[0]
        rows = [
            r
            for (r, c), cell in data.cells.items()
            if r >= start
            and c <= last_col
            and isinstance(cell.value, str)
            and first in _nfkc(cell.value)
            and normalise_label(cell.value).rstrip("。.").startswith(marker)
        ]
        if rows:
            return min(rows) - 1
    if name_last is not None:
        return name_last
    return t.area.last.row + (start - t.area.first.row)


# ---------------------------------------------------------------- copies of a sheet


def _find_copies(
    book: Book, spec: FormSpec, out: Located, index: _LabelIndex, taken: set[str]
) -> None:
    for s in spec.sheets:
        if not s.copyable or s.id not in out.sheets:
            continue
        heading = next((t.text for t in s.texts if t.style == "heading"), None)
        if heading is None:
            continue
        primary = out.sheets[s.id]
        copies = [
            other.name
            for other in book.sheets
            if other.name not in taken and other.name != primary and index.has(other.name, heading)
        ]
        out.copies[s.id] = copies
        for copy_name in copies:
            what = []
            for t in spec.tables:
                if t.sheet != s.id:
                    continue
                block = _locate_table(book, t, copy_name, {}, index, copy=True)
                if block is not None and block.rows:
                    out.blocks[t.id].append(block)
                    what.append(t.label)
            for key, f in _inputs(spec):
                if f.sheet != s.id:
                    continue
                cell = _by_label(book, copy_name, f, index)
                if cell is not None:
                    out.copy_spots.setdefault(key, []).append(Spot(copy_name, cell, "label"))
            out.issues.append(
                make_issue(
                    "sheet_copy_read",
                    sheet=copy_name,
                    sheet_name=copy_name,
                    what="、".join(what) or "内容",
                )
            )
