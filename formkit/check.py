"""Read then validate: what `formkit check` (and later stages) run for each file."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from formkit.read import ReadOptions, Submission, read, read_many


def check_file(path: str | os.PathLike[str], options: ReadOptions | None = None) -> Submission:
    """Read one file and, if accepted, validate it against the spec and the notice."""
    from formkit.reference import load_reference
    from formkit.spec import load_spec
    from formkit.validate import validate

    options = options or ReadOptions()
    sub = read(path, options)
    sub = validate(
        sub,
        # a spec asked for; else the form the file was read as (validate dispatches on it)
        spec=load_spec(options.spec_path) if options.spec_path else None,
        reference=load_reference(options.reference_path),
        year=options.year,
        deadline=options.deadline,
    )
    if sub.status == "accepted":
        sub.remember_digest()  # here, in the reading worker, not in the collecting process
    return sub


def _check_for_pool(args: tuple[str, ReadOptions]) -> Submission:
    return check_file(args[0], args[1])


def _check_for_pool_without_provenance(args: tuple[str, ReadOptions]) -> Submission:
    sub = check_file(args[0], args[1])
    sub.sources = {}  # half of what a result weighs on its way back from the worker
    return sub


def check_many(
    paths: Iterable[str | os.PathLike[str]],
    options: ReadOptions | None = None,
    *,
    jobs: int = 1,
    provenance: bool = True,
) -> Iterator[Submission]:
    """check_file for many files in isolated workers, in input order, one result per file.

    `provenance=False` leaves out each value's source cell (`Submission.sources`), for a
    caller that does not use it (a summary without --json)."""
    worker = _check_for_pool if provenance else _check_for_pool_without_provenance
    return read_many(paths, options, jobs=jobs, worker=worker)
