"""The rules of 商技发[2006]6号 for the 申报书: consistency, growth, eligibility.

The spec names this module (`[form] rules`); it is the one place outside the spec that
knows this form's fields by id. Each rule cites its clause; figures come from the
reference data (with sources), never from constants here. What the summaries compute
(each unit's quota, the review across one unit's applications) is in quota.py, what both
name in criteria.py; this module offers their names too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from formkit.forms.shenbaoshu.criteria import (
    BASE_CLAUSE,
    BASE_ID,
    BASE_TITLE,
    NEW,
    RECERT,
    REGIONAL_CLAUSE,
    REGIONAL_ID,
    REGIONAL_TITLE,
    BaseClaim,
    as_number,
    match_base,
)
from formkit.forms.shenbaoshu.quota import (
    COMPUTED_LABELS,
    Quota,
    unit_checks,
    unit_quota,
    unit_review,
    within_quota,
)
from formkit.issues import plain
from formkit.validate.engine import Context, Criterion, Status
from formkit.validate.growth import Rate, Series, series

__all__ = [
    "BASE_CLAUSE",
    "BASE_ID",
    "BASE_TITLE",
    "COMPUTED_LABELS",
    "FAILED_FIX",
    "GROWTH_FINE",
    "GROWTH_MINOR",
    "NEW",
    "PLAINLY_FIRST_SHARE",
    "RECERT",
    "REGIONAL_CLAUSE",
    "REGIONAL_ID",
    "REGIONAL_TITLE",
    "RULES",
    "SALES_MULTIPLE",
    "WAN_PER_YI",
    "BaseClaim",
    "Quota",
    "as_number",
    "consistency",
    "data_quality",
    "eligibility",
    "fill_date_in_round",
    "growth_rates",
    "match_base",
    "unit_checks",
    "unit_quota",
    "unit_review",
    "within_quota",
]

# reported vs computed growth, percent points: up to FINE agrees (rounding); up to MINOR is
# a warning (a different rounding or basis); beyond is an error
GROWTH_FINE, GROWTH_MINOR = 0.1, 1.0
# exports converted to RMB above this multiple of sales: almost certainly a unit slip
SALES_MULTIPLE = 1.5
WAN_PER_YI = 10_000
# criterion_failed's fix ({fix_detail}): what an applicant does about a failed criterion
FAILED_FIX = "不符合条件的不予推荐；如系填写有误，请更正后重新提交。"


def fill_date_in_round(ctx: Context) -> None:
    """填报日期 within the round: not before the notice; not after the deadline the province
    set its applicants (--deadline), when one is given.

    The notice's 4月30日 (六(三)) is the province's own deadline to the ministry, not the
    applicants': a file is never judged late against it (the summary's 报送时限 says whether
    the province's dispatch can still make it)."""
    value = ctx.value("fill_date")
    if not isinstance(value, dt.date):
        return
    issued = dt.date.fromisoformat(str(ctx.reference.notice["issued"]))
    start = issued if issued.year == ctx.year else dt.date(ctx.year, 1, 1)
    if value < start:
        ctx.add("fill_date_before_notice", "fill_date", value=value, notice=start.isoformat())
    elif ctx.deadline is not None and value > ctx.deadline:
        ctx.add(
            "fill_date_after_deadline", "fill_date", value=value, deadline=ctx.deadline.isoformat()
        )


