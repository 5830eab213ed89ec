"""Reports speak of bases and reports (issue #21 item 8): a quarterly and annual round run
through the CLI (ingest, status, check, summary, roll-up, feedback) never says 申请,
审核结论, 符合 / 不符合 / 待补充材料 or "N 个申请", in its console output or in any visible
cell of what it writes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl
from typer.testing import CliRunner

from formkit.cli import app
from tests.report_forms import JIDU, NIANBAO
from tests.test_ledger_periods import _send_round, quarterly  # noqa: F401

runner = CliRunner(env={"COLUMNS": "200"})
APPLICATION_WORDS = re.compile(r"申请|审核结论|符合|待补充材料")


def visible_words(path: Path) -> list[str]:
    """Every visible cell, page header and footer of `path` that uses the application's
    words."""
    found = []
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        texts = [(c.coordinate, c.value) for row in ws.iter_rows() for c in row]
        texts += [("页眉", ws.oddHeader.center.text), ("页脚", ws.oddFooter.center.text)]
        for where, value in texts:
            if isinstance(value, str) and APPLICATION_WORDS.search(value):
                found.append(f"{path.name} {ws.title}!{where}: {value}")
    return found


def run(*args: str, codes: tuple[int, ...] = (0, 1)) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code in codes, result.output
    return result.output


def test_a_report_round_never_speaks_of_applications(quarterly: dict[str, Any]) -> None:  # noqa: F811
    sent = _send_round(quarterly)  # a falling cumulative, an annual report unlike its Q4
    db, tmp = str(quarterly["db"]), quarterly["tmp"]
    out = tmp / "输出"
    out.mkdir()
    console = [
        run("ingest", *map(str, sent.values()), "--db", db),
        run("check", *(str(p) for k, p in sent.items() if k.endswith("Q3")), "--details"),
        run("status", "--db", db, "--form", JIDU, "--period", "2007Q3", "-o", str(out / "q3.xlsx")),
        run("status", "--db", db, "--form", NIANBAO, "--period", "2007", "-o", str(out / "y.xlsx")),
        run(
            "summary",
            "--db",
            db,
            "--form",
            JIDU,
            "--year",
            "2007",
            "--quarter",
            "3",
            "-o",
            str(out / "季报汇总.xlsx"),
        ),
        run(
            "summary",
            "--db",
            db,
            "--form",
            NIANBAO,
            "--year",
            "2007",
            "-o",
            str(out / "年报汇总.xlsx"),
        ),
        run("rollup", "--form", JIDU, str(out / "季报汇总.xlsx"), "-o", str(out / "全国季报.xlsx")),
        run(
            "rollup",
            "--form",
            NIANBAO,
            str(out / "年报汇总.xlsx"),
            "-o",
            str(out / "全国年报.xlsx"),
        ),
        run("feedback", "--db", db, "-o", str(out / "审核意见")),
    ]
    said = [
        line for text in console for line in text.splitlines() if APPLICATION_WORDS.search(line)
    ]
    assert said == []
    written = sorted(out.rglob("*.xlsx"))
    # every output was written: two status lists, two summaries, two roll-ups, the copies
    names = {p.name for p in written}
    assert {
        "q3.xlsx",
        "y.xlsx",
        "季报汇总.xlsx",
        "年报汇总.xlsx",
        "全国季报.xlsx",
        "全国年报.xlsx",
    } <= names
    assert len(written) > 6
    assert [w for p in written for w in visible_words(p)] == []
    # and the check can fail: the application's words are found where they are
    wb = openpyxl.load_workbook(out / "季报汇总.xlsx")
    wb.worksheets[0]["A1"] = "符合 0 个，不符合 0 个，待补充材料 0 个；3 个申请"
    wb.save(out / "改.xlsx")
    assert len(visible_words(out / "改.xlsx")) == 1


def test_a_report_rounds_web_pages_never_speak_of_applications(tmp_path: Path) -> None:
    """The base's upload page, its result, the province's status and the base's page of a
    quarterly round: their visible text (tags and scripts left out)."""
    from tests.test_across_periods import ytd
    from tests.test_web import client, login, upload
    from tests.test_web_periods import _set_password
    from tests.web_support import make_quarterly_round

    qround = make_quarterly_round(tmp_path)
    _set_password(qround)
    with client(qround) as web:  # type: ignore[arg-type]
        pages = [web.get(qround.link(0, 1)).text]
        upload(web, qround.link(0, 1), qround.report(0, 1), "A-一季度.xlsx")
        fell = ytd("export_value", 1) - 500.0
        doc = upload(
            web, qround.link(0, 2), qround.report(0, 2, export_value_ytd=fell), "A-二季度.xlsx"
        ).json()
        pages += [str(doc["message"]), web.get(doc["page"]).text, web.get(qround.link(0, 2)).text]
        assert login(web).status_code == 303
        for q in (1, 2):
            pages.append(web.get(f"/province?form={JIDU}&period=2007Q{q}").text)
        entry = re.search(r'href="(/province/entries/[^"]+)"', pages[-1])
        assert entry is not None
        pages.append(web.get(entry.group(1)).text)
    # the pages are the round's: the error across quarters is on them
    assert "有错误" in pages[-2] and "累计数比上季度减少" in pages[-2]
    said = []
    for html in pages:
        text = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", html, flags=re.S)
        said += [w for w in re.findall(r"\S*(?:申请|审核结论|符合|待补充材料)\S*", text)]
    assert said == []
