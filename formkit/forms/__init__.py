"""The forms formkit knows: form id -> its spec file (and, through the spec, its rules).

Each form beyond the 申报书 lives in its own package here (`formkit/forms/<form>/`: the
spec, its rules); the engine finds them through this registry only. Reading dispatches
on the form id stamped in a workbook (`formkit_form_id`), so one folder may hold several
forms.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from formkit.spec import FormSpec

_HERE = Path(__file__).parent

# form id -> spec file; the first is the default form (the application round's 申报书)
FORMS: dict[str, Path] = {
    "kjxm-cxjd-shenbaoshu": _HERE.parent / "spec" / "application.toml",
    "kjxm-cxjd-jidu": _HERE / "jidu" / "spec.toml",
    "kjxm-cxjd-nianbao": _HERE / "nianbao" / "spec.toml",
}
DEFAULT_FORM = "kjxm-cxjd-shenbaoshu"


class UnknownForm(KeyError):
    """A form id no registered form has."""


def spec_path(form_id: str) -> Path:
    """The spec file of a registered form; raises UnknownForm."""
    try:
        return FORMS[form_id]
    except KeyError:
        raise UnknownForm(form_id) from None


def load_form_spec(form_id: str | None = None) -> FormSpec:
    """The loaded spec of a registered form (default: the 申报书); raises UnknownForm."""
    from formkit.spec import load_spec

    return load_spec(spec_path(form_id or DEFAULT_FORM))


def form_ids() -> tuple[str, ...]:
    return tuple(FORMS)
