"""Rate limiting: at most `count` events per `window` seconds for each key (in memory).

Keys are e.g. ("upload-token", <token hash>) and ("upload-address", <address>). The
limits guard the machine and the password, not the record, so losing them on a restart
is harmless.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    count: int
    window: float  # seconds


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._hits: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, limits: dict[Hashable, Limit]) -> float | None:
        """If every key allows one more event: count it against each and return None.
        Otherwise count nothing and return the seconds until all would allow one."""
        now = self._clock()
        with self._lock:
            wait = 0.0
            for key, limit in limits.items():
                hits = self._hits.setdefault(key, deque())
                while hits and hits[0] <= now - limit.window:
                    hits.popleft()
                if len(hits) >= limit.count:
                    wait = max(wait, hits[0] + limit.window - now)
            if wait > 0:
                return wait
            for key in limits:
                self._hits[key].append(now)
            if len(self._hits) > 10_000:  # forget keys that have gone quiet
                longest = max(lim.window for lim in limits.values())
                for key in [k for k, h in self._hits.items() if not h or h[-1] < now - longest]:
                    del self._hits[key]
            return None
