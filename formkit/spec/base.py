"""What every part of a form spec is built with: `SpecError`, the field types, Excel's
limits on names and texts, and the small readers of a spec's entries."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from formkit.cells import Area, parse_area

FieldType = Literal[
    "text", "phone", "email", "date", "integer", "decimal", "percent", "yesno", "choice", "group"
]
FIELD_TYPES: frozenset[str] = frozenset(FieldType.__args__)  # type: ignore[attr-defined]

SHEET_NAME_FORBIDDEN = set("[]:*?/\\")
EXCEL_SHEET_NAME_MAX = 31
EXCEL_INLINE_LIST_MAX = 255
EXCEL_CELL_TEXT_MAX = 32767
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class SpecError(ValueError):
    """A form spec that cannot be used: the message names the entry and the problem."""


def require_key(d: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in d:
        raise SpecError(f"{where}: missing {key!r}")
    return d[key]


def read_area(value: Any, where: str) -> Area:
    try:
        return parse_area(str(value))
    except ValueError as exc:
        raise SpecError(f"{where}: {exc}") from None


def id_list(d: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = d.get(key, ())
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise SpecError(f"{where} {key}: a list of field ids")
    return tuple(value)
