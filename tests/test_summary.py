"""The provincial summary and the national roll-up: every input accounted for, values exact."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from formkit.api import load_spec
from formkit.check import check_file
from formkit.cli import app
from formkit.rollup import rollup
from formkit.summary.collect import collect
from formkit.summary.sheets import build, detail_columns, write
from tests.conftest import ROOT
from tests.forms import full_values, write_filled
from tests.libreoffice import convert
from tests.summaries import machine_rows, rows_of

SAMPLES = sorted(p for p in (ROOT / "samples").iterdir() if p.is_file())
runner = CliRunner()


@pytest.fixture(scope="module")
def results() -> list[Any]:
    return [check_file(p) for p in SAMPLES]


def _sheet_rows(path: Path, sheet: str) -> list[list[Any]]:
    ws = openpyxl.load_workbook(path)[sheet]
    return [[c.value for c in row] for row in ws.iter_rows(min_row=2)]


def test_summary_values_equal_the_inputs(tmp_path: Path, results: list[Any]) -> None:
    out = write(tmp_path / "汇总表.xlsx", collect(results))
    rows = _sheet_rows(out, "明细")  # the complete table; 汇总表 is for reading
    header, body = rows[0], rows[1:]
    cols = detail_columns(load_spec())
    assert header == [c.header for c in cols]
    assert len(body) == len(results)
    by_file = {r.sha256: r for r in results}
    keys = [c.key for c in cols]
    # each row's SHA-256 is in the hidden sheet, by 序号 (summary.MACHINE)
    machine = machine_rows(out)
    for row in body:
        sub = by_file[machine[("明细", row[keys.index("_no")])]["sha256"]]
        assert row[keys.index("_file")] == Path(sub.file).name
        for col, cell in zip(cols, row, strict=True):
            if col.key in sub.values and not isinstance(sub.values[col.key], list | dict):
                want = sub.values[col.key]
                if isinstance(want, dt.date):
                    assert cell == dt.datetime(want.year, want.month, want.day), col.key
                elif want is None:
                    assert cell is None, col.key
                else:
                    assert cell == want, (col.key, Path(sub.file).name)
        assert row[keys.index("_verdict")] == sub.verdict
        assert row[keys.index("_errors")] == sub.errors


@pytest.mark.libreoffice
def test_libreoffice_confirms_the_values(soffice: str, tmp_path: Path, results: list[Any]) -> None:
    out = write(tmp_path / "summary.xlsx", collect(results))
    convert(out, "csv", tmp_path / "csv")
    text = next((tmp_path / "csv").glob("*明细.csv")).read_text(encoding="utf-8")
    rows = list(csv.reader(text.splitlines()))
    keys = [c.key for c in detail_columns(load_spec())]
    by_name = {r[keys.index("applicant_name")]: r for r in rows[2:]}
    for sub in results:
        row = by_name[sub.values["applicant_name"]]
        assert row[keys.index("province")] == sub.values["province"]
        # LibreOffice shows the number with the column's format: compare as numbers
        assert float(row[keys.index("export_value")].replace(",", "")) == pytest.approx(
            sub.values["export_value"]
        )
        assert row[keys.index("_verdict")] == sub.verdict
    pdf = convert(out, "pdf", tmp_path / "pdf")
    assert pdf.stat().st_size > 10_000


def test_every_input_accounted_for_and_resubmissions_not_merged(tmp_path: Path) -> None:
    first = write_filled(
        tmp_path / "a-第一次.xlsx", {**full_values(), "fill_date": dt.date(2006, 4, 10)}
    )
    second = write_filled(
        tmp_path / "a-第二次.xlsx",
        {**full_values(), "fill_date": dt.date(2006, 4, 20), "employees": 1},
    )
    (tmp_path / "bad.xlsx").write_text("not a workbook", encoding="utf-8")
    other = write_filled(tmp_path / "b.xlsx", {**full_values(), "applicant_name": "另一个单位"})
    paths = [first, second, tmp_path / "bad.xlsx", other]
    data = collect([check_file(p) for p in paths])
    assert [f["status"] for f in data.files] == ["已替代", "汇总", "未受理", "汇总"]
    assert data.count("汇总") + data.count("已替代") + data.count("未受理") == len(paths)
    assert {a["_file"] for a in data.applications} == {"a-第二次.xlsx", "b.xlsx"}
    out = write(tmp_path / "s.xlsx", data)
    notes = {r[0]: r[1] for r in _sheet_rows(out, "说明") if r and r[0]}
    assert "输入 4 个 = 汇总 2 个 + 已替代 1 个 + 重复 0 个 + 未受理 1 个" in notes["文件数"]
    rejected = rows_of(out, "未受理文件")
    assert [r["文件"] for r in rejected] == ["bad.xlsx"] and rejected[0]["原因"]
    # the code and the file's SHA-256 are for machines: in the hidden sheet, by 序号
    assert rejected[0]["代码"] == "not_spreadsheet" and len(rejected[0]["SHA-256"]) == 64
    superseded = rows_of(out, "已替代文件")
    assert superseded[0]["文件"] == "a-第一次.xlsx" and "a-第二次.xlsx" in superseded[0]["说明"]


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"])
def test_applicant_text_is_never_a_formula(tmp_path: Path, prefix: str) -> None:
    name = f'{prefix}HYPERLINK("http://example.com","点击")'
    path = write_filled(
        tmp_path / "x.xlsx", {**full_values(), "applicant_name": name, "city": f"{prefix}1+1"}
    )
    out = write(tmp_path / "s.xlsx", collect([check_file(path)]))
    ws = openpyxl.load_workbook(out)["明细"]
    keys = [c.key for c in detail_columns(load_spec())]
    cell = ws.cell(3, keys.index("applicant_name") + 1)
    assert cell.value == name and cell.data_type == "s"
    assert ws.cell(3, keys.index("city") + 1).data_type == "s"
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        sheets = b"".join(z.read(n) for n in names if n.startswith("xl/worksheets/sheet"))
    assert b"<f>" not in sheets and b"<hyperlink" not in sheets
    assert not [n for n in names if "externalLink" in n or "vbaProject" in n]


def test_same_inputs_same_bytes(results: list[Any]) -> None:
    assert build(collect(results, unit="江苏省")) == build(collect(results, unit="江苏省"))


def test_write_is_atomic(
    tmp_path: Path, results: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "s.xlsx"
    target.write_bytes(b"old")
    import formkit.summary.sheets as summary

    def boom(*_: Any, **__: Any) -> bytes:
        raise RuntimeError("crash while building")

    monkeypatch.setattr(summary, "build", boom)
    with pytest.raises(RuntimeError):
        summary.write(target, collect(results))
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["s.xlsx"]


def test_native_charts_and_stats(tmp_path: Path, results: list[Any]) -> None:
    out = write(tmp_path / "s.xlsx", collect(results))
    with zipfile.ZipFile(out) as z:
        assert [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    stats = _sheet_rows(out, "统计")
    flat = [c for r in stats for c in r if c is not None]
    assert "按地区" in flat and "合计" in flat
    # the two charts side by side under their data, on the sheet's printed page
    charts = openpyxl.load_workbook(out)["图表"]
    anchors = sorted((a._from.row, a._from.colOff) for a in (c.anchor for c in charts._charts))
    # under the sheet's title, the line on what each chart shows, the header and the data
    assert len(anchors) == 2 and anchors[0][0] == anchors[1][0] == len(results) + 4
    assert anchors[0][1] < anchors[1][1]
    # #21 item 14: the charts are titled as an official writes them (no clause in
    # brackets: LibreOffice draws "（通知六(二)(2)）" as "(通知六 ( 二 ) (2) )")
    with zipfile.ZipFile(out) as z:
        titles = [
            re.sub(r"<[^>]+>", "", m)
            for n in z.namelist()
            if n.startswith("xl/charts/chart")
            for m in re.findall(r"<c:title>.*?</c:title>", z.read(n).decode())
        ]
    # each chart's title, then its axis's
    first = ["高新技术产品出口额与地区门槛", "亿美元"]
    assert titles == [*first, "近三年高新技术产品出口增幅与全国同期增幅", "%"]
    # and the data's headers are whole: the row is tall enough for each wrapped header
    from formkit.cells import wrapped_lines

    head = [c for c in charts[3] if c.value]
    widths = [charts.column_dimensions[c.column_letter].width for c in head]
    needed = max(wrapped_lines(str(c.value), w - 1) for c, w in zip(head, widths, strict=True))
    assert needed >= 2 and charts.row_dimensions[3].height >= 13.5 * needed
    assert (
        charts.page_setup.orientation == "landscape" and charts.HeaderFooter.oddFooter.center.text
    )


def test_quota_is_flagged(tmp_path: Path) -> None:
    """六(三): a central unit may recommend at most one new base."""
    paths = []
    for i in range(2):
        values = {
            **full_values(),
            "province": "湖北省",
            "application_type": "新申报",
            "existing_base_type": None,
        }
        values["applicant_name"] = f"湖北申请单位{i}"
        paths.append(write_filled(tmp_path / f"{i}.xlsx", values))
    out = write(tmp_path / "s.xlsx", collect([check_file(p) for p in paths]))
    rows = _sheet_rows(out, "统计")
    unit_row = next(r for r in rows if r and r[0] == "湖北省")
    assert any(isinstance(c, str) and c.startswith("超出") for c in unit_row)


def test_rollup_of_two_provinces_equals_summary_of_all(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    for p in SAMPLES[:6]:
        shutil.copy(p, a)
    for p in SAMPLES[6:]:
        shutil.copy(p, b)
    for folder in (a, b):
        assert (
            runner.invoke(app, ["summary", str(folder), "-o", str(folder) + ".xlsx"]).exit_code == 0
        )
    assert (
        runner.invoke(app, ["summary", str(a), str(b), "-o", str(tmp_path / "all.xlsx")]).exit_code
        == 0
    )
    result = runner.invoke(
        app, ["rollup", str(a) + ".xlsx", str(b) + ".xlsx", "-o", str(tmp_path / "nat.xlsx")]
    )
    assert result.exit_code == 0, result.output
    for sheet in ("汇总表", "问题清单"):
        header, *national = _sheet_rows(tmp_path / "nat.xlsx", sheet)
        if sheet == "汇总表":
            # the national 汇总表 ends with the ministry's decision, blank until it decides
            assert header[-2:] == ["核准结论", "核准意见"]
            assert all(r[-2:] == [None, None] for r in national)
            national = [r[:-2] for r in national]
        assert national == _sheet_rows(tmp_path / "all.xlsx", sheet)[1:], sheet
    units = _sheet_rows(tmp_path / "nat.xlsx", "各推荐单位")
    assert sum(r[2] for r in units[1:]) == len(SAMPLES)
    notes = {r[0]: r[1] for r in _sheet_rows(tmp_path / "nat.xlsx", "说明") if r and r[0]}
    assert "目标 100 家" in notes["工作目标进展（通知一）"]


def test_rollup_rejects_other_workbooks(tmp_path: Path) -> None:
    result = rollup([SAMPLES[0]])
    assert result.rejected and result.rejected[0][0] == str(SAMPLES[0])
    assert result.data.applications == []


@pytest.mark.libreoffice
def test_rollup_opens_in_libreoffice(soffice: str, tmp_path: Path, results: list[Any]) -> None:
    province = write(tmp_path / "p.xlsx", collect(results, unit="江苏省"))
    national = rollup([province])
    out = write(tmp_path / "nat.xlsx", national.data, national=True)
    assert convert(out, "pdf", tmp_path / "pdf").stat().st_size > 10_000


def test_to_frame(results: list[Any]) -> None:
    import formkit

    frame = formkit.to_frame(results)
    assert len(frame) == len(results)
    assert frame.attrs["units"]["export_value"] == "亿美元"
    assert list(frame["applicant_name"]) == [r.values["applicant_name"] for r in results]
    assert "computed.hitech_export_growth_3y" in frame.columns


def test_summary_from_the_ledger_equals_summary_of_the_files(tmp_path: Path) -> None:
    """formkit summary --db: the ledger's files give the same 汇总表 as the files themselves."""
    db = tmp_path / "formkit.db"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for p in SAMPLES[:4]:
        shutil.copy(p, inbox)
    assert runner.invoke(app, ["ingest", str(inbox), "--db", str(db)]).exit_code in (0, 1)
    result = runner.invoke(app, ["summary", "--db", str(db), "-o", str(tmp_path / "db.xlsx")])
    assert result.exit_code == 0, result.output
    assert (
        runner.invoke(app, ["summary", str(inbox), "-o", str(tmp_path / "files.xlsx")]).exit_code
        == 0
    )
    db_rows = _sheet_rows(tmp_path / "db.xlsx", "汇总表")[1:]
    file_rows = _sheet_rows(tmp_path / "files.xlsx", "汇总表")[1:]
    assert db_rows == file_rows and len(db_rows) == 4