def consistency(ctx: Context) -> None:
    """Consistency: high-tech ≤ total; products ≤ total; history's data year equals 第一项."""
    total = as_number(ctx.value("export_value"))
    hitech = as_number(ctx.value("hitech_export_value"))
    if total is not None and hitech is not None and hitech > total:
        ctx.add(
            "hitech_above_total",
            "hitech_export_value",
            related=("export_value",),
            value=hitech,
            total=total,
        )
    products = [as_number(r.get("export_value")) for r in ctx.value("main_products") or []]
    known = [p for p in products if p is not None]
    if total is not None and known and sum(known) > total * WAN_PER_YI + 1e-6:
        ctx.add(
            "products_above_total",
            "main_products[0].export_value",
            related=("export_value",),
            value=plain(sum(known)),
            total=plain(total),
            total_wan=plain(total * WAN_PER_YI),
        )
    data_year = ctx.year - 1
    for i, row in enumerate(ctx.value("history") or []):
        if row.get("year") != data_year:
            continue
        for col, what, reported in (
            ("export_value", "出口额", total),
            ("hitech_export_value", "高新技术产品出口额", hitech),
        ):
            v = as_number(row.get(col))
            # compare to the precision people write (0.01 亿美元 = 100 万美元)
            if v is not None and reported is not None and abs(v - reported) > 0.005 + 1e-9:
                ctx.add(
                    "history_mismatch",
                    f"history[{i}].{col}",
                    related=(col,),
                    value=plain(v),
                    year=data_year,
                    what=what,
                    reported=plain(reported),
                )
    rate = ctx.reference.exchange_rate(data_year)
    sales = as_number(ctx.value("sales_total"))
    if rate and total is not None and sales and not ctx.has_error("export_value"):
        converted = total * rate.rmb_per_usd
        if converted > sales * SALES_MULTIPLE:
            ctx.add(
                "exports_above_sales",
                "export_value",
                value=plain(total),
                rate=f"{rate.rmb_per_usd:g}",
                converted=f"{converted:.1f}",
                sales=plain(sales),
            )


def _history_series(ctx: Context) -> tuple[Series, Series]:
    years = ctx.spec.data_years(ctx.year)
    rows = ctx.value("history") or []
    return series(rows, "export_value", years), series(rows, "hitech_export_value", years)


def _rate_issue(ctx: Context, rate: Rate, col: str, what: str) -> None:
    if rate.problem is None or rate.year is None:
        return
    rows = ctx.value("history") or []
    index = next((i for i, r in enumerate(rows) if r.get("year") == rate.year), 0)
    code = "growth_base_zero" if rate.problem == "base_zero" else "growth_base_missing"
    key = f"history[{index}].{col}"
    if not any(
        i.code == code
        and i.field == "history"
        and i.params.get("year") == rate.year
        and i.params.get("what") == what
        for i in ctx.issues
    ):
        ctx.add(code, key, year=rate.year, what=what)


def growth_rates(ctx: Context) -> None:
    """六(二)(3) and consistency: growth from the history, compared with the reported rates."""
    exports, hitech = _history_series(ctx)
    data_year = ctx.year - 1
    computed: dict[str, Any] = {"data_year": data_year, "history_years": list(exports.years)}
    for name, s, col, what in (
        ("export", exports, "export_value", "出口额"),
        ("hitech_export", hitech, "hitech_export_value", "高新技术产品出口额"),
    ):
        yoy = s.yoy()
        computed[f"{name}_yoy"] = {str(y): r.value for y, r in yoy.items()}
        cumulative, compound = s.cumulative(), s.compound()
        computed[f"{name}_growth_3y"] = cumulative.value
        computed[f"{name}_cagr"] = compound.value
        for r in (*yoy.values(), cumulative):
            _rate_issue(ctx, r, col, what)
        reported_key = f"{name}_growth"
        reported = as_number(ctx.value(reported_key))
        latest = yoy.get(data_year)
        calc = latest.value if latest else None
        computed[reported_key] = {"reported": reported, "computed": calc}
        if reported is not None and calc is not None:
            gap = round(abs(reported - calc), 2)
            # 0.2 where 20% was meant ("20%" typed in a spreadsheet is stored as 0.2)
            fraction = 0 < abs(reported) < 1 and abs(reported * 100 - calc) <= GROWTH_MINOR
            meant = plain(reported * 100)
            hint = (
                f"；看来是把 {meant}% 存成了小数 {plain(reported)}，应填 {meant}"
                if fraction
                else ""
            )
            if gap > GROWTH_MINOR:
                ctx.add(
                    "growth_mismatch",
                    reported_key,
                    value=reported,
                    computed=calc,
                    gap=gap,
                    fraction_hint=hint,
                )
            elif gap > GROWTH_FINE:
                ctx.add(
                    "growth_mismatch_minor",
                    reported_key,
                    value=reported,
                    computed=calc,
                    gap=gap,
                    fraction_hint=hint,
                )
    first, last = exports.years[0], exports.years[-1]
    computed.update(_national_growth(ctx, first, last))
    ctx.computed.update(computed)


