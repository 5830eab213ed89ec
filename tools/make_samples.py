"""Make the bundled sample applications (示例数据: fictional units, plausible figures).

Run `python tools/make_samples.py` after changing the spec or the template; a test
checks the committed files match. Each sample is built from the template with values
filled in as a person would type them; two are then saved by LibreOffice as .xls and .ods.

What each sample is for (the validator's expected findings are in EXPECTED):
  01-04, 10, 11  clean applications from 东部, 西部, 中部, 东北 (re-certification and new)
  05  filled the way people type: units in cells ("3.5亿"), full-width digits, "2006年4月20日"
  06  a 万/亿 unit slip: 出口额 typed in 万美元 into the 亿美元 cell
  07  high-tech exports above total exports
  08  a reported growth rate that disagrees with the history
  09  a missing required field (联系电话) and 原基地类型 and 重新认定的基地名称 missing for a
      re-certification
  12  a new base in 东部 below the region's threshold and without provincial funds: 不符合
New applications are 需人工判断 (六(二)(2) “在本地区位居前列”: the notice gives no rank and the
bundled reference has no regional totals); the re-certifications name their base (五(一)).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = ROOT / "samples"
sys.path.insert(0, str(ROOT))

from formkit.template import build_template  # noqa: E402

YEAR = 2006
# the applicant's materials (六(三)); the 推荐文件 is the province's own document
ATTACHED = {"application_form": True, "development_plan": True}


def _growth(new: float, old: float) -> float:
    return round((new - old) / old * 100, 1)


def _application(
    *,
    province: str,
    city: str,
    name: str,
    kind: str,
    app_type: str,
    key_field: str,
    exports: tuple[float, float, float],
    hitech: tuple[float, float, float],
    base_type: str | None = None,
    base_name: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A consistent application: history matches 第一项, growth matches the history."""
    values: dict[str, Any] = {
        "applicant_name": name,
        "contact_person": overrides.pop("contact_person", "王明"),
        "contact_phone": overrides.pop("contact_phone", "025-83301234"),
        "contact_email": overrides.pop("contact_email", "kjxm@example.gov.cn"),
        "fill_date": dt.date(YEAR, 4, 18),
        "address": f"{province}{city}",
        "industry_features": f"以{key_field}为特色的高新技术产业集聚区",
        "export_value": exports[2],
        "export_growth": _growth(exports[2], exports[1]),
        "hitech_export_value": hitech[2],
        "hitech_export_growth": _growth(hitech[2], hitech[1]),
        "province": province,
        "city": city,
        "applicant_kind": kind,
        "application_type": app_type,
        "key_field": key_field,
        "history": [
            {"export_value": e, "hitech_export_value": h}
            for e, h in zip(exports, hitech, strict=True)
        ],
        "local_export_growth": 45.0,
        "attachments": ATTACHED,
    }
    if base_type:
        values["existing_base_type"] = base_type
    if base_name:
        values["recertified_base"] = base_name
    if app_type == "现有基地重新认定":
        values.update(has_policy=True, has_funding=True, has_feature_industry=True)
    else:
        values.update(provincial_policy_fund=True)
    values.update(overrides)
    return values


