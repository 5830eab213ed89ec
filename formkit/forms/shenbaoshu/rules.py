"""The rules of 商技发[2006]6号 for the 申报书: consistency, growth, eligibility.

The spec names this module (`[form] rules`); it is the one place outside the spec that
knows this form's fields by id. Each rule cites its clause; figures come from the
reference data (with sources), never from constants here.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from formkit.forms import get_form
from formkit.issues import make_issue
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


BASE_ID, BASE_CLAUSE = "recert_base", "五(一)、六(一)"
BASE_TITLE = "重新认定的是本单位的现有基地"


def _key(text: str) -> str:
    """A name as compared: full-width folded, spaces and punctuation out."""
    return re.sub(r"[\s（）()·、,，。.:：;；“”\"'-]", "", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class BaseClaim:
    """What a re-certification's claim comes to against the unit's known bases (五(一)):
    `status` is the criterion's; `base` the base it is taken to be (status pass)."""

    status: Status
    detail: str
    base: Any = None  # formkit.reference.ExistingBase

    @property
    def base_key(self) -> tuple[str, str, str] | None:
        b = self.base
        return (b.type, b.unit, b.place) if b is not None else None


def match_base(reference: Any, unit: Any, base_type: Any, name: Any, city: Any) -> BaseClaim | None:
    """Match a re-certification to a base of its unit by type and place (五(一)).

    The named base (`recertified_base`) is matched against the places of the unit's bases
    of that type; without a name, the city; without either matching, the unit's only base
    of that type. No base of the unit matches: 不符合 where the reference's list of that
    type is complete (the unit has no such base), 需人工判断 (待核实) where it is not. None
    when the unit or the type is not known (other criteria say so)."""
    if unit is None or not isinstance(base_type, str) or not base_type:
        return None
    bases = reference.bases
    mine = [b for b in bases.of(unit.code) if b.type == base_type]
    named = _key(name) if isinstance(name, str) else ""
    town = _key(city).removesuffix("市") if isinstance(city, str) else ""

    def fits(b: Any, text: str) -> bool:
        place, full = _key(b.place), _key(b.name)
        return bool(text) and bool(place) and (place in text or full in text or text in full)

    other = [t for t in {b.type for b in bases.bases} if t != base_type and _key(t) in named]
    if other:
        return BaseClaim(
            "unknown", f"所填基地“{name}”是{other[0]}，与原基地类型“{base_type}”不一致"
        )
    if named:
        hits = [b for b in mine if fits(b, named)]
    else:
        hits = [b for b in mine if town and (town in _key(b.place) or fits(b, town))]
        if not hits and len(mine) == 1:
            hits = mine  # the unit's only base of the type
    if len(hits) == 1:
        b = hits[0]
        return BaseClaim("pass", f"对应参考数据中{unit.name}的{b.name}（{b.source}）", b)
    listed = "、".join(b.name for b in mine)
    if hits:
        return BaseClaim(
            "unknown",
            f"{unit.name}有 {len(hits)} 个{base_type}（{listed}），未写明重新认定的是哪一个",
        )
    claim = f"“{name}”" if named else f"{city or ''}的{base_type}"
    if bases.complete.get(base_type, False):
        return BaseClaim(
            "fail",
            f"参考数据中{unit.name}的{base_type}为：{listed or '无'}"
            f"（名单完整，截至 {bases.as_of}），没有{claim}；五(一)只对现有基地重新认定",
        )
    note = bases.notes.get(base_type, "名单不全")
    return BaseClaim(
        "manual",
        f"待核实：参考数据中{unit.name}的{base_type}"
        + (f"为{listed}" if mine else "未列出")
        + f"，该类名单不全（{note}），{claim}是否为{unit.name}的现有基地无法核实，"
        "请核实（可在参考数据中补充名单）",
    )


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


REGIONAL_ID, REGIONAL_CLAUSE = "new_regional_leading", "六(二)(2)"
REGIONAL_TITLE = "高新技术产品年出口额在本地区位居前列"
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


@dataclass(frozen=True)
class Quota:
    """How many 新申报 a reporting unit may recommend under 六(三), and why.

    `new` is None where the notice leaves it open: no quota sentence names the unit for its
    case (a 计划单列市 in 中西部 or without bases, the 兵团), or the answer turns on whether
    it has a base the reference's incomplete list may omit. Then a person decides
    (需人工判断): nothing is recommended automatically. `short` goes into the 推荐理由 column,
    `detail` into the 统计 sheet."""

    new: int | None
    short: str
    detail: str


