"""The one final simplification: toward a shorter form, never a gratuitous rewrite.

Only cheap, structure-preserving rewrites are tried (no ``simplify``, which turns
the sigmoid's derivative into 1/(4 cosh^2(x/2))); a candidate wins only if it is
clearly shorter than what the rules produced. The candidates are computed as one counted
part (``Budget.max_work`` Python calls, ``core.work``): SymPy's ``cancel`` or ``factor``
cannot be interrupted and can run long on a small expression, so a limit that counts work
keeps the same input giving the same document on any machine; what it cuts is said.
"""
from __future__ import annotations

import sympy as sp

from derive.core.budget import Clock
from derive.core.work import run_counted

_MAX_SIZE = 600
_RATIO = 0.67


def size(expr: sp.Basic) -> int:
    """A cheap size: the number of nodes in the expression tree (count_ops is far slower)."""
    return sum(1 for _ in sp.preorder_traversal(expr))


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


def _expansion_is_small(expr: sp.Expr) -> bool:
    """False when expanding could explode: a sum raised to a large integer power, or big nests.

    ``expand`` cannot be interrupted cooperatively, so it only runs where it is cheap.
    """
    for p in expr.atoms(sp.Pow):
        if p.base.has(sp.Add) and p.exp.is_Integer and abs(int(p.exp)) > 6:
            return False
    return size(expr) <= 200


def _candidates(expr: sp.Expr, clock: Clock) -> list[tuple[str, sp.Expr, float]]:
    """(method, rewritten form, size ratio it must reach); polynomials stay expanded.

    The expansion is computed once and shared; cancel and factor run only on small
    rational functions (they dominate the time otherwise).
    """
    if not _expansion_is_small(expr):
        clock.check("simplification (collect common factors)")
        return [("collect common factors", _collect_transcendental(expr), 0.97)]
    rational = bool(expr.is_rational_function())
    expanded = sp.expand(expr)
    if expr.is_polynomial():
        return [("expand", expanded, _RATIO)]
    clock.check("simplification (collect common factors)")
    out = [("collect common factors", _collect_transcendental(expr), 0.97)]
    if expanded != expr:
        clock.check("simplification (expand)")
        out += [("expand", expanded, _RATIO),
                ("expand and collect common factors", sp.factor_terms(expanded), _RATIO)]
    if any(p.exp.is_negative for p in expr.atoms(sp.Pow)):
        clock.check("simplification (combine fractions)")
        out.append(("combine fractions", _expand_numerator(expr), 0.9 if rational else _RATIO))
    if rational and size(expr) <= 80:
        clock.check("simplification (factor)")
        out += [("cancel", sp.cancel(expr), _RATIO), ("factor", sp.factor(expr), _RATIO)]
    return out


def tidy(expr: sp.Expr, clock: Clock, notes: list[str] | None = None) -> tuple[str, sp.Expr] | None:
    """(method, shorter form) if a candidate is clearly shorter than ``expr``, else None.

    When the work allowance cuts the candidates, ``notes`` gets a line saying so (and None is
    returned: the result stands as the rules left it).
    """
    n = size(expr)
    if n > _MAX_SIZE or n < 6:
        return None
    try:
        counted = run_counted(lambda: _candidates(expr, clock), clock.budget.max_work)
    except (sp.PolynomialError, ValueError, TypeError):
        return None
    if counted.cut or counted.value is None:
        if notes is not None:
            notes.append(f"the final simplification was not computed (work limit: {clock.budget.max_work:,} "
                         "Python calls, Budget.max_work); the result is left as the rules gave it")
        return None
    candidates = counted.value
    best: tuple[str, sp.Expr] | None = None
    best_n = n
    for method, candidate, ratio in candidates:
        c_n = size(candidate)
        if c_n <= ratio * n and c_n < best_n:
            best, best_n = (method, candidate), c_n
    return best
