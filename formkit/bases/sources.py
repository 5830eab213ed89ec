"""The ministry's decisions, read for the register: the national roll-up's 核准结论 column
(`from_rollup`) and a list the ministry publishes (`from_list`). Each gives candidates a
person decided on; `Register.recognise` records them."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from formkit.bases import (
    NEW_BASE,
    RECERTIFIED,
    Candidate,
    Decisions,
    RegisterError,
    _day,
    _text,
)
from formkit.distribute import RosterError, read_table, short_label
from formkit.forms import UnknownForm, form_ids, get_form
from formkit.read.book import Book, WorkbookError
from formkit.read.xlsx import load_xlsx
from formkit.reference import Reference
from formkit.rollup import SUMMARY_BOUNDS, NotASummary, read_summary, summary_form
from formkit.spec import FormSpec
from formkit.spec.model import RECOGNITIONS
from formkit.summary.sheets import APPROVALS, APPS_SHEET, HEADER_ROW

# 核准结论 as people write it
_YES = {"核准", "同意", "认定", "是", "√", "✓", "Y", "y"}
_NO = {"不予核准", "不核准", "不同意", "不认定", "否", "×", "✗", "N", "n"}


def _feed_fields(app_form: str) -> tuple[str, ...]:
    """The application fields a report form's roster takes from it ([roster] from_application
    of the forms whose source_form is `app_form`): the register keeps them for the rosters."""
    out: list[str] = []
    for fid in form_ids():
        roster = get_form(fid).spec.roster
        if roster.from_application and roster.source_form == app_form:
            out += roster.from_application.values()
    return tuple(dict.fromkeys(out))


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()[:10]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _candidate(
    rec: Mapping[str, Any],
    spec: FormSpec,
    reference: Reference,
    year: int,
    where: str,
) -> Candidate | str:
    """A recognised application's base, or why it cannot be one."""
    roles, reg = spec.roles, spec.register
    assert reg is not None
    unit = reference.unit(_text(rec.get(roles.unit)))
    if unit is None:
        return f"{where}：{roles.unit_label}“{_text(rec.get(roles.unit))}”不是参考数据中的单位"
    name = _text(rec.get(roles.subject))
    if not name:
        return f"{where}：没有{roles.subject_label}名称"
    raw = _text(rec.get(reg.recognition)) if reg.recognition else ""
    recognition = reg.recognition_values.get(raw) or (raw if raw in RECOGNITIONS else "")
    if not recognition:
        return f"{where}：{name} 的“{raw}”无法判断是新认定还是重新认定"
    recert = ""
    if recognition == RECERTIFIED:
        recert = "：".join(t for f in reg.recertifies if (t := _text(rec.get(f))))
    return Candidate(
        unit=unit.name,
        unit_code=unit.code,
        name=name,
        locality=_text(rec.get(roles.locality)) if roles.locality else "",
        domain=_text(rec.get(reg.domain)) if reg.domain else "",
        recognition=recognition,
        recertifies=recert,
        year=year,
        where=where,
        origin=_text(rec.get("_submission_id")),
        values={
            f: _plain(rec.get(f)) for f in _feed_fields(spec.id) if rec.get(f) not in (None, "")
        },
    )


def approval_of(value: Any) -> str | None:
    """核准结论 as a person wrote it -> 核准 / 不予核准; None for blank; raises ValueError."""
    text = _text(value)
    if not text:
        return None
    if text in _YES:
        return APPROVALS[0]
    if text in _NO:
        return APPROVALS[1]
    raise ValueError(text)


