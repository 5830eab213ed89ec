"""The `formkit` command: argument parsing and printing only; the work is in the library.

Exit codes: 0 success; 1 a file had errors or was rejected; 2 usage or I/O error.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress

from formkit.cli_frame import install as _frame

_frame("zh")  # typer's own words (用法, 选项, 缺少参数 …) in Chinese; `--lang en` restores them

app = typer.Typer(
    name="formkit",
    help="科技兴贸出口创新基地申报书与季度、年度报表：生成模板、读取回收表、审核、汇总、跟踪报送。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
out = Console()
err = Console(stderr=True)


def _p(path: Any) -> str:
    """A path for a message: as text (a name that is not UTF-8 by its display name), never
    read as markup. Messages with paths are printed with soft_wrap=True: a path is never
    broken by a line break, so it can be copied whole at any terminal width."""
    from rich.markup import escape

    from formkit.paths import display_name

    return escape(display_name(str(path)))


EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


@app.callback()
def _root(
    lang: Annotated[
        str, typer.Option("--lang", help="命令行的语言：zh（默认）或 en（英文帮助）。")
    ] = "zh",
) -> None:
    if lang not in ("zh", "en"):
        raise _fail("--lang 只能是 zh 或 en。")


MAX_TABLE_ROWS = 50


def _day_option(text: str | None, what: str) -> Any:
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _fail(f"{what}“{text}”应写成 2006-04-30 的形式。") from None


def _why(exc: Exception) -> str:
    """Why writing failed, in Chinese (磁盘已满, 没有写入权限, ...)."""
    from formkit.atomic import reason_zh

    return reason_zh(exc) if isinstance(exc, OSError) else str(exc)


def _fail(message: str) -> typer.Exit:
    from formkit.paths import display_name, is_displayable

    if not is_displayable(message):  # a path that is not UTF-8 (a GBK name) in the message
        message = display_name(message)
    err.print(f"[bold red]错误：[/]{message}")
    return typer.Exit(EXIT_USAGE)


def _require(paths: list[Path | None]) -> None:
    missing = [p for p in paths if p is not None and not p.exists()]
    if missing:
        raise _fail("找不到：" + "、".join(str(p) for p in missing))


def _guard(
    inputs: list[Any], outputs: tuple[Any, ...] | list[Any] = (), out_dirs: tuple[Any, ...] = ()
) -> None:
    """No output may overwrite an input or land in a folder being read (formkit/paths.py)."""
    from formkit.atomic import mark_run_start
    from formkit.paths import OutputClash, check_outputs

    mark_run_start()  # .part files older than this are an interrupted run's leftovers
    try:
        check_outputs(inputs, outputs, out_dirs)
    except OutputClash as exc:
        raise _fail(exc.message) from None


def _files(paths: list[Path]) -> list[Path]:
    """Files as given and everything under given folders; usage error if none or missing."""
    from formkit.read import collect_paths

    _require(list(paths))
    files = collect_paths(paths)
    if not files:
        raise _fail("给出的文件夹中没有文件。")
    return files


def _reference(path: Path | None) -> Any:
    from formkit.reference import ReferenceError, load_reference

    try:
        return load_reference(path)
    except ReferenceError as exc:
        raise _fail(str(exc)) from None


def _workers(jobs: int, files: int) -> int:
    import os

    if jobs > 0:
        return jobs
    # the CPUs this process may run on (a container or `taskset` may allow fewer than exist)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(files, cpus or 1))


# options several commands share
Jobs = Annotated[int, typer.Option("--jobs", "-j", help="并行读取的进程数（默认为 CPU 核数）。")]
Year = Annotated[int | None, typer.Option("--year", help="本次收集的申报年度，用于核对模板年度。")]
FormOpt = Annotated[
    str | None,
    typer.Option("--form", help="表单标识（默认为申报书；formkit forms 列出可用的表单）。"),
]
PeriodOpt = Annotated[
    str | None,
    typer.Option(
        "--period",
        help="报告期（按期报送的表单必填）：季度如 2007Q2（2007 年第二季度），年度如 2007。",
    ),
]


def _form_spec(form: str | None) -> Any:
    """The spec of `--form` (default: the 申报书); exits 2 naming the forms there are."""
    from formkit.forms import UnknownForm, load_form_spec

    try:
        return load_form_spec(form)
    except UnknownForm:
        raise _fail(f"没有表单“{form}”；`formkit forms` 列出可用的表单。") from None


def _period_option(spec: Any, period: str | None) -> Any:
    """`--period` as a Period of the form, None for a form filed once per round."""
    from formkit.distribute import parse_period

    title = spec.file_name or spec.id
    if not spec.roles.period:
        if period is not None:
            raise _fail(f"{title}不分报告期，不用 --period。")
        return None
    if period is None:
        raise _fail(f"{title}按报告期报送：请用 --period 指定，如 2007Q2。")
    try:
        return parse_period(period, spec)
    except ValueError as exc:
        raise _fail(str(exc)) from None


ReferenceFile = Annotated[
    Path | None,
    typer.Option("--reference", help="参考数据（TOML），覆盖内置的全国统计等。"),
]
# the province's deadline for its applicants (not the notice's 4月30日, the province's own
# deadline to the ministry): a 申报书 whose 填报日期 is after it is warned
ApplicantsDeadline = Annotated[
    str | None,
    typer.Option(
        "--deadline",
        help="省级规定的申报截止日期，如 2006-04-20：填报日期晚于它的申报书给出警告。",
    ),
]


@app.command()
def template(
    year: Annotated[
        int, typer.Option("--year", help="申报年度（数据年度为上一年）；其他表单为报告年度。")
    ] = 2006,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="输出文件（默认 templates/申报书.xlsx；其他表单如 templates/季度数据报表.xlsx）。",
        ),
    ] = None,
    password: Annotated[
        str | None, typer.Option("--password", help="工作表保护密码（默认不设密码）。")
    ] = None,
    form: Annotated[
        str | None,
        typer.Option("--form", help="表单标识（默认为申报书；`formkit forms` 列出全部表单）。"),
    ] = None,
) -> None:
    """生成空白申报书模板（.xlsx）；用 --form 生成其他表单的模板。"""
    from formkit.forms import DEFAULT_FORM, UnknownForm, load_form_spec
    from formkit.spec import SpecError
    from formkit.template import write_template

    if not 2000 <= year <= 2100:
        raise _fail(f"申报年度 {year} 不合理，请填写如 2006 的四位年份。")
    if form is None or form == DEFAULT_FORM:
        output = output or Path("templates/申报书.xlsx")
        _guard([], [output])
        try:
            path = write_template(output, year=year, password=password)
        except (OSError, SpecError) as exc:
            raise _fail(f"无法写出模板 {output}（{_why(exc)}）。") from None
        out.print(
            f"已生成模板：[bold]{_p(path)}[/]（{year}年申报，数据年度 {year - 1} 年）",
            soft_wrap=True,
        )
        return
    try:
        spec = load_form_spec(form)
    except UnknownForm:
        raise _fail(f"没有表单“{form}”；`formkit forms` 列出可用的表单。") from None
    output = output or Path("templates") / f"{spec.file_name or spec.id}.xlsx"
    _guard([], [output])
    try:
        path = write_template(output, spec, year=year, password=password)
    except (OSError, SpecError) as exc:
        raise _fail(f"无法写出模板 {output}（{_why(exc)}）。") from None
    out.print(f"已生成模板：[bold]{_p(path)}[/]（{spec.render(spec.title, year)}）", soft_wrap=True)


@app.command()
def forms() -> None:
    """列出 formkit 能生成和读取的表单：标识、版本、名称、依据。"""
    from formkit.forms import form_ids, load_form_spec

    for form_id in form_ids():
        spec = load_form_spec(form_id)
        name = spec.title.replace("{year}年度", "").replace("{year}年", "")
        out.print(f"{spec.id}  版本 {spec.version}  {name}（{spec.source}）", soft_wrap=True)


@app.command()
def check(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="回收的文件（申报书或报表）或文件夹（递归）。", show_default=False, metavar="文件"
        ),
    ],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="把结果按 JSON 写入文件（- 表示标准输出）。")
    ] = None,
    jobs: Jobs = 0,
    year: Year = None,
    details: Annotated[
        bool, typer.Option("--details", help="逐条列出问题（文件、工作表、单元格、说明）。")
    ] = False,
    reference: ReferenceFile = None,
    lang: Annotated[str, typer.Option("--lang", help="问题说明的语言：zh 或 en。")] = "zh",
    deadline: ApplicantsDeadline = None,
) -> None:
    """读取并审核回收的申报书：每个文件的审核结论、错误和警告。"""

    from formkit.check import check_many
    from formkit.read import ReadOptions

    if lang not in ("zh", "en"):
        raise _fail("--lang 只能是 zh 或 en。")
    ref = _reference(reference)
    files = _files(paths)
    _guard([*paths, reference], [json_out])
    # every registered form, each file checked against its own
    options = ReadOptions(
        year=year,
        reference_path=str(reference) if reference else None,
        forms=None,
        deadline=_day_option(deadline, "申报截止日期"),
    )
    results = []
    workers = _workers(jobs, len(files))
    versions = _Versions(ref)
    with _progress() as progress, _JsonOut(json_out, ref, lang) as stream:
        task = progress.add_task("读取并审核", total=len(files))
        for sub in check_many(files, options, jobs=workers):
            stream.add(sub)
            versions.add(sub)
            results.append(_slim(sub))  # memory stays flat in the number of files
            progress.advance(task)
        stream.files = versions.rows()
    # with --json - the JSON owns standard output; the tables go to standard error
    console = err if str(json_out) == "-" else out
    _print_results(results, details, lang, console=console)
    versions.print(console)
    bad = any(r.status == "rejected" or r.errors for r in results)
    raise typer.Exit(EXIT_FINDINGS if bad else EXIT_OK)


def _progress() -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )


_VERDICT_STYLE = {"符合": "green", "不符合": "red", "待补充材料": "yellow", "需人工判断": "cyan"}
_SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


def _print_results(
    results: list[Any], details: bool, lang: str = "zh", console: Console | None = None
) -> None:
    """The checked files as a table that reads at 80 columns: each file by the part of its
    name that tells it apart (a shared beginning is named once, above), the form's own
    words (a report has no 审核结论 and no 推荐单位), and with --details each issue's place
    in its own columns, its text without repeating it."""
    from rich.markup import escape
    from rich.table import Table

    from formkit.forms import spec_of
    from formkit.issues import render, unplaced
    from formkit.paths import display_name, distinct_names

    show = console or out
    specs = {spec_of(r).id: spec_of(r) for r in results}
    verdicts = any(s.summary.verdicts for s in specs.values()) or not specs
    labels = {s.roles.unit_label for s in specs.values()}
    unit_label = labels.pop() if len(labels) == 1 else "单位"
    names, shared = distinct_names([display_name(Path(r.file).name) for r in results])
    short = dict(zip((id(r) for r in results), names, strict=True))

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
        shown = f"[{_VERDICT_STYLE[verdict]}]{verdict}[/]" if verdict in _VERDICT_STYLE else verdict
        if verdict != "需人工判断" and any(c.get("status") == "manual" for c in r.criteria):
            shown += "（另有需人工判断的条件）"
        table.add_row(
            escape(short[id(r)]),
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
        given = {v: sum(1 for r in results if r.verdict == v) for v in _VERDICT_STYLE}
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
                message, level = unplaced(i.message, i.sheet, i.cell), _SEVERITY_ZH[i.severity]
            table.add_row(
                escape(short[id(r)]),
                level,
                escape(i.sheet or ""),
                i.cell or "",
                escape(message),
            )
        show.print(table)


def _slim(sub: Any) -> Any:
    """What the result table and --details need of a checked file, and no more."""
    from formkit.forms import spec_of

    unit_field = spec_of(sub).roles.unit
    sub.values = {unit_field: sub.values.get(unit_field)} if sub.values else {}
    # the criteria a person must judge still mark the verdict in the table
    sub.sources, sub.computed = {}, {}
    sub.criteria = [c for c in sub.criteria if c.get("status") == "manual"]
    return sub


class _Versions:
    """Which of the checked files counts for each application (formkit.supersession), for
    the end of `check`: files that will not count, and same-day conflicts to verify."""

    def __init__(self, reference: Any) -> None:
        self.reference = reference
        self.cands: list[Any] = []

    def add(self, sub: Any) -> None:
        import os

        from formkit.forms import spec_of
        from formkit.supersession import candidate

        try:
            mtime = os.stat(sub.location).st_mtime  # file is a display name for a GBK name
        except OSError:
            mtime = 0.0
        self.cands.append(
            candidate(
                sub, spec_of(sub), self.reference, handle=sub.file, received=(mtime, sub.file)
            )
        )

    def rows(self) -> list[dict[str, Any]]:
        """One row per file: the `files` list of the --json output."""
        from formkit.supersession import decide

        decisions = decide(self.cands)
        names = {c.handle: c.name for c in self.cands}
        by_handle = {c.handle: c for c in self.cands}
        out = []
        for c in self.cands:
            d = decisions[c.handle]
            out.append(
                {
                    "file": c.handle,
                    "sha256": c.sha256,
                    "disposition": d.disposition,
                    "current": by_handle[d.winner].handle if d.winner else None,
                    "reason": d.reason,
                    "conflicts": [names[h] for h in d.conflicts],
                }
            )
        return out

    def print(self, console: Console) -> None:
        from rich.markup import escape
        from rich.table import Table

        from formkit.supersession import conflict_message

        rows = self.rows()
        later = [r for r in rows if r["disposition"] in ("duplicate", "same_version", "superseded")]
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


class _JsonOut:
    """The --json contract {"formkit", "reference", "results": [...]}, streamed: each
    result is written as it arrives, into a temporary file renamed into place at the end
    ("-" writes to standard output)."""

    def __init__(self, target: Path | None, reference: Any, lang: str = "zh") -> None:
        self.target, self.reference, self.lang = target, reference, lang
        self.count = 0
        # which file counts for each application: written after the results
        self.files: list[dict[str, Any]] | None = None
        # issues found across periods (a periodic form's summary), by file
        self.across: list[dict[str, Any]] | None = None
        self._ctx: Any = None
        self._fh: Any = None

    def __enter__(self) -> _JsonOut:
        import json

        from formkit import __version__
        from formkit.atomic import atomic_output

        if self.target is None:
            return self
        if str(self.target) == "-":
            self._fh = sys.stdout.buffer
        else:
            try:
                self._ctx = atomic_output(self.target)
                self._fh = self._ctx.__enter__()
            except OSError as exc:
                raise self._unwritable(exc) from None
        head = (
            "{\n"
            f'  "formkit": {json.dumps(__version__)},\n'
            f'  "reference": {json.dumps(reference_json(self.reference), ensure_ascii=False)},\n'
            '  "results": [\n'
        )
        self._write(head)
        return self

    def _write(self, text: str) -> None:
        """Write, or (a full disk, a lost folder) end the command with exit 2 and a
        Chinese message, the half-written temporary file removed."""
        try:
            self._fh.write(text.encode("utf-8"))
        except OSError as exc:
            self._abandon(exc)
            raise self._unwritable(exc) from None

    def _abandon(self, exc: BaseException) -> None:
        ctx, self._ctx, self._fh = self._ctx, None, None
        if ctx is not None:
            with contextlib.suppress(BaseException):  # its own error is the same one
                ctx.__exit__(type(exc), exc, exc.__traceback__)

    def _unwritable(self, exc: OSError) -> typer.Exit:
        from formkit.atomic import reason_zh

        return _fail(f"无法写出 {self.target}（{reason_zh(exc)}），未写出该文件。")

    def add(self, sub: Any) -> None:
        import json

        from formkit.issues import render

        if self._fh is None:
            return
        doc = sub.to_json()
        if self.lang == "en":
            for item, issue in zip(doc["issues"], sub.issues, strict=True):
                item["message"] = render(issue, "en")
        text = json.dumps(doc, ensure_ascii=False, indent=2)
        self._write((",\n" if self.count else "") + text)
        self.count += 1

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._fh is None:
            return
        if exc_type is None:
            import json

            tail = "\n  ]"
            if self.files is not None:
                tail += ',\n  "files": ' + json.dumps(self.files, ensure_ascii=False, indent=2)
            if self.across is not None:
                tail += ',\n  "across": ' + json.dumps(self.across, ensure_ascii=False, indent=2)
            self._write(tail + "\n}\n")
        if self._ctx is not None:
            try:
                self._ctx.__exit__(exc_type, exc, tb)
            except OSError as error:
                self._ctx = None
                raise self._unwritable(error) from None
            if exc_type is None:
                err.print(f"结果已写入 {_p(self.target)}", soft_wrap=True)
        else:
            try:
                self._fh.flush()
            except OSError as error:
                raise self._unwritable(error) from None


def _across_json(found: list[Any]) -> list[dict[str, Any]] | None:
    """Issues the rules across periods found, each with its file: they are not in the
    file's own result, which was written when it arrived."""
    if not found:
        return None
    by_file: dict[str, dict[str, Any]] = {}
    for sub, issue in found:
        entry = by_file.setdefault(
            sub.sha256, {"file": sub.file, "sha256": sub.sha256, "issues": []}
        )
        entry["issues"].append(issue.to_json())
    return list(by_file.values())


