"""What reading one file gives: typed values, where each came from, and the issues found."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal, NamedTuple

from formkit.issues import Issue, json_value

Status = Literal["accepted", "rejected"]


@dataclass(frozen=True)
class FormInfo:
    id: str | None
    version: str | None
    year: int | None


class Source(NamedTuple):
    """Provenance of one value: the cell, what it held, how it became the value. A tuple:
    every file has one per field, made again each time a stored file is loaded."""

    sheet: str
    cell: str
    raw: Any
    how: str
    located_by: str

    @property
    def ref(self) -> str:
        return f"{self.sheet}!{self.cell}"


class IssueCounts:
    """What a file's issues say of it, for a Submission and for the lighter rows that
    stand for one (the check table's): how many errors and warnings, and why refused."""

    __slots__ = ()
    status: str
    issues: Sequence[Issue]

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if i.severity == "warning")

    @property
    def rejection(self) -> Issue | None:
        return self.issues[0] if self.status == "rejected" and self.issues else None


@dataclass(frozen=True)
class Submission(IssueCounts):
    """One file as read (and, as `formkit.validate.Checked`, as validated). Never changed
    once made: validation, the summary and the ledger make new ones (`dataclasses.replace`);
    the dicts it holds are not changed either."""

    # the file as text to show, store and write: its path, or, for a name that is not valid
    # UTF-8, its display name (formkit.paths.display_name); open it by `location`
    file: str
    sha256: str
    status: Status
    format: str | None = None
    form: FormInfo | None = None
    # stamped in pre-filled copies (formkit distribute); None in the blank template
    submission_id: str | None = None
    # field id -> typed value; tables -> list of records; groups -> dict by item id
    values: dict[str, Any] = field(default_factory=dict)
    # "field", "table[i].column" or "group.item" -> Source
    sources: dict[str, Source] = field(default_factory=dict)
    # field id -> "name" | "label" | "missing"
    located: dict[str, str] = field(default_factory=dict)
    # spec sheet id -> the sheet's name in this workbook
    sheet_names: dict[str, str] = field(default_factory=dict)
    issues: tuple[Issue, ...] = ()
    # set by validation: 符合 / 不符合 / 待补充材料, each criterion, growth computed from history
    verdict: str | None = None
    criteria: tuple[dict[str, str], ...] = ()
    computed: dict[str, Any] = field(default_factory=dict)
    # set in formkit's annotated feedback copies (formkit feedback): the SHA-256 of the file
    # the copy annotates, and the values_digest() that file had; None in any other file
    annotates: str | None = None
    annotates_values: str | None = None
    # the path as given, when it is not `file` (never in the JSON: it may not be text)
    path: str | None = None
    # values_digest(), once computed: where the file was checked (a reading worker), so the
    # process collecting thousands of results does not compute it again. Not an argument:
    # a copy with other values (dataclasses.replace) starts without it
    _digest: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def location(self) -> str:
        """The path to open the file by."""
        return self.path or self.file

    def located_sheet(self, spec_sheet_id: str) -> str | None:
        """The book's name for a spec sheet, as seen from where its values were read."""
        return self.sheet_names.get(spec_sheet_id)

    def values_digest(self) -> str:
        """SHA-256 of the values as the `--json` contract writes them: the supersession
        rule's fingerprint (formkit.supersession.fingerprint; numbers compared as numbers).

        Equal digests: the same values, whatever the file's bytes (a copy saved again by
        another application, a feedback copy with its comments and fills).
        """
        if self._digest is None:
            object.__setattr__(self, "_digest", fingerprint(self.values))  # a cache
        assert self._digest is not None
        return self._digest

    def remember_digest(self, digest: str | None = None) -> None:
        """Compute values_digest() now (the values are final: read and validated), or
        take `digest` as it was computed before (the ledger stores each file's)."""
        object.__setattr__(self, "_digest", digest or fingerprint(self.values))

    @property
    def is_feedback_copy(self) -> bool:
        return self.annotates is not None

    def to_json(self) -> dict[str, Any]:
        """The `--json` contract for one file (see README)."""
        return {
            "file": self.file,
            "sha256": self.sha256,
            "status": self.status,
            "format": self.format,
            "form": None
            if self.form is None
            else {"id": self.form.id, "version": self.form.version, "year": self.form.year},
            "submission_id": self.submission_id,
            "values": values_json(self.values),
            "provenance": {k: s.ref for k, s in self.sources.items()},
            "located": dict(self.located),
            "issues": [i.to_json() for i in self.issues],
            "verdict": self.verdict,
            "verdict_note": verdict_note(list(self.criteria)),
            "criteria": list(self.criteria),
            "computed": _json(self.computed),
            "annotates": self.annotates,
            "annotates_values": self.annotates_values,
        }


