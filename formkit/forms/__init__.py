"""The forms formkit knows, and what a form provides to the engine.

A form is its folder: a package `formkit/forms/<form>/` with its spec (spec.toml: fields,
cells, roles, roster, summary layout), its rules and, where it has them, its reference data
and its own parts. The package's `FORM` (a `Form`) is the whole interface. The registry
finds the built-in forms by scanning this folder, forms installed elsewhere through the
entry point group `formkit.forms` (each entry names a `Form`, or a module with `FORM`), and
takes one defined at run time with `register()` (a test's toy form). Adding a form edits
nothing outside its folder.

The engine never names a field of any form, and never picks a form by itself: the edge
(cli, web, the Python facade) resolves the default here (`default_form()`,
`read_options()`), and hands the form or its spec down.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.machinery
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from formkit.forms.parts import Documents, Later, PartField, Ranking, Recommendation, SummaryPart
from formkit.issues import Entry, Issue, add_codes, remove_codes
from formkit.read import ReadOptions
from formkit.spec import FormSpec, load_spec
from formkit.spec.model import declare_units
from formkit.validate import Rule

if TYPE_CHECKING:
    from formkit.period import Period
    from formkit.read.submission import Submission
    from formkit.reference import Reference

__all__ = [
    "DEFAULT_FORM",
    "ENTRY_POINT_GROUP",
    "Across",
    "AcrossReach",
    "Documents",
    "Form",
    "Later",
    "Ranking",
    "Recommendation",
    "SummaryPart",
    "UnknownForm",
    "default_form",
    "form_ids",
    "form_of",
    "get_form",
    "load_form_spec",
    "read_options",
    "register",
    "registered_elsewhere",
    "spec_of",
    "spec_path",
    "unregister",
]

# one subject's current submissions of every period (and of the forms that report on the
# same periods) -> new issues, each with the submission it belongs to
Across = Callable[[Sequence["Submission"], "Reference"], list[tuple["Submission", Issue]]]

# a period -> the other periods of the same form whose files `across` checks a file of that
# period against (the summary from the ledger reads those, and no older ones)
AcrossReach = Callable[["Period"], Iterable["Period"]]

# the form an edge takes when none is named: the application round's 申报书
DEFAULT_FORM = "kjxm-cxjd-shenbaoshu"
# the entry point group an installed form declares (`toy = "my_forms.toy:FORM"`)
ENTRY_POINT_GROUP = "formkit.forms"


@dataclass(frozen=True)
class Form:
    """What one form gives the engine. Only `id` and `spec_file` are required.

    Making a Form adds its issue codes to the catalogue (formkit.issues), so its rules
    never raise a code the catalogue lacks."""

    id: str
    spec_file: Path
    # rules within one workbook, run after the spec's generic field rules
    rules: Sequence[Rule] = ()
    # the issue codes those rules (and `across`) raise, with their Chinese wording
    codes: Sequence[Entry] = ()
    # names of values the rules compute (Submission.computed), as column headers
    computed_labels: Mapping[str, str] = field(default_factory=dict)
    # rules across one subject's periods and forms, run from the ledger and the summary
    across: Across | None = None
    # the periods `across` compares a period's file with; a form with `across` and without
    # `across_reach` has the summary read its whole history
    across_reach: AcrossReach | None = None
    # the form's own parts of the summary and the roll-up; this and `documents` may each be
    # given as a `Later`, made when first read (a descriptor-typed field: its default is
    # the descriptor's, one empty part shared, as the parts are frozen)
    summary: PartField[SummaryPart] = PartField(SummaryPart)  # noqa: RUF009
    # outputs only this form has (the 申报书's recommendation, 推荐文件, 公示)
    documents: PartField[Documents] = PartField(Documents)  # noqa: RUF009
    # the spec to use instead of `spec_file`'s (form_for: a spec file given at the edge)
    given_spec: FormSpec | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        add_codes(self.codes)

    @property
    def spec(self) -> FormSpec:
        return self.given_spec or load_spec(self.spec_file)


class UnknownForm(KeyError):
    """A form id no registered form has."""


# ---------------------------------------------------------------- finding the forms

_FOUND: dict[str, Form] | None = None  # built-in and installed, once found
_EXTRA: dict[str, Form] = {}  # register()


def _found() -> dict[str, Form]:
    """Every built-in form (a package in this folder) and every installed one (the entry
    point group), by id. (A spec's own units are declared as it loads.)"""
    global _FOUND
    if _FOUND is None:
        found: dict[str, Form] = {}
        here = Path(__file__).parent
        for folder in sorted(p for p in here.iterdir() if (p / "__init__.py").is_file()):
            _add(found, importlib.import_module(f"{__name__}.{folder.name}"), folder.name)
        if _declared_somewhere():
            from importlib import metadata

            for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
                _add(found, entry.load(), f"entry point {entry.name} = {entry.value}")
        _FOUND = found
    return _FOUND


def _declared_somewhere() -> bool:
    """Whether an installed distribution may declare a form: an `entry_points.txt` on
    sys.path that names the group, or a place this look cannot see into (a zip, a finder
    of its own). importlib.metadata (with email, which it imports) costs a one-file check
    more than reading the forms; it is asked only then."""
    if any(
        hasattr(finder, "find_distributions") and finder is not importlib.machinery.PathFinder
        for finder in sys.meta_path
    ):
        return True
    for entry in sys.path:
        try:
            found = os.scandir(entry or ".")
        except NotADirectoryError:
            return True  # a zip on sys.path
        except OSError:
            continue  # not there
        with found:
            for dist in found:
                if not dist.name.endswith((".dist-info", ".egg-info")):
                    continue
                try:
                    with open(os.path.join(dist.path, "entry_points.txt"), "rb") as fh:
                        if ENTRY_POINT_GROUP.encode() in fh.read():
                            return True
                except OSError:
                    continue
    return False


def _add(found: dict[str, Form], obj: Any, where: str) -> None:
    form = obj.FORM if isinstance(obj, ModuleType) else obj
    if not isinstance(form, Form):
        raise TypeError(f"{where}: not a formkit.forms.Form ({type(form).__name__})")
    if form.id in found and found[form.id] is not form:
        raise ValueError(f"{where}: form id {form.id} is taken")
    found[form.id] = form


def register(form: Form) -> None:
    """Add a form defined at run time (replacing one of the same id). Its units are
    declared here too: in a reading worker the form arrives with its spec already built."""
    add_codes(form.codes)
    declare_units(form.spec.units)
    _EXTRA[form.id] = form


def register_all(forms: Sequence[Form]) -> None:
    """register() each: a reading worker is given the forms registered in its parent."""
    for form in forms:
        register(form)


def registered_elsewhere() -> tuple[Form, ...]:
    """The forms added with register()."""
    return tuple(_EXTRA.values())


def unregister(form_id: str) -> None:
    """Forget a form added with register(), and the codes only it had."""
    form = _EXTRA.pop(form_id, None)
    if form is not None:
        builtin = {e.code for f in _found().values() for e in f.codes}
        remove_codes([e for e in form.codes if e.code not in builtin])


# ---------------------------------------------------------------- looking a form up


def form_ids() -> tuple[str, ...]:
    """Every form's id: the default first, then the others found, then those registered."""
    found = sorted(_found(), key=lambda i: (i != DEFAULT_FORM, i))
    return (*found, *(i for i in _EXTRA if i not in found))


def get_form(form_id: str | None = None) -> Form:
    """The form with this id (None: the default form); raises UnknownForm."""
    form_id = form_id or DEFAULT_FORM
    form = _EXTRA.get(form_id) or _found().get(form_id)
    if form is None:
        raise UnknownForm(form_id)
    return form


def default_form() -> Form:
    """The form an edge (cli, web, the Python facade) takes when none is named."""
    return get_form(DEFAULT_FORM)


def form_of(spec: FormSpec) -> Form:
    """The form to validate and summarise with `spec` (read from its own file, maybe one
    given at the edge): the registered form of its id, with this spec; a spec of no
    registered form has no rules and no parts."""
    try:
        form = get_form(spec.id)
    except UnknownForm:
        return Form(spec.id, Path(), given_spec=spec)
    return form if form.spec is spec else dataclasses.replace(form, given_spec=spec)


def spec_of(sub: Submission) -> FormSpec:
    """The spec a checked file was read with: its own form's, else the default form's (for
    an edge that shows files of any form)."""
    try:
        return load_form_spec(sub.form.id if sub.form else None)
    except UnknownForm:
        return load_form_spec()


def spec_path(form_id: str) -> Path:
    """The spec file of a registered form; raises UnknownForm."""
    return get_form(form_id).spec_file


def load_form_spec(form_id: str | None = None) -> FormSpec:
    """The loaded spec of a registered form (None: the default form); raises UnknownForm."""
    return get_form(form_id).spec


def read_options(
    forms: Sequence[str] | None = (DEFAULT_FORM,),
    *,
    spec_path: str | Path | None = None,
    **options: Any,
) -> ReadOptions:
    """ReadOptions for files that may be any of `forms` (by id; None: any registered form),
    or, with `spec_path`, of that spec alone. Raises UnknownForm. The other keywords are
    ReadOptions' own (year, reference_path, bounds, timeout, memory_mb)."""
    if spec_path is not None:
        specs: tuple[str | Path, ...] = (spec_path,)
    else:
        specs = tuple(get_form(i).spec_file for i in (form_ids() if forms is None else forms))
    return ReadOptions(specs=tuple(str(p) for p in specs), **options)


def all_codes() -> list[Entry]:
    """Every form's issue codes (the catalogue page lists them with the generic ones)."""
    out: dict[str, Entry] = {}
    for form_id in form_ids():
        out.update((e.code, e) for e in get_form(form_id).codes)
    return list(out.values())
