"""Rules across one base's quarterly and annual reports (商技发[2006]6号 四(四); issue #15 item 4):
a year of four 季度数据报表, the same quarter and the 年度工作报告 of the year before, and the
year's 年度工作报告, each written through its template and read back, so every cell is real.

Every expected number is computed here from the figures the files were filled with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from formkit.forms import load_form_spec
from formkit.forms.jidu.across import ANNUAL_EQUALS_Q4, check_across
from formkit.issues import CATALOGUE, Issue, render
from formkit.read import Submission, read
from formkit.template import build_template
from tests.report_forms import JIDU, NIANBAO, identity

YEAR, LAST = 2007, 2006

# 2007's quarter figures (本季度), per stem; the cumulatives are their running sums
QUARTERLY: dict[str, list[float | int]] = {
    "export_value": [45999.75, 52000.5, 50000.25, 61000.0],
    "hitech_export_value": [27100.75, 30100.0, 29000.5, 35000.0],
    "own_ip_export_value": [6900.0, 8200.0, 7000.0, 9000.0],
    "own_brand_export_value": [5699.5, 6100.5, 6000.0, 7000.25],
    "tech_import_contracts": [5, 7, 3, 6],
    "tech_import_value": [1150.5, 1500.0, 800.0, 1200.0],
    "intl_certifications": [2, 3, 1, 0],
    "foreign_patents": [8, 11, 6, 9],
    "foreign_trademarks": [2, 4, 1, 3],
    "foreign_copyrights": [0, 2, 1, 0],
    "software_export_value": [1800.0, 2300.0, 2100.0, 2600.0],
    "outsourcing_value": [800.0, 900.0, 1000.0, 1100.0],
}
# enterprises with exports: a count of distinct enterprises, not a sum of the quarters
ENTERPRISES_Q = [150, 160, 165, 180]
ENTERPRISES_YTD = [150, 170, 185, 196]
# last year's cumulatives: its second quarter's, and its whole year's (its annual report)
LAST_Q2 = {"export_value": 80000.0, "hitech_export_value": 50000.0, "software_export_value": 3200.0}
LAST_ANNUAL = {
    "export_value": 170000.0,
    "hitech_export_value": 100000.0,
    "software_export_value": 7000.0,
}
GROWTHS = {
    "export_growth": "export_value",
    "hitech_export_growth": "hitech_export_value",
    "software_export_growth": "software_export_value",
}
COMPANIES = ["示例电子（南京）有限公司", "示例软件股份有限公司"]
FILL = {1: dt.date(YEAR, 4, 10), 2: dt.date(YEAR, 7, 10), 3: dt.date(YEAR, 10, 10)}
FILL[4] = dt.date(YEAR + 1, 1, 10)
QUARTER_NAMES = ["第一季度", "第二季度", "第三季度", "第四季度"]


def ytd(stem: str, quarter: int) -> float | int:
    if stem == "enterprise_count":
        return ENTERPRISES_YTD[quarter - 1]
    total = sum(QUARTERLY[stem][:quarter])
    return round(total, 2) if isinstance(total, float) else total


def growth(now: float, before: float) -> float:
    return round((now / before - 1) * 100, 1)


def quarter_values(quarter: int) -> dict[str, Any]:
    values: dict[str, Any] = {
        **identity(YEAR),
        "report_quarter": QUARTER_NAMES[quarter - 1],
        "fill_date": FILL[quarter],
        "enterprise_count_q": ENTERPRISES_Q[quarter - 1],
        "enterprise_count_ytd": ENTERPRISES_YTD[quarter - 1],
    }
    for stem, figures in QUARTERLY.items():
        values[f"{stem}_q"] = figures[quarter - 1]
        values[f"{stem}_ytd"] = ytd(stem, quarter)
    # the same period of last year: its second quarter for the second, its year for the fourth
    last = {2: LAST_Q2, 4: LAST_ANNUAL}.get(quarter)
    for g, stem in GROWTHS.items():
        values[g] = growth(ytd(stem, quarter), last[stem]) if last else 10.0
    values["key_enterprises"] = [
        {
            "name": name,
            "export_value_q": 1000.0 * (i + 1),
            "export_value_ytd": 1000.0 * (i + 1) * quarter,
            "hitech_export_value_q": 500.0,
            "hitech_export_value_ytd": 500.0 * quarter,
            "own_brand": True,
        }
        for i, name in enumerate(COMPANIES)
    ]
    values["important_info"] = "无"
    return values


def annual_values() -> dict[str, Any]:
    values: dict[str, Any] = {**identity(YEAR), "fill_date": dt.date(YEAR, 12, 20)}
    values["enterprise_count"] = ytd("enterprise_count", 4)
    for stem in QUARTERLY:
        values[stem] = ytd(stem, 4)
    for g, stem in GROWTHS.items():
        values[g] = growth(ytd(stem, 4), LAST_ANNUAL[stem])
    values.update(work_progress="进展", work_results="成效", work_problems="问题")
    values["next_year_plan"] = "思路"
    return values


def last_year_values(annual: bool) -> dict[str, Any]:
    """Last year's second quarter, or its annual report: the figures the growths rest on."""
    values: dict[str, Any] = {**identity(LAST), "fill_date": dt.date(LAST, 7, 10)}
    base = LAST_ANNUAL if annual else LAST_Q2
    for stem in ("enterprise_count", *QUARTERLY):
        figure = base.get(stem, 100.0 if stem.endswith("_value") else 1)
        if annual:
            values[stem] = figure
        else:
            values.update({f"{stem}_q": figure, f"{stem}_ytd": figure})
    if not annual:
        values["report_quarter"] = "第二季度"
    return values


