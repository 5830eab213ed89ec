"""Issue 20: the 申报书's decisions to the letter of the notice, clause by clause.

Each clause has one table of the issue's cases with the expected criterion statuses,
verdicts and recommendations, run through the Python API; the CLI and the web page run the
same cases end to end (a summary edited by a person, the 推荐文件, the roll-up, uploads).
Expected statuses are the notice's words applied by hand, never read back from formkit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from formkit.check import check_file
from formkit.cli import app as cli
from formkit.forms import read_options
from formkit.forms.shenbaoshu.recommend import DECISION, REASON, propose
from formkit.read.submission import Submission
from formkit.reference import load_reference
from formkit.summary.collect import collect
from tests.forms import full_values, write_filled
from tests.summaries import rows_of

runner = CliRunner()
INFO = "续表一 申报信息"
HITECH = "国家高新技术产品出口基地"
PHARMA = "国家医药出口基地"
SOFTWARE = "国家软件出口基地"
JIANGSU_HT = "江苏国家高新区（国家高新技术产品出口基地）"


def recert(name: str, province: str, city: str, base_type: str, base: str | None) -> dict[str, Any]:
    """A re-certification meeting 六(一)(1)-(3), naming `base`."""
    v = full_values()
    v.update(
        applicant_name=name,
        province=province,
        city=city,
        applicant_kind="地级市",
        existing_base_type=base_type,
        recertified_base=base,
        has_feature_industry=True,
        attachments={"application_form": True, "development_plan": True},
    )
    return v


def new(
    name: str,
    province: str,
    city: str,
    hitech: float = 8.0,
    ranks: tuple[int | None, ...] = (1,),
    kind: str = "地级市",
    key_field: str = "信息",
) -> dict[str, Any]:
    """A 新申报 meeting 六(二)(1) and (3) (high-tech exports doubled over 2003-2005, above
    the nation's 98%), with `hitech` in 2005 and its leading enterprises at `ranks`."""
    v = full_values()
    h = (hitech / 2, hitech * 0.75, hitech)
    exports = (hitech * 2, hitech * 2.5, hitech * 3)
    v.update(
        applicant_name=name,
        province=province,
        city=city,
        applicant_kind=kind,
        application_type="新申报",
        existing_base_type=None,
        recertified_base=None,
        has_policy=None,
        has_funding=None,
        has_feature_industry=None,
        provincial_policy_fund=True,
        key_field=key_field,
        export_value=exports[2],
        export_growth=20.0,
        hitech_export_value=h[2],
        hitech_export_growth=round((h[2] - h[1]) / h[1] * 100, 2),
        local_export_growth=10.0,
        history=[
            {"year": 2003 + i, "export_value": e, "hitech_export_value": x}
            for i, (e, x) in enumerate(zip(exports, h, strict=True))
        ],
        leading_enterprises=[
            {"name": f"{name}龙头企业{i}", "export_value": 1000.0, "industry_rank": r}
            for i, r in enumerate(ranks)
        ],
        attachments={"application_form": True, "development_plan": True},
    )
    return v


def check(tmp_path: Path, values: dict[str, Any], **options: Any) -> Submission:
    name = f"{values['applicant_name']}.xlsx"
    return check_file(write_filled(tmp_path / name, values), read_options(**options))


def status(sub_or_rec: Submission | dict[str, Any], cid: str) -> str | None:
    if isinstance(sub_or_rec, Submission):
        return next((c["status"] for c in sub_or_rec.criteria if c["id"] == cid), None)
    return dict(sub_or_rec.get("_criteria_status") or {}).get(cid)


def totals_file(tmp_path: Path, totals: dict[str, float]) -> Path:
    """A --reference file giving units' own 2005 high-tech exports (六(二)(2))."""
    path = tmp_path / "本地区.toml"
    path.write_text(
        "".join(
            f'[[unit_year]]\nunit = "{u}"\nyear = 2005\nhitech_exports = {t}\n'
            f'hitech_exports_source = "{u}商务厅统计（测试）"\n\n'
            for u, t in totals.items()
        ),
        encoding="utf-8",
    )
    return path


# ---------------------------------------------------------------- 五(一)/六(一) re-certification

# (applicant, unit, city, base type, named base) -> (status alone, status in the round,
# verdict in the round, formkit's proposal)
RECERT_CASES: dict[str, list[tuple[tuple[str, str, str, str, str | None], tuple[str, ...]]]] = {
    "three re-certifications of one base": [
        (
            ("苏州市", "江苏省", "苏州市", HITECH, JIANGSU_HT),
            ("pass", "manual", "需人工判断", "不推荐"),
        ),
        (
            ("无锡市", "江苏省", "无锡市", HITECH, JIANGSU_HT),
            ("pass", "manual", "需人工判断", "不推荐"),
        ),
        (
            ("南京市", "江苏省", "南京市", HITECH, JIANGSU_HT),
            ("pass", "manual", "需人工判断", "不推荐"),
        ),
    ],
    "each base once": [
        (("苏州市", "江苏省", "苏州市", HITECH, JIANGSU_HT), ("pass", "pass", "符合", "推荐")),
        (
            ("泰州市", "江苏省", "泰州市", PHARMA, "泰州国家医药出口基地"),
            ("pass", "pass", "符合", "推荐"),
        ),
    ],
    # 软件 bases are a complete list: 江苏 has none (五(一) re-certifies existing bases)
    "a base the unit does not have (complete list)": [
        (
            ("南京市", "江苏省", "南京市", SOFTWARE, "南京软件园"),
            ("fail", "fail", "不符合", "不推荐"),
        ),
    ],
    # 高新 bases are an incomplete list: 福建 is not in it, and may still have one
    "a base an incomplete list cannot confirm": [
        (
            ("福州市", "福建省", "福州市", HITECH, "福州国家高新区"),
            ("manual", "manual", "需人工判断", "不推荐"),
        ),
    ],
    "a name of another type than the one chosen": [
        (
            ("天津市", "天津市", "天津市", HITECH, "天津国家医药出口基地"),
            ("unknown", "unknown", "待补充材料", "不推荐"),
        ),
    ],
}


@pytest.mark.parametrize("case", list(RECERT_CASES))
def test_recertification_names_a_base_of_its_unit(tmp_path: Path, case: str) -> None:
    """五(一): each claim matched to a base of the unit by type and place; two claims on one
    base are both left to a person, naming each other; a base the unit does not have is
    不符合 (complete list) or 待核实 (incomplete); nothing unsettled is recommended."""
    rows = RECERT_CASES[case]
    subs = [check(tmp_path, recert(*who)) for who, _ in rows]
    for sub, (_who, expected) in zip(subs, rows, strict=True):
        assert status(sub, "recert_base") == expected[0], sub.criteria
    data = collect(subs)
    propose(data.applications, reference=load_reference())
    by_name = {a["applicant_name"]: a for a in data.applications}
    for (who, expected), sub in zip(rows, subs, strict=True):
        rec = by_name[who[0]]
        assert (status(rec, "recert_base"), rec["_verdict"], rec[DECISION]) == expected[1:], rec
        if expected[1] != "pass":
            assert "五(一)、六(一)" in rec["_criteria"]
        if expected[2] == "不符合":
            assert any(
                i.code == "criterion_failed" and "五(一)、六(一)" in i.message for i in sub.issues
            )
    contested = [who[0] for who, e in rows if e[1] == "manual" and e[0] == "pass"]
    for name in contested:
        others = [n for n in contested if n != name]
        rec = by_name[name]
        assert all(o in rec["_criteria"] for o in others) and name not in rec["_base_note"]
        listed = [
            r for r in data.issues if r["applicant"] == name and "五(一)、六(一)" in r["message"]
        ]
        assert len(listed) == 1 and listed[0]["code"] == "criterion_manual"
        assert listed[0]["cell"] == "B8" and listed[0]["sheet"] == INFO
        assert all(o in listed[0]["message"] for o in others)


def test_a_unit_never_recommends_one_base_twice() -> None:
    """A person who recommends two re-certifications of one base is told (五(一))."""
    from formkit.forms.shenbaoshu.recommend import settle

    apps = [
        {
            "province": "江苏省",
            "applicant_name": name,
            "application_type": "现有基地重新认定",
            "existing_base_type": HITECH,
            "recertified_base": JIANGSU_HT,
            "city": name,
            "_verdict": "需人工判断",
            "_criteria": "五(一)、六(一) 重新认定的是本单位的现有基地（需人工判断：…）",
            "_proposed_decision": "不推荐",
            "_proposed_reason": "需人工判断（五(一)、六(一)），待推荐单位决定",
            "_decision": decision,
        }
        for name, decision in (("苏州市", "推荐"), ("无锡市", "推荐"), ("南京市", "不推荐"))
    ]
    problems = settle(apps, reference=load_reference()).problems
    assert len(problems) == 1 and "苏州市、无锡市都重新认定江苏国家高新区" in problems[0]
    # the person's 推荐 settles the criterion left to them: 符合, recorded as 人工调整
    assert [a["_verdict"] for a in apps] == ["符合", "符合", "需人工判断"]
    assert "经推荐单位判断为满足" in apps[0]["_override"]


# ---------------------------------------------------------------- 六(二)(2) and 六(二)(4)

# (2005 high-tech exports of 绵阳, 四川省's own total or None, ranks) ->
# (六(二)(2) threshold, 六(二)(2) 前列, 六(二)(4), verdict, proposal)
NEW_CASES = [
    # the western city beside a 40亿美元 capital: 35 times the western threshold; the notice
    # gives no rank or share for 前列 → a person judges, never 不符合
    (3.5, None, (1,), ("pass", "manual", "pass", "需人工判断", "不推荐")),
    # the province's own total shows it holds more than half: first in its region
    (3.5, 6.0, (1,), ("pass", "pass", "pass", "符合", "推荐")),
    (3.5, 20.0, (1,), ("pass", "manual", "pass", "需人工判断", "不推荐")),
    # 六(二)(4): the first three places are plainly 前列; rank 11 is a person's call
    (3.5, 6.0, (3,), ("pass", "pass", "pass", "符合", "推荐")),
    (3.5, 6.0, (4,), ("pass", "pass", "manual", "需人工判断", "不推荐")),
    (3.5, 6.0, (11,), ("pass", "pass", "manual", "需人工判断", "不推荐")),
    (3.5, 6.0, (11, 40), ("pass", "pass", "manual", "需人工判断", "不推荐")),
    (3.5, 6.0, (11, None), ("pass", "pass", "unknown", "待补充材料", "不推荐")),
    # the region's threshold is the notice's number: below it fails
    (0.09, 0.1, (1,), ("fail", "pass", "pass", "不符合", "不推荐")),
]


@pytest.mark.parametrize(("hitech", "total", "ranks", "expected"), NEW_CASES)
def test_new_base_criteria_decided_only_by_the_notice_or_a_sourced_figure(
    tmp_path: Path,
    hitech: float,
    total: float | None,
    ranks: tuple[int | None, ...],
    expected: tuple[str, ...],
) -> None:
    """六(二)(2)/(4) beside 成都's re-certification with 40亿美元 of high-tech exports."""
    options: dict[str, Any] = {}
    if total is not None:
        options["reference_path"] = str(totals_file(tmp_path, {"四川省": total}))
    reference = load_reference(options.get("reference_path"))
    capital = recert("成都市", "四川省", "成都市", PHARMA, "成都国家医药出口基地")
    capital.update(hitech_export_value=40.0, export_value=50.0)
    for row, h in zip(capital["history"], (20.0, 30.0, 40.0), strict=True):
        row.update(hitech_export_value=h, export_value=h * 1.25)
    capital.update(hitech_export_growth=33.33, export_growth=33.33)
    mianyang = new("绵阳市", "四川省", "绵阳市", hitech=hitech, ranks=ranks)
    subs = [check(tmp_path, capital, **options), check(tmp_path, mianyang, **options)]
    assert subs[0].verdict == "符合", subs[0].issues
    alone = subs[1]
    got = (
        status(alone, "new_threshold"),
        status(alone, "new_regional_leading"),
        status(alone, "new_leading"),
        alone.verdict,
    )
    assert got == expected[:4], alone.criteria
    data = collect(subs, reference=reference)
    propose(data.applications, reference=reference)
    rec = next(a for a in data.applications if a["applicant_name"] == "绵阳市")
    assert rec["_verdict"] == expected[3]  # the round's review adds facts, decides nothing
    assert rec[DECISION] == expected[4]
    if expected[1] == "manual":
        # the facts a person needs: its rank in this round, its share, the largest
        assert "2 份申请中第 2 位" in rec["_criteria"] and "成都市 40 亿美元" in rec["_criteria"]
        share = hitech / (hitech + 40.0) * 100
        assert f"占本轮合计 {share:.1f}%" in rec["_criteria"]
    if expected[3] == "需人工判断":
        assert rec[REASON].startswith("需人工判断") and "待推荐单位决定" in rec[REASON]
    assert "不符合" not in {status(alone, c) for c in ("new_regional_leading", "new_leading")}


# ---------------------------------------------------------------- 六(三) materials


def test_the_applicant_is_not_asked_for_the_recommendation_letter(tmp_path: Path) -> None:
    """六(三): the applicant sends the 申报书 and the 发展方案; the 推荐文件 is the
    province's, marked so on the form and asked of nobody."""
    from formkit.api import load_spec
    from formkit.template import build_template

    spec = load_spec()
    assert [i.label for i in spec.field("attachments").items] == ["申报书", "发展方案"]
    wb = openpyxl.load_workbook(io.BytesIO(build_template()))
    ws = wb["续表三 龙头企业及附报材料"]
    assert (ws["A17"].value, ws["B17"].value) == ("推荐文件", "省级出具")
    assert ws["B17"].protection.locked  # not an input
    assert "推荐文件由省级商务主管部门出具" in str(ws["C17"].value)
    assert not any("recommendation" in n for n in wb.defined_names)
    sub = check(tmp_path, recert("苏州市", "江苏省", "苏州市", HITECH, JIANGSU_HT))
    assert status(sub, "materials") == "pass" and sub.verdict == "符合"
    missing = recert("无锡市", "江苏省", "无锡市", HITECH, JIANGSU_HT)
    missing["attachments"] = {"application_form": True, "development_plan": None}
    sub = check(tmp_path, missing)
    c = next(c for c in sub.criteria if c["id"] == "materials")
    assert c["status"] == "unknown" and c["detail"] == "缺少或未确认：发展方案"


# ---------------------------------------------------------------- 六(三) quota, one classification

# unit, cluster? -> (统计's 推荐名额 cell begins with, formkit's proposal for its one 新申报)
QUOTA_CASES = [
    ("江苏省", False, "超出", "不推荐"),  # 东部 with bases: re-certify only
    ("福建省", False, "需人工判断", "不推荐"),  # 东部, absent from the incomplete list
    ("海南省", False, "需人工判断", "不推荐"),
    ("宁波市", False, "需人工判断", "不推荐"),  # 计划单列市: no “原来没有基地” sentence
    ("大连市", False, "需人工判断", "不推荐"),  # 东北 计划单列市 with bases: 中西部 sentence
    ("新疆生产建设兵团", False, "需人工判断", "不推荐"),  # named by no quota sentence
    ("吉林省", False, "符合", "推荐"),  # 东北 with bases: as 中西部, one more
    ("辽宁省", True, "符合", "推荐"),  # a 东北 cluster: 中西部 for the cluster rule too
    ("贵州省", False, "符合", "推荐"),  # 西部: one, with or without a base
    ("湖南省", False, "符合", "推荐"),  # 中部 with 长沙's 医药 base: one more
]


@pytest.mark.parametrize(("unit", "cluster", "stat", "decision"), QUOTA_CASES)
def test_one_classification_of_reporting_units(
    tmp_path: Path, unit: str, cluster: bool, stat: str, decision: str
) -> None:
    """One 新申报 meeting every criterion (its unit's total settles 前列): 统计 and the
    proposal agree; a case the notice leaves open is 需人工判断 naming 六(三), never
    “原来没有基地”, never recommended automatically."""
    from formkit.api import load_spec
    from formkit.forms.shenbaoshu.summary import unit_table

    path = totals_file(tmp_path, {unit: 10.0})
    reference = load_reference(path)
    values = new("甲", unit, "甲市", kind="产业集群" if cluster else "地级市")
    sub = check(tmp_path, values, reference_path=str(path))
    assert sub.verdict == "符合", sub.criteria
    assert not any(i.code == "cluster_outside_region" for i in sub.issues)
    data = collect([sub], reference=reference)
    propose(data.applications, reference=reference)
    (row,) = unit_table(data.applications, load_spec(), reference, 2006)
    rec = data.applications[0]
    assert row["quota"].startswith(stat + "："), row["quota"]
    assert rec[DECISION] == decision, rec[REASON]
    if stat == "需人工判断":
        assert "六(三)" in row["quota"] and "六(三)" in rec[REASON]
        assert "原来没有基地，可推荐" not in row["quota"] + rec[REASON]
        assert "待推荐单位决定" in rec[REASON]


def test_every_unit_is_classified_once_with_its_reasoning() -> None:
    ref = load_reference()
    assert len(ref.units) == 37
    for u in ref.units:
        assert u.region in ("东部", "中部", "西部", "东北") and u.quota_source, u
        assert u.quota_region == ("东部" if u.region == "东部" else "中西部"), u
        assert u.kind in ("省级", "计划单列市", "兵团"), u
    assert {u.name for u in ref.units if u.region == "东北"} == {
        "辽宁省",
        "吉林省",
        "黑龙江省",
        "大连市",
    }
    # the quota sentences as the notice words them, each naming the kinds it covers
    words = (Path(__file__).parent.parent / "docs" / "notice.txt").read_text(encoding="utf-8")
    flat = words.replace("\n", "")
    for kinds, text in ref.quota_sentences.values():
        assert text in flat and kinds
    assert ref.quota_sentences["east_recertify_only"][0] == ("省级", "计划单列市")
    assert ref.quota_sentences["west_one_more"][0] == ("省级",)


# ---------------------------------------------------------------- deadlines


@pytest.mark.parametrize(
    ("filled_on", "deadline", "warned"),
    [
        (dt.date(2006, 4, 20), dt.date(2006, 4, 15), True),  # late against the province's date
        (dt.date(2006, 4, 15), dt.date(2006, 4, 15), False),
        (dt.date(2006, 5, 8), None, False),  # no applicants' deadline: never the ministry's
    ],
)
def test_a_late_fill_date_is_judged_against_the_applicants_deadline(
    tmp_path: Path, filled_on: dt.date, deadline: dt.date | None, warned: bool
) -> None:
    values = recert("苏州市", "江苏省", "苏州市", HITECH, JIANGSU_HT)
    values["fill_date"] = filled_on
    sub = check(tmp_path, values, deadline=deadline)
    late = [i for i in sub.issues if i.code == "fill_date_after_deadline"]
    assert bool(late) is warned
    if warned:
        assert late[0].cell == "B8" and "申报截止日期 2006-04-15" in late[0].message
    assert sub.verdict == "符合"  # a warning: the province decides what lateness means


@pytest.mark.parametrize(
    ("year", "override", "latest", "begins", "says"),
    [
        (2006, "", dt.date(2006, 4, 20), "符合", "报部截止 2006-04-30"),
        (2006, "", dt.date(2006, 5, 8), "超出", "报部已逾期"),
        (2007, "", dt.date(2007, 4, 20), "需人工判断", "2007 年的报部时限未见规定"),
        (
            2007,
            '[notice.ministry_deadline.2007]\ndate = "2007-05-15"\nsource = "商务部（测试）"\n',
            dt.date(2007, 4, 20),
            "符合",
            "报部截止 2007-05-15",
        ),
    ],
)
def test_the_ministry_deadline_is_stated_per_year(
    tmp_path: Path, year: int, override: str, latest: dt.date, begins: str, says: str
) -> None:
    """六(三)'s 4月30日 is 2006's deadline for the province's dispatch; another year has its
    own or none (never 2006's reused)."""
    from formkit.forms.shenbaoshu.rules import unit_checks

    path = None
    if override:
        path = tmp_path / "ref.toml"
        path.write_text(override, encoding="utf-8")
    reference = load_reference(path)
    unit = reference.unit("江苏省")
    apps = [{"application_type": "现有基地重新认定", "fill_date": latest}]
    (_quota, (_clause, title, ok, detail)) = unit_checks(apps, year, unit=unit, reference=reference)
    shown = ("符合" if ok else "需人工判断" if ok is None else "超出") + "：" + detail
    assert title == "报送时限" and shown.startswith(begins) and says in shown, shown


# ---------------------------------------------------------------- 五(二) and 一


@pytest.mark.parametrize(
    ("key_field", "warned"),
    [
        ("信息", False),
        ("电子信息", False),
        ("机械制造", False),
        ("环境保护", False),
        ("其他", True),
    ],
)
def test_a_field_the_notice_names_is_not_warned(
    tmp_path: Path, key_field: str, warned: bool
) -> None:
    """五(二)'s fields for new bases and 一's focus fields are both the notice's."""
    sub = check(tmp_path, new("甲", "四川省", "甲市", key_field=key_field))
    found = [i for i in sub.issues if i.code == "new_field_outside_notice"]
    assert bool(found) is warned
    if warned:
        assert (found[0].sheet, found[0].cell) == (INFO, "B9")
        assert "电子信息" in found[0].message and "空天" in found[0].message


# ---------------------------------------------------------------- the CLI, end to end


def _inbox(tmp_path: Path, apps: list[dict[str, Any]]) -> Path:
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    for v in apps:
        write_filled(inbox / f"{v['applicant_name']}.xlsx", v)
    return inbox


def _table(path: Path, sheet: str = "汇总表", key: str = "申请单位") -> list[dict[str, Any]]:
    ws = openpyxl.load_workbook(path)[sheet]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    i = next(i for i, r in enumerate(rows) if key in r)
    return [dict(zip(rows[i], r, strict=False)) for r in rows[i + 1 :] if r[rows[i].index(key)]]


def test_cli_three_recertifications_and_the_western_city_a_person_decides(tmp_path: Path) -> None:
    """summary → a person recommends 绵阳 and one of 江苏's three → recommend → rollup."""
    capital = recert("成都市", "四川省", "成都市", PHARMA, "成都国家医药出口基地")
    apps = [
        *(recert(c, "江苏省", c, HITECH, JIANGSU_HT) for c in ("苏州市", "无锡市", "南京市")),
        capital,
        new("绵阳市", "四川省", "绵阳市", hitech=3.5, ranks=(11,)),
    ]
    inbox = _inbox(tmp_path, apps)
    out = tmp_path / "汇总表.xlsx"
    result = runner.invoke(
        cli, ["summary", str(inbox), "-o", str(out), "--json", str(tmp_path / "r.json")]
    )
    assert result.exit_code == 0, result.output
    rows = {r["申请单位"]: r for r in _table(out)}
    for name in ("苏州市", "无锡市", "南京市", "绵阳市"):
        assert (rows[name]["审核结论"], rows[name]["推荐意见"]) == ("需人工判断", "不推荐"), name
    assert (rows["成都市"]["审核结论"], rows["成都市"]["推荐意见"]) == ("符合", "推荐")
    # the 汇总表 prints each condition as its clause and one word; the facts are on 明细
    assert rows["苏州市"]["未通过或待补充的条件"] == "五(一)、六(一) 需人工判断"
    detail = {r["申请单位全称"]: r for r in _table(out, "明细", "申请单位全称")}
    contested = detail["苏州市"]["未通过或待补充的条件"]
    assert "无锡市" in contested and "南京市" in contested and "都申报重新认定" in contested
    assert "六(二)(4)" in rows["绵阳市"]["未通过或待补充的条件"]
    verdicts = {r["verdict"] for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert verdicts == {"符合", "需人工判断"}
    # the province decides: 绵阳 and 苏州 recommended (its people typed 推荐)
    wb = openpyxl.load_workbook(out)
    ws = wb["汇总表"]
    header = next(r for r in ws.iter_rows() if any(c.value == "申请单位" for c in r))
    col = {c.value: c.column for c in header}
    for r in ws.iter_rows(min_row=header[0].row + 1):
        who = r[col["申请单位"] - 1].value
        if who in ("绵阳市", "苏州市"):
            r[col["推荐意见"] - 1].value = "推荐"
    decided = tmp_path / "汇总表-已决定.xlsx"
    wb.save(decided)
    letters = tmp_path / "推荐文件"
    result = runner.invoke(cli, ["recommend", str(decided), "-o", str(letters)])
    assert result.exit_code == 0, result.output
    assert "报部时限：2006-04-30前" in "".join(result.output.split())
    from docx import Document

    letter = Document(str(letters / "推荐文件-四川省.docx"))
    text = "\n".join(c.text for t in letter.tables for row in t.rows for c in row.cells)
    assert "绵阳市" in text and "成都市" in text
    letter = Document(str(letters / "推荐文件-江苏省.docx"))
    text = "\n".join(c.text for t in letter.tables for row in t.rows for c in row.cells)
    assert "苏州市" in text and "无锡市" not in text and "南京市" not in text
    national = tmp_path / "全国汇总.xlsx"
    result = runner.invoke(cli, ["rollup", str(decided), "-o", str(national)])
    assert result.exit_code == 0, result.output
    detail = {r["申请单位全称"]: r for r in _table(national, "明细", "申请单位全称")}
    assert detail["绵阳市"]["审核结论"] == "符合"
    assert "经推荐单位判断为满足" in str(detail["绵阳市"]["人工调整"])
    assert detail["无锡市"]["审核结论"] == "需人工判断"


def test_cli_deadlines_kept_apart(tmp_path: Path) -> None:
    """check/summary --deadline judge 填报日期; status without one judges nothing late;
    recommend --date says whether the dispatch is within the ministry's 4月30日."""
    late = recert("苏州市", "江苏省", "苏州市", HITECH, JIANGSU_HT)
    late["fill_date"] = dt.date(2006, 4, 20)
    inbox = _inbox(tmp_path, [late])
    report = tmp_path / "r.json"
    result = runner.invoke(
        cli, ["check", str(inbox), "--deadline", "2006-04-15", "--json", str(report)]
    )
    assert result.exit_code == 0, result.output
    (res,) = json.loads(report.read_text(encoding="utf-8"))["results"]
    assert [i["code"] for i in res["issues"] if i["severity"] != "info"] == [
        "fill_date_after_deadline"
    ]
    result = runner.invoke(cli, ["check", str(inbox), "--json", str(report)])
    (res,) = json.loads(report.read_text(encoding="utf-8"))["results"]
    assert not any(i["code"] == "fill_date_after_deadline" for i in res["issues"])
    result = runner.invoke(cli, ["check", str(inbox), "--deadline", "4月15日"])
    assert result.exit_code == 2 and "申报截止日期" in result.output
    out = tmp_path / "汇总表.xlsx"
    result = runner.invoke(cli, ["summary", str(inbox), "-o", str(out), "--deadline", "2006-04-15"])
    assert result.exit_code == 0, result.output
    listed = [r for r in rows_of(out, "问题清单") if r.get("文件")]
    assert [r["代码"] for r in listed] == ["fill_date_after_deadline"]
    result = runner.invoke(
        cli, ["recommend", str(out), "-o", str(tmp_path / "d"), "--date", "2006-05-08"]
    )
    assert result.exit_code == 1 and "晚于报部时限2006-04-30" in "".join(result.output.split())
    result = runner.invoke(
        cli, ["recommend", str(out), "-o", str(tmp_path / "e"), "--date", "2006-04-28"]
    )
    assert result.exit_code == 0, result.output


def test_status_without_a_deadline_judges_nothing_late(tmp_path: Path) -> None:
    from tests.web_support import make_round

    round_ = make_round(tmp_path)
    result = runner.invoke(cli, ["status", "--db", str(round_.db), "--today", "2006-06-01"])
    assert result.exit_code == 0, result.output
    assert "未给出申报截止日期" in "".join(result.output.split())
    assert "逾期未报" not in result.output
    result = runner.invoke(
        cli,
        ["status", "--db", str(round_.db), "--today", "2006-06-01", "--deadline", "2006-04-20"],
    )
    assert "逾期未报" in result.output


# ---------------------------------------------------------------- the web page

ROSTER = "\n".join(
    [
        "推荐单位,所在地级市,申请单位全称,联系人,联系电话,电子信箱",
        "江苏,苏州市,苏州市,李华,0512-83301234,a@example.cn",
        "江苏,无锡市,无锡市,王明,0510-88886666,b@example.cn",
        "江苏,南京市,南京市,陈静,025-82221111,c@example.cn",
        "四川,绵阳市,绵阳市,赵强,0816-2221111,d@example.cn",
        "福建,福州市,福州市,钱红,0591-2221111,e@example.cn",
    ]
)


def test_web_uploads_leave_unsettled_cases_to_the_province(tmp_path: Path) -> None:
    """The issue's cases uploaded through their links: the city sees 需人工判断 (and the late
    填报日期 against `serve --deadline`), the province's 推荐文件 page recommends none of
    them, and its status page counts them apart."""
    from formkit.distribute import read_roster
    from formkit.web.service import Settings, default_store
    from tests.forms import filled
    from tests.test_web import client, login, set_password, upload
    from tests.web_support import Round

    roster = tmp_path / "名单.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    out, db = tmp_path / "下发", tmp_path / "formkit.db"
    result = runner.invoke(cli, ["distribute", str(roster), "-o", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output
    text = (out / "上报链接.csv").read_bytes().decode("utf-8-sig")
    links = {r["报送编号"]: r["上报链接"] for r in csv.DictReader(io.StringIO(text))}
    round_ = Round(db, out, tuple(read_roster(roster)), links)
    values = {
        "苏州市": recert("苏州市", "江苏省", "苏州市", HITECH, JIANGSU_HT),
        "无锡市": recert("无锡市", "江苏省", "无锡市", HITECH, JIANGSU_HT),
        "南京市": recert("南京市", "江苏省", "南京市", HITECH, JIANGSU_HT),
        "绵阳市": new("绵阳市", "四川省", "绵阳市", hitech=3.5, ranks=(11,)),
        "福州市": new("福州市", "福建省", "福州市"),
    }
    for v in values.values():
        v["fill_date"] = dt.date(2006, 4, 12)
    values["苏州市"]["fill_date"] = dt.date(2006, 4, 20)  # after the province's 4月15日
    set_password(round_)
    assert Settings(db=db, store=default_store(db)).applicants_deadline is None
    with client(round_, deadline=dt.date(2006, 4, 15)) as c:
        seen = {}
        for i, row in enumerate(round_.rows):
            r = upload(c, round_.link(i), filled(row, values[row.applicant_name]))
            assert r.status_code == 201, r.text
            seen[row.applicant_name] = r.json()
        codes = {i["code"] for i in seen["苏州市"]["issues"]}
        assert "fill_date_after_deadline" in codes, seen["苏州市"]
        assert not any(i["code"] == "fill_date_after_deadline" for i in seen["无锡市"]["issues"])
        assert {k: (v["verdict"], v["state"]) for k, v in seen.items()} == {
            # one file alone cannot see the others: 江苏's claims pass until the round
            "苏州市": ("符合", "符合"),
            "无锡市": ("符合", "符合"),
            "南京市": ("符合", "符合"),
            "绵阳市": ("需人工判断", "需人工判断"),
            "福州市": ("需人工判断", "需人工判断"),
        }
        assert "需人工判断" in c.get(round_.link(3)).text
        assert login(c).status_code in (302, 303)
        html = c.get("/province/recommend").text
        decided = {}
        for tr in re.findall(r"<tr>(.*?)</tr>", html, re.S):
            cells = [
                re.sub(r"<[^>]+>", "", x).strip()
                for x in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
            ]
            if len(cells) > 4:
                decided[cells[1]] = (cells[-3], cells[-2], cells[-1])
        for name in ("苏州市", "无锡市", "南京市", "绵阳市", "福州市"):
            verdict, decision, reason = decided[name]
            assert (verdict, decision) == ("需人工判断", "不推荐"), (name, decided[name])
            assert "待推荐单位决定" in reason, reason
        assert "福建" not in html or "原来没有基地" not in html
        status_page = c.get("/province").text
        assert 'class="badge s-manual">需人工判断' in status_page


def test_many_claims_on_one_base_name_three_others_and_the_count(tmp_path: Path) -> None:
    """Six of 江苏's cities re-certify one base: each note names three of the other five
    and their number, not all of them (a note naming every other claim grows with the
    square of their number: 1,000 claims made cells of 22,000 characters)."""
    cities = ("苏州市", "无锡市", "南京市", "常州市", "镇江市", "扬州市")
    inbox = _inbox(tmp_path, [recert(c, "江苏省", c, HITECH, JIANGSU_HT) for c in cities])
    out = tmp_path / "汇总表.xlsx"
    result = runner.invoke(cli, ["summary", str(inbox), "-o", str(out)])
    assert result.exit_code == 0, result.output
    detail = {r["申请单位全称"]: r for r in _table(out, "明细", "申请单位全称")}
    assert set(detail) == set(cities)
    for city, row in detail.items():
        note = row["未通过或待补充的条件"]
        named = [c for c in cities if c != city and c in note]
        assert len(named) == 3, (city, note)
        assert city not in note.split("都申报重新认定")[0], note
        assert "等 5 份申请都申报重新认定" in note, note
