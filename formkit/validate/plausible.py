"""Plausibility of every number, by the bounds the spec declares (with their sources).

Generic: a field or table column declares `[[…bound]]` entries (an absolute range, a value
per another field, a ratio to another field, a share of a national figure of the year) and
`slips`, units a person may have typed instead of the column's own. A value outside a bound
whose conversion from a slip unit lands inside every bound is reported as a unit slip with
the likely intended value; otherwise as implausible, citing the bound's source.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from formkit.issues import plain
from formkit.parse import SLIP_UNITS, UNITS
from formkit.reference import NATIONAL_LABELS, NATIONAL_UNITS
from formkit.spec.model import Bound
from formkit.validate.context import Context


@dataclass(frozen=True)
class _Target:
    key: str  # value key: "sales_total", "history[2].export_value"
    label: str
    unit: str | None
    bounds: tuple[Bound, ...]
    slips: tuple[str, ...]
    row: dict[str, Any] | None


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _fmt(x: float) -> str:
    """A derived number to about four significant digits, without an exponent."""
    if x == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(x)))
    return plain(round(x, max(0, 3 - magnitude)))


def _limits(lo: float | None, hi: float | None, unit: str) -> str:
    unit = f" {unit}" if unit else ""
    if lo is not None and hi is not None:
        return f"超出合理范围 {_fmt(lo)}–{_fmt(hi)}{unit}"
    if lo is not None:
        return f"小于合理下限 {_fmt(lo)}{unit}"
    return f"大于合理上限 {_fmt(hi or 0)}{unit}"


def _targets(ctx: Context) -> Iterator[tuple[_Target, float]]:
    # only the bounded fields and columns are looked at (most of a form's are not)
    for f in ctx.spec.fields:
        if not f.bounds:
            continue
        v = _num(ctx.value(f.id))
        if v is not None and not ctx.has_error(f.id):
            yield _Target(f.id, f.label, f.unit, f.bounds, f.slips, None), v
    for t in ctx.spec.tables:
        bounded = [c for c in t.columns if c.bounds]
        if not bounded:
            continue
        for i, row in enumerate(ctx.value(t.id) or []):
            for c in bounded:
                v = _num(row.get(c.id))
                key = f"{t.id}[{i}].{c.id}"
                if v is not None and not ctx.has_error(key):
                    yield _Target(key, c.label, c.unit, c.bounds, c.slips, row), v


class _Missing(Exception):
    """A bound whose other operand is unknown: it neither passes nor fails."""


def _check(ctx: Context, t: _Target, b: Bound, value: float) -> str | None:
    """None if `value` is within the bound, else the reason (Chinese); _Missing if unknowable."""
    unit = t.unit or ""
    if b.allow_zero and value == 0:
        return None
    if b.kind == "range":
        if (b.min is not None and value < b.min) or (b.max is not None and value > b.max):
            return _limits(b.min, b.max, unit)
        return None
    if b.kind == "national":
        assert b.national is not None and b.max_share is not None
        year = ctx.year - 1
        if b.year_from and t.row is not None and b.year_from in t.row:
            y = t.row.get(b.year_from)
            year = y if isinstance(y, int) else year
        elif b.year_from:
            found = ctx.until_next_issue(("year", b.year_from), lambda: _form_year(ctx, b))
            if found is None:
                raise _Missing
            year = found
        nat = ctx.reference.national.get(year)
        fig = nat.figure(b.national) if nat else None
        if fig is None:
            _missing_national(ctx, t.key, year, b.national)
            raise _Missing
        nat_unit = NATIONAL_UNITS[b.national]
        if t.unit is None or UNITS[t.unit][0] != UNITS[nat_unit][0]:
            raise _Missing
        in_nat = value * UNITS[t.unit][1] / UNITS[nat_unit][1]
        # an approximate national figure: only beyond its margin is a value beyond it
        limit = (fig.value + fig.margin) * b.max_share
        if in_nat > limit:
            share = "" if b.max_share == 1 else f"的 {b.max_share * 100:g}%"
            what = NATIONAL_LABELS[b.national]
            return f"大于全国 {year} 年{what} {fig.describe()} {nat_unit}{share}"
        return None
    other_id = b.per or b.ratio
    assert other_id is not None
    other = _num(ctx.value(other_id))
    if other is None or other == 0 or ctx.has_error(other_id) or _doubted(ctx, other_id):
        raise _Missing
    other_field = ctx.spec.field(other_id)
    if b.per:
        x = value / other
        shown = f"按{other_field.label} {plain(other)} 计，平均每{other_field.unit or ''}"
        shown += f" {_fmt(x)} {b.unit or ''}".rstrip()
    else:
        if t.unit is None or other_field.unit is None:
            raise _Missing
        x = (value * UNITS[t.unit][1]) / (other * UNITS[other_field.unit][1])
        shown = f"为{other_field.label} {plain(other)} {other_field.unit} 的 {_fmt(x)} 倍"
    if (b.min is not None and x < b.min) or (b.max is not None and x > b.max):
        return f"{shown}，{_limits(b.min, b.max, (b.unit or '') if b.per else '倍')}"
    return None


_DOUBT = frozenset({"unit_slip", "unit_slip_small", "implausible_value"})


def _form_year(ctx: Context, b: Bound) -> int | None:
    """The year a bound takes from a field of the form (a report's 报告年度); None when it
    is not given or doubtful: no national figure to compare with."""
    assert b.year_from is not None
    y = ctx.value(b.year_from)
    doubtful = ctx.has_error(b.year_from) or _doubted(ctx, b.year_from)
    return None if not isinstance(y, int) or isinstance(y, bool) or doubtful else y


def _doubted(ctx: Context, field_id: str) -> bool:
    """A field already reported implausible: other bounds do not lean on it."""
    return ctx.doubted(field_id, _DOUBT)


def _missing_national(ctx: Context, key: str, year: int, name: str) -> None:
    if not any(
        i.code == "national_figure_missing"
        and i.params.get("year") == year
        and i.params.get("what") == f"全国{NATIONAL_LABELS[name]}"
        for i in ctx.issues
    ):
        ctx.add(
            "national_figure_missing",
            key,
            year=year,
            what=f"全国{NATIONAL_LABELS[name]}",
            use="与之比较的合理性检查",
        )


def _violations(ctx: Context, t: _Target, value: float) -> list[tuple[Bound, str]]:
    out = []
    for b in t.bounds:
        try:
            reason = _check(ctx, t, b, value)
        except _Missing:
            continue
        if reason is not None:
            out.append((b, reason))
    return out


def plausibility(ctx: Context) -> None:
    """Every bounded number against its bounds; a unit slip named with its likely value."""
    for t, value in _targets(ctx):
        broken = _violations(ctx, t, value)
        if not broken:
            continue
        severity = "error" if any(b.severity == "error" for b, _ in broken) else "warning"
        # the most severe bound says why (the first declared of that severity)
        bound, reason = next((b, r) for b, r in broken if b.severity == severity)
        source = bound.source
        slip = _slip(ctx, t, value)
        if slip is not None:
            wrong, likely = slip
            ctx.add(
                "unit_slip" if likely < value else "unit_slip_small",
                t.key,
                value=value,
                shown=plain(value),
                unit=t.unit or "",
                reason=reason,
                wrong=wrong,
                likely=plain(likely),
                source=source,
                severity=severity,
            )
        else:
            ctx.add(
                "implausible_value",
                t.key,
                value=value,
                shown=plain(value),
                unit=t.unit or "",
                reason=reason,
                source=source,
                severity=severity,
            )


def _slip(ctx: Context, t: _Target, value: float) -> tuple[str, float] | None:
    """The slip unit whose conversion puts `value` inside every bound, with that value."""
    if t.unit is None:
        return None
    for wrong in t.slips:
        # the units are powers of ten: shifted exactly, as the person would have written it
        # (98000.25 万美元 typed as 9.800025 亿美元 is 98000.25 again, not 98000.2)
        shift = Decimal(repr(SLIP_UNITS[wrong][1])) / Decimal(repr(UNITS[t.unit][1]))
        likely = float(Decimal(repr(value)) * shift)
        checked = 0
        ok = True
        for b in t.bounds:
            try:
                if _check(ctx, t, b, likely) is not None:
                    ok = False
                    break
                checked += 1
            except _Missing:
                continue
        if ok and checked:
            return wrong, likely
    return None
