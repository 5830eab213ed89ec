"""The web page's own records, in the ledger's file: settings (the password hash, the CSRF
key), the cities' link tokens (hashed), the province's sessions (hashed), the uploaded
bytes and the audit trail.

Storage only: what a token, password or session is, and who may do what, is decided in
formkit/web (auth, the pages). Secrets arrive here already hashed. The tables are created
by the ledger's one sequence of migrations (formkit/ledger/schema/0003-web.sql, 0006,
0009: wrong passwords in a row) and
written in the ledger's transactions, so the ledger stays one file with one writer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from formkit.ledger import Ledger
from formkit.ledger.store import now_text


class WebStore:
    """`WebStore(ledger)`: the web's tables of an open ledger."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.db = ledger.db

    def web_setting(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM web_settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_web_setting(self, key: str, value: str, *, if_absent: bool = False) -> str:
        """Store a setting; with `if_absent` keep one already there. Returns the value kept."""
        with self.ledger.transaction():
            if if_absent:
                self.db.execute(
                    "INSERT OR IGNORE INTO web_settings (key, value, updated) VALUES (?, ?, ?)",
                    (key, value, now_text()),
                )
            else:
                self.db.execute(
                    "INSERT INTO web_settings (key, value, updated) VALUES (?, ?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
                    " updated = excluded.updated",
                    (key, value, now_text()),
                )
        kept = self.web_setting(key)
        assert kept is not None
        return kept

    def set_token_hashes(self, hashes: dict[str, str], *, actor: str = "cli") -> None:
        """submission id -> SHA-256 of its new link token; an entry's old link stops working."""
        with self.ledger.transaction():
            for sid, token_hash in hashes.items():
                self.db.execute(
                    "INSERT INTO web_tokens (submission_id, token_hash, created) VALUES (?, ?, ?)"
                    " ON CONFLICT (submission_id) DO UPDATE SET"
                    " token_hash = excluded.token_hash, created = excluded.created",
                    (sid, token_hash, now_text()),
                )
                self.db.execute(
                    "INSERT INTO web_audit (at, kind, actor, detail) VALUES (?, ?, ?, ?)",
                    (now_text(), "link_issued", actor, sid),
                )

    def token_entry(self, token_hash: str) -> tuple[str, str] | None:
        """(submission id, stored hash) of the link whose token hashes to `token_hash`."""
        row = self.db.execute(
            "SELECT submission_id, token_hash FROM web_tokens WHERE token_hash = ?", (token_hash,)
        ).fetchone()
        return None if row is None else (str(row[0]), str(row[1]))

    def add_session(self, session_hash: str, expires: dt.datetime) -> None:
        with self.ledger.transaction():
            self.db.execute("DELETE FROM web_sessions WHERE expires < ?", (now_text(),))
            self.db.execute(
                "INSERT INTO web_sessions (session_hash, created, expires) VALUES (?, ?, ?)",
                (session_hash, now_text(), expires.astimezone().isoformat(timespec="seconds")),
            )

    def session_expires(self, session_hash: str) -> dt.datetime | None:
        row = self.db.execute(
            "SELECT expires FROM web_sessions WHERE session_hash = ?", (session_hash,)
        ).fetchone()
        return None if row is None else dt.datetime.fromisoformat(row[0])

    def drop_sessions(self, session_hash: str | None = None) -> None:
        """End one session, or (None) every session, as a new password does."""
        with self.ledger.transaction():
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
        with self.ledger.transaction():
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
        with self.ledger.transaction():
            self.db.execute("DELETE FROM web_login_failures WHERE account = ?", (account,))

    def clear_login_failures(self) -> None:
        """A new password (serve --set-password) ends every lockout: whoever set it may log in."""
        with self.ledger.transaction():
            self.db.execute("DELETE FROM web_login_failures")

    def store_upload(
        self, sha256: str, submission_id: str, original_name: str, data: bytes
    ) -> bool:
        """Keep an upload's bytes under its hash; False if those bytes were kept before."""
        with self.ledger.transaction():
            cur = self.db.execute(
                "INSERT OR IGNORE INTO web_uploads"
                " (sha256, submission_id, original_name, size, received_at, data)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (sha256, submission_id, original_name, len(data), now_text(), data),
            )
        return cur.rowcount == 1

    def upload_names(self, sha256s: Iterable[str]) -> dict[str, str]:
        """sha256 -> the name the browser sent, for the uploads among `sha256s`."""
        return self.ledger.upload_names(sha256s)

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
        with self.ledger.transaction():
            self.db.execute(
                "INSERT INTO web_audit (at, kind, actor, client, sha256, status, detail)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (now_text(), kind, actor, address, sha256, status, detail),
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
