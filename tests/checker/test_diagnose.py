"""The usual slips, each planted and named: by example, and planted by Hypothesis into random identities."""
from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from derive.core.budget import Budget
from derive.checker.derived import derive_correct
from derive.checker.diagnose import diagnose, diagnose_equations
from derive.checker.model import Hint
from derive.render.formats.latex import hint_tex
from derive.checker.probe import Declared
from derive.parse.domain import VarDomain
from derive.render.notation.text import hint_text
from tests.checker.conftest import MU, N, THETA, X, I, total, x

DECLARED = Declared({"theta": VarDomain("theta", 0.0)})
LOGLIK = sp.Derivative(N * sp.log(THETA) - THETA * total(X[I]), THETA)
m, k, p = sp.symbols("m k p", integer=True, positive=True)
W, a, b = sp.MatrixSymbol("W", m, k), sp.MatrixSymbol("a", m, 1), sp.MatrixSymbol("b", k, 1)
A, v = sp.MatrixSymbol("A", p, p), sp.MatrixSymbol("v", p, 1)


def hint(lhs: sp.Basic, rhs: sp.Basic) -> str | None:
    d = diagnose(lhs, rhs, DECLARED, Budget().start())
    return None if d is None else hint_text(d.hint.parts)


@pytest.mark.parametrize("lhs,rhs,expected", [
    (LOGLIK, 1 / THETA - total(X[I]), "missing factor n"),
    (LOGLIK, -N / THETA + total(X[I]), "sign flip"),
    (LOGLIK, 2 * (N / THETA - total(X[I])), "extra factor 2"),
    (LOGLIK, (N / THETA - total(X[I])) / 2, "missing factor 2"),
    (LOGLIK, N / THETA, "dropped term"),
    (LOGLIK, N / THETA - total(X[I]) + THETA, "extra term"),
    (sp.Derivative((a.T * W * b)[0, 0], W), b * a.T, "transposition"),
    (sp.Derivative((v.T * A * v)[0, 0], v), 2 * A * v, "symmetric"),
    (sp.Derivative(x**3, x), 3 * x**3, "power off by one"),
    (sp.Derivative(sp.sin(x**2), x), sp.cos(x**2), "chain factor"),
    (total(X[I] * MU), MU * X[I], "escaped its sum"),
])
def test_each_slip_is_named(lhs: sp.Basic, rhs: sp.Basic, expected: str) -> None:
    found = hint(lhs, rhs)
    assert found is not None and expected in found


def test_the_expected_right_side_is_correct() -> None:
    d = diagnose(LOGLIK, 1 / THETA - total(X[I]), DECLARED, Budget().start())
    assert d is not None and d.expected is not None
    assert sp.simplify(d.expected - (N / THETA - total(X[I]))) == 0


def test_a_wild_error_gets_the_difference_not_a_named_slip() -> None:
    found = hint(LOGLIK, sp.exp(THETA) + sp.cos(total(X[I])))
    assert found is not None and found.startswith("the two sides differ by")


def test_a_long_difference_gets_no_hint() -> None:
    wild = sp.exp(THETA) * sp.cos(total(X[I])) + sp.atan(THETA * N) ** 3 / (1 + total(X[I] ** 4))
    assert hint(LOGLIK, wild) is None


# -- each slip planted into a random correct identity (Hypothesis) ------------------------------------

U, V = sp.symbols("u v", positive=True)
POOL = (U, V, U * V, U**2, sp.sin(U), sp.cos(V), sp.exp(U), sp.log(V), sp.sqrt(U) * V)
"""Functions no two of which are proportional: a slip in one term cannot be mistaken for another slip."""
FACTORS = (sp.Integer(2), sp.Rational(1, 2), sp.Integer(3), sp.Rational(1, 3))


@st.composite
def identities(draw: st.DrawFn) -> list[sp.Expr]:
    """The terms of a random right side: distinct functions of the pool with small nonzero coefficients."""
    picks = draw(st.lists(st.integers(0, len(POOL) - 1), min_size=2, max_size=4, unique=True))
    coeffs = draw(st.lists(st.sampled_from([-3, -2, -1, 1, 2, 3, 5]), min_size=len(picks), max_size=len(picks)))
    return [c * POOL[p] for c, p in zip(coeffs, picks)]


