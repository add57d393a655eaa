"""LaTeX for expressions, as a teacher writes them: f'(x^2), d/dx (...), sigma(z).

Extends SymPy's LatexPrinter by subclassing (its settings and precedence table hold).
"""
from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter


def _primes(n: int) -> str:
    return "'" * n if n <= 3 else f"^{{({n})}}"


class DeriveLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with derivative notation for steps."""

    _default_settings = {**LatexPrinter._default_settings, "ln_notation": True, "partial": False}

    def _print_Pow(self, expr: sp.Pow, **kwargs: Any) -> str:
        # sin^x(x) is ambiguous on a whiteboard: only integer powers go on the function name.
        base, e = expr.args
        if base.is_Function and not (e.is_Integer and e.is_positive) and not isinstance(base, sp.exp):
            return rf"\left({self._print(base)}\right)^{{{self._print(e)}}}"
        return str(super()._print_Pow(expr, **kwargs))

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        inner = expr.expr
        if isinstance(inner, AppliedUndef) and len(inner.args) == 1 and len(expr.variables) >= 1:
            (var, n), = expr.variable_count if len(expr.variable_count) == 1 else ((None, 0),)
            if var is not None and inner.args[0] == var:
                return f"{self._print(inner.func)}{_primes(n)}\\left({self._print(var)}\\right)"
        if isinstance(inner, AppliedUndef):
            return str(super()._print_Derivative(expr))
        partial = self._settings["partial"] or len(expr.free_symbols) > 1
        d = r"\partial" if partial else "d"
        counts = expr.variable_count
        total = sum(n for _, n in counts)
        top = d if total == 1 else f"{d}^{{{total}}}"
        bottom = " ".join(
            f"{d} {self._print(v)}" if n == 1 else f"{d} {self._print(v)}^{{{n}}}" for v, n in reversed(counts)
        )
        body = self._print(inner)
        if not (inner.is_Symbol or inner.is_Function and not isinstance(inner, sp.Pow)):
            body = rf"\left({body}\right)"
        return rf"\frac{{{top}}}{{{bottom}}} {body}"

    def _print_Subs(self, expr: sp.Subs) -> str:
        inner = expr.expr
        if (
            isinstance(inner, sp.Derivative)
            and isinstance(inner.expr, AppliedUndef)
            and len(inner.expr.args) == 1
            and len(expr.variables) == 1
            and len(inner.variable_count) == 1
        ):
            (_, n), = inner.variable_count
            return f"{self._print(inner.expr.func)}{_primes(n)}\\left({self._print(expr.point[0])}\\right)"
        return str(super()._print_Subs(expr))


def tex(expr: sp.Basic, **settings: Any) -> str:
    """LaTeX of one expression with derive's notation."""
    return str(DeriveLatexPrinter(settings).doprint(expr))
