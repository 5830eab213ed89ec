"""What the reader remembers across files (issue #23): bounded, and the same results as
without it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from formkit.cells import Cell
from formkit.check import check_file
from tests.forms import full_values, write_filled

extract = sys.modules["formkit.read.extract"]


def test_a1_strings_are_remembered_within_a_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_filled(tmp_path / "a.xlsx", full_values())
    # from an empty cache, as a fresh worker has it (earlier tests may have filled it)
    monkeypatch.setattr(extract, "_A1", {})
    expected = check_file(path).to_json()
    assert extract._A1  # the form's cells were remembered
    assert all(a1 == cell.a1 for cell, a1 in extract._A1.items())
    # a bound far below one file's cells: cleared again and again, the same result
    monkeypatch.setattr(extract, "_A1", {})
    monkeypatch.setattr(extract, "_A1_LIMIT", 7)
    assert check_file(path).to_json() == expected
    assert 0 < len(extract._A1) <= 7
    for cell in (Cell(1, 1), Cell(5000, 64), Cell(12, 27), Cell(1, 1)):
        assert extract._a1(cell) == cell.a1
        assert len(extract._A1) <= 7
    assert extract._A1_LIMIT <= 8192
