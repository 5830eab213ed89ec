"""A simulated three-year history of recognised bases (issue #24), made through the commands.

2006: the application round of two provinces, 陕西省 (西部: its three national bases
re-certified, a fourth base re-certified, one new) and 福建省 (东部, no base on record: one
new recommended, a second over the quota); their summaries rolled up; the ministry's
核准结论 typed into the national 汇总表 in LibreOffice (six 核准, one 不予核准); the register
built from it. 2007-2008: every quarter's roster drawn from the register, distributed,
returned by script (one base's first quarter typed in LibreOffice into its distributed
copy) and ingested on the day it arrived; the annual reports likewise. Along the way:

- B (宝鸡) never sends its third quarter of 2007;
- C (西安医药) declines in 2008: its high-tech exports fall by a fifth;
- D (西安软件) sends a 2007 annual report whose 出口额 is not its fourth quarter's;
- E (咸阳) sends its second quarter of 2007 three weeks late, and drops a key enterprise
  from its third quarter on;
- F (福州) is 撤销 at the end of 2007 (a row typed into the exported register's 状态变更);
  it reports all of 2007 and is in no 2008 roster.

Every figure a base reports is a function of the base, the year and the quarter here
(`quarter_values`, `annual_values`): the tests compute what the evaluation must say from
these, never from formkit's output.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from typer.testing import CliRunner

from formkit.api import read
from formkit.cells import col_letter
from formkit.cli import app
from formkit.distribute import RosterRow, locked_fields, parse_period, read_roster
from formkit.forms import load_form_spec
from formkit.template import build_template
from tests.forms import eligible, template_values
from tests.report_forms import JIDU, NIANBAO
from tests.test_real_client import _typed, run_uno_fill

runner = CliRunner()
APP = "kjxm-cxjd-shenbaoshu"
QUARTER_NAMES = ("第一季度", "第二季度", "第三季度", "第四季度")
YEARS = (2007, 2008)
APPROVED_ON = dt.date(2006, 5, 31)
REVOKED_ON = dt.date(2007, 12, 31)
DECISION = "商务部核准（示例）"
BATCH = "2006年第一批"


@dataclass(frozen=True)
class Applicant:
    key: str
    province: str
    city: str
    name: str
    kind: str  # 申报类型
    old_type: str | None  # 原基地类型
    field: str
    applicant_kind: str
    hitech: float  # 高新技术产品出口额 of the data year (亿美元): ranks the unit's applications
    scale: float  # its quarterly exports in 2007 (万美元), before the seasons


APPLICANTS = (
    Applicant("A", "陕西省", "西安市", "西安高新技术产业开发区", "现有基地重新认定",
              "国家高新技术产品出口基地", "电子信息", "地级市", 9.0, 50000.0),
    Applicant("B", "陕西省", "宝鸡市", "宝鸡高新技术产业开发区", "现有基地重新认定",
              "国家高新技术产品出口基地", "新材料", "地级市", 3.0, 8000.0),
    Applicant("C", "陕西省", "西安市", "西安国家医药出口基地", "现有基地重新认定",
              "国家医药出口基地", "医药", "地级市", 4.0, 12000.0),
    Applicant("D", "陕西省", "西安市", "西安软件园", "现有基地重新认定",
              "国家软件出口基地", "软件", "地级市", 2.5, 6000.0),
    Applicant("E", "陕西省", "咸阳市", "咸阳新材料产业集群", "新申报",
              None, "新材料", "产业集群", 9.5, 3000.0),
    Applicant("F", "福建省", "福州市", "福州软件园", "新申报",
              None, "软件", "地级市", 8.25, 9000.0),
    Applicant("G", "福建省", "泉州市", "泉州海洋产业基地", "新申报",
              None, "海洋产业", "地级市", 2.0, 0.0),
)  # fmt: skip
BASES = tuple(a for a in APPLICANTS if a.key != "G")
SEASON = (0.9, 1.0, 1.05, 1.15)
GROWTH_2008 = {"C": -0.05}  # exports in 2008 against 2007; the others grow 12%
HITECH_SHARE = {("C", 2008): 0.5}  # of exports; the others 0.6
REPORTED_GROWTH_2007 = 15.0  # 同比 of 2007's reports: no 2006 report to check it against
LATE = {("E", 2007, 2): dt.date(2007, 8, 5)}  # received after the deadline (15 July)
MISSED = {("B", 2007, 3)}
ANNUAL_EXTRA = {("D", 2007): 1000.0}  # the annual 出口额 above the fourth quarter's
DROPS = {"E": (2007, 3)}  # from this quarter on, the base's second enterprise is not listed
LIBREOFFICE = ("A", 2007, 1)  # typed in LibreOffice into the distributed copy


def exports_q(a: Applicant, year: int, quarter: int) -> float:
    growth = 1 + GROWTH_2008.get(a.key, 0.12)
    return round(a.scale * SEASON[quarter - 1] * growth ** (year - 2007), 2)


def stems_q(a: Applicant, year: int, quarter: int) -> dict[str, float | int | None]:
    """One quarter's own figures, by stem."""
    x = exports_q(a, year, quarter)
    hitech = round(x * HITECH_SHARE.get((a.key, year), 0.6), 2)
    software = a.old_type == "国家软件出口基地"
    return {
        "enterprise_count": 50,
        "export_value": x,
        "hitech_export_value": hitech,
        "own_ip_export_value": round(hitech * 0.3, 2),
        "own_brand_export_value": round(hitech * 0.2, 2),
        "tech_import_contracts": 2 + quarter % 2,
        "tech_import_value": round(400.0 + 25.0 * quarter, 2),
        "intl_certifications": 1,
        "foreign_patents": 2,
        "foreign_trademarks": 1,
        "foreign_copyrights": 0,
        "software_export_value": round(x * 0.5, 2) if software else None,
        "outsourcing_value": round(x * 0.1, 2) if software else None,
    }


