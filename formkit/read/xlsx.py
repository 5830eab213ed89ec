"""Read an .xlsx/.xlsm workbook into a `Book`, with the standard library only.

Why not openpyxl or calamine: both trust what the file says about itself (a declared
dimension of A1:XFD1048576, a merge over a whole sheet) and build objects for every cell
they see.  This reader streams each part through expat, keeps only the cells inside
`Bounds`, counts what lies outside, and stops reading a sheet at the first non-empty
cell below `Bounds.max_row` (rows are stored in order in valid files).

    book = load_xlsx("申报书.xlsx")        # raises WorkbookError(code, ...) if unusable

The parts read: `_rels/.rels` -> the workbook part and its rels, `[Content_Types].xml`
(xlsx or xlsm), the workbook (sheets, names, date system, calc flags), shared strings,
styles (number formats only) and the worksheets.  Drawings, comments, themes and the
rest are never opened.

Safety: expat is used without external entity handling; a DOCTYPE is refused outright
(no OOXML part has one, and entity declarations are how XML bombs work).  Nothing here
recurses on the input.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal
from xml.parsers import expat

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

__all__ = ["BUILTIN_FORMATS", "is_date_format", "load_xlsx"]

CHUNK = 64 * 1024


# ---------------------------------------------------------------- number formats

# Built-in number formats (ECMA-376 Part 1, 18.8.30), with the zh-CN locale's ids 27-36
# and 50-58, which Chinese Excel and WPS show as dates and times.
BUILTIN_FORMATS: dict[int, str] = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    27: 'yyyy"年"m"月"',
    28: 'm"月"d"日"',
    29: 'm"月"d"日"',
    30: "m-d-yy",
    31: 'yyyy"年"m"月"d"日"',
    32: 'h"时"mm"分"',
    33: 'h"时"mm"分"ss"秒"',
    34: '上午/下午h"时"mm"分"',
    35: '上午/下午h"时"mm"分"ss"秒"',
    36: 'yyyy"年"m"月"',
    37: "#,##0 ;(#,##0)",
    38: "#,##0 ;[Red](#,##0)",
    39: "#,##0.00;(#,##0.00)",
    40: "#,##0.00;[Red](#,##0.00)",
    41: '_(* #,##0_);_(* \\(#,##0\\);_(* "-"_);_(@_)',
    42: '_("$"* #,##0_);_("$"* \\(#,##0\\);_("$"* "-"_);_(@_)',
    43: '_(* #,##0.00_);_(* \\(#,##0.00\\);_(* "-"??_);_(@_)',
    44: '_("$"* #,##0.00_)_("$"* \\(#,##0.00\\)_("$"* "-"??_)_(@_)',
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    48: "##0.0E+0",
    49: "@",
    50: 'yyyy"年"m"月"',
    51: 'm"月"d"日"',
    52: 'yyyy"年"m"月"',
    53: 'm"月"d"日"',
    54: 'm"月"d"日"',
    55: '上午/下午h"时"mm"分"',
    56: '上午/下午h"时"mm"分"ss"秒"',
    57: 'yyyy"年"m"月"',
    58: 'm"月"d"日"',
}
# ids whose meaning is a date whatever code a file's locale shows for them
_DATE_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])

_DATE_LETTERS = frozenset("ymdhs")
_ELAPSED = re.compile(r"\[(h+|m+|s+)\]", re.IGNORECASE)
_date_format_cache: dict[str, bool] = {}


def is_date_format(code: str) -> bool:
    """True if a number shown with `code` is a date or time.

    Looks for y, m, d, h, s outside quoted text, backslash/underscore/asterisk escapes and
    [...] brackets (colours, locales, conditions), except the elapsed-time brackets [h],
    [mm], [ss].  Text that is not a date letter (e, E in 0.00E+00, "General") never counts.
    """
    cached = _date_format_cache.get(code)
    if cached is not None:
        return cached
    result = _scan_date_format(code)
    if len(_date_format_cache) < 4096:  # a hostile styles part must not grow it forever
        _date_format_cache[code] = result
    return result


def _scan_date_format(code: str) -> bool:
    if code in ("General", "@", ""):
        return False
    if _ELAPSED.search(code):
        return True
    i, n = 0, len(code)
    while i < n:
        ch = code[i]
        if ch == '"':
            end = code.find('"', i + 1)
            i = n if end < 0 else end + 1
            continue
        if ch == "[":
            end = code.find("]", i + 1)
            i = n if end < 0 else end + 1
            continue
        if ch in "\\_*":  # escaped literal, padding to a char's width, fill char
            i += 2
            continue
        if ch.lower() in _DATE_LETTERS:
            return True
        i += 1
    return False


_EPOCH_1900 = dt.datetime(1899, 12, 31)  # serial 1 = 1900-01-01
_EPOCH_1900_AFTER_LEAP = dt.datetime(1899, 12, 30)  # from serial 61 = 1900-03-01
_EPOCH_1904 = dt.datetime(1904, 1, 1)
_MAX_SERIAL_1900 = 2958466.0  # 10000-01-01: past 9999-12-31 23:59:59.999
_MAX_SERIAL_1904 = _MAX_SERIAL_1900 - 1462


def serial_to_datetime(serial: float, date1904: bool) -> dt.datetime | None:
    """The datetime Excel shows for a serial, or None when it shows none.

    In the 1900 system Excel counts a 1900-02-29 that never existed (serial 60, kept as
    a number here), so serials from 61 on are one day ahead of a plain day count.
    Milliseconds are Excel's resolution: rounding to them hides float noise.
    """
    if date1904:
        if not 0 <= serial < _MAX_SERIAL_1904:
            return None
        base = _EPOCH_1904
    elif 0 <= serial < 60:
        base = _EPOCH_1900
    elif 61 <= serial < _MAX_SERIAL_1900:
        base = _EPOCH_1900_AFTER_LEAP
    else:
        return None
    return base + dt.timedelta(milliseconds=round(serial * 86_400_000))


# ---------------------------------------------------------------- small parsers

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """Decode the `_xHHHH_` escapes OOXML uses for control characters (and `_x005F_` for _)."""
    out = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    if any("\ud800" <= ch <= "\udfff" for ch in out):
        # a pair of escaped UTF-16 surrogates is one character; a lone one is unreadable
        out = out.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return out


_COLS: dict[str, int] = {}
for _i in range(1, 703):  # A..ZZ covers every column a form uses; longer ones are computed
    _COLS[col_letter(_i)] = _i
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LETTERS = _UPPER + _UPPER.lower()


def _split_ref(ref: str) -> tuple[int, int]:
    """(row, col) of "B8"; ValueError if it is not a cell reference."""
    digits = ref.lstrip(_LETTERS)
    letters = ref[: len(ref) - len(digits)]
    col = _COLS.get(letters)
    if col is None:
        if not letters or len(letters) > 3:
            raise ValueError(ref)
        col = 0
        for ch in letters.upper():
            col = col * 26 + ord(ch) - 64
    if not digits.isdigit():  # isdigit: int() would also take " 8" and "8_0"
        raise ValueError(ref)
    row = int(digits)
    if not 1 <= row <= EXCEL_MAX_ROW or col > EXCEL_MAX_COL:
        raise ValueError(ref)
    return row, col


# "B8" -> (8, 2) for references seen before; filled up to a limit so that a hostile
# sheet with millions of distinct references cannot grow it without end
_REF_CACHE: dict[str, tuple[int, int]] = {}
_REF_CACHE_LIMIT = 200_000


def _cell_position(ref: str) -> tuple[int, int]:
    rc = _split_ref(ref)
    if len(_REF_CACHE) < _REF_CACHE_LIMIT:
        _REF_CACHE[ref] = rc
    return rc


def _is_true(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true", "on")


def _local(name: str) -> str:
    """Local part of an expat namespaced name ("uri local" -> "local")."""
    return name.rpartition(" ")[2]


# ---------------------------------------------------------------- the zip container


class _Package:
    """Part access by OPC part name: case-insensitive, with or without a leading slash."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.names: dict[str, str] = {}
        for info in zf.infolist():
            key = info.filename.replace("\\", "/").lstrip("/").lower()
            self.names.setdefault(key, info.filename)

    def find(self, part: str) -> str | None:
        return self.names.get(part.lstrip("/").lower())

    def chunks(self, part: str) -> Iterator[bytes]:
        name = self.find(part)
        if name is None:
            raise WorkbookError("bad_workbook", part=part)
        try:
            with self.zf.open(name) as stream:
                while chunk := stream.read(CHUNK):
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise WorkbookError("bad_zip") from exc
        except (NotImplementedError, RuntimeError) as exc:  # unknown compression, encrypted
            raise WorkbookError("bad_zip") from exc


