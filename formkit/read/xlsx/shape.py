"""The shape of a worksheet part the fast path (fast.py) reads: the compiled expressions
a <sheetData> body and its frame are checked against, element text and attributes as expat
reports them, the part's prolog, and the token-by-token reader of a body in a shape the
expressions do not cover.  Anything outside that shape raises `Delegate`: the whole file
is then read by `load_xlsx`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from formkit.read.xlsx.package import cell_position


class Delegate(Exception):
    """This file is read by load_xlsx."""


# ---------------------------------------------------------------- worksheets

_MAIN_NS = (
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    b"http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_DECL_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
WORKSHEET_ROOT = re.compile(rb"(?:<\?xml[^>]*\?>)?[ \t\r\n]*<worksheet([ \t\r\n][^>]*)?>")
_DEFAULT_NS = re.compile(rb"""[ \t\r\n]xmlns[ \t\r\n]*=[ \t\r\n]*(?:"([^"]*)"|'([^']*)')""")
# every byte XML allows; what is left after deleting them is a control character
_XML_BYTES = bytes([9, 10, 13, *range(32, 256)])
# SpreadsheetML elements sheet.py's reader acts on, wherever they are
SHEET_ELEMENT = re.compile(rb"<(?:c|row|v|f|is|t|rPh)[ \t\r\n/>]")
_PREFIXED = re.compile(
    rb"<[A-Za-z_][\w.\-]*:(?:worksheet|sheetData|c|row|v|f|is|t|rPh|mergeCells?)[ \t\r\n/>]"
)
MERGE_TAG = re.compile(rb"<mergeCell([ \t\r\n][^<>]*)?/?>")
MERGE_COUNT = re.compile(rb"<mergeCell[ \t\r\n/>]")

# one attribute; values with entities, '<', '>' or whitespace other than spaces delegate
_A = rb"""[ \t\r\n]+[A-Za-z_][\w:.\-]*[ \t\r\n]*=[ \t\r\n]*(?:"[^"<>&\t\n\r]*"|'[^'<>&\t\n\r]*')"""
_ATTR = re.compile(
    rb"""[ \t\r\n]+([A-Za-z_][\w:.\-]*)[ \t\r\n]*=[ \t\r\n]*(?:"([^"]*)"|'([^']*)')"""
)
# the attributes as Excel, WPS, LibreOffice and openpyxl write them
_COMMON_CELL = re.compile(
    rb' r="([A-Z]{1,3}[0-9]{1,7})"(?: s="([0-9]{1,6})")?(?: t="([a-z]{1,9})")?'
)
_COMMON_ROW = re.compile(rb' r="([0-9]{1,7})"(?: (?!r=)[A-Za-z_][\w:.\-]*="[^"]*")*')


def _token_pattern(ws: bytes) -> re.Pattern[bytes]:
    """One <sheetData> token: a cell, a row start tag, a row end tag.

    Groups: 1 cell attributes, 2 formula attributes (None: no <f>), 3 formula text (None:
    `<f/>`), 4 value text (None: no <v>), 5 row attributes.  `ws` is the whitespace
    allowed between tags.
    """
    attrs = rb"((?:" + _A + rb")*)[ \t\r\n]*"
    return re.compile(
        ws
        + rb"(?:<c"
        + attrs
        + rb"(?:/>|>"
        + ws
        + rb"(?:<f"
        + attrs
        + rb"(?:/>|>([^<]*)</f>)"
        + ws
        + rb")?(?:<v>([^<]*)</v>"
        + ws
        + rb")?</c>)|<row"
        + attrs
        + rb"/?>|</row>)"
    )


_WS = rb"[ \t\r\n]*"
_CELL_START_NC = rb'<c r="[A-Z]{1,3}[0-9]{1,7}"(?: s="[0-9]{1,6}")?(?: t="[a-z]{1,9}")?'
F_ATTRS = rb"((?:" + _A + rb")*)[ \t\r\n]*"
_F_ATTRS_NC = rb"(?:" + _A + rb")*[ \t\r\n]*"


