"""`formkit feedback`: annotated copies for submitters, checked by opening them.

Each copy is opened with openpyxl: fills and comments on the cells the issues name, the
`审核意见` sheet (one row per issue, links to the right cells), the form's names, sheets
and protection kept; the reader gives the same values from the copy as from the original,
and a copy corrected and saved goes back through `check_file` without the error.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from formkit.api import read
from formkit.check import check_file
from formkit.cli import app
from formkit.feedback import (
    AUTHOR,
    ERROR_FILL,
    HOW_TO_FIX,
    NO_FINDINGS,
    SHEET_NAME,
    WARNING_FILL,
    FeedbackResult,
    annotate,
    feedback_many,
)
from formkit.issues import Issue
from formkit.parse import normalise_label
from formkit.read.submission import Submission
from tests.conftest import ROOT

SAMPLES = ROOT / "samples"
BASE = "第一项：基地基本情况"
runner = CliRunner()


def sample(prefix: str) -> Path:
    (path,) = SAMPLES.glob(f"{prefix}-*")
    return path


def flat(text: str) -> str:
    """CLI output without the line breaks and padding of a narrow terminal."""
    return "".join(text.replace("│", " ").split())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, FeedbackResult]:
    """Annotated copies of a clean sample, one with a warning and two with errors."""
    out = tmp_path_factory.mktemp("feedback")
    results = {}
    for prefix in ("01", "05", "07", "09"):
        path = sample(prefix)
        before = sha256(path)
        result = annotate(check_file(path), out)
        assert sha256(path) == before  # the original is never touched
        assert result.status == "written", result.reason
        results[prefix] = result
    return results


def opened(result: FeedbackResult) -> openpyxl.Workbook:
    assert result.output is not None
    return openpyxl.load_workbook(result.output)


def marked(issues: list[Issue], severity: str) -> set[tuple[str, str]]:
    return {(i.sheet, i.cell) for i in issues if i.severity == severity and i.sheet and i.cell}


def fill_of(ws: Worksheet, cell: str) -> str:
    return str(ws[cell].fill.fgColor.rgb)[-6:].upper()


def listed_rows(ws: Worksheet) -> list[tuple[object, ...]]:
    """The issue rows of 审核意见: below the header row, those with a 序号."""
    rows = list(ws.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r[0] == "序号")
    return [r for r in rows[header + 1 :] if isinstance(r[0], int)]


# ---------------------------------------------------------------- marks on the form's cells


def test_error_cell_is_red_with_the_message_in_a_comment(
    copies: dict[str, FeedbackResult],
) -> None:
    result = copies["07"]
    sub = result.submission
    assert sub is not None
    wb = opened(result)
    c6 = wb[BASE]["C6"]
    assert fill_of(wb[BASE], "C6") == ERROR_FILL
    assert c6.comment is not None and c6.comment.author == AUTHOR
    hitech = next(i for i in sub.issues if i.code == "hitech_above_total")
    assert (hitech.sheet, hitech.cell) == (BASE, "C6")
    assert hitech.message in c6.comment.text
    for sheet, cell in marked(sub.issues, "error"):
        assert fill_of(wb[sheet], cell) == ERROR_FILL, (sheet, cell)
        comment = wb[sheet][cell].comment
        assert comment is not None
        for i in sub.issues:
            if (i.sheet, i.cell) == (sheet, cell) and i.severity != "info":
                assert i.message in comment.text
    assert result.marked == len(marked(sub.issues, "error"))


def test_missing_required_fields_are_marked_where_they_should_be_typed(
    copies: dict[str, FeedbackResult],
) -> None:
    result = copies["09"]
    sub = result.submission
    assert sub is not None
    wb = opened(result)
    missing = {(i.sheet, i.cell) for i in sub.issues if i.code.startswith("required")}
    assert missing == {("封面", "B6"), ("续表一 申报信息", "B7"), ("续表一 申报信息", "B8")}
    for sheet, cell in missing:
        assert sheet and cell
        assert fill_of(wb[sheet], cell) == ERROR_FILL
        assert "必" in wb[sheet][cell].comment.text


def _rgb(colour: str) -> tuple[int, ...]:
    return tuple(int(colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))


def _apart(a: str, b: str) -> float:
    return sum((x - y) ** 2 for x, y in zip(_rgb(a), _rgb(b), strict=True)) ** 0.5


def test_warning_colour_is_clearly_apart_from_the_input_yellow_and_has_a_legend(
    copies: dict[str, FeedbackResult],
) -> None:
    """#21 item 9: a warning is not mistaken for a cell to fill in (the template's pale
    yellow), nor for an error; the sheet the copy opens on says which colour is which."""
    from formkit.template import INPUT_FILL

    for other in (INPUT_FILL, ERROR_FILL):
        assert _apart(WARNING_FILL, other) > 80, other
    # and in grey print: the warning is darker than the input yellow by a clear step
    luma = [0.299 * r + 0.587 * g + 0.114 * b for r, g, b in map(_rgb, (WARNING_FILL, INPUT_FILL))]
    assert luma[1] - luma[0] > 40
    wb = opened(copies["05"])
    assert wb.active.title == "审核意见"
    ws = wb["审核意见"]
    legend = next(r for r in ws.iter_rows() if r[0].value == "图例")
    shown = {str(c.value): fill_of(ws, c.coordinate) for c in legend[1:4]}
    assert shown == {"错误": ERROR_FILL, "警告": WARNING_FILL, "填写处": INPUT_FILL.lstrip("#")}
    assert "橙色：警告" in str(legend[4].value) and "淡黄色" in str(legend[4].value)
    # above the list of issues
    header = next(r for r in ws.iter_rows() if r[0].value == "序号")
    assert legend[0].row < header[0].row


def test_warning_is_orange_and_info_is_not_marked(copies: dict[str, FeedbackResult]) -> None:
    result = copies["05"]
    sub = result.submission
    assert sub is not None
    wb = opened(result)
    warned = marked(sub.issues, "warning")
    # G5 约数; C6 六(二)(2) 需人工判断 (机械制造 is one of 一's focus fields: not warned)
    assert warned == {(BASE, "G5"), (BASE, "C6")}
    assert fill_of(wb[BASE], "G5") == WARNING_FILL
    assert "约数" in wb[BASE]["G5"].comment.text
    # C5 only had its unit stripped (info): left as the submitter sent it
    assert (BASE, "C5") in marked(sub.issues, "info")
    assert wb[BASE]["C5"].comment is None
    assert fill_of(wb[BASE], "C5") == "FFF2CC"


def test_several_issues_on_one_cell_share_one_comment(tmp_path: Path) -> None:
    checked = check_file(sample("07"))
    extra = Issue("approximate", "warning", "另一条说明：请核对。", sheet=BASE, cell="C6")
    sub = dataclasses.replace(checked, issues=(*checked.issues, extra))
    result = annotate(sub, tmp_path)
    ws = opened(result)[BASE]
    text = ws["C6"].comment.text
    assert text.startswith("1.【错误】") and "2.【警告】另一条说明：请核对。" in text
    assert fill_of(ws, "C6") == ERROR_FILL  # an error outranks a warning


# ---------------------------------------------------------------- the 审核意见 sheet


def test_review_sheet_lists_every_issue_with_links(copies: dict[str, FeedbackResult]) -> None:
    for result in copies.values():
        sub = result.submission
        assert sub is not None
        wb = opened(result)
        assert wb.sheetnames[-1] == SHEET_NAME
        assert wb.active is not None and wb.active.title == SHEET_NAME
        assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == [SHEET_NAME]
        ws = wb[SHEET_NAME]
        rows = listed_rows(ws)
        assert len(rows) == len(sub.issues) == result.listed
        assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
        expected = sorted(((i.sheet or "", i.cell or "", i.message) for i in sub.issues), key=str)
        got = sorted(((str(r[2]).strip("“”"), r[3] or "", r[4]) for r in rows), key=str)
        assert got == expected
        header = next(c.row for c in ws["A"] if c.value == "序号")
        for row in ws.iter_rows(min_row=header + 1):
            sheet, cell = str(row[2].value or "").strip("“”"), row[3].value
            if not cell:
                assert row[3].hyperlink is None
                continue
            link = row[3].hyperlink
            assert link is not None and link.location == f"'{sheet}'!{cell}"
            assert not link.target  # internal: no external relationship
            assert sheet in wb.sheetnames


def test_review_sheet_header_verdict_counts_and_how_to_fix(
    copies: dict[str, FeedbackResult],
) -> None:
    texts = [c.value for c in opened(copies["07"])[SHEET_NAME]["A"] if c.value]
    assert any("07-浙江省-杭州市-重新认定-高新大于出口.xlsx" in str(t) for t in texts)
    assert "审核结论：待补充材料" in texts
    assert any(str(t).startswith("错误 2 条") for t in texts)
    assert HOW_TO_FIX in texts
    clean = [c.value for c in opened(copies["01"])[SHEET_NAME]["A"] if c.value]
    assert "审核结论：符合" in clean and NO_FINDINGS in clean and HOW_TO_FIX not in clean


def test_clean_sample_has_no_marks(copies: dict[str, FeedbackResult]) -> None:
    wb = opened(copies["01"])
    assert copies["01"].marked == 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.comment is None
                assert fill_of(ws, cell.coordinate) not in (ERROR_FILL, WARNING_FILL) or (
                    ws.title == SHEET_NAME
                )


def test_review_sheet_is_never_taken_for_part_of_the_form(
    copies: dict[str, FeedbackResult],
) -> None:
    """The reader takes a sheet holding 第一项's heading for a copy of it, and a sheet with
    over a third of a form sheet's labels for that sheet when the real one is missing."""
    from formkit.api import load_spec

    spec = load_spec()
    for result in copies.values():
        ws = opened(result)[SHEET_NAME]
        found = {
            normalise_label(v)
            for row in ws.iter_rows(values_only=True)
            for v in row
            if isinstance(v, str)
        }
        for s in spec.sheets:
            headings = {normalise_label(t.text) for t in s.texts if t.style == "heading"}
            assert not headings & found, s.name
            labels = {normalise_label(t.text) for t in s.texts if "{" not in t.text}
            labels |= {normalise_label(f.label) for f in spec.fields if f.sheet == s.id}
            labels |= {
                normalise_label(c.label) for t in spec.tables if t.sheet == s.id for c in t.columns
            }
            assert len(labels & found) <= 1, (s.name, labels & found)


