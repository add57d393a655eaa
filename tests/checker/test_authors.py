"""Derivations as other authors write them, end to end through the real reader (``_check_job``, the
API's job in this process): macros, inline definitions, named log-likelihoods, equations obtained by
setting a gradient to zero, scaled gradients, the vector of ones, evaluation bars."""
from __future__ import annotations

import pytest

from derive.checker.api import _check_job
from derive.checker.model import CheckReport
from derive.core.budget import Budget


def check(text: str) -> CheckReport:
    return _check_job(text, "proof.tex", Budget(seconds=60))


def statuses(report: CheckReport) -> list[tuple[int, str]]:
    return [(s.line, s.status) for s in report.steps]


DOC = r"""\documentclass{article}
\usepackage{amsmath}
\newcommand{\norm}[1]{\left\lVert #1 \right\rVert}
\newcommand{\R}{\mathbb{R}}
\DeclareMathOperator{\Tr}{Tr}
\begin{document}
%% derive: A \in \R^{m\times n}, x \in \R^{n}, b \in \R^{m}, C \in \R^{n\times n}
\begin{align*}
\nabla_x \norm{A x - b}_2^2 &= 2 A^\top (A x - b) , \\
\nabla_C \Tr(C) &= I_n .
\end{align*}
\end{document}
"""


def test_macros_in_terms_and_declarations() -> None:
    report = check(DOC.replace("%%", "%"))
    assert report.outcome == "correct", statuses(report)


def test_a_slip_behind_a_macro_is_caught_at_its_line() -> None:
    report = check(DOC.replace("%%", "%").replace("&= 2 A^\\top (A x - b)", "&= A^\\top (A x - b)"))
    assert report.outcome == "incorrect" and report.first_error is not None and report.first_error.line == 9


def test_inline_definition_in_prose() -> None:
    text = ("% derive: 0 < p < 1\nThe entropy $H(p) = -p \\ln p - (1-p)\\ln(1-p)$ has\n"
            "\\[ \\frac{dH}{dp} = \\ln\\frac{1-p}{p} \\]\n")
    assert check(text).outcome == "correct"
    wrong = check(text.replace("\\ln\\frac{1-p}{p}", "\\ln\\frac{p}{1-p}"))
    assert wrong.outcome == "incorrect" and wrong.first_error is not None and wrong.first_error.line == 3


def test_a_named_log_likelihood_opens_the_chain() -> None:
    text = ("% derive: \\beta > 0, n \\in \\mathbb{N}\n\\begin{align*}\n"
            "\\log L(\\beta \\mid \\mathbf{x}) &= \\log \\prod_{i=1}^{n} \\frac{1}{\\beta} e^{-x_i/\\beta} \\\\\n"
            " &= -n \\log \\beta - \\frac{1}{\\beta} \\sum_{i=1}^{n} x_i\n\\end{align*}\n")
    report = check(text)
    assert report.outcome == "correct", statuses(report)
    assert any("L(" in d.name for d in report.definitions) and len(report.steps) == 1


@pytest.mark.slow
def test_equation_obtained_by_setting_the_gradient_to_zero() -> None:
    text = ("% derive: X \\in \\mathbb{R}^{m\\times n}, y \\in \\mathbb{R}^{m}, \\theta \\in \\mathbb{R}^{n}\n"
            "\\[ \\nabla_\\theta \\frac{1}{2} (X\\theta - y)^T (X\\theta - y) = X^T X \\theta - X^T y \\]\n"
            "Setting the gradient to zero, we obtain the normal equations\n"
            "\\[ X^T X \\theta = X^T y \\]\n")
    report = check(text)
    assert report.outcome == "correct", statuses(report)
    assert report.steps[-1].relation == "implies" and report.steps[-1].line == 4
    wrong = check(text.replace("\\[ X^T X \\theta = X^T y \\]", "\\[ X^T X \\theta = 2 X^T y \\]"))
    assert wrong.outcome == "incorrect" and wrong.first_error is not None and wrong.first_error.line == 4


def test_a_scalar_times_a_gradient_is_a_vector() -> None:
    text = ("% derive: X \\in \\mathbb{R}^{m\\times n}, \\theta \\in \\mathbb{R}^{n}\n"
            "\\[ \\nabla_\\theta \\theta^T X^T X \\theta = 2 \\cdot \\frac{1}{2} \\nabla_\\theta \\theta^T X^T X \\theta \\]\n")
    assert check(text).outcome == "correct"


