"""The ministry's 公示 (通知六(三): “所有推荐名单由商务部在网上公示”): `formkit rollup` of the
申报书's summaries writes the national 推荐名单（公示） as .xlsx, .docx and a static web page.

The expected list is read here from the provinces' summaries themselves (their 汇总表's
推荐意见, as a person left them), not from formkit's records.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from typer.testing import CliRunner

from formkit.cli import app
from tests.forms import write_filled
from tests.libreoffice import convert, pdf_pages
from tests.test_summary_print import application, summary_of

runner = CliRunner()
# the order of the reporting units in the reference data (reporting_units.toml)
UNIT_ORDER = ["江苏省", "四川省"]


def _edit(summary: Path, changes: dict[str, tuple[Any, str, str]]) -> None:
    """A person's decision typed on the 汇总表 (applicant -> 推荐次序, 推荐意见, 推荐理由)."""
    wb = openpyxl.load_workbook(summary)
    ws = wb["汇总表"]
    cols = {str(c.value): c.column for c in ws[2] if c.value}
    for r in range(3, ws.max_row + 1):
        name = ws.cell(r, cols["申请单位"]).value
        if name in changes:
            rank, decision, reason = changes[name]
            ws.cell(r, cols["推荐次序"]).value = rank
            ws.cell(r, cols["推荐意见"]).value = decision
            ws.cell(r, cols["推荐理由"]).value = reason
    wb.save(summary)


def _recommended_in(summary: Path) -> list[tuple[str, str, int]]:
    """(推荐单位, 申请单位, 推荐次序) of every row a province marked 推荐, read from its
    汇总表 sheet as a person sees it."""
    ws = openpyxl.load_workbook(summary)["汇总表"]
    cols = {str(c.value): c.column for c in ws[2] if c.value}
    out = []
    for r in range(3, ws.max_row + 1):
        if ws.cell(r, cols["推荐意见"]).value == "推荐":
            out.append(
                (
                    str(ws.cell(r, cols["推荐单位"]).value),
                    str(ws.cell(r, cols["申请单位"]).value),
                    int(ws.cell(r, cols["推荐次序"]).value),
                )
            )
    return out


