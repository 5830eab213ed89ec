"""Recording received files in the ledger: `formkit ingest` (a folder) and an upload on the
web page (one file) both come here.

Each file new to the ledger is read and validated in an isolated worker and recorded in
its own transaction; which version counts is formkit.supersession's rule. Then, for the
periodic forms among them, the rules across periods run over the ledger's current files,
so what a run reports agrees with `formkit status` and the web pages.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from formkit.issues import Issue
from formkit.ledger import FileRecord, IngestReport, Ledger
from formkit.read import ReadOptions


@dataclass
class Ingested:
    report: IngestReport
    # sha256 -> issues across periods, of the current files of the forms this run recorded
    across: dict[str, list[Issue]] = field(default_factory=dict)

    def found(self) -> list[tuple[FileRecord, Issue]]:
        """The issues across periods of the files this run recorded, file by file."""
        return [
            (f.record, i)
            for f in self.report.files
            if f.record is not None
            for i in self.across.get(f.record.sha256, ())
        ]

    @property
    def bad(self) -> bool:
        """A file could not be read, or a new file has errors (across periods included)."""
        report = self.report
        return bool(
            report.unreadable
            or any(f.record is not None and f.record.state == "有错误" for f in report.files)
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
) -> Ingested:
    """Read, validate and record the files not yet in the ledger; with `across`, the
    issues across periods of the forms recorded, from the current files after this run."""
    report = ledger.ingest(paths, jobs=jobs, options=options, progress=progress)
    out = Ingested(report)
    if across:
        ids = {f.record.form_id for f in report.files if f.record and f.record.form_id}
        for form_id in sorted(i for i in ids if i is not None):
            out.across.update(ledger.across_issues(form_id))
    return out