# ---------------------------------------------------------------- the copy is still the form


def test_copy_keeps_names_sheets_protection_and_metadata(
    copies: dict[str, FeedbackResult],
) -> None:
    original = openpyxl.load_workbook(sample("07"))
    copy = opened(copies["07"])
    assert copy.sheetnames == [*original.sheetnames, SHEET_NAME]
    # the form's names, and the mark of what the copy annotates (tests/test_feedback_mark.py)
    added = {"formkit_annotates", "formkit_annotates_values"}
    assert set(copy.defined_names) == set(original.defined_names) | added
    for name in original.defined_names:
        assert copy.defined_names[name].attr_text == original.defined_names[name].attr_text
    for ws in original.worksheets:
        twin = copy[ws.title]
        assert twin.sheet_state == ws.sheet_state
        assert bool(twin.protection.sheet) == bool(ws.protection.sheet)
        assert twin.protection.insertRows == ws.protection.insertRows
        assert len(twin.data_validations.dataValidation) == len(ws.data_validations.dataValidation)
    assert copy["formkit"].sheet_state == "veryHidden"


def test_reader_gives_the_same_values_from_the_copy(copies: dict[str, FeedbackResult]) -> None:
    for result in copies.values():
        assert result.output is not None and result.submission is not None
        again = read(result.output)
        assert again.status == "accepted"
        assert again.values == read(result.submission.file).values
        checked = check_file(result.output)
        assert checked.verdict == result.submission.verdict
        assert [(i.code, i.sheet, i.cell) for i in checked.issues] == [
            (i.code, i.sheet, i.cell) for i in result.submission.issues
        ]


