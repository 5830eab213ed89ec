"""Validation rules: each cites its clause; asserted by issue code and cell, never by text."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formkit.check import check_file
from formkit.forms import load_form_spec, read_options
from formkit.read import read
from formkit.read.submission import Submission
from formkit.reference import load_reference
from formkit.validate.context import Context
from formkit.validate.engine import Criterion, verdict
from formkit.validate.growth import Series, cagr, growth
from tests.conftest import ROOT
from tests.forms import full_values, write_filled

BASE = "第一项：基地基本情况"
INFO = "续表一 申报信息"
HIST = "续表二 出口情况与评估条件"
COVER = "封面"


def eligible_recert() -> dict[str, Any]:
    v = full_values()
    v["has_feature_industry"] = True
    v["attachments"] = {"application_form": True, "development_plan": True}
    return v


def eligible_new() -> dict[str, Any]:
    v = eligible_recert()
    v.update(
        application_type="新申报",
        province="四川省",  # 西部: threshold 1000万美元
        existing_base_type=None,
        has_policy=None,
        has_funding=None,
        has_feature_industry=None,
        provincial_policy_fund=True,
        key_field="信息",  # 五(二): a field the notice lists for new bases
    )
    return v


def run(tmp_path: Path, values: dict[str, Any], **changes: Any) -> Submission:
    data = {**values, **changes}
    path = write_filled(tmp_path / "a.xlsx", data)
    return check_file(path, read_options())


def codes(sub: Submission) -> set[tuple[str, str | None, str | None]]:
    return {(i.code, i.sheet, i.cell) for i in sub.issues if i.severity != "info"}


def criterion(sub: Submission, cid: str) -> str:
    return next(c["status"] for c in sub.criteria if c["id"] == cid)


# ---------------------------------------------------------------- baselines


def test_an_eligible_recertification_is_clean(tmp_path: Path) -> None:
    """六(一): all three conditions 是, materials complete, no errors -> 符合."""
    sub = run(tmp_path, eligible_recert())
    assert codes(sub) == set()
    assert sub.verdict == "符合"
    assert {c["id"] for c in sub.criteria} == {
        "recert_base",
        "recert_policy",
        "recert_funding",
        "recert_feature",
        "materials",
        "data_errors",
    }


def test_an_eligible_new_application_is_clean(tmp_path: Path) -> None:
    """六(二)(1)-(4) all pass for a western new base, but 前列 in its region."""
    sub = run(tmp_path, eligible_new())
    # 六(二)(2) “在本地区位居前列” has no regional total to compare with: left to a person,
    # and an application with a criterion unsettled is not 符合
    assert codes(sub) == {("criterion_manual", BASE, "C6")}, sub.issues
    assert sub.verdict == "需人工判断"
    assert {c["id"]: c["status"] for c in sub.criteria if c["status"] != "pass"} == {
        "new_regional_leading": "manual"
    }
    assert (
        sub.to_json()["verdict_note"]
        == "需人工判断：高新技术产品年出口额在本地区位居前列（六(二)(2)）"
    )


# ---------------------------------------------------------------- field rules from the spec


def test_required_field_missing(tmp_path: Path) -> None:
    """表单必填: 联系电话 is required."""
    sub = run(tmp_path, eligible_recert(), contact_phone=None)
    assert ("required_missing", COVER, "B6") in codes(sub)
    assert sub.verdict == "待补充材料"


def test_conditional_required_only_for_recertification(tmp_path: Path) -> None:
    """五(一): 原基地类型 is required for 重新认定 and not applicable to 新申报."""
    sub = run(tmp_path, eligible_recert(), existing_base_type=None)
    assert ("required_when_missing", INFO, "B7") in codes(sub)
    sub = run(tmp_path, eligible_new())
    assert not any(c[0] == "required_when_missing" for c in codes(sub))
    sub = run(tmp_path, eligible_new(), existing_base_type="国家医药出口基地")
    assert ("not_applicable", INFO, "B7") in codes(sub)


def test_negative_amount_and_count(tmp_path: Path) -> None:
    """表单: amounts and counts are ≥ 0 (利税总额 may be negative: a loss)."""
    sub = run(tmp_path, eligible_recert(), sales_total=-5.0, employees=-3)
    assert {("negative_value", BASE, "E4"), ("negative_value", BASE, "G6")} <= codes(sub)
    sub = run(tmp_path, eligible_recert(), profit_tax_total=-100.0)
    assert not any(c[0] == "negative_value" for c in codes(sub))


def test_growth_rate_out_of_sane_range(tmp_path: Path) -> None:
    """表单: a growth rate beyond the range its spec declares is a typing slip."""
    sub = run(tmp_path, eligible_new(), local_export_growth=2500.0)
    assert ("implausible_value", HIST, "B7") in codes(sub)


def test_bad_phone_and_email_are_located(tmp_path: Path) -> None:
    """表单: 联系电话 and 电子信箱 formats."""
    sub = run(
        tmp_path, eligible_recert(), contact_phone="请联系办公室", contact_email="lihua at example"
    )
    assert {("bad_phone", COVER, "B6"), ("bad_email", COVER, "B7")} <= codes(sub)


def test_an_internationalised_email_domain_is_an_address(tmp_path: Path) -> None:
    """#21 item 13: a city's own Chinese domain (RFC 5890) is an e-mail address, kept as
    typed."""
    sub = run(tmp_path, eligible_recert(), contact_email="kjxm@宜昌市.gov.cn")
    assert not any(c[0] == "bad_email" for c in codes(sub))
    assert sub.values["contact_email"] == "kjxm@宜昌市.gov.cn"


@pytest.mark.parametrize(
    ("day", "deadline", "code"),
    [
        (dt.date(2006, 2, 1), None, "fill_date_before_notice"),
        # 4月30日 is the province's deadline to the ministry, not the applicants'
        (dt.date(2006, 5, 8), None, None),
        (dt.date(2006, 5, 8), dt.date(2006, 4, 25), "fill_date_after_deadline"),
        (dt.date(2006, 4, 25), dt.date(2006, 4, 25), None),
    ],
)
def test_fill_date_within_the_round(
    tmp_path: Path, day: dt.date, deadline: dt.date | None, code: str | None
) -> None:
    """Not before the notice (2006-02-28); not after the applicants' deadline, if given."""
    path = write_filled(tmp_path / "a.xlsx", {**eligible_recert(), "fill_date": day})
    sub = check_file(path, read_options(deadline=deadline))
    found = {c for c in codes(sub) if c[0].startswith("fill_date")}
    assert found == ({(code, COVER, "B8")} if code else set())


