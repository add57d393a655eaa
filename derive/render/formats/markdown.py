"""Markdown: display maths in ``$$`` blocks (GitHub, Jupyter), checks as a list."""
from __future__ import annotations

from typing import Any, ClassVar

from derive.render.base import FormatPrinter


class Printer(FormatPrinter):
    """Markdown of every result."""

    format_name: ClassVar[str] = "markdown"

    def _print_Derivation(self, d: Any) -> str:
        from derive.render.markdown import to_markdown

        return to_markdown(d)

    _print_Gradient = _print_Derivation

    def _print_MatGradient(self, g: Any) -> str:
        from derive.render.matrix_doc import to_markdown

        return to_markdown(g)

    def _print_LsSolution(self, s: Any) -> str:
        from derive.render.lsq_out import to_markdown

        return to_markdown(s)

    def _print_SimpleSolution(self, s: Any) -> str:
        from derive.render.simple_regression_out import to_markdown

        return to_markdown(s)

    def _print_MleDerivation(self, d: Any) -> str:
        from derive.render.mle_out import to_markdown

        return to_markdown(d)
