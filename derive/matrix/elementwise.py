"""Entrywise algebra through SymPy: an entrywise expression is a scalar expression per entry.

``to_scalar`` maps sums, entrywise products, powers and functions of same-shaped operands to a
SymPy expression over placeholder symbols (one per other operand, e.g. ``X w``);
``from_scalar`` maps back. Derivatives of entrywise functions and entrywise cancellation
(σ(u)^{-1} ⊙ σ(u) = 1) come from SymPy's scalar algebra this way, not from a table.
"""
from __future__ import annotations

import functools

import sympy as sp

from derive.core.errors import UnsupportedError
from derive.matrix import expr as M
from derive.core.functions import ML_FUNCTIONS

_NAMES: dict[type, str] = {sp.exp: "exp", sp.log: "log", sp.tanh: "tanh", sp.sin: "sin", sp.cos: "cos",
                           **{cls: name for name, cls in ML_FUNCTIONS.items() if name != "logsumexp"}}


class Bindings:
    """Placeholder symbols and the nodes they stand for (one placeholder per distinct node)."""

    def __init__(self) -> None:
        self.by_node: dict[M.Node, sp.Dummy] = {}
        self.by_symbol: dict[sp.Symbol, M.Node] = {}

    def bind(self, node: M.Node) -> sp.Dummy:
        sym = self.by_node.get(node)
        if sym is None:
            sym = sp.Dummy(f"u{len(self.by_node) + 1}", real=True)
            self.by_node[node] = sym
            self.by_symbol[sym] = node
        return sym


def to_scalar(node: M.Node, b: Bindings) -> sp.Expr:
    """The per-entry SymPy expression of an entrywise expression."""
    if isinstance(node, M.Const):
        return node.value
    if isinstance(node, M.Ones):
        return sp.Integer(1)
    if isinstance(node, M.Add):
        return sp.Add(*(to_scalar(t, b) for t in node.terms))
    if isinstance(node, M.Hadamard):
        return sp.Mul(*(to_scalar(f, b) for f in node.factors))
    if isinstance(node, M.Power):
        return sp.Pow(to_scalar(node.base, b), node.exp)
    if isinstance(node, M.Func):
        arg = to_scalar(node.arg, b)
        if node.name == "sigmoid" and arg.could_extract_minus_sign():
            return 1 - ML_FUNCTIONS["sigmoid"](-arg)  # one sigmoid per argument, so SymPy can cancel
        return M.sympy_function(node.name)(arg)
    if isinstance(node, M.Mul) and node.shape == M.SCALAR and not node.chain:
        return sp.Mul(node.coeff, *(to_scalar(f, b) for f in node.factors))
    if isinstance(node, M.Mul) and len(node.chain) == 1:
        return sp.Mul(node.coeff, *(to_scalar(f, b) for f in node.scalars), to_scalar(node.chain[0], b))
    if isinstance(node, M.Mul) and node.coeff != 1:
        return node.coeff * b.bind(M.scale(1 / node.coeff, node))
    return b.bind(node)


def from_scalar(expr: sp.Expr, b: Bindings, shape: M.Shape) -> M.Node:
    """The entrywise expression of ``shape`` whose entries are ``expr``."""
    if expr in b.by_symbol:
        return b.by_symbol[expr]
    if not (expr.free_symbols & set(b.by_symbol)):
        value = M.Const(expr)
        return value if shape == M.SCALAR else M.mul(value, M.Ones(*shape))
    if expr.is_Add:
        return M.add(*(from_scalar(t, b, shape) for t in expr.args))
    if expr.is_Mul:
        coeff, rest = expr.as_independent(*b.by_symbol)
        parts = [from_scalar(f, b, shape) for f in sp.Mul.make_args(rest)]
        body = M.hadamard(*parts) if shape != M.SCALAR else M.mul(*parts)
        return M.mul(M.Const(coeff), body)
    if expr.is_Pow:
        base, e = expr.args
        if e.free_symbols & set(b.by_symbol):
            raise UnsupportedError("a power with a variable exponent is not supported in matrix calculus yet")
        return M.power(from_scalar(base, b, shape), e)
    if expr.func in _NAMES and len(expr.args) == 1:
        return M.func(_NAMES[expr.func], from_scalar(expr.args[0], b, shape))
    raise UnsupportedError(f"cannot write {sp.sstr(expr)} entrywise",
                           hint="matrix calculus supports exp, log, sqrt, sigmoid, softplus, tanh, sin, cos and powers")


_T = sp.Symbol("t", real=True)


@functools.cache
def _derivative_of(name: str) -> sp.Expr:
    """f'(t) for a named function: a constant of SymPy's calculus (cached like a compiled grammar)."""
    return sp.diff(M.sympy_function(name)(_T), _T)


def derivative(name: str, u: M.Node) -> M.Node:
    """f'(u) for an entrywise (or scalar) function f: SymPy's derivative, written entrywise."""
    b = Bindings()
    b.by_node[u] = _T
    b.by_symbol[_T] = u
    return from_scalar(_derivative_of(name), b, u.shape)
