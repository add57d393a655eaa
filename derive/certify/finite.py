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

from derive.core.budget import Clock
from derive.parse.domain import VarDomain
from derive.core.contract import Certificate, Refuted
from derive.certify.probe import EVAL_ERRORS, Outcome, evaluate, make_concrete, point_text, probe_points

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
) -> Certificate:
    """Plausible if ``derivative`` matches numeric differentiation of ``function`` at random points."""
    domains = domains or {}
    rng = rng or random.Random(1)
    f, df = make_concrete([function, derivative])
    orders = Counter(wrt)
    variables = list(orders)
    symbols = tuple(sorted(f.free_symbols | df.free_symbols | set(variables), key=lambda s: s.name))
    order_list = [orders[v] for v in variables]

    def check(point: dict[sp.Symbol, sp.Expr]) -> Outcome:
        exact = evaluate(df, point)
        if exact is None or abs(exact.imag) > 1e-12 * max(1.0, abs(exact.real)):
            return None
        numeric = _numeric_derivative(f, point, variables, order_list)
        if numeric is None:
            return None
        err = abs(numeric - exact.real) / max(1.0, abs(exact.real))
        if err > _TOL:
            return Refuted(point_text(point), f"{exact.real:.10g} (derivative)", f"{numeric:.10g} (finite differences)")
        return err

    return probe_points(
        symbols, domains, check, clock, rng, probes=probes, what="finite-difference check",
        note="central finite differences", too_few="too few points where the function is real and finite",
    )


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
