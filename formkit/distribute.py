"""Roster -> one pre-filled workbook per subject, each stamped with its own submission id.

The roster (名单) is what a provincial office already has: a sheet or CSV with one row
per applicant (申报书) or base (季度数据报表, 年度工作报告). Which columns it has, which are
required and which are locked in the copy sent out is the form's own `[roster]` (its
spec); this module names no field of any form. A periodic form is distributed for one
period (`parse_period`), filled in and locked in every copy. Everything in the roster is
checked before the first file is written, so a bad roster never leaves half a folder of
templates behind.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formkit.atomic import write_bytes_atomic
from formkit.cells import display_width, wrapped_lines
from formkit.forms import load_form_spec
from formkit.parse import ParseError, normalise_label, parse_email, parse_phone
from formkit.period import Period
from formkit.reference import load_reference
from formkit.spec import FormSpec
from formkit.spec.model import RosterColumn
from formkit.template import FONT, build_template
from formkit.xlsx_text import plain

# header cells searched for the header row (a roster often starts with a title line)
HEADER_SCAN_ROWS = 10


class RosterError(ValueError):
    """A roster that cannot be used; `problems` are Chinese sentences naming the rows."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def _spec(spec: FormSpec | None) -> FormSpec:
    return spec if spec is not None else load_form_spec()


def locked_fields(spec: FormSpec | None = None) -> tuple[str, ...]:
    """The fields a distributed copy has locked (when the roster fills them): every roster
    column the spec does not leave open, so returns match the roster and the ledger; a
    changed contact is corrected in the roster and the file sent again."""
    return tuple(c.field for c in _spec(spec).roster.columns if c.locked)


# ---------------------------------------------------------------- the period


def parse_period(text: str, spec: FormSpec) -> Period:
    """`--period` of a periodic form (formkit.period.Period.parse): "2007" (a yearly form),
    "2007Q2" or "2007-2" (第二季度), or "2007/第二季度". Raises ValueError in Chinese."""
    return Period.parse(text, spec)


def period_deadline(period: Period, spec: FormSpec) -> tuple[dt.date | None, str]:
    """A period's default deadline and where it comes from (the form's [roster] deadline);
    (None, ...) when the form declares none."""
    due = spec.roster.deadline
    if due is None:
        return None, "报送截止日期"
    return period.deadline(due.months_after, due.day), due.source


# ---------------------------------------------------------------- a roster row


@dataclass(frozen=True)
class RosterRow:
    """One roster line: its unit (canonical reporting unit), its subject, and every roster
    column's value by field id (the unit's canonical name included)."""

    row: int  # the Excel / CSV line number, as the user sees it
    unit: str  # canonical reporting-unit name (江苏 -> 江苏省)
    unit_code: str
    subject: str
    cells: Mapping[str, str | None]
    form_id: str | None = None  # None: the default form (the 申报书)
    unit_field: str = ""

    def __getattr__(self, name: str) -> Any:
        # a column by its field id (row.<field>), and the unit's code as <unit field>_code
        cells = self.__dict__.get("cells") or {}
        if name in cells:
            return cells[name]
        if name == f"{self.__dict__.get('unit_field')}_code":
            return self.unit_code
        raise AttributeError(name)

    def submission_id(self, year: int, period: Period | None = None) -> str:
        """Stable across re-distribution: form, year, period, unit and subject, nothing else.

        Other columns (contacts, the place) may be corrected in the roster without changing
        the id, so files already sent out keep matching. A form filed once per round (the
        申报书) keeps the id it always had: year, unit and subject.
        """
        key = applicant_key(self.subject)
        if period is None:
            text = f"{year}|{self.unit_code}|{key}"
            head = str(year)
        else:
            text = f"{self.form_id}|{year}|{period.text}|{self.unit_code}|{key}"
            head = period.tag
        digest = hashlib.sha256(text.encode()).hexdigest()
        return f"{head}-{self.unit_code}-{digest[:8]}"

    def values(self) -> dict[str, Any]:
        """Field id -> value for `build_template`; empty columns are left blank."""
        return {f: v for f, v in self.cells.items() if v not in (None, "")}


def applicant_key(name: str) -> str:
    """A subject's name for matching: width, spaces and Latin case do not count."""
    return normalise_label(name).casefold()


def short_label(label: str) -> str:
    """推荐单位(省、…) -> 推荐单位."""
    return re.split(r"[(（]", label, maxsplit=1)[0]


