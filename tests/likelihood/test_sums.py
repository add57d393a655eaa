"""Sums over the sample: linearity, expansion into statistics, placeholders, each checked on real numbers."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.likelihood.sums import (
    I, N, Statistics, at_observation, depends_on_data, distribute, expand_sums, sample_base, simplify_hidden,
    split_sums, sums_in, total,
)
from tests.likelihood.conftest import MU, P, S2, over_sample, value

x = sample_base(sp.Symbol("x", real=True))
xi = x[I]


def test_sample_base_keeps_the_sign_assumptions() -> None:
    pos = sample_base(sp.Symbol("x", positive=True))
    assert pos[I].is_positive and pos.label.name == "x"
    assert sample_base(sp.Symbol("x", integer=True, nonnegative=True))[I].is_integer
    assert sample_base(sp.Symbol("x"))[I].is_positive is None


def test_at_observation_replaces_each_data_variable_by_its_ith_value() -> None:
    v, w = sp.Symbol("v", real=True), sp.Symbol("w", real=True)
    assert at_observation(v**2 + MU, v) == sample_base(v)[I]**2 + MU
    assert at_observation(v * w, [v, w]) == sample_base(v)[I] * sample_base(w)[I]


def test_split_sums_applies_linearity() -> None:
    assert split_sums(over_sample(3 * xi + MU + 2)) == 3 * over_sample(xi) + MU * N + 2 * N
    assert total(2 * xi * MU + 1) == 2 * MU * over_sample(xi) + N
    assert split_sums(over_sample(xi * (1 + MU))) == MU * over_sample(xi) + over_sample(xi)  # one level multiplied out


def test_distribute_multiplies_out_one_level() -> None:
    assert distribute((1 - xi) * sp.log(1 - P)) == sp.log(1 - P) - xi * sp.log(1 - P)


def test_expand_sums_separates_a_parameter_into_statistics_only_when_it_can() -> None:
    assert sp.expand(expand_sums(over_sample((xi - MU)**2), [MU])
                     - (over_sample(xi**2) - 2 * MU * over_sample(xi) + N * MU**2)) == 0
    trapped = over_sample(sp.log(1 + (xi - MU)**2))
    assert expand_sums(trapped, [MU]) == trapped


def test_sums_in_finds_the_outermost_sums_once_in_a_stable_order() -> None:
    e = sp.log(over_sample(xi)) + MU * over_sample(xi**2) + over_sample(xi) / N
    assert sums_in(e) == sorted([over_sample(xi), over_sample(xi**2)], key=sp.default_sort_key)
    assert sums_in(MU + N) == []


def test_depends_on_data() -> None:
    assert depends_on_data(over_sample(xi)) and depends_on_data(xi)
    assert not depends_on_data(MU * N + S2)


def test_statistics_hide_and_show_round_trip() -> None:
    e = MU * over_sample(xi) + over_sample(xi**2) - N * MU**2
    stats = Statistics.of([e, over_sample((xi - MU)**2)], [MU])
    assert [s for s, _ in stats.to_symbol] == [over_sample(xi), over_sample(xi**2)]  # a sum with mu is no statistic
    hidden = stats.hide(e)
    assert not sums_in(hidden) and set(stats.symbols) <= hidden.free_symbols
    assert stats.show(hidden) == e
    t2 = dict(stats.to_symbol)[over_sample(xi**2)]
    assert t2.is_nonnegative  # the sign of the summand carries over to the placeholder


def test_simplify_hidden_simplifies_around_the_sums() -> None:
    e = over_sample(xi) * N / N**2 + over_sample(xi) / N
    assert simplify_hidden(e) == 2 * over_sample(xi) / N


# -- the claims with numbers -----------------------------------------------------------------------
SUMMANDS = [xi, xi**2, sp.Integer(1), MU, MU * xi, (xi - MU)**2, sp.exp(xi) * MU**2, sp.sin(xi) + 2, (1 - xi) * MU]


@st.composite
def sample_sums(draw: st.DrawFn) -> sp.Expr:
    """A linear combination of sums over the sample, some nested in products."""
    terms = []
    for _ in range(draw(st.integers(1, 4))):
        c = draw(st.sampled_from([sp.Integer(2), sp.Rational(-1, 3), MU, sp.Integer(1)]))
        summand = sp.Add(*draw(st.lists(st.sampled_from(SUMMANDS), min_size=1, max_size=3)))
        terms.append(c * over_sample(summand * draw(st.sampled_from([sp.Integer(1), sp.Integer(3), 1 + MU]))))
    return sp.Add(*terms)


@settings(max_examples=80, deadline=None)
@given(e=sample_sums(), seed=st.integers(0, 2**32 - 1))
@pytest.mark.slow
def test_linearity_and_expansion_keep_the_value(e: sp.Expr, seed: int) -> None:
    rng = np.random.default_rng(seed)
    sample, mu = rng.normal(0, 1.5, rng.integers(1, 8)), float(rng.normal())
    want = value(e, sample, mu=mu)
    assert value(split_sums(e), sample, mu=mu) == pytest.approx(want, rel=1e-10, abs=1e-10)
    expanded = expand_sums(e, [MU])
    assert value(expanded, sample, mu=mu) == pytest.approx(want, rel=1e-10, abs=1e-10)
    stats = Statistics.of([expanded], [MU])
    assert stats.show(stats.hide(expanded)) == expanded
    assert all(not (s.free_symbols & {MU}) for s, _ in stats.to_symbol)


@pytest.mark.parametrize("sample", [[1.0], [0.5, -2.0, 3.25], list(np.linspace(-1, 2, 11))])
def test_a_sum_is_numpys_sum(sample: list[float]) -> None:
    a = np.asarray(sample)
    assert value(total(xi**2 - 3 * xi), a) == pytest.approx(float(np.sum(a**2 - 3 * a)), rel=1e-12)
    assert value(expand_sums(over_sample((xi - MU)**2), [MU]), a, mu=0.3) == pytest.approx(
        float(np.sum((a - 0.3)**2)), rel=1e-12)
