"""`formkit check` keeps memory flat in the number of files (issue #23): what it holds per
file until the end, and what it lets go of, checked structurally; the output unchanged."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import formkit.read.xlsx.fast as fast
from formkit.check import check_file
from formkit.cli import app
from formkit.cli.check import _handed_over
from formkit.cli.results import slim
from formkit.forms import spec_of
from formkit.issues import Issue
from formkit.paths import _SEPARATORS, distinct_names, shared_beginning
from formkit.reference import load_reference
from formkit.rounds.check import Versions
from formkit.rounds.report import _write_list
from formkit.supersession import candidate
from tests.forms import full_values, write_filled

runner = CliRunner()


def test_the_paths_are_let_go_of_as_they_are_handed_over() -> None:
    files = ["a.xlsx", "b.xlsx", "c.xlsx"]
    given = _handed_over(files)
    assert next(given) == "a.xlsx"
    assert files == ["c.xlsx", "b.xlsx"]  # the one handed over is no longer held
    assert list(given) == ["b.xlsx", "c.xlsx"] and files == []


def test_a_list_written_from_a_generator_is_the_same_text() -> None:
    items = [{"file": "甲.xlsx", "n": 1}, {"file": "乙.xlsx", "conflicts": []}]
    for given in ([], items[:1], items):
        as_list, as_made = io.BytesIO(), io.BytesIO()
        _write_list(as_list, given)
        _write_list(as_made, (i for i in given))
        assert as_made.getvalue() == as_list.getvalue()
        assert json.loads(as_made.getvalue()) == given


def test_versions_share_repeated_text_and_let_go_of_the_candidates(tmp_path: Path) -> None:
    first = write_filled(tmp_path / "a.xlsx", full_values())
    again = tmp_path / "b.xlsx"
    shutil.copyfile(first, again)
    other = write_filled(tmp_path / "c.xlsx", {**full_values(), "fill_date": dt.date(2006, 4, 2)})
    versions = Versions(load_reference())
    for path in (first, again, other):
        versions.add(check_file(path))
    a, b, c = versions.cands
    assert a.applicant and a.applicant == c.applicant
    assert a.applicant is b.applicant is c.applicant  # one copy of the name for all three
    rows = versions.rows()
    row = next(rows)
    assert versions.cands == []  # decided: the candidates are no longer kept
    rest = list(rows)
    assert [r["file"] for r in [row, *rest]] == [str(first), str(again), str(other)]
    assert rest[0]["disposition"] == "duplicate" and rest[0]["current"] == str(first)


def test_check_lists_the_files_that_do_not_count_from_the_rows_it_wrote(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_filled(folder / "a.xlsx", full_values())
    shutil.copyfile(folder / "a.xlsx", folder / "b.xlsx")
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["check", str(folder), "--json", str(out), "--jobs", "1"])
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [r["disposition"] for r in doc["files"]] == ["current", "duplicate"]
    assert "以下文件不计入汇总" in result.output and "b.xlsx" in result.output
    # without --json the rows are still made, for the same table
    plain = runner.invoke(app, ["check", str(folder), "--jobs", "1"])
    assert "以下文件不计入汇总" in plain.output and "b.xlsx" in plain.output


def test_a_reading_worker_caches_a_bounded_few_and_reads_the_same_past_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The coercions and value cells a reading worker remembers: a few thousand (figures
    that never repeat filled 50,000 and 20,000: a worker grew with every file read)."""
    extract = sys.modules["formkit.read.extract"]
    assert extract._COERCED_LIMIT <= 4096 and fast._MEMO_LIMIT <= 4096
    path = write_filled(tmp_path / "a.xlsx", full_values())
    expected = check_file(path).to_json()
    full = {("filler", i): None for i in range(extract._COERCED_LIMIT)}
    monkeypatch.setattr(extract, "_COERCED", full)
    assert check_file(path).to_json() == expected
    assert len(extract._COERCED) <= extract._COERCED_LIMIT
    assert all(len(memo) <= fast._MEMO_LIMIT for memo in fast._MEMOS.values())


