"""The quarterly summary (季度数据报表, 商技发[2006]6号 四(四)) and its national roll-up, from
the same engine as the 申报书's (issue #15 items 1 and 5).

Three bases of 江苏省 report four quarters of 2007; two of them also sent 2006's second
quarter. Every file is written through the form's template and read and checked as a
returned file. Every expected number (totals, 环比, 同比, the series) is computed here from
the figures the files were filled with, never read from formkit's own records.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from formkit.check import check_file
from formkit.cli import app
from formkit.forms import load_form_spec, read_options
from formkit.read import Submission
from formkit.rollup import rollup
from formkit.summary.collect import collect
from formkit.summary.kit import SummaryData
from formkit.summary.ledger import from_ledger
from formkit.summary.periods import not_reported
from formkit.summary.sheets import write
from formkit.template import build_template
from tests.report_forms import JIDU, NIANBAO
from tests.summaries import rows_of

YEAR = 2007
QUARTERS = ["第一季度", "第二季度", "第三季度", "第四季度"]
BASES = [
    ("苏州国家高新技术产品出口基地", "国家高新技术产品出口基地"),
    ("南京国家软件出口基地", "国家软件出口基地"),
    ("泰州国家医药出口基地", "国家医药出口基地"),
]
AMOUNTS = (
    "export_value",
    "hitech_export_value",
    "own_ip_export_value",
    "own_brand_export_value",
    "tech_import_value",
    "software_export_value",
    "outsourcing_value",
)
COUNTS = (
    "enterprise_count",
    "tech_import_contracts",
    "intl_certifications",
    "foreign_patents",
    "foreign_trademarks",
    "foreign_copyrights",
)
runner = CliRunner()
ANY = read_options(forms=None)  # each file read as the form it carries


def quarter_figures(b: int, q: int, year: int = YEAR) -> dict[str, float | int]:
    """Base b's figures for quarter q (本季度)."""
    e = 10000.0 * (b + 1) + 1000.0 * q + 0.25 + (0 if year == YEAR else -2500.0)
    software = 500.0 * (b + 1) + 10.0 * q
    return {
        "export_value": e,
        "hitech_export_value": round(e * 0.6, 2),
        "own_ip_export_value": round(e * 0.2, 2),
        "own_brand_export_value": round(e * 0.1, 2),
        "tech_import_value": 100.0 * (b + 1) + q,
        "software_export_value": software,
        "outsourcing_value": software / 2,
        "enterprise_count": 50 + 10 * b + 2 * (q - 1),
        "tech_import_contracts": q + b,
        "intl_certifications": 1,
        "foreign_patents": b + 1,
        "foreign_trademarks": 1,
        "foreign_copyrights": 0,
    }


def enterprises_ytd(b: int, q: int) -> int:
    # distinct enterprises: more than any quarter, less than the quarters' sum
    return 50 + 10 * b + 5 * (q - 1)


def values(b: int, q: int, year: int = YEAR, **changes: Any) -> dict[str, Any]:
    name, kind = BASES[b]
    v: dict[str, Any] = {
        "province": "江苏省",
        "base_name": name,
        "base_type": kind,
        "report_year": year,
        "report_quarter": QUARTERS[q - 1],
        "fill_date": dt.date(year, 3 * q, 28) + dt.timedelta(days=12),
        "contact_person": "王芳",
        "contact_phone": "025-83301234",
        "important_info": "无",
    }
    for stem in (*AMOUNTS, *COUNTS):
        v[f"{stem}_q"] = quarter_figures(b, q, year)[stem]
        if stem == "enterprise_count":
            v[f"{stem}_ytd"] = enterprises_ytd(b, q)
        else:
            running = sum(quarter_figures(b, k, year)[stem] for k in range(1, q + 1))
            v[f"{stem}_ytd"] = round(running, 2) if isinstance(running, float) else running
    e_q, e_ytd = v["export_value_q"], v["export_value_ytd"]
    v["key_enterprises"] = [
        {
            "name": f"{name[:2]}示例{k}有限公司",
            "export_value_q": round(e_q * 0.2, 2),
            "export_value_ytd": round(e_ytd * 0.2, 2),
            "hitech_export_value_q": round(e_q * 0.1, 2),
            "hitech_export_value_ytd": round(e_ytd * 0.1, 2),
            "own_brand": k == 1,
        }
        for k in (1, 2)
    ]
    v.update(changes)
    return v


# base 2's second quarter: 自主品牌 above 高新 (part_above_whole), so both of its quarter
# figures stay out of the totals and the comparisons
BAD_BRAND = values(2, 2)["hitech_export_value_q"] + 100.0
# base 1's second quarter: 境外专利 cumulative below the first quarter's (cumulative_fell,
# found only across the two files)
FELL = {"foreign_patents_q": 1, "foreign_patents_ytd": 1}


