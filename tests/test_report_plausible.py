"""Plausibility for every number of the 季度数据报表 and the 年度工作报告 (#20 item 8): each
numeric field and table column declares its bounds (with their reasons) and its unit slips in
its spec.toml, as the 申报书 does; an amount typed in 亿美元 or 美元 into a 万美元 cell is named
疑似单位错误 with its likely value; a key enterprise above its base is an error.

Every case is a workbook written through the form's template and read back. The expected
likely values are the normal values the slips were made from."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from formkit.api import load_spec, read, validate
from formkit.forms import get_form, load_form_spec
from formkit.issues import CATALOGUE, Issue
from formkit.read import Submission
from formkit.reference import load_reference
from formkit.spec.model import SLIP_UNITS, UNITS, SpecError, build
from formkit.template import build_template
from tests.report_forms import JIDU, NIANBAO, jidu_values, nianbao_values

YEAR = 2007
PLAUSIBLE = ("unit_slip", "unit_slip_small", "implausible_value")
FORMS = (JIDU, NIANBAO)
VALUES = {JIDU: jidu_values, NIANBAO: nianbao_values}


def _numeric(form_id: str) -> list[tuple[str, Any]]:
    """(value key, field or column) of every number a person types into the form."""
    spec = load_form_spec(form_id)
    out: list[tuple[str, Any]] = [
        (f.id, f) for f in spec.fields if f.type in ("integer", "decimal", "percent")
    ]
    out += [
        (f"{t.id}[1].{c.id}", c)
        for t in spec.tables
        for c in t.columns
        if c.type in ("integer", "decimal", "percent") and not c.fixed and c.computed is None
    ]
    return out


def _amounts(form_id: str) -> list[str]:
    return [k for k, f in _numeric(form_id) if f.unit and UNITS[f.unit][0] == "USD"]


# ---------------------------------------------------------------- the spec


@pytest.mark.parametrize("form_id", FORMS)
def test_every_number_of_the_report_forms_declares_bounds_and_slips(form_id: str) -> None:
    """Iterated over the spec: a numeric field or column added without bounds fails here."""
    numeric = _numeric(form_id)
    assert len(numeric) >= (30 if form_id == JIDU else 15)
    for key, f in numeric:
        assert f.bounds, f"{form_id} {key}: no [[…bound]]"
        assert all(b.source.strip() for b in f.bounds), key
        if f.type == "percent":
            ranges = [b for b in f.bounds if b.kind == "range"]
            assert any(b.min is not None for b in ranges), key
            assert any(b.max is not None for b in ranges), key
        if f.unit and UNITS[f.unit][0] in ("USD", "CNY"):
            # an amount names the units a person may have typed instead: its neighbours
            family = {u for u, (kind, _) in SLIP_UNITS.items() if kind == UNITS[f.unit][0]}
            assert set(f.slips) == family - {f.unit} - {"亿元" if f.unit == "元" else ""}, key
    amounts = _amounts(form_id)
    assert amounts and all(set(dict(numeric)[k].slips) == {"亿美元", "美元"} for k in amounts)


def test_a_year_bound_must_name_a_column_or_an_integer_field() -> None:
    data = tomllib.loads(get_form(JIDU).spec_file.read_text("utf-8"))
    field = next(f for f in data["field"] if f["id"] == "export_value_q")
    field["bound"][1]["year_from"] = "base_name"  # a text field
    choices = {"reporting_units": tuple(load_spec().field("province").choices)}
    with pytest.raises(SpecError, match="year_from"):
        build(data, choices)


# ---------------------------------------------------------------- slips, field by field

# A normal value per amount key: the form's own test value, moved into the range where each
# slip stands out from the bounds alone. A part of the base's exports (自主知识产权, 软件, 外包…)
# typed in 美元 is above 10% of the year's national exports only from 1217.8 万美元 (2007),
# and typed in 亿美元 is below 1 万美元 only up to 10000 万美元; outside that range the form's
# part/whole rules (part_above_whole, quarter_above_cumulative, enterprise_above_base) speak.
NORMAL: dict[str, float] = {
    "outsourcing_value_q": 1500.0,
    "own_ip_export_value_ytd": 9100.0,
    "own_brand_export_value_ytd": 9800.0,
    "own_ip_export_value": 8200.0,
    "own_brand_export_value": 6100.0,
    "software_export_value": 8200.0,
}


def _normal(form_id: str, key: str) -> float:
    if key in NORMAL:
        return NORMAL[key]
    value = _get(VALUES[form_id](), key)
    assert isinstance(value, int | float) and value > 0, key
    return float(value)


def _get(values: dict[str, Any], key: str) -> Any:
    if "[" in key:
        table, rest = key.split("[", 1)
        index, column = rest.split("].", 1)
        return values[table][int(index)][column]
    return values[key]


def _set(values: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(values)
    if "[" in key:
        table, rest = key.split("[", 1)
        index, column = rest.split("].", 1)
        out[table][int(index)][column] = value
    else:
        out[key] = value
    return out


def _checked(tmp_path: Path, form_id: str, values: dict[str, Any], name: str = "x") -> Submission:
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(build_template(load_form_spec(form_id), year=YEAR, values=values))
    sub = read(path)
    assert sub.status == "accepted", sub.issues
    return validate(sub)


def _cell(sub: Submission, key: str) -> tuple[str, str]:
    src = sub.sources[key]
    return src.sheet, src.cell


def _plausible_at(sub: Submission, key: str) -> list[Issue]:
    sheet, cell = _cell(sub, key)
    return [i for i in sub.issues if i.code in PLAUSIBLE and (i.sheet, i.cell) == (sheet, cell)]


def _plain(x: float) -> str:
    return f"{x:.10f}".rstrip("0").rstrip(".")


AMOUNT_CASES = [(form_id, key) for form_id in FORMS for key in _amounts(form_id)]


@pytest.mark.parametrize(("form_id", "key"), AMOUNT_CASES, ids=[k for _, k in AMOUNT_CASES])
def test_each_amount_passes_and_its_slips_are_named_with_the_likely_value(
    tmp_path: Path, form_id: str, key: str
) -> None:
    normal = _normal(form_id, key)
    base = _set(VALUES[form_id](), key, normal)
    assert not _plausible_at(_checked(tmp_path, form_id, base, "normal"), key)
    for typed, code, unit in (
        (normal / 10_000, "unit_slip_small", "亿美元"),  # 850 万美元 typed as 0.085 (亿美元)
        (normal * 10_000, "unit_slip", "美元"),  # 850 万美元 typed as 8500000 (美元)
    ):
        sub = _checked(tmp_path, form_id, _set(base, key, typed), code)
        found = _plausible_at(sub, key)
        assert [i.code for i in found] == [code], (key, typed, [i.message for i in sub.issues])
        assert found[0].params["likely"] == _plain(normal), found[0].message
        assert f"可能按{unit}填写" in found[0].message
        assert f"应为约 {_plain(normal)} 万美元" in found[0].message


def test_the_issue_example_0_085_in_a_wan_dollar_cell(tmp_path: Path) -> None:
    """The issue's case: 850 万美元 of exports typed as 0.085 (亿美元) is 疑似单位错误, with
    850 as the likely value."""
    sub = _checked(tmp_path, JIDU, _set(jidu_values(), "export_value_q", 0.085))
    found = _plausible_at(sub, "export_value_q")
    assert [(i.code, i.severity) for i in found] == [("unit_slip_small", "warning")]
    assert CATALOGUE["unit_slip_small"].title.startswith("疑似单位错误")
    assert "可能按亿美元填写" in found[0].message and "应为约 850 万美元" in found[0].message


@pytest.mark.parametrize(
    ("form_id", "key", "value"),
    [
        (JIDU, "own_brand_export_value_q", 0.0),
        (JIDU, "outsourcing_value_ytd", 0.0),
        (JIDU, "tech_import_value_q", 0.0),
        (JIDU, "key_enterprises[1].hitech_export_value_q", 0.0),
        (NIANBAO, "software_export_value", 0.0),
    ],
)
def test_none_is_zero_and_zero_is_no_slip(
    tmp_path: Path, form_id: str, key: str, value: float
) -> None:
    """ "没有的填 0": a 0 passes every bound that allows it."""
    values = _set(VALUES[form_id](), key, value)
    if key == "tech_import_value_q":
        values["tech_import_contracts_q"] = 0
    assert not _plausible_at(_checked(tmp_path, form_id, values), key)


# ---------------------------------------------------------------- counts, growths, year


@pytest.mark.parametrize(
    ("form_id", "key", "value", "expected"),
    [
        (JIDU, "enterprise_count_q", 0, ("implausible_value", "warning")),
        (JIDU, "enterprise_count_ytd", 80_000, ("implausible_value", "warning")),
        (NIANBAO, "enterprise_count", 0, ("implausible_value", "warning")),
        (JIDU, "tech_import_contracts_ytd", 26_505, ("implausible_value", "warning")),
        (JIDU, "intl_certifications_q", 15_000, ("implausible_value", "warning")),
        (JIDU, "foreign_patents_ytd", 20_000, ("implausible_value", "warning")),
        (NIANBAO, "foreign_trademarks", 12_000, ("implausible_value", "warning")),
        (NIANBAO, "foreign_copyrights", 50_000, ("implausible_value", "warning")),
        (JIDU, "export_growth", -150.0, ("implausible_value", "error")),
        (JIDU, "hitech_export_growth", 2500.0, ("implausible_value", "warning")),
        (NIANBAO, "software_export_growth", -120.0, ("implausible_value", "error")),
        (JIDU, "key_enterprises[1].export_growth", 3000.0, ("implausible_value", "warning")),
        (JIDU, "report_year", 2005, ("implausible_value", "warning")),
        (NIANBAO, "report_year", 206, ("implausible_value", "warning")),
        # within the bounds: a fall of 60%, a count of 0
        (JIDU, "export_growth", -60.0, None),
        (JIDU, "foreign_copyrights_q", 0, None),
    ],
)
def test_counts_growths_and_years_outside_their_bounds(
    tmp_path: Path, form_id: str, key: str, value: Any, expected: tuple[str, str] | None
) -> None:
    sub = _checked(tmp_path, form_id, _set(VALUES[form_id](), key, value))
    found = [(i.code, i.severity) for i in _plausible_at(sub, key)]
    assert found == ([expected] if expected else []), [i.message for i in sub.issues]
    if expected:
        issue = _plausible_at(sub, key)[0]
        assert issue.params["source"] and "{" not in issue.message


def test_a_doubtful_report_year_is_not_looked_up(tmp_path: Path) -> None:
    """报告年度 206 (a digit short) is warned once; no national figure of the year 206 is
    sought for the amounts."""
    sub = _checked(tmp_path, NIANBAO, _set(nianbao_values(), "report_year", 206))
    assert [i.code for i in sub.issues if i.field == "report_year" and i.code in PLAUSIBLE] == [
        "implausible_value"
    ]
    assert not [i for i in sub.issues if i.code == "national_figure_missing"]


def test_every_number_of_a_filled_report_is_plausible(tmp_path: Path) -> None:
    for form_id in FORMS:
        sub = _checked(tmp_path, form_id, VALUES[form_id](), form_id)
        assert not [i for i in sub.issues if i.code in PLAUSIBLE], [i.message for i in sub.issues]


def test_national_bounds_take_the_report_year(tmp_path: Path) -> None:
    """A 2006 report, on the 2007 template, against 2006's national exports (9690.8 亿美元),
    not 2007's (12178 亿美元): 10000 亿美元 in the year to date is above the whole country's
    2006 (an error), though within 2007's (where only the 10% warning would apply)."""
    national = load_reference().national
    assert national[2006].total_exports == 9690.8 and national[2007].total_exports == 12178.0
    values = _set(jidu_values(), "report_year", 2006)
    values["export_value_ytd"] = 1e8  # 万美元 = 10000 亿美元
    values["export_value_q"] = 5e7
    sub = _checked(tmp_path, JIDU, values)
    found = _plausible_at(sub, "export_value_ytd")
    assert [(i.code, i.severity) for i in found] == [("unit_slip", "error")]
    assert "2006 年" in found[0].message and found[0].params["likely"] == "10000"
    # without a report year there is no year to compare with: no national bound, no guess
    blank = _checked(tmp_path, JIDU, {**values, "report_year": None}, "blank")
    assert not any("全国" in i.message for i in _plausible_at(blank, "export_value_ytd"))


