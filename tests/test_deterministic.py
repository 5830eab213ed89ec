"""Issue #21 item 11: the same inputs give byte-identical outputs, from every command that
writes one. Nothing an output holds comes from the clock: a summary records when it stands
as the latest time one of its files was received (formkit_generated), never when it was
made. The tests here run without SOURCE_DATE_EPOCH (conftest sets it for the others)."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from formkit.cli import app
from tests.conftest import ROOT
from tests.forms import ROSTER, application_round

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def _run(*args: object, code: int | tuple[int, ...] = 0) -> None:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code in ((code,) if isinstance(code, int) else code), result.output


# an upload link's token is a new secret each time a link is made, by design (a lost link
# is replaced by running distribute again): the one part of an output that must differ
_TOKEN = re.compile(rb"/u/[A-Za-z0-9_-]{20,}")


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): _TOKEN.sub(b"/u/TOKEN", p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _twice(tmp_path: Path, make: object) -> None:
    """`make(out)` writes into the folder `out`; run twice, a second apart, same bytes."""
    outs = []
    for n in (1, 2):
        out = tmp_path / f"run{n}"
        out.mkdir()
        make(out)  # type: ignore[operator]
        outs.append(_files(out))
        time.sleep(1.1)  # a clock in the output would now show
    assert outs[0].keys() == outs[1].keys() and outs[0]
    for name in outs[0]:
        assert outs[0][name] == outs[1][name], f"{name} differs between two runs"


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inbox") / "收件"
    folder.mkdir()
    for p in sorted((ROOT / "samples").iterdir())[:4]:
        shutil.copy2(p, folder / p.name)
    return folder


def test_summary_and_rollup_are_the_same_twice(inbox: Path, tmp_path: Path) -> None:
    made = tmp_path / "省级" / "汇总表.xlsx"
    _run("summary", inbox, "-o", made, "-j", "1")

    def make(out: Path) -> None:
        _run(
            "summary", inbox, "-o", out / "汇总表.xlsx", "--json", out / "检查结果.json", "-j", "1"
        )
        _run("rollup", made, "-o", out / "全国" / "全国汇总.xlsx")
        _run("recommend", made, "-o", out / "推荐文件", code=(0, 1))

    _twice(tmp_path, make)


def test_summary_records_when_its_files_arrived_not_when_it_ran(
    inbox: Path, tmp_path: Path
) -> None:
    """formkit_generated is the newest input's time: a later file makes a later summary."""
    import openpyxl

    def generated(path: Path) -> str:
        wb = openpyxl.load_workbook(path)
        meta = wb["formkit"]
        return str(
            next(r[1] for r in meta.iter_rows(values_only=True) if r[0] == "formkit_generated")
        )

    _run("summary", inbox, "-o", tmp_path / "a.xlsx", "-j", "1")
    newest = max(os.stat(p).st_mtime for p in inbox.iterdir())
    assert generated(tmp_path / "a.xlsx").startswith(
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(newest)))
    )
    later = tmp_path / "later"
    shutil.copytree(inbox, later)
    os.utime(next(iter(sorted(later.iterdir()))), (2_000_000_000, 2_000_000_000))
    _run("summary", later, "-o", tmp_path / "b.xlsx", "-j", "1")
    assert generated(tmp_path / "b.xlsx") == "2033-05-18T03:33:20+00:00"


def test_ledger_outputs_are_the_same_twice(tmp_path: Path) -> None:
    db, _rows = application_round(tmp_path)
    roster = tmp_path / "名单.csv"
    roster.write_bytes(ROSTER.encode("gbk"))

    def make(out: Path) -> None:
        _run("summary", "--db", db, "-o", out / "汇总表.xlsx")
        _run("status", "--db", db, "--today", "2006-05-10", "-o", out / "报送情况.xlsx")
        _run(
            "roster",
            "--db",
            db,
            "--year",
            2006,
            "--form",
            "kjxm-cxjd-jidu",
            "-o",
            out / "基地名单.xlsx",
        )
        _run("distribute", roster, "-o", out / "下发")
        _run("template", "-o", out / "申报书.xlsx")
        _run("recommend", "--db", db, "-o", out / "推荐文件", code=(0, 1))

    _twice(tmp_path, make)


def test_feedback_copies_are_the_same_twice(inbox: Path, tmp_path: Path) -> None:
    _twice(tmp_path, lambda out: _run("feedback", inbox, "-o", out / "审核意见", code=(0, 1)))
