"""mle_numeric: the numeric maximizer, the Monte-Carlo Fisher information and the iteration.

Known closed forms (sample mean, max, median, ...) and SciPy's ``fit`` are the oracle here only.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as hs

from derive.likelihood.numeric import iterate, maximize_loglik, monte_carlo_fisher
from derive.core.errors import UsageError
from derive.parse.domain import VarDomain
from derive.likelihood.model import Support

x = sp.Symbol("x", real=True)
mu = sp.Symbol("mu", real=True)
s2 = sp.Symbol("sigma2", positive=True)
b = sp.Symbol("b", positive=True)
a = sp.Symbol("a", positive=True)
t = sp.Symbol("theta", positive=True)
lam = sp.Symbol("lam", positive=True)
p = sp.Symbol("p", positive=True)
i = sp.Symbol("i", integer=True, positive=True)
n = sp.Symbol("n", integer=True, positive=True)
X = sp.IndexedBase("x")

NORMAL_LOGF = -((x - mu) ** 2) / (2 * s2) - sp.log(2 * sp.pi * s2) / 2
R = Support("x", "interval")


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_uniform_upper_end_is_the_sample_max_via_the_support() -> None:
    data = _rng(1).uniform(0, 2.5, size=200)
    sup = Support("x", "interval", lower=sp.Integer(0), upper=t)
    theta, ll = maximize_loglik(-sp.log(t), x, [t], [VarDomain("theta", 0)], data, support=sup, rng=_rng())
    assert theta[0] == pytest.approx(data.max(), rel=1e-12)
    assert ll == pytest.approx(-200 * math.log(data.max()), rel=1e-12)


def test_uniform_as_a_piecewise_log_density_needs_no_support() -> None:
    data = _rng(2).uniform(0, 4.0, size=150)
    logf = sp.Piecewise((-sp.log(t), x <= t), (-sp.oo, True))
    theta, _ = maximize_loglik(logf, x, [t], [VarDomain("theta", 0)], data, rng=_rng())
    assert theta[0] == pytest.approx(data.max(), rel=1e-9)


def test_without_the_support_the_uniform_likelihood_runs_away() -> None:
    """The check that the support matters: -log(theta) alone is maximized near theta = 0."""
    data = _rng(2).uniform(0, 4.0, size=50)
    theta, _ = maximize_loglik(-sp.log(t), x, [t], [VarDomain("theta", 0)], data, rng=_rng())
    assert theta[0] < 0.01 * data.max()


def test_pareto_scale_at_the_sample_min_and_shape_in_closed_form() -> None:
    data = (_rng(3).pareto(3.0, size=200) + 1) * 1.7
    logf = sp.log(a) + a * sp.log(t) - (a + 1) * sp.log(x)
    theta, _ = maximize_loglik(logf, x, [a, t], [VarDomain("a", 0), VarDomain("theta", 0)], data,
                               support=Support("x", "interval", lower=t), rng=_rng())
    assert theta[1] == pytest.approx(data.min(), rel=1e-12)
    assert theta[0] == pytest.approx(len(data) / np.sum(np.log(data / data.min())), rel=1e-6)


def test_laplace_location_is_the_median_despite_the_kink() -> None:
    data = _rng(4).laplace(1.0, 0.7, size=201)
    logf = -sp.log(2 * b) - sp.Abs(x - mu) / b
    theta, _ = maximize_loglik(logf, x, [mu, b], [VarDomain("b", 0)], data, rng=_rng())
    med = float(np.median(data))
    assert theta[0] == pytest.approx(med, abs=1e-8)
    assert theta[1] == pytest.approx(float(np.mean(np.abs(data - med))), rel=1e-7)


def test_gamma_agrees_with_scipy_fit() -> None:
    data = _rng(5).gamma(2.5, 1 / 1.5, size=300)
    logf = (a - 1) * sp.log(x) - lam * x + a * sp.log(lam) - sp.loggamma(a)
    theta, _ = maximize_loglik(logf, x, [a, lam], [VarDomain("a", 0), VarDomain("lam", 0)], data, rng=_rng())
    shape, _, scale = st.gamma.fit(data, floc=0)
    assert theta[0] == pytest.approx(shape, rel=1e-4)
    assert theta[1] == pytest.approx(1 / scale, rel=1e-4)


def test_bounded_parameter_and_known_constant() -> None:
    data = st.binom(12, 0.3).rvs(size=80, random_state=6).astype(float)
    k = sp.Symbol("k", positive=True)
    logf = sp.log(sp.binomial(k, x)) + x * sp.log(p) + (k - x) * sp.log(1 - p)
    theta, _ = maximize_loglik(logf, x, [p], [VarDomain("p", 0, 1)], data, known={k: 12.0}, rng=_rng())
    assert theta[0] == pytest.approx(data.mean() / 12, rel=1e-8)


@settings(max_examples=8, deadline=None)
@given(hs.floats(-5, 5), hs.floats(0.3, 4), hs.integers(5, 60))
@pytest.mark.slow
def test_normal_maximum_is_mean_and_biased_variance(m0: float, sd: float, size: int) -> None:
    data = _rng(size).normal(m0, sd, size=size)
    theta, ll = maximize_loglik(NORMAL_LOGF, x, [mu, s2], [VarDomain("sigma2", 0)], data, rng=_rng())
    assert theta[0] == pytest.approx(data.mean(), rel=1e-7, abs=1e-8)
    assert theta[1] == pytest.approx(data.var(), rel=1e-7)
    assert ll == pytest.approx(float(np.sum(st.norm(data.mean(), math.sqrt(data.var())).logpdf(data))), rel=1e-10)


def test_nowhere_finite_likelihood_is_refused() -> None:
    with pytest.raises(UsageError, match="every starting point"):
        maximize_loglik(sp.log(-t) * x, x, [t], [VarDomain("theta", 0)], np.array([1.0, 2.0]), rng=_rng())


# --- Fisher information ----------------------------------------------------------------------
def test_fisher_normal_matches_the_known_information() -> None:
    scores = [sp.diff(NORMAL_LOGF, mu), sp.diff(NORMAL_LOGF, s2)]
    cov, se = monte_carlo_fisher(scores, x, [mu, s2], sp.exp(NORMAL_LOGF), R, {mu: 0.5, s2: 2.0}, rng=_rng())
    expected = np.array([[1 / 2.0, 0.0], [0.0, 1 / (2 * 2.0**2)]])
    assert np.all(np.abs(cov - expected) < 5 * se + 1e-12)
    assert np.all(se > 0) and np.all(se < 0.02)


@pytest.mark.parametrize("density, support, score, values, info", [
    (sp.exp(-lam) * lam**x / sp.factorial(x), Support("x", "integers", lower=sp.Integer(0)), x / lam - 1,
     {lam: 3.0}, 1 / 3.0),
    (p**x * (1 - p) ** (1 - x), Support("x", "finite", values=(sp.Integer(0), sp.Integer(1))),
     x / p - (1 - x) / (1 - p), {p: 0.3}, 1 / (0.3 * 0.7)),
    (lam * sp.exp(-lam * x), Support("x", "interval", lower=sp.Integer(0)), 1 / lam - x, {lam: 2.0}, 1 / 4.0),
])
def test_fisher_one_parameter_families(density: sp.Expr, support: Support, score: sp.Expr,
                                       values: dict[sp.Symbol, float], info: float) -> None:
    (param,) = [k for k in values]
    cov, se = monte_carlo_fisher([score], x, [param], density, support, values, rng=_rng(11))
    assert abs(cov[0, 0] - info) < 5 * se[0, 0]
    assert abs(cov[0, 0] - 2 * info) > 5 * se[0, 0]  # a factor-of-two slip would be caught


# --- iteration -------------------------------------------------------------------------------
def test_newton_for_the_exponential_rate_converges_to_one_over_the_mean() -> None:
    data = _rng(7).exponential(2.0, size=50)
    total = sp.Sum(X[i], (i, 1, n))
    newton = [t - (n / t - total) / (-n / t**2)]
    its = iterate(newton, [t], [0.3], {X: data}, n=50)
    assert its[0][0] == 0.3
    assert its[-1][0] == pytest.approx(1 / data.mean(), rel=1e-12)
    assert len(its) < 51  # stopped on convergence, not at max_iter


def test_diverging_iteration_stops_at_the_first_non_finite_iterate() -> None:
    its = iterate([t**2 * 1e10], [t], [10.0], {X: np.ones(3)}, max_iter=50)
    assert not np.all(np.isfinite(its[-1]))
    assert all(np.all(np.isfinite(v)) for v in its[:-1])
    assert len(its) < 10


def test_iteration_runs_to_max_iter_when_it_neither_converges_nor_diverges() -> None:
    its = iterate([-t], [t], [1.0], {X: np.ones(3)}, max_iter=7)
    assert len(its) == 8 and its[-1][0] == -1.0


def test_iteration_argument_lengths_are_checked() -> None:
    with pytest.raises(UsageError):
        iterate([t], [t, mu], [1.0, 2.0], {X: np.ones(2)})


def test_relations_between_parameters_bound_the_maximizer_and_the_draws() -> None:
    import random

    from derive.likelihood.certify import draw_params
    from derive.likelihood.numeric import objective
    from derive.likelihood.read import read_problem

    prob = read_problem("exp(-(x-mu)^2/(2 s2))/sqrt(2 pi s2)", ["mu", "s2"], None, "x in R", ["s2 > 0", "mu >= s2"])
    mu, s2 = prob.params
    x = np.random.default_rng(8).normal(0.0, 1.0, size=100)  # the free maximum (mean, variance) breaks mu >= s2
    assert x.mean() < x.var()
    free, _ = maximize_loglik(objective(prob, x.size), prob.var, prob.params, prob.space, x,
                              rng=np.random.default_rng(1))
    held, best = maximize_loglik(objective(prob, x.size), prob.var, prob.params, prob.space, x,
                                 rng=np.random.default_rng(1), relations=prob.relations)
    assert free[0] < free[1] and held[0] >= held[1] - 1e-9
    # on the edge mu = s2 = t the log-likelihood is -n/2 log(2 pi t) - S(t)/(2t); its maximum is the constrained one
    ts = np.linspace(0.05, 3, 30001)
    edge = [-x.size / 2 * np.log(2 * np.pi * t) - ((x - t) ** 2).sum() / (2 * t) for t in ts]
    assert best == pytest.approx(max(edge), abs=1e-4)
    rng = random.Random(3)
    for _ in range(50):
        v = draw_params(prob, rng)
        assert v[mu] >= v[s2] > 0


def test_the_same_starts_and_points_are_evaluated_once() -> None:
    """A repeated start or point gives the remembered value: the same maximum, with fewer evaluations."""
    from derive.likelihood import numeric

    calls = []
    real = numeric._Loglik._value

    def counting(self: object, th: list[float]) -> float:
        calls.append(tuple(th))
        return real(self, th)  # type: ignore[arg-type]

    sample = _rng(3).poisson(4.0, 10).astype(float)
    logf = x * sp.log(lam) - lam - sp.loggamma(x + 1)
    space = [VarDomain("lam", 0.0, None)]
    try:
        numeric._Loglik._value = counting  # type: ignore[method-assign]
        theta, best = maximize_loglik(logf, x, [lam], space, sample)
    finally:
        numeric._Loglik._value = real  # type: ignore[method-assign]
    assert theta[0] == pytest.approx(float(np.mean(sample)), rel=1e-9)
    assert len(calls) == len(set(calls))  # no point evaluated twice


def test_remembered_values_tell_minus_zero_from_zero() -> None:
    from derive.certify.numeval import numeric_function
    from derive.likelihood.numeric import _Loglik

    fn = numeric_function(sp.atan(1 / mu), [x, mu])
    ll = _Loglik(fn, np.asarray([1.0]), (), (None,), None)
    assert ll([0.0]) == pytest.approx(math.pi / 2)  # atan(1/0) = atan(inf)
    assert ll([-0.0]) == pytest.approx(-math.pi / 2)  # atan(1/-0) = atan(-inf): another point
    assert ll([0.0]) == pytest.approx(math.pi / 2)
