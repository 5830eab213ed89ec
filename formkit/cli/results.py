"""Checked files as people read them: the result table, the versions that will not count,
and `--json` (the report of formkit.rounds.report written to a file or standard output)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from formkit.atomic import atomic_output, reason_zh
from formkit.cli.common import err, fail, out, shown_path
from formkit.forms import spec_of
from formkit.issues import Issue, render, unplaced
from formkit.paths import display_name, shared_beginning
from formkit.read import FormInfo, Submission
from formkit.read.submission import IssueCounts
from formkit.reference import Reference
from formkit.rounds.check import NOT_COUNTED
from formkit.rounds.report import Report
from formkit.supersession import conflict_message

MAX_TABLE_ROWS = 50
VERDICT_STYLE = {"符合": "green", "不符合": "red", "待补充材料": "yellow", "需人工判断": "cyan"}
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


def print_results(
    results: list[Any], details: bool, lang: str = "zh", console: Console | None = None
) -> None:
    """The checked files as a table that reads at 80 columns: each file by the part of its
    name that tells it apart (a shared beginning is named once, above), the form's own
    words (a report has no 审核结论 and no 推荐单位), and with --details each issue's place
    in its own columns, its text without repeating it."""
    show = console or out
    specs = {spec_of(r).id: spec_of(r) for r in results}
    verdicts = any(s.summary.verdicts for s in specs.values()) or not specs
    labels = {s.roles.unit_label for s in specs.values()}
    unit_label = labels.pop() if len(labels) == 1 else "单位"
    # the shared beginning from all the names; a row's name made when it is shown
    shared = shared_beginning(lambda: (display_name(os.path.basename(r.file)) for r in results))

    def short(r: Any) -> str:
        name = display_name(os.path.basename(r.file))
        return f"…{name[len(shared) :]}" if shared else name

    table = Table(
        title=f"共 {len(results)} 个文件",
        caption=f"文件名略去了共同的开头“{escape(shared)}”" if shared else None,
        show_lines=False,
    )
    table.add_column("文件", overflow="fold", ratio=3)
    table.add_column(unit_label, overflow="fold", ratio=1)
    table.add_column("状态", overflow="fold", ratio=2)
    if verdicts:
        table.add_column("审核结论", overflow="fold", ratio=2)
    table.add_column("错误", justify="right", no_wrap=True)
    table.add_column("警告", justify="right", no_wrap=True)
    # a long batch lists only the files that need attention; --json and the summary have all
    shown_rows = results
    if len(results) > MAX_TABLE_ROWS:
        shown_rows = [r for r in results if r.status == "rejected" or r.errors][:MAX_TABLE_ROWS]
    for r in shown_rows:
        status = "[green]已受理[/]" if r.status == "accepted" else "[red]未受理[/]"
        unit = r.values.get(spec_of(r).roles.unit) or ""
        if r.rejection is not None:
            reason = render(r.rejection, lang) if lang == "en" else r.rejection.message
            status += "：" + escape(reason)
        verdict = r.verdict or ""
        shown = f"[{VERDICT_STYLE[verdict]}]{verdict}[/]" if verdict in VERDICT_STYLE else verdict
        if verdict != "需人工判断" and any(c.get("status") == "manual" for c in r.criteria):
            shown += "（另有需人工判断的条件）"
        table.add_row(
            escape(short(r)),
            escape(str(unit)),
            status,
            *([shown] if verdicts else []),
            str(r.errors),
            str(r.warnings),
        )
    show.print(table)
    if len(shown_rows) < len(results):
        show.print(
            f"（共 {len(results)} 个文件，上表只列出未受理或有错误的前 {len(shown_rows)} 个）"
        )
    accepted = sum(1 for r in results if r.status == "accepted")
    counted = f"已受理 {accepted} 个，未受理 {len(results) - accepted} 个"
    if verdicts:
        given = {v: sum(1 for r in results if r.verdict == v) for v in VERDICT_STYLE}
        counted += "；" + "，".join(f"{v} {n} 个" for v, n in given.items())
    else:  # a report: what is wrong, not a verdict it does not have
        wrong = sum(1 for r in results if r.status == "accepted" and r.errors)
        counted += f"；其中有错误 {wrong} 个"
    show.print(counted + "。")
    if not details:
        return
    order = {"error": 0, "warning": 1, "info": 2}
    rows = sorted(((r, i) for r in results for i in r.issues), key=lambda ri: order[ri[1].severity])
    # errors, then warnings; then the hints (conversions, likely intended values) on their own
    for title, wanted in (("问题清单", ("error", "warning")), ("提示", ("info",))):
        chosen = [(r, i) for r, i in rows if i.severity in wanted]
        if not chosen and wanted == ("info",):
            continue
        table = Table(
            title=title,
            caption=f"文件名略去了共同的开头“{escape(shared)}”" if shared else None,
            show_lines=False,
        )
        table.add_column("文件", overflow="fold", ratio=2)
        table.add_column("级别", no_wrap=True)
        table.add_column("工作表", overflow="fold", ratio=2)
        table.add_column("单元格", no_wrap=True)
        table.add_column("说明", overflow="fold", ratio=6)
        for r, i in chosen:
            if lang == "en":
                message, level = render(i, lang), i.severity
            else:
                # the place is in the columns beside it: the text says the rest
                message, level = unplaced(i.message, i.sheet, i.cell), SEVERITY_ZH[i.severity]
            table.add_row(
                escape(short(r)),
                level,
                escape(i.sheet or ""),
                i.cell or "",
                escape(message),
            )
        show.print(table)


@dataclasses.dataclass(frozen=True, slots=True)
class Slim(IssueCounts):
    """What the result table and --details need of a checked file, and no more: a few
    slots (a Submission's copy would keep a dict of 18 fields and its own FormInfo per
    file), so memory stays flat in the number of files. Read like a Submission by
    print_results; `dataclasses.replace(slim, issues=...)` adds issues across periods."""

    file: str
    sha256: str
    status: str
    form: FormInfo | None
    values: dict[str, Any]
    issues: tuple[Issue, ...]
    verdict: str | None
    criteria: tuple[dict[str, str], ...]


_FORMS: dict[FormInfo, FormInfo] = {}  # one FormInfo per form, version and year
# one copy of each issue many files have (a year's missing national figure in each of its
# thousand reports): each result comes unpickled with its own copies
_ISSUES: dict[tuple[Any, ...], Issue] = {}
_ISSUES_LIMIT = 4096
# one {unit field: unit} per unit: a batch's files come from a few dozen units
_UNITS: dict[tuple[str, type, Any], dict[str, Any]] = {}
_UNITS_LIMIT = 4096


def _unit_values(field: str, value: Any) -> dict[str, Any]:
    if len(_UNITS) >= _UNITS_LIMIT:
        return {field: value}
    try:  # by type too: 1, 1.0 and True are equal keys, not the same text
        return _UNITS.setdefault((field, type(value), value), {field: value})
    except TypeError:  # a value that is not hashable
        return {field: value}


def _shared(issue: Issue) -> Issue:
    """The issue, or an equal one already kept: by the type of its value and its params
    too (1, 1.0 and True are equal, not the same text; params are not compared)."""
    if len(_ISSUES) >= _ISSUES_LIMIT:
        return issue
    try:
        params = tuple((k, type(v), v) for k, v in issue.params.items())
        return _ISSUES.setdefault((issue, type(issue.value), params), issue)
    except TypeError:  # a value that is not hashable
        return issue


def slim(sub: Submission, *, details: bool = True) -> Slim:
    """The result table's copy of a checked file (see Slim). `details=False`: only the
    issues the table without --details counts or shows (its errors, its warnings and why
    it was refused), not its notes (severity info)."""
    unit_field = spec_of(sub).roles.unit
    issues = sub.issues
    if not details:
        refused = sub.rejection
        issues = tuple(i for i in issues if i.severity != "info" or i is refused)
    form = _FORMS.setdefault(sub.form, sub.form) if sub.form is not None else None
    return Slim(
        file=sub.file,
        sha256=sub.sha256,
        status=sys.intern(sub.status),
        form=form,
        values=_unit_values(unit_field, sub.values.get(unit_field)) if sub.values else {},
        issues=tuple(map(_shared, issues)) if issues else (),
        verdict=sys.intern(sub.verdict) if sub.verdict else sub.verdict,
        # the criteria a person must judge still mark the verdict in the table
        criteria=tuple(c for c in sub.criteria if c.get("status") == "manual"),
    )


def print_versions(rows: list[dict[str, Any]], console: Console) -> None:
    """The end of `check`: the files that will not count, and same-day conflicts to verify
    (`rows`: formkit.rounds.check.Versions.rows, or those of them these two list)."""
    later = [r for r in rows if r["disposition"] in NOT_COUNTED]
    if later:
        table = Table(title="同一申请单位的多个文件：以下文件不计入汇总")
        for col in ("文件", "说明"):
            table.add_column(col, overflow="fold")
        for r in later:
            table.add_row(escape(Path(r["file"]).name), escape(r["reason"]))
        console.print(table)
    for r in rows:
        if r["conflicts"]:
            message = conflict_message(Path(r["file"]).name, r["conflicts"])
            console.print(f"[yellow]警告：[/]{escape(message)}")


class JsonOut:
    """`--json FILE`: the report (formkit.rounds.report.Report) into a temporary file renamed
    into place at the end ("-" writes to standard output); nothing without --json."""

    def __init__(self, target: Path | None, reference: Reference, lang: str = "zh") -> None:
        self.target, self.reference, self.lang = target, reference, lang
        # which file counts for each application: written after the results (a generator:
        # the rows are written as they are made)
        self.files: Iterable[dict[str, Any]] | None = None
        # issues found across periods (a periodic form's summary), by file
        self.across: list[dict[str, Any]] | None = None
        self._ctx: Any = None
        self._report: Report | None = None

    def __enter__(self) -> JsonOut:
        if self.target is None:
            return self
        fh: IO[bytes]
        if str(self.target) == "-":
            fh = sys.stdout.buffer
        else:
            try:
                self._ctx = atomic_output(self.target)
                fh = self._ctx.__enter__()
            except OSError as exc:
                raise self._unwritable(exc) from None
        try:
            self._report = Report(fh, self.reference, self.lang)
        except OSError as exc:
            self._abandon(exc)
            raise self._unwritable(exc) from None
        return self

    def _abandon(self, exc: BaseException) -> None:
        """Writing failed (a full disk, a lost folder): the half-written temporary file is
        removed."""
        ctx, self._ctx, self._report = self._ctx, None, None
        if ctx is not None:
            with contextlib.suppress(BaseException):  # its own error is the same one
                ctx.__exit__(type(exc), exc, exc.__traceback__)

    def _unwritable(self, exc: OSError) -> Any:
        return fail(f"无法写出 {self.target}（{reason_zh(exc)}），未写出该文件。")

    def add(self, sub: Submission) -> None:
        if self._report is not None:
            try:
                self._report.add(sub)
            except OSError as exc:
                self._abandon(exc)
                raise self._unwritable(exc) from None

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        report = self._report
        if report is None:
            return
        if exc_type is None:
            try:
                report.finish(self.files, self.across)
            except OSError as error:
                self._abandon(error)
                raise self._unwritable(error) from None
        if self._ctx is not None:
            try:
                self._ctx.__exit__(exc_type, exc, tb)
            except OSError as error:
                self._ctx = None
                raise self._unwritable(error) from None
            if exc_type is None:
                err.print(f"结果已写入 {shown_path(self.target)}", soft_wrap=True)
        else:
            try:
                report.fh.flush()
            except OSError as error:
                raise self._unwritable(error) from None


def write_json(target: Path, results: Iterable[Submission], reference: Reference) -> None:
    with JsonOut(target, reference) as stream:
        for r in results:
            stream.add(r)
