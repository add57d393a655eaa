"""The MLE engine on textbook families, built by hand (no parser): estimators, methods, checks.

The known answers are an oracle for the tests only; the engine derives them.
"""
from __future__ import annotations

import sympy as sp
import pytest

from derive.core.budget import Budget
from derive.likelihood.derivation import derive_mle
from derive.likelihood.sign import sign_of
from derive.likelihood.sample import I, N, sample_base
from derive.likelihood.sums import Statistics, expand_sums, split_sums, total
from derive.parse.domain import VarDomain
from derive.likelihood.model import MleProblem, Support
from derive.likelihood.statistics import sample_max, sample_median, sample_min


def _x(**assumptions: bool) -> sp.Symbol:
    return sp.Symbol("x", **assumptions)


def _sum(e: sp.Expr) -> sp.Sum:
    return sp.Sum(e, (I, 1, N))


def _run(p: MleProblem):
    return derive_mle(p, Budget(120).start())


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    stats = Statistics.of([a, b])
    return sp.simplify(stats.hide(a) - stats.hide(b)) == 0


P = sp.Symbol("p", positive=True)
LAM = sp.Symbol("lam", positive=True)
MU = sp.Symbol("mu", real=True)
S2 = sp.Symbol("sigma2", positive=True)


def bernoulli() -> MleProblem:
    x = _x(integer=True, nonnegative=True)
    return MleProblem("bernoulli", P**x * (1 - P)**(1 - x), x, (P,),
                      Support("x", "finite", values=(sp.Integer(0), sp.Integer(1))), (VarDomain("p", 0.0, 1.0),),
                      discrete=True)


def poisson() -> MleProblem:
    x = _x(integer=True, nonnegative=True)
    return MleProblem("poisson", LAM**x * sp.exp(-LAM) / sp.factorial(x), x, (LAM,),
                      Support("x", "integers", lower=sp.Integer(0)), (VarDomain("lam", 0.0),), discrete=True)


def normal() -> MleProblem:
    x = _x(real=True)
    f = sp.exp(-(x - MU)**2 / (2 * S2)) / sp.sqrt(2 * sp.pi * S2)
    return MleProblem("normal", f, x, (MU, S2), Support("x", "interval"), (VarDomain("mu"), VarDomain("sigma2", 0.0)))


def test_split_sums_linearity() -> None:
    x = sample_base(_x(real=True))
    e = split_sums(_sum(3 * x[I] + MU + 2))
    assert sp.simplify(e - (3 * _sum(x[I]) + N * MU + 2 * N)) == 0


def test_expand_sums_separates_parameters_only_when_possible() -> None:
    x = sample_base(_x(real=True))
    e = expand_sums(_sum((x[I] - MU)**2), [MU])
    assert sp.expand(e - (_sum(x[I]**2) - 2 * MU * _sum(x[I]) + N * MU**2)) == 0
    kept = expand_sums(_sum(sp.log(1 + (x[I] - MU)**2)), [MU])
    assert kept == _sum(sp.log(1 + (x[I] - MU)**2))


def test_sign_on_bounded_interval() -> None:
    doms = {"p": VarDomain("p", 0.0, 1.0)}
    assert sign_of(-N / (P * (1 - P)), doms) == "negative"
    assert sign_of(P - 1, doms) == "negative"
    assert sign_of(P - sp.Rational(1, 2), doms) is None


def test_bernoulli_mean_with_condition_and_zero_bias() -> None:
    d = _run(bernoulli())
    x = sample_base(bernoulli().var)
    assert d.method == "calculus" and d.closed_form
    assert _same(d.estimator[0], _sum(x[I]) / N)
    assert any("< 1" in c for c in d.conditions) and any("> 0" in c for c in d.conditions)
    assert "maximum" in d.second_order
    info = d.fisher_expected
    assert info is not None and sp.simplify(info[0, 0] - N / (P * (1 - P))) == 0
    bias = [s for s in d.steps if s.kind == "bias" and s.relation == "bias"]
    assert bias and bias[0].rhs == 0


def test_poisson_loglik_is_grouped() -> None:
    d = _run(poisson())
    x = sample_base(poisson().var)
    assert sp.simplify(d.loglik - (-N * LAM + sp.log(LAM) * _sum(x[I]) - _sum(sp.log(sp.factorial(x[I]))))) == 0
    assert _same(d.estimator[0], _sum(x[I]) / N)


