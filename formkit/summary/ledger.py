"""The ledger's files as SummaryData: the one route from a ledger to a summary, for
`summary --db`, `recommend --db` and the web page alike."""

from __future__ import annotations

import dataclasses
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from formkit.forms import get_form
from formkit.issues import Issue
from formkit.ledger import Ledger
from formkit.read.submission import Submission, from_json
from formkit.reference import Reference
from formkit.summary.collect import Collector
from formkit.summary.kit import SummaryData


def from_ledger(
    db: str | os.PathLike[str],
    *,
    reference: Reference | None = None,
    unit: str | None = None,
    year: int | None = None,
    inputs: Sequence[str] | None = None,
    results: list[Submission] | None = None,
    form_id: str | None = None,
    period: Sequence[Any] | None = None,
    each: Callable[[Submission], None] | None = None,
) -> SummaryData:
    """The ledger's files as SummaryData: the one route from a ledger to a summary, for
    `summary --db`, `recommend --db` and the web page alike. The ledger's handles and
    received order go to the same collector a folder of files goes through, so the same
    file counts as in `status`. `results`, when given, receives each file's Submission
    (the issues across periods the summary finds are in `data.across`). `each`, when
    given, is called with each as it is read, instead of keeping it: a file of another
    reporting unit than `unit` then holds only its roles' values, no file its provenance,
    and the issues across periods are in `data.found_across` (by file, as
    `ledger_submissions` adds them).

    `form_id` (default: the ledger's form): the files of that form (the ledger's form_id of
    each file); a file whose form could not be told belongs to the ledger's own form. The
    files of other forms are counted in a note.

    One file at a time is read from the ledger: what is kept is what the summary shows
    (a record per file of the unit summarised, a row per other file)."""
    with Ledger(db, reference=reference) as ledger:
        reference = ledger.reference
        own = ledger.spec
        spec = get_form(form_id).spec if form_id else own
        dates = {f.id for f in spec.fields if f.type == "date"}
        roles = [r for r in (spec.roles.unit, spec.roles.subject, spec.roles.date) if r]
        roles += [r for r in spec.roles.period if r not in roles]

        def load(sha: str) -> Submission:
            found = ledger.file(sha)
            assert found is not None
            return from_json(found.submission, dates)

        def foreign(value: Any) -> str | None:
            """The other reporting unit a file of this unit value belongs to."""
            if not unit:
                return None
            known = reference.unit(str(value or ""))
            return known.name if known is not None and known.name != unit else None

        collector = Collector(spec=spec, reference=reference, load=load)
        elsewhere = 0
        unit_field = spec.roles.unit or ""
        # a file of another unit is listed, not summarised: its values are not read (but
        # for a caller that keeps every Submission); nor is any file's provenance, which
        # only the rules across periods use (they load their files again)
        lean = None if results is not None else (unit_field, foreign, roles)
        without = () if results is not None else ("provenance", "located")
        for r in ledger.iter_files(without=without, lean=lean):
            if (r.form_id or own.id) != spec.id:
                elsewhere += 1
                continue
            doc = r.submission
            values = doc.get("values") or {}
            accepted = doc.get("status") == "accepted"
            theirs = foreign(values.get(unit_field)) if accepted else None
            sub = from_json(doc, dates)
            # a web upload is stored under its SHA-256: it is shown by the name it was sent as
            given = ledger.upload_names([r.sha256]).get(r.sha256)
            if given:
                sub = dataclasses.replace(sub, file=str(Path(sub.file).with_name(given)))
            if r.fingerprint and theirs is None:
                sub.remember_digest(r.fingerprint)  # as the ledger computed it on receipt
            collector.add(
                sub,
                handle=r.sha256,
                received=(r.seq,),
                roster_id=r.roster_id,
                received_at=r.received_at,
                unit=theirs,
            )
            if results is not None:
                results.append(sub)
            if each is not None:
                each(sub)
        shown = [str(db)] if inputs is None else list(inputs)
        data = collector.finish(year=year, unit=unit, inputs=shown, period=period)
    data.found_across = [(sub.sha256, issue) for sub, issue in data.across]
    if elsewhere:
        data.notes.append(("台账中其他表单的文件", f"{elsewhere} 个，不属于本汇总的表单，未列入"))
    return data


def ledger_submissions(
    db: str | os.PathLike[str],
    *,
    form_id: str | None = None,
    found_across: Iterable[tuple[str, Issue]] = (),
) -> Iterator[Submission]:
    """The Submissions `from_ledger` handed out, again, one at a time: the ledger's files
    of the form, in received order, with the issues across periods found (for
    `summary --db --json`, written without holding every file)."""
    across: dict[str, list[Issue]] = defaultdict(list)
    for sha, issue in found_across:
        across[sha].append(issue)
    with Ledger(db) as ledger:
        own = ledger.spec
        spec = get_form(form_id).spec if form_id else own
        dates = {f.id for f in spec.fields if f.type == "date"}
        for r in ledger.iter_files():
            if (r.form_id or own.id) == spec.id:
                sub = from_json(r.submission, dates)
                more = across.get(r.sha256)
                yield dataclasses.replace(sub, issues=(*sub.issues, *more)) if more else sub
