"""Maxima off the score equation: on the boundary of the support, and at a kink (the median)."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.core.budget import Clock
from derive.core.errors import UnsupportedError
from derive.likelihood.derivation import derive_mle
from derive.likelihood.loglik import loglik_steps
from derive.likelihood.model import MleProblem, Support
from derive.likelihood.special import NotMonotone, Special, boundary, kinks
from derive.core.functions import sample_max, sample_median, sample_min
from derive.parse.domain import VarDomain
from tests.likelihood.conftest import LAM, MU, THETA, base, data_var, laplace, normal, uniform, value

A = sp.Symbol("a", positive=True)


def domains(problem: MleProblem) -> dict[str, VarDomain]:
    return {d.name: d for d in problem.space}


def run_boundary(problem: MleProblem) -> list[Special]:
    loglik, _ = loglik_steps(problem)
    return boundary(problem, loglik, domains(problem))


def run_kinks(problem: MleProblem) -> list[Special]:
    loglik, _ = loglik_steps(problem)
    return kinks(problem, loglik, domains(problem))


def shifted_exponential() -> MleProblem:
    x = data_var(positive=True)
    return MleProblem("shifted exponential", LAM * sp.exp(-LAM * (x - A)), x, (LAM, A),
                      Support("x", "interval", lower=A), (VarDomain("lam", 0.0), VarDomain("a", 0.0)))


def symmetric_uniform() -> MleProblem:
    x = data_var(real=True)
    return MleProblem("uniform(-theta, theta)", 1 / (2 * THETA), x, (THETA,),
                      Support("x", "interval", lower=-THETA, upper=THETA), (VarDomain("theta", 0.0),))


def test_uniform_upper_end_is_the_sample_max_with_three_reasoned_steps() -> None:
    (theta,) = run_boundary(uniform())
    assert theta.param == THETA and theta.method == "boundary"
    assert theta.value == sample_max(base(uniform()))
    claim, monotone, estimate = theta.steps
    assert claim.relation == "claim" and claim.rhs == sp.Rel(THETA, sample_max(base(uniform())), ">=")
    assert monotone.rhs == -sp.Symbol("n", integer=True, positive=True) / THETA and "decreasing" in monotone.reason
    assert estimate.relation == "estimate" and estimate.param == THETA and estimate.rhs == theta.value


def test_a_lower_end_is_the_sample_min() -> None:
    (a,) = run_boundary(shifted_exponential())
    assert a.param == A and a.value == sample_min(base(shifted_exponential()))
    assert "increasing" in a.steps[1].reason


def test_no_parameter_in_the_support_means_no_boundary_maximum() -> None:
    assert run_boundary(normal()) == []
    assert run_boundary(laplace()) == []


def test_a_flat_likelihood_on_a_moving_window_is_not_monotone() -> None:
    x = data_var(real=True)
    window = MleProblem("window", sp.Integer(1), x, (THETA,), Support("x", "interval", lower=THETA, upper=THETA + 1),
                        (VarDomain("theta"),))
    with pytest.raises(NotMonotone, match="not monotone in theta"):
        run_boundary(window)


def test_a_parameter_in_both_ends_is_refused_not_settled_at_one_extreme() -> None:
    """uniform(-theta, theta): theta-hat = max |x_i|, which neither end's extreme alone gives.

    Regression: the upper end gave sample_max and the lower end -sample_min, and the second
    silently replaced the first, a wrong estimate that was then certified.
    """
    with pytest.raises(NotMonotone, match="both ends"):
        run_boundary(symmetric_uniform())


def test_the_derivation_refuses_a_parameter_in_both_ends(clock: Clock) -> None:
    with pytest.raises(UnsupportedError, match="both ends"):
        derive_mle(symmetric_uniform(), clock)


def test_laplace_location_is_a_sample_median_by_the_subgradient() -> None:
    (mu,) = run_kinks(laplace())
    assert mu.param == MU and mu.method == "subgradient"
    assert mu.value == sample_median(base(laplace()))
    assert [s.relation for s in mu.steps][-1] == "estimate"
    assert isinstance(mu.steps[1].rhs, sp.Sum) and mu.steps[1].rhs.function.has(sp.sign)


def test_no_kink_without_an_absolute_value_or_when_skipped() -> None:
    assert run_kinks(normal()) == []
    loglik, _ = loglik_steps(laplace())
    assert kinks(laplace(), loglik, domains(laplace()), skip=[MU]) == []


# -- the claims with numbers ----------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12))
def test_the_boundary_estimate_maximizes_the_likelihood(seed: int, n: int) -> None:
    """uniform(0, theta): L(theta) = theta^-n on theta >= max x_i, 0 below; the estimate beats every feasible theta."""
    rng = np.random.default_rng(seed)
    sample = rng.uniform(0, rng.uniform(0.5, 5), n)
    (theta,) = run_boundary(uniform())
    est = value(theta.value, sample)
    assert est == pytest.approx(float(sample.max()), rel=1e-15)
    loglik, _ = loglik_steps(uniform())
    for t in est * np.array([1.0, 1.001, 1.5, 3.0]):
        assert value(loglik, sample, theta=float(t)) <= value(loglik, sample, theta=est) + 1e-12
    assert np.all(sample <= est)  # feasible: every observation in (0, theta-hat]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12))
def test_the_median_minimizes_the_sum_of_absolute_deviations(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    sample = np.round(rng.normal(0, 3, n), 3)
    (mu,) = run_kinks(laplace())
    med = value(mu.value, sample)
    assert med == pytest.approx(float(np.median(sample)), abs=1e-12)
    best = float(np.sum(np.abs(sample - med)))
    for m in np.linspace(sample.min() - 1, sample.max() + 1, 41):
        assert best <= float(np.sum(np.abs(sample - m))) + 1e-9
