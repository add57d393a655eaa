"""Wrong estimators from classes of common mistakes: each gives what the mistake gives on the
textbook estimators, and the chooser keeps them only when certified different at written-out samples."""
from __future__ import annotations

import random

import sympy as sp

from derive.certify.wrong import choose
from derive.core.budget import Clock
from derive.core.functions import SampleMax
from derive.likelihood import mistakes as M

n = sp.Symbol("n", integer=True, positive=True)
i = sp.Symbol("i", integer=True, positive=True)
x = sp.IndexedBase(sp.Symbol("x", real=True))
MEAN = sp.Sum(x[i], (i, 1, n)) / n
VARIANCE = sp.Sum((x[i] - MEAN) ** 2, (i, 1, n)) / n


def _by_mistake(est: sp.Expr) -> dict[str, list[sp.Expr]]:
    out: dict[str, list[sp.Expr]] = {}
    for pool in M.estimator_candidates(est, random.Random(0)):
        for c in pool:
            out.setdefault(c.mistake.name, []).append(c.expr)
    return out


def test_each_mistake_on_the_sample_mean() -> None:
    got = _by_mistake(MEAN)
    assert got["n_minus_one"] == [sp.Sum(x[i], (i, 1, n)) / (n - 1)]
    assert got["no_size"] == [sp.Sum(x[i], (i, 1, n))]
    assert got["reciprocal"] == [n / sp.Sum(x[i], (i, 1, n))]
    assert "dropped_term" not in got  # nothing to leave out of x_i


def test_the_variance_divides_by_n_minus_one_outside_its_sums_only() -> None:
    got = _by_mistake(VARIANCE)
    assert got["n_minus_one"] == [sp.Sum((x[i] - MEAN) ** 2, (i, 1, n)) / (n - 1)]  # the mean inside keeps its n
    assert sp.Sum(x[i] ** 2, (i, 1, n)) / n in got["dropped_term"]  # the mean forgotten in (x_i - x̄)^2


def test_instances_write_the_sums_out() -> None:
    x1, x2, x3 = (sp.Symbol(f"x_{k}", positive=True) for k in (1, 2, 3))
    assert M.instances(MEAN)[0] == (x1 + x2 + x3) / 3
    assert M.instances(SampleMax(x))[0] == sp.Max(x1, x2, x3)


def test_chosen_estimators_are_certified_wrong_and_distinct(clock: Clock) -> None:
    kept = choose(MEAN, M.estimator_candidates(MEAN, random.Random(4)), clock, seed=4, instances=M.instances)
    assert sorted(d.mistake.name for d in kept) == ["n_minus_one", "no_size", "reciprocal"]
    again = choose(MEAN, M.estimator_candidates(MEAN, random.Random(4)), clock, seed=4, instances=M.instances)
    assert [d.expr for d in kept] == [d.expr for d in again]
    assert all(len(d.refuted.point) == 3 for d in kept)  # refuted on a written-out sample of 3


def test_an_estimator_with_one_possible_mistake_gets_one(clock: Clock) -> None:
    kept = choose(SampleMax(x), M.estimator_candidates(SampleMax(x), random.Random(0)), clock, seed=0,
                  instances=M.instances)
    assert [d.mistake.name for d in kept] == ["reciprocal"]


def test_a_candidate_equal_to_the_estimator_is_not_kept(clock: Clock) -> None:
    from derive.certify.wrong import Candidate

    same = sp.Sum(x[i] / n, (i, 1, n))  # the mean written otherwise: equal, so not a distractor
    assert choose(MEAN, [[Candidate(M.RECIPROCAL, 0, same)]], clock, seed=0, instances=M.instances) == ()


def test_choose_writes_each_answer_out_once_and_keeps_the_same_choices(clock: Clock) -> None:
    """The right answer and each kept one are compared with every later candidate: written out once each."""
    calls: list[sp.Expr] = []

    def counted(e: sp.Expr) -> tuple[sp.Expr, ...]:
        calls.append(e)
        return M.instances(e)

    kept = choose(VARIANCE, M.estimator_candidates(VARIANCE, random.Random(2)), clock, seed=2, instances=counted)
    assert len(kept) >= 2 and len(calls) == len(set(calls))
    plain = choose(VARIANCE, M.estimator_candidates(VARIANCE, random.Random(2)), clock, seed=2, instances=M.instances)
    assert [(d.expr, d.refuted) for d in kept] == [(d.expr, d.refuted) for d in plain]
