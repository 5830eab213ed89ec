"""The ledger's files as SummaryData: the one route from a ledger to a summary, for
`summary --db`, `recommend --db` and the web page alike."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from formkit.forms import get_form
from formkit.ledger import Ledger
from formkit.read.submission import Submission, from_json
from formkit.reference import Reference
from formkit.summary.collect import Collector
from formkit.summary.kit import SummaryData


def from_ledger(
    db: str | os.PathLike[str],
    *,
    reference: Reference | None = None,
    unit: str | None = None,
    year: int | None = None,
    inputs: Sequence[str] | None = None,
    results: list[Submission] | None = None,
    form_id: str | None = None,
    period: Sequence[Any] | None = None,
) -> SummaryData:
    """The ledger's files as SummaryData: the one route from a ledger to a summary, for
    `summary --db`, `recommend --db` and the web page alike. The ledger's handles and
    received order go to the same collector a folder of files goes through, so the same
    file counts as in `status`. `results`, when given, receives each file's Submission.

    `form_id` (default: the ledger's form): the files of that form (the ledger's form_id of
    each file); a file whose form could not be told belongs to the ledger's own form. The
    files of other forms are counted in a note."""

    with Ledger(db, reference=reference) as ledger:
        records = ledger.files()
        reference = ledger.reference
        own = ledger.spec
    spec = get_form(form_id).spec if form_id else own
    dates = {f.id for f in spec.fields if f.type == "date"}
    collector = Collector(spec=spec, reference=reference)
    elsewhere = 0
    for r in records:
        if (r.form_id or own.id) != spec.id:
            elsewhere += 1
            continue
        sub = from_json(r.submission, dates)
        collector.add(sub, handle=r.sha256, received=(r.seq,), roster_id=r.roster_id)
        if results is not None:
            results.append(sub)
    shown = [str(db)] if inputs is None else list(inputs)
    data = collector.finish(year=year, unit=unit, inputs=shown, period=period)
    if elsewhere:
        data.notes.append(("台账中其他表单的文件", f"{elsewhere} 个，不属于本汇总的表单，未列入"))
    return data
