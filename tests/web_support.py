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
from tests.forms import ROSTER, YEAR, eligible, filled


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

    def __init__(self, round_: Round, *, behind_proxy: bool = False) -> None:
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
