"""Reference data with sources: reporting units and regions, national statistics, the notice.

Bundled as TOML beside this module. `load_reference(override)` lays a user's TOML file of
the same shape over the bundled data (units matched by code, statistics by year), so later
reporting years need no code change.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import tomllib
import types
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from formkit import toml_cache

_HERE = Path(__file__).parent


class ReferenceDataError(ValueError):
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
    """One national figure with its source; an approximate one has the margin of its rounding.

    `basis` names the statistical basis (口径) the figure is on; `found` says where the source
    was found (a URL, a reprint). Two figures of one measure on different bases are not
    compared directly: growth across them is chained from published rates (`national_growth`).
    """

    value: float
    source: str
    exact: bool = True
    margin: float = 0.0
    basis: str = ""
    found: str = ""

    @property
    def low(self) -> float:
        return self.value - self.margin

    @property
    def high(self) -> float:
        return self.value + self.margin

    def describe(self) -> str:
        """“约 1100（±5）” for an approximate figure, “1655.4” for an exact one."""
        return f"{self.value:g}" if self.exact else f"约 {self.value:g}（±{self.margin:g}）"

    def cite(self) -> str:
        """The source as a reader checks it: 口径, publication, where found."""
        parts = [f"口径：{self.basis}" if self.basis else "", self.source]
        if self.found:
            parts.append(f"见：{self.found}")
        return "；".join(p for p in parts if p) or "（未注明来源）"


# a web address or a bare domain in a source: the publication is named in Chinese on what a
# person reads; the addresses stay in the reference data and docs/reference-data.md
_ADDRESS = re.compile(
    r"(?:转载|见|经)?[：:]?\s*(?:https?://[^\s）)；;，,]+|\b[\w.-]+\.(?:com|cn|org|net)\b[^\s）)；;，,]*)"
)


def readable(source: str) -> str:
    """A source as an official reads it: the publication, without web addresses."""
    text = _ADDRESS.sub("", source)
    text = re.sub(r"（\s*）|\(\s*\)", "", text)
    text = re.sub(r"[；;]\s*见：\s*(?=[）)；;]|$)", "", text)
    text = re.sub(r"[；;，,]\s*(?=[）)；;]|$)", "", text)
    return re.sub(r"\s{2,}", " ", text).strip(" ；;，,")


NATIONAL_FIGURES = ("total_exports", "hitech_exports", "gdp")
# a figure's published growth on the year before, in percent: "<figure>_growth", with its own
# source, basis and rounding; it bridges a change of basis (`national_growth`)
GROWTH = "_growth"
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

    def growth(self, name: str) -> Figure | None:
        """The published growth of `name` on the year before (percent), if one is bundled."""
        return self.figures.get(name + GROWTH)

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
    for name in (*NATIONAL_FIGURES, *(n + GROWTH for n in NATIONAL_FIGURES)):
        if name not in y:
            continue
        exact = bool(y.get(f"{name}_exact", not y.get(f"{name}_rounded", False)))
        margin = float(y.get(f"{name}_margin", 0.0))
        if not exact and margin <= 0:
            raise ReferenceDataError(
                f"参考数据 {y.get('year')} 年 {name} 为约数，须给出 {name}_margin"
            )
        out[name] = Figure(
            float(y[name]),
            str(y.get(f"{name}_source", "")),
            exact,
            margin,
            basis=str(y.get(f"{name}_basis", "")),
            found=str(y.get(f"{name}_found", "")),
        )
    return out


@dataclass(frozen=True)
class ExchangeRate:
    year: int
    rmb_per_usd: float
    source: str
    exact: bool = True
    basis: str = ""


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

    def national_growth(self, name: str, first: int, last: int) -> NationalGrowth:
        """Growth of the national figure `name` from `first` to `last` (see `NationalGrowth`)."""
        return national_growth(self.national, name, first, last)

    def exchange_rate(self, year: int) -> ExchangeRate | None:
        """The rate for that year, else the nearest earlier one."""
        years = [y for y in self.exchange_rates if y <= year]
        return self.exchange_rates[max(years)] if years else None


def _norm(s: str) -> str:
    return unicodedata.normalize("NFKC", s).replace(" ", "").strip()


def _read(path: Path) -> dict[str, Any]:
    try:
        return toml_cache.load(path)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ReferenceDataError(f"参考数据文件无法读取：{path}：{exc}") from None


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
                str(r.get("basis", "")),
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
        raise ReferenceDataError(f"参考数据格式不正确：缺少或错误的项 {exc}") from None
    regions = {u.region for u in units}
    if missing := regions - set(thresholds):
        raise ReferenceDataError(f"参考数据缺少地区门槛：{'、'.join(sorted(missing))}")
    codes = {u.code for u in units}
    unit_totals: dict[tuple[str, int], dict[str, Figure]] = {}
    try:
        for uy in units_data.get("unit_year", []):
            unit = next((u for u in units if str(uy["unit"]) in (u.code, u.name)), None)
            if unit is None:
                raise ReferenceDataError(f"参考数据 unit_year 中的单位不存在：{uy['unit']}")
            unit_totals.setdefault((unit.code, int(uy["year"])), {}).update(_figures(uy))
    except (KeyError, TypeError, ValueError) as exc:
        raise ReferenceDataError(f"参考数据 unit_year 格式不正确：{exc}") from None
    if unknown := sorted({b.unit for b in bases.bases} - codes):
        raise ReferenceDataError(f"参考数据中的既有基地所属单位代码不存在：{'、'.join(unknown)}")
    if odd := sorted({u.quota_region for u in units} - {"东部", "中西部"}):
        raise ReferenceDataError(f"参考数据中推荐名额的地区只能是东部或中西部：{'、'.join(odd)}")
    for year, stated in notice.get("ministry_deadline", {}).items():
        try:
            dt.date.fromisoformat(str(stated["date"]))
        except (KeyError, TypeError, ValueError):
            raise ReferenceDataError(
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
    for name in (*NATIONAL_FIGURES, *(n + GROWTH for n in NATIONAL_FIGURES)):
        if name in year:
            out.setdefault(f"{name}_exact", not year.get(f"{name}_rounded", False))
            out.setdefault(f"{name}_margin", 0.0)
            for what in ("source", "basis", "found"):
                out.setdefault(f"{name}_{what}", "")
    return out


# ---------------------------------------------------------------- growth across a change of basis


@dataclass(frozen=True)
class GrowthPart:
    """One part of a growth span: a run of years whose figures are on one basis (`levels`:
    the ratio of the end figure to the start figure), or one year bridged by its published
    growth (`rate`: the basis changed, the figures cannot be compared)."""

    start: int
    end: int
    kind: str  # "levels" | "rate"
    factor: float
    low: float
    high: float
    figures: tuple[tuple[int, Figure], ...]


@dataclass(frozen=True)
class NationalGrowth:
    """A national figure's growth over a span, in percent, from one statistical basis.

    Where each year's figure is on the basis of the year before (their published growth
    agrees with them within rounding, or none is published and they name no different
    basis), growth is the ratio of the figures. Where a year's published growth disagrees
    with the figures (the basis changed, e.g. a revised product catalogue, or the figures
    come from different publishers), that year's step is its published growth instead, and
    the span is chained: the product of the parts. A year with neither is `missing`.
    `low`/`high` carry the rounding of approximate figures and rates (None when all exact).
    """

    name: str
    first: int
    last: int
    value: float | None
    low: float | None = None
    high: float | None = None
    parts: tuple[GrowthPart, ...] = ()
    missing: tuple[int, ...] = ()
    # a year whose figures name different bases and that has no published growth to bridge
    unbridged: tuple[int, ...] = ()

    @property
    def chained(self) -> bool:
        return any(p.kind == "rate" for p in self.parts)

    @property
    def approximate(self) -> tuple[tuple[int, Figure], ...]:
        """The approximate figures and rates the value depends on (their margins widen it)."""
        return tuple((y, f) for p in self.parts for y, f in p.figures if not f.exact)

    def describe(self, what: str, unit: str = "亿美元", *, sources: bool = False) -> str:
        """How the value was computed, in Chinese: where the basis changed it says so and
        chains the published rates; `sources` adds each rate's and figure's source."""
        span = f"{self.first}–{self.last} 年"
        if self.value is None:
            if self.unbridged:
                years = "、".join(str(y) for y in self.unbridged)
                return (
                    f"{span}{what}增幅无法计算：{years} 年的数字与上年口径不同，"
                    "且没有公布的增幅可以衔接"
                )
            years = "、".join(str(y) for y in self.missing)
            return f"{span}{what}增幅无法计算：缺少 {years} 年的数据"
        steps, cited = [], []
        for p in self.parts:
            if p.kind == "levels":
                (y0, f0), (y1, f1) = p.figures[0], p.figures[-1]
                steps.append(f"{y0}–{y1} 年按数字 {f0.describe()}→{f1.describe()} {unit}")
            else:
                y, g = p.figures[0]
                steps.append(f"{y} 年 {g.value:g}%")
            cited += [
                f"{y} 年{'增幅' if p.kind == 'rate' else ''}：{f.cite()}" for y, f in p.figures
            ]
        shown = f"{self.value:g}%"
        if self.low is not None and self.high is not None:
            shown += f"（可能范围 {self.low:g}%–{self.high:g}%）"
        if self.chained:
            changed = "、".join(str(p.end) for p in self.parts if p.kind == "rate")
            text = (
                f"{span}{what}增幅 {shown}：{changed} 年公布的增幅与上年数字不符，统计口径"
                f"有变化，按公布增幅连乘：{'，'.join(steps)}"
            )
        else:
            text = f"{span}{what}增幅 {shown}：{'，'.join(steps)}"
        return text + (f"（{'；'.join(cited)}）" if sources else "")


def _comparable(f0: Figure, f1: Figure, rate: Figure | None) -> bool:
    """Whether two consecutive years' figures are on one basis: their published growth (if
    any) agrees with them within the rounding of all three; without one, they name no
    different bases."""
    if rate is None:
        return not (f0.basis and f1.basis and f0.basis != f1.basis)
    if f0.low <= 0 or f0.high <= 0:
        return False
    lo = (f1.low / f0.high - 1) * 100
    hi = (f1.high / f0.low - 1) * 100
    return rate.low <= hi + 1e-9 and rate.high >= lo - 1e-9


def national_growth(
    national: Mapping[int, NationalYear], name: str, first: int, last: int
) -> NationalGrowth:
    """`NationalGrowth` of figure `name` from year `first` to `last` (first < last)."""

    def fig(y: int) -> Figure | None:
        n = national.get(y)
        return n.figure(name) if n else None

    def rate(y: int) -> Figure | None:
        n = national.get(y)
        return n.growth(name) if n else None

    steps: list[tuple[int, str]] = []  # (year, "levels" | "rate") for each year after first
    missing: list[int] = []
    unbridged: list[int] = []
    for y in range(first + 1, last + 1):
        f0, f1, g = fig(y - 1), fig(y), rate(y)
        if f0 is not None and f1 is not None and _comparable(f0, f1, g):
            steps.append((y, "levels"))
        elif g is not None:
            steps.append((y, "rate"))
        elif f0 is not None and f1 is not None:
            unbridged.append(y)
        else:
            missing += [x for x in (y - 1, y) if fig(x) is None and x not in missing]
    if missing or unbridged:
        return NationalGrowth(
            name, first, last, None, missing=tuple(missing), unbridged=tuple(unbridged)
        )
    parts: list[GrowthPart] = []
    i = 0
    while i < len(steps):
        y, kind = steps[i]
        if kind == "rate":
            g = rate(y)
            assert g is not None
            parts.append(
                GrowthPart(
                    y - 1,
                    y,
                    "rate",
                    1 + g.value / 100,
                    1 + g.low / 100,
                    1 + g.high / 100,
                    ((y, g),),
                )
            )
            i += 1
            continue
        # a run of years on one basis: the ratio of its end figure to its start figure
        j = i
        while j + 1 < len(steps) and steps[j + 1][1] == "levels":
            j += 1
        start, end = y - 1, steps[j][0]
        f0, f1 = fig(start), fig(end)
        assert f0 is not None and f1 is not None
        parts.append(
            GrowthPart(
                start,
                end,
                "levels",
                f1.value / f0.value,
                f1.low / f0.high,
                f1.high / f0.low,
                ((start, f0), (end, f1)),
            )
        )
        i = j + 1
    value = low = high = 1.0
    for p in parts:
        value, low, high = value * p.factor, low * p.low, high * p.high
    exact = all(f.exact for p in parts for _y, f in p.figures)
    return NationalGrowth(
        name,
        first,
        last,
        round((value - 1) * 100, 2),
        None if exact else round((low - 1) * 100, 2),
        None if exact else round((high - 1) * 100, 2),
        tuple(parts),
    )
