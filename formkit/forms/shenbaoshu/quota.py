"""The 申报书's summaries: the columns it computes, each reporting unit's quota (六(三)) and
the checks and review across one unit's applications in a round.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from formkit.forms import get_form
from formkit.forms.shenbaoshu.criteria import (
    BASE_CLAUSE,
    BASE_ID,
    BASE_TITLE,
    NEW,
    RECERT,
    REGIONAL_CLAUSE,
    REGIONAL_ID,
    REGIONAL_TITLE,
    as_number,
    match_base,
)
from formkit.issues import make_issue

# ---------------------------------------------------------------- for the summaries

# labels of the computed growth rates the summaries show beside the reported ones
COMPUTED_LABELS: dict[str, str] = {
    "export_growth": "出口增速(%)（按近三年数据计算）",
    "hitech_export_growth": "高新技术产品出口增速(%)（按近三年数据计算）",
    "export_growth_3y": "近三年出口增幅(%)",
    "hitech_export_growth_3y": "近三年高新技术产品出口增幅(%)",
    "hitech_export_cagr": "高新技术产品出口年均增长率(%)",
    "national_hitech_growth_3y": "全国同期高新技术产品出口增幅(%)",
}


@dataclass(frozen=True)
class Quota:
    """How many 新申报 a reporting unit may recommend under 六(三), and why.

    `new` is None where the notice leaves it open: no quota sentence names the unit for its
    case (a 计划单列市 in 中西部 or without bases, the 兵团), or the answer turns on whether
    it has a base the reference's incomplete list may omit. Then a person decides
    (需人工判断): nothing is recommended automatically. `short` goes into the 推荐理由 column,
    `detail` into the 统计 sheet."""

    new: int | None
    short: str
    detail: str


def _bases_text(bases: Any, code: str) -> str:
    found = bases.of(code)
    if not found:
        return "无"
    by_type: dict[str, list[str]] = {}
    for b in found:
        by_type.setdefault(b.type, []).append(b.place)
    return "；".join(f"{t}：{'、'.join(p)}" for t, p in by_type.items())


def _sentence_quota(unit: Any, reference: Any, has: bool) -> int | None:
    """六(三)'s answer for a unit that has (or has not) a base; None: no sentence names it."""
    if has and unit.quota_region == "东部":
        return 0 if reference.sentence_names("east_recertify_only", unit) else None
    if has:
        return 1 if reference.sentence_names("west_one_more", unit) else None
    return 1 if reference.sentence_names("none_one", unit) else None


def _kind_words(unit: Any) -> str:
    return {"计划单列市": "计划单列市", "兵团": "新疆生产建设兵团"}.get(unit.kind, "省级单位")


