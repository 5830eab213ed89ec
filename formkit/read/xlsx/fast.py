"""The fast path: a faster .xlsx/.xlsm reader for the files forms come back as; `load_xlsx`
(workbook.py, the streaming reader) for the rest.

    book = load_xlsx_fast("申报书.xlsx")   # the same Book load_xlsx gives, or its WorkbookError

`load_xlsx` (workbook.py, sheet.py) streams every worksheet through expat with a Python call per
element.  Workbooks written by Excel, WPS, LibreOffice, openpyxl and formkit itself store
their cells in one regular shape (`<row r><c r s t><f>..</f><v>..</v></c>..`), so this
reader takes each worksheet part whole, checks its <sheetData> body against that shape
with one compiled regular expression (a C-speed `fullmatch`), and then picks out only the
non-empty cells (one `findall`), turning each into a `RawCell` by sheet.py's rules.  The workbook,
relationship, shared-string and styles parts are read with the streaming reader's own
functions.

What returned forms share with their template is worked out once and cached by content:
the workbook, styles and relationship parts, each worksheet's frame (the part without its
<sheetData> body: the checks `prolog` makes), its merges, and the `RawCell` of each value
cell by (style, type, stored text) -- `RawCell` is immutable, so equal cells share one.
Parts come already inflated and CRC-checked from the gate (`_ReadyPackage`), else are
inflated from the file's bytes in one zlib call each (`_MemoryPackage`).

It only answers when it can give exactly what `load_xlsx` gives.  Anything outside the
shape it knows (shape.py) hands the whole file over to `load_xlsx` (the `Delegate` exception):

* a worksheet that is not UTF-8, has a DOCTYPE, comment or CDATA (`<!`), a default
  namespace other than SpreadsheetML's, namespace-prefixed SpreadsheetML elements, or
  cell elements outside <sheetData>;
* any token in <sheetData> the expression does not match exactly: inline strings
  (`<is>`) other than xlsxwriter's plain `<is><t>..</t></is>` (formkit's summaries),
  attributes with entities or odd whitespace, unknown child elements, text
  between tags in a part the streaming reader reads as unindented, an entity it does not know, a
  control character, a carriage return in text (expat would normalise it);
* a non-empty cell below `Bounds.max_row` (sheet.py's stop-and-skip logic), a cell
  reference or index it cannot resolve, a worksheet part larger than `MAX_PART`;
* any `WorkbookError` raised on the way (load_xlsx raises it again, with its own wording).

Why not python-calamine: `RawCell` needs, for every cell, its number format (from `s`),
whether the stored number was an integer (`5` vs `5.0`), its formula text and error
code; calamine gives none of these, so a per-cell scan of the XML is needed anyway, and
with it calamine's values add time (~0.6 ms for a 7-sheet form) and the risk of it
aborting the process on hostile extents, and no information.
"""

from __future__ import annotations

import functools
import io
import os
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from formkit.cells import EXCEL_MAX_COL, Area, col_letter
from formkit.read.book import Book, Bounds, CellValue, RawCell, SheetData, WorkbookError

# the streaming reader's own steps: this path must read every part exactly as load_xlsx
# does, so it shares them rather than copying them
from formkit.read.xlsx.package import (
    CHUNK,
    Package,
    is_indented,
    new_parser,
    relationships,
)
from formkit.read.xlsx.shape import (
    F_ATTRS,
    MERGE_COUNT,
    MERGE_TAG,
    ODD_REF,
    POSITIONS,
    SHEET_ELEMENT,
    WORKSHEET_ROOT,
    Delegate,
    element_text,
    general_cells,
    parse_attrs,
    prolog,
    ref_position,
    strict_body,
    valid_body,
)
from formkit.read.xlsx.sheet import SheetReader, iso_datetime, number
from formkit.read.xlsx.strings import read_shared_strings, unescape
from formkit.read.xlsx.styles import Style, read_styles, serial_to_datetime
from formkit.read.xlsx.workbook import (
    WorkbookPart,
    load_xlsx,
    new_book,
    read_workbook,
    strings_and_styles,
    worksheets,
)

