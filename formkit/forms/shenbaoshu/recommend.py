"""The province's recommendation decision (通知六(三)): ranking, the quota, 推荐 / 不推荐.

formkit proposes; a person decides. `propose` ranks each reporting unit's applications by
a ranking key (default: 审核结论 符合 first, then 高新技术产品出口额 from high to low),
applies the notice's quota and marks each one 推荐 or 不推荐 with the reason. The summary
shows the proposal in editable columns (推荐次序, 推荐意见, 推荐理由) and keeps formkit's
own proposal beside them in its 明细 sheet. A person may re-number, re-decide and
re-word in Excel or WPS; `settle` reads those columns back, and everything downstream
(推荐文件, 报部名单, the national roll-up and its 公示) follows the person's decision,
recording where it differs from the proposal.

Record keys (in the summary records of formkit.records):
  _rank, _decision, _reason                      the decision as shown (and as edited)
  _proposed_rank, _proposed_decision, _proposed_reason   formkit's proposal
  _override                                      "" or how the person changed the proposal

The quota (六(三), `rules.unit_quota`, by the one classification of reporting units):
现有基地重新认定 re-assesses each existing base once; of 新申报, an eastern unit that
already has bases may recommend none, a 中西部 unit (东北 with them) with bases one more,
a unit without bases one. Where the notice leaves the quota open (a 计划单列市 outside the
sentence, the 兵团, a unit an incomplete list of bases may omit), and for an application
whose verdict is 需人工判断, formkit proposes 不推荐 "待推荐单位决定": nothing is recommended
automatically. A person's 推荐 of a 需人工判断 application settles it (its 审核结论 becomes
符合, recorded in 人工调整).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from formkit.forms.shenbaoshu.rules import match_base
from formkit.forms.shenbaoshu.rules import unit_quota as rules_unit_quota
from formkit.reference import load_reference
from formkit.spec import load_spec

# a summary record (formkit.records.SummaryRecord, or a plain dict of one)
App = TypeVar("App", bound=dict[str, Any])

# this form's own spec (the field labels a ranking key may name)
SPEC_FILE = Path(__file__).with_name("spec.toml")

RECOMMEND, NOT_RECOMMEND = "推荐", "不推荐"
DECISIONS = (RECOMMEND, NOT_RECOMMEND)
RECERT, NEW = "现有基地重新认定", "新申报"
MANUAL = "需人工判断"
VERDICT_ORDER = {"符合": 0, MANUAL: 1, "待补充材料": 2, "不符合": 3}
VERDICT_KEY = "审核结论"
DEFAULT_KEY = "审核结论,高新技术产品出口额"

# record keys of the decision
RANK, DECISION, REASON = "_rank", "_decision", "_reason"
P_RANK, P_DECISION, P_REASON = "_proposed_rank", "_proposed_decision", "_proposed_reason"
OVERRIDE = "_override"

# the spec's summary roles this module uses (formkit/forms/shenbaoshu/spec.toml [summary])
_UNIT, _TYPE, _APPLICANT = "province", "application_type", "applicant_name"


class RankKeyError(ValueError):
    """A ranking key naming no known column; the message lists the ones that can be used."""


@dataclass(frozen=True)
class KeyPart:
    key: str  # record key: "_verdict" or a field id
    label: str  # as shown: 审核结论, 高新技术产品出口额
    numeric: bool

    @property
    def shown(self) -> str:
        if self.key == "_verdict":
            return f"{self.label}（符合优先，其次需人工判断、待补充材料）"
        return f"{self.label}（{'从高到低' if self.numeric else '按名称'}）"


@dataclass(frozen=True)
class RankKey:
    parts: tuple[KeyPart, ...]

    @property
    def shown(self) -> str:
        """The key in words, as the summary and the 说明 sheet show it."""
        return "、".join(p.shown for p in self.parts)

    def __call__(self, rec: Mapping[str, Any]) -> tuple[Any, ...]:
        out: list[Any] = []
        for p in self.parts:
            value = rec.get(p.key)
            if p.key == "_verdict":
                out.append(VERDICT_ORDER.get(str(value), len(VERDICT_ORDER)))
            elif p.numeric:
                number = _number(value)
                # high first; an empty value after every number
                out.append((0, -number) if number is not None else (1, 0.0))
            else:
                out.append((0, str(value)) if value not in (None, "") else (1, ""))
        out.append(str(rec.get(_APPLICANT) or ""))
        out.append(str(rec.get("_sha256") or rec.get("_file") or ""))
        return tuple(out)


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").replace("（", "(").lower()


def rank_key(text: str | None = None, spec: Any = None) -> RankKey:
    """Parse a ranking key: comma-separated field ids or labels (审核结论, 出口额 …).

    Numbers sort from high to low, text by name; 审核结论 puts 符合 first. The labels are
    the spec's field labels with or without their unit.
    """
    spec = spec or load_spec(SPEC_FILE)
    text = DEFAULT_KEY if text is None or not text.strip() else text
    known: dict[str, KeyPart] = {_norm(VERDICT_KEY): KeyPart("_verdict", VERDICT_KEY, False)}
    known[_norm("verdict")] = known[_norm(VERDICT_KEY)]
    for f in spec.fields:
        if f.type == "group":
            continue
        numeric = f.type in ("integer", "decimal", "percent")
        label = _bare(f.header)
        part = KeyPart(f.id, label, numeric)
        for name in (f.id, f.label, f.header, label):
            known.setdefault(_norm(name), part)
    parts: list[KeyPart] = []
    for raw in text.replace("，", ",").replace("、", ",").split(","):
        if not raw.strip():
            continue
        found = known.get(_norm(raw.strip()))
        if found is None:
            usable = [VERDICT_KEY] + [
                _bare(f.header) for f in spec.fields if f.type in ("integer", "decimal", "percent")
            ]
            raise RankKeyError(
                f"排序依据“{raw.strip()}”不是汇总表中的列；可用：{'、'.join(usable)}"
            )
        if found not in parts:
            parts.append(found)
    if not parts:
        raise RankKeyError("排序依据为空")
    return RankKey(tuple(parts))


def _bare(header: str) -> str:
    """A column header without its unit: 高新技术产品出口额(亿美元) -> 高新技术产品出口额."""
    return re.sub(r"[(（][^()（）]*[)）]$", "", header).strip()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


# ---------------------------------------------------------------- the quota


def unit_quota(reference: Any, unit: str) -> Any:
    """六(三) for a reporting unit named as the records name it (rules.unit_quota: the one
    classification of reporting units, and the reference's existing bases)."""
    reference = reference if reference is not None else load_reference()
    return rules_unit_quota(reference.unit(unit) if unit else None, reference)


def _manual_clauses(rec: Mapping[str, Any]) -> str:
    """The clauses a person must still judge, from the 未通过或待补充的条件 cell."""
    parts = [p for p in str(rec.get("_criteria") or "").split("；") if "需人工判断" in p]
    clauses = list(dict.fromkeys(p.split(" ", 1)[0] for p in parts if " " in p))
    return "、".join(clauses)


# ---------------------------------------------------------------- the proposal


def _unit_groups(apps: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in apps:
        groups[str(a.get(_UNIT) or "")].append(a)
    return groups


def propose(
    apps: Iterable[dict[str, Any]],
    *,
    reference: Any = None,
    key: RankKey | None = None,
) -> None:
    """Rank each unit's applications, apply the quota, set the proposal (in place).

    The shown decision (_rank, _decision, _reason) starts as the proposal.
    """
    key = key or rank_key()
    for unit, members in _unit_groups(apps).items():
        q = unit_quota(reference, unit)
        left = q.new or 0
        rank = 0
        for rec in sorted(members, key=key):
            verdict = rec.get("_verdict")
            kind = rec.get(_TYPE)
            # which conditions: the summary's 未通过或待补充的条件, beside the reason
            if verdict == "不符合":
                decision, reason = NOT_RECOMMEND, "不符合条件"
            elif verdict == MANUAL:
                clauses = _manual_clauses(rec)
                decision = NOT_RECOMMEND
                reason = f"需人工判断{f'（{clauses}）' if clauses else ''}，待推荐单位决定"
            elif verdict != "符合":
                decision, reason = NOT_RECOMMEND, "待补充材料"
            elif kind == RECERT:
                decision, reason = RECOMMEND, "现有基地重新认定，符合条件"
            elif kind == NEW and q.new is None:
                decision, reason = NOT_RECOMMEND, f"{q.short}，待推荐单位决定"
            elif kind == NEW and left > 0:
                left -= 1
                decision, reason = RECOMMEND, f"新申报，在名额内（{q.short}）"
            elif kind == NEW:
                decision, reason = NOT_RECOMMEND, f"超出名额（{q.short}）"
            else:
                decision, reason = NOT_RECOMMEND, "申报类型未填，无法确定名额"
            if decision == RECOMMEND:
                rank += 1
            rec[P_RANK] = rank if decision == RECOMMEND else None
            rec[P_DECISION], rec[P_REASON] = decision, reason
            rec[RANK], rec[DECISION], rec[REASON] = rec[P_RANK], decision, reason
            rec[OVERRIDE] = ""


# ---------------------------------------------------------------- reading the person's decision

_YES = {"推荐", "是", "√", "✓", "y", "yes", "1", "同意", "同意推荐"}
_NO = {"不推荐", "否", "×", "✗", "x", "n", "no", "0", "不同意", "暂不推荐", ""}


def parse_decision(value: Any) -> str | None:
    """推荐 / 不推荐 as a person may type it; None when it is neither."""
    text = _norm(str(value or "")).strip("。.")
    if text in _YES:
        return RECOMMEND
    if text in _NO:
        return NOT_RECOMMEND
    return None


def parse_rank(value: Any) -> int | str | None:
    """A 推荐次序 as typed: a positive whole number, None when blank, the text otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() and value > 0 else str(value)
    text = _norm(str(value)).removeprefix("第").removesuffix("位").removesuffix("名")
    return int(text) if text.isdigit() and int(text) > 0 else str(value)


@dataclass
class Settled:
    """The decision after reading a summary back: problems are for the person to fix."""

    problems: list[str]
    overridden: int


def settle(apps: Iterable[dict[str, Any]], *, reference: Any = None) -> Settled:
    """Take the person's 推荐次序 / 推荐意见 / 推荐理由 (in place) and record overrides.

    Order: by the number in 推荐次序; recommended applications without a number follow
    in the order of the rows. The ranks are renumbered 1, 2, … per reporting unit, and
    不推荐 has no rank. A decision that cannot be read keeps formkit's proposal and is
    reported; so is a unit recommending more 新申报 than its quota allows.
    """
    problems: list[str] = []
    overridden = 0
    for unit, members in _unit_groups(apps).items():
        ordered: list[tuple[tuple[int, int], dict[str, Any]]] = []
        for row, rec in enumerate(members):
            name = str(rec.get(_APPLICANT) or rec.get("_file") or "")
            raw_decision = rec.get(DECISION)
            decision = parse_decision(raw_decision)
            if decision is None:
                decision = rec.get(P_DECISION) or NOT_RECOMMEND
                problems.append(
                    f"{unit}“{name}”：推荐意见“{raw_decision}”应为“推荐”或“不推荐”，"
                    f"按审核建议（{decision}）处理"
                )
            rank = parse_rank(rec.get(RANK))
            if isinstance(rank, str):
                problems.append(f"{unit}“{name}”：推荐次序“{rank}”不是正整数，排在有次序的之后")
                rank = None
            rec[DECISION] = decision
            if decision == RECOMMEND:
                ordered.append(((rank if rank is not None else 1 << 30, row), rec))
            else:
                rec[RANK] = None
        ordered.sort(key=lambda item: item[0])
        for n, (_, rec) in enumerate(ordered, start=1):
            rec[RANK] = n
        for rec in members:
            changed = rec[DECISION] != rec.get(P_DECISION)
            if not rec.get(REASON) or (changed and rec.get(REASON) == rec.get(P_REASON)):
                # formkit's reason for a decision the person reversed no longer applies
                rec[REASON] = "人工调整" if changed else rec.get(P_REASON)
            changes = []
            if rec[DECISION] != rec.get(P_DECISION):
                changes.append(
                    f"原建议{rec.get(P_DECISION) or '（无）'}"
                    f"（{rec.get(P_REASON) or ''}），改为{rec[DECISION]}"
                )
            elif rec[DECISION] == RECOMMEND and rec[RANK] != rec.get(P_RANK):
                changes.append(f"推荐次序由 {rec.get(P_RANK)} 改为 {rec[RANK]}")
            if rec[DECISION] == RECOMMEND and rec.get("_verdict") == MANUAL:
                # the province's decision settles what was left to a person
                clauses = _manual_clauses(rec)
                changes.append(
                    f"需人工判断的条件{f'（{clauses}）' if clauses else ''}经推荐单位判断为满足，"
                    "审核结论为符合"
                )
                rec["_verdict"] = "符合"
            rec[OVERRIDE] = "人工调整：" + "；".join(changes) if changes else ""
            overridden += bool(changes)
        new = sum(1 for r in members if r[DECISION] == RECOMMEND and r.get(_TYPE) == NEW)
        q = unit_quota(reference, unit)
        if q.new is None and new > 1:
            problems.append(
                f"{unit}推荐新申报 {new} 家：通知六(三)任何一句都不超过1家（{q.short}）"
            )
        elif q.new is not None and new > q.new:
            problems.append(f"{unit}推荐新申报 {new} 家，超出名额 {new - q.new} 家（{q.short}）")
        problems += _one_base_once(unit, members, reference)
    return Settled(problems, overridden)


def _one_base_once(unit: str, members: list[dict[str, Any]], reference: Any) -> list[str]:
    """五(一): a unit recommends each existing base's re-certification once."""
    reference = reference if reference is not None else load_reference()
    u = reference.unit(unit) if unit else None
    by_base: dict[tuple[str, str, str], list[str]] = {}
    names: dict[tuple[str, str, str], str] = {}
    for rec in members:
        if rec.get(DECISION) != RECOMMEND or rec.get(_TYPE) != RECERT:
            continue
        claim = match_base(
            reference,
            u,
            rec.get("existing_base_type"),
            rec.get("recertified_base"),
            rec.get("city"),
        )
        if claim is not None and claim.base_key is not None:
            by_base.setdefault(claim.base_key, []).append(str(rec.get(_APPLICANT) or ""))
            names[claim.base_key] = claim.base.name
    return [
        f"{unit}推荐{'、'.join(who)}都重新认定{names[key]}：一个现有基地只重新认定一次（通知五(一)）"
        for key, who in by_base.items()
        if len(who) > 1
    ]


def by_unit(
    apps: Iterable[dict[str, Any]], unit: str | None = None
) -> list[tuple[str, list[dict[str, Any]]]]:
    """The applications per reporting unit, units in the order they first appear (only
    `unit`'s when given): what `formkit recommend` and the web page write a letter for."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for a in apps:
        name = str(a.get(_UNIT) or "")
        if unit is None or name == unit:
            groups.setdefault(name, []).append(a)
    return list(groups.items())


def recommended(apps: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The recommended applications in order: by reporting unit as given, then 推荐次序."""
    chosen = [a for a in apps if a.get(DECISION) == RECOMMEND]
    units: dict[str, int] = {}
    for a in chosen:
        units.setdefault(str(a.get(_UNIT) or ""), len(units))
    return sorted(chosen, key=lambda a: (units[str(a.get(_UNIT) or "")], a.get(RANK) or 1 << 30))


def order_for_summary(
    apps: list[App], units: Mapping[str, int], key: RankKey | None = None
) -> None:
    """Sort (in place): by reporting unit, recommended by 推荐次序, then the rest by the key."""
    key = key or rank_key()
    apps.sort(
        key=lambda a: (
            units.get(str(a.get(_UNIT) or ""), len(units)),
            str(a.get(_UNIT) or ""),
            0 if a.get(DECISION) == RECOMMEND else 1,
            a.get(RANK) or 0,
            key(a),
        )
    )


def shown(app: Mapping[str, Any]) -> tuple[str, str]:
    """An application as the recommend command lists it: (申请单位, 申报类型)."""
    spec = load_spec(SPEC_FILE)
    return str(app.get(spec.roles.subject) or ""), str(app.get(spec.summary.type_field or "") or "")
