"""A collection round for the web tests: a roster distributed with upload links, and the
workbooks that cities send back (one with a data error, its correction, another's)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from formkit.cli import app as cli
from formkit.distribute import LINKS_FILE, RosterRow, read_roster
from tests.forms import ROSTER, YEAR, application_round, eligible, filled


@dataclass
class Round:
    db: Path
    out: Path
    rows: tuple[RosterRow, ...]
    links: dict[str, str]  # submission id -> link path (/u/<token>)

    def sid(self, i: int) -> str:
        return self.rows[i].submission_id(YEAR)

    def link(self, i: int) -> str:
        return self.links[self.sid(i)]

    def with_error(self, i: int) -> bytes:
        # a data error the applicant must correct: an e-mail that is not one
        return filled(
            self.rows[i], eligible(contact_email="wm-at-example", fill_date=dt.date(2006, 4, 18))
        )

    def correct(self, i: int) -> bytes:
        return filled(self.rows[i], eligible(fill_date=dt.date(2006, 4, 25)))


def make_round(tmp_path: Path) -> Round:
    """`formkit distribute` as the province runs it: files, ledger, 上报链接.csv."""
    roster = tmp_path / "名单.csv"
    roster.write_bytes(ROSTER.encode("gbk"))
    out, db = tmp_path / "下发", tmp_path / "formkit.db"
    result = CliRunner().invoke(cli, ["distribute", str(roster), "-o", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output
    text = (out / LINKS_FILE).read_bytes().decode("utf-8-sig")
    links = {r["报送编号"]: r["上报链接"] for r in csv.DictReader(io.StringIO(text))}
    return Round(db, out, tuple(read_roster(roster)), links)


class LiveServer:
    """uvicorn serving the app on a free loopback port, in a thread of this process."""

    def __init__(self, round_: Round | QuarterlyRound, *, behind_proxy: bool = False) -> None:
        import uvicorn

        from formkit.web.server import config
        from formkit.web.service import Settings, default_store

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        settings = Settings(db=round_.db, store=default_store(round_.db))
        self.server = uvicorn.Server(
            config(settings, host="127.0.0.1", port=self.port, behind_proxy=behind_proxy)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


# ---------------------------------------------------------------- a quarterly round


@dataclass
class QuarterlyRound:
    """The 季度数据报表 round of two bases (the first two 符合 applications of the 申报书
    round), distributed for 2007Q1 and 2007Q2 into one ledger, with each base's links."""

    db: Path
    tmp: Path
    bases: tuple[RosterRow, ...]
    links: dict[str, dict[str, str]]  # "Q1" -> submission id -> link path
    applications: tuple[RosterRow, ...] = ()  # the 申报书 round's roster

    def application(self, base: int) -> bytes:
        """The base's own 申报书 (a file of another form than a report link takes)."""
        subject = self.bases[base].subject
        row = next(r for r in self.applications if r.subject == subject)
        return filled(row, eligible())

    def sid(self, base: int, quarter: int) -> str:
        from formkit.distribute import parse_period
        from formkit.forms import load_form_spec
        from tests.report_forms import JIDU

        period = parse_period(f"2007Q{quarter}", load_form_spec(JIDU))
        return self.bases[base].submission_id(2007, period)

    def link(self, base: int, quarter: int) -> str:
        return self.links[f"Q{quarter}"][self.sid(base, quarter)]

    def report(self, base: int, quarter: int, **changed: object) -> bytes:
        """Base `base`'s distributed copy for that quarter, its figures filled in."""
        from formkit.distribute import locked_fields
        from formkit.forms import load_form_spec
        from formkit.template import build_template
        from tests.report_forms import JIDU
        from tests.test_across_periods import quarter_values

        spec = load_form_spec(JIDU)
        row = self.bases[base]
        values = {**quarter_values(quarter), **changed, **row.values()}
        return build_template(
            spec,
            year=2007,
            values=values,
            locked_fields=[f for f in locked_fields(spec) if f in row.values()],
            submission_id=self.sid(base, quarter),
        )


def make_quarterly_round(tmp_path: Path) -> QuarterlyRound:
    """As the province runs it: the application round's ledger, `formkit roster --form`,
    two bases kept, `formkit distribute --form --period --db` for Q1 and Q2."""
    import openpyxl

    from formkit.forms import load_form_spec
    from tests.report_forms import JIDU

    app_db, rows = application_round(tmp_path)
    roster = tmp_path / "基地名单.xlsx"
    runner = CliRunner()
    result = runner.invoke(
        cli, ["roster", "--db", str(app_db), "--year", str(YEAR), "--form", JIDU, "-o", str(roster)]
    )
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(roster)
    wb.worksheets[0].delete_rows(5, 10)  # title, header and two bases
    wb.save(roster)
    db = tmp_path / "季报.db"
    links: dict[str, dict[str, str]] = {}
    for q in (1, 2):
        out = tmp_path / "下发" / f"Q{q}"
        args = ["distribute", str(roster), "--form", JIDU, "--period", f"2007Q{q}"]
        result = runner.invoke(cli, [*args, "-o", str(out), "--db", str(db)])
        assert result.exit_code == 0, result.output
        text = (out / LINKS_FILE).read_bytes().decode("utf-8-sig")
        links[f"Q{q}"] = {r["报送编号"]: r["上报链接"] for r in csv.DictReader(io.StringIO(text))}
    bases = tuple(read_roster(roster, spec=load_form_spec(JIDU)))
    assert len(bases) == 2
    return QuarterlyRound(db, tmp_path, bases, links, tuple(rows))
