"""The blocking work behind the pages: uploads, annotated copies, downloads.

Every function opens its own `Ledger` (SQLite, WAL) and is meant to run in a thread, so
the event loop stays free while a workbook is read in its isolated worker. Nothing here
builds a path from anything a request sent: an upload is stored as `<store>/<sha256>`,
the hash computed here from the bytes received.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import queue
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from formkit.atomic import write_bytes_atomic
from formkit.distribute import RosterRow, applicant_key, file_name, prefilled
from formkit.forms import DEFAULT_FORM, default_form, read_options
from formkit.issues import Issue
from formkit.ledger import FileRecord, Ledger, RosterEntry, StatusReport
from formkit.ledger import status_workbook as build_status_workbook
from formkit.read import ReadOptions, Submission
from formkit.read.isolate import Failure, WorkerPool
from formkit.rounds.feedback import annotate, recorded
from formkit.rounds.recommend import Decision, decide_from_ledger
from formkit.rounds.report import file_issues
from formkit.rounds.status import (
    Round,
    entry_round,
    form_title,
    period_of_text,
    spec_of,
    status,
)
from formkit.rounds.summary import from_ledger
from formkit.states import registered_reason, shown_state
from formkit.summary.kit import SummaryData
from formkit.summary.sheets import build
from formkit.supersession import period_of
from formkit.web.auth import SHA256_RE
from formkit.web.reading import check_one, ready
from formkit.web.store import WebStore

DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024  # a filled 申报书 is about 20 KB


@dataclass(frozen=True)
class Settings:
    db: Path
    store: Path  # uploaded files, each under its SHA-256; annotated copies in store/审核意见
    max_upload: int = DEFAULT_MAX_UPLOAD
    deadline: dt.date | None = None
    unit: str | None = None  # the province, for the summary's title
    checks: int = 2  # uploads read at once (each in its own worker process)
    read_timeout: float = 60.0
    year: int | None = None
    form: str | None = None  # the round the province's page opens on (`serve --form`)
    period: str | None = None  # its period, as `--period` takes it ("2007Q2")
    # `serve --today`: uploads are received on this day and lateness is judged by it (a
    # round replayed or rehearsed); None: the clock
    today: dt.date | None = None
    # `serve --base-url`: links are built from it (never from the Host header), and a
    # request naming another host is refused; None: links are shown as paths
    base_url: str | None = None
    # `serve --uploads-per-address`, `--uploads-per-link`: uploads a minute (formkit.web.app)
    uploads_per_address: int = 600
    uploads_per_link: int = 10
    # start the reading workers before taking requests (`formkit serve`; tests start none)
    warm: bool = False

    def read_options(self) -> ReadOptions:

        return read_options(year=self.year, timeout=self.read_timeout)

    def upload_options(self) -> ReadOptions:
        """How an upload is read: as the form it carries (any registered form), so a file
        of another form than its link's is told apart and refused by name."""

        return read_options(
            year=self.year, timeout=self.read_timeout, forms=None, deadline=self.applicants_deadline
        )

    @property
    def applicants_deadline(self) -> dt.date | None:
        """`serve --deadline` when it is the application round's (the date the province
        set its applicants: a 申报书 dated after it is warned); a report round's is only
        for its status."""
        own = (self.form or DEFAULT_FORM) == DEFAULT_FORM and self.period is None
        return self.deadline if own else None


def default_store(db: Path) -> Path:
    return db.parent / f"{db.stem}-上报文件"


