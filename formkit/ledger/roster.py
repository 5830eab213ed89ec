"""The roster: who should submit, per form and period, as `formkit distribute` and
`formkit roster` record it; files received before their entry are linked to it after."""

from __future__ import annotations

import json
from collections.abc import Iterable

from formkit.distribute import RosterRow, applicant_key
from formkit.forms import DEFAULT_FORM, get_form
from formkit.ledger.files import FileStore
from formkit.ledger.model import RosterEntry, entry_of, form_title
from formkit.ledger.store import LedgerError, now_text
from formkit.period import Period


class RosterStore(FileStore):
    """The roster entries, and the rosters drawn from an application round."""

    def add_roster(
        self, rows: Iterable[RosterRow], *, year: int, period: Period | None = None
    ) -> int:
        """Add or update roster entries (by submission id); returns how many rows were given.

        A periodic form's entries are for one period (the one distributed). Files received
        before their entry was known are linked to it afterwards.
        """
        n = 0
        with self.transaction():
            now = now_text()
            for r in rows:
                sid = r.submission_id(year, period)
                self.db.execute(
                    """INSERT INTO roster (submission_id, year, unit, unit_code, subject,
                           subject_key, roster_row, created, updated, form_id, period,
                           values_json)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (submission_id) DO UPDATE SET
                           subject = excluded.subject, values_json = excluded.values_json,
                           roster_row = excluded.roster_row, updated = excluded.updated""",
                    (
                        sid,
                        year if period is None else period.year,
                        r.unit,
                        r.unit_code,
                        r.subject,
                        applicant_key(r.subject),
                        r.row,
                        now,
                        now,
                        r.form_id or DEFAULT_FORM,
                        None if period is None else period.text,
                        json.dumps(dict(r.cells), ensure_ascii=False, sort_keys=True),
                    ),
                )
                self._event("roster", sid, None, f"名单第 {r.row} 行")
                n += 1
            self._relink()
        return n

    def roster(self, form_id: str | None = None, *, period: str | None = None) -> list[RosterEntry]:
        """The roster entries of one form (None: every form), of one period if given."""
        sql, args = "SELECT * FROM roster WHERE 1 = 1", []
        if form_id is not None:
            sql, args = sql + " AND form_id = ?", [form_id]
        if period is not None:
            sql, args = sql + " AND period = ?", [*args, period]
        return [entry_of(r) for r in self.db.execute(sql + " ORDER BY unit_code, roster_row", args)]

    def roster_units(self, form_id: str) -> set[str]:
        """The reporting units of a form's roster entries (of any period)."""
        return {
            str(r[0])
            for r in self.db.execute(
                "SELECT DISTINCT unit FROM roster WHERE form_id = ? AND unit IS NOT NULL",
                (form_id,),
            )
        }

    def entry(self, submission_id: str) -> RosterEntry | None:
        row = self.db.execute(
            "SELECT * FROM roster WHERE submission_id = ?", (submission_id,)
        ).fetchone()
        return None if row is None else entry_of(row)

    def application_roster(
        self,
        form_id: str,
        *,
        year: int | None = None,
        chosen: Iterable[tuple[str, str]] | None = None,
    ) -> list[RosterRow]:
        """The roster of `form_id` (a report form) drawn from the current applications in
        this ledger: the applications of its [roster] source_form (default: the
        default form) of round `year`, that are 符合 with no errors to correct or, with
        `chosen`, whose (unit, subject) is among those (the summary's 推荐). Which application
        field feeds which roster column is the report form's [roster] from_application;
        its origin column (roles.origin) gets the application's submission id. Raises
        LedgerError when the form declares no such feed."""
        spec = get_form(form_id).spec
        feed = spec.roster.from_application
        if not feed or not spec.roster.columns:
            raise LedgerError(
                f"{form_title(spec)}没有声明如何从申报材料生成名单"
                "（表单定义的 [roster] from_application）。"
            )
        app_form = spec.roster.source_form or DEFAULT_FORM
        picked = None if chosen is None else {(u, applicant_key(n)) for u, n in chosen}
        roles = spec.roles
        origin = roles.origin if roles.origin and spec.roster.column(roles.origin) else None
        rows: list[RosterRow] = []
        seen: set[tuple[str, str]] = set()
        for r in self.current(app_form):
            if r.status != "accepted" or not r.subject or not r.unit:
                continue
            form = r.submission.get("form") or {}
            if year is not None and form.get("year") not in (None, year):
                continue
            key = (r.unit, applicant_key(r.subject))
            if picked is None:
                if r.state != "符合":
                    continue
            elif key not in picked:
                continue
            if key in seen:
                continue
            seen.add(key)
            values = r.submission.get("values") or {}
            cells: dict[str, str | None] = {}
            for col in spec.roster.columns:
                src = feed.get(col.field)
                value = values.get(src) if src is not None else None
                cells[col.field] = None if value in (None, "") else str(value).strip()
                cells[col.field] = cells[col.field] or spec.roster.otherwise.get(col.field)
            if origin is not None:
                cells[origin] = r.roster_id or r.submission_id
            unit = self.reference.unit(r.unit)
            cells[roles.unit] = unit.name if unit is not None else r.unit
            cells[roles.subject] = r.subject
            rows.append(
                RosterRow(
                    row=len(rows) + 2,  # line 1 is the header
                    unit=unit.name if unit is not None else r.unit,
                    unit_code=unit.code if unit is not None else "",
                    subject=r.subject,
                    cells=cells,
                    form_id=form_id,
                    unit_field=roles.unit,
                )
            )
        rows.sort(key=lambda x: (x.unit_code, applicant_key(x.subject)))
        return [
            RosterRow(i, x.unit, x.unit_code, x.subject, x.cells, x.form_id, x.unit_field)
            for i, x in enumerate(rows, start=2)
        ]

    def rounds(self) -> list[tuple[str | None, str | None, int, str]]:
        """(form, period, latest year, when last distributed) of every roster's round."""
        return [
            (r[0], r[1], int(r[2]), str(r[3]))
            for r in self.db.execute(
                "SELECT form_id, period, MAX(year), MAX(created) FROM roster"
                " GROUP BY form_id, period"
            )
        ]
