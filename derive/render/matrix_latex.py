"""LaTeX for matrix expressions and matrix derivations: X^\\top, X^{-1}, \\odot, \\operatorname{tr}, \\mathrm{d}X.

``MatLatex`` prints nodes (precedence from ``matnames``); ``MatDerivationLatex`` walks a
``MatGradient`` into ``align*`` chains with a justification column, one per chain.
"""
from __future__ import annotations

import sympy as sp

from derive.matrix import rules as R
from derive.matrix import expr as M
from derive.matrix.model import Definiteness, MatGradient, MatRule, MatStep, Stationary
from derive.matrix.expr import PREC_ADD, PREC_ATOM, PREC_MUL, PREC_POW, PlainPrinter, plain
from derive.render.notation.latex import tex
from derive.core.contract import Certificate
from derive.render.formats.latex import certificate_mark, text_to_math as _text_to_math
from derive.core.visitor import Walker


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


def generic_derivative(r: R.FunctionD) -> M.Node:
    """f'(u) written for a placeholder u (the rule as a textbook states it)."""
    from derive.matrix.elementwise import derivative

    u = M.MatSym("u", M.ONE, M.ONE)
    return derivative(r.function, u)


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
    R.LogSoftmaxD: r"$\log\operatorname{softmax}(z) = z - \operatorname{logsumexp}(z)\,\mathbf{1}$",
    R.SoftmaxD: r"$\mathrm{d}s = (\operatorname{diag}(s) - s s^{\top})\,\mathrm{d}z$, $s = \operatorname{softmax}(z)$",
    R.DiagD: r"$\mathrm{d}\operatorname{diag}(u) = \operatorname{diag}(\mathrm{d}u)$",
    R.VecD: r"$\mathrm{d}\operatorname{vec}(U) = \operatorname{vec}(\mathrm{d}U)$",
    R.DiagPartD: r"$\mathrm{d}\operatorname{diagvec}(U) = \operatorname{diagvec}(\mathrm{d}U)$",
    R.Identification: r"identification: $\mathrm{d}f = \operatorname{tr}(G^{\top}\mathrm{d}X)$ gives $\nabla f = G$",
    R.HessianIdentification: r"identification: $\mathrm{d}(\nabla f) = H\,\mathrm{d}x$ "
    r"(for a matrix, $\operatorname{vec}\mathrm{d}(\nabla f) = H \operatorname{vec}(\mathrm{d}X)$) gives $\nabla^2 f = H$",
}


_SIDE_WIDTH = 48
"""Plain-text length above which a chain puts its reasons under the lines instead of beside them."""
_LINE_WIDTH = 64
"""Plain-text length at which a long sum breaks onto a new line."""


def _broken(node: M.Node) -> list[str]:
    """LaTeX lines of ``node``: a long top-level sum breaks before a sign."""
    if not isinstance(node, M.Add) or len(plain(node)) <= _LINE_WIDTH:
        return [mtex(node)]
    printer = MatLatex()
    lines: list[str] = []
    current, width = "", 0
    for i, t in enumerate(_ordered(node)):
        c, body = M.split_coeff(t)
        negative = c.could_extract_minus_sign() if not isinstance(t, M.Const) else t.value.could_extract_minus_sign()
        piece = printer.paren(M.scale(-c, body) if negative else t, PREC_ADD + 1) if not isinstance(t, M.Const) else mtex(
            M.Const(-t.value) if negative else t)
        sign = "- " if negative else ("+ " if i else "")
        size = len(plain(t))
        if current and width + size > _LINE_WIDTH:
            lines.append(current)
            current, width = "", 0
        current += f" {sign}{piece}" if current or sign else piece
        width += size
    lines.append(current.strip())
    return lines


def _ordered(node: M.Add) -> tuple[M.Node, ...]:
    from derive.matrix.expr import _positive_first

    return _positive_first(node.terms)


class MatDerivationLatex(Walker):
    """A matrix derivation as LaTeX (``aligned`` and no text boxes for MathJax)."""

    def __init__(self, *, mathjax: bool = False) -> None:
        self._mathjax = mathjax

    def _print_Certificate(self, c: Certificate) -> str:
        return certificate_mark(c)

    def doprint(self, node: object) -> str:
        return str(self._print(node))

    def chain(self, steps: tuple[MatStep, ...], lhs: str) -> str:
        """One ``align*`` chain; long lines break at top-level signs and move the reason below them."""
        env = "aligned" if self._mathjax else "align*"
        if not steps:
            return ""
        wide = max(len(plain(s.after)) for s in steps) > _SIDE_WIDTH
        first = " \\\\\n  &\\quad ".join(_broken(steps[0].before))
        rows = [f"{lhs} &= {first}"]
        for s in steps:
            lines = _broken(s.after) if wide else [mtex(s.after)]
            body = " \\\\\n  &\\quad ".join(lines)
            if wide:
                rows.append(f"  &= {body} \\\\\n  &\\phantom{{=}}\\; {self._below(s)}")
            else:
                rows.append(f"  &= {body} && {self._column(s)}")
        return f"\\begin{{{env}}}\n" + " \\\\\n".join(rows) + f"\n\\end{{{env}}}"

    def _why(self, step: MatStep) -> str:
        why = "; ".join(dict.fromkeys(str(self._print(r)) for r in step.rules))
        mark = str(self._print(step.certificate)) if step.certificate is not None else ""
        return why + mark

    def _column(self, step: MatStep) -> str:
        if self._mathjax:
            return r"\quad " + _text_to_math(self._why(step))
        return rf"\parbox[t]{{0.36\linewidth}}{{\raggedright\small {self._why(step)}}}"

    def _below(self, step: MatStep) -> str:
        """The reason on its own line under a long step, small and grey."""
        if self._mathjax:
            return r"\scriptstyle " + _text_to_math(self._why(step))
        return rf"\text{{\small\color{{gray}}{self._why(step)}}}"

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
                rf"${self._fname(r.function)}'(u) = {mtex(generic_derivative(r))}$")

    def _fname(self, name: str) -> str:
        return {"sigmoid": r"\sigma", "exp": r"\exp", "log": r"\log"}.get(name, rf"\operatorname{{{name}}}")

    def _print_Tidy(self, r: R.Tidy) -> str:
        return f"simplify ({r.method})"



def results_latex(g: MatGradient) -> str:
    """Math-mode LaTeX of the results, one per line: the gradient, the Hessian, the stationary point."""
    x = mtex(g.wrt)
    rows = [rf"\nabla_{{{x}}} f &= {mtex(g.gradient)}"]
    if g.hessian is not None:
        rows.append(rf"\nabla^2_{{{x}}} f &= {mtex(g.hessian)}")
    if g.stationary is not None:
        rows.append(rf"\hat{{{x}}} &= {mtex(g.stationary.solution)}")
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


def normal_equations_latex(s: Stationary) -> str:
    return rf"{mtex(s.equation_lhs)} = {mtex(s.equation_rhs)}"


def definiteness_text(d: Definiteness) -> str:
    word = d.verdict.split()[0]
    strict = f"; {word} definite when {d.strict}" if d.strict and "semidefinite" in d.verdict else ""
    return f"{d.verdict}{strict}: {d.reason}"
