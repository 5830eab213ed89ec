"""The collection rounds' ledger: who should submit, what arrived, what counts now.

An SQLite file (stdlib sqlite3) that formkit creates and migrates itself. One ledger may
hold several forms (the 申报书 round, a year of 季度数据报表 and 年度工作报告): every roster
entry and file carries its form and period, and every query is per form. Which columns a
roster has is the form's `[roster]`, which field is the unit, the subject and the 填报日期
its `[roles]`; the tables and this module name no field of any form. Every received file
is kept forever under its SHA-256; a later file for the same subject and period supersedes
the earlier one (`superseded_by`), so every version stays on record.

Durability: WAL, synchronous=FULL and one IMMEDIATE transaction per file, so a run
killed at any moment leaves the ledger as it was before the file being recorded; since
files already recorded are skipped by hash, running the same command again finishes
the job with the same result.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import queue
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from formkit.distribute import Period, RosterRow, applicant_key

if TYPE_CHECKING:
    from formkit.issues import Issue
    from formkit.read import ReadOptions, Submission
    from formkit.reference import Reference
    from formkit.spec import FormSpec
    from formkit.supersession import Candidate, Decision

T = TypeVar("T")

# Ordered schema steps; the database's PRAGMA user_version counts those applied. Versions
# 1-4 are SQL scripts (formkit/ledger_schema/, released: never edit one); from version 5
# a step may be a function of the connection. Append, never change.
_SCHEMA = Path(__file__).with_name("ledger_schema")


def _v5_generic(db: sqlite3.Connection) -> None:
    """Version 5: one ledger, several forms. The roster and files tables of versions 1-4
    named their columns after the 申报书's fields (the default form's roles and roster
    columns); they become the form-independent unit / subject / filled, each row gains
    its form and period, and the roster's other columns move into `values_json`. Rows and
    their ids are kept; what the old columns were called is read from the default form's
    spec, not written here."""
    from formkit.forms import DEFAULT_FORM, get_form

    spec = get_form(DEFAULT_FORM).spec
    roles = spec.roles

    def columns(table: str) -> list[str]:
        return [str(r[1]) for r in db.execute(f"PRAGMA table_info({table})")]

    def rename(table: str, old: str, new: str) -> None:
        if old in columns(table) and old != new:
            db.execute(f'ALTER TABLE {table} RENAME COLUMN "{old}" TO "{new}"')

    rename("roster", roles.unit, "unit")
    rename("roster", f"{roles.unit}_code", "unit_code")
    rename("roster", roles.subject, "subject")
    rename("roster", "applicant_key", "subject_key")
    db.execute("ALTER TABLE roster ADD COLUMN form_id TEXT")
    db.execute("ALTER TABLE roster ADD COLUMN period TEXT")
    db.execute("ALTER TABLE roster ADD COLUMN values_json TEXT NOT NULL DEFAULT '{}'")
    rest = [c.field for c in spec.roster.columns if c.field in columns("roster")]
    for row in db.execute("SELECT * FROM roster").fetchall():
        values = {
            roles.unit: row["unit"],
            roles.subject: row["subject"],
            **{f: row[f] for f in rest},
        }
        db.execute(
            "UPDATE roster SET form_id = ?, values_json = ? WHERE submission_id = ?",
            (DEFAULT_FORM, json.dumps(values, ensure_ascii=False), row["submission_id"]),
        )
    for f in rest:
        db.execute(f'ALTER TABLE roster DROP COLUMN "{f}"')
    db.execute("CREATE INDEX roster_by_form ON roster (form_id, period, unit, subject_key)")

    rename("files", roles.unit, "unit")
    rename("files", "applicant", "subject")
    if roles.date:
        rename("files", roles.date, "filled")
    db.execute("ALTER TABLE files ADD COLUMN form_id TEXT")
    db.execute("ALTER TABLE files ADD COLUMN period TEXT")
    # every file of a version-4 ledger was read as the 申报书 (the only form it took)
    db.execute("UPDATE files SET form_id = ?", (DEFAULT_FORM,))
    db.execute("CREATE INDEX files_by_form ON files (form_id, period)")


Migration = str | Callable[[sqlite3.Connection], None]
_SCRIPTS = (
    "0001-roster-files-events.sql",
    "0002-supersession.sql",
    "0003-web.sql",
    "0004-path-bytes.sql",
)
MIGRATIONS: tuple[Migration, ...] = (
    *((_SCHEMA / name).read_text(encoding="utf-8") for name in _SCRIPTS),
    _v5_generic,
    (_SCHEMA / "0006-audit-client.sql").read_text(encoding="utf-8"),
    (_SCHEMA / "0007-bases.sql").read_text(encoding="utf-8"),
    (_SCHEMA / "0008-decisions.sql").read_text(encoding="utf-8"),
    (_SCHEMA / "0009-login-lockout.sql").read_text(encoding="utf-8"),
)

# test hook: seconds to sleep after each commit, so a test can kill `ingest` there; with it
# set, ingest commits every file alone
SLEEP_ENV = "FORMKIT_TEST_SLEEP_AFTER_COMMIT"
# ingest records files in batches of at most this many files, or of the files read in this
# many seconds: one transaction (and one fsync of the WAL) per batch, not per file
BATCH_FILES = 200
BATCH_SECONDS = 1.0

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
_VERDICT_STATES = ("待补充材料", "不符合", "需人工判断", "符合")


class LedgerError(RuntimeError):
    """A ledger that cannot be used (newer schema, not a formkit ledger, I/O)."""


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
        if self.verdict in _VERDICT_STATES:
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
            for verdict in _VERDICT_STATES:
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


def _gives_verdicts(form_id: str | None) -> bool:
    from formkit.forms import UnknownForm, get_form

    try:
        return get_form(form_id).spec.summary.verdicts
    except UnknownForm:
        return True


def _now(day: dt.date | None = None) -> str:
    """Now, as the ledger records it; `day`: a replay's day (`--today`), at this time of
    day, so files recorded in a replay arrive on the day it replays."""
    now = dt.datetime.now().astimezone()
    if day is not None:
        now = now.replace(year=day.year, month=day.month, day=day.day)
    return now.isoformat(timespec="seconds")


def file_sha256(path: str | os.PathLike[str]) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class Ledger:
    """`with Ledger("formkit.db") as ledger: ...` — created and migrated on open."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        reference: Reference | None = None,
        spec: FormSpec | None = None,
        form: str | None = None,
    ):
        """`spec`: the default form's spec (the 申报书's unless given); `form`: the form a
        file is recorded as when it does not say which it is (one that could not be read)."""
        self.path = Path(path)
        self._reference = reference
        self._spec = spec
        self._form = form
        try:
            if self.path.parent != Path():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            # autocommit mode: transactions are opened explicitly, one per file
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA busy_timeout = 30000")
            _retry_locked(lambda: self.db.execute("PRAGMA journal_mode=WAL"))
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"报送台账 {self.path} 无法使用：{exc}") from None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @property
    def spec(self) -> FormSpec:
        """The form whose roles (reporting unit, applicant, 填报日期) the ledger records."""
        if self._spec is None:
            from formkit.spec import load_spec

            self._spec = load_spec()
        return self._spec

    def _spec_of(self, form_id: str | None) -> FormSpec:
        """The spec of a form by id: a registered form's, else the default spec."""
        from formkit.forms import UnknownForm, get_form

        if form_id is None or (self._spec is not None and self._spec.id == form_id):
            return self.spec
        try:
            return get_form(form_id).spec
        except UnknownForm:
            return self.spec

    @property
    def reference(self) -> Reference:
        if self._reference is None:
            from formkit.reference import load_reference

            self._reference = load_reference()
        return self._reference

    # ------------------------------------------------------------ schema

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        version = self.schema_version
        if version > len(MIGRATIONS):
            raise LedgerError(
                f"报送台账 {self.path} 由更新版本的 formkit 创建（结构版本 {version}），"
                "请升级 formkit。"
            )
        if version == len(MIGRATIONS):
            return
        # two commands opening a new ledger at once: the second waits for the first's
        # transaction, then finds the schema made and applies nothing
        self.db.execute("BEGIN IMMEDIATE")
        try:
            version = self.schema_version
            for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
                if callable(step):
                    step(self.db)
                else:
                    for statement in _statements(step):
                        self.db.execute(statement)
                # user_version lives in the file header and commits with the script
                self.db.execute(f"PRAGMA user_version = {number}")
            self._backfill()
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _backfill(self) -> None:
        """Files recorded before the values digest existed get theirs from the stored JSON;
        files recorded before decisions were stored (version 7) get their links and
        decisions."""
        from formkit.supersession import fingerprint

        rows = self.db.execute(
            "SELECT sha256, submission_json FROM files"
            " WHERE fingerprint IS NULL AND status = 'accepted'"
        ).fetchall()
        for row in rows:
            doc = json.loads(row["submission_json"])
            self.db.execute(
                "UPDATE files SET fingerprint = ?, annotates = ? WHERE sha256 = ?",
                (fingerprint(doc.get("values") or {}), doc.get("annotates"), row["sha256"]),
            )
        undecided = self.db.execute(
            "SELECT 1 FROM files WHERE disposition IS NULL LIMIT 1"
        ).fetchone()
        if rows or undecided:
            self._relinks(self.db.execute(f"SELECT {_CANDIDATE} FROM files").fetchall())
            self._resolve()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction; an SQLite failure (disk full, locked, read-only) rolls it back
        and becomes a LedgerError that says so in Chinese."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self._unusable(exc) from None
        try:
            yield self.db
            self.db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise self._unusable(exc) from None
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One transaction for a module keeping its own tables here (the register of
        bases, formkit/bases/): all or nothing, failures as a Chinese LedgerError."""
        return self._tx()

    def _unusable(self, exc: sqlite3.OperationalError) -> LedgerError:
        text = str(exc)
        why = (
            "磁盘已满"
            if "full" in text
            else "文件被其他程序占用，请稍后重试"
            if "locked" in text or "busy" in text
            else "文件只读或无法写入"
            if "readonly" in text or "read-only" in text
            else text
        )
        return LedgerError(
            f"报送台账 {self.path} 无法写入（{why}）：正在登记的文件未登记，台账保持原样；"
            "问题解决后重新运行同一命令即可补登。"
        )

    def _event(
        self, kind: str, submission_id: str | None, sha: str | None, detail: str = ""
    ) -> None:
        self.db.execute(
            "INSERT INTO events (at, kind, submission_id, sha256, detail) VALUES (?, ?, ?, ?, ?)",
            (_now(), kind, submission_id, sha, detail),
        )

    # ------------------------------------------------------------ roster

    def add_roster(
        self, rows: Iterable[RosterRow], *, year: int, period: Period | None = None
    ) -> int:
        """Add or update roster entries (by submission id); returns how many rows were given.

        A periodic form's entries are for one period (the one distributed). Files received
        before their entry was known are linked to it afterwards.
        """
        from formkit.forms import DEFAULT_FORM

        n = 0
        with self._tx():
            now = _now()
            for r in rows:
                sid = r.submission_id(year, period)
                self.db.execute(
                    """INSERT INTO roster (submission_id, year, unit, unit_code, subject,
                           subject_key, roster_row, created, updated, form_id, period,
                           values_json)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (submission_id) DO UPDATE SET
                           subject = excluded.subject, values_json = excluded.values_json,
                           roster_row = excluded.roster_row, updated = excluded.updated""",
                    (
                        sid,
                        year if period is None else period.year,
                        r.unit,
                        r.unit_code,
                        r.subject,
                        applicant_key(r.subject),
                        r.row,
                        now,
                        now,
                        r.form_id or DEFAULT_FORM,
                        None if period is None else period.text,
                        json.dumps(dict(r.cells), ensure_ascii=False, sort_keys=True),
                    ),
                )
                self._event("roster", sid, None, f"名单第 {r.row} 行")
                n += 1
            self._relink()
        return n

    def roster(self, form_id: str | None = None, *, period: str | None = None) -> list[RosterEntry]:
        """The roster entries of one form (None: every form), of one period if given."""
        sql, args = "SELECT * FROM roster WHERE 1 = 1", []
        if form_id is not None:
            sql, args = sql + " AND form_id = ?", [form_id]
        if period is not None:
            sql, args = sql + " AND period = ?", [*args, period]
        return [_entry(r) for r in self.db.execute(sql + " ORDER BY unit_code, roster_row", args)]

    def _relink(self) -> None:
        relinked = []
        for row in self.db.execute(
            "SELECT sha256, submission_id, form_id, period, unit, subject FROM files"
            " WHERE roster_id IS NULL"
        ).fetchall():
            roster_id, key = self._match(
                row["form_id"], row["period"], row["submission_id"], row["unit"], row["subject"]
            )
            if roster_id is None:
                continue
            self.db.execute(
                "UPDATE files SET roster_id = ?, match_key = ? WHERE sha256 = ?",
                (roster_id, key, row["sha256"]),
            )
            self._event("relinked", roster_id, row["sha256"])
            relinked.append(row["sha256"])
        if relinked:
            # a roster entry is part of a file's identity: its application may change, and
            # so may the applications it left; rare (a roster loaded after files arrived),
            # so every file is decided again
            self._relinks(self._rows(relinked))
            self._resolve()

    def _rows(self, shas: Sequence[str]) -> list[sqlite3.Row]:
        out: list[sqlite3.Row] = []
        for i in range(0, len(shas), 500):
            part = shas[i : i + 500]
            out += self.db.execute(
                f"SELECT {_CANDIDATE} FROM files WHERE sha256 IN ({','.join('?' * len(part))})",
                part,
            ).fetchall()
        return out

    def _relinks(self, rows: Iterable[sqlite3.Row]) -> None:
        """Store formkit.supersession's links of these files (see `_neighbourhood`)."""
        from formkit.supersession import links

        for r in rows:
            app_key, name_link = links(_candidate(r))
            self.db.execute(
                "UPDATE files SET app_key = ?, name_link = ? WHERE sha256 = ?",
                (app_key, name_link, r["sha256"]),
            )

    def _match(
        self,
        form_id: str | None,
        period: str | None,
        submission_id: str | None,
        unit: str | None,
        subject: str | None,
    ) -> tuple[str | None, str | None]:
        """(roster entry, supersession key): by stamped id (of the same form and period),
        else by form, period, unit and subject."""
        if submission_id:
            hit = self.db.execute(
                "SELECT form_id, period FROM roster WHERE submission_id = ?", (submission_id,)
            ).fetchone()
            # a copy of last quarter's workbook keeps its id but reports on another quarter
            if (
                hit is not None
                and hit["form_id"] == form_id
                and (period is None or hit["period"] in (None, period))
            ):
                return submission_id, f"roster:{submission_id}"
        if unit and subject and form_id:
            hit = self.db.execute(
                "SELECT submission_id FROM roster WHERE form_id = ? AND period IS ?"
                " AND unit = ? AND subject_key = ? ORDER BY year DESC LIMIT 1",
                (form_id, period, unit, applicant_key(subject)),
            ).fetchone()
            if hit:
                return hit[0], f"roster:{hit[0]}"
        at = f"@{period}" if period else ""
        if submission_id:
            return None, f"id:{submission_id}{at}"
        if unit and subject:
            return None, f"name:{form_id}|{unit}|{applicant_key(subject)}{at}"
        return None, None  # e.g. a file that could not be read: nothing it could replace

    def decisions(self, shas: Iterable[str] | None = None) -> dict[str, Decision]:
        """formkit.supersession's decision for every file (or for the files `shas`), by
        sha256, as stored when the files were recorded: each form apart, the same as
        `decide_all` computes afresh."""
        from formkit.supersession import Decision

        if shas is None:
            rows = self.db.execute(f"SELECT {_DECISION} FROM files").fetchall()
        else:
            wanted = list(dict.fromkeys(shas))
            rows = []
            for i in range(0, len(wanted), 500):
                part = wanted[i : i + 500]
                rows += self.db.execute(
                    f"SELECT {_DECISION} FROM files WHERE sha256 IN ({','.join('?' * len(part))})",
                    part,
                ).fetchall()
        out: dict[str, Decision] = {}
        for r in rows:
            if r["disposition"] is None:  # not decided: only inside a recording transaction
                continue
            out[r["sha256"]] = Decision(
                r["sha256"],
                r["disposition"],
                winner=r["superseded_by"],
                reason=r["reason"] or "",
                conflicts=tuple(json.loads(r["conflicts"] or "[]")),
                key=r["decision_key"],
            )
        return out

    def decide_all(self) -> dict[str, Decision]:
        """formkit.supersession's decision for every file, computed afresh from every
        file of each form (what `decisions` stores, file by file)."""
        from formkit.supersession import decide

        by_form: dict[str | None, list[Candidate]] = {}
        for r in self.db.execute(f"SELECT {_CANDIDATE} FROM files"):
            by_form.setdefault(r["form_id"], []).append(_candidate(r))
        out: dict[str, Decision] = {}
        for cands in by_form.values():
            out.update(decide(cands))
        return out

    def _resolve(self) -> dict[str, Decision]:
        """Decide every file again and store the decisions (inside the caller's
        transaction); each newly superseded file gets an event."""
        decisions = self.decide_all()
        stored = {
            r[0]: (r[1], r[2])
            for r in self.db.execute("SELECT sha256, superseded_by, disposition FROM files")
        }
        self._store(decisions, stored)
        return decisions

    def _neighbourhood(self, form_id: str | None, seeds: Iterable[sqlite3.Row]) -> list[Candidate]:
        """The files of one form whose decisions a change to `seeds` can change
        (formkit.supersession.neighbourhood): reached through the stored links."""
        from formkit.supersession import neighbourhood

        def find(idents: set[str], names: set[str]) -> list[Candidate]:
            out: list[Candidate] = []
            for column, keys in (("app_key", sorted(idents)), ("name_link", sorted(names))):
                for i in range(0, len(keys), 500):
                    part = keys[i : i + 500]
                    out += [
                        _candidate(r)
                        for r in self.db.execute(
                            f"SELECT {_CANDIDATE} FROM files WHERE form_id IS ?"
                            f" AND {column} IN ({','.join('?' * len(part))})",
                            [form_id, *part],
                        )
                    ]
            return out

        return neighbourhood(((r["app_key"], r["name_link"]) for r in seeds), find)

    def _resolve_around(self, sha: str) -> tuple[dict[str, Decision], set[str]]:
        """Decide the neighbourhood of one newly recorded file and store its decisions:
        the only decisions the file can change (formkit.supersession.links). Returns them,
        and which of those files were current before."""
        from formkit.supersession import decide

        (row,) = self._rows([sha])
        cands = self._neighbourhood(row["form_id"], [row])
        if not any(c.handle == sha for c in cands):  # rejected: no links
            cands.append(_candidate(row))
        stored = {
            r[0]: (r[1], r[2])
            for r in self.db.execute(
                "SELECT sha256, superseded_by, disposition FROM files"
                f" WHERE sha256 IN ({','.join('?' * len(cands))})",
                [c.handle for c in cands],
            )
        }
        decisions = decide(cands)
        self._store(decisions, stored)
        before = {h for h, (winner, disposition) in stored.items() if h != sha and winner is None}
        return decisions, before

    def _store(
        self, decisions: Mapping[str, Decision], stored: Mapping[str, tuple[str | None, Any]]
    ) -> None:
        for sha, d in decisions.items():
            winner = d.winner if d.disposition in ("superseded", "same_version") else None
            self.db.execute(
                "UPDATE files SET superseded_by = ?, disposition = ?, decision_key = ?,"
                " reason = ?, conflicts = ? WHERE sha256 = ?",
                (
                    winner,
                    d.disposition,
                    d.key,
                    d.reason or None,
                    json.dumps(list(d.conflicts)) if d.conflicts else None,
                    sha,
                ),
            )
            if winner is not None and stored.get(sha, (None, None))[0] != winner:
                self._event(d.disposition, d.key, sha, f"{winner}：{d.reason}")

    # ------------------------------------------------------------ ingest

    def known(self, sha256: str) -> bool:
        return bool(self.db.execute("SELECT 1 FROM files WHERE sha256 = ?", (sha256,)).fetchone())

    def _read_failed(self, sha256: str) -> bool:
        """Recorded, but only as a file whose reading failed for want of time, memory or a
        working reader process: the machine's trouble, maybe passing, not the file's."""
        row = self.db.execute(
            "SELECT status, submission_json FROM files WHERE sha256 = ?", (sha256,)
        ).fetchone()
        if row is None or row["status"] != "rejected":
            return False
        from formkit.read import READ_FAILED

        issues = json.loads(row["submission_json"]).get("issues", [])
        return any(i.get("code") == READ_FAILED for i in issues)

    def ingest(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        jobs: int = 1,
        options: ReadOptions | None = None,
        progress: Any = None,
        each: Callable[[FileOutcome], None] | None = None,
        received_on: dt.date | None = None,
    ) -> IngestReport:
        """Read, validate and record files not yet in the ledger, as they are read.

        Received order: this run after earlier runs; within the run, by file time. Which
        file counts is formkit.supersession's rule (填报日期 first), decided as each file
        is recorded for the files it can change. `progress(n)` is called as files are
        read. Without `options`, a file of any registered form is read as that form (the
        ledger's `form`, if given, only).

        Files are recorded in batches (up to `BATCH_FILES` files or `BATCH_SECONDS`
        seconds of reading, one transaction each): memory stays flat however many files a
        run has, and a run killed at any moment leaves the ledger as it was after the last
        batch; running the same command again records the rest. With `each`, every outcome
        is handed to it once its batch is committed and the report keeps only the counts
        (`report.files` stays empty): a run of any size holds no file's outcome.
        `received_on`: the day they are recorded as received (a replay's `--today`, or files
        registered after the day they came; default today): `status` judges lateness by it.
        """
        from formkit.check import check_many
        from formkit.paths import display_name
        from formkit.read import ReadOptions, collect_paths

        if options is None:  # any registered form, by the id each file carries
            options = ReadOptions(forms=None if self._form is None else (self._form,))

        report = IngestReport()

        def done(outcome: FileOutcome) -> None:
            report.add(outcome, keep=each is None)
            if each is not None:
                each(outcome)

        todo: list[tuple[str, str, float]] = []
        seen: set[str] = set()
        for p in collect_paths(paths):
            path = os.path.abspath(p)
            try:
                sha = file_sha256(path)
                mtime = os.stat(path).st_mtime
            except OSError as exc:
                done(FileOutcome(path, "", "unreadable", detail=str(exc)))
                continue
            if sha in seen or (self.known(sha) and not self._read_failed(sha)):
                done(FileOutcome(path, sha, "duplicate"))
                continue
            seen.add(sha)
            todo.append((path, sha, mtime))
        # received order within one run: the files' times, as `summary PATHS` takes them
        # (which version counts is decided by 填报日期 first, see formkit.supersession);
        # the results come back in this order and are recorded as they come
        todo.sort(key=lambda t: (t[2], display_name(t[0])))

        pause = float(os.environ.get(SLEEP_ENV) or 0)
        limit = 1 if pause else BATCH_FILES  # the test hook commits (and sleeps) per file
        batch: list[tuple[Submission, str]] = []
        started = 0.0

        def flush() -> None:
            outcomes = self._record_batch(batch, received_on)
            batch.clear()
            for outcome in outcomes:
                done(outcome)
            if pause:
                time.sleep(pause)

        checked = check_many([t[0] for t in todo], options, jobs=jobs, document=True)
        if len(todo) > 1:  # the workers read on while a batch is recorded
            checked = _ahead(checked, BATCH_FILES)
        for sub, (_, sha, _) in zip(checked, todo, strict=True):
            if not batch:
                started = time.monotonic()
            batch.append((sub, sha))
            if progress is not None:
                progress(1)
            if len(batch) >= limit or time.monotonic() - started >= BATCH_SECONDS:
                flush()
        if batch:
            flush()
        return report

    def record_checked(
        self, sub: Submission, sha: str, received_on: dt.date | None = None
    ) -> FileOutcome:
        """Record one file already read and checked (a web upload, read once by the
        server's worker), as `ingest` records what it reads: one transaction."""
        (outcome,) = self._record_batch([(sub, sha)], received_on)
        pause = float(os.environ.get(SLEEP_ENV) or 0)
        if pause:  # the test hook, as in ingest
            time.sleep(pause)
        return outcome

    def _record_batch(
        self, batch: Sequence[tuple[Submission, str]], received_on: dt.date | None = None
    ) -> list[FileOutcome]:
        """Record files in one transaction: all of them, or (an error) none."""
        with self._tx():
            return [self._record(sub, sha, received_on) for sub, sha in batch]

    def _record(self, sub: Submission, sha: str, received_on: dt.date | None = None) -> FileOutcome:
        """Record one file inside the caller's transaction."""
        from formkit.supersession import period_of

        first = None
        if self.known(sha):
            if not self._read_failed(sha):  # another ingest got there first
                self._event("duplicate", sub.submission_id, sha, _name(sub.file))
                return FileOutcome(sub.file, sha, "duplicate")
            # read again: this reading takes the failed one's place in the received
            # order (the file arrived then); the event log keeps both
            first = self.db.execute(
                "SELECT seq, received_at FROM files WHERE sha256 = ?", (sha,)
            ).fetchone()
            self.db.execute("DELETE FROM files WHERE sha256 = ?", (sha,))
            self._event("reread", sub.submission_id, sha, _name(sub.file))
        form_id = sub.form.id if sub.form is not None and sub.form.id else self._form
        spec = self._spec_of(form_id)
        roles = spec.roles
        unit = _unit(sub.values.get(roles.unit or ""), self.reference)
        subject = _text(sub.values.get(roles.subject or ""))
        accepted = sub.status == "accepted"
        period = period_of(sub.values, spec) if accepted else None
        roster_id, key = self._match(form_id, period, sub.submission_id, unit, subject)
        if first is not None:
            seq, received = first["seq"], first["received_at"]
        else:
            seq = self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM files").fetchone()[0]
            received = _now(received_on)
        fill = _fill_date(sub, (roles.date or ""))
        # an upload is stored under its SHA-256: it keeps the name the city gave it
        shown = self.upload_names([sha]).get(sha) or _name(sub.file)
        self.db.execute(
            """INSERT INTO files (sha256, seq, original_name, path, received_at,
                   submission_id, roster_id, match_key, unit, subject, filled,
                   status, verdict, errors, data_errors, warnings, problem,
                   submission_json, superseded_by, fingerprint, annotates, path_bytes,
                   form_id, period)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?,
                   ?, ?)""",
            (
                sha,
                seq,
                shown,
                _text_safe(sub.file),
                received,
                sub.submission_id,
                roster_id,
                key,
                unit,
                subject,
                fill.isoformat() if fill is not None else None,
                sub.status,
                sub.verdict,
                sub.errors,
                _data_errors(sub),
                sub.warnings,
                _problem(sub),
                _stored_json(sub),
                sub.values_digest() if accepted else None,
                getattr(sub, "annotates", None),
                os.fsencode(sub.location),
                form_id,
                period,
            ),
        )
        self._event("received", roster_id or sub.submission_id, sha, _name(sub.file))
        self._relinks(self._rows([sha]))
        decisions, before = self._resolve_around(sha)
        mine = decisions.get(sha)
        # the file this one took over from: current before, replaced by this one now
        replaced = [
            h
            for h, d in decisions.items()
            if h in before and d.winner == sha and d.disposition == "superseded"
        ]
        return FileOutcome(
            sub.file,
            sha,
            "new" if first is None else "reread",
            record=self.file(sha),
            supersedes=replaced[0] if replaced else None,
            decision=mine,
        )

    # ------------------------------------------------------------ queries

    def file(self, sha256: str) -> FileRecord | None:
        row = self.db.execute("SELECT * FROM files WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else _file(row)

    def files(self, form_id: str | None = None) -> list[FileRecord]:
        """Every file ever received (of one form, if given), in received order."""
        if form_id is None:
            return [_file(r) for r in self.db.execute("SELECT * FROM files ORDER BY seq")]
        return [
            _file(r)
            for r in self.db.execute(
                "SELECT * FROM files WHERE form_id = ? ORDER BY seq", (form_id,)
            )
        ]

    def iter_files(
        self,
        *,
        without: Collection[str] = (),
        lean: tuple[str, Callable[[Any], object], Collection[str]] | None = None,
    ) -> Iterator[FileRecord]:
        """Every file ever received, in received order, one at a time (`files` holds them
        all at once).

        `without`: top-level parts of each stored document left out ("provenance");
        `lean`: (field, test, keep): an accepted file whose value of `field` passes `test`
        comes with the values of the `keep` fields only and without its provenance,
        located and computed parts. SQLite cuts the documents: a caller that lists a file
        without its values does not parse them."""
        doc = "submission_json"
        if without:
            doc = f"json_remove({doc}, {', '.join(_json_path(k) for k in without)})"
        if lean is not None:
            field, test, keep = lean
            self.db.create_function("formkit_lean", 1, lambda v: bool(test(v)))
            pairs = ", ".join(
                f"{_sql_text(k)}, json_extract(submission_json, {_json_path('values', k)})"
                for k in keep
            )
            cut = (
                "json_set(json_remove(submission_json, '$.values', '$.provenance',"
                f" '$.located', '$.computed'), '$.values', json_object({pairs}))"
            )
            probe = f"json_extract(submission_json, {_json_path('values', field)})"
            doc = (
                f"CASE WHEN status = 'accepted' AND formkit_lean({probe}) THEN {cut} ELSE {doc} END"
            )
        cursor = self.db.execute(f"SELECT *, {doc} AS document FROM files ORDER BY seq")
        while rows := cursor.fetchmany(100):
            yield from (_file(r, r["document"]) for r in rows)

    def current(self, form_id: str | None = None, *, period: str | None = None) -> list[FileRecord]:
        """The file that counts for each roster entry (or subject, for unlisted files) and
        period; of one form and one period, if given."""
        sql, args = "SELECT * FROM files WHERE superseded_by IS NULL", []
        if form_id is not None:
            sql, args = sql + " AND form_id = ?", [form_id]
        if period is not None:
            sql, args = sql + " AND period = ?", [*args, period]
        return [_file(r) for r in self.db.execute(sql + " ORDER BY seq", args)]

    def history(self, submission_id: str) -> list[FileRecord]:
        """Every file received for one roster entry, oldest first."""
        return [
            _file(r)
            for r in self.db.execute(
                "SELECT * FROM files WHERE roster_id = ? ORDER BY seq", (submission_id,)
            )
        ]

    def submission(self, record: FileRecord) -> Submission:
        """A recorded file's Submission back from the ledger (values typed by its spec)."""
        from formkit.read.submission import from_json

        spec = self._spec_of(record.form_id)
        sub = from_json(record.submission, {f.id for f in spec.fields if f.type == "date"})
        sub.path = record.location  # the bytes on disk, for a name that is not UTF-8
        # shown (in messages naming it, in copies made of it) by the name the city gave it
        given = self.upload_names([record.sha256]).get(record.sha256)
        if given:
            sub.file = str(Path(sub.file).with_name(given))
        return sub

    def across_issues(
        self,
        form_id: str | None = None,
        *,
        subjects: Iterable[tuple[str | None, str]] | None = None,
    ) -> dict[str, list[Issue]]:
        """sha256 -> the issues across periods of that current file, computed now from the
        current files (so they always agree with supersession); of the (unit, subject)
        pairs `subjects` only, if given. One subject's files are in memory at a time.

        The form's `across` (formkit/forms/<form>/__init__.py) gets each subject's current
        accepted files of every form that shares the subject: forms whose spec has the
        same unit and subject fields and subject label and is also periodic (the
        季度数据报表 and 年度工作报告 of one base). The result covers the files of all of them.
        """
        from formkit.forms import form_ids, get_form

        mine = get_form(form_id)
        spec = mine.spec
        if not spec.roles.subject:
            return {}

        def shares(other: FormSpec) -> bool:
            a, b = spec.roles, other.roles
            return (a.unit, a.subject, a.subject_label, bool(a.period)) == (
                b.unit,
                b.subject,
                b.subject_label,
                bool(b.period),
            )

        group = [get_form(i) for i in form_ids() if shares(get_form(i).spec)]
        across = mine.across or next((f.across for f in group if f.across is not None), None)
        if across is None:
            return {}
        wanted = (
            None if subjects is None else {(u or "", applicant_key(n)) for u, n in subjects if n}
        )
        # each subject's current files, in the order `current` gives them, form by form
        histories: dict[tuple[str, str], list[str]] = {}
        for form in group:
            for r in self.db.execute(
                "SELECT sha256, unit, subject FROM files WHERE superseded_by IS NULL"
                " AND form_id = ? AND status = 'accepted' ORDER BY seq",
                (form.id,),
            ):
                if not r["subject"]:
                    continue
                key = (r["unit"] or "", applicant_key(r["subject"]))
                if wanted is None or key in wanted:
                    histories.setdefault(key, []).append(r["sha256"])
        out: dict[str, list[Issue]] = {}
        for shas in histories.values():
            history = [self.submission(r) for r in map(self.file, shas) if r is not None]
            for sub, issue in across(history, self.reference):
                out.setdefault(sub.sha256, []).append(issue)
        return out

    def application_roster(
        self,
        form_id: str,
        *,
        year: int | None = None,
        chosen: Iterable[tuple[str, str]] | None = None,
    ) -> list[RosterRow]:
        """The roster of `form_id` (a report form) drawn from the current applications in
        this ledger: the applications of its [roster] source_form (default: the
        default form) of round `year`, that are 符合 with no errors to correct or, with
        `chosen`, whose (unit, subject) is among those (the summary's 推荐). Which application
        field feeds which roster column is the report form's [roster] from_application;
        its origin column (roles.origin) gets the application's submission id. Raises
        LedgerError when the form declares no such feed."""
        from formkit.forms import DEFAULT_FORM, get_form

        spec = get_form(form_id).spec
        feed = spec.roster.from_application
        if not feed or not spec.roster.columns:
            raise LedgerError(
                f"{_title(spec)}没有声明如何从申报材料生成名单"
                "（表单定义的 [roster] from_application）。"
            )
        app_form = spec.roster.source_form or DEFAULT_FORM
        picked = None if chosen is None else {(u, applicant_key(n)) for u, n in chosen}
        roles = spec.roles
        origin = roles.origin if roles.origin and spec.roster.column(roles.origin) else None
        rows: list[RosterRow] = []
        seen: set[tuple[str, str]] = set()
        for r in self.current(app_form):
            if r.status != "accepted" or not r.subject or not r.unit:
                continue
            form = r.submission.get("form") or {}
            if year is not None and form.get("year") not in (None, year):
                continue
            key = (r.unit, applicant_key(r.subject))
            if picked is None:
                if r.state != "符合":
                    continue
            elif key not in picked:
                continue
            if key in seen:
                continue
            seen.add(key)
            values = r.submission.get("values") or {}
            cells: dict[str, str | None] = {}
            for col in spec.roster.columns:
                src = feed.get(col.field)
                value = values.get(src) if src is not None else None
                cells[col.field] = None if value in (None, "") else str(value).strip()
                cells[col.field] = cells[col.field] or spec.roster.otherwise.get(col.field)
            if origin is not None:
                cells[origin] = r.roster_id or r.submission_id
            unit = self.reference.unit(r.unit)
            cells[roles.unit] = unit.name if unit is not None else r.unit
            cells[roles.subject] = r.subject
            rows.append(
                RosterRow(
                    row=len(rows) + 2,  # line 1 is the header
                    unit=unit.name if unit is not None else r.unit,
                    unit_code=unit.code if unit is not None else "",
                    subject=r.subject,
                    cells=cells,
                    form_id=form_id,
                    unit_field=roles.unit,
                )
            )
        rows.sort(key=lambda x: (x.unit_code, applicant_key(x.subject)))
        return [
            RosterRow(i, x.unit, x.unit_code, x.subject, x.cells, x.form_id, x.unit_field)
            for i, x in enumerate(rows, start=2)
        ]

    def status(
        self,
        deadline: dt.date | None = None,
        *,
        today: dt.date | None = None,
        form_id: str | None = None,
        period: Period | None = None,
    ) -> StatusReport:
        """Every roster entry's state, for one form (default: the 申报书) and, for a
        periodic form, one period (required).

        Without `deadline`: a periodic form's own default ([roster] deadline in its spec,
        counted from the end of the period); the 申报书 has none (the notice's 4月30日 is the
        province's deadline to the ministry, not its applicants'), and nothing is late. An
        entry with nothing received is 逾期未报 once the deadline has passed
        (`today`, default the current date); one whose first file arrived after it is
        逾期报送. A file recorded as received after `today` counts as received on `today`
        (a round replayed after the fact: the status as of that day cannot have a file
        arriving later). Issues across periods (`across_issues`) of an entry's current
        file are in its row, and an error among them makes the entry 有错误."""
        from formkit.distribute import period_deadline
        from formkit.forms import DEFAULT_FORM, get_form
        from formkit.states import shown_state

        form_id = form_id or DEFAULT_FORM
        spec = get_form(form_id).spec
        if spec.roles.period and period is None:
            raise LedgerError(f"{_title(spec)}按报告期报送：请指定报告期（如 --period 2007Q2）。")
        if not spec.roles.period:
            period = None
        source = "报送截止日期"
        if deadline is None:
            if period is not None:
                deadline, source = period_deadline(period, spec)
            else:
                source = "未给出申报截止日期，不判断逾期"
        today = today or dt.date.today()
        decisions = self.decisions()
        across = self.across_issues(form_id)
        names = dict(self.db.execute("SELECT sha256, original_name FROM files").fetchall())
        ptext = None if period is None else period.text
        rows: list[StatusRow] = []
        for r in self.db.execute(
            "SELECT * FROM roster WHERE form_id = ? AND period IS ? ORDER BY unit_code, roster_row",
            (form_id, ptext),
        ):
            sid = r["submission_id"]
            count, first_at = self.db.execute(
                "SELECT COUNT(*), MIN(received_at) FROM files WHERE roster_id = ?", (sid,)
            ).fetchone()
            hit = self.db.execute(
                "SELECT * FROM files WHERE roster_id = ? AND superseded_by IS NULL", (sid,)
            ).fetchone()
            last = None if hit is None else _file(hit)
            overdue = ""
            if deadline is not None:
                if last is None and today > deadline:
                    overdue = "逾期未报"
                elif first_at is not None and min(_local_day(first_at), today) > deadline:
                    overdue = "逾期报送"
            note = ""
            d = decisions.get(last.sha256) if last is not None else None
            if last is not None and d is not None and d.conflicts:
                from formkit.supersession import conflict_message

                note = conflict_message(last.original_name, [names[h] for h in d.conflicts])
            found = tuple(across.get(last.sha256, ())) if last is not None else ()
            state = cast(State, shown_state(last, found))  # as ingest and the web show it
            rows.append(StatusRow(_entry(r), state, overdue, int(count), last, note, found))
        unmatched = [
            _file(r)
            for r in self.db.execute(
                "SELECT * FROM files WHERE roster_id IS NULL AND superseded_by IS NULL"
                " AND (form_id = ? OR form_id IS NULL)"
                " AND (? IS NULL OR period IS NULL OR period = ?) ORDER BY seq",
                (form_id, ptext, ptext),
            )
        ]
        return StatusReport(
            rows,
            unmatched,
            deadline,
            source,
            today,
            form_id=form_id,
            period=ptext,
            columns=tuple((c.field, c.header) for c in spec.roster.columns),
            title=_title(spec),
            unit_label=spec.roles.unit_label,
            subject_label=spec.roles.subject_label,
        )

    # ------------------------------------------------------------ formkit serve (web)
    # Storage only: what a token, password or session is, and who may do what, is decided
    # in formkit/web.  Secrets arrive here already hashed.

    def entry(self, submission_id: str) -> RosterEntry | None:
        row = self.db.execute(
            "SELECT * FROM roster WHERE submission_id = ?", (submission_id,)
        ).fetchone()
        return None if row is None else _entry(row)

    def web_setting(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM web_settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_web_setting(self, key: str, value: str, *, if_absent: bool = False) -> str:
        """Store a setting; with `if_absent` keep one already there. Returns the value kept."""
        with self._tx():
            if if_absent:
                self.db.execute(
                    "INSERT OR IGNORE INTO web_settings (key, value, updated) VALUES (?, ?, ?)",
                    (key, value, _now()),
                )
            else:
                self.db.execute(
                    "INSERT INTO web_settings (key, value, updated) VALUES (?, ?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
                    " updated = excluded.updated",
                    (key, value, _now()),
                )
        kept = self.web_setting(key)
        assert kept is not None
        return kept

    def set_token_hashes(self, hashes: dict[str, str], *, actor: str = "cli") -> None:
        """submission id -> SHA-256 of its new link token; an entry's old link stops working."""
        with self._tx():
            for sid, token_hash in hashes.items():
                self.db.execute(
                    "INSERT INTO web_tokens (submission_id, token_hash, created) VALUES (?, ?, ?)"
                    " ON CONFLICT (submission_id) DO UPDATE SET"
                    " token_hash = excluded.token_hash, created = excluded.created",
                    (sid, token_hash, _now()),
                )
                self.db.execute(
                    "INSERT INTO web_audit (at, kind, actor, detail) VALUES (?, ?, ?, ?)",
                    (_now(), "link_issued", actor, sid),
                )

    def token_entry(self, token_hash: str) -> tuple[str, str] | None:
        """(submission id, stored hash) of the link whose token hashes to `token_hash`."""
        row = self.db.execute(
            "SELECT submission_id, token_hash FROM web_tokens WHERE token_hash = ?", (token_hash,)
        ).fetchone()
        return None if row is None else (str(row[0]), str(row[1]))

    def add_session(self, session_hash: str, expires: dt.datetime) -> None:
        with self._tx():
            self.db.execute("DELETE FROM web_sessions WHERE expires < ?", (_now(),))
            self.db.execute(
                "INSERT INTO web_sessions (session_hash, created, expires) VALUES (?, ?, ?)",
                (session_hash, _now(), expires.astimezone().isoformat(timespec="seconds")),
            )

    def session_expires(self, session_hash: str) -> dt.datetime | None:
        row = self.db.execute(
            "SELECT expires FROM web_sessions WHERE session_hash = ?", (session_hash,)
        ).fetchone()
        return None if row is None else dt.datetime.fromisoformat(row[0])

    def drop_sessions(self, session_hash: str | None = None) -> None:
        """End one session, or (None) every session, as a new password does."""
        with self._tx():
            if session_hash is None:
                self.db.execute("DELETE FROM web_sessions")
            else:
                self.db.execute("DELETE FROM web_sessions WHERE session_hash = ?", (session_hash,))

    def login_locked_until(self, account: str) -> dt.datetime | None:
        """Until when `account` is locked after repeated wrong passwords (None: it is not)."""
        row = self.db.execute(
            "SELECT locked_until FROM web_login_failures WHERE account = ?", (account,)
        ).fetchone()
        return dt.datetime.fromisoformat(row[0]) if row is not None and row[0] else None

    def login_failed(self, account: str, after: int, lock: dt.timedelta) -> dt.datetime | None:
        """Count a wrong password; the `after`-th in a row (and each one after it) locks the
        account for `lock`. Returns until when it is locked, or None."""
        now = dt.datetime.now().astimezone()
        with self._tx():
            row = self.db.execute(
                "SELECT failures FROM web_login_failures WHERE account = ?", (account,)
            ).fetchone()
            failures = (int(row[0]) if row is not None else 0) + 1
            until = (now + lock).isoformat(timespec="seconds") if failures >= after else None
            self.db.execute(
                "INSERT INTO web_login_failures (account, failures, last_failed, locked_until)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (account) DO UPDATE SET"
                " failures = excluded.failures, last_failed = excluded.last_failed,"
                " locked_until = excluded.locked_until",
                (account, failures, now.isoformat(timespec="seconds"), until),
            )
        return dt.datetime.fromisoformat(until) if until else None

    def login_succeeded(self, account: str) -> None:
        with self._tx():
            self.db.execute("DELETE FROM web_login_failures WHERE account = ?", (account,))

    def store_upload(
        self, sha256: str, submission_id: str, original_name: str, data: bytes
    ) -> bool:
        """Keep an upload's bytes under its hash; False if those bytes were kept before."""
        with self._tx():
            cur = self.db.execute(
                "INSERT OR IGNORE INTO web_uploads"
                " (sha256, submission_id, original_name, size, received_at, data)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (sha256, submission_id, original_name, len(data), _now(), data),
            )
        return cur.rowcount == 1

    def upload_names(self, sha256s: Iterable[str]) -> dict[str, str]:
        """sha256 -> the name the browser sent, for the uploads among `sha256s`."""
        out: dict[str, str] = {}
        for sha in sha256s:
            row = self.db.execute(
                "SELECT original_name FROM web_uploads WHERE sha256 = ?", (sha,)
            ).fetchone()
            if row is not None:
                out[sha] = str(row[0])
        return out

    def upload_data(self, sha256: str) -> bytes | None:
        row = self.db.execute("SELECT data FROM web_uploads WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else bytes(row[0])

    def audit(
        self,
        kind: str,
        *,
        actor: str | None = None,
        address: str | None = None,
        sha256: str | None = None,
        status: int | None = None,
        detail: str = "",
    ) -> None:
        with self._tx():
            self.db.execute(
                "INSERT INTO web_audit (at, kind, actor, client, sha256, status, detail)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (_now(), kind, actor, address, sha256, status, detail),
            )

    def audit_log(self, limit: int = 200) -> list[dict[str, Any]]:
        """The latest audit entries, newest first."""
        return [
            dict(r)
            for r in self.db.execute(
                "SELECT at, kind, actor, client, sha256, status, detail FROM web_audit"
                " ORDER BY id DESC LIMIT ?",
                (limit,),
            )
        ]


# ---------------------------------------------------------------- helpers


def _ahead(items: Iterator[T], size: int) -> Iterator[T]:
    """`items`, taken by a thread of their own up to `size` ahead of the consumer: the
    reading workers are handed their next files while the ledger records the last ones.
    Closing this generator (or an error in the consumer) stops the thread, which closes
    `items` (the reading workers still busy are stopped)."""
    box: queue.Queue[tuple[bool, Any]] = queue.Queue(size)
    stop = threading.Event()
    end = object()

    def put(entry: tuple[bool, Any]) -> bool:
        while not stop.is_set():
            try:
                box.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put((True, item)):
                    return
        except BaseException as exc:  # re-raised in the consumer
            put((False, exc))
            return
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()
        put((True, end))

    thread = threading.Thread(target=run, name="formkit-ingest-reader", daemon=True)
    thread.start()
    try:
        while True:
            ok, item = box.get()
            if not ok:
                raise item
            if item is end:
                return
            yield item
    finally:
        stop.set()
        thread.join()


def _stored_json(sub: Submission) -> str:
    """The document the ledger keeps of a file: its Submission.to_json() (made by the
    reading worker when it came from one: formkit.check.Checked)."""
    from formkit.check import Checked
    from formkit.paths import is_displayable

    if isinstance(sub, Checked) and sub.document and is_displayable(sub.file):
        return sub.document
    return json.dumps(_safe_doc(sub.to_json()), ensure_ascii=False, sort_keys=True)


# the columns a file's supersession candidate is made of, and its stored decision's
_CANDIDATE = (
    "sha256, original_name, seq, status, submission_id, roster_id, unit, subject, filled,"
    " fingerprint, annotates, form_id, period, app_key, name_link"
)
_DECISION = "sha256, disposition, superseded_by, reason, conflicts, decision_key"


def _candidate(r: sqlite3.Row) -> Candidate:
    """A recorded file as formkit.supersession sees it."""
    from formkit.supersession import Candidate

    return Candidate(
        handle=r["sha256"],
        name=r["original_name"],
        sha256=r["sha256"],
        received=(r["seq"],),
        accepted=r["status"] == "accepted",
        submission_id=r["submission_id"],
        roster_id=r["roster_id"],
        unit=r["unit"],
        applicant=r["subject"],
        fill_date=dt.date.fromisoformat(r["filled"]) if r["filled"] else None,
        fingerprint=r["fingerprint"],
        annotates=r["annotates"],
        period=r["period"],
    )


def _statements(script: str) -> list[str]:
    """A migration script as single statements (executescript would commit on its own)."""
    return [part.strip() for part in script.split(";") if part.strip()]


def _retry_locked(action: Any, attempts: int = 50) -> Any:
    """Run a statement that SQLite may refuse while another connection sets up the file
    (changing the journal mode does not wait on the busy timeout)."""
    for i in range(attempts):
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or i == attempts - 1:
                raise
            time.sleep(0.1)
    return None


def _text_safe(text: str) -> str:
    """Text SQLite can store: a file name that is not valid UTF-8 (surrogate escapes)
    becomes its GBK reading where that decodes, else replacement characters."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogateescape")
        try:
            return raw.decode("gbk")
        except UnicodeDecodeError:
            return raw.decode("utf-8", "replace")


def _name(path: str) -> str:
    return _text_safe(Path(path).name)


def _safe_doc(doc: dict[str, Any]) -> dict[str, Any]:
    doc["file"] = _text_safe(doc.get("file") or "")
    return doc


def _fill_date(sub: Submission, date_field: str) -> dt.date | None:
    fill = sub.values.get(date_field)
    if isinstance(fill, dt.datetime):
        return fill.date()
    return fill if isinstance(fill, dt.date) else None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _unit(value: Any, reference: Reference) -> str | None:
    text = _text(value)
    if text is None:
        return None
    unit = reference.unit(text)
    return unit.name if unit is not None else text


def _data_errors(sub: Submission) -> int:
    # failed eligibility is a verdict (不符合), not something the applicant must correct
    return sum(1 for i in sub.issues if i.severity == "error" and i.code != "criterion_failed")


def _problem(sub: Submission, limit: int = 3) -> str | None:
    if sub.rejection is not None:
        return sub.rejection.message
    errors = [i for i in sub.issues if i.severity == "error" and i.code != "criterion_failed"]
    if not errors:
        return None
    text = "；".join(i.message.rstrip("。") for i in errors[:limit])
    return text + (f"；另有 {len(errors) - limit} 处。" if len(errors) > limit else "。")


def _entry(r: sqlite3.Row) -> RosterEntry:
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


def _title(spec: FormSpec) -> str:
    """What a form is called in headings and messages: its file name (申报书, 季度数据报表)."""
    return spec.file_name or spec.id


def _json_path(*keys: str) -> str:
    """An SQLite JSON path to a key (quoted: field ids are plain, but the path is exact)."""
    return _sql_text("$" + "".join(f'."{k}"' for k in keys))


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _file(r: sqlite3.Row, document: str | None = None) -> FileRecord:
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


def sort_for_chasing(rows: Sequence[StatusRow]) -> list[StatusRow]:
    """Most urgent first: overdue before the rest, then 未收到, 有错误, ..., then by
    unit and roster order."""
    return sorted(rows, key=lambda r: (not r.late, STATE_ORDER.index(r.state)))


def _local_day(stamp: str) -> dt.date:
    return dt.datetime.fromisoformat(stamp).astimezone().date()


# ---------------------------------------------------------------- the 催报 workbook

# column -> the widest it gets (characters): wider text wraps. The roster's own columns
# take their widths from the form's [roster] (`width`); thirteen columns of the 申报书 must
# print one page wide on A4 landscape at a readable size (about 170 characters in all).
_STATUS_COLUMNS: tuple[tuple[str, float], ...] = (
    ("报送情况", 9),
    ("是否逾期", 9),
    ("需更正或核实的问题", 28),
    ("最近收到的文件", 16),
    ("收到时间", 11),
    ("报送编号", 14),
)


def status_columns(report: StatusReport) -> list[tuple[str, float]]:
    """The 催报 workbook's columns: 序号, the roster's columns, then the state."""
    from formkit.forms import get_form

    roster = get_form(report.form_id).spec.roster
    return [
        ("序号", 5),
        *((c.header, c.width) for c in roster.columns),
        *_STATUS_COLUMNS,
    ]


def issue_text(file: str, issue: Issue) -> str:
    """An issue as one line a person can act on: file, sheet and cell first, then what is
    wrong (its message, without saying the place again)."""
    from formkit.issues import unplaced

    where = "，".join(x for x in (issue.sheet and f"工作表“{issue.sheet}”", issue.cell) if x)
    text = unplaced(issue.message, issue.sheet, issue.cell).rstrip("。")
    return f"{file}{f'（{where}）' if where else ''}：{text}"


def problems_text(r: StatusRow) -> str:
    """What must be corrected or checked for one entry: its file's errors, the issues
    across periods of its current file, a same-day conflict."""
    last = r.last
    own = (last.problem or "") if last is not None and last.state == "有错误" else ""
    across = [issue_text(last.original_name, i) for i in r.across] if last is not None else []
    return "；".join(x for x in (own, *across, r.note) if x)


def _status_cells(i: int, r: StatusRow, report: StatusReport) -> list[Any]:
    e, last = r.entry, r.last
    return [
        i,
        *(e.values.get(fid) or "" for fid, _ in report.columns),
        r.state,
        r.overdue,
        problems_text(r),
        last.original_name if last is not None else "",
        last.received_at.astimezone().strftime("%Y-%m-%d %H:%M") if last is not None else "",
        e.submission_id,
    ]


def status_workbook(report: StatusReport) -> bytes:
    """A list a person can forward: who must still submit or correct, with contacts.

    Sheets: 催报名单 (未收到 and 有错误 only), 全部 (every roster entry), 名单外 (files
    matching no entry). Header frozen, autofilter, A4 landscape one page wide.
    """
    import io

    import xlsxwriter

    from formkit.cells import display_width, wrapped_lines
    from formkit.template import FONT
    from formkit.xlsx_text import plain

    buf = io.BytesIO()
    # names and problems come from applicants: text stays text, never a formula or link
    wb = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_urls": False, "strings_to_formulas": False}
    )
    # the day the report is as of, never the clock: the same ledger and day, the same bytes
    day = report.today or dt.date(2000, 1, 1)
    wb.set_properties({"created": dt.datetime(day.year, day.month, day.day)})
    base = {"font_name": FONT, "font_size": 10, "valign": "top", "text_wrap": True, "border": 1}
    head = wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "align": "center"})
    body = wb.add_format(base)
    states = {
        "未收到": wb.add_format({**base, "font_color": "#C00000", "bold": True}),
        "有错误": wb.add_format({**base, "font_color": "#C55A11", "bold": True}),
    }
    when = f"（{report.deadline_source} {report.deadline.isoformat()}）" if report.deadline else ""
    columns = status_columns(report)
    what = report.what

    def sheet(name: str, title: str, header: Sequence[str], rows: list[list[Any]]) -> None:
        ws = wb.add_worksheet(name)
        ws.write_string(0, 0, title, wb.add_format({"font_name": FONT, "bold": True}))
        # as wide as the content, up to the column's cap; wider text (and headers) wrap,
        # in rows made tall enough for it
        caps = dict(columns)
        widths = [min(display_width(h), 6) + 2 for h in header]
        for cells in rows:
            for j, v in enumerate(cells):
                widths[j] = max(widths[j], display_width(str(v)) + 2)
        widths = [min(w, caps.get(h, 24)) for w, h in zip(widths, header, strict=True)]
        for j, w in enumerate(widths):
            ws.set_column(j, j, w)
        for i, cells in enumerate([list(header), *rows], start=1):
            lines = max(wrapped_lines(str(v), w) for v, w in zip(cells, widths, strict=True))
            if lines > 1:
                ws.set_row(i, 13.5 * lines + 1)
            for j, v in enumerate(cells):
                if i == 1:
                    ws.write_string(i, j, v, head)
                else:
                    fmt = states.get(v, body) if header[j] == "报送情况" else body
                    if isinstance(v, str):
                        ws.write_string(i, j, plain(v), fmt)  # applicants' text: as typed
                    else:
                        ws.write(i, j, v, fmt)
        ws.freeze_panes(2, 0)
        ws.autofilter(1, 0, max(1, len(rows) + 1), len(header) - 1)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(1)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_footer("&C第 &P 页，共 &N 页")

    header = [c for c, _ in columns]
    chase = [
        r
        for r in sort_for_chasing(report.rows)
        if r.state in ("未收到", "有错误") or r.note or r.across
    ]
    c = report.counts
    sheet(
        "催报名单",
        f"{what}催报名单{when}：未报送 {c['未收到']} 家（其中逾期未报 {c['逾期未报']} 家），"
        f"需更正 {c['有错误']} 家",
        header,
        [_status_cells(i, r, report) for i, r in enumerate(chase, start=1)],
    )
    sheet(
        "全部",
        f"{what}报送情况{when}：共 {len(report.rows)} 家",
        header,
        [_status_cells(i, r, report) for i, r in enumerate(sort_for_chasing(report.rows), start=1)],
    )
    sheet(
        "名单外",
        f"名单外收到的文件（未能对应名单中的{report.subject_label}）",
        [
            *("序号", "文件", report.unit_label, report.subject_label),
            *("状态", "问题", "收到时间", "SHA-256"),
        ],
        [
            [
                i,
                f.original_name,
                f.unit or "",
                f.subject or "",
                "未受理" if f.status == "rejected" else (f.verdict or "已受理"),
                f.problem or "",
                f.received_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                f.sha256,
            ]
            for i, f in enumerate(report.unmatched, start=1)
        ],
    )
    wb.close()
    return buf.getvalue()


def write_status_workbook(report: StatusReport, path: str | os.PathLike[str]) -> Path:
    from formkit.atomic import write_bytes_atomic

    write_bytes_atomic(Path(path), status_workbook(report))
    return Path(path)
