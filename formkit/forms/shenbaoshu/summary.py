"""The 申报书's own parts of the provincial summary and the national roll-up.

The summary engine (formkit/summary) writes what every form's summary has; it calls these
as the form's `SummaryPart` (`PART`, FORM.summary), by its fields:

- prepare: formkit's proposed recommendation (六(三)), and the 汇总表's order
- print_columns / detail_columns: the decision columns (推荐次序, 推荐意见, 推荐理由) on the
  printed 汇总表, formkit's proposal beside them in 明细
- print_note / print_after: the 汇总表's note on what may be edited, the editable columns'
  shading and drop-downs
- sheets: the ministry's 各推荐单位 table (quota, deadline, 重新认定 / 新申报), the progress
  towards the programme's targets (通知一), the threshold and growth charts (六(二)(2)、(3))
- stats: the 统计 sheet's 按推荐单位 table (推荐名额与报送时限, 六(三))
- notes: the 说明 sheet's notice-specific lines (申报年度 and 数据年度, 地区门槛, national
  figures, exchange rates)
- counted_towards_targets: the applications national progress may count
- settle: the roll-up reads each province's decision back (recommend.settle)
- unit_review: 六(二)(2) across one reporting unit's applications (rules.unit_review)
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from formkit.cells import wrapped_lines
from formkit.forms.parts import SummaryPart
from formkit.forms.shenbaoshu.recommend import (
    DECISION,
    DECISIONS,
    NEW,
    OVERRIDE,
    P_DECISION,
    P_RANK,
    P_REASON,
    RANK,
    REASON,
    RECERT,
    RECOMMEND,
    order_for_summary,
    propose,
    rank_key,
    settle,
)
from formkit.forms.shenbaoshu.rules import unit_checks, unit_review, within_quota
from formkit.records import Col, unit_order, usable
from formkit.reference import readable
from formkit.summary import (
    SummaryData,
    Writer,
    excluded_line,
    label,
    landscape,
    plain_table,
    put,
    sheet_title,
    table,
)

if TYPE_CHECKING:
    from xlsxwriter.worksheet import Worksheet

    from formkit.reference import Reference
    from formkit.spec import FormSpec

# the decision columns (recommend.py): what the 汇总表 shows, editable, and formkit's
# proposal beside them in 明细
DECISION_COLS = [
    Col(RANK, "推荐次序", "integer", width=6),
    Col(DECISION, "推荐意见", "text", width=8),
    Col(REASON, "推荐理由", "text", width=22),
]
PROPOSAL_COLS = [
    Col(P_RANK, "建议推荐次序", "integer", width=8),
    Col(P_DECISION, "建议推荐意见", "text", width=8),
    Col(P_REASON, "建议推荐理由", "text", width=30),
    Col(OVERRIDE, "人工调整", "text", width=30),
]
_VERDICTS = ("符合", "不符合", "待补充材料", "需人工判断")


def prepare(data: SummaryData, spec: FormSpec, reference: Reference, rank_by: str | None) -> str:
    """Applications without a decision get formkit's proposal (ranked by `rank_by`); the
    汇总表 lists each unit's recommended applications in their order, then the others.
    Returns the ranking key as shown."""
    key = rank_key(rank_by, spec)
    apps = data.applications
    if any(P_DECISION not in a for a in apps):
        propose(apps, reference=reference, key=key)
        data.notes.append(("推荐排序依据（通知六(三)）", key.shown))
    order_for_summary(apps, unit_order(reference), key)
    return key.shown


def print_columns(spec: FormSpec, cols: list[Col]) -> list[Col]:
    """推荐次序 after 序号; 推荐意见 and 推荐理由 last."""
    return [
        cols[0],
        Col(RANK, "推荐次序", "integer", width=5.5),
        *cols[1:],
        Col(DECISION, "推荐意见", "text", width=6.5),
        Col(REASON, "推荐理由", "text", width=19),
    ]


def detail_columns(spec: FormSpec, cols: list[Col]) -> list[Col]:
    return [*cols, *PROPOSAL_COLS]


def print_note(national: bool, shown: str) -> tuple[str, tuple[str, ...]]:
    """The 汇总表's note beside its title, and the columns a person may edit."""
    if national:
        return (
            "推荐次序、推荐意见、推荐理由为各推荐单位的决定；与审核建议不同之处见明细“人工调整”。",
            (),
        )
    return (
        "推荐次序、推荐意见、推荐理由（黄色）可直接修改后保存；推荐文件、报部名单和全国汇总"
        "都按修改后的内容生成。" + (f"建议的排序依据：{shown}。" if shown else ""),
        (RANK, DECISION, REASON),
    )


