"""Provincial summaries -> the ministry's national roll-up.

Reads only workbooks formkit wrote as provincial summaries (recognised by their metadata
sheet). Their table sheets are read back by the same column definitions that wrote them,
giving the records the summary was made from: the national 汇总表 equals a summary of all
the provinces' files at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formkit.forms import UnknownForm, form_of, get_form, load_form_spec
from formkit.paths import display_name
from formkit.read.book import Book, Bounds, WorkbookError
from formkit.read.gate import inspect_file
from formkit.read.isolate import Failure, WorkerPool
from formkit.read.xlsx import load_xlsx_fast
from formkit.records import Col, SummaryRecord, columns, excluded_keys, sort_key, unit_order
from formkit.reference import Reference, load_reference
from formkit.spec import FormSpec
from formkit.summary.kit import MACHINE_COL, MACHINE_HEADER, SummaryData
from formkit.summary.periods import period_key
from formkit.summary.sheets import (
    APPS_SHEET,
    DETAIL_SHEET,
    DUPLICATE_SHEET,
    HEADER_ROW,
    ISSUES_SHEET,
    META_SHEET,
    REJECTED_SHEET,
    SUMMARY_KIND,
    SUPERSEDED_SHEET,
    detail_columns,
    file_cols,
    issue_cols,
    print_columns,
)
from formkit.summary.tables import table_columns
from formkit.supersession import name_key, period_of

# summaries hold every application of a province: far more rows than a form
SUMMARY_BOUNDS = Bounds(max_row=1_000_000, max_col=400)


@dataclass
class RollupResult:
    data: SummaryData
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


class NotASummary(ValueError):
    """A file that is not a provincial summary written by formkit; the message says why."""


def summary_form(path: str | os.PathLike[str]) -> str | None:
    """The form a summary workbook summarises (its formkit_form_id); raises NotASummary."""

    try:
        book = load_xlsx_fast(os.fspath(path), SUMMARY_BOUNDS)
    except (WorkbookError, OSError, ValueError) as exc:
        raise NotASummary(str(exc)) from None
    meta = _meta(book)
    if meta.get("formkit_summary_kind") != SUMMARY_KIND:
        raise NotASummary("不是 formkit 生成的汇总表")
    return str(meta.get("formkit_form_id") or "") or None


def read_summary(
    path: str | os.PathLike[str], form_id: str | None = None
) -> tuple[dict[str, Any], SummaryData]:
    """One provincial summary back as (metadata, SummaryData), read with the spec of the
    form it summarises; raises NotASummary, also when that is not `form_id`."""

    try:
        gate = inspect_file(path)
    except OSError as exc:
        raise NotASummary(f"无法打开文件：{exc}") from None
    if not gate.ok or gate.kind not in ("xlsx", "xlsm"):
        raise NotASummary(gate.message or "不是 formkit 生成的汇总表（.xlsx）")
    try:
        # formkit's summaries are inline strings in the common shape: the fast reader's
        book = load_xlsx_fast(os.fspath(path), SUMMARY_BOUNDS, gate.content, gate.parts)
    except WorkbookError as exc:
        raise NotASummary(str(getattr(exc, "message", exc))) from None
    meta = _meta(book)
    if meta.get("formkit_summary_kind") != SUMMARY_KIND:
        raise NotASummary(
            "不是 formkit 生成的省级汇总表（缺少汇总表标识），请提交用 formkit summary 生成的文件"
        )
    year = int(meta.get("formkit_year") or 0)
    data = SummaryData(year=year, unit=str(meta.get("formkit_unit") or "") or None)
    data.generated = str(meta.get("formkit_generated") or "") or None
    form = str(meta.get("formkit_form_id") or form_id or get_form().id)
    if form_id is not None and form != form_id:
        raise NotASummary(f"是表单 {form} 的汇总表，不是本次汇总的 {form_id}，未采用")
    try:
        spec = get_form(form).spec
    except UnknownForm:
        raise NotASummary(f"是表单 {form} 的汇总表，formkit 没有这个表单，未采用") from None
    machine = _machine(book)
    data.applications = _applications(book, spec)
    for rec in data.applications:
        rec.setdefault(
            "_sha256", machine.get((DETAIL_SHEET, _whole(rec.get("_no"))), {}).get("sha256")
        )
        # values the province's summary left out of its totals stay out of the nation's
        rec.excluded = excluded_keys(rec.excluded_text, spec)
    if spec.roles.period:
        # 明细 holds every period's current records: the summary's own period, the others
        # for the comparisons and the time series
        data.period = _period(meta.get("formkit_period"))
        wanted = period_key(dict(zip(spec.roles.period, data.period or (), strict=False)), spec)
        records, data.applications = data.applications, []
        for rec in records:
            (data.applications if period_key(rec, spec) == wanted else data.others).append(rec)
    for name in spec.summary.tables:
        t = spec.table(name)
        data.tables[name] = _rows(book, t.label, table_columns(spec, t))
    who = spec.roles.subject_label

    def rows(name: str, cols: list[Col]) -> list[dict[str, Any]]:
        """A table sheet's rows with their machine columns back (by 序号)."""
        out = _rows(book, name, cols)
        for row in out:
            for key, value in machine.get((name, _whole(row.get("_no"))), {}).items():
                row.setdefault(key, value)
        return out

    data.issues = rows(ISSUES_SHEET, issue_cols(who))
    rejected = rows(REJECTED_SHEET, file_cols("未受理", who))
    superseded = rows(SUPERSEDED_SHEET, file_cols("已替代", who))
    duplicate = (
        rows(DUPLICATE_SHEET, file_cols("重复", who))
        if book.sheet(DUPLICATE_SHEET) is not None
        else []
    )
    data.files = (
        [{**f, "status": "未受理"} for f in rejected]
        + [{**f, "status": "已替代"} for f in superseded]
        + [{**f, "status": "重复"} for f in duplicate]
        + [
            {
                "file": a.file,
                "sha256": a.sha256,
                "status": "汇总",
                "code": "",
                "detail": "",
            }
            for a in data.applications
        ]
    )
    return meta, data


