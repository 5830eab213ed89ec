"""The notice's rules clause by clause, table-driven, with the boundary cases of issue 13.

Verdicts and criterion statuses are asserted by id and issue code (never by message text);
expected numbers are computed here from first principles, not taken from formkit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from formkit.check import check_file
from formkit.forms import read_options
from formkit.forms.shenbaoshu.rules import unit_checks
from formkit.read.submission import Submission
from formkit.reference import load_reference
from formkit.spec import _choice_sources
from formkit.summary.collect import collect
from formkit.summary.sheets import write
from tests.forms import full_values, write_filled

INFO = "续表一 申报信息"
DEADLINE = dt.date(2006, 4, 30)


def run(tmp_path: Path, values: dict[str, Any], name: str = "a.xlsx", **kw: Any) -> Submission:
    return check_file(write_filled(tmp_path / name, values), read_options(**kw))


def issue_codes(sub: Submission) -> set[tuple[str, str | None, str | None]]:
    return {(i.code, i.sheet, i.cell) for i in sub.issues}


# ---------------------------------------------------------------- 六(三) 推荐名额


QUOTA_CASES = [
    # unit, 重新认定, 新申报, expected ok (None: 需人工判断), why
    ("江苏省", 0, 1, False, "东部, has bases (高新区, 泰州医药): only re-certification"),
    ("江苏省", 2, 0, True, "东部 with bases re-certifying only"),
    ("深圳市", 0, 1, False, "计划单列市 with its own bases: the 东部 sentence names it"),
    ("安徽省", 1, 1, True, "中部, one existing base plus one new"),
    ("安徽省", 1, 2, False, "中部 with a base: one new at most"),
    ("湖南省", 0, 1, True, "中部, 长沙 医药基地, no re-certification sent: one new fits"),
    ("吉林省", 1, 1, True, "东北 with bases (长春、通化): as 中西部, may add one"),
    ("贵州省", 0, 2, False, "no recorded base: one new at most, whatever the truth"),
    ("贵州省", 0, 1, True, "西部: one new fits with or without a base"),
    ("新疆生产建设兵团", 0, 1, None, "兵团: named by no quota sentence"),
    ("新疆生产建设兵团", 0, 2, False, "no sentence allows two"),
    ("大连市", 1, 1, None, "东北 计划单列市 with bases: the 中西部 sentence names no 计划单列市"),
    (
        "宁波市",
        0,
        1,
        None,
        "计划单列市 not in the incomplete list: 0 with a base, open without",
    ),
    ("海南省", 0, 2, False, "东部 without a recorded base, two new"),
    ("福建省", 0, 1, None, "东部, not in the incomplete high-tech list: turns on a fact"),
    ("福建省", 0, 0, True, "nothing new: fits either way"),
]


@pytest.mark.parametrize(("name", "recert", "new", "expected", "why"), QUOTA_CASES)
def test_quota_by_reference_bases(
    name: str, recert: int, new: int, expected: bool | None, why: str
) -> None:
    ref = load_reference()
    unit = ref.unit(name)
    assert unit is not None
    apps = [{"application_type": "现有基地重新认定"}] * recert + [
        {"application_type": "新申报"}
    ] * new
    (clause, title, ok, detail), _deadline = unit_checks(apps, 2006, unit=unit, reference=ref)
    assert (clause, title) == ("六(三)", "推荐名额")
    assert ok is expected, (why, detail)
    assert f"新申报 {new} 家" in detail
    if expected is None:
        assert "原来没有国家级出口基地，可推荐" not in detail


def test_reference_override_settles_the_unknown(tmp_path: Path) -> None:
    """--reference adds a base (福建 then has one: no new) or declares the lists complete."""
    extra = tmp_path / "ref.toml"
    extra.write_text(
        '[[base]]\ntype = "国家高新技术产品出口基地"\nunit = "350000"\nplace = "福州"\n'
        'source = "测试"\n',
        encoding="utf-8",
    )
    ref = load_reference(extra)
    fj = ref.unit("福建省")
    assert fj is not None
    apps = [{"application_type": "新申报"}]
    assert unit_checks(apps, 2006, unit=fj, reference=ref)[0][2] is False
    complete = tmp_path / "complete.toml"
    complete.write_text('[bases.complete]\n"国家高新技术产品出口基地" = true\n', encoding="utf-8")
    ref = load_reference(complete)
    fj = ref.unit("福建省")
    assert fj is not None and ref.bases.has_bases(fj.code) is False
    assert unit_checks(apps, 2006, unit=fj, reference=ref)[0][2] is True


def test_every_bundled_base_is_sourced_and_counted() -> None:
    """15 医药 and 6 软件 bases (complete lists); every entry has a source and a known unit."""
    ref = load_reference()
    bases = ref.bases
    by_type: dict[str, int] = {}
    for b in bases.bases:
        assert b.source and b.place
        assert any(u.code == b.unit for u in ref.units)
        by_type[b.type] = by_type.get(b.type, 0) + 1
    assert by_type == {
        "国家高新技术产品出口基地": 14,
        "国家医药出口基地": 15,
        "国家软件出口基地": 6,
    }
    assert bases.complete == {
        "国家高新技术产品出口基地": False,
        "国家医药出口基地": True,
        "国家软件出口基地": True,
    }
    assert bases.totals_source


def test_jiangsu_sending_only_a_new_application_exceeds_in_the_summary(tmp_path: Path) -> None:
    """The summary's 统计 row for 江苏 says 超出 though the batch has no re-certification."""
    import openpyxl

    values = {**full_values(), "application_type": "新申报", "existing_base_type": None}
    sub = run(tmp_path, values)
    out = write(tmp_path / "s.xlsx", collect([sub], unit="江苏省"))
    ws = openpyxl.load_workbook(out)["统计"]
    row = next(r for r in ws.iter_rows(values_only=True) if r and r[0] == "江苏省")
    quota = next(c for c in row if isinstance(c, str) and "新申报 1 家" in c)
    assert quota.startswith("超出")


