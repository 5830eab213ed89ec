"""定期评估 (formkit evaluate): each recognised base's year, and where the five-year goal stands.

通知六(三) asks the provinces to "建立对出口创新基地项目动态跟踪、定期评估和信息上报制度"; 一 sets
the goal: from 2006, in five years, 100 bases whose high-tech exports are about 70% of the
nation's. From the register (formkit/bases/) and the reports in the ledger this module
gives, per base and year:

- each period's report: on time, late (days after the deadline) or missing; its completeness
  (the form's required values present and without error);
- the year's figures (the form's `[evaluation]`: the 年度工作报告's, else the fourth quarter's
  cumulative; a year whose two disagree counts in no total) against the previous year and the
  nation's growth, and the base's share of the national figure;
- its key enterprises: how many, which dropped out in the year;
- the cross-period inconsistencies still open;
- flags for a person (需关注), each with its facts and the standard it was measured by.

The notice names no threshold for 动态调整: the standards come from a policy file the province
or ministry writes (formkit.evaluate.policy), each with its reason; without one, the plain
facts of a base's year (a missing report, a decline, an open error) are listed. formkit never
decides to revoke a base: a person does, and records it with formkit bases.

And the national view: bases 在册 at each year's end against the goal's 100, their high-tech
exports' share of the national total against 70%, for each year of the goal that has data.
National figures come from formkit.reference (with their margins where approximate).

The reports are read from the ledger by formkit.evaluate.reports; the workbook is written by
formkit.evaluate.book.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formkit import __version__
from formkit.atomic import write_bytes_atomic
from formkit.bases import IN_REGISTER, Base, Event, Register
from formkit.bases.feed import period_span
from formkit.distribute import period_deadline
from formkit.evaluate.policy import FLAGS, Policy, default_policy
from formkit.evaluate.reports import Kind, Report, gather, kinds
from formkit.issues import Issue
from formkit.ledger import Ledger, issue_text
from formkit.parse import UNITS
from formkit.reference import NATIONAL_UNITS, Figure, Reference
from formkit.spec.model import EvaluationFigure

# 通知一："从2006年起,力争用五年时间……建成100家出口创新基地……比重提高到70%左右"
GOAL_YEARS = 5
ON_TIME, LATE, MISSING, NOT_DUE = "按时", "逾期", "缺报", "未到期"


# ---------------------------------------------------------------- one base's year


@dataclass(frozen=True)
class PeriodState:
    kind: str  # the form's name (季度数据报表 / 年度工作报告)
    label: str  # 第三季度 / 年度工作报告
    year: int
    part: int
    deadline: dt.date | None
    deadline_source: str
    state: str  # 按时 / 逾期 / 缺报 / 未到期
    days_late: int = 0
    received: dt.date | None = None
    completeness: tuple[int, int] | None = None
    file: str = ""

    @property
    def text(self) -> str:
        if self.state == LATE:
            return f"逾期 {self.days_late} 天"
        return self.state


@dataclass(frozen=True)
class FigureYear:
    """One figure of a base's year."""

    id: str
    label: str
    unit: str
    value: float | None  # the year's value, as shown
    source: str  # 年度工作报告 / 第四季度累计 / ""
    counted: bool  # in the totals and the goal (no error, no disagreement)
    note: str = ""  # why it is not counted, or where it came from
    previous: float | None = None  # last year's value (counted)
    growth: float | None = None
    growth_source: str = ""  # 核算（与上年比）/ 填报
    national_growth: tuple[float, float, float] | None = None  # central, low, high
    share: tuple[float, float, float] | None = None  # of the national figure, %
    national: str | None = None
    goal: bool = False
    watch: bool = False


@dataclass(frozen=True)
class Flag:
    kind: str
    title: str
    facts: str
    standard: str


@dataclass
class BaseYear:
    base: Base
    year: int
    status: str  # at the year's end
    changes: list[Event]
    periods: list[PeriodState]
    figures: list[FigureYear]
    completeness: tuple[int, int]
    enterprises: int | None = None
    dropped: list[str] = field(default_factory=list)
    open_issues: list[tuple[str, Issue]] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)

    def figure(self, fig_id: str) -> FigureYear | None:
        return next((f for f in self.figures if f.id == fig_id), None)

    @property
    def missing(self) -> list[PeriodState]:
        return [p for p in self.periods if p.state == MISSING]