class Workers:
    """The server's check slots: `settings.checks` worker pools of one process each, kept
    between uploads (the same isolation, limits and timeouts as `formkit check`). A
    thread borrows one for an upload, an annotated copy or a summary, so no more than
    that many such jobs run at once and the event loop is never the one waiting."""

    def __init__(self, settings: Settings) -> None:

        options = settings.read_options()
        self._free: queue.Queue[WorkerPool] = queue.Queue()
        self._all = [
            # the server runs threads: its workers never fork from it
            WorkerPool(
                jobs=1,
                timeout=options.timeout,
                memory_mb=options.memory_mb,
                start_method="forkserver",
            )
            for _ in range(max(1, settings.checks))
        ]
        for pool in self._all:
            self._free.put(pool)

    @contextlib.contextmanager
    def slot(self) -> Iterator[WorkerPool]:
        pool = self._free.get()
        try:
            yield pool
        finally:
            self._free.put(pool)

    def warm(self) -> None:
        """Start every worker now (`serve` does, before it takes requests): the first
        uploads of a round do not wait a second or two for a worker to start."""
        taken = [self._free.get() for _ in self._all]
        try:
            for pool in taken:
                for _ in pool.map(ready, [None]):
                    pass
        finally:
            for pool in taken:
                self._free.put(pool)

    def close(self) -> None:
        for pool in self._all:
            pool.close()


@contextlib.contextmanager
def ledger(settings: Settings) -> Iterator[Ledger]:
    with Ledger(settings.db) as led:
        yield led


# ---------------------------------------------------------------- rounds


@dataclass(frozen=True)
class FormView:
    """What the pages say about one roster entry's form: its names and labels."""

    round: Round
    locality_label: str | None  # the 申报书's 所在地级市, shown beside the unit
    locality: str | None
    # the entry's other roster columns with a value, (header, value), in roster order
    columns: tuple[tuple[str, str], ...] = ()

    @property
    def title(self) -> str:
        return self.round.title


def form_view(entry: RosterEntry) -> FormView:
    round_ = entry_round(entry)
    spec = spec_of(round_.form_id)
    fid = spec.roles.locality
    label = value = None
    if fid:
        column = spec.roster.column(fid)
        label = column.header if column is not None else spec.field(fid).label
        value = entry.values.get(fid)
    roles = spec.roles
    columns = tuple(
        (c.header, str(entry.values[c.field]))
        for c in spec.roster.columns
        if c.field not in (roles.unit, roles.subject)
        and entry.values.get(c.field) not in (None, "")
    )
    return FormView(round_, label, value if isinstance(value, str) else None, columns)


_SHA_IN_TEXT = re.compile(r"\b[0-9a-f]{64}\b")


def named(led: Ledger, issues: list[Issue]) -> list[Issue]:
    """Issues whose messages name another file by its stored name (an upload is stored
    under its SHA-256) with the name it was uploaded under instead."""
    shas = {m for i in issues for m in _SHA_IN_TEXT.findall(i.message)}
    if not shas:
        return issues
    names = WebStore(led).upload_names(shas)
    if not names:
        return issues

    def swap(text: str) -> str:
        return _SHA_IN_TEXT.sub(lambda m: names.get(m.group(0), m.group(0)), text)

    return [dataclasses.replace(i, message=swap(i.message)) for i in issues]


def across_of(led: Ledger, record: FileRecord | None) -> list[dict[str, Any]]:
    """The issues across periods (formkit.forms.<form>.across) of a file, as the page lists
    issues; only a current file has them (they are computed from the current files)."""
    if record is None or record.form_id is None or record.status != "accepted":
        return []
    if not spec_of(record.form_id).roles.period:
        return []
    found = led.across_issues(record.form_id).get(record.sha256, [])
    return [i.to_json() for i in named(led, found) if i.severity != "info"]


def state_with(record: FileRecord | None, across: list[dict[str, Any]]) -> str:
    """A file's state counting its issues across periods (an error among them: 有错误)."""
    return shown_state(record, across)


# ---------------------------------------------------------------- uploads


def _registered(record: FileRecord) -> str:
    """A file uploaded again: what it was registered as, and when (formkit.states)."""
    title = spec_of(record.form_id).file_name if record.form_id else ""
    said = registered_reason(record, title or "").removeprefix("同一文件")
    return f"这个文件{said.split('；')[0].rstrip('。')}，结果见下。"


