"""Pick the reader for an expression, scalar or matrix: LaTeX if it looks like LaTeX, else plain text.

A backslash or a brace cannot occur in plain text, so the choice never guesses.
"""
from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from derive.errors import UsageError
from derive.model import matexpr as M
from derive.model.domain import VarDomain
from derive.model.shapes import ShapeDecl
from derive.parse.latex import parse_latex
from derive.parse.matrix import parse_matrix
from derive.parse.matrix_latex import parse_matrix_latex
from derive.parse.text import parse_text


def looks_like_latex(text: str) -> bool:
    """True if ``text`` holds a backslash or a brace, which only LaTeX uses."""
    return any(ch in text for ch in "\\{}")


def parse_expression(text: str, domains: Mapping[str, VarDomain] | None = None) -> sp.Expr:
    """Parse an expression written either as plain text or as LaTeX.

    LaTeX is chosen when the text contains a backslash or a brace.
    """
    if not isinstance(text, str):
        raise UsageError(f"parse_expression expects a str, got {type(text).__name__}",
                         hint="pass the expression as text")
    return parse_latex(text, domains) if looks_like_latex(text) else parse_text(text, domains)


def parse_matrix_auto(text: str, shapes: Mapping[str, ShapeDecl],
                      domains: Mapping[str, VarDomain] | None = None) -> M.Node:
    """Parse a matrix expression written either as plain text or as LaTeX, with the declared ``shapes``.

    LaTeX is chosen when the text contains a backslash or a brace, as for scalars.
    """
    if not isinstance(text, str):
        raise UsageError(f"parse_matrix_auto expects a str, got {type(text).__name__}",
                         hint="pass the expression as text")
    return parse_matrix_latex(text, shapes, domains) if looks_like_latex(text) else parse_matrix(text, shapes, domains)
