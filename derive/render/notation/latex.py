"""LaTeX for expressions, as a teacher writes them: f'(x^2), d/dx (...), sigma(z), X^\\top, \\odot.

They extend SymPy's LatexPrinter by subclassing (its settings and precedence table hold); the
matrix trees' printers are in ``notation.matrix``.
"""
from __future__ import annotations

from typing import Any

import importlib
import re

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.conventions import split_super_sub
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from derive.render.notation.order import as_decimal, in_typed_order
from derive.parse.order import positive_first
from derive.render.notation.sample import mean_symbols
from derive.scalar.notation import PrimeForm, prime_form, primes

_latex_module = importlib.import_module("sympy.printing.latex")  # the module (sympy.printing.latex is also a function)


_NEEDS_PACKAGE = frozenset({"scr"})
"""SymPy's name-suffix font modifiers whose command needs a package a handout does not load
(``\\mathscr`` is mathrsfs'): such a suffix is part of the name (``xscr`` prints as it reads)."""
_MODIFIERS = sorted((k for k in _latex_module.modifier_dict if k not in _NEEDS_PACKAGE), key=len, reverse=True)


def translate_name(s: str) -> str:
    """SymPy's ``translate`` (Greek letters, then a trailing modifier such as ``hat`` or ``bar``, recursively),
    with only the modifiers whose commands amsmath and amssymb provide."""
    greek = _latex_module.tex_greek_dictionary.get(s)
    if greek:
        return str(greek)
    if s.lower() in _latex_module.greek_letters_set:
        return "\\" + s.lower()
    if s in _latex_module.other_symbols:
        return "\\" + s
    for key in _MODIFIERS:
        if s.lower().endswith(key) and len(s) > len(key):
            return str(_latex_module.modifier_dict[key](translate_name(s[:-len(key)])))
    return s


class SafeNames(LatexPrinter):
    """Symbol names typeset with the packages a handout loads (no ``\\mathscr`` from a name ending in scr)."""

    def _split_super_sub(self, name: str) -> tuple[str, list[str], list[str]]:
        if name is None or "{" in name or self._settings["disable_split_super_sub"]:
            return super()._split_super_sub(name)
        base, supers, subs = split_super_sub(name)
        return translate_name(base), [translate_name(x) for x in supers], [translate_name(x) for x in subs]


class DeriveLatexPrinter(SafeNames):
    """SymPy's LaTeX printer with derivative notation for steps."""

    _default_settings = {**LatexPrinter._default_settings, "ln_notation": True, "partial": False}

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        """SymPy's order, then the user's typed order where there is one (``notation.order``)."""
        return in_typed_order(list(super()._as_ordered_terms(expr, order=order)), expr)

    def _print_Mul(self, expr: sp.Mul) -> str:
        c, rest = expr.as_coeff_Mul()
        dec = as_decimal(c)
        if dec is not None and rest is not sp.S.One:
            body = (self._print(rest) if rest.is_Mul or isinstance(rest, sp.Derivative)
                    else self.parenthesize(rest, PRECEDENCE["Mul"]))
            return f"{dec} {body}"
        return str(super()._print_Mul(expr))

    def _print_Rational(self, expr: sp.Rational) -> str:
        return as_decimal(expr) or str(super()._print_Rational(expr))

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


class SumLatex(SafeNames):
    """LaTeX with short sums (the limits i = 1..n are stated once) and the derivation's symbols."""

    def __init__(self, names: dict[str, tuple[str, str]]) -> None:
        super().__init__({"order": None})
        self._names = names

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        """SymPy's order with the positive terms first: x_i − x̄, Σ x_i² − n x̄², 1 − RSS/TSS."""
        return positive_first(list(super()._as_ordered_terms(expr, order=order)))

    def _print_Symbol(self, e: Any, style: str = "plain") -> str:
        if e.name in self._names:
            return self._names[e.name][1]
        return str(super()._print_Symbol(e))

    def _print_Sum(self, e: Any) -> str:
        (var, _, _), = e.limits
        body = self._print(e.function)
        if isinstance(e.function, sp.Add) or e.function.could_extract_minus_sign():
            body = rf"\left({body}\right)"
        return rf"\sum_{{{self._print(var)}}} {body}"

    def _print_Equality(self, e: Any) -> str:
        return f"{self._print(e.lhs)} = {self._print(e.rhs)}"


