"""The least-squares part of the Python API: ``derive.ls(model, ...)``.

Composes the model (engine/lsq) -> parse -> the matrix engine -> certification (steps at
random sizes, the estimator against numpy's lstsq, the consequences) in a budget worker, and
optionally fits the derived formula to a CSV file beside the reference solver.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

import numpy as np

from derive.core.budget import Budget, check_budget
from derive.core.checks import check_bool, check_number, check_path, check_text, check_text_map, check_texts
from derive.core.runner import run_bounded
from derive.core.errors import DataError, UsageError
from derive.matrix import expr as M
from derive.lsq.model import DataFit, LsSolution
from derive.lsq.simple_model import SimpleSolution
from derive.core.contract import Result


@dataclass(frozen=True, slots=True)
class LsResult(Result):
    """A certified least-squares derivation: ``.estimator``, ``.conditions``, ``.to_latex()``, ..."""

    solution: LsSolution

    @property
    def data(self) -> LsSolution:
        return self.solution

    @property
    def source(self) -> str:
        return self.solution.model.objective

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
    def certified(self) -> bool:
        return self.solution.certified



@dataclass(frozen=True, slots=True)
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
        from derive.render.simple_regression_out import estimator_text

        return estimator_text(self.solution)

    @property
    def conditions(self) -> tuple[str, ...]:
        return self.solution.conditions

    @property
    def certified(self) -> bool:
        return self.solution.certified



@dataclass(frozen=True, slots=True)
class DataSpec:
    """Columns of a CSV file to fit: the regressors, the response, optional weights, the penalty."""

    path: Path
    x: tuple[str, ...]
    y: str
    weights: str = ""
    lam: float | None = None
    intercept: bool = False


def _fit(sol: LsSolution, spec: DataSpec) -> DataFit:
    """Evaluate the derived estimator on the data, beside the reference solver."""
    from derive.lsq.certify import reference_solution
    from derive.matrix.numeric import Point, Undefined, evaluate
    from derive.parse.data import read_columns

    m = sol.model
    if m.kind == "constrained":
        raise UsageError("--data with constrained needs the constraint C b = d, which CSV columns cannot give",
                         hint="fit ols to data, or call derive.ls('constrained') for the derivation alone")
    if m.kind == "gls":
        raise UsageError("--data with gls needs the error covariance, which a CSV column cannot give",
                         hint="fit ols, ridge or wls to data")
    if m.kind == "wls" and not spec.weights:
        raise UsageError("wls with --data needs --weights COL", hint="name the column of observation weights")
    if m.kind == "ridge" and spec.lam is None:
        raise UsageError("ridge with --data needs --lam VALUE", hint="give the penalty, e.g. --lam 0.5")
    cols = list(spec.x) + [spec.y] + ([spec.weights] if spec.weights else [])
    data = read_columns(spec.path, cols)
    columns = [data[c] for c in spec.x]
    names = tuple(spec.x)
    if spec.intercept:  # a column of ones: its coefficient is the intercept
        columns.insert(0, [1.0] * len(columns[0]))
        names = ("(intercept)",) + names
    X = np.column_stack(columns)
    y = np.asarray(data[spec.y])[:, None]
    values = {m.design: X, m.response: y}
    if m.kind == "wls":
        w = np.asarray(data[spec.weights])
        if np.any(w <= 0):
            raise DataError(f"{spec.path}: the weights in column {spec.weights!r} must be positive")
        values[m.weights] = np.diag(w)
    syms = {s.name: s for s in M.symbols(sol.derivation.function)}
    dims = {next(iter(syms[m.design].rows.free_symbols)): X.shape[0], next(iter(syms[m.design].cols.free_symbols)): X.shape[1]}
    lam = spec.lam if spec.lam is not None else 0.0
    scalars = {s: lam for s in M.scalar_symbols(sol.derivation.function) if s.name == m.penalty}
    pt = Point(dims, values, scalars, {}, "data", max_cond=1e14)
    ref = reference_solution(sol, pt, lam)
    try:
        est = evaluate(sol.estimator, pt)
    except Undefined:
        rank = int(np.linalg.matrix_rank(X))
        why = (f"X has {X.shape[0]} rows and {X.shape[1]} columns of rank {rank}" if rank < X.shape[1] else
               f"X has full column rank but its Gram matrix is too badly conditioned for the closed form "
               f"(condition number {np.linalg.cond(X.T @ X):.1e})")
        raise DataError(f"{spec.path}: the closed form does not apply to these data",
                        hint=f"{why}; remove collinear columns, centre and scale them, or use ridge") from None
    diff = float(np.max(np.abs(est - ref)))
    return DataFit(names, tuple(float(v) for v in est.ravel()), tuple(float(v) for v in ref.ravel()),
                   "numpy.linalg.lstsq" + ("" if m.kind == "ols" else " on the augmented or weighted system"),
                   X.shape[0], diff)


def _fit_simple(sol: SimpleSolution, spec: DataSpec) -> DataFit:
    """The derived slope and intercept on one regressor column, beside lstsq on [1, x]."""
    from derive.lsq.certify_simple import ConditionFails, estimate, reference
    from derive.parse.data import read_columns

    if len(spec.x) != 1:
        raise UsageError(f"simple regression takes one regressor column, got {len(spec.x)}: {', '.join(spec.x)}",
                         hint="use --model ols --intercept for several columns")
    if spec.weights or spec.lam is not None:
        raise UsageError("--weights and --lam do not go with --model simple")
    data = read_columns(spec.path, [spec.x[0], spec.y])
    x, y = np.asarray(data[spec.x[0]]), np.asarray(data[spec.y])
    try:
        a, b = estimate(sol, x, y)
    except ConditionFails as exc:
        raise DataError(f"{spec.path}: the closed form does not apply to these data",
                        hint=f"{exc}; the slope needs at least two different values in column {spec.x[0]!r}") from None
    ref = reference(x, y)
    return DataFit((f"{sol.names.a} (intercept)", f"{sol.names.b} (slope)"), (a, b), ref,
                   "numpy.linalg.lstsq on [1, x]", len(x), max(abs(a - ref[0]), abs(b - ref[1])))


def simple_job(names: tuple[tuple[str, str], ...], data: DataSpec | None, budget: Budget) -> SimpleSolution:
    """Derive, certify and (optionally) fit simple regression (runs inside the budget worker)."""
    from derive.lsq.certify_simple import certify_steps, solver_checks
    from derive.lsq.simple import simple_names, simple_regression

    clock = budget.start()
    sol = simple_regression(simple_names(dict(names)), clock)
    sol = certify_steps(sol, clock)
    sol = replace(sol, solver_checks=solver_checks(sol, clock))
    if data is not None:
        sol = replace(sol, data_fit=_fit_simple(sol, data))
    return sol


def ls_job(kind: str, names: tuple[tuple[str, str], ...], data: DataSpec | None, budget: Budget) -> LsSolution:
    """Derive, certify and (optionally) fit one model (runs inside the budget worker)."""
    from derive.lsq.certify import certify_consequence, solver_checks
    from derive.matrix.certify import certify_matrix_gradient
    from derive.lsq.models import least_squares, ls_model
    from derive.parse.shapes import merge_shapes
    from derive.parse.declarations import merge_domains, parse_where
    from derive.matrix.read_text import parse_matrix
    from derive.parse.let import parse_let

    clock = budget.start()
    model = ls_model(kind, dict(names))
    domains = merge_domains(d for t in model.wheres for d in parse_where(t))
    shapes = merge_shapes(parse_let(t) for t in model.lets)
    f = parse_matrix(model.objective, shapes, domains)
    sol = least_squares(model, f, clock, shapes=tuple(shapes.values()))
    sol = replace(sol, derivation=certify_matrix_gradient(sol.derivation, clock, domains))
    sol = replace(sol, consequences=tuple(replace(c, certificate=certify_consequence(c, sol, clock, 10 + i))
                                          for i, c in enumerate(sol.consequences)),
                  solve_steps=tuple(replace(c, certificate=certify_consequence(c, sol, clock, 30 + i))
                                    for i, c in enumerate(sol.solve_steps)))
    sol = replace(sol, solver_checks=solver_checks(sol, clock))
    if data is not None:
        sol = replace(sol, data_fit=_fit(sol, data))
    return sol


def ls(model: str = "ols", *, names: Mapping[str, str] | None = None, data: str | Path | None = None,
       x: Sequence[str] | str = (), y: str = "", weights: str = "", lam: float | None = None,
       intercept: bool = False, budget: Budget | None = None) -> LsResult | SimpleResult:
    """Derive a least-squares estimator step by step, certified, and optionally fit it to a CSV file.

    ``model`` is ols, simple, ridge, wls, gls or constrained; ``names`` renames X, y, b, lam, W,
    Sigma, C, d, mu (for simple: x, y, a, b); simple returns a ``SimpleResult``. With ``data``,
    ``x`` names the regressor columns and ``y`` the response; ``intercept`` adds a column of ones
    to X (the formula is the same: its first coefficient is the intercept).
    """
    check_text(model, "model", example="ols")
    names = None if names is None else check_text_map(names, "names", example=("b", "beta"))
    x = check_text(x, "x", empty=True, example="x1,x2") if isinstance(x, str) else check_texts(x, "x", example="x1")
    check_text(y, "y", empty=True, example="y")
    check_text(weights, "weights", empty=True, example="w")
    if lam is not None:
        check_number(lam, "lam", 0.0, 1e12, lo_open=True)
    check_bool(intercept, "intercept")
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
    if data is not None:
        cols = tuple(c.strip() for c in x.split(",")) if isinstance(x, str) else tuple(x)
        if not cols or not y:
            raise UsageError("--data needs --x COLS and --y COL", hint="e.g. --x dist,angle --y height")
        spec = DataSpec(Path(data), cols, y, weights, lam, intercept)
    if model == "simple":
        if intercept:
            raise UsageError("--intercept does not go with --model simple: its line always has one",
                             hint="drop --intercept")
        simple = run_bounded(simple_job, tuple(sorted((names or {}).items())), spec, budget, budget=budget,
                             what="the simple-regression derivation")
        return SimpleResult(simple)
    sol = run_bounded(ls_job, model, tuple(sorted((names or {}).items())), spec, budget, budget=budget,
                      what="the least-squares derivation")
    return LsResult(sol)