def unit_quota(unit: Any, reference: Any) -> Quota:
    """六(三) for one reporting unit, by the one classification of reporting units
    (reporting_units.toml: quota_region, kind) and the reference's existing bases."""
    if unit is None:
        return Quota(None, "需人工判断：推荐单位不明（六(三)）", "推荐单位不明，无法确定推荐名额")
    bases = reference.bases
    has = bases.has_bases(unit.code)
    group = unit.quota_region + ("（东北按中西部）" if unit.region == "东北" else "")
    if isinstance(has, bool):
        n = _sentence_quota(unit, reference, has)
        fact = (
            f"{unit.name}已有国家级出口基地（{_bases_text(bases, unit.code)}）"
            if has
            else f"{unit.name}原来没有国家级出口基地"
        )
        if n == 0:
            return Quota(
                0,
                "东部已有基地，只做重新认定，不再另行推荐",
                f"{fact}；通知六(三)：东部地区已有基地的只对现有基地重新认定，不再另行推荐",
            )
        if n == 1 and has:
            return Quota(
                1,
                f"{group}已有基地，可再推荐1家",
                f"{fact}；通知六(三)：{group}地区可在重新认定的基础上再推荐1家",
            )
        if n == 1:
            return Quota(
                1, "原来没有基地，可推荐1家", f"{fact}；通知六(三)：原来没有基地的可推荐1家"
            )
        which = (
            "东部一句"
            if has and unit.quota_region == "东部"
            else "中西部一句"
            if has
            else "“原来没有基地”一句"
        )
        return Quota(
            None,
            f"需人工判断：六(三){which}未列{_kind_words(unit)}",
            f"{fact}；通知六(三){which}只列省、自治区、直辖市，未列{_kind_words(unit)}"
            f"（{unit.quota_source}），推荐名额需人工判断",
        )
    # not in the reference's incomplete list: it may or may not have a base
    with_base = _sentence_quota(unit, reference, True)
    without = _sentence_quota(unit, reference, False)
    fact = f"参考数据未列出{unit.name}的国家级出口基地，但既有基地名单不全"
    if with_base is not None and with_base == without:
        return Quota(
            with_base,
            f"无论原来有无基地，均可推荐{with_base}家",
            f"{fact}；按通知六(三)，{group}地区无论有无基地均可推荐{with_base}家",
        )

    def reading(n: int | None) -> str:
        return "推荐名额需人工判断" if n is None else f"可推荐{n}家" if n else "不再另行推荐"

    return Quota(
        None,
        "需人工判断：是否已有基地待核实（六(三)）",
        f"{fact}：如已有基地，{reading(with_base)}；如原来没有，{reading(without)}（通知六(三)）。"
        "请核实该单位是否已有基地（可在参考数据中补充名单）",
    )


def within_quota(
    applications: list[dict[str, Any]], *, unit: Any = None, reference: Any = None
) -> list[bool]:
    """Which of a unit's applications fit its 六(三) quota without a person's decision: every
    重新认定, and the first `unit_quota(...).new` 新申报 ranked 符合 first, then by
    高新技术产品出口额 (larger first); none of the new ones where the quota is open."""
    allowed = unit_quota(unit, reference).new or 0
    new = [i for i, a in enumerate(applications) if a.get("application_type") == NEW]
    new.sort(
        key=lambda i: (
            applications[i].get("verdict") != "符合",
            -(as_number(applications[i].get("hitech_export_value")) or 0.0),
        )
    )
    chosen = set(new[:allowed])
    return [a.get("application_type") != NEW or i in chosen for i, a in enumerate(applications)]


def unit_checks(
    applications: list[dict[str, Any]], year: int, *, unit: Any, reference: Any
) -> list[tuple[str, str, bool | None, str]]:
    """六(三) per reporting unit: (clause, title, ok, detail) for the quota and for the
    province's own deadline to the ministry; ok None: a person must decide (需人工判断).

    `applications` are summary records with "application_type" and "fill_date". The
    deadline is the ministry's for the reporting year as the reference states it; a year
    with none stated says so. The province's dispatch comes after its latest application, so
    a 填报日期 after the ministry's deadline means the dispatch is late."""
    recert = sum(1 for a in applications if a.get("application_type") == RECERT)
    new = sum(1 for a in applications if a.get("application_type") == NEW)
    q = unit_quota(unit, reference)
    counts = f"重新认定 {recert} 家、新申报 {new} 家"
    ok: bool | None
    if new == 0:
        ok = True
    elif new > 1:
        ok = False  # no sentence of 六(三) allows more than one new base
    else:
        ok = None if q.new is None else new <= q.new
    quota_detail = f"{q.detail}；{counts}"
    due, source = reference.ministry_deadline(year)
    dates = [a["fill_date"] for a in applications if isinstance(a.get("fill_date"), dt.date)]
    latest = max(dates) if dates else None
    latest_text = f"本单位申请最晚填报于 {latest.isoformat()}" if latest else "申请均无填报日期"
    due_ok: bool | None
    if due is None:
        due_ok, due_detail = None, f"{source}；{latest_text}"
    elif latest is not None and latest > due:
        due_ok = False
        due_detail = f"报部截止 {due.isoformat()}（{source}）；{latest_text}，报部已逾期"
    else:
        due_ok = True
        due_detail = f"报部截止 {due.isoformat()}（{source}）；{latest_text}，须在截止日前报出"
    return [
        ("六(三)", "推荐名额", ok, quota_detail),
        ("六(三)", "报送时限", due_ok, due_detail),
    ]


