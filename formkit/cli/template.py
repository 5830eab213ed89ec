"""`formkit template`, `forms`, `catalogue`, `version`: what formkit makes and knows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from formkit import __version__
from formkit.atomic import write_bytes_atomic
from formkit.cli.common import fail, guard, out, shown_path, why
from formkit.docs import catalogue_markdown
from formkit.forms import DEFAULT_FORM, UnknownForm, form_ids, load_form_spec
from formkit.spec import SpecError
from formkit.template import write_template


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
    if not 2000 <= year <= 2100:
        raise fail(f"申报年度 {year} 不合理，请填写如 2006 的四位年份。")
    if form is None or form == DEFAULT_FORM:
        output = output or Path("templates/申报书.xlsx")
        guard([], [output])
        try:
            path = write_template(output, year=year, password=password)
        except (OSError, SpecError) as exc:
            raise fail(f"无法写出模板 {output}（{why(exc)}）。") from None
        out.print(
            f"已生成模板：[bold]{shown_path(path)}[/]（{year}年申报，数据年度 {year - 1} 年）",
            soft_wrap=True,
        )
        return
    try:
        spec = load_form_spec(form)
    except UnknownForm:
        raise fail(f"没有表单“{form}”；`formkit forms` 列出可用的表单。") from None
    output = output or Path("templates") / f"{spec.file_name or spec.id}.xlsx"
    guard([], [output])
    try:
        path = write_template(output, spec, year=year, password=password)
    except (OSError, SpecError) as exc:
        raise fail(f"无法写出模板 {output}（{why(exc)}）。") from None
    out.print(
        f"已生成模板：[bold]{shown_path(path)}[/]（{spec.render(spec.title, year)}）",
        soft_wrap=True,
    )


def forms() -> None:
    """列出 formkit 能生成和读取的表单：标识、版本、名称、依据。"""
    for form_id in form_ids():
        spec = load_form_spec(form_id)
        name = spec.title.replace("{year}年度", "").replace("{year}年", "")
        out.print(f"{spec.id}  版本 {spec.version}  {name}（{spec.source}）", soft_wrap=True)


def catalogue(
    output: Annotated[Path, typer.Option("-o", "--output", help="输出文件。")] = Path(
        "docs/issues.md"
    ),
) -> None:
    """生成问题代码一览（docs/issues.md）。"""
    write_bytes_atomic(output, catalogue_markdown().encode("utf-8"))
    out.print(f"已写入 {shown_path(output)}", soft_wrap=True)


def version() -> None:
    """显示 formkit 及表单版本。"""
    forms = "；".join(f"{s.id} 版本 {s.version}" for s in map(load_form_spec, form_ids()))
    out.print(f"formkit {__version__}；表单 {forms}")
