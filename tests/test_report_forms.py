"""The 季度数据报表 and 年度工作报告 (商技发[2006]6号 四(四)) as forms on the same engine:
registry, blank templates, reading back what was written, and each within-form rule at
its cell."""

from __future__ import annotations

import datetime as dt
import importlib
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from formkit.api import load_spec, read, validate
from formkit.cli import app
from formkit.forms import UnknownForm, form_ids, load_form_spec
from formkit.issues import CATALOGUE, Issue, plain
from formkit.read import Submission
from formkit.spec import FormSpec
from formkit.template import build_template
from tests.report_forms import FULL, JIDU, NIANBAO, jidu_values, nianbao_values

YEAR = 2007
runner = CliRunner()


def _write(tmp_path: Path, form_id: str, values: dict[str, Any], name: str = "x") -> Path:
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(build_template(load_form_spec(form_id), year=YEAR, values=values))
    return path


def _checked(tmp_path: Path, form_id: str, values: dict[str, Any]) -> Submission:
    sub = read(_write(tmp_path, form_id, values))
    assert sub.status == "accepted", sub.issues
    return validate(sub)


def _at(sub: Submission, code: str) -> list[tuple[str | None, str | None]]:
    return [(i.sheet, i.cell) for i in sub.issues if i.code == code]


def _codes(issues: list[Issue]) -> set[str]:
    return {i.code for i in issues}


# ---------------------------------------------------------------- registry and CLI


def test_registry_knows_three_forms_and_their_specs_load() -> None:
    assert list(form_ids()) == ["kjxm-cxjd-shenbaoshu", JIDU, NIANBAO]
    for form_id in form_ids():
        assert load_form_spec(form_id).id == form_id
    assert load_form_spec() is load_spec()  # the default form is the 申报书
    with pytest.raises(UnknownForm):
        load_form_spec("kjxm-cxjd-nope")


def test_forms_command_lists_id_title_version() -> None:
    result = runner.invoke(app, ["forms"])
    assert result.exit_code == 0, result.output
    for form_id in form_ids():
        spec = load_form_spec(form_id)
        line = next(x for x in result.output.splitlines() if x.startswith(form_id))
        assert f"版本 {spec.version}" in line
    assert "季度数据报表" in result.output and "工作报告" in result.output


