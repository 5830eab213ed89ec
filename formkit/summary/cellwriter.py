"""The summary's worksheet class: xlsxwriter's own bytes for ordinary cells, and text
always as text.

In constant-memory mode xlsxwriter writes every string cell as an inline string, and
writes a string that starts with "<r>" and ends with "</r>" *unescaped*, as rich-text
XML: applicant text of that shape could add cells, formulas included, to the sheet.
`SummarySheet` overrides xlsxwriter's private cell writer so a string cell is always
escaped text (tests/test_summary_sheet.py compares its bytes with xlsxwriter's). Only this
module knows xlsxwriter's internals.
"""

from __future__ import annotations

import re
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellNumberTuple, CellStringTuple, Worksheet

from formkit.xlsx_text import plain

# what xlsxwriter changes in a string cell's text: Excel's _xHHHH_ escape (and text that
# looks like one), control characters, U+FFFE/U+FFFF, and the XML specials & < >
_SPECIAL_TEXT = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")


def special(text: str) -> bool:
    """Whether xlsxwriter would change `text` (escape it) when writing it."""
    return _SPECIAL_TEXT.search(text) is not None


def text_xml(ref: str, style: str, text: str) -> str:
    """A string cell as xlsxwriter writes it in constant-memory mode, but always as text:
    `ref` its A1 reference, `style` ' s="N"' (its format's index) or ""."""
    if _SPECIAL_TEXT.search(text):
        # xlsxwriter's order: control characters first, then the XML escapes
        text = Worksheet._escape_control_characters(text)
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def number_xml(ref: str, style: str, number: float) -> str:
    """A finite number's cell as xlsxwriter writes it."""
    return f'<c r="{ref}"{style}><v>{number:.16G}</v></c>'


def style_of(cell_format: Any) -> str:
    """A format's attribute in a cell, ' s="N"'; a format is given its index on first use."""
    return f' s="{cell_format._get_xf_index()}"'


class SummarySheet(Worksheet):  # type: ignore[misc]  # xlsxwriter is untyped here (Any)
    """A worksheet whose string cells are always plain text, written without detours.

    In constant-memory mode xlsxwriter writes every string cell as an inline string, and
    writes a string that starts with "<r>" and ends with "</r>" *unescaped*, as rich-text
    XML: applicant text of that shape could add cells, formulas included, to the sheet.
    Here a string cell is always escaped text. The common case (a formatted text or number
    cell in constant-memory mode) is written in one step with the bytes xlsxwriter would
    write (tests/test_summary_sheet.py compares the two): xlsxwriter's general path costs
    about a third of the time of writing the summary. Anything else goes to xlsxwriter.

    A table's rows can skip xlsxwriter's cell objects altogether: `begin_row(row)`, then
    `cells(row, {col: xml})` with each cell's finished XML (text_xml, number_xml). Only
    with formats that have their index already (Format.xf_index): xlsxwriter gives a
    format its index as the first cell with it is written out, and that order is the
    order of the styles in the file. A row may mix them with cells written the ordinary
    way.
    """

    def begin_row(self, row: int) -> None:
        """Write out the rows before `row`, as xlsxwriter does on the first cell of `row`."""
        if row > self.previous_row:
            self._write_single_row(row)

    def cells(self, row: int, cells: dict[int, str]) -> None:
        """Cells of the current row (see begin_row) as finished XML, by column."""
        if not cells:
            return
        self.begin_row(row)
        # as xlsxwriter: a row written out already, or beyond the sheet, is not written
        if self._check_dimensions(row, min(cells)) or self._check_dimensions(row, max(cells)):
            return
        self.table[row].update(cells)

    def _write_single_row(self, current_row_num: int = 0) -> None:
        # xlsxwriter's, with a row's finished cells (str) written in one piece
        row_num: int = self.previous_row  # type: ignore[has-type]
        self.previous_row = current_row_num
        row = self.table.get(row_num)
        if row:
            self._write_row(row_num, None, self.row_info.get(row_num))
            parts: list[str] = []
            for col_num in sorted(row):
                cell = row[col_num]
                if cell.__class__ is str:
                    parts.append(cell)
                    continue
                if parts:
                    self.fh.write("".join(parts))
                    parts.clear()
                self._write_cell(row_num, col_num, cell)
            self.fh.write("".join(parts))
            self._xml_end_tag("row")
        elif row_num in self.row_info or row_num in self.comments:
            # row attributes or comments only
            self._write_empty_row(row_num, None, self.row_info.get(row_num))
        self.table.clear()

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        cell_fmt = cell.format
        kind = cell.__class__
        if not self.constant_memory:  # never the case here: strings are shared-string indexes
            super()._write_cell(row, col, cell)
        elif kind is CellStringTuple:
            if cell_fmt is None:
                # xlsxwriter picks the row's or column's format: let it, with safe text
                super()._write_cell(row, col, CellStringTuple(plain(cell.string), None))
                return
            self.fh.write(
                text_xml(xl_rowcol_to_cell_fast(row, col), style_of(cell_fmt), cell.string)
            )
        elif kind is CellNumberTuple and cell_fmt is not None:
            self.fh.write(
                number_xml(xl_rowcol_to_cell_fast(row, col), style_of(cell_fmt), cell.number)
            )
        else:
            super()._write_cell(row, col, cell)
