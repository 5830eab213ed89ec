"""The provincial summary, from a folder of returned files or from the ledger: `formkit
summary`, `formkit recommend --db` and the province's web page all come here, so the same
files count the same way everywhere (formkit.supersession's rule)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from formkit.issues import Issue
from formkit.read import ReadOptions, Submission
from formkit.reference import Reference
from formkit.rounds.check import check
from formkit.spec import FormSpec
from formkit.summary.collect import collect
from formkit.summary.kit import SummaryData
from formkit.summary.ledger import from_ledger as ledger_summary


def from_files(
    paths: Iterable[str | os.PathLike[str]],
    options: ReadOptions,
    *,
    spec: FormSpec,
    reference: Reference,
    jobs: int = 1,
    provenance: bool = True,
    each: Callable[[Submission], None] | None = None,
    year: int | None = None,
    unit: str | None = None,
    inputs: Sequence[str] = (),
    period: Sequence[Any] | None = None,
) -> SummaryData:
    """Every file read, validated and reduced to its summary rows as it arrives (memory
    stays flat in the number of files); `each(sub)` sees each result after that.
    `provenance=False`: the cells each value came from are not kept (only `--json` shows
    them). The issues across periods are in `SummaryData.across`."""

    def checked() -> Iterator[Submission]:
        for sub in check(paths, options, jobs=jobs, provenance=provenance):
            yield sub  # the collector takes it first
            if each is not None:
                each(sub)

    return collect(
        checked(),
        spec=spec,
        reference=reference,
        year=year,
        unit=unit,
        inputs=inputs,
        period=period,
    )


def from_ledger(
    db: str | os.PathLike[str],
    *,
    reference: Reference | None = None,
    unit: str | None = None,
    year: int | None = None,
    inputs: Sequence[str] | None = None,
    form_id: str | None = None,
    period: Sequence[Any] | None = None,
) -> tuple[SummaryData, list[Submission]]:
    """The ledger's files as the summary counts them, and each file's result with its
    issues across periods (what the result table and `--json` show)."""
    results: list[Submission] = []
    data = ledger_summary(
        db,
        reference=reference,
        unit=unit,
        year=year,
        inputs=inputs,
        results=results,
        form_id=form_id,
        period=period,
    )
    return data, with_found(results, data.found_across)


def with_found(
    results: Sequence[Submission], found: Iterable[tuple[str, Issue]]
) -> list[Submission]:
    """The ledger's results, each file that has issues across periods (by sha256) as a
    copy with them added after its own."""
    extra: dict[str, list[Issue]] = {}
    for sha, issue in found:
        extra.setdefault(sha, []).append(issue)
    out = []
    for sub in results:
        more = extra.get(sub.sha256)
        out.append(dataclasses.replace(sub, issues=(*sub.issues, *more)) if more else sub)
    return out


def with_across(
    results: Sequence[Submission], found: Iterable[tuple[Submission, Issue]]
) -> list[Submission]:
    """The results, each file that has issues across periods as a copy with them added
    after its own (a file is known by its path and bytes)."""
    extra: dict[tuple[str, str], list[Issue]] = {}
    for sub, issue in found:
        extra.setdefault((sub.file, sub.sha256), []).append(issue)
    out = []
    for sub in results:
        more = extra.get((sub.file, sub.sha256))
        out.append(dataclasses.replace(sub, issues=(*sub.issues, *more)) if more else sub)
    return out