def _national_growth(ctx: Context, first: int, last: int) -> dict[str, Any]:
    """全国同期高新技术产品出口增幅 (first -> last history year) from one statistical basis:
    where a published growth rate shows the basis changed, chained from the published rates
    (formkit.reference.national_growth); its possible range carries the rounding of
    approximate figures and rates."""
    what = "全国高新技术产品出口"
    g = ctx.reference.national_growth("hitech_exports", first, last)
    if g.value is None:
        for y in g.missing:
            ctx.add(
                "national_figure_missing",
                "history",
                year=y,
                what="全国高新技术产品出口额",
                use="六(二)(3) 全国同期增幅",
            )
        for y in g.unbridged:
            ctx.add(
                "national_figure_missing",
                "history",
                year=y,
                what="全国高新技术产品出口额与上年同口径的数字或公布的增幅",
                use="六(二)(3) 全国同期增幅",
            )
        return {"national_hitech_growth_3y": None, "national_hitech_basis": g.describe(what)}
    out: dict[str, Any] = {
        "national_hitech_growth_3y": g.value,
        "national_hitech_source": "；".join(
            f"{y}{'（增幅）' if p.kind == 'rate' else ''}: {f.cite()}"
            for p in g.parts
            for y, f in p.figures
        ),
        "national_hitech_growth_3y_range": None,
        "national_hitech_basis": g.describe(what),
        "national_hitech_chained": g.chained,
    }
    if g.low is not None and g.high is not None:
        out["national_hitech_growth_3y_range"] = [g.low, g.high]
        out["national_hitech_approx"] = "；".join(
            f"{y} 年{what}增幅为 {f.value:g}%（公布数舍入，±{f.margin:g}）"
            if p.kind == "rate"
            else f"{y} 年{what}额为约数 {f.describe()} 亿美元（{f.source}）"
            for p in g.parts
            for y, f in p.figures
            if not f.exact
        )
    return out


def _yes(ctx: Context, key: str) -> Status:
    v = ctx.value(key)
    return "pass" if v is True else "fail" if v is False else "unknown"


def _criterion(
    ctx: Context, cid: str, clause: str, title: str, status: Status, detail: str, key: str, fix: str
) -> None:
    ctx.criteria.append(Criterion(cid, clause, title, status, detail))
    if status == "fail":
        ctx.add(
            "criterion_failed",
            key,
            clause=clause,
            clause_text=clause,
            detail=detail,
            detail_en=cid,
            fix_detail=FAILED_FIX,
        )
    elif status == "manual":
        ctx.add("criterion_manual", key, clause=clause, clause_text=clause, detail=detail)
    elif status == "unknown":
        ctx.add(
            "criterion_unknown",
            key,
            clause=clause,
            clause_text=clause,
            detail=detail,
            detail_en=cid,
            fix_detail=fix,
        )


def eligibility(ctx: Context) -> None:
    """六(一) re-certification, 六(二) new bases, 六(三) materials: one verdict per application."""
    kind = ctx.value("application_type")
    if kind is None:
        _criterion(
            ctx,
            "application_type",
            "五",
            "申报类型",
            "unknown",
            "未填写申报类型，无法确定适用的条件",
            "application_type",
            "请在续表一选择申报类型。",
        )
    if kind == RECERT:
        _existing_base(ctx)
        for cid, key, title in (
            ("recert_policy", "has_policy", "已制定实施科技兴贸配套政策"),
            ("recert_funding", "has_funding", "已对科技兴贸项目给予资金支持"),
            ("recert_feature", "has_feature_industry", "已形成特色产业"),
        ):
            clause = ctx.spec.field(key).clause or "六(一)"
            status = _yes(ctx, key)
            detail = {"pass": "是", "fail": f"“{title}”为否", "unknown": f"“{title}”未填写"}[status]
            _criterion(
                ctx,
                cid,
                clause,
                title,
                status,
                detail,
                key,
                "请在续表二选择“是”或“否”并附证明材料。",
            )
    if kind == NEW:
        _new_base(ctx)
    _materials(ctx)


