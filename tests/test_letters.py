"""The 推荐文件 (a 请示 laid out per GB/T 9704-2012) and the 报部名单 (通知六(三)).

What the letter says is read back from the .docx; how it prints is read back from the PDF
LibreOffice Writer makes of it (pages, where the text sits, how large it is).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import subprocess
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from docx.shared import Mm

from formkit.forms.shenbaoshu.authority import authority_for
from formkit.forms.shenbaoshu.letters import (
    LetterInfo,
    arabic_date,
    letter_notes,
    list_docx,
    list_xlsx,
    recommendation_docx,
    write_documents,
)
from formkit.forms.shenbaoshu.recommend import propose
from formkit.reference import load_reference
from tests.libreoffice import convert, pdf_pages, pdf_text

REF = load_reference()
SICHUAN = "四川省商务厅"  # authorities.toml's name for 四川省
MANUAL_REASON = "省政府重点支持的重大装备产业集群，出口增长快"


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


def decided() -> list[dict[str, Any]]:
    """formkit's proposal, with the reason a person typed for 德阳 on the 汇总表."""
    records = apps()
    propose(records, reference=REF)
    by_name = {r["applicant_name"]: r for r in records}
    by_name["德阳市重大装备出口基地"]["_reason"] = MANUAL_REASON
    return records


FULL = LetterInfo(
    2006,
    "四川省",
    contact="李明",
    phone="028-86000000",
    date=dt.date(2006, 4, 28),
    signer="王小平",
    doc_code="川商技",
)


def _texts(document: Any) -> list[str]:
    return [p.text for p in document.paragraphs if p.text.strip()]


def _table_rows(document: Any) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in document.tables[0].rows]


def test_letter_is_a_request_to_the_ministry_under_the_departments_name() -> None:
    """GB/T 9704-2012: 发文机关标志, 发文字号 and 签发人, title, 主送 商务部, body, 附件说明,
    落款, 成文日期 in Arabic numerals, 附注 with 联系人 and 电话 below the date."""
    document = docx.Document(io.BytesIO(recommendation_docx(decided(), FULL)))
    texts = _texts(document)
    assert texts[0] == f"{SICHUAN}文件"
    assert texts[1] == "\u3000川商技〔2006〕\u3000\u3000号\t签发人：王小平"
    assert texts[2] == f"{SICHUAN}关于推荐2006年度\n科技兴贸出口创新基地的请示"
    assert texts[3] == "商务部："  # the ministry's full name, not 商务部科技司
    body = texts[4:8]
    notice = "《商务部关于建设“科技兴贸出口创新基地”有关问题的通知》（商技发〔2006〕6号）"
    assert body[0].startswith(f"根据{notice}")
    # the counts, computed here from the records
    records = apps()
    received = len(records)
    recert = sum(1 for r in records if r["application_type"] == "现有基地重新认定")
    new = received - recert
    assert (
        f"我厅共收到申报材料{received}份，其中现有基地重新认定{recert}份、新申报{new}份。"
        in body[0]
    )
    assert (
        f"拟推荐{len(EXPECTED)}个出口创新基地（其中现有基地重新认定1个、新申报1个），"
        f"按推荐次序依次为：{'、'.join(EXPECTED)}。"
    ) in body[1]
    assert body[3] == "以上请示，请予核准。"
    # no blanks to fill in the body
    assert not any(re.search(r"_{2,}|\u3000{2,}|\s{3,}", t) for t in body)
    assert texts[8:11] == [
        "附件：1.2006年度科技兴贸出口创新基地推荐名单",
        "\u3000\u3000\u30002.2006年度出口创新基地申报书",
        "\u3000\u3000\u30003.出口创新基地发展方案",
    ]
    assert texts[11:14] == [SICHUAN, "2006年4月28日", "（联系人：李明，电话：028-86000000）"]
    assert texts[14:16] == ["附件1", "2006年度科技兴贸出口创新基地推荐名单"]


