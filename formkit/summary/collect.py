"""Checked files -> SummaryData: which file counts for each subject (formkit.supersession,
the rule the ledger uses too), their summary records, the issue rows of 问题清单, and the
fate of every other file. A periodic form's rules across periods run here; what they find
is returned in `SummaryData.across`, the files' own results are left as they are."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from formkit.forms import UnknownForm, form_of, get_form, load_form_spec
from formkit.issues import CATALOGUE, Issue, where_zh, with_fix
from formkit.read.submission import Submission
from formkit.records import SummaryRecord, iso, record, sort_key, unit_order
from formkit.reference import Reference, load_reference
from formkit.spec import FormSpec
from formkit.summary.kit import SummaryData
from formkit.summary.periods import period_key, period_text, period_values
from formkit.supersession import (
    DISPOSITION_ZH,
    Candidate,
    candidate,
    conflict_message,
    decide,
    name_key,
)

SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


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
        self.spec = spec or load_form_spec()
        self.reference = reference or load_reference()
        self.load = load
        # files of another reporting unit, known as they were added: handle -> (unit, the
        # file row's applicant and date)
        self.elsewhere: dict[str, tuple[str, dict[str, Any]]] = {}
        self.years: list[int] = []
        # issue rows by file handle: a file left out (other unit) takes its issues with it
        self.issues: list[tuple[str, dict[str, Any]]] = []
        # every input in order: (file row, record or None for a rejected file, candidate)
        self.entries: list[tuple[dict[str, Any], SummaryRecord | None, Candidate]] = []
        # files of another form: listed 未受理, never compared with this form's
        self.other_form: set[str] = set()
        # a form with rules across periods (Form.across): its accepted files, until finish
        self.across = form_of(self.spec).across
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
        file = os.path.basename(sub.file)
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
        rec.file = file
        if self.across is not None and self.load is None:
            self.subs[cand.handle] = sub
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
                    # the label is a noun (推荐单位, 所在省): "不属于本所在省" would not read
                    detail=f"{spec.roles.unit_label}为{foreign[cand.handle]}，不属于本汇总",
                )
            elif d is None or d.disposition == "rejected" or rec is None:
                if rec is None and d is not None and d.disposition == "duplicate":
                    row.update(status="重复", code="duplicate", detail=d.reason)
                data.files.append(row)
                continue
            elif d.disposition == "current":
                row.update(status="汇总", code="", detail="")
                current.append(rec)
                rec.handle = cand.handle
                if d.conflicts:
                    rec.conflict = conflict_message(row["file"], [names[h] for h in d.conflicts])
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
            data.issues += self._across(current, data)
        for rec in current:
            if rec.conflict:
                data.issues.append(
                    {
                        "file": rec.file,
                        "applicant": str(rec.get(spec.roles.subject or "") or ""),
                        "sheet": "",
                        "cell": "",
                        "severity": SEVERITY_ZH["warning"],
                        "code": "version_conflict",
                        "message": rec.conflict,
                    }
                )
        # the form's review across one unit's applications (申报书: 六(二)(2) by rank)
        hook = form_of(spec).summary.unit_review
        for code in dict.fromkeys(r.unit_code for r in current if r.unit_code):
            members = [r for r in current if r.unit_code == code]
            updates = hook(members, self.reference, self.reference.unit(code)) if hook else []
            for rec, update in zip(members, updates, strict=False):
                settle = update.pop("_settle_issue", None)
                added = update.pop("_add_issues", None) or []
                rec.update(update)
                for one in [settle] if isinstance(settle, Mapping) else settle or []:
                    data.issues = _settled(data.issues, rec.file or "", one)
                data.issues += [
                    {
                        "file": rec.file,
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
            rec.no = n
        data.applications = current
        for t in spec.summary.tables:
            data.tables[t] = [
                {
                    **r,
                    "_subject": rec.get(spec.roles.subject or ""),
                    "_unit": rec.get(spec.roles.unit or ""),
                }
                for rec in current
                for r in rec.rows(t)
            ]
        return data

    def _across(self, current: list[SummaryRecord], data: SummaryData) -> list[dict[str, Any]]:
        """The form's rules across one subject's periods (Form.across) over the current
        files: what they found goes to `data.across` and its 问题清单 rows are returned; a
        value they call wrong leaves the totals as a within-file error does."""
        assert self.across is not None
        spec = self.spec
        by_subject: dict[str, list[SummaryRecord]] = defaultdict(list)
        if self.load is not None:  # the members' Submissions, one subject at a time
            load = self.load
            self.subs = {}
        for rec in current:
            key = name_key(
                str(rec.get(spec.roles.unit or "") or ""),
                str(rec.get(spec.roles.subject or "") or ""),
            )
            by_subject[key or rec.handle or ""].append(rec)
        rows: list[dict[str, Any]] = []
        for members in by_subject.values():
            if self.load is not None:
                self.subs = {m.handle: load(m.handle) for m in members if m.handle}
            known = [(m, self.subs[m.handle]) for m in members if m.handle in self.subs]
            subs = {id(sub): m for m, sub in known}
            history = [sub for _m, sub in known]
            found = self.across(history, self.reference)
            data.across += found
            for sub, issue in found:
                rows.append(
                    {
                        "file": os.path.basename(sub.file),
                        "applicant": str(sub.values.get(spec.roles.subject or "") or ""),
                        "sheet": issue.sheet or "",
                        "cell": issue.cell or "",
                        "severity": SEVERITY_ZH[issue.severity],
                        "code": issue.code,
                        "message": issue.message,
                    }
                )
            mine: dict[int, list[Issue]] = defaultdict(list)
            for sub, issue in found:
                mine[id(sub)].append(issue)
            for sub in {id(s): s for s, _i in found}.values():
                rec = subs[id(sub)]
                # the record as it would be with those issues among the file's own
                seen = dataclasses.replace(sub, issues=(*sub.issues, *mine[id(sub)]))
                fresh = record(seen, spec, self.reference)
                for key in ("_excluded", "_excluded_text", "_errors", "_warnings"):
                    rec[key] = fresh[key]
        return rows

    def _periods(
        self,
        data: SummaryData,
        current: list[SummaryRecord],
        year: int,
        period: Sequence[Any] | None,
    ) -> list[SummaryRecord]:
        """The records of the period summarised; the others go to data.others."""
        spec = self.spec
        full = len(spec.roles.period)
        given = period_key(dict(zip(spec.roles.period, period or (), strict=False)), spec) or ()
        keyed = []
        for rec in current:
            rec.period = period_text(rec, spec)
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


def _form_title(form_id: str, sub: Submission) -> str:

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
