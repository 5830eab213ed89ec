"""Pre-parse gate: judge a returned file from its raw bytes before any spreadsheet library.

openpyxl and python-calamine trust what a file says about itself: a huge declared
dimension, a zip part that inflates to gigabytes, a DOCTYPE with entities, a renamed
format.  Some of those hang the reader, exhaust memory or abort the whole process, so
`inspect_file` looks only at the container (zip central directory and local headers,
OLE2 directory, first bytes) and inflates each zip part itself, never past its declared
size (a small part in one bounded call, a large one streamed).  A file it accepts still
has to be parsed in an isolated worker (see `isolate`), from the bytes the gate read
(`result.content`, and for a small .xlsx every part already inflated, `result.parts`);
a file it rejects gets a stable code and a Chinese message saying what the sender
should do.

    result = inspect_file(path)
    if not result.ok:
        tell_sender(result.message)         # result.code is stable, for logs and tests
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import os
import posixpath
import re
import struct
import types
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from formkit.issues import GATE_REJECTIONS, GATE_WARNINGS

__all__ = [
    "REJECTION_CODES",
    "WARNING_CODES",
    "GateResult",
    "GateWarning",
    "Limits",
    "inspect_file",
]

# code -> message template (the issue catalogue's, formkit.issues); placeholders are filled
# from the rejection's details. Codes are stable (logs, tests, the catalogue page).
REJECTION_CODES: dict[str, str] = GATE_REJECTIONS
WARNING_CODES: dict[str, str] = GATE_WARNINGS


@dataclass(frozen=True)
class Limits:
    """Caps checked against the container before anything is inflated."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_entries: int = 2000
    max_part_uncompressed: int = 200 * 1024 * 1024
    max_total_uncompressed: int = 500 * 1024 * 1024
    # uncompressed/compressed for parts over 1 MiB; None = no ratio check.  Real sheet
    # XML reaches 100:1 and more, so the size caps above are the primary defence.
    max_ratio: float | None = None


@dataclass(frozen=True)
class GateWarning:
    code: str
    message: str


@dataclass(frozen=True)
class GateResult:
    ok: bool
    kind: str | None  # "xlsx" | "xlsm" | "xls" | "ods" when ok
    code: str | None  # key of REJECTION_CODES when not ok
    message: str | None  # Chinese, tells the sender what to do
    warnings: tuple[GateWarning, ...]
    size: int
    sha256: str
    detail: str | None = None  # English, technical: which part, which size (for logs)
    # What was checked, for the reader to parse instead of reading the file again: the
    # bytes (a file changed on disk since is not read unchecked), and for a small .xlsx/
    # .xlsm every part inflated and CRC-checked, by zip entry name (parsing never
    # inflates twice).  None when not kept.
    content: bytes | None = field(default=None, repr=False, compare=False)
    parts: dict[str, bytes] | None = field(default=None, repr=False, compare=False)


class _Reject(Exception):
    def __init__(self, code: str, detail: str, **fmt: Any) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.fmt = fmt


def inspect_file(path: str | os.PathLike[str], limits: Limits = Limits()) -> GateResult:
    """Classify and vet one file from its bytes; never raises for bad content.

    OSError (missing file, no permission) propagates: that is the caller's problem, not
    the sender's.  The file is opened read-only and read once.
    """
    data, size, sha256 = _read(Path(path), limits.max_file_bytes)

    def reject(code: str, detail: str, **fmt: Any) -> GateResult:
        message = REJECTION_CODES[code].format(**fmt)
        return GateResult(False, None, code, message, (), size, sha256, detail)

    if size == 0:
        return reject("empty", "0 bytes")
    if data is None:
        return reject(
            "too_large",
            f"{size} bytes > max_file_bytes {limits.max_file_bytes}",
            size_mb=f"{size / 2**20:.1f}",
            limit_mb=f"{limits.max_file_bytes / 2**20:.0f}",
        )
    parts: dict[str, bytes] = {}
    try:
        kind, warning_codes = _classify(data, limits, parts)
    except _Reject as r:
        return reject(r.code, r.detail, **r.fmt)
    warnings = tuple(GateWarning(c, WARNING_CODES[c]) for c in sorted(warning_codes))
    return GateResult(
        True, kind, None, None, warnings, size, sha256, content=data, parts=parts or None
    )


