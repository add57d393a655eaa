"""derive mle end to end on what a statistician checks: a root outside the parameter space is never the
estimate, the estimates on data come as numbers with standard errors (text, JSON, LaTeX, Markdown), the
multinomial over its documented range, Beta(theta, 1) in closed form, (Sum x_i)^2 printed as such."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.special as ss

from tests.conftest import run_derive

THETA_NORMAL = ("1/sqrt(2 pi theta^2) exp(-(x-theta)^2/(2 theta^2))", "--param", "theta", "--support", "x in R")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_derive("mle", *args, timeout=300)


def run_json(*args: str) -> tuple[int, dict[str, Any]]:
    out = run(*args, "--format", "json")
    assert "Traceback" not in out.stderr, out.stderr
    doc: dict[str, Any] = json.loads(out.stdout)
    return out.returncode, doc


@pytest.fixture(scope="module")
def theta_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    x = np.random.default_rng(3).normal(1.46, 1.46, size=200).round(8)
    path = tmp_path_factory.mktemp("honest") / "tt.csv"
    path.write_text("x\n" + "".join(f"{v}\n" for v in x))
    return path, x


def positive_root(x: np.ndarray) -> float:
    n, s1, s2 = len(x), x.sum(), (x ** 2).sum()
    return float((np.sqrt(s1 ** 2 + 4 * n * s2) - s1) / (2 * n))


@pytest.mark.slow
def test_the_theta_theta2_normal_gives_the_positive_root_with_standard_errors(
        theta_sample: tuple[Path, np.ndarray]) -> None:
    path, x = theta_sample
    code, doc = run_json(*THETA_NORMAL, "--where", "theta > 0", "--data", str(path))
    assert code == 0 and doc["certified"]
    outside = [s for s in doc["steps"] if s["title"] == "A root outside the parameter space"]
    assert len(outside) == 1 and outside[0]["certificate"].startswith("proved")
    est = doc["data"]["estimates"]["theta"]
    assert doc["data"]["method"] == "closed form" and doc["data"]["n"] == 200
    assert isinstance(est["estimate"], float) and est["estimate"] == pytest.approx(positive_root(x), rel=1e-9)
    theta = est["estimate"]
    # the expected information of this model is 3 n / theta^2
    assert est["se_expected"] == pytest.approx(theta / np.sqrt(3 * len(x)), rel=1e-9)
    n, s1, s2 = len(x), x.sum(), (x ** 2).sum()
    # minus the second derivative of -n log theta - S2/(2 theta^2) + S1/theta - n/2
    observed = -(n / theta ** 2 - 3 * s2 / theta ** 4 + 2 * s1 / theta ** 3)
    assert est["se_observed"] == pytest.approx(1 / np.sqrt(observed), rel=1e-7)


@pytest.mark.slow
def test_the_theta_theta2_normal_on_the_negative_half_line_gives_the_negative_root(
        theta_sample: tuple[Path, np.ndarray]) -> None:
    path, x = theta_sample
    code, doc = run_json(*THETA_NORMAL, "--where", "theta < 0", "--data", str(path))
    assert code == 0 and doc["certified"]
    n, s1, s2 = len(x), x.sum(), (x ** 2).sum()
    negative = float((-np.sqrt(s1 ** 2 + 4 * n * s2) - s1) / (2 * n))
    assert doc["data"]["estimates"]["theta"]["estimate"] == pytest.approx(negative, rel=1e-9)


@pytest.mark.slow
def test_the_text_prints_the_square_of_a_sum_with_parentheses() -> None:
    out = run(*THETA_NORMAL, "--where", "theta > 0")
    assert out.returncode == 0, out.stderr
    estimator = next(line for line in out.stdout.splitlines() if line.startswith("Estimator:"))
    assert "(Σ x_i)²" in estimator and "Σ x_i²" in estimator


@pytest.mark.slow
def test_poisson_on_data_prints_the_estimate_and_both_standard_errors(tmp_path: Path) -> None:
    counts = np.random.default_rng(8).poisson(3.2, size=40)
    path = tmp_path / "counts.csv"
    path.write_text("count\n" + "".join(f"{v}\n" for v in counts))
    code, doc = run_json("poisson", "--data", str(path), "--column", "count")
    assert code == 0 and doc["certified"]
    est = doc["data"]["estimates"]["lam"]
    lam = counts.mean()
    assert est["estimate"] == pytest.approx(lam, rel=1e-12)
    assert est["se_observed"] == pytest.approx(np.sqrt(lam / len(counts)), rel=1e-9)
    assert est["se_expected"] == pytest.approx(np.sqrt(lam / len(counts)), rel=1e-9)
    assert any(c["check"] == "observed information on the data" and c["certificate"].startswith("plausible")
               for c in doc["checks"])
    text = run("poisson", "--data", str(path), "--column", "count")
    assert text.returncode == 0
    assert f"{lam:.10g}" in text.stdout and "s.e. (observed" in text.stdout
    for fmt, needle in (("markdown", "| parameter | estimate |"), ("latex", r"\begin{array}{lrrr}")):
        out = run("poisson", "--data", str(path), "--column", "count", "--format", fmt)
        assert out.returncode == 0 and needle in out.stdout and f"{lam:.10g}" in out.stdout


@pytest.mark.slow
def test_gamma_on_data_standard_errors_from_the_fisher_information(tmp_path: Path) -> None:
    x = np.random.default_rng(1).gamma(2.5, 1 / 1.7, size=150).round(8)
    path = tmp_path / "waits.csv"
    path.write_text("wait\n" + "".join(f"{v}\n" for v in x))
    code, doc = run_json("gamma", "--data", str(path), "--column", "wait")
    assert code == 0 and doc["certified"] and doc["data"]["method"] == "Newton-Raphson"
    est = doc["data"]["estimates"]
    a, b = est["alpha"]["estimate"], est["beta"]["estimate"]
    n = len(x)
    info = n * np.array([[ss.polygamma(1, a), -1 / b], [-1 / b, a / b ** 2]])
    se = np.sqrt(np.diag(np.linalg.inv(info)))
    assert [est["alpha"]["se_expected"], est["beta"]["se_expected"]] == pytest.approx(se, rel=1e-8)
    # the gamma's Hessian does not involve the data: observed = expected
    assert [est["alpha"]["se_observed"], est["beta"]["se_observed"]] == pytest.approx(se, rel=1e-6)


@pytest.mark.slow
def test_a_boundary_estimate_has_no_standard_errors_and_says_why(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("x\n0.5\n2.5\n1.25\n3.75\n")
    code, doc = run_json("uniform", "--data", str(path))
    assert code == 0
    est = doc["data"]["estimates"]["theta"]
    assert est["estimate"] == 3.75 and est["se_observed"] is None and est["se_expected"] is None
    assert any("standard errors not given" in n for n in doc["notes"])


@pytest.mark.slow
@pytest.mark.parametrize("k", [5, 20])
def test_multinomial_over_the_documented_range(k: int) -> None:
    code, doc = run_json(f"multinomial({k})")
    assert code == 0 and doc["certified"]
    assert doc["estimator"] == {f"p{j}": f"Sum(x{j}[i], (i, 1, n))/n" for j in range(1, k + 1)}


@pytest.mark.slow
@pytest.mark.parametrize("density", ["x^(theta-1)/beta(theta, 1)",
                                     "gamma(theta+1)/(gamma(theta) gamma(1)) x^(theta-1)"])
def test_beta_theta_one_in_closed_form(density: str) -> None:
    code, doc = run_json(density, "--param", "theta", "--support", "0 < x < 1", "--where", "theta > 0")
    assert code == 0 and doc["certified"] and doc["closed_form"]
    assert doc["estimator"]["theta"] == "-n/Sum(log(x[i]), (i, 1, n))"
    assert doc["score"]["theta"].replace(" ", "") == "n/theta+Sum(log(x[i]),(i,1,n))"


@pytest.mark.slow
def test_the_log_series_does_not_crash_and_the_borel_says_why_it_has_no_information() -> None:
    code, doc = run_json("-theta^x/(x log(1-theta))", "--param", "theta", "--support", "x in {1,2,3,...}",
                         "--where", "0 < theta < 1")
    assert code == 0 and doc["certified"] and doc["newton_update"]
    code, doc = run_json("exp(-mu x) (mu x)^(x-1) / x!", "--param", "mu", "--support", "x in {1,2,3,...}",
                         "--where", "0 < mu < 1")
    assert code == 0 and doc["fisher_information"] is None
    assert any("expected (Fisher) information is not derived" in n for n in doc["notes"])


@pytest.mark.slow
def test_latex_lambda_before_a_parenthesis_multiplies_when_lambda_is_a_parameter() -> None:
    code, doc = run_json(r"\sqrt{\frac{\lambda}{2\pi}} e^{-\lambda(x-\mu)^2/2}", "--param", "lambda",
                         "--param", "mu", "--support", "x in R", "--where", "lambda > 0")
    assert code == 0 and doc["certified"]
    assert doc["estimator"]["mu"] == "Sum(x[i], (i, 1, n))/n"
