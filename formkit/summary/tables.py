"""The summary's counting sheets: 统计 (by region, by the layout's groups and by verdict),
合计与比较 (a periodic form's totals, 环比 and 同比), the national view by reporting unit,
each repeatable table of the form, and 图表."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from formkit.cells import wrapped_lines
from formkit.forms import form_of
from formkit.records import Col, Kind, usable
from formkit.reference import Reference
from formkit.spec import FormSpec, Table
from formkit.summary.kit import (
    LINE_HEIGHT,
    Writer,
    excluded_line,
    excluded_summary,
    label,
    landscape,
    plain_table,
    sheet_title,
    table,
    total,
)
from formkit.summary.periods import comparisons, not_reported, series
from formkit.validate.engine import VERDICTS

if TYPE_CHECKING:
    pass


def group_rows(
    apps: Sequence[Mapping[str, Any]],
    key: str,
    totals: Sequence[str],
    order: Sequence[str] | None = None,
    verdicts: bool = True,
) -> list[dict[str, Any]]:
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for a in apps:
        groups[str(a.get(key) or "（未填）")].append(a)
    # every listed group, empty ones with zeros: a region without applications is a fact
    names = list(order or []) + sorted(n for n in groups if n not in (order or []))
    counts = [f"v_{v}" for v in VERDICTS] if verdicts else []
    rows = []
    for name in names:
        members = groups[name]
        row: dict[str, Any] = {"name": name, "count": len(members)}
        if verdicts:
            seen = Counter(m.get("_verdict") for m in members)
            row.update({f"v_{v}": seen.get(v, 0) for v in VERDICTS})
        for t in totals:
            row[t] = total(members, t)
        rows.append(row)
    whole: dict[str, Any] = {"name": "合计", "count": len(apps)}
    for k in (*counts, *totals):
        whole[k] = round(sum(r[k] for r in rows), 4)
    return [*rows, whole]


# the reference data's regions (formkit/reference), in the order tables list them
REGION_ORDER = ("东部", "中部", "西部", "东北")


def regions(reference: Reference) -> list[str]:
    return list(dict.fromkeys([*REGION_ORDER, *(u.region for u in reference.units)]))


def total_col(spec: FormSpec, key: str, width: float = 16) -> Col:
    f = spec.field(key)
    kind: Kind = "integer" if f.type == "integer" else "decimal"
    return Col(key, label(spec, key), kind, f.unit, width)


def stats_sheet(w: Writer) -> None:
    """统计: by region, by each group_by field and by verdict, with the totals; under each
    table, the values its totals left out. A form's `summary_stats` hook adds its own."""
    fmt, data, spec = w.fmt, w.data, w.spec
    ws = w.sheet("统计")
    s = spec.summary
    # the unit-level table's figures where the layout names them (a quarterly report totals
    # 26 figures: all of them are on 合计与比较), else every total
    totals = list(s.unit_table or s.totals)
    item = spec.summary.item
    total_cols = [total_col(spec, t) for t in totals]
    base_cols = [
        Col("count", f"{item}数", "integer", width=8),
        *(
            [
                Col("v_符合", "符合", "integer", width=7),
                Col("v_不符合", "不符合", "integer", width=7),
                Col("v_待补充材料", "待补充材料", "integer", width=9),
                Col("v_需人工判断", "需人工判断", "integer", width=9),
            ]
            if s.verdicts
            else []
        ),
        *total_cols,
    ]
    sheet_title(ws, f"{w.title}：统计", 9, fmt)
    row = 2
    sections: list[tuple[str, str, Sequence[str] | None]] = [
        ("地区", "_region", regions(w.reference))
    ]
    sections += [(label(spec, k), k, list(spec.field(k).choices)) for k in s.group_by]
    if s.verdicts:
        sections.append(("审核结论", "_verdict", list(VERDICTS)))
    for heading, key, order in sections:
        ws.write_string(row, 0, f"按{heading}", fmt(bold=True))
        row += 1
        cols = [Col("name", heading, "text", width=20), *base_cols]
        rows = group_rows(data.applications, key, totals, order, s.verdicts)
        # headers of up to three lines (the 申报书's, in two, keep their height)
        last = plain_table(ws, fmt, row, cols, rows, 30 if s.verdicts else 44)
        row = excluded_line(ws, fmt, last + 1, data.applications, totals, spec, cols) + 1
    hook = form_of(w.spec).summary.stats
    if hook is not None:
        row = hook(w, ws, row)
    ws.set_column(0, 0, 22)
    landscape(ws, w.title, 0)
    ws.fit_to_pages(1, 0)


