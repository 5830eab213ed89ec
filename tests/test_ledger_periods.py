"""A quarterly round from the ledger (商技发[2006]6号 四(四): "每季度上报出口创新基地及其
重点企业的数据"; issue #15 items 1 and 5): the bases' roster drawn from the application
round's ledger, the 季度数据报表 distributed per quarter, returns ingested (a resent quarter,
a missing base, a falling cumulative, an annual report that disagrees with the fourth
quarter), status per quarter and feedback at the cell; and a version-4 ledger migrated.

Every expected number is computed here from the figures the files were filled with."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from formkit.cli import app
from formkit.distribute import (
    RosterError,
    RosterRow,
    distribute,
    locked_fields,
    parse_period,
    read_roster,
)
from formkit.forms import DEFAULT_FORM, load_form_spec
from formkit.ledger import MIGRATIONS, Ledger, file_sha256
from formkit.template import build_template
from formkit.web.store import WebStore
from tests.forms import YEAR, application_round, eligible, own_base
from tests.report_forms import JIDU, NIANBAO
from tests.test_across_periods import annual_values, quarter_values, ytd

runner = CliRunner()
REPORT_YEAR = 2007
QUARTERS = ("第一季度", "第二季度", "第三季度", "第四季度")


def _cell(form_id: str, field_id: str) -> tuple[str, str]:
    spec = load_form_spec(form_id)
    f = spec.field(field_id)
    return spec.sheet(f.sheet).name, f.area.first.a1


def _application_round(tmp_path: Path) -> tuple[Path, list[RosterRow]]:
    db, rows = application_round(tmp_path)
    with Ledger(db) as ledger:
        assert [r.state for r in ledger.status().rows] == ["符合"] * 3
    return db, rows


def _report(path: Path, form_id: str, row: RosterRow, sid: str, values: dict[str, Any]) -> Path:
    """What a base sends back: its distributed copy (identity and period locked, its own
    submission id) with the figures filled in."""
    spec = load_form_spec(form_id)
    mine = {**values, **row.values()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        build_template(
            spec,
            year=REPORT_YEAR,
            values=mine,
            locked_fields=[f for f in locked_fields(spec) if f in row.values()],
            submission_id=sid,
        )
    )
    return path


@pytest.fixture()
def quarterly(tmp_path: Path) -> dict[str, Any]:
    app_db, applications = _application_round(tmp_path)
    roster = tmp_path / "基地名单.xlsx"
    result = runner.invoke(
        app,
        ["roster", "--db", str(app_db), "--year", str(YEAR), "--form", JIDU, "-o", str(roster)],
    )
    assert result.exit_code == 0, result.output
    db = tmp_path / "季报.db"
    ids: dict[str, list[str]] = {}
    for q in range(1, 5):
        out = tmp_path / "下发" / f"Q{q}"
        result = runner.invoke(
            app,
            [
                "distribute",
                str(roster),
                "--form",
                JIDU,
                "--period",
                f"{REPORT_YEAR}Q{q}",
                "-o",
                str(out),
                "--db",
                str(db),
            ],
        )
        assert result.exit_code == 0, result.output
        with Ledger(db) as ledger:
            ids[f"Q{q}"] = [
                e.submission_id for e in ledger.roster(JIDU, period=f"2007/{QUARTERS[q - 1]}")
            ]
    result = runner.invoke(
        app,
        [
            "distribute",
            str(roster),
            "--form",
            NIANBAO,
            "--period",
            str(REPORT_YEAR),
            "-o",
            str(tmp_path / "下发" / "年报"),
            "--db",
            str(db),
        ],
    )
    assert result.exit_code == 0, result.output
    bases = read_roster(roster, spec=load_form_spec(JIDU))
    return {
        "tmp": tmp_path,
        "app_db": app_db,
        "applications": applications,
        "roster": roster,
        "db": db,
        "bases": bases,
        "ids": ids,
    }


def test_roster_of_bases_comes_from_the_applications(quarterly: dict[str, Any]) -> None:
    """The roster names each 符合 application's province, applicant (as the base), contact
    and its 申报书 submission id, under the report form's headers and a title line."""
    ws = openpyxl.load_workbook(quarterly["roster"]).worksheets[0]
    rows = [[c or "" for c in r] for r in ws.iter_rows(values_only=True)]
    assert rows[0][0] == f"季度数据报表报送基地名单（据{YEAR}年度申报）"
    assert rows[1] == ["所在省", "基地名称", "基地类型", "申报书编号", "联系人", "联系电话"]
    expected = []
    for a in quarterly["applications"]:
        # what each application was filled with: a re-certification names its own
        # province's base, of that base's type (tests.forms.filled)
        sent = own_base({**eligible(), "province": a.province})
        expected.append(
            [
                a.province,
                a.applicant_name,
                sent["existing_base_type"] or "",  # 原基地类型 of a 现有基地重新认定
                a.submission_id(YEAR),
                sent["contact_person"],
                sent["contact_phone"],
            ]
        )
    assert sorted(rows[2:]) == sorted(expected)


