"""sampling: draws from SymPy densities against SciPy's distributions (the oracle, in tests only).

Continuous families by a Kolmogorov-Smirnov test against SciPy's CDF, discrete ones by their
mean and variance; ``total_mass`` against 1 (and against 2 for a density missing its constant).
Fixed seeds keep every run identical.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import scipy.stats as st
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as hs

from derive.likelihood.sampling import draw_sample, total_mass
from derive.core.errors import UsageError
from derive.likelihood.model import Support

x = sp.Symbol("x", real=True)
mu = sp.Symbol("mu", real=True)
s = sp.Symbol("s", positive=True)
a = sp.Symbol("a", positive=True)
b = sp.Symbol("b", positive=True)
t = sp.Symbol("theta", positive=True)
lam = sp.Symbol("lam", positive=True)
p = sp.Symbol("p", positive=True)

R = Support("x", "interval")
POS = Support("x", "interval", lower=sp.Integer(0))
UNIT = Support("x", "interval", lower=sp.Integer(0), upper=sp.Integer(1))
N0 = Support("x", "integers", lower=sp.Integer(0))

NORMAL = sp.exp(-(x - mu) ** 2 / (2 * s**2)) / sp.sqrt(2 * sp.pi * s**2)
GAMMA = x ** (a - 1) * sp.exp(-x / b) / (sp.gamma(a) * b**a)
POISSON = sp.exp(-lam) * lam**x / sp.factorial(x)

CONTINUOUS: list[tuple[str, sp.Expr, Support, dict[sp.Symbol, float], Any]] = [
    ("normal", NORMAL, R, {mu: 1.3, s: 0.7}, st.norm(1.3, 0.7)),
    ("narrow normal far from 0", NORMAL, R, {mu: 50.0, s: 0.001}, st.norm(50, 0.001)),
    ("exponential", lam * sp.exp(-lam * x), POS, {lam: 2.5}, st.expon(scale=1 / 2.5)),
    ("gamma shape 0.5", GAMMA, POS, {a: 0.5, b: 2.0}, st.gamma(0.5, scale=2.0)),
    ("beta(2, 5)", sp.gamma(a + b) / (sp.gamma(a) * sp.gamma(b)) * x ** (a - 1) * (1 - x) ** (b - 1), UNIT,
     {a: 2.0, b: 5.0}, st.beta(2, 5)),
    ("beta(0.3, 0.4)", sp.gamma(a + b) / (sp.gamma(a) * sp.gamma(b)) * x ** (a - 1) * (1 - x) ** (b - 1), UNIT,
     {a: 0.3, b: 0.4}, st.beta(0.3, 0.4)),
    ("uniform(0, theta)", 1 / t, Support("x", "interval", lower=sp.Integer(0), upper=t), {t: 3.2},
     st.uniform(0, 3.2)),
    ("laplace", sp.exp(-sp.Abs(x - mu) / s) / (2 * s), R, {mu: 0.3, s: 1.2}, st.laplace(0.3, 1.2)),
    ("pareto", a * t**a / x ** (a + 1), Support("x", "interval", lower=t), {a: 2.5, t: 1.5},
     st.pareto(2.5, scale=1.5)),
    ("weibull", a / b * (x / b) ** (a - 1) * sp.exp(-((x / b) ** a)), POS, {a: 1.7, b: 2.0},
     st.weibull_min(1.7, scale=2.0)),
    ("cauchy", 1 / (sp.pi * s * (1 + ((x - mu) / s) ** 2)), R, {mu: -0.5, s: 1.5}, st.cauchy(-0.5, 1.5)),
    ("lognormal", sp.exp(-((sp.log(x) - mu) ** 2) / (2 * s**2)) / (x * s * sp.sqrt(2 * sp.pi)), POS,
     {mu: 0.2, s: 0.8}, st.lognorm(0.8, scale=math.exp(0.2))),
    ("rayleigh", x / s**2 * sp.exp(-(x**2) / (2 * s**2)), POS, {s: 1.3}, st.rayleigh(scale=1.3)),
]


@pytest.mark.parametrize("name, density, support, values, ref", CONTINUOUS, ids=[c[0] for c in CONTINUOUS])
def test_continuous_draws_pass_a_ks_test_and_mass_is_one(name: str, density: sp.Expr, support: Support,
                                                         values: dict[sp.Symbol, float], ref: Any) -> None:
    draws = draw_sample(density, x, support, values, 4000, np.random.default_rng(12345))
    assert draws.shape == (4000,)
    assert st.kstest(draws, ref.cdf).pvalue > 1e-3
    assert total_mass(density, x, support, values) == pytest.approx(1.0, abs=1e-6)


def test_draws_are_accurate_on_a_large_sample() -> None:
    """At 200,000 draws the KS distance must be near its null size: the grid is not merely roughly right."""
    draws = draw_sample(GAMMA, x, POS, {a: 0.5, b: 2.0}, 200_000, np.random.default_rng(7))
    d = st.kstest(draws, st.gamma(0.5, scale=2.0).cdf).statistic
    assert d * math.sqrt(len(draws)) < 1.95  # the 0.1% point of the Kolmogorov distribution


DISCRETE: list[tuple[str, sp.Expr, Support, dict[sp.Symbol, float], Any]] = [
    ("poisson", POISSON, N0, {lam: 3.5}, st.poisson(3.5)),
    ("poisson(400): factorials overflow", POISSON, N0, {lam: 400.0}, st.poisson(400)),
    ("geometric", p * (1 - p) ** (x - 1), Support("x", "integers", lower=sp.Integer(1)), {p: 0.3}, st.geom(0.3)),
    ("binomial", sp.binomial(10, x) * p**x * (1 - p) ** (10 - x),
     Support("x", "integers", lower=sp.Integer(0), upper=sp.Integer(10)), {p: 0.35}, st.binom(10, 0.35)),
    ("bernoulli", p**x * (1 - p) ** (1 - x), Support("x", "finite", values=(sp.Integer(0), sp.Integer(1))),
     {p: 0.7}, st.bernoulli(0.7)),
]


@pytest.mark.parametrize("name, density, support, values, ref", DISCRETE, ids=[c[0] for c in DISCRETE])
def test_discrete_draws_have_the_right_moments_and_mass(name: str, density: sp.Expr, support: Support,
                                                        values: dict[sp.Symbol, float], ref: Any) -> None:
    m = 20000
    draws = draw_sample(density, x, support, values, m, np.random.default_rng(99))
    assert np.all(draws == np.round(draws))
    assert abs(draws.mean() - ref.mean()) < 5 * ref.std() / math.sqrt(m)
    assert draws.var() == pytest.approx(ref.var(), rel=0.06)
    assert total_mass(density, x, support, values) == pytest.approx(1.0, abs=1e-9)


def test_integer_support_unbounded_below() -> None:
    """A two-sided geometric on all the integers: P(k) = (1-q)/(1+q) q^|k|."""
    q = 0.6
    pmf = (1 - q) / (1 + q) * sp.Float(q) ** sp.Abs(x)
    sup = Support("x", "integers")
    assert total_mass(pmf, x, sup, {}) == pytest.approx(1.0, abs=1e-10)
    draws = draw_sample(pmf, x, sup, {}, 20000, np.random.default_rng(3))
    assert abs(draws.mean()) < 0.05 and draws.min() < -3 and draws.max() > 3


def test_heavy_tailed_mass_function_sums_with_its_tail_but_is_not_tabulated() -> None:
    zeta2 = 6 / sp.pi**2 / x**2
    sup = Support("x", "integers", lower=sp.Integer(1))
    assert total_mass(zeta2, x, sup, {}) == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(UsageError, match="tail"):
        draw_sample(zeta2, x, sup, {}, 10, np.random.default_rng(0))


def test_a_missing_constant_shows_in_the_mass() -> None:
    assert total_mass(2 * NORMAL, x, R, {mu: 0.0, s: 1.0}) == pytest.approx(2.0, abs=1e-6)
    assert total_mass(sp.exp(-x), x, POS, {}) == pytest.approx(1.0, abs=1e-9)
    assert total_mass(sp.exp(-lam * x), x, POS, {lam: 4.0}) == pytest.approx(0.25, abs=1e-9)
    assert total_mass(lam**x / sp.factorial(x), x, N0, {lam: 2.0}) == pytest.approx(math.exp(2.0), rel=1e-9)


def test_parameter_in_the_support_bounds_the_draws() -> None:
    sup = Support("x", "interval", lower=sp.Integer(0), upper=t)
    draws = draw_sample(1 / t, x, sup, {t: 0.25}, 5000, np.random.default_rng(1))
    assert draws.min() > 0 and draws.max() < 0.25 and draws.max() > 0.249


def test_refusals() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(UsageError, match="negative"):
        draw_sample(x, x, Support("x", "interval", lower=sp.Integer(-1), upper=sp.Integer(1)), {}, 5, rng)
    with pytest.raises(UsageError, match="zero"):
        draw_sample(sp.Integer(0) * x, x, UNIT, {}, 5, rng)
    with pytest.raises(UsageError, match="undefined"):
        total_mass(sp.log(x - 0.5), x, UNIT, {})
    with pytest.raises(UsageError, match="empty"):
        draw_sample(1 / t, x, Support("x", "interval", lower=t, upper=sp.Integer(0)), {t: 1.0}, 5, rng)
    with pytest.raises(UsageError, match="converge"):
        total_mass(1 / x, x, Support("x", "integers", lower=sp.Integer(1)), {})


@settings(max_examples=12, deadline=None)
@given(hs.floats(-3, 3), hs.floats(0.2, 3))
def test_normal_moments_at_random_parameters(m0: float, sd: float) -> None:
    k = 4000
    draws = draw_sample(NORMAL, x, R, {mu: m0, s: sd}, k, np.random.default_rng(5))
    assert abs(draws.mean() - m0) < 5 * sd / math.sqrt(k)
    assert draws.std() == pytest.approx(sd, rel=0.1)


@settings(max_examples=12, deadline=None)
@given(hs.floats(0.2, 5), hs.floats(0.3, 3))
@pytest.mark.slow
def test_gamma_moments_at_random_parameters(shape: float, scale: float) -> None:
    k = 4000
    draws = draw_sample(GAMMA, x, POS, {a: shape, b: scale}, k, np.random.default_rng(6))
    mean, sd = shape * scale, math.sqrt(shape) * scale
    assert draws.min() > 0
    assert abs(draws.mean() - mean) < 5 * sd / math.sqrt(k)
    assert total_mass(GAMMA, x, POS, {a: shape, b: scale}) == pytest.approx(1.0, abs=1e-6)


@settings(max_examples=12, deadline=None)
@given(hs.floats(0.1, 60))
def test_poisson_moments_at_random_rates(rate: float) -> None:
    k = 4000
    draws = draw_sample(POISSON, x, N0, {lam: rate}, k, np.random.default_rng(8))
    assert abs(draws.mean() - rate) < 5 * math.sqrt(rate / k)
    assert total_mass(POISSON, x, N0, {lam: rate}) == pytest.approx(1.0, abs=1e-9)
