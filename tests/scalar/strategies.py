"""Hypothesis strategies shared by the scalar property tests: random expression trees."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp
from hypothesis import strategies as st

Denominator = Callable[[st.DrawFn, st.SearchStrategy[sp.Expr]], sp.Expr]


def _square_plus_one(draw: st.DrawFn, sub: st.SearchStrategy[sp.Expr]) -> sp.Expr:
    return draw(sub) ** 2 + 1


@st.composite
def expressions(draw: st.DrawFn, atoms: Sequence[sp.Expr], functions: Sequence[Callable[[sp.Expr], sp.Expr]],
                depth: int = 3, denominator: Denominator = _square_plus_one) -> sp.Expr:
    """A sum, product, square or cube, quotient (by ``denominator``, never zero) or function of smaller
    trees, down to ``depth``; a leaf is one of ``atoms``."""
    if depth <= 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(list(atoms)))
    sub = expressions(atoms, functions, depth - 1, denominator)
    op = draw(st.sampled_from(["add", "mul", "pow", "div", "func"]))
    if op == "add":
        return draw(sub) + draw(sub)
    if op == "mul":
        return draw(sub) * draw(sub)
    if op == "pow":
        return draw(sub) ** draw(st.sampled_from([2, 3]))
    if op == "div":
        return draw(sub) / denominator(draw, sub)
    return draw(st.sampled_from(list(functions)))(draw(sub))
