"""What the province prints and decides: pages counted by LibreOffice, Chinese only, and a
person's decision made in LibreOffice carried into the 推荐文件 and the national roll-up."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from typer.testing import CliRunner

from formkit.cli import app
from tests.conftest import ROOT
from tests.forms import full_values, own_base, write_filled
from tests.libreoffice import convert, pdf_pages, pdf_text
from tests.summaries import rows_of
from tests.test_real_client import run_uno_fill, uno_python  # noqa: F401

runner = CliRunner()
PAGE_NUMBER = re.compile(r"第\s*\d+\s*页\s*[，,]?\s*共\s*\d+\s*页")
DETAIL_TITLE = "明细（全部数据）"


def application(name: str, kind: str, scale: float, unit: str = "四川省") -> dict[str, Any]:
    """An application that passes every condition; its figures scaled by `scale` (growth
    rates, which are ratios, stay consistent)."""
    v = {
        **full_values(),
        "province": unit,
        "city": "成都市",
        "applicant_name": name,
        "application_type": kind,
        "has_feature_industry": True,
        "attachments": {"application_form": True, "development_plan": True},
    }
    if kind == "新申报":
        v["existing_base_type"] = None
    v["export_value"] = round(v["export_value"] * scale, 4)
    v["hitech_export_value"] = round(v["hitech_export_value"] * scale, 4)
    v["history"] = [
        {
            **h,
            "export_value": round(h["export_value"] * scale, 4),
            "hitech_export_value": round(h["hitech_export_value"] * scale, 4),
        }
        for h in v["history"]
    ]
    return own_base(v)  # a re-certification names its own unit's base (五(一))


def summary_of(folder: Path, out: Path, *extra: str) -> Path:
    result = runner.invoke(app, ["summary", str(folder), "-o", str(out), "-j", "1", *extra])
    assert result.exit_code == 0, result.output
    return out


def many(folder: Path, n: int, unit: str = "江苏省", *, mixed: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        kind = "新申报" if i % 3 else "现有基地重新认定"
        values = application(f"第{i + 1:02d}号高新技术产业开发区管理委员会", kind, 1 + i / 10, unit)
        if i % 4 == 1:  # some with open conditions: longer 未通过或待补充的条件
            values["attachments"] = {**values["attachments"], "development_plan": False}
            values["has_feature_industry"] = False
        if mixed:  # a real round: most still missing material, some failing, some wrong
            if i % 3 != 2:
                values["attachments"] = {**values["attachments"], "development_plan": False}
            if i % 5 == 2:  # 高新技术产品出口额 above 出口额: an error, left out of totals
                values["hitech_export_value"] = round(values["export_value"] * 1.2, 4)
            if i % 7 == 4:
                values["has_policy"] = values["has_funding"] = False
            if i % 10 == 9:
                values["contact_phone"] = None
        write_filled(folder / f"{i + 1:02d}.xlsx", values)
    return folder


def sheet_pages(pdf: Path) -> tuple[int, list[str]]:
    """(pages of the first sheet, every page's text): the 明细 sheet follows the first."""
    pages = pdf_text(pdf)
    first = next(i for i, text in enumerate(pages) if DETAIL_TITLE in text)
    return first, pages


@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.parametrize(("n", "first_max", "total_max"), [(3, 1, 8), (30, 3, None)])
def test_summary_prints_on_few_pages_with_header_and_page_numbers(
    soffice: str, tmp_path: Path, n: int, first_max: int, total_max: int | None
) -> None:
    """3 applications: 汇总表 on 1 page, the whole summary within 8; 30 in every state (most
    still missing material, some failing, some with errors, bases claimed twice): 汇总表
    within 3, its conditions a clause and one word each (the facts are on 问题清单)."""
    folder = many(tmp_path / "in", n, mixed=True)
    out = summary_of(folder, tmp_path / "s.xlsx", "--unit", "江苏")
    conditions = [r["未通过或待补充的条件"] for r in rows_of(out, "汇总表")]
    if n == 30:  # every state is there
        verdicts = {r["审核结论"] for r in rows_of(out, "汇总表")}
        assert {"不符合", "待补充材料", "需人工判断"} <= verdicts, verdicts
    brief = re.compile(r"^[^；\s]+ (不符合|待补充|需人工判断)$")
    for cell in conditions:
        for part in str(cell or "").split("；") if cell else []:
            assert brief.match(part), cell
    pdf = convert(out, "pdf", tmp_path / "pdf")
    first, pages = sheet_pages(pdf)
    assert 1 <= first <= first_max
    if total_max is not None:
        assert pdf_pages(pdf) <= total_max
    # 明细 (about 60 columns) is marked not for printing: its title line, saying so
    detail = [text for text in pages if DETAIL_TITLE in text]
    assert len(detail) == 1 and "不打印" in re.sub(r"\s+", "", detail[0])
    assert "申报类型" not in detail[0]  # none of its columns
    title = "江苏省2006年科技兴贸出口创新基地申报汇总表"
    for i, text in enumerate(pages, start=1):
        assert title in text, f"page {i} has no header"
        assert PAGE_NUMBER.search(text), f"page {i} has no page number"
    # the first sheet's columns, on its one page wide
    head = re.sub(r"\s+", "", pages[0])
    for word in ("序号", "推荐次序", "申请单位", "审核结论", "推荐意见", "推荐理由"):
        assert word in head, word


@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.parametrize(
    ("west", "east", "first_max", "total_max"), [(2, 1, 1, 9), (20, 10, 3, None)]
)
def test_rollup_prints_on_few_pages(
    soffice: str, tmp_path: Path, west: int, east: int, first_max: int, total_max: int | None
) -> None:
    """The national 汇总表 of 3 applications on 1 page (the whole within the summary's 8 and
    各推荐单位), of 30 within 3."""
    a = summary_of(many(tmp_path / "a", west, "四川省"), tmp_path / "a.xlsx", "--unit", "四川")
    b = summary_of(many(tmp_path / "b", east, "江苏省"), tmp_path / "b.xlsx", "--unit", "江苏")
    result = runner.invoke(app, ["rollup", str(a), str(b), "-o", str(tmp_path / "nat.xlsx")])
    assert result.exit_code == 0, result.output
    pdf = convert(tmp_path / "nat.xlsx", "pdf", tmp_path / "pdf")
    first, pages = sheet_pages(pdf)
    assert 1 <= first <= first_max
    if total_max is not None:
        assert pdf_pages(pdf) <= total_max
    for i, text in enumerate(pages, start=1):
        assert "全国2006年科技兴贸出口创新基地申报汇总表" in text, f"page {i} has no header"
        assert PAGE_NUMBER.search(text), f"page {i} has no page number"


# an issue code (snake_case) or an English sentence (four words or more)
_CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
_SENTENCE = re.compile(r"\b[A-Za-z]+(?:[ ,;:'()-]+[A-Za-z]+){3,}")
# paths and file names are the person's own
_PATHS = re.compile(r"\S*[/\\]\S*|\S+\.(?:xlsx|xlsm|xls|ods|csv|toml|db|json)\b")


def english_cells(path: Path) -> list[str]:
    found = []
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        header = [c.value for c in ws[2]] if ws.max_row >= 2 else []
        last_is_code = bool(header) and header[-1] == "代码"
        for row in ws.iter_rows():
            for c in row:
                if not isinstance(c.value, str):
                    continue
                if last_is_code and c.column == len(header):
                    continue  # the code, kept for machines in the last column
                text = _PATHS.sub(" ", c.value)
                if _CODE.search(text) or _SENTENCE.search(text):
                    found.append(f"{ws.title}!{c.coordinate}: {c.value}")
    return found


def test_no_visible_cell_holds_an_issue_code_or_english(tmp_path: Path) -> None:
    """Every sheet an official reads is Chinese; codes stay in --json and the last column."""
    from tests.conftest import ROOT

    samples = ROOT / "samples"
    inbox = tmp_path / "in"
    inbox.mkdir()
    for p in sorted(samples.iterdir())[:6]:
        (inbox / p.name).write_bytes(p.read_bytes())
    (inbox / "坏文件.xlsx").write_text("not a workbook", encoding="utf-8")
    (inbox / "重复.xlsx").write_bytes(next(iter(sorted(samples.glob("*.xlsx")))).read_bytes())
    out = summary_of(inbox, tmp_path / "s.xlsx")
    assert english_cells(out) == []
    # the issues' codes are there, for machines, in the hidden sheet by 序号
    codes = {r.get("代码") for r in rows_of(out, "问题清单")}
    assert "not_spreadsheet" in codes
    result = runner.invoke(app, ["rollup", str(out), "-o", str(tmp_path / "nat.xlsx")])
    assert result.exit_code == 0, result.output
    assert english_cells(tmp_path / "nat.xlsx") == []
    # and the check itself can fail
    wb = openpyxl.load_workbook(out)
    wb["说明"]["B40"] = "supply the exact figure with --reference"
    wb["问题清单"]["F3"] = "required_missing"
    wb.save(tmp_path / "english.xlsx")
    assert len(english_cells(tmp_path / "english.xlsx")) == 2


def _cells(path: Path) -> tuple[dict[str, int], dict[str, int]]:
    """The 汇总表's columns by header and rows by applicant (1-based, as a person sees)."""
    ws = openpyxl.load_workbook(path)["汇总表"]
    cols = {str(c.value): c.column for c in ws[2] if c.value}
    rows = {
        str(ws.cell(r, cols["申请单位"]).value): r
        for r in range(3, ws.max_row + 1)
        if ws.cell(r, cols["申请单位"]).value
    }
    return cols, rows


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(col))


