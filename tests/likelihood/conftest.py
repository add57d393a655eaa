"""Shared by the likelihood engine's unit tests: textbook problems built by hand, numbers for sample sums.

The problems are built from the model's data classes (no parser), so the engine is tested on its own.
``value`` evaluates an expression over a concrete sample with ``derive.certify.numeval`` (a tree walk
that never touches the engine), so a claim about sums can be checked against numpy and scipy.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import sympy as sp

from derive.certify.numeval import numeric_value
from derive.likelihood.model import MleProblem, Support
from derive.likelihood.sums import I, N, Statistics, sample_base
from derive.parse.domain import VarDomain

P = sp.Symbol("p", positive=True)
LAM = sp.Symbol("lam", positive=True)
MU = sp.Symbol("mu", real=True)
S2 = sp.Symbol("sigma2", positive=True)
THETA = sp.Symbol("theta", positive=True)
ALPHA = sp.Symbol("alpha", positive=True)
BETA = sp.Symbol("beta", positive=True)
B = sp.Symbol("b", positive=True)


def data_var(**assumptions: bool) -> sp.Symbol:
    return sp.Symbol("x", **assumptions)


def over_sample(e: sp.Expr) -> sp.Sum:
    """``Sum(e, (i, 1, n))``."""
    return sp.Sum(e, (I, 1, N))


def same(a: sp.Expr, b: sp.Expr) -> bool:
    """Equal as functions of the parameters and the data statistics (sums held as symbols)."""
    stats = Statistics.of([a, b])
    return bool(sp.simplify(stats.hide(a) - stats.hide(b)) == 0)


def value(expr: sp.Expr, sample: Sequence[float], **params: float) -> float:
    """``expr`` at the sample ``x`` (n is its length) and the named parameter values."""
    values = {N: float(len(sample)), **{sp.Symbol(k): v for k, v in params.items()}}
    return numeric_value(expr, values, data={sp.IndexedBase("x"): np.asarray(sample, dtype=float)})


def bernoulli() -> MleProblem:
    x = data_var(integer=True, nonnegative=True)
    return MleProblem("bernoulli", P**x * (1 - P)**(1 - x), x, (P,),
                      Support("x", "finite", values=(sp.Integer(0), sp.Integer(1))), (VarDomain("p", 0.0, 1.0),),
                      discrete=True)


def poisson() -> MleProblem:
    x = data_var(integer=True, nonnegative=True)
    return MleProblem("poisson", LAM**x * sp.exp(-LAM) / sp.factorial(x), x, (LAM,),
                      Support("x", "integers", lower=sp.Integer(0)), (VarDomain("lam", 0.0),), discrete=True)


def exponential() -> MleProblem:
    x = data_var(positive=True)
    return MleProblem("exponential", LAM * sp.exp(-LAM * x), x, (LAM,), Support("x", "interval", lower=sp.Integer(0)),
                      (VarDomain("lam", 0.0),))


def normal() -> MleProblem:
    x = data_var(real=True)
    f = sp.exp(-(x - MU)**2 / (2 * S2)) / sp.sqrt(2 * sp.pi * S2)
    return MleProblem("normal", f, x, (MU, S2), Support("x", "interval"), (VarDomain("mu"), VarDomain("sigma2", 0.0)))


def gamma() -> MleProblem:
    x = data_var(positive=True)
    f = BETA**ALPHA / sp.gamma(ALPHA) * x**(ALPHA - 1) * sp.exp(-BETA * x)
    return MleProblem("gamma", f, x, (ALPHA, BETA), Support("x", "interval", lower=sp.Integer(0)),
                      (VarDomain("alpha", 0.0), VarDomain("beta", 0.0)))


def uniform() -> MleProblem:
    x = data_var(positive=True)
    return MleProblem("uniform", 1 / THETA, x, (THETA,), Support("x", "interval", lower=sp.Integer(0), upper=THETA),
                      (VarDomain("theta", 0.0),))


def laplace() -> MleProblem:
    x = data_var(real=True)
    return MleProblem("laplace", sp.exp(-sp.Abs(x - MU) / B) / (2 * B), x, (MU, B), Support("x", "interval"),
                      (VarDomain("mu"), VarDomain("b", 0.0)))


def base(problem: MleProblem) -> sp.IndexedBase:
    return sample_base(problem.var)
