"""季度数据报表 (kjxm-cxjd-jidu): its spec (spec.toml) and its within-form rules (rules.py) and
the rules across one base's periods and its 年度工作报告 (across.py).

across.py is imported when the rules across periods first run (the ledger, the summary):
a check of one file does not run them (issue #23, start-up)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from formkit.forms import Form
from formkit.forms.jidu import codes, rules

if TYPE_CHECKING:
    from formkit.issues import Issue
    from formkit.period import Period
    from formkit.read.submission import Submission


def check_across(history: Sequence[Submission], reference: Any) -> list[tuple[Submission, Issue]]:
    """formkit.forms.jidu.across.check_across."""
    from formkit.forms.jidu import across

    return across.check_across(history, reference)


def reach(when: Period) -> list[Period]:
    """formkit.forms.jidu.across.reach."""
    from formkit.forms.jidu import across

    return across.reach(when)


FORM = Form(
    id="kjxm-cxjd-jidu",
    spec_file=Path(__file__).with_name("spec.toml"),
    rules=tuple(rules.RULES),
    codes=tuple(codes.CODES),
    # rules across one base's quarters and its 年度工作报告, run from the ledger
    across=check_across,
    across_reach=reach,
)
