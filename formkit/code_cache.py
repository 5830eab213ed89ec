"""The methods `dataclasses` writes for a class, compiled once per text (issue #23, start-up).

For each dataclass the standard library writes the source of its methods (`__init__`,
`__repr__`, `__eq__`, `__hash__`; `__setattr__` and `__delattr__` of a frozen one) and
compiles each with `exec`: about a millisecond per class on a busy machine, and a one-file
`formkit check` makes some ninety (formkit's, typer's, rich's), a fifth of its time.

`install()` (the command line's first step, formkit/cli/boot.py) gives the `dataclasses`
module an `exec` that compiles each text once per process as before and keeps the code
objects in the user's cache folder (`$XDG_CACHE_HOME/formkit`, else `~/.cache/formkit`,
beside toml_cache's tables) in one file per Python version, written with marshal as Python
keeps its compiled modules; the next process takes the code for a text it finds there
instead of compiling it. The text itself is the key, so a class that changed is compiled
anew and never given another's code; the code is what `exec(text)` in `dataclasses` makes
(file "<string>", none of this module's `__future__` flags). A cache that cannot be read or
written: compiled as before. `FORMKIT_NO_CACHE=1` turns it off.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import dataclasses
import marshal
import os
import sys
from pathlib import Path
from types import CodeType
from typing import Any

# a process that made other classes than the ones kept (another command, a changed
# formkit) adds its own; past this many the file keeps only the last process's
LIMIT = 4000

_state: dict[str, Any] = {"installed": False}
_kept: dict[str, CodeType] = {}  # read from the file: text -> code
_used: dict[str, CodeType] = {}  # made or taken in this process
_added: list[str] = []  # compiled in this process, not yet in the file


def cache_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    # marshal's format and the bytecode are the interpreter's own; -O changes the code
    tag = f"{sys.implementation.cache_tag or 'python'}-{sys.hexversion:x}-O{sys.flags.optimize}"
    return Path(base) / "formkit" / "code" / f"dataclasses-{tag}.marshal"


def install() -> None:
    """`dataclasses` compiles through the cache from now on (once per process)."""
    if _state["installed"] or os.environ.get("FORMKIT_NO_CACHE"):
        return
    _state["installed"] = True
    _kept.update(_read(cache_file()))
    vars(dataclasses)["exec"] = _exec  # found before the builtin by the module's functions
    atexit.register(save)


def uninstall() -> None:
    """`dataclasses` compiles with the builtin `exec` again (for the tests)."""
    vars(dataclasses).pop("exec", None)
    atexit.unregister(save)
    _state["installed"] = False


def _exec(source: Any, globals: Any = None, locals: Any = None, /) -> None:
    if isinstance(source, str):
        code = _kept.get(source)
        if code is None:
            # as exec(text) compiles it when called from dataclasses: no inherited flags
            code = compile(source, "<string>", "exec", dont_inherit=True)
            _kept[source] = code
            _added.append(source)
        _used[source] = code
        source = code
    builtins.exec(source, globals, locals)


def _read(path: Path) -> dict[str, CodeType]:
    try:
        found = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    # the file's name is kept in it: a torn or foreign file is not taken for it
    if not (isinstance(found, tuple) and len(found) == 2 and found[0] == path.name):
        return {}
    table = found[1]
    if not isinstance(table, dict):
        return {}
    return {k: v for k, v in table.items() if isinstance(k, str) and isinstance(v, CodeType)}


def save() -> None:
    """Write the file if this process compiled a text it did not have (at exit)."""
    if not _added:
        return
    path = cache_file()
    table = {**_read(path), **_used}  # what others wrote since this process read it
    if len(table) > LIMIT:
        table = dict(_used)
    _added.clear()
    with contextlib.suppress(OSError, ValueError):  # unwritable: compiled each time
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(f".{path.name}.{os.getpid()}.part")
        part.write_bytes(marshal.dumps((path.name, table)))
        os.replace(part, path)  # whole or not at all, whoever writes it at the same time
