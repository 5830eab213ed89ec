"""File names that are not valid UTF-8 (issue 12, 4).

A Windows zip of GBK-named files unpacked on Linux gives bytes names; Python hands them
over as str with lone surrogates, which JSON, xlsxwriter and SQLite refuse. Each command is
run on real files with such names (made with os.fsencode bytes) and must read, record and
report them like any other file, shown decoded as GBK, or with U+FFFD where GBK fails too.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from formkit.api import read
from formkit.cli import app
from tests.conftest import ROOT

SAMPLES = ROOT / "samples"
runner = CliRunner()

GBK_NAME = "无锡市-申报书.xlsx"  # stored as GBK bytes
BAD_BYTES = b"\xff\xfe-\xe4\xb8.xlsx"  # neither UTF-8 nor GBK


def sample(prefix: str) -> Path:
    (path,) = SAMPLES.glob(f"{prefix}-*")
    return path


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """收件箱/ with a GBK-named file (07, has errors), an undecodable one (01, clean) and a
    GBK-named folder holding a third (03, a warning: feedback --db must find it again)."""
    box = tmp_path / "收件箱"
    box.mkdir()
    raw = os.fsencode(box)
    shutil.copy(sample("07"), os.path.join(raw, GBK_NAME.encode("gbk")))
    shutil.copy(sample("01"), os.path.join(raw, BAD_BYTES))
    sub = os.path.join(raw, "四川".encode("gbk"))
    os.mkdir(sub)
    shutil.copy(sample("03"), os.path.join(sub, "成都.xlsx".encode("gbk")))
    names = sorted(os.listdir(box))
    assert any(not _utf8(n) for n in names)  # the names really are not UTF-8
    return box


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


SHOWN = {"无锡市-申报书.xlsx", "\ufffd\ufffd-\ufffd.xlsx", "成都.xlsx"}


def test_reader_shows_the_decoded_name_and_opens_the_file(inbox: Path) -> None:
    raw = os.path.join(os.fsencode(inbox), GBK_NAME.encode("gbk"))
    sub = read(os.fsdecode(raw))
    assert sub.status == "accepted"
    assert sub.file == str(inbox / GBK_NAME)
    assert os.fsencode(sub.location) == raw
    json.dumps(sub.to_json(), ensure_ascii=False).encode("utf-8")


def test_check_json_lists_every_file_by_its_decoded_name(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "结果.json"
    result = runner.invoke(app, ["check", str(inbox), "--json", str(out), "-j", "1", "--details"])
    assert result.exit_code == 1, result.output  # 07 has errors; nothing crashed
    docs = json.loads(out.read_text("utf-8"))["results"]
    assert {Path(d["file"]).name for d in docs} == SHOWN
    assert all(d["status"] == "accepted" for d in docs)
    assert "无锡市-申报书.xlsx" in "".join(result.output.split())
    by = {Path(d["file"]).name: d for d in docs}
    assert by["无锡市-申报书.xlsx"]["sha256"] == read(sample("07")).sha256
    assert "四川" in by["成都.xlsx"]["file"]  # the folder's name decoded too


def test_summary_writes_the_names(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "汇总表.xlsx"
    result = runner.invoke(
        app, ["summary", str(inbox), "-o", str(out), "--json", str(tmp_path / "r.json"), "-j", "1"]
    )
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    texts = {str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value}
    assert texts >= SHOWN
    assert "汇总3份" in "".join(result.output.split())


def test_ingest_records_them_and_a_rerun_finds_them_registered(inbox: Path, tmp_path: Path) -> None:
    db = tmp_path / "formkit.db"
    result = runner.invoke(app, ["ingest", str(inbox), "--db", str(db), "-j", "1"])
    assert result.exit_code in (0, 1), result.output
    assert "新收到3个" in "".join(result.output.split())
    rows = sqlite3.connect(db).execute("SELECT original_name, path FROM files").fetchall()
    assert {r[0] for r in rows} == SHOWN
    again = runner.invoke(app, ["ingest", str(inbox), "--db", str(db), "-j", "1"])
    assert again.exit_code == 0, again.output
    assert "已登记过3个" in "".join(again.output.split())
    assert "无锡市-申报书.xlsx" in "".join(again.output.split())


def test_feedback_writes_copies_with_utf8_names(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "审核意见"
    result = runner.invoke(app, ["feedback", str(inbox), "-o", str(out), "-j", "1"])
    assert result.exit_code == 0, result.output
    names = sorted(os.listdir(out))
    assert all(_utf8(n) for n in names)
    assert "无锡市-申报书-审核意见.xlsx" in names and len(names) == 3
    # the copy of the GBK-named file: the reader finds the errors where the original had them
    copy = read(out / "无锡市-申报书-审核意见.xlsx")
    assert copy.annotates == read(sample("07")).sha256

    # from the ledger, where the name is stored decoded: the file is found again
    db = tmp_path / "formkit.db"
    runner.invoke(app, ["ingest", str(inbox), "--db", str(db), "-j", "1"])
    again = runner.invoke(
        app, ["feedback", "--db", str(db), "-o", str(tmp_path / "再次"), "-j", "1"]
    )
    assert again.exit_code == 0, again.output
    # both files with problems, the one in the GBK-named folder too (the ledger keeps the
    # path's own bytes)
    assert sorted(os.listdir(tmp_path / "再次")) == sorted(
        ["无锡市-申报书-审核意见.xlsx", "成都-审核意见.xlsx"]
    )


def test_rollup_takes_a_gbk_named_province_summary(inbox: Path, tmp_path: Path) -> None:
    made = tmp_path / "汇总表.xlsx"
    result = runner.invoke(app, ["summary", str(inbox), "-o", str(made), "-j", "1"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "各省"
    folder.mkdir()
    shutil.copy(made, os.path.join(os.fsencode(folder), "江苏汇总.xlsx".encode("gbk")))
    out = tmp_path / "全国汇总.xlsx"
    result = runner.invoke(app, ["rollup", str(folder), "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    wb = openpyxl.load_workbook(out)
    texts = " ".join(
        str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value
    )
    assert "江苏汇总.xlsx" in texts


def test_a_missing_gbk_named_path_is_a_plain_error(tmp_path: Path) -> None:
    gone = os.fsdecode(os.path.join(os.fsencode(tmp_path), "无锡.xlsx".encode("gbk")))
    result = runner.invoke(app, ["check", gone])
    assert result.exit_code == 2, result.output
    text = "".join(result.output.split())
    assert "找不到" in text and "无锡.xlsx" in text


def test_a_newer_gbk_named_version_is_current_by_its_file_time(tmp_path: Path) -> None:
    """Same application, same 填报日期, other values: the later file wins, so its time must be
    read from the real path (the display name is no path)."""
    box = tmp_path / "收件箱"
    box.mkdir()
    old = box / "a.xlsx"
    shutil.copy(sample("07"), old)
    wb = openpyxl.load_workbook(sample("07"))
    wb["第一项：基地基本情况"]["C6"] = 5.8
    new = os.path.join(os.fsencode(box), "无锡-更正.xlsx".encode("gbk"))
    wb.save(os.fsdecode(new))
    now = time.time()
    os.utime(old, (now - 3600, now - 3600))
    os.utime(new, (now, now))
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["check", str(box), "--json", str(out), "-j", "1"])
    assert result.exit_code in (0, 1), result.output
    files = {Path(f["file"]).name: f for f in json.loads(out.read_text("utf-8"))["files"]}
    assert files["无锡-更正.xlsx"]["disposition"] == "current", files
    assert files["a.xlsx"]["disposition"] != "current"
    # the summary of the folder takes the same file
    book = tmp_path / "汇总表.xlsx"
    result = runner.invoke(app, ["summary", str(box), "-o", str(book), "-j", "1"])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(book)["明细"]  # the machine table names each file
    texts = {str(c.value) for row in ws.iter_rows() for c in row if c.value}
    assert "无锡-更正.xlsx" in texts and "a.xlsx" not in texts


def test_feedback_from_the_ledger_names_an_original_it_cannot_find(
    inbox: Path, tmp_path: Path
) -> None:
    """A name neither UTF-8 nor GBK is stored with U+FFFD: from the ledger it cannot be
    found again, and the reason says so (it is not a write failure)."""
    from formkit.feedback import annotate
    from formkit.read.submission import from_json

    raw = os.path.join(os.fsencode(inbox), BAD_BYTES)
    sub = read(os.fsdecode(raw))
    stored = from_json(json.loads(json.dumps(sub.to_json(), ensure_ascii=False)))
    result = annotate(stored, tmp_path / "out")
    assert result.status == "failed"
    assert result.reason is not None and result.reason.startswith("找不到原文件")
    assert "\ufffd" in result.reason