__all__ = ["MAX_PART", "load_xlsx_fast"]

# a worksheet part this large (uncompressed) is streamed by load_xlsx instead
MAX_PART = 8 * 1024 * 1024
# a file this large is read by load_xlsx (this reader holds the whole file in memory)
MAX_FILE = 32 * 1024 * 1024


def load_xlsx_fast(
    path: str | Path,
    bounds: Bounds = Bounds(),  # noqa: B008
    content: bytes | None = None,
    parts: dict[str, bytes] | None = None,
) -> Book:
    """Read an .xlsx/.xlsm into a Book, equal to `load_xlsx(path, bounds)`'s.

    `content`: the file's bytes, already read; `parts`: its parts already inflated and
    CRC-checked, by zip entry name (the gate's); `path` then only names the file."""
    if parts is not None:
        try:
            return _load(_ReadyPackage(parts), bounds, Path(path))
        except (Delegate, WorkbookError):
            return load_xlsx(path, bounds, content)
    try:
        if content is None:
            with open(path, "rb") as fh:
                # sized to the file: a fixed MAX_FILE read would allocate that much
                raw = fh.read(min(os.fstat(fh.fileno()).st_size, MAX_FILE) + 1)
        else:
            raw = content
        if len(raw) > MAX_FILE:
            return load_xlsx(path, bounds, content)
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except (OSError, zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError):
        return load_xlsx(path, bounds, content)
    try:
        with zf:
            return _load(_MemoryPackage(zf, raw), bounds, Path(path))
    except (Delegate, WorkbookError):
        return load_xlsx(path, bounds, content)


class _MemoryPackage(Package):
    """package.py's Package over the file's bytes in memory, each part inflated in one zlib
    call: zipfile's stream reader (several Python calls per read) costs more than the
    inflating for parts of a few KB.  A part it is unsure of is read by zipfile as before
    (and its errors are package.py's)."""

    def __init__(self, zf: zipfile.ZipFile, raw: bytes) -> None:
        super().__init__(zf)
        self.raw = raw

    def size(self, name: str) -> int:
        return self.zf.getinfo(name).file_size

    def chunks(self, part: str) -> Iterator[bytes]:
        name = self.find(part)
        data = None if name is None else self._inflate(self.zf.getinfo(name))
        if data is None:
            yield from super().chunks(part)
            return
        for i in range(0, len(data), CHUNK):  # the same chunks as zipfile's reads
            yield data[i : i + CHUNK]

    def _inflate(self, info: zipfile.ZipInfo) -> bytes | None:
        if info.flag_bits & 0x1 or info.compress_type not in (0, 8) or info.file_size > MAX_PART:
            return None  # encrypted, another method, or large: zipfile streams it
        raw, at = self.raw, info.header_offset
        if raw[at : at + 4] != b"PK\x03\x04" or len(raw) < at + 30:
            return None
        name_len, extra_len = struct.unpack_from("<HH", raw, at + 26)
        name = raw[at + 30 : at + 30 + name_len].decode(
            "utf-8" if info.flag_bits & 0x800 else "cp437", "replace"
        )
        if name != info.orig_filename:
            return None
        start = at + 30 + name_len + extra_len
        packed = raw[start : start + info.compress_size]
        if len(packed) != info.compress_size:
            return None
        if info.compress_type == 8:
            inflater = zlib.decompressobj(-15)
            try:
                data = inflater.decompress(packed, info.file_size + 1)
            except zlib.error:
                return None
        else:
            data = packed
        if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
            return None
        return data


class _ReadyPackage(_MemoryPackage):
    """Every part of the package already inflated and CRC-checked (the gate's, by zip entry
    name, in directory order): no zip directory to parse, nothing to inflate."""

    def __init__(self, parts: dict[str, bytes]) -> None:
        self.parts = parts
        self.names = {}
        for name in parts:  # as Package names the entries
            self.names.setdefault(name.replace("\\", "/").lstrip("/").lower(), name)

    def size(self, name: str) -> int:
        return len(self.parts[name])

    def chunks(self, part: str) -> Iterator[bytes]:
        name = self.find(part)
        if name is None:
            yield from Package.chunks(self, part)  # package.py's error for a missing part
            return
        data = self.parts[name]
        for i in range(0, len(data), CHUNK):
            yield data[i : i + CHUNK]


