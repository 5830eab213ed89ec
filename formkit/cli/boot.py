"""What the command line sets up before it imports anything else (formkit/cli/__init__.py
imports this first; issue #23, start-up):

- the dataclasses typer, rich and formkit make as they are imported are compiled once per
  text, not in every process (formkit/code_cache.py);
- no garbage collection while the command line imports its modules: the imports make
  some 30,000 objects and almost no garbage, and the collector walked them about sixty
  times (15 ms of a one-file check). formkit.cli turns it on again when its own imports
  are done (`imported()`), and the imports of a command's module run in `quiet()`; both
  first `gc.freeze()` what the imports made (objects that live as long as the process): else
  the first collection after them walks all of it at once, and in a forked reading worker
  that touched (copied) every page of it, 11-19 ms of the worker's 50-60 ms;
- the process ends without the collector walking what it made. Python's finalization
  collects garbage over every object still alive, in several passes: 40-60 ms after a
  one-file check had printed, to find nothing (a collection at exit found no garbage).
  `gc.freeze()`, the last exit handler (registered first), puts them out of its reach;
  they are left to the end of the process as they were. The interpreter flushes the
  standard streams itself, and formkit closes every file it writes (formkit/atomic.py),
  so no file's end waits on the collector.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
from collections.abc import Iterator

_was_enabled = gc.isenabled()
gc.disable()  # before the next import too: dataclasses imports inspect, ast and dis

from formkit import code_cache  # noqa: E402

atexit.register(gc.freeze)  # first registered, last run
code_cache.install()


def imported() -> None:
    """formkit.cli's imports are done: the collector runs again (if it ran before), over
    what is made from now on."""
    gc.freeze()
    if _was_enabled:
        gc.enable()


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No garbage collection while the block runs (a command's module imported)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