def _write_json(target: Path, results: Iterable[Any], reference: Any, lang: str = "zh") -> None:
    with _JsonOut(target, reference, lang) as stream:
        for r in results:
            stream.add(r)


@app.command()
def summary(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="回收的文件（申报书或报表）或文件夹（递归）。", show_default=False, metavar="文件"
        ),
    ] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="汇总表文件。")] = Path(
        "汇总表.xlsx"
    ),
    db: Annotated[
        Path | None, typer.Option("--db", help="改为汇总报送台账（formkit ingest）中的全部文件。")
    ] = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="推荐单位，如 江苏省（写入标题和标识）。")
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="申报年度（默认取自模板）。")] = None,
    jobs: Jobs = 0,
    reference: ReferenceFile = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="同时把检查结果写成 JSON。")
    ] = None,
    rank_by: Annotated[
        str | None,
        typer.Option(
            "--rank-by", help="推荐排序依据，逗号分隔，默认“审核结论,高新技术产品出口额”。"
        ),
    ] = None,
    form_id: Annotated[
        str | None,
        typer.Option("--form", help="汇总哪个表单（默认为申报书；`formkit forms` 列出全部表单）。"),
    ] = None,
    quarter: Annotated[
        int | None,
        typer.Option(
            "--quarter",
            help="季度数据报表：汇总第几季度（1—4，与 --year 一起；默认为最近的季度）。",
        ),
    ] = None,
    period_text: Annotated[
        str | None,
        typer.Option(
            "--period", help="按期报送的表单：汇总哪一期，如 2007Q2（同 --year 2007 --quarter 2）。"
        ),
    ] = None,
    deadline: ApplicantsDeadline = None,
) -> None:
    """读取、审核全部申报书（或 --form 指定的报表），生成省级汇总表（可打印报部）。"""

    from formkit.atomic import committed_together
    from formkit.check import check_many
    from formkit.paths import display_name
    from formkit.read import ReadOptions
    from formkit.summary import Collector, write

    paths = paths or []
    if db is None and not paths:
        raise _fail("请给出回收的文件或文件夹，或用 --db 指定报送台账。")
    _require([*paths, db])
    _guard([*paths, db, reference], [output, json_out])
    ref = _reference(reference)
    if unit is not None and ref.unit(unit) is None:
        raise _fail(f"推荐单位“{unit}”不在 37 个推荐单位之列。")
    unit_name = ref.unit(unit).name if unit else None
    spec = _form_spec(form_id)
    period = _period(spec, year, quarter, period_text)
    _check_rank_key(rank_by)
    if db is not None:
        _summary_from_ledger(
            db, output, ref, unit_name, year, json_out, rank_by, form_id=form_id, period=period
        )
        return
    files = _files(paths)
    # a periodic form's files of other years are read as they are (the comparisons need them)
    options = ReadOptions(
        year=None if spec.roles.period else year,
        forms=(spec.id,),
        reference_path=str(reference) if reference else None,
        deadline=_day_option(deadline, "申报截止日期"),
    )
    workers = _workers(jobs, len(files))
    results = []
    collector = Collector(spec=spec, reference=ref)
    # the JSON and the workbook are renamed into place together: both new or both old
    try:
        with committed_together():
            # each result is reduced to its summary rows as it arrives: memory stays flat in N
            with _progress() as progress, _JsonOut(json_out, ref) as stream:
                task = progress.add_task("读取并审核", total=len(files))
                # the cells each value came from go only into the JSON
                for sub in check_many(
                    files, options, jobs=workers, provenance=json_out is not None
                ):
                    stream.add(sub)
                    collector.add(sub)
                    results.append(_slim(sub))
                    progress.advance(task)
                inputs = [display_name(p) for p in paths]
                data = collector.finish(year=year, unit=unit_name, inputs=inputs, period=period)
                stream.across = _across_json(collector.found_across)
            # after finish: a periodic form's issues across periods are in the table too
            _print_results(results, details=False)
            write(output, data, spec=spec, reference=ref, rank_by=rank_by)
    except OSError as exc:
        raise _fail(f"无法写出 {output}（{_why(exc)}）。") from None
    out.print(f"已生成汇总表：[bold]{_p(output)}[/]（{_file_counts(data)}）", soft_wrap=True)


def _period(
    spec: Any, year: int | None, quarter: int | None, period: str | None = None
) -> tuple[Any, ...] | None:
    """--year/--quarter (or --period 2007Q2, as distribute and status take it) as the values
    of the form's period fields ([roles] period); None: the latest present."""
    fields = spec.roles.period
    if period is not None:
        from formkit.distribute import parse_period

        if quarter is not None:
            raise _fail("--period 与 --quarter 只用一个。")
        try:
            return tuple(v for _f, v in parse_period(period, spec).values)
        except ValueError as exc:
            raise _fail(str(exc)) from None
    if quarter is not None:
        last = spec.field(fields[-1]) if len(fields) > 1 else None
        if last is None or not last.choices:
            raise _fail(f"表单 {spec.id} 不分季度，--quarter 不适用。")
        if year is None:
            raise _fail("--quarter 需要与 --year 一起给出。")
        if not 1 <= quarter <= len(last.choices):
            raise _fail(f"--quarter 为 1—{len(last.choices)}。")
        return (year, last.choices[quarter - 1])
    return (year,) if fields and year is not None else None


def _check_rank_key(rank_by: str | None) -> None:
    from formkit.forms.shenbaoshu.recommend import RankKeyError, rank_key

    try:
        rank_key(rank_by)
    except RankKeyError as exc:
        raise _fail(str(exc)) from None


def _summary_from_ledger(
    db: Path,
    output: Path,
    ref: Any,
    unit: str | None,
    year: int | None,
    json_out: Path | None,
    rank_by: str | None = None,
    *,
    form_id: str | None = None,
    period: tuple[Any, ...] | None = None,
) -> None:
    from formkit.atomic import committed_together
    from formkit.summary import from_ledger, ledger_submissions, write

    # what the result table needs of each file, and no more: memory stays flat in N (the
    # issues across periods the summary finds still reach each file's issues)
    results: list[Any] = []
    data = from_ledger(
        db,
        reference=ref,
        unit=unit,
        year=year,
        each=lambda sub: results.append(_slim(sub)),
        form_id=form_id,
        period=period,
    )
    found: dict[str, list[Any]] = {}
    for sha, issue in data.found_across:
        found.setdefault(sha, []).append(issue)
    for sub in results if found else ():
        sub.issues += found.get(sub.sha256, [])
    _print_results(results, details=False)
    spec = _form_spec(form_id) if form_id else None
    try:
        with committed_together():  # both new or both old
            write(output, data, spec=spec, reference=ref, rank_by=rank_by)
            if json_out is not None:  # the files again, one at a time
                again = ledger_submissions(db, form_id=form_id, found_across=data.found_across)
                _write_json(json_out, again, ref)
    except OSError as exc:
        raise _fail(f"无法写出 {output}（{_why(exc)}）。") from None
    out.print(
        f"已按台账 {_p(db)} 生成汇总表：[bold]{_p(output)}[/]（{_file_counts(data)}）",
        soft_wrap=True,
    )


