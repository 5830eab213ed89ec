"""The register of recognised bases (issue #24 items 1-2): built from the national roll-up's
核准结论 or a ministry's list, changed by rows typed into its exported workbook, feeding the
report rosters and the next round's existing bases; bad input refused whole, in Chinese,
with nothing recorded. The long history through LibreOffice is tests/test_bases_history.py.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import tomllib
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from formkit.bases import Base, Event, Register
from formkit.bases.feed import base_for, period_span, roster_rows, with_register
from formkit.distribute import parse_period
from formkit.evaluate.policy import PolicyError, load_policy
from formkit.forms import load_form_spec, spec_path
from formkit.ledger import MIGRATIONS, Ledger
from formkit.reference import load_reference
from formkit.spec import SpecError, _choice_sources
from formkit.spec.model import build
from tests.bases_history import (
    APPLICANTS,
    BASES,
    _application_round,
    _rollup,
    invoke,
    ok,
    rollup_rows,
)
from tests.conftest import DOCS
from tests.report_forms import JIDU, NIANBAO

BY_KEY = {a.key: a for a in APPLICANTS}


@pytest.fixture(scope="module")
def round_2006(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The 2006 round of tests/bases_history.py: applications, summaries, the roll-up."""
    tmp = tmp_path_factory.mktemp("round2006")
    app_db = _application_round(tmp)
    national = _rollup(tmp, app_db)
    return {"tmp": tmp, "app_db": app_db, "rollup": national}


def _decide(national: Path, out: Path, decisions: dict[str, Any]) -> Path:
    """The ministry's 核准结论 (and 核准意见) as typed in Excel: applicant key -> text."""
    rows, header = rollup_rows(national)
    wb = openpyxl.load_workbook(national)
    ws = wb["汇总表"]
    for key, value in decisions.items():
        text, note = value if isinstance(value, tuple) else (value, None)
        r = rows[BY_KEY[key].name]
        ws.cell(r, header["核准结论"], text)
        if note:
            ws.cell(r, header["核准意见"], note)
    wb.save(out)
    return out


APPROVED = {a.key: "核准" for a in BASES} | {"G": ("不予核准", "超出推荐名额")}


def _register(round_2006: dict[str, Path], tmp: Path, **decisions: Any) -> Path:
    db = tmp / "基地.db"
    approved = _decide(round_2006["rollup"], tmp / "核准.xlsx", {**APPROVED, **decisions})
    ok("bases", "--db", db, "--from-rollup", approved, "--date", "2006-05-31")
    return db


def _bases(db: Path) -> list[Base]:
    with Ledger(db) as ledger:
        return Register(ledger).bases()


# ---------------------------------------------------------------- the roll-up's 核准结论


def test_only_the_national_view_has_the_ministrys_decision_columns(
    round_2006: dict[str, Path],
) -> None:
    tmp = round_2006["tmp"]
    province = openpyxl.load_workbook(tmp / "陕西省2006汇总表.xlsx")["汇总表"]
    assert "核准结论" not in [c.value for c in province[2]]
    national = openpyxl.load_workbook(round_2006["rollup"])
    ws = national["汇总表"]
    header = [c.value for c in ws[2]]
    assert header[-2:] == ["核准结论", "核准意见"]
    # editable (the template's input shade) with a drop-down of the two decisions
    j = header.index("核准结论") + 1
    assert ws.cell(3, j).fill.fgColor.rgb.endswith("FFF2CC")
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert any(dv.formula1 == '"核准,不予核准"' for dv in lists)
    # the 明细 carries each application's 报送编号 through the roll-up
    detail = national["明细"]
    head = [c.value for c in detail[2]]
    ids = {r[head.index("报送编号")] for r in detail.iter_rows(min_row=3, values_only=True)}
    with Ledger(round_2006["app_db"]) as ledger:
        assert ids == {e.submission_id for e in ledger.roster()}


