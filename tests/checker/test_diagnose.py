"""The usual slips, each planted and named."""
from __future__ import annotations

import pytest
import sympy as sp

from derive.core.budget import Budget
from derive.checker.diagnose import diagnose
from derive.checker.probe import Declared
from derive.parse.domain import VarDomain
from derive.render.notation.text import hint_text
from tests.checker.conftest import MU, N, THETA, X, I, total, x

DECLARED = Declared({"theta": VarDomain("theta", 0.0)})
LOGLIK = sp.Derivative(N * sp.log(THETA) - THETA * total(X[I]), THETA)
m, k, p = sp.symbols("m k p", integer=True, positive=True)
W, a, b = sp.MatrixSymbol("W", m, k), sp.MatrixSymbol("a", m, 1), sp.MatrixSymbol("b", k, 1)
A, v = sp.MatrixSymbol("A", p, p), sp.MatrixSymbol("v", p, 1)


def hint(lhs: sp.Basic, rhs: sp.Basic) -> str | None:
    d = diagnose(lhs, rhs, DECLARED, Budget().start())
    return None if d is None else hint_text(d.hint.parts)


@pytest.mark.parametrize("lhs,rhs,expected", [
    (LOGLIK, 1 / THETA - total(X[I]), "missing factor n"),
    (LOGLIK, -N / THETA + total(X[I]), "sign flip"),
    (LOGLIK, 2 * (N / THETA - total(X[I])), "extra factor 2"),
    (LOGLIK, (N / THETA - total(X[I])) / 2, "missing factor 2"),
    (LOGLIK, N / THETA, "dropped term"),
    (LOGLIK, N / THETA - total(X[I]) + THETA, "extra term"),
    (sp.Derivative((a.T * W * b)[0, 0], W), b * a.T, "transposition"),
    (sp.Derivative((v.T * A * v)[0, 0], v), 2 * A * v, "symmetric"),
    (sp.Derivative(x**3, x), 3 * x**3, "power off by one"),
    (sp.Derivative(sp.sin(x**2), x), sp.cos(x**2), "chain factor"),
    (total(X[I] * MU), MU * X[I], "escaped its sum"),
])
def test_each_slip_is_named(lhs: sp.Basic, rhs: sp.Basic, expected: str) -> None:
    found = hint(lhs, rhs)
    assert found is not None and expected in found


def test_the_expected_right_side_is_correct() -> None:
    d = diagnose(LOGLIK, 1 / THETA - total(X[I]), DECLARED, Budget().start())
    assert d is not None and d.expected is not None
    assert sp.simplify(d.expected - (N / THETA - total(X[I]))) == 0


def test_a_wild_error_gets_the_difference_not_a_named_slip() -> None:
    found = hint(LOGLIK, sp.exp(THETA) + sp.cos(total(X[I])))
    assert found is not None and found.startswith("the two sides differ by")


def test_a_long_difference_gets_no_hint() -> None:
    wild = sp.exp(THETA) * sp.cos(total(X[I])) + sp.atan(THETA * N) ** 3 / (1 + total(X[I] ** 4))
    assert hint(LOGLIK, wild) is None
