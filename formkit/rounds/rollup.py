"""The national roll-up (`formkit rollup`): the provinces' summaries into one, each
reporting unit's latest summary taken, and the documents only the form has beside it
(the 申报书's national 推荐名单（公示）)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from formkit.forms import form_of
from formkit.reference import Reference
from formkit.rollup import RollupResult
from formkit.rollup import rollup as rollup_stage
from formkit.spec import FormSpec
from formkit.summary.kit import SummaryData


def national(
    paths: Sequence[str | os.PathLike[str]],
    *,
    spec: FormSpec,
    reference: Reference,
    year: int | None = None,
    period: tuple[Any, ...] | None = None,
    inputs: Sequence[str] = (),
) -> RollupResult:
    """The roll-up of the summaries at `paths` (those not taken are in `rejected`)."""
    result = rollup_stage(paths, spec=spec, reference=reference, year=year, period=period)
    result.data.inputs = list(inputs)
    return result


def documents(spec: FormSpec, data: SummaryData, reference: Reference) -> list[tuple[str, bytes]]:
    """(file name, bytes) of the form's own documents beside the roll-up; none for a form
    that has none."""
    make = form_of(spec).documents.rollup
    return list(make(data, reference)) if make is not None else []
