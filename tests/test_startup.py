"""`formkit COMMAND` loads what that command needs (issue #23, start-up): a command's module
is imported when it is registered, typer's help machinery (typer.rich_utils: rich.markdown,
pygments) only to print help or an error. Speed itself is measured in
benchmarks/bench_startup.py, not here."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from formkit.cli import COMMANDS, app, command_of
from tests.conftest import ROOT

SAMPLE = next((ROOT / "samples").glob("01-*"))
ALL = [name for name, *_ in COMMANDS]

# runs `python -m formkit ARGS` and writes the names of the modules it loaded to a file
WRAPPER = """
import runpy, sys
out, sys.argv = sys.argv[1], ["formkit", *sys.argv[2:]]
try:
    runpy.run_module("formkit", run_name="__main__", alter_sys=True)
finally:
    with open(out, "w") as fh:
        fh.write("\\n".join(sorted(sys.modules)))
"""


def loaded(tmp_path: Path, *args: str) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    names = tmp_path / "modules.txt"
    done = _python(tmp_path, WRAPPER, str(names), *args)
    return set(names.read_text().split()), done


def _python(tmp_path: Path, code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -c code args` on this tree, in tmp_path, at 80 columns without colours."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
        timeout=120,
    )


NOT_FOR_CHECK = [
    "formkit.web",
    "formkit.bases",
    "formkit.evaluate",
    "formkit.distribute",
    "formkit.template",
    "formkit.ledger",
    "formkit.cli.serve",
    "formkit.cli.round",
    "formkit.cli.bases",
    "typer.rich_utils",
    "rich.markdown",
    "rich.traceback",
    "pygments",
    "pydantic",  # typer's conversion of values (formkit/cli/coerce.py converts them)
    # a form's summary and documents (made when first read: formkit.forms.Later)
    "xlsxwriter",
    "formkit.summary.kit",
    "formkit.forms.shenbaoshu.summary",
    "formkit.forms.shenbaoshu.letters",
    "formkit.forms.shenbaoshu.publicity",
    "formkit.forms.jidu.across",  # the rules across periods (the ledger, the summary)
    "importlib.metadata",  # no installed distribution declares a form here
    "olefile",  # the gate's, for an OLE2 file (.xls, an encrypted workbook)
    "rich.progress",  # the bar is drawn only on a terminal (standard error is a pipe here)
]


def test_check_of_one_file_loads_only_what_check_needs(tmp_path: Path) -> None:
    modules, done = loaded(tmp_path, "check", "-j", "1", str(SAMPLE))
    assert done.returncode in (0, 1), done.stderr
    assert "formkit.cli.check" in modules and "formkit.check" in modules
    assert "已受理 1 个" in done.stdout  # it did read and check the file
    assert sorted(m for m in NOT_FOR_CHECK if m in modules) == []


def test_the_bar_is_drawn_on_a_terminal_only(tmp_path: Path) -> None:
    """On a terminal (FORCE_COLOR: rich takes standard error for one) the check draws its
    bar with rich.progress, and prints the same results."""
    quiet, plain = loaded(tmp_path, "check", "-j", "1", str(SAMPLE))
    os.environ["FORCE_COLOR"] = "1"
    try:
        drawn, shown = loaded(tmp_path, "check", "-j", "1", str(SAMPLE))
    finally:
        del os.environ["FORCE_COLOR"]
    assert "rich.progress" in drawn and "rich.progress" not in quiet
    assert "读取并审核" in shown.stderr and "读取并审核" not in plain.stderr
    assert re.sub(r"\x1b\[[0-9;]*m", "", shown.stdout) == plain.stdout


def test_an_error_still_speaks_chinese(tmp_path: Path) -> None:
    """typer.rich_utils is loaded for the error box, and put into Chinese as it loads."""
    modules, done = loaded(tmp_path, "check")
    assert done.returncode == 2
    assert "typer.rich_utils" in modules
    assert "缺少参数" in done.stderr and "错误" in done.stderr and "Missing" not in done.stderr
    _, done = loaded(tmp_path, "chek")
    assert "没有这个命令" in done.stderr and "您是否要输入" in done.stderr


@pytest.mark.parametrize("args", [["--help"], [], ["--lang", "en", "--help"]])
def test_help_lists_every_command_in_order(tmp_path: Path, args: list[str]) -> None:
    modules, done = loaded(tmp_path, *args)
    listed = [name for name in re.findall(r"^│ (\w+) {2,}", done.stdout, re.M) if name in ALL]
    assert listed == ALL, done.stdout
    assert "formkit.cli.serve" in modules  # every command registered


def test_the_imported_app_is_the_whole_application() -> None:
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    assert names == ALL


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["check", "a.xlsx"], "check"),
        (["--lang", "en", "check", "a.xlsx"], "check"),
        (["--lang=en", "summary"], "summary"),
        (["check", "--help"], "check"),
        (["--help"], None),
        (["--help", "check"], None),
        ([], None),
        (["chek"], None),
        (["--lang"], None),
        (["--bogus", "check"], None),
    ],
)
def test_the_command_argv_runs(argv: list[str], command: str | None) -> None:
    assert command_of(argv) == command


def test_the_progress_bar_draws_a_few_times_a_second_and_at_the_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A redraw costs about as much as collecting a file's result: a thousand files
    advance the bar a thousand times, which draws it at most ten times a second, and once
    when the task is done."""
    import io

    from rich.console import Console

    from formkit.cli import common

    # a terminal's standard error: elsewhere no bar is drawn at all
    monkeypatch.setattr(common, "err", Console(file=io.StringIO(), force_terminal=True))
    assert not isinstance(common.progress_bar(), common._Unseen)
    bar: Any = common.progress_bar()
    drawn: list[float] = []
    monkeypatch.setattr(bar, "refresh", lambda: drawn.append(bar.tasks[0].completed))
    task = bar.add_task("读取并审核", total=1000)
    for _ in range(1000):
        bar.advance(task)
    assert drawn[-1] == 1000  # the end is drawn
    assert 1 <= len(drawn) <= 20  # not once per file (the loop takes well under 2 s)


