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

_LAZY = {
    "load_spec": ("formkit.spec", "load_spec"),
    "write_template": ("formkit.template", "write_template"),
    "read": ("formkit.read", "read"),
    "validate": ("formkit.validate", "validate"),
    "check_file": ("formkit.check", "check_file"),
    "to_frame": ("formkit.frame", "to_frame"),
}


def __getattr__(name: str) -> Any:
    # lazy: `formkit check` on one file must not pay for modules it does not use
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'formkit' has no attribute {name!r}")
