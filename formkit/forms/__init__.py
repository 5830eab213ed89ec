"""The forms formkit knows, and what a form provides to the engine.

Each form is a package `formkit/forms/<form>/`: its spec (spec.toml: fields, cells, roles,
roster, summary layout), its rules and, where it has them, its reference data and its own
documents. The package's `FORM` (a `Form`) is the whole interface: the engine (template,
read, validate, ledger, distribute, summary, roll-up, feedback, status, web) looks a form
up here by id and never names a field of any form. A form defined elsewhere (a test's toy
form, another ministry's) joins with `register()`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from formkit.issues import Entry, Issue
    from formkit.read import Submission
    from formkit.reference import Reference
    from formkit.spec import FormSpec
    from formkit.validate.engine import Context

    Rule = Callable[[Context], None]
    # one subject's current submissions of every period (and of the forms that report on
    # the same periods) -> new issues, each with the submission it belongs to
    Across = Callable[[Sequence[Submission], Reference], list[tuple[Submission, Issue]]]


@dataclass(frozen=True)
class Form:
    """What one form gives the engine. Only `id` and `spec_file` are required."""

    id: str
    spec_file: Path
    # rules within one workbook, run after the spec's generic field rules
    rules: Sequence[Rule] = ()
    # the issue codes those rules (and `across`) raise, with their Chinese wording
    codes: Sequence[Entry] = ()
    # names of values the rules compute (Submission.computed), as column headers
    computed_labels: Mapping[str, str] = field(default_factory=dict)
    # rules across one subject's periods and forms, run from the ledger
    across: Across | None = None
    # the form's own extras the engine calls where present (by name, declared here rather
    # than probed on a module): e.g. the 申报书's quota check across one unit's applications
    hooks: Mapping[str, Callable[..., Any]] = field(default_factory=dict)

    @cached_property
    def spec(self) -> FormSpec:
        from formkit.spec import load_spec

        return load_spec(self.spec_file)

    def hook(self, name: str) -> Callable[..., Any] | None:
        return self.hooks.get(name)


# form id -> its package; the first is the default form (the application round's 申报书)
_PACKAGES: dict[str, str] = {
    "kjxm-cxjd-shenbaoshu": "formkit.forms.shenbaoshu",
    "kjxm-cxjd-jidu": "formkit.forms.jidu",
    "kjxm-cxjd-nianbao": "formkit.forms.nianbao",
}
DEFAULT_FORM = "kjxm-cxjd-shenbaoshu"
_LOADED: dict[str, Form] = {}
_EXTRA: dict[str, Form] = {}


class UnknownForm(KeyError):
    """A form id no registered form has."""


def register(form: Form) -> None:
    """Add a form defined outside formkit/forms (replacing one of the same id)."""
    from formkit.issues import add_codes
    from formkit.spec.model import declare_units

    add_codes(form.codes)
    declare_units(form.spec.units)
    _EXTRA[form.id] = form


def registered_elsewhere() -> tuple[Form, ...]:
    """The forms added with register(): a worker process is given them."""
    return tuple(_EXTRA.values())


def unregister(form_id: str) -> None:
    """Forget a form added with register(), and the codes only it had."""
    from formkit.issues import remove_codes

    form = _EXTRA.pop(form_id, None)
    if form is not None:
        builtin = {e.code for e in all_codes()}
        remove_codes([e for e in form.codes if e.code not in builtin])


def get_form(form_id: str | None = None) -> Form:
    """The registered form with this id (default: the 申报书); raises UnknownForm."""
    form_id = form_id or DEFAULT_FORM
    if form_id in _EXTRA:
        return _EXTRA[form_id]
    if form_id not in _LOADED:
        if form_id not in _PACKAGES:
            raise UnknownForm(form_id)
        form = importlib.import_module(_PACKAGES[form_id]).FORM
        if form.id != form_id:
            raise RuntimeError(f"{_PACKAGES[form_id]}.FORM has id {form.id!r}, not {form_id!r}")
        _LOADED[form_id] = form
    return _LOADED[form_id]


def form_of(spec: FormSpec) -> Form:
    """The form a spec belongs to; a spec of no registered form has no rules and no hooks."""
    try:
        return get_form(spec.id)
    except UnknownForm:
        return Form(spec.id, Path())


def spec_of(sub: Submission) -> FormSpec:
    """The spec a checked file was read with: its own form's, else the default form's."""
    try:
        return load_form_spec(sub.form.id if sub.form else None)
    except UnknownForm:
        return load_form_spec()


def form_ids() -> tuple[str, ...]:
    return (*_PACKAGES, *(i for i in _EXTRA if i not in _PACKAGES))


def spec_path(form_id: str) -> Path:
    """The spec file of a registered form; raises UnknownForm."""
    return get_form(form_id).spec_file


def load_form_spec(form_id: str | None = None) -> FormSpec:
    """The loaded spec of a registered form (default: the 申报书); raises UnknownForm."""
    return get_form(form_id).spec


def all_codes() -> list[Entry]:
    """Every built-in form's issue codes (the catalogue adds them to the generic ones)."""
    out: list[Entry] = []
    for form_id in _PACKAGES:
        out += list(get_form(form_id).codes)
    return out