def _file_counts(data: Any) -> str:
    others = len(getattr(data, "others", ()))
    counted = (
        f"汇总 {data.count('汇总') - others} 份（另有其他期间 {others} 份列入明细，用于比较）"
        if others
        else f"汇总 {data.count('汇总')} 份"
    )
    return (
        f"{counted}，已替代 {data.count('已替代')} 份，"
        f"重复 {data.count('重复')} 份，未受理 {data.count('未受理')} 份"
    )


@app.command()
def rollup(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="各省的汇总表（formkit summary 生成）。", show_default=False, metavar="汇总表"
        ),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="全国汇总文件。")] = Path(
        "全国汇总.xlsx"
    ),
    reference: ReferenceFile = None,
    year: Annotated[
        int | None,
        typer.Option("--year", help="申报年度（默认取多数汇总表的年度）；其他年度的汇总表不采用。"),
    ] = None,
    form_id: Annotated[
        str | None,
        typer.Option(
            "--form",
            help="汇总哪个表单的汇总表（默认取第一份汇总表记录的表单；其他表单的不采用）。",
        ),
    ] = None,
    quarter: Annotated[
        int | None,
        typer.Option(
            "--quarter",
            help="季度数据报表：汇总第几季度的汇总表（与 --year 一起；默认取多数汇总表的季度）。",
        ),
    ] = None,
) -> None:
    """把各省汇总表合成全国汇总（商务部用）：每个推荐单位只采用一份汇总表，未采用的列出原因。

    申报书的全国汇总另在同一文件夹写出全国推荐名单（公示）：推荐名单公示-<年度>.xlsx、
    .docx 和 .html（网页，可直接放到网站上）。
    """
    from rich.markup import escape

    from formkit.atomic import committed_together, write_bytes_atomic
    from formkit.forms import form_of
    from formkit.paths import display_name
    from formkit.rollup import rollup as do_rollup
    from formkit.summary import write

    ref = _reference(reference)
    files = _files(paths)
    _guard([*paths, reference], [output])
    spec = _form_spec(form_id or _summary_form(files))
    period = _period(spec, year, quarter) if quarter is not None else None
    result = do_rollup(files, spec=spec, reference=ref, year=year, period=period)
    result.data.inputs = [display_name(p) for p in paths]
    for file, reason in result.rejected:
        err.print(f"[red]未采用[/] {escape(display_name(file))}：{escape(reason)}")
    # the form's own documents beside the roll-up (the 申报书's national 公示)
    extra = form_of(spec).hook("rollup_documents")
    documents = [(output.parent / n, b) for n, b in extra(result.data, ref)] if extra else []
    _guard([*paths, reference], [output, *(p for p, _ in documents)])
    try:
        with committed_together():  # all new or all old
            write(output, result.data, spec=spec, reference=ref, national=True)
            for path, content in documents:
                write_bytes_atomic(path, content)
    except OSError as exc:
        raise _fail(f"无法写出 {output}（{_why(exc)}）。") from None
    out.print(
        f"已生成全国汇总：[bold]{_p(output)}[/]（{len(result.data.sources)} 份省级汇总，"
        f"{len(result.data.applications)} 个{spec.summary.item}；"
        f"未采用 {len(result.rejected)} 个文件）",
        soft_wrap=True,
    )
    if documents:
        out.print("已生成推荐名单（公示）：", soft_wrap=True)
        for path, _ in documents:
            out.print(f"  {_p(path)}", soft_wrap=True)
    raise typer.Exit(EXIT_FINDINGS if result.rejected else EXIT_OK)


def _summary_form(files: list[Path]) -> str | None:
    """The form of the first readable summary (its formkit_form_id), else the default."""
    from formkit.rollup import NotASummary, summary_form

    for path in files:
        try:
            return summary_form(path)
        except NotASummary:
            continue
    return None


@app.command(short_help="推荐决定：排序、名额、推荐文件与报部名单。")
def recommend(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="省级汇总表（formkit summary 生成，可在 Excel/WPS 中改过推荐次序和推荐意见）。",
            show_default=False,
            metavar="汇总表",
        ),
    ] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="输出文件夹。")] = Path("推荐文件"),
    db: Annotated[
        Path | None,
        typer.Option("--db", help="改为按报送台账中的当前文件，由 formkit 建议推荐名单。"),
    ] = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="只处理这个推荐单位，如 四川省。")
    ] = None,
    rank_by: Annotated[
        str | None,
        typer.Option(
            "--rank-by",
            help="排序依据（与 --db 一起用），逗号分隔，默认“审核结论,高新技术产品出口额”。",
        ),
    ] = None,
    contact: Annotated[str, typer.Option("--contact", help="推荐文件上的联系人。")] = "",
    phone: Annotated[str, typer.Option("--phone", help="推荐文件上的联系电话。")] = "",
    date: Annotated[
        str | None, typer.Option("--date", help="成文日期，如 2006-04-28（默认留空待填）。")
    ] = None,
    authority: Annotated[
        str | None,
        typer.Option(
            "--authority", help="发文机关全称，如 江苏省对外贸易经济合作厅（默认取参考数据）。"
        ),
    ] = None,
    signer: Annotated[str, typer.Option("--signer", help="签发人姓名（默认留空待填）。")] = "",
    doc_code: Annotated[
        str,
        typer.Option("--doc-code", help="发文字号中〔年份〕之前的机关代字（序号留空待填）。"),
    ] = "",
    reference: ReferenceFile = None,
) -> None:
    """按通知六(三)确定推荐名单，生成推荐文件（请示，.docx，按 GB/T 9704-2012 公文格式，
    打印、签发、盖章）和报部名单（.xlsx 与 .docx）。

    给出汇总表时，以汇总表“汇总表”工作表中的推荐次序、推荐意见、推荐理由三列为准：
    可在 Excel/WPS 中修改后保存，与 formkit 建议不同之处记为“人工调整”。用 --db 时由
    formkit 按排序依据和推荐名额直接建议。

    退出码：0 已生成；1 已生成，但推荐意见无法识别、推荐超出名额或推荐文件日期晚于报部时限
    （见提示）；2 参数错误或文件无法读写。
    """
    import datetime as dt

    from rich.markup import escape
    from rich.table import Table

    from formkit.forms.shenbaoshu.letters import LetterInfo, letter_notes, write_documents
    from formkit.forms.shenbaoshu.recommend import (
        RankKeyError,
        by_unit,
        propose,
        rank_key,
        settle,
        shown,
    )

    paths = paths or []
    if db is None and not paths:
        raise _fail("请给出汇总表文件，或用 --db 指定报送台账。")
    _require([*paths, db])
    ref = _reference(reference)
    when = None
    if date is not None:
        try:
            when = dt.date.fromisoformat(date)
        except ValueError:
            raise _fail(f"日期“{date}”应写成 2006-04-25 的形式。") from None
    unit_name = None
    if unit is not None:
        found = ref.unit(unit)
        if found is None:
            raise _fail(f"推荐单位“{unit}”不在 37 个推荐单位之列。")
        unit_name = found.name
    try:
        key = rank_key(rank_by)
    except RankKeyError as exc:
        raise _fail(str(exc)) from None
    problems: list[str] = []
    if db is not None:
        from formkit.summary import from_ledger

        data = from_ledger(db, reference=ref, unit=unit_name)
        apps = data.applications
        propose(apps, reference=ref, key=key)
        year = data.year
    else:
        from formkit.rollup import NotASummary, read_summary

        apps, year = [], 0
        for path in _files(paths):
            try:
                part = read_summary(path)[1]
            except NotASummary as exc:
                raise _fail(f"{path}：{exc}") from None
            apps += part.applications
            year = year or part.year
        if any(a.get("_proposed_decision") for a in apps):
            if rank_by is not None:
                err.print("[yellow]提示：[/]给出汇总表时以表中的推荐次序为准，--rank-by 未使用。")
            problems = settle(apps, reference=ref).problems
        else:  # a summary from before the decision columns: formkit proposes
            propose(apps, reference=ref, key=key)
    grouped = by_unit(apps, unit_name)
    apps = [a for _, members in grouped for a in members]
    if not apps:
        raise _fail("没有可推荐的申请。")
    table = Table(title="推荐决定")
    for col in ("推荐单位", "推荐次序", "申请单位", "申报类型", "审核结论", "推荐意见", "理由"):
        table.add_column(col, overflow="fold")
    written = []
    notes: list[str] = []
    for name, members in grouped:
        for a in sorted(members, key=lambda a: (a.get("_rank") is None, a.get("_rank") or 0)):
            reason = str(a.get("_reason") or "")
            if a.get("_override"):
                reason += f"\n[yellow]{escape(str(a['_override']))}[/]"
            applicant, kind = shown(a)
            table.add_row(
                escape(name),
                str(a.get("_rank") or ""),
                escape(applicant),
                escape(kind),
                escape(str(a.get("_verdict") or "")),
                escape(str(a.get("_decision") or "")),
                reason,
            )
        info = LetterInfo(
            year or 2006, name or None, contact, phone, when, authority, signer, doc_code
        )
        try:
            written.append(write_documents(members, info, output))
        except OSError as exc:
            raise _fail(f"无法写出 {output}（{_why(exc)}）。") from None
        notes += letter_notes(members, info)
    out.print(table)
    if db is not None:
        out.print(f"排序依据：{key.shown}")
    pending = [
        a for a in apps if a.get("_verdict") == "需人工判断" and a.get("_decision") != "推荐"
    ]
    if pending:
        err.print(
            f"[yellow]提示：[/]{len(pending)} 份申请有需人工判断的条件，formkit 不自动推荐；"
            "决定推荐的，请在汇总表的推荐意见中改为“推荐”，"
            "再用 formkit recommend 汇总表.xlsx 生成。"
        )
    # the province's own deadline to the ministry (六(三)), stated per reporting year
    due, due_source = ref.ministry_deadline(year or 2006)
    if due is None:
        out.print(f"报部时限：{due_source}")
    else:
        out.print(f"报部时限：{due.isoformat()} 前（{due_source}）")
        if when is not None and when > due:
            problems.append(f"推荐文件日期 {when.isoformat()} 晚于报部时限 {due.isoformat()}")
    for problem in problems:
        err.print(f"[yellow]提示：[/]{escape(problem)}")
    for note in notes:
        out.print(escape(note))
    for w in written:
        out.print("已生成：", soft_wrap=True)
        for path in (w.letter, w.list_xlsx, w.list_docx):
            out.print(f"  {_p(path)}", soft_wrap=True)
    raise typer.Exit(EXIT_FINDINGS if problems else EXIT_OK)


def reference_json(reference: Any) -> dict[str, Any]:
    """The effective reference values, echoed so a reader of the output knows what was used."""
    return {
        "sources": list(reference.sources),
        "thresholds": dict(reference.thresholds),
        "national": {
            str(y): {
                "total_exports": n.total_exports,
                "hitech_exports": n.hitech_exports,
                "gdp": n.gdp,
                "source": f"{n.total_exports_source}; {n.hitech_exports_source}",
                "figures": {
                    name: {
                        "value": f.value,
                        "source": f.source,
                        "exact": f.exact,
                        "margin": f.margin,
                        "basis": f.basis,
                        "found": f.found,
                    }
                    for name, f in n.figures.items()
                },
            }
            for y, n in sorted(reference.national.items())
        },
        "exchange_rates": {
            str(y): r.rmb_per_usd for y, r in sorted(reference.exchange_rates.items())
        },
        "notice": {k: v for k, v in reference.notice.items()},
    }


@app.command()
def catalogue(
    output: Annotated[Path, typer.Option("-o", "--output", help="输出文件。")] = Path(
        "docs/issues.md"
    ),
) -> None:
    """生成问题代码一览（docs/issues.md）。"""
    from formkit.atomic import write_bytes_atomic
    from formkit.docs import catalogue_markdown

    write_bytes_atomic(output, catalogue_markdown().encode("utf-8"))
    out.print(f"已写入 {_p(output)}", soft_wrap=True)


