"""No tool words where an official or a city reads (#21 item 3): every visible cell of every
output workbook (the summary of each form, the roll-up, the status workbook, a feedback
copy's 审核意见 sheet, the roster, the 报部名单 and the ministry's 公示) and every web page
holds no code (word_word), no command option (--option), no hash (12 or more hex digits),
no file name of reference data (.toml) and no web address. Machine columns (codes, SHA-256,
paths) are in the hidden sheet only."""

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
from tests.test_ledger_periods import _send_round, quarterly

__all__ = ["quarterly"]
runner = CliRunner()
TOOL_WORDS = re.compile(
    r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"  # an issue code, a field id
    r"|(?<![\w-])--[a-z]"  # a command option
    r"|\b[0-9a-f]{12,}\b"  # a hash
    r"|\.toml\b|https?://|www\.|formkit"  # reference files, addresses, the tool's name
)


def tool_words(path: Path) -> list[str]:
    found = []
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and TOOL_WORDS.search(c.value):
                    found.append(f"{path.name} {ws.title}!{c.coordinate}: {c.value[:120]}")
    return found


def _run(*args: object) -> None:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code in (0, 1), result.output


def test_no_tool_words_in_any_output_of_the_application_round(tmp_path: Path) -> None:
    inbox = tmp_path / "收件"
    inbox.mkdir()
    for p in sorted((ROOT / "samples").iterdir()):
        shutil.copy(p, inbox / p.name)
    (inbox / "坏文件.xlsx").write_text("不是表格", encoding="utf-8")
    out = tmp_path / "输出"
    _run("summary", inbox, "-o", out / "汇总表.xlsx", "-j", "1")
    _run("summary", inbox, "-o", out / "江苏.xlsx", "--unit", "江苏", "-j", "1")
    _run("rollup", out / "汇总表.xlsx", out / "江苏.xlsx", "-o", out / "全国" / "全国汇总.xlsx")
    _run("recommend", out / "江苏.xlsx", "-o", out / "推荐文件")
    _run("feedback", inbox, "-o", out / "审核意见", "-j", "1")
    books = sorted(p for p in out.rglob("*.xlsx"))
    assert len(books) >= 8
    found = [w for book in books for w in tool_words(book)]
    assert found == []
    # and the codes are there for machines, in the hidden sheet
    hidden = openpyxl.load_workbook(out / "汇总表.xlsx")["formkit"]
    assert hidden.sheet_state == "veryHidden"
    assert any(r[5] == "not_spreadsheet" for r in hidden.iter_rows(values_only=True))


def test_no_tool_words_in_the_reports_outputs(quarterly: dict[str, Any], tmp_path: Path) -> None:
    sent = _send_round(quarterly)
    db = quarterly["db"]
    _run("ingest", *sent.values(), "--db", db)
    out = tmp_path / "输出"
    _run("summary", "--db", db, "--form", JIDU, "--year", 2007, "--quarter", 2, "--unit", "江苏",
         "-o", out / "季报.xlsx")  # fmt: skip
    _run("summary", "--db", db, "--form", NIANBAO, "--year", 2007, "--unit", "江苏",
         "-o", out / "年报.xlsx")  # fmt: skip
    _run("rollup", out / "季报.xlsx", "-o", out / "全国" / "季报全国.xlsx")
    _run("status", "--db", db, "--form", JIDU, "--period", "2007Q3", "--today", "2007-10-20",
         "-o", out / "催报.xlsx")  # fmt: skip
    _run(
        "status", "--db", quarterly["app_db"], "--today", "2006-05-10", "-o", out / "报送情况.xlsx"
    )
    _run("roster", "--db", quarterly["app_db"], "--year", 2006, "--form", JIDU,
         "-o", out / "基地名单.xlsx")  # fmt: skip
    _run("feedback", "--db", db, "-o", out / "审核意见")
    books = sorted(out.rglob("*.xlsx"))
    assert len(books) >= 7
    assert [w for book in books for w in tool_words(book)] == []


def test_no_tool_words_on_the_web_pages(tmp_path: Path) -> None:
    from tests.test_web import client, login, set_password, upload
    from tests.web_support import make_round

    round_ = make_round(tmp_path)
    set_password(round_)  # type: ignore[arg-type]
    with client(round_) as c:  # type: ignore[arg-type]
        pages = [c.get(round_.link(0)).text, c.get("/province/login").text]
        doc = upload(c, round_.link(0), round_.with_error(0), "第一稿.xlsx").json()
        pages.append(c.get(doc["page"]).text)
        login(c)
        for path in ("/province", "/province/recommend", f"/province/files/{doc['sha256']}"):
            pages.append(c.get(path).text)
    for html in pages:
        text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", text)  # what a person reads, not the markup
        assert not TOOL_WORDS.search(text), TOOL_WORDS.search(text)
