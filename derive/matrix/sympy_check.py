"""Compare a matrix gradient with SymPy's own ``MatrixSymbol.diff``, numerically at concrete sizes.

Reported, never required: SymPy 1.14 returns 0 for log det X and for softmax cross-entropy,
raises on others, and answers with array expressions elsewhere. Where it answers with
something we can evaluate, the two are compared at random points.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import sympy as sp

# SymPy's MatrixSymbol.diff loads these on its first call (array expressions, and the assumption handlers and
# SAT solver that its conversion back to matrices asks): loaded with this module instead, so that a build's
# preloading parent holds them and each item's worker does not load them again (about 0.06 s an item)
import sympy.assumptions.facts  # noqa: F401
import sympy.assumptions.handlers.matrices  # noqa: F401
import sympy.assumptions.lra_satask  # noqa: F401
import sympy.assumptions.satask  # noqa: F401
import sympy.logic.algorithms.dpll2  # noqa: F401
import sympy.logic.algorithms.lra_theory  # noqa: F401
import sympy.tensor.array.array_derivatives  # noqa: F401
from sympy.tensor.array.expressions import from_array_to_matrix

from derive.core.budget import Clock
from derive.matrix import expr as M
from derive.matrix.model import MatGradient
from derive.matrix.sympy_form import to_sympy
from derive.core.contract import Certificate, Plausible, Refuted, Unknown
from derive.matrix.numeric import Undefined, brief, draw_plan, draw_point, evaluate


_FAILURES = (ValueError, TypeError, NotImplementedError, AttributeError, IndexError, KeyError,
             sp.PolynomialError, RecursionError, AssertionError, sp.ShapeError)


def compare_with_sympy(g: MatGradient, clock: Clock, seed: int) -> Certificate:
    """Plausible if SymPy's derivative agrees at random points; Refuted (with SymPy's value) if not."""
    var = g.wrt
    numeric = [int(d) for s in M.symbols(g.function) | {var} for d in s.shape if d.is_Integer]
    if any(d > 6 for d in numeric):
        return Unknown("not compared: SymPy's explicit evaluation at the declared sizes would take too long")
    if any(isinstance(n, M.Power) and (not n.exp.is_Rational or abs(n.exp) > 8) for n in M.walk(g.function)):
        return Unknown("not compared: SymPy expands large or symbolic powers too slowly")
    try:
        clock.check("the comparison with SymPy")
        expr = to_sympy(g.function, native=True)
        x = sp.MatrixSymbol(var.name, var.rows, var.cols)
        with _each_question_once():
            theirs = expr.diff(x)
    except _FAILURES as exc:
        return Unknown(f"SymPy's MatrixSymbol.diff failed ({type(exc).__name__})")
    if _is_zero(theirs) and not M.is_zero(g.gradient):
        return Refuted((("sizes", "any"),), "derive's nonzero gradient (finite differences agree)", "0 (SymPy)")
    rng = np.random.default_rng(seed)
    agree = 0
    worst = 0.0
    plan = draw_plan([g.function, g.gradient], var)
    for config in range(4):
        clock.check("the comparison with SymPy")
        pt = draw_point([g.function, g.gradient], var, rng, config, plan=plan)
        try:
            ours = evaluate(g.gradient, pt)
        except Undefined:
            continue
        try:
            value = _numeric(theirs, pt, ours.shape)
        except Undefined:
            continue
        except _FAILURES + (OverflowError, ZeroDivisionError) as exc:
            return Unknown(f"SymPy's answer could not be evaluated ({type(exc).__name__})")
        if value is None:
            return Unknown("SymPy's answer has a shape that does not match the variable")
        scale = max(1.0, float(np.max(np.abs(ours))))
        err = float(np.max(np.abs(value - ours))) / scale
        if err > 1e-8:
            return Refuted(pt.describe(), "derive's gradient", f"SymPy's {brief(value)}")
        worst = max(worst, err)
        agree += 1
    if agree < 2:
        return Unknown("too few points where SymPy's answer is defined")
    return Plausible(agree, "random concrete sizes", worst, "SymPy's MatrixSymbol.diff evaluated numerically")


@contextmanager
def _each_question_once() -> Iterator[None]:
    """While SymPy differentiates: its conversion of array expressions back to matrices asks whether each
    factor is diagonal again on every pass of its rewriting loop (``ask``, through ``satask``, is most of
    the time of a diff); within one diff, each question is asked of SymPy once and its answer reused.
    Exact: without assumptions in force, ``ask``'s answer depends on the question alone."""
    from sympy.assumptions import global_assumptions

    conversion = from_array_to_matrix
    ask = conversion.ask
    answers: dict[Any, Any] = {}

    def once(proposition: Any, assumptions: Any = True, context: Any = global_assumptions) -> Any:
        if assumptions is not True or context is not global_assumptions or global_assumptions:
            return ask(proposition, assumptions, context)
        if proposition not in answers:
            answers[proposition] = ask(proposition)
        return answers[proposition]

    conversion.ask = once
    try:
        yield
    finally:
        conversion.ask = ask


def _is_zero(e: Any) -> bool:
    return bool(getattr(e, "is_ZeroMatrix", False)) or e == 0 or (hasattr(e, "is_zero_matrix") and e.is_zero_matrix is True)


def _numeric(expr: Any, pt: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    dims = {d: sp.Integer(v) for d, v in pt.dims.items()}
    sub: dict[Any, Any] = {}
    for s in expr.atoms(sp.MatrixSymbol):
        name = str(s.name)
        if name in pt.values:
            sub[sp.MatrixSymbol(name, s.shape[0].xreplace(dims), s.shape[1].xreplace(dims))] = sp.ImmutableMatrix(pt.values[name])
    scal = {k: sp.Float(v) for k, v in pt.scalars.items()}
    concrete = expr.xreplace(dims).xreplace(scal).xreplace(sub)
    value = concrete.doit()
    if hasattr(value, "as_explicit"):
        value = value.as_explicit()
    arr = np.array(sp.Array(value).tolist() if not isinstance(value, sp.MatrixBase) else value.tolist(), dtype=complex)
    if np.max(np.abs(arr.imag), initial=0) > 1e-9:
        raise Undefined("complex")
    real = arr.real
    if real.size != int(np.prod(shape)):
        return None
    out = real.reshape(shape)
    if not np.all(np.isfinite(out)):
        raise Undefined("not finite")
    return out
