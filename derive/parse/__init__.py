"""Readers of user text: plain math, LaTeX and declarations -> SymPy, matrix trees and VarDomain.

No reader evaluates user text; each builds SymPy objects from an allow-list.
"""
from __future__ import annotations

from .auto import parse_expression as parse_expression
from .auto import parse_matrix_auto as parse_matrix_auto
from .declarations import merge_domains as merge_domains
from .declarations import parse_where as parse_where
from .latex import parse_latex as parse_latex
from .matrix import parse_matrix as parse_matrix
from .matrix_latex import parse_matrix_latex as parse_matrix_latex
from .shapes import parse_let as parse_let
from .text import parse_text as parse_text

__all__ = ["merge_domains", "parse_expression", "parse_latex", "parse_let", "parse_matrix", "parse_matrix_auto",
           "parse_matrix_latex", "parse_text", "parse_where"]
