"""Least squares through the matrix engine: the model's objective, its gradient, the normal equations.

Each model is a general objective handed to the same differential engine as ``derive grad``;
the estimator is the engine's stationary point, not a stored formula. Names are the user's
(validated as identifiers, then parsed by our grammar, never evaluated).
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from ..budget import Clock
from ..errors import UnsupportedError, UsageError
from ..model import matexpr as M
from ..model.lsq import Consequence, LsModel, LsSolution
from ..model.matderivation import MatGradient
from .matrix_gradient import matrix_gradient

MODELS: tuple[str, ...] = ("ols", "ridge", "wls", "gls")
"""The models `derive ls` derives so far."""

_DEFAULTS = {"X": "X", "y": "y", "b": "b", "lam": "lam", "W": "W", "Sigma": "Sigma"}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_RESERVED = frozenset({"n", "p", "I", "e", "pi", "E", "norm", "tr", "trace", "det", "logdet", "inv", "sum", "diag",
                       "diagvec", "softmax", "logsumexp", "ones", "T"})
"""Names the objective already uses or the grammar reads specially."""


def ls_model(kind: str, names: Mapping[str, str] | None = None) -> LsModel:
    """The model ``kind`` in the user's names (defaults X, y, b, lam, W, Sigma)."""
    if kind not in MODELS:
        later = {"simple", "constrained"}
        hint = "simple regression and constrained least squares come next" if kind in later else ""
        raise UnsupportedError(f"unknown least-squares model {kind!r}",
                               hint=f"choose one of {', '.join(MODELS)}" + (f"; {hint}" if hint else ""))
    n = dict(_DEFAULTS)
    for key, value in (names or {}).items():
        if key not in _DEFAULTS:
            raise UsageError(f"unknown name {key!r}", hint=f"the names are {', '.join(_DEFAULTS)}")
        if not _NAME.match(value):
            raise UsageError(f"{value!r} is not a name", hint="use a name such as X, beta or w_1")
        n[key] = value
    if len(set(n.values())) != len(n):
        raise UsageError("two roles share one name", hint="give the design, response, coefficients ... distinct names")
    for role, value in n.items():
        if value in _RESERVED or value in M.SCALAR_FUNCTIONS:
            raise UsageError(f"{value!r} cannot name {role}: it is a dimension, a constant or a function",
                             hint="n and p are the dimensions, I the identity, e and pi constants; choose another name")
    X, y, b = n["X"], n["y"], n["b"]
    lets = (f"{X}: n x p", f"{y}: n", f"{b}: p")
    r = f"({y} - {X}*{b})"
    if kind == "ols":
        return LsModel(kind, "ordinary least squares", f"norm({y} - {X}*{b})^2", b, X, y, lets)
    if kind == "ridge":
        lam = n["lam"]
        return LsModel(kind, "ridge regression", f"norm({y} - {X}*{b})^2 + {lam}*norm({b})^2", b, X, y, lets,
                       wheres=(f"{lam} > 0",), penalty=lam)
    if kind == "wls":
        W = n["W"]
        return LsModel(kind, "weighted least squares", f"{r}' {W} {r}", b, X, y,
                       lets + (f"{W}: n x n diagonal positive definite",), weights=W)
    S = n["Sigma"]
    return LsModel(kind, "generalized least squares", f"{r}' inv({S}) {r}", b, X, y,
                   lets + (f"{S}: n x n positive definite",), weights=S)


def consequences(model: LsModel, g: MatGradient, estimator: M.Node) -> tuple[Consequence, ...]:
    """What the solution implies: the residual is orthogonal to the columns (in the model's metric)."""
    syms = {s.name: s for s in M.symbols(g.function)}
    X, y = syms[model.design], syms[model.response]
    e = M.add(y, M.mul(M.const(-1), X, estimator))
    xt = M.transpose(X)
    x, b = model.design, model.coef
    if model.kind == "ols":
        return (Consequence(f"the residual e = {model.response} - {x} {b} is orthogonal to the columns of {x}: "
                            f"{x}^T e = 0", M.mul(xt, e), M.zero((X.cols, M.ONE))),)
    if model.kind == "ridge":
        lam = next(s for s in M.scalar_symbols(g.function) if s.name == model.penalty)
        return (Consequence(f"the residual balances the penalty: {x}^T e = {lam.name} {b}", M.mul(xt, e),
                            M.mul(M.const(lam), estimator)),)
    w = syms[model.weights]
    metric = w if model.kind == "wls" else M.inverse(w)
    claim = f"{x}^T {w.name} e = 0" if model.kind == "wls" else f"{x}^T {w.name}^(-1) e = 0"
    return (Consequence(f"the residual is orthogonal to the columns of {x} in the model's metric: {claim}",
                        M.mul(xt, metric, e), M.zero((X.cols, M.ONE))),)


def least_squares(model: LsModel, f: M.Node, clock: Clock, *, shapes: tuple[object, ...] = ()) -> LsSolution:
    """Derive the estimator: gradient, Hessian, normal equations and solution, through the matrix engine."""
    var = next(s for s in M.symbols(f) if s.name == model.coef)
    g = matrix_gradient(f, var, clock, hessian=True, source=model.objective, shapes=shapes)  # type: ignore[arg-type]
    if g.stationary is None:
        raise UnsupportedError("the normal equations of this model have no closed-form solution here")
    st = g.stationary
    conditions = [st.condition]
    if g.definiteness is not None and g.definiteness.verdict.startswith("positive"):
        conditions.append(f"the Hessian is {g.definiteness.verdict}, so the solution is the minimum")
    return LsSolution(model, g, st.solution, tuple(conditions), consequences(model, g, st.solution))
