"""SummaryData -> the summary workbook (xlsxwriter): 汇总表 (what an official reads and
prints), 明细, 问题清单, 统计, the file sheets, the layout's charts and tables, 说明, and a very
hidden sheet with the workbook's metadata, from which `formkit rollup` recognises it.

The engine writes what every form's summary has; the form's own parts (formkit.forms:
`SummaryPart`) add theirs. The same inputs give a byte-identical file.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter

from formkit import __version__
from formkit.atomic import write_bytes_atomic
from formkit.cells import display_width
from formkit.forms import form_of, load_form_spec
from formkit.issues import title as issue_title
from formkit.records import BRIEF_CRITERIA, Col, brief_criteria, columns, sort_key, unit_order
from formkit.reference import Reference, load_reference
from formkit.spec import FormSpec
from formkit.summary import cellwriter
from formkit.summary.kit import (
    EDITABLE_FILL,
    MACHINE_COL,
    MACHINE_HEADER,
    Formats,
    SummaryData,
    Writer,
    excluded_summary,
    landscape,
    plain_cells,
    put,
    sheet_title,
    table,
    total,
)
from formkit.summary.periods import not_reported, period_words
from formkit.summary.tables import (
    chart_sheet,
    compare_sheet,
    rows_sheet,
    stats_sheet,
    unit_sheet,
)

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet


SUMMARY_KIND = "provincial-summary"


META_SHEET = "formkit"


APPS_SHEET, ISSUES_SHEET = "汇总表", "问题清单"


REJECTED_SHEET, SUPERSEDED_SHEET, DUPLICATE_SHEET = "未受理文件", "已替代文件", "重复文件"


# the header row of every table sheet (row 1 is the title); the roll-up reads them back
HEADER_ROW = 2


# the complete table of every application, for machines and the roll-up (the first sheet
# is what an official reads and prints)
DETAIL_SHEET = "明细"


def issue_cols(subject_label: str = "申请单位") -> list[Col]:
    """问题清单's columns; the second names whom the file is about (the form's subject).
    An issue's code is for machines: it is in the hidden sheet (MACHINE), by 序号."""
    return [
        Col("_no", "序号", "integer", width=4.5),
        Col("file", "文件", "text", width=28),
        Col("applicant", subject_label, "text", width=22),
        Col("sheet", "工作表", "text", width=18),
        Col("cell", "单元格", "text", width=7),
        Col("severity", "级别", "text", width=5),
        Col("type", "问题类型", "text", width=16),
        Col("message", "说明", "text", width=70),
    ]


ISSUE_COLS = issue_cols()


def file_cols(status: str, subject_label: str = "申请单位") -> list[Col]:
    """未受理文件 / 已替代文件 / 重复文件: what a person reads; a file's SHA-256 and code are
    in the hidden sheet (MACHINE), by 序号."""
    return [
        Col("_no", "序号", "integer", width=4.5),
        Col("file", "文件", "text", width=36),
        Col("applicant", subject_label, "text", width=24),
        Col("date", "填报日期", "text", width=12),
        Col("type", "类别", "text", width=16),
        Col("detail", "原因" if status == "未受理" else "说明", "text", width=60),
    ]


# the ministry's decision on the national 汇总表 of a form whose approved records become
# recognised bases ([register] in its spec): filled in by the ministry, read back by
# formkit bases (formkit/bases/) as the province's 推荐 columns are read by the roll-up
APPROVAL, APPROVAL_NOTE = "_approval", "_approval_note"
APPROVALS = ("核准", "不予核准")
APPROVAL_COLS = (
    Col(APPROVAL, "核准结论", "text", width=6.5),
    Col(APPROVAL_NOTE, "核准意见", "text", width=14),
)


