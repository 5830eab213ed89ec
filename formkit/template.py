"""Spec -> workbook: the official blank 申报书, or a copy with some values filled in.

Everything here is derived from the form spec: sheets, texts, input cells, defined
names, drop-downs, protection and print set-up. Written with xlsxwriter with fixed
document dates, so the same spec and year give a byte-identical file.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from formkit import __version__
from formkit.atomic import write_bytes_atomic
from formkit.cells import Area, Cell, col_letter, display_width, quote_sheet
from formkit.fields import excel_input
from formkit.spec import Field, FormSpec, Sheet, Table, load_spec
from formkit.xlsx_text import plain

LOOKUP_SHEET = "代码表"
META_SHEET = "formkit"
# defined names a reader uses to recognise the form and its version
META_NAMES = (
    "formkit_form_id",
    "formkit_spec_version",
    "formkit_year",
    "formkit_version",
    "formkit_submission_id",
)

INPUT_FILL = "#FFF2CC"  # pale yellow: "type here", visible on screen and in grey print
FIXED_FILL = "#EDEDED"
FONT = "宋体"
ROW_HEIGHT = 21.0  # points: room for CJK glyphs and a pen on the printed copy
HEADING_HEIGHT = 30.0

_STYLES: dict[str, dict[str, Any]] = {
    "title": {
        "bold": True,
        "font_size": 18,
        "align": "center",
        "valign": "vcenter",
        "text_wrap": True,
    },
    "heading": {"bold": True, "font_size": 14, "align": "center", "valign": "vcenter", "border": 1},
    "section": {"bold": True, "font_size": 11, "align": "left", "valign": "vcenter"},
    "caption": {"bold": True, "font_size": 12, "align": "center", "valign": "vcenter", "border": 1},
    "header": {
        "bold": True,
        "align": "center",
        "valign": "vcenter",
        "text_wrap": True,
        "border": 1,
        "bg_color": "#D9E1F2",
    },
    "label": {"align": "left", "valign": "vcenter", "text_wrap": True, "border": 1},
    "label_center": {"align": "center", "valign": "vcenter", "text_wrap": True, "border": 1},
    "note": {
        "font_size": 9,
        "font_color": "#595959",
        "align": "left",
        "valign": "vcenter",
        "text_wrap": True,
    },
    # a field's 填写说明 beside its cells, inside the table's borders
    "note_boxed": {
        "font_size": 9,
        "font_color": "#595959",
        "align": "left",
        "valign": "vcenter",
        "text_wrap": True,
        "border": 1,
    },
    "clause": {
        "font_size": 9,
        "font_color": "#1F4E79",
        "align": "center",
        "valign": "vcenter",
        "text_wrap": True,
        "border": 1,
    },
}


class _Formats:
    """Cache of xlsxwriter formats (one object per distinct look, as Excel wants)."""

    def __init__(self, wb: Workbook) -> None:
        self._wb = wb
        self._cache: dict[tuple[Any, ...], Format] = {}

    def get(
        self,
        style: str,
        *,
        locked: bool = True,
        num_format: str | None = None,
        fill: str | None = None,
    ) -> Format:
        key = (style, locked, num_format, fill)
        if key not in self._cache:
            props: dict[str, Any] = {
                "font_name": FONT,
                "font_size": 11,
                **_STYLES.get(style, _STYLES["label"]),
            }
            props["locked"] = locked
            if num_format:
                props["num_format"] = num_format
            if fill:
                props["bg_color"] = fill
            self._cache[key] = self._wb.add_format(props)
        return self._cache[key]

    def input(
        self,
        num_format: str | None,
        *,
        locked: bool = False,
        wrap: bool = False,
        center: bool = False,
        top: bool = False,
    ) -> Format:
        key = ("input", locked, num_format, wrap, center, top)
        if key not in self._cache:
            props: dict[str, Any] = {
                "font_name": FONT,
                "font_size": 11,
                "border": 1,
                "valign": "top" if top else "vcenter",
                "locked": locked,
                "bg_color": FIXED_FILL if locked else INPUT_FILL,
                "text_wrap": wrap,
            }
            if wrap:  # long text: smaller print, read from the top (500 characters fit)
                props.update(font_size=10, valign="top")
            if center:
                props["align"] = "center"
            if num_format:
                props["num_format"] = num_format
            self._cache[key] = self._wb.add_format(props)
        return self._cache[key]


def build_template(
    spec: FormSpec | None = None,
    *,
    year: int | None = None,
    password: str | None = None,
    values: Mapping[str, Any] | None = None,
    locked_fields: Collection[str] = (),
    submission_id: str | None = None,
) -> bytes:
    """The workbook as bytes.

    `values` pre-fills inputs: field id -> raw value (written as given: text stays text,
    numbers numbers, dates dates, True/False as 是/否); table id -> list of row dicts by
    column id; group id -> dict by item id. Fields in `locked_fields` are written locked
    (a roster's known facts). `submission_id` is stamped in the metadata sheet.
    """
    spec = spec or load_spec()
    year = year or spec.default_year
    values = values or {}
    unknown = set(values) - set(spec.ids)
    if unknown:
        raise KeyError(f"unknown field ids: {', '.join(sorted(unknown))}")

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    stamp = dt.datetime(year, 1, 1)
    title = spec.render(spec.title, year)
    wb.set_properties(
        {
            "title": title,
            "subject": spec.source,
            "author": "formkit",
            "company": "",
            "created": stamp,
            "comments": f"{spec.id} {spec.version}",
        }
    )
    wb.set_calc_mode("auto")
    fmt = _Formats(wb)

    worksheets: dict[str, Worksheet] = {s.id: wb.add_worksheet(s.name) for s in spec.sheets}
    lookup = wb.add_worksheet(LOOKUP_SHEET)
    meta = wb.add_worksheet(META_SHEET)
    list_sources = _write_lookup(wb, lookup, spec, fmt)

    for sheet in spec.sheets:
        ws = worksheets[sheet.id]
        _layout(ws, sheet, spec, year, fmt)

    for f in spec.fields:
        ws = worksheets[f.sheet]
        _write_field(ws, f, spec, year, fmt, list_sources, values.get(f.id), f.id in locked_fields)
    for t in spec.tables:
        _write_table(
            ws=worksheets[t.sheet],
            table=t,
            spec=spec,
            year=year,
            fmt=fmt,
            rows=values.get(t.id),
            list_sources=list_sources,
        )
    _box_empty_notes(worksheets, spec, fmt)

    for name, sheet_id, area in spec.defined_names():
        wb.define_name(name, f"={quote_sheet(spec.sheet(sheet_id).name)}!{area.absolute}")

    _write_meta(wb, meta, spec, year, submission_id, fmt)

    for sheet in spec.sheets:
        _print_setup(worksheets[sheet.id], sheet, spec, title)
        _protect(worksheets[sheet.id], sheet, password)
    lookup.hide()
    lookup.protect(password or "")
    meta.very_hidden()
    meta.protect(password or "")
    worksheets[spec.sheets[0].id].activate()
    wb.close()
    return buf.getvalue()


def write_template(
    path: str | Path = "templates/申报书.xlsx",
    spec: FormSpec | None = None,
    **options: Any,
) -> Path:
    """Write the workbook atomically to `path` (see `build_template` for options)."""
    data = build_template(spec, **options)
    write_bytes_atomic(path, data)
    return Path(path)


# ---------------------------------------------------------------- pieces


def _layout(ws: Worksheet, sheet: Sheet, spec: FormSpec, year: int, fmt: _Formats) -> None:
    widths = dict(sheet.widths)
    # widen a column until every single-cell label in it fits on one line
    for f in spec.fields:
        if f.sheet == sheet.id and f.label_cell and f.label_cell.col in widths and not _wraps(f):
            need = display_width(f.label) + 2
            widths[f.label_cell.col] = max(widths[f.label_cell.col], need)
    for col, width in sorted(widths.items()):
        ws.set_column(col - 1, col - 1, width)
    ws.set_default_row(ROW_HEIGHT)
    for row, height in sorted(_row_heights(sheet, spec, year, widths).items()):
        ws.set_row(row - 1, height)
    for text in sheet.texts:
        _put(ws, text.area, spec.render(text.text, year), fmt.get(text.style))
    ws.hide_gridlines(2)


def _box_empty_notes(worksheets: Mapping[str, Worksheet], spec: FormSpec, fmt: _Formats) -> None:
    """A sheet with a 填写说明 column has it bordered on every field's row, noted or not:
    the printed table has no open side."""
    for sheet in spec.sheets:
        fields = [f for f in spec.fields if f.sheet == sheet.id]
        note_cols = {f.note_cell.first.col for f in fields if f.note_cell is not None and f.hint}
        for f in fields:
            if (f.note_cell is not None and f.hint) or f.label_cell is None or f.type == "group":
                continue
            taken = set(f.area.cols) | (set(f.clause_cell.cols) if f.clause_cell else set())
            for col in sorted(note_cols - taken - {f.label_cell.col}):
                worksheets[sheet.id].write_blank(
                    f.label_cell.row - 1, col - 1, None, fmt.get("note_boxed")
                )


def _row_heights(
    sheet: Sheet, spec: FormSpec, year: int, widths: Mapping[int, float]
) -> dict[int, float]:
    """Explicit heights from the spec, else tall enough for every wrapped text in the row.

    Excel does not grow rows for wrapped text in a file it did not lay out itself.
    """
    placed: list[tuple[Area, str, str]] = [
        (t.area, spec.render(t.text, year), t.style) for t in sheet.texts
    ]
    for f in spec.fields:
        if f.sheet != sheet.id:
            continue
        if f.label_cell:
            placed.append((Area(f.label_cell, f.label_cell), f.label, "label"))
        if f.clause_cell is not None and f.clause:
            placed.append((f.clause_cell, f"通知{f.clause}", "clause"))
        if f.note_cell is not None and f.hint:
            placed.append((f.note_cell, spec.render(f.hint, year), "note_boxed"))
    heights: dict[int, float] = {}
    for area, text, style in placed:
        size = float(_STYLES.get(style, {}).get("font_size", 11))
        if style in ("title", "heading"):
            need = float(HEADING_HEIGHT)
        else:
            room = sum(widths.get(c, 8.43) for c in area.cols) * 11 / size - 1
            lines = max(1, -(-int(display_width(text)) // max(1, int(room))))
            need = lines * size * 1.45 + 6
        per_row = need / len(area.rows)
        for r in area.rows:
            heights[r] = max(heights.get(r, ROW_HEIGHT), per_row)
    heights.update(sheet.heights)
    return {r: round(h, 1) for r, h in heights.items() if h > ROW_HEIGHT or r in sheet.heights}


def _wraps(f: Field) -> bool:
    # long Part B labels sit in wide wrapped cells; Part A labels must fit exactly
    return f.part == "B" and display_width(f.label) > 40


def _put(ws: Worksheet, area: Area, text: str, cell_format: Format) -> None:
    r, c = area.first.row - 1, area.first.col - 1
    if area.first == area.last:
        ws.write_string(r, c, plain(text), cell_format)
    else:
        ws.merge_range(r, c, area.last.row - 1, area.last.col - 1, plain(text), cell_format)


def _write_value(ws: Worksheet, area: Area, value: Any, cell_format: Format) -> None:
    """Write a raw value exactly as given (never interpreting text as a formula)."""
    r, c = area.first.row - 1, area.first.col - 1
    if area.first != area.last:
        ws.merge_range(r, c, area.last.row - 1, area.last.col - 1, None, cell_format)
    if value is None:
        if area.first == area.last:
            ws.write_blank(r, c, None, cell_format)
    elif isinstance(value, bool):
        ws.write_string(r, c, "是" if value else "否", cell_format)
    elif isinstance(value, int | float):
        ws.write_number(r, c, value, cell_format)
    elif isinstance(value, dt.date):
        stamp = (
            value
            if isinstance(value, dt.datetime)
            else dt.datetime(value.year, value.month, value.day)
        )
        ws.write_datetime(r, c, stamp, cell_format)
    else:
        ws.write_string(r, c, plain(str(value)), cell_format)  # text from a roster or form


def _write_field(
    ws: Worksheet,
    f: Field,
    spec: FormSpec,
    year: int,
    fmt: _Formats,
    list_sources: Mapping[tuple[str, ...], str],
    value: Any,
    locked: bool,
) -> None:
    if f.label_cell and f.type != "group":
        label = f.label + spec.sheet(f.sheet).label_suffix
        _put(ws, Area(f.label_cell, f.label_cell), label, fmt.get("label"))
    if f.clause_cell is not None and f.clause:
        _put(ws, f.clause_cell, f"通知{f.clause}", fmt.get("clause"))
    if f.note_cell is not None and f.hint:
        _put(ws, f.note_cell, spec.render(f.hint, year), fmt.get("note_boxed"))
    if f.type == "group":
        if f.label_cell:
            _put(ws, Area(f.label_cell, f.label_cell), f.label, fmt.get("section"))
        group_values = value or {}
        for item in f.items:
            if item.label_cell:
                _put(ws, Area(item.label_cell, item.label_cell), item.label, fmt.get("label"))
            _write_input(ws, item, spec, year, fmt, list_sources, group_values.get(item.id), locked)
        return
    _write_input(ws, f, spec, year, fmt, list_sources, value, locked)


def _write_input(
    ws: Worksheet,
    f: Field,
    spec: FormSpec,
    year: int,
    fmt: _Formats,
    list_sources: Mapping[tuple[str, ...], str],
    value: Any,
    locked: bool,
) -> None:
    spec_input = excel_input(
        f.type,
        label=f.label,
        unit=f.unit,
        signed=f.signed,
        hint=spec.render(f.hint, year) if f.hint else None,
        list_source=list_sources.get(f.choices or f.suggestions),
        year=year,
        anchor=f.cell.a1,
        max_length=f.max_length,
        date_window=f.date_window,
    )
    # an input spanning several rows (a text section) is written from the top down
    top = f.area.first.row != f.area.last.row
    cell_format = fmt.input(spec_input.num_format, locked=locked, wrap=f.wrap, top=top)
    _write_value(ws, f.area, value, cell_format)
    if spec_input.validation and not locked:
        a = f.area
        ws.data_validation(
            a.first.row - 1, a.first.col - 1, a.last.row - 1, a.last.col - 1, spec_input.validation
        )


def _write_table(
    *,
    ws: Worksheet,
    table: Table,
    spec: FormSpec,
    year: int,
    fmt: _Formats,
    rows: Sequence[Mapping[str, Any]] | None,
    list_sources: Mapping[tuple[str, ...], str],
) -> None:
    data_rows = list(rows or [])
    input_rows = table.input_rows
    if len(data_rows) > len(input_rows):
        raise ValueError(
            f"{table.id}: {len(data_rows)} rows given, the template has {len(input_rows)}"
        )
    fixed_years = spec.data_years(year) if table.fixed_rows == "history_years" else ()
    for i, row in enumerate(input_rows):
        record = dict(data_rows[i]) if i < len(data_rows) else {}
        for col in table.columns:
            area = Area(Cell(row, col.first_col), Cell(row, col.last_col))
            if col.fixed:
                year_value = fixed_years[i] if i < len(fixed_years) else None
                _write_value(ws, area, year_value, fmt.input("0", locked=True, center=True))
                continue
            if col.computed:
                _write_growth(
                    ws, table, col.computed_from or "", area, i, input_rows, data_rows, fmt
                )
                continue
            spec_input = excel_input(
                col.type,
                label=col.label,
                unit=col.unit,
                year=year,
                list_source=list_sources.get(col.choices),
            )
            _write_value(ws, area, record.get(col.id), fmt.input(spec_input.num_format))
            if spec_input.validation and i == 0:  # one validation per column block
                for block in table.blocks:
                    ws.data_validation(
                        block.first.row - 1,
                        col.first_col - 1,
                        block.last.row - 1,
                        col.last_col - 1,
                        spec_input.validation,
                    )


def _write_growth(
    ws: Worksheet,
    table: Table,
    source: str,
    area: Area,
    index: int,
    input_rows: Sequence[int],
    data_rows: Sequence[Mapping[str, Any]],
    fmt: _Formats,
) -> None:
    """A locked formula: growth over the previous row, with its value cached when known."""
    cell_format = fmt.input("0.00", locked=True)
    r, c = area.first.row - 1, area.first.col - 1
    if index == 0:
        ws.write_blank(r, c, None, cell_format)
        return
    src_col = col_letter(table.column(source).first_col)
    prev, cur = f"{src_col}{input_rows[index - 1]}", f"{src_col}{input_rows[index]}"
    growth = f"ROUND(({cur}-{prev})/{prev}*100,2)"
    formula = f'=IF(AND(ISNUMBER({prev}),ISNUMBER({cur}),{prev}<>0),{growth},"")'
    cached: float | str = ""
    if index < len(data_rows):
        a, b = data_rows[index - 1].get(source), data_rows[index].get(source)
        if (
            isinstance(a, int | float)
            and isinstance(b, int | float)
            and a != 0
            and not isinstance(a, bool)
        ):
            cached = round((b - a) / a * 100, 2)
    ws.write_formula(r, c, formula, cell_format, cached)


def _write_lookup(
    wb: Workbook, ws: Worksheet, spec: FormSpec, fmt: _Formats
) -> dict[tuple[str, ...], str]:
    """One column per distinct choice list; returns list -> absolute range for validations."""
    lists: dict[tuple[str, ...], str] = {}
    labels: dict[tuple[str, ...], str] = {}
    for f in spec.fields:
        for item in (f, *f.items):
            if item.choices and item.choices not in labels:
                labels[item.choices] = "是/否" if item.type == "yesno" else item.label
            if item.suggestions and item.suggestions not in labels:
                labels[item.suggestions] = item.label
    for t in spec.tables:
        for c in t.columns:
            if c.choices and c.choices not in labels:
                labels[c.choices] = "是/否" if c.type == "yesno" else c.label
    for i, (choices, label) in enumerate(labels.items()):
        ws.write_string(0, i, label, fmt.get("header"))
        for j, choice in enumerate(choices, start=1):
            ws.write_string(j, i, choice, fmt.get("label"))
        col = col_letter(i + 1)
        lists[choices] = f"={quote_sheet(LOOKUP_SHEET)}!${col}$2:${col}${len(choices) + 1}"
        ws.set_column(i, i, max(display_width(label), *(display_width(c) for c in choices)) + 2)
    return lists


def _write_meta(
    wb: Workbook, ws: Worksheet, spec: FormSpec, year: int, submission_id: str | None, fmt: _Formats
) -> None:
    rows = [
        ("formkit_form_id", "表单标识", spec.id),
        ("formkit_spec_version", "表单版本", spec.version),
        ("formkit_year", spec.year_label, year),
        ("formkit_version", "formkit 版本", __version__),
        ("formkit_submission_id", "报送编号", submission_id or ""),
    ]
    ws.write_string(0, 0, "本表由 formkit 生成，用于识别表单及其版本，请勿修改。")
    for i, (name, label, value) in enumerate(rows, start=1):
        ws.write_string(i, 0, label)
        if isinstance(value, int):
            ws.write_number(i, 1, value)
        else:
            ws.write_string(i, 1, value)
        ws.write_string(i, 2, name)
        wb.define_name(name, f"={quote_sheet(META_SHEET)}!$B${i + 1}")
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 36)
    ws.set_column(2, 2, 24)


def _used_area(sheet: Sheet, spec: FormSpec) -> Area:
    cells: list[Cell] = []
    for t in sheet.texts:
        cells += [t.area.first, t.area.last]
    for _name, sid, area in spec.defined_names():
        if sid == sheet.id:
            cells += [area.first, area.last]
    for f in spec.fields:
        if f.sheet == sheet.id:
            for a in (f.clause_cell, f.note_cell):
                if a is not None:
                    cells.append(a.last)
            if f.label_cell:
                cells.append(f.label_cell)
    return Area(Cell(1, 1), Cell(max(c.row for c in cells), max(c.col for c in cells)))


def _print_setup(ws: Worksheet, sheet: Sheet, spec: FormSpec, title: str) -> None:
    ws.set_paper(9)  # A4
    if sheet.orientation == "landscape":
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)  # one page wide, as many tall as needed
    ws.center_horizontally()
    ws.set_margins(left=0.6, right=0.6, top=0.9, bottom=0.8)
    used = _used_area(sheet, spec)
    ws.print_area(0, 0, used.last.row - 1, used.last.col - 1)
    if sheet.repeat_rows:
        ws.repeat_rows(sheet.repeat_rows[0] - 1, sheet.repeat_rows[1] - 1)
    if sheet.page_breaks:
        # xlsxwriter breaks *after* the given zero-based row: before spec row n means n-1
        ws.set_h_pagebreaks([r - 1 for r in sheet.page_breaks])
    # no font-size code before the title: "&9" followed by "2006..." would read as size 92006
    ws.set_header(f"&C{title}", {"margin": 0.3})
    ws.set_footer("&C第 &P 页，共 &N 页", {"margin": 0.3})


def _protect(ws: Worksheet, sheet: Sheet, password: str | None) -> None:
    # labels are locked, inputs unlocked; rows may be inserted where the form allows
    # (注:本表可以复制、可以加页). The workbook structure stays open so people can copy sheets.
    ws.protect(
        password or "",
        {
            "select_locked_cells": True,
            "select_unlocked_cells": True,
            "insert_rows": True,
            "format_rows": True,
            "format_columns": True,
        },
    )
