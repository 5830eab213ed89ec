"""The register of recognised bases (formkit bases): who the ministry recognised, and what
became of them.

通知六(三): the ministry approves the recommended bases ("商务部在5月底前办理完相关核准事宜"),
then the provinces "建立对出口创新基地项目动态跟踪、定期评估和信息上报制度"; 一 aims at 100 bases
"建设完善和动态调整". The register holds each recognised base (a stable id; name, reporting
unit, 所在地级市, field; 新认定 or 重新认定 of a named national base; year and batch) with its
status history: 认定, 调整, 撤销, each with the day it takes effect, the decision and the reason.
A base's status on a day is read from that history, never stored apart from it.

It is built from the ministry's decisions: the national roll-up's 核准结论 column (formkit
rollup writes it editable; `from_rollup` reads it back as `formkit recommend` reads the
province's 推荐 columns), or a list the ministry publishes (`from_list`, .xlsx or .csv). It is
exported as a workbook a person reads and edits (`register_workbook`: new 调整 and 撤销 rows
on 状态变更) and read back (`read_changes`). It feeds the rounds: the report forms' rosters
(`roster_rows`: the bases 在册 during a period) and the next application round's existing
bases (`reference_override`: a --reference file adding the bases 在册 on a day to the bundled
national bases; a 撤销 base is no base).

Kept in the ledger (schema version 7: tables `bases` and `base_events`). Which application
fields give a base's field and how it was recognised is the form's `[register]`; its unit,
name and locality are the form's roles. This module names no field of any form.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from formkit import __version__
from formkit.distribute import (
    Period,
    RosterError,
    RosterRow,
    applicant_key,
    period_end,
    read_table,
    short_label,
)
from formkit.forms import UnknownForm, form_ids, get_form
from formkit.ledger import Ledger
from formkit.parse import ParseError, parse_date
from formkit.read.book import Book
from formkit.reference import ExistingBase, Reference
from formkit.rollup import SUMMARY_BOUNDS, NotASummary, read_summary, summary_form
from formkit.spec import FormSpec
from formkit.spec.model import RECOGNITIONS
from formkit.summary import APPROVALS, APPS_SHEET, HEADER_ROW

IN_REGISTER, REVOKED = "在册", "撤销"
RECOGNISE, ADJUST, REVOKE = "认定", "调整", "撤销"
EVENT_KINDS = (RECOGNISE, ADJUST, REVOKE)
NEW_BASE, RECERTIFIED = RECOGNITIONS  # 新认定, 重新认定
# what the register's bases are called among the reference's existing bases
BASE_TYPE = "科技兴贸出口创新基地"
# what an 调整 may change, and how the register workbook heads it
ADJUSTABLE = {"name": "基地名称", "locality": "所在地级市", "domain": "重点领域"}
REGISTER_KIND = "bases-register"
REGISTER_SHEET, CHANGES_SHEET, META_SHEET = "基地名册", "状态变更", "formkit"
BLANK_CHANGE_ROWS = 30  # yellow rows for new 调整 / 撤销 on 状态变更

_YES = {"核准", "同意", "认定", "是", "√", "✓", "Y", "y"}
_NO = {"不予核准", "不核准", "不同意", "不认定", "否", "×", "✗", "N", "n"}


class RegisterError(ValueError):
    """Input the register cannot take; `problems` are Chinese sentences naming the rows.
    Nothing of that input was recorded."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Event:
    """One entry of a base's status history."""

    kind: str  # 认定 / 调整 / 撤销
    date: dt.date  # the day it takes effect
    decision: str  # who decided, and the document
    reason: str = ""
    # an 调整's changes: what (name / locality / domain) -> (before, after)
    changes: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    source: str = ""  # the file or command it was recorded from


@dataclass(frozen=True)
class Base:
    base_id: str
    unit: str
    unit_code: str
    name: str
    locality: str
    domain: str
    recognition: str  # 新认定 / 重新认定
    recertifies: str  # the national base a 重新认定 re-certifies ("" for 新认定)
    year: int
    batch: str
    origin: str
    values: Mapping[str, Any]  # the application's values its rosters use, by field id
    events: tuple[Event, ...] = ()

    @property
    def recognised_on(self) -> dt.date | None:
        return next((e.date for e in self.events if e.kind == RECOGNISE), None)

    def status_on(self, day: dt.date) -> str | None:
        """在册 or 撤销 after that day's decisions; None before it was recognised."""
        state = None
        for e in self.events:
            if e.date > day:
                break
            if e.kind == RECOGNISE:
                state = IN_REGISTER
            elif e.kind == REVOKE:
                state = REVOKED
        return state

    @property
    def status(self) -> str:
        """The status after every recorded decision."""
        return self.status_on(dt.date.max) or IN_REGISTER

    def listed_during(self, start: dt.date, end: dt.date) -> bool:
        """在册 on some day from `start` to `end`: a base revoked on the last day of a
        quarter still reports that quarter, and leaves the next one's roster."""
        if self.status_on(start) == IN_REGISTER:
            return True
        return any(e.kind == RECOGNISE and start < e.date <= end for e in self.events)

    def changed_on(self, start: dt.date, end: dt.date) -> list[Event]:
        return [e for e in self.events if start <= e.date <= end]

    @property
    def names(self) -> tuple[str, ...]:
        """Its name now and every name it had (reports keep coming under an old one)."""
        out = [self.name]
        for e in self.events:
            if "name" in e.changes:
                out += list(e.changes["name"])
        return tuple(dict.fromkeys(n for n in out if n))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.base_id,
            "name": self.name,
            "unit": self.unit,
            "unit_code": self.unit_code,
            "locality": self.locality,
            "domain": self.domain,
            "recognition": self.recognition,
            "recertifies": self.recertifies or None,
            "year": self.year,
            "batch": self.batch,
            "application": self.origin or None,
            "status": self.status,
            "events": [
                {
                    "kind": e.kind,
                    "date": e.date.isoformat(),
                    "decision": e.decision,
                    "reason": e.reason,
                    "changes": {k: list(v) for k, v in e.changes.items()},
                }
                for e in self.events
            ],
        }