# ---------------------------------------------------------------- 五(一) 原基地类型


@pytest.mark.parametrize(
    ("province", "city", "kind", "status"),
    [
        ("江苏省", "南京市", "国家高新技术产品出口基地", "pass"),  # its only listed one
        ("江苏省", "泰州市", "国家医药出口基地", "pass"),  # 泰州, by the city
        ("江苏省", "南京市", "国家软件出口基地", "fail"),  # complete list: none
        ("贵州省", "贵阳市", "国家医药出口基地", "fail"),
        ("陕西省", "西安市", "国家软件出口基地", "pass"),  # 西安
        ("福建省", "福州市", "国家高新技术产品出口基地", "manual"),  # incomplete list
    ],
)
def test_recertified_base_type_against_the_units_bases(
    tmp_path: Path, province: str, city: str, kind: str, status: str
) -> None:
    """五(一) without a base name: matched by type and city (the name is still asked)."""
    values = {
        **full_values(),
        "province": province,
        "city": city,
        "existing_base_type": kind,
        "recertified_base": None,
    }
    sub = run(tmp_path, values)
    assert _criterion(sub, "recert_base")["status"] == status
    assert ("required_when_missing", INFO, "B8") in issue_codes(sub)
    if status == "fail":
        assert ("criterion_failed", INFO, "B7") in issue_codes(sub)


# ---------------------------------------------------------------- reference data


def test_every_bundled_national_figure_names_its_basis_and_source() -> None:
    """Read the bundled file itself: each figure (and each published growth rate) names its
    statistical basis, its publication in Chinese and where that was found, and whether it
    is exact, an approximate one its margin; 2006-2010 rounds each have their data year's
    exports."""
    import re
    import tomllib

    import formkit.reference as reference

    raw = tomllib.loads((Path(reference.__file__).parent / "national.toml").read_text("utf-8"))
    cjk = re.compile(r"[\u4e00-\u9fff]")
    # a source is named precisely: a publication 《…》, a date of release or a URL
    precise = re.compile(r"《[^》]+》|\d{4}-\d{2}-\d{2}|https?://")
    names = ("total_exports", "hitech_exports", "gdp")
    figures = rates = 0
    for year in raw["year"]:
        known = {k for k in year if k in names or k.removesuffix("_growth") in names}
        assert known, year["year"]
        for name in known:
            where = (year["year"], name)
            figures += 1
            rates += name.endswith("_growth")
            for what in ("source", "found", "basis"):
                assert cjk.search(year[f"{name}_{what}"]), (*where, what)
            assert precise.search(year[f"{name}_source"] + year[f"{name}_found"]), where
            assert isinstance(year[f"{name}_exact"], bool), where
            if not year[f"{name}_exact"]:
                assert year[f"{name}_margin"] > 0, where
        # a keyword the loader does not know is a typo: it would be silently dropped
        allowed = {
            f"{n}{g}{what}"
            for n in names
            for g in ("", "_growth")
            for what in ("", "_source", "_found", "_basis", "_exact", "_margin")
        }
        assert set(year) - allowed == {"year"}, year["year"]
    assert figures >= 32 and rates >= 7
    for rate in raw["exchange_rate"]:
        assert rate["source"].strip() and isinstance(rate["exact"], bool)
        assert cjk.search(rate["basis"]) and precise.search(rate["source"]), rate["year"]
    # the loaded figures carry what the file says
    ref = load_reference()
    f08 = ref.national[2008].figure("hitech_exports")
    assert f08 is not None and "海关" in f08.basis and "china.org.cn" in f08.found
    assert ref.national[2007].figure("hitech_exports").basis != f08.basis  # type: ignore[union-attr]
    ref = load_reference()
    for round_year in range(2006, 2012):
        nat = ref.national.get(round_year - 1)
        assert nat is not None and nat.total_exports is not None, round_year
    # every round's data year has its own rate (the yuan rose after the 2005 reform: a
    # 2005 rate reused for 2008 would overstate converted exports by about 18%)
    for data_year in range(2002, 2011):
        rate = ref.exchange_rate(data_year)
        assert rate is not None and rate.year == data_year, data_year
    assert 6.9 < ref.exchange_rate(2008).rmb_per_usd < 7.0  # type: ignore[union-attr]
    # the 2003 high-tech figure is the rounded “US$110 billion”
    f = ref.national[2003].figure("hitech_exports")
    assert f is not None and not f.exact and f.value == 1100.0 and f.margin == 5.0


def _new_with_growth(hitech: tuple[float, float, float], local: float) -> dict[str, Any]:
    """A western 新申报 whose history gives `hitech` (2003-2005), every other rule satisfied."""
    v = full_values()
    _h0, h1, h2 = hitech
    exports = (8.0, 10.0, 12.5)
    v.update(
        application_type="新申报",
        province="四川省",
        existing_base_type=None,
        has_policy=None,
        has_funding=None,
        has_feature_industry=None,
        provincial_policy_fund=True,
        key_field="信息",
        hitech_export_value=h2,
        hitech_export_growth=round((h2 - h1) / h1 * 100, 2),
        export_growth=round((exports[2] - exports[1]) / exports[1] * 100, 2),
        local_export_growth=local,
        history=[
            {"year": 2003 + i, "export_value": e, "hitech_export_value": h}
            for i, (e, h) in enumerate(zip(exports, hitech, strict=True))
        ],
        attachments={"application_form": True, "development_plan": True},
    )
    return v


