"""formkit.read.xlsx: the streaming, bounded .xlsx/.xlsm reader.

Files come from three writers (xlsxwriter via our template, openpyxl, LibreOffice) and
from hand-built packages for what those writers never produce: hostile extents, cells
without positions, phonetic runs, escapes, every kind of defined name.
"""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula

from formkit.cells import Area, Cell, parse_area
from formkit.read.book import Book, Bounds, NameTarget, RawCell
from formkit.read.xlsx import (
    BUILTIN_FORMATS,
    XlsxError,
    is_date_format,
    load_xlsx,
    serial_to_datetime,
)
from formkit.spec import load_spec
from formkit.template import LOOKUP_SHEET, META_SHEET, build_template
from tests.conftest import ROOT, SHARED

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# ---------------------------------------------------------------- a minimal package


def make_xlsx(
    path: Path,
    sheets: Mapping[str, str],
    *,
    strings: list[str] | str | None = None,
    styles: str | None = None,
    workbook_extra: str = "",
    workbook_pr: str = "",
    states: Mapping[str, str] | None = None,
    prefix: str = "",
    raw_sheets: Mapping[str, bytes] | None = None,
) -> Path:
    """Write a small valid package: `sheets` maps a name to the XML inside <worksheet>.

    `strings` is the list of shared strings or the raw XML inside <sst>; `prefix` writes
    every SpreadsheetML element with that namespace prefix (as the .NET SDK does);
    `raw_sheets` replaces a sheet part by exact bytes.
    """
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns{":" + prefix if prefix else ""}="{MAIN}" xmlns:r="{REL}"'
    states = states or {}
    sheet_entries = "".join(
        f'<{p}sheet name="{name}" sheetId="{i}" r:id="rId{i}"'
        + (f' state="{states[name]}"' if name in states else "")
        + "/>"
        for i, name in enumerate(sheets, start=1)
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}workbook {xmlns}>'
        f"{workbook_pr}<{p}sheets>{sheet_entries}</{p}sheets>{workbook_extra}</{p}workbook>"
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    n = len(sheets)
    rels += f'<Relationship Id="rId{n + 1}" Type="{REL}/styles" Target="styles.xml"/>'
    if strings is not None:
        rels += (
            f'<Relationship Id="rId{n + 2}" Type="{REL}/sharedStrings" '
            f'Target="/xl/sharedStrings.xml"/>'  # absolute on purpose
        )
    pkg_rels = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts: dict[str, bytes] = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            b'.org/package/2006/content-types"><Default Extension="xml" ContentType='
            b'"application/xml"/><Default Extension="rels" ContentType="application/vnd.'
            b'openxmlformats-package.relationships+xml"/><Override PartName="/xl/workbook.xml"'
            b' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
            b'main+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{pkg_rels}"><Relationship Id="rId1"'
            f' Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": workbook.encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{pkg_rels}">{rels}</Relationships>'
        ).encode(),
        "xl/styles.xml": (
            styles
            or f'<?xml version="1.0"?><styleSheet xmlns="{MAIN}"><cellXfs count="1">'
            '<xf numFmtId="0"/></cellXfs></styleSheet>'
        ).encode(),
    }
    if strings is not None:
        body = (
            strings
            if isinstance(strings, str)
            else "".join(f'<si><t xml:space="preserve">{_esc(s)}</t></si>' for s in strings)
        )
        parts["xl/sharedStrings.xml"] = (
            f'<?xml version="1.0"?><{p}sst {xmlns}>{body}</{p}sst>'
        ).encode()
    for i, (name, body) in enumerate(sheets.items(), start=1):
        raw = (raw_sheets or {}).get(name)
        parts[f"xl/worksheets/sheet{i}.xml"] = (
            raw or f'<?xml version="1.0"?>\n<{p}worksheet {xmlns}>{body}</{p}worksheet>'.encode()
        )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sheet_xml(rows: str, after: str = "", before: str = "") -> str:
    return f"{before}<sheetData>{rows}</sheetData>{after}"


