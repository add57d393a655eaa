"""Entrywise algebra through SymPy: to_scalar / from_scalar round trips, and derivatives against sympy.diff."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.core.errors import UnsupportedError
from derive.core.functions import sigmoid, softplus
from derive.matrix import expr as M
from derive.matrix.elementwise import Bindings, derivative, from_scalar, to_scalar
from derive.matrix.expr import plain
from tests.matrix.conftest import X, Values, draw_values, n, neg, value, w, y, z

Xw = M.mul(X, w)
ONES = M.Ones(n, M.ONE)
NAMES = ("exp", "log", "sqrt", "sigmoid", "softplus", "tanh", "sin", "cos")


def bound(*nodes: M.Node) -> tuple[Bindings, list[sp.Symbol]]:
    """Bindings with a placeholder for each node, in order."""
    b = Bindings()
    return b, [b.bind(node) for node in nodes]


def test_bind_gives_one_placeholder_per_distinct_node() -> None:
    b = Bindings()
    u1, u2 = b.bind(Xw), b.bind(y)
    assert u1 != u2 and b.bind(M.mul(X, w)) == u1
    assert b.by_symbol == {u1: Xw, u2: y}
    assert u1.is_real


@pytest.mark.parametrize(("node", "scalar"), [
    (M.func("sigmoid", Xw), lambda u, v: sigmoid(u)),
    (M.hadamard(y, M.func("log", M.func("sigmoid", Xw))), lambda u, v: v * sp.log(sigmoid(u))),
    (M.add(Xw, neg(y)), lambda u, v: u - v),
    (M.power(y, 3), lambda u, v: v**3),
    (M.mul(M.const(3), Xw), lambda u, v: 3 * u),
    (M.add(ONES, M.func("exp", Xw)), lambda u, v: 1 + sp.exp(u)),
    (M.func("sigmoid", neg(Xw)), lambda u, v: 1 - sigmoid(u)),  # one sigmoid per argument, so SymPy can cancel
], ids=lambda v: plain(v) if isinstance(v, M.Node) else "")
def test_to_scalar_examples(node: M.Node, scalar: object) -> None:
    b, (u, v) = bound(Xw, y)
    assert sp.expand(to_scalar(node, b) - scalar(u, v)) == 0  # type: ignore[operator]


@pytest.mark.parametrize("node", [
    M.func("sigmoid", Xw), M.hadamard(y, M.func("log", M.func("sigmoid", Xw))), M.power(y, 3),
    M.mul(M.const(3), Xw), M.func("tanh", M.hadamard(y, z)), M.power(M.add(ONES, M.func("exp", Xw)), -1),
], ids=plain)
def test_from_scalar_of_to_scalar_is_the_same_node(node: M.Node) -> None:
    b = Bindings()
    assert from_scalar(to_scalar(node, b), b, node.shape) == node


def test_from_scalar_writes_constants_over_the_shape() -> None:
    b, (u,) = bound(Xw)
    assert from_scalar(sp.Integer(2), b, Xw.shape) == M.mul(M.const(2), ONES)
    assert from_scalar(sp.Integer(2), b, M.SCALAR) == M.const(2)
    assert from_scalar(u, b, Xw.shape) == Xw


def test_zero_is_the_zero_matrix_and_reads_back_as_a_placeholder_for_it() -> None:
    """to_scalar knows the ones matrix (1) but binds the zero matrix like any operand; from_scalar undoes that."""
    b, _ = bound(Xw)
    zero = from_scalar(sp.Integer(0), b, Xw.shape)
    assert zero == M.Zero(n, M.ONE)
    u0 = to_scalar(zero, b)
    assert b.by_symbol[u0] == zero and from_scalar(u0, b, Xw.shape) == zero


def test_from_scalar_refuses_what_is_not_entrywise() -> None:
    b, (u, v) = bound(Xw, y)
    with pytest.raises(UnsupportedError, match="variable exponent"):
        from_scalar(u**v, b, Xw.shape)
    with pytest.raises(UnsupportedError, match="cannot write") as info:
        from_scalar(sp.gamma(u), b, Xw.shape)
    assert "sigmoid" in (info.value.hint or "")


@pytest.mark.parametrize("name", NAMES)
def test_derivative_agrees_with_sympy_diff(name: str) -> None:
    b = Bindings()
    d = derivative(name, Xw)
    t = sp.Symbol("t", positive=True)
    got = to_scalar(d, b).xreplace({b.by_node[Xw]: t})
    want = sp.diff(M.sympy_function(name)(t), t)
    assert sp.simplify((got - want).rewrite(sp.exp)) == 0


@pytest.mark.parametrize(("name", "expected"), [
    ("exp", "exp(X*w)"), ("sin", "cos(X*w)"), ("cos", "-sin(X*w)"), ("softplus", "sigmoid(X*w)"),
    ("sigmoid", "(1 - sigmoid(X*w)) .* sigmoid(X*w)"), ("tanh", "1 - tanh(X*w).^2"), ("log", "(X*w).^(-1)"),
])
def test_derivative_reads_as_the_textbook(name: str, expected: str) -> None:
    assert plain(derivative(name, Xw)) == expected


_NUMPY = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "sigmoid": lambda t: 1 / (1 + np.exp(-t)),
          "softplus": lambda t: np.log1p(np.exp(t)), "tanh": np.tanh, "sin": np.sin, "cos": np.cos}


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_central_differences(name: str) -> None:
    """f'(u) entrywise against (f(u + h) - f(u - h)) / 2h in numpy, at positive u (log and sqrt need it)."""
    values: Values = draw_values(4)
    values["y"] = np.abs(values["y"]) + 0.5
    f, h = _NUMPY[name], 1e-6
    numeric = (f(values["y"] + h) - f(values["y"] - h)) / (2 * h)
    np.testing.assert_allclose(value(derivative(name, y), values), numeric, rtol=1e-6, atol=1e-8)


