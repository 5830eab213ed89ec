"""formkit serve for a quarterly round (商技发[2006]6号 四(四)): each base's link for one
quarter takes that quarter's 季度数据报表 only, shows its problems at their cells, those
across quarters included, and the province sees the status of each round in the ledger."""

from __future__ import annotations

import io
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest

from formkit.distribute import parse_period
from formkit.forms import load_form_spec
from formkit.ledger import Ledger
from tests.report_forms import JIDU
from tests.test_across_periods import ytd
from tests.test_web import PASSWORD, client, csrf_of, login, upload
from tests.web_support import QuarterlyRound, make_quarterly_round


@pytest.fixture()
def qround(tmp_path: Any) -> QuarterlyRound:
    return make_quarterly_round(tmp_path)


@pytest.fixture()
def web(qround: QuarterlyRound) -> Iterator[Any]:
    with client(qround) as c:  # type: ignore[arg-type]
        yield c


def _cell(field_id: str) -> tuple[str, str]:
    spec = load_form_spec(JIDU)
    f = spec.field(field_id)
    return spec.sheet(f.sheet).name, f.area.first.a1


def _files(qround: QuarterlyRound) -> int:
    with sqlite3.connect(qround.db) as db:
        return int(db.execute("SELECT COUNT(*) FROM files").fetchone()[0])


def _set_password(qround: QuarterlyRound) -> None:
    from typer.testing import CliRunner

    from formkit.cli import app as cli

    result = CliRunner().invoke(
        cli, ["serve", "--db", str(qround.db), "--set-password"], input=f"{PASSWORD}\n" * 2
    )
    assert result.exit_code == 0, result.output


def test_a_base_uploads_its_quarters_and_sees_a_falling_cumulative_at_its_cell(
    qround: QuarterlyRound, web: Any
) -> None:
    a = qround.bases[0].subject
    page = web.get(qround.link(0, 2))
    assert page.status_code == 200
    assert a in page.text and "季度数据报表 2007年第二季度" in page.text
    assert "上传季度数据报表" in page.text and "所在省" in page.text and "未收到" in page.text

    first = upload(web, qround.link(0, 1), qround.report(0, 1), "A-一季度.xlsx").json()
    assert (first["outcome"], first["status"]) == ("new", "accepted"), first
    # the second quarter's cumulative export is below the first quarter's
    fell = ytd("export_value", 1) - 500.0
    sent = qround.report(0, 2, export_value_ytd=fell, export_value_q=0.0)
    doc = upload(web, qround.link(0, 2), sent, "A-二季度.xlsx").json()
    assert doc["outcome"] == "new" and doc["state"] == "有错误", doc
    across = [i for i in doc["issues"] if i["code"] == "cumulative_fell"]
    assert [(i["sheet"], i["cell"]) for i in across] == [_cell("export_value_ytd")]
    # the other quarter's file is named as it was uploaded, not as it is stored
    assert "A-一季度.xlsx" in across[0]["message"] and first["sha256"] not in across[0]["message"]
    assert doc["annotated"]

    html = web.get(doc["page"]).text
    sheet, cell = _cell("export_value_ytd")
    row = re.search(
        rf"<tr class=\"sev-error\">(?:(?!</tr>).)*{cell}(?:(?!</tr>).)*</tr>", html, re.S
    )
    assert row is not None and sheet in row.group(0), "the problem is not listed at its cell"
    assert "其他报告期" in html  # said to come from checking the base's other quarters

    # the annotated copy marks and comments that cell
    got = web.get(doc["annotated"])
    assert got.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(got.content))[sheet]
    assert ws[cell].comment is not None

    # each link's history is its own quarter's
    q1 = web.get(qround.link(0, 1)).text
    assert "A-一季度.xlsx" in q1 and "A-二季度.xlsx" not in q1
    assert "A-二季度.xlsx" in web.get(qround.link(0, 2)).text


def test_a_file_of_another_period_or_form_is_refused_naming_both(
    qround: QuarterlyRound, web: Any
) -> None:
    before = _files(qround)
    got = upload(web, qround.link(1, 2), qround.report(1, 1), "B-一季度.xlsx")
    assert got.status_code == 422
    message = got.json()["message"]
    assert "2007年第一季度" in message and "2007年第二季度" in message, message
    # without JavaScript: the page says why
    html = upload(web, qround.link(1, 2), qround.report(1, 1), "B-一季度.xlsx", json=False)
    assert html.status_code == 422 and "未能受理" in html.text and "2007年第一季度" in html.text
    # a 申报书 sent to a quarterly link
    other = upload(web, qround.link(1, 2), qround.application(1), "申报书.xlsx")
    assert other.status_code == 422
    assert "申报书" in other.json()["message"] and "季度数据报表" in other.json()["message"]
    assert _files(qround) == before
    with Ledger(qround.db) as led:
        assert led.history(qround.sid(1, 2)) == []


def test_a_registered_quarter_sent_to_the_next_quarters_link_is_told_the_period(
    qround: QuarterlyRound, web: Any
) -> None:
    """#21 item 13: a base's own second quarter, already registered, uploaded again to its
    third quarter's link is refused as a file of the wrong period, never as another
    base's file; another base's registered file is still "another base's"."""
    q2 = qround.report(0, 2)
    first = upload(web, qround.link(0, 2), q2, "A-二季度.xlsx").json()
    assert first["outcome"] == "new", first
    before = _files(qround)
    # the ledger has no third quarter's links in this round: the first quarter's stands in
    got = upload(web, qround.link(0, 1), q2, "A-二季度.xlsx")
    assert got.status_code == 422
    message = got.json()["message"]
    assert "本单位已经上报过的2007年第二季度的季度数据报表" in message, message
    assert "本链接收的是2007年第一季度的季度数据报表" in message
    assert "其他" not in message
    # the same bytes at another base's link: that is another base's file
    other = upload(web, qround.link(1, 2), q2, "A-二季度.xlsx").json()
    assert other["message"].startswith("这个文件已由其他基地上报"), other
    # without JavaScript the page says the same
    html = upload(web, qround.link(0, 1), q2, "A-二季度.xlsx", json=False)
    assert html.status_code == 422 and "本单位已经上报过的2007年第二季度" in html.text
    assert _files(qround) == before


