"""formkit serve in a real browser: Debian's Chromium, driven by Playwright, against uvicorn
on loopback. A city's whole loop (with and without JavaScript) and the province's.

Screenshots of every page are written to $FORMKIT_SCREENSHOTS (else the test's temporary
folder) to be looked at.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest

from tests.web_support import LiveServer, Round, make_quarterly_round, make_round

pytestmark = pytest.mark.slow

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "春眠不觉晓-2006"


def _chromium() -> str:
    for candidate in (os.environ.get("FORMKIT_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("Chromium is not installed here (CI installs Debian's chromium via .ci/run)")
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    exe = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def live(tmp_path: Path) -> Iterator[tuple[LiveServer, Round]]:
    from typer.testing import CliRunner

    from formkit.cli import app as cli

    round_ = make_round(tmp_path)
    result = CliRunner().invoke(
        cli, ["serve", "--db", str(round_.db), "--set-password"], input=f"{PASSWORD}\n" * 2
    )
    assert result.exit_code == 0, result.output
    with LiveServer(round_) as server:
        yield server, round_


@pytest.fixture()
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("FORMKIT_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _files(round_: Round, folder: Path) -> dict[str, Path]:
    folder.mkdir(exist_ok=True)
    out = {"bad": folder / "浙江.xlsx", "good": folder / "浙江-修改后.xlsx"}
    out["bad"].write_bytes(round_.with_error(1))
    out["good"].write_bytes(round_.correct(1))
    return out


def test_a_city_and_the_province_through_the_whole_round(
    browser: Any, live: tuple[LiveServer, Round], shots: Path, tmp_path: Path
) -> None:
    server, round_ = live
    files = _files(round_, tmp_path / "to-upload")
    province = browser.new_context(accept_downloads=True, locale="zh-CN")
    city = browser.new_context(accept_downloads=True, locale="zh-CN")
    try:
        # the province logs in and sees nobody has submitted yet
        prov = province.new_page()
        prov.goto(server.url("/province"))
        assert prov.url.endswith("/province/login")
        prov.screenshot(path=shots / "01-省级登录.png", full_page=True)
        prov.fill("#password", "不是这个密码")
        prov.click("button[type=submit]")
        assert "密码不正确" in prov.inner_text("main")
        prov.fill("#password", PASSWORD)
        prov.click("button[type=submit]")
        prov.wait_for_url(server.url("/province"))
        assert "未收到" in _row(prov, "杭州高新技术产业开发区")
        prov.screenshot(path=shots / "02-省级报送情况-开始.png", full_page=True)
        prov.click("text=推荐文件")
        assert "台账中还没有可推荐的申请" in prov.inner_text("#no-applications")
        assert prov.locator("a[href*=recommendation]").count() == 0
        prov.screenshot(path=shots / "02b-省级推荐文件-尚无申请.png", full_page=True)
        prov.click("nav >> text=报送情况")
        prov.wait_for_url(server.url("/province"))

        # the city opens its link, uploads a workbook with an error, sees the issue
        page = city.new_page()
        page.goto(server.url(round_.link(1)))
        assert "杭州高新技术产业开发区" in page.inner_text("h1")
        page.screenshot(path=shots / "03-上报页-未上报.png", full_page=True)
        page.set_input_files("#file", files["bad"])
        page.click("#upload button[type=submit]")
        page.wait_for_selector("#focus")
        assert "有错误" in page.inner_text("#state")
        issues = page.inner_text("table.issues")
        assert "电子信箱" in issues and "错误" in issues
        page.screenshot(path=shots / "04-上报页-有错误.png", full_page=True)

        # ... downloads the annotated copy: the cell is marked and commented
        with page.expect_download() as info:
            page.click("#annotated")
        download = info.value
        assert download.suggested_filename == "浙江-审核意见.xlsx"
        saved = tmp_path / "审核意见.xlsx"
        download.save_as(saved)
        wb = openpyxl.load_workbook(saved)
        assert "审核意见" in wb.sheetnames
        assert any(
            c.comment is not None and "电子信箱" in c.comment.text
            for ws in wb.worksheets
            for row in ws.iter_rows()
            for c in row
        )

        # the province sees the change
        prov.reload()
        assert "有错误" in _row(prov, "杭州高新技术产业开发区")
        prov.screenshot(path=shots / "05-省级报送情况-有错误.png", full_page=True)
        prov.click("text=杭州高新技术产业开发区")
        assert "电子信箱" in prov.inner_text("table.issues")
        prov.screenshot(path=shots / "06-省级单位详情.png", full_page=True)
        prov.click("#history a")
        assert "电子信箱" in prov.inner_text("main")
        # the file's SHA-256 is in the page's data, for machines, not in its text
        sha = prov.get_attribute("#file-id", "data-sha256") or ""
        assert len(sha) == 64 and sha not in prov.inner_text("main")
        prov.screenshot(path=shots / "06b-省级文件详情.png", full_page=True)

        # the city uploads the corrected file and sees 符合
        page.set_input_files("#file", files["good"])
        with page.expect_navigation():
            page.click("#upload button[type=submit]")
        page.wait_for_selector("#focus")
        assert "符合" in page.inner_text("#state")
        assert "已替代" in page.inner_text("#history")
        page.screenshot(path=shots / "07-上报页-符合.png", full_page=True)

        prov.goto(server.url("/province"))
        row = _row(prov, "杭州高新技术产业开发区")
        assert "符合" in row and "有错误" not in row
        prov.screenshot(path=shots / "08-省级报送情况-符合.png", full_page=True)
        with prov.expect_download() as info:
            prov.click("text=下载汇总表")
        summary = tmp_path / "汇总表.xlsx"
        info.value.save_as(summary)
        sheets = openpyxl.load_workbook(summary, read_only=True)
        names = [
            str(v)
            for ws in sheets.worksheets[:1]
            for r in ws.iter_rows(values_only=True)
            for v in r
            if v
        ]
        assert any("杭州高新技术产业开发区" in n for n in names)
        with prov.expect_download() as info:
            prov.click("text=下载催报名单")
        status = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
        assert "催报名单" in status.sheetnames
        # the 推荐文件: the proposal on the page, the letter as formkit recommend --db writes it
        prov.click("nav >> text=推荐文件")
        decision = prov.inner_text("table.decision")
        assert "杭州高新技术产业开发区" in decision and "推荐" in decision
        prov.screenshot(path=shots / "08b-省级推荐文件.png", full_page=True)
        with prov.expect_download() as info:
            prov.click("#letter-1")
        assert info.value.suggested_filename == "推荐文件-浙江省.docx"
        letter = docx.Document(io.BytesIO(Path(info.value.path()).read_bytes()))
        (table,) = letter.tables
        assert [r.cells[1].text for r in table.rows] == ["申请单位", "杭州高新技术产业开发区"]
        title = next(p.text for p in letter.paragraphs if p.text.endswith("的请示"))
        assert title.replace("\n", "").endswith("关于推荐2006年度科技兴贸出口创新基地的请示")
        with prov.expect_download() as info:
            prov.click("text=下载报部名单（Excel）")
        assert info.value.suggested_filename == "报部名单-浙江省.xlsx"
        prov.click("text=操作记录")
        audit = prov.inner_text("#audit")
        assert "上传" in audit and "下载" in audit and "登录失败" in audit
        assert "推荐文件-浙江省.docx" in audit and "报部名单-浙江省.xlsx" in audit
        prov.screenshot(path=shots / "09-省级操作记录.png", full_page=True)
        prov.click("nav button")  # 退出
        prov.wait_for_url(server.url("/province/login"))
        prov.goto(server.url("/province"))
        assert prov.url.endswith("/province/login")
    finally:
        province.close()
        city.close()


def test_a_city_without_javascript(
    browser: Any, live: tuple[LiveServer, Round], shots: Path, tmp_path: Path
) -> None:
    server, round_ = live
    files = _files(round_, tmp_path / "to-upload")
    word = tmp_path / "to-upload" / "申报书.doc"
    word.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048)
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(server.url("/"))
        assert "上报链接" in page.inner_text("main")
        page.screenshot(path=shots / "11-首页.png", full_page=True)
        page.goto(server.url("/u/" + "A" * 43))
        assert "页面不存在" in page.inner_text("main")
        page.screenshot(path=shots / "12-链接无效.png", full_page=True)
        page.goto(server.url(round_.link(1)))
        page.set_input_files("#file", word)
        page.click("#upload button[type=submit]")
        assert "未能受理" in page.inner_text("#result")
        page.screenshot(path=shots / "10-上报页-未受理-无脚本.png", full_page=True)
        page.set_input_files("#file", files["bad"])
        page.click("#upload button[type=submit]")
        page.wait_for_selector("#focus")
        assert "有错误" in page.inner_text("#state")
        assert "电子信箱" in page.inner_text("table.issues")
    finally:
        context.close()


def test_a_base_reports_its_quarter_and_the_province_sees_the_round(
    browser: Any, shots: Path, tmp_path: Path
) -> None:
    """A base's link for 2007年第二季度: the upload, its falling cumulative listed at the cell
    with the first quarter's file named; the province's page for the quarterly round."""
    from typer.testing import CliRunner

    from formkit.cli import app as cli
    from formkit.forms import load_form_spec
    from tests.report_forms import JIDU
    from tests.test_across_periods import ytd

    qround = make_quarterly_round(tmp_path)
    result = CliRunner().invoke(
        cli, ["serve", "--db", str(qround.db), "--set-password"], input=f"{PASSWORD}\n" * 2
    )
    assert result.exit_code == 0, result.output
    folder = tmp_path / "to-upload"
    folder.mkdir()
    q1, q2 = folder / "基地一季度.xlsx", folder / "基地二季度.xlsx"
    q1.write_bytes(qround.report(0, 1))
    q2.write_bytes(qround.report(0, 2, export_value_ytd=ytd("export_value", 1) - 500.0))
    spec = load_form_spec(JIDU)
    field = spec.field("export_value_ytd")
    sheet, cell = spec.sheet(field.sheet).name, field.area.first.a1
    base = qround.bases[0].subject
    with LiveServer(qround) as server:
        city = browser.new_context(accept_downloads=True, locale="zh-CN")
        province = browser.new_context(accept_downloads=True, locale="zh-CN")
        try:
            page = city.new_page()
            page.goto(server.url(qround.link(0, 1)))
            page.set_input_files("#file", q1)
            page.click("#upload button[type=submit]")
            page.wait_for_selector("#focus")
            page.goto(server.url(qround.link(0, 2)))
            assert base in page.inner_text("h1")
            assert "2007年第二季度" in page.inner_text("#round")
            assert "上传季度数据报表" in page.inner_text("main")
            # the picker speaks Chinese (the browser's own says "Choose File")
            assert page.is_visible("label.picker") and page.inner_text("label.picker") == "选择文件"
            assert page.inner_text("#file-name").strip() == "尚未选择文件"
            assert page.evaluate("document.getElementById('file').offsetWidth") <= 1
            page.set_input_files("#file", q2)
            assert page.inner_text("#file-name").strip() == "基地二季度.xlsx"
            page.screenshot(path=shots / "19-基地上报页-已选择文件.png")
            page.click("#upload button[type=submit]")
            page.wait_for_selector("#focus")
            assert "有错误" in page.inner_text("#state")
            row = str(page.locator("table.issues tr", has_text="逐季只增不减").inner_text())
            assert cell in row and sheet in row and "基地一季度.xlsx" in row
            page.screenshot(
                path=shots / "20-基地上报页-季度数据报表-累计数下降.png", full_page=True
            )

            prov = province.new_page()
            prov.goto(server.url("/province/login"))
            prov.fill("#password", PASSWORD)
            prov.click("button[type=submit]")
            prov.wait_for_url(server.url("/province"))
            assert "季度数据报表 2007年第二季度" in prov.inner_text("#rounds")
            prov.click("#rounds >> text=2007年第二季度")
            status = _row(prov, base)
            assert "有错误" in status and cell in status
            other = _row(prov, qround.bases[1].subject)
            assert "未收到" in other and "逾期未报" in other
            prov.screenshot(path=shots / "21-省级报送情况-季度数据报表.png", full_page=True)
            prov.click(f"#status >> text={base}")
            assert "季度数据报表 2007年第二季度" in prov.inner_text("main")
            assert "逐季只增不减" in prov.inner_text("table.issues")
            prov.screenshot(path=shots / "22-省级基地详情-季度数据报表.png", full_page=True)
            prov.click("text=← 报送情况")
            assert "2007年第二季度" in prov.inner_text("h1")
        finally:
            city.close()
            province.close()


def _row(page: Any, applicant: str) -> str:
    return str(page.locator("#status tr", has_text=applicant).inner_text())