# ---------------------------------------------------------------- across one unit's round

# Two reviews of a reporting unit's applications of the round, in the summary:
#
# * 六(二)(2) “在本地区位居前列” left to a person (no unit total): the facts a person needs
#   are added — its rank among the unit's applications of this round and its share of their
#   sum. The criterion stays 需人工判断: the notice gives no rank, and this round's
#   applications are not the region (an earlier rule passed the front third and failed an
#   application below a tenth of the largest; the notice states neither).
# * 五(一)/六(一) re-certifications: each claim is matched to a base of the unit
#   (`match_base`); two or more applications claiming one base are each 需人工判断, naming
#   the others — a base is re-certified once, and a person decides which application does.
#
# Applications whose figure has an error (the summary leaves it out of totals) or is
# missing neither rank nor are ranked.


def _segment(clause: str, title: str, status: str, note: str = "") -> str:
    """A criterion's part of the 汇总表's 未通过或待补充的条件 cell (formkit.records)."""
    what = {"fail": "不符合", "manual": "需人工判断", "unknown": "待补充"}[status]
    return f"{clause} {title}（{what}{'：' + note if note else ''}）"


@dataclass
class _Review:
    """One application's criteria as the reviews across the unit change them."""

    statuses: dict[str, str]
    parts: list[str]  # the 未通过或待补充的条件 cell's segments
    settle: list[dict[str, Any]] = field(default_factory=list)
    add: list[Any] = field(default_factory=list)  # formkit.issues.Issue
    changed: bool = False


def _verdict_of(statuses: dict[str, str]) -> str:
    values = set(statuses.values())
    return (
        "不符合"
        if "fail" in values
        else "待补充材料"
        if "unknown" in values
        else "需人工判断"
        if "manual" in values
        else "符合"
    )


