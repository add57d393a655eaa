"""Numbers to hold a closed-form MLE against: a numeric maximizer, a Monte-Carlo Fisher information, iterates.

Each is computed without the derivation's algebra: the maximizer sees only the log density and the
data, the information only draws and the score, the iteration only the update formula. When an
end of the support involves a parameter (``0 < x < theta``), ``maximize_loglik`` takes the
``support`` and gives the log-likelihood ``-inf`` wherever a data point leaves it, with the ends
counted as closed so that the supremum ``theta = max x_i`` is attained; a ``Piecewise`` log density
works as well.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize as so  # type: ignore[import-untyped]  # scipy ships no stubs
import sympy as sp

from derive.core.errors import UsageError
from derive.parse.domain import VarDomain
from derive.likelihood.model import MleProblem, Support

from derive.certify.numeval import numeric_function, sample_size_symbols
from derive.likelihood.sampling import draw_sample
from derive.likelihood.logdensity import log_density

Array = np.ndarray
_BAD = 1e300
"""The objective's value where the log-likelihood is -inf or undefined (Nelder-Mead only compares)."""


@dataclass(frozen=True, slots=True)
class _Transform:
    """An interval of the real line as the image of all of R: logistic, exp, or the identity."""

    lower: float | None
    upper: float | None

    def to_theta(self, u: float) -> float:
        lo, hi = self.lower, self.upper
        if lo is not None and hi is not None:
            return lo + (hi - lo) / (1.0 + math.exp(-u)) if u > -700 else lo + (hi - lo) * math.exp(u)
        if lo is not None:
            return lo + math.exp(min(u, 700.0))
        if hi is not None:
            return hi - math.exp(min(u, 700.0))
        return u

    def to_u(self, theta: float) -> float:
        lo, hi = self.lower, self.upper
        if lo is not None and hi is not None:
            z = (theta - lo) / (hi - lo)
            return math.log(z / (1.0 - z))
        if lo is not None:
            return math.log(theta - lo)
        if hi is not None:
            return math.log(hi - theta)
        return theta

    def inside(self, theta: float) -> bool:
        return (self.lower is None or theta > self.lower) and (self.upper is None or theta < self.upper)


@dataclass(frozen=True, slots=True)
class _Loglik:
    """The log-likelihood of a fixed sample as a function of the parameter vector (``-inf`` outside)."""

    logf: Callable[..., Array]
    sample: Array
    known: tuple[float, ...]
    domains: tuple[VarDomain | None, ...]
    inside: _SupportCheck | None
    relations: Callable[..., Array] | None = None
    """The relations between parameters (``a < b``), compiled: 1 where all hold."""
    seen: dict[bytes, float] = field(default_factory=dict)
    """The values computed, by the exact bits of the parameter vector: a pure function of it, and the
    optimizers ask for the same point again (each restart's first vertex, the checks between runs)."""

    def __call__(self, theta: Sequence[float] | Array) -> float:
        th = [float(t) for t in theta]
        key = np.asarray(th, dtype=float).tobytes()
        found = self.seen.get(key)
        if found is None:
            found = self.seen[key] = self._value(th)
        return found

    def _value(self, th: list[float]) -> float:
        if not all(math.isfinite(t) and _in_domain(t, d) for t, d in zip(th, self.domains)):
            return -math.inf
        if self.inside is not None and not self.inside(th, self.known):
            return -math.inf
        if self.relations is not None and float(self.relations(*th, *self.known)) != 1.0:
            return -math.inf
        with np.errstate(all="ignore"):
            v = float(self.logf(self.sample, *th, *self.known).sum())
        return v if not math.isnan(v) and v != math.inf else -math.inf


def objective(problem: MleProblem, n: int) -> sp.Expr:
    """Per-observation log density, plus a 1/n share of the log prior for MAP (their sum is the log-posterior)."""
    logf = log_density(problem.numeric_density)
    return logf if problem.prior is None else logf + problem.prior / n


