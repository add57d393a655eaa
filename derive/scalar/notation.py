"""How scalar expressions read in derivations: derivatives with primes (f'(x), f''(x^2)), plain text.

Every printer (LaTeX, terminal, the engine's plain-text justifications) asks the
same question, so the answer lives here once.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.str import StrPrinter


@dataclass(frozen=True, slots=True)
class PrimeForm:
    """``function`` differentiated ``order`` times, evaluated at ``point``: f^(order)(point)."""

    function: sp.FunctionClass
    order: int
    point: sp.Expr


def prime_form(expr: sp.Basic) -> PrimeForm | None:
    """The prime form of a derivative of a one-argument undefined function, else None.

    Matches Derivative(f(v), v, n) and SymPy's Subs(Derivative(f(u), u, n), u, point).
    """
    if isinstance(expr, sp.Derivative):
        inner, counts = expr.expr, expr.variable_count
        if isinstance(inner, AppliedUndef) and len(inner.args) == 1 and len(counts) == 1:
            (v, n), = counts
            if inner.args[0] == v:
                return PrimeForm(inner.func, int(n), v)
        return None
    if isinstance(expr, sp.Subs) and len(expr.variables) == 1:
        found = prime_form(expr.expr)
        if found is not None and found.point == expr.variables[0]:
            return PrimeForm(found.function, found.order, expr.point[0])
    return None


def primes(order: int, *, unicode: bool = False) -> str:
    """' or '' or ''' (or ′ ″...), and (n) in a superscript from the fourth derivative on."""
    mark = "′" if unicode else "'"
    return mark * order if order <= 3 else f"^({order})"


class _PlainPrinter(StrPrinter):
    """SymPy's str form, with f'(u) for derivatives of undefined functions."""

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        pf = prime_form(expr)
        if pf is not None:
            return f"{pf.function.__name__}{primes(pf.order)}({self._print(pf.point)})"
        return str(super()._print_Derivative(expr))


_TEXT: ContextVar[Callable[[sp.Basic], str] | None] = ContextVar("derive_justification_text", default=None)


@contextmanager
def justification_text(printer: Callable[[sp.Basic], str]) -> Iterator[None]:
    """Inside this block, justifications print their expressions with ``printer`` (a format printer's own,
    so that ``u2 = y − x²`` reads as the line beside it does, in the typed order)."""
    token = _TEXT.set(printer)
    try:
        yield
    finally:
        _TEXT.reset(token)


def text(e: sp.Basic) -> str:
    """Compact plain text of an expression for justifications (``^`` for powers, f'(u) for derivatives of f)."""
    printer = _TEXT.get()
    if printer is not None:
        return printer(e)
    return str(_PlainPrinter().doprint(e)).replace("**", "^")
