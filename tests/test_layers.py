"""The import graph of formkit/ follows the layer table of docs/architecture.md (issue #22).

The graph is built from the source with `ast`: every `import` and `from … import` of every
module, at module level, under `if TYPE_CHECKING:` or inside a function, and every
`importlib.import_module("formkit…")` with a literal name. Importing `a.b.c` also runs the
packages `a.b` and `a`, so those count as imported (unless the importer is inside them).

PENDING names the modules whose move to their layer is still under way (issue #22's upper
half: cli/, rounds/, web/, ledger/, summary/). For those the checks are expected to fail
(each is an xfail that says what is left); one that no longer fails must leave PENDING, and
a name in PENDING must exist. PENDING only ever shrinks.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "formkit"
DOC = ROOT / "docs" / "architecture.md"

# optional heavy dependencies: a module may import these inside the function that needs them,
# so a command that does not use them does not pay for them
OPTIONAL_HEAVY = frozenset(
    {
        "pandas",
        "openpyxl",
        "xlsxwriter",
        "docx",  # python-docx
        "uvicorn",
        "starlette",
        "jinja2",
        "markupsafe",  # Jinja2's
        "multipart",  # python-multipart
        "xlrd",
        "msoffcrypto",
        "olefile",  # msoffcrypto's: the gate opens an OLE2 file (.xls, encrypted) with it
        "python_calamine",
        "rich",
        "typer",
        # importlib.metadata (it imports email): the installed forms' entry points, looked
        # up only when an installed distribution may declare one (formkit/forms)
        "importlib",
        # a reading worker asks Linux to end it with its parent (formkit/read/isolate.py)
        "ctypes",
    }
)

# (importer, imported): the hand-overs from below to the Python facade, by name (see
# docs/architecture.md): the root package's names, and `formkit.read(path)` and
# `formkit.validate(sub)`, each both a facade function and a package
FACADE = frozenset(
    {
        ("formkit", "formkit.api"),
        ("formkit.read", "formkit.api"),
        ("formkit.validate", "formkit.api"),
    }
)

PENDING: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Import:
    importer: str
    target: str  # a formkit module, or the top-level name of another distribution
    line: int
    where: str  # "top", "typing" (under TYPE_CHECKING) or "function"

    @property
    def internal(self) -> bool:
        return self.target == "formkit" or self.target.startswith("formkit.")


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _resolve(name: str) -> str:
    """The deepest module of formkit that `name` (a module or a name in one) denotes."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def _is_type_checking(test: ast.expr) -> bool:
    return "TYPE_CHECKING" in ast.unparse(test)


def _imports(module: str, path: Path | None = None) -> Iterator[Import]:
    path = path or MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text("utf-8"), str(path))

    def targets(node: ast.Import | ast.ImportFrom) -> Iterator[str]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
            return
        base = node.module or ""
        if node.level:
            parts = package.split(".")
            parts = parts[: len(parts) - (node.level - 1)]
            base = ".".join([*parts, *([base] if base else [])])
        for alias in node.names:
            yield f"{base}.{alias.name}" if alias.name != "*" else base

    def walk(node: ast.AST, where: str) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            here = where
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                here = "function"
            elif isinstance(child, ast.If) and _is_type_checking(child.test) and where == "top":
                yield from walk_body(child.body, "typing")
                yield from walk_body(child.orelse, "top")
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                for name in targets(child):
                    internal = name == "formkit" or name.startswith("formkit.")
                    target = _resolve(name) if internal else name.split(".")[0]
                    yield Import(module, target, child.lineno, here)
            elif (
                isinstance(child, ast.Call)
                and ast.unparse(child.func) in ("importlib.import_module", "import_module")
                and child.args
                and isinstance(child.args[0], ast.Constant)
                and isinstance(child.args[0].value, str)
                and child.args[0].value.startswith("formkit")
            ):
                yield Import(module, _resolve(child.args[0].value), child.lineno, "function")
            yield from walk(child, here)

    def walk_body(body: list[ast.stmt], where: str) -> Iterator[Import]:
        for stmt in body:
            wrapper = ast.Module(body=[stmt], type_ignores=[])
            yield from walk(wrapper, where)

    yield from walk(tree, "top")


def _implied(imp: Import) -> Iterator[Import]:
    """The import itself and the packages it runs on the way (not the importer's own)."""
    yield imp
    if not imp.internal:
        return
    own = {imp.importer.rsplit(".", n)[0] for n in range(imp.importer.count(".") + 1)}
    parent = imp.target.rpartition(".")[0]
    while parent and parent not in own:
        yield Import(imp.importer, parent, imp.line, imp.where)
        parent = parent.rpartition(".")[0]


IMPORTS = {m: [i for imp in _imports(m) for i in _implied(imp)] for m in MODULES}


# ---------------------------------------------------------------- the table in the doc


def _layer_table() -> list[tuple[str, tuple[str, ...]]]:
    text = DOC.read_text("utf-8")
    m = re.search(r"<!-- layers[^>]*-->(.*?)<!-- /layers -->", text, re.S)
    assert m, "docs/architecture.md has no layer table between <!-- layers --> markers"
    layers = []
    for line in m.group(1).strip().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or cells[0] in ("Layer", "") or set(cells[0]) <= {"-"}:
            continue
        layers.append((cells[0], tuple(re.findall(r"`([\w.*]+)`", cells[1]))))
    return layers


LAYERS = _layer_table()