def _diagnosed(lhs: sp.Expr, rhs: sp.Expr) -> Hint:
    d = diagnose(lhs, rhs, Declared(), Budget().start(), seed=3)
    assert d is not None, (lhs, rhs)
    if d.expected is not None:  # the repaired side is the correct one
        assert sp.simplify(d.expected - lhs) == 0
    return d.hint


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(terms=identities(), which=st.integers(0, 3), factor=st.sampled_from(FACTORS),
       slip=st.sampled_from(["sign", "term sign", "factor", "term factor", "dropped", "extra"]))
@pytest.mark.slow
def test_a_planted_slip_is_named(terms: list[sp.Expr], which: int, factor: sp.Expr, slip: str) -> None:
    lhs = sp.Add(*terms)
    j = which % len(terms)
    t = terms[j]
    others = [s for k, s in enumerate(terms) if k != j]
    extra = next(p for p in POOL if all(sp.simplify(p / s).free_symbols for s in terms))
    rhs = {"sign": -lhs, "term sign": sp.Add(*others, -t), "factor": factor * lhs,
           "term factor": sp.Add(*others, factor * t), "dropped": sp.Add(*others), "extra": lhs + 2 * extra}[slip]
    hint = _diagnosed(lhs, rhs)
    kind = {"sign": "sign", "term sign": "sign", "factor": "factor", "term factor": "factor",
            "dropped": "dropped_term", "extra": "extra_term"}[slip]
    assert hint.kind == kind, hint_text(hint.parts)
    maths = [p for p in hint.parts if not isinstance(p, str)]
    if slip == "factor" or slip == "term factor":
        said = maths[0]
        words = hint_text(hint.parts)
        assert (said == factor and words.startswith("an extra factor")) or \
            (said == 1 / factor and words.startswith("missing factor"))
    if slip in ("term sign", "term factor"):
        assert any(m in (t, -t, factor * t) for m in maths[1:] + maths[:1])
    if slip == "dropped":
        assert sp.simplify(maths[0] - t) == 0
    if slip == "extra":
        assert sp.simplify(maths[0] - 2 * extra) == 0


# -- the kinds the issue lists, one example each ---------------------------------------------------------
def test_a_sign_in_a_numerator_or_a_denominator() -> None:
    lhs = x + 1 / x - 2
    found = hint(lhs, (x**2 - 2 * x - 1) / x)
    assert found is not None and found.startswith("a sign flip in the term -1 of ")
    exp_z = sp.exp(-x)
    found = hint(1 / (1 + exp_z) * exp_z / (1 + exp_z), 1 / (1 - exp_z) * exp_z / (1 + exp_z))
    assert found is not None and found.startswith("a sign flip in the term")


def test_a_chain_factor_dropped_inside_a_sum() -> None:
    d = diagnose(sp.Derivative(total((X[I] - MU) ** 2), MU), total(2 * (X[I] - MU)), Declared(), Budget().start())
    assert d is not None and d.hint.kind == "chain_factor"
    words = hint_text(d.hint.parts)
    assert "inside the sum" in words and "sign flip" in words


def test_a_chain_factor_hidden_by_a_definition_inside_a_sum() -> None:
    w = sp.Symbol("w", real=True)
    s = 1 / (1 + sp.exp(-w * X[I]))
    d = diagnose(sp.Derivative(total(sp.log(s)), w), total(1 - s), Declared(), Budget().start())
    assert d is not None and d.hint.kind == "chain_factor" and X[I] in d.hint.parts


def test_a_chain_factor_of_a_gradient_by_a_vector() -> None:
    q = sp.MatrixSymbol("q", p, 1)
    body = sp.log(1 + sp.exp(-sp.Trace(v.T * q)))
    rhs = -sp.exp(-sp.Trace(v.T * q)) / (1 + sp.exp(-sp.Trace(v.T * q)))
    d = diagnose(sp.Derivative(body, v), rhs, Declared(), Budget().start())
    assert d is not None and d.hint.kind == "chain_factor" and q in d.hint.parts


