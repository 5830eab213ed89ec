"""The blocking work behind the pages: uploads, annotated copies, downloads.

Every function opens its own `Ledger` (SQLite, WAL) and is meant to run in a thread, so
the event loop stays free while a workbook is read in its isolated worker. Nothing here
builds a path from anything a request sent: an upload is stored as `<store>/<sha256>`,
the hash computed here from the bytes received.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import queue
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from formkit.distribute import applicant_key
from formkit.ledger import FileRecord, Ledger, RosterEntry, StatusReport
from formkit.web.auth import SHA256_RE

if TYPE_CHECKING:
    from formkit.read import ReadOptions, Submission
    from formkit.read.isolate import WorkerPool

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

    def read_options(self) -> ReadOptions:
        from formkit.read import ReadOptions

        return ReadOptions(year=self.year, timeout=self.read_timeout)


def default_store(db: Path) -> Path:
    return db.parent / f"{db.stem}-上报文件"


class Workers:
    """The server's check slots: `settings.checks` worker pools of one process each, kept
    between uploads (the same isolation, limits and timeouts as `formkit check`). A
    thread borrows one for an upload, an annotated copy or a summary, so no more than
    that many such jobs run at once and the event loop is never the one waiting."""

    def __init__(self, settings: Settings) -> None:
        from formkit.read.isolate import WorkerPool

        options = settings.read_options()
        self._free: queue.Queue[WorkerPool] = queue.Queue()
        self._all = [
            WorkerPool(jobs=1, timeout=options.timeout, memory_mb=options.memory_mb)
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

    def close(self) -> None:
        for pool in self._all:
            pool.close()


@contextlib.contextmanager
def ledger(settings: Settings) -> Iterator[Ledger]:
    with Ledger(settings.db) as led:
        yield led


# ---------------------------------------------------------------- uploads


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
    from formkit.atomic import write_bytes_atomic

    assert SHA256_RE.fullmatch(sha)
    path = settings.store / sha
    if not path.is_file() or path.stat().st_size != len(data):
        write_bytes_atomic(path, data)
    return path


def _belongs(sub: Submission, entry: RosterEntry, led: Ledger) -> str | None:
    """Why a checked file is not this entry's (Chinese), or None if it is."""
    if sub.submission_id:
        if sub.submission_id == entry.submission_id:
            return None
        return (
            f"文件的报送编号（{sub.submission_id}）不是本单位的（{entry.submission_id}）："
            "请上传下发给本单位的申报书。"
        )
    roles = led.spec.roles  # the form's reporting unit and applicant
    province = sub.values.get(roles.unit or "")
    applicant = sub.values.get(roles.subject or "")
    unit = led.reference.unit(province.strip()) if isinstance(province, str) else None
    same_unit = unit is not None and unit.name == entry.unit
    same_name = isinstance(applicant, str) and applicant_key(applicant) == applicant_key(
        entry.subject
    )
    if same_unit and same_name:
        return None
    return (
        f"文件中的推荐单位、申请单位（{province or '未填'}，{applicant or '未填'}）与本链接的"
        f"申请单位（{entry.unit}，{entry.subject}）不符：请上传本单位的申报书。"
    )


def _issue_rows(sub: Submission) -> list[dict[str, Any]]:
    return [i for i in sub.to_json()["issues"] if i.get("severity") != "info"]


