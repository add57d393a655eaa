"""Shared trees for the checker's tests, built with SymPy constructors (never parsed from strings)."""
from __future__ import annotations

import sympy as sp

N = sp.Symbol("n", integer=True, positive=True)
I = sp.Symbol("i", integer=True, positive=True)
X = sp.IndexedBase("x")
Y = sp.IndexedBase("y")
THETA = sp.Symbol("theta", positive=True)
MU = sp.Symbol("mu", real=True)
S2 = sp.Symbol("sigma2", positive=True)
x = sp.Symbol("x", real=True)


def total(body: sp.Expr) -> sp.Expr:
    """The sum of ``body`` over i = 1..n."""
    return sp.Sum(body, (I, 1, N))
