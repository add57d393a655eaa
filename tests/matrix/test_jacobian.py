"""Jacobians of vector- and matrix-valued functions: numerator layout, certified like gradients."""
from __future__ import annotations

import json

import pytest

import derive
from derive.core.budget import Budget
from derive.core.errors import UsageError
from derive.matrix import expr as M
from derive.matrix.certify import certify_matrix_jacobian
from derive.matrix.jacobian import matrix_jacobian
from derive.render import render

m, p = M.dim("m"), M.dim("p")
x = M.MatSym("x", p, M.ONE)
A = M.MatSym("A", m, p)
W = M.MatSym("W", m, p)


def _jac(f: M.Node, var: M.MatSym) -> tuple[str, bool]:
    clock = Budget(seconds=60).start()
    j = certify_matrix_jacobian(matrix_jacobian(f, var, clock), clock)
    return M.plain(j.jacobian), j.certified


@pytest.mark.parametrize(("f", "var", "expected"), [
    (M.mul(A, x), x, "A"),
    (M.func("sigmoid", M.mul(W, x)), x, "diag((1 - sigmoid(W*x)) .* sigmoid(W*x))*W"),
    (M.hadamard(x, x), x, "2*diag(x)"),
    (M.softmax(x), x, "diag(softmax(x)) - softmax(x)*softmax(x)'"),
    (M.mul(W, x), W, "x' kron I"),
    (M.transpose(M.mul(W, x)), x, "W"),
    (M.mul(W, M.transpose(W)), W, "W kron I + (I kron W)*K(m, p)"),
], ids=["Ax", "sigmoid", "x*x", "softmax", "Wx by W", "row", "WWt"])
def test_jacobians_in_numerator_layout_are_certified(f: M.Node, var: M.MatSym, expected: str) -> None:
    shown, certified = _jac(f, var)
    assert shown == expected
    assert certified


def test_a_wrong_jacobian_is_refuted() -> None:
    clock = Budget(seconds=60).start()
    j = matrix_jacobian(M.softmax(x), x, clock)
    import dataclasses

    wrong = dataclasses.replace(j, jacobian=M.diag(M.softmax(x)))  # the diagonal alone
    checked = certify_matrix_jacobian(wrong, clock)
    assert checked.refuted and not checked.certified


def test_the_api_returns_a_jacobian_with_its_layout_in_every_format() -> None:
    r = derive.grad("sigmoid(W x)", wrt="x", let=["W: m x p", "x: p"])
    assert isinstance(r, derive.MatJacobianResult) and r.certified
    text = r.to_text(width=80)
    assert "Jacobian: ∂f/∂xᵀ = diag((1 − σ(W·x)) ⊙ σ(W·x))·W" in text
    assert "Numerator layout: df = J dx, J_ij = ∂f_i/∂x_j" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    latex = r.to_latex()
    assert r"J = \frac{\partial f}{\partial x^{\top}}" in latex and "numerator layout" in latex
    data = json.loads(r.to_json())
    assert data["layout"] == "numerator" and data["certified"] and data["jacobian_text"].endswith("*W")
    assert "numerator layout" in r.to_markdown()
    assert str(r.jacobian).startswith("DiagMatrix") or "W" in str(r.jacobian)


def test_the_identification_is_said_beside_a_line_that_already_reads_j_dx() -> None:
    clock = Budget(seconds=60).start()
    j = matrix_jacobian(M.mul(A, x), x, clock)
    assert len(j.steps) == 1  # d(Ax) = A dx, not "= A dx" twice
    assert "gives the Jacobian J" in j.steps[0].justification
    assert "identification" in render(j, "latex")


def test_a_hessian_of_a_vector_valued_function_is_refused() -> None:
    with pytest.raises(UsageError, match="Jacobian"):
        derive.grad("A x", wrt="x", let=["A: m x p", "x: p"], hessian=True)