# ---------------------------------------------------------------- consistency


def test_hitech_above_total(tmp_path: Path) -> None:
    """consistency: 高新技术产品出口额 ≤ 出口额."""
    v = eligible_recert()
    v["history"][2]["hitech_export_value"] = 13.0
    sub = run(tmp_path, v, hitech_export_value=13.0)
    assert ("hitech_above_total", BASE, "C6") in codes(sub)
    assert ("hitech_above_total", BASE, "C6") not in codes(run(tmp_path, eligible_recert()))


def test_main_products_sum_above_total(tmp_path: Path) -> None:
    """consistency: Σ 主要出口产品出口额 (万美元) ≤ 出口额 × 10,000."""
    products = [{"name": "A", "export_value": 100000.0}, {"name": "B", "export_value": 30000.0}]
    sub = run(tmp_path, eligible_recert(), main_products=products)
    assert ("products_above_total", BASE, "E8") in codes(sub)


def test_history_data_year_equals_first_sheet(tmp_path: Path) -> None:
    """consistency: the 2005 row of 近三年出口情况 equals 第一项."""
    v = eligible_recert()
    v["history"][2]["export_value"] = 11.0
    sub = run(tmp_path, v)
    assert ("history_mismatch", HIST, "B6") in codes(sub)


def test_unit_slip_above_national_total(tmp_path: Path) -> None:
    """consistency: 出口额 above the national total of the year: 万 written as 亿."""
    v = eligible_recert()
    v["history"][2]["export_value"] = 125000.0
    sub = run(tmp_path, v, export_value=125000.0)
    issue = next(i for i in sub.issues if i.code == "unit_slip" and i.cell == "C5")
    assert issue.params["likely"] == "12.5"


def test_unit_slip_too_small_product(tmp_path: Path) -> None:
    """consistency: a main product of 0.5 万美元 is almost certainly 亿美元."""
    products = [{"name": "A", "export_value": 0.5}]
    assert ("unit_slip_small", BASE, "E8") in codes(
        run(tmp_path, eligible_recert(), main_products=products)
    )


def test_exports_far_above_sales(tmp_path: Path) -> None:
    """consistency: exports at the year's rate far above 销售总额 is a warning."""
    sub = run(tmp_path, eligible_recert(), sales_total=20.0)
    issue = next(i for i in sub.issues if i.code == "exports_above_sales")
    assert (issue.severity, issue.cell) == ("warning", "C5")


# ---------------------------------------------------------------- growth


