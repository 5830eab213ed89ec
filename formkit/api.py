"""The Python facade: the names `formkit/__init__.py` offers a program that uses formkit as
a library (`formkit.read(path)`, `formkit.check_file(path)`, …).

An edge, like the command line: where no form is named it picks them as the command line
does (`formkit check` reads a file of any registered form by the form it carries; a round's
stages take the 申报书), through the registry (formkit.forms), and hands them down.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from formkit import check, frame, spec, template
from formkit import read as reading
from formkit import validate as validation
from formkit.forms import default_form, form_of, read_options, spec_of

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["check_file", "load_spec", "read", "to_frame", "validate", "write_template"]


def load_spec(path: str | Path | None = None) -> spec.FormSpec:
    """A form spec from its file; without one, the default form's (the 申报书)."""
    return spec.load_spec(path) if path is not None else default_form().spec


def write_template(path: str | Path = "templates/申报书.xlsx", **options: Any) -> Path:
    """The blank workbook of a form (`spec=`; default: the 申报书), written atomically."""
    options.setdefault("spec", default_form().spec)
    return template.write_template(path, **options)


def read(
    path: str | os.PathLike[str], options: reading.ReadOptions | None = None
) -> reading.Submission:
    """Read one returned workbook; without options, as any registered form (the one whose
    id it carries)."""
    return reading.read(path, options or read_options(forms=None))


def validate(sub: reading.Submission, **options: Any) -> validation.Checked:
    """Validate a file by its own form (the 申报书 for a file that names none);
    `reference=`, `year=` as formkit.validate.validate takes them."""
    return validation.validate(sub, form_of(spec_of(sub)), **options)


def check_file(
    path: str | os.PathLike[str], options: reading.ReadOptions | None = None
) -> validation.Checked:
    """Read and validate one file (without options, as a 申报书: a round's files)."""
    return check.check_file(path, options)


def to_frame(results: Iterable[reading.Submission]) -> pd.DataFrame:
    """Accepted applications as a pandas DataFrame."""
    return frame.to_frame(results)
