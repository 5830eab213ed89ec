"""The 推荐文件 and the 公示名单 (通知六(三)): what prints, in which order, deterministic."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest

from formkit.forms.shenbaoshu.letters import (
    LetterInfo,
    chinese_date,
    public_docx,
    public_xlsx,
    recommendation_docx,
    write_documents,
)
from formkit.forms.shenbaoshu.recommend import propose
from formkit.reference import load_reference
from tests.libreoffice import convert, pdf_pages, pdf_text

REF = load_reference()


def apps() -> list[dict[str, Any]]:
    rows = [
        ("绵阳市电子信息产业集群", "新申报", "符合", 3.25, 4.0),
        ("成都高新技术产业开发区", "现有基地重新认定", "符合", 21.5, 30.2),
        ("德阳市重大装备出口基地", "新申报", "符合", 7.75, 9.9),
        ("攀枝花钒钛新材料基地", "新申报", "不符合", 0.05, 0.3),
    ]
    return [
        {
            "province": "四川省",
            "applicant_name": name,
            "city": name[:3],
            "application_type": kind,
            "key_field": "电子信息",
            "export_value": export,
            "hitech_export_value": hitech,
            "computed.hitech_export_growth_3y": 41.5,
            "_verdict": verdict,
            "_criteria": "" if verdict == "符合" else "六(二)(2) 地区门槛（不符合）",
            "_sha256": name,
        }
        for name, kind, verdict, hitech, export in rows
    ]


# independently: re-certifications that pass, then the one new application with the
# highest 高新技术产品出口额 that passes (四川 has a base: 中西部 may add 1)
EXPECTED = ["成都高新技术产业开发区", "德阳市重大装备出口基地"]


def _table_rows(document: Any) -> list[list[str]]:
    table = document.tables[0]
    return [[c.text for c in row.cells] for row in table.rows]


def test_letter_lists_recommended_in_order_with_figures_and_the_seal_block() -> None:
    """六(三) (1) 推荐文件: the recommended applications in order, 联系人, date and 盖章."""
    records = apps()
    propose(records, reference=REF)
    info = LetterInfo(2006, "四川省", contact="李明", phone="028-86000000")
    document = docx.Document(io.BytesIO(recommendation_docx(records, info)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "商技发[2006]6号" in text
    assert "四川省商务主管部门按照公开、公正、透明原则" in text
    assert "现推荐以下 2 家申请单位（其中现有基地重新认定 1 家，新申报 1 家）" in text
    rows = _table_rows(document)
    assert rows[0][:2] == ["推荐次序", "申请单位"]
    assert [r[1] for r in rows[1:]] == EXPECTED
    assert [r[0] for r in rows[1:]] == ["1", "2"]
    # key figures, two decimals, and the verdict
    assert rows[1][5:] == ["30.20", "21.50", "41.50", "符合"]
    assert "推荐意见：" in text
    assert "联系人：李明" in text and "联系电话：028-86000000" in text
    paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
    assert paragraphs[-2:] == ["四川省商务主管部门（盖章）", "二〇〇六年    月    日"]


def test_letter_date_and_blank_contact_lines() -> None:
    records = apps()
    propose(records, reference=REF)
    info = LetterInfo(2006, "四川省", date=dt.date(2006, 4, 25))
    document = docx.Document(io.BytesIO(recommendation_docx(records, info)))
    paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
    assert paragraphs[-1] == "二〇〇六年四月二十五日"
    assert any(p.startswith("联系人：__________") for p in paragraphs)
    assert chinese_date(dt.date(2006, 10, 30)) == "二〇〇六年十月三十日"
    assert chinese_date(dt.date(2006, 12, 1)) == "二〇〇六年十二月一日"


def test_public_list_xlsx_and_docx_hold_the_recommended_only() -> None:
    records = apps()
    propose(records, reference=REF)
    info = LetterInfo(2006, "四川省")
    ws = openpyxl.load_workbook(io.BytesIO(public_xlsx(records, info))).active
    assert ws["A1"].value == "四川省2006年科技兴贸出口创新基地推荐名单（公示）"
    got = [[c for c in row] for row in ws.iter_rows(min_row=3, values_only=True)]
    assert [(r[0], r[1], r[2]) for r in got] == [
        (1, "四川省", EXPECTED[0]),
        (2, "四川省", EXPECTED[1]),
    ]
    document = docx.Document(io.BytesIO(public_docx(records, info)))
    assert [r[2] for r in _table_rows(document)[1:]] == EXPECTED


def test_documents_are_deterministic(tmp_path: Path) -> None:
    records = apps()
    propose(records, reference=REF)
    info = LetterInfo(2006, "四川省")
    first = write_documents(records, info, tmp_path / "a")
    second = write_documents(records, info, tmp_path / "b")
    for a, b in zip(
        (first.letter, first.public_xlsx, first.public_docx),
        (second.letter, second.public_xlsx, second.public_docx),
        strict=True,
    ):
        assert a.read_bytes() == b.read_bytes(), a.name


@pytest.mark.libreoffice
def test_letter_prints_on_one_page_with_page_numbers(soffice: str, tmp_path: Path) -> None:
    records = apps()
    propose(records, reference=REF)
    written = write_documents(records, LetterInfo(2006, "四川省"), tmp_path)
    pdf = convert(written.letter, "pdf", tmp_path / "pdf")
    assert pdf_pages(pdf) == 1
    page = pdf_text(pdf)[0]
    assert re.search(r"第\s*1\s*页\s*共\s*1\s*页", page)
    # names wrap inside their cells: their first characters stay on one line
    assert page.index(EXPECTED[0][:4]) < page.index(EXPECTED[1][:4])
    assert "攀枝花" not in page
    assert "（盖章）" in page
    public = convert(written.public_docx, "pdf", tmp_path / "pdf2")
    assert pdf_pages(public) == 1


def test_recommend_from_the_ledger_writes_a_letter_per_unit(tmp_path: Path) -> None:
    """`formkit recommend --db`: formkit's proposal straight from the 报送台账."""
    from typer.testing import CliRunner

    from formkit.cli import app
    from tests.conftest import ROOT

    runner = CliRunner()
    db = tmp_path / "f.db"
    ingest = runner.invoke(app, ["ingest", str(ROOT / "samples"), "--db", str(db), "-j", "1"])
    assert ingest.exit_code in (0, 1), ingest.output
    out = tmp_path / "out"
    result = runner.invoke(app, ["recommend", "--db", str(db), "--unit", "江苏", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "排序依据：审核结论（符合优先，其次需人工判断、待补充材料）" in "".join(
        result.output.split()
    )
    letter = docx.Document(str(out / "推荐文件-江苏省.docx"))
    assert [r[1] for r in _table_rows(letter)[1:]] == ["苏州工业园区管理委员会"]
    assert sorted(p.name for p in out.iterdir()) == [
        "公示名单-江苏省.docx",
        "公示名单-江苏省.xlsx",
        "推荐文件-江苏省.docx",
    ]
    # 成都's 新申报 is 需人工判断 (六(二)(2) 前列, 六(二)(4) rank 8): not recommended by formkit
    sichuan = runner.invoke(
        app, ["recommend", "--db", str(db), "--unit", "四川", "-o", str(tmp_path / "sc")]
    )
    assert sichuan.exit_code == 0, sichuan.output
    assert "1份申请有需人工判断的条件，formkit不自动推荐" in "".join(sichuan.output.split())
    bad = runner.invoke(app, ["recommend", "--db", str(db), "--rank-by", "利润", "-o", str(out)])
    assert bad.exit_code == 2 and "排序依据“利润”不是汇总表中的列" in bad.output
