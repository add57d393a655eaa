"""A derived least-squares estimator fitted to the columns of a CSV file, beside the model's reference solver.

The estimator is evaluated as derived (the closed form, on the data); the reference solver is the
model's own numeric one, which never uses the closed form. Where the closed form does not apply
(a rank-deficient or numerically singular design), the fit is refused with the reason.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from derive.core.errors import DataError
from derive.lsq.model import DataFit, DataSpec, LsSolution
from derive.matrix import expr as M
from derive.matrix.numeric import Point, Undefined, evaluate
from derive.parse.data import read_columns


def fit_matrix_model(model: Any, sol: LsSolution, spec: DataSpec) -> DataFit:
    """Evaluate the derived estimator of a matrix model on the data, beside the reference solver."""
    data = read_columns(spec.path, model.data_columns(spec))
    columns = [data[c] for c in spec.x]
    names = tuple(spec.x)
    if spec.intercept:  # a column of ones: its coefficient is the intercept
        columns.insert(0, [1.0] * len(columns[0]))
        names = ("(intercept)",) + names
    X = np.column_stack(columns)
    y = np.asarray(data[spec.y])[:, None]
    values = {model.names["X"]: X, model.names["y"]: y, **model.data_values(data, spec, X.shape[0])}
    n_dim, p_dim = model.dimensions()[:2]
    lam = spec.lam if spec.lam is not None else 0.0
    scalars = {s: lam for s in M.scalar_symbols(sol.derivation.function) if s.name == model.names.get("lam")}
    pt = Point({n_dim: X.shape[0], p_dim: X.shape[1]}, values, scalars, {}, "data", max_cond=1e14)
    ref = model.reference(values, lam)
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
                   model.reference_name, X.shape[0], diff)


def fit_simple(sol: Any, spec: DataSpec) -> DataFit:
    """The derived slope and intercept on one regressor column, beside lstsq on [1, x]."""
    from derive.lsq.certify_simple import ConditionFails, estimate, reference

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
