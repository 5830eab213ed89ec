"""Reading returned workbooks: `read(path, options)` -> `Submission`; `read_many` for batches.

Pipeline per file: gate (raw bytes, before any spreadsheet library) -> backend
(xlsx / xls / ods, bounded) -> locate fields -> coerce values. `read_many` runs each
file in a worker process with time and memory limits, so a file that hangs, aborts or
exhausts memory is rejected and the batch goes on.

The reader knows no registry of forms: `ReadOptions.specs` says which forms a file may be
(their spec files; `formkit.forms.read_options()` makes them from form ids at the edge).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import os
import re
import sys
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from formkit.issues import CATALOGUE, Issue, make_issue, read_detail
from formkit.paths import display_name, is_displayable
from formkit.read.book import Book, Bounds, WorkbookError
from formkit.read.extract import extract, form_id_of
from formkit.read.gate import GateResult, inspect_file
from formkit.read.isolate import Failure, WorkerPool
from formkit.read.ods import load_ods
from formkit.read.submission import Draft, FormInfo, Source, Submission
from formkit.read.xls import load_xls
from formkit.read.xlsx import load_xlsx_fast
from formkit.reference import load_reference
from formkit.spec import FormSpec, load_spec

__all__ = [
    "READ_FAILED",
    "Bounds",
    "FormInfo",
    "ReadOptions",
    "Source",
    "Submission",
    "WorkbookError",
    "collect_paths",
    "read",
    "read_many",
    "spec_read_with",
]

# the issue code of a file whose worker timed out, ran out of memory or crashed: the
# machine's trouble, maybe passing (the ledger reads such files again)
READ_FAILED = "parse_failed"

# Excel's lock files ("~$name.xlsx") and hidden files are not submissions
_SKIP_PREFIXES = ("~$", ".")


@dataclass(frozen=True, kw_only=True)
class ReadOptions:
    """How to read. `specs`: the spec files of the forms a file may be, the catalogue the
    caller gives (formkit.forms.read_options() at the edge): a file is read by the one whose
    form id it carries; a file of none of them is refused against the first. Paths, not
    loaded specs: they travel to the reading workers with every file, and each worker
    loads a spec once (formkit.spec.load_spec caches it)."""

    specs: tuple[str, ...]
    year: int | None = None
    reference_path: str | None = None
    # the deadline the collecting office set for the files (--deadline): validation says
    # which are dated after it
    deadline: dt.date | None = None
    bounds: Bounds = field(default_factory=Bounds)
    timeout: float = 60.0
    memory_mb: int = 2048

    def __post_init__(self) -> None:
        if not self.specs:
            raise ValueError(
                "ReadOptions needs the forms a file may be (formkit.forms.read_options)"
            )
        object.__setattr__(self, "specs", tuple(str(p) for p in self.specs))


def read(path: str | os.PathLike[str], options: ReadOptions) -> Submission:
    """Read one returned workbook. Never raises for a bad file: it comes back rejected."""
    file = str(path)
    try:
        gate = inspect_file(file)
    except OSError as exc:
        issue = make_issue(
            "unreadable_path", detail=read_detail("unreadable_path", reason=exc.strerror or exc)
        )
        return _named(Submission(file, "", "rejected", issues=(issue,)))
    sub = Draft(file=file, sha256=gate.sha256, status="accepted", format=gate.kind)
    for w in gate.warnings:
        sub.issues.append(_gate_issue(w.code, w.message))
    if not gate.ok:
        issue = _gate_issue(gate.code or "not_spreadsheet", gate.message or "")
        return _named(sub.reject(issue).done())
    try:
        book = _load(file, gate, options.bounds)
    except WorkbookError as exc:
        # the reason's code stays with the issue (params["reason"]); its wording is the message
        issue = make_issue("bad_workbook", detail=exc.message, reason=exc.code)
        return _named(sub.reject(issue).done())
    # the form the workbook says it is, among those given; else the first given
    spec = _given(form_id_of(book), options.specs)
    reference = load_reference(options.reference_path)
    read = extract(book, spec, sub.done(), aliases=reference.unit_names, year=options.year)
    return _named(read)


def _given(form_id: str | None, specs: tuple[str, ...]) -> FormSpec:
    """The given form of this id; else the first given, against which a file of another
    form is refused."""
    loaded = [load_spec(p) for p in specs]
    return next((s for s in loaded if s.id == form_id), loaded[0])


def spec_read_with(sub: Submission, options: ReadOptions) -> FormSpec:
    """The spec `read(path, options)` read `sub` with (to validate it by)."""
    return _given(sub.form.id if sub.form else None, options.specs)


def _gate_issue(code: str, message: str) -> Issue:
    """The gate's finding as an issue; the gate worded it from the catalogue's template."""
    entry = CATALOGUE.get(code)
    return Issue(
        code=code, severity=entry.severity if entry else "error", message=message, clause="读取"
    )


def _load(path: str, gate: GateResult, bounds: Bounds) -> Book:
    """Parse the bytes the gate checked (never the file again: it may have changed since).
    Raises WorkbookError."""
    kind = gate.kind or ""
    if kind in ("xlsx", "xlsm"):
        return load_xlsx_fast(path, bounds, gate.content, gate.parts)
    if kind == "xls":
        return load_xls(path, bounds, gate.content)
    if kind == "ods":
        return load_ods(path, bounds)
    raise WorkbookError("unsupported", kind=kind)


def collect_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files as given, and every file under given folders (sorted); lock and hidden files skipped.

    A path that does not exist is kept, so it is reported rather than silently dropped.
    """
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(_SKIP_PREFIXES):
                        out.append(Path(root) / name)
        else:
            out.append(p)
    return out