def rewrite(src: Path, dst: Path, replace: Mapping[str, bytes | None]) -> Path:
    """Copy a package, replacing (or, with None, dropping) some parts."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in replace:
                data = replace[info.filename]
                if data is not None:
                    zout.writestr(info.filename, data)
            else:
                zout.writestr(info.filename, zin.read(info.filename))
    return dst


def values(book: Book, sheet: str) -> dict[str, Any]:
    data = book.sheet(sheet)
    assert data is not None
    return {Cell(r, c).a1: cell.value for (r, c), cell in data.cells.items()}


@pytest.fixture
def one_sheet(tmp_path: Path) -> Path:
    return make_xlsx(
        tmp_path / "one.xlsx", {"S": sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')}
    )


# ---------------------------------------------------------------- our template (xlsxwriter)

FILLED: dict[str, Any] = {
    "applicant_name": "苏州工业园区管理委员会",
    "contact_person": "王明",
    "contact_phone": "0512-66681234",
    "fill_date": dt.date(2006, 4, 18),
    "address": "江苏省苏州市",
    "enterprise_count": 120,
    "sales_total": 1234.5,
    "export_value": 35.62,
    "export_growth": 12.5,
    "province": "江苏省",
    "has_policy": True,
    "history": [
        {"export_value": 25.0, "hitech_export_value": 10.0},
        {"export_value": 30.0, "hitech_export_value": 12.5},
        {"export_value": 35.62, "hitech_export_value": 15.0},
    ],
    "attachments": {"development_plan": True},
}


@pytest.fixture(scope="module")
def filled_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("filled") / "filled.xlsx"
    path.write_bytes(build_template(values=FILLED, submission_id="JS-2006-001"))
    return path


def _named(book: Book, name: str) -> RawCell | None:
    target = book.names[name]
    assert target.sheet is not None and target.area is not None, name
    sheet = book.sheet(target.sheet)
    assert sheet is not None
    return sheet.cells.get(target.area.first)


def test_template_every_defined_name_resolves(template_file: Path) -> None:
    book = load_xlsx(template_file)
    spec = load_spec()
    for name, sheet_id, area in spec.defined_names():
        target = book.names[name]
        assert target == NameTarget(spec.sheet(sheet_id).name, area, target.text), name
    # the metadata names, and no print areas (sheet-scoped built-ins)
    assert {"formkit_form_id", "formkit_year"} <= set(book.names)
    assert not any(n.startswith("_xlnm") for n in book.names)


def test_template_sheet_states_and_flags(template_file: Path) -> None:
    book = load_xlsx(template_file)
    states = {s.name: s.state for s in book.sheets}
    assert states[META_SHEET] == "veryHidden"
    assert states[LOOKUP_SHEET] == "hidden"
    spec = load_spec()
    assert all(states[s.name] == "visible" for s in spec.sheets)
    assert [s.name for s in book.sheets][: len(spec.sheets)] == [s.name for s in spec.sheets]
    assert book.format == "xlsx"
    assert book.date1904 is False
    assert book.stale_formulas is True  # xlsxwriter asks Excel to recalculate


def test_filled_template_values_read_back(filled_file: Path) -> None:
    book = load_xlsx(filled_file)

    def value(name: str) -> Any:
        cell = _named(book, name)
        return None if cell is None else cell.value

    assert value("applicant_name") == "苏州工业园区管理委员会"
    assert value("contact_phone") == "0512-66681234"
    assert value("fill_date") == dt.datetime(2006, 4, 18)
    assert value("enterprise_count") == 120 and type(value("enterprise_count")) is int
    assert value("sales_total") == 1234.5
    assert value("export_value") == 35.62
    assert value("province") == "江苏省"
    assert value("has_policy") == "是"
    assert value("attachments__development_plan") == "是"
    assert value("formkit_submission_id") == "JS-2006-001"
    assert value("formkit_year") == load_spec().default_year
    fill_date = _named(book, "fill_date")
    assert fill_date is not None and is_date_format(fill_date.number_format or "")
    name = _named(book, "applicant_name")
    assert name is not None and name.number_format == "@"


def test_filled_template_formulas_are_stale(filled_file: Path) -> None:
    """xlsxwriter's cached results are not real: the growth formulas read as not cached."""
    book = load_xlsx(filled_file)
    formulas = [c for s in book.sheets for c in s.cells.values() if c.formula is not None]
    assert formulas
    for cell in formulas:
        assert cell.cached is False and cell.value is None
        assert (cell.formula or "").startswith("IF(AND(ISNUMBER(")


def test_filled_template_matches_openpyxl_cell_by_cell(filled_file: Path) -> None:
    """Every value and number format openpyxl sees, we see (formulas without '=')."""
    book = load_xlsx(filled_file)
    wb = openpyxl.load_workbook(filled_file)
    for ws in wb.worksheets:
        sheet = book.sheet(ws.title)
        assert sheet is not None
        seen = 0
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None or cell.value == "":
                    continue
                ours = sheet.cells[(cell.row, cell.column)]
                if cell.data_type == "f":
                    assert ours.formula == str(cell.value)[1:], cell.coordinate
                else:
                    assert ours.value == cell.value, cell.coordinate
                    assert type(ours.value) is type(cell.value), cell.coordinate
                assert ours.number_format == cell.number_format, cell.coordinate
                seen += 1
        assert seen == len(sheet.cells), ws.title
        merges = sorted(parse_area(str(m)) for m in ws.merged_cells.ranges)
        assert sorted(sheet.merges) == merges, ws.title


def test_committed_template_and_samples_read(template_file: Path) -> None:
    for path in [ROOT / "templates" / "申报书.xlsx", *sorted((ROOT / "samples").glob("*.xlsx"))]:
        if not path.exists():
            continue
        book = load_xlsx(path)
        assert book.names and book.sheets, path.name
        assert all(s.dropped == 0 for s in book.sheets), path.name


# ---------------------------------------------------------------- openpyxl-written


