"""Within-form rules of the 年度工作报告 (商技发[2006]6号 四(四)): the year's figures obey
the same part/whole and growth rules as the 季度数据报表's cumulative figures.

That the year's figures equal the fourth quarter's cumulative is a rule across forms:
formkit/forms/jidu/across.py (docs/forms/kjxm-cxjd-jidu.md 跨期核对).
"""

from __future__ import annotations

from formkit.forms.jidu.rules import (
    Rule,
    growth_plausible,
    parts_within_wholes,
    report_year_matches,
)

RULES: list[Rule] = [
    report_year_matches,
    parts_within_wholes(("",)),
    growth_plausible(""),
]