def maximize_loglik(logf: sp.Expr, var: sp.Symbol, params: Sequence[sp.Symbol], space: Sequence[VarDomain],
                    sample: Array, known: Mapping[sp.Symbol, float] | None = None, *,
                    support: Support | None = None, rng: np.random.Generator | None = None,
                    starts: int = 8, relations: Sequence[sp.Basic] = ()) -> tuple[Array, float]:
    """The numeric maximum of ``sum_i logf(x_i; theta)`` over the parameter space: ``(theta, loglik)``.

    Bounded parameters are mapped to R (logistic for ``(a, b)``, exp for ``(a, inf)``); Nelder-Mead
    runs from the best of many random and moment-like starting points, then BFGS, a coordinate-wise
    Brent polish (for kinks, e.g. a Laplace location at the median) and a bisection onto any edge
    where the likelihood drops to zero (a parameter in the support, e.g. ``theta = max x_i``).
    ``space`` holds the domains by parameter name (others are unbounded); ``known`` gives values of
    constants in ``logf``; ``support`` (optional) makes a data point outside it give ``-inf``;
    ``relations`` between parameters (``a < b``) give ``-inf`` where one fails.
    """
    gen = rng if rng is not None else np.random.default_rng(0)
    known = dict(known or {})
    data = np.asarray(sample, dtype=float).ravel()
    if data.size == 0:
        raise UsageError("cannot maximize a likelihood of no data")
    params = list(params)
    keys = list(known)
    by_name = {d.name: d for d in space}
    domains = tuple(by_name.get(p.name) for p in params)
    transforms = [_transform(d) for d in domains]
    fn = numeric_function(logf, [var, *params, *keys])
    inside = None if support is None else _support_check(support, params, keys, data)
    related = numeric_function(sp.And(*relations), [*params, *keys]) if relations else None
    loglik = _Loglik(fn, data, tuple(float(known[k]) for k in keys), domains, inside, related)

    def objective(u: Array) -> float:
        try:
            theta = [t.to_theta(float(v)) for t, v in zip(transforms, u)]
        except (OverflowError, ValueError, ZeroDivisionError):
            return _BAD
        v = loglik(theta)
        return -v if math.isfinite(v) else _BAD

    pool = _starting_points(data, domains, transforms, gen)
    scored = sorted(((loglik(th), tuple(th)) for th in pool), key=lambda s: -s[0])
    chosen = [th for v, th in scored if math.isfinite(v)][:max(1, starts)]
    if not chosen:
        raise UsageError("the log-likelihood is -inf or undefined at every starting point",
                         hint="check the density, the parameter space and the data")
    best_u: Array | None = None
    best_f = math.inf
    for th in dict.fromkeys(chosen):  # a start chosen twice runs the same deterministic search twice
        u = _run(objective, np.asarray([t.to_u(x) for t, x in zip(transforms, th)]))
        f = objective(u)
        if f < best_f:
            best_u, best_f = u, f
    assert best_u is not None
    theta = np.asarray([t.to_theta(float(v)) for t, v in zip(transforms, best_u)])
    theta = _polish(loglik, theta, domains)
    return theta, loglik(theta)


def _transform(d: VarDomain | None) -> _Transform:
    if d is None:
        return _Transform(None, None)
    return _Transform(d.lower, d.upper)


def _in_domain(t: float, d: VarDomain | None) -> bool:
    if d is None:
        return True
    if d.lower is not None and (t < d.lower or (d.lower_strict and t == d.lower)):
        return False
    if d.upper is not None and (t > d.upper or (d.upper_strict and t == d.upper)):
        return False
    return True


_SupportCheck = Callable[[Sequence[float], Sequence[float]], bool]


