"""What the command line sets up before it imports anything else (formkit/cli/__init__.py
imports this first; issue #23, start-up):

- the dataclasses typer, rich and formkit make as they are imported are compiled once per
  text, not in every process (formkit/code_cache.py);
- the process ends without the collector walking what it made. Python's finalization
  collects garbage over every object still alive (some 30,000 after a one-file check,
  in several passes): 40-50 ms of that check, more than reading the file, to find nothing
  to collect (a collection at exit found no garbage). `gc.freeze()`, the last exit handler
  (registered first), puts them out of its reach; they are left to the end of the process
  as they were. The interpreter flushes the standard streams itself, and formkit closes
  every file it writes (formkit/atomic.py), so no file's end waits on the collector.
"""

from __future__ import annotations

import atexit
import gc

from formkit import code_cache

atexit.register(gc.freeze)  # first registered, last run
code_cache.install()