def _criterion(sub: Submission, cid: str) -> dict[str, str]:
    return next(c for c in sub.criteria if c["id"] == cid)


# national 2003->2005 high-tech growth from the bundled figures: 1100 (±5) -> 2183 (±0.5)
NAT = round((2183 - 1100) / 1100 * 100, 2)
NAT_LOW = (2182.5 - 1105) / 1105 * 100
NAT_HIGH = (2183.5 - 1095) / 1095 * 100


@pytest.mark.parametrize(
    ("hitech", "local", "status"),
    [
        # 98.1%: above the exact-figure growth (97.88%), below the bundled 98.45%: inside the margin
        ((4.0, 6.0, 7.924), 200.0, "unknown"),
        # 97.0% is below the lowest possible national growth (97.51%): fails without local
        ((4.0, 6.0, 7.88), 200.0, "fail"),
        # 100% is above the highest possible national growth (99.41%)
        ((4.0, 6.0, 8.0), 200.0, "pass"),
        # inside the margin but above the local growth: passes on the local half
        ((4.0, 6.0, 7.924), 50.0, "pass"),
        # equal to the local growth is not “高于”
        ((4.0, 6.0, 7.88), 97.0, "fail"),
    ],
)
def test_growth_verdict_inside_an_approximate_margin_is_pending(
    tmp_path: Path, hitech: tuple[float, float, float], local: float, status: str
) -> None:
    assert round(NAT_LOW, 2) == 97.51 and round(NAT_HIGH, 2) == 99.41  # the cases rely on these
    sub = run(tmp_path, _new_with_growth(hitech, local))
    c = _criterion(sub, "new_growth")
    assert c["status"] == status, c
    assert sub.computed["national_hitech_growth_3y"] == NAT
    assert sub.computed["national_hitech_growth_3y_range"] == [
        round(NAT_LOW, 2),
        round(NAT_HIGH, 2),
    ]
    expected = {"unknown": "待补充材料", "fail": "不符合", "pass": None}[status]
    if expected:
        assert sub.verdict == expected
    if status == "unknown":
        assert "约 1100" in c["detail"] and "2003" in c["detail"]


def test_exact_figures_from_reference_settle_the_margin_case(tmp_path: Path) -> None:
    """With the customs figures 1103.2 and 2182.5 (exact) supplied, 98.1% is above the
    national growth: 符合. 1655.4 ÷ 1103.2 is 50.06%, not the published 2004 growth of
    50.2%: the supplied 2003 figure is not on the basis of the published 2004 one, so the
    span is chained: 1.502 (±0.0005) × 2182.5 ÷ 1655.4."""
    extra = tmp_path / "ref.toml"
    extra.write_text(
        '[[year]]\nyear = 2003\nhitech_exports = 1103.2\nhitech_exports_source = "海关统计"\n'
        '[[year]]\nyear = 2005\nhitech_exports = 2182.5\nhitech_exports_source = "海关统计"\n',
        encoding="utf-8",
    )
    sub = run(tmp_path, _new_with_growth((4.0, 6.0, 7.924), 200.0), reference_path=str(extra))
    step = 2182.5 / 1655.4
    assert sub.computed["national_hitech_growth_3y"] == round((1.502 * step - 1) * 100, 2)
    assert sub.computed["national_hitech_growth_3y_range"] == [
        round((1.5015 * step - 1) * 100, 2),
        round((1.5025 * step - 1) * 100, 2),
    ]
    assert sub.computed["national_hitech_chained"] is True
    assert round((1.5025 * step - 1) * 100, 2) < 98.1  # the case relies on it
    assert _criterion(sub, "new_growth")["status"] == "pass"
    assert "按公布增幅连乘" in _criterion(sub, "new_growth")["detail"]
    # only 六(二)(2) “位居前列” is left (no regional total): nothing fails or is missing
    assert sub.verdict == "需人工判断", [i.message for i in sub.issues]
    assert {c["id"] for c in sub.criteria if c["status"] != "pass"} == {"new_regional_leading"}


def test_a_round_without_national_figures_says_so(tmp_path: Path) -> None:
    """2011 round: no citable 2010 (or 2008) high-tech figure: an info issue, not silence."""
    v = _new_with_growth((4.0, 6.0, 8.0), 200.0)
    v["fill_date"] = dt.date(2011, 4, 20)
    sub = run(tmp_path, v, year=2011)
    assert any(i.code == "national_figure_missing" for i in sub.issues)
    assert sub.computed["national_hitech_growth_3y"] is None


# ---------------------------------------------------------------- 六(一), 六(二)(1)-(4), 五(二)


