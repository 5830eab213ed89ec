"""Which file is the current one for an application: the one rule every command uses.

`ingest`, `status`, `feedback --db`, `summary PATHS`, `summary --db`, `check`, `rollup`'s
inputs and the web page all ask `decide()`, so two routes to a summary cannot disagree.

The rule, as the README states it:

- One application is one submission id (stamped by `formkit distribute`), else one
  reporting unit + applicant name. A file without an id joins the application whose
  files carry the same unit and applicant, when there is exactly one such.
- A byte-identical file is a 重复文件 of the first one received.
- A file whose values equal an earlier file's of the same application is the same
  version (a re-save, or a formkit feedback copy nobody changed): 重复, never newer.
- Versions are ordered by 填报日期, then by the time received. An older 填报日期 never
  replaces a newer one.
- A formkit feedback copy is never newer than the version it annotates unless its
  values changed *and* its 填报日期 moved on.
- Two different versions with the same 填报日期 are a conflict: the later received is
  used, and both are named in a warning so a person decides.

Knows no field of any form: callers pass the roles (unit, applicant, date) as values.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from formkit.issues import file_reason
from formkit.period import Period
from formkit.read.submission import Submission
from formkit.read.submission import fingerprint as fingerprint  # the rule's, kept where read
from formkit.reference import Reference
from formkit.spec import FormSpec

Disposition = Literal["current", "duplicate", "same_version", "superseded", "rejected"]

# how the file lists show each disposition
DISPOSITION_ZH: dict[str, str] = {
    "current": "汇总",
    "duplicate": "重复",
    "same_version": "重复",
    "superseded": "已替代",
    "rejected": "未受理",
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """One received file, as much of it as the rule needs (in slots: a batch's check
    keeps one for every file until it decides, at the end)."""

    handle: str  # what the caller knows the file by (its path, or its sha256 in the ledger)
    # the file name shown in reasons (`shown`); "" when it is the handle's own, a batch's
    # path's: its text is not kept twice for every file
    name: str
    sha256: str
    received: tuple[Any, ...]  # sortable: the ledger's order, or (mtime, path) for a batch
    accepted: bool
    submission_id: str | None = None
    roster_id: str | None = None  # the ledger's roster entry, when it matched one
    unit: str | None = None
    applicant: str | None = None
    fill_date: dt.date | None = None
    fingerprint: str | None = None  # of the values read; equal values, same version
    annotates: str | None = None  # a feedback copy: sha256 of the file it annotates
    # the period the file reports on (a quarterly form's "2007/第一季度"); None: the round's
    period: str | None = None

    @property
    def shown(self) -> str:
        """The file name reasons give: `name`, else the handle's own file name."""
        return self.name or Path(self.handle).name


@dataclass(frozen=True, slots=True)  # one for every file of a batch at once
class Decision:
    handle: str
    disposition: Disposition
    winner: str | None = None  # the handle of the file that counts instead
    reason: str = ""  # Chinese, for the file lists and status; "" for a current file
    # current file: the other versions with the same 填报日期 (a person must decide)
    conflicts: tuple[str, ...] = ()
    key: str | None = None  # the application's identity


@dataclass
class _Version:
    members: list[Candidate]  # same values, in received order
    demoted: bool = False  # a changed feedback copy whose 填报日期 did not move on
    original: _Version | None = None  # the version a demoted copy annotates
    note: str = ""

    @property
    def first(self) -> Candidate:
        return self.members[0]

    def order(self) -> tuple[Any, ...]:
        c = self.first
        return (c.fill_date or dt.date.min, 0 if self.demoted else 1, c.received)


def candidate(
    sub: Submission,
    spec: FormSpec,
    reference: Reference,
    *,
    handle: str,
    received: tuple[Any, ...],
    roster_id: str | None = None,
    name: str | None = None,
) -> Candidate:
    """A checked file as the rule sees it; the form's roles say which fields are the
    reporting unit, the applicant and the 填报日期."""
    roles = spec.roles
    accepted = sub.status == "accepted"
    shown = name or Path(sub.file).name
    unit = _text(sub.values.get(roles.unit or "")) if accepted else None
    if unit is not None:
        known = reference.unit(unit)
        unit = known.name if known is not None else unit
    day = sub.values.get(roles.date or "") if accepted else None
    if isinstance(day, dt.datetime):
        day = day.date()
    return Candidate(
        handle=handle,
        name="" if shown == Path(handle).name else shown,
        sha256=sub.sha256,
        received=received,
        accepted=accepted,
        submission_id=sub.submission_id if accepted else None,
        roster_id=roster_id,
        unit=unit,
        applicant=_text(sub.values.get(roles.subject or "")) if accepted else None,
        fill_date=day if isinstance(day, dt.date) else None,
        fingerprint=sub.values_digest() if accepted else None,
        annotates=getattr(sub, "annotates", None),
        period=period_of(sub.values, spec) if accepted else None,
    )


