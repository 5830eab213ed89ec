"""The summary's worksheet class: xlsxwriter's bytes for ordinary cells, text always as text.

Issue 5, "Safe and repeatable output": text from applicants is always written as text; no
formula from an input ever reaches the output. xlsxwriter (constant-memory mode) writes a
string that starts with "<r>" and ends with "</r>" unescaped, as rich-text XML.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from formkit.api import load_spec
from formkit.check import check_file
from formkit.records import Col
from formkit.summary import cellwriter
from formkit.summary.collect import collect
from formkit.summary.kit import Formats, plain_cells, table
from formkit.summary.sheets import ISSUE_COLS, build, detail_columns, write
from tests.conftest import ROOT
from tests.forms import full_values, write_filled

TEXTS = [
    "江苏省",
    "示例市第1号高新技术产业集群管理委员会",
    '=HYPERLINK("http://example.com","点击")',
    "+1+1",
    "-1",
    "@SUM(A1)",
    "a & b < c > d \"e\" 'f'",
    "line one\nline two",
    " leading space",
    "trailing space ",
    "\tTab",
    "\u3000全角空格",
    "全角空格\u3000",
    "x\n",
    "_x0041_ looks like an escape",
    "_X004a_ and _x12G4_",
    "control \x01\x02\x0b\x1f chars",
    "\x0bstarts with a control space",
    "ends with a control space\x0c",
    "\ufffe and \uffff",
    "emoji 😀 and 𠀀",
    "<b>not rich</b>",
    "<r>",
    "</r>",
    "",
]
NUMBERS = [0, 1, -1, 42, 0.1 + 0.2, 1e-12, 123456789012345678, 3.14159, -2.5e300]
RICH_LOOKING = [
    "<r>abc</r>",
    "<r><t>x</t></r>",
    '<r><t>x</t></r></is></c><c r="ZZ3"><f>HYPERLINK("http://example.com","y")</f></c>'
    '<c r="ZY3" t="inlineStr"><is><r><t>y</t></r>',
    "<r> spaced </r>",
    "<r>\x01 &amp; _x0041_</r>",
]


def _sheet_xml(cls: type, texts: list[str], numbers: list[Any]) -> bytes:
    """One sheet with every text and number, formatted, unformatted and under row and
    column formats, written by xlsxwriter in the summary's mode with `cls` sheets."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"constant_memory": True, "strings_to_formulas": False})
    ws = wb.add_worksheet("s", cls)
    border, wrap = wb.add_format({"border": 1}), wb.add_format({"text_wrap": True})
    ws.set_column(2, 2, 20, wrap)
    ws.set_row(len(texts) + len(numbers) + 1, 20, border)
    row = 0
    for value in [*texts, *numbers]:
        write = ws.write_string if isinstance(value, str) else ws.write_number
        write(row, 0, value, border)
        write(row, 1, value)
        write(row, 2, value)
        row += 1
    ws.write_string(row + 1, 0, "row format")
    ws.write_number(row + 1, 1, 7)
    wb.close()
    with zipfile.ZipFile(buf) as z:
        return z.read("xl/worksheets/sheet1.xml")


def test_ordinary_cells_are_xlsxwriters_bytes() -> None:
    """The fast path writes what xlsxwriter writes, escapes and whitespace included."""
    assert _sheet_xml(cellwriter.SummarySheet, TEXTS, NUMBERS) == _sheet_xml(
        Worksheet, TEXTS, NUMBERS
    )


@pytest.mark.parametrize("text", RICH_LOOKING)
def test_rich_text_lookalike_is_text(text: str) -> None:
    xml = _sheet_xml(cellwriter.SummarySheet, [text], [])
    assert b"<f>" not in xml
    ws = _read_back(cellwriter.SummarySheet, text)
    # control characters are stored as Excel's _xHHHH_ escapes, which openpyxl shows as is
    shown = Worksheet._escape_control_characters(text)
    for col in (1, 2, 3):
        assert ws.cell(1, col).value == shown, col
        assert ws.cell(1, col).data_type == "s"
    assert ws.max_column == 3


def test_stock_xlsxwriter_would_take_it_for_xml() -> None:
    """Why the worksheet class exists: the same text through a stock xlsxwriter sheet."""
    ws = _read_back(Worksheet, RICH_LOOKING[2])
    assert ws.cell(1, 1).value == "x"
    assert ws["ZZ3"].value == '=HYPERLINK("http://example.com","y")'


