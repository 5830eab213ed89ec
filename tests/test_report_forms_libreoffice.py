"""The report forms in LibreOffice, the real client: a 季度数据报表 typed in cell by cell
(with a key enterprise in an inserted row) and saved as .xlsx, .xls and .ods reads back
exactly; the blank and full-length templates print on a fixed number of pages with every
character of a 1500-character section on paper."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from formkit.api import read, validate
from formkit.cells import col_letter
from formkit.forms import load_form_spec
from formkit.read import Submission
from formkit.template import build_template
from tests.libreoffice import convert
from tests.report_forms import JIDU, NIANBAO, jidu_values, nianbao_values
from tests.test_real_client import _typed, run_uno_fill, uno_python

pytestmark = pytest.mark.libreoffice
__all__ = ["uno_python"]  # the fixture, shared with the 申报书's real-client test

YEAR = 2007
FORMATS = ("xlsx", "xls", "ods")
# one more key enterprise, typed into a row inserted between the two typed ones
INSERTED: dict[str, Any] = {
    "name": "示例医药集团有限公司",
    "export_value_q": 1200.0,
    "export_value_ytd": 2300.5,
    "hitech_export_value_q": 800.0,
    "hitech_export_value_ytd": 1500.0,
    "export_growth": None,  # optional columns left blank
    "main_markets": None,
    "own_brand": True,
}


def _plan() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    spec = load_form_spec(JIDU)
    values = jidu_values()
    steps: list[dict[str, Any]] = []

    def type_(sheet: str, cell: str, value: Any) -> None:
        if value is not None:
            steps.append({"op": "type", "sheet": sheet, "cell": cell, "text": _typed(value)})

    for f in spec.fields:
        type_(spec.sheet(f.sheet).name, f.cell.a1, values[f.id])
    table = spec.table("key_enterprises")
    sheet = spec.sheet(table.sheet).name
    first = table.blocks[0].first.row

    def type_row(row: int, record: dict[str, Any]) -> None:
        for c in table.input_columns:
            type_(sheet, f"{col_letter(c.first_col)}{row}", record[c.id])

    enterprises = values["key_enterprises"]
    for i, record in enumerate(enterprises):
        type_row(first + i, record)
    steps.append({"op": "insert_rows", "sheet": sheet, "before_row": first + 1, "count": 1})
    type_row(first + 1, INSERTED)
    values["key_enterprises"] = [enterprises[0], INSERTED, enterprises[1]]
    return steps, values


@pytest.fixture(scope="module")
def filled(
    soffice: str, uno_python: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    steps, _ = _plan()
    return _fill(soffice, uno_python, tmp_path_factory.mktemp("jidu-real-client"), JIDU, steps)


def _fill(
    soffice: str, uno_python: str, work: Path, form_id: str, steps: list[dict[str, Any]]
) -> dict[str, Path]:
    """Type `steps` into the blank template in LibreOffice; the workbook saved in each format."""
    template = work / "blank.xlsx"
    template.write_bytes(build_template(load_form_spec(form_id), year=YEAR))
    outputs = {fmt: work / "out" / f"filled.{fmt}" for fmt in FORMATS}
    report = run_uno_fill(uno_python, soffice, work, template, outputs, steps, 180)
    assert report["office"] == "terminated" and report["unprotected_for"] == []
    return outputs


@pytest.fixture(scope="module", params=FORMATS)
def submission(request: pytest.FixtureRequest, filled: dict[str, Path]) -> tuple[str, Submission]:
    return request.param, validate(read(filled[request.param]))


def _annual_plan() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every field of the 年度工作报告 typed, each text section at its 1500-character limit
    with line breaks between paragraphs."""
    spec = load_form_spec(NIANBAO)
    values = nianbao_values()
    for i, fid in enumerate(("work_progress", "work_results", "work_problems", "next_year_plan")):
        values[fid] = _section_text(f"第{i + 1}节完。")
    steps = [
        {"op": "type", "sheet": spec.sheet(f.sheet).name, "cell": f.cell.a1, "text": _typed(v)}
        for f in spec.fields
        if (v := values[f.id]) is not None
    ]
    return steps, values


