"""One-line Unicode forms of expressions for terminals: x²·sin(x), d/dx(…), f′(x²), σ(z), −2·Xᵀ(y − X·b)."""
from __future__ import annotations

import re
from typing import Any

import sympy as sp
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from derive.render.notation.order import as_decimal, in_typed_order
from derive.parse.order import positive_first
from derive.render.notation.sample import mean_symbols
from derive.scalar.notation import PrimeForm, prime_form, primes

_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉"
_SUPERSCRIPTED = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹\u0302\u0304]$")
"""A printed name that ends in a superscript or an accent (σ², σ²̂, x̄): a power of it needs parentheses."""
_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "theta": "θ",
    "lambda": "λ", "lam": "λ", "mu": "μ", "nu": "ν", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "phi": "φ", "psi": "ψ", "omega": "ω", "eta": "η", "kappa": "κ", "xi": "ξ",
    "Sigma": "Σ", "Lambda": "Λ", "Omega": "Ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Phi": "Φ",
    "Psi": "Ψ",
}


class UnicodePrinter(StrPrinter):
    """SymPy's str printer with superscripts, middle dots and derivative notation."""

    _default_settings = {**StrPrinter._default_settings, "partial": False}

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return _GREEK.get(expr.name, expr.name)

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        """SymPy's order, then the user's typed order where there is one (``notation.order``)."""
        return in_typed_order(list(super()._as_ordered_terms(expr, order=order)), expr)

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, e = expr.args
        if e == sp.S.Half:
            return f"√({self._print(base)})"
        if e.is_Rational and e.is_negative and not e.is_Integer:
            return f"1/{self._print(base ** -e)}"
        if e.is_Integer and e.is_negative:
            return f"1/{self._print(base ** -e)}" if e != -1 else f"1/{self.parenthesize(base, PRECEDENCE['Pow'])}"
        b = self.parenthesize(base, PRECEDENCE["Pow"])
        if base.is_Function and not isinstance(base, sp.exp):
            b = f"({self._print(base)})" if not b.startswith("(") else b
        if e.is_Integer:
            return f"{b}{str(e).translate(_SUP)}"
        return f"{b}^{self.parenthesize(e, PRECEDENCE['Pow'])}"

    def _print_exp(self, expr: sp.exp) -> str:
        arg = expr.args[0]
        inner = self._print(arg)
        if arg.is_Integer:
            return f"e{inner.translate(_SUP)}"
        if arg.is_Symbol or (arg.is_Mul and len(arg.args) == 2 and arg.args[0] == -1 and arg.args[1].is_Symbol):
            return f"e^{inner}"
        return f"e^({inner})"

    def _print_Exp1(self, expr: sp.Basic) -> str:
        return "e"

    def _print_Pi(self, expr: sp.Basic) -> str:
        return "π"

    def _print_Mul(self, expr: sp.Mul) -> str:
        c, rest = expr.as_coeff_Mul()
        dec = as_decimal(c)
        if dec is not None and rest is not sp.S.One:
            body = (self._print(rest) if rest.is_Mul or isinstance(rest, sp.Derivative)
                    else self.parenthesize(rest, PRECEDENCE["Mul"]))
            return f"{dec}·{body}"
        return str(super()._print_Mul(expr)).replace("*", "·")

    def _print_Rational(self, expr: sp.Rational) -> str:
        return as_decimal(expr) or str(super()._print_Rational(expr))

    def _print_log(self, expr: sp.log) -> str:
        return f"ln({self._print(expr.args[0])})"

    def _print_Abs(self, expr: sp.Abs) -> str:
        return f"|{self._print(expr.args[0])}|"

    def _print_sigmoid(self, expr: sp.Basic) -> str:
        return f"σ({self._print(expr.args[0])})"

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        inner = expr.expr
        counts = expr.variable_count
        pf = prime_form(expr)
        if pf is not None:
            return self._prime(pf)
        partial = self._settings.get("partial") or len(expr.free_symbols) > 1
        d = "∂" if partial else "d"
        total = sum(n for _, n in counts)
        top = d if total == 1 else f"{d}{str(total).translate(_SUP)}"
        bottom = "".join(
            f"{d}{self._print(v)}" + (str(n).translate(_SUP) if n > 1 else "") for v, n in reversed(counts)
        )
        # The operand always goes in brackets: x·d/dx[sin(x)]/sin(x) cannot be misread.
        return f"{top}/{bottom}[{self._print(inner)}]"

    def _print_Subs(self, expr: sp.Subs) -> str:
        pf = prime_form(expr)
        return self._prime(pf) if pf is not None else str(super()._print_Subs(expr))

    def _prime(self, pf: PrimeForm) -> str:
        mark = primes(pf.order, unicode=True) if pf.order <= 3 else f"⁽{str(pf.order).translate(_SUP)}⁾"
        return f"{pf.function.__name__}{mark}({self._print(pf.point)})"


