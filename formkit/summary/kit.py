"""What a form's own parts of the summary write with (formkit.forms: a form's `SummaryPart`),
and what the engine's sheets write with too: the summary's data, the writer a part is
given, the cell formats and the table, title, page and note helpers.

This module and the package's `__init__` sit below the forms (docs/architecture.md, the
"kit" layer): a form imports them, they import no form and nothing of the summary stage.
Applicant text is always written as text, never as a formula or link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from math import isfinite
from typing import Any

import xlsxwriter  # noqa: F401
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell_fast
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from formkit.cells import wrapped_lines
from formkit.fields import DATE_FORMAT, NUMBER_FORMATS
from formkit.issues import Issue
from formkit.read.submission import Submission
from formkit.records import Col, SummaryRecord, iso, usable
from formkit.reference import Reference
from formkit.spec import FormSpec
from formkit.summary import cellwriter
from formkit.summary.cellwriter import SummarySheet

FONT = "宋体"


EXCLUDED_FILL = "#F4B084"  # a value left out of every total (it has an error)


EDITABLE_FILL = "#FFF2CC"  # the columns a person may change, as the template's inputs


# the machine columns of each table sheet, kept in the hidden metadata sheet by (sheet,
# 序号): record key -> the machine table's column. Nothing an official reads holds them.
MACHINE = {
    "issues": {"code": "code"},
    "files": {"sha256": "sha256", "code": "code"},
    "detail": {"_sha256": "sha256"},
}
MACHINE_HEADER = ("sheet", "no", "code", "sha256")
# the machine table's first column in the metadata sheet (the metadata is in A:B)
MACHINE_COL = 3


# text longer than this goes through xlsxwriter, which cuts it to Excel's limit of 32,767
# UTF-16 units (text this short cannot be over it)
TEXT_FAST = 16383


# points per line of 10-point text, as LibreOffice and Excel lay it out
LINE_HEIGHT = 13.5


@dataclass
class SummaryData:
    """Everything a summary workbook shows, as plain records (also rebuilt by the roll-up)."""

    year: int
    unit: str | None
    applications: list[SummaryRecord] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    # every input file: status 汇总 / 已替代 / 未受理, with its reason or replacement
    files: list[dict[str, Any]] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # summaries a roll-up was built from
    notes: list[tuple[str, str]] = field(default_factory=list)  # extra lines for 说明
    # ISO time (UTC) the summary stands at: the latest time one of its files was received
    # (see generated_at); never the clock, so the same inputs give the same bytes
    generated: str | None = None
    # a roll-up: reporting unit -> the summary file used for it (units absent sent none)
    reported: dict[str, str] = field(default_factory=dict)
    # made by `formkit rollup`: `files` are its inputs, the provinces' summaries
    rolled_up: bool = False
    # a periodic form: the period summarised (the values of [roles] period, e.g. (2007,
    # "第二季度")), and the current records of the other periods (listed in 明细; the
    # comparisons and the time series use them)
    period: tuple[Any, ...] | None = None
    others: list[SummaryRecord] = field(default_factory=list)
    # the rows of the layout's tables ([summary] tables), each with its subject and unit
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # what the form's rules across periods (Form.across) found, each with its file: the
    # issues are in 问题清单 too, never added to the files' own results
    across: list[tuple[Submission, Issue]] = field(default_factory=list)
    # the same, by file (sha256 or path, issue): what `--json` adds to each file's issues
    # when the summary was made from the ledger without keeping its Submissions
    found_across: list[tuple[str, Issue]] = field(default_factory=list)
    # a periodic form's summary from the ledger: the periods whose files it read (the
    # ledger's period_key, "2007-02"); None: every file of the form
    read_periods: tuple[str, ...] | None = None

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f["status"] == status)


class Formats:
    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.cache: dict[tuple[Any, ...], Any] = {}

    def __call__(self, **props: Any) -> Any:
        key = tuple(sorted(props.items()))
        if key not in self.cache:
            self.cache[key] = self.wb.add_format(
                {"font_name": FONT, "font_size": 10, "valign": "vcenter", **props}
            )
        return self.cache[key]

    def header(self) -> Any:
        return self(bold=True, text_wrap=True, align="center", border=1, bg_color="#D9E1F2")

    def cell(self, col: Col, **extra: Any) -> Any:
        if col.kind in ("integer", "decimal", "percent"):
            num = NUMBER_FORMATS.get(
                col.unit or "", "#,##0" if col.kind == "integer" else "#,##0.00"
            )
            # a figure wider than its column (a 万/亿 slip: 35000.0000) prints smaller, never
            # as ###
            return self(border=1, num_format=num, shrink=True, **extra)
        if col.kind == "date":
            return self(border=1, num_format=DATE_FORMAT, **extra)
        if col.shrink:
            return self(border=1, shrink=True, **extra)
        return self(border=1, text_wrap=True, **extra)  # never cut off; rows are sized to fit


def put(ws: Worksheet, row: int, col: int, value: Any, fmt: Any, kind: str = "text") -> None:
    """Write one value; text always as text (a leading = + - @ stays what was typed)."""
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, int | float) and kind != "text":
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, dt.date) and kind == "date":
        stamp = (
            value
            if isinstance(value, dt.datetime)
            else dt.datetime(value.year, value.month, value.day)
        )
        ws.write_datetime(row, col, stamp, fmt)
    else:
        ws.write_string(row, col, str(iso(value)), fmt)


def plain_cells(ws: Worksheet, row: int, values: Iterable[tuple[int, Any]]) -> None:
    """(column, value) of one row written as `put(ws, row, col, value, None, "integer")`
    writes them, on a sheet without row or column formats (the metadata sheet's thousands
    of rows): on a SummarySheet, text without anything to escape and finite numbers as
    finished XML."""
    if not isinstance(ws, SummarySheet):
        for col, value in values:
            put(ws, row, col, value, None, "integer")
        return
    ws.begin_row(row)
    done: dict[int, str] = {}
    for col, value in values:
        kind = type(value)
        if value is None or value == "":
            continue
        if kind is str and not cellwriter.special(value):
            done[col] = cellwriter.text_xml(xl_rowcol_to_cell_fast(row, col), "", value)
        elif kind is int or (kind is float and isfinite(value)):
            done[col] = cellwriter.number_xml(xl_rowcol_to_cell_fast(row, col), "", value)
        else:
            put(ws, row, col, value, None, "integer")
    ws.cells(row, done)


def sheet_title(ws: Worksheet, text: str, width: int, fmt: Formats) -> None:
    ws.merge_range(0, 0, 0, max(width - 1, 1), text, fmt(bold=True, font_size=14, align="left"))
    ws.set_row(0, 26)


def landscape(ws: Worksheet, title: str, header_row: int | None, repeat_cols: int = 0) -> None:
    """A4 landscape with the title as page header and page numbers; rows 0..header_row
    repeat on every page (None: none repeat)."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    if header_row is not None:
        ws.repeat_rows(0, header_row)
    if repeat_cols:
        ws.repeat_columns(0, repeat_cols - 1)
    ws.set_header(f"&C{title}", {"margin": 0.3})
    ws.set_footer("&C第 &P 页，共 &N 页", {"margin": 0.3})


