"""Checked submissions -> the consolidated provincial summary workbook (xlsxwriter).

Sheets: 汇总表 (one row per current application), 问题清单, 统计, 未受理文件, 已替代文件,
图表, 说明; plus very hidden sheets with the same data in machine form, from which
`formkit rollup` builds the national view. Applicant text is always written as text,
never as a formula or link; the same inputs give a byte-identical file.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import os
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell_fast
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import CellNumberTuple, CellStringTuple, Worksheet

from formkit import __version__
from formkit.atomic import write_bytes_atomic
from formkit.cells import display_width, wrapped_lines
from formkit.fields import DATE_FORMAT, NUMBER_FORMATS
from formkit.forms import form_of
from formkit.issues import Issue, where_zh
from formkit.read.submission import Submission
from formkit.records import (
    BRIEF_CRITERIA,
    Col,
    Kind,
    brief_criteria,
    columns,
    iso,
    record,
    sort_key,
    unit_order,
    usable,
)
from formkit.reference import Reference, load_reference
from formkit.spec import FormSpec, Table, load_spec
from formkit.supersession import (
    DISPOSITION_ZH,
    Candidate,
    candidate,
    conflict_message,
    decide,
    name_key,
)
from formkit.validate.engine import VERDICTS
from formkit.xlsx_text import plain

SUMMARY_KIND = "provincial-summary"
META_SHEET = "formkit"
APPS_SHEET, ISSUES_SHEET = "汇总表", "问题清单"
REJECTED_SHEET, SUPERSEDED_SHEET, DUPLICATE_SHEET = "未受理文件", "已替代文件", "重复文件"
# the header row of every table sheet (row 1 is the title); the roll-up reads them back
HEADER_ROW = 2
# the complete table of every application, for machines and the roll-up (the first sheet
# is what an official reads and prints)
DETAIL_SHEET = "明细"


def issue_cols(subject_label: str = "申请单位") -> list[Col]:
    """问题清单's columns; the second names whom the file is about (the form's subject).
    An issue's code is for machines: it is in the hidden sheet (MACHINE), by 序号."""
    return [
        Col("_no", "序号", "integer", width=4.5),
        Col("file", "文件", "text", width=28),
        Col("applicant", subject_label, "text", width=22),
        Col("sheet", "工作表", "text", width=18),
        Col("cell", "单元格", "text", width=7),
        Col("severity", "级别", "text", width=5),
        Col("type", "问题类型", "text", width=16),
        Col("message", "说明", "text", width=70),
    ]


ISSUE_COLS = issue_cols()


def file_cols(status: str, subject_label: str = "申请单位") -> list[Col]:
    """未受理文件 / 已替代文件 / 重复文件: what a person reads; a file's SHA-256 and code are
    in the hidden sheet (MACHINE), by 序号."""
    return [
        Col("_no", "序号", "integer", width=4.5),
        Col("file", "文件", "text", width=36),
        Col("applicant", subject_label, "text", width=24),
        Col("date", "填报日期", "text", width=12),
        Col("type", "类别", "text", width=16),
        Col("detail", "原因" if status == "未受理" else "说明", "text", width=60),
    ]


# the machine columns of each table sheet, kept in the hidden META_SHEET by (sheet, 序号):
# record key -> the machine table's column. Nothing an official reads holds them.
MACHINE = {
    "issues": {"code": "code"},
    "files": {"sha256": "sha256", "code": "code"},
    "detail": {"_sha256": "sha256"},
}
MACHINE_HEADER = ("sheet", "no", "code", "sha256")
# the machine table's first column in META_SHEET (the metadata is in A:B)
MACHINE_COL = 3


EDITABLE_FILL = "#FFF2CC"  # the columns a person may change, as the template's inputs

# the ministry's decision on the national 汇总表 of a form whose approved records become
# recognised bases ([register] in its spec): filled in by the ministry, read back by
# formkit bases (formkit/bases.py) as the province's 推荐 columns are read by the roll-up
APPROVAL, APPROVAL_NOTE = "_approval", "_approval_note"
APPROVALS = ("核准", "不予核准")
APPROVAL_COLS = (
    Col(APPROVAL, "核准结论", "text", width=6.5),
    Col(APPROVAL_NOTE, "核准意见", "text", width=14),
)


def print_columns(spec: FormSpec, *, national: bool = False) -> list[Col]:
    """The 汇总表's columns: one A4 landscape page wide, what an official reads: 序号, the
    unit and the subject, the form's type column and its printed figures ([summary]), the
    verdict where the form has one; the form's `summary_columns` hook adds its own. The
    national view of a form with a register adds the ministry's 核准结论 and 核准意见."""
    s = spec.summary
    by_key = {c.key: c for c in columns(spec, compact=True)}

    def col(key: str, header: str | None = None, width: float = 9.0) -> Col | None:
        c = by_key.get(key)
        if c is None:
            return None
        return Col(c.key, header or c.header, c.kind, c.unit, width)

    wanted = [
        Col("_no", "序号", "integer", width=4.5),
        col((spec.roles.unit or ""), spec.roles.unit_label, 9),
        col((spec.roles.subject or ""), spec.roles.subject_label, 19),
        col(s.type_field or "", None, 9),
        # the form's own figures, as its spec lists them ([summary] printed)
        *(col(p.key, p.header, p.width) for p in s.printed),
        *(
            [
                Col("_verdict", "审核结论", "text", width=7.5),
                # clause and one word; the titles and facts on 明细 and 问题清单
                Col(BRIEF_CRITERIA, "未通过或待补充的条件", "text", width=20),
            ]
            if s.verdicts
            else [
                Col("_errors", "错误", "integer", width=4.5),
                Col("_excluded_text", "未计入合计的数值", "text", width=16),
            ]
        ),
    ]
    cols = [c for c in wanted if c is not None]
    hook = form_of(spec).hook("summary_columns")
    cols = list(hook(spec, cols)) if hook is not None else cols
    return [*cols, *APPROVAL_COLS] if national and spec.register is not None else cols


def detail_columns(spec: FormSpec) -> list[Col]:
    """明细: every column of every application (a complete machine-readable table)."""
    cols = columns(spec, compact=True)
    if spec.roles.period:
        cols.append(Col("_period", "期间", "text", width=14))
    # the file's own id (formkit distribute): the register of bases links a base to it
    cols.append(Col("_submission_id", "报送编号", "text", width=22, shrink=True, optional=True))
    hook = form_of(spec).hook("summary_detail_columns")
    return list(hook(spec, cols)) if hook is not None else cols


FONT = "宋体"
EXCLUDED_FILL = "#F4B084"  # a value left out of every total (it has an error)
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


@dataclass
class SummaryData:
    """Everything a summary workbook shows, as plain records (also rebuilt by the roll-up)."""

    year: int
    unit: str | None
    applications: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    # every input file: status 汇总 / 已替代 / 未受理, with its reason or replacement
    files: list[dict[str, Any]] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # summaries a roll-up was built from
    notes: list[tuple[str, str]] = field(default_factory=list)  # extra lines for 说明
    # ISO time (UTC) the summary stands at: the latest time one of its files was received
    # (see generated_at); never the clock, so the same inputs give the same bytes
    generated: str | None = None
    # a roll-up: reporting unit -> the summary file used for it (units absent sent none)
    reported: dict[str, str] = field(default_factory=dict)
    # made by `formkit rollup`: `files` are its inputs, the provinces' summaries
    rolled_up: bool = False
    # a periodic form: the period summarised (the values of [roles] period, e.g. (2007,
    # "第二季度")), and the current records of the other periods (listed in 明细; the
    # comparisons and the time series use them)
    period: tuple[Any, ...] | None = None
    others: list[dict[str, Any]] = field(default_factory=list)
    # the rows of the layout's tables ([summary] tables), each with its subject and unit
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # (sha256 or path, issue): the issues across periods found, by file (for --json)
    found_across: list[tuple[str, Issue]] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f["status"] == status)


