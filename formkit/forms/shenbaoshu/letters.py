"""The documents a province sends and publishes (通知六(三)): the 推荐文件 and the 公示名单.

推荐文件: a Word document to print, sign and stamp: the notice's reference, the reporting
unit, the recommended applications in their order with key figures and verdicts, room
for the 推荐意见, the 联系人, the date and the 盖章 block. 公示名单: the recommended
applications as a table for publication, as .xlsx and as .docx.

Both are built from summary records whose decision is settled (shenbaoshu.recommend); the
same records give byte-identical files (fixed zip times and document properties).
python-docx and xlsxwriter are imported here only, when a document is written.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formkit.atomic import write_bytes_atomic
from formkit.forms.shenbaoshu.recommend import NEW, RECERT, recommended

NOTICE = "商技发[2006]6号"
NOTICE_TITLE = "《关于建设“科技兴贸出口创新基地”有关问题的通知》"
BODY_FONT, TITLE_FONT, TABLE_FONT = "仿宋", "宋体", "宋体"

# the columns of the 推荐文件's table and the 公示名单: (record key, header, kind)
LETTER_COLS: list[tuple[str, str, str]] = [
    ("_rank", "推荐次序", "int"),
    ("applicant_name", "申请单位", "text"),
    ("city", "所在地级市", "text"),
    ("application_type", "申报类型", "text"),
    ("key_field", "重点领域", "text"),
    ("export_value", "出口额（亿美元）", "num"),
    ("hitech_export_value", "高新技术产品出口额（亿美元）", "num"),
    ("computed.hitech_export_growth_3y", "近三年高新技术产品出口增幅（%）", "num"),
    ("_verdict", "审核结论", "text"),
]
PUBLIC_COLS: list[tuple[str, str, str]] = [
    ("_no", "序号", "int"),
    ("province", "推荐单位", "text"),
    ("applicant_name", "申请单位", "text"),
    ("city", "所在地级市", "text"),
    ("application_type", "申报类型", "text"),
    ("key_field", "重点领域", "text"),
]


@dataclass(frozen=True)
class LetterInfo:
    """What the person sending the letter fills in; blank lines are printed where empty."""

    year: int
    unit: str | None = None  # reporting unit; None: taken from the applications
    contact: str = ""
    phone: str = ""
    date: dt.date | None = None


_DIGITS = "〇一二三四五六七八九"


def chinese_year(year: int) -> str:
    """2006 -> 二〇〇六 (as official letters date themselves)."""
    return "".join(_DIGITS[int(d)] for d in str(year))


def chinese_date(date: dt.date) -> str:
    def small(n: int) -> str:
        if n < 10:
            return _DIGITS[n]
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")

    return f"{chinese_year(date.year)}年{small(date.month)}月{small(date.day)}日"


def _shown(value: Any, kind: str) -> str:
    if value is None or value == "":
        return ""
    if kind == "num" and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,.2f}"
    if kind == "int" and isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value))
    return str(value)


def _units(apps: Sequence[Mapping[str, Any]], unit: str | None) -> list[str]:
    if unit:
        return [unit]
    seen: list[str] = []
    for a in apps:
        u = str(a.get("province") or "")
        if u and u not in seen:
            seen.append(u)
    return seen


# ---------------------------------------------------------------- docx helpers


def _font(run: Any, name: str, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def _para(
    doc: Any,
    text: str = "",
    *,
    size: float = 14,
    font: str = BODY_FONT,
    bold: bool = False,
    align: str = "left",
    indent: bool = False,
    space_after: float = 0,
) -> Any:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = doc.add_paragraph()
    p.alignment = {
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    }[align]
    fmt = p.paragraph_format
    fmt.space_after = Pt(space_after)
    fmt.space_before = Pt(0)
    fmt.line_spacing = Pt(size * 1.75) if size >= 14 else Pt(size * 1.4)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if text:
        _font(p.add_run(text), font, size, bold)
    return p


def _document(title: str, landscape: bool = False) -> Any:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    doc = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.0), Cm(2.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    if landscape:
        section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.5)
        section.left_margin, section.right_margin = Cm(2.5), Cm(2.5)
    props = doc.core_properties
    props.title = title
    props.author = "formkit"
    props.last_modified_by = "formkit"
    props.comments = NOTICE
    props.revision = 1
    stamp = dt.datetime(2006, 1, 1)
    props.created = props.modified = stamp
    props.last_printed = stamp
    _page_numbers(section)
    return doc


def _page_numbers(section: Any) -> None:
    """第 N 页 共 M 页 in the footer, as fields Word and LibreOffice fill in."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def text(t: str) -> None:
        _font(p.add_run(t), TABLE_FONT, 10.5)

    def field(code: str) -> None:
        for kind, body in (("begin", None), ("instr", code), ("separate", None), ("end", None)):
            run = p.add_run()
            _font(run, TABLE_FONT, 10.5)
            if kind == "instr":
                instr = OxmlElement("w:instrText")
                instr.set(qn("xml:space"), "preserve")
                instr.text = f" {body} "
                run._element.append(instr)
            else:
                char = OxmlElement("w:fldChar")
                char.set(qn("w:fldCharType"), kind)
                run._element.append(char)
            if kind == "separate":
                run2 = p.add_run("1")
                _font(run2, TABLE_FONT, 10.5)

    text("第 ")
    field("PAGE")
    text(" 页 共 ")
    field("NUMPAGES")
    text(" 页")