def test_distributed_copies_have_the_period_filled_locked_and_their_own_ids(
    quarterly: dict[str, Any],
) -> None:
    ids = quarterly["ids"]
    every = [sid for q in ids.values() for sid in q]
    assert len(set(every)) == 12  # one id per base and quarter
    assert all(sid.startswith(f"{REPORT_YEAR}Q{q[1]}-") for q, sids in ids.items() for sid in sids)
    # stable: distributing again gives the same ids
    spec = load_form_spec(JIDU)
    period = parse_period("2007Q2", spec)
    again = distribute(quarterly["bases"], quarterly["tmp"] / "again", spec=spec, period=period)
    assert sorted(d.submission_id for d in again) == sorted(ids["Q2"])
    wb = openpyxl.load_workbook(again[0].path)
    for fid, want in (("report_year", REPORT_YEAR), ("report_quarter", "第二季度")):
        dest = next(iter(wb.defined_names[fid].destinations))
        cell = wb[dest[0]][dest[1].replace("$", "").split(":")[0]]
        assert cell.value == want and cell.protection.locked, fid
    dest = next(iter(wb.defined_names["base_name"].destinations))
    assert wb[dest[0]][dest[1].replace("$", "").split(":")[0]].protection.locked
    assert wb["formkit"] is not None
    assert again[0].path.name.startswith("季度数据报表-2007Q2-")


def _send_round(quarterly: dict[str, Any]) -> dict[str, Path]:
    """The bases' returns: all four quarters from A and B, Q1, Q2 and Q4 from C; A resends
    Q2; B's Q3 cumulative export falls below its Q2; A's annual export is not its Q4's."""
    tmp, bases = quarterly["tmp"], quarterly["bases"]
    spec = load_form_spec(JIDU)
    inbox = tmp / "收件"
    sent: dict[str, Path] = {}
    for q in range(1, 5):
        period = parse_period(f"{REPORT_YEAR}Q{q}", spec)
        for name, base in zip("ABC", bases, strict=True):
            if name == "C" and q == 3:
                continue  # C never sends its third quarter
            values = quarter_values(q)
            if name == "B" and q == 3:
                values["export_value_ytd"] = ytd("export_value", 2) - 500.0
                values["export_value_q"] = 0.0
            sid = base.submission_id(REPORT_YEAR, period)
            sent[f"{name}Q{q}"] = _report(inbox / f"Q{q}" / f"{name}.xlsx", JIDU, base, sid, values)
    nb = load_form_spec(NIANBAO)
    annual = annual_values()
    annual["export_value"] = ytd("export_value", 4) + 1000.0
    a = bases[0]
    sid = a.submission_id(REPORT_YEAR, parse_period(str(REPORT_YEAR), nb))
    sent["A年报"] = _report(inbox / "年报" / "A.xlsx", NIANBAO, a, sid, annual)
    return sent


