"""A whole round through the CLI, with every trap that once made the province's numbers
wrong: feedback copies re-ingested, a byte-identical copy, a LibreOffice re-save, a
corrected resubmission ingested before and after an older one, a same-day conflict, a
file of another province in the unit's folder, a unit that never submits, one province
summary given twice to the roll-up, and a flagged 万/亿 slip that must stay out of every
total. The numbers the province signs are asserted against sums computed here."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from formkit.api import load_spec
from formkit.cli import app
from formkit.distribute import RosterRow, locked_fields, read_roster
from formkit.summary.sheets import detail_columns
from formkit.template import build_template
from tests.forms import full_values, template_values
from tests.libreoffice import convert
from tests.summaries import rows_of

runner = CliRunner()
YEAR = 2006
ROSTER = "\n".join(
    [
        "推荐单位,所在地级市,申请单位全称,联系人,联系电话,电子信箱",
        "江苏,无锡市,无锡国家高新技术产业开发区,周一,0510-81234567,z1@example.cn",
        "江苏,苏州市,苏州工业园区管理委员会,吴二,0512-61234567,w2@example.cn",
        "江苏,常州市,常州国家高新技术产业开发区,郑三,0519-81234567,z3@example.cn",
        "江苏,南京市,南京高新技术产业开发区,王四,025-81234567,w4@example.cn",
    ]
)


def _values(export: float, hitech: float, day: dt.date, **more: Any) -> dict[str, Any]:
    """A consistent application (history and growth agree with the figures), unless the
    figure is a 万/亿 slip: then the history keeps the true 2005 figure."""
    v = full_values()
    history = [dict(r) for r in v["history"]]
    if export < 1000:
        history[-1].update(export_value=export, hitech_export_value=hitech)
    return {
        **v,
        "history": history,
        "export_value": export,
        "hitech_export_value": hitech,
        "export_growth": round((history[-1]["export_value"] - 10.0) / 10.0 * 100, 2),
        "hitech_export_growth": round((history[-1]["hitech_export_value"] - 6.0) / 6.0 * 100, 2),
        "fill_date": day,
        "has_feature_industry": True,
        "attachments": {"application_form": True, "development_plan": True},
        **more,
    }


def _fill(path: Path, row: RosterRow | None, values: dict[str, Any], when: float) -> Path:
    if row is not None:
        values = {
            **values,
            "province": row.province,
            "city": row.city,
            "applicant_name": row.applicant_name,
        }
    path.write_bytes(
        build_template(
            year=YEAR,
            values=template_values(values),
            locked_fields=locked_fields() if row is not None else (),
            submission_id=row.submission_id(YEAR) if row is not None else None,
        )
    )
    os.utime(path, (when, when))  # the time it arrived: the order of the folders
    return path


def _rows(path: Path, sheet: str) -> list[list[Any]]:
    ws = openpyxl.load_workbook(path)[sheet]
    return [[c.value for c in row] for row in ws.iter_rows(min_row=2)]


def _cli(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture()
def round_(tmp_path: Path) -> dict[str, Any]:
    roster = tmp_path / "名单.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    wx, sz, cz, nj = read_roster(roster)
    history_ok = full_values()["history"]  # 2005: 12.5 / 8.25
    inbox, inbox2 = tmp_path / "收件箱", tmp_path / "收件箱2"
    inbox.mkdir()
    inbox2.mkdir()
    t0 = 1_150_000_000.0
    f: dict[str, Path] = {}
    # 无锡: first a 万/亿 slip (125000 亿美元), corrected later; an older draft arrives last
    f["wx1"] = _fill(inbox / "无锡.xlsx", wx, _values(125000, 8.25, dt.date(2006, 4, 18)), t0)
    f["wx2"] = _fill(
        inbox2 / "无锡-更正.xlsx", wx, _values(12.5, 8.25, dt.date(2006, 4, 25)), t0 + 100
    )
    f["wx0"] = _fill(
        inbox2 / "无锡-旧稿.xlsx", wx, _values(11.0, 7.0, dt.date(2006, 4, 10)), t0 + 200
    )
    # 苏州: two different files with one 填报日期: the later received counts, flagged
    f["sza"] = _fill(inbox / "苏州-甲.xlsx", sz, _values(20.0, 15.0, dt.date(2006, 4, 20)), t0 + 10)
    f["szb"] = _fill(
        inbox2 / "苏州-乙.xlsx", sz, _values(21.0, 16.0, dt.date(2006, 4, 20)), t0 + 110
    )
    # 常州: a slip nobody corrected (35000 亿美元 with a history that says 12.5)
    f["cz"] = _fill(inbox / "常州.xlsx", cz, _values(35000, 8.25, dt.date(2006, 4, 19)), t0 + 20)
    # ... forwarded as a byte copy whose name came out of a Windows zip: GBK bytes, not UTF-8
    f["cz_copy"] = Path(
        os.fsdecode(os.path.join(os.fsencode(inbox2), "常州-转发.xlsx".encode("gbk")))
    )
    shutil.copy(f["cz"], f["cz_copy"])
    os.utime(f["cz_copy"], (t0 + 120, t0 + 120))
    # a file of another province in 江苏's folder
    f["zj"] = _fill(
        inbox / "浙江-杭州.xlsx",
        None,
        _values(
            9.0,
            5.0,
            dt.date(2006, 4, 20),
            province="浙江省",
            city="杭州市",
            applicant_name="杭州高新技术产业开发区",
        ),
        t0 + 30,
    )
    assert history_ok[-1]["export_value"] == 12.5
    return {
        "tmp": tmp_path,
        "roster": roster,
        "inbox": inbox,
        "inbox2": inbox2,
        "f": f,
        "db": tmp_path / "formkit.db",
        "rows": (wx, sz, cz, nj),
    }


def test_round_numbers_the_province_can_sign(round_: dict[str, Any]) -> None:
    tmp, db = round_["tmp"], str(round_["db"])
    assert _cli("distribute", str(round_["roster"]), "-o", str(tmp / "下发"), "--db", db)
    assert _cli("ingest", str(round_["inbox"]), "--db", db).exit_code in (0, 1)
    # feedback copies of the first batch, sent back to the cities ...
    fb = _cli("feedback", str(round_["inbox"]), "-o", str(tmp / "审核意见"))
    assert fb.exit_code in (0, 1), fb.output
    assert len(list((tmp / "审核意见").glob("*.xlsx"))) >= 3
    assert _cli("ingest", str(round_["inbox2"]), "--db", db).exit_code in (0, 1)
    # ... and re-ingested by mistake after the corrections: nothing old comes back
    assert _cli("ingest", str(tmp / "审核意见"), "--db", db).exit_code in (0, 1)

    unit = ["--unit", "江苏省"]
    by_paths, by_db = tmp / "按文件.xlsx", tmp / "按台账.xlsx"
    r = _cli("summary", str(round_["inbox"]), str(round_["inbox2"]), "-o", str(by_paths), *unit)
    assert r.exit_code == 0, r.output
    r = _cli("summary", "--db", db, "-o", str(by_db), *unit)
    assert r.exit_code == 0, r.output

    # the same 汇总表 (and 明细, every column), row for row, by either route
    assert _rows(by_paths, "汇总表") == _rows(by_db, "汇总表")
    apps_paths, apps_db = _rows(by_paths, "明细"), _rows(by_db, "明细")
    assert apps_paths == apps_db
    keys = [c.key for c in detail_columns(load_spec())]
    body = apps_paths[1:]
    current = {row[keys.index("_file")] for row in body}
    assert current == {"无锡-更正.xlsx", "苏州-乙.xlsx", "常州.xlsx"}
    wx = next(row for row in body if row[keys.index("_file")] == "无锡-更正.xlsx")
    assert wx[keys.index("export_value")] == 12.5

    # totals: only values without errors (常州's 35000 is flagged), computed here
    good = {"无锡-更正.xlsx": (12.5, 8.25), "苏州-乙.xlsx": (21.0, 16.0)}
    cz_row = next(row for row in body if row[keys.index("_file")] == "常州.xlsx")
    assert cz_row[keys.index("export_value")] == 35000  # shown as typed ...
    assert "出口额" in cz_row[keys.index("_excluded_text")]  # ... and said to be left out
    stats = _rows(by_paths, "统计")
    east = next(row for row in stats if row[0] == "东部")
    header = next(row for row in stats if row[0] == "地区")
    export_total = east[header.index("出口额(亿美元)")]
    hitech_total = east[header.index("高新技术产品出口额(亿美元)")]
    assert export_total == pytest.approx(sum(v[0] for v in good.values()))
    # 常州's 高新 figure is fine on its own: counted
    assert hitech_total == pytest.approx(sum(v[1] for v in good.values()) + 8.25)
    assert any(
        isinstance(row[0], str) and row[0].startswith("未计入合计") and "常州" in row[0]
        for row in stats
    )
    for region in ("中部", "西部", "东北"):  # regions without applications: zeros, listed
        row = next(r for r in stats if r[0] == region)
        assert row[1] == 0 and row[header.index("出口额(亿美元)")] == 0
    ws = openpyxl.load_workbook(by_paths)["明细"]
    cz_cell = ws.cell(3 + body.index(cz_row), keys.index("export_value") + 1)
    assert cz_cell.comment is not None and cz_cell.comment.text.startswith("未计入合计")

    # every file accounted for, with its reason
    notes = {row[0]: row[1] for row in _rows(by_paths, "说明") if row and row[0]}
    assert "输入 8 个 = 汇总 3 个 + 已替代 3 个 + 重复 1 个 + 未受理 1 个" in notes["文件数"]
    rejected = {row["文件"]: row["原因"] for row in rows_of(by_paths, "未受理文件")}
    assert rejected == {"浙江-杭州.xlsx": "推荐单位为浙江省，不属于本汇总"}
    superseded = {row["文件"]: row["说明"] for row in rows_of(by_paths, "已替代文件")}
    assert set(superseded) == {"无锡.xlsx", "无锡-旧稿.xlsx", "苏州-甲.xlsx"}
    assert "无锡-更正.xlsx" in superseded["无锡-旧稿.xlsx"]
    assert "请核实" in superseded["苏州-甲.xlsx"]
    duplicates = {row["文件"]: row["说明"] for row in rows_of(by_paths, "重复文件")}
    assert set(duplicates) == {"常州-转发.xlsx"} and "常州.xlsx" in duplicates["常州-转发.xlsx"]
    issues = rows_of(by_paths, "问题清单")
    conflict = [row for row in issues if row.get("代码") == "version_conflict"]  # hidden
    assert len(conflict) == 1 and "苏州-甲.xlsx" in conflict[0]["说明"]
    assert conflict[0]["文件"] == "苏州-乙.xlsx" and conflict[0]["问题类型"] == "同日两个版本"

    # status: the unit that never submitted is 逾期未报, and first on the reminder list
    out = tmp / "报送情况.xlsx"
    r = _cli(
        "status", "--db", db, "--deadline", "2006-04-30", "--today", "2006-05-10", "-o", str(out)
    )
    assert r.exit_code == 0, r.output
    chase = openpyxl.load_workbook(out)["催报名单"]
    head = [c.value for c in chase[2]]
    first = [c.value for c in chase[3]]
    assert first[head.index("申请单位全称")] == "南京高新技术产业开发区"
    assert first[head.index("是否逾期")] == "逾期未报"
    everyone = openpyxl.load_workbook(out)["全部"]
    states = {
        row[head.index("申请单位全称")]: row[head.index("是否逾期")]
        for row in everyone.iter_rows(min_row=3, values_only=True)
    }
    # the others sent their first file today, long after 2006-04-30
    assert states["无锡国家高新技术产业开发区"] == "逾期报送"
    sz_note = next(
        row[head.index("需更正或核实的问题")]
        for row in everyone.iter_rows(min_row=3, values_only=True)
        if row[head.index("申请单位全称")] == "苏州工业园区管理委员会"
    )
    assert "苏州-甲.xlsx" in sz_note and "核实" in sz_note
    # without --deadline: none (the notice's 4月30日 is the province's own to the ministry)
    r = _cli("status", "--db", db, "--today", "2006-06-29")
    assert "未给出申报截止日期" in "".join(r.output.split())
    assert "逾期未报" not in r.output and "逾期报送" not in r.output

    # the roll-up: the same summary twice (a forwarded copy) and the other route's summary
    copy = tmp / "江苏-转发.xlsx"
    shutil.copy(by_paths, copy)
    os.utime(by_db, (2_000_000_000, 2_000_000_000))  # made later: the one used
    nat = tmp / "全国.xlsx"
    r = _cli("rollup", str(by_paths), str(copy), str(by_db), "-o", str(nat))
    assert r.exit_code == 1  # inputs not used: said, and the exit code says so
    assert "逐字节相同" in r.output and "较新的汇总表" in r.output
    nat_apps = _rows(nat, "汇总表")[1:]
    assert len(nat_apps) == 3
    nat_stats = _rows(nat, "统计")
    nat_east = next(row for row in nat_stats if row[0] == "东部")
    assert nat_east[header.index("出口额(亿美元)")] == pytest.approx(export_total)
    units = _rows(nat, "各推荐单位")
    assert len(units) == 1 + 37
    reported = {row[0]: row[-1] for row in units[1:]}
    assert reported["江苏省"] == "已报送：按台账.xlsx"
    assert reported["四川省"] == "未报送"
    nat_notes = {row[0]: row[1] for row in _rows(nat, "说明") if row and row[0]}
    assert "在本单位推荐名额" in nat_notes["工作目标进展（通知一）"]


@pytest.mark.libreoffice
def test_a_libreoffice_resave_is_the_same_version(
    soffice: str, round_: dict[str, Any], tmp_path: Path
) -> None:
    """Same values, other bytes (a city opened and saved it): 重复, never a replacement."""
    src = round_["f"]["szb"]
    again = convert(src, "xlsx", tmp_path / "resaved")
    assert again.read_bytes() != src.read_bytes()
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(src, folder / "苏州-乙.xlsx")
    shutil.copy(again, folder / "苏州-乙-另存.xlsx")
    os.utime(folder / "苏州-乙.xlsx", (1, 1))
    r = _cli("summary", str(folder), "-o", str(tmp_path / "s.xlsx"))
    assert r.exit_code == 0, r.output
    duplicates = {row["文件"]: row["说明"] for row in rows_of(tmp_path / "s.xlsx", "重复文件")}
    assert (
        list(duplicates) == ["苏州-乙-另存.xlsx"] and "同一版本" in duplicates["苏州-乙-另存.xlsx"]
    )


def test_concurrent_ingest_on_a_new_ledger_records_every_file_once(tmp_path: Path) -> None:
    """Two `formkit ingest` at once on a ledger that does not exist yet, three times over."""
    import sqlite3

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i in range(4):
        _fill(
            inbox / f"f{i}.xlsx",
            None,
            _values(10.0 + i, 5.0, dt.date(2006, 4, 20), applicant_name=f"单位{i}"),
            1_150_000_000.0 + i,
        )
    for attempt in range(3):
        db = tmp_path / f"new-{attempt}.db"
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "formkit", "ingest", str(inbox), "--db", str(db), "-j", "1"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(2)
        ]
        for p in procs:
            _out, errs = p.communicate(timeout=180)
            assert p.returncode in (0, 1), errs.decode()
        with sqlite3.connect(db) as conn:
            names = [r[0] for r in conn.execute("SELECT original_name FROM files")]
        assert sorted(names) == [f"f{i}.xlsx" for i in range(4)]


def test_disk_full_during_ingest_clear_message_ledger_unchanged(
    round_: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite refusing to grow the file (what a full disk gives): exit 2, a Chinese
    message, and the ledger as it was."""
    import sqlite3

    from formkit import ledger as ledger_mod

    db = round_["db"]
    assert _cli("ingest", str(round_["inbox"]), "--db", str(db)).exit_code in (0, 1)
    with sqlite3.connect(db) as conn:
        before = list(conn.execute("SELECT sha256, superseded_by FROM files ORDER BY seq"))
    opened = ledger_mod.Ledger.__init__

    def full_disk(self: Any, *args: Any, **kw: Any) -> None:
        opened(self, *args, **kw)
        pages = self.db.execute("PRAGMA page_count").fetchone()[0]
        self.db.execute(f"PRAGMA max_page_count = {pages}")

    monkeypatch.setattr(ledger_mod.Ledger, "__init__", full_disk)
    result = runner.invoke(app, ["ingest", str(round_["inbox2"]), "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert "磁盘已满" in result.output and "Traceback" not in result.output
    monkeypatch.setattr(ledger_mod.Ledger, "__init__", opened)
    with sqlite3.connect(db) as conn:
        after = list(conn.execute("SELECT sha256, superseded_by FROM files ORDER BY seq"))
    assert after == before
