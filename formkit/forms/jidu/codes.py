"""Issue codes of the 季度数据报表 and the 年度工作报告 (both forms raise them; amounts in
万美元), within one report and across periods (across.py)."""

from __future__ import annotations

from formkit.issues import Entry

_V = "consistency"

CODES: list[Entry] = [
    Entry(
        "quarter_above_cumulative",
        "error",
        "本季度数大于累计数",
        "{where}：本季度{what} {value}{unit} 大于1月至本季度累计 {total}{unit}。",
        "累计数包含本季度，应不小于本季度数，请核对两项数字。",
        "四(四)",
        "{where}: this quarter's {what} {value} exceeds the cumulative {total}.",
        "quarter above cumulative",
    ),
    Entry(
        "first_quarter_not_cumulative",
        "error",
        "第一季度累计数不等于本季度数",
        "{where}：第一季度1月至本季度累计{what} {value}{unit} 应等于本季度数 {quarter_value}{unit}。",
        "第一季度的累计数就是本季度数，请使两者一致。",
        "四(四)",
        "{where}: first quarter: cumulative {what} {value} should equal the quarter's {quarter_value}.",
        "first quarter cumulative differs from the quarter",
    ),
    Entry(
        "part_above_whole",
        "error",
        "分项大于总数",
        "{where}：{part} {value} {unit}大于{whole} {total} {unit}。",
        "{part}是{whole}的一部分，请核对两项数字及单位。",
        _V,
        "{where}: {part} {value} exceeds {whole} {total} {unit}.",
        "part above its whole",
    ),
    Entry(
        "enterprises_above_base",
        "error",
        "重点企业合计大于基地数",
        "{where}：重点企业{what}合计 {value} 万美元，大于基地的{what} {total} 万美元。",
        "重点企业是基地的一部分，请核对企业和基地的数字及单位（万美元）。",
        "四(四)",
        "{where}: key enterprises' {what} sum to {value}, above the base's {total} (万美元).",
        "key enterprises above the base",
    ),
    Entry(
        "enterprise_above_base",
        "error",
        "重点企业大于基地",
        "{where}：重点企业{name}的{what} {value} 万美元，大于基地同期的{what} {total} 万美元。",
        "一家重点企业是基地的一部分，不能大于基地：请核对企业和基地的数字及单位（万美元），"
        "常见的是按美元或亿美元填写。",
        "四(四)",
        "{where}: key enterprise {name}'s {what} {value} exceeds the base's {total} (万美元).",
        "a key enterprise above its base",
    ),
    Entry(
        "growth_impossible",
        "error",
        "同比增长与本期数不符",
        "{where}：同比增长 {value}%，但{detail}。",
        "请核对同比增长率和本期数字。",
        "四(四)",
        "{where}: growth {value}% contradicts the figure it is about.",
        "growth contradicts its figure",
    ),
    Entry(
        "growth_without_value",
        "warning",
        "有同比增长而无本期数",
        "{where}：填了同比增长 {value}%，但没有填{what}。",
        "请补填{what}，或清空同比增长。",
        "四(四)",
        "{where}: growth {value}% given without {what}.",
        "growth without its figure",
    ),
    Entry(
        "report_year_differs",
        "warning",
        "报告年度与模板年度不同",
        "{where}：报告年度 {value} 与模板年度 {year} 不同。",
        "请核对是否使用了本年度的模板，或更正报告年度。",
        "四(四)",
        "{where}: report year {value} differs from the template's year {year}.",
        "report year differs from the template",
    ),
    Entry(
        "fill_date_before_period_end",
        "warning",
        "填报日期早于报告期结束",
        "{where}：填报日期 {value} 不晚于{period}的最后一天（{end}）。",
        "季度数据应在季度结束后填报，请核对日期；如为预计数，请在“重要信息”中说明。",
        "四(四)",
        "{where}: filled on {value}, before {period} ended ({end}).",
        "filled before the period ended",
    ),
    # -- across periods and forms of one base (formkit/forms/jidu/across.py; docs/forms/
    # kjxm-cxjd-jidu.md 跨期核对): each issue is in the later period's file
    Entry(
        "cumulative_fell",
        "error",
        "累计数比上季度减少",
        "{where}：{period}1月至本季度累计{what}为 {amount}，小于{earlier}的累计 {earlier_amount}。",
        "累计数逐季只增不减，请核对本季度和上季度的累计数，有误的一份更正后重新报送。",
        "四(四)",
        "{where}: {period} cumulative {what} {amount} is below the cumulative {earlier_amount} "
        "of {earlier}.",
        "cumulative fell",
    ),
    Entry(
        "quarter_not_difference",
        "warning",
        "本季度数不等于两季累计数之差",
        "{where}：{period}本季度{what}为 {amount}，而本季度累计 {cumulative} 减去{earlier}的累计 "
        "{earlier_amount} 为 {difference}。",
        "本季度数应等于本季度累计数减去上季度累计数，请核对三项数字；如上季度数据已修订，"
        "请在“重要信息”中说明。",
        "四(四)",
        "{where}: {period} quarter's {what} {amount}, but cumulative {cumulative} minus "
        "{earlier}'s {earlier_amount} is {difference}.",
        "quarter differs from the difference of cumulatives",
    ),
    Entry(
        "growth_recomputed_differs",
        "warning",
        "同比增长与上年同期数据不符",
        "{where}：{period}填报{what}同比增长 {reported}，按本期累计 {amount} 和{earlier}的累计 "
        "{earlier_amount} 计算为 {computed}，相差 {gap} 个百分点（超过 {tolerance} 个百分点）。",
        "请核对同比增长率和两期数字；如上年数据已修订，请在“重要信息”中说明。",
        "四(四)",
        "{where}: {period} reports {what} growth {reported}; from {amount} and {earlier}'s "
        "{earlier_amount} it is {computed} ({gap} points apart).",
        "growth disagrees with last year's report",
    ),
    Entry(
        "annual_not_fourth_quarter",
        "warning",
        "年度工作报告与第四季度累计数不同",
        "{where}：{period}的{what}为 {amount}，{other}的{other_what}为 {other_amount}，两者不同。"
        "年度工作报告于12月底前报送，其中的全年数是预计数，可与第四季度的实际累计数不同。",
        "请核对两份报表：第四季度数据报表有误的，更正后重新报送；年度工作报告中的全年数是预计数的，"
        "无需更正，也可按第四季度的实际数更新后重新报送。",
        "四(四)",
        "{where}: {period}'s {what} {amount} differs from {other}'s {other_amount}; the annual "
        "report is due in December and holds estimates.",
        "annual report differs from the fourth quarter (estimates)",
    ),
    Entry(
        "key_enterprises_dropped",
        "warning",
        "上季度的重点企业未再填报",
        "{where}：{earlier}填报的 {count} 家重点企业未出现在{period}的报表中：{names}。",
        "如企业仍是重点企业，请补填；如已不是（迁出、停产等），请在“重要信息”中说明。",
        "四(四)",
        "{where}: {count} key enterprise(s) of {earlier} are missing from {period}: {names}.",
        "key enterprises dropped",
    ),
]