def ytd(a: Applicant, year: int, quarter: int, stem: str) -> float | int | None:
    """January to the quarter's end: the enterprises counted once (50, 55, 60, 65)."""
    if stem == "enterprise_count":
        return 50 + 5 * (quarter - 1)
    parts = [stems_q(a, year, q)[stem] for q in range(1, quarter + 1)]
    if any(p is None for p in parts):
        return None
    total = sum(p for p in parts if p is not None)
    return round(total, 2) if isinstance(total, float) else total


def growth(a: Applicant, year: int, stem: str) -> float:
    """The 同比 a fourth quarter (or year) reports: against last year where there was one."""
    if year == 2007:
        return REPORTED_GROWTH_2007
    now, before = ytd(a, year, 4, stem), ytd(a, year - 1, 4, stem)
    assert isinstance(now, float) and isinstance(before, float)
    return round((now / before - 1) * 100, 1)


def growth_q(a: Applicant, year: int, quarter: int, stem: str) -> float:
    if year == 2007:
        return REPORTED_GROWTH_2007
    now, before = ytd(a, year, quarter, stem), ytd(a, year - 1, quarter, stem)
    assert isinstance(now, float) and isinstance(before, float)
    return round((now / before - 1) * 100, 1)


def enterprises(a: Applicant, year: int, quarter: int) -> list[dict[str, Any]]:
    names = [f"{a.name}甲公司", f"{a.name}乙公司"]
    drop = DROPS.get(a.key)
    if drop is not None and (year, quarter) >= drop:
        names = names[:1]
    rows = []
    for i, name in enumerate(names):
        share = (0.3, 0.1)[i]
        q = round(exports_q(a, year, quarter) * share, 2)
        y = round(sum(exports_q(a, year, k) * share for k in range(1, quarter + 1)), 2)
        rows.append(
            {
                "name": name,
                "export_value_q": q,
                "export_value_ytd": y,
                "hitech_export_value_q": round(q / 2, 2),
                "hitech_export_value_ytd": round(y / 2, 2),
                "main_markets": "欧盟、美国",
                "own_brand": True,
            }
        )
    return rows


