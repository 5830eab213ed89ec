"""What a spec says for tracking a form over rounds: the `Roles` of its fields, the
roster (催报名单), the register of bases and the 定期评估 (evaluation), and how each is built
from the spec's data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from formkit.spec.base import (
    SpecError,
    id_list,
    require_key,
)


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


def build_roles(data: Any) -> Roles:
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


def build_roster(data: Any) -> RosterSpec:
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
                field=str(require_key(c, "field", where)),
                header=str(require_key(c, "header", where)),
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


def build_register(data: Any) -> RegisterSpec | None:
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
        recertifies=id_list(data, "recertifies", where),
    )


_FIGURE_KEYS = {"id", "label", "field", "period_field", "growth", "national", "goal", "watch"}


def build_evaluation(data: Any) -> EvaluationSpec | None:
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
                id=str(require_key(f, "id", fwhere)),
                label=str(require_key(f, "label", fwhere)),
                field=str(require_key(f, "field", fwhere)),
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
