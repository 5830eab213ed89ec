"""formkit's own TOML data (the forms' specs, the reference tables) read once per content.

Parsing them with tomllib was about a tenth of a one-file `formkit check` (issue #23,
start-up: six files, 20-45 ms each on a busy machine). `load(path)` reads the file, and
for a file inside the formkit package keeps the parsed tables in the user's cache folder
(`$XDG_CACHE_HOME/formkit`, else `~/.cache/formkit`) under a hash of the file's bytes and
the Python version, written with marshal (as Python keeps its compiled modules); the next
process reads that instead. The hash names the content, so a changed file is parsed again
and never read stale. A file elsewhere (a spec or reference file a person gives), tables
marshal cannot hold (TOML dates), or a cache folder that cannot be read or written: parsed
as before. `FORMKIT_NO_CACHE=1` turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

_OWN = Path(__file__).resolve().parent


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "formkit" / "toml"


def load(path: str | Path) -> dict[str, Any]:
    """tomllib.load of the file at `path` (raises OSError, tomllib.TOMLDecodeError)."""
    with open(path, "rb") as fh:
        raw = fh.read()
    if os.environ.get("FORMKIT_NO_CACHE") or not _own(path):
        return tomllib.loads(raw.decode("utf-8"))
    # marshal's format is the interpreter's own, as a compiled module's is
    tag = sys.implementation.cache_tag or "python"
    key = hashlib.blake2b(raw + tag.encode(), digest_size=16).hexdigest()
    kept = cache_folder() / f"{key}.marshal"
    try:
        # the key is kept with the tables: a torn or foreign file is not taken for them
        found = marshal.loads(kept.read_bytes())
        if isinstance(found, tuple) and len(found) == 2 and found[0] == key:
            data: dict[str, Any] = found[1]
            return data
    except (OSError, ValueError, EOFError, TypeError):
        pass
    data = tomllib.loads(raw.decode("utf-8"))
    try:
        packed = marshal.dumps((key, data))
    except ValueError:  # a date or a time: marshal has no such type
        return data
    with contextlib.suppress(OSError):  # a folder that cannot be written: parsed each time
        kept.parent.mkdir(parents=True, exist_ok=True)
        part = kept.with_name(f".{kept.name}.{os.getpid()}.part")
        part.write_bytes(packed)
        os.replace(part, kept)  # whole or not at all, whoever writes it at the same time
    return data


def _own(path: str | Path) -> bool:
    try:
        return Path(path).resolve().is_relative_to(_OWN)
    except (OSError, ValueError):
        return False
