"""Received files: recording them (read, validated, kept under their SHA-256, in batches),
which version counts (formkit.supersession's rule, decided as each file is recorded: see
decide.py) and the queries over them, the issues across periods included."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import queue
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from formkit.check import Documented, check_many
from formkit.distribute import applicant_key
from formkit.forms import form_ids, get_form, read_options
from formkit.issues import Issue
from formkit.ledger.decide import DecisionStore, stored_columns
from formkit.ledger.model import FileOutcome, FileRecord, IngestReport, record_of
from formkit.ledger.store import now_text
from formkit.paths import display_name, is_displayable
from formkit.read import READ_FAILED, ReadOptions, Submission, collect_paths
from formkit.read.submission import from_json
from formkit.reference import Reference
from formkit.spec import FormSpec
from formkit.supersession import Candidate, period_texts

T = TypeVar("T")

# test hook: seconds to sleep after each commit, so a test can kill `ingest` there; with it
# set, ingest commits every file alone
SLEEP_ENV = "FORMKIT_TEST_SLEEP_AFTER_COMMIT"
# ingest records files in batches of at most this many files, or of the files read in this
# many seconds: one transaction (and one fsync of the WAL) per batch, not per file
BATCH_FILES = 200
BATCH_SECONDS = 1.0
# An accepted file of one of other units (`marks`), not on a roster entry of the unit
# summarised (the last parameter): in a ledger that collects for several units (a
# roster of each), that unit's file, which its own summary lists
APART = (
    "status = 'accepted' AND unit IN ({marks}) AND NOT EXISTS (SELECT 1 FROM roster"
    " WHERE roster.submission_id = files.roster_id AND roster.unit = ?)"
)


def file_sha256(path: str | os.PathLike[str]) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class FileStore(DecisionStore):
    """The files received, and which of them counts."""

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
        if options is None:  # any registered form, by the id each file carries
            options = read_options(forms=None if self._form is None else (self._form,))

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
            checked = ahead(checked, BATCH_FILES)
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
        with self.transaction():
            return [self._record(sub, sha, received_on) for sub, sha in batch]

    def _record(self, sub: Submission, sha: str, received_on: dt.date | None = None) -> FileOutcome:
        """Record one file inside the caller's transaction."""
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
        period, period_key = period_texts(sub.values, spec)
        if not accepted:
            period = None
        roster_id, key = self._match(form_id, period, sub.submission_id, unit, subject)
        if first is not None:
            seq, received = first["seq"], first["received_at"]
        else:
            seq = self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM files").fetchone()[0]
            received = now_text(received_on)
        fill = _fill_date(sub, (roles.date or ""))
        # an upload is stored under its SHA-256: it keeps the name the city gave it
        shown = self.upload_names([sha]).get(sha) or _name(sub.file)
        digest = sub.values_digest() if accepted else None
        annotates = getattr(sub, "annotates", None)
        # the file as the supersession rule sees it once recorded (decide.candidate_of of
        # its row): decided with its neighbours before its row is written
        new = Candidate(
            handle=sha,
            name=shown,
            sha256=sha,
            received=(seq,),
            accepted=accepted,
            submission_id=sub.submission_id,
            roster_id=roster_id,
            unit=unit,
            applicant=subject,
            fill_date=fill,
            fingerprint=digest,
            annotates=annotates,
            period=period,
        )
        (app_key, name_link), decisions, stored = self._decide_new(form_id, new)
        mine = decisions[sha]
        disposition, winner, reason, conflicts, decision_key = stored_columns(mine)
        row: dict[str, Any] = {
            "sha256": sha,
            "seq": seq,
            "original_name": shown,
            "path": _text_safe(sub.file),
            "received_at": received,
            "submission_id": sub.submission_id,
            "roster_id": roster_id,
            "match_key": key,
            "unit": unit,
            "subject": subject,
            "filled": fill.isoformat() if fill is not None else None,
            "status": sub.status,
            "verdict": sub.verdict,
            "errors": sub.errors,
            "data_errors": _data_errors(sub),
            "warnings": sub.warnings,
            "problem": _problem(sub),
            "submission_json": _stored_json(sub),
            "superseded_by": winner,
            "fingerprint": digest,
            "annotates": annotates,
            "path_bytes": os.fsencode(sub.location),
            "form_id": form_id,
            "period": period,
            "period_key": period_key,
            "app_key": app_key,
            "name_link": name_link,
            "disposition": disposition,
            "decision_key": decision_key,
            "reason": reason,
            "conflicts": conflicts,
        }
        self.db.execute(
            f"INSERT INTO files ({', '.join(row)}) VALUES ({_marks(row)})", tuple(row.values())
        )
        self._event("received", roster_id or sub.submission_id, sha, _name(sub.file))
        if winner is not None:
            self._event(mine.disposition, mine.key, sha, f"{winner}：{mine.reason}")
        self._store_changed({h: d for h, d in decisions.items() if h != sha}, stored)
        before = {h for h, v in stored.items() if v[1] is None}
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
            record=record_of(row),  # the row as written, not read back
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

    def iter_files(
        self,
        *,
        without: Collection[str] = (),
        lean: tuple[str, Callable[[Any], object], Collection[str]] | None = None,
        form: tuple[str, Collection[str]] | None = None,
        apart: tuple[str, Collection[str]] | None = None,
    ) -> Iterator[FileRecord]:
        """Every file ever received, in received order, one at a time (`files` holds them
        all at once).

        `without`: top-level parts of each stored document left out ("provenance");
        `lean`: (field, test, keep): an accepted file whose value of `field` passes `test`
        comes with the values of the `keep` fields only and without its provenance,
        located and computed parts. SQLite cuts the documents: a caller that lists a file
        without its values does not parse them. `form`: (form id, periods): only the files
        of that form (a file whose form could not be told belongs to the ledger's own)
        that report on one of those periods (`period_key`) or do not say their period.
        `apart`: (unit, others): not the accepted files of the units `others` that are not
        on one of `unit`'s roster entries (`APART`: another unit's summary counts them)."""
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
        skip = ""
        skip_args: tuple[str, ...] = ()
        if apart is not None:
            skip = f" AND NOT ({APART.format(marks=_marks(apart[1]))})"
            skip_args = (*apart[1], apart[0])
        if form is None:
            cursor = self.db.execute(
                f"SELECT *, {doc} AS document FROM files WHERE 1 = 1{skip} ORDER BY seq",
                skip_args,
            )
            while rows := cursor.fetchmany(100):
                yield from (record_of(r, r["document"]) for r in rows)
            return
        # the form's files by its index, then read in received order 100 at a time
        form_id, periods = form
        where = "(form_id = ? OR form_id IS NULL)" if form_id == self.spec.id else "form_id = ?"
        seqs = [
            int(r[0])
            for r in self.db.execute(
                f"SELECT seq FROM files WHERE {where}"
                f" AND (period_key IS NULL OR period_key IN ({_marks(periods)})){skip}"
                " ORDER BY seq",
                (form_id, *periods, *skip_args),
            )
        ]
        for at in range(0, len(seqs), 100):
            part = seqs[at : at + 100]
            rows = self.db.execute(
                f"SELECT *, {doc} AS document FROM files"
                f" WHERE seq IN ({', '.join('?' * len(part))}) ORDER BY seq",
                part,
            ).fetchall()
            yield from (record_of(r, r["document"]) for r in rows)

    def count_apart(
        self, unit: str, others: Collection[str], form: tuple[str, Collection[str] | None]
    ) -> dict[str, int]:
        """How many files of each of the units `others` `iter_files(apart=...)` leaves out,
        of the form `form[0]` and (if not None) the periods `form[1]`."""
        form_id, periods = form
        where = "(form_id = ? OR form_id IS NULL)" if form_id == self.spec.id else "form_id = ?"
        args: tuple[Any, ...] = (form_id,)
        if periods is not None:
            where += f" AND (period_key IS NULL OR period_key IN ({_marks(periods)}))"
            args += tuple(periods)
        return {
            str(r[0]): int(r[1])
            for r in self.db.execute(
                f"SELECT unit, COUNT(*) FROM files WHERE {where}"
                f" AND {APART.format(marks=_marks(others))} GROUP BY unit ORDER BY unit",
                (*args, *others, unit),
            )
        }

    def upload_names(self, sha256s: Iterable[str]) -> dict[str, str]:
        """sha256 -> the name the browser sent, for the uploads among `sha256s` (the web
        page stores uploads under their SHA-256: formkit/web/store.py); a query per 500."""
        shas = list(dict.fromkeys(sha256s))
        out: dict[str, str] = {}
        for i in range(0, len(shas), 500):
            part = shas[i : i + 500]
            for r in self.db.execute(
                f"SELECT sha256, original_name FROM web_uploads WHERE sha256 IN ({_marks(part)})",
                part,
            ):
                out[str(r[0])] = str(r[1])
        return out

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
        return self._submission(record, self.upload_names([record.sha256]).get(record.sha256))

    def _submission(self, record: FileRecord, given: str | None) -> Submission:
        """`submission`, with the name the city gave an upload (`upload_names`) looked up."""
        sub = from_json(record.submission, self._dates_of(record.form_id))
        # shown (in messages naming it, in copies made of it) by the name the city gave it
        name = str(Path(sub.file).with_name(given)) if given else sub.file
        # the bytes on disk, for a name that is not UTF-8
        return dataclasses.replace(sub, path=record.location, file=name)

    def _dates_of(self, form_id: str | None) -> frozenset[str]:
        """The ids of a form's date fields (what `from_json` types back as dates)."""
        return frozenset(f.id for f in self._spec_of(form_id).fields if f.type == "date")

    def _records(self, shas: Sequence[str]) -> list[FileRecord]:
        """The recorded files among `shas`, in that order: a query per 500, not per file."""
        by_sha: dict[str, FileRecord] = {}
        for i in range(0, len(shas), 500):
            part = shas[i : i + 500]
            for r in self.db.execute(f"SELECT * FROM files WHERE sha256 IN ({_marks(part)})", part):
                by_sha[r["sha256"]] = record_of(r)
        return [by_sha[s] for s in shas if s in by_sha]

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
            # one subject's files read together: a query, not one per file and its name
            given = self.upload_names(shas)
            history = [self._submission(r, given.get(r.sha256)) for r in self._records(shas)]
            for sub, issue in across(history, self.reference):
                out.setdefault(sub.sha256, []).append(issue)
        return out


def ahead(items: Iterator[T], size: int) -> Iterator[T]:
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

    # the first item is taken in the caller's thread: the reading workers start with it
    # while this process has one thread, so they are forked with formkit loaded rather than
    # started afresh (formkit/read/isolate.py)
    try:
        first = next(items)
    except StopIteration:
        return
    except BaseException:
        close = getattr(items, "close", None)
        if close is not None:
            close()
        raise
    thread = threading.Thread(target=run, name="formkit-ingest-reader", daemon=True)
    thread.start()
    try:
        yield first
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
    reading worker when it came from one: formkit.check.Documented)."""
    if isinstance(sub, Documented) and sub.document and is_displayable(sub.file):
        return sub.document
    return json.dumps(_safe_doc(sub.to_json()), ensure_ascii=False, sort_keys=True)


def _json_path(*keys: str) -> str:
    """An SQLite JSON path to a key (quoted: field ids are plain, but the path is exact)."""
    return _sql_text("$" + "".join(f'."{k}"' for k in keys))


def _marks(items: Collection[Any]) -> str:
    return ", ".join("?" * len(items))


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


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
    return _text_safe(os.path.basename(path.rstrip(os.sep)))  # Path(path).name, cheaper


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
