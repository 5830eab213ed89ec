"""Phone numbers and e-mail addresses (formkit.parse re-exports `parse_phone` and
`parse_email`): the canonical phone text, several numbers joined with "; "."""

from __future__ import annotations

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
    empty = empty_kind(raw)
    if empty:
        return Parsed(None, empty)
    shown = as_text(raw).strip()

    def bad(detail: str = "") -> ParseError:
        why = worded("phone_why", detail=detail) if detail else ""
        return ParseError(
            "bad_phone",
            worded("phone_expected", why=why, expected=_PHONE_EXPECTED, raw=shown),
            {"raw": shown, "detail": detail},
        )

    if is_number(raw):
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
    empty = empty_kind(raw)
    if empty:
        return Parsed(None, empty)
    shown = as_text(raw).strip()
    if not isinstance(raw, str):
        raise ParseError(
            "bad_email",
            worded("expected", expected=worded("expect_email"), raw=shown),
            {"raw": shown},
        )
    s = unicodedata.normalize("NFKC", raw).replace("。", ".")
    out: list[str] = []
    for part in re.split(r"[;,、/]+", s):
        p = SPACE_RE.sub("", part).strip("<>.")
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
