"""The zip container of an .xlsx/.xlsm and the XML of its parts: what every reader of the
package shares (formkit.read.xlsx's streaming reader and its fast path).

Part access by OPC part name (`Package`), one expat parser set up the safe way
(`new_parser`: a DOCTYPE is refused, external entities are never fetched), feeding a part
with the errors translated to `WorkbookError` (`parse_part`), relationships, and cell
references ("B8" -> (8, 2)).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from xml.parsers import expat

from formkit.cells import EXCEL_MAX_COL, EXCEL_MAX_ROW, Area, Cell, col_letter
from formkit.read.book import WorkbookError

CHUNK = 64 * 1024


_COLS: dict[str, int] = {}
for _i in range(1, 703):  # A..ZZ covers every column a form uses; longer ones are computed
    _COLS[col_letter(_i)] = _i
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LETTERS = _UPPER + _UPPER.lower()


def split_ref(ref: str) -> tuple[int, int]:
    """(row, col) of "B8"; ValueError if it is not a cell reference."""
    digits = ref.lstrip(_LETTERS)
    letters = ref[: len(ref) - len(digits)]
    col = _COLS.get(letters)
    if col is None:
        if not letters or len(letters) > 3:
            raise ValueError(ref)
        col = 0
        for ch in letters.upper():
            col = col * 26 + ord(ch) - 64
    if not digits.isdigit():  # isdigit: int() would also take " 8" and "8_0"
        raise ValueError(ref)
    row = int(digits)
    if not 1 <= row <= EXCEL_MAX_ROW or col > EXCEL_MAX_COL:
        raise ValueError(ref)
    return row, col


# "B8" -> (8, 2) for references seen before; filled up to a limit so that a hostile
# sheet with millions of distinct references cannot grow it without end
REF_CACHE: dict[str, tuple[int, int]] = {}
_REF_CACHE_LIMIT = 200_000


def cell_position(ref: str) -> tuple[int, int]:
    rc = split_ref(ref)
    if len(REF_CACHE) < _REF_CACHE_LIMIT:
        REF_CACHE[ref] = rc
    return rc


def is_true(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true", "on")


def local_name(name: str) -> str:
    """Local part of an expat namespaced name ("uri local" -> "local")."""
    return name.rpartition(" ")[2]


# ---------------------------------------------------------------- the zip container


class Package:
    """Part access by OPC part name: case-insensitive, with or without a leading slash."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.names: dict[str, str] = {}
        for info in zf.infolist():
            key = info.filename.replace("\\", "/").lstrip("/").lower()
            self.names.setdefault(key, info.filename)

    def find(self, part: str) -> str | None:
        return self.names.get(part.lstrip("/").lower())

    def chunks(self, part: str) -> Iterator[bytes]:
        name = self.find(part)
        if name is None:
            raise WorkbookError("bad_workbook", part=part)
        try:
            with self.zf.open(name) as stream:
                while chunk := stream.read(CHUNK):
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise WorkbookError("bad_zip") from exc
        except (NotImplementedError, RuntimeError) as exc:  # unknown compression, encrypted
            raise WorkbookError("bad_zip") from exc


def reject_doctype(*_args: Any) -> None:
    raise Doctype


class Doctype(Exception):
    pass


class Stop(Exception):
    """Raised from a handler to stop reading a part early."""


def new_parser() -> Any:
    # "uri local" names: prefixed (x:c) and default-namespace files read the same
    p = expat.ParserCreate(namespace_separator=" ")
    p.buffer_text = True
    p.StartDoctypeDeclHandler = reject_doctype
    # no ExternalEntityRefHandler: external entities are never fetched
    return p


