"""The maximum-likelihood part of the Python API: ``derive.mle(density, params=..., ...)``.

Composes parse (density, support, parameter space, or a family name that expands to them) ->
engine (the derivation) -> certify (steps on random samples, the estimator against numeric
maximization, the information against the score's Monte-Carlo variance) in a budget worker,
and with ``data`` evaluates the estimator on a CSV column or, without a closed form, runs
Newton-Raphson / Fisher scoring on it and reports the iterates.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import sympy as sp

from derive.core.budget import Budget, check_budget
from derive.core.checks import check_int, check_number_map, check_optional_text, check_path, check_text, check_texts
from derive.core.errors import UsageError
from derive.core.memo import memo
from derive.core.runner import Beside, in_worker, run_bounded
from derive.likelihood.model import MleDerivation, MleProblem
from derive.render.result import Result

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True, slots=True, repr=False)
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
    """Parse, derive, certify, and use the data (runs inside the budget worker).

    SymPy's RNG is seeded first: it shuffles the order of SymPy's assumption queries, and so what
    the parts counted against ``budget.max_work`` count.
    """
    from derive.likelihood.certify import certify_mle, start_maxima
    from derive.likelihood.derivation import derive_mle
    from derive.likelihood.density import check_density
    from derive.likelihood.read import read_problem

    from sympy.core.random import seed

    seed(0)
    clock = budget.start()
    problem = read_problem(req.density, req.params, req.var, req.support, list(req.where), req.prior)
    check_density(problem)
    started: list[Beside[list[tuple[np.ndarray, float]]] | None] = []

    def start() -> None:  # once the derivation has a closed-form estimate to compare with the maxima
        if not started:
            started.append(start_maxima(problem, req.seed, budget))

    try:
        d = derive_mle(problem, clock, _functions(req.functions, problem), on_estimate=start)
    except BaseException:
        for maxima in started:
            if maxima is not None:
                maxima.close()
        raise
    d = certify_mle(d, clock, seed=req.seed, beside=started[0] if started else None)
    if req.data is not None:
        from derive.likelihood.fit import use_data

        d = use_data(d, req.data, req.column, dict(req.start), req.seed)
    return d


def _fresh_mle_job(req: MleRequest, budget: Budget) -> MleDerivation:
    """``mle_job`` in a newly forked budget worker, with SymPy's cache cleared first.

    The worker is a fork of the caller, whose cache (warm after earlier work) would change what
    the counted parts count; clearing it here touches only the worker, never the caller's objects.
    """
    from sympy.core.cache import clear_cache

    clear_cache()
    return mle_job(req, budget)


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
    key = (replace(req, data=None, column=None, start=()), budget.max_ops, budget.max_depth, budget.max_work)
    made = _DERIVED.get(key)
    if made is not None:  # the same derivation, certified before in this process: only the data is new
        if req.data is None:
            return MleResult(made)
        d = run_bounded(_data_job, made, req, budget, budget=budget, what="the estimate on the data")
        return MleResult(d)
    job = mle_job if in_worker() else _fresh_mle_job  # inside a worker already, the job runs inline
    d = run_bounded(job, req, budget, budget=budget, what="the maximum-likelihood derivation")
    if req.data is None and MleResult(d).certified:
        _DERIVED[key] = d
    return MleResult(d)


_DERIVED: dict[tuple[MleRequest, int, int, int], MleDerivation] = memo()
"""Certified derivations without data made in this process, by request and counted limits.

A derivation is a function of its request and the counted limits alone (each runs in a fresh
worker with SymPy's cache cleared and its RNG seeded), so the one made before is the one that
would be made again; one not certified (a time limit cut it) is never kept. A build's plan derives
a sheet's estimators, and its forked workers inherit them: each variant only fits its own sample.
"""


def _data_job(d: MleDerivation, req: MleRequest, budget: Budget) -> MleDerivation:
    """``use_data`` on a derivation made before (runs inside the budget worker): ``mle_job``'s last step."""
    from derive.likelihood.fit import use_data

    if req.data is None:  # pragma: no cover - called with data only
        return d
    return use_data(d, req.data, req.column, dict(req.start), req.seed)
