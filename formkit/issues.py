"""Issues as data, built from the one catalogue of every issue code (formkit.catalogue).

An `Issue` has a stable code, a severity, where it is (file is the caller's; field,
sheet, cell), the offending value, a Chinese message and the rule it comes from. The
message is built from the catalogue's template, so wording lives in one place;
`docs/issues.md` is generated from `CATALOGUE`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from decimal import Decimal
from typing import Any

from formkit.catalogue import (
    CATALOGUE,
    FILE_REASONS,
    GATE_REJECTIONS,
    GATE_WARNINGS,
    READ_DETAILS,
    SEVERITIES,
    VALUE_DETAILS,
    WORKBOOK_REASONS,
    Entry,
    Severity,
    add_codes,
    file_reason,
    read_detail,
    remove_codes,
    value_detail,
)

__all__ = [
    "CATALOGUE",
    "FILE_REASONS",
    "GATE_REJECTIONS",
    "GATE_WARNINGS",
    "READ_DETAILS",
    "SEVERITIES",
    "VALUE_DETAILS",
    "WORKBOOK_REASONS",
    "Entry",
    "Issue",
    "Severity",
    "add_codes",
    "clause_name",
    "file_reason",
    "json_value",
    "make_issue",
    "read_detail",
    "remove_codes",
    "render",
    "title",
    "unplaced",
    "value_detail",
    "where_zh",
    "with_fix",
]


@dataclass(frozen=True)
class Issue:
    code: str
    severity: Severity
    message: str
    field: str | None = None
    sheet: str | None = None
    cell: str | None = None
    value: Any = None
    clause: str | None = None
    # the other fields a cross-field check compared this one with: when it is an error,
    # their values are as doubtful as this one's (no total may count them)
    related: tuple[str, ...] = ()
    params: dict[str, Any] = dc_field(default_factory=dict, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "field": self.field,
            "sheet": self.sheet,
            "cell": self.cell,
            "value": json_value(self.value),
            "message": self.message,
            "clause": self.clause,
            "related": list(self.related),
        }


def json_value(value: Any) -> Any:
    """A raw or typed value as JSON: dates as ISO text, other non-JSON types as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# codes the summaries show that are not findings in a file's content
_OTHER_TITLES = {"superseded": "已被新版本替代", "same_version": "同一版本重复报送"}


def title(code: str) -> str:
    """The Chinese name of a code (问题类型), for every sheet an official reads; the code
    itself stays in --json and in the tables' last, machine-readable column."""
    entry = CATALOGUE.get(code)
    if entry is not None:
        return entry.title
    return _OTHER_TITLES.get(code, code)


# the clause a criterion cites, as a reader sees it ("consistency" is the data checks')
_CLAUSE_NAMES = {"consistency": "数据核对", "读取": "读取"}


def clause_name(clause: str | None) -> str:
    if not clause:
        return ""
    return _CLAUSE_NAMES.get(clause, clause)


class _Blank(dict[str, Any]):
    """Format params; a missing one shows as "…" rather than failing the message."""

    def __init__(self, params: dict[str, Any] | None = None, **extra: Any) -> None:
        super().__init__({**(params or {}), **extra})

    def __missing__(self, key: str) -> str:
        return "…"


def make_issue(
    code: str,
    *,
    field: str | None = None,
    sheet: str | None = None,
    cell: str | None = None,
    value: Any = None,
    label: str | None = None,
    severity: Severity | None = None,
    clause: str | None = None,
    related: tuple[str, ...] = (),
    **params: Any,
) -> Issue:
    """Build an Issue from the catalogue: the message says where, what, and how to fix it."""
    entry = CATALOGUE[code]
    params = {"label": label or "", "value": _shown(value), **params}
    issue = Issue(
        code=code,
        severity=severity or entry.severity,
        message="",
        field=field,
        sheet=sheet,
        cell=cell,
        value=value,
        clause=clause or entry.clause,
        related=tuple(related),
        params=params,
    )
    return _with_message(issue, render(issue, "zh"))


def _with_message(issue: Issue, message: str) -> Issue:
    return replace(issue, message=message)


def plain(x: float) -> str:
    """A number as a person wrote it, for a message: no exponent, no trailing zeros, to ten
    decimals at most (8200000, 0.5, 45499.75; `:g` shows six digits: 45499.8, 1.23457e+06)."""
    rounded = round(x, 10)  # a computed figure's binary noise (0.1 + 0.2) is not shown
    if rounded == 0:
        return "0"
    text = format(Decimal(repr(rounded)), "f")  # the shortest digits that are the number
    return text.rstrip("0").rstrip(".") if "." in text else text


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return plain(value)
    if value is None:
        return ""
    return json_value(value) if not isinstance(value, str) else value


def where_zh(issue: Issue) -> str:
    """Where an issue is, as its Chinese message begins: 工作表“…” C6（标签）."""
    label = issue.params.get("label", "")
    where = " ".join(
        p for p in (f"工作表“{issue.sheet}”" if issue.sheet else "", issue.cell or "") if p
    )
    if label:
        where = f"{where}（{label}）" if where else f"“{label}”"
    return where or "文件"


def unplaced(message: str, sheet: str | None, cell: str | None) -> str:
    """A message without the place a table's own columns show (工作表, 单元格): its leading
    "工作表“…” C6（标签）：" becomes "标签：". A message that does not begin with its place
    is returned as it is."""
    place = " ".join(p for p in (f"工作表“{sheet}”" if sheet else "", cell or "") if p)
    if not place or not message.startswith(place):
        return message
    rest = message[len(place) :].lstrip()
    if rest.startswith("："):
        return rest[1:]
    if not rest.startswith("（"):
        return message
    depth = 0
    for k, ch in enumerate(rest):
        depth += {"（": 1, "）": -1}.get(ch, 0)
        if depth == 0:
            tail = rest[k + 1 :]
            return f"{rest[1:k]}：{tail[1:]}" if tail.startswith("：") else message
    return message


def render(issue: Issue, lang: str = "zh") -> str:
    """The issue's message in Chinese ("zh") or English ("en"), from the catalogue's templates."""
    entry = CATALOGUE[issue.code]
    label = issue.params.get("label", "")
    if lang == "en":
        where = " ".join(
            p for p in (f"sheet “{issue.sheet}”" if issue.sheet else "", issue.cell or "") if p
        )
        if label:
            where = f"{where} ({label})" if where else f"“{label}”"
        template = entry.template_en or "{where}: " + (entry.title_en or entry.title) + "."
        return template.format_map(_Blank(issue.params, where=where or "file"))
    fields = _Blank(issue.params, where=where_zh(issue))
    return with_fix(issue.code, entry.template.format_map(fields), fields)


def with_fix(code: str, text: str, params: Mapping[str, Any] | None = None) -> str:
    """`text` followed by how to fix it: the code's fix with its placeholders filled from
    `params` (criterion_failed's fix is the criterion's own, {fix_detail}). Every message
    that ends with a fix is built here, so none shows a bare placeholder."""
    fix = CATALOGUE[code].fix.format_map(_Blank(dict(params or {})))
    return f"{text.rstrip('。')}。{fix}" if fix and fix not in text else text
