"""The 申报书's issue codes: its consistency checks and the notice's criteria (the engine's
generic codes are in formkit/catalogue.py; `docs/issues.md` lists both)."""

from __future__ import annotations

from formkit.issues import Entry

_V = "consistency"

CODES: list[Entry] = [
    Entry(
        "fill_date_before_notice",
        "error",
        "填报日期早于通知",
        "{where}：填报日期 {value} 早于通知发布日期 {notice}。",
        "请填写实际填报日期。",
        "六(三)",
        "{where}: fill date {value} is before the notice ({notice}).",
        "fill date before the notice",
    ),
    Entry(
        "fill_date_after_deadline",
        "warning",
        "填报日期晚于申报截止日期",
        "{where}：填报日期 {value} 晚于省级商务主管部门规定的申报截止日期 {deadline}。",
        "请核对日期；逾期申报请与省级商务主管部门联系。",
        "报送",
        "{where}: fill date {value} is after the applicants' deadline {deadline}.",
        "fill date after the applicants' deadline",
    ),
    Entry(
        "hitech_above_total",
        "error",
        "高新技术产品出口额大于出口额",
        "{where}：高新技术产品出口额 {value} 亿美元大于出口额 {total} 亿美元。",
        "高新技术产品出口是出口的一部分，请核对两项数字及单位。",
        _V,
        "{where}: high-tech exports {value} exceed total exports {total} (亿美元).",
        "high-tech exports above total exports",
    ),
    Entry(
        "products_above_total",
        "error",
        "主要出口产品合计大于出口额",
        "{where}：主要出口产品出口额合计 {value} 万美元，大于出口额 {total} 亿美元（= {total_wan} 万美元）。",
        "请核对产品出口额的单位（万美元）和出口额的单位（亿美元）。",
        _V,
        "{where}: main products sum to {value} 万美元, above total exports {total} 亿美元 (= {total_wan} 万美元).",
        "main products above total exports",
    ),
    Entry(
        "history_mismatch",
        "error",
        "近三年数据与第一项不一致",
        "{where}：{year} 年{what}为 {value} 亿美元，第一项填的是 {reported} 亿美元。",
        "请使两处数字一致。",
        _V,
        "{where}: {year} {what} is {value} but 第一项 says {reported} (亿美元).",
        "history row differs from 第一项",
    ),
    Entry(
        "exports_above_sales",
        "warning",
        "出口额折算后大于销售总额",
        "{where}：出口额 {value} 亿美元按 {rate} 折合约 {converted} 亿元，远大于销售总额 {sales} 亿元。",
        "请核对出口额、销售总额及其单位。",
        _V,
        "{where}: exports {value} 亿美元 ≈ {converted} 亿元 at {rate}, far above sales {sales} 亿元.",
        "exports far above sales",
    ),
    Entry(
        "growth_mismatch",
        "error",
        "出口增速与近三年数据不符",
        "{where}：填报的增速为 {value}%，按近三年出口情况计算为 {computed}%，相差 {gap} 个百分点{fraction_hint}。",
        "请核对增速或近三年出口数据。",
        "六(二)(3)",
        "{where}: reported growth {value}% but the history gives {computed}% ({gap} points apart).",
        "growth rate disagrees with history",
    ),
    Entry(
        "growth_mismatch_minor",
        "warning",
        "出口增速与计算值略有出入",
        "{where}：填报的增速为 {value}%，按近三年出口情况计算为 {computed}%，相差 {gap} 个百分点{fraction_hint}。",
        "请核对计算口径和四舍五入。",
        "六(二)(3)",
        "{where}: reported growth {value}% vs computed {computed}% ({gap} points).",
        "growth rate slightly off",
    ),
    Entry(
        "growth_base_zero",
        "warning",
        "基期为零，无法计算增速",
        "{where}：{year} 年{what}为 0，无法计算增速。",
        "请核对基期数据。",
        "六(二)(3)",
        "{where}: {year} {what} is 0; growth cannot be computed.",
        "zero base year",
    ),
    Entry(
        "growth_base_missing",
        "warning",
        "缺少数据，无法计算增速",
        "{where}：{year} 年{what}未填写，无法计算增速。",
        "请补全近三年出口情况。",
        "六(二)(3)",
        "{where}: {year} {what} is missing; growth cannot be computed.",
        "missing base year",
    ),
    Entry(
        "new_field_outside_notice",
        "warning",
        "重点领域不在通知所列领域之内",
        "{where}：新申报的重点领域为“{value}”，既不在通知五(二)所列新基地领域（{fields}）之内，"
        "也不是通知一所列重点领域（{focus}）。",
        "请核对重点领域；确属其他领域的，请在推荐文件中说明理由。",
        "五(二)",
        "{where}: new application in “{value}”, outside the fields of 五(二) ({fields}) and the"
        " focus fields of 一 ({focus}).",
        "new base outside the notice's fields",
    ),
    Entry(
        "cluster_outside_region",
        "warning",
        "产业集群申报限中西部地区",
        "{where}：{unit}属{region}地区，通知六所称由龙头企业和配套企业组成的企业集群限于{regions}地区"
        "（推荐单位的地区划分见参考数据）。",
        "请核对申报主体；{region}地区宜以地级市或省级龙头企业申报。",
        "五(二)",
        "{where}: {unit} is in {region}; enterprise clusters are for {regions} only.",
        "enterprise cluster outside 中西部",
    ),
]
