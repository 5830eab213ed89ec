"""Atomic output: all or nothing, and the permissions a plain write would give."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import formkit.atomic
from formkit.atomic import (
    RUN_STARTED_ENV,
    atomic_output,
    committed_together,
    mark_run_start,
    write_bytes_atomic,
)
from tests.conftest import ROOT

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


@posix_only
def test_a_new_file_is_readable_as_a_plain_write_makes_it(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        write_bytes_atomic(tmp_path / "汇总表.xlsx", b"data")
        (tmp_path / "plain.xlsx").write_bytes(b"data")
    finally:
        os.umask(umask)
    mode = stat.S_IMODE((tmp_path / "汇总表.xlsx").stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "plain.xlsx").stat().st_mode) == 0o644


@posix_only
def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "汇总表.xlsx"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(target) as fh:
        fh.write(b"half")
        raise RuntimeError("crash")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


# ---------------------------------------------------------------- written together (issue 12)


def test_files_written_together_are_replaced_at_the_end(tmp_path: Path) -> None:
    a, b = tmp_path / "汇总表.xlsx", tmp_path / "检查结果.json"
    a.write_bytes(b"old a")
    b.write_bytes(b"old b")
    with committed_together():
        write_bytes_atomic(a, b"new a")
        assert a.read_bytes() == b"old a"  # not yet: the other is not written
        write_bytes_atomic(b, b"new b")
    assert (a.read_bytes(), b.read_bytes()) == (b"new a", b"new b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["检查结果.json", "汇总表.xlsx"]


def test_a_failure_in_between_leaves_both_old(tmp_path: Path) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.json"
    a.write_bytes(b"old a")
    with pytest.raises(OSError, match="disk full"), committed_together():
        write_bytes_atomic(a, b"new a")
        with atomic_output(b) as fh:
            fh.write(b"half")
            raise OSError("disk full")
    assert a.read_bytes() == b"old a" and not b.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["a.xlsx"]


def test_a_failed_second_rename_restores_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.json"
    a.write_bytes(b"old a")
    b.write_bytes(b"old b")
    real = os.replace

    def failing(src: Any, dst: Any) -> None:
        if Path(dst) == b:
            raise OSError("read-only file system")
        real(src, dst)

    monkeypatch.setattr(formkit.atomic.os, "replace", failing)
    with pytest.raises(OSError, match="read-only"), committed_together():
        write_bytes_atomic(a, b"new a")
        write_bytes_atomic(b, b"new b")
    assert (a.read_bytes(), b.read_bytes()) == (b"old a", b"old b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "b.json"]


# ---------------------------------------------------------------- leftovers of an interrupted run


def _part(folder: Path, name: str, age: float) -> Path:
    p = folder / name
    p.write_bytes(b"half")
    when = time.time() - age
    os.utime(p, (when, when))
    return p


def test_leftover_parts_are_removed_by_the_next_run_only_if_older_and_ours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _part(tmp_path, ".汇总表.xlsx.0123456789ab.part", 3600)
    old_other = _part(tmp_path, ".检查结果.json.ba9876543210.part", 3600)
    theirs = _part(tmp_path, ".notes.part", 3600)  # not formkit's naming
    plain = _part(tmp_path, "草稿.0123456789ab.part", 3600)  # not hidden: not ours
    monkeypatch.delenv(RUN_STARTED_ENV, raising=False)
    write_bytes_atomic(tmp_path / "x.xlsx", b"x")  # run start unknown: nothing removed
    assert old.exists()
    mark_run_start(time.time() - 60)
    newer = _part(tmp_path, ".汇总表.xlsx.aaaaaaaaaaaa.part", 10)  # a run still writing
    write_bytes_atomic(tmp_path / "汇总表.xlsx", b"new")
    assert not old.exists() and not old_other.exists()
    assert theirs.exists() and plain.exists() and newer.exists()


def test_cli_summary_json_and_workbook_both_old_when_the_workbook_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import formkit.summary.sheets
    from formkit.cli import app

    sample = next((ROOT / "samples").glob("01-*"))
    book, doc = tmp_path / "汇总表.xlsx", tmp_path / "检查结果.json"
    book.write_bytes(b"old book")
    doc.write_bytes(b"old json")
    leftover = _part(tmp_path, ".汇总表.xlsx.0123456789ab.part", 3600)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(formkit.summary.sheets, "write", broken)
        args = ["summary", str(sample), "-o", str(book), "--json", str(doc), "-j", "1"]
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "无法写出" in result.output
    assert (book.read_bytes(), doc.read_bytes()) == (b"old book", b"old json")
    assert leftover.exists()  # a failed run cleans nothing

    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert book.read_bytes()[:2] == b"PK" and json.loads(doc.read_text("utf-8"))["results"]
    assert not leftover.exists()  # the next successful run removed it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["检查结果.json", "汇总表.xlsx"]


def test_feedback_workers_clean_the_output_folder_too(tmp_path: Path) -> None:
    """Copies are written by worker processes: they know the run's start as well."""
    from formkit.cli import app

    sample = next((ROOT / "samples").glob("07-*"))
    out = tmp_path / "审核意见"
    out.mkdir()
    leftover = _part(out, f".{sample.stem}-审核意见.xlsx.0123456789ab.part", 3600)
    result = CliRunner().invoke(app, ["feedback", str(sample), "-o", str(out), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert not leftover.exists()
    assert [p.name for p in out.iterdir()] == [f"{sample.stem}-审核意见.xlsx"]