@dataclass
class UploadResult:
    # new: recorded; duplicate: these bytes were recorded before; refused: not recorded
    outcome: Literal["new", "duplicate", "refused"]
    status: int  # the HTTP status to answer with
    message: str  # Chinese, one sentence for the page
    sha256: str
    record: FileRecord | None = None
    supersedes: str | None = None
    issues: list[dict[str, Any]] = field(default_factory=list)  # of a refused file


def _store_file(settings: Settings, sha: str, data: bytes) -> Path:

    assert SHA256_RE.fullmatch(sha)
    path = settings.store / sha
    if not path.is_file() or path.stat().st_size != len(data):
        write_bytes_atomic(path, data)
    return path


def _belongs(sub: Submission, entry: RosterEntry, led: Ledger) -> str | None:
    """Why a checked file is not this entry's (Chinese), or None if it is: another form,
    another period, another submission id, another unit or subject."""

    mine = entry_round(entry)
    title = mine.title
    form_id = sub.form.id if sub.form is not None and sub.form.id else None
    spec = spec_of(mine.form_id)
    text = period_of(sub.values, spec) if form_id in (None, mine.form_id) else None
    other = _other_round(mine, form_id, text)
    if other is not None:
        return other
    if sub.submission_id:
        if sub.submission_id == entry.submission_id:
            return None
        return (
            f"文件的报送编号（{sub.submission_id}）不是本单位的（{entry.submission_id}）："
            f"请上传下发给本单位的{title}。"
        )
    roles = spec.roles  # the form's reporting unit and applicant
    province = sub.values.get(roles.unit or "")
    applicant = sub.values.get(roles.subject or "")
    unit = led.reference.unit(province.strip()) if isinstance(province, str) else None
    same_unit = unit is not None and unit.name == entry.unit
    same_name = isinstance(applicant, str) and applicant_key(applicant) == applicant_key(
        entry.subject
    )
    if same_unit and same_name:
        return None
    ul, sl = roles.unit_label, roles.subject_label
    return (
        f"文件中的{ul}、{sl}（{province or '未填'}，{applicant or '未填'}）与本链接的"
        f"{sl}（{entry.unit}，{entry.subject}）不符：请上传本单位的{title}。"
    )


def _other_round(mine: Round, form_id: str | None, period_text: str | None) -> str | None:
    """Why a file of form `form_id` and period `period_text` is not for a link of round
    `mine`: another form, or another period (None when it is the link's)."""
    title = mine.title
    if form_id is not None and form_id != mine.form_id:
        other = form_title(spec_of(form_id))
        return f"这个文件是{other}，本链接收的是{mine.label}：请上传下发给本单位的{title}。"
    if mine.period is None:
        return None
    period = period_of_text(period_text, spec_of(mine.form_id))
    if period is None:
        return f"文件中没有填写报告期，本链接收的是{mine.what}：请上传下发给本单位的{title}。"
    if period.text != mine.period.text:
        return (
            f"这个文件是{period.words}的{title}，本链接收的是"
            f"{mine.period.words}的{title}：请上传本单位"
            f"{mine.period.words}的{title}。"
        )
    return None


def _known_elsewhere(known: FileRecord, entry: RosterEntry, led: Ledger) -> str:
    """Why a file the ledger already holds for another roster entry is refused here, by
    its true reason: the same unit's file of another form or period says so (a base's
    second quarter sent to its third quarter's link); only another unit's file is
    "another unit's"."""
    mine = entry_round(entry)
    owner = led.entry(known.roster_id or "")
    same = owner is not None and (owner.unit, applicant_key(owner.subject)) == (
        entry.unit,
        applicant_key(entry.subject),
    )
    if same:
        why = _other_round(mine, known.form_id, known.period)
        if why is not None:
            return why.replace("这个文件是", "这个文件是本单位已经上报过的", 1)
    return f"这个文件已由其他{mine.subject_label}上报，请上传本单位的{mine.title}。"