def _ent_key(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).replace(" ", "").replace("\u3000", "")
    return text.replace("（", "(").replace("）", ")").casefold()


def _year_value(
    reports: Mapping[tuple[str, str, int, int], Report],
    base: Base,
    fig_id: str,
    year: int,
    ks: Sequence[Kind],
) -> tuple[float | None, str, bool, str, Report | None, EvaluationFigure | None]:
    """(value, source, counted, note, report it came from, that form's figure) of a
    figure's year: the yearly report's, else the last quarter's cumulative."""
    yearly = next((k for k in ks if k.parts == 1), None)
    quarterly = next((k for k in ks if k.parts > 1), None)
    q_rep = a_rep = None
    q_fig = a_fig = None
    if quarterly is not None:
        q_fig = quarterly.figure(fig_id)
        q_rep = reports.get((base.base_id, quarterly.form.id, year, quarterly.parts))
    if yearly is not None:
        a_fig = yearly.figure(fig_id)
        a_rep = reports.get((base.base_id, yearly.form.id, year, 0))
    q_val = q_rep.usable(q_fig.field) if q_rep and q_fig else None
    a_raw = a_rep.values.get(a_fig.field) if a_rep and a_fig else None
    a_val = a_rep.usable(a_fig.field) if a_rep and a_fig else None
    q_name = f"{quarterly.label(quarterly.parts)}累计" if quarterly else ""
    a_name = yearly.label(0) if yearly else ""
    if a_val is not None:
        return a_val, a_name, True, "", a_rep, a_fig
    if a_rep is not None and isinstance(a_raw, int | float) and q_rep is not None:
        q_raw = q_rep.values.get(q_fig.field) if q_fig else None
        return (
            float(a_raw),
            a_name,
            False,
            f"{a_name}（{a_raw:,.2f}）与{q_name}（{_num(q_raw)}）不符，未计入合计",
            a_rep,
            a_fig,
        )
    if a_rep is not None and isinstance(a_raw, int | float):
        return float(a_raw), a_name, False, f"{a_name}中的数值有错误，未计入合计", a_rep, a_fig
    if q_val is not None:
        return q_val, q_name, True, "", q_rep, q_fig
    if q_rep is not None and q_fig is not None:
        raw = q_rep.values.get(q_fig.field)
        if isinstance(raw, int | float):
            return float(raw), q_name, False, f"{q_name}的数值有错误，未计入合计", q_rep, q_fig
    return (
        None,
        "",
        False,
        f"无全年数据（缺{q_name or ''}报表和{a_name or '年度报告'}）",
        None,
        None,
    )


def _num(v: Any) -> str:
    return f"{v:,.2f}" if isinstance(v, int | float) and not isinstance(v, bool) else "—"


def _growth(now: float, before: float) -> float:
    return (now / before - 1) * 100


def _national_growth(
    reference: Reference, name: str, year: int
) -> tuple[float, float, float] | None:
    """The nation's growth on the year before, as the reference computes it (chained from
    the published rate where the statistical basis changed): value, low, high."""
    g = reference.national_growth(name, year - 1, year)
    if g.value is None:
        return None
    low = g.low if g.low is not None else g.value
    high = g.high if g.high is not None else g.value
    return g.value, low, high


def _nat(reference: Reference, name: str, year: int) -> Figure | None:
    n = reference.national.get(year)
    return None if n is None else n.figure(name)


def to_national_unit(value: float, unit: str, name: str) -> float:
    """A base's figure in the national figure's unit (万美元 -> 亿美元)."""
    return value * UNITS[unit][1] / UNITS[NATIONAL_UNITS[name]][1]