def test_the_attachment_lists_the_recommended_with_the_reasons_as_decided() -> None:
    """附件1: the recommended in order, each with its reason; a reason the province typed
    appears as typed; a verdict other than 符合 is said beside it."""
    records = decided()
    document = docx.Document(io.BytesIO(recommendation_docx(records, FULL)))
    rows = _table_rows(document)
    assert rows[0] == [
        "序号",
        "申请单位",
        "所在地级市",
        "申报类型",
        "重点领域",
        "高新技术产品出口额(亿美元)",
        "推荐理由",
    ]
    assert [r[1] for r in rows[1:]] == EXPECTED
    assert [r[0] for r in rows[1:]] == ["1", "2"]
    assert rows[1][5] == "21.50" and rows[1][6] == "现有基地重新认定，符合条件"
    assert rows[2][6] == MANUAL_REASON
    # a person recommends 攀枝花 (不符合) too, with no reason of their own
    by_name = {r["applicant_name"]: r for r in records}
    by_name["攀枝花钒钛新材料基地"].update(_decision="推荐", _rank=3, _reason="人工调整")
    document = docx.Document(io.BytesIO(recommendation_docx(records, FULL)))
    assert _table_rows(document)[3][6] == "审核结论：不符合"
    notes = letter_notes(records, FULL)
    assert any("推荐理由为空：攀枝花钒钛新材料基地" in n for n in notes)


def test_what_is_not_given_is_left_to_fill_in_outside_the_body() -> None:
    """发文字号's number, 签发人, the date, 联系人 and 电话: blanks where they stand."""
    info = LetterInfo(2006, "四川省")
    texts = _texts(docx.Document(io.BytesIO(recommendation_docx(decided(), info))))
    assert texts[1] == "\u3000" * 4 + "〔2006〕\u3000\u3000号\t签发人：" + "\u3000" * 3
    assert texts[11:14] == [
        SICHUAN,
        "2006年\u3000\u3000月\u3000\u3000日",
        "（联系人：\u3000\u3000\u3000\u3000，电话：" + "\u3000" * 6 + "）",
    ]
    assert arabic_date(dt.date(2006, 10, 3)) == "2006年10月3日"


def test_the_province_names_itself() -> None:
    """--authority: the department's own name wins over the reference data's."""
    info = LetterInfo(2006, "江苏省", authority="江苏省商务厅")
    records = [{**r, "province": "江苏省"} for r in decided()]
    texts = _texts(docx.Document(io.BytesIO(recommendation_docx(records, info))))
    assert texts[0] == "江苏省商务厅文件" and texts[11] == "江苏省商务厅"
    assert "我厅" in texts[4]
    default = authority_for("江苏", REF)
    assert default.name == "江苏省对外贸易经济合作厅" and default.checked
    assert "江苏省对外贸易经济合作厅" in letter_notes(records, LetterInfo(2006, "江苏省"))[0]
    # a long name: the title breaks after 关于推荐, each line within the 版心's 20 characters
    letter = recommendation_docx(records, LetterInfo(2006, "江苏省"))
    title = _texts(docx.Document(io.BytesIO(letter)))[2]
    assert title == "江苏省对外贸易经济合作厅关于推荐\n2006年度科技兴贸出口创新基地的请示"
    committee = authority_for("上海", REF)
    assert committee.self_reference == "我委" and not committee.checked
    assert "请用 --authority" in committee.note
    assert authority_for("深圳", REF).self_reference == "我局"


def test_every_reporting_unit_has_an_authority() -> None:
    names = {authority_for(u.name, REF).name for u in REF.units}
    assert len(names) == len(REF.units) == 37
    assert not any(n.endswith("商务主管部门") for n in names)


def test_nothing_to_recommend_is_a_report() -> None:
    records = [r for r in apps() if r["_verdict"] == "不符合"]
    propose(records, reference=REF)
    document = docx.Document(io.BytesIO(recommendation_docx(records, FULL)))
    texts = _texts(document)
    assert texts[2].endswith("推荐情况的报告")
    assert texts[-1] == "（联系人：李明，电话：028-86000000）"
    assert "特此报告。" in texts and not document.tables


