"""Is it a density? The total mass on the support must be 1 for every parameter value.

Checked numerically at a few random parameter values (a sum or ``quad`` over the support), so
a typo such as a missing normalizing constant is caught before anything is derived; the error
gives the mass found and where.
"""
from __future__ import annotations

import math
import random
import warnings

import numpy as np

import sympy as sp

from derive.core.errors import UsageError
from derive.likelihood.model import MleProblem


def check_density(problem: MleProblem, probes: int = 3, seed: int = 1) -> None:
    """Raise UsageError if ``problem.density`` does not integrate (or sum) to 1 on the support.

    With an unknown base measure ``h(x)`` the total depends on ``h``: only the stand-in model
    (``MleProblem.stand_in``) is checked to have a finite positive total (it is what samples are
    drawn from); the derivation says the normalization is not checked.
    """
    from derive.likelihood.certify import draw_params, draw_value
    from derive.certify.numeval import numeric_value
    from derive.likelihood.sampling import total_mass

    rng = random.Random(seed)
    known = list(problem.constants)
    what = "sum" if problem.discrete or problem.support.kind != "interval" else "integrate"
    for _ in range(probes):
        values: dict[sp.Symbol, float] = draw_params(problem, rng)
        values.update({s: draw_value(problem.domain(s.name), rng) for s in known})
        try:
            if problem.joint:
                mass = sum(numeric_value(problem.density.xreplace(dict(zip(problem.data_vars, pt))), values)
                           for pt in problem.joint)
            else:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # overflow in a diverging tail: reported below
                    mass = total_mass(problem.numeric_density, problem.var, problem.support, values)
        except (ValueError, ArithmeticError, OverflowError) as exc:
            where = ", ".join(f"{s} = {v:.4g}" for s, v in values.items())
            raise UsageError(f"the density cannot be evaluated on the support {problem.support.describe()} "
                             f"at {where}: {exc}", hint="check the density, --support and --where") from None
        if problem.base is not None:
            if not (math.isfinite(mass) and mass > 0):
                raise UsageError(f"the density with h(x) replaced by exp(-x^2) cannot be normalized on "
                                 f"{_where(problem)} (total {mass:.6g})",
                                 hint="derive samples such a stand-in model to check the algebra; fix the density")
            continue
        if not (abs(mass - 1.0) < 1e-4):
            where = ", ".join(f"{s} = {v:.4g}" for s, v in values.items())
            tail = _divergent_tail(problem, values)
            if tail:
                raise UsageError(f"not a density: its integral over {_where(problem)} diverges ({tail}, at {where})",
                                 hint="fix --support (e.g. x > 0) or the density")
            raise UsageError(
                f"not a density: it does not {what} to 1 on {_where(problem)} "
                f"(the total is {mass:.6g} at {where})",
                hint="add the normalizing constant, or fix --support / --where")


def _where(problem: MleProblem) -> str:
    if problem.joint:
        names = ", ".join(v.name for v in problem.data_vars)
        return f"the {len(problem.joint)} values of ({names})"
    return problem.support.describe()


def _divergent_tail(problem: MleProblem, values: dict[sp.Symbol, float]) -> str:
    """Where an unbounded end of an interval support makes the integral infinite, say so (else '')."""
    from derive.certify.numeval import numeric_value

    sup = problem.support
    if sup.kind != "interval" or problem.joint:
        return ""
    for sign, end in ((1.0, sup.upper), (-1.0, sup.lower)):
        if end is not None:
            continue
        for t in (1e2, 1e4, 1e6):
            x = sign * t
            v = numeric_value(problem.density, {**values, problem.var: x})
            if v != v:  # nan: undefined there, not evidence of divergence
                continue
            if v == float("inf") or v * t > 1.0:
                return f"the density is {v:.3g} at {problem.var} = {x:g}"
    return ""
