"""Least squares through the matrix engine: the model's objective, its gradient, the normal equations.

Each model is a general objective handed to the same differential engine as ``derive grad``;
the estimator is the engine's stationary point, not a stored formula. Names are the user's
(validated as identifiers, then parsed by our grammar, never evaluated).
"""
from __future__ import annotations

import re
from collections.abc import Mapping

import sympy as sp

from derive.core.budget import Clock
from derive.core.errors import UnsupportedError, UsageError
from derive.matrix import expr as M
from derive.lsq.model import Consequence, LsModel, LsSolution
from derive.matrix.model import MatGradient
from derive.matrix.expr import plain
from derive.matrix.gradient import matrix_gradient

MODELS: tuple[str, ...] = ("ols", "ridge", "wls", "gls", "constrained")
"""The models derived by the matrix engine."""
ALL_MODELS: tuple[str, ...] = ("ols", "simple", "ridge", "wls", "gls", "constrained")
"""Every model of `derive ls` (simple is scalar, in summation form: engine/simple_regression.py)."""

_DEFAULTS = {"X": "X", "y": "y", "b": "b", "lam": "lam", "W": "W", "Sigma": "Sigma", "C": "C", "d": "d",
             "mu": "mu"}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_RESERVED = frozenset({"n", "p", "I", "e", "pi", "E", "norm", "tr", "trace", "det", "logdet", "inv", "sum", "diag",
                       "diagvec", "softmax", "logsumexp", "ones", "T"})
"""Names the objective already uses or the grammar reads specially."""


def ls_model(kind: str, names: Mapping[str, str] | None = None) -> LsModel:
    """The model ``kind`` in the user's names (defaults X, y, b, lam, W, Sigma)."""
    if kind not in MODELS:
        hint = "; simple regression is derived by engine.simple_regression" if kind == "simple" else ""
        raise UnsupportedError(f"unknown least-squares model {kind!r}", hint=f"choose one of {', '.join(ALL_MODELS)}"
                               + hint)
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
        if value in _RESERVED or value == "q" or value in M.SCALAR_FUNCTIONS:
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
    if kind == "constrained":
        C, d, mu = n["C"], n["d"], n["mu"]
        return LsModel(kind, "equality-constrained least squares", f"norm({y} - {X}*{b})^2 + 2*{mu}'*({C}*{b} - {d})",
                       b, X, y, lets + (f"{C}: q x p", f"{d}: q", f"{mu}: q"), constraint=C, target=d, multiplier=mu)
    S = n["Sigma"]
    return LsModel(kind, "generalized least squares", f"{r}' inv({S}) {r}", b, X, y,
                   lets + (f"{S}: n x n positive definite",), weights=S)


def _hat(model: LsModel, g: MatGradient) -> tuple[M.Node, str, bool]:
    """The hat matrix H with fitted values H y, its formula in words, and whether it is symmetric."""
    syms = {s.name: s for s in M.symbols(g.function)}
    X = syms[model.design]
    xt = M.transpose(X)
    x = model.design
    if model.kind == "ridge":
        lam = next(s for s in M.scalar_symbols(g.function) if s.name == model.penalty)
        gram = M.add(M.mul(xt, X), M.mul(M.const(lam), M.Identity(X.cols)))
        return M.mul(X, M.inverse(gram), xt), f"H = {x} ({x}^T {x} + {lam.name} I)^(-1) {x}^T", True
    if model.kind in ("wls", "gls"):
        w = syms[model.weights]
        metric = w if model.kind == "wls" else M.inverse(w)
        wt = w.name if model.kind == "wls" else f"{w.name}^(-1)"
        return (M.mul(X, M.inverse(M.mul(xt, metric, X)), xt, metric), f"H = {x} ({x}^T {wt} {x})^(-1) {x}^T {wt}",
                False)
    return M.mul(X, M.inverse(M.mul(xt, X)), xt), f"H = {x} ({x}^T {x})^(-1) {x}^T", True


