"""MLE notation and printers: x_i, x-bar, order statistics, no double subscripts, the JSON contract."""
from __future__ import annotations

import json

import pytest

import sympy as sp

from derive.core.budget import Budget
from derive.likelihood.derivation import derive_mle
from derive.likelihood.sample import I, N
from derive.parse.domain import VarDomain
from derive.likelihood.model import MleProblem, Support
from derive.core.functions import sample_max, sample_median
from derive.render import render
from derive.render.notation.latex import sample_tex as tex
from derive.render.notation.text import sample_text as text

X = sp.IndexedBase("x")


def test_text_reads_like_a_blackboard() -> None:
    assert text(sp.Sum(X[I], (I, 1, N)) / N) == "x̄"
    assert text(sample_max(X)) == "maxᵢ xᵢ"
    assert text(sample_median(X) / 2) == "medianᵢ xᵢ/2"
    assert text(X[I] ** 2) == "x_i²"  # a superscript, as the scalar text prints powers


def test_a_power_of_a_sum_keeps_its_parentheses_in_text_and_latex() -> None:
    total, squares = sp.Sum(X[I], (I, 1, N)), sp.Sum(X[I] ** 2, (I, 1, N))
    assert text(total ** 2) == "(Σ x_i)²"
    assert text(squares) == "Σ x_i²"
    assert text(sp.sqrt(total ** 2 + 4 * N * squares)) == "√(4·n·Σ x_i² + (Σ x_i)²)"
    assert text(1 / sp.sqrt(2 * sp.pi * sp.Symbol("sigma2"))) == "√2/(2·√π·√(σ²))"  # roots as the LaTeX reads
    assert text(squares ** 3) == "(Σ x_i²)³"
    assert r"\left(\sum_{i=1}^{n} x_{i}\right)^{2}" in tex(total ** 2)
    assert r"\left(\sum" not in tex(squares)


def test_latex_has_no_double_subscripts_and_greek_names() -> None:
    assert tex(sp.IndexedBase("x1")[I] ** 2) == "x_{1,i}^{2}"
    assert tex(sp.Symbol("sigma2")) == r"\sigma^{2}"
    assert tex(sp.Symbol("lam")) == r"\lambda"
    assert tex(sample_max(X)) == r"\max_{i} x_{i}"


def test_exponential_output_contract_and_text() -> None:
    lam, x = sp.Symbol("lam", positive=True), sp.Symbol("x", positive=True)
    d = derive_mle(MleProblem("lam exp(-lam x)", lam * sp.exp(-lam * x), x, (lam,),
                              Support("x", "interval", lower=sp.Integer(0)), (VarDomain("lam", 0.0),)),
                   Budget(60).start())
    doc = json.loads(render(d, "json"))
    for key in ("density", "params", "loglik", "score", "estimator", "closed_form", "method",
                "fisher_information", "second_order", "steps"):
        assert key in doc
    assert doc["estimator"] == {"lam": "n/Sum(x[i], (i, 1, n))"}
    assert doc["method"] == "calculus" and doc["closed_form"] is True
    assert r"\hat{\lambda}" in render(d, "latex", part="result")
    out = render(d, "text", width=110)
    assert "λ̂ = n/Σ x_i" in out


@pytest.mark.slow
def test_a_function_of_the_parameters_is_hatted_whole() -> None:
    import derive

    latex = derive.mle("normal", of=["sqrt(sigma2)"]).to_latex()
    assert r"\widehat{\sqrt{\sigma^{2}}}" in latex
    assert r"\mathrm{sqrt" not in latex


def test_a_function_of_the_parameters_prints_in_text_as_in_latex() -> None:
    """--of 'sqrt(sigma2)': the title and the estimate read √(σ²), not the typed sqrt(sigma2)."""
    import derive

    r = derive.mle("normal", of=["sqrt(sigma2)"])
    out = r.to_text(width=100)
    assert "MLE of √(σ²)" in out and "√(σ²)̂ = √(Σ" in out and "sqrt(sigma2)" not in out.split("\n", 1)[1]
    assert r"\textbf{MLE of $\sqrt{\sigma^{2}}$.}" in r.to_latex()


def test_text_has_no_sympy_leaks() -> None:
    """A power of a name ending in a superscript or an accent is parenthesized; a matrix is [a, b; c, d];
    a difference reads positive first."""
    s2, mu = sp.Symbol("sigma2"), sp.Symbol("mu")
    assert text(s2 ** 2) == "(σ²)²" and text(sp.Symbol("sigma2_hat") ** 2) == "(σ̂²)²"
    assert text(sp.ImmutableMatrix([[1 / s2, 0], [0, 1 / (2 * s2 ** 2)]])) == "[1/σ², 0; 0, 1/(2·(σ²)²)]"
    assert text((X[I] - mu) ** 2) == "(x_i - μ)²"


def test_a_hat_sits_on_the_letter_before_its_subscript() -> None:
    from derive.render.notation.text import hat_text

    assert hat_text("p₁") == "p̂₁" and hat_text("μ") == "μ̂" and hat_text("√(σ²)") == "√(σ²)̂"
    assert text(sp.Symbol("x1_bar")) == "x̄₁"
    assert hat_text("σ²") == "σ̂²" and text(sp.Symbol("sigma2_hat")) == "σ̂²"
