"""The streaming reader of a whole .xlsx/.xlsm (`load_xlsx`): the workbook part (sheets,
defined names, date system, calculation flags), then the shared strings, the styles and
every worksheet, each part through expat."""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from formkit.cells import EXCEL_MAX_COL, EXCEL_MAX_ROW, Area, Cell
from formkit.read.book import Book, Bounds, NameTarget, SheetData, SheetState, WorkbookError
from formkit.read.xlsx.package import (
    Package,
    area_of,
    is_true,
    local_name,
    new_parser,
    parse_part,
    relationships,
)
from formkit.read.xlsx.sheet import SheetReader
from formkit.read.xlsx.strings import read_shared_strings
from formkit.read.xlsx.styles import read_styles

# ---------------------------------------------------------------- workbook, strings, styles


_STATES: dict[str, SheetState] = {"hidden": "hidden", "veryHidden": "veryHidden"}


class WorkbookPart:
    def __init__(self) -> None:
        # (name, state, relationship id)
        self.sheets: list[tuple[str, SheetState, str]] = []
        self.names: dict[str, NameTarget] = {}
        self.date1904 = False
        self.stale = False


def read_workbook(pkg: Package, part: str) -> WorkbookPart:
    wb = WorkbookPart()
    name_attrs: list[dict[str, str]] = []
    name_texts: list[str] = []
    p = new_parser()

    def start(name: str, attrs: dict[str, str]) -> None:
        local = local_name(name)
        if local == "sheet":
            rid = next((v for k, v in attrs.items() if k.endswith(" id")), "")
            state = _STATES.get(attrs.get("state", ""), "visible")
            wb.sheets.append((attrs.get("name", ""), state, rid))
        elif local == "definedName":
            name_attrs.append(attrs)
            name_texts.append("")
            p.CharacterDataHandler = collect
        elif local == "workbookPr":
            wb.date1904 = is_true(attrs.get("date1904"))
        elif local == "calcPr":
            wb.stale = is_true(attrs.get("fullCalcOnLoad"))

    def collect(data: str) -> None:
        name_texts[-1] += data

    def end(name: str) -> None:
        if local_name(name) == "definedName":
            p.CharacterDataHandler = None

    p.StartElementHandler = start
    p.EndElementHandler = end
    parse_part(p, pkg.chunks(part), part)

    for attrs, text in zip(name_attrs, name_texts, strict=True):
        name = attrs.get("name", "")
        if not name or "localSheetId" in attrs or name.lower().startswith(("_xlnm.", "_xlfn.")):
            continue
        text = text.strip()
        target = _NAME_CACHE.get(text)
        if target is None:
            target = _name_target(text)
            if len(_NAME_CACHE) < _CACHE_LIMIT:
                _NAME_CACHE[text] = target
        wb.names.setdefault(name, target)
    return wb


# Returned forms share their template's names and merges: parse each definition once.
# Both results are immutable; the caches stop growing at a limit (hostile input).
_CACHE_LIMIT = 20_000
_NAME_CACHE: dict[str, NameTarget] = {}


_BAD_SHEET_CHARS = frozenset("[]:*?/\\")
# an unquoted sheet name in a reference: no spaces, operators or quotes
_PLAIN_SHEET = re.compile(r"^[^\s,()+\-&=<>\"'!*/^%;{}#]+$")
_WHOLE_COLS = re.compile(r"^\$?([A-Za-z]{1,3}):\$?([A-Za-z]{1,3})$")
_WHOLE_ROWS = re.compile(r"^\$?(\d{1,7}):\$?(\d{1,7})$")


def _name_target(text: str) -> NameTarget:
    """`'Sheet'!$B$8:$G$29` or `Sheet!$A$1` -> sheet and area; anything else -> (None, None)."""
    ref = text[1:] if text.startswith("=") else text
    if ref.startswith("'"):
        i = 1
        while True:
            j = ref.find("'", i)
            if j < 0:
                return NameTarget(None, None, text)
            if ref.startswith("'", j + 1):  # '' is a quote inside the name
                i = j + 2
                continue
            break
        sheet, rest = ref[1:j].replace("''", "'"), ref[j + 1 :]
        if not rest.startswith("!"):
            return NameTarget(None, None, text)
        rest = rest[1:]
    else:
        sheet, bang, rest = ref.partition("!")
        if not bang or not _PLAIN_SHEET.match(sheet):
            return NameTarget(None, None, text)
    if not sheet or not _BAD_SHEET_CHARS.isdisjoint(sheet):
        return NameTarget(None, None, text)  # external ([1]Sheet), 3-D (A:B) or unnamed
    area = _parse_name_area(rest)
    return NameTarget(sheet, area, text) if area else NameTarget(None, None, text)


