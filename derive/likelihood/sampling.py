"""Draws from, and the total mass of, a one-dimensional density or mass function given as SymPy.

Generic on purpose: there is no table of named distributions, so a user's own density is sampled
the same way as a textbook one. A finite support draws from the masses at its points; an integer
support tabulates the mass function from its lower end until the remaining tail is below 1e-12
(estimated from the decay of the last terms); an interval inverts the CDF on a grid that is
geometric towards the ends (heavy tails, integrable singularities such as a gamma shape below 1)
and linear over the bulk, found by refining a coarse scan. Where a direct evaluation overflows
(``lam**k / k!`` for large ``k``), the mass is taken as the exponential of the expanded log.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import scipy.integrate as si  # type: ignore[import-untyped]  # scipy ships no stubs
import scipy.optimize as so  # type: ignore[import-untyped]
import sympy as sp

from derive.core.errors import UsageError
from derive.core.memo import memo
from derive.likelihood.model import Support
from derive.likelihood.logdensity import log_density

from derive.certify.numeval import numeric_function, numeric_value

Array = np.ndarray

TAIL = 1e-12
"""Remaining mass below which an infinite integer support is cut off."""

MAX_TERMS = 1 << 21
"""The largest table of an integer mass function."""

_BULK_POINTS = 4001
_QUANTILE_LEVELS = (0.25, 0.05, 1e-3, 1e-5, 1e-8, 1e-12)


def draw_sample(density: sp.Expr, var: sp.Symbol, support: Support, values: Mapping[sp.Symbol, float],
                size: int, rng: np.random.Generator) -> Array:
    """``size`` independent draws from ``density`` in ``var`` on ``support``, with ``values`` substituted.

    The density need not be normalized exactly (masses are renormalized); the caller checks the
    total with ``total_mass`` first. Raises ``UsageError`` for a negative or nowhere-positive density.
    """
    if size < 0:
        raise UsageError(f"cannot draw {size} values")
    f = density_function(density, var, values)
    if support.kind == "interval":
        xs, cdf = _continuous_cdf(f, *_ends(support, values))
        u = rng.random(size) * cdf[-1]
        k = np.clip(np.searchsorted(cdf, u, side="right"), 1, len(xs) - 1)
        width = cdf[k] - cdf[k - 1]
        frac = np.where(width > 0, (u - cdf[k - 1]) / np.where(width > 0, width, 1.0), 0.5)
        return np.asarray(xs[k - 1] + frac * (xs[k] - xs[k - 1]), dtype=float)
    ks, pk, _ = _discrete_table(f, support, values, for_sampling=True)
    cdf = np.cumsum(pk)
    idx = np.minimum(np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right"), len(ks) - 1)
    return np.asarray(ks[idx], dtype=float)


def total_mass(density: sp.Expr, var: sp.Symbol, support: Support, values: Mapping[sp.Symbol, float]) -> float:
    """The integral (interval) or sum (integers, finite set) of ``density`` over ``support``.

    Infinite ends are fine: ``quad`` runs piecewise between breakpoints taken from the CDF grid, so a
    narrow peak far from 0 is not missed. Raises ``UsageError`` where the density is undefined (nan)
    inside the support, or an infinite sum does not converge.
    """
    f = density_function(density, var, values)
    if support.kind != "interval":
        _, pk, tail = _discrete_table(f, support, values, for_sampling=False)
        return float(np.sum(pk) + tail)
    lo, hi = _ends(support, values)
    xs, cdf = _continuous_cdf(f, lo, hi, allow_negative=True)
    breaks = _breakpoints(xs, cdf, lo, hi)

    def g(t: float) -> float:
        v = float(f(np.asarray([t]))[0])
        return v if math.isfinite(v) else 0.0

    total = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", si.IntegrationWarning)
        for a, b in zip(breaks[:-1], breaks[1:]):
            if b > a:
                total += float(si.quad(g, a, b, limit=200, epsabs=1e-14, epsrel=1e-11)[0])
    return total


@dataclass(frozen=True, slots=True)
class Density:
    """A density of one variable as NumPy functions: the values, and their log (finite where they underflow)."""

    direct: Callable[..., Array]
    via_log: Callable[..., Array] | None
    args: tuple[float, ...]

    def __call__(self, x: Array) -> Array:
        """The density at ``x``; where the direct value overflows, the exponential of the log form."""
        x = np.asarray(x, dtype=float)
        out = self.direct(x, *self.args)
        bad = ~np.isfinite(out)
        if self.via_log is not None and np.any(bad):
            with np.errstate(all="ignore"):
                alt = np.exp(self.via_log(x, *self.args)[bad])
            out[bad] = np.where(np.isfinite(alt) | np.isnan(out[bad]), alt, out[bad])
        return out

    def log(self, x: Array) -> Array:
        """The log density at ``x`` (from the expanded log where there is one)."""
        x = np.asarray(x, dtype=float)
        with np.errstate(all="ignore"):
            if self.via_log is not None:
                out = self.via_log(x, *self.args)
                ok = np.isfinite(out)
                return np.where(ok, out, np.log(self.direct(x, *self.args)))
            return np.log(self.direct(x, *self.args))


def density_function(density: sp.Expr, var: sp.Symbol, values: Mapping[sp.Symbol, float]) -> Density:
    """The density as a NumPy function of ``var`` alone, with ``values`` substituted."""
    keys = list(values)
    args = tuple(float(values[k]) for k in keys)
    direct, via_log = _compiled(density, var, tuple(keys))
    return Density(direct, via_log, args)


_COMPILED: dict[tuple[sp.Expr, sp.Symbol, tuple[sp.Symbol, ...]],
                tuple[Callable[..., Array], Callable[..., Array] | None]] = memo()
"""The density and its log form compiled, by (density, variable, parameters): a certification draws
from the same density at a score of parameter values, and the log form (expanded, with log-gamma) and
both compilations are the same each time. Pure functions of immutable SymPy keys, in a registered memo
(``derive.core.memo``: bounded, cleared between tests)."""


def _compiled(density: sp.Expr, var: sp.Symbol,
              keys: tuple[sp.Symbol, ...]) -> tuple[Callable[..., Array], Callable[..., Array] | None]:
    key = (density, var, keys)
    found = _COMPILED.get(key)
    if found is None:
        direct = numeric_function(density, [var, *keys])
        try:
            via_log: Callable[..., Array] | None = numeric_function(_log_form(density), [var, *keys])
        except (UsageError, ValueError):
            via_log = None
        found = (direct, via_log)
        _COMPILED[key] = found
    return found


def _log_form(density: sp.Expr) -> sp.Expr:
    """``log(density)`` expanded, with log-gamma for factorials, gammas and binomials (no overflow)."""
    lg = log_density(density)
    lg = lg.replace(lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.factorial),
                    lambda e: sp.loggamma(e.args[0].args[0] + 1))
    lg = lg.replace(lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.gamma),
                    lambda e: sp.loggamma(e.args[0].args[0]))
    lg = lg.replace(lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.binomial),
                    lambda e: (sp.loggamma(e.args[0].args[0] + 1) - sp.loggamma(e.args[0].args[1] + 1)
                               - sp.loggamma(e.args[0].args[0] - e.args[0].args[1] + 1)))
    return lg


def _ends(support: Support, values: Mapping[sp.Symbol, float]) -> tuple[float, float]:
    lo = -math.inf if support.lower is None else numeric_value(support.lower, values)
    hi = math.inf if support.upper is None else numeric_value(support.upper, values)
    if not (lo < hi) or math.isnan(lo) or math.isnan(hi):
        raise UsageError(f"the support {support.describe()} is empty at these values (from {lo} to {hi})")
    return lo, hi


# --- intervals --------------------------------------------------------------------------------
def _continuous_cdf(f: Density, lo: float, hi: float, allow_negative: bool = False) -> tuple[Array, Array]:
    """Grid points inside ``(lo, hi)`` and the (unnormalized) CDF there, by the trapezoid rule."""
    xs = _scan(lo, hi)
    xs = _union(xs, _around_mode(f, xs, lo, hi))
    for _ in range(2):  # refine twice: the first pass may see a narrow bulk in one scan cell only
        fx = _clean(f, xs, allow_negative)
        cdf = _cumulative(xs, fx)
        if not cdf[-1] > 0:
            raise UsageError("the density is zero (or undefined) everywhere on the support",
                             hint="check the density, the support and the parameter values")
        xs = _union(xs, _bulk(xs, cdf, lo, hi))
    fx = _clean(f, xs, allow_negative)
    return xs, _cumulative(xs, fx)


def _union(*parts: Array) -> Array:
    """The sorted distinct values of ``parts`` (``np.unique`` of their concatenation).

    The parts are sorted runs (grids), so a stable sort (timsort, which merges runs) is several
    times faster than ``np.unique``'s quicksort; the result is the same array.
    """
    xs = np.sort(np.concatenate(parts), kind="stable")
    if xs.size < 2:
        return xs
    keep = np.empty(xs.size, dtype=bool)
    keep[0] = True
    np.not_equal(xs[1:], xs[:-1], out=keep[1:])
    return xs[keep]


def _scan(lo: float, hi: float) -> Array:
    """Coarse points: geometric towards each end (to 1e-30 of the width) or outwards to 1e15."""
    k = 10.0 ** np.linspace(-30, 0, 601)
    if math.isfinite(lo) and math.isfinite(hi):
        w = hi - lo
        pts = np.concatenate([lo + w * k / 2, np.linspace(lo, hi, 2001), hi - w * k / 2])
    elif math.isfinite(lo):
        pts = lo + 10.0 ** np.linspace(-30, 15, 901)
    elif math.isfinite(hi):
        pts = hi - 10.0 ** np.linspace(-30, 15, 901)
    else:
        out = 10.0 ** np.linspace(-15, 15, 601)
        pts = np.concatenate([-out, [0.0], out])
    pts = _union(pts)
    return pts[(pts > lo) & (pts < hi)]


def _around_mode(f: Density, xs: Array, lo: float, hi: float) -> Array:
    """Points at geometric distances from the mode, found on the log density (finite where f underflows)."""
    lf = f.log(xs)
    lf = np.where(np.isnan(lf), -np.inf, lf)
    k = int(np.argmax(lf))
    if not np.isfinite(lf[k]):
        return np.empty(0)
    a, b = xs[max(k - 1, 0)], xs[min(k + 1, len(xs) - 1)]
    mode = float(xs[k])
    if b > a:
        def neg(t: float) -> float:
            v = float(f.log(np.asarray([t]))[0])
            return -v if math.isfinite(v) else math.inf
        r = so.minimize_scalar(neg, bounds=(a, b), method="bounded", options={"xatol": 1e-12 * max(1.0, abs(mode))})
        if math.isfinite(float(r.fun)) and float(r.fun) <= -float(lf[k]):
            mode = float(r.x)
    off = 10.0 ** np.linspace(-15, 15, 601) * max(1.0, abs(mode)) * 1e-3
    pts = np.concatenate([[mode], mode - off, mode + off])
    return pts[(pts > lo) & (pts < hi)]


def _bulk(xs: Array, cdf: Array, lo: float, hi: float) -> Array:
    """Linear grids over the central quantile ranges (0.25 to 0.75, ..., 1e-12 to 1 - 1e-12)."""
    total = cdf[-1]
    grids = []
    for a in _QUANTILE_LEVELS:
        qa, qb = np.interp([a * total, (1 - a) * total], cdf, xs)
        # widen to the neighbouring grid points, so a bulk inside one coarse cell is covered
        ia = max(int(np.searchsorted(xs, qa)) - 1, 0)
        ib = min(int(np.searchsorted(xs, qb)) + 1, len(xs) - 1)
        a0, b0 = xs[ia], xs[ib]
        if b0 > a0:
            grids.append(np.linspace(a0, b0, _BULK_POINTS))
    pts = np.concatenate(grids) if grids else xs
    return pts[(pts > lo) & (pts < hi)]


def _clean(f: Density, xs: Array, allow_negative: bool) -> Array:
    fx = np.asarray(f(xs), dtype=float)
    if np.any(np.isnan(fx)):
        at = xs[np.isnan(fx)][0]
        raise UsageError(f"the density is undefined (nan) at {at:.6g}, inside the support",
                         hint="check the density and the support")
    if not allow_negative and np.any(fx < 0):
        at = xs[fx < 0][0]
        raise UsageError(f"the density is negative at {at:.6g}", hint="a density is never negative")
    return np.where(np.isinf(fx), 0.0, fx)  # an infinite value at a grid point is a measure-zero pole


def _cumulative(xs: Array, fx: Array) -> Array:
    cells = np.diff(xs) * (fx[1:] + fx[:-1]) / 2
    return np.concatenate([[0.0], np.cumsum(cells)])


def _breakpoints(xs: Array, cdf: Array, lo: float, hi: float) -> list[float]:
    """The ends and grid points at spread quantiles: where ``quad`` is told the mass lives."""
    total = cdf[-1]
    levels = [1e-12, 1e-8, 1e-5, 1e-3, 0.05, 0.25, 0.5, 0.75, 0.95, 1 - 1e-3, 1 - 1e-5, 1 - 1e-8, 1 - 1e-12]
    inner = {float(v) for v in np.interp([t * total for t in levels], cdf, xs)}
    # one piece per decade towards a finite end: quad's error estimate is fooled by x**(-0.75)
    # over many decades inside one piece, even when the singularity is only at the end
    med = float(np.interp(0.5 * total, cdf, xs))
    decades = 10.0 ** np.arange(-30, 0)
    if math.isfinite(lo):
        inner |= {float(v) for v in lo + (med - lo) * decades}
    if math.isfinite(hi):
        inner |= {float(v) for v in hi - (hi - med) * decades}
    return [lo, *sorted(v for v in inner if lo < v < hi), hi]


# --- integers and finite sets -----------------------------------------------------------------
def _discrete_table(f: Density, support: Support, values: Mapping[sp.Symbol, float],
                    for_sampling: bool) -> tuple[Array, Array, float]:
    """Points, masses and the estimated mass left out (nonzero only for a cut-off infinite tail)."""
    if support.kind == "finite":
        ks = np.asarray([numeric_value(v, values) for v in support.values], dtype=float)
        tail = 0.0
    else:
        lo = None if support.lower is None else numeric_value(support.lower, values)
        hi = None if support.upper is None else numeric_value(support.upper, values)
        ks, tail = _integer_points(f, lo, hi, for_sampling)
    pk = np.asarray(f(ks), dtype=float)
    if np.any(np.isnan(pk)):
        raise UsageError(f"the mass function is undefined (nan) at {ks[np.isnan(pk)][0]:g}",
                         hint="check the mass function and the support")
    if for_sampling:
        if np.any(pk < 0) or np.any(np.isinf(pk)):
            raise UsageError(f"the mass function is negative or infinite at {ks[(pk < 0) | np.isinf(pk)][0]:g}")
        if not np.sum(pk) > 0:
            raise UsageError("the mass function is zero everywhere on the support")
    return ks, pk, tail


def _integer_points(f: Density, lo: float | None, hi: float | None, for_sampling: bool) -> tuple[Array, float]:
    for end in (lo, hi):
        if end is not None and (not math.isfinite(end) or end != round(end)):
            if math.isfinite(end):
                raise UsageError(f"an end of an integer support must be an integer, got {end}")
    lo = None if lo is None or not math.isfinite(lo) else lo
    hi = None if hi is None or not math.isfinite(hi) else hi
    if lo is not None and hi is not None:
        if hi - lo + 1 > MAX_TERMS:
            raise UsageError(f"the integer support has more than {MAX_TERMS} points")
        return np.arange(lo, hi + 1, dtype=float), 0.0
    if lo is not None:
        right, tail = _grow(f, lo, +1, for_sampling)
        return right, tail
    if hi is not None:
        left, tail = _grow(f, hi, -1, for_sampling)
        return left[::-1], tail
    right, t1 = _grow(f, 0.0, +1, for_sampling)
    left, t2 = _grow(f, -1.0, -1, for_sampling)
    return np.concatenate([left[::-1], right]), t1 + t2


def _grow(f: Density, start: float, step: int, for_sampling: bool) -> tuple[Array, float]:
    """Integers from ``start`` in direction ``step`` until the estimated remaining mass is negligible."""
    chunk, count = 256, 0
    pieces: list[Array] = []
    mass, tail = 0.0, math.inf
    while count < MAX_TERMS:
        ks = start + step * np.arange(count, count + chunk, dtype=float)
        pk = np.asarray(f(ks), dtype=float)
        pk = np.where(np.isnan(pk), 0.0, pk)  # nan is reported by the caller's full evaluation
        pieces.append(ks)
        mass += float(np.sum(pk))
        count += chunk
        tail = _tail_estimate(pk)
        if mass > 0 and tail < TAIL * mass:
            return np.concatenate(pieces), tail
        chunk = min(chunk * 2, MAX_TERMS - count) or 1
    if for_sampling and tail > 1e-8 * max(mass, 1e-300):
        raise UsageError(f"the mass function's tail does not become negligible within {MAX_TERMS} terms",
                         hint="the remaining mass decays too slowly to tabulate")
    if not math.isfinite(tail) or tail > 1e-6 * max(mass, 1e-300):
        raise UsageError(f"the sum of the mass function does not converge within {MAX_TERMS} terms",
                         hint="check the mass function: it must sum to 1 over the support")
    return np.concatenate(pieces), tail if not for_sampling else 0.0


def _tail_estimate(pk: Array) -> float:
    """Remaining mass after the last term, from the decay ratio over the chunk's second half."""
    last = float(pk[-1])
    if last == 0.0:
        return 0.0 if float(np.max(pk[len(pk) // 2:])) == 0.0 else math.inf
    m = len(pk) // 2
    ref = float(pk[-1 - m])
    if not (ref > 0 and last < ref and last >= 0):
        return math.inf
    r = (last / ref) ** (1.0 / m)
    return last * r / (1.0 - r) if r < 1 else math.inf