def _support_check(support: Support, params: Sequence[sp.Symbol], keys: Sequence[sp.Symbol],
                   x: Array) -> _SupportCheck:
    """Whether every data point of ``x`` lies in the support at (theta, known), the ends counted as closed.

    Closed ends make the supremum attained: with ``0 < x < theta`` the maximum is ``theta = max x_i``.
    What depends on the data alone (its extremes, its distinct values, whether all are integers) and
    ends free of the parameters are computed once: the check runs at every evaluation of the likelihood.
    """
    syms = [*params, *keys]
    if support.kind == "finite":
        points = [numeric_function(v, syms) for v in support.values]
        distinct = np.unique(x)

        def in_set(theta: Sequence[float], known: Sequence[float]) -> bool:
            allowed = np.asarray([float(p(*theta, *known)) for p in points])
            return bool(np.all(np.min(np.abs(distinct[:, None] - allowed[None, :]), axis=1) <= 1e-9))

        return in_set
    lo_end = None if support.lower is None else _end(support.lower, syms)
    hi_end = None if support.upper is None else _end(support.upper, syms)
    xmin, xmax = float(np.min(x)), float(np.max(x))
    whole = not (support.kind == "integers" and bool(np.any(x != np.round(x))))

    def in_range(theta: Sequence[float], known: Sequence[float]) -> bool:
        if lo_end is not None:
            lo = lo_end if isinstance(lo_end, float) else float(lo_end(*theta, *known))
            if math.isnan(lo) or xmin < lo:
                return False
        if hi_end is not None:
            hi = hi_end if isinstance(hi_end, float) else float(hi_end(*theta, *known))
            if math.isnan(hi) or xmax > hi:
                return False
        return whole

    return in_range


def _end(end: sp.Expr, syms: Sequence[sp.Symbol]) -> float | Callable[..., Array]:
    """An end of the support: a number when it is free of the parameters, else a function of them."""
    fn = numeric_function(end, syms)
    if end.free_symbols & set(syms):
        return fn
    return float(fn(*([0.0] * len(syms))))


def _starting_points(x: Array, domains: Sequence[VarDomain | None], transforms: Sequence[_Transform],
                     gen: np.random.Generator, count: int = 96) -> list[list[float]]:
    """Random points of the space, mixed with values built from the sample's moments and extremes."""
    mean, sd = float(np.mean(x)), float(np.std(x)) or 1.0
    var = sd * sd
    guesses = [mean, float(np.median(x)), sd, var, 1.0, 0.5, 2.0, 0.0, float(np.max(x)), float(np.min(x)),
               float(np.max(x)) + 0.1 * sd, float(np.min(x)) - 0.1 * sd, 1.1 * float(np.max(x)),
               0.9 * float(np.min(x)), float(np.mean(np.abs(x - np.median(x))))]
    if mean != 0:
        guesses += [1.0 / mean, mean / var, mean * mean / var, var / mean]
    if np.all(x > 0):
        lx = np.log(x)
        guesses += [float(np.mean(lx)), float(np.std(lx)) or 1.0, float(np.exp(np.mean(lx)))]
    per_param = [[g for g in guesses if math.isfinite(g) and t.inside(g)] for t in transforms]
    points: list[list[float]] = [[ps[0] if ps else _random_point(d, mean, sd, gen)
                                  for ps, d in zip(per_param, domains)]]
    for _ in range(count):
        pt = []
        for ps, d in zip(per_param, domains):
            if ps and gen.random() < 0.6:
                pt.append(float(ps[int(gen.integers(len(ps)))]))
            else:
                pt.append(_random_point(d, mean, sd, gen))
        points.append(pt)
    return points


def _random_point(d: VarDomain | None, mean: float, sd: float, gen: np.random.Generator) -> float:
    if d is None or (d.lower is None and d.upper is None):
        return float(gen.normal(mean, 2 * sd + 1))
    if d.lower is not None and d.upper is not None:
        return float(d.lower + (d.upper - d.lower) * gen.uniform(0.02, 0.98))
    scale = max(abs(mean), sd, 1.0)
    step = float(scale * math.exp(gen.normal(0.0, 1.5)))
    return d.lower + step if d.lower is not None else float(d.upper) - step  # type: ignore[arg-type]


