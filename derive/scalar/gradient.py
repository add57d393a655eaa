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
        rows = tuple(tuple(_second(expr, p, y, clock, source, order) for y in variables) for p in partials)
    return Gradient(source=source, function=expr, variables=tuple(variables), partials=partials, hessian=rows,
                    order=order)


def _second(expr: sp.Expr, first: Derivation, y: sp.Symbol, clock: Clock, source: str,
            order: TermOrder) -> Derivation:
    """d^2 f / dy dx, starting from the already derived df/dx."""
    x = first.wrt[0]
    inner = differentiate(first.result, [y], clock, source=source, order=order)
    before = sp.Derivative(expr, x, y, evaluate=False)
    after = sp.Derivative(first.result, y, evaluate=False)
    others = tuple(sorted((s for s in first.result.free_symbols if s != y), key=lambda s: s.name))
    rule = R.HigherOrderRule(before, after, first.result, others if first.result.has(y) else ())
    head = DiffStep(before=before, after=after, rule=rule.name, rules=(rule,), justification=justify((rule,)))
    rest = tuple(s for s in inner.steps if s.rule != "partial")
    return Derivation(source=source, function=expr, wrt=(x, y), steps=(head,) + rest, result=inner.result,
                      notes=inner.notes, order=order)
