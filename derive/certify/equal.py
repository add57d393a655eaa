"""Is ``before`` equal to ``after``? Symbolically first, then by numeric probing.

The ladder: identical; identical after evaluating pending derivatives; expand of
the difference is 0; random numeric probes on the declared domain (a mismatch is
rechecked at higher precision before it refutes); a bounded symbolic simplify (its cheap exact
first move, one fraction with an expanded numerator, tried alone first, then the same with the
hyperbolic functions and sigmoids written in exponentials).
"""
from __future__ import annotations

import random
from collections.abc import Callable, Mapping

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.functions.elementary.hyperbolic import HyperbolicFunction
from sympy.functions.elementary.trigonometric import TrigonometricFunction

from derive.core.budget import Clock
from derive.core.functions import MLAtom, sigmoid
from derive.core.work import run_counted
from derive.core.errors import BudgetExceeded
from derive.parse.domain import VarDomain
from derive.core.contract import Certificate, Plausible, Proved, Refuted, Timeout, Unknown
from derive.certify.probe import (
    EVAL_ERRORS, Outcome, concrete_function, evaluate, make_concrete, point_text, probe_points,
    undefined_functions,
)

PROBES = 12
_REL_TOL = 1e-14
_DIGITS = 30
_SIMPLIFY_MAX_OPS = 80


def _rel(a: complex, b: complex) -> float:
    return abs(a - b) / max(1.0, abs(a), abs(b))


def _real(v: complex) -> bool:
    return abs(v.imag) <= 1e-12 * max(1.0, abs(v.real))


COMBINED_ZERO = "before - after over one denominator: its numerator expands to 0"
"""The certificate of a step ``combined_zero`` proved."""


def combined_zero(expr: sp.Expr) -> bool:
    """True when ``expr`` written as one fraction has a numerator that expands to 0 (False: no verdict).

    The cheap exact rung before ``simplify``, whose own first move is to combine and cancel the
    fractions (``together``/``cancel``): when this finds 0, ``simplify`` would as well, at a
    fraction of the cost (on the library's steps, 2-5 ms against 30-170 ms).
    """
    if not elementary(expr):
        return False  # sums, integrals, Piecewise...: simplify has rules of its own for them; it decides
    numerator, _ = sp.fraction(sp.together(expr))
    return bool(sp.expand(numerator) == 0)


EXPONENTIAL_ZERO = ("before - after with tanh, sinh, cosh (and the sigmoid) written in exponentials, over one "
                    "denominator: its numerator expands to 0")
"""The certificate of a step ``exponential_zero`` proved."""

EXPONENTIAL_WORK = 400_000
"""Python calls ``exponential_zero`` may spend (``core.work``): expanding exponentials can grow."""

_EXPONENTIAL_FAMILY = (HyperbolicFunction, sigmoid)
"""Functions written with real exponentials alone (so no complex unit comes in, unlike sin and cos)."""


def exponential_zero(expr: sp.Expr) -> bool:
    """True when ``expr`` with its hyperbolic functions and sigmoids written in exponentials is, as one
    fraction, a numerator that expands to 0 (False: no verdict).

    The second cheap rung: tanh(z) = 2 sigma(2z) - 1 is an identity of rational functions of e^z, which
    ``simplify`` (through its trigonometric rules) finds slowly or not at all within its allowance.
    """
    if not elementary(expr) or not expr.has(*_EXPONENTIAL_FAMILY):
        return False
    written = expr.replace(lambda e: isinstance(e, _EXPONENTIAL_FAMILY), lambda e: e.rewrite(sp.exp))
    return combined_zero(written)


EXPAND_WORK = 400_000
"""Python calls ``expands_to_zero`` may spend: expanding a nested quotient can grow without end."""


def proves(test: Callable[[], bool], allowance: int) -> bool:
    """``test()`` within ``allowance`` Python calls (``core.work``): True only when it ran to the end and said
    so; a cut, or SymPy failing, is no verdict (the next rung decides)."""
    try:
        counted = run_counted(test, allowance)
    except Exception:  # noqa: BLE001  SymPy can raise anything on an odd expression: no verdict
        return False
    return bool(counted.value) and not counted.cut


def expands_to_zero(expr: sp.Expr) -> bool:
    """True when ``expand(expr)`` is 0 within ``EXPAND_WORK`` calls."""
    return proves(lambda: sp.expand(expr) == 0, EXPAND_WORK)


def counted_exponential_zero(expr: sp.Expr) -> bool:
    """``exponential_zero`` within ``EXPONENTIAL_WORK`` calls."""
    return expr.has(*_EXPONENTIAL_FAMILY) and proves(lambda: exponential_zero(expr), EXPONENTIAL_WORK)


_ELEMENTARY_FUNCTIONS = (sp.exp, sp.log, TrigonometricFunction, HyperbolicFunction, MLAtom, AppliedUndef)


