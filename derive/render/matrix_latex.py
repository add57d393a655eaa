"""LaTeX for matrix expressions and matrix derivations: X^\\top, X^{-1}, \\odot, \\operatorname{tr}, \\mathrm{d}X.

``MatLatex`` prints nodes (precedence from ``matnames``); ``MatDerivationLatex`` walks a
``MatGradient`` into ``align*`` chains with a justification column, one per chain.
"""
from __future__ import annotations

import sympy as sp

from ..engine import matrix_rules as R
from ..model import matexpr as M
from ..model.matderivation import Definiteness, MatGradient, MatRule, MatStep, Stationary
from ..model.matnames import PREC_ATOM, PREC_MUL, PREC_POW, PlainPrinter
from ..model.verdict import Plausible, Proved, Refuted, Unknown
from .expr_latex import tex
from .walker import Walker


class MatLatex(PlainPrinter):
    """Matrix expressions in textbook LaTeX."""

    times = " "
    hadamard_op = r" \odot "
    transpose_mark = r"^{\top}"
    minus = "-"

    def wrap(self, text: str) -> str:
        return rf"\left({text}\right)"

    def symbol(self, name: str) -> str:
        return tex(sp.Symbol(name))

    def scalar(self, value: sp.Expr) -> str:
        return tex(value)

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
            return rf"\mathrm{{d}}{inner}", PREC_MUL
        return rf"\mathrm{{d}}\left({inner}\right)", PREC_ATOM

    def _print_Identity(self, n: M.Identity) -> tuple[str, int]:
        return "I", PREC_ATOM


def mtex(node: M.Node) -> str:
    """LaTeX of one matrix expression."""
    return MatLatex().doprint(node)


_RULE_TEX: dict[type, str] = {
    R.ConstantD: r"$\mathrm{d}A = 0$ for constant $A$",
    R.VariableD: r"$\mathrm{d}(X) = \mathrm{d}X$",
    R.SumD: r"sum rule: $\mathrm{d}(U + V) = \mathrm{d}U + \mathrm{d}V$",
    R.ConstantFactorD: r"constant factors: $\mathrm{d}(A U B) = A\,\mathrm{d}U\,B$",
    R.ProductD: r"product rule: $\mathrm{d}(UV) = \mathrm{d}U\,V + U\,\mathrm{d}V$",
    R.TransposeD: r"$\mathrm{d}(U^{\top}) = (\mathrm{d}U)^{\top}$",
    R.TraceD: r"$\mathrm{d}\operatorname{tr}U = \operatorname{tr}\mathrm{d}U$",
    R.InverseD: r"$\mathrm{d}(U^{-1}) = -U^{-1}\,\mathrm{d}U\,U^{-1}$",
    R.DetD: r"$\mathrm{d}\det U = \det U \operatorname{tr}(U^{-1}\mathrm{d}U)$",
    R.LogDetD: r"$\mathrm{d}\log\det U = \operatorname{tr}(U^{-1}\mathrm{d}U)$",
    R.HadamardD: r"$\mathrm{d}(U \odot V) = \mathrm{d}U \odot V + U \odot \mathrm{d}V$",
    R.PowerD: r"power rule: $\mathrm{d}(u^{k}) = k\,u^{k-1}\,\mathrm{d}u$ (entrywise)",
    R.NormD: r"$\lVert u\rVert^2 = u^{\top}u$, $\lVert U\rVert_F^2 = \operatorname{tr}(U^{\top}U)$",
    R.LogSumExpD: r"$\mathrm{d}\operatorname{logsumexp}(z) = \operatorname{softmax}(z)^{\top}\mathrm{d}z$",
    R.SoftmaxD: r"$\mathrm{d}s = (\operatorname{diag}(s) - s s^{\top})\,\mathrm{d}z$, $s = \operatorname{softmax}(z)$",
    R.DiagD: r"$\mathrm{d}\operatorname{diag}(u) = \operatorname{diag}(\mathrm{d}u)$",
    R.Identification: r"identification: $\mathrm{d}f = \operatorname{tr}(G^{\top}\mathrm{d}X)$ gives $\nabla f = G$",
    R.HessianIdentification: r"identification: $\mathrm{d}(\nabla f) = H\,\mathrm{d}x$ gives $\nabla^2 f = H$",
}