def received_on(a: Applicant, year: int, quarter: int) -> dt.date:
    """When a quarter's report arrives: the 10th of the month after, unless late."""
    if (a.key, year, quarter) in LATE:
        return LATE[(a.key, year, quarter)]
    month = quarter * 3 + 1
    return dt.date(year + month // 13, (month - 1) % 12 + 1, 10)


def _identity(a: Applicant, year: int) -> dict[str, Any]:
    """What the distributed copy has filled in (the roster's columns, the period) and what
    a new base picks itself: its 基地类型."""
    return {"report_year": year, "base_type": a.old_type or "其他出口创新基地"}


def quarter_values(a: Applicant, year: int, quarter: int) -> dict[str, Any]:
    values: dict[str, Any] = {
        **_identity(a, year),
        "report_quarter": QUARTER_NAMES[quarter - 1],
        "fill_date": received_on(a, year, quarter) - dt.timedelta(days=1),
        "contact_person": "张伟",
        "contact_phone": "029-88886666",
        "important_info": "无",
        "key_enterprises": enterprises(a, year, quarter),
    }
    for stem, q in stems_q(a, year, quarter).items():
        values[f"{stem}_q"] = q
        values[f"{stem}_ytd"] = ytd(a, year, quarter, stem)
    values["export_growth"] = growth_q(a, year, quarter, "export_value")
    values["hitech_export_growth"] = growth_q(a, year, quarter, "hitech_export_value")
    if a.old_type == "国家软件出口基地":
        values["software_export_growth"] = growth_q(a, year, quarter, "software_export_value")
    return values


ANNUAL_RECEIVED = {2007: dt.date(2007, 12, 20), 2008: dt.date(2008, 12, 19)}


def annual_values(a: Applicant, year: int) -> dict[str, Any]:
    values: dict[str, Any] = {
        **_identity(a, year),
        "fill_date": ANNUAL_RECEIVED[year] - dt.timedelta(days=1),
        "contact_person": "张伟",
        "contact_phone": "029-88886666",
        "work_progress": "完善服务体系，落实配套政策。",
        "work_results": "高新技术产品出口保持增长。",
        "work_problems": "企业研发投入不足。",
        "next_year_plan": "扩大自主品牌出口。",
    }
    for stem in stems_q(a, year, 4):
        values[stem] = ytd(a, year, 4, stem)
    values["export_value"] = round(values["export_value"] + ANNUAL_EXTRA.get((a.key, year), 0), 2)
    values["export_growth"] = growth(a, year, "export_value")
    values["hitech_export_growth"] = growth(a, year, "hitech_export_value")
    if a.old_type == "国家软件出口基地":
        values["software_export_growth"] = growth(a, year, "software_export_value")
    return values


def application(a: Applicant, year: int = 2006) -> dict[str, Any]:
    values = eligible(
        province=a.province,
        city=a.city,
        applicant_name=a.name,
        application_type=a.kind,
        existing_base_type=a.old_type,
        key_field=a.field,
        applicant_kind=a.applicant_kind,
        fill_date=dt.date(year, 4, 20),
        contact_person=f"联系人{a.key}",
    )
    scale = a.hitech / 8.25  # eligible()'s history ends at 8.25
    values["hitech_export_value"] = a.hitech
    values["export_value"] = round(12.5 * scale, 2)
    values["history"] = [
        {
            "year": r["year"] + year - 2006,
            "export_value": round(r["export_value"] * scale, 2),
            "hitech_export_value": round(r["hitech_export_value"] * scale, 2),
        }
        for r in values["history"]
    ]
    values["main_products"] = [{"name": "主要产品", "export_value": round(a.hitech * 4000, 2)}]
    return values


# ---------------------------------------------------------------- running it


def invoke(*args: Any) -> Any:
    result = runner.invoke(app, [str(a) for a in args])
    return result


def ok(*args: Any, codes: tuple[int, ...] = (0,)) -> Any:
    result = invoke(*args)
    assert result.exit_code in codes, (args, result.output)
    return result


@dataclass
class History:
    tmp: Path
    app_db: Path
    db: Path  # the reports' ledger, holding the register
    rollup: Path  # as the ministry filled it in, in LibreOffice
    register_export: Path  # the register as exported at the end of 2007, edited
    built: str = ""  # what `formkit bases --from-rollup` said
    rosters: dict[str, list[str]] = field(default_factory=dict)  # period tag -> base names
    sent: dict[tuple[str, int, int], Path] = field(default_factory=dict)


def _application_round(tmp: Path) -> Path:
    roster = tmp / "2006申报名单.csv"
    lines = ["推荐单位,所在地级市,申请单位全称,联系人,联系电话"]
    lines += [f"{a.province},{a.city},{a.name},联系人{a.key},029-88881234" for a in APPLICANTS]
    roster.write_text("\n".join(lines), encoding="utf-8")
    db = tmp / "申报.db"
    ok("distribute", roster, "-o", tmp / "2006下发", "--db", db)
    rows = read_roster(roster)
    inbox = tmp / "2006收件"
    inbox.mkdir()
    by_name = {a.name: a for a in APPLICANTS}
    for row in rows:
        a = by_name[row.subject]
        values = {**application(a), "province": row.province, "city": row.city}
        (inbox / f"{a.key}.xlsx").write_bytes(
            build_template(
                year=2006,
                values=template_values(values),
                locked_fields=locked_fields(),
                submission_id=row.submission_id(2006),
            )
        )
    ok("ingest", inbox, "--db", db, "--received", "2006-04-25")
    return db


def _rollup(tmp: Path, app_db: Path) -> Path:
    summaries = []
    for unit in ("陕西省", "福建省"):
        out = tmp / f"{unit}2006汇总表.xlsx"
        ok("summary", "--db", app_db, "--unit", unit, "-o", out)
        summaries.append(out)
    national = tmp / "全国汇总表.xlsx"
    ok("rollup", *summaries, "-o", national)
    return national


def rollup_rows(path: Path) -> tuple[dict[str, int], dict[str, int]]:
    """(applicant -> its row on 汇总表, header -> column), 1-based."""
    ws = openpyxl.load_workbook(path)["汇总表"]
    header = {str(c.value): c.column for c in ws[2] if c.value}
    rows = {}
    for row in ws.iter_rows(min_row=3):
        name = row[header["申请单位"] - 1].value
        if name:
            rows[str(name)] = row[0].row
    return rows, header


APPROVALS = {a.key: "核准" for a in BASES} | {"G": "不予核准"}
REFUSAL_NOTE = "超出推荐名额（通知六(三)）"


def _approve_in_libreoffice(soffice: str, uno: str, national: Path, work: Path) -> Path:
    """The ministry types its 核准结论 (and a 核准意见 for the refusal) in LibreOffice."""
    rows, header = rollup_rows(national)
    steps = []
    for a in APPLICANTS:
        r = rows[a.name]
        cell = f"{col_letter(header['核准结论'])}{r}"
        steps.append({"op": "type", "sheet": "汇总表", "cell": cell, "text": APPROVALS[a.key]})
        if a.key == "G":
            cell = f"{col_letter(header['核准意见'])}{r}"
            steps.append({"op": "type", "sheet": "汇总表", "cell": cell, "text": REFUSAL_NOTE})
    out = work / "全国汇总表-核准.xlsx"
    (work / "lo-approve").mkdir()
    report = run_uno_fill(uno, soffice, work / "lo-approve", national, {"xlsx": out}, steps, 180)
    assert report["office"] == "terminated", report
    return out


def _report_file(
    path: Path, form_id: str, row: RosterRow, sid: str, values: dict[str, Any], year: int
) -> Path:
    spec = load_form_spec(form_id)
    mine = {**values, **row.values()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        build_template(
            spec,
            year=year,
            values=mine,
            locked_fields=[f for f in locked_fields(spec) if f in row.values()],
            submission_id=sid,
        )
    )
    return path


def _typed_copy(
    soffice: str, uno: str, copy: Path, values: dict[str, Any], row: RosterRow, work: Path
) -> Path:
    """A base's clerk types its figures into the distributed copy in LibreOffice (its
    identity and period are locked in the copy)."""
    spec = load_form_spec(JIDU)
    locked = set(row.values()) | set(spec.roles.period)
    steps = [
        {"op": "type", "sheet": spec.sheet(f.sheet).name, "cell": f.cell.a1, "text": _typed(v)}
        for f in spec.fields
        if f.id not in locked and (v := values.get(f.id)) is not None and f.type != "group"
    ]
    table = spec.table("key_enterprises")
    sheet = spec.sheet(table.sheet).name
    first = table.blocks[0].first.row
    for i, record in enumerate(values["key_enterprises"]):
        for col in table.input_columns:
            if record.get(col.id) is not None:
                steps.append(
                    {
                        "op": "type",
                        "sheet": sheet,
                        "cell": f"{col_letter(col.first_col)}{first + i}",
                        "text": _typed(record[col.id]),
                    }
                )
    out = work / "A-2007Q1-LibreOffice.xlsx"
    (work / "lo-typed").mkdir()
    report = run_uno_fill(uno, soffice, work / "lo-typed", copy, {"xlsx": out}, steps, 180)
    assert report["office"] == "terminated", report
    return out


def _quarter(h: History, year: int, quarter: int, soffice: str, uno: str) -> None:
    tag = f"{year}Q{quarter}"
    spec = load_form_spec(JIDU)
    roster = h.tmp / "名单" / f"{tag}.xlsx"
    ok("roster", "--db", h.db, "--form", JIDU, "--period", tag, "-o", roster)
    out = h.tmp / "下发" / tag
    ok("distribute", roster, "--form", JIDU, "--period", tag, "-o", out, "--db", h.db)
    rows = read_roster(roster, spec=spec)
    h.rosters[tag] = [r.subject for r in rows]
    period = parse_period(tag, spec)
    by_name = {a.name: a for a in BASES}
    arrivals: dict[dt.date, list[Path]] = {}
    for row in rows:
        a = by_name[row.subject]
        if (a.key, year, quarter) in MISSED:
            continue
        values = quarter_values(a, year, quarter)
        sid = row.submission_id(year, period)
        if (a.key, year, quarter) == LIBREOFFICE:
            copy = next(p for p in sorted(out.glob("*.xlsx")) if read(p).submission_id == sid)
            path = _typed_copy(soffice, uno, copy, values, row, h.tmp)
        else:
            path = _report_file(
                h.tmp / "收件" / tag / f"{a.key}.xlsx", JIDU, row, sid, values, year
            )
        h.sent[(a.key, year, quarter)] = path
        arrivals.setdefault(received_on(a, year, quarter), []).append(path)
    for day, paths in sorted(arrivals.items()):
        ok("ingest", *paths, "--db", h.db, "--received", day.isoformat(), codes=(0, 1))


def _annual(h: History, year: int) -> None:
    spec = load_form_spec(NIANBAO)
    roster = h.tmp / "名单" / f"{year}年报.xlsx"
    ok("roster", "--db", h.db, "--form", NIANBAO, "--period", year, "-o", roster)
    out = h.tmp / "下发" / f"{year}年报"
    ok("distribute", roster, "--form", NIANBAO, "--period", year, "-o", out, "--db", h.db)
    rows = read_roster(roster, spec=spec)
    h.rosters[f"{year}年报"] = [r.subject for r in rows]
    period = parse_period(str(year), spec)
    by_name = {a.name: a for a in BASES}
    paths = []
    for row in rows:
        a = by_name[row.subject]
        sid = row.submission_id(year, period)
        path = _report_file(
            h.tmp / "收件" / f"{year}年报" / f"{a.key}.xlsx",
            NIANBAO,
            row,
            sid,
            annual_values(a, year),
            year,
        )
        h.sent[(a.key, year, 0)] = path
        paths.append(path)
    ok("ingest", *paths, "--db", h.db, "--received", ANNUAL_RECEIVED[year], codes=(0, 1))


REVOCATION = {
    "决定": "商务部决定（示例）",
    "理由": "示例：基地所在园区整合，申请退出",
}


def _revoke(h: History) -> Path:
    """The register exported at the end of 2007; F's 撤销 typed into 状态变更, as a person
    would in Excel; imported."""
    export = h.tmp / "基地名册-2007.xlsx"
    ok("bases", "--db", h.db, "--as-of", "2007-12-30", "-o", export)
    wb = openpyxl.load_workbook(export)
    ws = wb["状态变更"]
    header = {str(c.value): c.column for c in ws[2] if c.value}
    ids = {
        str(r[2].value): str(r[1].value) for r in wb["基地名册"].iter_rows(min_row=3) if r[1].value
    }
    row = next(r[0].row for r in ws.iter_rows(min_row=3) if not r[header["基地编号"] - 1].value)
    f = next(a for a in BASES if a.key == "F")
    ws.cell(row, header["基地编号"], ids[f.name])
    ws.cell(row, header["日期"], dt.datetime.combine(REVOKED_ON, dt.time()))
    ws.cell(row, header["变更"], "撤销")
    ws.cell(row, header["决定"], REVOCATION["决定"])
    ws.cell(row, header["理由"], REVOCATION["理由"])
    edited = h.tmp / "基地名册-2007-撤销.xlsx"
    wb.save(edited)
    ok("bases", "--db", h.db, "--import", edited)
    return edited


def build_history(tmp: Path, soffice: str, uno: str) -> History:
    app_db = _application_round(tmp)
    national = _rollup(tmp, app_db)
    approved = _approve_in_libreoffice(soffice, uno, national, tmp)
    db = tmp / "季报.db"
    built = ok(
        "bases", "--db", db, "--from-rollup", approved,
        "--date", APPROVED_ON.isoformat(), "--decision", DECISION, "--batch", BATCH,
    )  # fmt: skip
    h = History(tmp, app_db, db, approved, Path(), built.output)
    for year in YEARS:
        for quarter in range(1, 5):
            _quarter(h, year, quarter, soffice, uno)
        _annual(h, year)
        if year == 2007:
            h.register_export = _revoke(h)
    return h
