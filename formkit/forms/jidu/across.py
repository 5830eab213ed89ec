"""Rules across periods and forms of the 季度数据报表 and the 年度工作报告 (商技发[2006]6号 四(四)).

One base's current reports, of both forms and any years, checked against each other:

1. a cumulative (`*_ytd`) never falls from one quarter to a later one of the same year;
2. a quarter's figure is the difference of its cumulative and the previous quarter's;
3. a reported 同比 (`*_growth`) agrees with the same period of the previous year;
4. the 年度工作报告's figures equal the fourth quarter's cumulatives of the same year (a warning:
   the report is due in December and holds estimates);
5. key enterprises of one quarter are still listed in the next.

The engine calls `check_across` only (it names no field); this module, with `rules.py`, is
the one place that knows the two forms' fields by id. Each issue belongs to the later
period's file (rule 4: both files, the annual report and the fourth quarter, a warning in each
naming the other) and points at the cell its figure came from, or at the template's cell when
it is blank. The submissions are not changed: the caller attaches the issues. Contract and
tolerances: docs/forms/kjxm-cxjd-jidu.md "跨期核对".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formkit.forms import load_form_spec
from formkit.forms.jidu.rules import FIGURES, GROWTH
from formkit.issues import Issue, make_issue
from formkit.period import Period
from formkit.read.submission import Submission
from formkit.validate.context import Context

JIDU = "kjxm-cxjd-jidu"
NIANBAO = "kjxm-cxjd-nianbao"

# 年度工作报告 field -> the 季度数据报表 field of the fourth quarter it equals (rule 4). From
# the two specs: the annual figures are the quarterly stems without "_ytd" (全年 = 1月至第四
# 季度累计); the growths of both are the 同比 of the January-to-December figure.
ANNUAL_EQUALS_Q4: dict[str, str] = {
    "enterprise_count": "enterprise_count_ytd",
    "export_value": "export_value_ytd",
    "export_growth": "export_growth",
    "hitech_export_value": "hitech_export_value_ytd",
    "hitech_export_growth": "hitech_export_growth",
    "own_ip_export_value": "own_ip_export_value_ytd",
    "own_brand_export_value": "own_brand_export_value_ytd",
    "tech_import_contracts": "tech_import_contracts_ytd",
    "tech_import_value": "tech_import_value_ytd",
    "intl_certifications": "intl_certifications_ytd",
    "foreign_patents": "foreign_patents_ytd",
    "foreign_trademarks": "foreign_trademarks_ytd",
    "foreign_copyrights": "foreign_copyrights_ytd",
    "software_export_value": "software_export_value_ytd",
    "software_export_growth": "software_export_growth",
    "outsourcing_value": "outsourcing_value_ytd",
}

# Figures whose cumulative is not the sum of the quarters: an enterprise exporting in two
# quarters counts once in 1月至本季度累计, so rule 2 does not apply (rules 1, 4 do).
NOT_ADDITIVE = frozenset({"enterprise_count"})

# Tolerances. Amounts are written to the cent (0.01 万美元), counts exactly, growths to 0.1.
# A figure written twice (rule 1, rule 4): half a cent; a growth written twice: half of 0.1.
SAME_AMOUNT = 0.005
SAME_PERCENT = 0.05
# Rule 2 compares three figures each rounded to the cent (each off by up to 0.005), so their
# difference may be off by up to 0.015 万美元 and still be right.
DIFFERENCE_AMOUNT = 0.015
# Rule 3: the recomputed 同比 may differ by up to 1 percentage point (last year's figures are
# often revised after they were reported, and the growth is computed on the revised ones).
GROWTH_POINTS = 1.0
_EPS = 1e-9

_WHAT = dict(FIGURES)


@dataclass(frozen=True)
class _Report:
    """One submission with its period: a quarter of a year, or the year (annual report)."""

    ctx: Context
    when: Period

    @property
    def year(self) -> int:
        return self.when.year

    @property
    def quarter(self) -> int | None:
        return self.when.key[1] if len(self.when.key) > 1 else None

    @property
    def sub(self) -> Submission:
        return self.ctx.sub

    @property
    def period(self) -> str:
        return self.when.words + ("年度工作报告" if self.quarter is None else "")

    @property
    def named(self) -> str:
        """The period and its file, for a message in the other file."""
        kind = "" if self.quarter is None else "数据报表"
        return f"{self.period}{kind}（文件“{Path(self.sub.file).name}”）"

    def num(self, key: str) -> float | None:
        v = self.ctx.value(key)
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None

    def issue(self, code: str, key: str, **params: Any) -> tuple[Submission, Issue]:
        """An issue in this report at the cell `key` came from (Context.where's logic)."""
        return self.sub, make_issue(code, **self.ctx.where(key), **params)


def check_across(history: Sequence[Submission], reference: Any) -> list[tuple[Submission, Issue]]:
    """The issues across one base's reports, each with the submission it belongs to.

    `history`: the current (de-duplicated) 季度数据报表 and 年度工作报告 of one base, any
    years, any order. A report whose year or quarter is not given, and any period given by
    two reports at once, is left out (which file is current is the ledger's question).
    """
    quarters, annuals = _periods(history, reference)
    found: list[tuple[Submission, Issue]] = []
    for (year, q), report in sorted(quarters.items()):
        earlier = next(
            (quarters[(year, e)] for e in range(q - 1, 0, -1) if (year, e) in quarters), None
        )
        fell: set[str] = set()
        if earlier is not None:
            found += _never_falls(earlier, report, fell)
        previous = quarters.get((year, q - 1))
        if previous is not None:
            found += _quarter_is_difference(previous, report, fell)
            found += _enterprises_kept(previous, report)
        last_year = quarters.get((year - 1, q))
        if last_year is not None:
            found += _growth_recomputed(last_year, report, "_ytd")
    for year, report in sorted(annuals.items()):
        q4 = quarters.get((year, 4))
        if q4 is not None:
            found += _annual_is_q4(q4, report)
        last_year = annuals.get(year - 1)
        if last_year is not None:
            found += _growth_recomputed(last_year, report, "")
    return found


def reach(when: Period) -> list[Period]:
    """The periods of the 季度数据报表 a report of `when` is checked against above: the
    same year's earlier quarters (rules 1, 2, 5) and the same quarter a year earlier (rule
    3). The summary reads these files, and no older ones (Form.across_reach)."""
    if not when.complete or len(when.key) < 2:
        return []
    earlier = [when.shift(steps=n) for n in range(1, when.key[1])]
    return [p for p in (*earlier, when.shift(years=1)) if p is not None]


def _periods(
    history: Sequence[Submission], reference: Any
) -> tuple[dict[tuple[int, int], _Report], dict[int, _Report]]:
    quarters: dict[tuple[int, int], list[_Report]] = {}
    annuals: dict[int, list[_Report]] = {}
    for sub in history:
        form_id = sub.form.id if sub.form else None
        if sub.status != "accepted" or form_id not in (JIDU, NIANBAO):
            continue
        spec = load_form_spec(form_id)
        when = Period.of(sub.values, spec)
        if when is None or not when.complete:
            continue
        report = _Report(Context(sub, spec, reference, when.year), when)
        if form_id == NIANBAO:
            annuals.setdefault(when.year, []).append(report)
        else:
            quarters.setdefault((when.year, when.key[1]), []).append(report)
    return (
        {k: v[0] for k, v in quarters.items() if len(v) == 1},
        {k: v[0] for k, v in annuals.items() if len(v) == 1},
    )


def _shown(v: float) -> str:
    text = f"{v:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _with_unit(v: float, unit: str | None) -> str:
    if unit == "%":
        return f"{_shown(v)}%"
    return f"{_shown(v)} {unit}" if unit else _shown(v)


def _unit(report: _Report, key: str) -> str | None:
    return report.ctx.spec.field(key).unit


def _differs(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) > tolerance + _EPS


# ---------------------------------------------------------------- 1. cumulative never falls


def _never_falls(
    earlier: _Report, later: _Report, fell: set[str]
) -> list[tuple[Submission, Issue]]:
    out = []
    for stem, what in FIGURES:
        key = f"{stem}_ytd"
        before, now = earlier.num(key), later.num(key)
        if before is None or now is None or now >= before - SAME_AMOUNT - _EPS:
            continue
        fell.add(stem)
        unit = _unit(later, key)
        out.append(
            later.issue(
                "cumulative_fell",
                key,
                value=now,
                what=what,
                period=later.period,
                amount=_with_unit(now, unit),
                earlier=earlier.named,
                earlier_amount=_with_unit(before, unit),
            )
        )
    return out


# ---------------------------------------------------------------- 2. quarter = difference


# A warning, not an error: the cumulatives of an earlier quarter are often revised (海关、
# 统计数据修订) after its report was sent, and the later report rightly uses the revised
# figure; which of the three figures is wrong, if any, only the base can say.
def _quarter_is_difference(
    previous: _Report, report: _Report, fell: set[str]
) -> list[tuple[Submission, Issue]]:
    out = []
    for stem, what in FIGURES:
        if stem in NOT_ADDITIVE or stem in fell:
            continue
        q_key, ytd_key = f"{stem}_q", f"{stem}_ytd"
        q, ytd, before = report.num(q_key), report.num(ytd_key), previous.num(ytd_key)
        if q is None or ytd is None or before is None:
            continue
        tolerance = DIFFERENCE_AMOUNT if stem.endswith("_value") else 0.0
        if not _differs(q, ytd - before, tolerance):
            continue
        unit = _unit(report, q_key)
        out.append(
            report.issue(
                "quarter_not_difference",
                q_key,
                related=(ytd_key,),
                value=q,
                what=what,
                period=report.period,
                amount=_with_unit(q, unit),
                cumulative=_with_unit(ytd, unit),
                earlier=previous.named,
                earlier_amount=_with_unit(before, unit),
                difference=_with_unit(ytd - before, unit),
            )
        )
    return out


# ---------------------------------------------------------------- 3. 同比 recomputed


def _growth_recomputed(
    last_year: _Report, report: _Report, suffix: str
) -> list[tuple[Submission, Issue]]:
    """Warning (see GROWTH_POINTS): last year's figure may have been revised since."""
    out = []
    for growth_key, stem in GROWTH.items():
        figure = stem + suffix
        g, now, before = report.num(growth_key), report.num(figure), last_year.num(figure)
        if g is None or now is None or before is None or before <= 0:
            continue
        computed = (now / before - 1) * 100
        if not _differs(g, computed, GROWTH_POINTS):
            continue
        unit = _unit(report, figure)
        out.append(
            report.issue(
                "growth_recomputed_differs",
                growth_key,
                related=(figure,),
                value=g,
                what=_WHAT[stem],
                period=report.period,
                reported=_with_unit(g, "%"),
                amount=_with_unit(now, unit),
                earlier=last_year.named,
                earlier_amount=_with_unit(before, unit),
                computed=f"{computed:.2f}%",
                gap=f"{abs(g - computed):.2f}",
                tolerance=_shown(GROWTH_POINTS),
            )
        )
    return out


# ---------------------------------------------------------------- 4. annual = fourth quarter


# A warning, in both files, each naming the other: 四(四) has the 年度工作报告 sent "每年12月底
# 前", before the fourth quarter has ended, so its figures for the year are estimates and an
# on-time report rightly differs from the fourth quarter's cumulative sent in January. Which
# figure to keep, or whether either file is to be resent, is the base's and the province's
# call; the values still count in totals (only errors leave them out).
def _annual_is_q4(q4: _Report, annual: _Report) -> list[tuple[Submission, Issue]]:
    out = []
    for key, q4_key in ANNUAL_EQUALS_Q4.items():
        a, b = annual.num(key), q4.num(q4_key)
        if a is None or b is None:
            continue
        unit = _unit(annual, key)
        tolerance = {"万美元": SAME_AMOUNT, "%": SAME_PERCENT}.get(unit or "", 0.0)
        if not _differs(a, b, tolerance):
            continue
        stem = GROWTH.get(key, key)
        growth = key in GROWTH
        annual_what = _WHAT[stem] + ("同比增长" if growth else "全年数")
        q4_what = _WHAT[stem] + ("累计同比增长" if growth else "1月至本季度累计")
        annual_amount, q4_amount = _with_unit(a, unit), _with_unit(b, unit)
        out.append(
            annual.issue(
                "annual_not_fourth_quarter",
                key,
                value=a,
                period=annual.period,
                what=annual_what,
                amount=annual_amount,
                other=q4.named,
                other_what=q4_what,
                other_amount=q4_amount,
            )
        )
        out.append(
            q4.issue(
                "annual_not_fourth_quarter",
                q4_key,
                value=b,
                period=q4.period,
                what=q4_what,
                amount=q4_amount,
                other=annual.named,
                other_what=annual_what,
                other_amount=annual_amount,
            )
        )
    return out


# ---------------------------------------------------------------- 5. key enterprises kept


def _name_key(name: Any) -> str:
    """Names compared without spaces and with either kind of brackets."""
    text = re.sub(r"\s+", "", str(name))
    return text.replace("（", "(").replace("）", ")")


def _names(report: _Report) -> list[str]:
    rows = report.ctx.value("key_enterprises") or []
    names = [str(r.get("name")).strip() for r in rows if isinstance(r, dict) and r.get("name")]
    return list(dict.fromkeys(names))


def _enterprises_kept(previous: _Report, report: _Report) -> list[tuple[Submission, Issue]]:
    """A warning: an enterprise may rightly leave the list (moved out, stopped exporting)."""
    now = {_name_key(n) for n in _names(report)}
    missing = [n for n in _names(previous) if _name_key(n) not in now]
    if not missing:
        return []
    return [
        report.issue(
            "key_enterprises_dropped",
            "key_enterprises",
            value="、".join(missing),
            names="、".join(f"“{n}”" for n in missing),
            count=len(missing),
            period=report.period,
            earlier=previous.named,
        )
    ]
