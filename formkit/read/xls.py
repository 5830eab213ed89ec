"""Office 97–2003 workbooks (.xls, BIFF) into a `Book`, with xlrd.

xlrd is pure Python and only reads: no macros run, nothing is evaluated.  It has no
formula text for cells (only the cached results), so every cell has `formula=None`.
Anything xlrd cannot read comes out as `WorkbookError` with a stable code and a Chinese
message for the sender; no other exception leaves `load_xls`.

    book = load_xls(path)                    # Bounds() by default
"""

from __future__ import annotations

import io
import math
import os
from typing import Any

from formkit.cells import EXCEL_MAX_COL, EXCEL_MAX_ROW, Area, Cell, col_letter
from formkit.read.book import (
    Book,
    Bounds,
    CellValue,
    NameTarget,
    RawCell,
    SheetData,
    SheetState,
    WorkbookError,
)

__all__ = ["load_xls"]


# xlrd's cell types (xlrd.biffh.XL_CELL_*) and its operand kind of a reference
# (xlrd.formula.oREF): xlrd itself is imported by the functions that call it, so reading
# an .xlsx never pays for it
XL_CELL_EMPTY, XL_CELL_TEXT, XL_CELL_NUMBER, XL_CELL_DATE = 0, 1, 2, 3
XL_CELL_BOOLEAN, XL_CELL_ERROR, XL_CELL_BLANK = 4, 5, 6
O_REF = -1

_STATES: dict[int, SheetState] = {0: "visible", 1: "hidden", 2: "veryHidden"}
# integral floats become ints only where a float represents them exactly
_EXACT_INT = 2**53


# Bounds is frozen, so one shared default is safe
DEFAULT_BOUNDS = Bounds()


def load_xls(
    path: str | os.PathLike[str], bounds: Bounds = DEFAULT_BOUNDS, content: bytes | None = None
) -> Book:
    """Read every worksheet of a .xls file, cells inside `bounds` only (from `content`, the
    file's bytes already read, when given)."""
    data = content
    if data is None:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise WorkbookError("unreadable", detail=e.strerror or type(e).__name__) from e
    book = _open(data)
    try:
        return _convert(book, bounds)
    except WorkbookError:
        raise
    except Exception as e:
        # on_demand: sheets are parsed here, so a broken sheet record surfaces here too
        raise _classify(e) from e
    finally:
        book.release_resources()


def _open(data: bytes) -> Any:
    import xlrd

    # xlrd writes warnings to its logfile (stdout by default): keep them out of the output
    log = io.StringIO()
    try:
        return xlrd.open_workbook(
            file_contents=data, formatting_info=True, on_demand=True, logfile=log
        )
    except Exception as first:
        error = _classify(first)
        if error.code != "bad_xls":
            raise error from first
        # formatting records are the least tested part of xlrd; values may still be readable
        try:
            return xlrd.open_workbook(
                file_contents=data, formatting_info=False, on_demand=True, logfile=log
            )
        except Exception as e:
            raise _classify(e) from e


def _classify(e: BaseException) -> WorkbookError:
    text = str(e)
    if "encrypted" in text.lower():
        return WorkbookError("encrypted")
    # "Excel xlsx file; not supported", or no BIFF BOF at all (CSV/HTML/text renamed .xls)
    if "xlsx file" in text or "Expected BOF record" in text:
        return WorkbookError("not_xls")
    return WorkbookError("bad_xls")


def _convert(book: Any, bounds: Bounds) -> Book:
    out = Book(format="xls", date1904=book.datemode == 1)
    formats = _format_strings(book)
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        out.sheets.append(_sheet(book, sheet, bounds, formats))
        book.unload_sheet(index)
    out.names = _names(book)
    return out


def _format_strings(book: Any) -> list[str | None]:
    """Number format string per XF index (empty when xlrd read no formatting)."""
    result: list[str | None] = []
    for xf in book.xf_list:
        fmt = book.format_map.get(xf.format_key)
        result.append(None if fmt is None else fmt.format_str)
    return result


