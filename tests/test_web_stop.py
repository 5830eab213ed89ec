"""Stopping `formkit serve` mid-burst, as systemd and a power cut do it.

SIGTERM to the whole process group (systemd's default KillMode=control-group): the reading
workers ignore it, the server stops taking connections, answers every upload in progress
with its true verdict (the one `formkit check` gives the same bytes), records each once,
and exits with all its processes. kill -9 of the whole group at any moment: the ledger is
consistent, and the same files sent again are taken, so it ends exactly as if nothing had
happened."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from formkit.check import check_file
from formkit.web.warm import SLOW_ENV
from tests.test_web import JSON, csrf_of, recorded
from tests.web_support import Round, eligible, filled, make_round

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def round_(tmp_path: Path) -> Round:
    return make_round(tmp_path)


class Serve:
    """`python -m formkit serve` in a process group of its own, as systemd runs it."""

    def __init__(
        self, round_: Round, log: Path, slow: float = 0, extra: list[str] | None = None
    ) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        if slow:  # each reading takes this much longer: the stop finds workers reading
            env[SLOW_ENV] = str(slow)
        cmd = [sys.executable, "-m", "formkit", "serve", "--db", str(round_.db)]
        self.proc = subprocess.Popen(
            [*cmd, "--port", str(self.port), *(extra or [])],
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(self.base + "/", timeout=1)
                break
            except httpx.TransportError:
                assert self.proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "formkit serve did not start"
                time.sleep(0.1)

    def group_gone(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return True
            time.sleep(0.1)
        return False

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)


def files_of(round_: Round) -> list[tuple[int, bytes]]:
    """Twelve uploads: four versions for each of three links, one of them with an error."""
    out = []
    for i in range(3):
        row = round_.rows[i]
        out.append((i, round_.with_error(i)))
        for day in (20, 22, 25):
            out.append((i, filled(row, eligible(fill_date=dt.date(2006, 4, day)))))
    return out


def true_verdicts(files: list[tuple[int, bytes]], tmp: Path) -> list[tuple[Any, ...]]:
    """What `formkit check` says of each file: (status, verdict, errors, warnings)."""
    out = []
    for n, (_, data) in enumerate(files):
        path = tmp / f"check-{n}.xlsx"
        path.write_bytes(data)
        sub = check_file(path)
        errors = sum(1 for i in sub.issues if i.severity == "error")
        warnings = sum(1 for i in sub.issues if i.severity == "warning")
        out.append((sub.status, sub.verdict, errors, warnings))
    return out


def burst(server: Serve, round_: Round, files: list[tuple[int, bytes]]) -> list[Any]:
    """Send every file at once, each on its own connection; the answers (or the errors)."""
    with httpx.Client(base_url=server.base, timeout=30) as http:
        csrfs = {i: csrf_of(http.get(round_.link(i)).text) for i in range(3)}
    answers: list[Any] = [None] * len(files)

    def send(n: int) -> None:
        i, data = files[n]
        try:
            with httpx.Client(base_url=server.base, timeout=180) as http:
                answers[n] = http.post(
                    f"{round_.link(i)}/upload",
                    data={"csrf": csrfs[i]},
                    files={"file": (f"申报书-{n}.xlsx", data)},
                    headers=JSON,
                )
        except httpx.TransportError as exc:
            answers[n] = exc

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(files))]
    for t in threads:
        t.start()
    return [threads, answers]


def wait_recorded(round_: Round, at_least: int) -> None:
    deadline = time.monotonic() + 60
    while recorded(round_)[0] < at_least:
        assert time.monotonic() < deadline, "nothing was recorded"
        time.sleep(0.02)


def ledger_counts(round_: Round) -> dict[str, Any]:
    with sqlite3.connect(round_.db) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        files = [r[0] for r in db.execute("SELECT sha256 FROM files")]
        uploads = [r[0] for r in db.execute("SELECT sha256 FROM web_uploads")]
        received = [r[0] for r in db.execute("SELECT sha256 FROM events WHERE kind = 'received'")]
    return {"files": files, "uploads": uploads, "received": received}


def test_sigterm_to_the_group_mid_burst_answers_every_upload_truly_and_records_it_once(
    round_: Round, tmp_path: Path
) -> None:
    files = files_of(round_)
    expected = true_verdicts(files, tmp_path)
    assert {e[1] for e in expected} >= {"符合"} and any(e[2] for e in expected)
    server = Serve(round_, tmp_path / "serve.log", slow=0.6)
    try:
        threads, answers = burst(server, round_, files)
        wait_recorded(round_, 1)
        time.sleep(0.3)  # every request sent; most still waiting for a reading worker
        assert recorded(round_)[0] < len(files) - 2
        os.killpg(server.proc.pid, signal.SIGTERM)  # as systemd stops a service
        for t in threads:
            t.join(180)
        assert server.proc.wait(120) in (0, -signal.SIGTERM)
        assert server.group_gone(30), "a worker outlived the server"
    finally:
        server.kill()
    for answer, want in zip(answers, expected, strict=True):
        assert isinstance(answer, httpx.Response), answer
        assert answer.status_code == 201, answer.text
        doc = answer.json()
        assert (doc["status"], doc["verdict"], doc["errors"], doc["warnings"]) == want
    shas = sorted(a.json()["sha256"] for a in answers)
    counts = ledger_counts(round_)
    assert sorted(counts["files"]) == shas == sorted(counts["uploads"])
    assert sorted(counts["received"]) == shas  # each recorded once


def test_kill_9_mid_burst_then_resending_leaves_the_ledger_exact(
    round_: Round, tmp_path: Path
) -> None:
    files = files_of(round_)
    expected = true_verdicts(files, tmp_path)
    log = tmp_path / "serve.log"
    server = Serve(round_, log, slow=0.6)
    try:
        threads, answers = burst(server, round_, files)
        wait_recorded(round_, 2)
        server.kill()  # kill -9 of the whole group, mid-burst
        for t in threads:
            t.join(60)
    finally:
        server.kill()
    cut = [a for a in answers if not isinstance(a, httpx.Response)]
    assert cut, "the kill came after the burst"
    before = ledger_counts(round_)  # consistent: every recorded file has its bytes kept
    assert set(before["files"]) <= set(before["uploads"])
    assert sorted(before["received"]) == sorted(before["files"])
    server = Serve(round_, log)
    try:
        threads, again = burst(server, round_, files)
        for t in threads:
            t.join(180)
    finally:
        os.killpg(server.proc.pid, signal.SIGTERM)
        server.proc.wait(60)
        server.kill()
    for answer, want in zip(again, expected, strict=True):
        assert isinstance(answer, httpx.Response) and answer.status_code in (200, 201)
        doc = answer.json()
        assert (doc["status"], doc["verdict"], doc["errors"], doc["warnings"]) == want
    shas = sorted({a.json()["sha256"] for a in again})
    assert len(shas) == len(files)
    after = ledger_counts(round_)
    assert sorted(after["files"]) == shas == sorted(after["uploads"])
    assert sorted(after["received"]) == shas


def test_pages_stay_quick_while_a_burst_waits_for_the_reading_workers(
    round_: Round, tmp_path: Path
) -> None:
    """90 uploads at once, each read slowly (0.3 s): more than twice the server's page
    threads (40). They wait for a reading worker without holding one, so a city's page and the
    login page still open at once, and every upload is answered in the end."""
    files = [
        (i, filled(round_.rows[i], eligible(contact_email=f"c{n}@example.cn")))
        for n in range(30)
        for i in range(3)
    ]
    log = tmp_path / "serve.log"
    server = Serve(round_, log, slow=0.3, extra=["--uploads-per-link", "100"])
    try:
        threads, answers = burst(server, round_, files)
        time.sleep(1.0)  # all sent; most waiting for a worker
        pending = recorded(round_)[0]
        waits = []
        with httpx.Client(base_url=server.base, timeout=60) as http:
            for path in (round_.link(2), "/province/login", round_.link(0)):
                start = time.perf_counter()
                assert http.get(path).status_code == 200
                waits.append(time.perf_counter() - start)
        for t in threads:
            t.join(300)
    finally:
        os.killpg(server.proc.pid, signal.SIGTERM)
        server.proc.wait(60)
        server.kill()
    assert pending < len(files) - 40, "the burst was over before the pages were opened"
    assert max(waits) < 2.0, waits
    assert all(isinstance(a, httpx.Response) and a.status_code == 201 for a in answers)
    assert len(ledger_counts(round_)["files"]) == len(files)