def _valid_pattern(ws: bytes, strict: bool = False) -> re.Pattern[bytes]:
    """A whole <sheetData> body in the common shape (rows with r, cells with r first).

    `strict`: also without what `prolog` looks for (control characters, U+FFFE/U+FFFF,
    namespace declarations, non-ASCII attribute values), so that a part whose frame (all
    but this body) passed `prolog` needs no scan of its body beyond this match."""
    if strict:
        # unrolled and possessive: one character class run per text, no backtracking
        plain = rb"[^<\x00-\x08\x0b\x0c\x0e-\x1f\xef]*+"
        text = plain + rb"(?:\xef(?!\xbf[\xbe\xbf])" + plain + rb")*+"
        attr = rb'(?: (?!xmlns)(?!r=)[A-Za-z_][\w:.\-]*="[^"<>&\x00-\x1f\x7f-\xff]*")*'
        f_attrs = attr.replace(b"(?!r=)", b"")
        # and no reference `ODD_REF` would send to the token-by-token reader
        start = _CELL_START_NC.replace(b"[A-Z]{1,3}[0-9]{1,7}", b"[A-Z]{1,2}[0-9]{1,6}")
    else:
        text = rb"[^<]*"
        attr = rb'(?: (?!r=)[A-Za-z_][\w:.\-]*="[^"<>&\t\n\r]*")*'
        f_attrs = _F_ATTRS_NC
        start = _CELL_START_NC
    cell = (
        start
        + rb"(?:/>|>"
        + ws
        + rb"(?:<f"
        + f_attrs
        + rb"(?:/>|>"
        + text
        + rb"</f>)"
        + ws
        + rb")?(?:<v>"
        + text
        + rb"</v>"
        + ws
        + rb")?</c>)"
    )
    # an inline string as xlsxwriter writes it in constant-memory mode (formkit's own
    # summaries, which the roll-up reads back): one plain <t>, nothing else in the cell
    inline = (
        start.replace(rb'(?: t="[a-z]{1,9}")?', rb' t="inlineStr"')
        + rb'><is><t(?: xml:space="preserve")?>'
        + text
        + rb"</t></is></c>"
    )
    # the plain cell first: nearly every cell is one, and the two never match at one place
    # (its t is lower-case, "inlineStr" is not), so the order only saves the inline try
    cell = rb"(?:" + cell + rb"|" + inline + rb")"
    row = rb'<row r="[1-9][0-9]{0,6}"' + attr + rb"/?>"
    # possessive: every token starts with "<" and whitespace never does, so giving a
    # token back can never help the match; not keeping backtrack points is much faster
    return re.compile(rb"(?:" + ws + rb"(?:" + cell + rb"|" + row + rb"|</row>))*+" + ws)


# compiled when first used (issue #23, start-up): a file uses one or two of these large
# expressions (most only the strict flat one), which took ~8 ms to compile all
@functools.cache
def valid_body(indented: bool) -> re.Pattern[bytes]:
    """VALID: the common shape; `indented`: whitespace between tags."""
    return _valid_pattern(_WS if indented else b"")


@functools.cache
def strict_body(indented: bool) -> re.Pattern[bytes]:
    """STRICT: the common shape with nothing `prolog` looks for."""
    return _valid_pattern(_WS if indented else b"", True)


# references split_ref may refuse (a column past ZZ, a row past 999999): read token by token
ODD_REF = re.compile(rb'<c r="(?:[A-Z]{3}|[A-Z]{1,2}[0-9]{7})"')


@functools.cache
def _token(indented: bool) -> re.Pattern[bytes]:
    return _token_pattern(rb"[ \t\r\n]*" if indented else b"")