@app.command()
def distribute(
    roster: Annotated[
        Path,
        typer.Argument(
            help="申报单位名单（.xlsx 或 .csv），首行为列名。", show_default=False, metavar="名单"
        ),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="输出文件夹。")] = Path("下发"),
    year: Annotated[int, typer.Option("--year", help="申报年度。")] = 2006,
    db: Annotated[Path, typer.Option("--db", help="报送台账（不存在则新建）。")] = Path(
        "formkit.db"
    ),
    form: FormOpt = None,
    period: PeriodOpt = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="上报链接的网址前缀，如 https://baosong.example.gov.cn（formkit serve）。",
        ),
    ] = None,
) -> None:
    """按名单为每个申请单位生成预填的申报书（单位信息锁定，带报送编号），并登记到报送台账；
    同时写出“上报链接.csv”：每个申请单位在网上报送页面（formkit serve）的专用上传链接。

    --form 选其他表单：如 --form kjxm-cxjd-jidu --period 2007Q2 按基地名单为每个基地生成
    2007 年第二季度的季度数据报表（报告期填好并锁定，每份有本期的报送编号）。"""
    from formkit.distribute import RosterError, read_roster, write_links
    from formkit.distribute import distribute as write_all
    from formkit.ledger import Ledger, LedgerError
    from formkit.web.auth import new_token, token_hash

    if not 2000 <= year <= 2100:
        raise _fail(f"申报年度 {year} 不合理，请填写如 2006 的四位年份。")
    spec = _form_spec(form)
    when = _period_option(spec, period)
    if when is not None:
        year = when.year
    if not roster.is_file():
        raise _fail(f"找不到名单文件：{roster}")
    try:
        rows = read_roster(roster, spec=spec)
    except RosterError as exc:
        raise _fail("名单有误，未生成任何文件：\n" + "\n".join(exc.problems)) from None
    from formkit.distribute import plan

    planned = plan(rows, output, year, spec=spec, period=when)
    _guard([roster], [db, *(item.path for item in planned)], (output,))
    try:
        with Ledger(db) as ledger:
            written = write_all(rows, output, year=year, spec=spec, period=when)
            ledger.add_roster(rows, year=year, period=when)
            # new links for this roster: the file first, so a failure keeps the old ones
            tokens = {item.submission_id: new_token() for item in written}
            links = write_links(written, tokens, output, base_url=base_url, spec=spec)
            ledger.set_token_hashes({sid: token_hash(t) for sid, t in tokens.items()})
    except (OSError, LedgerError) as exc:
        raise _fail(f"无法完成下发：{exc}") from None
    for item in written:
        out.print(f"{item.submission_id}  {item.path.name}")
    what = spec.file_name or spec.id
    if when is not None:
        what = f"{when.text}的{what}"
    out.print(
        f"已为 {len(written)} 个{spec.roles.subject_label}生成{what}：[bold]{_p(output)}[/]",
        soft_wrap=True,
    )
    out.print(f"名单已登记到台账：{_p(db)}", soft_wrap=True)
    # the whole path: the folder it is in is the one the province sends files from
    out.print(f"上报链接已写入：{_p(links)}", soft_wrap=True)
    out.print(
        f"请把各单位的上报链接随其{spec.file_name or spec.id}分别发给各单位；"
        "此前发出的链接随之失效。"
    )


@app.command(name="roster")
def roster_cmd(
    db: Annotated[
        Path, typer.Option("--db", help="申报轮次的报送台账（formkit ingest 登记的申报书）。")
    ],
    form: Annotated[
        str, typer.Option("--form", help="名单用于哪个表单，如 kjxm-cxjd-jidu（季度数据报表）。")
    ],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="输出的名单文件（.xlsx）。", show_default=False)
    ],
    year: Annotated[int | None, typer.Option("--year", help="申报年度，如 2006。")] = None,
    recommended: Annotated[
        Path | None,
        typer.Option(
            "--recommended",
            help="省级汇总表（formkit summary 生成、可能已修改推荐意见）：只取其中推荐的申请。",
        ),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="报告期，如 2007Q2：台账中有基地名册时，名单为这一期在册的基地。",
        ),
    ] = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="只列这个推荐单位的基地，如 四川省。")
    ] = None,
) -> None:
    """从基地名册（或申报轮次的台账）生成基地名单（.xlsx），供 distribute --form 下发报表。"""
    from formkit.bases import Register
    from formkit.bases.feed import roster_rows
    from formkit.distribute import roster_title, write_roster
    from formkit.ledger import Ledger, LedgerError

    spec = _form_spec(form)
    _require([db, recommended])
    _guard([db, *([recommended] if recommended else [])], [output])
    mine = _unit_name(unit)
    when = _period_option(spec, period) if period is not None else None
    chosen = None
    if recommended is not None:
        chosen = _recommended_pairs(recommended, spec.roster.source_form)
    try:
        with Ledger(db) as ledger:
            register = Register(ledger)
            if len(register) and recommended is None:
                # the bases the ministry recognised, 在册 during the period (formkit bases)
                if when is None:
                    raise _fail(
                        f"台账 {db} 中有基地名册：请用 --period 指定报告期（如 2008Q1），"
                        "名单为这一期在册的基地。"
                    )
                rows = roster_rows(register.bases(mine), spec.id, when, _reference(None))
                if not rows:
                    raise _fail(f"基地名册中没有 {when.tag} 在册的基地，未写出名单。")
            else:
                if when is not None:
                    raise _fail(
                        "--period 只用于按基地名册生成名单"
                        f"（台账 {db} 中没有基地名册，或给了 --recommended）。"
                    )
                rows = ledger.application_roster(spec.id, year=year, chosen=chosen)
                rows = [r for r in rows if mine is None or r.unit == mine]
    except LedgerError as exc:
        raise _fail(str(exc)) from None
    if not rows:
        which = "汇总表中推荐的" if recommended is not None else "审核结论为“符合”的"
        raise _fail(f"台账 {db} 中没有{which}申请（{year or '全部'}年度），未写出名单。")
    try:
        words = "{}年{}".format(*when.text.partition("/")[::2]) if when is not None else ""
        words = words or (f"据{year}年度申报" if year is not None else "")
        write_roster(rows, output, spec, roster_title(spec, mine, words))
    except OSError as exc:
        raise _fail(f"无法写出 {output}（{_why(exc)}）。") from None
    for r in rows:
        out.print(f"{r.unit}  {r.subject}")
    out.print(
        f"已写出{spec.file_name or spec.id}的名单（{len(rows)} 个{spec.roles.subject_label}）："
        f"[bold]{_p(output)}[/]",
        soft_wrap=True,
    )
    out.print(f"下发：formkit distribute {_p(output)} --form {spec.id} --period …", soft_wrap=True)


def _recommended_pairs(path: Path, app_form: str | None) -> list[tuple[str, str]]:
    """(unit, subject) of the applications a provincial summary marks 推荐, read back as
    `formkit recommend` reads them (the person's decisions, else formkit's proposal)."""
    from formkit.forms import get_form
    from formkit.forms.shenbaoshu.recommend import RECOMMEND, propose, settle
    from formkit.rollup import NotASummary, read_summary

    ref = _reference(None)
    try:
        apps = read_summary(path, app_form)[1].applications
    except NotASummary as exc:
        raise _fail(f"{path}：{exc}") from None
    if any(a.get("_proposed_decision") for a in apps):
        for problem in settle(apps, reference=ref).problems:
            err.print(f"[yellow]提示：[/]{problem}")
    else:
        propose(apps, reference=ref)
    roles = get_form(app_form).spec.roles
    pairs = []
    for a in apps:
        if a.get("_decision") == RECOMMEND:
            unit = ref.unit(str(a.get(roles.unit) or ""))
            name = str(a.get(roles.subject) or "")
            pairs.append((unit.name if unit is not None else str(a.get(roles.unit)), name))
    return pairs


def _registered_reason(ledger: Any, sha: str) -> str:
    """A file received again: what it was registered as (formkit.states)."""
    from formkit.forms import get_form
    from formkit.states import registered_reason

    record = ledger.file(sha)
    title = get_form(record.form_id).spec.file_name if record and record.form_id else ""
    return registered_reason(record, title or "")


def _settled(cells: tuple[str, ...], record: Any, across: dict[str, list[Any]]) -> tuple[str, ...]:
    """An ingest row with the state and reason `status` shows for its file (the check
    across periods ran after the file was recorded)."""
    from rich.markup import escape

    from formkit.states import shown_state, state_reason

    if record is None or record.superseded_by is not None:
        return cells
    found = across.get(record.sha256, [])
    state = shown_state(record, found)
    if state == cells[3]:
        return cells
    return (*cells[:3], state, escape(state_reason(record, found)))


@app.command()
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="收到的文件（申报书或报表）或文件夹（递归）。", show_default=False, metavar="文件"
        ),
    ],
    db: Annotated[Path, typer.Option("--db", help="报送台账（不存在则新建）。")] = Path(
        "formkit.db"
    ),
    jobs: Jobs = 0,
    year: Year = None,
    form: Annotated[
        str | None,
        typer.Option(
            "--form",
            help="只受理这一表单的文件（默认：按每个文件自带的表单标识受理任一表单）。",
        ),
    ] = None,
    deadline: ApplicantsDeadline = None,
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            "--received",
            help=(
                "这些文件的收到日期，如 2007-04-12（默认今天；重现以往的报送或补登以前收到的"
                "文件时用，逾期按它判断）。"
            ),
        ),
    ] = None,
) -> None:
    """登记收到的申报书：读取、审核并记入报送台账；已登记的文件不重复登记，新版本替代旧版本。

    季度数据报表、年度工作报告按文件自带的表单标识一并登记（同一基地的每个报告期各算一份）；
    登记后按台账中的当前文件做跨期核对，列出本次收到的文件的问题（工作表、单元格）。"""

    from rich.markup import escape
    from rich.table import Table

    from formkit.ledger import Ledger, LedgerError
    from formkit.paths import display_name
    from formkit.read import ReadOptions

    files = _files(paths)
    _guard(list(paths), [db])
    received_on = _day_option(today, "--today 日期")
    if form is not None:
        _form_spec(form)
    workers = _workers(jobs, len(files))
    across: dict[str, list[Any]] = {}
    # what the end of the run needs of each file, and no more: memory stays flat in N. A
    # long run lists only the files that need attention, as `check` does (all are in the
    # ledger: `status`, `summary --db`)
    rows: list[tuple[str, ...]] = []  # every file's row, while there are few
    attention: list[tuple[str, ...]] = []  # the first rows that need attention
    # the records of the rows shown: their state and reason are settled after the check
    # across periods, as `status` shows them (formkit.states)
    shown_records: dict[tuple[str, ...], Any] = {}
    recorded: list[tuple[str, str]] = []  # (sha256, file name)
    subjects: dict[str, set[tuple[str | None, str]]] = {}  # form -> (unit, subject)
    errors = 0
    total = 0

    def add(cells: tuple[str, ...], needs_attention: bool) -> None:
        if total <= MAX_TABLE_ROWS:
            rows.append(cells)
        elif rows:
            rows.clear()
        if needs_attention and len(attention) < MAX_TABLE_ROWS:
            attention.append(cells)

    def row(f: Any) -> None:
        nonlocal errors, total
        total += 1
        r = f.record
        if r is None:
            kind = "已登记过" if f.outcome == "duplicate" else "[red]无法读取[/]"
            shown, detail = display_name(Path(f.path).name), display_name(f.detail or "")
            if f.outcome == "duplicate":  # what it was registered as, and when
                detail = _registered_reason(ledger, f.sha256)
            add((escape(shown), kind, "", "", escape(detail)), f.outcome != "duplicate")
            return
        recorded.append((r.sha256, r.original_name))
        if r.form_id is not None and r.subject:
            subjects.setdefault(r.form_id, set()).add((r.unit, r.subject))
        errors += r.state == "有错误"
        kind = "新版本（替代旧版）" if f.supersedes else "新收到"
        d = f.decision
        note = r.problem or ""
        if d is not None and d.disposition in ("superseded", "same_version"):
            kind = "已登记，不作为当前版本"
            note = d.reason
        elif d is not None and d.conflicts:
            kind += "，[yellow]请核实[/]"
            note = "同一申请单位另有填报日期相同、数据不同的文件，暂以本文件为准。" + note
        if f.outcome == "reread":
            kind = "重新读取（上次读取失败）"
        if r.roster_id is None:
            kind += "，[yellow]名单外[/]"
        when = "{}年{}".format(*r.period.partition("/")[::2]) if r.period else ""
        who = "，".join(x for x in (r.unit, r.subject, when) if x)
        cells = (escape(r.original_name), kind, escape(who), r.state, escape(note))
        shown_records[cells] = r
        add(cells, kind not in ("新收到", "新版本（替代旧版）") or r.state == "有错误")

    try:
        with Ledger(db, form=form) as ledger, _progress() as progress:
            if not ledger.roster():
                err.print("[yellow]提示：[/]台账中还没有名单，收到的文件都将列为名单外。")
            task = progress.add_task("读取并审核", total=len(files))
            report = ledger.ingest(
                files,
                jobs=workers,
                options=ReadOptions(
                    year=year,
                    forms=None if form is None else (form,),
                    deadline=_day_option(deadline, "申报截止日期"),
                ),
                progress=lambda n: progress.advance(task, n),
                each=row,
                received_on=received_on,
            )
            # issues across periods, from the ledger's current files after this run, for
            # the subjects this run's files are about
            for fid in sorted(subjects):
                across.update(ledger.across_issues(fid, subjects=subjects[fid]))
    except (OSError, LedgerError) as exc:
        raise _fail(f"无法登记：{exc}") from None
    table = Table(title=f"共 {total} 个文件")
    for col in ("文件", "登记", "填报单位", "报送情况", "说明"):
        table.add_column(col, overflow="fold")
    shown_rows = rows if total <= MAX_TABLE_ROWS else attention
    for cells in shown_rows:
        table.add_row(*_settled(cells, shown_records.get(cells), across))
    out.print(table)
    if len(shown_rows) < total:
        out.print(f"（共 {total} 个文件，上表只列出需要处理的前 {len(shown_rows)} 个）")
    from formkit.ledger import issue_text

    found = [(name, i) for sha, name in recorded for i in across.get(sha, ())]
    if found:
        out.print(f"[bold]跨期核对[/]：本次收到的文件有 {len(found)} 个问题")
        for name, i in found:
            tag = "[red]错误[/]" if i.severity == "error" else "[yellow]警告[/]"
            out.print(f"{tag} {escape(issue_text(name, i))}")
    out.print(
        f"新收到 {report.new} 个（其中替代旧版本 {report.superseded} 个，名单外 "
        f"{report.unmatched} 个，未受理 {report.rejected} 个）；已登记过 {report.duplicate} 个"
        + (f"；上次读取失败、本次重新读取 {report.reread} 个" if report.reread else "")
        + "。"
    )
    bad = report.unreadable or errors or any(i.severity == "error" for _, i in found)
    raise typer.Exit(EXIT_FINDINGS if bad else EXIT_OK)


