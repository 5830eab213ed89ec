"""The province's login under attack: scrypt bounded to a few at a time (memory stays
bounded however many attempts come), and the account locked after repeated wrong
passwords, in the ledger so a restart does not reset it."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import anyio
import pytest

from formkit.ledger import Ledger
from formkit.web import logins
from formkit.web.app import Limits
from formkit.web.limits import Limit
from formkit.web.store import WebStore
from tests.test_web import client, csrf_of, login, set_password
from tests.web_support import Round, make_round

MANY = Limits(login_per_address=Limit(1000, 300.0))


@pytest.fixture()
def round_(tmp_path: Path) -> Round:
    return make_round(tmp_path)


def test_five_wrong_passwords_lock_the_account_even_across_a_restart(round_: Round) -> None:
    set_password(round_)
    with client(round_, MANY) as c:
        answers = [login(c, f"猜的密码-{i}") for i in range(logins.FAILURES_TO_LOCK)]
        assert [a.status_code for a in answers] == [401] * logins.FAILURES_TO_LOCK
        assert "密码不正确" in answers[0].text
        assert "登录已暂停" in answers[-1].text and "分钟后再试" in answers[-1].text
        right = login(c)  # the right password, but the account is locked
        assert right.status_code == 429 and "登录已暂停" in right.text
        assert "formkit_session" not in right.cookies
    with client(round_, MANY) as c:  # a restart: still locked
        again = login(c)
        assert again.status_code == 429 and "formkit_session" not in again.cookies
    with Ledger(round_.db) as led:
        kinds = [e["kind"] for e in WebStore(led).audit_log(100)]
    assert kinds.count("login_failed") == logins.FAILURES_TO_LOCK
    assert kinds.count("login_refused") == 2 and "login" not in kinds
    # once the lock has run out the right password opens, and the count starts afresh
    past = (dt.datetime.now().astimezone() - dt.timedelta(seconds=1)).isoformat()
    with sqlite3.connect(round_.db) as db:
        db.execute("UPDATE web_login_failures SET locked_until = ?", (past,))
    with client(round_, MANY) as c:
        assert login(c).status_code == 303
        assert "密码不正确" in login(c, "又错了").text
    with sqlite3.connect(round_.db) as db:
        assert db.execute("SELECT failures FROM web_login_failures").fetchall() == [(1,)]


def test_a_new_password_set_on_the_server_ends_the_lockout(round_: Round) -> None:
    """The province forgot its password and locked itself out: the administrator sets a
    new one, which opens at once; the message named no command, only who can help."""
    set_password(round_)
    with client(round_, MANY) as c:
        answers = [login(c, "忘了") for _ in range(logins.FAILURES_TO_LOCK)]
        assert "登录已暂停" in answers[-1].text and "系统管理员重新设置密码" in answers[-1].text
        assert "formkit" not in answers[-1].text.replace("formkit_", "")
        assert "--" not in answers[-1].text.split("登录已暂停")[1].split("<")[0]
        assert login(c, "新的密码-2026").status_code == 429  # locked, whatever is typed
    set_password(round_, "新的密码-2026")
    with client(round_, MANY) as c:
        assert login(c, "新的密码-2026").status_code == 303
    with sqlite3.connect(round_.db) as db:
        assert db.execute("SELECT count(*) FROM web_login_failures").fetchone() == (0,)


def test_a_correct_password_clears_the_count(round_: Round) -> None:
    set_password(round_)
    with client(round_, MANY) as c:
        for _ in range(logins.FAILURES_TO_LOCK - 1):
            assert login(c, "错的").status_code == 401
        assert login(c).status_code == 303
        for _ in range(logins.FAILURES_TO_LOCK - 1):
            assert login(c, "错的").status_code == 401
        assert login(c).status_code == 303


def test_no_more_than_two_password_checks_run_at_once(
    round_: Round, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twelve wrong logins at once: scrypt (64 MiB each) never runs more than twice at a
    time, and once the account is locked the logins still waiting run none."""
    set_password(round_)
    real = hashlib.scrypt
    running = 0
    most = 0
    calls = 0
    lock = threading.Lock()

    def counted(*args: Any, **kwargs: Any) -> bytes:
        nonlocal running, most, calls
        with lock:
            calls += 1
            running += 1
            most = max(most, running)
        try:
            time.sleep(0.05)
            return real(*args, **kwargs)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(hashlib, "scrypt", counted)
    codes: list[int] = []
    with client(round_, MANY) as c:
        csrf = csrf_of(c.get("/province/login").text)

        def attempt() -> None:
            r = c.post("/province/login", data={"csrf": csrf, "password": "不对的密码"})
            with lock:
                codes.append(r.status_code)

        threads = [threading.Thread(target=attempt) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    assert len(codes) == 12 and set(codes) == {401, 429}
    assert 1 <= most <= logins.SCRYPT_AT_ONCE
    # the lock counts failures once they are answered: a check or two that began in the
    # meantime still runs, the rest run none
    assert calls <= logins.FAILURES_TO_LOCK + 2 * logins.SCRYPT_AT_ONCE < 12


def test_checks_beyond_the_waiting_bound_are_turned_away_at_once() -> None:
    checks = logins.PasswordChecks(at_once=1, waiting=3)
    release = threading.Event()
    results: list[bool | None] = []

    def slow(password: str, stored: str | None) -> bool:
        release.wait(10)
        return False

    async def main() -> None:
        import formkit.web.auth as auth

        original = auth.verify_password
        auth.verify_password = slow
        try:
            async with anyio.create_task_group() as tg:
                for _ in range(5):
                    tg.start_soon(lambda: _one(checks, results))
                await anyio.sleep(0.3)
                # three are in (one checking, two waiting), two were turned away already
                assert results == [None, None] and checks.waiting == 3
                release.set()
        finally:
            auth.verify_password = original

    anyio.run(main)
    assert sorted(results, key=str) == [False, False, False, None, None]


async def _one(checks: logins.PasswordChecks, results: list[bool | None]) -> None:
    results.append(await checks.verify("x", "y"))
