"""Issues as data, and the one catalogue of every issue code.

An `Issue` has a stable code, a severity, where it is (file is the caller's; field,
sheet, cell), the offending value, a Chinese message and the rule it comes from. The
message is built from the catalogue's template, so wording lives in one place;
`docs/issues.md` is generated from `CATALOGUE`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
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


@dataclass(frozen=True)
class Issue:
    code: str
    severity: Severity
    message: str
    field: str | None = None
    sheet: str | None = None
    cell: str | None = None
    value: Any = None
    clause: str | None = None
    # the other fields a cross-field check compared this one with: when it is an error,
    # their values are as doubtful as this one's (no total may count them)
    related: tuple[str, ...] = ()
    params: dict[str, Any] = dc_field(default_factory=dict, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "field": self.field,
            "sheet": self.sheet,
            "cell": self.cell,
            "value": json_value(self.value),
            "message": self.message,
            "clause": self.clause,
            "related": list(self.related),
        }


def json_value(value: Any) -> Any:
    """A raw or typed value as JSON: dates as ISO text, other non-JSON types as text."""
    import datetime as dt

    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


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

_GATE_TITLES = {
    "empty": "空文件",
    "too_large": "文件过大",
    "truncated": "文件不完整",
    "not_spreadsheet": "不是电子表格",
    "html_as_xls": "网页格式冒充 .xls",
    "text_as_xls": "文本格式冒充 .xls",
    "obsolete_xls": "过旧的 Excel 格式",
    "xlsb": "二进制工作簿 .xlsb",
    "strict_ooxml": "严格（Strict）格式的 Open XML",
    "encrypted": "文件已加密",
    "zip_bomb": "压缩内容异常",
    "too_many_entries": "文件结构异常",
    "bad_compression": "压缩方式不受支持",
    "bad_zip_names": "文件结构异常",
    "xml_doctype": "文件含不安全内容",
    "macros": "含宏",
    "external_links": "含外部链接",
    "embedded_objects": "含嵌入对象",
    "activex": "含 ActiveX 控件",
}


def _gate_entries() -> list[Entry]:
    # the gate (stdlib only, no spreadsheet library) owns the wording of its findings
    from formkit.read.gate import REJECTION_CODES, WARNING_CODES

    entries = [Entry(c, "error", _GATE_TITLES.get(c, c), t, "") for c, t in REJECTION_CODES.items()]
    entries += [
        Entry(c, "warning", _GATE_TITLES.get(c, c), t, "") for c, t in WARNING_CODES.items()
    ]
    return entries


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
        "不属于本推荐单位",
        "{where}：推荐单位为 {other}，不属于本汇总表的推荐单位，未汇总。",
        "请转交该推荐单位，或核对推荐单位填写是否正确。",
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


class _Catalogue(dict[str, Entry]):
    """The generic codes, joined by each built-in form's own (formkit/forms/<form>/codes.py)
    the first time the catalogue is read: a form's rules import this module, so the forms
    cannot be imported while it loads."""

    _complete = False

    def _load(self) -> None:
        if not _Catalogue._complete:
            _Catalogue._complete = True
            from formkit.forms import all_codes

            add_codes(all_codes())

    def __getitem__(self, code: str) -> Entry:
        self._load()
        return super().__getitem__(code)

    def get(self, code: str, default: Any = None) -> Any:
        self._load()
        return super().get(code, default)

    def __contains__(self, code: object) -> bool:
        self._load()
        return super().__contains__(code)

    def __iter__(self) -> Iterator[str]:
        self._load()
        return super().__iter__()

    def __len__(self) -> int:
        self._load()
        return super().__len__()

    def items(self) -> Any:
        self._load()
        return super().items()

    def values(self) -> Any:
        self._load()
        return super().values()

    def keys(self) -> Any:
        self._load()
        return super().keys()


CATALOGUE: dict[str, Entry] = _Catalogue()
for _entry in [*_gate_entries(), *_E, *_RULES, *_FILES]:
    if dict.__contains__(CATALOGUE, _entry.code):
        raise RuntimeError(f"duplicate issue code {_entry.code}")
    CATALOGUE[_entry.code] = _entry


def add_codes(entries: Sequence[Entry]) -> None:
    """A form's own codes (formkit.forms.register); a code may not change its meaning."""
    for entry in entries:
        known = dict.get(CATALOGUE, entry.code)
        if known is not None and known != entry:
            raise ValueError(f"issue code {entry.code} is already defined differently")
        CATALOGUE[entry.code] = entry


def remove_codes(entries: Sequence[Entry]) -> None:
    for entry in entries:
        if dict.get(CATALOGUE, entry.code) == entry:
            dict.pop(CATALOGUE, entry.code)


