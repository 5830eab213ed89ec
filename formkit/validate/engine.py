"""The validation engine: generic field rules from the spec, then the form's own rule set.

Knows no field of any form by name: the spec says what is required, of which type and
unit; the form (`formkit.forms.Form`, given by the caller) holds the notice's rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from formkit.fields import PERCENT_RANGE
from formkit.issues import plain
from formkit.read.submission import Submission
from formkit.reference import Reference, load_reference
from formkit.spec import FormSpec
from formkit.spec.model import Bound
from formkit.validate.context import Context, Criterion, Rule, Status, label_of
from formkit.validate.plausible import plausibility

__all__ = [
    "MANUAL_VERDICT",
    "VERDICTS",
    "Checked",
    "Context",
    "Criterion",
    "Rules",
    "Status",
    "validate",
    "verdict",
]

VERDICTS = ("符合", "不符合", "待补充材料", "需人工判断")
MANUAL_VERDICT = "需人工判断"


class Rules(Protocol):
    """What validation needs of a form (a `formkit.forms.Form` is one): its spec and its
    rules within one workbook."""

    @property
    def spec(self) -> FormSpec: ...

    @property
    def rules(self) -> Sequence[Rule]: ...


@dataclass(frozen=True)
class Checked(Submission):
    """A submission after validation: the reading's issues and then validation's, the
    verdict, the criteria and what was computed. The Submission it was made from is
    unchanged. A rejected file is checked as it is (nothing to validate)."""


def validate(
    sub: Submission,
    form: Rules,
    *,
    reference: Reference | None = None,
    year: int | None = None,
    deadline: dt.date | None = None,
) -> Checked:
    """Every validation issue of an accepted submission, its verdict, criteria and computed
    values, by `form`'s spec and rules (the caller picks the form: formkit.forms.form_of).
    `sub` is left as it is. `deadline`: the date the collecting office set for this round's
    files (a file dated after it is late); None when none was given."""
    fields: dict[str, Any] = {
        f: getattr(sub, f) for f in sub.__dataclass_fields__ if f != "_digest"
    }
    if sub.status != "accepted":
        return Checked(**fields)
    spec = form.spec
    reference = reference or load_reference()
    year = year or (sub.form.year if sub.form and sub.form.year else None) or spec.default_year
    ctx = Context(sub, spec, reference, year, deadline=deadline)
    for check in (_required, _ranges, _lengths, plausibility, *form.rules):
        check(ctx)
    return Checked(
        **{
            **fields,
            "issues": ctx.issues,
            "criteria": tuple(c.to_json() for c in ctx.criteria),
            "computed": ctx.computed,
            "verdict": verdict(ctx.criteria),
        }
    )


def verdict(criteria: list[Criterion]) -> str | None:
    """不符合 if any criterion fails (even with others unknown or manual); 待补充材料 if any
    is unknown; 需人工判断 if any is left to a person ("manual"); 符合 only when all pass.

    A criterion left to a person never makes the verdict 不符合 and keeps it from 符合
    (`verdict_note` names it, whatever the verdict)."""
    if not criteria:
        return None
    if any(c.status == "fail" for c in criteria):
        return "不符合"
    if any(c.status == "unknown" for c in criteria):
        return "待补充材料"
    if any(c.status == "manual" for c in criteria):
        return MANUAL_VERDICT
    return "符合"


# ---------------------------------------------------------------- generic field rules


def _required(ctx: Context) -> None:
    # the fields the reading could not read (an error of its own)
    unreadable_fields = {i.field for i in ctx.sub.issues if i.severity == "error"}
    for f in ctx.spec.fields:
        if f.type == "group":
            continue
        value = ctx.value(f.id)
        unreadable = f.id in unreadable_fields
        if f.required and value is None and not unreadable:
            ctx.add("required_missing", f.id)
        if f.required_when is not None:
            other = ctx.value(f.required_when.field)
            condition = f"{label_of(ctx.spec, f.required_when.field)}为“{f.required_when.equals}”"
            if other == f.required_when.equals and value is None and not unreadable:
                ctx.add("required_when_missing", f.id, condition=condition)
            elif (
                f.type == "choice"
                and other is not None
                and other != f.required_when.equals
                and value is not None
            ):
                ctx.add(
                    "not_applicable",
                    f.id,
                    condition=f"{label_of(ctx.spec, f.required_when.field)}为“{other}”",
                    value=value,
                )


def _ranges(ctx: Context) -> None:
    """Signs of amounts; a percent field's range where the spec gives it none.

    A percent field's plausible range is its own, declared in the spec (`[[field.bound]]`
    min/max with the reasoning: a growth rate may be negative, a share is 0–100) and checked
    by `plausibility`; the generic PERCENT_RANGE is only the fallback for a percent field
    that declares no range.
    """
    low, high = PERCENT_RANGE

    def check(key: str, ftype: str, signed: bool, value: Any, bounds: tuple[Bound, ...]) -> None:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return
        if ftype in ("decimal", "integer") and not signed and value < 0:
            ctx.add("negative_value", key, value=value)
        if ftype != "percent":
            return
        own_range = any(b.kind == "range" for b in bounds)
        if not own_range and not low <= value <= high:
            ctx.add("percent_out_of_range", key, value=value, low=f"{low:g}", high=f"{high:g}")
        src = ctx.sub.sources.get(key)
        read_as_fraction = src is not None and src.how == "percent-fraction"
        if 0 < abs(value) < 1 and not read_as_fraction:
            # "20%" typed in a spreadsheet is stored as 0.2
            ctx.add("percent_looks_fraction", key, value=value, percent=plain(value * 100))

    for f in ctx.spec.fields:
        if f.type != "group":
            check(f.id, f.type, f.signed, ctx.value(f.id), f.bounds)
    for t in ctx.spec.tables:
        for i, row in enumerate(ctx.value(t.id) or []):
            for c in t.columns:
                if c.computed is None:
                    check(f"{t.id}[{i}].{c.id}", c.type, False, row.get(c.id), c.bounds)


def _lengths(ctx: Context) -> None:
    for f in ctx.spec.fields:
        value = ctx.value(f.id)
        if f.max_length is not None and isinstance(value, str) and len(value) > f.max_length:
            ctx.add(
                "text_too_long", f.id, value=f"{value[:20]}…", length=len(value), limit=f.max_length
            )
