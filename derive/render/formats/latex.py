"""LaTeX: ``align*`` chains with a justification column (``aligned`` and no text boxes for MathJax).

``part`` picks what to print: ``chain`` (the derivation), ``result`` (the results alone in math
mode: the boxed line of a worked solution) or ``all`` (the chain, then the results displayed).
"""
from __future__ import annotations

from typing import Any, ClassVar

from derive.render.base import FormatPrinter


class Printer(FormatPrinter):
    """LaTeX of every result."""

    format_name: ClassVar[str] = "latex"
    _default_settings: ClassVar[dict[str, Any]] = {"mathjax": False, "part": "all"}

    def doprint(self, node: object) -> str:
        part = self.settings["part"]
        if part not in ("all", "chain", "result"):
            from derive.core.errors import UsageError

            raise UsageError(f"unknown LaTeX part {part!r}", hint="choose all, chain or result")
        if part != "all" or self.settings["mathjax"] or type(node).__name__ == "Derivation":
            return str(self.visit(node))
        self.settings["part"] = "chain"
        chain = str(self.visit(node))
        self.settings["part"] = "result"
        result = str(self.visit(node))
        self.settings["part"] = "all"
        return f"{chain}\n\\[\n{result}\n\\]"

    @property
    def _result(self) -> bool:
        return self.settings["part"] == "result"

    def _print_Derivation(self, d: Any) -> str:
        from derive.render.printer import LatexPrinter, derivation_latex

        if self._result:
            return LatexPrinter().statement(d)
        if self.settings["mathjax"]:
            return f"$$\n{derivation_latex(d, mathjax=True)}\n$$"
        return derivation_latex(d)

    def _print_Gradient(self, g: Any) -> str:
        from derive.render.printer import LatexPrinter, derivation_latex

        if self._result:
            return LatexPrinter().doprint(g)
        mathjax = bool(self.settings["mathjax"])
        parts = [derivation_latex(p, mathjax=mathjax) for p in g.partials]
        for i, row in enumerate(g.hessian or ()):
            parts += [derivation_latex(h, mathjax=mathjax) for j, h in enumerate(row) if j >= i]
        if mathjax:
            return "$$\n" + " \\\\[1em]\n".join(parts + [LatexPrinter().doprint(g)]) + "\n$$"
        return "\n".join(parts)

    def _print_MatGradient(self, g: Any) -> str:
        from derive.render.matrix_latex import MatDerivationLatex, results_latex

        if self._result:
            return results_latex(g)
        if self.settings["mathjax"]:
            return f"$$\n{MatDerivationLatex(mathjax=True).doprint(g)} \\\\[1em]\n{results_latex(g)}\n$$"
        return MatDerivationLatex().doprint(g)

    def _print_LsSolution(self, s: Any) -> str:
        from derive.render.lsq_out import result_latex, to_latex
        from derive.render.matrix_latex import MatDerivationLatex

        if self._result:
            return result_latex(s)
        if self.settings["mathjax"]:
            return f"$$\n{MatDerivationLatex(mathjax=True).doprint(s.derivation)} \\\\[1em]\n{result_latex(s)}\n$$"
        return to_latex(s)

    def _print_SimpleSolution(self, s: Any) -> str:
        from derive.render.simple_regression_out import latex_blocks, result_latex, to_latex

        if self._result:
            return result_latex(s)
        if self.settings["mathjax"]:
            return "$$\n" + " \\\\[1em]\n".join(latex_blocks(s, mathjax=True) + [result_latex(s)]) + "\n$$"
        return to_latex(s)

    def _print_MleDerivation(self, d: Any) -> str:
        from derive.render.mle_out import result_latex, to_latex

        if self._result:
            return result_latex(d)
        if self.settings["mathjax"]:
            return f"$$\n{result_latex(d)}\n$$"
        return to_latex(d)