def unit_review(apps: Sequence[dict[str, Any]], reference: Any, unit: Any) -> list[dict[str, Any]]:
    """The reviews above across one reporting unit's applications (summary records).

    Pure: returns, per application in order, the record keys to update (empty: unchanged):
    `_criteria_status`, `_criteria` (the 未通过或待补充的条件 cell, with the facts), `_verdict`
    where it changes (符合 -> 需人工判断 for a contested base), `_regional_note` (the facts of
    六(二)(2)), `_base_note`, and for the 问题清单 `_settle_issue` (a list: the file's own
    需人工判断 issue gets the facts) and `_add_issues` (issues the review raises)."""
    name = getattr(unit, "name", None) or "本单位"
    spec = _spec()
    work = [
        _Review(
            dict(a.get("_criteria_status") or {}),
            [p for p in str(a.get("_criteria") or "").split("；") if p],
        )
        for a in apps
    ]

    # 六(二)(2): the facts within this round
    def value(a: dict[str, Any]) -> float | None:
        v = as_number(a.get("hitech_export_value"))
        return None if "hitech_export_value" in (a.get("_excluded") or {}) else v

    values = [value(a) for a in apps]
    usable = [v for v in values if v is not None]
    n, total = len(usable), sum(usable)
    top_value, top_name = max(
        (
            (v, str(a.get("applicant_name") or ""))
            for a, v in zip(apps, values, strict=True)
            if v is not None
        ),
        default=(0.0, ""),
    )
    notes: list[str | None] = []
    for v, w in zip(values, work, strict=True):
        if w.statuses.get(REGIONAL_ID) != "manual":
            notes.append(None)
            continue
        if v is None:
            note = "高新技术产品出口额未填或有误，无法与本单位其他申请比较"
        elif n == 1:
            note = f"{name}本轮仅此 1 份申请（{v:g} 亿美元）"
        else:
            rank = 1 + sum(1 for u in usable if u > v)
            note = (
                f"{name}本轮 {n} 份申请中第 {rank} 位（{v:g} 亿美元，占本轮合计 "
                f"{v / total * 100:.1f}%"
                + (f"；最多的{top_name} {top_value:g} 亿美元" if rank > 1 else "")
                + "），通知未给出名次，请人工判断"
            )
        notes.append(note)
        old = _segment(REGIONAL_CLAUSE, REGIONAL_TITLE, "manual")
        seg = _segment(REGIONAL_CLAUSE, REGIONAL_TITLE, "manual", note)
        w.parts = [seg if p == old else p for p in w.parts]
        if seg not in w.parts:
            w.parts.append(seg)
        w.settle.append(
            {
                "code": "criterion_manual",
                "contains": REGIONAL_CLAUSE,
                "append": f"与本单位本轮其他申请比较：{note}。",
            }
        )
        w.changed = True

    # 五(一)/六(一): one base, one re-certification
    claims: dict[tuple[str, str, str], list[int]] = {}
    for i, a in enumerate(apps):
        if a.get("application_type") != RECERT or work[i].statuses.get(BASE_ID) != "pass":
            continue
        claim = match_base(
            reference,
            unit,
            a.get("existing_base_type"),
            a.get("recertified_base"),
            a.get("city"),
        )
        if claim is not None and claim.base_key is not None:
            claims.setdefault(claim.base_key, []).append(i)
    base_notes: dict[int, str] = {}
    named_at = spec.field("recertified_base")
    sheet = spec.sheet(named_at.sheet).name
    for key, members in claims.items():
        if len(members) < 2:
            continue
        base = next(b for b in reference.bases.of(key[1]) if (b.type, b.place) == key[::2])
        first = [
            (j, str(apps[j].get("applicant_name") or apps[j].get("_file") or ""))
            for j in members[: NAMED_AT_MOST + 1]
        ]
        for i in members:
            others = [n for j, n in first if j != i][:NAMED_AT_MOST]
            note = (
                f"与{_some_of(others, len(members) - 1)}都申报重新认定{base.name}；"
                "一个现有基地只重新认定一次，"
                "请推荐单位确定由哪一份申请重新认定"
            )
            base_notes[i] = note
            w = work[i]
            w.statuses[BASE_ID] = "manual"
            w.parts.append(_segment(BASE_CLAUSE, BASE_TITLE, "manual", note))
            w.add.append(
                make_issue(
                    "criterion_manual",
                    field="recertified_base",
                    sheet=sheet,
                    cell=named_at.cell.a1,
                    label=named_at.label,
                    clause=BASE_CLAUSE,
                    clause_text=BASE_CLAUSE,
                    detail=note,
                )
            )
            w.changed = True

    out: list[dict[str, Any]] = []
    for i, (a, w) in enumerate(zip(apps, work, strict=True)):
        if not w.changed:
            out.append({})
            continue
        update: dict[str, Any] = {
            "_criteria_status": w.statuses,
            "_criteria": "；".join(w.parts),
            "_settle_issue": w.settle,
            "_add_issues": w.add,
        }
        if notes[i] is not None:
            update["_regional_note"] = notes[i]
        if i in base_notes:
            update["_base_note"] = base_notes[i]
        verdict = _verdict_of(w.statuses)
        if a.get("_verdict") == "符合" and verdict != "符合":
            update["_verdict"] = verdict
        out.append(update)
    return out


def _spec() -> Any:
    return get_form("kjxm-cxjd-shenbaoshu").spec


# how many of the other applications a note names: every application's note naming every
# other one grows with the square of their number (1,000 claims made 22,000-character cells)
NAMED_AT_MOST = 3


def _some_of(names: list[str], count: int) -> str:
    """“甲、乙、丙”, or “甲、乙、丙等 5 份申请” when `count` (of which `names` are the
    first) is more than NAMED_AT_MOST."""
    if count <= NAMED_AT_MOST:
        return "、".join(names)
    return "、".join(names[:NAMED_AT_MOST]) + f"等 {count} 份申请"
