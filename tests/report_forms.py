"""Filled 季度数据报表 and 年度工作报告 for tests: typed values for every field of each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from formkit.forms import load_form_spec
from formkit.spec import FormSpec

JIDU, NIANBAO = "kjxm-cxjd-jidu", "kjxm-cxjd-nianbao"

# a second quarter: (this quarter, January to June) per figure stem
FIGURES: dict[str, tuple[float | int, float | int]] = {
    "enterprise_count": (180, 196),
    "export_value": (52000.5, 98000.25),
    "hitech_export_value": (30100.0, 57200.75),
    "own_ip_export_value": (8200.0, 15100.0),
    "own_brand_export_value": (6100.5, 11800.0),
    "tech_import_contracts": (7, 12),
    "tech_import_value": (1500.0, 2650.5),
    "intl_certifications": (3, 5),
    "foreign_patents": (11, 19),
    "foreign_trademarks": (4, 6),
    "foreign_copyrights": (2, 2),
    "software_export_value": (2300.0, 4100.0),
    "outsourcing_value": (900.0, 1700.0),
}
IMPORTANT = (
    "本季度基地新建公共技术服务平台1个，组织12家企业参加国际展会。\n"
    "两家医药企业的产品通过境外GMP认证；困难：部分企业反映出口退税到账较慢。"
)


def identity(year: int = 2007) -> dict[str, Any]:
    return {
        "province": "江苏省",
        "base_name": "示例市国家电子信息出口创新基地",
        "base_type": "国家软件出口基地",
        "application_id": "JS-2006-007",
        "report_year": year,
        "contact_person": "王芳",
        "contact_phone": "025-83301234",
    }


def jidu_values() -> dict[str, Any]:
    """Every field of the 季度数据报表 filled (the second quarter of 2007)."""
    values: dict[str, Any] = {
        **identity(),
        "report_quarter": "第二季度",
        "fill_date": dt.date(2007, 7, 10),
    }
    for stem, (q, ytd) in FIGURES.items():
        values[f"{stem}_q"] = q
        values[f"{stem}_ytd"] = ytd
    values.update(export_growth=18.5, hitech_export_growth=-3.25, software_export_growth=40.0)
    values["key_enterprises"] = [
        {
            "name": "示例电子有限公司",
            "export_value_q": 20000.0,
            "export_value_ytd": 38000.5,
            "hitech_export_value_q": 15000.0,
            "hitech_export_value_ytd": 28000.0,
            "export_growth": 12.5,
            "main_markets": "美国、欧盟、日本",
            "own_brand": True,
        },
        {
            "name": "示例软件股份有限公司",
            "export_value_q": 2300.0,
            "export_value_ytd": 4100.0,
            "hitech_export_value_q": 2300.0,
            "hitech_export_value_ytd": 4100.0,
            "export_growth": 40.0,
            "main_markets": "日本",
            "own_brand": False,
        },
    ]
    values["important_info"] = IMPORTANT
    return values


def nianbao_values() -> dict[str, Any]:
    """Every field of the 年度工作报告 filled (2007)."""
    values: dict[str, Any] = {**identity(), "fill_date": dt.date(2007, 12, 20)}
    for stem, (_q, ytd) in FIGURES.items():
        values[stem] = ytd * 2 if isinstance(ytd, float) else ytd + 10
    values.update(export_growth=18.5, hitech_export_growth=-3.25, software_export_growth=40.0)
    values.update(
        work_progress="一是完善服务体系。\n二是落实配套政策，安排专项资金。",
        work_results="全年高新技术产品出口增长较快，自主品牌出口比重提高。",
        work_problems="企业研发投入不足；国际认证费用较高。",
        next_year_plan="扩大自主品牌出口，支持企业取得国际认证，承接国际服务外包。",
    )
    return values


def spec(form_id: str) -> FormSpec:
    return load_form_spec(form_id)


FULL = {JIDU: jidu_values, NIANBAO: nianbao_values}
