"""Markdown output: the LaTeX chain in a display block, the checks as a list."""
from __future__ import annotations

from derive.scalar.model import Derivation, Gradient
from derive.render.expr_latex import tex
from derive.render.printer import LatexPrinter, certificate_summary
from derive.core.visitor import Walker


class MarkdownPrinter(Walker):
    """Markdown with ``$$`` display maths (GitHub, Jupyter and most renderers read it)."""

    def _print_Derivation(self, d: Derivation) -> str:
        chain = LatexPrinter(mathjax=True).doprint(d)
        lines = [f"$$\n{chain}\n$$", "", f"**Result:** ${tex(d.result)}$", ""]
        lines += [f"- {name}: {v.describe()}" for name, v in d.checks]
        lines.append(f"- certification: {certificate_summary(d)}")
        return "\n".join(lines) + "\n"

    def _print_Gradient(self, g: Gradient) -> str:
        out = []
        for p in g.partials:
            out.append(f"### Partial derivative with respect to ${tex(p.wrt[0])}$\n")
            out.append(self._print(p))
        if g.hessian is not None:
            out.append("### Hessian entries\n")
            for i, row in enumerate(g.hessian):
                for j, h in enumerate(row):
                    if j >= i:
                        out.append(self._print(h))
        out.append(f"**Gradient:** $\\nabla f = {tex(g.gradient)}$\n")
        hm = g.hessian_matrix
        if hm is not None:
            out.append(f"**Hessian:** $\\nabla^2 f = {tex(hm)}$\n")
        return "\n".join(out)


def to_markdown(node: Derivation | Gradient) -> str:
    """Markdown for a derivation or gradient."""
    return str(MarkdownPrinter()._print(node))