# codes the summaries show that are not findings in a file's content
_OTHER_TITLES = {"superseded": "已被新版本替代", "same_version": "同一版本重复报送"}


def title(code: str) -> str:
    """The Chinese name of a code (问题类型), for every sheet an official reads; the code
    itself stays in --json and in the tables' last, machine-readable column."""
    entry = CATALOGUE.get(code)
    if entry is not None:
        return entry.title
    return _OTHER_TITLES.get(code, code)


# the clause a criterion cites, as a reader sees it ("consistency" is the data checks')
_CLAUSE_NAMES = {"consistency": "数据核对", "读取": "读取"}


def clause_name(clause: str | None) -> str:
    if not clause:
        return ""
    return _CLAUSE_NAMES.get(clause, clause)


class _Blank(dict[str, Any]):
    """Format params; a missing one shows as "…" rather than failing the message."""

    def __init__(self, params: dict[str, Any] | None = None, **extra: Any) -> None:
        super().__init__({**(params or {}), **extra})

    def __missing__(self, key: str) -> str:
        return "…"


def make_issue(
    code: str,
    *,
    field: str | None = None,
    sheet: str | None = None,
    cell: str | None = None,
    value: Any = None,
    label: str | None = None,
    severity: Severity | None = None,
    clause: str | None = None,
    related: tuple[str, ...] = (),
    **params: Any,
) -> Issue:
    """Build an Issue from the catalogue: the message says where, what, and how to fix it."""
    entry = CATALOGUE[code]
    params = {"label": label or "", "value": _shown(value), **params}
    issue = Issue(
        code=code,
        severity=severity or entry.severity,
        message="",
        field=field,
        sheet=sheet,
        cell=cell,
        value=value,
        clause=clause or entry.clause,
        related=tuple(related),
        params=params,
    )
    return _with_message(issue, render(issue, "zh"))


def _with_message(issue: Issue, message: str) -> Issue:
    from dataclasses import replace

    return replace(issue, message=message)


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if value is None:
        return ""
    return json_value(value) if not isinstance(value, str) else value


def where_zh(issue: Issue) -> str:
    """Where an issue is, as its Chinese message begins: 工作表“…” C6（标签）."""
    label = issue.params.get("label", "")
    where = " ".join(
        p for p in (f"工作表“{issue.sheet}”" if issue.sheet else "", issue.cell or "") if p
    )
    if label:
        where = f"{where}（{label}）" if where else f"“{label}”"
    return where or "文件"


def unplaced(message: str, sheet: str | None, cell: str | None) -> str:
    """A message without the place a table's own columns show (工作表, 单元格): its leading
    "工作表“…” C6（标签）：" becomes "标签：". A message that does not begin with its place
    is returned as it is."""
    place = " ".join(p for p in (f"工作表“{sheet}”" if sheet else "", cell or "") if p)
    if not place or not message.startswith(place):
        return message
    rest = message[len(place) :].lstrip()
    if rest.startswith("："):
        return rest[1:]
    if not rest.startswith("（"):
        return message
    depth = 0
    for k, ch in enumerate(rest):
        depth += {"（": 1, "）": -1}.get(ch, 0)
        if depth == 0:
            tail = rest[k + 1 :]
            return f"{rest[1:k]}：{tail[1:]}" if tail.startswith("：") else message
    return message


def render(issue: Issue, lang: str = "zh") -> str:
    """The issue's message in Chinese ("zh") or English ("en"), from the catalogue's templates."""
    entry = CATALOGUE[issue.code]
    label = issue.params.get("label", "")
    if lang == "en":
        where = " ".join(
            p for p in (f"sheet “{issue.sheet}”" if issue.sheet else "", issue.cell or "") if p
        )
        if label:
            where = f"{where} ({label})" if where else f"“{label}”"
        template = entry.template_en or "{where}: " + (entry.title_en or entry.title) + "."
        return template.format_map(_Blank(issue.params, where=where or "file"))
    fields = _Blank(issue.params, where=where_zh(issue))
    return with_fix(issue.code, entry.template.format_map(fields), fields)


def with_fix(code: str, text: str, params: Mapping[str, Any] | None = None) -> str:
    """`text` followed by how to fix it: the code's fix with its placeholders filled from
    `params` (criterion_failed's fix is the criterion's own, {fix_detail}). Every message
    that ends with a fix is built here, so none shows a bare placeholder."""
    fix = CATALOGUE[code].fix.format_map(_Blank(dict(params or {})))
    return f"{text.rstrip('。')}。{fix}" if fix and fix not in text else text
