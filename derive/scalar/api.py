"""The Python API: composes parse -> engine -> certify, under a budget, in a worker process.

``derive.diff`` and ``derive.grad`` are what the CLI, worked examples and
Jupyter call; their results render themselves (text, LaTeX, JSON, Markdown).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sympy as sp

from derive.core.budget import Budget, check_budget
from derive.core.checks import check_bool, check_int, check_names, check_text, check_texts
from derive.core.errors import UsageError, UsageTypeError
from derive.core.runner import run_bounded
from derive.render.result import Result
from derive.scalar.model import Derivation, Gradient
from derive.parse.domain import VarDomain, make_symbol

if TYPE_CHECKING:
    from derive.lsq.api import LsResult
    from derive.matrix.api import MatGradResult


def _domains(where: str | Iterable[str]) -> dict[str, VarDomain]:
    from derive.parse.declarations import merge_domains, parse_where

    texts = [where] if isinstance(where, str) else list(where)
    return merge_domains(d for t in texts for d in parse_where(t))


def _expression(expr: str | sp.Expr, domains: Mapping[str, VarDomain]) -> tuple[str, sp.Expr]:
    if isinstance(expr, sp.Expr):
        return sp.sstr(expr), expr
    if not isinstance(expr, str):
        raise UsageError(f"expected an expression as text or a SymPy expression, got {type(expr).__name__}")
    from derive.parse.auto import parse_expression

    return expr, parse_expression(expr, domains)


def _variables(
    names: str | Sequence[str] | None, expr: sp.Expr, domains: Mapping[str, VarDomain]
) -> list[sp.Symbol]:
    """The symbols to differentiate by: the ones the expression uses, or fresh ones by name."""
    if names is None:
        free = sorted(expr.free_symbols, key=lambda s: s.name)
        if len(free) != 1:
            found = ", ".join(s.name for s in free) or "none"
            raise UsageError(
                "say which variable to differentiate by",
                hint=f"pass wrt=... (--wrt); the expression's variables are: {found}",
            )
        return list(free)
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",")]
    by_name = {s.name: s for s in expr.free_symbols}
    out: list[sp.Symbol] = []
    for n in names:
        if not n or not n.replace("_", "a").isalnum() or not n[0].isalpha():
            raise UsageError(f"{n!r} is not a variable name", hint="use a name such as x, theta or x_1")
        out.append(by_name.get(n) or make_symbol(n, domains))
    return out


@dataclass(frozen=True, slots=True)
class DiffResult(Result):
    """A certified derivation, ready to show: ``.result``, ``.steps``, ``.render(fmt)``, ..."""

    derivation: Derivation

    @property
    def data(self) -> Derivation:
        return self.derivation

    @property
    def result(self) -> sp.Expr:
        return self.derivation.result

    @property
    def steps(self) -> tuple[object, ...]:
        return self.derivation.steps

    @property
    def source(self) -> str:
        return self.derivation.source


@dataclass(frozen=True, slots=True)
class GradResult(Result):
    """A certified gradient (and Hessian) of a scalar function of several scalars."""

    gradient_data: Gradient

    @property
    def data(self) -> Gradient:
        return self.gradient_data

    @property
    def source(self) -> str:
        return self.gradient_data.source

    @property
    def gradient(self) -> sp.Matrix:
        return self.gradient_data.gradient

    @property
    def hessian(self) -> sp.Matrix | None:
        return self.gradient_data.hessian_matrix


def _diff_job(
    expr: str | sp.Expr, wrt: str | Sequence[str] | None, order: int, where: tuple[str, ...], budget: Budget
) -> Derivation:
    from derive.scalar.certify import certify_derivation
    from derive.scalar.strategy import differentiate

    clock = budget.start()
    domains = _domains(where)
    source, e = _expression(expr, domains)
    variables = _variables(wrt, e, domains)
    if order < 1:
        raise UsageError(f"order must be at least 1, got {order}")
    if order > 1:
        if len(variables) != 1:
            raise UsageError("--order goes with a single --wrt variable", hint="repeat --wrt for mixed partials")
        variables = variables * order
    d = differentiate(e, variables, clock, source=source)
    return certify_derivation(d, clock, domains)


def _grad_job(
    expr: str | sp.Expr, wrt: str | Sequence[str] | None, hessian: bool, where: tuple[str, ...], budget: Budget
) -> Gradient:
    from derive.scalar.certify import certify_gradient
    from derive.scalar.gradient import gradient

    clock = budget.start()
    domains = _domains(where)
    source, e = _expression(expr, domains)
    if wrt is None:
        variables = sorted(e.free_symbols, key=lambda s: s.name)
    else:
        variables = _variables(wrt, e, domains)
    names = [v.name for v in variables]
    if len(set(names)) != len(names):
        raise UsageError(f"a variable is repeated in {', '.join(names)}", hint="name each variable once")
    missing = [v.name for v in variables if not e.has(v)]
    if missing:
        raise UsageError(
            f"{', '.join(missing)} does not appear in the expression",
            hint=f"the expression's variables are: {', '.join(sorted(s.name for s in e.free_symbols))}",
        )
    if not variables:
        raise UsageError("the expression has no variables to differentiate by")
    g = gradient(e, variables, clock, hessian=hessian, source=source)
    return certify_gradient(g, clock, domains)


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
    lets = _where(let)
    if lets:
        from derive.parse.shapes import merge_shapes
        from derive.matrix.read import parse_matrix_auto
        from derive.parse.let import parse_let
        from derive.render.notation.latex import mtex

        if not isinstance(expr, str):
            raise UsageError(f"expected an expression as text, got {type(expr).__name__}")
        return mtex(parse_matrix_auto(expr, merge_shapes(parse_let(t) for t in lets), _domains(_where(where))))
    _, e = _expression(expr, _domains(_where(where)))
    return tex(e)


def write_pdf(result: DiffResult | GradResult | MatGradResult | LsResult, out: Path, *, title: str) -> Path:
    """A one-derivation worked-solution handout at ``out`` (the .tex beside it if TeX is absent)."""
    from derive.handout.builder import HandoutBuilder
    from derive.render.env import render_handout
    from derive.render.pdf import build_pdf, tex_available, write_text_atomic

    h = HandoutBuilder(title=title)
    h.worked("Worked solution", result)
    tex = render_handout(h.build())
    if tex_available():
        return build_pdf(tex, out)
    tex_path = out.with_suffix(".tex")
    write_text_atomic(tex_path, tex)
    return tex_path


def _where(where: str | Iterable[str]) -> tuple[str, ...]:
    return (where,) if isinstance(where, str) else tuple(where)


def _is_matrix_expression(expr: object) -> bool:
    from derive.matrix.expr import Node

    return isinstance(expr, Node)


MAX_ORDER = 100
"""Highest derivative order the API accepts (the command line allows 20)."""


def diff(
    expr: str | sp.Expr,
    wrt: str | Sequence[str] | None = None,
    *,
    order: int = 1,
    where: str | Iterable[str] = (),
    budget: Budget | None = None,
) -> DiffResult:
    """Differentiate step by step, every step certified.

    ``wrt`` is a name, a list of names (mixed partial in that order) or None (the only variable).
    ``where`` declares domains such as ``"x > 0"``. Runs in a worker under ``budget``.
    """
    if not isinstance(expr, sp.Expr):
        check_text(expr, "expr", example="x^2 sin(x)")
    if wrt is not None:
        wrt = check_names(wrt, "wrt")
    check_int(order, "order", 1, MAX_ORDER)
    where = check_texts(where, "where", example="x > 0")
    budget = check_budget(budget, Budget())
    d = run_bounded(_diff_job, expr, wrt, order, _where(where), budget, budget=budget, what="differentiation")
    return DiffResult(d)


def grad(
    expr: str | sp.Expr,
    wrt: str | Sequence[str] | None = None,
    *,
    hessian: bool = False,
    where: str | Iterable[str] = (),
    let: str | Iterable[str] = (),
    budget: Budget | None = None,
) -> GradResult | MatGradResult:
    """Gradient (and Hessian), every entry or step derived and certified.

    Without ``let``: a scalar function of scalars, one derivation per partial. With ``let``
    (shape declarations such as ``"X: n x p"``, ``"y: n"``, ``"A: p x p symmetric"``): a scalar
    function of a declared vector or matrix ``wrt``, by matrix differentials.
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

        return matrix_grad(expr, wrt, hessian=hessian, where=_where(where), let=lets, budget=budget)
    g = run_bounded(_grad_job, expr, wrt, hessian, _where(where), budget, budget=budget, what="the gradient")
    return GradResult(g)
