"""Second order and Fisher information: Hessians in statistics, the Hessian at the estimate, definiteness,
expectations under the model, the expected information and the bias, checked against sums and integrals
done numerically here (and, for the bias, against exact enumeration of every sample)."""
from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate
from scipy import stats as sst

from derive.core.budget import Budget
from derive.likelihood.fisher import Expectations, at_stationary, bias, definiteness, expected_information, hessian
from derive.likelihood.loglik import loglik_steps
from derive.likelihood.model import MleProblem
from derive.likelihood.sums import I, N, sample_base, split_sums
from tests.likelihood.conftest import (
    LAM, P, S2, base, bernoulli, exponential, normal, over_sample, poisson, value,
)

# Each expectation runs under the work allowance (a count of calls, the same on any machine); the
# examples here are the cheap sums and integrals; the normal family is covered in test_derivation.


def means(problem: MleProblem) -> Expectations:
    """A fresh run's expectations under ``problem``, with the default work allowance."""
    return Expectations(problem, Budget().max_work)


def domains(problem: MleProblem) -> dict[str, object]:
    return {d.name: d for d in problem.space}


def pieces(problem: MleProblem) -> tuple[sp.Expr, list[sp.Expr], sp.Matrix]:
    loglik, _ = loglik_steps(problem)
    scores = [split_sums(sp.diff(loglik, p)) for p in problem.params]
    return loglik, scores, hessian(loglik, problem.params)


def test_hessian_is_in_statistics() -> None:
    _, _, h = pieces(poisson())
    assert h == sp.Matrix([[-over_sample(base(poisson())[I]) / LAM**2]])
    _, _, h = pieces(exponential())
    assert h == sp.Matrix([[-N / LAM**2]])


@pytest.mark.parametrize(("problem", "expected"), [
    (bernoulli, sp.Matrix([[-N / (P * (1 - P))]])),
    (poisson, sp.Matrix([[-N / LAM]])),
    (exponential, sp.Matrix([[-N / LAM**2]])),
    (normal, sp.Matrix([[-N / S2, 0], [0, -N / (2 * S2**2)]])),
], ids=["bernoulli", "poisson", "exponential", "normal"])
def test_at_stationary_eliminates_the_statistics_with_the_score(problem: Callable[[], MleProblem],
                                                                expected: sp.Matrix) -> None:
    prob = problem()
    _, scores, h = pieces(prob)
    got = at_stationary(h, scores, prob.params)
    assert got is not None and (got - expected).applyfunc(sp.simplify) == sp.zeros(*expected.shape)
    assert definiteness(got, domains(prob)) == "negative definite"


def test_at_stationary_gives_up_when_a_parameter_is_trapped_in_a_sum() -> None:
    t = sp.Symbol("t", real=True)
    xi = base(normal())[I]
    score = over_sample(2 * (xi - t) / (1 + (xi - t)**2))
    h = sp.Matrix([[split_sums(sp.diff(score, t))]])
    assert at_stationary(h, [score], [t]) is None


@pytest.mark.parametrize(("m", "verdict"), [
    (sp.Matrix([[-1, 0], [0, -2]]), "negative definite"),
    (sp.Matrix([[2, 1], [1, 2]]), "positive definite"),
    (sp.Matrix([[-1, 0], [0, 2]]), None),
    (sp.Matrix([[-P, 0], [0, P - 1]]), "negative definite"),  # on 0 < p < 1
    (sp.Matrix([[P - sp.Rational(1, 2)]]), None),  # changes sign on the space
], ids=["neg", "pos", "indefinite", "on the space", "undecided"])
def test_definiteness_by_leading_minors(m: sp.Matrix, verdict: str | None) -> None:
    assert definiteness(m, domains(bernoulli())) == verdict


@pytest.mark.parametrize(("g", "problem", "expected"), [
    (lambda x: x, poisson, LAM),
    (lambda x: x**2, bernoulli, P),
    (lambda x: x, exponential, 1 / LAM),
    (lambda x: x**2, exponential, 2 / LAM**2),
], ids=["poisson E[x]", "bernoulli E[x^2]", "exponential E[x]", "exponential E[x^2]"])
def test_expectation_under_the_model(g: Callable[[sp.Symbol], sp.Expr], problem: Callable[[], MleProblem],
                                     expected: sp.Expr) -> None:
    prob = problem()
    got = means(prob).of(g(prob.var))
    assert got is not None and sp.simplify(got - expected) == 0


@pytest.mark.parametrize(("problem", "expected"), [
    (bernoulli, N / (P * (1 - P))), (poisson, N / LAM), (exponential, N / LAM**2),
], ids=["bernoulli", "poisson", "exponential"])
def test_expected_information_textbook(problem: Callable[[], MleProblem], expected: sp.Expr) -> None:
    prob = problem()
    _, _, h = pieces(prob)
    info = expected_information(h, prob, means(prob))
    assert info is not None and sp.simplify(info[0, 0] - expected) == 0


def test_bias_of_textbook_estimators() -> None:
    xb = base(bernoulli())[I]
    assert bias(over_sample(xb) / N, P, bernoulli(), means(bernoulli())) == (P, 0)  # unbiased
    xe = base(exponential())[I]
    assert bias(N / over_sample(xe), LAM, exponential(), means(exponential())) is None  # not polynomial in statistics


