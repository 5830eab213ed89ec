"""Typed, frozen model of a form spec, and the checks run when one is loaded.

A spec is data (a TOML file beside this module); nothing here knows any field of a
particular form. Template, reader, validator and summaries take a `FormSpec`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from formkit.cells import Area, Cell, col_number, parse_area
from formkit.parse import SLIP_UNITS, UNITS, normalise_label

FieldType = Literal[
    "text", "phone", "email", "date", "integer", "decimal", "percent", "yesno", "choice", "group"
]
FIELD_TYPES: frozenset[str] = frozenset(FieldType.__args__)  # type: ignore[attr-defined]

SHEET_NAME_FORBIDDEN = set("[]:*?/\\")
EXCEL_SHEET_NAME_MAX = 31
EXCEL_INLINE_LIST_MAX = 255
EXCEL_CELL_TEXT_MAX = 32767
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class SpecError(ValueError):
    """A form spec that cannot be used: the message names the entry and the problem."""


@dataclass(frozen=True)
class Text:
    """Static text printed on a sheet (titles, headers, notes). Never an input."""

    area: Area
    text: str
    style: str


@dataclass(frozen=True)
class Sheet:
    id: str
    name: str
    widths: Mapping[int, float]
    heights: Mapping[int, float]
    orientation: Literal["portrait", "landscape"]
    repeat_rows: tuple[int, int] | None
    page_breaks: tuple[int, ...]
    copyable: bool
    texts: tuple[Text, ...]
    # printed after each input's label on this sheet (the 申报书's cover: "申请单位全称：")
    label_suffix: str = ""


@dataclass(frozen=True)
class Bound:
    """A plausibility bound on a number, declared in the spec with its source.

    Exactly one of: an absolute range (`min`/`max` in the field's unit); `per` another field
    (value ÷ that field, e.g. sales per enterprise); `ratio` to another field (both in base
    units of the same currency, e.g. assets ÷ sales); `national` figure of the year (value ≤
    `max_share` × the national figure, same currency).
    """

    source: str
    min: float | None = None
    max: float | None = None
    per: str | None = None
    ratio: str | None = None
    national: str | None = None
    max_share: float | None = None
    # the year of `national`: a column of the bound's table row (else the data year), or an
    # integer field of the form (a report's 报告年度; the bound is skipped while it is blank)
    year_from: str | None = None
    unit: str | None = None  # how the per/ratio quantity is shown, e.g. "亿元/个"
    severity: Literal["error", "warning"] = "warning"
    # 0 passes the bound: "none" is a fact ("没有的填 0"), never a slip
    allow_zero: bool = False

    @property
    def kind(self) -> str:
        return (
            "national"
            if self.national
            else "per"
            if self.per
            else ("ratio" if self.ratio else "range")
        )


@dataclass(frozen=True)
class RequiredWhen:
    field: str
    equals: str


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    type: FieldType
    sheet: str
    area: Area
    label_cell: Cell | None = None
    label_occurrence: int = 1
    unit: str | None = None
    required: bool = False
    required_when: RequiredWhen | None = None
    choices: tuple[str, ...] = ()
    choices_from: str | None = None
    # a text field's drop-down of suggestions (`suggest_from`): any other text is accepted
    suggestions: tuple[str, ...] = ()
    clause: str | None = None
    clause_cell: Area | None = None
    note_cell: Area | None = None
    hint: str | None = None
    signed: bool = False
    wrap: bool = False
    dropdown: Literal["range", "inline"] = "range"
    items: tuple[Field, ...] = ()
    # column header in summaries, where the verbatim label is long or not unique
    column_label: str | None = None
    # text: at most this many characters (the template's length check, a validation issue)
    max_length: int | None = None
    # date: the years a value may fall in, relative to the form's year (first, last)
    date_window: tuple[int, int] = (-1, 0)
    bounds: tuple[Bound, ...] = ()
    slips: tuple[str, ...] = ()

    @property
    def header(self) -> str:
        return self.column_label or self.label

    @property
    def cell(self) -> Cell:
        """Where the value lives (first cell of a merge)."""
        return self.area.first

    @property
    def part(self) -> Literal["A", "B"]:
        return "B" if self.clause else "A"


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    type: FieldType
    first_col: int
    last_col: int
    unit: str | None = None
    fixed: bool = False
    computed: str | None = None
    choices: tuple[str, ...] = ()
    # a row may leave it blank without being "incomplete"
    optional: bool = False
    bounds: tuple[Bound, ...] = ()
    slips: tuple[str, ...] = ()

    @property
    def computed_from(self) -> str | None:
        """Column id a computed growth column derives from ("growth(x)" -> "x")."""
        if self.computed is None:
            return None
        m = re.fullmatch(r"growth\((\w+)\)", self.computed)
        return m.group(1) if m else None


@dataclass(frozen=True)
class Table:
    id: str
    label: str
    sheet: str
    blocks: tuple[Area, ...]
    header_row: int
    columns: tuple[Column, ...]
    clause: str | None = None
    end_label: str | None = None
    fixed_rows: str | None = None

    @property
    def area(self) -> Area:
        """The whole block range the table's defined name covers."""
        first = self.blocks[0].first
        last = self.blocks[-1].last
        return Area(first, last)

    @property
    def input_rows(self) -> tuple[int, ...]:
        return tuple(r for b in self.blocks for r in b.rows)

    def column(self, col_id: str) -> Column:
        for c in self.columns:
            if c.id == col_id:
                return c
        raise KeyError(col_id)

    @property
    def input_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.fixed and c.computed is None)