def _reject_doctype(*_args: Any) -> None:
    raise _Doctype


class _Doctype(Exception):
    pass


class _Stop(Exception):
    """Raised from a handler to stop reading a part early."""


def _parser() -> Any:
    # "uri local" names: prefixed (x:c) and default-namespace files read the same
    p = expat.ParserCreate(namespace_separator=" ")
    p.buffer_text = True
    p.StartDoctypeDeclHandler = _reject_doctype
    # no ExternalEntityRefHandler: external entities are never fetched
    return p


def _parse(
    p: Any, chunks: Iterable[bytes], part: str, on_chunk: Callable[[bytes], None] | None = None
) -> None:
    """Feed a part to a parser; handlers may raise _Stop to end early."""
    try:
        for chunk in chunks:
            if on_chunk is not None:
                on_chunk(chunk)
            p.Parse(chunk, False)
        p.Parse(b"", True)
    except expat.ExpatError as exc:
        detail = f"第 {exc.lineno} 行第 {exc.offset} 列，{expat.errors.messages[exc.code]}"
        raise WorkbookError("bad_xml", part=part, detail=detail) from exc
    except _Doctype as exc:
        raise WorkbookError("doctype", part=part) from exc
    except (ValueError, IndexError, KeyError, OverflowError) as exc:
        # a value the format does not allow (s="x", r="B", a string index out of range)
        raise WorkbookError("bad_xml", part=part, detail=f"{type(exc).__name__}: {exc}") from exc