def _existing_base(ctx: Context) -> None:
    """五(一)/六(一): the base to re-certify is one the unit has, by type and place."""
    unit = ctx.reference.unit(str(ctx.value("province") or ""))
    claim = match_base(
        ctx.reference,
        unit,
        ctx.value("existing_base_type"),
        ctx.value("recertified_base"),
        ctx.value("city"),
    )
    if claim is None:
        return
    key = "recertified_base" if ctx.value("recertified_base") else "existing_base_type"
    _criterion(
        ctx,
        BASE_ID,
        BASE_CLAUSE,
        BASE_TITLE,
        claim.status,
        claim.detail,
        key,
        "请在续表一写明重新认定的是本单位哪一个现有国家级出口基地。",
    )


def _new_fields(ctx: Context) -> None:
    """五(二) and 一: a new base's field is one the notice names (五(二)'s list of fields for
    new bases, or 一's focus fields); an enterprise cluster (产业集群) is a form for 中西部
    (六), by the one classification of reporting units (quota_region; 东北 decided there)."""
    notice = ctx.reference.notice
    named = [str(f) for f in (*notice.get("new_base_fields", ()), *notice.get("focus_fields", ()))]
    key_field = ctx.value("key_field")
    if named and isinstance(key_field, str) and key_field not in named:
        ctx.add(
            "new_field_outside_notice",
            "key_field",
            value=key_field,
            fields="、".join(str(f) for f in notice.get("new_base_fields", ())),
            focus="、".join(str(f) for f in notice.get("focus_fields", ())),
        )
    unit = ctx.reference.unit(str(ctx.value("province") or ""))
    if (
        unit is not None
        and ctx.value("applicant_kind") == "产业集群"
        and unit.quota_region != "中西部"
    ):
        ctx.add(
            "cluster_outside_region",
            "applicant_kind",
            value="产业集群",
            unit=unit.name,
            region=unit.region,
            regions="中西部",
        )


# more than half of the region's high-tech exports: no other area of the region can be as
# large, so the application is first in its region — 前列 by any reading. Not a parameter:
# the notice gives no share, and anything short of this is left to a person.
PLAINLY_FIRST_SHARE = 0.5


def _regional_leading(ctx: Context, unit: Any, hitech: float | None) -> None:
    """六(二)(2) “在本地区位居前列”: the notice gives no rank or share. Passes only where the
    unit's own total (`[[unit_year]]`, sourced) shows the application holds more than half of
    it (first in the region); otherwise the facts, for a person to judge (需人工判断) — never
    不符合."""
    data_year = ctx.year - 1
    total = ctx.reference.unit_total(unit.code, data_year, "hitech_exports") if unit else None
    status: Status
    if unit is None or hitech is None or ctx.has_error("hitech_export_value"):
        status, detail = "unknown", "推荐单位或高新技术产品出口额未填写或有误"
    elif total is not None and total.value > 0:
        ratio = hitech / total.value
        ctx.computed["regional_hitech_share"] = round(ratio * 100, 2)
        facts = (
            f"填报 {hitech:g} 亿美元，占{unit.name}{data_year}年高新技术产品出口 "
            f"{total.describe()} 亿美元的 {ratio * 100:.1f}%（{total.source}）"
        )
        if hitech > PLAINLY_FIRST_SHARE * total.high and hitech <= total.low:
            status, detail = "pass", facts + "，超过本地区的一半，必居本地区首位"
        else:
            status = "manual"
            detail = facts + "；通知未给出“位居前列”的名次或比例，请人工判断"
    else:
        status = "manual"
        detail = (
            f"填报 {hitech:g} 亿美元；参考数据中没有{unit.name}{data_year}年高新技术产品出口总额，"
            "是否在本地区位居前列请人工判断（本地区总额请省级商务主管部门核实）"
        )
    _criterion(
        ctx,
        REGIONAL_ID,
        REGIONAL_CLAUSE,
        REGIONAL_TITLE,
        status,
        detail,
        "hitech_export_value",
        "请提供本地区高新技术产品出口总额或排名。",
    )


