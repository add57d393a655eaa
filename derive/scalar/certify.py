"""Certify a whole derivation: every step, then the result against SymPy and finite differences."""
from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Mapping

import sympy as sp

from derive.core.budget import Clock
from derive.core.errors import BudgetExceeded
from derive.scalar.model import Derivation, Gradient
from derive.parse.domain import VarDomain
from derive.core.contract import Certificate, Check, Timeout, Unknown
from derive.certify.equal import certify_equal
from derive.certify.finite import finite_difference_check
from derive.certify.probe import EVAL_ERRORS


def certify_derivation(
    d: Derivation, clock: Clock, domains: Mapping[str, VarDomain] | None = None, *, seed: int = 0,
    doit: Callable[[sp.Expr], sp.Expr] | None = None,
) -> Derivation:
    """A copy of ``d`` with a certificate on every step and the final checks filled in.

    ``doit`` evaluates pending derivatives; by default one that remembers, for this derivation (each
    step's right side is the next one's left side). A gradient shares one across its entries.
    """
    rng = random.Random(seed)
    doit = doit or _remembering_doit()
    steps = tuple(
        dataclasses.replace(s, certificate=certify_equal(s.before, s.after, clock, domains, rng=rng, doit=doit))
        for s in d.steps
    )
    checks: list[Check] = []
    agree: Certificate
    try:
        reference = sp.diff(d.function, *d.wrt)
    except (ValueError, TypeError, NotImplementedError) as exc:
        agree = Unknown(f"sympy.diff failed: {exc}")
    else:
        agree = certify_equal(reference, d.result, clock, domains, rng=rng, doit=doit)
    checks.append(Check("agrees with sympy.diff", agree))
    fd: Certificate
    try:
        fd = finite_difference_check(d.function, d.wrt, d.result, clock, domains, rng=rng)
    except BudgetExceeded as exc:
        fd = Timeout(exc.message)
    except EVAL_ERRORS as exc:
        fd = Unknown(f"could not evaluate the function numerically ({type(exc).__name__})")
    checks.append(Check("matches finite differences", fd))
    return dataclasses.replace(d, steps=steps, checks=tuple(checks))


def _remembering_doit() -> Callable[[sp.Expr], sp.Expr]:
    """``Expr.doit`` remembering its results for one derivation (expressions are immutable)."""
    memo: dict[sp.Expr, sp.Expr] = {}

    def doit(e: sp.Expr) -> sp.Expr:
        if e not in memo:
            memo[e] = e.doit()
        return memo[e]

    return doit


def certify_gradient(
    g: Gradient, clock: Clock, domains: Mapping[str, VarDomain] | None = None, *, seed: int = 0
) -> Gradient:
    """Certify every partial (and Hessian entry); check the gradient by finite differences."""
    doit = _remembering_doit()  # the Hessian's rows begin where the partials' derivations did
    partials = tuple(certify_derivation(p, clock, domains, seed=seed + i, doit=doit) for i, p in enumerate(g.partials))
    hessian = None
    if g.hessian is not None:
        hessian = tuple(
            tuple(certify_derivation(h, clock, domains, seed=seed + 100 + i * 10 + j, doit=doit)
                  for j, h in enumerate(row))
            for i, row in enumerate(g.hessian)
        )
    return dataclasses.replace(g, partials=partials, hessian=hessian)
