"""Certify a matrix derivation: every step at random concrete sizes, the results against finite differences.

Steps: identical, else numeric probes at several sizes (never all dimensions equal) with
draws that respect the declarations (symmetric, positive definite, diagonal, orthogonal).
Results: the gradient against directional central differences of the original function,
the Hessian against differences of the gradient, the stationary point by the gradient
vanishing there. SymPy's own ``MatrixSymbol.diff`` is compared where it answers, but only
reported: it is known to be wrong on some of these inputs.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

import numpy as np
import sympy as sp

from derive.core.budget import Clock
from derive.core.errors import BudgetExceeded
from derive.matrix import expr as M
from derive.parse.domain import VarDomain
from derive.matrix.model import JointSolution, MatGradient, MatGradients, MatJacobian, MatStep
from derive.core.contract import Certificate, Check, Plausible, Proved, Refuted, Timeout, Unknown
from derive.matrix.numeric import SIZES, Point, Undefined, brief, directional, draw_plan, draw_point, evaluate

PROBES = 6
STEP_PROBES = 4
"""Steps are checked at four points (three sizes); results at six."""
_TRIES = 40
_TOL_EXACT = 1e-9
_TOL_DIFF = 1e-6

Compare = Callable[[Point], tuple[np.ndarray, np.ndarray]]
"""Two arrays at a point that must agree (the claim evaluated two ways)."""


def _domain_text(nodes: list[M.Node]) -> str:
    from derive.matrix.numeric import dimension_symbols

    dims = [str(d) for d in dimension_symbols(nodes)]
    if not dims:
        return "random draws respecting the declarations"
    names = dims[0] if len(dims) == 1 else f"({', '.join(dims)})"
    sizes = ", ".join(str(s[0]) if len(dims) == 1 else "(" + ", ".join(str(s[i % len(s)]) for i in range(len(dims))) + ")"
                      for s in SIZES)
    return f"sizes {names} = {sizes}, declared structure respected"


def probe(
    nodes: list[M.Node], var: M.MatSym, check: Compare, clock: Clock, *, seed: int, tol: float,
    domains: Mapping[str, VarDomain] | None = None, what: str = "certification", note: str = "",
    probes: int = PROBES,
) -> Certificate:
    """Plausible if ``check`` gives two agreeing arrays at PROBES random points; Refuted at the first that differs.

    Running out of budget gives Unknown(timeout), never an exception.
    """
    try:
        return _probe(nodes, var, check, clock, seed=seed, tol=tol, domains=domains, what=what, note=note,
                      probes=probes)
    except BudgetExceeded as exc:
        return Timeout(exc.message)


def _probe(
    nodes: list[M.Node], var: M.MatSym, check: Compare, clock: Clock, *, seed: int, tol: float,
    domains: Mapping[str, VarDomain] | None, what: str, note: str, probes: int,
) -> Certificate:
    rng = np.random.default_rng(seed)
    plan = draw_plan(nodes, var)
    done, worst, tries = 0, 0.0, 0
    positive = False
    while done < probes and tries < _TRIES:
        clock.check(what)
        if tries == _TRIES // 2 and done < 3:  # undefined almost everywhere: try the natural domain
            positive, done, worst = True, 0, 0.0
            note = "; ".join(x for x in (note, "entries drawn positive, where the expression is defined") if x)
        pt = draw_point(nodes, var, rng, tries, domains, positive=positive, plan=plan)
        tries += 1
        try:
            a, b = check(pt)
        except (Undefined, FloatingPointError, np.linalg.LinAlgError, ZeroDivisionError, OverflowError):
            continue
        if a.shape != b.shape:
            return Refuted(pt.describe(), f"an array of shape {a.shape}", f"one of shape {b.shape}")
        scale = max(1.0, float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)))
        err = float(np.max(np.abs(a - b), initial=0.0)) / scale
        if not np.isfinite(err):
            continue
        if err > tol:
            return Refuted(pt.describe(), brief(a), brief(b))
        worst = max(worst, err)
        done += 1
    if done < 3:
        return Unknown(f"too few points where both sides are defined ({done} of {tries} draws)")
    return Plausible(done, _domain_text(nodes), worst, note)


def certify_step(step: MatStep, var: M.MatSym, clock: Clock, seed: int,
                 domains: Mapping[str, VarDomain] | None = None) -> Certificate:
    """The verdict on one step's before = after."""
    if step.before == step.after:
        return Proved("both sides are identical")
    pending = M.has_pending(step.before) or M.has_pending(step.after)
    return probe(
        [step.before, step.after], var, lambda pt: (evaluate(step.before, pt), evaluate(step.after, pt)),
        clock, seed=seed, tol=_TOL_DIFF if pending else _TOL_EXACT, domains=domains,
        note="pending differentials by central differences" if pending else "", probes=STEP_PROBES,
    )