def print_after(ws: Worksheet, cols: Sequence[Col], last: int, national: bool) -> None:
    """Drop-downs on the province's own decision columns."""
    if last < 2 or national:
        return
    d = next(j for j, c in enumerate(cols) if c.key == DECISION)
    r = next(j for j, c in enumerate(cols) if c.key == RANK)
    ws.data_validation(
        2,
        d,
        last,
        d,
        {
            "validate": "list",
            "source": list(DECISIONS),
            "input_title": "推荐意见",
            "input_message": "选择“推荐”或“不推荐”。",
            "error_title": "推荐意见",
            "error_message": "请选择“推荐”或“不推荐”。",
        },
    )
    ws.data_validation(
        2,
        r,
        last,
        r,
        {
            "validate": "integer",
            "criteria": ">=",
            "value": 1,
            "ignore_blank": True,
            "input_title": "推荐次序",
            "input_message": "1 为第一位；不推荐的留空。",
            "error_type": "warning",
            "error_title": "推荐次序",
            "error_message": "推荐次序应为 1、2、3 …",
        },
    )


def sheets(w: Writer, where: str) -> None:
    """After 明细 (the national view): 各推荐单位 and the targets' progress; after the file
    sheets: 图表."""
    if where == "after_detail" and w.national:
        _unit_sheet(w)
        _targets_sheet(w, _targets(w.data, w.spec, w.reference))
    elif where == "after_files":
        _chart_sheet(w)


# the first columns of every per-unit table: who, where, how many of each type
_UNIT_LEAD = (
    Col("name", "推荐单位", "text", width=20),
    Col("region", "地区", "text", width=8),
    Col("count", "申请数", "integer", width=8),
    Col("recert", "重新认定", "integer", width=8),
    Col("new", "新申报", "integer", width=8),
)


def _unit_sheet(w: Writer) -> None:
    """The ministry's view: one row per reporting unit with verdicts, quota and deadline."""

    data, spec, reference, fmt = w.data, w.spec, w.reference, w.fmt
    ws = w.sheet("各推荐单位")
    cols = [
        *_UNIT_LEAD,
        Col("v_符合", "符合", "integer", width=7),
        Col("v_不符合", "不符合", "integer", width=7),
        Col("v_待补充材料", "待补充材料", "integer", width=9),
        Col("v_需人工判断", "需人工判断", "integer", width=9),
        Col("share_total", "高新技术产品出口额合计(亿美元)", "decimal", "亿美元", 16),
        Col("share", "占全国比重(%)", "percent", "%", 12),
        Col("quota", "推荐名额（六(三)）", "text", width=46),
        Col("deadline", "报部时限（六(三)）", "text", width=40),
        Col("reported", "报送情况", "text", width=24),
    ]
    sheet_title(ws, f"{w.title}：各推荐单位", len(cols), fmt)
    rows = unit_table(data.applications, spec, reference, data.year)
    # every reporting unit, those that sent nothing too: the ministry's list to chase
    have = {r["name"] for r in rows}
    for unit in reference.units:
        if unit.name not in have:
            rows.append(
                {"name": unit.name, "region": unit.region, "count": 0, "recert": 0, "new": 0}
                | {f"v_{v}": 0 for v in _VERDICTS}
                | {"share_total": 0.0}
            )
    order = unit_order(reference)
    rows.sort(key=lambda r: (order.get(r["name"], len(order)), r["name"]))
    for r in rows:
        source = data.reported.get(r["name"])
        r["reported"] = f"已报送：{source}" if source else ("已报送" if r["count"] else "未报送")
    last = table(ws, fmt, 1, cols, rows)
    if last >= 2:
        red = fmt(bg_color="#FFC7CE", border=1)
        at = {c.key: j for j, c in enumerate(cols)}
        _mark_checks(ws, fmt, 2, last, at["quota"], at["deadline"])
        ws.conditional_format(
            2,
            at["reported"],
            last,
            at["reported"],
            {"type": "cell", "criteria": "==", "value": '"未报送"', "format": red},
        )
    landscape(ws, w.title, 1)
    ws.fit_to_pages(1, 0)