def _read(path: Path, max_bytes: int) -> tuple[bytes | None, int, str]:
    """Read once, hashing as we go; keep the bytes only if within the size cap."""
    digest = hashlib.sha256()
    kept: list[bytes] = []
    size = 0
    with path.open("rb") as fh:
        # the first read is sized to the file (a fixed large read allocates that much each
        # time); later reads only if it grew meanwhile
        want = min(os.fstat(fh.fileno()).st_size, max_bytes) + 1
        while chunk := fh.read(want):
            digest.update(chunk)
            size += len(chunk)
            if size <= max_bytes:
                kept.append(chunk)
            if len(chunk) < want:
                break  # the end: no further read (each would allocate its full size)
            want = 1 << 16
    return (b"".join(kept) if size <= max_bytes else None), size, digest.hexdigest()


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _classify(data: bytes, limits: Limits, parts: dict[str, bytes]) -> tuple[str, set[str]]:
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _inspect_zip(data, limits, parts)
    if data.startswith(_OLE_MAGIC):
        return _inspect_ole(data)
    raise _sniff_other(data)


# --- not a container ------------------------------------------------------------------

_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"%PDF", "PDF 文档"),
    (b"{\\rtf", "RTF 文档"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
)


def _sniff_other(data: bytes) -> _Reject:
    head = data[:4096]
    for magic, what in _MAGICS:
        if head.startswith(magic):
            return _Reject("not_spreadsheet", f"magic {magic!r}", what=what)
    # BIFF2-4 worksheets are bare records, not an OLE2 file: BOF record id 0x0009/0209/0409
    if len(head) >= 4 and head[0] == 0x09 and head[1] in (0x00, 0x02, 0x04):
        return _Reject("obsolete_xls", "BIFF2-4 BOF record without OLE2 container")
    text = _decode_head(head)
    if text is None:
        return _Reject("not_spreadsheet", "unknown binary content", what="未知格式")
    # HTML, XML Spreadsheet 2003 and MHT ("single file web page") all open in Excel as .xls
    stripped = text.lstrip()
    if stripped.startswith("<") or stripped.lower().startswith("mime-version:"):
        return _Reject("html_as_xls", "markup (HTML/XML/MHT) text")
    if "\t" in text or "," in text:
        return _Reject("text_as_xls", "delimited text")
    return _Reject("not_spreadsheet", "plain text", what="文本文件")


def _decode_head(head: bytes) -> str | None:
    """The head as text if it looks like text in any encoding Excel/WPS export uses."""
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="replace")
    if b"\x00" in head:
        return None
    # gb18030 decodes almost any byte string, so also demand few control characters
    text = head.decode("gb18030", errors="replace")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
    return text if controls <= len(text) // 100 else None


# --- OLE2 compound file (.xls, and encrypted OOXML) ------------------------------------