class StatLatex(SumLatex):
    """The regression summary's scalar formulas; the regularized incomplete beta as I_x(a, b)."""

    def _print_Function(self, e: Any, exp: str | None = None) -> str:
        name = type(e).__name__
        if name in self._names:
            out = rf"{self._names[name][1]}\left({', '.join(self._print(a) for a in e.args)}\right)"
            return f"{out}^{{{exp}}}" if exp else out
        return str(super()._print_Function(e, exp))

    def _print_betainc_regularized(self, e: Any) -> str:
        a, b, _, x = e.args
        return rf"I_{{{self._print(x)}}}\left({self._print(a)}, {self._print(b)}\right)"

    def _print_Pow(self, e: Any) -> str:
        if isinstance(e.base, sp.Symbol) and self._names.get(e.base.name, ("", ""))[1].startswith(r"\sum"):
            return rf"\left({self._print(e.base)}\right)^{{{self._print(e.exp)}}}"  # (Σ x_i)², not Σ x_i²
        return str(super()._print_Pow(e))


# -- sample expressions (maximum likelihood) -------------------------------------------------
_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda",
          "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"}


def _tex_name(name: str) -> str:
    mark = ""
    for suffix, wrap in (("_hat", r"\hat{%s}"), ("_bar", r"\bar{%s}"), ("_k", "%s_{k}")):
        if name.endswith(suffix):
            name, mark = name[: -len(suffix)], wrap
            break
    base = name
    m = re.fullmatch(r"([A-Za-z]+?)(\d+)", name)
    sub = ""
    if m and m.group(1) in _GREEK | {"lam"} or (m and len(m.group(1)) == 1):
        base, sub = m.group(1), m.group(2)
    if base == "lam":
        base = "lambda"
    tex = f"\\{base}" if base in _GREEK else (base if len(base) == 1 else rf"\mathrm{{{base}}}")
    if sub == "2" and base.startswith("sigma"):
        tex = tex + "^{2}"
    elif sub:
        tex = f"{tex}_{{{sub}}}"
    return mark % tex if mark else tex


class SampleLatex(LatexPrinter):
    """SymPy's LaTeX with our names (sigma2 as sigma^2, lam as lambda, x_hat) and sample notation."""

    def _print(self, expr: object, **kwargs: object) -> str:
        if isinstance(expr, sp.Indexed):  # Indexed prints itself otherwise (its own _latex)
            return self._print_Indexed(expr)
        return super()._print(expr, **kwargs)

    def _print_Symbol(self, s: sp.Symbol, style: str = "plain") -> str:
        return _tex_name(s.name)

    def _print_Indexed(self, e: sp.Indexed) -> str:
        idx = self._print(e.indices[0])
        m = re.fullmatch(r"([A-Za-z]+)(\d+)", e.base.name)
        if m:  # x1[i] is x_{1,i}: never a double subscript
            return f"{_tex_name(m.group(1))}_{{{m.group(2)},{idx}}}"
        return f"{_tex_name(e.base.name)}_{{{idx}}}"

    def _print_polygamma(self, e: sp.Expr, exp: str | None = None) -> str:
        order, arg = e.args
        mark = {0: "", 1: "'", 2: "''"}.get(int(order), f"^{{({order})}}")
        tex = rf"\psi{mark}\left({self._print(arg)}\right)"
        return f"{tex}^{{{exp}}}" if exp else tex


def sample_tex(expr: sp.Basic) -> str:
    """LaTeX for an expression over a sample: x_i, sample means as x-bar, sigma2 as sigma^2, psi for digamma."""
    return str(SampleLatex({"mul_symbol": None}).doprint(mean_symbols(expr)))
