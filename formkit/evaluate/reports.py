"""What the ledger holds for the evaluation: each base's current report of each period, of
every report form with an [evaluation] (its values, the fields with an error within the
file or across periods, when its first readable version arrived, its completeness)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from formkit.bases import Base
from formkit.bases.feed import base_for
from formkit.distribute import parse_period
from formkit.forms import Form, form_ids, get_form
from formkit.issues import Issue
from formkit.ledger import Ledger
from formkit.period import Period
from formkit.spec import FormSpec
from formkit.spec.model import EvaluationFigure


@dataclass(frozen=True)
class Report:
    """A base's current report for one period, as the ledger has it."""

    form_id: str
    year: int
    part: int  # the quarter (1-4), 0 for a yearly report
    values: Mapping[str, Any]
    unusable: frozenset[str]  # fields with an error (within the file or across periods)
    received: dt.date  # when its first readable version arrived
    file: str
    sha256: str
    across: tuple[Issue, ...] = ()
    completeness: tuple[int, int] = (0, 0)  # required values usable, required values

    def usable(self, field_id: str | None) -> float | None:
        if field_id is None or field_id in self.unusable:
            return None
        v = self.values.get(field_id)
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


@dataclass(frozen=True)
class Kind:
    """A report form as the evaluation uses it."""

    form: Form
    parts: int  # periods a year: 4 for quarters, 1 for a yearly report

    @property
    def spec(self) -> FormSpec:
        return self.form.spec

    def period(self, year: int, part: int) -> Period:
        return parse_period(f"{year}-{part}" if self.parts > 1 else str(year), self.spec)

    def label(self, part: int) -> str:
        if self.parts == 1:
            return self.spec.file_name or self.spec.id
        return str(self.spec.field(self.spec.roles.period[1]).choices[part - 1])

    def figure(self, fig_id: str) -> EvaluationFigure | None:
        ev = self.spec.evaluation
        return next((f for f in ev.figures if f.id == fig_id), None) if ev else None


def kinds() -> list[Kind]:
    """The report forms with an [evaluation]: the quarterly first, then the yearly."""
    out = []
    for fid in form_ids():
        spec = get_form(fid).spec
        if spec.evaluation is None or not spec.roles.period:
            continue
        parts = 1
        if len(spec.roles.period) == 2:
            parts = len(spec.field(spec.roles.period[1]).choices)
        out.append(Kind(get_form(fid), parts))
    return sorted(out, key=lambda k: -k.parts)


def _unusable(doc: Mapping[str, Any], extra: Iterable[Issue]) -> frozenset[str]:
    out: set[str] = set()
    for i in doc.get("issues") or ():
        if i.get("severity") == "error" and i.get("field"):
            out |= {str(i["field"]), *map(str, i.get("related") or ())}
    for i in extra:
        if i.severity == "error" and i.field:
            out |= {i.field, *i.related}
    return frozenset(out)


def _completeness(
    spec: FormSpec, values: Mapping[str, Any], bad: frozenset[str]
) -> tuple[int, int]:
    required = []
    for f in spec.fields:
        if f.type == "group":
            continue
        when = f.required_when
        if f.required or (when is not None and values.get(when.field) == when.equals):
            required.append(f.id)
    filled = sum(1 for f in required if values.get(f) not in (None, "") and f not in bad)
    return filled, len(required)


def gather(ledger: Ledger, bases: Sequence[Base]) -> dict[tuple[str, str, int, int], Report]:
    """(base id, form id, year, part) -> the current report, of every report form with an
    [evaluation]; reports of no base in `bases` are left out."""
    out: dict[tuple[str, str, int, int], Report] = {}
    across: dict[str, list[Issue]] = {}
    for kind in kinds():
        across.update(ledger.across_issues(kind.form.id))
    for kind in kinds():
        spec = kind.spec
        first: dict[tuple[str, int, int], dt.date] = {}
        keyed = []
        for r in ledger.files(kind.form.id):
            if r.status != "accepted":
                continue
            values = (r.submission or {}).get("values") or {}
            base = base_for(bases, r.unit, r.subject, _origin(values, spec))
            when = _period(values, kind)
            if base is None or when is None:
                continue
            key = (base.base_id, *when)
            day = r.received_at.astimezone().date()
            first[key] = min(first.get(key, day), day)
            if r.superseded_by is None:
                keyed.append((key, r, values))
        for key, r, values in keyed:
            found = tuple(across.get(r.sha256, ()))
            bad = _unusable(r.submission, found)
            out[(key[0], kind.form.id, key[1], key[2])] = Report(
                form_id=kind.form.id,
                year=key[1],
                part=key[2],
                values=values,
                unusable=bad,
                received=first[key],
                file=r.original_name,
                sha256=r.sha256,
                across=found,
                completeness=_completeness(spec, values, bad),
            )
    return out


def _origin(values: Mapping[str, Any], spec: FormSpec) -> str | None:
    o = values.get(spec.roles.origin or "")
    return str(o) if o else None


def _period(values: Mapping[str, Any], kind: Kind) -> tuple[int, int] | None:
    fields = kind.spec.roles.period
    try:
        year = int(values.get(fields[0]))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if kind.parts == 1:
        return year, 0
    choices = kind.spec.field(fields[1]).choices
    part = values.get(fields[1])
    return (year, choices.index(part) + 1) if part in choices else None
