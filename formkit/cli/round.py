"""The round's ledger: `formkit distribute`, `ingest`, `status` and `feedback`."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from formkit.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    ApplicantsDeadline,
    FormOpt,
    Jobs,
    PeriodOpt,
    Year,
    day_option,
    err,
    fail,
    files_of,
    form_spec,
    guard,
    out,
    period_option,
    progress_bar,
    require,
    shown_path,
    why,
    worker_count,
)
from formkit.cli.results import MAX_TABLE_ROWS, VERDICT_STYLE
from formkit.distribute import RosterError, plan, read_roster, write_links
from formkit.distribute import distribute as write_all
from formkit.forms import get_form, read_options
from formkit.issues import Issue
from formkit.ledger import (
    FileOutcome,
    FileRecord,
    Ledger,
    LedgerError,
    issue_text,
    sort_for_chasing,
    write_status_workbook,
)
from formkit.paths import display_name
from formkit.rounds.feedback import annotate, with_issues_in_ledger
from formkit.rounds.ingest import ingest as ingest_files
from formkit.rounds.status import round_of
from formkit.rounds.status import status as status_of
from formkit.states import registered_reason, shown_state, state_reason
from formkit.web.auth import new_token, token_hash
from formkit.web.store import WebStore


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
    if not 2000 <= year <= 2100:
        raise fail(f"申报年度 {year} 不合理，请填写如 2006 的四位年份。")
    spec = form_spec(form)
    when = period_option(spec, period)
    if when is not None:
        year = when.year
    if not roster.is_file():
        raise fail(f"找不到名单文件：{roster}")
    try:
        rows = read_roster(roster, spec=spec)
    except RosterError as exc:
        raise fail("名单有误，未生成任何文件：\n" + "\n".join(exc.problems)) from None

    planned = plan(rows, output, year, spec=spec, period=when)
    guard([roster], [db, *(item.path for item in planned)], (output,))
    try:
        with Ledger(db) as ledger:
            written = write_all(rows, output, year=year, spec=spec, period=when)
            ledger.add_roster(rows, year=year, period=when)
            # new links for this roster: the file first, so a failure keeps the old ones
            tokens = {item.submission_id: new_token() for item in written}
            links = write_links(written, tokens, output, base_url=base_url, spec=spec)
            WebStore(ledger).set_token_hashes({sid: token_hash(t) for sid, t in tokens.items()})
    except (OSError, LedgerError) as exc:
        raise fail(f"无法完成下发：{exc}") from None
    for item in written:
        out.print(f"{item.submission_id}  {item.path.name}")
    what = spec.file_name or spec.id
    if when is not None:
        what = f"{when.text}的{what}"
    out.print(
        f"已为 {len(written)} 个{spec.roles.subject_label}生成{what}："
        f"[bold]{shown_path(output)}[/]",
        soft_wrap=True,
    )
    out.print(f"名单已登记到台账：{shown_path(db)}", soft_wrap=True)
    # the whole path: the folder it is in is the one the province sends files from
    out.print(f"上报链接已写入：{shown_path(links)}", soft_wrap=True)
    out.print(
        f"请把各单位的上报链接随其{spec.file_name or spec.id}分别发给各单位；"
        "此前发出的链接随之失效。"
    )


def _registered_reason(ledger: Ledger, sha: str) -> str:
    """A file received again: what it was registered as (formkit.states)."""
    record = ledger.file(sha)
    title = get_form(record.form_id).spec.file_name if record and record.form_id else ""
    return registered_reason(record, title or "")


def _settled(
    cells: tuple[str, ...], record: FileRecord | None, across: dict[str, list[Issue]]
) -> tuple[str, ...]:
    """An ingest row with the state and reason `status` shows for its file (the check
    across periods ran after the file was recorded)."""
    if record is None or record.superseded_by is not None:
        return cells
    found = across.get(record.sha256, [])
    state = shown_state(record, found)
    if state == cells[3]:
        return cells
    return (*cells[:3], state, escape(state_reason(record, found)))


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
    files = files_of(paths)
    guard(list(paths), [db])
    received_on = day_option(today, "--today 日期")
    if form is not None:
        form_spec(form)
    # what the end of the run needs of each file, and no more: memory stays flat in N. A
    # long run lists only the files that need attention, as `check` does (all are in the
    # ledger: `status`, `summary --db`)
    rows: list[tuple[str, ...]] = []  # every file's row, while there are few
    attention: list[tuple[str, ...]] = []  # the first rows that need attention
    # the records of the rows shown: their state and reason are settled after the check
    # across periods, as `status` shows them (formkit.states)
    shown_records: dict[tuple[str, ...], FileRecord] = {}
    total = 0

    def add(cells: tuple[str, ...], needs_attention: bool) -> bool:
        """Keep the row while it may be shown; whether it is kept."""
        if total <= MAX_TABLE_ROWS:
            rows.append(cells)
        elif rows:
            rows.clear()
            # only the rows that need attention are shown now: the others' records go
            for gone in set(shown_records) - set(attention):
                del shown_records[gone]
        if needs_attention and len(attention) < MAX_TABLE_ROWS:
            attention.append(cells)
        return total <= MAX_TABLE_ROWS or bool(attention and attention[-1] is cells)

    def row(f: FileOutcome) -> None:
        nonlocal total
        total += 1
        r = f.record
        if r is None:
            kind = "已登记过" if f.outcome == "duplicate" else "[red]无法读取[/]"
            shown, detail = display_name(Path(f.path).name), display_name(f.detail or "")
            if f.outcome == "duplicate":  # what it was registered as, and when
                detail = _registered_reason(ledger, f.sha256)
            add((escape(shown), kind, "", "", escape(detail)), f.outcome != "duplicate")
            return
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
        # a record holds the file's stored document: kept only for a row that is shown
        if add(cells, kind not in ("新收到", "新版本（替代旧版）") or r.state == "有错误"):
            shown_records[cells] = r

    try:
        with Ledger(db, form=form) as ledger, progress_bar() as progress:
            if not ledger.roster():
                err.print("[yellow]提示：[/]台账中还没有名单，收到的文件都将列为名单外。")
            task = progress.add_task("读取并审核", total=len(files))
            done = ingest_files(
                ledger,
                files,
                jobs=worker_count(jobs, len(files)),
                options=read_options(
                    year=year,
                    forms=None if form is None else (form,),
                    deadline=day_option(deadline, "申报截止日期"),
                ),
                progress=lambda n: progress.advance(task, n),
                each=row,
                received_on=received_on,
            )
    except (OSError, LedgerError) as exc:
        raise fail(f"无法登记：{exc}") from None
    report = done.report
    table = Table(title=f"共 {total} 个文件")
    for col in ("文件", "登记", "填报单位", "报送情况", "说明"):
        table.add_column(col, overflow="fold")
    shown_rows = rows if total <= MAX_TABLE_ROWS else attention
    for cells in shown_rows:
        table.add_row(*_settled(cells, shown_records.get(cells), done.across))
    out.print(table)
    if len(shown_rows) < total:
        out.print(f"（共 {total} 个文件，上表只列出需要处理的前 {len(shown_rows)} 个）")

    found = done.found()
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
    raise typer.Exit(EXIT_FINDINGS if done.bad else EXIT_OK)


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
    due = day_option(deadline, "截止日期")
    now = day_option(today, "--today 日期")
    spec = form_spec(form)
    when = period_option(spec, period)
    if not db.is_file():
        raise fail(f"找不到报送台账 {db}：请先运行 formkit distribute 或 formkit ingest。")
    guard([db], [output])
    try:
        with Ledger(db) as ledger:
            report = status_of(ledger, round_of(spec.id, when), deadline=due, today=now)
    except (LedgerError, sqlite3.OperationalError) as exc:
        raise fail(str(exc)) from None

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
    counts = report.counts
    out.print(
        "；".join(f"{k} {v}" for k, v in counts.items() if v or k in ("未收到", "有错误")) + "。"
    )
    if output is not None:
        try:
            write_status_workbook(report, output)
        except OSError as exc:
            raise fail(f"无法写出 {output}（{why(exc)}）。") from None
        out.print(f"催报名单已写入 {shown_path(output)}", soft_wrap=True)


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
    paths = paths or []
    if db is None and not paths:
        raise fail("请给出回收的文件或文件夹，或用 --db 指定报送台账。")
    require([*paths, db])
    guard([*paths, db], out_dirs=(output,))
    if form is not None:
        form_spec(form)
    files: list[Any] = with_issues_in_ledger(db, form) if db is not None else files_of(paths)
    if not files:
        raise fail("台账中没有需要发回修改的文件。")
    try:  # before any work: an unwritable folder would fail every file alike
        output.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=output):
            pass
    except OSError as exc:
        raise fail(f"无法写入输出文件夹 {output}：{exc.strerror or exc}") from None
    workers = worker_count(jobs, len(files))
    results = []
    with progress_bar() as progress:
        task = progress.add_task("审核并生成审核意见", total=len(files))
        # like check: each file by its own form, unless --form names one
        options = read_options(year=year, forms=(form,) if form is not None else None)
        for r in annotate(files, output, jobs=workers, options=options):
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
        shown = f"[{VERDICT_STYLE[verdict]}]{verdict}[/]" if verdict in VERDICT_STYLE else verdict
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
