"""`formkit distribute`: a roster becomes one pre-filled, identity-locked template per row."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from formkit.cli import app
from formkit.distribute import RosterError, distribute, read_roster

runner = CliRunner()

CSV_ROWS = [
    "推荐单位,所在地级市,申请单位全称,联系人,联系电话,电子信箱",
    "江苏,苏州市,苏州工业园区管理委员会,张三,0512-66668888,zhangsan@example.cn",
    "浙江省,杭州市,杭州高新技术产业开发区,李四,13912345678,",
    ",,,,,",  # blank lines in a roster are ignored
    "深圳,深圳市,深圳市高新区/南山:园区,王五,,",
]


def _gbk_csv(path: Path, lines: list[str]) -> Path:
    # as Chinese Excel saves "CSV (逗号分隔)": the ANSI code page, no BOM
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def _xlsx(path: Path, rows: list[list[Any]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _cell(wb: Any, name: str) -> Any:
    ((sheet, ref),) = list(wb.defined_names[name].destinations)
    return wb[sheet][ref.replace("$", "")]


def test_gbk_csv_roster_gives_named_prefilled_locked_templates(tmp_path: Path) -> None:
    roster = _gbk_csv(tmp_path / "名单.csv", CSV_ROWS)
    rows = read_roster(roster)
    assert [(r.row, r.province, r.province_code) for r in rows] == [
        (2, "江苏省", "320000"),
        (3, "浙江省", "330000"),
        (5, "深圳市", "440300"),
    ]
    done = distribute(rows, tmp_path / "out", year=2006)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [
            "申报书-江苏省-苏州市-苏州工业园区管理委员会.xlsx",
            "申报书-浙江省-杭州市-杭州高新技术产业开发区.xlsx",
            "申报书-深圳市-深圳市-深圳市高新区_南山_园区.xlsx",  # / and : are illegal
        ]
    )
    ids = [d.submission_id for d in done]
    assert ids[0].startswith("2006-320000-") and len(ids[0]) == len("2006-320000-") + 8
    assert len(set(ids)) == 3

    wb = openpyxl.load_workbook(done[0].path)
    for fid, value in (
        ("province", "江苏省"),
        ("city", "苏州市"),
        ("applicant_name", "苏州工业园区管理委员会"),
    ):
        cell = _cell(wb, fid)
        assert cell.value == value and cell.protection.locked, fid
    # the roster's contacts are filled and locked too; what the city reports stays open
    contact = _cell(wb, "contact_person")
    assert contact.value == "张三" and contact.protection.locked
    assert _cell(wb, "contact_phone").value == "0512-66668888"
    assert _cell(wb, "contact_phone").protection.locked
    assert not _cell(wb, "export_value").protection.locked
    assert wb["formkit"].sheet_state == "veryHidden"
    assert wb["formkit"]["B6"].value == ids[0]
    assert _cell(wb, "formkit_submission_id").value == ids[0]


def test_ids_are_stable_and_output_is_byte_identical(tmp_path: Path) -> None:
    roster = _gbk_csv(tmp_path / "名单.csv", CSV_ROWS)
    first = distribute(read_roster(roster), tmp_path / "a", year=2006)
    # a corrected contact does not change the id: files already sent out keep matching
    changed = [CSV_ROWS[0], CSV_ROWS[1].replace("张三", "赵六"), *CSV_ROWS[2:]]
    second = distribute(read_roster(_gbk_csv(tmp_path / "b.csv", changed)), tmp_path / "b")
    assert [d.submission_id for d in first] == [d.submission_id for d in second]
    again = distribute(read_roster(roster), tmp_path / "c", year=2006)
    assert [d.path.read_bytes() for d in first] == [d.path.read_bytes() for d in again]
    other_year = distribute(read_roster(roster), tmp_path / "d", year=2007)
    assert other_year[0].submission_id.startswith("2007-320000-")


def test_xlsx_roster_with_full_labels_title_row_and_utf8_csv(tmp_path: Path) -> None:
    xlsx = _xlsx(
        tmp_path / "名单.xlsx",
        [
            ["2006年科技兴贸出口创新基地申报单位名单"],
            [
                "申请单位 全称",
                "推荐单位(省、自治区、直辖市、计划单列市或新疆生产建设兵团)",
                "所在地级市：",
                "联系电话",
            ],
            ["合肥高新区", "安徽", "合肥市", 5513456789],
        ],
    )
    (row,) = read_roster(xlsx)
    assert (row.row, row.province, row.city, row.applicant_name) == (
        3,
        "安徽省",
        "合肥市",
        "合肥高新区",
    )
    assert row.contact_phone == "0551-3456789"  # a phone saved as a number lost its 0
    csv = tmp_path / "ids.csv"
    csv.write_text("province,city,applicant_name\n北京,北京市,中关村\n", encoding="utf-8-sig")
    assert read_roster(csv)[0].province == "北京市"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["推荐单位,申请单位全称", "江苏,某园区"], ["第 1 行（表头）缺少必需的列：所在地级市"]),
        (
            [CSV_ROWS[0], CSV_ROWS[1], CSV_ROWS[2], "江苏省,无锡市,苏州工业园区 管理委员会,,,"],
            ["第 4 行：与第 2 行重复（江苏省，苏州工业园区 管理委员会）"],
        ),
        (
            [CSV_ROWS[0], CSV_ROWS[1], "火星,某市,某园区,,,", "江苏,,空城园区,,,"],
            ["第 3 行：推荐单位“火星”不是", "第 4 行：所在地级市未填写"],
        ),
        ([CSV_ROWS[0], "江苏,苏州市,某园区,张三,,not-an-email"], ["第 2 行：电子信箱"]),
    ],
)
def test_bad_roster_is_refused_before_any_file_is_written(
    tmp_path: Path, lines: list[str], expected: list[str]
) -> None:
    roster = _gbk_csv(tmp_path / "名单.csv", lines)
    with pytest.raises(RosterError) as info:
        read_roster(roster)
    assert len(info.value.problems) == len(expected)
    for problem, fragment in zip(info.value.problems, expected, strict=True):
        assert fragment in problem
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["distribute", str(roster), "-o", str(out), "--db", str(tmp_path / "f.db")]
    )
    assert result.exit_code == 2
    assert "未生成任何文件" in result.output and expected[0] in result.output
    assert not out.exists()


def test_cli_distribute_writes_files_and_records_the_roster(tmp_path: Path) -> None:
    roster = _gbk_csv(tmp_path / "名单.csv", CSV_ROWS)
    db = tmp_path / "formkit.db"
    result = runner.invoke(
        app, ["distribute", str(roster), "-o", str(tmp_path / "下发"), "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "下发").glob("*.xlsx"))) == 3
    with sqlite3.connect(db) as conn:
        # schema 5: form-independent columns, the roster's other columns as JSON
        got = conn.execute(
            "SELECT unit, subject, json_extract(values_json, '$.contact_person') FROM roster"
        ).fetchall()
    assert sorted(got) == sorted(
        [
            ("江苏省", "苏州工业园区管理委员会", "张三"),
            ("浙江省", "杭州高新技术产业开发区", "李四"),
            ("深圳市", "深圳市高新区/南山:园区", "王五"),
        ]
    )
    # re-distributing the same roster updates, never duplicates
    again = runner.invoke(
        app, ["distribute", str(roster), "-o", str(tmp_path / "下发"), "--db", str(db)]
    )
    assert again.exit_code == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM roster").fetchone()[0] == 3


def test_fields_the_roster_leaves_empty_stay_open(tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text(
        "推荐单位,所在地级市,申请单位全称\n江苏省,苏州市,苏州工业园区管理委员会\n", encoding="utf-8"
    )
    from formkit.distribute import distribute, read_roster

    [written] = distribute(read_roster(roster), tmp_path / "out", year=2006)
    wb = openpyxl.load_workbook(written.path)
    assert _cell(wb, "applicant_name").protection.locked
    assert not _cell(wb, "contact_person").protection.locked
    assert not _cell(wb, "contact_phone").protection.locked
