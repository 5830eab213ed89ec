"""Who has sent what: the collection rounds a ledger holds (a form and, for a periodic
form, a period) and the status of one of them, for `formkit status` and the province's
web pages alike."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from dataclasses import dataclass

from formkit.forms import DEFAULT_FORM, UnknownForm, form_ids, get_form
from formkit.ledger import Ledger, RosterEntry, StatusReport
from formkit.period import Period
from formkit.spec import FormSpec


def spec_of(form_id: str | None) -> FormSpec:
    return get_form(form_id).spec


def form_title(spec: FormSpec) -> str:
    """What a form is called in headings and on the pages: its file name (申报书, 季度数据报表)."""
    return spec.file_name or spec.id


def period_of_text(text: str | None, spec: FormSpec) -> Period | None:
    """A period as the ledger stores it ("2007/第二季度"), None if unreadable or absent."""
    if not text or not spec.roles.period:
        return None
    try:
        return Period.parse(text, spec)
    except ValueError:
        return None


@dataclass(frozen=True)
class Round:
    """One collection round in the ledger: a form and, for a periodic form, a period."""

    form_id: str
    period: Period | None
    year: int
    title: str  # the form's name (申报书, 季度数据报表)
    unit_label: str
    subject_label: str

    @property
    def when(self) -> str:
        return self.period.words if self.period is not None else str(self.year)

    @property
    def what(self) -> str:
        """What a link takes, in a sentence: "2007年第二季度的季度数据报表", "申报书"."""
        return f"{self.period.words}的{self.title}" if self.period is not None else self.title

    @property
    def label(self) -> str:
        """As the province's page lists it: "申报书 2006", "季度数据报表 2007年第二季度"."""
        return f"{self.title} {self.when}"

    @property
    def tag(self) -> str:
        return self.period.tag if self.period is not None else ""

    @property
    def query(self) -> str:
        """The query string that selects this round on the province's pages."""
        params = {"form": self.form_id, **({"period": self.tag} if self.tag else {})}
        return urllib.parse.urlencode(params)


def _round(form_id: str, period_text: str | None, year: int) -> Round | None:
    try:
        spec = spec_of(form_id)
    except UnknownForm:
        return None
    period = period_of_text(period_text, spec)
    if spec.roles.period and period is None:
        return None
    roles = spec.roles
    return Round(form_id, period, year, form_title(spec), roles.unit_label, roles.subject_label)


def _empty(spec: FormSpec, year: int) -> Round:
    roles = spec.roles
    return Round(spec.id, None, year, form_title(spec), roles.unit_label, roles.subject_label)


def entry_round(entry: RosterEntry) -> Round:
    """The round a roster entry belongs to (an unknown form reads as the default one)."""
    found = _round(entry.form_id or "", entry.period, entry.year)
    return found if found is not None else _empty(spec_of(None), entry.year)


def rounds(led: Ledger) -> tuple[list[Round], Round | None]:
    """Every round with roster entries, in form and period order, and the one distributed
    last (the province's page opens on it unless told otherwise)."""
    seen: dict[tuple[str, str], tuple[Round, str]] = {}
    for form_id, period, year, created in led.rounds():
        r = _round(form_id or "", period, year)
        if r is None:
            continue
        key = (r.form_id, r.tag)
        if key not in seen or seen[key][1] < created:
            seen[key] = (r, created)
    order = {f: i for i, f in enumerate(form_ids())}

    def sort_key(r: Round) -> tuple[int, int, str]:
        return (order.get(r.form_id, len(order)), r.year, r.tag)

    listed = sorted((r for r, _ in seen.values()), key=sort_key)
    latest = max(seen.values(), key=lambda x: (x[1], sort_key(x[0])), default=None)
    return listed, (latest[0] if latest is not None else None)


def pick_round(
    led: Ledger, form_id: str | None, tag: str | None
) -> tuple[list[Round], Round | None]:
    """(every round, the one asked for): by form and period tag; None when no round
    matches what was asked. Nothing asked: the ledger's latest round, or the default
    form's (empty) round when the ledger has no roster yet."""
    listed, latest = rounds(led)
    if form_id is None:
        if latest is not None:
            return listed, latest
        spec = spec_of(None)
        return listed, (None if spec.roles.period else _empty(spec, 0))
    tag = (tag or "").upper()
    hit = next((r for r in listed if r.form_id == form_id and r.tag.upper() == tag), None)
    return listed, hit


def status(
    led: Ledger,
    round_: Round | None = None,
    *,
    deadline: dt.date | None = None,
    today: dt.date | None = None,
) -> StatusReport:
    """The status of one round (default: the default form's): every roster entry's state,
    lateness against `deadline` (default: the form's own, else the notice's) and the
    issues across periods of its current file; the files that match no entry."""
    if round_ is None:
        return led.status(deadline, today=today)
    return led.status(deadline, today=today, form_id=round_.form_id, period=round_.period)


def round_of(form_id: str | None, period: Period | None, year: int = 0) -> Round:
    """The round of `--form` and `--period` (default: the default form's)."""
    spec = spec_of(form_id or DEFAULT_FORM)
    roles = spec.roles
    return Round(spec.id, period, year, form_title(spec), roles.unit_label, roles.subject_label)
