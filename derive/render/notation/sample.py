"""How a sample's expressions are rewritten for display: the sample mean as x-bar, parameters hatted.

The rewrite only changes how things look (the printers in ``latex`` and ``text`` read the display
symbols it makes); the derivation keeps SymPy's ``Sum(x[i], (i, 1, n))``, which is what JSON prints.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from derive.likelihood.sample import I, N


def mean_symbols(expr: sp.Expr | sp.Matrix) -> sp.Expr | sp.Matrix:
    """``Sum(x[i], (i, 1, n)) / n`` shown as ``xbar`` (a display symbol)."""
    def swap(e: sp.Basic) -> sp.Basic:
        out = e
        for s in [a for a in sp.preorder_traversal(e) if isinstance(a, sp.Sum) and a.limits[0][0] == I
                  and isinstance(a.function, sp.Indexed)]:
            bar = sp.Symbol(f"{s.function.base.name}_bar", real=True)
            out = out.subs(s / N, bar)
        return out
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(swap)
    return swap(expr)


def hatted(expr: sp.Expr | sp.Matrix, params: Sequence[sp.Symbol], mark: str = "hat") -> sp.Expr | sp.Matrix:
    """Parameters renamed ``p_hat`` (at the estimate) or ``p_k`` (an iterate)."""
    sub = {p: sp.Symbol(f"{p.name}_{mark}", **{k: v for k, v in p.assumptions0.items() if v}) for p in params}
    return expr.xreplace(sub)



