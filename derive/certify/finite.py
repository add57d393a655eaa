"""Check a derivative against central finite differences of the original function.

Independent of every rule: mpmath differentiates the function numerically (at
high precision) at random points of the domain, and the derivative must match.
"""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence

import mpmath
import sympy as sp

from ..budget import Clock
from ..model.domain import VarDomain
from ..model.verdict import Plausible, Refuted, Unknown, Verdict
from .probe import EVAL_ERRORS, Sampler, evaluate, make_concrete

_DIGITS = 30
_TOL = 1e-8


def finite_difference_check(
    function: sp.Expr,
    wrt: Sequence[sp.Symbol],
    derivative: sp.Expr,
    clock: Clock,
    domains: Mapping[str, VarDomain] | None = None,
    *,
    rng: random.Random | None = None,
    probes: int = 6,
) -> Verdict:
    """Plausible if ``derivative`` matches numeric differentiation of ``function`` at random points."""
    domains = domains or {}
    rng = rng or random.Random(1)
    f, df = make_concrete([function, derivative])
    orders = Counter(wrt)
    variables = list(orders)
    symbols = tuple(sorted(f.free_symbols | df.free_symbols | set(variables), key=lambda s: s.name))
    for positive in (False, True):
        sampler = Sampler(symbols, domains, positive_fallback=positive)
        agreed, worst, attempts, skipped = 0, 0.0, 0, 0
        while agreed < probes and attempts < probes * 8:
            attempts += 1
            clock.check("finite-difference check")
            point = sampler.draw(rng)
            exact = evaluate(df, point)
            if exact is None or abs(exact.imag) > 1e-12 * max(1.0, abs(exact.real)):
                skipped += 1
                continue
            numeric = _numeric_derivative(f, point, variables, [orders[v] for v in variables])
            if numeric is None:
                skipped += 1
                continue
            err = abs(numeric - exact.real) / max(1.0, abs(exact.real))
            if err > _TOL:
                return Refuted(
                    tuple((s.name, f"{float(v):.6g}") for s, v in point.items()),
                    f"{exact.real:.10g} (derivative)",
                    f"{numeric:.10g} (finite differences)",
                )
            worst = max(worst, err)
            agreed += 1
        if agreed >= probes:
            return Plausible(agreed, sampler.describe(where_defined=skipped > 0), worst, note="central finite differences")
    return Unknown("too few points where the function is real and finite")


def _numeric_derivative(
    f: sp.Expr, point: Mapping[sp.Symbol, sp.Expr], variables: list[sp.Symbol], orders: list[int]
) -> float | None:
    rest = {s: v for s, v in point.items() if s not in variables}

    def value(*xs: mpmath.mpf) -> mpmath.mpf:
        digits = mpmath.mp.dps + 10  # mpmath raises its precision inside diff; follow it
        sub = {v: sp.Float(x, digits) for v, x in zip(variables, xs)}
        out = g.xreplace(sub).evalf(digits)
        re, im = out.as_real_imag()
        if not (re.is_Float and (im.is_Float or im.is_zero)) or abs(float(im)) > 1e-20 * max(1.0, abs(float(re))):
            raise ValueError("not a finite real number")
        return mpmath.mpf(sp.Float(re, digits)._mpf_)

    try:
        g = f.xreplace(rest)
        with mpmath.workdps(_DIGITS):
            x0 = [mpmath.mpf(float(point[v])) for v in variables]
            if len(variables) == 1:
                r = mpmath.diff(value, x0[0], orders[0])
            else:
                r = mpmath.diff(value, tuple(x0), tuple(orders))
            return float(r)
    except EVAL_ERRORS:
        return None  # undefined (or not numeric) at this point: the caller skips it
