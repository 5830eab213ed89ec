"""load_xlsx_fast gives exactly load_xlsx's Book, or hands the file over to load_xlsx.

Differential: every cell's value (and its type: 5 is not 5.0), number format, formula,
cached flag and error, the merges, dropped counts, names and flags must be equal, on the
template, the samples, filled forms, LibreOffice- and openpyxl-saved workbooks, the shared
corpus and hand-built packages with every odd shape the fast reader must refuse.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import pytest

import formkit.read.xlsx.fast as fast
from formkit.read.book import Book, Bounds, WorkbookError
from formkit.read.xlsx import load_xlsx, load_xlsx_fast
from tests.conftest import ROOT, SHARED
from tests.forms import full_values, write_filled
from tests.test_read_xlsx import MAIN, _indent, make_xlsx, sheet_xml

CORPUS = SHARED / "corpus"


def differences(a: Book, b: Book) -> list[str]:
    """What differs between two Books, field by field (value types included)."""
    out: list[str] = []
    for attr in ("format", "names", "date1904", "stale_formulas"):
        if getattr(a, attr) != getattr(b, attr):
            out.append(f"{attr}: {getattr(a, attr)!r} != {getattr(b, attr)!r}")
    if [s.name for s in a.sheets] != [s.name for s in b.sheets]:
        out.append("sheet names differ")
        return out
    for sa, sb in zip(a.sheets, b.sheets, strict=True):
        for attr in ("state", "merges", "dropped", "dropped_example"):
            if getattr(sa, attr) != getattr(sb, attr):
                out.append(f"{sa.name}.{attr}: {getattr(sa, attr)!r} != {getattr(sb, attr)!r}")
        if sa.cells.keys() != sb.cells.keys():
            out.append(f"{sa.name}: cells {sorted(sa.cells.keys() ^ sb.cells.keys())[:5]}")
        for key in sa.cells.keys() & sb.cells.keys():
            ca, cb = sa.cells[key], sb.cells[key]
            if ca != cb or type(ca.value) is not type(cb.value):
                out.append(f"{sa.name}{key}: {ca!r} != {cb!r}")
    return out


def compare(path: str | Path, bounds: Bounds = Bounds()) -> tuple[str, bool]:  # noqa: B008
    """("equal" | "both-fail <code>" | a difference, whether the fast reader delegated)."""
    delegated: list[bool] = []
    real = fast.load_xlsx

    def counting(*args: Any) -> Book:
        delegated.append(True)
        return real(*args)

    try:
        expected = load_xlsx(path, bounds)
    except WorkbookError as exc:
        expected_error: str | None = exc.message
    else:
        expected_error = None
    fast.load_xlsx = counting  # type: ignore[assignment]
    try:
        got = load_xlsx_fast(path, bounds)
    except WorkbookError as exc:
        if exc.message == expected_error:
            return "both-fail", bool(delegated)
        return f"errors differ: {exc.message!r} != {expected_error!r}", bool(delegated)
    finally:
        fast.load_xlsx = real  # type: ignore[assignment]
    if expected_error is not None:
        return f"fast read a file load_xlsx refuses ({expected_error})", bool(delegated)
    diff = differences(expected, got)
    return ("equal" if not diff else "; ".join(diff[:5])), bool(delegated)


def assert_same(path: Path, bounds: Bounds = Bounds(), *, delegates: bool | None = None) -> None:  # noqa: B008
    outcome, delegated = compare(path, bounds)
    assert outcome in ("equal", "both-fail"), outcome
    if delegates is not None:
        assert delegated is delegates


# ---------------------------------------------------------------- our own files


def test_template_and_samples(template_file: Path) -> None:
    paths = [ROOT / "templates" / "申报书.xlsx", template_file]
    paths += sorted((ROOT / "samples").glob("*.xlsx"))
    for path in paths:
        assert_same(path, delegates=False)
        assert_same(path, Bounds(max_row=20, max_col=3))  # cells and merges past the bounds


def test_formkit_summaries_are_read_by_the_fast_path(tmp_path: Path) -> None:
    """Summaries and roll-ups (xlsxwriter in constant-memory mode: inline strings), read
    back by the roll-up: the same Book, without handing over to load_xlsx."""
    from formkit.rollup import SUMMARY_BOUNDS

    golden = sorted((ROOT / "tests" / "golden").rglob("*.xlsx"))
    assert golden
    for path in golden:
        assert_same(path, SUMMARY_BOUNDS, delegates=False)


def test_filled_forms(tmp_path: Path) -> None:
    values = full_values()
    assert_same(write_filled(tmp_path / "a.xlsx", values), delegates=False)
    assert_same(write_filled(tmp_path / "b.xlsx"), delegates=False)


def test_repeated_reads_use_caches_safely(tmp_path: Path) -> None:
    """Cached workbook/styles/merges must not leak between files or Books."""
    path = write_filled(tmp_path / "a.xlsx")
    one, two = load_xlsx_fast(path), load_xlsx_fast(path)
    assert not differences(one, two)
    one.names.clear()
    one.sheets[0].merges.clear()
    assert not differences(load_xlsx(path), load_xlsx_fast(path))


def test_openpyxl_saved(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "表"
    ws["A1"] = "文字"
    ws["B1"] = 5
    ws["C1"] = 5.0
    ws["D1"] = -3.25
    ws["E1"] = dt.datetime(2006, 4, 18, 8, 30)
    ws["F1"] = True
    ws["G1"] = "=B1*2"
    ws["H1"] = 0.125
    ws["H1"].number_format = "0.00%"
    ws["I1"] = "a & <b> \"c\" 'd'"
    ws.merge_cells("A3:C4")
    ws2 = wb.create_sheet("隐藏")
    ws2.sheet_state = "hidden"
    ws2["B2"] = 1
    path = tmp_path / "o.xlsx"
    wb.save(path)
    assert_same(path)
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    wb.save(path)
    assert_same(path)


@pytest.mark.libreoffice
def test_libreoffice_saved(tmp_path: Path, soffice: str) -> None:
    from tests.libreoffice import convert

    src = write_filled(tmp_path / "src.xlsx")
    out = convert(src, "xlsx", tmp_path / "lo")
    assert_same(out, delegates=False)
    ods = convert(src, "ods", tmp_path / "ods")
    back = convert(ods, "xlsx", tmp_path / "back")
    assert_same(back, delegates=False)


# ---------------------------------------------------------------- the shared corpus


def _compare_for_pool(path: str) -> tuple[str, bool]:
    return compare(path)


def test_corpus_files_read_the_same() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not here ({CORPUS})")
    from formkit.read.isolate import Failure, WorkerPool

    paths = sorted(str(p) for p in CORPUS.rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm"))
    if not paths:
        pytest.skip("no .xlsx/.xlsm files in the shared corpus")
    bad: list[str] = []
    fast_count = 0
    with WorkerPool(jobs=2, timeout=60, memory_mb=2048) as pool:
        for path, result in pool.map(_compare_for_pool, paths):
            if isinstance(result, Failure):
                if result.kind != "timeout":
                    bad.append(f"{Path(path).name}: {result.kind} {result.detail}")
                continue
            outcome, delegated = result
            if outcome not in ("equal", "both-fail"):
                bad.append(f"{Path(path).name}: {outcome}")
            fast_count += not delegated
    assert not bad, "\n".join(bad)
    assert fast_count > 0


# ---------------------------------------------------------------- hand-built packages

EVERY_TYPE = (
    '<row r="1">'
    '<c r="A1" t="s"><v>0</v></c>'
    '<c r="B1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>'
    '<c r="D1" t="b"><v>0</v></c>'
    '<c r="E1" t="e"><v>#N/A</v></c>'
    '<c r="F1" t="n"><v>-7</v></c>'
    '<c r="G1"><v>1.5E3</v></c>'
    '<c r="H1" t="d"><v>2006-04-18T08:30:00</v></c>'
    '<c r="I1"><v>12.0</v></c>'
    '<c r="J1" s="1"><v>38825</v></c>'
    '<c r="K1" s="2"><v>0.25</v></c>'
    '<c r="L1" s="1"><v>60</v></c>'
    '<c r="M1" s="1"><v>-1</v></c>'
    '<c r="N1" t="str"><v>c_x000A_d</v></c>'
    '<c r="O1" t="zz"><v>odd</v></c>'
    '<c r="P1" t="b"><v>true</v></c>'
    "</row>"
    '<row r="2" spans="1:7" ht="20" customHeight="1">'
    '<c r="A2"><f>A1</f></c>'
    '<c r="B2"><f>A1</f><v></v></c>'
    '<c r="C2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
    '<c r="D2"><f t="shared" ref="D2:D3" si="0">F1*2</f><v>-14</v></c>'
    '<c r="D3"><f t="shared" si="0"/><v>-14</v></c>'
    '<c r="E2" s="0"/>'
    '<c r="F2" t="s"><v>1</v></c>'
    '<c r="G2" s="9"><v>1</v></c>'
    '<c r="H2"><f>IF(A1&lt;&gt;"",&quot;x&quot;,&#x4E2D;)</f><v>3</v></c>'
    "</row>"
)
STYLES = (
    f'<?xml version="1.0"?><styleSheet xmlns="{MAIN}"><numFmts count="1">'
    '<numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
    '</numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="10"/>'
    "</cellXfs></styleSheet>"
)
SST = (
    "<si><t>共享</t></si><si><t></t></si>"
    '<si><t xml:space="preserve">  两端  </t></si><si><t>第一行_x000D_\n第二行</t></si>'
    "<si><t>&lt;a&gt; &amp; &#x4E2D;</t></si>"
)
RICH_SST = (
    '<si><r><rPr><b/></rPr><t>東京</t></r><r><t xml:space="preserve"> 都</t></r>'
    '<rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></si><si/>'
    "<si><t>_xD83D__xDE00_</t></si>"
)
FILLER = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(2, 300))
MERGES = '<mergeCells count="2"><mergeCell ref="A5:B6"/><mergeCell ref="C5:D5"/></mergeCells>'
WORKBOOK_PR = '<workbookPr date1904="1"/>'
CALC = '<calcPr calcId="1" fullCalcOnLoad="1"/>'

# name -> (sheet body, make_xlsx options, whether the fast reader answers itself)
INLINE = (
    '<row r="1"><c r="A1" s="1" t="inlineStr"><is><t>明细 &amp; 汇总</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t xml:space="preserve"> 前后空格 </t></is></c>'
    '<c r="C1" t="inlineStr"><is><t></t></is></c><c r="D1" t="inlineStr"><is><t>a_x000D_b</t>'
    '</is></c><c r="E1" s="1"><v>3.5</v></c></row>'
)
CASES: dict[str, tuple[str, dict[str, Any], bool]] = {
    # xlsxwriter's inline strings (formkit's summaries): read by the fast path
    "inline strings": (sheet_xml(INLINE), {"styles": STYLES}, True),
    # any other inline shape goes to load_xlsx
    "inline rich text": (
        sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><r><t>a</t></r></is></c></row>'),
        {},
        False,
    ),
    "inline with a value": (
        sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is><v>b</v></c></row>'),
        {},
        False,
    ),
    "every type": (sheet_xml(EVERY_TYPE, MERGES), {"strings": SST, "styles": STYLES}, True),
    "1904": (
        sheet_xml(EVERY_TYPE),
        {"strings": SST, "styles": STYLES, "workbook_pr": WORKBOOK_PR},
        True,
    ),
    "stale": (sheet_xml(EVERY_TYPE), {"strings": SST, "workbook_extra": CALC}, True),
    "rich strings": (
        sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>2</v></c></row>'),
        {"strings": RICH_SST},
        True,
    ),
    "indented": (
        _indent(sheet_xml(EVERY_TYPE, MERGES)),
        {"strings": _indent(SST), "styles": STYLES},
        True,
    ),
    "no positions": (
        sheet_xml(
            '<row><c><v>1</v></c><c><v>2</v></c><c r="E1"><v>5</v></c><c><v>6</v></c></row>'
            '<row><c><v>7</v></c></row><row r="5"><c><v>8</v></c></row>'
            "<row><c/><c><v>9</v></c></row>"
        ),
        {},
        True,
    ),
    "other attribute order": (
        sheet_xml(
            '<row r="1"><c t="s" s="0" r="A1"><v>0</v></c><c s="1" r="B1"><v>5</v></c></row>'
        ),
        {"strings": SST, "styles": STYLES},
        True,
    ),
    "single quotes": (
        sheet_xml("<row r='1'><c r='A1' t='s'><v>0</v></c></row>"),
        {"strings": SST},
        True,
    ),
    "inline string": (
        sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>行内</t></is></c></row>'),
        {},
        True,
    ),
    "prefixed": (
        '<x:sheetData><x:row r="2"><x:c r="B2" t="s"><x:v>0</x:v></x:c></x:row></x:sheetData>',
        {"strings": ["前缀"], "prefix": "x"},
        False,
    ),
    "text after v in a flat part": (
        # past the first 4 KB, which tell xlsx.py the part is not indented
        sheet_xml(FILLER + '<row r="400"><c r="A400" t="str"><v>ab</v> </c></row>'),
        {},
        False,
    ),
    "text after sheetData in a flat part": (
        sheet_xml('<row r="1"><c r="A1" t="str"><v>ab</v></c></row>') + "x",
        {},
        False,
    ),
    "carriage return": (
        sheet_xml('<row r="1"><c r="A1" t="str"><v>a\r\nb</v></c></row>'),
        {},
        False,
    ),
    "entity in attribute": (
        sheet_xml('<row r="1"><c r="A&#49;"><v>1</v></c></row>'),
        {},
        False,
    ),
    "repeated attribute": (
        sheet_xml('<row r="1"><c r="A1" s="0" s="1"><v>1</v></c></row>'),
        {},
        False,
    ),
    "bad reference": (sheet_xml('<row r="1"><c r="1A"><v>1</v></c></row>'), {}, False),
    "string index out of range": (
        sheet_xml('<row r="1"><c r="A1" t="s"><v>7</v></c></row>'),
        {"strings": ["x"]},
        False,
    ),
    "unknown child": (
        sheet_xml('<row r="1"><c r="A1"><v>1</v><extLst/></c></row>'),
        {},
        False,
    ),
    "cell outside sheetData": (
        sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>') + '<c r="B1"><v>2</v></c>',
        {},
        False,
    ),
    "comment": (sheet_xml('<row r="1"><!-- x --><c r="A1"><v>1</v></c></row>'), {}, False),
    "control character": (
        sheet_xml('<row r="1"><c r="A1" t="str"><v>a\x01</v></c></row>'),
        {},
        False,
    ),
    "CDATA end in text": (
        # "]]>" is not allowed in XML text: load_xlsx refuses the part, and so must we
        sheet_xml('<row r="1"><c r="A1" t="str"><v>a]]>b</v></c></row>'),
        {},
        False,
    ),
    "CDATA end in a shared string": (
        sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
        {"strings": "<si><t>x]]>y</t></si>"},
        False,
    ),
    "empty sheet": ("<sheetData/>", {}, True),
    "no sheetData": ("", {}, False),
    "cell at XFD1048576": (
        sheet_xml(
            '<row r="1"><c r="A1"><v>1</v></c></row>'
            '<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'
        ),
        {},
        False,
    ),
    "whole-sheet merge and dimension": (
        sheet_xml(
            '<row r="1"><c r="A1"><v>1</v></c></row>',
            after=(
                '<mergeCells count="3"><mergeCell ref="A1:XFD1048576"/>'
                '<mergeCell ref="ZZ1:ZZ2"/><mergeCell ref="B2:C3"/></mergeCells>'
            ),
            before='<dimension ref="A1:XFD1048576"/>',
        ),
        {},
        True,
    ),
    "cells right of the bounds": (
        sheet_xml(
            '<row r="1"><c r="A1"><v>1</v></c><c r="BM1"><v>2</v></c><c r="XFD1"><v>3</v></c></row>'
        ),
        {},
        True,
    ),
    "empty cell far away": (
        sheet_xml('<row r="1"><c r="A1"><v>1</v></c><c r="XFD1" s="0"/></row>'),
        {},
        True,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hand_built(tmp_path: Path, name: str) -> None:
    body, options, answers = CASES[name]
    path = make_xlsx(tmp_path / "t.xlsx", {"S": body, "二": sheet_xml("")}, **options)
    assert_same(path, delegates=not answers)
    assert_same(path, Bounds(max_row=1, max_col=4))


def test_sheet_part_in_another_encoding(tmp_path: Path) -> None:
    body = '<sheetData><row r="1"><c r="A1" t="str"><v>中</v></c></row></sheetData>'
    xml = f'<?xml version="1.0" encoding="UTF-16"?><worksheet xmlns="{MAIN}">{body}</worksheet>'
    path = make_xlsx(tmp_path / "t.xlsx", {"S": ""}, raw_sheets={"S": xml.encode("utf-16")})
    assert_same(path, delegates=True)
    gbk = f'<?xml version="1.0" encoding="GBK"?><worksheet xmlns="{MAIN}">{body}</worksheet>'
    path = make_xlsx(tmp_path / "g.xlsx", {"S": ""}, raw_sheets={"S": gbk.encode("gbk")})
    assert_same(path, delegates=True)


def test_broken_files_fail_the_same(tmp_path: Path) -> None:
    (tmp_path / "not.xlsx").write_bytes(b"PK\x03\x04 not a zip")
    assert_same(tmp_path / "not.xlsx")
    good = make_xlsx(
        tmp_path / "g.xlsx", {"S": sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')}
    )
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(tmp_path / "b.xlsx", "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith("sheet1.xml"):
                data = data.replace(b"</sheetData>", b"</sheetDat>")
            zout.writestr(info, data)
    assert_same(tmp_path / "b.xlsx")
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(tmp_path / "m.xlsx", "w") as zout:
        for info in zin.infolist():
            if not info.filename.endswith("sheet1.xml"):
                zout.writestr(info, zin.read(info))
    assert_same(tmp_path / "m.xlsx")


def test_stored_and_corrupt_parts(tmp_path: Path) -> None:
    """Parts inflated from memory: stored (not deflated) parts, a wrong CRC, a lying size."""
    good = write_filled(tmp_path / "g.xlsx")
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(tmp_path / "s.xlsx", "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info), compress_type=zipfile.ZIP_STORED)
    assert_same(tmp_path / "s.xlsx", delegates=False)
    data = (tmp_path / "s.xlsx").read_bytes()
    i = data.find(b"<sheetData>")
    flipped = data[:i] + b"<sheetDatb>" + data[i + 11 :]  # same size, CRC now wrong
    (tmp_path / "c.xlsx").write_bytes(flipped)
    assert_same(tmp_path / "c.xlsx")


def test_memo_does_not_mix_files(tmp_path: Path) -> None:
    """Value cells are shared by (style, type, text) per styles part and date system."""
    rows = '<row r="1"><c r="A1" s="1"><v>38825</v></c><c r="B1" t="s"><v>0</v></c></row>'
    a = make_xlsx(tmp_path / "a.xlsx", {"S": sheet_xml(rows)}, strings=["甲"], styles=STYLES)
    b = make_xlsx(
        tmp_path / "b.xlsx",
        {"S": sheet_xml(rows)},
        strings=["乙"],
        styles=STYLES,
        workbook_pr=WORKBOOK_PR,
    )
    c = make_xlsx(tmp_path / "c.xlsx", {"S": sheet_xml(rows)}, strings=["甲"])
    for path in (a, b, c, a, b, c):
        assert_same(path, delegates=False)
    assert load_xlsx_fast(a).sheets[0].cells[(1, 2)].value == "甲"
    assert load_xlsx_fast(b).sheets[0].cells[(1, 2)].value == "乙"


@pytest.mark.parametrize(
    "body",
    [
        '<cols><col min="1"></cols><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>',
        '<sheetData><row r="1" x14ac:dyDescent="0.25"><c r="A1"><v>1</v></c></row></sheetData>',
        '<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData><pageMargins left="1"',
        "<sheetData/><extra>&nbsp;</extra>",
    ],
)
def test_malformed_xml_outside_the_cells_fails_the_same(tmp_path: Path, body: str) -> None:
    assert_same(make_xlsx(tmp_path / "t.xlsx", {"S": body}))
    assert_same(make_xlsx(tmp_path / "u.xlsx", {"S": _indent(body)}))


def test_malformed_shared_strings_fail_the_same(tmp_path: Path) -> None:
    rows = sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    path = make_xlsx(tmp_path / "t.xlsx", {"S": rows}, strings="<si><t>a</t></si><si><t>b</t>")
    assert_same(path)


# ---------------------------------------------------------------- which path answers

X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"


def _excel_like_sheet(rows: str) -> bytes:
    """A worksheet as Excel writes it: x14ac declared on the root, dyDescent on rows."""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" '
        f'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        f'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        f'mc:Ignorable="x14ac" xmlns:x14ac="{X14AC}"><sheetData>{rows}</sheetData></worksheet>'
    ).encode()


@pytest.mark.parametrize(
    ("rows", "strict"),
    [
        # Excel's rows: the prefix is declared, so the cached frame and one match suffice
        ('<row r="1" spans="1:2" x14ac:dyDescent="0.25"><c r="A1"><v>1</v></c></row>', True),
        # formula text that looks like a prefixed attribute: the careful path, same result
        ('<row r="1"><c r="A1" t="str"><f>IF(A:A="x",1,0)</f><v>0</v></c></row>', False),
        # an undeclared prefix: the careful path (expat), which refuses the part
        ('<row r="1" x15:thing="1"><c r="A1"><v>1</v></c></row>', False),
        # references past ZZ or row 999999: read token by token
        ('<row r="1"><c r="AAA1"><v>1</v></c></row>', False),
    ],
)
def test_only_plain_bodies_skip_the_full_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: str, strict: bool
) -> None:
    path = make_xlsx(tmp_path / "t.xlsx", {"S": ""}, raw_sheets={"S": _excel_like_sheet(rows)})
    assert_same(path)  # warms the frame cache
    parsed: list[int] = []
    real = fast._well_formed
    monkeypatch.setattr(fast, "_well_formed", lambda data: parsed.append(len(data)) or real(data))
    assert_same(path)
    sheet_parsed = any(n > 300 for n in parsed)  # the worksheet, not the small parts
    assert sheet_parsed is not strict


def test_attr_prefixes() -> None:
    body = b'<row r="1" spans="1:7" x14ac:dyDescent="0.25"><c r="A1"><f>a:b="</f></c></row>'
    assert fast._attr_prefixes(body, 0, len(body)) == {b"x14ac", b'r="A1"><f>a'}
    assert fast._attr_prefixes(b'<row r="1" spans="1:7">', 0, 22) == set()


def _bodies() -> list[tuple[bytes, bool]]:
    """Every worksheet <sheetData> body of the corpus (and whether it is indented)."""
    from formkit.read.xlsx.package import is_indented

    out = []
    paths = sorted(CORPUS.rglob("*.xls[xm]")) if CORPUS.is_dir() else []
    for path in paths:
        try:
            with zipfile.ZipFile(path) as zf:
                parts = [zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/")]
        except Exception:
            continue
        for data in parts:
            start = data.find(b"<sheetData>")
            end = data.find(b"</sheetData>", start)
            if start >= 0 and end >= 0:
                out.append((data[start + 11 : end], is_indented(data[:65536])))
    return out


def _prepared(found: list[tuple[bytes, ...]]) -> object:
    return _prepared_or_delegate(fast._prepared, found)


def _prepared_or_delegate(fn: Any, *args: Any) -> object:
    try:
        return fn(*args)
    except fast.Delegate:
        return "delegate"


def test_strict_fields_piece_by_piece_are_the_whole_body_match() -> None:
    """`_strict_fields` (cached row by row) answers as one strict match and one findall of
    the whole body: on every corpus body, on each with a bad token put into one row, and
    again once its pieces are cached."""
    bodies = _bodies()
    odd = b'<row r="1"><c r="A1"><v>1</v></c></row><!-- x --><row r="2"></row>'
    bodies += [(odd, False), (b"", False), (b'<row r="1"/>', False)]
    bodies += [(b'<row r="1"><c r="A1"><v>\x01</v></c></row>', False)]
    checked = 0
    for body, indented in bodies:
        # and the same body with one row made bad, after its pieces were cached
        cut = body.find(b"</row>")
        bad = body[:cut] + b"<x/>" + body[cut:] if cut >= 0 else body + b"<x/>"
        for text in (body, body, bad):
            pattern, fields = fast.strict_body(indented), fast.cell_fields(indented)
            whole = _prepared(fields.findall(text)) if pattern.fullmatch(text) else None
            assert _prepared_or_delegate(fast._strict_fields, text, 0, len(text), indented) == whole
            checked += whole is not None
    assert checked > 0


def test_a_bad_row_among_cached_rows_is_read_by_load_xlsx(tmp_path: Path) -> None:
    """A file repeating another's rows with one row that is not of the plain shape is read
    the careful way, with the same result."""
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>'
    good = make_xlsx(tmp_path / "a.xlsx", {"S": sheet_xml(rows)})
    odd = rows.replace('<c r="A2"><v>2</v></c>', '<c r="A2"><v>2</v><!-- n --></c>')
    bad = make_xlsx(tmp_path / "b.xlsx", {"S": sheet_xml(odd)})
    assert_same(good, delegates=False)
    assert_same(bad)
    assert load_xlsx_fast(bad).sheets[0].cells[(2, 1)].value == 2


def test_the_piece_cache_is_bounded_in_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fast, "_PIECES_BYTES", 200)
    # as a fresh worker has it: earlier tests may have cached these very rows, and a piece
    # already kept adds nothing, so the bound would never be reached
    monkeypatch.setattr(fast, "_PIECES_FLAT", {})
    monkeypatch.setattr(fast, "_PIECES_INDENTED", {})
    monkeypatch.setattr(fast, "_pieces_size", [0])
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, 40))
    path = make_xlsx(tmp_path / "a.xlsx", {"S": sheet_xml(rows)})
    for _ in range(2):
        assert_same(path, delegates=False)
        kept = sum(map(len, fast._PIECES_FLAT)) + sum(map(len, fast._PIECES_INDENTED))
        assert kept == fast._pieces_size[0] <= 200 + 64