def counted_towards_targets(
    apps: Sequence[Mapping[str, Any]], spec: FormSpec, reference: Reference
) -> list[Mapping[str, Any]]:
    """The applications national progress may count: verdict 符合 and within their unit's
    quota (六(三)). Where the province decided (推荐意见, recommend.py), its 推荐 are the
    ones within the quota; otherwise the form's rules decide which fit."""

    if apps and all(a.get(DECISION) for a in apps):
        return [a for a in apps if a.get(DECISION) == RECOMMEND and a.get("_verdict") == "符合"]
    s = spec.summary
    type_key, value_key = s.type_field or "", s.threshold_field or ""
    unit_key = spec.roles.unit or ""
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for a in apps:
        groups[str(a.get(unit_key) or "")].append(a)
    out: list[Mapping[str, Any]] = []
    for name, members in groups.items():
        unit = reference.unit(name)
        plain = [
            {
                type_key: m.get(type_key),
                value_key: usable(m, value_key),
                "verdict": m.get("_verdict"),
            }
            for m in members
        ]
        ok = within_quota(plain, unit=unit, reference=reference)
        out += [
            m for m, fit in zip(members, ok, strict=True) if fit and m.get("_verdict") == "符合"
        ]
    return out


# 申报主体 whose area holds the others of its city: a cluster or an enterprise that lies in a
# recommended 地级市 is part of that city's exports (六(三): 所在地级市)
CITY_KIND = "地级市"


def _area(city: Any) -> str:
    """所在地级市 as one area: “苏州市”, “苏州” and “ 苏州市 ” are one city."""
    text = unicodedata.normalize("NFKC", str(city or "")).replace(" ", "").strip()
    return text.removesuffix("市") if len(text) > 2 else text


def once_per_area(
    apps: Sequence[Mapping[str, Any]], spec: FormSpec
) -> tuple[float, list[dict[str, Any]]]:
    """The high-tech exports of `apps` with each area counted once, and the overlaps.

    Applications of one unit with the same 所在地级市 lie in one area: where one of them is
    the 地级市 itself, the others (a cluster, an enterprise) are inside it and only the
    city's figure counts (if the city's figure is unusable, the largest of the others, a
    lower bound of the area). Where none is the city, they are counted each, and named as a
    possible overlap for a person to judge (two clusters of one city need not overlap)."""
    share_key, unit_key = spec.summary.national_share or "", spec.roles.unit or ""
    city_key, who = spec.roles.locality or "", spec.roles.subject or ""
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    total, overlaps = 0.0, []
    for a in apps:
        area = _area(a.get(city_key))
        if not area:
            total += usable(a, share_key) or 0.0
            continue
        groups[(str(a.get(unit_key) or ""), area)].append(a)
    for (unit, _area_key), members in groups.items():
        values = [usable(m, share_key) for m in members]
        city = str(members[0].get(city_key) or "")
        if len(members) == 1:
            total += values[0] or 0.0
            continue
        cities = [i for i, m in enumerate(members) if m.get("applicant_kind") == CITY_KIND]
        named = [
            {"name": str(m.get(who) or ""), "kind": str(m.get("applicant_kind") or ""), "value": v}
            for m, v in zip(members, values, strict=True)
        ]
        if cities:
            known = [v if v is not None else -1.0 for v in values]
            keep = max(cities, key=lambda i: known[i])
            city = str(members[keep].get(city_key) or "")  # as the city itself writes it
            counted = max(known[keep], 0.0) if values[keep] is not None else max(*known, 0.0)
            total += counted
            gross = sum(v for v in values if v is not None)
            overlaps.append(
                {
                    "unit": unit,
                    "city": city,
                    "within": True,
                    "city_app": named[keep],
                    "inside": [n for i, n in enumerate(named) if i != keep],
                    "counted": counted,
                    "not_counted": round(gross - (counted or 0.0), 4),
                }
            )
        else:
            total += sum(v for v in values if v is not None)
            overlaps.append(
                {"unit": unit, "city": city, "within": False, "inside": named, "not_counted": 0.0}
            )
    return round(total, 4), overlaps


