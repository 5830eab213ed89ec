"""Form specs: data files describing a form, loaded into typed, frozen objects.

`load_spec()` gives the 申报书 of 商技发[2006]6号; `load_spec(path)` loads another spec
(the notice's quarterly data reports will be a second spec on the same engine).
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from formkit.spec.model import (
    UNITS,
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

DEFAULT_SPEC = Path(__file__).parent.parent / "forms" / "shenbaoshu" / "spec.toml"


def _choice_sources() -> dict[str, tuple[str, ...]]:
    from formkit.reference import load_reference

    reference = load_reference()
    order = {u.code: i for i, u in enumerate(reference.units)}
    return {
        "reporting_units": tuple(u.name for u in reference.units),
        # suggestions only (`suggest_from`): the known national bases a re-certification names
        "existing_bases": reference.bases.names(order),
    }


def load_spec(path: str | Path | None = None) -> FormSpec:
    """Load and check a form spec (default: the 申报书); raises SpecError if it is unusable."""
    return _load(str(path or DEFAULT_SPEC))


@lru_cache(maxsize=8)
def _load(path: str) -> FormSpec:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: {exc}") from None
    return build(data, _choice_sources())