def table(
    ws: Worksheet,
    fmt: Formats,
    top: int,
    cols: Sequence[Col],
    rows: Sequence[Mapping[str, Any]],
    fill: Mapping[int, str] | None = None,
    header_height: float = 42,
) -> int:
    """A header row at `top` and the rows below; returns the last row index.

    `fill`: column index -> background colour of its cells (empty ones too)."""
    fill = fill or {}
    for j, col in enumerate(cols):
        ws.write_string(top, j, col.header, fmt.header())
        ws.set_column(j, j, col.width)
    ws.set_row(top, header_height)
    # the hot loop of a large summary: each row's plain text and numbers made into their
    # cells' XML here and handed to the sheet in one piece (cellwriter.SummarySheet; the
    # per-cell writers were most of the time of writing a large summary). Rows with wrapped
    # text are made tall enough for it (no application grows a row for wrapped text in a
    # file it did not lay out itself): `wrap` is a wrapping column's width, 0 where nothing
    # wraps.
    plan = []
    for j, c in enumerate(cols):
        cell_fmt = fmt.cell(c, bg_color=fill[j]) if j in fill else fmt.cell(c)
        wrap = c.width if cell_fmt.text_wrap else 0.0
        plan.append((j, c.key, c.kind, cell_fmt, wrap, xl_col_to_name(j), j in fill))
    # a column's ' s="N"' once its format has its index. xlsxwriter gives a format its
    # index when the first cell with it is written out, and the order of those is the order
    # of the styles in the file: until then the column's cells go the ordinary way.
    styles: list[str | None] = [None] * len(cols)
    measured: dict[tuple[str, float], int] = {}  # the same message recurs across files
    fast = isinstance(ws, SummarySheet)
    for i, rec in enumerate(rows, start=top + 1):
        lines = 1
        doubted = rec.get("_excluded")
        if fast:
            ws.begin_row(i)
        r = str(i + 1)
        done: dict[int, str] = {}
        for j, key, kind, cell_fmt, wrap, letter, filled in plan:
            value = rec.get(key)
            if doubted and key in doubted and kind in ("integer", "decimal", "percent"):
                # a value formkit itself called wrong: shown, marked, never in a total
                put(ws, i, j, value, fmt.cell(cols[j], bg_color=EXCLUDED_FILL), kind)
                ws.write_comment(i, j, f"未计入合计：{doubted[key]}", {"author": "formkit"})
                continue
            empty = value is None or value == ""
            if empty and not filled:
                continue  # empty cells get their border from one conditional format below
            style = styles[j]
            if style is None and fast and cell_fmt.xf_index is not None:
                style = styles[j] = f' s="{cell_fmt.xf_index}"'
            if style is None:  # xlsxwriter's writers
                if empty:  # an input left empty is still shown as one
                    ws.write_blank(i, j, None, cell_fmt)
                elif type(value) is str:
                    ws._write_string(i, j, value, cell_fmt)
                elif type(value) in (int, float) and kind != "text":
                    ws._write_number(i, j, value, cell_fmt)
                else:
                    put(ws, i, j, value, cell_fmt, kind)
            elif empty:
                done[j] = f'<c r="{letter}{r}"{style}/>'
            elif type(value) is str:
                if len(value) > TEXT_FAST:
                    ws._write_string(i, j, value, cell_fmt)  # cut to Excel's limit there
                else:
                    done[j] = cellwriter.text_xml(letter + r, style, value)
            elif kind != "text" and (
                type(value) is int or (type(value) is float and isfinite(value))
            ):
                done[j] = cellwriter.number_xml(letter + r, style, value)
            else:
                put(ws, i, j, value, cell_fmt, kind)
            # a character is at most two columns wide: one-line text that cannot need more
            # lines than the row already has is not measured
            if (
                wrap
                and type(value) is str
                and (2 * len(value) > (wrap - 1.5) * lines or "\n" in value)
            ):
                n = measured.get((value, wrap))
                if n is None:
                    n = measured[(value, wrap)] = wrapped_lines(value, wrap)
                lines = max(lines, n)
        if done:
            ws.cells(i, done)
        if lines > 1:  # before the next row is written (constant-memory mode)
            ws.set_row(i, LINE_HEIGHT * lines + 2)
    last = top + len(rows)
    if rows:
        blank = fmt(border=1)
        ws.conditional_format(top + 1, 0, last, len(cols) - 1, {"type": "blanks", "format": blank})
    ws.autofilter(top, 0, max(last, top), len(cols) - 1)
    ws.freeze_panes(top + 1, 0)
    return last