def test_openpyxl_written_values_formats_names(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "数据"
    ws["A1"] = "文本"
    ws["A2"] = 42
    ws["A3"] = 3.25
    ws["A4"] = True
    ws["A5"] = dt.datetime(2006, 4, 20, 13, 30)
    ws["A6"] = dt.date(1999, 12, 31)
    ws["A6"].number_format = 'yyyy"年"m"月"d"日"'
    ws["A7"] = 0.125
    ws["A7"].number_format = "0.00%"
    ws["A8"] = 1234567
    ws["A8"].number_format = "#,##0"
    ws["A9"] = "=SUM(A2:A3)"
    ws["A10"] = "#DIV/0!"
    ws["B1"] = ArrayFormula("B1:B1", "=A2*2")
    ws.merge_cells("C1:D2")
    hidden = wb.create_sheet("隐藏")
    hidden.sheet_state = "hidden"
    very = wb.create_sheet("很隐藏")
    very.sheet_state = "veryHidden"
    wb.defined_names["区域"] = DefinedName("区域", attr_text="'数据'!$A$1:$A$10")
    wb.defined_names["单元"] = DefinedName("单元", attr_text="数据!$A$2")
    ws.defined_names["局部"] = DefinedName("局部", attr_text="数据!$A$3")
    path = tmp_path / "openpyxl.xlsx"
    wb.save(path)

    book = load_xlsx(path)
    assert book.stale_formulas is True  # openpyxl stores no results and asks to recalculate
    data = book.sheet("数据")
    assert data is not None
    v = values(book, "数据")
    assert v["A1"] == "文本"
    assert v["A2"] == 42 and type(v["A2"]) is int
    assert v["A3"] == 3.25
    assert v["A4"] is True
    assert v["A5"] == dt.datetime(2006, 4, 20, 13, 30)
    assert v["A6"] == dt.datetime(1999, 12, 31)
    assert data.cells[(6, 1)].number_format == 'yyyy"年"m"月"d"日"'
    assert v["A7"] == 0.125 and data.cells[(7, 1)].number_format == "0.00%"
    assert data.cells[(8, 1)].number_format == "#,##0"
    assert data.cells[(9, 1)] == RawCell(None, "General", "SUM(A2:A3)", False, None)
    assert data.cells[(10, 1)].error == "#DIV/0!" and v["A10"] is None
    assert data.cells[(1, 2)].formula == "A2*2"
    assert data.merges == [parse_area("C1:D2")]
    assert {s.name: s.state for s in book.sheets} == {
        "数据": "visible",
        "隐藏": "hidden",
        "很隐藏": "veryHidden",
    }
    assert book.names["区域"] == NameTarget("数据", parse_area("A1:A10"), "'数据'!$A$1:$A$10")
    assert book.names["单元"].area == parse_area("A2")
    assert "局部" not in book.names  # sheet-scoped


def test_openpyxl_1904_workbook(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    assert ws is not None
    ws["A1"] = dt.datetime(2006, 4, 18)
    ws["A2"] = dt.datetime(1904, 1, 1, 6)
    path = tmp_path / "mac.xlsx"
    wb.save(path)
    book = load_xlsx(path)
    assert book.date1904 is True
    assert values(book, ws.title) == {
        "A1": dt.datetime(2006, 4, 18),
        "A2": dt.datetime(1904, 1, 1, 6),
    }


# ---------------------------------------------------------------- hand-built packages


def test_values_of_every_cell_type(tmp_path: Path) -> None:
    rows = (
        '<row r="1">'
        '<c r="A1" t="s"><v>0</v></c>'
        '<c r="B1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>'
        '<c r="C1" t="inlineStr"><is><t>行内</t></is></c>'
        '<c r="D1" t="b"><v>0</v></c>'
        '<c r="E1" t="e"><v>#N/A</v></c>'
        '<c r="F1" t="n"><v>-7</v></c>'
        '<c r="G1"><v>1.5E3</v></c>'
        '<c r="H1" t="d"><v>2006-04-18T08:30:00</v></c>'
        '<c r="I1"><v>12.0</v></c>'
        "</row>"
        '<row r="2">'
        '<c r="A2"><f>A1</f></c>'  # formula, no value stored
        '<c r="B2"><f>A1</f><v></v></c>'  # formula, empty value
        '<c r="C2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        '<c r="D2"><f t="shared" ref="D2:D3" si="0">F1*2</f><v>-14</v></c>'
        '<c r="D3"><f t="shared" si="0"/><v>-14</v></c>'  # shared: no text of its own
        '<c r="E2" s="0"/>'  # styled, empty: not a cell
        '<c r="F2" t="s"><v>1</v></c>'  # the empty string: not a cell
        "</row>"
    )
    path = make_xlsx(tmp_path / "t.xlsx", {"S": sheet_xml(rows)}, strings=["共享", ""])
    book = load_xlsx(path)
    s = book.sheet("S")
    assert s is not None
    assert values(book, "S") == {
        "A1": "共享",
        "B1": "ab",
        "C1": "行内",
        "D1": False,
        "E1": None,
        "F1": -7,
        "G1": 1500.0,
        "H1": dt.datetime(2006, 4, 18, 8, 30),
        "I1": 12.0,
        "A2": None,
        "B2": None,
        "C2": None,
        "D2": -14,
        "D3": -14,
    }
    assert type(s.cells[(1, 9)].value) is float  # "12.0" is not an integer literal
    assert s.cells[(1, 5)] == RawCell(None, "General", None, True, "#N/A")
    assert s.cells[(1, 2)] == RawCell("ab", "General", '"a"&"b"', True, None)
    assert s.cells[(2, 1)] == RawCell(None, "General", "A1", False, None)
    assert s.cells[(2, 2)] == RawCell(None, "General", "A1", False, None)
    assert s.cells[(2, 3)] == RawCell(None, "General", "1/0", True, "#DIV/0!")
    assert s.cells[(3, 4)] == RawCell(-14, "General", "", True, None)
    assert book.stale_formulas is False


def test_stale_flag_drops_cached_results(tmp_path: Path) -> None:
    rows = (
        '<row r="1"><c r="A1"><f>1+1</f><v>2</v></c>'
        '<c r="B1" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
    )
    path = make_xlsx(
        tmp_path / "t.xlsx",
        {"S": sheet_xml(rows)},
        workbook_extra='<calcPr calcId="124519" fullCalcOnLoad="true"/>',
    )
    book = load_xlsx(path)
    assert book.stale_formulas is True
    s = book.sheet("S")
    assert s is not None
    assert s.cells[(1, 1)] == RawCell(None, "General", "1+1", False, None)
    assert s.cells[(1, 2)] == RawCell(None, "General", "1/0", False, None)


def test_cells_and_rows_without_positions(tmp_path: Path) -> None:
    rows = (
        '<row><c><v>1</v></c><c><v>2</v></c><c r="E1"><v>5</v></c><c><v>6</v></c></row>'
        "<row><c><v>7</v></c></row>"
        '<row r="5"><c><v>8</v></c></row>'
        "<row><c/><c><v>9</v></c></row>"
    )
    book = load_xlsx(make_xlsx(tmp_path / "t.xlsx", {"S": sheet_xml(rows)}))
    assert values(book, "S") == {"A1": 1, "B1": 2, "E1": 5, "F1": 6, "A2": 7, "A5": 8, "B6": 9}


def test_shared_strings_rich_text_phonetic_and_escapes(tmp_path: Path) -> None:
    sst = (
        '<si><r><rPr><b/></rPr><t>東京</t></r><r><t xml:space="preserve"> 都</t></r>'
        '<rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></si>'
        '<si><t xml:space="preserve">  两端空格  </t></si>'
        "<si><t>第一行_x000D_\n第二行</t></si>"
        "<si><t>字面_x005F_x000D_</t></si>"
        "<si><t>&lt;a&gt; &amp; &#x4E2D;</t></si>"
        "<si/>"
        "<si><t>_xD83D__xDE00_</t></si>"
    )
    rows = "".join(f'<c r="{chr(65 + i)}1" t="s"><v>{i}</v></c>' for i in range(7))
    rows += (
        '<c r="H1" t="inlineStr"><is><r><t>浅</t></r><r><t>草</t></r>'
        '<rPh sb="0" eb="1"><t>アサ</t></rPh></is></c>'
        '<c r="I1" t="inlineStr"><is><t>a_x0009_b</t></is></c>'
        '<c r="J1" t="str"><f>"x"</f><v>c_x000A_d</v></c>'
    )
    path = make_xlsx(tmp_path / "t.xlsx", {"S": sheet_xml(f'<row r="1">{rows}</row>')}, strings=sst)
    assert values(load_xlsx(path), "S") == {
        "A1": "東京 都",
        "B1": "  两端空格  ",
        "C1": "第一行\r\n第二行",
        "D1": "字面_x000D_",
        "E1": "<a> & 中",
        "G1": "😀",
        "H1": "浅草",
        "I1": "a\tb",
        "J1": "c\nd",
    }


def _indent(xml: str) -> str:
    """Pretty-print XML the way some writers do (whitespace between all tags)."""
    return xml.replace("><", ">\n  <")


def test_indented_parts_read_the_same(tmp_path: Path) -> None:
    """Some writers indent: text must then end at end tags, not at the next start tag."""
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="str"><f>A1</f><v>结果</v></c>'
        '<c r="C1" t="inlineStr"><is><r><t>甲</t></r><r><t>乙</t></r>'
        '<rPh sb="0" eb="1"><t>x</t></rPh></is></c><c r="D1"><v>3</v></c></row>'
    )
    sst = "<si><r><t>富</t></r><r><t>士</t></r><rPh><t>ふじ</t></rPh></si><si><t>二</t></si>"
    after = '<mergeCells count="1"><mergeCell ref="A3:B4"/></mergeCells>'
    flat = make_xlsx(tmp_path / "flat.xlsx", {"S": sheet_xml(rows, after)}, strings=sst)
    indented = make_xlsx(
        tmp_path / "indented.xlsx", {"S": _indent(sheet_xml(rows, after))}, strings=_indent(sst)
    )
    a, b = load_xlsx(flat), load_xlsx(indented)
    assert values(a, "S") == {"A1": "富士", "B1": "结果", "C1": "甲乙", "D1": 3}
    assert a.sheets == b.sheets


def test_namespace_prefixed_package(tmp_path: Path) -> None:
    rows = '<x:row r="2"><x:c r="B2" t="s"><x:v>0</x:v></x:c></x:row>'
    body = (
        f'<x:sheetData>{rows}</x:sheetData><x:mergeCells><x:mergeCell ref="B2:C2"/></x:mergeCells>'
    )
    path = make_xlsx(tmp_path / "t.xlsx", {"S": body}, strings=["前缀"], prefix="x")
    book = load_xlsx(path)
    assert values(book, "S") == {"B2": "前缀"}
    s = book.sheet("S")
    assert s is not None and s.merges == [parse_area("B2:C2")]


def test_number_formats_and_dates(tmp_path: Path) -> None:
    ids = [0, 14, 31, 57, 58, 22, 10, 49, 164, 165, 166, 46, 27]
    styles = (
        f'<?xml version="1.0"?><styleSheet xmlns="{MAIN}"><numFmts count="3">'
        '<numFmt numFmtId="164" formatCode="[$-804]yyyy&quot;年&quot;mm&quot;月&quot;"/>'
        '<numFmt numFmtId="165" formatCode="#,##0.00&quot;万元&quot;"/>'
        '<numFmt numFmtId="166" formatCode="[Red][&lt;0]0.0;0.0"/></numFmts>'
        '<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>'
        f'<cellXfs count="{len(ids)}">'
        + "".join(f'<xf numFmtId="{i}"/>' for i in ids)
        + "</cellXfs>"
        '<dxfs count="1"><dxf><numFmt numFmtId="14" formatCode="d"/></dxf></dxfs></styleSheet>'
    )
    rows = "".join(f'<c r="{chr(65 + s)}1" s="{s}"><v>38825.5</v></c>' for s in range(len(ids)))
    rows += (
        '<c r="A2" s="1"><v>60</v></c><c r="B2" s="1"><v>-1</v></c><c r="C2" s="1"><v>3e7</v></c>'
    )
    rows += (
        '<c r="D2" s="99"><v>5</v></c><c r="E2" s="1"><v>61</v></c><c r="F2" s="1"><v>59</v></c>'
    )
    path = make_xlsx(
        tmp_path / "t.xlsx", {"S": sheet_xml(f'<row r="1">{rows}</row>')}, styles=styles
    )
    book = load_xlsx(path)
    s = book.sheet("S")
    assert s is not None
    noon = dt.datetime(2006, 4, 18, 12)
    got = {Cell(r, c).a1: (cell.value, cell.number_format) for (r, c), cell in s.cells.items()}
    assert got == {
        "A1": (38825.5, "General"),
        "B1": (noon, "mm-dd-yy"),
        "C1": (noon, 'yyyy"年"m"月"d"日"'),
        "D1": (noon, 'yyyy"年"m"月"'),
        "E1": (noon, 'm"月"d"日"'),
        "F1": (noon, "m/d/yy h:mm"),
        "G1": (38825.5, "0.00%"),
        "H1": (38825.5, "@"),
        "I1": (noon, '[$-804]yyyy"年"mm"月"'),
        "J1": (38825.5, '#,##0.00"万元"'),
        "K1": (38825.5, "[Red][<0]0.0;0.0"),
        "L1": (noon, "[h]:mm:ss"),
        "M1": (noon, BUILTIN_FORMATS[27]),
        "A2": (60, "mm-dd-yy"),  # Excel's 1900-02-29 does not exist
        "B2": (-1, "mm-dd-yy"),
        "C2": (3e7, "mm-dd-yy"),  # past 9999-12-31
        "D2": (5, None),  # a style index the file does not define
        "E2": (dt.datetime(1900, 3, 1), "mm-dd-yy"),
        "F2": (dt.datetime(1900, 2, 28), "mm-dd-yy"),
    }


@pytest.mark.parametrize(
    ("code", "is_date"),
    [
        ("General", False),
        ("@", False),
        ("0.00", False),
        ("#,##0.00_);[Red](#,##0.00)", False),
        ("0.00E+00", False),
        ('#,##0"元"', False),
        ('0.0"年"', False),
        ("[Red]0.0", False),
        ("[$-804]0.00", False),
        (BUILTIN_FORMATS[42], False),
        ("yyyy-mm-dd", True),
        ("m/d/yy", True),
        ('[$-804]yyyy"年"m"月"d"日";@', True),
        ("h:mm AM/PM", True),
        ("[h]:mm", True),
        ("[mm]:ss", True),
        ("mm:ss.0", True),
        ('yyyy"年"m"月"', True),
        ("dddd", True),
        ("\\d0", False),
    ],
)
def test_is_date_format(code: str, is_date: bool) -> None:
    assert is_date_format(code) is is_date


def test_serial_to_datetime() -> None:
    assert serial_to_datetime(1, False) == dt.datetime(1900, 1, 1)
    assert serial_to_datetime(59, False) == dt.datetime(1900, 2, 28)
    assert serial_to_datetime(60, False) is None  # 1900-02-29 never happened
    assert serial_to_datetime(61, False) == dt.datetime(1900, 3, 1)
    assert serial_to_datetime(38825, False) == dt.datetime(2006, 4, 18)
    assert serial_to_datetime(0.75, False) == dt.datetime(1899, 12, 31, 18)
    assert serial_to_datetime(2958465.99999, False) == dt.datetime(9999, 12, 31, 23, 59, 59, 136000)
    assert serial_to_datetime(2958466, False) is None
    assert serial_to_datetime(-1, False) is None
    assert serial_to_datetime(0, True) == dt.datetime(1904, 1, 1)
    assert serial_to_datetime(37363, True) == dt.datetime(2006, 4, 18)
    # float noise in stored times rounds to Excel's millisecond
    assert serial_to_datetime(38825 + 0.5 + 1e-11, False) == dt.datetime(2006, 4, 18, 12)


def test_defined_names_of_every_kind(tmp_path: Path) -> None:
    names = {
        "quoted": "'第一项：基地基本情况'!$B$8:$G$29",
        "plain": "Sheet1!$A$1",
        "with_quote": "'It''s'!$C$3",
        "no_dollars": "Sheet1!B2:A1",
        "whole_cols": "Sheet1!$A:$C",
        "whole_rows": "Sheet1!$2:$3",
        "formula": "SUM(Sheet1!$A$1:$A$3)",
        "constant": "0.05",
        "broken": "Sheet1!#REF!",
        "multi": "Sheet1!$A$1,Sheet1!$B$2",
        "external": "[1]Sheet1!$A$1",
        "external_quoted": "'[1]Sheet1'!$A$1",
        "three_d": "'Sheet1:Sheet2'!$A$1",
        "leading_eq": "=Sheet1!$D$4",
    }
    defined = "".join(f'<definedName name="{n}">{_esc(t)}</definedName>' for n, t in names.items())
    defined += '<definedName name="local" localSheetId="0">Sheet1!$A$1</definedName>'
    defined += '<definedName name="_xlnm.Print_Area">Sheet1!$A$1:$B$2</definedName>'
    defined += (
        '<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
        "Sheet1!$A$1</definedName>"
    )
    path = make_xlsx(
        tmp_path / "t.xlsx",
        {"Sheet1": "<sheetData/>"},
        workbook_extra=f"<definedNames>{defined}</definedNames>",
    )
    got = load_xlsx(path).names
    assert set(got) == set(names)
    assert got["quoted"] == NameTarget(
        "第一项：基地基本情况", parse_area("B8:G29"), names["quoted"]
    )
    assert got["plain"] == NameTarget("Sheet1", parse_area("A1"), names["plain"])
    assert got["with_quote"] == NameTarget("It's", parse_area("C3"), names["with_quote"])
    assert got["no_dollars"].area == parse_area("A1:B2")
    assert got["whole_cols"].area == Area(Cell(1, 1), Cell(1_048_576, 3))
    assert got["whole_rows"].area == Area(Cell(2, 1), Cell(3, 16_384))
    assert got["leading_eq"].area == parse_area("D4")
    for name in (
        "formula",
        "constant",
        "broken",
        "multi",
        "external",
        "external_quoted",
        "three_d",
    ):
        assert got[name] == NameTarget(None, None, names[name]), name


def test_workbook_pr_date1904_and_states(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "t.xlsx",
        {"A": sheet_xml('<row r="1"><c r="A1" s="1"><v>0.25</v></c></row>'), "B": "", "C": ""},
        workbook_pr='<workbookPr date1904="1"/>',
        states={"B": "hidden", "C": "veryHidden"},
        styles=(
            f'<?xml version="1.0"?><styleSheet xmlns="{MAIN}"><cellXfs count="2">'
            '<xf numFmtId="0"/><xf numFmtId="22"/></cellXfs></styleSheet>'
        ),
    )
    book = load_xlsx(path)
    assert book.date1904 is True
    assert [(s.name, s.state) for s in book.sheets] == [
        ("A", "visible"),
        ("B", "hidden"),
        ("C", "veryHidden"),
    ]
    assert values(book, "A") == {"A1": dt.datetime(1904, 1, 1, 6)}


# ---------------------------------------------------------------- hostile extents


def test_one_cell_at_xfd1048576_is_dropped_quickly(tmp_path: Path) -> None:
    rows = (
        '<row r="1"><c r="A1"><v>1</v></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'
    )
    path = make_xlsx(tmp_path / "t.xlsx", {"S": sheet_xml(rows)})
    start = time.perf_counter()
    book = load_xlsx(path)
    assert time.perf_counter() - start < 0.5
    s = book.sheet("S")
    assert s is not None
    assert values(book, "S") == {"A1": 1}
    assert (s.dropped, s.dropped_example) == (1, "XFD1048576")


def test_cells_right_of_the_bounds_are_counted(tmp_path: Path) -> None:
    rows = '<row r="1"><c r="A1"><v>1</v></c><c r="BM1"><v>2</v></c><c r="XFD1"><v>3</v></c></row>'
    book = load_xlsx(make_xlsx(tmp_path / "t.xlsx", {"S": sheet_xml(rows)}))
    s = book.sheet("S")
    assert s is not None
    assert values(book, "S") == {"A1": 1}
    assert (s.dropped, s.dropped_example) == (2, "BM1")


def test_whole_sheet_merge_and_dimension_are_clipped(tmp_path: Path) -> None:
    body = sheet_xml(
        '<row r="1"><c r="A1"><v>1</v></c></row>',
        after=(
            '<mergeCells count="3"><mergeCell ref="A1:XFD1048576"/>'
            '<mergeCell ref="ZZ1:ZZ2"/><mergeCell ref="B2:C3"/></mergeCells>'
        ),
        before='<dimension ref="A1:XFD1048576"/>',
    )
    path = make_xlsx(tmp_path / "t.xlsx", {"S": body})
    start = time.perf_counter()
    book = load_xlsx(path, Bounds(max_row=100, max_col=10))
    assert time.perf_counter() - start < 0.5
    s = book.sheet("S")
    assert s is not None
    assert s.merges == [Area(Cell(1, 1), Cell(100, 10)), parse_area("B2:C3")]
    assert (s.dropped, s.dropped_example) == (1, "ZZ1")
    assert len(s.cells) == 1


@pytest.mark.parametrize("layout", ["plain", "indented", "prefixed", "utf16"])
def test_long_sheet_stops_at_max_row_and_keeps_merges(tmp_path: Path, layout: str) -> None:
    """100 000 rows: reading stops at the first value below the bounds, merges still found."""
    p = "x:" if layout == "prefixed" else ""
    rows = "".join(
        f'<{p}row r="{r}"><{p}c r="A{r}"><{p}v>{r}</{p}v></{p}c>'
        f'<{p}c r="B{r}" t="inlineStr"><{p}is><{p}t>mergeCells 行{r}</{p}t></{p}is></{p}c></{p}row>'
        for r in range(1, 100_001)
    )
    merges = (
        f'<{p}mergeCells count="2"><{p}mergeCell ref="C1:D2"/>'
        f'<{p}mergeCell ref="C9999:D9999"/></{p}mergeCells>'
    )
    body = f"<{p}sheetData>{rows}</{p}sheetData>{merges}"
    if layout == "indented":
        body = _indent(body)
    raw = None
    if layout == "utf16":
        xml = f'<?xml version="1.0" encoding="UTF-16"?><worksheet xmlns="{MAIN}">{body}</worksheet>'
        raw = {"S": xml.encode("utf-16")}
    path = make_xlsx(
        tmp_path / "t.xlsx", {"S": body}, prefix="x" if layout == "prefixed" else "", raw_sheets=raw
    )
    start = time.perf_counter()
    book = load_xlsx(path, Bounds(max_row=50, max_col=10))
    elapsed = time.perf_counter() - start
    s = book.sheet("S")
    assert s is not None
    assert len(s.cells) == 100
    assert s.cells[(50, 1)].value == 50
    assert s.dropped >= 1 and s.dropped_example == "A51"
    assert s.merges == [parse_area("C1:D2")]
    assert s.dropped == 2  # A51 and the merge at C9999
    if layout != "utf16":  # UTF-16 parts are read in full for their merges
        assert elapsed < 1.0, elapsed


def test_sheet_without_merges_after_stop(tmp_path: Path) -> None:
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 2000))
    book = load_xlsx(make_xlsx(tmp_path / "t.xlsx", {"S": sheet_xml(rows)}), Bounds(10, 5))
    s = book.sheet("S")
    assert s is not None and len(s.cells) == 10 and s.merges == []