def _read_back(cls: type, text: str) -> Any:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"constant_memory": True, "strings_to_formulas": False})
    ws = wb.add_worksheet("s", cls)
    border, wrap = wb.add_format({"border": 1}), wb.add_format({"text_wrap": True})
    ws.set_column(2, 2, 20, wrap)
    ws.write_string(0, 0, text, border)
    ws.write_string(0, 1, text)
    ws.write_string(0, 2, text)
    wb.close()
    buf.seek(0)
    return openpyxl.load_workbook(buf)["s"]


def test_rich_text_lookalike_from_an_applicant_stays_text(tmp_path: Path) -> None:
    """A name typed in Excel as rich-text XML with a formula inside reaches 汇总表 as typed."""
    name = RICH_LOOKING[2]
    # typed in a spreadsheet application: openpyxl writes it escaped in shared strings
    wb = openpyxl.load_workbook(write_filled(tmp_path / "in.xlsx", full_values()))
    placed = 0
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == full_values()["applicant_name"]:
                    cell.value = name
                    placed += 1
    assert placed
    wb.save(tmp_path / "typed.xlsx")
    sub = check_file(tmp_path / "typed.xlsx")
    assert sub.status == "accepted" and sub.values["applicant_name"] == name
    out = write(tmp_path / "s.xlsx", collect([sub]))
    keys = [c.key for c in detail_columns(load_spec())]
    book = openpyxl.load_workbook(out)
    assert book["明细"].cell(3, keys.index("applicant_name") + 1).value == name
    assert book["问题清单"].max_column == len(ISSUE_COLS)
    with zipfile.ZipFile(out) as z:
        sheets = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    assert b"<f>" not in sheets


@pytest.mark.parametrize("national", [False, True])
def test_summary_bytes_equal_a_stock_xlsxwriter_summary(
    national: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On ordinary inputs the worksheet class changes no byte of the workbook."""
    samples = sorted(p for p in (ROOT / "samples").iterdir() if p.is_file())
    results = [check_file(p) for p in samples]
    ours = build(collect(results, unit="江苏省"), national=national)
    monkeypatch.setattr(cellwriter, "SummarySheet", Worksheet)
    assert build(collect(results, unit="江苏省"), national=national) == ours


def _table_book(cls: type, rows: list[dict[str, Any]]) -> bytes:
    """Two tables (the second on the same sheet, below) written by kit.table on `cls`."""
    cols = [
        Col("_no", "序号", "integer", width=4.5),
        Col("name", "名称", "text", width=12),
        Col("amount", "金额", "decimal", "万美元", width=9),
        Col("count", "个数", "integer", width=6),
        Col("note", "意见", "text", width=8),  # filled: shown empty too
        Col("when", "日期", "date", width=10),
    ]
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"constant_memory": True, "strings_to_formulas": False})
    wb.set_properties({"created": dt.datetime(2026, 1, 1)})  # the same bytes each time
    ws = wb.add_worksheet("s", cls)
    fmt = Formats(wb)
    last = table(ws, fmt, 1, cols, rows, fill={4: "#FFF2CC"})
    last = table(ws, fmt, last + 2, cols[:3], rows[::-1])
    plain_cells(ws, last + 1, [(0, "x"), (1, 2.5), (3, None), (4, "a < b"), (5, True)])
    wb.add_worksheet("t", cls).write_string(0, 0, "z", fmt(italic=True))
    wb.close()
    return buf.getvalue()


def test_table_rows_are_xlsxwriters_bytes() -> None:
    """table()'s finished rows give the workbook a stock xlsxwriter sheet gives: every cell,
    and the order the formats are numbered in (styles.xml), with one row (its formats are
    first used when the workbook closes) and with many."""
    texts = [*TEXTS, "x" * 20000, "长" * 40]
    rows = [
        {
            "_no": n,
            "name": texts[n % len(texts)],
            "amount": [1.5, None, 0.1 + 0.2, "", 7, "未填"][n % 6],
            "count": [3, None, True, 12][n % 4],
            "note": ["", None, "推荐", "line\nbreak"][n % 4],
            "when": dt.date(2026, 1, 1 + n % 28) if n % 3 else None,
            **({"_excluded": {"amount": "单位错误"}} if n % 7 == 3 else {}),
        }
        for n in range(1, 60)
    ]
    for some in (rows[:1], rows[3:4], rows):
        assert _table_book(cellwriter.SummarySheet, some) == _table_book(Worksheet, some)
