"""The one final simplification: toward a shorter form, never a gratuitous rewrite.

Only cheap, structure-preserving rewrites are tried (no ``simplify``, which turns
the sigmoid's derivative into 1/(4 cosh^2(x/2))); a candidate wins only if it is
clearly shorter than what the rules produced.
"""
from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from ..budget import Clock

_MAX_SIZE = 600
_RATIO = 0.67


def size(expr: sp.Basic) -> int:
    """A cheap size: the number of nodes in the expression tree (count_ops is far slower)."""
    return sum(1 for _ in sp.preorder_traversal(expr))


def _expand_then_collect(expr: sp.Expr) -> sp.Expr:
    return sp.factor_terms(sp.expand(expr))


def _expand_numerator(expr: sp.Expr) -> sp.Expr:
    """One fraction with an expanded numerator, the denominator left as it is."""
    num, den = sp.fraction(sp.together(expr))
    return sp.expand(num) / den


def _collect_transcendental(expr: sp.Expr) -> sp.Expr:
    """factor_terms, but only when the common factor is not a mere polynomial.

    (1 - x) e^(-x) is what a teacher writes; x (x cos x + 2 sin x) is not.
    """
    out = sp.factor_terms(expr)
    if out.is_Mul:
        common = [a for a in out.args if not a.is_Add]
        if any(not a.is_polynomial() for a in common):
            return out
    return expr


def _candidates(expr: sp.Expr) -> list[tuple[str, Callable[[sp.Expr], sp.Expr]]]:
    """(method, rewrite) in order of preference; polynomials stay expanded."""
    if expr.is_polynomial():
        return [("expand", sp.expand)]
    out: list[tuple[str, Callable[[sp.Expr], sp.Expr]]] = [
        ("collect common factors", _collect_transcendental),
        ("expand", sp.expand),
        ("expand and collect common factors", _expand_then_collect),
    ]
    if any(p.exp.is_negative for p in expr.atoms(sp.Pow)):
        out.append(("combine fractions", _expand_numerator))
    if expr.is_rational_function():
        out += [("cancel", sp.cancel), ("factor", sp.factor)]
    return out


def tidy(expr: sp.Expr, clock: Clock) -> tuple[str, sp.Expr] | None:
    """(method, shorter form) if a candidate is clearly shorter than ``expr``, else None."""
    n = size(expr)
    if n > _MAX_SIZE or n < 6:
        return None
    best: tuple[str, sp.Expr] | None = None
    best_n = n
    rational = bool(expr.is_rational_function())
    for method, fn in _candidates(expr):
        clock.check(f"simplification ({method})")
        try:
            candidate = fn(expr)
        except (sp.PolynomialError, ValueError, TypeError):
            continue
        c_n = size(candidate)
        ratio = _RATIO
        if method == "collect common factors":
            ratio = 0.97
        elif method == "combine fractions" and rational:
            ratio = 0.9  # one fraction with an expanded numerator is the textbook form
        if c_n <= ratio * n and c_n < best_n:
            best, best_n = (method, candidate), c_n
    return best