@dataclass(frozen=True)
class Candidate:
    """A base the ministry recognised, as a roll-up row or a list line gives it."""

    unit: str
    unit_code: str
    name: str
    locality: str
    domain: str
    recognition: str
    recertifies: str
    year: int
    where: str  # the row, for messages ("全国汇总表序号 3")
    origin: str = ""
    batch: str = ""
    date: dt.date | None = None  # the list's own date, else the command's
    decision: str = ""  # the list's own document, else the command's
    reason: str = ""  # the ministry's 核准意见
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Decisions:
    """What a roll-up or list gives: bases to recognise, applications not approved, rows
    left undecided (blank 核准结论)."""

    approved: list[Candidate] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (who, 核准意见)
    undecided: list[str] = field(default_factory=list)
    form_id: str = ""
    year: int = 0


@dataclass
class Recorded:
    added: list[Base] = field(default_factory=list)
    known: list[Base] = field(default_factory=list)  # recorded by an earlier run


@dataclass(frozen=True)
class Change:
    """A new 调整, 撤销 or 认定 for a base, as the register workbook's 状态变更 gives it."""

    base_id: str
    kind: str
    date: dt.date
    decision: str
    reason: str
    changes: Mapping[str, str] = field(default_factory=dict)  # what -> the new value
    where: str = ""


def base_id(year: int, unit_code: str, name: str) -> str:
    """Stable: the same base recognised again from the same decisions has the same id."""
    digest = hashlib.sha256(f"{year}|{unit_code}|{applicant_key(name)}".encode()).hexdigest()
    return f"J{year}-{unit_code}-{digest[:6]}"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value in (None, ""):
        return None
    try:
        parsed = parse_date(value).value
    except ParseError:
        return None
    if isinstance(parsed, dt.datetime):
        return parsed.date()
    return parsed if isinstance(parsed, dt.date) else None


# ---------------------------------------------------------------- the register in the ledger


