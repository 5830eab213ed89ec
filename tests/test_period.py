"""One `Period` for every stage (formkit/period.py): parsed, compared, shifted, shown."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formkit.forms import load_form_spec
from formkit.period import Period, PeriodField
from formkit.spec import load_spec
from tests.conftest import ROOT

JIDU, NIANBAO = "kjxm-cxjd-jidu", "kjxm-cxjd-nianbao"
QUARTERS = ("第一季度", "第二季度", "第三季度", "第四季度")


def test_a_quarter_in_every_representation() -> None:
    spec = load_form_spec(JIDU)
    p = Period.parse("2007Q2", spec)
    assert p.values == (("report_year", 2007), ("report_quarter", "第二季度"))
    assert (p.key, p.text, p.words, p.tag, p.year) == (
        (2007, 2),
        "2007/第二季度",
        "2007年第二季度",
        "2007Q2",
        2007,
    )
    assert p.complete and p.end() == (2007, 6)
    # the other ways to write it, and the file's own values, are the same period
    assert Period.parse("2007-2", spec) == Period.parse("2007/第二季度", spec) == p
    assert Period.of({"report_year": 2007, "report_quarter": "第二季度"}, spec) == p
    assert Period.from_key((2007, 2), spec) == p


def test_a_year_alone_of_a_quarterly_form_and_a_yearly_form() -> None:
    jidu, nianbao = load_form_spec(JIDU), load_form_spec(NIANBAO)
    year = Period.of({"report_year": 2007}, jidu)
    assert year is not None and not year.complete and year.key == (2007,) and year.words == "2007年"
    annual = Period.parse("2007", nianbao)
    assert annual.complete and annual.text == "2007" and annual.tag == "2007"
    assert annual.end() == (2007, 12)
    assert Period.of({"report_year": None}, jidu) is None
    assert Period.of({}, load_form_spec()) is None  # the 申报书 is not periodic


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2007Q5", "无法识别"),
        ("2007", "无法识别"),  # a quarterly form needs its quarter
        ("1999Q1", "年份不合理"),
        ("2007/第五季度", "无法识别"),
    ],
)
def test_a_period_that_cannot_be_read_says_so_in_chinese(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        Period.parse(text, load_form_spec(JIDU))


@settings(deadline=None)  # the first example loads the spec
@given(
    year=st.integers(2001, 2099),
    quarter=st.integers(1, 4),
    steps=st.integers(0, 9),
    years=st.integers(0, 3),
)
def test_shifting_counts_quarters_across_years(
    year: int, quarter: int, steps: int, years: int
) -> None:
    spec = load_form_spec(JIDU)
    p = Period.from_key((year, quarter), spec)
    index = (year - years) * 4 + (quarter - 1) - steps  # quarters since year 0, computed here
    shifted = p.shift(years=years, steps=steps)
    assert shifted is not None
    assert shifted.key == (index // 4, index % 4 + 1)
    assert shifted.given[1] == QUARTERS[index % 4]
    assert sorted([shifted, p], key=lambda x: x.key)[-1] == p  # earlier sorts first


def test_a_numbered_sub_period_shifts_within_its_year_only() -> None:
    """The toy form's month is a number, not a choice: the form does not say how many a year
    has, so a step across the year is unknown."""
    spec = load_spec(ROOT / "tests" / "toy_form" / "spec.toml")
    p = Period.of({"nian": 2007, "yue": 3}, spec)
    assert p is not None and p.key == (2007, 3)
    label = spec.field("yue").label
    assert p.words == f"2007年{label}3" and p.text == "2007/3"
    assert p.shift(steps=2) == Period.of({"nian": 2007, "yue": 1}, spec)
    assert p.shift(steps=3) is None
    assert p.shift(years=1) == Period.of({"nian": 2006, "yue": 3}, spec)


def test_a_deadline_counts_from_the_end_of_the_period() -> None:
    p = Period.parse("2007Q4", load_form_spec(JIDU))
    assert p.deadline(1, 31).isoformat() == "2008-01-31"
    assert Period.parse("2007Q1", load_form_spec(JIDU)).deadline(1, 31).isoformat() == "2007-04-30"


def test_each_spec_has_its_own_period_fields_however_often_asked() -> None:
    """PeriodField.all_of is kept per spec object: a spec made from another (another
    period role) gets its own fields, not the first one's."""
    jidu = load_form_spec("kjxm-cxjd-jidu")
    assert [f.id for f in PeriodField.all_of(jidu)] == ["report_year", "report_quarter"]
    assert PeriodField.all_of(jidu) is PeriodField.all_of(jidu)
    yearly = dataclasses.replace(
        jidu, roles=dataclasses.replace(jidu.roles, period=("report_year",))
    )
    assert [f.id for f in PeriodField.all_of(yearly)] == ["report_year"]
    assert [f.id for f in PeriodField.all_of(jidu)] == ["report_year", "report_quarter"]
    assert Period.of({"report_year": 2007, "report_quarter": "第二季度"}, yearly).text == "2007"
