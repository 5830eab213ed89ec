"""records.reporting_unit: Reference.unit remembered per reference, with the same answers."""

from __future__ import annotations

import dataclasses

from formkit.records import reporting_unit
from formkit.reference import load_reference


def test_same_answers_as_reference_unit() -> None:
    ref = load_reference()
    names = [n for u in ref.units for n in (u.name, u.code, *u.aliases)]
    names += ["", "江苏", " 江 苏 省 ", "火星省", "=1+1"]
    for _ in range(2):  # asked, then remembered
        for name in names:
            assert reporting_unit(ref, name) == ref.unit(name), name


def test_each_reference_answers_for_itself() -> None:
    ref = load_reference()
    first = ref.units[0]
    other = dataclasses.replace(ref, units=ref.units[1:])
    assert reporting_unit(ref, first.name) == first
    assert reporting_unit(other, first.name) is None
    assert reporting_unit(ref, first.name) == first
