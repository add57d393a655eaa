"""Recognise derivatives that a teacher writes with primes: f'(x), f''(x^2).

Every printer (LaTeX, terminal, the engine's plain-text justifications) asks the
same question, so the answer lives here once.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy.core.function import AppliedUndef


@dataclass(frozen=True, slots=True)
class PrimeForm:
    """``function`` differentiated ``order`` times, evaluated at ``point``: f^(order)(point)."""

    function: sp.FunctionClass
    order: int
    point: sp.Expr


def prime_form(expr: sp.Basic) -> PrimeForm | None:
    """The prime form of a derivative of a one-argument undefined function, else None.

    Matches Derivative(f(v), v, n) and SymPy's Subs(Derivative(f(u), u, n), u, point).
    """
    if isinstance(expr, sp.Derivative):
        inner, counts = expr.expr, expr.variable_count
        if isinstance(inner, AppliedUndef) and len(inner.args) == 1 and len(counts) == 1:
            (v, n), = counts
            if inner.args[0] == v:
                return PrimeForm(inner.func, int(n), v)
        return None
    if isinstance(expr, sp.Subs) and len(expr.variables) == 1:
        found = prime_form(expr.expr)
        if found is not None and found.point == expr.variables[0]:
            return PrimeForm(found.function, found.order, expr.point[0])
    return None


def primes(order: int, *, unicode: bool = False) -> str:
    """' or '' or ''' (or ′ ″...), and (n) in a superscript from the fourth derivative on."""
    mark = "′" if unicode else "'"
    return mark * order if order <= 3 else f"^({order})"
