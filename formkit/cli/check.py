"""`formkit check`: read and check returned files; the result tables and the `--json`
contract (README: {"formkit", "reference", "results", "files", "across"})."""

from __future__ import annotations

import collections
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from formkit.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    ApplicantsDeadline,
    Jobs,
    ReferenceFile,
    Year,
    day_option,
    err,
    fail,
    files_of,
    guard,
    out,
    progress_bar,
    reference_of,
    worker_count,
)
from formkit.cli.results import JsonOut, print_results, print_versions, slim
from formkit.forms import read_options
from formkit.rounds.check import NOT_COUNTED, Versions
from formkit.rounds.check import check as check_files


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
    if lang not in ("zh", "en"):
        raise fail("--lang 只能是 zh 或 en。")
    ref = reference_of(reference)
    files = [str(f) for f in files_of(paths)]  # a Path weighs more than its text
    guard([*paths, reference], [json_out])
    # every registered form, each file checked against its own
    options = read_options(
        year=year,
        reference_path=str(reference) if reference else None,
        forms=None,
        deadline=day_option(deadline, "申报截止日期"),
    )
    results = []
    versions = Versions(ref)
    shown: list[dict[str, Any]] = []  # the rows print_versions lists: the few not counted
    total = len(files)
    with progress_bar() as progress, JsonOut(json_out, ref, lang) as stream:
        task = progress.add_task("读取并审核", total=total)
        # with --json each result's text is made in the reading worker, beside the reading;
        # without, no value's source cell travels back (the tables do not show them)
        checked = check_files(
            _handed_over(files),
            options,
            jobs=worker_count(jobs, total),
            provenance=json_out is not None,
            document=json_out is not None and lang == "zh",
        )
        for sub in checked:
            stream.add(sub)
            versions.add(sub)
            results.append(slim(sub, details=details))  # memory flat in the number of files
            progress.advance(task)
        # written into the JSON as they are made, at its end
        stream.files = rows = _noting(versions.rows(), shown)
    collections.deque(rows, maxlen=0)  # without --json (or after a failure) not yet made
    # with --json - the JSON owns standard output; the tables go to standard error
    console = err if str(json_out) == "-" else out
    print_results(results, details, lang, console=console)
    print_versions(shown, console)
    bad = any(r.status == "rejected" or r.errors for r in results)
    raise typer.Exit(EXIT_FINDINGS if bad else EXIT_OK)


def _handed_over(files: list[str]) -> Iterator[str]:
    """The paths, each let go of once handed to the reader: its result names it again (and
    a path sent to a worker carries its UTF-8 text too), so no list of them is kept."""
    files.reverse()
    while files:
        yield files.pop()


def _noting(
    rows: Iterable[dict[str, Any]], shown: list[dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    """The `files` rows passed on, those print_versions lists (not counted, or conflicting)
    kept in `shown`."""
    for row in rows:
        if row["disposition"] in NOT_COUNTED or row["conflicts"]:
            shown.append(row)
        yield row