def _table(
    doc: Any,
    cols: Sequence[tuple[str, str, str]],
    rows: Sequence[Mapping[str, Any]],
    widths_cm: Sequence[float],
    size: float = 10.5,
) -> Any:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    table = doc.add_table(rows=1 + len(rows), cols=len(cols))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for j, width in enumerate(widths_cm):
        table.columns[j].width = Cm(width)
    header = table.rows[0]
    # the header row repeats on every page the table runs onto
    trpr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    trpr.append(repeat)
    for j, (_, head, _) in enumerate(cols):
        cell = header.cells[j]
        cell.width = Cm(widths_cm[j])
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(head), "黑体", size)
    for i, rec in enumerate(rows, start=1):
        row = table.rows[i]
        # a row is never split across two pages
        cant = OxmlElement("w:cantSplit")
        cant.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(cant)
        for j, (key, _, kind) in enumerate(cols):
            cell = row.cells[j]
            cell.width = Cm(widths_cm[j])
            p = cell.paragraphs[0]
            p.alignment = (
                WD_ALIGN_PARAGRAPH.RIGHT
                if kind == "num"
                else WD_ALIGN_PARAGRAPH.CENTER
                if kind == "int"
                else WD_ALIGN_PARAGRAPH.LEFT
            )
            _font(p.add_run(_shown(rec.get(key), kind)), TABLE_FONT, size)
    return table


def _docx_bytes(doc: Any) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return stable_zip(buf.getvalue())


