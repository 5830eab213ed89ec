"""What a value parser gives (`Parsed`, its `Note`s, a `ParseError`) and the helpers every
parser of formkit.parse, formkit.parse_dates and formkit.parse_contacts shares."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from formkit.issues import value_detail as worded


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
FULLWIDTH_RE = re.compile("[\u3000\uff01-\uff5e]")
SPACE_RE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_MINUS_TRANS = str.maketrans({"−": "-", "–": "-", "‐": "-", "‑": "-"})


def as_text(raw: object) -> str:
    return raw if isinstance(raw, str) else str(raw)


def empty_kind(raw: object) -> str | None:
    """ "empty" for nothing, "null-marker" for a written 'nothing' ("—", "无", "N/A"), else None."""
    if raw is None:
        return "empty"
    if isinstance(raw, float) and math.isnan(raw):
        return "empty"
    if not isinstance(raw, str):
        return None
    s = raw.strip()
    if not SPACE_RE.sub("", s):
        return "empty"
    if s.casefold() in _NULL_MARKERS or all(c in _DASHES for c in s):
        return "null-marker"
    return None


def is_empty(raw: object) -> bool:
    """True for None, "", whitespace and null markers ("—", "-", "/", "无", "空", "N/A", ...).

    For yes/no cells "无" means 否: `parse_yesno` handles it before this check.
    """
    return empty_kind(raw) is not None


def squeeze(s: str) -> tuple[str, bool]:
    """NFKC (full-width → half-width), drop every kind of space, unify minus signs.

    Returns the text and whether it held full-width characters.
    """
    fullwidth = bool(FULLWIDTH_RE.search(s))
    t = unicodedata.normalize("NFKC", s).translate(_MINUS_TRANS)
    return SPACE_RE.sub("", t), fullwidth


def format_decimal(d: Decimal) -> str:
    """A decimal for a message, without exponent or trailing zeros: 34500, 3.45, 0.0001."""
    if d == 0:
        return "0"
    return f"{d.normalize():f}"


def from_number(x: int | float | Decimal) -> Decimal:
    if isinstance(x, float):
        # 15 significant digits: what Excel stores and shows
        return Decimal(f"{x:.15g}")
    return Decimal(x)


def is_number(raw: object) -> bool:
    return isinstance(raw, int | float | Decimal) and not isinstance(raw, bool)


def finite_number(raw: object, expected: str) -> Decimal:
    """A stored number as a Decimal; NaN or infinity (which no cell should hold) refused."""
    assert isinstance(raw, int | float | Decimal)
    if isinstance(raw, float) and not math.isfinite(raw):
        raise ParseError(
            "not_a_number", worded("expected", expected=expected, raw=raw), {"raw": raw}
        )
    return from_number(raw)
