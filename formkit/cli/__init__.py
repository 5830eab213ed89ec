"""The `formkit` command: argument parsing and printing only; the work is in the library
(the use cases in formkit/rounds/, the stages below them).

One module per command group: `template` (template, forms, catalogue, version), `check`,
`summary` (summary, rollup), `recommend` (recommend, roster), `round` (distribute, ingest,
status, feedback), `serve`, `bases` (bases, evaluate); `common` holds what they share,
`results` the result tables, `help` every command's help in Chinese and English, `frame`
typer's own words in Chinese.

A command's module is imported only when the command is registered: `formkit check FILE`
registers `check` alone and does not pay for the web server, the ledger or the evaluation
(issue #23, start-up). `formkit --help`, no command or a command formkit does not know
register them all; so does `from formkit.cli import app` (the whole application, as the
tests and `typer`'s CliRunner use it).

Exit codes: 0 success; 1 a file had errors or was rejected; 2 usage or I/O error.
"""

from __future__ import annotations

# first: how the imports below run (formkit/cli/boot.py)
from formkit.cli import boot

# isort: split

import importlib
import sys
from collections.abc import Collection
from typing import Any

import typer

from formkit.cli import common
from formkit.cli.frame import install as _frame
from formkit.cli.help import apply_help, english_help

__all__ = ["COMMANDS", "app", "main"]

# (command, module in formkit.cli, function, app.command's options), in the order
# `formkit --help` lists them
COMMANDS: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("template", "template", "template", {}),
    ("forms", "template", "forms", {}),
    ("check", "check", "check", {}),
    ("summary", "summary", "summary", {}),
    ("rollup", "summary", "rollup", {}),
    (
        "recommend",
        "recommend",
        "recommend",
        {"short_help": "推荐决定：排序、名额、推荐文件与报部名单。"},
    ),
    ("catalogue", "template", "catalogue", {}),
    ("distribute", "round", "distribute", {}),
    ("roster", "recommend", "roster", {"name": "roster"}),
    ("ingest", "round", "ingest", {}),
    ("status", "round", "status", {}),
    ("feedback", "round", "feedback", {}),
    ("serve", "serve", "serve", {}),
    ("bases", "bases", "bases", {"name": "bases"}),
    ("evaluate", "bases", "evaluate", {}),
    ("version", "template", "version", {}),
)
_ORDER = {name: i for i, (name, *_) in enumerate(COMMANDS)}
_state: dict[str, Any] = {"registered": set(), "lang": "zh"}


def _register(names: Collection[str]) -> typer.Typer:
    """The application with the commands `names` registered (each once, in the table's
    order whatever was registered before) and their help in the current language."""
    registered: set[str] = _state["registered"]
    app = common.app
    for name, module, function, options in COMMANDS:
        if name in names and name not in registered:
            # by name from the table: the module is imported only for its command
            with boot.quiet():
                imported = importlib.import_module(f"formkit.cli.{module}")
            callback = getattr(imported, function)
            app.command(**options)(callback)
            registered.add(name)
    app.registered_commands.sort(key=lambda info: _ORDER[_command_name(info)])
    apply_help(app, _state["lang"])
    return app


def _command_name(info: Any) -> str:
    return str(info.name or info.callback.__name__)


def __getattr__(name: str) -> typer.Typer:
    # `from formkit.cli import app`: the whole application (PEP 562)
    if name == "app":
        return _register(_ORDER)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def command_of(argv: list[str]) -> str | None:
    """The command `argv` runs when formkit knows it and nothing before it asks for the
    application's own help; None otherwise (then every command is registered, so that
    `--help` lists them all and an unknown name gets its "did you mean")."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--lang":  # the application's one option with a value
            skip = True
        elif arg.startswith("--lang="):
            continue
        elif arg.startswith("-"):
            return None  # --help, or an option formkit does not have: typer says which
        else:
            return arg if arg in _ORDER else None
    return None


def main() -> None:
    # `--lang en` anywhere on the command line: the frame and the help in English
    argv = sys.argv[1:]
    english = any(
        a == "--lang=en" or (a == "--lang" and argv[i + 1 : i + 2] == ["en"])
        for i, a in enumerate(argv)
    )
    command = command_of(argv)
    if english:
        _state["lang"] = "en"
        _frame("en")
    app = _register(_ORDER if command is None else [command])
    if english:
        english_help(app)
    app()


boot.imported()  # the last line: formkit.cli's imports are done
