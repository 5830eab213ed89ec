"""No message shows an unfilled placeholder (issue 20, item 11).

Every issue code of every form (formkit/issues.py and formkit/forms/*/codes.py) is rendered
with representative arguments through the paths that build messages (make_issue in Chinese
and English, the summary's rewrite of a settled issue); every place in formkit that raises
an issue by a literal code passes each parameter its wording needs; and real files, summaries
and a settled criterion are run with a missing parameter made an error.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import formkit.issues as issues
from formkit.check import check_file
from formkit.forms import all_codes, read_options
from formkit.issues import CATALOGUE, make_issue, render
from formkit.summary.collect import _settled, collect
from tests.forms import full_values, write_filled

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "samples").glob("*.xls*"))
CORPUS = Path("/work/shared/corpus")
# what make_issue fills itself: the place, the label, the value
AUTO = {"where", "label", "value"}
# a placeholder as str.format reads one, or what _Blank puts for a missing one
UNFILLED = re.compile(r"\{[^{}]*\}|…")


def _names(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def _placeholders(code: str) -> set[str]:
    e = CATALOGUE[code]
    return _names(e.template) | _names(e.fix) | _names(e.template_en)


def _shown(code: str, name: str) -> str:
    return f"〔{code}.{name}〕"  # a value that cannot occur in a template by itself


def test_every_form_contributes_its_codes() -> None:
    """The catalogue holds the engine's codes and every form's (a loader that found none
    would make the tests below pass over nothing)."""
    forms = {e.code for e in all_codes()}
    assert {"criterion_failed", "quarter_above_cumulative", "hitech_above_total"} <= set(CATALOGUE)
    assert forms <= set(CATALOGUE) and len(forms) >= 25


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_renders_with_its_arguments(code: str) -> None:
    """Chinese and English, each placeholder filled, each argument shown."""
    entry = CATALOGUE[code]
    params = {n: _shown(code, n) for n in _placeholders(code) - AUTO}
    issue = make_issue(code, sheet="封面", cell="B2", label="申请单位名称", value=12.5, **params)
    for lang, text, template in (
        ("zh", issue.message, entry.template + entry.fix),
        ("en", render(issue, "en"), entry.template_en),
    ):
        assert not UNFILLED.search(text.replace("…", "") if "…" in template else text), (
            lang,
            text,
        )
        for name in _names(template) - AUTO:
            assert _shown(code, name) in text, (lang, name, text)
    assert issue.message == render(issue, "zh")


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_a_settled_issue_rewritten_as_any_code_keeps_no_placeholder(code: str) -> None:
    """The summary's rewrite of a settled issue (a form's review across a unit: 六(二)(2)
    settled as 不符合) ends with the new code's fix, its placeholders from the settlement."""
    row = {
        "file": "a.xlsx",
        "code": "criterion_manual",
        "message": "工作表“第一项” C6：通知六(二)(2)需人工判断：……。",
        "_where": "工作表“第一项” C6",
    }
    params = {n: _shown(code, n) for n in _names(CATALOGUE[code].fix)}
    settle = {
        "code": "criterion_manual",
        "contains": "六(二)(2)",
        "new_code": code,
        "text": "不符合通知六(二)(2)：示例。",
        "params": params,
    }
    (new,) = _settled([row], "a.xlsx", settle)
    assert new["code"] == code and not UNFILLED.search(new["message"]), new["message"]
    for name in params:
        assert _shown(code, name) in new["message"]


# ---------------------------------------------------------------- the places that raise issues

# functions that build an issue from a literal code and keyword parameters:
# make_issue(code, ...), Context.add(code, key, ...), the quarterly review's issue(code, key,
# ...), and the gate's reject(code, detail, ...) / _Reject(code, detail, ...)
RAISERS = {"make_issue", "add", "issue", "reject", "_Reject"}


