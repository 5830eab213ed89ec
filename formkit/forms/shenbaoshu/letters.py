"""The documents a province sends to the ministry (通知六(三)): the 推荐文件 and the 报部名单.

推荐文件: a 请示 to 商务部 laid out as a 公文 of GB/T 9704-2012 《党政机关公文格式》 (why a
请示, and each layout rule with its clause: docs/recommendation-letter.md): the department's
发文机关标志, 发文字号 and 签发人 over a red line, the title, 主送 商务部, a body in paragraphs
with the counts and the recommended bases, 附件说明, 落款 and 成文日期 in Arabic numerals,
联系人 and 电话 in parentheses below the date, and 附件1 (the recommended list with each
recommendation's reason, as the province decided it) on a page of its own.

报部名单: the same recommended list as .xlsx and .docx, sent with it (the ministry publishes
the national list: formkit/forms/shenbaoshu/publicity.py).

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
from formkit.forms.shenbaoshu.authority import Authority, authority_for
from formkit.forms.shenbaoshu.recommend import NEW, REASON, RECERT, recommended

# the notice as a 公文 cites it: 发文机关 + title, then its 发文字号 in 六角括号 (GB/T 9704-2012
# 7.2.5: 年份 in 〔〕)
NOTICE = "商技发〔2006〕6号"
NOTICE_TITLE = "《商务部关于建设“科技兴贸出口创新基地”有关问题的通知》"
MINISTRY = "商务部"

# Fonts by the names Word and WPS give the official typefaces (GB/T 9704-2012 5.2.2: 标题
# 小标宋体, 正文 仿宋体, 一级标题 黑体, 签发人姓名 楷体). A run names one East Asian font; where it
# is not installed, Word looks for the fontTable's altName (Windows' own 仿宋, 楷体, 宋体), and
# LibreOffice falls back by the document's language (zh-CN) to the system's Chinese font
# (Noto Sans CJK SC with fonts-noto-cjk): the sizes, lines and pages stay the same.
TITLE_FONT, BODY_FONT, HEI_FONT, KAI_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"
SONG_FONT = "宋体"  # page numbers (4号半角宋体, GB/T 9704-2012 7.5)
LATIN_FONT = "Times New Roman"
_FONT_TABLE = (  # name, altName (Windows' built-in equivalent), family
    (TITLE_FONT, "宋体", "roman"),
    (BODY_FONT, "仿宋", "modern"),
    (KAI_FONT, "楷体", "modern"),
    (HEI_FONT, "SimHei", "modern"),
    (SONG_FONT, "SimSun", "auto"),
)

# GB/T 9704-2012 5.2.1: 天头 37 mm, 订口 28 mm, 版心 156 mm × 225 mm on A4
MARGINS_MM = {"top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}
TITLE_PT, BODY_PT, PAGE_NUMBER_PT, TABLE_PT = 22.0, 16.0, 14.0, 10.5  # 2号, 3号, 4号, 5号
# 5.2.3: 22 lines of 3号 a page: the 225 mm 版心 / 22 = 28.95 pt a line
LINE_PT = 28.95
TEXT_WIDTH_PT = 156 / 25.4 * 72
RED = "FF0000"

# 附件1 and the 报部名单: (record key, header, kind); "_why" is the reason as the letter
# prints it (the province's 推荐理由, with a verdict other than 符合 added)
ATTACHMENT_COLS: list[tuple[str, str, str]] = [
    ("_rank", "序号", "int"),
    ("applicant_name", "申请单位", "text"),
    ("city", "所在地级市", "text"),
    ("application_type", "申报类型", "text"),
    ("key_field", "重点领域", "text"),
    ("hitech_export_value", "高新技术产品出口额(亿美元)", "num"),
    ("_why", "推荐理由", "text"),
]
ATTACHMENT_WIDTHS_CM = [0.9, 3.6, 1.7, 2.0, 1.5, 1.8, 4.1]  # 15.6 cm: the 版心
LIST_COLS: list[tuple[str, str, str]] = [
    ("_no", "序号", "int"),
    ("province", "推荐单位", "text"),
    ("applicant_name", "申请单位", "text"),
    ("city", "所在地级市", "text"),
    ("application_type", "申报类型", "text"),
    ("key_field", "重点领域", "text"),
    ("_why", "推荐理由", "text"),
]
# a reason recommend.settle writes when a person reversed formkit's proposal without a word
# of their own: not a reason to print
MARKER_REASON = "人工调整"


@dataclass(frozen=True)
class LetterInfo:
    """What the sender gives; what is not given is left for them to fill in on paper."""

    year: int
    unit: str | None = None  # reporting unit; None: taken from the applications
    contact: str = ""
    phone: str = ""
    date: dt.date | None = None
    authority: str | None = None  # the department's full name; None: authorities.toml
    signer: str = ""  # 签发人
    doc_code: str = ""  # 机关代字 of the 发文字号, e.g. 苏外经贸技


def arabic_date(date: dt.date) -> str:
    """2006年4月28日: 成文日期 in Arabic numerals, no leading zeros (GB/T 9704-2012 7.3.5.4)."""
    return f"{date.year}年{date.month}月{date.day}日"


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


def reason_of(rec: Mapping[str, Any]) -> str:
    """The reason the documents print: the province's own (as typed on the 汇总表), and
    the verdict when it is not 符合 (a person may recommend an application that waits for
    material)."""
    reason = str(rec.get(REASON) or "").strip()
    if reason == MARKER_REASON:
        reason = ""
    verdict = str(rec.get("_verdict") or "")
    if verdict and verdict != "符合":
        reason = f"{reason}（审核结论：{verdict}）" if reason else f"审核结论：{verdict}"
    return reason


def _rows(apps: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{**a, "_no": n, "_why": reason_of(a)} for n, a in enumerate(recommended(apps), start=1)]


# ---------------------------------------------------------------- docx helpers


def _run(
    p: Any,
    text: str,
    font: str = BODY_FONT,
    size: float = BODY_PT,
    *,
    bold: bool = False,
    color: str | None = None,
    latin: str = LATIN_FONT,
) -> Any:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run = p.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:hint"), "eastAsia")
    return run


def _para(
    doc: Any,
    text: str = "",
    *,
    font: str = BODY_FONT,
    size: float = BODY_PT,
    align: str = "left",
    indent_chars: float = 0,
    left_chars: float = 0,
    right_pt: float = 0,
    line: float | None = LINE_PT,
    before: float = 0,
    keep_next: bool = False,
) -> Any:
    """A paragraph on the 版心's grid: exact line height, indents in characters of `size`."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    p = doc.add_paragraph()
    p.alignment = {
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    }[align]
    fmt = p.paragraph_format
    fmt.space_after = Pt(0)
    fmt.space_before = Pt(before)
    fmt.widow_control = False
    if line is not None:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line)
    if indent_chars:
        fmt.first_line_indent = Pt(size * indent_chars)
    if left_chars:
        fmt.left_indent = Pt(size * left_chars)
    if right_pt:
        fmt.right_indent = Pt(right_pt)
    if keep_next:
        fmt.keep_with_next = True
    if text:
        _run(p, text, font, size)
    return p