def _inspect_ole(data: bytes) -> tuple[str, set[str]]:
    # msoffcrypto-tool bundles olefile (it has no type information); imported here, for an
    # OLE2 file: it brings logging, and a check of .xlsx files does not need it
    import olefile  # type: ignore[import-untyped]

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as e:  # olefile raises many types on damaged headers; all mean "broken"
        raise _Reject("truncated", f"OLE2 header/directory: {e}") from e
    with ole:
        try:
            paths = [tuple(p) for p in ole.listdir(streams=True, storages=True)]
        except Exception as e:
            raise _Reject("truncated", f"OLE2 directory: {e}") from e
        top = {p[0].lower(): p[0] for p in paths}
        if "encryptioninfo" in top or "encryptedpackage" in top:
            # an encrypted .xlsx/.docx travels inside an OLE2 wrapper
            raise _Reject("encrypted", "OOXML EncryptionInfo stream")
        book = top.get("workbook") or top.get("book")
        if book is None:
            what = (
                "Word 文档"
                if "worddocument" in top
                else "PowerPoint 演示文稿"
                if "powerpoint document" in top
                else "非表格的 Office 文件"
            )
            raise _Reject("not_spreadsheet", f"OLE2 streams: {sorted(top)[:8]}", what=what)
        try:
            stream = ole.openstream(book).read()
        except Exception as e:
            raise _Reject("truncated", f"OLE2 {book} stream: {e}") from e
        if ole.get_size(book) != len(stream):
            raise _Reject("truncated", f"{book} stream short: {len(stream)}/{ole.get_size(book)}")
        if _biff_has_filepass(stream):
            raise _Reject("encrypted", "BIFF FILEPASS record")
        warnings: set[str] = set()
        if "_vba_project_cur" in top:
            warnings.add("macros")
        if any(name.startswith("mbd") for name in top):
            warnings.add("embedded_objects")
        if "ctls" in top:
            warnings.add("activex")
    return "xls", warnings


def _biff_has_filepass(stream: bytes) -> bool:
    """True if the workbook globals carry FILEPASS (any BIFF5/8 encryption).

    Same question as msoffcrypto's `is_encrypted()`, which handles only BIFF8 "Workbook".
    """
    pos = 0
    while pos + 4 <= len(stream):
        record, length = struct.unpack_from("<HH", stream, pos)
        if record == 0x002F:  # FILEPASS
            return True
        if record == 0x000A:  # EOF of the globals substream
            return False
        pos += 4 + length
    return False


# --- zip container (.xlsx, .xlsm, .ods, and impostors) ---------------------------------

_CHUNK = 64 * 1024
_KEEP = 1 << 20  # bytes of a small part kept for identification
# a part up to this size (declared, within the caps) is inflated in one bounded call
_WHOLE = 8 * 1024 * 1024
# the parts of an .xlsx/.xlsm up to this total are kept for the reader
_KEEP_PARTS = 32 * 1024 * 1024
_MARKERS = tuple(
    m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY") for enc in ("ascii", "utf-16-le", "utf-16-be")
)
_OVERLAP = max(len(m) for m in _MARKERS) - 1
_STRICT_NS = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
_ODS_MIMETYPES = (
    b"application/vnd.oasis.opendocument.spreadsheet",
    b"application/vnd.oasis.opendocument.spreadsheet-template",
)
# parts no spreadsheet reader parses: images (SVG may legitimately carry a DOCTYPE),
# embedded files, and LibreOffice's Basic/dialog/UI libraries, which it writes with a DTD
_UNSCANNED_DIRS = (
    "xl/media/",
    "xl/embeddings/",
    "pictures/",
    "thumbnails/",
    "objectreplacements/",
    "basic/",
    "dialogs/",
    "configurations2/",
)
_UNSCANNED_EXT = (
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".bmp",
    ".tif",
    ".tiff",
    ".emf",
    ".wmf",
    ".svg",
    ".bin",
)


def _inspect_zip(data: bytes, limits: Limits, parts: dict[str, bytes]) -> tuple[str, set[str]]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except UnicodeDecodeError as e:  # flagged UTF-8 but is not
        raise _Reject("bad_zip_names", f"entry name not UTF-8: {e}") from e
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, struct.error) as e:
        raise _Reject("truncated", f"zip central directory: {e}") from e
    with zf:
        infos = zf.infolist()
        extents = _check_directory(data, infos, limits)
        by_name = {i.filename.lower(): i for i in infos}
        kind, workbook = _identify(data, by_name)
        keep_parts = kind in ("xlsx", "xlsm") and sum(i.file_size for i in infos) <= _KEEP_PARTS
        workbook_head = b""
        for info in infos:
            name = info.filename.lower()
            scan = not name.startswith(_UNSCANNED_DIRS) and not name.endswith(_UNSCANNED_EXT)
            extent = extents[info.header_offset]
            if info.file_size <= _WHOLE:
                whole = _inflated(data, info, scan=scan, extent=extent)
                if keep_parts:
                    parts[info.filename] = whole
                if info is workbook:
                    workbook_head = whole[:_CHUNK]
            else:
                keep = _CHUNK if info is workbook else 0
                head = _inflate_checked(data, info, scan=scan, keep=keep, extent=extent)
                if info is workbook:
                    workbook_head = head
    if _STRICT_NS in workbook_head:
        raise _Reject("strict_ooxml", "workbook in the Strict OOXML namespace")
    if len(parts) != len(infos):
        parts.clear()  # all or nothing: the reader then reads the file itself
    return kind, _zip_warnings(kind, by_name)


