"""How MLE expressions read: x[i] as x_i, the sample mean as x-bar, psi for the digamma.

Two printers over the same display rewrite: LaTeX (for handouts and Markdown) and Unicode text
(for the terminal). The rewrite only changes how things look; the derivation keeps SymPy's
``Sum(x[i], (i, 1, n))`` (which is what JSON prints).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from derive.likelihood.sample import I, N


def mean_symbols(expr: sp.Expr | sp.Matrix) -> sp.Expr | sp.Matrix:
    """``Sum(x[i], (i, 1, n)) / n`` shown as ``xbar`` (a display symbol)."""
    def swap(e: sp.Basic) -> sp.Basic:
        out = e
        for s in [a for a in sp.preorder_traversal(e) if isinstance(a, sp.Sum) and a.limits[0][0] == I
                  and isinstance(a.function, sp.Indexed)]:
            bar = sp.Symbol(f"{s.function.base.name}_bar", real=True)
            out = out.subs(s / N, bar)
        return out
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(swap)
    return swap(expr)


def hatted(expr: sp.Expr | sp.Matrix, params: Sequence[sp.Symbol], mark: str = "hat") -> sp.Expr | sp.Matrix:
    """Parameters renamed ``p_hat`` (at the estimate) or ``p_k`` (an iterate)."""
    sub = {p: sp.Symbol(f"{p.name}_{mark}", **{k: v for k, v in p.assumptions0.items() if v}) for p in params}
    return expr.xreplace(sub)


_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda",
          "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"}
_UNI = dict(zip(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lam",
                 "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"],
                "αβγδεζηθικλλμνξπρστυφχψω"))


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


class MleLatexPrinter(LatexPrinter):
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


class MleTextPrinter(StrPrinter):
    """Readable Unicode text: Σ x_i, x̄, ψ(α), ∂ℓ/∂p."""

    def _print(self, expr: object, **kwargs: object) -> str:
        if isinstance(expr, sp.Indexed):  # Indexed prints itself otherwise (its own _sympystr)
            return self._print_Indexed(expr)
        if getattr(expr, "is_sample_statistic", False):  # max_i x_i, not the JSON name sample_max(x)
            op = str(getattr(expr, "contract_name", "sample_stat")).replace("sample_", "")
            return f"{op}ᵢ {_uni(str(getattr(expr, 'sample_name', 'x')))}ᵢ"
        return super()._print(expr, **kwargs)

    def _print_Symbol(self, s: sp.Symbol) -> str:
        name = s.name
        for suffix, mark in (("_hat", "\u0302"), ("_bar", "\u0304")):
            if name.endswith(suffix):
                return _uni(name[: -len(suffix)]) + mark
        if name.endswith("_k"):
            return _uni(name[:-2]) + "ₖ"
        return _uni(name)

    def _print_Indexed(self, e: sp.Indexed) -> str:
        return f"{_uni(e.base.name)}_{self._print(e.indices[0])}"

    def _print_Sum(self, e: sp.Sum) -> str:
        body = self._print(e.function)
        if isinstance(e.function, sp.Add):
            body = f"({body})"
        return f"Σ {body}"

    def _print_Product(self, e: sp.Product) -> str:
        return f"∏ {self.parenthesize(e.function, 1000)}"

    def _print_polygamma(self, e: sp.Expr) -> str:
        order, arg = e.args
        mark = {0: "", 1: "′", 2: "″"}.get(int(order), f"^({order})")
        return f"ψ{mark}({self._print(arg)})"

    def _print_Derivative(self, e: sp.Derivative) -> str:
        (v, k), = e.variable_count
        return f"∂{'²' if k == 2 else ''}ℓ/∂{self._print(v)}{'²' if k == 2 else ''}"

    def _print_sign(self, e: sp.Expr) -> str:
        return f"sign({self._print(e.args[0])})"


def _uni(name: str) -> str:
    m = re.fullmatch(r"([A-Za-z]+?)(\d*)", name)
    if not m:
        return name
    base, digits = m.group(1), m.group(2)
    out = _UNI.get(base, base)
    if digits == "2" and base.startswith("sigma"):
        return out + "²"
    return out + digits.translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def tex(expr: sp.Basic) -> str:
    """LaTeX for an MLE expression (sample means as x-bar)."""
    return MleLatexPrinter({"mul_symbol": None}).doprint(mean_symbols(expr))


def text(expr: sp.Basic) -> str:
    """Unicode text for an MLE expression (``^`` for powers, ``·`` for products)."""
    return MleTextPrinter().doprint(mean_symbols(expr)).replace("**", "^").replace("*", "·")
