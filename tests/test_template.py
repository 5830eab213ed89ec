"""`formkit template`: the official blank 申报书 derived from the spec."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook
from typer.testing import CliRunner

from formkit.cells import Area, display_width, parse_area
from formkit.cli import app
from formkit.spec import load_spec
from formkit.template import LOOKUP_SHEET, META_SHEET, build_template
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wb(template_bytes: bytes) -> Workbook:
    return openpyxl.load_workbook(io.BytesIO(template_bytes))


def _name_target(wb: Workbook, name: str) -> tuple[str, Area]:
    dn = wb.defined_names[name]
    ((sheet, ref),) = list(dn.destinations)
    return sheet, parse_area(ref.replace("$", ""))


def test_every_id_is_a_defined_name_on_unlocked_cells_of_its_sheet(wb: Workbook) -> None:
    spec = load_spec()
    names = list(spec.defined_names())
    assert {n for n, _, _ in names} >= set(spec.ids)
    for name, sheet_id, area in names:
        sheet, target = _name_target(wb, name)
        assert sheet == spec.sheet(sheet_id).name, name
        assert target == area, name
        ws = wb[sheet]
        for r in target.rows:
            for c in target.cols:
                cell = ws.cell(r, c)
                fixed_or_computed = name.startswith("history__") and name.split("__")[1] in (
                    "year",
                    "export_growth",
                    "hitech_export_growth",
                )
                if fixed_or_computed or (name == "history" and c in (1, 4, 5)):
                    assert cell.protection.locked, f"{name} {cell.coordinate} should be locked"
                elif name in (
                    "main_products",
                    "main_products__name",
                    "main_products__export_value",
                ) and r in (18, 19):
                    assert cell.protection.locked  # the 续表 caption and its header row
                elif (
                    name == "leading_enterprises"
                    or name.startswith("leading_enterprises__")
                    or name not in ("main_products",)
                ):
                    assert not cell.protection.locked, (
                        f"{name} {cell.coordinate} should be an input"
                    )


def test_table_column_naming_convention(wb: Workbook) -> None:
    sheet, area = _name_target(wb, "main_products__export_value")
    assert sheet == "第一项：基地基本情况"
    assert area.a1 == "E8:E29"
    _, item = _name_target(wb, "attachments__development_plan")
    assert item.a1 == "B19"


def _attachment_labels(notice: str) -> list[str]:
    """The attachment's texts in reading order, split at tabs and after the cover's colons."""
    form = notice[notice.rindex("附件：") :]
    texts: list[str] = []
    for line in form.splitlines():
        for part in line.split("\t"):
            part = part.strip()
            if not part or part == "附件：":
                continue
            if part.endswith("：") or ("：" in part and part.startswith("填报日期")):
                part = part.split("：")[0]
            texts.append(part)
    return texts


def _sheet_texts(wb: Workbook) -> list[str]:
    texts: list[str] = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    texts.append(cell.value.rstrip("：。"))
    return texts


def test_every_label_of_the_attachment_appears_verbatim_and_in_order(
    wb: Workbook, notice_text: str
) -> None:
    expected = [t.rstrip("。") for t in _attachment_labels(notice_text)]
    assert (
        "续表" in expected and "注:本表可以复制、可以加页" in expected and "2005 年度" in expected
    )
    found = _sheet_texts(wb)
    position = -1
    for label in expected:
        assert label in found, label
        # same order as the attachment (first occurrence after the previous label)
        later = [i for i, t in enumerate(found) if t == label and i > position]
        assert later, f"{label} out of order"
        position = later[0]


def test_year_follows_the_reporting_year() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(build_template(year=2008)))
    assert wb["封面"]["A2"].value == "2008年科技兴贸工程出口创新基地申报书"
    assert wb["第一项：基地基本情况"]["A4"].value == "2007 年度"
    years = [wb["续表二 出口情况与评估条件"].cell(r, 1).value for r in (4, 5, 6)]
    assert years == [2005, 2006, 2007]
    meta = wb[META_SHEET]
    sheet, area = _name_target(wb, "formkit_year")
    assert sheet == META_SHEET and meta[area.first.a1].value == 2008


def _validations(wb: Workbook) -> dict[tuple[str, str], Any]:
    found = {}
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            for rng in str(dv.sqref).split():
                first = rng.split(":")[0]
                found[(ws.title, first)] = dv
    return found


def test_dropdowns_read_from_the_hidden_lookup_sheet(wb: Workbook) -> None:
    spec = load_spec()
    validations = _validations(wb)
    lookup = wb[LOOKUP_SHEET]
    assert lookup.sheet_state == "hidden"
    assert lookup.protection.sheet
    for f in spec.fields:
        for item in (f, *f.items):
            if item.type not in ("choice", "yesno"):
                continue
            dv = validations[(spec.sheet(f.sheet).name, item.cell.a1)]
            assert dv.type == "list"
            formula = dv.formula1
            assert formula.startswith(f"'{LOOKUP_SHEET}'!"), (
                formula
            )  # a range, never an inline list
            ref = parse_area(formula.split("!")[1].replace("$", ""))
            values = [lookup.cell(r, ref.first.col).value for r in ref.rows]
            assert tuple(values) == item.choices
    province = spec.field("province").choices
    assert len(province) == 37 and "新疆生产建设兵团" in province and "深圳市" in province


@pytest.mark.parametrize(
    ("field_id", "kind", "operator", "bounds"),
    [
        ("sales_total", "decimal", "between", ("0", "1000000000000")),
        ("hitech_export_value", "decimal", "between", ("0", "1000000000000")),
        ("enterprise_count", "whole", "between", ("0", "2000000000")),
        ("employees", "whole", "between", ("0", "2000000000")),
        ("export_growth", "decimal", "between", ("-100", "1000")),
        ("fill_date", "date", "between", None),
    ],
)
def test_data_validation_by_kind(
    wb: Workbook, field_id: str, kind: str, operator: str, bounds: Any
) -> None:
    spec = load_spec()
    f = spec.field(field_id)
    dv = _validations(wb)[(spec.sheet(f.sheet).name, f.cell.a1)]
    assert dv.type == kind
    assert (dv.operator or "between") == operator
    assert dv.prompt and dv.error  # Chinese input prompt and error alert
    assert re.search(r"[\u4e00-\u9fff]", dv.prompt) and re.search(r"[\u4e00-\u9fff]", dv.error)
    if bounds:
        assert (float(dv.formula1), float(dv.formula2)) == tuple(float(b) for b in bounds)


def test_number_formats_follow_units(wb: Workbook) -> None:
    spec = load_spec()
    base = wb["第一项：基地基本情况"]
    assert base[spec.field("export_value").cell.a1].number_format == "#,##0.0000"
    assert base[spec.field("employees").cell.a1].number_format == "#,##0"
    assert wb["封面"][spec.field("fill_date").cell.a1].number_format == 'yyyy"年"m"月"d"日"'
    assert wb["封面"][spec.field("contact_phone").cell.a1].number_format == "@"  # keeps a leading 0


def test_inputs_are_filled_and_labels_locked(wb: Workbook) -> None:
    ws = wb["第一项：基地基本情况"]
    assert ws["B4"].protection.locked and ws["B4"].value == "企业数(个)"
    assert not ws["C4"].protection.locked
    assert ws["C4"].fill.fgColor.rgb.endswith("FFF2CC")


def test_sheets_are_protected_rows_insertable_and_workbook_open(wb: Workbook) -> None:
    for sheet in load_spec().sheets:
        ws = wb[sheet.name]
        assert ws.protection.sheet, sheet.name
        assert ws.protection.insertRows is False  # OOXML: False = not forbidden
        assert not ws.protection.password  # no password unless asked
    # an unprotected workbook structure lets people copy 第一项 (注:本表可以复制)
    assert wb.security is None or not wb.security.lockStructure


def test_password_protects_when_asked() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(build_template(password="secret")))
    assert wb["封面"].protection.password


def test_metadata_sheet_is_very_hidden_and_named(wb: Workbook) -> None:
    spec = load_spec()
    meta = wb[META_SHEET]
    assert meta.sheet_state == "veryHidden"
    values = {}
    for name in ("formkit_form_id", "formkit_spec_version", "formkit_year", "formkit_version"):
        sheet, area = _name_target(wb, name)
        values[name] = wb[sheet][area.first.a1].value
    assert values["formkit_form_id"] == spec.id
    assert values["formkit_spec_version"] == spec.version
    assert values["formkit_year"] == 2006
    import formkit

    assert values["formkit_version"] == formkit.__version__


def test_print_setup(wb: Workbook) -> None:
    for sheet in load_spec().sheets:
        ws = wb[sheet.name]
        assert ws.page_setup.paperSize in (9, "9")
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (1, "1", None)  # 1 is the OOXML default
        assert ws.page_setup.fitToHeight in (0, "0")
        assert "2006年科技兴贸工程出口创新基地申报书" in ws.oddHeader.center.text
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
        if sheet.repeat_rows:
            assert ws.print_title_rows == f"${sheet.repeat_rows[0]}:${sheet.repeat_rows[1]}"
    assert wb["第一项：基地基本情况"].row_breaks.brk[0].id == 17  # 续表 starts page 2


def test_part_a_labels_fit_their_columns(wb: Workbook) -> None:
    for f in load_spec().fields:
        if f.part != "A" or f.label_cell is None:
            continue
        ws = wb[load_spec().sheet(f.sheet).name]
        width = ws.column_dimensions[f.label_cell.a1.rstrip("0123456789")].width
        assert display_width(f.label) + 1 <= width, f.label


def test_same_spec_and_year_give_identical_bytes() -> None:
    assert build_template(year=2006) == build_template(year=2006)
    assert build_template(year=2006) != build_template(year=2007)


def test_committed_template_is_what_formkit_writes_today(template_bytes: bytes) -> None:
    committed = ROOT / "templates" / "申报书.xlsx"
    assert committed.read_bytes() == template_bytes, (
        "run `formkit template` and commit templates/申报书.xlsx"
    )


def test_prefilled_values_and_locked_fields() -> None:
    values = {
        "applicant_name": '=HYPERLINK("http://x")',
        "province": "江苏省",
        "fill_date": dt.date(2006, 4, 20),
        "employees": 1200,
        "main_products": [{"name": "笔记本电脑", "export_value": 1234.5}],
        "history": [{"export_value": 10}, {"export_value": 12}, {"export_value": 15}],
        "attachments": {"application_form": True},
    }
    data = build_template(values=values, locked_fields={"province"}, submission_id="S-001")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb["封面"]["B4"].value == values["applicant_name"]  # text, never a formula
    assert wb["封面"]["B4"].data_type == "s"
    info = wb["续表一 申报信息"]
    assert info["B3"].value == "江苏省" and info["B3"].protection.locked
    assert wb["封面"]["B8"].value == dt.datetime(2006, 4, 20)
    assert wb["第一项：基地基本情况"]["B8"].value == "笔记本电脑"
    assert wb["续表三 龙头企业及附报材料"]["B18"].value == "是"
    meta = wb[META_SHEET]
    assert [meta.cell(r, 1).value for r in range(2, 7)][-1] == "报送编号"
    assert meta["B6"].value == "S-001"
    cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True)["续表二 出口情况与评估条件"]
    assert cached["D5"].value == 20.0 and cached["D6"].value == 25.0
    with pytest.raises(KeyError):
        build_template(values={"no_such_field": 1})


def test_cli_writes_the_template(tmp_path: Path) -> None:
    target = tmp_path / "out" / "申报书.xlsx"
    result = CliRunner().invoke(app, ["template", "--year", "2007", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == build_template(year=2007)
    bad = CliRunner().invoke(app, ["template", "--year", "1800", "-o", str(tmp_path / "x.xlsx")])
    assert bad.exit_code == 2
    assert not (tmp_path / "x.xlsx").exists()