# ---------------------------------------------------------------- shared parts, cached

_PART_CACHE_LIMIT = 64
_WORKBOOK_CACHE: dict[bytes, WorkbookPart] = {}
_STYLES_CACHE: dict[bytes, dict[str | None, Style]] = {}


class _OnePart:
    """A stand-in for `Package` holding one part's bytes, for the part readers."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name = name
        self.data = data

    def find(self, part: str) -> str | None:
        return self.name if part.lstrip("/").lower() == self.name.lower() else None

    def chunks(self, _part: str) -> Iterator[bytes]:
        for i in range(0, len(self.data), CHUNK):
            yield self.data[i : i + CHUNK]


def _part_bytes(pkg: _MemoryPackage, part: str) -> bytes:
    name = pkg.find(part)
    if name is None:
        raise Delegate
    if pkg.size(name) > MAX_PART:
        raise Delegate
    return b"".join(pkg.chunks(part))


_RELS_CACHE: dict[tuple[str, bytes], dict[str, tuple[str, str]]] = {}


def _cached_rels(pkg: _MemoryPackage, part: str) -> dict[str, tuple[str, str]]:
    """package.py's `relationships`, cached by the relationship part's content (never modified)."""
    folder, base = posixpath.split(part)
    rels_part = posixpath.join(folder, "_rels", base + ".rels")
    if pkg.find(rels_part) is None:
        return {}
    data = _part_bytes(pkg, rels_part)
    rels = _RELS_CACHE.get((part, data))
    if rels is None:
        rels = relationships(_OnePart(rels_part, data), part)  # type: ignore[arg-type]
        if len(_RELS_CACHE) >= _PART_CACHE_LIMIT:
            _RELS_CACHE.clear()
        _RELS_CACHE[(part, data)] = rels
    return rels


def _workbook(pkg: _MemoryPackage, part: str) -> WorkbookPart:
    data = _part_bytes(pkg, part)
    wb = _WORKBOOK_CACHE.get(data)
    if wb is None:
        wb = read_workbook(_OnePart(part, data), part)  # type: ignore[arg-type]
        if len(_WORKBOOK_CACHE) >= _PART_CACHE_LIMIT:
            _WORKBOOK_CACHE.clear()
        _WORKBOOK_CACHE[data] = wb
    # the Book gets its own names dict; the targets are immutable
    copy = WorkbookPart()
    copy.sheets = list(wb.sheets)
    copy.names = dict(wb.names)
    copy.date1904, copy.stale = wb.date1904, wb.stale
    return copy


def _styles(pkg: _MemoryPackage, part: str | None) -> tuple[dict[str | None, Style], bytes | None]:
    """styles.py's styles, cached by content; and the content (None: no styles part)."""
    if part is None:
        return read_styles(pkg, None), None
    data = _part_bytes(pkg, part)
    styles = _STYLES_CACHE.get(data)
    if styles is None:
        styles = read_styles(_OnePart(part, data), part)  # type: ignore[arg-type]
        if len(_STYLES_CACHE) >= _PART_CACHE_LIMIT:
            _STYLES_CACHE.clear()
        _STYLES_CACHE[data] = styles
    return styles, data  # never modified by its readers


# ---------------------------------------------------------------- the package


