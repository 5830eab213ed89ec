"""Roster -> one pre-filled 申报书 per applicant, each stamped with its own submission id.

The roster (名单) is what a provincial office already has: a sheet or CSV with one row
per applicant. Everything in it is checked before the first file is written, so a bad
roster never leaves half a folder of templates behind.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formkit.parse import ParseError, normalise_label, parse_email, parse_phone

REQUIRED = ("province", "city", "applicant_name")
OPTIONAL = ("contact_person", "contact_phone", "contact_email")
COLUMNS = REQUIRED + OPTIONAL
# every field the roster knows is filled and locked, so returns match the roster (and the
# ledger); a changed contact is corrected in the roster and the file sent again
LOCKED_FIELDS = (
    "province",
    "city",
    "applicant_name",
    "contact_person",
    "contact_phone",
    "contact_email",
)
# header cells searched for the header row (a roster often starts with a title line)
HEADER_SCAN_ROWS = 10


class RosterError(ValueError):
    """A roster that cannot be used; `problems` are Chinese sentences naming the rows."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class RosterRow:
    row: int  # the Excel / CSV line number, as the user sees it
    province: str  # canonical reporting-unit name (江苏 -> 江苏省)
    province_code: str
    city: str
    applicant_name: str
    contact_person: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None

    def submission_id(self, year: int) -> str:
        """Stable across re-distribution: year, province and the applicant, nothing else.

        Contacts and the city may be corrected in the roster without changing the id, so
        files already sent out keep matching.
        """
        digest = hashlib.sha256(
            f"{year}|{self.province_code}|{applicant_key(self.applicant_name)}".encode()
        ).hexdigest()
        return f"{year}-{self.province_code}-{digest[:8]}"

    def values(self) -> dict[str, Any]:
        """Field id -> value for `build_template`; absent contacts are left blank."""
        out: dict[str, Any] = {
            "province": self.province,
            "city": self.city,
            "applicant_name": self.applicant_name,
        }
        for key in OPTIONAL:
            value = getattr(self, key)
            if value:
                out[key] = value
        return out


def applicant_key(name: str) -> str:
    """An applicant name for matching: width, spaces and Latin case do not count."""
    return normalise_label(name).casefold()


def _header_aliases() -> dict[str, str]:
    from formkit.spec import load_spec

    spec = load_spec()
    aliases: dict[str, str] = {}
    for fid in COLUMNS:
        label = spec.field(fid).label
        short = re.split(r"[(（]", label, maxsplit=1)[0]  # 推荐单位(省、…) -> 推荐单位
        for alias in (fid, label, short):
            aliases[normalise_label(alias).casefold()] = fid
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


def read_roster(path: str | Path, reference: Any = None) -> list[RosterRow]:
    """Read and check a roster. Raises RosterError listing every problem found (with rows)."""
    from formkit.reference import load_reference

    path = Path(path)
    try:
        table = read_table(path)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, RosterError):
            raise
        raise RosterError([f"无法读取名单文件 {path}：{exc}"]) from None
    ref = reference or load_reference()
    aliases = _header_aliases()

    header_at, columns = -1, {}
    for i, row in enumerate(table[:HEADER_SCAN_ROWS]):
        found = {}
        for j, cell in enumerate(row):
            fid = aliases.get(normalise_label(_cell_text(cell)).casefold())
            if fid is not None and fid not in found:
                found[fid] = j
        if found:
            header_at, columns = i, found
            break
    if header_at < 0:
        raise RosterError(
            [
                "名单第一行应为表头，写明列名：推荐单位、所在地级市、申请单位全称"
                "（可选：联系人、联系电话、电子信箱）。"
            ]
        )
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        from formkit.spec import load_spec

        spec = load_spec()
        names = "、".join(re.split(r"[(（]", spec.field(f).label)[0] for f in missing)
        raise RosterError([f"名单第 {header_at + 1} 行（表头）缺少必需的列：{names}。"])

    problems: list[str] = []
    rows: list[RosterRow] = []
    seen: dict[tuple[str, str], int] = {}
    for i, raw in enumerate(table[header_at + 1 :], start=header_at + 2):
        cells = {f: _cell_text(raw[j]) if j < len(raw) else "" for f, j in columns.items()}
        if not any(cells.values()):
            continue  # blank lines between blocks are common
        empty = [label for f, label in _REQUIRED_LABELS.items() if not cells.get(f)]
        if empty:
            problems.append(f"第 {i} 行：{'、'.join(empty)}未填写。")
            continue
        unit = ref.unit(cells["province"])
        if unit is None:
            problems.append(
                f"第 {i} 行：推荐单位“{cells['province']}”不是通知所列的 37 个推荐单位之一。"
            )
            continue
        key = (unit.code, applicant_key(cells["applicant_name"]))
        if key in seen:
            problems.append(
                f"第 {i} 行：与第 {seen[key]} 行重复（{unit.name}，{cells['applicant_name']}）。"
            )
            continue
        seen[key] = i
        contact: dict[str, str | None] = {}
        for f, parse in (("contact_phone", parse_phone), ("contact_email", parse_email)):
            text = cells.get(f) or ""
            try:
                parsed = parse(text).value if text else None
                contact[f] = None if parsed is None else str(parsed)
            except ParseError as exc:
                problems.append(f"第 {i} 行：{_LABELS[f]}{exc.message}。")
        rows.append(
            RosterRow(
                row=i,
                province=unit.name,
                province_code=unit.code,
                city=cells["city"],
                applicant_name=cells["applicant_name"],
                contact_person=cells.get("contact_person") or None,
                contact_phone=contact.get("contact_phone"),
                contact_email=contact.get("contact_email"),
            )
        )
    if problems:
        raise RosterError(problems)
    if not rows:
        raise RosterError([f"名单 {path.name} 中没有申请单位。"])
    return rows


