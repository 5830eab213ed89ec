"""`formkit recommend` (the 推荐文件 and 报部名单) and `formkit roster` (the reports' roster
of bases drawn from the application round)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from formkit.bases import Register
from formkit.bases.feed import roster_rows
from formkit.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    ReferenceFile,
    err,
    fail,
    files_of,
    form_spec,
    guard,
    out,
    period_option,
    reference_of,
    require,
    shown_path,
    unit_name,
    why,
)
from formkit.distribute import roster_title, write_roster
from formkit.forms import default_form
from formkit.ledger import Ledger, LedgerError
from formkit.rounds.recommend import (
    NotASummary,
    decide_from_ledger,
    decide_from_summaries,
    ranking,
    recommended_pairs,
    row_text,
    write_unit_documents,
)


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
    paths = paths or []
    if db is None and not paths:
        raise fail("请给出汇总表文件，或用 --db 指定报送台账。")
    require([*paths, db])
    ref = reference_of(reference)
    when = _letter_date(date) if date is not None else None
    chosen_unit = unit_name(ref, unit)
    form = default_form()  # the application round's: the 申报书
    try:
        key = ranking(form, rank_by)
    except ValueError as exc:
        raise fail(str(exc)) from None
    if db is not None:
        decided = decide_from_ledger(db, form, reference=ref, unit=chosen_unit, key=key)
    else:
        try:
            decided, recorded = decide_from_summaries(
                files_of(paths), form, reference=ref, unit=chosen_unit, key=key
            )
        except NotASummary as exc:
            raise fail(str(exc)) from None
        if recorded and rank_by is not None:
            err.print("[yellow]提示：[/]给出汇总表时以表中的推荐次序为准，--rank-by 未使用。")
    if not any(u.apps for u in decided.units):
        raise fail("没有可推荐的申请。")
    table = Table(title="推荐决定")
    for col in ("推荐单位", "推荐次序", "申请单位", "申报类型", "审核结论", "推荐意见", "理由"):
        table.add_column(col, overflow="fold")
    written = []
    notes: list[str] = []
    for group in decided.units:
        for a in group.ordered:
            reason = str(a.get("_reason") or "")
            if a.get("_override"):
                reason += f"\n[yellow]{escape(str(a['_override']))}[/]"
            applicant, kind = row_text(form, a)
            table.add_row(
                escape(group.unit),
                str(a.get("_rank") or ""),
                escape(applicant),
                escape(kind),
                escape(str(a.verdict or "")),
                escape(str(a.get("_decision") or "")),
                reason,
            )
        try:
            files, told = write_unit_documents(
                form,
                group,
                output,
                contact=contact,
                phone=phone,
                date=when,
                authority=authority,
                signer=signer,
                doc_code=doc_code,
            )
        except OSError as exc:
            raise fail(f"无法写出 {output}（{why(exc)}）。") from None
        written.append(files)
        notes += told
    out.print(table)
    if db is not None:
        out.print(f"排序依据：{decided.key}")
    problems = list(decided.problems)
    apps = [a for u in decided.units for a in u.apps]
    pending = [a for a in apps if a.verdict == "需人工判断" and a.get("_decision") != "推荐"]
    if pending:
        err.print(
            f"[yellow]提示：[/]{len(pending)} 份申请有需人工判断的条件，formkit 不自动推荐；"
            "决定推荐的，请在汇总表的推荐意见中改为“推荐”，"
            "再用 formkit recommend 汇总表.xlsx 生成。"
        )
    # the province's own deadline to the ministry (六(三)), stated per reporting year
    due, due_source = ref.ministry_deadline(decided.units[0].year)
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
            out.print(f"  {shown_path(path)}", soft_wrap=True)
    raise typer.Exit(EXIT_FINDINGS if problems else EXIT_OK)


def _letter_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise fail(f"日期“{text}”应写成 2006-04-25 的形式。") from None


def roster(
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
    spec = form_spec(form)
    require([db, recommended])
    guard([db, *([recommended] if recommended else [])], [output])
    ref = reference_of(None)
    mine = unit_name(ref, unit)
    when = period_option(spec, period) if period is not None else None
    chosen = None
    if recommended is not None:
        chosen = _recommended_pairs(recommended, spec.roster.source_form)
    try:
        with Ledger(db) as ledger:
            register = Register(ledger)
            if len(register) and recommended is None:
                # the bases the ministry recognised, 在册 during the period (formkit bases)
                if when is None:
                    raise fail(
                        f"台账 {db} 中有基地名册：请用 --period 指定报告期（如 2008Q1），"
                        "名单为这一期在册的基地。"
                    )
                rows = roster_rows(register.bases(mine), spec.id, when, ref)
                if not rows:
                    raise fail(f"基地名册中没有 {when.tag} 在册的基地，未写出名单。")
            else:
                if when is not None:
                    raise fail(
                        "--period 只用于按基地名册生成名单"
                        f"（台账 {db} 中没有基地名册，或给了 --recommended）。"
                    )
                rows = ledger.application_roster(spec.id, year=year, chosen=chosen)
                rows = [r for r in rows if mine is None or r.unit == mine]
    except LedgerError as exc:
        raise fail(str(exc)) from None
    if not rows:
        which = "汇总表中推荐的" if recommended is not None else "审核结论为“符合”的"
        raise fail(f"台账 {db} 中没有{which}申请（{year or '全部'}年度），未写出名单。")
    try:
        words = "{}年{}".format(*when.text.partition("/")[::2]) if when is not None else ""
        words = words or (f"据{year}年度申报" if year is not None else "")
        write_roster(rows, output, spec, roster_title(spec, mine, words))
    except OSError as exc:
        raise fail(f"无法写出 {output}（{why(exc)}）。") from None
    for r in rows:
        out.print(f"{r.unit}  {r.subject}")
    out.print(
        f"已写出{spec.file_name or spec.id}的名单（{len(rows)} 个{spec.roles.subject_label}）："
        f"[bold]{shown_path(output)}[/]",
        soft_wrap=True,
    )
    out.print(
        f"下发：formkit distribute {shown_path(output)} --form {spec.id} --period …",
        soft_wrap=True,
    )


def _recommended_pairs(path: Path, app_form: str | None) -> list[tuple[str, str]]:
    """(unit, subject) of the applications a provincial summary marks 推荐."""
    try:
        pairs, problems = recommended_pairs(path, app_form, reference=reference_of(None))
    except NotASummary as exc:
        raise fail(str(exc)) from None
    for problem in problems:
        err.print(f"[yellow]提示：[/]{problem}")
    return pairs
