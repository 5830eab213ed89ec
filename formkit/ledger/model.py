"""What the ledger records and reports, as values: a received file, a roster entry, the
outcome of recording a file, and the status of a round."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from formkit.forms import UnknownForm, get_form
from formkit.issues import Issue
from formkit.spec import FormSpec
from formkit.supersession import Decision

State = Literal["未收到", "有错误", "符合", "不符合", "待补充材料", "需人工判断", "已收到"]
# most urgent first: the order of a 催报 list (需人工判断 waits on the province, not the applicant)
STATE_ORDER: tuple[str, ...] = (
    "未收到",
    "有错误",
    "待补充材料",
    "不符合",
    "需人工判断",
    "已收到",
    "符合",
)
# the states a file's 审核结论 gives (a form without verdicts has none of them)
VERDICT_STATES = ("待补充材料", "不符合", "需人工判断", "符合")


@dataclass(frozen=True)
class FileRecord:
    sha256: str
    seq: int
    original_name: str
    path: str
    received_at: dt.datetime
    submission_id: str | None
    roster_id: str | None
    unit: str | None  # the reporting unit, canonical (江苏 -> 江苏省)
    subject: str | None  # the applicant / base the file is about
    filled: dt.date | None  # the 填报日期 (the form's date role)
    status: str
    verdict: str | None
    errors: int
    data_errors: int
    warnings: int
    problem: str | None
    superseded_by: str | None
    # the stored Submission.to_json(), as text: read (`submission`) only when asked for, so
    # a run over thousands of records does not hold thousands of parsed documents
    submission_text: str = field(repr=False, compare=False)
    # the path to open the file by (`path` is display text when the name is not UTF-8)
    location: str = ""
    form_id: str | None = None  # None: a file whose form could not be told
    period: str | None = None  # a periodic form's period ("2007/第二季度"), as read
    fingerprint: str | None = None  # formkit.supersession.fingerprint of its values

    @cached_property
    def submission(self) -> dict[str, Any]:
        """The file's Submission.to_json(), as recorded."""
        doc: dict[str, Any] = json.loads(self.submission_text)
        return doc

    @property
    def state(self) -> State:
        if self.status == "rejected" or self.data_errors:
            return "有错误"
        if self.verdict in VERDICT_STATES:
            return self.verdict  # type: ignore[return-value]
        return "已收到"


@dataclass(frozen=True)
class FileOutcome:
    path: str
    sha256: str
    # reread: known before, but only as a file whose reading failed (a worker that timed
    # out, ran out of memory or crashed): read again and recorded in its place
    outcome: Literal["new", "reread", "duplicate", "unreadable"]
    record: FileRecord | None = None
    supersedes: str | None = None
    detail: str | None = None
    # formkit.supersession's word on this file: current, or why another one counts
    decision: Decision | None = None

    @property
    def unmatched(self) -> bool:
        return self.record is not None and self.record.roster_id is None


@dataclass
class IngestReport:
    """What an ingest run did: every file's outcome (unless the run handed them to its
    caller one by one) and the counts."""

    files: list[FileOutcome] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: FileOutcome, *, keep: bool = True) -> None:
        if keep:
            self.files.append(outcome)
        r = outcome.record
        for name, hit in (
            ("new", outcome.outcome == "new"),
            ("reread", outcome.outcome == "reread"),
            ("duplicate", outcome.outcome == "duplicate"),
            ("superseded", outcome.supersedes is not None),
            ("unmatched", outcome.unmatched),
            ("rejected", r is not None and r.status == "rejected"),
            ("unreadable", outcome.outcome == "unreadable"),
        ):
            if hit:
                self.counts[name] += 1

    def _count(self, name: str) -> int:
        return self.counts[name]

    @property
    def new(self) -> int:
        return self._count("new")

    @property
    def reread(self) -> int:
        return self._count("reread")

    @property
    def duplicate(self) -> int:
        return self._count("duplicate")

    @property
    def superseded(self) -> int:
        return self._count("superseded")

    @property
    def unmatched(self) -> int:
        return self._count("unmatched")

    @property
    def rejected(self) -> int:
        return self._count("rejected")

    @property
    def unreadable(self) -> int:
        return self._count("unreadable")


@dataclass(frozen=True)
class RosterEntry:
    """One roster line as the ledger keeps it; `values` has every roster column of its
    form by field id (`entry.<field id>` reads one, for templates)."""

    submission_id: str
    year: int
    unit: str
    subject: str
    values: Mapping[str, Any]
    form_id: str | None = None
    period: str | None = None
    unit_code: str = ""
    row: int | None = None

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("values") or {}
        if name in values:
            return values[name]
        raise AttributeError(name)


