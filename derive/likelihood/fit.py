"""The derived estimator on the user's data: its value, or Newton-Raphson / Fisher-scoring iterates.

With a closed form, the estimate on a CSV column is compared with a numeric maximizer of the
log-likelihood of the same data; without one, the closed-form update of the derivation is
iterated from a starting value inside the parameter space and its last iterate compared with
that maximizer. Each comparison is a ``Check`` added to the derivation.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from derive.certify.numeval import numeric_value
from derive.core.contract import Check, Plausible, Refuted
from derive.core.errors import DataError, UsageError
from derive.likelihood.model import Iterate, MleDerivation, MleProblem
from derive.likelihood.numeric import iterate, maximize_loglik, objective
from derive.likelihood.sample import N, sample_base


def use_data(d: MleDerivation, path: Path, column: str | None, start: Mapping[str, float],
             seed: int) -> MleDerivation:
    """The estimate on the data; without a closed form, Newton-Raphson (or Fisher scoring) iterates."""
    from derive.parse.data import read_columns

    problem = d.problem
    column = column or problem.var.name
    values = np.asarray(read_columns(path, [column])[column], dtype=float)
    if values.size == 0:
        raise DataError(f"{path}: no rows", hint="the file has a header but no data")
    check_support(values, problem, path, column)
    data = {sample_base(problem.var): values}
    known = set(problem.constants)
    if known:
        raise UsageError(f"--data needs values for the known constants {', '.join(sorted(map(str, known)))}",
                         hint="put the constants' values in the density, e.g. binomial(10, x) p^x (1-p)^(10-x)")
    logf = objective(problem, int(values.size))
    ref, _ = maximize_loglik(logf, problem.var, problem.params, problem.space, values, known={},
                             support=problem.support, rng=np.random.default_rng(seed))
    if d.closed_form:
        est = [float(numeric_value(v, {N: float(values.size)}, data=data)) for v in d.estimator if v is not None]
        diff = max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(est, ref))
        detail = "; ".join(f"{p} = {a:.10g} (numeric {b:.10g})" for p, a, b in zip(problem.params, est, ref))
        verdict = (Plausible(1, f"the {values.size} rows of {path.name}", diff) if diff < 1e-3 else
                   Refuted((("data", path.name),), "closed form", "numeric maximum"))
        return replace(d, checks=d.checks + (Check(name="estimate on the data", certificate=verdict, detail=detail),))
    update, method = (d.newton, "Newton-Raphson") if d.newton else (d.scoring, "Fisher scoring")
    if not update:
        return replace(d, notes=d.notes + ("no closed-form update to run on the data",))
    iter_params = list(d.newton_params) if d.newton else list(problem.params)
    x0v = [start[p.name] if p.name in start else default_start(p, problem) for p in iter_params]
    its = iterate(list(update), iter_params, x0v, data, n=float(values.size))
    iterates = []
    for k, vals in enumerate(its):
        at = dict(zip(iter_params, (float(v) for v in vals)))
        for p, e in d.profile:  # the profiled parameters at this iterate (beta = alpha / xbar)
            at[p] = loglik_value(d, at, data, values.size, expr=e)
        ll = loglik_value(d, at, data, values.size)
        shown = tuple(float(at.get(p, math.nan)) for p in problem.params)  # every parameter, in order
        iterates.append(Iterate(k, shown, ll, 0.0 if k == 0 else
                                float(max(abs(a - b) for a, b in zip(vals, its[k - 1])))))
    last = {p: float(v) for p, v in zip(iter_params, its[-1])} if iterates else {}
    ok = bool(iterates) and all(math.isfinite(v) for v in iterates[-1].values)
    refd = dict(zip(problem.params, (float(r) for r in ref)))
    diff = (max((abs(last[p] - refd[p]) / max(1.0, abs(refd[p])) for p in iter_params), default=math.inf)
            if ok else math.inf)
    begin = ", ".join(f"{p} = {v:.4g}" for p, v in zip(iter_params, x0v))
    verdict = (Plausible(len(iterates), f"{method} from {begin}", diff) if diff < 1e-4 else
               Refuted((("start", begin),),
                       "last iterate " + ", ".join(f"{p} = {last.get(p, math.nan):.8g}" for p in iter_params),
                       "numeric maximum " + ", ".join(f"{p} = {refd[p]:.8g}" for p in iter_params)))
    if ok and d.newton:  # the profiled parameters from the last iterate (beta = alpha / xbar)
        for p, e in d.profile:
            last[p] = float(numeric_value(e, {**last, N: float(values.size)}, data=data))
    detail = ", ".join(f"{p} = {last[p]:.10g} (numeric {refd[p]:.10g})" for p in problem.params if p in last)
    check = Check(name=f"{method} on the data vs numeric maximization", certificate=verdict, detail=detail)
    return replace(d, iterates=tuple(iterates), iteration_method=method, checks=d.checks + (check,))


def default_start(p: sp.Symbol, problem: MleProblem) -> float:
    """A starting value inside the parameter space (1 for positive, the middle of a bounded interval)."""
    d = problem.domain(p.name)
    if d is None or (d.lower is None and d.upper is None):
        return 0.0
    if d.lower is not None and d.upper is not None:
        return (d.lower + d.upper) / 2
    if d.lower is not None:
        return d.lower + 1.0
    assert d.upper is not None
    return d.upper - 1.0


def loglik_value(d: MleDerivation, at: dict[sp.Symbol, float], data: Mapping[sp.IndexedBase, Any], n: int,
                 expr: sp.Expr | None = None) -> float:
    """The log-likelihood (or ``expr``) at ``at`` on ``data``; nan where it cannot be evaluated."""
    try:
        return float(numeric_value(d.loglik if expr is None else expr, {**at, N: float(n)}, data=data))
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return math.nan


def check_support(values: object, problem: MleProblem, path: Path, column: str) -> None:
    """Every data value must lie in the support (ends free of parameters)."""
    arr = np.asarray(values, dtype=float)
    sup = problem.support
    bad = None
    if sup.kind == "finite":
        allowed = [float(v) for v in sup.values]
        bad = next((k for k, v in enumerate(arr) if not any(abs(v - a) < 1e-12 for a in allowed)), None)
    else:
        lo, hi = sup.lower, sup.upper
        lo_v = None if lo is None or lo.free_symbols else float(numeric_value(lo, {}))
        hi_v = None if hi is None or hi.free_symbols else float(numeric_value(hi, {}))
        for k, v in enumerate(arr):
            if (lo_v is not None and (v < lo_v or (sup.lower_strict and v == lo_v and sup.kind == "interval"))) or \
               (hi_v is not None and (v > hi_v or (sup.upper_strict and v == hi_v and sup.kind == "interval"))) or \
               (sup.kind == "integers" and v != round(v)):
                bad = k
                break
    if bad is not None:
        raise DataError(f"{path}: row {bad + 2}, column {column!r}: the value {arr[bad]:g} is outside the support "
                        f"{sup.describe()}", hint="fix the value or the --support")
