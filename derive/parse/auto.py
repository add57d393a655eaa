"""Pick the reader for a scalar expression: LaTeX if it looks like LaTeX, else plain text.

A backslash or a brace cannot occur in plain text, so the choice never guesses.
"""
from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from derive.core.errors import UsageError
from derive.parse.domain import VarDomain
from derive.parse.order import TermOrder
from derive.parse.text import parse_text, parse_text_ordered


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
    if looks_like_latex(text):
        from derive.parse.latex import parse_latex  # only LaTeX input pays for the LaTeX reader

        return parse_latex(text, domains)
    return parse_text(text, domains)


def parse_expression_ordered(text: str, domains: Mapping[str, VarDomain] | None = None) -> tuple[sp.Expr, TermOrder]:
    """``parse_expression``, with the order the terms were typed in."""
    if isinstance(text, str) and looks_like_latex(text):
        from derive.parse.latex import parse_latex_ordered

        return parse_latex_ordered(text, domains)
    return parse_text_ordered(text, domains)
