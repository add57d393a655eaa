"""Parameter domains and the grid: exact values, errors, and a grid index that covers every combination once."""
from __future__ import annotations

import decimal
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.core.errors import UsageError
from derive.course.params import Choice, Decimal, Grid, Int, number, number_text


def test_int_values_include_both_ends_and_drop_exclusions() -> None:
    assert Int(-2, 2, exclude=(0,)).values() == (-2, -1, 1, 2)
    assert Int(1, 9, step=4).values() == (1, 5, 9)


def test_decimal_values_are_exact() -> None:
    vals = Decimal("0.1", "0.9", "0.1").values()
    assert len(vals) == 9
    assert vals[2] == decimal.Decimal("0.3")  # not 0.30000000000000004
    assert [number_text(v) for v in Decimal(0.5, 2.5, 0.5).values()] == ["0.5", 1, "1.5", 2, "2.5"] or \
        [number_text(v) for v in Decimal(0.5, 2.5, 0.5).values()] == ["0.5", "1", "1.5", "2", "2.5"]


def test_choice_keeps_order_and_drops_repeats() -> None:
    assert Choice(3, 1, 3, "0.5").values() == (3, 1, decimal.Decimal("0.5"))


@pytest.mark.parametrize("bad", [
    lambda: Int(1, 10**6).values(),  # too many values
    lambda: Int(5, 1).values(),  # empty
    lambda: Int(1, 5, step=0).values(),
    lambda: Decimal("0", "1", "-0.1").values(),
    lambda: Choice("x").values(),  # not a number: never evaluated
    lambda: Choice(float("nan")).values(),
    lambda: Int(1, 3, size=0).values(),
])
def test_bad_domains_are_usage_errors(bad: object) -> None:
    with pytest.raises(UsageError):
        bad()  # type: ignore[operator]


def test_number_reads_decimal_text_exactly() -> None:
    assert number("2", "t") == 2 and isinstance(number("2", "t"), int)
    assert number("2.50", "t") == decimal.Decimal("2.5")
    assert number_text(decimal.Decimal("-0.250")) == "-0.25"


@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.integers(1, 3))
@settings(max_examples=40, deadline=None)
def test_grid_index_is_a_bijection_onto_the_combinations(sizes: list[int], vec: int) -> None:
    domains = {f"p{i}": Int(0, n - 1) for i, n in enumerate(sizes)}
    domains["v"] = Int(0, 1, size=vec)
    grid = Grid(domains)
    assert grid.size == 2 ** vec * int(__import__("math").prod(sizes))
    seen = {tuple((k, v) for k, v in grid.at(i).items()) for i in range(grid.size)}
    assert len(seen) == grid.size
    every = {tuple(sorted({**{f"p{i}": c[i] for i in range(len(sizes))}, "v": tuple(c[len(sizes):])}.items()))
             for c in itertools.product(*[range(n) for n in sizes], *[range(2)] * vec)}
    assert seen == every


def test_parameter_names_must_be_identifiers() -> None:
    with pytest.raises(UsageError, match="parameter name"):
        Grid({"a b": Int(1, 2)})