def _run(objective: Callable[[Array], float], u0: Array) -> Array:
    """Nelder-Mead (restarted once from its answer), then a BFGS step kept only if it helps."""
    k = len(u0)
    # maxfev: a converging run of the built-in families takes at most ~650 evaluations (bench_mle); a run
    # that reaches 2000 k wanders on a flat ridge (the median of an even sample), which BFGS and the
    # coordinate polish below settle: more evaluations there only cost time
    opts = {"xatol": 1e-11, "fatol": 1e-13, "maxiter": 4000 * k, "maxfev": 2000 * k, "adaptive": k > 2}
    u = np.asarray(u0, dtype=float)
    for _ in range(2):
        r = so.minimize(objective, u, method="Nelder-Mead", options=opts)
        u = np.asarray(r.x, dtype=float)
    if objective(u) < _BAD:
        with np.errstate(all="ignore"):
            r = so.minimize(objective, u, method="BFGS", options={"gtol": 1e-10, "maxiter": 200})
        if np.all(np.isfinite(r.x)) and objective(np.asarray(r.x)) < objective(u):
            u = np.asarray(r.x, dtype=float)
    return u


def _polish(loglik: _Loglik, theta: Array, domains: Sequence[VarDomain | None]) -> Array:
    """Coordinate-wise Brent steps (kinks), then bisection onto an edge where the likelihood vanishes."""
    th = np.array(theta, dtype=float)
    best = loglik(th)
    th, best = _newton_polish(loglik, th, best)
    for _ in range(2):
        for j in range(len(th)):
            th, best = _brent(loglik, th, best, j)
            th, best = _edge(loglik, th, best, j)
    return th


def _newton_polish(loglik: _Loglik, th: Array, best: float, rounds: int = 4) -> tuple[Array, float]:
    """Newton steps with central-difference derivatives, each kept only if the log-likelihood rises:
    a value-based search stops about sqrt(machine epsilon) from a smooth maximum, Newton gets closer."""
    k = len(th)
    for _ in range(rounds):
        h = 1e-4 * np.maximum(1.0, np.abs(th))
        g = np.zeros(k)
        hess = np.zeros((k, k))
        with np.errstate(all="ignore"):
            for a in range(k):
                ea = np.eye(k)[a] * h[a]
                fp, fm = loglik(th + ea), loglik(th - ea)
                eg = ea * 1e-2  # a smaller step for the gradient: its truncation error is O(h^2)
                g[a] = (loglik(th + eg) - loglik(th - eg)) / (2e-2 * h[a])
                hess[a, a] = (fp - 2 * best + fm) / h[a] ** 2
                for b in range(a + 1, k):
                    eb = np.eye(k)[b] * h[b]
                    hess[a, b] = hess[b, a] = (loglik(th + ea + eb) - loglik(th + ea - eb) - loglik(th - ea + eb)
                                               + loglik(th - ea - eb)) / (4 * h[a] * h[b])
        if not (np.all(np.isfinite(g)) and np.all(np.isfinite(hess))):
            break
        try:
            step = np.linalg.solve(hess, g)
        except np.linalg.LinAlgError:
            break
        cand = th - step
        v = loglik(cand)
        if not (math.isfinite(v) and v >= best - 1e-14 * max(1.0, abs(best))):  # equal up to rounding
            break
        th, best = cand, max(v, best)
        if float(np.max(np.abs(step) / np.maximum(1.0, np.abs(th)))) < 1e-13:
            break
    return th, best


def _brent(loglik: _Loglik, th: Array, best: float, j: int) -> tuple[Array, float]:
    h = 1e-3 * max(1.0, abs(th[j]))

    def along(t: float) -> float:
        trial = th.copy()
        trial[j] = t
        v = loglik(trial)
        return -v if math.isfinite(v) else _BAD

    r = so.minimize_scalar(along, bounds=(th[j] - h, th[j] + h), method="bounded",
                           options={"xatol": 1e-13 * max(1.0, abs(th[j]))})
    if -float(r.fun) > best:
        out = th.copy()
        out[j] = float(r.x)
        return out, -float(r.fun)
    return th, best