_DRIVE = re.compile(r"[A-Za-z]:")
_SEPARATORS = re.compile(r"[/\\]")


def _check_directory(
    data: bytes, infos: list[zipfile.ZipInfo], limits: Limits
) -> dict[int, tuple[int, int]]:
    """Everything decidable from the central directory and local headers alone.

    Returns where each entry's compressed bytes lie, by local header offset (unique: two
    entries at one offset overlap and are refused).
    """
    if len(infos) > limits.max_entries:
        raise _Reject(
            "too_many_entries",
            f"{len(infos)} entries > {limits.max_entries}",
            count=len(infos),
            limit=limits.max_entries,
        )
    seen: set[str] = set()
    total = 0
    extents: list[tuple[int, int]] = []
    data_extents: dict[int, tuple[int, int]] = {}
    for info in infos:
        name = info.orig_filename  # zipfile cuts `filename` at a NUL; this keeps it
        if (
            "\x00" in name
            or name.startswith(("/", "\\"))
            or _DRIVE.match(name)
            or (".." in name and ".." in _SEPARATORS.split(name))
        ):
            raise _Reject("bad_zip_names", f"unsafe entry name {name!r}")
        if name.casefold() in seen:
            raise _Reject("bad_zip_names", f"duplicate entry name {name!r}")
        seen.add(name.casefold())
        if info.flag_bits & 0x1:
            raise _Reject("encrypted", f"zip entry {name!r} is password-protected")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Reject("bad_compression", f"{name!r} uses method {info.compress_type}")
        if info.file_size > limits.max_part_uncompressed:
            raise _Reject(
                "zip_bomb", f"{name!r} declares {info.file_size} bytes", what="单个部件过大"
            )
        if (
            limits.max_ratio is not None
            and info.file_size > 1 << 20
            and info.file_size > limits.max_ratio * max(info.compress_size, 1)
        ):
            raise _Reject("zip_bomb", f"{name!r} ratio over {limits.max_ratio}", what="压缩比异常")
        total += info.file_size
        start, end = _data_extent(data, info)
        data_extents[info.header_offset] = (start, end)
        extents.append((info.header_offset, end))
    if total > limits.max_total_uncompressed:
        raise _Reject("zip_bomb", f"declared total {total} bytes", what="解压后总量过大")
    # overlapping entries make many small parts share one huge stream (Fifield's bomb)
    extents.sort()
    for (_, end), (next_start, _) in itertools.pairwise(extents):
        if next_start < end:
            raise _Reject("zip_bomb", "overlapping entries", what="部件相互重叠")
    return data_extents


def _data_extent(data: bytes, info: zipfile.ZipInfo) -> tuple[int, int]:
    """Where the entry's compressed bytes lie, from its local header."""
    offset = info.header_offset
    if offset < 0 or offset + 30 > len(data):
        raise _Reject("truncated", f"{info.filename!r}: local header beyond end of file")
    sig, _, _, _, _, _, _, _, _, name_len, extra_len = struct.unpack_from("<4s5H3L2H", data, offset)
    if sig != b"PK\x03\x04":
        raise _Reject("truncated", f"{info.filename!r}: no local header signature")
    raw_name = data[offset + 30 : offset + 30 + name_len]
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    if raw_name.decode(encoding, errors="replace") != info.orig_filename:
        # readers that trust local headers would see a different part than ours
        raise _Reject("bad_zip_names", f"local name {raw_name!r} != central {info.orig_filename!r}")
    start = offset + 30 + name_len + extra_len
    end = start + info.compress_size
    if end > len(data):
        raise _Reject("truncated", f"{info.filename!r}: data beyond end of file")
    return start, end


