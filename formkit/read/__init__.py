"""Reading returned workbooks: `read(path)` -> `Submission`; `read_many` for batches.

Pipeline per file: gate (raw bytes, before any spreadsheet library) -> backend
(xlsx / xls / ods, bounded) -> locate fields -> coerce values. `read_many` runs each
file in a worker process with time and memory limits, so a file that hangs, aborts or
exhausts memory is rejected and the batch goes on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from formkit.forms import DEFAULT_FORM
from formkit.read.book import Book, Bounds
from formkit.read.submission import FormInfo, Source, Submission

if TYPE_CHECKING:
    from formkit.issues import Issue
    from formkit.read.gate import GateResult
    from formkit.spec import FormSpec

__all__ = [
    "READ_FAILED",
    "Bounds",
    "FormInfo",
    "ReadOptions",
    "Source",
    "Submission",
    "collect_paths",
    "read",
    "read_many",
]

# the issue code of a file whose worker timed out, ran out of memory or crashed: the
# machine's trouble, maybe passing (the ledger reads such files again)
READ_FAILED = "parse_failed"

# Excel's lock files ("~$name.xlsx") and hidden files are not submissions
_SKIP_PREFIXES = ("~$", ".")
# the form the application round's stages (summary, ledger, feedback) take; until they
# handle the reports too, a report's file is refused there as "not this form"
APPLICATION_FORM = DEFAULT_FORM


@dataclass(frozen=True)
class ReadOptions:
    """How to read. `forms`: the registered forms a file may be (by the form id it
    carries); None takes any of them (what `formkit check` and `read(path)` do). The
    default is the 申报书 alone, as the later stages of a round expect. `spec_path`
    overrides both: that spec, and a file of another form is refused."""

    year: int | None = None
    forms: tuple[str, ...] | None = (APPLICATION_FORM,)
    spec_path: str | None = None
    reference_path: str | None = None
    # the deadline the collecting office set for the files (--deadline): validation says
    # which are dated after it
    deadline: dt.date | None = None
    bounds: Bounds = field(default_factory=Bounds)
    timeout: float = 60.0
    memory_mb: int = 2048


def read(path: str | os.PathLike[str], options: ReadOptions | None = None) -> Submission:
    """Read one returned workbook. Never raises for a bad file: it comes back rejected.

    Without options any registered form is read, each by its own spec (the form id the
    workbook carries)."""
    from formkit.issues import make_issue
    from formkit.read.gate import inspect_file

    options = options or ReadOptions(forms=None)
    file = str(path)
    try:
        gate = inspect_file(file)
    except OSError as exc:
        return _named(
            Submission(
                file,
                "",
                "rejected",
                issues=[
                    make_issue("unreadable_path", detail=f"无法打开文件：{exc.strerror or exc}")
                ],
            )
        )
    sub = _named(Submission(file=file, sha256=gate.sha256, status="accepted", format=gate.kind))
    for w in gate.warnings:
        sub.issues.append(_gate_issue(w.code, w.message))
    if not gate.ok:
        sub.status = "rejected"
        sub.issues.insert(0, _gate_issue(gate.code or "not_spreadsheet", gate.message or ""))
        return sub
    try:
        book = _load(file, gate, options.bounds)
    except _BackendError as exc:
        sub.status = "rejected"
        sub.issues.insert(0, make_issue("bad_workbook", detail=exc.message))
        return sub
    from formkit.read.extract import extract
    from formkit.reference import load_reference
    from formkit.spec import load_spec

    # the spec asked for; else the form the workbook says it is, among those allowed
    spec = load_spec(options.spec_path) if options.spec_path else _spec_of(book, options.forms)
    reference = load_reference(options.reference_path)
    return extract(book, spec, sub, aliases=reference.unit_names, year=options.year)


def _spec_of(book: Book, forms: tuple[str, ...] | None) -> FormSpec:
    """The registered form whose id the workbook carries, if allowed; else the first allowed
    (or default) form, against which a file of another form is refused."""
    from formkit.forms import form_ids, load_form_spec
    from formkit.read.extract import form_id_of

    form_id = form_id_of(book)
    if form_id in form_ids() and (forms is None or form_id in forms):
        return load_form_spec(form_id)
    return load_form_spec(forms[0] if forms else None)


def _gate_issue(code: str, message: str) -> Issue:
    """The gate's finding as an issue; the gate already worded it (its codes are catalogued)."""
    from formkit.issues import CATALOGUE, Issue

    entry = CATALOGUE.get(code)
    return Issue(
        code=code, severity=entry.severity if entry else "error", message=message, clause="读取"
    )