def print_columns(spec: FormSpec, *, national: bool = False) -> list[Col]:
    """The 汇总表's columns: one A4 landscape page wide, what an official reads: 序号, the
    unit and the subject, the form's type column and its printed figures ([summary]), the
    verdict where the form has one; the form's `summary_columns` hook adds its own. The
    national view of a form with a register adds the ministry's 核准结论 and 核准意见."""
    s = spec.summary
    by_key = {c.key: c for c in columns(spec, compact=True, computed=form_of(spec).computed_labels)}

    def col(key: str, header: str | None = None, width: float = 9.0) -> Col | None:
        c = by_key.get(key)
        if c is None:
            return None
        return Col(c.key, header or c.header, c.kind, c.unit, width)

    wanted = [
        Col("_no", "序号", "integer", width=4.5),
        col((spec.roles.unit or ""), spec.roles.unit_label, 9),
        col((spec.roles.subject or ""), spec.roles.subject_label, 19),
        col(s.type_field or "", None, 9),
        # the form's own figures, as its spec lists them ([summary] printed)
        *(col(p.key, p.header, p.width) for p in s.printed),
        *(
            [
                Col("_verdict", "审核结论", "text", width=7.5),
                # clause and one word; the titles and facts on 明细 and 问题清单
                Col(BRIEF_CRITERIA, "未通过或待补充的条件", "text", width=20),
            ]
            if s.verdicts
            else [
                Col("_errors", "错误", "integer", width=4.5),
                Col("_excluded_text", "未计入合计的数值", "text", width=16),
            ]
        ),
    ]
    cols = [c for c in wanted if c is not None]
    hook = form_of(spec).summary.print_columns
    cols = list(hook(spec, cols)) if hook is not None else cols
    return [*cols, *APPROVAL_COLS] if national and spec.register is not None else cols


def detail_columns(spec: FormSpec) -> list[Col]:
    """明细: every column of every application (a complete machine-readable table)."""
    cols = columns(spec, compact=True, computed=form_of(spec).computed_labels)
    if spec.roles.period:
        cols.append(Col("_period", "期间", "text", width=14))
    # the file's own id (formkit distribute): the register of bases links a base to it
    cols.append(Col("_submission_id", "报送编号", "text", width=22, shrink=True, optional=True))
    hook = form_of(spec).summary.detail_columns
    return list(hook(spec, cols)) if hook is not None else cols


# 明细 wider than this many columns is not for printing (README, "纸面"): the 申报书's has
# about 60, which one page wide no one can read, and which column groups would spread
# over a dozen pages per 30 applications. The official reads 汇总表 and 问题清单; 明细 is the
# complete table to look things up, filter and sort on screen, and what the roll-up reads
# back. Its print area is its title line, which says so (a printed workbook shows it as
# one line, not as pages of columns).
DETAIL_PRINT_COLS = 16
DETAIL_TITLE_END, DETAIL_NOTE_END = 4, 12
DETAIL_NOTE = (
    "本表为全部{item}的完整数据，供在屏幕上查询、筛选和排序，并供汇总使用；列数多，"
    "不打印（打印区域只有本行）。纸面请看汇总表和问题清单。"
)


def _detail_title(ws: Worksheet, fmt: Formats, text: str, width: int, item: str) -> bool:
    """明细's title line; for a wide table with the note that it is not printed (True)."""
    if width <= DETAIL_PRINT_COLS:
        sheet_title(ws, text, width, fmt)
        return False
    ws.merge_range(0, 0, 0, DETAIL_TITLE_END, text, fmt(bold=True, font_size=14, align="left"))
    ws.merge_range(
        0,
        DETAIL_TITLE_END + 1,
        0,
        DETAIL_NOTE_END,
        DETAIL_NOTE.format(item=item),
        fmt(font_size=9, text_wrap=True, align="left", valign="vcenter", font_color="#595959"),
    )
    ws.set_row(0, 36)
    return True