def compare_sheet(w: Writer) -> None:
    """合计与比较: the period's totals, 环比 and 同比 (one A4 landscape page)."""
    fmt, spec = w.fmt, w.spec
    ws = w.sheet("合计与比较")
    who = "全国" if w.national else (w.data.unit or "")
    cols = [
        Col("name", "指标", "text", width=34),
        Col("now", f"{who}本期合计", "decimal", width=12),
        Col("count", f"计入{spec.summary.item}数", "integer", width=7),
        Col("previous_total", "上期可比合计", "decimal", width=12),
        Col("previous", "环比(%)", "percent", "%", width=8),
        Col("year_ago_total", "上年同期可比合计", "decimal", width=12),
        Col("year_ago", "同比(%)", "percent", "%", width=8),
        Col("note", "说明", "text", width=52),
    ]
    sheet_title(ws, f"{w.title}：合计、环比与同比", len(cols), fmt)
    rows = comparisons(w.data, spec)
    # amounts, then counts (printed without decimals)
    amounts = [r for r in rows if spec.field(r["key"]).type != "integer"]
    counts = [r for r in rows if spec.field(r["key"]).type == "integer"]
    last = table(ws, fmt, 1, cols, amounts, header_height=30)
    if counts:
        whole = [
            Col(c.key, c.header, "integer" if c.kind == "decimal" else c.kind, c.unit, c.width)
            for c in cols
        ]
        last = table(ws, fmt, last + 1, whole, counts, header_height=30)
        ws.freeze_panes(2, 1)
    text = excluded_summary(w.data.applications, list(spec.summary.totals), spec) or (
        f"合计包含全部{spec.summary.item}的数值（无错误数值）。"
    )
    note = (
        "合计、环比、同比只计入没有错误的数值；环比、同比由本表各期间的报表重新计算，"
        "只比较两期都有数值的"
        + spec.summary.item
        + "（说明列写明未比较的及原因）。"
        + text
        + not_reported(w.data, spec)
    )
    wrap = fmt(italic=True, text_wrap=True, valign="top", font_color="#404040")
    ws.merge_range(last + 1, 0, last + 1, len(cols) - 1, note, wrap)
    ws.set_row(last + 1, LINE_HEIGHT * wrapped_lines(note, sum(c.width for c in cols)) + 2)
    landscape(ws, w.title, 1)
    ws.fit_to_pages(1, 1)  # one table of the period's figures: one page


def unit_sheet(w: Writer) -> None:
    """The national view: every reporting unit (those that sent nothing too) and every
    region, with the layout's unit_table totals."""
    fmt, spec, data, reference = w.fmt, w.spec, w.data, w.reference
    ws = w.sheet(f"按{spec.roles.unit_label}")
    keys = list(spec.summary.unit_table)
    totals = [total_col(spec, k, 13) for k in keys]
    unit_key = spec.roles.unit or ""
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for a in data.applications:
        known = reference.unit(str(a.get(unit_key) or ""))
        groups[known.name if known else str(a.get(unit_key) or "（未填）")].append(a)
    rows: list[dict[str, Any]] = []
    for unit in reference.units:
        members = groups.pop(unit.name, [])
        source = data.reported.get(unit.name)
        rows.append(
            {
                "name": unit.name,
                "region": unit.region,
                "count": len(members),
                # a unit that sent nothing has no figures (blank, not 0)
                **({k: total(members, k) for k in keys} if members else {}),
                "reported": f"已报送：{source}" if source else ("已报送" if members else "未报送"),
            }
        )
    for name, members in sorted(groups.items()):  # a unit the reference data does not know
        rows.append({"name": name, "region": "", "count": len(members)})
        rows[-1].update({k: total(members, k) for k in keys})
    cols = [
        Col("name", spec.roles.unit_label, "text", width=14),
        Col("region", "地区", "text", width=6),
        Col("count", f"{spec.summary.item}数", "integer", width=6),
        *totals,
        Col("reported", "报送情况", "text", width=22),
    ]
    sheet_title(ws, f"{w.title}：按{spec.roles.unit_label}、按地区", len(cols), fmt)
    last = plain_table(ws, fmt, 1, cols, rows, header_height=44)
    ws.conditional_format(
        2,
        len(cols) - 1,
        last,
        len(cols) - 1,
        {
            "type": "cell",
            "criteria": "==",
            "value": '"未报送"',
            "format": fmt(bg_color="#FFC7CE", border=1),
        },
    )
    row = excluded_line(ws, fmt, last + 1, data.applications, keys, spec, cols) + 1
    ws.write_string(row, 0, "按地区", fmt(bold=True))
    region_cols = [Col("name", "地区", "text", width=14), cols[2], *totals]
    last = plain_table(
        ws,
        fmt,
        row + 1,
        region_cols,
        group_rows(data.applications, "_region", keys, regions(reference), verdicts=False),
        header_height=44,
    )
    landscape(ws, w.title, 1)
    ws.fit_to_pages(1, 0)
    del last