@app.command()
def status(
    db: Annotated[Path, typer.Option("--db", help="报送台账。")] = Path("formkit.db"),
    deadline: Annotated[
        str | None,
        typer.Option(
            "--deadline",
            help="申报截止日期（省级规定），如 2006-04-20；申报书不给时不判断逾期"
            "（通知的 4月30日是省级报部的时限）。",
        ),
    ] = None,
    today: Annotated[
        str | None,
        typer.Option("--today", help="按这一天判断是否逾期（默认今天；用于复核或重现）。"),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="把催报名单写成 Excel 文件。")
    ] = None,
    form: FormOpt = None,
    period: PeriodOpt = None,
) -> None:
    """报送情况：每个申请单位未收到 / 有错误 / 符合 / 不符合 / 待补充材料、是否逾期，
    以及名单外文件。

    --form kjxm-cxjd-jidu --period 2007Q2：名单中每个基地这一季度的报送情况；未给 --deadline
    时按表单规定的默认时限（季度数据报表：季度结束后次月15日，通知未规定，为 formkit 默认），
    输出中写明时限的来源。跨期核对的问题列在“需更正或核实的问题”中，写明文件、工作表和单元格。"""
    import sqlite3

    from rich.markup import escape
    from rich.table import Table

    from formkit.ledger import Ledger, LedgerError, sort_for_chasing, write_status_workbook

    due = _day_option(deadline, "截止日期")
    now = _day_option(today, "--today 日期")
    spec = _form_spec(form)
    when = _period_option(spec, period)
    if not db.is_file():
        raise _fail(f"找不到报送台账 {db}：请先运行 formkit distribute 或 formkit ingest。")
    _guard([db], [output])
    try:
        with Ledger(db) as ledger:
            report = ledger.status(due, today=now, form_id=spec.id, period=when)
    except (LedgerError, sqlite3.OperationalError) as exc:
        raise _fail(str(exc)) from None
    from formkit.ledger import issue_text

    styles = {
        "未收到": "red",
        "有错误": "dark_orange",
        "符合": "green",
        "不符合": "magenta",
        "需人工判断": "cyan",
    }
    title = f"{report.what}报送情况（名单 {len(report.rows)} 家）" if report.period else None
    table = Table(title=title or f"报送情况（名单 {len(report.rows)} 家）")
    # the unit, the subject and the roster's optional text and phone columns (contacts)
    cols = [c for c in spec.roster.columns if c.field in (spec.roles.unit, spec.roles.subject)]
    cols += [
        c
        for c in spec.roster.columns
        if not c.required and spec.field(c.field).type in ("text", "phone")
    ]
    for c in cols:
        # a phone number is never broken across lines; names wrap
        phone = spec.field(c.field).type == "phone"
        table.add_column(c.header, no_wrap=phone, overflow="fold", ratio=None if phone else 2)
    table.add_column("报送情况", no_wrap=True)
    table.add_column("是否逾期", no_wrap=True)
    table.add_column("最近收到", overflow="fold", ratio=2)
    for r in sort_for_chasing(report.rows):
        e, last = r.entry, r.last
        shown = f"[{styles[r.state]}]{r.state}[/]" if r.state in styles else r.state
        at = last.received_at.astimezone().strftime("%m-%d %H:%M") if last else ""
        table.add_row(
            *(escape(str(e.values.get(c.field) or "")) for c in cols),
            shown,
            r.overdue,
            escape(f"{last.original_name}（{at}）") if last else "",
        )
    out.print(table)
    if report.deadline is not None:
        out.print(f"{report.deadline_source}：{report.deadline.isoformat()}")
    else:
        out.print(report.deadline_source)
    for r in report.rows:
        if r.note:
            err.print(f"[yellow]请核实：[/]{escape(r.entry.subject)}：{escape(r.note)}")
    problems = [(r, i) for r in report.rows for i in r.across if r.last is not None]
    if problems:
        found = Table(title="需更正或核实的问题（跨期核对）")
        for col in (report.subject_label, "问题（文件、工作表、单元格）", "严重程度"):
            found.add_column(col, overflow="fold")
        for r, i in problems:
            assert r.last is not None
            found.add_row(
                escape(r.entry.subject),
                escape(issue_text(r.last.original_name, i)),
                "错误" if i.severity == "error" else "警告",
            )
        out.print(found)
    if report.unmatched:
        extra = Table(title="名单外的文件")
        for col in ("文件", report.unit_label, report.subject_label, "说明"):
            extra.add_column(col, overflow="fold")
        for f in report.unmatched:
            extra.add_row(
                escape(f.original_name),
                escape(f.unit or ""),
                escape(f.subject or ""),
                escape(f.problem or ""),
            )
        out.print(extra)
    c = report.counts
    out.print("；".join(f"{k} {v}" for k, v in c.items() if v or k in ("未收到", "有错误")) + "。")
    if output is not None:
        try:
            write_status_workbook(report, output)
        except OSError as exc:
            raise _fail(f"无法写出 {output}（{_why(exc)}）。") from None
        out.print(f"催报名单已写入 {_p(output)}", soft_wrap=True)


@app.command()
def feedback(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="回收的文件（申报书或报表）或文件夹（递归）。", show_default=False, metavar="文件"
        ),
    ] = None,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="审核意见副本的输出文件夹。", show_default=False)
    ] = Path("审核意见"),
    db: Annotated[
        Path | None,
        typer.Option("--db", help="改为报送台账中所有有问题的当前文件（formkit ingest 登记的）。"),
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="并行处理的进程数（默认为 CPU 核数）。")
    ] = 0,
    year: Year = None,
    form: Annotated[
        str | None,
        typer.Option("--form", help="与 --db 同用：只处理这一表单的文件（默认：全部表单）。"),
    ] = None,
) -> None:
    """审核并生成发回填报单位的标注副本：有错误的单元格标红、有警告的标橙并加批注，
    末尾增加“审核意见”工作表逐条列出问题。原文件不改动；副本为
    “<原文件名>-审核意见.xlsx”（.xls、.ods 经 LibreOffice 转为 .xlsx，.xlsm 的宏不保留）。

    formkit 生成、数据未改动的审核意见副本不再生成副本（列出并说明）；改正过的副本照常处理。
    输出文件夹不能是输入文件夹或位于其中。

    退出码：0 每个文件都生成了副本（无论有无问题）；1 有文件未受理或未能生成副本
    （如缺少 LibreOffice），其余文件照常处理；2 参数错误或输出文件夹无法写入。
    """
    import tempfile

    from rich.markup import escape
    from rich.table import Table

    from formkit.feedback import feedback_many
    from formkit.paths import display_name
    from formkit.read import ReadOptions

    paths = paths or []
    if db is None and not paths:
        raise _fail("请给出回收的文件或文件夹，或用 --db 指定报送台账。")
    _require([*paths, db])
    _guard([*paths, db], out_dirs=(output,))
    if form is not None:
        _form_spec(form)
    files: list[Any] = _ledger_items_with_issues(db, form) if db is not None else _files(paths)
    if not files:
        raise _fail("台账中没有需要发回修改的文件。")
    try:  # before any work: an unwritable folder would fail every file alike
        output.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=output):
            pass
    except OSError as exc:
        raise _fail(f"无法写入输出文件夹 {output}：{exc.strerror or exc}") from None
    workers = _workers(jobs, len(files))
    results = []
    with _progress() as progress:
        task = progress.add_task("审核并生成审核意见", total=len(files))
        # like check: each file by its own form, unless --form names one
        options = ReadOptions(year=year, forms=(form,) if form is not None else None)
        for r in feedback_many(files, output, jobs=workers, options=options):
            results.append(r)
            progress.advance(task)
    table = Table(title=f"审核意见副本（共 {len(files)} 个文件）")
    # reports (季度数据报表, 年度工作报告) have no 审核结论: the column says 已受理
    verdicts = any(r.submission is not None and r.submission.verdict for r in results)
    for col in ("文件", "审核结论" if verdicts else "状态", "错误", "警告", "审核意见副本"):
        right = col in ("错误", "警告")
        table.add_column(col, overflow="fold", justify="right" if right else "left")
    for r in results:
        sub = r.submission
        verdict = (sub.verdict if sub else None) or ("" if verdicts else "已受理")
        shown = f"[{_VERDICT_STYLE[verdict]}]{verdict}[/]" if verdict in _VERDICT_STYLE else verdict
        if r.status == "written" and r.output is not None:
            copy = escape(r.output.name) + "".join(f"\n[dim]{escape(n)}[/]" for n in r.notes)
        elif r.status == "skipped":
            copy = f"[yellow]跳过：{escape(r.reason or '')}[/]"
        else:
            shown = "[red]未受理[/]" if r.status == "rejected" else shown
            copy = f"[red]未生成：{escape(r.reason or '')}[/]"
        table.add_row(
            escape(Path(r.file).name),
            shown,
            str(sub.errors if sub and r.status != "rejected" else ""),
            str(sub.warnings if sub and r.status != "rejected" else ""),
            copy,
        )
    out.print(table)
    written = sum(1 for r in results if r.status == "written")
    rejected = sum(1 for r in results if r.status == "rejected")
    skipped = sum(1 for r in results if r.status == "skipped")
    failed = len(results) - written - rejected - skipped
    out.print(
        f"已生成 {written} 份审核意见副本：[bold]{escape(display_name(output))}[/]；"
        f"未受理 {rejected} 个，未能生成 {failed} 个"
        + (f"；跳过审核意见副本 {skipped} 个（数据未改动）" if skipped else "")
        + "。",
        soft_wrap=True,
    )
    raise typer.Exit(EXIT_FINDINGS if rejected or failed else EXIT_OK)


