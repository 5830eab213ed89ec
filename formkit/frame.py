"""`to_frame`: applications as a pandas DataFrame, for analysts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from formkit.forms import form_of, load_form_spec
from formkit.read.submission import Submission
from formkit.records import columns, record
from formkit.reference import load_reference

if TYPE_CHECKING:
    import pandas as pd


def to_frame(results: Iterable[Submission]) -> pd.DataFrame:
    """One row per accepted application; columns by field id (groups as `field.item`,
    computed growth as `computed.<key>`, tables as `<table>.names`, bookkeeping columns
    start with `_`). Units and labels are in `df.attrs["units"]` and `df.attrs["labels"]`.
    """
    import pandas as pd

    spec, reference = load_form_spec(), load_reference()
    cols = [c for c in columns(spec, computed=form_of(spec).computed_labels) if c.key != "_no"]
    records = [record(r, spec, reference) for r in results if r.status == "accepted"]
    frame = pd.DataFrame(
        [{c.key: rec.get(c.key) for c in cols} for rec in records], columns=[c.key for c in cols]
    )
    frame.attrs["units"] = {c.key: c.unit for c in cols if c.unit}
    frame.attrs["labels"] = {c.key: c.header for c in cols}
    return frame
