"""The `formkit` command: argument parsing and printing only; the work is in the library
(the use cases in formkit/rounds/, the stages below them).

One module per command group: `template` (template, forms, catalogue, version), `check`,
`summary` (summary, rollup), `recommend` (recommend, roster), `round` (distribute, ingest,
status, feedback), `serve`, `bases` (bases, evaluate); `common` holds what they share,
`results` the result tables, `help` every command's help in Chinese and English, `frame`
typer's own words in Chinese.

Exit codes: 0 success; 1 a file had errors or was rejected; 2 usage or I/O error.
"""

from __future__ import annotations

import sys

from formkit.cli import bases, check, recommend, round, serve, summary, template
from formkit.cli.common import app
from formkit.cli.frame import install as _frame
from formkit.cli.help import apply_help, english_help

__all__ = ["app", "main"]

# in the order `formkit --help` lists them
app.command()(template.template)
app.command()(template.forms)
app.command()(check.check)
app.command()(summary.summary)
app.command()(summary.rollup)
app.command(short_help="推荐决定：排序、名额、推荐文件与报部名单。")(recommend.recommend)
app.command()(template.catalogue)
app.command()(round.distribute)
app.command(name="roster")(recommend.roster)
app.command()(round.ingest)
app.command()(round.status)
app.command()(round.feedback)
app.command()(serve.serve)
app.command(name="bases")(bases.bases)
app.command()(bases.evaluate)
app.command()(template.version)

apply_help(app, "zh")


def main() -> None:
    # `--lang en` anywhere on the command line: the frame and the help in English
    argv = sys.argv[1:]
    english = any(
        a == "--lang=en" or (a == "--lang" and argv[i + 1 : i + 2] == ["en"])
        for i, a in enumerate(argv)
    )
    if english:
        _frame("en")
        english_help(app)
    app()