class Collector:
    """Builds SummaryData one checked submission at a time.

    Each submission is reduced to its summary record, issue rows and file row as it
    arrives, so a batch of thousands of files never holds thousands of Submissions.
    Which file counts for each application is `formkit.supersession`'s decision, the
    same the ledger makes: a batch of files and the ledger that holds them give the
    same 汇总表 rows.
    """

    def __init__(
        self,
        *,
        spec: FormSpec | None = None,
        reference: Reference | None = None,
        load: Callable[[str], Submission] | None = None,
    ) -> None:
        """`load(handle)`: a file's Submission again, for the rules across periods at
        finish() (the ledger keeps them): the collector then holds no Submission."""
        self.spec = spec or load_spec()
        self.reference = reference or load_reference()
        self.load = load
        # files of another reporting unit, known as they were added: handle -> (unit, the
        # file row's applicant and date)
        self.elsewhere: dict[str, tuple[str, dict[str, Any]]] = {}
        self.years: list[int] = []
        # issue rows by file handle: a file left out (other unit) takes its issues with it
        self.issues: list[tuple[str, dict[str, Any]]] = []
        # every input in order: (file row, record or None for a rejected file, candidate)
        self.entries: list[tuple[dict[str, Any], dict[str, Any] | None, Candidate]] = []
        # files of another form: listed 未受理, never compared with this form's
        self.other_form: set[str] = set()
        # a form with rules across periods (Form.across): its accepted files, until finish
        self.across = form_of(self.spec).across
        # what those rules found, by file, once finish() has run (for the --json output)
        self.found_across: list[tuple[Submission, Issue]] = []
        self.subs: dict[str, Submission] = {}
        # the latest time an input was received (a file's modification time; the ledger's
        # received_at): when the summary stands, recorded as formkit_generated
        self.latest: dt.datetime | None = None

    def add(
        self,
        sub: Submission,
        *,
        handle: str | None = None,
        received: tuple[Any, ...] | None = None,
        roster_id: str | None = None,
        received_at: dt.datetime | None = None,
        unit: str | None = None,
    ) -> None:
        """`handle`/`received`: how the caller knows the file and when it arrived (the
        ledger's sha256 and order); a batch uses the path and the file's time.
        `received_at`: when it arrived (default: the file's modification time). `unit`: the
        reporting unit an accepted file belongs to, when the caller knows it is not the
        one summarised (finish's `unit`): it is listed 未受理 as finish would list it, and
        its values (`sub` may hold only the roles') are not kept."""

        name = (
            str(sub.values.get(self.spec.roles.subject or "") or "")
            if sub.status == "accepted"
            else ""
        )
        file = Path(sub.file).name
        # location: file is only a display name when the path is not UTF-8 (a GBK name)
        mtime = _mtime(sub.location) if received_at is None else 0.0
        when = received_at or (dt.datetime.fromtimestamp(mtime, dt.UTC) if mtime else None)
        if when is not None:
            when = when.astimezone(dt.UTC)
            self.latest = when if self.latest is None else max(self.latest, when)
        cand = candidate(
            sub,
            self.spec,
            self.reference,
            handle=handle or sub.file,
            received=received if received is not None else (mtime, sub.file),
            roster_id=roster_id,
        )
        row: dict[str, Any] = {"file": file, "path": sub.file, "sha256": sub.sha256}
        theirs = sub.form.id if sub.form is not None else None
        if sub.status == "accepted" and theirs and theirs != self.spec.id:
            row.update(
                status="未受理",
                code="other_form",
                detail=f"是表单 {_form_title(theirs, sub)}（{theirs}）的文件，不是本汇总的"
                f"{self.spec.render(self.spec.title, self.spec.default_year)}（{self.spec.id}），"
                "未汇总",
                applicant=name,
            )
            self.other_form.add(cand.handle)
            self.entries.append((row, None, cand))
            return
        if unit is not None and sub.status == "accepted":
            if sub.form and sub.form.year:
                self.years.append(sub.form.year)
            roles = self.spec.roles
            self.elsewhere[cand.handle] = (
                unit,
                {
                    "applicant": str(sub.values.get(roles.subject or "") or ""),
                    "date": iso(sub.values.get(roles.date or "")),
                },
            )
            self.entries.append((row, None, cand))
            return
        for i in sub.issues:
            self.issues.append(
                (
                    cand.handle,
                    {
                        "file": file,
                        "applicant": name,
                        "sheet": i.sheet or "",
                        "cell": i.cell or "",
                        "severity": SEVERITY_ZH[i.severity],
                        "code": i.code,
                        "message": i.message,
                        "_where": where_zh(i),  # for a form hook's settlement (_settled)
                    },
                )
            )
        if sub.status == "rejected":
            rejection = sub.rejection
            row.update(
                status="未受理",
                code=rejection.code if rejection else "",
                detail=rejection.message if rejection else "",
            )
            self.entries.append((row, None, cand))
            return
        if sub.form and sub.form.year:
            self.years.append(sub.form.year)
        rec = record(sub, self.spec, self.reference)
        rec["_file"] = file
        if self.across is not None and self.load is None:
            # a copy: the caller may trim the submission it keeps (the CLI's result table);
            # the issues list stays shared, so issues found across periods reach it too
            self.subs[cand.handle] = copy.copy(sub)
        self.entries.append((row, rec, cand))

    def finish(
        self,
        *,
        year: int | None = None,
        unit: str | None = None,
        inputs: Sequence[str] = (),
        period: Sequence[Any] | None = None,
    ) -> SummaryData:
        """`unit`: the reporting unit this summary is for; files of another unit are listed
        as 未受理 with the reason, never counted.

        A periodic form ([roles] period): `period` is the period summarised, as the values
        of its period fields (a leading year alone: that year's latest period present;
        none: the latest present). Its files make the 汇总表; the other periods' current
        files go to 明细 (for the comparisons and the time series)."""
        spec = self.spec
        asked = year
        year = year or (self.years[0] if self.years else None) or spec.default_year
        data = SummaryData(year=year, unit=unit, inputs=list(inputs))
        if self.latest is not None:
            data.generated = self.latest.isoformat(timespec="seconds")
        unit_field = spec.roles.unit or ""
        foreign: dict[str, str] = {}
        if unit:
            for _row, rec, cand in self.entries:
                if rec is None:
                    continue
                theirs = self.reference.unit(str(rec.get(unit_field) or ""))
                if theirs is not None and theirs.name != unit:
                    foreign[cand.handle] = theirs.name
            for handle, (theirs_name, _) in self.elsewhere.items():
                foreign[handle] = theirs_name
        left_out = foreign.keys() | self.other_form
        decisions = decide(c for _r, _rec, c in self.entries if c.handle not in left_out)
        names = {c.handle: r["file"] for r, _rec, c in self.entries}
        current = []
        for row, rec, cand in self.entries:
            d = decisions.get(cand.handle)
            if cand.handle in foreign:
                row.update(
                    status="未受理",
                    code="other_unit",
                    detail=f"不属于本{spec.roles.unit_label}：{foreign[cand.handle]}",
                )
            elif d is None or d.disposition == "rejected" or rec is None:
                if rec is None and d is not None and d.disposition == "duplicate":
                    row.update(status="重复", code="duplicate", detail=d.reason)
                data.files.append(row)
                continue
            elif d.disposition == "current":
                row.update(status="汇总", code="", detail="")
                current.append(rec)
                rec["_handle"] = cand.handle
                if d.conflicts:
                    rec["_conflict"] = conflict_message(
                        row["file"], [names[h] for h in d.conflicts]
                    )
            else:
                row.update(
                    status=DISPOSITION_ZH[d.disposition],
                    code=d.disposition,
                    detail=d.reason,
                )
            if rec is not None and row["status"] != "汇总":
                row.update(
                    applicant=str(rec.get(spec.roles.subject or "") or ""),
                    date=iso(rec.get(spec.roles.date or "")),
                )
            elif cand.handle in self.elsewhere:
                row.update(self.elsewhere[cand.handle][1])
            data.files.append(row)
        data.issues = [i for h, i in self.issues if h not in foreign]
        if self.across is not None:
            data.issues += self._across(current)
        for rec in current:
            if rec.get("_conflict"):
                data.issues.append(
                    {
                        "file": rec["_file"],
                        "applicant": str(rec.get(spec.roles.subject or "") or ""),
                        "sheet": "",
                        "cell": "",
                        "severity": SEVERITY_ZH["warning"],
                        "code": "version_conflict",
                        "message": rec["_conflict"],
                    }
                )
        # the form's review across one unit's applications (申报书: 六(二)(2) by rank)
        from formkit.forms import form_of

        hook = form_of(spec).hook("unit_review")
        for code in dict.fromkeys(r["_unit_code"] for r in current if r.get("_unit_code")):
            members = [r for r in current if r.get("_unit_code") == code]
            updates = hook(members, self.reference, self.reference.unit(code)) if hook else []
            for rec, update in zip(members, updates, strict=False):
                settle = update.pop("_settle_issue", None)
                added = update.pop("_add_issues", None) or []
                rec.update(update)
                for one in [settle] if isinstance(settle, Mapping) else settle or []:
                    data.issues = _settled(data.issues, rec["_file"], one)
                data.issues += [
                    {
                        "file": rec["_file"],
                        "applicant": str(rec.get(spec.roles.subject or "") or ""),
                        "sheet": i.sheet or "",
                        "cell": i.cell or "",
                        "severity": SEVERITY_ZH[i.severity],
                        "code": i.code,
                        "message": i.message,
                        "_where": where_zh(i),
                    }
                    for i in added
                ]
        current.sort(key=sort_key(spec, unit_order(self.reference)))
        if spec.roles.period:
            current = self._periods(data, current, year, period or ((year,) if asked else ()))
        for n, rec in enumerate(current, start=1):
            rec["_no"] = n
        data.applications = current
        for t in spec.summary.tables:
            data.tables[t] = [
                {
                    **r,
                    "_subject": rec.get(spec.roles.subject or ""),
                    "_unit": rec.get(spec.roles.unit or ""),
                }
                for rec in current
                for r in rec.get(f"_rows.{t}") or []
            ]
        return data

    def _across(self, current: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The form's rules across one subject's periods (Form.across) over the current
        files: each issue joins its file's issues, and a value it calls wrong leaves the
        totals as a within-file error does."""
        assert self.across is not None
        spec = self.spec
        by_subject: dict[str, list[dict[str, Any]]] = defaultdict(list)
        if self.load is not None:  # the members' Submissions, one subject at a time
            load = self.load
            self.subs = {}
        for rec in current:
            key = name_key(
                str(rec.get(spec.roles.unit or "") or ""),
                str(rec.get(spec.roles.subject or "") or ""),
            )
            by_subject[key or rec["_handle"]].append(rec)
        rows: list[dict[str, Any]] = []
        for members in by_subject.values():
            if self.load is not None:
                self.subs = {m["_handle"]: load(m["_handle"]) for m in members}
            subs = {id(self.subs[m["_handle"]]): m for m in members if m["_handle"] in self.subs}
            history = [self.subs[m["_handle"]] for m in members if m["_handle"] in self.subs]
            found = self.across(history, self.reference)
            self.found_across += found
            for sub, issue in found:
                sub.issues.append(issue)
                rows.append(
                    {
                        "file": Path(sub.file).name,
                        "applicant": str(sub.values.get(spec.roles.subject or "") or ""),
                        "sheet": issue.sheet or "",
                        "cell": issue.cell or "",
                        "severity": SEVERITY_ZH[issue.severity],
                        "code": issue.code,
                        "message": issue.message,
                    }
                )
            for sub in {id(s): s for s, _i in found}.values():
                rec = subs[id(sub)]
                fresh = record(sub, spec, self.reference)
                for key in ("_excluded", "_excluded_text", "_errors", "_warnings"):
                    rec[key] = fresh[key]
        return rows

    def _periods(
        self,
        data: SummaryData,
        current: list[dict[str, Any]],
        year: int,
        period: Sequence[Any] | None,
    ) -> list[dict[str, Any]]:
        """The records of the period summarised; the others go to data.others."""
        spec = self.spec
        full = len(spec.roles.period)
        given = period_key(dict(zip(spec.roles.period, period or (), strict=False)), spec) or ()
        keyed = []
        for rec in current:
            rec["_period"] = period_text(rec, spec)
            keyed.append((period_key(rec, spec), rec))
        if len(given) == full:
            wanted: tuple[int, ...] = given
        else:  # a year alone, or nothing: the latest period present in it
            present = sorted({k for k, _r in keyed if k is not None and len(k) == full})
            within = [k for k in present if k[: len(given)] == given]
            wanted = within[-1] if within else given
        data.period = period_values(wanted, spec)
        if data.period and isinstance(data.period[0], int):
            data.year = data.period[0]
        data.others = sorted(
            (r for k, r in keyed if k != wanted), key=lambda r: period_key(r, spec) or ()
        )
        return [r for k, r in keyed if k == wanted]


def period_key(values: Mapping[str, Any], spec: FormSpec) -> tuple[int, ...] | None:
    """A period as numbers that sort in time order ((2007, 2) for 2007 第二季度): a choice
    field counts by its place in the choices; the leading fields given (None: not even the
    first)."""
    out: list[int] = []
    for fid in spec.roles.period:
        v = values.get(fid)
        f = spec.field(fid)
        if f.choices:
            if v not in f.choices:
                break
            out.append(f.choices.index(v) + 1)
        elif isinstance(v, int | float) and not isinstance(v, bool):
            out.append(int(v))
        else:
            break
    return tuple(out) or None


def period_values(key: Sequence[int] | None, spec: FormSpec) -> tuple[Any, ...]:
    """`period_key` back to the fields' values ((2007, "第二季度"))."""
    out: list[Any] = []
    for fid, n in zip(spec.roles.period, key or (), strict=False):
        f = spec.field(fid)
        out.append(f.choices[n - 1] if f.choices else n)
    return tuple(out)


def period_text(values: Mapping[str, Any], spec: FormSpec) -> str:
    """A period as people write it: "2007年第二季度", "2007年"."""
    key = period_key(values, spec)
    out = []
    for i, (fid, v) in enumerate(zip(spec.roles.period, period_values(key, spec), strict=False)):
        f = spec.field(fid)
        out.append(f"{v}年" if i == 0 else str(v) if f.choices else f"{f.label}{v}")
    return "".join(out)


def shift(
    key: Sequence[int], spec: FormSpec, *, years: int = 0, steps: int = 0
) -> tuple[int, ...] | None:
    """The period `years` earlier or `steps` sub-periods earlier (the quarter before the
    first quarter is last year's fourth); None where the form does not say how many
    sub-periods a year has (a sub-period that is a number, not a choice) and the step
    would cross the year."""
    k = list(key)
    k[0] -= years
    if steps and len(k) > 1:
        n = len(spec.field(spec.roles.period[-1]).choices)
        if not n:
            if k[-1] - steps < 1:
                return None
            k[-1] -= steps
            return tuple(k)
        index = k[0] * n + (k[-1] - 1) - steps
        k[0], k[-1] = divmod(index, n)
        k[-1] += 1
    elif steps:
        k[0] -= steps
    return tuple(k)


def collect(
    results: Iterable[Submission],
    *,
    spec: FormSpec | None = None,
    reference: Reference | None = None,
    year: int | None = None,
    unit: str | None = None,
    inputs: Sequence[str] = (),
    period: Sequence[Any] | None = None,
) -> SummaryData:
    """Checked submissions -> SummaryData: current applications and every other file's fate."""
    collector = Collector(spec=spec, reference=reference)
    for sub in results:
        collector.add(sub)
    return collector.finish(year=year, unit=unit, inputs=inputs, period=period)


def from_ledger(
    db: str | os.PathLike[str],
    *,
    reference: Reference | None = None,
    unit: str | None = None,
    year: int | None = None,
    inputs: Sequence[str] | None = None,
    results: list[Submission] | None = None,
    form_id: str | None = None,
    period: Sequence[Any] | None = None,
    each: Callable[[Submission], None] | None = None,
) -> SummaryData:
    """The ledger's files as SummaryData: the one route from a ledger to a summary, for
    `summary --db`, `recommend --db` and the web page alike. The ledger's handles and
    received order go to the same collector a folder of files goes through, so the same
    file counts as in `status`. `results`, when given, receives each file's Submission,
    with the issues across periods the summary finds added. `each`, when given, is called
    with each as it is read, instead of keeping it: a file of another reporting unit than
    `unit` then holds only its roles' values, no file its provenance, and the issues
    across periods are in `data.found_across` only (by file, as `ledger_submissions` adds
    them).

    `form_id` (default: the ledger's form): the files of that form (the ledger's form_id of
    each file); a file whose form could not be told belongs to the ledger's own form. The
    files of other forms are counted in a note.

    One file at a time is read from the ledger: what is kept is what the summary shows
    (a record per file of the unit summarised, a row per other file)."""
    from formkit.forms import get_form
    from formkit.ledger import Ledger
    from formkit.read.submission import from_json

    with Ledger(db, reference=reference) as ledger:
        reference = ledger.reference
        own = ledger.spec
        spec = get_form(form_id).spec if form_id else own
        dates = {f.id for f in spec.fields if f.type == "date"}
        roles = [r for r in (spec.roles.unit, spec.roles.subject, spec.roles.date) if r]
        roles += [r for r in spec.roles.period if r not in roles]

        def load(sha: str) -> Submission:
            found = ledger.file(sha)
            assert found is not None
            return from_json(found.submission, dates)

        def foreign(value: Any) -> str | None:
            """The other reporting unit a file of this unit value belongs to."""
            if not unit:
                return None
            known = reference.unit(str(value or ""))
            return known.name if known is not None and known.name != unit else None

        collector = Collector(spec=spec, reference=reference, load=load)
        handed: dict[str, list[Issue]] = {}
        elsewhere = 0
        unit_field = spec.roles.unit or ""
        # a file of another unit is listed, not summarised: its values are not read (but
        # for a caller that keeps every Submission); nor is any file's provenance, which
        # only the rules across periods use (they load their files again)
        lean = None if results is not None else (unit_field, foreign, roles)
        without = () if results is not None else ("provenance", "located")
        for r in ledger.iter_files(without=without, lean=lean):
            if (r.form_id or own.id) != spec.id:
                elsewhere += 1
                continue
            doc = r.submission
            values = doc.get("values") or {}
            accepted = doc.get("status") == "accepted"
            theirs = foreign(values.get(unit_field)) if accepted else None
            sub = from_json(doc, dates)
            if r.fingerprint and theirs is None:
                sub.remember_digest(r.fingerprint)  # as the ledger computed it on receipt
            # a web upload is stored under its SHA-256: it is shown by the name it was sent as
            given = ledger.upload_names([r.sha256]).get(r.sha256)
            if given:
                sub.file = str(Path(sub.file).with_name(given))
            collector.add(
                sub,
                handle=r.sha256,
                received=(r.seq,),
                roster_id=r.roster_id,
                received_at=r.received_at,
                unit=theirs,
            )
            if results is not None:
                results.append(sub)
            if each is not None:
                each(sub)
            if results is not None:
                handed[sub.sha256] = sub.issues  # the list itself: what is added reaches it
        shown = [str(db)] if inputs is None else list(inputs)
        data = collector.finish(year=year, unit=unit, inputs=shown, period=period)
    data.found_across = [(sub.sha256, issue) for sub, issue in collector.found_across]
    for sha, issue in data.found_across:
        if sha in handed:
            handed[sha].append(issue)
    if elsewhere:
        data.notes.append(("台账中其他表单的文件", f"{elsewhere} 个，不属于本汇总的表单，未列入"))
    return data


def ledger_submissions(
    db: str | os.PathLike[str],
    *,
    form_id: str | None = None,
    found_across: Iterable[tuple[str, Issue]] = (),
) -> Iterator[Submission]:
    """The Submissions `from_ledger` handed out, again, one at a time: the ledger's files
    of the form, in received order, with the issues across periods found (for
    `summary --db --json`, written without holding every file)."""
    from formkit.forms import get_form
    from formkit.ledger import Ledger
    from formkit.read.submission import from_json

    across: dict[str, list[Issue]] = defaultdict(list)
    for sha, issue in found_across:
        across[sha].append(issue)
    with Ledger(db) as ledger:
        own = ledger.spec
        spec = get_form(form_id).spec if form_id else own
        dates = {f.id for f in spec.fields if f.type == "date"}
        for r in ledger.iter_files():
            if (r.form_id or own.id) == spec.id:
                sub = from_json(r.submission, dates)
                sub.issues += across.get(r.sha256, [])
                yield sub


def _form_title(form_id: str, sub: Submission) -> str:
    from formkit.forms import UnknownForm, get_form

    try:
        spec = get_form(form_id).spec
    except UnknownForm:
        return form_id
    return spec.render(spec.title, (sub.form.year if sub.form else None) or spec.default_year)


def _settled(
    rows: list[dict[str, Any]], file: str, settle: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """A form's review across files (a Form hook) settled one issue of `file`: the issue
    row whose code is `code` and whose message names `contains` is dropped; or has
    `append` added to its message; or becomes `new_code` saying `text` at its own place,
    followed by that code's fix (its placeholders from `params`). So 问题清单 says what 汇总表
    says."""
    from formkit.issues import CATALOGUE, with_fix

    out = []
    for row in rows:
        hit = (
            row.get("file") == file
            and row.get("code") == settle["code"]
            and str(settle["contains"]) in str(row.get("message", ""))
        )
        if not hit:
            out.append(row)
        elif settle.get("append"):
            out.append({**row, "message": f"{row['message']}{settle['append']}"})
        elif settle.get("new_code"):
            new = CATALOGUE[settle["new_code"]]
            text = f"{row.get('_where') or '文件'}：{settle['text']}"
            out.append(
                {
                    **row,
                    "code": new.code,
                    "severity": SEVERITY_ZH[new.severity],
                    # the fix as the catalogue words it, its placeholders filled
                    "message": with_fix(new.code, text, settle.get("params")),
                }
            )
    return out


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


# ---------------------------------------------------------------- writing


class _Fmt:
    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.cache: dict[tuple[Any, ...], Any] = {}

    def __call__(self, **props: Any) -> Any:
        key = tuple(sorted(props.items()))
        if key not in self.cache:
            self.cache[key] = self.wb.add_format(
                {"font_name": FONT, "font_size": 10, "valign": "vcenter", **props}
            )
        return self.cache[key]

    def header(self) -> Any:
        return self(bold=True, text_wrap=True, align="center", border=1, bg_color="#D9E1F2")

    def cell(self, col: Col, **extra: Any) -> Any:
        if col.kind in ("integer", "decimal", "percent"):
            num = NUMBER_FORMATS.get(
                col.unit or "", "#,##0" if col.kind == "integer" else "#,##0.00"
            )
            # a figure wider than its column (a 万/亿 slip: 35000.0000) prints smaller, never
            # as ###
            return self(border=1, num_format=num, shrink=True, **extra)
        if col.kind == "date":
            return self(border=1, num_format=DATE_FORMAT, **extra)
        if col.shrink:
            return self(border=1, shrink=True, **extra)
        return self(border=1, text_wrap=True, **extra)  # never cut off; rows are sized to fit


# what xlsxwriter changes in a string cell's text: Excel's _xHHHH_ escape (and text that
# looks like one), control characters, U+FFFE/U+FFFF, and the XML specials & < >
_SPECIAL_TEXT = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")


class _SummarySheet(Worksheet):  # type: ignore[misc]  # xlsxwriter is untyped here (Any)
    """A worksheet whose string cells are always plain text, written without detours.

    In constant-memory mode xlsxwriter writes every string cell as an inline string, and
    writes a string that starts with "<r>" and ends with "</r>" *unescaped*, as rich-text
    XML: applicant text of that shape could add cells, formulas included, to the sheet.
    Here a string cell is always escaped text. The common case (a formatted text or number
    cell in constant-memory mode) is written in one step with the bytes xlsxwriter would
    write (tests/test_summary_sheet.py compares the two): xlsxwriter's general path costs
    about a third of the time of writing the summary. Anything else goes to xlsxwriter.
    """

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        cell_fmt = cell.format
        kind = cell.__class__
        if not self.constant_memory:  # never the case here: strings are shared-string indexes
            super()._write_cell(row, col, cell)
        elif kind is CellStringTuple:
            if cell_fmt is None:
                # xlsxwriter picks the row's or column's format: let it, with safe text
                super()._write_cell(row, col, CellStringTuple(plain(cell.string), None))
                return
            text = cell.string
            if _SPECIAL_TEXT.search(text):
                # xlsxwriter's order: control characters first, then the XML escapes
                text = self._escape_control_characters(text)
                text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
            self.fh.write(
                f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{cell_fmt._get_xf_index()}"'
                f' t="inlineStr"><is><t{space}>{text}</t></is></c>'
            )
        elif kind is CellNumberTuple and cell_fmt is not None:
            self.fh.write(
                f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{cell_fmt._get_xf_index()}">'
                f"<v>{cell.number:.16G}</v></c>"
            )
        else:
            super()._write_cell(row, col, cell)


def _put(ws: Worksheet, row: int, col: int, value: Any, fmt: Any, kind: str = "text") -> None:
    """Write one value; text always as text (a leading = + - @ stays what was typed)."""
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, int | float) and kind != "text":
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, dt.date) and kind == "date":
        stamp = (
            value
            if isinstance(value, dt.datetime)
            else dt.datetime(value.year, value.month, value.day)
        )
        ws.write_datetime(row, col, stamp, fmt)
    else:
        ws.write_string(row, col, str(iso(value)), fmt)


