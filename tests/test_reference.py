"""Reference lookups: a unit by any of its names, from tables built once per reference."""

from __future__ import annotations

import dataclasses

from formkit.reference import load_reference


def test_every_name_code_and_alias_finds_its_unit() -> None:
    ref = load_reference()
    for u in ref.units:
        for name in (u.name, u.code, *u.aliases, f" {u.name} "):
            assert ref.unit(name) == u, name
        for alias in (*u.aliases, u.code):
            assert ref.unit_names[alias] == u.name
    assert ref.unit(" 江 苏 省 ") == ref.unit("江苏省") is not None  # spaces anywhere
    for nothing in ("", "火星省", "=1+1"):
        assert ref.unit(nothing) is None


def test_each_reference_answers_for_itself() -> None:
    """The tables are kept per reference: one built without a unit does not know it."""
    ref = load_reference()
    first = ref.units[0]
    assert ref.unit(first.name) == first  # the table is built and kept
    other = dataclasses.replace(ref, units=ref.units[1:])
    assert other.unit(first.name) is None and first.code not in other.unit_names
    assert ref.unit(first.name) == first