def test_the_result_table_keeps_one_unit_for_the_files_of_a_unit(tmp_path: Path) -> None:
    a = check_file(write_filled(tmp_path / "a.xlsx", full_values()))
    b = check_file(write_filled(tmp_path / "b.xlsx", full_values()))
    one, two = slim(a), slim(b)
    unit = spec_of(a).roles.unit
    assert one.values == {unit: a.values[unit]} == two.values
    assert one.values is two.values  # one dict, not one a file


def _distinct_names_before(names: list[str]) -> tuple[list[str], str]:
    """distinct_names as it was (holding every name): the reference."""
    if len(set(names)) < 2:
        return names, ""
    shared = next(
        (names[0][:k] for k in range(min(map(len, names))) if len({n[k] for n in names}) > 1),
        min(names, key=len),
    )
    cut = max((shared.rfind(c) for c in _SEPARATORS), default=-1) + 1
    if cut < 2 or any(len(Path(n[cut:]).stem) < 1 for n in names):
        return names, ""
    return [f"…{n[cut:]}" for n in names], shared[:cut]


@pytest.mark.parametrize(
    "names",
    [
        [],
        ["申报书-湖北省-武汉.xlsx"],
        ["申报书-湖北省-武汉.xlsx", "申报书-湖北省-武汉.xlsx"],
        ["申报书-湖北省-武汉.xlsx", "申报书-湖北省-襄阳.xlsx", "申报书-湖南省-长沙.xlsx"],
        ["季度数据报表-2007Q1-山东省-甲.xlsx", "季度数据报表-2007Q2-山东省-乙.xlsx"],
        ["a-b.xlsx", "a-b.xls"],
        ["ab-.xlsx", "ab-", "ab-c"],
        ["x.xlsx", "y.xlsx"],
    ],
)
def test_the_table_shortens_names_as_before_without_holding_them(names: list[str]) -> None:
    shortened, shared = _distinct_names_before(names)
    assert shared_beginning(lambda: iter(names)) == shared
    assert distinct_names(names) == (shortened, shared)


def test_the_result_table_keeps_one_copy_of_an_issue_and_without_details_no_notes(
    tmp_path: Path,
) -> None:
    """A year's missing national figure is the same note in each of its thousand reports,
    unpickled with its own copy in each: the table keeps one; without --details it keeps
    only what it counts or shows (errors, warnings, why refused), not the notes."""
    sub = check_file(write_filled(tmp_path / "a.xlsx", full_values()))

    def issue(severity: str, message: str, **params: object) -> Issue:
        return Issue("national_figure_missing", severity, message, params=dict(params))  # type: ignore[arg-type]

    note, warning = issue("info", "没有 2011 年"), issue("warning", "偏高", value=1)
    a = dataclasses.replace(sub, issues=(note, warning))
    b = dataclasses.replace(
        sub, issues=(issue("info", "没有 2011 年"), issue("warning", "偏高", value=1))
    )
    one, two = slim(a), slim(b)
    assert one.issues == two.issues == (note, warning)
    assert all(x is y for x, y in zip(one.issues, two.issues, strict=True))
    # equal as issues (params are not compared) but not the same text in English: not shared
    other = slim(dataclasses.replace(sub, issues=(issue("warning", "偏高", value=1.0),)))
    assert other.issues[0] is not warning and other.issues[0].params == {"value": 1.0}
    brief = slim(b, details=False)
    assert brief.issues == (warning,) and (brief.errors, brief.warnings) == (0, 1)
    refused = dataclasses.replace(sub, status="rejected", issues=(note, warning))
    assert slim(refused, details=False).rejection is note  # why refused, whatever its severity


def test_a_batch_candidate_does_not_keep_its_file_name_twice(tmp_path: Path) -> None:
    path = write_filled(tmp_path / "季度数据报表-甲.xlsx", full_values())
    versions = Versions(load_reference())
    versions.add(check_file(path))
    (c,) = versions.cands
    assert c.handle == str(path) and c.name == ""  # the handle's own name: not kept again
    assert c.shown == "季度数据报表-甲.xlsx"
    named = candidate(
        check_file(path),
        spec_of(check_file(path)),
        load_reference(),
        handle="sha",
        received=(1,),
        name="上传的名字.xlsx",
    )
    assert named.name == named.shown == "上传的名字.xlsx"