def elementary(expr: sp.Basic) -> bool:
    """True if ``expr`` is built of numbers, symbols, +, *, powers and elementary (or opaque) functions."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Add, sp.Mul, sp.Pow, sp.Symbol, sp.Number, sp.NumberSymbol, sp.Indexed,
                             sp.IndexedBase, _ELEMENTARY_FUNCTIONS)) or node.func is sp.Tuple:
            continue
        return False
    return True


def certify_equal(
    before: sp.Expr,
    after: sp.Expr,
    clock: Clock,
    domains: Mapping[str, VarDomain] | None = None,
    *,
    rng: random.Random | None = None,
    probes: int = PROBES,
    doit: Callable[[sp.Expr], sp.Expr] | None = None,
) -> Certificate:
    """The verdict on ``before == after`` (pending derivatives are evaluated on both sides).

    ``doit`` evaluates the pending derivatives (``Expr.doit``; a caller certifying a chain of steps
    passes one that remembers, since each step's right side is the next step's left side).
    """
    domains = domains or {}
    rng = rng or random.Random(0)
    evaluate_pending = doit or _doit
    if before == after:
        return Proved("both sides are identical")
    try:
        clock.check("certification")
        a, b = evaluate_pending(before), evaluate_pending(after)
        if a == b:
            return Proved("identical once the pending derivatives are evaluated")
        diff = a - b
        if expands_to_zero(diff):
            return Proved("expand(before - after) = 0")
        numeric = _probe(before, after, (a, b), clock, domains, rng, probes)
        if not isinstance(numeric, Plausible):
            return numeric
        if sp.count_ops(diff) <= _SIMPLIFY_MAX_OPS:
            clock.check("symbolic certification")
            if combined_zero(diff):  # the certificate names what proved it
                return Proved(COMBINED_ZERO)
            if counted_exponential_zero(diff):
                return Proved(EXPONENTIAL_ZERO)
            if sp.simplify(diff) == 0:
                return Proved("simplify(before - after) = 0")
        return numeric
    except BudgetExceeded as exc:
        return Timeout(exc.message)
    except EVAL_ERRORS as exc:
        return Unknown(f"SymPy could not evaluate the claim ({type(exc).__name__}: {exc})")


def _doit(e: sp.Expr) -> sp.Expr:
    return e.doit()


def _probe(
    before: sp.Expr,
    after: sp.Expr,
    evaluated: tuple[sp.Expr, sp.Expr],
    clock: Clock,
    domains: Mapping[str, VarDomain],
    rng: random.Random,
    probes: int,
) -> Certificate:
    variants = (0, 1) if undefined_functions([before, after]) else (0,)
    verdict: Certificate = Unknown("no probes")
    funcs = undefined_functions([before, after])
    for variant in variants:
        # with no undefined function to replace, make_concrete is doit, already done: ``evaluated``
        lhs, rhs = make_concrete([before, after], variant) if funcs else evaluated
        verdict = _probe_one(lhs, rhs, clock, domains, rng, probes)
        if isinstance(verdict, Refuted) and funcs:
            stand_ins = tuple(
                (f"{f.__name__}(t)", sp.sstr(concrete_function(i + variant, 1)(sp.Symbol("t"))))
                for i, f in enumerate(funcs)
            )
            return Refuted(verdict.point, verdict.lhs, verdict.rhs, stand_ins)
        if not isinstance(verdict, Plausible):
            return verdict
    if len(variants) > 1 and isinstance(verdict, Plausible):
        verdict = Plausible(verdict.probes * len(variants), verdict.domain, verdict.max_rel_error,
                            note=f"undefined functions replaced by {len(variants)} sets of smooth stand-ins")
    return verdict


def _probe_one(
    lhs: sp.Expr,
    rhs: sp.Expr,
    clock: Clock,
    domains: Mapping[str, VarDomain],
    rng: random.Random,
    probes: int,
) -> Certificate:
    symbols = tuple(sorted(lhs.free_symbols | rhs.free_symbols, key=lambda s: s.name))

    def check(point: dict[sp.Symbol, sp.Expr]) -> Outcome:
        va, vb = evaluate(lhs, point, _DIGITS), evaluate(rhs, point, _DIGITS)
        if va is None or vb is None or not (_real(va) and _real(vb)):
            return None
        err = _rel(va, vb)
        if err <= _REL_TOL:
            return err
        ha, hb = evaluate(lhs, point, 60), evaluate(rhs, point, 60)  # recheck before refuting
        if ha is None or hb is None:
            return None
        if _rel(ha, hb) > 1e-25:
            return Refuted(point_text(point), f"{ha.real:.10g}", f"{hb.real:.10g}")
        return _rel(ha, hb)

    return probe_points(symbols, domains, check, clock, rng, probes=probes, what="numeric certification")
