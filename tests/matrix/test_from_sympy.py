"""SymPy matrix trees (as ``derive check`` reads them) into the matrix engine's tree."""
from __future__ import annotations

import pytest
import sympy as sp

from derive.core.budget import Budget
from derive.core.errors import UnsupportedError
from derive.matrix import expr as M
from derive.matrix.from_sympy import from_sympy
from derive.matrix.gradient import matrix_gradient
from derive.matrix.sympy_form import to_sympy

n, p = sp.symbols("n p", integer=True, positive=True)
X, y, beta = sp.MatrixSymbol("X", n, p), sp.MatrixSymbol("y", n, 1), sp.MatrixSymbol("beta", p, 1)
A = sp.MatrixSymbol("A", p, p)


def test_a_residual_transposed_by_sympy_is_read_as_one_residual() -> None:
    r = y - X * beta
    f = from_sympy(sp.Trace(r.T * r))  # SymPy writes r^T as y^T - beta^T X^T
    assert isinstance(f, M.Mul) and f.factors[0] == M.transpose(from_sympy(r))
    g = matrix_gradient(f, from_sympy(beta), Budget().start())  # type: ignore[arg-type]
    difference = (to_sympy(g.gradient) - (-2 * X.T * r)).subs({n: 3, p: 2}).as_explicit()
    assert sp.simplify(difference) == sp.zeros(2, 1)


def test_declared_properties_reach_the_tree() -> None:
    got = from_sympy(A, {"A": frozenset({"symmetric", "identity"})})
    assert isinstance(got, M.MatSym) and got.props == frozenset({"symmetric"})


def test_scalars_traces_determinants_and_functions() -> None:
    t = sp.Symbol("t", positive=True)
    f = from_sympy(t * sp.log(sp.Determinant(A)) + sp.exp(sp.Trace(A)))
    assert M.symbols(f) == {from_sympy(A)} and f.is_scalar


def test_what_the_engine_does_not_know_is_refused() -> None:
    with pytest.raises(UnsupportedError):
        from_sympy(sp.MatPow(A, 3) * beta)
