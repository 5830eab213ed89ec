"""A toy form defined outside formkit (tests/test_toy_form.py)."""

from __future__ import annotations

from pathlib import Path

from formkit.forms import Form
from formkit.issues import Entry
from formkit.validate.engine import Context

CODES = (
    Entry(
        "toy_reuse_above_use",
        "error",
        "回用水量大于用水量",
        "{where}：回用水量 {value} 大于用水量 {total}。",
        "回用水量是用水量的一部分，请核对两项数字。",
        "示例",
    ),
)


def reuse_within_use(ctx: Context) -> None:
    use, reuse = ctx.value("yongshui"), ctx.value("huiyong")
    if isinstance(use, int | float) and isinstance(reuse, int | float) and reuse > use:
        ctx.add("toy_reuse_above_use", "huiyong", related=("yongshui",), value=reuse, total=use)


FORM = Form(
    id="toy-yongshui",
    spec_file=Path(__file__).with_name("spec.toml"),
    rules=(reuse_within_use,),
    codes=CODES,
)