def utext(expr: sp.Basic, *, partial: bool = False) -> str:
    """The one-line Unicode form of ``expr`` (``partial``: write every derivative with ∂)."""
    return str(UnicodePrinter({"order": None, "partial": partial}).doprint(expr))


class SumText(StrPrinter):
    """Sums over a sample in one line: Σ for sums, x_i for x[i], x̄ and â for means and estimates (``names``)."""

    printmethod = "_derive_sum_text"  # not Indexed's own _sympystr

    def __init__(self, names: dict[str, tuple[str, str]]) -> None:
        super().__init__({"order": None})
        self._names = names

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        """SymPy's order with the positive terms first: x_i − x̄, Σx_i² − n·x̄², 1 − RSS/TSS."""
        return positive_first(list(super()._as_ordered_terms(expr, order=order)))

    def _print_Symbol(self, e: Any) -> str:
        return self._names.get(e.name, (e.name,))[0]

    def _print_Indexed(self, e: Any) -> str:
        return f"{e.base.name}_{e.indices[0]}"

    def _print_Sum(self, e: Any) -> str:
        body = self._print(e.function)
        return f"Σ({body})" if isinstance(e.function, (sp.Add, sp.Mul)) else f"Σ{body}"

    def _print_Pow(self, e: Any, rational: bool = False) -> str:
        if isinstance(e.base, sp.Sum):
            return f"({self._print(e.base)})**{self._print(e.exp)}"
        return str(super()._print_Pow(e, rational))

    def _print_Equality(self, e: Any) -> str:
        return f"{self._print(e.lhs)} = {self._print(e.rhs)}"

    def _print_ImmutableDenseMatrix(self, e: Any) -> str:
        return "[" + ", ".join("[" + ", ".join(self._print(v) for v in e.row(r)) + "]" for r in range(e.rows)) + "]"

    def text(self, e: Any) -> str:
        return str(self.doprint(e)).replace("**", "^").replace("*", "·")


class StatText(SumText):
    """The regression summary's scalar formulas: ∫ tails of densities, Γ, √, the incomplete beta I_x(a, b)."""

    printmethod = "_derive_stat_text"

    def _print_Function(self, e: Any) -> str:
        name = type(e).__name__
        if name in self._names:
            return f"{self._names[name][0]}({', '.join(self._print(a) for a in e.args)})"
        return str(super()._print_Function(e))

    def _print_Integral(self, e: Any) -> str:
        (var, lo, hi), = e.limits
        return f"∫_{self._print(lo)}^{self._print(hi)} {self.parenthesize(e.function, PRECEDENCE['Mul'])} d{self._print(var)}"

    def _print_Infinity(self, e: Any) -> str:
        return "∞"

    def _print_Pi(self, e: Any) -> str:
        return "π"

    def _print_gamma(self, e: Any) -> str:
        return f"Γ({self._print(e.args[0])})"

    def _print_Abs(self, e: Any) -> str:
        return f"|{self._print(e.args[0])}|"

    def _print_betainc_regularized(self, e: Any) -> str:
        a, b, _, x = e.args
        return f"I_({self._print(x)})({self._print(a)}, {self._print(b)})"

    def _print_Pow(self, e: Any, rational: bool = False) -> str:
        if e.exp == sp.S.Half:
            return f"√({self._print(e.base)})"
        if e.exp.is_Integer and e.exp > 1:
            base = self.parenthesize(e.base, PRECEDENCE["Pow"])
            if base.startswith("Σ"):  # (Σxᵢ)², not Σxᵢ²
                base = f"({base})"
            return base + str(e.exp).translate(_SUP)
        return str(super()._print_Pow(e, rational))

    def text(self, e: Any) -> str:
        return super().text(e).replace(" - ", " − ")


# -- sample expressions (maximum likelihood) -------------------------------------------------
_UNI = dict(zip(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lam",
                 "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"],
                "αβγδεζηθικλλμνξπρστυφχψω"))