class Register:
    """The register kept in a ledger: `Register(ledger).bases(unit="四川省")`."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.db = ledger.db

    def bases(self, unit: str | None = None) -> list[Base]:
        """Every base (of one reporting unit: a province sees its own), by unit and name."""
        sql, args = "SELECT * FROM bases", []
        if unit is not None:
            sql, args = sql + " WHERE unit = ?", [unit]
        rows = self.db.execute(sql + " ORDER BY unit_code, year, name_key", args).fetchall()
        return [self._base(r) for r in rows]

    def base(self, base_id: str) -> Base | None:
        row = self.db.execute("SELECT * FROM bases WHERE base_id = ?", (base_id,)).fetchone()
        return None if row is None else self._base(row)

    def __len__(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM bases").fetchone()[0])

    def _base(self, r: Any) -> Base:
        events = tuple(
            Event(
                kind=e["kind"],
                date=dt.date.fromisoformat(e["date"]),
                decision=e["decision"],
                reason=e["reason"],
                changes={k: tuple(v) for k, v in json.loads(e["changes_json"]).items()},
                source=e["source"],
            )
            for e in self.db.execute(
                "SELECT * FROM base_events WHERE base_id = ? ORDER BY date, id", (r["base_id"],)
            )
        )
        return Base(
            base_id=r["base_id"],
            unit=r["unit"],
            unit_code=r["unit_code"],
            name=r["name"],
            locality=r["locality"] or "",
            domain=r["domain"] or "",
            recognition=r["recognition"],
            recertifies=r["recertifies"] or "",
            year=r["year"],
            batch=r["batch"] or "",
            origin=r["origin"] or "",
            values=json.loads(r["values_json"] or "{}"),
            events=events,
        )

    def recognise(
        self,
        candidates: Sequence[Candidate],
        *,
        date: dt.date | None,
        decision: str,
        batch: str = "",
        source: str = "",
    ) -> Recorded:
        """Record the ministry's recognition of each candidate (one transaction). A base
        recorded before from the same decision is left as it is (a rerun changes nothing);
        a candidate without a date (neither its own nor `date`) is refused with the rest."""
        problems = [
            f"{c.where}：{c.name} 没有认定日期（请用 --date 给出，如 2006-05-31）"
            for c in candidates
            if (c.date or date) is None
        ]
        if problems:
            raise RegisterError(problems)
        out = Recorded()
        now = _now()
        with self.ledger.transaction():
            for c in candidates:
                bid = base_id(c.year, c.unit_code, c.name)
                when = c.date or date
                assert when is not None
                said = c.decision or decision
                if self.base(bid) is None:
                    self.db.execute(
                        """INSERT INTO bases (base_id, unit, unit_code, name, name_key, locality,
                               domain, recognition, recertifies, year, batch, origin,
                               values_json, source, created, updated)
                           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                        (
                            bid,
                            c.unit,
                            c.unit_code,
                            c.name,
                            applicant_key(c.name),
                            c.locality or None,
                            c.domain or None,
                            c.recognition,
                            c.recertifies or None,
                            c.year,
                            c.batch or batch or None,
                            c.origin or None,
                            json.dumps(dict(c.values), ensure_ascii=False, sort_keys=True),
                            source,
                            now,
                            now,
                        ),
                    )
                before = self.db.execute(
                    "SELECT COUNT(*) FROM base_events WHERE base_id = ? AND kind = ?",
                    (bid, RECOGNISE),
                ).fetchone()[0]
                if before:
                    base = self.base(bid)
                    assert base is not None
                    out.known.append(base)
                    continue
                self._insert(bid, RECOGNISE, when, said, c.reason, {}, source, now)
                base = self.base(bid)
                assert base is not None
                out.added.append(base)
        return out

    def _insert(
        self,
        bid: str,
        kind: str,
        date: dt.date,
        decision: str,
        reason: str,
        changes: Mapping[str, tuple[str, str]],
        source: str,
        now: str,
    ) -> None:
        self.db.execute(
            "INSERT INTO base_events (base_id, kind, date, decision, reason, changes_json,"
            " source, recorded) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                bid,
                kind,
                date.isoformat(),
                decision,
                reason,
                json.dumps({k: list(v) for k, v in changes.items()}, ensure_ascii=False),
                source,
                now,
            ),
        )

    def apply(
        self, changes: Sequence[Change], *, source: str = "", unit: str | None = None
    ) -> tuple[list[Change], list[Change]]:
        """Record new 调整 / 撤销 / 认定 decisions: all or none. Returns (recorded, already
        recorded). A change that does not fit the base's history (a 撤销 of a base already
        撤销, a date before it was recognised, another unit's base when `unit` is given)
        raises RegisterError naming every such row; nothing is recorded then."""
        problems: list[str] = []
        new: list[Change] = []
        known: list[Change] = []
        # each base's history as it will be, the changes taken in date order
        pending: dict[str, Base] = {}
        for c in sorted(changes, key=lambda c: (c.date, c.where)):
            base = pending.get(c.base_id) or self.base(c.base_id)
            if base is None:
                problems.append(f"{c.where}：名册中没有基地编号“{c.base_id}”")
                continue
            if unit is not None and base.unit != unit:
                problems.append(f"{c.where}：{base.name}属于{base.unit}，不是{unit}的基地")
                continue
            same = next(
                (
                    e
                    for e in base.events
                    if (e.kind, e.date, e.decision) == (c.kind, c.date, c.decision)
                ),
                None,
            )
            if same is not None:
                if same.reason != c.reason and same.source != "pending":
                    problems.append(
                        f"{c.where}：已记入名册的{c.kind}（{c.date.isoformat()}，{c.decision}）"
                        "不能修改；如需更正，请另起一行写明新的决定"
                    )
                else:
                    known.append(c)
                continue
            problem = _misfit(base, c)
            if problem:
                problems.append(f"{c.where}：{problem}")
                continue
            before = {k: str(getattr(base, k)) for k in c.changes}
            event = Event(
                c.kind,
                c.date,
                c.decision,
                c.reason,
                {k: (before[k], v) for k, v in c.changes.items()},
                "pending",
            )
            pending[c.base_id] = replace(
                base,
                events=tuple(sorted((*base.events, event), key=lambda e: e.date)),
                name=c.changes.get("name", base.name),
                locality=c.changes.get("locality", base.locality),
                domain=c.changes.get("domain", base.domain),
            )
            new.append(c)
        problems += _name_clashes(self, pending)
        if problems:
            raise RegisterError(problems)
        now = _now()
        with self.ledger.transaction():
            for c in new:
                base = self.base(c.base_id)
                assert base is not None
                before = {k: str(getattr(base, k)) for k in c.changes}
                self._insert(
                    c.base_id,
                    c.kind,
                    c.date,
                    c.decision,
                    c.reason,
                    {k: (before[k], v) for k, v in c.changes.items()},
                    source,
                    now,
                )
                if c.changes:
                    sets = {**c.changes}
                    if "name" in sets:
                        sets["name_key"] = applicant_key(sets["name"])
                    assign = ", ".join(f"{k} = ?" for k in sets)
                    self.db.execute(
                        f"UPDATE bases SET {assign}, updated = ? WHERE base_id = ?",
                        (*sets.values(), now, c.base_id),
                    )
        return new, known


def _misfit(base: Base, c: Change) -> str:
    """Why a change does not fit a base's history, or ""."""
    if c.kind not in EVENT_KINDS:
        return f"变更应为{'、'.join(EVENT_KINDS)}之一，不是“{c.kind}”"
    if not c.decision:
        return "请写明决定（决定单位和文件，如“商务部 商技函〔2007〕号”）"
    if not c.reason:
        return f"请写明{c.kind}的理由"
    first = base.recognised_on
    if first is not None and c.date < first:
        return f"日期 {c.date.isoformat()} 早于{base.name}的认定日期 {first.isoformat()}"
    state = base.status_on(c.date)
    if c.kind in (ADJUST, REVOKE) and state != IN_REGISTER:
        return f"{base.name}在 {c.date.isoformat()} 不在册（{state or '尚未认定'}），不能{c.kind}"
    if c.kind == RECOGNISE and state != REVOKED:
        return f"{base.name}在 {c.date.isoformat()} 仍在册，不需要再认定"
    if c.kind != ADJUST and c.changes:
        return f"只有调整才能改变{'、'.join(ADJUSTABLE[k] for k in c.changes)}"
    if any(not v for v in c.changes.values()):
        return "调整后的内容不能为空"
    return ""