@pytest.mark.parametrize(
    ("answers", "status", "verdict"),
    [
        ((True, True, True), "pass", "符合"),
        ((True, False, True), "fail", "不符合"),
        ((True, None, True), "unknown", "待补充材料"),
        ((False, None, True), "fail", "不符合"),  # a failure wins over an unknown
    ],
)
def test_recertification_conditions(
    tmp_path: Path, answers: tuple[bool | None, ...], status: str, verdict: str
) -> None:
    """六(一)(1)-(3): 是 passes, 否 fails, blank is unknown."""
    v = full_values()
    v.update(
        has_policy=answers[0],
        has_funding=answers[1],
        has_feature_industry=answers[2],
        attachments={"application_form": True, "development_plan": True},
    )
    sub = run(tmp_path, v)
    statuses = {c["id"]: c["status"] for c in sub.criteria}
    worst = {"pass": 0, "unknown": 1, "fail": 2}
    got = max(
        (statuses[k] for k in ("recert_policy", "recert_funding", "recert_feature")),
        key=worst.__getitem__,
    )
    assert got == status and sub.verdict == verdict


@pytest.mark.parametrize(
    ("province", "hitech", "status"),
    [
        ("江苏省", 1.0, "pass"),  # 东部 1亿美元: exactly at the line passes
        ("江苏省", 0.9999, "fail"),  # 9999万 fails
        ("青岛市", 1.0, "pass"),
        ("宁波市", 0.9999, "fail"),
        ("大连市", 0.5, "pass"),  # 东北 5000万
        ("大连市", 0.4999, "fail"),
        ("湖北省", 0.5, "pass"),  # 中部 5000万
        ("新疆生产建设兵团", 0.1, "pass"),  # 西部 1000万
        ("新疆生产建设兵团", 0.0999, "fail"),
    ],
)
def test_regional_threshold(tmp_path: Path, province: str, hitech: float, status: str) -> None:
    """六(二)(2): the data year's high-tech exports against the region's threshold."""
    v = _new_with_growth((0.05, 0.08, hitech), 0.0)
    v["province"] = province
    sub = run(tmp_path, v)
    assert _criterion(sub, "new_threshold")["status"] == status


@pytest.mark.parametrize(
    ("ranks", "status"),
    [
        ([1], "pass"),
        ([3], "pass"),  # the first three places are 前列 by any reading
        ([4], "manual"),  # the notice gives no rank: a person judges, never 不符合
        ([10], "manual"),
        ([11], "manual"),
        ([500], "manual"),
        ([None], "unknown"),
        ([500, None], "unknown"),  # the missing one might be in front
        ([3, None], "pass"),  # one leading enterprise in front suffices
        ([12, 40], "manual"),
        ([], "unknown"),
    ],
)
def test_leading_enterprises_rank(tmp_path: Path, ranks: list[int | None], status: str) -> None:
    """六(二)(4) “在全国位居本行业前列”: a plainly leading rank (first three) passes; any
    other is left to a person."""
    v = _new_with_growth((4.0, 6.0, 8.0), 0.0)
    v["leading_enterprises"] = [
        {"name": f"企业{i}", "export_value": 1000.0, "industry_rank": r}
        for i, r in enumerate(ranks)
    ]
    sub = run(tmp_path, v)
    assert _criterion(sub, "new_leading")["status"] == status
    assert sub.computed["leading_rank_plainly_front"] == 3
    assert sub.verdict != "不符合"


def test_plainly_front_rank_from_reference(tmp_path: Path) -> None:
    extra = tmp_path / "ref.toml"
    extra.write_text("[notice]\nleading_rank_plainly_front = 20\n", encoding="utf-8")
    v = _new_with_growth((4.0, 6.0, 8.0), 0.0)
    v["leading_enterprises"] = [{"name": "企业", "export_value": 1000.0, "industry_rank": 15}]
    assert _criterion(run(tmp_path, v), "new_leading")["status"] == "manual"
    sub = run(tmp_path, v, name="b.xlsx", reference_path=str(extra))
    assert _criterion(sub, "new_leading")["status"] == "pass"


@pytest.mark.parametrize(
    ("total", "status"),
    [
        (None, "manual"),  # no regional total: facts for a person
        ("total = 15.99", "pass"),  # 8.0 of 15.99: more than half, first in the region
        ("total = 16.0", "manual"),  # exactly half: another area could be as large
        ("total = 80.0", "manual"),  # 10%: the notice gives no share, a person judges
        # 8.0 of 15.9 (±0.2): more than half of 15.7, not of 16.1: a person judges
        ("total = 15.9\nhitech_exports_exact = false\nhitech_exports_margin = 0.2", "manual"),
    ],
)
def test_regional_leading(tmp_path: Path, total: str | None, status: str) -> None:
    """六(二)(2) “在本地区位居前列”: only a share of the unit's own total that makes the
    application first in its region passes; nothing here is ever 不符合."""
    v = _new_with_growth((4.0, 6.0, 8.0), 0.0)
    kw: dict[str, Any] = {}
    if total is not None:
        extra = tmp_path / "ref.toml"
        body = total.replace("total", "hitech_exports")
        extra.write_text(
            f'[[unit_year]]\nunit = "四川省"\nyear = 2005\n{body}\n'
            'hitech_exports_source = "四川省商务厅（测试）"\n',
            encoding="utf-8",
        )
        kw["reference_path"] = str(extra)
    sub = run(tmp_path, v, **kw)
    c = _criterion(sub, "new_regional_leading")
    assert c["status"] == status, c
    assert sub.verdict == ("符合" if status == "pass" else "需人工判断")
    if status == "manual":
        assert sub.to_json()["verdict_note"].startswith("需人工判断")
        assert ("criterion_manual", "第一项：基地基本情况", "C6") in issue_codes(sub)
    if total is not None:
        assert "四川省商务厅（测试）" in c["detail"]


