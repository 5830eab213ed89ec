"""The benchmarks import formkit inside their functions (a baseline tree is imported by
path); a name moved in the library must not leave a benchmark that fails only when run."""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path

import pytest

from tests.conftest import ROOT

SCRIPTS = sorted((ROOT / "benchmarks").glob("bench_*.py"))


def _imports(path: object) -> list[tuple[str, str]]:
    text = Path(str(path)).read_text(encoding="utf-8")
    out = _imports_text(text)
    # the benchmarks' own scripts run in a subprocess (text in a string constant)
    for node in ast.walk(ast.parse(text)):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and "from formkit" in node.value
            and "\n" in node.value
        ):
            out += _imports_text(node.value)
    return out


def _imports_text(text: str) -> list[tuple[str, str]]:
    out = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("formkit"):
            out += [(node.module or "", a.name) for a in node.names]
    return out


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_name_a_benchmark_imports_from_formkit_exists(script: object) -> None:
    names = _imports(script)
    missing = [
        f"{module}.{name}"
        for module, name in names
        if not hasattr(importlib.import_module(module), name)
        and importlib.util.find_spec(f"{module}.{name}") is None
    ]
    assert not missing, missing
