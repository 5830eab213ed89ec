"""The register as a workbook a person reads, prints and edits (`register_workbook`: 基地名册
and 状态变更, whose yellow rows take new 调整 and 撤销), and those rows read back
(`read_changes`) for `Register.apply`."""

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
from formkit.bases import (
    ADJUST,
    ADJUSTABLE,
    BLANK_CHANGE_ROWS,
    CHANGES_SHEET,
    IN_REGISTER,
    META_SHEET,
    RECOGNISE,
    REGISTER_KIND,
    REGISTER_SHEET,
    REVOKE,
    REVOKED,
    Base,
    Change,
    RegisterError,
    _day,
    _text,
)
from formkit.bases.sources import _header_rows
from formkit.cells import wrapped_lines
from formkit.read.book import Book, WorkbookError
from formkit.read.gate import inspect_file
from formkit.read.xlsx import load_xlsx
from formkit.rollup import SUMMARY_BOUNDS
from formkit.template import FONT
from formkit.xlsx_text import plain

_REGISTER_COLUMNS: tuple[tuple[str, float], ...] = (
    ("序号", 5),
    ("基地编号", 19),
    ("基地名称", 26),
    ("推荐单位", 9),
    ("所在地级市", 9),
    ("重点领域", 8),
    ("认定方式", 8),
    ("原基地", 16),
    ("认定年度", 7),
    ("批次", 9),
    ("认定日期", 11),
    ("状态", 6),
    ("状态变更", 22),
)
_CHANGE_COLUMNS: tuple[tuple[str, float], ...] = (
    ("序号", 5),
    ("基地编号", 19),
    ("基地名称", 24),
    ("日期", 11),
    ("变更", 6),
    ("决定", 22),
    ("理由", 30),
    *((f"调整后的{h}", 14) for h in ADJUSTABLE.values()),
)


