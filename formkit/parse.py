"""Turn what people type into spreadsheet cells into typed values.

Pure functions, standard library only. Each takes the raw cell value as a spreadsheet
reader gives it (str, int, float, bool, datetime.date/datetime or None) and returns a
`Parsed` result: the typed value, a short machine tag `how` saying which conversion was
used, and `notes` the caller turns into issues. A value that cannot be understood raises
`ParseError` (a `ValueError`) with a stable `code` and a Chinese message. The raw value
is never changed: the caller keeps it beside the result. Dates are parsed in
formkit.parse_dates, phones and e-mail in formkit.parse_contacts, on what formkit.parsed
gives them all; this module offers every parser.

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
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from formkit.issues import value_detail as worded
from formkit.parse_contacts import parse_email, parse_phone
from formkit.parse_dates import parse_date
from formkit.parsed import (
    FULLWIDTH_RE,
    SPACE_RE,
    Note,
    Parsed,
    ParseError,
    as_text,
    empty_kind,
    finite_number,
    format_decimal,
    from_number,
    is_empty,
    is_number,
    squeeze,
)

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
    s, fullwidth = squeeze(raw)
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
        worded("approximate", raw=as_text(raw).strip(), value=format_decimal(value), unit=unit),
        {"raw": raw, "value": format_decimal(value), "unit": unit},
    )


def _finish_number(
    value: Decimal, raw: object, expected: str, unit_label: str, *, integer: bool
) -> int | float:
    if integer:
        if value != value.to_integral_value():
            raise ParseError(
                "not_integer",
                worded("not_integer", unit_label=unit_label, raw=as_text(raw).strip()),
                {"raw": raw, "value": format_decimal(value)},
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

    empty = empty_kind(raw)
    if empty:
        return Parsed(None, empty)
    if is_number(raw):
        value = finite_number(raw, expected)
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
                        factor=format_decimal(ratio),
                        unit=target,
                        value=format_decimal(value),
                    ),
                    {
                        "written": written,
                        "unit": unit,
                        "factor": format_decimal(ratio),
                        "value": format_decimal(value),
                        "raw_number": format_decimal(lx.value),
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
    empty = empty_kind(raw)
    if empty:
        return Parsed(None, empty)
    if is_number(raw):
        value = finite_number(raw, expected)
        if _is_percent_format(number_format):
            pts = value * 100
            note = Note(
                "percent_fraction",
                "info",
                worded("percent_fraction", stored=format_decimal(value), value=format_decimal(pts)),
                {"raw": raw, "value": format_decimal(pts), "number_format": number_format},
            )
            return Parsed(float(pts), "percent-fraction", (note,))
        return Parsed(float(value), "number")
    if not isinstance(raw, str):
        raise ParseError(
            "not_a_number", worded("expected", expected=expected, raw=raw), {"raw": str(raw)}
        )

    s, _ = squeeze(raw)
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
    if lx.fullwidth or FULLWIDTH_RE.search(raw):
        how = "fullwidth"
    else:
        how = "text-percent" if lx.percent else "text-number"
    out = float(value)
    if not math.isfinite(out):
        raise ParseError("not_a_number", worded("too_large", expected=expected), {"raw": raw})
    return Parsed(out, how, notes)


# ---------------------------------------------------------------------------------------
# yes / no

_YES = frozenset({"是", "是的", "有", "对", "√", "✓", "✔", "☑", "y", "yes", "true", "1"})
_NO = frozenset({"否", "不是", "无", "没有", "×", "✗", "✘", "n", "no", "false", "0"})


def parse_yesno(raw: object) -> Parsed:
    """True for 是/有/√/Y/Yes/TRUE/1/对, False for 否/无/没有/×/N/No/FALSE/0."""
    if isinstance(raw, bool):
        return Parsed(raw, "yesno")
    if is_number(raw):
        assert isinstance(raw, int | float | Decimal)
        if raw in (0, 1):
            return Parsed(bool(raw), "yesno")
    elif isinstance(raw, str):
        key = SPACE_RE.sub("", unicodedata.normalize("NFKC", raw)).rstrip("。.").casefold()
        if key in _YES:
            return Parsed(True, "yesno")
        if key in _NO:  # before the emptiness check: here "无" means 否
            return Parsed(False, "yesno")
    empty = empty_kind(raw)
    if empty:
        return Parsed(None, empty)
    shown = as_text(raw).strip()
    raise ParseError("bad_yesno", worded("yesno_expected", raw=shown), {"raw": shown})


# ---------------------------------------------------------------------------------------
# choices

_CHOICE_LIST_MAX = 12


def _choice_key(s: str) -> str:
    return SPACE_RE.sub("", unicodedata.normalize("NFKC", s)).rstrip("。.").casefold()


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
    empty = empty_kind(raw)
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
    empty = empty_kind(raw)
    if empty:
        return Parsed(None, empty)
    if isinstance(raw, bool):
        return Parsed("TRUE" if raw else "FALSE", "text-from-bool")
    if is_number(raw):
        assert isinstance(raw, int | float | Decimal)
        if isinstance(raw, float) and not math.isfinite(raw):
            return Parsed(str(raw), "text-from-number")
        return Parsed(format_decimal(from_number(raw)), "text-from-number")
    if isinstance(raw, dt.datetime):
        if raw.time() == dt.time(0):
            return Parsed(raw.date().isoformat(), "text-from-date")
        return Parsed(raw.isoformat(sep=" "), "text-from-date")
    if isinstance(raw, dt.date):
        return Parsed(raw.isoformat(), "text-from-date")
    s = as_text(raw).replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ").strip()
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
    return SPACE_RE.sub("", unicodedata.normalize("NFKC", s)).rstrip(":")
