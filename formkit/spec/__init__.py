"""Form specs: data files describing a form, loaded into typed, frozen objects.

`load_spec(path)` loads one (a form's spec.toml; the registry, formkit.forms, knows which
file each form has).
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from formkit import toml_cache
from formkit.parse import UNITS
from formkit.reference import load_reference
from formkit.spec.model import (
    Chart,
    Column,
    Compare,
    Field,
    FormSpec,
    PrintedColumn,
    Sheet,
    SpecError,
    SummaryLayout,
    Table,
    Text,
    build,
)

__all__ = [
    "UNITS",
    "Chart",
    "Column",
    "Compare",
    "Field",
    "FormSpec",
    "PrintedColumn",
    "Sheet",
    "SpecError",
    "SummaryLayout",
    "Table",
    "Text",
    "load_spec",
]


def _choice_sources() -> dict[str, tuple[str, ...]]:
    reference = load_reference()
    order = {u.code: i for i, u in enumerate(reference.units)}
    return {
        "reporting_units": tuple(u.name for u in reference.units),
        # suggestions only (`suggest_from`): the known national bases a re-certification names
        "existing_bases": reference.bases.names(order),
    }


def load_spec(path: str | Path) -> FormSpec:
    """Load and check a form spec; raises SpecError if it is unusable. Loaded once per file
    in a process."""
    return _load(str(path))


@lru_cache(maxsize=8)
def _load(path: str) -> FormSpec:
    try:
        data = toml_cache.load(path)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: {exc}") from None
    return build(data, _choice_sources())
