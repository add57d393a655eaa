"""Matrix differentials step by step: take the first pending d(...), name its rule, apply it everywhere it fits.

Each rule is one textbook identity of Magnus and Neudecker (``matrix.rules``), which applies
itself; this module only walks the expression and records the steps. Constant terms and factors
are dropped or kept as they are in the same step (d(A U B) = A dU B), as an instructor writes it.
"""
from __future__ import annotations

from dataclasses import replace

from derive.core.budget import Clock
from derive.matrix import expr as M
from derive.matrix import rules as R
from derive.matrix.model import MatRule, MatStep


def _first_pending(expr: M.Node) -> M.D | None:
    for n in M.walk(expr):
        if isinstance(n, M.D):
            return n
    return None


def _variables_now(expr: M.Node, var: M.MatSym, made: list[MatRule]) -> M.Node:
    def rewrite(n: M.Node) -> M.Node | None:
        if isinstance(n, M.D) and n.arg == var:
            rule = R.VariableD.apply(n, var)
            made.append(rule)
            return rule.result
        return None

    return M.replace(expr, rewrite)


def differential_chain(start: M.Node, var: M.MatSym, clock: Clock, *, first: M.Node | None = None) -> tuple[MatStep, ...]:
    """The steps from d(start) to an expression free of pending differentials."""
    expr: M.Node = first if first is not None else M.D(start)
    steps: list[MatStep] = []
    while True:
        pending = _first_pending(expr)
        if pending is None:
            return tuple(steps)
        clock.check("matrix differentials", depth=len(steps))
        kind = R.rule_for(pending.arg, var)
        made: list[MatRule] = []

        def rewrite(n: M.Node) -> M.Node | None:
            if isinstance(n, M.D) and R.rule_for(n.arg, var) is kind:
                rule = kind.apply(n, var)
                made.append(rule)
                return rule.result
            return None

        after = M.replace(expr, rewrite)
        if kind is not R.VariableD:
            after = _variables_now(after, var, made)  # d(X) = dX goes with the step that exposed it
        rules = tuple(dict.fromkeys(made))
        steps.append(MatStep(before=expr, after=after, rule=kind.name, rules=rules, justification=R.justify(rules)))
        expr = after


def identified(steps: tuple[MatStep, ...], before: M.Node, form: M.Node, rule: MatRule) -> tuple[MatStep, ...]:
    """The chain with its identification: a line of its own, or, when the last line already reads
    ``form`` (A dx, 2XᵀX db), the rule said beside that line rather than the line printed twice."""
    if steps and form == before:
        last = steps[-1]
        rules = last.rules + (rule,)
        return steps[:-1] + (replace(last, rules=rules, justification=f"{last.justification}; {rule.words()}"),)
    return steps + (MatStep(before=before, after=form, rule=rule.name, rules=(rule,), justification=R.justify((rule,))),)