@pytest.mark.libreoffice
@pytest.mark.slow
def test_a_decision_changed_in_libreoffice_reaches_the_letter_and_the_rollup(
    soffice: str,
    uno_python: str,  # noqa: F811  (the fixture of tests/test_real_client.py)
    tmp_path: Path,
) -> None:
    """六(三): the province decides. formkit proposes 甲 (its re-certification 符合) and
    leaves the two new applications to a person (六(二)(2) gives no rank: 需人工判断); the
    person recommends 丙 first, with 甲 second, in LibreOffice; the 推荐文件 and the
    roll-up follow the person, recording the change."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    write_filled(inbox / "甲.xlsx", application("甲市出口基地", "现有基地重新认定", 1.0))
    write_filled(inbox / "乙.xlsx", application("乙市高新区", "新申报", 2.0))
    write_filled(inbox / "丙.xlsx", application("丙市产业集群", "新申报", 0.8))
    out = summary_of(inbox, tmp_path / "汇总表.xlsx", "--unit", "四川")
    cols, rows = _cells(out)
    ws = openpyxl.load_workbook(out)["汇总表"]

    def shown(name: str, header: str) -> Any:
        return ws.cell(rows[name], cols[header]).value

    # formkit's proposal: 甲 alone; 乙 and 丙 wait for the person
    assert shown("甲市出口基地", "推荐次序") == 1
    for name in ("乙市高新区", "丙市产业集群"):
        assert shown(name, "审核结论") == "需人工判断"
        assert shown(name, "推荐意见") == "不推荐"
        assert str(shown(name, "推荐理由")).startswith("需人工判断")
    # the person, in LibreOffice
    rank, decision, reason = (_letter(cols[h]) for h in ("推荐次序", "推荐意见", "推荐理由"))
    steps = [
        {"op": "type", "sheet": "汇总表", "cell": f"{rank}{rows['丙市产业集群']}", "text": "1"},
        {
            "op": "type",
            "sheet": "汇总表",
            "cell": f"{decision}{rows['丙市产业集群']}",
            "text": "推荐",
        },
        {"op": "type", "sheet": "汇总表", "cell": f"{rank}{rows['甲市出口基地']}", "text": "2"},
        {"op": "type", "sheet": "汇总表", "cell": f"{rank}{rows['乙市高新区']}", "text": ""},
        {
            "op": "type",
            "sheet": "汇总表",
            "cell": f"{decision}{rows['乙市高新区']}",
            "text": "不推荐",
        },
        {
            "op": "type",
            "sheet": "汇总表",
            "cell": f"{reason}{rows['乙市高新区']}",
            "text": "经省厅研究，推荐丙市",
        },
        {
            "op": "type",
            "sheet": "汇总表",
            "cell": f"{reason}{rows['丙市产业集群']}",
            "text": "产业集群带动作用强",
        },
    ]
    # and sorts the rows by 申请单位 (whole rows move; 序号 moves with its row)
    last_col = _letter(max(cols.values()))
    steps.append(
        {
            "op": "sort",
            "sheet": "汇总表",
            "range": f"A3:{last_col}{max(rows.values())}",
            "column": cols["申请单位"] - 1,
            "descending": False,
        }
    )
    saved = tmp_path / "改过" / "汇总表.xlsx"
    run_uno_fill(uno_python, soffice, tmp_path, out, {"xlsx": saved}, steps, 180)
    assert saved.exists()
    moved = openpyxl.load_workbook(saved)["汇总表"]
    order = [moved.cell(r, cols["申请单位"]).value for r in sorted(rows.values())]
    assert order == sorted(rows) != [n for n, _ in sorted(rows.items(), key=lambda x: x[1])]

    # the 推荐文件 follows the person
    docs = tmp_path / "docs"
    result = runner.invoke(app, ["recommend", str(saved), "-o", str(docs)])
    assert result.exit_code == 0, result.output
    assert "人工调整" in result.output
    letter = docx.Document(str(docs / "推荐文件-四川省.docx"))
    table = [[c.text for c in row.cells] for row in letter.tables[0].rows]
    assert [(r[0], r[1]) for r in table[1:]] == [("1", "丙市产业集群"), ("2", "甲市出口基地")]
    # key figures read back from the summary: 8.25 × 0.8 (亿美元)
    hitech = table[0].index("高新技术产品出口额(亿美元)")
    assert table[1][hitech] == "6.60"
    # the reason the person typed in LibreOffice is the letter's
    assert table[1][-1] == "产业集群带动作用强"
    text = "\n".join(p.text for p in letter.paragraphs)
    assert "拟推荐2个出口创新基地（其中现有基地重新认定1个、新申报1个）" in text
    assert "按推荐次序依次为：丙市产业集群、甲市出口基地。" in text
    assert text.startswith("四川省商务厅文件")

    # and so does the roll-up, which records that the proposal was overridden
    nat = tmp_path / "nat.xlsx"
    result = runner.invoke(app, ["rollup", str(saved), "-o", str(nat)])
    assert result.exit_code == 0, result.output
    cols, rows = _cells(nat)
    ws = openpyxl.load_workbook(nat)["汇总表"]
    assert shown("丙市产业集群", "推荐意见") == "推荐" and shown("丙市产业集群", "推荐次序") == 1
    assert shown("乙市高新区", "推荐意见") == "不推荐"
    assert shown("乙市高新区", "推荐理由") == "经省厅研究，推荐丙市"
    detail = openpyxl.load_workbook(nat)["明细"]
    header = [c.value for c in detail[2]]
    overrides = {
        r[header.index("申请单位全称")]: r[header.index("人工调整")]
        for r in detail.iter_rows(min_row=3, values_only=True)
    }
    assert str(overrides["丙市产业集群"]).startswith("人工调整：原建议不推荐（需人工判断")
    assert "经推荐单位判断为满足" in str(overrides["丙市产业集群"])
    assert overrides["甲市出口基地"] == "人工调整：推荐次序由 1 改为 2"
    assert overrides["乙市高新区"] in (None, "")  # not recommended, as proposed
    assert os.path.getsize(nat) > 0
    # the ministry's 公示 beside it lists whom the person recommended, in their order
    public = openpyxl.load_workbook(tmp_path / "推荐名单公示-2006年度.xlsx")["推荐名单"]
    listed = [r[2] for r in public.iter_rows(min_row=4, values_only=True)]
    assert listed == ["丙市产业集群", "甲市出口基地"]


@pytest.mark.parametrize(
    ("kind", "detail", "shown"),
    [
        ("crashed", "worker exited with status 1", "读取进程异常退出：工作进程退出，状态码 1"),
        ("crashed", "worker killed by SIGKILL", "读取进程异常退出：工作进程被信号 SIGKILL 终止"),
        ("timeout", "no result after 30 s", "读取超时：30 秒内未读完"),
        ("memory", "MemoryError", "内存超限：内存不足"),
    ],
)
def test_read_failures_are_told_in_chinese(kind: str, detail: str, shown: str) -> None:
    """The isolation layer's English details (for logs) reach 未受理文件 in Chinese."""
    from formkit.read import _failed

    message = _failed("/nonexistent.xlsx", kind, detail).issues[0].message
    assert shown in message
    assert not _SENTENCE.search(message) and "worker" not in message


