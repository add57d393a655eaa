"""Definiteness from structure: the textbook reasons, and no claim that the eigenvalues contradict."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.matrix import expr as M
from derive.matrix.definiteness import definiteness
from derive.matrix.expr import plain
from tests.matrix.conftest import A, B, C, P, Q, S, Wn, X, Z, T, Values, draw_values, lam, n, neg, p, value, w, y

c = sp.Symbol("c", real=True)
SIG = M.func("sigmoid", M.mul(X, w))
LOGISTIC_WEIGHTS = M.hadamard(SIG, M.add(M.Ones(n, M.ONE), neg(SIG)))

CASES: list[tuple[M.Node, str, str]] = [
    # (matrix, verdict, when it is definite)
    (M.mul(T(X), X), "positive semidefinite", "X has full column rank"),
    (M.mul(M.const(2), M.add(M.mul(T(X), X), M.mul(M.const(lam), M.Identity(p)))), "positive definite", ""),
    (M.Identity(p), "positive definite", ""),
    (P, "positive definite", ""),
    (M.mul(M.const(-2), P), "negative definite", ""),
    (M.mul(M.const(-1), T(X), X), "negative semidefinite", "X has full column rank"),
    (M.mul(T(X), Wn, X), "positive semidefinite", "X has full column rank"),
    (M.mul(T(X), M.inverse(Q), X), "positive semidefinite", "X has full column rank"),
    (M.mul(T(X), M.diag(LOGISTIC_WEIGHTS), X), "positive semidefinite", "X has full column rank"),
    (M.mul(T(X), M.diag(M.func("exp", y)), X), "positive semidefinite", "X has full column rank"),
    (M.add(M.mul(T(X), X), M.mul(T(Z), Z)), "positive semidefinite", "X has full column rank or Z has full column rank"),
    (M.add(P, M.mul(T(X), X)), "positive definite", ""),
    (M.kron(M.Identity(n), M.mul(T(X), X)), "positive semidefinite", "X has full column rank"),
    (M.mul(w, T(w)), "positive semidefinite", ""),  # rank one: never definite beyond 1 x 1
    (M.mul(M.const(-1), M.inverse(P)), "negative definite", ""),  # the Gaussian log-likelihood's Hessian in mu
    (M.kron(M.mul(T(X), X), M.Identity(n)), "positive semidefinite", "X has full column rank"),
    (M.kron(P, P), "positive definite", ""),
    (M.inverse(M.mul(T(X), X)), "positive definite when X has full column rank", ""),
    (M.add(M.mul(T(X), X), M.mul(M.const(c), M.Identity(p))), "positive semidefinite when c >= 0",
     "c >= 0 and (X has full column rank or c > 0)"),
]


@pytest.mark.parametrize(("h", "verdict", "strict"), CASES, ids=[plain(h) for h, _, _ in CASES])
def test_structural_verdicts(h: M.Node, verdict: str, strict: str) -> None:
    d = definiteness(h)
    assert (d.verdict, d.strict) == (verdict, strict)
    assert d.reason


@pytest.mark.parametrize("h", [
    A,  # a general square matrix
    M.add(M.mul(T(X), X), neg(M.mul(T(Z), Z))),  # a difference of Gram matrices
    M.mul(T(X), M.diag(y), X),  # weights of either sign
    M.mul(T(X), M.inverse(C), X),  # C is not declared positive definite
    M.add(S, B),
], ids=plain)
def test_no_structural_argument_is_not_determined_never_a_guess(h: M.Node) -> None:
    d = definiteness(h)
    assert d.verdict == "not determined" and d.strict == ""
    assert "no structural argument" in d.reason


def test_the_reason_names_convexity_and_the_optimum() -> None:
    assert "unique global minimum" in definiteness(P).reason
    assert "concave" in definiteness(M.mul(M.const(-1), T(X), X)).reason
    assert "global maximum" in definiteness(M.mul(M.const(-1), T(X), X)).reason


@pytest.mark.parametrize(("h", "verdict", "_"), CASES[:13], ids=[plain(h) for h, _, _ in CASES[:13]])
def test_verdicts_agree_with_the_eigenvalues(h: M.Node, verdict: str, _: str, values: Values) -> None:
    """At random draws (where X has full column rank and lam > 0) the definite cases are definite."""
    m = value(h, values)
    eig = np.linalg.eigvalsh((m + m.T) / 2)
    sign = -1 if verdict.startswith("negative") else 1
    assert np.all(sign * eig > 1e-10), eig


# -- the property: sums of structured terms ------------------------------------------------------
TERMS = [M.mul(T(X), X), M.mul(T(Z), Z), M.mul(T(X), Wn, X), M.mul(T(A), P, A), M.mul(T(X), M.inverse(Q), X),
         M.mul(T(X), M.diag(LOGISTIC_WEIGHTS), X), M.Identity(p), P, M.mul(w, T(w)), A, M.add(S, B)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(terms=st.lists(st.tuples(st.sampled_from([1, 2, sp.Rational(1, 3), lam, -1, -2]), st.sampled_from(TERMS)),
                      min_size=1, max_size=4),
       seed=st.integers(0, 2**16))
def test_a_claimed_sign_is_never_contradicted_by_the_eigenvalues(terms: list[tuple[sp.Expr, M.Node]],
                                                                 seed: int) -> None:
    h = M.add(*(M.mul(M.const(k), t) for k, t in terms))
    d = definiteness(h)
    values = draw_values(seed)
    m = value(h, values)
    eig = np.linalg.eigvalsh((m + m.T) / 2)
    tol = 1e-9 * max(1.0, float(np.max(np.abs(eig))))
    if " when " in d.verdict:  # a claim under a condition on lam (a coefficient such as lam - 1): stated, not tested
        assert "lam" in d.verdict.split(" when ")[1]
        return
    if d.verdict.startswith("positive"):
        assert np.all(eig >= -tol), (plain(h), d.verdict, eig)
    elif d.verdict.startswith("negative"):
        assert np.all(eig <= tol), (plain(h), d.verdict, eig)
    else:
        assert d.verdict == "not determined"
    if d.verdict in ("positive definite", "negative definite"):
        assert np.all(np.abs(eig) > tol), (plain(h), d.verdict, eig)
