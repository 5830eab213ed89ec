"""Read then validate: what `formkit check` (and later stages) run for each file."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from formkit.forms import form_of, read_options, register_all, registered_elsewhere
from formkit.read import ReadOptions, Submission, read, read_many, spec_read_with
from formkit.reference import load_reference
from formkit.spec import load_spec
from formkit.validate import Checked, validate


def check_file(path: str | os.PathLike[str], options: ReadOptions | None = None) -> Checked:
    """Read one file and, if accepted, validate it by the form it was read as."""
    options = options or read_options()
    sub = read(path, options)
    checked = validate(
        sub,
        form_of(spec_read_with(sub, options)),
        reference=load_reference(options.reference_path),
        year=options.year,
        deadline=options.deadline,
    )
    if checked.status == "accepted":
        checked.remember_digest()  # here, in the reading worker, not in the collecting process
    return checked


def check_job(args: tuple[str | os.PathLike[str], ReadOptions]) -> Submission:
    """check_file for a worker pool: one (path, options) item, by name (picklable)."""
    return check_file(args[0], args[1])


def _check_for_pool_without_provenance(args: tuple[str, ReadOptions]) -> Submission:
    # half of what a result weighs on its way back from the worker
    sub = check_file(args[0], args[1])
    out = replace(sub, sources={})
    if sub.status == "accepted":  # a copy starts without the digest computed here
        out.remember_digest(sub.values_digest())
    return out


@dataclass(frozen=True)
class Documented(Checked):
    """A checked file with its `--json` document already written out (`document`, keys
    sorted), by the reading worker: a process recording thousands of files (the ledger)
    then neither converts nor holds what is only in the document (each value's source
    cell, where each field was located, computed values: emptied here)."""

    document: str = ""


def _check_for_pool_with_document(args: tuple[str, ReadOptions]) -> Submission:
    sub = check_file(args[0], args[1])
    fields = {f: getattr(sub, f) for f in sub.__dataclass_fields__ if f != "_digest"}
    fields.update(sources={}, located={}, computed={})
    out = Documented(
        **fields, document=json.dumps(sub.to_json(), ensure_ascii=False, sort_keys=True)
    )
    if sub.status == "accepted":
        out.remember_digest(sub.values_digest())
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
    read is a `Documented`, its document made in the worker."""
    worker = check_job if provenance else _check_for_pool_without_provenance
    if document:
        worker = _check_for_pool_with_document
    options = options or read_options()
    # what every file's check loads first, loaded once here: a worker forked from this
    # process has it (formkit/read/isolate.py) instead of parsing the specs' TOML itself.
    # A spec that does not load is left to the workers, which report it file by file.
    with contextlib.suppress(Exception):
        for spec in options.specs:
            load_spec(spec)
        load_reference(options.reference_path)
    # a worker started from the forkserver starts afresh: it is given the forms registered here
    extra = registered_elsewhere()
    setup = (register_all, (extra,)) if extra else None
    return read_many(paths, options, jobs=jobs, worker=worker, setup=setup)
