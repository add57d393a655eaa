"""Certification of matrix steps and results: wrong claims refuted, right ones plausible, draws honest.

The checker evaluates both sides at random concrete sizes with draws that respect the
declarations. Examples pin deliberate mistakes (the classic 2 x'A dx for a general A, a
transposed gradient); a Hypothesis property checks that random identities built by the
constructors are accepted and that a random perturbation of one side is refuted.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.core.budget import Budget, Clock
from derive.matrix.numeric import SIZES, Point, Undefined, draw_point, evaluate
from derive.matrix.certify import (
    PROBES, STEP_PROBES, certify_matrix_gradient, certify_step, gradient_check, hessian_check, probe,
    stationary_check,
)
from derive.matrix.gradient import matrix_gradient
from derive.matrix import expr as M
from derive.matrix.model import MatStep
from derive.core.contract import Plausible, Proved, Refuted, Unknown, is_certified

n, p = M.dim("n"), M.dim("p")
ONE = M.ONE
x = M.MatSym("x", p, ONE)
a = M.MatSym("a", p, ONE)
A = M.MatSym("A", p, p)
S = M.MatSym("S", p, p, frozenset({"symmetric"}))
X = M.MatSym("X", p, p)
Xr = M.MatSym("X", n, p)
y = M.MatSym("y", n, ONE)
dx = M.Differential(x)


def clock() -> Clock:
    return Budget(seconds=60).start()


def step(before: M.Node, after: M.Node) -> MatStep:
    return MatStep(before=before, after=after, rule="test")


def quad(mid: M.Node) -> M.Node:
    return M.mul(M.transpose(x), mid, x)


# -- steps -------------------------------------------------------------------------------
def test_the_classic_mistake_2_x_transpose_A_dx_for_a_general_A_is_refuted() -> None:
    wrong = step(M.D(quad(A)), M.mul(M.const(2), M.transpose(x), A, dx))
    verdict = certify_step(wrong, x, clock(), seed=1)
    assert isinstance(verdict, Refuted)
    assert dict(verdict.point).get("draw") and verdict.lhs != verdict.rhs


def test_the_same_step_is_plausible_for_a_symmetric_A_and_the_right_one_for_any_A() -> None:
    assert isinstance(certify_step(step(M.D(quad(S)), M.mul(M.const(2), M.transpose(x), S, dx)), x, clock(), 1),
                      Plausible)
    right = step(M.D(quad(A)), M.mul(M.transpose(x), M.add(A, M.transpose(A)), dx))
    verdict = certify_step(right, x, clock(), seed=1)
    assert isinstance(verdict, Plausible)
    assert verdict.probes == STEP_PROBES and verdict.max_rel_error < 1e-6


def test_identical_sides_are_proved_without_probing() -> None:
    v = certify_step(step(quad(A), quad(A)), x, clock(), seed=0)
    assert isinstance(v, Proved)


def test_an_exact_identity_without_differentials_is_checked_tightly() -> None:
    ok = step(M.trace(M.mul(A, X)), M.trace(M.mul(X, A)))  # cyclic property
    assert isinstance(certify_step(ok, X, clock(), seed=3), Plausible)
    bad = step(M.trace(M.mul(A, X)), M.trace(M.mul(M.transpose(X), A)))
    assert isinstance(certify_step(bad, X, clock(), seed=3), Refuted)


# -- results --------------------------------------------------------------------------------
def test_a_transposed_gradient_is_refuted() -> None:
    f = M.trace(M.mul(A, X, M.MatSym("B", p, p)))
    right = M.mul(M.transpose(A), M.transpose(M.MatSym("B", p, p)))
    wrong = M.transpose(right)
    assert isinstance(gradient_check(f, right, X, clock(), seed=5), Plausible)
    assert isinstance(gradient_check(f, wrong, X, clock(), seed=5), Refuted)


def test_a_gradient_of_the_wrong_shape_is_refuted_with_the_shapes() -> None:
    f = M.mul(M.transpose(y), Xr, x)  # y'X x wrt X (n x p): gradient y x'
    wrong = M.mul(x, M.transpose(y))  # p x n
    v = gradient_check(f, wrong, Xr, clock(), seed=2)
    assert isinstance(v, Refuted)
    assert "shape" in v.lhs or "shape" in v.rhs


def test_a_wrong_hessian_and_a_wrong_stationary_point_are_refuted() -> None:
    g = M.mul(M.add(A, M.transpose(A)), x)
    assert isinstance(hessian_check(g, M.add(A, M.transpose(A)), x, clock(), seed=4), Plausible)
    assert isinstance(hessian_check(g, M.mul(M.const(2), A), x, clock(), seed=4), Refuted)
    ls = M.mul(M.const(2), M.transpose(Xr), M.add(M.mul(Xr, x), M.mul(M.const(-1), y)))
    sol = M.mul(M.inverse(M.mul(M.transpose(Xr), Xr)), M.transpose(Xr), y)
    assert isinstance(stationary_check(ls, sol, x, clock(), seed=4), Plausible)
    assert isinstance(stationary_check(ls, M.mul(M.transpose(Xr), y), x, clock(), seed=4), Refuted)


def test_certify_matrix_gradient_marks_a_wrong_gradient_uncertified() -> None:
    c = clock()
    f = M.mul(M.transpose(x), A, x)
    g = matrix_gradient(f, x, c, hessian=True)
    good = certify_matrix_gradient(g, c)
    assert good.certified
    bad = certify_matrix_gradient(dataclasses.replace(g, gradient=M.mul(M.const(2), A, x)), c)
    assert not bad.certified
    verdicts = {c.name: c.certificate for c in bad.checks}
    assert isinstance(verdicts["gradient matches finite differences"], Refuted)


# -- undefined points --------------------------------------------------------------------
def test_undefined_points_are_skipped_not_refuted() -> None:
    """log(a'x) is undefined wherever a'x <= 0, about half the draws; those are skipped."""
    f = M.func("log", M.mul(M.transpose(a), x))
    right = M.mul(M.power(M.mul(M.transpose(a), x), -1), a)
    calls: list[bool] = []

    def check(pt: Point) -> tuple[np.ndarray, np.ndarray]:
        try:
            value = evaluate(f, pt)
        except Undefined:
            calls.append(False)
            raise
        calls.append(True)
        return value, value

    v = probe([f], x, check, clock(), seed=11, tol=1e-9)
    assert isinstance(v, Plausible) and v.probes == PROBES
    assert calls.count(False) >= 1 and calls.count(True) == PROBES
    assert isinstance(gradient_check(f, right, x, clock(), seed=11), Plausible)


def test_too_few_defined_points_is_unknown() -> None:
    never = M.func("log", M.add(M.mul(M.const(-1), M.mul(M.transpose(x), x)), M.const(-1)))  # log(-x'x - 1)
    v = certify_step(step(M.D(never), M.mul(M.const(3), M.transpose(x), dx)), x, clock(), seed=0)
    assert isinstance(v, Unknown)
    assert "too few points" in v.reason and not v.timeout
    assert not is_certified(v)


# -- draws -------------------------------------------------------------------------------------
DECLARED = {
    "S": M.MatSym("S", p, p, frozenset({"symmetric"})),
    "P": M.MatSym("P", p, p, frozenset({"positive definite", "symmetric", "positive semidefinite"})),
    "Q": M.MatSym("Q", p, p, frozenset({"orthogonal"})),
    "D": M.MatSym("D", p, p, frozenset({"diagonal"})),
    "Dp": M.MatSym("Dp", p, p, frozenset({"diagonal", "positive definite", "symmetric", "positive semidefinite"})),
    "Z": M.MatSym("Z", n, p),
}


@pytest.mark.parametrize("config", range(len(SIZES)))
def test_draws_respect_the_declarations(config: int) -> None:
    rng = np.random.default_rng(config)
    # the sum of each one's entries: tr(Q^T Q) would simplify to p, Q being orthogonal
    expr = M.add(*(M.matsum(s) for s in DECLARED.values()))
    pt = draw_point([expr], DECLARED["S"], rng, config)
    v = pt.values
    nn, pp = pt.size(n), pt.size(p)
    assert nn != pp and v["Z"].shape == (nn, pp)
    np.testing.assert_allclose(v["S"], v["S"].T)
    np.testing.assert_allclose(v["P"], v["P"].T)
    assert np.linalg.eigvalsh(v["P"]).min() > 0
    np.testing.assert_allclose(v["Q"].T @ v["Q"], np.eye(pp), atol=1e-12)
    np.testing.assert_allclose(v["D"], np.diag(np.diag(v["D"])))
    assert np.all(np.diag(v["Dp"]) > 0) and np.count_nonzero(v["Dp"] - np.diag(np.diag(v["Dp"]))) == 0
    # the direction of a symmetric variable is symmetric too
    np.testing.assert_allclose(pt.direction["S"], pt.direction["S"].T)


def test_draw_sizes_never_make_all_dimensions_equal() -> None:
    for sizes in SIZES:
        assert len(set(sizes[:3])) == 3


# -- property: identities accepted, perturbations refuted -------------------------------------------
_TERMS = [
    lambda: (M.trace(M.mul(A, X)), M.trace(M.mul(X, A))),
    lambda: (M.mul(M.transpose(x), A, x), M.mul(M.transpose(x), M.transpose(A), x)),
    lambda: (M.transpose(M.mul(A, X)), M.mul(M.transpose(X), M.transpose(A))),
    lambda: (M.logdet(M.mul(S, S)), M.mul(M.const(2), M.func("log", M.power(M.power(M.det(S), 2), sp.Rational(1, 2))))),
    lambda: (M.inverse(M.mul(A, X)), M.mul(M.inverse(X), M.inverse(A))),
    lambda: (M.hadamard(x, a), M.mul(M.diag(a), x)),
    lambda: (M.power(M.norm(x), 2), M.mul(M.transpose(x), x)),
]


@settings(max_examples=20, deadline=None)
@given(i=st.integers(0, len(_TERMS) - 1), k=st.sampled_from([sp.Integer(2), sp.Integer(-3), sp.Rational(1, 3)]),
       seed=st.integers(0, 1000))
def test_identities_are_plausible_and_perturbed_ones_refuted(i: int, k: sp.Expr, seed: int) -> None:
    lhs, rhs = _TERMS[i]()
    var = X if M.depends_on(lhs, X) else x
    assert isinstance(certify_step(step(lhs, rhs), var, clock(), seed), (Plausible, Proved))
    off = M.mul(M.const(k), rhs)
    assert isinstance(certify_step(step(lhs, off), var, clock(), seed), Refuted)
