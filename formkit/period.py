"""The period a periodic form reports on: one type for every stage that needs one.

A form is periodic when its spec names period fields (`[roles] period`): the 季度数据报表's
`report_year` and `report_quarter`, the 年度工作报告's `report_year`. A `Period` is the values
of those fields, the first always the year; a period may give only its leading fields (a
year alone, for a quarterly form: "that year"). It shows itself four ways:

- `key`: numbers that sort in time order, (2007, 2) for 2007 第二季度 (a choice counts by
  its place among the field's choices);
- `text`: as the ledger and the supersession rule store it, "2007/第二季度";
- `words`: as people read it, "2007年第二季度" (a sub-period without choices: its label
  and number, "2007年月份3");
- `tag`: compact, for submission ids and file names, "2007Q2";
- `sortable`: text that sorts in time order, as the ledger's `period_key` column holds it,
  "2007-02" (its `key`, the year in four digits and each further number in two).

Knows no form: the spec's period fields say everything.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from formkit.spec import FormSpec

__all__ = ["Period", "PeriodField"]


@dataclass(frozen=True)
class PeriodField:
    """One period field of a form: its id, label and choices (none: a number)."""

    id: str
    label: str
    choices: tuple[str, ...] = ()

    @classmethod
    def all_of(cls, spec: FormSpec) -> tuple[PeriodField, ...]:
        # asked for every file recorded or summarised, of a handful of specs: kept by the
        # spec's identity (a spec's hash would walk all its fields), the spec with it
        known = _FIELDS.get(id(spec))
        if known is None or known[0] is not spec:
            fields = tuple(
                cls(fid, spec.field(fid).label, tuple(spec.field(fid).choices))
                for fid in spec.roles.period
            )
            known = _FIELDS[id(spec)] = (spec, fields)
        return known[1]


_FIELDS: dict[int, tuple[FormSpec, tuple[PeriodField, ...]]] = {}


_PERIOD = re.compile(r"^\s*(\d{4})\s*(?:[-/Qq年]\s*(\d{1,2}|[^/\s]+?))?\s*$")


@dataclass(frozen=True)
class Period:
    """A period of a periodic form; see the module docstring."""

    fields: tuple[PeriodField, ...]  # the form's period fields, all of them
    given: tuple[Any, ...]  # the values of the leading fields given (at least the year)

    # ------------------------------------------------------------ made from

    @classmethod
    def of(cls, values: Mapping[str, Any], spec: FormSpec) -> Period | None:
        """The period a file (or a record) reports on: its period fields' values, as far as
        they are usable from the first; None for a form that is not periodic or a file
        that does not say its year."""
        fields = PeriodField.all_of(spec)
        given: list[Any] = []
        for f in fields:
            v = values.get(f.id)
            if f.choices:
                if v not in f.choices:
                    break
            elif isinstance(v, int | float) and not isinstance(v, bool):
                v = int(v)
            else:
                break
            given.append(v)
        return cls(fields, tuple(given)) if given else None

    @classmethod
    def from_key(cls, key: Sequence[int], spec: FormSpec) -> Period:
        """A period back from its `key`."""
        fields = PeriodField.all_of(spec)
        given = tuple(
            f.choices[n - 1] if f.choices else n for f, n in zip(fields, key, strict=False)
        )
        return cls(fields, given)

    @classmethod
    def from_sortable(cls, text: str, spec: FormSpec) -> Period:
        """A period back from its `sortable` text ("2007-02")."""
        return cls.from_key(tuple(int(part) for part in text.split("-")), spec)

    @classmethod
    def parse(cls, text: str, spec: FormSpec) -> Period:
        """`--period` of a periodic form: "2007" (a yearly form), "2007Q2" or "2007-2" (the
        second choice of the form's second period field, 第二季度), or "2007/第二季度" (as
        stored). Raises ValueError with a Chinese message."""
        fields = PeriodField.all_of(spec)
        if not fields:
            raise ValueError(f"{spec.title.format(year='')}不分报告期，不用 --period。")
        m = _PERIOD.match(text)
        example = "如 2007" if len(fields) == 1 else "如 2007Q2（2007 年第二季度）"
        if m is None or (m.group(2) is None) != (len(fields) == 1) or len(fields) > 2:
            raise ValueError(f"报告期“{text}”无法识别，{example}。")
        year = int(m.group(1))
        if not 2000 <= year <= 2100:
            raise ValueError(f"报告期“{text}”的年份不合理，{example}。")
        if len(fields) == 1:
            return cls(fields, (year,))
        f = fields[1]
        part = str(m.group(2))
        choice = None
        if part.isdigit() and 1 <= int(part) <= len(f.choices):
            choice = f.choices[int(part) - 1]
        elif part in f.choices:
            choice = part
        if choice is None:
            raise ValueError(
                f"报告期“{text}”的{f.label}无法识别：应为 1 至 {len(f.choices)}"
                f"（{'、'.join(f.choices)}），{example}。"
            )
        return cls(fields, (year, choice))

    # ------------------------------------------------------------ what it is

    @property
    def year(self) -> int:
        return int(self.given[0])

    @property
    def complete(self) -> bool:
        """Every period field given (not a year alone of a quarterly form)."""
        return len(self.given) == len(self.fields)

    @property
    def values(self) -> tuple[tuple[str, Any], ...]:
        """(period field id, value) of the fields given, in the spec's order."""
        return tuple((f.id, v) for f, v in zip(self.fields, self.given, strict=False))

    @property
    def key(self) -> tuple[int, ...]:
        """Numbers that sort in time order: (2007, 2) for 2007 第二季度."""
        return tuple(
            f.choices.index(v) + 1 if f.choices else int(v)
            for f, v in zip(self.fields, self.given, strict=False)
        )

    @property
    def text(self) -> str:
        """As stored (the ledger, the supersession rule): "2007/第二季度"."""
        return "/".join(str(v).strip() for v in self.given)

    @property
    def words(self) -> str:
        """As people read it: "2007年第二季度", "2007年"."""
        return f"{self.year}年" + self.after_year

    @property
    def after_year(self) -> str:
        """The words after the year: "第二季度"; "" for a year."""
        return "".join(
            str(v) if f.choices else f"{f.label}{v}"
            for f, v in zip(self.fields[1:], self.given[1:], strict=False)
        )

    @property
    def tag(self) -> str:
        """Compact, for submission ids and file names: "2007Q2", "2007"."""
        return str(self.year) + "".join(f"Q{n}" for n in self.key[1:])

    @property
    def sortable(self) -> str:
        """Text that sorts in time order (the ledger's `period_key`): "2007-02", "2007"."""
        first, *rest = self.key
        return f"{first:04d}" + "".join(f"-{n:02d}" for n in rest)

    # ------------------------------------------------------------ arithmetic

    def shift(self, *, years: int = 0, steps: int = 0) -> Period | None:
        """The period `years` earlier or `steps` sub-periods earlier (the quarter before the
        first is last year's fourth); None where the form does not say how many
        sub-periods a year has (a sub-period that is a number) and the step would cross
        the year."""
        k = list(self.key)
        k[0] -= years
        if steps and len(k) > 1:
            n = len(self.fields[-1].choices)
            if not n:
                if k[-1] - steps < 1:
                    return None
                k[-1] -= steps
            else:
                index = k[0] * n + (k[-1] - 1) - steps
                k[0], k[-1] = divmod(index, n)
                k[-1] += 1
        elif steps:
            k[0] -= steps
        return self._from_key(tuple(k))

    def _from_key(self, key: tuple[int, ...]) -> Period:
        given = tuple(
            f.choices[n - 1] if f.choices else n for f, n in zip(self.fields, key, strict=False)
        )
        return Period(self.fields, given)

    def end(self) -> tuple[int, int]:
        """(year, month) of the period's last month: December for a year; for the n-th of k
        choices of the second period field (第二季度 of four), month n * 12 / k."""
        if len(self.given) < 2 or not self.fields[1].choices:
            return self.year, 12
        choices = self.fields[1].choices
        return self.year, (choices.index(self.given[1]) + 1) * 12 // len(choices)

    def deadline(self, months_after: int, day: int) -> dt.date:
        """`day` of the month `months_after` the period's last month (clamped to the month's
        length): a form's [roster] deadline counted from the period's end."""
        year, month = self.end()
        month += months_after
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))