SAMPLES: dict[str, dict[str, Any]] = {
    "01-江苏省-苏州工业园区-重新认定.xlsx": _application(
        province="江苏省",
        city="苏州市",
        name="苏州工业园区管理委员会",
        kind="产业集群",
        app_type="现有基地重新认定",
        base_type="国家高新技术产品出口基地",
        base_name="江苏国家高新区（国家高新技术产品出口基地）",
        key_field="电子信息",
        exports=(28.6, 36.2, 45.3),
        hitech=(19.8, 25.9, 33.4),
        enterprise_count=1260,
        sales_total=2350.5,
        assets_total=18600000,
        profit_tax_total=1250000,
        employees=286000,
        contact_phone="0512-66681234",
        main_products=[
            {"name": "笔记本电脑", "export_value": 125000},
            {"name": "液晶显示器", "export_value": 86000},
            {"name": "集成电路", "export_value": 54000},
        ],
        leading_enterprises=[
            {"name": "苏州某电脑有限公司", "export_value": 98000, "industry_rank": 3},
            {"name": "苏州某显示技术有限公司", "export_value": 61000, "industry_rank": 5},
        ],
    ),
    "02-深圳市-南山软件园-重新认定.xlsx": _application(
        province="深圳市",
        city="深圳市",
        name="深圳市南山区软件产业基地",
        kind="地级市",
        app_type="现有基地重新认定",
        base_type="国家软件出口基地",
        base_name="深圳国家软件出口基地",
        key_field="软件",
        exports=(4.1, 5.6, 7.2),
        hitech=(3.9, 5.3, 6.8),
        enterprise_count=420,
        sales_total=610.0,
        assets_total=3200000,
        profit_tax_total=520000,
        employees=98000,
        contact_phone="0755-26631234",
        main_products=[
            {"name": "软件外包服务", "export_value": 42000},
            {"name": "通信软件", "export_value": 21000},
        ],
        leading_enterprises=[
            {"name": "深圳某通信软件公司", "export_value": 30000, "industry_rank": 2}
        ],
    ),
    "03-四川省-成都高新区-新申报.xlsx": _application(
        province="四川省",
        city="成都市",
        name="成都高新技术产业开发区",
        kind="产业集群",
        app_type="新申报",
        key_field="软件",
        exports=(6.2, 8.0, 10.1),
        hitech=(2.1, 2.9, 3.8),
        enterprise_count=380,
        sales_total=820.0,
        assets_total=5400000,
        profit_tax_total=610000,
        employees=120000,
        contact_phone="028-85181234",
        main_products=[
            {"name": "集成电路封装测试", "export_value": 18000},
            {"name": "应用软件", "export_value": 9000},
        ],
        leading_enterprises=[
            {"name": "成都某微电子公司", "export_value": 15000, "industry_rank": 8}
        ],
    ),
    "04-湖北省-武汉东湖-新申报.xlsx": _application(
        province="湖北省",
        city="武汉市",
        name="武汉东湖新技术开发区",
        kind="产业集群",
        app_type="新申报",
        key_field="信息",
        exports=(3.0, 3.9, 5.1),
        hitech=(1.2, 1.6, 2.2),
        enterprise_count=310,
        sales_total=700.0,
        assets_total=4100000,
        profit_tax_total=450000,
        employees=90000,
        contact_phone="027-87651234",
        main_products=[
            {"name": "光纤光缆", "export_value": 9800},
            {"name": "激光设备", "export_value": 6100},
        ],
        leading_enterprises=[{"name": "武汉某光纤公司", "export_value": 8000, "industry_rank": 2}],
    ),
    # 05: typed the way people type; the reader converts, the values equal sample 04's style
    "05-辽宁省-沈阳市-新申报-手工录入.xlsx": _application(
        province="辽宁",
        city="沈阳市",
        name="沈阳市装备制造出口基地",
        kind="地级市",
        app_type="新申报",
        key_field="机械制造",
        exports=(2.2, 2.6, 3.5),
        hitech=(0.5, 0.62, 0.8),
        enterprise_count="２１０",
        sales_total="１２３４．５",
        assets_total="1,850,000",
        profit_tax_total="约12万",
        employees="45,000人",
        contact_phone="（024）2345 6789 转 123",
        contact_email=" shenyang@example.gov.cn ",
        export_value="3.5亿",
        hitech_export_value="8000万美元",
        fill_date="2006年4月20日",
        main_products=[
            {"name": "数控机床", "export_value": "3500万美元"},
            {"name": "输变电设备", "export_value": "０.２亿"},
        ],
        leading_enterprises=[
            {"name": "沈阳某机床集团", "export_value": "2,800", "industry_rank": "１"}
        ],
        has_policy="有",
        provincial_policy_fund="√",
    ),
    "06-陕西省-西安市-新申报-单位错误.xlsx": _application(
        province="陕西省",
        city="西安市",
        name="西安高新技术产业开发区",
        kind="产业集群",
        app_type="新申报",
        key_field="空天",
        exports=(2.8, 3.3, 3.5),
        hitech=(1.1, 1.4, 1.7),
        enterprise_count=260,
        sales_total=520.0,
        assets_total=3300000,
        profit_tax_total=280000,
        employees=76000,
        contact_phone="029-88321234",
        export_value=35000,  # typed in 万美元 into the 亿美元 cell
        main_products=[{"name": "航空零部件", "export_value": 7000}],
        leading_enterprises=[
            {"name": "西安某航空制造公司", "export_value": 6000, "industry_rank": 4}
        ],
    ),
    "07-浙江省-杭州市-重新认定-高新大于出口.xlsx": _application(
        province="浙江省",
        city="杭州市",
        name="杭州国家医药出口基地",
        kind="地级市",
        app_type="现有基地重新认定",
        base_type="国家医药出口基地",
        base_name="杭州国家医药出口基地",
        key_field="医药",
        exports=(6.0, 7.1, 8.4),
        hitech=(4.0, 4.9, 5.8),
        enterprise_count=190,
        sales_total=460.0,
        assets_total=2900000,
        profit_tax_total=330000,
        employees=52000,
        contact_phone="0571-87051234",
        hitech_export_value=9.6,  # above 出口额 8.4
        main_products=[
            {"name": "原料药", "export_value": 35000},
            {"name": "中成药", "export_value": 12000},
        ],
        leading_enterprises=[
            {"name": "杭州某制药股份公司", "export_value": 21000, "industry_rank": 1}
        ],
    ),
    "08-安徽省-合肥市-新申报-增速不符.xlsx": _application(
        province="安徽省",
        city="合肥市",
        name="合肥高新技术产业开发区",
        kind="产业集群",
        app_type="新申报",
        key_field="新材料",
        exports=(1.5, 1.9, 2.4),
        hitech=(0.5, 0.62, 0.78),
        enterprise_count=150,
        sales_total=310.0,
        assets_total=1800000,
        profit_tax_total=150000,
        employees=41000,
        contact_phone="0551-65321234",
        export_growth=45.0,  # the history gives 26.3
        main_products=[{"name": "家电用新材料", "export_value": 4200}],
        leading_enterprises=[
            {"name": "合肥某新材料公司", "export_value": 3000, "industry_rank": 6}
        ],
    ),
    "09-山东省-烟台市-重新认定-缺必填项.xlsx": _application(
        province="山东省",
        city="烟台市",
        name="烟台高新技术产品出口基地",
        kind="地级市",
        app_type="现有基地重新认定",
        key_field="电子信息",
        exports=(9.0, 11.2, 13.6),
        hitech=(4.1, 5.3, 6.6),
        enterprise_count=230,
        sales_total=880.0,
        assets_total=5200000,
        profit_tax_total=470000,
        employees=87000,
        contact_phone=None,
        main_products=[{"name": "手机", "export_value": 31000}],
        leading_enterprises=[{"name": "烟台某电子公司", "export_value": 26000, "industry_rank": 7}],
    ),
    "10-湖南省-长沙市-新申报.xlsx": _application(
        province="湖南省",
        city="长沙市",
        name="长沙高新技术产业开发区",
        kind="产业集群",
        app_type="新申报",
        key_field="机械制造",
        exports=(1.6, 2.1, 2.7),
        hitech=(0.55, 0.7, 0.9),
        enterprise_count=170,
        sales_total=390.0,
        assets_total=2300000,
        profit_tax_total=190000,
        employees=48000,
        contact_phone="0731-88921234",
        main_products=[{"name": "工程机械", "export_value": 5200}],
        leading_enterprises=[{"name": "长沙某重工公司", "export_value": 4100, "industry_rank": 3}],
    ),
    "11-重庆市-重庆市-新申报.xlsx": _application(
        province="重庆市",
        city="重庆市",
        name="重庆市摩托车及零部件出口基地",
        kind="地级市",
        app_type="新申报",
        key_field="机械制造",
        exports=(3.1, 3.8, 4.6),
        hitech=(0.3, 0.38, 0.5),
        enterprise_count=200,
        sales_total=450.0,
        assets_total=2500000,
        profit_tax_total=200000,
        employees=66000,
        contact_phone="023-63851234",
        main_products=[{"name": "摩托车", "export_value": 21000}],
        leading_enterprises=[
            {"name": "重庆某摩托车公司", "export_value": 9000, "industry_rank": 2}
        ],
    ),
    "12-广东省-东莞市-新申报-未达门槛.xlsx": _application(
        province="广东省",
        city="东莞市",
        name="东莞市电子信息产业集群",
        kind="产业集群",
        app_type="新申报",
        key_field="电子信息",
        exports=(1.9, 2.2, 2.5),
        hitech=(0.5, 0.62, 0.8),
        enterprise_count=140,
        sales_total=260.0,
        assets_total=1500000,
        profit_tax_total=90000,
        employees=38000,
        contact_phone="0769-22831234",
        provincial_policy_fund=False,
        main_products=[{"name": "电子元器件", "export_value": 6000}],
        leading_enterprises=[{"name": "东莞某电子公司", "export_value": 2500, "industry_rank": 15}],
    ),
}