@pytest.mark.parametrize(
    ("reported", "code"),
    [(25.05, None), (25.6, "growth_mismatch_minor"), (30.0, "growth_mismatch")],
)
def test_reported_growth_against_history(tmp_path: Path, reported: float, code: str | None) -> None:
    """六(二)(3): reported 出口增速 agrees with the history within 0.1 point; else warning/error."""
    sub = run(tmp_path, eligible_recert(), export_growth=reported)
    found = {c for c in codes(sub) if c[0].startswith("growth_mismatch")}
    assert found == ({(code, BASE, "E5")} if code else set())
    assert sub.computed["export_growth"] == {"reported": reported, "computed": 25.0}


def test_zero_base_year_gives_an_issue_not_a_crash(tmp_path: Path) -> None:
    """六(二)(3): a zero base year: issue, growth unknown, never infinity."""
    v = eligible_new()
    v["history"][0]["hitech_export_value"] = 0.0
    sub = run(tmp_path, v)
    assert ("growth_base_zero", HIST, "C4") in codes(sub)
    assert sub.computed["hitech_export_growth_3y"] is None
    assert criterion(sub, "new_growth") == "unknown"


def test_computed_growth_rates(tmp_path: Path) -> None:
    """六(二)(3): year on year, three-year cumulative and compound annual growth."""
    sub = run(tmp_path, eligible_new())
    c = sub.computed
    assert c["export_yoy"] == {"2004": 25.0, "2005": 25.0}
    assert c["hitech_export_growth_3y"] == 106.25  # 4.0 -> 8.25
    assert c["export_cagr"] == 25.0
    assert c["national_hitech_growth_3y"] == round((2183 - 1100) / 1100 * 100, 2)


@given(st.floats(min_value=0.01, max_value=1e6), st.integers(min_value=2, max_value=6))
def test_constant_series_grows_zero(value: float, years: int) -> None:
    s = Series(tuple(range(2000, 2000 + years)), (value,) * years)
    assert all(r.value == 0 for r in s.yoy().values())
    assert s.cumulative().value == 0 and s.compound().value == 0


@given(
    st.lists(
        st.one_of(st.none(), st.floats(min_value=0, max_value=1e9, allow_nan=False)),
        min_size=2,
        max_size=5,
    )
)
def test_growth_never_raises_nor_is_infinite(values: list[float | None]) -> None:
    s = Series(tuple(range(2000, 2000 + len(values))), tuple(values))
    for rate in (*s.yoy().values(), s.cumulative(), s.compound()):
        assert rate.value is None or abs(rate.value) < float("inf")
        assert (rate.value is None) == (rate.problem is not None)
    assert growth(0, 5).problem == "base_zero" and growth(None, 5).problem == "base_missing"
    assert cagr(10, 10, 2).value == 0


# ---------------------------------------------------------------- eligibility


@pytest.mark.parametrize("key", ["has_policy", "has_funding", "has_feature_industry"])
def test_recertification_conditions(tmp_path: Path, key: str) -> None:
    """六(一)(1)-(3): a 否 fails the re-certification; empty is 待补充材料."""
    sub = run(tmp_path, eligible_recert(), **{key: False})
    assert sub.verdict == "不符合"
    sub = run(tmp_path, eligible_recert(), **{key: None})
    assert sub.verdict == "待补充材料"


@pytest.mark.parametrize(
    ("province", "hitech", "status"),
    [
        ("江苏省", 1.0, "pass"),  # 东部 ≥ 1亿美元
        ("江苏省", 0.99, "fail"),
        ("湖北省", 0.5, "pass"),  # 中部 ≥ 5000万美元
        ("湖北省", 0.45, "fail"),
        ("大连市", 0.5, "pass"),  # 计划单列市 in 东北
        ("新疆生产建设兵团", 0.1, "pass"),  # 兵团 in 西部 ≥ 1000万美元
        ("四川省", 0.09, "fail"),
    ],
)
def test_threshold_by_region(tmp_path: Path, province: str, hitech: float, status: str) -> None:
    """六(二)(2): data-year high-tech exports at or above the region's threshold."""
    v = eligible_new()
    v["history"] = [
        {"year": 2003, "export_value": 8.0, "hitech_export_value": hitech / 4},
        {"year": 2004, "export_value": 10.0, "hitech_export_value": hitech / 2},
        {"year": 2005, "export_value": 12.5, "hitech_export_value": hitech},
    ]
    sub = run(
        tmp_path, v, province=province, hitech_export_value=hitech, hitech_export_growth=100.0
    )
    assert criterion(sub, "new_threshold") == status
    if status == "fail":
        assert ("criterion_failed", BASE, "C6") in codes(sub)
        assert sub.verdict == "不符合"


