"""Equality-constrained least squares: the KKT steps, the estimator against a null-space solver, refusals.

The model is derived by the engine (no budget worker); the expected numbers come from the KKT
system solved here with numpy, not from derive.lsq.certify.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import derive
from derive.core.budget import Budget
from derive.lsq.certify import certify_consequence, solver_checks
from derive.core.contract import Plausible, Refuted, is_certified
from derive.lsq.model import LsSolution
from derive.lsq.models import model_class
from derive.matrix import expr as M
from derive.matrix.expr import plain
from derive.matrix.numeric import Point, evaluate

ESTIMATOR = "inv(X'*X)*X'*y - inv(X'*X)*C'*inv(C*inv(X'*X)*C')*(C*inv(X'*X)*X'*y - d)"


def derive_constrained(names: dict[str, str] | None = None) -> LsSolution:
    sol: LsSolution = model_class("constrained")(names).derive(Budget(seconds=60).start())
    return sol


@pytest.fixture(scope="module")
def sol() -> LsSolution:
    return derive_constrained()


def syms(s: LsSolution) -> dict[str, M.MatSym]:
    return {x.name: x for x in M.symbols(s.derivation.function)}


def test_the_estimator_and_conditions(sol: LsSolution) -> None:
    assert plain(sol.estimator) == ESTIMATOR
    assert plain(sol.derivation.gradient) == "-2*X'*(y - X*b) + 2*C'*mu"
    assert sol.multiplier_gradient is not None and plain(sol.multiplier_gradient) == "2*(C*b - d)"
    assert any("full column rank" in c for c in sol.conditions)
    assert any("full row rank" in c for c in sol.conditions)
    assert len(sol.solve_steps) == 4
    # the system the steps solve, as equations; no step reads C b - d = C b - d
    assert [f"{plain(lhs)} = {plain(rhs)}" for lhs, rhs in sol.kkt_system] == ["X'*X*b + C'*mu = X'*y", "C*b = d"]
    assert all(c.before != c.after and plain(c.before) != plain(c.after) for c in sol.solve_steps)


def test_every_kkt_step_and_consequence_is_certified(sol: LsSolution) -> None:
    for k, c in enumerate(sol.solve_steps + sol.consequences):
        v = certify_consequence(c, sol, Budget().start(), k)
        assert isinstance(v, Plausible), (c.name, v)


def test_the_solver_checks_pass_and_refuse_where_they_must(sol: LsSolution) -> None:
    checks = solver_checks(sol, Budget().start())
    assert len(checks) == 4 and all(is_certified(c.certificate) for c in checks)
    assert "gives no number" in checks[2].certificate.describe()
    assert "gives no number" in checks[3].certificate.describe()


def test_the_unconstrained_estimator_is_refuted(sol: LsSolution) -> None:
    s = syms(sol)
    X, y = s["X"], s["y"]
    wrong = dataclasses.replace(sol, estimator=M.mul(M.inverse(M.mul(M.transpose(X), X)), M.transpose(X), y))
    assert isinstance(solver_checks(wrong, Budget().start())[0].certificate, Refuted)
    claim = dataclasses.replace(sol.consequences[0], before=M.mul(s["C"], wrong.estimator))  # C b_ols = d: false
    assert isinstance(certify_consequence(claim, sol, Budget().start(), 1), Refuted)


@given(seed=st.integers(0, 2**32 - 1), p=st.integers(2, 5), extra=st.integers(1, 6), data=st.data())
@settings(max_examples=40, deadline=None)
def test_the_estimator_solves_the_kkt_system(sol: LsSolution, seed: int, p: int, extra: int,
                                             data: st.DataObject) -> None:
    q = data.draw(st.integers(1, p - 1))
    rng = np.random.default_rng(seed)
    n = p + extra
    X, y = rng.standard_normal((n, p)), rng.standard_normal((n, 1))
    C, d = rng.standard_normal((q, p)), rng.standard_normal((q, 1))
    s = syms(sol)
    (dn,), (dp,), (dq,) = s["X"].rows.free_symbols, s["X"].cols.free_symbols, s["C"].rows.free_symbols
    pt = Point({dn: n, dp: p, dq: q}, {"X": X, "y": y, "C": C, "d": d}, {}, {}, "hypothesis", max_cond=1e12)
    ours = evaluate(sol.estimator, pt)
    K = np.block([[X.T @ X, C.T], [C, np.zeros((q, q))]])
    expected = np.linalg.solve(K, np.vstack([X.T @ y, d]))[:p]
    np.testing.assert_allclose(ours, expected, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(C @ ours, d, atol=1e-8)


def test_renaming_reaches_the_constraint() -> None:
    res = derive.ls("constrained", names={"C": "A", "d": "c", "mu": "nu", "b": "beta"})
    assert isinstance(res, derive.LsResult)
    assert res.certified
    objective = plain(res.solution.derivation.function)
    assert "A*beta - c" in objective and "nu'" in objective
    assert "A*inv(X'*X)*A'" in plain(res.estimator)
