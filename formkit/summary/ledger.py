"""The ledger's files as SummaryData: the one route from a ledger to a summary, for
`summary --db`, `recommend --db` and the web page alike."""

from __future__ import annotations

import dataclasses
import os
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from formkit.forms import Across, Form, get_form
from formkit.issues import Issue
from formkit.ledger import Ledger
from formkit.period import Period
from formkit.read.submission import Submission, from_json
from formkit.reference import Reference
from formkit.spec import FormSpec
from formkit.summary.collect import Collector
from formkit.summary.kit import SummaryData
from formkit.summary.periods import period_key, reading_periods
from formkit.supersession import sortable_period


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
    (a record per file of the unit summarised, a row per other file).

    A periodic form: only the files of the periods the summary shows are read (the period
    summarised, by default the latest of the unit's; the periods its comparisons use; those
    the form's rules across periods check them against: `reading_periods`), with the files
    that do not say their period; the files of other periods are counted in a note. The
    rules across periods report only on files whose periods they can check in full: the
    summary is the same whatever history the ledger holds before those periods."""
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
        window = _window(ledger, spec, year, period, foreign)
        keys = None
        outside = elsewhere = 0
        if window is not None:  # the files of those periods only, the others counted
            keys = tuple(p.sortable for p in window)
            period = window[-1].given
            outside = ledger.count_outside(spec.id, keys)
            elsewhere = ledger.count_other_forms(spec.id)
            collector.across = _judged(collector.across, keys, get_form(spec.id), spec)
        unit_field = spec.roles.unit or ""
        # a ledger that collects for several units (each with roster entries): the files of
        # the others belong to their own summaries and are counted in a note, not listed
        others = _other_units(ledger, spec, unit, reference)
        apart = (unit, others) if unit and others else None
        # a file of another unit is listed, not summarised: its values are not read (but
        # for a caller that keeps every Submission); nor is any file's provenance, which
        # only the rules across periods use (they load their files again)
        lean = None if results is not None else (unit_field, foreign, roles)
        without = () if results is not None else ("provenance", "located")
        form = None if keys is None else (spec.id, keys)
        for r in ledger.iter_files(without=without, lean=lean, form=form, apart=apart):
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
        theirs_apart = {} if apart is None else ledger.count_apart(*apart, (spec.id, keys))
        shown = [str(db)] if inputs is None else list(inputs)
        data = collector.finish(year=year, unit=unit, inputs=shown, period=period)
    data.found_across = [(sub.sha256, issue) for sub, issue in data.across]
    data.read_periods = keys
    if outside:
        assert window is not None
        data.notes.append(
            (
                "台账中其他报告期的文件",
                f"{outside} 个，不属于本期汇总（列入明细的为{window[0].words}至"
                f"{window[-1].words}），未列入",
            )
        )
    if theirs_apart:
        counts = "、为".join(f"{u}的 {n} 个" for u, n in theirs_apart.items())
        data.notes.append(
            (
                "台账中名单内其他单位的文件",
                f"{spec.roles.unit_label}为{counts}，由各自的汇总列出，不属于本汇总，未列入",
            )
        )
    if elsewhere:
        data.notes.append(("台账中其他表单的文件", f"{elsewhere} 个，不属于本汇总的表单，未列入"))
    return data


def _other_units(
    ledger: Ledger, spec: FormSpec, unit: str | None, reference: Reference
) -> list[str]:
    """The units other than `unit` the ledger has roster entries of, for this form."""
    if not unit:
        return []
    named = set()
    for u in ledger.roster_units(spec.id):
        known = reference.unit(u)
        named.add(known.name if known is not None else u)
    return sorted(named - {unit})


def _window(
    ledger: Ledger,
    spec: FormSpec,
    year: int | None,
    period: Sequence[Any] | None,
    foreign: Callable[[Any], str | None],
) -> list[Period] | None:
    """The periods a periodic form's summary reads, in time order, the one summarised last
    (`reading_periods`); None: every file (a form filed once a round; one whose rules
    across periods do not say how far back they look; a ledger without a file that says
    its period). The period summarised: `period` when whole, else the latest of the
    unit's accepted files (within `period`'s or `year`'s year, when given), as
    Collector.finish chooses it."""
    fields = spec.roles.period
    form = get_form(spec.id)
    if not fields or (form.across is not None and form.across_reach is None):
        return None
    given = tuple(period or ((year,) if year else ()))
    asked = period_key(dict(zip(fields, given, strict=False)), spec) or ()
    if len(asked) == len(fields):
        now = Period.from_key(asked, spec)
    else:
        present = [k for k, u in ledger.period_units(spec.id) if u is None or foreign(u) is None]
        keys = [Period.from_sortable(k, spec) for k in present]
        within = [p for p in keys if p.key[: len(asked)] == asked]
        if not within:
            return None
        now = max(within, key=lambda p: p.key)
    return reading_periods(now, spec, form.across_reach)


def _judged(
    across: Across | None, keys: Collection[str], form: Form, spec: FormSpec
) -> Across | None:
    """The form's rules across periods, reporting only on the files of the periods read
    whose every period they check against was read too (a file of the first periods read
    would be checked against part of its history only)."""
    if across is None or form.across_reach is None:
        return across
    reach = form.across_reach
    whole = {
        k for k in keys if all(p.sortable in keys for p in reach(Period.from_sortable(k, spec)))
    }

    def within(
        history: Sequence[Submission], reference: Reference
    ) -> list[tuple[Submission, Issue]]:
        found = across(history, reference)
        return [(sub, i) for sub, i in found if sortable_period(sub.values, spec) in whole]

    return within


def ledger_submissions(
    db: str | os.PathLike[str],
    *,
    form_id: str | None = None,
    found_across: Iterable[tuple[str, Issue]] = (),
    periods: Collection[str] | None = None,
) -> Iterator[Submission]:
    """The Submissions `from_ledger` handed out, again, one at a time: the ledger's files
    of the form (of `periods` only, when given: the summary's `read_periods`), in received
    order, with the issues across periods found (for `summary --db --json`, written
    without holding every file)."""
    across: dict[str, list[Issue]] = defaultdict(list)
    for sha, issue in found_across:
        across[sha].append(issue)
    with Ledger(db) as ledger:
        own = ledger.spec
        spec = get_form(form_id).spec if form_id else own
        dates = {f.id for f in spec.fields if f.type == "date"}
        form = None if periods is None else (spec.id, periods)
        for r in ledger.iter_files(form=form):
            if (r.form_id or own.id) == spec.id:
                sub = from_json(r.submission, dates)
                more = across.get(r.sha256)
                yield dataclasses.replace(sub, issues=(*sub.issues, *more)) if more else sub