def test_empty_styled_rows_below_the_bounds_are_not_dropped(tmp_path: Path) -> None:
    rows = (
        '<row r="1"><c r="A1"><v>1</v></c></row>'
        '<row r="60000" ht="30" customHeight="1"><c r="A60000" s="0"/></row>'
    )
    book = load_xlsx(make_xlsx(tmp_path / "t.xlsx", {"S": sheet_xml(rows)}), Bounds(100, 10))
    s = book.sheet("S")
    assert s is not None and s.dropped == 0


# ---------------------------------------------------------------- odd packages


def test_chartsheet_is_an_empty_sheet(tmp_path: Path, one_sheet: Path) -> None:
    with zipfile.ZipFile(one_sheet) as zf:
        workbook = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    workbook = workbook.replace(
        "</sheets>", '<sheet name="图表" sheetId="9" r:id="rId9"/></sheets>'
    )
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rId9" Type="{REL}/chartsheet" Target="chartsheets/sheet1.xml"/>'
        "</Relationships>",
    )
    path = rewrite(
        one_sheet,
        tmp_path / "chart.xlsx",
        {"xl/workbook.xml": workbook.encode(), "xl/_rels/workbook.xml.rels": rels.encode()},
    )
    book = load_xlsx(path)
    chart = book.sheet("图表")
    assert chart is not None and chart.cells == {}