def _record(name: str, hitech: float, verdict: str = "需人工判断", **extra: Any) -> dict[str, Any]:
    """A summary record as formkit.records.record makes it, 六(二)(2) left to a person."""
    return {
        "applicant_name": name,
        "hitech_export_value": hitech,
        "_verdict": verdict,
        "_criteria": "六(二)(2) 高新技术产品年出口额在本地区位居前列（需人工判断）",
        "_criteria_status": {"new_threshold": "pass", "new_regional_leading": "manual"},
        "_excluded": {},
        **extra,
    }


def test_unit_review_is_pure_and_explains_itself() -> None:
    """六(二)(2) within the round: the facts (rank, share of the round, the largest) for a
    person; the status and the verdict stay as they were."""
    from formkit.forms import get_form

    review = get_form().summary.unit_review
    assert review is not None
    ref = load_reference()
    unit = ref.unit("四川省")
    apps = [_record("甲市", 8.0), _record("乙市", 2.0), _record("丙市", 0.5, "待补充材料")]
    before = [dict(a) for a in apps]
    ahead, middle, behind = review(apps, ref, unit)
    assert apps == before  # pure: the caller applies the updates
    for update, rank, value in ((ahead, 1, 8.0), (middle, 2, 2.0), (behind, 3, 0.5)):
        assert update["_criteria_status"]["new_regional_leading"] == "manual"
        assert "_verdict" not in update  # the round decides nothing
        note = update["_regional_note"]
        assert f"3 份申请中第 {rank} 位" in note and f"{value:g} 亿美元" in note
        assert f"占本轮合计 {value / 10.5 * 100:.1f}%" in note
        assert update["_criteria"].startswith(
            "六(二)(2) 高新技术产品年出口额在本地区位居前列（需人工判断："
        )
    assert "最多的甲市 8 亿美元" in behind["_regional_note"]
    assert "最多的" not in ahead["_regional_note"]
    # a criterion the unit's own total already settled is left as it is
    settled = _record("丁市", 0.1, _criteria_status={"new_regional_leading": "pass"})
    assert review([apps[0], settled], ref, unit)[1] == {}