def test_rows_are_tall_enough_for_their_wrapped_text(tmp_path: Path, results: list[Any]) -> None:
    """No application grows a row for wrapped text in a file it did not lay out, so a
    long issue message printed over the next rows: each row is sized for its text."""
    from formkit.cells import wrapped_lines

    out = write(tmp_path / "汇总表.xlsx", collect(results))
    wb = openpyxl.load_workbook(out)
    checked = 0
    for name in ("汇总表", "问题清单"):
        ws = wb[name]
        widths = {
            col: d.width
            for d in ws.column_dimensions.values()
            if d.width
            for col in range(d.min, d.max + 1)
        }
        for row in ws.iter_rows(min_row=3):
            for c in row:
                if isinstance(c.value, str) and c.alignment.wrap_text:
                    lines = wrapped_lines(c.value, widths[c.column] - 0.71)
                    height = ws.row_dimensions[c.row].height
                    if lines > 1:
                        checked += 1
                        assert height is not None and height >= 13.5 * lines, (name, c.coordinate)
    assert checked > 5  # the samples' issue messages wrap
    # no hash on a visible sheet: it is in the hidden one, by 序号
    assert all("SHA-256" not in [c.value for c in ws[2]] for ws in wb.worksheets if ws.max_row > 1)
    assert {k[0] for k in machine_rows(out)} >= {"明细"}