def _bases_text(bases: Any, code: str) -> str:
    found = bases.of(code)
    if not found:
        return "无"
    by_type: dict[str, list[str]] = {}
    for b in found:
        by_type.setdefault(b.type, []).append(b.place)
    return "；".join(f"{t}：{'、'.join(p)}" for t, p in by_type.items())


def _sentence_quota(unit: Any, reference: Any, has: bool) -> int | None:
    """六(三)'s answer for a unit that has (or has not) a base; None: no sentence names it."""
    if has and unit.quota_region == "东部":
        return 0 if reference.sentence_names("east_recertify_only", unit) else None
    if has:
        return 1 if reference.sentence_names("west_one_more", unit) else None
    return 1 if reference.sentence_names("none_one", unit) else None


def _kind_words(unit: Any) -> str:
    return {"计划单列市": "计划单列市", "兵团": "新疆生产建设兵团"}.get(unit.kind, "省级单位")


def unit_quota(unit: Any, reference: Any) -> Quota:
    """六(三) for one reporting unit, by the one classification of reporting units
    (reporting_units.toml: quota_region, kind) and the reference's existing bases."""
    if unit is None:
        return Quota(None, "需人工判断：推荐单位不明（六(三)）", "推荐单位不明，无法确定推荐名额")
    bases = reference.bases
    has = bases.has_bases(unit.code)
    group = unit.quota_region + ("（东北按中西部）" if unit.region == "东北" else "")
    if isinstance(has, bool):
        n = _sentence_quota(unit, reference, has)
        fact = (
            f"{unit.name}已有国家级出口基地（{_bases_text(bases, unit.code)}）"
            if has
            else f"{unit.name}原来没有国家级出口基地"
        )
        if n == 0:
            return Quota(
                0,
                "东部已有基地，只做重新认定，不再另行推荐",
                f"{fact}；通知六(三)：东部地区已有基地的只对现有基地重新认定，不再另行推荐",
            )
        if n == 1 and has:
            return Quota(
                1,
                f"{group}已有基地，可再推荐1家",
                f"{fact}；通知六(三)：{group}地区可在重新认定的基础上再推荐1家",
            )
        if n == 1:
            return Quota(
                1, "原来没有基地，可推荐1家", f"{fact}；通知六(三)：原来没有基地的可推荐1家"
            )
        which = (
            "东部一句"
            if has and unit.quota_region == "东部"
            else "中西部一句"
            if has
            else "“原来没有基地”一句"
        )
        return Quota(
            None,
            f"需人工判断：六(三){which}未列{_kind_words(unit)}",
            f"{fact}；通知六(三){which}只列省、自治区、直辖市，未列{_kind_words(unit)}"
            f"（{unit.quota_source}），推荐名额需人工判断",
        )
    # not in the reference's incomplete list: it may or may not have a base
    with_base = _sentence_quota(unit, reference, True)
    without = _sentence_quota(unit, reference, False)
    fact = f"参考数据未列出{unit.name}的国家级出口基地，但既有基地名单不全"
    if with_base is not None and with_base == without:
        return Quota(
            with_base,
            f"无论原来有无基地，均可推荐{with_base}家",
            f"{fact}；按通知六(三)，{group}地区无论有无基地均可推荐{with_base}家",
        )

    def reading(n: int | None) -> str:
        return "推荐名额需人工判断" if n is None else f"可推荐{n}家" if n else "不再另行推荐"

    return Quota(
        None,
        "需人工判断：是否已有基地待核实（六(三)）",
        f"{fact}：如已有基地，{reading(with_base)}；如原来没有，{reading(without)}（通知六(三)）。"
        "请核实该单位是否已有基地（可在参考数据中补充名单）",
    )


def within_quota(
    applications: list[dict[str, Any]], *, unit: Any = None, reference: Any = None
) -> list[bool]:
    """Which of a unit's applications fit its 六(三) quota without a person's decision: every
    重新认定, and the first `unit_quota(...).new` 新申报 ranked 符合 first, then by
    高新技术产品出口额 (larger first); none of the new ones where the quota is open."""
    allowed = unit_quota(unit, reference).new or 0
    new = [i for i, a in enumerate(applications) if a.get("application_type") == NEW]
    new.sort(
        key=lambda i: (
            applications[i].get("verdict") != "符合",
            -(_num(applications[i].get("hitech_export_value")) or 0.0),
        )
    )
    chosen = set(new[:allowed])
    return [a.get("application_type") != NEW or i in chosen for i, a in enumerate(applications)]