def _name_clashes(register: Register, pending: Mapping[str, Base]) -> list[str]:
    """A renamed base may not take the name of another base of its unit."""
    out = []
    for b in pending.values():
        for other in register.bases(b.unit):
            if other.base_id != b.base_id and applicant_key(other.name) == applicant_key(b.name):
                out.append(f"{b.base_id}：调整后的名称“{b.name}”与{other.base_id}相同")
    return out


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


# ---------------------------------------------------------------- from the ministry's decisions


def _feed_fields(app_form: str) -> tuple[str, ...]:
    """The application fields a report form's roster takes from it ([roster] from_application
    of the forms whose source_form is `app_form`): the register keeps them for the rosters."""
    out: list[str] = []
    for fid in form_ids():
        roster = get_form(fid).spec.roster
        if roster.from_application and roster.source_form == app_form:
            out += roster.from_application.values()
    return tuple(dict.fromkeys(out))


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()[:10]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _candidate(
    rec: Mapping[str, Any],
    spec: FormSpec,
    reference: Reference,
    year: int,
    where: str,
) -> Candidate | str:
    """A recognised application's base, or why it cannot be one."""
    roles, reg = spec.roles, spec.register
    assert reg is not None
    unit = reference.unit(_text(rec.get(roles.unit)))
    if unit is None:
        return f"{where}：{roles.unit_label}“{_text(rec.get(roles.unit))}”不是参考数据中的单位"
    name = _text(rec.get(roles.subject))
    if not name:
        return f"{where}：没有{roles.subject_label}名称"
    raw = _text(rec.get(reg.recognition)) if reg.recognition else ""
    recognition = reg.recognition_values.get(raw) or (raw if raw in RECOGNITIONS else "")
    if not recognition:
        return f"{where}：{name} 的“{raw}”无法判断是新认定还是重新认定"
    recert = ""
    if recognition == RECERTIFIED:
        recert = "：".join(t for f in reg.recertifies if (t := _text(rec.get(f))))
    return Candidate(
        unit=unit.name,
        unit_code=unit.code,
        name=name,
        locality=_text(rec.get(roles.locality)) if roles.locality else "",
        domain=_text(rec.get(reg.domain)) if reg.domain else "",
        recognition=recognition,
        recertifies=recert,
        year=year,
        where=where,
        origin=_text(rec.get("_submission_id")),
        values={
            f: _plain(rec.get(f)) for f in _feed_fields(spec.id) if rec.get(f) not in (None, "")
        },
    )


def approval_of(value: Any) -> str | None:
    """核准结论 as a person wrote it -> 核准 / 不予核准; None for blank; raises ValueError."""
    text = _text(value)
    if not text:
        return None
    if text in _YES:
        return APPROVALS[0]
    if text in _NO:
        return APPROVALS[1]
    raise ValueError(text)


def from_rollup(path: str | os.PathLike[str], reference: Reference) -> Decisions:
    """The ministry's decisions on a national roll-up (formkit rollup) whose 核准结论 column
    it filled in (in Excel, WPS or LibreOffice). Raises RegisterError when the file is not
    such a roll-up, or a 核准结论 cannot be read (naming every such row)."""
    from formkit.read.xlsx import XlsxError, load_xlsx

    name = Path(path).name
    try:
        form_id = summary_form(path) or ""
        spec = get_form(form_id).spec
        meta, data = read_summary(path, form_id)
    except (NotASummary, UnknownForm) as exc:
        raise RegisterError([f"{name}：{exc}"]) from None
    if spec.register is None:
        raise RegisterError([f"{name}：{spec.file_name or spec.id}的汇总表不用于认定基地"])
    if meta.get("formkit_unit"):
        raise RegisterError(
            [f"{name}：是{meta['formkit_unit']}的省级汇总表；请用全国汇总表（formkit rollup）"]
        )
    try:
        book = load_xlsx(os.fspath(path), SUMMARY_BOUNDS)
    except XlsxError as exc:
        raise RegisterError([f"{name}：{exc}"]) from None
    shown = _header_rows(book, APPS_SHEET, ("序号", "核准结论", "核准意见"))
    if shown is None:
        raise RegisterError(
            [f"{name}：汇总表没有“核准结论”列，不是 formkit rollup 生成的全国汇总表"]
        )
    by_no = {_text(row.get("序号")): row for row, _ in shown}
    out = Decisions(form_id=spec.id, year=data.year)
    problems: list[str] = []
    who_label = spec.roles.subject_label
    for rec in data.applications:
        no = _text(rec.get("_no"))
        row = by_no.get(no, {})
        where = f"全国汇总表“汇总表”序号 {no}"
        who = _text(rec.get(spec.roles.subject)) or f"（未填{who_label}）"
        try:
            decision = approval_of(row.get("核准结论"))
        except ValueError as exc:
            problems.append(f"{where}（{who}）：核准结论“{exc}”无法识别，请填写“核准”或“不予核准”")
            continue
        note = _text(row.get("核准意见"))
        if decision is None:
            out.undecided.append(f"{where}：{who}")
        elif decision == APPROVALS[1]:
            out.refused.append((who, note))
        else:
            got = _candidate(rec, spec, reference, data.year, where)
            if isinstance(got, str):
                problems.append(got)
            else:
                out.approved.append(replace(got, reason=note))
    if problems:
        raise RegisterError(problems)
    return out


