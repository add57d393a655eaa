"""The scalar part of the Python API: ``derive.diff`` and the gradient of a function of scalars.

Composes parse -> engine -> certify under a budget, in a worker process; the results render
themselves in any format (``render``). ``derive.grad`` itself is in ``derive.api``: it picks
this module or the matrix one by the declarations it is given.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from derive.core.budget import Budget, check_budget
from derive.core.checks import check_bool, check_int, check_names, check_text, check_texts
from derive.core.errors import UsageError, UsageTypeError
from derive.core.runner import run_bounded
from derive.render.result import Result
from derive.scalar.model import Derivation, Gradient
from derive.parse.domain import VarDomain
from derive.parse.order import TermOrder

def read_domains(where: str | Iterable[str]) -> dict[str, VarDomain]:
    """The domains ``--where`` declares (one text or several), merged."""
    from derive.parse.declarations import merge_domains, parse_where

    texts = [where] if isinstance(where, str) else list(where)
    return merge_domains(d for t in texts for d in parse_where(t))


def read_expression(expr: str | sp.Expr, domains: Mapping[str, VarDomain]) -> tuple[str, sp.Expr]:
    """(source text, SymPy expression) of plain text or LaTeX (read, never evaluated), or of a SymPy expression."""
    source, e, _ = read_expression_ordered(expr, domains)
    return source, e


def read_expression_ordered(expr: str | sp.Expr, domains: Mapping[str, VarDomain]) -> tuple[str, sp.Expr, TermOrder]:
    """``read_expression`` with the order the user typed the terms in (none for a SymPy expression)."""
    if isinstance(expr, sp.Expr):
        return sp.sstr(expr), expr, TermOrder()
    if not isinstance(expr, str):
        raise UsageError(f"expected an expression as text or a SymPy expression, got {type(expr).__name__}")
    from derive.parse.auto import parse_expression_ordered

    e, order = parse_expression_ordered(expr, domains)
    return expr, e, order


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
        out.append(by_name.get(n) or _wrt_symbol(n, domains))
    return out


_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
"""A variable's name, as the expression's grammar reads it (``NAME`` in parse/grammar.lark)."""


def _wrt_symbol(n: str, domains: Mapping[str, VarDomain]) -> sp.Symbol:
    """A variable to differentiate by, read with the expression's rules: ASCII letters, digits and _,
    not a constant, a function or a reserved name (so a Cyrillic х is refused as it is in the expression)."""
    from derive.core.errors import ParseError
    from derive.parse.vocabulary import variable

    if not _NAME.fullmatch(n):
        bad = next((c for c in n if not (c.isascii() and (c.isalnum() or c == "_"))), n[:1])
        raise UsageError(f"{n!r} is not a variable name" + (f" (character {bad!r}, U+{ord(bad):04X})" if bad else ""),
                         hint="a name is ASCII letters, digits and _ starting with a letter, as in the expression: "
                              "x, theta, x_1")
    try:
        v = variable(n, domains, None)
    except ParseError as exc:
        raise UsageError(f"cannot differentiate by {n!r}: {exc.message}", hint=exc.hint) from None
    if not isinstance(v, sp.Symbol):
        raise UsageError(f"{n!r} is a constant, not a variable", hint="differentiate by a variable of the expression")
    return v


@dataclass(frozen=True, slots=True, repr=False)
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


@dataclass(frozen=True, slots=True, repr=False)
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
    domains = read_domains(where)
    source, e, typed = read_expression_ordered(expr, domains)
    variables = _variables(wrt, e, domains)
    if order < 1:
        raise UsageError(f"order must be at least 1, got {order}")
    if order > 1:
        if len(variables) != 1:
            raise UsageError("--order goes with a single --wrt variable", hint="repeat --wrt for mixed partials")
        variables = variables * order
    d = differentiate(e, variables, clock, source=source, order=typed)
    certified = certify_derivation(d, clock, domains)
    absent = [v.name for v in dict.fromkeys(variables) if v not in e.free_symbols]
    if absent:
        names = ", ".join(absent)
        note = (f"{names} does not occur in the expression, so the derivative by it is 0" if len(absent) == 1 else
                f"{names} do not occur in the expression, so the derivative by them is 0")
        certified = dataclasses.replace(certified, notes=certified.notes + (note,))
    return certified


def _grad_job(
    expr: str | sp.Expr, wrt: str | Sequence[str] | None, hessian: bool, where: tuple[str, ...], budget: Budget
) -> Gradient:
    from derive.scalar.certify import certify_gradient
    from derive.scalar.gradient import gradient

    clock = budget.start()
    domains = read_domains(where)
    source, e, typed = read_expression_ordered(expr, domains)
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
    g = gradient(e, variables, clock, hessian=hessian, source=source, order=typed)
    return certify_gradient(g, clock, domains)


def as_texts(where: str | Iterable[str]) -> tuple[str, ...]:
    """One text or several, as a tuple."""
    return (where,) if isinstance(where, str) else tuple(where)


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
    d = run_bounded(_diff_job, expr, wrt, order, as_texts(where), budget, budget=budget, what="differentiation")
    return DiffResult(d)


def scalar_grad(
    expr: str | sp.Expr, wrt: str | Sequence[str] | None, *, hessian: bool, where: tuple[str, ...], budget: Budget
) -> GradResult:
    """Gradient (and Hessian) of a scalar function of scalars, one certified derivation per entry (``derive.grad``)."""
    g = run_bounded(_grad_job, expr, wrt, hessian, where, budget, budget=budget, what="the gradient")
    return GradResult(g)
