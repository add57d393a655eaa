"""matrix_gradient: gradient, Hessian and stationary point against finite differences and numpy; the refusals."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from derive.core.budget import Budget, Clock
from derive.core.errors import BudgetExceeded, UnsupportedError, UsageError
from derive.matrix import expr as M
from derive.matrix.gradient import matrix_gradient
from derive.matrix.model import MatGradient
from derive.matrix.expr import plain
from tests.matrix.conftest import (
    A, B, P, X, Z, T, Values, b, central, lam, n, neg, p, scalar_of, shape_of, value, w, y,
)

V = M.MatSym("V", p, p)
Vs = M.MatSym("V", p, p, frozenset({"symmetric"}))
O = M.MatSym("O", p, p, frozenset({"orthogonal"}))
zvec = M.MatSym("z", n, M.ONE)

RESIDUAL = M.add(y, neg(M.mul(X, b)))
OLS = M.power(M.norm(RESIDUAL), 2)
RIDGE = M.add(OLS, M.mul(M.const(lam), M.power(M.norm(b), 2)))
LOGISTIC = M.add(M.matsum(M.func("softplus", M.mul(X, w))), neg(M.mul(T(y), X, w)))
MULTI = M.power(M.norm(M.add(Z, neg(M.mul(X, V)))), 2)  # least squares with a matrix of coefficients
CROSS_ENTROPY = neg(M.mul(T(y), M.func("log", M.softmax(zvec))))

FUNCTIONS: list[tuple[str, M.Node, M.MatSym]] = [
    ("ols", OLS, b), ("ridge", RIDGE, b), ("logistic", LOGISTIC, w), ("quadratic", M.mul(T(b), A, b), b),
    ("tr(A V B V')", M.trace(M.mul(A, V, B, T(V))), V), ("multi", MULTI, V),
    ("logdet(P + V'V)", M.logdet(M.add(P, M.mul(T(V), V))), V), ("cross entropy", CROSS_ENTROPY, zvec),
]


def run(f: M.Node, var: M.MatSym, *, hessian: bool = True) -> MatGradient:
    return matrix_gradient(f, var, Budget(seconds=120).start(), hessian=hessian)


def at(values: Values, var: M.MatSym, point: np.ndarray) -> Values:
    return {**values, var.name: point}


def start(var: M.MatSym, seed: int = 5) -> np.ndarray:
    return 0.5 * np.random.default_rng(seed).standard_normal(shape_of(var))


@pytest.mark.parametrize(("f", "var"), [c[1:] for c in FUNCTIONS], ids=[c[0] for c in FUNCTIONS])
def test_gradient_matches_central_differences(f: M.Node, var: M.MatSym, values: Values) -> None:
    g = run(f, var, hessian=False).gradient
    assert g.shape == var.shape
    here = at(values, var, start(var))
    np.testing.assert_allclose(value(g, here), central(scalar_of(f), here, var.name), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(("f", "var"), [c[1:] for c in FUNCTIONS], ids=[c[0] for c in FUNCTIONS])
def test_hessian_matches_central_differences_of_the_gradient(f: M.Node, var: M.MatSym, values: Values) -> None:
    """H vec(D) = d/dt vec(grad f(X + t D)) at t = 0 (for a vector, vec is the vector itself)."""
    r = run(f, var)
    assert r.hessian is not None
    here = at(values, var, start(var))
    d = np.random.default_rng(9).standard_normal(shape_of(var))
    h = 1e-5
    vec = lambda m: m.reshape(-1, 1, order="F")  # noqa: E731
    numeric = (value(r.gradient, at(values, var, here[var.name] + h * d))
               - value(r.gradient, at(values, var, here[var.name] - h * d))) / (2 * h)
    np.testing.assert_allclose(value(r.hessian, here) @ vec(d), vec(numeric), rtol=1e-6, atol=1e-6)


def test_textbook_results() -> None:
    ridge = run(RIDGE, b)
    assert plain(ridge.gradient) == "-2*X'*(y - X*b) + 2*lam*b"
    assert ridge.hessian is not None and plain(ridge.hessian) == "2*(X'*X + lam*I)"
    logistic = run(LOGISTIC, w)
    assert plain(logistic.gradient) == "X'*(sigmoid(X*w) - y)"
    multi = run(MULTI, V)
    assert multi.hessian is not None and plain(multi.hessian) == "2*(I kron (X'*X))"


@pytest.mark.parametrize(("f", "var", "solve"), [
    (OLS, b, lambda v: np.linalg.lstsq(v["X"], v["y"], rcond=None)[0]),
    (RIDGE, b, lambda v: np.linalg.solve(v["X"].T @ v["X"] + 0.7 * np.eye(3), v["X"].T @ v["y"])),
    (MULTI, V, lambda v: np.linalg.lstsq(v["X"], v["Z"], rcond=None)[0]),
], ids=["ols", "ridge", "multi"])
def test_stationary_point_is_numpys_solution_and_zeroes_the_gradient(f: M.Node, var: M.MatSym, solve: object,
                                                                     values: Values) -> None:
    r = run(f, var)
    assert r.stationary is not None
    x_hat = value(r.stationary.solution, values)
    np.testing.assert_allclose(x_hat, solve(values), rtol=1e-9, atol=1e-10)  # type: ignore[operator]
    np.testing.assert_allclose(value(r.gradient, at(values, var, x_hat)), 0, atol=1e-9)


def test_stationary_conditions_and_definiteness() -> None:
    ridge, ols = run(RIDGE, b), run(OLS, b)
    assert ridge.stationary is not None and ridge.stationary.when == "always (it is positive definite)"
    assert ols.stationary is not None and ols.stationary.when == "X has full column rank"
    assert ridge.definiteness is not None and ridge.definiteness.verdict == "positive definite"
    assert ols.definiteness is not None and ols.definiteness.verdict == "positive semidefinite"
    assert run(LOGISTIC, w).stationary is None  # the Hessian depends on w: no closed form


def test_without_hessian_the_result_has_none_but_keeps_the_stationary_point() -> None:
    r = run(RIDGE, b, hessian=False)
    assert r.hessian is None and r.hessian_steps == ()
    assert r.stationary is not None and plain(r.stationary.solution) == "inv(X'*X + lam*I)*X'*y"


def test_symmetric_variable_gets_the_symmetric_gradient_and_a_note(values: Values) -> None:
    r = run(M.trace(M.mul(A, Vs)), Vs, hessian=False)
    np.testing.assert_allclose(value(r.gradient, values), (values["A"] + values["A"].T) / 2, rtol=1e-12)
    assert any("symmetric" in note and "2G - diag(G)" in note for note in r.notes)


def test_undeclared_capital_names_are_noted_as_scalars() -> None:
    r = run(M.mul(M.const(sp.Symbol("K")), T(b), b), b, hessian=False)
    assert any("K is not declared" in note for note in r.notes)


def test_a_sum_of_label_entries_in_the_gradient_is_noted() -> None:
    r = run(CROSS_ENTROPY, zvec, hessian=False)
    assert any("sum of the entries of y" in note for note in r.notes), r.notes


def test_steps_end_with_the_identification() -> None:
    r = run(RIDGE, b)
    assert r.steps[-1].after == M.inner(r.gradient, M.Differential(b))
    assert r.steps[0].before is not None and r.function == RIDGE and r.wrt == b


@pytest.mark.parametrize(("f", "var", "error", "words"), [
    (M.mul(X, b), b, UnsupportedError, "not a scalar"),
    (OLS, w, UsageError, "w does not appear"),
    (M.trace(M.mul(A, O)), O, UnsupportedError, "orthogonal"),
], ids=["vector valued", "absent variable", "orthogonal"])
def test_refusals_name_the_problem_with_a_hint(f: M.Node, var: M.MatSym, error: type[Exception], words: str) -> None:
    with pytest.raises(error) as info:
        run(f, var, hessian=False)
    assert words in str(info.value)
    assert getattr(info.value, "hint", "")


def test_the_hessian_by_a_structured_matrix_is_refused_but_its_gradient_is_not() -> None:
    with pytest.raises(UnsupportedError, match="structured matrix V"):
        run(M.trace(M.mul(A, Vs)), Vs, hessian=True)
    assert run(M.trace(M.mul(A, Vs)), Vs, hessian=False).gradient.shape == (p, p)


def test_the_derivation_runs_under_the_budget(clock: Clock) -> None:
    with pytest.raises(BudgetExceeded):
        matrix_gradient(RIDGE, b, Budget(seconds=0).start())
    assert matrix_gradient(M.trace(M.mul(A, B, V)), V, clock).gradient == M.mul(T(B), T(A))


def test_pca_lagrangian_is_the_eigenproblem() -> None:
    from derive.core.budget import Budget
    from derive.matrix.certify import certify_matrix_gradient
    from derive.matrix.read import parse_matrix_auto
    from derive.parse.let import parse_let
    from derive.parse.shapes import merge_shapes

    shapes = merge_shapes([parse_let("S: p x p symmetric"), parse_let("w: p")])
    f = parse_matrix_auto("w' S w - lam*(w' w - 1)", shapes, {})
    w = next(s for s in M.symbols(f) if s.name == "w")
    g = certify_matrix_gradient(matrix_gradient(f, w, Budget().start(), hessian=True), Budget().start())
    assert g.stationary is not None and g.stationary.eigen is not None
    a, lam = g.stationary.eigen
    assert plain(a) == "S" and str(lam) == "lam"
    assert g.stationary.certificate.certified
    # an affine gradient with a right side is solved as before, not an eigenproblem
    shapes2 = merge_shapes([parse_let("S: p x p symmetric"), parse_let("w: p"), parse_let("b: p")])
    f2 = parse_matrix_auto("w' S w - lam*(w' w) + 2*b' w", shapes2, {})
    w = next(s for s in M.symbols(f2) if s.name == "w")
    g2 = matrix_gradient(f2, w, Budget().start())
    assert g2.stationary is not None and g2.stationary.eigen is None


def test_gaussian_covariance_gradient_is_symmetric_and_solved() -> None:
    from derive.core.budget import Budget
    from derive.matrix.certify import certify_matrix_gradient
    from derive.matrix.read import parse_matrix_auto
    from derive.parse.let import parse_let
    from derive.parse.shapes import merge_shapes

    shapes = merge_shapes([parse_let("Sigma: p x p positive definite"), parse_let("S: p x p symmetric")])
    f = parse_matrix_auto("-n/2*logdet(Sigma) - tr(S inv(Sigma))/2", shapes, {})
    sigma = next(s for s in M.symbols(f) if s.name == "Sigma")
    g = certify_matrix_gradient(matrix_gradient(f, sigma, Budget().start()), Budget().start())
    assert "(" not in plain(g.gradient).replace("inv(", "")  # no (G + G')/2 left: already symmetric
    assert g.stationary is not None and plain(g.stationary.solution) in {"S/n", "1/n*S", "(1/n)*S"}
    assert g.certified


@pytest.mark.parametrize(("text", "wrt", "lets", "expected"), [
    ("det(X^3)", "X", ["X: p x p"], "3*det(X^3)*inv(X')"),  # k det(X^k) X^-T
    ("det(X^2)", "X", ["X: p x p symmetric"], "2*det(X^2)*inv(X)"),
    ("x' y / (norm(x) norm(y))", "x", ["x: p", "y: p"], "(-(x'*y)*x/norm(x)^2 + y)/(norm(x)*norm(y))"),  # cosine
])
def test_powers_and_norms_read_as_a_teacher_writes_them(text: str, wrt: str, lets: list[str], expected: str) -> None:
    import derive

    r = derive.grad(text, wrt=wrt, let=lets)
    assert r.certified
    assert M.plain(r.gradient_node) == expected
