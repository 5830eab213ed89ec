"""Provincial summaries -> the ministry's national roll-up.

Reads only workbooks formkit wrote as provincial summaries (recognised by their metadata
sheet), from their very hidden data sheets, and rebuilds the same records the summary was
made from: the national 汇总表 equals a summary of all the provinces' files at once.
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
from formkit.records import sort_key, unit_order
from formkit.reference import Reference, load_reference
from formkit.spec import FormSpec, load_spec
from formkit.summary import DATA_APPS, DATA_FILES, DATA_ISSUES, SUMMARY_KIND, SummaryData

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
    data.applications = _rows(book, DATA_APPS)
    data.issues = _rows(book, DATA_ISSUES)
    data.files = _rows(book, DATA_FILES)
    return meta, data


def _meta(book: Book) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, target in book.names.items():
        if name.startswith("formkit_") and target.sheet and target.area:
            sheet = book.sheet(target.sheet)
            if sheet is not None:
                out[name] = sheet.value(target.area.first.row, target.area.first.col)
    return out


def _rows(book: Book, sheet_name: str) -> list[dict[str, Any]]:
    sheet = book.sheet(sheet_name)
    if sheet is None:
        raise NotASummary(f"汇总表缺少数据表“{sheet_name}”，可能被修改过，请重新生成")
    header: dict[int, str] = {}
    rows: dict[int, dict[str, Any]] = {}
    for (r, c), cell in sorted(sheet.cells.items()):
        if r == 1:
            header[c] = str(cell.value)
        elif c in header:
            rows.setdefault(r, {})[header[c]] = cell.value
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