def test_a_row_is_as_tall_as_its_text_has_lines(tmp_path: Path, results: list[Any]) -> None:
    """Short lines count too: five one-word lines need five lines of height."""
    data = collect(results)
    data.applications[0]["_criteria"] = "甲\n乙\n丙\n丁\n戊"
    out = write(tmp_path / "汇总表.xlsx", data)
    ws = openpyxl.load_workbook(out)["汇总表"]
    header = [c.value for c in ws[2]]
    col = header.index("未通过或待补充的条件") + 1
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, col).value == "甲\n乙\n丙\n丁\n戊")
    assert (ws.row_dimensions[row].height or 0) >= 5 * 13.5


def test_the_summary_is_the_same_whether_or_not_provenance_travels(tmp_path: Path) -> None:
    """Without --json the workers leave out each value's source cell; the workbook is the
    same, byte for byte."""
    from formkit.check import check_many

    plain, with_json = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    folder = str(ROOT / "samples")
    assert runner.invoke(app, ["summary", folder, "-o", str(plain), "-j", "2"]).exit_code == 0
    result = runner.invoke(
        app, ["summary", folder, "-o", str(with_json), "-j", "2", "--json", str(tmp_path / "c")]
    )
    assert result.exit_code == 0, result.output
    assert plain.read_bytes() == with_json.read_bytes()
    lean = list(check_many(SAMPLES[:2], jobs=1, provenance=False))
    full = list(check_many(SAMPLES[:2], jobs=1))
    assert [s.sources for s in lean] == [{}, {}] and all(s.sources for s in full)
    assert [s.values for s in lean] == [s.values for s in full]


