"""The least-squares solver checks: right estimators plausible, wrong ones refuted, n < p honest.

Each model is derived by the engine (no budget worker); the checks then run on the derived
estimator and on deliberately wrong ones put in its place with ``dataclasses.replace``.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.core.budget import Budget
from derive.core.contract import Certificate, Check, Plausible, Refuted, is_certified
from derive.lsq.certify import certify_consequence, reference_solution, solver_checks
from derive.lsq.model import Consequence, LsSolution
from derive.lsq.models import MODELS, model_class
from derive.matrix import expr as M
from derive.matrix.numeric import Point

RANDOM, ILL, WIDE = 0, 1, 2
MATRIX = tuple(k for k in MODELS if k != "simple")
UNCONSTRAINED = tuple(k for k in MATRIX if k != "constrained")


def derive_model(kind: str, names: Mapping[str, str] | None = None) -> LsSolution:
    sol: LsSolution = model_class(kind)(names).derive(Budget(seconds=60).start())
    return sol


@pytest.fixture(scope="module")
def solutions() -> dict[str, LsSolution]:
    return {kind: derive_model(kind) for kind in MATRIX}


def syms(sol: LsSolution) -> dict[str, M.MatSym]:
    return {s.name: s for s in M.symbols(sol.derivation.function)}


def lam_of(sol: LsSolution) -> M.Node:
    return M.const(next(s for s in M.scalar_symbols(sol.derivation.function) if s.name == sol.model.names["lam"]))


def checks(sol: LsSolution, seed: int = 0) -> tuple[tuple[str, Certificate], ...]:
    return tuple((c.name, c.certificate) for c in solver_checks(sol, Budget(seconds=60).start(), seed=seed))


@pytest.mark.parametrize("kind", UNCONSTRAINED)
def test_the_derived_estimator_passes_every_solver_check(solutions: dict[str, LsSolution], kind: str) -> None:
    result = checks(solutions[kind])
    names = [name for name, _ in result]
    assert len(names) == 3
    assert "random data" in names[RANDOM] and "ill-conditioned" in names[ILL] and "n < p" in names[WIDE]
    for name, verdict in result:
        assert isinstance(verdict, Plausible), (name, verdict)
        assert verdict.probes >= 1
    first = result[RANDOM][1]
    assert isinstance(first, Plausible) and first.max_rel_error < 1e-9


@given(seed=st.integers(0, 2**31 - 1), kind=st.sampled_from(MATRIX))
@settings(max_examples=25, deadline=None)
def test_the_checks_pass_at_any_seed(solutions: dict[str, LsSolution], seed: int, kind: str) -> None:
    assert all(is_certified(v) for _, v in checks(solutions[kind], seed))


@pytest.mark.parametrize("kind", MATRIX)
def test_x_transpose_y_alone_is_refuted_on_random_data(solutions: dict[str, LsSolution], kind: str) -> None:
    sol = solutions[kind]
    s = syms(sol)
    wrong = dataclasses.replace(sol, estimator=M.mul(M.transpose(s["X"]), s["y"]))
    result = dict(checks(wrong))
    verdict = list(result.values())[RANDOM]
    assert isinstance(verdict, Refuted), verdict
    assert "derive's" in verdict.lhs and "lstsq's" in verdict.rhs
    assert not dataclasses.replace(wrong, checks=tuple(Check(n, v) for n, v in result.items())).certified


def test_a_penalty_counted_twice_is_refuted_everywhere_for_ridge(solutions: dict[str, LsSolution]) -> None:
    """inv(X'X + 2 lam I) X'y: wrong on tall and on wide data, so the n < p check compares numbers."""
    sol = solutions["ridge"]
    s = syms(sol)
    X, y = s["X"], s["y"]
    gram = M.add(M.mul(M.transpose(X), X), M.mul(M.const(2), lam_of(sol), M.Identity(X.cols)))
    wrong = dataclasses.replace(sol, estimator=M.mul(M.inverse(gram), M.transpose(X), y))
    result = checks(wrong)
    for name, verdict in result:
        assert isinstance(verdict, Refuted), (name, verdict)


def test_ridge_wide_check_compares_numbers(solutions: dict[str, LsSolution]) -> None:
    verdict = checks(solutions["ridge"])[WIDE][1]
    assert isinstance(verdict, Plausible)
    assert verdict.probes == 2 and "(3, 5)" in verdict.domain and "(2, 4)" in verdict.domain
    assert "gives no number" not in verdict.note


@pytest.mark.parametrize("kind", ["ols", "wls", "gls"])
def test_without_a_penalty_the_wide_check_passes_because_no_number_is_given(
        solutions: dict[str, LsSolution], kind: str) -> None:
    verdict = checks(solutions[kind])[WIDE][1]
    assert isinstance(verdict, Plausible)
    assert "gives no number" in verdict.note and "n = 2, p = 4" in verdict.domain


def test_an_ols_formula_that_gives_a_number_for_n_below_p_is_refuted(solutions: dict[str, LsSolution]) -> None:
    """The ridge formula with a fixed lam = 1 is finite on wide data, where OLS has no unique solution."""
    sol = solutions["ols"]
    s = syms(sol)
    X, y = s["X"], s["y"]
    gram = M.add(M.mul(M.transpose(X), X), M.Identity(X.cols))
    wrong = dataclasses.replace(sol, estimator=M.mul(M.inverse(gram), M.transpose(X), y))
    verdict = checks(wrong)[WIDE][1]
    assert isinstance(verdict, Refuted), verdict
    assert "no solution" in verdict.rhs


def test_an_estimator_undefined_on_tall_data_gets_a_verdict_not_an_exception(
        solutions: dict[str, LsSolution]) -> None:
    """X'*inv(X*X')*y (the minimum-norm formula for wide X) is singular for n > p: a verdict must say so."""
    sol = solutions["ols"]
    s = syms(sol)
    X, y = s["X"], s["y"]
    wrong = dataclasses.replace(sol, estimator=M.mul(M.transpose(X), M.inverse(M.mul(X, M.transpose(X))), y))
    result = checks(wrong)
    assert not is_certified(result[RANDOM][1])


@pytest.mark.parametrize("kind", UNCONSTRAINED)
def test_the_reference_is_the_minimizer_of_the_objective(solutions: dict[str, LsSolution], kind: str) -> None:
    """reference_solution zeroes the gradient of each objective, written here in numpy."""
    sol = solutions[kind]
    rng = np.random.default_rng(7)
    n, p, lam = 9, 3, 0.8
    X, y = rng.standard_normal((n, p)), rng.standard_normal((n, 1))
    g = rng.standard_normal((n, n))
    W = np.diag(rng.uniform(0.5, 2, n)) if kind == "wls" else g @ g.T / n + np.eye(n)
    names = sol.model.names
    values = {names["X"]: X, names["y"]: y}
    for role in ("W", "Sigma"):
        if role in names:
            values[names[role]] = W
    s = syms(sol)
    (dn,), (dp,) = s["X"].rows.free_symbols, s["X"].cols.free_symbols
    b = reference_solution(sol, Point({dn: n, dp: p}, values, {}, {}, "ref"), lam)
    r = y - X @ b
    grad = {"ols": -X.T @ r, "ridge": -X.T @ r + lam * b, "wls": -X.T @ W @ r,
            "gls": -X.T @ np.linalg.solve(W, r)}[kind]
    np.testing.assert_allclose(grad, 0, atol=1e-10)


@pytest.mark.parametrize("kind", MATRIX)
def test_consequences_hold_and_a_false_one_is_refuted(solutions: dict[str, LsSolution], kind: str) -> None:
    sol = solutions[kind]
    assert len(sol.consequences) >= 2
    for c in sol.consequences:
        assert isinstance(certify_consequence(c, sol, Budget().start(), 10), Plausible), c.name
    c = sol.consequences[-1]
    s = syms(sol)
    false = Consequence(before=M.mul(M.transpose(s["X"]), s["y"]), after=M.zero(c.lhs.shape), justification="X^T y = 0")
    assert isinstance(certify_consequence(false, sol, Budget().start(), 10), Refuted)
