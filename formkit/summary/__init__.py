"""The provincial summary and the national roll-up's workbook.

The package's own name offers the kit (`formkit.summary.kit`): what a form's own parts of
the summary write with. It sits below the forms (docs/architecture.md), so it imports
nothing of the summary stage itself, which is in the modules:

- `collect`: checked files -> SummaryData (which file counts, records, 问题清单 rows);
- `periods`: a periodic form's periods, 环比 and 同比, the time series;
- `sheets`: SummaryData -> the workbook (`build`, `write`); `tables`: its counting sheets;
- `ledger`: the ledger's files -> SummaryData;
- `kit` and `cellwriter`: the writing helpers and the worksheet class they write with.
"""

from __future__ import annotations

from formkit.summary.kit import (
    EDITABLE_FILL,
    EXCLUDED_FILL,
    FONT,
    LINE_HEIGHT,
    Formats,
    SummaryData,
    Writer,
    excluded_line,
    excluded_summary,
    label,
    landscape,
    plain_table,
    put,
    sheet_title,
    table,
    total,
)

__all__ = [
    "EDITABLE_FILL",
    "EXCLUDED_FILL",
    "FONT",
    "LINE_HEIGHT",
    "Formats",
    "SummaryData",
    "Writer",
    "excluded_line",
    "excluded_summary",
    "label",
    "landscape",
    "plain_table",
    "put",
    "sheet_title",
    "table",
    "total",
]