def test_the_register_from_the_rollup_and_a_rerun_adds_nothing(
    round_2006: dict[str, Path], tmp_path: Path
) -> None:
    db = _register(round_2006, tmp_path)
    bases = _bases(db)
    assert sorted(b.name for b in bases) == sorted(a.name for a in BASES)
    with Ledger(round_2006["app_db"]) as ledger:
        ids = {e.subject: e.submission_id for e in ledger.roster()}
    for b in bases:
        a = next(x for x in BASES if x.name == b.name)
        assert (b.unit, b.locality, b.domain, b.year) == (a.province, a.city, a.field, 2006)
        assert b.origin == ids[a.name]
        assert b.recognition == ("重新认定" if a.old_type else "新认定")
        assert b.recertifies == (a.old_type or "")
        assert b.events == (
            Event("认定", dt.date(2006, 5, 31), "商务部核准", "", {}, b.events[0].source),
        )
        assert b.base_id.startswith("J2006-") and b.unit_code in b.base_id
        # the application's values the rosters take, kept
        assert b.values.get("existing_base_type") == a.old_type
        assert b.values["contact_person"] == f"联系人{a.key}"
    again = ok("bases", "--db", db, "--from-rollup", tmp_path / "核准.xlsx", "--date", "2006-05-31")
    assert "已在名册中：6 家" in again.output
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM base_events").fetchone()[0] == 6


def test_a_blank_decision_is_left_out_and_said(round_2006: dict[str, Path], tmp_path: Path) -> None:
    approved = _decide(round_2006["rollup"], tmp_path / "核准.xlsx", {**APPROVED, "B": None})
    result = invoke("bases", "--db", tmp_path / "x.db", "--from-rollup", approved,
                    "--date", "2006-05-31")  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "未填核准结论，未列入名册" in result.output and BY_KEY["B"].name in result.output
    assert BY_KEY["B"].name not in {b.name for b in _bases(tmp_path / "x.db")}
    assert len(_bases(tmp_path / "x.db")) == 5


def test_an_unreadable_decision_records_nothing(
    round_2006: dict[str, Path], tmp_path: Path
) -> None:
    approved = _decide(round_2006["rollup"], tmp_path / "核准.xlsx", {**APPROVED, "C": "可以"})
    db = tmp_path / "x.db"
    result = invoke("bases", "--db", db, "--from-rollup", approved, "--date", "2006-05-31")
    assert result.exit_code == 2
    assert f"（{BY_KEY['C'].name}）：核准结论“可以”无法识别" in result.output
    assert "名册未作任何改动" in result.output
    assert _bases(db) == []


def test_a_provincial_summary_or_no_date_is_refused(
    round_2006: dict[str, Path], tmp_path: Path
) -> None:
    db = tmp_path / "x.db"
    province = round_2006["tmp"] / "陕西省2006汇总表.xlsx"
    result = invoke("bases", "--db", db, "--from-rollup", province, "--date", "2006-05-31")
    assert result.exit_code == 2 and "是陕西省的省级汇总表" in result.output
    approved = _decide(round_2006["rollup"], tmp_path / "核准.xlsx", APPROVED)
    result = invoke("bases", "--db", db, "--from-rollup", approved)
    assert result.exit_code == 2 and "没有认定日期" in result.output
    assert _bases(db) == []


def test_a_province_records_only_its_own(round_2006: dict[str, Path], tmp_path: Path) -> None:
    approved = _decide(round_2006["rollup"], tmp_path / "核准.xlsx", APPROVED)
    db = tmp_path / "福建.db"
    ok("bases", "--db", db, "--from-rollup", approved, "--date", "2006-05-31", "--unit", "福建")
    assert [b.name for b in _bases(db)] == [BY_KEY["F"].name]


# ---------------------------------------------------------------- the ministry's list