def test_rollup_refuses_other_years_and_forms_and_counts_progress_within_quota(
    tmp_path: Path, results: list[Any]
) -> None:
    import dataclasses

    from formkit.reference import load_reference
    from formkit.summary.sheets import counted_towards_targets

    spec = load_spec()
    js = [r for r in results if r.values.get("province") == "江苏省"]
    ours = write(tmp_path / "江苏.xlsx", collect(js, unit="江苏省"))
    zj = [r for r in results if r.values.get("province") == "浙江省"]
    zhejiang = write(tmp_path / "浙江.xlsx", collect(zj, unit="浙江省"))
    later = write(tmp_path / "江苏-2007.xlsx", collect(js, unit="江苏省", year=2007))
    other_form = tmp_path / "其他表单.xlsx"
    other_form.write_bytes(
        build(collect(js, unit="浙江省"), spec=dataclasses.replace(spec, id="another-form"))
    )
    result = rollup([ours, later, other_form, ours, zhejiang])
    reasons = dict(result.rejected)
    assert "2007 年" in reasons[str(later)] and "2006 年" in reasons[str(later)]
    assert "another-form" in reasons[str(other_form)]
    assert "逐字节相同" in next(r for f, r in result.rejected if f == str(ours))
    assert len(result.data.sources) == 2 and len(result.rejected) == 3

    # 六(三): a central unit without bases may recommend one 新申报: of two that pass,
    # only the one with the larger 高新技术产品出口额 counts towards the national target
    def app(name: str, hitech: float, verdict: str = "符合") -> dict[str, Any]:
        return {
            "province": "湖北省",
            "applicant_name": name,
            "application_type": "新申报",
            "hitech_export_value": hitech,
            "_verdict": verdict,
        }

    apps = [app("甲", 1.0), app("乙", 3.0), app("丙", 9.0, "不符合")]
    counted = counted_towards_targets(apps, spec, load_reference())
    assert [a["applicant_name"] for a in counted] == ["乙"]
    # a re-certification always fits (and leaves a central unit one 新申报); a value with
    # an error does not rank a 新申报 first
    apps = [
        {**app("丁", 50.0), "_excluded": {"hitech_export_value": "疑似单位错误"}},
        app("戊", 2.0),
        {**app("己", 4.0), "application_type": "现有基地重新认定"},
    ]
    counted = counted_towards_targets(apps, spec, load_reference())
    assert sorted(a["applicant_name"] for a in counted) == sorted(["己", "戊"])