def period_of(values: Mapping[str, Any], spec: FormSpec) -> str | None:
    """The period a file reports on, as stored (Period.text, "2007/第一季度"); None for a
    form filed once per round, or when the file does not say it all."""
    period = Period.of(values, spec)
    return period.text if period is not None and period.complete else None


def sortable_period(values: Mapping[str, Any], spec: FormSpec) -> str | None:
    """The period a file reports on as text that sorts in time order (Period.sortable,
    "2007-02": the ledger's `period_key`), whatever its status; None for a form filed once
    per round, or when the file does not say it all."""
    period = Period.of(values, spec)
    return period.sortable if period is not None and period.complete else None


def period_texts(values: Mapping[str, Any], spec: FormSpec) -> tuple[str | None, str | None]:
    """`period_of` and `sortable_period` of one file at once (its period read once)."""
    period = Period.of(values, spec)
    if period is None or not period.complete:
        return None, None
    return period.text, period.sortable


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def name_key(unit: str | None, applicant: str | None) -> str | None:
    """Unit + applicant as one key; spaces and full-width forms do not make a new applicant."""
    if not applicant:
        return None
    norm = unicodedata.normalize("NFKC", applicant).replace(" ", "").replace("\u3000", "")
    if not norm:
        return None
    return f"{unicodedata.normalize('NFKC', unit or '').strip()}|{norm}"


def _identity(c: Candidate) -> str | None:
    # a periodic form's file is one subject's report for one period: a pre-filled copy of
    # last quarter's workbook keeps its id but reports on another quarter
    at = f"@{c.period}" if c.period else ""
    if c.roster_id:
        return f"roster:{c.roster_id}{at}"
    if c.submission_id:
        return f"id:{c.submission_id}{at}"
    key = name_key(c.unit, c.applicant)
    return f"name:{key}{at}" if key else None


def identities(cands: Iterable[Candidate]) -> dict[str, str]:
    """handle -> application identity, name-only files joined to a unique id's application."""
    cands = list(cands)
    out: dict[str, str] = {}
    wanted: set[str] = set()  # the name keys of the files without an id
    for c in cands:
        ident = _identity(c)
        if ident is None:
            ident = f"file:{c.handle}"  # nothing says it is the same application as another
        out[c.handle] = ident
        if ident.startswith("name:"):
            wanted.add(ident.removeprefix("name:"))
    # the applications with an id under each of those name keys (only those: a batch's
    # check decides for all of its files at once, at its peak of memory)
    by_name: dict[str, set[str]] = defaultdict(set)
    for c in cands if wanted else ():
        ident = out[c.handle]
        nk = name_key(c.unit, c.applicant)
        if nk and not ident.startswith("name:"):
            key = nk + (f"@{c.period}" if c.period else "")
            if key in wanted:
                by_name[key].add(ident)
    for c in cands if wanted else ():
        ident = out[c.handle]
        if ident.startswith("name:"):
            owners = by_name.get(ident.removeprefix("name:"), set())
            if len(owners) == 1:
                out[c.handle] = next(iter(owners))
    return out


def links(c: Candidate) -> tuple[str | None, str | None]:
    """(identity, name link): what ties a file to the files whose decisions it can change.

    The identity is the application `identities` starts from (a stamped or roster id, else
    the name key, else the file alone); the name link is the name key with its period,
    through which a file without an id joins an application with one. A rejected file has
    neither: it never takes part in an application.

    `decide` over a file's *neighbourhood* (every file reachable from it through shared
    identities and name links, transitively) gives those files the decisions `decide` over
    all files gives them: an application's files share its identity, and a file without
    an id finds the application it joins only among the files sharing its name link. So a
    new file changes only its neighbourhood's decisions (formkit.ledger stores them and
    decides only there; tests/test_supersession_incremental.py checks the equivalence).
    Files are distinct (a ledger holds each file once): a byte-identical copy is not
    found through these links.
    """
    if not c.accepted:
        return None, None
    nk = name_key(c.unit, c.applicant)
    return _identity(c) or f"file:{c.handle}", (
        nk + (f"@{c.period}" if c.period else "") if nk else None
    )


def neighbourhood(
    seeds: Iterable[tuple[str | None, str | None]],
    find: Callable[[set[str], set[str]], Iterable[Candidate]],
) -> list[Candidate]:
    """Every file reachable from the `seeds` (pairs of `links`) through shared identities
    and name links; `find(identities, name_links)` gives the files having any of them."""
    seeds = list(seeds)  # read twice below: a generator would give its names none
    idents: set[str] = set()
    names: set[str] = set()
    new_idents = {i for i, _ in seeds if i}
    new_names = {n for _, n in seeds if n}
    found: dict[str, Candidate] = {}
    while new_idents or new_names:
        idents |= new_idents
        names |= new_names
        batch = list(find(new_idents, new_names))
        new_idents, new_names = set(), set()
        for c in batch:
            if c.handle in found:
                continue
            found[c.handle] = c
            ident, name = links(c)
            if ident and ident not in idents:
                new_idents.add(ident)
            if name and name not in names:
                new_names.add(name)
    return list(found.values())


