"""The standards of 需关注 (formkit evaluate --policy): the notice names none, so each comes
from a file the province or ministry writes, with its reason (docs/evaluation-policy.toml
is the template). Without one, the plain facts are flagged (DEFAULTS), saying so."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


class PolicyError(ValueError):
    """A policy file that cannot be used; the message says what is wrong, in Chinese."""


# ---------------------------------------------------------------- the policy (需关注 standards)


@dataclass(frozen=True)
class Rule:
    """One standard: flag `kind` when its measure reaches `value`; `reason` says why."""

    kind: str
    value: float
    reason: str
    by_policy: bool  # written in the policy file (else the plain fact, see DEFAULTS)


# kind -> (title, the policy key holding the value, how the standard reads)
FLAGS: dict[str, tuple[str, str, str]] = {
    "missing": ("缺报", "count", "一年中缺报 {v:g} 期及以上"),
    "late": ("逾期报送", "days", "报表迟于报送时限 {v:g} 天及以上"),
    "incomplete": ("数据不完整", "percent", "必填数据完整率低于 {v:g}%"),
    "decline": ("下降", "percent", "出口额或高新技术产品出口额同比增速低于 {v:g}%"),
    "below_nation": ("低于全国增速", "points", "同比增速低于全国同期增速 {v:g} 个百分点以上"),
    "inconsistency": ("跨期问题未解决", "errors", "跨期核对的错误 {v:g} 个及以上未解决"),
    "enterprises_dropped": ("重点企业退出", "count", "年内退出的重点企业 {v:g} 家及以上"),
}
# what is flagged without a policy: the facts the notice's reporting duty makes plain
DEFAULTS: dict[str, float] = {"missing": 1, "decline": 0, "inconsistency": 1}
DEFAULT_REASON = "通知未规定需关注的标准，本项按事实列出（未设关注标准）"


@dataclass(frozen=True)
class Policy:
    rules: Mapping[str, Rule]
    by: str = ""  # who set it (制定单位)
    date: str = ""
    source: str = ""  # the file

    def rule(self, kind: str) -> Rule | None:
        return self.rules.get(kind)

    def describe(self, kind: str) -> str:
        rule = self.rules[kind]
        text = FLAGS[kind][2]
        standard = text.format(v=rule.value)
        who = f"（{self.by}{' ' + self.date if self.date else ''}）" if self.by else ""
        return f"{standard}；理由：{rule.reason}" + (who if rule.by_policy else "")


def default_policy() -> Policy:
    return Policy({k: Rule(k, v, DEFAULT_REASON, False) for k, v in DEFAULTS.items()})


def load_policy(path: str | os.PathLike[str] | None) -> Policy:
    """The standards of a policy file (TOML; see docs/evaluation-policy.toml), laid over
    the defaults. Every standard it sets needs its reason; raises PolicyError."""
    if path is None:
        return default_policy()
    name = Path(path).name
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise PolicyError(f"关注标准文件 {name} 无法读取：{exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"关注标准文件 {name} 格式有误：{exc}") from None
    rules = dict(default_policy().rules)
    head = data.pop("policy", {})
    if not isinstance(head, Mapping) or set(head) - {"by", "date"}:
        raise PolicyError(f"{name}：[policy] 只能有 by（制定单位）和 date（制定日期）")
    for kind, entry in data.items():
        if kind not in FLAGS:
            raise PolicyError(f"{name}：没有关注项目“{kind}”（可用：{'、'.join(FLAGS)}）")
        title, key, _ = FLAGS[kind]
        if not isinstance(entry, Mapping) or set(entry) - {key, "reason", "off"}:
            raise PolicyError(f"{name}：[{kind}]（{title}）只能有 {key}、reason 和 off")
        if entry.get("off") is True:
            if not str(entry.get("reason", "")).strip():
                raise PolicyError(f"{name}：[{kind}]（{title}）不列出时也须写明理由（reason）")
            rules.pop(kind, None)
            continue
        value = entry.get(key)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise PolicyError(f"{name}：[{kind}]（{title}）的 {key} 应为数字")
        reason = str(entry.get("reason", "")).strip()
        if not reason:
            raise PolicyError(f"{name}：[{kind}]（{title}）须写明理由（reason）")
        rules[kind] = Rule(kind, float(value), reason, True)
    ordered = {k: rules[k] for k in FLAGS if k in rules}
    return Policy(ordered, str(head.get("by", "")), str(head.get("date", "")), name)
