"""How matrix expressions read: textbook LaTeX (X^\\top, X^{-1}, \\odot, \\operatorname{tr}, \\mathrm{d}X) and
Unicode (−2·Xᵀ(y − X·b), ‖u‖, X⁻¹).

Both extend the expression language's own ``PlainPrinter`` (``matrix.expr``), whose precedence
decides parentheses; scalar coefficients print through the scalar notations.
"""
from __future__ import annotations

import sympy as sp

from derive.matrix import expr as M
from derive.matrix.expr import PREC_ATOM, PREC_POW, PlainPrinter
from derive.render.notation.latex import tex
from derive.render.notation.text import _SUP, utext


class MatLatex(PlainPrinter):
    """Matrix expressions in textbook LaTeX."""

    times = " "
    hadamard_op = r" \odot "
    divide_op = r" \oslash "
    kron_op = r" \otimes "
    transpose_mark = r"^{\top}"
    minus = "-"

    def wrap(self, text: str) -> str:
        return rf"\left({text}\right)"

    def symbol(self, name: str) -> str:
        return tex(sp.Symbol(name))

    def scalar(self, value: sp.Expr) -> str:
        names = {s: r"\lambda" for s in value.free_symbols if isinstance(s, sp.Symbol) and s.name == "lam"}
        return tex(value, symbol_names=names) if names else tex(value)

    def call(self, name: str, *args: str) -> str:
        return rf"\operatorname{{{name}}}\left({', '.join(args)}\right)"

    def ones(self) -> str:
        return r"\mathbf{1}"

    def differential(self, name: str) -> str:
        return rf"\mathrm{{d}}{name}"

    def fraction(self, num: str, den: str, several: bool) -> str:
        return rf"\frac{{{num}}}{{{den}}}"

    def join_product(self, parts: list[str]) -> str:
        return " ".join(parts)

    def _print_Transpose(self, n: M.Transpose) -> tuple[str, int]:
        return self.paren(n.arg, PREC_ATOM) + self.transpose_mark, PREC_POW

    def _print_Inverse(self, n: M.Inverse) -> tuple[str, int]:
        if isinstance(n.arg, M.Transpose):
            return self.paren(n.arg.arg, PREC_ATOM) + r"^{-\top}", PREC_POW
        return self.paren(n.arg, PREC_ATOM) + "^{-1}", PREC_POW

    def _print_Trace(self, n: M.Trace) -> tuple[str, int]:
        return self.call("tr", self.doprint(n.arg)), PREC_ATOM

    def _print_Det(self, n: M.Det) -> tuple[str, int]:
        return rf"\det\left({self.doprint(n.arg)}\right)", PREC_ATOM

    def _print_LogDet(self, n: M.LogDet) -> tuple[str, int]:
        return rf"\log\det\left({self.doprint(n.arg)}\right)", PREC_ATOM

    def _print_Func(self, n: M.Func) -> tuple[str, int]:
        names = {"sigmoid": r"\sigma", "exp": r"\exp", "log": r"\log", "tanh": r"\tanh", "sin": r"\sin",
                 "cos": r"\cos", "softplus": r"\operatorname{softplus}"}
        return rf"{names[n.name]}\left({self.doprint(n.arg)}\right)", PREC_ATOM

    def matrix_power(self, base: str, k: int) -> str:
        return f"{base}^{{{k}}}"

    def _print_Power(self, n: M.Power) -> tuple[str, int]:
        e = n.exp
        if isinstance(n.base, M.Norm):
            return rf"{self._p(n.base)[0]}^{{{tex(e)}}}", PREC_POW
        if n.is_scalar and e == sp.Rational(1, 2):
            return rf"\sqrt{{{self.doprint(n.base)}}}", PREC_ATOM
        mark = "" if n.is_scalar else r"\circ "
        return rf"{self.paren(n.base, PREC_ATOM)}^{{{mark}{tex(e)}}}", PREC_POW

    def _print_Norm(self, n: M.Norm) -> tuple[str, int]:
        sub = "_F" if n.arg.shape[1] != 1 else ""
        return rf"\left\lVert {self.doprint(n.arg)} \right\rVert{sub}", PREC_ATOM

    def _print_D(self, n: M.D) -> tuple[str, int]:
        inner, prec = self._p(n.arg)
        if prec >= PREC_ATOM and not isinstance(n.arg, M.Transpose):
            return rf"\mathrm{{d}}{inner}", PREC_POW
        return rf"\mathrm{{d}}\left({inner}\right)", PREC_ATOM

    def _print_Identity(self, n: M.Identity) -> tuple[str, int]:
        return "I", PREC_ATOM

    def _print_Commutation(self, n: M.Commutation) -> tuple[str, int]:
        return rf"K_{{{tex(n.m)},{tex(n.n)}}}", PREC_ATOM


def mtex(node: M.Node) -> str:
    """LaTeX of one matrix expression."""
    return MatLatex().doprint(node)


class MatUnicode(PlainPrinter):
    """Matrix expressions in Unicode: −2·Xᵀ(y − X·b)."""

    times = "·"
    hadamard_op = " ⊙ "
    divide_op = " ⊘ "
    kron_op = " ⊗ "
    transpose_mark = "ᵀ"
    minus = "−"

    def symbol(self, name: str) -> str:
        if len(name) > 3 and name.endswith("bar"):  # ybar: y with a macron, as LaTeX writes \bar{y}
            return utext(sp.Symbol(name[:-3])) + "\u0304"
        return utext(sp.Symbol(name))

    def scalar(self, value: sp.Expr) -> str:
        return utext(value).replace(" - ", " − ")

    def _print_Inverse(self, n: M.Inverse) -> tuple[str, int]:
        if isinstance(n.arg, M.Transpose):
            return self.paren(n.arg.arg, PREC_ATOM) + "⁻ᵀ", PREC_POW
        return self.paren(n.arg, PREC_ATOM) + "⁻¹", PREC_POW

    def _print_Norm(self, n: M.Norm) -> tuple[str, int]:
        sub = "_F" if n.arg.shape[1] != 1 else ""
        return f"‖{self.doprint(n.arg)}‖{sub}", PREC_ATOM

    def _print_Func(self, n: M.Func) -> tuple[str, int]:
        name = {"sigmoid": "σ", "log": "log"}.get(n.name, n.name)
        return f"{name}({self.doprint(n.arg)})", PREC_ATOM

    def matrix_power(self, base: str, k: int) -> str:
        return base + str(k).translate(_SUP)

    def _print_Power(self, n: M.Power) -> tuple[str, int]:
        e = n.exp
        base = self.paren(n.base, PREC_ATOM)
        mark = "" if n.is_scalar else "∘"
        if e.is_Integer:
            return f"{base}{mark and '^∘'}{str(e).translate(_SUP)}" if mark else f"{base}{str(e).translate(_SUP)}", PREC_POW
        return f"{base}^{mark}({self.scalar(e)})", PREC_POW


def utext_m(node: M.Node) -> str:
    """The one-line Unicode form of a matrix expression."""
    return MatUnicode().doprint(node)