def process_upload(
    settings: Settings,
    workers: Workers,
    entry: RosterEntry,
    original_name: str,
    data: bytes,
) -> UploadResult:
    """Check an uploaded file and, if it is this entry's readable workbook, record it.

    The file is read once, in an isolated worker, as `formkit check` reads it: whose it is
    is seen first (a city's link must never record or supersede another applicant's
    file), then `Ledger.record_checked` records it and decides supersession as `formkit
    ingest` does. Nothing else is made on the way (the annotated copy is made when it is
    first asked for).
    """

    sha = hashlib.sha256(data).hexdigest()
    with ledger(settings) as led:  # a file sent twice needs no slot
        known = led.file(sha)
    if known is not None and known.roster_id == entry.submission_id:
        return UploadResult("duplicate", 200, _registered(known), sha, known)
    if known is not None and known.roster_id is not None:
        with ledger(settings) as led:
            why = _known_elsewhere(known, entry, led)
        return UploadResult("refused", 422, why, sha)
    options = settings.upload_options()
    # read first from a private temporary copy: a refused file leaves nothing behind; the
    # worker is free for the next upload as soon as it has read this one (the recording
    # below is this thread's)
    with workers.slot() as pool, tempfile.TemporaryDirectory(prefix="formkit-upload-") as tmp:
        trial = Path(tmp) / sha
        trial.write_bytes(data)
        ((_, sub),) = pool.map(check_one, [(trial, options)])
    with ledger(settings) as led:
        if isinstance(sub, Failure):  # timed out, out of memory, crashed: maybe passing
            why = {"timeout": "读取超时", "memory": "内存超限"}.get(sub.kind, "读取进程异常")
            return UploadResult(
                "refused", 503, f"暂时无法读取这个文件（{why}），请稍后重新上传。", sha
            )
        if sub.status == "rejected":
            first = sub.rejection.message if sub.rejection else "文件未受理。"
            # the reason is the message; further findings (e.g. macros) are listed below it
            rest = [i for i in file_issues(sub.to_json()) if i.get("message") != first]
            return UploadResult("refused", 422, first, sha, issues=rest)
        other = _belongs(sub, entry, led)
        if other is not None:
            return UploadResult("refused", 422, other, sha)
        path = _store_file(settings, sha, data)
        WebStore(led).store_upload(sha, entry.submission_id, original_name, data)
        # recorded as read (once, by the worker above), as `formkit ingest` records a file
        sub = dataclasses.replace(sub, file=str(path), path=None)
        outcome = led.record_checked(sub, sha, received_on=settings.today)
        record = outcome.record or led.file(sha)
        if record is None:  # could not even be hashed: the store is unwritable
            return UploadResult("refused", 500, "服务器无法保存文件，请联系省级主管部门。", sha)
        kind: Literal["new", "duplicate"] = "duplicate" if outcome.outcome == "duplicate" else "new"
        message = "已收到。" if kind == "new" else "这个文件已经上报过，结果见下。"
        if kind == "duplicate":
            message = _registered(record)
        if outcome.supersedes:
            message = "已收到，替代此前上报的文件。"
        if kind == "new" and record.superseded_by is not None:
            # the ledger's rule (填报日期 first) keeps another file: say why
            why = outcome.decision.reason if outcome.decision is not None else ""
            message = "已收到，但不作为本单位的当前文件" + (f"：{why}" if why else "。")
        return UploadResult(
            kind, 201 if kind == "new" else 200, message, sha, record, outcome.supersedes
        )


# ---------------------------------------------------------------- files and downloads


def file_path(settings: Settings, led: Ledger, record: FileRecord) -> Path | None:
    """Where a recorded file's bytes are: the store (from the ledger's copy if the file
    went missing), else where `formkit ingest` found it."""
    data = WebStore(led).upload_data(record.sha256)
    if data is not None:
        return _store_file(settings, record.sha256, data)
    path = Path(record.path)
    return path if path.is_file() else None


def original_bytes(settings: Settings, sha: str) -> bytes | None:
    with ledger(settings) as led:
        record = led.file(sha)
        if record is None:
            return None
        data = WebStore(led).upload_data(sha)
        if data is not None:
            return data
        path = Path(record.path)
        try:
            data = path.read_bytes()
        except OSError:
            return None
    return data if hashlib.sha256(data).hexdigest() == sha else None