def _identify(
    data: bytes, by_name: dict[str, zipfile.ZipInfo]
) -> tuple[str, zipfile.ZipInfo | None]:
    """Kind of document and its workbook part, from mimetype / package relationships."""
    if "mimetype" in by_name:
        mimetype = _inflate_checked(data, by_name["mimetype"], scan=False, keep=200).strip()
        if mimetype in _ODS_MIMETYPES:
            manifest = by_name.get("meta-inf/manifest.xml")
            if manifest and b"encryption-data" in _inflate_checked(
                data, manifest, scan=True, keep=_KEEP
            ):
                raise _Reject("encrypted", "ODF manifest has encryption-data")
            return "ods", by_name.get("content.xml")
        what = (
            "OpenDocument 文本或演示文稿"
            if mimetype.startswith(b"application/vnd.oasis")
            else "压缩包"
        )
        raise _Reject("not_spreadsheet", f"mimetype {mimetype[:80]!r}", what=what)

    target = _office_document_target(data, by_name)
    if target.endswith(".bin") or "xl/workbook.bin" in by_name:
        raise _Reject("xlsb", f"binary workbook part {target or 'xl/workbook.bin'}")
    content_types = _content_types(data, by_name)
    if target in by_name and "spreadsheetml" in content_types.get(target, ""):
        workbook: zipfile.ZipInfo | None = by_name[target]
    else:
        workbook = by_name.get("xl/workbook.xml")
    if workbook is not None:
        macro = "macroenabled" in content_types.get(workbook.filename.lower(), "")
        return ("xlsm" if macro or "xl/vbaproject.bin" in by_name else "xlsx"), workbook
    if target.startswith("word/") or any(n.startswith("word/") for n in by_name):
        raise _Reject("not_spreadsheet", f"main part {target!r}", what="Word 文档")
    if target.startswith("ppt/") or any(n.startswith("ppt/") for n in by_name):
        raise _Reject("not_spreadsheet", f"main part {target!r}", what="PowerPoint 演示文稿")
    raise _Reject("not_spreadsheet", "zip without a workbook part", what="压缩包")


def _package_part(data: bytes, info: zipfile.ZipInfo | None) -> bytes:
    """A small package part's bytes (b"" if absent), checked like every part."""
    return b"" if info is None else _inflate_checked(data, info, scan=True, keep=_KEEP)


def _package_xml(text: bytes) -> ElementTree.Element | None:
    """A small package part parsed, or None if absent or malformed."""
    # safe to parse: _inflate_checked has refused any DOCTYPE, so there are no entities
    try:
        return ElementTree.fromstring(text) if text else None
    except ElementTree.ParseError:
        return None


def _office_document_target(data: bytes, by_name: dict[str, zipfile.ZipInfo]) -> str:
    """Lower-cased part name the package relationships point to as the main document."""
    rels = _package_part(data, by_name.get("_rels/.rels"))
    return _main_target_cached(rels) if len(rels) <= _CACHED_PART else _main_target(rels)


# files returned from one template share these parts: each (if small) is parsed once
_CACHED_PART = 64 * 1024


@functools.lru_cache(maxsize=64)
def _main_target_cached(rels: bytes) -> str:
    return _main_target(rels)


def _main_target(rels: bytes) -> str:
    root = _package_xml(rels)
    for rel in root if root is not None else ():
        if rel.get("Type", "").endswith("/officeDocument") and rel.get("TargetMode") != "External":
            return posixpath.normpath("/" + rel.get("Target", "")).lstrip("/").lower()
    return ""


