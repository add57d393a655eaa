"""The derived estimator on the user's data: its value, or Newton-Raphson / Fisher-scoring iterates.

With a closed form, the estimate on a CSV column is compared with a numeric maximizer of the
log-likelihood of the same data; without one, the closed-form update of the derivation is
iterated from a starting value inside the parameter space and its last iterate compared with
that maximizer. Each comparison is a ``Check`` added to the derivation.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from derive.certify.numeval import numeric_value
from derive.core.contract import Check, NotComputed, Plausible, Refuted, Unknown
from derive.core.errors import DataError, UsageError
from derive.likelihood.model import DataEstimate, DataFit, Iterate, MleDerivation, MleProblem
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
                             support=problem.support, rng=np.random.default_rng(seed), relations=problem.relations)
    fitted = _Fitted(path.name, column, data, int(values.size))
    if d.closed_form:
        holds = {str(c): _holds(c, data, values.size) for c in [*d.condition_relations, *(c for _, _, c in d.cases)]}
        empty = [c for p, v, c in d.cases if v is None and holds[str(c)]]
        if empty:  # the root beyond an open end: the log-likelihood has no maximum on the space
            note = (f"no estimate on the data: on {path.name} the root of the score equation lies beyond an open "
                    "end of the parameter space, where the log-likelihood has no maximum on the space (the cases "
                    "under the estimator)")
            return replace(d, notes=d.notes + (note,), checks=d.checks + (Check(
                name="estimate on the data", certificate=NotComputed("no maximum on the parameter space"),
                detail=note),))
        failed = [c for c in d.condition_relations if not holds[str(c)]]
        if d.cases and not any(holds[str(c)] for _, _, c in d.cases):
            failed.append(sp.And(*(c for _, _, c in d.cases)))  # no case covers these data
        if failed:  # the closed form lies outside the space on these data: it is not the estimate
            d = replace(d, notes=d.notes + (
                f"the closed form is not the estimate on the data: on {path.name} it lies outside the parameter "
                "space (a condition under the estimator fails), so the estimate is the numeric maximum over the space",))
            return _numeric_only(d, ref, logf, values, seed, fitted, why="")
        est = [float(numeric_value(v, {N: float(values.size)}, data=data)) for v in d.estimator if v is not None]
        diff = max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(est, ref))
        detail = "; ".join(f"{p} = {a:.10g} (numeric {b:.10g})" for p, a, b in zip(problem.params, est, ref))
        verdict = (Plausible(1, f"the {values.size} rows of {path.name}", diff) if diff < 1e-3 else
                   Refuted((("data", path.name),), "closed form", "numeric maximum"))
        d = replace(d, checks=d.checks + (Check(name="estimate on the data", certificate=verdict, detail=detail),))
        return with_standard_errors(d, dict(zip(problem.params, est)), "closed form", fitted)
    update, method = (d.newton, "Newton-Raphson") if d.newton else (d.scoring, "Fisher scoring")
    if not update:
        return _numeric_only(d, ref, logf, values, seed, fitted)
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
    d = replace(d, iterates=tuple(iterates), iteration_method=method, checks=d.checks + (check,))
    if not (ok and diff < 1e-4):
        return d  # the iterates missed the maximum (refuted above): no number is presented as the estimate
    return with_standard_errors(d, {p: last[p] for p in problem.params}, method, fitted)


@dataclass(frozen=True, slots=True)
class _Fitted:
    """The data the estimates are on: the file name, the column, the arrays by base, n."""

    file: str
    column: str
    data: Mapping[sp.IndexedBase, Any]
    n: int


def _at_closed_end(problem: MleProblem, p: sp.Symbol, v: float) -> bool:
    """``v`` is (to 1e-7) a closed end of the domain of ``p`` (``theta >= 0`` at 0)."""
    d = problem.domain(p.name)
    if d is None:
        return False
    return any(b is not None and not strict and abs(v - b) <= 1e-7 * max(1.0, abs(b))
               for b, strict in ((d.lower, d.lower_strict), (d.upper, d.upper_strict)))


def _holds(c: sp.Basic, data: Mapping[sp.IndexedBase, Any], n: int) -> bool:
    """A condition on the statistics (``xbar >= 0``) evaluated on the data."""
    return bool(float(numeric_value(c, {N: float(n)}, data=data)) == 1.0)


def _numeric_only(d: MleDerivation, ref: np.ndarray, logf: sp.Expr, values: np.ndarray, seed: int,
                  fitted: _Fitted, why: str = "no closed form and no update to iterate: ") -> MleDerivation:
    """No closed form and no update (no root inside the space, or none derived): the numeric maximum is the
    estimate, checked by a second maximization from other random starts."""
    problem = d.problem
    again, _ = maximize_loglik(logf, problem.var, problem.params, problem.space, values, known={},
                               support=problem.support, rng=np.random.default_rng(seed + 1),
                               relations=problem.relations)
    diff = max(abs(float(a) - float(b)) / max(1.0, abs(float(b))) for a, b in zip(ref, again))
    detail = ", ".join(f"{p} = {float(a):.10g} (again {float(b):.10g})" for p, a, b in zip(problem.params, ref, again))
    verdict = (Plausible(2, "maximizations of the log-likelihood on the data from independent random starts", diff)
               if diff < 1e-4 else Unknown("two numeric maximizations of the data disagree"))
    d = replace(d, notes=d.notes + (why + "the estimate on the data is the numeric maximum of the log-likelihood",),
                checks=d.checks + (Check(name="numeric maximum on the data", certificate=verdict, detail=detail),))
    if isinstance(verdict, Unknown):
        return d
    return with_standard_errors(d, dict(zip(problem.params, map(float, ref))), "numeric maximization", fitted)


def with_standard_errors(d: MleDerivation, at: Mapping[sp.Symbol, float], method: str,
                         fitted: _Fitted) -> MleDerivation:
    """``d`` with the estimates ``at`` and their standard errors on the data (``DataFit``).

    The observed information is minus the Hessian of the log-likelihood (SymPy's second derivatives)
    at the estimate, checked against central differences of the log-likelihood itself; the expected
    information is the derivation's, at the estimate. Each standard error is the square root of a
    diagonal entry of the inverse; one that does not exist (regularity fails, the information is not
    positive definite or not derived) is None and a note says why.
    """
    problem = d.problem
    params = list(problem.params)
    notes: list[str] = []
    checks: list[Check] = []
    se_obs: list[float | None] = [None] * len(params)
    se_exp: list[float | None] = [None] * len(params)
    ends = [p for p in params if _at_closed_end(problem, p, float(at[p]))]
    if ends:
        notes.append("standard errors not given: the estimate of " + ", ".join(map(str, ends)) + " is at an end of "
                     "the parameter space, where the estimator is not asymptotically normal and the information "
                     "does not give its variance")
    elif d.method in ("boundary", "subgradient"):
        notes.append("standard errors not given: the estimate is on the boundary of the support or at a kink, where "
                     "the log-likelihood is not differentiable and the information does not give the variance")
    else:
        observed = _observed_information(d, at, fitted)
        checks.append(_finite_difference_check(d, at, fitted, observed))
        se_obs = _standard_errors(observed)
        if any(v is None for v in se_obs):
            notes.append("standard errors from the observed information not given: it is not positive definite at "
                         "the estimate")
        if d.fisher_expected is None:
            notes.append("standard errors from the expected information not given: it is not derived (see above)")
        else:
            expected = _expected_information(d, at, fitted)
            se_exp = _standard_errors(expected)
            if any(v is None for v in se_exp):
                notes.append("standard errors from the expected information not given: it is not positive definite "
                             "at the estimate")
    estimates = tuple(DataEstimate(p.name, float(at[p]), se_obs[k], se_exp[k]) for k, p in enumerate(params))
    fit = DataFit(fitted.file, fitted.column, fitted.n, method, estimates)
    return replace(d, data=fit, notes=d.notes + tuple(notes), checks=d.checks + tuple(checks))


def _observed_information(d: MleDerivation, at: Mapping[sp.Symbol, float], fitted: _Fitted) -> np.ndarray:
    params = list(d.problem.params)
    k = len(params)
    out = np.full((k, k), math.nan)
    for a in range(k):
        for b in range(a, k):
            e = sp.diff(d.loglik, params[a], params[b])
            out[a, b] = out[b, a] = -loglik_value(d, dict(at), fitted.data, fitted.n, expr=e)
    return out


def _expected_information(d: MleDerivation, at: Mapping[sp.Symbol, float], fitted: _Fitted) -> np.ndarray:
    info = d.fisher_expected
    assert info is not None
    vals = {**at, N: float(fitted.n)}
    try:
        return np.asarray([[float(numeric_value(info[a, b], vals)) for b in range(info.shape[1])]
                           for a in range(info.shape[0])], dtype=float)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return np.full(info.shape, math.nan)


def _standard_errors(info: np.ndarray) -> list[float | None]:
    """``sqrt(diag(inv(info)))`` when ``info`` is finite and positive definite, else Nones."""
    k = info.shape[0]
    if not np.all(np.isfinite(info)):
        return [None] * k
    try:
        np.linalg.cholesky(info)
    except np.linalg.LinAlgError:
        return [None] * k
    cov = np.linalg.inv(info)
    return [float(math.sqrt(cov[j, j])) if cov[j, j] > 0 else None for j in range(k)]


def _step(problem: MleProblem, p: sp.Symbol, v: float) -> float:
    """A difference step for ``p`` at ``v``: relative to ``v`` and to its distance from each end of the
    parameter's domain (the log-likelihood's scale there: a variance of 1e-4 needs a step of 1e-7,
    not 1e-5, which is a tenth of it), so the step stays inside the domain both ways."""
    h = 1e-3 * max(abs(v), 1e-2)
    dom = problem.domain(p.name)
    for bound in (() if dom is None else (dom.lower, dom.upper)):
        if bound is not None and v != bound:
            h = min(h, 1e-3 * abs(v - bound))
    return h


def _finite_difference_check(d: MleDerivation, at: Mapping[sp.Symbol, float], fitted: _Fitted,
                             observed: np.ndarray) -> Check:
    """The observed information against central second differences of the log-likelihood at the estimate."""
    params = list(d.problem.params)
    base = dict(at)

    def ll(shift: Mapping[sp.Symbol, float]) -> float:
        return loglik_value(d, {p: base[p] + shift.get(p, 0.0) for p in params}, fitted.data, fitted.n)

    worst = 0.0
    for a, pa in enumerate(params):
        for b, pb in enumerate(params):
            if b < a:
                continue
            ha, hb = _step(d.problem, pa, base[pa]), _step(d.problem, pb, base[pb])
            if a == b:
                fd = (ll({pa: ha}) - 2 * ll({}) + ll({pa: -ha})) / ha**2
            else:
                fd = (ll({pa: ha, pb: hb}) - ll({pa: ha, pb: -hb}) - ll({pa: -ha, pb: hb})
                      + ll({pa: -ha, pb: -hb})) / (4 * ha * hb)
            exact = -observed[a, b]
            if not (math.isfinite(fd) and math.isfinite(exact)):
                return Check(name="observed information on the data", certificate=Unknown(
                    "the log-likelihood or its second derivatives cannot be evaluated near the estimate"))
            err = abs(fd - exact) / max(1.0, abs(exact), abs(fd))
            worst = max(worst, err)
            if err > 1e-3:
                return Check(name="observed information on the data", certificate=Refuted(
                    ((str(pa), f"{base[pa]:.6g}"), (str(pb), f"{base[pb]:.6g}")), f"{exact:.8g}",
                    f"central differences {fd:.8g}"))
    return Check(name="observed information on the data",
                 certificate=Plausible(1, "central second differences of the log-likelihood at the estimate", worst),
                 detail=", ".join(f"{p} = {base[p]:.10g}" for p in params))


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
    """The log-likelihood (or ``expr``) at ``at`` on ``data``; nan where it cannot be evaluated. With an
    unknown base measure ``h``, up to the constant ``Sum log h(x_i)`` (``h`` taken as 1)."""
    e = d.problem.stand_in(d.loglik if expr is None else expr, one=True)
    try:
        return float(numeric_value(e, {**at, N: float(n)}, data=data))
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
