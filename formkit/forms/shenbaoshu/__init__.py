"""申报书 (kjxm-cxjd-shenbaoshu): the application workbook of 商技发[2006]6号.

spec.toml is the form (contract: docs/forms/kjxm-cxjd-shenbaoshu.md); rules.py the notice's
criteria (六、五(二)、六(三)); recommend.py, authority.py and letters.py the province's ranking,
its 推荐文件 (a 请示 to 商务部) and 报部名单, publicity.py the ministry's national 推荐名单（公示）,
which only this form has; summary.py its own parts of the summary and the roll-up (the
engine calls them through the hooks below).
"""

from pathlib import Path

from formkit.forms import Form
from formkit.forms.shenbaoshu import codes, publicity, rules, summary

FORM = Form(
    id="kjxm-cxjd-shenbaoshu",
    spec_file=Path(__file__).with_name("spec.toml"),
    rules=tuple(rules.RULES),
    codes=tuple(codes.CODES),
    computed_labels=rules.COMPUTED_LABELS,
    hooks={
        "within_quota": rules.within_quota,
        "unit_checks": rules.unit_checks,
        "unit_review": rules.unit_review,
        **summary.HOOKS,
        "rollup_documents": publicity.documents,
    },
)
