"""The 申报书's summary and roll-up, cell for cell, against workbooks made before the summary
engine was split from the 申报书's own parts (issue #15 items 1 and 5).

Golden files: tests/golden/summary/*.xlsx, the same inputs' workbooks as the code made them
when they were recorded. Each part of the package (every sheet, chart, comment, style) is
compared as text, so a failure names the part and where it first differs. After a
deliberate change of the output: FORMKIT_REGEN_GOLDEN=1 pytest tests/test_summary_golden.py,
and read the diff of what changed before committing it.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

from formkit.check import check_file
from formkit.read import Submission
from formkit.rollup import rollup
from formkit.summary.collect import collect
from formkit.summary.sheets import build, write
from tests.conftest import ROOT

GOLDEN = Path(__file__).with_name("golden") / "summary"


@pytest.fixture(scope="module")
def results() -> list[Submission]:
    samples = sorted(p for p in (ROOT / "samples").iterdir() if p.is_file())
    return [check_file(p) for p in samples]


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in sorted(z.namelist())}


def _same(name: str, ours: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("FORMKIT_REGEN_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(ours)
    theirs = _parts(path.read_bytes())
    mine = _parts(ours)
    assert sorted(mine) == sorted(theirs), f"{name}: parts differ"
    for part, want in theirs.items():
        got = mine[part]
        if got != want:
            at = next(
                (i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
                min(len(got), len(want)),
            )
            pytest.fail(
                f"{name} {part} differs at byte {at}:\n"
                f"  golden: {want[max(0, at - 120) : at + 120].decode('utf-8', 'replace')}\n"
                f"  now:    {got[max(0, at - 120) : at + 120].decode('utf-8', 'replace')}"
            )


@pytest.mark.parametrize("unit", [None, "江苏省"])
def test_provincial_summary_is_unchanged(results: list[Submission], unit: str | None) -> None:
    _same(f"summary-{unit or 'all'}.xlsx", build(collect(results, unit=unit)))


def test_national_view_is_unchanged(results: list[Submission]) -> None:
    _same("national-build.xlsx", build(collect(results), national=True))


def _two_provinces(results: list[Submission], tmp_path: Path) -> list[Path]:
    """江苏省's and 四川省's summaries of the same files, written to tmp_path."""
    paths = []
    for unit in ("江苏省", "四川省"):
        path = tmp_path / f"{unit}.xlsx"
        write(path, collect(results, unit=unit))
        paths.append(path)
    return paths


def test_rollup_is_unchanged(results: list[Submission], tmp_path: Path) -> None:
    """Two provinces' summaries rolled up: the national workbook as before."""
    paths = _two_provinces(results, tmp_path)
    result = rollup(paths)
    result.data.inputs = [p.name for p in paths]
    _same("rollup.xlsx", build(result.data, national=True))


def test_rollup_read_by_worker_processes_is_unchanged(
    results: list[Submission], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same roll-up with each summary read by a worker process (forked, as the roll-up
    reads summaries of 2 MB and more in all): the national workbook as before."""
    import formkit.rollup

    monkeypatch.setattr(formkit.rollup, "PARALLEL_BYTES", 0)
    read_here: list[str] = []  # what a worker reads stays in the worker's copy
    real = formkit.rollup.read_summary

    def spy(path: Any, form_id: str | None = None) -> Any:
        read_here.append(str(path))
        return real(path, form_id)

    monkeypatch.setattr(formkit.rollup, "read_summary", spy)
    paths = _two_provinces(results, tmp_path)
    result = rollup(paths)
    assert read_here == []  # each read by a worker, none again in this process
    result.data.inputs = [p.name for p in paths]
    _same("rollup.xlsx", build(result.data, national=True))
