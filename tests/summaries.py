"""Reading a summary workbook back in tests, apart from the roll-up's own reader: a table
sheet's rows by header, with the machine columns (代码, SHA-256) that the summary keeps in
its hidden sheet by 序号 (formkit.summary.MACHINE)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl


def _book(source: Path | Any) -> Any:
    return openpyxl.load_workbook(source) if isinstance(source, Path) else source


def machine_rows(source: Path | Any) -> dict[tuple[str, int], dict[str, Any]]:
    """(sheet, 序号) -> {"code", "sha256"} from the very hidden sheet formkit, column D on;
    of a summary file or an openpyxl workbook of one."""
    ws = _book(source)["formkit"]
    assert ws.sheet_state == "veryHidden"
    rows = [r[3:] for r in ws.iter_rows(values_only=True)]
    header = rows[0]
    assert header[:4] == ("sheet", "no", "code", "sha256")
    return {
        (str(r[0]), int(r[1])): {k: v for k, v in zip(header[2:4], r[2:4], strict=True) if v}
        for r in rows[1:]
        if r[0]
    }


def rows_of(source: Path | Any, sheet: str, header_row: int = 2) -> list[dict[str, Any]]:
    """A table sheet's rows as {header: value}, with "代码" and "SHA-256" from the hidden
    sheet where the row has them."""
    book = _book(source)
    ws = book[sheet]
    header = [c.value for c in ws[header_row]]
    machine = machine_rows(book)
    out = []
    for values in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if not any(v not in (None, "") for v in values):
            continue
        row = {str(h): v for h, v in zip(header, values, strict=False) if h}
        no = row.get("序号")
        extra = machine.get((sheet, no), {}) if isinstance(no, int) else {}
        if "code" in extra:
            row["代码"] = extra["code"]
        if "sha256" in extra:
            row["SHA-256"] = extra["sha256"]
        out.append(row)
    return out