def _load(pkg: _MemoryPackage, bounds: Bounds, path: Path) -> Book:
    """workbook.py's load, with worksheets read by `_read_sheet`."""
    root = _cached_rels(pkg, "")
    wb_part = next((t for kind, t in root.values() if kind == "officeDocument"), None)
    if wb_part is None or pkg.find(wb_part) is None:
        wb_part = "xl/workbook.xml"
    if pkg.find(wb_part) is None:
        raise Delegate
    wb = _workbook(pkg, wb_part)
    rels = _cached_rels(pkg, wb_part)

    strings_part, styles_part = strings_and_styles(pkg, wb_part, rels)
    strings = _shared_strings(pkg, strings_part) if strings_part else []
    styles, styles_data = _styles(pkg, styles_part)
    memo = _MEMOS.get((styles_data, wb.date1904))
    if memo is None:
        if len(_MEMOS) >= _MEMOS_LIMIT:
            _MEMOS.clear()
        memo = _MEMOS[(styles_data, wb.date1904)] = {}

    book = new_book(pkg, path, wb)
    for sheet, target, _ in worksheets(pkg, wb, rels, book):
        if target is None:
            raise Delegate  # load_xlsx reports the missing sheet
        data = _part_bytes(pkg, target)
        _read_sheet(data, sheet, bounds, strings, styles, wb.date1904, wb.stale, memo)
    return book


_SST_ROOT = re.compile(rb"(?:<\?xml[^>]*\?>)?[ \t\r\n]*<sst([ \t\r\n][^>]*)?>")
_SST_ITEM = rb'<si><t(?: xml:space="preserve")?>([^<]*)</t></si>'
_SST_BODY = re.compile(rb"(?:" + _SST_ITEM.replace(b"([^<]*)", b"[^<]*") + rb")*")
_SST_OPEN, _SST_PRESERVE, _SST_CLOSE = "<si><t>", '<si><t xml:space="preserve">', "</t></si>"
_SST_SPLIT = _SST_CLOSE + _SST_OPEN


_SST_FRAMES: set[bytes] = set()


def _shared_strings(pkg: _MemoryPackage, part: str) -> list[str]:
    """strings.py's shared strings; plain ones (one <t> per <si>, no runs) read by regex."""
    data = _part_bytes(pkg, part)
    try:
        data, root_end = prolog(data, _SST_ROOT)
        end = data.rfind(b"</sst>")
        if end < root_end or data[end + 6 :].strip(b" \t\r\n"):
            raise Delegate
        if not _SST_BODY.fullmatch(data, root_end, end) or data.find(b"]]>", root_end, end) >= 0:
            raise Delegate
        # a body of plain items checked by the match above is well-formed (prolog refused
        # control characters, element_text checks entities); what is left, the frame around it, is
        # the same in every file from one template: parsed by expat once
        frame = data[:root_end] + data[end:]
        if frame not in _SST_FRAMES:
            _well_formed(frame)
            if len(_SST_FRAMES) >= _PART_CACHE_LIMIT:
                _SST_FRAMES.clear()
            _SST_FRAMES.add(frame)
        body = data[root_end:end].decode("utf-8")  # checked by prolog
        # the body is plain items back to back and text holds no "<": split at the item
        # boundaries (several times faster than a findall over the items)
        if 'xml:space="preserve"' in body:
            body = body.replace(_SST_PRESERVE, _SST_OPEN)
        strings = body[len(_SST_OPEN) : -len(_SST_CLOSE)].split(_SST_SPLIT) if body else []
        if "&" in body or "\r" in body or "_x" in body:
            for i, raw in enumerate(strings):
                text = element_text(raw.encode("utf-8"))
                strings[i] = unescape(text) if "_x" in text else text
        return strings
    except Delegate:
        return read_shared_strings(_OnePart(part, data), part)  # type: ignore[arg-type]


_FRAMES: dict[bytes, frozenset[bytes] | None] = {}


def _locate(data: bytes, root_end: int) -> tuple[int, int, int, int]:
    """Where <sheetData> starts, its body starts and ends, and what follows it starts."""
    start = data.find(b"<sheetData", root_end)
    if start < 0 or data.find(b"<sheetData", start + 10) >= 0:
        raise Delegate
    if data.startswith(b"<sheetData/>", start):
        body_start = body_end = tail_start = start + len(b"<sheetData/>")
    elif data.startswith(b"<sheetData>", start):
        body_start = start + len(b"<sheetData>")
        body_end = data.find(b"</sheetData>", body_start)
        if body_end < 0:
            raise Delegate
        tail_start = body_end + len(b"</sheetData>")
    else:
        raise Delegate
    return start, body_start, body_end, tail_start


