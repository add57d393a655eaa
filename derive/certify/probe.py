"""Numeric probing: random points on the declared domain, undefined functions made concrete.

Undefined functions (f, g, ...) are replaced on both sides by the same smooth
functions, so an identity that holds for every f holds for ours.
"""
from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import sympy as sp
from sympy.core.function import AppliedUndef

from derive.core.budget import Clock
from derive.parse.domain import VarDomain
from derive.core.contract import Certificate, Plausible, Refuted, Unknown

_T = sp.symbols("t1:6", real=True)

# Smooth, non-polynomial stand-ins; several so that f and g differ.
_ONE_ARG: tuple[sp.Expr, ...] = (
    sp.sin(_T[0]) + _T[0] ** 2 / 7 + 1,
    sp.exp(_T[0] / 3) + sp.cos(2 * _T[0]),
    sp.atan(_T[0]) + _T[0] ** 3 / 11 - _T[0] / 2,
    sp.cos(_T[0]) * sp.exp(-(_T[0] ** 2) / 9) + _T[0] / 5,
)


def concrete_function(index: int, arity: int) -> sp.Lambda:
    """The ``index``-th stand-in function of ``arity`` arguments."""
    base = _ONE_ARG[index % len(_ONE_ARG)]
    if arity == 1:
        return sp.Lambda((_T[0],), base)
    args = _T[:arity]
    body = base + sum(sp.sin((k + 2) * a / 3) * (k + 1) / 4 for k, a in enumerate(args[1:])) + args[0] * args[-1] / 5
    return sp.Lambda(tuple(args), body)


def undefined_functions(exprs: Sequence[sp.Expr]) -> list[type]:
    """The undefined functions (f, g, ...) used anywhere in ``exprs``, sorted by name."""
    return sorted({type(a) for e in exprs for a in e.atoms(AppliedUndef)}, key=lambda f: f.__name__)


def derivative_as_subs(d: sp.Derivative) -> sp.Expr:
    """SymPy's d f(g(x)) / d g(x) as Subs(d f(u)/du, u, g(x)), which survives f becoming concrete."""
    mapping = {v: sp.Dummy(f"u{i}") for i, (v, _) in enumerate(d.variable_count) if not v.is_Symbol}
    if not mapping:
        return d
    inner = d.expr.xreplace(mapping)
    variables = [(mapping.get(v, v), n) for v, n in d.variable_count]
    return sp.Subs(sp.Derivative(inner, *variables), tuple(mapping.values()), tuple(mapping.keys()))


def make_concrete(exprs: Sequence[sp.Expr], variant: int = 0) -> list[sp.Expr]:
    """Replace every undefined function consistently across ``exprs``, then evaluate derivatives.

    ``variant`` shifts which stand-ins are used: a claim true for every f must hold for
    several, and one stand-in alone can satisfy a false claim such as f(0) = 1.
    """
    funcs = sorted({type(a) for e in exprs for a in e.atoms(AppliedUndef)}, key=lambda f: f.__name__)
    if not funcs:
        return [e.doit() for e in exprs]
    out = []
    for e in exprs:
        e = e.replace(lambda a: isinstance(a, sp.Derivative), derivative_as_subs)
        for i, f in enumerate(funcs):
            arity = next(len(a.args) for a in e.atoms(AppliedUndef) if type(a) == f) if e.has(f) else 1
            e = e.replace(f, concrete_function(i + variant, arity))
        out.append(e.doit())
    return out


@dataclass(frozen=True, slots=True)
class Sampler:
    """Draws points for a set of symbols: declared domains first, then reals, then positive reals."""

    symbols: tuple[sp.Symbol, ...]
    domains: Mapping[str, VarDomain]
    positive_fallback: bool = False

    def draw(self, rng: random.Random) -> dict[sp.Symbol, sp.Expr]:
        return {s: self._value(s, rng) for s in self.symbols}

    def _value(self, s: sp.Symbol, rng: random.Random) -> sp.Expr:
        dom = self.domains.get(s.name)
        if dom is not None:
            lo = dom.lower if dom.lower is not None else (dom.upper - 4 if dom.upper is not None else -3.0)
            hi = dom.upper if dom.upper is not None else lo + 4 if dom.lower is not None else 3.0
            if dom.integer:
                return sp.Integer(rng.randint(int(lo) + 1, max(int(lo) + 1, int(hi) - 1)))
            span = hi - lo
            return sp.Float(rng.uniform(lo + 0.02 * span, hi - 0.02 * span), 30)
        if s.is_integer:
            return sp.Integer(rng.randint(1, 6))
        if s.is_positive or self.positive_fallback:
            return sp.Float(rng.uniform(0.1, 3.5), 30)
        if s.is_negative:
            return sp.Float(-rng.uniform(0.1, 3.5), 30)
        v = rng.uniform(-3.0, 3.0)
        return sp.Float(v if abs(v) > 0.05 else 0.37, 30)

    def describe(self, *, where_defined: bool = False) -> str:
        """The sampled region, e.g. ``x > 0, y in R`` (``where defined`` if points were skipped)."""
        if not self.symbols:
            return "constants"
        parts = []
        for s in self.symbols:
            dom = self.domains.get(s.name)
            if dom is not None:
                parts.append(dom.describe())
            elif s.is_positive or self.positive_fallback:
                parts.append(f"{s.name} > 0")
            else:
                parts.append(f"{s.name} in R")
        text = ", ".join(parts)
        return f"{text} where defined" if where_defined else text


