"""What every command shares: the application, the consoles, exit codes, the options
several commands take, and the checks of their values (a usage error exits 2 with a
Chinese message on standard error)."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from types import TracebackType
from typing import Annotated, Any, Protocol

import typer
from rich.console import Console
from rich.highlighter import NullHighlighter
from rich.markup import escape

from formkit.atomic import mark_run_start, reason_zh
from formkit.cli.coerce import install as _plain_values
from formkit.cli.frame import install as _frame
from formkit.forms import UnknownForm, load_form_spec
from formkit.paths import OutputClash, check_outputs, display_name, is_displayable
from formkit.period import Period
from formkit.read import collect_paths
from formkit.reference import Reference, ReferenceDataError, load_reference
from formkit.spec import FormSpec

_frame("zh")  # typer's own words (用法, 选项, 缺少参数 …) in Chinese; `--lang en` restores them
_plain_values()  # an option's text to int or Path without importing pydantic

app = typer.Typer(
    name="formkit",
    help="科技兴贸出口创新基地申报书与季度、年度报表：生成模板、读取回收表、审核、汇总、跟踪报送。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


def _console(*, stderr: bool = False) -> Console:
    console = Console(stderr=stderr)
    if console.color_system is None:
        # no colours (not a terminal): the styles rich's highlighter gives numbers and the
        # like in printed text are not written, and its expressions took ~4 ms of a
        # one-file check to compile (issue #23, start-up); the text is the same
        console.highlighter = NullHighlighter()
    return console


out = _console()
err = _console(stderr=True)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def shown_path(path: Any) -> str:
    """A path for a message: as text (a name that is not UTF-8 by its display name), never
    read as markup. Messages with paths are printed with soft_wrap=True: a path is never
    broken by a line break, so it can be copied whole at any terminal width."""
    return escape(display_name(str(path)))


def why(exc: Exception) -> str:
    """Why writing failed, in Chinese (磁盘已满, 没有写入权限, ...)."""
    return reason_zh(exc) if isinstance(exc, OSError) else str(exc)


@app.callback()
def _root(
    lang: Annotated[
        str, typer.Option("--lang", help="命令行的语言：zh（默认）或 en（英文帮助）。")
    ] = "zh",
) -> None:
    if lang not in ("zh", "en"):
        raise fail("--lang 只能是 zh 或 en。")


def day_option(text: str | None, what: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise fail(f"{what}“{text}”应写成 2006-04-30 的形式。") from None


def fail(message: str) -> typer.Exit:
    """Print a usage or I/O error; the caller raises what this returns (exit 2)."""
    if not is_displayable(message):  # a path that is not UTF-8 (a GBK name) in the message
        message = display_name(message)
    err.print(f"[bold red]错误：[/]{message}")
    return typer.Exit(EXIT_USAGE)


def require(paths: list[Path | None]) -> None:
    missing = [p for p in paths if p is not None and not p.exists()]
    if missing:
        raise fail("找不到：" + "、".join(str(p) for p in missing))


def guard(
    inputs: list[Any], outputs: tuple[Any, ...] | list[Any] = (), out_dirs: tuple[Any, ...] = ()
) -> None:
    """No output may overwrite an input or land in a folder being read (formkit/paths.py)."""
    mark_run_start()  # .part files older than this are an interrupted run's leftovers
    try:
        check_outputs(inputs, outputs, out_dirs)
    except OutputClash as exc:
        raise fail(exc.message) from None


def files_of(paths: list[Path]) -> list[Path]:
    """Files as given and everything under given folders; usage error if none or missing."""
    require(list(paths))
    files = collect_paths(paths)
    if not files:
        raise fail("给出的文件夹中没有文件。")
    return files


def reference_of(path: Path | None) -> Reference:
    try:
        return load_reference(path)
    except ReferenceDataError as exc:
        raise fail(str(exc)) from None


def unit_name(reference: Reference, unit: str | None) -> str | None:
    """`--unit` as the reference data names it (江苏 -> 江苏省); exits 2 for an unknown one."""
    if unit is None:
        return None
    found = reference.unit(unit)
    if found is None:
        raise fail(f"推荐单位“{unit}”不在 37 个推荐单位之列。")
    return found.name


def worker_count(jobs: int, files: int) -> int:
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


def form_spec(form: str | None) -> FormSpec:
    """The spec of `--form` (default: the 申报书); exits 2 naming the forms there are."""
    try:
        return load_form_spec(form)
    except UnknownForm:
        raise fail(f"没有表单“{form}”；`formkit forms` 列出可用的表单。") from None


def period_option(spec: FormSpec, period: str | None) -> Period | None:
    """`--period` as a Period of the form, None for a form filed once per round."""
    title = spec.file_name or spec.id
    if not spec.roles.period:
        if period is not None:
            raise fail(f"{title}不分报告期，不用 --period。")
        return None
    if period is None:
        raise fail(f"{title}按报告期报送：请用 --period 指定，如 2007Q2。")
    try:
        # what formkit.distribute.parse_period does, without importing the distribution
        return Period.parse(period, spec)
    except ValueError as exc:
        raise fail(str(exc)) from None


class Bar(Protocol):
    """What the commands do with a progress bar."""

    def __enter__(self) -> Bar: ...
    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def add_task(self, description: str, *, total: float | None = ...) -> Any: ...
    def advance(self, task_id: Any, advance: float = 1) -> None: ...


class _Unseen:
    """The bar where no one sees it (standard error is not a terminal): rich's transient
    bar draws nothing there, and this one does not import rich.progress to do so."""

    def __enter__(self) -> _Unseen:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def add_task(self, description: str, *, total: float | None = None) -> int:
        return 0

    def advance(self, task_id: Any, advance: float = 1) -> None:
        return None


def progress_bar() -> Bar:
    if not err.is_terminal:
        return _Unseen()
    # rich.progress (with its spinners and columns) only for a bar someone sees
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeRemainingColumn,
    )

    class _Bar(Progress):
        """Drawn when it advances, without rich's refresh thread (its columns change only
        then): the process stays single-threaded, so its reading workers start by fork
        (formkit/read/isolate.py) instead of from a fresh interpreter."""

        _drawn = 0.0

        def advance(self, task_id: TaskID, advance: float = 1) -> None:
            super().advance(task_id, advance)
            # ten times a second at most: a redraw costs about a millisecond, as much as
            # collecting a file's result
            now = time.monotonic()
            task = self._tasks.get(task_id)
            if now - self._drawn >= 0.1 or (task is not None and task.finished):
                self._drawn = now
                self.refresh()

    return _Bar(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        auto_refresh=False,
    )