def test_unit_review_in_the_summary_and_the_rollup(tmp_path: Path) -> None:
    """Three 新申报 of 四川省 (no regional total) and 贵州省's one: each stays 需人工判断,
    with the facts of the round in 明细's 未通过或待补充的条件 (the 汇总表 prints its clause
    and one word) and in 问题清单 (at the file's own cell); the roll-up shows the same."""
    import openpyxl

    from formkit.rollup import rollup

    def app(name: str, province: str, hitech: tuple[float, float, float]) -> Submission:
        v = _new_with_growth(hitech, 0.0)
        v.update(province=province, applicant_name=name, city=name)
        return run(tmp_path, v, name=f"{name}.xlsx")

    subs = [
        app("甲市", "四川省", (4.0, 6.0, 8.0)),
        app("乙市", "四川省", (1.0, 1.5, 2.0)),
        app("丙市", "四川省", (0.25, 0.4, 0.5)),
        app("丁市", "贵州省", (0.5, 0.8, 1.0)),
    ]
    assert {s.verdict for s in subs} == {"需人工判断"}
    data = collect(subs)
    by_name = {a["applicant_name"]: a for a in data.applications}
    assert {a["_verdict"] for a in data.applications} == {"需人工判断"}
    assert "3 份申请中第 1 位" in by_name["甲市"]["_criteria"]
    assert "3 份申请中第 3 位" in by_name["丙市"]["_criteria"]
    assert "最多的甲市 8 亿美元" in by_name["丙市"]["_criteria"]
    assert "不符合" not in by_name["丙市"]["_criteria"]
    alone = by_name["丁市"]["_criteria"]
    assert "需人工判断：" in alone and "仅此 1 份申请" in alone and "1 亿美元" in alone
    # 问题清单 says what 汇总表 says: each file's own 需人工判断 issue, the facts added
    listed = {
        (Path(r["file"]).stem, r["code"]): r for r in data.issues if "六(二)(2)" in r["message"]
    }
    assert {k[1] for k in listed} == {"criterion_manual"}
    kept = listed[("丙市", "criterion_manual")]
    own = next(
        i for i in subs[2].issues if i.code == "criterion_manual" and "六(二)(2)" in i.message
    )
    assert kept["cell"] == own.cell
    assert kept["message"].startswith(own.message) and "与本单位本轮其他申请比较" in kept["message"]
    assert "3 份申请中第 3 位" in kept["message"]

    out = write(tmp_path / "四川.xlsx", data)
    ws = openpyxl.load_workbook(out)["汇总表"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = next(r for r in rows if "审核结论" in r)
    v_col, c_col = header.index("审核结论"), header.index("未通过或待补充的条件")
    printed = {
        r[header.index("申请单位")]: (r[v_col], r[c_col]) for r in rows if r[v_col] == "需人工判断"
    }
    assert set(printed) == {"甲市", "乙市", "丙市", "丁市"}
    # printed short (clause and one word); the facts on 明细 and 问题清单
    assert printed["丁市"][1] == "六(二)(2) 需人工判断"
    detail = [[c.value for c in r] for r in openpyxl.load_workbook(out)["明细"].iter_rows()]
    d_head = next(r for r in detail if "申请单位全称" in r)
    facts = {
        r[d_head.index("申请单位全称")]: r[d_head.index("未通过或待补充的条件")]
        for r in detail[detail.index(d_head) + 1 :]
    }
    assert "仅此 1 份申请" in facts["丁市"]
    national = rollup([out]).data
    again = {a["applicant_name"]: a for a in national.applications}
    for name in ("甲市", "乙市", "丙市", "丁市"):
        assert again[name]["_verdict"] == by_name[name]["_verdict"], name
        assert (again[name].get("_criteria") or "") == by_name[name]["_criteria"], name


@pytest.mark.parametrize(
    ("app_type", "province", "kind", "key_field", "expected"),
    [
        ("新申报", "四川省", "产业集群", "信息", set()),
        # 机械制造 is one of 一's focus fields: the notice's own
        ("新申报", "四川省", "地级市", "机械制造", set()),
        ("新申报", "湖北省", "地级市", "其他", {("new_field_outside_notice", INFO, "B9")}),
        ("新申报", "江苏省", "产业集群", "软件", {("cluster_outside_region", INFO, "B5")}),
        ("新申报", "宁波市", "产业集群", "医药", {("cluster_outside_region", INFO, "B5")}),
        ("新申报", "江苏省", "地级市", "软件", set()),
        # 东北 takes 中西部 in the quota and the cluster rule alike (reporting_units.toml)
        ("新申报", "大连市", "产业集群", "软件", set()),
        ("新申报", "黑龙江省", "产业集群", "软件", set()),
        # a re-certification keeps its field: 五(二) is about new bases
        ("现有基地重新认定", "江苏省", "产业集群", "机械制造", set()),
    ],
)
def test_new_base_fields_and_clusters(
    tmp_path: Path,
    app_type: str,
    province: str,
    kind: str,
    key_field: str,
    expected: set[tuple[str, str, str]],
) -> None:
    """五(二): fields for new bases; enterprise clusters for 中西部 (六)."""
    v = _new_with_growth((4.0, 6.0, 8.0), 0.0)
    v.update(province=province, applicant_kind=kind, key_field=key_field, application_type=app_type)
    if app_type != "新申报":
        v.update(existing_base_type="国家高新技术产品出口基地", has_policy=True, has_funding=True)
    sub = run(tmp_path, v)
    got = {
        c
        for c in issue_codes(sub)
        if c[0] in ("new_field_outside_notice", "cluster_outside_region")
    }
    assert got == expected


# ---------------------------------------------------------------- plausibility, from the spec

BASE = "第一项：基地基本情况"
HIST = "续表二 出口情况与评估条件"
ENT = "续表三 龙头企业及附报材料"
PLAUSIBLE = ("unit_slip", "unit_slip_small", "implausible_value")


def _slip_history(value: float) -> list[dict[str, Any]]:
    rows = [dict(r) for r in full_values()["history"]]
    rows[2]["export_value"] = value
    return rows


@pytest.mark.parametrize(
    ("changes", "expected", "likely"),
    [
        # 销售总额(亿元): above the country's GDP: 万元 typed as 亿元
        ({"sales_total": 8_200_000.0}, ("unit_slip", "error", BASE, "E4"), "820"),
        # above 5% of GDP, below GDP: a warning, still a 万元 slip
        ({"sales_total": 50_000.0}, ("unit_slip", "warning", BASE, "E4"), "5"),
        # 元 typed as 亿元
        ({"sales_total": 123_450_000_000.0}, ("unit_slip", "error", BASE, "E4"), "1234.5"),
        # 资产总额(万元): 540 万元 against 1234.5 亿元 of sales: 亿元 typed as 万元
        ({"assets_total": 540.0}, ("unit_slip_small", "warning", BASE, "G4"), "5400000"),
        # 元 typed as 万元
        ({"assets_total": 88_000_000_000.0}, ("unit_slip", "error", BASE, "G4"), "8800000"),
        # 出口额(亿美元) above the national total: 万美元
        ({"export_value": 125_000.0}, ("unit_slip", "error", BASE, "C5"), "12.5"),
        ({"hitech_export_value": 82_500.0}, ("unit_slip", "error", BASE, "C6"), "8.25"),
        # 利税总额(万元) larger than sales: 元
        ({"profit_tax_total": 3e9}, ("unit_slip", "warning", BASE, "G5"), "300000"),
        # 12 employees across 380 enterprises: 万人
        (
            {"employees": 12, "enterprise_count": 380},
            ("unit_slip_small", "warning", BASE, "G6"),
            "120000",
        ),
        # 企业数 0: no slip explains it
        ({"enterprise_count": 0}, ("implausible_value", "warning", BASE, "C4"), None),
        ({"enterprise_count": 60_000}, ("implausible_value", "warning", BASE, "C4"), None),
        # 主要出口产品出口额(万美元) of 0.5: 亿美元
        (
            {"main_products": [{"name": "A", "export_value": 0.5}]},
            ("unit_slip_small", "warning", BASE, "E8"),
            "5000",
        ),
        (
            {"leading_enterprises": [{"name": "A", "export_value": 0.3, "industry_rank": 2}]},
            ("unit_slip_small", "warning", ENT, "B4"),
            "3000",
        ),
        (
            {"leading_enterprises": [{"name": "A", "export_value": 300.0, "industry_rank": 0}]},
            ("implausible_value", "warning", ENT, "C4"),
            None,
        ),
        # the history row against the national total of its own year
        ({"history": _slip_history(125_000.0)}, ("unit_slip", "error", HIST, "B6"), "12.5"),
    ],
)
def test_plausibility_and_unit_slips(
    tmp_path: Path,
    changes: dict[str, Any],
    expected: tuple[str, str, str, str],
    likely: str | None,
) -> None:
    sub = run(tmp_path, {**full_values(), **changes})
    found = [i for i in sub.issues if i.code in PLAUSIBLE]
    assert [(i.code, i.severity, i.sheet, i.cell) for i in found] == [expected], [
        i.message for i in found
    ]
    if likely is not None:
        assert found[0].params["likely"] == likely
    assert found[0].params["source"]


def test_a_clean_application_is_plausible(tmp_path: Path) -> None:
    sub = run(tmp_path, full_values())
    assert not [i for i in sub.issues if i.code in PLAUSIBLE]


def test_every_numeric_field_declares_sourced_bounds() -> None:
    """The spec, not code, names the bounds: each input amount/count has at least one."""
    from formkit.api import load_spec

    spec = load_spec()
    numeric = [(f.id, f) for f in spec.fields if f.type in ("integer", "decimal")]
    numeric += [
        (f"{t.id}.{c.id}", c)
        for t in spec.tables
        for c in t.columns
        if c.type in ("integer", "decimal") and not c.fixed and c.computed is None
    ]
    assert len(numeric) >= 12
    for name, f in numeric:
        assert f.bounds, name
        assert all(b.source for b in f.bounds), name
    # the slips the issue names: 万元 in 亿元, 元 in 万元, 万人 in 人, 万美元 in 亿美元
    assert "万元" in spec.field("sales_total").slips
    assert "元" in spec.field("assets_total").slips
    assert "万人" in spec.field("employees").slips
    assert "万美元" in spec.field("export_value").slips


def test_a_bound_without_a_source_is_refused() -> None:
    import tomllib

    from formkit.forms import get_form
    from formkit.spec.model import SpecError, build

    data = tomllib.loads(get_form().spec_file.read_text("utf-8"))
    field = next(f for f in data["field"] if f["id"] == "sales_total")
    field["bound"].append({"min": 1})
    with pytest.raises(SpecError, match="source"):
        build(data, _choice_sources())


# ---------------------------------------------------------------- percent fields' own ranges


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # a fall of 60% is a fact, not a slip
        ({"export_growth": -60.0}, None),
        ({"hitech_export_growth": -60.0}, None),
        ({"local_export_growth": -60.0}, None),
        # 2500%: beyond the spec's range for the field, warned citing the spec's reasoning
        ({"export_growth": 2500.0}, ("implausible_value", "warning", BASE, "E5")),
        ({"hitech_export_growth": 2500.0}, ("implausible_value", "warning", BASE, "E6")),
        ({"local_export_growth": 2500.0}, ("implausible_value", "warning", HIST, "B7")),
        # 本地区外贸出口 over three years: 600% is beyond its own (narrower) range
        ({"local_export_growth": 600.0}, ("implausible_value", "warning", HIST, "B7")),
        # a fall of more than 100% is impossible: an error
        ({"export_growth": -150.0}, ("implausible_value", "error", BASE, "E5")),
    ],
)
def test_percent_fields_use_their_own_range_from_the_spec(
    tmp_path: Path, changes: dict[str, Any], expected: tuple[str, str, str, str] | None
) -> None:
    sub = run(tmp_path, {**full_values(), **changes})
    fid = next(iter(changes))
    found = [
        (i.code, i.severity, i.sheet, i.cell)
        for i in sub.issues
        if i.field == fid and i.code in (*PLAUSIBLE, "percent_out_of_range")
    ]
    assert found == ([expected] if expected else []), [i.message for i in sub.issues]
    if expected:
        issue = next(i for i in sub.issues if i.field == fid and i.code == expected[0])
        bound = next(b for b in _spec().field(fid).bounds if b.source == issue.params["source"])
        assert bound.kind == "range"