def _official_document(title: str) -> Any:
    """An empty A4 document set up as GB/T 9704-2012 says: margins, fonts, language, page
    numbers "— 1 —" outside on odd and even pages, fixed properties."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    # 7.5: the page number's 一字线 7 mm below the 版心; the footer's distance from the
    # page's bottom edge puts its line (4号, about 5 mm high) there
    section.footer_distance = Mm(MARGINS_MM["bottom"] - 7 - 5)
    section.header_distance = Mm(15)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    normal.font.name = LATIN_FONT
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), BODY_FONT)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    # the document's language: Chinese punctuation rules, and the Chinese (not Japanese)
    # fallback glyphs where the official fonts are missing
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    default_rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = default_rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        default_rpr.append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    _declare_fonts(doc)
    props = doc.core_properties
    props.title = title
    props.author = ""
    props.last_modified_by = ""
    props.comments = ""
    props.revision = 1
    stamp = dt.datetime(2006, 1, 1)
    props.created = props.modified = stamp
    props.last_printed = stamp
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], odd=True)
    _page_number(section.even_page_footer.paragraphs[0], odd=False)
    return doc


def _declare_fonts(doc: Any) -> None:
    """The official fonts in the font table, with Windows' built-in equivalents as
    altName and the GB2312 character set (Word substitutes by them where one is missing)."""
    from docx.opc.oxml import parse_xml, serialize_part_xml

    part = next(r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable"))
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    root = parse_xml(part.blob)
    for name, alt, family in _FONT_TABLE:
        font = root.makeelement(f"{{{w}}}font")
        root.append(font)
        font.set(f"{{{w}}}name", name)
        for tag, value in (("altName", alt), ("charset", "86"), ("family", family)):
            child = font.makeelement(f"{{{w}}}{tag}")
            child.set(f"{{{w}}}val", value)
            font.append(child)
    part._blob = serialize_part_xml(root)


def _field(p: Any, code: str, shown: str, font: str, size: float) -> None:
    """A field (PAGE) Word and LibreOffice fill in; `shown` until they do."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for kind in ("begin", "instr", "separate", "shown", "end"):
        if kind == "shown":
            _run(p, shown, font, size, latin=font)
            continue
        run = _run(p, "", font, size, latin=font)
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {code} "
            run._element.append(instr)
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._element.append(char)


