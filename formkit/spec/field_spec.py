"""A form's fields in its spec: `Field` with its type, unit, plausibility `Bound`s and
when it is required, and how each is built from the spec's data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from formkit.cells import Area, Cell
from formkit.parse import SLIP_UNITS, UNITS
from formkit.spec.base import (
    EXCEL_CELL_TEXT_MAX,
    EXCEL_INLINE_LIST_MAX,
    FIELD_TYPES,
    ID_RE,
    FieldType,
    SpecError,
    read_area,
    require_key,
)


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


def field_type(value: Any, where: str) -> FieldType:
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


def field_unit(value: Any, ftype: str, where: str) -> str | None:
    if value is None:
        if ftype in ("decimal",):
            raise SpecError(f"{where}: a decimal needs a unit")
        return None
    if value not in UNITS:
        raise SpecError(f"{where}: unknown unit {value!r}")
    return str(value)


def build_field(
    d: Mapping[str, Any],
    choice_sources: Mapping[str, tuple[str, ...]],
    sheet_ids: set[str],
    parent: Mapping[str, Any] | None = None,
) -> Field:
    fid = str(require_key(d, "id", "field"))
    where = f"field {fid!r}"
    if not ID_RE.match(fid):
        raise SpecError(f"{where}: ids are lower-case letters, digits and '_'")
    ftype = field_type(require_key(d, "type", where), where)
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
    items = tuple(build_field(i, choice_sources, sheet_ids, parent=d) for i in d.get("item", []))
    if ftype == "group" and not items:
        raise SpecError(f"{where}: a group needs items")
    return Field(
        id=fid,
        label=str(require_key(d, "label", where)),
        type=ftype,
        sheet=sheet,
        area=read_area(require_key(d, "cell", where), where),
        label_cell=read_area(d["label_cell"], where).first if "label_cell" in d else None,
        label_occurrence=int(d.get("label_occurrence", 1)),
        unit=field_unit(d.get("unit"), ftype, where),
        required=bool(d.get("required", False)),
        required_when=RequiredWhen(str(rw["field"]), str(rw["equals"])) if rw else None,
        choices=choices,
        choices_from=choices_from,
        suggestions=suggestions,
        clause=d.get("clause"),
        clause_cell=read_area(d["clause_cell"], where) if "clause_cell" in d else None,
        note_cell=read_area(d["note_cell"], where) if "note_cell" in d else None,
        hint=d.get("hint"),
        signed=bool(d.get("signed", False)),
        wrap=bool(d.get("wrap", False)),
        dropdown=dropdown,
        items=items,
        column_label=d.get("column_label"),
        max_length=int(max_length) if max_length is not None else None,
        date_window=(int(window[0]), int(window[1])),
        bounds=build_bounds(d, ftype, where),
        slips=build_slips(d, where),
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


def build_bounds(d: Mapping[str, Any], ftype: str, where: str) -> tuple[Bound, ...]:
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


def build_slips(d: Mapping[str, Any], where: str) -> tuple[str, ...]:
    slips = tuple(str(u) for u in d.get("slips", ()))
    for u in slips:
        if u not in SLIP_UNITS:
            raise SpecError(f"{where}: unknown slip unit {u!r}")
        unit = d.get("unit")
        if unit is None or SLIP_UNITS[u][0] != UNITS[unit][0] or u == unit:
            raise SpecError(f"{where}: slip unit {u!r} is not another unit of {unit!r}")
    return slips