LIST = "\n".join(
    [
        "商务部2007年认定的科技兴贸出口创新基地名单",
        "序号,推荐单位,基地名称,所在地级市,重点领域,原基地,认定日期,文号,联系人",
        "1,湖北,武汉东湖高新技术产业开发区,武汉市,电子信息,国家高新技术产品出口基地,2007-06-20,示例文号,李明",
        "2,湖南省,长沙软件园,长沙市,软件,,2007年6月20日,示例文号,",
    ]
)


def test_the_register_from_a_ministry_list(tmp_path: Path) -> None:
    path = tmp_path / "名单.csv"
    path.write_bytes(LIST.encode("gbk"))
    db = tmp_path / "x.db"
    ok("bases", "--db", db, "--from-list", path, "--year", "2007", "--batch", "2007年")
    got = {b.name: b for b in _bases(db)}
    wuhan, changsha = got["武汉东湖高新技术产业开发区"], got["长沙软件园"]
    assert (wuhan.unit, wuhan.recognition, wuhan.recertifies) == (
        "湖北省",
        "重新认定",
        "国家高新技术产品出口基地",
    )
    assert (changsha.unit, changsha.recognition, changsha.recertifies) == ("湖南省", "新认定", "")
    for b in got.values():
        assert (b.year, b.batch, b.recognised_on) == (2007, "2007年", dt.date(2007, 6, 20))
        assert b.events[0].decision == "示例文号"
    # what the rosters take from it: the contact, the old base's type (base_type)
    assert wuhan.values["contact_person"] == "李明"
    assert wuhan.values["existing_base_type"] == "国家高新技术产品出口基地"
    assert "contact_person" not in changsha.values


def test_a_bad_list_names_its_lines_and_records_nothing(tmp_path: Path) -> None:
    path = tmp_path / "名单.csv"
    bad = LIST.replace("湖南省", "火星省").replace("2007-06-20", "明年")
    path.write_bytes(bad.encode("gbk"))
    db = tmp_path / "x.db"
    result = invoke("bases", "--db", db, "--from-list", path, "--year", "2007")
    assert result.exit_code == 2
    assert "名单.csv 第 3 行：认定日期“明年”无法识别" in result.output
    assert "名单.csv 第 4 行：推荐单位“火星省”不是参考数据中的单位" in result.output
    assert _bases(db) == []


# ---------------------------------------------------------------- 调整 and 撤销 from the export


def _export(db: Path, out: Path, *extra: Any) -> Path:
    ok("bases", "--db", db, "-o", out, "--as-of", "2007-12-30", *extra)
    return out


def _add_rows(path: Path, out: Path, rows: list[dict[str, Any]]) -> Path:
    wb = openpyxl.load_workbook(path)
    ws = wb["状态变更"]
    header = {str(c.value): c.column for c in ws[2] if c.value}
    free = [r[0].row for r in ws.iter_rows(min_row=3) if not r[header["基地编号"] - 1].value]
    for r, values in zip(free, rows, strict=False):
        for key, value in values.items():
            ws.cell(r, header[key], value)
    wb.save(out)
    return out


def _id(db: Path, key: str) -> str:
    return next(b.base_id for b in _bases(db) if b.name == BY_KEY[key].name)