def consequences(model: LsModel, g: MatGradient, estimator: M.Node) -> tuple[Consequence, ...]:
    """What the solution implies: fitted values H y, the hat matrix's properties, residual orthogonality."""
    syms = {s.name: s for s in M.symbols(g.function)}
    X, y = syms[model.design], syms[model.response]
    e = M.add(y, M.mul(M.const(-1), X, estimator))
    xt = M.transpose(X)
    x, b = model.design, model.coef
    if model.kind == "constrained":
        C, d, mu = syms[model.constraint], syms[model.target], syms[model.multiplier]
        gram_inv = M.inverse(M.mul(xt, X))
        b_ols = M.mul(gram_inv, xt, y)
        resid = M.add(M.mul(C, b_ols), M.mul(M.const(-1), d))
        mu_hat = M.mul(M.inverse(M.mul(C, gram_inv, M.transpose(C))), resid)
        return (Consequence(f"the estimate satisfies the constraint: {C.name} {b} = {d.name}", M.mul(C, estimator), d),
                Consequence(f"the residual e = {model.response} - {x} {b} balances the constraint: {x}^T e = "
                            f"{C.name}^T {mu.name}", M.mul(xt, e), M.mul(M.transpose(C), mu_hat)))
    H, formula, symmetric = _hat(model, g)
    n_id = M.Identity(X.rows)
    out = [Consequence(f"the fitted values are {x} {b} = H {model.response} with the hat matrix {formula}",
                       M.mul(X, estimator), M.mul(H, y))]
    if symmetric:
        out.append(Consequence("the hat matrix is symmetric: H^T = H", M.transpose(H), H))
    if model.kind != "ridge":
        out.append(Consequence("the hat matrix is idempotent (a projection): H H = H", M.mul(H, H), H))
    out.append(Consequence(f"the residual is e = (I - H) {model.response}", e,
                           M.mul(M.add(n_id, M.mul(M.const(-1), H)), y)))
    if model.kind == "ols":
        out.append(Consequence(f"the residual e = {model.response} - {x} {b} is orthogonal to the columns of {x}: "
                               f"{x}^T e = 0", M.mul(xt, e), M.zero((X.cols, M.ONE))))
    elif model.kind == "ridge":
        lam = next(s for s in M.scalar_symbols(g.function) if s.name == model.penalty)
        out.append(Consequence(f"the residual balances the penalty: {x}^T e = {lam.name} {b}", M.mul(xt, e),
                               M.mul(M.const(lam), estimator)))
    else:
        w = syms[model.weights]
        metric = w if model.kind == "wls" else M.inverse(w)
        claim = f"{x}^T {w.name} e = 0" if model.kind == "wls" else f"{x}^T {w.name}^(-1) e = 0"
        out.append(Consequence(f"the residual is orthogonal to the columns of {x} in the model's metric: {claim}",
                               M.mul(xt, metric, e), M.zero((X.cols, M.ONE))))
    return tuple(out)


