"""Within-form rules of the 季度数据报表 (商技发[2006]6号 四(四)).

Named by the spec (`[form] rules`); this package is the one place outside the spec that
knows the form's fields by id. Each rule checks one workbook on its own; the rules across
quarters and forms (cumulative figures never fall, the quarter equals the difference of
cumulatives, the annual report equals the fourth quarter) are in `across.py` (see
docs/forms/kjxm-cxjd-jidu.md 跨期核对).

The 年度工作报告 shares the figures' rules: `parts_within_wholes` and `growth_plausible`
are built for a suffix ("_ytd" here, "" for the annual figures).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from formkit.issues import plain
from formkit.validate.engine import Context

Rule = Callable[[Context], None]

# (stem, what it is, in the messages) of every figure reported for the quarter and cumulatively
FIGURES = (
    ("enterprise_count", "有出口实绩的企业数"),
    ("export_value", "出口额"),
    ("hitech_export_value", "高新技术产品出口额"),
    ("own_ip_export_value", "自主知识产权高新技术产品出口额"),
    ("own_brand_export_value", "自主品牌高新技术产品出口额"),
    ("tech_import_contracts", "技术引进合同数"),
    ("tech_import_value", "技术引进合同金额"),
    ("intl_certifications", "新获国际认证数"),
    ("foreign_patents", "境外专利授权数"),
    ("foreign_trademarks", "境外商标注册数"),
    ("foreign_copyrights", "境外著作权登记数"),
    ("software_export_value", "软件出口额"),
    ("outsourcing_value", "承接国际服务外包金额"),
)
_WHAT = dict(FIGURES)
# (part, whole): a part of a figure is never above it (amounts in 万美元)
PARTS = (
    ("hitech_export_value", "export_value"),
    ("own_ip_export_value", "hitech_export_value"),
    ("own_brand_export_value", "hitech_export_value"),
    ("outsourcing_value", "software_export_value"),
)
# reported growth (of the cumulative figure) -> the figure's stem
GROWTH = {
    "export_growth": "export_value",
    "hitech_export_growth": "hitech_export_value",
    "software_export_growth": "software_export_value",
}
# key enterprises' columns -> the base's figure they are part of
ENTERPRISE_SUMS = {
    "export_value_q": "export_value_q",
    "export_value_ytd": "export_value_ytd",
    "hitech_export_value_q": "hitech_export_value_q",
    "hitech_export_value_ytd": "hitech_export_value_ytd",
}
QUARTERS = {"第一季度": 1, "第二季度": 2, "第三季度": 3, "第四季度": 4}
UNIT = "万美元"
# sums compared to the cent (0.01 万美元), the precision people write
TOLERANCE = 0.005


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _at(ctx: Context, key: str) -> Any:
    """A value by key: "export_value_q", or a table cell "key_enterprises[2].export_value_q"."""
    if "[" not in key:
        return ctx.value(key)
    table, rest = key.split("[", 1)
    index, column = rest.split("].", 1)
    rows = ctx.value(table) or []
    return rows[int(index)].get(column) if int(index) < len(rows) else None


def _shown(v: float) -> str:
    return plain(v)


def _unit(stem: str) -> str:
    return UNIT if stem.endswith("_value") else ""


def quarter(ctx: Context) -> int | None:
    """The report's quarter, 1 to 4 (None if not given)."""
    return QUARTERS.get(str(ctx.value("report_quarter")))


def quarter_within_cumulative(ctx: Context) -> None:
    """四(四): this quarter's figure is part of the cumulative from January; in the first
    quarter the two are the same."""
    first = quarter(ctx) == 1
    for stem, what in FIGURES:
        _pair(ctx, f"{stem}_q", f"{stem}_ytd", what, first, ctx.value(f"{stem}_q"), None)


def _pair(
    ctx: Context, q_key: str, ytd_key: str, what: str, first: bool, q_raw: Any, ytd_raw: Any
) -> None:
    q = _num(q_raw)
    ytd = _num(ctx.value(ytd_key) if ytd_raw is None else ytd_raw)
    if q is None or ytd is None:
        return
    unit = _unit(ytd_key.rsplit(".", 1)[-1].removesuffix("_ytd"))
    unit = f" {unit}" if unit else ""  # an amount's; a count has none
    if q > ytd + TOLERANCE:
        ctx.add(
            "quarter_above_cumulative",
            q_key,
            related=(ytd_key.split("[")[0],),
            value=q,
            what=what,
            total=_shown(ytd),
            unit=unit,
        )
    elif first and abs(q - ytd) > TOLERANCE:
        ctx.add(
            "first_quarter_not_cumulative",
            ytd_key,
            related=(q_key.split("[")[0],),
            value=ytd,
            what=what,
            quarter_value=_shown(q),
            unit=unit,
        )


def parts_within_wholes(suffixes: tuple[str, ...]) -> Rule:
    """一、三: 高新技术产品 ≤ 出口额; 自主知识产权 / 自主品牌 ≤ 高新技术产品; 外包 ≤ 软件出口."""

    def rule(ctx: Context) -> None:
        for suffix in suffixes:
            for part, whole in PARTS:
                _part(ctx, part + suffix, whole + suffix, _WHAT[part], _WHAT[whole], part)

    rule.__name__ = "parts_within_wholes"
    rule.__doc__ = parts_within_wholes.__doc__
    return rule