def _spec() -> Any:
    from formkit.api import load_spec

    return load_spec()


def test_every_percent_input_declares_its_own_sourced_range() -> None:
    spec = _spec()
    percent = [f for f in spec.fields if f.type == "percent"]
    assert {f.id for f in percent} >= {"export_growth", "hitech_export_growth"}
    for f in percent:
        ranges = [b for b in f.bounds if b.kind == "range"]
        assert any(b.min is not None for b in ranges), f.id
        assert any(b.max is not None for b in ranges), f.id
        assert all(b.source.strip() for b in ranges), f.id


def _toy_spec_with_share() -> Any:
    """The 申报书 spec with 本地区外贸出口增幅 declared as a share (0–100%, an error beyond):
    how a form with a share field declares it."""
    import tomllib

    from formkit.forms import get_form
    from formkit.spec.model import build

    data = tomllib.loads(get_form().spec_file.read_text("utf-8"))
    field = next(f for f in data["field"] if f["id"] == "local_export_growth")
    field["bound"] = [
        {"min": 0, "max": 100, "severity": "error", "source": "占比在 0 与 100% 之间"}
    ]
    return build(data, _choice_sources())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (120.0, ("implausible_value", "error")),
        (100.0, None),
        (35.0, None),
        (-5.0, ("implausible_value", "error")),
    ],
)
def test_a_share_above_100_percent_is_an_error(
    tmp_path: Path, value: float, expected: tuple[str, str] | None
) -> None:
    from formkit.forms import form_of
    from formkit.validate.engine import validate

    spec = _toy_spec_with_share()
    sub = run(tmp_path, {**full_values(), "local_export_growth": value})
    sub = replace(sub, issues=tuple(i for i in sub.issues if i.field != "local_export_growth"))
    sub = validate(sub, form_of(spec))
    found = [
        (i.code, i.severity)
        for i in sub.issues
        if i.field == "local_export_growth" and i.code in (*PLAUSIBLE, "percent_out_of_range")
    ]
    assert found == ([expected] if expected else [])


