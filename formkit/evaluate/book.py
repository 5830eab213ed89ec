"""The 定期评估 workbook (formkit evaluate): what an official reads, prints and decides on.

Sheets: 评估表 (one row per base: reports, completeness, the year's figures against last
year and the nation, share of the national figure, key enterprises, technology
introduction, open inconsistencies, flags), 需关注 (each flag with its facts and the
standard with its reason), 报送情况 (every period's report), 工作目标进展 (the goal of 通知一,
table and charts), 基地历程 (each base's quarters and years, charted, with the register's
status changes marked), 说明, and a hidden sheet saying what the file is. A4 landscape, one
page wide, Chinese only. Values left out of totals are shaded and named under the table.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from formkit import __version__
from formkit.atomic import write_bytes_atomic
from formkit.cells import wrapped_lines
from formkit.evaluate import (
    LATE,
    MISSING,
    BaseYear,
    Evaluation,
    History,
    to_national_unit,
)
from formkit.evaluate.policy import FLAGS
from formkit.reference import NATIONAL_LABELS, NATIONAL_UNITS
from formkit.xlsx_text import plain

FONT = "宋体"
EXCLUDED_FILL = "#F4B084"  # as the summaries: a value left out of every total
EVALUATION_KIND = "base-evaluation"


class _Book:
    def __init__(self, evaluation: Evaluation) -> None:
        self.e = evaluation
        self.buf = io.BytesIO()
        self.wb = xlsxwriter.Workbook(
            self.buf,
            {"in_memory": True, "strings_to_urls": False, "strings_to_formulas": False},
        )
        self.wb.set_properties(
            {"title": self.title, "author": "formkit", "created": dt.datetime(self.e.year, 12, 31)}
        )
        self._formats: dict[tuple[Any, ...], Any] = {}

    @property
    def who(self) -> str:
        return self.e.unit or "全国"

    @property
    def title(self) -> str:
        return f"{self.who}{self.e.year}年科技兴贸出口创新基地定期评估"

    def fmt(self, **props: Any) -> Any:
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.wb.add_format(
                {"font_name": FONT, "font_size": 9, "valign": "top", **props}
            )
        return self._formats[key]

    def head(self) -> Any:
        return self.fmt(bold=True, text_wrap=True, align="center", border=1, bg_color="#D9E1F2")

    def sheet(self, name: str, subtitle: str, widths: Sequence[float]) -> Any:
        ws = self.wb.add_worksheet(name)
        ws.set_paper(9)
        ws.set_landscape()
        ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
        ws.set_header(f"&C{self.title}", {"margin": 0.3})
        ws.set_footer("&C第 &P 页，共 &N 页", {"margin": 0.3})
        ws.fit_to_pages(1, 0)
        for j, w in enumerate(widths):
            ws.set_column(j, j, w)
        ws.write_string(0, 0, f"{self.title}：{subtitle}", self.fmt(bold=True, font_size=13))
        ws.set_row(0, 22)
        return ws

    def put(self, ws: Any, r: int, j: int, value: Any, **props: Any) -> None:
        fmt = self.fmt(border=1, **props)
        if value is None or value == "":
            ws.write_blank(r, j, None, fmt)
        elif isinstance(value, bool):
            ws.write_string(r, j, "是" if value else "否", fmt)
        elif isinstance(value, int | float):
            ws.write_number(r, j, value, fmt)
        elif isinstance(value, dt.date):
            ws.write_string(r, j, value.isoformat(), fmt)
        else:
            ws.write_string(r, j, plain(str(value)), fmt)

    def table(
        self,
        ws: Any,
        row: int,
        cols: Sequence[tuple[str, float, str]],
        rows: Sequence[Sequence[Any]],
        shade: Sequence[set[int]] = (),
    ) -> int:
        """Header at `row`, then the rows; columns (header, width, number format or "");
        row heights grown for wrapped text. Returns the last row written."""
        for j, (h, _, _) in enumerate(cols):
            ws.write_string(row, j, h, self.head())
        lines = max(_lines(h, w) for h, w, _ in cols)
        ws.set_row(row, 11.5 * lines + 2)
        ws.repeat_rows(row)
        for i, cells in enumerate(rows, start=row + 1):
            lines = 1
            for j, (v, (_, w, num)) in enumerate(zip(cells, cols, strict=True)):
                props: dict[str, Any] = {"text_wrap": True}
                if num:
                    props = {"num_format": num, "align": "right"}
                if shade and j in shade[i - row - 1]:
                    props["bg_color"] = EXCLUDED_FILL
                self.put(ws, i, j, v, **props)
                if isinstance(v, str):
                    lines = max(lines, _lines(v, w))
            # every row's height set: left to itself a wrapped row grows for 11-point type
            ws.set_row(i, 11.5 * lines + 2)
        ws.freeze_panes(row + 1, 0)
        return row + len(rows)

    def total(
        self, ws: Any, r: int, cols: Sequence[tuple[str, float, str]], cells: Sequence[Any]
    ) -> None:
        for j, (v, (_, _, num)) in enumerate(zip(cells, cols, strict=True)):
            props: dict[str, Any] = {"bold": True, "bg_color": "#F2F2F2"}
            if num:
                props |= {"num_format": num, "align": "right"}
            self.put(ws, r, j, v, **props)

    def note(self, ws: Any, row: int, text: str, width: int) -> int:
        ws.merge_range(
            row,
            0,
            row,
            width - 1,
            text,
            self.fmt(font_size=8, text_wrap=True, font_color="#404040"),
        )
        ws.set_row(row, 12 * max(1, wrapped_lines(text, 150)) + 2)
        return row + 1


def _lines(text: str, width: float) -> int:
    """Lines a text wraps to in a column: sheets here are in 9-point type, where a column
    holds about a third more than the 11-point characters it is measured in."""
    return wrapped_lines(text, width * 1.3)


def _pct(v: float | None, digits: int = 2) -> float | None:
    return None if v is None else round(v, digits)


def _range(v: tuple[float, float, float] | None, digits: int = 2) -> str:
    if v is None:
        return ""
    return f"{v[1]:.{digits}f}～{v[2]:.{digits}f}"


def _reports_text(b: BaseYear) -> str:
    on = sum(1 for p in b.periods if p.state == "按时")
    late = [p for p in b.periods if p.state == LATE]
    missing = [p for p in b.periods if p.state == MISSING]
    waiting = [p for p in b.periods if p.state == "未到期"]
    parts = [f"按时 {on}"]
    if late:
        parts.append(f"逾期 {len(late)}（{'、'.join(f'{p.label}{p.days_late}天' for p in late)}）")
    if missing:
        parts.append(f"缺报 {len(missing)}（{'、'.join(p.label for p in missing)}）")
    if waiting:
        parts.append(f"未到期 {len(waiting)}")
    return "；".join(parts)


def _status_text(b: BaseYear) -> str:
    change = next((e for e in reversed(b.changes) if e.kind in ("撤销", "认定")), None)
    if change is not None and change.kind == "撤销":
        return f"撤销（{change.date.isoformat()}）"
    return b.status


def _main_sheet(book: _Book) -> None:
    e = book.e
    figs = e.bases[0].figures if e.bases else []
    cols: list[tuple[str, float, str]] = [
        ("序号", 4, "0"),
        ("基地", 17, ""),
        ("所在省", 6.5, ""),
        ("认定", 11, ""),
        ("年末状态", 8, ""),
        ("报表", 15, ""),
        ("完整率(%)", 6, "0.0"),
    ]
    for f in figs:
        cols.append((f"{f.label}({f.unit})", 9.5, "#,##0.00" if f.unit != "项" else "#,##0"))
        if f.national:
            cols.append(("同比(%)", 6.5, "0.00"))
            cols.append((f"全国{NATIONAL_LABELS.get(f.national, '')}同比(%)", 7.5, "0.00"))
        if f.goal:
            cols.append(("占全国比重(%)", 7.5, "0.0000"))
    cols += [
        ("重点企业(家)", 5.5, "0"),
        ("年内退出的重点企业", 11, ""),
        ("未解决的跨期问题", 8, ""),
        ("需关注", 10, ""),
    ]
    ws = book.sheet("评估表", f"评估表（共 {len(e.bases)} 个基地）", [w for _, w, _ in cols])
    rows: list[list[Any]] = []
    shade: list[set[int]] = []
    excluded: list[str] = []
    for i, b in enumerate(e.bases, start=1):
        filled, required = b.completeness
        cells: list[Any] = [
            i,
            b.base.name,
            b.base.unit,
            f"{b.base.year}年{b.base.recognition}",
            _status_text(b),
            _reports_text(b),
            round(filled / required * 100, 1) if required else None,
        ]
        mine: set[int] = set()
        for f in b.figures:
            if f.value is not None and not f.counted:
                mine.add(len(cells))
                excluded.append(f"{b.base.name}的{f.label}：{f.note}")
            cells.append(f.value)
            if f.national:
                cells += [_pct(f.growth), _pct(f.national_growth[0] if f.national_growth else None)]
            if f.goal:
                cells.append(_pct(f.share[0], 4) if f.share else None)
        errors = sum(1 for _, x in b.open_issues if x.severity == "error")
        warnings = len(b.open_issues) - errors
        cells += [
            b.enterprises,
            "、".join(b.dropped),
            f"错误 {errors}，警告 {warnings}" if b.open_issues else "无",
            "、".join(dict.fromkeys(f.title for f in b.flags)) or "无",
        ]
        rows.append(cells)
        shade.append(mine)
    last = book.table(ws, 2, cols, rows, shade)
    # the totals of the counted values
    total_row: list[Any] = ["", "合计", "", "", "", "", ""]
    for f in figs:
        total_row.append(_sum(e.bases, f.id))
        if f.national:
            total_row += ["", ""]
        if f.goal:
            share = sum(
                (x.share[0] for b in e.bases if (x := b.figure(f.id)) and x.share), start=0.0
            )
            total_row.append(round(share, 4) if e.bases else None)
    total_row += [sum(b.enterprises or 0 for b in e.bases), "", "", ""]
    book.total(ws, last + 1, cols, total_row)
    row = last + 3
    notes = [
        "年度数值取年度工作报告，没有时取第四季度的累计数；二者不一致、或数值有错误的，照原样列出"
        "（橙色），不计入合计和占全国比重。同比：有上年报表时按上年报表核算，没有时为报表填报的同比。"
        "全国同比、占全国比重按参考数据中的全国数据（见“说明”）。",
        "完整率：收到的报表中必填数据有值且无错误的比例。重点企业为本年最后一期季度报表列出的家数；"
        "年内退出为本年此前各期（及上年最后一期）列出而最后一期不再列出的。",
        "需关注的事实和所依据的标准见“需关注”。formkit 只列出事实，不作调整或撤销的决定；"
        "决定由省级商务主管部门、商务部作出，并记入基地名册。",
    ]
    if excluded:
        notes.append("未计入合计的数值：" + "；".join(excluded))
    for text in notes:
        row = book.note(ws, row, text, len(cols))


def _sum(bases: Sequence[BaseYear], fig_id: str) -> float | None:
    values = [
        f.value for b in bases if (f := b.figure(fig_id)) and f.counted and f.value is not None
    ]
    return round(sum(values), 2) if values else None


def _flags_sheet(book: _Book) -> None:
    e = book.e
    cols = [("序号", 4, "0"), ("基地", 18, ""), ("所在省", 7, ""), ("关注事项", 9, "")]
    cols += [("事实", 62, ""), ("标准与理由", 50, "")]
    flags = e.flags
    ws = book.sheet("需关注", f"需关注的事实（{len(flags)} 项）", [w for _, w, _ in cols])
    row = book.note(
        ws,
        1,
        "以下为需关注的事实，供省级商务主管部门、商务部判断。通知只要求“动态跟踪、定期评估”，"
        "没有规定需关注或动态调整的标准：标准由关注标准文件写明并说明理由，没有写明的按事实列出。"
        "是否调整或撤销由人决定，formkit 不作决定；决定后记入基地名册。",
        len(cols),
    )
    rows = [
        [i, b.base.name, b.base.unit, f.title, f.facts, f.standard]
        for i, (b, f) in enumerate(flags, start=1)
    ]
    if not rows:
        book.put(ws, row + 1, 0, "本年度没有需关注的事项。")
        return
    book.table(ws, row, cols, rows)


def _periods_sheet(book: _Book) -> None:
    e = book.e
    cols = [
        ("序号", 4, "0"),
        ("基地", 20, ""),
        ("所在省", 7, ""),
        ("报表", 11, ""),
        ("报告期", 14, ""),
        ("报送时限", 10, ""),
        ("收到日期", 10, ""),
        ("情况", 10, ""),
        ("完整率(%)", 7, "0.0"),
        ("文件", 36, ""),
    ]
    rows = []
    n = 0
    for b in e.bases:
        for p in b.periods:
            n += 1
            filled, required = p.completeness or (0, 0)
            rows.append(
                [
                    n,
                    b.base.name,
                    b.base.unit,
                    p.kind,
                    f"{p.year}年{p.label}" if p.part else f"{p.year}年",
                    p.deadline,
                    p.received,
                    p.text,
                    round(filled / required * 100, 1) if required else None,
                    p.file,
                ]
            )
    ws = book.sheet("报送情况", f"报送情况（{n} 期报表）", [w for _, w, _ in cols])
    last = book.table(ws, 2, cols, rows)
    sources = sorted({f"{p.kind}：{p.deadline_source}" for b in e.bases for p in b.periods})
    book.note(
        ws,
        last + 2,
        "报送时限：" + "；".join(sources) + "。收到日期为第一份可读取的报表登记的收到日期；"
        "在册期间的每一期都应报送（期内撤销的仍报送该期）。",
        len(cols),
    )


def _goal_sheet(book: _Book) -> None:
    e = book.e
    ref = e.reference
    cols = [
        ("年度", 6, "0"),
        ("年末在册基地数", 8, "0"),
        ("目标(家)", 6, "0"),
        ("完成(%)", 6.5, "0.0"),
        ("有全年数据的基地数", 8, "0"),
        ("基地高新技术产品出口额(亿美元)", 11, "#,##0.00"),
        ("全国高新技术产品出口额(亿美元)", 11, "#,##0.0"),
        ("占全国比重(%)", 8, "0.00"),
        ("目标(%)", 6, "0"),
        ("说明", 60, ""),
    ]
    whose = f"{e.unit}的基地，全国目标的一部分" if e.unit else "全国"
    ws = book.sheet("工作目标进展", f"工作目标进展（{whose}）", [w for _, w, _ in cols])
    row = book.note(ws, 1, str(ref.notice.get("targets_source", "")), len(cols))
    rows = []
    for g in e.goal:
        notes = []
        if g.national is not None and not g.national.exact and g.share is not None:
            notes.append(
                f"全国数据为约数：{g.national.describe()} 亿美元，比重在 {_range(g.share, 4)}% 之间"
            )
        if g.national is None:
            notes.append("参考数据中没有该年的全国数据")
        if not g.counted:
            notes.append("没有基地的全年报表数据（报表自认定后开始报送）")
        elif g.left_out:
            notes.append("未计入：" + "；".join(g.left_out))
        rows.append(
            [
                g.year,
                g.bases,
                g.target_bases,
                round(g.bases / g.target_bases * 100, 1) if g.target_bases else None,
                g.counted,
                round(g.total, 2) if g.total is not None else None,
                g.national.value if g.national is not None else None,
                _pct(g.share[0]) if g.share else None,
                g.target_share,
                "；".join(notes),
            ]
        )
    last = book.table(ws, row, cols, rows)
    if not rows:
        return
    first = row + 1
    charts = (
        ("在册基地数与目标", 1, 2, "家"),
        ("高新技术产品出口占全国比重与目标", 7, 8, "%"),
    )
    for k, (name, bars, line, unit) in enumerate(charts):
        chart = book.wb.add_chart({"type": "column"})
        cats = ["工作目标进展", first, 0, last, 0]
        chart.add_series(
            {
                "name": ["工作目标进展", row, bars],
                "categories": cats,
                "values": ["工作目标进展", first, bars, last, bars],
                "data_labels": {"value": True},
            }
        )
        over = book.wb.add_chart({"type": "line"})
        over.add_series(
            {
                "name": ["工作目标进展", row, line],
                "categories": cats,
                "values": ["工作目标进展", first, line, last, line],
                "marker": {"type": "none"},
            }
        )
        chart.combine(over)
        chart.set_title({"name": name, "name_font": {"size": 11}})
        chart.set_y_axis({"name": unit, "min": 0})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 470, "height": 280})
        ws.insert_chart(last + 2, 0, chart, {"x_offset": 490 * k})


def _history_sheet(book: _Book) -> None:
    e = book.e
    series = [e.series[b.base.base_id] for b in e.bases if b.base.base_id in e.series]
    figs = series[0].figures if series else ()
    cols: list[tuple[str, float, str]] = [("期间", 15, "")]
    cols += [(f"{label}({unit})", 11, "#,##0.00") for _, label, unit in figs]
    cols += [("状态变更", 7, "")]
    ws = book.sheet("基地历程", "基地历程（各基地的季度与年度数值，图中标出名册的状态变更）", [])
    for j, (_, w, _) in enumerate(cols):
        ws.set_column(j, j, w)
    ws.set_column(len(cols), len(cols) + 14, 8.5)
    row = 2
    for h in series:
        row = _history_block(book, ws, row, h, cols) + 2


def _history_block(
    book: _Book, ws: Any, row: int, h: History, cols: Sequence[tuple[str, float, str]]
) -> int:
    b = h.base
    changes = "；".join(
        f"{x.date.isoformat()} {x.kind}" + (f"（{x.reason}）" if x.reason else "") for x in b.events
    )
    ws.write_string(row, 0, plain(f"{b.name}（{b.unit}）：{changes}"), book.fmt(bold=True))
    row += 1
    points = [*h.quarters, *h.years]
    rows = []
    for p in points:
        label = p.label + (f"（{'、'.join(p.marks)}）" if p.marks else "")
        rows.append([label, *(p.values.get(fid) for fid, _, _ in h.figures), "、".join(p.marks)])
    last = book.table(ws, row, cols, rows)
    ws.freeze_panes(0, 0)
    height = max(last - row + 1, 11)
    spans = (
        ("季度", row + 1, row + len(h.quarters)),
        ("年度", row + len(h.quarters) + 1, last),
    )
    at = len(cols) + 1
    for k, (what, first, end) in enumerate(spans):
        if end < first:
            continue
        chart = book.wb.add_chart({"type": "column"})
        for j, (_, label, _) in enumerate(h.figures, start=1):
            chart.add_series(
                {
                    "name": label,
                    "categories": ["基地历程", first, 0, end, 0],
                    "values": ["基地历程", first, j, end, j],
                }
            )
        unit = h.figures[0][2] if h.figures else ""
        chart.set_title({"name": f"{b.name}：{what}", "name_font": {"size": 9}})
        chart.set_y_axis({"name": unit, "num_font": {"size": 7}})
        chart.set_x_axis({"num_font": {"size": 7}})
        chart.set_legend({"position": "bottom", "font": {"size": 7}})
        chart.set_size({"width": 400 if k == 0 else 260, "height": 16 * height + 10})
        ws.insert_chart(row, at + (0 if k == 0 else 7), chart, {"x_offset": 4 + 6 * k})
    return row + height


def _notes_sheet(book: _Book) -> None:
    e = book.e
    ref = e.reference
    ws = book.sheet("说明", "说明", [24, 120])
    lines: list[tuple[str, str]] = [
        ("评估年度", f"{e.year} 年（{e.year}年1月1日至12月31日在册的基地）"),
        ("范围", f"{e.unit}的基地" if e.unit else "全国各推荐单位的基地"),
        ("评估日期", e.as_of.isoformat() + "（未到报送时限的报表列为“未到期”）"),
        (
            "依据",
            "商技发[2006]6号 六(三)：建立对出口创新基地项目动态跟踪、定期评估和信息上报制度；"
            "四(四)：每季度上报数据，每年12月底前上报年度工作报告",
        ),
        ("基地名册", "formkit bases：商务部核准的基地及其认定、调整、撤销"),
    ]
    p = e.policy
    lines.append(
        (
            "关注标准",
            (f"{p.by} {p.date} 制定（{p.source}）" if p.by else "未提供关注标准文件")
            + "；通知未规定需关注或动态调整的标准。",
        )
    )
    for kind in p.rules:
        lines.append((f"标准：{FLAGS[kind][0]}", p.describe(kind)))
    off = [FLAGS[k][0] for k in FLAGS if k not in p.rules]
    if off:
        lines.append(
            ("不列出的项目", "、".join(off) + "（关注标准文件未设，只在评估表中列出事实）")
        )
    for year in sorted({e.year - 1, e.year, *(g.year for g in e.goal)}):
        n = ref.national.get(year)
        if n is None:
            lines.append((f"全国 {year} 年", "参考数据中没有"))
            continue
        parts = []
        for name in ("total_exports", "hitech_exports"):
            f = n.figure(name)
            if f is not None:
                parts.append(
                    f"{NATIONAL_LABELS[name]} {f.describe()} {NATIONAL_UNITS[name]}（{f.source}）"
                )
        lines.append((f"全国 {year} 年", "；".join(parts) or "参考数据中没有"))
    for name in ("total_exports", "hitech_exports"):
        g = ref.national_growth(name, e.year - 1, e.year)
        lines.append((f"全国{NATIONAL_LABELS[name]}增速", g.describe(NATIONAL_LABELS[name])))
    lines.append(
        (
            "单位换算",
            "基地报表的金额为万美元，全国数据为亿美元："
            f"10000 万美元 = {to_national_unit(10000.0, '万美元', 'hitech_exports'):g} 亿美元",
        )
    )
    lines.append(("生成", f"formkit {__version__}，{dt.date.today().isoformat()}"))
    for i, (k, v) in enumerate(lines, start=2):
        book.put(ws, i, 0, k, bold=True, text_wrap=True)
        book.put(ws, i, 1, v, text_wrap=True)
        ws.set_row(i, 12.5 * max(1, wrapped_lines(v, 120)) + 2)


def _meta_sheet(book: _Book) -> None:
    meta = book.wb.add_worksheet("formkit")
    for i, (key, value) in enumerate(
        (
            ("formkit_evaluation_kind", EVALUATION_KIND),
            ("formkit_version", __version__),
            ("formkit_year", str(book.e.year)),
            ("formkit_unit", book.e.unit or ""),
        )
    ):
        meta.write_string(i, 0, key)
        meta.write_string(i, 1, value)
        book.wb.define_name(key, f"=formkit!$B${i + 1}")
    meta.very_hidden()


def build(evaluation: Evaluation) -> bytes:
    book = _Book(evaluation)
    _main_sheet(book)
    _flags_sheet(book)
    _periods_sheet(book)
    _goal_sheet(book)
    _history_sheet(book)
    _notes_sheet(book)
    _meta_sheet(book)
    book.wb.close()
    return book.buf.getvalue()


def write(path: str | os.PathLike[str], evaluation: Evaluation) -> Path:
    write_bytes_atomic(Path(path), build(evaluation))
    return Path(path)
