"""Recording received files in the ledger: `formkit ingest` (a folder) and an upload on the
web page (one file) both come here.

Each file new to the ledger is read and validated in an isolated worker and recorded as it
is read, in batches (one transaction each); which version counts is
formkit.supersession's rule. Then, for the subjects of the periodic forms among them, the
rules across periods run over the ledger's current files, so what a run reports agrees
with `formkit status` and the web pages.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from formkit.issues import Issue
from formkit.ledger import FileOutcome, IngestReport, Ledger
from formkit.read import ReadOptions


@dataclass
class Ingested:
    report: IngestReport
    # sha256 -> issues across periods, of the current files of the subjects this run recorded
    across: dict[str, list[Issue]] = field(default_factory=dict)
    # (sha256, file name) of every file this run recorded, in order
    recorded: list[tuple[str, str]] = field(default_factory=list)
    errors: int = 0  # files recorded with 有错误
    # form -> (unit, subject) of the files recorded
    subjects: dict[str, set[tuple[str | None, str]]] = field(default_factory=dict)

    def note(self, outcome: FileOutcome) -> None:
        r = outcome.record
        if r is None:
            return
        self.recorded.append((r.sha256, r.original_name))
        if r.form_id is not None and r.subject:
            self.subjects.setdefault(r.form_id, set()).add((r.unit, r.subject))
        self.errors += r.state == "有错误"

    def found(self) -> list[tuple[str, Issue]]:
        """The issues across periods of the files this run recorded, by file name."""
        return [(name, i) for sha, name in self.recorded for i in self.across.get(sha, ())]

    @property
    def bad(self) -> bool:
        """A file could not be read, or a new file has errors (across periods included)."""
        return bool(
            self.report.unreadable
            or self.errors
            or any(i.severity == "error" for _, i in self.found())
        )


def ingest(
    ledger: Ledger,
    paths: Iterable[str | os.PathLike[str]],
    *,
    options: ReadOptions,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    across: bool = True,
    each: Callable[[FileOutcome], None] | None = None,
    received_on: dt.date | None = None,
) -> Ingested:
    """Read, validate and record the files not yet in the ledger; with `across`, the
    issues across periods of the subjects recorded, from the current files after this
    run. `each(outcome)`: every file's outcome, once recorded; the report then keeps only
    the counts (memory stays flat). `received_on`: the day they count as received."""
    out = Ingested(IngestReport())

    def seen(outcome: FileOutcome) -> None:
        out.note(outcome)
        if each is not None:
            each(outcome)

    out.report = ledger.ingest(
        paths,
        jobs=jobs,
        options=options,
        progress=progress,
        each=seen if each is not None else None,
        received_on=received_on,
    )
    if each is None:
        for outcome in out.report.files:
            out.note(outcome)
    if across:
        # for the subjects this run's files are about
        for form_id in sorted(out.subjects):
            out.across.update(ledger.across_issues(form_id, subjects=out.subjects[form_id]))
    return out