def test_a_percent_field_without_a_range_falls_back_to_the_generic_one() -> None:
    """A percent field that declares no min/max (e.g. a form's table column) keeps the generic
    −100%…1000% check."""
    import tomllib

    from formkit.fields import PERCENT_RANGE
    from formkit.forms import form_of, get_form
    from formkit.read.submission import Submission
    from formkit.spec.model import build
    from formkit.validate.engine import validate

    data = tomllib.loads(get_form().spec_file.read_text("utf-8"))
    field = next(f for f in data["field"] if f["id"] == "export_growth")
    del field["bound"]
    spec = build(data, _choice_sources())
    sub = Submission(
        file="x.xlsx",
        sha256="0" * 64,
        status="accepted",
        values={"export_growth": PERCENT_RANGE[1] + 1},
    )
    sub = validate(sub, form_of(spec), year=2006)
    assert [i.code for i in sub.issues if i.field == "export_growth"] == ["percent_out_of_range"]


# ---------------------------------------------------------------- messages at their own cell


def _cases_required() -> list[tuple[str, dict[str, Any], str]]:
    """(field id, changes that make it missing, the issue code expected at its cell)."""
    from formkit.api import load_spec

    spec = load_spec()
    out: list[tuple[str, dict[str, Any], str]] = []
    for f in spec.fields:
        if f.required and f.type != "group":
            out.append((f.id, {f.id: None}, "required_missing"))
        if f.required_when is not None:
            trigger = {f.required_when.field: f.required_when.equals, f.id: None}
            out.append((f.id, trigger, "required_when_missing"))
    return out


@pytest.mark.parametrize(("fid", "changes", "code"), _cases_required())
def test_each_missing_field_is_reported_at_its_template_cell(
    tmp_path: Path, fid: str, changes: dict[str, Any], code: str
) -> None:
    from formkit.api import load_spec

    spec = load_spec()
    f = spec.field(fid)
    sub = run(tmp_path, {**full_values(), **changes})
    where = {(i.sheet, i.cell) for i in sub.issues if i.code == code and i.field == fid}
    assert where == {(spec.sheet(f.sheet).name, f.cell.a1)}, [i.message for i in sub.issues]


@pytest.mark.parametrize("item", ["application_form", "development_plan"])
def test_a_missing_material_is_reported_at_its_own_row(tmp_path: Path, item: str) -> None:
    """六(三): a missing 发展方案 at B19, not the group's first cell (申报书, B18)."""
    from formkit.api import load_spec

    spec = load_spec()
    group = spec.field("attachments")
    cell = next(i.area.first.a1 for i in group.items if i.id == item)
    attachments = {i.id: True for i in group.items} | {item: False}
    sub = run(tmp_path, {**full_values(), "attachments": attachments})
    found = [i for i in sub.issues if i.code == "criterion_unknown" and i.field == "attachments"]
    assert [(i.sheet, i.cell) for i in found] == [(spec.sheet(group.sheet).name, cell)]


# ---------------------------------------------------------------- percent as a fraction


def test_a_percent_that_looks_like_a_fraction_gets_a_hint(tmp_path: Path) -> None:
    """出口增速 0.25 where 25% was meant: a hint suggesting 25, and the mismatch says so."""
    v = full_values()  # history 10 -> 12.5: 25%
    sub = run(tmp_path, {**v, "export_growth": 0.25})
    hint = next(i for i in sub.issues if i.code == "percent_looks_fraction")
    assert (hint.severity, hint.cell, hint.params["percent"]) == ("warning", "E5", "25")
    mismatch = next(i for i in sub.issues if i.code == "growth_mismatch" and i.cell == "E5")
    assert "应填 25" in mismatch.message
    # a real small growth is not told it is a fraction in the mismatch message
    other = run(tmp_path, {**v, "export_growth": 0.5}, name="b.xlsx")
    mismatch = next(i for i in other.issues if i.code == "growth_mismatch" and i.cell == "E5")
    assert "应填" not in mismatch.message
    assert not any(
        i.code == "percent_looks_fraction" for i in run(tmp_path, v, name="c.xlsx").issues
    )


def test_check_details_lists_hints_after_errors_and_warnings(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from formkit.cli import app
    from tests.conftest import ROOT

    sample = ROOT / "samples" / "05-辽宁省-沈阳市-新申报-手工录入.xlsx"
    result = CliRunner().invoke(app, ["check", str(sample), "--details"], env={"COLUMNS": "400"})
    text = result.output
    assert "见 --json" not in text
    assert text.index("问题清单") < text.index("提示")
    # an info hint (a unit converted) is listed, after the warnings
    assert "换算为 0.8 亿美元" in text
    assert text.index("警告") < text.index("换算为 0.8 亿美元")


@pytest.mark.parametrize(
    ("unit", "decision"),
    [
        ("江苏省", "不推荐"),  # 东部 with bases in the reference: no new base, batch or not
        ("贵州省", "推荐"),  # no recorded base (list incomplete, 西部): one new fits
        ("湖南省", "推荐"),  # 中部 with 长沙 医药基地: one more
    ],
)
def test_recommendation_uses_the_reference_bases(unit: str, decision: str) -> None:
    """recommend's quota asks the reference data, not only the batch's re-certifications."""
    from formkit.forms.shenbaoshu.recommend import DECISION, propose

    apps = [{"province": unit, "application_type": "新申报", "_verdict": "符合"}]
    propose(apps, reference=load_reference())
    assert apps[0][DECISION] == decision
