"""The annotated copies sent back to the applicants: for a folder of files (`formkit
feedback`), for the ledger's current files with issues (`feedback --db`) and for one
recorded file (the web page's 审核意见副本). A recorded file's copy shows its issues across
periods with its own."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from formkit import feedback as feedback_stage
from formkit.feedback import FeedbackResult
from formkit.forms import form_ids
from formkit.issues import Issue
from formkit.ledger import FileRecord, Ledger
from formkit.read import ReadOptions, Submission


def with_issues(sub: Submission, extra: Iterable[Issue]) -> Submission:
    """A copy of `sub` with `extra` (its issues across periods) after its own issues."""
    more = list(extra)
    return dataclasses.replace(sub, issues=(*sub.issues, *more)) if more else sub


def recorded(ledger: Ledger, record: FileRecord, extra: Iterable[Issue] = ()) -> Submission:
    """A recorded file's result back from the ledger, `extra` issues added to its own."""
    return with_issues(ledger.submission(record), extra)


def with_issues_in_ledger(db: str | os.PathLike[str], form: str | None = None) -> list[Submission]:
    """The ledger's current accepted files (of one form, if given) that have errors or
    warnings, or issues across periods (added to the file's own)."""
    subs = []
    with Ledger(db) as ledger:
        forms = [form] if form is not None else list(form_ids())
        across: dict[str, list[Issue]] = {}
        for fid in forms:
            across.update(ledger.across_issues(fid))
        for r in ledger.current():
            if form is not None and r.form_id != form:
                continue
            extra = across.get(r.sha256, [])
            if r.status == "accepted" and (r.errors or r.warnings or extra):
                subs.append(recorded(ledger, r, extra))
    return subs


def annotate(
    items: Iterable[str | os.PathLike[str] | Submission],
    output: str | os.PathLike[str],
    *,
    jobs: int = 1,
    options: ReadOptions | None = None,
) -> Iterator[FeedbackResult]:
    """Each file (a path, or a checked file with its issues) as an annotated copy in
    `output`; one result per file, in input order."""
    return feedback_stage.feedback_many(items, Path(output), jobs=jobs, options=options)
