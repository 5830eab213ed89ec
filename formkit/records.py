"""Submissions -> flat application records and their columns, derived from the spec.

The provincial summary, the national roll-up and `to_frame` all work on these records,
so the three cannot disagree about what a column holds.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar, cast, overload

from formkit.issues import CATALOGUE, clause_name, title
from formkit.read.submission import Submission
from formkit.reference import Reference
from formkit.spec import FormSpec

Kind = Literal["text", "integer", "decimal", "percent", "date", "bool"]
T = TypeVar("T")


class Entry(Generic[T]):
    """One of the summary's own entries of a record: read and set as a typed attribute
    (`rec.verdict`), kept under its key ("_verdict"), which is what the sheets write by
    column, the roll-up reads back and a form's parts read and set."""

    def __init__(self, key: str) -> None:
        self.key = key

    @overload
    def __get__(self, rec: None, owner: type[Any]) -> Entry[T]: ...

    @overload
    def __get__(self, rec: SummaryRecord, owner: type[Any]) -> T: ...

    def __get__(self, rec: SummaryRecord | None, owner: type[Any]) -> Entry[T] | T:
        if rec is None:
            return self
        return cast(T, rec.get(self.key))

    def __set__(self, rec: SummaryRecord, value: T) -> None:
        rec[self.key] = value


class SummaryRecord(dict[str, Any]):
    """One application as the summary keeps it: a dict keyed like `columns()` (its values by
    field id, group item, computed value and table; a form's own "_…" entries, such as the
    申报书's decision), with the summary's own entries typed as attributes. An entry not set
    reads as None, as `dict.get` would; the dict is what is written and read back, so the
    typed record changes no output."""

    no = Entry[int | None]("_no")  # 序号, in the summary's order
    region = Entry[str | None]("_region")  # of the reporting unit (reference data)
    unit_code = Entry[str | None]("_unit_code")
    verdict = Entry[str | None]("_verdict")  # 审核结论
    criteria = Entry[str | None]("_criteria")  # the criteria not passed, in words
    criteria_status = Entry[dict[str, str] | None]("_criteria_status")  # id -> status
    excluded = Entry[dict[str, str] | None]("_excluded")  # key -> why it is out of totals
    excluded_text = Entry[str | None]("_excluded_text")
    errors = Entry[int | None]("_errors")
    warnings = Entry[int | None]("_warnings")
    file = Entry[str | None]("_file")  # the file's name
    path = Entry[str | None]("_path")  # as given
    sha256 = Entry[str | None]("_sha256")
    submission_id = Entry[str | None]("_submission_id")
    handle = Entry[str | None]("_handle")  # how the collector knows the file
    conflict = Entry[str | None]("_conflict")  # a same-day version conflict, in words
    period = Entry[str | None]("_period")  # a periodic form's period, in words

    def rows(self, table: str) -> list[dict[str, Any]]:
        """A repeatable table's rows, each with its own problems ("_problems")."""
        return list(self.get(f"_rows.{table}") or [])


@dataclass(frozen=True)
class Col:
    key: str
    header: str
    kind: Kind
    unit: str | None = None
    width: float = 12.0
    # long text that must stay on one line (a hash): shrunk to the width, never wrapped
    shrink: bool = False
    # a column added after summaries were first written: one read back without it is blank
    optional: bool = False


def _kind(ftype: str) -> Kind:
    return {
        "integer": "integer",
        "decimal": "decimal",
        "percent": "percent",
        "date": "date",
        "yesno": "bool",
    }.get(ftype, "text")  # type: ignore[return-value]


# what a typical value needs: a landline with area code and extension, an address
_CONTENT_WIDTH = {"phone": 17.0, "email": 24.0}


def _width(header: str, kind: Kind) -> float:
    cjk = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in header)
    base = {"text": 14.0, "date": 13.0, "bool": 8.0}.get(kind, 11.0)
    # headers wrap onto two lines; the column needs about half the header's width
    return max(base, min(40.0, cjk / 2 + 3))