def targets(data: SummaryData, spec: FormSpec, reference: Reference) -> dict[str, Any]:
    """Progress towards the programme's targets (通知一): 100 bases, ~70% of high-tech
    exports with each area counted once; and 五(二)'s “十五个左右” new bases, by region."""
    s = spec.summary
    share_key, type_key, unit_key = s.national_share or "", s.type_field or "", spec.roles.unit
    passing = counted_towards_targets(data.applications, spec, reference)
    national = reference.national.get(data.year - 1)
    figure = national.figure("hitech_exports") if national else None
    hitech, overlaps = once_per_area(passing, spec)
    gross = sum(v for a in passing if (v := usable(a, share_key)) is not None)
    share = round(hitech / figure.value * 100, 2) if figure and figure.value else None
    regions = list(dict.fromkeys(u.region for u in reference.units))
    by_region = dict.fromkeys(regions, 0)
    new = [a for a in passing if a.get(type_key) == NEW]
    for a in new:
        unit = reference.unit(str(a.get(unit_key or "") or ""))
        region = unit.region if unit else "（推荐单位不明）"
        by_region[region] = by_region.get(region, 0) + 1
    return {
        "bases": len(passing),
        "target_bases": int(reference.notice.get("target_bases", 100)),
        "hitech": hitech,
        "hitech_gross": round(gross, 4),
        "share": share,
        "target_share": float(reference.notice.get("target_hitech_share", 0.7)) * 100,
        "national": figure,
        "data_year": data.year - 1,
        "overlaps": overlaps,
        "new_bases": len(new),
        "target_new_bases": int(reference.notice.get("target_new_bases", 15)),
        "new_by_region": by_region,
    }


def _difference(count: int, target: int) -> str:
    d = count - target
    return f"比 {target} 个多 {d} 个" if d > 0 else f"比 {target} 个少 {-d} 个" if d else "正好"


def _overlap_text(o: Mapping[str, Any]) -> str:
    inside = "、".join(f"{n['kind']}“{n['name']}”" for n in o["inside"])
    if o["within"]:
        c = o["city_app"]
        return (
            f"{o['unit']}{o['city']}：{inside}在{c['kind']}“{c['name']}”之内，"
            f"该地区只计一次（{o['counted']:g} 亿美元），未重复计入 {o['not_counted']:g} 亿美元"
        )
    return f"{o['unit']}{o['city']}：{inside}同在{o['city']}，均已计入；是否重叠需人工判断"


def _targets(data: SummaryData, spec: FormSpec, reference: Reference) -> dict[str, Any]:
    t = targets(data, spec, reference)
    nat = t["national"]
    share = (
        f"{t['share']:g}%（全国 {t['data_year']} 年{nat.basis or '高新技术产品出口'} "
        f"{nat.describe()} 亿美元）"
        if t["share"] is not None and nat is not None
        else f"（缺 {t['data_year']} 年有来源的全国数据，不计算）"
    )
    once = "，同一地级市只计一次" if any(o["within"] for o in t["overlaps"]) else ""
    data.notes.append(
        (
            "工作目标进展（通知一）",
            "审核结论为“符合”且在本单位推荐名额（六(三)）之内、由推荐单位推荐的申请"
            f" {t['bases']} 家，"
            f"目标 {t['target_bases']} 家；"
            f"其高新技术产品出口 {t['hitech']:g} 亿美元{once}，占全国 {share}，"
            f"目标 {t['target_share']:g}% 左右",
        )
    )
    regions = "、".join(f"{r} {n} 家" for r, n in t["new_by_region"].items())
    data.notes.append(
        (
            "新认定基地（通知五(二)）",
            f"其中新申报 {t['new_bases']} 家（{regions}）；通知五(二)为“再认定十五个左右新的"
            f"出口创新基地”：{_difference(t['new_bases'], t['target_new_bases'])}。通知没有给出"
            "“左右”的幅度，是否相符需人工判断",
        )
    )
    for o in t["overlaps"]:
        data.notes.append(("同一地区的申请（通知一 70% 目标）", _overlap_text(o)))
    return t


