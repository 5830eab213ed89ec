"""A copied 第一项 (注:本表可以复制、可以加页), filled in LibreOffice as a person would.

The person fills 第一项 with four products, copies the sheet (the copy carries the header
and the four products), types two more products on the copy, types 从业人员 only on the
copy, and changes 企业数 on the copy. The reader must count the carried rows once (a
warning each), read the two new products, take 从业人员 from the copy (said so) and refuse
the differing 企业数 with an error naming both cells: nothing typed on the copy is dropped.

The same session types “20%” into 出口增速, the way LibreOffice users write a percentage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from formkit.api import load_spec
from formkit.check import check_file
from formkit.forms import read_options
from formkit.read.submission import Submission
from formkit.template import build_template
from tests.forms import full_values
from tests.test_real_client import _typed, run_uno_fill
from tests.test_real_client import uno_python as uno_python  # the fixture

pytestmark = pytest.mark.libreoffice

BASE = "第一项：基地基本情况"
COPY = "第一项：基地基本情况 (2)"
ORIGINAL = [
    ("笔记本电脑", "42000"),
    ("液晶显示器", "21000.5"),
    ("服务器", "15800"),
    ("硬盘", "9600"),
]
ON_COPY = [("数码相机", "7300.75"), ("打印机", "5200")]
FORMATS = ("xlsx", "ods")


def _steps() -> list[dict[str, Any]]:
    spec = load_spec()
    values = full_values()
    steps: list[dict[str, Any]] = []

    def type_(sheet: str, cell: str, text: str) -> None:
        steps.append({"op": "type", "sheet": sheet, "cell": cell, "text": text})

    for f in spec.fields:
        sheet = spec.sheet(f.sheet).name
        if f.id == "employees":
            continue  # typed on the copy only
        if f.id == "export_growth":
            type_(sheet, f.cell.a1, "25%")  # 10 -> 12.5 in the history: 25%
            continue
        if f.type == "group":
            for item in f.items:
                type_(sheet, item.cell.a1, _typed(values[f.id][item.id]))
        else:
            type_(sheet, f.cell.a1, _typed(values[f.id]))
    for i, (name, value) in enumerate(ORIGINAL):
        type_(BASE, f"B{8 + i}", name)
        type_(BASE, f"E{8 + i}", value)
    names = [s.name for s in spec.sheets]
    steps.append(
        {"op": "copy_sheet", "sheet": BASE, "new_name": COPY, "index": names.index(BASE) + 1}
    )
    for i, (name, value) in enumerate(ON_COPY):
        type_(COPY, f"B{8 + len(ORIGINAL) + i}", name)
        type_(COPY, f"E{8 + len(ORIGINAL) + i}", value)
    type_(COPY, "G6", "96000")  # 从业人员, blank on the original
    type_(COPY, "C4", "600")  # 企业数: 520 on the original
    for t in spec.tables:
        if t.id == "main_products":
            continue
        sheet = spec.sheet(t.sheet).name
        for row, record in zip(t.input_rows, values[t.id], strict=False):
            for col in t.input_columns:
                type_(sheet, f"{chr(64 + col.first_col)}{row}", _typed(record[col.id]))
    return steps


@pytest.fixture(scope="module")
def saved(
    soffice: str,
    uno_python: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("copied-sheet")
    template = work / "申报书.xlsx"
    template.write_bytes(build_template())
    outputs = {fmt: work / "out" / f"复制.{fmt}" for fmt in FORMATS}
    run_uno_fill(uno_python, soffice, work, template, outputs, _steps(), 120)
    return outputs


@pytest.fixture(scope="module", params=FORMATS)
def checked(request: pytest.FixtureRequest, saved: dict[str, Path]) -> Submission:
    return check_file(saved[request.param], read_options())


def test_carried_rows_count_once_and_say_so(checked: Submission) -> None:
    products = [(p["name"], p["export_value"]) for p in checked.values["main_products"]]
    assert products == [(n, float(v)) for n, v in ORIGINAL + ON_COPY]
    dups = [i for i in checked.issues if i.code == "copy_row_duplicate"]
    assert [(i.severity, i.sheet, i.cell) for i in dups] == [
        ("warning", COPY, f"B{8 + i}") for i in range(len(ORIGINAL))
    ]
    # the new products point at the copy's rows
    assert checked.sources["main_products[4].name"].ref == f"{COPY}!B12"


def test_nothing_typed_on_the_copy_is_dropped(checked: Submission) -> None:
    # blank on the original, typed on the copy: used, from the copy's cell, and said so
    assert checked.values["employees"] == 96000
    assert checked.sources["employees"].ref == f"{COPY}!G6"
    used = [i for i in checked.issues if i.code == "copy_value_used"]
    assert [(i.sheet, i.cell) for i in used] == [(COPY, "G6")]
    # different on the two sheets: an error naming both cells; the verdict waits for it
    differs = [i for i in checked.issues if i.code == "copy_value_differs"]
    assert [(i.severity, i.sheet, i.cell) for i in differs] == [("error", COPY, "C4")]
    assert f"{BASE}!C4" in differs[0].message and "600" in differs[0].message
    quality = next(c for c in checked.criteria if c["id"] == "data_errors")
    assert quality["status"] == "unknown"


def test_a_percentage_typed_with_its_sign(checked: Submission) -> None:
    """“25%” typed into the template's 0.00-formatted 出口增速 is stored as 0.25: the reader
    cannot know 25 was meant, so the value stays and a hint suggests 25."""
    assert checked.values["export_growth"] == 0.25
    assert checked.sources["export_growth"].how == "number"
    hint = next(i for i in checked.issues if i.code == "percent_looks_fraction")
    assert (hint.cell, hint.params["percent"]) == ("E5", "25")
    mismatch = next(i for i in checked.issues if i.code == "growth_mismatch" and i.cell == "E5")
    assert "应填 25" in mismatch.message
