"""What a round found, as every output gives it: `--json` (README's contract), the web
pages' JSON and the issue lists.

A checked file's findings are its own issues (`Submission.to_json()`, written when the file
is read) and, for a periodic form, the issues the rules across periods found once the
other periods were known. `Report` writes the `--json` document
{"formkit", "reference", "results": [...], "files"?, "across"?} result by result, so memory
stays flat in the number of files; `across_json` and `file_issues` give the issues across
periods the same shape wherever they are shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from formkit import __version__
from formkit.check import Documented
from formkit.issues import Issue, render
from formkit.paths import is_displayable
from formkit.read import Submission
from formkit.reference import Reference


def reference_json(reference: Reference) -> dict[str, Any]:
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
                        "basis": f.basis,
                        "found": f.found,
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


def result_json(sub: Submission, lang: str = "zh") -> dict[str, Any]:
    """One checked file as `results` lists it; `lang="en"`: the messages in English."""
    doc = sub.to_json()
    if lang == "en":
        for item, issue in zip(doc["issues"], sub.issues, strict=True):
            item["message"] = render(issue, "en")
    return doc


def across_json(found: Iterable[tuple[Submission, Issue]]) -> list[dict[str, Any]] | None:
    """Issues the rules across periods found, each with its file (`across`): they are not in
    the file's own result, which was written when it arrived. None when there are none."""
    by_file: dict[str, dict[str, Any]] = {}
    for sub, issue in found:
        entry = by_file.setdefault(
            sub.sha256, {"file": sub.file, "sha256": sub.sha256, "issues": []}
        )
        entry["issues"].append(issue.to_json())
    return list(by_file.values()) or None


def file_issues(
    doc: Mapping[str, Any], across: Sequence[Mapping[str, Any]] = ()
) -> list[dict[str, Any]]:
    """The issues a page lists for one file: its own (from its result; the notes on
    conversions left out), then its issues across periods."""
    own = [dict(i) for i in doc.get("issues") or [] if i.get("severity") != "info"]
    return own + [dict(i) for i in across]


class Report:
    """The `--json` document, written to `fh` as results arrive: `add` each checked file,
    then `finish` with the files' dispositions (which file counts) and the issues across
    periods, where the command has them."""

    def __init__(self, fh: IO[bytes], reference: Reference, lang: str = "zh") -> None:
        self.fh, self.lang = fh, lang
        self.count = 0
        head = (
            "{\n"
            f'  "formkit": {json.dumps(__version__)},\n'
            f'  "reference": {json.dumps(reference_json(reference), ensure_ascii=False)},\n'
            '  "results": [\n'
        )
        self.fh.write(head.encode("utf-8"))

    def add(self, sub: Submission) -> None:
        # one result a line, by json's C encoder (indent= would use the pure-Python one:
        # 2.5 ms a file, more than reading it) or as the reading worker already wrote it
        if (
            self.lang == "zh"
            and isinstance(sub, Documented)
            and sub.document
            and is_displayable(sub.file)
        ):
            text = sub.document
        else:
            text = json.dumps(result_json(sub, self.lang), ensure_ascii=False)
        self.fh.write(((",\n    " if self.count else "    ") + text).encode("utf-8"))
        self.count += 1

    def finish(
        self,
        files: Iterable[dict[str, Any]] | None = None,
        across: Iterable[dict[str, Any]] | None = None,
    ) -> None:
        tail = "\n  ]"
        if files is not None:
            self.fh.write((tail + ',\n  "files": ').encode("utf-8"))
            tail = ""
            _write_list(self.fh, files)
        if across is not None:
            self.fh.write((tail + ',\n  "across": ').encode("utf-8"))
            tail = ""
            _write_list(self.fh, across)
        self.fh.write((tail + "\n}\n").encode("utf-8"))


def _write_list(fh: IO[bytes], items: Iterable[dict[str, Any]]) -> None:
    """A JSON list written an item a line, as the items come: the text of thousands of
    files' rows is never held at once (nor, from a generator, the rows)."""
    n = -1
    for n, item in enumerate(items):
        text = json.dumps(item, ensure_ascii=False)
        fh.write(((",\n    " if n else "[\n    ") + text).encode("utf-8"))
    fh.write(b"[]" if n < 0 else b"\n  ]")