def from_json(
    doc: dict[str, Any], date_fields: set[str] | frozenset[str] = frozenset()
) -> Submission:
    """A Submission back from its `to_json()` form (e.g. stored in the ledger).

    `date_fields` are the field ids whose ISO text becomes a date again. Provenance comes
    back as sheet and cell only (the raw value is not stored in the JSON).
    """
    values = dict(doc.get("values") or {})
    for key in date_fields:
        if isinstance(values.get(key), str):
            with contextlib.suppress(ValueError):
                values[key] = dt.date.fromisoformat(values[key][:10])
    form = doc.get("form")
    located = dict(doc.get("located") or {})
    # made when first looked at: most stored files are loaded for their values only
    sources = StoredSources(doc.get("provenance") or {}, located)
    return Submission(
        file=doc["file"],
        sha256=doc["sha256"],
        status=doc["status"],
        format=doc.get("format"),
        form=FormInfo(form.get("id"), form.get("version"), form.get("year")) if form else None,
        submission_id=doc.get("submission_id"),
        values=values,
        sources=sources,
        located=located,
        issues=tuple(
            Issue(
                code=i["code"],
                severity=i["severity"],
                message=i["message"],
                field=i.get("field"),
                sheet=i.get("sheet"),
                cell=i.get("cell"),
                value=i.get("value"),
                clause=i.get("clause"),
                related=tuple(i.get("related") or ()),
            )
            for i in doc.get("issues") or []
        ),
        verdict=doc.get("verdict"),
        criteria=tuple(doc.get("criteria") or ()),
        computed=dict(doc.get("computed") or {}),
        annotates=doc.get("annotates"),
        annotates_values=doc.get("annotates_values"),
    )


