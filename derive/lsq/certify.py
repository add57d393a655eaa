"""Check a least-squares estimator against numpy's solver, on random, ill-conditioned and wide data.

The reference never uses the derived formula: ordinary least squares is ``numpy.linalg.lstsq``;
ridge, weighted and generalized least squares are the same solver on the augmented or
whitened system. Where the closed form's condition fails (n < p without a penalty) the check
passes only if derive refuses to give a number.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from derive.core.budget import Clock
from derive.matrix import expr as M
from derive.lsq.model import Consequence, LsSolution
from derive.core.contract import Plausible, Refuted, Unknown, Verdict
from derive.matrix.numeric import Array, Point, Undefined, evaluate
from derive.matrix.certify import probe
from derive.matrix.numeric import brief


def reference_solution(sol: LsSolution, pt: Point, lam: float) -> Array:
    m = sol.model
    X, y = pt.values[m.design], pt.values[m.response]
    if m.kind == "ridge":
        p = X.shape[1]
        A, c = np.vstack([X, np.sqrt(lam) * np.eye(p)]), np.vstack([y, np.zeros((p, 1))])
    elif m.kind == "wls":
        root = np.sqrt(np.diag(pt.values[m.weights]))[:, None]
        A, c = root * X, root * y
    elif m.kind == "gls":
        L = np.linalg.cholesky(pt.values[m.weights])
        A, c = np.linalg.solve(L, X), np.linalg.solve(L, y)
    elif m.kind == "constrained":
        return _null_space_solution(X, y, pt.values[m.constraint], pt.values[m.target])
    else:
        A, c = X, y
    return np.asarray(np.linalg.lstsq(A, c, rcond=None)[0])


def _null_space_solution(X: Array, y: Array, C: Array, d: Array) -> Array:
    """min ||y - X b|| over C b = d without the closed form: b = b0 + N z, z by lstsq (N spans ker C)."""
    b0 = np.linalg.lstsq(C, d, rcond=None)[0]
    _, sv, vt = np.linalg.svd(C)
    rank = int(np.sum(sv > 1e-12 * max(1.0, float(sv[0]))))
    N = vt[rank:].T
    if N.shape[1] == 0:
        return np.asarray(b0)
    z = np.linalg.lstsq(X @ N, y - X @ b0, rcond=None)[0]
    return np.asarray(b0 + N @ z)


def _point(sol: LsSolution, n: int, p: int, rng: np.random.Generator, cond: float, label: str,
           q: int | None = None) -> tuple[Point, float]:
    m = sol.model
    dims = {d: v for d, v in zip(_dims(sol), (n, p, q if q is not None else max(1, p - 1)))}
    u, _ = np.linalg.qr(rng.standard_normal((n, n)))
    v, _ = np.linalg.qr(rng.standard_normal((p, p)))
    k = min(n, p)
    s = np.geomspace(1.0, 1.0 / cond, k)
    X = u[:, :k] @ np.diag(s) @ v[:k, :]
    values = {m.design: X, m.response: rng.standard_normal((n, 1))}
    if m.kind == "wls":
        values[m.weights] = np.diag(rng.uniform(0.5, 2.0, n))
    if m.kind == "gls":
        g = rng.standard_normal((n, n))
        values[m.weights] = g @ g.T / n + np.eye(n)
    if m.kind == "constrained":
        k = dims[_dims(sol)[2]]
        values[m.constraint] = rng.standard_normal((k, p))
        values[m.target] = rng.standard_normal((k, 1))
        values[m.multiplier] = rng.standard_normal((k, 1))
        values[m.coef] = rng.standard_normal((p, 1))
    lam = float(rng.uniform(0.2, 2.0))
    scalars = {sym: lam for sym in M.scalar_symbols(sol.derivation.function) if sym.name == m.penalty}
    return Point(dims, values, scalars, {}, label, max_cond=1e14), lam


def _dims(sol: LsSolution) -> list[sp.Symbol]:
    syms = {s.name: s for s in M.symbols(sol.derivation.function)}
    X = syms[sol.model.design]
    out = [next(iter(X.rows.free_symbols)), next(iter(X.cols.free_symbols))]
    if sol.model.kind == "constrained":
        out.append(next(iter(syms[sol.model.constraint].rows.free_symbols)))
    return out


def _compare(sol: LsSolution, cases: list[tuple[int, int, float]], clock: Clock, seed: int, tol: float,
             note: str) -> Verdict:
    rng = np.random.default_rng(seed)
    worst = 0.0
    for i, (n, p, cond) in enumerate(cases):
        clock.check("the comparison with a numeric solver")
        pt, lam = _point(sol, n, p, rng, cond, f"{i}")
        ref = reference_solution(sol, pt, lam)
        try:
            ours = evaluate(sol.estimator, pt)
        except Undefined:
            return Refuted(pt.describe(), "derive's estimator is undefined there", f"lstsq's {np.round(ref.ravel()[:3], 6)}")
        err = float(np.max(np.abs(ours - ref))) / max(1.0, float(np.max(np.abs(ref))))
        if err > tol:
            return Refuted(pt.describe(), f"derive's {np.round(ours.ravel()[:3], 6)}", f"lstsq's {np.round(ref.ravel()[:3], 6)}")
        worst = max(worst, err)
    return Plausible(len(cases), "random data (n, p) = " + ", ".join(f"({n}, {p})" for n, p, _ in cases), worst, note)


def _wide(sol: LsSolution, clock: Clock, seed: int) -> Verdict:
    """n < p: with a penalty the solution exists and must match; without, derive must refuse a number."""
    rng = np.random.default_rng(seed)
    if sol.model.kind == "ridge":
        return _compare(sol, [(3, 5, 10.0), (2, 4, 10.0)], clock, seed, 1e-8, "more coefficients than observations")
    pt, _ = _point(sol, 2, 4, rng, 10.0, "wide", q=1)
    try:
        value = evaluate(sol.estimator, pt)
    except Undefined:
        return Plausible(1, "n = 2, p = 4", 0.0, "the closed form's condition fails there and derive gives no number")
    return Refuted(pt.describe(), f"derive's {np.round(value.ravel()[:3], 6)}", "no solution (the Gram matrix is singular)")


def _redundant(sol: LsSolution, clock: Clock, seed: int) -> Verdict:
    """q > p constraints (C not of full row rank): the closed form fails and derive must refuse a number."""
    clock.check("the comparison with a numeric solver")
    pt, _ = _point(sol, 8, 2, np.random.default_rng(seed), 10.0, "redundant", q=3)
    try:
        value = evaluate(sol.estimator, pt)
    except Undefined:
        return Plausible(1, "n = 8, p = 2, q = 3", 0.0, "C (X^T X)^(-1) C^T is singular there and derive gives no number")
    return Refuted(pt.describe(), f"derive's {np.round(value.ravel()[:3], 6)}", "no closed form (C lacks full row rank)")


def solver_checks(sol: LsSolution, clock: Clock, seed: int = 0) -> tuple[tuple[str, Verdict], ...]:
    """The estimator against the numeric solver: random data, ill-conditioned data, n < p (and q > p)."""
    if sol.model.kind == "constrained":
        return (
            ("agrees with lstsq on the constraint's null space, on random data",
             _compare(sol, [(6, 3, 10.0), (8, 4, 100.0), (5, 2, 3.0)], clock, seed, 1e-9,
                      "b = b0 + N z with C b0 = d and N spanning ker C, z by numpy's lstsq")),
            ("agrees with lstsq on the constraint's null space, on ill-conditioned data",
             _compare(sol, [(8, 3, 1e3), (10, 4, 1e4)], clock, seed + 1, 1e-4,
                      "condition numbers of X 1e3 and 1e4: the closed form squares them through X^T X and again "
                      "through C (X^T X)^(-1) C^T, so its rounding grows faster than for ols")),
            ("more coefficients than observations (n < p)", _wide(sol, clock, seed + 2)),
            ("more constraints than coefficients (q > p)", _redundant(sol, clock, seed + 3)),
        )
    return (
        ("agrees with numpy's lstsq on random data",
         _compare(sol, [(6, 3, 10.0), (8, 4, 100.0), (5, 2, 3.0)], clock, seed, 1e-9, "well-conditioned designs")),
        ("agrees with numpy's lstsq on ill-conditioned data",
         _compare(sol, [(8, 3, 1e4), (10, 4, 1e5)], clock, seed + 1, 1e-4, "condition numbers 1e4 and 1e5; "
                  "tolerance allows for the conditioning")),
        ("more coefficients than observations (n < p)", _wide(sol, clock, seed + 2)),
    )


_CONSTRAINED_SIZES = ((6, 3, 1), (7, 4, 2), (9, 5, 3), (8, 3, 2), (10, 6, 4), (5, 2, 1))
"""(n, p, q) with n > p > q: where the closed form of constrained least squares applies."""


def _constrained_identity(c: Consequence, sol: LsSolution, clock: Clock, seed: int) -> Verdict:
    rng = np.random.default_rng(seed)
    worst = 0.0
    for k, (n, p, q) in enumerate(_CONSTRAINED_SIZES):
        clock.check("constrained least squares: an identity")
        pt, _ = _point(sol, n, p, rng, 10.0, f"{k}", q=q)
        try:
            u, v = evaluate(c.lhs, pt), evaluate(c.rhs, pt)
        except Undefined as exc:
            return Unknown(f"undefined at (n, p, q) = ({n}, {p}, {q}): {exc}")
        if u.shape != v.shape:
            return Refuted(pt.describe(), f"an array of shape {u.shape}", f"one of shape {v.shape}")
        err = float(np.max(np.abs(u - v), initial=0.0)) / max(1.0, float(np.max(np.abs(u), initial=0.0)),
                                                             float(np.max(np.abs(v), initial=0.0)))
        if err > 1e-8:
            return Refuted(pt.describe(), brief(u), brief(v))
        worst = max(worst, err)
    sizes = ", ".join(f"({n}, {p}, {q})" for n, p, q in _CONSTRAINED_SIZES)
    return Plausible(len(_CONSTRAINED_SIZES), f"random data at (n, p, q) = {sizes}", worst,
                     "X of full column rank, C of full row rank")


def certify_consequence(c: Consequence, sol: LsSolution, clock: Clock, seed: int) -> Verdict:
    """The identity holds at random sizes and data."""
    if sol.model.kind == "constrained":
        return _constrained_identity(c, sol, clock, seed)
    var = sol.derivation.wrt
    try:
        return probe([c.lhs, c.rhs], var, lambda pt: (evaluate(c.lhs, pt), evaluate(c.rhs, pt)), clock, seed=seed,
                     tol=1e-8, note="at the closed-form estimator")
    except Undefined as exc:  # pragma: no cover - probe skips undefined points itself
        return Unknown(str(exc))
