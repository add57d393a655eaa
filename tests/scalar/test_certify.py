"""certify_derivation: a certificate on every step, plus the sympy.diff and finite-difference checks."""
from __future__ import annotations

import dataclasses

import sympy as sp

from derive.core.budget import Budget
from derive.scalar.certify import certify_derivation, certify_gradient
from derive.scalar.gradient import gradient
from derive.scalar.strategy import differentiate
from derive.parse.domain import VarDomain
from derive.core.contract import Refuted, is_certified

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
f = sp.Function("f")


def test_engine_derivation_is_certified() -> None:
    clock = Budget().start()
    d = certify_derivation(differentiate(x**2 * sp.sin(x), [x], clock), clock)
    assert all(s.certificate is not None for s in d.steps)
    assert all(is_certified(s.certificate) for s in d.steps)
    names = [c.name for c in d.checks]
    assert names == ["agrees with sympy.diff", "matches finite differences"]
    assert d.certified


def test_undefined_function_derivation_is_certified() -> None:
    clock = Budget().start()
    d = certify_derivation(differentiate(f(x**2), [x, x], clock), clock)
    assert d.certified, [(s.rule, s.certificate) for s in d.steps] + list(d.checks)


def test_log_derivation_on_domain() -> None:
    clock = Budget().start()
    domains = {"x": VarDomain("x", lower=0)}
    d = certify_derivation(differentiate(x * sp.log(x), [x], clock), clock, domains)
    assert d.certified


def test_tampered_step_is_refuted_and_result_checks_fail() -> None:
    clock = Budget().start()
    d = differentiate(x * sp.exp(-x), [x], clock)
    wrong = (1 + x) * sp.exp(-x)
    last = dataclasses.replace(d.steps[-1], after=wrong)
    tampered = dataclasses.replace(d, steps=d.steps[:-1] + (last,), result=wrong)
    out = certify_derivation(tampered, clock)
    assert isinstance(out.steps[-1].certificate, Refuted)
    assert not out.certified
    checks = {c.name: c.certificate for c in out.checks}
    assert isinstance(checks["agrees with sympy.diff"], Refuted)
    assert isinstance(checks["matches finite differences"], Refuted)


def test_gradient_and_hessian_are_certified() -> None:
    clock = Budget().start()
    e = x**2 * sp.exp(y) + sp.sin(x * y)
    g = certify_gradient(gradient(e, [x, y], clock, hessian=True), clock)
    assert g.certified
    assert sp.simplify(g.gradient - sp.Matrix([sp.diff(e, x), sp.diff(e, y)])) == sp.zeros(2, 1)
    assert g.hessian_matrix is not None
    assert sp.simplify(g.hessian_matrix - sp.hessian(e, (x, y))) == sp.zeros(2, 2)