def test_progress_follows_the_provinces_decision_where_there_is_one() -> None:
    from formkit.forms.shenbaoshu.recommend import DECISION
    from formkit.reference import load_reference
    from formkit.summary.sheets import counted_towards_targets

    spec = load_spec()
    apps = [
        {
            "province": "湖北省",
            "applicant_name": n,
            "application_type": "新申报",
            "hitech_export_value": v,
            "_verdict": verdict,
            DECISION: decision,
        }
        for n, v, verdict, decision in (
            ("甲", 1.0, "符合", "推荐"),  # the province chose the smaller one
            ("乙", 3.0, "符合", "不推荐"),
            ("丙", 9.0, "不符合", "推荐"),  # recommended against the verdict: not counted
        )
    ]
    counted = counted_towards_targets(apps, spec, load_reference())
    assert [a["applicant_name"] for a in counted] == ["甲"]


def test_a_criterion_left_to_a_person_says_so_in_the_summary(results: list[Any]) -> None:
    """六(二)(2) 本地区位居前列 without the unit's total is for a person to judge: the
    summary's 未通过或待补充的条件 says 需人工判断 (not 待补充), with the facts (each sample is
    its unit's only application: nothing to rank it against)."""
    data = collect(results)
    for rec in data.applications:
        sub = next(r for r in results if r.sha256 == rec["_sha256"])
        manual = [c for c in sub.criteria if c["status"] == "manual"]
        for c in manual:
            assert f"{c['title']}（需人工判断" in rec["_criteria"]
            if c["id"] == "new_regional_leading":  # the facts of the round added
                assert f"{c['title']}（需人工判断：" in rec["_criteria"]
                assert "仅此 1 份申请" in rec["_criteria"]
        if not manual:
            assert "需人工判断" not in rec["_criteria"]
        # nothing with a criterion unsettled reads 符合
        assert (rec["_verdict"] == "需人工判断") == (
            bool(manual) and sub.verdict not in ("不符合", "待补充材料")
        )
    assert any("需人工判断" in rec["_criteria"] for rec in data.applications)