def annotated_copy(settings: Settings, workers: Workers, sha: str) -> bytes | None:
    """The annotated copy (formkit.feedback) of a recorded, accepted file; cached by hash."""

    assert SHA256_RE.fullmatch(sha)
    with ledger(settings) as led:
        record = led.file(sha)
        if record is None or record.status != "accepted":
            return None
        periodic = record.form_id is not None and bool(spec_of(record.form_id).roles.period)
        extra = led.across_issues(record.form_id).get(sha, []) if periodic else []
        extra = named(led, extra)
        # issues across periods change as other periods arrive: they are in the cache's name
        key = hashlib.sha256(
            json.dumps([i.to_json() for i in extra], sort_keys=True, default=str).encode()
        ).hexdigest()[:16]
        cached = settings.store / "审核意见" / (f"{sha}-{key}.xlsx" if extra else f"{sha}.xlsx")
        if cached.is_file():
            return cached.read_bytes()
        path = file_path(settings, led, record)
    if path is None:
        return None
    with ledger(settings) as led:
        # annotated as recorded, from the bytes in the store
        sub = dataclasses.replace(recorded(led, record, extra), file=str(path), path=None)
    with workers.slot(), tempfile.TemporaryDirectory(prefix="formkit-serve-") as tmp:
        (result,) = annotate([sub], tmp, jobs=1, options=settings.read_options())
        if result.status != "written" or result.output is None:
            return None
        data = result.output.read_bytes()
    write_bytes_atomic(cached, data)
    return data


def status_report(settings: Settings, round_: Round | None = None) -> StatusReport:
    """The status of one round (default: the default form's, as before rounds)."""
    with ledger(settings) as led:
        return round_status(settings, led, round_)


def round_status(settings: Settings, led: Ledger, round_: Round | None) -> StatusReport:
    """`status_report` in an open ledger: the round's status as `formkit status` gives it,
    with `serve --deadline` where it applies and each file under its uploaded name."""
    if round_ is None:
        return named_report(led, status(led, deadline=settings.deadline, today=settings.today))
    return named_report(
        led, status(led, round_, deadline=deadline_for(settings, round_), today=settings.today)
    )


def named_report(led: Ledger, report: StatusReport) -> StatusReport:
    """The report with each file under the name it was uploaded as (the ledger records an
    upload under its stored name, its SHA-256), in the rows and in their messages."""
    lasts = [r.last for r in report.rows if r.last is not None]
    names = WebStore(led).upload_names([f.sha256 for f in lasts])
    rows = []
    for r in report.rows:
        last = r.last
        if last is not None and last.sha256 in names:
            last = dataclasses.replace(last, original_name=names[last.sha256])
        rows.append(dataclasses.replace(r, last=last, across=tuple(named(led, list(r.across)))))
    return dataclasses.replace(report, rows=rows)


def deadline_for(settings: Settings, round_: Round) -> dt.date | None:
    """`serve --deadline` is the deadline of the round `serve` was started for (`--form`,
    `--period`; without them the default form's); every other round has its own default."""

    if settings.deadline is None or round_.form_id != (settings.form or DEFAULT_FORM):
        return None
    if round_.period is None or settings.period is None:
        return settings.deadline if round_.period is None else None
    chosen = period_of_text(settings.period, spec_of(round_.form_id))
    return settings.deadline if chosen is not None and chosen.text == round_.period.text else None


def status_workbook(settings: Settings, round_: Round | None = None) -> bytes:
    return build_status_workbook(status_report(settings, round_))


def ledger_data(settings: Settings) -> SummaryData:
    """The ledger's current applications as `formkit summary --db` and `formkit recommend
    --db` collect them (the ledger's handles and received order, so the same file counts
    as in `status`); files of another reporting unit than `settings.unit` are not counted."""
    with ledger(settings) as led:
        reference = led.reference
    unit = reference.unit(settings.unit) if settings.unit else None
    data, _ = from_ledger(
        settings.db,
        reference=reference,
        unit=unit.name if unit is not None else None,
        inputs=[settings.db.name],
    )
    return data


