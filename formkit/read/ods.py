"""OpenDocument spreadsheets (.ods, and flat .fods) into a `Book`, streaming with expat.

`content.xml` is fed to expat in chunks straight from the zip, so memory follows the
cells inside `Bounds`, not the file.  Repeats are arithmetic: LibreOffice ends every row
with a cell repeated to column 16384 and every sheet with a row repeated to 1048576, and
a hostile file can repeat a *value* that far; such a cell is stored once per position
inside the bounds and the rest is only counted in `dropped`.  No DOCTYPE is accepted
(no entities, internal or external), and nothing but the standard library is used.

Values: float/currency/percentage from `office:value` (integral floats become int),
dates from `office:date-value` as datetime (format "yyyy-mm-dd"), percentages keep the
fraction (0.12) with a "0.00%"-like `number_format`, booleans as bool, times keep the
displayed text, strings from `office:string-value` where given, else from the `<text:p>`
paragraphs joined by "\\n", their white space kept as LibreOffice reads it (`<text:s>`,
`<text:tab>`, `<text:line-break>` and bare spaces alike).  Formulas keep their OpenFormula
text (without the "of:" prefix) and the cached result.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO
from xml.parsers import expat

from formkit.cells import EXCEL_MAX_COL, EXCEL_MAX_ROW, Area, Cell, col_letter, parse_cell
from formkit.read.book import Book, Bounds, CellValue, NameTarget, RawCell, SheetData

__all__ = ["ODS_ERROR_CODES", "OdsError", "load_ods"]

_RESAVE = "请在 Excel/WPS/LibreOffice 中打开后另存为“Excel 工作簿(.xlsx)”再提交"

# code -> message; codes are stable (logs, tests), the wording may change
ODS_ERROR_CODES: dict[str, str] = {
    "bad_ods": "文件已损坏或不是有效的 OpenDocument 表格 (.ods)，无法读取。" + _RESAVE,
    "not_ods": "文件扩展名是 .ods，但内容不是 OpenDocument 表格（识别为：{what}）。" + _RESAVE,
    "encrypted": "文件设置了打开密码，无法读取。请取消密码后另存为“Excel 工作簿(.xlsx)”再提交",
    "too_large": "表格内容过大（解压后超过 {limit_mb} MB），请删除无关的工作表和内容后重新提交",
    "unreadable": "无法打开文件（{detail}），请确认文件存在且可读后重新提交",
}

# decompressed content.xml; the 申报书 is ~150 KB, so this only stops abuse
MAX_CONTENT_BYTES = 256 * 1024 * 1024
_CHUNK = 256 * 1024
# repeat attributes beyond this are nonsense; clamping keeps the arithmetic small
_MAX_REPEAT = 1 << 31
_EXACT_INT = 2**53

_MIMETYPES = (
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.spreadsheet-template",
)

_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_NUMBER = "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"


def _q(ns: str, local: str) -> str:
    # expat joins namespace and local name with the separator given to ParserCreate
    return f"{ns} {local}"


T_TABLE = _q(_TABLE, "table")
T_ROW = _q(_TABLE, "table-row")
T_CELL = _q(_TABLE, "table-cell")
T_COVERED = _q(_TABLE, "covered-table-cell")
T_NAMED_EXPRS = _q(_TABLE, "named-expressions")
T_NAMED_RANGE = _q(_TABLE, "named-range")
T_NAMED_EXPR = _q(_TABLE, "named-expression")
T_NULL_DATE = _q(_TABLE, "null-date")
T_P = _q(_TEXT, "p")
T_H = _q(_TEXT, "h")
T_S = _q(_TEXT, "s")
T_TAB = _q(_TEXT, "tab")
T_LINE_BREAK = _q(_TEXT, "line-break")
T_NOTE = _q(_TEXT, "note")
T_STYLE = _q(_STYLE, "style")
T_TABLE_PROPS = _q(_STYLE, "table-properties")
T_PERCENT_STYLE = _q(_NUMBER, "percentage-style")
T_NUMBER = _q(_NUMBER, "number")
T_ANNOTATION = _q(_OFFICE, "annotation")
T_AUTO_STYLES = _q(_OFFICE, "automatic-styles")

A_NAME = _q(_TABLE, "name")
A_STYLE_NAME = _q(_TABLE, "style-name")
A_DISPLAY = _q(_TABLE, "display")
A_ROWS_REPEATED = _q(_TABLE, "number-rows-repeated")
A_COLS_REPEATED = _q(_TABLE, "number-columns-repeated")
A_COLS_SPANNED = _q(_TABLE, "number-columns-spanned")
A_ROWS_SPANNED = _q(_TABLE, "number-rows-spanned")
A_FORMULA = _q(_TABLE, "formula")
A_RANGE = _q(_TABLE, "cell-range-address")
A_EXPRESSION = _q(_TABLE, "expression")
A_DATE_VALUE_T = _q(_TABLE, "date-value")
A_VALUE_TYPE = _q(_OFFICE, "value-type")
A_VALUE = _q(_OFFICE, "value")
A_DATE_VALUE = _q(_OFFICE, "date-value")
A_TIME_VALUE = _q(_OFFICE, "time-value")
A_BOOL_VALUE = _q(_OFFICE, "boolean-value")
A_STRING_VALUE = _q(_OFFICE, "string-value")
A_CALC_VALUE_TYPE = _q(_CALCEXT, "value-type")
A_S_NAME = _q(_STYLE, "name")
A_S_FAMILY = _q(_STYLE, "family")
A_S_DATA_STYLE = _q(_STYLE, "data-style-name")
A_DECIMALS = _q(_NUMBER, "decimal-places")
A_TEXT_C = _q(_TEXT, "c")


# Bounds is frozen, so one shared default is safe
DEFAULT_BOUNDS = Bounds()


class OdsError(Exception):
    """An .ods file that cannot be read; `code` is stable, `message` is for the sender."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _error(code: str, **details: str) -> OdsError:
    return OdsError(code, ODS_ERROR_CODES[code].format(**details))


