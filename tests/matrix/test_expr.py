"""Matrix expressions as data: the canonicalizing constructors and the plain printer.

Every rewrite a constructor makes must be an identity, so besides the examples a
Hypothesis property builds random trees through the constructors and checks, with plain
numpy applied to the same operations, that the built node evaluates to the same matrix.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.matrix.numeric import Point, evaluate
from derive.core.errors import DeriveError, ShapeError
from derive.matrix import expr as M
from derive.matrix.expr import plain
from derive.parse.shapes import merge_shapes
from derive.matrix.read_text import parse_matrix
from derive.parse.let import parse_let

n, p, m = M.dim("n"), M.dim("p"), M.dim("m")
ONE = M.ONE
X = M.MatSym("X", n, p)
Z = M.MatSym("Z", n, p)
y = M.MatSym("y", n, ONE)
q = M.MatSym("q", n, ONE)
b = M.MatSym("b", p, ONE)
w = M.MatSym("w", p, ONE)
A = M.MatSym("A", p, p)
B = M.MatSym("B", p, p)
S = M.MatSym("S", p, p, frozenset({"symmetric"}))
P = M.MatSym("P", p, p, frozenset({"positive definite", "symmetric", "positive semidefinite"}))
D_ = M.MatSym("D", p, p, frozenset({"diagonal"}))
Q = M.MatSym("Q", p, p, frozenset({"orthogonal"}))
W = M.MatSym("W", n, n, frozenset({"symmetric"}))
lam = sp.Symbol("lam")


# -- sums ------------------------------------------------------------------------
def test_add_flattens_nested_sums_and_collects_like_terms() -> None:
    s = M.add(M.add(y, q), y)
    assert isinstance(s, M.Add)
    assert not any(isinstance(t, M.Add) for t in s.terms)
    assert s.terms == (M.Mul(sp.Integer(2), (y,)), q)
    assert plain(s) == "2*y + q"


def test_add_collects_symbolic_coefficients() -> None:
    s = M.add(M.mul(X, b), M.mul(M.const(lam), X, b))
    assert plain(s) == "(lam + 1)*X*b"
    assert M.split_coeff(s) == (lam + 1, M.Mul(ONE, (X, b)))


def test_add_of_a_term_and_its_negative_is_the_zero_of_that_shape() -> None:
    z = M.add(M.mul(X, b), -M.mul(X, b))
    assert z == M.Zero(n, ONE) and M.is_zero(z)
    assert M.add(M.trace(A), -M.trace(A)) == M.Const(sp.Integer(0))


def test_add_broadcasts_a_number_over_a_vector_as_the_ones_vector() -> None:
    s = M.add(M.const(1), y)
    assert s.shape == (n, ONE)
    assert M.Ones(n, ONE) in s.children()
    assert plain(s) == "1 + y"


def test_add_of_different_shapes_is_a_shape_error_naming_both() -> None:
    with pytest.raises(ShapeError) as info:
        M.add(y, b)
    msg = info.value.message
    assert "y (n-vector)" in msg and "b (p-vector)" in msg
    assert info.value.hint and "same shape" in info.value.hint
    with pytest.raises(ShapeError, match=r"X \(n x p\).*X' \(p x n\)"):
        M.add(X, M.transpose(X))


# -- products ----------------------------------------------------------------------
def test_mul_flattens_and_merges_numeric_coefficients() -> None:
    prod = M.mul(M.const(2), M.mul(M.const(3), X), b)
    assert prod == M.Mul(sp.Integer(6), (X, b))
    assert plain(prod) == "6*X*b"


def test_mul_moves_scalar_factors_in_front_of_the_chain() -> None:
    s = M.mul(M.transpose(b), b)  # b'b, a 1x1 product kept whole
    prod = M.mul(X, s, b)
    assert isinstance(prod, M.Mul)
    assert prod.scalars == (s,) and prod.chain == (X, b)
    assert plain(prod) == "(b'*b)*X*b"


def test_mul_is_associative_over_a_scalar_chain_with_scalar_factors() -> None:
    """(2 (w'X'y)) (norm(b)^2 (b'b)) = 2 (w'X'y) norm(b)^2 b'b: no 1x1 chain keeps scalar factors inside it."""
    wxy, nb, bb = M.mul(M.transpose(w), M.transpose(X), y), M.power(M.norm(b), 2), M.mul(M.transpose(b), b)
    nested = M.mul(M.mul(M.const(2), wxy), M.mul(nb, bb))
    flat = M.mul(M.const(2), wxy, nb, M.transpose(b), b)
    assert nested == flat == M.mul(M.mul(M.mul(M.const(2), wxy), nb), M.transpose(b), b)
    assert isinstance(flat, M.Mul) and flat.coeff == 2 and flat.chain == (M.transpose(b), b)
    assert all(not (isinstance(f, M.Mul) and f.scalars) for f in flat.scalars)
    assert plain(flat) == "2*norm(b)^2*(w'*X'*y)*b'*b"


def test_mul_merges_powers_of_a_repeated_scalar_factor() -> None:
    s = M.mul(M.transpose(b), b)
    assert M.mul(s, s) == M.Power(s, sp.Integer(2))
    assert M.mul(s, M.power(s, -1)) == M.Const(ONE)


def test_mul_drops_identities_and_cancels_inverses_in_a_chain() -> None:
    assert M.mul(A, M.Identity(p), B) == M.Mul(ONE, (A, B))
    assert M.mul(M.inverse(A), A) == M.Identity(p)
    assert M.mul(X, A, M.inverse(A), b) == M.Mul(ONE, (X, b))


def test_non_conformable_product_is_a_shape_error_naming_both_operands_and_shapes() -> None:
    with pytest.raises(ShapeError) as info:
        M.mul(X, y)
    err = info.value
    assert isinstance(err, DeriveError) and isinstance(err, ValueError)
    assert "X (n x p)" in err.message and "y (n-vector)" in err.message
    assert err.hint and "transpose" in err.hint
    with pytest.raises(ShapeError, match=r"b' \(1 x p row vector\).*y \(n-vector\)"):
        M.mul(M.transpose(b), y)


# -- transposes ------------------------------------------------------------------------
def test_transpose_is_pushed_through_products_in_reverse_order() -> None:
    t = M.transpose(M.mul(X, A, b))
    assert t == M.Mul(ONE, (M.Transpose(b), M.Transpose(A), M.Transpose(X)))
    assert plain(t) == "b'*A'*X'"
    assert M.transpose(M.transpose(X)) == X


def test_transpose_of_a_sum_is_kept_whole() -> None:
    r = M.add(y, -M.mul(X, b))
    t = M.transpose(r)
    assert t == M.Transpose(r)
    assert plain(t) == "(y - X*b)'"
    assert plain(M.mul(t, W, r)) == "(y - X*b)'*W*(y - X*b)"
    assert M.distribute_transposes(t) == M.add(M.Transpose(y), -M.mul(M.Transpose(b), M.Transpose(X)))


def test_declared_symmetric_matrices_are_their_own_transpose() -> None:
    for sym in (S, P, D_, W):
        assert M.transpose(sym) == sym
    assert M.transpose(A) == M.Transpose(A)
    assert M.transpose(M.mul(S, A)) == M.Mul(ONE, (M.Transpose(A), S))
    assert M.transpose(M.Differential(S)) == M.Differential(S)
    assert M.transpose(M.Identity(p)) == M.Identity(p)
    assert M.is_symmetric(M.add(A, M.transpose(A))) and not M.is_symmetric(A)


def test_transpose_of_a_scalar_keeps_the_fewer_transposes() -> None:
    s = M.mul(M.transpose(y), X, b)
    assert M.transpose(s) == s
    assert M.transpose(M.trace(A)) == M.trace(A)


# -- inverses, traces, determinants --------------------------------------------------------
def test_inverse_of_an_inverse_is_the_matrix() -> None:
    assert M.inverse(M.inverse(A)) == A
    assert M.inverse(M.Identity(p)) == M.Identity(p)
    assert M.inverse(Q) == M.Transpose(Q)  # orthogonal: Q^{-1} = Q^T
    assert M.inverse(M.mul(M.const(2), A)) == M.Mul(sp.Rational(1, 2), (M.Inverse(A),))
    assert M.transpose(M.inverse(A)) == M.Inverse(M.Transpose(A))
    assert M.inverse(M.trace(A)) == M.Power(M.Trace(A), sp.Integer(-1))


def test_trace_is_linear() -> None:
    assert M.trace(M.add(A, M.mul(M.const(lam), S))) == M.add(M.Trace(A), M.mul(M.const(lam), M.Trace(S)))
    assert M.trace(M.mul(M.const(3), A)) == M.Mul(sp.Integer(3), (M.Trace(A),))
    assert M.trace(M.Identity(p)) == M.Const(p)
    assert M.trace(M.Zero(p, p)) == M.Const(sp.Integer(0))
    assert M.trace(M.trace(A)) == M.trace(A)
    assert plain(M.trace(M.add(A, M.mul(M.const(lam), S)))) == "tr(A) + lam*tr(S)"


@pytest.mark.parametrize(("make", "what"), [
    (M.inverse, "the inverse"), (M.trace, "the trace"), (M.det, "the determinant"), (M.logdet, "log det"),
])
def test_inverse_trace_and_det_of_a_non_square_matrix_are_shape_errors(
        make: Callable[[M.Node], M.Node], what: str) -> None:
    with pytest.raises(ShapeError) as info:
        make(X)
    assert info.value.message == f"{what} needs a square matrix, but X is n x p"
    assert info.value.hint and "square" in info.value.hint


def test_log_of_det_is_logdet_and_log_of_exp_cancels() -> None:
    assert M.func("log", M.det(A)) == M.LogDet(A)
    assert M.func("log", M.func("exp", y)) == y
    assert M.func("sqrt", M.mul(M.transpose(b), b)) == M.Power(M.mul(M.transpose(b), b), sp.Rational(1, 2))
    assert M.logdet(M.Identity(p)) == M.Const(sp.Integer(0))
    with pytest.raises(ValueError, match="unknown function"):
        M.func("arcsinh", y)


def test_hadamard_drops_ones_and_pulls_scalars_out() -> None:
    assert M.hadamard(y, M.Ones(n, ONE)) == y
    assert M.hadamard(M.mul(M.const(3), y), q) == M.Mul(sp.Integer(3), (M.Hadamard((y, q)),))
    assert M.hadamard(M.hadamard(y, q), y) == M.Hadamard((y, q, y))
    with pytest.raises(ShapeError, match="entrywise"):
        M.hadamard(y, b)


def test_powers_diag_and_sums_of_entries() -> None:
    assert M.power(M.power(y, 2), 3) == M.Power(y, sp.Integer(6))
    assert M.power(y, 0) == M.Ones(n, ONE)
    assert M.diag(M.Ones(p, ONE)) == M.Identity(p)
    with pytest.raises(ShapeError, match="diag needs a vector"):
        M.diag(X)
    assert plain(M.matsum(y)) == "1'*y"
    assert plain(M.matsum(X)) == "1'*X*1"
    with pytest.raises(ShapeError, match="softmax needs a column vector"):
        M.softmax(X)


# -- plain printing --------------------------------------------------------------------------
def test_plain_prints_the_textbook_forms() -> None:
    ridge = M.add(M.mul(M.const(-2), M.transpose(X), M.add(y, -M.mul(X, b))), M.mul(M.const(2 * lam), b))
    assert plain(ridge) == "-2*X'*(y - X*b) + 2*lam*b"
    hess = M.mul(M.const(2), M.add(M.mul(M.transpose(X), X), M.mul(M.const(lam), M.Identity(p))))
    assert plain(hess) == "2*(X'*X + lam*I)"
    logistic = M.mul(M.transpose(X), M.add(-y, M.func("sigmoid", M.mul(X, w))))
    assert plain(logistic) == "X'*(sigmoid(X*w) - y)"  # the positive term first
    assert plain(M.mul(M.inverse(M.mul(M.transpose(X), X)), M.transpose(X), y)) == "inv(X'*X)*X'*y"
    assert plain(M.hadamard(y, M.func("exp", M.mul(X, b)))) == "y .* exp(X*b)"
    assert plain(M.D(M.mul(X, b))) == "d(X*b)"
    assert plain(M.transpose(M.Differential(b))) == "db'"
    assert plain(M.mul(y, M.power(M.mul(M.transpose(b), b), -1))) == "y/(b'*b)"


SHAPES = merge_shapes(parse_let(t) for t in [
    "X: n x p", "y: n", "b: p", "w: p", "A: p x p", "S: p x p symmetric", "W: n x n symmetric", "z: k", "u: k",
])
ROUND_TRIP = [
    "-2*X'*(y - X*b) + 2*lam*b",
    "X'*(sigmoid(X*w) - y)",
    "softmax(z) - u",
    "(y - X*b)'*W*(y - X*b)",
    "tr(inv(A)*S)",
    "logdet(S) + det(A)",
    "norm(y - X*b)^2",
    "y .* exp(X*b)",
    "diag(b)",
    "1'*y",
    "inv(X'*X)*X'*y",
    "b'*A*b/2",
    "(b'*b)^(1/2)",
    "logsumexp(z)",
    "b'*A'*X'*y",
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_plain_text_reads_back_to_the_same_node(text: str) -> None:
    node = parse_matrix(text, SHAPES)
    assert plain(node) == text
    assert parse_matrix(plain(node), SHAPES) == node


def test_plain_identity_reads_back_as_the_identity() -> None:
    """plain() writes I_p as ``I`` (as in ``2*(X'*X + lam*I)``, the ridge Hessian); it must re-read."""
    hess = M.mul(M.const(2), M.add(M.mul(M.transpose(X), X), M.mul(M.const(sp.Symbol("lam")), M.Identity(p))))
    text = plain(hess)
    assert text == "2*(X'*X + lam*I)"
    back = parse_matrix(text, SHAPES)
    assert plain(back) == text
    assert M.Identity(p) in set(M.walk(back))


# -- the property: constructors only make identities ---------------------------------------------
SIZES = {n: 5, p: 3, m: 4}
_SYMBOLS: dict[tuple[sp.Expr, sp.Expr], list[M.MatSym]] = {
    (n, p): [X, Z], (n, ONE): [y, q], (p, ONE): [b, w], (p, p): [A, B, S, P, D_, Q], (n, n): [W],
}
_SHAPES = [(n, p), (p, n), (n, ONE), (p, ONE), (ONE, n), (ONE, p), (p, p), (n, n), (ONE, ONE)]


def _values(seed: int) -> dict[str, np.ndarray]:
    """Independent draws at n = 5, p = 3 that respect each declaration."""
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for syms in _SYMBOLS.values():
        for s in syms:
            r, c = SIZES.get(s.rows, 1), SIZES.get(s.cols, 1)
            g = rng.standard_normal((r, c))
            if s is S or s is W:
                g = g + g.T
            elif s is P:
                g = g @ g.T + np.eye(r)
            elif s is D_:
                g = np.diag(rng.uniform(0.5, 2.0, r))
            elif s is Q:
                g = np.linalg.qr(g)[0]
            elif r == c:
                g = np.eye(r) + 0.3 * g
            out[s.name] = g
    return out


@dataclass(frozen=True)
class Built:
    node: M.Node
    value: Callable[[dict[str, np.ndarray]], np.ndarray]


def _size(d: sp.Expr) -> int:
    return SIZES.get(d, 1)


@st.composite
def built(draw: st.DrawFn, shape: tuple[sp.Expr, sp.Expr], depth: int = 3) -> Built:
    """A node of ``shape`` made by the constructors, with the same operations done in numpy."""
    r, c = shape
    leaves: list[Callable[[], Built]] = []
    for s in _SYMBOLS.get(shape, []):
        leaves.append(lambda s=s: Built(s, lambda v, s=s: v[s.name]))
    tshape = (c, r)
    for s in _SYMBOLS.get(tshape, []):
        leaves.append(lambda s=s: Built(M.transpose(s), lambda v, s=s: v[s.name].T))
    if shape != (ONE, ONE):
        leaves.append(lambda: Built(M.Ones(r, c), lambda v: np.ones((_size(r), _size(c)))))
    if r == c and r != ONE:
        leaves.append(lambda: Built(M.Identity(r), lambda v: np.eye(_size(r))))
    if shape == (ONE, ONE):
        k = draw(st.integers(-3, 3))
        leaves.append(lambda: Built(M.const(k), lambda v: np.array([[float(k)]])))
    if depth <= 0 or draw(st.integers(0, 3)) == 0:
        return leaves[draw(st.integers(0, len(leaves) - 1))]()
    ops = ["add", "sub", "scale", "product", "transpose", "hadamard", "func"]
    if shape == (p, p):
        ops += ["inverse_pd"]
    if shape == (ONE, ONE):
        ops += ["trace", "norm", "quadratic", "logdet"]
    op = draw(st.sampled_from(ops))
    sub = lambda sh: built(sh, depth - 1)  # noqa: E731
    if op in ("add", "sub", "hadamard"):
        a, b_ = draw(sub(shape)), draw(sub(shape))
        if op == "add":
            return Built(M.add(a.node, b_.node), lambda v: a.value(v) + b_.value(v))
        if op == "sub":
            return Built(M.add(a.node, M.mul(M.const(-1), b_.node)), lambda v: a.value(v) - b_.value(v))
        return Built(M.hadamard(a.node, b_.node), lambda v: a.value(v) * b_.value(v))
    if op == "scale":
        k = draw(st.sampled_from([-2, -1, 2, 3, sp.Rational(1, 2)]))
        a = draw(sub(shape))
        return Built(M.mul(M.const(k), a.node), lambda v: float(k) * a.value(v))
    if op == "product":
        inner = draw(st.sampled_from([n, p, ONE]))
        a, b_ = draw(sub((r, inner))), draw(sub((inner, c)))
        return Built(M.mul(a.node, b_.node), lambda v: a.value(v) @ b_.value(v))
    if op == "transpose":
        a = draw(sub(tshape))
        return Built(M.transpose(a.node), lambda v: a.value(v).T)
    if op == "func":
        name = draw(st.sampled_from(["tanh", "sigmoid", "sin"]))
        a = draw(sub(shape))
        fn = {"tanh": np.tanh, "sigmoid": lambda t: 1 / (1 + np.exp(-t)), "sin": np.sin}[name]
        return Built(M.func(name, a.node), lambda v: fn(a.value(v)))
    if op == "inverse_pd":
        # P + G G^T is positive definite, so the inverse exists at every draw
        g = draw(sub((p, p)))
        gram = M.add(P, M.mul(g.node, M.transpose(g.node)))
        return Built(M.inverse(gram), lambda v: np.linalg.inv(v["P"] + g.value(v) @ g.value(v).T))
    if op == "trace":
        k = draw(st.sampled_from([n, p]))
        a = draw(sub((k, k)))
        return Built(M.trace(a.node), lambda v: np.array([[np.trace(a.value(v))]]))
    if op == "norm":
        sh = draw(st.sampled_from([(n, ONE), (n, p)]))
        a = draw(sub(sh))
        return Built(M.norm(a.node), lambda v: np.array([[np.linalg.norm(a.value(v))]]))
    if op == "quadratic":
        u = draw(sub((p, ONE)))
        return Built(M.mul(M.transpose(u.node), A, u.node), lambda v: u.value(v).T @ v["A"] @ u.value(v))
    g = draw(sub((p, p)))
    gram = M.add(P, M.mul(g.node, M.transpose(g.node)))
    return Built(M.logdet(gram), lambda v: np.array([[np.linalg.slogdet(v["P"] + g.value(v) @ g.value(v).T)[1]]]))


def _point(values: dict[str, np.ndarray]) -> Point:
    return Point(dict(SIZES), values, {}, {}, "test")


@settings(max_examples=60, deadline=None)
@given(shape=st.sampled_from(_SHAPES), data=st.data(), seed=st.integers(0, 2**16))
@pytest.mark.slow
def test_constructors_rewrite_only_by_identities(shape: tuple[sp.Expr, sp.Expr], data: st.DataObject,
                                                   seed: int) -> None:
    b_ = data.draw(built(shape))
    values = _values(seed)
    expected = b_.value(values)
    assert b_.node.shape == shape
    got = evaluate(b_.node, _point(values))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)
    # the transpose constructor is an identity too, whatever it rewrites
    np.testing.assert_allclose(evaluate(M.transpose(b_.node), _point(values)), expected.T, rtol=1e-9, atol=1e-9)