def _parse_name_area(ref: str) -> Area | None:
    area = area_of(ref.replace("$", ""))
    if area is not None:
        return area
    m = _WHOLE_COLS.match(ref)
    if m:
        first, last = area_of(f"{m.group(1)}1:{m.group(2)}{EXCEL_MAX_ROW}") or (None, None)
        return None if first is None or last is None else Area(first, last)
    m = _WHOLE_ROWS.match(ref)
    if m:
        r1, r2 = sorted((int(m.group(1)), int(m.group(2))))
        if r1 >= 1 and r2 <= EXCEL_MAX_ROW:
            return Area(Cell(r1, 1), Cell(r2, EXCEL_MAX_COL))
    return None


# ---------------------------------------------------------------- entry point


def load_xlsx(
    path: str | Path,
    bounds: Bounds = Bounds(),  # noqa: B008
    content: bytes | None = None,
) -> Book:
    """Read an .xlsx/.xlsm into a Book; WorkbookError if the file is not a usable workbook.

    `content`: the file's bytes, already read (and checked by the gate); `path` then only
    names the file."""
    try:
        zf = zipfile.ZipFile(path if content is None else io.BytesIO(content))
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as exc:
        raise WorkbookError("bad_zip") from exc
    except OSError as exc:
        raise WorkbookError("bad_zip") from exc
    with zf:
        return _load(Package(zf), bounds, Path(path))


def strings_and_styles(
    pkg: Any, wb_part: str, rels: Mapping[str, tuple[str, str]]
) -> tuple[str | None, str | None]:
    """The shared-strings and styles parts: by the workbook's relationships, else by the
    usual names beside the workbook part (some producers omit the relationship)."""

    def find(kind: str, usual: str) -> str | None:
        for k, target in rels.values():
            if k == kind and pkg.find(target) is not None:
                return target
        fallback = posixpath.join(posixpath.dirname(wb_part), usual)
        return fallback if pkg.find(fallback) else None

    return find("sharedStrings", "sharedStrings.xml"), find("styles", "styles.xml")


def _load(pkg: Package, bounds: Bounds, path: Path) -> Book:
    root = relationships(pkg, "")
    wb_part = next((t for kind, t in root.values() if kind == "officeDocument"), None)
    if wb_part is None or pkg.find(wb_part) is None:
        wb_part = "xl/workbook.xml"
    if pkg.find(wb_part) is None:
        raise WorkbookError("bad_workbook", part="xl/workbook.xml")
    wb = read_workbook(pkg, wb_part)
    rels = relationships(pkg, wb_part)

    strings_part, styles_part = strings_and_styles(pkg, wb_part, rels)
    strings = read_shared_strings(pkg, strings_part) if strings_part else []
    styles = read_styles(pkg, styles_part)

    book = new_book(pkg, path, wb)
    for sheet, target, rid in worksheets(pkg, wb, rels, book):
        if target is None:
            raise WorkbookError("missing_sheet", sheet=sheet.name, part=rid or "?")
        reader = SheetReader(sheet, bounds, strings, styles, wb.date1904, wb.stale)
        reader.read(pkg, target)
    return book


def new_book(pkg: Package, path: Path, wb: WorkbookPart) -> Book:
    """The Book a workbook's cells are read into, its sheets not yet added."""
    return Book(
        format=package_format(pkg, path),
        names=wb.names,
        date1904=wb.date1904,
        stale_formulas=wb.stale,
    )


def worksheets(
    pkg: Package, wb: WorkbookPart, rels: dict[str, tuple[str, str]], book: Book
) -> Iterator[tuple[SheetData, str | None, str]]:
    """Each sheet of the workbook, added to `book` in order; yielded with its part (None
    when the package lacks it: the caller says so) and its relationship id, unless it is a
    sheet with no cells a form could use (chart, dialog and macro sheets)."""
    for name, state, rid in wb.sheets:
        sheet = SheetData(name=name, state=state)
        book.sheets.append(sheet)
        kind, target = rels.get(rid, ("", ""))
        if kind in ("chartsheet", "dialogsheet", "xlMacrosheet", "xlIntlMacrosheet"):
            continue
        missing = not kind or pkg.find(target) is None
        yield sheet, None if missing else target, target or rid


def package_format(pkg: Package, path: Path) -> Literal["xlsx", "xlsm"]:
    """xlsm when the package declares a macro-enabled workbook (the file name may be wrong).

    A byte search is enough: the content type names are fixed ASCII strings.
    """
    name = pkg.find("[Content_Types].xml")
    if name is None:
        return "xlsm" if path.suffix.lower() == ".xlsm" else "xlsx"
    data = b"".join(pkg.chunks(name))
    return "xlsm" if b"macroEnabled.main+xml" in data else "xlsx"  # workbook or template
