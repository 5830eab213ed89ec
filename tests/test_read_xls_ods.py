"""The .xls (xlrd) and .ods (expat) readers: values, formats, merges, sheets and names.

Inputs with known values are written as .xlsx here and saved by LibreOffice as .xls and
.ods, the way offices send them back; the committed samples must resolve every template
name; hostile and broken files must fail with XlsError/OdsError, quickly.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from formkit.cells import Area, parse_area
from formkit.read.book import Book, Bounds, RawCell
from formkit.read.ods import OdsError, load_ods
from formkit.read.xls import XlsError, load_xls
from tests.conftest import ROOT, SHARED, sample_script
from tests.libreoffice import convert

SAMPLES = ROOT / "samples"
XLS_SAMPLE = SAMPLES / "10-湖南省-长沙市-新申报.xls"
ODS_SAMPLE = SAMPLES / "11-重庆市-重庆市-新申报.ods"

BASE = "第一项：基地基本情况"
INFO = "续表一 申报信息"
LOOKUP = "代码表"
META = "formkit"

DATE = dt.datetime(2006, 4, 18)
MULTILINE = "长沙高新技术产业开发区\n（第二行）"
SPACED = "a   b\tc"


# ---------------------------------------------------------------- known inputs


def _known_xlsx(path: Path) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    pct = wb.add_format({"num_format": "0.00%"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    wrap = wb.add_format({"text_wrap": True})
    base = wb.add_worksheet(BASE)
    base.write_string("A1", "单位名称")
    base.write_string("B1", MULTILINE, wrap)
    base.write_number("C1", 170)
    base.write_number("D1", 2.75)
    base.write_number("E1", 0.1234, pct)
    base.write_datetime("F1", DATE, date)
    base.write_boolean("G1", True)
    base.write_boolean("H1", False)
    base.write_formula("A2", "=C1*2", None, 340)
    base.write_string("B2", SPACED)
    base.write_number("C2", -3.5)
    base.merge_range("A3:C4", "合并区域", wrap)
    base.write_number("B6", 12345678)
    # outside Bounds(max_row=20, max_col=8): dropped, first one is J5
    base.write_string("J5", "bounds col")
    base.write_string("A30", "bounds row")
    base.merge_range("K40:L41", "far merge")

    info = wb.add_worksheet(INFO)
    info.write_string("A1", "申报类型")
    info.write_string("B2", "新申报")
    info.write_number("C3", 0.5, pct)
    info.write_number("D5", 1)

    lookup = wb.add_worksheet(LOOKUP)
    lookup.write_string("A1", "产业集群")
    lookup.hide()
    meta = wb.add_worksheet(META)
    meta.write_string("A1", "version")
    meta.very_hidden()

    wb.define_name("unit_name", f"='{BASE}'!$B$1")
    wb.define_name("block", f"='{INFO}'!$B$2:$D$5")
    wb.define_name("history", f"='{BASE}'!$A$3:$C$4")
    wb.define_name("rate", "=0.5")
    wb.define_name(f"'{INFO}'!local_only", f"='{INFO}'!$A$1")
    wb.close()
    return path


@pytest.fixture(scope="module")
def converted(soffice: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("known")
    src = _known_xlsx(tmp / "known.xlsx")
    return {fmt: convert(src, fmt, tmp / fmt) for fmt in ("xls", "ods")}


def _load(path: Path, bounds: Bounds | None = None) -> Book:
    bounds = bounds or Bounds()
    return load_xls(path, bounds) if path.suffix == ".xls" else load_ods(path, bounds)


# ---------------------------------------------------------------- values


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_values_formats_and_kinds_read_back(converted: dict[str, Path], fmt: str) -> None:
    book = _load(converted[fmt])
    assert book.format == fmt
    assert not book.date1904
    base = book.sheet(BASE)
    assert base is not None
    values = {
        "A1": "单位名称",
        "B1": MULTILINE,
        "C1": 170,
        "D1": 2.75,
        "E1": 0.1234,
        "F1": DATE,
        "G1": True,
        "H1": False,
        "A2": 340,
        "B2": SPACED,
        "C2": -3.5,
        "A3": "合并区域",
        "B6": 12345678,
        "A30": "bounds row",
    }
    for ref, expected in values.items():
        cell = parse_area(ref).first
        got = base.value(*cell)
        assert got == expected, (fmt, ref, got)
        assert type(got) is type(expected), (fmt, ref, got)
    percent = base.cells[(1, 5)]
    assert percent.number_format is not None and percent.number_format.endswith("%")
    assert percent.number_format == "0.00%"
    date = base.cells[(1, 6)].number_format
    assert date is not None and "yy" in date.lower() and "d" in date.lower()
    formula = base.cells[(2, 1)]
    assert formula.cached
    if fmt == "ods":
        assert formula.formula is not None and "C1" in formula.formula
    else:
        assert formula.formula is None  # xlrd has no formula text, only results
    info = book.sheet(INFO)
    assert info is not None
    assert info.value(2, 2) == "新申报"
    assert info.value(3, 3) == 0.5
    assert (info.cells[(3, 3)].number_format or "").endswith("%")
    assert info.value(5, 4) == 1


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_merges_states_and_names(converted: dict[str, Path], fmt: str) -> None:
    book = _load(converted[fmt])
    assert [s.name for s in book.sheets] == [BASE, INFO, LOOKUP, META]
    # LibreOffice has no "very hidden": it saves such a sheet as hidden
    assert [s.state for s in book.sheets] == ["visible", "visible", "hidden", "hidden"]
    base = book.sheet(BASE)
    assert base is not None
    assert parse_area("A3:C4") in base.merges
    assert parse_area("K40:L41") in base.merges
    assert book.names["unit_name"].sheet == BASE
    assert book.names["unit_name"].area == parse_area("B1")
    assert book.names["block"].sheet == INFO
    assert book.names["block"].area == parse_area("B2:D5")
    assert book.names["history"].area == parse_area("A3:C4")
    rate = book.names["rate"]
    assert rate.sheet is None and rate.area is None and "0.5" in rate.text
    assert "local_only" not in book.names  # sheet-scoped
    assert not any(n.startswith("_xlnm") or n == "Print_Area" for n in book.names)


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_bounds_clip_cells_and_merges(converted: dict[str, Path], fmt: str) -> None:
    book = _load(converted[fmt], Bounds(max_row=20, max_col=8))
    base = book.sheet(BASE)
    assert base is not None
    assert all(r <= 20 and c <= 8 for r, c in base.cells)
    assert (5, 10) not in base.cells and (30, 1) not in base.cells
    # J5, A30 and the K40:L41 merge (its text with it)
    assert base.dropped == 4
    assert base.dropped_example == "J5"
    assert parse_area("A3:C4") in base.merges
    assert all(m.last.row <= 20 and m.last.col <= 8 for m in base.merges)
    small = _load(converted[fmt], Bounds(max_row=3, max_col=2)).sheet(BASE)
    assert small is not None
    assert Area(parse_area("A3").first, parse_area("B3").first) in small.merges


# ---------------------------------------------------------------- the committed samples


@pytest.mark.parametrize(
    ("path", "key"),
    [
        (XLS_SAMPLE, "10-湖南省-长沙市-新申报.xlsx"),
        (ODS_SAMPLE, "11-重庆市-重庆市-新申报.xlsx"),
    ],
    ids=["xls", "ods"],
)
def test_samples_resolve_every_template_name(path: Path, key: str) -> None:
    from formkit.spec import load_spec

    spec = load_spec()
    book = _load(path)
    expected = list(spec.defined_names())
    assert expected
    for name, sheet_id, area in expected:
        target = book.names.get(name)
        assert target is not None, f"{path.name}: {name} missing"
        assert (target.sheet, target.area) == (spec.sheet(sheet_id).name, area), name
    values: dict[str, Any] = sample_script().SAMPLES[key]
    base = book.sheet(spec.sheet("base").name)
    assert base is not None
    assert base.value(4, 3) == values["enterprise_count"]  # C4
    assert base.value(4, 5) == values["sales_total"]  # E4
    assert base.value(8, 2) == values["main_products"][0]["name"]  # B8
    assert base.value(8, 5) == values["main_products"][0]["export_value"]  # E8
    cover = book.sheet(spec.sheet("cover").name)
    assert cover is not None
    assert cover.value(4, 2) == values["applicant_name"]
    assert cover.value(8, 2) == dt.datetime.combine(values["fill_date"], dt.time())
    states = {s.name: s.state for s in book.sheets}
    assert states[spec.sheet("base").name] == "visible"
    assert "hidden" in states.values()


# ---------------------------------------------------------------- hostile and broken

_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def _ods(path: Path, body: str, prolog: str = "", mimetype: str | None = None) -> Path:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        f'<office:document-content {_NS} office:version="1.2">'
        f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        # the ODF rule: "mimetype" first and stored, so file(1) and readers see the type
        z.writestr(
            zipfile.ZipInfo("mimetype"),
            mimetype or "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        z.writestr("content.xml", content)
    return path


def test_ods_huge_repeats_are_counted_not_expanded(tmp_path: Path) -> None:
    body = (
        '<table:table table:name="S">'
        '<table:table-row table:number-rows-repeated="1048576">'
        '<table:table-cell office:value-type="float" office:value="7" '
        'table:number-columns-repeated="16384"><text:p>7</text:p></table:table-cell>'
        "</table:table-row></table:table>"
    )
    path = _ods(tmp_path / "repeat.ods", body)
    start = time.perf_counter()
    book = load_ods(path, Bounds(max_row=100, max_col=10))
    assert time.perf_counter() - start < 2
    sheet = book.sheets[0]
    assert len(sheet.cells) == 100 * 10
    assert sheet.value(100, 10) == 7
    assert sheet.dropped == 1_048_576 * 16_384 - 100 * 10
    assert sheet.dropped_example == "K1"
    start = time.perf_counter()
    book = load_ods(path)  # default bounds: 5000 x 64 positions, still quick
    assert time.perf_counter() - start < 5
    assert len(book.sheets[0].cells) == 5000 * 64


def test_ods_text_markup_types_and_names(tmp_path: Path) -> None:
    body = (
        '<table:table table:name="第一项：基地基本情况">'
        "<table:table-row>"
        '<table:table-cell office:value-type="string"><text:p>a<text:s text:c="3"/>b'
        "<text:tab/>c<text:span>d</text:span></text:p><text:p>e<text:line-break/>f</text:p>"
        "<office:annotation><text:p>a comment</text:p></office:annotation>"
        "</table:table-cell>"
        '<table:table-cell office:value-type="time" office:time-value="PT12H30M00S">'
        "<text:p>12:30:00</text:p></table:table-cell>"
        '<table:table-cell office:value-type="date" office:date-value="2006-04-18T08:30:00">'
        "<text:p>x</text:p></table:table-cell>"
        '<table:table-cell table:formula="of:=1/0" office:value-type="float" '
        'office:value="0" xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:'
        'xmlns:calcext:1.0" calcext:value-type="error"><text:p>#DIV/0!</text:p>'
        "</table:table-cell>"
        '<table:table-cell table:formula="of:=NOW()"/>'
        '<table:table-cell office:value-type="boolean" office:boolean-value="false"/>'
        '<table:table-cell table:number-columns-spanned="2" table:number-rows-spanned="3"'
        ' office:value-type="currency" office:value="12.50"/>'
        "</table:table-row><table:table-row>"
        # white space in a paragraph is text: LibreOffice 7.4 reads it as written (it does
        # not apply ODF's collapsing rule to a cell's paragraphs)
        '<table:table-cell office:value-type="string"><text:p>\n   x \n  y</text:p>'
        '<draw:frame xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0">'
        "<text:p>shape text</text:p></draw:frame></table:table-cell>"
        "</table:table-row></table:table>"
        "<table:named-expressions>"
        '<table:named-range table:name="one" table:cell-range-address='
        "\"$'第一项：基地基本情况'.$B$8:.$G$29\"/>"
        '<table:named-range table:name="plain" table:cell-range-address="$S.$A$1"/>'
        '<table:named-range table:name="two" table:cell-range-address="$S.$A$1 $S.$B$2"/>'
        '<table:named-expression table:name="expr" table:expression="of:=1+1"/>'
        "</table:named-expressions>"
        '<table:calculation-settings><table:null-date table:date-value="1904-01-01"/>'
        "</table:calculation-settings>"
    )
    book = load_ods(_ods(tmp_path / "markup.ods", body))
    s = book.sheets[0]
    assert s.value(1, 1) == "a   b\tcd\ne\nf"
    assert s.value(1, 2) == "12:30:00"
    assert s.value(1, 3) == dt.datetime(2006, 4, 18, 8, 30)
    assert s.cells[(1, 3)].number_format == "yyyy-mm-dd hh:mm:ss"
    assert s.cells[(1, 4)] == RawCell(None, formula="=1/0", error="#DIV/0!")
    assert s.cells[(1, 5)] == RawCell(None, formula="=NOW()", cached=False)
    assert s.value(1, 6) is False
    assert s.value(1, 7) == 12.5
    assert s.merges == [parse_area("G1:H3")]
    assert s.value(2, 1) == "\n   x \n  y"
    assert book.date1904
    assert book.names["one"].sheet == "第一项：基地基本情况"
    assert book.names["one"].area == parse_area("B8:G29")
    assert (book.names["plain"].sheet, book.names["plain"].area) == ("S", parse_area("A1"))
    assert book.names["two"].sheet is None
    assert book.names["expr"] == book.names["expr"].__class__(None, None, "of:=1+1")


_MULTILINE = "  首行缩进&#x0a;  第二段  两个空格"


@pytest.mark.parametrize(
    ("attrs", "cell", "text"),
    [
        # LibreOffice 7.4's own writing of what a person typed (content.xml, verbatim)
        ("", "<text:p>示例科技园 <text:s/>A座</text:p>", "示例科技园  A座"),
        ("", '<text:p><text:s text:c="2"/>张三</text:p>', "  张三"),
        (
            "",
            '<text:p><text:s text:c="2"/>单行 <text:s/>两个空格<text:tab/>制表</text:p>',
            "  单行  两个空格\t制表",
        ),
        ("", "<text:p>第一行<text:line-break/><text:s/>缩进</text:p>", "第一行\n 缩进"),
        ("", "<text:p>末尾 <text:s/></text:p>", "末尾  "),
        # a cell of several lines: LibreOffice writes the exact text in office:string-value
        # and the paragraphs with bare runs of spaces, which the white-space rule collapses
        (
            f' office:string-value="{_MULTILINE}"',
            "<text:p>  首行缩进</text:p><text:p>  第二段  两个空格</text:p>",
            "  首行缩进\n  第二段  两个空格",
        ),
        # without it, the paragraphs as written, bare runs of spaces included (LibreOffice
        # writes a cell of several lines so, and reads it back so)
        (
            "",
            "<text:p>  首行缩进</text:p><text:p>  第二段  两个空格</text:p>",
            "  首行缩进\n  第二段  两个空格",
        ),
    ],
)
def test_ods_text_reads_as_libreoffice_shows_it(
    tmp_path: Path, attrs: str, cell: str, text: str
) -> None:
    """Runs of spaces (<text:s text:c>), tabs, line breaks and leading spaces are the cell's
    text, as from .xlsx and .xls; office:string-value, where given, is the exact text."""
    body = (
        '<table:table table:name="S"><table:table-row>'
        f'<table:table-cell office:value-type="string"{attrs}>{cell}</table:table-cell>'
        "</table:table-row></table:table>"
    )
    book = load_ods(_ods(tmp_path / "text.ods", body))
    assert book.sheets[0].value(1, 1) == text


def test_flat_ods_reads(tmp_path: Path) -> None:
    flat = tmp_path / "flat.fods"
    flat.write_text(
        f'<?xml version="1.0"?><office:document {_NS}><office:body><office:spreadsheet>'
        '<table:table table:name="S"><table:table-row><table:table-cell '
        'office:value-type="percentage" office:value="0.25"/></table:table-row></table:table>'
        "</office:spreadsheet></office:body></office:document>",
        encoding="utf-8",
    )
    cell = load_ods(flat).sheets[0].cells[(1, 1)]
    assert cell.value == 0.25 and (cell.number_format or "").endswith("%")


def test_ods_refuses_entities_and_impostors(tmp_path: Path) -> None:
    laughs = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
    with pytest.raises(OdsError) as e:
        load_ods(_ods(tmp_path / "lol.ods", '<table:table table:name="S"/>', prolog=laughs))
    assert e.value.code == "bad_ods"
    with pytest.raises(OdsError) as e:
        load_ods(
            _ods(tmp_path / "text.ods", "", mimetype="application/vnd.oasis.opendocument.text")
        )
    assert e.value.code == "not_ods"
    (tmp_path / "random.ods").write_bytes(os.urandom(4096))
    with pytest.raises(OdsError):
        load_ods(tmp_path / "random.ods")
    cut = tmp_path / "cut.ods"
    cut.write_bytes(ODS_SAMPLE.read_bytes()[:20_000])
    with pytest.raises(OdsError):
        load_ods(cut)
    with pytest.raises(OdsError) as e:
        load_ods(tmp_path / "missing.ods")
    assert e.value.code == "unreadable"
    assert "无法" in e.value.message


def test_xls_broken_files_raise_xls_error(tmp_path: Path) -> None:
    data = XLS_SAMPLE.read_bytes()
    for size in (len(data) // 2, 4096, 600, 10):
        cut = tmp_path / f"cut{size}.xls"
        cut.write_bytes(data[:size])
        with pytest.raises(XlsError):
            load_xls(cut)
    (tmp_path / "random.xls").write_bytes(os.urandom(20_000))
    with pytest.raises(XlsError) as e:
        load_xls(tmp_path / "random.xls")
    assert e.value.code in ("bad_xls", "not_xls")
    (tmp_path / "xlsx.xls").write_bytes(
        (SAMPLES / "01-江苏省-苏州工业园区-重新认定.xlsx").read_bytes()
    )
    with pytest.raises(XlsError) as e:
        load_xls(tmp_path / "xlsx.xls")
    assert e.value.code == "not_xls"
    assert "xls" in e.value.message


# ---------------------------------------------------------------- the public corpus

CORPUS = SHARED / "corpus"


def _corpus() -> Iterator[Path]:
    for folder in ("calamine", "libreoffice"):
        for p in sorted((CORPUS / folder).glob("*")):
            if p.suffix.lower() in (".xls", ".ods"):
                yield p


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _Timeout


@pytest.mark.slow
@pytest.mark.parametrize("path", list(_corpus()), ids=lambda p: p.name)
def test_corpus_loads_or_rejects_cleanly(path: Path) -> None:
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(30)
    try:
        _load(path)
    except (XlsError, OdsError) as e:
        assert e.code and e.message
    except _Timeout:
        pytest.fail(f"{path.name}: no result within 30 s")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_corpus_is_present_or_skipped() -> None:
    if not CORPUS.exists():
        pytest.skip(f"the corpus is not at {CORPUS} (a clone outside the workspace)")
    assert any(True for _ in _corpus())