def _applications(book: Book, spec: FormSpec) -> list[SummaryRecord]:
    """Every record from 明细, with the columns a person may edit as the 汇总表 shows them
    now (the form's `SummaryPart.print_note` names them: the 申报书's decision).

    A person may have changed them on the 汇总表 (and moved its rows): each row is matched
    to its 明细 row by 序号. A summary made before 明细 existed has everything on its 汇总表.
    """
    if book.sheet(DETAIL_SHEET) is None:
        labels = form_of(spec).computed_labels
        rows = _rows(book, APPS_SHEET, columns(spec, compact=True, computed=labels))
        return [SummaryRecord(r) for r in rows]
    apps = [SummaryRecord(r) for r in _rows(book, DETAIL_SHEET, detail_columns(spec))]
    note = form_of(spec).summary.print_note
    editable: tuple[str, ...] = tuple(note(False, "")[1]) if note is not None else ()
    if not editable:
        return apps
    keys = ("_no", *editable)
    shown = _rows(book, APPS_SHEET, [c for c in print_columns(spec) if c.key in keys])
    by_no = {_whole(row.get("_no")): row for row in shown}
    for rec in apps:
        row = by_no.get(_whole(rec.get("_no")), {})
        for key in editable:
            rec[key] = row.get(key)
    return apps


def _machine(book: Book) -> dict[tuple[str, Any], dict[str, Any]]:
    """The machine columns summary.MACHINE keeps in the hidden META_SHEET, by (sheet, 序号)."""
    sheet = book.sheet(META_SHEET)
    if sheet is None:
        return {}
    first = MACHINE_COL + 1  # the book's columns count from 1
    header: dict[int, str] = {}
    rows: dict[int, dict[int, Any]] = {}
    for (r, c), cell in sorted(sheet.cells.items()):
        if c < first or c >= first + len(MACHINE_HEADER):
            continue
        if r == 1:
            header[c] = str(cell.value)
        else:
            rows.setdefault(r, {})[c] = cell.value
    out: dict[tuple[str, Any], dict[str, Any]] = {}
    for cells in rows.values():
        named = {header.get(c, ""): v for c, v in cells.items()}
        key = (str(named.pop("sheet", "")), _whole(named.pop("no", None)))
        out[key] = {k: v for k, v in named.items() if k and v not in (None, "")}
    return out


