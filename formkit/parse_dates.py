"""Dates as people and spreadsheets write them (formkit.parse re-exports `parse_date`):
Excel serials in either date system, 2006-04-20, 2006年4月20日 in digits or Chinese numerals."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal

from formkit.issues import value_detail as worded
from formkit.parsed import (
    SPACE_RE,
    Note,
    Parsed,
    ParseError,
    as_text,
    empty_kind,
    is_number,
)

# ---------------------------------------------------------------------------------------
# dates

_EXCEL_1900_EPOCH = dt.date(1899, 12, 30)  # serial 61 = 1900-03-01
_EXCEL_1904_EPOCH = dt.date(1904, 1, 1)
_EXCEL_MAX_SERIAL_1900 = 2_958_465  # 9999-12-31
_EXCEL_MAX_SERIAL_1904 = _EXCEL_MAX_SERIAL_1900 - 1462
# Chinese numerals in dates; ○ 〇 零 and the letter O all mean 0
_CN_DIGITS = {
    **{c: i for i, c in enumerate("○一二三四五六七八九")},
    **{c: i for i, c in enumerate("0123456789")},
    **dict.fromkeys("〇零oO", 0),
}
_CN_NUM = "[0-9○〇零oO一二三四五六七八九十廿卅元]"
_CN_DATE_RE = re.compile(
    rf"^(?P<y>{_CN_NUM}{{4}})年(?:(?P<m>{_CN_NUM}{{1,3}})月(?:(?P<d>{_CN_NUM}{{1,4}})[日号])?)?$"
)
_SEP_DATE_RE = re.compile(r"^(?P<y>\d{4})(?P<sep>[-./])(?P<m>\d{1,2})(?:(?P=sep)(?P<d>\d{1,2}))?$")
_COMPACT_DATE_RE = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
_TIME_SUFFIX_RE = re.compile(r"(?:T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
_DATE_EXPECTED = worded("expect_date")


def _bad_date(raw: object, detail: str | None = None) -> ParseError:
    msg = detail or worded("expected", expected=_DATE_EXPECTED, raw=as_text(raw).strip())
    return ParseError("bad_date", msg, {"raw": as_text(raw)})


def _cn_small(s: str) -> int | None:
    """Month/day in Chinese numerals or digits: "四" 4, "十" 10, "二十一" 21, "○四" 4."""
    if s == "元":
        return 1
    s = s.replace("廿", "二十").replace("卅", "三十")
    if "十" in s:
        left, _, right = s.partition("十")
        if len(left) > 1 or len(right) > 1 or "十" in right:
            return None
        tens = _CN_DIGITS.get(left, -1) if left else 1
        ones = _CN_DIGITS.get(right, -1) if right else 0
        return None if tens < 0 or ones < 0 else tens * 10 + ones
    digits = [_CN_DIGITS.get(c) for c in s]
    if any(d is None for d in digits):
        return None
    return int("".join(str(d) for d in digits))


def _make_date(raw: object, y: int, m: int, d: int) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError:
        raise _bad_date(raw, worded("no_such_date", year=y, month=m, day=d)) from None


def _partial(raw: object, y: int, m: int) -> Parsed:
    value = _make_date(raw, y, m, 1)
    note = Note(
        "partial_date",
        "warning",
        worded("partial_date", raw=as_text(raw).strip(), year=y, month=m),
        {"raw": as_text(raw), "year": y, "month": m},
    )
    return Parsed(value, "partial-date", (note,))


def _from_serial(raw: int | float | Decimal, date1904: bool) -> Parsed | None:
    serial = math.floor(raw)
    if date1904:
        if 0 <= serial <= _EXCEL_MAX_SERIAL_1904:
            return Parsed(_EXCEL_1904_EPOCH + dt.timedelta(days=serial), "date-serial-1904")
        return None
    if not 1 <= serial <= _EXCEL_MAX_SERIAL_1900:
        return None
    if serial == 60:
        raise _bad_date(raw, worded("excel_1900_leap_day"))
    if serial < 60:
        return Parsed(_EXCEL_1900_EPOCH + dt.timedelta(days=serial + 1), "date-serial-1900")
    return Parsed(_EXCEL_1900_EPOCH + dt.timedelta(days=serial), "date-serial-1900")


def parse_date(raw: object, *, date1904: bool = False) -> Parsed:
    """A datetime.date from an Excel date, a serial number or text.

    Text: "2006年4月20日", "2006-4-20", "2006-04-20", "2006.4.20", "2006/04/20",
    "20060420", "二○○六年四月二十日", spaced "2006 年 4 月 20 日", full-width digits;
    "2006年4月" / "2006-4" give the 1st of the month with a "partial_date" warning.
    """
    empty = empty_kind(raw)
    if empty:
        return Parsed(None, empty)
    if isinstance(raw, dt.datetime):
        return Parsed(raw.date(), "date")
    if isinstance(raw, dt.date):
        return Parsed(raw, "date")
    if is_number(raw):
        assert isinstance(raw, int | float | Decimal)
        if isinstance(raw, float) and not math.isfinite(raw):
            raise _bad_date(raw)
        if raw == int(raw) and 10_000_101 <= raw <= 99_991_231:  # 20060420 typed as a number
            m = _COMPACT_DATE_RE.match(str(int(raw)))
            assert m is not None
            return Parsed(_make_date(raw, int(m["y"]), int(m["m"]), int(m["d"])), "date-text")
        got = _from_serial(raw, date1904)
        if got is None:
            raise _bad_date(raw)
        return got
    if not isinstance(raw, str):
        raise _bad_date(raw)

    s = unicodedata.normalize("NFKC", raw).strip()
    s = _TIME_SUFFIX_RE.sub("", s)
    s = SPACE_RE.sub("", s).rstrip(".。")
    if m := _SEP_DATE_RE.match(s) or _COMPACT_DATE_RE.match(s):
        y, mo = int(m["y"]), int(m["m"])
        if m["d"] is None:
            return _partial(raw, y, mo)
        return Parsed(_make_date(raw, y, mo, int(m["d"])), "date-text")
    if m := _CN_DATE_RE.match(s):
        chinese = bool(re.search("[○〇零oO一二三四五六七八九十廿卅元]", s))
        year = _cn_small(m["y"]) if not re.search("[十廿卅元]", m["y"]) else None
        month = _cn_small(m["m"]) if m["m"] else None
        if year is None or month is None:
            raise _bad_date(raw)
        if m["d"] is None:
            return _partial(raw, year, month)
        day = _cn_small(m["d"])
        if day is None:
            raise _bad_date(raw)
        how = "date-chinese-numerals" if chinese else "date-text"
        return Parsed(_make_date(raw, year, month, day), how)
    raise _bad_date(raw)
