"""Certify a whole derivation: every step, then the result against SymPy and finite differences."""
from __future__ import annotations

import dataclasses
import random
from collections.abc import Mapping

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
    d: Derivation, clock: Clock, domains: Mapping[str, VarDomain] | None = None, *, seed: int = 0
) -> Derivation:
    """A copy of ``d`` with a certificate on every step and the final checks filled in."""
    rng = random.Random(seed)
    steps = tuple(
        dataclasses.replace(s, certificate=certify_equal(s.before, s.after, clock, domains, rng=rng))
        for s in d.steps
    )
    checks: list[Check] = []
    agree: Certificate
    try:
        reference = sp.diff(d.function, *d.wrt)
    except (ValueError, TypeError, NotImplementedError) as exc:
        agree = Unknown(f"sympy.diff failed: {exc}")
    else:
        agree = certify_equal(reference, d.result, clock, domains, rng=rng)
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


def certify_gradient(
    g: Gradient, clock: Clock, domains: Mapping[str, VarDomain] | None = None, *, seed: int = 0
) -> Gradient:
    """Certify every partial (and Hessian entry); check the gradient by finite differences."""
    partials = tuple(certify_derivation(p, clock, domains, seed=seed + i) for i, p in enumerate(g.partials))
    hessian = None
    if g.hessian is not None:
        hessian = tuple(
            tuple(certify_derivation(h, clock, domains, seed=seed + 100 + i * 10 + j) for j, h in enumerate(row))
            for i, row in enumerate(g.hessian)
        )
    return dataclasses.replace(g, partials=partials, hessian=hessian)
