"""SymPy matrix expressions (as ``derive check`` reads a user's LaTeX) into the matrix tree.

The checker's reader builds SymPy ``MatrixSymbol`` trees; the matrix engine derives on its own
tree (``expr``). This walk rebuilds a SymPy tree through the canonicalizing constructors, node
by node from an allow-list (products, sums, transposes, inverses, traces, determinants, entrywise
functions, powers, scalar coefficients); anything else raises ``UnsupportedError`` naming it.
"""
from __future__ import annotations

from collections.abc import Mapping

import sympy as sp
from sympy.matrices.expressions import MatrixExpr

from derive.core.errors import UnsupportedError
from derive.matrix import expr as M

_PROPERTIES = {"symmetric": "symmetric", "positive_definite": "positive definite",
               "positive_semidefinite": "positive semidefinite", "diagonal": "diagonal"}
"""The checker's property words (``Declared.properties``) in the matrix tree's words."""

_FUNCTIONS = {sp.exp: "exp", sp.log: "log", sp.tanh: "tanh", sp.sin: "sin", sp.cos: "cos"}


def _has_matrix(e: sp.Basic) -> bool:
    return isinstance(e, MatrixExpr) or bool(e.atoms(sp.MatrixSymbol))


def from_sympy(e: sp.Basic, properties: Mapping[str, frozenset[str]] | None = None) -> M.Node:
    """The matrix tree of ``e``; ``properties`` (a matrix's declared words) become the symbols' props."""
    props = properties or {}

    def conv(n: sp.Basic) -> M.Node:
        if not _has_matrix(n):
            if isinstance(n, sp.Expr):
                return M.const(n)
            raise UnsupportedError(f"{type(n).__name__} is not a scalar expression")
        if isinstance(n, sp.MatrixSymbol):
            words = frozenset(_PROPERTIES[w] for w in props.get(n.name, frozenset()) if w in _PROPERTIES)
            return M.MatSym(n.name, M.dim(n.rows), M.dim(n.cols), words)
        if isinstance(n, (sp.MatMul, sp.Mul)):
            return M.mul(*(conv(a) for a in n.args))
        if isinstance(n, sp.MatAdd) and n.shape[0] == 1 and n.shape[1] != 1:
            # a row vector sum, as SymPy distributes (y - X b)^T: the transpose of the column, so the
            # engine sees one residual twice in (y - X b)^T (y - X b)
            return M.transpose(conv(sp.Transpose(n).doit()))
        if isinstance(n, (sp.MatAdd, sp.Add)):
            return M.add(*(conv(a) for a in n.args))
        if isinstance(n, sp.Transpose):
            return M.transpose(conv(n.arg))
        if isinstance(n, sp.Inverse):
            return M.inverse(conv(n.arg))
        if isinstance(n, sp.Trace):
            return M.trace(conv(n.arg))
        if isinstance(n, sp.Determinant):
            return M.det(conv(n.arg))
        if isinstance(n, sp.log) and isinstance(n.args[0], sp.Determinant):
            return M.logdet(conv(n.args[0].arg))
        if isinstance(n, sp.HadamardProduct):
            return M.hadamard(*(conv(a) for a in n.args))
        if isinstance(n, sp.Pow) and not _has_matrix(n.exp):
            base = conv(n.base)
            if n.exp == sp.S.Half:
                return M.func("sqrt", base)
            return M.power(base, n.exp)
        for cls, name in _FUNCTIONS.items():
            if isinstance(n, cls) and len(n.args) == 1:
                return M.func(name, conv(n.args[0]))
        raise UnsupportedError(f"{type(n).__name__} is not in the matrix engine's language")

    return conv(e)


__all__ = ["from_sympy"]
