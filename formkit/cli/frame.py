"""The command line's own frame in Chinese: usage line, panel titles, type labels, errors.

typer (0.29) carries its own copy of click whose words are fixed English strings ("Usage:",
"Options", "Missing argument 'paths'.", "No such command 'chek'."), not gettext messages.
`install("zh")` puts Chinese in their place where typer prints them: the panel titles
and hints are module constants, the usage prefix and the help option's text are set where
they are made, and an error's message is translated by the patterns below just before it
is printed. `install("en")` restores typer's own words. typer imports `typer.rich_utils`
(and with it rich.markdown, rich.traceback, pygments) only to print help or an error, so its
part is changed when it is imported: a command that just runs does not load it. Only this
module and coerce.py (values converted without pydantic) know typer's internals;
tests/test_cli_frame.py and tests/test_cli_coerce.py fail if a typer upgrade moves them.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import re
import sys
from collections.abc import Callable
from typing import Any

# error messages: (pattern, Chinese); {0}, {1}… are the pattern's groups
_ERRORS: list[tuple[str, str]] = [
    (r"No such command '(.*)'\. Did you mean (.*)\?", "没有这个命令：“{0}”。您是否要输入 {1}？"),
    (r"No such command '(.*)'\.?", "没有这个命令：“{0}”。"),
    (r"Missing command\.?", "缺少命令。"),
    (r"Missing argument '(.*)'\.?(.*)", "缺少参数：{0}。{1}"),
    (r"Missing option '(.*)'\.?(.*)", "缺少选项：{0}。{1}"),
    (r"Missing parameter: (.*)", "缺少参数：{0}"),
    (
        r"No such option: (\S+) \(Possible options: (.*)\)",
        "没有这个选项：{0}（可用的相近选项：{1}）",
    ),
    (r"No such option: (\S+)", "没有这个选项：{0}"),
    (r"Option '(.*)' requires an argument\.", "选项 {0} 后面要给一个值。"),
    (r"Option '(.*)' requires (\d+) arguments\.", "选项 {0} 后面要给 {1} 个值。"),
    (r"Option '(.*)' does not take a value\.", "选项 {0} 不带值。"),
    (r"Got unexpected extra arguments? \((.*)\)", "多出了参数：{0}"),
    (r"Invalid value for (.*?): (.*)", "{0} 的值无效：{1}"),
    (r"Invalid value: (.*)", "值无效：{0}"),
    (r"'(.*)' is not a valid integer(?: range)?\.", "“{0}”不是整数。"),
    (r"'(.*)' is not a valid float(?: range)?\.", "“{0}”不是数字。"),
    (r"Value '(.*)' is not a valid (\w+)\.", "“{0}”不是有效的{1}。"),
    (r"(?:Path|File|Directory) '(.*)' does not exist\.", "找不到：{0}"),
    (r"'(.*)' is not one of (.*)\.", "“{0}”不是可选值之一：{1}。"),
]
# pydantic's words inside typer's messages
_FRAGMENTS = {
    "Input should be a valid integer, unable to parse string as an integer": "应为整数",
    "Input should be a valid integer": "应为整数",
    "Input should be a valid number, unable to parse string as a number": "应为数字",
    "Input should be a valid number": "应为数字",
    "Input should be a valid boolean": "应为是或否",
}
# the usage line's placeholders
_USAGE = {"[OPTIONS]": "[选项]", "COMMAND [ARGS]...": "命令 [参数]..."}
_TYPES = {
    "<path>": "<路径>",
    "<file>": "<文件>",
    "<directory>": "<文件夹>",
    "<int>": "<整数>",
    "<float>": "<数字>",
    "<str>": "<文字>",
    "<bool>": "",
    "<list[Path]>": "<路径>",
    "<list[str]>": "<文字>",
}
_FRAME_ZH = {
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "ABORTED_TEXT": "已中止。",
    "RICH_HELP": "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。",
    "DEFAULT_STRING": "[默认：{}]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "REQUIRED_LONG_STRING": "[必填]",
    "DEPRECATED_STRING": "（已弃用）",
}
USAGE_ZH, HELP_ZH = "用法：", "显示本帮助并退出。"

_state: dict[str, Any] = {"lang": "en", "saved": {}}


def translate_error(message: str) -> str:
    """A typer/click error message in Chinese (unchanged when no pattern knows it)."""
    text = message.strip()
    for english, zh in _FRAGMENTS.items():
        text = text.replace(english, zh)
    for pattern, zh in _ERRORS:
        m = re.fullmatch(pattern, text, re.S)
        if m:
            return zh.format(*(g.strip() if g else "" for g in m.groups())).strip()
    return text


def install(lang: str = "zh") -> None:
    """Put the frame into Chinese ("zh") or back into typer's English ("en")."""
    # typer's internals, untyped on purpose: this module replaces some of their attributes
    click_core: Any = importlib.import_module("typer._click.core")
    formatting: Any = importlib.import_module("typer._click.formatting")
    typer_core: Any = importlib.import_module("typer.core")

    saved: dict[str, Any] = _state["saved"]
    if "write_usage" not in saved:  # typer's own, once
        saved["write_usage"] = formatting.HelpFormatter.write_usage
        saved["get_help_option"] = click_core.Command.get_help_option
        saved["display_type"] = typer_core._TyperParameter.display_type
    if lang == _state["lang"]:
        return
    _state["lang"] = lang
    # the panels, the error box and the tables are typer.rich_utils', which typer imports
    # only to print help or an error (it pulls rich.markdown, rich.traceback, pygments):
    # changed when it is imported, so a command that just runs does not load it
    _with_rich_utils("frame", _rich_frame)
    if lang != "zh":
        formatting.HelpFormatter.write_usage = saved["write_usage"]
        click_core.Command.get_help_option = saved["get_help_option"]
        typer_core._TyperParameter.display_type = saved["display_type"]
        return
    write_usage: Callable[..., None] = saved["write_usage"]
    get_help_option: Callable[..., Any] = saved["get_help_option"]
    display_type: Callable[..., str] = saved["display_type"]

    def usage_zh(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        for english, zh in _USAGE.items():
            args = args.replace(english, zh)
        write_usage(self, prog, args, USAGE_ZH if prefix is None else prefix)

    def help_option_zh(self: Any, ctx: Any) -> Any:
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = HELP_ZH
        return option

    def display_type_zh(self: Any, ctx: Any) -> str:
        label = display_type(self, ctx)
        return _TYPES.get(label, label)

    formatting.HelpFormatter.write_usage = usage_zh
    click_core.Command.get_help_option = help_option_zh
    typer_core._TyperParameter.display_type = display_type_zh


def _rich_frame(ru: Any) -> None:
    """typer.rich_utils' words in the frame's current language."""
    saved: dict[str, Any] = _state["saved"]
    if "rich_format_error" not in saved:  # typer's own, once
        saved.update({name: getattr(ru, name) for name in _FRAME_ZH})
        saved["rich_format_error"] = ru.rich_format_error
        saved["Table"] = ru.Table
        saved["_make_rich_text"] = ru._make_rich_text
    if _state["lang"] != "zh":
        for name in _FRAME_ZH:
            setattr(ru, name, saved[name])
        ru.rich_format_error = saved["rich_format_error"]
        ru.Table = saved["Table"]
        ru._make_rich_text = saved["_make_rich_text"]
        return
    for name, text in _FRAME_ZH.items():
        setattr(ru, name, text)
    format_error: Callable[[Any], None] = saved["rich_format_error"]

    def format_error_zh(exc: Any) -> None:
        original = exc.format_message
        exc.format_message = lambda: translate_error(original())
        format_error(exc)

    ru.rich_format_error = format_error_zh
    ru.Table = _fold_table(saved["Table"])
    make_text: Callable[..., Any] = saved["_make_rich_text"]

    def folding_text(*args: Any, **kwargs: Any) -> Any:
        text = make_text(*args, **kwargs)
        if hasattr(text, "overflow"):
            text.overflow = "fold"
        return text

    ru._make_rich_text = folding_text


_RICH_UTILS = "typer.rich_utils"
_pending: dict[str, Callable[[Any], None]] = {}  # what to do to it once imported, by name


def _with_rich_utils(name: str, change: Callable[[Any], None]) -> None:
    """`change(typer.rich_utils)` now if it is imported, else as soon as it is."""
    module = sys.modules.get(_RICH_UTILS)
    if module is not None:
        change(module)
        return
    _pending[name] = change
    if not any(isinstance(f, _AfterImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterImport())


class _AfterImport(importlib.abc.MetaPathFinder):
    """Finds typer.rich_utils as the other finders do and runs the pending changes right
    after the module has run, before typer uses it."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != _RICH_UTILS:
            return None
        sys.meta_path.remove(self)  # once; and importlib.util.find_spec must not find it
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        loader: Any = spec.loader
        run = loader.exec_module

        def exec_module(module: Any) -> None:
            run(module)
            for change in list(_pending.values()):
                change(module)
            _pending.clear()

        loader.exec_module = exec_module  # this spec's own loader object
        return spec


def _fold_table(table: Any) -> Any:
    """rich's Table whose cells fold: Chinese has no spaces to wrap at, and rich would cut
    a help text wider than its column with "…" instead of wrapping it."""

    class FoldTable(table):  # type: ignore[misc]
        def add_row(self, *cells: Any, **options: Any) -> None:
            super().add_row(*cells, **options)
            for column in self.columns:
                column.overflow = "fold"

    return FoldTable


def param_help(mapping: dict[str, str]) -> None:
    """Show each option's help through `mapping` (its text -> the text to show), e.g. the
    English of `--lang en`; texts not in it are shown as written."""
    _with_rich_utils("param_help", lambda ru: _param_help(ru, mapping))


def _param_help(ru: Any, mapping: dict[str, str]) -> None:
    original: Callable[..., Any] = _state["saved"].get("_get_parameter_help") or (
        ru._get_parameter_help
    )
    _state["saved"]["_get_parameter_help"] = original

    def shown(*args: Any, **kwargs: Any) -> Any:
        param = kwargs.get("param")
        text = getattr(param, "help", None)
        if param is None or text not in mapping:
            return original(*args, **kwargs)
        param.help = mapping[text]
        try:
            return original(*args, **kwargs)
        finally:
            param.help = text

    ru._get_parameter_help = shown