def plain_table(
    ws: Worksheet,
    fmt: Formats,
    top: int,
    cols: Sequence[Col],
    rows: Sequence[Mapping[str, Any]],
    header_height: float = 30,
) -> int:
    for j, col in enumerate(cols):
        ws.write_string(top, j, col.header, fmt.header())
        ws.set_column(j, j, max(col.width, 10))
    # every header whole: the row as tall as its longest wrapped header needs
    lines = max((wrapped_lines(c.header, max(c.width, 10) - 1) for c in cols), default=1)
    ws.set_row(top, max(header_height, LINE_HEIGHT * lines + 4))
    # plain cells: these columns are wide enough for their text on one line
    fmts = [fmt.cell(c) if c.kind != "text" else fmt(border=1) for c in cols]
    for i, rec in enumerate(rows, start=top + 1):
        for j, col in enumerate(cols):
            put(ws, i, j, rec.get(col.key), fmts[j], col.kind)
    return top + len(rows)


def excluded_summary(apps: Sequence[Mapping[str, Any]], keys: Sequence[str], spec: FormSpec) -> str:
    """What the totals of `keys` left out, in words: "未计入合计：…" or "" when nothing."""
    parts = []
    item = spec.summary.item
    # records of several periods (a time series): each named with its period
    periodic = len({a.get("_period") for a in apps}) > 1
    for key in keys:
        out = [a for a in apps if key in (a.get("_excluded") or {}) and a.get(key) is not None]
        if not out:
            continue
        who = "、".join(
            f"{a.get(spec.roles.subject or '') or a.get('_file')}"
            f"（{a['_period'] + '，' if periodic and a.get('_period') else ''}"
            f"{a['_excluded'][key]}）"
            for a in out
        )
        parts.append(f"{label(spec, key)} {len(out)} 个{item}的数值：{who}")
    return ("未计入合计（有错误，待更正）：" + "；".join(parts) + "。") if parts else ""


