"""The province's status page: each problem with its severity and a short text, the long
text behind it (issue #21 item 8). A quarterly report's problems are paragraphs ("出口额：
2007年第三季度1月至本季度累计出口额为 … 请核对本季度和上季度的累计数…"): the page lists
them as "错误 累计数减少（D16）" and opens the paragraph on a click (<details>)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from formkit.issues import title

if TYPE_CHECKING:
    from formkit.ledger import StatusRow

SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}
# a short text is at most this many characters; a longer one is cut at a pause
SHORT = 24


# a message placed at its cell: 工作表“季度数据” C17（其中：高新技术产品出口额）：…
_PLACED = re.compile(r"^工作表“[^”]*”\s*([A-Z]{1,3}\d+)（([^）]{1,30})）：")


def short_text(text: str) -> str:
    """What a message is about, short: the field and cell it is placed at ("出口额（C17）"),
    else its first part up to a pause (；。), at most SHORT characters."""
    text = text.strip()
    placed = _PLACED.match(text)
    if placed:
        label = placed.group(2).rsplit("：", 1)[-1]  # 其中：高新技术产品出口额 -> the name
        return f"{label}有误（{placed.group(1)}）"
    for stop in ("；", "。"):
        head, found, _ = text.partition(stop)
        if found:
            text = head
    return text if len(text) <= SHORT else text[: SHORT - 1] + "…"


def status_problems(row: StatusRow) -> list[dict[str, str]]:
    """One status row's problems: {"severity", "level", "short", "detail"} ("detail" empty
    when the short text is the whole), its file's own errors first, then each issue
    across periods, placed at its sheet and cell."""

    last = row.last
    out: list[dict[str, str]] = []
    if last is not None and last.state == "有错误" and last.problem:
        short = short_text(last.problem)
        if last.data_errors > 1:  # the first named, the others counted
            short += f" 等 {last.data_errors} 处"
        whole = last.problem.rstrip("。")
        out.append(
            {
                "severity": "错误",
                "level": "error",
                "short": short,
                "detail": "" if short == whole else last.problem,
            }
        )
    for i in row.across:
        # the messages name their sheet and cell already, as the file pages show them
        where = " ".join(x for x in (i.sheet and f"工作表“{i.sheet}”", i.cell) if x)
        placed = not where or (i.cell or "") in i.message
        detail = i.message if placed else f"{where}：{i.message}"
        kind = title(i.code)
        short = f"{kind}（{i.cell}）" if i.cell else kind
        out.append(
            {
                "severity": SEVERITY.get(i.severity, "提示"),
                "level": i.severity if i.severity in SEVERITY else "info",
                "short": short,
                "detail": detail,
            }
        )
    return out
