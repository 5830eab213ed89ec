"""The command line speaks Chinese: typer's own frame and errors, help within 80 columns."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata

import pytest

from formkit.cli import app
from formkit.cli.frame import translate_error
from formkit.cli.help import HELP as _HELP
from tests.conftest import ROOT

COMMANDS = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
# typer's English frame words that must not reach an official
ENGLISH_FRAME = re.compile(
    r"Usage|Options|Commands|Arguments|Error|Missing|No such|Did you mean|Show this|"
    r"default:|required|Try '|<bool>|<path>|<int>|<str>|\[OPTIONS\]|COMMAND"
)


def formkit(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "formkit", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )


def width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def test_every_command_has_help_and_exit_codes() -> None:
    assert sorted(_HELP) == sorted(COMMANDS)


def test_top_level_help_is_chinese() -> None:
    result = formkit("--help")
    assert result.returncode == 0
    text = result.stdout
    for word in ("用法：", "选项", "命令", "显示本帮助并退出。", "[选项] 命令 [参数]..."):
        assert word in text, word
    assert not ENGLISH_FRAME.search(text), ENGLISH_FRAME.search(text)


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help_is_chinese_fits_80_columns_and_gives_exit_codes(command: str) -> None:
    result = formkit(command, "--help")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "退出码：" in text
    assert "…" not in text  # nothing cut off
    assert not ENGLISH_FRAME.search(text), ENGLISH_FRAME.search(text)
    assert max(width(line) for line in text.splitlines()) <= 80
    assert "账本" not in text  # the ledger is the 报送台账 everywhere


def test_mistyped_command_and_missing_argument_are_chinese() -> None:
    result = formkit("chek")
    assert result.returncode == 2
    assert "没有这个命令：“chek”。您是否要输入 'check'？" in result.stderr
    assert "运行 'python -m formkit --help' 查看帮助。" in result.stderr
    assert not ENGLISH_FRAME.search(result.stderr)
    result = formkit("check")
    assert result.returncode == 2
    assert "缺少参数：文件。" in result.stderr
    result = formkit("check", "--jobs", "x", "a.xlsx")
    assert "的值无效：应为整数" in result.stderr
    result = formkit("check", "--nope", "a.xlsx")
    assert "没有这个选项：--nope" in result.stderr


def test_lang_en_keeps_english_help() -> None:
    result = formkit("--lang", "en", "check", "--help")
    assert result.returncode == 0
    assert "Usage:" in result.stdout and "Exit codes: 0 no errors" in result.stdout
    assert "List every issue (file, sheet, cell, text)." in result.stdout
    assert "逐条列出问题" not in result.stdout and "用法" not in result.stdout
    assert "No such command 'chek'" in formkit("--lang", "en", "chek").stderr


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("Missing argument 'paths'.", "缺少参数：paths。"),
        ("No such command 'x'.", "没有这个命令：“x”。"),
        ("Got unexpected extra argument (b)", "多出了参数：b"),
        ("Option '--db' requires an argument.", "选项 --db 后面要给一个值。"),
        ("something formkit itself said", "something formkit itself said"),
    ],
)
def test_translate_error(english: str, chinese: str) -> None:
    assert translate_error(english) == chinese