def _header_rows(
    book: Book, sheet_name: str, wanted: Sequence[str], header_row: int = HEADER_ROW
) -> list[tuple[dict[str, Any], int]] | None:
    """A sheet's rows below its header row as {header: value}, with their row numbers;
    None when a wanted header is missing."""
    sheet = book.sheet(sheet_name)
    if sheet is None:
        return None
    cols = {
        c: str(cell.value).strip()
        for (r, c), cell in sheet.cells.items()
        if r == header_row and isinstance(cell.value, str) and cell.value.strip() in wanted
    }
    if set(wanted) - set(cols.values()):
        return None
    rows: dict[int, dict[str, Any]] = {}
    for (r, c), cell in sheet.cells.items():
        if r > header_row and c in cols:
            rows.setdefault(r, {})[cols[c]] = cell.value
    return [(rows[r], r) for r in sorted(rows)]


# the headers a ministry's list may use, per register column (first found wins)
_LIST_HEADERS: dict[str, tuple[str, ...]] = {
    "unit": ("推荐单位", "所在省", "省份", "省（区、市）", "省(区、市)", "地区"),
    "name": ("基地名称", "出口创新基地名称", "申请单位全称", "申请单位", "名称"),
    "locality": ("所在地级市", "所在城市", "地级市", "城市"),
    "domain": ("重点领域", "领域", "产业领域"),
    "recognition": ("认定方式", "认定类型", "申报类型", "类型"),
    "recertifies": ("原基地", "原基地类型", "重新认定的基地"),
    "year": ("认定年度", "年度"),
    "batch": ("批次",),
    "date": ("认定日期", "核准日期", "日期"),
    "decision": ("文号", "认定文件", "决定"),
    "origin": ("申报书编号", "报送编号"),
}


def from_list(
    path: str | os.PathLike[str],
    reference: Reference,
    *,
    year: int | None = None,
    form_id: str = "kjxm-cxjd-shenbaoshu",
) -> Decisions:
    """A list the ministry publishes (.xlsx or .csv; a title line above the header is
    skipped): one base per line with its reporting unit and name, and where the list has
    them its locality, field, 认定方式 (新认定 / 重新认定, or the 申报书's 申报类型), 原基地, year,
    batch, date and document. Without a 认定方式 a line naming an 原基地 is a 重新认定.
    Raises RegisterError naming every line that cannot be read; nothing is taken then."""
    name = Path(path).name
    spec = get_form(form_id).spec
    try:
        table = read_table(Path(path))
    except RosterError as exc:
        raise RegisterError(exc.problems) from None
    except (OSError, ValueError) as exc:
        raise RegisterError([f"{name}：无法读取：{exc}"]) from None
    feed = {
        f: (spec.field(f).header, short_label(spec.field(f).label))
        for f in _feed_fields(spec.id)
        if f in spec.ids
    }
    headers = {**_LIST_HEADERS, **{f"value:{f}": h for f, h in feed.items()}}
    found = None
    for i, row in enumerate(table[:10]):
        cells = [_text(c) for c in row]
        at = {
            key: next((cells.index(h) for h in names if h in cells), None)
            for key, names in headers.items()
        }
        if at["unit"] is not None and at["name"] is not None:
            found = i, {k: v for k, v in at.items() if v is not None}
            break
    if found is None:
        raise RegisterError([f"{name}：找不到表头（需要“推荐单位”或“所在省”，以及“基地名称”两列）"])
    head, cols = found
    reg = spec.register
    assert reg is not None
    values_of = {v: k for k, v in reg.recognition_values.items()}
    out = Decisions(form_id=spec.id, year=year or 0)
    problems: list[str] = []
    for n, row in enumerate(table[head + 1 :], start=head + 2):

        def cell(key: str, row: Sequence[Any] = row) -> Any:
            j = cols.get(key)
            return row[j] if j is not None and j < len(row) else None

        if not any(_text(c) for c in row):
            continue
        where = f"{name} 第 {n} 行"
        row_year = cell("year")
        try:
            when = int(_text(row_year)[:4]) if _text(row_year) else year
        except ValueError:
            problems.append(f"{where}：认定年度“{_text(row_year)}”应为四位年份")
            continue
        if when is None:
            problems.append(f"{where}：没有认定年度（请在名单中给出或用 --year）")
            continue
        date = _day(cell("date"))
        if _text(cell("date")) and date is None:
            problems.append(f"{where}：认定日期“{_text(cell('date'))}”无法识别")
            continue
        recert_text = _text(cell("recertifies"))
        raw = _text(cell("recognition"))
        recognition = raw if raw in RECOGNITIONS else reg.recognition_values.get(raw, "")
        if not raw:
            recognition = RECERTIFIED if recert_text else NEW_BASE
        if not recognition:
            problems.append(f"{where}：认定方式“{raw}”应为新认定或重新认定")
            continue
        rec: dict[str, Any] = {
            spec.roles.unit: cell("unit"),
            spec.roles.subject: cell("name"),
            "_submission_id": cell("origin"),
        }
        if spec.roles.locality:
            rec[spec.roles.locality] = cell("locality")
        if reg.domain:
            rec[reg.domain] = cell("domain")
        if reg.recognition:
            rec[reg.recognition] = values_of.get(recognition, recognition)
        if reg.recertifies and recert_text:
            rec[reg.recertifies[0]] = recert_text
        for f in feed:
            if f"value:{f}" in cols:  # a contact the list gives
                rec[f] = cell(f"value:{f}")
        got = _candidate(rec, spec, reference, when, where)
        if isinstance(got, str):
            problems.append(got)
            continue
        out.approved.append(
            replace(
                got,
                batch=_text(cell("batch")),
                date=date,
                decision=_text(cell("decision")),
            )
        )
    if problems:
        raise RegisterError(problems)
    if not out.approved:
        raise RegisterError([f"{name}：名单中没有基地"])
    return out