def _page_number(p: Any, *, odd: bool) -> None:
    """— 1 —: 4号半角宋体 Arabic numerals between 一字线, 单页码居右空一字, 双页码居左空一字."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    fmt = p.paragraph_format
    if odd:
        fmt.right_indent = Pt(PAGE_NUMBER_PT)
    else:
        fmt.left_indent = Pt(PAGE_NUMBER_PT)
    _run(p, "— ", SONG_FONT, PAGE_NUMBER_PT, latin=SONG_FONT)
    _field(p, "PAGE", "1", SONG_FONT, PAGE_NUMBER_PT)
    _run(p, " —", SONG_FONT, PAGE_NUMBER_PT, latin=SONG_FONT)


_AFTER_PBDR = tuple(
    f"w:{t}"
    for t in [
        *("shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct"),
        *("topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid"),
        *("spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc"),
        *("textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId"),
        *("cnfStyle", "rPr", "sectPr", "pPrChange"),
    ]
)


def _border(p: Any, side: str, color: str, eighths: int, space_pt: int) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(eighths))
    line.set(qn("w:space"), str(space_pt))
    line.set(qn("w:color"), color)
    borders.append(line)
    # the schema's order: pBdr before these (Word refuses a document out of order)
    ppr.insert_element_before(borders, *_AFTER_PBDR)


def _right_tab(p: Any, at_pt: float) -> None:
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Pt

    p.paragraph_format.tab_stops.add_tab_stop(Pt(at_pt), WD_TAB_ALIGNMENT.RIGHT)


def title_lines(doc: Any, *lines: str) -> Any:
    """A title in 2号小标宋, centred, broken where its meaning breaks (7.3.1)."""
    p = _para(doc, align="center", font=TITLE_FONT, size=TITLE_PT, line=LINE_PT * 1.25)
    for n, line in enumerate(lines):
        if n:
            p.add_run().add_break()
        _run(p, line, TITLE_FONT, TITLE_PT)
    return p


# characters of 2号 on one line of the 版心 (156 mm / 22 pt is 20.1; one kept in hand)
TITLE_LINE_CHARS = 19


def broken(title: str, *after: str) -> list[str]:
    """The title in lines: broken after the first of `after` that leaves both lines
    short enough for one line each; unbroken (left to wrap) when none does."""
    for mark in after:
        at = title.find(mark)
        if at < 0:
            continue
        head, tail = title[: at + len(mark)], title[at + len(mark) :]
        if max(_width_chars(head), _width_chars(tail)) <= TITLE_LINE_CHARS:
            return [head, tail]
    return [title]


def _page_break(doc: Any) -> None:
    from docx.enum.text import WD_BREAK

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _table(
    doc: Any,
    cols: Sequence[tuple[str, str, str]],
    rows: Sequence[Mapping[str, Any]],
    widths_cm: Sequence[float],
    size: float = TABLE_PT,
    groups: Sequence[tuple[str, int]] = (),
) -> Any:
    """A bordered table; the header repeats on every page, no row splits across pages.

    `groups`: (heading, rows in it) — a full-width heading row before each group's rows
    (the national list by reporting unit).
    """
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    def trpr(row: Any, tag: str) -> None:
        el = OxmlElement(f"w:{tag}")
        el.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(el)

    def cell_text(cell: Any, text: str, font: str, align: Any) -> None:
        p = cell.paragraphs[0]
        p.alignment = align
        fmt = p.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing = 1.0
        _run(p, text, font, size)

    starts = {}
    at = 0
    for heading, count in groups:
        starts[at] = heading
        at += count
    table = doc.add_table(rows=1 + len(rows) + len(starts), cols=len(cols))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for j, width in enumerate(widths_cm):
        table.columns[j].width = Cm(width)
    header = table.rows[0]
    trpr(header, "cantSplit")  # before tblHeader: the schema's order
    trpr(header, "tblHeader")
    for j, (_, head, _) in enumerate(cols):
        header.cells[j].width = Cm(widths_cm[j])
        cell_text(header.cells[j], head, HEI_FONT, WD_ALIGN_PARAGRAPH.CENTER)
    r = 1
    for i, rec in enumerate(rows):
        if i in starts:
            row = table.rows[r]
            trpr(row, "cantSplit")
            merged = row.cells[0].merge(row.cells[len(cols) - 1])
            cell_text(merged, starts[i], HEI_FONT, WD_ALIGN_PARAGRAPH.LEFT)
            merged.paragraphs[0].paragraph_format.keep_with_next = True
            r += 1
        row = table.rows[r]
        trpr(row, "cantSplit")
        for j, (key, _, kind) in enumerate(cols):
            cell = row.cells[j]
            cell.width = Cm(widths_cm[j])
            align = (
                WD_ALIGN_PARAGRAPH.RIGHT
                if kind == "num"
                else WD_ALIGN_PARAGRAPH.CENTER
                if kind == "int"
                else WD_ALIGN_PARAGRAPH.LEFT
            )
            cell_text(cell, _shown(rec.get(key), kind), BODY_FONT, align)
        r += 1
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


def authority_of(apps: Sequence[Mapping[str, Any]], info: LetterInfo) -> Authority:
    units = _units(apps, info.unit)
    return authority_for(units[0] if len(units) == 1 else None, given=info.authority)


def genre(apps: Sequence[Mapping[str, Any]]) -> str:
    """请示 when it recommends (the ministry approves the list: 通知五(一)“经商务部核准”);
    报告 when there is nothing to approve."""
    return "请示" if recommended(apps) else "报告"


def letter_title(info: LetterInfo, authority: Authority, kind: str = "请示") -> str:
    if kind == "请示":
        return f"{authority.name}关于推荐{info.year}年度科技兴贸出口创新基地的请示"
    return f"{authority.name}关于{info.year}年度科技兴贸出口创新基地推荐情况的报告"


def attachment_title(info: LetterInfo) -> str:
    return f"{info.year}年度科技兴贸出口创新基地推荐名单"


def _count(kinds: Mapping[str, int], unit: str) -> str:
    """“其中现有基地重新认定2{unit}、新申报1{unit}” for the kinds present."""
    parts = [f"{k}{n}{unit}" for k, n in kinds.items() if n]
    return "其中" + "、".join(parts) if parts else ""


def letter_paragraphs(
    apps: Sequence[Mapping[str, Any]], info: LetterInfo, authority: Authority
) -> list[str]:
    """The body: why, what was received, what is recommended, what goes with it, the ask."""
    chosen = recommended(apps)
    me = authority.self_reference
    units = _units(apps, info.unit)
    where = "、".join(units) if len(units) == 1 else "本地区"
    received = {
        RECERT: sum(1 for a in apps if a.get("application_type") == RECERT),
        NEW: sum(1 for a in apps if a.get("application_type") == NEW),
    }
    picked = {
        RECERT: sum(1 for a in chosen if a.get("application_type") == RECERT),
        NEW: sum(1 for a in chosen if a.get("application_type") == NEW),
    }
    first = (
        f"根据{NOTICE_TITLE}（{NOTICE}）要求，{me}按照公开、公正、透明的原则，组织了{where}"
        f"{info.year}年度科技兴贸出口创新基地的申报工作，对各地报送的申报材料进行了审核。"
        f"{me}共收到申报材料{len(apps)}份"
        + (f"，{_count(received, '份')}" if any(received.values()) else "")
        + "。"
    )
    if not chosen:
        return [
            first,
            f"经审核，{me}本年度没有符合通知规定的评估条件和推荐名额、可以推荐的申请，"
            "不推荐出口创新基地。",
            "特此报告。",
        ]
    names = "、".join(str(a.get("applicant_name") or "") for a in chosen)
    second = (
        f"经审核，按照通知第六部分规定的评估条件和推荐名额，{me}拟推荐{len(chosen)}个"
        f"出口创新基地（{_count(picked, '个')}），按推荐次序依次为：{names}。"
        f"推荐名单及推荐理由见附件1。"
    )
    third = (
        f"上述{len(chosen)}个基地的《{info.year}年度出口创新基地申报书》和出口创新基地"
        "发展方案随文报送（附件2、3）。"
    )
    return [first, second, third, "以上请示，请予核准。"]


def attachments(apps: Sequence[Mapping[str, Any]], info: LetterInfo) -> list[str]:
    """附件说明's names (no punctuation after them, GB/T 9704-2012 7.3.4)."""
    if not recommended(apps):
        return []
    return [
        attachment_title(info),
        f"{info.year}年度出口创新基地申报书",
        "出口创新基地发展方案",
    ]


