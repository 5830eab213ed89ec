"""Provincial summaries -> the ministry's national roll-up.

Reads only workbooks formkit wrote as provincial summaries (recognised by their metadata
sheet). Their table sheets are read back by the same column definitions that wrote them,
giving the records the summary was made from: the national 汇总表 equals a summary of all
the provinces' files at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formkit.read.book import Book, Bounds
from formkit.records import Col, columns, sort_key, unit_order
from formkit.reference import Reference, load_reference
from formkit.spec import FormSpec, load_spec
from formkit.summary import (
    APPS_SHEET,
    HEADER_ROW,
    ISSUE_COLS,
    ISSUES_SHEET,
    REJECTED_SHEET,
    SUMMARY_KIND,
    SUPERSEDED_SHEET,
    SummaryData,
    file_cols,
)

# summaries hold every application of a province: far more rows than a form
SUMMARY_BOUNDS = Bounds(max_row=1_000_000, max_col=400)


@dataclass
class RollupResult:
    data: SummaryData
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


class NotASummary(ValueError):
    """A file that is not a provincial summary written by formkit; the message says why."""


def read_summary(path: str | os.PathLike[str]) -> tuple[dict[str, Any], SummaryData]:
    """One provincial summary back as (metadata, SummaryData); raises NotASummary."""
    from formkit.read.gate import inspect_file
    from formkit.read.xlsx import XlsxError, load_xlsx

    try:
        gate = inspect_file(path)
    except OSError as exc:
        raise NotASummary(f"无法打开文件：{exc}") from None
    if not gate.ok or gate.kind not in ("xlsx", "xlsm"):
        raise NotASummary(gate.message or "不是 formkit 生成的汇总表（.xlsx）")
    try:
        book = load_xlsx(os.fspath(path), SUMMARY_BOUNDS)
    except XlsxError as exc:
        raise NotASummary(str(getattr(exc, "message", exc))) from None
    meta = _meta(book)
    if meta.get("formkit_summary_kind") != SUMMARY_KIND:
        raise NotASummary(
            "不是 formkit 生成的省级汇总表（缺少汇总表标识），请提交用 formkit summary 生成的文件"
        )
    year = int(meta.get("formkit_year") or 0)
    data = SummaryData(year=year, unit=str(meta.get("formkit_unit") or "") or None)
    data.applications = _rows(book, APPS_SHEET, columns(load_spec(), compact=True))
    data.issues = _rows(book, ISSUES_SHEET, ISSUE_COLS)
    rejected = _rows(book, REJECTED_SHEET, file_cols("未受理"))
    superseded = _rows(book, SUPERSEDED_SHEET, file_cols("已替代"))
    data.files = (
        [{**f, "status": "未受理"} for f in rejected]
        + [{**f, "status": "已替代"} for f in superseded]
        + [
            {
                "file": a.get("_file"),
                "sha256": a.get("_sha256"),
                "status": "汇总",
                "code": "",
                "detail": "",
            }
            for a in data.applications
        ]
    )
    return meta, data


def _meta(book: Book) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, target in book.names.items():
        if name.startswith("formkit_") and target.sheet and target.area:
            sheet = book.sheet(target.sheet)
            if sheet is not None:
                out[name] = sheet.value(target.area.first.row, target.area.first.col)
    return out


def _rows(book: Book, sheet_name: str, cols: list[Col]) -> list[dict[str, Any]]:
    """A table sheet back as records, its headers mapped to keys by the writer's columns."""
    sheet = book.sheet(sheet_name)
    if sheet is None:
        raise NotASummary(f"汇总表缺少工作表“{sheet_name}”，可能被修改过，请重新生成")
    by_header = {c.header: c for c in cols}
    header: dict[int, Col] = {}
    rows: dict[int, dict[str, Any]] = {}
    for (r, c), cell in sorted(sheet.cells.items()):
        if r == HEADER_ROW and isinstance(cell.value, str) and cell.value in by_header:
            header[c] = by_header[cell.value]
        elif r > HEADER_ROW and c in header:
            col = header[c]
            value: Any = cell.value
            if col.kind == "date" and isinstance(value, dt.datetime):
                value = value.date()
            rows.setdefault(r, {})[col.key] = value
    missing = [c.header for c in cols if c not in header.values()]
    if missing:
        raise NotASummary(
            f"工作表“{sheet_name}”缺少列：{'、'.join(missing[:5])}，可能被修改过，请重新生成"
        )
    return [rows[r] for r in sorted(rows)]


def _retype(rec: dict[str, Any], spec: FormSpec) -> dict[str, Any]:
    """Dates were stored as ISO text; give them back their type."""
    for f in spec.fields:
        if f.type == "date" and isinstance(rec.get(f.id), str):
            with contextlib.suppress(ValueError):
                rec[f.id] = dt.date.fromisoformat(rec[f.id][:10])
    return rec


def rollup(
    paths: Iterable[str | os.PathLike[str]],
    *,
    spec: FormSpec | None = None,
    reference: Reference | None = None,
    year: int | None = None,
) -> RollupResult:
    spec = spec or load_spec()
    reference = reference or load_reference()
    result = RollupResult(SummaryData(year=year or 0, unit=None))
    data = result.data
    for path in paths:
        try:
            part = read_summary(path)[1]
        except NotASummary as exc:
            result.rejected.append((str(path), str(exc)))
            continue
        if data.year == 0:
            data.year = part.year
        elif part.year != data.year:
            result.rejected.append(
                (str(path), f"汇总表年度为 {part.year}，与其他汇总表（{data.year}）不同")
            )
            continue
        data.sources.append(f"{Path(path).name}（{part.unit or '未注明推荐单位'}）")
        data.applications += [_retype(a, spec) for a in part.applications]
        data.issues += part.issues
        data.files += part.files
    if data.year == 0:
        data.year = spec.default_year
    data.applications.sort(key=sort_key(spec, unit_order(reference)))
    for i, rec in enumerate(data.applications, start=1):
        rec["_no"] = i
    data.inputs = [str(p) for p in paths] if isinstance(paths, list) else data.inputs
    return result
