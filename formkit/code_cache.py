"""The methods `dataclasses` writes for a class, compiled once per text (issue #23, start-up).

For each dataclass the standard library writes the source of its methods (`__init__`,
`__repr__`, `__eq__`, `__hash__`; `__setattr__` and `__delattr__` of a frozen one) and
compiles each with `exec`: about a millisecond per class on a busy machine, and a one-file
`formkit check` makes some ninety (formkit's, typer's, rich's), a fifth of its time.

`install()` (the command line's first step, formkit/cli/boot.py) gives the `dataclasses`
module an `exec` that compiles each text once per process as before and keeps the code
objects in the user's cache folder (`$XDG_CACHE_HOME/formkit`, else `~/.cache/formkit`,
beside toml_cache's tables), one file per module of classes and Python version, written
with marshal as Python keeps its compiled modules; the next process takes the code for a
text it finds there instead of compiling it. The text itself is the key, so a class that
changed is compiled anew and never given another's code; the code is what `exec(text)` in
`dataclasses` makes (file "<string>", none of this module's `__future__` flags). A cache
that cannot be read or written: compiled as before. `FORMKIT_NO_CACHE=1` turns it off.
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

# a module whose classes changed keeps the code of both in its file; past this many texts
# the file keeps only those of the last process that compiled one of them
LIMIT = 400

_state: dict[str, Any] = {"installed": False}
_kept: dict[str, dict[str, CodeType]] = {}  # by module: read from its file, text -> code
_used: dict[str, dict[str, CodeType]] = {}  # by module: made or taken in this process
_added: list[str] = []  # the modules that compiled a text their file did not have


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    # marshal's format and the bytecode are the interpreter's own; -O changes the code
    tag = f"{sys.implementation.cache_tag or 'python'}-{sys.hexversion:x}-O{sys.flags.optimize}"
    return Path(base) / "formkit" / "code" / tag


def install() -> None:
    """`dataclasses` compiles through the cache from now on (once per process)."""
    if _state["installed"] or os.environ.get("FORMKIT_NO_CACHE"):
        return
    _state["installed"] = True
    _state["folder"] = cache_folder()
    vars(dataclasses)["exec"] = _exec  # found before the builtin by the module's functions
    atexit.register(save)


def uninstall() -> None:
    """`dataclasses` compiles with the builtin `exec` again (for the tests)."""
    vars(dataclasses).pop("exec", None)
    atexit.unregister(save)
    _state["installed"] = False


def _exec(source: Any, globals: Any = None, locals: Any = None, /) -> None:
    module = globals.get("__name__") if isinstance(globals, dict) else None
    if isinstance(source, str) and isinstance(module, str) and _nameable(module):
        # one file per module of classes, read when it makes its first: a command reads
        # the code of the modules it imports, whatever other commands kept
        kept = _kept.get(module)
        if kept is None:
            kept = _kept[module] = _read(_state["folder"] / f"{module}.marshal", module)
        code = kept.get(source)
        if code is None:
            # as exec(text) compiles it when called from dataclasses: no inherited flags
            code = kept[source] = compile(source, "<string>", "exec", dont_inherit=True)
            if module not in _added:
                _added.append(module)
        _used.setdefault(module, {})[source] = code
        source = code
    builtins.exec(source, globals, locals)


def _nameable(module: str) -> bool:
    return all(part.isidentifier() for part in module.split("."))


def _read(path: Path, module: str) -> dict[str, CodeType]:
    try:
        found = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    # the module's name is kept in it: a torn or foreign file is not taken for its own
    if not (isinstance(found, tuple) and len(found) == 2 and found[0] == module):
        return {}
    table = found[1]
    if not isinstance(table, dict):
        return {}
    return {k: v for k, v in table.items() if isinstance(k, str) and isinstance(v, CodeType)}


def save() -> None:
    """Write the file of each module that compiled a text it did not have (at exit)."""
    while _added:
        module = _added.pop()
        path: Path = _state["folder"] / f"{module}.marshal"
        used = _used.get(module, {})
        table = {**_read(path, module), **used}  # what others wrote since this one read it
        if len(table) > LIMIT:
            table = dict(used)
        with contextlib.suppress(OSError, ValueError):  # unwritable: compiled each time
            path.parent.mkdir(parents=True, exist_ok=True)
            part = path.with_name(f".{path.name}.{os.getpid()}.part")
            part.write_bytes(marshal.dumps((module, table)))
            os.replace(part, path)  # whole or not at all, whoever writes it at the same time
