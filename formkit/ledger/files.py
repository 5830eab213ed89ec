"""Received files: recording them (read, validated, kept under their SHA-256), which
version counts (formkit.supersession's rule, stored after each file) and the queries over
them, the issues across periods included."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from formkit.check import check_many
from formkit.distribute import applicant_key
from formkit.forms import form_ids, get_form, read_options
from formkit.issues import Issue
from formkit.ledger.model import FileOutcome, FileRecord, IngestReport, record_of
from formkit.ledger.store import Store, now_text
from formkit.read import READ_FAILED, ReadOptions, Submission, collect_paths
from formkit.read.submission import from_json
from formkit.reference import Reference
from formkit.spec import FormSpec
from formkit.supersession import Candidate, Decision, decide, fingerprint, period_of

# test hook: seconds to sleep after each file's commit, so a test can kill `ingest` there
SLEEP_ENV = "FORMKIT_TEST_SLEEP_AFTER_COMMIT"


def file_sha256(path: str | os.PathLike[str]) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class FileStore(Store):
    """The files received, and which of them counts."""

    def _backfill(self) -> None:
        """Files recorded before the values digest existed get theirs from the stored JSON."""
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
        if rows:
            self._resolve()

    def _relink(self) -> None:
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
        self._resolve()

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

    def decisions(self) -> dict[str, Decision]:
        """formkit.supersession's decision for every file, by sha256 (each form apart)."""
        by_form: dict[str | None, list[Candidate]] = {}
        for r in self.db.execute(
            "SELECT sha256, original_name, seq, status, submission_id, roster_id, unit,"
            " subject, filled, fingerprint, annotates, form_id, period FROM files"
        ):
            by_form.setdefault(r["form_id"], []).append(
                Candidate(
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
            )
        out: dict[str, Decision] = {}
        for cands in by_form.values():
            out.update(decide(cands))
        return out

    def _resolve(self) -> dict[str, Decision]:
        """Store the decision in superseded_by (inside the caller's transaction); each
        newly superseded file gets an event."""
        decisions = self.decisions()
        stored = {r[0]: r[1] for r in self.db.execute("SELECT sha256, superseded_by FROM files")}
        for sha, d in decisions.items():
            winner = d.winner if d.disposition in ("superseded", "same_version") else None
            if stored.get(sha) != winner:
                self.db.execute(
                    "UPDATE files SET superseded_by = ? WHERE sha256 = ?", (winner, sha)
                )
                if winner is not None:
                    self._event(d.disposition, d.key, sha, f"{winner}：{d.reason}")
        return decisions

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

        issues = json.loads(row["submission_json"]).get("issues", [])
        return any(i.get("code") == READ_FAILED for i in issues)

    def ingest(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        jobs: int = 1,
        options: ReadOptions | None = None,
        progress: Any = None,
    ) -> IngestReport:
        """Read, validate and record files not yet in the ledger; one transaction per file.

        Received order: this run after earlier runs; within the run, by file time. Which
        file counts is formkit.supersession's rule (填报日期 first), stored after each file.
        `progress(n)` is called as files are read. Without `options`, a file of any
        registered form is read as that form (the ledger's `form`, if given, only).
        """
        if options is None:  # any registered form, by the id each file carries
            options = read_options(forms=None if self._form is None else (self._form,))

        report = IngestReport()
        todo: list[tuple[str, str, float]] = []
        seen: set[str] = set()
        for p in collect_paths(paths):
            path = os.path.abspath(p)
            try:
                sha = file_sha256(path)
                mtime = os.stat(path).st_mtime
            except OSError as exc:
                report.files.append(FileOutcome(path, "", "unreadable", detail=str(exc)))
                continue
            if sha in seen or (self.known(sha) and not self._read_failed(sha)):
                report.files.append(FileOutcome(path, sha, "duplicate"))
                continue
            seen.add(sha)
            todo.append((path, sha, mtime))

        subs: list[tuple[Submission, str, float]] = []
        for sub, (_, sha, mtime) in zip(
            check_many([t[0] for t in todo], options, jobs=jobs), todo, strict=True
        ):
            subs.append((sub, sha, mtime))
            if progress is not None:
                progress(1)
        # received order within one run: the files' times, as `summary PATHS` takes them
        # (which version counts is decided by 填报日期 first, see formkit.supersession)
        subs.sort(key=lambda t: (t[2], t[0].file))

        pause = float(os.environ.get(SLEEP_ENV) or 0)
        for sub, sha, _ in subs:
            report.files.append(self._record(sub, sha))
            if pause:
                time.sleep(pause)
        return report

    def _record(self, sub: Submission, sha: str) -> FileOutcome:
        with self.transaction():
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
            current = "SELECT sha256 FROM files WHERE superseded_by IS NULL"
            before = {r[0] for r in self.db.execute(current)}
            if first is not None:
                seq, received = first["seq"], first["received_at"]
            else:
                seq = self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM files").fetchone()[0]
                received = now_text()
            fill = _fill_date(sub, (roles.date or ""))
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
                    _name(sub.file),
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
                    json.dumps(_safe_doc(sub.to_json()), ensure_ascii=False, sort_keys=True),
                    fingerprint(sub.values) if accepted else None,
                    getattr(sub, "annotates", None),
                    os.fsencode(sub.location),
                    form_id,
                    period,
                ),
            )
            self._event("received", roster_id or sub.submission_id, sha, _name(sub.file))
            decisions = self._resolve()
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

    def file(self, sha256: str) -> FileRecord | None:
        row = self.db.execute("SELECT * FROM files WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else record_of(row)

    def files(self, form_id: str | None = None) -> list[FileRecord]:
        """Every file ever received (of one form, if given), in received order."""
        if form_id is None:
            return [record_of(r) for r in self.db.execute("SELECT * FROM files ORDER BY seq")]
        return [
            record_of(r)
            for r in self.db.execute(
                "SELECT * FROM files WHERE form_id = ? ORDER BY seq", (form_id,)
            )
        ]

    def current(self, form_id: str | None = None, *, period: str | None = None) -> list[FileRecord]:
        """The file that counts for each roster entry (or subject, for unlisted files) and
        period; of one form and one period, if given."""
        sql, args = "SELECT * FROM files WHERE superseded_by IS NULL", []
        if form_id is not None:
            sql, args = sql + " AND form_id = ?", [form_id]
        if period is not None:
            sql, args = sql + " AND period = ?", [*args, period]
        return [record_of(r) for r in self.db.execute(sql + " ORDER BY seq", args)]

    def history(self, submission_id: str) -> list[FileRecord]:
        """Every file received for one roster entry, oldest first."""
        return [
            record_of(r)
            for r in self.db.execute(
                "SELECT * FROM files WHERE roster_id = ? ORDER BY seq", (submission_id,)
            )
        ]

    def submission(self, record: FileRecord) -> Submission:
        """A recorded file's Submission back from the ledger (values typed by its spec)."""
        spec = self._spec_of(record.form_id)
        sub = from_json(record.submission, {f.id for f in spec.fields if f.type == "date"})
        # the bytes on disk, for a name that is not UTF-8
        return dataclasses.replace(sub, path=record.location)

    def across_issues(self, form_id: str | None = None) -> dict[str, list[Issue]]:
        """sha256 -> the issues across periods of that current file, computed now from the
        current files (so they always agree with supersession).

        The form's `across` (formkit/forms/<form>/__init__.py) gets each subject's current
        accepted files of every form that shares the subject: forms whose spec has the
        same unit and subject fields and subject label and is also periodic (the
        季度数据报表 and 年度工作报告 of one base). The result covers the files of all of them.
        """
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
        subjects: dict[tuple[str, str], list[Submission]] = {}
        for form in group:
            for r in self.current(form.id):
                if r.status != "accepted" or not r.subject:
                    continue
                key = (r.unit or "", applicant_key(r.subject))
                subjects.setdefault(key, []).append(self.submission(r))
        out: dict[str, list[Issue]] = {}
        for history in subjects.values():
            for sub, issue in across(history, self.reference):
                out.setdefault(sub.sha256, []).append(issue)
        return out


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