def _part(ctx: Context, part_key: str, whole_key: str, part: str, whole: str, stem: str) -> None:
    p, w = _num(_at(ctx, part_key)), _num(_at(ctx, whole_key))
    if p is not None and w is not None and p > w + TOLERANCE:
        ctx.add(
            "part_above_whole",
            part_key,
            related=(whole_key.split("[")[0],),
            value=p,
            part=part,
            whole=whole,
            total=_shown(w),
            unit=_unit(stem),
        )


def growth_plausible(suffix: str) -> Rule:
    """四(四): a reported growth agrees with the figure it is about: -100% means nothing
    this year; a figure of 0 can only have fallen by 100%; a growth needs its figure."""

    def rule(ctx: Context) -> None:
        for growth, stem in GROWTH.items():
            _growth(ctx, growth, stem + suffix, _WHAT[stem])

    rule.__name__ = "growth_plausible"
    rule.__doc__ = growth_plausible.__doc__
    return rule


def _growth(ctx: Context, growth_key: str, figure_key: str, what: str) -> None:
    g = _num(_at(ctx, growth_key))
    if g is None:
        return
    current = _num(_at(ctx, figure_key))
    related = (figure_key.split("[")[0],)
    if current is None:
        ctx.add("growth_without_value", growth_key, related=related, value=g, what=what)
    elif current > 0 and g <= -100:
        detail = f"本期{what}为 {_shown(current)}，下降 100% 意味着本期为 0"
        ctx.add("growth_impossible", growth_key, related=related, value=g, detail=detail)
    elif current == 0 and g != -100:
        detail = f"本期{what}为 0，同比只能是 -100%（上年同期也为 0 时不填）"
        ctx.add("growth_impossible", growth_key, related=related, value=g, detail=detail)


def key_enterprises(ctx: Context) -> None:
    """四(四): each key enterprise's quarter ≤ its cumulative, high-tech ≤ exports, growth
    consistent; none is above the base's figure of the same period (one enterprise is part of
    the base); together they are not above the base's own figures (the values not already in
    error: one enterprise above the base is said once, at its row)."""
    rows = ctx.value("key_enterprises") or []
    first = quarter(ctx) == 1
    for i, row in enumerate(rows):
        at = f"key_enterprises[{i}]"
        for column, base_key in ENTERPRISE_SUMS.items():
            _within_base(ctx, f"{at}.{column}", row, column, base_key)
        for stem in ("export_value", "hitech_export_value"):
            _pair(
                ctx, f"{at}.{stem}_q", f"{at}.{stem}_ytd", _WHAT[stem], first,
                row.get(f"{stem}_q"), row.get(f"{stem}_ytd"),
            )  # fmt: skip
        for suffix in ("_q", "_ytd"):
            _part(
                ctx,
                f"{at}.hitech_export_value{suffix}",
                f"{at}.export_value{suffix}",
                _WHAT["hitech_export_value"],
                _WHAT["export_value"],
                "hitech_export_value",
            )
        _growth(ctx, f"{at}.export_growth", f"{at}.export_value_ytd", "累计出口额")
    for column, base_key in ENTERPRISE_SUMS.items():
        known = [
            v
            for i, r in enumerate(rows)
            if (v := _num(r.get(column))) is not None
            and not ctx.has_error(f"key_enterprises[{i}].{column}")
        ]
        base = _num(ctx.value(base_key))
        if known and base is not None and sum(known) > base + TOLERANCE:
            what = _period_what(column)
            ctx.add(
                "enterprises_above_base",
                f"key_enterprises[0].{column}",
                related=(base_key,),
                value=_shown(sum(known)),
                what=what,
                total=_shown(base),
            )


def _period_what(column: str) -> str:
    """A key enterprise column's figure in words: "本季度出口额", "累计高新技术产品出口额"."""
    stem = column.removesuffix("_q").removesuffix("_ytd")
    return ("本季度" if column.endswith("_q") else "累计") + _WHAT[stem]


def _within_base(ctx: Context, key: str, row: dict[str, Any], column: str, base_key: str) -> None:
    """One key enterprise's figure is not above the base's figure of the same period."""
    value, base = _num(row.get(column)), _num(ctx.value(base_key))
    if value is None or base is None or ctx.has_error(base_key) or value <= base + TOLERANCE:
        return
    name = str(row.get("name") or "").strip()
    ctx.add(
        "enterprise_above_base",
        key,
        related=(base_key,),
        value=value,
        name=f"“{name}”" if name else "",
        what=_period_what(column),
        total=_shown(base),
    )


def report_year_matches(ctx: Context) -> None:
    """四(四): the 报告年度 typed in is the year of the template in use."""
    year = ctx.value("report_year")
    form_year = ctx.sub.form.year if ctx.sub.form else None
    if isinstance(year, int) and form_year is not None and year != form_year:
        ctx.add("report_year_differs", "report_year", value=year, year=form_year)


def filled_after_quarter(ctx: Context) -> None:
    """四(四): the quarter's data are reported after it ends."""
    fill, q, year = ctx.value("fill_date"), quarter(ctx), ctx.value("report_year")
    if not isinstance(fill, dt.date) or q is None or not isinstance(year, int):
        return
    end = dt.date(year, 12, 31) if q == 4 else dt.date(year, 3 * q + 1, 1) - dt.timedelta(days=1)
    if fill <= end:
        ctx.add(
            "fill_date_before_period_end",
            "fill_date",
            value=fill,
            period=f"{year}年第{'一二三四'[q - 1]}季度",
            end=end.isoformat(),
        )


RULES: list[Rule] = [
    report_year_matches,
    filled_after_quarter,
    quarter_within_cumulative,
    parts_within_wholes(("_q", "_ytd")),
    growth_plausible("_ytd"),
    key_enterprises,
]