# What evaluating an arbitrary expression at a point can raise where it is undefined
# there (log of 0, comparisons of non-reals inside Max, NaN coming back from mpmath).
EVAL_ERRORS: tuple[type[BaseException], ...] = (
    TypeError, ValueError, ArithmeticError, AttributeError, MemoryError, RecursionError,
)


_HUGE = 1e250


def _log_magnitude(expr: sp.Basic, point: Mapping[sp.Symbol, float]) -> float:
    """A rough log10 of |expr| at ``point``, tracking only what can explode (powers and exp).

    SymPy evaluates powers of numbers eagerly, so 2.5^(2.5^(2.5^...)) would hang inside
    ``xreplace``; this float walk sees the explosion first. Other functions count as size 1.
    """
    if expr.is_Number:
        return math.log10(abs(float(expr))) if expr != 0 else -300.0
    if expr.is_Symbol:
        v = abs(float(point.get(expr, 1.0)))
        return math.log10(v) if v else -300.0
    if isinstance(expr, sp.exp):
        return _exponent(expr.args[0], point) / math.log(10)
    if expr.is_Pow:
        base = _log_magnitude(expr.base, point)
        return base * _exponent(expr.exp, point)
    if expr.is_Mul:
        return sum(_log_magnitude(a, point) for a in expr.args)
    if expr.is_Add:
        return max(_log_magnitude(a, point) for a in expr.args)
    if expr.args:
        for a in expr.args:
            if _log_magnitude(a, point) > 250:
                raise OverflowError("argument too large to evaluate")
    return 0.0


def _exponent(e: sp.Basic, point: Mapping[sp.Symbol, float]) -> float:
    """A signed float estimate of an exponent (overflow if it is astronomically large)."""
    mag = _log_magnitude(e, point)
    if mag > 250:
        raise OverflowError("exponent too large to evaluate")
    return 10.0**mag


def evaluate(expr: sp.Expr, point: Mapping[sp.Symbol, sp.Expr], digits: int = 20) -> complex | None:
    """The value of ``expr`` at ``point`` (None where undefined, not finite or too large)."""
    try:
        if _log_magnitude(expr, point) > 250:
            return None
        v = expr.xreplace(dict(point)).evalf(digits)
        c = complex(v)
    except EVAL_ERRORS:
        return None
    if c != c or abs(c) == float("inf"):
        return None
    return c


def point_text(point: Mapping[sp.Symbol, sp.Expr]) -> tuple[tuple[str, str], ...]:
    """A sample point as (name, value) pairs for a counterexample."""
    return tuple((s.name, f"{float(v):.6g}") for s, v in point.items())


Outcome = float | Refuted | None
"""One probe: the relative error where both sides agree, a refutation, or None (skip the point)."""


def probe_points(
    symbols: tuple[sp.Symbol, ...],
    domains: Mapping[str, VarDomain],
    check: Callable[[dict[sp.Symbol, sp.Expr]], Outcome],
    clock: Clock,
    rng: random.Random,
    *,
    probes: int,
    what: str,
    note: str = "",
    too_few: str = "too few points where both sides are real and finite",
) -> Certificate:
    """Draw points until ``probes`` of them agree (reals first, then positive reals).

    Points where ``check`` says None are skipped (the claim is undefined there); the first
    refutation ends the search.
    """
    for positive in (False, True):
        sampler = Sampler(symbols, domains, positive_fallback=positive)
        agreed, worst, attempts, skipped = 0, 0.0, 0, 0
        while agreed < probes and attempts < probes * 8:
            attempts += 1
            clock.check(what)
            outcome = check(sampler.draw(rng))
            if outcome is None:
                skipped += 1
            elif isinstance(outcome, Refuted):
                return outcome
            else:
                worst, agreed = max(worst, outcome), agreed + 1
        if agreed >= probes:
            return Plausible(agreed, sampler.describe(where_defined=skipped > 0), worst, note=note)
    return Unknown(too_few)
