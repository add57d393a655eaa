"""The least-squares part of the Python API: ``derive.ls(model, ...)``.

Composes, in a budget worker: the model (``lsq.models``: its objective as an expression) -> its
derivation (the matrix engine, or the summation form for ``simple``) -> certification (steps at
random sizes, the consequences, the estimator against the model's numeric solver) -> optionally
the fit of the derived formula to a CSV file beside that solver (``lsq.fit``).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

from derive.core.budget import Budget, check_budget
from derive.core.checks import check_bool, check_number, check_path, check_text, check_text_map, check_texts
from derive.core.errors import UsageError
from derive.core.memo import memo
from derive.core.runner import run_bounded
from derive.lsq.model import DataSpec, LsSolution, RegressionSummary
from derive.render.result import Result
from derive.lsq.simple_model import SimpleSolution
from derive.matrix import expr as M


@dataclass(frozen=True, slots=True, repr=False)
class LsResult(Result):
    """A certified least-squares derivation: ``.estimator``, ``.conditions``, ``.to_latex()``, ..."""

    solution: LsSolution

    @property
    def data(self) -> LsSolution:
        return self.solution

    @property
    def source(self) -> str:
        return M.plain(self.solution.derivation.function)

    @property
    def title(self) -> str:
        return self.solution.model.title

    @property
    def estimator(self) -> M.Node:
        return self.solution.estimator

    @property
    def conditions(self) -> tuple[str, ...]:
        return self.solution.conditions

    @property
    def summary(self) -> RegressionSummary | None:
        """R's summary(lm) of the fit to data (``.rows``, ``.sigma``, ``.r_squared``, ...); None without data."""
        fit = self.solution.data_fit
        return None if fit is None else fit.summary


@dataclass(frozen=True, slots=True, repr=False)
class SimpleResult(Result):
    """Certified simple regression in summation form: ``.slope``, ``.intercept``, ``.to_latex()``, ..."""

    solution: SimpleSolution

    @property
    def data(self) -> SimpleSolution:
        return self.solution

    @property
    def source(self) -> str:
        n = self.solution.names
        return f"minimize sum of ({n.y}_i - {n.a} - {n.b} {n.x}_i)^2"

    @property
    def title(self) -> str:
        return "simple linear regression"

    @property
    def slope(self) -> object:
        """S_xy/S_xx (a SymPy expression; ``.solution.definitions`` gives the sums)."""
        return self.solution.slope

    @property
    def intercept(self) -> object:
        return self.solution.intercept

    @property
    def estimator(self) -> str:
        """``b = S_xy/S_xx, a = ybar - b*xbar`` (the JSON contract's one string)."""
        return self.solution.estimator_text()

    @property
    def conditions(self) -> tuple[str, ...]:
        return self.solution.conditions

    @property
    def summary(self) -> RegressionSummary | None:
        """R's summary(lm) of the fit to data (``.rows``, ``.sigma``, ``.r_squared``, ...); None without data."""
        fit = self.solution.data_fit
        return None if fit is None else fit.summary


def ls_job(name: str, names: tuple[tuple[str, str], ...], data: DataSpec | None, budget: Budget
           ) -> LsSolution | SimpleSolution:
    """Derive, certify and (optionally) fit one model (runs inside the budget worker)."""
    from derive.lsq.models import model_class

    clock = budget.start()
    model = model_class(name)(dict(names))
    if data is not None:
        model.data_columns(data)  # what the model cannot take from a file is refused before any derivation
    sol = model.derive(clock)
    sol = model.certify(sol, clock)
    if data is not None:
        sol = replace(sol, data_fit=model.fit(sol, data, clock))
        from derive.lsq.summary import certify_fit_summary

        sol = certify_fit_summary(model, sol, data, clock)  # R's summary(lm), its formulas certified under the budget
    return sol