def _read_for_pool(args: tuple[str, ReadOptions]) -> Submission:
    return read(args[0], args[1])


def read_many(
    paths: Iterable[str | os.PathLike[str]],
    options: ReadOptions,
    *,
    jobs: int = 1,
    worker: Callable[[tuple[str, ReadOptions]], Submission] = _read_for_pool,
    setup: tuple[Callable[..., None], tuple[Any, ...]] | None = None,
) -> Iterator[Submission]:
    """Read many files in worker processes, in input order; every file yields one Submission.

    `worker` (a module-level function, so it can be sent to a process) lets a later
    stage run read-then-validate in the same isolated process; `setup` (a function and its
    arguments) prepares each worker process for it once (WorkerPool's `setup`).
    """
    items = ((str(p), options) for p in paths)  # made as the pool takes them
    with WorkerPool(
        jobs=jobs, timeout=options.timeout, memory_mb=options.memory_mb, setup=setup
    ) as pool:
        for (file, _), result in pool.map(worker, items):
            if isinstance(result, Failure):
                yield _failed(file, result.kind, result.detail)
            else:
                yield result


def _failed(file: str, kind: str, detail: str) -> Submission:
    reason = read_detail(
        f"worker_{kind}" if kind in ("timeout", "memory", "crashed") else "worker_error"
    )
    sha = ""
    try:
        with open(file, "rb") as fh:
            sha = hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        pass
    worded = read_detail("worker_failed", reason=reason, detail=_detail_zh(detail))
    issue = make_issue(READ_FAILED, detail=worded[:200])
    return _named(Submission(file, sha, "rejected", issues=(issue,)))


def _named(sub: Submission) -> Submission:
    """A path that is not valid UTF-8 (a GBK name from a Windows zip) is shown decoded:
    JSON, the summary workbook and the ledger need text; `path` keeps it for opening."""
    if not is_displayable(sub.file):
        return replace(sub, path=sub.file, file=display_name(sub.file))
    return sub


# the isolation layer's details are English, for logs; people read them in Chinese
_DETAILS_ZH = [
    (r"worker exited with status (-?\d+)", "worker_exit_status"),
    (r"worker killed by (\w+)", "worker_signal"),
    (r"no result after ([\d.]+) s", "worker_no_result"),
    (r"MemoryError", "worker_out_of_memory"),
]


def _detail_zh(detail: str) -> str:
    for pattern, key in _DETAILS_ZH:
        m = re.fullmatch(pattern, detail.strip())
        if m:
            return read_detail(key, *m.groups())
    return detail


class _CallableModule(types.ModuleType):
    """`formkit.read(path)` is the public API, and `formkit.read` is also this package:
    once the package is imported it shadows the facade function on `formkit`, so the
    package answers the call. It hands the call to the facade, `formkit.api.read` (the
    edge, which picks the forms a file may be), by name: the one reference from below to
    the edge (docs/architecture.md; tests/test_layers.py names it)."""

    def __call__(
        self, path: str | os.PathLike[str], options: ReadOptions | None = None
    ) -> Submission:
        facade: Any = importlib.import_module("formkit.api")
        result: Submission = facade.read(path, options)
        return result


sys.modules[__name__].__class__ = _CallableModule
