"""年度工作报告 (kjxm-cxjd-nianbao): its spec (spec.toml) and its within-form rules (rules.py)."""

from pathlib import Path

from formkit.forms import Form
from formkit.forms.jidu import across, codes
from formkit.forms.nianbao import rules

FORM = Form(
    id="kjxm-cxjd-nianbao",
    spec_file=Path(__file__).with_name("spec.toml"),
    rules=tuple(rules.RULES),
    codes=tuple(codes.CODES),
    across=across.check_across,
)
