"""`formkit bases` (the register of recognised bases) and `formkit evaluate` (定期评估: each
base's year and the five-year goal)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from formkit import __version__
from formkit import bases as reg
from formkit import evaluate as ev
from formkit.atomic import write_bytes_atomic
from formkit.bases import Register, book, feed, sources
from formkit.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    ReferenceFile,
    day_option,
    err,
    fail,
    guard,
    out,
    reference_of,
    require,
    unit_name,
)
from formkit.evaluate.book import write as write_book
from formkit.evaluate.policy import PolicyError, load_policy
from formkit.ledger import Ledger, LedgerError


def bases(
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
    if from_rollup is not None and from_list is not None:
        raise fail("--from-rollup 与 --from-list 只能用一个。")
    require([from_rollup, from_list, import_])
    inputs = [p for p in (from_rollup, from_list, import_) if p is not None]
    guard(inputs, [x for x in (db, output, reference_out, json_out) if x and str(x) != "-"])
    # with --json - the JSON owns standard output; what is said goes to standard error
    say = err if str(json_out) == "-" else out
    ref = reference_of(None)
    mine = unit_name(ref, unit)
    day = day_option(date, "认定日期")
    when = day_option(as_of, "--as-of") or dt.date.today()
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
        raise fail(str(exc)) from None
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
        raise fail(f"无法写出：{exc}") from None
    raise typer.Exit(code)


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
    if not 2000 <= year <= 2100:
        raise fail(f"评估年度 {year} 不合理，请填写如 2007 的四位年份。")
    require([db, policy, reference])
    mine = unit_name(reference_of(None), unit)
    target = output or Path(f"{mine or '全国'}{year}年定期评估.xlsx")
    guard([db, *(p for p in (policy, reference) if p)], [target, json_out])
    day = day_option(as_of, "评估日期")
    ref = reference_of(reference)
    try:
        rules = load_policy(policy)
    except PolicyError as exc:
        raise fail(str(exc)) from None
    try:
        with Ledger(db) as ledger:
            if not len(Register(ledger)):
                raise fail(f"台账 {db} 中没有基地名册：请先用 formkit bases 建立。")
            result = ev.evaluate(ledger, year, unit=mine, reference=ref, policy=rules, as_of=day)
    except LedgerError as exc:
        raise fail(str(exc)) from None
    if not result.bases:
        raise fail(f"{mine or '基地名册'}中没有 {year} 年在册的基地。")
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
        raise fail(f"无法写出：{exc}") from None
    n = len(result.flags)
    out.print(f"已写出评估表：[bold]{target}[/]（{len(result.bases)} 个基地，需关注 {n} 项）")
    raise typer.Exit(EXIT_FINDINGS if n else EXIT_OK)