def ls(model: str = "ols", *, names: Mapping[str, str] | None = None, data: str | Path | None = None,
       x: Sequence[str] | str = (), y: str = "", weights: str = "", lam: float | None = None,
       intercept: bool = False, penalize_intercept: bool = False,
       budget: Budget | None = None) -> LsResult | SimpleResult:
    """Derive a least-squares estimator step by step, certified, and optionally fit it to a CSV file.

    ``model`` is ols, simple, ridge, wls, gls or constrained; ``names`` renames X, y, b, lam, W,
    Sigma, C, d, mu (for simple: x, y, a, b); simple returns a ``SimpleResult``. With ``data``,
    ``x`` gives the regressors as terms: columns, powers ``x^2``, products ``x1*x2`` and
    ``poly(x, k)`` (one comma-separated text, or a sequence of them); ``y`` the response;
    ``intercept`` adds a column of ones to X (the formula is the same: its first coefficient is
    the intercept). Ridge leaves the intercept unpenalized unless ``penalize_intercept``.
    """
    from derive.lsq.models import model_class

    check_text(model, "model", example="ols")
    names = None if names is None else check_text_map(names, "names", example=("b", "beta"))
    x = check_text(x, "x", empty=True, example="x1,x2") if isinstance(x, str) else check_texts(x, "x", example="x1")
    check_text(y, "y", empty=True, example="y")
    check_text(weights, "weights", empty=True, example="w")
    if lam is not None:
        check_number(lam, "lam", 0.0, 1e12, lo_open=True)
    check_bool(intercept, "intercept")
    check_bool(penalize_intercept, "penalize_intercept")
    budget = check_budget(budget, Budget())
    if data is None and (x or y or weights or intercept):
        raise UsageError("x, y, weights and intercept go with data", hint="pass data='file.csv' (--data FILE.csv)")
    if data is not None:
        from derive.parse.data import check_file

        data = check_path(data, "data")
        check_file(Path(data), "data")
    spec = None
    if lam is not None and not (math.isfinite(lam) and lam > 0):
        raise UsageError(f"--lam {lam}: the ridge penalty must be a positive number", hint="e.g. --lam 0.5")
    if lam is not None and model != "ridge":
        raise UsageError("--lam goes with --model ridge")
    if weights and model != "wls":
        raise UsageError("--weights goes with --model wls")
    if penalize_intercept and not (model == "ridge" and intercept):
        raise UsageError("--penalize-intercept goes with --model ridge and --intercept",
                         hint="ridge leaves the intercept unpenalized unless you ask for this")
    if intercept and model == "simple":
        raise UsageError("--intercept does not go with --model simple: its line always has one", hint="drop --intercept")
    kind = model_class(model)  # an unknown model is refused before the worker starts
    if data is not None:
        from derive.lsq.terms import parse_term_list, parse_terms

        if not (x.strip() if isinstance(x, str) else x) or not y:
            raise UsageError("--data needs --x TERMS and --y COL", hint="e.g. --x dist,angle --y height")
        terms = parse_terms(x) if isinstance(x, str) else parse_term_list(x)
        spec = DataSpec(Path(data), tuple(t.label for t in terms), y, weights, lam, intercept, terms,
                        penalize_intercept)
    named = tuple(sorted((names or {}).items()))
    key = (kind.name, named, budget.max_ops, budget.max_depth, budget.max_work)
    made = _DERIVED.get(key)
    if made is not None and spec is None:
        sol = made
    elif made is not None:  # the same derivation, certified before in this process: only the data is new
        sol = run_bounded(_data_job, kind.name, named, made, spec, budget, budget=budget,
                          what=f"the {kind.title} fit")
    else:
        sol = run_bounded(ls_job, kind.name, named, spec, budget, budget=budget, what=f"the {kind.title} derivation")
        derived = sol if spec is None else replace(sol, data_fit=None)  # ls_job fits after it certifies
        if _result(derived).certified:
            _DERIVED[key] = derived
    if spec is not None:
        from derive.lsq.summary import remember

        remember(kind(dict(named)), sol)
    return _result(sol)


def _result(sol: LsSolution | SimpleSolution) -> LsResult | SimpleResult:
    return SimpleResult(sol) if isinstance(sol, SimpleSolution) else LsResult(sol)


_DERIVED: dict[tuple[str, tuple[tuple[str, str], ...], int, int, int], LsSolution | SimpleSolution] = memo()
"""Certified derivations without data made in this process, by model, names and counted limits: the
one made before is the one that would be made again (one not certified is never kept). A sheet's
plan derives its least-squares models once, and its forked workers inherit them: each variant only
fits its own data."""


def _data_job(name: str, names: tuple[tuple[str, str], ...], sol: LsSolution | SimpleSolution, data: DataSpec,
              budget: Budget) -> LsSolution | SimpleSolution:
    """``ls_job``'s data part on a derivation made before (runs inside the budget worker)."""
    from derive.lsq.models import model_class
    from derive.lsq.summary import certify_fit_summary

    clock = budget.start()
    model = model_class(name)(dict(names))
    model.data_columns(data)
    derived = cast(LsSolution, sol)  # what the model's derive gave (typed so by LsModel, as in ls_job)
    fitted = replace(derived, data_fit=model.fit(derived, data, clock))
    return certify_fit_summary(model, fitted, data, clock)