def test_normal_both_parameters_variance_in_deviation_form_and_bias() -> None:
    d = _run(normal())
    x = sample_base(normal().var)
    mu_hat, s2_hat = d.estimator
    assert _same(mu_hat, _sum(x[I]) / N)
    assert s2_hat == _sum((x[I] - _sum(x[I]) / N)**2) / N  # (1/n) sum (x_i - xbar)^2, not S2 - S1^2/n
    assert "negative definite" in d.second_order
    means = {s.param: s.rhs for s in d.steps if s.kind == "bias" and s.relation == "expected"}
    assert sp.simplify(means[S2] - (N - 1) * S2 / N) == 0
    assert d.fisher_expected == sp.Matrix([[N / S2, 0], [0, N / (2 * S2**2)]])


def test_gamma_has_no_closed_form_but_a_profile_and_newton() -> None:
    a, b = sp.Symbol("alpha", positive=True), sp.Symbol("beta", positive=True)
    x = _x(positive=True)
    f = b**a / sp.gamma(a) * x**(a - 1) * sp.exp(-b * x)
    d = _run(MleProblem("gamma", f, x, (a, b), Support("x", "interval", lower=sp.Integer(0)),
                        (VarDomain("alpha", 0.0), VarDomain("beta", 0.0))))
    assert not d.closed_form and d.method == "numeric" and d.estimator == (None, None)
    solves = [s for s in d.steps if s.kind == "solve"]
    assert solves and solves[0].param == b  # beta = alpha / xbar, the profile
    assert d.newton and d.scoring
    assert any("no closed form" in n for n in d.notes)


def test_uniform_boundary_gives_sample_max() -> None:
    th = sp.Symbol("theta", positive=True)
    x = _x(positive=True)
    d = _run(MleProblem("uniform", 1 / th, x, (th,), Support("x", "interval", lower=sp.Integer(0), upper=th),
                        (VarDomain("theta", 0.0),)))
    assert d.method == "boundary" and d.estimator[0] == sample_max(sample_base(x))
    assert str(d.estimator[0]) == "sample_max(x)"


def test_pareto_scale_on_the_lower_boundary_then_shape_by_calculus() -> None:
    xm, al = sp.Symbol("xm", positive=True), sp.Symbol("alpha", positive=True)
    x = _x(positive=True)
    d = _run(MleProblem("pareto", al * xm**al / x**(al + 1), x, (xm, al), Support("x", "interval", lower=xm),
                        (VarDomain("xm", 0.0), VarDomain("alpha", 0.0))))
    base = sample_base(x)
    assert d.estimator[0] == sample_min(base)
    assert _same(d.estimator[1], N / (_sum(sp.log(base[I])) - N * sp.log(sample_min(base))))


def test_laplace_location_by_subgradient_is_the_median() -> None:
    b = sp.Symbol("b", positive=True)
    x = _x(real=True)
    d = _run(MleProblem("laplace", sp.exp(-sp.Abs(x - MU) / b) / (2 * b), x, (MU, b), Support("x", "interval"),
                        (VarDomain("mu"), VarDomain("b", 0.0))))
    base = sample_base(x)
    assert d.method == "subgradient"
    assert d.estimator[0] == sample_median(base)
    assert _same(d.estimator[1], _sum(sp.Abs(sample_median(base) - base[I])) / N)


def test_cauchy_location_is_honest() -> None:
    t = sp.Symbol("t", real=True)
    x = _x(real=True)
    d = _run(MleProblem("cauchy", 1 / (sp.pi * (1 + (x - t)**2)), x, (t,), Support("x", "interval"),
                        (VarDomain("t"),)))
    assert not d.closed_form and d.estimator == (None,)
    assert d.fisher_expected is not None and sp.simplify(d.fisher_expected[0, 0] - N / 2) == 0
    assert not any(s.relation == "at_estimate" for s in d.steps)  # nothing claimed at a root it cannot find


@pytest.mark.parametrize("name", ["bernoulli", "poisson", "normal"])
def test_every_step_has_a_reason(name: str) -> None:
    d = _run({"bernoulli": bernoulli, "poisson": poisson, "normal": normal}[name]())
    assert all(s.reason for s in d.steps)
    assert d.steps[0].kind == "likelihood"
    assert isinstance(d.steps[0].rhs, sp.Product)


def test_total_is_split() -> None:
    x = sample_base(_x(real=True))
    assert total(2 * x[I]) == 2 * _sum(x[I])
