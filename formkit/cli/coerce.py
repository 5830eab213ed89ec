"""Command-line values converted without pydantic (issue #23, start-up).

typer (0.29) converts every parameter's value with a pydantic TypeAdapter, built the first
time the parameter is parsed: `formkit check FILE` imported pydantic (about a fifth of a
second) to turn "2" into 2 and a text into a Path. `install()` gives typer's parameters a
plain conversion for the types formkit's options have (str, int, bool, Path and lists of str
or Path, without typer's number ranges, parsers or file types), with typer's own checks and
words (the path checks are typer's `coerce_cli_path`; an int is read as pydantic reads one,
and a text that is not one gets pydantic's message, which formkit/cli/frame.py puts into
Chinese). Any other parameter is converted by typer as before. With frame.py, the only
module that knows typer's internals; tests/test_cli_frame.py fails if an upgrade moves them.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

# what pydantic takes as an int from a text (its lax mode): ASCII digits, `_` between
# them, a fraction of zeros; spaces around (tests/test_cli_frame.py compares the two)
_INT = re.compile(r"[+-]?[0-9]+(?:_[0-9]+)*(?:\.0+)?")
INT_ERROR = "Input should be a valid integer, unable to parse string as an integer"

_installed: list[bool] = []


def to_int(text: str) -> int:
    """An int as pydantic reads it from a text; ValueError with pydantic's message."""
    m = _INT.fullmatch(text.strip())
    if m is None:
        raise ValueError(INT_ERROR)
    return int(m.group().partition(".")[0])


def install() -> None:
    """typer's parameters of the plain types converted here (once)."""
    if _installed:
        return
    _installed.append(True)
    typer_core: Any = importlib.import_module("typer.core")
    coercion: Any = importlib.import_module("typer._coercion")
    param_types: Any = importlib.import_module("typer._param_types")
    exceptions: Any = importlib.import_module("typer._click.exceptions")
    parameter = typer_core._TyperParameter
    typers_own: Callable[[Any], Any] = coercion.build_runtime_param

    class Plain(coercion.RuntimeParam):  # type: ignore[misc]
        """A value of one of the plain types; anything else (a value not given as text,
        as an environment variable or a default may be) goes to typer's own."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            leaf = _leaf(self.annotation)
            try:
                if leaf is not self.annotation:  # list[...]
                    items = value if isinstance(value, (list, tuple)) else [value]
                    return [self._one(leaf, v, param, ctx) for v in items]
                return self._one(leaf, value, param, ctx)
            except _NotPlain:
                desc = coercion.resolve_type_descriptor(self.annotation, self.parameter_info)
                return typers_own(desc)._coerce_value(value, param=param, ctx=ctx)

        def _one(self, leaf: Any, value: Any, param: Any, ctx: Any) -> Any:
            if leaf is str and isinstance(value, str):
                return value
            if leaf is int and isinstance(value, str):
                try:
                    return to_int(value)
                except ValueError as exc:
                    raise exceptions.BadParameter(str(exc), ctx=ctx, param=param) from None
            if leaf is int and type(value) is int:
                return value
            if leaf is bool and isinstance(value, bool):  # a flag (--help's value is None)
                return value
            if leaf is Path and isinstance(value, (str, Path)):
                path = value if isinstance(value, Path) else Path(value)
                return param_types.coerce_cli_path(
                    path, self.parameter_info, path_type=Path, param=param, ctx=ctx
                )
            raise _NotPlain

    def plain(desc: Any) -> bool:
        info = desc.parameter_info
        if desc.file_annotation is not None or info.parser is not None:
            return False
        leaf = _leaf(desc.annotation)
        if leaf is Path:  # typer's path checks, with no other type asked for
            return info.path_type is None and param_types.routes_to_path(leaf, info)
        if leaf is int:
            return info.min is None and info.max is None and not info.clamp
        return leaf in (str, bool) and desc.choices is None

    def get_runtime_param(self: Any) -> Any:
        if self._runtime_param is None:
            desc = self.type_descriptor
            if plain(desc):
                self._runtime_param = Plain(
                    parameter_info=desc.parameter_info, annotation=desc.annotation
                )
            else:
                self._runtime_param = typers_own(desc)
        return self._runtime_param

    parameter.get_runtime_param = get_runtime_param


class _NotPlain(Exception):
    pass


def _leaf(annotation: Any) -> Any:
    """list[X] -> X (X: str or Path); a plain annotation itself; None otherwise."""
    if getattr(annotation, "__origin__", None) is list:
        (leaf,) = annotation.__args__
        return leaf if leaf in (str, Path) else None
    return annotation if annotation in (str, int, bool, Path) else None