def _calls() -> Iterator[tuple[str, int, str, set[str], list[str]]]:
    """(file, line, code, keyword names, unverifiable ** arguments) for each call of a raiser
    with a literal catalogue code."""
    for path in sorted((ROOT / "formkit").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[0]
            if name not in RAISERS or not isinstance(first, ast.Constant):
                continue
            if first.value not in CATALOGUE:
                continue
            keywords = {k.arg for k in node.keywords if k.arg}
            # a splat of the location (`**where`, `**ctx.where(key)`) adds no wording
            splats = [
                ast.unparse(k.value)
                for k in node.keywords
                if k.arg is None and "where" not in ast.unparse(k.value)
            ]
            rel = str(path.relative_to(ROOT))
            yield rel, node.lineno, first.value, keywords, splats


def test_every_place_that_raises_an_issue_passes_its_wordings_arguments() -> None:
    calls = list(_calls())
    assert len(calls) >= 50 and {c[2] for c in calls} >= {"criterion_failed", "growth_mismatch"}
    missing = [
        (file, line, code, sorted(_placeholders(code) - AUTO - keywords))
        for file, line, code, keywords, splats in calls
        if not splats and not _placeholders(code) - AUTO <= keywords
    ]
    assert missing == []
    assert [c[:3] for c in calls if c[4]] == []  # every call can be checked


# ---------------------------------------------------------------- real files, with a missing
# parameter made an error


@pytest.fixture
def strict(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A message built without one of its parameters is recorded (the code and the name)."""
    seen: list[str] = []

    def missing(self: dict[str, Any], key: str) -> str:
        seen.append(key)
        return "…"

    monkeypatch.setattr(issues._Blank, "__missing__", missing)
    return seen


def _messages(rows: list[dict[str, Any]]) -> list[str]:
    return [str(r.get("message") or "") for r in rows]


def test_samples_and_their_summary_show_no_placeholder(strict: list[str]) -> None:
    subs = [check_file(p, read_options()) for p in SAMPLES]
    assert len(subs) >= 10 and any(s.issues for s in subs)
    texts = [i.message for s in subs for i in s.issues]
    texts += [render(i, "en") for s in subs for i in s.issues]
    texts += _messages(collect(subs).issues)
    assert texts and strict == []
    assert [t for t in texts if UNFILLED.search(t)] == []


def test_files_of_the_corpus_show_no_placeholder(strict: list[str]) -> None:
    """Other people's spreadsheets (every 12th, for time): the reader's and gate's codes."""
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix != ".md")[::12]
    if not files:
        pytest.skip("no corpus")
    subs = [check_file(p, read_options(forms=None)) for p in files]
    texts = [i.message for s in subs for i in s.issues]
    texts += [s.rejection.message for s in subs if s.rejection is not None]
    assert texts and strict == []
    assert [t for t in texts if UNFILLED.search(t)] == []


def test_a_settled_criterion_in_the_summary_shows_no_placeholder(
    tmp_path: Path, strict: list[str]
) -> None:
    """The case of the literal {fix_detail}: one unit's applications, one far behind the
    others; whatever the review across the unit settles, 问题清单 shows no placeholder."""

    def app(name: str, hitech: tuple[float, float, float]) -> Any:
        v = full_values()
        v.update(
            applicant_name=name,
            city=name,
            province="四川省",
            application_type="新申报",
            existing_base_type=None,
            key_field="信息",
            hitech_export_value=hitech[2],
            hitech_export_growth=round((hitech[2] - hitech[1]) / hitech[1] * 100, 2),
            history=[
                {"year": 2003 + i, "export_value": 12.5, "hitech_export_value": h}
                for i, h in enumerate(hitech)
            ],
        )
        return check_file(write_filled(tmp_path / f"{name}.xlsx", v), read_options())

    subs = [
        app("甲市", (4.0, 6.0, 8.0)),
        app("乙市", (1.0, 1.5, 2.0)),
        app("丙市", (0.25, 0.4, 0.5)),
    ]
    data = collect(subs)
    texts = _messages(data.issues)
    assert any("六(二)(2)" in t for t in texts)
    assert strict == [] and [t for t in texts if UNFILLED.search(t)] == []
