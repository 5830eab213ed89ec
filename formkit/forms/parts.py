"""A form's typed parts beyond its rules: what the summary and the roll-up call
(`SummaryPart`), and the outputs only the form has (`Documents`).

Each is a field, None where the form has nothing of its own there; the summary
(formkit/summary) writes what every form has and calls these for the rest. They work on the
summary's records (`formkit.records`) and write with its kit (`Writer`, the sheet helpers):
the kit sits below the forms (docs/architecture.md), so a form may use it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from xlsxwriter.worksheet import Worksheet

    from formkit.records import Col
    from formkit.reference import Reference, ReportingUnit
    from formkit.spec import FormSpec
    from formkit.summary import SummaryData, Writer

# a summary record: one application's values and the summary's own "_…" entries
Record = dict[str, Any]


@dataclass(frozen=True)
class SummaryPart:
    """A form's own parts of the provincial summary and the national roll-up."""

    # before the sheets: the form's order of the 汇总表 and anything it proposes (the
    # 申报书's recommendation, ranked by `rank_by`); returns the ranking as shown
    prepare: Callable[[SummaryData, FormSpec, Reference, str | None], str] | None = None
    # the printed 汇总表's columns and 明细's, from the engine's
    print_columns: Callable[[FormSpec, list[Col]], list[Col]] | None = None
    detail_columns: Callable[[FormSpec, list[Col]], list[Col]] | None = None
    # (national?, the ranking as shown) -> the 汇总表's note beside its title, and the keys
    # of the columns a person may edit there
    print_note: Callable[[bool, str], tuple[str, tuple[str, ...]]] | None = None
    # after the 汇总表 is written: (sheet, its columns, last row, national?)
    print_after: Callable[[Worksheet, Sequence[Col], int, bool], None] | None = None
    # the form's own sheets: called with "after_detail" and with "after_files"
    sheets: Callable[[Writer, str], None] | None = None
    # the 统计 sheet's own table from `row`; returns the next free row
    stats: Callable[[Writer, Worksheet, int], int] | None = None
    # the 说明 sheet's lines, as the form words them
    notes: Callable[[Writer, list[tuple[str, str]]], list[tuple[str, str]]] | None = None
    # the applications the programme's progress may count (the 申报书's 通知一)
    counted_towards_targets: (
        Callable[[Sequence[Mapping[str, Any]], FormSpec, Reference], list[Mapping[str, Any]]] | None
    ) = None
    # the roll-up reads each province's decision back: 说明 lines of what does not add up
    settle: Callable[[Sequence[Record], Reference], list[tuple[str, str]]] | None = None
    # a review across one reporting unit's current applications (the 申报书's 六(二)(2) by
    # rank): per application, in order, the record entries to update ("_settle_issue": the
    # issue of 问题清单 it settles)
    unit_review: (
        Callable[[Sequence[Record], Reference, ReportingUnit | None], list[Record]] | None
    ) = None


# ---------------------------------------------------------------- documents


class Ranking(Protocol):
    """How a recommendation ranks applications; `shown` says it in words."""

    @property
    def shown(self) -> str: ...


class Settlement(Protocol):
    """A person's decisions read back; `problems` says what does not add up, in Chinese."""

    @property
    def problems(self) -> list[str]: ...


@dataclass(frozen=True)
class Document:
    """One document of one reporting unit's decided applications (the 推荐文件, the 报部名单):
    what people call it (the start of its file name), its suffix, and how it is made from
    the applications and the particulars the sender gives (`Recommendation.particulars`)."""

    name: str
    suffix: str
    build: Callable[[Sequence[Mapping[str, Any]], Any], bytes]


@dataclass(frozen=True)
class Recommendation:
    """A form's decision over its applications, and the documents that carry it (the
    申报书's 六(三): ranking, quota, 推荐 or 不推荐, the 推荐文件 and 报部名单). The command
    line and the web page reach it through `Form.documents`, never a form package."""

    # a ranking key as the sender writes it (None: the form's default); raises ValueError
    # (with a Chinese message) for a key the form does not know
    rank_key: Callable[[str | None], Ranking]
    # (applications, *, reference, key) -> None: the form's proposal, into the records
    propose: Callable[..., None]
    # (applications, *, reference) -> the decisions a person left on the summary, read back
    settle: Callable[..., Settlement]
    # (applications, unit or None) -> [(reporting unit, its applications)], in order
    by_unit: Callable[[Sequence[Record], str | None], list[tuple[str, list[Record]]]]
    # an application as a list shows it: (who applies, its type)
    shown: Callable[[Mapping[str, Any]], tuple[str, str]]
    # the decision (a record's "_decision") that recommends
    recommended: str
    # (year, unit, contact, phone, date, authority, signer, doc_code) -> the particulars the
    # documents are made with
    particulars: Callable[..., Any]
    # (applications, particulars, folder) -> what was written; the notes to show the sender
    write: Callable[[Sequence[Mapping[str, Any]], Any, Path], Any]
    notes: Callable[[Sequence[Mapping[str, Any]], Any], list[str]]
    # each document, by the key a download names it with
    documents: Mapping[str, Document] = field(default_factory=dict)


@dataclass(frozen=True)
class Documents:
    """Outputs only this form has (`Form.documents`); each None where it has none."""

    # the province's recommendation and its 推荐文件 / 报部名单
    recommendation: Recommendation | None = None
    # written beside the national roll-up: (file name, content) (the 申报书's national
    # 推荐名单（公示）: .xlsx, .docx and a web page)
    rollup: Callable[[SummaryData, Reference], list[tuple[str, bytes]]] | None = None


# ---------------------------------------------------------------- made when first used

P = TypeVar("P", SummaryPart, Documents)


@dataclass(frozen=True)
class Later(Generic[P]):
    """A form's part given as the function that makes it, called the first time the part
    is read (`Form.summary`, `Form.documents`): a form's summary and documents import what
    a check does not need (xlsxwriter, the letters), and a check of one file does not wait
    for them. `make` is a function of the form's package (picklable by name)."""

    make: Callable[[], P]


class PartField(Generic[P]):
    """A Form field that holds its part or a `Later` for it, and reads as the part: the
    `Later` is called once, on the first read, and its part kept in its place."""

    def __init__(self, default: Callable[[], P]) -> None:
        self.default: Callable[[], P] = default
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: object | None, owner: type) -> P:
        if obj is None:  # the dataclass asks the class for the field's default
            return self.default()
        stored: P | Later[P] = obj.__dict__[self.name]
        if not isinstance(stored, Later):
            return stored
        part: P = stored.make()
        obj.__dict__[self.name] = part  # a frozen Form: its own dict, written once
        return part

    def __set__(self, obj: object, value: P | Later[P]) -> None:
        obj.__dict__[self.name] = value
