"""Check a least-squares estimator against its model's numeric solver, on random, ill-conditioned and wide data.

The reference never uses the derived formula: each model says how it is solved numerically
(``LsModel.reference``: lstsq on the system, augmented, whitened, or on the constraint's null
space). Where the closed form's condition fails (n < p without a penalty, more constraints than
coefficients) the check passes only if derive refuses to give a number.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from derive.core.budget import Clock
from derive.core.contract import Certificate, Check, Plausible, Refuted, Unknown
from derive.lsq.model import Consequence, LsSolution
from derive.matrix import expr as M
from derive.matrix.certify import certify_matrix_gradient, probe
from derive.matrix.numeric import Array, Point, Undefined, brief, evaluate


def _point(sol: LsSolution, n: int, p: int, rng: np.random.Generator, cond: float, label: str,
           q: int | None = None) -> tuple[Point, float]:
    """Random data at sizes (n, p[, q]) with X of condition number ``cond``, and a random penalty."""
    m = sol.model
    q = q if q is not None else max(1, p - 1)
    dims = dict(zip(m.dimensions(), (n, p, q)))
    u, _ = np.linalg.qr(rng.standard_normal((n, n)))
    v, _ = np.linalg.qr(rng.standard_normal((p, p)))
    k = min(n, p)
    X = u[:, :k] @ np.diag(np.geomspace(1.0, 1.0 / cond, k)) @ v[:k, :]
    values: dict[str, Any] = {m.names["X"]: X, m.names["y"]: rng.standard_normal((n, 1)), **m.draw(n, p, q, rng)}
    lam = float(rng.uniform(0.2, 2.0))
    scalars = {sym: lam for sym in M.scalar_symbols(sol.derivation.function) if sym.name == m.names.get("lam")}
    return Point(dims, values, scalars, {}, label, max_cond=1e14), lam


def reference_solution(sol: LsSolution, pt: Point, lam: float) -> Array:
    """The model's numeric minimizer at the point's data."""
    return sol.model.reference(pt.values, lam)


def _compare(sol: LsSolution, cases: list[tuple[int, int, float]], clock: Clock, seed: int, tol: float,
             note: str) -> Certificate:
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


def _wide(sol: LsSolution, clock: Clock, seed: int) -> Certificate:
    """n < p: with a penalty the solution exists and must match; without, derive must refuse a number."""
    if sol.model.wide_has_solution:
        return _compare(sol, [(3, 5, 10.0), (2, 4, 10.0)], clock, seed, 1e-8, "more coefficients than observations")
    pt, _ = _point(sol, 2, 4, np.random.default_rng(seed), 10.0, "wide", q=1)
    try:
        value = evaluate(sol.estimator, pt)
    except Undefined:
        return Plausible(1, "n = 2, p = 4", 0.0, "the closed form's condition fails there and derive gives no number")
    return Refuted(pt.describe(), f"derive's {np.round(value.ravel()[:3], 6)}", "no solution (the Gram matrix is singular)")


def _redundant(sol: LsSolution, clock: Clock, seed: int) -> Certificate:
    """q > p constraints (C not of full row rank): the closed form fails and derive must refuse a number."""
    clock.check("the comparison with a numeric solver")
    pt, _ = _point(sol, 8, 2, np.random.default_rng(seed), 10.0, "redundant", q=3)
    try:
        value = evaluate(sol.estimator, pt)
    except Undefined:
        return Plausible(1, "n = 8, p = 2, q = 3", 0.0, "C (X^T X)^(-1) C^T is singular there and derive gives no number")
    return Refuted(pt.describe(), f"derive's {np.round(value.ravel()[:3], 6)}", "no closed form (C lacks full row rank)")


def solver_checks(sol: LsSolution, clock: Clock, seed: int = 0) -> tuple[Check, ...]:
    """The estimator against the model's numeric solver: random data, ill-conditioned data, n < p (and q > p)."""
    out = [Check(name, _compare(sol, cases, clock, seed + i, tol, note))
           for i, (name, cases, tol, note) in enumerate(sol.model.check_cases())]
    out.append(Check("more coefficients than observations (n < p)", _wide(sol, clock, seed + 2)))
    if len(sol.model.dimensions()) > 2:  # a constraint: more constraints than coefficients
        out.append(Check("more constraints than coefficients (q > p)", _redundant(sol, clock, seed + 3)))
    return tuple(out)


def _identity_at_sizes(c: Consequence, sol: LsSolution, clock: Clock, seed: int,
                       sizes: tuple[tuple[int, int, int], ...]) -> Certificate:
    """The identity at random data of the given (n, p, q), where the model's closed form applies."""
    rng = np.random.default_rng(seed)
    worst = 0.0
    for k, (n, p, q) in enumerate(sizes):
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
    text = ", ".join(f"({n}, {p}, {q})" for n, p, q in sizes)
    return Plausible(len(sizes), f"random data at (n, p, q) = {text}", worst, "X of full column rank, C of full row rank")


def certify_consequence(c: Consequence, sol: LsSolution, clock: Clock, seed: int) -> Certificate:
    """The identity holds at random sizes and data (at the model's own sizes where it has them)."""
    sizes = getattr(sol.model, "identity_sizes", None)
    if sizes:
        return _identity_at_sizes(c, sol, clock, seed, sizes)
    try:
        return probe([c.lhs, c.rhs], sol.derivation.wrt, lambda pt: (evaluate(c.lhs, pt), evaluate(c.rhs, pt)), clock,
                     seed=seed, tol=1e-8, note="at the closed-form estimator")
    except Undefined as exc:  # pragma: no cover - probe skips undefined points itself
        return Unknown(str(exc))


def certify_solution(sol: LsSolution, clock: Clock) -> LsSolution:
    """Every step of the derivation, every consequence and solving step, then the comparisons with the solver."""
    domains = sol.model.domains()
    sol = dataclasses.replace(sol, derivation=certify_matrix_gradient(sol.derivation, clock, domains))
    sol = dataclasses.replace(
        sol,
        consequences=tuple(dataclasses.replace(c, certificate=certify_consequence(c, sol, clock, 10 + i))
                           for i, c in enumerate(sol.consequences)),
        solve_steps=tuple(dataclasses.replace(c, certificate=certify_consequence(c, sol, clock, 30 + i))
                          for i, c in enumerate(sol.solve_steps)))
    return dataclasses.replace(sol, checks=solver_checks(sol, clock))