def _title(ws: Worksheet, text: str, width: int, fmt: _Fmt) -> None:
    ws.merge_range(0, 0, 0, max(width - 1, 1), text, fmt(bold=True, font_size=14, align="left"))
    ws.set_row(0, 26)


# 明细 wider than this many columns is not for printing (README, "纸面"): the 申报书's has
# about 60, which one page wide no one can read, and which column groups would spread
# over a dozen pages per 30 applications. The official reads 汇总表 and 问题清单; 明细 is the
# complete table to look things up, filter and sort on screen, and what the roll-up reads
# back. Its print area is its title line, which says so (a printed workbook shows it as
# one line, not as pages of columns).
DETAIL_PRINT_COLS = 16
DETAIL_TITLE_END, DETAIL_NOTE_END = 4, 12
DETAIL_NOTE = (
    "本表为全部{item}的完整数据，供在屏幕上查询、筛选和排序，并供汇总使用；列数多，"
    "不打印（打印区域只有本行）。纸面请看汇总表和问题清单。"
)


def _detail_title(ws: Worksheet, fmt: _Fmt, text: str, width: int, item: str) -> bool:
    """明细's title line; for a wide table with the note that it is not printed (True)."""
    if width <= DETAIL_PRINT_COLS:
        _title(ws, text, width, fmt)
        return False
    ws.merge_range(0, 0, 0, DETAIL_TITLE_END, text, fmt(bold=True, font_size=14, align="left"))
    ws.merge_range(
        0,
        DETAIL_TITLE_END + 1,
        0,
        DETAIL_NOTE_END,
        DETAIL_NOTE.format(item=item),
        fmt(font_size=9, text_wrap=True, align="left", valign="vcenter", font_color="#595959"),
    )
    ws.set_row(0, 36)
    return True


