"""Properties of ``derive.mle``, checked another way: the closed-form estimator against scipy's
numeric maximum of a log-likelihood written here, the Fisher information against textbook formulas
and the Monte-Carlo variance of the score, and densities typed differently from the families.

Each density is derived once (a few seconds); Hypothesis then varies the parameter values and the
numpy samples, which are cheap. Estimators are evaluated with ``numeric_value`` on the SymPy
results; strings are compared only for ``sample_max/min/median``.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import scipy.optimize as so
import scipy.special as sc
import scipy.stats as st
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_h

import derive
from derive.likelihood.api import MleResult
from derive.certify.numeval import numeric_value

pytestmark = pytest.mark.slow  # every test runs whole derivations and certifications (seconds each)

FEW = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def derived(density: str, **kw: Any) -> MleResult:
    return derive.mle(density, **kw)


def family(name: str) -> MleResult:
    return derived(name)


def evaluate(expr: sp.Expr | None, x: np.ndarray, var: str = "x", **known: float) -> float:
    assert expr is not None, "no closed-form estimator"
    return numeric_value(expr, {sp.Symbol(k): v for k, v in known.items()},
                         data={sp.IndexedBase(var): np.asarray(x, dtype=float)})


def argmax(negloglik: Callable[[np.ndarray], float], x0: list[float]) -> np.ndarray:
    """scipy's maximum of a log-likelihood (minimum of its negative), polished hard."""
    res = so.minimize(negloglik, np.asarray(x0, dtype=float), method="Nelder-Mead",
                      options={"xatol": 1e-11, "fatol": 1e-13, "maxiter": 20000, "maxfev": 40000})
    res = so.minimize(negloglik, res.x, method="Nelder-Mead",
                      options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 20000, "maxfev": 40000})
    return np.asarray(res.x)


def scalar_argmax(negloglik: Callable[[float], float], lo: float, hi: float) -> float:
    res = so.minimize_scalar(negloglik, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12})
    return float(res.x)


# --- closed form against scipy's numeric maximum ------------------------------------------------

@dataclass(frozen=True)
class Case:
    """A family, a sampler at drawn parameter values, and scipy's maximum of the log-likelihood."""

    name: str
    draw: Callable[[np.random.Generator, int], np.ndarray]
    numeric: Callable[[np.ndarray], dict[str, float]]


def _bernoulli_fit(x: np.ndarray) -> dict[str, float]:
    k, n = x.sum(), len(x)
    return {"p": scalar_argmax(lambda p: -(k * math.log(p) + (n - k) * math.log(1 - p)), 1e-9, 1 - 1e-9)}


def _poisson_fit(x: np.ndarray) -> dict[str, float]:
    return {"lam": scalar_argmax(lambda lam: -st.poisson.logpmf(x, lam).sum(), 1e-6, 100.0)}


def _exponential_fit(x: np.ndarray) -> dict[str, float]:
    return {"lam": scalar_argmax(lambda lam: -st.expon.logpdf(x, scale=1 / lam).sum(), 1e-6, 100.0)}


def _geometric_fit(x: np.ndarray) -> dict[str, float]:
    return {"p": scalar_argmax(lambda p: -st.geom.logpmf(x, p).sum(), 1e-9, 1 - 1e-9)}


def _normal_fit(x: np.ndarray) -> dict[str, float]:
    mu, log_s2 = argmax(lambda t: -st.norm.logpdf(x, t[0], math.exp(t[1] / 2)).sum(), [np.median(x), 0.0])
    return {"mu": float(mu), "sigma2": math.exp(log_s2)}


def _lognormal_fit(x: np.ndarray) -> dict[str, float]:
    mu, log_s2 = argmax(lambda t: -st.lognorm.logpdf(x, math.exp(t[1] / 2), scale=math.exp(t[0])).sum(), [0.0, 0.0])
    return {"mu": float(mu), "sigma2": math.exp(log_s2)}


def _rayleigh_fit(x: np.ndarray) -> dict[str, float]:
    return {"sigma2": scalar_argmax(lambda s2: -st.rayleigh.logpdf(x, scale=math.sqrt(s2)).sum(), 1e-6, 100.0)}


def _uniform_fit(x: np.ndarray) -> dict[str, float]:
    def nll(theta: float) -> float:
        return math.inf if theta < x.max() else len(x) * math.log(theta)

    return {"theta": scalar_argmax(nll, float(x.max()), 5 * float(x.max()))}


