"""A real client opens the template: LibreOffice converts it and keeps what matters.

The README's "What survives a LibreOffice save" table is what these tests assert.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
import xlrd

from formkit.api import load_spec
from formkit.template import LOOKUP_SHEET, META_SHEET
from tests.libreoffice import convert

pytestmark = pytest.mark.libreoffice


def _pdf_pages(pdf: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def test_converts_to_pdf_one_page_wide(soffice: str, template_file: Path, tmp_path: Path) -> None:
    pdf = convert(template_file, "pdf", tmp_path)
    # cover, 第一项 (two pages: 续表 starts a new one), three supplementary sheets;
    # hidden sheets are not printed
    assert _pdf_pages(pdf) == 6


def _validation_counts(wb: openpyxl.Workbook) -> dict[str, int]:
    return {
        ws.title: sum(len(str(dv.sqref).split()) for dv in ws.data_validations.dataValidation)
        for ws in wb.worksheets
    }


@pytest.mark.parametrize("route", ["xlsx", "ods-then-xlsx"])
def test_features_survive_a_libreoffice_save(
    soffice: str, template_file: Path, tmp_path: Path, route: str
) -> None:
    if route == "xlsx":
        saved = convert(template_file, "xlsx", tmp_path / "x")
    else:
        ods = convert(template_file, "ods", tmp_path / "o")
        saved = convert(ods, "xlsx", tmp_path / "x")
    before = openpyxl.load_workbook(template_file)
    after = openpyxl.load_workbook(saved)

    # defined names: every one, pointing at the same cells
    for name, _sheet_id, _area in load_spec().defined_names():
        assert after.defined_names[name].attr_text.replace("'", "") == before.defined_names[
            name
        ].attr_text.replace("'", "")

    # data validations: every range kept
    assert _validation_counts(after) == _validation_counts(before)

    # protection kept; inputs stay unlocked, labels locked; rows may still be inserted
    for sheet in load_spec().sheets:
        ws = after[sheet.name]
        assert ws.protection.sheet and ws.protection.insertRows is False
    assert not after["第一项：基地基本情况"]["C4"].protection.locked
    assert after["第一项：基地基本情况"]["B4"].protection.locked

    # hidden sheets stay hidden; LibreOffice has no "very hidden": it saves plain hidden
    assert after[LOOKUP_SHEET].sheet_state == "hidden"
    assert after[META_SHEET].sheet_state == "hidden"

    # print set-up
    base = after["第一项：基地基本情况"]
    assert base.page_setup.paperSize in (9, "9")
    assert base.print_title_rows == "$1:$1"
    assert "出口创新基地申报书" in base.oddHeader.center.text


def test_xls_save_keeps_names_and_hidden_sheets(
    soffice: str, template_file: Path, tmp_path: Path
) -> None:
    xls = convert(template_file, "xls", tmp_path)
    book = xlrd.open_workbook(str(xls))
    names = {n.lower() for n in book.name_map}
    assert {i.lower() for i in load_spec().ids} <= names
    states = {s.name: s.visibility for s in book.sheets()}
    assert states[LOOKUP_SHEET] == 1 and states[META_SHEET] == 1  # 1 = hidden


def test_a_500_character_text_prints_whole(soffice: str, tmp_path: Path) -> None:
    """产业特色 (and any long text cell) prints all of 500 characters on paper."""
    from tests.forms import full_values, write_filled
    from tests.libreoffice import pdf_pages, pdf_text

    text = "".join(f"特色第{i:02d}组，" for i in range(72))[:497] + "终了。"
    assert len(text) == 500
    filled = write_filled(tmp_path / "filled.xlsx", {**full_values(), "industry_features": text})
    pdf = convert(filled, "pdf", tmp_path / "pdf")
    assert pdf_pages(pdf) == 6  # no page added
    # the label 产业特色 sits on one of the text's lines, left of it
    printed = re.sub(r"\s+", "", "".join(pdf_text(pdf)).replace("产业特色", ""))
    assert text in printed


def test_notes_column_is_inside_the_borders(template_file: Path) -> None:
    """续表一's 填写说明 column is bordered on every field's row, with or without a note."""
    wb = openpyxl.load_workbook(template_file)
    spec = load_spec()
    for sheet in spec.sheets:
        fields = [f for f in spec.fields if f.sheet == sheet.id]
        note_cols = {f.note_cell.first.col for f in fields if f.note_cell is not None and f.hint}
        ws = wb[sheet.name]
        for f in fields:
            if f.label_cell is None or f.type == "group":
                continue
            for col in note_cols:
                cell = ws.cell(f.label_cell.row, col)
                sides = (cell.border.left, cell.border.right, cell.border.top, cell.border.bottom)
                assert all(s.style == "thin" for s in sides), (sheet.name, cell.coordinate)