# ---------------------------------------------------------------- a key enterprise above its base


@pytest.mark.parametrize(
    ("column", "base_key"),
    [
        ("export_value_q", "export_value_q"),
        ("export_value_ytd", "export_value_ytd"),
        ("hitech_export_value_q", "hitech_export_value_q"),
        ("hitech_export_value_ytd", "hitech_export_value_ytd"),
    ],
)
def test_a_key_enterprise_above_its_base_is_an_error(
    tmp_path: Path, column: str, base_key: str
) -> None:
    values = jidu_values()
    base = values[base_key]
    row = values["key_enterprises"][0]
    # one enterprise above the base of the same period (its own figures kept consistent)
    for c in (
        "export_value_q",
        "export_value_ytd",
        "hitech_export_value_q",
        "hitech_export_value_ytd",
    ):
        row[c] = max(row[c], base + 100.0 if c == column else row[c])
    row["export_value_q"] = max(row["export_value_q"], row["hitech_export_value_q"])
    row["export_value_ytd"] = max(row["export_value_ytd"], row["hitech_export_value_ytd"])
    row["export_value_ytd"] = max(row["export_value_ytd"], row["export_value_q"])
    row["hitech_export_value_ytd"] = max(
        row["hitech_export_value_ytd"], row["hitech_export_value_q"]
    )
    sub = _checked(tmp_path, JIDU, values)
    key = f"key_enterprises[0].{column}"
    found = [i for i in sub.issues if i.code == "enterprise_above_base"]
    mine = [i for i in found if (i.sheet, i.cell) == _cell(sub, key)]
    assert [(i.severity, i.related) for i in mine] == [("error", (base_key,))]
    assert f"“{row['name']}”" in mine[0].message
    for figure in (row[column], base):  # as written in the cell
        shown = str(int(figure)) if float(figure).is_integer() else str(figure)
        assert f"{shown} 万美元" in mine[0].message
    # the sum of the key enterprises is not reported again for the same excess
    assert not [
        i for i in sub.issues if i.code == "enterprises_above_base" and i.related == (base_key,)
    ]


def test_key_enterprises_within_their_base_pass(tmp_path: Path) -> None:
    sub = _checked(tmp_path, JIDU, jidu_values())
    assert not [
        i for i in sub.issues if i.code in ("enterprise_above_base", "enterprises_above_base")
    ]


def test_an_enterprise_typed_in_dollars_is_above_its_base_and_a_slip(tmp_path: Path) -> None:
    """2300 万美元 typed as 23000000 (美元): the slip names the likely 2300, and the row is
    above the base, an error, so neither value counts in a total."""
    key = "key_enterprises[1].export_value_q"
    sub = _checked(tmp_path, JIDU, _set(jidu_values(), key, 23_000_000.0))
    assert [i.code for i in _plausible_at(sub, key)] == ["unit_slip"]
    above = [i for i in sub.issues if i.code == "enterprise_above_base"]
    assert [(i.sheet, i.cell) for i in above] == [_cell(sub, key)]
