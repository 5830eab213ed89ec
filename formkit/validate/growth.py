"""Growth rates from the three-year history: year on year, cumulative, compound annual.

All rates are in percent points. A zero or missing base gives None and a reason, never
an exception or an infinity.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    value: float | None
    # why there is no value: "base_zero" / "base_missing" with the year it concerns
    problem: str | None = None
    year: int | None = None


def growth(old: float | None, new: float | None, *, year: int | None = None) -> Rate:
    """(new - old) / old, in percent, rounded to 2 decimals."""
    if old is None or new is None:
        return Rate(None, "base_missing", year)
    if old == 0:
        return Rate(None, "base_zero", year)
    value = (new - old) / old * 100
    if not math.isfinite(value):
        return Rate(None, "base_zero", year)
    return Rate(round(value, 2))


def cagr(first: float | None, last: float | None, years: int, *, year: int | None = None) -> Rate:
    """Compound annual growth over `years` steps, in percent."""
    if first is None or last is None:
        return Rate(None, "base_missing", year)
    if first <= 0 or last < 0 or years <= 0:
        return Rate(None, "base_zero", year)
    value = ((last / first) ** (1 / years) - 1) * 100
    return Rate(round(value, 2)) if math.isfinite(value) else Rate(None, "base_zero", year)


@dataclass(frozen=True)
class Series:
    """One measure over the history years (oldest first)."""

    years: tuple[int, ...]
    values: tuple[float | None, ...]

    def yoy(self) -> dict[int, Rate]:
        out = {}
        for i in range(1, len(self.years)):
            out[self.years[i]] = growth(self.values[i - 1], self.values[i], year=self.years[i - 1])
        return out

    def cumulative(self) -> Rate:
        """Growth from the first to the last history year (the notice's 近三年增幅)."""
        return growth(self.values[0], self.values[-1], year=self.years[0])

    def compound(self) -> Rate:
        return cagr(self.values[0], self.values[-1], len(self.years) - 1, year=self.years[0])


def series(rows: Sequence[dict[str, object]], column: str, years: Sequence[int]) -> Series:
    """The column's values by year from history rows, None where a year is absent or empty."""
    by_year: dict[int, float | None] = {}
    for row in rows:
        y, v = row.get("year"), row.get(column)
        if isinstance(y, int):
            by_year[y] = (
                float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None
            )
    return Series(tuple(years), tuple(by_year.get(y) for y in years))