def file_set() -> dict[str, dict[str, Any]]:
    files = {}
    for b in range(3):
        for q in range(1, 5):
            changes: dict[str, Any] = {}
            if (b, q) == (2, 2):
                q1 = values(2, 1)["own_brand_export_value_ytd"]
                changes = {
                    "own_brand_export_value_q": BAD_BRAND,
                    "own_brand_export_value_ytd": round(q1 + BAD_BRAND, 2),
                }
            if (b, q) == (1, 2):
                changes = dict(FELL)
            files[f"b{b}-{YEAR}Q{q}"] = values(b, q, **changes)
    for b in (0, 1):  # last year's second quarter: the 同比 of two bases
        files[f"b{b}-{YEAR - 1}Q2"] = values(b, 2, year=YEAR - 1)
    return files


def write_files(folder: Path, files: dict[str, dict[str, Any]], year_of: Any = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    spec = load_form_spec(JIDU)
    for label, v in files.items():
        (folder / f"{label}.xlsx").write_bytes(
            build_template(spec, year=v["report_year"], values=v)
        )


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("jidu") / "收件箱"
    write_files(folder, file_set())
    # base 0 sent its second quarter twice: an earlier version with other figures
    early = values(0, 2, fill_date=dt.date(YEAR, 7, 2), export_value_q=1.0)
    early["export_value_ytd"] = round(values(0, 1)["export_value_ytd"] + 1.0, 2)
    early["hitech_export_value_q"] = early["own_ip_export_value_q"] = 0.5
    early["own_brand_export_value_q"] = 0.25
    early["key_enterprises"] = []
    (folder / "b0-2007Q2-初稿.xlsx").write_bytes(
        build_template(load_form_spec(JIDU), year=YEAR, values=early)
    )
    return folder


@pytest.fixture(scope="module")
def results(inbox: Path) -> list[Submission]:
    subs = [check_file(p, ANY) for p in sorted(inbox.iterdir())]
    assert all(s.status == "accepted" for s in subs), [s.rejection for s in subs]
    return subs


@pytest.fixture(scope="module")
def book(results: list[Submission], tmp_path_factory: pytest.TempPathFactory) -> Any:
    data = collect(results, spec=load_form_spec(JIDU), unit="江苏省", period=(YEAR, "第二季度"))
    path = tmp_path_factory.mktemp("out") / "季度汇总.xlsx"
    write(path, data, spec=load_form_spec(JIDU))
    return openpyxl.load_workbook(path)


def table(ws: Any, header_row: int = 2) -> list[dict[str, Any]]:
    headers = [c.value for c in ws[header_row]]
    out = []
    for row in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if all(v is None for v in row):
            break
        out.append(dict(zip(headers, row, strict=False)))
    return out


def usable(b: int, q: int, key: str, year: int = YEAR) -> float | None:
    """A figure as filed, None where the file has an error on it."""
    if (
        year == YEAR
        and (b, q) == (2, 2)
        and key
        in (
            "own_brand_export_value_q",
            "hitech_export_value_q",
        )
    ):
        return None
    if year == YEAR and (b, q) == (1, 2) and key == "foreign_patents_ytd":
        return None
    v = file_set()[f"b{b}-{year}Q{q}"][key]
    return float(v)


def test_the_summary_is_the_quarter_asked_for_one_row_per_base(book: Any) -> None:
    """四(四): one row per base for the second quarter, the resent quarter counted once."""
    rows = table(book["汇总表"])
    bases = [r["基地"] for r in rows if r["序号"] is not None]
    assert sorted(bases) == sorted(b for b, _k in BASES)
    by_base = {r["基地"]: r for r in rows}
    # the later version of base 0's second quarter, not the 初稿
    assert by_base[BASES[0][0]]["出口额(万美元)：本季度"] == values(0, 2)["export_value_q"]
    superseded = table(book["已替代文件"])
    assert [r["文件"] for r in superseded] == ["b0-2007Q2-初稿.xlsx"]
    assert book["汇总表"]["A1"].value == "江苏省2007年第二季度科技兴贸出口创新基地季度数据汇总表"


def test_totals_leave_out_values_with_errors_and_name_them(book: Any) -> None:
    """Totals count no value formkit called wrong, within one file or across two."""
    rows = table(book["汇总表"])
    total_row = next(r for r in rows if r["基地"] == "江苏省合计")
    for key, header in (
        ("export_value_q", "出口额(万美元)：本季度"),
        ("hitech_export_value_q", "高新技术产品出口额(万美元)：本季度"),
        ("export_value_ytd", "出口额(万美元)：累计"),
        ("own_brand_export_value_ytd", "自主品牌产品出口额(万美元)：累计"),
    ):
        want = sum(v for b in range(3) if (v := usable(b, 2, key)) is not None)
        assert total_row[header] == pytest.approx(want, abs=1e-6), key
    # base 2's 高新 this quarter is shown, not counted, and said why
    base2 = next(r for r in rows if r["基地"] == BASES[2][0])
    assert "高新技术产品出口额" in base2["未计入合计的数值"]
    # the cross-period error: base 1's 境外专利 cumulative is out of the total
    compare = {r["指标"]: r for r in table(book["合计与比较"]) if r["指标"]}
    patents = compare["累计境外专利授权数(件)"]
    counted = [usable(b, 2, "foreign_patents_ytd") for b in range(3)]
    assert patents["江苏省本期合计"] == sum(v for v in counted if v is not None)
    assert patents["计入基地数"] == 2
    issues = rows_of(book, "问题清单")
    assert any(i["代码"] == "cumulative_fell" and i["文件"] == "b1-2007Q2.xlsx" for i in issues)
    notes = {r[0].value: r[1].value for r in book["说明"].iter_rows(min_row=3) if r[0].value}
    assert BASES[2][0] in notes["未计入合计的数值"]
    assert BASES[1][0] in notes["未计入合计的数值"]


def growth(now: float, before: float) -> float:
    return round((now / before - 1) * 100, 2)


def test_quarter_on_quarter_and_year_on_year_recomputed(book: Any) -> None:
    """环比 against the first quarter, 同比 against 2006's second quarter: like with like,
    the bases without the comparison period (or with an error) named."""
    compare = {r["指标"]: r for r in table(book["合计与比较"]) if r["指标"]}
    e = compare["本季度出口额(万美元)"]
    now = sum(values(b, 2)["export_value_q"] for b in range(3))
    before = sum(values(b, 1)["export_value_q"] for b in range(3))
    assert e["江苏省本期合计"] == pytest.approx(now)
    assert e["上期可比合计"] == pytest.approx(before)
    assert e["环比(%)"] == pytest.approx(growth(now, before))
    h = compare["本季度高新技术产品出口额(万美元)"]  # base 2's is out: bases 0 and 1 only
    now_h = sum(values(b, 2)["hitech_export_value_q"] for b in (0, 1))
    before_h = sum(values(b, 1)["hitech_export_value_q"] for b in (0, 1))
    assert h["环比(%)"] == pytest.approx(growth(now_h, before_h))
    assert BASES[2][0] in h["说明"] and "错误" in h["说明"]
    ytd = compare["累计出口额(万美元)"]  # 同比: bases 0 and 1 sent 2006's second quarter
    now_y = sum(values(b, 2)["export_value_ytd"] for b in (0, 1))
    before_y = sum(values(b, 2, year=YEAR - 1)["export_value_ytd"] for b in (0, 1))
    assert ytd["上年同期可比合计"] == pytest.approx(before_y)
    assert ytd["同比(%)"] == pytest.approx(growth(now_y, before_y))
    assert f"同比只比 2 个基地，不含缺{YEAR - 1}年第二季度报表：{BASES[2][0]}" in ytd["说明"]


def test_series_of_the_province_across_the_quarters_present(book: Any) -> None:
    ws = book["图表"]
    assert ws._charts, "the time series is a native chart"
    every = [r for r in table(ws, header_row=2) if re.match(r"\d{4}年", str(r["期间"]))]
    # the quarters of last year with no file between its Q2 and this year are shown, empty
    empty = [r for r in every if r["本季度出口额(万美元)"] is None]
    assert [r["期间"] for r in empty] == [
        f"{YEAR - 1}年第三季度（无报表）",
        f"{YEAR - 1}年第四季度（无报表）",
    ]
    assert all(r["本季度高新技术产品出口额(万美元)"] is None for r in empty)
    rows = [r for r in every if r["本季度出口额(万美元)"] is not None]
    periods = [r["期间"] for r in rows]
    # the line under the table names what its totals left out, with the period
    line = ws.cell(len(every) + 3, 1).value
    assert f"{BASES[2][0]}（{YEAR}年第二季度，分项大于总数）" in line
    assert periods == [f"{YEAR - 1}年第二季度", *(f"{YEAR}年{q}" for q in QUARTERS)]
    for r, (year, q) in zip(rows, [(YEAR - 1, 2), *((YEAR, q) for q in range(1, 5))], strict=True):
        bases = (0, 1) if year < YEAR else (0, 1, 2)
        for key, header in (
            ("export_value_q", "本季度出口额(万美元)"),
            ("hitech_export_value_q", "本季度高新技术产品出口额(万美元)"),
        ):
            want = sum(v for b in bases if (v := usable(b, q, key, year)) is not None)
            assert r[header] == pytest.approx(want), (year, q, key)


def test_key_enterprises_of_all_bases_and_every_file_accounted_for(book: Any) -> None:
    rows = table(book["重点企业"])
    assert len(rows) == 6  # two per base, the second quarter
    assert {r["基地"] for r in rows} == {b for b, _k in BASES}
    notes = {r[0].value: r[1].value for r in book["说明"].iter_rows(min_row=3) if r[0].value}
    # 15 files: 3 of the quarter + 11 of other quarters, 1 superseded
    assert notes["文件数"].startswith("输入 15 个 = 汇总 3 个 + 其他期间 11 个")
    assert "已替代 1 个" in notes["文件数"]
    detail = table(book["明细"])
    assert len(detail) == 14


def test_cli_summary_of_a_quarter_and_the_national_rollup(inbox: Path, tmp_path: Path) -> None:
    """`formkit summary --form … --year --quarter`, then `formkit rollup` of two provinces:
    per province, per region, the series; every input summary used or 未采用."""
    js = tmp_path / "江苏.xlsx"
    result = runner.invoke(
        app,
        [
            "summary", str(inbox), "--form", JIDU, "--year", "2007", "--quarter", "2",
            "--unit", "江苏省", "-o", str(js), "-j", "1",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # the cross-period error is found from the command line too, and shown on screen
    issues = rows_of(js, "问题清单")
    assert any(i["代码"] == "cumulative_fell" for i in issues)
    assert "b1-2007Q2.xlsx" in result.output
    # 浙江省: two bases, the same quarters
    zj_in = tmp_path / "浙江"
    files = {
        f"zj{b}-{YEAR}Q{q}": values(b, q, province="浙江省", base_name=f"浙江{BASES[b][0]}")
        for b in (0, 1)
        for q in (1, 2)
    }
    write_files(zj_in, files)
    zj = tmp_path / "浙江.xlsx"
    result = runner.invoke(
        app,
        ["summary", str(zj_in), "--form", JIDU, "--unit", "浙江省", "-o", str(zj), "-j", "1"],
    )
    assert result.exit_code == 0, result.output
    national = tmp_path / "全国.xlsx"
    # the rollup finds the form in the summaries' metadata
    result = runner.invoke(
        app,
        [
            "rollup",
            str(js),
            str(zj),
            str(js),
            "-o",
            str(national),
            "--year",
            "2007",
            "--quarter",
            "2",
        ],
    )
    assert result.exit_code == 1, result.output  # the copy of 江苏's summary: 未采用
    wb = openpyxl.load_workbook(national)
    units = {r["所在省"]: r for r in table(wb["按所在省"])}
    assert units["浙江省"]["基地数"] == 2 and units["江苏省"]["基地数"] == 3
    assert units["上海市"]["报送情况"] == "未报送"
    want_zj = sum(f["export_value_q"] for k, f in files.items() if k.endswith("Q2"))
    assert units["浙江省"]["本季度出口额(万美元)"] == pytest.approx(want_zj)
    want_js = sum(values(b, 2)["export_value_q"] for b in range(3))
    compare = {r["指标"]: r for r in table(wb["合计与比较"]) if r["指标"]}
    assert compare["本季度出口额(万美元)"]["全国本期合计"] == pytest.approx(want_js + want_zj)
    before = sum(values(b, 1)["export_value_q"] for b in range(3)) + sum(
        f["export_value_q"] for k, f in files.items() if k.endswith("Q1")
    )
    assert compare["本季度出口额(万美元)"]["环比(%)"] == pytest.approx(
        growth(want_js + want_zj, before)
    )
    # the copy of a summary is the roll-up's own input: listed on its 重复文件, with why
    copies = [r for r in table(wb["重复文件"]) if r.get("文件")]
    assert len(copies) == 1 and "逐字节相同" in str(copies[0]["说明"])
    ws = wb["按所在省"]
    at = next(c.row for c in ws["A"] if c.value == "按地区")
    regions = {r["地区"]: r for r in table(ws, header_row=at + 1)}
    assert regions["东部"]["本季度出口额(万美元)"] == pytest.approx(want_js + want_zj)
    assert regions["西部"]["基地数"] == 0
    assert regions["合计"]["基地数"] == 5


def test_a_summary_of_another_form_is_refused_by_the_rollup(tmp_path: Path, inbox: Path) -> None:
    js = tmp_path / "江苏.xlsx"
    write(
        js,
        collect(
            [check_file(p, ANY) for p in sorted(inbox.iterdir())[:2]], spec=load_form_spec(JIDU)
        ),
        spec=load_form_spec(JIDU),
    )
    result = rollup([js])  # the default form: the 申报书
    assert "不是本次汇总的" in result.rejected[0][1]


def test_annual_reports_get_the_per_base_summary(tmp_path: Path) -> None:
    """年度工作报告: one row per base for the year, 同比 against last year's reports."""
    spec = load_form_spec(NIANBAO)
    paths = []
    for year in (YEAR - 1, YEAR):
        for b in (0, 1):
            v: dict[str, Any] = {
                **{k: values(b, 4)[k] for k in ("province", "base_name", "base_type")},
                "report_year": year,
                "fill_date": dt.date(year, 12, 20),
                "contact_person": "王芳",
                "contact_phone": "025-83301234",
                "work_progress": "进展",
                "work_results": "成效",
                "work_problems": "问题",
                "next_year_plan": "思路",
            }
            for stem in (*AMOUNTS, *COUNTS):
                v[stem] = values(b, 4, year=year)[f"{stem}_ytd"]
            path = tmp_path / f"{year}-{b}.xlsx"
            path.write_bytes(build_template(spec, year=year, values=v))
            paths.append(path)
    data = collect([check_file(p, ANY) for p in paths], spec=spec, unit="江苏省")
    assert data.period == (YEAR,)
    out = write(tmp_path / "年报汇总.xlsx", data, spec=spec)
    wb = openpyxl.load_workbook(out)
    assert wb["汇总表"]["A1"].value == "江苏省2007年科技兴贸出口创新基地年度工作报告汇总表"
    compare = {r["指标"]: r for r in table(wb["合计与比较"]) if r["指标"]}
    now = sum(values(b, 4)["export_value_ytd"] for b in (0, 1))
    before = sum(values(b, 4, year=YEAR - 1)["export_value_ytd"] for b in (0, 1))
    assert compare["全年出口额(万美元)"]["同比(%)"] == pytest.approx(growth(now, before))


def test_a_file_of_another_form_is_listed_not_summarised(results: list[Submission]) -> None:
    data = collect(results[:2])  # the 申报书's summary of two quarterly reports
    assert data.applications == []
    assert {f["code"] for f in data.files} == {"other_form"}


@pytest.mark.libreoffice
@pytest.mark.slow
def test_the_quarterly_summary_prints_its_sheets_one_page_wide(
    soffice: str, results: list[Submission], tmp_path: Path
) -> None:
    """汇总表 on one A4 landscape page (its last column and the totals row on it), 合计与比较
    on one, each chart on a page; every page with the title and a page number."""
    import re

    from tests.libreoffice import convert, pdf_pages, pdf_text

    spec = load_form_spec(JIDU)
    data = collect(results, spec=spec, unit="江苏省", period=(YEAR, "第二季度"))
    pdf = convert(write(tmp_path / "季度汇总.xlsx", data, spec=spec), "pdf", tmp_path)
    pages = [re.sub(r"\s+", "", p) for p in pdf_text(pdf)]
    assert pdf_pages(pdf) <= 10
    title = "江苏省2007年第二季度科技兴贸出口创新基地季度数据汇总表"
    for i, text in enumerate(pages, start=1):
        assert title in text and re.search(r"第\d+页，共\d+页", text), i
    assert "未计入合计的数值" in pages[0] and "江苏省合计" in pages[0]
    assert "合计、环比与同比" in pages[1] and "境外著作权" in pages[1]
    assert "明细" in pages[2]


def test_a_summary_layout_is_checked_when_the_spec_loads() -> None:
    import tomllib

    from formkit.forms import get_form
    from formkit.spec import SpecError, build
    from formkit.spec import _choice_sources as sources

    data = tomllib.loads(get_form(JIDU).spec_file.read_text(encoding="utf-8"))
    for change, words in (
        ({"totals": ["no_such_field"]}, "unknown field"),
        ({"totals": ["base_name"]}, "not a number"),
        ({"colour": "red"}, "unknown key"),
        ({"chart": [{"title": "x", "kind": "pie", "series": ["export_value_q"]}]}, "kind"),
        ({"compare": {"previous": ["export_value_q"], "later": []}}, "compare"),
        ({"tables": ["base_name"]}, "not a table"),
        ({"title": "汇总表"}, "{unit}"),
        ({"printed": [["export_value_q", "出口额"]]}, "printed"),
    ):
        bad = {**data, "summary": {**data["summary"], **change}}
        with pytest.raises(SpecError, match=re.escape(words)):
            build(bad, sources())


def test_a_form_defined_outside_formkit_gets_its_summary_from_the_same_engine(
    tmp_path: Path,
) -> None:
    """The toy form (tests/toy_form): a monthly report whose month is a number. Its spec's
    [summary] is all the engine needs: the period's rows, the totals without the value
    its own rule calls wrong, 环比 of nothing asked, every file accounted for."""
    from formkit.forms import register, unregister
    from tests.toy_form import FORM as TOY

    register(TOY)
    try:
        spec = TOY.spec
        paths = []
        for park, use, reuse in (("甲园区", 10.5, 2.0), ("乙园区", 20.25, 30.0)):
            for month in (1, 2):
                v = {
                    "sheng": "江苏省",
                    "yuanqu": park,
                    "nian": 2007,
                    "yue": month,
                    "tianbao_riqi": dt.date(2007, month + 1, 5),
                    "yongshui": use + month,
                    "huiyong": reuse,
                }
                path = tmp_path / f"{park}-{month}.xlsx"
                path.write_bytes(build_template(spec, year=2007, values=v))
                paths.append(path)
        # the toy form is registered now: the forms a file may be include it
        any_form = read_options(forms=None)
        data = collect([check_file(p, any_form) for p in paths], spec=spec, unit="江苏省")
        assert data.period == (2007, 2)
        assert sorted(a["yuanqu"] for a in data.applications) == ["乙园区", "甲园区"]
        out = write(tmp_path / "汇总.xlsx", data, spec=spec)
        wb = openpyxl.load_workbook(out)
        rows = table(wb["汇总表"])
        total_row = next(r for r in rows if r["园区"] == "江苏省合计")
        # 乙园区's 回用 above its 用水: its rule leaves both out (and names them)
        assert total_row["用水量(万吨)"] == pytest.approx(10.5 + 2)
        assert total_row["回用水量(万吨)"] == pytest.approx(2.0)
        compare = {r["指标"]: r for r in table(wb["合计与比较"]) if r["指标"]}
        assert compare["用水量"]["计入记录数"] == 1
        note = next(
            str(c.value) for c in wb["合计与比较"]["A"] if str(c.value).startswith("合计、")
        )
        assert "乙园区" in note and "未计入合计" in note
    finally:
        from formkit.issues import CATALOGUE

        unregister(TOY.id)
        for entry in TOY.codes:  # the catalogue page lists the built-in forms' codes only
            CATALOGUE.pop(entry.code, None)


def test_the_quarterly_summary_from_a_ledger_equals_the_folder(
    inbox: Path, results: list[Submission], tmp_path: Path
) -> None:
    """from_ledger(form_id=…): the ledger's files of that form (by the form each
    stored reading names) give the same rows as the folder of the files the summary reads
    (the quarter summarised and those before it that it compares or checks against, not
    later ones); another form's files and the later quarters' are counted in notes, not
    listed."""
    import shutil

    from formkit.ledger import Ledger
    from tests.conftest import ROOT

    spec = load_form_spec(JIDU)
    mixed = tmp_path / "收件"
    shutil.copytree(inbox, mixed)
    shutil.copy(next(p for p in sorted((ROOT / "samples").iterdir()) if p.is_file()), mixed)
    db = tmp_path / "台账.db"
    with Ledger(db) as ledger:
        ledger.ingest([mixed], options=ANY)
    data = from_ledger(db, form_id=JIDU, unit="江苏省", period=(YEAR, "第二季度"))
    # 2007Q2's summary reads 2005Q2 to 2007Q2: here 2006Q2, 2007Q1 and 2007Q2
    read = [s for s in results if s.values["report_quarter"] in QUARTERS[:2]]
    folder = collect(read, spec=spec, unit="江苏省", period=(YEAR, "第二季度"))

    def rows(d: SummaryData) -> list[tuple[Any, ...]]:
        return sorted(
            (a["base_name"], a["_period"], a["export_value_q"], a["_excluded_text"])
            for a in [*d.applications, *d.others]
        )

    assert rows(data) == rows(folder)
    assert sorted(f["status"] for f in data.files) == sorted(f["status"] for f in folder.files)
    assert ("台账中其他表单的文件", "1 个，不属于本汇总的表单，未列入") in data.notes
    later = len(results) - len(read)
    assert later == 6  # the third and fourth quarters of three bases
    assert (
        "台账中其他报告期的文件",
        f"{later} 个，不属于本期汇总（列入明细的为2005年第二季度至2007年第二季度），未列入",
    ) in data.notes


def test_a_base_without_a_file_for_the_quarter_is_named(results: list[Submission]) -> None:
    """Every reporting base accounted for: one that sent other quarters but not this one
    is named in 说明 and under 合计与比较, not silently absent."""
    spec = load_form_spec(JIDU)
    kept = [s for s in results if Path(s.file).name != "b2-2007Q3.xlsx"]
    data = collect(kept, spec=spec, unit="江苏省", period=(YEAR, "第三季度"))
    assert len(data.applications) == 2
    text = not_reported(data, spec)
    assert text.startswith("本期未报送、其他期间有报表的基地 1 个：泰州国家医药出口基地（江苏省")


def test_summary_takes_the_period_as_distribute_and_status_write_it(
    inbox: Path, tmp_path: Path
) -> None:
    out = tmp_path / "q1.xlsx"
    result = runner.invoke(
        app, ["summary", str(inbox), "--form", JIDU, "--period", "2007Q1", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    title = openpyxl.load_workbook(out)["汇总表"]["A1"].value
    assert title == "2007年第一季度科技兴贸出口创新基地季度数据汇总表"
    bad = runner.invoke(app, ["summary", str(inbox), "--form", NIANBAO, "--quarter", "2"])
    assert bad.exit_code == 2 and "不分季度" in bad.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--quarter", "0", "--year", "2007"], "--quarter 为 1—4。"),
        (["--quarter", "5", "--year", "2007"], "--quarter 为 1—4。"),
        (["--quarter", "2"], "--quarter 需要与 --year 一起给出。"),
        (["--period", "2007Q2", "--quarter", "2"], "--period 与 --quarter 只用一个。"),
    ],
)
def test_a_bad_quarter_is_refused_in_chinese_and_nothing_is_written(
    tmp_path: Path, args: list[str], message: str
) -> None:
    inbox = tmp_path / "收件"
    inbox.mkdir()
    out = tmp_path / "季度汇总.xlsx"
    result = runner.invoke(app, ["summary", str(inbox), "--form", JIDU, *args, "-o", str(out)])
    assert result.exit_code == 2 and message in result.output
    assert not out.exists()


def test_summary_json_carries_the_issues_found_across_periods(inbox: Path, tmp_path: Path) -> None:
    """Each file's result is written to --json as it arrives, before the rules across
    periods run: what they find is written after the results, by file ("across")."""
    import json

    out, doc_path = tmp_path / "江苏.xlsx", tmp_path / "江苏.json"
    result = runner.invoke(
        app,
        [
            "summary", str(inbox), "--form", JIDU, "--period", "2007Q2", "--unit", "江苏省",
            "-o", str(out), "--json", str(doc_path), "-j", "1",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(doc_path.read_text("utf-8"))
    across = {Path(a["file"]).name: a for a in doc["across"]}
    fell = [i for i in across["b1-2007Q2.xlsx"]["issues"] if i["code"] == "cumulative_fell"]
    spec = load_form_spec(JIDU)
    f = spec.field("foreign_patents_ytd")  # FELL: b1's cumulative below its first quarter
    assert fell and (fell[0]["sheet"], fell[0]["cell"]) == (
        spec.sheet(f.sheet).name,
        f.area.first.a1,
    )
    # the file's own result (written when it arrived) has only its within-file issues
    own = next(r for r in doc["results"] if Path(r["file"]).name == "b1-2007Q2.xlsx")
    assert not any(i["code"] == "cumulative_fell" for i in own["issues"])


def test_a_key_enterprise_row_with_a_problem_says_so_on_its_row(tmp_path: Path) -> None:
    """重点企业 lists every base's rows; a row whose own figures have an error (its
    hi-tech export above its export) names the problem and the cell on that row."""
    v = values(0, 2)
    rows = [dict(r) for r in v["key_enterprises"]]
    rows[1]["hitech_export_value_q"] = rows[1]["export_value_q"] + 10.0
    v["key_enterprises"] = rows
    write_files(tmp_path / "in", {"b0-2007Q2": v})
    subs = [check_file(p, ANY) for p in sorted((tmp_path / "in").glob("*.xlsx"))]
    row_1 = "key_enterprises[1]."
    flagged = [
        i
        for i in subs[0].issues
        if i.severity == "error" and str(i.params.get("at_key", "")).startswith(row_1)
    ]
    assert flagged
    data = collect(subs, spec=load_form_spec(JIDU), unit="江苏省", period=(YEAR, "第二季度"))
    out = write(tmp_path / "汇总.xlsx", data, spec=load_form_spec(JIDU))
    listed = table(openpyxl.load_workbook(out)["重点企业"])
    problems = [r["问题（错误、警告）"] or "" for r in listed]
    assert problems[0] == ""
    assert f"（{flagged[0].sheet}!{flagged[0].cell}）" in problems[1]


def test_summary_from_the_ledger_without_holding_every_file(inbox: Path, tmp_path: Path) -> None:
    """summary --db reads the ledger's files one at a time (another unit's files cut by the
    ledger to what their row shows, no file's provenance until the rules across periods
    load it again): the data equal what keeping every Submission gives, and --json has
    each file's result with the issues found across periods, at their cells."""
    import json
    import shutil

    from formkit.ledger import Ledger

    mixed = tmp_path / "收件"
    shutil.copytree(inbox, mixed)
    other = values(0, 2, province="浙江省", base_name="浙江某出口创新基地")
    (mixed / "浙江-2007Q2.xlsx").write_bytes(
        build_template(load_form_spec(JIDU), year=YEAR, values=other)
    )
    db = tmp_path / "台账.db"
    with Ledger(db) as ledger:
        ledger.ingest([mixed], options=ANY)
    kept: list[Submission] = []
    handed: list[Submission] = []
    args: dict[str, Any] = dict(form_id=JIDU, unit="江苏省", period=(YEAR, "第二季度"))
    whole = from_ledger(db, results=kept, **args)
    lean = from_ledger(db, each=handed.append, **args)
    assert lean == whole
    assert [s.sha256 for s in handed] == [s.sha256 for s in kept]
    row = next(f for f in lean.files if f["file"] == "浙江-2007Q2.xlsx")
    assert (row["status"], row["code"], row["applicant"], row["date"]) == (
        "未受理",
        "other_unit",
        "浙江某出口创新基地",
        other["fill_date"].isoformat(),
    )
    assert row["detail"] == "所在省为浙江省，不属于本汇总"  # the form's own label, read as words
    # the issue across periods is found once, by file, whichever way the files were read
    # (a Submission is never changed: rounds.summary adds it to a copy for the result table)
    b1 = next(s for s in kept if Path(s.file).name == "b1-2007Q2.xlsx")
    assert any(i.code == "cumulative_fell" for sha, i in whole.found_across if sha == b1.sha256)
    assert any(i.code == "cumulative_fell" for sha, i in lean.found_across if sha == b1.sha256)

    out, doc_path = tmp_path / "江苏.xlsx", tmp_path / "江苏.json"
    result = runner.invoke(
        app,
        [
            "summary", "--db", str(db), "--form", JIDU, "--period", "2007Q2", "--unit", "江苏省",
            "-o", str(out), "--json", str(doc_path),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(doc_path.read_text("utf-8"))
    assert [r["sha256"] for r in doc["results"]] == [s.sha256 for s in kept]
    mine = next(r for r in doc["results"] if r["sha256"] == b1.sha256)
    fell = [i for i in mine["issues"] if i["code"] == "cumulative_fell"]
    f = load_form_spec(JIDU).field("foreign_patents_ytd")
    assert fell and (fell[0]["sheet"], fell[0]["cell"]) == (
        load_form_spec(JIDU).sheet(f.sheet).name,
        f.area.first.a1,
    )
    assert mine["provenance"]  # the whole reading, as recorded


def test_a_ledger_of_several_provinces_counts_the_others_files_in_a_note(
    inbox: Path, tmp_path: Path
) -> None:
    """A ledger that collects for several units (each on its roster): a unit's summary
    counts the others' files in 说明, by unit, instead of listing each on 未受理文件; a file
    of a unit the ledger does not collect for is still listed, as is a file on this unit's
    own roster entry that names another unit (a mistake to correct)."""
    import shutil

    from formkit.distribute import RosterRow
    from formkit.ledger import Ledger
    from formkit.period import Period

    spec = load_form_spec(JIDU)
    mixed = tmp_path / "收件"
    shutil.copytree(inbox, mixed)
    zhejiang = ("杭州国家软件出口基地", "国家软件出口基地")
    for q in (1, 2):  # 浙江省's base, two quarters
        v = values(0, q, province="浙江省", base_name=zhejiang[0], base_type=zhejiang[1])
        (mixed / f"zj-{q}.xlsx").write_bytes(build_template(spec, year=YEAR, values=v))
    stray = values(1, 2, province="安徽省", base_name="合肥国家软件出口基地")
    (mixed / "ah-2.xlsx").write_bytes(build_template(spec, year=YEAR, values=stray))
    db = tmp_path / "台账.db"

    def row(n: int, unit: str, code: str, subject: str) -> RosterRow:
        cells = {"province": unit, "base_name": subject}
        return RosterRow(n, unit, code, subject, cells, form_id=JIDU, unit_field="province")

    with Ledger(db) as ledger:
        for q in QUARTERS[:2]:
            ledger.add_roster(
                [
                    row(2, "江苏省", "320000", BASES[0][0]),
                    row(3, "浙江省", "330000", zhejiang[0]),
                ],
                year=YEAR,
                period=Period.parse(f"{YEAR}/{q}", spec),
            )
        ledger.ingest([mixed], options=ANY)
    data = from_ledger(db, form_id=JIDU, unit="江苏省", period=(YEAR, "第二季度"))
    listed = {Path(f["file"]).name: f for f in data.files}
    assert not {"zj-1.xlsx", "zj-2.xlsx"} & set(listed)
    assert (
        "台账中名单内其他单位的文件",
        "所在省为浙江省的 2 个，由各自的汇总列出，不属于本汇总，未列入",
    ) in data.notes
    # not on the roster: listed, with the reason
    assert "安徽省" in listed["ah-2.xlsx"]["detail"]
    # 浙江省's own summary lists its two files and counts 江苏省's on the roster
    theirs = from_ledger(db, form_id=JIDU, unit="浙江省", period=(YEAR, "第二季度"))
    assert [a["base_name"] for a in theirs.applications] == [zhejiang[0]]
    jiangsu = sum(
        1
        for p in mixed.iterdir()
        if p.name.startswith("b") and re.search(rf"{YEAR - 1}Q2|{YEAR}Q[12]", p.name)
    )
    assert (
        "台账中名单内其他单位的文件",
        f"所在省为江苏省的 {jiangsu} 个，由各自的汇总列出，不属于本汇总，未列入",
    ) in theirs.notes
