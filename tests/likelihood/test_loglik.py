"""From a density to its log-likelihood: the textbook forms, and the value against scipy's log densities."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import scipy.stats as st
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as stg

from derive.likelihood.loglik import (
    DEFAULT_WORK, group_by_parameters, likelihood, log_density, loglik_steps, special_identities,
)
from derive.likelihood.model import MleProblem, Support
from derive.likelihood.sample import sample_base
from derive.likelihood.sums import I, N, split_sums
from derive.parse.domain import VarDomain
from tests.likelihood.conftest import (
    ALPHA, BETA, LAM, MU, P, S2, base, bernoulli, exponential, gamma, normal, over_sample, poisson, same, value,
)


def test_likelihood_is_the_product_over_the_sample() -> None:
    x = base(bernoulli())
    assert likelihood(bernoulli()) == sp.Product(P**x[I] * (1 - P)**(1 - x[I]), (I, 1, N))


@pytest.mark.parametrize(("problem", "expected"), [
    (bernoulli, lambda x: x * sp.log(P) + (1 - x) * sp.log(1 - P)),
    (poisson, lambda x: x * sp.log(LAM) - LAM - sp.log(sp.factorial(x))),
    (normal, lambda x: -sp.log(2 * sp.pi * S2) / 2 - (x - MU)**2 / (2 * S2)),
    (gamma, lambda x: ALPHA * sp.log(BETA) - sp.log(sp.gamma(ALPHA)) + (ALPHA - 1) * sp.log(x) - BETA * x),
], ids=["bernoulli", "poisson", "normal", "gamma"])
def test_log_density_applies_the_log_rules(problem: Callable[[], MleProblem],
                                           expected: Callable[[sp.Symbol], sp.Expr]) -> None:
    prob = problem()
    got = log_density(prob)
    assert not got.has(sp.exp)  # log(e^u) = u
    assert sp.simplify(sp.expand_log(got - expected(prob.var), force=True)) == 0


def test_group_by_parameters_collects_what_each_parameter_function_multiplies() -> None:
    x = base(bernoulli())
    t = over_sample(x[I])
    spread = t * sp.log(P) + N * sp.log(1 - P) - t * sp.log(1 - P)
    assert group_by_parameters(spread, [P]) == (N - t) * sp.log(1 - P) + t * sp.log(P)
    assert group_by_parameters(2 * MU * t - N * MU**2 + 3 * MU, [MU]) == -N * MU**2 + MU * (2 * t + 3)


@pytest.mark.parametrize(("problem", "expected"), [
    (bernoulli, lambda t: t(1) * sp.log(P) + (N - t(1)) * sp.log(1 - P)),
    (poisson, lambda t: -N * LAM + sp.log(LAM) * t(1) - t(2)),
    (exponential, lambda t: N * sp.log(LAM) - LAM * t(1)),
], ids=["bernoulli", "poisson", "exponential"])
def test_loglik_textbook_forms(problem: Callable[[], MleProblem], expected: Callable[..., sp.Expr]) -> None:
    prob = problem()
    x = base(prob)
    stats = {1: over_sample(x[I]), 2: over_sample(sp.log(sp.factorial(x[I])))}
    loglik, _ = loglik_steps(prob)
    assert same(loglik, expected(lambda k: stats[k]))


def test_loglik_steps_run_from_the_likelihood_with_a_reason_each() -> None:
    loglik, steps = loglik_steps(normal())
    assert steps[0].kind == "likelihood" and steps[0].lhs is None and isinstance(steps[0].rhs, sp.Product)
    assert steps[1].lhs == sp.log(steps[0].rhs)
    assert all(s.reason for s in steps)
    assert steps[-1].rhs == loglik
    for before, after in zip(steps[1:], steps[2:]):
        assert after.lhs == before.rhs  # a chain of equalities


def test_a_prior_is_added_as_the_last_step() -> None:
    prior = 2 * sp.log(LAM) - 3 * LAM
    prob = MleProblem("poisson", poisson().density, poisson().var, (LAM,), poisson().support, poisson().space,
                      prior=prior, prior_source="lam^2 exp(-3 lam)", discrete=True)
    loglik, steps = loglik_steps(prob)
    plain, _ = loglik_steps(poisson())
    assert steps[-1].kind == "prior" and "lam^2 exp(-3 lam)" in steps[-1].reason
    assert sp.expand(loglik - plain - prior) == 0


# -- the claim with numbers: the log-likelihood is the sum of scipy's log densities ----------------
SCIPY: dict[str, tuple[Callable[[], MleProblem], Callable[[np.random.Generator], tuple[np.ndarray, dict[str, float]]],
                       Callable[[np.ndarray, dict[str, float]], float]]] = {
    "bernoulli": (bernoulli, lambda r: (r.integers(0, 2, 9).astype(float), {"p": r.uniform(0.05, 0.95)}),
                  lambda x, k: float(st.bernoulli.logpmf(x, k["p"]).sum())),
    "poisson": (poisson, lambda r: (r.poisson(3.0, 9).astype(float), {"lam": r.uniform(0.2, 6)}),
                lambda x, k: float(st.poisson.logpmf(x, k["lam"]).sum())),
    "exponential": (exponential, lambda r: (r.exponential(2.0, 9), {"lam": r.uniform(0.2, 3)}),
                    lambda x, k: float(st.expon.logpdf(x, scale=1 / k["lam"]).sum())),
    "normal": (normal, lambda r: (r.normal(1.0, 2.0, 9), {"mu": r.normal(), "sigma2": r.uniform(0.3, 4)}),
               lambda x, k: float(st.norm.logpdf(x, k["mu"], np.sqrt(k["sigma2"])).sum())),
    "gamma": (gamma, lambda r: (r.gamma(2.0, 1.0, 9), {"alpha": r.uniform(0.5, 4), "beta": r.uniform(0.3, 3)}),
              lambda x, k: float(st.gamma.logpdf(x, k["alpha"], scale=1 / k["beta"]).sum())),
}
LOGLIKS = {name: loglik_steps(make())[0] for name, (make, _, _) in SCIPY.items()}


@settings(max_examples=60, deadline=None)
@given(name=stg.sampled_from(sorted(SCIPY)), seed=stg.integers(0, 2**32 - 1))
def test_loglik_is_the_sum_of_scipys_log_densities(name: str, seed: int) -> None:
    _, draw, reference = SCIPY[name]
    x, params = draw(np.random.default_rng(seed))
    assert value(LOGLIKS[name], x, **params) == pytest.approx(reference(x, params), rel=1e-10, abs=1e-10)


def test_special_identities_remove_a_special_function_of_the_parameter() -> None:
    theta, x = sp.Symbol("theta", positive=True), sp.Symbol("x", positive=True)
    beta_form = x ** (theta - 1) / sp.beta(theta, 1)
    gamma_form = sp.gamma(theta + 1) / (sp.gamma(theta) * sp.gamma(1)) * x ** (theta - 1)
    for density in (beta_form, gamma_form):
        out = special_identities(density, [theta], DEFAULT_WORK)
        assert not out.has(sp.beta, sp.gamma)
        assert sp.simplify(out - theta * x ** (theta - 1)) == 0


def test_special_identities_leave_a_density_they_cannot_simplify() -> None:
    a, b, x = sp.Symbol("a", positive=True), sp.Symbol("b", positive=True), sp.Symbol("x", positive=True)
    density = x ** (a - 1) * (1 - x) ** (b - 1) / sp.beta(a, b)
    assert special_identities(density, [a, b], DEFAULT_WORK) == density


def test_beta_theta_one_has_the_closed_form_score_and_estimate() -> None:
    theta, x = sp.Symbol("theta", positive=True), sp.Symbol("x", positive=True)
    problem = MleProblem("x^(theta-1)/beta(theta,1)", x ** (theta - 1) / sp.beta(theta, 1), x, (theta,),
                         Support("x", "interval", lower=sp.Integer(0), upper=sp.Integer(1)),
                         (VarDomain("theta", 0.0),))
    ll, steps = loglik_steps(problem)
    assert not ll.has(sp.beta, sp.gamma, sp.polygamma)
    assert any("B(a, b)" in s.justification for s in steps)
    xs = sample_base(x)
    score = sp.diff(ll, theta)
    assert sp.simplify(split_sums(score) - (N / theta + split_sums(sp.Sum(sp.log(xs[I]), (I, 1, N))))) == 0
