"""The maximum-likelihood worked examples build to PDFs that read back with their key results."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import scipy.stats as st

from tests.conftest import ROOT, pdf_text

EXAMPLES = tuple(sorted(p.stem for p in (ROOT / "worked_examples").glob("mle_*.py")))

pytestmark = [pytest.mark.tex, pytest.mark.slow]


def squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def build(library_build: tuple[subprocess.CompletedProcess[str], Path]) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The session's one build of the whole library (tests/conftest.py), every ``mle_*.py`` example in it
    (a failing one does not hide the others)."""
    return library_build


def text_of(build: tuple[subprocess.CompletedProcess[str], Path], name: str) -> str:
    out, out_dir = build
    pdf = out_dir / f"{name}.pdf"
    assert pdf.exists(), f"{name}.pdf was not built: {out.stderr.strip()[-1500:]}"
    return pdf_text(pdf)


def test_the_examples_are_the_expected_ones() -> None:
    assert set(EXAMPLES) >= {"mle_bernoulli_sepsis", "mle_gamma_newton", "mle_multinomial_lagrange",
                             "mle_normal_bias", "mle_poisson_exponential", "mle_uniform_boundary", "mle_volatility"}


def test_every_mle_example_builds(build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    out, out_dir = build
    assert out.returncode == 0, out.stderr
    assert sorted(p.stem for p in out_dir.glob("mle_*.pdf") if ".student" not in p.name) == sorted(EXAMPLES)
    assert sorted(p.name for p in out_dir.glob("mle_*.student.pdf")) == sorted(f"{e}.student.pdf" for e in EXAMPLES)
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_step_of_an_example_is_refuted(build: tuple[subprocess.CompletedProcess[str], Path], name: str) -> None:
    text = text_of(build, name)
    assert "(refuted)" not in text and "NOT certified" not in text, \
        [ln for ln in text.splitlines() if "refuted" in ln or "NOT" in ln]


def test_bernoulli_estimate_is_the_sample_mean(build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    text = text_of(build, "mle_bernoulli_sepsis")
    assert "How often does sepsis follow surgery?" in text
    assert "p̂=x̄" in squeeze(text)
    assert "Score for p" in text and "Fisher" in text
    assert "Solutions" in text  # the geometric exercise has its solution


def test_normal_variance_has_the_bias_factor(build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    text = text_of(build, "mle_normal_bias")
    flat = squeeze(text)
    assert "µ̂=x̄" in flat or "μ̂=x̄" in flat
    assert "(n−1)" in flat  # E[sigma2-hat] = sigma2 (n - 1)/n
    assert "Bias of the estimator of sigma2" in text
    assert "negative definite" in text


def test_uniform_estimate_is_the_sample_max(build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    text = text_of(build, "mle_uniform_boundary")
    assert "θ̂=maxxi" in squeeze(text)
    assert "boundary" in text.lower()


def test_poisson_and_exponential_rates(build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    text = text_of(build, "mle_poisson_exponential")
    assert "λ̂=x̄" in squeeze(text)
    assert "concave" in text


def test_gamma_has_no_closed_form_and_the_newton_iterates(build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    text = text_of(build, "mle_gamma_newton")
    assert "no closed form" in text
    assert "Newton" in text
    waits = np.loadtxt(ROOT / "worked_examples" / "data" / "waits.csv", delimiter=",", skiprows=1)
    alpha, _, _ = st.gamma.fit(waits, floc=0)
    assert f"{alpha:.8f}" in text  # the last iterate of the table is scipy's fit
    assert "1.00000000" in text  # the table starts from alpha = 1
    assert "nan" not in text.lower().split()


def test_multinomial_has_the_lagrange_multiplier(build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    text = text_of(build, "mle_multinomial_lagrange")
    flat = squeeze(text)
    assert "Lagrange" in text
    assert "ν̂" in text
    assert "ν̂=n" in flat  # the multiplier equals the number of observations (the prose below says so)
    assert "x̄1" in flat or "x¯1" in flat  # p1-hat = the share of category 1


def test_volatility_variance_and_its_annualized_root(build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    text = text_of(build, "mle_volatility")
    assert "Estimating volatility from log-returns" in text
    assert "v̂" in text and "252" in text
    assert "E[v̂]−v=0" in squeeze(text)  # unbiased with the mean known