def parse_part(
    p: Any, chunks: Iterable[bytes], part: str, on_chunk: Callable[[bytes], None] | None = None
) -> None:
    """Feed a part to a parser; handlers may raise Stop to end early."""
    try:
        for chunk in chunks:
            if on_chunk is not None:
                on_chunk(chunk)
            p.Parse(chunk, False)
        p.Parse(b"", True)
    except expat.ExpatError as exc:
        detail = f"第 {exc.lineno} 行第 {exc.offset} 列，{expat.errors.messages[exc.code]}"
        raise WorkbookError("bad_xml", part=part, detail=detail) from exc
    except Doctype as exc:
        raise WorkbookError("doctype", part=part) from exc
    except (ValueError, IndexError, KeyError, OverflowError) as exc:
        # a value the format does not allow (s="x", r="B", a string index out of range)
        raise WorkbookError("bad_xml", part=part, detail=f"{type(exc).__name__}: {exc}") from exc


def guard(fn: Callable[[], None], part: str) -> None:
    """Run a handler-like step outside the parser with the same error translation."""
    try:
        fn()
    except (ValueError, IndexError, KeyError, OverflowError) as exc:
        raise WorkbookError("bad_xml", part=part, detail=f"{type(exc).__name__}: {exc}") from exc


def parse_simple(pkg: Package, part: str, start: Callable[[str, dict[str, str]], None]) -> None:
    """Parse a small part with only a start-element handler (local names)."""
    p = new_parser()
    p.StartElementHandler = lambda name, attrs: start(local_name(name), attrs)
    parse_part(p, pkg.chunks(part), part)


def relationships(pkg: Package, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type's last segment, target part name) for `part`."""
    folder, base = posixpath.split(part)
    rels_part = posixpath.join(folder, "_rels", base + ".rels")
    found: dict[str, tuple[str, str]] = {}
    if pkg.find(rels_part) is None:
        return found

    def start(name: str, attrs: dict[str, str]) -> None:
        if name != "Relationship" or attrs.get("TargetMode") == "External":
            return
        target = attrs.get("Target", "").replace("\\", "/")
        if target.startswith("/"):
            path = target.lstrip("/")
        else:
            path = posixpath.normpath(posixpath.join(folder, target))
        kind = attrs.get("Type", "").rpartition("/")[2]
        found.setdefault(attrs.get("Id", ""), (kind, path))

    parse_simple(pkg, rels_part, start)
    return found


def is_indented(first: bytes) -> bool:
    """Whether a part has whitespace between its tags (an indenting writer), judging by its
    first chunk.  Then text must end at end tags; otherwise the next start tag is enough.
    A false alarm only costs speed (text such as "a > b" can trigger it)."""
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16: do not guess
    prolog = first.find(b"?>")
    root = first.find(b">", prolog + 2 if prolog >= 0 else 0)
    if root < 0:
        return True
    # an indenting writer indents everywhere: the first few KB after the root tag tell
    # (one regex pass: four `in` tests each stop at every ">", which is everywhere)
    return _TAG_THEN_SPACE.search(first, root + 1, root + 4097) is not None


_TAG_THEN_SPACE = re.compile(rb">[\n\r \t]")


def tag_names(local: str) -> frozenset[str]:
    """The names expat reports for a SpreadsheetML element (transitional, strict, none)."""
    return frozenset(
        (
            f"http://schemas.openxmlformats.org/spreadsheetml/2006/main {local}",
            f"http://purl.oclc.org/ooxml/spreadsheetml/main {local}",
            local,
        )
    )


def tag_codes(**codes: int) -> dict[str, int]:
    return {name: code for local, code in codes.items() for name in tag_names(local)}


def chain(*parts: Iterable[bytes]) -> Iterator[bytes]:
    for part in parts:
        yield from part


def area_of(ref: str) -> Area | None:
    """ "B8:G29" or "B8" (no dollars) -> Area with first <= last; None if not a range."""
    a, colon, b = ref.partition(":")
    try:
        r1, c1 = REF_CACHE.get(a) or cell_position(a)
        r2, c2 = (REF_CACHE.get(b) or cell_position(b)) if colon else (r1, c1)
    except ValueError:
        return None
    if r1 > r2:
        r1, r2 = r2, r1
    if c1 > c2:
        c1, c2 = c2, c1
    return Area(Cell(r1, c1), Cell(r2, c2))