def recommendation_docx(apps: Sequence[Mapping[str, Any]], info: LetterInfo) -> bytes:
    """The 推荐文件 of one reporting unit as .docx bytes (a 公文, GB/T 9704-2012)."""
    from docx.shared import Mm

    authority = authority_of(apps, info)
    kind = genre(apps)
    title = letter_title(info, authority, kind)
    doc = _official_document(title)

    # 版头: 发文机关标志 35 mm below the 版心's top, red, no wider than the 版心 (7.2.4)
    flag = f"{authority.name}文件"
    flag_pt = float(min(40, int(TEXT_WIDTH_PT / (len(flag) + 0.5))))
    p = _para(doc, align="center", line=None, before=Mm(35).pt - flag_pt * 0.3)
    _run(p, flag, TITLE_FONT, flag_pt, color=RED)
    _para(doc)
    _para(doc)
    # 发文字号 居左空一字 and 签发人 居右空一字 on one line (7.2.5, 7.2.6); the red line 4 mm
    # below it, as wide as the 版心 (7.2.7)
    p = _para(doc)
    code = info.doc_code.strip()
    _run(p, "\u3000" + (code or "\u3000" * 3) + f"〔{info.year}〕")
    _run(p, "\u3000\u3000号")
    _run(p, "\t签发人：")
    _run(p, info.signer.strip() or "\u3000" * 3, KAI_FONT)
    _right_tab(p, TEXT_WIDTH_PT - BODY_PT)
    _border(p, "bottom", RED, 12, int(Mm(4).pt))
    _para(doc)
    _para(doc)

    # 主体: title 2号小标宋, centred, broken where the meaning breaks (7.3.1)
    title_lines(doc, *broken(title, f"{info.year}年度", "关于推荐", "关于"))
    _para(doc)
    _para(doc, f"{MINISTRY}：")
    for text in letter_paragraphs(apps, info, authority):
        _para(doc, text, align="justify", indent_chars=2)

    names = attachments(apps, info)
    if names:
        _para(doc)
        # 附件：1.名称, the next ones under "1." (7.3.4)
        for n, name in enumerate(names, start=1):
            lead = "附件：" if n == 1 else "\u3000" * 3
            _para(doc, f"{lead}{n}.{name}", left_chars=2, keep_next=True)

    # 落款: room for the seal, 发文机关署名 centred over the 成文日期, which is 右空四字 (7.3.5.1)
    _para(doc, keep_next=True)
    _para(doc, keep_next=True)
    date = arabic_date(info.date) if info.date else f"{info.year}年\u3000\u3000月\u3000\u3000日"
    date_chars = _width_chars(date)
    date_right = BODY_PT * 4
    name_right = max(0.0, date_right + (date_chars - len(authority.name)) / 2 * BODY_PT)
    _para(doc, authority.name, align="right", right_pt=name_right, keep_next=True)
    _para(doc, date, align="right", right_pt=date_right, keep_next=True)
    # 附注: 联系人 and 电话 in parentheses, 居左空二字, the line below the date (7.3.6)
    contact = info.contact.strip() or "\u3000" * 4
    phone = info.phone.strip() or "\u3000" * 6
    _para(doc, f"（联系人：{contact}，电话：{phone}）", indent_chars=2)

    # 附件1 on a page of its own: 附件1 in 黑体 top left, its title on the 3rd line (7.3.7)
    rows = _rows(apps)
    if rows:
        _page_break(doc)
        _para(doc, "附件1", font=HEI_FONT)
        _para(doc)
        _para(doc, attachment_title(info), font=TITLE_FONT, size=TITLE_PT, align="center")
        _para(doc)
        _table(doc, ATTACHMENT_COLS, rows, ATTACHMENT_WIDTHS_CM)
    return _docx_bytes(doc)