def decide(cands: Iterable[Candidate]) -> dict[str, Decision]:
    """Every file's disposition: current, duplicate, same version, superseded or rejected."""
    # what is only needed on the way is let go of on the way: a batch's check decides for
    # all of its files at once, at its peak of memory
    ordered = sorted(cands, key=lambda c: c.received)
    out: dict[str, Decision] = {}
    first_by_sha: dict[str, Candidate] = {}
    primaries: list[Candidate] = []
    duplicates: list[str] = []
    for c in ordered:
        seen = first_by_sha.get(c.sha256)
        if seen is not None:
            out[c.handle] = Decision(
                c.handle,
                "duplicate",
                winner=seen.handle,
                reason=file_reason("duplicate", first=seen.shown),
            )
            duplicates.append(c.handle)
            continue
        first_by_sha[c.sha256] = c
        primaries.append(c)
    del ordered, first_by_sha
    accepted = [c for c in primaries if c.accepted]
    for c in primaries:
        if not c.accepted:
            out[c.handle] = Decision(c.handle, "rejected")
    del primaries
    ident = identities(accepted)
    groups: dict[str, list[Candidate]] = defaultdict(list)
    for c in accepted:
        groups[ident[c.handle]].append(c)
    del accepted
    for key in list(groups):
        out.update(_decide_group(key, groups.pop(key)))
    # a duplicate points at the first copy; it belongs to that copy's application
    for handle in duplicates:
        d = out[handle]
        if d.disposition == "duplicate" and d.winner in ident:
            out[handle] = Decision(
                d.handle, d.disposition, d.winner, d.reason, key=ident[d.winner or ""]
            )
    return out


def _decide_group(key: str, members: list[Candidate]) -> dict[str, Decision]:
    out: dict[str, Decision] = {}
    versions: dict[str, _Version] = {}
    for c in members:  # received order
        fp = c.fingerprint or f"file:{c.handle}"
        v = versions.get(fp)
        if v is None:
            versions[fp] = _Version([c])
        else:
            v.members.append(c)
    by_sha = {c.sha256: fp for fp, v in versions.items() for c in v.members}
    for v in versions.values():
        copy = v.first
        original_fp = by_sha.get(copy.annotates or "")
        if original_fp is None or versions[original_fp] is v:
            continue
        original = versions[original_fp].first
        moved_on = (
            copy.fill_date is not None
            and original.fill_date is not None
            and copy.fill_date > original.fill_date
        )
        if not moved_on:
            # a feedback copy someone changed but did not re-date: not a newer version
            v.demoted = True
            v.original = versions[original_fp]
            v.note = file_reason("feedback_not_redated", original=original.shown)
    ranked = sorted(versions.values(), key=_Version.order)
    win = ranked[-1]
    winner = win.first
    same_day = winner.fill_date
    conflicts = tuple(
        v.first.handle
        for v in ranked[:-1]
        if (v.demoted and v.original is win)
        or (not v.demoted and same_day is not None and v.first.fill_date == same_day)
    )
    out[winner.handle] = Decision(winner.handle, "current", conflicts=conflicts, key=key)
    for v in ranked:
        for c in v.members[1:]:
            out[c.handle] = Decision(
                c.handle,
                "same_version",
                winner=winner.handle if v is not win else v.first.handle,
                reason=file_reason("same_version", first=v.first.shown)
                + ("" if v is win else file_reason("same_version_superseded", winner=winner.shown)),
                key=key,
            )
        if v is win:
            continue
        c = v.first
        if v.demoted:
            reason = v.note
        elif c.handle in conflicts:
            reason = file_reason("same_day", winner=winner.shown, day=_day(c.fill_date))
        elif (
            c.fill_date is not None
            and winner.fill_date is not None
            and (c.fill_date < winner.fill_date)
        ):
            reason = file_reason(
                "newer_date",
                winner=winner.shown,
                winner_day=_day(winner.fill_date),
                day=_day(c.fill_date),
            )
        else:
            reason = file_reason("received_later", winner=winner.shown)
        out[c.handle] = Decision(
            c.handle, "superseded", winner=winner.handle, reason=reason, key=key
        )
    return out


def _day(d: dt.date | None) -> str:
    return d.isoformat() if d is not None else file_reason("day_missing")


@dataclass
class Conflict:
    """A current file and the other versions of its application with its 填报日期."""

    current: str
    others: list[str] = field(default_factory=list)


def conflicts(decisions: Mapping[str, Decision]) -> list[Conflict]:
    return [
        Conflict(d.handle, list(d.conflicts))
        for d in decisions.values()
        if d.disposition == "current" and d.conflicts
    ]


def conflict_message(current: str, others: Iterable[str]) -> str:
    """The warning shown wherever the current file is: both files named, a person decides."""
    names = "、".join(others)
    return file_reason("conflict", current=current, others=names)
