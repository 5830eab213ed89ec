"""Validation: the spec's field rules, consistency checks, growth rates and the notice's criteria.

`validate(sub, form)` gives a `Checked` copy of an accepted Submission with every finding
(collecting them all, never stopping at the first), its verdict (符合 / 不符合 / 待补充材料),
the criteria with their clauses, and the growth rates computed from the history. The
Submission itself is not changed.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

from formkit.validate.context import Context, Rule
from formkit.validate.engine import Checked, Rules, validate

__all__ = ["Checked", "Context", "Rule", "Rules", "validate"]


class _CallableModule(types.ModuleType):
    """`formkit.validate(sub)` is the public API, and `formkit.validate` is also this
    package, which shadows the facade function once imported: the package answers the call
    by handing it to the facade, `formkit.api.validate` (the edge, which picks the file's
    form), by name (docs/architecture.md; tests/test_layers.py names this hand-over)."""

    def __call__(self, sub: Any, **options: Any) -> Checked:
        facade: Any = importlib.import_module("formkit.api")
        result: Checked = facade.validate(sub, **options)
        return result


sys.modules[__name__].__class__ = _CallableModule
