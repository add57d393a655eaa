"""finite_difference_check: derivatives against mpmath's numeric differentiation."""
from __future__ import annotations

import random

import pytest
import sympy as sp

from derive.core.budget import Budget
from derive.certify.finite import finite_difference_check
from derive.parse.domain import VarDomain
from derive.core.functions import sigmoid
from derive.core.contract import Plausible, Refuted, Unknown

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
f = sp.Function("f")


@pytest.mark.parametrize(
    ("function", "wrt", "derivative"),
    [
        (x * sp.sin(x), [x], sp.sin(x) + x * sp.cos(x)),
        (x * sp.exp(-x), [x], (1 - x) * sp.exp(-x)),
        (sigmoid(x), [x], sigmoid(x) * (1 - sigmoid(x))),
        (sp.sin(x) ** 2, [x], 2 * sp.sin(x) * sp.cos(x)),
        (x * sp.sin(x), [x, x], 2 * sp.cos(x) - x * sp.sin(x)),
        (x**4, [x, x, x], 24 * x),
        (sp.exp(x * y), [x, y], sp.exp(x * y) * (1 + x * y)),
        (sp.exp(x * y), [y, x], sp.exp(x * y) * (1 + x * y)),
        (x**2 * y**3, [x, y, x], 6 * y**2),
        (x**2 * y, [y], x**2),
        (f(x**2), [x], 2 * x * f(x**2).fdiff(1)),
        (sp.erf(x), [x], 2 * sp.exp(-(x**2)) / sp.sqrt(sp.pi)),
    ],
    ids=str,
)
def test_correct_derivatives_agree(function: sp.Expr, wrt: list[sp.Symbol], derivative: sp.Expr) -> None:
    verdict = finite_difference_check(function, wrt, derivative, Budget().start())
    assert isinstance(verdict, Plausible), verdict
    assert verdict.probes >= 6
    assert verdict.max_rel_error < 1e-8
    assert "finite differences" in verdict.note


@pytest.mark.parametrize(
    ("function", "wrt", "derivative"),
    [
        (x * sp.sin(x), [x], sp.sin(x) - x * sp.cos(x)),
        (x * sp.sin(x), [x, x], 2 * sp.cos(x) + x * sp.sin(x)),
        (sp.exp(x * y), [x, y], sp.exp(x * y) * x * y),
        (f(x**2), [x], x * f(x**2).fdiff(1)),
        (sp.sin(x) ** x, [x], x * sp.sin(x) ** (x - 1) * sp.cos(x)),
        (sigmoid(x), [x], sigmoid(x) ** 2),
    ],
    ids=str,
)
def test_wrong_derivatives_are_refuted(function: sp.Expr, wrt: list[sp.Symbol], derivative: sp.Expr) -> None:
    verdict = finite_difference_check(function, wrt, derivative, Budget().start())
    assert isinstance(verdict, Refuted), verdict
    names = {n for n, _ in verdict.point}
    assert {s.name for s in wrt} <= names
    # the claimed derivative really is what the verdict says at the point
    sub = {s: sp.Float(dict(verdict.point)[s.name], 30) for s in (function.free_symbols | set(wrt))}
    if not function.atoms(sp.core.function.AppliedUndef):
        claimed = float(derivative.xreplace(sub).evalf(30))
        true = float(sp.diff(function, *wrt).xreplace(sub).evalf(30))
        assert abs(claimed - true) > 1e-6 * max(1.0, abs(true))
        assert abs(float(verdict.lhs.split()[0]) - claimed) <= 1e-4 * max(1.0, abs(claimed))
        assert abs(float(verdict.rhs.split()[0]) - true) <= 1e-4 * max(1.0, abs(true))


def test_domain_is_used_for_log() -> None:
    verdict = finite_difference_check(sp.log(x), [x], 1 / x, Budget().start(), {"x": VarDomain("x", lower=0)})
    assert isinstance(verdict, Plausible), verdict
    assert verdict.domain == "x > 0"


def test_domain_is_used_for_a_refutation() -> None:
    """|x|' = 1 holds on x > 0 and is refuted on x < 0."""
    ok = finite_difference_check(sp.Abs(x), [x], sp.Integer(1), Budget().start(), {"x": VarDomain("x", lower=0)})
    assert isinstance(ok, Plausible), ok
    bad = finite_difference_check(sp.Abs(x), [x], sp.Integer(1), Budget().start(), {"x": VarDomain("x", upper=0)})
    assert isinstance(bad, Refuted), bad
    assert float(dict(bad.point)["x"]) < 0


def test_no_real_point_is_unknown() -> None:
    verdict = finite_difference_check(sp.sqrt(-1 - x**2), [x], -x / sp.sqrt(-1 - x**2), Budget().start())
    assert isinstance(verdict, Unknown), verdict
    assert not verdict.timeout


def test_exhausted_budget_raises() -> None:
    from derive.core.errors import BudgetExceeded

    with pytest.raises(BudgetExceeded):
        finite_difference_check(sp.sin(x), [x], sp.cos(x), Budget(seconds=0).start())


def test_deterministic_for_a_seed() -> None:
    a = finite_difference_check(sp.sin(x), [x], sp.sin(x), Budget().start(), rng=random.Random(3))
    b = finite_difference_check(sp.sin(x), [x], sp.sin(x), Budget().start(), rng=random.Random(3))
    assert isinstance(a, Refuted)
    assert a == b
