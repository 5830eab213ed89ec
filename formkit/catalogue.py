"""The one catalogue of every issue code, and the wording of the details.

Each code's `Entry` (severity, Chinese and English titles and templates, the fix, the
clause) is here, with the wording of the gate's findings, the readers', what people type
and which file counts; `docs/issues.md` is generated from `CATALOGUE`. A form's own codes
join with `add_codes` when its `Form` is made. The `Issue` built from an entry is in
`formkit.issues`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Entry:
    code: str
    severity: Severity
    title: str
    template: str  # Chinese; {where} is "工作表 单元格（标签）", other {params} from the finder
    fix: str
    clause: str = "读取"  # the notice's clause, "consistency", or "读取" for reading checks
    template_en: str = ""  # English, same {params}; blank: "{where}: <title_en>"
    title_en: str = ""


_E: list[Entry] = [
    # ---- files the reader cannot use (status "rejected"); the gate's own codes are added below
    Entry(
        "bad_workbook",
        "error",
        "工作簿无法读取",
        "{detail}",
        "请用 Excel/WPS 打开并重新保存后提交。",
    ),
    Entry(
        "parse_failed",
        "error",
        "文件结构异常",
        "文件结构异常，无法读取（{detail}）。",
        "请用 Excel/WPS 打开并重新保存后提交。",
    ),
    Entry(
        "not_this_form",
        "error",
        "不是本申报书",
        "{detail}",
        "请使用下发的《申报书》模板填写后提交。",
    ),
    Entry(
        "form_version_incompatible",
        "error",
        "模板版本不符",
        "{detail}",
        "请下载最新模板，重新填写后提交。",
    ),
    Entry(
        "unreadable_path",
        "error",
        "文件无法打开",
        "{detail}",
        "请检查文件是否存在、是否有读取权限。",
    ),
    # ---- reading warnings
    Entry("form_version_old", "warning", "旧版模板", "{detail}", "可以受理；下次请使用最新模板。"),
    Entry(
        "form_year_mismatch",
        "warning",
        "申报年度不符",
        "{detail}",
        "请核对是否使用了本年度的模板。",
    ),
    Entry("gate_warning", "warning", "文件提示", "{detail}", "请核对。"),
    Entry(
        "name_missing",
        "warning",
        "名称缺失，按标签定位",
        "{where}：工作簿中没有名称“{name}”，已按标签“{label}”找到填写位置。",
        "如为复制粘贴重建的表格，请改用下发的模板。",
    ),
    Entry(
        "name_moved",
        "info",
        "填写位置已移动",
        "{where}：名称“{name}”指向的位置与模板不同（原为 {expected}），"
        "标签核对一致，已按名称读取。",
        "无需处理。",
    ),
    Entry(
        "name_broken",
        "warning",
        "名称指向错误，按标签定位",
        "{where}：名称“{name}”指向 {target}，与标签不符，已按标签“{label}”重新定位。",
        "请勿修改模板中的名称。",
    ),
    Entry(
        "field_not_found",
        "warning",
        "找不到填写位置",
        "找不到“{label}”的填写位置（工作表“{sheet_name}”）。",
        "请使用下发的模板，不要删除或改写标签。",
    ),
    Entry(
        "sheet_renamed",
        "info",
        "工作表已改名",
        "工作表“{expected}”已改名为“{actual}”，已按内容识别。",
        "无需处理。",
    ),
    Entry(
        "sheet_copy_read",
        "info",
        "读取了复制的工作表",
        "已读取复制的工作表“{sheet_name}”中的{what}。",
        "无需处理。",
    ),
    Entry(
        "copy_value_differs",
        "error",
        "复制表中的数据与原表不同",
        "{where}：复制的工作表中“{label}”为“{value}”，与原表（{original_cell}）的“{original}”不同，无法确定以哪一处为准。",
        "请只保留一处：复制的工作表只用于续填主要出口产品，基本情况请填在原表。",
    ),
    Entry(
        "copy_value_used",
        "warning",
        "采用了复制表中的数据",
        "{where}：原表“{label}”未填写，已采用复制的工作表中的“{value}”。",
        "请把该数据填在原表中。",
    ),
    Entry(
        "copy_row_duplicate",
        "warning",
        "复制表中的行与原表重复",
        "{where}：复制的工作表第 {row} 行与原表（{original} 行）完全相同，是随工作表复制过来的，按一行计。",
        "如确为另一产品，请修改；否则请删除复制表中的该行。",
    ),
    Entry(
        "values_outside_form",
        "warning",
        "表格范围外有内容",
        "工作表“{sheet_name}”在申报书范围外有 {count} 个单元格有内容（如 {example}），未读取。",
        "请把内容填在模板的黄色单元格中。",
    ),
    Entry(
        "formula_not_cached",
        "error",
        "公式没有计算结果",
        "{where}：单元格是公式，但文件没有保存计算结果。",
        "请在 Excel/WPS 中打开、保存后重新提交，或直接填写数值。",
    ),
    Entry(
        "cell_error",
        "error",
        "单元格有错误值",
        "{where}：单元格显示错误值 {error}。",
        "请修正公式或直接填写数值。",
    ),
    Entry(
        "table_row_incomplete",
        "warning",
        "表格行不完整",
        "{where}：本行只填了部分内容（{missing}未填）。",
        "请补全本行或删除。",
    ),
    Entry(
        "history_year_changed",
        "warning",
        "年度被改动",
        "{where}：年度应为 {expected}，实际为“{value}”。",
        "请不要改动年度，按模板年度填写。",
    ),
    # ---- values people type (from formkit.parse)
    Entry("not_a_number", "error", "不是数字", "{where}：{detail}。", "请只填写数字，单位见标签。"),
    Entry(
        "unit_mismatch",
        "error",
        "单位不符",
        "{where}：{detail}。",
        "请按标签中的单位换算后只填写数字。",
    ),
    Entry("not_integer", "error", "应为整数", "{where}：{detail}。", "请填写整数。"),
    Entry("bad_date", "error", "日期无法识别", "{where}：{detail}。", "请填写日期，如 2006-4-20。"),
    Entry(
        "bad_phone",
        "error",
        "电话号码格式不对",
        "{where}：{detail}。",
        "固定电话写区号，如 025-83301234；或 11 位手机号。",
    ),
    Entry(
        "bad_email",
        "error",
        "电子信箱格式不对",
        "{where}：{detail}。",
        "请填写如 name@example.gov.cn 的电子信箱。",
    ),
    Entry(
        "bad_yesno", "error", "应为是或否", "{where}：{detail}。", "请从下拉列表选择“是”或“否”。"
    ),
    Entry("bad_choice", "error", "不在可选范围内", "{where}：{detail}。", "请从下拉列表中选择。"),
    Entry(
        "unit_converted",
        "info",
        "已换算单位",
        "{where}：{detail}。",
        "建议只填写数字，单位见标签。",
    ),
    Entry("unit_stripped", "info", "已去除单位", "{where}：{detail}。", "建议只填写数字。"),
    Entry("approximate", "warning", "约数", "{where}：{detail}。", "请填写准确数字。"),
    Entry("percent_fraction", "info", "百分比格式", "{where}：{detail}。", "无需处理。"),
    Entry(
        "partial_date",
        "warning",
        "日期不完整",
        "{where}：{detail}。",
        "请填写完整日期（年、月、日）。",
    ),
    Entry(
        "phone_leading_zero",
        "warning",
        "电话可能丢了开头的 0",
        "{where}：{detail}。",
        "请核对，并把电话单元格设为文本格式。",
    ),
    Entry("choice_alias", "info", "已按简称识别", "{where}：{detail}。", "无需处理。"),
]

# ---- files the gate refuses before any spreadsheet library opens them (formkit.read.gate),
# and what it notes about the ones it lets through: code, title, message template
_SAVE_AS_XLSX = "请在 Excel/WPS 中另存为“Excel 工作簿(.xlsx)”后重新提交"
_RESAVE = "请在 Excel/WPS 中打开后重新保存为“Excel 工作簿(.xlsx)”再提交"
_GATE_REJECTIONS: list[tuple[str, str, str]] = [
    ("empty", "空文件", "文件是空的（0 字节），请重新保存后提交"),
    (
        "too_large",
        "文件过大",
        "文件过大（{size_mb} MB，上限 {limit_mb} MB），请删除无关的图片、附件和工作表后重新提交",
    ),
    ("truncated", "文件不完整", "文件不完整（可能未下载完或已损坏），请重新保存后提交"),
    (
        "not_spreadsheet",
        "不是电子表格",
        "文件不是 Excel 表格（识别为：{what}），"
        "请用 Excel/WPS 填写申报表并保存为“Excel 工作簿(.xlsx)”后提交",
    ),
    ("html_as_xls", "网页格式冒充 .xls", "文件是网页格式（另存为 .xls 的 HTML），" + _SAVE_AS_XLSX),
    ("text_as_xls", "文本格式冒充 .xls", "文件是纯文本（CSV/制表符分隔）格式，" + _SAVE_AS_XLSX),
    ("obsolete_xls", "过旧的 Excel 格式", "文件是 Excel 4.0 或更早的旧格式，" + _SAVE_AS_XLSX),
    ("xlsb", "二进制工作簿 .xlsb", "文件是“Excel 二进制工作簿(.xlsb)”格式，" + _SAVE_AS_XLSX),
    (
        "strict_ooxml",
        "严格（Strict）格式的 Open XML",
        "文件是“Strict Open XML 电子表格”格式，" + _SAVE_AS_XLSX,
    ),
    ("encrypted", "文件已加密", "文件已加密，请去除打开密码后重新提交"),
    ("zip_bomb", "压缩内容异常", "文件解压后过大或内部结构异常（{what}），" + _RESAVE),
    (
        "too_many_entries",
        "文件结构异常",
        "文件内部部件过多（{count} 个，上限 {limit} 个），" + _RESAVE,
    ),
    ("bad_compression", "压缩方式不受支持", "文件使用了不支持的压缩方式，" + _RESAVE),
    ("bad_zip_names", "文件结构异常", "文件内部部件名称异常（重复或非法），" + _RESAVE),
    (
        "xml_doctype",
        "文件含不安全内容",
        "文件含有表格软件不会写入的 XML 声明（DOCTYPE/ENTITY），可能被改动过，" + _RESAVE,
    ),
]
_GATE_WARNINGS: list[tuple[str, str, str]] = [
    (
        "macros",
        "含宏",
        "文件含有宏（VBA 或 Excel 4.0 宏表），读取时不会运行；如非必要，请另存为不含宏的 .xlsx",
    ),
    (
        "external_links",
        "含外部链接",
        "文件含有指向其他工作簿的外部链接，读取的是保存时的数值，请确认数据为最终结果",
    ),
    ("embedded_objects", "含嵌入对象", "文件含有嵌入对象（如其他文档），读取时将被忽略"),
    ("activex", "含 ActiveX 控件", "文件含有 ActiveX 控件，读取时不会运行"),
]
# code -> message template, as the gate fills them in from a rejection's details
GATE_REJECTIONS: dict[str, str] = {c: t for c, _title, t in _GATE_REJECTIONS}
GATE_WARNINGS: dict[str, str] = {c: t for c, _title, t in _GATE_WARNINGS}


def _gate_entries() -> list[Entry]:
    return [Entry(c, "error", title, t, "") for c, title, t in _GATE_REJECTIONS] + [
        Entry(c, "warning", title, t, "") for c, title, t in _GATE_WARNINGS
    ]


# ---- why a workbook the gate let through still cannot be opened (formkit.read.book's
# WorkbookError, from the xlsx, xls and ods readers). The file is rejected with the issue
# `bad_workbook`, worded by its reason; the reason code stays in the params.
_RESAVE_XLSX = "请在 Excel/WPS 中打开后另存为“Excel 工作簿(.xlsx)”再提交"
_RESAVE_ODS = "请在 Excel/WPS/LibreOffice 中打开后另存为“Excel 工作簿(.xlsx)”再提交"
_AGAIN = "请在 Excel/WPS 中打开后重新保存再提交"
WORKBOOK_REASONS: dict[str, str] = {
    # .xlsx / .xlsm
    "bad_zip": "文件不是有效的 Excel 工作簿（压缩包已损坏），请在 Excel/WPS 中重新保存后提交",
    "bad_workbook": "工作簿结构不完整（缺少 {part}），" + _AGAIN,
    "missing_sheet": "工作表“{sheet}”的内容缺失（{part}），" + _AGAIN,
    "bad_xml": "工作簿内容已损坏（{part}：{detail}），" + _AGAIN,
    "doctype": "工作簿含有不允许的 XML 声明（{part}），请在 Excel/WPS 中另存为新文件后提交",
    # .xls
    "bad_xls": "文件已损坏或不是有效的 Excel 97-2003 (.xls) 文件，无法读取。" + _RESAVE_XLSX,
    "not_xls": "文件扩展名是 .xls，但内容不是 Excel 97-2003 格式。" + _RESAVE_XLSX,
    # .ods
    "bad_ods": "文件已损坏或不是有效的 OpenDocument 表格 (.ods)，无法读取。" + _RESAVE_ODS,
    "not_ods": "文件扩展名是 .ods，但内容不是 OpenDocument 表格（识别为：{what}）。" + _RESAVE_ODS,
    "too_large": "表格内容过大（解压后超过 {limit_mb} MB），请删除无关的工作表和内容后重新提交",
    # any of them
    "encrypted": "文件设置了打开密码，无法读取。请取消密码后另存为“Excel 工作簿(.xlsx)”再提交",
    "unreadable": "无法打开文件（{detail}），请确认文件存在且可读后重新提交",
    "unsupported": "不支持的文件类型：{kind}",
}


# ---- the details of what people type (formkit.parse), worded here: a value that cannot be
# read (ParseError) or was read with a note (Note) gets its {detail} from these templates,
# filled with the reader's facts
VALUE_DETAILS: dict[str, str] = {
    # what a cell should hold, as the details say it
    "expect_number": "数字{unit_label}",
    "expect_integer": "整数{unit_label}",
    "unit_label": "（单位：{unit}）",
    "expect_percent": "百分比（如 12.5 或 12.5%）",
    "expect_date": "日期（如 2006-04-20 或 2006年4月20日）",
    "expect_phone": "电话号码（固定电话如 025-83301234，分机写 025-83301234-123；手机如 13912345678）",
    "expect_email": "电子邮箱（如 name@example.com）",
    # numbers and percentages
    "expected": "应填写{expected}，实际为“{raw}”",
    "too_large": "数字过大，应填写{expected}",
    "two_currencies": "“{raw}”前后写的币种不一致，请只填写{expected}",
    "approximate": "“{raw}”是约数，已按 {value}{unit} 读取；请填写准确数字",
    "not_integer": "应填写整数{unit_label}，实际为“{raw}”",
    "unit_written": "本栏单位为“{unit}”，单元格写的是{written}（“{raw}”）；请换算为{expected}后填写",
    "written_percent": "百分比",
    "written_amount": "金额“{written}”",
    "written_count": "数量单位“{written}”",
    "written_currency": "{currency}金额“{written}”",
    "unit_stripped": "单元格写有单位“{written}”，与本栏单位“{unit}”相同，已去除单位",
    "unit_converted": "单元格写有单位“{written}”，已按 1{full} = {factor} {unit} 换算为 {value} {unit}",
    "percent_fraction": "单元格设为百分比格式，存的是 {stored}，已按 {value}% 读取",
    "percent_units": "本栏应填写{expected}，单元格写的是“{raw}”",
    # dates
    "no_such_date": "日期不存在：{year}年{month}月{day}日，请核对后填写",
    "excel_1900_leap_day": "日期 1900年2月29日 不存在（Excel 1900 日期系统的历史错误），请核对",
    "partial_date": "“{raw}”只写到月份，已按 {year}年{month}月1日 读取；请填写完整日期（年、月、日）",
    # phones and e-mail
    "phone_expected": "{why}应填写{expected}，实际为“{raw}”",
    "phone_why": "{detail}；",
    "area_code_length": "区号“{area}”位数不对（010、02x 为 3 位，其余为 4 位）",
    "no_such_area_code": "没有区号“{area}”",
    "local_number_length": "号码应为 7 或 8 位",
    "mobile_extension": "手机号码不能带分机",
    "area_code_missing": "固定电话缺少区号",
    "phone_leading_zero": "“{raw}”像是丢了开头 0 的固定电话，已补为 {value}；请核对，并把电话单元格设为文本格式",
    # yes/no and choices
    "yesno_expected": "应填写“是”或“否”，实际为“{raw}”",
    "choice_alias": "“{raw}”已按“{value}”读取",
    "choice_expected": "应从以下选项中选择：{listing}；实际为“{raw}”",
    "choices_more": "{listing}等（共 {count} 项，见下拉列表）",
}


def value_detail(key: str, **params: Any) -> str:
    """One of VALUE_DETAILS, filled in (formkit.parse words its findings with these)."""
    return VALUE_DETAILS[key].format(**params)


# ---- the details of reading a file (formkit.read), worded here
READ_DETAILS: dict[str, str] = {
    "unreadable_path": "无法打开文件：{reason}",
    "other_form": "文件是另一种表单（{theirs}），不是本{name}（{form_id}）",
    "version_incompatible": "文件使用的模板版本为 {theirs}，当前版本为 {version}，两者不兼容，请下载最新模板",
    "version_old": "文件使用的是旧版模板（{theirs}，当前 {version}）",
    "too_few_labels": "文件不是《{name}》：没有模板的表单信息，找到的{name}标签只有 {found}/{expected} 个",
    "year_mismatch": "文件是 {theirs} 年的模板，本次收集的是 {year} 年",
    # a reading worker that gave no result (formkit.read.isolate), and why
    "worker_failed": "{reason}：{detail}",
    "worker_timeout": "读取超时",
    "worker_memory": "内存超限",
    "worker_crashed": "读取进程异常退出",
    "worker_error": "读取出错",
    "worker_exit_status": "工作进程退出，状态码 {0}",
    "worker_signal": "工作进程被信号 {0} 终止",
    "worker_no_result": "{0} 秒内未读完",
    "worker_out_of_memory": "内存不足",
}


def read_detail(key: str, *args: Any, **params: Any) -> str:
    """One of READ_DETAILS, filled in (formkit.read words its findings with these)."""
    return READ_DETAILS[key].format(*args, **params)


# ---- which file counts for an application (formkit.supersession), worded here: the reason
# each file that does not count gives, in the file lists, status and the web page
FILE_REASONS: dict[str, str] = {
    "duplicate": "与 {first} 逐字节相同（重复文件），只计一次",
    "same_version": "与 {first} 数据相同（同一版本），只计一次",
    "same_version_superseded": "；该版本已被 {winner} 替代",
    "feedback_not_redated": "是 {original} 的审核意见副本，数据有改动但填报日期未更新，仍以 {original} 为准；如为更正后的版本，请更新填报日期后重新报送",
    "same_day": "与 {winner} 填报日期相同（{day}）但数据不同，暂以收到较晚的 {winner} 为准，请核实",
    "newer_date": "被 {winner} 替代（填报日期 {winner_day} 晚于 {day}）",
    "received_later": "被 {winner} 替代（收到较晚）",
    "day_missing": "未填",
    "conflict": "同一申请单位的 {current} 与 {others} 填报日期相同但数据不同（或为改动过的审核意见副本），暂以收到较晚的 {current} 为准，请核实后让填报单位更新填报日期重新报送",
}


def file_reason(key: str, **params: Any) -> str:
    """One of FILE_REASONS, filled in."""
    return FILE_REASONS[key].format(**params)


# ---- validation: the spec's field rules, consistency, growth, and the notice's criteria
_V = "consistency"
_RULES: list[Entry] = [
    Entry(
        "required_missing",
        "error",
        "必填项未填",
        "{where}：必填项未填写。",
        "请填写后重新提交。",
        "表单必填",
        "{where}: required field is empty.",
        "required field missing",
    ),
    Entry(
        "required_when_missing",
        "error",
        "条件必填项未填",
        "{where}：{condition}时必须填写。",
        "请填写后重新提交。",
        "五(一)",
        "{where}: required when {condition}.",
        "conditionally required field missing",
    ),
    Entry(
        "not_applicable",
        "warning",
        "不适用的内容",
        "{where}：{condition}时不填写此项，实际填了“{value}”。",
        "请核对申报类型，或清空此项。",
        "五(一)",
        "{where}: not applicable when {condition}, found “{value}”.",
        "value not applicable",
    ),
    Entry(
        "negative_value",
        "error",
        "不应为负数",
        "{where}：{value} 为负数，本项应不小于 0。",
        "请核对后填写不小于 0 的数字。",
        "表单",
        "{where}: {value} is negative; must be ≥ 0.",
        "negative value",
    ),
    Entry(
        "percent_out_of_range",
        "warning",
        "增速超出合理范围",
        "{where}：{value}% 超出 {low}% 至 {high}% 的合理范围。",
        "请核对是否多写或少写了位数（增速填百分数的数值，如 12.5）。",
        "表单",
        "{where}: {value}% is outside the plausible range {low}% to {high}%.",
        "growth rate out of range",
    ),
    Entry(
        "text_too_long",
        "error",
        "文字超过字数限制",
        "{where}：共 {length} 字，超过 {limit} 字的限制，打印时显示不全。",
        "请精简到 {limit} 字以内。",
        "表单",
        "{where}: {length} characters, over the limit of {limit}.",
        "text too long",
    ),
    Entry(
        "percent_looks_fraction",
        "warning",
        "增速疑似以小数填写",
        "{where}：{value} 看起来是小数形式的百分比（表格中输入“{percent}%”会存为 {value}）；如指 {percent}%，请填 {percent}。",
        "增速填百分数的数值，如增长 20% 填 20。",
        "表单",
        "{where}: {value} looks like a fraction (“{percent}%” is stored as {value}); if {percent}% is meant, enter {percent}.",
        "percent entered as a fraction",
    ),
    Entry(
        "unit_slip",
        "error",
        "疑似单位错误（过大）",
        "{where}：{shown} {unit}{reason}，很可能按{wrong}填写；应为约 {likely} {unit}。",
        "请按标签中的单位（{unit}）填写。",
        _V,
        "{where}: {shown} {unit} is implausible ({source}); probably entered in {wrong}: likely {likely} {unit}.",
        "probable unit slip (too large)",
    ),
    Entry(
        "unit_slip_small",
        "warning",
        "疑似单位错误（过小）",
        "{where}：{shown} {unit}{reason}，可能按{wrong}填写；如是，应为约 {likely} {unit}。",
        "请按标签中的单位（{unit}）填写。",
        _V,
        "{where}: {shown} {unit} looks too small ({source}); if entered in {wrong}, likely {likely} {unit}.",
        "probable unit slip (too small)",
    ),
    Entry(
        "implausible_value",
        "warning",
        "数值不合常理",
        "{where}：{shown} {unit}{reason}（依据：{source}）。",
        "请核对数字及单位。",
        _V,
        "{where}: {shown} {unit} is implausible ({source}).",
        "implausible value",
    ),
    Entry(
        "criterion_failed",
        "error",
        "不符合申报条件",
        "{where}：不符合通知{clause_text}：{detail}。",
        "{fix_detail}",
        "六",
        "{where}: fails notice clause {clause_text}: {detail_en}.",
        "eligibility criterion failed",
    ),
    Entry(
        "criterion_manual",
        "warning",
        "申报条件需人工判断",
        "{where}：通知{clause_text}需人工判断：{detail}。",
        "请审核人员结合本地区情况判断。",
        "六",
        "{where}: clause {clause_text} needs a person's judgement: {detail}.",
        "criterion left to a person",
    ),
    Entry(
        "national_figure_missing",
        "info",
        "缺少全国统计数据",
        "参考数据中没有 {year} 年{what}（有来源的数据未找到），{use}无法计算。",
        "请省级商务主管部门核实该年数据及其来源。",
        "参考数据",
        "The reference data has no {year} figure for {what}; {use} cannot be computed.",
        "national figure missing",
    ),
    Entry(
        "criterion_unknown",
        "warning",
        "申报条件待补充材料",
        "{where}：通知{clause_text}无法判断：{detail}。",
        "{fix_detail}",
        "六",
        "{where}: clause {clause_text} cannot be judged: {detail_en}.",
        "eligibility criterion unknown",
    ),
]

# what becomes of a file among several for one application (formkit.supersession) or in
# a summary for one reporting unit: listed in the summary's file sheets and in status
_FILES: list[Entry] = [
    Entry(
        "duplicate",
        "info",
        "重复文件",
        "{where}：与 {other} 逐字节相同，只计一次。",
        "无需处理。",
        "报送",
        "{where}: byte-identical to {other}; counted once.",
        "duplicate file",
    ),
    Entry(
        "same_version",
        "info",
        "同一版本",
        "{where}：与 {other} 数据相同（另存或审核意见副本），只计一次。",
        "无需处理。",
        "报送",
        "{where}: same values as {other}; counted once.",
        "same version",
    ),
    Entry(
        "superseded",
        "info",
        "已替代",
        "{where}：被 {other} 替代（填报日期较晚，或填报日期相同而收到较晚）。",
        "无需处理；如替代有误，请让填报单位更新填报日期后重新报送。",
        "报送",
        "{where}: superseded by {other}.",
        "superseded",
    ),
    Entry(
        "version_conflict",
        "warning",
        "同日两个版本",
        "{where}：与 {other} 填报日期相同但数据不同，暂以收到较晚的文件为准。",
        "请核实哪一份为准，并让填报单位更新填报日期后重新报送。",
        "报送",
        "{where}: same 填报日期 as {other} with different values; the later received is used.",
        "two versions on one day",
    ),
    Entry(
        "other_unit",
        "error",
        "不属于本汇总",
        "{where}：报送单位为 {other}，不属于本汇总表的单位，未汇总。",
        "请转交该单位，或核对所填的单位是否正确。",
        "六(三)",
        "{where}: belongs to reporting unit {other}; not summarised here.",
        "file of another reporting unit",
    ),
    Entry(
        "other_form",
        "error",
        "不是本汇总的表单",
        "{where}：是 {other}，不是本汇总的表单，未汇总。",
        "请按该表单另行汇总。",
        "报送",
        "{where}: a file of form {other}, not the form summarised; not summarised here.",
        "file of another form",
    ),
]


# the generic codes; each form's own (formkit/forms/<form>/codes.py) join when its `Form` is
# made (formkit.forms.Form), so a form's rules never raise a code the catalogue lacks
CATALOGUE: dict[str, Entry] = {}
for _entry in [*_gate_entries(), *_E, *_RULES, *_FILES]:
    if _entry.code in CATALOGUE:
        raise RuntimeError(f"duplicate issue code {_entry.code}")
    CATALOGUE[_entry.code] = _entry


def add_codes(entries: Sequence[Entry]) -> None:
    """A form's own codes (formkit.forms.Form); a code may not change its meaning."""
    for entry in entries:
        known = CATALOGUE.get(entry.code)
        if known is not None and known != entry:
            raise ValueError(f"issue code {entry.code} is already defined differently")
        CATALOGUE[entry.code] = entry


def remove_codes(entries: Sequence[Entry]) -> None:
    for entry in entries:
        if CATALOGUE.get(entry.code) == entry:
            del CATALOGUE[entry.code]
