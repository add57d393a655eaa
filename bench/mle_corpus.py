"""The MLE corpus: hand-typed textbook densities with their known answers, as data.

Each item is what a student would type into ``derive mle`` (the density as plain text, for some also
in LaTeX, the parameters, ``--support`` and ``--where``), where it comes from, and the answer the
textbook gives, written independently of derive as NumPy:

* ``mle(x, c)``: the closed-form estimate on a sample ``x`` (``c`` the known constants), a dict
  parameter -> value, or -> ``(lo, hi)`` where every value of an interval maximizes (non-unique);
  ``None`` where the textbook has no closed form (``closed_form=False``; the bench then relies on
  numeric maximization alone). Zero-truncated Poisson is the exception that shows the difference:
  textbooks say "solve numerically", the answer is a Lambert W, given here as ``mle``.
* ``fisher(p, c)``: the Fisher information of one observation (a matrix, parameters in the order of
  ``params``), or ``None``; the bench checks it against quadrature too, so the corpus is checked.
* ``logpdf(x, p, c)`` and ``sample(rng, n, p, c)``: the density and a sampler (inverse CDF, or
  scipy.stats where the distribution exists) for the numeric maximization and the quadrature.
* ``domain(p, c)``: the support at ``p`` as ``(lo, hi)`` (integers from ``lo`` for a discrete item,
  ``hi`` may be ``inf``), ``values`` for a finite support; ``kinks(p, c)``: points where the density
  is not smooth (quadrature splits there).
* ``regular``: the support does not depend on the parameters (Fisher information in the usual
  sense); ``family``: the built-in family the item coincides with, if any (the rest are "beyond the
  15 families").

The log-densities include the ends of a support that moves with the parameter (x >= theta
rather than x > theta), as textbooks write the indicator, so that the maximum is attained.

Sources name the textbook chapter where the density is treated as an MLE example or exercise
("C&B" Casella & Berger, Statistical Inference, 2nd ed.; "HMC" Hogg, McKean & Craig, Introduction
to Mathematical Statistics; "Rice" Mathematical Statistics and Data Analysis; "DeGroot-Schervish"
Probability and Statistics; "Wasserman" All of Statistics; "Bishop" PRML). The densities are typed
afresh here, not copied; exercise numbers differ between editions and are not given.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.special as sc  # type: ignore[import-untyped]
import scipy.stats as st  # type: ignore[import-untyped]

Arr = np.ndarray
P = Mapping[str, float]
Estimate = Mapping[str, "float | tuple[float, float]"]
INF = math.inf
EULER = 0.5772156649015329


@dataclass(frozen=True)
class Item:
    """One hand-typed density with its textbook answer."""

    id: str
    source: str
    text: str
    params: tuple[str, ...]
    support: str
    where: tuple[str, ...]
    point: P
    logpdf: Callable[[Arr, P, P], Arr]
    sample: Callable[[np.random.Generator, int, P, P], Arr]
    domain: Callable[[P, P], tuple[float, float]]
    mle: Callable[[Arr, P], Estimate] | None
    fisher: Callable[[P, P], list[list[float]]] | None
    closed_form: bool = True
    latex: str | None = None
    constants: P = field(default_factory=dict)
    discrete: bool = False
    values: tuple[float, ...] = ()
    regular: bool = True
    unique: bool = True
    family: str | None = None
    kinks: Callable[[P, P], list[float]] | None = None
    note: str = ""


def _inv(f: Callable[[Arr, P, P], Arr]) -> Callable[[np.random.Generator, int, P, P], Arr]:
    """A sampler from an inverse CDF ``f(u, p, c)``."""
    return lambda rng, n, p, c: np.asarray(f(rng.uniform(size=n), p, c), dtype=float)


def _scipy(make: Callable[[P, P], Any]) -> Callable[[np.random.Generator, int, P, P], Arr]:
    """A sampler from a frozen scipy.stats distribution."""
    return lambda rng, n, p, c: np.asarray(make(p, c).rvs(size=n, random_state=rng), dtype=float)


def _where(cond: Arr, value: Arr) -> Arr:
    with np.errstate(all="ignore"):
        return np.where(cond, value, -np.inf)


def _borel(rng: np.random.Generator, n: int, p: P, c: P) -> Arr:
    """Total progeny of a Galton-Watson process with Poisson(mu) offspring, started from one."""
    out = np.empty(n)
    for k in range(n):
        total, active = 1, 1
        while active:
            active = int(rng.poisson(p["mu"] * active))
            total += active
        out[k] = total
    return out


def _mean(x: Arr) -> float:
    return float(np.mean(x))


POS = (0.0, INF)
REAL = (-INF, INF)
UNIT = (0.0, 1.0)

ITEMS: tuple[Item, ...] = (
    # -- exponential, shifted and scaled -----------------------------------------------------------
    Item("exp-mean", "C&B ch. 7 / Wasserman ch. 9: exponential with mean theta",
         "(1/theta) exp(-x/theta)", ("theta",), "x > 0", ("theta > 0",), {"theta": 2.0},
         lambda x, p, c: _where(x > 0, -np.log(p["theta"]) - x / p["theta"]),
         _scipy(lambda p, c: st.expon(scale=p["theta"])), lambda p, c: POS,
         lambda x, c: {"theta": _mean(x)}, lambda p, c: [[1 / p["theta"] ** 2]],
         latex=r"\frac{1}{\theta} e^{-x/\theta}"),
    Item("exp-shift-known", "HMC ch. 6: exponential rate lam shifted by a known a",
         "lam exp(-lam (x - a))", ("lam",), "x > a", ("lam > 0", "a > 0"), {"lam": 0.7},
         lambda x, p, c: _where(x > c["a"], np.log(p["lam"]) - p["lam"] * (x - c["a"])),
         _scipy(lambda p, c: st.expon(loc=c["a"], scale=1 / p["lam"])), lambda p, c: (c["a"], INF),
         lambda x, c: {"lam": 1 / (_mean(x) - c["a"])}, lambda p, c: [[1 / p["lam"] ** 2]],
         constants={"a": 1.5}),
    Item("exp-location", "HMC ch. 6 / DeGroot-Schervish ch. 7.5: e^(theta - x) for x > theta",
         "exp(-(x - theta))", ("theta",), "x > theta", (), {"theta": 1.3},
         lambda x, p, c: _where(x >= p["theta"], -(x - p["theta"])),
         _scipy(lambda p, c: st.expon(loc=p["theta"])), lambda p, c: (p["theta"], INF),
         lambda x, c: {"theta": float(np.min(x))}, None, regular=False,
         latex=r"e^{-(x-\theta)}"),
    Item("exp-two-param", "C&B ch. 7: two-parameter exponential, location mu and scale sigma",
         "(1/sigma) exp(-(x - mu)/sigma)", ("mu", "sigma"), "x > mu", ("sigma > 0",), {"mu": 1.0, "sigma": 2.0},
         lambda x, p, c: _where(x >= p["mu"], -np.log(p["sigma"]) - (x - p["mu"]) / p["sigma"]),
         _scipy(lambda p, c: st.expon(loc=p["mu"], scale=p["sigma"])), lambda p, c: (p["mu"], INF),
         lambda x, c: {"mu": float(np.min(x)), "sigma": _mean(x) - float(np.min(x))}, None, regular=False),
    Item("natural-expfam", "Bishop ch. 2.4 / Wasserman ch. 9: exponential in natural form, theta < 0",
         "-theta exp(theta x)", ("theta",), "x > 0", ("theta < 0",), {"theta": -0.8},
         lambda x, p, c: _where(x > 0, np.log(-p["theta"]) + p["theta"] * x),
         _scipy(lambda p, c: st.expon(scale=-1 / p["theta"])), lambda p, c: POS,
         lambda x, c: {"theta": -1 / _mean(x)}, lambda p, c: [[1 / p["theta"] ** 2]]),
    # -- Rayleigh, Maxwell, half-normal, Levy --------------------------------------------------------
    Item("rayleigh-sigma", "Rice ch. 8: Rayleigh with scale sigma",
         "x/sigma^2 exp(-x^2/(2 sigma^2))", ("sigma",), "x > 0", ("sigma > 0",), {"sigma": 1.5},
         lambda x, p, c: _where(x > 0, np.log(np.abs(x)) - 2 * np.log(p["sigma"]) - x**2 / (2 * p["sigma"] ** 2)),
         _scipy(lambda p, c: st.rayleigh(scale=p["sigma"])), lambda p, c: POS,
         lambda x, c: {"sigma": math.sqrt(float(np.sum(x**2)) / (2 * len(x)))},
         lambda p, c: [[4 / p["sigma"] ** 2]], latex=r"\frac{x}{\sigma^2} e^{-x^2/(2\sigma^2)}"),
    Item("rayleigh-theta", "HMC ch. 6 / C&B ch. 7: Rayleigh as (2x/theta) e^(-x^2/theta)",
         "(2 x/theta) exp(-x^2/theta)", ("theta",), "x > 0", ("theta > 0",), {"theta": 3.0},
         lambda x, p, c: _where(x > 0, np.log(2 * np.abs(x) / p["theta"]) - x**2 / p["theta"]),
         _scipy(lambda p, c: st.rayleigh(scale=math.sqrt(p["theta"] / 2))), lambda p, c: POS,
         lambda x, c: {"theta": float(np.mean(x**2))}, lambda p, c: [[1 / p["theta"] ** 2]]),
    Item("maxwell", "Rice ch. 8: Maxwell (speed of a gas molecule), scale a",
         "sqrt(2/pi) x^2 exp(-x^2/(2 a^2))/a^3", ("a",), "x > 0", ("a > 0",), {"a": 1.2},
         lambda x, p, c: _where(x > 0, 0.5 * math.log(2 / math.pi) + 2 * np.log(np.abs(x)) - x**2 / (2 * p["a"] ** 2)
                                - 3 * np.log(p["a"])),
         _scipy(lambda p, c: st.maxwell(scale=p["a"])), lambda p, c: POS,
         lambda x, c: {"a": math.sqrt(float(np.sum(x**2)) / (3 * len(x)))}, lambda p, c: [[6 / p["a"] ** 2]],
         latex=r"\sqrt{\frac{2}{\pi}} \frac{x^2}{a^3} e^{-x^2/(2a^2)}"),
    Item("half-normal", "C&B ch. 7 / Wasserman ch. 9: half-normal with scale sigma",
         "sqrt(2/(pi sigma^2)) exp(-x^2/(2 sigma^2))", ("sigma",), "x > 0", ("sigma > 0",), {"sigma": 0.8},
         lambda x, p, c: _where(x > 0, 0.5 * np.log(2 / (math.pi * p["sigma"] ** 2)) - x**2 / (2 * p["sigma"] ** 2)),
         _scipy(lambda p, c: st.halfnorm(scale=p["sigma"])), lambda p, c: POS,
         lambda x, c: {"sigma": math.sqrt(float(np.mean(x**2)))}, lambda p, c: [[2 / p["sigma"] ** 2]],
         latex=r"\sqrt{\frac{2}{\pi\sigma^2}} \exp\left(-\frac{x^2}{2\sigma^2}\right)"),
    Item("levy-scale", "Wasserman ch. 9 exercises: Levy with scale c, location 0",
         "sqrt(c/(2 pi)) x^(-3/2) exp(-c/(2 x))", ("c",), "x > 0", ("c > 0",), {"c": 0.5},
         lambda x, p, c: _where(x > 0, 0.5 * np.log(p["c"] / (2 * math.pi)) - 1.5 * np.log(np.abs(x))
                                - p["c"] / (2 * x)),
         _scipy(lambda p, c: st.levy(scale=p["c"])), lambda p, c: POS,
         lambda x, c: {"c": len(x) / float(np.sum(1 / x))}, lambda p, c: [[1 / (2 * p["c"] ** 2)]]),
    # -- inverse Gaussian, log-normal ----------------------------------------------------------------
    Item("inverse-gaussian", "C&B ch. 7 exercises / HMC: inverse Gaussian (mu, lam)",
         "sqrt(lam/(2 pi x^3)) exp(-lam (x - mu)^2/(2 mu^2 x))", ("mu", "lam"), "x > 0", ("mu > 0", "lam > 0"),
         {"mu": 1.5, "lam": 2.0},
         lambda x, p, c: _where(x > 0, 0.5 * np.log(p["lam"] / (2 * math.pi * np.abs(x) ** 3))
                                - p["lam"] * (x - p["mu"]) ** 2 / (2 * p["mu"] ** 2 * x)),
         _scipy(lambda p, c: st.invgauss(p["mu"] / p["lam"], scale=p["lam"])), lambda p, c: POS,
         lambda x, c: {"mu": _mean(x), "lam": len(x) / float(np.sum(1 / x - 1 / _mean(x)))},
         lambda p, c: [[p["lam"] / p["mu"] ** 3, 0.0], [0.0, 1 / (2 * p["lam"] ** 2)]],
         latex=r"\sqrt{\frac{\lambda}{2\pi x^3}} \exp\left(-\frac{\lambda(x-\mu)^2}{2\mu^2 x}\right)"),
    Item("lognormal-mu", "Rice ch. 8: log-normal with known log-variance 1",
         "1/(x sqrt(2 pi)) exp(-(log(x) - mu)^2/2)", ("mu",), "x > 0", (), {"mu": 0.4},
         lambda x, p, c: _where(x > 0, -np.log(np.abs(x) * math.sqrt(2 * math.pi)) - (np.log(np.abs(x)) - p["mu"]) ** 2 / 2),
         _scipy(lambda p, c: st.lognorm(1.0, scale=math.exp(p["mu"]))), lambda p, c: POS,
         lambda x, c: {"mu": float(np.mean(np.log(x)))}, lambda p, c: [[1.0]]),
    Item("lognormal-median", "DeGroot-Schervish ch. 7: log-normal parametrized by its median theta",
         "1/(x sqrt(2 pi)) exp(-(log(x) - log(theta))^2/2)", ("theta",), "x > 0", ("theta > 0",), {"theta": 2.5},
         lambda x, p, c: _where(x > 0, -np.log(np.abs(x) * math.sqrt(2 * math.pi))
                                - (np.log(np.abs(x)) - math.log(p["theta"])) ** 2 / 2),
         _scipy(lambda p, c: st.lognorm(1.0, scale=p["theta"])), lambda p, c: POS,
         lambda x, c: {"theta": math.exp(float(np.mean(np.log(x))))}, lambda p, c: [[1 / p["theta"] ** 2]]),
    Item("lognormal-sigma", "Rice ch. 8: log-normal with log-mean 0, scale sigma",
         "1/(x sigma sqrt(2 pi)) exp(-log(x)^2/(2 sigma^2))", ("sigma",), "x > 0", ("sigma > 0",), {"sigma": 0.7},
         lambda x, p, c: _where(x > 0, -np.log(np.abs(x) * p["sigma"] * math.sqrt(2 * math.pi))
                                - np.log(np.abs(x)) ** 2 / (2 * p["sigma"] ** 2)),
         _scipy(lambda p, c: st.lognorm(p["sigma"])), lambda p, c: POS,
         lambda x, c: {"sigma": math.sqrt(float(np.mean(np.log(x) ** 2)))}, lambda p, c: [[2 / p["sigma"] ** 2]],
         latex=r"\frac{1}{x\sigma\sqrt{2\pi}} e^{-\frac{(\ln x)^2}{2\sigma^2}}"),
    # -- Weibull, Frechet, Gumbel, Pareto and relatives ----------------------------------------------
    Item("weibull-known-shape", "Rice ch. 8 / C&B ch. 7: Weibull with known shape k, scale lam",
         "(k/lam) (x/lam)^(k-1) exp(-(x/lam)^k)", ("lam",), "x > 0", ("lam > 0", "k > 0"), {"lam": 2.0},
         lambda x, p, c: _where(x > 0, np.log(c["k"] / p["lam"]) + (c["k"] - 1) * np.log(np.abs(x) / p["lam"])
                                - (np.abs(x) / p["lam"]) ** c["k"]),
         _scipy(lambda p, c: st.weibull_min(c["k"], scale=p["lam"])), lambda p, c: POS,
         lambda x, c: {"lam": float(np.mean(x ** c["k"])) ** (1 / c["k"])},
         lambda p, c: [[c["k"] ** 2 / p["lam"] ** 2]], constants={"k": 2.5},
         latex=r"\frac{k}{\lambda}\left(\frac{x}{\lambda}\right)^{k-1} e^{-(x/\lambda)^k}"),
    Item("weibull-rate", "HMC ch. 6: Weibull with known shape k as k theta x^(k-1) e^(-theta x^k)",
         "k theta x^(k-1) exp(-theta x^k)", ("theta",), "x > 0", ("theta > 0", "k > 0"), {"theta": 0.5},
         lambda x, p, c: _where(x > 0, np.log(c["k"] * p["theta"]) + (c["k"] - 1) * np.log(np.abs(x))
                                - p["theta"] * np.abs(x) ** c["k"]),
         _scipy(lambda p, c: st.weibull_min(c["k"], scale=p["theta"] ** (-1 / c["k"]))), lambda p, c: POS,
         lambda x, c: {"theta": len(x) / float(np.sum(x ** c["k"]))}, lambda p, c: [[1 / p["theta"] ** 2]],
         constants={"k": 1.5}),
    Item("frechet-known-shape", "Wasserman ch. 9 exercises: Frechet with known shape alpha, scale s",
         "(alpha/s) (x/s)^(-1-alpha) exp(-(x/s)^(-alpha))", ("s",), "x > 0", ("s > 0", "alpha > 0"), {"s": 1.7},
         lambda x, p, c: _where(x > 0, np.log(c["alpha"] / p["s"]) - (1 + c["alpha"]) * np.log(np.abs(x) / p["s"])
                                - (np.abs(x) / p["s"]) ** (-c["alpha"])),
         _inv(lambda u, p, c: p["s"] * (-np.log(u)) ** (-1 / c["alpha"])), lambda p, c: POS,
         lambda x, c: {"s": (len(x) / float(np.sum(x ** (-c["alpha"])))) ** (1 / c["alpha"])},
         lambda p, c: [[c["alpha"] ** 2 / p["s"] ** 2]], constants={"alpha": 3.0}),
    Item("gumbel-location", "C&B ch. 7 exercises: Gumbel (extreme value) location mu, scale 1",
         "exp(-(x - mu) - exp(-(x - mu)))", ("mu",), "x in R", (), {"mu": 0.6},
         lambda x, p, c: -(x - p["mu"]) - np.exp(-(x - p["mu"])),
         _scipy(lambda p, c: st.gumbel_r(loc=p["mu"])), lambda p, c: REAL,
         lambda x, c: {"mu": -math.log(float(np.mean(np.exp(-x))))}, lambda p, c: [[1.0]],
         latex=r"e^{-(x-\mu)-e^{-(x-\mu)}}"),
    Item("gumbel-scale", "Wasserman ch. 9: Gumbel scale s, location 0 (no closed form)",
         "(1/s) exp(-x/s - exp(-x/s))", ("s",), "x in R", ("s > 0",), {"s": 1.4},
         lambda x, p, c: -np.log(p["s"]) - x / p["s"] - np.exp(-x / p["s"]),
         _scipy(lambda p, c: st.gumbel_r(scale=p["s"])), lambda p, c: REAL,
         None, lambda p, c: [[(math.pi**2 / 6 + (1 - EULER) ** 2) / p["s"] ** 2]], closed_form=False),
    Item("pareto-shape", "C&B ch. 7 / Rice ch. 8: Pareto with scale 1, shape alpha",
         "alpha x^(-alpha-1)", ("alpha",), "x > 1", ("alpha > 0",), {"alpha": 2.5},
         lambda x, p, c: _where(x > 1, np.log(p["alpha"]) - (p["alpha"] + 1) * np.log(np.abs(x))),
         _inv(lambda u, p, c: (1 - u) ** (-1 / p["alpha"])), lambda p, c: (1.0, INF),
         lambda x, c: {"alpha": len(x) / float(np.sum(np.log(x)))}, lambda p, c: [[1 / p["alpha"] ** 2]],
         latex=r"\frac{\alpha}{x^{\alpha+1}}"),
    Item("lomax-shape", "HMC ch. 6: Pareto type II (Lomax) alpha/(1+x)^(alpha+1)",
         "alpha/(1 + x)^(alpha + 1)", ("alpha",), "x > 0", ("alpha > 0",), {"alpha": 3.0},
         lambda x, p, c: _where(x > 0, np.log(p["alpha"]) - (p["alpha"] + 1) * np.log1p(np.abs(x))),
         _inv(lambda u, p, c: (1 - u) ** (-1 / p["alpha"]) - 1), lambda p, c: POS,
         lambda x, c: {"alpha": len(x) / float(np.sum(np.log1p(x)))}, lambda p, c: [[1 / p["alpha"] ** 2]]),
    Item("pareto-scale-known-shape", "C&B ch. 7: Pareto with known shape 3, scale theta (support x > theta)",
         "3 theta^3/x^4", ("theta",), "x > theta", ("theta > 0",), {"theta": 2.0},
         lambda x, p, c: _where(x >= p["theta"], np.log(3.0) + 3 * np.log(p["theta"]) - 4 * np.log(np.abs(x))),
         _inv(lambda u, p, c: p["theta"] * (1 - u) ** (-1 / 3)), lambda p, c: (p["theta"], INF),
         lambda x, c: {"theta": float(np.min(x))}, None, regular=False),
    # -- on (0, 1): power function, beta with one parameter, Kumaraswamy -----------------------------
    Item("power-function", "C&B ch. 7 / HMC ch. 6: theta x^(theta-1) on (0, 1)",
         "theta x^(theta - 1)", ("theta",), "0 < x < 1", ("theta > 0",), {"theta": 2.5},
         lambda x, p, c: _where((x > 0) & (x < 1), np.log(p["theta"]) + (p["theta"] - 1) * np.log(np.abs(x))),
         _inv(lambda u, p, c: u ** (1 / p["theta"])), lambda p, c: UNIT,
         lambda x, c: {"theta": -len(x) / float(np.sum(np.log(x)))}, lambda p, c: [[1 / p["theta"] ** 2]],
         latex=r"\theta x^{\theta-1}"),
    Item("beta-theta-1", "HMC ch. 6: Beta(theta, 1) typed with the beta function",
         "x^(theta - 1)/beta(theta, 1)", ("theta",), "0 < x < 1", ("theta > 0",), {"theta": 1.8},
         lambda x, p, c: _where((x > 0) & (x < 1), np.log(p["theta"]) + (p["theta"] - 1) * np.log(np.abs(x))),
         _inv(lambda u, p, c: u ** (1 / p["theta"])), lambda p, c: UNIT,
         lambda x, c: {"theta": -len(x) / float(np.sum(np.log(x)))}, lambda p, c: [[1 / p["theta"] ** 2]],
         family="beta (b = 1)"),
    Item("beta-theta-1-gamma", "HMC ch. 6: Beta(theta, 1) typed with gamma functions",
         "gamma(theta + 1)/(gamma(theta) gamma(1)) x^(theta - 1)", ("theta",), "0 < x < 1", ("theta > 0",),
         {"theta": 1.8},
         lambda x, p, c: _where((x > 0) & (x < 1), np.log(p["theta"]) + (p["theta"] - 1) * np.log(np.abs(x))),
         _inv(lambda u, p, c: u ** (1 / p["theta"])), lambda p, c: UNIT,
         lambda x, c: {"theta": -len(x) / float(np.sum(np.log(x)))}, lambda p, c: [[1 / p["theta"] ** 2]],
         family="beta (b = 1)"),
    Item("beta-1-theta", "HMC ch. 6 / Rice ch. 8: Beta(1, theta) = theta (1-x)^(theta-1)",
         "theta (1 - x)^(theta - 1)", ("theta",), "0 < x < 1", ("theta > 0",), {"theta": 3.0},
         lambda x, p, c: _where((x > 0) & (x < 1), np.log(p["theta"]) + (p["theta"] - 1) * np.log1p(-x)),
         _inv(lambda u, p, c: 1 - u ** (1 / p["theta"])), lambda p, c: UNIT,
         lambda x, c: {"theta": -len(x) / float(np.sum(np.log1p(-x)))}, lambda p, c: [[1 / p["theta"] ** 2]],
         latex=r"\theta(1-x)^{\theta-1}"),
    Item("rice-theta-plus-one", "Rice ch. 8: (theta + 1) x^theta on (0, 1)",
         "(theta + 1) x^theta", ("theta",), "0 < x < 1", ("theta > -1",), {"theta": 1.5},
         lambda x, p, c: _where((x > 0) & (x < 1), np.log(p["theta"] + 1) + p["theta"] * np.log(np.abs(x))),
         _inv(lambda u, p, c: u ** (1 / (p["theta"] + 1))), lambda p, c: UNIT,
         lambda x, c: {"theta": -1 - len(x) / float(np.sum(np.log(x)))}, lambda p, c: [[1 / (p["theta"] + 1) ** 2]]),
    Item("kumaraswamy-b", "Kumaraswamy with known a (a textbook exercise variant), parameter b",
         "a b x^(a - 1) (1 - x^a)^(b - 1)", ("b",), "0 < x < 1", ("b > 0", "a > 0"), {"b": 2.5},
         lambda x, p, c: _where((x > 0) & (x < 1), np.log(c["a"] * p["b"]) + (c["a"] - 1) * np.log(np.abs(x))
                                + (p["b"] - 1) * np.log1p(-np.abs(x) ** c["a"])),
         _inv(lambda u, p, c: (1 - (1 - u) ** (1 / p["b"])) ** (1 / c["a"])), lambda p, c: UNIT,
         lambda x, c: {"b": -len(x) / float(np.sum(np.log1p(-x ** c["a"])))}, lambda p, c: [[1 / p["b"] ** 2]],
         constants={"a": 2.0}),
    Item("beta-theta-theta", "C&B ch. 7: symmetric Beta(theta, theta) (no closed form)",
         "x^(theta - 1) (1 - x)^(theta - 1)/beta(theta, theta)", ("theta",), "0 < x < 1", ("theta > 0",),
         {"theta": 2.0},
         lambda x, p, c: _where((x > 0) & (x < 1), (p["theta"] - 1) * (np.log(np.abs(x)) + np.log1p(-x))
                                - sc.betaln(p["theta"], p["theta"])),
         _scipy(lambda p, c: st.beta(p["theta"], p["theta"])), lambda p, c: UNIT,
         None, lambda p, c: [[2 * sc.polygamma(1, p["theta"]) - 4 * sc.polygamma(1, 2 * p["theta"])]],
         closed_form=False),
    # -- Laplace, Cauchy, logistic, Student t --------------------------------------------------------
    Item("laplace-scale", "HMC ch. 6 / Wasserman ch. 9: Laplace with location 0, scale b",
         "1/(2 b) exp(-abs(x)/b)", ("b",), "x in R", ("b > 0",), {"b": 1.3},
         lambda x, p, c: -np.log(2 * p["b"]) - np.abs(x) / p["b"],
         _scipy(lambda p, c: st.laplace(scale=p["b"])), lambda p, c: REAL,
         lambda x, c: {"b": float(np.mean(np.abs(x)))}, lambda p, c: [[1 / p["b"] ** 2]],
         kinks=lambda p, c: [0.0], latex=r"\frac{1}{2b} e^{-|x|/b}"),
    Item("laplace-location", "C&B ch. 7 / DeGroot-Schervish ch. 7.6: Laplace location theta, scale 1",
         "1/2 exp(-abs(x - theta))", ("theta",), "x in R", (), {"theta": 0.4},
         lambda x, p, c: -math.log(2) - np.abs(x - p["theta"]),
         _scipy(lambda p, c: st.laplace(loc=p["theta"])), lambda p, c: REAL,
         lambda x, c: {"theta": float(np.median(x))}, lambda p, c: [[1.0]],
         kinks=lambda p, c: [p["theta"]], note="odd sample size: the median is the unique maximizer"),
    Item("cauchy-location", "C&B ch. 7 / Rice ch. 8: Cauchy location (no closed form)",
         "1/(pi (1 + (x - theta)^2))", ("theta",), "x in R", (), {"theta": 0.5},
         lambda x, p, c: -math.log(math.pi) - np.log1p((x - p["theta"]) ** 2),
         _scipy(lambda p, c: st.cauchy(loc=p["theta"])), lambda p, c: REAL,
         None, lambda p, c: [[0.5]], closed_form=False, latex=r"\frac{1}{\pi(1+(x-\theta)^2)}"),
    Item("cauchy-scale", "Wasserman ch. 9 exercises: Cauchy scale s, location 0 (no closed form)",
         "s/(pi (x^2 + s^2))", ("s",), "x in R", ("s > 0",), {"s": 1.5},
         lambda x, p, c: np.log(p["s"] / math.pi) - np.log(x**2 + p["s"] ** 2),
         _scipy(lambda p, c: st.cauchy(scale=p["s"])), lambda p, c: REAL,
         None, lambda p, c: [[1 / (2 * p["s"] ** 2)]], closed_form=False),
    Item("logistic-location", "C&B ch. 7 / Rice ch. 8: logistic location (no closed form)",
         "exp(-(x - theta))/(1 + exp(-(x - theta)))^2", ("theta",), "x in R", (), {"theta": -0.3},
         lambda x, p, c: -(x - p["theta"]) - 2 * np.log1p(np.exp(-(x - p["theta"]))),
         _scipy(lambda p, c: st.logistic(loc=p["theta"])), lambda p, c: REAL,
         None, lambda p, c: [[1 / 3]], closed_form=False),
    Item("student-t3-location", "Rice ch. 8 / Wasserman ch. 9: Student t with 3 d.f., location mu (no closed form)",
         "2/(pi sqrt(3)) (1 + (x - mu)^2/3)^(-2)", ("mu",), "x in R", (), {"mu": 1.0},
         lambda x, p, c: math.log(2 / (math.pi * math.sqrt(3))) - 2 * np.log1p((x - p["mu"]) ** 2 / 3),
         _scipy(lambda p, c: st.t(3, loc=p["mu"])), lambda p, c: REAL,
         None, lambda p, c: [[4 / 6]], closed_form=False),
    Item("log-logistic-known-shape", "Wasserman ch. 9 exercises: log-logistic with known shape k, scale a "
         "(no closed form)",
         "(k/a) (x/a)^(k - 1)/(1 + (x/a)^k)^2", ("a",), "x > 0", ("a > 0", "k > 0"), {"a": 2.0},
         lambda x, p, c: _where(x > 0, np.log(c["k"] / p["a"]) + (c["k"] - 1) * np.log(np.abs(x) / p["a"])
                                - 2 * np.log1p((np.abs(x) / p["a"]) ** c["k"])),
         _scipy(lambda p, c: st.fisk(c["k"], scale=p["a"])), lambda p, c: POS,
         None, lambda p, c: [[c["k"] ** 2 / (3 * p["a"] ** 2)]], closed_form=False, constants={"k": 3.0}),
    Item("log-logistic", "the issue's log-logistic, shape b and scale a (no closed form)",
         "(b/a) (x/a)^(b - 1)/(1 + (x/a)^b)^2", ("a", "b"), "x > 0", ("a > 0", "b > 0"), {"a": 2.0, "b": 3.0},
         lambda x, p, c: _where(x > 0, np.log(p["b"] / p["a"]) + (p["b"] - 1) * np.log(np.abs(x) / p["a"])
                                - 2 * np.log1p((np.abs(x) / p["a"]) ** p["b"])),
         _scipy(lambda p, c: st.fisk(p["b"], scale=p["a"])), lambda p, c: POS,
         None, lambda p, c: [[p["b"] ** 2 / (3 * p["a"] ** 2), 0.0], [0.0, (math.pi**2 + 3) / (9 * p["b"] ** 2)]],
         closed_form=False),
    # -- normal variants ----------------------------------------------------------------------------
    Item("normal-mean-latex", "Wasserman ch. 9: N(theta, 1), typed in LaTeX",
         r"\frac{1}{\sqrt{2\pi}} e^{-\frac{(x-\theta)^2}{2}}", ("theta",), "x in R", (), {"theta": 1.2},
         lambda x, p, c: -0.5 * math.log(2 * math.pi) - (x - p["theta"]) ** 2 / 2,
         _scipy(lambda p, c: st.norm(p["theta"])), lambda p, c: REAL,
         lambda x, c: {"theta": _mean(x)}, lambda p, c: [[1.0]], family="normal (variance 1)"),
    Item("normal-mean-nonneg", "C&B ch. 7: N(theta, 1) with theta >= 0 (restricted MLE max(xbar, 0))",
         "exp(-(x - theta)^2/2)/sqrt(2 pi)", ("theta",), "x in R", ("theta >= 0",), {"theta": 0.02},
         lambda x, p, c: -0.5 * math.log(2 * math.pi) - (x - p["theta"]) ** 2 / 2,
         _scipy(lambda p, c: st.norm(p["theta"])), lambda p, c: REAL,
         lambda x, c: {"theta": max(_mean(x), 0.0)}, lambda p, c: [[1.0]]),
    Item("normal-var-known-mean", "C&B ch. 7 / Rice ch. 8: N(0, theta), theta the variance",
         "1/sqrt(2 pi theta) exp(-x^2/(2 theta))", ("theta",), "x in R", ("theta > 0",), {"theta": 2.0},
         lambda x, p, c: -0.5 * np.log(2 * math.pi * p["theta"]) - x**2 / (2 * p["theta"]),
         _scipy(lambda p, c: st.norm(0, math.sqrt(p["theta"]))), lambda p, c: REAL,
         lambda x, c: {"theta": float(np.mean(x**2))}, lambda p, c: [[1 / (2 * p["theta"] ** 2)]],
         family="normal (mean 0)"),
    Item("normal-precision", "Bishop ch. 2.3: normal with known mean m, precision tau",
         "sqrt(tau/(2 pi)) exp(-tau (x - m)^2/2)", ("tau",), "x in R", ("tau > 0", "m > 0"), {"tau": 0.5},
         lambda x, p, c: 0.5 * np.log(p["tau"] / (2 * math.pi)) - p["tau"] * (x - c["m"]) ** 2 / 2,
         _scipy(lambda p, c: st.norm(c["m"], 1 / math.sqrt(p["tau"]))), lambda p, c: REAL,
         lambda x, c: {"tau": len(x) / float(np.sum((x - c["m"]) ** 2))}, lambda p, c: [[1 / (2 * p["tau"] ** 2)]],
         constants={"m": 1.0}, latex=r"\sqrt{\frac{\tau}{2\pi}} e^{-\tau(x-m)^2/2}"),
    Item("normal-theta-theta2", "C&B ch. 7 exercises: N(theta, theta^2), theta > 0 (the issue's root choice)",
         "1/sqrt(2 pi theta^2) exp(-(x - theta)^2/(2 theta^2))", ("theta",), "x in R", ("theta > 0",),
         {"theta": 1.5},
         lambda x, p, c: -0.5 * np.log(2 * math.pi * p["theta"] ** 2) - (x - p["theta"]) ** 2 / (2 * p["theta"] ** 2),
         _scipy(lambda p, c: st.norm(p["theta"], p["theta"])), lambda p, c: REAL,
         lambda x, c: {"theta": (-_mean(x) + math.sqrt(_mean(x) ** 2 + 4 * float(np.mean(x**2)))) / 2},
         lambda p, c: [[3 / p["theta"] ** 2]]),
    Item("normal-theta-theta", "C&B ch. 7 exercises: N(theta, theta), theta > 0",
         "1/sqrt(2 pi theta) exp(-(x - theta)^2/(2 theta))", ("theta",), "x in R", ("theta > 0",), {"theta": 2.0},
         lambda x, p, c: -0.5 * np.log(2 * math.pi * p["theta"]) - (x - p["theta"]) ** 2 / (2 * p["theta"]),
         _scipy(lambda p, c: st.norm(p["theta"], math.sqrt(p["theta"]))), lambda p, c: REAL,
         lambda x, c: {"theta": (-1 + math.sqrt(1 + 4 * float(np.mean(x**2)))) / 2},
         lambda p, c: [[1 / p["theta"] + 1 / (2 * p["theta"] ** 2)]],
         latex=r"\frac{1}{\sqrt{2\pi\theta}} \exp\left(-\frac{(x-\theta)^2}{2\theta}\right)"),
    # -- gamma, inverse gamma, chi-square -------------------------------------------------------------
    Item("gamma-known-shape", "HMC ch. 6 / Rice ch. 8: gamma with known shape a, rate b",
         "b^a x^(a - 1) exp(-b x)/gamma(a)", ("b",), "x > 0", ("b > 0", "a > 0"), {"b": 1.5},
         lambda x, p, c: _where(x > 0, c["a"] * np.log(p["b"]) + (c["a"] - 1) * np.log(np.abs(x)) - p["b"] * x
                                - sc.gammaln(c["a"])),
         _scipy(lambda p, c: st.gamma(c["a"], scale=1 / p["b"])), lambda p, c: POS,
         lambda x, c: {"b": c["a"] / _mean(x)}, lambda p, c: [[c["a"] / p["b"] ** 2]], constants={"a": 3.0},
         family="gamma (shape known)"),
    Item("gamma2-scale", "Rice ch. 8 / Wasserman ch. 9: x e^(-x/theta)/theta^2 (gamma, shape 2)",
         "x exp(-x/theta)/theta^2", ("theta",), "x > 0", ("theta > 0",), {"theta": 1.5},
         lambda x, p, c: _where(x > 0, np.log(np.abs(x)) - x / p["theta"] - 2 * np.log(p["theta"])),
         _scipy(lambda p, c: st.gamma(2, scale=p["theta"])), lambda p, c: POS,
         lambda x, c: {"theta": _mean(x) / 2}, lambda p, c: [[2 / p["theta"] ** 2]],
         latex=r"\frac{x e^{-x/\theta}}{\theta^2}"),
    Item("gamma-shape", "C&B ch. 7: gamma shape alpha with rate 1 (no closed form)",
         "x^(alpha - 1) exp(-x)/gamma(alpha)", ("alpha",), "x > 0", ("alpha > 0",), {"alpha": 2.5},
         lambda x, p, c: _where(x > 0, (p["alpha"] - 1) * np.log(np.abs(x)) - x - sc.gammaln(p["alpha"])),
         _scipy(lambda p, c: st.gamma(p["alpha"])), lambda p, c: POS,
         None, lambda p, c: [[float(sc.polygamma(1, p["alpha"]))]], closed_form=False,
         family="gamma (rate known)"),
    Item("inverse-gamma-scale", "Bishop ch. 2 / DeGroot-Schervish: inverse gamma with known shape a, scale b",
         "b^a x^(-a - 1) exp(-b/x)/gamma(a)", ("b",), "x > 0", ("b > 0", "a > 0"), {"b": 2.0},
         lambda x, p, c: _where(x > 0, c["a"] * np.log(p["b"]) - (c["a"] + 1) * np.log(np.abs(x)) - p["b"] / x
                                - sc.gammaln(c["a"])),
         _scipy(lambda p, c: st.invgamma(c["a"], scale=p["b"])), lambda p, c: POS,
         lambda x, c: {"b": len(x) * c["a"] / float(np.sum(1 / x))}, lambda p, c: [[c["a"] / p["b"] ** 2]],
         constants={"a": 3.0}, latex=r"\frac{b^a}{\Gamma(a)} x^{-a-1} e^{-b/x}"),
    Item("chi2-scale", "Rice ch. 8: theta times a chi-square with k d.f. (k known)",
         "x^(k/2 - 1) exp(-x/(2 theta))/((2 theta)^(k/2) gamma(k/2))", ("theta",), "x > 0", ("theta > 0", "k > 0"),
         {"theta": 1.5},
         lambda x, p, c: _where(x > 0, (c["k"] / 2 - 1) * np.log(np.abs(x)) - x / (2 * p["theta"])
                                - (c["k"] / 2) * np.log(2 * p["theta"]) - sc.gammaln(c["k"] / 2)),
         _scipy(lambda p, c: st.gamma(c["k"] / 2, scale=2 * p["theta"])), lambda p, c: POS,
         lambda x, c: {"theta": _mean(x) / c["k"]}, lambda p, c: [[c["k"] / (2 * p["theta"] ** 2)]],
         constants={"k": 4.0}),
    Item("chi2-df", "C&B ch. 7: chi-square degrees of freedom k (no closed form)",
         "x^(k/2 - 1) exp(-x/2)/(2^(k/2) gamma(k/2))", ("k",), "x > 0", ("k > 0",), {"k": 5.0},
         lambda x, p, c: _where(x > 0, (p["k"] / 2 - 1) * np.log(np.abs(x)) - x / 2 - (p["k"] / 2) * math.log(2)
                                - sc.gammaln(p["k"] / 2)),
         _scipy(lambda p, c: st.chi2(p["k"])), lambda p, c: POS,
         None, lambda p, c: [[float(sc.polygamma(1, p["k"] / 2)) / 4]], closed_form=False),
    # -- uniform-type (the support moves with the parameter) ----------------------------------------
    Item("uniform-theta-theta1", "DeGroot-Schervish ch. 7.5 / C&B ch. 7: uniform(theta, theta + 1), non-unique",
         "1", ("theta",), "theta < x < theta + 1", (), {"theta": 0.7},
         lambda x, p, c: _where((x >= p["theta"]) & (x <= p["theta"] + 1), np.zeros_like(x)),
         _scipy(lambda p, c: st.uniform(p["theta"], 1)), lambda p, c: (p["theta"], p["theta"] + 1),
         lambda x, c: {"theta": (float(np.max(x)) - 1, float(np.min(x)))}, None, regular=False, unique=False),
    Item("uniform-symmetric", "HMC ch. 6 / Rice ch. 8: uniform(-theta, theta)",
         "1/(2 theta)", ("theta",), "-theta < x < theta", ("theta > 0",), {"theta": 1.5},
         lambda x, p, c: _where(np.abs(x) <= p["theta"], -np.log(2 * p["theta"]) + np.zeros_like(x)),
         _scipy(lambda p, c: st.uniform(-p["theta"], 2 * p["theta"])), lambda p, c: (-p["theta"], p["theta"]),
         lambda x, c: {"theta": float(np.max(np.abs(x)))}, None, regular=False),
    Item("uniform-theta-2theta", "C&B ch. 7 exercises: uniform(theta, 2 theta)",
         "1/theta", ("theta",), "theta < x < 2 theta", ("theta > 0",), {"theta": 1.2},
         lambda x, p, c: _where((x >= p["theta"]) & (x <= 2 * p["theta"]), -np.log(p["theta"]) + np.zeros_like(x)),
         _scipy(lambda p, c: st.uniform(p["theta"], p["theta"])), lambda p, c: (p["theta"], 2 * p["theta"]),
         lambda x, c: {"theta": float(np.max(x)) / 2}, None, regular=False),
    Item("uniform-ab", "Wasserman ch. 9 / DeGroot-Schervish ch. 7.5: uniform(a, b), both ends unknown",
         "1/(b - a)", ("a", "b"), "a < x < b", ("a < b",), {"a": -1.0, "b": 2.0},
         lambda x, p, c: _where((x >= p["a"]) & (x <= p["b"]) & (p["b"] > p["a"]), -np.log(np.abs(p["b"] - p["a"]))
                                + np.zeros_like(x)),
         _scipy(lambda p, c: st.uniform(p["a"], p["b"] - p["a"])), lambda p, c: (p["a"], p["b"]),
         lambda x, c: {"a": float(np.min(x)), "b": float(np.max(x))}, None, regular=False),
    Item("triangle-scale", "Rice ch. 8 / HMC ch. 6: 2x/theta^2 on (0, theta)",
         "2 x/theta^2", ("theta",), "0 < x < theta", ("theta > 0",), {"theta": 3.0},
         lambda x, p, c: _where((x > 0) & (x <= p["theta"]), np.log(2 * np.abs(x)) - 2 * np.log(p["theta"])),
         _inv(lambda u, p, c: p["theta"] * np.sqrt(u)), lambda p, c: (0.0, p["theta"]),
         lambda x, c: {"theta": float(np.max(x))}, None, regular=False),
    # -- discrete ------------------------------------------------------------------------------------
    Item("geometric-failures", "C&B ch. 7 / Wasserman ch. 9: geometric on {0, 1, ...} (failures before success)",
         "p (1 - p)^x", ("p",), "x in {0,1,2,...}", ("0 < p < 1",), {"p": 0.3},
         lambda x, p, c: _where(x >= 0, np.log(p["p"]) + x * np.log1p(-p["p"])),
         _scipy(lambda p, c: st.geom(p["p"], loc=-1)), lambda p, c: (0, INF),
         lambda x, c: {"p": 1 / (1 + _mean(x))}, lambda p, c: [[1 / (p["p"] ** 2 * (1 - p["p"]))]],
         discrete=True, latex=r"p(1-p)^x"),
    Item("negbin-known-r", "C&B ch. 7 / Rice ch. 8: negative binomial, failures before the r-th success, r known",
         "binomial(x + r - 1, x) p^r (1 - p)^x", ("p",), "x in {0,1,2,...}", ("0 < p < 1", "r > 0"), {"p": 0.4},
         lambda x, p, c: _where(x >= 0, sc.gammaln(x + c["r"]) - sc.gammaln(x + 1) - sc.gammaln(c["r"])
                                + c["r"] * np.log(p["p"]) + x * np.log1p(-p["p"])),
         _scipy(lambda p, c: st.nbinom(c["r"], p["p"])), lambda p, c: (0, INF),
         lambda x, c: {"p": c["r"] / (c["r"] + _mean(x))}, lambda p, c: [[c["r"] / (p["p"] ** 2 * (1 - p["p"]))]],
         discrete=True, constants={"r": 3.0}),
    Item("bernoulli-logit", "Bishop ch. 2.4 / Wasserman ch. 9: Bernoulli with log-odds eta",
         "exp(eta x)/(1 + exp(eta))", ("eta",), "x in {0,1}", (), {"eta": 0.6},
         lambda x, p, c: p["eta"] * x - np.log1p(math.exp(p["eta"])),
         _scipy(lambda p, c: st.bernoulli(sc.expit(p["eta"]))), lambda p, c: (0, 1),
         lambda x, c: {"eta": math.log(_mean(x) / (1 - _mean(x)))},
         lambda p, c: [[float(sc.expit(p["eta"]) * (1 - sc.expit(p["eta"])))]], discrete=True, values=(0.0, 1.0),
         latex=r"\frac{e^{\eta x}}{1+e^{\eta}}"),
    Item("bernoulli-half", "C&B ch. 7 exercises: Bernoulli with p restricted to (0, 1/2] (MLE min(xbar, 1/2))",
         "p^x (1 - p)^(1 - x)", ("p",), "x in {0,1}", ("0 < p <= 1/2",), {"p": 0.48},
         lambda x, p, c: x * np.log(p["p"]) + (1 - x) * np.log1p(-p["p"]),
         _scipy(lambda p, c: st.bernoulli(p["p"])), lambda p, c: (0, 1),
         lambda x, c: {"p": min(_mean(x), 0.5)}, lambda p, c: [[1 / (p["p"] * (1 - p["p"]))]], discrete=True,
         values=(0.0, 1.0), family="bernoulli (restricted)"),
    Item("binomial-typed", "Rice ch. 8: binomial with known m, typed out",
         "binomial(m, x) p^x (1 - p)^(m - x)", ("p",), "x in {0,1,...,m}", ("0 < p < 1", "m > 0 integer"), {"p": 0.35},
         lambda x, p, c: _where((x >= 0) & (x <= c["m"]), sc.gammaln(c["m"] + 1) - sc.gammaln(x + 1)
                                - sc.gammaln(c["m"] - x + 1) + x * np.log(p["p"]) + (c["m"] - x) * np.log1p(-p["p"])),
         _scipy(lambda p, c: st.binom(int(c["m"]), p["p"])), lambda p, c: (0, c["m"]),
         lambda x, c: {"p": _mean(x) / c["m"]}, lambda p, c: [[c["m"] / (p["p"] * (1 - p["p"]))]], discrete=True,
         constants={"m": 10.0}, family="binomial"),
    Item("poisson-offset", "Wasserman ch. 9 / Rice ch. 8: Poisson with known exposure t, rate lam",
         "(lam t)^x exp(-lam t)/factorial(x)", ("lam",), "x in {0,1,2,...}", ("lam > 0", "t > 0"), {"lam": 1.6},
         lambda x, p, c: _where(x >= 0, x * np.log(p["lam"] * c["t"]) - p["lam"] * c["t"] - sc.gammaln(x + 1)),
         _scipy(lambda p, c: st.poisson(p["lam"] * c["t"])), lambda p, c: (0, INF),
         lambda x, c: {"lam": _mean(x) / c["t"]}, lambda p, c: [[c["t"] / p["lam"]]], discrete=True,
         constants={"t": 2.5}, latex=r"\frac{(\lambda t)^x e^{-\lambda t}}{x!}"),
    Item("poisson-theta-squared", "HMC ch. 6: Poisson with mean theta^2",
         "theta^(2 x) exp(-theta^2)/factorial(x)", ("theta",), "x in {0,1,2,...}", ("theta > 0",), {"theta": 1.4},
         lambda x, p, c: _where(x >= 0, 2 * x * np.log(p["theta"]) - p["theta"] ** 2 - sc.gammaln(x + 1)),
         _scipy(lambda p, c: st.poisson(p["theta"] ** 2)), lambda p, c: (0, INF),
         lambda x, c: {"theta": math.sqrt(_mean(x))}, lambda p, c: [[4.0]], discrete=True),
    Item("zt-poisson", "C&B ch. 7 / Rice ch. 8: zero-truncated Poisson (textbooks: solve numerically)",
         "lam^x exp(-lam)/(factorial(x) (1 - exp(-lam)))", ("lam",), "x in {1,2,3,...}", ("lam > 0",), {"lam": 2.0},
         lambda x, p, c: _where(x >= 1, x * np.log(p["lam"]) - p["lam"] - sc.gammaln(x + 1)
                                - np.log(-np.expm1(-p["lam"]))),
         lambda rng, n, p, c: np.asarray(st.poisson(p["lam"]).ppf(
             rng.uniform(st.poisson(p["lam"]).cdf(0), 1, size=n)), dtype=float),
         lambda p, c: (1, INF),
         lambda x, c: {"lam": _mean(x) + float(np.real(sc.lambertw(-_mean(x) * math.exp(-_mean(x)))))},
         lambda p, c: [[1 / (p["lam"] * (1 - math.exp(-p["lam"]))) - math.exp(p["lam"]) / math.expm1(p["lam"]) ** 2]],
         closed_form=False, discrete=True, note="the MLE is xbar + W0(-xbar e^-xbar), Lambert W",
         latex=r"\frac{\lambda^x e^{-\lambda}}{x!\,(1-e^{-\lambda})}"),
    Item("log-series", "Rice ch. 8 / C&B ch. 7: logarithmic series distribution (no closed form)",
         "-theta^x/(x log(1 - theta))", ("theta",), "x in {1,2,3,...}", ("0 < theta < 1",), {"theta": 0.6},
         lambda x, p, c: _where(x >= 1, x * np.log(p["theta"]) - np.log(np.abs(x)) - np.log(-np.log1p(-p["theta"]))),
         _scipy(lambda p, c: st.logser(p["theta"])), lambda p, c: (1, INF),
         None, lambda p, c: [[(-math.log1p(-p["theta"]) - p["theta"])
                              / (p["theta"] * (1 - p["theta"]) ** 2 * math.log1p(-p["theta"]) ** 2)]],
         closed_form=False, discrete=True, latex=r"-\frac{\theta^x}{x \ln(1-\theta)}"),
    Item("borel", "the issue's Borel distribution (queue busy-period), mu in (0, 1)",
         "exp(-mu x) (mu x)^(x - 1)/factorial(x)", ("mu",), "x in {1,2,3,...}", ("0 < mu < 1",), {"mu": 0.5},
         lambda x, p, c: _where(x >= 1, -p["mu"] * x + (x - 1) * np.log(p["mu"] * x) - sc.gammaln(x + 1)),
         _borel, lambda p, c: (1, INF),
         lambda x, c: {"mu": 1 - 1 / _mean(x)}, lambda p, c: [[1 / (p["mu"] * (1 - p["mu"]))]], discrete=True,
         latex=r"\frac{e^{-\mu x} (\mu x)^{x-1}}{x!}"),
    Item("yule-simon", "Yule-Simon (word frequencies), rho B(x, rho + 1) (no closed form)",
         "rho beta(x, rho + 1)", ("rho",), "x in {1,2,3,...}", ("rho > 0",), {"rho": 2.5},
         lambda x, p, c: _where(x >= 1, np.log(p["rho"]) + sc.betaln(np.maximum(x, 1), p["rho"] + 1)),
         _scipy(lambda p, c: st.yulesimon(p["rho"])), lambda p, c: (1, INF),
         None, None, closed_form=False, discrete=True),
    Item("zeta", "Zipf / zeta distribution x^(-s)/zeta(s) (no closed form; zeta is not in derive's vocabulary)",
         "x^(-s)/zeta(s)", ("s",), "x in {1,2,3,...}", ("s > 1",), {"s": 2.5},
         lambda x, p, c: _where(x >= 1, -p["s"] * np.log(np.maximum(x, 1)) - np.log(sc.zeta(p["s"]))),
         _scipy(lambda p, c: st.zipf(p["s"])), lambda p, c: (1, INF),
         None, None, closed_form=False, discrete=True),
    Item("hardy-weinberg", "Rice ch. 8: Hardy-Weinberg genotypes theta^2, 2 theta (1-theta), (1-theta)^2",
         "2^(x (2 - x)) theta^(2 - x) (1 - theta)^x", ("theta",), "x in {0,1,2}", ("0 < theta < 1",),
         {"theta": 0.35},
         lambda x, p, c: x * (2 - x) * math.log(2) + (2 - x) * np.log(p["theta"]) + x * np.log1p(-p["theta"]),
         _scipy(lambda p, c: st.binom(2, 1 - p["theta"])), lambda p, c: (0, 2),
         lambda x, c: {"theta": 1 - _mean(x) / 2}, lambda p, c: [[2 / (p["theta"] * (1 - p["theta"]))]],
         discrete=True, values=(0.0, 1.0, 2.0), note="x = number of copies of the second allele"),
    Item("discrete-uniform", "C&B ch. 7 / DeGroot-Schervish: discrete uniform on {1, ..., theta} (tank problem)",
         "1/theta", ("theta",), "x in {1,...,theta}", ("theta > 0 integer",), {"theta": 20.0},
         lambda x, p, c: _where((x >= 1) & (x <= p["theta"]), -np.log(p["theta"]) + np.zeros_like(x)),
         lambda rng, n, p, c: rng.integers(1, int(p["theta"]) + 1, size=n).astype(float), lambda p, c: (1, p["theta"]),
         lambda x, c: {"theta": float(np.max(x))}, None, discrete=True, regular=False,
         note="theta is an integer; numeric maximization over reals gives max(x) too"),
    Item("expfam-base-measure", "Bishop ch. 2.4 / C&B ch. 3.4: exponential family h(x) exp(theta x - A(theta)), "
         "Poisson in natural form",
         "h(x) exp(theta x - exp(theta))", ("theta",), "x in {0,1,2,...}", (), {"theta": 0.5},
         lambda x, p, c: _where(x >= 0, p["theta"] * x - math.exp(p["theta"]) - sc.gammaln(x + 1)),
         _scipy(lambda p, c: st.poisson(math.exp(p["theta"]))), lambda p, c: (0, INF),
         lambda x, c: {"theta": math.log(_mean(x))}, lambda p, c: [[math.exp(p["theta"])]], discrete=True,
         note="h(x) = 1/x! for the simulation; h is an unknown positive base measure to derive"),
)
