"""One file's state and its reason, as every output shows them (issue #21 item 6).

`ingest`, `status`, the web page and the summary once each worked out a file's state: a
quarterly report whose error only the check across periods finds was 已收到 in `ingest` and
有错误 in `status`. Here is the one rule: the file's own state (formkit.ledger.FileRecord)
and, for a current file of a periodic form, its issues across periods (an error among them
makes it 有错误); the reason is the first thing to correct. A file received before (the
same bytes) is told with what it was registered as, and when.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from formkit.issues import Issue
    from formkit.ledger import FileRecord

# the states that hold no error: an error across periods turns them into 有错误
_CLEAN = ("待补充材料", "不符合", "需人工判断", "符合", "已收到")


def _severity(issue: Issue | Mapping[str, Any]) -> str:
    if isinstance(issue, Mapping):
        return str(issue.get("severity") or "")
    return issue.severity


def shown_state(record: FileRecord | None, across: Iterable[Issue | Mapping[str, Any]] = ()) -> str:
    """The state shown for `record` (None: 未收到), counting its issues across periods."""
    if record is None:
        return "未收到"
    state: str = record.state
    if state in _CLEAN and any(_severity(i) == "error" for i in across):
        return "有错误"
    return state


def state_reason(record: FileRecord | None, across: Iterable[Issue] = ()) -> str:
    """Why `record` is in its shown state, in one line: its own errors, else the first
    error across periods (file, sheet and cell first); "" when there is nothing to say."""
    from formkit.ledger import issue_text

    if record is None:
        return ""
    if record.state == "有错误" and record.problem:
        return record.problem
    errors = [i for i in across if i.severity == "error"]
    if errors:
        more = f"；另有 {len(errors) - 1} 处（跨期核对）" if len(errors) > 1 else ""
        return f"跨期核对：{issue_text(record.original_name, errors[0]).rstrip('。')}{more}。"
    return record.problem or ""


def registered_reason(record: FileRecord | None, title: str = "") -> str:
    """Why a file received again is not registered again: what it was registered as (the
    unit, the subject, the period of a periodic form) and when it came; whether it is
    still the current file."""
    if record is None:
        return "同一文件已登记过。"
    who = "，".join(x for x in (record.unit, record.subject) if x)
    what = title or "文件"
    if record.period:
        year, _, rest = record.period.partition("/")
        what = f"{year}年{rest}的{what}"
    day = record.received_at.astimezone().strftime("%Y-%m-%d")
    text = f"同一文件已于 {day} 登记为{(who + '的') if who else ''}{what}"
    if record.superseded_by is not None:
        text += "（已被较新的文件替代）"
    if record.period:
        text += "；报送其他报告期请填写并上报该期的文件"
    return text + "。"
