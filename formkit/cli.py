"""The `formkit` command: argument parsing and printing only; the work is in the library.

Exit codes: 0 success; 1 a file had errors or was rejected; 2 usage or I/O error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

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