def _share(
    reference: Reference, name: str, year: int, value: float, unit: str
) -> tuple[float, float, float] | None:
    nat = _nat(reference, name, year)
    if nat is None or nat.value <= 0:
        return None
    v = to_national_unit(value, unit, name)
    return v / nat.value * 100, v / nat.high * 100, v / nat.low * 100 if nat.low > 0 else 0.0


def base_year(
    base: Base,
    year: int,
    reports: Mapping[tuple[str, str, int, int], Report],
    reference: Reference,
    policy: Policy,
    as_of: dt.date,
) -> BaseYear:
    ks = kinds()
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    periods: list[PeriodState] = []
    filled = required = 0
    for k in ks:
        for part in range(1, k.parts + 1) if k.parts > 1 else (0,):
            period = k.period(year, part)
            p_start, p_end = period_span(period, k.spec)
            if not base.listed_during(p_start, p_end):
                continue
            due, source = period_deadline(period, k.spec)
            rep = reports.get((base.base_id, k.form.id, year, part))
            name = k.spec.file_name or k.spec.id
            if rep is None:
                state = NOT_DUE if due is not None and as_of <= due else MISSING
                periods.append(PeriodState(name, k.label(part), year, part, due, source, state))
                continue
            late = (rep.received - due).days if due is not None else 0
            periods.append(
                PeriodState(
                    name,
                    k.label(part),
                    year,
                    part,
                    due,
                    source,
                    LATE if late > 0 else ON_TIME,
                    max(late, 0),
                    rep.received,
                    rep.completeness,
                    rep.file,
                )
            )
            filled += rep.completeness[0]
            required += rep.completeness[1]
    figures = []
    lead = ks[0] if ks else None
    spec_figs = lead.spec.evaluation.figures if lead and lead.spec.evaluation else ()
    for f in spec_figs:
        value, source, counted, note, rep, fig = _year_value(reports, base, f.id, year, ks)
        prev, _, prev_ok, _, _, _ = _year_value(reports, base, f.id, year - 1, ks)
        unit = (lead.spec.field(f.field).unit if lead else None) or ""
        growth, how = None, ""
        if counted and value is not None and prev_ok and prev:
            growth, how = _growth(value, prev), "按上年报表核算"
        elif rep is not None and fig is not None and fig.growth is not None:
            reported = rep.usable(fig.growth)
            if reported is not None:
                why = "上年数值未计入合计" if prev is not None else "上年没有报表"
                growth, how = reported, f"报表填报，{why}"
        figures.append(
            FigureYear(
                id=f.id,
                label=f.label,
                unit=unit,
                value=value,
                source=source,
                counted=counted,
                note=note,
                previous=prev if prev_ok else None,
                growth=growth,
                growth_source=how,
                national_growth=_national_growth(reference, f.national, year)
                if f.national
                else None,
                share=_share(reference, f.national, year, value, unit)
                if f.national and value is not None and counted
                else None,
                national=f.national,
                goal=f.goal,
                watch=f.watch,
            )
        )
    by = BaseYear(
        base=base,
        year=year,
        status=base.status_on(end) or "尚未认定",
        changes=base.changed_on(start, end),
        periods=periods,
        figures=figures,
        completeness=(filled, required),
    )
    _enterprises(by, reports, ks)
    for k in ks:
        for part in range(1, k.parts + 1) if k.parts > 1 else (0,):
            rep = reports.get((base.base_id, k.form.id, year, part))
            if rep is not None:
                by.open_issues += [(f"{k.label(part)}（{rep.file}）", i) for i in rep.across]
    by.flags = _flags(by, policy)
    return by