def test_fix_the_copy_and_resubmit(copies: dict[str, FeedbackResult], tmp_path: Path) -> None:
    result = copies["07"]
    assert result.output is not None
    wb = openpyxl.load_workbook(result.output)
    wb[BASE]["C6"] = 5.8  # as the submitter would, in the copy they were sent
    fixed = tmp_path / "07-改正后.xlsx"
    wb.save(fixed)
    sub = check_file(fixed)
    assert sub.status == "accepted"
    assert not [i for i in sub.issues if i.code in ("hitech_above_total", "history_mismatch")]
    assert sub.errors == 0

    # annotated again: the old marks and sheet go, no new ones (C6 gets its input fill back)
    again = annotate(sub, tmp_path / "again")
    wb = opened(again)
    assert wb.sheetnames.count(SHEET_NAME) == 1
    assert wb[BASE]["C6"].comment is None
    assert fill_of(wb[BASE], "C6") == "FFF2CC"


def test_formula_results_are_kept(tmp_path: Path) -> None:
    """openpyxl drops saved formula results; the copy puts them back for the reader."""
    path = tmp_path / "formula.xlsx"
    shutil.copy(sample("07"), path)
    wb = openpyxl.load_workbook(path)
    wb[BASE]["C5"] = "=8+0.4"
    wb.calculation.fullCalcOnLoad = False  # as Excel saves: the results are current
    wb.save(path)
    # give the formula a saved result, as Excel would
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    sheet = "xl/worksheets/sheet2.xml"
    parts[sheet] = re.sub(
        rb"<f>8\+0\.4</f><v\s*(/>|></v>)", b"<f>8+0.4</f><v>8.4</v>", parts[sheet]
    )
    assert b"<v>8.4</v>" in parts[sheet]
    with zipfile.ZipFile(path, "w") as z:
        for name, body in parts.items():
            z.writestr(name, body)
    sub = check_file(path)
    assert sub.values["export_value"] == 8.4
    result = annotate(sub, tmp_path / "out")
    assert result.output is not None
    assert read(result.output).values == sub.values
    assert openpyxl.load_workbook(result.output)[BASE]["C5"].value == "=8+0.4"