def layer_of(module: str) -> int | None:
    """The index (0 = top) of the most specific entry that places `module`."""
    best: tuple[int, int] | None = None  # (specificity, layer)
    for index, (_name, patterns) in enumerate(LAYERS):
        for pattern in patterns:
            if pattern.endswith(".*"):
                prefix = pattern[:-2]
                hit = module.startswith(prefix + ".")
                score = 2 * len(prefix)
            else:
                hit = module == pattern
                score = 2 * len(pattern) + 1
            if hit and (best is None or score > best[0]):
                best = (score, index)
    return None if best is None else best[1]


def _name(index: int | None) -> str:
    return "(none)" if index is None else LAYERS[index][0]


def own_part(imp: Import) -> bool:
    """A form package importing one of its own modules: its `__init__` makes its heavy
    parts (the summary's, the documents') in the function a `Later` calls, so a check does
    not load xlsxwriter and the letters (docs/architecture.md)."""
    parts = imp.importer.split(".")
    return (
        len(parts) == 3
        and imp.importer.startswith("formkit.forms.")
        and imp.target.startswith(imp.importer + ".")
    )


def problems(module: str) -> list[str]:
    """What is wrong with one module's imports, as lines a reader can act on."""
    out = []
    own = layer_of(module)
    if own is None:
        out.append(f"{module} is in no layer of docs/architecture.md")
    seen = set()
    for imp in IMPORTS[module]:
        key = (imp.target, imp.where)
        if key in seen:
            continue
        seen.add(key)
        at = f"{MODULES[module].relative_to(ROOT)}:{imp.line}"
        if (imp.importer, imp.target) in FACADE:
            continue
        if imp.where == "function" and own_part(imp):
            pass  # a form's summary or documents, made when first read (`Later`)
        elif imp.where == "function" and (imp.internal or imp.target not in OPTIONAL_HEAVY):
            out.append(f"{at}: imports {imp.target} inside a function")
        if not imp.internal or own is None:
            continue
        theirs = layer_of(imp.target)
        if theirs is not None and theirs < own:
            out.append(
                f"{at}: {module} ({_name(own)}) imports {imp.target} ({_name(theirs)}), above it"
            )
        if (
            imp.target.startswith("formkit.forms.")
            and not module.startswith("formkit.forms")
            and imp.target != "formkit.forms"
        ):
            out.append(f"{at}: {module} imports the form package {imp.target}")
    return out


def _circles() -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    graph = {
        m: sorted(
            {
                i.target
                for i in IMPORTS[m]
                if i.internal and i.target != m and (m, i.target) not in FACADE
            }
        )
        for m in MODULES
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, []):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for m in sorted(graph):
        if m not in index:
            visit(m)
    return out


# ---------------------------------------------------------------- the tests


def test_the_layer_table_is_read_from_the_doc() -> None:
    names = [name for name, _ in LAYERS]
    assert names == [
        "edge",
        "rounds",
        "stages",
        "forms",
        "kit",
        "validate",
        "read",
        "foundations",
    ]
    assert layer_of("formkit.read.xlsx") == names.index("read")
    assert layer_of("formkit.summary") == names.index("kit")
    assert layer_of("formkit.summary.sheets") == names.index("stages")
    assert layer_of("formkit") == names.index("foundations")


def test_pending_names_only_modules_that_exist() -> None:
    assert sorted(PENDING - MODULES.keys()) == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_only_downward(module: str) -> None:
    found = problems(module)
    if module in PENDING:
        if not found:
            pytest.fail(f"{module} follows the layers now: remove it from PENDING")
        pytest.xfail("pending (issue #22): " + "; ".join(found))
    assert found == []


def test_no_circle() -> None:
    circles = _circles()
    settled = [c for c in circles if not set(c) & PENDING]
    assert settled == []
    if circles:
        pytest.xfail(f"pending (issue #22): circles through {circles}")


def test_the_checks_catch_what_they_claim(tmp_path: Path) -> None:
    """The parser sees a function-local import, a TYPE_CHECKING import, a literal
    import_module and the packages an import runs."""
    source = (
        "from __future__ import annotations\n"
        "import importlib\n"
        "from typing import TYPE_CHECKING\n"
        "from formkit.read.submission import Submission\n"
        "if TYPE_CHECKING:\n"
        "    from formkit.forms import Form\n"
        "def f():\n"
        "    import re\n"
        "    import pandas\n"
        "    importlib.import_module('formkit.summary')\n"
    )
    probe = tmp_path / "probe.py"
    probe.write_text(source, "utf-8")
    found = [i for imp in _imports("formkit.cells", probe) for i in _implied(imp)]
    got = {(i.target, i.where) for i in found}
    assert ("formkit.read.submission", "top") in got
    assert ("formkit.read", "top") in got  # the package it runs
    assert ("formkit.forms", "typing") in got
    assert ("re", "function") in got and ("pandas", "function") in got
    assert ("formkit.summary", "function") in got
    # only a form package's own modules may be imported in a function of its __init__
    own = Import("formkit.forms.toy", "formkit.forms.toy.summary", 1, "function")
    assert own_part(own)
    assert not own_part(Import("formkit.forms.toy", "formkit.forms.other.summary", 1, "function"))
    assert not own_part(Import("formkit.forms.toy.rules", "formkit.forms.toy.summary", 1, "f"))
    assert not own_part(Import("formkit.summary", "formkit.summary.kit", 1, "function"))
