"""Read a matrix expression, plain text or LaTeX, with the declared shapes.

LaTeX is chosen when the text contains a backslash or a brace, as for scalars (``parse.auto``).
"""
from __future__ import annotations

from collections.abc import Mapping

from derive.core.errors import UsageError
from derive.matrix import expr as M
from derive.matrix.read_latex import parse_matrix_latex
from derive.matrix.read_text import parse_matrix
from derive.parse.auto import looks_like_latex
from derive.parse.domain import VarDomain
from derive.parse.shapes import ShapeDecl


def parse_matrix_auto(text: str, shapes: Mapping[str, ShapeDecl],
                      domains: Mapping[str, VarDomain] | None = None) -> M.Node:
    """Parse a matrix expression written either as plain text or as LaTeX, with the declared ``shapes``.

    LaTeX is chosen when the text contains a backslash or a brace, as for scalars.
    """
    if not isinstance(text, str):
        raise UsageError(f"parse_matrix_auto expects a str, got {type(text).__name__}",
                         hint="pass the expression as text")
    return parse_matrix_latex(text, shapes, domains) if looks_like_latex(text) else parse_matrix(text, shapes, domains)