def excluded_line(
    ws: Worksheet,
    fmt: Formats,
    row: int,
    apps: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    spec: FormSpec,
    cols: Sequence[Col],
) -> int:
    """The line under a table that says which values its totals left out, wrapped across
    the table's width (it prints whole); returns the next free row."""
    text = (
        excluded_summary(apps, keys, spec)
        or f"合计包含全部{spec.summary.item}的数值（无错误数值）。"
    )
    color = "#C00000" if "未计入" in text else "#404040"
    line = fmt(italic=True, font_color=color, text_wrap=True, valign="top")
    width = sum(max(c.width, 10) for c in cols)
    ws.merge_range(row, 0, row, len(cols) - 1, text, line)
    lines = wrapped_lines(text, width)
    if lines > 1:
        ws.set_row(row, LINE_HEIGHT * lines + 2)
    return row + 1


def label(spec: FormSpec, key: str | None) -> str:
    """A field as summaries name it: its column label where the spec gives one (the
    quarterly report's 本季度出口额(万美元) / 累计出口额(万美元)), else its label."""
    if not key:
        return ""
    try:
        return spec.field(key).header
    except KeyError:
        return key


def total(records: Iterable[Mapping[str, Any]], key: str) -> float:
    """The sum of `key` over the records, values with errors left out (to 4 decimals)."""
    return round(sum(v for m in records if (v := usable(m, key)) is not None), 4)


@dataclass
class Writer:
    """One summary being written: what a form's own parts are given (formkit.forms)."""

    wb: Workbook
    fmt: Formats
    data: SummaryData
    spec: FormSpec
    reference: Reference
    title: str
    national: bool
    # what one hook leaves for another (the 申报书's ranking key, shown on its 汇总表)
    state: dict[str, Any] = field(default_factory=dict)
    # the machine columns of the table sheets, by (sheet, 序号): written to the metadata sheet
    machine: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)

    def keep(self, sheet: str, rows: Sequence[Mapping[str, Any]], kind: str) -> None:
        """Keep the machine columns (MACHINE[kind]) of rows written to `sheet`."""
        keys = MACHINE[kind]
        for rec in rows:
            values = {col: rec.get(key) for key, col in keys.items() if rec.get(key)}
            if values and isinstance(rec.get("_no"), int):
                self.machine.append((sheet, rec["_no"], values))

    def sheet(self, name: str) -> Worksheet:
        return self.wb.add_worksheet(name, cellwriter.SummarySheet)