def summary_workbook(settings: Settings) -> bytes:
    """The provincial summary of the ledger's files, as `formkit summary --db` makes it."""

    with ledger(settings) as led:
        reference = led.reference
    return build(ledger_data(settings), reference=reference)


# ---------------------------------------------------------------- the recommendation


def decision(settings: Settings) -> Decision:
    """The recommendation `formkit recommend --db` proposes for this ledger: the same
    applications, ranking key (its default), quota and decision, one reporting unit after
    another; files of another reporting unit than `settings.unit` are not counted."""
    with ledger(settings) as led:
        reference = led.reference
    unit = reference.unit(settings.unit) if settings.unit else None
    return decide_from_ledger(
        settings.db,
        default_form(),  # the application round's: the 申报书
        reference=reference,
        unit=unit.name if unit is not None else None,
        inputs=[settings.db.name],
    )


def decision_columns() -> list[tuple[str, str]]:
    """(header, value key) of the applications' own columns in the 推荐文件 page, from the
    application form's roles: who applies, where, and its type (the summary's)."""
    spec = spec_of(None)
    roles = spec.roles
    out = [(roles.subject_label, roles.subject)]
    if roles.locality:
        column = spec.roster.column(roles.locality)
        label = column.header if column is not None else spec.field(roles.locality).label
        out.append((label, roles.locality))
    kind = spec.summary.type_field  # the typed [summary] layout
    if kind:
        out.append((spec.field(kind).label, kind))
    return out


def own_copy(entry: RosterEntry) -> tuple[str, bytes]:
    """(file name, bytes) of the entry's pre-filled copy, byte for byte as `formkit
    distribute` made it for this roster line (its values locked, its submission id)."""
    round_ = entry_round(entry)
    spec = spec_of(round_.form_id)
    roles = spec.roles
    cells: dict[str, str | None] = {
        k: (None if v is None else str(v)) for k, v in entry.values.items()
    }
    cells[roles.unit or ""] = entry.unit
    cells[roles.subject or ""] = entry.subject
    row = RosterRow(
        entry.row or 2,
        entry.unit,
        entry.unit_code,
        entry.subject,
        cells,
        round_.form_id,
        roles.unit or "",
    )
    data = prefilled(row, entry.year, spec=spec, period=round_.period, sid=entry.submission_id)
    return file_name(row, spec, round_.period), data


def display_names(led: Ledger, records: list[FileRecord]) -> dict[str, str]:
    """sha256 -> the name to show: as the browser sent it, or as ingested from a folder."""
    names = {r.sha256: r.original_name for r in records}
    names.update(WebStore(led).upload_names(names))
    return names


def fates(led: Ledger, records: list[FileRecord]) -> dict[str, tuple[str, str]]:
    """sha256 -> (a word for the history table, why it does not count), from the ledger's
    supersession decision, for each of `records`."""
    decisions = led.decisions(r.sha256 for r in records)
    out: dict[str, tuple[str, str]] = {}
    for r in records:
        d = decisions.get(r.sha256)
        if r.status != "accepted":
            out[r.sha256] = ("未受理", r.problem or "")
        elif r.superseded_by is None:
            note = "与另一版本填报日期相同，由省级部门确定以哪一份为准" if d and d.conflicts else ""
            out[r.sha256] = ("当前", note)
        elif d is not None and d.disposition == "same_version":
            out[r.sha256] = ("重复", d.reason)
        else:
            out[r.sha256] = ("已替代", d.reason if d is not None else "")
    return out


def clean_name(name: str) -> str:
    """A browser's file name as display text: printable, at most 200 characters."""
    text = "".join(ch for ch in name if ch.isprintable())
    return text.strip()[:200] or "未命名文件"


def cpu_slots() -> int:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, cpus or 1)
