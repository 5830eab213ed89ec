"""What the 申报书's rules judge within one workbook (rules.py) and its review across one
unit's applications (quota.py) both name: the two kinds of application, the ids, clauses and
titles of the criteria the review looks at again, and which existing base a
re-certification claims (`match_base`, 五(一)).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from formkit.validate.engine import Status

RECERT, NEW = "现有基地重新认定", "新申报"

REGIONAL_ID, REGIONAL_CLAUSE = "new_regional_leading", "六(二)(2)"
REGIONAL_TITLE = "高新技术产品年出口额在本地区位居前列"


def as_number(v: Any) -> float | None:
    """A value as a number; None for text, a boolean or nothing."""
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


BASE_ID, BASE_CLAUSE = "recert_base", "五(一)、六(一)"
BASE_TITLE = "重新认定的是本单位的现有基地"


@functools.lru_cache(maxsize=4096)  # the reference's base names, for every application
def _key(text: str) -> str:
    """A name as compared: full-width folded, spaces and punctuation out."""
    return re.sub(r"[\s（）()·、,，。.:：;；“”\"'-]", "", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class BaseClaim:
    """What a re-certification's claim comes to against the unit's known bases (五(一)):
    `status` is the criterion's; `base` the base it is taken to be (status pass)."""

    status: Status
    detail: str
    base: Any = None  # formkit.reference.ExistingBase

    @property
    def base_key(self) -> tuple[str, str, str] | None:
        b = self.base
        return (b.type, b.unit, b.place) if b is not None else None


def match_base(reference: Any, unit: Any, base_type: Any, name: Any, city: Any) -> BaseClaim | None:
    """Match a re-certification to a base of its unit by type and place (五(一)).

    The named base (`recertified_base`) is matched against the places of the unit's bases
    of that type; without a name, the city; without either matching, the unit's only base
    of that type. No base of the unit matches: 不符合 where the reference's list of that
    type is complete (the unit has no such base), 需人工判断 (待核实) where it is not. None
    when the unit or the type is not known (other criteria say so)."""
    if unit is None or not isinstance(base_type, str) or not base_type:
        return None
    bases = reference.bases
    mine = [b for b in bases.of(unit.code) if b.type == base_type]
    named = _key(name) if isinstance(name, str) else ""
    town = _key(city).removesuffix("市") if isinstance(city, str) else ""

    def fits(b: Any, text: str) -> bool:
        place, full = _key(b.place), _key(b.name)
        return bool(text) and bool(place) and (place in text or full in text or text in full)

    other = [t for t in {b.type for b in bases.bases} if t != base_type and _key(t) in named]
    if other:
        return BaseClaim(
            "unknown", f"所填基地“{name}”是{other[0]}，与原基地类型“{base_type}”不一致"
        )
    if named:
        hits = [b for b in mine if fits(b, named)]
    else:
        hits = [b for b in mine if town and (town in _key(b.place) or fits(b, town))]
        if not hits and len(mine) == 1:
            hits = mine  # the unit's only base of the type
    if len(hits) == 1:
        b = hits[0]
        return BaseClaim("pass", f"对应参考数据中{unit.name}的{b.name}（{b.source}）", b)
    listed = "、".join(b.name for b in mine)
    if hits:
        return BaseClaim(
            "unknown",
            f"{unit.name}有 {len(hits)} 个{base_type}（{listed}），未写明重新认定的是哪一个",
        )
    claim = f"“{name}”" if named else f"{city or ''}的{base_type}"
    if bases.complete.get(base_type, False):
        return BaseClaim(
            "fail",
            f"参考数据中{unit.name}的{base_type}为：{listed or '无'}"
            f"（名单完整，截至 {bases.as_of}），没有{claim}；五(一)只对现有基地重新认定",
        )
    note = bases.notes.get(base_type, "名单不全")
    return BaseClaim(
        "manual",
        f"待核实：参考数据中{unit.name}的{base_type}"
        + (f"为{listed}" if mine else "未列出")
        + f"，该类名单不全（{note}），{claim}是否为{unit.name}的现有基地无法核实，"
        "请核实（可在参考数据中补充名单）",
    )