def _landscape(ws: Worksheet, title: str, header_row: int | None, repeat_cols: int = 0) -> None:
    """A4 landscape with the title as page header and page numbers; rows 0..header_row
    repeat on every page (None: none repeat)."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    if header_row is not None:
        ws.repeat_rows(0, header_row)
    if repeat_cols:
        ws.repeat_columns(0, repeat_cols - 1)
    ws.set_header(f"&C{title}", {"margin": 0.3})
    ws.set_footer("&C第 &P 页，共 &N 页", {"margin": 0.3})


# points per line of 10-point text, as LibreOffice and Excel lay it out
_LINE_HEIGHT = 13.5


def _table(
    ws: Worksheet,
    fmt: _Fmt,
    top: int,
    cols: Sequence[Col],
    rows: Sequence[Mapping[str, Any]],
    fill: Mapping[int, str] | None = None,
    header_height: float = 42,
) -> int:
    """A header row at `top` and the rows below; returns the last row index.

    `fill`: column index -> background colour of its cells (empty ones too)."""
    fill = fill or {}
    for j, col in enumerate(cols):
        ws.write_string(top, j, col.header, fmt.header())
        ws.set_column(j, j, col.width)
    ws.set_row(top, header_height)
    # the hot loop of a large summary: plain text and numbers straight to their writers.
    # Rows with wrapped text are made tall enough for it (no application grows a row for
    # wrapped text in a file it did not lay out itself): `wrap` is a wrapping column's
    # width, 0 where nothing wraps.
    plan = []
    for j, c in enumerate(cols):
        cell_fmt = fmt.cell(c, bg_color=fill[j]) if j in fill else fmt.cell(c)
        plan.append((j, c.key, c.kind, cell_fmt, c.width if cell_fmt.text_wrap else 0.0))
    measured: dict[tuple[str, float], int] = {}  # the same message recurs across files
    # the undecorated writers: rows and columns are numbers here, never "A1" text to parse
    # (the decorator's check was a sixth of writing a large summary)
    write_string, write_number = ws._write_string, ws._write_number
    for i, rec in enumerate(rows, start=top + 1):
        lines = 1
        doubted = rec.get("_excluded")
        for j, key, kind, cell_fmt, wrap in plan:
            value = rec.get(key)
            if doubted and key in doubted and kind in ("integer", "decimal", "percent"):
                # a value formkit itself called wrong: shown, marked, never in a total
                _put(ws, i, j, value, fmt.cell(cols[j], bg_color=EXCLUDED_FILL), kind)
                ws.write_comment(i, j, f"未计入合计：{doubted[key]}", {"author": "formkit"})
                continue
            if value is None or value == "":
                if j in fill:  # an input left empty is still shown as one
                    ws.write_blank(i, j, None, cell_fmt)
                continue  # empty cells get their border from one conditional format below
            elif type(value) is str:
                write_string(i, j, value, cell_fmt)
                # a character is at most two columns wide: one-line text that cannot
                # need more lines than the row already has is not measured
                if wrap and (2 * len(value) > (wrap - 1.5) * lines or "\n" in value):
                    n = measured.get((value, wrap))
                    if n is None:
                        n = measured[(value, wrap)] = wrapped_lines(value, wrap)
                    lines = max(lines, n)
            elif type(value) in (int, float) and kind != "text":
                write_number(i, j, value, cell_fmt)
            else:
                _put(ws, i, j, value, cell_fmt, kind)
        if lines > 1:  # before the next row is written (constant-memory mode)
            ws.set_row(i, _LINE_HEIGHT * lines + 2)
    last = top + len(rows)
    if rows:
        blank = fmt(border=1)
        ws.conditional_format(top + 1, 0, last, len(cols) - 1, {"type": "blanks", "format": blank})
    ws.autofilter(top, 0, max(last, top), len(cols) - 1)
    ws.freeze_panes(top + 1, 0)
    return last


@dataclass
class Writer:
    """One summary being written, as the form's hooks see it (formkit.forms.Form.hooks)."""

    wb: Workbook
    fmt: _Fmt
    data: SummaryData
    spec: FormSpec
    reference: Reference
    title: str
    national: bool
    # what one hook leaves for another (the 申报书's ranking key, shown on its 汇总表)
    state: dict[str, Any] = field(default_factory=dict)
    # the machine columns of the table sheets, by (sheet, 序号): written to META_SHEET
    machine: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)

    def keep(self, sheet: str, rows: Sequence[Mapping[str, Any]], kind: str) -> None:
        """Keep the machine columns (MACHINE[kind]) of rows written to `sheet`."""
        keys = MACHINE[kind]
        for rec in rows:
            values = {col: rec.get(key) for key, col in keys.items() if rec.get(key)}
            if values and isinstance(rec.get("_no"), int):
                self.machine.append((sheet, rec["_no"], values))

    def sheet(self, name: str) -> Worksheet:
        return self.wb.add_worksheet(name, _SummarySheet)

    def hook(self, name: str) -> Any:
        return form_of(self.spec).hook(name)