def process_upload(
    settings: Settings,
    workers: Workers,
    entry: RosterEntry,
    original_name: str,
    data: bytes,
) -> UploadResult:
    """Check an uploaded file and, if it is this entry's readable workbook, record it.

    The file is read twice in isolated workers: once to see whose it is (a city's link
    must never record or supersede another applicant's file), then by `Ledger.ingest`,
    which decides supersession as for `formkit ingest`.
    """
    from formkit.read.isolate import Failure
    from formkit.web.warm import check_one

    sha = hashlib.sha256(data).hexdigest()
    with ledger(settings) as led:  # a file sent twice needs no slot
        known = led.file(sha)
    if known is not None and known.roster_id == entry.submission_id:
        return UploadResult("duplicate", 200, "这个文件已经上报过，结果见下。", sha, known)
    if known is not None and known.roster_id is not None:
        return UploadResult(
            "refused", 422, "这个文件已由其他申请单位上报，请上传本单位的申报书。", sha
        )
    with workers.slot() as pool, ledger(settings) as led:
        options = settings.read_options()
        # read first from a private temporary copy: a refused file leaves nothing behind
        with tempfile.TemporaryDirectory(prefix="formkit-upload-") as tmp:
            trial = Path(tmp) / sha
            trial.write_bytes(data)
            ((_, sub),) = pool.map(check_one, [(trial, options)])
        if isinstance(sub, Failure):  # timed out, out of memory, crashed: maybe passing
            why = {"timeout": "读取超时", "memory": "内存超限"}.get(sub.kind, "读取进程异常")
            return UploadResult(
                "refused", 503, f"暂时无法读取这个文件（{why}），请稍后重新上传。", sha
            )
        if sub.status == "rejected":
            first = sub.rejection.message if sub.rejection else "文件未受理。"
            # the reason is the message; further findings (e.g. macros) are listed below it
            rest = [i for i in _issue_rows(sub) if i.get("message") != first]
            return UploadResult("refused", 422, first, sha, issues=rest)
        other = _belongs(sub, entry, led)
        if other is not None:
            return UploadResult("refused", 422, other, sha)
        path = _store_file(settings, sha, data)
        led.store_upload(sha, entry.submission_id, original_name, data)
        report = led.ingest([path], jobs=1, options=options)
        (outcome,) = report.files
        record = outcome.record or led.file(sha)
        if record is None:  # could not even be hashed: the store is unwritable
            return UploadResult("refused", 500, "服务器无法保存文件，请联系省级主管部门。", sha)
        kind: Literal["new", "duplicate"] = "duplicate" if outcome.outcome == "duplicate" else "new"
        message = "已收到。" if kind == "new" else "这个文件已经上报过，结果见下。"
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
    data = led.upload_data(record.sha256)
    if data is not None:
        return _store_file(settings, record.sha256, data)
    path = Path(record.path)
    return path if path.is_file() else None


def original_bytes(settings: Settings, sha: str) -> bytes | None:
    with ledger(settings) as led:
        record = led.file(sha)
        if record is None:
            return None
        data = led.upload_data(sha)
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
    from formkit.atomic import write_bytes_atomic
    from formkit.feedback import feedback_many
    from formkit.read.submission import from_json
    from formkit.spec import load_spec

    assert SHA256_RE.fullmatch(sha)
    cached = settings.store / "审核意见" / f"{sha}.xlsx"
    if cached.is_file():
        return cached.read_bytes()
    with ledger(settings) as led:
        record = led.file(sha)
        if record is None or record.status != "accepted":
            return None
        path = file_path(settings, led, record)
    if path is None:
        return None
    dates = {f.id for f in load_spec().fields if f.type == "date"}
    sub = from_json(record.submission, dates)
    sub.file = str(path)
    with workers.slot(), tempfile.TemporaryDirectory(prefix="formkit-serve-") as tmp:
        (result,) = feedback_many([sub], tmp, jobs=1, options=settings.read_options())
        if result.status != "written" or result.output is None:
            return None
        data = result.output.read_bytes()
    write_bytes_atomic(cached, data)
    return data


def status_report(settings: Settings) -> StatusReport:
    with ledger(settings) as led:
        return led.status(settings.deadline)


def status_workbook(settings: Settings) -> bytes:
    from formkit.ledger import status_workbook as build

    return build(status_report(settings))


def ledger_data(settings: Settings) -> Any:
    """The ledger's current applications as `formkit summary --db` and `formkit recommend
    --db` collect them (the ledger's handles and received order, so the same file counts
    as in `status`); files of another reporting unit than `settings.unit` are not counted."""
    from formkit.summary import from_ledger

    with ledger(settings) as led:
        reference = led.reference
    unit = reference.unit(settings.unit) if settings.unit else None
    return from_ledger(
        settings.db,
        reference=reference,
        unit=unit.name if unit is not None else None,
        inputs=[settings.db.name],
    )