def _laplace_fit(x: np.ndarray) -> dict[str, float]:
    """Profile out b (b-hat(mu) = mean |x - mu|), then maximize over mu; odd n makes mu unique."""
    mu = scalar_argmax(lambda m: len(x) * math.log(np.mean(np.abs(x - m))), float(x.min()), float(x.max()))
    return {"mu": mu, "b": float(np.mean(np.abs(x - mu)))}


def _pareto_fit(x: np.ndarray) -> dict[str, float]:
    """Profile out alpha for each xm <= min x, then maximize over xm."""
    def nll(xm: float) -> float:
        if xm > x.min():
            return math.inf
        alpha = len(x) / np.sum(np.log(x / xm))
        return -float(st.pareto.logpdf(x, alpha, scale=xm).sum())

    xm = scalar_argmax(nll, float(x.min()) / 2, float(x.min()))
    return {"xm": xm, "alpha": float(len(x) / np.sum(np.log(x / xm)))}


def _uniform_draw(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.uniform(0, rng.uniform(0.5, 5), n)


CASES = [
    Case("bernoulli", lambda rng, n: rng.binomial(1, rng.uniform(0.15, 0.85), n), _bernoulli_fit),
    Case("poisson", lambda rng, n: rng.poisson(rng.uniform(0.5, 8), n), _poisson_fit),
    Case("exponential", lambda rng, n: rng.exponential(1 / rng.uniform(0.3, 4), n), _exponential_fit),
    Case("geometric", lambda rng, n: rng.geometric(rng.uniform(0.15, 0.85), n), _geometric_fit),
    Case("normal", lambda rng, n: rng.normal(rng.uniform(-3, 3), rng.uniform(0.3, 3), n), _normal_fit),
    Case("lognormal", lambda rng, n: rng.lognormal(rng.uniform(-1, 1), rng.uniform(0.3, 1.2), n), _lognormal_fit),
    Case("rayleigh", lambda rng, n: rng.rayleigh(rng.uniform(0.5, 3), n), _rayleigh_fit),
    Case("uniform", _uniform_draw, _uniform_fit),
    Case("laplace", lambda rng, n: rng.laplace(rng.uniform(-2, 2), rng.uniform(0.3, 2), n), _laplace_fit),
    Case("pareto", lambda rng, n: (rng.pareto(rng.uniform(1.5, 4), n) + 1) * rng.uniform(0.5, 3), _pareto_fit),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_closed_form_estimator_is_scipys_numeric_maximum(case: Case) -> None:
    r = family(case.name)  # derived once, outside Hypothesis (a failure is not re-derived while shrinking)
    assert r.certified and r.derivation.closed_form

    @FEW
    @given(seed=st_h.integers(0, 2**32 - 1), half=st_h.integers(10, 60))
    def on_samples(seed: int, half: int) -> None:
        n = 2 * half + 1  # odd: the Laplace median is unique
        x = case.draw(np.random.default_rng(seed), n).astype(float)
        if case.name == "bernoulli" and x.min() == x.max():
            x[0] = 1 - x[0]  # an all-equal sample has no interior maximum
        for p, expected in case.numeric(x).items():
            got = evaluate(r.estimator[p], x)
            assert got == pytest.approx(expected, rel=1e-5, abs=1e-7), (p, got, expected)

    on_samples()


@pytest.mark.parametrize(("name", "param", "statistic"), [
    ("uniform", "theta", "sample_max(x)"), ("laplace", "mu", "sample_median(x)"), ("pareto", "xm", "sample_min(x)"),
])
def test_order_statistic_estimators_are_named(name: str, param: str, statistic: str) -> None:
    r = family(name)
    assert str(r.estimator[param]) == statistic
    assert r.derivation.method == ("subgradient" if name == "laplace" else "boundary")


def test_binomial_with_known_m_is_the_success_share() -> None:
    r = family("binomial")
    x = np.random.default_rng(1).binomial(12, 0.3, 40)
    assert evaluate(r.estimator["p"], x, m=12.0) == pytest.approx(x.sum() / (12 * len(x)), rel=1e-12)


# --- Fisher information -------------------------------------------------------------------------

def _per_observation(r: MleResult, values: dict[str, float]) -> np.ndarray:
    info = r.derivation.fisher_expected
    assert info is not None, "no expected Fisher information"
    at = {sp.Symbol(k): v for k, v in values.items()} | {sp.Symbol("n"): 1.0}
    return np.array([[numeric_value(info[a, b], at) for b in range(info.shape[1])] for a in range(info.shape[0])])


FISHER = {  # textbook per-observation information: the oracle
    "bernoulli": (lambda rng: {"p": rng.uniform(0.05, 0.95)}, lambda v: [[1 / (v["p"] * (1 - v["p"]))]]),
    "poisson": (lambda rng: {"lam": rng.uniform(0.2, 20)}, lambda v: [[1 / v["lam"]]]),
    "exponential": (lambda rng: {"lam": rng.uniform(0.2, 20)}, lambda v: [[1 / v["lam"] ** 2]]),
    "geometric": (lambda rng: {"p": rng.uniform(0.05, 0.95)}, lambda v: [[1 / (v["p"] ** 2 * (1 - v["p"]))]]),
    "rayleigh": (lambda rng: {"sigma2": rng.uniform(0.2, 9)}, lambda v: [[1 / v["sigma2"] ** 2]]),
    "normal": (lambda rng: {"mu": rng.uniform(-5, 5), "sigma2": rng.uniform(0.2, 9)},
               lambda v: [[1 / v["sigma2"], 0], [0, 1 / (2 * v["sigma2"] ** 2)]]),
    "gamma": (lambda rng: {"alpha": rng.uniform(0.3, 6), "beta": rng.uniform(0.2, 5)},
              lambda v: [[sc.polygamma(1, v["alpha"]), -1 / v["beta"]], [-1 / v["beta"], v["alpha"] / v["beta"] ** 2]]),
    "beta": (lambda rng: {"a": rng.uniform(0.5, 5), "b": rng.uniform(0.5, 5)},
             lambda v: [[sc.polygamma(1, v["a"]) - sc.polygamma(1, v["a"] + v["b"]), -sc.polygamma(1, v["a"] + v["b"])],
                        [-sc.polygamma(1, v["a"] + v["b"]), sc.polygamma(1, v["b"]) - sc.polygamma(1, v["a"] + v["b"])]]),
}


@pytest.mark.parametrize("name", list(FISHER))
def test_expected_information_per_observation_matches_the_textbook(name: str) -> None:
    r = family(name)
    assert r.derivation.fisher_expected is not None, f"{name}: no expected Fisher information, and no note why"
    draw, formula = FISHER[name]

    @FEW
    @given(seed=st_h.integers(0, 2**32 - 1))
    def at_values(seed: int) -> None:
        values = draw(np.random.default_rng(seed))
        got = _per_observation(r, values)
        np.testing.assert_allclose(got, np.array(formula(values), dtype=float), rtol=1e-9, atol=1e-12)

    at_values()


def test_binomial_expected_information_is_m_over_p_q() -> None:
    got = _per_observation(family("binomial"), {"p": 0.3, "m": 10.0})
    assert got[0, 0] == pytest.approx(10 / (0.3 * 0.7), rel=1e-9)


def test_gamma_information_is_the_variance_of_the_score() -> None:
    """Monte-Carlo covariance of the score (written here) against the derived I(alpha, beta)/n."""
    r = family("gamma")

    @FEW
    @given(seed=st_h.integers(0, 2**32 - 1))
    def at_values(seed: int) -> None:
        rng = np.random.default_rng(seed)
        alpha, beta = rng.uniform(0.8, 5), rng.uniform(0.3, 3)
        x = rng.gamma(alpha, 1 / beta, 400_000)
        cov = np.cov(np.vstack([math.log(beta) - sc.digamma(alpha) + np.log(x), alpha / beta - x]))
        claim = _per_observation(r, {"alpha": alpha, "beta": beta})
        np.testing.assert_allclose(claim, cov, rtol=0.03, atol=0.03 * np.abs(claim).max())

    at_values()


@pytest.mark.parametrize("name", ["normal", "lognormal", "gamma"])
def test_fisher_check_reports_a_sane_relative_error(name: str) -> None:
    """A 'plausible' certificate must not claim a relative error of 1e9 (a zero entry divided by 1e-12)."""
    check = next(c for c in family(name).derivation.checks if c.name.startswith("Fisher information"))
    assert check.certificate.word == "plausible"
    assert check.certificate.max_rel_error < 0.5, check.certificate.describe()  # type: ignore[union-attr]


# --- densities typed differently from the families ----------------------------------------------

@dataclass(frozen=True)
class Typed:
    """A user-typed density, a sampler, and the known estimator computed with numpy (the oracle)."""

    id: str
    density: str
    kw: tuple[tuple[str, Any], ...]
    draw: Callable[[np.random.Generator], np.ndarray]
    oracle: Callable[[np.ndarray], dict[str, float]]
    statistics: tuple[tuple[str, str], ...] = ()
    var: str = "x"


TYPED = [
    Typed("poisson-as-exp-log", "exp(x log(lam) - lam)/factorial(x)",
          (("params", ("lam",)), ("support", "x in {0,1,2,...}"), ("where", ("lam > 0",))),
          lambda rng: rng.poisson(3.3, 40), lambda x: {"lam": x.mean()}),
    Typed("exponential-as-product", "lam*exp(-x*lam)",
          (("params", ("lam",)), ("support", "x > 0"), ("where", ("lam > 0",))),
          lambda rng: rng.exponential(0.7, 40), lambda x: {"lam": 1 / x.mean()}),
    Typed("normal-in-sigma", "1/sqrt(2 pi sigma^2) exp(-(x-mu)^2/(2 sigma^2))",
          (("params", ("mu", "sigma")), ("support", "x in R"), ("where", ("sigma > 0",))),
          lambda rng: rng.normal(-1.0, 2.5, 40), lambda x: {"mu": x.mean(), "sigma": x.std()}),
    Typed("normal-in-sigma-latex", r"\frac{1}{\sqrt{2\pi\sigma^2}} e^{-(x-\mu)^2/(2\sigma^2)}",
          (("params", ("mu", "sigma")), ("support", "x in R"), ("where", ("sigma > 0",))),
          lambda rng: rng.normal(4.0, 0.5, 40), lambda x: {"mu": x.mean(), "sigma": x.std()}),
    Typed("shifted-exponential", "lam exp(-lam (x - mu))",
          (("params", ("mu", "lam")), ("support", "x > mu"), ("where", ("lam > 0",))),
          lambda rng: 2.0 + rng.exponential(1 / 1.5, 40), lambda x: {"mu": x.min(), "lam": 1 / (x.mean() - x.min())},
          (("mu", "sample_min(x)"),)),
    Typed("uniform-a-b", "1/(b-a)", (("params", ("a", "b")), ("support", "a < x < b")),
          lambda rng: rng.uniform(-1.5, 2.5, 40), lambda x: {"a": x.min(), "b": x.max()},
          (("a", "sample_min(x)"), ("b", "sample_max(x)"))),
    Typed("bernoulli-in-q", "q^x (1-q)^(1-x)",
          (("params", ("q",)), ("support", "x in {0,1}"), ("where", ("0 < q < 1",))),
          lambda rng: np.r_[0, 1, rng.binomial(1, 0.35, 40)], lambda x: {"q": x.mean()}),
    Typed("binomial-m-10", "binomial(10, x) p^x (1-p)^(10-x)",
          (("params", ("p",)), ("support", "x in {0,...,10}"), ("where", ("0 < p < 1",))),
          lambda rng: rng.binomial(10, 0.62, 40), lambda x: {"p": x.mean() / 10}),
    Typed("exponential-in-t", "lam exp(-lam t)", (("params", ("lam",)), ("var", "t"), ("support", "t > 0"),
                                                  ("where", ("lam > 0",))),
          lambda rng: rng.exponential(2.0, 40), lambda x: {"lam": 1 / x.mean()}, var="t"),
]


def typed(case: Typed) -> MleResult:
    return derived(case.density, **dict(case.kw))


@pytest.mark.parametrize("case", TYPED, ids=[c.id for c in TYPED])
def test_typed_density_gives_the_family_estimator(case: Typed) -> None:
    r = typed(case)
    assert r.certified, [(s.title, s.certificate) for s in r.derivation.steps
                         if s.certificate is not None and s.certificate.word not in ("proved", "plausible")]
    assert r.derivation.closed_form
    for p, statistic in case.statistics:
        assert str(r.estimator[p]) == statistic

    @settings(max_examples=4, deadline=None)
    @given(seed=st_h.integers(0, 2**32 - 1))
    def on_samples(seed: int) -> None:
        x = case.draw(np.random.default_rng(seed)).astype(float)
        for p, expected in case.oracle(x).items():
            got = evaluate(r.estimator[p], x, var=case.var)
            assert got == pytest.approx(expected, rel=1e-10, abs=1e-12), (p, got, expected)

    on_samples()


def test_sigma_estimator_is_the_positive_root() -> None:
    case = next(c for c in TYPED if c.id == "normal-in-sigma")
    r = typed(case)
    for seed in range(5):
        x = np.random.default_rng(seed).normal(0.0, 3.0, 15)
        assert evaluate(r.estimator["sigma"], x) > 0
    assert len(r.estimator) == 2  # one estimator per parameter, not a list of roots