def _content_types(data: bytes, by_name: dict[str, zipfile.ZipInfo]) -> Mapping[str, str]:
    """Lower-cased part name -> lower-cased content type, from the Override entries."""
    part = _package_part(data, by_name.get("[content_types].xml"))
    return _overrides_cached(part) if len(part) <= _CACHED_PART else _overrides(part)


@functools.lru_cache(maxsize=64)
def _overrides_cached(content_types: bytes) -> Mapping[str, str]:
    return _overrides(content_types)


def _overrides(content_types: bytes) -> Mapping[str, str]:
    root = _package_xml(content_types)
    overrides = {}
    for item in root if root is not None else ():
        if item.tag.endswith("Override"):
            part = item.get("PartName", "").lstrip("/").lower()
            overrides[part] = item.get("ContentType", "").lower()
    return types.MappingProxyType(overrides)  # shared between calls: read-only


def _zip_warnings(kind: str, by_name: dict[str, zipfile.ZipInfo]) -> set[str]:
    names = list(by_name)
    found: set[str] = set()
    if kind == "ods":
        prefixes = {"macros": ("basic/", "scripts/"), "embedded_objects": ("object ",)}
    else:
        prefixes = {
            "macros": ("xl/vbaproject", "xl/macrosheets/"),
            "external_links": ("xl/externallinks/",),
            "embedded_objects": ("xl/embeddings/",),
            "activex": ("xl/activex/",),
        }
    for code, starts in prefixes.items():
        if any(n.startswith(starts) for n in names):
            found.add(code)
    return found


def _inflate_checked(
    data: bytes,
    info: zipfile.ZipInfo,
    *,
    scan: bool,
    keep: int,
    extent: tuple[int, int] | None = None,
) -> bytes:
    """Inflate one entry ourselves and return its first `keep` bytes.

    The central directory's size can lie and zipfile silently trusts it (it stops at the
    declared size), while other readers may not.  So: never produce more than declared
    (already within the caps) plus one chunk, check size and CRC, and look for DOCTYPE/
    ENTITY across chunk boundaries.

    The scan first looks for "!", which every marker has in any encoding and which
    OOXML parts rarely contain (a one-byte search is far faster than one for "<!" in
    text full of "<"), and only then for the markers themselves; the few bytes across a
    chunk boundary are checked on their own, so a chunk is never copied.
    """
    start, end = extent if extent is not None else _data_extent(data, info)
    raw = memoryview(data)[start:end]
    produced = 0
    crc = 0
    tail = b""
    head = bytearray()
    for chunk in _inflate(raw, info.compress_type):
        produced += len(chunk)
        if produced > info.file_size:
            raise _Reject(
                "zip_bomb",
                f"{info.filename!r} inflates past its declared {info.file_size} bytes",
                what="解压后大小与声明不符",
            )
        crc = zlib.crc32(chunk, crc)
        if scan:
            if (tail and _has_marker(tail + chunk[:_OVERLAP])) or (
                b"!" in chunk and _has_marker(chunk)
            ):
                raise _Reject("xml_doctype", f"DOCTYPE/ENTITY in {info.filename!r}")
            tail = (tail + chunk[-_OVERLAP:])[-_OVERLAP:]
        if len(head) < keep:
            head += chunk[: keep - len(head)]
    if produced != info.file_size or crc != info.CRC:
        raise _Reject(
            "truncated", f"{info.filename!r}: {produced}/{info.file_size} bytes or bad CRC"
        )
    return bytes(head)


# a part's compressed bytes (and what it declares) -> its checked content: files returned
# from one template share most of their parts byte for byte (theme, styles, the sheets
# nobody fills), and each was inflated, summed and scanned again in every file. Only what
# passed every check is kept, and a part is the same object in every file that has it
# (what the reader keys by its bytes hashes it once). Bounded in entries and in bytes, so
# that a worker's memory stays flat whatever it reads: a file's own parts (its filled
# sheets, its strings) never repeat and fill it, 1 MB in some 25 files; when full, the
# parts asked for again since the last time are kept (at most half the bound, else none)
# and the rest let go of.
_INFLATED: dict[tuple[bytes, int, int, int, bool], bytes] = {}
_INFLATED_AGAIN: set[tuple[bytes, int, int, int, bool]] = set()
_INFLATED_LIMIT = 256
_INFLATED_BYTES = 1024 * 1024
_INFLATED_PART = 256 * 1024  # larger parts are not remembered
_inflated_size = [0]


