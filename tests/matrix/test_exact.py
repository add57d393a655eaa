"""The exact check at small explicit sizes: right gradients proved entry by entry, wrong ones refuted.

Pins the cheap exact rungs of ``_zero`` (one fraction before expand where a denominator holds an
exponential, as softmax and log-sum-exp give): they prove what expand, cancel and simplify prove, and a
difference that is not zero is still not proved zero.
"""
from __future__ import annotations

import dataclasses

import sympy as sp

from derive.core.budget import Budget, Clock
from derive.core.contract import Proved, Refuted
from derive.matrix import expr as M
from derive.matrix.exact import _over_exponentials, _zero, explicit_check
from derive.matrix.gradient import matrix_gradient

k = M.dim("k")
z = M.MatSym("z", k, M.ONE)
y = M.MatSym("y", k, M.ONE)


def clock() -> Clock:
    return Budget(seconds=60).start()


def cross_entropy() -> M.Node:
    return M.mul(M.const(-1), M.transpose(y), M.func("log", M.softmax(z)))


def test_the_softmax_cross_entropy_gradient_is_proved_exactly() -> None:
    c = clock()
    g = matrix_gradient(cross_entropy(), z, c, hessian=False)
    verdict = explicit_check(g, c)
    assert isinstance(verdict, Proved)
    assert "every entry equals SymPy's derivative" in verdict.method


def test_a_wrong_softmax_gradient_is_refuted_exactly() -> None:
    c = clock()
    g = matrix_gradient(cross_entropy(), z, c, hessian=False)
    wrong = dataclasses.replace(g, gradient=M.add(M.softmax(z), y))  # p + y instead of (1'y) p - y
    assert isinstance(explicit_check(wrong, c), Refuted)


def test_a_fraction_of_exponentials_is_proved_zero_and_a_nonzero_one_is_not() -> None:
    a, b = sp.symbols("a b", real=True)
    s = sp.exp(a) + sp.exp(b)
    identity = sp.exp(a) / s + sp.exp(b) / s - 1
    assert _over_exponentials(identity)
    assert sp.expand(identity) != 0  # expand alone does not see it
    assert _zero(identity, clock())
    assert not _zero(sp.exp(a) / s - 1, clock())
    assert not _over_exponentials(a / (a + b) + b / (a + b) - 1)
    assert _zero(a / (a + b) + b / (a + b) - 1, clock())