# columns of a summary a person may have no use for (older summaries had them visible):
# read when present, never required
_OPTIONAL = ("序号",)


def _period(text: Any) -> tuple[Any, ...] | None:
    """formkit_period ("2007/第二季度") back to the period fields' values."""
    if not isinstance(text, str) or not text:
        return None
    # every part that is a number was a number (a year, a month): "2007/3" is (2007, 3)
    return tuple(int(p) if p.isdigit() else p for p in text.split("/"))


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _meta(book: Book) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, target in book.names.items():
        if name.startswith("formkit_") and target.sheet and target.area:
            sheet = book.sheet(target.sheet)
            if sheet is not None:
                out[name] = sheet.value(target.area.first.row, target.area.first.col)
    return out


def _rows(book: Book, sheet_name: str, cols: list[Col]) -> list[dict[str, Any]]:
    """A table sheet back as records, its headers mapped to keys by the writer's columns."""
    sheet = book.sheet(sheet_name)
    if sheet is None:
        raise NotASummary(f"汇总表缺少工作表“{sheet_name}”，可能被修改过，请重新生成")
    by_header = {c.header: c for c in cols}
    header: dict[int, Col] = {}
    rows: dict[int, dict[str, Any]] = {}
    for (r, c), cell in sorted(sheet.cells.items()):
        if r == HEADER_ROW and isinstance(cell.value, str) and cell.value in by_header:
            header[c] = by_header[cell.value]
        elif r > HEADER_ROW and c in header:
            col = header[c]
            value: Any = cell.value
            if col.kind == "date" and isinstance(value, dt.datetime):
                value = value.date()
            rows.setdefault(r, {})[col.key] = value
    missing = [
        c.header
        for c in cols
        if c not in header.values() and c.header not in _OPTIONAL and not c.optional
    ]
    if missing:
        raise NotASummary(
            f"工作表“{sheet_name}”缺少列：{'、'.join(missing[:5])}，可能被修改过，请重新生成"
        )
    return [rows[r] for r in sorted(rows)]


def _retype(rec: SummaryRecord, spec: FormSpec) -> SummaryRecord:
    """Dates were stored as ISO text; give them back their type."""
    for f in spec.fields:
        if f.type == "date" and isinstance(rec.get(f.id), str):
            with contextlib.suppress(ValueError):
                rec[f.id] = dt.date.fromisoformat(rec[f.id][:10])
    return rec


@dataclass
class _Part:
    path: str
    name: str
    sha256: str
    meta: dict[str, Any]
    data: SummaryData
    mtime: float