def test_xlsm_becomes_xlsx_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "宏.xlsm"
    with zipfile.ZipFile(sample("07")) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "[Content_Types].xml":
                body = body.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            dst.writestr(info, body)
    sub = check_file(path)
    assert sub.format == "xlsm"
    result = annotate(sub, tmp_path / "out")
    assert result.output is not None and result.output.name == "宏-审核意见.xlsx"
    assert any("宏未保留" in n for n in result.notes)
    with zipfile.ZipFile(result.output) as z:
        assert b"macroEnabled" not in z.read("[Content_Types].xml")
    texts = [c.value for c in openpyxl.load_workbook(result.output)[SHEET_NAME]["A"]]
    assert any("宏未保留" in str(t) for t in texts)


# ---------------------------------------------------------------- batches, names, refusals


def test_batch_names_are_unique_and_never_an_input(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    shutil.copy(sample("07"), a / "同名.xlsx")
    shutil.copy(sample("09"), b / "同名.xlsx")
    # an input that has the name the first copy would take
    shutil.copy(sample("01"), tmp_path / "同名-审核意见.xlsx")
    before = sha256(tmp_path / "同名-审核意见.xlsx")
    inputs = [a / "同名.xlsx", b / "同名.xlsx", tmp_path / "同名-审核意见.xlsx"]
    results = list(feedback_many(inputs, tmp_path, jobs=0))
    names = [r.output.name for r in results if r.output is not None]
    assert names == ["同名-审核意见-2.xlsx", "同名-审核意见-3.xlsx", "同名-审核意见-审核意见.xlsx"]
    assert sha256(tmp_path / "同名-审核意见.xlsx") == before


def test_submissions_are_taken_as_they_are(tmp_path: Path) -> None:
    sub = check_file(sample("07"))
    (result,) = feedback_many([sub], tmp_path, jobs=1)
    assert result.status == "written" and result.submission is not None
    assert result.submission.issues == sub.issues


def test_rejected_file_gets_no_copy(tmp_path: Path) -> None:
    bad = tmp_path / "不是表格.xlsx"
    bad.write_text("这不是 Excel 文件", encoding="utf-8")
    (result,) = feedback_many([bad], tmp_path / "out", jobs=0)
    assert result.status == "rejected" and result.output is None
    assert result.reason
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_changed_since_checked_gets_no_copy(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    shutil.copy(sample("07"), path)
    sub = check_file(path)
    shutil.copy(sample("09"), path)
    result = annotate(sub, tmp_path / "out")
    assert result.status == "failed" and result.reason and "重新审核" in result.reason


def test_without_libreoffice_an_xls_is_listed_as_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import formkit.office

    monkeypatch.setattr(formkit.office, "soffice_path", lambda: None)
    result = annotate(check_file(sample("10")), tmp_path)
    assert result.status == "failed" and result.reason and "LibreOffice" in result.reason
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------- CLI


def test_cli_writes_copies_and_lists_rejections(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(sample("07"), folder)
    shutil.copy(sample("01"), folder)
    out = tmp_path / "审核意见"
    result = runner.invoke(app, ["feedback", str(folder), "-o", str(out), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "已生成2份审核意见副本" in flat(result.output)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{sample(p).stem}-审核意见.xlsx" for p in ("01", "07")
    )
    (folder / "坏.xlsx").write_text("not a workbook", encoding="utf-8")
    result = runner.invoke(app, ["feedback", str(folder), "-o", str(out), "-j", "1"])
    assert result.exit_code == 1, result.output
    assert "未受理" in flat(result.output) and "未生成" in flat(result.output)


def test_cli_usage_errors_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["feedback", str(tmp_path / "无"), "-o", str(tmp_path)])
    assert result.exit_code == 2
    blocker = tmp_path / "是文件"
    blocker.write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["feedback", str(sample("07")), "-o", str(blocker / "子")])
    assert result.exit_code == 2
    assert "无法写入输出文件夹" in flat(result.output)


def test_cli_without_libreoffice_fails_that_file_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import formkit.feedback
    import formkit.office

    # inline (jobs=0): worker processes would not see the patch
    real = formkit.feedback.feedback_many
    monkeypatch.setattr(formkit.office, "soffice_path", lambda: None)
    monkeypatch.setattr(
        formkit.feedback, "feedback_many", lambda *a, **k: real(*a, **{**k, "jobs": 0})
    )
    files = [str(sample("07")), str(sample("10"))]
    result = runner.invoke(app, ["feedback", *files, "-o", str(tmp_path / "out"), "-j", "1"])
    assert result.exit_code == 1, result.output
    assert "未安装" in flat(result.output) and "LibreOffice" in flat(result.output)
    assert [p.name for p in (tmp_path / "out").iterdir()] == [f"{sample('07').stem}-审核意见.xlsx"]


# ---------------------------------------------------------------- LibreOffice


@pytest.mark.libreoffice
def test_xls_and_ods_go_through_libreoffice(soffice: str, tmp_path: Path) -> None:
    for prefix, fmt in (("10", "xls"), ("11", "ods")):
        sub = check_file(sample(prefix))
        result = annotate(sub, tmp_path)
        assert result.status == "written", result.reason
        assert result.output is not None and result.output.suffix == ".xlsx"
        assert f"原文件为 .{fmt} 格式，审核意见副本已另存为 .xlsx。" in result.notes
        wb = openpyxl.load_workbook(result.output)
        assert wb["formkit"].sheet_state == "veryHidden"
        assert any(result.notes[0] in str(c.value) for c in wb[SHEET_NAME]["A"])
        assert read(result.output).values == sub.values


@pytest.mark.libreoffice
def test_issues_are_marked_on_an_xls(soffice: str, tmp_path: Path) -> None:
    from tests.libreoffice import convert

    xls = convert(sample("07"), "xls", tmp_path / "xls")
    sub = check_file(xls)
    assert sub.format == "xls"
    assert any(i.code == "hitech_above_total" for i in sub.issues)
    result = annotate(sub, tmp_path / "out")
    assert result.output is not None
    ws = openpyxl.load_workbook(result.output)[BASE]
    assert fill_of(ws, "C6") == ERROR_FILL
    assert "高新技术产品出口额" in ws["C6"].comment.text


@pytest.mark.libreoffice
def test_copy_prints_to_pdf(
    soffice: str, copies: dict[str, FeedbackResult], tmp_path: Path
) -> None:
    from tests.libreoffice import convert

    assert copies["07"].output is not None
    pdf = convert(copies["07"].output, "pdf", tmp_path)
    assert pdf.stat().st_size > 10_000
    if shutil.which("pdftoppm"):
        # the 审核意见 sheet prints last; render it to look at (kept in tmp_path)
        subprocess.run(
            ["pdftoppm", "-r", "60", "-png", "-l", "99", str(pdf), str(tmp_path / "page")],
            check=True,
            timeout=120,
        )
        assert list(tmp_path.glob("page-*.png"))


def test_feedback_result_carries_the_submission(copies: dict[str, FeedbackResult]) -> None:
    assert all(isinstance(r.submission, Submission) for r in copies.values())


def test_feedback_from_the_ledger_covers_current_files_with_issues(tmp_path: Path) -> None:
    """formkit feedback --db: a copy for every current ledger file with errors or warnings."""
    import shutil

    from typer.testing import CliRunner

    from formkit.cli import app

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in (
        "01-江苏省-苏州工业园区-重新认定.xlsx",
        "07-浙江省-杭州市-重新认定-高新大于出口.xlsx",
    ):
        shutil.copy(ROOT / "samples" / name, inbox)
    db = tmp_path / "formkit.db"
    runner = CliRunner()
    runner.invoke(app, ["ingest", str(inbox), "--db", str(db)])
    result = runner.invoke(app, ["feedback", "--db", str(db), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == [
        "07-浙江省-杭州市-重新认定-高新大于出口-审核意见.xlsx"
    ]
