"""Field kinds: what each type of input looks like in Excel.

Each kind owns its number format and the data validation the template puts on its
cells (and, in the reader, how raw cell values become typed values), so the template
and the checks cannot disagree about what a cell accepts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from formkit.parse import (
    Parsed,
    parse_choice,
    parse_date,
    parse_email,
    parse_number,
    parse_percent,
    parse_phone,
    parse_text,
    parse_yesno,
)

# Excel number formats by unit; the unit is in the label, so the format shows digits only.
NUMBER_FORMATS: dict[str, str] = {
    "个": "#,##0",
    "人": "#,##0",
    "件": "#,##0",
    "项": "#,##0",
    "%": "0.00",
    "亿元": "#,##0.00",
    "万元": "#,##0.00",
    "亿美元": "#,##0.0000",
    "万美元": "#,##0.00",
}
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
# A percent input cell keeps the default format (常规 / General), not NUMBER_FORMATS["%"]: a
# person who types "23.4%" then gets a percent cell showing 23.4%, which is read as 23.4.
# LibreOffice applies the format it detects in what is typed only to a cell in the default
# format of its kind (7.4: ScColumn::ParseString); in a "0.00" cell "23.4%" is stored as
# 0.234 and shown as 0.23 (tests/test_percent_typed.py types it in LibreOffice).
PERCENT_INPUT_FORMAT: str | None = None
TEXT_FORMAT = "@"

# growth rates outside this range are almost certainly typing slips; Excel warns, may keep
PERCENT_RANGE = (-100.0, 1000.0)
# a generous ceiling so a stray paste of a long number is caught at the keyboard
AMOUNT_MAX = 1e12


@dataclass(frozen=True)
class ExcelInput:
    """How one input cell is presented: number format and data validation options."""

    num_format: str | None
    validation: dict[str, Any] | None


def excel_input(
    ftype: str,
    *,
    label: str,
    unit: str | None = None,
    signed: bool = False,
    hint: str | None = None,
    list_source: str | None = None,
    year: int | None = None,
    anchor: str | None = None,
    max_length: int | None = None,
    date_window: tuple[int, int] = (-1, 0),
) -> ExcelInput:
    """Number format and xlsxwriter data-validation options for a field kind.

    `list_source` is the absolute range of the drop-down's values on the lookup sheet;
    `anchor` is the cell's own A1 address (for custom formulas).
    """
    title = label[:32]  # Excel limits prompt titles to 32 characters

    def v(options: dict[str, Any], prompt: str, error: str, style: str = "stop") -> dict[str, Any]:
        full = f"{hint}\n{prompt}" if hint else prompt
        return {
            **options,
            "input_title": title,
            "input_message": full[:255],
            "error_title": "输入有误"[:32],
            "error_message": error[:255],
            "error_type": style,
            "ignore_blank": True,
        }

    unit_text = f"（单位：{unit}）" if unit and unit != "%" else ""
    if ftype == "decimal":
        if signed:
            options = {
                "validate": "decimal",
                "criteria": "between",
                "minimum": -AMOUNT_MAX,
                "maximum": AMOUNT_MAX,
            }
            prompt = f"填写数字{unit_text}，亏损填负数。"
            error = f"“{label}”应为数字{unit_text}。"
        else:
            options = {
                "validate": "decimal",
                "criteria": "between",
                "minimum": 0,
                "maximum": AMOUNT_MAX,
            }
            prompt = f"填写不小于 0 的数字{unit_text}，不要带单位。"
            error = f"“{label}”应为不小于 0 的数字{unit_text}，请只填数字。"
        return ExcelInput(NUMBER_FORMATS.get(unit or "", "#,##0.00"), v(options, prompt, error))
    if ftype == "integer":
        options = {
            "validate": "integer",
            "criteria": "between",
            "minimum": 0,
            "maximum": 2_000_000_000,
        }
        prompt = f"填写不小于 0 的整数{unit_text}。"
        error = f"“{label}”应为不小于 0 的整数{unit_text}。"
        return ExcelInput(NUMBER_FORMATS.get(unit or "", "0"), v(options, prompt, error))
    if ftype == "percent":
        lo, hi = PERCENT_RANGE
        options = {"validate": "decimal", "criteria": "between", "minimum": lo, "maximum": hi}
        prompt = "填写百分数的数值，如增长 12.5% 填 12.5，下降填负数。"
        error = (
            f"“{label}”应在 {lo:g} 到 {hi:g} 之间（百分数的数值，如 12.5）。确认无误可点“是”保留。"
        )
        return ExcelInput(PERCENT_INPUT_FORMAT, v(options, prompt, error, style="warning"))
    if ftype == "date":
        first = dt.date((year or 2006) + date_window[0], 1, 1)
        last = dt.date((year or 2006) + date_window[1], 12, 31)
        options = {"validate": "date", "criteria": "between", "minimum": first, "maximum": last}
        prompt = f"填写日期，如 {year or 2006}-4-20。"
        error = (
            f"“{label}”应为 {first.year} 年至 {last.year} 年之间的日期，如 {year or 2006}-4-20。"
        )
        return ExcelInput(DATE_FORMAT, v(options, prompt, error))
    if ftype in ("choice", "yesno"):
        if list_source is None:
            raise ValueError(f"{label}: a drop-down needs its list range")
        options = {"validate": "list", "source": list_source}
        prompt = "从下拉列表中选择。"
        error = f"“{label}”请从下拉列表中选择。"
        return ExcelInput(TEXT_FORMAT, v(options, prompt, error))
    if ftype == "email" and anchor:
        options = {"validate": "custom", "value": f'=ISNUMBER(FIND("@",{anchor}))'}
        return ExcelInput(
            TEXT_FORMAT,
            v(options, "填写电子邮箱，如 name@example.gov.cn。", "电子信箱格式不对。", "warning"),
        )
    if ftype == "text" and list_source is not None:
        # suggestions, not a closed list: Excel only informs when other text is typed
        options = {"validate": "list", "source": list_source}
        prompt = "可从下拉列表中选择，列表中没有的请直接填写。"
        error = f"“{label}”不在下拉列表中；如确实如此，请点“确定”保留。"
        return ExcelInput(TEXT_FORMAT, v(options, prompt, error, style="information"))
    if ftype == "text" and max_length is not None:
        options = {"validate": "length", "criteria": "<=", "value": max_length}
        return ExcelInput(
            TEXT_FORMAT,
            v(
                options,
                f"不超过 {max_length} 字。",
                f"“{label}”不超过 {max_length} 字，请精简后填写。",
            ),
        )
    if ftype in ("text", "phone", "email"):
        # phones stay text: Excel would drop a landline's leading 0 from a number
        if hint:
            options = {"validate": "any"}
            return ExcelInput(TEXT_FORMAT, v(options, "", ""))
        return ExcelInput(TEXT_FORMAT, None)
    raise ValueError(f"no Excel input for field type {ftype!r}")


# ---------------------------------------------------------------- reading: raw cell -> typed value


def coerce(
    ftype: str,
    raw: object,
    *,
    unit: str | None = None,
    number_format: str | None = None,
    choices: tuple[str, ...] = (),
    aliases: Mapping[str, str] | None = None,
    date1904: bool = False,
) -> Parsed:
    """A raw cell value as the field kind's typed value; raises ParseError if it cannot be."""
    if ftype == "decimal":
        return parse_number(raw, unit, number_format=number_format)
    if ftype == "integer":
        return parse_number(raw, unit, integer=True, number_format=number_format)
    if ftype == "percent":
        return parse_percent(raw, number_format=number_format)
    if ftype == "date":
        return parse_date(raw, date1904=date1904)
    if ftype == "phone":
        return parse_phone(raw)
    if ftype == "email":
        return parse_email(raw)
    if ftype == "yesno":
        return parse_yesno(raw)
    if ftype == "choice":
        return parse_choice(raw, choices, aliases)
    if ftype == "text":
        return parse_text(raw)
    raise ValueError(f"no coercion for field type {ftype!r}")