def rollup(
    paths: Iterable[str | os.PathLike[str]],
    *,
    spec: FormSpec | None = None,
    reference: Reference | None = None,
    year: int | None = None,
    period: tuple[Any, ...] | None = None,
) -> RollupResult:
    """Provincial summaries -> one national SummaryData; every input used or listed 未采用.

    One summary per reporting unit and year: a byte-identical copy, or an older summary of
    a unit that sent a newer one (by generation time), is not used; a summary of another
    year or form is refused. A periodic form's summaries are of one period: `period` (its
    fields' values), else the one most summaries are of; the others are refused. An
    application found in two summaries counts once.
    """

    spec = spec or load_form_spec()
    reference = reference or load_reference()
    paths = list(paths)
    result = RollupResult(SummaryData(year=year or 0, unit=None, rolled_up=True))
    data = result.data
    parts: list[_Part] = []
    seen: dict[str, str] = {}
    copies: set[int] = set()  # inputs byte-identical to an earlier one, by place
    todo: list[tuple[str | os.PathLike[str], str, str]] = []
    for index, path in enumerate(paths):
        name = display_name(Path(path).name)  # text for the workbook (a GBK file name)
        try:
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError as exc:
            result.rejected.append((str(path), f"无法打开文件：{exc.strerror or exc}"))
            continue
        if digest in seen:
            result.rejected.append(
                (str(path), f"与 {seen[digest]} 逐字节相同（重复文件），只计一次")
            )
            copies.add(index)
            continue
        seen[digest] = name
        todo.append((path, name, digest))
    for (path, name, digest), read in zip(todo, _read_all(todo, spec.id), strict=True):
        if isinstance(read, str):
            result.rejected.append((str(path), read))
            continue
        meta, part = read
        parts.append(_Part(str(path), name, digest, meta, part, _mtime(path)))
    if not data.year:
        years = Counter(p.data.year for p in parts)
        data.year = max(years, key=lambda y: (years[y], y)) if years else spec.default_year
    if spec.roles.period and period is not None and len(period) == len(spec.roles.period):
        data.period = tuple(period)
        data.year = int(period[0])
    elif spec.roles.period:
        # the period most summaries are of (the later of two as common)
        periods = Counter(
            p.data.period for p in parts if p.data.period and p.data.year == data.year
        )
        data.period = (
            max(
                periods,
                key=lambda k: (
                    periods[k],
                    period_key(dict(zip(spec.roles.period, k, strict=False)), spec) or (),
                ),
            )
            if periods
            else None
        )
    by_unit: dict[str, list[_Part]] = {}  # one per unit (and period: one period kept)
    kept: list[_Part] = []
    for p in parts:
        if p.data.year != data.year:
            result.rejected.append(
                (p.path, f"汇总表年度为 {p.data.year} 年，与本次汇总的 {data.year} 年不同，未采用")
            )
            continue
        if spec.roles.period and p.data.period != data.period:
            result.rejected.append(
                (
                    p.path,
                    f"汇总表期间为 {_shown(p.data.period)}，"
                    f"与本次汇总的 {_shown(data.period)} 不同，未采用",
                )
            )
            continue
        unit = reference.unit(p.data.unit or "")
        if unit is None:
            kept.append(p)  # a summary across units: its applications are checked one by one
            continue
        by_unit.setdefault(unit.name, []).append(p)
    for unit_name, group in by_unit.items():
        group.sort(key=lambda p: (p.data.generated or "", p.mtime, p.name))
        newest = group[-1]
        kept.append(newest)
        data.reported[unit_name] = newest.name
        for old in group[:-1]:
            result.rejected.append(
                (
                    old.path,
                    f"同一{spec.roles.unit_label}（{unit_name}）另有较新的汇总表 "
                    f"{newest.name}（{stands(newest.data.generated)}），采用该表；"
                    f"本表（{stands(old.data.generated)}）未采用",
                )
            )
    counted: dict[str, str] = {}
    settle = form_of(spec).summary.settle
    for p in sorted(kept, key=lambda p: [str(x) for x in paths].index(p.path)):
        data.sources.append(f"{p.name}（{p.data.unit or '未注明' + spec.roles.unit_label}）")
        if settle is not None:
            # the province's decision as its people left it on the 汇总表
            # the form's own reading of its decision columns: (heading, problem) lines
            data.notes += [
                (head, f"{p.name}：{text}") for head, text in settle(p.data.applications, reference)
            ]
        for rec in p.data.applications:
            ident = _identity(rec, spec)
            if ident in counted:
                data.notes.append(
                    (
                        f"重复的{spec.summary.item}",
                        f"{p.name} 中的 {rec.get(spec.roles.subject or '')}"
                        f" 已见于 {counted[ident]}，只计一次",
                    )
                )
                continue
            counted[ident] = p.name
            data.applications.append(_retype(rec, spec))
        for rec in p.data.others:  # other periods' records: one per subject and period
            ident = _identity(rec, spec)
            if ident not in counted:
                counted[ident] = p.name
                data.others.append(_retype(rec, spec))
        for name, rows in p.data.tables.items():
            data.tables.setdefault(name, []).extend(rows)
        # the province decided which files count: the nation carries the issues of those,
        # and only counts of the others (its own 未受理文件 lists its own inputs)
        mine = {str(r.get("_file")) for r in [*p.data.applications, *p.data.others]}
        data.issues += [i for i in p.data.issues if str(i.get("file")) in mine]
        left = Counter(f["status"] for f in p.data.files if f["status"] != "汇总")
        kinds = [k for k in ("未受理", "已替代", "重复") if left[k]]
        if left:
            data.notes.append(
                (
                    "各省未汇总的文件",
                    f"{p.name}（{p.data.unit or '未注明'}）："
                    + "、".join(f"{k} {left[k]} 个" for k in kinds)
                    + "（文件清单见该省汇总表）",
                )
            )
    used = {p.path for p in kept}
    why = dict(result.rejected)
    for index, path in enumerate(paths):
        name = display_name(Path(path).name)
        if index not in copies and str(path) in used:
            data.files.append({"file": name, "status": "汇总", "code": "", "detail": ""})
        else:
            status = "重复" if index in copies else "未受理"
            data.files.append(
                {"file": name, "status": status, "code": "", "detail": why.get(str(path), "")}
            )
    data.applications.sort(key=sort_key(spec, unit_order(reference)))
    for i, rec in enumerate(data.applications, start=1):
        rec.no = i
    data.inputs = [str(p) for p in paths]
    # the roll-up stands where its latest summary stands (never the clock)
    data.generated = max((p.data.generated or "" for p in kept), default="") or None
    return result