class SampleText(StrPrinter):
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
                return accented(_uni(name[: -len(suffix)]), mark)
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

    def parenthesize(self, item: object, level: int, strict: bool = False) -> str:
        """A sum or product over the sample in parentheses as the base of a power: (Σ x_i)^2, not Σ x_i^2."""
        if isinstance(item, (sp.Sum, sp.Product)) and level >= PRECEDENCE["Pow"]:
            return f"({self._print(item)})"
        return str(super().parenthesize(item, level, strict))

    def _print_polygamma(self, e: sp.Expr) -> str:
        order, arg = e.args
        mark = {0: "", 1: "′", 2: "″"}.get(int(order), f"^({order})")
        return f"ψ{mark}({self._print(arg)})"

    def _print_Derivative(self, e: sp.Derivative) -> str:
        (v, k), = e.variable_count
        return f"∂{'²' if k == 2 else ''}ℓ/∂{self._print(v)}{'²' if k == 2 else ''}"

    def _print_sign(self, e: sp.Expr) -> str:
        return f"sign({self._print(e.args[0])})"

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        """Positive terms first where nothing was typed: x_i − x̄, not −x̄ + x_i."""
        return in_typed_order(list(super()._as_ordered_terms(expr, order=order)), expr)

    def _print_Pow(self, e: sp.Pow, rational: bool = False) -> str:
        """√ for square roots, as the LaTeX reads: √n, √(σ²), 1/√(2π σ²); whole powers as superscripts,
        a base that already ends in one in parentheses: (σ²)², (x_i − x̄)²."""
        base, exp = e.args
        if exp in (sp.S.Half, -sp.S.Half) and not rational:
            inner = self._print(base)
            root = f"√{inner}" if isinstance(base, (sp.Symbol, sp.Integer, sp.NumberSymbol)) and not inner.endswith("²") else f"√({inner})"
            return root if exp == sp.S.Half else f"1/{root}"
        if exp.is_Integer and exp > 1 and not rational:
            b = self.parenthesize(base, PRECEDENCE["Pow"])
            if not b.startswith("(") and (_SUPERSCRIPTED.search(b) or not isinstance(base, (sp.Symbol, sp.Indexed))):
                b = f"({b})"
            return b + str(exp).translate(_SUP)
        return str(super()._print_Pow(e, rational))

    def _print_MatrixBase(self, m: Any) -> str:
        """A matrix in one line, rows split by semicolons: [a, b; c, d]."""
        return "[" + "; ".join(", ".join(self._print(m[i, j]) for j in range(m.cols)) for i in range(m.rows)) + "]"

    _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_MatrixBase

    def _print_Pi(self, e: sp.Expr) -> str:
        return "π"


def _uni(name: str) -> str:
    m = re.fullmatch(r"([A-Za-z]+?)(\d*)", name)
    if not m:
        return name
    base, digits = m.group(1), m.group(2)
    out = _UNI.get(base, base)
    if digits == "2" and base.startswith("sigma"):
        return out + "²"
    return out + digits.translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def accented(text: str, mark: str) -> str:
    """``text`` with the combining ``mark`` on its letter, before a subscript index or a square: p̂₁,
    x̄₂, σ̂² (not p₁̂, σ²̂: the hat of σ² is written over the σ, as \\hat\\sigma^2)."""
    stem = text.rstrip(_SUBSCRIPTS + "²")
    return stem + mark + text[len(stem):] if stem and stem != text else text + mark


def hat_text(text: str) -> str:
    """An estimate of ``text`` in one line: x̂ for a name, p̂₁ for an indexed one, the hat after a compound
    (√(σ²)̂, as \\widehat)."""
    return accented(text, "\u0302")


def sample_text(expr: sp.Basic) -> str:
    """Unicode text for an expression over a sample: Σ x_i, x̄, ψ(α) (``^`` for powers, ``·`` for products)."""
    return str(SampleText().doprint(mean_symbols(expr))).replace("**", "^").replace("*", "·")


class CheckText(UnicodePrinter):
    """The mathematics of a ``derive check`` hint in one line: x_i, Σ_i, Aᵀ, A⁻¹, tr(·), a = b."""

    printmethod = "_derive_check_text"  # not Indexed's own _sympystr

    def _print_Indexed(self, e: sp.Indexed) -> str:
        return f"{self._print(e.base.label)}_{','.join(self._print(i) for i in e.indices)}"

    def _print_Sum(self, e: sp.Sum) -> str:
        body = self._print(e.function)
        if isinstance(e.function, sp.Add):
            body = f"({body})"
        return "".join(f"Σ_{self._print(lim[0])} " for lim in e.limits) + body

    def _print_Transpose(self, e: sp.Basic) -> str:
        return f"{self.parenthesize(e.args[0], PRECEDENCE['Pow'])}ᵀ"

    def _print_Inverse(self, e: sp.Basic) -> str:
        return f"{self.parenthesize(e.args[0], PRECEDENCE['Pow'])}⁻¹"

    def _print_Trace(self, e: sp.Basic) -> str:
        return f"tr({self._print(e.args[0])})"

    def _print_MatrixSymbol(self, e: sp.MatrixSymbol) -> str:
        return _GREEK.get(e.name, e.name)

    def _print_MatMul(self, e: sp.Basic) -> str:
        return str(super()._print_MatMul(e)).replace("*", "·")

    def _print_Equality(self, e: sp.Equality) -> str:
        return f"{self._print(e.lhs)} = {self._print(e.rhs)}"


def check_text(expr: sp.Basic) -> str:
    """One line of Unicode for an expression of a checked derivation (a hint's maths, an expected side)."""
    return str(CheckText({"order": None, "partial": False}).doprint(expr))


def hint_text(parts: tuple[Any, ...]) -> str:
    """A hint's words and mathematics (``Hint.parts``) as one line of plain Unicode text."""
    return "".join(p if isinstance(p, str) else check_text(p) for p in parts)
