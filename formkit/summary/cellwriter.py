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


class SummarySheet(Worksheet):  # type: ignore[misc]  # xlsxwriter is untyped here (Any)
    """A worksheet whose string cells are always plain text, written without detours.

    In constant-memory mode xlsxwriter writes every string cell as an inline string, and
    writes a string that starts with "<r>" and ends with "</r>" *unescaped*, as rich-text
    XML: applicant text of that shape could add cells, formulas included, to the sheet.
    Here a string cell is always escaped text. The common case (a formatted text or number
    cell in constant-memory mode) is written in one step with the bytes xlsxwriter would
    write (tests/test_summary_sheet.py compares the two): xlsxwriter's general path costs
    about a third of the time of writing the summary. Anything else goes to xlsxwriter.
    """

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
            text = cell.string
            if _SPECIAL_TEXT.search(text):
                # xlsxwriter's order: control characters first, then the XML escapes
                text = self._escape_control_characters(text)
                text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
            self.fh.write(
                f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{cell_fmt._get_xf_index()}"'
                f' t="inlineStr"><is><t{space}>{text}</t></is></c>'
            )
        elif kind is CellNumberTuple and cell_fmt is not None:
            self.fh.write(
                f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{cell_fmt._get_xf_index()}">'
                f"<v>{cell.number:.16G}</v></c>"
            )
        else:
            super()._write_cell(row, col, cell)