def _targets_sheet(w: Writer, t: Mapping[str, Any]) -> None:
    """工作目标进展: the notice's targets beside this round's counts, for the ministry."""
    ws = w.sheet("工作目标进展")
    cols = [
        Col("item", "项目", "text", width=30),
        Col("notice", "通知", "text", width=22),
        Col("count", "本次汇总", "text", width=16),
        Col("diff", "差额", "text", width=14),
        Col("note", "说明", "text", width=60),
    ]
    sheet_title(ws, f"{w.title}：工作目标进展", len(cols), w.fmt)
    nat = t["national"]
    rows: list[dict[str, Any]] = [
        {
            "item": "出口创新基地（通知一）",
            "notice": f"五年建成 {t['target_bases']} 家",
            "count": f"{t['bases']} 家",
            "note": "审核结论为“符合”、在本单位推荐名额（六(三)）之内并由推荐单位推荐的申请",
        },
        {
            "item": "新认定基地（通知五(二)）",
            "notice": "十五个左右",
            "count": f"{t['new_bases']} 家",
            "diff": f"{t['new_bases'] - t['target_new_bases']:+d} 个",
            "note": "上一行中的新申报；通知没有给出“左右”的幅度，是否相符需人工判断",
        },
        *(
            {"item": f"　其中{region}", "count": f"{n} 家"}
            for region, n in t["new_by_region"].items()
        ),
        {
            "item": "高新技术产品出口占全国比重（通知一）",
            "notice": f"{t['target_share']:g}% 左右",
            "count": f"{t['share']:g}%" if t["share"] is not None else "（缺全国数据）",
            "diff": (
                f"{t['share'] - t['target_share']:+.2f} 个百分点" if t["share"] is not None else ""
            ),
            "note": (
                f"基地合计 {t['hitech']:g} 亿美元（同一地区只计一次；逐家相加为"
                f" {t['hitech_gross']:g} 亿美元）÷ 全国 {t['data_year']} 年 "
                f"{nat.describe()} 亿美元（口径：{nat.basis or '未注明'}）"
                if nat is not None
                else f"参考数据中没有 {t['data_year']} 年有来源的全国高新技术产品出口额"
            ),
        },
        *({"item": "　同一地区的申请", "note": _overlap_text(o)} for o in t["overlaps"]),
    ]
    table(ws, w.fmt, 1, cols, rows)
    landscape(ws, w.title, 1)
    ws.fit_to_pages(1, 0)


def stats(w: Writer, ws: Worksheet, row: int) -> int:
    """统计: per reporting unit, totals, national share, the notice's quota and deadline."""

    spec, fmt = w.spec, w.fmt
    ws.write_string(row, 0, "按推荐单位（通知六(三)：推荐名额与报部时限）", fmt(bold=True))
    row += 1
    unit_rows = unit_table(w.data.applications, spec, w.reference, w.data.year)
    share_key = spec.summary.national_share
    cols = [
        *_UNIT_LEAD,
        Col(
            "share_total",
            f"{label(spec, share_key)}合计" if share_key else "合计",
            "decimal",
            "亿美元",
            16,
        ),
        Col("share", "占全国比重(%)", "percent", "%", 12),
        Col("quota", "推荐名额", "text", width=46),
        Col("deadline", "报部时限", "text", width=40),
    ]
    last = plain_table(ws, fmt, row, cols, unit_rows)
    keys = [share_key] if share_key else []
    excluded_line(ws, fmt, last + 1, w.data.applications, keys, spec, cols)
    if last > row:
        at = {c.key: j for j, c in enumerate(cols)}
        _mark_checks(ws, fmt, row + 1, last, at["quota"], at["deadline"])
    return last + 2


