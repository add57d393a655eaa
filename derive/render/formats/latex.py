"""LaTeX: ``align*`` chains with a justification column (``aligned`` and no text boxes for MathJax).

``part`` picks what to print: ``chain`` (the derivation), ``result`` (the results alone in math
mode: the boxed line of a worked solution) or ``all`` (the chain, then the results displayed).
The maths is printed here; the prose around it lives in the handout templates.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import sympy as sp

from derive.core.contract import Certificate, Refuted
from derive.core.errors import UsageError
from derive.render.base import FormatPrinter
from derive.render.notation.latex import tex
from derive.scalar.model import Derivation, DiffStep, Gradient, Rule

_PARTS = ("all", "chain", "result")


def text_to_math(text: str) -> str:
    """Text-mode LaTeX with $...$ maths, as maths mode: \\text{...} pieces around the formulas."""
    parts = text.split("$")
    return "".join((rf"\text{{{p}}}" if p else "") if i % 2 == 0 else p for i, p in enumerate(parts))


def certificate_mark(c: Certificate) -> str:
    """Certified lines carry no mark; anything else is labelled (refuted, or not certified)."""
    if c.certified:
        return ""
    return r" \textbf{(refuted)}" if isinstance(c, Refuted) else r" \textbf{(not certified)}"


@dataclass(frozen=True, slots=True)
class Parts:
    """A result in LaTeX: its chains (display environments) and its results (math mode, one per line)."""

    chains: list[str]
    result: str
    display_result: bool = True
    """False when the chains already end in the result (a scalar derivation)."""


class Printer(FormatPrinter):
    """LaTeX of every result; ``mathjax`` for MathJax (Jupyter, Markdown): no ``\\parbox``, no ``$`` in maths."""

    format_name: ClassVar[str] = "latex"
    _default_settings: ClassVar[dict[str, Any]] = {"mathjax": False, "part": "all"}

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        if self.settings["part"] not in _PARTS:
            raise UsageError(f"unknown LaTeX part {self.settings['part']!r}", hint=f"choose {', '.join(_PARTS)}")
        self._partial = False

    @property
    def mathjax(self) -> bool:
        return bool(self.settings["mathjax"])

    def doprint(self, node: object) -> str:
        parts = self.visit(node)
        if not isinstance(parts, Parts):
            return str(parts)
        part = self.settings["part"]
        if part == "chain":
            return "\n".join(parts.chains)
        if part == "result":
            return parts.result
        if self.mathjax:
            shown = parts.chains + ([parts.result] if parts.display_result else [])
            return "$$\n" + " \\\\[1em]\n".join(shown) + "\n$$"
        chain = "\n".join(parts.chains)
        return f"{chain}\n\\[\n{parts.result}\n\\]" if parts.display_result else chain

    def tex(self, expr: sp.Basic) -> str:
        """An expression in the current derivation's notation (partial d throughout a partial derivative)."""
        return tex(expr, partial=self._partial)

    @property
    def env(self) -> str:
        return "aligned" if self.mathjax else "align*"

    def _print_Certificate(self, c: Certificate) -> str:
        return certificate_mark(c)

    def column(self, why: str, width: str = "0.34") -> str:
        """A justification (text-mode LaTeX) as the right-hand column of a chain."""
        if self.mathjax:
            return r"\quad " + text_to_math(why)
        return rf"\parbox[t]{{{width}\linewidth}}{{\raggedright\small {why}}}"

    # -- scalar derivations -------------------------------------------------------------------
    def _print_Derivation(self, d: Derivation) -> Parts:
        return Parts([self.chain(d)], self.statement(d), display_result=False)

    @staticmethod
    def statement(d: Derivation) -> str:
        """``d/dx f = result`` for a derivation."""
        return f"{tex(sp.Derivative(d.function, *d.wrt, evaluate=False))} = {tex(d.result)}"

    def chain(self, d: Derivation) -> str:
        """The chain of ``d``: one row per step, a new chain headed by each higher derivative."""
        self._partial = len(d.function.free_symbols) > 1
        if not d.steps:
            return rf"\begin{{{self.env}}}{self.statement(d)}\end{{{self.env}}}"
        out: list[str] = []
        for i, step in enumerate(d.steps):
            row = str(self.visit(step))
            if i == 0:
                out.append(f"{self.tex(step.before)}\n{row}")
            elif step.rule == "higher order":  # a new chain, headed by the higher derivative
                out.append(f"\n\\noalign{{\\vskip 6pt}}\n{self.tex(step.before)}\n{row}")
            else:
                out.append(f"\n{row}")
        body = " \\\\".join(out)
        return f"\\begin{{{self.env}}}\n{body}\n\\end{{{self.env}}}"

    def _print_DiffStep(self, step: DiffStep) -> str:
        return rf"  &= {self.tex(step.after)} && {self.column(self.why(step))}"

    def why(self, step: Any) -> str:
        """The step's rules in text-mode LaTeX, then its certificate's mark."""
        return "; ".join(dict.fromkeys(str(self.visit(r)) for r in step.rules)) + str(self.visit(step.certificate))

    def _print_Rule(self, r: Rule) -> str:
        return r.latex(self.tex)

    def _print_Gradient(self, g: Gradient) -> Parts:
        result = rf"\nabla f = {tex(g.gradient)}"
        hm = g.hessian_matrix
        if hm is not None:
            result += rf",\qquad \nabla^2 f = {tex(hm)}"
        chains = [self.chain(p) for p in g.partials]
        for i, row in enumerate(g.hessian or ()):
            chains += [self.chain(h) for j, h in enumerate(row) if j >= i]
        return Parts(chains, result)

    # -- the other capabilities (folded in by the following commits) ---------------------------
    def _print_MatGradient(self, g: Any) -> Parts:
        from derive.render.matrix_latex import MatDerivationLatex, results_latex

        return Parts([MatDerivationLatex(mathjax=self.mathjax).doprint(g)], results_latex(g))

    def _print_LsSolution(self, s: Any) -> Parts:
        from derive.render.lsq_out import result_latex, to_latex
        from derive.render.matrix_latex import MatDerivationLatex

        chain = MatDerivationLatex(mathjax=True).doprint(s.derivation) if self.mathjax else to_latex(s)
        return Parts([chain], result_latex(s))

    def _print_SimpleSolution(self, s: Any) -> Parts:
        from derive.render.simple_regression_out import latex_blocks, result_latex, to_latex

        return Parts(latex_blocks(s, mathjax=True) if self.mathjax else [to_latex(s)], result_latex(s))

    def _print_MleDerivation(self, d: Any) -> Parts:
        from derive.render.mle_out import result_latex, to_latex

        return Parts([] if self.mathjax else [to_latex(d)], result_latex(d))