def _check_frame(head: bytes, tail: bytes) -> None:
    """No element sheet.py's reader acts on before or after <sheetData>."""
    if SHEET_ELEMENT.search(head) or SHEET_ELEMENT.search(tail) or b"<mergeCell" in head:
        raise Delegate


def _frame_ok(frame: bytes) -> frozenset[bytes] | None:
    """The namespace prefixes the root declares, if a part with an empty <sheetData> body
    passes every check (expat included); None if not."""
    try:
        _well_formed(frame)
        frame, root_end = prolog(frame, WORKSHEET_ROOT)
        start, _, _, tail_start = _locate(frame, root_end)
        _check_frame(frame[root_end:start], frame[tail_start:])
    except Delegate:
        return None
    return frozenset([b"xml", *_DECLARED_PREFIX.findall(frame, 0, root_end)])


def _well_formed(data: bytes) -> None:
    """`Delegate` unless expat (as package.py sets it up) reads the part without an error."""
    try:
        new_parser().Parse(data, True)
    except Exception:  # ExpatError, a DOCTYPE: load_xlsx reports it
        raise Delegate from None


_DECLARED_PREFIX = re.compile(rb"[ \t\r\n]xmlns:([A-Za-z_][\w.\-]*)[ \t\r\n]*=")
# starts with a literal, so the search skips ahead at C speed (spans="1:7" fails at once)
_PREFIXED_NAME = re.compile(rb':[A-Za-z_][\w.\-]*="')


def _attr_prefixes(data: bytes, start: int, end: int) -> set[bytes]:
    """Every namespace prefix an attribute in data[start:end] may carry: for each
    ':name="', what lies between the space before it and the colon.  Text that only looks
    like one adds a prefix nobody declared, which costs speed (the careful path), never
    correctness."""
    found = set()
    for m in _PREFIXED_NAME.finditer(data, start, end):
        colon = m.start()
        space = data.rfind(b" ", max(start, colon - 64), colon)
        found.add(data[space + 1 : colon] if space >= 0 else b"")
    return found