def test_the_process_ends_with_its_objects_out_of_the_collectors_reach(tmp_path: Path) -> None:
    """formkit/cli/boot.py: gc.freeze() is the last exit handler but those registered before
    formkit was imported, so finalization does not walk every object again; what the check
    wrote and printed is whole."""
    probe = (
        "import atexit, gc, runpy, sys\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count(), file=sys.stderr))\n"
        "sys.argv = ['formkit', *sys.argv[1:]]\n"
        "runpy.run_module('formkit', run_name='__main__', alter_sys=True)\n"
    )
    out = tmp_path / "out.json"
    done = _python(tmp_path, probe, "check", "-j", "1", "--json", str(out), str(SAMPLE))
    assert done.returncode == 0, done.stderr
    frozen = re.search(r"frozen (\d+)", done.stderr)
    assert frozen and int(frozen.group(1)) > 10_000  # the imports' objects, frozen at exit
    assert "已受理 1 个" in done.stdout
    assert json.loads(out.read_text("utf-8"))["results"][0]["status"] == "accepted"


def test_the_imports_run_without_the_collector_and_leave_it_on() -> None:
    """formkit/cli/boot.py: formkit.cli and a command's module are imported with the garbage
    collector off (it walked their objects about sixty times), their objects then frozen,
    and the collector is on afterwards, for the command and for anyone importing it."""
    probe = (
        "import gc\n"
        "before = sum(s['collections'] for s in gc.get_stats())\n"
        "import formkit.cli\n"
        "on = gc.isenabled()\n"
        "formkit.cli._register(['check', 'summary'])\n"
        "after = sum(s['collections'] for s in gc.get_stats())\n"
        "print(on, gc.isenabled(), after - before, gc.get_freeze_count())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    on, still, collections, frozen = done.stdout.split()
    assert on == still == "True"
    assert int(collections) < 10  # before boot.py: about sixty
    # what the imports made is out of the collector's reach: a forked worker's first
    # collection does not walk (and copy) it
    assert int(frozen) > 10_000


def test_without_colours_the_highlighter_is_off_and_the_text_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """formkit/cli/common.py: where rich writes no colours its highlighter's styles are not
    written either, so it is not run (compiling its expressions was ~4 ms of a check)."""
    import io

    from rich.console import Console
    from rich.highlighter import NullHighlighter, ReprHighlighter

    from formkit.cli import common

    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "dumb")  # no colours even on a terminal (pytest -s)
    assert isinstance(common._console().highlighter, NullHighlighter)
    assert isinstance(common._console(stderr=True).highlighter, NullHighlighter)
    text = "已受理 12 个，未受理 0 个；[bold]符合[/] 3.5 个，截止 2006-04-30，见 C:\\表\\a.xlsx。"
    shown = []
    for highlighter in (ReprHighlighter(), NullHighlighter()):
        console = Console(file=io.StringIO(), width=80, highlighter=highlighter)
        assert console.color_system is None
        console.print(text)
        shown.append(console.file.getvalue())  # type: ignore[attr-defined]
    assert shown[0] == shown[1]
    monkeypatch.setenv("FORCE_COLOR", "1")  # colours: numbers are highlighted as before
    monkeypatch.setenv("TERM", "xterm-256color")
    assert isinstance(common._console().highlighter, ReprHighlighter)
