"""The right side a derivative step should have had, derived by derive's own engines with their steps.

A refuted step whose left side is a derivative of a scalar function of one variable (no sums, no
matrices) is derived again by the scalar engine, and a gradient by a declared vector or matrix
(``\\nabla_W a^\\top W b``) by the matrix engine (matrix differentials), every line certified, so the
report can show the correct expression and how to get there. Sums get SymPy's value of the
derivative, tidied under the work counter (no steps).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.core.budget import Clock
from derive.core.errors import DeriveError
from derive.core.work import run_counted
from derive.certify.probe import EVAL_ERRORS
from derive.checker.probe import Declared

WORK = 300_000
"""Python calls the SymPy fallback may spend (counted: the same on every machine)."""


@dataclass(frozen=True, slots=True)
class Derived:
    """The correct right side, and the certified derivation when derive's engine produced it."""

    value: sp.Basic
    derivation: Any = None


def derive_correct(lhs: sp.Basic, declared: Declared, clock: Clock) -> Derived | None:
    """The correct value of the derivative ``lhs`` (None when it is not a derivative, or is too costly)."""
    if not isinstance(lhs, sp.Derivative):
        return None
    variables = [v for v, k in lhs.variable_count for _ in range(int(k))]
    plain = (all(isinstance(v, sp.Symbol) for v in variables) and not lhs.expr.has(sp.Sum, sp.Product, sp.Indexed)
             and not lhs.expr.atoms(sp.MatrixSymbol) and not lhs.expr.has(sp.Derivative, sp.Subs)
             and len(variables) <= 4)
    if plain:
        worked = _by_the_scalar_engine(lhs.expr, variables, declared, clock)
        if worked is not None:
            return worked
    if lhs.atoms(sp.MatrixSymbol):
        return _by_the_matrix_engine(lhs, declared, clock)
    try:
        counted = run_counted(lambda: sp.simplify(lhs.doit()), WORK)
    except EVAL_ERRORS + (NotImplementedError,):
        return None
    if counted.cut or counted.value is None or counted.value.has(sp.Derivative):
        return None
    return Derived(counted.value)


def _by_the_scalar_engine(expr: sp.Expr, variables: list[sp.Symbol], declared: Declared,
                          clock: Clock) -> Derived | None:
    from derive.scalar.certify import certify_derivation
    from derive.scalar.strategy import differentiate

    try:
        d = certify_derivation(differentiate(expr, variables, clock), clock, declared.domains)
    except (DeriveError, ValueError, TypeError, NotImplementedError):
        return None
    if not d.certified:
        return None
    return Derived(d.result, d)


def _by_the_matrix_engine(lhs: sp.Derivative, declared: Declared, clock: Clock) -> Derived | None:
    """The gradient of a scalar function by one declared vector or matrix, by the matrix engine, certified."""
    from derive.matrix.certify import certify_matrix_gradient
    from derive.matrix.from_sympy import from_sympy
    from derive.matrix.gradient import matrix_gradient
    from derive.matrix.sympy_form import to_sympy
    from derive.matrix import expr as M

    if len(lhs.variable_count) != 1 or lhs.variable_count[0][1] != 1:
        return None
    var = lhs.variable_count[0][0]
    if not isinstance(var, sp.MatrixSymbol) or isinstance(lhs.expr, sp.MatrixExpr) and lhs.expr.shape != (1, 1):
        return None
    try:
        f = from_sympy(lhs.expr, declared.properties)
        wrt = from_sympy(var, declared.properties)
        if not isinstance(wrt, M.MatSym) or not f.is_scalar:
            return None
        g = certify_matrix_gradient(matrix_gradient(f, wrt, clock), clock, declared.domains)
    except (DeriveError, ValueError, TypeError, NotImplementedError, sp.ShapeError):
        return None
    if not g.certified:
        return None
    return Derived(to_sympy(g.gradient), g)
