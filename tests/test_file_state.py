"""One file, one state, one reason (issue #21 item 6): `ingest` shows the state `status`
will show (a quarterly report whose error only the check across periods finds is 有错误 in
both, with that error as its reason); a file received again is told what it was
registered as, and when, not a bare 已登记过."""

from __future__ import annotations

import datetime as dt
from typing import Any

from typer.testing import CliRunner

from formkit.cli import app
from formkit.distribute import parse_period
from formkit.forms import load_form_spec
from formkit.ledger import Ledger, file_sha256
from formkit.states import registered_reason, shown_state, state_reason
from tests.report_forms import JIDU
from tests.test_across_periods import quarter_values, ytd
from tests.test_ledger_periods import _cell, _report, _send_round, quarterly  # noqa: F401

runner = CliRunner(env={"COLUMNS": "200"})


def _row(output: str, name: str) -> str:
    """The ingest table's line for the file `name` (the table is 200 columns wide)."""
    lines = [line for line in output.splitlines() if name in line and "│" in line]
    assert len(lines) == 1, output
    return "".join(lines[0].split())


def test_ingest_shows_the_state_status_shows(quarterly: dict[str, Any]) -> None:  # noqa: F811
    sent = _send_round(quarterly)
    db = quarterly["db"]
    # B's third quarter: right in itself, but its cumulative export falls below its
    # second quarter's (only the check across periods finds it)
    spec = load_form_spec(JIDU)
    values = quarter_values(3)
    values["export_value_ytd"] = ytd("export_value", 2) - 500.0
    base = quarterly["bases"][1]
    sid = base.submission_id(2007, parse_period("2007Q3", spec))
    b_q3 = _report(sent["BQ3"].parent / "B改.xlsx", JIDU, base, sid, values)
    sent.pop("BQ3")
    result = runner.invoke(app, ["ingest", *map(str, sent.values()), "--db", str(db)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["ingest", str(b_q3), "--db", str(db)])
    assert result.exit_code == 1, result.output
    row = _row(result.output, "B改.xlsx")
    sheet, cell = _cell(JIDU, "export_value_ytd")
    # the file alone is 已收到; the check across periods in the same run found its error
    assert "有错误" in row and "已收到" not in row
    assert f"跨期核对：B改.xlsx（工作表“{sheet}”，{cell}）" in row

    with Ledger(db) as ledger:
        q3 = ledger.status(form_id=JIDU, period=parse_period("2007Q3", spec))
        by = {r.entry.subject: r for r in q3.rows}
        b = by[quarterly["bases"][1].subject]
        assert b.state == "有错误" and b.last is not None
        assert b.last.sha256 == file_sha256(b_q3)
        # the one rule, through the Python API: the file alone, then with its issues
        assert b.last.state == "已收到"
        assert shown_state(b.last, b.across) == "有错误"
        assert state_reason(b.last, b.across) == f"跨期核对：{_issue(b)}。"
        assert shown_state(None) == "未收到"
        # every file of every quarter: the state status shows is the one rule's
        across = ledger.across_issues(JIDU)
        for q in range(1, 5):
            report = ledger.status(form_id=JIDU, period=parse_period(f"2007Q{q}", spec))
            for r in report.rows:
                found = across.get(r.last.sha256, []) if r.last is not None else []
                assert r.state == shown_state(r.last, found)

    result = runner.invoke(app, ["status", "--db", str(db), "--form", JIDU, "--period", "2007Q3"])
    assert result.exit_code == 0, result.output
    # the summary of the quarter counts the error against B's file, and lists it
    out = quarterly["tmp"] / "季报汇总.xlsx"
    made = runner.invoke(
        app,
        ["summary", "--db", str(db), "--form", JIDU, "--year", "2007", "--quarter", "3",
         "-o", str(out)],
    )  # fmt: skip
    assert made.exit_code in (0, 1), made.output
    from tests.summaries import rows_of

    subject = quarterly["bases"][1].subject
    mine = next(r for r in rows_of(out, "汇总表") if r.get("基地") == subject)
    assert (mine["错误"] or 0) >= 1, mine
    listed = [r for r in rows_of(out, "问题清单") if r.get("文件") == "B改.xlsx"]
    assert any(r.get("级别") == "错误" and cell in str(r.get("单元格")) for r in listed), listed
    # the status table's line for B (the problems table below names it again)
    line = next(x for x in result.output.splitlines() if subject in x and "│" in x)
    assert "有错误" in line


def _issue(row: Any) -> str:
    from formkit.ledger import issue_text

    first = next(i for i in row.across if i.severity == "error")
    return issue_text(row.last.original_name, first).rstrip("。")


def test_a_file_received_again_is_told_what_it_was_registered_as(
    quarterly: dict[str, Any],  # noqa: F811
) -> None:
    sent = _send_round(quarterly)
    db = quarterly["db"]
    a_q2 = sent["AQ2"]
    result = runner.invoke(app, ["ingest", str(a_q2), "--db", str(db), "--today", "2007-07-12"])
    assert result.exit_code == 0, result.output
    base = quarterly["bases"][0]
    # the same file again, as if sent for the third quarter
    result = runner.invoke(app, ["ingest", str(a_q2), "--db", str(db)])
    row = _row(result.output, "A.xlsx")
    assert "已登记过" in row
    said = f"同一文件已于2007-07-12登记为{base.unit}，{base.subject}的2007年第二季度的季度数据报表"
    assert said in row, row
    assert "报送其他报告期请填写并上报该期的文件" in row
    with Ledger(db) as ledger:
        record = ledger.file(file_sha256(a_q2))
        assert record is not None and record.received_at.date() == dt.date(2007, 7, 12)
        text = registered_reason(record, "季度数据报表")
        assert text.startswith(f"同一文件已于 2007-07-12 登记为{base.unit}，{base.subject}的")
        assert "2007年第二季度的季度数据报表" in text
    assert registered_reason(None) == "同一文件已登记过。"


def test_the_web_page_says_the_state_and_reason_status_shows(tmp_path: Any) -> None:
    """A base's upload: the message names the state the province's status shows (有错误
    when the check across quarters finds an error), and a file sent again is told what
    it was registered as."""
    import re

    from tests.test_web import client, login, upload
    from tests.test_web_periods import _set_password
    from tests.web_support import make_quarterly_round

    qround = make_quarterly_round(tmp_path)
    _set_password(qround)
    with client(qround) as web:  # type: ignore[arg-type]
        first = upload(web, qround.link(0, 1), qround.report(0, 1), "A-一季度.xlsx").json()
        assert (first["state"], first["message"]) == ("已收到", "已收到。")
        again = upload(web, qround.link(0, 1), qround.report(0, 1), "A-一季度.xlsx").json()
        assert again["outcome"] == "duplicate"
        assert re.fullmatch(
            r"这个文件已于 \d{4}-\d\d-\d\d 登记为.+的2007年第一季度的季度数据报表，结果见下。",
            again["message"],
        ), again["message"]
        fell = ytd("export_value", 1) - 500.0
        doc = upload(
            web, qround.link(0, 2), qround.report(0, 2, export_value_ytd=fell), "A-二季度.xlsx"
        ).json()
        assert doc["state"] == "有错误"
        assert doc["message"] == "已收到；有错误，请按下列问题更正后重新上报。"
        assert login(web).status_code == 303
        page = web.get(f"/province?form={JIDU}&period=2007Q2").text
        row = next(r for r in page.split("<tr>") if qround.bases[0].subject in r)
        assert "有错误" in row