def test_xlsm_content_type(tmp_path: Path, one_sheet: Path) -> None:
    with zipfile.ZipFile(one_sheet) as zf:
        types = zf.read("[Content_Types].xml").decode()
    types = types.replace("spreadsheetml.sheet.main+xml", "x").replace(
        'ContentType="application/vnd.openxmlformats-officedocument.x"',
        'ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"',
    )
    path = rewrite(one_sheet, tmp_path / "macro.xlsm", {"[Content_Types].xml": types.encode()})
    assert load_xlsx(path).format == "xlsm"
    assert load_xlsx(one_sheet).format == "xlsx"


def _one_cell_sheet(cell: str) -> bytes:
    return f'<worksheet><sheetData><row r="1">{cell}</row></sheetData></worksheet>'.encode()


SHEET1 = "xl/worksheets/sheet1.xml"
DOCTYPE = (
    b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaa">]><worksheet><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>&a;</t></is></c></row></sheetData></worksheet>'
)


@pytest.mark.parametrize(
    ("replace", "code"),
    [
        ({"xl/workbook.xml": None}, "bad_workbook"),
        ({SHEET1: None}, "missing_sheet"),
        ({SHEET1: b"<worksheet><sheetData><row>"}, "bad_xml"),
        ({"xl/workbook.xml": b"<workbook><sheets></workbook>"}, "bad_xml"),
        ({"xl/sharedStrings.xml": b"<sst><si><t>x</si></sst>"}, "bad_xml"),
        ({SHEET1: DOCTYPE}, "doctype"),
        ({SHEET1: _one_cell_sheet('<c r="1A"><v>1</v></c>')}, "bad_xml"),
        ({SHEET1: _one_cell_sheet('<c r="A1" t="s"><v>7</v></c>')}, "bad_xml"),
        ({SHEET1: _one_cell_sheet('<c r="A1" t="s"><v>-1</v></c>')}, "bad_xml"),
        ({SHEET1: _one_cell_sheet('<c r="A0"><v>1</v></c>')}, "bad_xml"),
    ],
)
def test_unusable_parts_raise_xlsx_error(
    tmp_path: Path, replace: dict[str, bytes | None], code: str
) -> None:
    src = make_xlsx(
        tmp_path / "src.xlsx",
        {"S": sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')},
        strings=["x"],
    )
    path = rewrite(src, tmp_path / "bad.xlsx", replace)
    with pytest.raises(XlsxError) as info:
        load_xlsx(path)
    assert info.value.code == code
    assert "请" in info.value.message  # a Chinese message telling the sender what to do


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(XlsxError) as info:
        load_xlsx(path)
    assert info.value.code == "bad_zip"


def test_corrupt_member_is_bad_zip(tmp_path: Path, one_sheet: Path) -> None:
    data = bytearray(one_sheet.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start, start + min(info.compress_size, 40)):
        data[i] ^= 0x5A
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(XlsxError) as exc:
        load_xlsx(path)
    assert exc.value.code in ("bad_zip", "bad_xml")


# ---------------------------------------------------------------- LibreOffice, corpus


@pytest.mark.libreoffice
def test_libreoffice_saved_copy_keeps_values_and_names(
    soffice: str, filled_file: Path, tmp_path: Path
) -> None:
    from tests.libreoffice import convert

    src = tmp_path / "src" / "filled.xlsx"
    src.parent.mkdir()
    src.write_bytes(filled_file.read_bytes())
    saved = convert(src, "xlsx", tmp_path / "lo")
    ours, lo = load_xlsx(filled_file), load_xlsx(saved)
    assert lo.stale_formulas is False  # LibreOffice stores real results
    assert {n: t.area for n, t in lo.names.items() if t.sheet} == {
        n: t.area for n, t in ours.names.items()
    }
    assert {n: t.sheet for n, t in lo.names.items()} == {n: t.sheet for n, t in ours.names.items()}
    # LibreOffice has no "very hidden": it saves our metadata sheet as merely hidden
    expected = [(s.name, "hidden" if s.state == "veryHidden" else s.state) for s in ours.sheets]
    assert [(s.name, s.state) for s in lo.sheets] == expected
    for sheet in ours.sheets:
        theirs = lo.sheet(sheet.name)
        assert theirs is not None
        for pos, cell in sheet.cells.items():
            if cell.formula is None:
                assert theirs.cells[pos].value == cell.value, (sheet.name, pos)
        assert sorted(theirs.merges) == sorted(sheet.merges), sheet.name
    # the growth formulas now carry LibreOffice's results: 30.0 over 25.0 is +20 %
    history = lo.names["history__export_growth"]
    assert history.sheet is not None and history.area is not None
    growth = lo.sheet(history.sheet)
    assert growth is not None
    second = growth.cells[(history.area.first.row + 1, history.area.first.col)]
    assert second.cached and second.formula and second.value == 20


CORPUS = SHARED / "corpus"


@pytest.mark.skipif(not CORPUS.exists(), reason=f"the corpus is not at {CORPUS}")
def test_corpus_loads_or_raises_xlsx_error() -> None:
    files = sorted(p for p in CORPUS.glob("*/*") if p.suffix.lower() in (".xlsx", ".xlsm"))
    assert len(files) > 100
    tally: dict[str, int] = {}
    for path in files:
        start = time.perf_counter()
        try:
            load_xlsx(path)
            outcome = "ok"
        except XlsxError as exc:
            outcome = exc.code
        elapsed = time.perf_counter() - start
        assert elapsed < 5, f"{path.name} took {elapsed:.1f}s"
        tally[outcome] = tally.get(outcome, 0) + 1
    print("corpus:", tally)
    assert tally["ok"] >= 0.9 * len(files), tally