def _header_aliases(spec: FormSpec) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for col in spec.roster.columns:
        label = spec.field(col.field).label
        for alias in (col.field, label, short_label(label), col.header, *col.aliases):
            aliases.setdefault(normalise_label(alias).casefold(), col.field)
    return aliases


# ---------------------------------------------------------------- reading


def read_table(path: Path) -> list[list[Any]]:
    """The roster's cells, row by row (row 0 is line 1), from .xlsx or .csv."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return list(csv.reader(io.StringIO(_decode(path.read_bytes()))))
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            ws = wb.worksheets[0]
            return [list(r) for r in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
    raise RosterError([f"名单文件 {path.name} 应为 .xlsx 或 .csv 格式。"])


def _decode(data: bytes) -> str:
    # Chinese Excel saves "CSV" in the ANSI code page (GBK); newer versions save UTF-8 with BOM
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone typed as a number comes back as 83301234.0
    return unicodedata.normalize("NFKC", str(value)).strip()


def read_roster(
    path: str | Path, reference: Any = None, *, spec: FormSpec | None = None
) -> list[RosterRow]:
    """Read and check a roster of `spec`'s form (default: the 申报书) against the columns
    its [roster] declares. Raises RosterError listing every problem found (with rows)."""
    path = Path(path)
    try:
        table = read_table(path)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, RosterError):
            raise
        raise RosterError([f"无法读取名单文件 {path}：{exc}"]) from None
    return roster_rows(table, path.name, reference, spec=spec)


def roster_rows(
    table: Sequence[Sequence[Any]],
    name: str,
    reference: Any = None,
    *,
    spec: FormSpec | None = None,
) -> list[RosterRow]:
    """A roster's table (row 0 is line 1) as checked rows; raises RosterError."""

    spec = _spec(spec)
    ref = reference or load_reference()
    roster = spec.roster
    if not roster.columns:
        raise RosterError([f"{spec.title.format(year='')}没有名单格式，不能按名单下发。"])
    by_field = {c.field: c for c in roster.columns}
    aliases = _header_aliases(spec)
    required = [c for c in roster.columns if c.required]
    optional = [c for c in roster.columns if not c.required]
    unit_field, subject_field = spec.roles.unit, spec.roles.subject

    header_at, columns = -1, {}
    for i, row in enumerate(table[:HEADER_SCAN_ROWS]):
        found: dict[str, int] = {}
        for j, cell in enumerate(row):
            fid = aliases.get(normalise_label(_cell_text(cell)).casefold())
            if fid is not None and fid not in found:
                found[fid] = j
        if found:
            header_at, columns = i, found
            break
    if header_at < 0:
        more = f"（可选：{'、'.join(c.header for c in optional)}）" if optional else ""
        raise RosterError(
            [f"名单第一行应为表头，写明列名：{'、'.join(c.header for c in required)}{more}。"]
        )
    missing = [c.header for c in required if c.field not in columns]
    if missing:
        raise RosterError(
            [f"名单第 {header_at + 1} 行（表头）缺少必需的列：{'、'.join(missing)}。"]
        )

    problems: list[str] = []
    rows: list[RosterRow] = []
    seen: dict[tuple[str, str], int] = {}
    for i, raw in enumerate(table[header_at + 1 :], start=header_at + 2):
        cells = {f: _cell_text(raw[j]) if j < len(raw) else "" for f, j in columns.items()}
        if not any(cells.values()):
            continue  # blank lines between blocks are common
        empty = [c.header for c in required if not cells.get(c.field)]
        if empty:
            problems.append(f"第 {i} 行：{'、'.join(empty)}未填写。")
            continue
        unit = ref.unit(cells[unit_field])
        if unit is None:
            problems.append(
                f"第 {i} 行：{by_field[unit_field].header}“{cells[unit_field]}”"
                "不是通知所列的 37 个推荐单位之一。"
            )
            continue
        key = (unit.code, applicant_key(cells[subject_field]))
        if key in seen:
            problems.append(
                f"第 {i} 行：与第 {seen[key]} 行重复（{unit.name}，{cells[subject_field]}）。"
            )
            continue
        seen[key] = i
        values: dict[str, str | None] = {}
        for col in roster.columns:
            text = cells.get(col.field) or ""
            if col.field == unit_field:
                values[col.field] = unit.name
                continue
            try:
                values[col.field] = _column_value(col, text, spec)
            except ParseError as exc:
                problems.append(f"第 {i} 行：{col.header}{exc.message}。")
        rows.append(
            RosterRow(
                row=i,
                unit=unit.name,
                unit_code=unit.code,
                subject=cells[subject_field],
                cells=values,
                form_id=spec.id,
                unit_field=unit_field,
            )
        )
    if problems:
        raise RosterError(problems)
    if not rows:
        raise RosterError([f"名单 {name} 中没有{spec.roles.subject_label}。"])
    return rows


