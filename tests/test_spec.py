"""The form spec: complete against FORM.md, and checked when loaded."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest

from formkit.spec import SpecError, load_spec
from formkit.spec.model import build
from tests.conftest import DOCS

SPEC_PATH = load_spec.__globals__["DEFAULT_SPEC"]


def _data() -> dict[str, Any]:
    with open(SPEC_PATH, "rb") as fh:
        return tomllib.load(fh)


def _build(data: dict[str, Any]) -> None:
    build(
        data, {"reporting_units": ("北京市", "江苏省"), "existing_bases": ("泰州国家医药出口基地",)}
    )


def test_every_form_md_id_is_in_the_spec() -> None:
    form_md = DOCS / "forms" / "kjxm-cxjd-shenbaoshu.md"
    ids = set(re.findall(r"^\| `(\w+)(?:\[\])?` \|", form_md.read_text(encoding="utf-8"), re.M))
    assert len(ids) >= 30
    assert ids == set(load_spec().ids)


def test_labels_types_units_as_form_md() -> None:
    spec = load_spec()
    assert spec.field("sales_total").unit == "亿元"
    assert spec.field("export_value").label == "出口额(亿美元)"
    assert spec.field("hitech_export_growth").label == "出口增速(%)"
    assert spec.field("hitech_export_growth").label_occurrence == 2
    assert spec.field("employees").type == "integer"
    assert spec.table("main_products").column("export_value").unit == "万美元"
    assert [c.id for c in spec.table("leading_enterprises").columns] == [
        "name",
        "export_value",
        "industry_rank",
    ]
    assert len(spec.field("province").choices) == 37
    assert spec.field("existing_base_type").required_when is not None
    # 六(三): the applicant sends the 申报书 and the 发展方案; the 推荐文件 is the province's
    assert {i.id for i in spec.field("attachments").items} == {
        "application_form",
        "development_plan",
    }
    assert spec.field("recertified_base").required_when is not None


def test_part_b_fields_cite_their_clause() -> None:
    spec = load_spec()
    for f in spec.fields:
        if f.sheet not in ("cover", "base"):
            assert f.clause, f.id
    for t in spec.tables:
        if t.sheet != "base":
            assert t.clause, t.id


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["field"].append(dict(d["field"][0], cell="Z99")), "duplicate id"),
        (lambda d: d["field"][0].update(type="money"), "unknown type"),
        (lambda d: d["sheet"][0].update(name="表" * 32), "31"),
        (lambda d: d["sheet"][0].update(name="a/b"), "forbids"),
        (
            lambda d: d["field"][-3].update(choices=[]) or d["field"][-3].update(type="choice"),
            "non-empty",
        ),
        (
            lambda d: next(f for f in d["field"] if f["id"] == "key_field").update(
                dropdown="inline", choices=[f"很长的选项名称{i:03d}" for i in range(40)]
            ),
            "255",
        ),
        (lambda d: d["field"][1].update(cell="B4"), "overlaps"),
        (lambda d: d["field"][0].update(sheet="nowhere"), "unknown sheet"),
        (lambda d: d["field"][0].update(cell="B0"), "outside"),
    ],
    ids=[
        "duplicate",
        "type",
        "long-sheet-name",
        "bad-sheet-char",
        "empty-choices",
        "inline-list",
        "overlap",
        "sheet",
        "cell",
    ],
)
def test_bad_specs_are_refused(mutate: Any, message: str) -> None:
    data = _data()
    mutate(data)
    with pytest.raises(SpecError, match=message):
        _build(data)


def test_spec_objects_are_frozen() -> None:
    f = load_spec().field("applicant_name")
    with pytest.raises(AttributeError):
        f.label = "x"  # type: ignore[misc]


def test_printed_summary_columns_are_checked_when_loaded() -> None:
    """The printed 汇总表's figures are the form's data ([summary] printed), checked on load."""
    data = _data()
    assert data["summary"]["printed"][0] == ["key_field", "重点领域", 7]
    _build(data)
    data["summary"]["printed"] = [["no_such_field", "无", 5]]
    with pytest.raises(SpecError, match="printed"):
        _build(data)


def test_a_spec_declares_its_own_units_and_a_unit_keeps_one_meaning() -> None:
    from formkit.parse import parse_number
    from formkit.spec.model import UNITS

    data = _data()
    field = next(f for f in data["field"] if f["id"] == "sales_total")
    field["unit"] = "万立方米"
    field.pop("bound", None)
    field.pop("slips", None)
    with pytest.raises(SpecError, match="unknown unit '万立方米'"):
        _build(data)
    data["units"] = {"万立方米": ["volume", 10000]}
    _build(data)
    assert UNITS["万立方米"] == ("volume", 10000.0)
    assert parse_number("3.5", "万立方米").value == 3.5
    data["units"] = {"万立方米": ["volume", 1000]}
    with pytest.raises(SpecError, match=r"\[units\] 万立方米: already means"):
        _build(data)
    data["units"] = {"亿元": ["CNY", 1]}
    with pytest.raises(SpecError, match=r"\[units\] 亿元"):
        _build(data)
