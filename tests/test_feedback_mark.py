"""Feedback copies carry a mark: the SHA-256 and the values of the file they annotate.

Written into the hidden `formkit` sheet with workbook-level names (`formkit_annotates`,
`formkit_annotates_values`), read back as `Submission.annotates` / `annotates_values`,
in the `--json` contract as "annotates" / "annotates_values", and kept when a city opens
the copy in LibreOffice, corrects it and saves it (issue 12: a feedback copy is never
newer than the version it annotates unless its values changed).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from formkit.api import read
from formkit.check import check_file
from formkit.cli import app
from formkit.feedback import ANNOTATES, ANNOTATES_VALUES, FeedbackResult, annotate
from formkit.read.submission import from_json
from tests.conftest import ROOT
from tests.test_real_client import run_uno_fill
from tests.test_real_client import uno_python as uno_python

SAMPLES = ROOT / "samples"
BASE = "第一项：基地基本情况"
runner = CliRunner()


def sample(prefix: str) -> Path:
    (path,) = SAMPLES.glob(f"{prefix}-*")
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def copy07(tmp_path_factory: pytest.TempPathFactory) -> FeedbackResult:
    result = annotate(check_file(sample("07")), tmp_path_factory.mktemp("mark"))
    assert result.status == "written", result.reason
    return result


def test_copy_names_the_file_it_annotates(copy07: FeedbackResult) -> None:
    assert copy07.output is not None and copy07.submission is not None
    again = read(copy07.output)
    assert again.annotates == sha256(sample("07"))
    assert again.annotates_values == copy07.submission.values_digest()
    # an unchanged copy has the values of the file it annotates
    assert again.values_digest() == again.annotates_values
    assert again.is_feedback_copy


def test_mark_is_names_into_the_hidden_metadata_sheet(copy07: FeedbackResult) -> None:
    assert copy07.output is not None
    wb = openpyxl.load_workbook(copy07.output)
    meta = wb["formkit"]
    assert meta.sheet_state == "veryHidden"
    for name in (ANNOTATES, ANNOTATES_VALUES):
        ((sheet, ref),) = list(wb.defined_names[name].destinations)
        assert sheet == "formkit"
        row = int(ref.split("$")[-1])
        assert meta.cell(row, 3).value == name  # the code beside it, as for the other names
    (_, ref) = next(iter(wb.defined_names[ANNOTATES].destinations))
    assert meta[ref.replace("$", "")].value == sha256(sample("07"))
    # the form's own metadata is where it was
    assert wb.defined_names["formkit_year"].attr_text == "'formkit'!$B$4"


def test_an_original_carries_no_mark() -> None:
    sub = read(sample("07"))
    assert sub.annotates is None and sub.annotates_values is None
    assert not sub.is_feedback_copy
    doc = sub.to_json()
    assert doc["annotates"] is None and doc["annotates_values"] is None


def test_mark_round_trips_through_json(copy07: FeedbackResult) -> None:
    assert copy07.output is not None
    sub = check_file(copy07.output)
    doc = json.loads(json.dumps(sub.to_json(), ensure_ascii=False))
    assert doc["annotates"] == sha256(sample("07"))
    back = from_json(doc)
    assert (back.annotates, back.annotates_values) == (sub.annotates, sub.annotates_values)


def test_check_json_has_the_mark(copy07: FeedbackResult, tmp_path: Path) -> None:
    assert copy07.output is not None
    out = tmp_path / "r.json"
    result = runner.invoke(
        app, ["check", str(copy07.output), str(sample("01")), "--json", str(out)]
    )
    assert result.exit_code == 1, result.output
    docs = {Path(r["file"]).name: r for r in json.loads(out.read_text("utf-8"))["results"]}
    assert docs[copy07.output.name]["annotates"] == sha256(sample("07"))
    assert docs[sample("01").name]["annotates"] is None


def test_copy_of_a_copy_names_the_copy_it_annotates(copy07: FeedbackResult, tmp_path: Path) -> None:
    """A corrected copy sent back and annotated again: the mark is replaced, not added."""
    assert copy07.output is not None
    wb = openpyxl.load_workbook(copy07.output)
    wb[BASE]["C6"] = 5.8
    fixed = tmp_path / "07-改正后.xlsx"
    wb.save(fixed)
    sub = check_file(fixed)
    assert sub.annotates == sha256(sample("07"))
    assert sub.values_digest() != sub.annotates_values  # the values changed
    again = annotate(sub, tmp_path / "again")
    assert again.output is not None
    twice = read(again.output)
    assert twice.annotates == sha256(fixed)
    assert twice.annotates_values == sub.values_digest()
    names = openpyxl.load_workbook(again.output).defined_names
    assert sum(1 for n in names if n.startswith("formkit_annotates")) == 2


def _lo_edit(
    python: str, soffice: str, src: Path, work: Path, steps: list[dict[str, Any]]
) -> dict[str, Path]:
    outputs = {fmt: work / "out" / f"{src.stem}-LO.{fmt}" for fmt in ("xlsx", "ods", "xls")}
    run_uno_fill(python, soffice, work, src, outputs, steps)
    return outputs


@pytest.mark.libreoffice
def test_mark_survives_a_city_correcting_the_copy_in_libreoffice(
    copy07: FeedbackResult,
    soffice: str,
    uno_python: str,
    tmp_path: Path,
) -> None:
    assert copy07.output is not None and copy07.submission is not None
    original = copy07.submission
    saved = _lo_edit(
        uno_python,
        soffice,
        copy07.output,
        tmp_path,
        [{"op": "type", "sheet": BASE, "cell": "C6", "text": "5.8"}],
    )
    for fmt, path in saved.items():
        sub = check_file(path)
        assert sub.status == "accepted", (fmt, sub.issues[:1])
        assert sub.annotates == original.sha256, fmt
        assert sub.annotates_values == original.values_digest(), fmt
        # corrected: its values are no longer those of the version it annotates
        assert sub.values_digest() != sub.annotates_values, fmt
        assert not [i for i in sub.issues if i.code == "hitech_above_total"], fmt


@pytest.mark.libreoffice
def test_an_untouched_copy_saved_by_libreoffice_keeps_its_values(
    copy07: FeedbackResult,
    soffice: str,
    uno_python: str,
    tmp_path: Path,
) -> None:
    assert copy07.output is not None and copy07.submission is not None
    saved = _lo_edit(uno_python, soffice, copy07.output, tmp_path, [])
    for fmt, path in saved.items():
        sub = read(path)
        assert sub.annotates == copy07.submission.sha256, fmt
        assert sub.values_digest() == copy07.submission.values_digest(), fmt


# ------------------------------------------------ feedback never re-reads its copies


def test_feedback_skips_its_own_copies_and_says_why(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    for prefix in ("07", "09"):
        shutil.copy(sample(prefix), inbox / sample(prefix).name)
    first = runner.invoke(
        app, ["feedback", str(inbox), "-o", str(tmp_path / "审核意见"), "-j", "1"]
    )
    assert first.exit_code == 0, first.output
    copies = sorted((tmp_path / "审核意见").iterdir())
    assert len(copies) == 2
    before = {p.name: sha256(p) for p in copies}

    # the province gives both folders by mistake: the copies are listed as skipped
    again = runner.invoke(
        app,
        [
            "feedback",
            str(inbox),
            str(tmp_path / "审核意见"),
            "-o",
            str(tmp_path / "二次"),
            "-j",
            "1",
        ],
    )
    assert again.exit_code == 0, again.output
    text = "".join(again.output.replace("│", "").split())
    assert "跳过审核意见副本2个" in text, text
    assert text.count("跳过：") == 2
    written = sorted(p.name for p in (tmp_path / "二次").iterdir())
    assert written == sorted(f"{sample(p).stem}-审核意见.xlsx" for p in ("07", "09"))
    assert {p.name: sha256(p) for p in copies} == before


def test_a_corrected_copy_is_annotated_like_any_return(
    copy07: FeedbackResult, tmp_path: Path
) -> None:
    assert copy07.output is not None
    unchanged = annotate(check_file(copy07.output), tmp_path / "a")
    assert unchanged.status == "skipped" and unchanged.output is None
    assert not (tmp_path / "a").exists() or not list((tmp_path / "a").iterdir())
    wb = openpyxl.load_workbook(copy07.output)
    wb[BASE]["C6"] = 5.8
    fixed = tmp_path / "改正后.xlsx"
    wb.save(fixed)
    corrected = annotate(check_file(fixed), tmp_path / "b")
    assert corrected.status == "written", corrected.reason


def test_values_digest_is_the_supersession_fingerprint() -> None:
    """The mark and the supersession rule compare values the same way (21 == 21.0)."""
    from formkit.supersession import fingerprint

    sub = read(sample("07"))
    assert sub.values_digest() == fingerprint(sub.to_json()["values"])
    number = next(k for k, v in sub.values.items() if isinstance(v, float) and v.is_integer())
    before = sub.values_digest()
    as_int = replace(sub, values={**sub.values, number: int(sub.values[number])})
    assert as_int.values_digest() == before
    other = replace(sub, values={**sub.values, number: sub.values[number] + 1})
    assert other.values_digest() != before


def test_a_checked_files_digest_is_computed_where_it_was_checked_and_kept_across_processes() -> (
    None
):
    """check_file computes the digest in the reading worker; it arrives with the result
    (pickled); a copy with other values starts without it."""
    import pickle

    from formkit.check import check_file
    from formkit.supersession import fingerprint

    sub = check_file(sample("07"))
    assert sub._digest == fingerprint(sub.values)
    back = pickle.loads(pickle.dumps(sub))
    assert back._digest == sub._digest and back.values_digest() == fingerprint(back.values)
    other = replace(back, values={**back.values, "x": 1})
    assert other._digest is None and other.values_digest() == fingerprint(other.values)
