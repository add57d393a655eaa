"""derive/forms.py: results as a teacher writes them, always equal to what they rewrite."""
from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.forms import canonical, longer, ops, shown, sums_in, teacher_form

x, y, n, p = sp.symbols("x y n p", real=True)


def test_rosenbrock_in_the_question_s_own_sums() -> None:
    typed = [1 - x, y - x**2]
    value = -200 * x * (-2 * x**2 + 2 * y) + 2 * x - 2
    t = teacher_form(value, typed)
    assert t is not None
    assert sp.expand(canonical(t) - value) == 0
    assert str(t) in {"-400*x*(-x**2 + y) - 2*(1 - x)", "-2*(1 - x) - 400*x*(-x**2 + y)"}


def test_content_comes_out_of_a_sum() -> None:
    t = teacher_form(2 * x * (2 * x**2 + 2 * y - 22), [x**2 + y - 11])
    assert t == 4 * x * (x**2 + y - 11)


def test_a_minus_sign_is_absorbed_by_one_minus_p() -> None:
    assert teacher_form(-n / (p * (p - 1)), []) == n / (p * (1 - p))
    assert teacher_form(n / (p * (1 - p)), []) is None  # nothing to do


def test_shown_only_returns_a_proved_equal_form() -> None:
    e = -p * (p - 1) / n
    s = shown(e, sums_in(p**x * (1 - p) ** (1 - x)))
    assert sp.cancel(canonical(s) - e) == 0 and str(s) == "p*(1 - p)/n"


def test_decimal_length() -> None:
    e = sp.Rational(13, 25) * x - sp.Rational(12, 25) * y
    f = sp.Mul(sp.Rational(1, 25), 13 * x - 12 * y, evaluate=False)
    assert ops(e, decimals=True) < ops(f, decimals=True)
    assert ops(e) > ops(f)
    assert longer(f, e, slack=0, decimals=True) and not longer(e, f, slack=0, decimals=True)


_terms = st.lists(st.tuples(st.integers(-6, 6).filter(bool), st.sampled_from([x, y, x**2, x * y, sp.Integer(1)])),
                  min_size=2, max_size=4)


@pytest.mark.slow
@given(_terms, _terms, st.integers(-5, 5).filter(bool))
@settings(max_examples=150, deadline=None)
def test_teacher_form_is_always_equal(a: list[tuple[int, sp.Expr]], b: list[tuple[int, sp.Expr]], k: int) -> None:
    s1 = sp.Add(*(c * m for c, m in a))
    s2 = sp.Add(*(c * m for c, m in b))
    value = sp.expand(k * s1) + x * s2 ** 3 - s2
    t = teacher_form(value, [s1, s2])
    if t is not None:
        assert sp.expand(canonical(t) - value) == 0
