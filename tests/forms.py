"""Filled applications for tests: typed values for every field, written through the template."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from formkit.distribute import RosterRow, locked_fields
from formkit.template import build_template


def full_values() -> dict[str, Any]:
    """Every field of the spec filled with a value of its type (what a reader must give back)."""
    return {
        "applicant_name": "示例市高新技术产业开发区管理委员会",
        "contact_person": "李华",
        "contact_phone": "025-83301234",
        "contact_email": "lihua@example.gov.cn",
        "fill_date": dt.date(2006, 4, 20),
        "address": "示例市高新区创新路1号",
        "industry_features": "电子信息产业集聚，\n形成完整产业链",
        "enterprise_count": 520,
        "sales_total": 1234.5,
        "assets_total": 8800000.0,
        "export_value": 12.5,
        "export_growth": 25.0,
        "profit_tax_total": -3200.5,
        "hitech_export_value": 8.25,
        "hitech_export_growth": 37.5,
        "employees": 96000,
        "main_products": [
            {"name": "笔记本电脑", "export_value": 42000.0},
            {"name": "液晶显示器", "export_value": 21000.5},
        ],
        "province": "江苏省",
        "city": "示例市",
        "applicant_kind": "产业集群",
        "application_type": "现有基地重新认定",
        "existing_base_type": "国家高新技术产品出口基地",
        "recertified_base": "江苏国家高新区（国家高新技术产品出口基地）",
        "key_field": "电子信息",
        "history": [
            {"year": 2003, "export_value": 8.0, "hitech_export_value": 4.0},
            {"year": 2004, "export_value": 10.0, "hitech_export_value": 6.0},
            {"year": 2005, "export_value": 12.5, "hitech_export_value": 8.25},
        ],
        "local_export_growth": 41.2,
        "has_policy": True,
        "has_funding": True,
        "has_feature_industry": False,
        "provincial_policy_fund": True,
        "leading_enterprises": [
            {"name": "示例电脑有限公司", "export_value": 30000.0, "industry_rank": 3},
            {"name": "示例显示技术有限公司", "export_value": 12000.0, "industry_rank": 12},
        ],
        "attachments": {"application_form": True, "development_plan": False},
    }


def expected_read(values: dict[str, Any]) -> dict[str, Any]:
    """What the reader gives for `values`: history gains its computed growth columns."""
    out = dict(values)
    history = [dict(r) for r in values["history"]]
    for key, src in (
        ("export_growth", "export_value"),
        ("hitech_export_growth", "hitech_export_value"),
    ):
        for i, row in enumerate(history):
            prev = history[i - 1][src] if i else None
            row[key] = round((row[src] - prev) / prev * 100, 2) if prev else None
    out["history"] = history
    return out


def template_values(values: dict[str, Any]) -> dict[str, Any]:
    """`values` as build_template takes them (years are the template's, not an input)."""
    out = dict(values)
    out["history"] = [{k: v for k, v in r.items() if k != "year"} for r in values["history"]]
    return out


def write_filled(path: Path, values: dict[str, Any] | None = None, **options: Any) -> Path:
    data = build_template(values=template_values(values or full_values()), **options)
    path.write_bytes(data)
    return path


# a roster of three and what they send back: the ledger's and the web page's round
YEAR = 2006
ROSTER = "\n".join(
    [
        "推荐单位,所在地级市,申请单位全称,联系人,联系电话,电子信箱",
        "江苏,示例市,示例市高新技术产业开发区管理委员会,李华,025-83301234,lihua@example.gov.cn",
        "浙江,杭州市,杭州高新技术产业开发区,王明,0571-88886666,wm@example.cn",
        "广东,广州市,广州经济技术开发区,陈静,020-82221111,cj@example.cn",
    ]
)


def eligible(**changes: Any) -> dict[str, Any]:
    return {
        **full_values(),
        "has_feature_industry": True,
        "attachments": {"application_form": True, "development_plan": True},
        **changes,
    }


def own_base(values: dict[str, Any]) -> dict[str, Any]:
    """A re-certification names a base of its own unit (五(一)): the unit's first known base,
    of the type asked for where it has one (what a city in another province would name)."""
    from formkit.reference import load_reference

    ref = load_reference()
    unit = ref.unit(str(values.get("province") or ""))
    if values.get("application_type") != "现有基地重新认定" or unit is None:
        return values
    mine = ref.bases.of(unit.code)
    if not mine or any(str(values.get("recertified_base") or "") == b.name for b in mine):
        return values
    base = next((b for b in mine if b.type == values.get("existing_base_type")), mine[0])
    return {**values, "existing_base_type": base.type, "recertified_base": base.name}


def filled(row: RosterRow | None, values: dict[str, Any]) -> bytes:
    """What an applicant sends back: the distributed copy with its inputs filled (a
    re-certification naming its own unit's base)."""
    if row is not None:
        values = {**values, "province": row.province, "city": row.city}
        values["applicant_name"] = row.applicant_name
        values = own_base(values)
    return build_template(
        year=YEAR,
        values=template_values(values),
        locked_fields=locked_fields() if row is not None else (),
        submission_id=row.submission_id(YEAR) if row is not None else None,
    )


def application_round(tmp_path: Path) -> tuple[Path, list[RosterRow]]:
    """The 申报书 round the report rounds start from: ROSTER's three applications, all
    符合, returned and ingested into their own ledger (申报.db)."""
    from formkit.distribute import read_roster
    from formkit.ledger import Ledger

    roster_csv = tmp_path / "申报名单.csv"
    roster_csv.write_bytes(ROSTER.encode("gbk"))
    rows = read_roster(roster_csv)
    inbox = tmp_path / "申报书"
    inbox.mkdir()
    for i, row in enumerate(rows):
        (inbox / f"{i}.xlsx").write_bytes(filled(row, eligible()))
    db = tmp_path / "申报.db"
    with Ledger(db) as ledger:
        ledger.add_roster(rows, year=YEAR)
        ledger.ingest([inbox])
    return db, rows
