"""The real client: LibreOffice fills the blank template as a person would, saves it three ways.

One headless LibreOffice session (driven through UNO by tests/uno_fill.py, run with the
system python that has LibreOffice's `uno` module) opens the blank 申报书.xlsx and:

- types every input as a person types it ("12.5", "2006-4-20", "江苏省", "是", ...) with
  cell.setFormula, so LibreOffice interprets the entry like keyboard input;
- copies the 第一项 sheet (注:本表可以复制) once the header is filled, and types two more
  products on the copy;
- inserts two rows in the middle of the main products table (between the two products
  already typed: the second one moves down) and types products into them;
- saves as .xlsx, .xls and .ods.

Each saved file must read back exactly what was entered, products in worksheet order
(original sheet, then the copy), with provenance at the cells where they really are, and
the history growth read from LibreOffice's own recalculated formula results.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from formkit.api import load_spec, read
from formkit.cells import col_letter
from formkit.read import Submission
from formkit.template import build_template
from tests.forms import expected_read, full_values

pytestmark = pytest.mark.libreoffice

SYSTEM_PYTHON = "/usr/bin/python3"
UNO_FILL = Path(__file__).with_name("uno_fill.py")
FORMATS = ("xlsx", "xls", "ods")
RUN_TIMEOUT = 120.0

BASE = "第一项：基地基本情况"
COPY = "第一项：基地基本情况 (2)"

# main products, as typed: (name, export value in 万美元)
ORIGINAL = [("笔记本电脑", "42000"), ("液晶显示器", "21000.5")]
INSERTED = [("服务器", "15800.25"), ("移动硬盘", "9600")]  # two rows inserted before row 9
ON_COPY = [("数码相机", "7300.75"), ("打印机", "5200")]
INSERT_BEFORE = 9


def _typed(value: Any) -> str:
    """A value as a person types it into the cell."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        # the template's own hint: "输入日期，如 2006-4-20"
        return f"{value.year}-{value.month}-{value.day}"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _plan() -> tuple[list[dict[str, Any]], dict[str, Any], dict[int, str]]:
    """(steps for uno_fill.py, what the reader must give, product index -> cell of its name)."""
    spec = load_spec()
    values = full_values()
    steps: list[dict[str, Any]] = []

    def type_(sheet: str, cell: str, text: str) -> None:
        steps.append({"op": "type", "sheet": sheet, "cell": cell, "text": text})

    # scalar fields and group items: the header of 第一项 first, so the copy carries it
    for f in spec.fields:
        sheet = spec.sheet(f.sheet).name
        if f.type == "group":
            for item in f.items:
                type_(sheet, item.cell.a1, _typed(values[f.id][item.id]))
        else:
            type_(sheet, f.cell.a1, _typed(values[f.id]))

    # the person copies the filled 第一项 for more products, right after the original
    sheet_names = [s.name for s in spec.sheets]
    steps.append(
        {"op": "copy_sheet", "sheet": BASE, "new_name": COPY, "index": sheet_names.index(BASE) + 1}
    )

    products = spec.table("main_products")
    name_col = products.column("name").first_col
    value_col = products.column("export_value").first_col
    first_row = products.blocks[0].first.row

    def type_product(sheet: str, row: int, name: str, value: str) -> None:
        type_(sheet, f"{col_letter(name_col)}{row}", name)
        type_(sheet, f"{col_letter(value_col)}{row}", value)

    for i, (name, value) in enumerate(ORIGINAL):
        type_product(BASE, first_row + i, name, value)
    # rows inserted inside the first block, between the typed products
    steps.append(
        {"op": "insert_rows", "sheet": BASE, "before_row": INSERT_BEFORE, "count": len(INSERTED)}
    )
    for i, (name, value) in enumerate(INSERTED):
        type_product(BASE, INSERT_BEFORE + i, name, value)
    for i, (name, value) in enumerate(ON_COPY):
        type_product(COPY, first_row + i, name, value)

    # the tables of the supplementary sheets
    for t in spec.tables:
        if t.id == "main_products":
            continue
        sheet = spec.sheet(t.sheet).name
        for row, record in zip(t.input_rows, values[t.id], strict=False):
            for col in t.input_columns:
                type_(sheet, f"{col_letter(col.first_col)}{row}", _typed(record[col.id]))

    # worksheet order: original sheet top to bottom (inserted rows where they are), then the copy
    rows = {first_row + i: p for i, p in enumerate(ORIGINAL)}
    rows = {(r + len(INSERTED) if r >= INSERT_BEFORE else r): p for r, p in rows.items()}
    rows.update({INSERT_BEFORE + i: p for i, p in enumerate(INSERTED)})
    in_order = [rows[r] for r in sorted(rows)] + ON_COPY
    where = {i: f"{BASE}!{col_letter(name_col)}{r}" for i, r in enumerate(sorted(rows))}
    where.update(
        {
            len(rows) + i: f"{COPY}!{col_letter(name_col)}{first_row + i}"
            for i in range(len(ON_COPY))
        }
    )
    values["main_products"] = [{"name": n, "export_value": float(v)} for n, v in in_order]
    return steps, expected_read(values), where


