"""The uploads' queue: how an upload waits for a reading worker without holding anything
a page needs.

An upload is received (its bytes in memory, at most `--max-upload-mb`), then waits its
turn on an event-loop limiter with one place per reading worker (`Settings.checks`, the
machine's CPUs). Waiting holds no thread: pages run on the event loop's own thread pool,
which uploads never use, so a burst of any size leaves the pages as quick as ever. An
upload's turn is then as fast as `formkit check` on the same file (one read in a warm
worker, one transaction), and its answer, the verdict, is sent as soon as it is known: the
browser waits on its POST (no script needed) and is sent on to the file's page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio

T = TypeVar("T")


class UploadQueue:
    def __init__(self, places: int) -> None:
        self.places = max(1, places)
        self.waiting = 0  # uploads received and not yet answered
        self._limiter: anyio.CapacityLimiter | None = None  # made in the event loop

    async def run(self, func: Callable[..., T], *args: object) -> T:
        """`func(*args)` in a thread of this queue's own, once a place is free."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.places)
        self.waiting += 1
        try:
            return await anyio.to_thread.run_sync(func, *args, limiter=self._limiter)
        finally:
            self.waiting -= 1
