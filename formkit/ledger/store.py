"""The ledger's store: the SQLite file, its schema and its transactions.

formkit creates and migrates the file itself. Durability: WAL, synchronous=FULL and one
IMMEDIATE transaction per batch of recorded files, so a run killed at any moment leaves the
ledger as it was after the last batch. The web layer keeps its own tables (sessions,
link tokens, uploads, audit trail) in the same file through the same connection and
transactions (formkit/web/store.py); the schema is one ordered sequence of migrations.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from formkit.forms import DEFAULT_FORM, UnknownForm, get_form, load_form_spec
from formkit.reference import Reference, load_reference
from formkit.spec import FormSpec

# Ordered schema steps; the database's PRAGMA user_version counts those applied. Versions
# 1-4 are SQL scripts (formkit/ledger/schema/, released: never edit one); from version 5
# a step may be a function of the connection. Append, never change.
_SCHEMA = Path(__file__).with_name("schema")


def _v5_generic(db: sqlite3.Connection) -> None:
    """Version 5: one ledger, several forms. The roster and files tables of versions 1-4
    named their columns after the 申报书's fields (the default form's roles and roster
    columns); they become the form-independent unit / subject / filled, each row gains
    its form and period, and the roster's other columns move into `values_json`. Rows and
    their ids are kept; what the old columns were called is read from the default form's
    spec, not written here."""
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
    (_SCHEMA / "0010-period-key.sql").read_text(encoding="utf-8"),
)


class LedgerError(RuntimeError):
    """A ledger that cannot be used (newer schema, not a formkit ledger, I/O)."""


def now_text(day: dt.date | None = None) -> str:
    """Now, as the ledger records it; `day`: a replay's day (`--today`), at this time of
    day, so files recorded in a replay arrive on the day it replays."""
    now = dt.datetime.now().astimezone()
    if day is not None:
        now = now.replace(year=day.year, month=day.month, day=day.day)
    return now.isoformat(timespec="seconds")


class Store:
    """An open ledger file: connection, schema, transactions, what its rows mean (the
    forms' specs and the reference data)."""

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

    def __enter__(self) -> Self:
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
            self._spec = load_form_spec()
        return self._spec

    def _spec_of(self, form_id: str | None) -> FormSpec:
        """The spec of a form by id: a registered form's, else the default spec."""
        if form_id is None or (self._spec is not None and self._spec.id == form_id):
            return self.spec
        try:
            return get_form(form_id).spec
        except UnknownForm:
            return self.spec

    @property
    def reference(self) -> Reference:
        if self._reference is None:
            self._reference = load_reference()
        return self._reference

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
        """What a migration leaves to fill in from the rows (formkit/ledger/files.py)."""

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
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
            (now_text(), kind, submission_id, sha, detail),
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
