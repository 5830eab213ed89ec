"""Generators of hostile and impostor files, written into a test's tmp_path.

Nothing binary is committed: every file is built at test time from a small openpyxl
workbook or from scratch.  Each function returns the path it wrote.
"""

from __future__ import annotations

import io
import struct
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path

SHEET = "xl/worksheets/sheet1.xml"
STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"


def good_xlsx(path: Path) -> Path:
    """A plain workbook as openpyxl writes it."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "申报书"
    ws["A1"] = "单位名称"
    ws["B1"] = "示例公司"
    ws["A2"] = "出口额（万美元）"
    ws["B2"] = 1234.5
    wb.save(path)
    return path


def rewrite_zip(
    src: Path,
    dst: Path,
    *,
    replace: Mapping[str, bytes] = {},
    add: Mapping[str, bytes] = {},
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """Copy a zip, swapping some parts' contents and appending others."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns about duplicate names
            for name, data in add.items():
                zout.writestr(name, data)
    return dst


def zip_of(path: Path, parts: Mapping[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def docx(path: Path) -> Path:
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
        '" Target="word/document.xml"/></Relationships>'
    )
    return zip_of(
        path,
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "_rels/.rels": rels.encode(),
            "word/document.xml": b'<?xml version="1.0"?><w:document/>',
        },
    )


def renamed_zip(path: Path) -> Path:
    return zip_of(path, {"说明.txt": "请见附件".encode(), "data/a.csv": b"a,b\n1,2\n"})


def png(path: Path) -> Path:
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr)
    return path


def pdf(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    return path


def html_as_xls(path: Path, *, encoding: str = "utf-8-sig") -> Path:
    """What 'save as web page' and many report systems produce under a .xls name."""
    html = (
        '<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="utf-8">'
        "</head><body><table><tr><td>单位名称</td><td>示例公司</td></tr></table></body></html>"
    )
    path.write_bytes(html.encode(encoding))
    return path


def empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def truncated(src: Path, path: Path) -> Path:
    data = src.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def inflating_part(src: Path, path: Path, size: int) -> Path:
    """A sheet part that inflates to `size` bytes (declared honestly)."""
    filler = b"<row/>" * (size // 6 + 1)
    return rewrite_zip(src, path, add={"xl/worksheets/sheet2.xml": filler})


def lying_header(
    src: Path, path: Path, *, real_size: int, declared: int, name: str = "xl/worksheets/sheet2.xml"
) -> Path:
    """A part whose central directory and local header declare `declared` bytes but
    whose deflate stream produces `real_size` bytes (the CRC is left as is)."""
    rewrite_zip(src, path, add={name: b" " * real_size})
    data = bytearray(path.read_bytes())
    raw = name.encode()
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_len] == raw:
            struct.pack_into("<I", data, central + 24, declared)  # uncompressed size
            local = struct.unpack_from("<I", data, central + 42)[0]
            struct.pack_into("<I", data, local + 22, declared)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    else:
        raise AssertionError("entry not found")
    path.write_bytes(bytes(data))
    return path


def many_entries(src: Path, path: Path, count: int) -> Path:
    extra = {f"xl/customXml/item{i}.xml": b"<a/>" for i in range(count)}
    return rewrite_zip(src, path, add=extra)


def bzip2_parts(src: Path, path: Path) -> Path:
    return rewrite_zip(src, path, compression=zipfile.ZIP_BZIP2)


def duplicate_names(src: Path, path: Path, *, other_case: bool = False) -> Path:
    name = "XL/Worksheets/Sheet1.xml" if other_case else SHEET
    return rewrite_zip(src, path, add={name: b"<worksheet/>"})


def odd_name(src: Path, path: Path, name: str) -> Path:
    """An extra part under a given name (zipfile would refuse some, so patch it in)."""
    placeholder = "x" * len(name.encode())
    rewrite_zip(src, path, add={placeholder: b"<a/>"})
    data = path.read_bytes().replace(placeholder.encode(), name.encode())
    path.write_bytes(data)
    return path


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n'
    "<worksheet>&lol2;</worksheet>"
)


def doctype_in_sheet(src: Path, path: Path, *, body: bytes | None = None) -> Path:
    return rewrite_zip(src, path, replace={SHEET: body or BILLION_LAUGHS.encode()})


def doctype_across_chunks(src: Path, path: Path, chunk: int = 64 * 1024) -> Path:
    """'<!DOCTYPE' straddling the boundary between two 64 KiB inflated chunks."""
    body = b" " * (chunk - 4) + b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><worksheet/>'
    return doctype_in_sheet(src, path, body=body)


def strict_ooxml(src: Path, path: Path) -> Path:
    with zipfile.ZipFile(src) as zf:
        workbook = zf.read("xl/workbook.xml")
    strict = workbook.replace(
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", STRICT_NS.encode()
    )
    assert strict != workbook
    return rewrite_zip(src, path, replace={"xl/workbook.xml": strict})


def encrypted_xlsx(src: Path, path: Path, password: str = "1234") -> Path:
    """Encrypted the way Excel does it ("Agile" encryption in an OLE2 wrapper)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with src.open("rb") as fh:
        OOXMLFile(fh).encrypt(password, out)
    path.write_bytes(out.getvalue())
    return path
