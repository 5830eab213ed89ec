"""The rules of 商技发[2006]6号 for the 申报书: consistency, growth, eligibility.

The spec names this module (`[form] rules`); it is the one place outside the spec that
knows this form's fields by id. Each rule cites its clause; figures come from the
reference data (with sources), never from constants here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

from formkit.validate.engine import Context, Criterion, Status
from formkit.validate.growth import Rate, Series, series

RECERT, NEW = "现有基地重新认定", "新申报"
# reported vs computed growth, percent points: up to FINE agrees (rounding); up to MINOR is
# a warning (a different rounding or basis); beyond is an error
GROWTH_FINE, GROWTH_MINOR = 0.1, 1.0
# exports converted to RMB above this multiple of sales: almost certainly a unit slip
SALES_MULTIPLE = 1.5
WAN_PER_YI = 10_000
# criterion_failed's fix ({fix_detail}): what an applicant does about a failed criterion
FAILED_FIX = "不符合条件的不予推荐；如系填写有误，请更正后重新提交。"


def fill_date_in_round(ctx: Context) -> None:
    """六(三): 填报日期 within the round: not before the notice, not after the deadline."""
    value = ctx.value("fill_date")
    if not isinstance(value, dt.date):
        return
    notice = ctx.reference.notice
    issued = dt.date.fromisoformat(str(notice["issued"]))
    start = issued if issued.year == ctx.year else dt.date(ctx.year, 1, 1)
    month, day = (int(x) for x in str(notice["deadline_month_day"]).split("-"))
    deadline = dt.date(ctx.year, month, day)
    if value < start:
        ctx.add("fill_date_before_notice", "fill_date", value=value, notice=start.isoformat())
    elif value > deadline:
        ctx.add("fill_date_after_deadline", "fill_date", value=value, deadline=deadline.isoformat())


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def consistency(ctx: Context) -> None:
    """Consistency: high-tech ≤ total; products ≤ total; history's data year equals 第一项."""
    total = _num(ctx.value("export_value"))
    hitech = _num(ctx.value("hitech_export_value"))
    if total is not None and hitech is not None and hitech > total:
        ctx.add(
            "hitech_above_total",
            "hitech_export_value",
            related=("export_value",),
            value=hitech,
            total=total,
        )
    products = [_num(r.get("export_value")) for r in ctx.value("main_products") or []]
    known = [p for p in products if p is not None]
    if total is not None and known and sum(known) > total * WAN_PER_YI + 1e-6:
        ctx.add(
            "products_above_total",
            "main_products[0].export_value",
            related=("export_value",),
            value=f"{sum(known):g}",
            total=f"{total:g}",
            total_wan=f"{total * WAN_PER_YI:g}",
        )
    data_year = ctx.year - 1
    for i, row in enumerate(ctx.value("history") or []):
        if row.get("year") != data_year:
            continue
        for col, what, reported in (
            ("export_value", "出口额", total),
            ("hitech_export_value", "高新技术产品出口额", hitech),
        ):
            v = _num(row.get(col))
            # compare to the precision people write (0.01 亿美元 = 100 万美元)
            if v is not None and reported is not None and abs(v - reported) > 0.005 + 1e-9:
                ctx.add(
                    "history_mismatch",
                    f"history[{i}].{col}",
                    related=(col,),
                    value=f"{v:g}",
                    year=data_year,
                    what=what,
                    reported=f"{reported:g}",
                )
    rate = ctx.reference.exchange_rate(data_year)
    sales = _num(ctx.value("sales_total"))
    if rate and total is not None and sales and not ctx.has_error("export_value"):
        converted = total * rate.rmb_per_usd
        if converted > sales * SALES_MULTIPLE:
            ctx.add(
                "exports_above_sales",
                "export_value",
                value=f"{total:g}",
                rate=f"{rate.rmb_per_usd:g}",
                converted=f"{converted:.1f}",
                sales=f"{sales:g}",
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
        for i in ctx.sub.issues
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
        reported = _num(ctx.value(reported_key))
        latest = yoy.get(data_year)
        calc = latest.value if latest else None
        computed[reported_key] = {"reported": reported, "computed": calc}
        if reported is not None and calc is not None:
            gap = round(abs(reported - calc), 2)
            # 0.2 where 20% was meant ("20%" typed in a spreadsheet is stored as 0.2)
            fraction = 0 < abs(reported) < 1 and abs(reported * 100 - calc) <= GROWTH_MINOR
            hint = (
                f"；看来是把 {reported * 100:g}% 存成了小数 {reported:g}，应填 {reported * 100:g}"
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
    """五(一): the base to re-certify is one the unit has, by the reference's list of bases."""
    kind = ctx.value("existing_base_type")
    unit = ctx.reference.unit(str(ctx.value("province") or ""))
    if not isinstance(kind, str) or unit is None:
        return
    bases = ctx.reference.bases
    if any(b.type == kind for b in bases.of(unit.code)):
        return
    if bases.complete.get(kind, False):
        ctx.add(
            "existing_base_not_found",
            "existing_base_type",
            value=kind,
            unit=unit.name,
            bases=_bases_text(bases, unit.code),
            as_of=bases.as_of,
        )
    else:
        ctx.add(
            "existing_base_unverified",
            "existing_base_type",
            value=kind,
            unit=unit.name,
            note=bases.notes.get(kind, "名单不全"),
        )


def _new_fields(ctx: Context) -> None:
    """五(二): new bases in the listed fields; a 产业集群 is a form for 中西部 only (六)."""
    notice = ctx.reference.notice
    fields = [str(f) for f in notice.get("new_base_fields", ())]
    key_field = ctx.value("key_field")
    if fields and isinstance(key_field, str) and key_field not in fields:
        ctx.add("new_field_outside_notice", "key_field", value=key_field, fields="、".join(fields))
    unit = ctx.reference.unit(str(ctx.value("province") or ""))
    regions = [str(r) for r in notice.get("cluster_regions", ())]
    if (
        regions
        and unit is not None
        and ctx.value("applicant_kind") == "产业集群"
        and unit.region not in regions
    ):
        ctx.add(
            "cluster_outside_region",
            "applicant_kind",
            value="产业集群",
            unit=unit.name,
            region=unit.region,
            regions="、".join(regions),
        )


REGIONAL_ID, REGIONAL_CLAUSE = "new_regional_leading", "六(二)(2)"
REGIONAL_TITLE = "高新技术产品年出口额在本地区位居前列"


def _regional_leading(ctx: Context, unit: Any, hitech: float | None) -> None:
    """六(二)(2) “在本地区位居前列”: against the unit's own total where the reference has it;
    otherwise the facts, for a person to judge."""
    data_year = ctx.year - 1
    share = float(ctx.reference.notice.get("regional_leading_share", 0.1))
    total = ctx.reference.unit_total(unit.code, data_year, "hitech_exports") if unit else None
    status: Status
    if unit is None or hitech is None or ctx.has_error("hitech_export_value"):
        status, detail = "unknown", "推荐单位或高新技术产品出口额未填写或有误"
    elif total is not None and total.value > 0:
        ratio = hitech / total.value
        ctx.computed["regional_hitech_share"] = round(ratio * 100, 2)
        facts = (
            f"填报 {hitech:g} 亿美元，占{unit.name}{data_year}年高新技术产品出口 "
            f"{total.describe()} 亿美元的 {ratio * 100:.1f}%"
            f"（参考：{share * 100:g}%，{total.source}）"
        )
        if not total.exact and (hitech / total.high < share) != (hitech / total.low < share):
            status, detail = "unknown", facts + "，本地区总额为约数，无法判断"
        else:
            status, detail = ("pass" if ratio >= share else "fail"), facts
    else:
        status = "manual"
        detail = (
            f"填报 {hitech:g} 亿美元；参考数据中没有{unit.name}{data_year}年高新技术产品出口总额，"
            "是否在本地区位居前列请人工判断（本地区总额可用 --reference 参考数据文件提供）"
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
    hitech = _num(ctx.value("hitech_export_value"))
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
    local = _num(ctx.value("local_export_growth"))
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

    # 六(二)(4): leading enterprises in the front of their industry nationally (the cutoff is
    # reference data: the notice gives no number)
    cutoff = int(ctx.reference.notice.get("leading_rank_cutoff", 10))
    rows = [r for r in ctx.value("leading_enterprises") or [] if r.get("name")]
    ranks = [r["industry_rank"] for r in rows if isinstance(r.get("industry_rank"), int)]
    valid = [r for r in ranks if r >= 1]
    ctx.computed["leading_rank_cutoff"] = cutoff
    if not rows:
        status, detail = "unknown", "未填写龙头企业及配套企业"
    elif valid and min(valid) <= cutoff:
        status, detail = (
            "pass",
            f"填写 {len(rows)} 家企业，最好排名第 {min(valid)} 位，在前 {cutoff} 位以内",
        )
    elif len(valid) < len(rows):
        status, detail = (
            "unknown",
            f"{len(rows) - len(valid)} 家企业未填写（或填写有误）全国本行业排名"
            + (f"，已填写的最好排名第 {min(valid)} 位，未进入前 {cutoff} 位" if valid else ""),
        )
    else:
        status, detail = (
            "fail",
            f"填写 {len(rows)} 家企业，最好排名第 {min(valid)} 位，未进入全国本行业前 {cutoff} 位"
            f"（{ctx.reference.notice.get('leading_rank_cutoff_reason', '')}）",
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
    errors = [i for i in ctx.sub.issues if i.severity == "error" and i.code != "criterion_failed"]
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


# ---------------------------------------------------------------- for the summaries

# labels of the computed growth rates the summaries show beside the reported ones
COMPUTED_LABELS: dict[str, str] = {
    "export_growth": "出口增速(%)（按近三年数据计算）",
    "hitech_export_growth": "高新技术产品出口增速(%)（按近三年数据计算）",
    "export_growth_3y": "近三年出口增幅(%)",
    "hitech_export_growth_3y": "近三年高新技术产品出口增幅(%)",
    "hitech_export_cagr": "高新技术产品出口年均增长率(%)",
    "national_hitech_growth_3y": "全国同期高新技术产品出口增幅(%)",
}


def allowed_new(
    region: str,
    applications: list[dict[str, Any]],
    *,
    unit: Any = None,
    reference: Any = None,
) -> int:
    """六(三): how many 新申报 a unit may recommend (东部 units with bases: none; others: 1).

    Whether the unit has bases comes from the reference data (`unit`, `reference`); where
    its incomplete list cannot say, or without it, from the unit's re-certifications.
    """
    has = reference.bases.has_bases(unit.code) if unit is not None and reference else None
    if has is None:
        has = any(a.get("application_type") == RECERT for a in applications)
    return 0 if region == "东部" and has else 1


def within_quota(
    region: str,
    applications: list[dict[str, Any]],
    *,
    unit: Any = None,
    reference: Any = None,
) -> list[bool]:
    """Which of a unit's applications fit its 六(三) quota: every 重新认定, and the first
    `allowed_new` 新申报 ranked 符合 first, then by 高新技术产品出口额 (larger first)."""
    allowed = allowed_new(region, applications, unit=unit, reference=reference)
    new = [i for i, a in enumerate(applications) if a.get("application_type") == NEW]
    new.sort(
        key=lambda i: (
            applications[i].get("verdict") != "符合",
            -(_num(applications[i].get("hitech_export_value")) or 0.0),
        )
    )
    chosen = set(new[:allowed])
    return [a.get("application_type") != NEW or i in chosen for i, a in enumerate(applications)]


def _bases_text(bases: Any, code: str) -> str:
    found = bases.of(code)
    if not found:
        return "无"
    by_type: dict[str, list[str]] = {}
    for b in found:
        by_type.setdefault(b.type, []).append(b.place)
    return "；".join(f"{t}：{'、'.join(p)}" for t, p in by_type.items())


def quota(
    region: str, unit_name: str, recert: int, new: int, has_bases: bool | None, bases_text: str
) -> tuple[bool | None, str]:
    """六(三) 推荐名额 for one unit: (ok, detail); ok is None when it turns on a fact the
    reference data cannot settle (whether the unit has a base not in an incomplete list).

    东部 units with bases only re-certify (0 new); 中西部 units (东北 with them: the notice
    names only 东部 as closed) with bases may add 1; units without bases may recommend 1.
    """
    counts = f"重新认定 {recert} 家、新申报 {new} 家"
    if has_bases is True:
        fact = f"{unit_name}已有国家级出口基地（{bases_text}）"
        if region == "东部":
            return new == 0, f"{fact}，东部地区只对现有基地重新认定、不再另行推荐；{counts}"
        return new <= 1, f"{fact}，可在重新认定基础上再推荐 1 家；{counts}"
    if has_bases is False:
        return new <= 1, f"{unit_name}原来没有国家级出口基地，可推荐 1 家；{counts}"
    # not in the reference's incomplete list: either reading of the notice may apply
    fact = f"参考数据中未列出{unit_name}的国家级出口基地，但既有基地名单不全"
    if new >= 2:
        return False, f"{fact}；无论有无基地，新申报最多 1 家；{counts}"
    if new == 0 or region != "东部":
        return True, f"{fact}；无论有无基地，均可新申报 1 家；{counts}"
    return None, (
        f"{fact}；东部地区如已有基地则不得新申报，如没有可推荐 1 家；{counts}。"
        "请核实该单位是否已有基地（可用 --reference 补充名单）"
    )


def unit_checks(
    region: str,
    applications: list[dict[str, Any]],
    deadline: dt.date,
    *,
    unit: Any = None,
    reference: Any = None,
) -> list[tuple[str, str, bool | None, str]]:
    """六(三) per reporting unit: (clause, title, ok, detail) for quota and deadline.

    `applications` are summary records with "application_type" and "fill_date". Whether the
    unit already has bases comes from the reference data (`unit`: its ReportingUnit); without
    it, from its re-certification applications (older callers).
    """
    recert = sum(1 for a in applications if a.get("application_type") == RECERT)
    new = sum(1 for a in applications if a.get("application_type") == NEW)
    ok: bool | None
    if unit is not None and reference is not None:
        bases = reference.bases
        ok, detail = quota(
            region,
            unit.name,
            recert,
            new,
            bases.has_bases(unit.code),
            _bases_text(bases, unit.code),
        )
    elif region == "东部" and recert:
        ok, detail = new == 0, f"东部已有基地的单位只做重新认定，新申报 {new} 家"
    elif recert:
        ok, detail = new <= 1, f"在重新认定基础上可再推荐 1 家，新申报 {new} 家"
    else:
        ok, detail = new <= 1, f"原来没有基地的可推荐 1 家，新申报 {new} 家"
    dates = [a["fill_date"] for a in applications if isinstance(a.get("fill_date"), dt.date)]
    latest = max(dates) if dates else None
    late = latest is not None and latest > deadline
    deadline_detail = (
        f"最晚填报日期 {latest.isoformat()}，截止 {deadline.isoformat()}"
        if latest
        else "无填报日期"
    )
    return [
        ("六(三)", "推荐名额", ok, detail),
        ("六(三)", "报送时限", not late, deadline_detail),
    ]


# ---------------------------------------------------------------- 六(二)(2) within the unit

# 六(二)(2) “在本地区位居前列” compared with the unit's other applications of the round, for
# an application the unit's own total could not settle (需人工判断). The rule:
#
# * 符合 when the application is in the front third of the unit's applications by
#   高新技术产品出口额 (rank ≤ ⌈N/3⌉, N ≥ 2 applications with a usable figure). A unit sends
#   its strongest cities and clusters (六(三) lets it recommend few: 东部 with bases none, the
#   others one new base), so its applications are already the region's front runners; the
#   front third of them — the first of two or three, the first two of four to six — is in
#   front of the region. The third, not “first only”: a unit re-certifying three or more
#   bases and sending one new one (N ≥ 4) may have its new base second to a large existing
#   base and still in front; with two or three applications only the first passes.
# * 不符合 when the application's figure is below `regional_leading_share` (10%, the same
#   share the unit-total rule uses) of the largest application of the unit: the unit's
#   total is at least that largest application (its area lies within the unit), so the
#   application's share of the unit's total is below 10% for certain. The largest single
#   application, not the sum of all, because applications may overlap (a cluster within a
#   city that applies too).
# * otherwise, and for an application alone in its unit, the criterion stays 需人工判断,
#   with the facts (rank among N, the values) in the 汇总表's 未通过或待补充的条件 cell.
#
# Applications whose figure has an error (the summary leaves it out of totals) or is
# missing neither rank nor are ranked.

REGIONAL_FRONT = 1 / 3


def regional_rank(values: list[float | None], share: float) -> list[tuple[Status, int | None, int]]:
    """Per application of one unit: (status, rank, N) by the rule above.

    `values` are the applications' 高新技术产品出口额 (None: missing or wrong); N counts the
    usable ones; status is "pass", "fail" or "manual" (rank None for an unusable value).
    """
    usable = [v for v in values if v is not None]
    n = len(usable)
    top = max(usable, default=0.0)
    front = math.ceil(n * REGIONAL_FRONT - 1e-9)
    out: list[tuple[Status, int | None, int]] = []
    for v in values:
        if v is None:
            out.append(("manual", None, n))
            continue
        rank = 1 + sum(1 for u in usable if u > v)
        if n >= 2 and rank <= front:
            out.append(("pass", rank, n))
        elif n >= 2 and top > 0 and v < share * top - 1e-12:
            out.append(("fail", rank, n))
        else:
            out.append(("manual", rank, n))
    return out


def _segment(status: str, note: str = "") -> str:
    """This criterion's part of the 汇总表's 未通过或待补充的条件 cell (formkit.records)."""
    what = {"fail": "不符合", "manual": "需人工判断", "unknown": "待补充"}[status]
    return f"{REGIONAL_CLAUSE} {REGIONAL_TITLE}（{what}{'：' + note if note else ''}）"


def unit_review(apps: list[dict[str, Any]], reference: Any, unit: Any) -> list[dict[str, Any]]:
    """六(二)(2) across one reporting unit's applications of the round (summary records).

    Pure: returns, per application in order, the record keys to update (empty: unchanged):
    `_criteria_status` with the criterion's new status, `_verdict` where it changes
    (需人工判断 → 不符合), `_criteria` (the 未通过或待补充的条件 cell, with the facts) and
    `_regional_note`, the Chinese sentence with the facts (rank among the unit's N
    applications, the value, the largest). Only applications whose criterion is 需人工判断
    (no unit total in the reference data) are reviewed. The sentence is terse: it goes into
    a narrow column of the printed 汇总表.
    """
    share = float(reference.notice.get("regional_leading_share", 0.1))
    name = getattr(unit, "name", None) or "本单位"

    def value(a: dict[str, Any]) -> float | None:
        v = _num(a.get("hitech_export_value"))
        return None if "hitech_export_value" in (a.get("_excluded") or {}) else v

    values = [value(a) for a in apps]
    ranks = regional_rank(values, share)
    usable = [(v, str(a.get("applicant_name") or "")) for a, v in zip(apps, values, strict=True)]
    top_value, top_name = max(((v, who) for v, who in usable if v is not None), default=(0.0, ""))
    out: list[dict[str, Any]] = []
    for a, v, (status, rank, n) in zip(apps, values, ranks, strict=True):
        statuses = dict(a.get("_criteria_status") or {})
        if statuses.get(REGIONAL_ID) != "manual":
            out.append({})
            continue
        front = math.ceil(n * REGIONAL_FRONT - 1e-9)
        if v is None:
            note = "高新技术产品出口额未填或有误，无法与本单位其他申请比较"
        elif n == 1:
            note = f"{name}本轮仅此 1 份申请（{v:g} 亿美元），无从比较，且无本地区总额"
        else:
            facts = f"{name}本轮 {n} 份申请中第 {rank} 位（{v:g} 亿美元）"
            if status == "pass":
                note = f"{facts}，在前 {front} 位以内"
            elif status == "fail":
                note = f"{facts}，不到最多的{top_name} {top_value:g} 亿美元的 {share * 100:g}%"
            else:
                note = (
                    f"{facts}，未进前 {front} 位，不低于最多的 {top_value:g} 亿美元的 "
                    f"{share * 100:g}%"
                )
        statuses[REGIONAL_ID] = status
        old = _segment("manual")
        parts = [p for p in str(a.get("_criteria") or "").split("；") if p]
        new = _segment(status, note) if status != "pass" else None
        if old in parts:
            i = parts.index(old)
            parts[i : i + 1] = [new] if new else []
        elif new:
            parts.append(new)
        # the file's own 需人工判断 issue (问题清单) says what the comparison settled
        settle: dict[str, Any] = {"code": "criterion_manual", "contains": REGIONAL_CLAUSE}
        if status == "fail":
            settle.update(
                new_code="criterion_failed",
                text=f"不符合通知{REGIONAL_CLAUSE}：{note}。",
                params={"fix_detail": FAILED_FIX},
            )
        elif status == "manual":
            settle.update(append=f"与本单位本轮其他申请比较：{note}。")
        update: dict[str, Any] = {
            "_criteria_status": statuses,
            "_criteria": "；".join(parts),
            "_regional_note": note,
            "_settle_issue": settle,  # pass: no new_code, the issue is settled and dropped
        }
        if status == "fail" and a.get("_verdict") != "不符合":
            update["_verdict"] = "不符合"
        out.append(update)
    return out
