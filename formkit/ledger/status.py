"""The status of a round: each roster entry's state (未收到, 有错误, the verdict), lateness
against the deadline, the issues across periods of its current file, and the files that
match no entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import cast

from formkit.distribute import period_deadline
from formkit.forms import DEFAULT_FORM, get_form
from formkit.issues import Issue, unplaced
from formkit.ledger.model import (
    STATE_ORDER,
    State,
    StatusReport,
    StatusRow,
    entry_of,
    form_title,
    record_of,
    shown_state,
)
from formkit.ledger.roster import RosterStore
from formkit.ledger.store import LedgerError
from formkit.period import Period
from formkit.supersession import conflict_message


class StatusStore(RosterStore):
    """The status of the roster's rounds."""

    def status(
        self,
        deadline: dt.date | None = None,
        *,
        today: dt.date | None = None,
        form_id: str | None = None,
        period: Period | None = None,
    ) -> StatusReport:
        """Every roster entry's state, for one form (default: the 申报书) and, for a
        periodic form, one period (required).

        Without `deadline`: a periodic form's own default ([roster] deadline in its spec,
        counted from the end of the period); the 申报书 has none (the notice's 4月30日 is the
        province's deadline to the ministry, not its applicants'), and nothing is late. An
        entry with nothing received is 逾期未报 once the deadline has passed
        (`today`, default the current date); one whose first file arrived after it is
        逾期报送. A file recorded as received after `today` counts as received on `today`
        (a round replayed after the fact: the status as of that day cannot have a file
        arriving later). Issues across periods (`across_issues`) of an entry's current
        file are in its row, and an error among them makes the entry 有错误."""
        form_id = form_id or DEFAULT_FORM
        spec = get_form(form_id).spec
        if spec.roles.period and period is None:
            raise LedgerError(
                f"{form_title(spec)}按报告期报送：请指定报告期（如 --period 2007Q2）。"
            )
        if not spec.roles.period:
            period = None
        source = "报送截止日期"
        if deadline is None:
            if period is not None:
                deadline, source = period_deadline(period, spec)
            else:
                source = "未给出申报截止日期，不判断逾期"
        today = today or dt.date.today()
        decisions = self.decisions()
        across = self.across_issues(form_id)
        names = dict(self.db.execute("SELECT sha256, original_name FROM files").fetchall())
        ptext = None if period is None else period.text
        rows: list[StatusRow] = []
        for r in self.db.execute(
            "SELECT * FROM roster WHERE form_id = ? AND period IS ? ORDER BY unit_code, roster_row",
            (form_id, ptext),
        ):
            sid = r["submission_id"]
            count, first_at = self.db.execute(
                "SELECT COUNT(*), MIN(received_at) FROM files WHERE roster_id = ?", (sid,)
            ).fetchone()
            hit = self.db.execute(
                "SELECT * FROM files WHERE roster_id = ? AND superseded_by IS NULL", (sid,)
            ).fetchone()
            last = None if hit is None else record_of(hit)
            overdue = ""
            if deadline is not None:
                if last is None and today > deadline:
                    overdue = "逾期未报"
                elif first_at is not None and min(_local_day(first_at), today) > deadline:
                    overdue = "逾期报送"
            note = ""
            d = decisions.get(last.sha256) if last is not None else None
            if last is not None and d is not None and d.conflicts:
                note = conflict_message(last.original_name, [names[h] for h in d.conflicts])
            found = tuple(across.get(last.sha256, ())) if last is not None else ()
            state = cast(State, shown_state(last, found))  # as ingest and the web show it
            rows.append(StatusRow(entry_of(r), state, overdue, int(count), last, note, found))
        unmatched = [
            record_of(r)
            for r in self.db.execute(
                "SELECT * FROM files WHERE roster_id IS NULL AND superseded_by IS NULL"
                " AND (form_id = ? OR form_id IS NULL)"
                " AND (? IS NULL OR period IS NULL OR period = ?) ORDER BY seq",
                (form_id, ptext, ptext),
            )
        ]
        return StatusReport(
            rows,
            unmatched,
            deadline,
            source,
            today,
            form_id=form_id,
            period=ptext,
            columns=tuple((c.field, c.header) for c in spec.roster.columns),
            title=form_title(spec),
            unit_label=spec.roles.unit_label,
            subject_label=spec.roles.subject_label,
        )


def sort_for_chasing(rows: Sequence[StatusRow]) -> list[StatusRow]:
    """Most urgent first: overdue before the rest, then 未收到, 有错误, ..., then by
    unit and roster order."""
    return sorted(rows, key=lambda r: (not r.late, STATE_ORDER.index(r.state)))


def _local_day(stamp: str) -> dt.date:
    return dt.datetime.fromisoformat(stamp).astimezone().date()


def issue_text(file: str, issue: Issue) -> str:
    """An issue as one line a person can act on: file, sheet and cell first, then what is
    wrong (its message, without saying the place again)."""
    where = "，".join(x for x in (issue.sheet and f"工作表“{issue.sheet}”", issue.cell) if x)
    text = unplaced(issue.message, issue.sheet, issue.cell).rstrip("。")
    return f"{file}{f'（{where}）' if where else ''}：{text}"


def problems_text(r: StatusRow) -> str:
    """What must be corrected or checked for one entry: its file's errors, the issues
    across periods of its current file, a same-day conflict."""
    last = r.last
    own = (last.problem or "") if last is not None and last.state == "有错误" else ""
    across = [issue_text(last.original_name, i) for i in r.across] if last is not None else []
    return "；".join(x for x in (own, *across, r.note) if x)
