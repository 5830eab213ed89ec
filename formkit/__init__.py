"""formkit: run a government Excel data-collection round end to end.

For the 科技兴贸出口创新基地申报书 of 商技发[2006]6号: generate the template, read returned
workbooks, validate them against the notice, summarise, and track submissions.

Public API (heavy modules are imported only when a function is first used)::

    formkit.load_spec()            the form spec
    formkit.write_template(path)   the blank 申报书.xlsx
    formkit.read(path)             a returned workbook -> Submission (values, provenance, issues)
    formkit.validate(sub)          the notice's rules: issues, verdict, criteria, computed growth
    formkit.check_file(path)       read + validate
    formkit.to_frame(results)      accepted applications as a pandas DataFrame
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "check_file",
    "load_spec",
    "read",
    "to_frame",
    "validate",
    "write_template",
]


def __getattr__(name: str) -> Any:
    # the facade's names live in formkit.api (an edge: it picks the forms where none is
    # named), imported when first used: the root package is the parent of every module, so
    # it imports nothing of formkit at module level (docs/architecture.md; the layers test
    # names this hand-over), and `formkit check` on one file pays for no module it does not use
    if name in __all__ and name != "__version__":
        return getattr(importlib.import_module("formkit.api"), name)
    raise AttributeError(f"module 'formkit' has no attribute {name!r}")
