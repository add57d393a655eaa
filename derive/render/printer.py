"""LaTeX of derivations: an ``align*`` chain with a justification column.

Walks Derivation -> Step -> Rule by dispatch; the maths is printed here, the
prose around it lives in templates.
"""
from __future__ import annotations

import sympy as sp

from derive.scalar import rules as R
from derive.scalar.model import Derivation, Gradient, Rule, Step
from derive.core.contract import Plausible, Proved, Refuted, Unknown, is_certified
from derive.render.expr_latex import tex
from derive.core.visitor import Walker


class VerdictMarks:
    """LaTeX marks for verdicts: certified steps carry none; anything else is labelled."""

    def _print_Proved(self, v: Proved) -> str:
        return ""

    def _print_Plausible(self, v: Plausible) -> str:
        return ""

    def _print_Refuted(self, v: Refuted) -> str:
        return r" \textbf{(refuted)}"

    def _print_Unknown(self, v: Unknown) -> str:
        return r" \textbf{(not certified)}"


class LatexPrinter(VerdictMarks, Walker):
    """Prints derivations, steps, rules and verdicts as LaTeX."""

    def __init__(self, *, mathjax: bool = False) -> None:
        self._partial = False
        self._mathjax = mathjax  # MathJax (Jupyter, Markdown): no \parbox, no $ inside maths

    def doprint(self, node: object) -> str:
        return str(self._print(node))

    # -- derivations -------------------------------------------------------
    def _print_Derivation(self, d: Derivation) -> str:
        self._partial = len(d.function.free_symbols) > 1
        if not d.steps:
            return rf"\begin{{align*}}{self.statement(d)}\end{{align*}}"
        out: list[str] = []
        for i, step in enumerate(d.steps):
            row = str(self._print(step))
            if i == 0:
                out.append(f"{self.tex(step.before)}\n{row}")
            elif step.rule == "higher order":  # a new chain, headed by the higher derivative
                out.append(f"\n\\noalign{{\\vskip 6pt}}\n{self.tex(step.before)}\n{row}")
            else:
                out.append(f"\n{row}")
        body = " \\\\".join(out)
        env = "aligned" if self._mathjax else "align*"
        return f"\\begin{{{env}}}\n{body}\n\\end{{{env}}}"

    def _print_Step(self, step: Step) -> str:
        why = "; ".join(dict.fromkeys(str(self._print(r)) for r in step.rules))
        mark = self._print(step.certificate) if step.certificate is not None else ""
        if self._mathjax:
            column = r"\quad " + _text_to_math(why + mark)
        else:
            column = rf"\parbox[t]{{0.34\linewidth}}{{\raggedright\small {why}{mark}}}"
        return rf"  &= {self.tex(step.after)} && {column}"

    def tex(self, expr: sp.Basic) -> str:
        """An expression in this derivation's notation (partial d throughout a partial derivative)."""
        return tex(expr, partial=self._partial)

    def _print_Gradient(self, g: Gradient) -> str:
        """Math-mode ``nabla f = ...`` (and the Hessian): the boxed result of a gradient."""
        out = rf"\nabla f = {tex(g.gradient)}"
        hm = g.hessian_matrix
        if hm is not None:
            out += rf",\qquad \nabla^2 f = {tex(hm)}"
        return out

    def statement(self, d: Derivation) -> str:
        """``d/dx f = result`` for a derivation."""
        lhs = tex(sp.Derivative(d.function, *d.wrt, evaluate=False))
        return f"{lhs} = {tex(d.result)}"

    # -- rules -------------------------------------------------------------
    # Rules print in text mode (maths between $...$): the column is a wrapping \parbox.
    def _print_Rule(self, r: Rule) -> str:
        return f"{r.name} rule"

    def _print_FunctionRule(self, r: R.FunctionRule) -> str:
        var = r.target.variables[0]
        return rf"{r.name} rule: $\tfrac{{d}}{{d{self.tex(var)}}} {self.tex(r.target.expr)} = {self.tex(r.derivative)}$"

    def _print_ChainRule(self, r: R.ChainRule) -> str:
        return rf"chain rule, ${self.tex(r.u)} = {self.tex(r.inner)}$"

    def _print_MultivariateChainRule(self, r: R.MultivariateChainRule) -> str:
        return "multivariable chain rule"

    def _print_LogDifferentiationRule(self, r: R.LogDifferentiationRule) -> str:
        return r"logarithmic differentiation: $f^{g} = e^{g \ln f}$"

    def _print_PartialRule(self, r: R.PartialRule) -> str:
        names = ", ".join(f"${self.tex(s)}$" for s in r.constants)
        return f"treat {names} as constant"

    def _print_HigherOrderRule(self, r: R.HigherOrderRule) -> str:
        return "differentiate again"

    def _print_SimplifyRule(self, r: R.SimplifyRule) -> str:
        return f"simplify ({r.method})"

    def _print_GiveUp(self, r: R.GiveUp) -> str:
        return "computed by SymPy (no step rule)"


def _text_to_math(text: str) -> str:
    """Text-mode LaTeX with $...$ maths, as maths mode: \text{...} pieces around the formulas."""
    parts = text.split("$")
    return "".join(
        (rf"\text{{{p}}}" if p else "") if i % 2 == 0 else p for i, p in enumerate(parts)
    )


def derivation_latex(d: Derivation, *, mathjax: bool = False) -> str:
    """The chain of ``d``: ``align*`` for TeX, ``aligned`` for MathJax (wrap it in $$ ... $$)."""
    return LatexPrinter(mathjax=mathjax).doprint(d)


def certificate_summary(d: Derivation) -> str:
    """One sentence on how the derivation was certified (for handouts and terminals)."""
    proved = sum(isinstance(s.certificate, Proved) for s in d.steps)
    plausible = [s.certificate for s in d.steps if isinstance(s.certificate, Plausible)]
    bad = [s for s in d.steps if not is_certified(s.certificate)]
    parts = [f"{proved} of {len(d.steps)} steps proved symbolically"]
    if plausible:
        parts.append(f"{len(plausible)} checked numerically")
    if bad:
        parts.append(f"{len(bad)} NOT certified")
    checks = "; ".join(f"{name}: {v.word}" for name, v in d.checks)
    return ", ".join(parts) + (f"; {checks}" if checks else "")