def unit_checks(
    applications: list[dict[str, Any]], year: int, *, unit: Any, reference: Any
) -> list[tuple[str, str, bool | None, str]]:
    """六(三) per reporting unit: (clause, title, ok, detail) for the quota and for the
    province's own deadline to the ministry; ok None: a person must decide (需人工判断).

    `applications` are summary records with "application_type" and "fill_date". The
    deadline is the ministry's for the reporting year as the reference states it; a year
    with none stated says so. The province's dispatch comes after its latest application, so
    a 填报日期 after the ministry's deadline means the dispatch is late."""
    recert = sum(1 for a in applications if a.get("application_type") == RECERT)
    new = sum(1 for a in applications if a.get("application_type") == NEW)
    q = unit_quota(unit, reference)
    counts = f"重新认定 {recert} 家、新申报 {new} 家"
    ok: bool | None
    if new == 0:
        ok = True
    elif new > 1:
        ok = False  # no sentence of 六(三) allows more than one new base
    else:
        ok = None if q.new is None else new <= q.new
    quota_detail = f"{q.detail}；{counts}"
    due, source = reference.ministry_deadline(year)
    dates = [a["fill_date"] for a in applications if isinstance(a.get("fill_date"), dt.date)]
    latest = max(dates) if dates else None
    latest_text = f"本单位申请最晚填报于 {latest.isoformat()}" if latest else "申请均无填报日期"
    due_ok: bool | None
    if due is None:
        due_ok, due_detail = None, f"{source}；{latest_text}"
    elif latest is not None and latest > due:
        due_ok = False
        due_detail = f"报部截止 {due.isoformat()}（{source}）；{latest_text}，报部已逾期"
    else:
        due_ok = True
        due_detail = f"报部截止 {due.isoformat()}（{source}）；{latest_text}，须在截止日前报出"
    return [
        ("六(三)", "推荐名额", ok, quota_detail),
        ("六(三)", "报送时限", due_ok, due_detail),
    ]


# ---------------------------------------------------------------- across one unit's round

# Two reviews of a reporting unit's applications of the round, in the summary:
#
# * 六(二)(2) “在本地区位居前列” left to a person (no unit total): the facts a person needs
#   are added — its rank among the unit's applications of this round and its share of their
#   sum. The criterion stays 需人工判断: the notice gives no rank, and this round's
#   applications are not the region (an earlier rule passed the front third and failed an
#   application below a tenth of the largest; the notice states neither).
# * 五(一)/六(一) re-certifications: each claim is matched to a base of the unit
#   (`match_base`); two or more applications claiming one base are each 需人工判断, naming
#   the others — a base is re-certified once, and a person decides which application does.
#
# Applications whose figure has an error (the summary leaves it out of totals) or is
# missing neither rank nor are ranked.


def _segment(clause: str, title: str, status: str, note: str = "") -> str:
    """A criterion's part of the 汇总表's 未通过或待补充的条件 cell (formkit.records)."""
    what = {"fail": "不符合", "manual": "需人工判断", "unknown": "待补充"}[status]
    return f"{clause} {title}（{what}{'：' + note if note else ''}）"


@dataclass
class _Review:
    """One application's criteria as the reviews across the unit change them."""

    statuses: dict[str, str]
    parts: list[str]  # the 未通过或待补充的条件 cell's segments
    settle: list[dict[str, Any]] = field(default_factory=list)
    add: list[Any] = field(default_factory=list)  # formkit.issues.Issue
    changed: bool = False


def _verdict_of(statuses: dict[str, str]) -> str:
    values = set(statuses.values())
    return (
        "不符合"
        if "fail" in values
        else "待补充材料"
        if "unknown" in values
        else "需人工判断"
        if "manual" in values
        else "符合"
    )