def from_rollup(path: str | os.PathLike[str], reference: Reference) -> Decisions:
    """The ministry's decisions on a national roll-up (formkit rollup) whose 核准结论 column
    it filled in (in Excel, WPS or LibreOffice). Raises RegisterError when the file is not
    such a roll-up, or a 核准结论 cannot be read (naming every such row)."""
    name = Path(path).name
    try:
        form_id = summary_form(path) or ""
        spec = get_form(form_id).spec
        meta, data = read_summary(path, form_id)
    except (NotASummary, UnknownForm) as exc:
        raise RegisterError([f"{name}：{exc}"]) from None
    if spec.register is None:
        raise RegisterError([f"{name}：{spec.file_name or spec.id}的汇总表不用于认定基地"])
    if meta.get("formkit_unit"):
        raise RegisterError(
            [f"{name}：是{meta['formkit_unit']}的省级汇总表；请用全国汇总表（formkit rollup）"]
        )
    try:
        book = load_xlsx(os.fspath(path), SUMMARY_BOUNDS)
    except WorkbookError as exc:
        raise RegisterError([f"{name}：{exc.message}"]) from None
    shown = _header_rows(book, APPS_SHEET, ("序号", "核准结论", "核准意见"))
    if shown is None:
        raise RegisterError(
            [f"{name}：汇总表没有“核准结论”列，不是 formkit rollup 生成的全国汇总表"]
        )
    by_no = {_text(row.get("序号")): row for row, _ in shown}
    out = Decisions(form_id=spec.id, year=data.year)
    problems: list[str] = []
    who_label = spec.roles.subject_label
    for rec in data.applications:
        no = _text(rec.get("_no"))
        row = by_no.get(no, {})
        where = f"全国汇总表“汇总表”序号 {no}"
        who = _text(rec.get(spec.roles.subject)) or f"（未填{who_label}）"
        try:
            decision = approval_of(row.get("核准结论"))
        except ValueError as exc:
            problems.append(f"{where}（{who}）：核准结论“{exc}”无法识别，请填写“核准”或“不予核准”")
            continue
        note = _text(row.get("核准意见"))
        if decision is None:
            out.undecided.append(f"{where}：{who}")
        elif decision == APPROVALS[1]:
            out.refused.append((who, note))
        else:
            got = _candidate(rec, spec, reference, data.year, where)
            if isinstance(got, str):
                problems.append(got)
            else:
                out.approved.append(replace(got, reason=note))
    if problems:
        raise RegisterError(problems)
    return out


def _header_rows(
    book: Book, sheet_name: str, wanted: Sequence[str], header_row: int = HEADER_ROW
) -> list[tuple[dict[str, Any], int]] | None:
    """A sheet's rows below its header row as {header: value}, with their row numbers;
    None when a wanted header is missing."""
    sheet = book.sheet(sheet_name)
    if sheet is None:
        return None
    cols = {
        c: str(cell.value).strip()
        for (r, c), cell in sheet.cells.items()
        if r == header_row and isinstance(cell.value, str) and cell.value.strip() in wanted
    }
    if set(wanted) - set(cols.values()):
        return None
    rows: dict[int, dict[str, Any]] = {}
    for (r, c), cell in sheet.cells.items():
        if r > header_row and c in cols:
            rows.setdefault(r, {})[cols[c]] = cell.value
    return [(rows[r], r) for r in sorted(rows)]


# the headers a ministry's list may use, per register column (first found wins)
_LIST_HEADERS: dict[str, tuple[str, ...]] = {
    "unit": ("推荐单位", "所在省", "省份", "省（区、市）", "省(区、市)", "地区"),
    "name": ("基地名称", "出口创新基地名称", "申请单位全称", "申请单位", "名称"),
    "locality": ("所在地级市", "所在城市", "地级市", "城市"),
    "domain": ("重点领域", "领域", "产业领域"),
    "recognition": ("认定方式", "认定类型", "申报类型", "类型"),
    "recertifies": ("原基地", "原基地类型", "重新认定的基地"),
    "year": ("认定年度", "年度"),
    "batch": ("批次",),
    "date": ("认定日期", "核准日期", "日期"),
    "decision": ("文号", "认定文件", "决定"),
    "origin": ("申报书编号", "报送编号"),
}


