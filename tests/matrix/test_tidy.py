"""Tidying matrix results: the textbook forms it promises, and every rewrite an identity (checked with numbers)."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.core.budget import Budget, Clock
from derive.core.errors import BudgetExceeded
from derive.matrix import expr as M
from derive.matrix.expr import plain
from derive.matrix.tidy import size, tidy
from tests.matrix.conftest import A, B, S, X, Values, Z, T, a, b, draw_values, lam, n, neg, p, value, w, x, y, z

Xw = M.mul(X, w)
SIG = M.func("sigmoid", Xw)
ONES_N = M.Ones(n, M.ONE)

FORMS: list[tuple[M.Node, str]] = [
    (M.add(M.mul(A, x), M.mul(T(A), x)), "(A + A')*x"),  # a common right factor
    (M.add(M.mul(T(x), A), M.mul(T(b), A)), "(x' + b')*A"),  # ... and a common left one
    (M.add(M.mul(M.const(2), T(X), X), M.mul(M.const(2 * lam), M.Identity(p))), "2*(X'*X + lam*I)"),
    (M.add(M.mul(T(X), SIG), neg(M.mul(T(X), y))), "X'*(sigmoid(X*w) - y)"),
    (M.add(M.diag(a), M.diag(b)), "diag(a + b)"),
    (T(M.add(A, T(A))), "A + A'"),  # the transpose of a visibly symmetric sum
    (M.hadamard(M.power(SIG, -1), SIG), "1"),  # sigma(u)^-1 .* sigma(u) cancels
    (M.hadamard(M.func("exp", Xw), M.power(M.add(ONES_N, M.func("exp", Xw)), -1)), "sigmoid(X*w)"),
    (M.power(M.func("exp", Xw), 2), "exp(2*X*w)"),
    (M.add(M.mul(M.const(6), a), M.mul(M.const(4), b)), "2*(3*a + 2*b)"),  # a common positive integer
    (M.mul(M.inverse(M.mul(T(A), T(A), T(A))), T(A), T(A)), "inv(A')"),  # (A'A'A')^-1 A'A' = A^-T
    (M.mul(M.power(M.mul(T(x), x), sp.Rational(1, 2)), M.norm(x)), "norm(x)^2"),  # (x'x)^(1/2) is the norm
    (M.power(M.trace(M.mul(T(X), X)), sp.Rational(3, 2)), "norm(X)^3"),  # and tr(X'X)^(1/2) the Frobenius one
]


@pytest.mark.parametrize(("node", "expected"), FORMS, ids=[e for _, e in FORMS])
def test_textbook_forms(node: M.Node, expected: str, clock: Clock) -> None:
    assert plain(tidy(node, clock)) == expected


@pytest.mark.parametrize(("node", "_"), FORMS, ids=[e for _, e in FORMS])
def test_textbook_forms_are_the_same_matrix(node: M.Node, _: str, clock: Clock, values: Values) -> None:
    got = tidy(node, clock)
    assert got.shape == node.shape
    np.testing.assert_allclose(value(got, values), value(node, values), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("node", [
    M.add(M.mul(A, x), b),  # nothing in common
    M.mul(T(X), X),
    M.hadamard(SIG, M.add(ONES_N, neg(SIG))),  # already the short form of sigma'
    M.add(M.mul(M.const(2), a), M.mul(M.const(3), b)),  # no common integer
], ids=plain)
def test_what_is_already_tidy_stays(node: M.Node, clock: Clock) -> None:
    assert tidy(node, clock) == node


def test_a_negative_coefficient_keeps_its_integer_inside() -> None:
    """2 X'X w - 2 X'y: the common factor X' comes out; the 2 stays with the terms (the sign blocks it)."""
    got = tidy(M.add(M.mul(M.const(2), T(X), X, w), M.mul(M.const(-2), T(X), y)), Budget(60).start())
    assert plain(got) == "X'*(2*X*w - 2*y)"


def test_size_counts_nodes_repeated_powers_and_coefficients() -> None:
    assert size(x) == 1
    assert size(M.power(M.func("exp", Xw), 3)) == 1 + 3 + size(M.func("exp", Xw))
    assert size(M.mul(M.const(-2), x)) > size(M.mul(M.const(2), x))  # a minus sign reads as one more operation


