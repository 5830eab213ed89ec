"""The 催报 workbook: who must still submit or correct, with contacts, a list a person can
forward (催报名单, 全部, 名单外; A4 landscape, one page wide)."""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from formkit.atomic import write_bytes_atomic
from formkit.cells import display_width, wrapped_lines
from formkit.forms import get_form
from formkit.ledger.model import StatusReport, StatusRow
from formkit.ledger.status import problems_text, sort_for_chasing
from formkit.template import FONT
from formkit.xlsx_text import plain

# column -> the widest it gets (characters): wider text wraps. The roster's own columns
# take their widths from the form's [roster] (`width`); thirteen columns of the 申报书 must
# print one page wide on A4 landscape at a readable size (about 170 characters in all).
_STATUS_COLUMNS: tuple[tuple[str, float], ...] = (
    ("报送情况", 9),
    ("是否逾期", 9),
    ("需更正或核实的问题", 28),
    ("最近收到的文件", 16),
    ("收到时间", 11),
    ("报送编号", 14),
)


def status_columns(report: StatusReport) -> list[tuple[str, float]]:
    """The 催报 workbook's columns: 序号, the roster's columns, then the state."""
    roster = get_form(report.form_id).spec.roster
    return [
        ("序号", 5),
        *((c.header, c.width) for c in roster.columns),
        *_STATUS_COLUMNS,
    ]


def _status_cells(i: int, r: StatusRow, report: StatusReport) -> list[Any]:
    e, last = r.entry, r.last
    return [
        i,
        *(e.values.get(fid) or "" for fid, _ in report.columns),
        r.state,
        r.overdue,
        problems_text(r),
        last.original_name if last is not None else "",
        last.received_at.astimezone().strftime("%Y-%m-%d %H:%M") if last is not None else "",
        e.submission_id,
    ]


def status_workbook(report: StatusReport) -> bytes:
    """A list a person can forward: who must still submit or correct, with contacts.

    Sheets: 催报名单 (未收到 and 有错误 only), 全部 (every roster entry), 名单外 (files
    matching no entry). Header frozen, autofilter, A4 landscape one page wide.
    """
    import xlsxwriter

    buf = io.BytesIO()
    # names and problems come from applicants: text stays text, never a formula or link
    wb = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_urls": False, "strings_to_formulas": False}
    )
    # the day the report is as of, never the clock: the same ledger and day, the same bytes
    day = report.today or dt.date(2000, 1, 1)
    wb.set_properties({"created": dt.datetime(day.year, day.month, day.day)})
    base = {"font_name": FONT, "font_size": 10, "valign": "top", "text_wrap": True, "border": 1}
    head = wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "align": "center"})
    body = wb.add_format(base)
    states = {
        "未收到": wb.add_format({**base, "font_color": "#C00000", "bold": True}),
        "有错误": wb.add_format({**base, "font_color": "#C55A11", "bold": True}),
    }
    when = f"（{report.deadline_source} {report.deadline.isoformat()}）" if report.deadline else ""
    columns = status_columns(report)
    what = report.what

    def sheet(name: str, title: str, header: Sequence[str], rows: list[list[Any]]) -> None:
        ws = wb.add_worksheet(name)
        ws.write_string(0, 0, title, wb.add_format({"font_name": FONT, "bold": True}))
        # as wide as the content, up to the column's cap; wider text (and headers) wrap,
        # in rows made tall enough for it
        caps = dict(columns)
        widths = [min(display_width(h), 6) + 2 for h in header]
        for cells in rows:
            for j, v in enumerate(cells):
                widths[j] = max(widths[j], display_width(str(v)) + 2)
        widths = [min(w, caps.get(h, 24)) for w, h in zip(widths, header, strict=True)]
        for j, w in enumerate(widths):
            ws.set_column(j, j, w)
        for i, cells in enumerate([list(header), *rows], start=1):
            lines = max(wrapped_lines(str(v), w) for v, w in zip(cells, widths, strict=True))
            if lines > 1:
                ws.set_row(i, 13.5 * lines + 1)
            for j, v in enumerate(cells):
                if i == 1:
                    ws.write_string(i, j, v, head)
                else:
                    fmt = states.get(v, body) if header[j] == "报送情况" else body
                    if isinstance(v, str):
                        ws.write_string(i, j, plain(v), fmt)  # applicants' text: as typed
                    else:
                        ws.write(i, j, v, fmt)
        ws.freeze_panes(2, 0)
        ws.autofilter(1, 0, max(1, len(rows) + 1), len(header) - 1)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(1)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_footer("&C第 &P 页，共 &N 页")

    header = [c for c, _ in columns]
    chase = [
        r
        for r in sort_for_chasing(report.rows)
        if r.state in ("未收到", "有错误") or r.note or r.across
    ]
    c = report.counts
    sheet(
        "催报名单",
        f"{what}催报名单{when}：未报送 {c['未收到']} 家（其中逾期未报 {c['逾期未报']} 家），"
        f"需更正 {c['有错误']} 家",
        header,
        [_status_cells(i, r, report) for i, r in enumerate(chase, start=1)],
    )
    sheet(
        "全部",
        f"{what}报送情况{when}：共 {len(report.rows)} 家",
        header,
        [_status_cells(i, r, report) for i, r in enumerate(sort_for_chasing(report.rows), start=1)],
    )
    sheet(
        "名单外",
        f"名单外收到的文件（未能对应名单中的{report.subject_label}）",
        [
            *("序号", "文件", report.unit_label, report.subject_label),
            *("状态", "问题", "收到时间", "SHA-256"),
        ],
        [
            [
                i,
                f.original_name,
                f.unit or "",
                f.subject or "",
                "未受理" if f.status == "rejected" else (f.verdict or "已受理"),
                f.problem or "",
                f.received_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                f.sha256,
            ]
            for i, f in enumerate(report.unmatched, start=1)
        ],
    )
    wb.close()
    return buf.getvalue()


def write_status_workbook(report: StatusReport, path: str | os.PathLike[str]) -> Path:
    write_bytes_atomic(Path(path), status_workbook(report))
    return Path(path)
