"""The matrix half of the Python API: ``derive.grad(..., let=[...])`` for vector and matrix variables.

Composes parse (``--let`` shapes, the expression) -> engine (differentials) -> certify
(random sizes) in a budget worker; the result renders itself like the scalar results.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from derive.core.budget import Budget
from derive.core.runner import run_bounded
from derive.render.result import Result
from derive.core.errors import UsageError
from derive.matrix import expr as M
from derive.matrix.model import MatGradient, MatGradients, MatJacobian


@dataclass(frozen=True, slots=True, repr=False)
class MatGradResult(Result):
    """A certified matrix-calculus gradient: ``.gradient``, ``.hessian``, ``.render(fmt)``, ..."""

    data: MatGradient

    @property
    def source(self) -> str:
        return self.data.source

    @property
    def gradient(self) -> Any:
        """The gradient as a SymPy matrix expression (``gradient_node``: derive's own tree)."""
        from derive.matrix.sympy_form import to_sympy

        return to_sympy(self.data.gradient)

    @property
    def hessian(self) -> Any:
        """The Hessian as a SymPy matrix expression, or None."""
        from derive.matrix.sympy_form import to_sympy

        return None if self.data.hessian is None else to_sympy(self.data.hessian)

    @property
    def gradient_node(self) -> M.Node:
        return self.data.gradient

    @property
    def hessian_node(self) -> M.Node | None:
        return self.data.hessian

    @property
    def steps(self) -> tuple[object, ...]:
        return self.data.steps + self.data.hessian_steps


@dataclass(frozen=True, slots=True, repr=False)
class MatJacobianResult(Result):
    """A certified Jacobian of a vector- or matrix-valued function (numerator layout): ``.jacobian``, ..."""

    data: MatJacobian

    @property
    def source(self) -> str:
        return self.data.source

    @property
    def jacobian(self) -> Any:
        """The Jacobian as a SymPy matrix expression (``jacobian_node``: derive's own tree)."""
        from derive.matrix.sympy_form import to_sympy

        return to_sympy(self.data.jacobian)

    @property
    def jacobian_node(self) -> M.Node:
        return self.data.jacobian

    @property
    def layout(self) -> str:
        return self.data.layout

    @property
    def steps(self) -> tuple[object, ...]:
        return self.data.steps


@dataclass(frozen=True, slots=True, repr=False)
class MatGradientsResult(Result):
    """The gradients by several variables: ``.gradients`` (name -> SymPy matrix expression), ``.parts``,
    ``.solution`` (name -> the joint stationary point, or None)."""

    data: MatGradients

    @property
    def source(self) -> str:
        return self.data.source

    @property
    def parts(self) -> tuple[MatGradResult, ...]:
        """Each partial as a result of its own."""
        return tuple(MatGradResult(g) for g in self.data.parts)

    @property
    def gradients(self) -> dict[str, Any]:
        from derive.matrix.sympy_form import to_sympy

        return {g.wrt.name: to_sympy(g.gradient) for g in self.data.parts}

    @property
    def solution(self) -> dict[str, Any] | None:
        from derive.matrix.sympy_form import to_sympy

        joint = self.data.joint
        return None if joint is None else {v.name: to_sympy(value) for v, value, _, _ in joint.solved}


def _wrt_names(wrt: str | Sequence[str] | None) -> list[str]:
    if wrt is None:
        raise UsageError("say which vector or matrix to differentiate by", hint="pass wrt=... (--wrt NAME)")
    names = [n.strip() for n in wrt.split(",")] if isinstance(wrt, str) else list(wrt)
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError(f"{', '.join(twice)} named twice in wrt", hint="name each variable once")
    return names


def matrix_grad_job(expr: str | M.Node, wrt: str | Sequence[str] | None, hessian: bool,
                    where: tuple[str, ...], let: tuple[str, ...], budget: Budget) -> MatGradient | MatJacobian | MatGradients:
    """Parse, derive and certify (runs inside the budget worker)."""
    from derive.matrix.certify import certify_matrix_gradient
    from derive.matrix.gradient import matrix_gradient
    from derive.matrix.expr import plain
    from derive.parse.shapes import merge_shapes
    from derive.parse.declarations import merge_domains, parse_where
    from derive.parse.let import parse_let

    clock = budget.start()
    domains = merge_domains(d for t in where for d in parse_where(t))
    shapes = merge_shapes(parse_let(t) for t in let)
    names = _wrt_names(wrt)
    if isinstance(expr, M.Node):
        f, source = expr, plain(expr)
    elif isinstance(expr, str):
        from derive.matrix.read import parse_matrix_auto

        f, source = parse_matrix_auto(expr, shapes, domains), expr
    else:
        raise UsageError(f"expected an expression as text, got {type(expr).__name__}")
    found = {s.name: s for s in M.symbols(f)}
    for name in names:
        if name not in shapes:
            declared = ", ".join(sorted(shapes)) or "none"
            raise UsageError(f"{name} is not declared as a vector or matrix",
                             hint=f"declare it, e.g. --let '{name}: p' (declared: {declared})")
        if name not in found:
            present = ", ".join(sorted(found)) or "none"
            raise UsageError(f"{name} does not appear in the expression",
                             hint=f"its vector and matrix variables are: {present}")
    if len(names) > 1:
        from derive.matrix.certify import certify_matrix_gradients
        from derive.matrix.gradient import matrix_gradients

        if not f.is_scalar:
            raise UsageError(f"the expression is {M.shape_text(f.shape)}-valued: its Jacobian is taken with respect "
                             f"to one vector or matrix, got {', '.join(names)}", hint="ask for each in turn")
        gs = matrix_gradients(f, tuple(found[n] for n in names), clock, hessian=hessian, source=source,
                              shapes=tuple(shapes.values()))
        return certify_matrix_gradients(gs, clock, domains)
    name = names[0]
    if not f.is_scalar:
        from derive.matrix.certify import certify_matrix_jacobian
        from derive.matrix.jacobian import matrix_jacobian

        if hessian:
            raise UsageError(f"the expression is {M.shape_text(f.shape)}-valued: its derivative is a Jacobian, "
                             "and a Hessian needs a scalar function", hint="drop --hessian")
        j = matrix_jacobian(f, found[name], clock, source=source, shapes=tuple(shapes.values()))
        return certify_matrix_jacobian(j, clock, domains)
    g = matrix_gradient(f, found[name], clock, hessian=hessian, source=source, shapes=tuple(shapes.values()))
    return certify_matrix_gradient(g, clock, domains)


def matrix_grad(expr: str | M.Node, wrt: str | Sequence[str] | None, *, hessian: bool,
                where: Iterable[str], let: Iterable[str], budget: Budget) -> MatGradResult | MatJacobianResult | MatGradientsResult:
    g = run_bounded(matrix_grad_job, expr, wrt, hessian, tuple(where), tuple(let), budget, budget=budget,
                    what="the matrix gradient")
    if isinstance(g, MatGradients):
        return MatGradientsResult(g)
    return MatJacobianResult(g) if isinstance(g, MatJacobian) else MatGradResult(g)
