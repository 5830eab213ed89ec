"""formkit/code_cache.py: the methods `dataclasses` writes are compiled once per text and
kept; a class made from kept code is the class `dataclasses` makes by itself."""

from __future__ import annotations

import atexit
import dataclasses
import marshal
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from formkit import code_cache
from tests.conftest import ROOT

SOURCE = """
from dataclasses import dataclass, field

@dataclass(frozen=True)
class Point:
    x: int
    y: "tuple[str, ...]" = field(default_factory=tuple)
    z: float = 0.5
"""


def make(source: str = SOURCE) -> Any:
    """The class `Point` of `source`, made in a module of its own (as an import makes it)."""
    module = ModuleType("tests.probe_module")
    sys.modules[module.__name__] = module  # dataclasses looks the class's module up
    try:
        exec(compile(source, "<probe>", "exec", dont_inherit=True), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    return module.Point


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """An empty cache folder and a process that has read nothing yet; the texts compiled."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("FORMKIT_NO_CACHE", raising=False)
    compiled: list[str] = []

    def counting(source: str, *args: Any, **kwargs: Any) -> Any:
        compiled.append(source)
        return compile(source, *args, **kwargs)

    monkeypatch.setattr(code_cache, "compile", counting, raising=False)
    for name in ("_kept", "_used"):
        monkeypatch.setattr(code_cache, name, {})
    monkeypatch.setattr(code_cache, "_added", [])
    monkeypatch.setattr(code_cache, "_state", {"installed": False})
    was = vars(dataclasses).get("exec")
    code_cache.uninstall()
    yield compiled
    code_cache.uninstall()
    if was is not None:  # the test process's own command line had installed it
        vars(dataclasses)["exec"] = was
        atexit.register(code_cache.save)


def kept_file() -> Path:
    """Where the probe module's classes are kept."""
    return code_cache.cache_folder() / "tests.probe_module.marshal"


def new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the next process starts from: nothing in memory, the file on disk."""
    code_cache.save()
    code_cache.uninstall()
    for name in ("_kept", "_used"):
        monkeypatch.setattr(code_cache, name, {})
    code_cache.install()


def test_a_class_is_compiled_once_and_then_read(
    fresh: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code_cache.install()
    first = make()
    assert fresh, "dataclasses compiled nothing through the cache"
    assert not kept_file().exists()  # written at exit, not before
    new_process(monkeypatch)
    assert kept_file().exists()
    fresh.clear()
    second = make()
    assert fresh == []  # every method read from the file
    for cls in (first, second):
        p = cls(1, ("a",))
        assert p == cls(1, ("a",)) and hash(p) == hash(cls(1, ("a",))) and p != cls(2)
        assert repr(p) == "Point(x=1, y=('a',), z=0.5)"
        assert cls(2).y == ()  # the default factory
        with pytest.raises(dataclasses.FrozenInstanceError):
            p.x = 2  # type: ignore[misc]
    # compiled as dataclasses compiles it: the same place, no __future__ annotations
    assert second.__init__.__code__.co_filename == "<string>"
    assert first.__init__.__annotations__ == second.__init__.__annotations__
    assert second.__init__.__annotations__["x"] is int


def test_the_classes_are_the_ones_dataclasses_makes_without_it(fresh: list[str]) -> None:
    without = make()
    code_cache.install()
    with_it = make()
    for name in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__"):
        a, b = getattr(without, name), getattr(with_it, name)
        assert a.__code__.co_code == b.__code__.co_code, name
        assert a.__annotations__ == b.__annotations__, name
        assert a.__qualname__ == b.__qualname__, name


def test_a_changed_class_is_compiled_anew(
    fresh: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code_cache.install()
    make()
    new_process(monkeypatch)
    fresh.clear()
    changed = make(SOURCE.replace("z: float = 0.5", "z: float = 0.5\n    w: int = 3"))
    assert any("w" in text for text in fresh)  # its __init__ is not the kept one
    assert repr(changed(1)) == "Point(x=1, y=(), z=0.5, w=3)"


def test_a_torn_or_foreign_file_is_not_read(
    fresh: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = kept_file()
    path.parent.mkdir(parents=True)
    code = compile("", "<string>", "exec")
    for content in (b"\x00garbage", b"", marshal.dumps(("other.module", {SOURCE: code}))):
        path.write_bytes(content)
        code_cache.uninstall()
        monkeypatch.setattr(code_cache, "_kept", {})
        code_cache.install()
        assert code_cache._kept == {}
        assert make()(1).x == 1


def test_off_when_asked(fresh: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMKIT_NO_CACHE", "1")
    code_cache.install()
    assert "exec" not in vars(dataclasses)
    make()
    code_cache.save()
    assert fresh == [] and not kept_file().exists()


def test_the_command_line_keeps_its_classes_and_reads_them_next_time(tmp_path: Path) -> None:
    """`formkit check` writes the cache once; the next check reads it (and writes nothing)
    and prints the same."""
    sample = next((ROOT / "samples").glob("01-*"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80", "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("FORMKIT_NO_CACHE", None)
    probe = textwrap.dedent(
        """
        import runpy, sys
        from formkit import code_cache
        sys.argv = ["formkit", "check", "-j", "1", sys.argv[1]]
        try:
            runpy.run_module("formkit", run_name="__main__", alter_sys=True)
        finally:
            print("compiled:", len(code_cache._added), file=sys.stderr)
        """
    )

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", probe, str(sample)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            check=False,
            timeout=120,
        )

    first = run()
    assert first.returncode == 0, first.stderr
    kept = {p: p.stat().st_mtime_ns for p in (tmp_path / "formkit" / "code").rglob("*.marshal")}
    assert {p.stem for p in kept} >= {"formkit.spec.model", "formkit.read.submission", "rich.table"}
    second = run()
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout and "已受理 1 个" in second.stdout
    assert "compiled: 0\n" not in first.stderr
    assert "compiled: 0\n" in second.stderr  # every class of the check read from the file
    assert {p: p.stat().st_mtime_ns for p in kept} == kept
