"""Annotated copies for submitters: the issues marked on their own workbook.

For each accepted workbook a copy is written (the original is never touched) in which
every cell with an error is filled red and every cell with a warning yellow, each with a
comment holding the messages, plus a last sheet `审核意见` listing every issue with a link
to its cell. The copy keeps the form's sheets, names, validations, protection and the
`formkit` metadata sheet, so the submitter can correct it and send it straight back: the
reader reads only the form's sheets and ignores comments, fills and `审核意见`.

.xls and .ods files are converted to .xlsx with LibreOffice first (openpyxl reads only
OOXML); .xlsm macros are dropped (the copy is .xlsx). Both are said in the sheet.
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import re
import tempfile
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from xml.etree.ElementTree import fromstring  # only our own output (openpyxl), trusted
from xml.sax.saxutils import escape

from formkit.atomic import write_bytes_atomic
from formkit.cells import wrapped_lines
from formkit.check import check_many
from formkit.forms import read_options
from formkit.issues import Issue
from formkit.office import OfficeError, convert
from formkit.paths import on_disk
from formkit.read.extract import META_SHEET
from formkit.read.isolate import Failure, WorkerPool
from formkit.read.submission import Submission
from formkit.template import INPUT_FILL

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from formkit.read import ReadOptions

SHEET_NAME = "审核意见"
# the comments' author, as Excel and LibreOffice show it beside the text
AUTHOR = "审核意见"
# what copies made before were signed with: their marks are cleared as well
OLD_AUTHORS = ("formkit 审核",)
SUFFIX = "-审核意见.xlsx"
ERROR_FILL = "FFC7CE"
# orange: clearly apart from the template's pale-yellow input cells (template.INPUT_FILL)
# and from the errors' red, on screen and in grey print; the 审核意见 sheet has the legend
WARNING_FILL = "F4A460"
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
HOW_TO_FIX = "请按以下意见修改标红、标橙的单元格后，直接保存本文件重新提交；本表不影响读取。"
NO_FINDINGS = "未发现错误或警告，无需修改。"
# seconds for one LibreOffice conversion; the worker's own limit adds this to the read limit
CONVERT_TIMEOUT = 120.0

# a feedback copy (it carries the mark, see _stamp) whose values are those of the file it
# annotates: not a submission, never annotated again. A copy the city corrected is.
OWN_COPY = "这是审核意见副本，数据与所标注的文件相同，不再为它生成副本。"

Outcome = Literal["written", "rejected", "failed", "skipped"]


@dataclass(frozen=True)
class FeedbackResult:
    file: str
    # written: copy made; rejected: the reader refused the file; failed: no copy;
    # skipped: the file is an unchanged feedback copy (OWN_COPY)
    status: Outcome
    submission: Submission | None = None
    output: Path | None = None
    reason: str | None = None  # Chinese, why there is no copy
    notes: tuple[str, ...] = ()  # Chinese, e.g. the copy is .xlsx although the original was .xls
    marked: int = 0  # cells filled and commented
    listed: int = 0  # rows in 审核意见


def output_name(file: str | os.PathLike[str]) -> str:
    return Path(file).stem + SUFFIX


def annotate(
    sub: Submission, out_dir: str | os.PathLike[str], *, name: str | None = None
) -> FeedbackResult:
    """Write the annotated copy of one checked workbook into `out_dir`.

    Never raises for a bad or vanished file: the result says why there is no copy.
    """
    if sub.status != "accepted":
        reason = sub.rejection.message if sub.rejection else "文件未受理"
        return FeedbackResult(sub.file, "rejected", sub, reason=reason)
    if is_own_copy(sub):
        return FeedbackResult(sub.file, "skipped", sub, reason=OWN_COPY)
    target = Path(out_dir) / (name or output_name(sub.file))
    try:
        return _annotate(sub, target)
    except _NoCopy as exc:
        return FeedbackResult(sub.file, "failed", sub, reason=exc.message)
    except OSError as exc:
        return FeedbackResult(sub.file, "failed", sub, reason=f"无法写出 {target}：{exc}")
    except Exception as exc:  # openpyxl on a workbook it cannot round-trip
        reason = f"无法生成审核意见副本（{type(exc).__name__}: {exc}）"[:300]
        return FeedbackResult(sub.file, "failed", sub, reason=reason)


def is_own_copy(sub: Submission) -> bool:
    """A feedback copy as formkit wrote it (values unchanged; comments, fills may differ)."""
    return sub.annotates is not None and sub.annotates_values == sub.values_digest()


def feedback_many(
    items: Iterable[str | os.PathLike[str] | Submission],
    out_dir: str | os.PathLike[str],
    *,
    jobs: int = 1,
    options: ReadOptions | None = None,
) -> Iterator[FeedbackResult]:
    """Check (paths) and annotate (all) in isolated workers; one result per item, in order.

    Submissions (e.g. from the ledger) are annotated as they are, without re-checking.
    Output names are unique within the run and never one of the inputs.
    """

    options = options or read_options()
    items = list(items)
    paths = [p for p in items if not isinstance(p, Submission)]
    checked = check_many(paths, options, jobs=jobs) if paths else iter(())
    out = Path(out_dir)
    inputs = {_resolved(_on_disk(x) if isinstance(x, Submission) else x) for x in items}
    taken: set[str] = set()

    def jobs_() -> Iterator[tuple[Submission, str, str]]:
        for item in items:
            sub = item if isinstance(item, Submission) else next(checked)
            name = _unique_name(sub.file, out, taken, inputs)
            yield sub, str(out), name

    # the worker's time limit covers a LibreOffice conversion as well as openpyxl
    with WorkerPool(
        jobs=jobs, timeout=options.timeout + CONVERT_TIMEOUT, memory_mb=options.memory_mb
    ) as pool:
        for (sub, _, _), result in pool.map(_annotate_job, jobs_()):
            if isinstance(result, Failure):
                why = {"timeout": "超时", "memory": "内存超限", "crashed": "处理进程异常退出"}
                reason = f"无法生成审核意见副本（{why.get(result.kind, '出错')}）"
                yield FeedbackResult(sub.file, "failed", sub, reason=reason)
            else:
                yield result


def _annotate_job(job: tuple[Submission, str, str]) -> FeedbackResult:
    sub, out_dir, name = job
    return annotate(sub, out_dir, name=name)


def _on_disk(sub: Submission) -> str:
    """Where to open the checked file: `file` is a display name for a non-UTF-8 name."""

    return sub.path or on_disk(sub.file)


def _resolved(p: str | os.PathLike[str]) -> str:
    return os.path.normcase(os.path.realpath(p))


def _unique_name(file: str, out: Path, taken: set[str], inputs: set[str]) -> str:
    """<stem>-审核意见.xlsx, or <stem>-审核意见-2.xlsx... if a same-named file came earlier."""
    stem = Path(output_name(file)).stem
    n = 1
    while True:
        name = f"{stem}.xlsx" if n == 1 else f"{stem}-{n}.xlsx"
        if name.casefold() not in taken and _resolved(out / name) not in inputs:
            taken.add(name.casefold())
            return name
        n += 1


class _NoCopy(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------- one workbook


def _annotate(sub: Submission, target: Path) -> FeedbackResult:

    try:
        data = Path(_on_disk(sub)).read_bytes()
    except OSError as exc:  # not a write failure: the checked file is gone or unreadable
        why = "找不到原文件" if isinstance(exc, FileNotFoundError) else "无法读取原文件"
        raise _NoCopy(f"{why} {Path(sub.file).name}，无法生成审核意见副本。") from None
    if sub.sha256 and hashlib.sha256(data).hexdigest() != sub.sha256:
        # the issues' cells belong to the version that was checked
        raise _NoCopy("文件在审核之后被修改过，请重新审核后再生成审核意见。")
    notes: list[str] = []
    fmt = sub.format or Path(sub.file).suffix.lstrip(".").lower()
    if fmt in ("xls", "ods"):
        data = _to_xlsx(data, fmt)
        notes.append(f"原文件为 .{fmt} 格式，审核意见副本已另存为 .xlsx。")
    elif fmt == "xlsm":
        notes.append("原文件为 .xlsm 格式，审核意见副本已另存为 .xlsx，文件中的宏未保留。")
    _check_extent(data)
    wb = _load(data)
    cached = _cached_results(wb, data)
    _clear_previous(wb)
    marked = _mark_cells(wb, sub.issues)
    listed = _write_sheet(wb, sub, notes)
    _stamp(wb, sub)
    buf = io.BytesIO()
    wb.save(buf)

    write_bytes_atomic(target, _put_cached(buf.getvalue(), cached, _created(data)))
    return FeedbackResult(
        sub.file, "written", sub, output=target, notes=tuple(notes), marked=marked, listed=listed
    )


def _to_xlsx(data: bytes, fmt: str) -> bytes:

    # a private copy under a plain name: LibreOffice never sees the original, and a
    # file whose extension does not match its content converts by what it is
    with tempfile.TemporaryDirectory(prefix="formkit-feedback-") as tmp:
        src = Path(tmp) / f"source.{fmt}"
        src.write_bytes(data)
        try:
            produced = convert(src, "xlsx", Path(tmp) / "out", timeout=CONVERT_TIMEOUT)
        except OfficeError as exc:
            raise _NoCopy(exc.message) from None
        return produced.read_bytes()


# openpyxl holds every <c> and <row> element as an object (~0.5 KB each) and every cell of a
# merged range as a MergedCell: a hostile or careless file (a million formatted empty rows,
# a merge over a whole sheet) would need gigabytes. A form has a few hundred cells.
MAX_CELLS = 200_000
MAX_ROWS = 200_000
MAX_MERGED_CELLS = 200_000
TOO_LARGE = "文件含有超大范围的格式或合并，无法生成标注副本"
_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(c|row|mergeCell)(?=[\s>/])")
_MERGE_REF = re.compile(
    rb'\bref="\$?([A-Z]{1,3})\$?([0-9]{1,7})(?::\$?([A-Z]{1,3})\$?([0-9]{1,7}))?"'
)
_CARRY = 4096


def _check_extent(data: bytes) -> None:
    """Refuse (with TOO_LARGE) a workbook openpyxl could not hold within the worker's cap.

    Counts cells, rows and merged cells in the worksheets' XML as it is inflated in chunks,
    before openpyxl sees it; the reader already checked the zip's sizes (gate.py).
    """

    cells = rows = merged = 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            with zf.open(info) as fh:
                buf = b""
                while True:
                    chunk = fh.read(1 << 20)
                    buf += chunk
                    # elements starting in the last _CARRY bytes wait for the next chunk
                    end = len(buf) if not chunk else max(0, len(buf) - _CARRY)
                    for m in _ELEMENT.finditer(buf):
                        if m.start() >= end:
                            break
                        kind = m[1]
                        if kind == b"c":
                            cells += 1
                        elif kind == b"row":
                            rows += 1
                        else:
                            merged += _merge_area(buf[m.end() : m.end() + 200])
                    if cells > MAX_CELLS or rows > MAX_ROWS or merged > MAX_MERGED_CELLS:
                        raise _NoCopy(TOO_LARGE)
                    buf = buf[end:]
                    if not chunk:
                        break


def _merge_area(attrs: bytes) -> int:
    from openpyxl.utils.cell import column_index_from_string

    m = _MERGE_REF.search(attrs.split(b">", 1)[0])
    if m is None:
        return 0
    c1: int = column_index_from_string(m[1].decode())
    c2: int = column_index_from_string(m[3].decode()) if m[3] else c1
    r1 = int(m[2])
    r2 = int(m[4]) if m[4] else r1
    return (abs(c2 - c1) + 1) * (abs(r2 - r1) + 1)


def _load(data: bytes) -> Workbook:

    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # "extension is not supported and will be removed": x14 features we do not own
            warnings.simplefilter("ignore", UserWarning)
            # from bytes: openpyxl refuses paths whose extension it does not know
            wb = load_workbook(io.BytesIO(data), keep_vba=False, keep_links=True)
    except Exception as exc:  # its errors include OSError subclasses: not a write failure
        raise _NoCopy(f"无法打开工作簿以生成副本（{type(exc).__name__}: {exc}）"[:300]) from None
    meta = next((ws for ws in wb.worksheets if ws.title == "formkit"), None)
    if meta is not None:
        meta.sheet_state = "veryHidden"  # LibreOffice saves it merely hidden
    return wb


# ---------------------------------------------------------------- the mark

# workbook-level names in the `formkit` metadata sheet: what this copy annotates
ANNOTATES = "formkit_annotates"
ANNOTATES_VALUES = "formkit_annotates_values"
_MARK_ROWS = (
    (ANNOTATES, "审核意见副本：所标注文件的 SHA-256"),
    (ANNOTATES_VALUES, "审核意见副本：所标注文件的数据摘要"),
)


def _stamp(wb: Workbook, sub: Submission) -> None:
    """Mark the copy as formkit's feedback copy of `sub`'s file (its SHA-256 and values).

    Workbook-level names into the hidden `formkit` sheet, like the form's own metadata,
    so the mark survives a save by Excel, WPS or LibreOffice; the reader gives it back as
    `Submission.annotates` / `annotates_values`. A copy of a copy gets the new values.
    """
    from openpyxl.workbook.defined_name import DefinedName

    if META_SHEET in wb.sheetnames:
        meta = wb[META_SHEET]
    else:  # a workbook without our metadata (located by labels): the sheet is added
        meta = wb.create_sheet(META_SHEET)
        meta.cell(1, 1, "本表由 formkit 生成，用于识别表单及其版本，请勿修改。")
        meta.sheet_state = "veryHidden"
        meta.protection.sheet = True
    values = {ANNOTATES: sub.sha256, ANNOTATES_VALUES: sub.values_digest()}
    used = max((r for (r, _c) in meta._cells), default=1)
    for name, label in _MARK_ROWS:
        row = next(
            (r for (r, c), cell in meta._cells.items() if c == 3 and cell.value == name), None
        )
        if row is None:
            used += 1
            row = used
        meta.cell(row, 1, label)
        meta.cell(row, 2, values[name])
        meta.cell(row, 3, name)
        ref = f"'{META_SHEET}'!$B${row}"
        if name in wb.defined_names:
            del wb.defined_names[name]
        wb.defined_names[name] = DefinedName(name, attr_text=ref)


# ---------------------------------------------------------------- formula results

Cached = dict[str, dict[str, tuple[str | None, str]]]  # sheet -> A1 -> (t attribute, <v> text)


def _cached_results(wb: Workbook, data: bytes) -> Cached:
    """The saved result of every formula cell: openpyxl writes formulas without them.

    Without its result a formula cell reads as "not calculated" (an error outside the
    growth columns), so a copy of an Excel-saved file would read differently from it.
    """
    formulas = {
        # the cells that exist: iter_rows() would create every cell up to the far corner
        ws.title: [c.coordinate for c in list(ws._cells.values()) if c.data_type == "f"]
        for ws in wb.worksheets
    }
    if not any(formulas.values()):
        return {}

    from openpyxl import load_workbook
    from openpyxl.utils.datetime import to_excel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        values = load_workbook(io.BytesIO(data), data_only=True)
    out: Cached = {}
    for title, coords in formulas.items():
        ws = values[title]
        for coord in coords:
            cell = ws[coord]
            v = cell.value
            if v is None:
                continue  # no result saved (or an empty one): nothing to keep
            if cell.data_type == "e":
                item: tuple[str | None, str] = ("e", str(v))
            elif isinstance(v, bool):
                item = ("b", "1" if v else "0")
            elif isinstance(v, int | float):
                item = (None, repr(v))
            elif hasattr(v, "year"):
                item = (None, repr(to_excel(v)))
            else:
                item = ("str", str(v))
            out.setdefault(title, {})[coord] = item
    return out


# openpyxl writes a formula cell as <c r="D5" s="49"><f>...</f><v /></c>, or with lxml
# installed (python-docx brings it) as ...<v></v></c>
_FORMULA_CELL = re.compile(
    r'<c r="(?P<ref>[A-Z]+[0-9]+)"(?P<attrs>[^>]*)>(?P<f><f[^>]*/>|<f[^>]*>.*?</f>)'
    r"(?:<v\s*/>|<v>\s*</v>)</c>",
    re.S,
)


# openpyxl stamps the time of saving (the zip entries, docProps' modified): a copy takes
# its file's own created time instead, so the same file gives the same copy's bytes
_STAMPED = re.compile(r"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:\w+>)")
_CREATED = re.compile(rb"<dcterms:created\b[^>]*>([^<]*)</dcterms:created>")


def _created(xlsx: bytes) -> str:
    """When the file a copy is made of says it was created (a fixed day if it says not)."""
    try:
        with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
            found = _CREATED.search(z.read("docProps/core.xml"))
    except (KeyError, zipfile.BadZipFile):
        found = None
    text = found[1].decode("ascii", "replace").strip() if found else ""
    return text if re.fullmatch(r"[0-9T:.Z+-]{10,40}", text) else "2000-01-01T00:00:00Z"


def _put_cached(xlsx: bytes, cached: Cached, stamp: str = "2000-01-01T00:00:00Z") -> bytes:
    """Put the saved formula results back into the sheets openpyxl wrote, and give every
    part a fixed time (no clock in the copy)."""

    src = zipfile.ZipFile(io.BytesIO(xlsx))
    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "p": "http://schemas.openxmlformats.org/package/2006/relationships",
    }
    rels = {
        r.get("Id"): r.get("Target", "")
        for r in fromstring(src.read("xl/_rels/workbook.xml.rels")).findall("p:Relationship", ns)
    }
    parts: dict[str, str] = {}
    for sheet in fromstring(src.read("xl/workbook.xml")).findall("m:sheets/m:sheet", ns):
        target = rels.get(sheet.get(f"{{{ns['r']}}}id"), "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        parts[posixpath.normpath(path)] = sheet.get("name", "")

    def patch(xml: str, values: dict[str, tuple[str | None, str]]) -> str:
        def one(m: re.Match[str]) -> str:
            found = values.get(m["ref"])
            if found is None:
                return m[0]
            t, v = found
            attrs = re.sub(r'\s+t="[^"]*"', "", m["attrs"]) + (f' t="{t}"' if t else "")
            return f'<c r="{m["ref"]}"{attrs}>{m["f"]}<v>{escape(v)}</v></c>'

        return _FORMULA_CELL.sub(one, xml)

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            title = parts.get(info.filename)
            if title in cached:
                body = patch(body.decode("utf-8"), cached[title]).encode("utf-8")
            if info.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                body = _STAMPED.sub(lambda m: f"{m[1]}{stamp}{m[2]}", text).encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, body)
    return buf.getvalue()


def _clear_previous(wb: Workbook) -> None:
    """An annotated copy sent back and annotated again: old marks must not linger."""
    from openpyxl.styles import PatternFill

    if SHEET_NAME in wb.sheetnames:
        del wb[SHEET_NAME]
    for ws in wb.worksheets:
        for cell in list(ws._cells.values()):  # not iter_rows(): see _cached_results
            comment = cell.comment
            if comment is None or comment.author not in (AUTHOR, *OLD_AUTHORS):
                continue
            cell.comment = None
            # the original fill is lost; input cells (unlocked) get the template's back
            if cell.protection.locked:
                cell.fill = PatternFill(fill_type=None)
            else:
                cell.fill = PatternFill("solid", fgColor="FF" + INPUT_FILL.lstrip("#"))


def _issue_range(wb: Workbook, issue: Issue) -> tuple[Worksheet, int, int, int, int] | None:
    """(sheet, min_col, min_row, max_col, max_row) of the issue's cell, if it is in this book."""
    from openpyxl.utils.cell import range_boundaries

    if not issue.sheet or not issue.cell or issue.sheet not in wb.sheetnames:
        return None
    ws = wb[issue.sheet]
    try:
        c1, r1, c2, r2 = range_boundaries(issue.cell.replace("$", ""))
    except (ValueError, TypeError):
        return None
    if c1 is None or r1 is None or c2 is None or r2 is None:
        return None
    # a merged cell shows its top-left cell: mark the whole merged area
    for merged in ws.merged_cells.ranges:
        if merged.min_row <= r1 <= merged.max_row and merged.min_col <= c1 <= merged.max_col:
            c1, r1 = merged.min_col, merged.min_row
            c2, r2 = max(c2, merged.max_col), max(r2, merged.max_row)
            break
    return ws, c1, r1, c2, r2


