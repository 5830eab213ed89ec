"""formkit.read: every value back, typed, with the cell it came from."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from formkit.api import load_spec, read
from formkit.cells import Area, Cell
from formkit.forms import read_options
from formkit.read import read_many
from formkit.read.book import Book, RawCell, SheetData
from formkit.read.extract import extract
from formkit.read.submission import Submission
from formkit.read.xlsx import load_xlsx
from formkit.reference import load_reference
from tests.forms import expected_read, full_values, write_filled

SPEC = load_spec()
ALIASES = {a: u.name for u in load_reference().units for a in (*u.aliases, u.code)}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def filled(tmp_path: Path) -> Path:
    return write_filled(tmp_path / "filled.xlsx")


def _extract(book: Book) -> Submission:
    return extract(book, SPEC, Submission("mem.xlsx", "", "accepted"), aliases=ALIASES)


def test_every_value_reads_back_typed_with_its_cell(filled: Path) -> None:
    before = _sha(filled)
    sub = read(filled)
    assert sub.status == "accepted", sub.issues
    assert sub.values == expected_read(full_values())
    assert sub.form is not None and (sub.form.id, sub.form.version, sub.form.year) == (
        SPEC.id,
        SPEC.version,
        2006,
    )
    # provenance: the spec's cell, found by its defined name
    for f in SPEC.fields:
        if f.type == "group":
            continue
        src = sub.sources[f.id]
        assert (src.sheet, src.cell, src.located_by) == (
            SPEC.sheet(f.sheet).name,
            f.cell.a1,
            "name",
        ), f.id
    assert sub.sources["main_products[1].export_value"].ref == "第一项：基地基本情况!E9"
    assert sub.sources["attachments.development_plan"].ref == "续表三 龙头企业及附报材料!B19"
    assert sub.sources["fill_date"].raw is not None  # the raw value is always kept
    assert not [i for i in sub.issues if i.severity != "info"]
    assert _sha(filled) == before  # input never modified


@pytest.mark.parametrize("keep_parts", [True, False])
def test_the_bytes_the_gate_checked_are_the_bytes_read(
    filled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keep_parts: bool
) -> None:
    """A file replaced between the gate and the parse (a sync client, a second copy) is
    not parsed unchecked: the reader parses what the gate read, hashed and vetted."""
    import dataclasses as dc

    from formkit.read import gate as gate_module

    inspect = gate_module.inspect_file
    expected = read(filled)
    other = write_filled(tmp_path / "other.xlsx", {**full_values(), "applicant_name": "另一个基地"})

    def inspect_then_replace(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        result = inspect(path, *args, **kwargs)
        Path(path).write_bytes(other.read_bytes())
        return result if keep_parts else dc.replace(result, parts=None)

    monkeypatch.setattr(gate_module, "inspect_file", inspect_then_replace)
    sub = read(filled)
    assert (sub.status, sub.sha256, sub.values) == ("accepted", expected.sha256, expected.values)


def test_json_contract_shape(filled: Path) -> None:
    doc = read(filled).to_json()
    assert set(doc) >= {"file", "sha256", "status", "form", "values", "provenance", "issues"}
    assert doc["values"]["fill_date"] == "2006-04-20"
    assert doc["values"]["has_policy"] is True
    assert doc["values"]["existing_base_type"] == "国家高新技术产品出口基地"
    assert doc["values"]["main_products"][0] == {"name": "笔记本电脑", "export_value": 42000.0}
    assert doc["provenance"]["export_value"] == "第一项：基地基本情况!C5"
    json.dumps(doc)  # serialisable as is


def _book(path: Path) -> Book:
    return load_xlsx(path)


def test_missing_names_fall_back_to_labels_with_a_warning(filled: Path) -> None:
    book = _book(filled)
    book.names = {}
    sub = _extract(book)
    assert sub.status == "accepted"
    assert sub.values == expected_read(full_values())
    assert sub.located["export_value"] == "label"
    warned = {i.field for i in sub.issues if i.code == "name_missing"}
    assert "export_value" in warned and "hitech_export_growth" in warned
    # the second "出口增速(%)" is the high-tech one
    assert sub.sources["hitech_export_growth"].cell == "E6"


@pytest.mark.parametrize(("first", "second"), [(1, True), (True, 1), (1, 1.0), ("1", 1)])
def test_equal_raw_values_of_other_types_are_coerced_each_their_own_way(
    filled: Path, first: object, second: object
) -> None:
    """Coercions are remembered across files; 1, 1.0, True and "1" must not share one."""
    where = SPEC.field("export_value")
    sheet_name = SPEC.sheet(where.sheet).name
    results = []
    for raw in (first, second, first):
        book = _book(filled)
        sheet = book.sheet(sheet_name)
        assert sheet is not None
        cell = sheet.cells[(where.cell.row, where.cell.col)]
        sheet.cells[(where.cell.row, where.cell.col)] = dataclasses.replace(cell, value=raw)
        sub = _extract(book)
        results.append((sub.values["export_value"], sub.sources["export_value"].how))
        if isinstance(raw, bool):  # a TRUE in a number cell is refused, not read as 1
            assert sub.values["export_value"] is None
            assert any(i.field == "export_value" for i in sub.issues)
        else:
            assert sub.values["export_value"] == 1
    assert results[0] == results[2]


def _shift(book: Book, sheet_name: str, at_row: int, by: int) -> None:
    """Insert `by` rows above `at_row`, as Excel does: cells, merges and names move down."""
    sheet = book.sheet(sheet_name)
    assert sheet is not None

    def move(cell: Cell) -> Cell:
        return Cell(cell.row + by, cell.col) if cell.row >= at_row else cell

    sheet.cells = {(move(Cell(r, c)).row, c): v for (r, c), v in sheet.cells.items()}
    for name, target in list(book.names.items()):
        if target.sheet == sheet_name and target.area is not None:
            a = target.area
            book.names[name] = dataclasses.replace(target, area=Area(move(a.first), move(a.last)))


def test_rows_inserted_above_are_followed_by_names(filled: Path) -> None:
    book = _book(filled)
    _shift(book, "第一项：基地基本情况", 2, 3)
    sub = _extract(book)
    assert sub.values == expected_read(full_values())
    assert sub.sources["export_value"].cell == "C8"
    assert any(i.code == "name_moved" and i.field == "export_value" for i in sub.issues)


def test_shifted_rows_without_names_are_found_by_label(filled: Path) -> None:
    book = _book(filled)
    _shift(book, "第一项：基地基本情况", 2, 3)
    book.names = {}
    sub = _extract(book)
    assert sub.values == expected_read(full_values())
    assert sub.sources["employees"].cell == "G9"


def test_a_renamed_sheet_is_found(filled: Path) -> None:
    book = _book(filled)
    sheet = book.sheet("续表一 申报信息")
    assert sheet is not None
    sheet.name = "申报信息"
    book.names = {
        k: dataclasses.replace(v, sheet="申报信息") if v.sheet == "续表一 申报信息" else v
        for k, v in book.names.items()
    }
    sub = _extract(book)
    assert sub.values["province"] == "江苏省"
    assert sub.sources["province"].sheet == "申报信息"
    assert any(i.code == "sheet_renamed" for i in sub.issues)


def test_rows_inserted_inside_a_table_and_blank_rows_skipped(filled: Path) -> None:
    book = _book(filled)
    base = book.sheet("第一项：基地基本情况")
    assert base is not None
    # two more products after a blank row, below the ten ready rows and the 续表 block
    _shift(book, "第一项：基地基本情况", 30, 2)  # rows inserted above the note
    base.cells[(11, 2)] = RawCell("光纤")
    base.cells[(11, 5)] = RawCell(100)
    base.cells[(31, 2)] = RawCell("软件")
    base.cells[(31, 5)] = RawCell(50.5)
    sub = _extract(book)
    names = [p["name"] for p in sub.values["main_products"]]
    assert names == ["笔记本电脑", "液晶显示器", "光纤", "软件"]
    assert sub.sources["main_products[2].name"].cell == "B11"  # row 10 blank, skipped
    assert sub.sources["main_products[3].name"].cell == "B31"


def test_a_started_table_row_names_the_columns_it_lacks(filled: Path) -> None:
    book = _book(filled)
    base = book.sheet("第一项：基地基本情况")
    assert base is not None
    base.cells[(11, 2)] = RawCell("光纤")  # a product without its export value
    sub = _extract(book)
    issues = [i for i in sub.issues if i.code == "table_row_incomplete"]
    assert [(i.field, i.cell) for i in issues] == [("main_products", "11")]
    label = next(c.label for c in SPEC.table("main_products").columns if c.id == "export_value")
    assert f"“{label}”" in issues[0].message
    assert sub.values["main_products"][2] == {"name": "光纤", "export_value": None}


def test_a_copied_first_sheet_is_read_in_order(filled: Path) -> None:
    book = _book(filled)
    base = book.sheet("第一项：基地基本情况")
    assert base is not None
    copy = SheetData(name="第一项：基地基本情况 (2)", cells=dict(base.cells))
    for r in range(8, 30):
        copy.cells.pop((r, 2), None)
        copy.cells.pop((r, 5), None)
    copy.cells[(8, 2)] = RawCell("集成电路")
    copy.cells[(8, 5)] = RawCell(9000)
    copy.cells[(5, 3)] = RawCell(99.0)  # differs from the original's 出口额
    book.sheets.insert(book.sheets.index(base) + 1, copy)
    sub = _extract(book)
    assert [p["name"] for p in sub.values["main_products"]] == [
        "笔记本电脑",
        "液晶显示器",
        "集成电路",
    ]
    assert sub.sources["main_products[2].name"].ref == "第一项：基地基本情况 (2)!B8"
    assert sub.values["export_value"] == 12.5
    assert any(i.code == "copy_value_differs" and i.cell == "C5" for i in sub.issues)
    assert any(i.code == "sheet_copy_read" for i in sub.issues)


def test_formula_without_cached_value(filled: Path) -> None:
    book = _book(filled)
    base = book.sheet("第一项：基地基本情况")
    assert base is not None
    base.cells[(5, 3)] = RawCell(None, formula="C6*2", cached=False)
    sub = _extract(book)
    issue = next(i for i in sub.issues if i.code == "formula_not_cached")
    assert (issue.field, issue.cell, issue.severity) == ("export_value", "C5", "error")
    assert sub.values["export_value"] is None  # never read as 0


def test_growth_formulas_without_cache_are_computed(filled: Path) -> None:
    book = _book(filled)
    assert book.stale_formulas  # xlsxwriter asks Excel to recalculate on load
    sub = _extract(book)
    assert sub.values["history"][1]["export_growth"] == 25.0
    assert sub.values["history"][2]["hitech_export_growth"] == 37.5
    src = sub.sources["history[1].export_growth"]
    assert (src.cell, src.how) == ("D5", "computed") and str(src.raw).startswith("=IF(")


def test_cell_error_is_reported(filled: Path) -> None:
    book = _book(filled)
    base = book.sheet("第一项：基地基本情况")
    assert base is not None
    base.cells[(4, 5)] = RawCell(None, error="#DIV/0!")
    sub = _extract(book)
    assert any(i.code == "cell_error" and i.cell == "E4" for i in sub.issues)


@pytest.mark.parametrize(
    ("version", "code", "status"),
    [("0.9", "form_version_incompatible", "rejected"), ("1.0", None, "accepted")],
)
def test_form_version(filled: Path, version: str, code: str | None, status: str) -> None:
    book = _book(filled)
    meta = book.sheet("formkit")
    assert meta is not None
    meta.cells[(3, 2)] = RawCell(version)
    sub = _extract(book)
    assert sub.status == status
    if code:
        assert sub.issues[0].code == code


def test_other_form_is_rejected(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "年龄"])  # type: ignore[union-attr]
    wb.active.append(["张三", 30])  # type: ignore[union-attr]
    path = tmp_path / "other.xlsx"
    wb.save(path)
    sub = read(path)
    assert sub.status == "rejected" and sub.issues[0].code == "not_this_form"


def test_people_style_sample_reads_as_meant() -> None:
    root = Path(__file__).resolve().parent.parent
    sub = read(root / "samples" / "05-辽宁省-沈阳市-新申报-手工录入.xlsx")
    v = sub.values
    assert sub.status == "accepted"
    assert v["province"] == "辽宁省"
    assert v["export_value"] == 3.5 and v["hitech_export_value"] == 0.8
    assert v["sales_total"] == 1234.5 and v["enterprise_count"] == 210
    assert v["fill_date"].isoformat() == "2006-04-20"
    assert v["contact_phone"] == "024-23456789-123"
    assert v["main_products"][1]["export_value"] == 2000.0
    codes = {(i.code, i.field) for i in sub.issues}
    assert ("unit_converted", "hitech_export_value") in codes
    assert ("approximate", "profit_tax_total") in codes
    assert ("choice_alias", "province") in codes


def _zip_replace(src: Path, dst: Path, part: str, data: bytes) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, data if item.filename == part else zin.read(item.filename))


def test_batch_survives_bad_files_and_accounts_for_each(tmp_path: Path, filled: Path) -> None:
    files = [filled]
    (tmp_path / "notes.docx").write_bytes(_docx())
    (tmp_path / "empty.xlsx").write_bytes(b"")
    (tmp_path / "cut.xlsx").write_bytes(filled.read_bytes()[:3000])
    (tmp_path / "image.xls").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    files += [tmp_path / n for n in ("notes.docx", "empty.xlsx", "cut.xlsx", "image.xls")]
    # a cell at XFD1048576: a bounded reader ignores it, with a warning
    with zipfile.ZipFile(filled) as z:
        sheet = z.read("xl/worksheets/sheet2.xml")
    far = sheet.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    )
    _zip_replace(filled, tmp_path / "far.xlsx", "xl/worksheets/sheet2.xml", far)
    files.append(tmp_path / "far.xlsx")
    hashes = {p: _sha(p) for p in files}
    results = list(read_many(files, read_options(timeout=60), jobs=2))
    assert [r.file for r in results] == [str(p) for p in files]
    by_name = {Path(r.file).name: r for r in results}
    assert by_name["filled.xlsx"].status == "accepted"
    assert by_name["far.xlsx"].status == "accepted"
    assert any(i.code == "values_outside_form" for i in by_name["far.xlsx"].issues)
    for name, code in [
        ("notes.docx", "not_spreadsheet"),
        ("empty.xlsx", "empty"),
        ("cut.xlsx", "truncated"),
        ("image.xls", "not_spreadsheet"),
    ]:
        assert by_name[name].status == "rejected" and by_name[name].issues[0].code == code, name
    assert {p: _sha(p) for p in files} == hashes


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def test_read_many_equals_read(filled: Path) -> None:
    [pooled] = list(read_many([filled], read_options()))
    assert pooled.to_json() == read(filled).to_json()


def test_xls_blank_growth_is_not_zero(tmp_path: Path) -> None:
    """A LibreOffice .xls stores the growth formula's "" as 0: with no history it reads as empty."""
    from formkit.read.book import RawCell
    from formkit.template import build_template

    path = tmp_path / "blank.xlsx"
    path.write_bytes(build_template())
    book = load_xlsx(path)
    hist = book.sheet("续表二 出口情况与评估条件")
    assert hist is not None
    for r in (5, 6):
        for c in (4, 5):
            hist.cells[(r, c)] = RawCell(0.0)  # what xlrd gives for that .xls
    sub = _extract(book)
    assert [row["export_growth"] for row in sub.values["history"]] == [None, None, None]