def register_workbook(
    bases: Sequence[Base], *, unit: str | None = None, as_of: dt.date | None = None
) -> bytes:
    """The register as a person reads, prints and edits it: 基地名册 (every base, its status
    on `as_of`), 状态变更 (every recorded decision, then yellow rows for new 调整 and 撤销:
    `formkit bases --import` records them), and a hidden sheet saying what the file is."""
    as_of = as_of or dt.date.today()
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_urls": False, "strings_to_formulas": False}
    )
    wb.set_properties({"created": dt.datetime(as_of.year, as_of.month, as_of.day)})
    base = {"font_name": FONT, "font_size": 10, "valign": "top", "text_wrap": True, "border": 1}
    head = wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "align": "center"})
    body = wb.add_format(base)
    day_fmt = wb.add_format({**base, "num_format": "yyyy-mm-dd"})
    revoked = wb.add_format({**base, "font_color": "#C00000", "bold": True})
    edit = wb.add_format({**base, "bg_color": "#FFF2CC", "locked": False})
    edit_day = wb.add_format({**base, "bg_color": "#FFF2CC", "num_format": "yyyy-mm-dd"})
    title_fmt = wb.add_format({"font_name": FONT, "bold": True, "font_size": 13})
    note_fmt = wb.add_format({"font_name": FONT, "font_size": 9, "font_color": "#595959"})
    who = unit or "全国"
    title = f"{who}科技兴贸出口创新基地名册（截至 {as_of.year}年{as_of.month}月{as_of.day}日）"

    def page(ws: Any, cols: Sequence[tuple[str, float]]) -> None:
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(1)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_header(f"&C{title}")
        ws.set_footer("&C第 &P 页，共 &N 页")
        ws.freeze_panes(2, 0)
        for j, (_, w) in enumerate(cols):
            ws.set_column(j, j, w)

    def put(ws: Any, r: int, j: int, v: Any, fmt: Any) -> None:
        if isinstance(v, dt.date):
            ws.write_datetime(r, j, dt.datetime(v.year, v.month, v.day), fmt)
        elif isinstance(v, int | float) and not isinstance(v, bool):
            ws.write_number(r, j, v, fmt)
        else:
            ws.write_string(r, j, plain(str(v or "")), fmt)

    def height(ws: Any, r: int, cells: Sequence[Any], cols: Sequence[tuple[str, float]]) -> None:
        lines = max(wrapped_lines(str(v or ""), w) for v, (_, w) in zip(cells, cols, strict=True))
        if lines > 1:
            ws.set_row(r, 13.5 * lines + 1)

    ws = wb.add_worksheet(REGISTER_SHEET)
    page(ws, _REGISTER_COLUMNS)
    in_register = sum(1 for b in bases if b.status_on(as_of) == IN_REGISTER)
    ws.write_string(0, 0, f"{title}：共 {len(bases)} 家，在册 {in_register} 家", title_fmt)
    for j, (h, _) in enumerate(_REGISTER_COLUMNS):
        ws.write_string(1, j, h, head)
    for i, b in enumerate(bases, start=1):
        state = b.status_on(as_of) or "尚未认定"
        last = b.events[-1] if b.events else None
        cells = [
            i,
            b.base_id,
            b.name,
            b.unit,
            b.locality,
            b.domain,
            b.recognition,
            b.recertifies,
            b.year,
            b.batch,
            b.recognised_on,
            state,
            f"{last.date.isoformat()} {last.kind}" if last is not None else "",
        ]
        height(ws, i + 1, cells, _REGISTER_COLUMNS)
        for j, v in enumerate(cells):
            fmt = day_fmt if isinstance(v, dt.date) else body
            put(ws, i + 1, j, v, revoked if j == 11 and state == REVOKED else fmt)
    last_base_row = len(bases) + 1
    ws.autofilter(1, 0, max(2, last_base_row), len(_REGISTER_COLUMNS) - 1)

    wc = wb.add_worksheet(CHANGES_SHEET)
    page(wc, _CHANGE_COLUMNS)
    wc.write_string(
        0,
        0,
        "状态变更：已记入名册的认定、调整、撤销；新的调整或撤销填在黄色行中（每行一项：基地编号、"
        "日期、变更、决定和理由，调整写明调整后的内容），保存后用 formkit bases --import 记入名册。"
        "已记入的各行请勿修改。",
        note_fmt,
    )
    for j, (h, _) in enumerate(_CHANGE_COLUMNS):
        wc.write_string(1, j, h, head)
    r = 2
    n = 0
    for b in bases:
        for e in b.events:
            n += 1
            cells = [
                n,
                b.base_id,
                b.name,
                e.date,
                e.kind,
                e.decision,
                e.reason,
                *(e.changes[k][1] if k in e.changes else "" for k in ADJUSTABLE),
            ]
            height(wc, r, cells, _CHANGE_COLUMNS)
            for j, v in enumerate(cells):
                put(wc, r, j, v, day_fmt if isinstance(v, dt.date) else body)
            r += 1
    first_blank = r
    for k in range(BLANK_CHANGE_ROWS):
        put(wc, r, 0, n + k + 1, body)
        for j in range(1, len(_CHANGE_COLUMNS)):
            wc.write_blank(r, j, None, edit_day if j == 3 else edit)
        r += 1
    if bases:
        wc.data_validation(
            first_blank,
            1,
            r - 1,
            1,
            {
                "validate": "list",
                "source": f"={REGISTER_SHEET}!$B$3:$B${last_base_row + 1}",
                "input_title": "基地编号",
                "input_message": "从基地名册中选择。",
                "error_type": "warning",
            },
        )
    wc.data_validation(
        first_blank,
        4,
        r - 1,
        4,
        {
            "validate": "list",
            "source": [ADJUST, REVOKE, RECOGNISE],
            "input_title": "变更",
            "input_message": "调整、撤销，或对已撤销的基地重新认定。",
            "error_title": "变更",
            "error_message": "请选择调整、撤销或认定。",
        },
    )
    wc.data_validation(
        first_blank,
        3,
        r - 1,
        3,
        {
            "validate": "date",
            "criteria": ">=",
            "value": dt.datetime(2000, 1, 1),
            "input_title": "日期",
            "input_message": "决定生效的日期，如 2007-12-31。",
            "error_title": "日期",
            "error_message": "请填写日期，如 2007-12-31。",
        },
    )
    meta = wb.add_worksheet(META_SHEET)
    for i, (key, value) in enumerate(
        (
            ("formkit_register_kind", REGISTER_KIND),
            ("formkit_version", __version__),
            ("formkit_unit", unit or ""),
            ("formkit_as_of", as_of.isoformat()),
        )
    ):
        meta.write_string(i, 0, key)
        meta.write_string(i, 1, value)
        wb.define_name(key, f"={META_SHEET}!$B${i + 1}")
    meta.very_hidden()
    wb.close()
    return buf.getvalue()