def _mark_cells(wb: Workbook, issues: Sequence[Issue]) -> int:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    by_cell: dict[tuple[str, int, int], list[Issue]] = {}
    spans: dict[tuple[str, int, int], tuple[Worksheet, int, int]] = {}
    for issue in issues:
        if issue.severity == "info":
            continue
        where = _issue_range(wb, issue)
        if where is None:
            continue
        ws, c1, r1, c2, r2 = where
        key = (ws.title, r1, c1)
        by_cell.setdefault(key, []).append(issue)
        old = spans.get(key)
        spans[key] = (ws, max(r2, old[1] if old else r2), max(c2, old[2] if old else c2))
    for key, found in by_cell.items():
        ws, r2, c2 = spans[key]
        _, r1, c1 = key
        colour = ERROR_FILL if any(i.severity == "error" for i in found) else WARNING_FILL
        fill = PatternFill("solid", fgColor="FF" + colour)
        rows, cols = (r1, min(r2, r1 + 200)), (c1, min(c2, c1 + 200))
        for row in ws.iter_rows(min_row=rows[0], max_row=rows[1], min_col=cols[0], max_col=cols[1]):
            for cell in row:
                cell.fill = fill
        found = sorted(found, key=lambda i: i.severity != "error")
        if len(found) == 1:
            text = f"【{SEVERITY_ZH[found[0].severity]}】{found[0].message}"
        else:
            text = "\n".join(
                f"{n}.【{SEVERITY_ZH[i.severity]}】{i.message}" for n, i in enumerate(found, 1)
            )
        comment = Comment(text, AUTHOR)
        comment.width = 360
        comment.height = min(600, 24 + 18 * wrapped_lines(text, 40))
        ws.cell(r1, c1).comment = comment
    return len(by_cell)


