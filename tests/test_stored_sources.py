"""A Submission loaded from the ledger makes its Sources when first asked (StoredSources):
every way of reading them gives what the eager dict gave."""

from __future__ import annotations

import copy
import dataclasses
import json
import operator
import pickle
from typing import Any

import pytest

from formkit.read.submission import Source, StoredSources, from_json

DOC: dict[str, Any] = {
    "file": "a.xlsx",
    "sha256": "0" * 64,
    "status": "accepted",
    "values": {"export_value_q": 1.5, "province": "江苏省"},
    "provenance": {"export_value_q": "数据表!C7", "province": "封面!B3", "odd": "nocell"},
    "located": {"export_value_q": "name", "province": "label"},
}
EAGER = {
    "export_value_q": Source("数据表", "C7", None, "stored", "name"),
    "province": Source("封面", "B3", None, "stored", "label"),
    "odd": Source("", "nocell", None, "stored", ""),
}

READS = {
    "==": lambda s: s == EAGER,
    "== (reflected)": lambda s: operator.eq(EAGER, s),
    "!=": lambda s: s.__ne__(EAGER) is False,
    "dict()": lambda s: dict(s) == EAGER,
    "{**}": lambda s: {**s} == EAGER,
    "|": lambda s: (s | {}) == EAGER,
    "len": lambda s: len(s) == 3,
    "bool": lambda s: bool(s),
    "iter": lambda s: list(s) == list(EAGER),
    "reversed": lambda s: list(reversed(s)) == list(reversed(EAGER)),
    "keys": lambda s: list(s.keys()) == list(EAGER),
    "values": lambda s: list(s.values()) == list(EAGER.values()),
    "items": lambda s: list(s.items()) == list(EAGER.items()),
    "get": lambda s: s.get("province") == EAGER["province"] and s.get("nope") is None,
    "[]": lambda s: s["export_value_q"].ref == "数据表!C7",
    "in": lambda s: "odd" in s and "nope" not in s,
    "repr": lambda s: repr(s) == repr(EAGER),
    "copy": lambda s: s.copy() == EAGER and copy.copy(s) == EAGER,
    "deepcopy": lambda s: copy.deepcopy(s) == EAGER,
    "pickle": lambda s: pickle.loads(pickle.dumps(s)) == EAGER,
    "pop": lambda s: s.pop("odd") == EAGER["odd"] and len(s) == 2,
    "setitem": lambda s: (s.__setitem__("x", EAGER["odd"]), len(s))[1] == 4,
    "update": lambda s: (s.update(y=EAGER["odd"]), len(s))[1] == 4,
    "setdefault": lambda s: s.setdefault("province") == EAGER["province"],
    "json of dict()": lambda s: json.loads(json.dumps(dict(s))) == json.loads(json.dumps(EAGER)),
}


@pytest.mark.parametrize("how", list(READS))
def test_stored_sources_read_as_the_eager_dict(how: str) -> None:
    sub = from_json(DOC)
    assert isinstance(sub.sources, StoredSources)
    assert READS[how](sub.sources)


def test_a_copy_of_the_submission_and_an_equal_one() -> None:
    a, b = from_json(DOC), from_json(DOC)
    assert a == b
    assert dataclasses.replace(a, file="b.xlsx").sources == EAGER
    empty = from_json({**DOC, "provenance": {}})
    assert not empty.sources and empty.sources == {}
    cleared = from_json(DOC).sources
    cleared.clear()
    assert cleared == {} and len(cleared) == 0
    assert from_json(DOC).to_json()["provenance"] == {k: v.ref for k, v in EAGER.items()}


def test_asdict_copies_the_sources() -> None:
    sub = from_json(DOC)
    assert dataclasses.asdict(sub)["sources"] == EAGER
    assert sub.sources == EAGER