def test_letter_layout_read_back_from_the_document() -> None:
    """GB/T 9704-2012: margins 37/35/28/26 mm, title 2号 (22 pt) 小标宋, body 3号 (16 pt)
    仿宋, page numbers “— 1 —” as a PAGE field, outside on odd and even pages."""
    from docx.oxml.ns import qn

    document = docx.Document(io.BytesIO(recommendation_docx(decided(), FULL)))
    section = document.sections[0]
    assert [round(m / Mm(1), 1) for m in (section.top_margin, section.bottom_margin)] == [37, 35]
    assert [round(m / Mm(1), 1) for m in (section.left_margin, section.right_margin)] == [28, 26]
    assert (round(section.page_width / Mm(1)), round(section.page_height / Mm(1))) == (210, 297)

    def fonts(paragraph: Any) -> set[tuple[float, str]]:
        return {
            (r.font.size.pt, r._element.rPr.rFonts.get(qn("w:eastAsia")))
            for r in paragraph.runs
            if r.text.strip()
        }

    by_text = {p.text: p for p in document.paragraphs if p.text.strip()}
    assert fonts(by_text[f"{SICHUAN}关于推荐2006年度\n科技兴贸出口创新基地的请示"]) == {
        (22.0, "方正小标宋简体")
    }
    body = next(p for t, p in by_text.items() if t.startswith("根据"))
    assert fonts(body) == {(16.0, "仿宋_GB2312")}
    assert body.paragraph_format.first_line_indent.pt == 32  # 左空二字
    assert fonts(by_text["附件1"]) == {(16.0, "黑体")}
    number = next(p for p in document.paragraphs if "签发人" in p.text)
    assert ("16.0", "楷体_GB2312") in {(str(a), b) for a, b in fonts(number)}
    assert document.settings.odd_and_even_pages_header_footer
    for footer, align in ((section.footer, "RIGHT"), (section.even_page_footer, "LEFT")):
        p = footer.paragraphs[0]
        assert p.alignment is not None and p.alignment.name == align
        assert p.text == "— 1 —"
        assert " PAGE " in p._p.xml and {r.font.size.pt for r in p.runs} == {14.0}


def test_lists_for_the_ministry_hold_the_recommended_only() -> None:
    records = decided()
    info = LetterInfo(2006, "四川省")
    ws = openpyxl.load_workbook(io.BytesIO(list_xlsx(records, info))).active
    assert ws["A1"].value == "四川省2006年度科技兴贸出口创新基地推荐名单"
    got = list(ws.iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[1], r[2], r[6]) for r in got] == [
        (1, "四川省", EXPECTED[0], "现有基地重新认定，符合条件"),
        (2, "四川省", EXPECTED[1], MANUAL_REASON),
    ]
    document = docx.Document(io.BytesIO(list_docx(records, info)))
    assert [r[2] for r in _table_rows(document)[1:]] == EXPECTED


def test_documents_are_deterministic(tmp_path: Path) -> None:
    records = decided()
    first = write_documents(records, FULL, tmp_path / "a")
    second = write_documents(records, FULL, tmp_path / "b")
    assert [p.name for p in (first.letter, first.list_xlsx, first.list_docx)] == [
        "推荐文件-四川省.docx",
        "报部名单-四川省.xlsx",
        "报部名单-四川省.docx",
    ]
    for a, b in zip(
        (first.letter, first.list_xlsx, first.list_docx),
        (second.letter, second.list_xlsx, second.list_docx),
        strict=True,
    ):
        assert a.read_bytes() == b.read_bytes(), a.name


MM = 72 / 25.4  # PDF points per millimetre