@pytest.mark.libreoffice
def test_a_figure_wider_than_its_column_prints_as_a_number_not_hashes(
    soffice: str, tmp_path: Path
) -> None:
    """A 万/亿 slip (35000 亿美元, the 陕西 sample) is printed, smaller, where a person can
    read what was typed."""
    out = summary_of(ROOT / "samples", tmp_path / "s.xlsx")
    pdf = convert(out, "pdf", tmp_path / "pdf")
    first, pages = sheet_pages(pdf)
    printed = "".join(pages[:first])
    assert "###" not in printed
    assert "35,000" in printed


def test_a_condition_prints_as_its_clause_and_one_word() -> None:
    """The 汇总表's 未通过或待补充的条件: clauses grouped by their word, the facts (which may
    hold a "；" of their own) left to 明细 and 问题清单."""
    from formkit.records import brief_criteria

    cell = (
        "六(二)(2) 高新技术产品年出口额在本地区位居前列（需人工判断：第 2 位（31 亿美元，"
        "占 5%；最多的甲 32 亿美元），请人工判断）；六(三) 附件齐全（待补充）；"
        "五(一)、六(一) 重新认定的是本单位的现有基地（需人工判断：与甲、乙都申报）；"
        "六(一)(3) 有专项资金（不符合）"
    )
    assert brief_criteria(cell) == (
        "六(一)(3) 不符合；六(三) 待补充；六(二)(2)、五(一)、六(一) 需人工判断"
    )
    assert brief_criteria("") == "" and brief_criteria(None) == ""
    assert brief_criteria("人工填写的说明") == "人工填写的说明"