def _read_sheet(
    data: bytes,
    sheet: SheetData,
    bounds: Bounds,
    strings: list[str],
    styles: dict[str | None, Style],
    date1904: bool,
    stale: bool,
    memo: dict[tuple[Any, ...], Any] | None = None,
) -> None:
    """Read one worksheet part's cells and merges into `sheet`; `Delegate` if in doubt.

    `memo` caches value cells' RawCells: the caller keeps one per (styles, date system)."""
    if memo is None:
        memo = {}
    # The fast way: the frame (the part without the <sheetData> body: the same in every
    # form returned from one template) checked once and cached, the body matched strictly.
    strict = False
    found: list[tuple[Any, ...]] | None = None
    if not data.startswith(b"\xef\xbb\xbf"):
        try:
            _, body_start, body_end, tail_start = _locate(data, 0)
        except Delegate:
            pass
        else:
            frame = data[:body_start] + data[body_end:]
            if frame in _FRAMES:
                prefixes = _FRAMES[frame]
            else:
                prefixes = _frame_ok(frame)
                if len(_FRAMES) >= _PART_CACHE_LIMIT:
                    _FRAMES.clear()
                _FRAMES[frame] = prefixes
            if prefixes is not None:
                indented = is_indented(data[:CHUNK])
                try:
                    data[body_start:body_end].decode("utf-8")
                except UnicodeDecodeError:
                    raise Delegate from None
                found = _strict_fields(data, body_start, body_end, indented)
                strict = (
                    found is not None
                    # "]]>" is not allowed in XML text (expat refuses it)
                    and data.find(b"]]>", body_start, body_end) < 0
                    # prefixed attributes (x14ac:dyDescent) need their prefix declared
                    and prefixes.issuperset(_attr_prefixes(data, body_start, body_end))
                )
    if not strict:
        _well_formed(data)
        data, root_end = prolog(data, WORKSHEET_ROOT)
        start, body_start, body_end, tail_start = _locate(data, root_end)
        _check_frame(data[root_end:start], data[tail_start:])
        indented = is_indented(data[:CHUNK])
    tail = data[tail_start:]
    if not indented and tail[:1] not in (b"", b"<"):
        raise Delegate  # expat would add this text to the last cell's <v> or <f> text

    cells = sheet.cells
    max_row, max_col = bounds.max_row, bounds.max_col
    styles_get = styles.get
    no_style: Style = (None, False)

    def make(
        style: bytes | None,
        t: bytes | None,
        f_attrs: bytes | None,
        f_raw: bytes | None,
        v_raw: bytes | None,
    ) -> RawCell | None:
        """A cell's RawCell (None: empty), by sheet.py's SheetReader rules."""
        f_text = None if f_attrs is None else ("" if f_raw is None else element_text(f_raw))
        value: CellValue = None
        error: str | None = None
        if v_raw:
            if t == b"s":
                try:
                    index = int(v_raw)
                    if index < 0 or b"\r" in v_raw:
                        raise Delegate
                    value = strings[index] or None
                except (ValueError, IndexError):
                    raise Delegate from None
            elif t is None or t == b"n":
                v_text = element_text(v_raw)
                value = int(v_text) if v_text.isdecimal() else number(v_text)
            else:
                v_text = element_text(v_raw)
                if t == b"str":
                    value = unescape(v_text) if "_x" in v_text else v_text
                elif t == b"b":
                    value = v_text.strip() in ("1", "true")
                elif t == b"e":
                    error = v_text.strip()
                elif t == b"d":
                    value = iso_datetime(v_text)
                else:
                    value = v_text
        if value is None and error is None and f_text is None:
            return None
        code, is_date = styles_get(None if style is None else style.decode(), no_style)
        if is_date and isinstance(value, int | float) and not isinstance(value, bool):
            when = serial_to_datetime(value, date1904)
            if when is not None:
                value = when
        if f_text is None:
            return RawCell(value, code, None, True, error)
        if stale or (value is None and error is None):
            return RawCell(None, code, f_text, False, None)
        return RawCell(value, code, f_text, True, error)

    def place(c_row: int, c_col: int, cell: RawCell | None) -> None:
        if cell is None:
            return
        if c_row > max_row:
            raise Delegate  # load_xlsx stops reading here
        if c_col > max_col:
            sheet.dropped += 1
            if sheet.dropped_example is None:
                sheet.dropped_example = f"{col_letter(min(c_col, EXCEL_MAX_COL))}{c_row}"
            return
        cells[(c_row, c_col)] = cell

    def store(
        c_row: int,
        c_col: int,
        style: bytes | None,
        t: bytes | None,
        f_attrs: bytes | None,
        f_raw: bytes | None,
        v_raw: bytes | None,
    ) -> None:
        place(c_row, c_col, make(style, t, f_attrs, f_raw, v_raw))

    valid = valid_body(indented)
    if strict or (
        valid.fullmatch(data, body_start, body_end)
        and not ODD_REF.search(data, body_start, body_end)
    ):
        # the common shape: every cell has r (first), so only the non-empty ones are visited
        if not strict or found is None:  # strict: found by _strict_fields
            fields = cell_fields(indented)
            found = _prepared(fields.findall(data, body_start, body_end))
        _checked_cells(found, strings, memo, make, place, store, cells, bounds)
    else:
        general_cells(data, body_start, body_end, indented, store)

    # merges: after </sheetData>, kept and clipped by sheet.py's own code; a returned form
    # has its template's merges, so the result is cached by the bytes they are read from
    if b"<mergeCell" not in tail:
        return
    key = (tail, max_row, max_col)
    kept = _MERGES_CACHE.get(key)
    if kept is None:
        tags = MERGE_TAG.findall(tail)
        if len(tags) != len(MERGE_COUNT.findall(tail)):
            raise Delegate
        refs: list[str] = []
        for raw in tags:
            ref = parse_attrs(raw).get(b"ref")
            if ref:
                refs.append(element_text(ref))
        scratch = SheetData(sheet.name)
        reader = SheetReader(scratch, bounds, strings, styles, date1904, stale)
        reader.merge_refs = refs
        reader._keep_merges()
        kept = (tuple(scratch.merges), scratch.dropped, scratch.dropped_example)
        if len(_MERGES_CACHE) >= _PART_CACHE_LIMIT:
            _MERGES_CACHE.clear()
        _MERGES_CACHE[key] = kept
    merges, dropped, example = kept
    sheet.merges.extend(merges)
    sheet.dropped += dropped
    if sheet.dropped_example is None:
        sheet.dropped_example = example