@pytest.mark.parametrize("form_id", [JIDU, NIANBAO])
def test_template_form_option_writes_the_forms_workbook(tmp_path: Path, form_id: str) -> None:
    out = tmp_path / "t.xlsx"
    result = runner.invoke(app, ["template", "--form", form_id, "--year", "2007", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == build_template(load_form_spec(form_id), year=YEAR)


def test_template_unknown_form_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["template", "--form", "nope", "-o", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 2
    assert "formkit forms" in result.output
    assert not (tmp_path / "t.xlsx").exists()


# ---------------------------------------------------------------- blank templates


@pytest.mark.parametrize("form_id", [JIDU, NIANBAO])
def test_blank_template_is_deterministic(form_id: str) -> None:
    spec = load_form_spec(form_id)
    assert build_template(spec, year=YEAR) == build_template(spec, year=YEAR)
    assert build_template(spec, year=YEAR) != build_template(spec, year=YEAR + 1)


@pytest.mark.parametrize("form_id", [JIDU, NIANBAO])
def test_blank_template_names_every_input(form_id: str) -> None:
    spec = load_form_spec(form_id)
    book = openpyxl.load_workbook(io.BytesIO(build_template(spec, year=YEAR)))
    names = {n: book.defined_names[n].attr_text for n in book.defined_names}
    for name, sheet_id, area in spec.defined_names():
        assert name in names, name
        assert names[name].endswith(f"!{area.absolute}"), (name, names[name])
        assert names[name].startswith(f"{spec.sheet(sheet_id).name}!") or names[name].startswith(
            f"'{spec.sheet(sheet_id).name}'!"
        )
    meta = book["formkit"]
    assert meta["B2"].value == form_id and meta["B4"].value == YEAR
    assert meta["A4"].value == "报告年度"


@pytest.mark.parametrize("form_id", [JIDU, NIANBAO])
def test_blank_template_validates_every_input(form_id: str) -> None:
    """Every number, date, drop-down and length-limited text cell carries its Excel check."""
    spec = load_form_spec(form_id)
    book = openpyxl.load_workbook(io.BytesIO(build_template(spec, year=YEAR)))
    for f in spec.fields:
        if f.type in ("text", "phone") and f.max_length is None:
            continue
        dvs = book[spec.sheet(f.sheet).name].data_validations.dataValidation
        found = [dv for dv in dvs if f.cell.a1 in dv.sqref]
        assert len(found) == 1, f.id
        dv = found[0]
        want = {
            "integer": "whole",
            "decimal": "decimal",
            "percent": "decimal",
            "date": "date",
            "choice": "list",
            "text": "textLength",
        }[f.type]
        assert dv.type == want, f.id
        if f.max_length is not None:
            assert dv.operator == "lessThanOrEqual" and dv.formula1 == str(f.max_length)
    for t in spec.tables:
        dvs = book[spec.sheet(t.sheet).name].data_validations.dataValidation
        for c in t.input_columns:
            if c.type == "text":
                continue
            cell = f"{openpyxl.utils.get_column_letter(c.first_col)}{t.blocks[0].first.row}"
            found = [dv for dv in dvs if cell in dv.sqref]
            assert len(found) == 1, (t.id, c.id)
            if c.type == "yesno":
                assert found[0].type == "list" and "代码表" in (found[0].formula1 or "")


def test_quarterly_fill_date_accepts_january_of_the_next_year() -> None:
    """四(四): a fourth quarter's report is filled after the quarter, in January."""
    spec = load_form_spec(JIDU)
    book = openpyxl.load_workbook(io.BytesIO(build_template(spec, year=YEAR)))
    cell = spec.field("fill_date").cell.a1
    dv = next(dv for dv in book["季度数据"].data_validations.dataValidation if cell in dv.sqref)
    first, last = (
        dt.date(1899, 12, 30) + dt.timedelta(days=int(x)) for x in (dv.formula1, dv.formula2)
    )
    assert (first, last) == (dt.date(YEAR, 1, 1), dt.date(YEAR + 1, 12, 31))


def test_text_sections_are_top_aligned_wrapped_and_limited() -> None:
    spec = load_form_spec(NIANBAO)
    book = openpyxl.load_workbook(io.BytesIO(build_template(spec, year=YEAR)))
    for fid in ("work_progress", "work_results", "work_problems", "next_year_plan"):
        f = spec.field(fid)
        assert f.max_length == 1500 and f.required
        cell = book[spec.sheet(f.sheet).name][f.cell.a1]
        assert cell.alignment.wrap_text and cell.alignment.vertical == "top"
        assert cell.protection.locked is False


# ---------------------------------------------------------------- reading back


@pytest.mark.parametrize("form_id", [JIDU, NIANBAO])
def test_filled_copy_reads_back_equal_and_clean(tmp_path: Path, form_id: str) -> None:
    values = FULL[form_id]()
    sub = _checked(tmp_path, form_id, values)
    assert sub.form is not None and sub.form.id == form_id and sub.form.year == YEAR
    got = dict(sub.values)
    assert got == {k: values.get(k) for k in load_form_spec(form_id).ids}
    assert [i for i in sub.issues if i.severity != "info"] == []
    assert sub.verdict is None  # no eligibility criteria in a report


def test_folder_with_several_forms_reads_each_as_its_own(tmp_path: Path) -> None:
    from tests.forms import write_filled

    paths = [
        _write(tmp_path, JIDU, jidu_values(), "jidu"),
        _write(tmp_path, NIANBAO, nianbao_values(), "nianbao"),
        write_filled(tmp_path / "shenbaoshu.xlsx"),
    ]
    subs = [validate(read(p)) for p in paths]
    assert [s.form.id for s in subs if s.form] == [JIDU, NIANBAO, "kjxm-cxjd-shenbaoshu"]
    assert all(s.status == "accepted" for s in subs)
    assert [s.verdict is None for s in subs] == [True, True, False]
    # nothing of the 申报书 is asked of a report
    assert not any(i.code == "required_missing" for s in subs[:2] for i in s.issues)


def test_blank_quarterly_report_lists_its_required_fields(tmp_path: Path) -> None:
    spec = load_form_spec(JIDU)
    sub = _checked(tmp_path, JIDU, {})
    missing = {i.field for i in sub.issues if i.code == "required_missing"}
    assert missing == {f.id for f in spec.fields if f.required}
    assert "software_export_value_q" not in missing and "application_id" not in missing


def test_software_figures_required_of_a_software_base_only(tmp_path: Path) -> None:
    values = jidu_values()
    for k in ("software_export_value_q", "software_export_value_ytd", "software_export_growth"):
        values.pop(k)
    sub = _checked(tmp_path, JIDU, values)
    assert {i.field for i in sub.issues if i.code == "required_when_missing"} == {
        "software_export_value_q",
        "software_export_value_ytd",
    }
    values["base_type"] = "国家医药出口基地"
    sub = _checked(tmp_path, JIDU, values)
    assert "required_when_missing" not in _codes(sub.issues)


# ---------------------------------------------------------------- within-form rules, at their cells


def _cell(form_id: str, key: str) -> tuple[str, str]:
    spec = load_form_spec(form_id)
    f = spec.field(key)
    return spec.sheet(f.sheet).name, f.cell.a1


def test_quarter_above_cumulative(tmp_path: Path) -> None:
    """四(四): the quarter is part of the cumulative from January."""
    values = jidu_values()
    values["export_value_q"] = 99000.0
    values["foreign_patents_q"] = 20
    sub = _checked(tmp_path, JIDU, values)
    patents = next(i for i in sub.issues if i.field == "foreign_patents_q")
    ytd = values["foreign_patents_ytd"]
    assert f"本季度境外专利授权数 20 大于1月至本季度累计 {ytd}。" in patents.message  # a count
    assert sorted(_at(sub, "quarter_above_cumulative")) == sorted(
        [_cell(JIDU, "export_value_q"), _cell(JIDU, "foreign_patents_q")]
    )
    issue = next(i for i in sub.issues if i.field == "export_value_q")
    assert issue.severity == "error" and issue.related == ("export_value_ytd",)


def test_first_quarter_cumulative_equals_the_quarter(tmp_path: Path) -> None:
    values = jidu_values()
    values["report_quarter"] = "第一季度"
    values["fill_date"] = dt.date(2007, 4, 10)
    for stem in ("export_value", "hitech_export_value", "own_ip_export_value"):
        values[f"{stem}_ytd"] = values[f"{stem}_q"]
    sub = _checked(tmp_path, JIDU, values)
    flagged = {i.field for i in sub.issues if i.code == "first_quarter_not_cumulative"}
    # every figure left unequal is flagged, at its cumulative cell; the equal ones are not
    assert "export_value_ytd" not in flagged and "enterprise_count_ytd" in flagged
    assert _cell(JIDU, "enterprise_count_ytd") in _at(sub, "first_quarter_not_cumulative")


@pytest.mark.parametrize(
    ("part", "whole", "value"),
    [
        ("hitech_export_value_q", "export_value_q", 52000.6),
        ("hitech_export_value_ytd", "export_value_ytd", 98001.0),
        ("own_ip_export_value_ytd", "hitech_export_value_ytd", 57300.0),
        ("own_brand_export_value_q", "hitech_export_value_q", 30100.5),
        ("outsourcing_value_ytd", "software_export_value_ytd", 4100.5),
    ],
)
def test_part_above_whole(tmp_path: Path, part: str, whole: str, value: float) -> None:
    """一、三: 高新 ≤ 出口; 自主知识产权 / 自主品牌 ≤ 高新; 外包 ≤ 软件出口."""
    values = jidu_values()
    values[part] = value
    sub = _checked(tmp_path, JIDU, values)
    issues = [i for i in sub.issues if i.code == "part_above_whole"]
    assert [(i.sheet, i.cell, i.related) for i in issues] == [(*_cell(JIDU, part), (whole,))]


def test_part_equal_to_whole_is_fine(tmp_path: Path) -> None:
    values = jidu_values()
    values["hitech_export_value_q"] = values["export_value_q"]
    values["own_ip_export_value_q"] = 8200.0
    sub = _checked(tmp_path, JIDU, values)
    assert "part_above_whole" not in _codes(sub.issues)


def test_key_enterprises_above_the_base(tmp_path: Path) -> None:
    """四(四): the key enterprises are part of the base."""
    values = jidu_values()
    values["key_enterprises"][0]["export_value_ytd"] = 95000.0  # + 4100 > 98000.25
    values["key_enterprises"][0]["hitech_export_value_ytd"] = 54000.0  # + 4100 > 57200.75
    sub = _checked(tmp_path, JIDU, values)
    got = [(i.cell, i.related) for i in sub.issues if i.code == "enterprises_above_base"]
    assert got == [("C4", ("export_value_ytd",)), ("E4", ("hitech_export_value_ytd",))]
    assert all(i.sheet == "重点企业" for i in sub.issues if i.code == "enterprises_above_base")


def test_key_enterprise_row_rules(tmp_path: Path) -> None:
    values = jidu_values()
    second = values["key_enterprises"][1]
    second["export_value_q"] = 4200.0  # above its own cumulative 4100
    second["hitech_export_value_ytd"] = 4100.5  # above its own exports 4100
    sub = _checked(tmp_path, JIDU, values)
    assert _at(sub, "quarter_above_cumulative") == [("重点企业", "B5")]
    assert ("重点企业", "E5") in _at(sub, "part_above_whole")


@pytest.mark.parametrize(
    ("figure", "growth", "figure_value", "growth_value", "code"),
    [
        ("export_value_ytd", "export_growth", 98000.25, -100.0, "growth_impossible"),
        ("software_export_value_ytd", "software_export_growth", 0.0, 5.0, "growth_impossible"),
        ("hitech_export_value_ytd", "hitech_export_growth", None, 3.0, "growth_without_value"),
    ],
)
def test_growth_plausibility(
    tmp_path: Path,
    figure: str,
    growth: str,
    figure_value: float | None,
    growth_value: float,
    code: str,
) -> None:
    """四(四): a reported 同比 agrees with the figure it is about."""
    values = jidu_values()
    values[figure] = figure_value
    values[growth] = growth_value
    if figure_value == 0.0:
        values["outsourcing_value_ytd"] = 0.0
        values["software_export_value_q"] = 0.0
        values["outsourcing_value_q"] = 0.0
    sub = _checked(tmp_path, JIDU, values)
    assert _at(sub, code) == [_cell(JIDU, growth)]


def test_growth_of_minus_100_with_nothing_this_year_is_fine(tmp_path: Path) -> None:
    values = jidu_values()
    for k in ("software_export_value_q", "software_export_value_ytd"):
        values[k] = 0.0
    for k in ("outsourcing_value_q", "outsourcing_value_ytd"):
        values[k] = 0.0
    values["software_export_growth"] = -100.0
    sub = _checked(tmp_path, JIDU, values)
    assert not {"growth_impossible", "growth_without_value"} & _codes(sub.issues)


def test_enterprise_growth_checked_at_its_row(tmp_path: Path) -> None:
    values = jidu_values()
    values["key_enterprises"][1]["export_growth"] = -100.0
    sub = _checked(tmp_path, JIDU, values)
    assert _at(sub, "growth_impossible") == [("重点企业", "F5")]


def test_report_year_and_fill_date(tmp_path: Path) -> None:
    values = jidu_values()
    values["report_year"] = 2006
    values["fill_date"] = dt.date(2006, 6, 20)  # before the end of 2006's second quarter
    sub = _checked(tmp_path, JIDU, values)
    assert _at(sub, "report_year_differs") == [_cell(JIDU, "report_year")]
    assert _at(sub, "fill_date_before_period_end") == [_cell(JIDU, "fill_date")]
    values["report_year"] = YEAR
    values["fill_date"] = dt.date(YEAR, 7, 1)
    sub = _checked(tmp_path, JIDU, values)
    assert not {"report_year_differs", "fill_date_before_period_end"} & _codes(sub.issues)


def test_text_over_its_limit(tmp_path: Path) -> None:
    values = jidu_values()
    values["important_info"] = "重" * 1501
    sub = _checked(tmp_path, JIDU, values)
    assert _at(sub, "text_too_long") == [("重要信息", "A3")]
    values["important_info"] = "重" * 1500
    assert "text_too_long" not in _codes(_checked(tmp_path, JIDU, values).issues)


def test_annual_figures_follow_the_same_rules(tmp_path: Path) -> None:
    values = nianbao_values()
    values["own_brand_export_value"] = values["hitech_export_value"] + 1
    values["export_growth"] = -100.0
    values["report_year"] = 2008
    sub = _checked(tmp_path, NIANBAO, values)
    assert _at(sub, "part_above_whole") == [_cell(NIANBAO, "own_brand_export_value")]
    assert _at(sub, "growth_impossible") == [_cell(NIANBAO, "export_growth")]
    assert _at(sub, "report_year_differs") == [_cell(NIANBAO, "report_year")]
    values = nianbao_values()
    values["work_problems"] = None
    sub = _checked(tmp_path, NIANBAO, values)
    assert _at(sub, "required_missing") == [_cell(NIANBAO, "work_problems")]


def test_new_codes_are_catalogued_in_chinese() -> None:
    for code in (
        "quarter_above_cumulative",
        "first_quarter_not_cumulative",
        "part_above_whole",
        "enterprises_above_base",
        "growth_impossible",
        "growth_without_value",
        "report_year_differs",
        "fill_date_before_period_end",
        "text_too_long",
    ):
        entry = CATALOGUE[code]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in entry.template + entry.fix), code


def test_report_rules_only_name_their_own_forms_fields() -> None:
    """The rules module knows its form: every key it reads is a field or column of its spec."""
    import re

    from formkit.forms import get_form

    for form_id, module in ((JIDU, "jidu"), (NIANBAO, "nianbao")):
        rules = importlib.import_module(f"formkit.forms.{module}.rules")
        assert tuple(get_form(form_id).rules) == tuple(rules.RULES)
    src = (Path(__file__).parent.parent / "formkit/forms/jidu/rules.py").read_text("utf-8")
    spec = load_form_spec(JIDU)
    table_cols = {c.id for t in spec.tables for c in t.columns}
    for key in re.findall(r'"([a-z_]+_(?:q|ytd|growth))"', src):
        assert key in spec.ids or key in table_cols, key


def test_check_command_checks_each_file_against_its_own_form(tmp_path: Path) -> None:
    """`formkit check` on a folder of both reports: each file by its own spec and rules."""
    import json

    values = jidu_values()
    values["export_value_q"] = 99000.0
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _write(inbox, JIDU, values, "jidu")
    _write(inbox, NIANBAO, nianbao_values(), "nianbao")
    out = tmp_path / "out.json"  # outside the folder it reads (an output is never an input)
    result = runner.invoke(app, ["check", str(inbox), "--json", str(out), "--jobs", "1"])
    assert result.exit_code == 1, result.output  # the quarterly report has an error
    results = {Path(r["file"]).stem: r for r in json.loads(out.read_text("utf-8"))["results"]}
    assert results["jidu"]["form"]["id"] == JIDU
    assert [(i["code"], i["cell"]) for i in results["jidu"]["issues"]] == [
        ("quarter_above_cumulative", "C16")
    ]
    assert results["nianbao"]["issues"] == [] and results["nianbao"]["verdict"] is None


# ---------------------------------------------------------------- the spec options the reports use


def _spec_with(tmp_path: Path, field: str = "", column: str = "") -> FormSpec:
    text = f"""
[form]
id = "toy"
version = "1"
title = "玩具"
default_year = 2007

[[sheet]]
id = "s"
name = "表"

[[sheet.text]]
cell = "A2"
text = "列"
style = "header"

[[field]]
id = "f"
label = "项目"
sheet = "s"
cell = "B1"
{field}

[[table]]
id = "t"
label = "表格"
sheet = "s"
blocks = ["A3:B5"]
header_row = 2

[[table.column]]
id = "c"
label = "列"
cell = "A"
{column}
"""
    path = tmp_path / "toy.toml"
    path.write_text(text, encoding="utf-8")
    return load_spec(path)


@pytest.mark.parametrize(
    ("field", "column", "message"),
    [
        ('type = "integer"\nmax_length = 10', 'type = "text"', "max_length is for text"),
        ('type = "text"\nmax_length = 40000', 'type = "text"', "max_length is for text"),
        ('type = "date"\ndate_window = [1, 0]', 'type = "text"', "date_window"),
        ('type = "text"', 'type = "choice"', "a choice column needs"),
    ],
)
def test_spec_options_refuse_what_excel_cannot_do(
    tmp_path: Path, field: str, column: str, message: str
) -> None:
    from formkit.spec import SpecError

    with pytest.raises(SpecError, match=message):
        _spec_with(tmp_path, field, column)


def test_spec_choice_column_gets_its_drop_down_and_is_read(tmp_path: Path) -> None:
    spec = _spec_with(tmp_path, 'type = "text"', 'type = "choice"\nchoices = ["甲", "乙"]')
    assert spec.table("t").columns[0].choices == ("甲", "乙")
    data = build_template(spec, values={"t": [{"c": "乙"}]})
    book = openpyxl.load_workbook(io.BytesIO(data))
    dv = next(dv for dv in book["表"].data_validations.dataValidation if "A3" in dv.sqref)
    assert dv.type == "list" and "代码表" in (dv.formula1 or "")
    path = tmp_path / "toy.xlsx"
    path.write_bytes(data)
    from formkit.forms import read_options

    sub = read(path, read_options(spec_path=str(tmp_path / "toy.toml")))
    assert sub.status == "accepted", sub.issues
    assert sub.values["t"] == [{"c": "乙"}]


@pytest.mark.parametrize("form_id", [JIDU, NIANBAO])
def test_names_lost_every_value_found_by_its_label(tmp_path: Path, form_id: str) -> None:
    """A copy whose defined names were lost (an app dropped them) reads the same by labels."""
    from formkit.read.extract import extract
    from formkit.read.xlsx import load_xlsx
    from formkit.reference import load_reference

    values = FULL[form_id]()
    book = load_xlsx(_write(tmp_path, form_id, values))
    book.names = {}
    spec = load_form_spec(form_id)
    sub = extract(
        book,
        spec,
        Submission("mem.xlsx", "", "accepted"),
        aliases=load_reference().unit_names,
    )
    assert sub.status == "accepted", sub.issues
    assert sub.form is not None and sub.form.id == form_id  # the metadata sheet's layout
    assert dict(sub.values) == {k: values.get(k) for k in spec.ids}
    assert set(sub.located.values()) == {"label"}


def test_spec_refuses_a_label_printed_earlier_on_its_sheet(tmp_path: Path) -> None:
    """A heading with a field's words above the field would mislead reading by label
    (the first 重要信息 sheet had its heading say just 重要信息)."""
    from formkit.spec import SpecError

    text = """
[form]
id = "toy"
version = "1"
title = "玩具"
default_year = 2007

[[sheet]]
id = "s"
name = "表"

[[sheet.text]]
cell = "A1:C1"
text = "重要信息"
style = "heading"

[[field]]
id = "f"
label = "重要信息"
type = "text"
sheet = "s"
label_cell = "A2"
cell = "A3:C9"
"""
    path = tmp_path / "toy.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError, match="reading by label would not find A2"):
        load_spec(path)
    path.write_text(text.replace('label_cell = "A2"', 'label_cell = "A2"\nlabel_occurrence = 2'))
    assert load_spec(path).field("f").label_occurrence == 2


def test_engine_names_no_field_of_the_reports() -> None:
    """The engine (everything outside formkit/forms/) knows the reports only through their
    specs: no id of theirs (beyond those the 申报书 shares) is written in its code."""
    import re

    root = Path(__file__).parent.parent / "formkit"
    base = load_spec()
    shared = set(base.ids) | {c.id for t in base.tables for c in t.columns}
    ids: set[str] = set()
    for form_id in (JIDU, NIANBAO):
        spec = load_form_spec(form_id)
        ids |= set(spec.ids) | {c.id for t in spec.tables for c in t.columns}
    ids -= shared
    assert "report_quarter" in ids and "work_results" in ids
    alternatives = "|".join(map(re.escape, sorted(ids)))
    pattern = re.compile(rf"""["']({alternatives})["']""")
    found = [
        (str(p.relative_to(root)), m.group(1))
        for p in sorted(root.rglob("*.py"))
        if "forms" not in p.relative_to(root).parts
        for m in pattern.finditer(p.read_text("utf-8"))
    ]
    assert found == []


def test_application_stages_refuse_a_report_until_they_handle_it(tmp_path: Path) -> None:
    """A stage asked for the 申报书 (the default read options, summary without --form)
    refuses a report's file as another form; `check`, `read(path)`, `ingest` and
    `feedback` take any registered form."""
    from formkit.check import check_file
    from formkit.forms import read_options

    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    path = _write(inbox, JIDU, jidu_values(), "jidu")
    refused = check_file(path)
    assert refused.status == "rejected"
    assert [i.code for i in refused.issues] == ["not_this_form"]
    assert JIDU in refused.issues[0].message
    assert check_file(path, read_options(forms=None)).status == "accepted"
    assert check_file(path, read_options(forms=(JIDU,))).status == "accepted"
    assert read(path).status == "accepted"
    out = tmp_path / "汇总表.xlsx"
    result = runner.invoke(app, ["summary", str(inbox), "-o", str(out), "--jobs", "1"])
    assert result.exit_code in (0, 1), result.output
    assert "汇总 0 份" in result.output and "未受理 1 份" in result.output


def test_a_stage_for_one_report_names_that_report_when_refusing(tmp_path: Path) -> None:
    from formkit.check import check_file
    from formkit.forms import read_options
    from tests.forms import write_filled

    path = write_filled(tmp_path / "申报书.xlsx")
    refused = check_file(path, read_options(forms=(JIDU,)))
    assert refused.status == "rejected" and refused.issues[0].code == "not_this_form"
    assert "不是本季度数据报表（kjxm-cxjd-jidu）" in refused.issues[0].message


def test_feedback_annotates_a_report_by_its_own_form(tmp_path: Path) -> None:
    """`feedback PATH` reads each file as its own form, like `check`: a quarterly report
    whose hi-tech export is above its export gets the comment at that cell."""
    import openpyxl

    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    values = jidu_values()
    values["hitech_export_value_q"] = values["export_value_q"] + 100.0
    path = _write(inbox, JIDU, values, "基地")
    sub = validate(read(path))
    flagged = [
        i for i in sub.issues if i.severity == "error" and i.field == "hitech_export_value_q"
    ]
    assert flagged, [i.code for i in sub.issues]
    out = tmp_path / "审核意见"
    result = runner.invoke(app, ["feedback", str(inbox), "-o", str(out), "-j", "1"])
    assert result.exit_code == 0, result.output
    (copy,) = out.glob("*.xlsx")
    ws = openpyxl.load_workbook(copy)[flagged[0].sheet]
    comment = ws[flagged[0].cell].comment
    assert comment is not None and flagged[0].message.split("：")[-1][:10] in comment.text


def test_a_message_shows_each_figure_as_written(tmp_path: Path) -> None:
    """A figure in a message is the cell's own number, not six digits of it (`:g` showed
    45499.75 as 45499.8 and 1234567.25 as 1.23457e+06)."""
    values = jidu_values()
    values["export_value_ytd"] = 1234567.25
    values["export_value_q"] = 1234567.75
    sub = _checked(tmp_path, JIDU, values)
    issue = next(i for i in sub.issues if i.code == "quarter_above_cumulative")
    assert "1234567.75 万美元 大于1月至本季度累计 1234567.25 万美元" in issue.message
    assert "e+" not in issue.message


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        (45499.75, "45499.75"),
        (1234567.89, "1234567.89"),
        (8200000.0, "8200000"),
        (0.1 + 0.2, "0.3"),
        (-0.0, "0"),
        (-12.5, "-12.5"),
        (1e-12, "0"),
    ],
)
def test_plain_numbers(number: float, shown: str) -> None:
    assert plain(number) == shown
