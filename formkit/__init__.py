"""formkit: run a government Excel data-collection round end to end.

For the 科技兴贸出口创新基地申报书 of 商技发[2006]6号: generate the template, read returned
workbooks, validate them against the notice, summarise, and track submissions.

Public API (heavy modules are imported only when a function is first used)::

    formkit.load_spec()            the form spec
    formkit.write_template(path)   the blank 申报书.xlsx
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "load_spec", "write_template"]


def __getattr__(name: str) -> Any:
    # lazy: `formkit check` on one file must not pay for modules it does not use
    if name == "load_spec":
        from formkit.spec import load_spec

        return load_spec
    if name == "write_template":
        from formkit.template import write_template

        return write_template
    raise AttributeError(f"module 'formkit' has no attribute {name!r}")