def test_derivative_of_a_scalar_argument_is_a_scalar() -> None:
    u = M.mul(M.transpose(w), w)
    assert derivative("exp", u).shape == M.SCALAR
    assert derivative("log", u) == M.power(u, -1)


# -- the property: SymPy expressions over placeholders round-trip --------------------------------
@st.composite
def scalar_exprs(draw: st.DrawFn, syms: tuple[sp.Symbol, ...], depth: int = 3) -> sp.Expr:
    """SymPy expressions over the placeholders with the functions entrywise algebra supports."""
    if depth <= 0 or draw(st.integers(0, 2)) == 0:
        return draw(st.sampled_from([*syms, sp.Integer(2), sp.Rational(1, 2), sp.Integer(-1)]))
    sub = scalar_exprs(syms, depth - 1)
    op = draw(st.sampled_from(["add", "mul", "pow", "func"]))
    if op == "add":
        return draw(sub) + draw(sub)
    if op == "mul":
        return draw(sub) * draw(sub)
    if op == "pow":
        return draw(sub) ** draw(st.sampled_from([2, 3, -1]))
    fn = draw(st.sampled_from([sp.exp, sp.tanh, sp.sin, sp.cos, sigmoid, softplus]))
    return fn(draw(sub))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), point=st.tuples(st.floats(-2, 2), st.floats(-2, 2)))
@pytest.mark.slow
def test_to_scalar_of_from_scalar_is_the_same_function(data: st.DataObject, point: tuple[float, float]) -> None:
    b, (u, v) = bound(Xw, y)
    e = data.draw(scalar_exprs((u, v)))
    node = from_scalar(e, b, Xw.shape)
    back = to_scalar(node, b)
    # a placeholder other than u, v stands for a constant node (the zero matrix): its entries are 0
    zeros = {s: sp.Integer(0) for s in back.free_symbols - {u, v} if isinstance(b.by_symbol[s], M.Zero)}
    assert back.free_symbols - {u, v} == set(zeros)
    back = back.xreplace(zeros)
    at = {u: sp.Float(point[0]), v: sp.Float(point[1])}
    want, got = complex(e.xreplace(at).evalf()), complex(back.xreplace(at).evalf())
    if not np.isfinite(want):
        return  # 1/0 at this point: both sides are infinite or undefined alike
    assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (e, plain(node), back)
