"""Property: any value written in any accepted style into the template reads back equal,
with the cell it came from (hypothesis draws values and styles from the spec's kinds)."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formkit.api import load_spec, read
from formkit.template import build_template

SPEC = load_spec()
FULLWIDTH = str.maketrans("0123456789.,-", "０１２３４５６７８９．，－")
CN_DIGITS = "○一二三四五六七八九"


def _cn_year(y: int) -> str:
    return "".join(CN_DIGITS[int(d)] for d in str(y))


def _cn_small(n: int) -> str:
    if n < 10:
        return CN_DIGITS[n] if n else "○"
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=2)


@st.composite
def decimal_style(draw: st.DrawFn, unit: str) -> tuple[Any, float]:
    """(what a person writes, the value in the field's unit)."""
    value = draw(amounts)
    text = f"{value:,}"
    style = draw(
        st.sampled_from(["number", "text", "commas", "fullwidth", "same_unit", "wan", "spaces"])
    )
    if style == "number":
        return float(value), float(value)
    if style == "text":
        return str(value), float(value)
    if style == "commas":
        return text, float(value)
    if style == "fullwidth":
        return text.translate(FULLWIDTH), float(value)
    if style == "same_unit":
        return f"{value}{unit}", float(value)
    if style == "spaces":
        return f" {value}\u00a0", float(value)
    # the value written in the smaller multiplier: 亿 -> 万 (x 10,000)
    if unit.startswith("亿"):
        return f"{value * 10000:f}".rstrip("0").rstrip(".") + "万" + unit[1:], float(value)
    return str(value), float(value)


@st.composite
def date_style(draw: st.DrawFn) -> tuple[Any, dt.date]:
    d = draw(st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2006, 12, 31)))
    style = draw(
        st.sampled_from(["date", "cn", "dash", "dot", "slash", "compact", "numerals", "spaced"])
    )
    text = {
        "date": d,
        "cn": f"{d.year}年{d.month}月{d.day}日",
        "dash": f"{d.year}-{d.month}-{d.day}",
        "dot": f"{d.year}.{d.month}.{d.day}",
        "slash": f"{d.year}/{d.month:02d}/{d.day:02d}",
        "compact": f"{d.year}{d.month:02d}{d.day:02d}",
        "numerals": f"{_cn_year(d.year)}年{_cn_small(d.month)}月{_cn_small(d.day)}日",
        "spaced": f"{d.year} 年 {d.month} 月 {d.day} 日",
    }[style]
    return text, d


@st.composite
def percent_style(draw: st.DrawFn) -> tuple[Any, float]:
    value = draw(st.decimals(min_value=Decimal("-50"), max_value=Decimal("300"), places=1))
    style = draw(st.sampled_from(["number", "text", "percent_sign", "fullwidth"]))
    if style == "number":
        return float(value), float(value)
    if style == "text":
        return str(value), float(value)
    if style == "percent_sign":
        return f"{value}%", float(value)
    return f"{value}％".translate(FULLWIDTH), float(value)


yesno = st.sampled_from(
    [
        ("是", True),
        ("否", False),
        ("有", True),
        ("无", False),
        ("√", True),
        ("×", False),
        ("Y", True),
        ("N", False),
    ]
)
province = st.sampled_from(
    [
        ("江苏", "江苏省"),
        ("江苏省", "江苏省"),
        ("苏", "江苏省"),
        ("新疆兵团", "新疆生产建设兵团"),
        ("深圳", "深圳市"),
    ]
)


@st.composite
def filled(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    raw: dict[str, Any] = {}
    want: dict[str, Any] = {}
    for fid in ("sales_total", "assets_total", "export_value", "hitech_export_value"):
        raw[fid], want[fid] = draw(decimal_style(SPEC.field(fid).unit or ""))
    for fid in ("export_growth", "hitech_export_growth", "local_export_growth"):
        raw[fid], want[fid] = draw(percent_style())
    count = draw(st.integers(min_value=0, max_value=5_000_000))
    raw["employees"] = draw(
        st.sampled_from([count, f"{count:,}", f"{count}人", f"{count:,}".translate(FULLWIDTH)])
    )
    want["employees"] = count
    raw["fill_date"], want["fill_date"] = draw(date_style())
    raw["has_policy"], want["has_policy"] = draw(yesno)
    raw["province"], want["province"] = draw(province)
    product_raw, product_want = draw(decimal_style("万美元"))
    raw["main_products"] = [{"name": "产品", "export_value": product_raw}]
    want["main_products"] = [{"name": "产品", "export_value": product_want}]
    return raw, want


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(filled())
def test_any_accepted_style_reads_back_equal_with_provenance(
    case: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    raw, want = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.xlsx"
        path.write_bytes(build_template(values=raw))
        sub = read(path)
    assert sub.status == "accepted"
    for fid, expected in want.items():
        got = sub.values[fid]
        if isinstance(expected, float):
            assert got == expected or abs(got - expected) < 1e-9 * max(1, abs(expected)), (
                fid,
                raw[fid],
                got,
            )
        else:
            assert got == expected, (fid, raw[fid], got)
        if fid != "main_products":
            f = SPEC.field(fid)
            assert sub.sources[fid].ref == f"{SPEC.sheet(f.sheet).name}!{f.cell.a1}"
            assert sub.sources[fid].raw == (
                raw[fid] if not isinstance(raw[fid], dt.date) else sub.sources[fid].raw
            )
    assert not [i for i in sub.issues if i.severity == "error"], sub.issues