def unit_review(apps: Sequence[dict[str, Any]], reference: Any, unit: Any) -> list[dict[str, Any]]:
    """The reviews above across one reporting unit's applications (summary records).

    Pure: returns, per application in order, the record keys to update (empty: unchanged):
    `_criteria_status`, `_criteria` (the 未通过或待补充的条件 cell, with the facts), `_verdict`
    where it changes (符合 -> 需人工判断 for a contested base), `_regional_note` (the facts of
    六(二)(2)), `_base_note`, and for the 问题清单 `_settle_issue` (a list: the file's own
    需人工判断 issue gets the facts) and `_add_issues` (issues the review raises)."""
    name = getattr(unit, "name", None) or "本单位"
    spec = _spec()
    work = [
        _Review(
            dict(a.get("_criteria_status") or {}),
            [p for p in str(a.get("_criteria") or "").split("；") if p],
        )
        for a in apps
    ]

    # 六(二)(2): the facts within this round
    def value(a: dict[str, Any]) -> float | None:
        v = _num(a.get("hitech_export_value"))
        return None if "hitech_export_value" in (a.get("_excluded") or {}) else v

    values = [value(a) for a in apps]
    usable = [v for v in values if v is not None]
    n, total = len(usable), sum(usable)
    top_value, top_name = max(
        (
            (v, str(a.get("applicant_name") or ""))
            for a, v in zip(apps, values, strict=True)
            if v is not None
        ),
        default=(0.0, ""),
    )
    notes: list[str | None] = []
    for v, w in zip(values, work, strict=True):
        if w.statuses.get(REGIONAL_ID) != "manual":
            notes.append(None)
            continue
        if v is None:
            note = "高新技术产品出口额未填或有误，无法与本单位其他申请比较"
        elif n == 1:
            note = f"{name}本轮仅此 1 份申请（{v:g} 亿美元）"
        else:
            rank = 1 + sum(1 for u in usable if u > v)
            note = (
                f"{name}本轮 {n} 份申请中第 {rank} 位（{v:g} 亿美元，占本轮合计 "
                f"{v / total * 100:.1f}%"
                + (f"；最多的{top_name} {top_value:g} 亿美元" if rank > 1 else "")
                + "），通知未给出名次，请人工判断"
            )
        notes.append(note)
        old = _segment(REGIONAL_CLAUSE, REGIONAL_TITLE, "manual")
        seg = _segment(REGIONAL_CLAUSE, REGIONAL_TITLE, "manual", note)
        w.parts = [seg if p == old else p for p in w.parts]
        if seg not in w.parts:
            w.parts.append(seg)
        w.settle.append(
            {
                "code": "criterion_manual",
                "contains": REGIONAL_CLAUSE,
                "append": f"与本单位本轮其他申请比较：{note}。",
            }
        )
        w.changed = True

    # 五(一)/六(一): one base, one re-certification
    claims: dict[tuple[str, str, str], list[int]] = {}
    for i, a in enumerate(apps):
        if a.get("application_type") != RECERT or work[i].statuses.get(BASE_ID) != "pass":
            continue
        claim = match_base(
            reference,
            unit,
            a.get("existing_base_type"),
            a.get("recertified_base"),
            a.get("city"),
        )
        if claim is not None and claim.base_key is not None:
            claims.setdefault(claim.base_key, []).append(i)
    base_notes: dict[int, str] = {}
    named_at = spec.field("recertified_base")
    sheet = spec.sheet(named_at.sheet).name
    for key, members in claims.items():
        if len(members) < 2:
            continue
        base = next(b for b in reference.bases.of(key[1]) if (b.type, b.place) == key[::2])
        for i in members:
            others = "、".join(
                str(apps[j].get("applicant_name") or apps[j].get("_file") or "")
                for j in members
                if j != i
            )
            note = (
                f"与{others}都申报重新认定{base.name}；一个现有基地只重新认定一次，"
                "请推荐单位确定由哪一份申请重新认定"
            )
            base_notes[i] = note
            w = work[i]
            w.statuses[BASE_ID] = "manual"
            w.parts.append(_segment(BASE_CLAUSE, BASE_TITLE, "manual", note))
            w.add.append(
                make_issue(
                    "criterion_manual",
                    field="recertified_base",
                    sheet=sheet,
                    cell=named_at.cell.a1,
                    label=named_at.label,
                    clause=BASE_CLAUSE,
                    clause_text=BASE_CLAUSE,
                    detail=note,
                )
            )
            w.changed = True

    out: list[dict[str, Any]] = []
    for i, (a, w) in enumerate(zip(apps, work, strict=True)):
        if not w.changed:
            out.append({})
            continue
        update: dict[str, Any] = {
            "_criteria_status": w.statuses,
            "_criteria": "；".join(w.parts),
            "_settle_issue": w.settle,
            "_add_issues": w.add,
        }
        if notes[i] is not None:
            update["_regional_note"] = notes[i]
        if i in base_notes:
            update["_base_note"] = base_notes[i]
        verdict = _verdict_of(w.statuses)
        if a.get("_verdict") == "符合" and verdict != "符合":
            update["_verdict"] = verdict
        out.append(update)
    return out


def _spec() -> Any:
    return get_form("kjxm-cxjd-shenbaoshu").spec