def _mark_checks(ws: Worksheet, fmt: Any, first: int, last: int, col: int, end: int) -> None:
    """The quota and deadline cells: 超出 red, 需人工判断 amber."""
    for word, color in (("超出", "#FFC7CE"), ("需人工判断", "#FFEB9C")):
        ws.conditional_format(
            first,
            col,
            last,
            end,
            {
                "type": "text",
                "criteria": "begins with",
                "value": word,
                "format": fmt(bg_color=color, border=1),
            },
        )


def unit_table(
    apps: Sequence[Mapping[str, Any]], spec: FormSpec, reference: Reference, year: int
) -> list[dict[str, Any]]:
    """One row per reporting unit: counts, share of the national figure, quota and deadline."""

    s = spec.summary
    unit_key, type_key, share_key = (spec.roles.unit or ""), s.type_field or "", s.national_share
    national = reference.national.get(year - 1)
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for a in apps:
        groups[str(a.get(unit_key) or "（未填）")].append(a)
    order = unit_order(reference)
    rows = []
    for name in sorted(groups, key=lambda n: (order.get(n, len(order)), n)):
        members = groups[name]
        unit = reference.unit(name)
        region = unit.region if unit else ""
        total = (
            sum(v for m in members if (v := usable(m, share_key)) is not None) if share_key else 0.0
        )
        row: dict[str, Any] = {
            "name": name,
            "region": region,
            "count": len(members),
            "recert": sum(1 for m in members if m.get(type_key) == RECERT),
            "new": sum(1 for m in members if m.get(type_key) == NEW),
            "share_total": round(total, 4),
            "share": round(total / national.hitech_exports * 100, 2)
            if national and national.hitech_exports
            else None,
        }
        verdicts = Counter(m.get("_verdict") for m in members)
        row.update({f"v_{v}": verdicts.get(v, 0) for v in _VERDICTS})
        apps_plain = [
            {type_key: m.get(type_key), "fill_date": _date(m.get(spec.roles.date or ""))}
            for m in members
        ]
        checks = unit_checks(apps_plain, year, unit=unit, reference=reference)
        for (_clause, _title, ok, detail), key in zip(checks, ("quota", "deadline"), strict=False):
            verdict = "符合：" if ok else "需人工判断：" if ok is None else "超出："
            row[key] = verdict + detail.removeprefix("需人工判断：")
        rows.append(row)
    return rows


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _chart_sheet(w: Writer) -> None:
    """图表: high-tech exports against the region's threshold (六(二)(2)) and the three-year
    growth against the nation's (六(二)(3)); values with errors are not drawn. The sheet has
    a title and a line saying which clause each chart shows; the charts' own titles are
    what they show, as an official writes it (no clause in brackets)."""

    fmt, spec, reference = w.fmt, w.spec, w.reference
    ws = w.sheet("图表")
    s = spec.summary
    apps = w.data.applications
    applicant = spec.roles.subject or ""
    value_key, growth_key, nat_key = s.threshold_field or "", s.growth or "", s.national_growth
    headers = [
        spec.roles.subject_label,
        label(spec, value_key),
        "地区门槛(亿美元)",
        "近三年增幅(%)",
        "全国同期增幅(%)",
    ]
    widths = [28.0, 16.0, 12.0, 12.0, 12.0]
    sheet_title(ws, f"{w.title}：图表", len(headers), fmt)
    ws.merge_range(
        1,
        0,
        1,
        len(headers) - 1,
        "左图：各申请单位高新技术产品出口额与所在地区门槛（通知六(二)(2)）；"
        "右图：近三年高新技术产品出口增幅与全国同期增幅（通知六(二)(3)）。有错误的数值不画。",
        fmt(text_wrap=True, valign="top", font_color="#404040"),
    )
    ws.set_row(1, 30)
    head = HEAD_ROW
    for j, (h, width) in enumerate(zip(headers, widths, strict=True)):
        ws.write_string(head, j, h, fmt.header())
        ws.set_column(j, j, width)
    # every header whole: as many lines as its longest needs in its column
    lines = max(wrapped_lines(h, width - 1) for h, width in zip(headers, widths, strict=True))
    ws.set_row(head, 13.5 * lines + 4)
    text, num = fmt(border=1), fmt(border=1, num_format="0.00")
    growth, nat_growth = f"computed.{growth_key}", f"computed.{nat_key or ''}"
    for i, a in enumerate(apps, start=head + 1):
        region = a.get("_region")
        # values with errors are not drawn: the chart shows what the totals count
        put(ws, i, 0, a.get(applicant), text)
        put(ws, i, 1, usable(a, value_key), num, "decimal")
        put(ws, i, 2, reference.thresholds.get(str(region)) if region else None, num, "decimal")
        put(ws, i, 3, usable(a, growth), num, "percent")
        put(ws, i, 4, a.get(nat_growth), num, "percent")
    n = len(apps)
    if n == 0:
        ws.write_string(head + 2, 0, "没有可汇总的申请。")
        return
    charts = (
        (1, 2, "高新技术产品出口额与地区门槛", "亿美元"),
        (3, 4, "近三年高新技术产品出口增幅与全国同期增幅", "%"),
    )
    # the two charts side by side under the data: one landscape page for a few applications
    for k, (bars, line, chart_title, unit) in enumerate(charts):
        ws.insert_chart(
            head + n + 2,
            0,
            _bar_and_line(w, n, bars, line, chart_title, unit),
            {"x_offset": 520 * k},
        )
    if head + n + 2 + CHART_ROWS > PAGE_ROWS:
        # many applications: the charts whole on a page of their own, after the data
        ws.set_h_pagebreaks([head + n + 1])
    # the print area reaches the charts' right edge: fitted to the page width with them
    ws.print_area(0, 0, head + n + 2 + 18, 11)
    landscape(ws, w.title, None)
    ws.fit_to_pages(1, 0)


