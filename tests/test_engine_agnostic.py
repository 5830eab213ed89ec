"""The engine names no field of any form: forms are data (issue #15).

Every module outside formkit/forms/ is searched for every registered form's field ids,
table ids and qualified column ids ("table.column"): as a whole string literal (a key,
`values["province"]`) and as a word of SQL text (a column `province TEXT`). Words inside
prose (a message's "province login", a URL) are not field references. Bare column ids
that are ordinary words ("name", "year") would match any code (a chart's "name") and are
checked in their qualified form.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

from formkit.forms import form_ids, load_form_spec

ROOT = Path(__file__).resolve().parent.parent
ENGINE = sorted(
    p
    for p in (ROOT / "formkit").rglob("*.py")
    if "forms" not in p.relative_to(ROOT / "formkit").parts[:1]
)


def _ids() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for form_id in form_ids():
        spec = load_form_spec(form_id)
        for f in spec.fields:
            out.setdefault(f.id, set()).add(form_id)
            for item in f.items:
                out.setdefault(item.id, set()).add(form_id)
        for t in spec.tables:
            out.setdefault(t.id, set()).add(form_id)
            for c in t.columns:
                out.setdefault(f"{t.id}.{c.id}", set()).add(form_id)
    return out


def _strings(path: Path) -> list[tuple[int, str]]:
    """The string literals of a module (docstrings and comments are prose, not code)."""
    out = []
    tokens = list(tokenize.generate_tokens(io.StringIO(path.read_text("utf-8")).readline))
    for i, tok in enumerate(tokens):
        if tok.type != tokenize.STRING:
            continue
        prev = next(
            (
                t
                for t in reversed(tokens[:i])
                if t.type
                not in (
                    tokenize.NL,
                    tokenize.NEWLINE,
                    tokenize.INDENT,
                    tokenize.DEDENT,
                    tokenize.COMMENT,
                )
            ),
            None,
        )
        if prev is None or (
            prev.type == tokenize.OP
            and prev.string == ":"
            and tok.string.startswith(('"""', "'''"))
        ):
            continue  # a docstring
        out.append((tok.start[0], tok.string))
    return out


def test_the_engine_names_no_field_of_any_form() -> None:
    ids = _ids()
    # one field of each form, so a loader that finds nothing cannot pass
    assert {"applicant_name", "base_name", "work_progress"} <= set(ids)
    words = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
    sql = re.compile(r"\b(CREATE TABLE|SELECT|INSERT INTO|UPDATE|ALTER TABLE|CREATE INDEX)\b")
    found = []
    for path in ENGINE:
        for line, literal in _strings(path):
            body = re.sub(r"^[rbfuRBFU]*('''|\"\"\"|'|\")", "", literal)
            body = re.sub(r"('''|\"\"\"|'|\")$", "", body)
            candidates = words.findall(body) if sql.search(body) else [body]
            for word in candidates:
                if word in ids:
                    found.append(
                        f"{path.relative_to(ROOT)}:{line}: {word} ({', '.join(sorted(ids[word]))})"
                    )
    assert not found, "\n".join(found)
