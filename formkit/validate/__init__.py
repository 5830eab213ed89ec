"""Validation: the spec's field rules, consistency checks, growth rates and the notice's criteria.

`validate(sub)` adds issues to an accepted Submission (collecting every finding, never
stopping at the first) and sets its verdict (符合 / 不符合 / 待补充材料), the criteria with
their clauses, and the growth rates computed from the history.
"""

from __future__ import annotations

from formkit.validate.engine import Context, validate

__all__ = ["Context", "validate"]
