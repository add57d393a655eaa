"""Step-by-step differentiation of scalar expressions: the whiteboard strategy.

Start from the pending ``Derivative``; at each step take the first pending
derivative (reading order), choose its rule, apply that same rule to every
pending derivative it fits, and record one Step. Finish with one tidy-up step.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import sympy as sp

from derive.core.budget import Clock
from derive.scalar import rules as R
from derive.scalar.model import Derivation, DiffStep, Rule
from derive.scalar.rules import choose, justify, pending, with_letter
from derive.core.work import run_counted
from derive.parse.order import TermOrder, monomial
from derive.forms import canonical, longer, teacher_form
from derive.scalar.tidy import shortest, size, tidy


def pending_derivatives(expr: sp.Expr, stuck: frozenset[sp.Basic] = frozenset()) -> list[sp.Derivative]:
    """Pending Derivative nodes of ``expr`` in reading order (not inside Subs or other derivatives).

    ``stuck`` holds derivatives no rule (not even SymPy) can evaluate: they stay as they are.
    """
    found: list[sp.Derivative] = []

    def walk(e: sp.Basic) -> None:
        if isinstance(e, sp.Derivative):
            if pending(e) and e not in found and e not in stuck:
                found.append(e)
            return
        if isinstance(e, sp.Subs):
            return
        for a in e.args:
            walk(a)

    walk(expr)
    return found


class _Letters:
    """Fresh chain-rule letters u1, u2, ... that clash with no name in the expression."""

    def __init__(self, expr: sp.Expr) -> None:
        self._taken = {s.name for s in expr.free_symbols}
        self._n = 0

    def __iter__(self) -> Iterator[sp.Symbol]:
        return self

    def __next__(self) -> sp.Symbol:
        while True:
            self._n += 1
            name = f"u{self._n}"
            if name not in self._taken:
                return sp.Symbol(name)


def _step(rules: Rule | tuple[Rule, ...], before: sp.Expr, after: sp.Expr) -> DiffStep:
    """One line: ``before`` = ``after`` by ``rules`` (all of one kind), worded by the rules themselves."""
    applied = rules if isinstance(rules, tuple) else (rules,)
    return DiffStep(before=before, after=after, rule=applied[0].name, rules=applied, justification=justify(applied))


def _rule_for(target: sp.Derivative) -> Rule:
    (var, count), = target.variable_count
    if count != 1:
        raise ValueError("pending derivatives are first-order by construction")
    rule: Rule = choose(target.expr, var)
    return rule


class _Origins:
    """Where the terms the rules make go when printed: where the typed term they came from was.

    Each step maps every term of the line before it to the terms it becomes; a term whose place
    is known (``TermOrder.key``) passes its place on. The targets are taken in that order too, so
    the derivation works through the function's terms as the user typed them.
    """

    def __init__(self, order: TermOrder) -> None:
        self.order = order
        self.found: dict[sp.Basic, int] = {}
        self._current = order

    def current(self) -> TermOrder:
        """The typed order with the places found so far (rebuilt only when a step found new ones)."""
        return self._current

    def sort(self, targets: list[sp.Derivative], expr: sp.Expr) -> list[sp.Derivative]:
        if not self.order:
            return targets
        keyed = [(u, self._current.key(u)) for u in sp.Add.make_args(expr)]
        where = {t: min((float(k) for u, k in keyed if k is not None and u.has(t)), default=float("inf"))
                 for t in targets}
        return sorted(targets, key=lambda t: where[t])  # stable: reading order among equals

    def follow(self, before: sp.Expr, mapping: dict[sp.Basic, sp.Basic]) -> None:
        if not self.order:
            return
        grew = False
        for t in sp.Add.make_args(before):
            k = self._current.key(t)
            if k is None:
                continue
            for u in sp.Add.make_args(t.xreplace(mapping)):
                m = monomial(u)
                if m is not None and m not in self.found:
                    self.found[m] = k
                    grew = True
        if grew:
            self._current = self.order.with_origins(self.found)


def _resolve(current: sp.Expr, clock: Clock, letters: _Letters, steps: list[DiffStep],
             origins: _Origins | None = None) -> sp.Expr:
    """Apply rules until no pending derivative is left; append the steps."""
    origins = origins if origins is not None else _Origins(TermOrder())
    depth = 0
    stuck: set[sp.Basic] = set()
    while targets := origins.sort(pending_derivatives(current, frozenset(stuck)), current):
        depth += 1
        clock.check("differentiation", depth=depth)
        first = _rule_for(targets[0])
        if first.result.has(first.target):
            # SymPy leaves it unevaluated too: say so in a labelled step, keep it as it is.
            stuck.add(first.target)
            give_up = R.GiveUp(first.target, first.target, "no rule, and SymPy leaves it unevaluated")
            steps.append(_step(give_up, current, current))
            continue
        kind = type(first)
        chosen: list[Rule] = [first]
        # the chain rule is applied once per line: two at once is two rules on one line
        for t in targets[1:] if not isinstance(first, (R.ChainRule, R.MultivariateChainRule)) else ():
            r = _rule_for(t)
            if type(r) is kind and not r.result.has(r.target):
                chosen.append(r)
        chosen = [with_letter(r, next(letters)) if isinstance(r, R.ChainRule) else r for r in chosen]
        mapping = {r.target: r.result for r in chosen}
        after = current.xreplace(mapping)
        origins.follow(current, mapping)
        clock.check(f"the {kind.name} rule", size=size(after))
        steps.append(_step(tuple(chosen), current, after))
        current = after
    return current


def differentiate(
    expr: sp.Expr, wrt: Sequence[sp.Symbol], clock: Clock, *, source: str = "", tidy_result: bool = True,
    order: TermOrder | None = None,
) -> Derivation:
    """The uncertified step-by-step derivative of ``expr`` with respect to ``wrt`` in order.

    ``order`` is how the user typed ``expr`` (``derive.parse.order``): the result is then written
    in the user's own sums, as a teacher would (``scalar.teacher``), and printers keep the order.
    """
    order = order if order is not None else TermOrder()
    if not wrt:
        raise ValueError("differentiate needs at least one variable")
    origins = _Origins(order if order is not None else TermOrder())
    repeated = R.RepeatedPowerRule.fits(expr, wrt)
    if repeated is not None:  # d^k/dx^k c x^n in one line, not k rounds of the power rule
        return Derivation(source=source, function=expr, wrt=tuple(wrt),
                          steps=(_step(repeated, repeated.target, repeated.result),), result=repeated.result,
                          order=order if order is not None else TermOrder())
    letters = _Letters(expr)
    steps: list[DiffStep] = []
    notes: list[str] = []
    held: tuple[sp.Symbol, ...] = ()
    working: sp.Expr | None = None
    value = expr
    for k, x in enumerate(wrt):
        current: sp.Expr = sp.Derivative(value, x, evaluate=False)
        others = tuple(sorted((s for s in value.free_symbols if s != x), key=lambda s: s.name))
        if k > 0:
            before = sp.Derivative(expr, *wrt[: k + 1], evaluate=False)
            rule: Rule = R.HigherOrderRule(before, current, value, others if value.has(x) else ())
            steps.append(_step(rule, before, current))
        elif others and value.has(x):
            held = others  # said beside the first line, not as a step that changes nothing
        if not pending_derivatives(current):
            rule = _final_form_rule(current, x)
            steps.append(_step(rule, current, rule.result))
            value = rule.result
            continue
        value = _resolve(current, clock, letters, steps, origins)
        if tidy_result:
            tidied = tidy(value, clock, notes)
            if tidied is not None:
                method, simpler = tidied
                rule = R.SimplifyRule(value, simpler, method)
                steps.append(_step(rule, value, simpler))
                value = simpler
            working = value
            short = shortest(value, clock, notes, decimals=order.decimals) if k == len(wrt) - 1 else None
            if short is not None:
                method, simpler = short
                rule = R.SimplifyRule(value, simpler, method)
                steps.append(_step(rule, value, simpler))
                value = simpler
            if k == len(wrt) - 1:
                shown = _teacher(value, order, clock)
                if shown is not None:
                    rule = R.SimplifyRule(value, shown, "in the question's own terms, common factors taken out")
                    steps.append(_step(rule, value, shown))
                    value = canonical(shown)  # the result: SymPy's own form of what is printed
    return Derivation(source=source, function=expr, wrt=tuple(wrt), steps=tuple(steps), result=value,
                      notes=tuple(dict.fromkeys(notes)), order=origins.current(), held=held,
                      working=working)


def _teacher(value: sp.Expr, order: TermOrder, clock: Clock) -> sp.Expr | None:
    """The teacher's form of the final result, if it differs and is no longer (counted work; None if cut)."""
    counted = run_counted(lambda: teacher_form(value, order.sums()), clock.budget.max_work)
    shown = counted.value
    if counted.cut or shown is None or shown == value:
        return None
    return None if longer(shown, value, slack=0, decimals=order.decimals) else shown


def _final_form_rule(current: sp.Expr, x: sp.Symbol) -> Rule:
    """A derivative that is already in final form: f'(x) for an undefined f, or a constant."""
    if isinstance(current, sp.Derivative):
        inner = current.expr
        if not inner.has(x):
            return R.ConstantRule(current, sp.Integer(0))
        if isinstance(inner, sp.core.function.AppliedUndef):
            return R.UndefinedFunctionRule(current, current, type(inner).__name__, current)
    return R.GiveUp(current, current.doit(), "derivative already in final form")