def _new_base(ctx: Context) -> None:
    _new_fields(ctx)
    status = _yes(ctx, "provincial_policy_fund")
    detail = {"pass": "是", "fail": "所在省未出台配套政策或未安排专项资金", "unknown": "未填写"}[
        status
    ]
    _criterion(
        ctx,
        "new_provincial_policy",
        "六(二)(1)",
        "所在省出台配套政策并安排专项资金",
        status,
        detail,
        "provincial_policy_fund",
        "请在续表二选择“是”或“否”。",
    )

    # 六(二)(2): data-year high-tech exports at or above the region's threshold
    unit = ctx.reference.unit(str(ctx.value("province") or ""))
    hitech = as_number(ctx.value("hitech_export_value"))
    if unit is None:
        status, detail = "unknown", "未填写推荐单位，无法确定所在地区的门槛"
    elif hitech is None or ctx.has_error("hitech_export_value"):
        status, detail = "unknown", "高新技术产品出口额未填写或有误"
    else:
        threshold = ctx.reference.thresholds[unit.region]
        ctx.computed.update(region=unit.region, threshold=threshold)
        ok = hitech >= threshold - 1e-9
        status = "pass" if ok else "fail"
        detail = f"{unit.region}地区门槛 {threshold:g} 亿美元，填报 {hitech:g} 亿美元" + (
            "" if ok else "，未达到"
        )
    _regional_leading(ctx, unit, hitech)
    _criterion(
        ctx,
        "new_threshold",
        "六(二)(2)",
        "高新技术产品年出口额达到地区门槛",
        status,
        detail,
        "hitech_export_value",
        "请核对高新技术产品出口额（亿美元）。",
    )

    # 六(二)(3): three-year high-tech growth above the national or the local total growth
    own = ctx.computed.get("hitech_export_growth_3y")
    national = ctx.computed.get("national_hitech_growth_3y")
    span = ctx.computed.get("national_hitech_growth_3y_range")
    local = as_number(ctx.value("local_export_growth"))
    hist_keys = [
        f"history[{i}].hitech_export_value" for i in range(len(ctx.value("history") or []))
    ]
    if own is None or ctx.has_error(*hist_keys):
        status, detail = "unknown", "近三年高新技术产品出口数据不全或有误，无法计算增幅"
    else:
        status, detail = _growth_verdict(own, national, span, local, ctx.computed)
    _criterion(
        ctx,
        "new_growth",
        "六(二)(3)",
        "近三年高新技术产品出口增幅高于全国或本地区",
        status,
        detail,
        "history",
        "请核对近三年出口情况和本地区外贸出口增幅。",
    )

    # 六(二)(4): leading enterprises in the front of their industry nationally. The notice
    # gives no rank: only a plainly leading one passes (reference data, with the reasoning);
    # any other rank is left to a person, never 不符合
    plain = int(ctx.reference.notice.get("leading_rank_plainly_front", 3))
    plain_reason = str(ctx.reference.notice.get("leading_rank_plainly_front_reason", ""))
    rows = [r for r in ctx.value("leading_enterprises") or [] if r.get("name")]
    ranks = [r["industry_rank"] for r in rows if isinstance(r.get("industry_rank"), int)]
    valid = [r for r in ranks if r >= 1]
    ctx.computed["leading_rank_plainly_front"] = plain
    if not rows:
        status, detail = "unknown", "未填写龙头企业及配套企业"
    elif valid and min(valid) <= plain:
        status, detail = (
            "pass",
            f"填写 {len(rows)} 家企业，最好排名第 {min(valid)} 位，在全国本行业前 {plain} 位以内"
            f"（{plain_reason}）",
        )
    elif len(valid) < len(rows):
        status, detail = (
            "unknown",
            f"{len(rows) - len(valid)} 家企业未填写（或填写有误）全国本行业排名"
            + (f"，已填写的最好排名第 {min(valid)} 位" if valid else ""),
        )
    else:
        status, detail = (
            "manual",
            f"填写 {len(rows)} 家企业，最好排名第 {min(valid)} 位；通知未给出“前列”的名次，"
            "请人工判断",
        )
    _criterion(
        ctx,
        "new_leading",
        "六(二)(4)",
        "龙头企业及配套企业出口额在全国本行业前列",
        status,
        detail,
        "leading_enterprises",
        "请在续表三填写龙头企业、出口额及全国本行业排名。",
    )


