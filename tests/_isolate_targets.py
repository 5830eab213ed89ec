"""Functions run inside WorkerPool workers by tests/test_isolate.py.

They live in an importable module because workers receive them by name (pickle).
"""

from __future__ import annotations

import os
import time
from typing import Any


def task(job: tuple[str, Any]) -> tuple[Any, int]:
    """Do what `job` says and return (value, worker pid)."""
    op, arg = job
    if op == "ok":
        return arg, os.getpid()
    if op == "now":  # when the worker started it
        return time.time(), os.getpid()
    if op == "sleep":
        time.sleep(arg)
        return arg, os.getpid()
    if op == "abort":
        os.abort()  # SIGABRT, like a Rust panic compiled with panic=abort
    if op == "allocate":
        block = bytearray(arg * 1024 * 1024)
        return len(block), os.getpid()
    if op == "raise":
        raise ValueError(arg)
    if op == "exit":
        os._exit(arg)
    raise AssertionError(f"unknown op {op!r}")


def unpicklable(_: object) -> object:
    return lambda: None


def calamine_rows(path: str) -> int:
    """Rows of the first sheet as python-calamine reads them (it may abort the process)."""
    import python_calamine

    workbook = python_calamine.CalamineWorkbook.from_path(path)
    return len(workbook.get_sheet_by_index(0).to_python())


def parent_pid(_: object) -> int:
    """The worker's parent: this test's process when the worker was forked from it, the
    forkserver when it was started from there."""
    return os.getppid()