@pytest.fixture(scope="module")
def rolled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, str]]]:
    """Two provinces' summaries (江苏 edited by a person), rolled up; the expected list."""
    tmp = tmp_path_factory.mktemp("publicity")
    sichuan, jiangsu = tmp / "川", tmp / "苏"
    for folder in (sichuan, jiangsu):
        folder.mkdir()
    write_filled(sichuan / "a.xlsx", application("成都高新区出口基地", "现有基地重新认定", 1.0))
    write_filled(sichuan / "b.xlsx", application("绵阳市电子信息产业集群", "新申报", 0.6))
    write_filled(sichuan / "c.xlsx", application("德阳市装备产业集群", "新申报", 0.9))
    for name, kind, scale in (
        ("苏州工业园区出口基地", "现有基地重新认定", 2.0),
        ("南京高新区出口基地", "现有基地重新认定", 1.5),
        ("无锡市物联网产业集群", "新申报", 1.2),
    ):
        write_filled(
            jiangsu / f"{name}.xlsx", {**application(name, kind, scale, "江苏省"), "city": "苏州市"}
        )
    summaries = tmp / "各省"
    summaries.mkdir()
    a = summary_of(sichuan, summaries / "四川省汇总表.xlsx", "--unit", "四川")
    b = summary_of(jiangsu, summaries / "江苏省汇总表.xlsx", "--unit", "江苏")
    # 江苏 recommends its new application against formkit's advice, first, and drops 南京
    _edit(
        b,
        {
            "无锡市物联网产业集群": (1, "推荐", "省政府重点支持"),
            "苏州工业园区出口基地": (2, "推荐", "现有基地重新认定，符合条件"),
            "南京高新区出口基地": (None, "不推荐", "经研究暂不推荐"),
        },
    )
    expected: list[tuple[str, str]] = []
    for path in (a, b):
        expected += [(u, n) for u, n, _ in sorted(_recommended_in(path), key=lambda x: x[2])]
    expected.sort(key=lambda x: UNIT_ORDER.index(x[0]))  # stable: each unit's order kept
    out = tmp / "部" / "全国汇总.xlsx"
    result = runner.invoke(app, ["rollup", str(a), str(b), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "推荐名单公示-2006年度.html" in result.output
    return out.parent, expected


def test_the_national_list_is_the_provinces_decisions(
    rolled: tuple[Path, list[tuple[str, str]]],
) -> None:
    folder, expected = rolled
    assert ("江苏省", "无锡市物联网产业集群") in expected  # the person's, not formkit's
    assert ("江苏省", "南京高新区出口基地") not in expected
    assert sorted(p.name for p in folder.iterdir()) == [
        "全国汇总.xlsx",
        "推荐名单公示-2006年度.docx",
        "推荐名单公示-2006年度.html",
        "推荐名单公示-2006年度.xlsx",
    ]
    ws = openpyxl.load_workbook(folder / "推荐名单公示-2006年度.xlsx")["推荐名单"]
    assert ws["A1"].value == "2006年度科技兴贸出口创新基地推荐名单（公示）"
    assert [c.value for c in ws[3]] == [
        "序号",
        "推荐单位",
        "申请单位",
        "所在地级市",
        "申报类型",
        "重点领域",
    ]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert [(r[1], r[2]) for r in rows] == expected
    assert [r[0] for r in rows] == list(range(1, len(expected) + 1))
    assert all(r[4] in ("现有基地重新认定", "新申报") and r[5] for r in rows)
    # the lead: units and counts, from the expected list
    units = len({u for u, _ in expected})
    assert f"共{units}个推荐单位推荐{len(expected)}个" in str(ws["A2"].value)

    document = docx.Document(str(folder / "推荐名单公示-2006年度.docx"))
    table = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert table[0] == ["序号", "申请单位", "所在地级市", "申报类型", "重点领域"]
    got: list[tuple[str, str]] = []
    unit = ""
    for row in table[1:]:
        if len(set(row)) == 1:  # a reporting unit's heading across the row
            unit, count = re.fullmatch(r"(.+)（(\d+)个）", row[0]).groups()  # type: ignore[union-attr]
            assert int(count) == sum(1 for u, _ in expected if u == unit)
        else:
            got.append((unit, row[1]))
    assert got == expected


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.text.append(data.strip())


def test_the_web_page_is_static_chinese_and_complete(
    rolled: tuple[Path, list[tuple[str, str]]],
) -> None:
    folder, expected = rolled
    raw = (folder / "推荐名单公示-2006年度.html").read_text(encoding="utf-8")
    page = _Visible()
    page.feed(raw)
    tags = {t for t, _ in page.tags}
    assert "script" not in tags and "<script" not in raw.lower()
    assert not ({"link", "img", "iframe", "object", "embed"} & tags)  # nothing from elsewhere
    assert not any(a.startswith("on") for _, attrs in page.tags for a, _ in attrs)
    assert "url(" not in raw and "@import" not in raw and "http" not in raw
    visible = "\n".join(page.text)
    # no tool words: identifiers, options, file names of data, addresses, our name
    for pattern in (r"[A-Za-z]+_[A-Za-z]+", r"--\w", r"\.toml", r"formkit", r"[A-Za-z]{4,}"):
        assert not re.search(pattern, visible), (pattern, re.search(pattern, visible))
    assert page.text[0] == "2006年度科技兴贸出口创新基地推荐名单（公示）"
    for _, name in expected:
        assert name in page.text
    assert sum(1 for t in page.text if re.fullmatch(r".+（\d+个）", t)) == len(
        {u for u, _ in expected}
    )


@pytest.mark.libreoffice
def test_the_word_list_prints_on_one_page(
    soffice_writer: str, rolled: tuple[Path, list[tuple[str, str]]], tmp_path: Path
) -> None:
    folder, _ = rolled
    pdf = convert(folder / "推荐名单公示-2006年度.docx", "pdf", tmp_path)
    assert pdf_pages(pdf) == 1


def test_no_recommendation_gives_an_empty_list() -> None:
    from formkit.forms.shenbaoshu.publicity import publicity_docx, publicity_html, publicity_xlsx

    apps = [{"province": "四川省", "applicant_name": "甲", "_decision": "不推荐"}]
    ws = openpyxl.load_workbook(io.BytesIO(publicity_xlsx(apps, 2006))).active
    assert ws.max_row == 3 and "各推荐单位本年度没有推荐" in str(ws["A2"].value)
    assert not docx.Document(io.BytesIO(publicity_docx(apps, 2006))).tables
    assert "<table>" not in publicity_html(apps, 2006).decode()