# A cell of a body already matched by the strict or valid pattern: that match checked
# every detail, so these only pick the fields out (findall gives them as tuples, no match
# objects).  Groups: r, s, t (b"" when absent), an inline string's text, the whole <f>
# element (b"": none), the <v> text.
@functools.cache  # compiled when first used, as shape.py's bodies
def cell_fields(indented: bool) -> re.Pattern[bytes]:
    ws = rb"[ \t\r\n]*+" if indented else b""
    return re.compile(
        rb'<c r="([^"]++)"(?: s="([^"]*+)")?(?: t="([^"]*+)")?>'
        + rb'(?:<is><t(?: xml:space="preserve")?>([^<]*+)</t></is>)?'
        + ws
        + rb"(<f[^>]*?(?:/>|>[^<]*+</f>))?"
        + ws
        + rb"(?:<v>([^<]*+)</v>)?"
    )


# a piece of a checked body (between two "</row>") -> its cells' fields; files returned
# from one template repeat most of their rows byte for byte (labels, empty styled cells)
_PIECES_FLAT: dict[bytes, list[tuple[Any, ...]]] = {}
_PIECES_INDENTED: dict[bytes, list[tuple[Any, ...]]] = {}
_PIECES_LIMIT = 4096
# and at most this much of their text (the fields take about as much again): bounded in
# bytes too, so that long rows cannot make a worker's memory grow with the files it reads
_PIECES_BYTES = 4 * 1024 * 1024
_pieces_size = [0]


def _strict_fields(
    data: bytes, start: int, end: int, indented: bool
) -> list[tuple[Any, ...]] | None:
    """The body's cells as `cell_fields` finds them, `_prepared`, if the body matches
    the strict pattern, else None; piece by piece, each piece new to this process matched
    once (the two expressions were a large share of reading a file).

    The same answer as matching the whole body: "</row>" is a token of its own and can
    occur nowhere inside another token of the strict shape (no "<" in text or attribute
    values), so the body matches iff every piece does (a piece followed by "</row>"
    matches iff the piece does), and a cell never spans two pieces."""
    pattern, fields = strict_body(indented), cell_fields(indented)
    known = _PIECES_INDENTED if indented else _PIECES_FLAT
    found: list[tuple[Any, ...]] = []
    for piece in data[start:end].split(b"</row>"):
        cells = known.get(piece)
        if cells is None:
            if pattern.fullmatch(piece) is None:
                return None
            cells = _prepared(fields.findall(piece))
            if len(known) >= _PIECES_LIMIT or _pieces_size[0] > _PIECES_BYTES:
                _PIECES_FLAT.clear()
                _PIECES_INDENTED.clear()
                _pieces_size[0] = 0
            known[piece] = cells
            _pieces_size[0] += len(piece)
        found += cells
    return found


_F_ELEMENT = re.compile(rb"<f" + F_ATTRS + rb"(?:/>|>([^<]*)</f>)")


def _prepared(fields: list[tuple[bytes, ...]]) -> list[tuple[Any, ...]]:
    """The cells' fields as `_checked_cells` takes them, what does not depend on the file
    worked out: (0, position, memo key, s, t, text) for a value cell, (1, position, index,
    s, t, text) for a shared string, (2, None, the fields, ...) for the rest."""
    out: list[tuple[Any, ...]] = []
    positions_get = POSITIONS.get
    for row in fields:
        ref, style, t, _, f_element, v_raw = row
        if v_raw and not f_element and t != b"inlineStr":
            row_col = positions_get(ref) or ref_position(ref)
            if t == b"s":
                try:
                    index = int(v_raw)
                except ValueError:
                    raise Delegate from None
                if index >= 0:
                    out.append((1, row_col, index, style, t, v_raw))
                    continue
                raise Delegate  # as make() has it
            out.append((0, row_col, (style, t, v_raw), style, t, v_raw))
        elif f_element or t == b"inlineStr":
            out.append((2, None, row, None, None, None))
    return out