def _sheet(book: Any, sheet: Any, bounds: Bounds, formats: list[str | None]) -> SheetData:
    data = SheetData(name=sheet.name, state=_STATES.get(sheet.visibility, "visible"))
    nrows = min(sheet.nrows, bounds.max_row)
    ncols = min(sheet.ncols, bounds.max_col)
    # without formatting_info xlrd keeps no per-cell XF index
    has_xf = bool(formats) and bool(book.formatting_info)
    for r in range(sheet.nrows):
        types = sheet.row_types(r)
        if r >= nrows:
            _drop_row(data, r, types, 0)
            continue
        _drop_row(data, r, types, ncols)
        values = sheet.row_values(r, 0, ncols)
        for c in range(min(ncols, len(types))):
            ctype = types[c]
            if ctype in (XL_CELL_EMPTY, XL_CELL_BLANK):
                continue
            fmt = None
            if has_xf:
                xf = sheet.cell_xf_index(r, c)
                fmt = formats[xf] if 0 <= xf < len(formats) else None
            cell = _cell(book, ctype, values[c], fmt)
            if cell is not None:
                data.cells[(r + 1, c + 1)] = cell
    for rlo, rhi, clo, chi in sheet.merged_cells:
        if rhi - rlo < 1 or chi - clo < 1 or (rhi - rlo == 1 and chi - clo == 1):
            continue
        if rlo >= bounds.max_row or clo >= bounds.max_col:
            _note_dropped(data, rlo, clo)
            continue
        data.merges.append(
            Area(
                Cell(rlo + 1, clo + 1),
                Cell(min(rhi, bounds.max_row), min(chi, bounds.max_col)),
            )
        )
    return data


def _drop_row(data: SheetData, r: int, types: Any, start: int) -> None:
    """Count the non-empty cells of row `r` from column index `start` on as dropped."""
    tail = types[start:]
    n = len(tail) - tail.count(XL_CELL_EMPTY) - tail.count(XL_CELL_BLANK)
    if not n:
        return
    if data.dropped_example is None:
        first = next(i for i, t in enumerate(tail) if t not in (XL_CELL_EMPTY, XL_CELL_BLANK))
        _note_dropped(data, r, start + first, count=0)
    data.dropped += n


def _note_dropped(data: SheetData, r: int, c: int, count: int = 1) -> None:
    data.dropped += count
    if data.dropped_example is None:
        row, col = r + 1, c + 1
        if col <= EXCEL_MAX_COL and row <= EXCEL_MAX_ROW:
            data.dropped_example = f"{col_letter(col)}{row}"
        else:
            data.dropped_example = f"R{row}C{col}"


def _cell(book: Any, ctype: int, value: Any, fmt: str | None) -> RawCell | None:
    if ctype == XL_CELL_TEXT:
        if value == "":
            return None
        return RawCell(str(value), fmt)
    if ctype == XL_CELL_NUMBER:
        return RawCell(_number(value), fmt)
    if ctype == XL_CELL_DATE:
        import xlrd

        try:
            return RawCell(xlrd.xldate_as_datetime(value, book.datemode), fmt)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            # a negative or out-of-range serial under a date format: keep the number
            return RawCell(_number(value), fmt)
    if ctype == XL_CELL_BOOLEAN:
        return RawCell(bool(value), fmt)
    if ctype == XL_CELL_ERROR:
        from xlrd.biffh import error_text_from_code

        text = error_text_from_code.get(value, f"#ERR{value}")
        return RawCell(None, fmt, error=text)
    return None


def _number(value: float) -> CellValue:
    finite = isinstance(value, float) and math.isfinite(value)
    if finite and value.is_integer() and abs(value) < _EXACT_INT:
        return int(value)
    return value


def _names(book: Any) -> dict[str, NameTarget]:
    names: dict[str, NameTarget] = {}
    sheet_names: list[str] = book.sheet_names()
    for name in book.name_obj_list:
        # scope -1 is workbook level; built-in names (Print_Area, _xlnm.*) are not the form's
        # _xlfn.* are hidden stand-ins for newer Excel functions
        if name.scope != -1 or name.builtin or name.name.startswith(("_xlnm.", "_xlfn.", "\x06")):
            continue
        if name.name in names:
            continue
        names[name.name] = _target(name, sheet_names)
    return names


def _target(name: Any, sheet_names: list[str]) -> NameTarget:
    result = name.result
    text = getattr(result, "text", None) or repr(name.raw_formula)
    if result is None or result.kind != O_REF or len(result.value) != 1:
        return NameTarget(None, None, text)
    ref = result.value[0]
    # shtxhi is exclusive: exactly one sheet; row/col bounds are 0-based, hi exclusive
    if not (0 <= ref.shtxlo == ref.shtxhi - 1 < len(sheet_names)):
        return NameTarget(None, None, text)
    if ref.rowxhi <= ref.rowxlo or ref.colxhi <= ref.colxlo:
        return NameTarget(None, None, text)
    area = Area(Cell(ref.rowxlo + 1, ref.colxlo + 1), Cell(ref.rowxhi, ref.colxhi))
    return NameTarget(sheet_names[ref.shtxlo], area, text)