def _enterprises(
    by: BaseYear, reports: Mapping[tuple[str, str, int, int], Report], ks: Sequence[Kind]
) -> None:
    """How many key enterprises the year's last quarterly report lists, and which of those
    listed earlier in the year (or in last year's last report) it no longer lists."""
    k = next(
        (k for k in ks if k.parts > 1 and k.spec.evaluation and k.spec.evaluation.enterprises), None
    )
    if k is None or k.spec.evaluation is None:
        return
    table, col = k.spec.evaluation.enterprises, k.spec.evaluation.enterprise_name
    assert table is not None and col is not None

    def names(rep: Report | None) -> list[str]:
        rows = rep.values.get(table) if rep is not None else None
        return [str(r[col]).strip() for r in rows or () if isinstance(r, Mapping) and r.get(col)]

    mine = [
        reports.get((by.base.base_id, k.form.id, by.year, part)) for part in range(1, k.parts + 1)
    ]
    present = [r for r in mine if r is not None]
    if not present:
        return
    last = present[-1]
    earlier = [names(r) for r in present[:-1]]
    before = reports.get((by.base.base_id, k.form.id, by.year - 1, k.parts))
    if before is not None:
        earlier.insert(0, names(before))
    now = {_ent_key(n) for n in names(last)}
    seen: dict[str, str] = {}
    for group in earlier:
        for n in group:
            seen.setdefault(_ent_key(n), n)
    by.enterprises = len(now)
    by.dropped = [n for key, n in seen.items() if key not in now]


def _flags(by: BaseYear, policy: Policy) -> list[Flag]:
    out: list[Flag] = []

    def add(kind: str, facts: str) -> None:
        out.append(Flag(kind, FLAGS[kind][0], facts, policy.describe(kind)))

    rule = policy.rule("missing")
    if rule is not None and len(by.missing) >= rule.value:
        add(
            "missing",
            "缺报："
            + "、".join(
                f"{p.label}（报送时限 {p.deadline.isoformat() if p.deadline else '未规定'}）"
                for p in by.missing
            ),
        )
    rule = policy.rule("late")
    late = [p for p in by.periods if p.state == LATE]
    if rule is not None and late and max(p.days_late for p in late) >= rule.value:
        add(
            "late",
            "逾期报送："
            + "、".join(
                f"{p.label}（时限 {p.deadline}，{p.received} 收到，逾期 {p.days_late} 天）"
                for p in late
                if p.days_late >= rule.value
            ),
        )
    rule = policy.rule("incomplete")
    filled, required = by.completeness
    if rule is not None and required and filled / required * 100 < rule.value:
        add("incomplete", f"必填数据 {required} 项中有 {filled} 项可用（{filled / required:.1%}）")
    for f in by.figures:
        if not f.watch or f.growth is None:
            continue
        rule = policy.rule("decline")
        prev = f"，{by.year - 1} 年 {f.previous:,.2f} {f.unit}" if f.previous is not None else ""
        nat = f"；全国同期 {_pct(f.national_growth[0])}" if f.national_growth is not None else ""
        facts = (
            f"{f.label} {by.year} 年 {_num(f.value)} {f.unit}{prev}，"
            f"同比 {_pct(f.growth)}（{f.growth_source}）{nat}"
        )
        if rule is not None and f.growth < rule.value:
            add("decline", facts)
        rule = policy.rule("below_nation")
        if (
            rule is not None
            and f.national_growth is not None
            and f.growth < f.national_growth[0] - rule.value
        ):
            add("below_nation", facts)
    rule = policy.rule("inconsistency")
    errors = [(w, i) for w, i in by.open_issues if i.severity == "error"]
    if rule is not None and len(errors) >= rule.value:
        add("inconsistency", "；".join(issue_text(w, i) for w, i in errors))
    rule = policy.rule("enterprises_dropped")
    if rule is not None and len(by.dropped) >= rule.value:
        add("enterprises_dropped", f"年内不再列出的重点企业：{'、'.join(by.dropped)}")
    return out


def _pct(v: float | None) -> str:
    if v is None:
        return "—"
    return f"{'+' if v > 0 else ''}{v:.2f}%"


# ---------------------------------------------------------------- the national view


@dataclass(frozen=True)
class GoalYear:
    year: int
    bases: int  # 在册 at the year's end
    target_bases: int
    counted: int  # bases with a counted goal figure for the year
    total: float | None  # their goal figure, in the national unit (亿美元)
    national: Figure | None
    share: tuple[float, float, float] | None
    target_share: float  # %
    left_out: tuple[str, ...] = ()  # bases 在册 without a counted figure, and why