class MatDerivationLatex(Walker):
    """A matrix derivation as LaTeX (``aligned`` and no text boxes for MathJax)."""

    def __init__(self, *, mathjax: bool = False) -> None:
        self._mathjax = mathjax

    def doprint(self, node: object) -> str:
        return str(self._print(node))

    def chain(self, steps: tuple[MatStep, ...], lhs: str) -> str:
        env = "aligned" if self._mathjax else "align*"
        if not steps:
            return ""
        rows = [f"{lhs} &= {mtex(steps[0].before)} && {self._column(None)}"]
        rows += [str(self._print(s)) for s in steps]
        return f"\\begin{{{env}}}\n" + " \\\\\n".join(rows) + f"\n\\end{{{env}}}"

    def _column(self, step: MatStep | None) -> str:
        if step is None:
            return ""
        why = "; ".join(dict.fromkeys(str(self._print(r)) for r in step.rules))
        mark = str(self._print(step.certificate)) if step.certificate is not None else ""
        if self._mathjax:
            from .printer import _text_to_math

            return r"\quad " + _text_to_math(why + mark)
        return rf"\parbox[t]{{0.36\linewidth}}{{\raggedright\small {why}{mark}}}"

    def _print_MatStep(self, s: MatStep) -> str:
        return rf"  &= {mtex(s.after)} && {self._column(s)}"

    def _print_MatGradient(self, g: MatGradient) -> str:
        """The gradient's chain, then the Hessian's."""
        parts = [self.chain(g.steps, r"\mathrm{d}f")]
        if g.hessian_steps:
            parts.append(self.chain(g.hessian_steps, r"\mathrm{d}(\nabla f)"))
        return "\n".join(p for p in parts if p)

    def _print_MatRule(self, r: MatRule) -> str:
        return _RULE_TEX.get(type(r), r.name)

    def _print_FunctionD(self, r: R.FunctionD) -> str:
        return (r"chain rule: $\mathrm{d}f(u) = f'(u) \odot \mathrm{d}u$, "
                rf"${self._fname(r.function)}'(u) = {mtex(r.derivative)}$")

    def _fname(self, name: str) -> str:
        return {"sigmoid": r"\sigma", "exp": r"\exp", "log": r"\log"}.get(name, rf"\operatorname{{{name}}}")

    def _print_Tidy(self, r: R.Tidy) -> str:
        return f"simplify ({r.method})"

    def _print_Proved(self, v: Proved) -> str:
        return ""

    def _print_Plausible(self, v: Plausible) -> str:
        return ""

    def _print_Refuted(self, v: Refuted) -> str:
        return r" \textbf{(refuted)}"

    def _print_Unknown(self, v: Unknown) -> str:
        return r" \textbf{(not certified)}"


def wrt_tex(g: MatGradient) -> str:
    return mtex(g.wrt)


def results_latex(g: MatGradient) -> str:
    """Math-mode LaTeX of the results: the gradient, the Hessian, the stationary point."""
    x = wrt_tex(g)
    out = [rf"\nabla_{{{x}}} f = {mtex(g.gradient)}"]
    if g.hessian is not None:
        out.append(rf"\nabla^2_{{{x}}} f = {mtex(g.hessian)}")
    if g.stationary is not None:
        out.append(stationary_latex(g.stationary, g.wrt))
    return r",\qquad ".join(out)


def stationary_latex(s: Stationary, var: M.MatSym) -> str:
    return rf"\hat{{{mtex(var)}}} = {mtex(s.solution)}"


def normal_equations_latex(s: Stationary) -> str:
    return rf"{mtex(s.equation_lhs)} = {mtex(s.equation_rhs)}"


def definiteness_text(d: Definiteness) -> str:
    word = d.verdict.split()[0]
    strict = f"; {word} definite when {d.strict}" if d.strict and "semidefinite" in d.verdict else ""
    return f"{d.verdict}{strict}: {d.reason}"