def test_revocation_and_adjustment_typed_into_the_export(
    round_2006: dict[str, Path], tmp_path: Path
) -> None:
    db = _register(round_2006, tmp_path)
    export = _export(db, tmp_path / "名册.xlsx")
    rows = [
        {"基地编号": _id(db, "F"), "日期": dt.datetime(2007, 12, 31), "变更": "撤销",
         "决定": "示例决定", "理由": "示例理由"},
        {"基地编号": _id(db, "E"), "日期": "2007-09-01", "变更": "调整", "决定": "示例决定",
         "理由": "更名", "调整后的基地名称": "咸阳新材料出口创新基地"},
    ]  # fmt: skip
    edited = _add_rows(export, tmp_path / "名册-改.xlsx", rows)
    result = ok("bases", "--db", db, "--import", edited)
    assert "新记入 2 项变更" in result.output
    got = {b.base_id: b for b in _bases(db)}
    f, e = got[_id(db, "F")], got[next(i for i, b in got.items() if "咸阳" in b.name)]
    assert f.status_on(dt.date(2007, 12, 30)) == "在册"
    assert f.status_on(dt.date(2007, 12, 31)) == f.status == "撤销"
    assert e.name == "咸阳新材料出口创新基地"
    assert e.events[-1].changes == {"name": ("咸阳新材料产业集群", "咸阳新材料出口创新基地")}
    # reports keep coming under the old name, and are still E's
    assert base_for(list(got.values()), "陕西省", "咸阳新材料产业集群") == e
    # the same file again: already recorded, nothing twice
    again = ok("bases", "--db", db, "--import", edited)
    assert "新记入 0 项变更；已记入过 8 项" in again.output  # the recognitions too
    # the export shows the history and the status
    wb = openpyxl.load_workbook(_export(db, tmp_path / "名册2.xlsx", "--as-of", "2008-01-01"))
    states = {r[2]: r[11] for r in wb["基地名册"].iter_rows(min_row=3, values_only=True)}
    assert states[BY_KEY["F"].name] == "撤销"
    changes = [r for r in wb["状态变更"].iter_rows(min_row=3, values_only=True) if r[1]]
    assert len(changes) == 8  # six recognitions, one revocation, one adjustment


def test_bad_changes_are_all_named_and_nothing_is_recorded(
    round_2006: dict[str, Path], tmp_path: Path
) -> None:
    db = _register(round_2006, tmp_path)
    export = _export(db, tmp_path / "名册.xlsx")
    a, f = _id(db, "A"), _id(db, "F")
    rows = [
        {"基地编号": "J2006-999999-abcdef", "日期": "2007-12-31", "变更": "撤销", "决定": "甲",
         "理由": "乙"},
        {"基地编号": a, "日期": "2005-01-01", "变更": "撤销", "决定": "甲", "理由": "乙"},
        {"基地编号": f, "日期": "2007-12-31", "变更": "撤销", "决定": "甲", "理由": ""},
        {"基地编号": f, "日期": "2007-12-31", "变更": "认定", "决定": "甲", "理由": "乙"},
        {"基地编号": a, "变更": "调整", "决定": "甲", "理由": "乙"},
    ]  # fmt: skip
    before = json.dumps([b.to_json() for b in _bases(db)], ensure_ascii=False)
    result = invoke("bases", "--db", db, "--import", _add_rows(export, tmp_path / "x.xlsx", rows))
    assert result.exit_code == 2
    # read first: a row that cannot be read (rows 3-8 are the six recognitions)
    assert "状态变更第 13 行：缺少日期" in result.output
    rows[-1]["日期"] = "2007-06-30"
    result = invoke("bases", "--db", db, "--import", _add_rows(export, tmp_path / "y.xlsx", rows))
    assert result.exit_code == 2
    text = result.output.replace("\n", "")
    assert "名册中没有基地编号“J2006-999999-abcdef”" in text
    assert "早于" in text and "2006-05-31" in text
    assert "请写明撤销的理由" in text
    assert "仍在册，不需要再认定" in text
    assert "名册未作任何改动" in text
    assert json.dumps([b.to_json() for b in _bases(db)], ensure_ascii=False) == before
    # a province may not change another's base
    only = [{"基地编号": a, "日期": "2007-12-31", "变更": "撤销", "决定": "甲", "理由": "乙"}]
    result = invoke(
        "bases", "--db", db, "--unit", "福建省",
        "--import", _add_rows(export, tmp_path / "z.xlsx", only),
    )  # fmt: skip
    assert result.exit_code == 2 and "属于陕西省，不是福建省的基地" in result.output.replace(
        "\n", ""
    )