def build(
    data: SummaryData,
    *,
    spec: FormSpec | None = None,
    reference: Reference | None = None,
    national: bool = False,
    rank_by: str | None = None,
) -> bytes:
    """The summary (or, with national=True, the roll-up) workbook as bytes.

    The engine writes what every form has: 汇总表 (the printed columns), 明细, 问题清单, 统计,
    the file sheets, the layout's charts, 说明 and the metadata; the form's own parts (its
    SummaryPart) add theirs (the 申报书's proposed recommendation, `rank_by`, and its
    各推荐单位 and 图表).
    """
    spec = spec or load_form_spec()
    reference = reference or load_reference()
    form = form_of(spec)
    prepare = form.summary.prepare
    shown = prepare(data, spec, reference, rank_by) if prepare is not None else ""
    if prepare is None:
        data.applications.sort(key=sort_key(spec, unit_order(reference)))
    apps = data.applications
    for n, rec in enumerate([*apps, *data.others], start=1):
        rec.no = n  # other periods' records follow in 明细, numbered on
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            # rows go to temporary files as they are written (every sheet is written top
            # to bottom), so a summary of thousands of applications stays small in memory
            "constant_memory": True,
            "tmpdir": tempfile.gettempdir(),
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    title = workbook_title(data, spec, national)
    wb.set_properties(
        {
            "title": title,
            "author": "formkit",
            "created": dt.datetime(data.year, 1, 1),
            "comments": spec.id,
        }
    )
    w = Writer(wb, Formats(wb), data, spec, reference, title, national, {"shown": shown})
    fmt = w.fmt
    sheets = form.summary.sheets
    _apps_sheet(w)
    if spec.roles.period:
        compare_sheet(w)
    cols = detail_columns(spec)
    ws = wb.add_worksheet(DETAIL_SHEET, cellwriter.SummarySheet)
    wide = _detail_title(ws, fmt, f"{title}：明细（全部数据）", len(cols), spec.summary.item)
    last = table(ws, fmt, 1, cols, [*data.applications, *data.others])
    w.keep(DETAIL_SHEET, [*data.applications, *data.others], "detail")
    ws.freeze_panes(2, 5)
    landscape(ws, title, None if wide else 1)
    ws.fit_to_pages(1, 0)
    if wide:  # not for printing: its print area is its title line and the note in it
        ws.print_area(0, 0, 0, DETAIL_NOTE_END)
    _verdict_formats(ws, fmt, cols, last)
    if sheets is not None:
        sheets(w, "after_detail")
    if national and spec.summary.unit_table:
        unit_sheet(w)
    who = spec.roles.subject_label
    _issue_sheet(w, who)
    stats_sheet(w)
    for name in spec.summary.tables:
        rows_sheet(w, spec.table(name))
    _files_sheet(w, REJECTED_SHEET, "未受理", who)
    _files_sheet(w, SUPERSEDED_SHEET, "已替代", who)
    _files_sheet(w, DUPLICATE_SHEET, "重复", who)
    if sheets is not None:
        sheets(w, "after_files")
    if spec.summary.charts:
        chart_sheet(w)
    _notes_sheet(w)
    _meta_sheet(wb, data, spec.id, w.machine)
    wb.close()
    return buf.getvalue()


def write(path: str | Path, data: SummaryData, **options: Any) -> Path:
    write_bytes_atomic(path, build(data, **options))
    return Path(path)


