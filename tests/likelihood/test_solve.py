"""Solving score equations on the parameter space: roots kept, roots dropped, honest refusals, profiles."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.core.budget import Budget, Clock
from derive.core.errors import BudgetExceeded
from derive.likelihood.loglik import loglik_steps
from derive.likelihood.model import MleProblem
from derive.likelihood.solve import Dropped, Roots, Solved, back_substitute, solve_for, solve_scores
from derive.likelihood.sums import I, N, sample_base, split_sums
from derive.parse.domain import VarDomain
from tests.likelihood.conftest import ALPHA, BETA, LAM, MU, P, S2, gamma, normal, over_sample, value

x = sample_base(sp.Symbol("x", real=True))
xi = x[I]
T1 = over_sample(xi)
UNIT = {"p": VarDomain("p", 0.0, 1.0)}
S = sp.Symbol("s", real=True)


def scores(problem: MleProblem) -> list[sp.Expr]:
    loglik, _ = loglik_steps(problem)
    return [split_sums(sp.diff(loglik, p)) for p in problem.params]


def domains(problem: MleProblem) -> dict[str, VarDomain]:
    return {d.name: d for d in problem.space}


def test_the_bernoulli_score_gives_the_sample_mean() -> None:
    assert solve_for(T1 / P - (N - T1) / (1 - P), P, [P], UNIT) == Roots((T1 / N,), ())


def test_roots_provably_outside_the_space_are_dropped() -> None:
    assert solve_for((P - 2) * (P - T1 / N), P, [P], UNIT) == Roots((T1 / N,), (Dropped(sp.Integer(2), 0, "upper"),))
    got = solve_for(S**2 - over_sample(xi**2) / N, S, [S], {"s": VarDomain("s", 0.0)})
    root = sp.sqrt(over_sample(xi**2)) / sp.sqrt(N)
    assert got == Roots((root,), (Dropped(-root, 0, "lower"),))


def test_the_quadratic_formula_root_of_the_wrong_sign_is_proved_outside() -> None:
    """Mean theta, variance theta^2: n theta^2 + theta Sum x - Sum x^2 = 0 has one root of each sign."""
    theta = sp.Symbol("theta", positive=True)
    t2 = over_sample(xi**2)
    got = solve_for(N * theta**2 + theta * T1 - t2, theta, [theta], {"theta": VarDomain("theta", 0.0)})
    assert got is not None and len(got.kept) == 1 and len(got.dropped) == 1
    (kept,), (dropped,) = got.kept, got.dropped
    assert dropped.proved and dropped.side == "lower"
    sample = np.asarray([-1.5, 0.3, 2.2, 0.7])
    assert value(kept, sample) > 0 > value(dropped.root, sample)


def test_the_only_root_outside_the_space_is_reported_not_kept() -> None:
    q = sp.Symbol("q", real=True)  # a positive symbol would make SymPy's solve drop the root itself
    assert solve_for(q + 1, q, [q], {"q": VarDomain("q", 0.0, 1.0)}) == Roots((), (Dropped(sp.Integer(-1), 0, "lower"),))


@pytest.mark.parametrize(("eq", "param"), [
    (over_sample(2 * (xi - MU) / (1 + (xi - MU)**2)), MU),  # Cauchy: mu trapped inside the sum
    (sp.Abs(MU) - T1, MU),  # not differentiable in mu: a root from one branch would be wrong on the other
    (sp.exp(P) + 1, P),  # no real root
], ids=["trapped", "kink", "no real root"])
def test_no_solvable_equation_is_none(eq: sp.Expr, param: sp.Symbol) -> None:
    assert solve_for(eq, param, [param], {**UNIT, "mu": VarDomain("mu")}) is None


def test_normal_solves_mu_first_then_sigma2(clock: Clock) -> None:
    solution = solve_scores(scores(normal()), [MU, S2], domains(normal()), clock)
    order, unsolved = solution.order, solution.unsolved
    assert unsolved == [] and [s.param for s in order] == [MU, S2]
    assert all(not s.uses for s in order) and [s.equation for s in order] == [0, 1]
    closed = back_substitute(order)
    assert closed[MU] == T1 / N
    assert closed[S2] == over_sample((xi - T1 / N)**2) / N


@pytest.mark.slow
def test_gamma_gives_the_profile_of_beta_and_leaves_alpha(clock: Clock) -> None:
    g = gamma()
    solution = solve_scores(scores(g), list(g.params), domains(g), clock)
    order, unsolved = solution.order, solution.unsolved
    assert unsolved == [ALPHA]
    (beta,) = order
    assert beta.param == BETA and beta.uses == (ALPHA,)
    assert sp.simplify(beta.value - ALPHA * N / over_sample(sample_base(g.var)[I])) == 0


def test_back_substitute_puts_later_solutions_into_earlier_ones() -> None:
    a, b = sp.symbols("a b")
    order = [Solved(a, 2 * b, 0, (b,)), Solved(b, T1 / N, 1, ())]
    assert back_substitute(order) == {a: 2 * T1 / N, b: T1 / N}


def test_solving_runs_under_the_budget() -> None:
    with pytest.raises(BudgetExceeded):
        solve_scores(scores(normal()), [MU, S2], domains(normal()), Budget(seconds=0).start())


# -- the claim with numbers: every kept root zeroes its equation ----------------------------------
@st.composite
def equations(draw: st.DrawFn) -> sp.Expr:
    """Scores of the form sum_k c_k Sum(g_k(x_i)) - n h(lam), solvable or not."""
    stats = [T1, over_sample(xi**2), over_sample(sp.exp(xi)), sp.Integer(1)]
    data = sp.Add(*(draw(st.sampled_from([1, 2, -1, sp.Rational(1, 2)])) * s
                    for s in draw(st.lists(st.sampled_from(stats), min_size=1, max_size=3, unique=True))))
    h = draw(st.sampled_from([LAM, LAM**2, 1 / LAM, sp.log(LAM), LAM + 1 / LAM, sp.exp(-LAM), LAM**2 - LAM]))
    return data - N * h


@settings(max_examples=60, deadline=None)
@given(eq=equations(), seed=st.integers(0, 2**32 - 1))
@pytest.mark.slow
def test_every_kept_root_zeroes_the_equation_and_lies_in_the_space(eq: sp.Expr, seed: int) -> None:
    got = solve_for(eq, LAM, [LAM], {"lam": VarDomain("lam", 0.0)})
    if got is None:
        return
    kept, dropped = got.kept, [d.root for d in got.dropped]
    sample = np.random.default_rng(seed).uniform(0.2, 2.0, 6)
    for root in kept:
        r = value(root, sample)
        if not np.isfinite(r):
            continue  # this sample is outside where the root is real (said in the conditions, not here)
        assert value(eq.xreplace({LAM: root}), sample) == pytest.approx(0, abs=1e-8 * max(1.0, abs(r)))
    for root in dropped:
        assert not value(root, sample) > 0  # provably outside lam > 0


def test_a_pair_that_cannot_beat_the_choice_is_never_solved(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mean's equation gives a root free of the variance: no other pair can win the first round,
    so neither parameter is solved from the variance's equation before mu is substituted into it."""
    import derive.likelihood.solve as solve

    asked: list[sp.Symbol] = []
    real = solve.roots_of

    def counting(eq: sp.Expr, p: sp.Symbol, params: list[sp.Symbol]) -> tuple[sp.Expr, ...] | None:
        asked.append(p)
        return real(eq, p, params)

    monkeypatch.setattr(solve, "roots_of", counting)
    solution = solve_scores(scores(normal()), [MU, S2], domains(normal()), clock)
    assert [s.param for s in solution.order] == [MU, S2]
    assert asked == [MU, S2]  # mu from the first equation, then sigma2 from the second with mu substituted


def test_an_equation_with_the_parameter_inside_the_gamma_family_has_no_closed_form_root() -> None:
    """The gamma shape's score equation (digamma) and its kin: SymPy's solve cannot invert them, so none is
    asked (it would raise after trying); the same None as before, without the attempt."""
    from derive.likelihood.solve import roots_of

    a, c, n = sp.symbols("alpha c n", positive=True)
    for eq in (n * sp.log(c) - n * sp.polygamma(0, a) + c, sp.gamma(a + 1) / sp.gamma(a) - c,
               sp.loggamma(a) - c, sp.beta(a, c) - 1):
        assert roots_of(eq, a, [a]) is None
    assert roots_of(a * n / c - 3, a, [a]) == (3 * c / n,)  # free of them: solved as ever
