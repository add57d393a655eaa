"""The hand-derivation corpus of ``bench/check_corpus`` stays checked as it is today.

``bench/bench_check.py`` measures the whole corpus (and says what fails); this test pins what
passes: every correct file listed in ``ACCEPTED`` is accepted (every step proved or plausible),
and every planted copy listed in ``CAUGHT`` is refuted with its first error on the line the
manifest names. When the checker learns to pass another file, add it here. No timing.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.checker.conftest import accepted, caught_at_line

from tests.conftest import ROOT

CORPUS = ROOT / "bench" / "check_corpus"
MANIFEST = {m["file"]: m for m in json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))}

ACCEPTED: tuple[str, ...] = (
    "binomial_ell_prime.tex",
    "chain_gaussian_density.tex",
    "chain_log1p.tex",
    "chain_power_rule.tex",
    "chain_softplus.tex",
    "chain_sqrt_exp.tex",
    "chain_tanh_unit.tex",
    "covariance_identity.tex",
    "frobenius_gradient.tex",
    "grad_bilinear.tex",
    "grad_logdet.tex",
    "grad_quadratic_general.tex",
    "grad_quadratic_symmetric.tex",
    "grad_trace.tex",
    "ineq_amgm.tex",
    "ineq_bernoulli_variance.tex",
    "ineq_cauchy_schwarz.tex",
    "ineq_mean_square.tex",
    "ineq_x_plus_inverse.tex",
    "likelihood_propto.tex",
    "logistic_logit.tex",
    "logistic_loss_one.tex",
    "logistic_regression_sum.tex",
    "logistic_sigmoid_derivative.tex",
    "logistic_vector_gradient.tex",
    "logsumexp_gradient.tex",
    "ls_simple_normal_equations.tex",
    "ls_simple_slope.tex",
    "mle_bernoulli.tex",
    "mle_exponential.tex",
    "mle_exponential_foc.tex",
    "mle_gamma_rate.tex",
    "mle_geometric.tex",
    "mle_normal_ell_notation.tex",
    "mle_normal_mean.tex",
    "mle_normal_sigma2.tex",
    "mle_normal_variance.tex",
    "mle_poisson.tex",
    "mle_poisson_curvature.tex",
    "mse_decomposition.tex",
    "normal_loglik_const.tex",
    "ols_bold_notation.tex",
    "ols_residual_norm.tex",
    "sigmoid_prime_notation.tex",
    "softmax_cross_entropy.tex",
    "softmax_derivative.tex",
    "solve_exponential.tex",
    "solve_linear.tex",
    "solve_quadratic.tex",
    "transpose_product.tex",
    "variance_bias_algebra.tex",
    "expect_bernoulli_score.tex",
    "expect_cov_bilinear.tex",
    "expect_mle_variance_bias.tex",
    "expect_mse_decomposition.tex",
    "expect_normal_moments.tex",
    "expect_poisson_score.tex",
    "expect_quadratic_form.tex",
    "expect_sample_mean_bias.tex",
    "expect_sample_mean_variance.tex",
    "expect_second_moment.tex",
    "expect_var_affine.tex",
    "expect_var_sum_dependent.tex",
    "expect_var_sum_independent.tex",
    "variance_sum_squares.tex",
    "weighted_mean.tex",
    "grad_quadratic_nonsym.tex",
    "ls_through_origin.tex",
    "solve_log_equation.tex",
    "sum_squares_mean.tex",
    "transpose_square.tex",
)
"""Correct derivations that ``derive check`` accepts. Not listed: ols_gradient.tex and
ridge_gradient.tex (a vector iff step is unknown), and variance_decomposition.tex, accepted alone
but raising StopIteration out of SymPy's simplify after some other files in the same process
(bench/README.md, the check corpus results)."""

CAUGHT: tuple[str, ...] = (
    "planted/mle_poisson__sign.tex",
    "planted/mle_bernoulli__sign.tex",
    "planted/logistic_loss_one__sign.tex",
    "planted/ols_gradient__sign.tex",
    "planted/ineq_x_plus_inverse__sign.tex",
    "planted/softmax_derivative__sign.tex",
    "planted/logistic_sigmoid_derivative__sign.tex",
    "planted/solve_linear__sign.tex",
    "planted/solve_quadratic__sign.tex",
    "planted/mle_exponential__factor.tex",
    "planted/mle_normal_mean__factor.tex",
    "planted/mle_normal_variance__factor.tex",
    "planted/mle_gamma_rate__factor.tex",
    "planted/ridge_gradient__factor.tex",
    "planted/ols_residual_norm__factor.tex",
    "planted/ols_residual_norm__factor2.tex",
    "planted/ineq_amgm__factor.tex",
    "planted/ineq_cauchy_schwarz__factor.tex",
    "planted/variance_sum_squares__factor.tex",
    "planted/variance_decomposition__factor.tex",
    "planted/covariance_identity__factor.tex",
    "planted/ls_simple_normal_equations__factor.tex",
    "planted/solve_exponential__factor.tex",
    "planted/mle_geometric__dropped_term.tex",
    "planted/softmax_cross_entropy__dropped_term.tex",
    "planted/softmax_cross_entropy__extra_term.tex",
    "planted/chain_log1p__extra_term.tex",
    "planted/variance_bias_algebra__extra_term.tex",
    "planted/grad_bilinear__transpose.tex",
    "planted/grad_trace__transpose.tex",
    "planted/grad_trace__reversed_product.tex",
    "planted/transpose_product__reversed_product.tex",
    "planted/transpose_product__reversed_product2.tex",
    "planted/grad_quadratic_general__symmetric_2Ax.tex",
    "planted/grad_trace__symmetric_2Ax.tex",
    "planted/chain_power_rule__power.tex",
    "planted/mle_poisson_curvature__power.tex",
    "planted/normal_loglik_const__power.tex",
    "planted/chain_log1p__chain_factor.tex",
    "planted/chain_tanh_unit__chain_factor.tex",
    "planted/chain_softplus__chain_factor.tex",
    "planted/chain_sqrt_exp__chain_factor.tex",
    "planted/logistic_regression_sum__chain_factor.tex",
    "planted/weighted_mean__escaped_index.tex",
    "planted/logistic_regression_sum__escaped_index.tex",
    "planted/ls_simple_slope__escaped_index.tex",
    "planted/ols_bold_notation__sign.tex",
    "planted/frobenius_gradient__factor.tex",
    "planted/mse_decomposition__factor.tex",
    "planted/logistic_vector_gradient__chain_factor.tex",
    "planted/mle_normal_ell_notation__factor.tex",
    "planted/binomial_ell_prime__sign.tex",
    "planted/ineq_bernoulli_variance__inequality.tex",
    "planted/ineq_mean_square__inequality.tex",
    "planted/mle_poisson__dropped_term.tex",
    "planted/frobenius_gradient__dropped_term.tex",
    "planted/weighted_mean__extra_term.tex",
    "planted/grad_quadratic_symmetric__extra_term.tex",
    "planted/weighted_mean__escaped_index2.tex",
    "planted/sum_squares_mean__escaped_index.tex",
    "planted/logistic_sigmoid_derivative__power.tex",
    "planted/ls_through_origin__power.tex",
    "planted/transpose_square__reversed_product.tex",
    "planted/grad_quadratic_nonsym__symmetric_2Ax.tex",
    "planted/grad_quadratic_nonsym__symmetric_2Ax2.tex",
    "planted/grad_logdet__transpose.tex",
    "planted/grad_bilinear__transpose2.tex",
    "planted/ols_gradient__factor.tex",
    "planted/sum_squares_mean__chain_factor.tex",
    "planted/ls_through_origin__chain_factor.tex",
    "planted/logistic_sigmoid_derivative__sign2.tex",
    "planted/mle_geometric__sign.tex",
    "planted/solve_linear__dropped_term.tex",
    "planted/solve_linear__sign2.tex",
    "planted/mle_geometric__factor.tex",
    "planted/solve_log_equation__factor.tex",
    "planted/solve_quadratic__root.tex",
    "planted/solve_linear__root.tex",
    "planted/mle_poisson__root.tex",
    "planted/ls_through_origin__root.tex",
    "planted/solve_log_equation__factor2.tex",
    "planted/expect_sample_mean_bias__factor.tex",
    "planted/expect_sample_mean_variance__factor.tex",
    "planted/expect_mle_variance_bias__dropped_term.tex",
    "planted/expect_mse_decomposition__sign.tex",
    "planted/expect_var_sum_independent__sign.tex",
    "planted/expect_poisson_score__power.tex",
    "planted/expect_bernoulli_score__factor.tex",
    "planted/expect_normal_moments__factor.tex",
    "planted/expect_quadratic_form__dropped_term.tex",
)
"""Planted copies whose slip is refuted at its line, with a hint that names the slip (but a bound that
fails, ``inequality``, which asks for no hint)."""

NAMED_BY: dict[str, frozenset[str]] = {"dropped_term": frozenset({"dropped_term", "difference"}),
                                       "extra_term": frozenset({"extra_term", "difference"})}
"""A dropped or extra term may also be named by what the two sides differ by."""


CAUGHT_UNNAMED: tuple[str, ...] = (
    "planted/expect_var_affine__power.tex",
    "planted/expect_cov_bilinear__dropped_term.tex",
    "planted/expect_var_sum_dependent__factor.tex",
    "planted/expect_second_moment__factor.tex",
)
"""Planted copies refuted at their line whose hint does not name the slip yet (slips inside expectations:
the diagnosis does not look inside them)."""


def test_manifest_is_current() -> None:
    """planted/ and manifest.json are what bench/make_check_corpus.py writes from the correct files."""
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "make_check_corpus.py"), "--check"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_lists_name_manifest_files() -> None:
    for name in ACCEPTED:
        assert MANIFEST[name]["expected"] == "correct", name
    for name in CAUGHT:
        assert MANIFEST[name]["expected"] == "incorrect", name
    for name in CAUGHT_UNNAMED:
        assert MANIFEST[name]["expected"] == "incorrect" and name not in CAUGHT, name
    assert len(set(ACCEPTED)) == len(ACCEPTED) and len(set(CAUGHT)) == len(CAUGHT)


@pytest.mark.slow
@pytest.mark.parametrize("name", ACCEPTED)
def test_correct_file_is_accepted(name: str) -> None:
    accepted(CORPUS / name)


@pytest.mark.slow
@pytest.mark.parametrize("name", CAUGHT)
def test_planted_error_is_caught_at_its_line(name: str) -> None:
    first = caught_at_line(CORPUS / name, MANIFEST[name]["line"])
    entry = MANIFEST[name]
    if entry["kind"] != "inequality":
        named = frozenset().union(*(NAMED_BY.get(k, frozenset({k})) for k in [entry["kind"], *entry["also"]]))
        assert first.hint is not None and first.hint.kind in named, first.hint


@pytest.mark.slow
@pytest.mark.parametrize("name", CAUGHT_UNNAMED)
def test_planted_error_without_a_named_hint_is_caught_at_its_line(name: str) -> None:
    from derive.checker.api import check

    first = check(CORPUS / name).report.first_error
    assert first is not None
    assert first.line == MANIFEST[name]["line"], (first.line, first.certificate.describe())