def from_list(
    path: str | os.PathLike[str],
    reference: Reference,
    *,
    year: int | None = None,
    form_id: str = "kjxm-cxjd-shenbaoshu",
) -> Decisions:
    """A list the ministry publishes (.xlsx or .csv; a title line above the header is
    skipped): one base per line with its reporting unit and name, and where the list has
    them its locality, field, 认定方式 (新认定 / 重新认定, or the 申报书's 申报类型), 原基地, year,
    batch, date and document. Without a 认定方式 a line naming an 原基地 is a 重新认定.
    Raises RegisterError naming every line that cannot be read; nothing is taken then."""
    name = Path(path).name
    spec = get_form(form_id).spec
    try:
        table = read_table(Path(path))
    except RosterError as exc:
        raise RegisterError(exc.problems) from None
    except (OSError, ValueError) as exc:
        raise RegisterError([f"{name}：无法读取：{exc}"]) from None
    feed = {
        f: (spec.field(f).header, short_label(spec.field(f).label))
        for f in _feed_fields(spec.id)
        if f in spec.ids
    }
    headers = {**_LIST_HEADERS, **{f"value:{f}": h for f, h in feed.items()}}
    found = None
    for i, row in enumerate(table[:10]):
        cells = [_text(c) for c in row]
        at = {
            key: next((cells.index(h) for h in names if h in cells), None)
            for key, names in headers.items()
        }
        if at["unit"] is not None and at["name"] is not None:
            found = i, {k: v for k, v in at.items() if v is not None}
            break
    if found is None:
        raise RegisterError([f"{name}：找不到表头（需要“推荐单位”或“所在省”，以及“基地名称”两列）"])
    head, cols = found
    reg = spec.register
    assert reg is not None
    values_of = {v: k for k, v in reg.recognition_values.items()}
    out = Decisions(form_id=spec.id, year=year or 0)
    problems: list[str] = []
    for n, row in enumerate(table[head + 1 :], start=head + 2):

        def cell(key: str, row: Sequence[Any] = row) -> Any:
            j = cols.get(key)
            return row[j] if j is not None and j < len(row) else None

        if not any(_text(c) for c in row):
            continue
        where = f"{name} 第 {n} 行"
        row_year = cell("year")
        try:
            when = int(_text(row_year)[:4]) if _text(row_year) else year
        except ValueError:
            problems.append(f"{where}：认定年度“{_text(row_year)}”应为四位年份")
            continue
        if when is None:
            problems.append(f"{where}：没有认定年度（请在名单中给出或用 --year）")
            continue
        date = _day(cell("date"))
        if _text(cell("date")) and date is None:
            problems.append(f"{where}：认定日期“{_text(cell('date'))}”无法识别")
            continue
        recert_text = _text(cell("recertifies"))
        raw = _text(cell("recognition"))
        recognition = raw if raw in RECOGNITIONS else reg.recognition_values.get(raw, "")
        if not raw:
            recognition = RECERTIFIED if recert_text else NEW_BASE
        if not recognition:
            problems.append(f"{where}：认定方式“{raw}”应为新认定或重新认定")
            continue
        rec: dict[str, Any] = {
            spec.roles.unit: cell("unit"),
            spec.roles.subject: cell("name"),
            "_submission_id": cell("origin"),
        }
        if spec.roles.locality:
            rec[spec.roles.locality] = cell("locality")
        if reg.domain:
            rec[reg.domain] = cell("domain")
        if reg.recognition:
            rec[reg.recognition] = values_of.get(recognition, recognition)
        if reg.recertifies and recert_text:
            rec[reg.recertifies[0]] = recert_text
        for f in feed:
            if f"value:{f}" in cols:  # a contact the list gives
                rec[f] = cell(f"value:{f}")
        got = _candidate(rec, spec, reference, when, where)
        if isinstance(got, str):
            problems.append(got)
            continue
        out.approved.append(
            replace(
                got,
                batch=_text(cell("batch")),
                date=date,
                decision=_text(cell("decision")),
            )
        )
    if problems:
        raise RegisterError(problems)
    if not out.approved:
        raise RegisterError([f"{name}：名单中没有基地"])
    return out