def _ledger_items_with_issues(db: Path, form: str | None = None) -> list[Any]:
    """The ledger's current accepted files (of one form, if given) that have errors or
    warnings, or issues across periods (added to the file's own), as Submissions."""
    from formkit.forms import form_ids
    from formkit.ledger import Ledger

    subs = []
    with Ledger(db) as ledger:
        forms = [form] if form is not None else list(form_ids())
        across: dict[str, list[Any]] = {}
        for fid in forms:
            across.update(ledger.across_issues(fid))
        for r in ledger.current():
            if form is not None and r.form_id != form:
                continue
            extra = across.get(r.sha256, [])
            if r.status == "accepted" and (r.errors or r.warnings or extra):
                sub = ledger.submission(r)
                sub.issues += extra
                subs.append(sub)
    return subs


@app.command()
def serve(
    db: Annotated[Path, typer.Option("--db", help="报送台账（不存在则新建）。")] = Path(
        "formkit.db"
    ),
    host: Annotated[
        str,
        typer.Option("--host", help="监听地址（默认只接受本机访问；对外请经 HTTPS 反向代理）。"),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口。")] = 8000,
    store: Annotated[
        Path | None,
        typer.Option("--store", help="上传文件的存放文件夹（默认为台账旁的“<台账名>-上报文件”）。"),
    ] = None,
    deadline: Annotated[
        str | None, typer.Option("--deadline", help="报送截止日期，如 2006-04-30。")
    ] = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="推荐单位，如 江苏省（写入汇总表标题）。")
    ] = None,
    max_upload_mb: Annotated[
        int, typer.Option("--max-upload-mb", help="单个上传文件的大小上限（MB）。")
    ] = 20,
    behind_proxy: Annotated[
        bool,
        typer.Option(
            "--behind-proxy", help="经本机反向代理访问：按 X-Forwarded-For 识别访问者地址。"
        ),
    ] = False,
    set_password: Annotated[
        bool, typer.Option("--set-password", help="设置省级登录密码（输入两次，不回显）后退出。")
    ] = False,
    form: FormOpt = None,
    period: PeriodOpt = None,
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            help="按这一天收件并判断逾期（默认今天；重现或演练以往的报送时用）。",
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="本服务对外的网址，如 https://baosong.example.gov.cn（与 distribute --base-url "
            "相同）：页面上的链接按它生成；设定后，以其他网址（Host）访问的请求一律拒绝。",
        ),
    ] = None,
    uploads_per_address: Annotated[
        int,
        typer.Option(
            "--uploads-per-address",
            help="同一访问地址每分钟最多上传几次（默认 600：各地经同一出口地址上网时，"
            "最后一天全省一起上传也够用；只防失控的程序）。",
        ),
    ] = 600,
    uploads_per_link: Annotated[
        int,
        typer.Option(
            "--uploads-per-link",
            help="同一上报链接每分钟最多上传几次（默认 10：一个单位改正后重传绰绰有余）。",
        ),
    ] = 10,
) -> None:
    """网上报送页面：各申请单位（基地）经各自的上报链接上传申报书或报表、立即看到审核意见；省级登录查看
    各轮报送情况（--form、--period 指定页面默认显示的一轮，--deadline 是这一轮的截止日期）。"""
    import datetime as dt

    from formkit.ledger import Ledger, LedgerError

    if set_password:
        from formkit.web.auth import hash_password, password_problem

        password = typer.prompt("新密码", hide_input=True, confirmation_prompt="再输入一次")
        problem = password_problem(password)
        if problem:
            raise _fail(problem)
        try:
            with Ledger(db) as ledger:
                ledger.set_web_setting("password", hash_password(password))
                ledger.drop_sessions()
                ledger.audit("password_set", actor="cli")
        except LedgerError as exc:
            raise _fail(str(exc)) from None
        out.print(f"已设置省级登录密码（台账 {db}；已登录的会话全部失效）。")
        return
    due = None
    if deadline is not None:
        try:
            due = dt.date.fromisoformat(deadline)
        except ValueError:
            raise _fail(f"截止日期“{deadline}”应写成 2006-04-30 的形式。") from None
    replay = _day_option(today, "--today 日期")
    if unit is not None:
        from formkit.reference import load_reference

        known = load_reference().unit(unit)
        if known is None:
            raise _fail(f"推荐单位“{unit}”不在 37 个推荐单位之列。")
        unit = known.name
    if not 1 <= max_upload_mb <= 50:
        raise _fail("--max-upload-mb 应在 1 到 50 之间（读取时文件上限为 50 MB）。")
    form_id = when = None
    if form is not None or period is not None:
        spec = _form_spec(form)
        form_id, when = spec.id, _period_option(spec, period)
    if base_url is not None:
        from formkit.web.hosts import base_url_problem

        problem = base_url_problem(base_url)
        if problem:
            raise _fail(problem)
    if not (1 <= uploads_per_address <= 100_000 and 1 <= uploads_per_link <= 10_000):
        raise _fail(
            "--uploads-per-address 应在 1 到 100000 之间，--uploads-per-link 应在 1 到 10000 之间。"
        )
    try:
        from formkit.web.server import LOOPBACK, run
        from formkit.web.service import Settings, cpu_slots, default_store
    except ImportError as exc:
        raise _fail(
            f"缺少网页所需的组件（{exc.name}），请重新安装 formkit（pip install .）。"
        ) from None
    try:
        with Ledger(db) as ledger:
            has_password = ledger.web_setting("password") is not None
    except LedgerError as exc:
        raise _fail(str(exc)) from None
    settings = Settings(
        db=db,
        store=store or default_store(db),
        max_upload=max_upload_mb * 1024 * 1024,
        deadline=due,
        unit=unit,
        checks=cpu_slots(),
        form=form_id,
        period=when.tag if when is not None else None,
        today=replay,
        base_url=base_url.rstrip("/") if base_url else None,
        uploads_per_address=uploads_per_address,
        uploads_per_link=uploads_per_link,
        warm=True,
    )
    if not has_password:
        err.print("[yellow]提示：[/]尚未设置省级登录密码，请先运行 formkit serve --set-password。")
    if host not in LOOPBACK:
        err.print(
            f"[yellow]注意：[/]监听 {host}，其他计算机可直接访问；本服务不加密，"
            "请置于单位的 HTTPS 反向代理之后。"
        )
    shown = base_url.rstrip("/") if base_url else f"http://{host}:{port}"
    out.print(f"网上报送页面：{shown}/province/login（台账 {db}，Ctrl+C 停止）")
    run(settings, host=host, port=port, behind_proxy=behind_proxy)


def _unit_name(unit: str | None) -> str | None:
    """`--unit` as the reference's canonical name (江苏 -> 江苏省); exits 2 if unknown."""
    if unit is None:
        return None
    known = _reference(None).unit(unit)
    if known is None:
        raise _fail(f"推荐单位“{unit}”不在 37 个推荐单位之列。")
    return str(known.name)


@app.command(name="bases")
def bases_cmd(
    db: Annotated[Path, typer.Option("--db", help="台账（基地名册所在，不存在则新建）。")] = Path(
        "formkit.db"
    ),
    from_rollup: Annotated[
        Path | None,
        typer.Option("--from-rollup", help="填好“核准结论”的全国汇总表：核准的申请列入名册。"),
    ] = None,
    from_list: Annotated[
        Path | None,
        typer.Option("--from-list", help="商务部公布的基地名单（.xlsx 或 .csv）：列入名册。"),
    ] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="认定日期，如 2006-05-31（名单中没有时必填）。")
    ] = None,
    decision: Annotated[
        str, typer.Option("--decision", help="认定的决定（决定单位和文件）。")
    ] = "商务部核准",
    batch: Annotated[str, typer.Option("--batch", help="批次，如 2006年第一批。")] = "",
    year: Annotated[int | None, typer.Option("--year", help="认定年度（名单中没有时用）。")] = None,
    import_: Annotated[
        Path | None,
        typer.Option("--import", help="导出后填写了调整、撤销的基地名册（.xlsx）：记入名册。"),
    ] = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="只处理这个推荐单位的基地，如 四川省。")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="按这一天的状态列出（默认今天）。")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="导出基地名册（.xlsx）。")
    ] = None,
    reference_out: Annotated[
        Path | None,
        typer.Option(
            "--reference-out",
            help="写出下一年度申报用的参考数据（TOML）：--as-of 当天在册的基地作为既有基地。",
        ),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="把名册写成 JSON（- 表示标准输出）。")
    ] = None,
) -> None:
    """基地名册：由全国汇总表的核准结论或商务部名单建立，记入调整、撤销，导出。"""
    import datetime as dt
    import json

    from rich.markup import escape

    from formkit import __version__
    from formkit import bases as reg
    from formkit.atomic import write_bytes_atomic
    from formkit.bases import book, feed, sources
    from formkit.ledger import Ledger, LedgerError

    if from_rollup is not None and from_list is not None:
        raise _fail("--from-rollup 与 --from-list 只能用一个。")
    _require([from_rollup, from_list, import_])
    inputs = [p for p in (from_rollup, from_list, import_) if p is not None]
    _guard(inputs, [x for x in (db, output, reference_out, json_out) if x and str(x) != "-"])
    # with --json - the JSON owns standard output; what is said goes to standard error
    say = err if str(json_out) == "-" else out
    mine = _unit_name(unit)
    day = _day_option(date, "认定日期")
    when = _day_option(as_of, "--as-of") or dt.date.today()
    ref = _reference(None)
    code = EXIT_OK
    try:
        decided = None
        if from_rollup is not None:
            decided = sources.from_rollup(from_rollup, ref)
        elif from_list is not None:
            decided = sources.from_list(from_list, ref, year=year)
        with Ledger(db) as ledger:
            register = reg.Register(ledger)
            if decided is not None:
                approved = [c for c in decided.approved if mine is None or c.unit == mine]
                got = register.recognise(
                    approved,
                    date=day,
                    decision=decision,
                    batch=batch,
                    source=str((from_rollup or from_list or Path()).name),
                )
                for b in got.added:
                    say.print(f"列入名册：{escape(b.unit)}  {escape(b.name)}（{b.base_id}）")
                if got.known:
                    say.print(f"已在名册中：{len(got.known)} 家（未重复列入）")
                for who, note in decided.refused:
                    say.print(f"不予核准：{escape(who)}{escape('：' + note if note else '')}")
                for where in decided.undecided:
                    err.print(f"[yellow]未填核准结论，未列入名册：[/]{escape(where)}")
                code = EXIT_FINDINGS if decided.undecided else EXIT_OK
            if import_ is not None:
                new, known = register.apply(
                    book.read_changes(import_), source=import_.name, unit=mine
                )
                for c in new:
                    say.print(f"记入名册：{c.base_id} {c.date.isoformat()} {c.kind}")
                say.print(f"新记入 {len(new)} 项变更；已记入过 {len(known)} 项。")
            listed = register.bases(mine)
    except reg.RegisterError as exc:
        for problem in exc.problems:
            err.print(f"[bold red]错误：[/]{escape(problem)}")
        err.print("以上问题改正前，名册未作任何改动。")
        raise typer.Exit(EXIT_USAGE) from None
    except LedgerError as exc:
        raise _fail(str(exc)) from None
    in_register = 0
    for b in listed:
        state = b.status_on(when) or "尚未认定"
        in_register += state == "在册"
        say.print(
            f"{b.base_id}  {escape(b.unit)}  {escape(b.name)}  {b.recognition}  {b.year}年  {state}"
        )
    say.print(
        f"{mine or '全国'}基地名册：共 {len(listed)} 家，{when.isoformat()} 在册 {in_register} 家。"
    )
    try:
        if output is not None:
            write_bytes_atomic(output, book.register_workbook(listed, unit=mine, as_of=when))
            say.print(f"已写出基地名册：[bold]{output}[/]")
        if reference_out is not None:
            text = feed.reference_override(listed, when, ref)
            write_bytes_atomic(reference_out, text.encode("utf-8"))
            say.print(
                f"已写出参考数据：[bold]{reference_out}[/]（{when.isoformat()} 在册的基地；"
                f"下一年度申报：formkit summary … --reference {reference_out}）"
            )
        if json_out is not None:
            doc = {
                "formkit": __version__,
                "unit": mine,
                "as_of": when.isoformat(),
                "bases": [{**b.to_json(), "status_as_of": b.status_on(when)} for b in listed],
            }
            text = json.dumps(doc, ensure_ascii=False, indent=1)
            if str(json_out) == "-":
                sys.stdout.write(text + "\n")
            else:
                write_bytes_atomic(json_out, text.encode("utf-8"))
    except OSError as exc:
        raise _fail(f"无法写出：{exc}") from None
    raise typer.Exit(code)


