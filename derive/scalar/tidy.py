"""The one final simplification: toward a shorter form, never a gratuitous rewrite.

Only cheap, structure-preserving rewrites are tried (no ``simplify``, which turns
the sigmoid's derivative into 1/(4 cosh^2(x/2))); a candidate wins only if it is
clearly shorter than what the rules produced. The candidates are computed as one counted
part (``Budget.max_work`` Python calls, ``core.work``): SymPy's ``cancel`` or ``factor``
cannot be interrupted and can run long on a small expression, so a limit that counts work
keeps the same input giving the same document on any machine; what it cuts is said.
"""
from __future__ import annotations

import functools

import sympy as sp

from derive.core.budget import Clock
from derive.core.work import run_counted
from derive.forms import ops

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


_FAMILY = {
    **{f: "trig" for f in ("sin", "cos", "tan", "cot", "sec", "csc")},
    **{f: "hyperbolic" for f in ("sinh", "cosh", "tanh", "coth", "sech", "csch")},
}
_SHORTEST_MAX_SIZE = 150
_SHORTEST = (("factor", sp.factor), ("cancel", sp.cancel), ("together", sp.together), ("simplify", sp.simplify))
_SHORTEST_WORDS = "the shortest form"


def _families(expr: sp.Basic) -> set[str]:
    """The kinds of function in ``expr`` (sin and tan are one kind: trigonometric)."""
    names = {type(f).__name__ for f in expr.atoms(sp.Function)}
    if any(isinstance(p, sp.Pow) and not p.exp.is_Integer for p in sp.preorder_traversal(expr)):
        names.add("root")
    return {_FAMILY.get(n, n) for n in names}


def shortest(expr: sp.Expr, clock: Clock, notes: list[str] | None = None, *,
             decimals: bool = False) -> tuple[str, sp.Expr] | None:
    """(method, form) when SymPy's ``factor``, ``cancel`` or ``simplify`` writes ``expr`` in fewer
    operations (``count_ops``; with ``decimals`` 13/25 counts as the one number 0.52) with no new kind
    of function (no cosh for a sigmoid's exp), else None.

    Each runs as a counted part; one the work limit cuts is named in ``notes``.
    """
    if size(expr) > _SHORTEST_MAX_SIZE or size(expr) < 4 or _huge_numbers(expr):
        return None
    allowed = _families(expr)
    best: tuple[str, sp.Expr] | None = None
    best_n = ops(expr, decimals=decimals)
    signs = _signs_over_abs(expr)
    first = ""
    if signs is not None:
        # sign(u)/|u|: both sides are undefined at u = 0, and elsewhere sign(u) = u/|u| (so 1/u)
        expr, allowed, first = signs, allowed | _families(signs), "sign(u) = u/|u|, then "
    rational = bool(expr.is_rational_function())
    for method, f in _SHORTEST:
        if method == "simplify" and rational:
            continue  # a rational function: factor, cancel and together cover what simplify would find (bench_forms)
        clock.check(f"simplification ({method})")
        try:
            counted = run_counted(functools.partial(f, expr), clock.budget.max_work)
        except (sp.PolynomialError, ValueError, TypeError, NotImplementedError):
            continue
        if counted.cut or counted.value is None:
            if notes is not None:
                notes.append(f"SymPy's {method} was not tried on the result (work limit: "
                             f"{clock.budget.max_work:,} Python calls, Budget.max_work)")
            continue
        form = counted.value
        n = ops(form, decimals=decimals)
        if n < best_n and _families(form) <= allowed and not form.has(sp.Piecewise):
            best, best_n = (f"{_SHORTEST_WORDS}: {first}SymPy's {method}", form), n
    return best


def _signs_over_abs(expr: sp.Expr) -> sp.Expr | None:
    """``expr`` with sign(u) written u/|u| where |u| divides it (so nothing is defined anew at u = 0)."""
    divisors = {p.base.args[0] for p in expr.atoms(sp.Pow) if isinstance(p.base, sp.Abs) and p.exp.is_negative}
    signs = {g: g.args[0] / sp.Abs(g.args[0]) for g in expr.atoms(sp.sign) if g.args[0] in divisors}
    return expr.xreplace(signs) if signs else None


_MAX_DIGITS = 40


def _huge_numbers(expr: sp.Expr) -> bool:
    """True if a number in ``expr`` has more than 40 digits (SymPy's simplifiers may factor it: unbounded)."""
    return any(len(str(abs(q.p))) > _MAX_DIGITS or len(str(q.q)) > _MAX_DIGITS for q in expr.atoms(sp.Rational))
