"""The ministry's count in the roll-up (issue 20, item 10): new bases against 五(二)'s
“十五个左右”, by region, with the difference and no judgement (the notice gives no
tolerance); the 70% share of 通知一 counting each area once, a cluster inside a recommended
city named and not counted twice.

Each province's decision is set on its summary's records, as its people would leave it on the
汇总表 (the eligibility rules are tested elsewhere); the expected numbers are computed here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

from formkit.api import load_spec
from formkit.check import check_file
from formkit.forms import read_options
from formkit.forms.shenbaoshu.recommend import (
    DECISION,
    NOT_RECOMMEND,
    P_DECISION,
    P_RANK,
    P_REASON,
    RANK,
    REASON,
    RECOMMEND,
)
from formkit.forms.shenbaoshu.summary import targets
from formkit.reference import load_reference
from formkit.rollup import rollup
from formkit.summary.collect import collect
from formkit.summary.sheets import write
from tests.forms import eligible, write_filled

RECERT, NEW = "现有基地重新认定", "新申报"

# (province, 所在地级市, 申报主体, 申报类型, 高新技术产品出口额 亿美元, the province's decision)
CASES = [
    ("湖北省", "武汉市", "地级市", RECERT, 12.0, RECOMMEND),
    # inside 武汉市, recommended too: one area, counted once
    ("湖北省", "武汉", "产业集群", NEW, 5.0, RECOMMEND),
    ("四川省", "成都市", "地级市", NEW, 8.0, RECOMMEND),
    ("四川省", "绵阳市", "产业集群", NEW, 2.0, NOT_RECOMMEND),
    ("吉林省", "长春市", "地级市", NEW, 3.0, RECOMMEND),
    ("江苏省", "苏州市", "地级市", RECERT, 20.0, RECOMMEND),
    # two clusters of one city, neither the city: both counted, named for a person
    ("陕西省", "西安市", "产业集群", NEW, 1.5, RECOMMEND),
    ("陕西省", "西安市", "产业集群", RECERT, 2.5, RECOMMEND),
]


def _values(i: int, province: str, city: str, kind: str, kind_of: str, hitech: float) -> Any:
    exports = hitech * 2
    return eligible(
        applicant_name=f"{city}{kind}{i}",
        province=province,
        city=city,
        applicant_kind=kind,
        application_type=kind_of,
        existing_base_type="国家高新技术产品出口基地" if kind_of == RECERT else None,
        key_field="信息",
        export_value=exports,
        hitech_export_value=hitech,
        export_growth=25.0,
        hitech_export_growth=25.0,
        history=[
            {
                "year": 2003,
                "export_value": exports / 1.5625,
                "hitech_export_value": hitech / 1.5625,
            },
            {"year": 2004, "export_value": exports / 1.25, "hitech_export_value": hitech / 1.25},
            {"year": 2005, "export_value": exports, "hitech_export_value": hitech},
        ],
    )


def _national(tmp_path: Path) -> Path:
    """Each province's summary, its decision set on its records, rolled up."""
    summaries = []
    for province in dict.fromkeys(c[0] for c in CASES):
        subs = [
            check_file(
                write_filled(tmp_path / f"{i}.xlsx", _values(i, *c[:5])),
                read_options(),
            )
            for i, c in enumerate(CASES)
            if c[0] == province
        ]
        data = collect(subs, unit=province)
        decided = {f"{c[1]}{c[2]}{i}": c[5] for i, c in enumerate(CASES)}
        rank = 0
        for a in data.applications:
            decision = decided[a["applicant_name"]]
            rank += decision == RECOMMEND
            a["_verdict"] = "符合"
            a[RANK] = a[P_RANK] = rank if decision == RECOMMEND else None
            a[DECISION] = a[P_DECISION] = decision
            a[REASON] = a[P_REASON] = "本省决定"
        summaries.append(write(tmp_path / f"{province}.xlsx", data))
    national = rollup(summaries)
    assert not national.rejected
    return write(tmp_path / "全国.xlsx", national.data, national=True)