@pytest.fixture(scope="module")
def uno_python() -> str:
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        pytest.skip(
            f"{SYSTEM_PYTHON} is not here: LibreOffice's UNO bridge needs the system python"
        )
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import uno"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env=_clean_env(),
    )
    if probe.returncode != 0:
        why = (probe.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.skip(f"{SYSTEM_PYTHON} cannot `import uno` (Debian: install python3-uno): {why}")
    return SYSTEM_PYTHON


def run_uno_fill(
    uno_python: str,
    soffice: str,
    work: Path,
    template: Path,
    outputs: dict[str, Path],
    steps: list[dict[str, Any]],
    timeout: float = RUN_TIMEOUT,
) -> dict[str, Any]:
    """Type `steps` into `template` in LibreOffice through uno_fill.py, save it in each of
    `outputs`' formats; uno_fill.py's report. Its own session: if the script hangs, it and
    the office it started are killed together."""
    job = work / "job.json"
    job.write_text(
        json.dumps(
            {
                "soffice": soffice,
                "profile": str(work / "profile"),
                "input": str(template),
                "outputs": {fmt: str(p) for fmt, p in outputs.items()},
                "steps": steps,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [uno_python, str(UNO_FILL), str(job)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_clean_env(),
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"uno_fill.py took more than {timeout:.0f} s\n{out}\n{err}")
    assert proc.returncode == 0, f"uno_fill.py failed (rc={proc.returncode})\n{out}\n{err}"
    report: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return report


def _clean_env() -> dict[str, str]:
    """The environment without the venv's python settings (the system python runs the script)."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if k not in drop}


@dataclass(frozen=True)
class Filled:
    """The one LibreOffice session's results."""

    paths: dict[str, Path]  # format -> saved file
    report: dict[str, Any]  # uno_fill.py's report
    expected: dict[str, Any]  # what the reader must give
    where: dict[int, str]  # product index -> cell of its name
    seconds: float


@pytest.fixture(scope="module")
def filled(soffice: str, uno_python: str, tmp_path_factory: pytest.TempPathFactory) -> Filled:
    work = tmp_path_factory.mktemp("real-client")
    template = work / "申报书.xlsx"
    template.write_bytes(build_template())
    steps, expected, where = _plan()
    outputs = {fmt: work / "out" / f"申报书-已填.{fmt}" for fmt in FORMATS}
    start = time.monotonic()
    report = run_uno_fill(uno_python, soffice, work, template, outputs, steps, RUN_TIMEOUT)
    seconds = time.monotonic() - start
    print(
        f"LibreOffice fill: {seconds:.1f} s; {json.dumps(report, ensure_ascii=False)}",
        file=sys.stderr,
    )
    for fmt, p in outputs.items():
        assert p.exists() and p.stat().st_size > 0, f"LibreOffice did not save {fmt}"
    return Filled(outputs, report, expected, where, seconds)


def test_libreoffice_did_the_work(filled: Filled) -> None:
    report = filled.report
    assert report["office"] == "terminated"
    assert COPY in report["sheets"]
    assert report["sheets"].index(COPY) == report["sheets"].index(BASE) + 1
    # the template allows inserting rows: LibreOffice inserted them under protection
    assert report["unprotected_for"] == []
    assert all(report["protected"].values())
    assert filled.seconds < 60
    # and the saved .xlsx still lets the next person insert rows (sheetProtection insertRows=0)
    book = openpyxl.load_workbook(filled.paths["xlsx"])
    for name in (BASE, COPY):
        assert book[name].protection.sheet and book[name].protection.insertRows is False


@pytest.fixture(scope="module", params=FORMATS)
def submission(request: pytest.FixtureRequest, filled: Filled) -> tuple[str, Submission]:
    fmt: str = request.param
    return fmt, read(filled.paths[fmt])


def test_reads_back_exactly_what_was_typed(
    submission: tuple[str, Submission], filled: Filled
) -> None:
    fmt, sub = submission
    assert sub.status == "accepted", sub.issues
    assert sub.format == fmt
    errors = [i for i in sub.issues if i.severity == "error"]
    assert errors == []
    expected = filled.expected
    got = dict(sub.values)
    # growth is LibreOffice's result of ROUND(...,2): compare at two decimals
    history = [dict(r) for r in got.pop("history")]
    for row in history:
        for key in ("export_growth", "hitech_export_growth"):
            if isinstance(row[key], float | int):
                row[key] = round(row[key], 2)
    want = dict(expected)
    assert history == want.pop("history")
    for key, value in want.items():
        assert got.get(key) == value, f"{fmt}: {key}: expected {value!r}, got {got.get(key)!r}"
    assert set(got) == set(want)
    # LibreOffice interpreted the typing: a date, numbers and text, not all text
    assert sub.sources["fill_date"].how == "date", sub.sources["fill_date"]
    assert isinstance(sub.sources["fill_date"].raw, dt.date)
    for key in ("export_value", "profit_tax_total", "main_products[3].export_value"):
        assert sub.sources[key].how == "number", (key, sub.sources[key])
    # a text-formatted cell keeps what was typed as text, leading zero and all
    assert sub.sources["contact_phone"].raw == "025-83301234", sub.sources["contact_phone"]


def test_products_point_at_their_real_rows(
    submission: tuple[str, Submission], filled: Filled
) -> None:
    fmt, sub = submission
    refs = {i: sub.sources[f"main_products[{i}].name"].ref for i in filled.where}
    assert refs == filled.where, fmt
    # spelled out: an inserted product, the original one pushed down from row 9 to 11,
    # the first product on the copy
    assert sub.values["main_products"][1]["name"] == "服务器"
    assert sub.sources["main_products[1].name"].ref == f"{BASE}!B9"
    assert sub.sources["main_products[1].export_value"].ref == f"{BASE}!E9"
    assert sub.values["main_products"][3]["name"] == "液晶显示器"
    assert sub.sources["main_products[3].name"].ref == f"{BASE}!B11"
    assert sub.sources["main_products[3].export_value"].ref == f"{BASE}!E11"
    assert sub.sources["main_products[4].name"].ref == f"{COPY}!B8"
    assert sub.sheet_names["base"] == BASE
    assert any(i.code == "sheet_copy_read" for i in sub.issues)
    # the copy carries the same header as the original: nothing differs
    assert not [i for i in sub.issues if i.code == "copy_value_differs"]


def test_growth_is_libreoffice_recalculated(submission: tuple[str, Submission]) -> None:
    fmt, sub = submission
    # the blank template caches "" in every growth formula: a number can only be LibreOffice's
    for i in (1, 2):
        for key in ("export_growth", "hitech_export_growth"):
            src = sub.sources[f"history[{i}].{key}"]
            assert isinstance(src.raw, float | int), (fmt, i, key, src)
            # .xls: xlrd gives cached results without formula text, so the reader says "number"
            assert src.how == ("number" if fmt == "xls" else "formula-cached"), (fmt, src)
    assert sub.sources["history[1].export_growth"].ref == "续表二 出口情况与评估条件!D5"