def _apps_sheet(w: Writer) -> None:
    """汇总表: what an official reads, prints and decides on (one A4 landscape page wide).

    A form may say, beside the title, which of its columns a person may edit (the 申报书's
    推荐次序, 推荐意见 and 推荐理由, read back by `formkit recommend` and `formkit rollup`):
    they are shaded as the template's inputs.
    """
    fmt, data, spec, title = w.fmt, w.data, w.spec, w.title
    ws = w.sheet(APPS_SHEET)
    cols = print_columns(spec, national=w.national)
    note_hook = form_of(w.spec).summary.print_note
    note, editable_keys = (
        note_hook(w.national, w.state.get("shown", "")) if note_hook is not None else ("", ())
    )
    approval = w.national and spec.register is not None
    if approval:
        editable_keys = (*editable_keys, APPROVAL, APPROVAL_NOTE)
        note += (
            "核准结论（核准 / 不予核准）、核准意见（黄色）由商务部填写后保存；基地名册按其建立。"
        )
    editable = [j for j, c in enumerate(cols) if c.key in editable_keys]
    if note:
        ws.merge_range(0, 0, 0, 7, title, fmt(bold=True, font_size=14, align="left"))
        ws.merge_range(
            0,
            8,
            0,
            len(cols) - 1,
            note,
            fmt(font_size=8, text_wrap=True, align="left", font_color="#595959"),
        )
        ws.set_row(0, 36)
    else:
        sheet_title(ws, title, len(cols), fmt)
    rows: Sequence[Mapping[str, Any]] = data.applications
    if any(c.key == BRIEF_CRITERIA for c in cols):
        rows = [{**r, BRIEF_CRITERIA: brief_criteria(r.get("_criteria"))} for r in rows]
    last = table(
        ws,
        fmt,
        1,
        cols,
        rows,
        fill={j: EDITABLE_FILL for j in editable},
        header_height=56,
    )
    if spec.roles.period and data.applications:
        # a periodic form's 汇总表 ends with the totals (环比 and 同比: 合计与比较)
        last += 1
        who = "全国" if w.national else (data.unit or "")
        strong = fmt(bold=True, border=1, bg_color="#F2F2F2")
        for j, c in enumerate(cols):
            if c.key == spec.roles.subject:
                ws.write_string(last, j, f"{who}合计", strong)
            elif c.key in spec.summary.totals:
                put(ws, last, j, total(data.applications, c.key), fmt.cell(c, bold=True), c.kind)
            else:
                ws.write_blank(last, j, None, strong)
    ws.freeze_panes(2, 4 if note else 3)
    landscape(ws, title, 1)
    ws.fit_to_pages(1, 0)
    _verdict_formats(ws, fmt, cols, last, counts=False)
    after = form_of(w.spec).summary.print_after
    if after is not None:
        after(ws, cols, last, w.national)
    if approval and last >= 2:
        j = next(j for j, c in enumerate(cols) if c.key == APPROVAL)
        ws.data_validation(
            2,
            j,
            last,
            j,
            {
                "validate": "list",
                "source": list(APPROVALS),
                "input_title": "核准结论",
                "input_message": "选择“核准”或“不予核准”；尚未决定的留空。",
                "error_title": "核准结论",
                "error_message": "请选择“核准”或“不予核准”。",
            },
        )


def workbook_title(data: SummaryData, spec: FormSpec, national: bool) -> str:
    """The layout's title for this unit (or 全国), year and period."""
    who = "全国" if national else (data.unit or "")
    return (
        spec.summary.title.replace("{unit}", who)
        .replace("{year}", str(data.year))
        .replace("{period}", period_words(data.period))
    )


def _verdict_formats(
    ws: Worksheet, fmt: Formats, cols: Sequence[Col], last: int, counts: bool = True
) -> None:
    if last < 2:
        return
    keys = [c.key for c in cols]
    red, yellow, green = (
        fmt(bg_color="#FFC7CE", border=1),
        fmt(bg_color="#FFEB9C", border=1),
        fmt(bg_color="#C6EFCE", border=1),
    )
    if "_verdict" in keys:
        v = keys.index("_verdict")
        for text, f in (
            ("不符合", red),
            ("待补充材料", yellow),
            ("需人工判断", yellow),
            ("符合", green),
        ):
            ws.conditional_format(
                2, v, last, v, {"type": "cell", "criteria": "==", "value": f'"{text}"', "format": f}
            )
    for key, f in (("_errors", red), ("_warnings", yellow)):
        if not counts or key not in keys:
            continue
        j = keys.index(key)
        ws.conditional_format(
            2, j, last, j, {"type": "cell", "criteria": ">", "value": 0, "format": f}
        )


def counted_towards_targets(
    apps: Sequence[Mapping[str, Any]], spec: FormSpec, reference: Reference
) -> list[Mapping[str, Any]]:
    """The records a programme's national progress may count, as the form says (its
    `counted_towards_targets` hook); a form without targets counts none."""
    hook = form_of(spec).summary.counted_towards_targets
    return list(hook(apps, spec, reference)) if hook is not None else []