# ---------------------------------------------------------------- feeding the rounds


def period_span(period: Period, spec: FormSpec) -> tuple[dt.date, dt.date]:
    """A period's first and last day (a year; the n-th of k parts of a year)."""
    year, month = period_end(period, spec)
    parts = len(spec.field(period.values[1][0]).choices) if len(period.values) > 1 else 1
    first_month = month - 12 // parts + 1
    last_day = (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
    return dt.date(year, first_month, 1), last_day


def listed(bases: Iterable[Base], start: dt.date, end: dt.date) -> list[Base]:
    return [b for b in bases if b.listed_during(start, end)]


def roster_rows(
    bases: Iterable[Base], form_id: str, period: Period, reference: Reference
) -> list[RosterRow]:
    """The roster of `form_id` (a report form) for one period: every base 在册 on some day
    of it, its columns filled as `formkit roster` fills them from an application (the
    form's [roster] from_application, read from the values the register kept), its name
    as the register has it now, its 申报书编号 (roles.origin) the application's id."""
    spec = get_form(form_id).spec
    start, end = period_span(period, spec)
    feed = spec.roster.from_application
    roles = spec.roles
    origin = roles.origin if roles.origin and spec.roster.column(roles.origin) else None
    rows = []
    for b in listed(bases, start, end):
        cells: dict[str, str | None] = {}
        for col in spec.roster.columns:
            src = feed.get(col.field)
            value = b.values.get(src) if src is not None else None
            cells[col.field] = None if value in (None, "") else str(value).strip()
        if origin is not None:
            cells[origin] = b.origin or None
        cells[roles.unit] = b.unit
        cells[roles.subject] = b.name
        rows.append((b, cells))
    rows.sort(key=lambda t: (t[0].unit_code, applicant_key(t[0].name)))
    return [
        RosterRow(i, b.unit, b.unit_code, b.name, cells, form_id, roles.unit)
        for i, (b, cells) in enumerate(rows, start=2)
    ]


def existing(bases: Iterable[Base], day: dt.date, reference: Reference) -> list[ExistingBase]:
    """The register's bases 在册 on `day`, as the reference lists existing bases."""
    return [
        ExistingBase(
            type=BASE_TYPE,
            unit=b.unit_code,
            place=b.name,
            source=f"基地名册：{b.year}年{b.recognition}（{b.base_id}），{day.isoformat()} 在册",
        )
        for b in bases
        if b.status_on(day) == IN_REGISTER
    ]


def with_register(reference: Reference, bases: Iterable[Base], day: dt.date) -> Reference:
    """The reference with the register's bases 在册 on `day` added to its existing bases:
    the next round's quota (通知六(三)) sees this year's new bases, and a 撤销 base as none."""
    mine = existing(bases, day, reference)
    b = reference.bases
    return replace(
        reference,
        bases=replace(
            b,
            bases=(*b.bases, *mine),
            complete={**b.complete, BASE_TYPE: True},
            notes={**b.notes, BASE_TYPE: _note(day)},
        ),
    )


def _note(day: dt.date) -> str:
    return f"基地名册中 {day.isoformat()} 在册的出口创新基地（已撤销的不计）"


def reference_override(bases: Iterable[Base], day: dt.date, reference: Reference) -> str:
    """A --reference file (TOML) adding the register's bases 在册 on `day` to the bundled
    national bases, for the next application round (`formkit summary/check/recommend
    --reference`)."""

    def s(text: str) -> str:  # a TOML basic string (JSON's escapes are TOML's)
        return json.dumps(text, ensure_ascii=False)

    lines = [
        f"# 基地名册中 {day.isoformat()} 在册的科技兴贸出口创新基地（formkit bases 生成）。",
        "# 用于下一年度申报的推荐名额（通知六(三)）：与内置的国家级出口基地一并作为既有基地；",
        "# 已撤销的基地不计。用法：formkit summary … --reference 本文件",
        "",
        "[bases.complete]",
        f"{s(BASE_TYPE)} = true",
        "",
        "[bases.notes]",
        f"{s(BASE_TYPE)} = {s(_note(day))}",
    ]
    for b in existing(bases, day, reference):
        lines += [
            "",
            "[[base]]",
            f"type = {s(b.type)}",
            f"unit = {s(b.unit)}",
            f"place = {s(b.place)}",
            f"source = {s(b.source)}",
        ]
    return "\n".join(lines) + "\n"


def base_for(
    bases: Sequence[Base], unit: str | None, subject: str | None, origin: str | None = None
) -> Base | None:
    """The base a report is about: by the application id it names, else by its unit and
    the base's name (now or before an 调整)."""
    if origin:
        hit = [b for b in bases if b.origin and b.origin == origin]
        if len(hit) == 1:
            return hit[0]
    if unit and subject:
        key = applicant_key(subject)
        hit = [b for b in bases if b.unit == unit and key in map(applicant_key, b.names)]
        if hit:
            return max(hit, key=lambda b: b.year)
    return None


# ---------------------------------------------------------------- the register workbook

_REGISTER_COLUMNS: tuple[tuple[str, float], ...] = (
    ("序号", 5),
    ("基地编号", 19),
    ("基地名称", 26),
    ("推荐单位", 9),
    ("所在地级市", 9),
    ("重点领域", 8),
    ("认定方式", 8),
    ("原基地", 16),
    ("认定年度", 7),
    ("批次", 9),
    ("认定日期", 11),
    ("状态", 6),
    ("状态变更", 22),
)
_CHANGE_COLUMNS: tuple[tuple[str, float], ...] = (
    ("序号", 5),
    ("基地编号", 19),
    ("基地名称", 24),
    ("日期", 11),
    ("变更", 6),
    ("决定", 22),
    ("理由", 30),
    *((f"调整后的{h}", 14) for h in ADJUSTABLE.values()),
)


def register_workbook(
    bases: Sequence[Base], *, unit: str | None = None, as_of: dt.date | None = None
) -> bytes:
    """The register as a person reads, prints and edits it: 基地名册 (every base, its status
    on `as_of`), 状态变更 (every recorded decision, then yellow rows for new 调整 and 撤销:
    `formkit bases --import` records them), and a hidden sheet saying what the file is."""
    import xlsxwriter

    from formkit.cells import wrapped_lines
    from formkit.template import FONT
    from formkit.xlsx_text import plain

    as_of = as_of or dt.date.today()
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_urls": False, "strings_to_formulas": False}
    )
    wb.set_properties({"created": dt.datetime(as_of.year, as_of.month, as_of.day)})
    base = {"font_name": FONT, "font_size": 10, "valign": "top", "text_wrap": True, "border": 1}
    head = wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "align": "center"})
    body = wb.add_format(base)
    day_fmt = wb.add_format({**base, "num_format": "yyyy-mm-dd"})
    revoked = wb.add_format({**base, "font_color": "#C00000", "bold": True})
    edit = wb.add_format({**base, "bg_color": "#FFF2CC", "locked": False})
    edit_day = wb.add_format({**base, "bg_color": "#FFF2CC", "num_format": "yyyy-mm-dd"})
    title_fmt = wb.add_format({"font_name": FONT, "bold": True, "font_size": 13})
    note_fmt = wb.add_format({"font_name": FONT, "font_size": 9, "font_color": "#595959"})
    who = unit or "全国"
    title = f"{who}科技兴贸出口创新基地名册（截至 {as_of.year}年{as_of.month}月{as_of.day}日）"

    def page(ws: Any, cols: Sequence[tuple[str, float]]) -> None:
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(1)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_header(f"&C{title}")
        ws.set_footer("&C第 &P 页，共 &N 页")
        ws.freeze_panes(2, 0)
        for j, (_, w) in enumerate(cols):
            ws.set_column(j, j, w)

    def put(ws: Any, r: int, j: int, v: Any, fmt: Any) -> None:
        if isinstance(v, dt.date):
            ws.write_datetime(r, j, dt.datetime(v.year, v.month, v.day), fmt)
        elif isinstance(v, int | float) and not isinstance(v, bool):
            ws.write_number(r, j, v, fmt)
        else:
            ws.write_string(r, j, plain(str(v or "")), fmt)

    def height(ws: Any, r: int, cells: Sequence[Any], cols: Sequence[tuple[str, float]]) -> None:
        lines = max(wrapped_lines(str(v or ""), w) for v, (_, w) in zip(cells, cols, strict=True))
        if lines > 1:
            ws.set_row(r, 13.5 * lines + 1)

    ws = wb.add_worksheet(REGISTER_SHEET)
    page(ws, _REGISTER_COLUMNS)
    in_register = sum(1 for b in bases if b.status_on(as_of) == IN_REGISTER)
    ws.write_string(0, 0, f"{title}：共 {len(bases)} 家，在册 {in_register} 家", title_fmt)
    for j, (h, _) in enumerate(_REGISTER_COLUMNS):
        ws.write_string(1, j, h, head)
    for i, b in enumerate(bases, start=1):
        state = b.status_on(as_of) or "尚未认定"
        last = b.events[-1] if b.events else None
        cells = [
            i,
            b.base_id,
            b.name,
            b.unit,
            b.locality,
            b.domain,
            b.recognition,
            b.recertifies,
            b.year,
            b.batch,
            b.recognised_on,
            state,
            f"{last.date.isoformat()} {last.kind}" if last is not None else "",
        ]
        height(ws, i + 1, cells, _REGISTER_COLUMNS)
        for j, v in enumerate(cells):
            fmt = day_fmt if isinstance(v, dt.date) else body
            put(ws, i + 1, j, v, revoked if j == 11 and state == REVOKED else fmt)
    last_base_row = len(bases) + 1
    ws.autofilter(1, 0, max(2, last_base_row), len(_REGISTER_COLUMNS) - 1)

    wc = wb.add_worksheet(CHANGES_SHEET)
    page(wc, _CHANGE_COLUMNS)
    wc.write_string(
        0,
        0,
        "状态变更：已记入名册的认定、调整、撤销；新的调整或撤销填在黄色行中（每行一项：基地编号、"
        "日期、变更、决定和理由，调整写明调整后的内容），保存后用 formkit bases --import 记入名册。"
        "已记入的各行请勿修改。",
        note_fmt,
    )
    for j, (h, _) in enumerate(_CHANGE_COLUMNS):
        wc.write_string(1, j, h, head)
    r = 2
    n = 0
    for b in bases:
        for e in b.events:
            n += 1
            cells = [
                n,
                b.base_id,
                b.name,
                e.date,
                e.kind,
                e.decision,
                e.reason,
                *(e.changes[k][1] if k in e.changes else "" for k in ADJUSTABLE),
            ]
            height(wc, r, cells, _CHANGE_COLUMNS)
            for j, v in enumerate(cells):
                put(wc, r, j, v, day_fmt if isinstance(v, dt.date) else body)
            r += 1
    first_blank = r
    for k in range(BLANK_CHANGE_ROWS):
        put(wc, r, 0, n + k + 1, body)
        for j in range(1, len(_CHANGE_COLUMNS)):
            wc.write_blank(r, j, None, edit_day if j == 3 else edit)
        r += 1
    if bases:
        wc.data_validation(
            first_blank,
            1,
            r - 1,
            1,
            {
                "validate": "list",
                "source": f"={REGISTER_SHEET}!$B$3:$B${last_base_row + 1}",
                "input_title": "基地编号",
                "input_message": "从基地名册中选择。",
                "error_type": "warning",
            },
        )
    wc.data_validation(
        first_blank,
        4,
        r - 1,
        4,
        {
            "validate": "list",
            "source": [ADJUST, REVOKE, RECOGNISE],
            "input_title": "变更",
            "input_message": "调整、撤销，或对已撤销的基地重新认定。",
            "error_title": "变更",
            "error_message": "请选择调整、撤销或认定。",
        },
    )
    wc.data_validation(
        first_blank,
        3,
        r - 1,
        3,
        {
            "validate": "date",
            "criteria": ">=",
            "value": dt.datetime(2000, 1, 1),
            "input_title": "日期",
            "input_message": "决定生效的日期，如 2007-12-31。",
            "error_title": "日期",
            "error_message": "请填写日期，如 2007-12-31。",
        },
    )
    meta = wb.add_worksheet(META_SHEET)
    for i, (key, value) in enumerate(
        (
            ("formkit_register_kind", REGISTER_KIND),
            ("formkit_version", __version__),
            ("formkit_unit", unit or ""),
            ("formkit_as_of", as_of.isoformat()),
        )
    ):
        meta.write_string(i, 0, key)
        meta.write_string(i, 1, value)
        wb.define_name(key, f"={META_SHEET}!$B${i + 1}")
    meta.very_hidden()
    wb.close()
    return buf.getvalue()


