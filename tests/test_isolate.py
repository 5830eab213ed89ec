"""WorkerPool: results come back in order, and a bad item costs one worker, not the batch."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from formkit.read.isolate import Failure, WorkerPool
from tests._isolate_targets import calamine_rows, parent_pid, task, unpicklable


def run(pool: WorkerPool, jobs: list[tuple[str, Any]]) -> list[Any]:
    results = list(pool.map(task, jobs))
    assert [item for item, _ in results] == jobs  # input order, every item once
    return [outcome for _, outcome in results]


def test_returns_values_in_order_and_reuses_the_worker() -> None:
    with WorkerPool(jobs=1, timeout=10) as pool:
        outcomes = run(pool, [("ok", i) for i in range(5)])
    assert [value for value, _ in outcomes] == list(range(5))
    assert len({pid for _, pid in outcomes}) == 1


def test_timeout_then_next_item_on_a_fresh_worker() -> None:
    with WorkerPool(jobs=1, timeout=0.5) as pool:
        start = time.monotonic()
        first, slow, after = run(pool, [("ok", 1), ("sleep", 30), ("ok", 2)])
        assert time.monotonic() - start < 10
    assert isinstance(slow, Failure) and slow.kind == "timeout"
    assert after[0] == 2 and after[1] != first[1]


def test_abort_is_a_crash_and_the_batch_continues() -> None:
    with WorkerPool(jobs=1, timeout=10) as pool:
        before, crash, after = run(pool, [("ok", 1), ("abort", None), ("ok", 2)])
    assert isinstance(crash, Failure) and crash.kind == "crashed"
    assert "SIGABRT" in crash.detail
    assert after[0] == 2 and after[1] != before[1]


def test_exit_is_a_crash() -> None:
    with WorkerPool(jobs=1, timeout=10) as pool:
        (crash, after) = run(pool, [("exit", 3), ("ok", 1)])
    assert isinstance(crash, Failure) and crash.kind == "crashed" and "3" in crash.detail
    assert after[0] == 1


def test_memory_cap() -> None:
    with WorkerPool(jobs=1, timeout=20, memory_mb=512) as pool:
        small, big, after = run(pool, [("allocate", 10), ("allocate", 4096), ("ok", 1)])
    assert small[0] == 10 * 1024 * 1024
    assert isinstance(big, Failure) and big.kind == "memory"
    assert after[0] == 1


def test_exception_is_an_error_and_keeps_the_worker() -> None:
    with WorkerPool(jobs=1, timeout=10) as pool:
        before, error, after = run(pool, [("ok", 1), ("raise", "坏文件"), ("ok", 2)])
    assert isinstance(error, Failure) and error.kind == "error"
    assert error.detail == "ValueError: 坏文件"
    assert error.traceback and "ValueError" in error.traceback
    assert before[1] == after[1]


def test_unpicklable_result_is_an_error() -> None:
    with WorkerPool(jobs=1, timeout=10) as pool:
        [(_, outcome)] = list(pool.map(unpicklable, [1]))
    assert isinstance(outcome, Failure) and outcome.kind == "error"


def test_parallel_workers_keep_input_order() -> None:
    jobs = [("sleep", 0.3), ("ok", 1), ("abort", None), ("sleep", 0.1), ("raise", "x"), ("ok", 2)]
    with WorkerPool(jobs=2, timeout=10) as pool:
        outcomes = run(pool, jobs)
    kinds = [o.kind if isinstance(o, Failure) else o[0] for o in outcomes]
    assert kinds == [0.3, 1, "crashed", 0.1, "error", 2]


def test_abandoned_batch_leaves_a_usable_pool() -> None:
    with WorkerPool(jobs=2, timeout=10) as pool:
        batch = pool.map(task, [("ok", 1), ("sleep", 30), ("sleep", 30)])
        _, first = next(batch)
        assert not isinstance(first, Failure) and first[0] == 1
        batch.close()  # busy workers are killed, not left to answer later
        assert [o[0] for o in run(pool, [("ok", 5), ("ok", 6)])] == [5, 6]


def test_inline_mode_for_debugging() -> None:
    pool = WorkerPool(jobs=0)
    ok, error = run(pool, [("ok", 1), ("raise", "x")])
    assert ok[0] == 1
    assert isinstance(error, Failure) and error.kind == "error"


def test_rejects_negative_jobs() -> None:
    with pytest.raises(ValueError):
        WorkerPool(jobs=-1)


def test_calamine_abort_on_a_far_cell_is_contained(tmp_path: Path) -> None:
    """The motivating case: one cell at XFD1048576 makes calamine abort its process."""
    pytest.importorskip("python_calamine")
    from openpyxl import Workbook

    far, fine = tmp_path / "far.xlsx", tmp_path / "fine.xlsx"
    for path, cells in ((far, ("A1", "XFD1048576")), (fine, ("A1", "B2"))):
        wb = Workbook()
        sheet = wb.active
        assert sheet is not None
        for ref in cells:
            sheet[ref] = 1
        wb.save(path)
    with WorkerPool(jobs=1, timeout=20, memory_mb=1024) as pool:
        outcomes = [o for _, o in pool.map(calamine_rows, [str(far), str(fine)])]
    assert isinstance(outcomes[0], Failure) and outcomes[0].kind in {"crashed", "memory"}
    assert outcomes[1] == 2


def test_the_time_limit_runs_per_item_not_from_when_it_was_queued() -> None:
    """A worker holds the next item while it works on one: that item's time starts when
    the worker starts it, so two items each within the limit both succeed."""
    with WorkerPool(jobs=1, timeout=1.5) as pool:
        first, second = run(pool, [("sleep", 1.0), ("sleep", 1.0)])
    assert first[0] == second[0] == 1.0 and first[1] == second[1]


def test_an_item_queued_behind_a_crash_runs_once_on_a_new_worker() -> None:
    with WorkerPool(jobs=1, timeout=10) as pool:
        crash, after, last = run(pool, [("abort", None), ("ok", 1), ("ok", 2)])
    assert isinstance(crash, Failure) and crash.kind == "crashed"
    assert (after[0], last[0]) == (1, 2) and after[1] == last[1]


def test_a_worker_starts_its_next_item_while_the_caller_is_busy() -> None:
    """The items after the next are with the worker too: it goes from one to the next as
    soon as it has answered, not when the caller, busy with an answer, comes back."""
    with WorkerPool(jobs=1, timeout=10) as pool:
        results = pool.map(task, [("ok", 1), ("ok", 2), ("now", None), ("ok", 3)])
        (_, first) = next(results)
        answered = time.time()
        time.sleep(0.5)  # the caller busy with the first result
        (_, second) = next(results)
        (_, (started, pid)) = next(results)
        rest = list(results)
    assert started < answered + 0.5 and pid == first[1] == second[1]
    assert [r[1][0] for r in rest] == [3]


def test_items_queued_behind_a_timeout_or_a_memory_failure_still_run() -> None:
    with WorkerPool(jobs=1, timeout=1.0, memory_mb=512) as pool:
        outcomes = run(
            pool,
            [("sleep", 30), ("ok", 1), ("ok", 2), ("allocate", 4096), ("ok", 3), ("ok", 4)],
        )
    slow, one, two, big, three, four = outcomes
    assert isinstance(slow, Failure) and slow.kind == "timeout"
    assert isinstance(big, Failure) and big.kind == "memory"
    assert [one[0], two[0], three[0], four[0]] == [1, 2, 3, 4]


def test_two_workers_with_queues_keep_order_and_lose_nothing() -> None:
    jobs = [("sleep", 0.05 * (i % 3)) if i % 4 else ("ok", i) for i in range(24)]
    jobs[7] = ("abort", None)
    with WorkerPool(jobs=2, timeout=10) as pool:
        outcomes = run(pool, jobs)
    failed = [i for i, o in enumerate(outcomes) if isinstance(o, Failure)]
    assert failed == [7]
    assert [o[0] for i, o in enumerate(outcomes) if i != 7] == [
        arg for i, (_, arg) in enumerate(jobs) if i != 7
    ]


# ---------------------------------------------------------------- how a worker starts


@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_limits_hold_however_the_worker_starts(method: str) -> None:
    """A forked worker starts with the parent's address space: its memory cap, time limit
    and crash isolation are still its own."""
    jobs = [("allocate", 10), ("allocate", 4096), ("sleep", 30), ("abort", None), ("ok", 1)]
    with WorkerPool(jobs=1, timeout=2, memory_mb=512, start_method=method) as pool:
        small, big, slow, crash, after = run(pool, jobs)
    assert small[0] == 10 * 1024 * 1024
    assert isinstance(big, Failure) and big.kind == "memory"
    assert isinstance(slow, Failure) and slow.kind == "timeout"
    assert isinstance(crash, Failure) and crash.kind == "crashed"
    assert after[0] == 1


def _parent_of_a_worker(pool: WorkerPool) -> int:
    [(_, ppid)] = list(pool.map(parent_pid, [0]))
    assert isinstance(ppid, int)
    return ppid


def test_auto_forks_only_while_the_process_has_one_thread() -> None:
    if threading.active_count() > 1 or not sys.platform.startswith("linux"):
        pytest.skip("other threads run in this test process, or not Linux: no fork")
    with WorkerPool(jobs=1, timeout=10) as pool:
        assert _parent_of_a_worker(pool) == os.getpid()  # forked from here
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with WorkerPool(jobs=1, timeout=10) as pool:
            assert _parent_of_a_worker(pool) != os.getpid()  # from the forkserver
    finally:
        stop.set()
        thread.join()


def test_a_replacement_worker_started_beside_a_thread_is_not_forked() -> None:
    """The method is chosen as each worker starts: one started after a thread began (a
    progress bar's) comes from the forkserver."""
    if threading.active_count() > 1 or not sys.platform.startswith("linux"):
        pytest.skip("other threads run in this test process, or not Linux: no fork")
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    with WorkerPool(jobs=1, timeout=10) as pool:
        first = _parent_of_a_worker(pool)
        thread.start()
        try:
            crash, after = run(pool, [("abort", None), ("ok", 1)])
            replacement = _parent_of_a_worker(pool)
        finally:
            stop.set()
            thread.join()
    assert first == os.getpid() and replacement != os.getpid()
    assert isinstance(crash, Failure) and after[0] == 1


def test_the_web_server_workers_never_fork(tmp_path: Path) -> None:
    from formkit.web.service import Settings, Workers, default_store

    db = tmp_path / "round.db"
    workers = Workers(Settings(db=db, store=default_store(db), checks=2))
    assert [pool.start_method for pool in workers._all] == ["forkserver", "forkserver"]


def test_rejects_an_unknown_start_method() -> None:
    with pytest.raises(ValueError):
        WorkerPool(start_method="teleport")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's parent-death signal")
def test_forked_workers_end_with_a_parent_killed_outright(tmp_path: Path) -> None:
    """kill -9 of the process that runs the pool: its forked reading workers end too, idle
    or busy (each held both ends of its own pipe, so it waited for an item forever). A
    worker started from the forkserver sees its pipe close and ends after its item."""
    method = "fork"
    import signal
    import subprocess

    out = tmp_path / "pids"
    script = (
        "import sys\n"
        "from formkit.read.isolate import WorkerPool\n"
        "from tests._isolate_targets import task\n"
        "if __name__ == '__main__':\n"
        f"    pool = WorkerPool(jobs=2, timeout=60, start_method={method!r})\n"
        "    results = pool.map(task, [('ok', 1), ('ok', 2), ('sleep', 30), ('ok', 3)])\n"
        "    pids = {next(results)[1][1], next(results)[1][1]}\n"
        f"    open({str(out)!r}, 'w').write(' '.join(map(str, pids)))\n"
        "    next(results)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    parent = subprocess.Popen([sys.executable, "-c", script], env=env)
    try:
        deadline = time.monotonic() + 60
        while not (out.exists() and out.read_text().strip()):
            assert time.monotonic() < deadline and parent.poll() is None
            time.sleep(0.05)
        workers = [int(p) for p in out.read_text().split()]
        assert all(_alive(p) for p in workers)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in workers if _alive(p)]


def _alive(pid: int) -> bool:
    """A process that exists and is not a zombie waiting for its parent's wait()."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
