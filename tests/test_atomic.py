"""Atomic output: all or nothing, and the permissions a plain write would give."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from formkit.atomic import atomic_output, write_bytes_atomic

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