class _BackendError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _load(path: str, gate: GateResult, bounds: Bounds) -> Book:
    """Parse the bytes the gate checked (never the file again: it may have changed since)."""
    kind = gate.kind or ""
    if kind in ("xlsx", "xlsm"):
        from formkit.read.xlsx import XlsxError
        from formkit.read.xlsx_fast import load_xlsx_fast

        try:
            book = load_xlsx_fast(path, bounds, gate.content, gate.parts)
        except XlsxError as exc:
            raise _BackendError(str(getattr(exc, "message", exc))) from None
        return book
    if kind == "xls":
        from formkit.read.xls import XlsError, load_xls

        try:
            return load_xls(path, bounds, gate.content)
        except XlsError as exc:
            raise _BackendError(str(getattr(exc, "message", exc))) from None
    if kind == "ods":
        from formkit.read.ods import OdsError, load_ods

        try:
            return load_ods(path, bounds)
        except OdsError as exc:
            raise _BackendError(str(getattr(exc, "message", exc))) from None
    raise _BackendError(f"不支持的文件类型：{kind}")


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
    options: ReadOptions | None = None,
    *,
    jobs: int = 1,
    worker: Callable[[tuple[str, ReadOptions]], Submission] = _read_for_pool,
) -> Iterator[Submission]:
    """Read many files in worker processes, in input order; every file yields one Submission.

    `worker` (a module-level function, so it can be sent to a process) lets a later
    stage run read-then-validate in the same isolated process.
    """
    from formkit.read.isolate import Failure, WorkerPool

    options = options or ReadOptions()
    items = [(str(p), options) for p in paths]
    with WorkerPool(jobs=jobs, timeout=options.timeout, memory_mb=options.memory_mb) as pool:
        for (file, _), result in pool.map(worker, items):
            if isinstance(result, Failure):
                yield _failed(file, result.kind, result.detail)
            else:
                yield result


def _failed(file: str, kind: str, detail: str) -> Submission:
    from formkit.issues import make_issue

    reason = {"timeout": "读取超时", "memory": "内存超限", "crashed": "读取进程异常退出"}.get(
        kind, "读取出错"
    )
    sha = ""
    try:
        with open(file, "rb") as fh:
            sha = hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        pass
    return _named(
        Submission(
            file,
            sha,
            "rejected",
            issues=[make_issue(READ_FAILED, detail=f"{reason}：{_detail_zh(detail)}"[:200])],
        )
    )


def _named(sub: Submission) -> Submission:
    """A path that is not valid UTF-8 (a GBK name from a Windows zip) is shown decoded:
    JSON, the summary workbook and the ledger need text; `path` keeps it for opening."""
    from formkit.paths import display_name, is_displayable

    if not is_displayable(sub.file):
        sub.path, sub.file = sub.file, display_name(sub.file)
    return sub


# the isolation layer's details are English, for logs; people read them in Chinese
_DETAILS_ZH = [
    (r"worker exited with status (-?\d+)", "工作进程退出，状态码 {0}"),
    (r"worker killed by (\w+)", "工作进程被信号 {0} 终止"),
    (r"no result after ([\d.]+) s", "{0} 秒内未读完"),
    (r"MemoryError", "内存不足"),
]


def _detail_zh(detail: str) -> str:
    import re

    for pattern, zh in _DETAILS_ZH:
        m = re.fullmatch(pattern, detail.strip())
        if m:
            return zh.format(*m.groups())
    return detail


class _CallableModule(types.ModuleType):
    """`formkit.read(path)` is the public API, and `formkit.read` is also this package:
    once the package is imported it shadows the lazy function on `formkit`, so the
    package itself answers the call."""

    def __call__(
        self, path: str | os.PathLike[str], options: ReadOptions | None = None
    ) -> Submission:
        return read(path, options)


sys.modules[__name__].__class__ = _CallableModule
