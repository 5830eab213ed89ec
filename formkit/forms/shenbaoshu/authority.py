"""The issuing authority of a province's 推荐文件: its commerce department's full name.

The notice writes to "各省、自治区、直辖市、计划单列市及新疆生产建设兵团商务主管部门"; a 公文
goes out under the department's own name (发文机关标志, title, 落款). authorities.toml beside
this module gives each reporting unit's department as it was named in 2006, with whether a
citable source was found; the province may always give its own name (`recommend
--authority`), which is then used as given.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TABLE = Path(__file__).with_name("authorities.toml")


@dataclass(frozen=True)
class Authority:
    name: str
    checked: bool  # a citable source was found for the name (or the province gave it)
    source: str
    given: bool = False  # given by the province (--authority)

    @property
    def self_reference(self) -> str:
        """How the department calls itself in its own text: 我厅, 我委, 我局."""
        for ending, word in (("厅", "我厅"), ("委员会", "我委"), ("委", "我委"), ("局", "我局")):
            if self.name.endswith(ending):
                return word
        return "我单位"

    @property
    def note(self) -> str:
        """Where the name came from, for the person who sends the document (Chinese)."""
        if self.given:
            return f"发文机关：{self.name}（按给出的名称）"
        if self.checked:
            return f"发文机关：{self.name}（参考数据，来源：{self.source}）"
        return (
            f"发文机关：{self.name}（参考数据中 2006 年的机构名称，{self.source}）；"
            "如名称不同，请用 --authority 给出本机关全称"
        )


@functools.cache
def _table() -> dict[str, Authority]:
    data = tomllib.loads(TABLE.read_text(encoding="utf-8"))
    return {
        str(row["unit"]): Authority(str(row["name"]), bool(row["checked"]), str(row["source"]))
        for row in data["authority"]
    }


def authority_for(unit: str | None, reference: Any = None, given: str | None = None) -> Authority:
    """The department that recommends for `unit` (a reporting unit's name or alias).

    `given` (the province's own name for itself) wins; otherwise the table's name; a unit
    the table does not know gets "<unit>商务主管部门", flagged as not checked.
    """
    if given and given.strip():
        return Authority(given.strip(), True, "", given=True)
    if reference is None:
        from formkit.reference import load_reference

        reference = load_reference()
    found = reference.unit(unit) if unit else None
    if found is not None and found.code in _table():
        return _table()[found.code]
    name = (found.name if found is not None else unit) or ""
    return Authority(f"{name}商务主管部门", False, "参考数据中没有该推荐单位的发文机关")