# label -> (form, year, values)
Files = dict[str, tuple[str, int, dict[str, Any]]]


def clean_files() -> Files:
    files: Files = {f"{YEAR}Q{q}": (JIDU, YEAR, quarter_values(q)) for q in range(1, 5)}
    files[f"{YEAR}年报"] = (NIANBAO, YEAR, annual_values())
    files[f"{LAST}Q2"] = (JIDU, LAST, last_year_values(annual=False))
    files[f"{LAST}年报"] = (NIANBAO, LAST, last_year_values(annual=True))
    return files


def write_and_read(tmp_path: Path, files: Files) -> dict[str, Submission]:
    subs = {}
    for label, (form_id, year, values) in files.items():
        path = tmp_path / f"{label}.xlsx"
        path.write_bytes(build_template(load_form_spec(form_id), year=year, values=values))
        sub = read(path)
        assert sub.status == "accepted", sub.issues
        subs[label] = sub
    return subs


def shown(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def template_cell(form_id: str, key: str) -> tuple[str, str]:
    spec = load_form_spec(form_id)
    entry = spec.table(key) if key == "key_enterprises" else spec.field(key)
    return spec.sheet(entry.sheet).name, entry.area.first.a1


# ---------------------------------------------------------------- the cases


def q(quarter: int) -> str:
    return f"{YEAR}Q{quarter}"


def vals(files: Files, label: str) -> dict[str, Any]:
    return files[label][2]


def _set(label: str, **changes: Any) -> Callable[[Files], None]:
    def change(files: Files) -> None:
        vals(files, label).update(changes)

    return change


def _both(*changes: Callable[[Files], None]) -> Callable[[Files], None]:
    def change(files: Files) -> None:
        for c in changes:
            c(files)

    return change


def _drop_company(files: Files) -> None:
    rows = vals(files, q(3))["key_enterprises"]
    vals(files, q(3))["key_enterprises"] = [r for r in rows if r["name"] != COMPANIES[1]]


def _rename_brackets(files: Files) -> None:
    vals(files, q(3))["key_enterprises"][0]["name"] = " 示例电子(南京)有限公司"


E2, H2 = ytd("export_value", 2), ytd("hitech_export_value", 2)
FELL = E2 - 500.0
GROWTH_Q2 = (E2 / LAST_Q2["export_value"] - 1) * 100
HITECH_YEAR = (ytd("hitech_export_value", 4) / LAST_ANNUAL["hitech_export_value"] - 1) * 100

# (id, change, [(code, file label, form, field, [fragments of the message])])
CASES: list[tuple[str, Callable[[Files], None], list[tuple[str, str, str, str, list[str]]]]] = [
    (
        "a-count-falls",
        _set(q(3), enterprise_count_ytd=168),
        [
            (
                "cumulative_fell",
                q(3),
                JIDU,
                "enterprise_count_ytd",
                [
                    "2007年第三季度",
                    "168 个",
                    "2007年第二季度",
                    f"{ENTERPRISES_YTD[1]} 个",
                    "2007Q2.xlsx",
                ],
            )
        ],
    ),
    (
        # the fourth quarter's difference then disagrees too; the third's is not repeated
        "a-amount-falls",
        _set(q(3), export_value_ytd=FELL),
        [
            ("cumulative_fell", q(3), JIDU, "export_value_ytd", [shown(FELL), shown(E2)]),
            (
                "quarter_not_difference",
                q(4),
                JIDU,
                "export_value_q",
                [
                    "61000 万美元",
                    f"{shown(ytd('export_value', 4))} 万美元",
                    shown(FELL),
                    shown(ytd("export_value", 4) - FELL),
                ],
            ),
        ],
    ),
    (
        "b-quarter-off",
        _set(q(2), hitech_export_value_q=30200.0),
        [
            (
                "quarter_not_difference",
                q(2),
                JIDU,
                "hitech_export_value_q",
                [
                    "30200 万美元",
                    f"{shown(H2)} 万美元",
                    "27100.75 万美元",
                    f"{shown(H2 - 27100.75)} 万美元",
                ],
            )
        ],
    ),
    ("b-within-a-cent-and-a-half", _set(q(2), hitech_export_value_q=30100.01), []),
    (
        "b-two-cents-off",
        _set(q(2), hitech_export_value_q=30100.02),
        [("quarter_not_difference", q(2), JIDU, "hitech_export_value_q", ["30100.02 万美元"])],
    ),
    (
        "b-count-off-by-one",
        _set(q(3), tech_import_contracts_q=4),
        [("quarter_not_difference", q(3), JIDU, "tech_import_contracts_q", ["4 项", "3 项"])],
    ),
    (
        "c-growth-off",
        _set(q(2), export_growth=round(GROWTH_Q2 + 5, 1)),
        [
            (
                "growth_recomputed_differs",
                q(2),
                JIDU,
                "export_growth",
                [
                    f"{round(GROWTH_Q2 + 5, 1)}%",
                    f"{GROWTH_Q2:.2f}%",
                    "2006年第二季度",
                    "80000 万美元",
                ],
            )
        ],
    ),
    ("c-growth-within-a-point", _set(q(2), export_growth=round(GROWTH_Q2 + 0.9, 1)), []),
    (
        # the fourth quarter says the same: only last year's report disagrees
        "c-annual-growth-off",
        _both(
            _set(q(4), hitech_export_growth=round(HITECH_YEAR + 3, 1)),
            _set(f"{YEAR}年报", hitech_export_growth=round(HITECH_YEAR + 3, 1)),
        ),
        [
            (
                "growth_recomputed_differs",
                f"{YEAR}年报",
                NIANBAO,
                "hitech_export_growth",
                [f"{HITECH_YEAR:.2f}%", "2006年年度工作报告", "100000 万美元"],
            )
        ],
    ),
    (
        # 四(四): the annual report is due in December, before the fourth quarter ends: its
        # figures are estimates. A warning in both files, each naming the other.
        "d-annual-differs",
        _set(f"{YEAR}年报", export_value=ytd("export_value", 4) + 10),
        [
            (
                "annual_not_fourth_quarter",
                f"{YEAR}年报",
                NIANBAO,
                "export_value",
                [
                    f"出口额全年数为 {shown(ytd('export_value', 4) + 10)} 万美元",
                    f"出口额1月至本季度累计为 {shown(ytd('export_value', 4))} 万美元",
                    "2007年第四季度数据报表（文件“2007Q4.xlsx”）",
                    "12月底前报送",
                    "预计数",
                ],
            ),
            (
                "annual_not_fourth_quarter",
                q(4),
                JIDU,
                "export_value_ytd",
                [
                    f"2007年第四季度的出口额1月至本季度累计为 {shown(ytd('export_value', 4))}",
                    f"出口额全年数为 {shown(ytd('export_value', 4) + 10)} 万美元",
                    f"2007年年度工作报告（文件“{YEAR}年报.xlsx”）",
                    "预计数",
                ],
            ),
        ],
    ),
    (
        "d-annual-count-differs",
        _set(f"{YEAR}年报", foreign_patents=ytd("foreign_patents", 4) + 1),
        [
            (
                "annual_not_fourth_quarter",
                f"{YEAR}年报",
                NIANBAO,
                "foreign_patents",
                [f"{ytd('foreign_patents', 4) + 1} 件", f"{ytd('foreign_patents', 4)} 件"],
            ),
            (
                "annual_not_fourth_quarter",
                q(4),
                JIDU,
                "foreign_patents_ytd",
                [f"{ytd('foreign_patents', 4)} 件", f"{ytd('foreign_patents', 4) + 1} 件"],
            ),
        ],
    ),
    (
        "d-annual-growth-differs",
        # half a point apart: within 同比's recomputation, beyond "the same figure written twice"
        _set(f"{YEAR}年报", hitech_export_growth=round(HITECH_YEAR + 0.5, 1)),
        [
            (
                "annual_not_fourth_quarter",
                f"{YEAR}年报",
                NIANBAO,
                "hitech_export_growth",
                ["高新技术产品出口额同比增长为", "高新技术产品出口额累计同比增长为"],
            ),
            (
                "annual_not_fourth_quarter",
                q(4),
                JIDU,
                "hitech_export_growth",
                ["高新技术产品出口额累计同比增长为", "高新技术产品出口额同比增长为"],
            ),
        ],
    ),
    (
        "e-enterprise-disappears",
        _drop_company,
        [
            (
                "key_enterprises_dropped",
                q(3),
                JIDU,
                "key_enterprises",
                [f"“{COMPANIES[1]}”", "2007年第二季度", "2007年第三季度", "1 家"],
            )
        ],
    ),
    ("e-same-name-other-brackets", _rename_brackets, []),
]


@pytest.mark.parametrize(("change", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rules_across_periods(
    tmp_path: Path,
    change: Callable[[Files], None],
    expected: list[tuple[str, str, str, str, list[str]]],
) -> None:
    files = clean_files()
    change(files)
    subs = write_and_read(tmp_path, files)
    before = {label: list(s.issues) for label, s in subs.items()}
    found = check_across(list(subs.values()), None)
    label_of = {id(s): label for label, s in subs.items()}
    got = [(i.code, label_of[id(s)], i.field, (i.sheet, i.cell)) for s, i in found]
    want = [(code, label, key, template_cell(form, key)) for code, label, form, key, _ in expected]
    assert sorted(got) == sorted(want)
    for (_, issue), (code, *_rest, fragments) in zip(
        sorted(found, key=lambda p: (p[1].code, label_of[id(p[0])])),
        sorted(expected, key=lambda e: (e[0], e[1])),
        strict=True,
    ):
        assert issue.code == code
        assert issue.severity == CATALOGUE[code].severity and issue.clause == "四(四)"
        for fragment in fragments:
            assert fragment in issue.message, (fragment, issue.message)
        assert "{" not in issue.message and "…" not in issue.message
        assert "{" not in render(issue, "en")
    # the submissions are left as they were: the caller attaches the issues
    assert {label: s.issues for label, s in subs.items()} == before


def test_clean_year_in_any_order_gives_no_issues(tmp_path: Path) -> None:
    subs = list(write_and_read(tmp_path, clean_files()).values())
    assert check_across(subs, None) == []
    assert check_across(subs[::-1], None) == []


def test_order_of_history_does_not_matter(tmp_path: Path) -> None:
    files = clean_files()
    _set(q(3), export_value_ytd=FELL)(files)
    _drop_company(files)
    subs = list(write_and_read(tmp_path, files).values())

    def key(found: list[tuple[Submission, Issue]]) -> list[tuple[str, str, str | None]]:
        return sorted((s.file, i.code, i.cell) for s, i in found)

    assert key(check_across(subs, None)) == key(check_across(subs[::-1], None))
    assert len(check_across(subs, None)) == 3


def test_a_missing_quarter_is_skipped_and_the_cumulative_compared_with_the_one_before(
    tmp_path: Path,
) -> None:
    """Without the second quarter, the third's figure is not a difference of anything known;
    its cumulative still may not be below the first quarter's."""
    files = clean_files()
    del files[q(2)]
    first = ytd("export_value", 1)
    _set(q(3), export_value_q=1.0, export_value_ytd=first - 1)(files)
    subs = write_and_read(tmp_path, files)
    found = check_across(list(subs.values()), None)
    assert sorted((s.file, i.code, i.field) for s, i in found) == [
        (subs[q(3)].file, "cumulative_fell", "export_value_ytd"),
        # the fourth quarter follows the third, whose cumulative is now out of line
        (subs[q(4)].file, "quarter_not_difference", "export_value_q"),
    ]
    assert "2007年第一季度" in found[0][1].message and shown(first) in found[0][1].message


def test_reports_without_a_period_or_twice_for_one_are_left_out(tmp_path: Path) -> None:
    files = clean_files()
    files["again"] = (JIDU, YEAR, {**quarter_values(3), "export_value_ytd": 1.0})
    vals(files, q(4))["report_quarter"] = None
    subs = write_and_read(tmp_path, files)
    # the third quarter is given twice (left out) and the fourth has no quarter (left out);
    # nothing else differs
    assert check_across(list(subs.values()), None) == []


def test_annual_mapping_covers_every_figure_of_both_specs() -> None:
    """The correspondence table: every figure of the annual report, to the fourth quarter's
    field with the same type and unit."""
    annual, quarterly = load_form_spec(NIANBAO), load_form_spec(JIDU)
    figures = {f.id for f in annual.fields if f.type in ("decimal", "integer", "percent")}
    assert set(ANNUAL_EQUALS_Q4) == figures - {"report_year"}
    for key, q4_key in ANNUAL_EQUALS_Q4.items():
        a, b = annual.field(key), quarterly.field(q4_key)
        assert (a.type, a.unit) == (b.type, b.unit), key
        assert q4_key.endswith("_ytd") or q4_key.endswith("_growth")


def test_codes_are_catalogued_in_chinese() -> None:
    for code in (
        "cumulative_fell",
        "quarter_not_difference",
        "growth_recomputed_differs",
        "annual_not_fourth_quarter",
        "key_enterprises_dropped",
    ):
        entry = CATALOGUE[code]
        assert entry.clause == "四(四)"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in entry.template + entry.fix), code


def test_the_clean_year_adds_up() -> None:
    """The test's own figures: each quarter is the difference of its cumulatives."""
    for stem, figures in QUARTERLY.items():
        for quarter in range(2, 5):
            assert round(ytd(stem, quarter) - ytd(stem, quarter - 1), 2) == figures[quarter - 1]