def columns(
    spec: FormSpec, *, compact: bool = False, computed: Mapping[str, str] | None = None
) -> list[Col]:
    """The application columns, in the order the summary shows them; `computed`: the
    headers of the values the form's rules compute (`Form.computed_labels`), each beside
    its field.

    `compact` leaves out the yes/no conditions and groups (the criteria column names any
    that fail): the printed 汇总表 stays a few pages wide.
    """
    labels = computed or {}
    lead = [(spec.roles.unit or ""), None, (spec.roles.locality or ""), (spec.roles.subject or "")]
    cols: list[Col] = [Col("_no", "序号", "integer", width=6)]
    shown: set[str] = set()
    for fid in lead:
        if fid is None:
            cols.append(Col("_region", "地区", "text", width=8))
            continue
        if not fid:  # a role the form does not have (a report names no city)
            continue
        f = spec.field(fid)
        wide = 26.0 if fid == (spec.roles.subject or "") else _width(f.header, "text") + 4
        cols.append(Col(fid, f.header, _kind(f.type), f.unit, wide))
        shown.add(fid)
    for f in spec.fields:
        if f.id in shown:
            continue
        if compact and f.type in ("group", "yesno"):
            continue
        if f.type == "group":
            for item in f.items:
                header = f"{f.label}：{item.label}"
                cols.append(
                    Col(f"{f.id}.{item.id}", header, _kind(item.type), width=_width(header, "bool"))
                )
            continue
        header = f.header
        width = max(_width(header, _kind(f.type)), _CONTENT_WIDTH.get(f.type, 0.0))
        cols.append(Col(f.id, header, _kind(f.type), f.unit, width))
        if f.id in labels:
            h = labels[f.id]
            cols.append(Col(f"computed.{f.id}", h, "percent", "%", _width(h, "percent")))
    for key, h in labels.items():
        if key not in {c.key.removeprefix("computed.") for c in cols}:
            cols.append(Col(f"computed.{key}", h, "percent", "%", _width(h, "percent")))
    headers = [c.header for c in cols]
    if len(set(headers)) != len(headers):
        dup = sorted({h for h in headers if headers.count(h) > 1})
        raise ValueError(
            f"summary column headers must be unique: {dup} (set column_label in the spec)"
        )
    for t in spec.tables:
        if t.fixed_rows is not None:
            continue
        text_col = next((c for c in t.columns if c.type == "text"), None)
        if text_col is not None:
            h = f"{t.label}"
            cols.append(Col(f"{t.id}.names", h, "text", width=28))
    verdicts = spec.summary.verdicts
    cols += [
        *([Col("_verdict", "审核结论", "text", width=11)] if verdicts else []),
        Col("_excluded_text", "未计入合计的数值", "text", width=24),
        *([Col("_criteria", "未通过或待补充的条件", "text", width=36)] if verdicts else []),
        Col("_errors", "错误", "integer", width=6),
        Col("_warnings", "警告", "integer", width=6),
        Col("_file", "源文件", "text", width=36),
        # a file's SHA-256 is for machines: in the summary's hidden sheet (summary.MACHINE)
    ]
    return cols


def _row_problems(sub: Submission, prefix: str) -> str:
    found = [
        i
        for i in sub.issues
        if i.severity in ("error", "warning") and str(i.params.get("at_key", "")).startswith(prefix)
    ]
    return "；".join(f"{title(i.code)}（{i.sheet}!{i.cell}）" for i in found)


def record(sub: Submission, spec: FormSpec, reference: Reference) -> SummaryRecord:
    """One accepted submission as a flat record keyed like `columns()`."""
    rec = SummaryRecord()
    for f in spec.fields:
        value = sub.values.get(f.id)
        if f.type == "group":
            for item in f.items:
                rec[f"{f.id}.{item.id}"] = (value or {}).get(item.id)
        else:
            rec[f.id] = value
    for key, value in sub.computed.items():
        if isinstance(value, Mapping):
            rec[f"computed.{key}"] = value.get("computed")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            rec[f"computed.{key}"] = value
    for t in spec.tables:
        text_col = next((c for c in t.columns if c.type == "text"), None)
        rows = sub.values.get(t.id) or []
        if t.id in spec.summary.tables:  # listed on a sheet of their own, with each
            # row's own problems beside it
            rec[f"_rows.{t.id}"] = [
                {**r, "_problems": _row_problems(sub, f"{t.id}[{i}].")} for i, r in enumerate(rows)
            ]
        if text_col is not None:
            rec[f"{t.id}.names"] = "、".join(
                str(r[text_col.id]) for r in rows if r.get(text_col.id)
            )
    unit_field = spec.roles.unit or ""
    unit = reference.unit(str(rec.get(unit_field) or "")) if unit_field else None
    rec.region = unit.region if unit else None
    rec.unit_code = unit.code if unit else None
    rec.verdict = sub.verdict
    rec.criteria = "；".join(
        f"{clause_name(c['clause'])} {c['title']}（{_CRITERION_ZH.get(c['status'], '待补充')}）"
        for c in sub.criteria
        if c["status"] != "pass"
    )
    rec.criteria_status = {c["id"]: c["status"] for c in sub.criteria}
    rec.excluded = doubted = excluded(sub, spec)
    rec.excluded_text = excluded_text(doubted, spec)
    rec.errors = sub.errors
    rec.warnings = sub.warnings
    rec.file = os.path.basename(sub.file)
    rec.path = sub.file
    rec.sha256 = sub.sha256
    rec.submission_id = sub.submission_id
    return rec


# how the 未通过或待补充的条件 column names a criterion that did not pass
_CRITERION_ZH = {"fail": "不符合", "unknown": "待补充", "manual": "需人工判断"}

