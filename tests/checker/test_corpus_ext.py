"""The corpus of derivations in other authors' styles (``bench/check_corpus_ext``) stays checked.

Like ``test_corpus.py`` for our own corpus: every correct file in ``ACCEPTED`` is accepted and every
planted copy in ``CAUGHT`` is refuted first on the line the manifest names. ``bench/bench_check.py``
measures the whole corpus; this pins what passes. No timing.
"""
from __future__ import annotations

import json

import pytest

from tests.checker.conftest import accepted, caught_at_line

from tests.conftest import ROOT

CORPUS = ROOT / "bench" / "check_corpus_ext"
MANIFEST = {m["file"]: m for m in json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))}

ACCEPTED: tuple[str, ...] = (
    "argmax_normal_mean.tex",
    "bernoulli_entropy.tex",
    "bernoulli_kl_grad.tex",
    "beta_bernoulli_map.tex",
    "binomial_with_binom.tex",
    "bm_logistic_vector.tex",
    "casella_exponential_scale.tex",
    "casella_gamma_known_shape.tex",
    "casella_poisson.tex",
    "cookbook_inverse_transpose.tex",
    "cookbook_least_squares_norm.tex",
    "cookbook_linear_forms.tex",
    "cookbook_logdet.tex",
    "cookbook_quadratic_form.tex",
    "cookbook_trace.tex",
    "cs229_gda_phi.tex",
    "cs229_lms_update.tex",
    "cs229_normal_equations.tex",
    "cs229_softmax_grad.tex",
    "econometrics_prime_transpose.tex",
    "esl_ridge_closed_form.tex",
    "esl_weighted_ls.tex",
    "eval_bar_softplus.tex",
    "gaussian_density_derivative.tex",
    "goodfellow_backprop_one_layer.tex",
    "goodfellow_mse_linear.tex",
    "goodfellow_softmax_ce.tex",
    "inline_therefore_poisson_rate.tex",
    "intertext_logistic_pm.tex",
    "inverse_transpose_trace.tex",
    "map_gaussian_prior.tex",
    "murphy_mvn_quadratic.tex",
    "normal_known_mean_var.tex",
    "ones_vector_mean.tex",
    "pareto_mle.tex",
    "prml_gaussian_mean.tex",
    "prml_gaussian_variance.tex",
    "prml_logistic_score.tex",
    "prml_normal_equations.tex",
    "prml_sigmoid_derivative.tex",
    "rayleigh_mle.tex",
    "simple_regression_sums.tex",
    "sum_bounds_style.tex",
    "tanh_sigmoid_identity.tex",
    "uniform_bound.tex",
    "wasserman_bernoulli.tex",
    "wasserman_geometric.tex",
    "weibull_known_shape.tex",
)
"""Correct derivations that ``derive check`` accepts (all of the corpus)."""

CAUGHT: tuple[str, ...] = (
    "planted/prml_gaussian_mean__sign.tex",
    "planted/wasserman_bernoulli__sign.tex",
    "planted/casella_exponential_scale__sign.tex",
    "planted/bernoulli_kl_grad__sign.tex",
    "planted/goodfellow_softmax_ce__sign.tex",
    "planted/econometrics_prime_transpose__sign.tex",
    "planted/prml_sigmoid_derivative__sign.tex",
    "planted/intertext_logistic_pm__sign.tex",
    "planted/bm_logistic_vector__sign.tex",
    "planted/prml_gaussian_variance__factor.tex",
    "planted/prml_normal_equations__factor.tex",
    "planted/cs229_lms_update__factor.tex",
    "planted/casella_poisson__factor.tex",
    "planted/wasserman_geometric__factor.tex",
    "planted/casella_gamma_known_shape__factor.tex",
    "planted/rayleigh_mle__factor.tex",
    "planted/normal_known_mean_var__factor.tex",
    "planted/map_gaussian_prior__factor.tex",
    "planted/cookbook_least_squares_norm__factor.tex",
    "planted/ones_vector_mean__factor.tex",
    "planted/sum_bounds_style__factor.tex",
    "planted/esl_ridge_closed_form__factor.tex",
    "planted/pareto_mle__dropped_term.tex",
    "planted/bernoulli_entropy__dropped_term.tex",
    "planted/cs229_softmax_grad__dropped_term.tex",
    "planted/weibull_known_shape__extra_term.tex",
    "planted/beta_bernoulli_map__dropped_term.tex",
    "planted/cookbook_trace__extra_term.tex",
    "planted/cookbook_linear_forms__transpose.tex",
    "planted/cookbook_trace__reversed_product.tex",
    "planted/cookbook_logdet__transpose.tex",
    "planted/cookbook_inverse_transpose__reversed_product.tex",
    "planted/cookbook_inverse_transpose__reversed_product2.tex",
    "planted/inverse_transpose_trace__transpose.tex",
    "planted/cs229_normal_equations__sign.tex",
    "planted/cookbook_quadratic_form__symmetric_2Ax.tex",
    "planted/esl_weighted_ls__factor.tex",
    "planted/casella_poisson__power.tex",
    "planted/prml_gaussian_variance__power.tex",
    "planted/uniform_bound__power.tex",
    "planted/gaussian_density_derivative__power.tex",
    "planted/goodfellow_backprop_one_layer__chain_factor.tex",
    "planted/prml_logistic_score__chain_factor.tex",
    "planted/eval_bar_softplus__factor.tex",
    "planted/tanh_sigmoid_identity__chain_factor.tex",
    "planted/gaussian_density_derivative__chain_factor.tex",
    "planted/simple_regression_sums__escaped_index.tex",
    "planted/cs229_gda_phi__escaped_index.tex",
    "planted/casella_exponential_scale__escaped_index.tex",
    "planted/binomial_with_binom__sign.tex",
    "planted/inline_therefore_poisson_rate__factor.tex",
    "planted/pareto_mle__sign.tex",
    "planted/murphy_mvn_quadratic__factor.tex",
    "planted/argmax_normal_mean__power.tex",
    "planted/goodfellow_mse_linear__factor.tex",
)
"""Planted copies whose slip is refuted at its line (all of the corpus)."""


def test_lists_name_manifest_files() -> None:
    for name in ACCEPTED:
        assert MANIFEST[name]["expected"] == "correct", name
    for name in CAUGHT:
        assert MANIFEST[name]["expected"] == "incorrect", name
    assert len(set(ACCEPTED)) == len(ACCEPTED) and len(set(CAUGHT)) == len(CAUGHT)
    assert len(ACCEPTED) >= 40 and len(CAUGHT) >= 40


@pytest.mark.slow
@pytest.mark.parametrize("name", ACCEPTED)
def test_correct_file_is_accepted(name: str) -> None:
    accepted(CORPUS / name)


@pytest.mark.slow
@pytest.mark.parametrize("name", CAUGHT)
def test_planted_error_is_caught_at_its_line(name: str) -> None:
    caught_at_line(CORPUS / name, MANIFEST[name]["line"])
