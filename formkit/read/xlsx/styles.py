"""Number formats of an .xlsx: the built-in ones, which formats are dates, the styles part
(cell style index -> number format), and Excel's date serials."""

from __future__ import annotations

import contextlib
import datetime as dt
import re

from formkit.read.xlsx.package import Package, new_parser, parse_part, tag_names

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
DATE_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])

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


EPOCH_1900 = dt.datetime(1899, 12, 31)  # serial 1 = 1900-01-01
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
        base = EPOCH_1900
    elif 61 <= serial < _MAX_SERIAL_1900:
        base = _EPOCH_1900_AFTER_LEAP
    else:
        return None
    return base + dt.timedelta(milliseconds=round(serial * 86_400_000))


# (format code, is a date) for a cell style index as written in s="..."
Style = tuple[str | None, bool]


def read_styles(pkg: Package, part: str | None) -> dict[str | None, Style]:
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
        p = new_parser()
        p.StartElementHandler = start
        parse_part(p, pkg.chunks(part), part)
    styles: dict[str | None, Style] = {}
    for index, fmt_id in enumerate(xf_ids):
        code: str | None
        if fmt_id in custom:
            code = custom[fmt_id]
            is_date = is_date_format(code)
        else:  # a built-in id: its meaning, not the code this locale shows, decides
            code = BUILTIN_FORMATS.get(fmt_id)
            is_date = fmt_id in DATE_IDS
        styles[str(index)] = (code, is_date)
    styles[None] = styles.get("0", (None, False))
    return styles


_STYLE_TAGS = {
    name: local
    for local in ("xf", "numFmt", "numFmts", "cellXfs", "cellStyleXfs", "cellStyles", "dxfs")
    for name in tag_names(local)
}
NO_STYLE: Style = (None, False)
