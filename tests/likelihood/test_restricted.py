"""A restricted parameter space where the closed-form root depends on the data and can fall outside it.

The root is never presented as the estimate for data where it lies outside the space: with the
log-likelihood proved concave the estimate is the root projected onto the space (the nearest closed
end; no maximum beyond an open end), otherwise the root is stated as the estimate only when it lies
in the space, and on data the estimate is the constrained numeric maximum.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from derive.certify.numeval import numeric_value
from derive.core.contract import NotComputed, Proved
from derive.likelihood.api import mle
from derive.likelihood.model import MleDerivation
from derive.likelihood.sample import N, sample_base

NORMAL = "exp(-(x - theta)^2/2)/sqrt(2 pi)"
BERNOULLI = "p^x (1 - p)^(1 - x)"


def _csv(tmp_path: Path, x: np.ndarray, name: str = "x.csv") -> Path:
    path = tmp_path / name
    path.write_text("x\n" + "".join(f"{v!r}\n" for v in x.tolist()))
    return path


def _on(e: sp.Basic, d: MleDerivation, x: np.ndarray) -> float:
    return float(numeric_value(e, {N: float(x.size)}, data={sample_base(d.problem.var): x}))


def _normal(where: str, **kw: object) -> MleDerivation:
    return mle(NORMAL, params="theta", support="x in R", where=where, **kw).derivation  # type: ignore[arg-type]


def test_a_closed_lower_end_projects_the_root_and_states_both_cases() -> None:
    d = _normal("theta >= 0")
    assert d.certified
    (est,) = d.estimator
    assert est is not None and d.roots and d.roots[0] is not None
    for x in (np.array([-1.0, -0.5, 0.2]), np.array([1.0, 0.5, 0.2]), np.array([0.0, 0.0])):
        assert _on(est, d, x) == pytest.approx(max(float(x.mean()), 0.0), abs=1e-15)
    # the cases: the root when it lies in the space, the end 0 otherwise; exactly one holds on any data
    values = {str(v): c for _, v, c in d.cases}
    assert set(values) == {str(d.roots[0]), "0"}
    for x in (np.array([-1.0, 0.3]), np.array([2.0, 0.3])):
        assert sum(_on(c, d, x) == 1.0 for _, _, c in d.cases) == 1
    step = next(s for s in d.steps if s.relation == "projection")
    assert isinstance(step.certificate, Proved) and "concave" in step.reason
    # no claim about the mean of the projected estimator (E[max(xbar, 0)] is not theta)
    assert not any(s.kind == "bias" for s in d.steps)
    maximum = next(c for c in d.checks if c.name == "numeric maximization")
    assert "closed ends" in maximum.certificate.describe()


@pytest.mark.slow
def test_a_closed_upper_end_and_an_open_lower_end() -> None:
    d = mle(BERNOULLI, params="p", support="x in {0,1}", where="0 < p <= 1/2").derivation
    assert d.certified
    (est,) = d.estimator
    assert est is not None
    for x in (np.array([1.0, 1, 1, 0]), np.array([1.0, 0, 0, 0]), np.array([1.0, 0])):
        assert _on(est, d, x) == pytest.approx(min(float(x.mean()), 0.5), abs=1e-15)
    none = [c for _, v, c in d.cases if v is None]
    assert len(none) == 1 and _on(none[0], d, np.zeros(5)) == 1.0 and _on(none[0], d, np.ones(5)) == 0.0
    assert any("no maximum exists" in n for n in d.notes)


@pytest.mark.slow
def test_an_open_end_alone_is_a_case_without_an_estimate() -> None:
    d = _normal("theta > 0")
    (est,) = d.estimator
    assert est is not None and not d.roots  # nothing projected: the root is the estimate where one exists
    assert [v for _, v, _ in d.cases].count(None) == 1
    assert not d.condition_relations  # said by the cases instead


@pytest.mark.slow
def test_without_concavity_the_root_is_the_estimate_only_in_the_space() -> None:
    d = mle("exp(-(x-mu)^2/(2 s2))/sqrt(2 pi s2)", params=["mu", "s2"], support="x in R",
            where=["mu >= 0", "s2 > 0"]).derivation
    assert not d.cases and any(">= 0" in str(r) for r in d.condition_relations)
    assert any("estimate only when" in n for n in d.notes)
    assert not any(s.kind == "bias" and s.param is not None and s.param.name == "mu" for s in d.steps)


@pytest.mark.slow
def test_on_data_below_the_end_the_estimate_is_the_end(tmp_path: Path) -> None:
    x = np.random.default_rng(1).normal(-0.3, 1.0, size=50)
    assert x.mean() < 0
    d = _normal("theta >= 0", data=_csv(tmp_path, x))
    assert d.certified and d.data is not None and d.data.method == "closed form"
    (e,) = d.data.estimates
    assert e.value == 0.0 and e.se_observed is None and e.se_expected is None
    assert any("end of the parameter space" in n for n in d.notes)


@pytest.mark.slow
def test_on_data_inside_the_estimate_is_the_root_with_standard_errors(tmp_path: Path) -> None:
    x = np.random.default_rng(1).normal(0.7, 1.0, size=50)
    d = _normal("theta >= 0", data=_csv(tmp_path, x))
    assert d.certified and d.data is not None
    (e,) = d.data.estimates
    assert e.value == pytest.approx(x.mean(), rel=1e-12) and e.se_expected == pytest.approx(1 / np.sqrt(50))


@pytest.mark.slow
def test_on_data_beyond_an_open_end_no_estimate_is_given(tmp_path: Path) -> None:
    d = mle(BERNOULLI, params="p", support="x in {0,1}", where="0 < p <= 1/2",
            data=_csv(tmp_path, np.zeros(20))).derivation
    assert d.data is None and not d.certified and not d.refuted
    check = next(c for c in d.checks if c.name == "estimate on the data")
    assert isinstance(check.certificate, NotComputed)


@pytest.mark.slow
def test_without_concavity_data_outside_fall_back_to_the_constrained_maximum(tmp_path: Path) -> None:
    x = np.random.default_rng(1).normal(-0.3, 1.0, size=50)
    d = mle("exp(-(x-mu)^2/(2 s2))/sqrt(2 pi s2)", params=["mu", "s2"], support="x in R",
            where=["mu >= 0", "s2 > 0"], data=_csv(tmp_path, x)).derivation
    assert d.certified and d.data is not None and d.data.method == "numeric maximization"
    mu, s2 = d.data.estimates
    # the constrained maximum: mu = 0, s2 = mean(x^2)
    assert mu.value == pytest.approx(0.0, abs=1e-6) and s2.value == pytest.approx(float((x**2).mean()), rel=1e-6)
    assert mu.se_observed is None


# -- an unknown base measure h(x) ---------------------------------------------------------------------

NATURAL = "h(x) exp(theta x - exp(theta))"


def test_a_base_measure_drops_out_of_the_score_and_is_said_so() -> None:
    d = mle(NATURAL, params="theta", support="x in {0,1,2,...}").derivation
    assert d.certified and d.problem.base is not None
    theta = d.problem.params[0]
    (score,) = d.score
    assert not score.has(d.problem.base.func)  # log h(x_i) drops out
    x = np.array([3.0, 1.0, 0.0, 4.0])
    (est,) = d.estimator
    assert est is not None and _on(est, d, x) == pytest.approx(np.log(x.mean()), rel=1e-12)
    assert any("h(x) > 0 is a base measure that does not depend on theta" in n for n in d.notes)
    info = d.fisher_expected
    assert info is not None and sp.simplify(info[0, 0] - N * sp.exp(theta)) == 0
    fisher = next(c for c in d.checks if c.name == "Fisher information")
    assert isinstance(fisher.certificate, Proved)
    assert not any(s.kind == "bias" for s in d.steps)  # expectations under the model need h


def test_with_a_base_measure_expectations_that_need_h_are_not_derived() -> None:
    d = mle("h(x) exp(-x/theta)/theta", params="theta", support="x > 0", where="theta > 0").derivation
    assert d.certified and d.fisher_expected is None
    assert any("not derived (h unknown)" in n for n in d.notes)


def test_the_stand_in_replaces_every_value_of_h() -> None:
    d = mle(NATURAL, params="theta", support="x in {0,1,2,...}").derivation
    x = d.problem.var
    assert d.problem.numeric_density == sp.exp(-x**2) * sp.exp(d.problem.params[0] * x - sp.exp(d.problem.params[0]))
    assert not d.problem.stand_in(d.loglik, one=True).has(d.problem.base.func)  # type: ignore[union-attr]


def test_a_base_measure_on_data_gives_the_estimate_and_standard_errors(tmp_path: Path) -> None:
    x = np.random.default_rng(3).poisson(2.5, size=60).astype(float)
    d = mle(NATURAL, params="theta", support="x in {0,1,2,...}", data=_csv(tmp_path, x)).derivation
    assert d.certified and d.data is not None
    (e,) = d.data.estimates
    assert e.value == pytest.approx(np.log(x.mean()), rel=1e-9)
    assert e.se_expected == pytest.approx(1 / np.sqrt(60 * x.mean()), rel=1e-6)
    assert e.se_observed == pytest.approx(1 / np.sqrt(60 * x.mean()), rel=1e-6)


@pytest.mark.parametrize("density", ["h(theta) exp(theta x - exp(theta))", "h(x) + exp(theta x - exp(theta))",
                                     "h(x, theta) exp(theta x)", "h(x) g(x) exp(theta x - exp(theta))"])
def test_other_unknown_functions_are_still_refused(density: str) -> None:
    from derive.core.errors import ParseError

    with pytest.raises(ParseError, match="unknown function"):
        mle(density, params="theta", support="x in {0,1,2,...}")
