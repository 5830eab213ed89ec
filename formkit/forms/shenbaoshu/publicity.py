"""The ministry's 公示 (通知六(三): “所有推荐名单由商务部在网上公示”).

`formkit rollup` of the 申报书's summaries writes, beside the national roll-up, the national
推荐名单（公示）: every application a province recommended (its 推荐意见 as the province left
it on its 汇总表, read back by the roll-up), grouped by reporting unit in the reference's
order, with its 所在地级市, 申报类型 and 重点领域, as

- 推荐名单公示-<年度>.xlsx: one flat table to sort and filter,
- 推荐名单公示-<年度>.docx: the table by reporting unit, to print (A4, GB/T 9704 margins),
- 推荐名单公示-<年度>.html: one self-contained page to put on the ministry's web site: no
  scripts, no outside style sheets, fonts or images; prints on A4 with its header repeated.

Only what the provinces decided is listed: no verdicts, figures or reasons (a 公示 shows
whom, not why). The engine calls `documents` through the form's `rollup_documents` hook.
"""

from __future__ import annotations

import datetime as dt
import html
import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from formkit.forms.shenbaoshu.letters import (
    MINISTRY,
    NOTICE,
    NOTICE_TITLE,
    TABLE_PT,
    _docx_bytes,
    _official_document,
    _para,
    _shown,
    _table,
    title_lines,
)
from formkit.forms.shenbaoshu.recommend import NEW, RECERT, recommended

if TYPE_CHECKING:
    from formkit.reference import Reference
    from formkit.summary import SummaryData

_UNIT = "province"
# (record key, header, kind); the reporting unit heads its group in the .docx and .html
COLS: list[tuple[str, str, str]] = [
    ("_no", "序号", "int"),
    ("province", "推荐单位", "text"),
    ("applicant_name", "申请单位", "text"),
    ("city", "所在地级市", "text"),
    ("application_type", "申报类型", "text"),
    ("key_field", "重点领域", "text"),
]
GROUPED = [c for c in COLS if c[0] != _UNIT]
GROUPED_WIDTHS_CM = [1.2, 5.8, 2.4, 3.6, 2.6]  # 15.6 cm: the 版心


def file_names(year: int) -> tuple[str, str, str]:
    """推荐名单公示-2006年度.xlsx, .docx, .html."""
    stem = f"推荐名单公示-{year}年度"
    return f"{stem}.xlsx", f"{stem}.docx", f"{stem}.html"


def title(year: int) -> str:
    return f"{year}年度科技兴贸出口创新基地推荐名单（公示）"