def _column_value(col: RosterColumn, text: str, spec: FormSpec) -> str | None:
    """A roster cell as the template is filled with it; ParseError when it cannot be."""
    if not text:
        return None
    field = spec.field(col.field)
    if field.type == "phone":
        parsed = parse_phone(text).value
    elif field.type == "email":
        parsed = parse_email(text).value
    elif field.type == "choice" and field.choices and text not in field.choices:
        raise ParseError("roster_choice", f"“{text}”不是可选项之一（{'、'.join(field.choices)}）")
    else:
        parsed = text
    return None if parsed is None else str(parsed)


# ---------------------------------------------------------------- writing

# not allowed in Windows file names (the users' machines), nor a path separator anywhere
_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
# Windows limits a name to 255 characters; leave room for the folder in a 260-character path
MAX_NAME = 120


def safe_name(text: str) -> str:
    cleaned = _ILLEGAL.sub("_", unicodedata.normalize("NFKC", text))
    return re.sub(r"\s+", " ", cleaned).strip(" .")


def file_name(row: RosterRow, spec: FormSpec | None = None, period: Period | None = None) -> str:
    spec = _spec(spec)
    middle = [row.unit]
    if spec.roles.locality and row.cells.get(spec.roles.locality):
        middle.append(str(row.cells[spec.roles.locality]))
    head = spec.file_name or spec.id
    if period is not None:
        head = f"{head}-{period.tag}"
    stem = safe_name("-".join([head, *middle, row.subject]))
    return stem[:MAX_NAME].rstrip(" .") + ".xlsx"


@dataclass(frozen=True)
class Distributed:
    row: RosterRow
    submission_id: str
    path: Path


def plan(
    rows: Sequence[RosterRow],
    out_dir: str | Path,
    year: int,
    *,
    spec: FormSpec | None = None,
    period: Period | None = None,
) -> list[Distributed]:
    """Where each row's file goes; names made unique if sanitising made two alike."""
    out = Path(out_dir)
    used: set[str] = set()
    planned: list[Distributed] = []
    for row in rows:
        sid = row.submission_id(year, period)
        name = file_name(row, spec, period)
        if name.casefold() in used:  # Windows file names ignore case
            name = f"{name[: -len('.xlsx')]}-{sid.rsplit('-', 1)[-1]}.xlsx"
        used.add(name.casefold())
        planned.append(Distributed(row, sid, out / name))
    return planned


def distribute(
    rows: Sequence[RosterRow],
    out_dir: str | Path,
    *,
    year: int = 2006,
    spec: FormSpec | None = None,
    period: Period | None = None,
) -> list[Distributed]:
    """Write one pre-filled, locked-identity template per row (atomically, byte-stable).

    A periodic form needs `period`: its fields are filled and locked in every copy, and
    the template's year is the period's."""

    spec = _spec(spec)
    if spec.roles.period and period is None:
        raise ValueError(f"{spec.title.format(year='')}按报告期下发，请用 --period 指定报告期。")
    if period is not None:
        year = period.year
    planned = plan(rows, out_dir, year, spec=spec, period=period)
    for item in planned:
        data = prefilled(item.row, year, spec=spec, period=period, sid=item.submission_id)
        write_bytes_atomic(item.path, data)
    return planned


def prefilled(
    row: RosterRow,
    year: int,
    *,
    spec: FormSpec | None = None,
    period: Period | None = None,
    sid: str | None = None,
) -> bytes:
    """One row's pre-filled copy, byte for byte as `distribute` writes it (the web page
    offers the same copy for download): the roster's values filled and locked, the
    period's fields too, the submission id stamped."""
    spec = _spec(spec)
    if period is not None:
        year = period.year
    values = row.values()
    fixed = dict(period.values) if period is not None else {}
    given = [f for f in locked_fields(spec) if values.get(f) not in (None, "")]
    return build_template(
        spec,
        year=year,
        values={**values, **fixed},
        # a column the roster leaves empty stays open for the city to fill
        locked_fields=[*given, *fixed],
        submission_id=sid or row.submission_id(year, period),
    )


