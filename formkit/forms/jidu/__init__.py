"""季度数据报表 (kjxm-cxjd-jidu): its spec (spec.toml) and its within-form rules (rules.py) and
the rules across one base's periods and its 年度工作报告 (across.py)."""

from pathlib import Path

from formkit.forms import Form
from formkit.forms.jidu import codes, rules
from formkit.forms.jidu.across import check_across, reach

FORM = Form(
    id="kjxm-cxjd-jidu",
    spec_file=Path(__file__).with_name("spec.toml"),
    rules=tuple(rules.RULES),
    codes=tuple(codes.CODES),
    # rules across one base's quarters and its 年度工作报告, run from the ledger
    across=check_across,
    across_reach=reach,
)