@dataclass(frozen=True)
class StatusRow:
    entry: RosterEntry
    state: State
    # 逾期未报 (nothing received, deadline passed) / 逾期报送 (first file after it) / ""
    overdue: str
    files: int  # how many files arrived for this entry (history included)
    last: FileRecord | None
    note: str = ""  # a same-day conflict between two versions: a person must decide
    # issues across periods (formkit.forms.<form>.across) of the current file, as located
    across: tuple[Issue, ...] = ()

    @property
    def late(self) -> bool:
        return bool(self.overdue)


@dataclass
class StatusReport:
    rows: list[StatusRow]
    unmatched: list[FileRecord]  # 名单外: current files that match no roster entry
    deadline: dt.date | None
    deadline_source: str = "报送截止日期"  # or the notice's own, when none was given
    today: dt.date | None = None
    form_id: str | None = None
    period: str | None = None  # the period reported on ("2007/第二季度"), periodic forms
    # the roster's columns, (field id, header), in the form's [roster] order
    columns: tuple[tuple[str, str], ...] = ()
    title: str = "申报书"  # what the form is called in headings (its file name)
    unit_label: str = "推荐单位"
    subject_label: str = "申请单位"

    @property
    def period_words(self) -> str:
        """The period as people write it: "2007年第二季度", "2007年" ("" for none)."""
        if not self.period:
            return ""
        year, _, rest = self.period.partition("/")
        return f"{year}年{rest}"

    @property
    def what(self) -> str:
        """The form and its period, for headings: "季度数据报表（2007年第二季度）"."""
        return self.title + (f"（{self.period_words}）" if self.period else "")

    @property
    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in STATE_ORDER}
        for r in self.rows:
            out[r.state] += 1
        if not _gives_verdicts(self.form_id):
            # a report has no 审核结论: its states are 未收到 / 有错误 / 已收到 only
            for verdict in VERDICT_STATES:
                if not out.get(verdict):
                    out.pop(verdict, None)
        elif not out.get("已收到"):
            # a form with 审核结论 says what each file it received is (符合 …): "已收到 0"
            # beside three files received would read as none received
            out.pop("已收到", None)
        out["逾期未报"] = sum(1 for r in self.rows if r.overdue == "逾期未报")
        out["逾期报送"] = sum(1 for r in self.rows if r.overdue == "逾期报送")
        out["名单外"] = len(self.unmatched)
        return out


# the states that hold no error: an error across periods turns them into 有错误
_CLEAN = ("待补充材料", "不符合", "需人工判断", "符合", "已收到")


def _severity(issue: Issue | Mapping[str, Any]) -> str:
    if isinstance(issue, Mapping):
        return str(issue.get("severity") or "")
    return issue.severity


def shown_state(record: FileRecord | None, across: Iterable[Issue | Mapping[str, Any]] = ()) -> str:
    """The state shown for `record` (None: 未收到), counting its issues across periods: the
    one rule ingest, status and the web page show a file's state by (formkit.states)."""
    if record is None:
        return "未收到"
    state: str = record.state
    if state in _CLEAN and any(_severity(i) == "error" for i in across):
        return "有错误"
    return state


def _gives_verdicts(form_id: str | None) -> bool:
    try:
        return get_form(form_id).spec.summary.verdicts
    except UnknownForm:
        return True


def entry_of(r: sqlite3.Row) -> RosterEntry:
    return RosterEntry(
        submission_id=r["submission_id"],
        year=r["year"],
        unit=r["unit"],
        subject=r["subject"],
        values=json.loads(r["values_json"] or "{}"),
        form_id=r["form_id"],
        period=r["period"],
        unit_code=r["unit_code"],
        row=r["roster_row"],
    )


def record_of(r: sqlite3.Row | Mapping[str, Any], document: str | None = None) -> FileRecord:
    """A files row (or the mapping it was written from) as a FileRecord; `document`: its
    stored document as a query cut it."""
    return FileRecord(
        sha256=r["sha256"],
        seq=r["seq"],
        original_name=r["original_name"],
        path=r["path"],
        received_at=dt.datetime.fromisoformat(r["received_at"]),
        submission_id=r["submission_id"],
        roster_id=r["roster_id"],
        unit=r["unit"],
        subject=r["subject"],
        filled=dt.date.fromisoformat(r["filled"]) if r["filled"] else None,
        status=r["status"],
        verdict=r["verdict"],
        errors=r["errors"],
        data_errors=r["data_errors"],
        warnings=r["warnings"],
        problem=r["problem"],
        superseded_by=r["superseded_by"],
        submission_text=r["submission_json"] if document is None else document,
        location=os.fsdecode(r["path_bytes"]) if r["path_bytes"] else r["path"],
        form_id=r["form_id"],
        period=r["period"],
        fingerprint=r["fingerprint"],
    )


def form_title(spec: FormSpec) -> str:
    """What a form is called in headings and messages: its file name (申报书, 季度数据报表)."""
    return spec.file_name or spec.id
