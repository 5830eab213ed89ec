"""The periods the ledger's files report on (`period_key`, schema version 10): filled in for
the files recorded before it, and the queries a periodic form's summary reads its files by
(which periods are present, how many files fall outside the periods it reads)."""

from __future__ import annotations

from collections.abc import Collection

from formkit.ledger.status import StatusStore
from formkit.supersession import sortable_period


class PeriodStore(StatusStore):
    """Each file's period as sortable text, and the queries over it."""

    def _backfill(self) -> None:
        """Files recorded before version 10 get their `period_key` from the stored values of
        their form's period fields (the form's `[roles] period`; this names none)."""
        super()._backfill()
        forms = [
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT form_id FROM files WHERE period_key IS NULL"
            ).fetchall()
        ]
        for form_id in forms:
            spec = self._spec_of(form_id)
            fields = spec.roles.period
            if not fields:
                continue
            picks = ", ".join(
                f'json_extract(submission_json, \'$.values."{f}"\') AS "{f}"' for f in fields
            )
            rows = self.db.execute(
                f"SELECT sha256, {picks} FROM files WHERE period_key IS NULL AND form_id IS ?",
                (form_id,),
            ).fetchall()
            for row in rows:
                key = sortable_period({f: row[f] for f in fields}, spec)
                if key is not None:
                    self.db.execute(
                        "UPDATE files SET period_key = ? WHERE sha256 = ?", (key, row["sha256"])
                    )

    def _of_form(self, form_id: str) -> str:
        """The files of a form: the ledger's own form has those that could not tell theirs."""
        return "(form_id = ? OR form_id IS NULL)" if form_id == self.spec.id else "form_id = ?"

    def period_units(self, form_id: str) -> list[tuple[str, str | None]]:
        """(period_key, unit) of the accepted files of a form that say their whole period,
        each pair once, in time order."""
        where = self._of_form(form_id)
        return [
            (str(r[0]), r[1])
            for r in self.db.execute(
                "SELECT DISTINCT period_key, unit FROM files WHERE status = 'accepted'"
                f" AND period_key IS NOT NULL AND {where} ORDER BY period_key",
                (form_id,),
            )
        ]

    def count_outside(self, form_id: str, periods: Collection[str]) -> int:
        """How many files of a form report on a period not among `periods`."""
        where = self._of_form(form_id)
        marks = ", ".join("?" * len(periods))
        row = self.db.execute(
            f"SELECT COUNT(*) FROM files WHERE {where} AND period_key IS NOT NULL"
            f" AND period_key NOT IN ({marks})",
            (form_id, *periods),
        ).fetchone()
        return int(row[0])

    def count_other_forms(self, form_id: str) -> int:
        """How many files belong to another form than `form_id`."""
        where = self._of_form(form_id)
        row = self.db.execute(f"SELECT COUNT(*) FROM files WHERE NOT {where}", (form_id,))
        return int(row.fetchone()[0])