def build(
    data: SummaryData,
    *,
    spec: FormSpec | None = None,
    reference: Reference | None = None,
    national: bool = False,
    rank_by: str | None = None,
) -> bytes:
    """The summary (or, with national=True, the roll-up) workbook as bytes.

    The engine writes what every form has: 汇总表 (the printed columns), 明细, 问题清单, 统计,
    the file sheets, the layout's charts, 说明 and the metadata; the form's hooks add their
    own (the 申报书's proposed recommendation, `rank_by`, and its 各推荐单位 and 图表).
    """
    spec = spec or load_spec()
    reference = reference or load_reference()
    form = form_of(spec)
    prepare = form.hook("summary_prepare")
    shown = prepare(data, spec, reference, rank_by) if prepare is not None else ""
    if prepare is None:
        data.applications.sort(key=sort_key(spec, unit_order(reference)))
    apps = data.applications
    for n, rec in enumerate([*apps, *data.others], start=1):
        rec["_no"] = n  # other periods' records follow in 明细, numbered on
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            # rows go to temporary files as they are written (every sheet is written top
            # to bottom), so a summary of thousands of applications stays small in memory
            "constant_memory": True,
            "tmpdir": tempfile.gettempdir(),
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    title = workbook_title(data, spec, national)
    wb.set_properties(
        {
            "title": title,
            "author": "formkit",
            "created": dt.datetime(data.year, 1, 1),
            "comments": spec.id,
        }
    )
    w = Writer(wb, _Fmt(wb), data, spec, reference, title, national, {"shown": shown})
    fmt = w.fmt
    sheets = form.hook("summary_sheets")
    _apps_sheet(w)
    if spec.roles.period:
        _compare_sheet(w)
    cols = detail_columns(spec)
    ws = wb.add_worksheet(DETAIL_SHEET, _SummarySheet)
    wide = _detail_title(ws, fmt, f"{title}：明细（全部数据）", len(cols), spec.summary.item)
    last = _table(ws, fmt, 1, cols, [*data.applications, *data.others])
    w.keep(DETAIL_SHEET, [*data.applications, *data.others], "detail")
    ws.freeze_panes(2, 5)
    _landscape(ws, title, None if wide else 1)
    ws.fit_to_pages(1, 0)
    if wide:  # not for printing: its print area is its title line and the note in it
        ws.print_area(0, 0, 0, DETAIL_NOTE_END)
    _verdict_formats(ws, fmt, cols, last)
    if sheets is not None:
        sheets(w, "after_detail")
    if national and spec.summary.unit_table:
        _unit_sheet(w)
    who = spec.roles.subject_label
    _issue_sheet(w, who)
    _stats_sheet(w)
    for name in spec.summary.tables:
        _rows_sheet(w, spec.table(name))
    _files_sheet(w, REJECTED_SHEET, "未受理", who)
    _files_sheet(w, SUPERSEDED_SHEET, "已替代", who)
    _files_sheet(w, DUPLICATE_SHEET, "重复", who)
    if sheets is not None:
        sheets(w, "after_files")
    if spec.summary.charts:
        _chart_sheet(w)
    _notes_sheet(w)
    _meta_sheet(wb, data, spec.id, w.machine)
    wb.close()
    return buf.getvalue()


def _apps_sheet(w: Writer) -> None:
    """汇总表: what an official reads, prints and decides on (one A4 landscape page wide).

    A form may say, beside the title, which of its columns a person may edit (the 申报书's
    推荐次序, 推荐意见 and 推荐理由, read back by `formkit recommend` and `formkit rollup`):
    they are shaded as the template's inputs.
    """
    fmt, data, spec, title = w.fmt, w.data, w.spec, w.title
    ws = w.sheet(APPS_SHEET)
    cols = print_columns(spec, national=w.national)
    note_hook = w.hook("summary_print_note")
    note, editable_keys = (
        note_hook(w.national, w.state.get("shown", "")) if note_hook is not None else ("", ())
    )
    approval = w.national and spec.register is not None
    if approval:
        editable_keys = (*editable_keys, APPROVAL, APPROVAL_NOTE)
        note += (
            "核准结论（核准 / 不予核准）、核准意见（黄色）由商务部填写后保存；基地名册按其建立。"
        )
    editable = [j for j, c in enumerate(cols) if c.key in editable_keys]
    if note:
        ws.merge_range(0, 0, 0, 7, title, fmt(bold=True, font_size=14, align="left"))
        ws.merge_range(
            0,
            8,
            0,
            len(cols) - 1,
            note,
            fmt(font_size=8, text_wrap=True, align="left", font_color="#595959"),
        )
        ws.set_row(0, 36)
    else:
        _title(ws, title, len(cols), fmt)
    rows = data.applications
    if any(c.key == BRIEF_CRITERIA for c in cols):
        rows = [{**r, BRIEF_CRITERIA: brief_criteria(r.get("_criteria"))} for r in rows]
    last = _table(
        ws,
        fmt,
        1,
        cols,
        rows,
        fill={j: EDITABLE_FILL for j in editable},
        header_height=56,
    )
    if spec.roles.period and data.applications:
        # a periodic form's 汇总表 ends with the totals (环比 and 同比: 合计与比较)
        last += 1
        who = "全国" if w.national else (data.unit or "")
        strong = fmt(bold=True, border=1, bg_color="#F2F2F2")
        for j, c in enumerate(cols):
            if c.key == spec.roles.subject:
                ws.write_string(last, j, f"{who}合计", strong)
            elif c.key in spec.summary.totals:
                _put(ws, last, j, total(data.applications, c.key), fmt.cell(c, bold=True), c.kind)
            else:
                ws.write_blank(last, j, None, strong)
    ws.freeze_panes(2, 4 if note else 3)
    _landscape(ws, title, 1)
    ws.fit_to_pages(1, 0)
    _verdict_formats(ws, fmt, cols, last, counts=False)
    after = w.hook("summary_print_after")
    if after is not None:
        after(ws, cols, last, w.national)
    if approval and last >= 2:
        j = next(j for j, c in enumerate(cols) if c.key == APPROVAL)
        ws.data_validation(
            2,
            j,
            last,
            j,
            {
                "validate": "list",
                "source": list(APPROVALS),
                "input_title": "核准结论",
                "input_message": "选择“核准”或“不予核准”；尚未决定的留空。",
                "error_title": "核准结论",
                "error_message": "请选择“核准”或“不予核准”。",
            },
        )


def workbook_title(data: SummaryData, spec: FormSpec, national: bool) -> str:
    """The layout's title for this unit (or 全国), year and period."""
    who = "全国" if national else (data.unit or "")
    return (
        spec.summary.title.replace("{unit}", who)
        .replace("{year}", str(data.year))
        .replace("{period}", period_words(data.period))
    )


def period_words(period: Sequence[Any] | None) -> str:
    """The period's own words after its year ("第二季度"); "" for a form filed once a round
    or a yearly one."""
    return "".join(str(p) for p in (period or ())[1:])


def _verdict_formats(
    ws: Worksheet, fmt: _Fmt, cols: Sequence[Col], last: int, counts: bool = True
) -> None:
    if last < 2:
        return
    keys = [c.key for c in cols]
    red, yellow, green = (
        fmt(bg_color="#FFC7CE", border=1),
        fmt(bg_color="#FFEB9C", border=1),
        fmt(bg_color="#C6EFCE", border=1),
    )
    if "_verdict" in keys:
        v = keys.index("_verdict")
        for text, f in (
            ("不符合", red),
            ("待补充材料", yellow),
            ("需人工判断", yellow),
            ("符合", green),
        ):
            ws.conditional_format(
                2, v, last, v, {"type": "cell", "criteria": "==", "value": f'"{text}"', "format": f}
            )
    for key, f in (("_errors", red), ("_warnings", yellow)):
        if not counts or key not in keys:
            continue
        j = keys.index(key)
        ws.conditional_format(
            2, j, last, j, {"type": "cell", "criteria": ">", "value": 0, "format": f}
        )


def counted_towards_targets(
    apps: Sequence[Mapping[str, Any]], spec: FormSpec, reference: Reference
) -> list[Mapping[str, Any]]:
    """The records a programme's national progress may count, as the form says (its
    `counted_towards_targets` hook); a form without targets counts none."""
    hook = form_of(spec).hook("counted_towards_targets")
    return list(hook(apps, spec, reference)) if hook is not None else []


def _issue_sheet(w: Writer, who: str) -> None:
    fmt, title = w.fmt, w.title
    ws = w.sheet(ISSUES_SHEET)
    cols = issue_cols(who)
    _title(ws, f"{title}：问题清单", len(cols), fmt)
    rows = [{**r, "_no": n} for n, r in enumerate(_typed(w.data.issues), start=1)]
    last = _table(ws, fmt, 1, cols, rows)
    w.keep(ISSUES_SHEET, rows, "issues")
    level = [c.key for c in cols].index("severity")
    if last >= 2:
        ws.conditional_format(
            2,
            level,
            last,
            level,
            {
                "type": "cell",
                "criteria": "==",
                "value": '"错误"',
                "format": fmt(bg_color="#FFC7CE", border=1),
            },
        )
        ws.conditional_format(
            2,
            level,
            last,
            level,
            {
                "type": "cell",
                "criteria": "==",
                "value": '"警告"',
                "format": fmt(bg_color="#FFEB9C", border=1),
            },
        )
    _landscape(ws, title, 1)
    ws.fit_to_pages(1, 0)


