"""Wrong derivatives from classes of common mistakes, certified wrong: the distractors of a
multiple-choice question.

A mistake is one textbook rule applied wrongly (the chain rule without its inner factor, the
product rule with a term missing, a sign flipped in one term). ``mistaken(expr, x, mistake, site)``
differentiates as the rules do, but makes the mistake at one place (the ``site``-th place it can be
made, in the expression tree's reading order) or, for a mistake made ``everywhere``, at every place.
``derive.certify.wrong.choose`` keeps the candidates that are certified wrong and distinct. Nothing
here reads text: the input is parsed SymPy.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import sympy as sp

from derive.certify.wrong import Candidate as Candidate
from derive.certify.wrong import Distractor as Distractor
from derive.certify.wrong import Mistake as Mistake
from derive.certify.wrong import choose as choose
from derive.core.budget import Clock
from derive.scalar.model import Derivation
from derive.scalar.rules import SimplifyRule
from derive.scalar.tidy import _SHORTEST_WORDS

CHAIN = Mistake("chain", "chain", "d/dx f(g(x)) -> f'(g(x))  (the inner factor g'(x) dropped once)",
                "Forgot the chain-rule factor: the derivative of the inner function.")
OUTER_ONLY = Mistake("outer_only", "chain", "d/dx f(g(h(x))) -> f'(g(h(x)))  (every inner factor dropped)",
                     "Differentiated the outer functions only: every chain-rule factor is missing.", everywhere=True)
PRODUCT_TERM = Mistake("product_term", "product_term", "d/dx (u v) -> u' v  (one term of the product rule dropped)",
                       "The product rule is missing one of its terms.")
PRODUCT_OF_DERIVATIVES = Mistake("product_of_derivatives", "product", "d/dx (u v) -> u' v'",
                                 "Took the derivative of a product as the product of the derivatives.")
SIGN = Mistake("sign", "term", "d/dx (u + v) -> u' - v'  (one term's sign flipped)",
               "A sign error in one term.")
QUOTIENT_SIGN = Mistake("quotient_sign", "quotient", "d/dx (u/v) -> (u v' - u' v)/v^2",
                        "The quotient rule with its numerator the wrong way round (a sign error).")
QUOTIENT_SQUARE = Mistake("quotient_square", "quotient", "d/dx (u/v) -> (u' v - u v')/v",
                          "The quotient rule without squaring the denominator.")
POWER_NOT_LOWERED = Mistake("power_not_lowered", "power", "d/dx x^n -> n x^n",
                            "The power rule without lowering the exponent by one.")
POWER_COEFFICIENT = Mistake("power_coefficient", "power", "d/dx x^n -> x^(n-1)",
                            "The power rule without bringing the exponent down as a factor.")
TRIG_SIGN = Mistake("trig_sign", "trig", "d/dx cos x -> sin x  (and d/dx sin x -> -cos x)",
                    "The derivative of sin or cos with the wrong sign.")
EXP_AS_POWER = Mistake("exp_as_power", "exponential", "d/dx e^u -> u e^(u-1)",
                       "Differentiated an exponential as if it were a power (the power rule on e^u).")

DERIVATIVE_MISTAKES: tuple[Mistake, ...] = (
    CHAIN, OUTER_ONLY, PRODUCT_TERM, PRODUCT_OF_DERIVATIVES, SIGN, QUOTIENT_SIGN, QUOTIENT_SQUARE,
    POWER_NOT_LOWERED, POWER_COEFFICIENT, TRIG_SIGN, EXP_AS_POWER,
)
"""The mistakes ``mistaken`` can make, each at the nodes of its ``site`` kind."""

WRONG_VARIABLE = Mistake("wrong_variable", "", "d/dx f(x, y) -> d/dy f(x, y)",
                         "Differentiated with respect to the wrong variable.")
NOT_HELD = Mistake("not_held", "", "d/dx f(x, y) -> d/dx f + d/dy f  (y not held constant)",
                   "Did not hold the other variables constant (differentiated them as if they were this one).")
"""The mistakes of a partial derivative, made on the whole gradient (``gradient_candidates``)."""

MAX_SITES = 8
"""Places one mistake is tried at, at most (the seed chooses which)."""


class _Walk:
    """One differentiation of ``expr`` by ``x`` that makes ``mistake`` at its ``site``-th place (or
    at every place, or nowhere when ``site`` is -1, which only counts the places)."""

    def __init__(self, x: sp.Symbol, mistake: Mistake | None, site: int, clock: Clock | None) -> None:
        self.x, self.mistake, self.site, self.clock = x, mistake, site, clock
        self.places = 0

    def here(self, kind: str) -> bool:
        """Whether the mistake is made at this place (each place of the mistake's kind counts once)."""
        m = self.mistake
        if m is None or m.site != kind:
            return False
        k = self.places
        self.places += 1
        return self.site >= 0 and (m.everywhere or k == self.site)

    def d(self, e: sp.Expr) -> sp.Expr:
        x = self.x
        if self.clock is not None:
            self.clock.check("wrong answers (distractors)")
        if not e.has(x):
            return sp.Integer(0)
        if e == x:
            return sp.Integer(1)
        if isinstance(e, sp.Add):
            parts = []
            for t in e.args:
                dt = self.d(t)
                parts.append(-dt if t.has(x) and self.here("term") else dt)
            return sp.Add(*parts)
        if isinstance(e, sp.Mul):
            return self.mul(e)
        if isinstance(e, sp.Pow):
            return self.power(e)
        if isinstance(e, sp.Function) and len(e.args) == 1:
            g = e.args[0]
            outer = e.fdiff(1)
            if isinstance(e, sp.exp) and self.here("exponential"):
                outer = g * sp.exp(g - 1)
            if isinstance(e, (sp.sin, sp.cos)) and self.here("trig"):
                outer = -outer
            return self.chain(outer, g)
        return sp.diff(e, x)  # anything else (|u|, several arguments, ...): right, and no place for a mistake

    def chain(self, outer: sp.Expr, inner: sp.Expr) -> sp.Expr:
        """``outer`` (f'(g)) times the inner derivative g', unless the chain factor is dropped here."""
        dg = self.d(inner)
        if inner != self.x and self.here("chain"):
            return outer
        return outer * dg

    def mul(self, e: sp.Expr) -> sp.Expr:
        x = self.x
        factors = sp.Mul.make_args(e)
        c = sp.Mul(*(f for f in factors if not f.has(x)))
        dep = [f for f in factors if f.has(x)]
        if len(dep) == 1:
            return c * self.d(dep[0])
        den = [f.base ** -f.exp for f in dep if isinstance(f, sp.Pow) and f.exp.is_number and f.exp.is_negative]
        num = [f for f in dep if not (isinstance(f, sp.Pow) and f.exp.is_number and f.exp.is_negative)]
        if num and den and self.here("quotient"):
            assert self.mistake is not None
            u, v = sp.Mul(*num), sp.Mul(*den)
            du, dv = self.d(u), self.d(v)
            if self.mistake is QUOTIENT_SIGN:
                return c * (u * dv - du * v) / v**2
            return c * (du * v - u * dv) / v
        derivs = [self.d(f) for f in dep]
        if self.here("product"):
            return c * sp.Mul(*derivs)
        terms = []
        for i, di in enumerate(derivs):
            term = di * sp.Mul(*(f for j, f in enumerate(dep) if j != i))
            if not self.here("product_term"):
                terms.append(term)
        return c * sp.Add(*terms)

    def power(self, e: sp.Pow) -> sp.Expr:
        x = self.x
        b, n = e.base, e.exp
        if not n.has(x):
            coefficient, lowered = n, n - 1
            if self.here("power"):
                if self.mistake is POWER_NOT_LOWERED:
                    lowered = n
                else:
                    coefficient = sp.Integer(1)
            return self.chain(coefficient * b**lowered, b)
        if not b.has(x):
            outer = e * sp.log(b)
            if self.here("exponential"):
                outer = n * b ** (n - 1)
            return self.chain(outer, n)
        return sp.diff(e, x)


def mistaken(expr: sp.Expr, x: sp.Symbol, mistake: Mistake | None, site: int = 0,
             clock: Clock | None = None) -> sp.Expr:
    """The derivative of ``expr`` by ``x`` with ``mistake`` made at its ``site``-th place (by the
    rules, without a mistake when ``mistake`` is None). Where the mistake cannot be made, the result
    is the right derivative."""
    return _Walk(x, mistake, site, clock).d(expr)


def places(expr: sp.Expr, x: sp.Symbol, mistake: Mistake) -> int:
    """How many places of ``expr`` ``mistake`` can be made at (a mistake made everywhere: 1 if any)."""
    w = _Walk(x, mistake, -1, None)
    w.d(expr)
    return min(w.places, 1) if mistake.everywhere else w.places


def derivative_candidates(expr: sp.Expr, x: sp.Symbol, rng: random.Random, *,
                          mistakes: Sequence[Mistake] = DERIVATIVE_MISTAKES,
                          clock: Clock | None = None) -> list[list[Candidate]]:
    """Per mistake that can be made in ``expr`` (in ``rng``'s order), its candidates (at up to
    ``MAX_SITES`` places, in ``rng``'s order)."""
    pools = []
    for m in mistakes:
        n = places(expr, x, m)
        if not n:
            continue
        sites = list(range(n))
        rng.shuffle(sites)
        pools.append([Candidate(m, s, mistaken(expr, x, m, s, clock)) for s in sites[:MAX_SITES]])
    rng.shuffle(pools)
    return pools


def gradient_candidates(expr: sp.Expr, variables: Sequence[sp.Symbol], i: int, partials: Sequence[sp.Expr],
                        rng: random.Random, *, clock: Clock | None = None) -> list[list[Candidate]]:
    """The candidates of the ``i``-th partial derivative: the derivative's mistakes, and those of a
    partial (the other variables' partials, their sum: the others not held constant)."""
    pools = derivative_candidates(expr, variables[i], rng, clock=clock)
    others = [j for j in range(len(variables)) if j != i]
    extra = [[Candidate(WRONG_VARIABLE, j, partials[j]) for j in others],
             [Candidate(NOT_HELD, 0, sp.Add(*partials))]]
    rng.shuffle(extra[0])
    pools += extra
    rng.shuffle(pools)
    return pools


def final_form(expr: sp.Expr, clock: Clock, *, method: str = "", sums: Sequence[sp.Expr] | None = None) -> sp.Expr:
    """``expr`` written as the engine writes a result: tidied (``scalar.tidy``: a clearly shorter form),
    then by SymPy's ``method`` (``factor``, ``cancel``, ``together``, ``simplify``: the one that gave the
    right answer its shortest form) when that is no longer, and, with ``sums`` (the question's own
    sums), in the teacher's form (common factors out): a wrong answer looks as the right one does."""
    import functools

    from derive.core.work import run_counted
    from derive.forms import canonical, ops, teacher_form
    from derive.scalar import tidy as T

    tidied = T.tidy(expr, clock)
    value = tidied[1] if tidied is not None else expr
    rewrite = dict(T._SHORTEST).get(method)
    if rewrite is not None:
        clock.check(f"simplification ({method})")
        try:
            counted = run_counted(functools.partial(rewrite, value), clock.budget.max_work)
        except (sp.PolynomialError, ValueError, TypeError, NotImplementedError):
            counted = None
        if counted is not None and not counted.cut and isinstance(counted.value, sp.Expr) \
                and ops(counted.value) <= ops(value):
            value = counted.value
    if sums is not None:
        shown = teacher_form(value, sums)
        value = canonical(shown) if shown is not None else value
    return value


def final_form_like(derivation: Derivation, clock: Clock) -> Callable[[sp.Expr], sp.Expr]:
    """``final_form`` with the final steps ``derivation``'s result took (the SymPy method that gave its
    shortest form, the teacher's form), and only those: SymPy's ``simplify`` is slow."""
    methods = [str(getattr(r, "method", "")) for step in derivation.steps for r in step.rules
               if isinstance(r, SimplifyRule)]
    method = next((m.rpartition("SymPy's ")[2] for m in methods if m.startswith(_SHORTEST_WORDS)), "")
    teacher = any(m.startswith(_TEACHER_WORDS) for m in methods)
    sums = derivation.order.sums() if teacher else None
    return lambda e: final_form(e, clock, method=method, sums=sums)


_TEACHER_WORDS = "in the question's own terms"
