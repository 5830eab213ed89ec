"""Atomic output: a crash never leaves half a file where the old one was.

- `atomic_output(path)`: write into `.<name>.<12 hex>.part` beside `path`, rename at the end.
- `committed_together()`: the files written inside it are renamed into place together at
  its end (a summary's workbook and its --json): both new or both old; if a rename fails,
  the files already replaced get their old content back.
- Leftover `.part` files of an interrupted run are removed by the next run that commits a
  file in the same folder: only formkit's own names, only those older than the run (its
  start time is set by the command line, `mark_run_start()`; without it nothing is removed).
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

# the command's start (time.time()), inherited by its worker processes
RUN_STARTED_ENV = "FORMKIT_RUN_STARTED"
_PART = re.compile(r"^\..+\.[0-9a-f]{12}\.part$")
# while committed_together() is open: (temporary, target) waiting to be renamed
_PENDING: contextvars.ContextVar[list[tuple[Path, Path]] | None] = contextvars.ContextVar(
    "formkit_atomic_pending", default=None
)


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[BinaryIO]:
    """Open a temporary file beside `path`; on success it replaces `path` in one rename.

    The new file gets the permissions of the file it replaces, else those a plain open
    gives (the umask applies): others on a shared folder can read a summary as they
    could before.  (tempfile.mkstemp would make it private to its owner.)
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_beside(target)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, os.stat(target).st_mode & 0o7777)  # replacing: keep its mode
        pending = _PENDING.get()
        if pending is not None:
            pending.append((tmp, target))
            return
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    clean_parts(target.parent)


@contextlib.contextmanager
def committed_together() -> Iterator[None]:
    """Files written with atomic_output inside this block replace their targets together
    at its end, or (an exception in the block, a failed rename) none of them does."""
    if _PENDING.get() is not None:  # nested: the outer block commits
        yield
        return
    pending: list[tuple[Path, Path]] = []
    token = _PENDING.set(pending)
    try:
        yield
    except BaseException:
        for tmp, _ in pending:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    finally:
        _PENDING.reset(token)
    _commit(pending)
    for folder in dict.fromkeys(target.parent for _, target in pending):
        clean_parts(folder)


def _commit(pending: list[tuple[Path, Path]]) -> None:
    done: list[tuple[Path, Path | None]] = []  # target, backup of its old content
    backup: Path | None = None
    try:
        for tmp, target in pending:
            backup = _backup(target) if target.exists() else None
            os.replace(tmp, target)  # fails as a whole: the target keeps its content
            done.append((target, backup))
            backup = None
    except BaseException:
        if backup is not None:  # of the target whose rename failed
            with contextlib.suppress(OSError):
                os.unlink(backup)
        for target, old in reversed(done):
            with contextlib.suppress(OSError):
                if old is not None:
                    os.replace(old, target)
                else:
                    os.unlink(target)
        for tmp, _ in pending:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    for _, old in done:
        if old is not None:
            with contextlib.suppress(OSError):
                os.unlink(old)


def _backup(target: Path) -> Path:
    """A second name for the old content (a hard link; a copy where links are not allowed)."""
    for _ in range(100):
        backup = target.parent / f".{target.name}.{secrets.token_hex(6)}.part"
        try:
            os.link(target, backup)
            return backup
        except FileExistsError:
            continue
        except OSError:
            shutil.copy2(target, backup)
            return backup
    raise FileExistsError(f"no free temporary name beside {target}")


def mark_run_start(when: float | None = None) -> None:
    """Say when this run started: .part files older than that are leftovers to remove."""
    os.environ[RUN_STARTED_ENV] = repr(time.time() if when is None else when)


def clean_parts(folder: str | Path, before: float | None = None) -> list[Path]:
    """Remove formkit's temporary files (`.<name>.<12 hex>.part`) in `folder` last modified
    before `before` (default: the run's start, see mark_run_start; unknown: none)."""
    if before is None:
        try:
            before = float(os.environ[RUN_STARTED_ENV])
        except (KeyError, ValueError):
            return []
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not _PART.match(entry.name):
            continue
        try:
            if not entry.is_file(follow_symlinks=False) or entry.stat().st_mtime >= before:
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def _create_beside(target: Path) -> tuple[int, Path]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = target.parent / f".{target.name}.{secrets.token_hex(6)}.part"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target}")


# why a write failed, as a person reads it: the system's own words are English
_REASONS_ZH = {
    errno.ENOSPC: "磁盘已满",
    errno.EDQUOT: "超出磁盘配额",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EROFS: "文件系统只读",
    errno.ENOENT: "文件夹不存在",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EISDIR: "是一个文件夹",
    errno.EIO: "磁盘读写出错",
    errno.ENAMETOOLONG: "文件名过长",
}


def reason_zh(exc: OSError) -> str:
    """An OSError's cause in Chinese (磁盘已满, 没有写入权限, ...), else its code and text."""
    known = _REASONS_ZH.get(exc.errno or 0)
    if known is not None:
        return known
    return f"系统错误 {exc.errno}：{exc.strerror}" if exc.errno else f"系统错误：{exc}"


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    with atomic_output(path) as fh:
        fh.write(data)