def write_register(
    path: str | os.PathLike[str],
    bases: Sequence[Base],
    *,
    unit: str | None = None,
    as_of: dt.date | None = None,
) -> Path:
    from formkit.atomic import write_bytes_atomic

    write_bytes_atomic(Path(path), register_workbook(bases, unit=unit, as_of=as_of))
    return Path(path)


def read_changes(path: str | os.PathLike[str]) -> list[Change]:
    """The 状态变更 rows of a register workbook (as exported, edited in Excel, WPS or
    LibreOffice), recorded or new; raises RegisterError naming every row that cannot be
    read (a missing base id, date, change or decision). Other sheets are not read: a
    change to a base is made by a row here, never by editing 基地名册."""
    from formkit.read.gate import inspect_file
    from formkit.read.xlsx import XlsxError, load_xlsx

    name = Path(path).name
    try:
        gate = inspect_file(path)
    except OSError as exc:
        raise RegisterError([f"{name}：无法打开：{exc}"]) from None
    if not gate.ok or gate.kind not in ("xlsx", "xlsm"):
        raise RegisterError([f"{name}：{gate.message or '不是 .xlsx 文件'}"])
    try:
        book = load_xlsx(os.fspath(path), SUMMARY_BOUNDS)
    except XlsxError as exc:
        raise RegisterError([f"{name}：{exc}"]) from None
    kind = _meta_value(book, "formkit_register_kind")
    if kind != REGISTER_KIND:
        raise RegisterError([f"{name}：不是 formkit bases 导出的基地名册"])
    wanted = [h for h, _ in _CHANGE_COLUMNS]
    rows = _header_rows(book, CHANGES_SHEET, wanted)
    if rows is None:
        raise RegisterError([f"{name}：工作表“{CHANGES_SHEET}”缺少列，可能被修改过，请重新导出"])
    out: list[Change] = []
    problems: list[str] = []
    for row, r in rows:
        given = {h: _text(row.get(h)) for h in wanted if h != "序号"}
        if not any(given.values()):
            continue
        where = f"{CHANGES_SHEET}第 {r} 行"
        date = _day(row.get("日期"))
        missing = [h for h in ("基地编号", "日期", "变更", "决定") if not given[h]]
        if missing:
            problems.append(f"{where}：缺少{'、'.join(missing)}")
            continue
        if date is None:
            problems.append(f"{where}：日期“{given['日期']}”无法识别，请写成 2007-12-31")
            continue
        changes = {
            key: given[f"调整后的{head}"]
            for key, head in ADJUSTABLE.items()
            if given[f"调整后的{head}"]
        }
        out.append(
            Change(
                base_id=given["基地编号"],
                kind=given["变更"],
                date=date,
                decision=given["决定"],
                reason=given["理由"],
                changes=changes,
                where=where,
            )
        )
    if problems:
        raise RegisterError(problems)
    return out


def _meta_value(book: Book, name: str) -> Any:
    target = book.names.get(name)
    if target is None or target.sheet is None or target.area is None:
        return None
    sheet = book.sheet(target.sheet)
    return None if sheet is None else sheet.value(target.area.first.row, target.area.first.col)
