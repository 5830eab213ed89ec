"""What a reading worker of `formkit serve` runs for an upload, by name (module-level
functions: a pool sends them by reference). Kept apart from formkit.web.warm, which loads
the reader and the data when imported: the forkserver imports that one, the web service
and the command line import this one."""

from __future__ import annotations

import os
import time
from pathlib import Path

from formkit.check import check_file
from formkit.read import ReadOptions, Submission

__all__ = ["SLOW_ENV", "check_one", "ready"]

# test hook: seconds each upload's reading takes longer, so a test can stop the server
# while its workers are reading
SLOW_ENV = "FORMKIT_TEST_SLOW_READ"


def check_one(job: tuple[Path, ReadOptions]) -> Submission:
    """One upload's check, in a pool worker (a module-level function: sent by name)."""
    pause = float(os.environ.get(SLOW_ENV) or 0)
    if pause:
        time.sleep(pause)
    return check_file(job[0], job[1])


def ready(_: object) -> None:
    """Nothing: sent to each worker when the server starts, so it is running (forked, with
    the reader loaded) before the first upload comes."""
    return None
