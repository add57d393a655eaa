"""The typed order: readers record it, printers keep it (issue 13: the user's notation is sacred)."""
from __future__ import annotations

import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.parse.latex import parse_latex_ordered
from derive.parse.order import TermOrder, positive_first
from derive.parse.text import parse_text_ordered
from derive.render.notation.latex import tex
from derive.render.notation.order import typed_order
from derive.render.notation.text import utext

x, y, p, a, b = sp.symbols("x y p a b", real=True)


def _shown(text: str, expr: sp.Expr | None = None) -> str:
    e, order = parse_text_ordered(text)
    with typed_order(order):
        return utext(e if expr is None else expr)


def test_a_typed_sum_prints_as_typed() -> None:
    assert _shown("(1-x)^2 + 100*(y - x^2)^2") == "(1 - x)² + 100·(y - x²)²"
    assert _shown("b - a") == "b - a"
    assert _shown("-a + b") == "-a + b"  # even a leading minus, when typed so


def test_a_multiple_of_a_typed_sum_keeps_its_order() -> None:
    assert _shown("(y - x^2)^2", 2 * y - 2 * x**2) == "2·y - 2·x²"
    assert _shown("(y - x^2)^2", 2 * x**2 - 2 * y) == "2·x² - 2·y"


def test_without_typed_order_positive_terms_come_first() -> None:
    with typed_order(None):
        assert utext(2 - y * sp.sin(x)) == "2 - y·sin(x)"
        assert utext(-a + b) == "b - a"


def test_latex_input_keeps_its_order() -> None:
    e, order = parse_latex_ordered(r"\sigma(w x + b) + (y - x^2)")
    with typed_order(order):
        assert "w x + b" in tex(e)
        assert tex(e).endswith("y - x^{2}")


def test_partial_sums_of_a_longer_sum_are_not_typed_sums() -> None:
    _, order = parse_text_ordered("x^2 + y - 11")
    assert order.sums() == [x**2 + y - 11]


def test_decimals_typed_print_as_decimals() -> None:
    e, order = parse_text_ordered("0.26*x - 0.48*y")
    assert order.decimals
    with typed_order(order):
        assert utext(sp.Rational(13, 25) * x) == "0.52·x"
        assert utext(sp.Rational(1, 3) * x) == "x/3"  # does not end: stays a fraction
        assert tex(sp.Rational(-1, 8)) == "-0.125"
    _, exact = parse_text_ordered("13/25*x")
    with typed_order(exact):
        assert utext(sp.Rational(13, 25) * x) == "13·x/25"


def test_decimal_text_is_exact() -> None:
    order = TermOrder(decimals=True)
    assert order.decimal(sp.Rational(1, 1024)) is None  # ten places: stays a fraction
    assert order.decimal(sp.Rational(1, 256)) == "0.00390625"
    assert order.decimal(sp.Rational(-7, 20)) == "-0.35"
    assert order.decimal(sp.Rational(5, 2)) == "2.5"
    assert order.decimal(sp.Integer(3)) is None


@given(st.lists(st.integers(-9, 9).filter(bool), min_size=2, max_size=5))
@settings(max_examples=60, deadline=None)
def test_any_typed_order_of_terms_is_printed_back(coeffs: list[int]) -> None:
    names = ["a", "b", "p", "x", "y"][: len(coeffs)]
    text = " + ".join(f"{c}*{n}" if c > 0 else f"({c})*{n}" for c, n in zip(coeffs, names))
    e, order = parse_text_ordered(text)
    with typed_order(order):
        shown = utext(e)
    positions = [shown.index(n) for n in names]
    assert positions == sorted(positions), (text, shown)


def test_positive_first_keeps_the_relative_order() -> None:
    assert positive_first([-a, b, -x, y]) == [b, y, -a, -x]
