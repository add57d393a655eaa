"""Constraints: read by our parser, compared exactly; an undefined side fails the constraint."""
from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.core.errors import DeriveError
from derive.course.constraints import parse_constraint


def test_comparisons_are_exact() -> None:
    c = parse_constraint("b^2 - 4*a*c != 0", "t")
    assert c.holds({"a": sp.Integer(1), "b": sp.Integer(2), "c": sp.Integer(2)})
    assert not c.holds({"a": sp.Integer(1), "b": sp.Integer(2), "c": sp.Integer(1)})
    third = sp.Rational(1, 3)
    assert parse_constraint("a + a + a == 1", "t").holds({"a": third})  # no float rounding


def test_a_chain_and_an_undefined_side() -> None:
    c = parse_constraint("0 < p < 1", "t")
    assert c.holds({"p": sp.Rational(1, 2)}) and not c.holds({"p": sp.Integer(1)})
    assert not parse_constraint("1/(a - b) > 0", "t").holds({"a": sp.Integer(2), "b": sp.Integer(2)})


@pytest.mark.parametrize("text", ["a", "", "a != ", "a != (b", "a != b;"])
def test_bad_constraints_are_one_line_errors(text: str) -> None:
    with pytest.raises(DeriveError):
        parse_constraint(text, "sheet.toml: problem[1].constraints")


def test_unknown_names_never_hold() -> None:
    assert not parse_constraint("import os != 1", "t").holds({"a": sp.Integer(1)})


@given(st.integers(-20, 20), st.integers(-20, 20), st.sampled_from(["!=", "<", "<=", ">", ">=", "=="]))
@settings(max_examples=60, deadline=None)
def test_agrees_with_python_on_integers(a: int, b: int, op: str) -> None:
    expected = {"!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b}[op]
    assert parse_constraint(f"a {op} b", "t").holds({"a": sp.Integer(a), "b": sp.Integer(b)}) is expected
