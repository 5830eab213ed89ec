"""Read then validate: what `formkit check` (and later stages) run for each file."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields

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


@dataclass
class Checked(Submission):
    """A checked file with its `--json` document already written out (`document`, keys
    sorted), by the reading worker: a process recording thousands of files (the ledger)
    then neither converts nor holds what is only in the document (each value's source
    cell, where each field was located, computed values: emptied here)."""

    document: str = ""


def _check_for_pool_with_document(args: tuple[str, ReadOptions]) -> Submission:
    sub = check_file(args[0], args[1])
    out = Checked(**{f.name: getattr(sub, f.name) for f in fields(sub)})
    out.document = json.dumps(sub.to_json(), ensure_ascii=False, sort_keys=True)
    out.sources, out.located, out.computed = {}, {}, {}
    return out


def check_many(
    paths: Iterable[str | os.PathLike[str]],
    options: ReadOptions | None = None,
    *,
    jobs: int = 1,
    provenance: bool = True,
    document: bool = False,
) -> Iterator[Submission]:
    """check_file for many files in isolated workers, in input order, one result per file.

    `provenance=False` leaves out each value's source cell (`Submission.sources`), for a
    caller that does not use it (a summary without --json). `document=True`: each result
    read is a `Checked`, its document made in the worker."""
    worker = _check_for_pool if provenance else _check_for_pool_without_provenance
    if document:
        worker = _check_for_pool_with_document
    return read_many(paths, options, jobs=jobs, worker=worker)
