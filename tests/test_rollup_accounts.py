"""The roll-up carries what the provinces decided (#21 item 6): the provinces' rejected,
superseded and duplicate files are counted per province, never listed; its own 未受理文件
lists only its own inputs (summaries not used); every accounting line of 说明 adds up, each
count at least 0, for every form."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import openpyxl
from typer.testing import CliRunner

from formkit.cli import app
from tests.conftest import ROOT
from tests.report_forms import JIDU, NIANBAO
from tests.test_ledger_periods import _resend, _send_round, quarterly

__all__ = ["quarterly"]
runner = CliRunner()
SAMPLES = sorted(p for p in (ROOT / "samples").iterdir() if p.is_file())


def _run(*args: object) -> None:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code in (0, 1), result.output


def _notes(path: Path) -> dict[str, str]:
    """说明's lines by heading (a heading given more than once: its lines joined)."""
    ws = openpyxl.load_workbook(path)["说明"]
    out: dict[str, str] = {}
    for r in ws.iter_rows(min_row=3, values_only=True):
        if r[0]:
            out[str(r[0])] = "\n".join(x for x in (out.get(str(r[0])), str(r[1])) if x)
    return out


def _adds_up(line: str) -> None:
    """ "输入 N … = a … + b … + c …": every count ≥ 0 and the parts make the whole."""
    whole, parts = line.split("=", 1)
    (total,) = (int(n) for n in re.findall(r"-?\d+", whole))
    counts = [int(n) for n in re.findall(r"-?\d+", parts.split("；")[0])]
    assert all(n >= 0 for n in counts), line
    assert sum(counts) == total, line


def _listed(path: Path, sheet: str) -> list[str]:
    ws = openpyxl.load_workbook(path)[sheet]
    return [str(r[1]) for r in ws.iter_rows(min_row=3, values_only=True) if r[1]]


def test_the_rollup_counts_a_provinces_rejected_files_and_lists_only_its_own(
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "收件"
    inbox.mkdir()
    for p in SAMPLES:
        shutil.copy(p, inbox / p.name)
    (inbox / "坏文件.xlsx").write_text("不是表格", encoding="utf-8")
    js, sc = tmp_path / "江苏.xlsx", tmp_path / "四川.xlsx"
    _run("summary", inbox, "-o", js, "--unit", "江苏", "-j", "1")
    _run("summary", inbox, "-o", sc, "--unit", "四川", "-j", "1")
    js_rejected = _listed(js, "未受理文件")
    assert "坏文件.xlsx" in js_rejected and len(js_rejected) == len(SAMPLES)  # 11 + 1
    copy = tmp_path / "江苏-转发.xlsx"
    shutil.copy(js, copy)
    nat = tmp_path / "全国" / "全国汇总.xlsx"
    _run("rollup", js, sc, copy, "-o", nat)
    # the provinces' rejected files are theirs: counted per province, not listed
    notes = _notes(nat)
    assert "江苏.xlsx（江苏省）：未受理 12 个（文件清单见该省汇总表）" in notes["各省未汇总的文件"]
    book = openpyxl.load_workbook(nat)
    listed = [str(r[1]) for r in book["未受理文件"].iter_rows(min_row=3, values_only=True) if r[1]]
    assert listed == []
    duplicates = [
        str(r[1]) for r in book["重复文件"].iter_rows(min_row=3, values_only=True) if r[1]
    ]
    assert duplicates == ["江苏-转发.xlsx"]
    assert notes["文件数"].startswith("输入 3 份汇总表 = 采用 2 份 + 重复 1 份 + 未采用 0 份")
    for path in (js, sc, nat):
        _adds_up(_notes(path)["文件数"])
    # the national 问题清单: the issues of the applications it counts, none of the rejected
    issues = {str(r[1]) for r in book["问题清单"].iter_rows(min_row=3, values_only=True) if r[1]}
    assert "坏文件.xlsx" not in issues


def test_every_forms_accounting_adds_up_in_the_summary_and_the_rollup(
    quarterly: dict[str, Any], tmp_path: Path
) -> None:
    """A quarterly roll-up once printed "汇总 -1 个"."""
    sent = _send_round(quarterly)
    db = quarterly["db"]
    _run("ingest", *sent.values(), "--db", db)
    _run("ingest", _resend(quarterly), "--db", db)
    for form, extra in ((JIDU, ["--quarter", "2"]), (NIANBAO, [])):
        summaries = []
        for unit in ("江苏", "浙江"):
            out = tmp_path / f"{form}-{unit}.xlsx"
            _run(
                "summary",
                "--db",
                db,
                "--form",
                form,
                "--year",
                2007,
                *extra,
                "--unit",
                unit,
                "-o",
                out,
            )
            _adds_up(_notes(out)["文件数"])
            summaries.append(out)
        nat = tmp_path / form / "全国.xlsx"
        _run("rollup", *summaries, "-o", nat)
        line = _notes(nat)["文件数"]
        assert line.startswith("输入 2 份汇总表 = 采用 2 份 + 重复 0 份 + 未采用 0 份"), line
        _adds_up(line)