@dataclass(frozen=True)
class Roles:
    """What the engine needs to know about a form's fields, by role ([roles] in the spec):
    whose file it is, about whom, when it was filled and which period it reports on."""

    unit: str  # the reporting unit (推荐单位 / 所在省): a field whose values are reference units
    subject: str  # who the file is about (the applicant, the base): one file per subject
    date: str | None = None  # the 填报日期: of two versions, the later date is the newer
    locality: str | None = None  # the 申报书's 所在城市: shown beside the unit
    # the fields naming the period a file reports on (year, quarter); none: one per round
    period: tuple[str, ...] = ()
    # the application's own id as the file states it (a report names the base's 申报书)
    origin: str | None = None
    # what sheets call the two (推荐单位 / 申请单位; 所在省 / 基地)
    unit_label: str = "推荐单位"
    subject_label: str = "申请单位"


@dataclass(frozen=True)
class RosterColumn:
    """One column of a roster file ([[roster.column]]): the field it fills, its header."""

    field: str
    header: str  # the header formkit writes and names in its messages
    aliases: tuple[str, ...] = ()  # other headers accepted (the field id and label always are)
    required: bool = False
    locked: bool = True  # written locked in the distributed copy
    width: float = 12  # the widest the column gets in the 催报 workbook (characters)


@dataclass(frozen=True)
class RosterDeadline:
    """A periodic form's default deadline: `day` of the month `months_after` the period's
    last month (the day capped at the month's end); `source` says where it comes from."""

    months_after: int
    day: int
    source: str


@dataclass(frozen=True)
class RosterSpec:
    """A form's roster ([roster]): the columns a roster file has, and, for a report form,
    which application fields feed a roster drawn from the application round."""

    columns: tuple[RosterColumn, ...] = ()
    # this form's field id -> the application's field id (`formkit roster`)
    from_application: Mapping[str, str] = field(default_factory=dict)
    # the form whose applications `from_application` reads (default: the default form)
    source_form: str | None = None
    # a periodic form's default deadline (formkit status), counted from the period's end
    deadline: RosterDeadline | None = None
    # a column the application leaves empty -> what it is then (a 新申报 names no existing
    # base's type: a new base's type is 其他出口创新基地, as the report form's hint says)
    otherwise: Mapping[str, str] = field(default_factory=dict)

    def column(self, field_id: str) -> RosterColumn | None:
        return next((c for c in self.columns if c.field == field_id), None)


@dataclass(frozen=True)
class RegisterSpec:
    """[register]: what an approved application tells the register of recognised bases
    (formkit bases, formkit/bases/) beyond its roles (unit, subject, locality): the
    field of industry it works in, how it was recognised (新认定, or 重新认定 of a base
    named in `recertifies`)."""

    domain: str | None = None  # the field the base works in (重点领域)
    recognition: str | None = None  # the field whose value says how it is recognised
    # that field's values -> 新认定 / 重新认定
    recognition_values: Mapping[str, str] = field(default_factory=dict)
    # the fields naming the base a 重新认定 re-certifies, joined in this order
    recertifies: tuple[str, ...] = ()


RECOGNITIONS = ("新认定", "重新认定")


@dataclass(frozen=True)
class EvaluationFigure:
    """One figure formkit evaluate (定期评估) follows per base and year ([[evaluation.figure]]).

    `id` pairs the forms that report it (the 季度数据报表's cumulative at the fourth quarter
    and the 年度工作报告's year); `field` is the year's value (so far); `period_field` the
    period's own value, for a base's series; `growth` the reported 同比 of `field`;
    `national` the reference's national figure of the same kind (its growth and the base's
    share of it); `goal` marks the figure of the notice's goal share (一); `watch` a figure
    whose decline is flagged for a person."""

    id: str
    label: str
    field: str
    period_field: str | None = None
    growth: str | None = None
    national: str | None = None
    goal: bool = False
    watch: bool = False


@dataclass(frozen=True)
class EvaluationSpec:
    """[evaluation]: a report form's figures for formkit evaluate, and its table of key
    enterprises (whose names are followed from period to period)."""

    figures: tuple[EvaluationFigure, ...] = ()
    enterprises: str | None = None  # a table of the form
    enterprise_name: str | None = None  # its column holding the enterprise's name


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