def _edge(loglik: _Loglik, th: Array, best: float, j: int) -> tuple[Array, float]:
    """If one side of coordinate ``j`` is infeasible just next to ``th``, walk onto the edge itself."""
    for sign in (1.0, -1.0):
        step = sign * 1e-6 * max(1.0, abs(th[j]))
        out = th.copy()
        out[j] = th[j] + step
        if math.isfinite(loglik(out)):
            continue
        good, bad = th[j], th[j] + step
        for _ in range(80):
            mid = (good + bad) / 2
            if mid in (good, bad):
                break
            out[j] = mid
            if math.isfinite(loglik(out)):
                good = mid
            else:
                bad = mid
        out[j] = good
        v = loglik(out)
        if v > best:
            return out, v
    return th, best


def monte_carlo_fisher(scores: Sequence[sp.Expr], var: sp.Symbol, params: Sequence[sp.Symbol], density: sp.Expr,
                       support: Support, values: Mapping[sp.Symbol, float], draws: int = 20000,
                       rng: np.random.Generator | None = None) -> tuple[Array, Array]:
    """``E[s s^T]`` of the per-observation score ``s`` at ``values`` by Monte Carlo, with standard errors.

    At the true parameter the score has mean 0, so this is its covariance: the expected Fisher
    information of one observation. Draws with ``draw_sample``; draws where a score is not finite
    are dropped (an error if more than 1% are).
    """
    gen = rng if rng is not None else np.random.default_rng(0)
    keys = list(values)
    args = [float(values[k]) for k in keys]
    x = draw_sample(density, var, support, values, draws, gen)
    cols = [numeric_function(s, [var, *keys])(x, *args) for s in scores]
    s = np.column_stack(cols) if cols else np.empty((draws, 0))
    ok = np.all(np.isfinite(s), axis=1)
    if np.count_nonzero(~ok) > 0.01 * draws:
        raise UsageError(f"the score is not finite at {np.count_nonzero(~ok)} of {draws} draws",
                         hint="the score must be defined on the support")
    s = s[ok]
    prods = s[:, :, None] * s[:, None, :]
    m = len(s)
    cov = prods.mean(axis=0)
    se = prods.std(axis=0, ddof=1) / math.sqrt(m) if m > 1 else np.full_like(cov, math.inf)
    del params  # the scores already name them; kept in the signature for the caller's symmetry
    return cov, se


def iterate(update: Sequence[sp.Expr], params: Sequence[sp.Symbol], start: Sequence[float],
            data: Mapping[sp.IndexedBase, Array], *, n: float | None = None,
            values: Mapping[sp.Symbol, float] | None = None, max_iter: int = 50,
            tol: float = 1e-10) -> list[Array]:
    """The iterates ``theta_0 = start, theta_{k+1} = update(theta_k)`` of a closed-form update on ``data``.

    Stops when a step is below ``tol`` (relative to ``max(1, |theta|)``), at ``max_iter``, or at the
    first non-finite iterate, which is kept so the caller sees the divergence. ``n`` is the value of
    the sums' upper-limit symbol (by default the data's length); ``values`` gives known constants.
    """
    if len(update) != len(params) or len(start) != len(params):
        raise UsageError(f"{len(update)} updates, {len(params)} parameters and {len(start)} starting values")
    consts = dict(values or {})
    if n is not None:
        for s in set().union(*(sample_size_symbols(u) for u in update)):
            consts.setdefault(s, float(n))
    keys = list(consts)
    fns = [numeric_function(u, [*params, *keys], data=data) for u in update]
    extra = [float(consts[k]) for k in keys]
    out = [np.asarray(start, dtype=float)]
    for _ in range(max_iter):
        cur = out[-1]
        nxt = np.asarray([float(f(*cur, *extra)) for f in fns])
        out.append(nxt)
        if not np.all(np.isfinite(nxt)):
            break
        if float(np.max(np.abs(nxt - cur) / np.maximum(1.0, np.abs(cur)))) < tol:
            break
    return out