def stable_zip(data: bytes) -> bytes:
    """The same zip with fixed member times: equal documents are equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2006, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------- 推荐文件


def letter_title(info: LetterInfo) -> str:
    return f"关于推荐{info.year}年科技兴贸出口创新基地的函"


def recommendation_docx(apps: Sequence[Mapping[str, Any]], info: LetterInfo) -> bytes:
    """The 推荐文件 of one reporting unit (or of several, each named) as .docx bytes."""
    chosen = recommended(apps)
    units = _units(apps, info.unit)
    unit_text = "、".join(units) or "（推荐单位）"
    doc = _document(letter_title(info))
    _para(
        doc, letter_title(info), size=20, font=TITLE_FONT, bold=True, align="center", space_after=12
    )
    _para(doc, "商务部科技司：")
    recert = sum(1 for a in chosen if a.get("application_type") == RECERT)
    new = sum(1 for a in chosen if a.get("application_type") == NEW)
    _para(
        doc,
        f"根据{NOTICE_TITLE}（{NOTICE}）要求，{unit_text}商务主管部门按照公开、公正、透明"
        f"原则，对本地区{info.year}年出口创新基地申报材料进行了审核。现推荐以下 {len(chosen)} 家"
        f"申请单位（其中现有基地重新认定 {recert} 家，新申报 {new} 家），按推荐次序排列如下：",
        indent=True,
        align="justify",
    )
    widths = [1.1, 3.6, 1.6, 1.7, 1.4, 1.5, 1.7, 1.6, 1.4]  # 15.6 cm: the text width
    if chosen:
        _table(doc, LETTER_COLS, chosen, widths, size=9)
    else:
        _para(doc, "（本次无推荐的申请单位。）", indent=True)
    _para(doc, "")
    _para(doc, "推荐意见：")
    for _ in range(3):
        _para(doc, "_" * 46)
    _para(doc, "")
    _para(
        doc,
        "附件：1. 出口创新基地申报书" + (f"（{len(chosen)} 份）" if chosen else ""),
        indent=True,
    )
    # under "1.": two characters of indent and the width of "附件："
    _para(
        doc, "2. 出口创新基地发展方案" + (f"（{len(chosen)} 份）" if chosen else "")
    ).paragraph_format.first_line_indent = _pt(14 * 5)
    _para(doc, "")
    _para(doc, f"联系人：{info.contact or '_' * 10}    联系电话：{info.phone or '_' * 14}")
    # room for the signature and the seal above the unit's name
    for _ in range(2):
        _para(doc, "")
    _para(doc, f"{unit_text}商务主管部门（盖章）", align="right")
    date = chinese_date(info.date) if info.date else f"{chinese_year(info.year)}年    月    日"
    _para(doc, date, align="right")
    return _docx_bytes(doc)


def _pt(points: float) -> Any:
    from docx.shared import Pt

    return Pt(points)


# ---------------------------------------------------------------- 公示名单


def public_rows(apps: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{**a, "_no": n} for n, a in enumerate(recommended(apps), start=1)]


def public_title(info: LetterInfo, units: Sequence[str]) -> str:
    who = "、".join(units) if units else ""
    return f"{who}{info.year}年科技兴贸出口创新基地推荐名单（公示）"


def public_docx(apps: Sequence[Mapping[str, Any]], info: LetterInfo) -> bytes:
    rows = public_rows(apps)
    title = public_title(info, _units(apps, info.unit))
    doc = _document(title)
    _para(doc, title, size=16, font=TITLE_FONT, bold=True, align="center", space_after=12)
    _para(
        doc,
        f"根据{NOTICE_TITLE}（{NOTICE}），经审核，拟推荐以下申请单位，现予公示。",
        indent=True,
        align="justify",
        size=14,
    )
    if rows:
        _table(doc, PUBLIC_COLS, rows, [1.2, 2.4, 5.4, 2.2, 2.6, 1.8], size=10.5)
    else:
        _para(doc, "（无）", indent=True, size=14)
    return _docx_bytes(doc)


def public_xlsx(apps: Sequence[Mapping[str, Any]], info: LetterInfo) -> bytes:
    import xlsxwriter

    rows = public_rows(apps)
    title = public_title(info, _units(apps, info.unit))
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    wb.set_properties({"title": title, "author": "formkit", "created": dt.datetime(2006, 1, 1)})
    ws = wb.add_worksheet("公示名单")
    base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
    head = wb.add_format({**base, "bold": True, "border": 1, "align": "center", "text_wrap": True})
    cell = wb.add_format({**base, "border": 1, "text_wrap": True})
    widths = [6, 16, 34, 14, 16, 12]
    ws.merge_range(
        0,
        0,
        0,
        len(PUBLIC_COLS) - 1,
        title,
        wb.add_format({**base, "bold": True, "font_size": 14, "align": "center"}),
    )
    ws.set_row(0, 28)
    for j, (_, header, _) in enumerate(PUBLIC_COLS):
        ws.write_string(1, j, header, head)
        ws.set_column(j, j, widths[j])
    for i, rec in enumerate(rows, start=2):
        for j, (key, _, kind) in enumerate(PUBLIC_COLS):
            value = rec.get(key)
            if kind == "int" and isinstance(value, int):
                ws.write_number(i, j, value, cell)
            else:
                ws.write_string(i, j, _shown(value, kind), cell)
    ws.set_paper(9)
    ws.repeat_rows(1)
    ws.fit_to_pages(1, 0)
    ws.set_header(f"&C{title}")
    ws.set_footer("&C第 &P 页 共 &N 页")
    wb.close()
    return buf.getvalue()


# ---------------------------------------------------------------- writing


@dataclass(frozen=True)
class Written:
    letter: Path
    public_xlsx: Path
    public_docx: Path


def write_documents(
    apps: Sequence[Mapping[str, Any]], info: LetterInfo, folder: str | Path
) -> Written:
    """推荐文件-<单位>.docx, 公示名单-<单位>.xlsx and .docx in `folder`, each written atomically."""
    folder = Path(folder)
    units = _units(apps, info.unit)
    tag = units[0] if len(units) == 1 else "全国"
    out = Written(
        folder / f"推荐文件-{tag}.docx",
        folder / f"公示名单-{tag}.xlsx",
        folder / f"公示名单-{tag}.docx",
    )
    write_bytes_atomic(out.letter, recommendation_docx(apps, info))
    write_bytes_atomic(out.public_xlsx, public_xlsx(apps, info))
    write_bytes_atomic(out.public_docx, public_docx(apps, info))
    return out