def load_ods(path: str | os.PathLike[str], bounds: Bounds = DEFAULT_BOUNDS) -> Book:
    """Read every sheet of an .ods (or flat .fods) file, cells inside `bounds` only."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError as e:
        raise _error("unreadable", detail=e.strerror or type(e).__name__) from e
    try:
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            # flat ODF (.fods): the whole document is one XML file
            with open(path, "rb") as f:
                return _parse(f, bounds)
        with zipfile.ZipFile(path) as z:
            _check_container(z)
            with z.open("content.xml") as content:
                return _parse(content, bounds)
    except OdsError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, NotImplementedError) as e:
        raise _error("bad_ods") from e
    except RuntimeError as e:  # zipfile: an encrypted entry needs a password
        raise _error("encrypted" if "encrypted" in str(e) else "bad_ods") from e
    except OSError as e:
        raise _error("bad_ods") from e
    except Exception as e:
        # zipfile and expat raise a wide variety on hostile input (ValueError, struct
        # errors, OverflowError...); every one of them means the file is unusable
        raise _error("bad_ods") from e


def _check_container(z: zipfile.ZipFile) -> None:
    names = set(z.namelist())
    if "mimetype" in names:
        with z.open("mimetype") as f:
            mime = f.read(200).decode("ascii", "replace").strip()
        if mime not in _MIMETYPES:
            raise _error("not_ods", what=mime or "未知")
    elif "xl/workbook.xml" in names or "[Content_Types].xml" in names:
        raise _error("not_ods", what="Excel 工作簿 (.xlsx)")
    if "content.xml" not in names:
        raise _error("bad_ods")
    if "META-INF/manifest.xml" in names:
        info = z.getinfo("META-INF/manifest.xml")
        # a password-protected ODF keeps the zip readable but encrypts each part
        if info.file_size < 1 << 20 and b"encryption-data" in z.read(info):
            raise _error("encrypted")


# ---------------------------------------------------------------- the parser


@dataclass
class _Segment:
    """A run of identical cells in the current row: `count` columns from `col`."""

    col: int
    count: int
    cell: RawCell


@dataclass
class _PendingCell:
    col: int
    repeat: int
    covered: bool
    value_type: str | None
    attrs: dict[str, str]
    # A paragraph's text is kept as written, as LibreOffice (7.4) reads it back: it does not
    # apply ODF's white-space rule (runs of spaces, tabs, newlines as one space) to a cell's
    # paragraphs, and it writes a cell of several lines with bare runs and leading spaces
    # (one line uses <text:s text:c="n"/> and <text:tab/>, read as the spaces and tab).
    paragraphs: list[list[str]] = field(default_factory=list)


class _Handler:
    def __init__(self, bounds: Bounds) -> None:
        self.bounds = bounds
        self.book = Book(format="ods")
        self.depth = 0
        # subtree being ignored (annotations, shapes, nested tables): its depth, or 0
        self.skip_depth = 0
        # automatic styles: hidden table styles, cell style -> data style, percent decimals
        self.in_auto_styles = False
        self.style_name: str | None = None
        self.style_family: str | None = None
        self.hidden_table_styles: set[str] = set()
        self.cell_data_style: dict[str, str] = {}
        self.percent_decimals: dict[str, int] = {}
        self.percent_style: str | None = None
        # the current sheet
        self.sheet: SheetData | None = None
        self.table_depth = 0
        self.row = 0  # 1-based index of the current row's first instance
        self.row_repeat = 1
        self.col = 1  # next column in the current row
        self.segments: list[_Segment] = []
        # first dropped position seen in the current row, settled at the row's end
        self.row_example: tuple[int, int] | None = None
        self.cell: _PendingCell | None = None
        self.cell_depth = 0
        self.paragraph_depth = 0
        # named expressions directly under office:spreadsheet (workbook level)
        self.in_global_names = False

    # -------------------------------------------------------- dispatch

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.skip_depth:
            return
        if self.cell is not None:
            self._start_in_cell(name, attrs)
            return
        if name in (T_CELL, T_COVERED):
            if self.sheet is not None:
                self._start_cell(name, attrs)
        elif name == T_ROW:
            if self.sheet is not None:
                self._start_row(attrs)
        elif name == T_TABLE:
            self._start_table(attrs)
        elif name == T_NAMED_EXPRS:
            self.in_global_names = self.sheet is None
        elif name in (T_NAMED_RANGE, T_NAMED_EXPR):
            if self.in_global_names:
                self._named(name, attrs)
        elif name == T_AUTO_STYLES:
            self.in_auto_styles = True
        elif self.in_auto_styles:
            self._style(name, attrs)
        elif name == T_NULL_DATE:
            self.book.date1904 = attrs.get(A_DATE_VALUE_T, "").startswith("1904-01-01")

    def end(self, name: str) -> None:
        depth = self.depth
        self.depth -= 1
        if self.skip_depth:
            if depth == self.skip_depth:
                self.skip_depth = 0
            return
        if self.cell is not None:
            if depth == self.cell_depth:
                self._end_cell()
            elif depth == self.paragraph_depth:
                self.paragraph_depth = 0
            return
        if name == T_ROW and self.sheet is not None:
            self._end_row()
        elif name == T_TABLE and depth == self.table_depth:
            self.sheet = None
            self.table_depth = 0
        elif name == T_NAMED_EXPRS:
            self.in_global_names = False
        elif name == T_AUTO_STYLES:
            self.in_auto_styles = False
        elif name == T_PERCENT_STYLE:
            self.percent_style = None

    def text(self, data: str) -> None:
        cell = self.cell
        if not self.paragraph_depth or self.skip_depth or cell is None:
            return
        if data:
            cell.paragraphs[-1].append(data)

    # -------------------------------------------------------- styles and names

    def _style(self, name: str, attrs: dict[str, str]) -> None:
        if name == T_STYLE:
            self.style_name = attrs.get(A_S_NAME)
            self.style_family = attrs.get(A_S_FAMILY)
            data_style = attrs.get(A_S_DATA_STYLE)
            if self.style_name and self.style_family == "table-cell" and data_style:
                self.cell_data_style[self.style_name] = data_style
        elif name == T_TABLE_PROPS:
            if self.style_name and attrs.get(A_DISPLAY) == "false":
                self.hidden_table_styles.add(self.style_name)
        elif name == T_PERCENT_STYLE:
            self.percent_style = attrs.get(A_S_NAME)
        elif name == T_NUMBER and self.percent_style is not None:
            self.percent_decimals[self.percent_style] = _int(attrs.get(A_DECIMALS), 0, 0, 30)

    def _named(self, name: str, attrs: dict[str, str]) -> None:
        key = attrs.get(A_NAME)
        if not key or key.startswith(("_xlnm.", "_xlfn.")) or key in self.book.names:
            return
        if name == T_NAMED_RANGE:
            text = attrs.get(A_RANGE, "")
            self.book.names[key] = _range_target(text)
        else:
            self.book.names[key] = NameTarget(None, None, attrs.get(A_EXPRESSION, ""))

    # -------------------------------------------------------- tables, rows, cells

    def _start_table(self, attrs: dict[str, str]) -> None:
        if self.sheet is not None:
            # a sub-table inside a sheet is not a sheet of its own
            self.skip_depth = self.depth
            return
        style = attrs.get(A_STYLE_NAME, "")
        self.sheet = SheetData(
            name=attrs.get(A_NAME, f"Sheet{len(self.book.sheets) + 1}"),
            state="hidden" if style in self.hidden_table_styles else "visible",
        )
        self.book.sheets.append(self.sheet)
        self.table_depth = self.depth
        self.row = 1

    def _start_row(self, attrs: dict[str, str]) -> None:
        self.row_repeat = _int(attrs.get(A_ROWS_REPEATED), 1, 1, _MAX_REPEAT)
        self.col = 1
        self.segments = []
        self.row_example = None

    def _end_row(self) -> None:
        sheet = self.sheet
        assert sheet is not None
        first, last = self.row, self.row + self.row_repeat - 1
        in_last = min(last, self.bounds.max_row)
        example = self.row_example
        for seg in self.segments:
            seg_last = seg.col + seg.count - 1
            in_cols = max(0, min(seg_last, self.bounds.max_col) - seg.col + 1)
            in_rows = max(0, in_last - first + 1)
            outside = seg.count * self.row_repeat - in_cols * in_rows
            if outside:
                if in_rows and seg_last > self.bounds.max_col:
                    here = (first, max(seg.col, self.bounds.max_col + 1))
                else:
                    here = (max(first, self.bounds.max_row + 1), seg.col)
                example = here if example is None else min(example, here)
                sheet.dropped += outside
            # inside the bounds: one entry per position (at most max_row x max_col in all)
            for r in range(first, first + in_rows):
                for c in range(seg.col, seg.col + in_cols):
                    sheet.cells[(r, c)] = seg.cell
        if example is not None and sheet.dropped_example is None:
            sheet.dropped_example = _a1(*example)
        self.row = last + 1
        self.segments = []
        self.row_example = None

    def _start_cell(self, name: str, attrs: dict[str, str]) -> None:
        repeat = _int(attrs.get(A_COLS_REPEATED), 1, 1, _MAX_REPEAT)
        col = self.col
        self.col += repeat
        covered = name == T_COVERED
        if not covered:
            self._merge(col, attrs)
        value_type = attrs.get(A_VALUE_TYPE)
        outside = self.row > self.bounds.max_row or col > self.bounds.max_col
        if outside and (value_type is not None or A_FORMULA in attrs):
            # known non-empty and never stored: count it without building a value
            self._drop_outside(col, repeat)
            self.skip_depth = self.depth
            return
        self.cell = _PendingCell(col, repeat, covered, value_type, attrs)
        self.cell_depth = self.depth

    def _drop_outside(self, col: int, repeat: int) -> None:
        sheet = self.sheet
        assert sheet is not None
        sheet.dropped += repeat * self.row_repeat
        if self.row_example is None:
            self.row_example = (self.row, col)

    def _merge(self, col: int, attrs: dict[str, str]) -> None:
        cols = _int(attrs.get(A_COLS_SPANNED), 1, 1, _MAX_REPEAT)
        rows = _int(attrs.get(A_ROWS_SPANNED), 1, 1, _MAX_REPEAT)
        if cols == 1 and rows == 1:
            return
        sheet = self.sheet
        assert sheet is not None
        if self.row > self.bounds.max_row or col > self.bounds.max_col:
            sheet.dropped += 1
            if sheet.dropped_example is None:
                sheet.dropped_example = _a1(self.row, col)
            return
        last = Cell(
            min(self.row + rows - 1, self.bounds.max_row),
            min(col + cols - 1, self.bounds.max_col),
        )
        sheet.merges.append(Area(Cell(self.row, col), last))

    def _start_in_cell(self, name: str, attrs: dict[str, str]) -> None:
        cell = self.cell
        assert cell is not None
        if name in (T_ANNOTATION, T_NOTE) or name.startswith(_DRAW):
            # comments, footnotes and shapes anchored to the cell are not its value
            self.skip_depth = self.depth
        elif self.paragraph_depth:
            parts = cell.paragraphs[-1]
            literal = {T_S: " ", T_TAB: "\t", T_LINE_BREAK: "\n"}.get(name)
            if literal is not None:
                count = _int(attrs.get(A_TEXT_C), 1, 1, 10_000) if name == T_S else 1
                parts.append(literal * count)
        elif name in (T_P, T_H) and self.depth == self.cell_depth + 1:
            cell.paragraphs.append([])
            self.paragraph_depth = self.depth
        else:
            self.skip_depth = self.depth

    def _end_cell(self) -> None:
        pending = self.cell
        assert pending is not None
        self.cell = None
        self.paragraph_depth = 0
        raw = _raw_cell(pending, self.cell_data_style, self.percent_decimals)
        if raw is not None:
            self.segments.append(_Segment(pending.col, pending.repeat, raw))


def _raw_cell(
    p: _PendingCell, data_styles: dict[str, str], percent_decimals: dict[str, int]
) -> RawCell | None:
    attrs = p.attrs
    text = "\n".join("".join(parts) for parts in p.paragraphs)
    formula = attrs.get(A_FORMULA)
    if formula is not None:
        # "of:=SUM([.A1:.A3])" -> "=SUM([.A1:.A3])" (OpenFormula syntax, not Excel's)
        prefix, sep, rest = formula.partition(":")
        if sep and prefix.isalpha() and rest.startswith("="):
            formula = rest
    vt = p.value_type
    if attrs.get(A_CALC_VALUE_TYPE) == "error":
        return RawCell(None, formula=formula, error=text or "#N/A")
    value: CellValue
    fmt: str | None = None
    if vt in ("float", "currency", "percentage"):
        number = _float(attrs.get(A_VALUE))
        value = (text or None) if number is None else _number(number)
        if formula in ("=TRUE()", "=FALSE()") and number in (0.0, 1.0):
            # LibreOffice imports an .xlsx boolean as the formula TRUE()/FALSE() with a
            # float result; the value the sender typed is the boolean
            value = number == 1.0
        if vt == "percentage":
            style = data_styles.get(attrs.get(A_STYLE_NAME, ""), "")
            decimals = percent_decimals.get(style)
            fmt = "0%" if not decimals else "0." + "0" * decimals + "%"
    elif vt == "date":
        raw = attrs.get(A_DATE_VALUE, "")
        when = _date(raw)
        if when is None:
            value = text or raw or None
        else:
            value = when
            fmt = "yyyy-mm-dd" if when.time() == dt.time() else "yyyy-mm-dd hh:mm:ss"
    elif vt == "time":
        # a duration, shown as the producer formatted it; the form has no time fields
        value = text or attrs.get(A_TIME_VALUE) or None
    elif vt == "boolean":
        flag = attrs.get(A_BOOL_VALUE, "").strip().lower()
        value = flag in ("true", "1") if flag else (text.upper() in ("TRUE", "真"))
    elif vt == "string":
        # office:string-value, where given, is the cell's exact text (ODF 1.2 19.386):
        # LibreOffice writes it for a cell of several lines, whose <text:p> paragraphs it
        # writes with bare runs of spaces that the white-space rule would collapse
        string_value = attrs.get(A_STRING_VALUE)
        value = string_value if string_value is not None else text
        if value == "" and formula is None:
            return None
    elif vt is None:
        if formula is not None:
            # a formula with no stored result
            return RawCell(None, formula=formula, cached=False)
        # no value type: old producers still show text; an empty styled cell is nothing
        if not text:
            return None
        value = text
    else:
        value = text or None
    if value is None and formula is None:
        return None
    return RawCell(value, fmt, formula=formula)


# ---------------------------------------------------------------- small helpers


def _int(text: str | None, default: int, low: int, high: int) -> int:
    if not text:
        return default
    text = text.strip()
    if not text.isascii() or not text.isdigit():
        return default
    # a thousand-digit repeat count is still just "very many"; int() of it would be slow
    if len(text) > 12:
        return high
    return max(low, min(int(text), high))


def _float(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _number(value: float) -> CellValue:
    if value.is_integer() and abs(value) < _EXACT_INT:
        return int(value)
    return value


def _date(text: str) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return when.replace(tzinfo=None)


def _a1(row: int, col: int) -> str:
    if 1 <= col <= EXCEL_MAX_COL and 1 <= row <= EXCEL_MAX_ROW:
        return f"{col_letter(col)}{row}"
    return f"R{row}C{col}"


_SHEET = r"\$?(?:'(?P<q{n}>(?:[^']|'')*)'|(?P<u{n}>[^'.:\s]+))"
_REF = r"(?:{sheet})?\.(?P<c{n}>\$?[A-Za-z]{{1,3}}\$?[0-9]{{1,7}})"
_RANGE_RE = re.compile(
    "^"
    + _REF.format(sheet=_SHEET.format(n=1), n=1)
    + "(?::"
    + _REF.format(sheet=_SHEET.format(n=2), n=2)
    + ")?$"
)


def _range_target(text: str) -> NameTarget:
    """`$'Sheet 1'.$B$8:.$G$29` -> NameTarget("Sheet 1", B8:G29); anything else: text only."""
    m = _RANGE_RE.match(text.strip())
    if not m:
        return NameTarget(None, None, text)
    sheet1 = _sheet_name(m.group("q1"), m.group("u1"))
    sheet2 = _sheet_name(m.group("q2"), m.group("u2"))
    if sheet1 is None or (sheet2 is not None and sheet2 != sheet1):
        return NameTarget(None, None, text)
    try:
        a = parse_cell(m.group("c1"))
        b = parse_cell(m.group("c2")) if m.group("c2") else a
    except ValueError:
        return NameTarget(None, None, text)
    area = Area(
        Cell(min(a.row, b.row), min(a.col, b.col)), Cell(max(a.row, b.row), max(a.col, b.col))
    )
    return NameTarget(sheet1, area, text)


def _sheet_name(quoted: str | None, plain: str | None) -> str | None:
    if quoted is not None:
        return quoted.replace("''", "'")
    return plain


# ---------------------------------------------------------------- driving expat


def _parse(stream: IO[bytes], bounds: Bounds) -> Book:
    handler = _Handler(bounds)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse_doctype(*_: object) -> None:
        # ODF never has a DTD; one here can only be an entity-expansion attack
        raise _error("bad_ods")

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.text
    total = 0
    try:
        while chunk := stream.read(_CHUNK):
            total += len(chunk)
            if total > MAX_CONTENT_BYTES:
                raise _error("too_large", limit_mb=str(MAX_CONTENT_BYTES >> 20))
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as e:
        raise _error("bad_ods") from e
    if not handler.book.sheets:
        raise _error("bad_ods")
    return handler.book
