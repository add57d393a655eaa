"""Gradient and Hessian of a scalar function of several scalars, one derivation per entry."""
from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from derive.core.budget import Clock
from derive.parse.order import TermOrder
from derive.scalar import rules as R
from derive.scalar.model import Derivation, DiffStep, Gradient
from derive.scalar.rules import justify
from derive.scalar.strategy import differentiate


def gradient(
    expr: sp.Expr, variables: Sequence[sp.Symbol], clock: Clock, *, hessian: bool = False, source: str = "",
    order: TermOrder | None = None,
) -> Gradient:
    """Partials of ``expr`` (and every second partial if ``hessian``), each derived step by step."""
    order = order if order is not None else TermOrder()
    partials = tuple(differentiate(expr, [x], clock, source=source, order=order) for x in variables)
    rows: tuple[tuple[Derivation, ...], ...] | None = None
    if hessian:
        built: list[list[Derivation]] = []
        for i, p in enumerate(partials):
            built.append([_second(expr, p, y, clock, source, order) if j >= i else _symmetric(expr, built[j][i], i, j)
                          for j, y in enumerate(variables)])
        rows = tuple(tuple(r) for r in built)
    return Gradient(source=source, function=expr, variables=tuple(variables), partials=partials, hessian=rows,
                    order=order)


def _second(expr: sp.Expr, first: Derivation, y: sp.Symbol, clock: Clock, source: str,
            order: TermOrder) -> Derivation:
    """d^2 f / dy dx, starting from the already derived df/dx."""
    x = first.wrt[0]
    start = first.working if first.working is not None else first.result
    inner = differentiate(start, [y], clock, source=source, order=order)
    before = sp.Derivative(expr, x, y, evaluate=False)
    after = sp.Derivative(start, y, evaluate=False)
    others = tuple(sorted((s for s in start.free_symbols if s != y), key=lambda s: s.name))
    rule = R.HigherOrderRule(before, after, start, others if start.has(y) else ())
    head = DiffStep(before=before, after=after, rule=rule.name, rules=(rule,), justification=justify((rule,)))
    rest = inner.steps
    return Derivation(source=source, function=expr, wrt=(x, y), steps=(head,) + rest, result=inner.result,
                      notes=inner.notes, order=order)


def _symmetric(expr: sp.Expr, mirror: Derivation, i: int, j: int) -> Derivation:
    """Hessian entry (i, j) below the diagonal: entry (j, i), cited by symmetry, not derived again."""
    x, y = mirror.wrt[1], mirror.wrt[0]
    before = sp.Derivative(expr, x, y, evaluate=False)
    rule = R.SymmetryRule(before, mirror.shown, f"entry ({j + 1},{i + 1})")
    step = DiffStep(before=before, after=mirror.shown, rule=rule.name, rules=(rule,), justification=justify((rule,)))
    return Derivation(source=mirror.source, function=expr, wrt=(x, y), steps=(step,), result=mirror.result,
                      order=mirror.order, working=mirror.working)