def summary_workbook(settings: Settings) -> bytes:
    """The provincial summary of the ledger's files, as `formkit summary --db` makes it."""
    from formkit.summary import build

    with ledger(settings) as led:
        reference = led.reference
    return build(ledger_data(settings), reference=reference)


# ---------------------------------------------------------------- the recommendation

# what the province downloads, by route name: (file name prefix, suffix, audit detail)
DOCUMENTS = {
    "recommendation.docx": ("推荐文件", ".docx", "推荐文件"),
    "public.xlsx": ("公示名单", ".xlsx", "公示名单（Excel）"),
    "public.docx": ("公示名单", ".docx", "公示名单（Word）"),
}


@dataclass(frozen=True)
class UnitDecision:
    """One reporting unit's applications with formkit's proposal (shenbaoshu.recommend)."""

    unit: str  # "" when the files name no reporting unit
    apps: list[
        dict[str, Any]
    ]  # as `formkit recommend --db` passes them to formkit.forms.shenbaoshu.letters
    year: int

    @property
    def ordered(self) -> list[dict[str, Any]]:
        """As `formkit recommend` shows them: in 推荐次序, then the others."""
        return sorted(self.apps, key=lambda a: (a.get("_rank") is None, a.get("_rank") or 0))

    @property
    def tag(self) -> str:
        """The name in the documents' file names, as `shenbaoshu.letters.write_documents`."""
        return self.unit or "全国"

    @property
    def chosen(self) -> int:
        from formkit.forms.shenbaoshu.recommend import RECOMMEND

        return sum(1 for a in self.apps if a.get("_decision") == RECOMMEND)


@dataclass(frozen=True)
class Decision:
    units: list[UnitDecision]
    key: str  # the ranking key in words

    def unit(self, name: str | None) -> UnitDecision | None:
        """A unit by name; with no name, the only one (None when there are several)."""
        if name is None:
            return self.units[0] if len(self.units) == 1 else None
        return next((u for u in self.units if u.unit == name), None)


def decision(settings: Settings) -> Decision:
    """The recommendation `formkit recommend --db` proposes for this ledger: the same
    applications (`ledger_data`), ranking key (its default), quota and decision
    (`formkit.forms.shenbaoshu.recommend.propose`), one reporting unit after another."""
    from formkit.forms.shenbaoshu.recommend import by_unit, propose, rank_key

    with ledger(settings) as led:
        reference = led.reference
    data = ledger_data(settings)
    key = rank_key()
    propose(data.applications, reference=reference, key=key)
    units = [
        UnitDecision(name, members, data.year or 2006)
        for name, members in by_unit(data.applications, data.unit)
    ]
    return Decision(units, key.shown)


def recommendation_document(unit: UnitDecision, kind: str) -> tuple[str, bytes]:
    """(file name, bytes) of one of the unit's documents, built by `shenbaoshu.letters` as
    `formkit recommend --db` writes them (blank 联系人, 联系电话 and date to fill in)."""
    from formkit.forms.shenbaoshu.letters import (
        LetterInfo,
        public_docx,
        public_xlsx,
        recommendation_docx,
    )

    prefix, suffix, _ = DOCUMENTS[kind]
    info = LetterInfo(unit.year, unit.unit or None)
    build = {
        "recommendation.docx": recommendation_docx,
        "public.xlsx": public_xlsx,
        "public.docx": public_docx,
    }[kind]
    return f"{prefix}-{unit.tag}{suffix}", build(unit.apps, info)


def issues_of(record: FileRecord) -> list[dict[str, Any]]:
    """A recorded file's issues to show (conversions noted for the reader left out)."""
    issues = record.submission.get("issues") or []
    return [i for i in issues if i.get("severity") != "info"]


def display_names(led: Ledger, records: list[FileRecord]) -> dict[str, str]:
    """sha256 -> the name to show: as the browser sent it, or as ingested from a folder."""
    names = {r.sha256: r.original_name for r in records}
    names.update(led.upload_names(names))
    return names


def fates(led: Ledger, records: list[FileRecord]) -> dict[str, tuple[str, str]]:
    """sha256 -> (a word for the history table, why it does not count), from the ledger's
    supersession decision, for each of `records`."""
    decisions = led.decisions()
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