def rows_sheet(w: Writer, t: Table) -> None:
    """A repeatable table of the form (the key enterprises), every subject's rows."""
    fmt, spec = w.fmt, w.spec
    ws = w.sheet(t.label)
    cols = table_columns(spec, t)
    rows = [{**r, "_no": n} for n, r in enumerate(w.data.tables.get(t.id, []), start=1)]
    sheet_title(ws, f"{w.title}：{t.label}", len(cols), fmt)
    table(ws, fmt, 1, cols, rows)
    landscape(ws, w.title, 1)
    ws.fit_to_pages(1, 0)


def table_columns(spec: FormSpec, t: Table) -> list[Col]:
    """The columns of a table's own sheet (the roll-up reads it back with them)."""
    kinds: dict[str, Kind] = {"decimal": "decimal", "integer": "integer", "percent": "percent"}
    return [
        Col("_no", "序号", "integer", width=4.5),
        Col("_unit", spec.roles.unit_label, "text", width=8),
        Col("_subject", spec.roles.subject_label, "text", width=20),
        *(
            Col(
                c.id,
                f"{c.label}({c.unit})" if c.unit and c.unit not in c.label else c.label,
                "bool" if c.type == "yesno" else kinds.get(c.type, "text"),
                c.unit,
                20 if c.type == "text" else 6 if c.type == "yesno" else 10,
            )
            for c in t.columns
            if not c.fixed
        ),
        Col("_problems", "问题（错误、警告）", "text", width=24),
    ]


# a landscape A4 page's printable height, and a 300-pixel chart's, in points
_PAGE_POINTS, _CHART_POINTS = 490.0, 235.0


def _table_points(
    cols: Sequence[Col],
    rows: Sequence[Mapping[str, Any]],
    counted: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    spec: FormSpec,
) -> float:
    """The height a chart's title, table and the line under it print at (as
    `plain_table` and `excluded_line` lay them out)."""
    text = excluded_summary(counted, keys, spec)
    lines = wrapped_lines(text, sum(max(c.width, 10) for c in cols)) if text else 1
    head = max(wrapped_lines(c.header, max(c.width, 10) - 1) for c in cols)
    return 20 + max(30, LINE_HEIGHT * head + 4) + 15 * len(rows) + LINE_HEIGHT * lines + 2


def chart_sheet(w: Writer) -> None:
    """图表: each of the layout's charts over its data, one under the other; values with
    errors are not counted (the chart shows what the totals count)."""
    fmt, spec, data = w.fmt, w.spec, w.data
    ws = w.sheet("图表")
    row = 0
    breaks = []
    for chart_spec in spec.summary.charts:
        if row:
            breaks.append(row)  # each chart on a page of its own
        keys = list(chart_spec.series)
        if chart_spec.category == "period":
            head = "期间"
            rows = series([*data.applications, *data.others], spec, keys)
        elif chart_spec.category == "unit":
            head = spec.roles.unit_label
            rows = group_rows(data.applications, spec.roles.unit or "", keys, verdicts=False)[:-1]
        else:
            head = spec.roles.subject_label
            rows = [
                {"name": a.get(spec.roles.subject or ""), **{k: usable(a, k) for k in keys}}
                for a in data.applications
            ]
        ws.write_string(row, 0, chart_spec.title, fmt(bold=True, font_size=12))
        cols = [Col("name", head, "text", width=24), *(total_col(spec, k, 18) for k in keys)]
        last = plain_table(ws, fmt, row + 1, cols, rows)
        counted = [*data.applications, *data.others]
        if chart_spec.category != "period":
            counted = data.applications
        below = excluded_line(ws, fmt, last + 1, counted, keys, spec, cols) - 1
        if rows:
            chart = w.wb.add_chart({"type": chart_spec.kind})
            for j, _k in enumerate(keys, start=1):
                chart.add_series(
                    {
                        "name": ["图表", row + 1, j],
                        "categories": ["图表", row + 2, 0, last, 0],
                        "values": ["图表", row + 2, j, last, j],
                        **({"marker": {"type": "circle"}} if chart_spec.kind == "line" else {}),
                    }
                )
            chart.set_title({"name": chart_spec.title})
            chart.set_y_axis({"name": chart_spec.axis})
            chart.set_legend({"position": "bottom"})
            chart.set_size({"width": 640, "height": 300})
            if _table_points(cols, rows, counted, keys, spec) + _CHART_POINTS > _PAGE_POINTS:
                breaks.append(below + 1)  # table and chart not on one page: the chart whole
            ws.insert_chart(below + 1, 0, chart, {"x_offset": 4, "y_offset": 6})
            row = below + 18
        else:
            ws.write_string(below + 1, 0, "没有可画的数据。")
            row = below + 3
    ws.set_column(0, 0, 24)
    ws.set_column(3, 6, 10)
    ws.set_h_pagebreaks(breaks)
    ws.print_area(0, 0, max(row, 1), 6)
    landscape(ws, w.title, None)  # each chart has its own title
    ws.fit_to_pages(1, 0)
