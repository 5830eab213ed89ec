"""One file's state and its reason, as every output shows them (issue #21 item 6).

`ingest`, `status`, the web page and the summary once each worked out a file's state: a
quarterly report whose error only the check across periods finds was 已收到 in `ingest` and
有错误 in `status`. Here is the one rule: the file's own state (formkit.ledger.FileRecord)
and, for a current file of a periodic form, its issues across periods (an error among them
makes it 有错误); the reason is the first thing to correct. A file received before (the
same bytes) is told with what it was registered as, and when.
"""

from __future__ import annotations

from collections.abc import Iterable

from formkit.issues import Issue
from formkit.ledger import FileRecord, issue_text
from formkit.ledger.model import shown_state

__all__ = ["registered_reason", "shown_state", "state_reason"]


def state_reason(record: FileRecord | None, across: Iterable[Issue] = ()) -> str:
    """Why `record` is in its shown state, in one line: its own errors, else the first
    error across periods (file, sheet and cell first); "" when there is nothing to say."""
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