@app.command()
def evaluate(
    year: Annotated[int, typer.Option("--year", help="评估年度，如 2007。", show_default=False)],
    db: Annotated[Path, typer.Option("--db", help="台账（基地名册和季度、年度报表所在）。")] = Path(
        "formkit.db"
    ),
    unit: Annotated[
        str | None, typer.Option("--unit", help="只评估这个推荐单位的基地，如 四川省。")
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option("--policy", help="关注标准文件（TOML，每项标准写明理由）。"),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="评估日期（默认今天）：未到报送时限的报表不算缺报。"),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="评估表（默认“<单位><年度>年定期评估.xlsx”）。"),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="同时把评估结果写成 JSON。")
    ] = None,
    reference: ReferenceFile = None,
) -> None:
    """定期评估：每个基地一年的报送、数据、与上年和全国相比、需关注的事实；工作目标进展。"""
    from rich.markup import escape

    from formkit import evaluate as ev
    from formkit.bases import Register
    from formkit.evaluate.book import write as write_book
    from formkit.evaluate.policy import PolicyError, load_policy
    from formkit.ledger import Ledger, LedgerError

    if not 2000 <= year <= 2100:
        raise _fail(f"评估年度 {year} 不合理，请填写如 2007 的四位年份。")
    _require([db, policy, reference])
    mine = _unit_name(unit)
    target = output or Path(f"{mine or '全国'}{year}年定期评估.xlsx")
    _guard([db, *(p for p in (policy, reference) if p)], [target, json_out])
    day = _day_option(as_of, "评估日期")
    ref = _reference(reference)
    try:
        rules = load_policy(policy)
    except PolicyError as exc:
        raise _fail(str(exc)) from None
    try:
        with Ledger(db) as ledger:
            if not len(Register(ledger)):
                raise _fail(f"台账 {db} 中没有基地名册：请先用 formkit bases 建立。")
            result = ev.evaluate(ledger, year, unit=mine, reference=ref, policy=rules, as_of=day)
    except LedgerError as exc:
        raise _fail(str(exc)) from None
    if not result.bases:
        raise _fail(f"{mine or '基地名册'}中没有 {year} 年在册的基地。")
    for b in result.bases:
        missing = "、".join(p.label for p in b.missing)
        flags = "、".join(dict.fromkeys(f.title for f in b.flags))
        out.print(
            f"{escape(b.base.unit)}  {escape(b.base.name)}  {b.status}"
            + (f"  缺报：{missing}" if missing else "")
            + (f"  [yellow]需关注：{flags}[/]" if flags else "")
        )
    for g in result.goal:
        share = f"{g.share[0]:.2f}%" if g.share else "无全年数据"
        out.print(
            f"{g.year} 年末在册 {g.bases} 家（目标 {g.target_bases} 家）；高新技术产品出口占全国"
            f" {share}（目标 {g.target_share:g}%）"
        )
    try:
        write_book(target, result)
        if json_out is not None:
            ev.write_json(json_out, result)
    except OSError as exc:
        raise _fail(f"无法写出：{exc}") from None
    n = len(result.flags)
    out.print(f"已写出评估表：[bold]{target}[/]（{len(result.bases)} 个基地，需关注 {n} 项）")
    raise typer.Exit(EXIT_FINDINGS if n else EXIT_OK)


@app.command()
def version() -> None:
    """显示 formkit 及表单版本。"""
    from formkit import __version__
    from formkit.forms import form_ids, load_form_spec

    forms = "；".join(f"{s.id} 版本 {s.version}" for s in map(load_form_spec, form_ids()))
    out.print(f"formkit {__version__}；表单 {forms}")


# Each command's help: (one-line summary, text, exit codes) in Chinese and in English.
# The text is the command's documentation in `formkit COMMAND --help`; the summary is its
# line in `formkit --help`. Both fit 80 columns (tests/test_cli_frame.py).
_HELP: dict[str, tuple[tuple[str, str, str], tuple[str, str, str]]] = {
    "template": (
        (
            "生成空白模板（.xlsx）。",
            "生成空白模板（.xlsx），按年度填写表头：默认为申报书，--form 选季度数据报表"
            "或年度工作报告。",
            "0 成功；2 参数错误或无法写出文件。",
        ),
        (
            "Write the blank application workbook (.xlsx).",
            "Write the blank application workbook for a year.",
            "0 success; 2 bad option or the file cannot be written.",
        ),
    ),
    "check": (
        (
            "读取并审核回收的文件，列出结论和问题。",
            "读取并审核回收的文件（每个文件按其自己的表单：申报书、季度数据报表或年度工作"
            "报告）：每个文件的审核结论、错误和警告。",
            "0 全部无错误；1 有错误或未受理的文件；2 参数错误或无法读写。",
        ),
        (
            "Read and check returned workbooks.",
            "Read and check returned workbooks: verdict, errors and warnings per file.",
            "0 no errors; 1 a file has errors or was rejected; 2 usage or I/O error.",
        ),
    ),
    "summary": (
        (
            "生成省级汇总表（可打印报部）。",
            "读取、审核回收的全部文件，生成省级汇总表（默认为申报书，--form 选季度数据报表或"
            "年度工作报告）；申报书的推荐次序、推荐意见按通知六(三)建议，可在 Excel/WPS 中修改"
            "（见 formkit recommend）。",
            "0 成功；2 参数错误或无法写出文件。",
        ),
        (
            "Write the provincial summary workbook.",
            "Read and check every workbook and write the provincial summary, with the"
            " proposed recommendation order and decision (editable; see recommend).",
            "0 success; 2 usage error or the file cannot be written.",
        ),
    ),
    "rollup": (
        (
            "把各省汇总表合成全国汇总。",
            "把各省汇总表合成全国汇总（商务部用），推荐决定以各省汇总表为准；申报书另写出"
            "全国推荐名单（公示）的 .xlsx、.docx 和网页 .html。",
            "0 全部采用；1 有文件未采用；2 参数错误或无法写出文件。",
        ),
        (
            "Combine provincial summaries into the national roll-up.",
            "Combine the provinces' summaries into the national roll-up (for the ministry);"
            " for the application form also the national list for publication (.xlsx, .docx,"
            " .html).",
            "0 all used; 1 a file was not used; 2 usage error or the file cannot be written.",
        ),
    ),
    "recommend": (
        (
            "推荐决定：推荐文件与报部名单。",
            "按通知六(三)确定推荐名单，生成推荐文件（请示，GB/T 9704-2012 公文格式的 .docx，"
            "打印、签发、盖章）和报部名单（.xlsx 与 .docx）。给出汇总表时以其中的推荐次序、"
            "推荐意见、推荐理由为准（可在"
            " Excel/WPS 中修改后保存，与 formkit 建议不同之处记为“人工调整”）；用 --db 时由"
            " formkit 按排序依据和推荐名额建议。",
            "0 已生成；1 已生成，但推荐意见无法识别或超出名额（见提示）；2 参数错误或无法读写。",
        ),
        (
            "The recommendation: letter and the list sent to the ministry.",
            "Decide the recommendation (notice 6(3)) and write the letter (a request to the"
            " ministry laid out per GB/T 9704-2012, .docx, to sign and stamp) and the list"
            " sent with it (.xlsx, .docx). From a summary its editable"
            " columns are the decision; with --db formkit proposes by the ranking key.",
            "0 written; 1 written, but a decision was unreadable or over the quota;"
            " 2 usage or I/O error.",
        ),
    ),
    "catalogue": (
        ("生成问题代码一览。", "生成问题代码一览（docs/issues.md）。", "0 成功；2 无法写出文件。"),
        (
            "Write the issue catalogue.",
            "Write the issue catalogue (docs/issues.md).",
            "0 success; 2 the file cannot be written.",
        ),
    ),
    "distribute": (
        (
            "按名单生成预填的文件。",
            "按名单为每个申请单位生成预填的申报书（单位信息锁定，带报送编号），并登记到报送台账。"
            "--form 选其他表单，按期报送的表单须给 --period：如 --form kjxm-cxjd-jidu --period"
            " 2007Q2 为基地名单中的每个基地生成 2007 年第二季度的季度数据报表（报告期填好并锁定，"
            "每份有本期的报送编号）；年度工作报告为 --period 2007。",
            "0 成功；2 名单有误（不写任何文件）或无法写出。",
        ),
        (
            "Write pre-filled workbooks from a roster.",
            "Write a pre-filled workbook per applicant of a roster and record the roster;"
            " --form and --period (e.g. 2007Q2) for the reports, one per base and period.",
            "0 success; 2 the roster has errors (nothing written) or I/O error.",
        ),
    ),
    "ingest": (
        (
            "登记收到的文件到报送台账。",
            "登记收到的文件（申报书或报表，按各自的表单）：读取、审核并记入报送台账；已登记的"
            "文件不重复登记，新版本替代旧版本。"
            "季度数据报表、年度工作报告按文件自带的表单标识一并登记（同一基地每个报告期各算一份，"
            "重报的只替代同一报告期的）；登记后做跨期核对，列出本次收到的文件的问题（工作表、单元格）。",
            "0 成功；1 新文件有错误（含跨期核对的错误）或无法读取；2 参数错误或台账无法使用。",
        ),
        (
            "Record received workbooks in the ledger.",
            "Read, check and record received workbooks; a newer version replaces the older.",
            "0 success; 1 a new file has errors or is unreadable; 2 usage or ledger error.",
        ),
    ),
    "status": (
        (
            "报送情况与催报名单。",
            "报送情况：每个申请单位未收到 / 有错误 / 符合 / 不符合 / 待补充材料、是否逾期"
            "（逾期未报 / 逾期报送；不给截止日期时按通知规定的 4月30日），以及名单外文件。"
            "--form kjxm-cxjd-jidu --period 2007Q2：名单中每个基地这一季度的报送情况，"
            "默认时限为季度结束后次月15日（通知未规定季度报表时限，为 formkit 默认，"
            "输出写明来源；年度工作报告按通知四(四)为 12月31日），--deadline 可改；"
            "跨期核对的问题列在“需更正或核实的问题”中。",
            "0 成功；2 参数错误、台账不存在或无法写出文件。",
        ),
        (
            "Who has sent what; the list to chase.",
            "Per applicant: not received / errors / verdict; files not on the roster."
            " --form and --period for the reports (per base and quarter, with issues across"
            " periods).",
            "0 success; 2 usage error, no ledger, or the file cannot be written.",
        ),
    ),
    "feedback": (
        (
            "生成标注问题的副本，发回修改。",
            "审核并生成发回填报单位的标注副本：有错误的单元格标红、有警告的标橙并加批注，末尾增加"
            "“审核意见”工作表逐条列出问题。原文件不改动；副本为“<原文件名>-审核意见.xlsx”"
            "（.xls、.ods 经 LibreOffice 转为 .xlsx，.xlsm 的宏不保留）。--db 时含跨期核对的问题。",
            "0 每个文件都生成了副本；1 有文件未受理或未能生成副本（如缺少 LibreOffice），"
            "其余照常处理；2 参数错误或输出文件夹无法写入。",
        ),
        (
            "Annotated copies to send back.",
            "Write a copy of each workbook with its problems marked and listed.",
            "0 every copy written; 1 a file was rejected or not written; 2 usage error.",
        ),
    ),
    "roster": (
        (
            "从基地名册或申报台账生成基地名单。",
            "生成报表的基地名单（.xlsx）：台账中有基地名册（formkit bases）时，为 --period 这一期"
            "在册的基地（期内撤销的仍列入该期，下一期不再列入），--unit 只列本省的；否则为申报"
            "轮次台账中审核结论为“符合”的申报书（或 --recommended 给出的汇总表中推荐的）。"
            "申报书的报送编号写入“申报书编号”；哪些申报书字段填入名单哪一列由报表的表单定义"
            "声明。名单可直接用于 formkit distribute --form。",
            "0 成功；2 参数错误、台账中没有可列入的申请或无法写出文件。",
        ),
        (
            "A roster of bases from the register or the application round.",
            "Write the report forms' roster of bases: the register's bases listed in --period,"
            " else the ledger's eligible (or recommended) applications, for distribute --form.",
            "0 success; 2 usage error, no application to list, or I/O error.",
        ),
    ),
    "bases": (
        (
            "基地名册：认定、调整、撤销。",
            "基地名册（存于台账）：--from-rollup 读全国汇总表中商务部填写的核准结论，"
            "--from-list 读商务部公布的名单，核准的列入名册（认定日期 --date）；--import 读"
            "导出后在“状态变更”中填写的调整、撤销；-o 导出名册，--reference-out 写出下一年度"
            "申报用的既有基地（--as-of 当天在册的，已撤销的不计）。--unit 只看本省的基地。",
            "0 成功；1 有申请未填核准结论（其余已列入）；2 参数错误或输入有误（名册未改动）。",
        ),
        (
            "The register of recognised bases.",
            "Build the register from the roll-up's 核准结论 or the ministry's list, record"
            " 调整 and 撤销 from the edited export, export it, write next year's bases.",
            "0 success; 1 rows without 核准结论 (the rest recorded); 2 usage or bad input.",
        ),
    ),
    "evaluate": (
        (
            "定期评估：基地的一年与工作目标进展。",
            "定期评估（通知六(三)）：基地名册中该年在册的每个基地，各期报表按时、逾期（天数）"
            "或缺报，数据完整率，全年出口额、高新技术产品出口额与上年和全国相比、占全国比重，"
            "重点企业及年内退出的，技术引进，未解决的跨期问题；需关注的事实按 --policy 关注"
            "标准文件（每项写明理由；未给出的按事实列出），formkit 不作撤销决定；工作目标进展"
            "（在册基地数对 100 家，高新技术产品出口占全国比重对 70%）。--unit 只评估本省。",
            "0 已写出，没有需关注的事项；1 已写出，有需关注的事项；2 参数错误、没有基地名册"
            "或关注标准文件有误。",
        ),
        (
            "定期评估: each base's year and the five-year goal.",
            "Evaluate each base of the register for a year: reports on time, late or missing,"
            " completeness, figures against last year and the nation, flags by --policy.",
            "0 written, nothing flagged; 1 written, flags; 2 usage, no register or bad policy.",
        ),
    ),
    "forms": (
        (
            "列出 formkit 能生成和读取的表单。",
            "列出 formkit 能生成和读取的表单：标识、版本、名称、依据。",
            "0。",
        ),
        (
            "List the forms formkit can make and read.",
            "List the forms formkit can make and read: id, version, title, source.",
            "0.",
        ),
    ),
    "serve": (
        (
            "网上报送页面（上传即审核，省级查看报送情况）。",
            "网上报送页面：各申请单位经各自的上报链接上传申报书、立即看到审核意见和标注副本；"
            "省级登录后查看报送情况、下载汇总表。默认只接受本机访问，对外请经 HTTPS 反向代理。",
            "0 正常停止；2 参数错误或台账无法使用。",
        ),
        (
            "The web page for the round.",
            "Each recipient uploads through its own link and sees its problems at once; "
            "the province logs in to watch the round. Binds to 127.0.0.1 unless told otherwise.",
            "0 stopped normally; 2 usage error or unusable ledger.",
        ),
    ),
    "version": (
        ("显示 formkit 及表单版本。", "显示 formkit 及表单版本。", "0。"),
        ("Show the formkit and form versions.", "Show the formkit and form versions.", "0."),
    ),
}


