"""Run a parse function on many files in worker processes that may die.

A hostile workbook can hang openpyxl, exhaust memory, or make python-calamine abort the
whole process (a Rust panic is not always catchable).  So every parse runs in a worker
process with a memory cap (RLIMIT_AS) and a wall-time limit; a worker that crashes, is
killed or runs out of time is replaced and the batch goes on.  Healthy workers are reused
so a batch does not pay process start-up per file.

    with WorkerPool(jobs=2, timeout=30, memory_mb=2048) as pool:
        for path, outcome in pool.map(read_workbook, paths):
            if isinstance(outcome, Failure):
                ...  # outcome.kind: "timeout" | "crashed" | "memory" | "error"

`func` and its items and results travel by pickle, so `func` must be importable by name
(a module-level function), and a script that creates a pool needs the usual
`if __name__ == "__main__":` guard.  A worker's stderr is the parent's, so a crashing
library's own message (a Rust panic) shows there.

How a worker starts (`start_method`): "auto" (the default) forks it on Linux while the
calling process has one thread, so it inherits what the parent has imported (a one-file
`formkit check` does not wait for a fresh interpreter to import formkit.check), and starts
it from the forkserver when other threads run (a progress bar's, a web server's: a fork
would copy their locks in whatever state they are); "forkserver", "spawn" or "fork" always
that one.  Either way the limits are set in the worker itself; a forked worker's address
space starts as large as the parent's and counts against its memory cap.

`jobs=0` runs inline in this process, without isolation, limits or timeouts, for
debugging with pdb.

concurrent.futures.ProcessPoolExecutor is not used on purpose: one dead worker marks
the whole executor broken.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Any, Literal, TypeVar

__all__ = ["Failure", "WorkerPool"]

T = TypeVar("T")
R = TypeVar("R")

FailureKind = Literal["timeout", "crashed", "memory", "error"]


@dataclass(frozen=True)
class Failure:
    """Why an item produced no result; `detail` is English, for logs."""

    kind: FailureKind
    detail: str
    traceback: str | None = None  # for kind "error"/"memory": where it was raised


# a function and its arguments, run once in each worker before its first item
Setup = tuple[Callable[..., None], tuple[Any, ...]]


def _die_with_parent() -> None:
    """Linux: the kernel kills this worker when the process that started it ends, however
    it ends (kill -9 included). A forked worker holds both ends of its own pipe, so it would
    never see the parent's end close and would wait for its next item forever."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # here: only a worker on Linux needs it

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent ended before the request took effect
        os._exit(0)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _worker_main(conn: Connection, memory_bytes: int, setup: Setup | None = None) -> None:
    _die_with_parent()
    # what the caller's items need that a forkserver child, started from a clean
    # interpreter, lacks (the forms registered in the parent: formkit.check's setup); a
    # forked child has it already, and setting it up again changes nothing
    if setup is not None:
        func, args = setup
        func(*args)
    # The cap applies to this process only; the parent and other workers keep theirs.
    if memory_bytes > 0:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            memory_bytes = min(memory_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return  # parent went away
        if task is None:
            return
        func, item = task
        try:
            reply: tuple[str, Any] = ("ok", func(item))
        except MemoryError:
            reply = ("memory", Failure("memory", "MemoryError", traceback.format_exc()))
        except BaseException as e:
            detail = f"{type(e).__name__}: {e}"
            reply = ("error", Failure("error", detail, traceback.format_exc()))
        try:
            conn.send(reply)
        except Exception as e:  # result could not be pickled
            conn.send(("error", Failure("error", f"result not sendable: {type(e).__name__}: {e}")))
        if reply[0] == "memory":
            return  # the heap may be fragmented or half-full: start afresh


class _Worker:
    def __init__(self, ctx: Any, memory_bytes: int, setup: Setup | None) -> None:
        self.conn, child = multiprocessing.Pipe(duplex=True)
        self.process: BaseProcess = ctx.Process(
            target=_worker_main,
            args=(child, memory_bytes, setup),
            daemon=True,
            name="formkit-worker",
        )
        self.process.start()
        child.close()
        self.start_method: str = ctx.get_start_method()
        # items sent and not answered yet, oldest (the one being worked on) first
        self.queue: deque[int] = deque()
        self.deadline = 0.0  # for the oldest

    def stop(self, *, kill: bool) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                self.process.kill()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _death(process: BaseProcess) -> Failure:
    process.join(1)
    code = process.exitcode
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        return Failure("crashed", f"worker killed by {name}")
    return Failure("crashed", f"worker exited with status {code}")


# items a worker is sent ahead of its answers: the one it works on and the next
DEPTH = 2


class WorkerPool:
    """A few reusable worker processes; see the module docstring."""

    def __init__(
        self,
        jobs: int = 1,
        timeout: float = 30.0,
        memory_mb: int = 2048,
        *,
        start_method: str = "auto",
        setup: Setup | None = None,
    ) -> None:
        """`setup`: a function (importable by name) and its arguments, run once in each
        worker process before its first item (not with jobs=0: the items then run in the
        caller's own process, which has what it set up)."""
        if jobs < 0:
            raise ValueError("jobs must be >= 0")
        self.jobs = jobs
        self.setup = setup
        self.timeout = timeout
        self.memory_bytes = memory_mb * 1024 * 1024
        if start_method != "auto":
            multiprocessing.get_context(start_method)  # an unknown method fails here
        self.start_method = start_method
        self._idle: list[_Worker] = []

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _context(self) -> Any:
        """How the next worker starts: decided when it starts, not when the pool is made
        (a progress bar's thread may have started since)."""
        method = self.start_method
        if method == "auto":
            # Linux only: macOS's system libraries are not fork-safe (Python's default
            # there is spawn)
            single = threading.active_count() == 1
            fork = single and sys.platform.startswith("linux")
            method = "fork" if fork else "forkserver"
        return multiprocessing.get_context(method)

    def _new_worker(self) -> _Worker:
        return _Worker(self._context(), self.memory_bytes, self.setup)

    def close(self) -> None:
        while self._idle:
            self._idle.pop().stop(kill=False)

    def map(
        self, func: Callable[[T], R], items: Iterable[T]
    ) -> Generator[tuple[T, R | Failure], None, None]:
        """Yield (item, result or Failure) for every item, in input order.

        Each worker is sent its next item before it has answered the last (`DEPTH` at a
        time): it goes on while this process is busy with the results. When a worker dies
        or runs out of time, the item it was working on fails and the ones queued behind
        it go to another worker. Closing the generator early kills the workers still busy
        with its items.
        """
        if self.jobs == 0:
            yield from self._map_inline(func, items)
            return
        pending = iter(enumerate(items))
        again: deque[int] = deque()  # queued behind an item that killed its worker
        inputs: dict[int, T] = {}
        done: dict[int, R | Failure] = {}
        busy: list[_Worker] = []
        next_out = 0
        exhausted = False
        try:
            while True:
                # keep every worker fed, but do not run far ahead of the slowest item
                while again or (not exhausted and len(inputs) < 4 * self.jobs):
                    worker = self._feedable(busy)
                    if worker is None:
                        break
                    if again:
                        index = again.popleft()
                    else:
                        nxt = next(pending, None)
                        if nxt is None:
                            exhausted = True
                            break
                        index, inputs[index] = nxt
                    outcome = self._dispatch(busy, worker, index, func, inputs[index])
                    if outcome is not None:
                        done[index] = outcome
                while next_out in done:
                    yield inputs.pop(next_out), done.pop(next_out)
                    next_out += 1
                if not busy:
                    if exhausted and not again:
                        return
                    continue
                again.extend(self._collect(busy, done))
        finally:
            for worker in busy:  # abandoned mid-batch: their results would be stale
                worker.stop(kill=True)

    def _feedable(self, busy: list[_Worker]) -> _Worker | None:
        """The worker to send the next item to: an idle one, a new one while there are
        fewer than `jobs`, else the busy one with the shortest queue under DEPTH."""
        if self._idle:
            return self._idle.pop()
        if len(busy) < self.jobs:
            return self._new_worker()
        worker = min(busy, key=lambda w: len(w.queue), default=None)
        return worker if worker is not None and len(worker.queue) < DEPTH else None

    def _dispatch(
        self, busy: list[_Worker], worker: _Worker, index: int, func: Callable[[T], R], item: T
    ) -> Failure | None:
        fresh = worker not in busy
        try:
            worker.conn.send((func, item))
        except BrokenPipeError:
            if not fresh:  # it died working: _collect finds out and sends its queue again
                worker.queue.append(index)
                return None
            # an idle worker died (killed from outside): replace it once
            worker.stop(kill=True)
            worker = self._new_worker()
            worker.conn.send((func, item))
        except Exception as e:  # pickling failed before anything was written
            if fresh:
                self._idle.append(worker)
            return Failure("error", f"cannot send item to worker: {type(e).__name__}: {e}")
        if not worker.queue:
            worker.deadline = time.monotonic() + self.timeout
        worker.queue.append(index)
        if worker not in busy:
            busy.append(worker)
        return None

    def _collect(self, busy: list[_Worker], done: dict[int, Any]) -> list[int]:
        """Wait until some worker answers, dies, or reaches its deadline; the items queued
        behind one that died, to be sent again."""
        wait_for = min(w.deadline for w in busy) - time.monotonic()
        objects = [w.conn for w in busy] + [w.process.sentinel for w in busy]
        ready = set(multiprocessing.connection.wait(objects, timeout=max(wait_for, 0)))
        again: list[int] = []
        for worker in list(busy):
            healthy = True
            # every answer already in the pipe (a result sent just before dying too)
            while worker.queue and healthy and self._answered(worker):
                outcome, healthy = self._receive(worker)
                done[worker.queue.popleft()] = outcome
                worker.deadline = time.monotonic() + self.timeout
            if healthy and worker.queue:
                if worker.process.sentinel in ready or not worker.process.is_alive():
                    done[worker.queue.popleft()] = _death(worker.process)
                    healthy = False
                elif time.monotonic() >= worker.deadline:
                    failure = Failure("timeout", f"no result after {self.timeout:g} s")
                    done[worker.queue.popleft()] = failure
                    healthy = False
                else:
                    continue
            busy.remove(worker)
            if healthy:
                self._idle.append(worker)
            else:
                again.extend(worker.queue)
                worker.queue.clear()
                worker.stop(kill=True)
        return again

    @staticmethod
    def _answered(worker: _Worker) -> bool:
        try:
            return worker.conn.poll()
        except (EOFError, OSError):
            return False

    @staticmethod
    def _receive(worker: _Worker) -> tuple[Any, bool]:
        """(result or Failure, whether the worker can take another item)."""
        try:
            status, value = worker.conn.recv()
            return value, status in ("ok", "error")
        except (EOFError, OSError):
            pass
        return _death(worker.process), False

    @staticmethod
    def _map_inline(func: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R | Failure]]:
        for item in items:
            try:
                yield item, func(item)
            except MemoryError:
                yield item, Failure("memory", "MemoryError", traceback.format_exc())
            except Exception as e:
                yield item, Failure("error", f"{type(e).__name__}: {e}", traceback.format_exc())
