"""The maximum-likelihood part of the Python API: ``derive.mle(density, params=..., ...)``.

Composes parse (density, support, parameter space, or a family name that expands to them) ->
engine (the derivation) -> certify (steps on random samples, the estimator against numeric
maximization, the information against the score's Monte-Carlo variance) in a budget worker,
and with ``data`` evaluates the estimator on a CSV column or, without a closed form, runs
Newton-Raphson / Fisher scoring on it and reports the iterates.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import sympy as sp

from derive.core.budget import Budget, check_budget
from derive.core.checks import check_int, check_number_map, check_optional_text, check_path, check_text, check_texts
from derive.core.runner import run_bounded
from derive.core.errors import DataError, UsageError
from derive.likelihood.model import Iterate, MleDerivation, MleProblem, NumericCheck
from derive.render.result import Result


@dataclass(frozen=True, slots=True)
class MleResult(Result):
    """A certified MLE derivation: ``.estimator``, ``.to_latex()``, ``.to_json()``, ..."""

    text_width: ClassVar[int] = 110
    derivation: MleDerivation

    @property
    def data(self) -> MleDerivation:
        return self.derivation

    @property
    def source(self) -> str:
        return self.derivation.problem.source

    @property
    def estimator(self) -> dict[str, sp.Expr | None]:
        d = self.derivation
        return {p.name: v for p, v in zip(d.problem.params, d.estimator)}

    @property
    def certified(self) -> bool:
        return self.derivation.certified



@dataclass(frozen=True, slots=True)
class MleRequest:
    """What the user asked for, as text (parsed inside the worker)."""

    density: str
    params: tuple[str, ...]
    var: str | None
    support: str | None
    where: tuple[str, ...]
    prior: str | None
    functions: tuple[str, ...]
    data: Path | None
    column: str | None
    start: tuple[tuple[str, float], ...]
    seed: int


def _functions(texts: Sequence[str], problem: MleProblem) -> list[tuple[str, sp.Expr]]:
    from derive.parse.auto import parse_expression

    doms = {d.name: d for d in problem.space}
    out = []
    for t in texts:
        e = parse_expression(t, doms)
        byname = {p.name: p for p in problem.params}
        e = e.xreplace({s: byname[s.name] for s in e.free_symbols if s.name in byname})
        stray = [s.name for s in e.free_symbols if s.name not in byname]
        if stray:
            raise UsageError(f"--of {t!r}: {', '.join(sorted(stray))} is not a parameter",
                             hint="a function of the parameters only, e.g. --of 'sqrt(sigma2)'")
        out.append((t, e))
    return out


def mle_job(req: MleRequest, budget: Budget) -> MleDerivation:
    """Parse, derive, certify, and use the data (runs inside the budget worker)."""
    from derive.likelihood.certify import certify_mle
    from derive.likelihood.derivation import derive_mle
    from derive.likelihood.density import check_density
    from derive.likelihood.read import read_problem

    clock = budget.start()
    problem = read_problem(req.density, req.params, req.var, req.support, list(req.where), req.prior)
    check_density(problem)
    d = derive_mle(problem, clock, _functions(req.functions, problem))
    d = certify_mle(d, clock, seed=req.seed)
    if req.data is not None:
        d = _use_data(d, req)
    return d


def _use_data(d: MleDerivation, req: MleRequest) -> MleDerivation:
    """The estimate on the data; without a closed form, Newton-Raphson (or Fisher scoring) iterates."""
    import numpy as np

    from derive.likelihood.numeric import iterate, maximize_loglik
    from derive.certify.numeval import numeric_value
    from derive.likelihood.sums import N, sample_base
    from derive.parse.data import read_columns

    problem = d.problem
    column = req.column or problem.var.name
    assert req.data is not None
    values = np.asarray(read_columns(req.data, [column])[column], dtype=float)
    if values.size == 0:
        raise DataError(f"{req.data}: no rows", hint="the file has a header but no data")
    _check_support(values, problem, req.data, column)
    base = sample_base(problem.var)
    data = {base: values}
    known = set(problem.constants)
    if known:
        raise UsageError(f"--data needs values for the known constants {', '.join(sorted(map(str, known)))}",
                         hint="put the constants' values in the density, e.g. binomial(10, x) p^x (1-p)^(10-x)")
    from derive.likelihood.certify import objective

    logf = objective(problem, int(values.size))
    ref, _ = maximize_loglik(logf, problem.var, problem.params, problem.space, values, known={},
                                support=problem.support, rng=np.random.default_rng(req.seed))
    if d.closed_form:
        est = [float(numeric_value(v, {N: float(values.size)}, data=data)) for v in d.estimator if v is not None]
        diff = max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(est, ref))
        detail = "; ".join(f"{p} = {a:.10g} (numeric {b:.10g})" for p, a, b in zip(problem.params, est, ref))
        from derive.core.contract import Plausible, Refuted
        verdict = (Plausible(1, f"the {values.size} rows of {req.data.name}", diff) if diff < 1e-3 else
                   Refuted((("data", req.data.name),), "closed form", "numeric maximum"))
        return replace(d, checks=d.checks + (NumericCheck("estimate on the data", verdict, detail),))
    update, method = (d.newton, "Newton-Raphson") if d.newton else (d.scoring, "Fisher scoring")
    if not update:
        return replace(d, notes=d.notes + ("no closed-form update to run on the data",))
    iter_params = list(d.newton_params) if d.newton else list(problem.params)
    start = dict(req.start)
    x0v = [start[p.name] if p.name in start else _default_start(p, problem, values) for p in iter_params]
    its = iterate(list(update), iter_params, x0v, data, n=float(values.size))
    iterates = []
    for k, vals in enumerate(its):
        at = dict(zip(iter_params, (float(v) for v in vals)))
        for p, e in d.profile:  # the profiled parameters at this iterate (beta = alpha / xbar)
            at[p] = _loglik_value(d, at, data, values.size, expr=e)
        ll = _loglik_value(d, at, data, values.size)
        shown = tuple(float(at.get(p, math.nan)) for p in problem.params)  # every parameter, in order
        iterates.append(Iterate(k, shown, ll, 0.0 if k == 0 else
                                float(max(abs(a - b) for a, b in zip(vals, its[k - 1])))))
    last = {p: float(v) for p, v in zip(iter_params, its[-1])} if iterates else {}
    ok = bool(iterates) and all(math.isfinite(v) for v in iterates[-1].values)
    refd = dict(zip(problem.params, (float(r) for r in ref)))
    diff = max((abs(last[p] - refd[p]) / max(1.0, abs(refd[p])) for p in iter_params), default=math.inf) if ok else math.inf
    from derive.core.contract import Plausible, Refuted
    verdict = (Plausible(len(iterates), f"{method} from {', '.join(f'{p} = {v:.4g}' for p, v in zip(iter_params, x0v))}",
                         diff) if diff < 1e-4 else
               Refuted((("start", ", ".join(f"{p} = {v:.4g}" for p, v in zip(iter_params, x0v))),),
                       "last iterate " + ", ".join(f"{p} = {last.get(p, math.nan):.8g}" for p in iter_params),
                       "numeric maximum " + ", ".join(f"{p} = {refd[p]:.8g}" for p in iter_params)))
    if ok and d.newton:  # the profiled parameters from the last iterate (beta = alpha / xbar)
        for p, e in d.profile:
            last[p] = float(numeric_value(e, {**last, N: float(values.size)}, data=data))
    detail = ", ".join(f"{p} = {last[p]:.10g} (numeric {refd[p]:.10g})" for p in problem.params if p in last)
    check = NumericCheck(f"{method} on the data vs numeric maximization", verdict, detail)
    return replace(d, iterates=tuple(iterates), iteration_method=method, checks=d.checks + (check,))


def _default_start(p: sp.Symbol, problem: MleProblem, values: object) -> float:
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


def _loglik_value(d: MleDerivation, at: dict[sp.Symbol, float], data: Mapping[sp.IndexedBase, Any], n: int,
                  expr: sp.Expr | None = None) -> float:
    from derive.certify.numeval import numeric_value
    from derive.likelihood.sums import N

    try:
        return float(numeric_value(d.loglik if expr is None else expr, {**at, N: float(n)}, data=data))
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return math.nan


def _check_support(values: object, problem: MleProblem, path: Path, column: str) -> None:
    """Every data value must lie in the support (ends free of parameters)."""
    import numpy as np

    from derive.certify.numeval import numeric_value

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


def mle(density: str, *, params: Sequence[str] | str = (), var: str | None = None, support: str | None = None,
        where: Sequence[str] | str = (), prior: str | None = None, of: Sequence[str] | str = (),
        data: str | Path | None = None, column: str | None = None, start: dict[str, float] | None = None,
        seed: int = 0, budget: Budget | None = None) -> MleResult:
    """Derive a maximum-likelihood estimator step by step, certified against numbers.

    ``density`` is a density or mass function in ``var`` (plain text or LaTeX) or a family name
    (``bernoulli``, ``normal``, ``gamma``...); ``params`` are the parameters to estimate;
    ``support`` (``'x in {0,1}'``, ``'x > 0'``, ``'0 < x < theta'``) and ``where`` (``'0 < p < 1'``)
    declare the support and the parameter space; ``prior`` a prior density (MAP); ``of`` functions
    of the parameters (invariance); ``data`` a CSV file whose ``column`` (default: the variable's
    name) holds the sample.
    """
    check_text(density, "density", example="normal")
    ps = check_texts(params, "params", example="theta")
    var = check_optional_text(var, "var", example="x")
    support = check_optional_text(support, "support", example="x > 0")
    ws = check_texts(where, "where", example="0 < p < 1")
    prior = check_optional_text(prior, "prior", example="lam^(a-1) exp(-b lam)")
    fs = check_texts(of, "of", example="sqrt(sigma2)")
    column = check_optional_text(column, "column", example="x")
    start = None if start is None else check_number_map(start, "start", example=("alpha", 2.0))
    check_int(seed, "seed", 0, 2**32 - 1)
    budget = check_budget(budget, Budget(seconds=90.0))
    if data is None and (column is not None or start):
        raise UsageError("column and start go with data", hint="pass data='sample.csv' (--data FILE.csv)")
    if data is not None:
        from derive.parse.data import check_file

        data = check_path(data, "data")
        check_file(Path(data), "data")
    req = MleRequest(density, ps, var, support, ws, prior, fs, None if data is None else Path(data), column,
                     tuple(sorted((start or {}).items())), seed)
    d = run_bounded(mle_job, req, budget, budget=budget, what="the maximum-likelihood derivation")
    return MleResult(d)
