"""A spec's `[summary]`: the `SummaryLayout` (printed columns, charts, comparisons) and
how it is built from the spec's data; what it names is checked against the fields in
formkit.spec.model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from formkit.spec.base import (
    SpecError,
    id_list,
)


@dataclass(frozen=True)
class PrintedColumn:
    """A figure on the printed summary sheet: a field id (or "computed.<id>"), its header
    and its width in Excel's character units."""

    key: str
    header: str
    width: float


ChartKind = Literal["column", "line"]
ChartCategory = Literal["subject", "unit", "period"]


@dataclass(frozen=True)
class Chart:
    """A chart of the summary: one series per field, one category per subject (the
    applicant or base), per reporting unit, or per period (a time series of the totals)."""

    title: str
    kind: ChartKind
    series: tuple[str, ...]
    category: ChartCategory
    axis: str = ""  # the value axis' title (the unit)


@dataclass(frozen=True)
class Compare:
    """A periodic form's comparisons, recomputed from the other periods' files.

    `previous`: fields compared with the period before (环比: the quarter before, the fourth
    quarter of last year for a first quarter); `year_ago`: with the same period a year
    earlier (同比). A comparison counts the subjects with a usable value in both periods
    and names the others."""

    previous: tuple[str, ...] = ()
    year_ago: tuple[str, ...] = ()


@dataclass(frozen=True)
class SummaryLayout:
    """What a form's summary shows ([summary] in its spec). The engine writes what every
    form has from this; a form's parts (formkit.forms.SummaryPart) add what only it has."""

    # the workbook's title: {unit} is the reporting unit (or 全国), {year} the form's year,
    # {period} the period's own words (第二季度) for a periodic form
    title: str = "{unit}{year}年汇总表"
    # what one row is called in counts and notes ("申请数", "3 个申请的数值")
    item: str = "记录"
    # a column shown after the subject on the printed sheet (the 申报书's 申报类型)
    type_field: str | None = None
    group_by: tuple[str, ...] = ()
    totals: tuple[str, ...] = ()
    printed: tuple[PrintedColumn, ...] = ()
    # verdict columns and counts (审核结论: forms whose rules judge eligibility)
    verdicts: bool = False
    # per reporting unit: these fields totalled (the roll-up's 各推荐单位/各省 table)
    unit_table: tuple[str, ...] = ()
    charts: tuple[Chart, ...] = ()
    compare: Compare | None = None
    # repeatable tables listed on their own sheet, every subject's rows
    tables: tuple[str, ...] = ()
    # the 申报书's: the figure compared with the national total (占全国比重) and charted
    # against the region's threshold, the computed growth and the nation's growth (a
    # reference value, never the file's: no error of the file takes it out of a total)
    national_share: str | None = None
    threshold_field: str | None = None
    growth: str | None = None
    national_growth: str | None = None


_SUMMARY_KEYS = {
    "title",
    "item",
    "type_field",
    "group_by",
    "totals",
    "printed",
    "verdicts",
    "unit_table",
    "chart",
    "compare",
    "tables",
    "national_share",
    "threshold_field",
    "growth",
    "national_growth",
}


def build_summary(d: Any) -> SummaryLayout:
    """[summary] -> SummaryLayout; what it names is checked against the fields in _check."""
    where = "[summary]"
    if not isinstance(d, Mapping):
        raise SpecError(f"{where}: a table")
    if unknown := set(d) - _SUMMARY_KEYS:
        raise SpecError(f"{where}: unknown key(s) {sorted(unknown)}")
    printed = []
    for entry in d.get("printed", ()):
        ok = isinstance(entry, list | tuple) and len(entry) == 3
        if not ok or not isinstance(entry[2], int | float) or isinstance(entry[2], bool):
            raise SpecError(f"{where} printed: {entry!r} should be [field id, header, width]")
        printed.append(PrintedColumn(str(entry[0]), str(entry[1]), float(entry[2])))
    charts = []
    for c in d.get("chart", ()):
        cwhere = f"{where} chart {c.get('title', '')!r}"
        if unknown := set(c) - {"title", "kind", "series", "category", "axis"}:
            raise SpecError(f"{cwhere}: unknown key(s) {sorted(unknown)}")
        kind, category = c.get("kind", "column"), c.get("category", "subject")
        if kind not in ("column", "line"):
            raise SpecError(f"{cwhere}: kind is column or line, not {kind!r}")
        if category not in ("subject", "unit", "period"):
            raise SpecError(f"{cwhere}: category is subject, unit or period, not {category!r}")
        series = id_list(c, "series", cwhere)
        if not series or not str(c.get("title", "")).strip():
            raise SpecError(f"{cwhere}: a chart needs a title and at least one series")
        charts.append(Chart(str(c["title"]), kind, series, category, str(c.get("axis", ""))))
    compare = None
    if "compare" in d:
        cd = d["compare"]
        if not isinstance(cd, Mapping) or (unknown := set(cd) - {"previous", "year_ago"}):
            raise SpecError(f"{where} compare: only previous and year_ago (lists of field ids)")
        compare = Compare(
            id_list(cd, "previous", f"{where} compare"), id_list(cd, "year_ago", f"{where} compare")
        )
    optional = {
        k: (str(d[k]) if d.get(k) is not None else None)
        for k in ("type_field", "national_share", "threshold_field", "growth", "national_growth")
    }
    verdicts = d.get("verdicts", False)
    if not isinstance(verdicts, bool):
        raise SpecError(f"{where} verdicts: true or false")
    return SummaryLayout(
        title=str(d.get("title", SummaryLayout.title)),
        item=str(d.get("item", SummaryLayout.item)),
        group_by=id_list(d, "group_by", where),
        totals=id_list(d, "totals", where),
        printed=tuple(printed),
        verdicts=verdicts,
        unit_table=id_list(d, "unit_table", where),
        charts=tuple(charts),
        compare=compare,
        tables=id_list(d, "tables", where),
        **optional,
    )
