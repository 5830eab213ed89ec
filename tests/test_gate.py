"""The pre-parse gate: one test per class of bad file, plus good files and the corpus."""

from __future__ import annotations

import collections
import hashlib
import shutil
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from formkit.read import gate as gate_module
from formkit.read.gate import REJECTION_CODES, WARNING_CODES, GateResult, Limits, inspect_file
from tests import hostile
from tests.conftest import SHARED

CORPUS = SHARED / "corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus absent at {CORPUS}")


DEFAULT = Limits()


def gate(path: Path, limits: Limits = DEFAULT) -> GateResult:
    """inspect_file, asserting the invariants every result must satisfy."""
    before = path.read_bytes()
    result = inspect_file(path, limits)
    assert path.read_bytes() == before, "the gate must never modify its input"
    assert result.size == len(before)
    assert result.sha256 == hashlib.sha256(before).hexdigest()
    if result.ok:
        assert result.kind in {"xlsx", "xlsm", "xls", "ods"} and result.code is None
    else:
        assert result.kind is None and result.code in REJECTION_CODES
        assert result.message and "{" not in result.message  # template fully filled
    assert all(w.code in WARNING_CODES for w in result.warnings)
    return result


def rejected(path: Path, code: str, limits: Limits = DEFAULT) -> GateResult:
    result = gate(path, limits)
    assert (result.ok, result.code) == (False, code), result.detail
    return result


@pytest.fixture
def xlsx(tmp_path: Path) -> Path:
    return hostile.good_xlsx(tmp_path / "good.xlsx")


