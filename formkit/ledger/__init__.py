"""The collection rounds' ledger: who should submit, what arrived, what counts now.

An SQLite file (stdlib sqlite3) that formkit creates and migrates itself. One ledger may
hold several forms (the 申报书 round, a year of 季度数据报表 and 年度工作报告): every roster
entry and file carries its form and period, and every query is per form. Which columns a
roster has is the form's `[roster]`, which field is the unit, the subject and the 填报日期
its `[roles]`; the tables and this package name no field of any form. Every received file
is kept forever under its SHA-256; a later file for the same subject and period supersedes
the earlier one (`superseded_by`), so every version stays on record.

Durability: WAL, synchronous=FULL and one IMMEDIATE transaction per batch of files read,
so a run killed at any moment leaves the ledger as it was after the last batch; since
files already recorded are skipped by hash, running the same command again finishes
the job with the same result.

Modules: `store` (the file, migrations, transactions), `model` (the records and reports
as values), `decide` (which version counts: each file's links and stored decision),
`files` (recording files in batches, queries), `roster`, `status` (a
round's status), `periods` (the period each file reports on), `workbook` (the 催报
workbook). The web page's sessions, link tokens, uploads and audit trail are the web
layer's (formkit/web/store.py), in the same file.
"""

from __future__ import annotations

from formkit.ledger.files import SLEEP_ENV, file_sha256
from formkit.ledger.model import (
    STATE_ORDER,
    FileOutcome,
    FileRecord,
    IngestReport,
    RosterEntry,
    State,
    StatusReport,
    StatusRow,
)
from formkit.ledger.periods import PeriodStore
from formkit.ledger.status import issue_text, problems_text, sort_for_chasing
from formkit.ledger.store import MIGRATIONS, LedgerError
from formkit.ledger.workbook import status_columns, status_workbook, write_status_workbook

__all__ = [
    "MIGRATIONS",
    "SLEEP_ENV",
    "STATE_ORDER",
    "FileOutcome",
    "FileRecord",
    "IngestReport",
    "Ledger",
    "LedgerError",
    "RosterEntry",
    "State",
    "StatusReport",
    "StatusRow",
    "file_sha256",
    "issue_text",
    "problems_text",
    "sort_for_chasing",
    "status_columns",
    "status_workbook",
    "write_status_workbook",
]


class Ledger(PeriodStore):
    """`with Ledger("formkit.db") as ledger: ...` — created and migrated on open.

    One class over the package's parts: the store (`store.Store`), the files
    (`files.FileStore`), the roster (`roster.RosterStore`), the status
    (`status.StatusStore`) and the files' periods (`periods.PeriodStore`), each adding its
    own queries to the one before."""
