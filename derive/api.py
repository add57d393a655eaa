"""The Python API in one place: ``diff``, ``grad``, ``latex`` and ``write_pdf`` (``ls`` and ``mle`` live
with their capabilities and are exported by ``derive`` itself).

``grad`` is the one entry point for gradients: without declarations it is the gradient of a
function of scalars (``scalar.api``), with ``let`` declarations of vectors and matrices it is
matrix calculus (``matrix.api``). Every result renders itself (``result.render(fmt)``).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sympy as sp

from derive.core.budget import Budget, check_budget
from derive.core.checks import check_bool, check_names, check_text, check_texts
from derive.core.errors import UsageError, UsageTypeError
from derive.scalar.api import DiffResult as DiffResult
from derive.scalar.api import GradResult as GradResult
from derive.scalar.api import read_domains, read_expression, as_texts, scalar_grad
from derive.scalar.api import diff as diff

if TYPE_CHECKING:
    from derive.matrix.api import MatGradientsResult, MatGradResult, MatJacobianResult


def _is_matrix_expression(expr: object) -> bool:
    from derive.matrix.expr import Node

    return isinstance(expr, Node)


def grad(
    expr: str | sp.Expr,
    wrt: str | Sequence[str] | None = None,
    *,
    hessian: bool = False,
    where: str | Iterable[str] = (),
    let: str | Iterable[str] = (),
    budget: Budget | None = None,
) -> GradResult | MatGradResult | MatJacobianResult | MatGradientsResult:
    """Gradient (and Hessian), every entry or step derived and certified.

    Without ``let``: a scalar function of scalars, one derivation per partial. With ``let``
    (shape declarations such as ``"X: n x p"``, ``"y: n"``, ``"A: p x p symmetric"``): a scalar
    function of a declared vector or matrix ``wrt``, by matrix differentials; a vector- or
    matrix-valued function gives its Jacobian (numerator layout: df = J dx, J_ij = ∂f_i/∂x_j).
    """
    where = check_texts(where, "where", example="x > 0")
    lets = check_texts(let, "let", example="X: n x p")
    if isinstance(expr, str):
        check_text(expr, "expr", example="x^2 y")
    elif not isinstance(expr, sp.Expr) and not (lets and _is_matrix_expression(expr)):
        raise UsageTypeError(f"expr must be text or a SymPy expression, got {type(expr).__name__}",
                             hint="e.g. grad('x^2 y', 'x,y')")
    if wrt is not None:
        wrt = check_names(wrt, "wrt", example="x,y")
    check_bool(hessian, "hessian")
    budget = check_budget(budget, Budget())
    if lets:
        from derive.matrix.api import matrix_grad

        return matrix_grad(expr, wrt, hessian=hessian, where=as_texts(where), let=lets, budget=budget)
    return scalar_grad(expr, wrt, hessian=hessian, where=as_texts(where), budget=budget)


def latex(
    expr: str | sp.Basic | sp.MatrixBase, *, where: str | Iterable[str] = (), let: str | Iterable[str] = ()
) -> str:
    """LaTeX of an expression: text is parsed by our parser (never evaluated); SymPy objects print as they are.

    With ``let`` (shape declarations) the text is a matrix expression: ``latex("b' A b", let=["b: p", "A: p x p"])``.
    """
    from derive.render.notation.latex import tex

    if isinstance(expr, (sp.Basic, sp.MatrixBase)) and not isinstance(expr, str):
        return tex(expr)
    check_text(expr, "expr", example="x^2 sin(x)")
    where, let = check_texts(where, "where", example="x > 0"), check_texts(let, "let", example="b: p")
    lets = as_texts(let)
    if lets:
        from derive.parse.shapes import merge_shapes
        from derive.matrix.read import parse_matrix_auto
        from derive.parse.let import parse_let
        from derive.render.notation.matrix import mtex

        if not isinstance(expr, str):
            raise UsageError(f"expected an expression as text, got {type(expr).__name__}")
        return mtex(parse_matrix_auto(expr, merge_shapes(parse_let(t) for t in lets), read_domains(as_texts(where))))
    _, e = read_expression(expr, read_domains(as_texts(where)))
    return tex(e)


def write_pdf(result: Any, out: Path, *, title: str) -> Path:
    """A one-derivation worked-solution handout at ``out`` (the .tex beside it if TeX is absent); a
    ``derive.check`` result prints as the user's annotated derivation (titled by its file)."""
    from derive.handout.builder import handout_of
    from derive.render.env import render_handout
    from derive.render.pdf import build_pdf, tex_available, write_text_atomic

    tex = render_handout(handout_of(result, title))
    if tex_available():
        return build_pdf(tex, out)
    tex_path = out.with_suffix(".tex")
    write_text_atomic(tex_path, tex)
    return tex_path