def _issue_sheet(w: Writer, who: str) -> None:
    fmt, title = w.fmt, w.title
    ws = w.sheet(ISSUES_SHEET)
    cols = issue_cols(who)
    sheet_title(ws, f"{title}：问题清单", len(cols), fmt)
    rows = [{**r, "_no": n} for n, r in enumerate(_typed(w.data.issues), start=1)]
    last = table(ws, fmt, 1, cols, rows)
    w.keep(ISSUES_SHEET, rows, "issues")
    level = [c.key for c in cols].index("severity")
    if last >= 2:
        ws.conditional_format(
            2,
            level,
            last,
            level,
            {
                "type": "cell",
                "criteria": "==",
                "value": '"错误"',
                "format": fmt(bg_color="#FFC7CE", border=1),
            },
        )
        ws.conditional_format(
            2,
            level,
            last,
            level,
            {
                "type": "cell",
                "criteria": "==",
                "value": '"警告"',
                "format": fmt(bg_color="#FFEB9C", border=1),
            },
        )
    landscape(ws, title, 1)
    ws.fit_to_pages(1, 0)


def _typed(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows with the Chinese name of their code (问题类型) beside it."""
    return [
        {**r, "type": issue_title(str(r.get("code") or "")) if r.get("code") else ""} for r in rows
    ]


def _files_sheet(w: Writer, name: str, status: str, who: str) -> None:
    fmt, title = w.fmt, w.title
    ws = w.sheet(name)
    cols = file_cols(status, who)
    sheet_title(ws, f"{title}：{name}", len(cols), fmt)
    rows = [
        {**r, "_no": n}
        for n, r in enumerate(_typed([f for f in w.data.files if f["status"] == status]), 1)
    ]
    table(ws, fmt, 1, cols, rows)
    w.keep(name, rows, "files")
    landscape(ws, title, 1)
    ws.fit_to_pages(1, 0)
    if not rows:  # nothing to read or print: the sheet stays, for machines, hidden
        ws.hide()


def _notes_sheet(w: Writer) -> None:
    fmt, data, spec, title, national = w.fmt, w.data, w.spec, w.title, w.national
    ws = w.sheet("说明")
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 90)
    bold, wrap = fmt(bold=True), fmt(text_wrap=True)
    total_files = len(data.files)
    roles = spec.roles
    period = f"{data.year} 年{period_words(data.period)}"
    counted = (
        f"汇总 {data.count('汇总')} 个"
        if not data.others
        else f"汇总 {data.count('汇总') - len(data.others)} 个 + 其他期间 {len(data.others)} 个"
        "（列入明细，用于环比、同比和趋势）"
    )
    lines: list[tuple[str, str]] = [
        ("汇总表", title),
        (spec.year_label, period),
        (roles.unit_label, data.unit or ("全国" if national else "（未指定）")),
        ("表单", f"{spec.render(spec.title, data.year)}（版本 {spec.version}）"),
        (
            "文件数",
            # the roll-up's inputs are the provinces' summaries: its own accounting
            f"输入 {total_files} 份汇总表 = 采用 {data.count('汇总')} 份"
            f" + 重复 {data.count('重复')} 份 + 未采用 {data.count('未受理')} 份；"
            f"采用的汇总表中 {len(data.applications)} 个{spec.summary.item}"
            + (f"（另有其他期间 {len(data.others)} 个列入明细）" if data.others else "")
            if data.rolled_up
            else f"输入 {total_files} 个 = {counted} + 已替代 {data.count('已替代')} 个"
            f" + 重复 {data.count('重复')} 个 + 未受理 {data.count('未受理')} 个",
        ),
    ]
    if spec.summary.verdicts:
        lines.append(
            (
                "审核结论",
                "符合：全部条件满足且无错误；不符合：至少一项条件不满足；待补充材料：无不满足项，"
                "但有条件无法判断或有错误待更正；需人工判断：其余条件满足，但有条件通知未给出标准"
                "或判定所需的数据不详，须由推荐单位判断（在汇总表推荐意见中决定推荐即视为满足）。",
            )
        )
    lines += [
        (
            f"同一{roles.subject_label}多次报送",
            ("同一期间" if roles.period else "")
            + "以填报日期最晚者为准，填报日期较早的文件不会替代较晚的；填报日期相同而数据不同时"
            "暂以收到较晚者为准，并在问题清单中提示核实。逐字节相同或数据相同（另存、审核意见副本）"
            "的文件列入“重复文件”，只计一次；被替代的列入“已替代文件”。",
        ),
        (
            "合计口径",
            "合计、图表"
            + ("、环比和同比" if spec.summary.compare is not None else "")
            + "只计入没有错误的数值：某字段（或与之核对的字段）"
            f"有错误的，该数值在汇总表中以橙色标出并加批注“未计入合计”，各统计表下方列出未计入的{spec.summary.item}。",
        ),
    ]
    left_out = excluded_summary(data.applications, list(spec.summary.totals), spec)
    if left_out:
        lines.append(("未计入合计的数值", left_out))
    missing = not_reported(data, spec) if roles.period else ""
    if missing:
        lines.append(("本期未报送", missing))
    if national:
        lines.append(("汇总来源", "；".join(data.sources) or "（无）"))
    lines += data.notes
    # the reference data by what it holds (its files and each source's address are for
    # machines and docs/reference-data.md); the inputs by their names (paths: META_SHEET)
    lines.append(("参考数据", "推荐单位及所属地区、全国统计数据、汇率、既有基地（各项来源见本表）"))
    names = [Path(p).name or p for p in data.inputs]
    lines.append(("输入", "；".join(names) or "（无）"))
    hook = form_of(w.spec).summary.notes
    if hook is not None:
        lines = hook(w, lines)
    ws.write_string(0, 0, title, fmt(bold=True, font_size=14))
    for i, (k, v) in enumerate(lines, start=2):
        ws.write_string(i, 0, k, bold)
        ws.write_string(i, 1, v, wrap)
        # Excel and LibreOffice do not grow a row for wrapped text written by a program
        lines_needed = max(1, -(-int(display_width(v)) // 88))
        if lines_needed > 1:
            ws.set_row(i, 14 * lines_needed + 2)
    ws.set_paper(9)
    ws.set_portrait()
    ws.set_header(f"&C{title}", {"margin": 0.3})
    ws.set_footer("&C第 &P 页，共 &N 页", {"margin": 0.3})
    ws.fit_to_pages(1, 0)


def generated_at(data: SummaryData) -> str:
    """When the summary stands: SOURCE_DATE_EPOCH (reproducible builds) when set, else the
    latest time one of its inputs was received (SummaryData.generated), else "" (no input).
    Never the clock: two runs on the same inputs write the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).isoformat(timespec="seconds")
    return data.generated or ""


