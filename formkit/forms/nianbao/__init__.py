"""年度工作报告 (kjxm-cxjd-nianbao): its spec (spec.toml) and its within-form rules (rules.py)."""

from pathlib import Path

from formkit.forms import Form, jidu
from formkit.forms.jidu import codes
from formkit.forms.nianbao import rules

FORM = Form(
    id="kjxm-cxjd-nianbao",
    spec_file=Path(__file__).with_name("spec.toml"),
    rules=tuple(rules.RULES),
    codes=tuple(codes.CODES),
    across=jidu.check_across,  # the 季度数据报表's, which imports across.py when first run
)
