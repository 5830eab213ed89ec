"""Reference data with sources: reporting units and regions, national statistics, the notice.

Bundled as TOML beside this module. `load_reference(override)` lays a user's TOML file of
the same shape over the bundled data (units matched by code, statistics by year), so later
reporting years need no code change.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
import types
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

_HERE = Path(__file__).parent


class ReferenceError(ValueError):
    """A reference file that cannot be used."""


@dataclass(frozen=True)
class ReportingUnit:
    """One of the notice's reporting units, classified once for every rule.

    `region` is the four-region scheme (东部/中部/西部/东北) of the thresholds (六(二)(2));
    `quota_region` is 东部 or 中西部, the two groups of 六(三)'s quota sentences and of the
    enterprise cluster (六); `kind` (省级 / 计划单列市 / 兵团) says which quota sentences name
    the unit at all. `quota_source` is the reasoning from the notice's words
    (reporting_units.toml)."""

    code: str
    name: str
    aliases: tuple[str, ...]
    kind: str
    region: str
    source: str
    parent: str | None = None
    quota_region: str = ""
    quota_source: str = ""


@dataclass(frozen=True)
class Figure:
    """One national figure with its source; an approximate one has the margin of its rounding."""

    value: float
    source: str
    exact: bool = True
    margin: float = 0.0

    @property
    def low(self) -> float:
        return self.value - self.margin

    @property
    def high(self) -> float:
        return self.value + self.margin

    def describe(self) -> str:
        """“约 1100（±5）” for an approximate figure, “1655.4” for an exact one."""
        return f"{self.value:g}" if self.exact else f"约 {self.value:g}（±{self.margin:g}）"


NATIONAL_FIGURES = ("total_exports", "hitech_exports", "gdp")
# each national figure's unit and name, for the spec's plausibility bounds and messages
NATIONAL_UNITS = {"total_exports": "亿美元", "hitech_exports": "亿美元", "gdp": "亿元"}
NATIONAL_LABELS = {
    "total_exports": "出口总额",
    "hitech_exports": "高新技术产品出口额",
    "gdp": "国内生产总值",
}


@dataclass(frozen=True)
class NationalYear:
    """National figures for one year; a figure without a citable source is None."""

    year: int
    figures: Mapping[str, Figure]

    def figure(self, name: str) -> Figure | None:
        return self.figures.get(name)

    def _value(self, name: str) -> float | None:
        f = self.figures.get(name)
        return f.value if f else None

    def _source(self, name: str) -> str:
        f = self.figures.get(name)
        return f.source if f else "（无来源数据）"

    @property
    def total_exports(self) -> float | None:
        return self._value("total_exports")

    @property
    def total_exports_source(self) -> str:
        return self._source("total_exports")

    @property
    def hitech_exports(self) -> float | None:
        return self._value("hitech_exports")

    @property
    def hitech_exports_source(self) -> str:
        return self._source("hitech_exports")

    @property
    def hitech_exports_rounded(self) -> bool:
        f = self.figures.get("hitech_exports")
        return f is not None and not f.exact

    @property
    def gdp(self) -> float | None:
        return self._value("gdp")


def _figures(y: Mapping[str, Any]) -> dict[str, Figure]:
    out = {}
    for name in NATIONAL_FIGURES:
        if name not in y:
            continue
        exact = bool(y.get(f"{name}_exact", not y.get(f"{name}_rounded", False)))
        margin = float(y.get(f"{name}_margin", 0.0))
        if not exact and margin <= 0:
            raise ReferenceError(f"参考数据 {y.get('year')} 年 {name} 为约数，须给出 {name}_margin")
        out[name] = Figure(float(y[name]), str(y.get(f"{name}_source", "")), exact, margin)
    return out


@dataclass(frozen=True)
class ExchangeRate:
    year: int
    rmb_per_usd: float
    source: str
    exact: bool = True


@dataclass(frozen=True)
class ExistingBase:
    """A national export base recognised before the notice (五(一)), in one reporting unit."""

    type: str
    unit: str  # the reporting unit's code
    place: str
    source: str

    @property
    def name(self) -> str:
        """As the 申报书 offers it: 泰州国家医药出口基地 (a city's base), 中关村科技园区（国家高新
        技术产品出口基地） (a zone's)."""
        if self.place.endswith(self.type):
            return self.place
        zone = self.place.endswith(("区", "园"))
        return f"{self.place}（{self.type}）" if zone else f"{self.place}{self.type}"


@dataclass(frozen=True)
class ExistingBases:
    """The bases by type, with which lists are complete (a unit absent from an incomplete list
    may still have a base of that type)."""

    bases: tuple[ExistingBase, ...] = ()
    complete: Mapping[str, bool] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)
    as_of: str = ""
    totals_source: str = ""

    def of(self, unit_code: str) -> tuple[ExistingBase, ...]:
        return tuple(b for b in self.bases if b.unit == unit_code)

    def names(self, order: Mapping[str, int] | None = None) -> tuple[str, ...]:
        """Every base's name, by reporting unit (`order`: unit code -> position), then type:
        the 申报书's list of bases a re-certification may name."""
        order = order or {}
        ranked = sorted(self.bases, key=lambda b: (order.get(b.unit, len(order)), b.unit))
        return tuple(dict.fromkeys(b.name for b in ranked))

    @property
    def all_complete(self) -> bool:
        return bool(self.complete) and all(self.complete.values())

    def has_bases(self, unit_code: str) -> bool | None:
        """True if the unit has a recorded base; False if it has none and every list is
        complete; None when it is not recorded but an incomplete list may omit it."""
        if self.of(unit_code):
            return True
        return False if self.all_complete else None


@dataclass(frozen=True)
class Reference:
    units: tuple[ReportingUnit, ...]
    national: Mapping[int, NationalYear]
    exchange_rates: Mapping[int, ExchangeRate]
    notice: Mapping[str, Any]
    thresholds: Mapping[str, float]
    sources: tuple[str, ...]
    bases: ExistingBases = field(default_factory=ExistingBases)
    # a unit's own totals by (unit code, year), e.g. its high-tech exports (user supplied)
    unit_totals: Mapping[tuple[str, int], Mapping[str, Figure]] = field(default_factory=dict)
    # 六(三)'s quota sentences: id -> (the kinds of unit it names, its words)
    quota_sentences: Mapping[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)

    def unit_total(self, code: str, year: int, name: str) -> Figure | None:
        return self.unit_totals.get((code, year), {}).get(name)

    def ministry_deadline(self, year: int) -> tuple[dt.date | None, str]:
        """The provinces' deadline to the ministry for a reporting year (六(三)) and its
        source; (None, why) for a year the notice (or a --reference file) states none."""
        stated = self.notice.get("ministry_deadline", {}).get(str(year))
        if not isinstance(stated, Mapping) or "date" not in stated:
            known = "、".join(f"{y} 年" for y in sorted(self.notice.get("ministry_deadline", {})))
            return None, (
                f"{year} 年的报部时限未见规定（参考数据只有 {known} 的）"
                if known
                else f"{year} 年的报部时限未见规定"
            )
        return dt.date.fromisoformat(str(stated["date"])), str(stated.get("source", ""))

    def sentence_names(self, sentence: str, unit: ReportingUnit) -> bool:
        """Whether one of 六(三)'s quota sentences names this kind of unit."""
        kinds, _ = self.quota_sentences.get(sentence, ((), ""))
        return unit.kind in kinds

    def unit(self, name_or_alias: str) -> ReportingUnit | None:
        """The reporting unit a person meant by 江苏 / 江苏省 / 苏, or None."""
        return self._units_by_key.get(_norm(name_or_alias))

    # built on first use and kept (the reference never changes): every file read and
    # validated asks for them
    @functools.cached_property
    def _units_by_key(self) -> dict[str, ReportingUnit]:
        table: dict[str, ReportingUnit] = {}
        for u in self.units:
            for key in (u.name, u.code, *u.aliases):
                table.setdefault(_norm(key), u)
        return table

    @functools.cached_property
    def unit_names(self) -> Mapping[str, str]:
        """Every alias and code as written -> the unit's name (a choice field's aliases)."""
        return types.MappingProxyType(
            {alias: u.name for u in self.units for alias in (*u.aliases, u.code)}
        )

    def exchange_rate(self, year: int) -> ExchangeRate | None:
        """The rate for that year, else the nearest earlier one."""
        years = [y for y in self.exchange_rates if y <= year]
        return self.exchange_rates[max(years)] if years else None


def _norm(s: str) -> str:
    return unicodedata.normalize("NFKC", s).replace(" ", "").strip()


def _read(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ReferenceError(f"参考数据文件无法读取：{path}：{exc}") from None


def load_reference(override: str | Path | None = None) -> Reference:
    """Bundled reference data, with `override` (a TOML file) laid over it."""
    return _load(str(override) if override else None)


@lru_cache(maxsize=4)
def _load(override: str | None) -> Reference:
    units_data = _read(_HERE / "reporting_units.toml")
    nat_data = _read(_HERE / "national.toml")
    base_data = _read(_HERE / "existing_bases.toml")
    sources = [
        str(_HERE / "reporting_units.toml"),
        str(_HERE / "national.toml"),
        str(_HERE / "existing_bases.toml"),
    ]
    if override:
        extra = _read(Path(override))
        sources.append(override)
        units_data["unit"] = _merge(units_data.get("unit", []), extra.get("unit", []), "code")
        units_data["unit_year"] = [*units_data.get("unit_year", []), *extra.get("unit_year", [])]
        nat_data["year"] = _merge(
            nat_data.get("year", []), [_restated(y) for y in extra.get("year", [])], "year"
        )
        nat_data["exchange_rate"] = _merge(
            nat_data.get("exchange_rate", []), extra.get("exchange_rate", []), "year"
        )
        base_data["base"] = _merge_bases(base_data.get("base", []), extra.get("base", []))
        if "bases" in extra:
            meta = dict(base_data.get("bases", {}))
            for key, value in extra["bases"].items():
                meta[key] = {**meta.get(key, {}), **value} if isinstance(value, dict) else value
            base_data["bases"] = meta
        if "notice" in extra:
            notice = dict(nat_data.get("notice", {}))
            extra_notice = dict(extra["notice"])
            # a later year's deadline joins the stated ones
            deadlines = {
                **notice.get("ministry_deadline", {}),
                **extra_notice.pop("ministry_deadline", {}),
            }
            notice.update(extra_notice)
            notice["ministry_deadline"] = deadlines
            nat_data["notice"] = notice
    try:
        units = tuple(
            ReportingUnit(
                code=str(u["code"]),
                name=str(u["name"]),
                aliases=tuple(u.get("aliases", ())),
                kind=str(u.get("kind", "")),
                region=str(u["region"]),
                source=str(u.get("source", "")),
                parent=u.get("parent"),
                quota_region=str(
                    u.get("quota_region", "东部" if u["region"] == "东部" else "中西部")
                ),
                quota_source=str(u.get("quota_source", "")),
            )
            for u in units_data["unit"]
        )
        sentences = {
            str(k): (tuple(str(x) for x in v.get("kinds", ())), str(v.get("text", "")))
            for k, v in units_data.get("quota_sentence", {}).items()
        }
        national = {
            int(y["year"]): NationalYear(year=int(y["year"]), figures=_figures(y))
            for y in nat_data.get("year", [])
        }
        rates = {
            int(r["year"]): ExchangeRate(
                int(r["year"]),
                float(r["rmb_per_usd"]),
                str(r.get("source", "")),
                bool(r.get("exact", True)),
            )
            for r in nat_data.get("exchange_rate", [])
        }
        meta = base_data.get("bases", {})
        bases = ExistingBases(
            bases=tuple(
                ExistingBase(
                    type=str(b["type"]),
                    unit=str(b["unit"]),
                    place=str(b.get("place", "")),
                    source=str(b.get("source", "")),
                )
                for b in base_data.get("base", [])
            ),
            complete=types.MappingProxyType(
                {str(k): bool(v) for k, v in meta.get("complete", {}).items()}
            ),
            notes=types.MappingProxyType(
                {str(k): str(v) for k, v in meta.get("notes", {}).items()}
            ),
            as_of=str(meta.get("as_of", "")),
            totals_source=str(meta.get("totals_source", "")),
        )
        notice = dict(nat_data["notice"])
        thresholds = {str(k): float(v) for k, v in notice.pop("thresholds").items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise ReferenceError(f"参考数据格式不正确：缺少或错误的项 {exc}") from None
    regions = {u.region for u in units}
    if missing := regions - set(thresholds):
        raise ReferenceError(f"参考数据缺少地区门槛：{'、'.join(sorted(missing))}")
    codes = {u.code for u in units}
    unit_totals: dict[tuple[str, int], dict[str, Figure]] = {}
    try:
        for uy in units_data.get("unit_year", []):
            unit = next((u for u in units if str(uy["unit"]) in (u.code, u.name)), None)
            if unit is None:
                raise ReferenceError(f"参考数据 unit_year 中的单位不存在：{uy['unit']}")
            unit_totals.setdefault((unit.code, int(uy["year"])), {}).update(_figures(uy))
    except (KeyError, TypeError, ValueError) as exc:
        raise ReferenceError(f"参考数据 unit_year 格式不正确：{exc}") from None
    if unknown := sorted({b.unit for b in bases.bases} - codes):
        raise ReferenceError(f"参考数据中的既有基地所属单位代码不存在：{'、'.join(unknown)}")
    if odd := sorted({u.quota_region for u in units} - {"东部", "中西部"}):
        raise ReferenceError(f"参考数据中推荐名额的地区只能是东部或中西部：{'、'.join(odd)}")
    for year, stated in notice.get("ministry_deadline", {}).items():
        try:
            dt.date.fromisoformat(str(stated["date"]))
        except (KeyError, TypeError, ValueError):
            raise ReferenceError(
                f'参考数据 [notice.ministry_deadline.{year}] 应有 date = "{year}-04-30" 的形式'
            ) from None
    return Reference(
        units,
        national,
        rates,
        notice,
        thresholds,
        tuple(sources),
        bases,
        unit_totals,
        types.MappingProxyType(sentences),
    )


def _merge(
    base: list[dict[str, Any]], extra: list[dict[str, Any]], key: str
) -> list[dict[str, Any]]:
    merged = {str(item[key]): item for item in base}
    for item in extra:
        merged[str(item[key])] = {**merged.get(str(item[key]), {}), **item}
    return list(merged.values())


def _merge_bases(base: list[dict[str, Any]], extra: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bundled bases plus the override's; the same (type, unit, place) replaces."""

    def key(b: dict[str, Any]) -> tuple[str, str, str]:
        return (str(b.get("type")), str(b.get("unit")), str(b.get("place", "")))

    merged = {key(b): b for b in base}
    for b in extra:
        merged[key(b)] = {**merged.get(key(b), {}), **b}
    return list(merged.values())


def _restated(year: dict[str, Any]) -> dict[str, Any]:
    """An override's year entry: a figure it restates drops the bundled flags for that figure
    (a user's 1103.2 is exact unless the user says otherwise, not “±5” from the bundle)."""
    out = dict(year)
    for name in NATIONAL_FIGURES:
        if name in year:
            out.setdefault(f"{name}_exact", not year.get(f"{name}_rounded", False))
            out.setdefault(f"{name}_margin", 0.0)
            out.setdefault(f"{name}_source", "")
    return out