@pytest.fixture(params=["whole", "chunked"])
def inflater(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Parts up to gate._WHOLE are inflated in one bounded call, larger ones streamed in
    chunks: hostile content must be refused the same way by both."""
    if request.param == "chunked":
        monkeypatch.setattr(gate_module, "_WHOLE", 0)
    return str(request.param)


# --- accepted -------------------------------------------------------------------------


def test_good_xlsx(xlsx: Path, inflater: str) -> None:
    result = gate(xlsx)
    assert (result.ok, result.kind, result.warnings) == (True, "xlsx", ())
    # what was checked is handed on: the bytes, and (small parts) every part inflated
    assert result.content == xlsx.read_bytes()
    with zipfile.ZipFile(xlsx) as zf:
        expected = {info.filename: zf.read(info) for info in zf.infolist()}
    assert result.parts == (expected if inflater == "whole" else None)


def test_parts_are_kept_all_or_nothing(xlsx: Path, tmp_path: Path, monkeypatch) -> None:
    big = hostile.rewrite_zip(xlsx, tmp_path / "big.xlsx", add={"xl/big.xml": b"<a/>" * 5000})
    monkeypatch.setattr(gate_module, "_WHOLE", 10_000)  # xl/big.xml (20 KB) is streamed
    result = gate(big)
    assert result.ok and result.parts is None and result.content == big.read_bytes()


def test_kind_is_by_content_not_extension(xlsx: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "申报书.xls"
    shutil.copyfile(xlsx, renamed)
    assert gate(renamed).kind == "xlsx"


def test_macros_make_xlsm_with_a_warning(xlsx: Path, tmp_path: Path) -> None:
    path = hostile.rewrite_zip(xlsx, tmp_path / "m.xlsx", add={"xl/vbaProject.bin": b"\0" * 64})
    result = gate(path)
    assert result.kind == "xlsm"
    assert [w.code for w in result.warnings] == ["macros"]


def test_warnings_for_links_embeddings_activex(xlsx: Path, tmp_path: Path) -> None:
    extra = {
        "xl/externalLinks/externalLink1.xml": b"<externalLink/>",
        "xl/embeddings/oleObject1.bin": b"\0" * 64,
        "xl/activeX/activeX1.xml": b"<ax/>",
    }
    result = gate(hostile.rewrite_zip(xlsx, tmp_path / "w.xlsx", add=extra))
    assert result.ok
    assert {w.code for w in result.warnings} == {"external_links", "embedded_objects", "activex"}


@needs_corpus
def test_corpus_xls_even_renamed(tmp_path: Path) -> None:
    source = CORPUS / "calamine" / "tests__date.xls"
    assert gate(source).kind == "xls"
    renamed = tmp_path / "date.xlsx"
    shutil.copyfile(source, renamed)
    assert gate(renamed).kind == "xls"


@needs_corpus
def test_corpus_ods() -> None:
    assert gate(CORPUS / "calamine" / "tests__date.ods").kind == "ods"


# --- rejected: not a workbook at all --------------------------------------------------


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (hostile.docx, "not_spreadsheet"),
        (hostile.renamed_zip, "not_spreadsheet"),
        (hostile.png, "not_spreadsheet"),
        (hostile.pdf, "not_spreadsheet"),
        (hostile.html_as_xls, "html_as_xls"),
        (hostile.empty, "empty"),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_impostors(tmp_path: Path, make: Callable[[Path], Path], code: str) -> None:
    rejected(make(tmp_path / "申报书.xls"), code)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gb18030"])
def test_html_as_xls_in_any_encoding(tmp_path: Path, encoding: str) -> None:
    rejected(hostile.html_as_xls(tmp_path / "t.xls", encoding=encoding), "html_as_xls")


@pytest.mark.parametrize(
    ("head", "code"),
    [
        (b"MIME-Version: 1.0\r\nContent-Type: multipart/related", "html_as_xls"),  # .mht
        (
            b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spread',
            "html_as_xls",
        ),
        (b"\x09\x04\x06\x00\x00\x00\x10\x00", "obsolete_xls"),  # BIFF4 BOF record
        (b"\x00\x01\x02\x03" * 64, "not_spreadsheet"),
    ],
)
def test_other_first_bytes(tmp_path: Path, head: bytes, code: str) -> None:
    path = tmp_path / "x.xls"
    path.write_bytes(head)
    rejected(path, code)


def test_tab_separated_text_as_xls(tmp_path: Path) -> None:
    path = tmp_path / "export.xls"
    path.write_bytes("单位\t金额\r\n示例\t12\r\n".encode("gb18030"))
    rejected(path, "text_as_xls")


@pytest.mark.usefixtures("inflater")
def test_truncated_xlsx(xlsx: Path, tmp_path: Path) -> None:
    rejected(hostile.truncated(xlsx, tmp_path / "half.xlsx"), "truncated")


@needs_corpus
def test_truncated_xls(tmp_path: Path) -> None:
    source = CORPUS / "calamine" / "tests__date.xls"
    rejected(hostile.truncated(source, tmp_path / "half.xls"), "truncated")


def test_encrypted_xlsx(xlsx: Path, tmp_path: Path) -> None:
    result = rejected(hostile.encrypted_xlsx(xlsx, tmp_path / "locked.xlsx"), "encrypted")
    assert result.message == REJECTION_CODES["encrypted"]


@needs_corpus
@pytest.mark.parametrize(
    "name",
    [
        "calamine/tests__pass_protected.xlsx",
        "calamine/tests__pass_protected.ods",
        "libreoffice/calc__xls-import__encryption__export-conditional-formatting.xls",
    ],
)
def test_encrypted_corpus_files(name: str) -> None:
    rejected(CORPUS / name, "encrypted")


def test_strict_ooxml(xlsx: Path, tmp_path: Path) -> None:
    rejected(hostile.strict_ooxml(xlsx, tmp_path / "strict.xlsx"), "strict_ooxml")


# --- rejected: hostile containers -----------------------------------------------------

SMALL = Limits(max_part_uncompressed=1 << 20, max_total_uncompressed=2 << 20)


@pytest.mark.usefixtures("inflater")
def test_part_over_the_cap(xlsx: Path, tmp_path: Path) -> None:
    path = hostile.inflating_part(xlsx, tmp_path / "bomb.xlsx", size=3 << 20)
    rejected(path, "zip_bomb", SMALL)
    assert gate(path).ok  # the same file is fine under the default caps


@pytest.mark.usefixtures("inflater")
def test_total_over_the_cap(xlsx: Path, tmp_path: Path) -> None:
    parts = {f"xl/worksheets/sheet{i}.xml": b"<row/>" * 150_000 for i in range(2, 5)}
    path = hostile.rewrite_zip(xlsx, tmp_path / "bomb.xlsx", add=parts)
    rejected(path, "zip_bomb", SMALL)


@pytest.mark.usefixtures("inflater")
def test_lying_header(xlsx: Path, tmp_path: Path) -> None:
    # declares 1 KiB, inflates to 50 MiB: the gate must stop right after the first KiB
    path = hostile.lying_header(xlsx, tmp_path / "liar.xlsx", real_size=50 << 20, declared=1024)
    start = time.monotonic()
    rejected(path, "zip_bomb")
    assert time.monotonic() - start < 1.0


def test_too_many_entries(xlsx: Path, tmp_path: Path) -> None:
    path = hostile.many_entries(xlsx, tmp_path / "many.xlsx", count=Limits().max_entries)
    rejected(path, "too_many_entries")


def test_bad_compression(xlsx: Path, tmp_path: Path) -> None:
    rejected(hostile.bzip2_parts(xlsx, tmp_path / "bz.xlsx"), "bad_compression")


@pytest.mark.parametrize("other_case", [False, True])
def test_duplicate_names(xlsx: Path, tmp_path: Path, other_case: bool) -> None:
    path = hostile.duplicate_names(xlsx, tmp_path / "dup.xlsx", other_case=other_case)
    rejected(path, "bad_zip_names")


@pytest.mark.parametrize("name", ["../evil.xml", "/etc/evil.xml", "xl/a\x00.xml", "C:\\x.xml"])
def test_unsafe_names(xlsx: Path, tmp_path: Path, name: str) -> None:
    rejected(hostile.odd_name(xlsx, tmp_path / "names.xlsx", name), "bad_zip_names")


@pytest.mark.usefixtures("inflater")
def test_doctype_in_sheet(xlsx: Path, tmp_path: Path) -> None:
    rejected(hostile.doctype_in_sheet(xlsx, tmp_path / "lol.xlsx"), "xml_doctype")


@pytest.mark.usefixtures("inflater")
def test_doctype_split_across_chunks(xlsx: Path, tmp_path: Path) -> None:
    rejected(hostile.doctype_across_chunks(xlsx, tmp_path / "xxe.xlsx"), "xml_doctype")


@pytest.mark.usefixtures("inflater")
def test_doctype_in_utf16(xlsx: Path, tmp_path: Path) -> None:
    body = hostile.BILLION_LAUGHS.replace('"1.0"?', '"1.0" encoding="UTF-16"?').encode("utf-16")
    rejected(hostile.doctype_in_sheet(xlsx, tmp_path / "lol16.xlsx", body=body), "xml_doctype")


def test_too_large_file(xlsx: Path) -> None:
    rejected(xlsx, "too_large", Limits(max_file_bytes=1000))


# --- the real-world corpus ------------------------------------------------------------


@needs_corpus
def test_corpus_every_file_gets_a_result() -> None:
    files = sorted(p for p in CORPUS.glob("*/*") if p.is_file())
    assert len(files) >= 357
    tally: collections.Counter[str] = collections.Counter()
    start = time.monotonic()
    for path in files:
        result = gate(path)
        tally[f"{result.kind}" if result.ok else f"rejected:{result.code}"] += 1
    elapsed = time.monotonic() - start
    print(f"\n{len(files)} files in {elapsed:.2f} s: {dict(tally.most_common())}")
    assert elapsed < 10
    # files a reader can open should mostly pass; the rejects are the known odd ones
    assert tally["xlsx"] + tally["xls"] + tally["ods"] > 300


# --- the DOCTYPE/ENTITY scan: a cheap probe first, the markers only where it hits -------

_SCAN_CHUNK = 64 * 1024


@pytest.mark.parametrize("encoding", ["ascii", "utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("marker", ["<!DOCTYPE", "<!ENTITY"])
@pytest.mark.usefixtures("inflater")
def test_marker_found_at_every_offset_across_a_chunk_boundary(
    xlsx: Path, tmp_path: Path, marker: str, encoding: str
) -> None:
    encoded = marker.encode(encoding)
    for before in range(len(encoded) + 1):  # 0: starts the next chunk; len: ends this one
        body = b" " * (_SCAN_CHUNK - before) + encoded + b" x SYSTEM 'file:///etc/passwd'>"
        path = hostile.doctype_in_sheet(xlsx, tmp_path / f"split{before}.xlsx", body=body)
        rejected(path, "xml_doctype")


@pytest.mark.parametrize(
    "markup",
    [b"<!-- a comment -->", b"<![CDATA[<c r='A1'/>]]>", "<!-- 注释 -->".encode("utf-16-le")],
)
@pytest.mark.usefixtures("inflater")
def test_comments_and_cdata_are_not_a_doctype(xlsx: Path, tmp_path: Path, markup: bytes) -> None:
    """The probe ("<!") hits on these; only DOCTYPE/ENTITY themselves are refused."""
    body = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main">' + b" " * (_SCAN_CHUNK - 20) + markup + b"</worksheet>"
    )
    result = gate(hostile.doctype_in_sheet(xlsx, tmp_path / "comment.xlsx", body=body))
    assert result.ok, result.detail


# --- damaged part data: both inflaters refuse it as truncated ---------------------------


def _entry(data: bytes, name: bytes) -> tuple[int, int]:
    """(central directory record offset, data start) of the entry called `name`."""
    central = 0
    while True:
        central = data.index(b"PK\x01\x02", central)
        name_len = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + name_len] == name:
            break
        central += 4
    local = int.from_bytes(data[central + 42 : central + 46], "little")
    n, e = (int.from_bytes(data[local + k : local + k + 2], "little") for k in (26, 28))
    return central, local + 30 + n + e


@pytest.mark.usefixtures("inflater")
def test_a_wrong_crc_is_refused(xlsx: Path, tmp_path: Path) -> None:
    data = bytearray(xlsx.read_bytes())
    central, _ = _entry(bytes(data), b"xl/worksheets/sheet1.xml")
    data[central + 16] ^= 0xFF  # the CRC-32 the central directory declares
    path = tmp_path / "crc.xlsx"
    path.write_bytes(data)
    assert "CRC" in (rejected(path, "truncated").detail or "")


@pytest.mark.usefixtures("inflater")
def test_damaged_deflate_data_is_refused(xlsx: Path, tmp_path: Path) -> None:
    data = bytearray(xlsx.read_bytes())
    _, start = _entry(bytes(data), b"xl/worksheets/sheet1.xml")
    data[start : start + 8] = b"\xff" * 8  # not a valid deflate block
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(data)
    rejected(path, "truncated")


# --- small parts seen before are not inflated again (issue #23) --------------------------


@pytest.fixture
def empty_inflated(monkeypatch: pytest.MonkeyPatch) -> None:
    """The remembered parts as a fresh worker has them: none (earlier tests may have
    gated these very parts)."""
    monkeypatch.setattr(gate_module, "_INFLATED", {})
    monkeypatch.setattr(gate_module, "_inflated_size", [0])
    monkeypatch.setattr(gate_module, "_INFLATED_AGAIN", set())


@pytest.mark.usefixtures("empty_inflated")
def test_parts_seen_before_are_the_same_parts(xlsx: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(xlsx) as zf:
        expected = {info.filename: zf.read(info) for info in zf.infolist()}
    first = gate(xlsx)
    assert first.parts == expected and gate_module._INFLATED
    again = tmp_path / "again.xlsx"
    shutil.copyfile(xlsx, again)
    second = gate(again)
    assert second.parts == expected
    assert first.parts is not None and second.parts is not None
    # remembered: the very bytes of the first file's parts
    assert all(second.parts[name] is first.parts[name] for name in expected)


@pytest.mark.usefixtures("empty_inflated")
def test_a_part_seen_good_is_refused_when_damaged(xlsx: Path, tmp_path: Path) -> None:
    assert gate(xlsx).ok
    data = bytearray(xlsx.read_bytes())
    central, start = _entry(bytes(data), b"xl/worksheets/sheet1.xml")
    crc = tmp_path / "crc.xlsx"
    data[central + 16] ^= 0xFF  # the same compressed bytes, another CRC declared
    crc.write_bytes(data)
    assert "CRC" in (rejected(crc, "truncated").detail or "")
    data[central + 16] ^= 0xFF
    data[start + 3] ^= 0xFF  # the same CRC declared, other bytes
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(data)
    assert not gate(damaged).ok


@pytest.mark.usefixtures("empty_inflated")
def test_the_remembered_parts_are_bounded(
    xlsx: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gate_module, "_INFLATED_LIMIT", 3)
    monkeypatch.setattr(gate_module, "_INFLATED_BYTES", 2_000)
    with zipfile.ZipFile(xlsx) as zf:
        expected = {info.filename: zf.read(info) for info in zf.infolist()}
        largest = max(info.compress_size + info.file_size for info in zf.infolist())
    assert len(expected) > 3
    for i in range(3):
        copy = tmp_path / f"copy{i}.xlsx"
        shutil.copyfile(xlsx, copy)
        assert gate(copy).parts == expected
        assert len(gate_module._INFLATED) <= 3
        assert gate_module._inflated_size[0] <= 2_000 + largest
        kept = sum(len(key[0]) + len(out) for key, out in gate_module._INFLATED.items())
        assert kept == gate_module._inflated_size[0]


def test_a_trim_keeps_only_the_parts_asked_for_again(monkeypatch: pytest.MonkeyPatch) -> None:
    def key(raw: bytes) -> tuple[bytes, int, int, int, bool]:
        return (raw, 1, 0, zipfile.ZIP_DEFLATED, True)

    remembered = {key(b"theme"): b"T" * 10, key(b"own1"): b"1", key(b"own2"): b"2"}
    monkeypatch.setattr(gate_module, "_INFLATED", dict(remembered))
    monkeypatch.setattr(gate_module, "_INFLATED_AGAIN", {key(b"theme"), key(b"gone")})
    monkeypatch.setattr(gate_module, "_inflated_size", [99])
    monkeypatch.setattr(gate_module, "_INFLATED_LIMIT", 4)
    monkeypatch.setattr(gate_module, "_INFLATED_BYTES", 100)
    gate_module._trim_inflated()
    kept = dict(gate_module._INFLATED)
    assert kept == {key(b"theme"): b"T" * 10}
    assert gate_module._inflated_size == [15] and not gate_module._INFLATED_AGAIN
    # what was asked for again is more than half the bound: nothing is kept
    monkeypatch.setattr(gate_module, "_INFLATED_AGAIN", {key(b"theme")})
    monkeypatch.setattr(gate_module, "_INFLATED_BYTES", 20)
    gate_module._trim_inflated()
    assert not gate_module._INFLATED and gate_module._inflated_size == [0]
