"""Text measures the writers lay out rows with."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from formkit.cells import display_width, wrapped_lines

TEXT = st.text(
    alphabet=st.sampled_from(
        list("ab 1,.-_@") + list("中文申报书，。：“”（）—") + ["\n", "é", "😀", "\u3000"]
    ),
    max_size=120,
)


@given(TEXT, st.floats(min_value=4, max_value=80))
def test_wrapped_lines_never_undercounts(text: str, width: float) -> None:
    """Heights from it may have a line to spare, never a line too few."""
    usable = max(width - 1.5, 1.0)
    exact = sum(max(1, math.ceil(display_width(p) / usable)) for p in text.split("\n"))
    assert exact <= wrapped_lines(text, width) <= 2 * exact


def test_wrapped_lines_examples() -> None:
    assert wrapped_lines("", 10) == 1
    assert wrapped_lines("甲\n乙\n丙", 30) == 3  # short lines each take a line
    assert wrapped_lines("a" * 20, 10) == 3  # 22 units in 8.5 per line
    assert wrapped_lines("中" * 20, 10.5) == 5  # 40 units in 9 per line
