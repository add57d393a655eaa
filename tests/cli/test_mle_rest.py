"""derive mle end to end on a restricted parameter space (a root that can fall outside it), relations
between parameters in --where, and an unknown base measure h(x); exit codes per the table."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import run_derive

NORMAL = ("exp(-(x - theta)^2/2)/sqrt(2 pi)", "--param", "theta", "--support", "x in R", "--where", "theta >= 0")
BERNOULLI = ("p^x (1 - p)^(1 - x)", "--param", "p", "--support", "x in {0,1}", "--where", "0 < p <= 1/2")


@pytest.mark.slow
def test_the_restricted_normal_mean_gives_both_cases() -> None:
    out = run_derive("mle", *NORMAL, env={"COLUMNS": "100"})
    assert out.returncode == 0, out.stdout + out.stderr
    assert "θ̂ = Max(0, x̄)" in out.stdout
    assert "θ̂ = x̄ when x̄ >= 0" in out.stdout and "θ̂ = 0 when x̄ < 0" in out.stdout


@pytest.mark.slow
def test_the_restricted_bernoulli_in_json() -> None:
    out = run_derive("mle", *BERNOULLI, "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    cases = doc["cases"]
    assert {c["estimate"] for c in cases} == {"Sum(x[i], (i, 1, n))/n", "1/2", None}
    assert doc["estimator"]["p"] == "Min(1/2, Sum(x[i], (i, 1, n))/n)"


@pytest.mark.slow
def test_data_beyond_the_open_end_exit_3_without_an_estimate(tmp_path: Path) -> None:
    path = tmp_path / "zeros.csv"
    path.write_text("x\n" + "0\n" * 12)
    out = run_derive("mle", *BERNOULLI, "--data", str(path), "--format", "json")
    assert out.returncode == 3, out.stderr
    doc = json.loads(out.stdout)
    assert doc["data"] is None and not doc["certified"]


@pytest.mark.slow
def test_data_above_the_closed_end_give_the_end(tmp_path: Path) -> None:
    path = tmp_path / "ones.csv"
    x = (np.random.default_rng(5).random(40) < 0.8).astype(int)
    path.write_text("x\n" + "".join(f"{v}\n" for v in x))
    out = run_derive("mle", *BERNOULLI, "--data", str(path), "--format", "json")
    assert out.returncode == 0, out.stderr
    est = json.loads(out.stdout)["data"]["estimates"]["p"]
    assert est["estimate"] == 0.5 and est["se_observed"] is None


@pytest.mark.slow
def test_uniform_with_both_ends_unknown_and_a_relation_in_where(tmp_path: Path) -> None:
    args = ("1/(b - a)", "--param", "a", "--param", "b", "--support", "a < x < b", "--where", "a < b")
    out = run_derive("mle", *args, "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["estimator"] == {"a": "sample_min(x)", "b": "sample_max(x)"}
    assert any("a < b" in n for n in doc["notes"])
    path = tmp_path / "u.csv"
    x = np.random.default_rng(2).uniform(-1.5, 4.0, size=30)
    path.write_text("x\n" + "".join(f"{v!r}\n" for v in x.tolist()))
    out = run_derive("mle", *args, "--data", str(path), "--format", "json")
    assert out.returncode == 0, out.stderr
    est = json.loads(out.stdout)["data"]["estimates"]
    assert est["a"]["estimate"] == x.min() and est["b"]["estimate"] == x.max()


@pytest.mark.slow
def test_a_relation_naming_no_parameter_exits_2() -> None:
    out = run_derive("mle", "1/(b - a)", "--param", "a", "--param", "b", "--support", "a < x < b",
                     "--where", "a < c")
    assert out.returncode == 2 and "Traceback" not in out.stderr and "'c'" in out.stderr


@pytest.mark.slow
def test_the_natural_form_with_an_unknown_base_measure() -> None:
    out = run_derive("mle", "h(x) exp(theta x - exp(theta))", "--param", "theta", "--support", "x in {0,1,2,...}",
                     env={"COLUMNS": "100"})
    assert out.returncode == 0, out.stdout + out.stderr
    text = " ".join(out.stdout.split())
    assert "h(x) > 0 is a base measure that does not depend on theta" in text
    assert "∂ℓ/∂θ = Σ x_i - n·exp(θ)" in text and "I(θ) = n·exp(θ)" in text
