"""The `formkit` command: argument parsing and printing only; the work is in the library.

Exit codes: 0 success; 1 a file had errors or was rejected; 2 usage or I/O error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress

app = typer.Typer(
    name="formkit",
    help="科技兴贸出口创新基地申报书：生成模板、读取回收表、审核、汇总、跟踪报送。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
out = Console()
err = Console(stderr=True)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]错误：[/]{message}")
    return typer.Exit(EXIT_USAGE)


@app.command()
def template(
    year: Annotated[int, typer.Option("--year", help="申报年度（数据年度为上一年）。")] = 2006,
    output: Annotated[Path, typer.Option("-o", "--output", help="输出文件。")] = Path(
        "templates/申报书.xlsx"
    ),
    password: Annotated[
        str | None, typer.Option("--password", help="工作表保护密码（默认不设密码）。")
    ] = None,
) -> None:
    """生成空白申报书模板（.xlsx）。"""
    from formkit.spec import SpecError
    from formkit.template import write_template

    if not 2000 <= year <= 2100:
        raise _fail(f"申报年度 {year} 不合理，请填写如 2006 的四位年份。")
    try:
        path = write_template(output, year=year, password=password)
    except (OSError, SpecError) as exc:
        raise _fail(f"无法写出模板 {output}：{exc}") from None
    out.print(f"已生成模板：[bold]{path}[/]（{year}年申报，数据年度 {year - 1} 年）")


@app.command()
def check(
    paths: Annotated[
        list[Path], typer.Argument(help="回收的申报书文件或文件夹（递归）。", show_default=False)
    ],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="把结果按 JSON 写入文件（- 表示标准输出）。")
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="并行读取的进程数（默认为 CPU 核数）。")
    ] = 0,
    year: Annotated[
        int | None, typer.Option("--year", help="本次收集的申报年度，用于核对模板年度。")
    ] = None,
    details: Annotated[
        bool, typer.Option("--details", help="逐条列出每个问题（文件、工作表、单元格、说明）。")
    ] = False,
) -> None:
    """读取并检查回收的申报书，列出每个文件的状态和问题。"""
    import os

    from formkit.read import ReadOptions, collect_paths, read_many

    missing = [p for p in paths if not p.exists()]
    if missing:
        raise _fail("找不到：" + "、".join(str(p) for p in missing))
    files = collect_paths(paths)
    if not files:
        raise _fail("给出的文件夹中没有文件。")
    options = ReadOptions(year=year)
    results = []
    workers = jobs if jobs > 0 else min(len(files), os.cpu_count() or 1)
    with _progress() as progress:
        task = progress.add_task("读取", total=len(files))
        for sub in read_many(files, options, jobs=workers):
            results.append(sub)
            progress.advance(task)
    _print_results(results, details)
    if json_out is not None:
        _write_json(json_out, results)
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


def _print_results(results: list[Any], details: bool) -> None:
    from rich.table import Table

    table = Table(title=f"共 {len(results)} 个文件", show_lines=False)
    for col in ("文件", "推荐单位", "状态", "错误", "警告"):
        table.add_column(col, justify="right" if col in ("错误", "警告") else "left")
    for r in results:
        status = "[green]已受理[/]" if r.status == "accepted" else "[red]未受理[/]"
        unit = r.values.get("province") or ""
        reason = f"：{r.rejection.message}" if r.rejection is not None else ""
        table.add_row(Path(r.file).name, str(unit), status + reason, str(r.errors), str(r.warnings))
    out.print(table)
    accepted = sum(1 for r in results if r.status == "accepted")
    out.print(f"已受理 {accepted} 个，未受理 {len(results) - accepted} 个。")
    if details:
        for r in results:
            for i in r.issues:
                place = " ".join(x for x in (i.sheet or "", i.cell or "") if x)
                out.print(
                    f"{Path(r.file).name}\t{i.severity}\t{i.code}\t{place}\t{i.message}",
                    markup=False,
                )


def _write_json(target: Path, results: list[Any]) -> None:
    import json

    from formkit import __version__
    from formkit.atomic import write_bytes_atomic

    doc = {"formkit": __version__, "results": [r.to_json() for r in results]}
    text = json.dumps(doc, ensure_ascii=False, indent=2)
    if str(target) == "-":
        print(text)
        return
    try:
        write_bytes_atomic(target, text.encode("utf-8"))
    except OSError as exc:
        raise _fail(f"无法写出 {target}：{exc}") from None
    err.print(f"结果已写入 {target}")


@app.command()
def version() -> None:
    """显示 formkit 及表单版本。"""
    from formkit import __version__
    from formkit.spec import load_spec

    spec = load_spec()
    out.print(f"formkit {__version__}；表单 {spec.id} 版本 {spec.version}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
