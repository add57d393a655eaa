"""Identification: gradients read off df = <G, dX>, Jacobians off de = J dx and vec(de) = J vec(dX).

Hand-checked forms first; then the claims checked with numbers: <S, e(D)> = <pull(e, S), D>
for a random direction D, e(D) = J D, vec(e(D)) = J vec(D), and <G, D> equal to the
central-difference directional derivative of the function whose differential was written by hand.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from derive.core.errors import UnsupportedError
from derive.matrix import expr as M
from derive.matrix.identify import gradient_of, jacobian, pull, vec_jacobian
from derive.matrix.expr import plain
from tests.matrix.conftest import (
    A, B, C, P, S, SIZES, Wn, X, Z, T, Values, a, b, draw_values, n, neg, p, shape_of, value, w, y, z,
)

# Variables that never appear as constants, so an expression is linear in their differential.
u = M.MatSym("u", p, M.ONE)
U = M.MatSym("U", n, p)
V = M.MatSym("V", p, p)
du, dU, dV = M.Differential(u), M.Differential(U), M.Differential(V)


def inner(s: np.ndarray, e: np.ndarray) -> float:
    """The Frobenius inner product <S, E> = tr(S^T E)."""
    return float(np.sum(s * e))


def rand(shape: tuple[int, int], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


# -- hand-checked forms --------------------------------------------------------------------------
GRADIENTS: list[tuple[str, M.Node, M.MatSym, M.Node]] = [
    ("a'du", M.mul(T(a), du), u, a),
    ("du'a", M.mul(T(du), a), u, a),
    ("2 y'X du", M.mul(M.const(2), T(y), X, du), u, M.mul(M.const(2), T(X), y)),
    ("du'A u-form", M.add(M.mul(T(du), A, b), M.mul(T(b), A, du)), u, M.add(M.mul(A, b), M.mul(T(A), b))),
    ("tr(A dV)", M.trace(M.mul(A, dV)), V, T(A)),
    ("tr(dV A)", M.trace(M.mul(dV, A)), V, T(A)),
    ("tr(S dV) symmetric", M.trace(M.mul(S, dV)), V, S),
    ("tr(X' C dU)", M.trace(M.mul(T(X), C, dU)), U, M.mul(T(C), X)),
    ("y'dU b", M.mul(T(y), dU, b), U, M.mul(y, T(b))),
    ("tr(Z' dU)", M.trace(M.mul(T(Z), dU)), U, Z),
    ("(a'b) a'du", M.mul(M.mul(T(a), b), T(a), du), u, M.mul(M.mul(T(a), b), a)),
    ("sum(a .* du)", M.matsum(M.hadamard(a, du)), u, a),
    ("1'(diag(du) a)", M.matsum(M.mul(M.diag(du), a)), u, a),
]


@pytest.mark.parametrize(("df", "var", "expected"), [g[1:] for g in GRADIENTS], ids=[g[0] for g in GRADIENTS])
def test_gradient_of_hand_checked_differentials(df: M.Node, var: M.MatSym, expected: M.Node) -> None:
    assert M.normal_form(gradient_of(df, var)) == M.normal_form(expected), plain(gradient_of(df, var))


def test_a_differential_without_the_variable_has_the_zero_gradient_of_its_shape() -> None:
    assert gradient_of(M.mul(T(a), b), u) == M.Zero(p, M.ONE)
    assert gradient_of(M.trace(A), U) == M.Zero(n, p)


def test_pull_carries_the_seed_through_transposes_and_traces() -> None:
    seed = M.MatSym("G", p, p)
    assert pull(dV, seed) == seed
    assert pull(T(dV), seed) == T(seed)
    assert pull(M.mul(A, dV), seed) == M.mul(T(A), seed)  # <G, A dV> = <A'G, dV>
    assert pull(M.mul(dV, A), seed) == M.mul(seed, T(A))  # <G, dV A> = <G A', dV>


JACOBIANS: list[tuple[str, M.Node, M.Node]] = [
    ("du", du, M.Identity(p)),
    ("A du", M.mul(A, du), A),
    ("X du", M.mul(X, du), X),
    ("a .* du", M.hadamard(a, du), M.diag(a)),
    ("(a'du) b", M.mul(M.mul(T(a), du), b), M.mul(b, T(a))),
    ("A du + A'du", M.add(M.mul(A, du), M.mul(T(A), du)), M.add(A, T(A))),
    ("A diag(du) b", M.mul(A, M.diag(du), b), M.mul(A, M.diag(b))),
    ("2 X'X du", M.mul(M.const(2), T(X), X, du), M.mul(M.const(2), T(X), X)),
    ("A du'... as (du'b) a", M.mul(a, M.mul(T(du), b)), M.mul(a, T(b))),
]


@pytest.mark.parametrize(("e", "expected"), [j[1:] for j in JACOBIANS], ids=[j[0] for j in JACOBIANS])
def test_jacobian_hand_checked(e: M.Node, expected: M.Node) -> None:
    assert M.normal_form(jacobian(e, u)) == M.normal_form(expected), plain(jacobian(e, u))


def test_jacobian_of_a_constant_is_the_zero_matrix() -> None:
    assert jacobian(M.mul(X, a), u) == M.Zero(n, p)


VEC_JACOBIANS: list[tuple[str, M.Node, M.MatSym, M.Node]] = [
    ("dV", dV, V, M.Identity(p * p)),
    ("A dV", M.mul(A, dV), V, M.kron(M.Identity(p), A)),
    ("dV A", M.mul(dV, A), V, M.kron(T(A), M.Identity(p))),
    ("A dV B", M.mul(A, dV, B), V, M.kron(T(B), A)),
    ("dV'", T(dV), V, M.commutation(p, p)),
    ("X dU' ... C dU", M.mul(C, dU), U, M.kron(M.Identity(p), C)),
]


@pytest.mark.parametrize(("e", "var", "expected"), [v[1:] for v in VEC_JACOBIANS], ids=[v[0] for v in VEC_JACOBIANS])
def test_vec_jacobian_hand_checked(e: M.Node, var: M.MatSym, expected: M.Node) -> None:
    assert vec_jacobian(e, var) == expected, plain(vec_jacobian(e, var))


@pytest.mark.parametrize(("e", "var"), [
    (M.mul(T(du), du), u),  # quadratic: two factors hold du
    (M.trace(M.inverse(dV)), V),  # not linear and not a supported form
])
def test_what_is_not_linear_or_not_supported_is_refused(e: M.Node, var: M.MatSym) -> None:
    with pytest.raises(UnsupportedError):
        gradient_of(e, var)


def test_a_jacobian_through_an_unsupported_node_is_refused_with_a_hint() -> None:
    with pytest.raises(UnsupportedError) as info:
        jacobian(M.softmax(du), u)
    assert "Hessian" in info.value.message and info.value.hint


# -- the claims with numbers ----------------------------------------------------------------------
@pytest.mark.parametrize(("df", "var", "_"), [g[1:] for g in GRADIENTS], ids=[g[0] for g in GRADIENTS])
def test_gradient_of_satisfies_df_equals_inner_product(df: M.Node, var: M.MatSym, _: M.Node, values: Values) -> None:
    d = rand(shape_of(var), 11)
    g = value(gradient_of(df, var), values)
    assert inner(g, d) == pytest.approx(float(value(df, values, var, d)[0, 0]), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(("e", "_"), [j[1:] for j in JACOBIANS], ids=[j[0] for j in JACOBIANS])
def test_jacobian_satisfies_de_equals_j_dx(e: M.Node, _: M.Node, values: Values) -> None:
    d = rand(shape_of(u), 12)
    np.testing.assert_allclose(value(jacobian(e, u), values) @ d, value(e, values, u, d), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(("e", "var", "_"), [v[1:] for v in VEC_JACOBIANS], ids=[v[0] for v in VEC_JACOBIANS])
def test_vec_jacobian_satisfies_vec_de_equals_j_vec_dx(e: M.Node, var: M.MatSym, _: M.Node, values: Values) -> None:
    d = rand(shape_of(var), 13)
    vec = lambda m: m.reshape(-1, 1, order="F")  # noqa: E731 - vec stacks columns
    np.testing.assert_allclose(value(vec_jacobian(e, var), values) @ vec(d), vec(value(e, values, var, d)),
                               rtol=1e-9, atol=1e-9)


# Functions with their differentials written by hand: gradient_of(df) against finite differences of f.
FUNCTIONS: list[tuple[str, Callable[[np.ndarray, Values], float], M.Node, M.MatSym]] = [
    ("u'A u", lambda v, k: (v.T @ k["A"] @ v).item(), M.add(M.mul(T(du), A, u), M.mul(T(u), A, du)), u),
    ("norm(y - X u)^2", lambda v, k: float(np.sum((k["y"] - k["X"] @ v) ** 2)),
     M.mul(M.const(-2), T(M.add(y, neg(M.mul(X, u)))), X, du), u),
    ("tr(U' C U)", lambda m, k: float(np.trace(m.T @ k["C"] @ m)),
     M.add(M.trace(M.mul(T(dU), C, U)), M.trace(M.mul(T(U), C, dU))), U),
    ("tr(A V B V')", lambda m, k: float(np.trace(k["A"] @ m @ k["B"] @ m.T)),
     M.add(M.trace(M.mul(A, dV, B, T(V))), M.trace(M.mul(A, V, B, T(dV)))), V),
    ("sum(exp(X u))", lambda v, k: float(np.sum(np.exp(k["X"] @ v))),
     M.matsum(M.hadamard(M.func("exp", M.mul(X, u)), M.mul(X, du))), u),
]


@pytest.mark.parametrize(("f", "df", "var"), [f[1:] for f in FUNCTIONS], ids=[f[0] for f in FUNCTIONS])
def test_gradient_of_a_hand_written_differential_matches_central_differences(
        f: Callable[[np.ndarray, Values], float], df: M.Node, var: M.MatSym, values: Values) -> None:
    rng = np.random.default_rng(3)
    at = 0.5 * rng.standard_normal(shape_of(var))
    d = rng.standard_normal(shape_of(var))
    h = 1e-5
    numeric = (f(at + h * d, values) - f(at - h * d, values)) / (2 * h)
    g = value(gradient_of(df, var), {**values, var.name: at})
    assert inner(g, d) == pytest.approx(numeric, rel=1e-6, abs=1e-6)


# -- the property: random expressions linear in the differential --------------------------------
_CONSTANTS: dict[tuple[object, object], list[M.Node]] = {
    (n, p): [X, Z], (p, n): [T(X), T(Z)], (p, p): [A, B, S, P], (n, n): [C, Wn],
    (p, M.ONE): [a, b, w], (n, M.ONE): [y, z], (M.ONE, p): [T(a), T(b)], (M.ONE, n): [T(y), T(z)],
    (M.ONE, M.ONE): [M.const(2), M.const(-3), M.mul(T(a), b), M.trace(A)],
}
_DIMS = (n, p, M.ONE)


@st.composite
def linear(draw: st.DrawFn, shape: tuple[object, object], dvar: M.Differential, depth: int = 3) -> M.Node:
    """An expression of ``shape`` linear in ``dvar``, built with the constructors."""
    r, c = shape
    dr, dc = dvar.shape
    leaves: list[M.Node] = []
    if dvar.shape == shape:
        leaves.append(dvar)
    if (dc, dr) == shape:
        leaves.append(T(dvar))
    if depth <= 0:  # the shortest way to the shape: L dX R
        if leaves:
            return draw(st.sampled_from(leaves))
        return M.mul(draw(st.sampled_from(_CONSTANTS[(r, dr)])), dvar, draw(st.sampled_from(_CONSTANTS[(dc, c)])))
    if leaves and draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(leaves))
    ops = ["left", "right", "add", "scale", "transpose", "hadamard", "scalar"]
    if r == c and r != M.ONE:
        ops.append("square")
    if shape == (M.ONE, M.ONE):
        ops.append("trace")
    if c == M.ONE and r != M.ONE:
        ops.append("diag_times")
    op = draw(st.sampled_from(ops))
    sub = lambda sh: linear(sh, dvar, depth - 1)  # noqa: E731
    const = lambda sh: st.sampled_from(_CONSTANTS[sh])  # noqa: E731
    if op == "left":
        k = draw(st.sampled_from(_DIMS))
        return M.mul(draw(const((r, k))), draw(sub((k, c))))
    if op == "right":
        k = draw(st.sampled_from(_DIMS))
        return M.mul(draw(sub((r, k))), draw(const((k, c))))
    if op == "add":
        return M.add(draw(sub(shape)), draw(sub(shape)))
    if op == "scale":
        return M.mul(draw(const((M.ONE, M.ONE))), draw(sub(shape)))
    if op == "transpose":
        return T(draw(sub((c, r))))
    if op == "hadamard" and shape in _CONSTANTS and shape != (M.ONE, M.ONE):
        return M.hadamard(draw(const(shape)), draw(sub(shape)))
    if op == "trace":
        k = draw(st.sampled_from([n, p]))
        return M.trace(draw(sub((k, k))))
    if op == "diag_times":
        return M.mul(M.diag(draw(const((r, M.ONE)))), draw(sub(shape)))
    if op == "square":
        return M.mul(draw(sub(shape)), draw(const(shape)))
    return M.mul(draw(const((M.ONE, M.ONE))), draw(sub(shape)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(var=st.sampled_from([u, U, V]), data=st.data(), seed=st.integers(0, 2**16))
def test_pull_moves_every_factor_off_the_differential(var: M.MatSym, data: st.DataObject, seed: int) -> None:
    """<S, e(D)> = <pull(e, S), D> for every e linear in dX, seed S of e's shape and direction D."""
    shape = data.draw(st.sampled_from([(M.ONE, M.ONE), (p, p), (n, p), (p, M.ONE), (p, n)]))
    e = data.draw(linear(shape, M.Differential(var)))
    values = draw_values(seed)
    d = rand(shape_of(var), seed + 1)
    s = rand(shape_of(e), seed + 2)
    seed_node = M.MatSym("Seed", *e.shape) if not e.is_scalar else M.const(float(s[0, 0]))
    values["Seed"] = s
    got = value(pull(e, seed_node), values)
    assert got.shape == shape_of(var)
    assert inner(got, d) == pytest.approx(inner(s, value(e, values, var, d)), rel=1e-8, abs=1e-8)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_jacobian_of_random_linear_vectors(data: st.DataObject, seed: int) -> None:
    """e(D) = J D for a column e linear in du, or a refusal naming what is not supported."""
    rows = data.draw(st.sampled_from([n, p]))
    e = data.draw(linear((rows, M.ONE), du))
    try:
        j = jacobian(e, u)
    except UnsupportedError as err:
        assert "cannot identify a Hessian" in err.message and err.hint
        event("refused")
        return
    values = draw_values(seed)
    d = rand(shape_of(u), seed + 1)
    np.testing.assert_allclose(value(j, values) @ d, value(e, values, u, d), rtol=1e-8, atol=1e-8)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(var=st.sampled_from([U, V]), data=st.data(), seed=st.integers(0, 2**16))
def test_vec_jacobian_of_random_linear_matrices(var: M.MatSym, data: st.DataObject, seed: int) -> None:
    """vec(e(D)) = J vec(D) for a matrix e linear in dX."""
    e = data.draw(linear(data.draw(st.sampled_from([(p, p), (n, p), (p, n)])), M.Differential(var)))
    try:
        j = vec_jacobian(e, var)
    except UnsupportedError as err:
        assert "cannot identify a Hessian" in err.message
        event("refused")
        return
    values = draw_values(seed)
    d = rand(shape_of(var), seed + 1)
    vec = lambda m: m.reshape(-1, 1, order="F")  # noqa: E731
    np.testing.assert_allclose(value(j, values) @ vec(d), vec(value(e, values, var, d)), rtol=1e-8, atol=1e-8)


def test_sizes_make_a_transposed_gradient_fail() -> None:
    """The draws' sizes differ, so G and G^T cannot be confused in the checks above."""
    assert len(set(SIZES.values())) == len(SIZES)