def gradient_check(f: M.Node, grad: M.Node, var: M.MatSym, clock: Clock, seed: int,
                   domains: Mapping[str, VarDomain] | None = None) -> Certificate:
    """<G, E> against the directional derivative of f along random E, by finite differences."""
    def check(pt: Point) -> tuple[np.ndarray, np.ndarray]:
        g = evaluate(grad, pt)
        e = pt.direction[var.name]
        if g.shape != e.shape:  # a gradient must have the variable's shape
            return g, e
        return np.array([[float(np.sum(g * e))]]), directional(f, pt)

    return probe([f, grad], var, check, clock, seed=seed, tol=_TOL_DIFF, domains=domains,
                 note="directional central differences with Richardson extrapolation")


def hessian_check(grad: M.Node, hess: M.Node, var: M.MatSym, clock: Clock, seed: int,
                  domains: Mapping[str, VarDomain] | None = None) -> Certificate:
    """H e against the directional derivative of the gradient along random e."""
    def check(pt: Point) -> tuple[np.ndarray, np.ndarray]:
        e = pt.direction[var.name].reshape(-1, 1, order="F")  # vec(dX), for a matrix variable
        return evaluate(hess, pt) @ e, directional(grad, pt).reshape(-1, 1, order="F")

    return probe([grad, hess], var, check, clock, seed=seed, tol=_TOL_DIFF, domains=domains,
                 note="central differences of the gradient")


def stationary_check(grad: M.Node, solution: M.Node, var: M.MatSym, clock: Clock, seed: int,
                     domains: Mapping[str, VarDomain] | None = None) -> Certificate:
    """The gradient vanishes at the claimed solution (where the solution exists)."""
    at = M.substitute(grad, var, solution)

    def check(pt: Point) -> tuple[np.ndarray, np.ndarray]:
        g = evaluate(at, pt)
        try:
            size = evaluate(M.substitute(grad, var, M.zero(var.shape)), pt)
        except Undefined:  # the gradient of log det X is not defined at 0: its size at the draw instead
            size = evaluate(grad, pt)
        scale = max(1.0, float(np.max(np.abs(size))))
        return g / scale, np.zeros_like(g)

    return probe([grad, solution], var, check, clock, seed=seed, tol=1e-8, domains=domains,
                 note="the gradient at the solution, relative to its size at 0 (or at the draw)")


def eigen_check(grad: M.Node, a: M.Node, lam: sp.Expr, var: M.MatSym, clock: Clock, seed: int,
                domains: Mapping[str, VarDomain] | None = None) -> Certificate:
    """Every eigenpair (λ, v) of A makes the gradient vanish: checked at the top eigenpair of each draw."""
    (sym,) = lam.free_symbols
    per = lam.coeff(sym)

    def check(pt: Point) -> tuple[np.ndarray, np.ndarray]:
        a_num = evaluate(a, pt)
        if np.allclose(a_num, a_num.T):
            vals, vecs = np.linalg.eigh(a_num)
        else:
            vals, vecs = np.linalg.eig(a_num)
            real = np.abs(vals.imag) < 1e-12
            if not real.any():
                raise Undefined("no real eigenvalue")
            vals, vecs = vals[real].real, vecs[:, real].real
        top = int(np.argmax(vals))
        v = vecs[:, top].reshape(-1, 1)
        at = Point(pt.dims, {**pt.values, var.name: v}, {**pt.scalars, sym: float(vals[top] / float(per))},
                   pt.direction, pt.label, max_cond=pt.max_cond)
        g = evaluate(grad, at)
        scale = max(1.0, float(np.max(np.abs(evaluate(grad, pt)))))
        return g / scale, np.zeros_like(g)

    return probe([grad, a], var, check, clock, seed=seed, tol=1e-8, domains=domains,
                 note="the gradient at the top eigenpair of each draw, relative to its size at a random point")