@dataclass(frozen=True)
class FormSpec:
    id: str
    version: str
    compatible_versions: tuple[str, ...]
    title: str
    source: str
    default_year: int
    history_years: int
    sheets: tuple[Sheet, ...]
    fields: tuple[Field, ...]
    tables: tuple[Table, ...]
    # the blank template's default file name, without extension (default: the form id)
    file_name: str | None = None
    # what the template's year is called (the 申报书's 申报年度; a report's 报告年度)
    year_label: str = "申报年度"
    # what the summaries show, group and total by ([summary] in the spec file)
    summary: SummaryLayout = field(default_factory=SummaryLayout)
    # units the spec declares beyond formkit's own ([units])
    units: Mapping[str, tuple[str, float]] = field(default_factory=dict)
    roles: Roles = field(default_factory=lambda: Roles(unit="", subject=""))
    roster: RosterSpec = field(default_factory=RosterSpec)
    # the register of recognised bases and the 定期评估 (formkit bases, formkit evaluate)
    register: RegisterSpec | None = None
    evaluation: EvaluationSpec | None = None
    _by_id: Mapping[str, Field | Table] = field(default_factory=dict, repr=False, compare=False)

    def sheet(self, sheet_id: str) -> Sheet:
        for s in self.sheets:
            if s.id == sheet_id:
                return s
        raise KeyError(sheet_id)

    def field(self, field_id: str) -> Field:
        f = self._by_id[field_id]
        if not isinstance(f, Field):
            raise KeyError(field_id)
        return f

    def table(self, table_id: str) -> Table:
        t = self._by_id[table_id]
        if not isinstance(t, Table):
            raise KeyError(table_id)
        return t

    @property
    def ids(self) -> tuple[str, ...]:
        """Every top-level id, in form order (Part A then Part B)."""
        return tuple(self._by_id)

    def render(self, text: str, year: int) -> str:
        """Fill {year} and {data_year} in a spec text for one reporting year."""
        return text.replace("{year}", str(year)).replace("{data_year}", str(year - 1))

    def data_years(self, year: int) -> tuple[int, ...]:
        """The history rows' years for a reporting year, oldest first."""
        return tuple(range(year - self.history_years, year))

    def defined_names(self) -> Iterator[tuple[str, str, Area]]:
        """(name, sheet id, area) for every input cell, table, table column and group item.

        Convention: a field's name is its id; a table's name covers its whole block range;
        each table column is `<table>__<column>`; each group item is `<field>__<item>`.
        """
        for entry in self._by_id.values():
            if isinstance(entry, Field):
                yield entry.id, entry.sheet, entry.area
                for item in entry.items:
                    yield f"{entry.id}__{item.id}", entry.sheet, item.area
            else:
                yield entry.id, entry.sheet, entry.area
                for c in entry.columns:
                    yield (
                        f"{entry.id}__{c.id}",
                        entry.sheet,
                        Area(
                            Cell(entry.area.first.row, c.first_col),
                            Cell(entry.area.last.row, c.first_col),
                        ),
                    )


# ---------------------------------------------------------------- building from data


def build(data: Mapping[str, Any], choice_sources: Mapping[str, tuple[str, ...]]) -> FormSpec:
    """Turn parsed spec data into a checked FormSpec, or raise SpecError saying what is wrong."""
    form = _req(data, "form", "spec")
    units = declare_units(data.get("units"))
    sheets = tuple(_sheet(s) for s in data.get("sheet", []))
    sheet_ids = {s.id for s in sheets}
    fields = tuple(_field(f, choice_sources, sheet_ids) for f in data.get("field", []))
    tables = tuple(_table(t, sheet_ids) for t in data.get("table", []))

    by_id: dict[str, Field | Table] = {}
    # form order: by sheet order, then by position on the sheet
    order = {s.id: i for i, s in enumerate(sheets)}
    entries: list[Field | Table] = [*fields, *tables]
    entries.sort(key=lambda e: (order[e.sheet], e.area.first.row, e.area.first.col))
    for e in entries:
        if e.id in by_id:
            raise SpecError(f"duplicate id {e.id!r}")
        by_id[e.id] = e

    spec = FormSpec(
        id=str(_req(form, "id", "form")),
        version=str(_req(form, "version", "form")),
        compatible_versions=tuple(form.get("compatible_versions", [form["version"]])),
        title=str(_req(form, "title", "form")),
        source=str(form.get("source", "")),
        default_year=int(_req(form, "default_year", "form")),
        history_years=int(form.get("history_years", 3)),
        sheets=sheets,
        fields=tuple(e for e in by_id.values() if isinstance(e, Field)),
        tables=tuple(e for e in by_id.values() if isinstance(e, Table)),
        file_name=form.get("file_name"),
        year_label=str(form.get("year_label", "申报年度")),
        summary=_summary(data.get("summary", {})),
        roles=_roles(data.get("roles")),
        units=units,
        roster=_roster(data.get("roster")),
        register=_register(data.get("register")),
        evaluation=_evaluation(data.get("evaluation")),
        _by_id=by_id,
    )
    _check(spec)
    return spec