@pytest.fixture(scope="module")
def annual(
    soffice: str, uno_python: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    steps, _ = _annual_plan()
    work = tmp_path_factory.mktemp("nianbao-real-client")
    return _fill(soffice, uno_python, work, NIANBAO, steps)


@pytest.mark.parametrize("fmt", FORMATS)
def test_typed_annual_report_reads_back_exactly(annual: dict[str, Path], fmt: str) -> None:
    """四(四): four sections of 1500 characters, typed in LibreOffice, read back whole."""
    sub = validate(read(annual[fmt]))
    assert sub.status == "accepted", sub.issues
    assert sub.form is not None and sub.form.id == NIANBAO
    _, expected = _annual_plan()
    assert dict(sub.values) == {k: expected[k] for k in load_form_spec(NIANBAO).ids}
    assert len(sub.values["work_progress"]) == 1500
    assert [i for i in sub.issues if i.severity != "info"] == []


def test_typed_quarterly_report_reads_back_exactly(submission: tuple[str, Submission]) -> None:
    """四(四): what a base types into the quarterly form is what the province reads."""
    fmt, sub = submission
    assert sub.status == "accepted", sub.issues
    assert sub.format == fmt and sub.form is not None and sub.form.id == JIDU
    _, expected = _plan()
    assert dict(sub.values) == {k: expected[k] for k in load_form_spec(JIDU).ids}
    assert [i for i in sub.issues if i.severity != "info"] == []


def test_inserted_enterprise_row_points_at_its_real_row(
    submission: tuple[str, Submission],
) -> None:
    _, sub = submission
    assert sub.sources["key_enterprises[1].export_value_q"].cell == "B5"
    assert sub.sources["key_enterprises[2].export_value_q"].cell == "B6"


# ---------------------------------------------------------------- print


def _pdf(src: Path, tmp_path: Path) -> tuple[int, str]:
    """(pages, text) of LibreOffice's PDF of `src`."""
    if shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdfinfo, pdftotext) are not installed")
    pdf = convert(src, "pdf", tmp_path / "pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(next(x for x in info.stdout.splitlines() if x.startswith("Pages:")).split()[1])
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return pages, text


def _section_text(marker: str, length: int = 1500) -> str:
    """A section of exactly `length` characters, in paragraphs, ending with `marker`."""
    para = (
        "本年度基地围绕扩大高新技术产品出口，组织企业参加国际展会，建设公共服务平台，新获国际认证。"
    )
    body = ""
    while len(body) < length:
        body += para + ("\n" if len(body) % 300 < len(para) else "")
    return body[: length - len(marker)] + marker


@pytest.mark.parametrize(("form_id", "pages"), [(JIDU, 3), (NIANBAO, 5)])
def test_blank_template_pages(soffice: str, tmp_path: Path, form_id: str, pages: int) -> None:
    """季度数据报表: 季度数据, 重点企业, 重要信息 one page each; 年度工作报告: the figures
    and each of the four text sections on a page of its own."""
    src = tmp_path / f"{form_id}.xlsx"
    src.write_bytes(build_template(load_form_spec(form_id), year=YEAR))
    got, text = _pdf(src, tmp_path)
    assert got == pages
    assert "第 1 页，共" in text


@pytest.mark.parametrize(
    ("form_id", "sections", "pages"),
    [
        (JIDU, ("important_info",), 3),
        (NIANBAO, ("work_progress", "work_results", "work_problems", "next_year_plan"), 5),
    ],
)
def test_full_length_sections_print_whole(
    soffice: str, tmp_path: Path, form_id: str, sections: tuple[str, ...], pages: int
) -> None:
    """Each text section at its limit of 1500 characters prints whole, on its own page."""
    values = {fid: _section_text(f"第{i}节完。") for i, fid in enumerate(sections, 1)}
    src = tmp_path / f"{form_id}-full.xlsx"
    src.write_bytes(build_template(load_form_spec(form_id), year=YEAR, values=values))
    got, text = _pdf(src, tmp_path)
    assert got == pages
    flat = "".join(text.split())
    for i, _ in enumerate(sections, 1):
        assert f"第{i}节完。" in flat
