"""One national series per measure (issue 20, item 5): each bundled national figure names its
basis and source; where a published growth rate shows the basis changed, growth over the
span is chained from the published rates, and the output says so; a year with no sourced
figure stays missing.

Expected numbers are computed here from the published rates as their sources state them,
not taken from formkit.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from formkit.check import check_file
from formkit.forms import read_options
from formkit.read.submission import Submission
from formkit.reference import load_reference
from formkit.summary.collect import collect
from formkit.summary.sheets import write
from tests.forms import full_values, write_filled

# 海关总署 2009-02-21 (新华社, china.org.cn): 2008 high-tech exports 415.6 billion dollars,
# "up 13.1 percent", the growth rate "11.7 percentage points ... lower than the year-ago level"
PUBLISHED_2008 = 13.1
PUBLISHED_2007 = PUBLISHED_2008 + 11.7
# each is rounded to 0.1 point: 2008's ±0.05, 2007's (a sum of two rounded numbers) ±0.1
CHAINED = ((1 + PUBLISHED_2007 / 100) * (1 + PUBLISHED_2008 / 100) - 1) * 100
CHAINED_LOW = ((1 + (PUBLISHED_2007 - 0.1) / 100) * (1 + (PUBLISHED_2008 - 0.05) / 100) - 1) * 100
CHAINED_HIGH = ((1 + (PUBLISHED_2007 + 0.1) / 100) * (1 + (PUBLISHED_2008 + 0.05) / 100) - 1) * 100
# what comparing the bundled 2006 and 2008 figures directly gives: 2815 (国家发展改革委's
# 高技术产品) against 4156 (海关统计's 高新技术产品), two bases
DIRECT = (4156 - 2815) / 2815 * 100


def test_the_bundled_rates_are_the_published_ones() -> None:
    ref = load_reference()
    g07, g08 = (
        ref.national[2007].growth("hitech_exports"),
        ref.national[2008].growth("hitech_exports"),
    )
    assert g07 is not None and g08 is not None
    assert g07.value == pytest.approx(PUBLISHED_2007) and g07.margin == pytest.approx(0.1)
    assert g08.value == PUBLISHED_2008 and g08.margin == pytest.approx(0.05)
    assert "11.7" in g07.source and "china.org.cn" in g07.found and "海关" in g07.basis
    # 2008's rate against the bundled 2007 figure: the basis changed (3478 × 1.131 ≠ 4156)
    f07, f08 = (
        ref.national[2007].figure("hitech_exports"),
        ref.national[2008].figure("hitech_exports"),
    )
    assert f07 is not None and f08 is not None and f07.basis != f08.basis
    assert abs(f07.value * (1 + PUBLISHED_2008 / 100) - f08.value) > 150


def test_growth_over_2006_2008_is_chained_from_the_published_rates() -> None:
    g = load_reference().national_growth("hitech_exports", 2006, 2008)
    assert round(CHAINED, 2) == 41.15 and round(DIRECT, 2) == 47.64  # the case relies on these
    assert g.chained and g.value == round(CHAINED, 2)
    assert (g.low, g.high) == (round(CHAINED_LOW, 2), round(CHAINED_HIGH, 2))
    assert [(p.start, p.end, p.kind) for p in g.parts] == [
        (2006, 2007, "rate"),
        (2007, 2008, "rate"),
    ]
    text = g.describe("全国高新技术产品出口")
    assert "统计口径有变化" in text and "按公布增幅连乘" in text
    assert "2007 年 24.8%" in text and "2008 年 13.1%" in text


def test_a_span_on_one_basis_is_the_ratio_of_its_figures() -> None:
    """2003-2005: the published 2004 and 2005 rates agree with the figures (within their
    rounding): no change of basis, the growth is (2183 - 1100) / 1100 as before."""
    g = load_reference().national_growth("hitech_exports", 2003, 2005)
    assert not g.chained and g.value == round((2183 - 1100) / 1100 * 100, 2)
    assert (g.low, g.high) == (
        round((2182.5 - 1105) / 1105 * 100, 2),
        round((2183.5 - 1095) / 1095 * 100, 2),
    )
    assert "口径" not in g.describe("全国高新技术产品出口")


def test_2005_2007_chains_only_the_year_whose_basis_changed() -> None:
    g = load_reference().national_growth("hitech_exports", 2005, 2007)
    expected = (2815 / 2183 * (1 + PUBLISHED_2007 / 100) - 1) * 100
    assert g.chained and g.value == round(expected, 2)
    assert [p.kind for p in g.parts] == ["levels", "rate"]


def test_a_year_without_a_sourced_figure_stays_missing() -> None:
    ref = load_reference()
    assert ref.national[2009].figure("hitech_exports") is None
    assert ref.national[2009].growth("hitech_exports") is None
    g = ref.national_growth("hitech_exports", 2007, 2009)
    assert g.value is None and g.missing == (2009,)
    assert "缺少 2009 年" in g.describe("全国高新技术产品出口")


def test_figures_on_different_bases_without_a_rate_are_not_compared(tmp_path: Path) -> None:
    """A user's 2009 figure on another basis, with no published growth to bridge it, gives
    no growth (not a silent comparison of two bases); with the published rate it chains."""
    from formkit.reference import load_reference as load

    extra = tmp_path / "ref.toml"
    extra.write_text(
        "[[year]]\nyear = 2009\nhitech_exports = 3500.0\n"
        'hitech_exports_source = "某机构"\nhitech_exports_basis = "另一口径"\n',
        encoding="utf-8",
    )
    g = load(str(extra)).national_growth("hitech_exports", 2007, 2009)
    assert g.value is None and g.unbridged == (2009,)
    assert "口径不同" in g.describe("全国高新技术产品出口")
    bridged = tmp_path / "bridged.toml"  # another file: a reference file is read once
    bridged.write_text(
        extra.read_text("utf-8") + "hitech_exports_growth = -9.0\n"
        'hitech_exports_growth_source = "某机构"\n',
        encoding="utf-8",
    )
    g = load(str(bridged)).national_growth("hitech_exports", 2007, 2009)
    assert g.chained and g.value == round(((1 + PUBLISHED_2008 / 100) * 0.91 - 1) * 100, 2)


def _application_2009(hitech: tuple[float, float, float], name: str = "甲市") -> dict[str, Any]:
    """A western 新申报 of the 2009 round (data years 2006-2008), only 六(二)(3)'s national
    half able to decide its growth (the local growth, 100%, is higher)."""
    v = full_values()
    exports = (8.0, 10.0, 12.5)
    v.update(
        applicant_name=name,
        city=name,
        fill_date=dt.date(2009, 4, 20),
        application_type="新申报",
        province="四川省",
        applicant_kind="地级市",
        existing_base_type=None,
        has_policy=None,
        has_funding=None,
        has_feature_industry=None,
        key_field="信息",
        hitech_export_value=hitech[2],
        hitech_export_growth=round((hitech[2] - hitech[1]) / hitech[1] * 100, 2),
        export_value=exports[2],
        export_growth=round((exports[2] - exports[1]) / exports[1] * 100, 2),
        local_export_growth=100.0,
        history=[
            {"year": 2006 + i, "export_value": e, "hitech_export_value": h}
            for i, (e, h) in enumerate(zip(exports, hitech, strict=True))
        ],
        attachments={"recommendation": True, "application_form": True, "development_plan": True},
    )
    return v


def _check(tmp_path: Path, values: dict[str, Any], name: str = "a.xlsx") -> Submission:
    path = write_filled(tmp_path / name, values, year=2009)
    return check_file(path, read_options(year=2009))


@pytest.mark.parametrize(
    ("last", "status"),
    [
        # 44%: above the chained 41.15% (at most 41.32%), below the direct 47.64%
        (5.76, "pass"),
        # 41.2%: inside the chained range 40.97%-41.32%: the rounding of the rates decides
        (5.648, "unknown"),
        # 40%: below the lowest possible chained growth
        (5.6, "fail"),
    ],
)
def test_the_2009_round_compares_with_the_chained_growth(
    tmp_path: Path, last: float, status: str
) -> None:
    own = (last - 4.0) / 4.0 * 100
    sub = _check(tmp_path, _application_2009((4.0, 5.0, last)))
    assert sub.computed["national_hitech_growth_3y"] == round(CHAINED, 2)
    assert sub.computed["national_hitech_growth_3y_range"] == [
        round(CHAINED_LOW, 2),
        round(CHAINED_HIGH, 2),
    ]
    c = next(c for c in sub.criteria if c["id"] == "new_growth")
    assert c["status"] == status, (own, c)
    assert "统计口径有变化，按公布增幅连乘" in c["detail"]


def test_the_summary_says_how_the_national_growth_was_made(tmp_path: Path) -> None:
    sub = _check(tmp_path, _application_2009((4.0, 5.0, 5.76)))
    out = write(tmp_path / "s.xlsx", collect([sub]))
    wb = openpyxl.load_workbook(out)
    notes = {r[0]: r[1] for r in wb["说明"].iter_rows(values_only=True) if r and r[0]}
    line = notes["全国同期增幅（通知六(二)(3)）"]
    assert f"{round(CHAINED, 2):g}%" in line and "统计口径有变化" in line and "2007、2008" in line
    denominator = notes["占全国比重的分母"]
    assert "2008 年" in denominator and "口径：" in denominator and "海关" in denominator
    assert "公布的高新技术产品出口增幅 24.8%" in notes["全国 2007 年"]
    # the 2009 round's data years end in 2008: later years' figures are for later rounds
    assert "全国 2008 年" in notes and "汇率 2008 年" in notes
    assert not [k for k in notes if str(k).startswith(("全国 2009", "全国 2010", "汇率 2009"))]
    # 明细's 全国同期增幅 is the chained value
    rows = list(wb["明细"].iter_rows(values_only=True))
    header = next(r for r in rows if r and "全国同期高新技术产品出口增幅(%)" in r)
    col = header.index("全国同期高新技术产品出口增幅(%)")
    values = [r[col] for r in rows[rows.index(header) + 1 :] if r[col] is not None]
    assert values == [round(CHAINED, 2)]


def test_the_2010_round_says_the_national_growth_is_missing(tmp_path: Path) -> None:
    v = _application_2009((4.0, 5.0, 5.76))
    v["fill_date"] = dt.date(2010, 4, 20)
    v["history"] = [dict(r, year=r["year"] + 1) for r in v["history"]]
    path = write_filled(tmp_path / "a.xlsx", v, year=2010)
    sub = check_file(path, read_options(year=2010))
    assert sub.computed["national_hitech_growth_3y"] is None
    missing = [
        i for i in sub.issues if i.code == "national_figure_missing" and i.field == "history"
    ]
    assert [i.params["year"] for i in missing] == [2009]
    c = next(c for c in sub.criteria if c["id"] == "new_growth")
    assert c["status"] == "unknown" and "全国数据缺失" in c["detail"]
