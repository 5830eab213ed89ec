"""The validation engine: generic field rules from the spec, then the form's own rule set.

Knows no field of any form by name: the spec says what is required, of which type and
unit; the form's rules module (named in the spec) holds the notice's rules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from formkit.fields import PERCENT_RANGE
from formkit.issues import Issue, make_issue
from formkit.read.submission import Submission
from formkit.reference import Reference, load_reference
from formkit.spec import FormSpec
from formkit.spec.model import Bound

# "manual": the notice's criterion cannot be decided from the form and the reference data
# (the notice gives no number, or the figure that would decide it is not known); the facts
# are shown for a person to judge (需人工判断). It never makes the verdict 不符合, and an
# application with one unsettled is never 符合: its verdict is 需人工判断 until a person decides
Status = Literal["pass", "fail", "unknown", "manual"]
VERDICTS = ("符合", "不符合", "待补充材料", "需人工判断")
MANUAL_VERDICT = "需人工判断"


@dataclass(frozen=True)
class Criterion:
    id: str
    clause: str
    title: str
    status: Status
    detail: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "clause": self.clause,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }


@dataclass
class Context:
    """What a rule sees: the submission, its spec, the reference data, the reporting year."""

    sub: Submission
    spec: FormSpec
    reference: Reference
    year: int
    criteria: list[Criterion] = field(default_factory=list)
    # the deadline the collecting office set for this round's files (--deadline), if given
    deadline: dt.date | None = None
    computed: dict[str, Any] = field(default_factory=dict)

    def value(self, key: str) -> Any:
        return self.sub.values.get(key)

    def where(self, key: str) -> dict[str, Any]:
        """Location params for make_issue: the cell a value came from, or the spec's cell."""
        src = self.sub.sources.get(key)
        fid = key.split("[")[0].split(".")[0]
        label = _label(self.spec, key)
        if src is not None:
            return {"field": fid, "sheet": src.sheet, "cell": src.cell, "label": label}
        entry = self.spec._by_id.get(fid)
        if entry is None:
            return {"field": fid, "label": label}
        sheet = self.sub.located_sheet(entry.sheet) or self.spec.sheet(entry.sheet).name
        return {"field": fid, "sheet": sheet, "cell": _template_cell(entry, key), "label": label}

    def add(self, code: str, key: str, *, related: tuple[str, ...] = (), **params: Any) -> Issue:
        # the value key ("key_enterprises[1].export_value_q") stays with the issue, so a
        # table row's problems can be shown beside that row
        issue = make_issue(code, **self.where(key), related=related, at_key=key, **params)
        self.sub.issues.append(issue)
        return issue

    def has_error(self, *keys: str) -> bool:
        """A value an error-severity issue already points at (so a criterion cannot rely on it).

        Keys are value keys ("export_value", "history[2].hitech_export_value"); an issue
        concerns one when it names the cell the value came from.
        """
        cells = {(s.sheet, s.cell) for k in keys if (s := self.sub.sources.get(k)) is not None}
        plain = {k for k in keys if "[" not in k and "." not in k}
        return any(
            i.severity == "error"
            and ((i.sheet, i.cell) in cells or (i.field in plain and i.cell is None))
            for i in self.sub.issues
        )


def _template_cell(entry: Any, key: str) -> str:
    """The template's cell for a value key with no source: a group item's own cell, a table
    row's column cell, else the entry's first cell."""
    from formkit.cells import Cell
    from formkit.spec.model import Table

    m = re.fullmatch(r"\w+\[(\d+)\]\.(\w+)", key)
    if isinstance(entry, Table) and m:
        rows, col = entry.input_rows, m.group(2)
        if int(m.group(1)) < len(rows) and col in {c.id for c in entry.columns}:
            return Cell(rows[int(m.group(1))], entry.column(col).first_col).a1
    if not isinstance(entry, Table) and "." in key and entry.items:
        item = next((i for i in entry.items if i.id == key.rsplit(".", 1)[-1]), None)
        if item is not None:
            return str(item.area.first.a1)
    return str(entry.area.first.a1)


def _label(spec: FormSpec, key: str) -> str:
    fid = key.split("[")[0].split(".")[0]
    try:
        f = spec.field(fid)
    except KeyError:
        try:
            t = spec.table(fid)
        except KeyError:
            return fid
        col = key.rsplit(".", 1)[-1] if "." in key else None
        return t.column(col).label if col and col in {c.id for c in t.columns} else t.label
    if "." in key and f.items:
        item = key.rsplit(".", 1)[-1]
        return next((i.label for i in f.items if i.id == item), f.label)
    return f.label


def validate(
    sub: Submission,
    *,
    spec: FormSpec | None = None,
    reference: Reference | None = None,
    year: int | None = None,
    deadline: dt.date | None = None,
) -> Submission:
    """Add every validation issue to an accepted submission and set verdict, criteria, computed.

    `deadline`: the date the collecting office set for this round's files (a file dated
    after it is late); None when none was given."""
    if sub.status != "accepted":
        return sub
    spec = spec or _spec_of(sub)
    reference = reference or load_reference()
    year = year or (sub.form.year if sub.form and sub.form.year else None) or spec.default_year
    ctx = Context(sub, spec, reference, year, deadline=deadline)
    from formkit.validate.plausible import plausibility

    for check in (_required, _ranges, _lengths, plausibility):
        check(ctx)
    for rule in _form_rules(spec):
        rule(ctx)
    sub.criteria = [c.to_json() for c in ctx.criteria]
    sub.computed = ctx.computed
    sub.verdict = verdict(ctx.criteria)
    return sub


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


def _spec_of(sub: Submission) -> FormSpec:
    from formkit.forms import spec_of

    return spec_of(sub)


def _form_rules(spec: FormSpec) -> list[Callable[[Context], None]]:
    from formkit.forms import form_of

    return list(form_of(spec).rules)


# ---------------------------------------------------------------- generic field rules


def _required(ctx: Context) -> None:
    for f in ctx.spec.fields:
        if f.type == "group":
            continue
        value = ctx.value(f.id)
        unreadable = any(i.field == f.id and i.severity == "error" for i in ctx.sub.issues)
        if f.required and value is None and not unreadable:
            ctx.add("required_missing", f.id)
        if f.required_when is not None:
            other = ctx.value(f.required_when.field)
            condition = f"{_label(ctx.spec, f.required_when.field)}为“{f.required_when.equals}”"
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
                    condition=f"{_label(ctx.spec, f.required_when.field)}为“{other}”",
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
        own_range = any(b.kind == "range" for b in bounds)
        if ftype == "percent" and not own_range and not low <= value <= high:
            ctx.add("percent_out_of_range", key, value=value, low=f"{low:g}", high=f"{high:g}")
        src = ctx.sub.sources.get(key)
        read_as_fraction = src is not None and src.how == "percent-fraction"
        if ftype == "percent" and 0 < abs(value) < 1 and not read_as_fraction:
            # "20%" typed in a spreadsheet is stored as 0.2
            ctx.add("percent_looks_fraction", key, value=value, percent=f"{value * 100:g}")

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
