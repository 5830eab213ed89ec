"""季度数据报表 (kjxm-cxjd-jidu): its spec (spec.toml) and its within-form rules (rules.py)."""

from pathlib import Path

from formkit.forms import Form
from formkit.forms.jidu import codes, rules

FORM = Form(
    id="kjxm-cxjd-jidu",
    spec_file=Path(__file__).with_name("spec.toml"),
    rules=tuple(rules.RULES),
    codes=tuple(codes.CODES),
)
