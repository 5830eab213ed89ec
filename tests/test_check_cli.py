"""`formkit check`: one command over files and folders; exit codes; --json equals the API."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from formkit.check import check_file
from formkit.cli import app
from tests.conftest import ROOT, SHARED
from tests.forms import full_values, write_filled

runner = CliRunner()


def test_check_clean_file_exits_0_and_json_equals_api(tmp_path: Path) -> None:
    eligible = {
        **full_values(),
        "has_feature_industry": True,
        "attachments": {"application_form": True, "development_plan": True},
    }
    good = write_filled(tmp_path / "good.xlsx", eligible)
    out = tmp_path / "result.json"
    result = runner.invoke(app, ["check", str(good), "--json", str(out), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    from formkit import __version__

    assert doc["formkit"] == __version__
    assert doc["results"] == [check_file(good).to_json()]
    assert doc["results"][0]["verdict"] == "符合"
    assert doc["reference"]["thresholds"]["东部"] == 1.0


def test_check_folder_with_a_bad_file_exits_1_and_lists_every_file(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_filled(folder / "a.xlsx")
    (folder / "b.xlsx").write_text("not a workbook", encoding="utf-8")
    (folder / "~$a.xlsx").write_bytes(b"lock")  # Excel's lock file is not a submission
    result = runner.invoke(app, ["check", str(folder), "--json", "-", "--details"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)  # standard output holds the JSON alone
    assert sorted(Path(r["file"]).name for r in doc["results"]) == ["a.xlsx", "b.xlsx"]
    bad = next(r for r in doc["results"] if r["file"].endswith("b.xlsx"))
    assert bad["status"] == "rejected" and bad["issues"][0]["code"] == "not_spreadsheet"


def test_check_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path / "nope.xlsx")])
    assert result.exit_code == 2


def test_check_bundled_samples(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["check", str(ROOT / "samples"), "--json", str(tmp_path / "r.json")]
    )
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert len(doc["results"]) == len([p for p in (ROOT / "samples").iterdir() if p.is_file()])
    assert all(r["status"] == "accepted" for r in doc["results"])
    assert result.exit_code == 1, result.output  # samples 06-09 and 12 hold errors by design


def test_check_survives_the_real_world_corpus(tmp_path: Path) -> None:
    """357 spreadsheets of other projects' tests (none is our form), our template among them."""
    corpus = SHARED / "corpus"
    if not corpus.exists():
        import pytest

        pytest.skip(f"corpus not at {corpus}")
    ours = tmp_path / "ours"
    ours.mkdir()
    write_filled(ours / "申报书-已填.xlsx")
    shutil.copy(ROOT / "templates" / "申报书.xlsx", ours / "申报书-空白.xlsx")
    out = tmp_path / "corpus.json"
    result = runner.invoke(
        app, ["check", str(corpus), str(ours), "--json", str(out), "--jobs", "2"]
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    files = [r["file"] for r in doc["results"]]
    expected = [p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith((".", "~$"))]
    assert len(files) == len(set(files)) == len(expected) + 2
    for r in doc["results"]:
        if r["status"] == "rejected":
            assert r["issues"][0]["code"] and r["issues"][0]["message"], r["file"]
    mine = {Path(r["file"]).name: r for r in doc["results"] if "ours" in r["file"]}
    assert mine["申报书-已填.xlsx"]["status"] == "accepted"
    assert mine["申报书-空白.xlsx"]["status"] == "accepted"
    others = [r for r in doc["results"] if "ours" not in r["file"]]
    assert all(r["status"] == "rejected" for r in others)


def test_reference_override_is_used_and_echoed(tmp_path: Path) -> None:
    """--reference FILE: a later year's figures replace the bundled ones and show in the output."""
    ref = tmp_path / "ref.toml"
    ref.write_text(
        '[[year]]\nyear = 2003\ntotal_exports = 4382.3\ntotal_exports_source = "exact"\n'
        'hitech_exports = 1103.2\nhitech_exports_source = "海关统计（精确数）"\n',
        encoding="utf-8",
    )
    good = write_filled(tmp_path / "a.xlsx")
    out = tmp_path / "r.json"
    runner.invoke(app, ["check", str(good), "--json", str(out), "--reference", str(ref)])
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["reference"]["national"]["2003"]["hitech_exports"] == 1103.2
    assert str(ref) in doc["reference"]["sources"]
    computed = doc["results"][0]["computed"]["national_hitech_growth_3y"]
    # 1655.4 / 1103.2 is not the published 2004 growth of 50.2%: the supplied 2003 figure is
    # on another basis than 2004's, so 2003-2004 is bridged by the published rate
    assert computed == round((1.502 * 2183 / 1655.4 - 1) * 100, 2) != 98.45
    figures = doc["reference"]["national"]["2008"]["figures"]
    assert "海关" in figures["hitech_exports"]["basis"] and figures["hitech_exports_growth"]
    bad = tmp_path / "bad.toml"
    bad.write_text("not toml = = =", encoding="utf-8")
    assert runner.invoke(app, ["check", str(good), "--reference", str(bad)]).exit_code == 2


class _FullDisk(io.RawIOBase):
    """A file that takes `room` bytes, then fails as a full disk does (ENOSPC)."""

    def __init__(self, fd: int, room: int) -> None:
        self.fd, self.room = fd, room

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(data)
        return os.write(self.fd, data)

    def fileno(self) -> int:
        return self.fd

    def close(self) -> None:
        if not self.closed:
            os.close(self.fd)
        super().close()


@pytest.mark.parametrize("room", [0, 3000, 10**9])
def test_check_json_onto_a_full_disk_is_a_chinese_message_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, room: int
) -> None:
    """The disk fills before the first byte, after the first result, or as the file is
    synced at the end: exit 2 and 磁盘已满 in Chinese, the earlier --json kept as it was,
    no temporary file left beside it."""
    import formkit.atomic as atomic

    target = tmp_path / "out" / "结果.json"
    target.parent.mkdir()
    target.write_text("上次的结果", encoding="utf-8")
    real_fdopen, real_fsync = os.fdopen, os.fsync

    def fdopen(fd: int, mode: str = "r", *args: Any, **kw: Any) -> Any:
        if mode == "wb":  # the temporary beside the target
            return io.BufferedWriter(_FullDisk(fd, room), buffer_size=1024)
        return real_fdopen(fd, mode, *args, **kw)

    def fsync(fd: int) -> None:
        if room > 10**6:  # every write fitted: the disk fills as the data is synced
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fdopen", fdopen)
    monkeypatch.setattr(atomic.os, "fsync", fsync)
    samples = sorted(p for p in (ROOT / "samples").iterdir() if p.is_file())[:3]
    result = runner.invoke(app, ["check", *map(str, samples), "--json", str(target), "-j", "1"])
    assert result.exit_code == 2, result.output
    text = "".join(result.output.split())
    assert "错误：无法写出" in text and "磁盘已满" in text, text
    assert "Traceback" not in result.output and "Errno" not in result.output
    assert target.read_text(encoding="utf-8") == "上次的结果"
    assert sorted(p.name for p in target.parent.iterdir()) == ["结果.json"]
