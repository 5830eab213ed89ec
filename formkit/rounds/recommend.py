"""The recommendation (通知六(三)): which applications each reporting unit recommends, in
which order, and the documents that carry it (the 申报书's 推荐文件 and 报部名单).
`formkit recommend`, `formkit roster --recommended` and the province's 推荐文件 page all
decide here.

The decision and its documents are the form's own (`Form.documents.recommendation`): this
module names no form. From the ledger the form proposes (ranking key, quota); from
provincial summaries the decision columns a person may have edited are read back
(`settle`), and a summary made before those columns existed gets the form's proposal.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from formkit.forms import Form, Ranking, Recommendation, get_form
from formkit.records import SummaryRecord
from formkit.reference import Reference
from formkit.rollup import NotASummary, read_summary
from formkit.summary.ledger import from_ledger

__all__ = [
    "Decision",
    "NoRecommendation",
    "NotASummary",
    "UnitDecision",
    "decide_from_ledger",
    "decide_from_summaries",
    "document",
    "document_kinds",
    "ranking",
    "recommendation_of",
    "recommended_pairs",
    "write_unit_documents",
]


class NoRecommendation(ValueError):
    """A form that decides no recommendation (its message in Chinese)."""


def recommendation_of(form: Form) -> Recommendation:
    """The form's recommendation; raises NoRecommendation for a form without one."""
    found = form.documents.recommendation
    if found is None:
        title = form.spec.file_name or form.id
        raise NoRecommendation(f"{title}没有推荐决定（只有申报书按通知六(三)推荐）。")
    return found


def ranking(form: Form, rank_by: str | None = None) -> Ranking:
    """The ranking key of `--rank-by` (None: the form's default); raises ValueError (its
    message in Chinese) for a key the form does not know."""
    return recommendation_of(form).rank_key(rank_by)


def document_kinds(form: Form) -> tuple[str, ...]:
    """The keys the documents of one unit are downloaded by (the web page's routes)."""
    found = form.documents.recommendation
    return tuple(found.documents) if found is not None else ()


@dataclass(frozen=True)
class UnitDecision:
    """One reporting unit's applications with their decision (推荐次序, 推荐意见, 理由)."""

    unit: str  # "" when the files name no reporting unit
    apps: list[SummaryRecord]
    year: int
    recommended: str  # the decision that recommends (the form's "推荐")

    @property
    def ordered(self) -> list[SummaryRecord]:
        """In 推荐次序, then the others."""
        return sorted(self.apps, key=lambda a: (a.get("_rank") is None, a.get("_rank") or 0))

    @property
    def tag(self) -> str:
        """The name in the documents' file names."""
        return self.unit or "全国"

    @property
    def chosen(self) -> int:
        return sum(1 for a in self.apps if a.get("_decision") == self.recommended)


@dataclass(frozen=True)
class Decision:
    units: list[UnitDecision]
    key: str  # the ranking key in words
    # a decision that could not be read, a quota exceeded (from summaries; Chinese)
    problems: list[str] = field(default_factory=list)

    def unit(self, name: str | None) -> UnitDecision | None:
        """A unit by name; with no name, the only one (None when there are several)."""
        if name is None:
            return self.units[0] if len(self.units) == 1 else None
        return next((u for u in self.units if u.unit == name), None)


def _decision(
    rec: Recommendation,
    apps: list[SummaryRecord],
    year: int,
    unit: str | None,
    key: Ranking,
    problems: list[str],
) -> Decision:
    # the form groups the records it is given: each member is one of `apps`
    units = [
        UnitDecision(name, cast(list[SummaryRecord], members), year or 2006, rec.recommended)
        for name, members in rec.by_unit(apps, unit)
    ]
    return Decision(units, key.shown, problems)