def _words(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Each page's words with their boxes (pdftotext -bbox), in points from the top left."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = []
    for page in xml.split("<page ")[1:]:
        pages.append(
            [
                (float(a), float(b), float(c), float(d), w)
                for a, b, c, d, w in re.findall(
                    r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<',
                    page,
                )
            ]
        )
    return pages


@pytest.mark.libreoffice
def test_letter_rendered_by_libreoffice_writer(soffice_writer: str, tmp_path: Path) -> None:
    """Through LibreOffice Writer: 3 pages (first page, the rest of the body, 附件1); the
    text inside the 版心 (28 mm left, 26 mm right, 37 mm top, 35 mm bottom); title, body and
    page number in the ratio 22 : 16 : 14; “— N —” below the 版心, right on odd pages and
    left on even ones."""
    written = write_documents(decided(), FULL, tmp_path)
    pdf = convert(written.letter, "pdf", tmp_path / "pdf")
    assert pdf_pages(pdf) == 3
    pages = _words(pdf)
    text = pdf_text(pdf)
    assert "四川省商务厅文件" in text[0] and "签发人：王小平" in text[0]
    assert "攀枝花" not in "".join(text)
    assert MANUAL_REASON[:6] in text[2].replace(" ", "")
    width, height = 210 * MM, 297 * MM
    for n, words in enumerate(pages, start=1):
        numbers = [w for w in words if w[1] > height - 35 * MM]
        body = [w for w in words if w not in numbers]
        assert [w[4] for w in numbers] == ["—", str(n), "—"], n
        assert min(w[0] for w in body) >= 28 * MM - 1, n
        # a line may end in a punctuation mark hanging into the margin (Chinese Word and
        # LibreOffice both allow it), nothing else passes the right edge
        for w in body:
            if w[2] > width - 26 * MM + 1:
                assert w[4][-1] in "，。、；：）" and w[2] <= width - 26 * MM + 16 + 1, w
        assert min(w[1] for w in body) >= 37 * MM - 1, n
        # the page number: 4–12 mm below the 版心, on the outside (right on odd pages)
        assert 4 * MM < numbers[0][1] - (height - 35 * MM) < 12 * MM
        if n % 2:
            assert numbers[-1][2] > width - 26 * MM - 20 * MM
        else:
            assert numbers[0][0] < 28 * MM + 20 * MM
    # sizes from the glyph boxes, relative to the body's 16 pt
    first = pages[0]
    unit = next(w[3] - w[1] for w in first if w[4].startswith("商务部：")) / 16
    title = next(w for w in first if w[4].startswith("科技兴贸出口创新基地的请示"))
    page_number = next(w for w in first if w[4] == "1" and w[1] > height - 35 * MM)
    assert abs((title[3] - title[1]) / unit - 22) < 0.3
    assert abs((page_number[3] - page_number[1]) / unit - 14) < 0.3
    # the body's lines on the 版心's grid: 28.95 pt apart (22 lines a page)
    lines = sorted({round(w[1], 1) for w in pages[1] if w[0] < 30 * MM})
    gaps = {round(b - a, 1) for a, b in itertools.pairwise(lines)}
    assert min(gaps) == pytest.approx(28.95, abs=0.2)
    listed = convert(written.list_docx, "pdf", tmp_path / "pdf2")
    assert pdf_pages(listed) == 1


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
    result = runner.invoke(
        app,
        [
            *("recommend", "--db", str(db), "--unit", "四川", "-o", str(out)),
            *("--authority", "四川省商务厅", "--signer", "王小平", "--doc-code", "川商技"),
            *("--date", "2006-04-28", "--contact", "李明", "--phone", "028-86000000"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "排序依据：审核结论（符合优先，其次待补充材料）" in result.output
    assert "发文机关：四川省商务厅（按给出的名称）" in result.output
    letter = docx.Document(str(out / "推荐文件-四川省.docx"))
    assert [r[1] for r in _table_rows(letter)[1:]] == ["成都高新技术产业开发区"]
    texts = _texts(letter)
    assert texts[1] == "\u3000川商技〔2006〕\u3000\u3000号\t签发人：王小平"
    assert "2006年4月28日" in texts
    assert sorted(p.name for p in out.iterdir()) == [
        "报部名单-四川省.docx",
        "报部名单-四川省.xlsx",
        "推荐文件-四川省.docx",
    ]
    bad = runner.invoke(app, ["recommend", "--db", str(db), "--rank-by", "利润", "-o", str(out)])
    assert bad.exit_code == 2 and "排序依据“利润”不是汇总表中的列" in bad.output
