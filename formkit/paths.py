"""Paths as people see them, and outputs that can never overwrite an input.

`display_name(path)`: the text to show, store or write for a path. A file name that is not
valid UTF-8 (a Windows zip of GBK-named files unpacked on Linux) reaches Python as a str
with lone surrogates (PEP 383), which JSON, XML writers and SQLite refuse; its display name
is decoded as GBK where that decodes cleanly, otherwise with replacement characters (U+FFFD).
The path itself is kept to open the file.

`check_outputs(inputs, outputs, out_dirs)`: every command calls it before it writes
anything; it raises `OutputClash` when an output is one of the inputs, lies inside an
input folder being read, or is given twice.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

PathLike = str | os.PathLike[str]


def display_name(path: PathLike | bytes) -> str:
    """`path` as valid Unicode text: UTF-8, else GBK per component, else with U+FFFD."""
    try:
        raw = os.fsencode(path)
    except UnicodeEncodeError:  # lone surrogates that did not come from the file system
        return str(os.fspath(path)).encode("utf-8", "replace").decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    sep = os.fsencode(os.sep)
    return os.sep.join(_component(part) for part in raw.split(sep))


# where a shared beginning of file names may be cut: after a word, never inside one
_SEPARATORS = "-_ ·—（(、，,"


def distinct_names(names: Iterable[str]) -> tuple[list[str], str]:
    """File names as a narrow table shows them: the beginning all of them share, cut after
    a separator ("申报书-湖北省-"), is left out, so what tells them apart is what shows.
    Returns (the names so shortened, each with a leading "…"; the shared beginning, "" when
    nothing is left out). One name, or names with nothing to share, stay whole."""
    names = list(names)
    shared = shared_beginning(lambda: names)
    return ([f"…{n[len(shared) :]}" for n in names] if shared else names), shared


def shared_beginning(names: Callable[[], Iterable[str]]) -> str:
    """The beginning distinct_names leaves out ("" when none), the names read as `names()`
    gives them (twice), never all held: a table of thousands of files shortens only the
    few it shows."""
    first: str | None = None
    distinct = False
    shared = ""
    # character by character on purpose: these are names, not paths
    for n in names():
        if first is None:
            first = shared = n
            continue
        distinct = distinct or n != first
        if not n.startswith(shared):
            k = 0
            while k < len(shared) and k < len(n) and shared[k] == n[k]:
                k += 1
            shared = shared[:k]
    if not distinct:
        return ""
    cut = max((shared.rfind(c) for c in _SEPARATORS), default=-1) + 1
    # a cut that would leave a name nothing but its extension keeps it whole
    if cut < 2 or any(len(Path(n[cut:]).stem) < 1 for n in names()):
        return ""
    return shared[:cut]


def _component(part: bytes) -> str:
    for encoding in ("utf-8", "gbk"):
        try:
            return part.decode(encoding)
        except UnicodeDecodeError:
            continue
    return part.decode("utf-8", "replace")


def on_disk(shown: str) -> str:
    """The path behind a display name (e.g. one stored in the ledger), if it can be found.

    A name shown decoded from GBK is found again by encoding its file name back to GBK;
    otherwise `shown` itself is returned (and opening it reports the file as missing).
    """
    if os.path.lexists(shown):
        return shown
    folder, name = os.path.split(shown)
    try:
        candidate = os.path.join(os.fsencode(folder), name.encode("gbk"))
    except UnicodeEncodeError:
        return shown
    found = os.fsdecode(candidate)
    return found if os.path.lexists(found) else shown


def is_displayable(text: str) -> bool:
    """Whether `text` encodes as UTF-8 (no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class OutputClash(Exception):
    """An output path that would overwrite an input, or be read as one. `message` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _real(p: Path) -> Path:
    return Path(os.path.normcase(os.path.realpath(p)))


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return _real(a) == _real(b)


def _inside(p: Path, folder: Path) -> bool:
    real, top = _real(p), _real(folder)
    return real == top or real.is_relative_to(top)


def _same_file_within(out: Path, folder: Path) -> Path | None:
    """A file under `folder` that is the existing file `out` by another name (a hard
    link, or a symbolic link in the folder pointing at it); None if `out` does not exist.
    The folder is walked only when the output already exists."""
    try:
        st = os.stat(out)
    except OSError:
        return None
    for root, _dirs, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            try:
                other = os.stat(path)
            except OSError:
                continue
            if (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino):
                return Path(path)
    return None


def check_outputs(
    inputs: Iterable[PathLike | None],
    outputs: Iterable[PathLike | None] = (),
    out_dirs: Iterable[PathLike | None] = (),
) -> None:
    """Raise `OutputClash` if writing `outputs` (files) or into `out_dirs` could touch an input.

    Refused: an output file that is an input file (same file, through symlinks and hard
    links), or inside an input folder, or the same file as one in an input folder (a hard
    link, or a symlink in the folder); an output folder that is an input file, or is
    (inside) an input folder; an output file that is an existing folder; one output given
    twice. `None` entries and "-" (standard output) are ignored.
    """
    ins = [Path(p) for p in inputs if p is not None and str(p) != "-"]
    files = [Path(p) for p in outputs if p is not None and str(p) != "-"]
    dirs = [Path(p) for p in out_dirs if p is not None]
    for out in files:
        shown = display_name(out)
        if out.is_dir():
            raise OutputClash(f"输出文件 {shown} 是一个已有的文件夹，请给出文件名。")
        for given in ins:
            if given.is_dir():
                if _inside(out, given):
                    raise OutputClash(
                        f"输出文件 {shown} 在输入文件夹 {display_name(given)} 之中，"
                        "会被当作输入读取或覆盖输入；请写到输入文件夹以外。未写出任何文件。"
                    )
                same = _same_file_within(out, given)
                if same is not None:
                    raise OutputClash(
                        f"输出文件 {shown} 与输入文件夹 {display_name(given)} 中的文件 "
                        f"{display_name(same)} 是同一个文件（硬链接或符号链接），写出会覆盖"
                        "输入；请换一个输出文件名。未写出任何文件。"
                    )
            elif _same(out, given):
                raise OutputClash(
                    f"输出文件 {shown} 就是输入文件 {display_name(given)}，写出会覆盖输入；"
                    "请换一个输出文件名。未写出任何文件。"
                )
    for i, out in enumerate(files):
        for other in files[i + 1 :]:
            if _same(out, other):
                raise OutputClash(f"两个输出都是 {display_name(out)}，请分别给出不同的文件名。")
    for folder in dirs:
        shown = display_name(folder)
        for given in ins:
            if given.is_dir():
                if _inside(folder, given):
                    raise OutputClash(
                        f"输出文件夹 {shown} 就是或位于输入文件夹 {display_name(given)} 之中，"
                        "写出的文件会被当作输入再次读取；请写到输入文件夹以外。未写出任何文件。"
                    )
            elif _same(folder, given):
                raise OutputClash(f"输出文件夹 {shown} 是输入文件 {display_name(given)}。")
