"""Shared by the matrix engine's unit tests: declared symbols, draws at concrete sizes, numbers for nodes.

Values come from plain numpy draws that respect each declaration; a node is evaluated with
``derive.matrix.numeric.evaluate`` (a tree walk independent of the differential and identification
rules), and derivatives are checked against central differences of those values.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp

from derive.matrix import expr as M
from derive.matrix.numeric import Point, evaluate

n, p = M.dim("n"), M.dim("p")
SIZES: dict[sp.Symbol, int] = {n: 5, p: 3}
"""Concrete sizes: no two dimensions equal, so a transposed result cannot pass by accident."""
lam = sp.Symbol("lam", positive=True)
LAM = 0.7

X = M.MatSym("X", n, p)
Z = M.MatSym("Z", n, p)
A = M.MatSym("A", p, p)
B = M.MatSym("B", p, p)
C = M.MatSym("C", n, n)
S = M.MatSym("S", p, p, frozenset({"symmetric"}))
P = M.MatSym("P", p, p, frozenset({"positive definite", "positive semidefinite", "symmetric"}))
Wn = M.MatSym("W", n, n, frozenset({"positive semidefinite", "symmetric"}))
Q = M.MatSym("Q", n, n, frozenset({"positive definite", "symmetric"}))
x = M.MatSym("x", p, M.ONE)
a = M.MatSym("a", p, M.ONE)
b = M.MatSym("b", p, M.ONE)
w = M.MatSym("w", p, M.ONE)
y = M.MatSym("y", n, M.ONE)
z = M.MatSym("z", n, M.ONE)
SYMBOLS: tuple[M.MatSym, ...] = (X, Z, A, B, C, S, P, Wn, Q, x, a, b, w, y, z)

Values = dict[str, np.ndarray]


def T(u: M.Node) -> M.Node:
    return M.transpose(u)


def neg(u: M.Node) -> M.Node:
    return M.mul(M.const(-1), u)


def size(d: sp.Expr) -> int:
    return int(d.xreplace(SIZES))


def shape_of(node: M.Node) -> tuple[int, int]:
    return size(node.shape[0]), size(node.shape[1])


def draw_values(seed: int) -> Values:
    """Independent draws for every symbol above, respecting its declaration (P positive definite, ...)."""
    rng = np.random.default_rng(seed)
    out: Values = {}
    for s in SYMBOLS:
        r, c = size(s.rows), size(s.cols)
        g = rng.standard_normal((r, c))
        if "positive definite" in s.props:
            g = g @ g.T / r + np.eye(r)
        elif "positive semidefinite" in s.props:
            g = g @ g.T
        elif "symmetric" in s.props:
            g = g + g.T
        out[s.name] = g
    return out


def direction(var: M.MatSym, seed: int) -> np.ndarray:
    """A random direction dX for ``var`` (symmetric for a symmetric variable)."""
    g = np.random.default_rng(seed + 7919).standard_normal((size(var.rows), size(var.cols)))
    return g + g.T if var.symmetric else g


def value(node: M.Node, values: Values, dvar: M.MatSym | None = None, d: np.ndarray | None = None) -> np.ndarray:
    """The number of ``node`` (dX taken as ``d`` for the variable ``dvar``)."""
    dirs = {} if dvar is None or d is None else {dvar.name: d}
    return evaluate(node, Point(dict(SIZES), values, {lam: LAM}, dirs, "test"))


def central(f: Callable[[Values], float], values: Values, name: str, h: float = 1e-5) -> np.ndarray:
    """The matrix of partial derivatives of ``f`` by the entries of ``values[name]``, by central differences."""
    base = values[name]
    out = np.zeros_like(base)
    for idx in np.ndindex(*base.shape):
        up, down = dict(values), dict(values)
        up[name], down[name] = base.copy(), base.copy()
        up[name][idx] += h
        down[name][idx] -= h
        out[idx] = (f(up) - f(down)) / (2 * h)
    return out


def scalar_of(node: M.Node) -> Callable[[Values], float]:
    """``values -> float`` for a scalar node."""
    return lambda v: float(value(node, v)[0, 0])


@pytest.fixture(params=[0, 1, 2], ids=lambda s: f"draw{s}")
def values(request: pytest.FixtureRequest) -> Values:
    """Three independent draws of every declared symbol."""
    return draw_values(int(request.param))