def certify_matrix_gradient(g: MatGradient, clock: Clock, domains: Mapping[str, VarDomain] | None = None,
                            *, seed: int = 0) -> MatGradient:
    """A copy of ``g`` with every step certified and the result checks filled in."""
    var = g.wrt
    steps = tuple(dataclasses.replace(s, certificate=certify_step(s, var, clock, seed + i, domains))
                  for i, s in enumerate(g.steps))
    hsteps = tuple(dataclasses.replace(s, certificate=certify_step(s, var, clock, seed + 500 + i, domains))
                   for i, s in enumerate(g.hessian_steps))
    checks: list[Check] = [
        Check("gradient matches finite differences", gradient_check(g.function, g.gradient, var, clock, seed + 900,
                                                                    domains)),
    ]
    if g.hessian is not None:
        checks.append(Check("Hessian matches finite differences of the gradient",
                            hessian_check(g.gradient, g.hessian, var, clock, seed + 901, domains)))
    stationary = g.stationary
    if stationary is not None:
        cert = stationary_check(g.gradient, stationary.solution, var, clock, seed + 902, domains)
        if stationary.eigen is not None and cert.certified:
            cert = eigen_check(g.gradient, *stationary.eigen, var, clock, seed + 903, domains)
        stationary = dataclasses.replace(stationary, certificate=cert)
    from derive.matrix.exact import explicit_check
    from derive.matrix.sympy_check import compare_with_sympy

    reported = [Check("agrees with SymPy's MatrixSymbol.diff", compare_with_sympy(g, clock, seed + 903), required=False)]
    exact = explicit_check(g, clock)
    label = "exact at small explicit sizes (SymPy, entry by entry)"
    # a proof or a counterexample always counts; could not be done: reported, the finite differences stand
    (checks if isinstance(exact, (Proved, Refuted)) else reported).append(
        Check(label, exact, required=isinstance(exact, (Proved, Refuted))))
    return dataclasses.replace(g, steps=steps, hessian_steps=hsteps, checks=tuple(checks + reported),
                               stationary=stationary)


def jacobian_check(f: M.Node, jac: M.Node, var: M.MatSym, clock: Clock, seed: int,
                   domains: Mapping[str, VarDomain] | None = None) -> Certificate:
    """J vec(E) against the directional derivative of vec(f) along random E, by finite differences."""
    def check(pt: Point) -> tuple[np.ndarray, np.ndarray]:
        e = pt.direction[var.name].reshape(-1, 1, order="F")
        return evaluate(jac, pt) @ e, directional(f, pt).reshape(-1, 1, order="F")

    return probe([f, jac], var, check, clock, seed=seed, tol=_TOL_DIFF, domains=domains,
                 note="directional central differences with Richardson extrapolation")


def certify_matrix_jacobian(j: MatJacobian, clock: Clock, domains: Mapping[str, VarDomain] | None = None,
                            *, seed: int = 0) -> MatJacobian:
    """A copy of ``j`` with every step certified, the Jacobian against finite differences and, where SymPy
    can expand it, exactly at small sizes."""
    from derive.matrix.exact import explicit_jacobian_check

    var = j.wrt
    steps = tuple(dataclasses.replace(s, certificate=certify_step(s, var, clock, seed + i, domains))
                  for i, s in enumerate(j.steps))
    checks = [Check("Jacobian matches finite differences", jacobian_check(j.function, j.jacobian, var, clock,
                                                                          seed + 900, domains))]
    exact = explicit_jacobian_check(j, clock)
    checks.append(Check("exact at small explicit sizes (SymPy, entry by entry)", exact,
                        required=isinstance(exact, (Proved, Refuted))))
    return dataclasses.replace(j, steps=steps, checks=tuple(checks))


def joint_check(parts: tuple[MatGradient, ...], joint: JointSolution, clock: Clock, seed: int,
                domains: Mapping[str, VarDomain] | None = None) -> Certificate:
    """Every gradient, with every variable replaced by its joint solution, vanishes (relative to its size at the draw)."""
    at: list[tuple[M.Node, M.Node]] = []
    for g in parts:
        node = g.gradient
        for var, value, _, _ in joint.solved:
            node = M.substitute(node, var, value)
        at.append((node, g.gradient))

    def check(pt: Point) -> tuple[np.ndarray, np.ndarray]:
        out = []
        for node, grad in at:
            scale = max(1.0, float(np.max(np.abs(evaluate(grad, pt)))))
            out.append((evaluate(node, pt) / scale).reshape(-1))
        flat = np.concatenate(out).reshape(-1, 1)
        return flat, np.zeros_like(flat)

    nodes = [n for pair in at for n in pair] + [v for _, v, _, _ in joint.solved]
    return probe(nodes, parts[0].wrt, check, clock, seed=seed, tol=1e-8, domains=domains,
                 note="every gradient at the joint solution, relative to its size at a random point")


def certify_matrix_gradients(g: MatGradients, clock: Clock, domains: Mapping[str, VarDomain] | None = None,
                             ) -> MatGradients:
    """Each partial certified as a gradient alone, and the joint solution by every gradient vanishing there."""
    parts = tuple(certify_matrix_gradient(p, clock, domains, seed=1000 * i) for i, p in enumerate(g.parts))
    joint = g.joint
    if joint is not None:
        joint = dataclasses.replace(joint, certificate=joint_check(parts, joint, clock, 7000, domains))
    return dataclasses.replace(g, parts=parts, joint=joint)