def test_a_recorded_change_cannot_be_rewritten(round_2006: dict[str, Path], tmp_path: Path) -> None:
    db = _register(round_2006, tmp_path)
    export = _export(db, tmp_path / "名册.xlsx")
    wb = openpyxl.load_workbook(export)
    ws = wb["状态变更"]
    ws.cell(3, 7, "改写的理由")  # 理由 of the first recorded 认定
    wb.save(tmp_path / "改写.xlsx")
    result = invoke("bases", "--db", db, "--import", tmp_path / "改写.xlsx")
    assert result.exit_code == 2 and "不能修改" in result.output


# ---------------------------------------------------------------- rosters and the next round


def test_rosters_are_the_bases_listed_in_each_period(
    round_2006: dict[str, Path], tmp_path: Path
) -> None:
    db = _register(round_2006, tmp_path)
    export = _export(db, tmp_path / "名册.xlsx")
    rows = [
        {"基地编号": _id(db, key), "日期": day, "变更": "撤销", "决定": "甲", "理由": "乙"}
        for key, day in (("F", "2007-12-31"), ("B", "2008-02-15"))
    ]
    ok("bases", "--db", db, "--import", _add_rows(export, tmp_path / "改.xlsx", rows))
    bases, ref = _bases(db), load_reference()
    spec = load_form_spec(JIDU)

    def names(period: str, form: str = JIDU) -> set[str]:
        p = parse_period(period, load_form_spec(form))
        return {r.subject for r in roster_rows(bases, form, p, ref)}

    everyone = {a.name for a in BASES}
    assert names("2007Q4") == everyone
    assert names("2008Q1") == everyone - {BY_KEY["F"].name}  # revoked on its last day
    assert names("2008Q2") == everyone - {BY_KEY["F"].name, BY_KEY["B"].name}
    assert names("2007", NIANBAO) == everyone
    assert names("2008", NIANBAO) == everyone - {BY_KEY["F"].name}
    assert period_span(parse_period("2008Q1", spec), spec) == (
        dt.date(2008, 1, 1),
        dt.date(2008, 3, 31),
    )
    # the roster's columns as formkit roster fills them from an application
    out = tmp_path / "名单.xlsx"
    ok("roster", "--db", db, "--form", JIDU, "--period", "2008Q1", "--unit", "陕西", "-o", out)
    ws = openpyxl.load_workbook(out)["名单"]
    assert ws["A1"].value == "陕西省季度数据报表报送基地名单（2008年第一季度）"
    header = [c.value for c in ws[2]]  # under the title line
    got = {
        r[1]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=3, values_only=True)
    }
    # B, revoked in February, still reports the first quarter
    assert set(got) == {a.name for a in BASES if a.province == "陕西省"}
    with Ledger(round_2006["app_db"]) as ledger:
        ids = {e.subject: e.submission_id for e in ledger.roster()}
    for name, row in got.items():
        a = next(x for x in BASES if x.name == name)
        assert row["所在省"] == "陕西省"
        # a new base's type is 其他出口创新基地 (the report form's hint), where known
        assert row["基地类型"] == (a.old_type or "其他出口创新基地")
        assert row["申报书编号"] == ids[name]
        assert row["联系人"] == f"联系人{a.key}"


def test_roster_options_that_do_not_fit(round_2006: dict[str, Path], tmp_path: Path) -> None:
    db = _register(round_2006, tmp_path)
    out = tmp_path / "名单.xlsx"
    result = invoke("roster", "--db", db, "--form", JIDU, "-o", out)
    assert result.exit_code == 2 and "请用 --period 指定报告期" in result.output
    result = invoke("roster", "--db", round_2006["app_db"], "--form", JIDU, "--period", "2007Q1",
                    "-o", out)  # fmt: skip
    assert result.exit_code == 2 and "没有基地名册" in result.output
    result = invoke("roster", "--db", db, "--form", JIDU, "--period", "2005Q1", "-o", out)
    assert result.exit_code == 2 and "没有 2005Q1 在册的基地" in result.output
    assert not out.exists()