class StoredSources(dict[str, Source]):
    """A stored file's `Submission.sources`, made from its stored provenance ("sheet!cell"
    by key) the first time anything is asked of it: a file loaded from the ledger for its
    values (the rules across periods, a summary) never makes its hundred Sources. Then an
    ordinary dict: every way of reading it reads them all (but `json.dumps`, which takes a
    dict's size without asking: dump `dict(sources)`). Without `located`, made as a dict is
    made (`dataclasses.asdict` makes its copy so)."""

    def __init__(self, provenance: Any = (), located: Mapping[str, str] | None = None) -> None:
        self._stored: tuple[Mapping[str, Any], Mapping[str, str]] | None = None
        if located is None:
            super().__init__(provenance)
        else:
            super().__init__()
            self._stored = (provenance, located)

    def _made(self) -> StoredSources:
        if self._stored is not None:
            provenance, located = self._stored
            self._stored = None
            new = tuple.__new__  # Source(...) without its __new__'s Python frame
            for key, ref in provenance.items():
                sheet, _, cell = str(ref).rpartition("!")
                dict.__setitem__(
                    self, key, new(Source, (sheet, cell, None, "stored", located.get(key, "")))
                )
        return self

    # every method of dict that reads or changes it makes the Sources first (dict(),
    # {**d} and json read a dict subclass through keys/items/__iter__ and __getitem__)
    def __getitem__(self, key: str) -> Source:
        return dict.__getitem__(self._made(), key)

    def get(self, key: str, default: Any = None) -> Any:
        return dict.get(self._made(), key, default)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self._made(), key)

    def __iter__(self) -> Iterator[str]:
        return dict.__iter__(self._made())

    def __reversed__(self) -> Iterator[str]:
        return dict.__reversed__(self._made())

    def __len__(self) -> int:
        return dict.__len__(self._made())

    def __bool__(self) -> bool:
        return dict.__len__(self._made()) > 0

    def keys(self) -> Any:
        return dict.keys(self._made())

    def values(self) -> Any:
        return dict.values(self._made())

    def items(self) -> Any:
        return dict.items(self._made())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StoredSources):
            other._made()
        return dict.__eq__(self._made(), other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None

    def __repr__(self) -> str:
        return dict.__repr__(self._made())

    def copy(self) -> dict[str, Source]:
        return dict(dict.items(self._made()))

    def __or__(self, other: Any) -> Any:
        return dict.__or__(self.copy(), other)

    def __ror__(self, other: Any) -> Any:
        return dict.__or__(dict(other), self.copy())

    def __reduce__(self) -> Any:
        return (dict, (self.copy(),))

    def __setitem__(self, key: str, value: Source) -> None:
        dict.__setitem__(self._made(), key, value)

    def __delitem__(self, key: str) -> None:
        dict.__delitem__(self._made(), key)

    def pop(self, *args: Any) -> Any:
        return dict.pop(self._made(), *args)

    def popitem(self) -> tuple[str, Source]:
        return dict.popitem(self._made())

    def setdefault(self, key: str, default: Any = None) -> Any:
        return dict.setdefault(self._made(), key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        dict.update(self._made(), *args, **kwargs)

    def clear(self) -> None:
        self._stored = None
        dict.clear(self)


def values_json(values: dict[str, Any]) -> dict[str, Any]:
    """A file's values in their JSON form (dates as ISO text), as `to_json()` gives them."""
    return {k: _json(v) for k, v in values.items()}


def _json(value: Any) -> Any:
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    return json_value(value)


def verdict_note(criteria: list[dict[str, str]]) -> str | None:
    """“需人工判断：…” naming the criteria a person must still judge (status "manual")."""
    manual = [f"{c['title']}（{c['clause']}）" for c in criteria if c.get("status") == "manual"]
    return "需人工判断：" + "；".join(manual) if manual else None


@dataclass
class Draft:
    """A Submission while formkit.read fills it in; `done()` makes the Submission."""

    file: str
    sha256: str
    status: Status
    format: str | None = None
    form: FormInfo | None = None
    submission_id: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    located: dict[str, str] = field(default_factory=dict)
    sheet_names: dict[str, str] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    annotates: str | None = None
    annotates_values: str | None = None
    path: str | None = None

    @classmethod
    def of(cls, sub: Submission) -> Draft:
        names = {f.name for f in fields(cls)}
        given = {f.name: getattr(sub, f.name) for f in fields(sub) if f.name in names}
        return cls(
            **{
                **given,
                "values": dict(sub.values),
                "sources": dict(sub.sources),
                "located": dict(sub.located),
                "sheet_names": dict(sub.sheet_names),
                "issues": list(sub.issues),
            }
        )

    def reject(self, issue: Issue) -> Draft:
        """Not read after all: the issue says why (first); no values."""
        self.status = "rejected"
        self.issues.insert(0, issue)
        self.values, self.sources, self.located = {}, {}, {}
        return self

    def done(self) -> Submission:
        given = {f.name: getattr(self, f.name) for f in fields(self)}
        return Submission(**{**given, "issues": tuple(self.issues)})


def fingerprint(values: Mapping[str, Any]) -> str:
    """A stable digest of a file's values: equal values, equal digest, whether the values
    are typed (as read) or their JSON form (as the ledger stores them). Numbers compare
    as numbers: a client that saves 21.0 as 21 changed nothing. The supersession rule's
    fingerprint of a version (formkit.supersession)."""
    text = json.dumps(_canon(values), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canon(value: Any) -> Any:
    """Values in one JSON form in one pass: dates as ISO text, every number a float."""
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return value
    if kind is int or kind is float:
        return float(value)
    if kind is dict:
        return {k: _canon(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_canon(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _canon(v) for k, v in value.items()}
    return str(value)
