"""Turn what people type into spreadsheet cells into typed values.

Pure functions, standard library only. Each takes the raw cell value as a spreadsheet
reader gives it (str, int, float, bool, datetime.date/datetime or None) and returns a
`Parsed` result: the typed value, a short machine tag `how` saying which conversion was
used, and `notes` the caller turns into issues. A value that cannot be understood raises
`ParseError` (a `ValueError`) with a stable `code` and a Chinese message. The raw value
is never changed: the caller keeps it beside the result.

`how` tags: "empty", "null-marker", "number", "text-number", "fullwidth",
"unit-stripped", "unit:<written>-><field unit>", "text-percent", "percent-fraction",
"date", "date-serial-1900", "date-serial-1904", "date-text", "date-chinese-numerals",
"partial-date", "phone", "phone-normalised", "phone-from-number", "email",
"email-normalised", "yesno", "choice", "choice-normalised", "alias", "text",
"text-from-number", "text-from-bool", "text-from-date". One tag per result, the most significant
conversion first (unit > full-width > plain text); details are in the notes.

Note codes (severity): unit_converted (info), unit_stripped (info), approximate
(warning), percent_fraction (info), partial_date (warning), phone_leading_zero
(warning), choice_alias (info).

ParseError codes: not_a_number, unit_mismatch, not_integer, bad_date, bad_phone,
bad_email, bad_yesno, bad_choice.

Canonical phone text: landline "区号-号码" (e.g. "025-83301234"), with an extension
"区号-号码-分机" ("025-83301234-123"); mobile 11 digits ("13912345678"); 400/800 service
numbers "400-123-4567"; several numbers joined with "; ".

Numbers: text is read exactly (decimal arithmetic, so "34500万" into 亿美元 is exactly
3.45); a float from the sheet is taken to 15 significant digits, Excel's own precision,
which removes binary noise such as 3.4499999999999997.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from formkit.issues import value_detail as worded

__all__ = [
    "Note",
    "ParseError",
    "Parsed",
    "is_empty",
    "normalise_label",
    "parse_choice",
    "parse_date",
    "parse_email",
    "parse_number",
    "parse_percent",
    "parse_phone",
    "parse_text",
    "parse_yesno",
]

# unit -> (currency or kind, multiplier against the base unit); used to convert
# "3.5亿" written into a 万美元 cell and to format numbers.
UNITS: dict[str, tuple[str, float]] = {
    "个": ("count", 1.0),
    "人": ("count", 1.0),
    "件": ("count", 1.0),
    "项": ("count", 1.0),
    "%": ("percent", 1.0),
    "亿元": ("CNY", 1e8),
    "万元": ("CNY", 1e4),
    "亿美元": ("USD", 1e8),
    "万美元": ("USD", 1e4),
}

# units a person may type by mistake in a column of another unit (a slip the plausibility
# check names): the column's own units and their neighbours
SLIP_UNITS: Mapping[str, tuple[str, float]] = {
    **UNITS,
    "元": ("CNY", 1.0),
    "美元": ("USD", 1.0),
    "万人": ("count", 1e4),
}


@dataclass(frozen=True)
class Note:
    """Something the caller reports: what was done to the value, or what looks wrong."""

    code: str
    severity: str  # "error" | "warning" | "info"
    message: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Parsed:
    value: object | None
    how: str
    notes: tuple[Note, ...] = ()


class ParseError(ValueError):
    """A cell value that cannot be understood; `message` says what was expected."""

    def __init__(self, code: str, message: str, params: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params: dict[str, object] = dict(params or {})


# ---------------------------------------------------------------------------------------
# shared helpers

_NULL_MARKERS = frozenset({"/", "／", "\\", "无", "空", "n/a", "na", "null", "none", "nil"})
_DASHES = frozenset("-—–－―─‐‑﹣−")
_FULLWIDTH_RE = re.compile("[\u3000\uff01-\uff5e]")
_SPACE_RE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_MINUS_TRANS = str.maketrans({"−": "-", "–": "-", "‐": "-", "‑": "-"})


def _text(raw: object) -> str:
    return raw if isinstance(raw, str) else str(raw)


def _empty_kind(raw: object) -> str | None:
    """ "empty" for nothing, "null-marker" for a written 'nothing' ("—", "无", "N/A"), else None."""
    if raw is None:
        return "empty"
    if isinstance(raw, float) and math.isnan(raw):
        return "empty"
    if not isinstance(raw, str):
        return None
    s = raw.strip()
    if not _SPACE_RE.sub("", s):
        return "empty"
    if s.casefold() in _NULL_MARKERS or all(c in _DASHES for c in s):
        return "null-marker"
    return None


def is_empty(raw: object) -> bool:
    """True for None, "", whitespace and null markers ("—", "-", "/", "无", "空", "N/A", ...).

    For yes/no cells "无" means 否: `parse_yesno` handles it before this check.
    """
    return _empty_kind(raw) is not None


def _squeeze(s: str) -> tuple[str, bool]:
    """NFKC (full-width → half-width), drop every kind of space, unify minus signs.

    Returns the text and whether it held full-width characters.
    """
    fullwidth = bool(_FULLWIDTH_RE.search(s))
    t = unicodedata.normalize("NFKC", s).translate(_MINUS_TRANS)
    return _SPACE_RE.sub("", t), fullwidth


def _fmt(d: Decimal) -> str:
    """A decimal for a message, without exponent or trailing zeros: 34500, 3.45, 0.0001."""
    if d == 0:
        return "0"
    return f"{d.normalize():f}"


def _from_number(x: int | float | Decimal) -> Decimal:
    if isinstance(x, float):
        # 15 significant digits: what Excel stores and shows
        return Decimal(f"{x:.15g}")
    return Decimal(x)


def _is_number(raw: object) -> bool:
    return isinstance(raw, int | float | Decimal) and not isinstance(raw, bool)


def _finite_number(raw: object, expected: str) -> Decimal:
    """A stored number as a Decimal; NaN or infinity (which no cell should hold) refused."""
    assert isinstance(raw, int | float | Decimal)
    if isinstance(raw, float) and not math.isfinite(raw):
        raise ParseError(
            "not_a_number", worded("expected", expected=expected, raw=raw), {"raw": raw}
        )
    return _from_number(raw)


# ---------------------------------------------------------------------------------------
# numbers

# multipliers written in a cell ("3.5亿", "34500万"), longest first in the regex
_MULTIPLIERS: Mapping[str, Decimal] = {
    "千": Decimal(10) ** 3,
    "万": Decimal(10) ** 4,
    "十万": Decimal(10) ** 5,
    "百万": Decimal(10) ** 6,
    "千万": Decimal(10) ** 7,
    "亿": Decimal(10) ** 8,
}
# currency words written in a cell (lower-cased), to the currency kind used in UNITS
_CURRENCIES: Mapping[str, str] = {
    "人民币元": "CNY",
    "元人民币": "CNY",
    "人民币": "CNY",
    "元": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "¥": "CNY",
    "美元": "USD",
    "美金": "USD",
    "usd": "USD",
    "us$": "USD",
    "$": "USD",
}
_CURRENCY_NAME = {"CNY": "元", "USD": "美元"}
_COUNT_UNITS = ("个", "人", "家", "名", "户", "位", "件", "项")
_PERCENT_MARKS = ("个百分点", "百分点", "%")


def _alt(words: Sequence[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# read as the number with an "approximate" warning: "约12", "超过10", "12左右", "10多"
_APPROX_PREFIXES = [
    "大约",
    "约为",
    "约合",
    "约",
    "大概",
    "超过",
    "多于",
    "高于",
    "不少于",
    "不低于",
    "不到",
    "不足",
    "少于",
    "低于",
    "将近",
    "接近",
    "近",
    "逾",
    "≈",
    "~",
    ">=",
    "<=",
    ">",
    "<",
    "≥",
    "≤",
]
_APPROX_SUFFIXES = ("左右", "以上", "以下", "上下", "有余", "多", "余")
_APPROX_PREFIX_RE = re.compile(f"^(?:{_alt(_APPROX_PREFIXES)})")
_APPROX_SUFFIX_RE = re.compile(f"(?:{_alt(_APPROX_SUFFIXES)})$")
_CUR_ALT = _alt(list(_CURRENCIES))
_NUMBER_RE = re.compile(
    rf"^(?P<pre>{_alt(['us$', '$', '¥', 'rmb', 'cny', 'usd', '人民币'])})?"
    r"(?P<sign>[+-])?"
    r"(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:e(?P<exp>[+-]?\d+))?"
    r"(?P<more1>[多余])?"
    rf"(?P<mult>{_alt(list(_MULTIPLIERS))})?"
    r"(?P<more2>[多余])?"
    rf"(?P<cur>{_CUR_ALT})?"
    rf"(?P<pct>{_alt(_PERCENT_MARKS)})?"
    rf"(?P<count>{_alt(_COUNT_UNITS)})?$"
)


@dataclass(frozen=True)
class _Lexed:
    value: Decimal
    approx: bool
    fullwidth: bool
    mult: str | None
    currency: str | None  # "CNY" | "USD"
    unit_text: str  # the unit as written after the number, e.g. "万美元"
    count: str | None
    percent: bool


def _lex_number(raw: str, expected: str, shown: str | None = None) -> _Lexed:
    """Read the number, written multiplier/currency/count/percent and approximation words."""
    shown = raw.strip() if shown is None else shown
    s, fullwidth = _squeeze(raw)
    s = s.lstrip("'‘’`").lower()
    approx = False
    while True:
        t = _APPROX_PREFIX_RE.sub("", s, count=1)
        t = _APPROX_SUFFIX_RE.sub("", t, count=1)
        if t == s or not t:
            break
        approx, s = True, t
    m = _NUMBER_RE.match(s)
    if m is None:
        raise ParseError(
            "not_a_number",
            worded("expected", expected=expected, raw=shown),
            {"raw": shown, "expected": expected},
        )
    approx = approx or bool(m["more1"] or m["more2"])
    pre = _CURRENCIES[m["pre"]] if m["pre"] else None
    cur = _CURRENCIES[m["cur"]] if m["cur"] else None
    if pre and cur and pre != cur:
        raise ParseError(
            "unit_mismatch",
            worded("two_currencies", raw=shown, expected=expected),
            {"raw": shown, "expected": expected},
        )
    try:
        value = Decimal(m["num"].replace(",", "")) * Decimal(10) ** int(m["exp"] or 0)
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only numbers
        raise ParseError("not_a_number", worded("expected", expected=expected, raw=shown)) from exc
    if m["sign"] == "-":
        value = -value
    unit_text = "".join(u for u in (m["pre"], m["mult"], m["cur"]) if u)
    return _Lexed(
        value=value,
        approx=approx,
        fullwidth=fullwidth,
        mult=m["mult"],
        currency=cur or pre,
        unit_text=unit_text,
        count=m["count"],
        percent=bool(m["pct"]),
    )


def _approx_note(raw: object, value: Decimal, unit: str) -> Note:
    return Note(
        "approximate",
        "warning",
        worded("approximate", raw=_text(raw).strip(), value=_fmt(value), unit=unit),
        {"raw": raw, "value": _fmt(value), "unit": unit},
    )


def _finish_number(
    value: Decimal, raw: object, expected: str, unit_label: str, *, integer: bool
) -> int | float:
    if integer:
        if value != value.to_integral_value():
            raise ParseError(
                "not_integer",
                worded("not_integer", unit_label=unit_label, raw=_text(raw).strip()),
                {"raw": raw, "value": _fmt(value)},
            )
        return int(value)
    out = float(value)
    if not math.isfinite(out):
        raise ParseError(
            "not_a_number",
            worded("too_large", expected=expected),
            {"raw": raw, "expected": expected},
        )
    return out


def parse_number(
    raw: object,
    unit: str | None,
    *,
    integer: bool = False,
    number_format: str | None = None,
) -> Parsed:
    """A number in the field's `unit` (one of formkit.spec.UNITS, or None for a bare number).

    Accepts numbers; text with thousands separators, full-width digits, spaces, a leading
    apostrophe, a leading minus; a unit written in the cell ("3.5亿", "34500万美元",
    "1200万元", "120家"), converted to the field's unit; approximations ("约12", "12左右",
    "超过10", "10多") read as the number with an "approximate" warning. `integer=True`
    admits whole numbers only and returns an int. A "%" field is read by `parse_percent`
    (`number_format` is passed on to it).
    """
    if unit == "%":
        return parse_percent(raw, number_format=number_format)
    if unit is not None and unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r} (known: {', '.join(UNITS)})")
    kind, field_mult = UNITS[unit] if unit is not None else (None, 1.0)
    unit_label = worded("unit_label", unit=unit) if unit else ""
    expected = worded("expect_integer" if integer else "expect_number", unit_label=unit_label)

    empty = _empty_kind(raw)
    if empty:
        return Parsed(None, empty)
    if _is_number(raw):
        value = _finite_number(raw, expected)
        return Parsed(_finish_number(value, raw, expected, unit_label, integer=integer), "number")
    if not isinstance(raw, str):
        raise ParseError(
            "not_a_number",
            worded("expected", expected=expected, raw=raw),
            {"raw": str(raw), "expected": expected},
        )

    lx = _lex_number(raw, expected)
    shown = raw.strip()

    def mismatch(what: str) -> ParseError:
        return ParseError(
            "unit_mismatch",
            worded("unit_written", unit=unit or "无", written=what, raw=shown, expected=expected),
            {"raw": raw, "unit": unit, "written": what},
        )

    if lx.percent:
        raise mismatch(worded("written_percent"))
    if kind == "count" and lx.currency:
        raise mismatch(worded("written_amount", written=lx.unit_text))
    if kind in _CURRENCY_NAME and lx.count:
        raise mismatch(worded("written_count", written=lx.count))
    if kind in _CURRENCY_NAME and lx.currency and lx.currency != kind:
        currency = _CURRENCY_NAME[lx.currency]
        raise mismatch(worded("written_currency", currency=currency, written=lx.unit_text))

    value = lx.value
    notes: list[Note] = []
    how = "fullwidth" if lx.fullwidth else "text-number"
    written = lx.unit_text + (lx.count or "")
    if written:
        base = Decimal(field_mult)
        if lx.mult is None and lx.currency is None:
            cell_mult = base  # only a count unit, e.g. "120家"
        elif lx.mult is None:
            cell_mult = Decimal(1)  # "1200元" into 万元: literally 1200 元
        else:
            cell_mult = _MULTIPLIERS[lx.mult]
        ratio = cell_mult / base
        value = lx.value * ratio
        target = unit or "（无单位）"
        if ratio == 1:
            how = "unit-stripped"
            notes.append(
                Note(
                    "unit_stripped",
                    "info",
                    worded("unit_stripped", written=written, unit=target),
                    {"written": written, "unit": unit},
                )
            )
        else:
            how = f"unit:{written}->{unit or '1'}"
            # the written amount in words, e.g. "亿美元" for "3.5亿" into 万美元
            full = (lx.mult or "") + _CURRENCY_NAME.get(kind or "", unit or "")
            notes.append(
                Note(
                    "unit_converted",
                    "info",
                    worded(
                        "unit_converted",
                        written=written,
                        full=full,
                        factor=_fmt(ratio),
                        unit=target,
                        value=_fmt(value),
                    ),
                    {
                        "written": written,
                        "unit": unit,
                        "factor": _fmt(ratio),
                        "value": _fmt(value),
                        "raw_number": _fmt(lx.value),
                    },
                )
            )
    if lx.approx:
        notes.append(_approx_note(raw, value, unit or ""))
    return Parsed(
        _finish_number(value, raw, expected, unit_label, integer=integer), how, tuple(notes)
    )


# ---------------------------------------------------------------------------------------
# percentages

_GROWTH_RE = re.compile(
    r"^(?:同比)?(?:(?P<up>增长率?为?|增幅为?|增速为?|增加|上升|提高|上涨)"
    r"|(?P<down>负增长|下降|减少|降低|下滑|下跌|负))"
)
_QUOTED_FMT_RE = re.compile(r'"[^"]*"|\\.')


def _is_percent_format(number_format: str | None) -> bool:
    return bool(number_format) and "%" in _QUOTED_FMT_RE.sub("", number_format or "")


def parse_percent(raw: object, *, number_format: str | None = None) -> Parsed:
    """A percentage, in percent points: "12%" → 12.0, 12 → 12.0, "-3.2%" → -3.2.

    A number in a cell formatted as percent (`number_format` such as "0.00%") holds the
    fraction: 0.12 → 12.0 with a "percent_fraction" note. "增长12%" → 12, "下降5%" → -5;
    approximations as for numbers.
    """
    expected = worded("expect_percent")
    empty = _empty_kind(raw)
    if empty:
        return Parsed(None, empty)
    if _is_number(raw):
        value = _finite_number(raw, expected)
        if _is_percent_format(number_format):
            pts = value * 100
            note = Note(
                "percent_fraction",
                "info",
                worded("percent_fraction", stored=_fmt(value), value=_fmt(pts)),
                {"raw": raw, "value": _fmt(pts), "number_format": number_format},
            )
            return Parsed(float(pts), "percent-fraction", (note,))
        return Parsed(float(value), "number")
    if not isinstance(raw, str):
        raise ParseError(
            "not_a_number", worded("expected", expected=expected, raw=raw), {"raw": str(raw)}
        )

    s, _ = _squeeze(raw)
    sign = 1
    approx = False
    while True:
        g = _GROWTH_RE.match(s)
        if g and len(g[0]) < len(s):
            sign = -1 if g["down"] else sign
            s = s[g.end() :]
            continue
        a = _APPROX_PREFIX_RE.match(s)
        if a and a.end() < len(s):
            approx, s = True, s[a.end() :]
            continue
        break
    lx = _lex_number(s, expected, raw.strip())
    if lx.mult or lx.currency or lx.count:
        raise ParseError(
            "unit_mismatch",
            worded("percent_units", expected=expected, raw=raw.strip()),
            {"raw": raw, "written": lx.unit_text + (lx.count or "")},
        )
    value = -abs(lx.value) if sign < 0 else lx.value
    notes = (_approx_note(raw, value, "%"),) if approx or lx.approx else ()
    if lx.fullwidth or _FULLWIDTH_RE.search(raw):
        how = "fullwidth"
    else:
        how = "text-percent" if lx.percent else "text-number"
    out = float(value)
    if not math.isfinite(out):
        raise ParseError("not_a_number", worded("too_large", expected=expected), {"raw": raw})
    return Parsed(out, how, notes)


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
    msg = detail or worded("expected", expected=_DATE_EXPECTED, raw=_text(raw).strip())
    return ParseError("bad_date", msg, {"raw": _text(raw)})


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
        worded("partial_date", raw=_text(raw).strip(), year=y, month=m),
        {"raw": _text(raw), "year": y, "month": m},
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
    empty = _empty_kind(raw)
    if empty:
        return Parsed(None, empty)
    if isinstance(raw, dt.datetime):
        return Parsed(raw.date(), "date")
    if isinstance(raw, dt.date):
        return Parsed(raw, "date")
    if _is_number(raw):
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
    s = _SPACE_RE.sub("", s).rstrip(".。")
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


# ---------------------------------------------------------------------------------------
# phones

_PHONE_SPLIT_RE = re.compile(r"[/,;、|\n]+|或")
_PHONE_LABEL_RE = re.compile(
    r"^(?:联系电话|办公电话|电话|手机|座机|固话|办公|tel|phone|mobile|mob)\.?:?", re.IGNORECASE
)
_PHONE_EXT_RE = re.compile(r"(?:转|分机|ext\.?|x|#)\s*(\d{1,6})\)?\s*$", re.IGNORECASE)
_PHONE_CHARS_RE = re.compile(r"^[\d\s\-().+]*$")
_PHONE_INTL_RE = re.compile(r"^\(?(?:\+|00)86\)?")
_PHONE_EXPECTED = worded("expect_phone")


class _BadPhone(Exception):
    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail


def _landline(digits: str, groups: list[str], ext: str | None) -> str:
    """Canonical "区号-号码[-分机]" from digits starting with 0 (and how they were grouped)."""
    area_len = 3 if digits[1:2] in ("1", "2") else 4  # 010, 02x; all others 0xxx
    if len(groups) >= 2 and groups[0].startswith("0") and len(groups[0]) > 1:
        area, rest = groups[0], groups[1:]
        if len(area) != area_len:
            raise _BadPhone(worded("area_code_length", area=area))
        local = "".join(rest)
        if len(local) not in (7, 8) and len(rest) >= 2 and ext is None:
            head = "".join(rest[:-1])
            if len(head) in (7, 8) and len(rest[-1]) <= 6:
                local, ext = head, rest[-1]
    else:
        area, local = digits[:area_len], digits[area_len:]
    if area.startswith("01") and area != "010":
        raise _BadPhone(worded("no_such_area_code", area=area))
    if len(local) not in (7, 8) or local[0] in "01":
        raise _BadPhone(worded("local_number_length"))
    return f"{area}-{local}" + (f"-{ext}" if ext else "")


def _phone_one(seg: str) -> tuple[str, bool]:
    """One number → (canonical text, whether a leading 0 was added)."""
    s = _PHONE_LABEL_RE.sub("", seg.strip()).strip()
    s = re.sub(r"\.0$", "", s)  # "13912345678.0": a number turned into text
    ext: str | None = None
    if m := _PHONE_EXT_RE.search(s):
        ext, s = m[1], s[: m.start()]
    if not _PHONE_CHARS_RE.match(s):
        raise _BadPhone()
    s = s.strip()
    intl = False
    if m := _PHONE_INTL_RE.match(s):
        intl, s = True, s[m.end() :]
    groups = re.findall(r"\d+", s)
    digits = "".join(groups)
    if not digits:
        raise _BadPhone()
    if not intl and len(digits) == 13 and digits.startswith("861"):
        intl, digits, groups = True, digits[2:], [digits[2:]]
    if len(digits) == 11 and re.match(r"^1[3-9]", digits):
        if ext:
            raise _BadPhone(worded("mobile_extension"))
        return digits, False
    if intl and not digits.startswith("0"):  # +86 25 8330 1234: the 0 is dropped abroad
        digits, groups = "0" + digits, ["0" + groups[0], *groups[1:]]
    if len(digits) == 10 and digits[:3] in ("400", "800"):
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}" + (f"-{ext}" if ext else ""), False
    if digits.startswith("0"):
        return _landline(digits, groups, ext), False
    if len(digits) in (7, 8):
        raise _BadPhone(worded("area_code_missing"))
    if 9 <= len(digits) <= 11:  # a landline whose leading 0 was lost (stored as a number)
        return _landline("0" + digits, ["0" + groups[0], *groups[1:]], ext), True
    raise _BadPhone()


def parse_phone(raw: object) -> Parsed:
    """Phone numbers as canonical text (never a number).

    Landline "区号-号码" or "区号-号码-分机" ("025-83301234-123"); mobile 11 digits
    ("13912345678", "+86"/"86" removed); 400/800 numbers "400-123-4567"; several numbers
    (separated by / , ， ; ； 、 or line breaks) joined with "; ". A number that lost its
    leading 0 (stored as a number: 2583301234) gets it back, with a "phone_leading_zero"
    warning.
    """
    empty = _empty_kind(raw)
    if empty:
        return Parsed(None, empty)
    shown = _text(raw).strip()

    def bad(detail: str = "") -> ParseError:
        why = worded("phone_why", detail=detail) if detail else ""
        return ParseError(
            "bad_phone",
            worded("phone_expected", why=why, expected=_PHONE_EXPECTED, raw=shown),
            {"raw": shown, "detail": detail},
        )

    if _is_number(raw):
        assert isinstance(raw, int | float | Decimal)
        if isinstance(raw, float) and (not math.isfinite(raw) or raw != int(raw)):
            raise bad()
        segments, how = [str(int(raw))], "phone-from-number"
    elif isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw)
        segments = [p for p in _PHONE_SPLIT_RE.split(text) if p.strip()]
        how = ""
    else:
        raise bad()

    out: list[str] = []
    notes: list[Note] = []
    for seg in segments:
        try:
            parts = [_phone_one(seg)]
        except _BadPhone as exc:
            # "025-83301234 13912345678": numbers separated by spaces only
            words = seg.split()
            try:
                if len(words) < 2:
                    raise exc
                parts = [_phone_one(w) for w in words]
            except _BadPhone:
                raise bad(exc.detail) from None
        for number, zero_added in parts:
            out.append(number)
            if zero_added:
                notes.append(
                    Note(
                        "phone_leading_zero",
                        "warning",
                        worded("phone_leading_zero", raw=shown, value=number),
                        {"raw": shown, "value": number},
                    )
                )
    value = "; ".join(out)
    if not how:
        how = "phone" if value == shown else "phone-normalised"
    return Parsed(value, how, tuple(notes))


# ---------------------------------------------------------------------------------------
# e-mail

_LOCAL_RE = re.compile(r"^[a-z0-9!#$%&'*+=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+=?^_`{|}~-]+)*$", re.I)
# the domain as DNS carries it: an internationalised label (宜昌市) in its IDNA form
# (xn--…), so a top-level domain may be one too (中国: xn--fiqs8s)
_DOMAIN_RE = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:[a-z]{2,}|xn--[a-z0-9-]+)$")


def _is_email(address: str) -> bool:
    """An address with an ASCII local part and a domain that may be internationalised
    (kjxm@宜昌市.gov.cn, RFC 5890): each label must encode to IDNA."""
    local, at, domain = address.rpartition("@")
    if not at or not _LOCAL_RE.match(local) or not domain:
        return False
    if any(not label or label[0] == "-" or label[-1] == "-" for label in domain.split(".")):
        return False
    try:
        ascii_domain = domain.lower().encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return bool(_DOMAIN_RE.match(ascii_domain))


def parse_email(raw: object) -> Parsed:
    """An e-mail address: spaces trimmed, full-width forms (＠, ．, 。) made ASCII, "mailto:"
    removed, domain lower-cased. Several addresses (; , 、 /) are joined with "; "."""
    empty = _empty_kind(raw)
    if empty:
        return Parsed(None, empty)
    shown = _text(raw).strip()
    if not isinstance(raw, str):
        raise ParseError(
            "bad_email",
            worded("expected", expected=worded("expect_email"), raw=shown),
            {"raw": shown},
        )
    s = unicodedata.normalize("NFKC", raw).replace("。", ".")
    out: list[str] = []
    for part in re.split(r"[;,、/]+", s):
        p = _SPACE_RE.sub("", part).strip("<>.")
        if not p:
            continue
        if p.lower().startswith("mailto:"):
            p = p[len("mailto:") :]
        if not _is_email(p):
            raise ParseError(
                "bad_email",
                worded("expected", expected=worded("expect_email"), raw=shown),
                {"raw": shown, "part": p},
            )
        local, _, domain = p.rpartition("@")
        out.append(f"{local}@{domain.lower()}")
    if not out:
        raise ParseError(
            "bad_email",
            worded("expected", expected=worded("expect_email"), raw=shown),
            {"raw": shown},
        )
    value = "; ".join(out)
    return Parsed(value, "email" if value == shown else "email-normalised")


# ---------------------------------------------------------------------------------------
# yes / no

_YES = frozenset({"是", "是的", "有", "对", "√", "✓", "✔", "☑", "y", "yes", "true", "1"})
_NO = frozenset({"否", "不是", "无", "没有", "×", "✗", "✘", "n", "no", "false", "0"})


def parse_yesno(raw: object) -> Parsed:
    """True for 是/有/√/Y/Yes/TRUE/1/对, False for 否/无/没有/×/N/No/FALSE/0."""
    if isinstance(raw, bool):
        return Parsed(raw, "yesno")
    if _is_number(raw):
        assert isinstance(raw, int | float | Decimal)
        if raw in (0, 1):
            return Parsed(bool(raw), "yesno")
    elif isinstance(raw, str):
        key = _SPACE_RE.sub("", unicodedata.normalize("NFKC", raw)).rstrip("。.").casefold()
        if key in _YES:
            return Parsed(True, "yesno")
        if key in _NO:  # before the emptiness check: here "无" means 否
            return Parsed(False, "yesno")
    empty = _empty_kind(raw)
    if empty:
        return Parsed(None, empty)
    shown = _text(raw).strip()
    raise ParseError("bad_yesno", worded("yesno_expected", raw=shown), {"raw": shown})


# ---------------------------------------------------------------------------------------
# choices

_CHOICE_LIST_MAX = 12


def _choice_key(s: str) -> str:
    return _SPACE_RE.sub("", unicodedata.normalize("NFKC", s)).rstrip("。.").casefold()


def parse_choice(
    raw: object, choices: Sequence[str], aliases: Mapping[str, str] | None = None
) -> Parsed:
    """One of `choices`: exact; then ignoring spaces, full-width forms and a trailing "。";
    then `aliases` (alias → canonical choice, e.g. {"苏": "江苏省"}) with a "choice_alias"
    note."""
    if raw is None:
        return Parsed(None, "empty")
    text = raw.strip() if isinstance(raw, str) else str(parse_text(raw).value)
    if text in choices:  # before the emptiness check: "无" may be a choice
        return Parsed(text, "choice")
    key = _choice_key(text)
    by_key = {_choice_key(c): c for c in choices}
    if key in by_key:
        return Parsed(by_key[key], "choice-normalised")
    empty = _empty_kind(raw)
    if empty:
        return Parsed(None, empty)
    for alias, canonical in (aliases or {}).items():
        if _choice_key(alias) == key:
            note = Note(
                "choice_alias",
                "info",
                worded("choice_alias", raw=text, value=canonical),
                {"raw": text, "value": canonical},
            )
            return Parsed(canonical, "alias", (note,))
    shown = list(choices[:_CHOICE_LIST_MAX])
    listing = "、".join(shown)
    if len(choices) > _CHOICE_LIST_MAX:
        listing = worded("choices_more", listing=listing, count=len(choices))
    raise ParseError(
        "bad_choice",
        worded("choice_expected", listing=listing, raw=text),
        {"raw": text, "choices": list(choices)},
    )


# ---------------------------------------------------------------------------------------
# text and labels


def parse_text(raw: object) -> Parsed:
    """Text: surrounding spaces/NBSP removed, line breaks made "\\n"; a number becomes its
    text without ".0" (a 邮编 read as 100000.0 gives "100000"); null markers are empty."""
    empty = _empty_kind(raw)
    if empty:
        return Parsed(None, empty)
    if isinstance(raw, bool):
        return Parsed("TRUE" if raw else "FALSE", "text-from-bool")
    if _is_number(raw):
        assert isinstance(raw, int | float | Decimal)
        if isinstance(raw, float) and not math.isfinite(raw):
            return Parsed(str(raw), "text-from-number")
        return Parsed(_fmt(_from_number(raw)), "text-from-number")
    if isinstance(raw, dt.datetime):
        if raw.time() == dt.time(0):
            return Parsed(raw.date().isoformat(), "text-from-date")
        return Parsed(raw.isoformat(sep=" "), "text-from-date")
    if isinstance(raw, dt.date):
        return Parsed(raw.isoformat(), "text-from-date")
    s = _text(raw).replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ").strip()
    return Parsed(s, "text")


def normalise_label(s: str) -> str:
    """A label for matching: NFKC, no whitespace at all, no trailing ":"/"：".

    "申请单位全称：" == "申请单位 全称" == "申请单位\\n全称" == "申请单位全称".
    """
    # labels recur in every file read: short strings are remembered (long text is not)
    return _normalise_short(s) if len(s) <= 64 else _normalise(s)


@functools.lru_cache(maxsize=4096)
def _normalise_short(s: str) -> str:
    return _normalise(s)


def _normalise(s: str) -> str:
    return _SPACE_RE.sub("", unicodedata.normalize("NFKC", s)).rstrip(":")