def national_rows(apps: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The recommended applications, by reporting unit (in the order given: the roll-up's,
    the reference's) and 推荐次序, numbered through."""
    return [{**a, "_no": n} for n, a in enumerate(recommended(apps), start=1)]


def groups(rows: Sequence[Mapping[str, Any]]) -> list[tuple[str, int]]:
    """(heading, count) of each reporting unit's run of rows: “江苏省（2个）”."""
    out: list[tuple[str, int]] = []
    for rec in rows:
        unit = str(rec.get(_UNIT) or "（未注明推荐单位）")
        if out and out[-1][0] == unit:
            out[-1] = (unit, out[-1][1] + 1)
        else:
            out.append((unit, 1))
    return [(f"{unit}（{n}个）", n) for unit, n in out]


def lead(year: int, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The text above the table: the notice, then the counts."""
    units = len(groups(rows))
    recert = sum(1 for r in rows if r.get("application_type") == RECERT)
    new = sum(1 for r in rows if r.get("application_type") == NEW)
    kinds = "、".join(f"{kind}{n}个" for kind, n in ((RECERT, recert), (NEW, new)) if n)
    first = (
        f"根据{NOTICE_TITLE}（{NOTICE}），各省、自治区、直辖市、计划单列市及新疆生产建设兵团"
        f"商务主管部门推荐了{year}年度科技兴贸出口创新基地。按照通知“所有推荐名单由商务部在网上"
        "公示”的规定，现将推荐名单予以公示。"
    )
    if not rows:
        return [first, "各推荐单位本年度没有推荐。"]
    counts = f"共{units}个推荐单位推荐{len(rows)}个"
    return [first, counts + (f"，其中{kinds}。" if kinds else "。")]


def publicity_xlsx(apps: Sequence[Mapping[str, Any]], year: int) -> bytes:
    import xlsxwriter

    rows = national_rows(apps)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    created = dt.datetime(2006, 1, 1)
    wb.set_properties({"title": title(year), "author": MINISTRY, "created": created})
    ws = wb.add_worksheet("推荐名单")
    base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
    head = wb.add_format({**base, "bold": True, "border": 1, "align": "center", "text_wrap": True})
    cell = wb.add_format({**base, "border": 1, "text_wrap": True})
    number = wb.add_format({**base, "border": 1, "align": "center"})
    note = wb.add_format({**base, "text_wrap": True, "valign": "top"})
    last = len(COLS) - 1
    big = wb.add_format({**base, "bold": True, "font_size": 14, "align": "center"})
    ws.merge_range(0, 0, 0, last, title(year), big)
    ws.set_row(0, 28)
    text = "".join(lead(year, rows))
    ws.merge_range(1, 0, 1, last, text, note)
    ws.set_row(1, 48)
    for j, (_, header, _) in enumerate(COLS):
        ws.write_string(2, j, header, head)
    for j, width in enumerate([6, 16, 40, 14, 18, 12]):
        ws.set_column(j, j, width)
    for i, rec in enumerate(rows, start=3):
        for j, (key, _, kind) in enumerate(COLS):
            value = rec.get(key)
            if kind == "int" and isinstance(value, int):
                ws.write_number(i, j, value, number)
            else:
                ws.write_string(i, j, _shown(value, kind), cell)
    ws.set_paper(9)
    ws.repeat_rows(2)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.6, right=0.6, top=0.8, bottom=0.8)
    ws.set_footer("&C第 &P 页 共 &N 页")
    ws.freeze_panes(3, 0)
    wb.close()
    return buf.getvalue()


def publicity_docx(apps: Sequence[Mapping[str, Any]], year: int) -> bytes:
    rows = national_rows(apps)
    doc = _official_document(title(year))
    head, _, tail = title(year).partition("推荐名单")
    title_lines(doc, head, "推荐名单" + tail)
    _para(doc)
    for text in lead(year, rows):
        _para(doc, text, align="justify", indent_chars=2)
    if rows:
        _para(doc)
        _table(doc, GROUPED, rows, GROUPED_WIDTHS_CM, size=TABLE_PT, groups=groups(rows))
    return _docx_bytes(doc)


_CSS = """
@page { size: A4; margin: 20mm 18mm; }
body { font-family: "仿宋_GB2312", "仿宋", FangSong, "Noto Serif CJK SC", serif;
       font-size: 16px; line-height: 1.7; color: #000; margin: 2em auto; max-width: 60em;
       padding: 0 1em; }
h1 { font-family: "方正小标宋简体", "小标宋", "宋体", SimSun, "Noto Serif CJK SC", serif;
     font-weight: normal; font-size: 28px; text-align: center; margin: 0 0 1em; }
p { text-indent: 2em; margin: 0 0 .5em; text-align: justify; }
table { border-collapse: collapse; width: 100%; margin-top: 1em; font-size: 15px; }
th, td { border: 1px solid #000; padding: .3em .5em; vertical-align: top; }
thead th { font-family: "黑体", SimHei, "Noto Sans CJK SC", sans-serif; font-weight: normal;
           background: #eee; }
tbody th { text-align: left; font-family: "黑体", SimHei, "Noto Sans CJK SC", sans-serif;
           font-weight: normal; background: #f6f6f6; }
td.no { text-align: center; white-space: nowrap; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
@media print { body { margin: 0; max-width: none; font-size: 12pt; }
               h1 { font-size: 18pt; } table { font-size: 10.5pt; } }
"""


def publicity_html(apps: Sequence[Mapping[str, Any]], year: int) -> bytes:
    """One self-contained page: the style inline, nothing loaded from elsewhere, no scripts."""
    rows = national_rows(apps)
    esc = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title(year))}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{esc(title(year))}</h1>",
    ]
    out += [f"<p>{esc(text)}</p>" for text in lead(year, rows)]
    if rows:
        width = len(GROUPED)
        out.append("<table>")
        out.append(
            "<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for _, h, _ in GROUPED) + "</tr></thead>"
        )
        at = 0
        for heading, count in groups(rows):
            out.append(f'<tbody><tr><th colspan="{width}">{esc(heading)}</th></tr>')
            for rec in rows[at : at + count]:
                cells = []
                for key, _, kind in GROUPED:
                    css = ' class="no"' if kind == "int" else ""
                    cells.append(f"<td{css}>{esc(_shown(rec.get(key), kind))}</td>")
                out.append("<tr>" + "".join(cells) + "</tr>")
            out.append("</tbody>")
            at += count
        out.append("</table>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out).encode("utf-8")


def documents(data: SummaryData, reference: Reference) -> list[tuple[str, bytes]]:
    """(file name, content) of the national 公示, for `formkit rollup` to write beside the
    roll-up (the `rollup_documents` hook)."""
    del reference  # the roll-up has already ordered the applications by the reference
    year = data.year
    xlsx, docx_name, page = file_names(year)
    apps = data.applications
    return [
        (xlsx, publicity_xlsx(apps, year)),
        (docx_name, publicity_docx(apps, year)),
        (page, publicity_html(apps, year)),
    ]
