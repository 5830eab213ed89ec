"""申报书 (kjxm-cxjd-shenbaoshu): the application workbook of 商技发[2006]6号.

spec.toml is the form (contract: docs/forms/kjxm-cxjd-shenbaoshu.md); rules.py the notice's
criteria (六、五(二)、六(三)); recommend.py and letters.py the province's ranking and its
推荐文件 / 公示名单, which only this form has; summary.py its own parts of the summary and
the roll-up (`FORM.summary`, the typed parts the summary calls).
"""

from pathlib import Path

from formkit.forms import Form
from formkit.forms.shenbaoshu import codes, rules, summary

FORM = Form(
    id="kjxm-cxjd-shenbaoshu",
    spec_file=Path(__file__).with_name("spec.toml"),
    rules=tuple(rules.RULES),
    codes=tuple(codes.CODES),
    computed_labels=rules.COMPUTED_LABELS,
    summary=summary.PART,
)