# the 汇总表's short form of that cell: a segment's status word, where the title ends
_SEGMENT_STATUS = re.compile("（(" + "|".join(_CRITERION_ZH.values()) + ")[：）]")
BRIEF_CRITERIA = "_criteria_brief"


def _segments(text: str) -> list[str]:
    """The cell's segments: split at each "；" outside the full-width brackets (a
    segment's facts may hold a "；" of their own)."""
    parts, depth, start = [], 0, 0
    for m in _BRACKETS_OR_SEMICOLON.finditer(text):
        ch = m.group()
        if ch == "（":
            depth += 1
        elif ch == "）":
            depth = max(0, depth - 1)
        elif depth == 0:
            parts.append(text[start : m.start()])
            start = m.end()
    parts.append(text[start:])
    return parts


_BRACKETS_OR_SEMICOLON = re.compile("[（）；]")


def brief_criteria(text: Any) -> str:
    """The 未通过或待补充的条件 cell as the printed 汇总表 shows it: each condition by its
    clause and one word, clauses of one word together ("六(二)(2)、五(一) 需人工判断；六(一)
    待补充"). The titles and facts are on 明细 and 问题清单; a page row stays one or two
    lines high, so 30 applications print on 3 pages (issue #21 item 5)."""
    by_word: dict[str, list[str]] = {}
    for part in _segments(str(text or "")):
        clause, _, rest = part.strip().partition(" ")
        found = _SEGMENT_STATUS.search(rest)
        if not clause or found is None:
            if part.strip():  # not formkit's own segment: shown as it is
                by_word.setdefault(part.strip(), [])
            continue
        by_word.setdefault(found.group(1), [])
        if clause not in by_word[found.group(1)]:
            by_word[found.group(1)].append(clause)
    order = {w: i for i, w in enumerate(_CRITERION_ZH.values())}
    words = sorted(by_word, key=lambda w: order.get(w, len(order)))
    return "；".join(f"{'、'.join(by_word[w])} {w}" if by_word[w] else w for w in words)


# failed eligibility is a verdict on a correct value, not a doubt about the value
_VERDICT_CODES = frozenset({"criterion_failed", "criterion_unknown"})


def excluded(sub: Submission, spec: FormSpec) -> dict[str, str]:
    """Record keys whose values no total may count: {key: why}, from the file's errors.

    A value is out when an error names its field, or names it as one the check compared
    with (`Issue.related`: 高新 > 出口 leaves both out). Values computed from a table are
    out when an error names that table.
    """
    out: dict[str, str] = {}
    for issue in sub.issues:
        if issue.severity != "error" or issue.code in _VERDICT_CODES:
            continue
        entry = CATALOGUE.get(issue.code)
        why = entry.title if entry is not None else issue.code
        for fid in (issue.field, *issue.related):
            if fid:
                out.setdefault(fid, why)
    tables = {t.id for t in spec.tables}
    doubtful = [out[t] for t in tables if t in out]
    reference_only = spec.summary.national_growth  # the nation's, not the file's
    if doubtful:
        for key in sub.computed:
            if key != reference_only:
                out.setdefault(f"computed.{key}", doubtful[0])
    return out


def excluded_text(excluded: Mapping[str, str], spec: FormSpec) -> str:
    """The 汇总表's "未计入合计的数值" cell: "出口额(亿美元)：万/亿单位错误；…" (numeric
    fields only; read back by the roll-up with `excluded_keys`)."""
    parts = []
    for f in spec.fields:
        if f.id in excluded and f.type in ("integer", "decimal"):
            parts.append(f"{f.header}：{excluded[f.id]}")
    return "；".join(parts)


def excluded_keys(text: Any, spec: FormSpec) -> dict[str, str]:
    """`excluded_text` back to {field id: why} (the roll-up reads province summaries)."""
    if not isinstance(text, str) or not text:
        return {}
    by_header = {f.header: f.id for f in spec.fields}
    out = {}
    for part in text.split("；"):
        header, _, why = part.partition("：")
        if header in by_header:
            out[by_header[header]] = why
    return out


def usable(rec: Mapping[str, Any], key: str) -> float | None:
    """A numeric value a total may count: present, a number, and not doubted by an error."""
    value = rec.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if key in (rec.get("_excluded") or {}):
        return None
    return value


def unit_order(reference: Reference) -> dict[str, int]:
    return {u.name: i for i, u in enumerate(reference.units)}


def sort_key(spec: FormSpec, order: Mapping[str, int]) -> Any:

    def key(rec: Mapping[str, Any]) -> tuple[Any, ...]:
        unit = str(rec.get((spec.roles.unit or ""), "") or "")
        return (
            order.get(unit, len(order)),
            unit,
            str(rec.get((spec.roles.locality or ""), "") or ""),
            str(rec.get((spec.roles.subject or ""), "") or ""),
            str(rec.get("_file", "")),
        )

    return key


def iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value