# 图表: the title, the line on what each chart shows, then the data's header row
HEAD_ROW = 2
# the rows a landscape page holds at the sheet's scale, and the rows the charts cover
PAGE_ROWS, CHART_ROWS = 34, 18


def _bar_and_line(w: Writer, n: int, bars: int, line: int, title: str, unit: str) -> Any:
    """A native column chart of one 图表 column with another drawn as a line over it."""
    first, last = HEAD_ROW + 1, HEAD_ROW + n
    cats = ["图表", first, 0, last, 0]
    chart = w.wb.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": ["图表", HEAD_ROW, bars],
            "categories": cats,
            "values": ["图表", first, bars, last, bars],
        }
    )
    over = w.wb.add_chart({"type": "line"})
    over.add_series(
        {
            "name": ["图表", HEAD_ROW, line],
            "categories": cats,
            "values": ["图表", first, line, last, line],
            "marker": {"type": "none"},
        }
    )
    chart.combine(over)
    chart.set_title({"name": title, "name_font": {"size": 12, "bold": True}})
    chart.set_y_axis({"name": unit})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 510, "height": 340})
    return chart


def notes(w: Writer, lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """说明: the 申报年度 with its 数据年度, what the totals also feed (占全国比重, 工作目标
    进展), the national growth 六(二)(3) compares with (and how: chained where the basis
    changed), and the reference data the notice's rules used."""
    reference, year = w.reference, w.data.year
    out: list[tuple[str, str]] = []
    for key, text in lines:
        if key == w.spec.year_label:
            text = f"{year} 年（数据年度 {year - 1} 年）"
        elif key == "合计口径":
            text = text.replace("合计、图表", "合计、占全国比重、图表和工作目标进展", 1)
        elif key == "参考数据":
            out += _round_lines(reference, w.spec.data_years(year))
            out += _reference_lines(reference, last=w.spec.data_years(year)[-1])
            out += _notice_lines(reference, year)
        out.append((key, text))
    return out


def _round_lines(reference: Reference, years: Sequence[int]) -> list[tuple[str, str]]:
    """This round's national figures: the 占全国比重 denominator and the 六(二)(3) growth,
    each naming its basis."""
    what = "全国高新技术产品出口"
    data_year = years[-1]
    nat = reference.national.get(data_year)
    f = nat.figure("hitech_exports") if nat else None
    share = (
        f"{data_year} 年 {f.describe()} 亿美元（{readable(f.cite())}）"
        if f
        else f"参考数据中没有 {data_year} 年有来源的数字，占全国比重不计算"
    )
    growth = reference.national_growth("hitech_exports", years[0], years[-1])
    return [
        ("占全国比重的分母", f"{what}：{share}"),
        ("全国同期增幅（通知六(二)(3)）", growth.describe(what)),
    ]


def _notice_lines(reference: Reference, year: int) -> list[tuple[str, str]]:
    """The province's deadline to the ministry for this year, and the one classification of
    reporting units the quota and cluster rules use (东北 decided once)."""
    due, source = reference.ministry_deadline(year)
    return [
        (
            "报部时限（通知六(三)）",
            f"{due.isoformat()} 前（{source}）；申请单位的截止日期由推荐单位自定"
            if due
            else f"{source}；申请单位的截止日期由推荐单位自定",
        ),
        (
            "推荐名额与企业集群的地区（通知六、六(三)）",
            "东部、中西部；东北按中西部（通知的名额句和企业集群句只分东部、中西部，六(二)(2)把东北"
            "与中部并列，“不再另行推荐”只说东部）。计划单列市不在适用的名额句中、新疆生产建设兵团、"
            "以及既有基地名单不全而结论取决于有无基地的，推荐名额需人工判断，不自动推荐（见参考数据）",
        ),
    ]


def _reference_lines(reference: Reference, last: int) -> list[tuple[str, str]]:
    """The thresholds, and the national figures and exchange rates of the years up to the
    round's last data year (`last`): the later years' are for later rounds."""
    lines = [
        (
            "地区门槛（通知六(二)(2)）",
            "；".join(f"{k} {v:g} 亿美元" for k, v in reference.thresholds.items()),
        )
    ]
    for y, n in sorted(reference.national.items()):
        if y > last:
            continue
        parts = [
            f"{what} {f'{f.value:g}%' if pct else f.describe()}（{readable(f.cite())}）"
            if f
            else f"{what}（无来源数据）"
            for what, f, pct in (
                ("出口（亿美元）", n.figure("total_exports"), False),
                ("高新技术产品出口（亿美元）", n.figure("hitech_exports"), False),
                ("公布的高新技术产品出口增幅", n.growth("hitech_exports"), True),
                ("国内生产总值（亿元）", n.figure("gdp"), False),
            )
            if f or not pct
        ]
        lines.append((f"全国 {y} 年", "；".join(parts)))
    for y, r in sorted(reference.exchange_rates.items()):
        if y > last:
            continue
        basis = f"口径：{r.basis}；" if r.basis else ""
        lines.append(
            (
                f"汇率 {y} 年",
                f"{r.rmb_per_usd:g} 元/美元（{basis}{readable(r.source)}），仅用于合理性提示",
            )
        )
    return lines


def settle_decisions(apps: Sequence[dict[str, Any]], reference: Reference) -> list[tuple[str, str]]:
    """The roll-up: a province's decision as its people left it on the 汇总表; what does not
    add up (a rank twice, a quota exceeded), as 说明 lines."""
    if not any(DECISION in a for a in apps):
        return []
    return [("推荐决定", problem) for problem in settle(apps, reference=reference).problems]


PART = SummaryPart(
    prepare=prepare,
    print_columns=print_columns,
    detail_columns=detail_columns,
    print_note=print_note,
    print_after=print_after,
    sheets=sheets,
    stats=stats,
    notes=notes,
    counted_towards_targets=counted_towards_targets,
    settle=settle_decisions,
    unit_review=unit_review,
)
