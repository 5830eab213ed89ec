"""The recommendation decision: ranking, the 六(三) quota, and reading a person's edits back."""

from __future__ import annotations

from typing import Any

import pytest

from formkit.forms.shenbaoshu.recommend import (
    NOT_RECOMMEND,
    RECOMMEND,
    RankKeyError,
    parse_decision,
    parse_rank,
    propose,
    rank_key,
    recommended,
    settle,
)
from formkit.reference import load_reference

REF = load_reference()


def app(
    unit: str, name: str, kind: str, verdict: str, hitech: float, export: float = 0.0
) -> dict[str, Any]:
    return {
        "province": unit,
        "applicant_name": name,
        "application_type": kind,
        "_verdict": verdict,
        "hitech_export_value": hitech,
        "export_value": export,
        "_criteria": "" if verdict == "符合" else "六(二)(2) 出口额（不符合）",
        "_sha256": name,
    }


def by_name(apps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {a["applicant_name"]: a for a in apps}


def test_west_with_bases_recommends_recertifications_and_one_new_by_hitech_exports() -> None:
    """六(三): 中西部 with bases: every re-certification plus 1 new, by 高新技术产品出口额."""
    apps = [
        app("四川省", "甲", "新申报", "符合", 0.5),
        app("四川省", "乙", "新申报", "符合", 2.0),
        app("四川省", "丙", "现有基地重新认定", "符合", 1.0),
        app("四川省", "丁", "新申报", "不符合", 9.0),
        app("四川省", "戊", "新申报", "待补充材料", 8.0),
    ]
    propose(apps, reference=REF)
    got = by_name(apps)
    assert [(a["applicant_name"], a["_rank"]) for a in recommended(apps)] == [("乙", 1), ("丙", 2)]
    assert got["甲"]["_decision"] == NOT_RECOMMEND and got["甲"]["_reason"].startswith("超出名额")
    assert got["丁"]["_reason"] == "不符合条件"
    assert got["戊"]["_reason"] == "待补充材料"
    assert got["乙"]["_reason"] == "新申报，在名额内（中西部已有基地，可再推荐1家）"
    assert all(a["_override"] == "" for a in apps)


def test_east_with_bases_recommends_no_new_application() -> None:
    """六(三): 东部 units with bases re-certify them and recommend no new base."""
    apps = [
        app("江苏省", "甲", "现有基地重新认定", "符合", 3.0),
        app("江苏省", "乙", "新申报", "符合", 5.0),
    ]
    propose(apps, reference=REF)
    got = by_name(apps)
    assert got["甲"]["_decision"] == RECOMMEND
    assert got["乙"]["_decision"] == NOT_RECOMMEND
    assert got["乙"]["_reason"] == "超出名额（东部已有基地，只做重新认定，不再另行推荐）"


def test_unit_without_bases_recommends_one(tmp_path: Any) -> None:
    """六(三): a unit without bases may recommend 1, east or not. 海南 is absent from the
    incomplete list of 高新 bases: whether it has one is for a person (none recommended);
    with the lists declared complete it has none, and recommends 1."""
    apps = [app("海南省", "甲", "新申报", "符合", 3.0), app("海南省", "乙", "新申报", "符合", 5.0)]
    propose(apps, reference=REF)
    assert recommended(apps) == []
    assert all("待推荐单位决定" in a["_reason"] for a in apps)
    assert all("原来没有基地" not in a["_reason"] for a in apps)
    complete = tmp_path / "complete.toml"
    complete.write_text('[bases.complete]\n"国家高新技术产品出口基地" = true\n', encoding="utf-8")
    propose(apps, reference=load_reference(complete))
    assert [a["applicant_name"] for a in recommended(apps)] == ["乙"]
    assert by_name(apps)["乙"]["_reason"] == "新申报，在名额内（原来没有基地，可推荐1家）"
    guizhou = [app("贵州省", "甲", "新申报", "符合", 3.0)]  # 西部: one, with a base or not
    propose(guizhou, reference=REF)
    assert guizhou[0]["_reason"] == "新申报，在名额内（无论原来有无基地，均可推荐1家）"


def test_bases_come_from_the_reference_not_the_batch() -> None:
    """上海 has national bases (高新区, 医药, 软件): an eastern unit with bases sends no new
    one, though this batch holds no re-certification."""
    apps = [app("上海市", "甲", "新申报", "符合", 3.0), app("上海市", "乙", "新申报", "符合", 5.0)]
    propose(apps, reference=REF)
    assert recommended(apps) == []


def test_ranking_key_is_changeable_and_shown() -> None:
    apps = [
        app("四川省", "甲", "现有基地重新认定", "符合", 5.0, export=1.0),
        app("四川省", "乙", "现有基地重新认定", "符合", 1.0, export=9.0),
    ]
    key = rank_key("出口额")
    assert key.shown == "出口额（从高到低）"
    propose(apps, reference=REF, key=key)
    assert [a["applicant_name"] for a in recommended(apps)] == ["乙", "甲"]
    default = "审核结论（符合优先，其次需人工判断、待补充材料）、高新技术产品出口额（从高到低）"
    assert rank_key().shown == default
    with pytest.raises(RankKeyError, match="不是汇总表中的列"):
        rank_key("利润")


def test_person_reorders_and_redecides_and_it_is_recorded() -> None:
    apps = [
        app("四川省", "甲", "新申报", "符合", 0.5),
        app("四川省", "乙", "新申报", "符合", 2.0),
        app("四川省", "丙", "现有基地重新认定", "符合", 1.0),
    ]
    propose(apps, reference=REF)
    got = by_name(apps)
    # the person: 甲 instead of 乙, 甲 first, 丙 second (typed as text, as people do)
    got["甲"].update(_decision="推荐", _rank="1", _reason="")
    got["乙"].update(_decision="不推荐", _rank=1, _reason="省里研究决定")
    got["丙"].update(_rank="第2位")
    result = settle(apps, reference=REF)
    assert result.problems == []
    assert result.overridden == 2  # 丙 stays second: not an override
    assert [a["applicant_name"] for a in recommended(apps)] == ["甲", "丙"]
    assert got["乙"]["_rank"] is None and got["乙"]["_reason"] == "省里研究决定"
    assert got["甲"]["_reason"] == "人工调整"
    assert got["甲"]["_override"].startswith("人工调整：原建议不推荐（超出名额")
    assert got["丙"]["_override"] == ""
    # moving 丙 to first place is an override of the order only
    got["丙"].update(_rank=1)
    got["甲"].update(_rank=2)
    settle(apps, reference=REF)
    assert [a["applicant_name"] for a in recommended(apps)] == ["丙", "甲"]
    assert got["丙"]["_override"] == "人工调整：推荐次序由 2 改为 1"


def test_unreadable_edits_and_quota_overrun_are_reported() -> None:
    apps = [app("四川省", "甲", "新申报", "符合", 0.5), app("四川省", "乙", "新申报", "符合", 2.0)]
    propose(apps, reference=REF)
    got = by_name(apps)
    got["甲"].update(_decision="也许", _rank="很前")
    got["乙"].update(_decision="推荐")
    problems = settle(apps, reference=REF).problems
    assert any("推荐意见“也许”" in p for p in problems)
    # 甲 kept formkit's proposal (不推荐): no overrun
    assert not any("超出名额" in p for p in problems)
    got["甲"].update(_decision="√", _rank=None)
    problems = settle(apps, reference=REF).problems
    # 四川 has a base in the reference (成都, 医药): 中西部 with bases may add 1
    assert problems == ["四川省推荐新申报 2 家，超出名额 1 家（中西部已有基地，可再推荐1家）"]


@pytest.mark.parametrize(
    ("typed", "decision"),
    [
        ("推荐", RECOMMEND),
        (" 不推荐 ", NOT_RECOMMEND),
        ("√", RECOMMEND),
        ("否", NOT_RECOMMEND),
        ("", NOT_RECOMMEND),
        ("待定", None),
    ],
)
def test_parse_decision(typed: str, decision: str | None) -> None:
    assert parse_decision(typed) == decision


def test_parse_rank() -> None:
    assert [parse_rank(v) for v in (1, 2.0, "３", "第4位", None, " ", 0, 1.5, "一")] == [
        1,
        2,
        3,
        4,
        None,
        None,
        "0",
        "1.5",
        "一",
    ]
