"""The recommendation (通知六(三)): which applications each reporting unit recommends, in
which order, and its 推荐文件 and 报部名单. `formkit recommend`, `formkit roster
--recommended` and the province's 推荐文件 page all decide here.

From the ledger formkit proposes (ranking key, quota); from provincial summaries the
decision columns a person may have edited are read back (`settle`), and a summary made
before those columns existed gets formkit's proposal.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formkit.forms import get_form
from formkit.forms.shenbaoshu.letters import (
    LetterInfo,
    Written,
    letter_notes,
    list_docx,
    list_xlsx,
    recommendation_docx,
    write_documents,
)
from formkit.forms.shenbaoshu.recommend import (
    RECOMMEND,
    RankKey,
    RankKeyError,
    by_unit,
    propose,
    rank_key,
    settle,
    shown,
)
from formkit.reference import Reference
from formkit.rollup import NotASummary, read_summary
from formkit.rounds.summary import from_ledger

__all__ = [
    "DOCUMENTS",
    "Decision",
    "NotASummary",
    "RankKeyError",
    "UnitDecision",
    "decide_from_ledger",
    "decide_from_summaries",
    "document",
    "ranking",
    "recommended_pairs",
    "row_text",
    "write_unit_documents",
]

# the documents of one unit, by the name the web page downloads them under:
# (file name prefix, suffix, what the audit trail calls it)
DOCUMENTS = {
    "recommendation.docx": ("推荐文件", ".docx", "推荐文件"),
    "public.xlsx": ("报部名单", ".xlsx", "报部名单（Excel）"),
    "public.docx": ("报部名单", ".docx", "报部名单（Word）"),
}


def ranking(rank_by: str | None = None) -> RankKey:
    """The ranking key of `--rank-by` (default: 审核结论, then 高新技术产品出口额); raises
    RankKeyError (its message in Chinese) for a column the summary does not have."""
    return rank_key(rank_by)


@dataclass(frozen=True)
class UnitDecision:
    """One reporting unit's applications with their decision (推荐次序, 推荐意见, 理由)."""

    unit: str  # "" when the files name no reporting unit
    apps: list[dict[str, Any]]
    year: int

    @property
    def ordered(self) -> list[dict[str, Any]]:
        """In 推荐次序, then the others."""
        return sorted(self.apps, key=lambda a: (a.get("_rank") is None, a.get("_rank") or 0))

    @property
    def tag(self) -> str:
        """The name in the documents' file names."""
        return self.unit or "全国"

    @property
    def chosen(self) -> int:
        return sum(1 for a in self.apps if a.get("_decision") == RECOMMEND)


@dataclass(frozen=True)
class Decision:
    units: list[UnitDecision]
    key: str  # the ranking key in words
    # a decision that could not be read, a quota exceeded (from summaries; Chinese)
    problems: list[str] = field(default_factory=list)

    def unit(self, name: str | None) -> UnitDecision | None:
        """A unit by name; with no name, the only one (None when there are several)."""
        if name is None:
            return self.units[0] if len(self.units) == 1 else None
        return next((u for u in self.units if u.unit == name), None)


def _decision(
    apps: list[dict[str, Any]], year: int, unit: str | None, key: RankKey, problems: list[str]
) -> Decision:
    units = [UnitDecision(name, members, year or 2006) for name, members in by_unit(apps, unit)]
    return Decision(units, key.shown, problems)


def decide_from_ledger(
    db: str | os.PathLike[str],
    *,
    reference: Reference,
    unit: str | None = None,
    key: RankKey | None = None,
    inputs: Sequence[str] | None = None,
) -> Decision:
    """formkit's proposal for the ledger's current applications (of reporting unit `unit`,
    if given): the same files as `formkit summary --db`, ranked by `key`, within quota."""
    key = key or ranking()
    data, _ = from_ledger(db, reference=reference, unit=unit, inputs=inputs)
    propose(data.applications, reference=reference, key=key)
    return _decision(data.applications, data.year, unit, key, [])


def decide_from_summaries(
    paths: Iterable[str | os.PathLike[str]],
    *,
    reference: Reference,
    unit: str | None = None,
    key: RankKey | None = None,
) -> tuple[Decision, bool]:
    """The decision the summaries record (the columns a person may have edited), and
    whether they record one (False: made before the decision columns, so formkit
    proposed, ranking by `key`). Raises NotASummary naming the file."""
    apps: list[dict[str, Any]] = []
    year = 0
    for path in paths:
        try:
            part = read_summary(Path(path))[1]
        except NotASummary as exc:
            raise NotASummary(f"{path}：{exc}") from None
        apps += part.applications
        year = year or part.year
    key = key or ranking()
    if any(a.get("_proposed_decision") for a in apps):
        return _decision(apps, year, unit, key, settle(apps, reference=reference).problems), True
    propose(apps, reference=reference, key=key)
    return _decision(apps, year, unit, key, []), False


def recommended_pairs(
    path: str | os.PathLike[str], app_form: str | None, *, reference: Reference
) -> tuple[list[tuple[str, str]], list[str]]:
    """(unit, subject) of the applications a provincial summary marks 推荐, read back as
    `formkit recommend` reads them (the person's decisions, else formkit's proposal), and
    the problems reading the decisions. Raises NotASummary naming the file."""
    try:
        apps = read_summary(Path(path), app_form)[1].applications
    except NotASummary as exc:
        raise NotASummary(f"{path}：{exc}") from None
    problems: list[str] = []
    if any(a.get("_proposed_decision") for a in apps):
        problems = settle(apps, reference=reference).problems
    else:
        propose(apps, reference=reference)
    roles = get_form(app_form).spec.roles
    pairs = []
    for a in apps:
        if a.get("_decision") == RECOMMEND:
            found = reference.unit(str(a.get(roles.unit) or ""))
            name = str(a.get(roles.subject) or "")
            pairs.append((found.name if found is not None else str(a.get(roles.unit)), name))
    return pairs, problems


def row_text(app: Mapping[str, Any]) -> tuple[str, str]:
    """(applicant, application type) as the decision table shows them."""
    return shown(app)


def write_unit_documents(
    unit: UnitDecision,
    output: str | os.PathLike[str],
    *,
    contact: str = "",
    phone: str = "",
    date: dt.date | None = None,
    authority: str | None = None,
    signer: str = "",
    doc_code: str = "",
) -> tuple[Written, list[str]]:
    """The unit's 推荐文件 (a 请示, .docx) and 报部名单 (.xlsx, .docx) in `output`, and what
    the sender should know about them (the 发文机关 taken, reasons left blank)."""
    info = LetterInfo(
        unit.year, unit.unit or None, contact, phone, date, authority, signer, doc_code
    )
    return write_documents(unit.apps, info, Path(output)), letter_notes(unit.apps, info)


def document(unit: UnitDecision, kind: str) -> tuple[str, bytes]:
    """(file name, bytes) of one of the unit's documents (a key of DOCUMENTS), as
    `formkit recommend --db` writes it (blank 联系人, 联系电话 and date to fill in)."""
    prefix, suffix, _ = DOCUMENTS[kind]
    info = LetterInfo(unit.year, unit.unit or None)
    build = {
        "recommendation.docx": recommendation_docx,
        "public.xlsx": list_xlsx,
        "public.docx": list_docx,
    }[kind]
    return f"{prefix}-{unit.tag}{suffix}", build(unit.apps, info)
