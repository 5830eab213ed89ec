"""One worksheet part of an .xlsx streamed into a `SheetData`: only the cells inside
`Bounds`, what lies outside counted, reading stopped at the first non-empty cell below
`Bounds.max_row`."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from xml.parsers import expat

from formkit.cells import EXCEL_MAX_COL, Area, Cell, col_letter
from formkit.read.book import Bounds, CellValue, RawCell, SheetData
from formkit.read.xlsx.package import (
    REF_CACHE,
    Doctype,
    Package,
    Stop,
    area_of,
    cell_position,
    chain,
    guard,
    is_indented,
    new_parser,
    parse_part,
    reject_doctype,
    tag_codes,
    tag_names,
)
from formkit.read.xlsx.strings import unescape
from formkit.read.xlsx.styles import EPOCH_1900, NO_STYLE, Style, serial_to_datetime

# ---------------------------------------------------------------- worksheets

_C, _V, _ROW, _F, _IS, _T, _RPH, _MERGE, _SI = range(1, 10)
_SHEET_TAGS = tag_codes(c=_C, v=_V, row=_ROW, f=_F, t=_T, rPh=_RPH, mergeCell=_MERGE)
_SHEET_TAGS.update(tag_codes(**{"is": _IS}))
_MERGE_START = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?mergeCells[\s>/]")


def number(text: str) -> int | float | str:
    text = text.strip()
    if text.isdecimal() or (text[:1] == "-" and text[1:].isdecimal()):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text  # not a number after all: keep what is stored rather than fail


def iso_datetime(text: str) -> CellValue:
    text = text.strip()
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            t = dt.time.fromisoformat(text)
        except ValueError:
            return text
        return dt.datetime.combine(EPOCH_1900.date(), t)
    return value.replace(tzinfo=None)


class SheetReader:
    """Streams one worksheet part into a SheetData."""

    def __init__(
        self,
        sheet: SheetData,
        bounds: Bounds,
        strings: list[str],
        styles: dict[str | None, Style],
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

    def read(self, pkg: Package, part: str) -> None:
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
        ref_get = REF_CACHE.get
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
                        rc = cell_position(ref)
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
                    value = int(v_text) if v_text.isdecimal() else number(v_text)
                elif t == "str":
                    value = unescape(v_text) if "_x" in v_text else v_text
                elif t == "b":
                    value = v_text.strip() in ("1", "true")
                elif t == "e":
                    error = v_text.strip()
                elif t == "d":
                    value = iso_datetime(v_text)
                else:  # inlineStr (the <is> text wins below), or a type we do not know
                    value = v_text
            if is_parts is not None:
                text = join(is_parts)
                if text or t == "inlineStr":
                    value = (unescape(text) if "_x" in text else text) or None
            if value is None and error is None and f_text is None:
                return  # empty (perhaps styled) cell
            if c_row > max_row or c_col > max_col:
                sheet.dropped += 1
                if sheet.dropped_example is None:
                    sheet.dropped_example = f"{col_letter(min(c_col, EXCEL_MAX_COL))}{c_row}"
                if c_row > max_row:
                    raise Stop  # rows come in order: nothing further down is wanted
                return
            code, is_date = styles_get(c_style, NO_STYLE)
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

        p = new_parser()
        p.StartElementHandler = start
        p.CharacterDataHandler = buf.append
        stream = pkg.chunks(part)
        first = next(stream, b"")
        if is_indented(first):
            p.EndElementHandler = end
        current = [first]  # the chunk being parsed, to look for <mergeCells> after a stop

        def on_chunk(chunk: bytes) -> None:
            current[0] = chunk

        try:
            parse_part(p, chain([first], stream), part, on_chunk=on_chunk)
            if text_of:
                close_text()
            if pending:
                guard(finish, part)
        except Stop:
            self._merges_after_stop(pkg, part, first, current[0], stream)
        self._keep_merges()

    def _merges_after_stop(
        self, pkg: Package, part: str, first: bytes, current: bytes, rest: Iterator[bytes]
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
            self._parse_merges(chain([header], tail), part)

    def _parse_merges(self, chunks: Iterable[bytes], part: str) -> None:
        p = new_parser()
        merge_tags = tag_names("mergeCell")
        refs = self.merge_refs

        def start(name: str, attrs: dict[str, str]) -> None:
            if name in merge_tags:
                ref = attrs.get("ref")
                if ref:
                    refs.append(ref)

        p.StartElementHandler = start
        parse_part(p, chunks, part)

    def _keep_merges(self) -> None:
        """Merges starting inside the bounds, clipped to them; the others are counted."""
        sheet, bounds = self.sheet, self.bounds
        max_row, max_col = bounds.max_row, bounds.max_col
        for ref in dict.fromkeys(self.merge_refs):  # a part read twice lists them twice
            area = area_of(ref)
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


def _root_start_tag(first: bytes) -> bytes | None:
    """The bytes up to the end of the root element's start tag, if within `first` and UTF-8."""
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    found: list[int] = []
    p = expat.ParserCreate(namespace_separator=" ")
    p.StartDoctypeDeclHandler = reject_doctype

    def start(_name: str, _attrs: dict[str, str]) -> None:
        found.append(p.CurrentByteIndex)
        raise Stop

    p.StartElementHandler = start
    with contextlib.suppress(Stop, expat.ExpatError, Doctype):
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
                return chain([window[lt:]], rest)
            i = window.find(b"mergeCells", i + 1)
        nxt = next(rest, None)
        if nxt is None:
            return None
        # keep a little overlap so a tag split across chunks is still found
        window = window[-128:] + nxt
