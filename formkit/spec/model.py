"""Typed, frozen model of a form spec, and the checks run when one is loaded.

Its parts are in modules of their own, and offered here too: the fields (field_spec), the
summary's layout (summary_spec), what tracking over rounds needs (tracking_spec: roles,
roster, register, evaluation), and what they are all built with (base: `SpecError`).

A spec is data (a TOML file beside this module); nothing here knows any field of a
particular form. Template, reader, validator and summaries take a `FormSpec`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from formkit.cells import Area, Cell, col_number
from formkit.parse import SLIP_UNITS, UNITS, normalise_label
from formkit.spec.base import (
    EXCEL_CELL_TEXT_MAX,
    EXCEL_INLINE_LIST_MAX,
    EXCEL_SHEET_NAME_MAX,
    FIELD_TYPES,
    ID_RE,
    SHEET_NAME_FORBIDDEN,
    FieldType,
    SpecError,
    read_area,
    require_key,
)
from formkit.spec.field_spec import (
    Bound,
    Field,
    RequiredWhen,
    build_bounds,
    build_field,
    build_slips,
    declare_units,
    field_type,
    field_unit,
)
from formkit.spec.summary_spec import (
    Chart,
    ChartCategory,
    ChartKind,
    Compare,
    PrintedColumn,
    SummaryLayout,
    build_summary,
)
from formkit.spec.tracking_spec import (
    RECOGNITIONS,
    EvaluationFigure,
    EvaluationSpec,
    RegisterSpec,
    Roles,
    RosterColumn,
    RosterDeadline,
    RosterSpec,
    build_evaluation,
    build_register,
    build_roles,
    build_roster,
)

__all__ = [
    "EXCEL_CELL_TEXT_MAX",
    "EXCEL_INLINE_LIST_MAX",
    "EXCEL_SHEET_NAME_MAX",
    "FIELD_TYPES",
    "RECOGNITIONS",
    "SHEET_NAME_FORBIDDEN",
    "SLIP_UNITS",
    "UNITS",
    "Bound",
    "Chart",
    "ChartCategory",
    "ChartKind",
    "Column",
    "Compare",
    "EvaluationFigure",
    "EvaluationSpec",
    "Field",
    "FieldType",
    "FormSpec",
    "PrintedColumn",
    "RegisterSpec",
    "RequiredWhen",
    "Roles",
    "RosterColumn",
    "RosterDeadline",
    "RosterSpec",
    "Sheet",
    "SpecError",
    "SummaryLayout",
    "Table",
    "Text",
    "build",
    "declare_units",
]


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
    form = require_key(data, "form", "spec")
    units = declare_units(data.get("units"))
    sheets = tuple(_sheet(s) for s in data.get("sheet", []))
    sheet_ids = {s.id for s in sheets}
    fields = tuple(build_field(f, choice_sources, sheet_ids) for f in data.get("field", []))
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
        id=str(require_key(form, "id", "form")),
        version=str(require_key(form, "version", "form")),
        compatible_versions=tuple(form.get("compatible_versions", [form["version"]])),
        title=str(require_key(form, "title", "form")),
        source=str(form.get("source", "")),
        default_year=int(require_key(form, "default_year", "form")),
        history_years=int(form.get("history_years", 3)),
        sheets=sheets,
        fields=tuple(e for e in by_id.values() if isinstance(e, Field)),
        tables=tuple(e for e in by_id.values() if isinstance(e, Table)),
        file_name=form.get("file_name"),
        year_label=str(form.get("year_label", "申报年度")),
        summary=build_summary(data.get("summary", {})),
        roles=build_roles(data.get("roles")),
        units=units,
        roster=build_roster(data.get("roster")),
        register=build_register(data.get("register")),
        evaluation=build_evaluation(data.get("evaluation")),
        _by_id=by_id,
    )
    _check(spec)
    return spec


def _rows(value: str, where: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d+):(\d+)", value)
    if not m:
        raise SpecError(f"{where}: repeat_rows must look like '1:2', got {value!r}")
    return int(m.group(1)), int(m.group(2))


def _sheet(d: Mapping[str, Any]) -> Sheet:
    sid = str(require_key(d, "id", "sheet"))
    where = f"sheet {sid!r}"
    name = str(require_key(d, "name", where))
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
        Text(read_area(t["cell"], where), str(t["text"]), str(t.get("style", "label")))
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


def _table(d: Mapping[str, Any], sheet_ids: set[str]) -> Table:
    tid = str(require_key(d, "id", "table"))
    where = f"table {tid!r}"
    if not ID_RE.match(tid):
        raise SpecError(f"{where}: ids are lower-case letters, digits and '_'")
    sheet = str(require_key(d, "sheet", where))
    if sheet not in sheet_ids:
        raise SpecError(f"{where}: unknown sheet {sheet!r}")
    columns = []
    for c in require_key(d, "column", where):
        cid = str(require_key(c, "id", where))
        cwhere = f"{where} column {cid!r}"
        ctype = field_type(require_key(c, "type", cwhere), cwhere)
        cchoices = ("是", "否") if ctype == "yesno" else tuple(str(x) for x in c.get("choices", ()))
        if ctype == "choice" and not cchoices:
            raise SpecError(f"{cwhere}: a choice column needs a non-empty choice list")
        span = str(require_key(c, "cell", cwhere)).split(":")
        try:
            first, last = col_number(span[0]), col_number(span[-1])
        except ValueError as exc:
            raise SpecError(f"{cwhere}: {exc}") from None
        columns.append(
            Column(
                id=cid,
                label=str(require_key(c, "label", cwhere)),
                type=ctype,
                first_col=first,
                last_col=last,
                unit=field_unit(c.get("unit"), ctype, cwhere),
                fixed=bool(c.get("fixed", False)),
                computed=c.get("computed"),
                choices=cchoices,
                optional=bool(c.get("optional", False)),
                bounds=build_bounds(c, ctype, cwhere),
                slips=build_slips(c, cwhere),
            )
        )
    ids = [c.id for c in columns]
    if len(set(ids)) != len(ids):
        raise SpecError(f"{where}: duplicate column ids")
    blocks = tuple(read_area(b, where) for b in require_key(d, "blocks", where))
    if not blocks:
        raise SpecError(f"{where}: needs at least one block")
    return Table(
        id=tid,
        label=str(require_key(d, "label", where)),
        sheet=sheet,
        blocks=blocks,
        header_row=int(require_key(d, "header_row", where)),
        columns=tuple(columns),
        clause=d.get("clause"),
        end_label=d.get("end_label"),
        fixed_rows=d.get("fixed_rows"),
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
