"""Checking a batch of returned files: each read and validated against its own form (in
isolated workers), and which of them counts for each subject (formkit.supersession), as
`formkit check` reports it and `formkit summary` and the ledger decide it."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from formkit.check import check_many
from formkit.forms import spec_of
from formkit.read import ReadOptions, Submission
from formkit.reference import Reference
from formkit.supersession import Candidate, candidate, decide

# the dispositions of a file that will not count (a later or equal version counts)
NOT_COUNTED = ("duplicate", "same_version", "superseded")


def check(
    paths: Iterable[str | os.PathLike[str]],
    options: ReadOptions,
    *,
    jobs: int = 1,
    provenance: bool = True,
    document: bool = False,
) -> Iterator[Submission]:
    """Every file read and validated, in input order, one result per file; `document`:
    each with its `--json` result written by the reading worker (formkit.check.Documented)."""
    return check_many(paths, options, jobs=jobs, provenance=provenance, document=document)


class Versions:
    """Which of the checked files counts for each subject: `add` each file as it is
    checked, then `rows` (the `files` list of the `--json` output)."""

    def __init__(self, reference: Reference) -> None:
        self.reference = reference
        self.cands: list[Candidate] = []
        # one copy of each text (and 填报日期) many files share (an applicant's name in every
        # quarter's report, a period in all of its reports): a candidate is kept for every file
        self._texts: dict[Any, Any] = {}

    def add(self, sub: Submission) -> None:
        try:
            mtime = os.stat(sub.location).st_mtime  # file is a display name for a GBK name
        except OSError:
            mtime = 0.0
        c = candidate(
            sub, spec_of(sub), self.reference, handle=sub.file, received=(mtime, sub.file)
        )
        same = self._texts.setdefault
        self.cands.append(
            replace(
                c,
                unit=c.unit and same(c.unit, c.unit),
                applicant=c.applicant and same(c.applicant, c.applicant),
                period=c.period and same(c.period, c.period),
                fill_date=c.fill_date and same(c.fill_date, c.fill_date),
            )
        )

    def rows(self) -> Iterator[dict[str, Any]]:
        """One row per file, in the order added: its disposition, the file that counts
        instead and why, and the files of the same day it conflicts with. Made as they
        are read: the rows of thousands of files are never held at once."""
        cands, self.cands = self.cands, []
        decisions = decide(cands)
        conflicting = {h for d in decisions.values() for h in d.conflicts}
        names = {c.handle: c.shown for c in cands if c.handle in conflicting}
        for c in cands:
            d = decisions[c.handle]
            yield {
                "file": c.handle,
                "sha256": c.sha256,
                "disposition": d.disposition,
                "current": d.winner,
                "reason": d.reason,
                "conflicts": [names[h] for h in d.conflicts],
            }