def goal_years(
    bases: Sequence[Base],
    reports: Mapping[tuple[str, str, int, int], Report],
    reference: Reference,
    policy: Policy,
    upto: int,
    as_of: dt.date,
) -> list[GoalYear]:
    """The goal (通知一) for each of its years up to `upto` in which a base was 在册."""
    first = int(str(reference.notice.get("issued", "2006"))[:4])
    target_bases = int(reference.notice.get("target_bases", 100))
    target_share = float(reference.notice.get("target_hitech_share", 0.7)) * 100
    out = []
    for year in range(first, min(first + GOAL_YEARS - 1, upto) + 1):
        end = dt.date(year, 12, 31)
        listed = [b for b in bases if b.status_on(end) == IN_REGISTER]
        if not listed:
            continue
        total = 0.0
        counted = 0
        left: list[str] = []
        name = None
        for b in listed:
            by = base_year(b, year, reports, reference, policy, as_of)
            goal = next((f for f in by.figures if f.goal), None)
            if goal is None or goal.national is None:
                continue
            name = goal.national
            if goal.counted and goal.value is not None:
                total += to_national_unit(goal.value, goal.unit, goal.national)
                counted += 1
            else:
                left.append(f"{b.name}：{goal.note or '无全年数据'}")
        nat = _nat(reference, name, year) if name else None
        share = None
        if counted and nat is not None and nat.value > 0:
            share = (
                total / nat.value * 100,
                total / nat.high * 100,
                total / nat.low * 100 if nat.low > 0 else 0.0,
            )
        out.append(
            GoalYear(
                year=year,
                bases=len(listed),
                target_bases=target_bases,
                counted=counted,
                total=total if counted else None,
                national=nat,
                share=share,
                target_share=target_share,
                left_out=tuple(left),
            )
        )
    return out


# ---------------------------------------------------------------- the evaluation


@dataclass
class Evaluation:
    year: int
    unit: str | None
    as_of: dt.date
    policy: Policy
    bases: list[BaseYear]
    goal: list[GoalYear]
    series: dict[str, History]
    reference: Reference

    @property
    def flags(self) -> list[tuple[BaseYear, Flag]]:
        return [(b, f) for b in self.bases for f in b.flags]

    def to_json(self) -> dict[str, Any]:
        def fig(f: FigureYear) -> dict[str, Any]:
            return {
                "id": f.id,
                "label": f.label,
                "unit": f.unit,
                "value": f.value,
                "source": f.source,
                "counted": f.counted,
                "note": f.note,
                "previous": f.previous,
                "growth": f.growth,
                "growth_source": f.growth_source,
                "national_growth": f.national_growth,
                "share": f.share,
            }

        return {
            "formkit": __version__,
            "year": self.year,
            "unit": self.unit,
            "as_of": self.as_of.isoformat(),
            "policy": {
                k: {"value": r.value, "reason": r.reason, "by_policy": r.by_policy}
                for k, r in self.policy.rules.items()
            },
            "bases": [
                {
                    "id": b.base.base_id,
                    "name": b.base.name,
                    "unit": b.base.unit,
                    "status": b.status,
                    "changes": [
                        {"kind": e.kind, "date": e.date.isoformat(), "reason": e.reason}
                        for e in b.changes
                    ],
                    "periods": [
                        {
                            "form": p.kind,
                            "period": p.label,
                            "deadline": p.deadline.isoformat() if p.deadline else None,
                            "received": p.received.isoformat() if p.received else None,
                            "state": p.state,
                            "days_late": p.days_late,
                            "completeness": p.completeness,
                        }
                        for p in b.periods
                    ],
                    "completeness": b.completeness,
                    "figures": [fig(f) for f in b.figures],
                    "enterprises": b.enterprises,
                    "dropped": b.dropped,
                    "open_issues": [
                        {"where": w, "code": i.code, "severity": i.severity, "message": i.message}
                        for w, i in b.open_issues
                    ],
                    "flags": [
                        {"kind": f.kind, "title": f.title, "facts": f.facts, "standard": f.standard}
                        for f in b.flags
                    ],
                }
                for b in self.bases
            ],
            "goal": [
                {
                    "year": g.year,
                    "bases": g.bases,
                    "target_bases": g.target_bases,
                    "counted": g.counted,
                    "total": g.total,
                    "national": None if g.national is None else g.national.value,
                    "share": g.share,
                    "target_share": g.target_share,
                    "left_out": list(g.left_out),
                }
                for g in self.goal
            ],
        }