# -- the claims with numbers ----------------------------------------------------------------------
NUMERIC_INFO: dict[str, tuple[Callable[[], MleProblem], str, Callable[[float], float]]] = {
    # -E[d^2/dtheta^2 log f(X)] per observation, by summing or integrating scipy's density here
    "bernoulli": (bernoulli, "p", lambda p: sum(sst.bernoulli.pmf(k, p) * (k / p**2 + (1 - k) / (1 - p)**2)
                                                for k in (0, 1))),
    "poisson": (poisson, "lam", lambda lam: float(sum(sst.poisson.pmf(k, lam) * k / lam**2 for k in range(200)))),
    "exponential": (exponential, "lam",
                    lambda lam: integrate.quad(lambda x: sst.expon.pdf(x, scale=1 / lam) / lam**2, 0, np.inf)[0]),
}
INFOS = {name: expected_information(pieces(make())[2], make(), means(make())) for name, (make, _, _) in NUMERIC_INFO.items()}


@settings(max_examples=30, deadline=None)
@given(name=st.sampled_from(sorted(NUMERIC_INFO)), theta=st.floats(0.05, 0.95), n=st.integers(1, 50))
def test_expected_information_matches_numeric_expectation(name: str, theta: float, n: int) -> None:
    _, param, numeric = NUMERIC_INFO[name]
    info = INFOS[name]
    assert info is not None
    scale = 1.0 if name == "bernoulli" else 8.0  # lam over (0.4, 7.6)
    at = theta * scale
    got = float(info[0, 0].xreplace({sp.Symbol(param, positive=True): at, N: n}))
    assert got == pytest.approx(n * numeric(at), rel=1e-8)


def enumerate_mean(estimate: sp.Expr, n: int, p: float) -> float:
    """E[estimate] for a Bernoulli(p) sample of size n, by summing over all 2^n samples."""
    total = 0.0
    for xs in itertools.product((0.0, 1.0), repeat=n):
        k = sum(xs)
        total += p**k * (1 - p)**(n - k) * value(estimate, xs)
    return total


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 6), p=st.floats(0.05, 0.95), which=st.integers(0, 2))
def test_bias_matches_exact_enumeration_of_every_sample(n: int, p: float, which: int) -> None:
    xb = base(bernoulli())[I]
    t = over_sample(xb)
    estimate = [t / N, t**2 / N**2, t / N - t**2 / N**2][which]  # p-hat, p-hat^2, p-hat (1 - p-hat)
    got = bias(estimate, P, bernoulli(), means(bernoulli()))
    assert got is not None
    mean, b = got
    at = {P: p, N: n}
    assert float(mean.xreplace(at)) == pytest.approx(enumerate_mean(estimate, n, p), rel=1e-9, abs=1e-12)
    assert float(b.xreplace(at)) == pytest.approx(float(mean.xreplace(at)) - p, rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-5, 5), min_size=3, max_size=6))
def test_definiteness_of_numeric_matrices_agrees_with_the_eigenvalues(entries: list[int]) -> None:
    k = 2 if len(entries) < 6 else 3
    a = np.zeros((k, k))
    idx = list(zip(*np.triu_indices(k)))
    for (i, j), v in zip(idx, entries):
        a[i, j] = a[j, i] = v
    eig = np.linalg.eigvalsh(a)
    verdict = definiteness(sp.Matrix(a.astype(int).tolist()), {})
    expected = "positive definite" if np.all(eig > 1e-9) else "negative definite" if np.all(eig < -1e-9) else None
    assert verdict == expected, (a, eig)



Y = sp.Symbol("y", real=True)
A_POS = sp.Symbol("a", positive=True)
M_REAL = sp.Symbol("m", real=True)


@pytest.mark.parametrize("body", [
    sp.exp(-(Y - M_REAL) ** 2 / (2 * A_POS)),
    Y * sp.exp(-(Y - M_REAL) ** 2 / (2 * A_POS)),
    Y ** 3 * sp.exp(-A_POS * Y ** 2 + M_REAL * Y + 1) / 7,
    (Y ** 2 - 2 * Y + 5) * sp.exp(-(Y + 3) ** 2 / A_POS),
])
def test_gaussian_moment_by_completing_the_square_matches_integrate(body: sp.Expr) -> None:
    from derive.likelihood.fisher import _gaussian_moment

    got = _gaussian_moment(body, Y)
    assert got is not None
    assert sp.simplify(got - sp.integrate(body, (Y, -sp.oo, sp.oo), conds="none")) == 0


@pytest.mark.parametrize("body", [
    sp.exp(-M_REAL * Y ** 2),  # the sign of the leading coefficient is unknown: not for every m
    sp.exp(A_POS * Y ** 2),  # diverges
    sp.exp(-Y ** 4),  # not a quadratic
    sp.sin(Y) * sp.exp(-Y ** 2),  # not a polynomial factor
    sp.exp(-Y ** 2) + sp.exp(-2 * Y ** 2),  # not one exponential
])
def test_gaussian_moment_refuses_what_it_cannot_prove(body: sp.Expr) -> None:
    from derive.likelihood.fisher import _gaussian_moment

    assert _gaussian_moment(body, Y) is None


def test_normal_and_lognormal_moments_by_the_gaussian_route() -> None:
    from derive.likelihood.read import read_problem

    for family, g in (("normal", lambda v: v ** 2), ("lognormal", lambda v: sp.log(v) ** 2)):
        problem = read_problem(family, (), None, None, [], None)
        mu, s2 = problem.params
        assert sp.simplify(means(problem).of(g(problem.var)) - (mu ** 2 + s2)) == 0


def test_no_expectation_of_a_summand_holding_the_sample_median() -> None:
    from derive.core.functions import sample_median
    from derive.likelihood.read import read_problem

    problem = read_problem("laplace", (), None, None, [], None)
    x = sample_base(problem.var)
    b_ = problem.params[1]
    estimate = over_sample(sp.Abs(sample_median(x) - x[I])) / N
    m = means(problem)
    assert bias(estimate, b_, problem, m) is None and m.memo == {}