def roster_title(spec: FormSpec | None = None, unit: str | None = None, when: str = "") -> str:
    """The roster's title line: "四川省季度数据报表报送基地名单（2007年第二季度）"."""
    spec = _spec(spec)
    what = spec.file_name or spec.roles.subject_label or ""
    title = f"{unit or ''}{what}报送{spec.roles.subject_label or ''}名单"
    return f"{title}（{when}）" if when else title


def roster_workbook(
    rows: Sequence[RosterRow], spec: FormSpec | None = None, title: str | None = None
) -> bytes:
    """A roster file `read_roster` reads back: one sheet 名单, its title on line 1, the
    form's roster headers on line 2, a row per entry; every cell text (a phone keeps its
    leading 0). It prints as a titled list: title and headers on every page, one page wide,
    portrait (six columns fit), so up to 20 bases are one page (issue #21 item 5)."""
    import xlsxwriter

    spec = _spec(spec)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_urls": False, "strings_to_formulas": False}
    )
    wb.set_properties({"created": dt.datetime(2000, 1, 1)})  # the same rows, the same bytes
    head = wb.add_format(
        {
            "font_name": FONT,
            "bold": True,
            "bg_color": "#D9E1F2",
            "border": 1,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
        }
    )
    body = wb.add_format(
        {"font_name": FONT, "border": 1, "num_format": "@", "text_wrap": True, "valign": "vcenter"}
    )
    big = wb.add_format(
        {"font_name": FONT, "bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}
    )
    ws = wb.add_worksheet("名单")
    cols = spec.roster.columns
    title = title if title is not None else roster_title(spec)
    if len(cols) > 1:
        ws.merge_range(0, 0, 0, len(cols) - 1, title, big)
    else:
        ws.write_string(0, 0, title, big)
    ws.set_row(0, 30)
    ws.set_row(1, 20)
    lines = [1] * len(rows)
    for j, col in enumerate(cols):
        texts = [plain(str(row.cells.get(col.field) or "")) for row in rows]
        # as wide as its longest text (an id, a phone on one line), a long name wraps
        cap = 32 if col.field == spec.roles.subject else 24
        width = min(max([col.width + 4, *(display_width(t) + 2 for t in texts)]), cap)
        ws.write_string(1, j, col.header, head)
        ws.set_column(j, j, width)
        for i, text in enumerate(texts):
            ws.write_string(i + 2, j, text, body)
            lines[i] = max(lines[i], wrapped_lines(text, width - 1) if text else 1)
    for i, n in enumerate(lines):
        if n > 1:
            ws.set_row(i + 2, 15 * n + 2)
    ws.freeze_panes(2, 0)
    ws.set_paper(9)  # A4
    ws.set_portrait()
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    ws.center_horizontally()
    ws.repeat_rows(0, 1)
    ws.fit_to_pages(1, 0)
    ws.set_footer("&C第 &P 页，共 &N 页")
    wb.close()
    return buf.getvalue()


def write_roster(
    rows: Sequence[RosterRow],
    path: str | Path,
    spec: FormSpec | None = None,
    title: str | None = None,
) -> Path:

    write_bytes_atomic(Path(path), roster_workbook(rows, spec, title))
    return Path(path)


LINKS_FILE = "上报链接.csv"


def link_columns(spec: FormSpec | None = None) -> tuple[str, ...]:
    """上报链接.csv's header: the id, the roster's required columns, the file, the link."""
    spec = _spec(spec)
    named = tuple(c.header for c in spec.roster.columns if c.required)
    return ("报送编号", *named, f"{spec.file_name or spec.id}文件", "上报链接")


def link_path(token: str) -> str:
    """The page of one upload link in `formkit serve`."""
    return f"/u/{token}"


def write_links(
    items: Sequence[Distributed],
    tokens: dict[str, str],
    out_dir: str | Path,
    *,
    base_url: str | None = None,
    spec: FormSpec | None = None,
) -> Path:
    """上报链接.csv beside the files: each applicant's private upload link, to send with its
    申报书. UTF-8 with a byte-order mark, so Excel and WPS open it with the Chinese intact.
    The tokens are in this file only (the ledger keeps their hashes)."""

    prefix = (base_url or "").rstrip("/")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    spec = _spec(spec)
    writer.writerow(link_columns(spec))
    required = [c.field for c in spec.roster.columns if c.required]
    for item in items:
        writer.writerow(
            [
                item.submission_id,
                *(item.row.cells.get(f) or "" for f in required),
                item.path.name,
                prefix + link_path(tokens[item.submission_id]),
            ]
        )
    target = Path(out_dir) / LINKS_FILE
    write_bytes_atomic(target, buf.getvalue().encode("utf-8-sig"))
    return target
