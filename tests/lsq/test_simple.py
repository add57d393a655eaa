"""Simple regression in summation form: the steps, their two checks, and the estimator against numpy.

The derivation is built and certified stage by stage (no budget worker). Wrong steps put in
with ``dataclasses.replace`` must be refuted numerically; the estimator is compared with
``numpy.polyfit`` on Hypothesis-drawn data, computed here, not by derive.certify.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from derive.core.budget import Budget
from derive.lsq.certify_simple import (
    ConditionFails, SumEvaluator, certify_steps, estimate, expand_definitions, probe_claims, prove_claims,
    solver_checks,
)
from derive.lsq.simple import simple_regression
from derive.core.errors import UsageError
from derive.lsq.models import model_class
from derive.lsq.simple_model import SimpleNames, SimpleSolution
from derive.core.contract import Plausible, Proved, Refuted, Unknown, is_certified


def clock() -> object:
    return Budget(seconds=60).start()


@pytest.fixture(scope="module")
def raw() -> SimpleSolution:
    return simple_regression(SimpleNames(), Budget(seconds=60).start())


@pytest.fixture(scope="module")
def certified(raw: SimpleSolution) -> SimpleSolution:
    return certify_steps(raw, Budget(seconds=60).start())


@pytest.mark.slow
def test_every_step_is_proved_and_plausible(certified: SimpleSolution) -> None:
    assert len(certified.steps) >= 15
    for step in certified.steps:
        assert isinstance(step.proof, Proved), (step.rule, step.proof)
        assert isinstance(step.probe, Plausible), (step.rule, step.probe)
    assert {s.section for s in certified.steps} == {"objective", "gradient", "normal equations", "solution",
                                                     "hessian", "consequences"}


def test_the_estimator_is_the_textbook_one(raw: SimpleSolution) -> None:
    s = raw.symbols
    assert raw.slope == s["S_xy"] / s["S_xx"]
    assert raw.intercept == s["ybar"] - s["bhat"] * s["xbar"]
    n, i, x = s["n"], s["i"], s["x"]
    assert raw.hessian == sp.ImmutableMatrix([[2 * n, 2 * sp.Sum(x[i], (i, 1, n))],
                                              [2 * sp.Sum(x[i], (i, 1, n)), 2 * sp.Sum(x[i] ** 2, (i, 1, n))]])
    assert any("S_xx" in c and "not all equal" in c for c in raw.conditions)
    assert any("positive definite" in c for c in raw.conditions)


def test_the_gradient_agrees_with_sympy_diff(raw: SimpleSolution) -> None:
    s = raw.symbols
    for var, g in zip((s["a"], s["b"]), raw.gradient):
        assert isinstance(prove_claims(((sp.Derivative(raw.objective, var), g),), raw, Budget().start()), Proved)


@pytest.mark.parametrize("index", range(6))
def test_a_wrong_step_is_refuted_numerically(raw: SimpleSolution, index: int) -> None:
    """Doubling the right side of any of the first steps breaks its claim: the probes must say so."""
    step = raw.steps[index]
    claims = tuple((lhs, 2 * rhs + 1) for lhs, rhs in step.to_check)
    verdict = probe_claims(claims, raw, Budget().start(), seed=index)
    assert isinstance(verdict, Refuted), verdict
    assert not isinstance(prove_claims(claims, raw, Budget().start()), Proved)


def test_a_wrong_slope_is_refuted_and_uncertifies(raw: SimpleSolution) -> None:
    s = raw.symbols
    wrong = dataclasses.replace(raw, slope=s["S_xy"] / (s["S_xx"] + 1))
    verdict = {c.name: c.certificate for c in solver_checks(wrong, Budget().start())}[
        "agrees with numpy's lstsq on random data"]
    assert isinstance(verdict, Refuted)


def test_the_degenerate_check_passes_because_no_number_is_given(raw: SimpleSolution) -> None:
    checks = solver_checks(raw, Budget().start())
    assert len(checks) == 3 and all(is_certified(c.certificate) for c in checks)
    assert "gives no number" in checks[2].certificate.describe()
    with pytest.raises(ConditionFails):
        estimate(raw, np.full(4, 2.5), np.arange(4.0))
    with pytest.raises(ConditionFails):
        estimate(raw, np.array([1.0]), np.array([3.0]))


def test_the_sum_evaluator_is_a_plain_sum(raw: SimpleSolution) -> None:
    s = raw.symbols
    x = np.array([1.0, 2.0, 4.0])
    ev = SumEvaluator({"x": x, "y": 2 * x}, {s["n"]: 3.0})
    assert ev.value(expand_definitions(s["xbar"], raw)) == pytest.approx(7 / 3)
    assert ev.value(expand_definitions(s["S_xx"], raw)) == pytest.approx(float(np.sum((x - x.mean()) ** 2)))


def test_unproved_claims_are_unknown_not_refuted_symbolically(raw: SimpleSolution) -> None:
    s = raw.symbols
    verdict = prove_claims(((s["S_xx"], sp.Integer(0)),), raw, Budget().start())
    assert isinstance(verdict, Unknown)


@given(n=st.integers(2, 30), seed=st.integers(0, 2**32 - 1), centre=st.sampled_from([0.0, 5.0, -300.0, 1e4]),
       spread=st.sampled_from([1e-2, 1.0, 50.0]))
@settings(max_examples=80, deadline=None)
def test_the_estimate_matches_polyfit(raw: SimpleSolution, n: int, seed: int, centre: float, spread: float) -> None:
    rng = np.random.default_rng(seed)
    x = centre + spread * rng.standard_normal(n)
    assume(np.ptp(x) > 1e-6 * max(1.0, abs(centre)))
    y = 3.0 - 0.7 * x + rng.standard_normal(n)
    a, b = estimate(raw, x, y)
    slope, intercept = np.polyfit(x, y, 1)
    assert b == pytest.approx(slope, rel=1e-6, abs=1e-6)
    assert a == pytest.approx(intercept, rel=1e-6, abs=1e-6 * max(1.0, abs(centre * slope)))


@pytest.mark.parametrize(("names", "needle"), [
    ({"X": "t"}, "unknown name 'X'"), ({"x": "1t"}, "is not a name"), ({"x": "n"}, "cannot name"),
    ({"a": "xbar"}, "cannot name"), ({"x": "y"}, "two roles share one name"), ({"b": "S_q"}, "cannot name"),
])
def test_bad_names_are_usage_errors(names: dict[str, str], needle: str) -> None:
    with pytest.raises(UsageError) as info:
        model_class("simple")(names)
    assert needle in str(info.value) and info.value.hint and "\n" not in str(info.value)


@pytest.mark.slow
def test_renamed_symbols_reach_the_steps_and_still_certify() -> None:
    sol = certify_steps(model_class("simple")({"x": "t", "y": "h", "b": "k"}).derive(Budget().start()),
                        Budget().start())
    assert sol.names.x == "t" and sol.symbols["S_xy"].name == "S_th"
    assert all(step.certified for step in sol.steps)
    assert "t" in str(sol.objective) and "x" not in str(sol.objective)


def test_the_latex_reads_positive_terms_first() -> None:
    """S_xx = Σ (x_i − x̄)², not Σ (−x̄ + x_i)²; Σ x_i² − n x̄², not −n x̄² + Σ x_i²."""
    import derive

    chain = derive.ls("simple").render("latex", part="chain")
    assert r"{x}_{i} - \bar{x}" in chain and r"- \bar{x} + {x}_{i}" not in chain
    assert r"\sum_{i} {x}_{i}^{2} - n \bar{x}^{2}" in chain


def test_the_text_reads_positive_terms_first() -> None:
    import derive

    shown = derive.ls("simple").render("text")
    assert "S_xx = Σx_i^2 - n·x̄^2" in shown and "-x̄ + x_i" not in shown
