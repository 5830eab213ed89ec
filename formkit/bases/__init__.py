"""The register of recognised bases (formkit bases): who the ministry recognised, and what
became of them.

通知六(三): the ministry approves the recommended bases ("商务部在5月底前办理完相关核准事宜"),
then the provinces "建立对出口创新基地项目动态跟踪、定期评估和信息上报制度"; 一 aims at 100 bases
"建设完善和动态调整". The register holds each recognised base (a stable id; name, reporting
unit, 所在地级市, field; 新认定 or 重新认定 of a named national base; year and batch) with its
status history: 认定, 调整, 撤销, each with the day it takes effect, the decision and the reason.
A base's status on a day is read from that history, never stored apart from it.

Here: the model (`Base`, its `Event`s) and the `Register` kept in the ledger, which records
recognitions (`recognise`) and changes (`apply`), all or nothing. Around it:
`formkit.bases.sources` reads the ministry's decisions: the national roll-up's 核准结论 column
(formkit rollup writes it editable; read back as `formkit recommend` reads the province's 推荐
columns), or a list the ministry publishes (.xlsx or .csv); `formkit.bases.book` writes the
register as a workbook a person reads and edits (new 调整 and 撤销 rows on 状态变更) and reads
those rows back; `formkit.bases.feed` feeds the rounds: the report forms' rosters (the bases
在册 during a period) and the next application round's existing bases (a --reference file
adding the bases 在册 on a day to the bundled national bases; a 撤销 base is no base).

Kept in the ledger (schema version 7: tables `bases` and `base_events`). Which application
fields give a base's field and how it was recognised is the form's `[register]`; its unit,
name and locality are the form's roles. This module names no field of any form.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from formkit.distribute import applicant_key
from formkit.ledger import Ledger
from formkit.parse import ParseError, parse_date
from formkit.spec.model import RECOGNITIONS

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