def test_the_province_sees_each_rounds_status_with_the_forms_labels(
    qround: QuarterlyRound, web: Any
) -> None:
    _set_password(qround)
    assert login(web).status_code == 303
    upload(web, qround.link(0, 1), qround.report(0, 1), "A-一季度.xlsx")
    upload(web, qround.link(1, 1), qround.report(1, 1), "B-一季度.xlsx")
    fell = ytd("export_value", 1) - 500.0
    upload(web, qround.link(0, 2), qround.report(0, 2, export_value_ytd=fell, export_value_q=0.0))

    home = web.get("/province")  # opens on the round distributed last: Q2
    assert home.status_code == 200
    assert "季度数据报表 2007年第一季度" in home.text and "季度数据报表 2007年第二季度" in home.text
    q2 = web.get(f"/province?form={JIDU}&period=2007Q2")
    assert q2.status_code == 200
    text = q2.text
    assert "所在省" in text and "基地名称" in text and "季度结束后次月15日" in text
    a, b = (base.subject for base in qround.bases)
    status = re.search(r'<table class="grid" id="status">.*?</table>', text, re.S)
    assert status is not None
    b_row = next(r for r in status.group(0).split("<tr>") if b in r)
    a_row = next(r for r in status.group(0).split("<tr>") if a in r)
    assert "未收到" in b_row and "逾期未报" in b_row  # the deadline, 2007-07-15, has passed
    sheet, cell = _cell("export_value_ytd")
    assert "有错误" in a_row and cell in a_row and sheet in a_row
    # each problem: its severity, a short text, the whole paragraph behind it (#21 item 8)
    problem = re.search(r'<td class="problem">(.*?)</td>', a_row, re.S)
    assert problem is not None
    assert '<span class="sev">错误</span>' in problem.group(1)
    shown = re.findall(r"<summary>(.*?)</summary>(.*?)</details>", problem.group(1), re.S)
    # its own error (本季度 高新技术产品出口额 above 出口额 0), then the one across quarters
    own, fell_row = shown
    assert own[0].startswith(f"高新技术产品出口额有误（{_cell('hitech_export_value_q')[1]}）")
    assert "大于" in own[1]
    assert fell_row[0] == f"累计数比上季度减少（{cell}）"
    assert "请核对本季度和上季度的累计数" in fell_row[1]
    # a report gives no 审核结论: the counts name only the states it can have
    counts = re.search(r'<ul class="counts" id="counts">.*?</ul>', text, re.S)
    assert counts is not None
    assert "未收到" in counts.group(0) and "有错误" in counts.group(0)
    assert not any(v in counts.group(0) for v in ("待补充材料", "不符合", "符合"))

    q1 = web.get(f"/province?form={JIDU}&period=2007Q1").text
    q1_status = re.search(r'<table class="grid" id="status">.*?</table>', q1, re.S)
    assert q1_status is not None and "未收到" not in q1_status.group(0)

    # the 催报 workbook of the round shown
    got = web.get(f"/province/download/status.xlsx?form={JIDU}&period=2007Q2")
    assert got.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(got.content))
    chase = [str(v) for r in wb["催报名单"].iter_rows(values_only=True) for v in r if v]
    assert any(b in v for v in chase)

    # a base's page names its round and links back to it
    with Ledger(qround.db) as led:
        spec = load_form_spec(JIDU)
        rows2 = led.status(form_id=JIDU, period=parse_period("2007Q2", spec)).rows
    entry = web.get(f"/province/entries/{rows2[0].entry.submission_id}").text
    assert "季度数据报表 2007年第二季度" in entry and "period=2007Q2" in entry
    # its navigation downloads this round's 催报名单; the 汇总表 is the application round's
    assert f"/province/download/status.xlsx?form={JIDU}&amp;period=2007Q2" in entry
    assert "下载汇总表" not in entry and "下载汇总表" not in q2.text

    # a round the ledger does not have
    assert web.get(f"/province?form={JIDU}&period=2007Q4").status_code == 404
    assert csrf_of(q2.text)


def test_serve_form_and_period_choose_the_round_the_page_opens_on(qround: QuarterlyRound) -> None:
    _set_password(qround)
    with client(qround, form=JIDU, period="2007Q1") as c:  # type: ignore[arg-type]
        assert login(c).status_code == 303
        page = c.get("/province").text
        assert re.search(r'class="here"[^>]*>季度数据报表 2007年第一季度<', page)
        # the other round is a click away
        assert "2007年第二季度" in c.get(f"/province?form={JIDU}&period=2007Q2").text


def test_serve_refuses_a_periodic_form_without_its_period(qround: QuarterlyRound) -> None:
    from typer.testing import CliRunner

    from formkit.cli import app as cli

    result = CliRunner().invoke(cli, ["serve", "--db", str(qround.db), "--form", JIDU])
    assert result.exit_code == 2 and "--period" in result.output
    result = CliRunner().invoke(
        cli, ["serve", "--db", str(qround.db), "--form", JIDU, "--period", "2007Q5"]
    )
    assert result.exit_code == 2 and "2007Q5" in result.output