@dataclass(frozen=True)
class Point:
    label: str  # 2007年一季度 / 2007年
    values: Mapping[str, float | None]  # figure id -> value (None: none usable)
    marks: tuple[str, ...] = ()  # the register's changes in the period (认定 / 调整 / 撤销)


@dataclass(frozen=True)
class History:
    """A base's series: its quarters' own figures and its years', with status changes."""

    base: Base
    figures: tuple[tuple[str, str, str], ...]  # (id, label, unit) of the charted figures
    quarters: tuple[Point, ...]
    years: tuple[Point, ...]


_QUARTER_WORDS = ("一", "二", "三", "四")


def history(
    base: Base,
    reports: Mapping[tuple[str, str, int, int], Report],
    reference: Reference,
    upto: int,
) -> History:
    """Every period with a report up to `upto`, and every year the base was 在册 in."""
    ks = kinds()
    q = next((k for k in ks if k.parts > 1), None)
    lead = ks[0] if ks else None
    figs = [
        f
        for f in (lead.spec.evaluation.figures if lead and lead.spec.evaluation else ())
        if f.watch or f.goal
    ]
    shown = tuple(
        (f.id, f.label, (lead.spec.field(f.field).unit if lead else "") or "") for f in figs
    )
    first = base.recognised_on.year if base.recognised_on else base.year
    quarters = []
    if q is not None:
        years = sorted({y for (b, fid, y, _) in reports if b == base.base_id and fid == q.form.id})
        for year in years:
            if year > upto:
                continue
            for part in range(1, q.parts + 1):
                rep = reports.get((base.base_id, q.form.id, year, part))
                start, end = period_span(q.period(year, part), q.spec)
                marks = tuple(e.kind for e in base.changed_on(start, end))
                if rep is None and not marks:
                    continue
                values = {
                    f.id: (rep.usable(f.period_field or f.field) if rep is not None else None)
                    for f in figs
                }
                word = _QUARTER_WORDS[part - 1] if q.parts == 4 else str(part)
                quarters.append(Point(f"{year}年{word}季度", values, marks))
    yearly = []
    for year in range(first, upto + 1):
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        if not base.listed_during(start, end):
            continue
        totals: dict[str, float | None] = {}
        for f in figs:
            value, _, counted, _, _, _ = _year_value(reports, base, f.id, year, ks)
            totals[f.id] = value if counted else None
        yearly.append(
            Point(f"{year}年", totals, tuple(e.kind for e in base.changed_on(start, end)))
        )
    return History(base, shown, tuple(quarters), tuple(yearly))


def evaluate(
    ledger: Ledger,
    year: int,
    *,
    unit: str | None = None,
    reference: Reference,
    policy: Policy | None = None,
    as_of: dt.date | None = None,
) -> Evaluation:
    """The 定期评估 of `year`: every base 在册 on some day of it (of `unit`, if given)."""
    policy = policy or default_policy()
    as_of = as_of or dt.date.today()
    everyone = Register(ledger).bases()
    mine = [b for b in everyone if unit is None or b.unit == unit]
    reports = gather(ledger, everyone)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    listed = [b for b in mine if b.listed_during(start, end)]
    bases = [base_year(b, year, reports, reference, policy, as_of) for b in listed]
    return Evaluation(
        year=year,
        unit=unit,
        as_of=as_of,
        policy=policy,
        bases=bases,
        goal=goal_years(mine, reports, reference, policy, year, as_of),
        series={b.base_id: history(b, reports, reference, year) for b in listed},
        reference=reference,
    )


def write_json(path: str | os.PathLike[str], evaluation: Evaluation) -> None:

    text = json.dumps(evaluation.to_json(), ensure_ascii=False, indent=1)
    write_bytes_atomic(Path(path), text.encode("utf-8"))
