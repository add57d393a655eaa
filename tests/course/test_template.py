"""Templates: numbers in, LaTeX braces untouched, nothing evaluated."""
from __future__ import annotations

import decimal

import pytest

from derive.core.errors import UsageError
from derive.course.template import fill


def test_expression_fields_become_bracketed_numbers() -> None:
    v = {"a": 3, "b": -2, "c": decimal.Decimal("0.5")}
    assert fill("{a}*x^2 + exp({b}*x) + {c}", v, expression=True, what="t") == "3*x^2 + exp((-2)*x) + (0.5)"


def test_latex_braces_stay_and_prose_numbers_are_plain() -> None:
    v = {"a": -3}
    assert fill(r"$\frac{1}{2} x^{n} + {a}$", v, expression=False, what="t") == r"$\frac{1}{2} x^{n} + -3$"


def test_vector_entries_by_point_or_index() -> None:
    v = {"e": (1, 2, 3)}
    assert fill("{e}", v, expression=True, what="t", point=1) == "2"
    assert fill("{e[2]}", v, expression=True, what="t") == "3"
    with pytest.raises(UsageError, match="vector"):
        fill("{e}", v, expression=True, what="t")


def test_an_unknown_field_in_an_expression_is_an_error() -> None:
    with pytest.raises(UsageError, match="not a parameter"):
        fill("{z}*x", {"a": 1}, expression=True, what="problem p")


def test_text_that_is_not_a_field_is_never_evaluated() -> None:
    v = {"a": 1}
    out = fill("{__import__('os')} {a}", v, expression=False, what="t")
    assert out == "{__import__('os')} 1"