def write_register(
    path: str | os.PathLike[str],
    bases: Sequence[Base],
    *,
    unit: str | None = None,
    as_of: dt.date | None = None,
) -> Path:
    write_bytes_atomic(Path(path), register_workbook(bases, unit=unit, as_of=as_of))
    return Path(path)


def read_changes(path: str | os.PathLike[str]) -> list[Change]:
    """The 状态变更 rows of a register workbook (as exported, edited in Excel, WPS or
    LibreOffice), recorded or new; raises RegisterError naming every row that cannot be
    read (a missing base id, date, change or decision). Other sheets are not read: a
    change to a base is made by a row here, never by editing 基地名册."""
    name = Path(path).name
    try:
        gate = inspect_file(path)
    except OSError as exc:
        raise RegisterError([f"{name}：无法打开：{exc}"]) from None
    if not gate.ok or gate.kind not in ("xlsx", "xlsm"):
        raise RegisterError([f"{name}：{gate.message or '不是 .xlsx 文件'}"])
    try:
        book = load_xlsx(os.fspath(path), SUMMARY_BOUNDS)
    except WorkbookError as exc:
        raise RegisterError([f"{name}：{exc.message}"]) from None
    kind = _meta_value(book, "formkit_register_kind")
    if kind != REGISTER_KIND:
        raise RegisterError([f"{name}：不是 formkit bases 导出的基地名册"])
    wanted = [h for h, _ in _CHANGE_COLUMNS]
    rows = _header_rows(book, CHANGES_SHEET, wanted)
    if rows is None:
        raise RegisterError([f"{name}：工作表“{CHANGES_SHEET}”缺少列，可能被修改过，请重新导出"])
    out: list[Change] = []
    problems: list[str] = []
    for row, r in rows:
        given = {h: _text(row.get(h)) for h in wanted if h != "序号"}
        if not any(given.values()):
            continue
        where = f"{CHANGES_SHEET}第 {r} 行"
        date = _day(row.get("日期"))
        missing = [h for h in ("基地编号", "日期", "变更", "决定") if not given[h]]
        if missing:
            problems.append(f"{where}：缺少{'、'.join(missing)}")
            continue
        if date is None:
            problems.append(f"{where}：日期“{given['日期']}”无法识别，请写成 2007-12-31")
            continue
        changes = {
            key: given[f"调整后的{head}"]
            for key, head in ADJUSTABLE.items()
            if given[f"调整后的{head}"]
        }
        out.append(
            Change(
                base_id=given["基地编号"],
                kind=given["变更"],
                date=date,
                decision=given["决定"],
                reason=given["理由"],
                changes=changes,
                where=where,
            )
        )
    if problems:
        raise RegisterError(problems)
    return out


def _meta_value(book: Book, name: str) -> Any:
    target = book.names.get(name)
    if target is None or target.sheet is None or target.area is None:
        return None
    sheet = book.sheet(target.sheet)
    return None if sheet is None else sheet.value(target.area.first.row, target.area.first.col)