def test_the_next_round_counts_bases_listed_and_not_revoked(
    round_2006: dict[str, Path], tmp_path: Path
) -> None:
    db = _register(round_2006, tmp_path)
    export = _export(db, tmp_path / "名册.xlsx")
    revoke = [{"基地编号": _id(db, "F"), "日期": "2007-12-31", "变更": "撤销", "决定": "甲",
               "理由": "乙"}]  # fmt: skip
    ok("bases", "--db", db, "--import", _add_rows(export, tmp_path / "改.xlsx", revoke))
    ref = load_reference()
    fujian = ref.unit("福建省")
    assert fujian is not None
    assert ref.bases.has_bases(fujian.code) is None  # no national base on record
    bases = _bases(db)
    assert with_register(ref, bases, dt.date(2007, 6, 30)).bases.has_bases(fujian.code) is True
    assert with_register(ref, bases, dt.date(2008, 1, 1)).bases.has_bases(fujian.code) is None
    # the same as a --reference file the next round's commands take
    for day, listed in (("2007-06-30", True), ("2008-01-01", False)):
        path = tmp_path / f"{day}.toml"
        ok("bases", "--db", db, "--as-of", day, "--reference-out", path)
        loaded = load_reference(path)
        mine = [b for b in loaded.bases.of(fujian.code) if b.type == "科技兴贸出口创新基地"]
        assert [b.place for b in mine] == ([BY_KEY["F"].name] if listed else [])
        shaanxi = loaded.unit("陕西省")
        assert shaanxi is not None
        assert len(loaded.bases.of(shaanxi.code)) == len(ref.bases.of(shaanxi.code)) + 5


# ---------------------------------------------------------------- the ledger, the specs, the policy


def test_a_new_ledger_has_the_register(tmp_path: Path) -> None:
    with Ledger(tmp_path / "x.db") as ledger:
        assert ledger.schema_version == len(MIGRATIONS) >= 7
        tables = {r[0] for r in ledger.db.execute("SELECT name FROM sqlite_master")}
        assert {"bases", "base_events"} <= tables
        assert len(Register(ledger)) == 0


def test_a_version_6_ledger_gains_the_register_and_keeps_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with Ledger(db) as ledger:
        ledger.db.execute("DROP TABLE base_events")
        ledger.db.execute("DROP TABLE bases")
        # and what version 8 (the stored decisions) added
        ledger.db.execute("DROP INDEX files_by_app")
        ledger.db.execute("DROP INDEX files_by_name_link")
        for column in (
            "app_key",
            "name_link",
            "disposition",
            "decision_key",
            "reason",
            "conflicts",
        ):
            ledger.db.execute(f"ALTER TABLE files DROP COLUMN {column}")
        ledger.db.execute("DROP TABLE web_login_failures")  # version 9's
        ledger.db.execute("DROP INDEX files_by_period_key")  # version 10's
        ledger.db.execute("ALTER TABLE files DROP COLUMN period_key")
        ledger.db.execute("PRAGMA user_version = 6")
        ledger.db.execute(
            "INSERT INTO events (at, kind, detail) VALUES ('2007-01-01', 'roster', '旧记录')"
        )
    with Ledger(db) as ledger:
        assert ledger.schema_version == len(MIGRATIONS)
        assert ledger.db.execute("SELECT detail FROM events").fetchone()[0] == "旧记录"
        assert len(Register(ledger)) == 0


def _spec_data(form: str) -> dict[str, Any]:
    """A form's spec.toml as data, to change one entry of it."""
    with open(spec_path(form), "rb") as fh:
        return tomllib.load(fh)


