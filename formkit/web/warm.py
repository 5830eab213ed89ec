"""Loaded by the forkserver of `formkit serve` before it forks any worker, so every worker
starts with the reader, the validator, the form spec and the reference data in memory:
an upload is then checked in milliseconds instead of paying the imports each time."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import formkit.check
import formkit.feedback
import formkit.read.extract
import formkit.read.gate
import formkit.read.locate
import formkit.read.xlsx_fast
import formkit.validate
from formkit.reference import load_reference
from formkit.spec import load_spec

if TYPE_CHECKING:
    from formkit.read import ReadOptions, Submission

load_spec()
load_reference()

__all__ = ["check_one", "formkit", "ready"]

# test hook: seconds each upload's reading takes longer, so a test can stop the server
# while its workers are reading
SLOW_ENV = "FORMKIT_TEST_SLOW_READ"


def check_one(job: tuple[Path, ReadOptions]) -> Submission:
    """One upload's check, in a pool worker (a module-level function: sent by name)."""
    pause = float(os.environ.get(SLOW_ENV) or 0)
    if pause:
        time.sleep(pause)
    return formkit.check.check_file(job[0], job[1])


def ready(_: object) -> None:
    """Nothing: sent to each worker when the server starts, so it is running (forked, with
    all of the above loaded) before the first upload comes."""
    return None