def _inflated(data: bytes, info: zipfile.ZipInfo, *, scan: bool, extent: tuple[int, int]) -> bytes:
    """`_inflate_whole`, remembered for a small part whose bytes were seen before."""
    start, end = extent
    if info.file_size > _INFLATED_PART or end - start > _INFLATED_PART:
        return _inflate_whole(data, info, scan=scan, extent=extent)
    raw = data[start:end]
    key = (raw, info.file_size, info.CRC, info.compress_type, scan)
    out = _INFLATED.get(key)
    if out is not None:
        _INFLATED_AGAIN.add(key)
        return out
    out = _inflate_whole(data, info, scan=scan, extent=extent)
    if len(_INFLATED) >= _INFLATED_LIMIT or _inflated_size[0] > _INFLATED_BYTES:
        _trim_inflated()
    _INFLATED[key] = out
    _inflated_size[0] += len(raw) + len(out)
    return out


def _trim_inflated() -> None:
    """Keep the parts asked for again since the last trim, if they are at most half the
    bound; let go of the rest."""
    kept = {key: _INFLATED[key] for key in _INFLATED_AGAIN if key in _INFLATED}
    size = sum(len(key[0]) + len(out) for key, out in kept.items())
    if len(kept) * 2 > _INFLATED_LIMIT or size * 2 > _INFLATED_BYTES:
        kept, size = {}, 0
    _INFLATED.clear()
    _INFLATED.update(kept)
    _INFLATED_AGAIN.clear()
    _inflated_size[0] = size


def _inflate_whole(
    data: bytes, info: zipfile.ZipInfo, *, scan: bool, extent: tuple[int, int]
) -> bytes:
    """`_inflate_checked` for a part small enough to hold: one zlib call, never producing
    more than declared plus one byte, then the same size, CRC and marker checks."""
    start, end = extent
    raw = memoryview(data)[start:end]
    if info.compress_type == zipfile.ZIP_STORED:
        out = bytes(raw)
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            out = inflater.decompress(raw, info.file_size + 1)
        except zlib.error as e:
            raise _Reject("truncated", f"deflate stream: {e}") from e
        if len(out) > info.file_size:
            raise _Reject(
                "zip_bomb",
                f"{info.filename!r} inflates past its declared {info.file_size} bytes",
                what="解压后大小与声明不符",
            )
        if not inflater.eof:
            raise _Reject("truncated", "deflate stream ends early")
    if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
        raise _Reject(
            "truncated", f"{info.filename!r}: {len(out)}/{info.file_size} bytes or bad CRC"
        )
    if scan and b"!" in out and _has_marker(out):
        raise _Reject("xml_doctype", f"DOCTYPE/ENTITY in {info.filename!r}")
    return out


def _has_marker(data: bytes) -> bool:
    return any(marker in data for marker in _MARKERS)


def _inflate(raw: memoryview, method: int) -> Iterator[bytes]:
    """Decompressed chunks of at most _CHUNK bytes; the consumer decides when to stop."""
    if method == zipfile.ZIP_STORED:
        for i in range(0, len(raw), _CHUNK):
            yield bytes(raw[i : i + _CHUNK])
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        for i in range(0, len(raw), _CHUNK):
            pending: bytes | memoryview = raw[i : i + _CHUNK]
            while not inflater.eof:
                out = inflater.decompress(pending, _CHUNK)
                pending = inflater.unconsumed_tail
                if out:
                    yield out
                elif not pending:
                    break  # this input is used up and nothing is buffered: next input chunk
            if inflater.eof:
                return
    except zlib.error as e:
        raise _Reject("truncated", f"deflate stream: {e}") from e
    raise _Reject("truncated", "deflate stream ends early")