def _width_chars(text: str) -> float:
    """Width in full-width characters: ASCII digits and letters are half as wide."""
    return sum(0.5 if ord(ch) < 128 else 1.0 for ch in text)


def letter_notes(apps: Sequence[Mapping[str, Any]], info: LetterInfo) -> list[str]:
    """What the sender should know about the letter just written (for the command line)."""
    notes = [authority_of(apps, info).note]
    blank = [
        str(a.get("applicant_name") or "")
        for a in recommended(apps)
        if not str(a.get(REASON) or "").strip() or str(a.get(REASON)).strip() == MARKER_REASON
    ]
    if blank:
        notes.append(
            f"推荐理由为空：{'、'.join(blank)}（附件1中该栏空白，可在汇总表“推荐理由”一栏填写后重新生成）"
        )
    return notes


# ---------------------------------------------------------------- 报部名单


def list_title(info: LetterInfo, units: Sequence[str]) -> str:
    who = "、".join(units) if units else ""
    return f"{who}{attachment_title(info)}"


def list_docx(apps: Sequence[Mapping[str, Any]], info: LetterInfo) -> bytes:
    """The recommended list as a Word table, titled as the 推荐文件's 附件1."""
    rows = _rows(apps)
    title = list_title(info, _units(apps, info.unit))
    doc = _official_document(title)
    head, _, tail = title.partition(f"{info.year}年度")
    title_lines(doc, head + f"{info.year}年度", tail)
    _para(doc)
    if rows:
        _table(doc, LIST_COLS, rows, [1.1, 1.9, 3.5, 1.8, 2.0, 1.6, 3.7])
    else:
        _para(doc, "（本年度不推荐。）", indent_chars=2)
    return _docx_bytes(doc)


