"""formkit/cli/coerce.py: the command line's values converted without pydantic, to what
typer's own (pydantic) conversion gives, with its words when a value is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError
from typer import main as typer_main
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param

from formkit.cli import app
from formkit.cli.coerce import INT_ERROR, to_int

TEXTS = [
    *["12", " 12 ", "+12", "-3", "1_000", "1.0", "1.00", "007", "12\n", "\t3", "-0", "00"],
    *["1_000.0", "0_0", "-1.0", "1\xa0", "\u30001", "99999999999999999999999"],
    *["1.5", "abc", "", " ", "０１", "１２", "٣", "1e3", "0x10", "1.", ".0", "+-1", "1 2"],
    *["_1", "1_", "1__0", "+ 1", "1.0_0", "1._0", "-_1"],
]


def pydantic_int(text: str) -> int | str:
    try:
        return int(TypeAdapter(int).validate_python(text))
    except ValidationError as exc:
        return str(exc.errors()[0]["msg"])


def ours(text: str) -> int | str:
    try:
        return to_int(text)
    except ValueError as exc:
        return str(exc)


@pytest.mark.parametrize("text", TEXTS)
def test_an_int_is_read_as_pydantic_reads_it(text: str) -> None:
    assert ours(text) == pydantic_int(text)
    assert INT_ERROR in {ours(t) for t in TEXTS}


def _params() -> list[Any]:
    command: Any = typer_main.get_command(app)
    commands = [command, *command.commands.values()]
    return [p for c in commands for p in c.params]


VALUES = ["2", "-3", "x", "a b.xlsx", "样本/申报书.xlsx", ".", "-", "1.5", "0_1"]


def _convert(runtime: Any, param: Any, value: Any) -> Any:
    try:
        return runtime.coerce(value, param=param, ctx=None)
    except BadParameter as exc:
        return ("BadParameter", exc.message)


def test_every_option_converts_as_typer_would(tmp_path: Path) -> None:
    """Each parameter of every command, given texts (and a list for a list), converts to
    what typer's own conversion gives, errors included; none is left to pydantic."""
    (tmp_path / "a b.xlsx").write_text("")
    params = _params()
    assert len(params) > 50
    for param in params:
        ours = param.get_runtime_param()
        assert type(ours).__name__ == "Plain", (param.name, param.type_descriptor.annotation)
        typers = build_runtime_param(param.type_descriptor)
        is_list = param.multiple or param.nargs == -1
        cases: list[Any] = [(v,) for v in VALUES] if is_list else [*VALUES, None]
        if param.type_descriptor.annotation is bool:
            cases = [True, False, None, "true", "no"]  # a text: typer's own converts it
        for value in cases:
            assert _convert(ours, param, value) == _convert(typers, param, value), (
                param.name,
                value,
            )