_LABELS = {
    "province": "推荐单位",
    "city": "所在地级市",
    "applicant_name": "申请单位全称",
    "contact_person": "联系人",
    "contact_phone": "联系电话",
    "contact_email": "电子信箱",
}
_REQUIRED_LABELS = {f: _LABELS[f] for f in REQUIRED}


# ---------------------------------------------------------------- writing

# not allowed in Windows file names (the users' machines), nor a path separator anywhere
_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
# Windows limits a name to 255 characters; leave room for the folder in a 260-character path
MAX_NAME = 120


def safe_name(text: str) -> str:
    cleaned = _ILLEGAL.sub("_", unicodedata.normalize("NFKC", text))
    return re.sub(r"\s+", " ", cleaned).strip(" .")


def file_name(row: RosterRow) -> str:
    stem = safe_name(f"申报书-{row.province}-{row.city}-{row.applicant_name}")
    return stem[:MAX_NAME].rstrip(" .") + ".xlsx"


@dataclass(frozen=True)
class Distributed:
    row: RosterRow
    submission_id: str
    path: Path


def plan(rows: Sequence[RosterRow], out_dir: str | Path, year: int) -> list[Distributed]:
    """Where each row's file goes; names made unique if sanitising made two alike."""
    out = Path(out_dir)
    used: set[str] = set()
    planned: list[Distributed] = []
    for row in rows:
        sid = row.submission_id(year)
        name = file_name(row)
        if name.casefold() in used:  # Windows file names ignore case
            name = f"{name[: -len('.xlsx')]}-{sid.rsplit('-', 1)[-1]}.xlsx"
        used.add(name.casefold())
        planned.append(Distributed(row, sid, out / name))
    return planned


def distribute(
    rows: Sequence[RosterRow], out_dir: str | Path, *, year: int = 2006
) -> list[Distributed]:
    """Write one pre-filled, locked-identity template per row (atomically, byte-stable)."""
    from formkit.atomic import write_bytes_atomic
    from formkit.template import build_template

    planned = plan(rows, out_dir, year)
    for item in planned:
        values = item.row.values()
        data = build_template(
            year=year,
            values=values,
            # a column the roster leaves empty stays open for the city to fill
            locked_fields=[f for f in LOCKED_FIELDS if values.get(f) not in (None, "")],
            submission_id=item.submission_id,
        )
        write_bytes_atomic(item.path, data)
    return planned


LINKS_FILE = "上报链接.csv"
LINK_COLUMNS = ("报送编号", "推荐单位", "所在地级市", "申请单位全称", "申报书文件", "上报链接")


def link_path(token: str) -> str:
    """The page of one upload link in `formkit serve`."""
    return f"/u/{token}"


def write_links(
    items: Sequence[Distributed],
    tokens: dict[str, str],
    out_dir: str | Path,
    *,
    base_url: str | None = None,
) -> Path:
    """上报链接.csv beside the files: each applicant's private upload link, to send with its
    申报书. UTF-8 with a byte-order mark, so Excel and WPS open it with the Chinese intact.
    The tokens are in this file only (the ledger keeps their hashes)."""
    from formkit.atomic import write_bytes_atomic

    prefix = (base_url or "").rstrip("/")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(LINK_COLUMNS)
    for item in items:
        row = item.row
        writer.writerow(
            [
                item.submission_id,
                row.province,
                row.city,
                row.applicant_name,
                item.path.name,
                prefix + link_path(tokens[item.submission_id]),
            ]
        )
    target = Path(out_dir) / LINKS_FILE
    write_bytes_atomic(target, buf.getvalue().encode("utf-8-sig"))
    return target