def test_c_a_x_for_a_non_symmetric_a() -> None:
    half = sp.Derivative(sp.Rational(1, 2) * sp.Trace(v.T * A * v), v)
    d = diagnose(half, A * v, Declared(), Budget().start())
    assert d is not None and d.hint.kind == "symmetric_2Ax"


LINEAR = sp.Eq(3 * (x - 2) + 5, 2 * x + 7)


@pytest.mark.parametrize("rhs,kind,named", [
    (sp.Eq(3 * x + 1, 2 * x + 7), "sign", "a sign flip in the term 1 of the left side of the equation"),
    (sp.Eq(3 * x, 2 * x + 7), "dropped_term", "a dropped term -1 in the left side of the equation"),
    (sp.Eq(6 * x - 2, 2 * x + 7), "factor", "an extra factor 2 in the left side of the equation"),
    (sp.Eq(x, 6), "root", "a wrong solution: the previous equation is solved by x = 8"),
])
def test_an_equation_solved_with_a_slip(rhs: sp.Equality, kind: str, named: str) -> None:
    d = diagnose_equations(LINEAR, rhs, "iff", Declared(), Budget().start())
    assert d is not None and d.hint.kind == kind and hint_text(d.hint.parts) == named
    assert d.expected is not None


def test_the_roots_with_the_wrong_sign() -> None:
    positive = Declared({"x": VarDomain("x", 0.0)})
    d = diagnose_equations(sp.Eq(x**2 - x - 6, 0), sp.Eq((x + 3) * (x - 2), 0), "iff", positive, Budget().start())
    assert d is not None and d.hint.kind == "sign"


def test_a_refuted_matrix_gradient_is_derived_by_the_matrix_engine() -> None:
    from derive.matrix.model import MatGradient

    got = derive_correct(sp.Derivative(sp.Trace(a.T * W * b), W), Declared(), Budget().start())
    assert got is not None and isinstance(got.derivation, MatGradient) and got.derivation.certified
    assert got.derivation.steps and got.value == a * b.T


def test_the_hint_is_plain_text_in_the_terminal_and_latex_in_the_pdf() -> None:
    d = diagnose(LOGLIK, 1 / THETA - total(X[I]), DECLARED, Budget().start())
    assert d is not None
    assert hint_text(d.hint.parts) == "missing factor n in the term 1/θ"
    assert hint_tex(d.hint.parts) == r"missing factor $n$ in the term $\frac{1}{\theta}$"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p1=st.integers(-5, 5), q1=st.integers(-9, 9), p2=st.integers(-5, 5), q2=st.integers(-9, 9),
       slip=st.sampled_from(["sign", "factor", "root"]), factor=st.sampled_from(FACTORS))
def test_a_slip_planted_in_a_solved_linear_equation_is_named(p1: int, q1: int, p2: int, q2: int, slip: str,
                                                           factor: sp.Expr) -> None:
    """``p1 x + q1 = p2 x + q2  <=>  (p1 - p2) x = q2 - q1`` with the right equation's constant side
    slipped (its sign, a factor), or the unknown's value wrong."""
    assume(p1 != p2 and q2 != q1)
    start = sp.Eq(p1 * x + q1, p2 * x + q2)
    root = sp.Rational(q2 - q1, p1 - p2)
    rhs = {"sign": sp.Eq((p1 - p2) * x, q1 - q2), "factor": sp.Eq((p1 - p2) * x, factor * (q2 - q1)),
           "root": sp.Eq(x, root + 1)}[slip]
    d = diagnose_equations(start, rhs, "iff", Declared(), Budget().start())
    assert d is not None
    if slip == "root":  # x = r + 1 is named by the correct solution, or by a factor or sign that explains it
        assert d.hint.kind in ("root", "factor", "sign")
        assert d.hint.kind != "root" or d.expected == sp.Eq(x, root)
    else:
        assert d.hint.kind == slip, hint_text(d.hint.parts)