def _req(d: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in d:
        raise SpecError(f"{where}: missing {key!r}")
    return d[key]


def _area(value: Any, where: str) -> Area:
    try:
        return parse_area(str(value))
    except ValueError as exc:
        raise SpecError(f"{where}: {exc}") from None


def _rows(value: str, where: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d+):(\d+)", value)
    if not m:
        raise SpecError(f"{where}: repeat_rows must look like '1:2', got {value!r}")
    return int(m.group(1)), int(m.group(2))


def _sheet(d: Mapping[str, Any]) -> Sheet:
    sid = str(_req(d, "id", "sheet"))
    where = f"sheet {sid!r}"
    name = str(_req(d, "name", where))
    if len(name) > EXCEL_SHEET_NAME_MAX:
        raise SpecError(
            f"{where}: name {name!r} is longer than Excel's {EXCEL_SHEET_NAME_MAX} characters"
        )
    if SHEET_NAME_FORBIDDEN & set(name) or name.startswith("'") or name.endswith("'"):
        raise SpecError(f"{where}: name {name!r} has a character Excel forbids in sheet names")
    orientation = d.get("orientation", "portrait")
    if orientation not in ("portrait", "landscape"):
        raise SpecError(f"{where}: orientation must be portrait or landscape")
    texts = tuple(
        Text(_area(t["cell"], where), str(t["text"]), str(t.get("style", "label")))
        for t in d.get("text", [])
    )
    return Sheet(
        id=sid,
        name=name,
        widths={col_number(k): float(v) for k, v in d.get("widths", {}).items()},
        heights={int(k): float(v) for k, v in d.get("heights", {}).items()},
        orientation=orientation,
        repeat_rows=_rows(d["repeat_rows"], where) if "repeat_rows" in d else None,
        page_breaks=tuple(int(x) for x in d.get("page_breaks", [])),
        copyable=bool(d.get("copyable", False)),
        texts=texts,
        label_suffix=str(d.get("label_suffix", "")),
    )


def _type(value: Any, where: str) -> FieldType:
    if value not in FIELD_TYPES:
        raise SpecError(
            f"{where}: unknown type {value!r} (known: {', '.join(sorted(FIELD_TYPES))})"
        )
    return value  # type: ignore[no-any-return]


def declare_units(data: Any) -> dict[str, tuple[str, float]]:
    """A spec's own units ([units] 万吨 = ["water", 10000]): kind and multiplier against
    the kind's base unit. A unit keeps one meaning across every form. Also run for a form
    registered in a worker process, whose spec arrives already built."""
    declared = {}
    for name, entry in dict(data or {}).items():
        ok = isinstance(entry, list | tuple) and len(entry) == 2
        if not ok or not isinstance(entry[1], int | float) or entry[1] <= 0:
            raise SpecError(f"[units] {name}: should be [kind, multiplier > 0]")
        unit = (str(entry[0]), float(entry[1]))
        if UNITS.get(name, unit) != unit:
            raise SpecError(f"[units] {name}: already means {UNITS[name]}, not {unit}")
        UNITS[name] = declared[name] = unit
    return declared


def _unit(value: Any, ftype: str, where: str) -> str | None:
    if value is None:
        if ftype in ("decimal",):
            raise SpecError(f"{where}: a decimal needs a unit")
        return None
    if value not in UNITS:
        raise SpecError(f"{where}: unknown unit {value!r}")
    return str(value)


def _field(
    d: Mapping[str, Any],
    choice_sources: Mapping[str, tuple[str, ...]],
    sheet_ids: set[str],
    parent: Mapping[str, Any] | None = None,
) -> Field:
    fid = str(_req(d, "id", "field"))
    where = f"field {fid!r}"
    if not _ID_RE.match(fid):
        raise SpecError(f"{where}: ids are lower-case letters, digits and '_'")
    ftype = _type(_req(d, "type", where), where)
    sheet = str(d.get("sheet", parent["sheet"] if parent else ""))
    if sheet not in sheet_ids:
        raise SpecError(f"{where}: unknown sheet {sheet!r}")
    choices: tuple[str, ...] = tuple(str(c) for c in d.get("choices", ()))
    choices_from = d.get("choices_from")
    if choices_from is not None:
        if choices_from not in choice_sources:
            raise SpecError(f"{where}: unknown choice source {choices_from!r}")
        choices = choice_sources[choices_from]
    suggestions: tuple[str, ...] = ()
    suggest_from = d.get("suggest_from")
    if suggest_from is not None:
        if ftype != "text":
            raise SpecError(f"{where}: suggest_from is for a text field (a choice has choices)")
        if suggest_from not in choice_sources:
            raise SpecError(f"{where}: unknown choice source {suggest_from!r}")
        suggestions = choice_sources[suggest_from]
    if ftype == "yesno":
        choices = ("是", "否")
    if ftype == "choice" and not choices:
        raise SpecError(f"{where}: a choice field needs a non-empty choice list")
    if len(set(choices)) != len(choices):
        raise SpecError(f"{where}: duplicate entries in the choice list")
    dropdown = d.get("dropdown", "range")
    if dropdown == "inline" and len(",".join(choices)) > EXCEL_INLINE_LIST_MAX:
        raise SpecError(
            f"{where}: an inline drop-down list over {EXCEL_INLINE_LIST_MAX} characters "
            "is cut by Excel; "
            "use dropdown = 'range'"
        )
    rw = d.get("required_when")
    max_length = d.get("max_length")
    if max_length is not None and (
        ftype != "text" or not 0 < int(max_length) <= EXCEL_CELL_TEXT_MAX
    ):
        raise SpecError(
            f"{where}: max_length is for text, between 1 and {EXCEL_CELL_TEXT_MAX} (Excel's limit)"
        )
    window = d.get("date_window", (-1, 0))
    if len(window) != 2 or int(window[0]) > int(window[1]):
        raise SpecError(f"{where}: date_window must be [first, last] years relative to the form's")
    items = tuple(_field(i, choice_sources, sheet_ids, parent=d) for i in d.get("item", []))
    if ftype == "group" and not items:
        raise SpecError(f"{where}: a group needs items")
    return Field(
        id=fid,
        label=str(_req(d, "label", where)),
        type=ftype,
        sheet=sheet,
        area=_area(_req(d, "cell", where), where),
        label_cell=_area(d["label_cell"], where).first if "label_cell" in d else None,
        label_occurrence=int(d.get("label_occurrence", 1)),
        unit=_unit(d.get("unit"), ftype, where),
        required=bool(d.get("required", False)),
        required_when=RequiredWhen(str(rw["field"]), str(rw["equals"])) if rw else None,
        choices=choices,
        choices_from=choices_from,
        suggestions=suggestions,
        clause=d.get("clause"),
        clause_cell=_area(d["clause_cell"], where) if "clause_cell" in d else None,
        note_cell=_area(d["note_cell"], where) if "note_cell" in d else None,
        hint=d.get("hint"),
        signed=bool(d.get("signed", False)),
        wrap=bool(d.get("wrap", False)),
        dropdown=dropdown,
        items=items,
        column_label=d.get("column_label"),
        max_length=int(max_length) if max_length is not None else None,
        date_window=(int(window[0]), int(window[1])),
        bounds=_bounds(d, ftype, where),
        slips=_slips(d, where),
    )


_BOUND_KEYS = {
    "source",
    "min",
    "max",
    "per",
    "ratio",
    "national",
    "max_share",
    "year_from",
    "unit",
    "severity",
    "allow_zero",
}


def _bounds(d: Mapping[str, Any], ftype: str, where: str) -> tuple[Bound, ...]:
    out = []
    for b in d.get("bound", []):
        if unknown := set(b) - _BOUND_KEYS:
            raise SpecError(f"{where}: unknown bound key(s) {sorted(unknown)}")
        if ftype not in ("integer", "decimal", "percent"):
            raise SpecError(f"{where}: bounds apply to numbers only")
        if not str(b.get("source", "")).strip():
            raise SpecError(f"{where}: every bound names its source")
        kinds = [k for k in ("per", "ratio", "national") if k in b]
        if len(kinds) > 1:
            raise SpecError(f"{where}: a bound is one of per / ratio / national")
        if "national" in b and "max_share" not in b:
            raise SpecError(f"{where}: a national bound needs max_share")
        if "national" not in b and "min" not in b and "max" not in b:
            raise SpecError(f"{where}: a bound needs min or max")
        severity = b.get("severity", "warning")
        if severity not in ("error", "warning"):
            raise SpecError(f"{where}: bound severity is error or warning")
        out.append(
            Bound(
                source=str(b["source"]),
                min=float(b["min"]) if "min" in b else None,
                max=float(b["max"]) if "max" in b else None,
                per=b.get("per"),
                ratio=b.get("ratio"),
                national=b.get("national"),
                max_share=float(b["max_share"]) if "max_share" in b else None,
                year_from=b.get("year_from"),
                unit=b.get("unit"),
                severity=severity,
                allow_zero=bool(b.get("allow_zero", False)),
            )
        )
    return tuple(out)


def _slips(d: Mapping[str, Any], where: str) -> tuple[str, ...]:
    slips = tuple(str(u) for u in d.get("slips", ()))
    for u in slips:
        if u not in SLIP_UNITS:
            raise SpecError(f"{where}: unknown slip unit {u!r}")
        unit = d.get("unit")
        if unit is None or SLIP_UNITS[u][0] != UNITS[unit][0] or u == unit:
            raise SpecError(f"{where}: slip unit {u!r} is not another unit of {unit!r}")
    return slips


def _table(d: Mapping[str, Any], sheet_ids: set[str]) -> Table:
    tid = str(_req(d, "id", "table"))
    where = f"table {tid!r}"
    if not _ID_RE.match(tid):
        raise SpecError(f"{where}: ids are lower-case letters, digits and '_'")
    sheet = str(_req(d, "sheet", where))
    if sheet not in sheet_ids:
        raise SpecError(f"{where}: unknown sheet {sheet!r}")
    columns = []
    for c in _req(d, "column", where):
        cid = str(_req(c, "id", where))
        cwhere = f"{where} column {cid!r}"
        ctype = _type(_req(c, "type", cwhere), cwhere)
        cchoices = ("是", "否") if ctype == "yesno" else tuple(str(x) for x in c.get("choices", ()))
        if ctype == "choice" and not cchoices:
            raise SpecError(f"{cwhere}: a choice column needs a non-empty choice list")
        span = str(_req(c, "cell", cwhere)).split(":")
        try:
            first, last = col_number(span[0]), col_number(span[-1])
        except ValueError as exc:
            raise SpecError(f"{cwhere}: {exc}") from None
        columns.append(
            Column(
                id=cid,
                label=str(_req(c, "label", cwhere)),
                type=ctype,
                first_col=first,
                last_col=last,
                unit=_unit(c.get("unit"), ctype, cwhere),
                fixed=bool(c.get("fixed", False)),
                computed=c.get("computed"),
                choices=cchoices,
                optional=bool(c.get("optional", False)),
                bounds=_bounds(c, ctype, cwhere),
                slips=_slips(c, cwhere),
            )
        )
    ids = [c.id for c in columns]
    if len(set(ids)) != len(ids):
        raise SpecError(f"{where}: duplicate column ids")
    blocks = tuple(_area(b, where) for b in _req(d, "blocks", where))
    if not blocks:
        raise SpecError(f"{where}: needs at least one block")
    return Table(
        id=tid,
        label=str(_req(d, "label", where)),
        sheet=sheet,
        blocks=blocks,
        header_row=int(_req(d, "header_row", where)),
        columns=tuple(columns),
        clause=d.get("clause"),
        end_label=d.get("end_label"),
        fixed_rows=d.get("fixed_rows"),
    )


def _roles(data: Any) -> Roles:
    if data is None:
        return Roles(unit="", subject="")
    try:
        return Roles(
            unit=str(data["unit"]),
            subject=str(data["subject"]),
            date=data.get("date"),
            locality=data.get("locality"),
            period=tuple(data.get("period", ())),
            origin=data.get("origin"),
            unit_label=str(data.get("unit_label", "推荐单位")),
            subject_label=str(data.get("subject_label", "申请单位")),
        )
    except (KeyError, TypeError) as exc:
        raise SpecError(f"[roles]: {exc} (unit and subject are required)") from None


def _roster(data: Any) -> RosterSpec:
    if data is None:
        return RosterSpec()
    if not isinstance(data, Mapping):
        raise SpecError("[roster]: should be a table")
    unknown = set(data) - {"column", "from_application", "source_form", "deadline", "otherwise"}
    if unknown:
        raise SpecError(f"[roster]: unknown key(s) {sorted(unknown)}")
    cols = []
    for i, c in enumerate(data.get("column", []), start=1):
        where = f"[[roster.column]] {i}"
        extra = set(c) - {"field", "header", "aliases", "required", "locked", "width"}
        if extra:
            raise SpecError(f"{where}: unknown key(s) {sorted(extra)}")
        cols.append(
            RosterColumn(
                field=str(_req(c, "field", where)),
                header=str(_req(c, "header", where)),
                aliases=tuple(str(a) for a in c.get("aliases", ())),
                required=bool(c.get("required", False)),
                locked=bool(c.get("locked", True)),
                width=float(c.get("width", 12)),
            )
        )
    feed = data.get("from_application", {})
    if not isinstance(feed, Mapping):
        raise SpecError("[roster] from_application: should map field ids to field ids")
    app = data.get("source_form")
    due = data.get("deadline")
    deadline = None
    if due is not None:
        try:
            deadline = RosterDeadline(int(due["months_after"]), int(due["day"]), str(due["source"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise SpecError(f"[roster] deadline: {exc} (months_after, day, source)") from None
        if not 1 <= deadline.day <= 31 or not 0 <= deadline.months_after <= 12:
            raise SpecError("[roster] deadline: day is 1-31, months_after 0-12")
    otherwise = data.get("otherwise", {})
    if not isinstance(otherwise, Mapping):
        raise SpecError("[roster] otherwise: should map field ids to values")
    return RosterSpec(
        columns=tuple(cols),
        from_application={str(k): str(v) for k, v in feed.items()},
        source_form=None if app is None else str(app),
        deadline=deadline,
        otherwise={str(k): str(v) for k, v in otherwise.items()},
    )


def _check_roster(spec: FormSpec) -> None:
    cols = spec.roster.columns
    if not cols:
        return
    seen: set[str] = set()
    headers: set[str] = set()
    for c in cols:
        if c.field not in spec._by_id or not isinstance(spec._by_id[c.field], Field):
            raise SpecError(f"[roster] column: unknown field {c.field!r}")
        if c.field in seen:
            raise SpecError(f"[roster] column: {c.field!r} listed twice")
        seen.add(c.field)
        for h in (c.header, *c.aliases):
            if h.casefold() in headers:
                raise SpecError(f"[roster] column {c.field!r}: header {h!r} used twice")
            headers.add(h.casefold())
    for role, named in (("unit", spec.roles.unit), ("subject", spec.roles.subject)):
        col = spec.roster.column(named)
        if col is None or not col.required:
            raise SpecError(f"[roster]: the {role} ({named!r}) must be a required column")
    for named in spec.roles.period:
        if named in seen:
            raise SpecError(f"[roster]: the period field {named!r} is set by distribute")
    if spec.roster.deadline is not None and not spec.roles.period:
        raise SpecError("[roster] deadline: only a periodic form ([roles] period) has one")
    for target in spec.roster.from_application:
        if target not in seen:
            raise SpecError(f"[roster] from_application: {target!r} is not a roster column")
    for target, value in spec.roster.otherwise.items():
        if target not in spec.roster.from_application:
            raise SpecError(f"[roster] otherwise: {target!r} is not fed from the application")
        choices = getattr(spec._by_id[target], "choices", None)
        if choices and value not in choices:
            raise SpecError(f"[roster] otherwise: {value!r} is not one of {target!r}'s choices")


def _register(data: Any) -> RegisterSpec | None:
    if data is None:
        return None
    where = "[register]"
    if not isinstance(data, Mapping):
        raise SpecError(f"{where}: should be a table")
    if unknown := set(data) - {"domain", "recognition", "recognition_values", "recertifies"}:
        raise SpecError(f"{where}: unknown key(s) {sorted(unknown)}")
    values = data.get("recognition_values", {})
    if not isinstance(values, Mapping) or not all(v in RECOGNITIONS for v in values.values()):
        raise SpecError(f"{where} recognition_values: each value is one of {RECOGNITIONS}")
    return RegisterSpec(
        domain=None if data.get("domain") is None else str(data["domain"]),
        recognition=None if data.get("recognition") is None else str(data["recognition"]),
        recognition_values={str(k): str(v) for k, v in values.items()},
        recertifies=_names(data, "recertifies", where),
    )


_FIGURE_KEYS = {"id", "label", "field", "period_field", "growth", "national", "goal", "watch"}


def _evaluation(data: Any) -> EvaluationSpec | None:
    if data is None:
        return None
    where = "[evaluation]"
    if not isinstance(data, Mapping):
        raise SpecError(f"{where}: should be a table")
    if unknown := set(data) - {"figure", "enterprises", "enterprise_name"}:
        raise SpecError(f"{where}: unknown key(s) {sorted(unknown)}")
    figures = []
    for i, f in enumerate(data.get("figure", []), start=1):
        fwhere = f"[[evaluation.figure]] {i}"
        if not isinstance(f, Mapping) or (unknown := set(f) - _FIGURE_KEYS):
            raise SpecError(f"{fwhere}: unknown key(s) {sorted(unknown or ())}")
        optional = {k: (None if f.get(k) is None else str(f[k])) for k in _FIGURE_KEYS}
        flags = {k: f.get(k, False) for k in ("goal", "watch")}
        if not all(isinstance(v, bool) for v in flags.values()):
            raise SpecError(f"{fwhere}: goal and watch are true or false")
        figures.append(
            EvaluationFigure(
                id=str(_req(f, "id", fwhere)),
                label=str(_req(f, "label", fwhere)),
                field=str(_req(f, "field", fwhere)),
                period_field=optional["period_field"],
                growth=optional["growth"],
                national=optional["national"],
                **flags,
            )
        )
    ids = [f.id for f in figures]
    if len(set(ids)) != len(ids):
        raise SpecError(f"{where}: a figure id is listed twice")
    if sum(f.goal for f in figures) > 1:
        raise SpecError(f"{where}: at most one figure is the goal's (goal = true)")
    return EvaluationSpec(
        figures=tuple(figures),
        enterprises=None if data.get("enterprises") is None else str(data["enterprises"]),
        enterprise_name=(
            None if data.get("enterprise_name") is None else str(data["enterprise_name"])
        ),
    )


def _check_tracking(spec: FormSpec) -> None:
    """[register] and [evaluation] name fields of the form: of the right kind."""
    numeric = {f.id for f in spec.fields if f.type in ("integer", "decimal", "percent")}
    reg = spec.register
    if reg is not None:
        for role, named in (("domain", reg.domain), ("recognition", reg.recognition)):
            if named is not None and not isinstance(spec._by_id.get(named), Field):
                raise SpecError(f"[register] {role}: unknown field {named!r}")
        for named in reg.recertifies:
            if not isinstance(spec._by_id.get(named), Field):
                raise SpecError(f"[register] recertifies: unknown field {named!r}")
        if reg.recognition is not None:
            choices = spec.field(reg.recognition).choices
            if unknown := sorted(set(reg.recognition_values) - set(choices)):
                raise SpecError(
                    f"[register] recognition_values: not choices of the field {unknown}"
                )
    ev = spec.evaluation
    if ev is None:
        return
    for f in ev.figures:
        for role, named in (("field", f.field), ("period_field", f.period_field)):
            if named is not None and named not in numeric:
                raise SpecError(f"[[evaluation.figure]] {f.id} {role}: {named!r} is not a number")
        if f.growth is not None and f.growth not in numeric:
            raise SpecError(f"[[evaluation.figure]] {f.id} growth: {f.growth!r} is not a number")
    if ev.enterprises is not None:
        table = spec._by_id.get(ev.enterprises)
        if not isinstance(table, Table):
            raise SpecError(f"[evaluation] enterprises: {ev.enterprises!r} is not a table")
        if ev.enterprise_name not in {c.id for c in table.columns}:
            raise SpecError(
                f"[evaluation] enterprise_name: {ev.enterprise_name!r} is not a column of it"
            )


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


def _names(d: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = d.get(key, ())
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise SpecError(f"{where} {key}: a list of field ids")
    return tuple(value)


def _summary(d: Any) -> SummaryLayout:
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
        series = _names(c, "series", cwhere)
        if not series or not str(c.get("title", "")).strip():
            raise SpecError(f"{cwhere}: a chart needs a title and at least one series")
        charts.append(Chart(str(c["title"]), kind, series, category, str(c.get("axis", ""))))
    compare = None
    if "compare" in d:
        cd = d["compare"]
        if not isinstance(cd, Mapping) or (unknown := set(cd) - {"previous", "year_ago"}):
            raise SpecError(f"{where} compare: only previous and year_ago (lists of field ids)")
        compare = Compare(
            _names(cd, "previous", f"{where} compare"), _names(cd, "year_ago", f"{where} compare")
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
        group_by=_names(d, "group_by", where),
        totals=_names(d, "totals", where),
        printed=tuple(printed),
        verdicts=verdicts,
        unit_table=_names(d, "unit_table", where),
        charts=tuple(charts),
        compare=compare,
        tables=_names(d, "tables", where),
        **optional,
    )


def _check_summary(spec: FormSpec) -> None:
    s = spec.summary
    numeric = {f.id for f in spec.fields if f.type in ("integer", "decimal", "percent")}
    computed = {f"computed.{k}" for k in spec._by_id}

    def known(role: str, named: str | None, *, number: bool = False) -> None:
        if named is None:
            return
        if named.removeprefix("computed.") not in spec._by_id:
            raise SpecError(f"[summary] {role}: unknown field {named!r}")
        if number and named not in numeric and named not in computed:
            raise SpecError(f"[summary] {role}: {named!r} is not a number")

    known("type_field", s.type_field)
    for named in s.group_by:
        known("group_by", named)
    for role, names in (("totals", s.totals), ("unit_table", s.unit_table)):
        for named in names:
            known(role, named, number=True)
    for p in s.printed:
        known("printed", p.key)
    for c in s.charts:
        for named in c.series:
            known(f"chart {c.title!r}", named, number=True)
        if c.category == "period" and not spec.roles.period:
            raise SpecError(f"[summary] chart {c.title!r}: by period, but the form has none")
    if s.compare is not None:
        if not spec.roles.period:
            raise SpecError("[summary] compare: the form has no period ([roles] period)")
        for named in (*s.compare.previous, *s.compare.year_ago):
            known("compare", named, number=True)
    for t in s.tables:
        if not isinstance(spec._by_id.get(t), Table):
            raise SpecError(f"[summary] tables: {t!r} is not a table of the form")
    # growth and national_growth name values the form's rules compute (Submission.computed)
    known("national_share", s.national_share, number=True)
    known("threshold_field", s.threshold_field, number=True)
    if "{unit}" not in s.title or "{year}" not in s.title:
        raise SpecError("[summary] title: must hold {unit} and {year}")


def _check(spec: FormSpec) -> None:
    _check_roster(spec)
    names = [s.name for s in spec.sheets]
    if len({n.casefold() for n in names}) != len(names):
        raise SpecError("two sheets share a name (Excel compares names case-insensitively)")
    # no two inputs on the same cell
    taken: dict[tuple[str, Cell], str] = {}
    for name, sheet, area in spec.defined_names():
        if "__" in name:
            continue
        for r in area.rows:
            for col in area.cols:
                key = (sheet, Cell(r, col))
                if key in taken:
                    raise SpecError(f"{name!r} overlaps {taken[key]!r} at {Cell(r, col).a1}")
                taken[key] = name
    for t in spec.tables:
        for c in t.columns:
            if c.computed is not None:
                src = c.computed_from
                if src is None or src not in {x.id for x in t.columns}:
                    raise SpecError(
                        f"table {t.id!r} column {c.id!r}: unknown computation {c.computed!r}"
                    )
        if t.fixed_rows is not None and t.fixed_rows != "history_years":
            raise SpecError(f"table {t.id!r}: unknown fixed_rows {t.fixed_rows!r}")
        if t.fixed_rows == "history_years" and len(t.input_rows) != spec.history_years:
            raise SpecError(f"table {t.id!r}: needs exactly {spec.history_years} rows")
    if spec.roles.unit or spec.roles.subject:
        roles = spec.roles
        for role, named in (
            ("unit", roles.unit),
            ("subject", roles.subject),
            ("date", roles.date),
            ("locality", roles.locality),
            ("origin", roles.origin),
            *(("period", p) for p in roles.period),
        ):
            if named and named not in spec._by_id:
                raise SpecError(f"[roles] {role}: unknown field {named!r}")
    _check_summary(spec)
    _check_tracking(spec)
    _check_labels(spec)
    numeric = {f.id for f in spec.fields if f.type in ("integer", "decimal")}
    years = {f.id for f in spec.fields if f.type == "integer"}
    bounded = [(f.id, f.bounds, None) for f in spec.fields] + [
        (f"{t.id}.{c.id}", c.bounds, t) for t in spec.tables for c in t.columns
    ]
    for name, bounds, table in bounded:
        for b in bounds:
            for ref in (b.per, b.ratio):
                if ref is not None and ref not in numeric:
                    raise SpecError(f"{name}: bound refers to unknown numeric field {ref!r}")
            columns = {c.id for c in table.columns} if table is not None else set()
            if b.year_from is not None and b.year_from not in columns | years:
                raise SpecError(
                    f"{name}: year_from {b.year_from!r} is neither a column of its table "
                    "nor an integer field"
                )
    for f in spec.fields:
        if f.required_when is not None:
            other = spec._by_id.get(f.required_when.field)
            if not isinstance(other, Field) or f.required_when.equals not in other.choices:
                raise SpecError(
                    f"field {f.id!r}: required_when refers to an unknown field or choice"
                )


def _check_labels(spec: FormSpec) -> None:
    """Reading by label (when names are lost) takes the label's n-th occurrence on its sheet,
    in reading order: the same words printed earlier on the sheet (a heading, another
    label) would point it at the wrong cell unless `label_occurrence` says which one."""
    for sheet in spec.sheets:
        printed: list[tuple[Cell, str]] = [
            (t.area.first, normalise_label(t.text)) for t in sheet.texts if "{" not in t.text
        ]
        inputs = [
            (key, f)
            for e in spec.fields
            if e.sheet == sheet.id
            for key, f in ([(e.id, e)] if e.type != "group" else [(i.id, i) for i in e.items])
            if f.label_cell is not None
        ]
        at: dict[Cell, str] = {c: text for c, text in printed}
        for _key, f in inputs:
            assert f.label_cell is not None
            at[f.label_cell] = normalise_label(f.label)
        order = sorted(at)
        for key, f in inputs:
            assert f.label_cell is not None
            want = normalise_label(f.label)
            hits = [c for c in order if at[c] == want]
            if len(hits) < f.label_occurrence or hits[f.label_occurrence - 1] != f.label_cell:
                where = ", ".join(c.a1 for c in hits)
                raise SpecError(
                    f"field {key!r}: its label {f.label!r} is printed at {where} on sheet "
                    f"{sheet.name!r}, so reading by label would not find {f.label_cell.a1}; "
                    "set label_occurrence or change the text"
                )