def _growth_verdict(
    own: float,
    national: float | None,
    span: list[float] | None,
    local: float | None,
    computed: dict[str, Any],
) -> tuple[Status, str]:
    """六(二)(3) “高于全国或本地区”: pass if above either; fail only if known to be above
    neither; a national growth from approximate figures that brackets `own` settles nothing."""
    beats_nat: bool | None = None
    if national is not None:
        if span is None:
            beats_nat = own > national
        elif own > span[1]:
            beats_nat = True
        elif own <= span[0]:
            beats_nat = False
    beats_local = own > local if local is not None else None
    if beats_nat or beats_local:
        status: Status = "pass"
    elif beats_nat is False and beats_local is False:
        status = "fail"
    else:
        status = "unknown"
    parts = [f"本基地近三年高新技术产品出口增幅 {own:g}%"]
    # the span's basis changed: the national growth is chained from published rates
    how = "统计口径有变化，按公布增幅连乘，" if computed.get("national_hitech_chained") else ""
    if national is None:
        parts.append("全国数据缺失")
    elif span is None:
        parts.append(f"全国 {national:g}%" + (f"（{how.rstrip('，')}）" if how else ""))
    else:
        parts.append(f"全国 {national:g}%（{how}按约数计算，可能范围 {span[0]:g}%–{span[1]:g}%）")
        if beats_nat is None:
            parts.append(
                f"本基地增幅落在全国增幅的可能范围内，是否高于全国取决于约数"
                f"（{computed.get('national_hitech_approx', '')}），请以精确数核定"
            )
    parts.append(f"本地区外贸出口 {local:g}%" if local is not None else "本地区外贸出口增幅未填写")
    return status, "，".join(parts)


def data_quality(ctx: Context) -> None:
    """An application with errors cannot be judged 符合 until they are corrected."""
    errors = [i for i in ctx.issues if i.severity == "error" and i.code != "criterion_failed"]
    status: Status = "pass" if not errors else "unknown"
    detail = "无错误" if not errors else f"有 {len(errors)} 处错误待更正"
    ctx.criteria.append(Criterion("data_errors", "consistency", "申报数据无错误", status, detail))


def _materials(ctx: Context) -> None:
    """六(三): 推荐文件、申报书、发展方案 accompany the application."""
    group = ctx.value("attachments") or {}
    f = ctx.spec.field("attachments")
    absent = [i for i in f.items if group.get(i.id) is not True]
    missing = [i.label for i in absent]
    status: Status = "pass" if not missing else "unknown"
    detail = "齐全" if not missing else "缺少或未确认：" + "、".join(missing)
    # located at the first material missing (its own row), not the group's first cell
    key = f"attachments.{absent[0].id}" if absent else "attachments"
    _criterion(
        ctx,
        "materials",
        "六(三)",
        "附报材料齐全",
        status,
        detail,
        key,
        "请在续表三确认附报材料，并随申报书报送。",
    )


RULES: list[Callable[[Context], None]] = [
    fill_date_in_round,
    consistency,
    growth_rates,
    eligibility,
    data_quality,
]