def test_formkit_read_is_callable_every_time(filled: Path) -> None:
    """The public API `formkit.read(path)` keeps working after the package is imported."""
    import formkit

    first = formkit.read(filled)
    import formkit.read as package  # the subpackage of the same name

    second = formkit.read(filled)
    assert package(filled).to_json() == first.to_json() == second.to_json()


def test_template_of_another_year_is_a_warning(filled: Path) -> None:
    sub = read(filled, read_options(year=2007))
    assert sub.status == "accepted"
    assert [i.code for i in sub.issues if i.severity == "warning"] == ["form_year_mismatch"]


RICH_TEXT_SHAPED = [
    "<r>abc</r>",
    "<r><t>x</t></r>",
    "<r><t>x</t></r></si><si><t>injected</t></si><si><r><t>y</t></r>",
    "<r> spaced </r>",
]


@pytest.mark.parametrize("text", RICH_TEXT_SHAPED)
def test_text_shaped_like_rich_text_xml_is_written_and_read_as_typed(
    tmp_path: Path, text: str
) -> None:
    """xlsxwriter writes "<r>...</r>" text unescaped as rich-text XML: a name like that in
    a roster or a pre-filled form must neither break the workbook nor add to it."""
    import openpyxl

    path = write_filled(tmp_path / "rich.xlsx", {**full_values(), "applicant_name": text})
    assert openpyxl.load_workbook(path)  # well-formed
    sub = read(path)
    assert sub.status == "accepted", sub.issues
    assert sub.values["applicant_name"] == text.strip()
    strings = zipfile.ZipFile(path).read("xl/sharedStrings.xml").decode()
    assert "injected</t></si>" not in strings
