"""Writes the planted-error copies of the `derive check` corpora and their manifests.

Two corpora, same format: ``bench/check_corpus`` (``PLANTS``) and ``bench/check_corpus_ext``
(``PLANTS_EXT``: derivations transcribed in other authors' styles).

The correct derivations are hand-written files in ``bench/check_corpus/*.tex``. Each planted copy
is one of them with ONE edit, the kind of slip a student makes (issue 12, part 5), written to
``bench/check_corpus/planted/<base>__<kind>.tex``. The expected first-error line is the file
line of the edit (every edit is on the row where the wrong right side starts), computed here, so
the manifest cannot drift from the files.

    .venv/bin/python bench/make_check_corpus.py          # rewrite planted/ and manifest.json
    .venv/bin/python bench/make_check_corpus.py --check  # exit 1 if they are not up to date

Manifest entries: ``file`` (relative to bench/check_corpus), ``expected`` ("correct" or
"incorrect"), ``line`` (the expected first-error line, or null), ``kind`` (the slip, or null),
``factor`` (for a factor slip: what the edit multiplied the correct side or term by, "2", "1/2",
"n", "1/n"), ``also`` (other slip names that describe the same edit just as well: a dropped
``(-1)`` chain factor is also a sign flip), ``base`` and ``edit`` (the replaced text and its
replacement).
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "check_corpus"
PLANTED = CORPUS / "planted"
MANIFEST = CORPUS / "manifest.json"
CORPUS_EXT = Path(__file__).resolve().parent / "check_corpus_ext"
"""The second corpus: derivations transcribed in the styles of other authors (textbooks, lecture
notes, homework solution sheets: full documents with preambles and macros, eqnarray, split, primes
for transposes, ...), with its own planted copies and manifest in the same format."""

KINDS = ("sign", "factor", "dropped_term", "extra_term", "transpose", "reversed_product",
         "symmetric_2Ax", "power", "chain_factor", "escaped_index", "root", "inequality")
"""Slip kinds: those of issue 12 part 5, ``root`` (an equation solved wrongly: the hint names the
correct solution), and ``inequality`` (a bound that does not hold: no hint is asked for, only the
line)."""


@dataclass(frozen=True)
class Plant:
    base: str
    old: str
    new: str
    kind: str
    factor: str | None = None
    also: tuple[str, ...] = ()


PLANTS: tuple[Plant, ...] = (
    # --- sign flips
    Plant("mle_poisson", r"- n \lambda - \sum_{i=1}^{n} \log x_i! .", r"+ n \lambda - \sum_{i=1}^{n} \log x_i! .",
          "sign"),
    Plant("mle_bernoulli", r"&= \frac{1}{p} \sum_{i=1}^{n} x_i - \frac{1}{1 - p}",
          r"&= \frac{1}{p} \sum_{i=1}^{n} x_i + \frac{1}{1 - p}", "sign", also=("chain_factor",)),
    # (a lost inner derivative -1 of log(1 - p) is the same edit: "a missing chain factor -1 (a sign flip)")
    Plant("logistic_loss_one", r"&= \bigl( \sigma(wx) - y \bigr) x .", r"&= \bigl( y - \sigma(wx) \bigr) x .", "sign"),
    Plant("ols_gradient", r"&= -2 X^\top (y - X\beta).", r"&= 2 X^\top (y - X\beta).", "sign"),
    Plant("ineq_x_plus_inverse", r"&= \frac{x^2 - 2x + 1}{x}", r"&= \frac{x^2 - 2x - 1}{x}", "sign"),
    Plant("softmax_derivative", r"&= -\frac{e^{z_1} e^{z_2}}", r"&= \frac{e^{z_1} e^{z_2}}", "sign"),
    Plant("logistic_sigmoid_derivative", r"&= \frac{e^{-z}}{(1 + e^{-z})^2}", r"&= -\frac{e^{-z}}{(1 + e^{-z})^2}",
          "sign", also=("chain_factor",)),
    Plant("solve_linear", r"&\iff 3x - 1 = 2x + 7", r"&\iff 3x + 1 = 2x + 7", "sign"),
    Plant("solve_quadratic", r"&\iff (x - 3)(x + 2) = 0", r"&\iff (x + 3)(x - 2) = 0", "sign"),
    # --- factors 2, 1/2, n, 1/n
    Plant("mle_exponential", r"&= \frac{n}{\lambda} - \sum_{i=1}^{n} x_i ,", r"&= \frac{1}{\lambda} - \sum_{i=1}^{n} x_i ,",
          "factor", "1/n"),
    Plant("mle_normal_mean", r"&= \frac{1}{\sigma^2} \sum_{i=1}^{n} (x_i - \mu) \\",
          r"&= \frac{2}{\sigma^2} \sum_{i=1}^{n} (x_i - \mu) \\", "factor", "2"),
    Plant("mle_normal_variance", r"&= -\frac{n}{2v} + \frac{1}{2v^2}", r"&= -\frac{1}{2v} + \frac{1}{2v^2}",
          "factor", "1/n"),
    Plant("mle_gamma_rate", r"&= n \alpha \log \beta - n \log \Gamma(\alpha)", r"&= n \alpha \log \beta - \log \Gamma(\alpha)",
          "factor", "1/n"),
    Plant("ridge_gradient", r"&= -2 X^\top (y - X\beta) + 2 \lambda \beta", r"&= -2 X^\top (y - X\beta) + \lambda \beta",
          "factor", "1/2"),
    Plant("ols_residual_norm", r"&= 2 X^\top X w - 2 X^\top y", r"&= X^\top X w - X^\top y", "factor", "1/2"),
    Plant("ols_residual_norm", r"= \frac{1}{n} X^\top (Xw - y).", r"= X^\top (Xw - y).", "factor", "n"),
    Plant("ineq_amgm", r"&= \frac{1}{2} \bigl( \sqrt{a} - \sqrt{b} \bigr)^2", r"&= \bigl( \sqrt{a} - \sqrt{b} \bigr)^2",
          "factor", "2"),
    Plant("ineq_cauchy_schwarz", r"- 2 a_1 b_1 a_2 b_2", r"- a_1 b_1 a_2 b_2", "factor", "1/2"),
    Plant("variance_sum_squares", r"&= \sum_{i=1}^{n} x_i^2 - \frac{1}{n} \Bigl( \sum_{i=1}^{n} x_i \Bigr)^2 .",
          r"&= \sum_{i=1}^{n} x_i^2 - \Bigl( \sum_{i=1}^{n} x_i \Bigr)^2 .", "factor", "n"),
    Plant("variance_decomposition", r"&= \sum_{i=1}^{n} (x_i - \bar{x})^2 + n (\bar{x} - \mu)^2 ,",
          r"&= \sum_{i=1}^{n} (x_i - \bar{x})^2 + (\bar{x} - \mu)^2 ,", "factor", "1/n"),
    Plant("covariance_identity", r"&= \sum_{i=1}^{n} x_i y_i - \frac{1}{n} \sum_{i=1}^{n} x_i \sum_{j=1}^{n} y_j \\",
          r"&= \sum_{i=1}^{n} x_i y_i - \sum_{i=1}^{n} x_i \sum_{j=1}^{n} y_j \\", "factor", "n"),
    Plant("ls_simple_normal_equations", r"&= -2 \Bigl( \sum_{i=1}^{n} y_i - n a - b \sum_{i=1}^{n} x_i \Bigr),",
          r"&= -2 \Bigl( \sum_{i=1}^{n} y_i - a - b \sum_{i=1}^{n} x_i \Bigr),", "factor", "1/n"),
    Plant("solve_exponential", r"&\iff t = \frac{1}{2} \log 2 .", r"&\iff t = 2 \log 2 .", "factor", "4"),
    # --- dropped and extra terms
    Plant("mle_geometric", r"= \frac{n}{p} - \frac{\sum_{i=1}^{n} x_i - n}{1 - p}.", r"= \frac{n}{p}.", "dropped_term"),
    Plant("softmax_cross_entropy", r"&= -1 + \frac{e^{z_1}}{e^{z_1} + e^{z_2} + e^{z_3}}, \\",
          r"&= \frac{e^{z_1}}{e^{z_1} + e^{z_2} + e^{z_3}}, \\", "dropped_term"),
    Plant("softmax_cross_entropy", r"&= \frac{e^{z_3}}{e^{z_1} + e^{z_2} + e^{z_3}} .",
          r"&= \frac{e^{z_3}}{e^{z_1} + e^{z_2} + e^{z_3}} - 1 .", "extra_term"),
    Plant("chain_log1p", r"= -x e^{-x^2/2}, \\", r"= -x e^{-x^2/2} + e^{-x^2/2}, \\", "extra_term"),
    Plant("variance_bias_algebra", r"&= \sum_{i=1}^{n} (x_i - \mu)^2 - n (\bar{x} - \mu)^2 .",
          r"&= \sum_{i=1}^{n} (x_i - \mu)^2 - n (\bar{x} - \mu)^2 - 2 n (\bar{x} - \mu)^2 .", "extra_term",
          "3", also=("factor",)),  # read as one term -3n(...)^2: "an extra factor 3 in the term" names it too
    # --- transposes and reversed products
    Plant("grad_bilinear", r"&= a b^\top .", r"&= b a^\top .", "transpose"),
    Plant("grad_trace", r"\nabla_X \operatorname{tr}(A X) &= A^\top , \\", r"\nabla_X \operatorname{tr}(A X) &= A , \\",
          "transpose"),
    Plant("grad_trace", r"&= A^\top B^\top .", r"&= B^\top A^\top .", "reversed_product"),
    Plant("transpose_product", r"(P Q)^{-1} &= Q^{-1} P^{-1}, \\", r"(P Q)^{-1} &= P^{-1} Q^{-1}, \\", "reversed_product"),
    Plant("transpose_product", r"&= (P^{-1})^\top (Q^{-1})^\top .", r"&= (Q^{-1})^\top (P^{-1})^\top .",
          "reversed_product"),
    # --- 2Ax for a non-symmetric A
    Plant("grad_quadratic_general", r"&= A x + A^\top x + b \\", r"&= 2 A x + b \\", "symmetric_2Ax"),
    Plant("grad_trace", r"&= (A + A^\top) X , \\", r"&= 2 A X , \\", "symmetric_2Ax"),
    # --- powers off by one
    Plant("chain_power_rule", r"&= 5 (3x^2 + 1)^4 \cdot 6x \\", r"&= 5 (3x^2 + 1)^5 \cdot 6x \\", "power"),
    Plant("mle_poisson_curvature", r"&= -\frac{1}{\lambda^2} \sum_{i=1}^{n} x_i .", r"&= -\frac{1}{\lambda^3} \sum_{i=1}^{n} x_i .",
          "power"),
    Plant("normal_loglik_const", r"+ \frac{1}{\sigma^3} \sum_{i=1}^{n} (x_i - \mu)^2 .",
          r"+ \frac{1}{\sigma^2} \sum_{i=1}^{n} (x_i - \mu)^2 .", "power"),
    # --- missing chain factors
    Plant("chain_log1p", r"&= \frac{1}{1 + x^2} \cdot 2x", r"&= \frac{1}{1 + x^2}", "chain_factor"),
    Plant("chain_tanh_unit", r"\tanh(w x + b) &= \bigl( 1 - \tanh^2(w x + b) \bigr) x , \\",
          r"\tanh(w x + b) &= 1 - \tanh^2(w x + b) , \\", "chain_factor"),
    Plant("chain_softplus", r"= \frac{e^{x/a}}{1 + e^{x/a}} .", r"= a \frac{e^{x/a}}{1 + e^{x/a}} .", "chain_factor"),
    Plant("chain_sqrt_exp", r"&= \frac{1}{2 \sqrt{1 + e^{2x}}} \cdot 2 e^{2x} \\", r"&= \frac{1}{2 \sqrt{1 + e^{2x}}} \cdot e^{2x} \\",
          "chain_factor", "1/2", also=("factor",)),
    Plant("logistic_regression_sum",
          r"&= \sum_{i=1}^{n} \Bigl( y_i \bigl(1 - \sigma(w x_i)\bigr) x_i - (1 - y_i) \sigma(w x_i) x_i \Bigr) \\",
          r"&= \sum_{i=1}^{n} \Bigl( y_i \bigl(1 - \sigma(w x_i)\bigr) - (1 - y_i) \sigma(w x_i) \Bigr) \\", "chain_factor"),
    # --- an index that escaped its sum
    Plant("weighted_mean", r"&= -2 \sum_{i=1}^{n} w_i (y_i - \theta) \\", r"&= -2 w_i \sum_{i=1}^{n} (y_i - \theta) \\",
          "escaped_index"),
    Plant("logistic_regression_sum", r"- \sum_{i=1}^{n} x_i \sigma(w x_i).", r"- x_i \sum_{i=1}^{n} \sigma(w x_i).",
          "escaped_index"),
    Plant("ls_simple_slope", r"&= \sum_{i=1}^{n} x_i y_i - \bar{y} \sum_{i=1}^{n} x_i",
          r"&= \sum_{i=1}^{n} x_i y_i - y_i \sum_{i=1}^{n} x_i", "escaped_index"),
    # --- in textbook notation (bold, ^T, Frobenius norms, vector weights)
    Plant("ols_bold_notation", r"&= 2 \mathbf{X}^T \mathbf{X} \boldsymbol{\beta} - 2 \mathbf{X}^T \mathbf{y} .",
          r"&= 2 \mathbf{X}^T \mathbf{X} \boldsymbol{\beta} + 2 \mathbf{X}^T \mathbf{y} .", "sign"),
    Plant("frobenius_gradient", r"&= -(Y - U V^\top) V \\", r"&= -2 (Y - U V^\top) V \\", "factor", "2"),
    Plant("mse_decomposition", r"&= (t - m)^2 + 2 (t - m)(m - \theta) + (m - \theta)^2 .",
          r"&= (t - m)^2 + (t - m)(m - \theta) + (m - \theta)^2 .", "factor", "1/2"),
    Plant("logistic_vector_gradient", r"&= -y \bigl(1 - \sigma(w^\top x)\bigr) x + (1 - y) \sigma(w^\top x) x \\",
          r"&= -y \bigl(1 - \sigma(w^\top x)\bigr) + (1 - y) \sigma(w^\top x) \\", "chain_factor"),
    # --- with the log-likelihood named (\ell(p) = ... defines it)
    Plant("mle_normal_ell_notation", r"\frac{d^2\ell}{d\mu^2} &= -\frac{n}{\sigma^2} .",
          r"\frac{d^2\ell}{d\mu^2} &= -\frac{1}{\sigma^2} .", "factor", "1/n"),
    Plant("binomial_ell_prime", r"\ell'(p) = \frac{k}{p} - \frac{m - k}{1 - p}", r"\ell'(p) = \frac{k}{p} + \frac{m - k}{1 - p}",
          "sign", also=("chain_factor",)),
    # --- more of the kinds with few examples
    Plant("mle_poisson", r"- n \lambda - \sum_{i=1}^{n} \log x_i! .", r"- \sum_{i=1}^{n} \log x_i! .", "dropped_term"),
    Plant("frobenius_gradient", r"&= U V^\top V - Y V .", r"&= U V^\top V .", "dropped_term"),
    Plant("weighted_mean", r"&= -2 \sum_{i=1}^{n} w_i y_i + 2 \theta \sum_{i=1}^{n} w_i .",
          r"&= -2 \sum_{i=1}^{n} w_i y_i + 2 \theta \sum_{i=1}^{n} w_i + 2 \theta .", "extra_term"),
    Plant("grad_quadratic_symmetric", r"&= A x - b .", r"&= A x - b - x .", "extra_term"),
    Plant("weighted_mean", r"&= -2 \sum_{i=1}^{n} w_i y_i + 2 \theta \sum_{i=1}^{n} w_i .",
          r"&= -2 w_i \sum_{i=1}^{n} y_i + 2 \theta \sum_{i=1}^{n} w_i .", "escaped_index"),
    Plant("sum_squares_mean", r"&= 2 n \mu - 2 \sum_{i=1}^{n} x_i .", r"&= 2 n \mu - 2 n x_i .", "escaped_index"),
    Plant("logistic_sigmoid_derivative", r"&= \frac{e^{-z}}{(1 + e^{-z})^2} \\", r"&= \frac{e^{-z}}{(1 + e^{-z})^3} \\",
          "power"),
    Plant("ls_through_origin", r"+ 2 \beta \sum_{i=1}^{n} x_i^2 .", r"+ 2 \beta \sum_{i=1}^{n} x_i^3 .", "power"),
    Plant("transpose_square", r"&= R^{-1} Q^{-1} P^{-1} .", r"&= P^{-1} Q^{-1} R^{-1} .", "reversed_product"),
    Plant("grad_quadratic_nonsym", r"&= \frac{1}{2} (A + A^\top) w - b ,", r"&= A w - b ,", "symmetric_2Ax"),
    Plant("grad_quadratic_nonsym", r"&= (B + B^\top) x .", r"&= 2 B x .", "symmetric_2Ax"),
    Plant("grad_logdet", r"\operatorname{tr}(S \Sigma) &= S^\top .", r"\operatorname{tr}(S \Sigma) &= S .", "transpose"),
    Plant("grad_bilinear", r"&= (b a^\top)^\top \\", r"&= b a^\top \\", "transpose"),
    # --- a matrix gradient with a slip in one term (the matrix engine derives the right side)
    Plant("ols_gradient", r"&= -2 X^\top y + 2 X^\top X \beta \\", r"&= -2 X^\top y + X^\top X \beta \\", "factor",
          "1/2"),
    # --- a chain factor dropped inside a sum
    Plant("sum_squares_mean", r"&= -2 \sum_{i=1}^{n} (x_i - \mu) \\", r"&= \sum_{i=1}^{n} 2 (x_i - \mu) \\",
          "chain_factor", also=("sign",)),
    Plant("ls_through_origin", r"&= -2 \sum_{i=1}^{n} x_i (y_i - \beta x_i) \\", r"&= -2 \sum_{i=1}^{n} (y_i - \beta x_i) \\",
          "chain_factor"),
    # --- a sign flipped in a numerator or a denominator
    Plant("logistic_sigmoid_derivative", r"&= \frac{1}{1 + e^{-z}} \cdot \frac{e^{-z}}{1 + e^{-z}} \\",
          r"&= \frac{1}{1 - e^{-z}} \cdot \frac{e^{-z}}{1 + e^{-z}} \\", "sign"),
    Plant("mle_geometric", r"x_i - n}{1 - p}.", r"x_i + n}{1 - p}.", "sign"),
    # --- equations solved with a slip (\iff steps)
    Plant("solve_linear", r"&\iff 3x - 1 = 2x + 7 \\", r"&\iff 3x = 2x + 7 \\", "dropped_term"),
    Plant("solve_linear", r"&\iff x + 1 = 2 (x - 1) \\", r"&\iff x + 1 = 2 (x + 1) \\", "sign"),
    Plant("mle_geometric", r"&\iff n = p \sum_{i=1}^{n} x_i \\", r"&\iff 1 = p \sum_{i=1}^{n} x_i \\", "factor", "1/n"),
    Plant("solve_log_equation", r"&\iff 2 + x = 5 \\", r"&\iff 2 + 2x = 5 \\", "factor", "2"),
    Plant("solve_quadratic", r"&\iff x = 3 .", r"&\iff x = 2 .", "root"),
    Plant("solve_linear", r"&\iff x = 8 .", r"&\iff x = 6 .", "root"),
    Plant("mle_poisson", r"&\iff \lambda = \frac{1}{n} \sum_{i=1}^{n} x_i .", r"&\iff \lambda = n \sum_{i=1}^{n} x_i .",
          "root"),
    Plant("ls_through_origin", r"&\iff \beta = \frac{\sum_{i=1}^{n} x_i y_i}{\sum_{i=1}^{n} x_i^2} .",
          r"&\iff \beta = \frac{\sum_{i=1}^{n} x_i^2}{\sum_{i=1}^{n} x_i y_i} .", "root"),
    Plant("solve_log_equation", r"&\iff 2x = 6 \\", r"&\iff 2x = 3 \\", "factor", "1/2"),
    # --- a bound that does not hold
    Plant("ineq_bernoulli_variance", r"&\le \frac{1}{4} .", r"&\le \frac{1}{8} .", "inequality"),
    Plant("ineq_mean_square", r"&\ge 0 .", r"&\le 0 .", "inequality"),
    # --- expectations, variances and covariances (declared random variables)
    Plant("expect_sample_mean_bias", r"&= \frac{1}{n} \cdot n \mu \\", r"&= \frac{1}{n} \cdot \mu \\", "factor", "1/n"),
    Plant("expect_sample_mean_variance", r"&= \frac{\sigma^2}{n} .", r"&= \frac{\sigma^2}{n^2} .", "factor", "1/n",
          also=("power",)),
    Plant("expect_mle_variance_bias", r"&= \sigma^2 - \frac{\sigma^2}{n} \\", r"&= \sigma^2 \\", "dropped_term"),
    Plant("expect_mse_decomposition", r"&= \operatorname{Var}(\hat\theta) + \bigl(", r"&= \operatorname{Var}(\hat\theta) - \bigl(",
          "sign"),
    Plant("expect_var_affine", r"&= a^2 \sigma^2 .", r"&= a \sigma^2 .", "power"),
    Plant("expect_cov_bilinear", r"&= \operatorname{Cov}(X, Z) + \operatorname{Cov}(Y, Z) .", r"&= \operatorname{Cov}(X, Z) .",
          "dropped_term"),
    Plant("expect_var_sum_dependent", r"+ 2 \bigl( \mathbb{E}[XY]", r"+ \bigl( \mathbb{E}[XY]", "factor", "1/2"),
    Plant("expect_var_sum_independent", r"&= \mathbb{E}[XY] - \mathbb{E}[X] \, \mathbb{E}[Y] \\",
          r"&= \mathbb{E}[XY] + \mathbb{E}[X] \, \mathbb{E}[Y] \\", "sign"),
    Plant("expect_second_moment", r"&= \mathbb{E}[X^2] - 2\mu \, \mathbb{E}[X] + \mu^2 \\",
          r"&= \mathbb{E}[X^2] - \mu \, \mathbb{E}[X] + \mu^2 \\", "factor", "1/2"),
    Plant("expect_poisson_score", r"&= \frac{1}{\lambda} .", r"&= \frac{1}{\lambda^2} .", "power"),
    Plant("expect_bernoulli_score", r"&= \frac{n}{p (1 - p)} .", r"&= \frac{1}{p (1 - p)} .", "factor", "1/n"),
    Plant("expect_normal_moments", r"\mathbb{E}\bigl[ (X - \mu)^4 \bigr] &= 3 \sigma^4 , \\",
          r"\mathbb{E}\bigl[ (X - \mu)^4 \bigr] &= \sigma^4 , \\", "factor", "1/3"),
    Plant("expect_quadratic_form", r"&= \operatorname{tr}(A \Sigma) + \mu^\top A \mu .", r"&= \operatorname{tr}(A \Sigma) .",
          "dropped_term"),
)

PLANTS_EXT: tuple[Plant, ...] = (
    # --- sign flips
    Plant("prml_gaussian_mean", r"- \frac{N \mu}{\sigma^2} ,", r"+ \frac{N \mu}{\sigma^2} ,", "sign"),
    Plant("wasserman_bernoulli", r"\ell_n'(p) &= \frac{S}{p} - \frac{n - S}{1 - p}", r"\ell_n'(p) &= \frac{S}{p} + \frac{n - S}{1 - p}",
          "sign"),
    Plant("casella_exponential_scale", r"&=& -\frac{n}{\beta} + \frac{1}{\beta^2}", r"&=& \frac{n}{\beta} + \frac{1}{\beta^2}", "sign"),
    Plant("bernoulli_kl_grad", r"&= -\frac{p}{q} + \frac{1-p}{1-q}", r"&= \frac{p}{q} + \frac{1-p}{1-q}", "sign"),
    Plant("goodfellow_softmax_ce", r"&= -\frac{\exp(z_2)}{\exp(z_1) + \exp(z_2)}", r"&= \frac{\exp(z_2)}{\exp(z_1) + \exp(z_2)}",
          "sign"),
    Plant("econometrics_prime_transpose", r"&= -2X'y + 2X'Xb .", r"&= 2X'y + 2X'Xb .", "sign"),
    Plant("prml_sigmoid_derivative", r"= 1 - \sigma(a) .", r"= \sigma(a) - 1 .", "sign"),
    Plant("intertext_logistic_pm", r"&= -\frac{y x}{1 + e^{y w x}} .", r"&= \frac{y x}{1 + e^{y w x}} .", "sign"),
    Plant("bm_logistic_vector", r"&= \bigl(\sigmoid(\bm{w}^\intercal\bm{x}) - y\bigr)\bm{x} .",
          r"&= \bigl(y - \sigmoid(\bm{w}^\intercal\bm{x})\bigr)\bm{x} .", "sign"),
    # --- factors 2, 1/2, n, 1/n
    Plant("prml_gaussian_variance", r"& = & \frac{1}{2\sigma^4} \sum_{n=1}^{N} (x_n - \mu)^2 - \frac{N}{2\sigma^2}",
          r"& = & \frac{1}{\sigma^4} \sum_{n=1}^{N} (x_n - \mu)^2 - \frac{N}{2\sigma^2}", "factor", "2"),
    Plant("prml_normal_equations", r"&= -\boldsymbol{\Phi}^{\T} (\bt - \boldsymbol{\Phi}\w) \\",
          r"&= -2\boldsymbol{\Phi}^{\T} (\bt - \boldsymbol{\Phi}\w) \\", "factor", "2"),
    Plant("cs229_lms_update", r"&= \left( \theta_0 + \theta_1 x - y \right) \cdot x", r"&= 2\left( \theta_0 + \theta_1 x - y \right) \cdot x",
          "factor", "2"),
    Plant("casella_poisson", r"&= -n\lambda + \log\lambda \sum_{i=1}^n x_i - \sum_{i=1}^n \log(x_i!) .",
          r"&= -\lambda + \log\lambda \sum_{i=1}^n x_i - \sum_{i=1}^n \log(x_i!) .", "factor", "1/n"),
    Plant("wasserman_geometric", r"= n \log p + \left(", r"= \log p + \left(", "factor", "1/n"),
    Plant("casella_gamma_known_shape", r"&= \frac{n\alpha}{\beta} - \sum_{i=1}^{n} x_i .", r"&= \frac{\alpha}{\beta} - \sum_{i=1}^{n} x_i .",
          "factor", "1/n"),
    Plant("rayleigh_mle", r"\frac{\mathrm{d}\ell}{\mathrm{d}\sigma} &= -\frac{2n}{\sigma}", r"\frac{\mathrm{d}\ell}{\mathrm{d}\sigma} &= -\frac{n}{\sigma}",
          "factor", "1/2"),
    Plant("normal_known_mean_var", r"\ell'(v) = -\frac{n}{2v} + \frac{1}{2v^2}", r"\ell'(v) = -\frac{n}{2v} + \frac{1}{v^2}",
          "factor", "2"),
    Plant("map_gaussian_prior", r"&= \frac{1}{\sigma^2}\sum_{i=1}^n (x_i - \mu) - \frac{\mu}{\tau^2} \\",
          r"&= \frac{1}{\sigma^2}\sum_{i=1}^n (x_i - \mu) - \frac{\mu}{2\tau^2} \\", "factor", "1/2"),
    Plant("cookbook_least_squares_norm", r"&= 2 A^\top (A x - b) .", r"&= A^\top (A x - b) .", "factor", "1/2"),
    Plant("ones_vector_mean", r"&= 2 n \mu - 2\,\mathbf{1}^{\top}\mathbf{x} .", r"&= 2 \mu - 2\,\mathbf{1}^{\top}\mathbf{x} .",
          "factor", "1/n"),
    Plant("sum_bounds_style", r"&= \sum_{i}^{n} x_i^2 - n\,\bar{x}^2 .", r"&= \sum_{i}^{n} x_i^2 - \bar{x}^2 .", "factor", "1/n"),
    Plant("esl_ridge_closed_form", r"&= -2\bX^T(\by - \bX\beta) + 2\lambda\beta \\", r"&= -2\bX^T(\by - \bX\beta) + \lambda\beta \\",
          "factor", "1/2"),
    # --- dropped and extra terms
    Plant("pareto_mle", r"&= \frac{n}{\alpha} + n \ln x_m - \sum_{i=1}^n \ln x_i", r"&= \frac{n}{\alpha} - \sum_{i=1}^n \ln x_i",
          "dropped_term"),
    Plant("bernoulli_entropy", r"= -\ln p - 1 + \ln(1-p) + 1 =", r"= -\ln p - 1 + \ln(1-p) =", "dropped_term"),
    Plant("cs229_softmax_grad", r"&= 1 - \frac{e^{\eta_1}}{e^{\eta_1} + e^{\eta_2} + e^{\eta_3}} ,",
          r"&= - \frac{e^{\eta_1}}{e^{\eta_1} + e^{\eta_2} + e^{\eta_3}} ,", "dropped_term"),
    Plant("weibull_known_shape", r"= -\frac{nk}{\lambda} + k\lambda^{-k-1}\sum_{i=1}^{n} x_i^k .",
          r"= -\frac{nk}{\lambda} + k\lambda^{-k-1}\sum_{i=1}^{n} x_i^k + \frac{1}{\lambda} .", "extra_term"),
    Plant("beta_bernoulli_map", r"&= \frac{N_1 + a - 1 - (N_1 + N_0 + a + b - 2)\theta}{\theta(1 - \theta)} .",
          r"&= \frac{N_1 + a - (N_1 + N_0 + a + b - 2)\theta}{\theta(1 - \theta)} .", "dropped_term"),
    Plant("cookbook_trace", r"\Tr\left(X^{\mathsf T} C X\right) &= C X + C^{\mathsf T} X \\",
          r"\Tr\left(X^{\mathsf T} C X\right) &= C X + C^{\mathsf T} X + C \\", "extra_term"),
    # --- transposes and reversed products
    Plant("cookbook_linear_forms", r"\frac{\partial \mathbf{b}^T\mathbf{X}^T\mathbf{a}}{\partial \mathbf{X}} &= \mathbf{a}\mathbf{b}^T .",
          r"\frac{\partial \mathbf{b}^T\mathbf{X}^T\mathbf{a}}{\partial \mathbf{X}} &= \mathbf{b}\mathbf{a}^T .", "transpose"),
    Plant("cookbook_trace", r"\Tr(A X B) &= A^{\mathsf T} B^{\mathsf T} ,", r"\Tr(A X B) &= B^{\mathsf T} A^{\mathsf T} ,",
          "reversed_product"),
    Plant("cookbook_logdet", r"- S^{\mathsf{T}} .", r"- S .", "transpose"),
    Plant("cookbook_inverse_transpose", r"&= \mathbf{B}^{-1}\mathbf{A}^{-1}", r"&= \mathbf{A}^{-1}\mathbf{B}^{-1}",
          "reversed_product"),
    Plant("cookbook_inverse_transpose", r"&= \mathbf{C}^{\top}\mathbf{B}^{\top}\mathbf{A}^{\top}",
          r"&= \mathbf{A}^{\top}\mathbf{B}^{\top}\mathbf{C}^{\top}", "reversed_product"),
    Plant("inverse_transpose_trace", r"= -X^{-\top}\mathbf{a}\mathbf{b}^{T}X^{-\top}", r"= -X^{-\top}\mathbf{b}\mathbf{a}^{T}X^{-\top}",
          "transpose"),
    Plant("cs229_normal_equations", r"&=& X^T X \theta - X^T \vec{y}", r"&=& X^T X \theta + X^T \vec{y}", "sign"),
    # --- 2Ax for a non-symmetric A
    Plant("cookbook_quadratic_form", r"= \left( B + B^{\intercal} \right) \boldsymbol{x}", r"= 2 B \boldsymbol{x}",
          "symmetric_2Ax"),
    Plant("esl_weighted_ls", r"= -2 X^T W (y - X\beta) ,", r"= -X^T W (y - X\beta) ,", "factor", "1/2"),
    # --- powers off by one
    Plant("casella_poisson", r"&= -\frac{\sum_{i=1}^n x_i}{\lambda^2} ,", r"&= -\frac{\sum_{i=1}^n x_i}{\lambda} ,", "power"),
    Plant("prml_gaussian_variance", r"& = & \frac{1}{2\sigma^4} \left(", r"& = & \frac{1}{2\sigma^2} \left(", "power"),
    Plant("uniform_bound", r"= -n\theta^{-n-1} < 0", r"= -n\theta^{-n} < 0", "power"),
    Plant("gaussian_density_derivative", r"&= -\frac{x-\mu}{\sqrt{2\pi}\,\sigma^3}", r"&= -\frac{x-\mu}{\sqrt{2\pi}\,\sigma^2}", "power"),
    # --- missing chain factors
    Plant("goodfellow_backprop_one_layer", r"&= \left(w_2 \tanh(w_1 x) - y\right) w_2 \left(1 - \tanh^2(w_1 x)\right) x .",
          r"&= \left(w_2 \tanh(w_1 x) - y\right) w_2 \left(1 - \tanh^2(w_1 x)\right) .", "chain_factor"),
    Plant("prml_logistic_score", r"&= -t \bigl(1 - \sig{w\phi}\bigr)\phi + (1-t)\sig{w\phi}\,\phi \\",
          r"&= -t \bigl(1 - \sig{w\phi}\bigr) + (1-t)\sig{w\phi} \\", "chain_factor"),
    Plant("eval_bar_softplus", r"&= \frac{1}{2} .", r"&= 1 .", "factor", "2"),
    Plant("tanh_sigmoid_identity", r"&= 4\,\sigma(2x)\left(1 - \sigma(2x)\right) .", r"&= 2\,\sigma(2x)\left(1 - \sigma(2x)\right) .",
          "chain_factor", "1/2", also=("factor",)),
    Plant("gaussian_density_derivative", r"\times \left( -\frac{x-\mu}{\sigma^2} \right) \\", r"\times \left( -(x-\mu) \right) \\",
          "chain_factor"),
    # --- an index that escaped its sum
    Plant("simple_regression_sums", r"&= -2\sum_i x_i\left(y_i - \beta x_i\right) \\", r"&= -2 x_i\sum_i \left(y_i - \beta x_i\right) \\",
          "escaped_index"),
    Plant("cs229_gda_phi", r"&= \frac{1}{\phi} \sum_{i=1}^m y_i - \frac{m - \sum_{i=1}^m y_i}{1 - \phi}",
          r"&= \frac{y_i}{\phi} - \frac{m - \sum_{i=1}^m y_i}{1 - \phi}", "escaped_index"),
    Plant("casella_exponential_scale", r"&=& -n \log \beta - \frac{1}{\beta} \sum_{i=1}^{n} x_i ,",
          r"&=& -n \log \beta - \frac{x_i}{\beta} ,", "escaped_index"),
    # --- logical steps and bounds
    Plant("binomial_with_binom", r"\;\Longrightarrow\; k(1-p) = (m-k)p", r"\;\Longrightarrow\; k(1+p) = (m-k)p", "sign"),
    Plant("inline_therefore_poisson_rate", r"\Rightarrow \quad \lambda = \frac{n}{\sum_{i=1}^n x_i}",
          r"\Rightarrow \quad \lambda = \frac{1}{\sum_{i=1}^n x_i}", "factor", "1/n"),
    Plant("pareto_mle", r"&= -\frac{n}{\alpha^2} < 0", r"&= \frac{n}{\alpha^2} < 0", "sign"),
    Plant("murphy_mvn_quadratic", r"&= \frac{1}{2}\left( \precision + \precision^T \right)(\vx - \vmu) \\",
          r"&= \left( \precision + \precision^T \right)(\vx - \vmu) \\", "factor", "2"),
    Plant("argmax_normal_mean", r" = -\frac{1}{2\sigma^2}\sum_{i=1}^{n} x_i^2 \\", r" = -\frac{1}{2\sigma^2}\sum_{i=1}^{n} x_i^3 \\",
          "power"),
    Plant("goodfellow_mse_linear", r"&= \frac{2}{m} \left(", r"&= 2 \left(", "factor", "m"),
)
"""The planted slips of the second corpus (``check_corpus_ext``), same format."""


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def build(corpus: Path = CORPUS, plants: tuple[Plant, ...] = PLANTS) -> tuple[dict[Path, str], list[dict[str, object]]]:
    """Every planted file's text by path, and the manifest (correct files first, then planted)."""
    files: dict[Path, str] = {}
    manifest: list[dict[str, object]] = []
    for path in sorted(corpus.glob("*.tex")):
        manifest.append({"file": path.name, "expected": "correct", "line": None, "kind": None, "factor": None,
                         "also": [], "base": path.stem, "edit": None})
    seen: set[str] = set()
    for p in plants:
        if p.kind not in KINDS:
            raise SystemExit(f"unknown kind {p.kind!r}")
        base = (corpus / f"{p.base}.tex").read_text(encoding="utf-8")
        if base.count(p.old) != 1:
            raise SystemExit(f"{p.base}: the text to replace occurs {base.count(p.old)} times: {p.old!r}")
        offset = base.index(p.old)
        text = base[:offset] + p.new + base[offset + len(p.old):]
        # the edit starts where old and new first differ: that is the line of the wrong right side
        common = next((i for i, (a, b) in enumerate(zip(p.old, p.new)) if a != b), min(len(p.old), len(p.new)))
        name = f"{p.base}__{p.kind}"
        k = 2
        while name in seen:
            name, k = f"{p.base}__{p.kind}{k}", k + 1
        seen.add(name)
        rel = Path("planted") / f"{name}.tex"
        files[corpus / rel] = text
        manifest.append({"file": str(rel), "expected": "incorrect", "line": line_of(base, offset + common),
                         "kind": p.kind, "factor": p.factor, "also": list(p.also), "base": p.base,
                         "edit": [p.old, p.new]})
    return files, manifest


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="only verify that planted/ and manifest.json are current")
    args = ap.parse_args()
    status = 0
    for corpus, plants in ((CORPUS, PLANTS), (CORPUS_EXT, PLANTS_EXT)):
        status |= _one(corpus, plants, args.check)
    return status


def _one(corpus: Path, plants: tuple[Plant, ...], check: bool) -> int:
    planted, manifest_path = corpus / "planted", corpus / "manifest.json"
    files, manifest = build(corpus, plants)
    manifest_text = json.dumps(manifest, indent=1) + "\n"
    if check:
        stale = [str(p) for p, t in files.items() if not p.exists() or p.read_text(encoding="utf-8") != t]
        if not manifest_path.exists() or manifest_path.read_text(encoding="utf-8") != manifest_text:
            stale.append(str(manifest_path))
        extra = sorted(set(planted.glob("*.tex")) - set(files))
        stale += [f"{p} (not in the plants)" for p in extra]
        print("\n".join(stale) if stale else f"{corpus.name}: up to date")
        return 1 if stale else 0
    planted.mkdir(exist_ok=True)
    for old in planted.glob("*.tex"):
        if old not in files:
            old.unlink()
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    manifest_path.write_text(manifest_text, encoding="utf-8")
    n_correct = sum(1 for m in manifest if m["expected"] == "correct")
    print(f"{n_correct} correct files, {len(files)} planted copies, manifest {manifest_path.relative_to(corpus.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