def _guard(fn: Callable[[], None], part: str) -> None:
    """Run a handler-like step outside the parser with the same error translation."""
    try:
        fn()
    except (ValueError, IndexError, KeyError, OverflowError) as exc:
        raise WorkbookError("bad_xml", part=part, detail=f"{type(exc).__name__}: {exc}") from exc


def _simple(pkg: _Package, part: str, start: Callable[[str, dict[str, str]], None]) -> None:
    """Parse a small part with only a start-element handler (local names)."""
    p = _parser()
    p.StartElementHandler = lambda name, attrs: start(_local(name), attrs)
    _parse(p, pkg.chunks(part), part)


def _rels(pkg: _Package, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type's last segment, target part name) for `part`."""
    folder, base = posixpath.split(part)
    rels_part = posixpath.join(folder, "_rels", base + ".rels")
    found: dict[str, tuple[str, str]] = {}
    if pkg.find(rels_part) is None:
        return found

    def start(name: str, attrs: dict[str, str]) -> None:
        if name != "Relationship" or attrs.get("TargetMode") == "External":
            return
        target = attrs.get("Target", "").replace("\\", "/")
        if target.startswith("/"):
            path = target.lstrip("/")
        else:
            path = posixpath.normpath(posixpath.join(folder, target))
        kind = attrs.get("Type", "").rpartition("/")[2]
        found.setdefault(attrs.get("Id", ""), (kind, path))

    _simple(pkg, rels_part, start)
    return found


# ---------------------------------------------------------------- workbook, strings, styles


_STATES: dict[str, SheetState] = {"hidden": "hidden", "veryHidden": "veryHidden"}


class _Workbook:
    def __init__(self) -> None:
        # (name, state, relationship id)
        self.sheets: list[tuple[str, SheetState, str]] = []
        self.names: dict[str, NameTarget] = {}
        self.date1904 = False
        self.stale = False


def _read_workbook(pkg: _Package, part: str) -> _Workbook:
    wb = _Workbook()
    name_attrs: list[dict[str, str]] = []
    name_texts: list[str] = []
    p = _parser()

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "sheet":
            rid = next((v for k, v in attrs.items() if k.endswith(" id")), "")
            state = _STATES.get(attrs.get("state", ""), "visible")
            wb.sheets.append((attrs.get("name", ""), state, rid))
        elif local == "definedName":
            name_attrs.append(attrs)
            name_texts.append("")
            p.CharacterDataHandler = collect
        elif local == "workbookPr":
            wb.date1904 = _is_true(attrs.get("date1904"))
        elif local == "calcPr":
            wb.stale = _is_true(attrs.get("fullCalcOnLoad"))

    def collect(data: str) -> None:
        name_texts[-1] += data

    def end(name: str) -> None:
        if _local(name) == "definedName":
            p.CharacterDataHandler = None

    p.StartElementHandler = start
    p.EndElementHandler = end
    _parse(p, pkg.chunks(part), part)

    for attrs, text in zip(name_attrs, name_texts, strict=True):
        name = attrs.get("name", "")
        if not name or "localSheetId" in attrs or name.lower().startswith(("_xlnm.", "_xlfn.")):
            continue
        text = text.strip()
        target = _NAME_CACHE.get(text)
        if target is None:
            target = _name_target(text)
            if len(_NAME_CACHE) < _CACHE_LIMIT:
                _NAME_CACHE[text] = target
        wb.names.setdefault(name, target)
    return wb


# Returned forms share their template's names and merges: parse each definition once.
# Both results are immutable; the caches stop growing at a limit (hostile input).
_CACHE_LIMIT = 20_000
_NAME_CACHE: dict[str, NameTarget] = {}
_AREA_CACHE: dict[str, Area | None] = {}


_BAD_SHEET_CHARS = frozenset("[]:*?/\\")
# an unquoted sheet name in a reference: no spaces, operators or quotes
_PLAIN_SHEET = re.compile(r"^[^\s,()+\-&=<>\"'!*/^%;{}#]+$")
_WHOLE_COLS = re.compile(r"^\$?([A-Za-z]{1,3}):\$?([A-Za-z]{1,3})$")
_WHOLE_ROWS = re.compile(r"^\$?(\d{1,7}):\$?(\d{1,7})$")


def _name_target(text: str) -> NameTarget:
    """`'Sheet'!$B$8:$G$29` or `Sheet!$A$1` -> sheet and area; anything else -> (None, None)."""
    ref = text[1:] if text.startswith("=") else text
    if ref.startswith("'"):
        i = 1
        while True:
            j = ref.find("'", i)
            if j < 0:
                return NameTarget(None, None, text)
            if ref.startswith("'", j + 1):  # '' is a quote inside the name
                i = j + 2
                continue
            break
        sheet, rest = ref[1:j].replace("''", "'"), ref[j + 1 :]
        if not rest.startswith("!"):
            return NameTarget(None, None, text)
        rest = rest[1:]
    else:
        sheet, bang, rest = ref.partition("!")
        if not bang or not _PLAIN_SHEET.match(sheet):
            return NameTarget(None, None, text)
    if not sheet or not _BAD_SHEET_CHARS.isdisjoint(sheet):
        return NameTarget(None, None, text)  # external ([1]Sheet), 3-D (A:B) or unnamed
    area = _parse_name_area(rest)
    return NameTarget(sheet, area, text) if area else NameTarget(None, None, text)


def _parse_name_area(ref: str) -> Area | None:
    area = _area(ref.replace("$", ""))
    if area is not None:
        return area
    m = _WHOLE_COLS.match(ref)
    if m:
        first, last = _area(f"{m.group(1)}1:{m.group(2)}{EXCEL_MAX_ROW}") or (None, None)
        return None if first is None or last is None else Area(first, last)
    m = _WHOLE_ROWS.match(ref)
    if m:
        r1, r2 = sorted((int(m.group(1)), int(m.group(2))))
        if r1 >= 1 and r2 <= EXCEL_MAX_ROW:
            return Area(Cell(r1, 1), Cell(r2, EXCEL_MAX_COL))
    return None


def _area(ref: str) -> Area | None:
    """ "B8:G29" or "B8" (no dollars) -> Area with first <= last; None if not a range."""
    a, colon, b = ref.partition(":")
    try:
        r1, c1 = _REF_CACHE.get(a) or _cell_position(a)
        r2, c2 = (_REF_CACHE.get(b) or _cell_position(b)) if colon else (r1, c1)
    except ValueError:
        return None
    if r1 > r2:
        r1, r2 = r2, r1
    if c1 > c2:
        c1, c2 = c2, c1
    return Area(Cell(r1, c1), Cell(r2, c2))


def _read_shared_strings(pkg: _Package, part: str) -> list[str]:
    """Shared strings: the text of each <si>, rich-text runs joined, phonetic <rPh> skipped.

    Text elements have no children, so a <t>'s text ends at the next tag of any kind;
    in a part written without indentation that is the next start tag, and the end
    handler (one Python call per element) is only installed for indented parts.
    """
    strings: list[str] = []
    parts: list[str] = []
    buf: list[str] = []
    clear, join = buf.clear, "".join
    add_part, add_string = parts.append, strings.append
    tags_get = _SST_TAGS.get
    in_text = in_rph = started = False

    def finish_si() -> None:
        text = parts[0] if len(parts) == 1 else join(parts)
        add_string(_unescape(text) if "_x" in text else text)
        parts.clear()

    def start(name: str, _attrs: dict[str, str]) -> None:
        nonlocal in_text, in_rph, started
        if in_text:
            add_part(join(buf))
            in_text = False
        tag = tags_get(name)
        if tag == _T:
            if not in_rph:
                clear()
                in_text = True
        elif tag == _SI:
            if started:
                finish_si()
            started = True
            in_rph = False
        elif tag == _RPH:
            in_rph = True

    def end(_name: str) -> None:
        nonlocal in_text
        if in_text:
            add_part(join(buf))
            in_text = False

    p = _parser()
    p.StartElementHandler = start
    p.CharacterDataHandler = buf.append
    stream = pkg.chunks(part)
    first = next(stream, b"")
    if _indented(first):
        p.EndElementHandler = end
    _parse(p, _chain([first], stream), part)
    end("")
    if started:
        finish_si()
    return strings


def _indented(first: bytes) -> bool:
    """Whether a part has whitespace between its tags (an indenting writer), judging by its
    first chunk.  Then text must end at end tags; otherwise the next start tag is enough.
    A false alarm only costs speed (text such as "a > b" can trigger it)."""
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16: do not guess
    prolog = first.find(b"?>")
    root = first.find(b">", prolog + 2 if prolog >= 0 else 0)
    if root < 0:
        return True
    # an indenting writer indents everywhere: the first few KB after the root tag tell
    # (one regex pass: four `in` tests each stop at every ">", which is everywhere)
    return _TAG_THEN_SPACE.search(first, root + 1, root + 4097) is not None


_TAG_THEN_SPACE = re.compile(rb">[\n\r \t]")


# (format code, is a date) for a cell style index as written in s="..."
_Style = tuple[str | None, bool]


def _read_styles(pkg: _Package, part: str | None) -> dict[str | None, _Style]:
    """s attribute -> (number format code, is a date); key None is a cell without s."""
    custom: dict[int, str] = {}
    xf_ids: list[int] = []

    section = ""  # numFmt counts inside <numFmts> (not <dxfs>), xf inside <cellXfs>
    tags_get = _STYLE_TAGS.get

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal section
        tag = tags_get(name)
        if tag is None:
            return
        if tag == "xf":
            if section == "cellXfs":
                try:
                    xf_ids.append(int(attrs.get("numFmtId", "0")))
                except ValueError:
                    xf_ids.append(0)  # an unusable entry: its cells show General
        elif tag == "numFmt":
            if section == "numFmts":
                with contextlib.suppress(ValueError):
                    custom[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
        else:
            section = tag

    if part is not None:
        p = _parser()
        p.StartElementHandler = start
        _parse(p, pkg.chunks(part), part)
    styles: dict[str | None, _Style] = {}
    for index, fmt_id in enumerate(xf_ids):
        code: str | None
        if fmt_id in custom:
            code = custom[fmt_id]
            is_date = is_date_format(code)
        else:  # a built-in id: its meaning, not the code this locale shows, decides
            code = BUILTIN_FORMATS.get(fmt_id)
            is_date = fmt_id in _DATE_IDS
        styles[str(index)] = (code, is_date)
    styles[None] = styles.get("0", (None, False))
    return styles


def _tags(local: str) -> frozenset[str]:
    """The names expat reports for a SpreadsheetML element (transitional, strict, none)."""
    return frozenset(
        (
            f"http://schemas.openxmlformats.org/spreadsheetml/2006/main {local}",
            f"http://purl.oclc.org/ooxml/spreadsheetml/main {local}",
            local,
        )
    )


def _tag_codes(**codes: int) -> dict[str, int]:
    return {name: code for local, code in codes.items() for name in _tags(local)}


# ---------------------------------------------------------------- worksheets

_C, _V, _ROW, _F, _IS, _T, _RPH, _MERGE, _SI = range(1, 10)
_SHEET_TAGS = _tag_codes(c=_C, v=_V, row=_ROW, f=_F, t=_T, rPh=_RPH, mergeCell=_MERGE)
_SHEET_TAGS.update(_tag_codes(**{"is": _IS}))
_SST_TAGS = _tag_codes(si=_SI, t=_T, rPh=_RPH)
_STYLE_TAGS = {
    name: local
    for local in ("xf", "numFmt", "numFmts", "cellXfs", "cellStyleXfs", "cellStyles", "dxfs")
    for name in _tags(local)
}
_MERGE_START = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?mergeCells[\s>/]")
_NO_STYLE: _Style = (None, False)


def _number(text: str) -> int | float | str:
    text = text.strip()
    if text.isdecimal() or (text[:1] == "-" and text[1:].isdecimal()):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text  # not a number after all: keep what is stored rather than fail


def _iso_datetime(text: str) -> CellValue:
    text = text.strip()
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            t = dt.time.fromisoformat(text)
        except ValueError:
            return text
        return dt.datetime.combine(_EPOCH_1900.date(), t)
    return value.replace(tzinfo=None)


class _SheetReader:
    """Streams one worksheet part into a SheetData."""

    def __init__(
        self,
        sheet: SheetData,
        bounds: Bounds,
        strings: list[str],
        styles: dict[str | None, _Style],
        date1904: bool,
        stale: bool,
    ) -> None:
        self.sheet = sheet
        self.bounds = bounds
        self.strings = strings
        self.styles = styles
        self.date1904 = date1904
        self.stale = stale
        self.merge_refs: list[str] = []

    def read(self, pkg: _Package, part: str) -> None:
        # Hot path: one start call per element (and one end call in indented parts).
        # Everything is bound to locals, cell positions come from a cache of
        # "B8" -> (8, 2), and text goes straight into `buf` through list.append (a C
        # callable: no Python frame).  <v>, <f> and <t> have no children, so their text
        # ends at the next tag; a cell is finished when the next <c> or <row> starts,
        # or when the part ends.
        sheet, bounds = self.sheet, self.bounds
        max_row, max_col = bounds.max_row, bounds.max_col
        cells = sheet.cells
        strings, styles_get = self.strings, self.styles.get
        date1904, stale = self.date1904, self.stale
        merge_refs = self.merge_refs
        tags_get = _SHEET_TAGS.get
        ref_get = _REF_CACHE.get
        buf: list[str] = []
        clear = buf.clear
        join = "".join

        row = col = c_row = c_col = 0
        pending = False  # a cell has started and is not stored yet
        text_of = 0  # which element's text `buf` is collecting: _V, _F, _T or 0
        in_is = in_rph = False
        c_type: str | None = None
        c_style: str | None = None
        v_text: str | None = None
        f_text: str | None = None
        is_parts: list[str] | None = None

        def close_text() -> None:
            nonlocal text_of, v_text, f_text
            if text_of == _V:
                v_text = join(buf)
            elif text_of == _F:
                f_text = join(buf)
            elif is_parts is not None:
                is_parts.append(join(buf))
            text_of = 0

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal row, col, pending, text_of, in_is, in_rph, c_row, c_col, c_type
            nonlocal c_style, v_text, f_text, is_parts
            if text_of:
                if text_of == _V:  # the common case, inline
                    v_text = join(buf)
                    text_of = 0
                else:
                    close_text()
            tag = tags_get(name)
            if tag is None:
                return
            if tag == _C:
                if pending:
                    finish()
                ref = attrs.get("r")
                if ref is None:  # allowed: the cell follows the previous one
                    c_row = row
                    c_col = col + 1
                else:
                    rc = ref_get(ref)
                    if rc is None:
                        rc = _cell_position(ref)
                    c_row, c_col = rc
                    row = c_row
                col = c_col
                c_type = attrs.get("t")
                c_style = attrs.get("s")
                v_text = f_text = is_parts = None
                in_is = in_rph = False
                pending = True
            elif tag == _V:
                clear()
                text_of = _V
            elif tag == _ROW:
                if pending:
                    finish()
                clear()  # text between cells is never used: do not let it pile up
                r = attrs.get("r")
                row = row + 1 if r is None else int(r)
                if row < 1:
                    raise ValueError(f"row {r}")
                col = 0
            elif not pending:
                if tag == _MERGE:
                    ref = attrs.get("ref")
                    if ref:
                        merge_refs.append(ref)
            elif tag == _F:
                clear()
                text_of = _F
            elif tag == _IS:
                in_is = True
                is_parts = []
            elif tag == _T:
                if in_is and not in_rph:
                    clear()
                    text_of = _T
            elif tag == _RPH:
                in_rph = True
            elif tag == _MERGE:  # after the last cell
                finish()
                ref = attrs.get("ref")
                if ref:
                    merge_refs.append(ref)

        def end(_name: str) -> None:
            if text_of:
                close_text()

        def finish() -> None:
            """Store the pending cell: its value, or nothing if it is empty."""
            nonlocal pending
            pending = False
            value: CellValue = None
            error: str | None = None
            t = c_type
            if v_text:
                if t == "s":
                    index = int(v_text)
                    if index < 0:
                        raise IndexError(f"shared string {index}")
                    value = strings[index] or None
                elif t is None or t == "n":
                    value = int(v_text) if v_text.isdecimal() else _number(v_text)
                elif t == "str":
                    value = _unescape(v_text) if "_x" in v_text else v_text
                elif t == "b":
                    value = v_text.strip() in ("1", "true")
                elif t == "e":
                    error = v_text.strip()
                elif t == "d":
                    value = _iso_datetime(v_text)
                else:  # inlineStr (the <is> text wins below), or a type we do not know
                    value = v_text
            if is_parts is not None:
                text = join(is_parts)
                if text or t == "inlineStr":
                    value = (_unescape(text) if "_x" in text else text) or None
            if value is None and error is None and f_text is None:
                return  # empty (perhaps styled) cell
            if c_row > max_row or c_col > max_col:
                sheet.dropped += 1
                if sheet.dropped_example is None:
                    sheet.dropped_example = f"{col_letter(min(c_col, EXCEL_MAX_COL))}{c_row}"
                if c_row > max_row:
                    raise _Stop  # rows come in order: nothing further down is wanted
                return
            code, is_date = styles_get(c_style, _NO_STYLE)
            if is_date and isinstance(value, int | float) and not isinstance(value, bool):
                when = serial_to_datetime(value, date1904)
                if when is not None:
                    value = when
            if f_text is None:
                cells[(c_row, c_col)] = RawCell(value, code, None, True, error)
            elif stale or (value is None and error is None):
                cells[(c_row, c_col)] = RawCell(None, code, f_text, False, None)
            else:
                cells[(c_row, c_col)] = RawCell(value, code, f_text, True, error)

        p = _parser()
        p.StartElementHandler = start
        p.CharacterDataHandler = buf.append
        stream = pkg.chunks(part)
        first = next(stream, b"")
        if _indented(first):
            p.EndElementHandler = end
        current = [first]  # the chunk being parsed, to look for <mergeCells> after a stop

        def on_chunk(chunk: bytes) -> None:
            current[0] = chunk

        try:
            _parse(p, _chain([first], stream), part, on_chunk=on_chunk)
            if text_of:
                close_text()
            if pending:
                _guard(finish, part)
        except _Stop:
            self._merges_after_stop(pkg, part, first, current[0], stream)
        self._keep_merges()

    def _merges_after_stop(
        self, pkg: _Package, part: str, first: bytes, current: bytes, rest: Iterator[bytes]
    ) -> None:
        """Read only <mergeCells>, which follows <sheetData>, without parsing the rows left.

        Find its start tag in the raw bytes, then parse the worksheet's root start tag (for
        the namespace declarations) followed by everything from <mergeCells> on: a small
        well-formed document.  A UTF-16 part or an odd root tag is read again in full.
        """
        header = _root_start_tag(first)
        if header is None:
            self._parse_merges(pkg.chunks(part), part)
            return
        tail = _from_merge_cells(current, rest)
        if tail is not None:
            self._parse_merges(_chain([header], tail), part)

    def _parse_merges(self, chunks: Iterable[bytes], part: str) -> None:
        p = _parser()
        merge_tags = _tags("mergeCell")
        refs = self.merge_refs

        def start(name: str, attrs: dict[str, str]) -> None:
            if name in merge_tags:
                ref = attrs.get("ref")
                if ref:
                    refs.append(ref)

        p.StartElementHandler = start
        _parse(p, chunks, part)

    def _keep_merges(self) -> None:
        """Merges starting inside the bounds, clipped to them; the others are counted."""
        sheet, bounds = self.sheet, self.bounds
        max_row, max_col = bounds.max_row, bounds.max_col
        for ref in dict.fromkeys(self.merge_refs):  # a part read twice lists them twice
            area = _area(ref)
            if area is None:
                continue  # a merge is only presentation: an unreadable one is dropped
            first, last = area
            if first.row > max_row or first.col > max_col:
                sheet.dropped += 1
                if sheet.dropped_example is None:
                    sheet.dropped_example = first.a1
                continue
            if last.row > max_row or last.col > max_col:
                area = Area(first, Cell(min(last.row, max_row), min(last.col, max_col)))
            sheet.merges.append(area)


def _chain(*parts: Iterable[bytes]) -> Iterator[bytes]:
    for part in parts:
        yield from part


def _root_start_tag(first: bytes) -> bytes | None:
    """The bytes up to the end of the root element's start tag, if within `first` and UTF-8."""
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    found: list[int] = []
    p = expat.ParserCreate(namespace_separator=" ")
    p.StartDoctypeDeclHandler = _reject_doctype

    def start(_name: str, _attrs: dict[str, str]) -> None:
        found.append(p.CurrentByteIndex)
        raise _Stop

    p.StartElementHandler = start
    with contextlib.suppress(_Stop, expat.ExpatError, _Doctype):
        p.Parse(first, False)
    if not found:
        return None
    # the root's start tag ends at its first '>' outside a quoted attribute value
    i, quote = found[0], 0
    while i < len(first):
        ch = first[i]
        if quote:
            if ch == quote:
                quote = 0
        elif ch in b"\"'":
            quote = ch
        elif ch == 0x3E:  # '>'
            return None if first[i - 1] == 0x2F else first[: i + 1]  # '/>': an empty root
        i += 1
    return None


def _from_merge_cells(current: bytes, rest: Iterator[bytes]) -> Iterator[bytes] | None:
    """Bytes from the `<mergeCells` start tag to the end of the part, or None if absent.

    bytes.find does the scanning; the regex only confirms a hit is a start tag.
    """
    window = current
    while True:
        i = window.find(b"mergeCells")
        while i >= 0:
            lt = window.rfind(b"<", max(0, i - 64), i)
            if lt >= 0 and _MERGE_START.match(window, lt):
                return _chain([window[lt:]], rest)
            i = window.find(b"mergeCells", i + 1)
        nxt = next(rest, None)
        if nxt is None:
            return None
        # keep a little overlap so a tag split across chunks is still found
        window = window[-128:] + nxt


# ---------------------------------------------------------------- entry point


def load_xlsx(
    path: str | Path,
    bounds: Bounds = Bounds(),  # noqa: B008
    content: bytes | None = None,
) -> Book:
    """Read an .xlsx/.xlsm into a Book; WorkbookError if the file is not a usable workbook.

    `content`: the file's bytes, already read (and checked by the gate); `path` then only
    names the file."""
    try:
        zf = zipfile.ZipFile(path if content is None else io.BytesIO(content))
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as exc:
        raise WorkbookError("bad_zip") from exc
    except OSError as exc:
        raise WorkbookError("bad_zip") from exc
    with zf:
        return _load(_Package(zf), bounds, Path(path))


def strings_and_styles(
    pkg: Any, wb_part: str, rels: Mapping[str, tuple[str, str]]
) -> tuple[str | None, str | None]:
    """The shared-strings and styles parts: by the workbook's relationships, else by the
    usual names beside the workbook part (some producers omit the relationship)."""

    def find(kind: str, usual: str) -> str | None:
        for k, target in rels.values():
            if k == kind and pkg.find(target) is not None:
                return target
        fallback = posixpath.join(posixpath.dirname(wb_part), usual)
        return fallback if pkg.find(fallback) else None

    return find("sharedStrings", "sharedStrings.xml"), find("styles", "styles.xml")


def _load(pkg: _Package, bounds: Bounds, path: Path) -> Book:
    root = _rels(pkg, "")
    wb_part = next((t for kind, t in root.values() if kind == "officeDocument"), None)
    if wb_part is None or pkg.find(wb_part) is None:
        wb_part = "xl/workbook.xml"
    if pkg.find(wb_part) is None:
        raise WorkbookError("bad_workbook", part="xl/workbook.xml")
    wb = _read_workbook(pkg, wb_part)
    rels = _rels(pkg, wb_part)

    strings_part, styles_part = strings_and_styles(pkg, wb_part, rels)
    strings = _read_shared_strings(pkg, strings_part) if strings_part else []
    styles = _read_styles(pkg, styles_part)

    book = Book(
        format=_format(pkg, path),
        names=wb.names,
        date1904=wb.date1904,
        stale_formulas=wb.stale,
    )
    for name, state, rid in wb.sheets:
        sheet = SheetData(name=name, state=state)
        book.sheets.append(sheet)
        kind, target = rels.get(rid, ("", ""))
        if kind in ("chartsheet", "dialogsheet", "xlMacrosheet", "xlIntlMacrosheet"):
            continue  # no cells a form could use
        if not kind or pkg.find(target) is None:
            raise WorkbookError("missing_sheet", sheet=name, part=target or rid or "?")
        reader = _SheetReader(sheet, bounds, strings, styles, wb.date1904, wb.stale)
        reader.read(pkg, target)
    return book


def _format(pkg: _Package, path: Path) -> Literal["xlsx", "xlsm"]:
    """xlsm when the package declares a macro-enabled workbook (the file name may be wrong).

    A byte search is enough: the content type names are fixed ASCII strings.
    """
    name = pkg.find("[Content_Types].xml")
    if name is None:
        return "xlsm" if path.suffix.lower() == ".xlsm" else "xlsx"
    data = b"".join(pkg.chunks(name))
    return "xlsm" if b"macroEnabled.main+xml" in data else "xlsx"  # workbook or template