_ENTITY = re.compile(r"&(?:#x([0-9A-Fa-f]{1,6})|#([0-9]{1,7})|(lt|gt|amp|quot|apos));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _entity(m: re.Match[str]) -> str:
    hexa, dec, name = m.groups()
    if name:
        return _NAMED[name]
    code = int(hexa, 16) if hexa else int(dec)
    if (
        code > 0x10FFFF
        or 0xD800 <= code <= 0xDFFF
        or code in (0xFFFE, 0xFFFF)
        or (code < 0x20 and code not in (0x9, 0xA, 0xD))
    ):
        raise Delegate  # expat refuses it
    return chr(code)


def element_text(raw: bytes) -> str:
    """Element text as expat reports it; `Delegate` if it might differ."""
    if b"\r" in raw:
        raise Delegate  # expat turns CR LF and CR into LF
    text = raw.decode("utf-8")  # the whole part was checked to be UTF-8
    if "&" not in text:
        return text
    if "&" in _ENTITY.sub("", text):
        raise Delegate  # an entity expat does not know (an error there)
    return _ENTITY.sub(_entity, text)


def parse_attrs(raw: bytes) -> dict[bytes, bytes]:
    found: dict[bytes, bytes] = {}
    for m in _ATTR.finditer(raw):
        name, value, other = m.groups()
        if name in found:
            raise Delegate  # a repeated attribute is an XML error
        found[name] = other if value is None else value
    return found


# b"B8" -> (8, 2); bytes keys next to package.py's str-keyed cache, with the same limit
POSITIONS: dict[bytes, tuple[int, int]] = {}
_POSITIONS_LIMIT = 200_000


def ref_position(ref: bytes) -> tuple[int, int]:
    try:
        rc = cell_position(ref.decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        raise Delegate from None  # load_xlsx reports it
    if len(POSITIONS) < _POSITIONS_LIMIT:
        POSITIONS[ref] = rc
    return rc


def prolog(data: bytes, root_pattern: re.Pattern[bytes]) -> tuple[bytes, int]:
    """The part (without a UTF-8 BOM) and where its root start tag ends, if expat would read
    it as UTF-8 without a DOCTYPE, with SpreadsheetML as the only default namespace and no
    SpreadsheetML elements under a prefix; else `Delegate`."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise Delegate from None  # UTF-16, another encoding, or broken
    m = _DECL_ENCODING.match(data)
    if m and m.group(1).lower() not in (b"utf-8", b"utf8"):
        raise Delegate
    if (
        (b"!" in data and b"<!" in data)  # "!" is rare: a one-byte search first
        or data.translate(None, _XML_BYTES)
        or b"\xef\xbf\xbe" in data
        or b"\xef\xbf\xbf" in data
        or _PREFIXED.search(data)
    ):
        raise Delegate
    root = root_pattern.match(data)
    if root is None:
        raise Delegate
    root_end = root.end()
    if data.find(b"xmlns", root_end) >= 0 and _DEFAULT_NS.search(data, root_end):
        raise Delegate  # a default namespace declared below the root
    declared = _DEFAULT_NS.findall(root.group(1) or b"")
    if len(declared) > 1 or (declared and (declared[0][0] or declared[0][1]) not in _MAIN_NS):
        raise Delegate
    return data, root_end


# ---------------------------------------------------------------- shared strings


def general_cells(
    data: bytes,
    body_start: int,
    body_end: int,
    indented: bool,
    store: Callable[
        [int, int, bytes | None, bytes | None, bytes | None, bytes | None, bytes | None], None
    ],
) -> None:
    """Every <sheetData> token in order, tracking positions for cells and rows without r."""
    token = _token(indented)
    positions_get = POSITIONS.get
    common_cell, common_row = _COMMON_CELL.fullmatch, _COMMON_ROW.fullmatch
    row = col = 0
    pos = body_start
    for m in token.finditer(data, body_start, body_end):
        if m.start() != pos:
            raise Delegate  # something the pattern does not know
        pos = m.end()
        c_attrs, f_attrs, f_raw, v_raw, r_attrs = m.groups()
        if c_attrs is None:
            if r_attrs is None:
                continue  # </row>
            rm = common_row(r_attrs)
            r = rm.group(1) if rm is not None else parse_attrs(r_attrs).get(b"r")
            try:
                row = row + 1 if r is None else int(r)
            except ValueError:
                raise Delegate from None
            if row < 1:
                raise Delegate
            col = 0
            continue
        cm = common_cell(c_attrs)
        if cm is not None:
            ref, style, t = cm.groups()
        else:
            a = parse_attrs(c_attrs)
            ref, style, t = a.get(b"r"), a.get(b"s"), a.get(b"t")
        if ref is None:
            c_row, c_col = row, col + 1
        else:
            c_row, c_col = positions_get(ref) or ref_position(ref)
            row = c_row
        col = c_col
        if f_attrs is None and not v_raw:
            continue  # empty (perhaps styled) cell
        store(c_row, c_col, style, t, f_attrs, f_raw, v_raw)
    if pos != body_end:
        raise Delegate