def _expected() -> dict[str, Any]:
    """From CASES alone: what the ministry's count must show."""
    ref = load_reference()
    counted = [c for c in CASES if c[5] == RECOMMEND]
    new = [c for c in counted if c[3] == NEW]
    by_region: dict[str, int] = {}
    for u in ref.units:
        by_region.setdefault(u.region, 0)
    for c in new:
        unit = ref.unit(c[0])
        assert unit is not None
        by_region[unit.region] += 1
    # 武汉's cluster lies in the recommended city 武汉市: the area counts once, at the city's
    inside = [c for c in counted if c[0] == "湖北省" and c[2] == "产业集群"]
    once = sum(c[4] for c in counted) - sum(c[4] for c in inside)
    nat = ref.national[2005].figure("hitech_exports")
    assert nat is not None
    return {
        "bases": len(counted),
        "new": len(new),
        "by_region": by_region,
        "once": once,
        "gross": sum(c[4] for c in counted),
        "share": round(once / nat.value * 100, 2),
        "twice_share": round(sum(c[4] for c in counted) / nat.value * 100, 2),
    }


def test_the_rollup_counts_new_bases_and_the_share_once_per_area(tmp_path: Path) -> None:
    want = _expected()
    assert want["new"] == 4 and want["once"] == 47.0 and want["gross"] == 52.0  # the case
    assert want["by_region"] == {"东部": 0, "中部": 1, "西部": 2, "东北": 1}
    wb = openpyxl.load_workbook(_national(tmp_path))
    rows = {r[0]: r for r in wb["工作目标进展"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert rows["出口创新基地（通知一）"][2] == f"{want['bases']} 家"
    new = rows["新认定基地（通知五(二)）"]
    assert new[1] == "十五个左右" and new[2] == f"{want['new']} 家"
    assert new[3] == f"{want['new'] - 15:+d} 个"
    assert "需人工判断" in new[4]  # no band invented: a person judges 左右
    for region, n in want["by_region"].items():
        assert rows[f"\u3000其中{region}"][2] == f"{n} 家", region
    share = rows["高新技术产品出口占全国比重（通知一）"]
    assert share[2] == f"{want['share']:g}%" != f"{want['twice_share']:g}%"
    assert f"{want['once']:g} 亿美元" in share[4] and f"{want['gross']:g} 亿美元" in share[4]
    assert "口径" in share[4]
    overlaps = [
        r[4]
        for r in wb["工作目标进展"].iter_rows(values_only=True)
        if r[0] == "\u3000同一地区的申请"
    ]
    assert len(overlaps) == 2
    wuhan = next(o for o in overlaps if o.startswith("湖北省武汉市："))
    assert "产业集群“武汉产业集群1”在地级市“武汉市地级市0”之内" in wuhan and "5 亿美元" in wuhan
    xian = next(o for o in overlaps if o.startswith("陕西省"))
    assert "均已计入" in xian and "需人工判断" in xian
    # 说明 says the same
    notes = [r for r in wb["说明"].iter_rows(values_only=True) if r and r[0]]
    line = next(r[1] for r in notes if r[0] == "新认定基地（通知五(二)）")
    assert f"新申报 {want['new']} 家" in line and f"比 15 个少 {15 - want['new']} 个" in line
    assert "东北 1 家" in line and "需人工判断" in line
    progress = next(r[1] for r in notes if r[0] == "工作目标进展（通知一）")
    assert f"{want['once']:g} 亿美元，同一地级市只计一次" in progress
    assert f"占全国 {want['share']:g}%" in progress


def test_targets_without_overlap_or_national_figure() -> None:
    """No two applications share a city: nothing is named, the share is the plain sum; a
    year without a sourced national figure shows no share."""
    from formkit.summary.kit import SummaryData

    spec, ref = load_spec(), load_reference()

    def rec(name: str, province: str, city: str, value: float) -> dict[str, Any]:
        return {
            "applicant_name": name,
            "province": province,
            "city": city,
            "applicant_kind": "地级市",
            "application_type": NEW,
            "hitech_export_value": value,
            "_verdict": "符合",
            DECISION: RECOMMEND,
        }

    apps = [rec("甲", "四川省", "成都市", 4.0), rec("乙", "贵州省", "贵阳市", 1.0)]
    t = targets(SummaryData(year=2006, unit=None, applications=apps), spec, ref)
    assert t["overlaps"] == [] and t["hitech"] == t["hitech_gross"] == 5.0
    assert t["share"] == round(5.0 / 2183 * 100, 2) and t["new_bases"] == 2
    t = targets(SummaryData(year=2011, unit=None, applications=apps), spec, ref)
    assert t["share"] is None and t["national"] is None