def decide_from_ledger(
    db: str | os.PathLike[str],
    form: Form,
    *,
    reference: Reference,
    unit: str | None = None,
    key: Ranking | None = None,
    inputs: Sequence[str] | None = None,
) -> Decision:
    """The form's proposal for the ledger's current applications (of reporting unit `unit`,
    if given): the same files as `formkit summary --db`, ranked by `key`, within quota."""
    rec = recommendation_of(form)
    key = key or rec.rank_key(None)
    data = from_ledger(db, reference=reference, unit=unit, inputs=inputs, form_id=form.id)
    rec.propose(data.applications, reference=reference, key=key)
    return _decision(rec, data.applications, data.year, unit, key, [])


def decide_from_summaries(
    paths: Iterable[str | os.PathLike[str]],
    form: Form,
    *,
    reference: Reference,
    unit: str | None = None,
    key: Ranking | None = None,
) -> tuple[Decision, bool]:
    """The decision the summaries record (the columns a person may have edited), and
    whether they record one (False: made before the decision columns, so the form
    proposed, ranking by `key`). Raises NotASummary naming the file."""
    rec = recommendation_of(form)
    apps: list[SummaryRecord] = []
    year = 0
    for path in paths:
        try:
            part = read_summary(Path(path))[1]
        except NotASummary as exc:
            raise NotASummary(f"{path}：{exc}") from None
        apps += part.applications
        year = year or part.year
    key = key or rec.rank_key(None)
    if any(a.get("_proposed_decision") for a in apps):
        problems = rec.settle(apps, reference=reference).problems
        return _decision(rec, apps, year, unit, key, problems), True
    rec.propose(apps, reference=reference, key=key)
    return _decision(rec, apps, year, unit, key, []), False


def recommended_pairs(
    path: str | os.PathLike[str], app_form: str | None, *, reference: Reference
) -> tuple[list[tuple[str, str]], list[str]]:
    """(unit, subject) of the applications a provincial summary marks recommended, read
    back as `formkit recommend` reads them (the person's decisions, else the form's
    proposal), and the problems reading the decisions. Raises NotASummary naming the file."""
    form = get_form(app_form)
    rec = recommendation_of(form)
    try:
        apps = read_summary(Path(path), app_form)[1].applications
    except NotASummary as exc:
        raise NotASummary(f"{path}：{exc}") from None
    problems: list[str] = []
    if any(a.get("_proposed_decision") for a in apps):
        problems = rec.settle(apps, reference=reference).problems
    else:
        rec.propose(apps, reference=reference, key=rec.rank_key(None))
    roles = form.spec.roles
    pairs = []
    for a in apps:
        if a.get("_decision") == rec.recommended:
            found = reference.unit(str(a.get(roles.unit) or ""))
            name = str(a.get(roles.subject) or "")
            pairs.append((found.name if found is not None else str(a.get(roles.unit)), name))
    return pairs, problems


def row_text(form: Form, app: Mapping[str, Any]) -> tuple[str, str]:
    """(who applies, the application's type) as the decision table shows them."""
    return recommendation_of(form).shown(app)


def write_unit_documents(
    form: Form,
    unit: UnitDecision,
    output: str | os.PathLike[str],
    *,
    contact: str = "",
    phone: str = "",
    date: dt.date | None = None,
    authority: str | None = None,
    signer: str = "",
    doc_code: str = "",
) -> tuple[Any, list[str]]:
    """The unit's documents in `output` (the 申报书's 推荐文件, a 请示, and its 报部名单), and
    what the sender should know about them (the 发文机关 taken, reasons left blank)."""
    rec = recommendation_of(form)
    info = rec.particulars(
        unit.year, unit.unit or None, contact, phone, date, authority, signer, doc_code
    )
    return rec.write(unit.apps, info, Path(output)), rec.notes(unit.apps, info)


def document(form: Form, unit: UnitDecision, kind: str) -> tuple[str, bytes]:
    """(file name, bytes) of one of the unit's documents (`kind`: one of document_kinds),
    as `formkit recommend --db` writes it (the particulars left blank to fill in)."""
    rec = recommendation_of(form)
    doc = rec.documents[kind]
    info = rec.particulars(unit.year, unit.unit or None)
    return f"{doc.name}-{unit.tag}{doc.suffix}", doc.build(unit.apps, info)