def _checked_cells(
    found: list[tuple[Any, ...]],
    strings: list[str],
    memo: dict[tuple[Any, ...], Any],
    make: Callable[..., RawCell | None],
    place: Callable[[int, int, RawCell | None], None],
    store: Callable[..., None],
    cells: dict[tuple[int, int], RawCell],
    bounds: Bounds,
) -> None:
    """`_read_sheet`'s loop over the non-empty cells of a checked body (`_prepared`).

    A value cell's RawCell depends only on (s, t, stored text) -- for a shared string on
    the string itself -- given the styles and date system, so equal cells (labels,
    repeated numbers; a returned form shares most with its template) share one.  Such a
    cell inside the bounds is stored here directly (`place` for the rest): this loop runs
    for every cell of every file, and a call per cell was a large share of it."""
    memo_get = memo.get
    max_row, max_col = bounds.max_row, bounds.max_col
    for kind, row_col, key, style, t, v_raw in found:
        if kind == 1:
            try:
                key = (style, strings[key])
            except IndexError:
                raise Delegate from None
        elif kind == 2:
            _other_cell(key, make, memo, place, store)
            continue
        cell = memo_get(key, _MISSING)
        if cell is _MISSING:
            cell = make(style or None, t or None, None, None, v_raw)
            if len(memo) < _MEMO_LIMIT:
                memo[key] = cell
        if cell is not None:
            if row_col[0] <= max_row and row_col[1] <= max_col:
                cells[row_col] = cell
            else:
                place(row_col[0], row_col[1], cell)


def _other_cell(
    fields: tuple[bytes, ...],
    make: Callable[..., RawCell | None],
    memo: dict[tuple[Any, ...], Any],
    place: Callable[[int, int, RawCell | None], None],
    store: Callable[..., None],
) -> None:
    """A formula or inline-string cell, for `_checked_cells`."""
    ref, style, t, is_raw, f_element, v_raw = fields
    if t == b"inlineStr":  # the checked shape: its <is> text and nothing else
        if not is_raw:
            return  # empty
        # as a cell of type "str" holding that text (what load_xlsx makes of both)
        t, v_raw = b"str", is_raw
        made = make(style or None, t, None, None, v_raw)
        if made is None or made.value == "":
            return  # text that unescapes to nothing: empty, as load_xlsx has it
    if f_element:
        fm = _F_ELEMENT.fullmatch(f_element)
        if fm is None:
            raise Delegate
        f_attrs, f_raw = fm.groups()
        row_col = POSITIONS.get(ref) or ref_position(ref)
        store(*row_col, style or None, t or None, f_attrs, f_raw, v_raw or None)
        return
    if not v_raw:
        return  # empty cell
    # an inline string's text, as a "str" cell
    key = (style, t, v_raw)
    cell = memo.get(key, _MISSING)
    if cell is _MISSING:
        cell = make(style or None, t, None, None, v_raw)
        if len(memo) < _MEMO_LIMIT:
            memo[key] = cell
    place(*(POSITIONS.get(ref) or ref_position(ref)), cell)


_MISSING: Any = object()
# the cells a form repeats are in its first files; at 20,000 the others' figures filled it
# (a reading worker 5 MB larger at 1,500 files, no faster)
_MEMO_LIMIT = 4_096
_MEMOS_LIMIT = 8
# (styles part, date1904) -> RawCell of a value cell by (s, t, text) or (s, shared string)
_MEMOS: dict[tuple[bytes | None, bool], dict[tuple[Any, ...], Any]] = {}

_MERGES_CACHE: dict[tuple[bytes, int, int], tuple[tuple[Area, ...], int, str | None]] = {}