def test_tidy_runs_under_the_budget() -> None:
    with pytest.raises(BudgetExceeded):
        tidy(FORMS[0][0], Budget(seconds=0).start())


# -- the property: tidied == original, with numbers ---------------------------------------------
@st.composite
def entrywise(draw: st.DrawFn, depth: int = 3) -> M.Node:
    """An n-vector of entrywise algebra over X w, y, z that is finite everywhere."""
    leaves = [Xw, y, z, ONES_N, M.func("sigmoid", Xw), M.func("exp", neg(Xw))]
    if depth <= 0 or draw(st.integers(0, 2)) == 0:
        return draw(st.sampled_from(leaves))
    sub = entrywise(depth - 1)
    op = draw(st.sampled_from(["add", "sub", "hadamard", "func", "power", "reciprocal", "scale"]))
    if op == "add":
        return M.add(draw(sub), draw(sub))
    if op == "sub":
        return M.add(draw(sub), neg(draw(sub)))
    if op == "hadamard":
        return M.hadamard(draw(sub), draw(sub))
    if op == "func":
        return M.func(draw(st.sampled_from(["sigmoid", "tanh", "sin", "softplus"])), draw(sub))
    if op == "power":
        return M.power(draw(sub), draw(st.sampled_from([2, 3])))
    if op == "reciprocal":  # 1/(1 + exp(u)) and 1/(1 + u^2): positive denominators
        inner = draw(sub)
        base = draw(st.sampled_from([M.func("exp", inner), M.power(inner, 2)]))
        return M.power(M.add(ONES_N, base), -1)
    return M.mul(M.const(draw(st.sampled_from([2, -1, sp.Rational(1, 2), lam]))), draw(sub))


@st.composite
def tidy_inputs(draw: st.DrawFn) -> M.Node:
    """p-vectors and p x p matrices: sums with common factors, integer multiples, diagonals, entrywise parts."""
    kind = draw(st.sampled_from(["gradient", "shared", "hessian"]))
    k = draw(st.integers(1, 3))
    coeff = lambda: M.const(draw(st.sampled_from([1, 2, -2, 4, sp.Rational(1, 2), lam])))  # noqa: E731
    if kind == "gradient":  # X' times entrywise parts: what a GLM's gradient looks like
        return M.add(*(M.mul(coeff(), draw(st.sampled_from([T(X), T(Z)])), draw(entrywise())) for _ in range(k)))
    if kind == "shared":  # matrices around shared vectors
        mats = st.sampled_from([A, B, S, T(A), M.Identity(p), M.mul(T(X), X)])
        vecs = st.sampled_from([x, b, w])
        return M.add(*(M.mul(coeff(), draw(mats), draw(vecs)) for _ in range(k)))
    terms = [M.mul(coeff(), T(X), M.diag(draw(entrywise())), X) for _ in range(k)]
    terms += [M.diag(M.mul(T(X), draw(entrywise()))) for _ in range(draw(st.integers(0, 2)))]
    terms += [M.mul(coeff(), M.Identity(p))] if draw(st.booleans()) else []
    return M.add(*terms)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(node=tidy_inputs(), seed=st.integers(0, 2**16))
@pytest.mark.slow
def test_tidy_rewrites_only_by_identities(node: M.Node, seed: int) -> None:
    got = tidy(node, Budget(seconds=120).start())
    assert got.shape == node.shape
    values = draw_values(seed)
    np.testing.assert_allclose(value(got, values), value(node, values), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("expr", [
    sp.Symbol("u") * (1 - sp.Symbol("u")) / (sp.Symbol("u") ** 2 - sp.Symbol("u")),  # no exponential
    sp.exp(sp.Symbol("u")) / (1 + sp.exp(sp.Symbol("u"))) + sp.Symbol("v"),  # the sigmoid forms differ from it
])
def test_entrywise_candidates_are_the_documented_forms_with_their_memo(expr: sp.Expr) -> None:
    from derive.matrix.tidy import _candidates, _sigmoid_form

    expected = [expr, sp.expand(expr), sp.cancel(expr), sp.factor_terms(expr),
                sp.factor_terms(sp.cancel(_sigmoid_form(expr, 1))), sp.factor_terms(sp.cancel(_sigmoid_form(expr, -1))),
                sp.factor_terms(sp.expand(expr))]
    assert _candidates(expr) == expected
