"""What a rule sees and leaves: the `Context` of one file being validated.

The engine's generic rules, the plausibility bounds and every form's own rules take a
`Context`: the submission as read (never changed), its spec, the reference data and the
reporting year. A rule adds issues and criteria to the context; `formkit.validate` makes
the `Checked` result of them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from formkit.cells import Cell
from formkit.issues import Issue, make_issue
from formkit.read.submission import Submission
from formkit.reference import Reference
from formkit.spec import FormSpec
from formkit.spec.model import Table

# "manual": the notice's criterion cannot be decided from the form and the reference data
# (the notice gives no number, or the figure that would decide it is not known); the facts
# are shown for a person to judge (需人工判断). It never makes the verdict 不符合, and an
# application with one unsettled is never 符合: its verdict is 需人工判断 until a person decides
Status = Literal["pass", "fail", "unknown", "manual"]


@dataclass(frozen=True)
class Criterion:
    id: str
    clause: str
    title: str
    status: Status
    detail: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "clause": self.clause,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }


@dataclass
class Context:
    """What a rule sees: the submission, its spec, the reference data, the reporting year."""

    sub: Submission
    spec: FormSpec
    reference: Reference
    year: int
    criteria: list[Criterion] = field(default_factory=list)
    # the deadline the collecting office set for this round's files (--deadline), if given
    deadline: dt.date | None = None
    computed: dict[str, Any] = field(default_factory=dict)
    # the issues validation found, in order (the submission keeps the reading's own)
    found: list[Issue] = field(default_factory=list)

    @property
    def issues(self) -> tuple[Issue, ...]:
        """Every issue of the file so far: the reading's, then validation's."""
        return (*self.sub.issues, *self.found)

    def value(self, key: str) -> Any:
        return self.sub.values.get(key)

    def where(self, key: str) -> dict[str, Any]:
        """Location params for make_issue: the cell a value came from, or the spec's cell."""
        src = self.sub.sources.get(key)
        fid = key.split("[")[0].split(".")[0]
        label = label_of(self.spec, key)
        if src is not None:
            return {"field": fid, "sheet": src.sheet, "cell": src.cell, "label": label}
        entry = self.spec._by_id.get(fid)
        if entry is None:
            return {"field": fid, "label": label}
        sheet = self.sub.located_sheet(entry.sheet) or self.spec.sheet(entry.sheet).name
        return {"field": fid, "sheet": sheet, "cell": _template_cell(entry, key), "label": label}

    def add(self, code: str, key: str, *, related: tuple[str, ...] = (), **params: Any) -> Issue:
        # the value key ("key_enterprises[1].export_value_q") stays with the issue, so a
        # table row's problems can be shown beside that row
        issue = make_issue(code, **self.where(key), related=related, at_key=key, **params)
        self.found.append(issue)
        return issue

    def has_error(self, *keys: str) -> bool:
        """A value an error-severity issue already points at (so a criterion cannot rely on it).

        Keys are value keys ("export_value", "history[2].hitech_export_value"); an issue
        concerns one when it names the cell the value came from.
        """
        # asked hundreds of times a file (every bounded number), mostly of a file without
        # errors: those are answered before the keys are looked at
        errors = [i for i in (*self.sub.issues, *self.found) if i.severity == "error"]
        if not errors:
            return False
        cells = {(s.sheet, s.cell) for k in keys if (s := self.sub.sources.get(k)) is not None}
        plain = {k for k in keys if "[" not in k and "." not in k}
        return any(
            (i.sheet, i.cell) in cells or (i.field in plain and i.cell is None) for i in errors
        )


def _template_cell(entry: Any, key: str) -> str:
    """The template's cell for a value key with no source: a group item's own cell, a table
    row's column cell, else the entry's first cell."""
    m = re.fullmatch(r"\w+\[(\d+)\]\.(\w+)", key)
    if isinstance(entry, Table) and m:
        rows, col = entry.input_rows, m.group(2)
        if int(m.group(1)) < len(rows) and col in {c.id for c in entry.columns}:
            return Cell(rows[int(m.group(1))], entry.column(col).first_col).a1
    if not isinstance(entry, Table) and "." in key and entry.items:
        item = next((i for i in entry.items if i.id == key.rsplit(".", 1)[-1]), None)
        if item is not None:
            return str(item.area.first.a1)
    return str(entry.area.first.a1)


def label_of(spec: FormSpec, key: str) -> str:
    """The label a value key is shown with: its field's, item's or table column's."""
    fid = key.split("[")[0].split(".")[0]
    try:
        f = spec.field(fid)
    except KeyError:
        try:
            t = spec.table(fid)
        except KeyError:
            return fid
        col = key.rsplit(".", 1)[-1] if "." in key else None
        return t.column(col).label if col and col in {c.id for c in t.columns} else t.label
    if "." in key and f.items:
        item = key.rsplit(".", 1)[-1]
        return next((i.label for i in f.items if i.id == item), f.label)
    return f.label


# a form's rule within one workbook (Form.rules)
Rule = Callable[[Context], None]
