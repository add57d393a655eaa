"""LaTeX for expressions, as a teacher writes them: f'(x^2), d/dx (...), sigma(z).

Extends SymPy's LatexPrinter by subclassing (its settings and precedence table hold).
"""
from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter

from derive.scalar.notation import PrimeForm, prime_form, primes


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
        pf = prime_form(expr)
        if pf is not None:
            return self._prime(pf)
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
        pf = prime_form(expr)
        return self._prime(pf) if pf is not None else str(super()._print_Subs(expr))

    def _prime(self, pf: PrimeForm) -> str:
        mark = primes(pf.order) if pf.order <= 3 else f"^{{({pf.order})}}"
        return f"{self._print(pf.function)}{mark}\\left({self._print(pf.point)}\\right)"


def tex(expr: sp.Basic, **settings: Any) -> str:
    """LaTeX of one expression with derive's notation."""
    return str(DeriveLatexPrinter(settings).doprint(expr))