# What validation finds in each sample: verdict, and the (code, sheet, cell) of every
# warning and error. The test suite checks the samples against this.
BASE, INFO_SHEET, HIST = "第一项：基地基本情况", "续表一 申报信息", "续表二 出口情况与评估条件"
ENTERPRISES = "续表三 龙头企业及附报材料"
EXPECTED: dict[str, tuple[str, set[tuple[str, str, str]]]] = {
    "01-江苏省-苏州工业园区-重新认定.xlsx": ("符合", set()),
    "02-深圳市-南山软件园-重新认定.xlsx": ("符合", set()),
    # 六(二)(2) “在本地区位居前列”: no regional total in the bundled reference, and the
    # notice gives no rank: 需人工判断, so a new application is never 符合 on its own
    "03-四川省-成都高新区-新申报.xlsx": (
        "需人工判断",
        {
            ("criterion_manual", BASE, "C6"),
            # 六(二)(4): best rank 8, not plainly 前列 (the first three): a person judges
            ("criterion_manual", ENTERPRISES, "A4"),
        },
    ),
    "04-湖北省-武汉东湖-新申报.xlsx": ("需人工判断", {("criterion_manual", BASE, "C6")}),
    # 机械制造 is one of section 一's focus fields: not warned (五(二) lists the others)
    "05-辽宁省-沈阳市-新申报-手工录入.xlsx": (
        "需人工判断",
        {("approximate", BASE, "G5"), ("criterion_manual", BASE, "C6")},
    ),
    "06-陕西省-西安市-新申报-单位错误.xlsx": (
        "待补充材料",
        {
            ("unit_slip", BASE, "C5"),
            ("history_mismatch", HIST, "B6"),
            ("criterion_manual", BASE, "C6"),
            ("criterion_manual", ENTERPRISES, "A4"),
        },
    ),
    "07-浙江省-杭州市-重新认定-高新大于出口.xlsx": (
        "待补充材料",
        {("hitech_above_total", BASE, "C6"), ("history_mismatch", HIST, "C6")},
    ),
    "08-安徽省-合肥市-新申报-增速不符.xlsx": (
        "待补充材料",
        {
            ("growth_mismatch", BASE, "E5"),
            ("criterion_manual", BASE, "C6"),
            ("criterion_manual", ENTERPRISES, "A4"),
        },
    ),
    "09-山东省-烟台市-重新认定-缺必填项.xlsx": (
        "待补充材料",
        {
            ("required_missing", "封面", "B6"),
            ("required_when_missing", INFO_SHEET, "B7"),
            ("required_when_missing", INFO_SHEET, "B8"),
        },
    ),
    "10-湖南省-长沙市-新申报.xls": ("需人工判断", {("criterion_manual", BASE, "C6")}),
    "11-重庆市-重庆市-新申报.ods": ("需人工判断", {("criterion_manual", BASE, "C6")}),
    "12-广东省-东莞市-新申报-未达门槛.xlsx": (
        "不符合",
        {
            ("criterion_failed", HIST, "B14"),
            ("criterion_failed", BASE, "C6"),
            # 六(二)(4): best rank 15: the notice gives no rank, a person judges (never 不符合)
            ("criterion_manual", ENTERPRISES, "A4"),
            ("criterion_manual", BASE, "C6"),
            # an enterprise cluster in 东部: the notice's clusters are 中西部
            ("cluster_outside_region", INFO_SHEET, "B5"),
        },
    ),
}

# saved by LibreOffice in another format, as offices send them
RESAVED = {"10-湖南省-长沙市-新申报.xlsx": "xls", "11-重庆市-重庆市-新申报.xlsx": "ods"}


def build_xlsx() -> dict[str, bytes]:
    """The .xlsx samples, built from the template."""
    return {name: build_template(year=YEAR, values=values) for name, values in SAMPLES.items()}


def make(outdir: Path) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in build_xlsx().items():
        if name in RESAVED:
            written.append(_resave(name, data, RESAVED[name], outdir))
        else:
            (outdir / name).write_bytes(data)
            written.append(outdir / name)
    return written


def _resave(name: str, data: bytes, fmt: str, outdir: Path) -> Path:
    from tests.libreoffice import convert

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / name
        src.write_bytes(data)
        produced = convert(src, fmt, Path(tmp) / "out")
        target = outdir / produced.name
        shutil.copyfile(produced, target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outdir", type=Path, default=SAMPLES_DIR)
    args = parser.parse_args()
    for path in make(args.outdir):
        print(path)


if __name__ == "__main__":
    main()
