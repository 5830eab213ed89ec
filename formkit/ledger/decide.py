"""Which version counts, as the ledger stores it: each file's roster entry, its links
(formkit.supersession.links) and its decision (schema 8), decided again only for the
neighbourhood of a newly recorded file (formkit.supersession.neighbourhood)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from formkit.distribute import applicant_key
from formkit.ledger.store import Store
from formkit.supersession import Candidate, Decision, decide, fingerprint, links, neighbourhood

# the columns a file's supersession candidate is made of, and its stored decision's
CANDIDATE = (
    "sha256, original_name, seq, status, submission_id, roster_id, unit, subject, filled,"
    " fingerprint, annotates, form_id, period, app_key, name_link"
)
DECISION = "sha256, disposition, superseded_by, reason, conflicts, decision_key"


class DecisionStore(Store):
    """The files' links to their roster entries and to each other, and their decisions."""

    def _backfill(self) -> None:
        """Files recorded before the values digest existed get theirs from the stored JSON;
        files recorded before decisions were stored (version 7) get their links and
        decisions."""
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
            self._relinks(self.db.execute(f"SELECT {CANDIDATE} FROM files").fetchall())
            self._resolve()

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
                f"SELECT {CANDIDATE} FROM files WHERE sha256 IN ({','.join('?' * len(part))})",
                part,
            ).fetchall()
        return out

    def _relinks(self, rows: Iterable[sqlite3.Row]) -> None:
        """Store formkit.supersession's links of these files (see `_neighbourhood`)."""
        for r in rows:
            app_key, name_link = links(candidate_of(r))
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
        if shas is None:
            rows = self.db.execute(f"SELECT {DECISION} FROM files").fetchall()
        else:
            wanted = list(dict.fromkeys(shas))
            rows = []
            for i in range(0, len(wanted), 500):
                part = wanted[i : i + 500]
                rows += self.db.execute(
                    f"SELECT {DECISION} FROM files WHERE sha256 IN ({','.join('?' * len(part))})",
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
        by_form: dict[str | None, list[Candidate]] = {}
        for r in self.db.execute(f"SELECT {CANDIDATE} FROM files"):
            by_form.setdefault(r["form_id"], []).append(candidate_of(r))
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

    def _neighbourhood(
        self, form_id: str | None, seeds: Iterable[sqlite3.Row | Mapping[str, Any]]
    ) -> list[Candidate]:
        """The files of one form whose decisions a change to `seeds` can change
        (formkit.supersession.neighbourhood): reached through the stored links."""

        def find(idents: set[str], names: set[str]) -> list[Candidate]:
            out: list[Candidate] = []
            for column, keys in (("app_key", sorted(idents)), ("name_link", sorted(names))):
                for i in range(0, len(keys), 500):
                    part = keys[i : i + 500]
                    out += [
                        candidate_of(r)
                        for r in self.db.execute(
                            f"SELECT {CANDIDATE} FROM files WHERE form_id IS ?"
                            f" AND {column} IN ({','.join('?' * len(part))})",
                            [form_id, *part],
                        )
                    ]
            return out

        # a list: `neighbourhood` reads the seeds twice (identities, then name links)
        return neighbourhood([(r["app_key"], r["name_link"]) for r in seeds], find)

    def _decide_new(
        self, form_id: str | None, new: Candidate
    ) -> tuple[tuple[str | None, str | None], dict[str, Decision], dict[str, tuple[Any, ...]]]:
        """A file about to be recorded: its links, and the decisions of its neighbourhood
        with it (what `_relinks` and a re-decision of its neighbourhood would find once it
        is recorded), with the neighbours' stored decisions. Decided before the file's row
        is written, so the row is written once: an UPDATE rewrites a row's whole stored
        document."""
        app_key, name_link = links(new)
        cands = [
            c
            for c in self._neighbourhood(form_id, [{"app_key": app_key, "name_link": name_link}])
            if c.handle != new.handle
        ]
        stored: dict[str, tuple[Any, ...]] = {}
        for i in range(0, len(cands), 500):
            part = [c.handle for c in cands[i : i + 500]]
            for r in self.db.execute(
                f"SELECT {DECISION} FROM files WHERE sha256 IN ({','.join('?' * len(part))})",
                part,
            ):
                stored[r["sha256"]] = tuple(r)[1:]
        return (app_key, name_link), decide([*cands, new]), stored

    def _store_changed(
        self, decisions: Mapping[str, Decision], stored: Mapping[str, tuple[Any, ...]]
    ) -> None:
        """`_store` for the decisions that differ from the stored ones (`DECISION`'s
        columns after sha256)."""
        changed = {sha: d for sha, d in decisions.items() if stored.get(sha) != stored_columns(d)}
        self._store(changed, {sha: (v[1], v[0]) for sha, v in stored.items()})

    def _store(
        self, decisions: Mapping[str, Decision], stored: Mapping[str, tuple[str | None, Any]]
    ) -> None:
        for sha, d in decisions.items():
            disposition, winner, reason, conflicts, key = stored_columns(d)
            self.db.execute(
                "UPDATE files SET superseded_by = ?, disposition = ?, decision_key = ?,"
                " reason = ?, conflicts = ? WHERE sha256 = ?",
                (winner, disposition, key, reason, conflicts, sha),
            )
            if winner is not None and stored.get(sha, (None, None))[0] != winner:
                self._event(d.disposition, d.key, sha, f"{winner}：{d.reason}")


def stored_columns(d: Decision) -> tuple[Any, ...]:
    """A decision as `DECISION` stores it (after sha256): disposition, superseded_by,
    reason, conflicts, decision_key."""
    winner = d.winner if d.disposition in ("superseded", "same_version") else None
    conflicts = json.dumps(list(d.conflicts)) if d.conflicts else None
    return (d.disposition, winner, d.reason or None, conflicts, d.key)


def candidate_of(r: sqlite3.Row) -> Candidate:
    """A recorded file as formkit.supersession sees it."""
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
