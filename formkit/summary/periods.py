"""A periodic form's periods in the summary: as sortable numbers, as words, one step or a
year earlier; the period's totals compared with the period before (环比) and a year
earlier (同比), the subjects that did not report, the time series of the charts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from formkit.period import Period
from formkit.records import SummaryRecord, usable
from formkit.spec import FormSpec
from formkit.summary.kit import SummaryData, label, total
from formkit.supersession import name_key


def period_key(values: Mapping[str, Any], spec: FormSpec) -> tuple[int, ...] | None:
    """The key (formkit.period.Period.key) of the period a record reports on: (2007, 2) for
    2007 第二季度, the leading fields given; None when not even its year is."""
    period = Period.of(values, spec)
    return period.key if period is not None else None


def period_values(key: Sequence[int] | None, spec: FormSpec) -> tuple[Any, ...]:
    """A period's key back to its fields' values ((2007, "第二季度"))."""
    return Period.from_key(key, spec).given if key else ()


def period_text(values: Mapping[str, Any], spec: FormSpec) -> str:
    """The period a record reports on, as people write it: "2007年第二季度", "2007年"."""
    period = Period.of(values, spec)
    return period.words if period is not None else ""


def reading_periods(
    now: Period, spec: FormSpec, reach: Callable[[Period], Iterable[Period]] | None
) -> list[Period]:
    """The periods a summary of `now` shows, in time order: `now`, the periods its
    comparisons use (环比: the period before; 同比: a year earlier, as the layout's
    `[summary.compare]` asks) and those the form's rules across periods check these
    against (`reach`, Form.across_reach), with every period between the first of them and
    `now`, so the time series has no gap the ledger does not have."""
    compare = spec.summary.compare
    shown: list[Period | None] = [now]
    if compare is not None and compare.previous:
        shown.append(now.shift(steps=1))
    if compare is not None and compare.year_ago:
        shown.append(now.shift(years=1))
    needed = {p.key: p for p in shown if p is not None}
    if reach is not None:
        for p in list(needed.values()):
            needed.update((q.key, q) for q in reach(p))
    first = min(needed)
    span: list[Period] = []
    at: Period | None = Period.from_key(first, spec)
    while at is not None and at.key <= now.key and len(span) <= 4 * len(needed) + 8:
        span.append(at)
        at = at.shift(steps=-1)
    if not span or span[-1].key != now.key:  # a sub-period without choices: no steps
        return [needed[k] for k in sorted(needed)]
    return span


def period_words(period: Sequence[Any] | None) -> str:
    """The period's own words after its year ("第二季度"); "" for a form filed once a round
    or a yearly one."""
    return "".join(str(p) for p in (period or ())[1:])


def subject_key(rec: Mapping[str, Any], spec: FormSpec) -> str:
    """Who a record is about, across periods: its unit and subject, as supersession says."""
    unit = str(rec.get(spec.roles.unit or "") or "")
    subject = str(rec.get(spec.roles.subject or "") or "")
    return name_key(unit, subject) or f"file:{rec.get('_file')}"


def period_name(key: Sequence[int], spec: FormSpec) -> str:
    return Period.from_key(key, spec).words


def comparisons(data: SummaryData, spec: FormSpec) -> list[dict[str, Any]]:
    """One row per total of the layout: the period's total and, for the fields the layout
    compares, the total of the period before (环比) and of the same period a year earlier
    (同比) with the growth in percent (two decimals).

    A growth compares like with like: the subjects with a usable value (present, without
    an error) in both periods; the row's note names the others and why (no file for that
    period, or a value left out), and says when the comparison period has no file at all.
    """
    s = spec.summary
    now = period_key(dict(zip(spec.roles.period, data.period or (), strict=False)), spec)
    compare = s.compare
    by_period: dict[tuple[int, ...], dict[str, Mapping[str, Any]]] = defaultdict(dict)
    for rec in [*data.applications, *data.others]:
        k = period_key(rec, spec)
        if k is not None:
            by_period[k][subject_key(rec, spec)] = rec
    current = {subject_key(r, spec): r for r in data.applications}
    item = s.item
    rows = []
    for f in s.totals:
        f_spec = spec.field(f)
        row: dict[str, Any] = {
            "name": label(spec, f),
            "key": f,
            "unit": f_spec.unit or "",
            "now": total(data.applications, f),
            "count": sum(1 for r in data.applications if usable(r, f) is not None),
        }
        notes = []
        for kind, fields, what in (
            ("previous", compare.previous if compare else (), "环比"),
            ("year_ago", compare.year_ago if compare else (), "同比"),
        ):
            if f not in fields or now is None or len(now) < len(spec.roles.period):
                continue
            this = Period.from_key(now, spec)
            earlier = this.shift(steps=1) if kind == "previous" else this.shift(years=1)
            target = earlier.key if earlier is not None else None
            if target is None:
                notes.append(f"{what}：不知上一期，未计算")
                continue
            shown = period_name(target, spec)
            before = by_period.get(target, {})
            if not before:
                notes.append(f"{what}：缺{shown}的报表，未计算")
                continue
            pairs, missing, doubtful = [], [], []
            for key, rec in current.items():
                other = before.get(key)
                subject = str(rec.get(spec.roles.subject or "") or rec.get("_file"))
                if other is None:
                    missing.append(subject)
                elif usable(rec, f) is None or usable(other, f) is None:
                    doubtful.append(subject)
                else:
                    pairs.append((usable(rec, f) or 0.0, usable(other, f) or 0.0))
            then = round(sum(b for _a, b in pairs), 4)
            row[f"{kind}_total"] = then if pairs else None
            row[kind] = (
                round((sum(a for a, _b in pairs) / then - 1) * 100, 2) if pairs and then else None
            )
            parts = []
            if missing:
                parts.append(f"缺{shown}报表：{'、'.join(missing)}")
            if doubtful:
                parts.append(f"数值有错误或空白：{'、'.join(doubtful)}")
            if pairs and not then:
                parts.append(f"{shown}合计为 0")
            if parts:
                notes.append(f"{what}只比 {len(pairs)} 个{item}，不含" + "；".join(parts))
        row["note"] = "；".join(notes)
        rows.append(row)
    return rows


def not_reported(data: SummaryData, spec: FormSpec) -> str:
    """The subjects with a file of another period but none of this one, in words ("" when
    none): a base that stopped reporting is named, never silently absent."""
    now = {subject_key(r, spec) for r in data.applications}
    last: dict[str, SummaryRecord] = {}
    for rec in data.others:  # sorted by period: the latest stays
        key = subject_key(rec, spec)
        if key not in now:
            last[key] = rec
    if not last:
        return ""
    names = "、".join(
        f"{r.get(spec.roles.subject or '') or r.file}"
        f"（{r.get(spec.roles.unit or '') or ''}，"
        f"报表最近的期间：{r.period or period_text(r, spec)}）"
        for r in last.values()
    )
    return f"本期未报送、其他期间有报表的{spec.summary.item} {len(last)} 个：{names}。"


def series(
    records: Iterable[Mapping[str, Any]], spec: FormSpec, keys: Sequence[str]
) -> list[dict[str, Any]]:
    """Totals of `keys` per period present, in time order (values with errors left out)."""
    groups: dict[tuple[int, ...], list[Mapping[str, Any]]] = defaultdict(list)
    for rec in records:
        k = period_key(rec, spec)
        if k is not None and len(k) == len(spec.roles.period):
            groups[k].append(rec)
    out = [
        {"name": period_name(k, spec), "count": len(g), **{f: total(g, f) for f in keys}}
        for k, g in sorted(groups.items())
    ]
    # a period with no file at all between two that have one is shown, empty and named,
    # never skipped: the series would otherwise join its neighbours as if it were not due
    last = spec.field(spec.roles.period[-1]) if spec.roles.period else None
    if len(groups) < 2 or last is None or not last.choices or len(spec.roles.period) != 2:
        return out
    n = len(last.choices)
    first, end = min(groups), max(groups)
    filled, at = [], first
    by_key = dict(zip(sorted(groups), out, strict=True))
    while at <= end:
        filled.append(
            by_key.get(at)
            or {"name": f"{period_name(at, spec)}（无报表）", "count": 0, **dict.fromkeys(keys)}
        )
        at = (at[0] + 1, 1) if at[1] >= n else (at[0], at[1] + 1)
    return filled