def _typed(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows with the Chinese name of their code (问题类型) beside it."""
    from formkit.issues import title

    return [{**r, "type": title(str(r.get("code") or "")) if r.get("code") else ""} for r in rows]


def _group_rows(
    apps: Sequence[Mapping[str, Any]],
    key: str,
    totals: Sequence[str],
    order: Sequence[str] | None = None,
    verdicts: bool = True,
) -> list[dict[str, Any]]:
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for a in apps:
        groups[str(a.get(key) or "（未填）")].append(a)
    # every listed group, empty ones with zeros: a region without applications is a fact
    names = list(order or []) + sorted(n for n in groups if n not in (order or []))
    counts = [f"v_{v}" for v in VERDICTS] if verdicts else []
    rows = []
    for name in names:
        members = groups[name]
        row: dict[str, Any] = {"name": name, "count": len(members)}
        if verdicts:
            seen = Counter(m.get("_verdict") for m in members)
            row.update({f"v_{v}": seen.get(v, 0) for v in VERDICTS})
        for t in totals:
            row[t] = total(members, t)
        rows.append(row)
    whole: dict[str, Any] = {"name": "合计", "count": len(apps)}
    for k in (*counts, *totals):
        whole[k] = round(sum(r[k] for r in rows), 4)
    return [*rows, whole]


# the reference data's regions (formkit/reference), in the order tables list them
REGION_ORDER = ("东部", "中部", "西部", "东北")


def regions(reference: Reference) -> list[str]:
    return list(dict.fromkeys([*REGION_ORDER, *(u.region for u in reference.units)]))


def total(records: Iterable[Mapping[str, Any]], key: str) -> float:
    """The sum of `key` over the records, values with errors left out (to 4 decimals)."""
    return round(sum(v for m in records if (v := usable(m, key)) is not None), 4)


def _total_col(spec: FormSpec, key: str, width: float = 16) -> Col:
    f = spec.field(key)
    kind: Kind = "integer" if f.type == "integer" else "decimal"
    return Col(key, label(spec, key), kind, f.unit, width)


def _stats_sheet(w: Writer) -> None:
    """统计: by region, by each group_by field and by verdict, with the totals; under each
    table, the values its totals left out. A form's `summary_stats` hook adds its own."""
    fmt, data, spec = w.fmt, w.data, w.spec
    ws = w.sheet("统计")
    s = spec.summary
    # the unit-level table's figures where the layout names them (a quarterly report totals
    # 26 figures: all of them are on 合计与比较), else every total
    totals = list(s.unit_table or s.totals)
    item = spec.summary.item
    total_cols = [_total_col(spec, t) for t in totals]
    base_cols = [
        Col("count", f"{item}数", "integer", width=8),
        *(
            [
                Col("v_符合", "符合", "integer", width=7),
                Col("v_不符合", "不符合", "integer", width=7),
                Col("v_待补充材料", "待补充材料", "integer", width=9),
                Col("v_需人工判断", "需人工判断", "integer", width=9),
            ]
            if s.verdicts
            else []
        ),
        *total_cols,
    ]
    _title(ws, f"{w.title}：统计", 9, fmt)
    row = 2
    sections: list[tuple[str, str, Sequence[str] | None]] = [
        ("地区", "_region", regions(w.reference))
    ]
    sections += [(label(spec, k), k, list(spec.field(k).choices)) for k in s.group_by]
    if s.verdicts:
        sections.append(("审核结论", "_verdict", list(VERDICTS)))
    for heading, key, order in sections:
        ws.write_string(row, 0, f"按{heading}", fmt(bold=True))
        row += 1
        cols = [Col("name", heading, "text", width=20), *base_cols]
        rows = _group_rows(data.applications, key, totals, order, s.verdicts)
        # headers of up to three lines (the 申报书's, in two, keep their height)
        last = _table_plain(ws, fmt, row, cols, rows, 30 if s.verdicts else 44)
        row = _excluded_line(ws, fmt, last + 1, data.applications, totals, spec, cols) + 1
    hook = w.hook("summary_stats")
    if hook is not None:
        row = hook(w, ws, row)
    ws.set_column(0, 0, 22)
    _landscape(ws, w.title, 0)
    ws.fit_to_pages(1, 0)


def excluded_summary(apps: Sequence[Mapping[str, Any]], keys: Sequence[str], spec: FormSpec) -> str:
    """What the totals of `keys` left out, in words: "未计入合计：…" or "" when nothing."""
    parts = []
    item = spec.summary.item
    # records of several periods (a time series): each named with its period
    periodic = len({a.get("_period") for a in apps}) > 1
    for key in keys:
        out = [a for a in apps if key in (a.get("_excluded") or {}) and a.get(key) is not None]
        if not out:
            continue
        who = "、".join(
            f"{a.get(spec.roles.subject or '') or a.get('_file')}"
            f"（{a['_period'] + '，' if periodic and a.get('_period') else ''}"
            f"{a['_excluded'][key]}）"
            for a in out
        )
        parts.append(f"{label(spec, key)} {len(out)} 个{item}的数值：{who}")
    return ("未计入合计（有错误，待更正）：" + "；".join(parts) + "。") if parts else ""


def _excluded_line(
    ws: Worksheet,
    fmt: _Fmt,
    row: int,
    apps: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    spec: FormSpec,
    cols: Sequence[Col],
) -> int:
    """The line under a table that says which values its totals left out, wrapped across
    the table's width (it prints whole); returns the next free row."""
    text = (
        excluded_summary(apps, keys, spec)
        or f"合计包含全部{spec.summary.item}的数值（无错误数值）。"
    )
    color = "#C00000" if "未计入" in text else "#404040"
    line = fmt(italic=True, font_color=color, text_wrap=True, valign="top")
    width = sum(max(c.width, 10) for c in cols)
    ws.merge_range(row, 0, row, len(cols) - 1, text, line)
    lines = wrapped_lines(text, width)
    if lines > 1:
        ws.set_row(row, _LINE_HEIGHT * lines + 2)
    return row + 1


def _table_plain(
    ws: Worksheet,
    fmt: _Fmt,
    top: int,
    cols: Sequence[Col],
    rows: Sequence[Mapping[str, Any]],
    header_height: float = 30,
) -> int:
    for j, col in enumerate(cols):
        ws.write_string(top, j, col.header, fmt.header())
        ws.set_column(j, j, max(col.width, 10))
    # every header whole: the row as tall as its longest wrapped header needs
    lines = max((wrapped_lines(c.header, max(c.width, 10) - 1) for c in cols), default=1)
    ws.set_row(top, max(header_height, _LINE_HEIGHT * lines + 4))
    # plain cells: these columns are wide enough for their text on one line
    fmts = [fmt.cell(c) if c.kind != "text" else fmt(border=1) for c in cols]
    for i, rec in enumerate(rows, start=top + 1):
        for j, col in enumerate(cols):
            _put(ws, i, j, rec.get(col.key), fmts[j], col.kind)
    return top + len(rows)


def _files_sheet(w: Writer, name: str, status: str, who: str) -> None:
    fmt, title = w.fmt, w.title
    ws = w.sheet(name)
    cols = file_cols(status, who)
    _title(ws, f"{title}：{name}", len(cols), fmt)
    rows = [
        {**r, "_no": n}
        for n, r in enumerate(_typed([f for f in w.data.files if f["status"] == status]), 1)
    ]
    _table(ws, fmt, 1, cols, rows)
    w.keep(name, rows, "files")
    _landscape(ws, title, 1)
    ws.fit_to_pages(1, 0)
    if not rows:  # nothing to read or print: the sheet stays, for machines, hidden
        ws.hide()


def _subject_key(rec: Mapping[str, Any], spec: FormSpec) -> str:
    """Who a record is about, across periods: its unit and subject, as supersession says."""
    unit = str(rec.get(spec.roles.unit or "") or "")
    subject = str(rec.get(spec.roles.subject or "") or "")
    return name_key(unit, subject) or f"file:{rec.get('_file')}"


def _period_name(key: Sequence[int], spec: FormSpec) -> str:
    return period_text(dict(zip(spec.roles.period, period_values(key, spec), strict=False)), spec)


def comparisons(data: SummaryData, spec: FormSpec) -> list[dict[str, Any]]:
    """One row per total of the layout: the period's total and, for the fields the layout
    compares, the total of the period before (环比) and of the same period a year earlier
    (同比) with the growth in percent (two decimals).

    A growth compares like with like: the subjects with a usable value (present, without
    an error) in both periods; the row's note names the others and why (no file for that
    period, or a value left out), and says when the comparison period has no file at all.
    """
    s = spec.summary
    now = period_key(dict(zip(spec.roles.period, data.period or (), strict=False)), spec)
    compare = s.compare
    by_period: dict[tuple[int, ...], dict[str, Mapping[str, Any]]] = defaultdict(dict)
    for rec in [*data.applications, *data.others]:
        k = period_key(rec, spec)
        if k is not None:
            by_period[k][_subject_key(rec, spec)] = rec
    current = {_subject_key(r, spec): r for r in data.applications}
    item = s.item
    rows = []
    for f in s.totals:
        f_spec = spec.field(f)
        row: dict[str, Any] = {
            "name": label(spec, f),
            "key": f,
            "unit": f_spec.unit or "",
            "now": total(data.applications, f),
            "count": sum(1 for r in data.applications if usable(r, f) is not None),
        }
        notes = []
        for kind, fields, what in (
            ("previous", compare.previous if compare else (), "环比"),
            ("year_ago", compare.year_ago if compare else (), "同比"),
        ):
            if f not in fields or now is None or len(now) < len(spec.roles.period):
                continue
            target = shift(now, spec, steps=1) if kind == "previous" else shift(now, spec, years=1)
            if target is None:
                notes.append(f"{what}：不知上一期，未计算")
                continue
            shown = _period_name(target, spec)
            before = by_period.get(target, {})
            if not before:
                notes.append(f"{what}：缺{shown}的报表，未计算")
                continue
            pairs, missing, doubtful = [], [], []
            for key, rec in current.items():
                other = before.get(key)
                subject = str(rec.get(spec.roles.subject or "") or rec.get("_file"))
                if other is None:
                    missing.append(subject)
                elif usable(rec, f) is None or usable(other, f) is None:
                    doubtful.append(subject)
                else:
                    pairs.append((usable(rec, f) or 0.0, usable(other, f) or 0.0))
            then = round(sum(b for _a, b in pairs), 4)
            row[f"{kind}_total"] = then if pairs else None
            row[kind] = (
                round((sum(a for a, _b in pairs) / then - 1) * 100, 2) if pairs and then else None
            )
            parts = []
            if missing:
                parts.append(f"缺{shown}报表：{'、'.join(missing)}")
            if doubtful:
                parts.append(f"数值有错误或空白：{'、'.join(doubtful)}")
            if pairs and not then:
                parts.append(f"{shown}合计为 0")
            if parts:
                notes.append(f"{what}只比 {len(pairs)} 个{item}，不含" + "；".join(parts))
        row["note"] = "；".join(notes)
        rows.append(row)
    return rows


def not_reported(data: SummaryData, spec: FormSpec) -> str:
    """The subjects with a file of another period but none of this one, in words ("" when
    none): a base that stopped reporting is named, never silently absent."""
    now = {_subject_key(r, spec) for r in data.applications}
    last: dict[str, Mapping[str, Any]] = {}
    for rec in data.others:  # sorted by period: the latest stays
        key = _subject_key(rec, spec)
        if key not in now:
            last[key] = rec
    if not last:
        return ""
    names = "、".join(
        f"{r.get(spec.roles.subject or '') or r.get('_file')}"
        f"（{r.get(spec.roles.unit or '') or ''}，"
        f"报表最近的期间：{r.get('_period') or period_text(r, spec)}）"
        for r in last.values()
    )
    return f"本期未报送、其他期间有报表的{spec.summary.item} {len(last)} 个：{names}。"


def series(
    records: Iterable[Mapping[str, Any]], spec: FormSpec, keys: Sequence[str]
) -> list[dict[str, Any]]:
    """Totals of `keys` per period present, in time order (values with errors left out)."""
    groups: dict[tuple[int, ...], list[Mapping[str, Any]]] = defaultdict(list)
    for rec in records:
        k = period_key(rec, spec)
        if k is not None and len(k) == len(spec.roles.period):
            groups[k].append(rec)
    out = [
        {"name": _period_name(k, spec), "count": len(g), **{f: total(g, f) for f in keys}}
        for k, g in sorted(groups.items())
    ]
    # a period with no file at all between two that have one is shown, empty and named,
    # never skipped: the series would otherwise join its neighbours as if it were not due
    last = spec.field(spec.roles.period[-1]) if spec.roles.period else None
    if len(groups) < 2 or last is None or not last.choices or len(spec.roles.period) != 2:
        return out
    n = len(last.choices)
    first, end = min(groups), max(groups)
    filled, at = [], first
    by_key = dict(zip(sorted(groups), out, strict=True))
    while at <= end:
        filled.append(
            by_key.get(at)
            or {"name": f"{_period_name(at, spec)}（无报表）", "count": 0, **dict.fromkeys(keys)}
        )
        at = (at[0] + 1, 1) if at[1] >= n else (at[0], at[1] + 1)
    return filled


def _compare_sheet(w: Writer) -> None:
    """合计与比较: the period's totals, 环比 and 同比 (one A4 landscape page)."""
    fmt, spec = w.fmt, w.spec
    ws = w.sheet("合计与比较")
    who = "全国" if w.national else (w.data.unit or "")
    cols = [
        Col("name", "指标", "text", width=34),
        Col("now", f"{who}本期合计", "decimal", width=12),
        Col("count", f"计入{spec.summary.item}数", "integer", width=7),
        Col("previous_total", "上期可比合计", "decimal", width=12),
        Col("previous", "环比(%)", "percent", "%", width=8),
        Col("year_ago_total", "上年同期可比合计", "decimal", width=12),
        Col("year_ago", "同比(%)", "percent", "%", width=8),
        Col("note", "说明", "text", width=52),
    ]
    _title(ws, f"{w.title}：合计、环比与同比", len(cols), fmt)
    rows = comparisons(w.data, spec)
    # amounts, then counts (printed without decimals)
    amounts = [r for r in rows if spec.field(r["key"]).type != "integer"]
    counts = [r for r in rows if spec.field(r["key"]).type == "integer"]
    last = _table(ws, fmt, 1, cols, amounts, header_height=30)
    if counts:
        whole = [
            Col(c.key, c.header, "integer" if c.kind == "decimal" else c.kind, c.unit, c.width)
            for c in cols
        ]
        last = _table(ws, fmt, last + 1, whole, counts, header_height=30)
        ws.freeze_panes(2, 1)
    text = excluded_summary(w.data.applications, list(spec.summary.totals), spec) or (
        f"合计包含全部{spec.summary.item}的数值（无错误数值）。"
    )
    note = (
        "合计、环比、同比只计入没有错误的数值；环比、同比由本表各期间的报表重新计算，"
        "只比较两期都有数值的"
        + spec.summary.item
        + "（说明列写明未比较的及原因）。"
        + text
        + not_reported(w.data, spec)
    )
    wrap = fmt(italic=True, text_wrap=True, valign="top", font_color="#404040")
    ws.merge_range(last + 1, 0, last + 1, len(cols) - 1, note, wrap)
    ws.set_row(last + 1, _LINE_HEIGHT * wrapped_lines(note, sum(c.width for c in cols)) + 2)
    _landscape(ws, w.title, 1)
    ws.fit_to_pages(1, 1)  # one table of the period's figures: one page


def _unit_sheet(w: Writer) -> None:
    """The national view: every reporting unit (those that sent nothing too) and every
    region, with the layout's unit_table totals."""
    fmt, spec, data, reference = w.fmt, w.spec, w.data, w.reference
    ws = w.sheet(f"按{spec.roles.unit_label}")
    keys = list(spec.summary.unit_table)
    totals = [_total_col(spec, k, 13) for k in keys]
    unit_key = spec.roles.unit or ""
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for a in data.applications:
        known = reference.unit(str(a.get(unit_key) or ""))
        groups[known.name if known else str(a.get(unit_key) or "（未填）")].append(a)
    rows: list[dict[str, Any]] = []
    for unit in reference.units:
        members = groups.pop(unit.name, [])
        source = data.reported.get(unit.name)
        rows.append(
            {
                "name": unit.name,
                "region": unit.region,
                "count": len(members),
                # a unit that sent nothing has no figures (blank, not 0)
                **({k: total(members, k) for k in keys} if members else {}),
                "reported": f"已报送：{source}" if source else ("已报送" if members else "未报送"),
            }
        )
    for name, members in sorted(groups.items()):  # a unit the reference data does not know
        rows.append({"name": name, "region": "", "count": len(members)})
        rows[-1].update({k: total(members, k) for k in keys})
    cols = [
        Col("name", spec.roles.unit_label, "text", width=14),
        Col("region", "地区", "text", width=6),
        Col("count", f"{spec.summary.item}数", "integer", width=6),
        *totals,
        Col("reported", "报送情况", "text", width=22),
    ]
    _title(ws, f"{w.title}：按{spec.roles.unit_label}、按地区", len(cols), fmt)
    last = _table_plain(ws, fmt, 1, cols, rows, header_height=44)
    ws.conditional_format(
        2,
        len(cols) - 1,
        last,
        len(cols) - 1,
        {
            "type": "cell",
            "criteria": "==",
            "value": '"未报送"',
            "format": fmt(bg_color="#FFC7CE", border=1),
        },
    )
    row = _excluded_line(ws, fmt, last + 1, data.applications, keys, spec, cols) + 1
    ws.write_string(row, 0, "按地区", fmt(bold=True))
    region_cols = [Col("name", "地区", "text", width=14), cols[2], *totals]
    last = _table_plain(
        ws,
        fmt,
        row + 1,
        region_cols,
        _group_rows(data.applications, "_region", keys, regions(reference), verdicts=False),
        header_height=44,
    )
    _landscape(ws, w.title, 1)
    ws.fit_to_pages(1, 0)
    del last


def _rows_sheet(w: Writer, t: Table) -> None:
    """A repeatable table of the form (the key enterprises), every subject's rows."""
    fmt, spec = w.fmt, w.spec
    ws = w.sheet(t.label)
    cols = table_columns(spec, t)
    rows = [{**r, "_no": n} for n, r in enumerate(w.data.tables.get(t.id, []), start=1)]
    _title(ws, f"{w.title}：{t.label}", len(cols), fmt)
    _table(ws, fmt, 1, cols, rows)
    _landscape(ws, w.title, 1)
    ws.fit_to_pages(1, 0)


def table_columns(spec: FormSpec, t: Table) -> list[Col]:
    """The columns of a table's own sheet (the roll-up reads it back with them)."""
    kinds: dict[str, Kind] = {"decimal": "decimal", "integer": "integer", "percent": "percent"}
    return [
        Col("_no", "序号", "integer", width=4.5),
        Col("_unit", spec.roles.unit_label, "text", width=8),
        Col("_subject", spec.roles.subject_label, "text", width=20),
        *(
            Col(
                c.id,
                f"{c.label}({c.unit})" if c.unit and c.unit not in c.label else c.label,
                "bool" if c.type == "yesno" else kinds.get(c.type, "text"),
                c.unit,
                20 if c.type == "text" else 6 if c.type == "yesno" else 10,
            )
            for c in t.columns
            if not c.fixed
        ),
        Col("_problems", "问题（错误、警告）", "text", width=24),
    ]


# a landscape A4 page's printable height, and a 300-pixel chart's, in points
_PAGE_POINTS, _CHART_POINTS = 490.0, 235.0


def _table_points(
    cols: Sequence[Col],
    rows: Sequence[Mapping[str, Any]],
    counted: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    spec: FormSpec,
) -> float:
    """The height a chart's title, table and the line under it print at (as
    `_table_plain` and `_excluded_line` lay them out)."""
    text = excluded_summary(counted, keys, spec)
    lines = wrapped_lines(text, sum(max(c.width, 10) for c in cols)) if text else 1
    head = max(wrapped_lines(c.header, max(c.width, 10) - 1) for c in cols)
    return 20 + max(30, _LINE_HEIGHT * head + 4) + 15 * len(rows) + _LINE_HEIGHT * lines + 2


def _chart_sheet(w: Writer) -> None:
    """图表: each of the layout's charts over its data, one under the other; values with
    errors are not counted (the chart shows what the totals count)."""
    fmt, spec, data = w.fmt, w.spec, w.data
    ws = w.sheet("图表")
    row = 0
    breaks = []
    for chart_spec in spec.summary.charts:
        if row:
            breaks.append(row)  # each chart on a page of its own
        keys = list(chart_spec.series)
        if chart_spec.category == "period":
            head = "期间"
            rows = series([*data.applications, *data.others], spec, keys)
        elif chart_spec.category == "unit":
            head = spec.roles.unit_label
            rows = _group_rows(data.applications, spec.roles.unit or "", keys, verdicts=False)[:-1]
        else:
            head = spec.roles.subject_label
            rows = [
                {"name": a.get(spec.roles.subject or ""), **{k: usable(a, k) for k in keys}}
                for a in data.applications
            ]
        ws.write_string(row, 0, chart_spec.title, fmt(bold=True, font_size=12))
        cols = [Col("name", head, "text", width=24), *(_total_col(spec, k, 18) for k in keys)]
        last = _table_plain(ws, fmt, row + 1, cols, rows)
        counted = [*data.applications, *data.others]
        if chart_spec.category != "period":
            counted = data.applications
        below = _excluded_line(ws, fmt, last + 1, counted, keys, spec, cols) - 1
        if rows:
            chart = w.wb.add_chart({"type": chart_spec.kind})
            for j, _k in enumerate(keys, start=1):
                chart.add_series(
                    {
                        "name": ["图表", row + 1, j],
                        "categories": ["图表", row + 2, 0, last, 0],
                        "values": ["图表", row + 2, j, last, j],
                        **({"marker": {"type": "circle"}} if chart_spec.kind == "line" else {}),
                    }
                )
            chart.set_title({"name": chart_spec.title})
            chart.set_y_axis({"name": chart_spec.axis})
            chart.set_legend({"position": "bottom"})
            chart.set_size({"width": 640, "height": 300})
            if _table_points(cols, rows, counted, keys, spec) + _CHART_POINTS > _PAGE_POINTS:
                breaks.append(below + 1)  # table and chart not on one page: the chart whole
            ws.insert_chart(below + 1, 0, chart, {"x_offset": 4, "y_offset": 6})
            row = below + 18
        else:
            ws.write_string(below + 1, 0, "没有可画的数据。")
            row = below + 3
    ws.set_column(0, 0, 24)
    ws.set_column(3, 6, 10)
    ws.set_h_pagebreaks(breaks)
    ws.print_area(0, 0, max(row, 1), 6)
    _landscape(ws, w.title, None)  # each chart has its own title
    ws.fit_to_pages(1, 0)


def _notes_sheet(w: Writer) -> None:
    fmt, data, spec, title, national = w.fmt, w.data, w.spec, w.title, w.national
    ws = w.sheet("说明")
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 90)
    bold, wrap = fmt(bold=True), fmt(text_wrap=True)
    total_files = len(data.files)
    roles = spec.roles
    period = f"{data.year} 年{period_words(data.period)}"
    counted = (
        f"汇总 {data.count('汇总')} 个"
        if not data.others
        else f"汇总 {data.count('汇总') - len(data.others)} 个 + 其他期间 {len(data.others)} 个"
        "（列入明细，用于环比、同比和趋势）"
    )
    lines: list[tuple[str, str]] = [
        ("汇总表", title),
        (spec.year_label, period),
        (roles.unit_label, data.unit or ("全国" if national else "（未指定）")),
        ("表单", f"{spec.render(spec.title, data.year)}（版本 {spec.version}）"),
        (
            "文件数",
            # the roll-up's inputs are the provinces' summaries: its own accounting
            f"输入 {total_files} 份汇总表 = 采用 {data.count('汇总')} 份"
            f" + 重复 {data.count('重复')} 份 + 未采用 {data.count('未受理')} 份；"
            f"采用的汇总表中 {len(data.applications)} 个{spec.summary.item}"
            + (f"（另有其他期间 {len(data.others)} 个列入明细）" if data.others else "")
            if data.rolled_up
            else f"输入 {total_files} 个 = {counted} + 已替代 {data.count('已替代')} 个"
            f" + 重复 {data.count('重复')} 个 + 未受理 {data.count('未受理')} 个",
        ),
    ]
    if spec.summary.verdicts:
        lines.append(
            (
                "审核结论",
                "符合：全部条件满足且无错误；不符合：至少一项条件不满足；待补充材料：无不满足项，"
                "但有条件无法判断或有错误待更正；需人工判断：其余条件满足，但有条件通知未给出标准"
                "或判定所需的数据不详，须由推荐单位判断（在汇总表推荐意见中决定推荐即视为满足）。",
            )
        )
    lines += [
        (
            f"同一{roles.subject_label}多次报送",
            ("同一期间" if roles.period else "")
            + "以填报日期最晚者为准，填报日期较早的文件不会替代较晚的；填报日期相同而数据不同时"
            "暂以收到较晚者为准，并在问题清单中提示核实。逐字节相同或数据相同（另存、审核意见副本）"
            "的文件列入“重复文件”，只计一次；被替代的列入“已替代文件”。",
        ),
        (
            "合计口径",
            "合计、图表"
            + ("、环比和同比" if spec.summary.compare is not None else "")
            + "只计入没有错误的数值：某字段（或与之核对的字段）"
            f"有错误的，该数值在汇总表中以橙色标出并加批注“未计入合计”，各统计表下方列出未计入的{spec.summary.item}。",
        ),
    ]
    left_out = excluded_summary(data.applications, list(spec.summary.totals), spec)
    if left_out:
        lines.append(("未计入合计的数值", left_out))
    missing = not_reported(data, spec) if roles.period else ""
    if missing:
        lines.append(("本期未报送", missing))
    if national:
        lines.append(("汇总来源", "；".join(data.sources) or "（无）"))
    lines += data.notes
    # the reference data by what it holds (its files and each source's address are for
    # machines and docs/reference-data.md); the inputs by their names (paths: META_SHEET)
    lines.append(("参考数据", "推荐单位及所属地区、全国统计数据、汇率、既有基地（各项来源见本表）"))
    names = [Path(p).name or p for p in data.inputs]
    lines.append(("输入", "；".join(names) or "（无）"))
    hook = w.hook("summary_notes")
    if hook is not None:
        lines = hook(w, lines)
    ws.write_string(0, 0, title, fmt(bold=True, font_size=14))
    for i, (k, v) in enumerate(lines, start=2):
        ws.write_string(i, 0, k, bold)
        ws.write_string(i, 1, v, wrap)
        # Excel and LibreOffice do not grow a row for wrapped text written by a program
        lines_needed = max(1, -(-int(display_width(v)) // 88))
        if lines_needed > 1:
            ws.set_row(i, 14 * lines_needed + 2)
    ws.set_paper(9)
    ws.set_portrait()
    ws.set_header(f"&C{title}", {"margin": 0.3})
    ws.set_footer("&C第 &P 页，共 &N 页", {"margin": 0.3})
    ws.fit_to_pages(1, 0)


def generated_at(data: SummaryData) -> str:
    """When the summary stands: SOURCE_DATE_EPOCH (reproducible builds) when set, else the
    latest time one of its inputs was received (SummaryData.generated), else "" (no input).
    Never the clock: two runs on the same inputs write the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).isoformat(timespec="seconds")
    return data.generated or ""


def _meta_sheet(
    wb: Workbook,
    data: SummaryData,
    form_id: str,
    machine: Sequence[tuple[str, int, Mapping[str, Any]]] = (),
) -> None:
    """Very hidden: what this workbook is, so `formkit rollup` can recognise it (A:B, each
    value under a defined name), and the machine columns of the table sheets (codes,
    SHA-256), from column D, one row per (sheet, 序号): what a machine reads and a person
    never needs to."""
    meta = wb.add_worksheet(META_SHEET, _SummarySheet)
    rows = [
        ("formkit_summary_kind", SUMMARY_KIND),
        ("formkit_version", __version__),
        ("formkit_year", data.year),
        ("formkit_unit", data.unit or ""),
        ("formkit_form_id", form_id),
        # the roll-up keeps the later of two summaries of one unit
        ("formkit_generated", generated_at(data)),
    ]
    if data.period:  # a periodic form's period, its fields' values joined by "/"
        rows.append(("formkit_period", "/".join(str(v) for v in data.period)))
    # the inputs as given (paths); 说明 names them by their names only
    rows.append(("formkit_inputs", "\n".join(data.inputs)))
    table = [
        MACHINE_HEADER,
        *((sheet, n, *(v.get(k) for k in MACHINE_HEADER[2:])) for sheet, n, v in machine),
    ]
    for i in range(max(len(rows), len(table))):
        if i < len(rows):
            name, value = rows[i]
            meta.write_string(i, 0, name)
            _put(meta, i, 1, value, None, "integer")
            wb.define_name(name, f"={META_SHEET}!$B${i + 1}")
        if i < len(table):
            for j, value in enumerate(table[i]):
                _put(meta, i, MACHINE_COL + j, value, None, "integer")
    meta.very_hidden()


def label(spec: FormSpec, key: str | None) -> str:
    """A field as summaries name it: its column label where the spec gives one (the
    quarterly report's 本季度出口额(万美元) / 累计出口额(万美元)), else its label."""
    if not key:
        return ""
    try:
        return spec.field(key).header
    except KeyError:
        return key


# what a form's summary hooks write with (formkit/forms/<form>/summary.py)
table = _table
plain_table = _table_plain
sheet_title = _title
landscape = _landscape
excluded_line = _excluded_line
put = _put


def write(path: str | Path, data: SummaryData, **options: Any) -> Path:
    write_bytes_atomic(path, build(data, **options))
    return Path(path)