@pytest.mark.parametrize(
    ("form", "section", "change", "message"),
    [
        ("kjxm-cxjd-shenbaoshu", "register", {"domain": "no_such"}, "unknown field 'no_such'"),
        (
            "kjxm-cxjd-shenbaoshu",
            "register",
            {"recognition_values": {"新申报": "新建"}},
            "recognition_values",
        ),
        (JIDU, "evaluation", {"enterprises": "no_such"}, "not a table"),
    ],
)
def test_a_spec_naming_what_the_form_lacks_is_refused(
    form: str, section: str, change: dict[str, Any], message: str
) -> None:
    data = _spec_data(form)
    data[section] = {**data[section], **change}
    with pytest.raises(SpecError, match=message):
        build(data, _choice_sources())


def test_an_evaluation_figure_must_be_a_number(tmp_path: Path) -> None:
    data = _spec_data(JIDU)
    data["evaluation"]["figure"][0]["field"] = "base_name"
    with pytest.raises(SpecError, match="is not a number"):
        build(data, _choice_sources())


def test_the_policy_template_reads_and_bad_policies_say_why(tmp_path: Path) -> None:
    policy = load_policy(DOCS / "evaluation-policy.toml")
    assert list(policy.rules) == [
        "missing", "late", "incomplete", "decline", "below_nation", "inconsistency",
        "enterprises_dropped",
    ]  # fmt: skip
    assert all(r.by_policy and r.reason for r in policy.rules.values())
    assert policy.describe("decline") == (
        "出口额或高新技术产品出口额同比增速低于 -10%；理由：示例：下降一成以上需了解原因"
        "（××省商务厅 2008-01-10）"
    )
    for text, message in (
        ("[late]\ndays = 10\n", "须写明理由"),
        ("[late]\ndays = '十'\nreason = 'x'\n", "应为数字"),
        ("[soon]\ndays = 1\nreason = 'x'\n", "没有关注项目“soon”"),
        ("[missing]\noff = true\n", "不列出时也须写明理由"),
        ("[late\n", "格式有误"),
    ):
        path = tmp_path / "p.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(PolicyError, match=message):
            load_policy(path)
    off = tmp_path / "off.toml"
    off.write_text("[missing]\noff = true\nreason = '另行催报'\n", encoding="utf-8")
    assert "missing" not in load_policy(off).rules
    Ledger(tmp_path / "x.db").close()
    result = invoke("evaluate", "--db", tmp_path / "x.db", "--year", "2007", "--policy", path)
    assert result.exit_code == 2 and "格式有误" in result.output


def test_evaluate_without_a_register_says_so(tmp_path: Path) -> None:
    Ledger(tmp_path / "x.db").close()
    result = invoke("evaluate", "--db", tmp_path / "x.db", "--year", "2007")
    assert result.exit_code == 2 and "没有基地名册" in result.output
    assert not list(tmp_path.glob("*.xlsx"))


def test_a_base_listed_between_two_days() -> None:
    """在册 on a day: after that day's decisions; listed in a period: 在册 on some day of it."""
    b = Base(
        "J2006-510000-000000", "四川省", "510000", "甲", "", "", "新认定", "", 2006, "", "", {},
        (
            Event("认定", dt.date(2006, 5, 31), "d"),
            Event("撤销", dt.date(2007, 3, 31), "d", "r"),
            Event("认定", dt.date(2007, 8, 1), "d", "r"),
        ),
    )  # fmt: skip
    assert b.status_on(dt.date(2006, 5, 30)) is None
    assert b.status_on(dt.date(2006, 5, 31)) == "在册"
    assert b.status_on(dt.date(2007, 3, 31)) == "撤销"
    assert b.status_on(dt.date(2007, 8, 1)) == "在册"
    q = [(dt.date(2007, m, 1), dt.date(2007, m + 2, 28)) for m in (1, 4, 7, 10)]
    assert [b.listed_during(s, e) for s, e in q] == [True, False, True, True]
