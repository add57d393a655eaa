"""The library's worked examples of issue 14 build to certified PDFs whose numbers are recomputed here.

Each number a handout prints is recomputed independently (numpy/scipy on the same constants or data
files, read with ast.literal_eval or from the CSV, never by running the script) and looked for in the
PDF's text; the LaTeX derivations the examples check are themselves certified by ``derive.check``.
"""
from __future__ import annotations

import ast
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.optimize
import scipy.stats as st

from tests.conftest import ROOT, pdf_text

EXAMPLES = ("bias_variance", "gradient_descent_least_squares", "kalman_update", "newton_logistic", "pca_rayleigh",
            "sepsis_logistic", "softmax_cross_entropy", "tanh", "two_layer_network", "value_at_risk")
DERIVATIONS = ("bias_variance", "shrunk_mean_mse", "shrinkage_factor", "tanh_sigmoid", "gd_error_step",
               "gd_contraction", "gaussian_update", "sqrt_time")
EXAMPLE_DIR = ROOT / "worked_examples"

pytestmark = [pytest.mark.tex, pytest.mark.slow]


def squeeze(text: str) -> str:
    return "".join(text.split())


def constant(name: str, script: str) -> Any:
    """A module-level constant of an example script, read with ast (the script is not run here).

    ``np.array([...], ...)`` gives the array of its first argument.
    """
    tree = ast.parse((EXAMPLE_DIR / f"{script}.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets[0].elts if isinstance(node.targets[0], ast.Tuple) else node.targets
            names = [getattr(t, "id", "") for t in targets]
            if name in names:
                value = node.value
                if isinstance(value, ast.Tuple) and len(names) > 1:
                    value = value.elts[names.index(name)]
                if isinstance(value, ast.Call):
                    return np.array(ast.literal_eval(value.args[0]), dtype=float)
                return ast.literal_eval(value)
    raise AssertionError(f"{script}.py has no constant {name}")


@pytest.fixture(scope="module")
def build(library_build: tuple[subprocess.CompletedProcess[str], Path]) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The session's one build of the whole library (tests/conftest.py), which has these examples."""
    return library_build


def text_of(build: tuple[subprocess.CompletedProcess[str], Path], name: str) -> str:
    out, out_dir = build
    pdf = out_dir / f"{name}.pdf"
    assert pdf.exists(), f"{name}.pdf was not built: {out.stderr.strip()[-1500:]}"
    return pdf_text(pdf)


def test_every_library_example_builds_certified(build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    out, out_dir = build
    assert out.returncode == 0, out.stderr
    assert {p.stem for p in out_dir.glob("*.pdf")} >= set(EXAMPLES)
    assert "Traceback" not in out.stderr and "certified" not in out.stderr


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_motivates_and_has_solved_exercises(
        build: tuple[subprocess.CompletedProcess[str], Path], name: str) -> None:
    text = text_of(build, name)
    assert "(refuted)" not in text and "NOT certified" not in text
    assert "Exercise 1." in text and "Exercise 2." in text
    assert "Solution to exercise 1" in text and "Solution to exercise 2" in text
    first_result = min(i for i in (text.find("Input:"), text.find("proved:")) if i >= 0)
    assert len(text[:first_result].split()) > 80  # a motivating paragraph before the first derivation


@pytest.mark.parametrize("name", DERIVATIONS)
def test_the_checked_derivations_are_certified(name: str) -> None:
    import derive

    result = derive.check(EXAMPLE_DIR / "derivations" / f"{name}.tex")
    assert result.certified, result.render("text")
    assert result.steps


def test_tanh(build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    flat = squeeze(text_of(build, "tanh"))
    assert "Thehyperbolictangentanditsderivative" in flat
    assert "1−tanh2(z)" in flat and "2σ(2z)−1" in flat
    assert "4(1−σ(2·z))σ(2·z)" in flat or "4(1−σ(2z))σ(2z)" in flat  # the sigmoid form of the derivative


def test_softmax_cross_entropy(build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    text = text_of(build, "softmax_cross_entropy")
    flat = squeeze(text)
    assert "softmax(z)−y" in flat  # the gradient in the logits
    z = np.array(constant("Z", "softmax_cross_entropy"))
    p = np.exp(z) / np.exp(z).sum()
    assert f"{p[0]:.4f}" in text and f"{p[0] - 1:.4f}".replace("-", "−") in text and f"{-np.log(p[0]):.4f}" in text


def test_pca_rayleigh(build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    text = text_of(build, "pca_rayleigh")
    flat = squeeze(text)
    assert "Sw=λw" in flat and "(2S−2λI)w" in flat and "Rayleigh" in text
    eigenvalues = np.linalg.eigvalsh(np.cov(constant("DATA", "pca_rayleigh"), rowvar=False))
    assert f"{eigenvalues[-1]:.2f}" in text and f"{eigenvalues[0]:.2f}" in text
    assert f"{100 * eigenvalues[-1] / eigenvalues.sum():.1f}%" in text


def test_gradient_descent_least_squares(build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    text = text_of(build, "gradient_descent_least_squares")
    flat = squeeze(text)
    assert "∇wf=2X⊤(Xw−y)" in flat and "∇2wf=2X⊤X" in flat
    x = constant("X_DATA", "gradient_descent_least_squares")
    X = np.column_stack([np.ones_like(x), x])
    lam = np.linalg.eigvalsh(2 * X.T @ X)
    assert f"{2 / lam[-1]:.5f}" in text and f"{lam[-1]:.3f}" in text
    assert "2/λmax" in flat


def test_newton_logistic(build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    text = text_of(build, "newton_logistic")
    hours, passed = constant("HOURS", "newton_logistic"), constant("PASSED", "newton_logistic")
    X = np.column_stack([np.ones_like(hours), hours])
    fit = scipy.optimize.minimize(lambda v: float(np.sum(np.logaddexp(0, X @ v)) - passed @ (X @ v)), np.zeros(2),
                                  method="BFGS", options={"gtol": 1e-10}).x
    assert f"{fit[0]:.4f}".replace("-", "−") in text and f"{fit[1]:.4f}" in text
    assert "iteratively reweighted" in text and "quadratic convergence" in text


def test_bias_variance(build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    flat = squeeze(text_of(build, "bias_variance")).replace("ˆ", "").replace("\u0302", "")  # hats, either way round
    assert "σ2+(f−E[f])2+Var(f)" in flat  # noise, squared bias, variance
    assert "c=nµ2nµ2+σ2" in flat or "c=nμ2nμ2+σ2" in flat  # the best shrinkage factor


def test_kalman_update(build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    text = text_of(build, "kalman_update")
    velocity, q, r = (constant(n, "kalman_update") for n in ("VELOCITY", "Q", "R_GPS"))
    m, p = constant("M0", "kalman_update"), constant("P0", "kalman_update")
    for z in constant("GPS", "kalman_update"):
        prior_p = p + q
        m = m + velocity + prior_p / (prior_p + r) * (z - m - velocity)
        p = prior_p * r / (prior_p + r)
    assert f"{m:.3f}" in text and f"{p:.3f}" in text
    assert "K=P/(P+R)" in squeeze(text) or "K = P/(P + R)" in text


def test_value_at_risk(build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    text = text_of(build, "value_at_risk")
    returns = np.loadtxt(EXAMPLE_DIR / "data" / "returns.csv", delimiter=",", skiprows=1)
    mu, sigma = st.norm.fit(returns)  # scipy's MLE: the mean and the root of the 1/n variance
    var = -(mu + sigma * st.norm.ppf(0.01))
    assert f"{var:.3f}%" in text and f"{sigma:.4f}" in text
    assert "Estimates on returns.csv" in text or "returns.csv" in text


def test_sepsis_logistic(build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    text = text_of(build, "sepsis_logistic")
    table = np.loadtxt(EXAMPLE_DIR / "data" / "sepsis.csv", delimiter=",", skiprows=1)
    X = np.column_stack([np.ones(len(table)), table[:, :2]])
    y = table[:, 2]
    fit = scipy.optimize.minimize(lambda v: float(np.sum(np.logaddexp(0, X @ v)) - y @ (X @ v)), np.zeros(3),
                                  method="BFGS", options={"gtol": 1e-9}).x
    assert f"{fit[1]:.4f}" in text and f"{np.exp(fit[1]):.2f}" in text
    assert "∇wf=X⊤(σ(Xw)−y)" in squeeze(text)


def test_two_layer_network_numeric_pass(build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    text = text_of(build, "two_layer_network")
    x, y = constant("X_IN", "two_layer_network"), constant("Y_OUT", "two_layer_network")
    W1, W2 = constant("W1_AT", "two_layer_network"), constant("W2_AT", "two_layer_network")
    a = 1 / (1 + np.exp(-W1 @ x))
    e = -2 * (y - W2 @ a)
    grad_W1 = np.outer((W2.T @ e) * a * (1 - a), x)
    for value in (*e, *(e[0] * a), *grad_W1.ravel()):
        assert f"{value:.4f}".replace("-", "−") in text, value
    assert "Backpropagation in a two-layer network" in text and "twelve" in text
