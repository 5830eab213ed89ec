"""The province's password checks, bounded in CPU, memory and guesses.

A check is scrypt at 64 MiB (formkit.web.auth): forty wrong passwords at once used to take
the server from 82 MiB to 2.6 GiB. Here:

- at most `SCRYPT_AT_ONCE` checks run at a time (an event-loop semaphore: a login waiting
  for its turn holds no thread and no scrypt memory), and at most `WAITING_AT_MOST` wait;
  any more are answered 503 at once, so memory stays bounded however many attempts come;
- after `FAILURES_TO_LOCK` wrong passwords in a row the account is locked for `LOCK`
  (each further wrong one renews it). The count is in the ledger (schema version 9), so a
  restart does not reset it; a locked account is refused before any scrypt is run, even
  a login that was already waiting when the lock came.

The per-address login limit (formkit.web.app) still applies before all of this.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import anyio

from formkit.web import auth, service
from formkit.web.store import WebStore

ACCOUNT = "office"  # the province's one account
SCRYPT_AT_ONCE = 2  # 2 x 64 MiB
WAITING_AT_MOST = 32
FAILURES_TO_LOCK = 5
LOCK = dt.timedelta(minutes=15)

BUSY = "同时登录的人过多，请稍后再试。"


def locked_message(until: dt.datetime) -> str:
    minutes = max(1, int((until - dt.datetime.now().astimezone()).total_seconds() // 60) + 1)
    return (
        f"密码连续输错 {FAILURES_TO_LOCK} 次，登录已暂停：请 {minutes} 分钟后再试"
        "（忘记密码的，请系统管理员重新设置密码，设置后即可登录）。"
    )


class PasswordChecks:
    def __init__(self, at_once: int = SCRYPT_AT_ONCE, waiting: int = WAITING_AT_MOST) -> None:
        self.at_once = at_once
        self.waiting_at_most = waiting
        self.waiting = 0  # checks running or waiting for their turn
        self._slots: anyio.Semaphore | None = None  # made in the event loop, on first use

    async def verify(
        self,
        password: str,
        stored: str | None,
        locked: Callable[[], dt.datetime | None] | None = None,
    ) -> bool | dt.datetime | None:
        """Whether `password` is the stored one. None: too many checks already waiting;
        a time: `locked()` says the account is locked until then, asked when this
        check's turn has come (before any scrypt)."""
        if self.waiting >= self.waiting_at_most:
            return None
        if self._slots is None:
            self._slots = anyio.Semaphore(self.at_once)
        self.waiting += 1
        try:
            async with self._slots:
                if locked is not None:
                    until = await anyio.to_thread.run_sync(locked)
                    if until is not None:
                        return until
                return await anyio.to_thread.run_sync(auth.verify_password, password, stored)
        finally:
            self.waiting -= 1


def locked_until(settings: service.Settings) -> dt.datetime | None:
    """Until when the account is locked (None: it is not, or no longer)."""
    with service.ledger(settings) as led:
        until = WebStore(led).login_locked_until(ACCOUNT)
    return until if until is not None and until > dt.datetime.now().astimezone() else None


def failed(settings: service.Settings) -> dt.datetime | None:
    """Count a wrong password; until when the account is now locked, or None."""
    with service.ledger(settings) as led:
        return WebStore(led).login_failed(ACCOUNT, FAILURES_TO_LOCK, LOCK)


def succeeded(settings: service.Settings) -> None:
    with service.ledger(settings) as led:
        WebStore(led).login_succeeded(ACCOUNT)