def test_the_vector_of_ones() -> None:
    text = ("% derive: \\mathbf{x} \\in \\mathbb{R}^{n}, \\mu \\in \\mathbb{R}, \\mathbf{1} \\in \\mathbb{R}^{n}\n"
            "\\[ \\frac{d}{d\\mu} (\\mathbf{x} - \\mu\\mathbf{1})^{\\top}(\\mathbf{x} - \\mu\\mathbf{1})"
            " = 2 n \\mu - 2\\,\\mathbf{1}^{\\top}\\mathbf{x} \\]\n")
    assert check(text).outcome == "correct"
    assert check(text.replace("= 2 n \\mu", "= 2 \\mu")).outcome == "incorrect"


def test_evaluation_bar() -> None:
    text = "\\[ \\left.\\frac{\\mathrm{d}}{\\mathrm{d}x}\\ln\\left(1 + e^{x}\\right)\\right|_{x=0} = \\frac{1}{2} \\]\n"
    assert check(text).outcome == "correct"
    assert check(text.replace("\\frac{1}{2} \\]", "1 \\]")).outcome == "incorrect"


def test_bold_names_of_declared_matrices_do_not_commute() -> None:
    text = ("% derive: A \\in \\mathbb{R}^{n\\times n}, B \\in \\mathbb{R}^{n\\times n}\n"
            "\\[ (\\mathbf{A}\\mathbf{B})^{-1} = \\mathbf{A}^{-1}\\mathbf{B}^{-1} \\]\n")
    assert check(text).outcome == "incorrect"


def test_a_recursive_macro_is_unparsed_not_a_crash() -> None:
    report = check("\\def\\a{\\a}\n\\[ \\a = 1 \\]\n")
    assert report.outcome == "unverifiable" and report.steps[0].status == "unparsed"


def test_a_macro_hiding_input_is_refused() -> None:
    report = check("\\newcommand{\\secret}{\\input{/etc/passwd}}\n\\[ \\secret = 1 \\]\n")
    assert report.steps[0].status == "unparsed"
    assert "input" in report.steps[0].certificate.describe()


def test_an_argmax_line_defines_the_estimate() -> None:
    text = ("% derive: \\mu \\in \\mathbb{R}, n \\in \\mathbb{N}\n"
            "\\[ \\hat\\mu = \\operatorname*{arg\\,max}_\\mu \\sum_{i=1}^{n} -(x_i - \\mu)^2 \\]\n"
            "\\[ \\frac{d}{d\\mu} \\sum_{i=1}^{n} -(x_i - \\mu)^2 = 2 \\sum_{i=1}^{n} (x_i - \\mu) \\]\n")
    report = check(text)
    assert report.outcome == "correct", statuses(report)
    assert [d.line for d in report.definitions] == [2] and len(report.steps) == 1


def test_a_named_log_posterior_up_to_a_constant() -> None:
    text = ("% derive: \\mu \\in \\mathbb{R}, \\tau > 0, n \\in \\mathbb{N}\n"
            "\\[ \\log p(\\mu \\mid x_1, \\dots, x_n) = -\\frac{1}{2}\\sum_{i=1}^n (x_i - \\mu)^2 - \\frac{\\mu^2}{2\\tau^2}"
            " + \\text{const} \\]\n"
            "\\[ \\frac{\\partial}{\\partial\\mu}\\left(-\\frac{1}{2}\\sum_{i=1}^n (x_i - \\mu)^2 - \\frac{\\mu^2}{2\\tau^2}\\right)"
            " = \\sum_{i=1}^n (x_i - \\mu) - \\frac{\\mu}{\\tau^2} \\]\n")
    report = check(text)
    assert report.outcome == "correct", statuses(report)
    assert len(report.definitions) == 1 and len(report.steps) == 1


def test_an_escaped_index_next_to_a_sum_is_refuted_not_a_crash() -> None:
    text = ("% derive: \\beta \\in \\mathbb{R}\n"
            "\\[ \\frac{d}{d\\beta}\\sum_i (y_i - \\beta x_i)^2 = -2 x_i \\sum_i (y_i - \\beta x_i) \\]\n")
    report = check(text)
    assert report.outcome == "incorrect" and report.first_error is not None and report.first_error.line == 2
