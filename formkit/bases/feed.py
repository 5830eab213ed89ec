"""The register feeding the rounds: the report forms' rosters (`roster_rows`: the bases 在册
during a period), the next application round's existing bases (`with_register`,
`reference_override`: the bundled national bases and the register's bases 在册 on a day; a
撤销 base is no base), and which base a report is about (`base_for`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import replace

from formkit.bases import BASE_TYPE, IN_REGISTER, Base
from formkit.distribute import RosterRow, applicant_key
from formkit.forms import get_form
from formkit.period import Period
from formkit.reference import ExistingBase, Reference
from formkit.spec import FormSpec


def period_span(period: Period, spec: FormSpec) -> tuple[dt.date, dt.date]:
    """A period's first and last day (a year; the n-th of k parts of a year)."""
    year, month = period.end()
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
            cells[col.field] = cells[col.field] or spec.roster.otherwise.get(col.field)
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