# ---------------------------------------------------------------- the 审核意见 sheet

# column: (header, width in Excel character units; a Chinese character takes two)
_COLUMNS = (
    ("序号", 6),
    ("级别", 7),
    ("工作表", 26),
    ("单元格", 9),
    ("问题说明", 62),
    ("依据条款", 14),
)


def _write_sheet(wb: Workbook, sub: Submission, notes: list[str]) -> int:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    ws = wb.create_sheet(SHEET_NAME)  # last: the form's own sheet order stays
    for i, (_, width) in enumerate(_COLUMNS, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    total_width = sum(w for _, w in _COLUMNS)
    last_col = get_column_letter(len(_COLUMNS))
    wrap = Alignment(wrap_text=True, vertical="top")

    errors = sum(1 for i in sub.issues if i.severity == "error")
    warnings = sum(1 for i in sub.issues if i.severity == "warning")
    infos = sum(1 for i in sub.issues if i.severity == "info")
    lines = [
        (f"审核意见：{Path(sub.file).name}", Font(bold=True, size=14)),
        # a report (季度数据报表, 年度工作报告) has no 审核结论: its state
        (
            f"审核结论：{sub.verdict}"
            if sub.verdict
            else f"报送情况：{'有错误' if errors else '已收到'}",
            Font(bold=True, size=12),
        ),
        (
            f"错误 {errors} 条（标红），警告 {warnings} 条（标橙），提示 {infos} 条（无需处理）。",
            Font(),
        ),
        (HOW_TO_FIX if errors or warnings else NO_FINDINGS, Font(bold=True, color="FF9C0006")),
        *((n, Font(color="FF9C0006")) for n in notes),
        ("点击“单元格”一栏可跳到该单元格；各单元格的批注写明问题。", Font(color="FF595959")),
    ]
    row = 1
    for text, font in lines:
        ws.merge_cells(f"A{row}:{last_col}{row}")
        cell = ws.cell(row, 1, text)
        cell.font = font
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        size = font.sz or 11
        ws.row_dimensions[row].height = max(20, wrapped_lines(text, total_width) * size * 1.5 + 4)
        row += 1
    row = _legend(ws, row) + 1

    thin = Side(style="thin", color="FF808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    header_row = row
    for col, (title, _) in enumerate(_COLUMNS, 1):
        cell = ws.cell(row, col, title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FFD9E1F2")
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.border = border
    ws.row_dimensions[row].height = 20

    order = {"error": 0, "warning": 1, "info": 2}
    ordered = sorted(sub.issues, key=lambda i: order.get(i.severity, 3))
    for n, issue in enumerate(ordered, 1):
        row += 1
        sheet = issue.sheet or ""
        values: tuple[object, ...] = (
            n,
            SEVERITY_ZH.get(issue.severity, issue.severity),
            # quoted: the bare name of 第一项 is also its heading, and the reader takes any
            # sheet holding that heading for a copy of 第一项
            f"“{sheet}”" if sheet else "",
            issue.cell or "",
            issue.message,
            _clause(issue.clause),
        )
        for col, value in enumerate(values, 1):
            cell = ws.cell(row, col, value)
            if col in (3, 5, 6):
                cell.alignment = wrap
            else:
                cell.alignment = Alignment(horizontal="center", vertical="top")
            cell.border = border
        level = ws.cell(row, 2)
        if issue.severity in ("error", "warning"):
            colour = ERROR_FILL if issue.severity == "error" else WARNING_FILL
            level.fill = PatternFill("solid", fgColor="FF" + colour)
        if issue.cell and _issue_range(wb, issue) is not None:
            link = ws.cell(row, 4)
            target = issue.cell.replace("$", "").split(":")[0]
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{_quote(sheet)}!{target}")
            link.font = Font(color="FF0563C1", underline="single")
        height = max(wrapped_lines(str(v), w) for v, (_, w) in zip(values, _COLUMNS, strict=True))
        ws.row_dimensions[row].height = max(18, 15 * height + 4)
    if not ordered:
        row += 1
        ws.merge_cells(f"A{row}:{last_col}{row}")
        ws.cell(row, 1, "（无）").alignment = Alignment(horizontal="center")

    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.oddHeader.center.text = SHEET_NAME
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"

    # open on this sheet; only one tab may be selected or Excel groups them
    for other in wb.worksheets:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    wb.active = wb.worksheets.index(ws)
    return len(ordered)


def _legend(ws: Worksheet, row: int) -> int:
    """图例: the colours a copy marks cells with, each on a cell of its own colour, and the
    template's input yellow beside them (which marks no problem); returns the next row."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="FF808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    head = ws.cell(row, 1, "图例")
    head.font = Font(bold=True)
    head.alignment = Alignment(horizontal="center", vertical="center")
    for col, (colour, word) in enumerate(
        ((ERROR_FILL, "错误"), (WARNING_FILL, "警告"), (INPUT_FILL.lstrip("#"), "填写处")), 2
    ):
        cell = ws.cell(row, col, word)
        cell.fill = PatternFill("solid", fgColor="FF" + colour)
        cell.border = box
        cell.alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=row, start_column=5, end_row=row, end_column=len(_COLUMNS))
    text = ws.cell(
        row,
        5,
        "红色：错误，必须修改；橙色：警告，请核对；淡黄色：模板原有的填写单元格，不表示有问题。",
    )
    text.alignment = Alignment(wrap_text=True, vertical="center")
    ws.row_dimensions[row].height = 32
    return row + 1


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


_NOTICE_CLAUSE = re.compile(r"^[一二三四五六七八九十]")


def _clause(clause: str | None) -> str:
    if not clause:
        return ""
    if clause == "consistency":
        return "数据一致性"
    if clause == "读取":
        return "读取规则"
    if _NOTICE_CLAUSE.match(clause):
        return f"通知{clause}"
    return clause