Read = tuple[dict[str, Any], SummaryData] | str  # (metadata, data), or why it is refused
# summaries this large in all are read by worker processes: reading takes about 1.4 s of
# CPU per MB of summary, forking a worker a few milliseconds. Not lower: the four
# provinces' summaries of 10,000 quarterly reports (1.1 MB) read by two forked workers took
# 10-20% more CPU in all and, on the shared two-core machine (load average 5-7), longer
# than in this process (benchmarks/README.md, session 9)
PARALLEL_BYTES = 2 * 1024 * 1024


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _read_one(item: tuple[str, str]) -> Read:
    try:
        return read_summary(item[0], item[1])
    except NotASummary as exc:
        return str(exc)


def _read_all(todo: list[tuple[str | os.PathLike[str], str, str]], form_id: str) -> list[Read]:
    """Each summary read, in order: by worker processes when there are several (a
    summary of many periods has thousands of rows: reading them is most of a roll-up),
    in this process when a worker fails (time, memory) or there is one."""
    items = [(os.fspath(path), form_id) for path, _, _ in todo]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    jobs = min(len(items), cpus or 1)
    if jobs < 2 or sum(_size(item[0]) for item in items) < PARALLEL_BYTES:
        return [_read_one(item) for item in items]
    out: list[Read] = []
    # forked from this process while it has one thread ("auto"; the forkserver's when
    # another thread runs: the web server's): both workers start with formkit loaded,
    # before any summary is read here; only a worker replacing one that crashed starts
    # with the summaries read so far in its address space (within its memory cap)
    with WorkerPool(jobs=jobs, timeout=600) as pool:
        for item, read in pool.map(_read_one, items):
            out.append(_read_one(item) if isinstance(read, Failure) else read)
    return out


def _identity(rec: SummaryRecord, spec: FormSpec) -> str:

    when = f"@{period_of(rec, spec)}" if spec.roles.period else ""
    sid = rec.submission_id
    if sid:
        return f"id:{sid}{when}"
    key = name_key(
        str(rec.get(spec.roles.unit or "") or ""),
        str(rec.get(spec.roles.subject or "") or ""),
    )
    return f"name:{key}{when}" if key else f"sha:{rec.sha256}"


def stands(generated: str | None) -> str:
    """A summary's formkit_generated in words: when the latest file it summarises was
    received, in Beijing time (the notice's own), to the minute."""
    if not generated:
        return "未注明所汇总文件的收到时间"
    try:
        when = dt.datetime.fromisoformat(generated)
    except ValueError:
        return f"所汇总文件最近收到于 {generated}"
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone(dt.timedelta(hours=8)))
    return f"所汇总文件最近收到于 {when:%Y-%m-%d %H:%M}"


def _shown(period: tuple[Any, ...] | None) -> str:
    if not period:
        return "（未注明）"
    return "".join(f"{v}年" if i == 0 else str(v) for i, v in enumerate(period))


def _mtime(path: str | os.PathLike[str]) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0