@pytest.mark.parametrize(
    ("local", "status"),
    [(40.0, "pass"), (50.0, "fail"), (150.0, "fail"), (None, "unknown")],
)
def test_three_year_growth_against_national_or_local(
    tmp_path: Path, local: float | None, status: str
) -> None:
    """六(二)(3): 4.0 -> 6.0 is +50%, below the national +98.45%: it must beat the local growth."""
    v = eligible_new()
    v["history"][2]["hitech_export_value"] = 6.0
    sub = run(
        tmp_path, v, hitech_export_value=6.0, hitech_export_growth=0.0, local_export_growth=local
    )
    assert criterion(sub, "new_growth") == status


def test_leading_enterprises_need_ranks(tmp_path: Path) -> None:
    """六(二)(4): 龙头企业 listed with their national rank."""
    sub = run(
        tmp_path, eligible_new(), leading_enterprises=[{"name": "甲公司", "export_value": 100.0}]
    )
    assert criterion(sub, "new_leading") == "unknown"
    sub = run(tmp_path, eligible_new(), leading_enterprises=[])
    assert criterion(sub, "new_leading") == "unknown"
    assert sub.verdict == "待补充材料"


def test_provincial_policy_and_fund(tmp_path: Path) -> None:
    """六(二)(1): the province's policy and special fund."""
    sub = run(tmp_path, eligible_new(), provincial_policy_fund=False)
    assert criterion(sub, "new_provincial_policy") == "fail" and sub.verdict == "不符合"


def test_materials(tmp_path: Path) -> None:
    """六(三): 推荐文件、申报书、发展方案."""
    attachments = {"application_form": True, "development_plan": False}
    sub = run(tmp_path, eligible_recert(), attachments=attachments)
    assert criterion(sub, "materials") == "unknown" and sub.verdict == "待补充材料"


def test_a_failure_wins_over_unknowns() -> None:
    """A failing criterion makes the verdict 不符合 even when others are unknown."""
    crit = [Criterion("a", "六", "x", "unknown"), Criterion("b", "六", "y", "fail")]
    assert verdict(crit) == "不符合"
    assert (
        verdict([Criterion("a", "六", "x", "unknown"), Criterion("b", "六", "y", "pass")])
        == "待补充材料"
    )
    assert verdict([Criterion("a", "六", "x", "pass")]) == "符合"


# ---------------------------------------------------------------- samples, English, catalogue


def _expected() -> dict[str, tuple[str, set[tuple[str, str, str]]]]:
    spec = importlib.util.spec_from_file_location(
        "make_samples", ROOT / "tools" / "make_samples.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.EXPECTED  # type: ignore[no-any-return]


def test_samples_give_the_verdicts_and_issues_of_their_design() -> None:
    for name, (want_verdict, want_issues) in _expected().items():
        sub = check_file(ROOT / "samples" / name)
        got = {(i.code, i.sheet, i.cell) for i in sub.issues if i.severity != "info"}
        assert (sub.verdict, got) == (want_verdict, want_issues), name


def test_english_messages_from_the_same_catalogue(tmp_path: Path) -> None:
    from formkit.issues import CATALOGUE, render

    sub = run(tmp_path, eligible_recert(), contact_phone=None, sales_total=-5.0)
    for issue in sub.issues:
        text = render(issue, "en")
        assert text and "{" not in text
    assert all(e.title_en or e.template_en or e.severity for e in CATALOGUE.values())


def test_catalogue_page_is_current() -> None:
    from formkit.docs import catalogue_markdown

    page = ROOT / "docs" / "issues.md"
    assert page.read_text(encoding="utf-8") == catalogue_markdown(), "run `formkit catalogue`"


# ---------------------------------------------------------------- the context's issue index


def test_has_error_and_doubted_see_issues_added_after_they_were_first_asked(
    tmp_path: Path,
) -> None:
    path = write_filled(tmp_path / "a.xlsx", eligible_recert())
    sub = read(path, read_options())
    ctx = Context(sub, load_form_spec(), load_reference(), 2006)
    where = sub.sources["export_value"]
    assert not ctx.has_error("export_value", "sales_total")
    assert not ctx.doubted("export_value", frozenset({"implausible_value"}))
    # a warning names the value: neither an error nor a doubt of another code
    ctx.add(
        "implausible_value",
        "export_value",
        severity="warning",
        value=1,
        shown="1",
        unit="万美元",
        reason="x",
        source="y",
    )
    assert not ctx.has_error("export_value")
    assert ctx.doubted("export_value", frozenset({"implausible_value", "unit_slip"}))
    assert not ctx.doubted("export_value", frozenset({"unit_slip"}))
    assert not ctx.doubted("sales_total", frozenset({"implausible_value"}))
    # an error at the value's cell, added after the index was built
    ctx.add("negative_value", "export_value", value=-1)
    assert ctx.found[-1].cell == where.cell
    assert ctx.has_error("sales_total", "export_value")
    assert not ctx.has_error("sales_total")
