"""Tables of what people type into cells, and what formkit.parse makes of them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formkit.parse import (
    Parsed,
    ParseError,
    is_empty,
    normalise_label,
    parse_choice,
    parse_date,
    parse_email,
    parse_number,
    parse_percent,
    parse_phone,
    parse_text,
    parse_yesno,
)
from formkit.spec import UNITS

D = dt.date
FULLWIDTH = str.maketrans("0123456789.,-+e", "０１２３４５６７８９．，－＋ｅ")


def codes(p: Parsed) -> set[str]:
    return {n.code for n in p.notes}


# ---------------------------------------------------------------------------------------
# is_empty


@pytest.mark.parametrize(
    ("raw", "empty"),
    [
        (None, True),
        ("", True),
        ("   ", True),
        ("\xa0\u3000\n", True),
        ("—", True),
        ("——", True),
        ("－", True),
        ("-", True),
        ("--", True),
        ("/", True),
        ("／", True),
        ("无", True),
        ("空", True),
        ("N/A", True),
        ("n/a", True),
        ("NA", True),
        ("null", True),
        (" — ", True),
        (float("nan"), True),
        (0, False),
        (0.0, False),
        (False, False),
        ("0", False),
        ("-1", False),
        ("有", False),
        ("abc", False),
        (D(2006, 4, 20), False),
    ],
)
def test_is_empty(raw: object, empty: bool) -> None:
    assert is_empty(raw) is empty


# ---------------------------------------------------------------------------------------
# numbers

NUMBER_OK = [
    # raw, unit, integer, expected value, how, note codes
    (12, "亿元", False, 12, "number", set()),
    (12.5, "亿元", False, 12.5, "number", set()),
    (3.4499999999999997, "亿美元", False, 3.45, "number", set()),
    (12.0, "个", True, 12, "number", set()),
    (120, "人", True, 120, "number", set()),
    ("12", "亿元", False, 12, "text-number", set()),
    ("1,234.5", "万元", False, 1234.5, "text-number", set()),
    ("1,234,567", "万元", False, 1234567, "text-number", set()),
    ("１２３４．５", "万元", False, 1234.5, "fullwidth", set()),
    ("１，２３４．５", "万元", False, 1234.5, "fullwidth", set()),
    (" 1 234.5 ", "万元", False, 1234.5, "text-number", set()),
    ("1\xa0234", "万元", False, 1234, "text-number", set()),
    ("1\u2009234", "万元", False, 1234, "text-number", set()),
    ("'123", "万元", False, 123, "text-number", set()),
    ("-12", "万元", False, -12, "text-number", set()),
    ("−12", "万元", False, -12, "text-number", set()),
    ("+12", "万元", False, 12, "text-number", set()),
    (".5", "亿元", False, 0.5, "text-number", set()),
    ("1.2E+3", "万元", False, 1200, "text-number", set()),
    # units written in the cell
    ("3.5亿", "亿美元", False, 3.5, "unit-stripped", {"unit_stripped"}),
    ("3.5亿美元", "亿美元", False, 3.5, "unit-stripped", {"unit_stripped"}),
    ("34500万美元", "亿美元", False, 3.45, "unit:万美元->亿美元", {"unit_converted"}),
    ("34500万", "亿美元", False, 3.45, "unit:万->亿美元", {"unit_converted"}),
    ("1200万元", "万元", False, 1200, "unit-stripped", {"unit_stripped"}),
    ("3.5亿元", "万元", False, 35000, "unit:亿元->万元", {"unit_converted"}),
    ("3.45亿", "万美元", False, 34500, "unit:亿->万美元", {"unit_converted"}),
    ("5000万美元", "万美元", False, 5000, "unit-stripped", {"unit_stripped"}),
    ("1200元", "万元", False, 0.12, "unit:元->万元", {"unit_converted"}),
    ("500千万元", "亿元", False, 50, "unit:千万元->亿元", {"unit_converted"}),
    ("350百万美元", "亿美元", False, 3.5, "unit:百万美元->亿美元", {"unit_converted"}),
    ("1200万人民币", "亿元", False, 0.12, "unit:万人民币->亿元", {"unit_converted"}),
    ("人民币1200万元", "万元", False, 1200, "unit-stripped", {"unit_stripped"}),
    ("$12万", "万美元", False, 12, "unit-stripped", {"unit_stripped"}),
    ("12 万 美元", "万美元", False, 12, "unit-stripped", {"unit_stripped"}),
    ("１２万美元", "万美元", False, 12, "unit-stripped", {"unit_stripped"}),
    ("120家", "个", True, 120, "unit-stripped", {"unit_stripped"}),
    ("120个", "个", True, 120, "unit-stripped", {"unit_stripped"}),
    ("3500人", "人", True, 3500, "unit-stripped", {"unit_stripped"}),
    ("1.2万人", "人", True, 12000, "unit:万人->人", {"unit_converted"}),
    ("3万", None, False, 30000, "unit:万->1", {"unit_converted"}),
    # approximations
    ("约12", "亿元", False, 12, "text-number", {"approximate"}),
    ("大约12", "亿元", False, 12, "text-number", {"approximate"}),
    ("12左右", "亿元", False, 12, "text-number", {"approximate"}),
    ("超过10", "亿元", False, 10, "text-number", {"approximate"}),
    ("10多", "亿元", False, 10, "text-number", {"approximate"}),
    ("近10", "亿元", False, 10, "text-number", {"approximate"}),
    ("12以上", "亿元", False, 12, "text-number", {"approximate"}),
    (">10", "亿元", False, 10, "text-number", {"approximate"}),
    ("＞10", "亿元", False, 10, "fullwidth", {"approximate"}),
    ("约3.5亿", "万美元", False, 35000, "unit:亿->万美元", {"approximate", "unit_converted"}),
    ("10多万", "万元", False, 10, "unit-stripped", {"approximate", "unit_stripped"}),
    ("3亿多美元", "亿美元", False, 3, "unit-stripped", {"approximate", "unit_stripped"}),
    ("约120家", "个", True, 120, "unit-stripped", {"approximate", "unit_stripped"}),
    # empty
    (None, "亿元", False, None, "empty", set()),
    ("", "亿元", False, None, "empty", set()),
    ("—", "亿元", False, None, "null-marker", set()),
    ("无", "个", True, None, "null-marker", set()),
    ("/", "万美元", False, None, "null-marker", set()),
    # a % field is read as a percentage
    ("12%", "%", False, 12, "text-percent", set()),
]


@pytest.mark.parametrize(("raw", "unit", "integer", "value", "how", "notes"), NUMBER_OK)
def test_parse_number(
    raw: object, unit: str | None, integer: bool, value: object, how: str, notes: set[str]
) -> None:
    p = parse_number(raw, unit, integer=integer)
    assert p.value == value
    assert p.how == how
    assert codes(p) == notes
    if integer and value is not None:
        assert type(p.value) is int
    if not integer and value is not None:
        assert type(p.value) is float


NUMBER_BAD = [
    ("abc", "亿元", False, "not_a_number"),
    ("12abc", "亿元", False, "not_a_number"),
    ("约", "亿元", False, "not_a_number"),
    ("（12）", "亿元", False, "not_a_number"),
    ("1,23", "亿元", False, "not_a_number"),
    ("1.2.3", "亿元", False, "not_a_number"),
    (True, "亿元", False, "not_a_number"),
    (D(2006, 4, 20), "亿元", False, "not_a_number"),
    (float("inf"), "亿元", False, "not_a_number"),
    ("1200万元", "亿美元", False, "unit_mismatch"),
    ("3.5亿美元", "万元", False, "unit_mismatch"),
    ("$12", "亿元", False, "unit_mismatch"),
    ("人民币12万美元", "万美元", False, "unit_mismatch"),
    ("12%", "亿元", False, "unit_mismatch"),
    ("120家", "万元", False, "unit_mismatch"),
    ("12万元", "个", True, "unit_mismatch"),
    ("12.5", "个", True, "not_integer"),
    (12.5, "人", True, "not_integer"),
    ("1.23456万", "人", True, "not_integer"),
]


@pytest.mark.parametrize(("raw", "unit", "integer", "code"), NUMBER_BAD)
def test_parse_number_errors(raw: object, unit: str, integer: bool, code: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_number(raw, unit, integer=integer)
    assert info.value.code == code
    assert info.value.message
    assert isinstance(info.value, ValueError)


def test_parse_number_unknown_field_unit_is_a_caller_bug() -> None:
    with pytest.raises(ValueError) as info:
        parse_number("12", "公斤")
    assert not isinstance(info.value, ParseError)


def test_unit_conversion_note_says_what_was_done() -> None:
    p = parse_number("34500万美元", "亿美元")
    (note,) = p.notes
    assert note.severity == "info"
    assert note.params["factor"] == "0.0001"
    assert note.params["value"] == "3.45"
    assert "3.45" in note.message


def test_approximation_is_a_warning() -> None:
    (note,) = parse_number("约12", "亿元").notes
    assert (note.code, note.severity) == ("approximate", "warning")


def test_units_come_from_the_spec() -> None:
    for unit in UNITS:
        assert parse_number("1", unit).value == 1


# ---------------------------------------------------------------------------------------
# percentages

PERCENT_OK = [
    # raw, number_format, value, how, notes
    ("12%", None, 12.0, "text-percent", set()),
    (12, None, 12.0, "number", set()),
    (12.5, None, 12.5, "number", set()),
    ("12.5", None, 12.5, "text-number", set()),
    ("１２％", None, 12.0, "fullwidth", set()),
    ("12 %", None, 12.0, "text-percent", set()),
    ("-3.2%", None, -3.2, "text-percent", set()),
    ("－3.2％", None, -3.2, "fullwidth", set()),
    (0.12, "0.00%", 12.0, "percent-fraction", {"percent_fraction"}),
    (0.12, "0%", 12.0, "percent-fraction", {"percent_fraction"}),
    (-0.032, "0.0%", -3.2, "percent-fraction", {"percent_fraction"}),
    (1, "0%", 100.0, "percent-fraction", {"percent_fraction"}),
    (12, '0"%"', 12.0, "number", set()),
    (12, "General", 12.0, "number", set()),
    ("约12%", None, 12.0, "text-percent", {"approximate"}),
    ("12%左右", None, 12.0, "text-percent", {"approximate"}),
    ("超过10%", None, 10.0, "text-percent", {"approximate"}),
    ("增长12%", None, 12.0, "text-percent", set()),
    ("同比增长12%", None, 12.0, "text-percent", set()),
    ("增长约12%", None, 12.0, "text-percent", {"approximate"}),
    ("下降5%", None, -5.0, "text-percent", set()),
    ("减少5.5%", None, -5.5, "text-percent", set()),
    ("负增长5%", None, -5.0, "text-percent", set()),
    ("3个百分点", None, 3.0, "text-percent", set()),
    (None, None, None, "empty", set()),
    ("—", None, None, "null-marker", set()),
]


@pytest.mark.parametrize(("raw", "number_format", "value", "how", "notes"), PERCENT_OK)
def test_parse_percent(
    raw: object, number_format: str | None, value: object, how: str, notes: set[str]
) -> None:
    p = parse_percent(raw, number_format=number_format)
    assert p.value == value
    assert p.how == how
    assert codes(p) == notes


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("abc", "not_a_number"),
        ("12%%", "not_a_number"),
        ("增长", "not_a_number"),
        ("12亿", "unit_mismatch"),
        ("12万美元", "unit_mismatch"),
        (True, "not_a_number"),
        (D(2006, 1, 1), "not_a_number"),
    ],
)
def test_parse_percent_errors(raw: object, code: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_percent(raw)
    assert info.value.code == code


def test_percent_field_through_parse_number_keeps_the_format() -> None:
    p = parse_number(0.12, "%", number_format="0.00%")
    assert (p.value, p.how) == (12.0, "percent-fraction")


# ---------------------------------------------------------------------------------------
# dates

DATE_OK = [
    # raw, date1904, value, how, notes
    (dt.datetime(2006, 4, 20, 0, 0), False, D(2006, 4, 20), "date", set()),
    (dt.datetime(2006, 4, 20, 15, 30), False, D(2006, 4, 20), "date", set()),
    (D(2006, 4, 20), False, D(2006, 4, 20), "date", set()),
    (38827, False, D(2006, 4, 20), "date-serial-1900", set()),
    (38827.75, False, D(2006, 4, 20), "date-serial-1900", set()),
    (1, False, D(1900, 1, 1), "date-serial-1900", set()),
    (59, False, D(1900, 2, 28), "date-serial-1900", set()),
    (61, False, D(1900, 3, 1), "date-serial-1900", set()),
    (2958465, False, D(9999, 12, 31), "date-serial-1900", set()),
    (0, True, D(1904, 1, 1), "date-serial-1904", set()),
    (37365, True, D(2006, 4, 20), "date-serial-1904", set()),
    (20060420, False, D(2006, 4, 20), "date-text", set()),
    ("2006年4月20日", False, D(2006, 4, 20), "date-text", set()),
    ("2006年04月20日", False, D(2006, 4, 20), "date-text", set()),
    ("2006年4月20号", False, D(2006, 4, 20), "date-text", set()),
    ("2006-4-20", False, D(2006, 4, 20), "date-text", set()),
    ("2006-04-20", False, D(2006, 4, 20), "date-text", set()),
    ("2006.4.20", False, D(2006, 4, 20), "date-text", set()),
    ("2006/04/20", False, D(2006, 4, 20), "date-text", set()),
    ("2006/4/20", False, D(2006, 4, 20), "date-text", set()),
    ("20060420", False, D(2006, 4, 20), "date-text", set()),
    ("2006-04-20 00:00:00", False, D(2006, 4, 20), "date-text", set()),
    ("2006-04-20T08:30", False, D(2006, 4, 20), "date-text", set()),
    ("2006 年 4 月 20 日", False, D(2006, 4, 20), "date-text", set()),
    (" 2006年4月20日 ", False, D(2006, 4, 20), "date-text", set()),
    ("２００６年４月２０日", False, D(2006, 4, 20), "date-text", set()),
    ("２００６－０４－２０", False, D(2006, 4, 20), "date-text", set()),
    ("二○○六年四月二十日", False, D(2006, 4, 20), "date-chinese-numerals", set()),
    ("二〇〇六年四月二十日", False, D(2006, 4, 20), "date-chinese-numerals", set()),
    ("二OO六年四月二十日", False, D(2006, 4, 20), "date-chinese-numerals", set()),
    ("二ＯＯ六年四月二十日", False, D(2006, 4, 20), "date-chinese-numerals", set()),
    ("二零零六年四月二十日", False, D(2006, 4, 20), "date-chinese-numerals", set()),
    ("二○○六年十二月三十一日", False, D(2006, 12, 31), "date-chinese-numerals", set()),
    ("二○○六年十月十日", False, D(2006, 10, 10), "date-chinese-numerals", set()),
    ("二○○六年一月五日", False, D(2006, 1, 5), "date-chinese-numerals", set()),
    ("二○○六年四月二十一日", False, D(2006, 4, 21), "date-chinese-numerals", set()),
    ("二○○六年 四月 二十日", False, D(2006, 4, 20), "date-chinese-numerals", set()),
    ("2006年4月", False, D(2006, 4, 1), "partial-date", {"partial_date"}),
    ("2006-4", False, D(2006, 4, 1), "partial-date", {"partial_date"}),
    ("2006.04", False, D(2006, 4, 1), "partial-date", {"partial_date"}),
    ("二○○六年四月", False, D(2006, 4, 1), "partial-date", {"partial_date"}),
    (None, False, None, "empty", set()),
    ("—", False, None, "null-marker", set()),
]


@pytest.mark.parametrize(("raw", "date1904", "value", "how", "notes"), DATE_OK)
def test_parse_date(raw: object, date1904: bool, value: object, how: str, notes: set[str]) -> None:
    p = parse_date(raw, date1904=date1904)
    assert p.value == value
    assert p.value is None or type(p.value) is dt.date
    assert p.how == how
    assert codes(p) == notes
    assert all(n.severity == "warning" for n in p.notes)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("2006-2-30", "bad_date"),
        ("2006年13月1日", "bad_date"),
        ("2006-13", "bad_date"),
        ("二○○六年二月三十日", "bad_date"),
        ("2006年", "bad_date"),
        ("06-4-20", "bad_date"),
        ("2006-4/20", "bad_date"),
        ("4/20/2006", "bad_date"),
        ("明天", "bad_date"),
        ("二○○六年四月二十二十日", "bad_date"),
        (60, "bad_date"),
        (0, "bad_date"),
        (-5, "bad_date"),
        (3_000_000, "bad_date"),
        (20061340, "bad_date"),
        (True, "bad_date"),
        (float("nan"), None),
    ],
)
def test_parse_date_errors(raw: object, code: str | None) -> None:
    if code is None:  # NaN is an empty cell
        assert parse_date(raw).value is None
        return
    with pytest.raises(ParseError) as info:
        parse_date(raw)
    assert info.value.code == code


# ---------------------------------------------------------------------------------------
# phones

PHONE_OK = [
    # raw, value, how, notes
    ("025-83301234", "025-83301234", "phone", set()),
    ("025-8330123", "025-8330123", "phone", set()),
    ("0571-88888888", "0571-88888888", "phone", set()),
    ("010-65123456", "010-65123456", "phone", set()),
    ("025 83301234", "025-83301234", "phone-normalised", set()),
    ("02583301234", "025-83301234", "phone-normalised", set()),
    ("057188888888", "0571-88888888", "phone-normalised", set()),
    ("(025)83301234", "025-83301234", "phone-normalised", set()),
    ("（025）8330 1234", "025-83301234", "phone-normalised", set()),
    ("（０２５）８３３０１２３４", "025-83301234", "phone-normalised", set()),
    ("025-8330-1234", "025-83301234", "phone-normalised", set()),
    ("025-83301234转123", "025-83301234-123", "phone-normalised", set()),
    ("025-83301234 转 123", "025-83301234-123", "phone-normalised", set()),
    ("025-83301234ext.123", "025-83301234-123", "phone-normalised", set()),
    ("025-83301234 ext 123", "025-83301234-123", "phone-normalised", set()),
    ("025-83301234分机123", "025-83301234-123", "phone-normalised", set()),
    ("025-83301234-123", "025-83301234-123", "phone", set()),
    ("0571-8888 8888-6", "0571-88888888-6", "phone-normalised", set()),
    ("电话：025-83301234", "025-83301234", "phone-normalised", set()),
    ("13912345678", "13912345678", "phone", set()),
    ("139 1234 5678", "13912345678", "phone-normalised", set()),
    ("139-1234-5678", "13912345678", "phone-normalised", set()),
    ("+86 13912345678", "13912345678", "phone-normalised", set()),
    ("+86-139-1234-5678", "13912345678", "phone-normalised", set()),
    ("8613912345678", "13912345678", "phone-normalised", set()),
    ("手机:13912345678", "13912345678", "phone-normalised", set()),
    ("+86 25 8330 1234", "025-83301234", "phone-normalised", set()),
    ("400-810-1234", "400-810-1234", "phone", set()),
    ("025-83301234/13912345678", "025-83301234; 13912345678", "phone-normalised", set()),
    ("025-83301234，13912345678", "025-83301234; 13912345678", "phone-normalised", set()),
    ("025-83301234,83301235", None, "", set()),  # second number has no area code: error
    ("025-83301234；025-83301235", "025-83301234; 025-83301235", "phone-normalised", set()),
    ("025-83301234、13912345678", "025-83301234; 13912345678", "phone-normalised", set()),
    ("025-83301234 13912345678", "025-83301234; 13912345678", "phone-normalised", set()),
    ("025-83301234\n13912345678", "025-83301234; 13912345678", "phone-normalised", set()),
    (13912345678, "13912345678", "phone-from-number", set()),
    (13912345678.0, "13912345678", "phone-from-number", set()),
    ("13912345678.0", "13912345678", "phone-normalised", set()),
    (2583301234, "025-83301234", "phone-from-number", {"phone_leading_zero"}),
    (2583301234.0, "025-83301234", "phone-from-number", {"phone_leading_zero"}),
    (1065123456, "010-65123456", "phone-from-number", {"phone_leading_zero"}),
    (57188888888, "0571-88888888", "phone-from-number", {"phone_leading_zero"}),
    ("2583301234", "025-83301234", "phone-normalised", {"phone_leading_zero"}),
    (None, None, "empty", set()),
    ("无", None, "null-marker", set()),
]


@pytest.mark.parametrize(("raw", "value", "how", "notes"), PHONE_OK)
def test_parse_phone(raw: object, value: str | None, how: str, notes: set[str]) -> None:
    if value is None and how == "":
        with pytest.raises(ParseError) as info:
            parse_phone(raw)
        assert info.value.code == "bad_phone"
        return
    p = parse_phone(raw)
    assert p.value == value
    assert p.value is None or isinstance(p.value, str)
    assert p.how == how
    assert codes(p) == notes


@pytest.mark.parametrize(
    "raw",
    [
        "83301234",  # no area code
        "abc",
        "025-833012",  # 6-digit local number
        "025-833012345",  # 9 digits
        "0251-83301234",  # area 025 has 3 digits
        "02-83301234",
        "1391234567",  # 10 digits starting 1 and not 010…
        "013-91234567",  # 01x area codes: only 010
        "139123456789",
        "13912345678转12",  # mobile with an extension
        "12345678901",  # 11 digits, not a mobile prefix
        "025-03301234",  # local numbers do not start with 0
        13912345678.5,
        True,
        D(2006, 1, 1),
        "电话",
    ],
)
def test_parse_phone_errors(raw: object) -> None:
    with pytest.raises(ParseError) as info:
        parse_phone(raw)
    assert info.value.code == "bad_phone"


# ---------------------------------------------------------------------------------------
# e-mail

EMAIL_OK = [
    ("abc@163.com", "abc@163.com", "email"),
    ("  abc@163.com\xa0", "abc@163.com", "email"),  # trimming alone is not reported
    ("abc＠163.com", "abc@163.com", "email-normalised"),
    ("ａｂｃ＠１６３．ｃｏｍ", "abc@163.com", "email-normalised"),
    ("abc@163。com", "abc@163.com", "email-normalised"),
    ("ABC@163.COM", "ABC@163.com", "email-normalised"),
    ("Zhang.San@MOFCOM.gov.CN", "Zhang.San@mofcom.gov.cn", "email-normalised"),
    ("mailto:abc@163.com", "abc@163.com", "email-normalised"),
    ("MAILTO:abc@163.com", "abc@163.com", "email-normalised"),
    ("<abc@163.com>", "abc@163.com", "email-normalised"),
    ("abc @ 163.com", "abc@163.com", "email-normalised"),
    ("first.last+tag@sub.example.org", "first.last+tag@sub.example.org", "email"),
    ("a_b-c@my-host.com.cn", "a_b-c@my-host.com.cn", "email"),
    ("abc@163.com; def@sina.com", "abc@163.com; def@sina.com", "email"),
    ("abc@163.com，def@sina.com", "abc@163.com; def@sina.com", "email-normalised"),
    # internationalised domain names (RFC 5890): a city's own Chinese domain
    ("kjxm@宜昌市.gov.cn", "kjxm@宜昌市.gov.cn", "email"),
    ("kjxm＠宜昌市。gov。cn", "kjxm@宜昌市.gov.cn", "email-normalised"),
    ("office@商务厅.中国", "office@商务厅.中国", "email"),
    ("kjxm@xn--8tv52m.gov.cn", "kjxm@xn--8tv52m.gov.cn", "email"),
    (None, None, "empty"),
    ("无", None, "null-marker"),
]


@pytest.mark.parametrize(("raw", "value", "how"), EMAIL_OK)
def test_parse_email(raw: object, value: str | None, how: str) -> None:
    p = parse_email(raw)
    assert (p.value, p.how) == (value, how)


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "abc@",
        "@163.com",
        "abc@163",
        "abc@163.c",
        "abc@@163.com",
        "a..b@163.com",
        ".ab@163.com@",
        "abc@-163.com",
        "abc@163.com; xyz",
        "张三@163.com",
        "kjxm@宜昌市",  # no top-level domain
        "kjxm@宜昌.gov..cn",
        "kjxm@-宜昌.gov.cn",
        12345,
        True,
    ],
)
def test_parse_email_errors(raw: object) -> None:
    with pytest.raises(ParseError) as info:
        parse_email(raw)
    assert info.value.code == "bad_email"


# ---------------------------------------------------------------------------------------
# yes / no

YESNO = [
    *[(r, True) for r in ["是", "有", "√", "✓", "✔", "Y", "y", "Yes", "YES", "TRUE", "true"]],
    *[(r, True) for r in ["True", "1", "对", " 是 ", "是。", "ｙｅｓ", True, 1, 1.0]],
    *[(r, False) for r in ["否", "无", "没有", "×", "✗", "✘", "N", "n", "No", "FALSE", "false"]],
    *[(r, False) for r in ["0", " 否 ", "无。", False, 0, 0.0]],
    (None, None),
    ("", None),
    ("—", None),
    ("/", None),
]


@pytest.mark.parametrize(("raw", "value"), YESNO)
def test_parse_yesno(raw: object, value: bool | None) -> None:
    p = parse_yesno(raw)
    assert p.value is value


@pytest.mark.parametrize("raw", ["可能", "x", "2", 2, 0.5, "是否", D(2006, 1, 1)])
def test_parse_yesno_errors(raw: object) -> None:
    with pytest.raises(ParseError) as info:
        parse_yesno(raw)
    assert info.value.code == "bad_yesno"


# ---------------------------------------------------------------------------------------
# choices

KINDS = ["地级市", "产业集群", "省级龙头企业"]
PROVINCES = ["北京市", "江苏省", "内蒙古自治区", "新疆生产建设兵团"]
PROVINCE_ALIASES = {"北京": "北京市", "江苏": "江苏省", "苏": "江苏省", "内蒙古": "内蒙古自治区"}

CHOICE_OK = [
    # raw, choices, aliases, value, how, notes
    ("地级市", KINDS, None, "地级市", "choice", set()),
    (" 地级市 ", KINDS, None, "地级市", "choice", set()),
    ("地级 市", KINDS, None, "地级市", "choice-normalised", set()),
    ("地级市。", KINDS, None, "地级市", "choice-normalised", set()),
    ("产业\n集群", KINDS, None, "产业集群", "choice-normalised", set()),
    ("ＡＢ", ["AB", "CD"], None, "AB", "choice-normalised", set()),
    ("ab", ["AB", "CD"], None, "AB", "choice-normalised", set()),
    ("江苏省", PROVINCES, PROVINCE_ALIASES, "江苏省", "choice", set()),
    ("江苏", PROVINCES, PROVINCE_ALIASES, "江苏省", "alias", {"choice_alias"}),
    ("苏", PROVINCES, PROVINCE_ALIASES, "江苏省", "alias", {"choice_alias"}),
    (" 内蒙古 ", PROVINCES, PROVINCE_ALIASES, "内蒙古自治区", "alias", {"choice_alias"}),
    ("无", ["有", "无"], None, "无", "choice", set()),
    ("无", KINDS, None, None, "null-marker", set()),
    (None, KINDS, None, None, "empty", set()),
    (2005, ["2004", "2005"], None, "2005", "choice", set()),
    (2005.0, ["2004", "2005"], None, "2005", "choice", set()),
]


@pytest.mark.parametrize(("raw", "choices", "aliases", "value", "how", "notes"), CHOICE_OK)
def test_parse_choice(
    raw: object,
    choices: list[str],
    aliases: dict[str, str] | None,
    value: str | None,
    how: str,
    notes: set[str],
) -> None:
    p = parse_choice(raw, choices, aliases)
    assert (p.value, p.how) == (value, how)
    assert codes(p) == notes


@pytest.mark.parametrize(
    ("raw", "choices", "aliases"),
    [
        ("县级市", KINDS, None),
        ("浙江", PROVINCES, PROVINCE_ALIASES),
        ("江苏", PROVINCES, None),
        (3, KINDS, None),
    ],
)
def test_parse_choice_errors(
    raw: object, choices: list[str], aliases: dict[str, str] | None
) -> None:
    with pytest.raises(ParseError) as info:
        parse_choice(raw, choices, aliases)
    assert info.value.code == "bad_choice"
    assert info.value.params["choices"] == choices


def test_bad_choice_message_is_truncated_for_long_lists() -> None:
    many = [f"选项{i}" for i in range(40)]
    with pytest.raises(ParseError) as info:
        parse_choice("别的", many)
    assert "选项0" in info.value.message
    assert "选项39" not in info.value.message


# ---------------------------------------------------------------------------------------
# text and labels

TEXT = [
    ("南京市", "南京市", "text"),
    ("  南京市\xa0", "南京市", "text"),
    ("第一行\r\n第二行", "第一行\n第二行", "text"),
    ("第一行\r第二行", "第一行\n第二行", "text"),
    ("A\xa0B", "A B", "text"),
    (100000.0, "100000", "text-from-number"),
    (100000, "100000", "text-from-number"),
    (12.5, "12.5", "text-from-number"),
    (0.1 + 0.2, "0.3", "text-from-number"),
    (True, "TRUE", "text-from-bool"),
    (D(2006, 4, 20), "2006-04-20", "text-from-date"),
    (dt.datetime(2006, 4, 20), "2006-04-20", "text-from-date"),
    (None, None, "empty"),
    ("  ", None, "empty"),
    ("—", None, "null-marker"),
    ("无", None, "null-marker"),
]


@pytest.mark.parametrize(("raw", "value", "how"), TEXT)
def test_parse_text(raw: object, value: str | None, how: str) -> None:
    p = parse_text(raw)
    assert (p.value, p.how) == (value, how)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("申请单位全称：", "申请单位全称"),
        ("申请单位 全称", "申请单位全称"),
        ("申请单位\n全称", "申请单位全称"),
        ("申请单位\xa0全称:", "申请单位全称"),
        ("　申请单位全称　", "申请单位全称"),
        ("企业数（个）", "企业数(个)"),
        ("出口额（亿美元）：", "出口额(亿美元)"),
        ("ＡＢＣ", "ABC"),
    ],
)
def test_normalise_label(a: str, b: str) -> None:
    assert normalise_label(a) == normalise_label(b) == b


# ---------------------------------------------------------------------------------------
# properties

finite = st.floats(allow_nan=False, allow_infinity=False)
amounts = st.floats(min_value=0, max_value=1e15, allow_nan=False)


@given(finite)
def test_number_with_thousands_separators_round_trips(x: float) -> None:
    assert parse_number(f"{x:,}", "亿美元").value == x


@given(finite)
def test_number_in_fullwidth_round_trips(x: float) -> None:
    assert parse_number(f"{x:,}".translate(FULLWIDTH), "亿美元").value == x


@given(finite)
def test_number_written_in_yi_into_yi_usd_round_trips(x: float) -> None:
    assert parse_number(f"{x}亿", "亿美元").value == x
    assert parse_number(f"{x}亿美元", "亿美元").value == x


@given(amounts)
def test_number_written_in_yi_into_wan_usd_is_exact(x: float) -> None:
    expected = float(Decimal(repr(x)) * 10000)
    assert parse_number(f"{x}亿", "万美元").value == expected
    assert parse_number(f"{expected}万美元", "亿美元").value == float(
        Decimal(repr(expected)) / 10000
    )


@given(finite)
def test_percent_round_trips(x: float) -> None:
    assert parse_percent(f"{x}%").value == x


CN = dict(zip("0123456789", "○一二三四五六七八九", strict=True))


def cn_small(n: int) -> str:
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN[str(ones)]
    return ("" if tens == 1 else CN[str(tens)]) + "十" + ("" if ones == 0 else CN[str(ones)])


def date_styles(d: dt.date) -> list[str]:
    y, m, dd = d.year, d.month, d.day
    return [
        f"{y}年{m}月{dd}日",
        f"{y}年{m:02}月{dd:02}日",
        f"{y} 年 {m} 月 {dd} 日",
        f"{y}-{m}-{dd}",
        f"{y}-{m:02}-{dd:02}",
        f"{y}.{m}.{dd}",
        f"{y}/{m:02}/{dd:02}",
        f"{y}/{m}/{dd}",
        f"{y}{m:02}{dd:02}",
        f"{y}-{m:02}-{dd:02}".translate(FULLWIDTH),
        "".join(CN[c] for c in str(y)) + f"年{cn_small(m)}月{cn_small(dd)}日",
    ]


@given(st.dates(min_value=D(1000, 1, 1)))
def test_date_text_styles_round_trip(d: dt.date) -> None:
    for text in date_styles(d):
        assert parse_date(text).value == d, text


@given(st.dates(min_value=D(1900, 3, 1)))
def test_excel_serials_round_trip(d: dt.date) -> None:
    serial_1900 = (d - D(1899, 12, 30)).days
    assert parse_date(serial_1900).value == d
    assert parse_date(float(serial_1900) + 0.5).value == d
    if d >= D(1904, 1, 1):
        assert parse_date((d - D(1904, 1, 1)).days, date1904=True).value == d


@given(
    st.sampled_from(["010", "021", "025", "029", "0571", "0755", "0991"]),
    st.from_regex(r"[2-9][0-9]{6,7}", fullmatch=True),
    st.sampled_from(["{a}-{n}", "{a} {n}", "({a}){n}", "（{a}）{n}", "{a}{n}", "+86 {a1} {n}"]),
)
def test_landline_styles_round_trip(area: str, number: str, style: str) -> None:
    text = style.format(a=area, n=number, a1=area[1:])
    assert parse_phone(text).value == f"{area}-{number}"
