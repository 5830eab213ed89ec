"""Checked files as people read them: the result table, the versions that will not count,
and the `--json` contract (README: {"formkit", "reference", "results", "files", "across"}),
written as results arrive."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from formkit import __version__
from formkit.atomic import atomic_output
from formkit.cli.common import (
    err,
    fail,
    out,
)
from formkit.forms import spec_of
from formkit.issues import render
from formkit.supersession import candidate, conflict_message, decide

MAX_TABLE_ROWS = 50
VERDICT_STYLE = {"符合": "green", "不符合": "red", "待补充材料": "yellow"}
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


def print_results(
    results: list[Any], details: bool, lang: str = "zh", console: Console | None = None
) -> None:
    show = console or out

    table = Table(title=f"共 {len(results)} 个文件", show_lines=False)
    for col in ("文件", "推荐单位", "状态", "审核结论", "错误", "警告"):
        table.add_column(col, justify="right" if col in ("错误", "警告") else "left")
    # a long batch lists only the files that need attention; --json and the summary have all
    shown_rows = results
    if len(results) > MAX_TABLE_ROWS:
        shown_rows = [r for r in results if r.status == "rejected" or r.errors][:MAX_TABLE_ROWS]
    for r in shown_rows:
        status = "[green]已受理[/]" if r.status == "accepted" else "[red]未受理[/]"
        unit = r.values.get(spec_of(r).roles.unit) or ""
        if r.rejection is not None:
            reason = render(r.rejection, lang) if lang == "en" else r.rejection.message
            status += "：" + escape(reason)
        verdict = r.verdict or ""
        shown = f"[{VERDICT_STYLE[verdict]}]{verdict}[/]" if verdict in VERDICT_STYLE else verdict
        if any(c.get("status") == "manual" for c in r.criteria):
            shown += "（需人工判断）"
        table.add_row(
            escape(Path(r.file).name),
            escape(str(unit)),
            status,
            shown,
            str(r.errors),
            str(r.warnings),
        )
    show.print(table)
    if len(shown_rows) < len(results):
        show.print(
            f"（共 {len(results)} 个文件，上表只列出未受理或有错误的前 {len(shown_rows)} 个）"
        )
    verdicts = {v: sum(1 for r in results if r.verdict == v) for v in VERDICT_STYLE}
    accepted = sum(1 for r in results if r.status == "accepted")
    show.print(
        f"已受理 {accepted} 个，未受理 {len(results) - accepted} 个；"
        + "，".join(f"{v} {n} 个" for v, n in verdicts.items())
        + "。"
    )
    if not details:
        return
    order = {"error": 0, "warning": 1, "info": 2}
    rows = sorted(((r, i) for r in results for i in r.issues), key=lambda ri: order[ri[1].severity])
    # errors, then warnings; then the hints (conversions, likely intended values) on their own
    for title, wanted in (("问题清单", ("error", "warning")), ("提示", ("info",))):
        chosen = [(r, i) for r, i in rows if i.severity in wanted]
        if not chosen and wanted == ("info",):
            continue
        table = Table(title=title, show_lines=False)
        for col in ("文件", "级别", "工作表", "单元格", "说明"):
            table.add_column(col, overflow="fold")
        for r, i in chosen:
            message = render(i, lang) if lang == "en" else i.message
            level = i.severity if lang == "en" else SEVERITY_ZH[i.severity]
            table.add_row(
                escape(Path(r.file).name),
                level,
                escape(i.sheet or ""),
                i.cell or "",
                escape(message),
            )
        show.print(table)


def slim(sub: Any) -> Any:
    """What the result table and --details need of a checked file, and no more."""
    unit_field = spec_of(sub).roles.unit
    sub.values = {unit_field: sub.values.get(unit_field)} if sub.values else {}
    # the criteria a person must judge still mark the verdict in the table
    sub.sources, sub.computed = {}, {}
    sub.criteria = [c for c in sub.criteria if c.get("status") == "manual"]
    return sub


class Versions:
    """Which of the checked files counts for each application (formkit.supersession), for
    the end of `check`: files that will not count, and same-day conflicts to verify."""

    def __init__(self, reference: Any) -> None:
        self.reference = reference
        self.cands: list[Any] = []

    def add(self, sub: Any) -> None:
        try:
            mtime = os.stat(sub.location).st_mtime  # file is a display name for a GBK name
        except OSError:
            mtime = 0.0
        self.cands.append(
            candidate(
                sub, spec_of(sub), self.reference, handle=sub.file, received=(mtime, sub.file)
            )
        )

    def rows(self) -> list[dict[str, Any]]:
        """One row per file: the `files` list of the --json output."""
        decisions = decide(self.cands)
        names = {c.handle: c.name for c in self.cands}
        by_handle = {c.handle: c for c in self.cands}
        out = []
        for c in self.cands:
            d = decisions[c.handle]
            out.append(
                {
                    "file": c.handle,
                    "sha256": c.sha256,
                    "disposition": d.disposition,
                    "current": by_handle[d.winner].handle if d.winner else None,
                    "reason": d.reason,
                    "conflicts": [names[h] for h in d.conflicts],
                }
            )
        return out

    def print(self, console: Console) -> None:
        rows = self.rows()
        later = [r for r in rows if r["disposition"] in ("duplicate", "same_version", "superseded")]
        if later:
            table = Table(title="同一申请单位的多个文件：以下文件不计入汇总")
            for col in ("文件", "说明"):
                table.add_column(col, overflow="fold")
            for r in later:
                table.add_row(escape(Path(r["file"]).name), escape(r["reason"]))
            console.print(table)
        for r in rows:
            if r["conflicts"]:
                message = conflict_message(Path(r["file"]).name, r["conflicts"])
                console.print(f"[yellow]警告：[/]{escape(message)}")


class JsonOut:
    """The --json contract {"formkit", "reference", "results": [...]}, streamed: each
    result is written as it arrives, into a temporary file renamed into place at the end
    ("-" writes to standard output)."""

    def __init__(self, target: Path | None, reference: Any, lang: str = "zh") -> None:
        self.target, self.reference, self.lang = target, reference, lang
        self.count = 0
        # which file counts for each application: written after the results
        self.files: list[dict[str, Any]] | None = None
        # issues found across periods (a periodic form's summary), by file
        self.across: list[dict[str, Any]] | None = None
        self._ctx: Any = None
        self._fh: Any = None

    def __enter__(self) -> JsonOut:
        if self.target is None:
            return self
        if str(self.target) == "-":
            self._fh = sys.stdout.buffer
        else:
            try:
                self._ctx = atomic_output(self.target)
                self._fh = self._ctx.__enter__()
            except OSError as exc:
                raise fail(f"无法写出 {self.target}：{exc}") from None
        head = (
            "{\n"
            f'  "formkit": {json.dumps(__version__)},\n'
            f'  "reference": {json.dumps(reference_json(self.reference), ensure_ascii=False)},\n'
            '  "results": [\n'
        )
        self._fh.write(head.encode("utf-8"))
        return self

    def add(self, sub: Any) -> None:
        if self._fh is None:
            return
        doc = sub.to_json()
        if self.lang == "en":
            for item, issue in zip(doc["issues"], sub.issues, strict=True):
                item["message"] = render(issue, "en")
        text = json.dumps(doc, ensure_ascii=False, indent=2)
        self._fh.write(((",\n" if self.count else "") + text).encode("utf-8"))
        self.count += 1

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._fh is None:
            return
        if exc_type is None:
            tail = "\n  ]"
            if self.files is not None:
                tail += ',\n  "files": ' + json.dumps(self.files, ensure_ascii=False, indent=2)
            if self.across is not None:
                tail += ',\n  "across": ' + json.dumps(self.across, ensure_ascii=False, indent=2)
            self._fh.write((tail + "\n}\n").encode("utf-8"))
        if self._ctx is not None:
            try:
                self._ctx.__exit__(exc_type, exc, tb)
            except OSError as error:
                raise fail(f"无法写出 {self.target}：{error}") from None
            if exc_type is None:
                err.print(f"结果已写入 {self.target}")
        else:
            self._fh.flush()


def across_json(found: list[Any]) -> list[dict[str, Any]] | None:
    """Issues the rules across periods found, each with its file: they are not in the
    file's own result, which was written when it arrived."""
    if not found:
        return None
    by_file: dict[str, dict[str, Any]] = {}
    for sub, issue in found:
        entry = by_file.setdefault(
            sub.sha256, {"file": sub.file, "sha256": sub.sha256, "issues": []}
        )
        entry["issues"].append(issue.to_json())
    return list(by_file.values())


def write_json(target: Path, results: list[Any], reference: Any, lang: str = "zh") -> None:
    with JsonOut(target, reference, lang) as stream:
        for r in results:
            stream.add(r)


def reference_json(reference: Any) -> dict[str, Any]:
    """The effective reference values, echoed so a reader of the output knows what was used."""
    return {
        "sources": list(reference.sources),
        "thresholds": dict(reference.thresholds),
        "national": {
            str(y): {
                "total_exports": n.total_exports,
                "hitech_exports": n.hitech_exports,
                "gdp": n.gdp,
                "source": f"{n.total_exports_source}; {n.hitech_exports_source}",
                "figures": {
                    name: {
                        "value": f.value,
                        "source": f.source,
                        "exact": f.exact,
                        "margin": f.margin,
                    }
                    for name, f in n.figures.items()
                },
            }
            for y, n in sorted(reference.national.items())
        },
        "exchange_rates": {
            str(y): r.rmb_per_usd for y, r in sorted(reference.exchange_rates.items())
        },
        "notice": {k: v for k, v in reference.notice.items()},
    }