def _resend(quarterly: dict[str, Any]) -> Path:
    """A sends its second quarter again, corrected: a later 填报日期, one figure changed."""
    spec = load_form_spec(JIDU)
    a = quarterly["bases"][0]
    values = quarter_values(2)
    values["fill_date"] = dt.date(REPORT_YEAR, 7, 14)
    values["important_info"] = "更正：补报重点企业信息。"
    sid = a.submission_id(REPORT_YEAR, parse_period("2007Q2", spec))
    return _report(quarterly["tmp"] / "重报" / "A-Q2.xlsx", JIDU, a, sid, values)


def test_quarterly_round_through_the_ledger(quarterly: dict[str, Any]) -> None:
    """四(四): each base reports each quarter; a resent quarter replaces only itself; a base
    that has not sent its quarter is 逾期未报 after the default deadline (季度结束后次月15日,
    formkit's: the notice sets none); rules across periods name the file and the cell."""
    sent = _send_round(quarterly)
    spec = load_form_spec(JIDU)
    a, b, c = (base.subject for base in quarterly["bases"])
    with Ledger(quarterly["db"]) as ledger:
        report = ledger.ingest(sorted(sent.values()))
        assert report.new == 12 and report.superseded == 0  # 4 + 4 + 3 quarters, 1 annual
        resent = _resend(quarterly)
        again = ledger.ingest([resent])
        assert again.new == 1 and again.superseded == 1
        superseded = again.files[0].supersedes
        assert superseded is not None and ledger.file(superseded) is not None
        assert ledger.file(superseded).original_name == "A.xlsx"  # type: ignore[union-attr]
        # only A's Q2 was replaced: every other quarter of A still counts
        current = {(r.subject, r.period): r for r in ledger.current(JIDU)}
        assert len(current) == 11
        assert current[(a, "2007/第二季度")].sha256 == again.files[0].sha256
        assert current[(a, "2007/第一季度")].location == str(sent["AQ1"])

        q2 = ledger.status(form_id=JIDU, period=parse_period("2007Q2", spec))
        assert q2.deadline == dt.date(2007, 7, 15) and "季度结束后次月15日" in q2.deadline_source
        by = {r.entry.subject: r for r in q2.rows}
        assert set(by) == {a, b, c}
        assert (by[a].files, by[a].state, by[a].last.sha256) == (  # type: ignore[union-attr]
            2,
            "已收到",
            again.files[0].sha256,
        )
        assert by[b].files == 1 and by[b].state == "已收到" and not by[b].across

        q3 = ledger.status(
            form_id=JIDU, period=parse_period("2007Q3", spec), today=dt.date(2007, 10, 20)
        )
        assert q3.deadline == dt.date(2007, 10, 15)
        by = {r.entry.subject: r for r in q3.rows}
        assert (by[c].state, by[c].overdue) == ("未收到", "逾期未报")
        # A's third quarter arrived (was ingested) today, long after 2007-10-15
        assert by[a].state == "已收到" and by[a].overdue == "逾期报送"
        assert by[b].state == "有错误"
        fell = [i for i in by[b].across if i.code == "cumulative_fell"]
        assert [(i.field, i.sheet, i.cell) for i in fell] == [
            ("export_value_ytd", *_cell(JIDU, "export_value_ytd"))
        ]
        assert f"{ytd('export_value', 2) - 500.0:.2f}".rstrip("0").rstrip(".") in fell[0].message

        # before the deadline the missing base is not yet overdue
        early = ledger.status(
            form_id=JIDU, period=parse_period("2007Q3", spec), today=dt.date(2007, 10, 15)
        )
        assert {r.entry.subject: r.overdue for r in early.rows}[c] == ""

        annual = ledger.status(
            form_id=NIANBAO, period=parse_period("2007", load_form_spec(NIANBAO))
        )
        assert annual.deadline == dt.date(2007, 12, 31)
        row = {r.entry.subject: r for r in annual.rows}[a]
        diff = [i for i in row.across if i.code == "annual_not_fourth_quarter"]
        assert [(i.field, i.sheet, i.cell) for i in diff] == [
            ("export_value", *_cell(NIANBAO, "export_value"))
        ]
        # 四(四): the annual report is due in December and holds estimates; differing from
        # the fourth quarter is a warning, in both files, and the report is still received
        assert [i.severity for i in diff] == ["warning"]
        assert "2007年第四季度数据报表" in diff[0].message and "预计数" in diff[0].message
        assert row.state == "已收到"
        q4 = ledger.status(form_id=JIDU, period=parse_period("2007Q4", spec))
        q4_row = {r.entry.subject: r for r in q4.rows}[a]
        mirrored = [i for i in q4_row.across if i.code == "annual_not_fourth_quarter"]
        assert [(i.field, i.sheet, i.cell, i.severity) for i in mirrored] == [
            ("export_value_ytd", *_cell(JIDU, "export_value_ytd"), "warning")
        ]
        assert "2007年年度工作报告（文件“A.xlsx”）" in mirrored[0].message
        assert q4_row.state == "已收到"
        # the 申报书 round of this ledger has no roster: its status is empty, not mixed in
        assert ledger.status().rows == []