def constrained_steps(model: LsModel, g: MatGradient, g_mu: MatGradient) -> tuple[tuple[Consequence, ...], M.Node]:
    """The KKT system of ||y - X b||^2 + 2 mu^T (C b - d), solved for b and mu by substitution."""
    syms = {s.name: s for s in M.symbols(g.function)}
    X, y, b = syms[model.design], syms[model.response], g.wrt
    C, d, mu = syms[model.constraint], syms[model.target], syms[model.multiplier]
    xt, ct = M.transpose(X), M.transpose(C)
    minus = M.const(-1)
    gram = M.mul(xt, X)
    gram_inv = M.inverse(gram)
    b_ols = M.mul(gram_inv, xt, y)
    half = M.const(sp.Rational(1, 2))
    b_of_mu = M.add(b_ols, M.mul(minus, gram_inv, ct, mu))
    schur = M.mul(C, gram_inv, ct)
    resid = M.add(M.mul(C, b_ols), M.mul(minus, d))
    mu_hat = M.mul(M.inverse(schur), resid)
    estimator = M.add(b_ols, M.mul(minus, gram_inv, ct, mu_hat))
    xn, cn, dn, mn, bn = model.design, C.name, d.name, mu.name, model.coef
    steps = (
        Consequence(f"stationarity in {bn}: half the gradient above is {xn}^T {xn} {bn} + {cn}^T {mn} - {xn}^T "
                    f"{model.response}, so grad = 0 reads {xn}^T {xn} {bn} + {cn}^T {mn} = {xn}^T {model.response}",
                    M.add(M.mul(gram, b), M.mul(ct, mu), M.mul(minus, xt, y)), M.mul(half, g.gradient)),
        Consequence(f"stationarity in {mn} (its gradient, by the matrix engine, is {plain(g_mu.gradient)}): "
                    f"the constraint {cn} {bn} = {dn}", M.add(M.mul(C, b), M.mul(minus, d)), M.mul(half, g_mu.gradient)),
        Consequence(f"solve the first equation for {bn} ({xn} full column rank): {bn} = {bn}_ols - "
                    f"({xn}^T {xn})^(-1) {cn}^T {mn}, with {bn}_ols = ({xn}^T {xn})^(-1) {xn}^T {model.response}",
                    M.add(M.mul(gram, b_of_mu), M.mul(ct, mu)), M.mul(xt, y)),
        Consequence(f"put it into the constraint and solve for {mn} ({cn} full row rank): "
                    f"{mn} = ({cn} ({xn}^T {xn})^(-1) {cn}^T)^(-1) ({cn} {bn}_ols - {dn})",
                    M.mul(C, M.substitute(b_of_mu, mu, mu_hat)), d),
        Consequence(f"so {bn}_c = {bn}_ols - ({xn}^T {xn})^(-1) {cn}^T ({cn} ({xn}^T {xn})^(-1) {cn}^T)^(-1) "
                    f"({cn} {bn}_ols - {dn}) solves the first KKT equation",
                    M.add(M.mul(gram, estimator), M.mul(ct, mu_hat)), M.mul(xt, y)),
    )
    return steps, estimator


def least_squares(model: LsModel, f: M.Node, clock: Clock, *, shapes: tuple[object, ...] = ()) -> LsSolution:
    """Derive the estimator: gradient, Hessian, normal equations and solution, through the matrix engine."""
    var = next(s for s in M.symbols(f) if s.name == model.coef)
    g = matrix_gradient(f, var, clock, hessian=True, source=model.objective, shapes=shapes)  # type: ignore[arg-type]
    if model.kind == "constrained":
        mu = next(s for s in M.symbols(f) if s.name == model.multiplier)
        g_mu = matrix_gradient(f, mu, clock, source=model.objective, shapes=shapes)  # type: ignore[arg-type]
        steps, estimator = constrained_steps(model, g, g_mu)
        x, c = model.design, model.constraint
        kkt_conditions = (f"{x}'*{x} is invertible: it is when {x} has full column rank",
                      f"{c}*inv({x}'*{x})*{c}' is invertible: it is when {c} has full row rank (q <= p and no "
                      f"redundant constraints)",
                      f"the Hessian 2*{x}'*{x} is then positive definite, so the objective is strictly convex and "
                      f"the stationary point of the Lagrangian is the minimum on {c} {model.coef} = {model.target}")
        return LsSolution(model, g, estimator, kkt_conditions, consequences(model, g, estimator), solve_steps=steps,
                          multiplier_gradient=g_mu.gradient)
    if g.stationary is None:
        raise UnsupportedError("the normal equations of this model have no closed-form solution here")
    st = g.stationary
    conditions = [st.condition]
    if g.definiteness is not None and g.definiteness.verdict.startswith("positive"):
        conditions.append(f"the Hessian is {g.definiteness.verdict}, so the solution is the minimum")
    return LsSolution(model, g, st.solution, tuple(conditions), consequences(model, g, st.solution))