def _apply_help(lang: str = "zh") -> None:
    exit_word = "退出码：" if lang == "zh" else "Exit codes: "
    for info in app.registered_commands:
        name = info.name or (info.callback.__name__ if info.callback else "")
        zh, en = _HELP[name]
        short, text, codes = zh if lang == "zh" else en
        info.short_help = short
        info.help = f"{text}\n\n{exit_word}{codes}"
    if lang != "zh":
        app.info.help = "The application round of MOFCOM notice 商技发[2006]6号."


# the options' help in English (`--lang en`), by their Chinese text
_OPTION_HELP_EN = {
    "命令行的语言：zh（默认）或 en（英文帮助）。": "Command-line language: zh (default) or en.",
    "并行读取的进程数（默认为 CPU 核数）。": "Worker processes for reading (default: CPUs).",
    "本次收集的申报年度，用于核对模板年度。": "The round's year, to check the template's year.",
    "参考数据（TOML），覆盖内置的全国统计等。": "Reference data (TOML) overriding the built-in.",
    "申报年度（数据年度为上一年）。": "Application year (data year: the year before).",
    "输出文件。": "Output file.",
    "工作表保护密码（默认不设密码）。": "Sheet protection password (default: none).",
    "回收的文件（申报书或报表）或文件夹（递归）。": "Returned workbooks or folders (recursive).",
    "把结果按 JSON 写入文件（- 表示标准输出）。": "Write the results as JSON (- for stdout).",
    "逐条列出问题（文件、工作表、单元格、说明）。": "List every issue (file, sheet, cell, text).",
    "问题说明的语言：zh 或 en。": "Language of the issue messages: zh or en.",
    "汇总表文件。": "The summary workbook.",
    "改为汇总报送台账（formkit ingest）中的全部文件。": "Summarise the ledger's files instead.",
    "推荐单位，如 江苏省（写入标题和标识）。": "Reporting unit, e.g. 江苏省 (in the title).",
    "申报年度（默认取自模板）。": "Application year (default: the template's).",
    "同时把检查结果写成 JSON。": "Also write the check results as JSON.",
    "推荐排序依据，逗号分隔，默认“审核结论,高新技术产品出口额”。": (
        "Ranking key, comma-separated (default: 审核结论,高新技术产品出口额)."
    ),
    "各省的汇总表（formkit summary 生成）。": "Provincial summaries (from formkit summary).",
    "全国汇总文件。": "The national roll-up workbook.",
    "申报年度（默认取多数汇总表的年度）；其他年度的汇总表不采用。": (
        "Year (default: most summaries'); other years' summaries are not used."
    ),
    "省级汇总表（formkit summary 生成，可在 Excel/WPS 中改过推荐次序和推荐意见）。": (
        "Provincial summaries (their decision columns may have been edited)."
    ),
    "输出文件夹。": "Output folder.",
    "改为按报送台账中的当前文件，由 formkit 建议推荐名单。": "Propose from the ledger instead.",
    "只处理这个推荐单位，如 四川省。": "Only this reporting unit, e.g. 四川省.",
    "排序依据（与 --db 一起用），逗号分隔，默认“审核结论,高新技术产品出口额”。": (
        "Ranking key with --db (default: 审核结论,高新技术产品出口额)."
    ),
    "推荐文件上的联系人。": "Contact person on the letter.",
    "推荐文件上的联系电话。": "Contact phone on the letter.",
    "推荐文件的日期，如 2006-04-25（默认留空）。": "Letter date, e.g. 2006-04-25 (default: blank).",
    "申报单位名单（.xlsx 或 .csv），首行为列名。": "Roster (.xlsx or .csv), headers first.",
    "申报年度。": "Application year.",
    "报送台账（不存在则新建）。": "The ledger (created if missing).",
    "收到的文件（申报书或报表）或文件夹（递归）。": "Received workbooks or folders (recursive).",
    "报送台账。": "The ledger.",
    "报送截止日期，如 2006-04-30（默认为通知规定的申报年度 4月30日）。": (
        "Deadline, e.g. 2006-04-30 (default: the notice's)."
    ),
    "按这一天判断是否逾期（默认今天；用于复核或重现）。": "Judge lateness as of this day.",
    "把催报名单写成 Excel 文件。": "Write the reminder list as a workbook.",
    "审核意见副本的输出文件夹。": "Folder for the annotated copies.",
    "改为报送台账中所有有问题的当前文件（formkit ingest 登记的）。": (
        "Instead, the ledger's current files with issues."
    ),
    "并行处理的进程数（默认为 CPU 核数）。": "Worker processes (default: CPUs).",
    "表单标识（默认为申报书；formkit forms 列出可用的表单）。": (
        "Form id (default: the application; `formkit forms` lists them)."
    ),
    "报告期（按期报送的表单必填）：季度如 2007Q2（2007 年第二季度），年度如 2007。": (
        "Period of a periodic form: 2007Q2 for a quarter, 2007 for a year."
    ),
    "只受理这一表单的文件（默认：按每个文件自带的表单标识受理任一表单）。": (
        "Accept files of this form only (default: any form, by the id each file carries)."
    ),
    "收到日期，如 2007-04-12（默认为现在；补登以前收到的文件时用，逾期按它判断）。": (
        "Day the files arrived, e.g. 2007-04-12 (default: now); lateness is judged by it."
    ),
    "与 --db 同用：只处理这一表单的文件（默认：全部表单）。": (
        "With --db: only this form's files (default: every form)."
    ),
    "申报轮次的报送台账（formkit ingest 登记的申报书）。": "The application round's ledger.",
    "名单用于哪个表单，如 kjxm-cxjd-jidu（季度数据报表）。": (
        "The form the roster is for, e.g. kjxm-cxjd-jidu."
    ),
    "输出的名单文件（.xlsx）。": "The roster file to write (.xlsx).",
    "申报年度，如 2006。": "The application round's year, e.g. 2006.",
    "台账（基地名册所在，不存在则新建）。": "The ledger holding the register (created if missing).",
    "填好“核准结论”的全国汇总表：核准的申请列入名册。": (
        "The national roll-up with 核准结论 filled in: approved ones are recorded."
    ),
    "商务部公布的基地名单（.xlsx 或 .csv）：列入名册。": "The ministry's list of bases.",
    "认定日期，如 2006-05-31（名单中没有时必填）。": "Recognition date (if the list has none).",
    "认定的决定（决定单位和文件）。": "The recognising decision (body and document).",
    "批次，如 2006年第一批。": "Batch, e.g. 2006年第一批.",
    "认定年度（名单中没有时用）。": "Recognition year (if the list has none).",
    "导出后填写了调整、撤销的基地名册（.xlsx）：记入名册。": (
        "An exported register with new 调整 / 撤销 rows: record them."
    ),
    "只处理这个推荐单位的基地，如 四川省。": "Only this unit's bases, e.g. 四川省.",
    "按这一天的状态列出（默认今天）。": "Status as of this day (default: today).",
    "导出基地名册（.xlsx）。": "Export the register (.xlsx).",
    "写出下一年度申报用的参考数据（TOML）：--as-of 当天在册的基地作为既有基地。": (
        "Write a --reference file (TOML): the bases listed on --as-of as existing bases."
    ),
    "把名册写成 JSON（- 表示标准输出）。": "Write the register as JSON (- for stdout).",
    "评估年度，如 2007。": "The year to evaluate, e.g. 2007.",
    "台账（基地名册和季度、年度报表所在）。": "The ledger with the register and the reports.",
    "只评估这个推荐单位的基地，如 四川省。": "Only this unit's bases, e.g. 四川省.",
    "关注标准文件（TOML，每项标准写明理由）。": "Policy file (TOML): standards with reasons.",
    "评估日期（默认今天）：未到报送时限的报表不算缺报。": (
        "Evaluate as of this day (default: today): reports not yet due are not missing."
    ),
    "评估表（默认“<单位><年度>年定期评估.xlsx”）。": "The evaluation workbook.",
    "同时把评估结果写成 JSON。": "Also write the evaluation as JSON.",
    "省级汇总表（formkit summary 生成、可能已修改推荐意见）：只取其中推荐的申请。": (
        "A provincial summary: only the applications it recommends."
    ),
    "报告期，如 2007Q2：台账中有基地名册时，名单为这一期在册的基地。": (
        "Period, e.g. 2007Q2: with a register, the bases listed in it."
    ),
    "只列这个推荐单位的基地，如 四川省。": "Only this unit's bases, e.g. 四川省.",
}


def _english_help() -> None:
    from formkit.cli_frame import param_help

    _apply_help("en")
    param_help(_OPTION_HELP_EN)


_apply_help("zh")


def main() -> None:
    # `--lang en` anywhere on the command line: the frame and the help in English
    argv = sys.argv[1:]
    english = any(
        a == "--lang=en" or (a == "--lang" and argv[i + 1 : i + 2] == ["en"])
        for i, a in enumerate(argv)
    )
    if english:
        _frame("en")
        _english_help()
    app()


if __name__ == "__main__":
    main()