def _meta_sheet(
    wb: Workbook,
    data: SummaryData,
    form_id: str,
    machine: Sequence[tuple[str, int, Mapping[str, Any]]] = (),
) -> None:
    """Very hidden: what this workbook is, so `formkit rollup` can recognise it (A:B, each
    value under a defined name), and the machine columns of the table sheets (codes,
    SHA-256), from column D, one row per (sheet, 序号): what a machine reads and a person
    never needs to."""
    meta = wb.add_worksheet(META_SHEET, cellwriter.SummarySheet)
    rows = [
        ("formkit_summary_kind", SUMMARY_KIND),
        ("formkit_version", __version__),
        ("formkit_year", data.year),
        ("formkit_unit", data.unit or ""),
        ("formkit_form_id", form_id),
        # the roll-up keeps the later of two summaries of one unit
        ("formkit_generated", generated_at(data)),
    ]
    if data.period:  # a periodic form's period, its fields' values joined by "/"
        rows.append(("formkit_period", "/".join(str(v) for v in data.period)))
    # the inputs as given (paths); 说明 names them by their names only
    rows.append(("formkit_inputs", "\n".join(data.inputs)))
    kept = [
        MACHINE_HEADER,
        *((sheet, n, *(v.get(k) for k in MACHINE_HEADER[2:])) for sheet, n, v in machine),
    ]
    for i in range(max(len(rows), len(kept))):
        cells: list[tuple[int, Any]] = []
        if i < len(rows):
            name, value = rows[i]
            cells += [(0, name), (1, value)]
            wb.define_name(name, f"={META_SHEET}!$B${i + 1}")
        if i < len(kept):
            cells += [(MACHINE_COL + j, value) for j, value in enumerate(kept[i])]
        plain_cells(meta, i, cells)
    meta.very_hidden()
