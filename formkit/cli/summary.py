"""`formkit summary` (a folder of files or the ledger) and `formkit rollup` (the
provinces' summaries into the national view)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from formkit.atomic import committed_together, write_bytes_atomic
from formkit.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    ApplicantsDeadline,
    Jobs,
    ReferenceFile,
    day_option,
    err,
    fail,
    files_of,
    form_spec,
    guard,
    out,
    progress_bar,
    reference_of,
    require,
    shown_path,
    unit_name,
    why,
    worker_count,
)
from formkit.cli.results import (
    JsonOut,
    print_results,
    slim,
    write_json,
)
from formkit.distribute import parse_period
from formkit.forms import default_form, read_options
from formkit.paths import display_name
from formkit.read import Submission
from formkit.rollup import NotASummary, summary_form
from formkit.rounds.recommend import ranking
from formkit.rounds.report import across_json
from formkit.rounds.rollup import documents as rollup_documents
from formkit.rounds.rollup import national
from formkit.rounds.summary import from_files, with_across, with_found
from formkit.summary import sheets
from formkit.summary.ledger import from_ledger as ledger_summary
from formkit.summary.ledger import ledger_submissions


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
    paths = paths or []
    if db is None and not paths:
        raise fail("请给出回收的文件或文件夹，或用 --db 指定报送台账。")
    require([*paths, db])
    guard([*paths, db, reference], [output, json_out])
    ref = reference_of(reference)
    unit = unit_name(ref, unit)
    spec = form_spec(form_id)
    period = _period(spec, year, quarter, period_text)
    _check_rank_key(rank_by)
    if db is not None:
        _summary_from_ledger(
            db, output, ref, unit, year, json_out, rank_by, form_id=form_id, period=period
        )
        return
    files = files_of(paths)
    # a periodic form's files of other years are read as they are (the comparisons need them)
    options = read_options(
        year=None if spec.roles.period else year,
        forms=(spec.id,),
        reference_path=str(reference) if reference else None,
        deadline=day_option(deadline, "申报截止日期"),
    )
    results: list[Any] = []  # results.Slim: read as Submissions by with_across/with_found
    # the JSON and the workbook are renamed into place together: both new or both old
    try:
        with committed_together():
            with progress_bar() as progress, JsonOut(json_out, ref) as stream:
                task = progress.add_task("读取并审核", total=len(files))

                def each(sub: Submission) -> None:
                    stream.add(sub)
                    results.append(slim(sub))
                    progress.advance(task)

                # each result is reduced to its summary rows as it arrives: memory stays flat
                data = from_files(
                    files,
                    options,
                    spec=spec,
                    reference=ref,
                    jobs=worker_count(jobs, len(files)),
                    # the cells each value came from go only into the JSON
                    provenance=json_out is not None,
                    each=each,
                    year=year,
                    unit=unit,
                    inputs=[display_name(p) for p in paths],
                    period=period,
                )
                stream.across = across_json(data.across)
            # a periodic form's issues across periods are in the table too
            print_results(with_across(results, data.across), details=False)
            sheets.write(output, data, spec=spec, reference=ref, rank_by=rank_by)
    except OSError as exc:
        raise fail(f"无法写出 {output}（{why(exc)}）。") from None
    out.print(
        f"已生成汇总表：[bold]{shown_path(output)}[/]（{_file_counts(data)}）", soft_wrap=True
    )


def _period(
    spec: Any, year: int | None, quarter: int | None, period: str | None = None
) -> tuple[Any, ...] | None:
    """--year/--quarter (or --period 2007Q2, as distribute and status take it) as the values
    of the form's period fields ([roles] period); None: the latest present."""
    fields = spec.roles.period
    if period is not None:
        if quarter is not None:
            raise fail("--period 与 --quarter 只用一个。")
        try:
            return tuple(v for _f, v in parse_period(period, spec).values)
        except ValueError as exc:
            raise fail(str(exc)) from None
    if quarter is not None:
        last = spec.field(fields[-1]) if len(fields) > 1 else None
        if last is None or not last.choices:
            raise fail(f"表单 {spec.id} 不分季度，--quarter 不适用。")
        if year is None:
            raise fail("--quarter 需要与 --year 一起给出。")
        if not 1 <= quarter <= len(last.choices):
            raise fail(f"--quarter 为 1—{len(last.choices)}。")
        return (year, last.choices[quarter - 1])
    return (year,) if fields and year is not None else None


def _check_rank_key(rank_by: str | None) -> None:
    """`--rank-by` names a key the application round's recommendation ranks by."""
    try:
        ranking(default_form(), rank_by)
    except ValueError as exc:
        raise fail(str(exc)) from None


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
    # what the result table needs of each file, and no more: memory stays flat in N (the
    # issues across periods the summary finds still reach each file's issues)
    results: list[Any] = []  # results.Slim: read as Submissions by with_across/with_found
    data = ledger_summary(
        db,
        reference=ref,
        unit=unit,
        year=year,
        each=lambda sub: results.append(slim(sub)),
        form_id=form_id,
        period=period,
    )
    print_results(with_found(results, data.found_across), details=False)
    spec = form_spec(form_id) if form_id else None
    try:
        with committed_together():  # both new or both old
            sheets.write(output, data, spec=spec, reference=ref, rank_by=rank_by)
            if json_out is not None:  # the files again, one at a time
                again = ledger_submissions(
                    db,
                    form_id=form_id,
                    found_across=data.found_across,
                    periods=data.read_periods,
                )
                write_json(json_out, again, ref)
    except OSError as exc:
        raise fail(f"无法写出 {output}（{why(exc)}）。") from None
    out.print(
        f"已按台账 {shown_path(db)} 生成汇总表：[bold]{shown_path(output)}[/]"
        f"（{_file_counts(data)}）",
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
    ref = reference_of(reference)
    files = files_of(paths)
    guard([*paths, reference], [output])
    spec = form_spec(form_id or _summary_form(files))
    period = _period(spec, year, quarter) if quarter is not None else None
    inputs = [display_name(p) for p in paths]
    result = national(files, spec=spec, reference=ref, year=year, period=period, inputs=inputs)
    for file, reason in result.rejected:
        err.print(f"[red]未采用[/] {escape(display_name(file))}：{escape(reason)}")
    # the form's own documents beside the roll-up (the 申报书's national 公示)
    extra = [(output.parent / n, b) for n, b in rollup_documents(spec, result.data, ref)]
    guard([*paths, reference], [output, *(p for p, _ in extra)])
    try:
        with committed_together():  # all new or all old
            sheets.write(output, result.data, spec=spec, reference=ref, national=True)
            for path, content in extra:
                write_bytes_atomic(path, content)
    except OSError as exc:
        raise fail(f"无法写出 {output}（{why(exc)}）。") from None
    out.print(
        f"已生成全国汇总：[bold]{shown_path(output)}[/]（{len(result.data.sources)} 份省级汇总，"
        f"{len(result.data.applications)} 个{spec.summary.item}；"
        f"未采用 {len(result.rejected)} 个文件）",
        soft_wrap=True,
    )
    if extra:
        out.print("已生成推荐名单（公示）：", soft_wrap=True)
        for path, _ in extra:
            out.print(f"  {shown_path(path)}", soft_wrap=True)
    raise typer.Exit(EXIT_FINDINGS if result.rejected else EXIT_OK)


def _summary_form(files: list[Path]) -> str | None:
    """The form of the first readable summary (its formkit_form_id), else the default."""
    for path in files:
        try:
            return summary_form(path)
        except NotASummary:
            continue
    return None
