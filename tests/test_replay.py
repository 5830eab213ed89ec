"""Replaying a round (#21 item 12): `--today` is the day of the replay for everything that
judges time. `ingest --today` and `serve --today` record files as received that day, and
`status --today` judges lateness by it: a file recorded after that day counts as received
on it. Without it, a replay run today would find every file 逾期报送."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from formkit.cli import app
from formkit.ledger import Ledger
from tests.forms import ROSTER, YEAR, eligible, filled
from tests.test_web import client, login, set_password, upload
from tests.web_support import make_round

runner = CliRunner()


def _cli(*args: object) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code in (0, 1), result.output
    return result.output


def _states(path: Path) -> dict[str, tuple[str, str]]:
    ws = openpyxl.load_workbook(path)["全部"]
    head = [c.value for c in ws[2]]
    return {
        str(r[head.index("申请单位全称")]): (
            str(r[head.index("报送情况")]),
            r[head.index("是否逾期")] or "",
        )
        for r in ws.iter_rows(min_row=3, values_only=True)
    }


def test_ingest_and_status_replay_a_round_on_its_own_days(tmp_path: Path) -> None:
    from formkit.distribute import read_roster

    roster = tmp_path / "名单.csv"
    roster.write_bytes(ROSTER.encode("gbk"))
    db = tmp_path / "formkit.db"
    _cli("distribute", roster, "-o", tmp_path / "下发", "--db", db)
    rows = read_roster(roster)
    on_time, late = tmp_path / "4月25日", tmp_path / "5月3日"
    on_time.mkdir()
    late.mkdir()
    (on_time / "江苏.xlsx").write_bytes(filled(rows[0], eligible()))
    (late / "浙江.xlsx").write_bytes(filled(rows[1], eligible()))
    _cli("ingest", on_time, "--db", db, "--today", f"{YEAR}-04-25")
    _cli("ingest", late, "--db", db, "--today", f"{YEAR}-05-03")
    with Ledger(db) as led:
        days = {Path(r.original_name).stem: r.received_at.date() for r in led.files()}
    assert days == {"江苏": dt.date(YEAR, 4, 25), "浙江": dt.date(YEAR, 5, 3)}

    # as of 5月10日: the late file is late, the unsent one overdue, the first on time
    out = tmp_path / "5月10日.xlsx"
    _cli("status", "--db", db, "--deadline", f"{YEAR}-04-30", "--today", f"{YEAR}-05-10", "-o", out)
    states = _states(out)
    assert states[rows[0].subject] == ("符合", "")
    assert states[rows[1].subject] == ("符合", "逾期报送")
    assert states[rows[2].subject] == ("未收到", "逾期未报")
    # as of 4月28日 (before the deadline): nothing is late yet, whatever the ledger's clock
    out = tmp_path / "4月28日.xlsx"
    _cli("status", "--db", db, "--deadline", f"{YEAR}-04-30", "--today", f"{YEAR}-04-28", "-o", out)
    assert {v[1] for v in _states(out).values()} == {""}


def test_status_today_counts_a_file_recorded_later_as_received_that_day(tmp_path: Path) -> None:
    """A ledger filled by today's clock, asked about the round's own days."""
    from formkit.distribute import read_roster

    roster = tmp_path / "名单.csv"
    roster.write_bytes(ROSTER.encode("gbk"))
    db = tmp_path / "formkit.db"
    _cli("distribute", roster, "-o", tmp_path / "下发", "--db", db)
    inbox = tmp_path / "收件"
    inbox.mkdir()
    rows = read_roster(roster)
    (inbox / "江苏.xlsx").write_bytes(filled(rows[0], eligible()))
    _cli("ingest", inbox, "--db", db)  # received today, years after the deadline
    out = tmp_path / "s.xlsx"
    _cli("status", "--db", db, "--deadline", f"{YEAR}-04-30", "--today", f"{YEAR}-04-29", "-o", out)
    assert _states(out)[rows[0].subject] == ("符合", "")


def test_serve_today_receives_uploads_on_that_day_and_judges_lateness_by_it(
    tmp_path: Path,
) -> None:
    round_ = make_round(tmp_path)
    set_password(round_)  # type: ignore[arg-type]
    due = dt.date(YEAR, 4, 30)  # the province's deadline for its applicants
    with client(round_, today=dt.date(YEAR, 5, 2), deadline=due) as web:  # type: ignore[arg-type]
        doc = upload(web, round_.link(0), round_.correct(0)).json()
        assert doc["outcome"] == "new", doc
        with Ledger(round_.db) as led:
            record = led.file(doc["sha256"])
        assert record is not None and record.received_at.date() == dt.date(YEAR, 5, 2)
        login(web)
        page = web.get("/province").text
    # received on 5月2日, after the notice's 4月30日: 逾期报送; the others, 逾期未报 by then
    assert page.count('"nowrap">逾期报送</td>') == 1
    assert page.count('"nowrap">逾期未报</td>') == 2
    with client(round_, today=dt.date(YEAR, 4, 30), deadline=due) as web:  # type: ignore[arg-type]
        login(web)
        page = web.get("/province").text
    assert "逾期报送</td>" not in page and "逾期未报</td>" not in page
