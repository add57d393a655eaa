"""Readers of user text: plain math, LaTeX and domain declarations -> SymPy and VarDomain.

No reader evaluates user text; each builds SymPy objects from an allow-list.
"""
from __future__ import annotations

from .text import parse_text as parse_text