def test_quarterly_round_through_the_cli(quarterly: dict[str, Any]) -> None:
    sent = _send_round(quarterly)
    db, tmp = quarterly["db"], quarterly["tmp"]
    b_q3 = sent["BQ3"]
    others = [p for k, p in sent.items() if k != "BQ3"]
    result = runner.invoke(app, ["ingest", *map(str, others), "--db", str(db)])
    # the annual report disagrees with Q4: a warning in both (it holds December's estimates)
    assert result.exit_code == 0, result.output
    flat = "".join(result.output.split())
    assert "跨期核对：本次收到的文件有2个问题" in flat and flat.count("预计数") >= 2
    result = runner.invoke(app, ["ingest", str(b_q3), "--db", str(db)])
    assert result.exit_code == 1, result.output
    flat = "".join(result.output.split())
    sheet, cell = _cell(JIDU, "export_value_ytd")
    assert "跨期核对" in flat and f"工作表“{sheet}”，{cell}" in flat and "B.xlsx" in flat

    result = runner.invoke(
        app,
        [
            "status",
            "--db",
            str(db),
            "--form",
            JIDU,
            "--period",
            "2007Q3",
            "--today",
            "2007-10-20",
            "-o",
            str(tmp / "Q3催报.xlsx"),
        ],
    )
    assert result.exit_code == 0, result.output
    flat = "".join(result.output.split())
    assert "逾期未报" in flat and "季度结束后次月15日：2007-10-15" in flat
    assert "需更正或核实的问题" in flat and f"工作表“{sheet}”，{cell}" in flat
    wb = openpyxl.load_workbook(tmp / "Q3催报.xlsx")
    ws = wb["全部"]
    header = [c.value for c in ws[2]]
    assert header[:7] == [
        "序号",
        "所在省",
        "基地名称",
        "基地类型",
        "申报书编号",
        "联系人",
        "联系电话",
    ]
    rows = {r[2]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    c_name = quarterly["bases"][2].subject
    b_name = quarterly["bases"][1].subject
    assert rows[c_name][header.index("是否逾期")] == "逾期未报"
    problem = rows[b_name][header.index("需更正或核实的问题")]
    assert f"B.xlsx（工作表“{sheet}”，{cell}）" in problem
    assert "2007年第三季度" in ws["A1"].value and "2007年第三季度" in wb["催报名单"]["A1"].value

    # a period the form does not have, and a form without --period: clear, exit 2
    result = runner.invoke(app, ["status", "--db", str(db), "--form", JIDU, "--period", "2007Q5"])
    assert result.exit_code == 2 and "季度无法识别" in result.output
    result = runner.invoke(app, ["status", "--db", str(db), "--form", JIDU])
    assert result.exit_code == 2 and "--period" in result.output

    out = tmp / "审核意见"
    result = runner.invoke(app, ["feedback", "--db", str(db), "-o", str(out)])
    assert result.exit_code == 0, result.output
    copies = {_meta(p, "formkit_annotates"): p for p in out.glob("*.xlsx")}
    for key, (form_id, field_id, words) in {
        "BQ3": (JIDU, "export_value_ytd", "第二季度"),
        "A年报": (NIANBAO, "export_value", "第四季度"),
    }.items():
        path = copies[file_sha256(sent[key])]
        assert _meta(path, "formkit_form_id") == form_id
        wb = openpyxl.load_workbook(path)
        sheet, cell = _cell(form_id, field_id)
        comment = wb[sheet][cell].comment
        assert comment is not None and words in comment.text, (key, sheet, cell)
        listed = "".join(
            str(c or "") for r in wb["审核意见"].iter_rows(values_only=True) for c in r
        )
        assert words in listed and cell in listed


def _meta(path: Path, name: str) -> Any:
    wb = openpyxl.load_workbook(path)
    dest = next(iter(wb.defined_names[name].destinations))
    return wb[dest[0]][dest[1].replace("$", "")].value


def test_bad_period_or_roster_writes_nothing(quarterly: dict[str, Any], tmp_path: Path) -> None:
    roster = quarterly["roster"]
    out = tmp_path / "坏"
    for args, words in (
        (["--period", "2007Q5"], "季度无法识别"),
        ([], "请用 --period 指定"),
        (["--period", "2007"], "无法识别"),
    ):
        result = runner.invoke(
            app, ["distribute", str(roster), "--form", JIDU, "-o", str(out), *args]
        )
        assert result.exit_code == 2 and words in result.output, result.output
        assert not out.exists()
    result = runner.invoke(app, ["distribute", str(roster), "--period", "2007Q1", "-o", str(out)])
    assert result.exit_code == 2 and "不分报告期" in result.output
    bad = tmp_path / "坏名单.csv"
    bad.write_text(
        "所在省,基地名称,基地类型\n江苏,甲基地,国家软件出口基地\n火星,乙基地,\n江苏,丙基地,软件基地\n",
        encoding="utf-8",
    )
    with pytest.raises(RosterError) as exc:
        read_roster(bad, spec=load_form_spec(JIDU))
    assert exc.value.problems == [
        "第 3 行：所在省“火星”不是通知所列的 37 个推荐单位之一。",
        "第 4 行：基地类型“软件基地”不是可选项之一（国家高新技术产品出口基地、国家医药出口基地、"
        "国家软件出口基地、其他出口创新基地）。",
    ]
    db = tmp_path / "x.db"
    result = runner.invoke(
        app,
        [
            "distribute",
            str(bad),
            "--form",
            JIDU,
            "--period",
            "2007Q1",
            "-o",
            str(out),
            "--db",
            str(db),
        ],
    )
    assert result.exit_code == 2 and "未生成任何文件" in result.output
    assert not out.exists() and not db.exists()
    header = tmp_path / "无表头.csv"
    header.write_text("基地名称\n甲基地\n", encoding="utf-8")
    with pytest.raises(RosterError, match="缺少必需的列：所在省"):
        read_roster(header, spec=load_form_spec(JIDU))


def test_roster_from_the_recommended_applications(quarterly: dict[str, Any]) -> None:
    """--recommended: only the applications the province's summary marks 推荐."""
    tmp = quarterly["tmp"]
    summary = tmp / "汇总表.xlsx"
    result = runner.invoke(app, ["summary", "--db", str(quarterly["app_db"]), "-o", str(summary)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(summary)
    ws = wb["汇总表"]
    # find the 推荐意见 column and the first application's row; mark it 不推荐
    cells = {c.value: c for r in ws.iter_rows(max_row=5) for c in r if isinstance(c.value, str)}
    head = cells["推荐意见"]
    first = ws.cell(head.row + 1, head.column)
    assert first.value == "推荐"
    name_col = next(c.column for v, c in cells.items() if v.startswith("申请单位"))
    dropped = ws.cell(head.row + 1, name_col).value
    first.value = "不推荐"
    wb.save(summary)
    out = tmp / "推荐基地.xlsx"
    result = runner.invoke(
        app,
        [
            "roster",
            "--db",
            str(quarterly["app_db"]),
            "--form",
            JIDU,
            "-o",
            str(out),
            "--recommended",
            str(summary),
        ],
    )
    assert result.exit_code == 0, result.output
    names = [r.subject for r in read_roster(out, spec=load_form_spec(JIDU))]
    everyone = [a.applicant_name for a in quarterly["applications"]]
    assert sorted(names) == sorted(n for n in everyone if n != dropped)


# ---------------------------------------------------------------- migration

# the version-4 schema as formkit 0.x created it (scripts 1-4, verbatim in effect)
V4 = """
CREATE TABLE roster (submission_id TEXT PRIMARY KEY, year INTEGER NOT NULL,
    province TEXT NOT NULL, province_code TEXT NOT NULL, city TEXT NOT NULL,
    applicant_name TEXT NOT NULL, applicant_key TEXT NOT NULL, contact_person TEXT,
    contact_phone TEXT, contact_email TEXT, roster_row INTEGER, created TEXT NOT NULL,
    updated TEXT NOT NULL);
CREATE INDEX roster_by_name ON roster (province, applicant_key);
CREATE TABLE files (sha256 TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE,
    original_name TEXT NOT NULL, path TEXT NOT NULL, received_at TEXT NOT NULL,
    submission_id TEXT, roster_id TEXT REFERENCES roster (submission_id), match_key TEXT,
    province TEXT, applicant TEXT, fill_date TEXT,
    status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')), verdict TEXT,
    errors INTEGER NOT NULL, data_errors INTEGER NOT NULL, warnings INTEGER NOT NULL,
    problem TEXT, submission_json TEXT NOT NULL, superseded_by TEXT REFERENCES files (sha256));
CREATE INDEX files_by_key ON files (match_key, seq);
CREATE INDEX files_by_roster ON files (roster_id, seq);
CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
    kind TEXT NOT NULL, submission_id TEXT, sha256 TEXT, detail TEXT);
ALTER TABLE files ADD COLUMN fingerprint TEXT;
ALTER TABLE files ADD COLUMN annotates TEXT;
CREATE TABLE web_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated TEXT NOT NULL);
CREATE TABLE web_tokens (submission_id TEXT PRIMARY KEY REFERENCES roster (submission_id),
    token_hash TEXT NOT NULL UNIQUE, created TEXT NOT NULL);
CREATE TABLE web_sessions (session_hash TEXT PRIMARY KEY, created TEXT NOT NULL,
    expires TEXT NOT NULL);
CREATE TABLE web_uploads (sha256 TEXT PRIMARY KEY, submission_id TEXT NOT NULL,
    original_name TEXT NOT NULL, size INTEGER NOT NULL, received_at TEXT NOT NULL,
    data BLOB NOT NULL);
CREATE TABLE web_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
    kind TEXT NOT NULL, actor TEXT, address TEXT, sha256 TEXT, status INTEGER, detail TEXT);
ALTER TABLE files ADD COLUMN path_bytes BLOB;
PRAGMA user_version = 4;
"""


def test_a_version_4_ledger_upgrades_in_place_with_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "旧台账.db"
    now = "2006-04-20T10:00:00+08:00"
    doc = {
        "file": "江苏.xlsx",
        "sha256": "a" * 64,
        "status": "accepted",
        "form": {"id": DEFAULT_FORM, "version": "1.0", "year": 2006},
        "submission_id": "2006-32-0000abcd",
        "values": {"province": "江苏省", "applicant_name": "苏州工业园区"},
        "issues": [],
        "verdict": "符合",
    }
    with sqlite3.connect(db) as conn:
        conn.executescript(V4)
        conn.execute(
            "INSERT INTO roster VALUES ('2006-32-0000abcd', 2006, '江苏省', '32', '苏州市',"
            " '苏州工业园区', '苏州工业园区', '张三', '0512-66668888', 'zs@example.cn', 2, ?, ?)",
            (now, now),
        )
        conn.execute(
            "INSERT INTO roster VALUES ('2006-33-0000ef01', 2006, '浙江省', '33', '杭州市',"
            " '杭州高新区', '杭州高新区', NULL, NULL, NULL, 3, ?, ?)",
            (now, now),
        )
        conn.execute(
            "INSERT INTO files (sha256, seq, original_name, path, received_at, submission_id,"
            " roster_id, match_key, province, applicant, fill_date, status, verdict, errors,"
            " data_errors, warnings, problem, submission_json, superseded_by, fingerprint)"
            " VALUES (?, 1, '江苏.xlsx', '/x/江苏.xlsx', ?, '2006-32-0000abcd',"
            " '2006-32-0000abcd', 'roster:2006-32-0000abcd', '江苏省', '苏州工业园区',"
            " '2006-04-18', 'accepted', '符合', 0, 0, 1, NULL, ?, NULL, 'f')",
            ("a" * 64, now, json.dumps(doc, ensure_ascii=False)),
        )
        conn.execute("INSERT INTO web_tokens VALUES ('2006-32-0000abcd', 'h' || 'x', ?)", (now,))
        conn.execute(
            "INSERT INTO web_audit (at, kind, actor, address) VALUES (?, 'login', 'province', ?)",
            (now, "203.0.113.7"),
        )
    with Ledger(db) as ledger:
        # 7 bases, 8 decisions, 9 logins, 10 each file's period
        assert ledger.schema_version == len(MIGRATIONS) == 10
        entries = {e.submission_id: e for e in ledger.roster()}
        js = entries["2006-32-0000abcd"]
        assert (js.unit, js.subject, js.form_id, js.period, js.unit_code) == (
            "江苏省",
            "苏州工业园区",
            DEFAULT_FORM,
            None,
            "32",
        )
        assert js.values == {
            "province": "江苏省",
            "city": "苏州市",
            "applicant_name": "苏州工业园区",
            "contact_person": "张三",
            "contact_phone": "0512-66668888",
            "contact_email": "zs@example.cn",
        }
        assert js.city == "苏州市"  # a column by its field id, as the web pages read it
        (f,) = ledger.files()
        assert (f.unit, f.subject, f.filled, f.form_id, f.roster_id) == (
            "江苏省",
            "苏州工业园区",
            dt.date(2006, 4, 18),
            DEFAULT_FORM,
            "2006-32-0000abcd",
        )
        # version 7: the file's decision is stored on upgrade, as a full re-decision makes it
        assert ledger.decisions() == ledger.decide_all()
        assert ledger.decisions()[f.sha256].disposition == "current"
        states = {r.entry.subject: (r.state, r.files) for r in ledger.status().rows}
        assert states == {"苏州工业园区": ("符合", 1), "杭州高新区": ("未收到", 0)}
        assert WebStore(ledger).token_entry("hx") == ("2006-32-0000abcd", "hx")
        (logged,) = WebStore(ledger).audit_log()
        assert (logged["actor"], logged["client"]) == ("province", "203.0.113.7")
    with sqlite3.connect(db) as conn:
        cols = {r[1] for r in conn.execute("PRAGMA table_info(roster)")}
        assert not cols & {"province", "city", "applicant_name", "contact_person"}
        # a 申报书 is filed once a round: no period
        assert conn.execute("SELECT period_key FROM files").fetchall() == [(None,)]
    with Ledger(db) as ledger:  # reopening applies nothing twice
        assert len(ledger.roster()) == 2
