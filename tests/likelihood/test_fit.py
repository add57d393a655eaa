"""The estimates on the user's data: numbers with standard errors, the numeric maximum where nothing else is."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from derive.core.budget import Budget
from derive.likelihood.derivation import derive_mle
from derive.likelihood.fit import _standard_errors, use_data
from tests.likelihood.conftest import exponential, normal


def _csv(tmp_path: Path, x: np.ndarray) -> Path:
    path = tmp_path / "x.csv"
    path.write_text("x\n" + "".join(f"{v!r}\n" for v in x.tolist()))
    return path


def test_a_closed_form_gives_the_estimate_and_both_standard_errors(tmp_path: Path) -> None:
    x = np.random.default_rng(2).exponential(0.5, size=80)
    d = use_data(derive_mle(exponential(), Budget(60).start()), _csv(tmp_path, x), None, {}, 0)
    assert d.data is not None and d.data.method == "closed form" and d.data.n == 80
    (est,) = d.data.estimates
    lam = 1 / x.mean()
    assert est.value == pytest.approx(lam, rel=1e-12)
    assert est.se_observed == pytest.approx(lam / np.sqrt(80), rel=1e-8)
    assert est.se_expected == pytest.approx(lam / np.sqrt(80), rel=1e-8)
    assert any(c.name == "observed information on the data" and c.certificate.word == "plausible" for c in d.checks)


@pytest.mark.slow
def test_two_parameters_give_the_inverse_information_diagonal(tmp_path: Path) -> None:
    x = np.random.default_rng(4).normal(1.0, 2.0, size=50)
    d = use_data(derive_mle(normal(), Budget(60).start()), _csv(tmp_path, x), None, {}, 0)
    assert d.data is not None
    mu, s2 = d.data.estimates
    v = x.var()
    assert mu.value == pytest.approx(x.mean(), rel=1e-12) and s2.value == pytest.approx(v, rel=1e-10)
    assert mu.se_observed == pytest.approx(np.sqrt(v / 50), rel=1e-7)
    assert s2.se_expected == pytest.approx(np.sqrt(2 * v**2 / 50), rel=1e-7)


@pytest.mark.slow
def test_a_small_variance_is_differenced_on_its_own_scale(tmp_path: Path) -> None:
    """Daily returns as fractions: a variance near 1e-4. A step of a tenth of it refuted the right information."""
    x = np.random.default_rng(7).normal(0.0005, 0.009, size=60)
    d = use_data(derive_mle(normal(), Budget(60).start()), _csv(tmp_path, x), None, {}, 0)
    check = next(c for c in d.checks if c.name == "observed information on the data")
    assert check.certificate.word == "plausible", check.certificate.describe()
    assert d.data is not None and d.data.estimates[1].value == pytest.approx(x.var(), rel=1e-10)


def test_without_a_closed_form_or_an_update_the_numeric_maximum_is_the_estimate(tmp_path: Path) -> None:
    x = np.random.default_rng(6).exponential(0.5, size=60)
    derived = derive_mle(exponential(), Budget(60).start())
    nothing = replace(derived, closed_form=False, estimator=(None,), newton=(), scoring=())
    d = use_data(nothing, _csv(tmp_path, x), None, {}, 0)
    assert d.data is not None and d.data.method == "numeric maximization"
    assert d.data.estimates[0].value == pytest.approx(1 / x.mean(), rel=1e-5)
    assert any(c.name == "numeric maximum on the data" and c.certificate.word == "plausible" for c in d.checks)
    assert any("numeric maximum" in n for n in d.notes)


def test_standard_errors_need_a_positive_definite_information() -> None:
    assert _standard_errors(np.array([[4.0, 0.0], [0.0, 25.0]])) == [0.5, 0.2]
    assert _standard_errors(np.array([[1.0, 2.0], [2.0, 1.0]])) == [None, None]
    assert _standard_errors(np.array([[np.nan]])) == [None]