def list_xlsx(apps: Sequence[Mapping[str, Any]], info: LetterInfo) -> bytes:
    import xlsxwriter

    rows = _rows(apps)
    title = list_title(info, _units(apps, info.unit))
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    wb.set_properties({"title": title, "author": "", "created": dt.datetime(2006, 1, 1)})
    ws = wb.add_worksheet("推荐名单")
    base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
    head = wb.add_format({**base, "bold": True, "border": 1, "align": "center", "text_wrap": True})
    cell = wb.add_format({**base, "border": 1, "text_wrap": True})
    widths = [6, 14, 30, 12, 16, 10, 30]
    ws.merge_range(
        0,
        0,
        0,
        len(LIST_COLS) - 1,
        title,
        wb.add_format({**base, "bold": True, "font_size": 14, "align": "center"}),
    )
    ws.set_row(0, 28)
    for j, (_, header, _) in enumerate(LIST_COLS):
        ws.write_string(1, j, header, head)
        ws.set_column(j, j, widths[j])
    for i, rec in enumerate(rows, start=2):
        for j, (key, _, kind) in enumerate(LIST_COLS):
            value = rec.get(key)
            if kind == "int" and isinstance(value, int):
                ws.write_number(i, j, value, cell)
            else:
                ws.write_string(i, j, _shown(value, kind), cell)
    ws.set_paper(9)
    ws.set_landscape()
    ws.repeat_rows(1)
    ws.fit_to_pages(1, 0)
    ws.set_footer("&C第 &P 页 共 &N 页")
    wb.close()
    return buf.getvalue()


# ---------------------------------------------------------------- writing


@dataclass(frozen=True)
class Written:
    letter: Path
    list_xlsx: Path
    list_docx: Path


def document_names(tag: str) -> tuple[str, str, str]:
    """The file names of a unit's documents: 推荐文件, 报部名单 (.xlsx, .docx)."""
    return f"推荐文件-{tag}.docx", f"报部名单-{tag}.xlsx", f"报部名单-{tag}.docx"


def write_documents(
    apps: Sequence[Mapping[str, Any]], info: LetterInfo, folder: str | Path
) -> Written:
    """推荐文件-<单位>.docx, 报部名单-<单位>.xlsx and .docx in `folder`, each written atomically."""
    folder = Path(folder)
    units = _units(apps, info.unit)
    tag = units[0] if len(units) == 1 else "全国"
    letter, sheet, table = document_names(tag)
    out = Written(folder / letter, folder / sheet, folder / table)
    write_bytes_atomic(out.letter, recommendation_docx(apps, info))
    write_bytes_atomic(out.list_xlsx, list_xlsx(apps, info))
    write_bytes_atomic(out.list_docx, list_docx(apps, info))
    return out
