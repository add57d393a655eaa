"""The MLE corpus stays right: every row that passes in ``bench/results/mle_corpus.txt`` keeps passing.

``bench/mle_corpus.py`` holds hand-typed textbook densities with their known answers, and
``bench/bench_mle_corpus.py`` runs one through ``derive.mle`` and checks the answer against the textbook,
against numeric maximization of the corpus's own log-density on simulated samples, and the Fisher
information against quadrature (``run_row``; ``passes`` says what passing means). Here the same function
runs each row listed in PASSING (72 of the 93 on main), correctness only: the row passes and derive
certifies it; no time is asserted. A row that does not pass yet is
not listed; when derive learns it, add it here with the bench result that shows it passing.
"""
from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
SECONDS = 120.0
"""derive's budget per row: generous, since only correctness is asserted here (the bench uses 60 s)."""

PASSING: tuple[str, ...] = (
    "exp-mean",
    "exp-mean/tex",
    "exp-shift-known",
    "exp-location",
    "exp-location/tex",
    "exp-two-param",
    "rayleigh-sigma",
    "rayleigh-sigma/tex",
    "rayleigh-theta",
    "maxwell",
    "maxwell/tex",
    "half-normal",
    "half-normal/tex",
    "levy-scale",
    "inverse-gaussian",
    "lognormal-mu",
    "lognormal-median",
    "lognormal-sigma",
    "lognormal-sigma/tex",
    "weibull-known-shape",
    "weibull-known-shape/tex",
    "weibull-rate",
    "frechet-known-shape",
    "gumbel-location",
    "gumbel-location/tex",
    "gumbel-scale",
    "pareto-shape",
    "pareto-shape/tex",
    "lomax-shape",
    "pareto-scale-known-shape",
    "power-function",
    "power-function/tex",
    "beta-1-theta",
    "rice-theta-plus-one",
    "kumaraswamy-b",
    "beta-theta-theta",
    "laplace-scale",
    "laplace-scale/tex",
    "laplace-location",
    "cauchy-location",
    "cauchy-location/tex",
    "cauchy-scale",
    "logistic-location",
    "student-t3-location",
    "log-logistic-known-shape",
    "normal-mean-latex",
    "normal-var-known-mean",
    "normal-precision",
    "normal-theta-theta",
    "normal-theta-theta/tex",
    "gamma-known-shape",
    "gamma2-scale",
    "gamma2-scale/tex",
    "gamma-shape",
    "inverse-gamma-scale",
    "inverse-gamma-scale/tex",
    "chi2-scale",
    "chi2-df",
    "triangle-scale",
    "geometric-failures",
    "geometric-failures/tex",
    "negbin-known-r",
    "bernoulli-logit",
    "bernoulli-logit/tex",
    "binomial-typed",
    "poisson-offset",
    "poisson-offset/tex",
    "poisson-theta-squared",
    "zt-poisson",
    "zt-poisson/tex",
    "hardy-weinberg",
    "discrete-uniform",
)
"""Row ids (``ID`` typed as plain text, ``ID/tex`` its LaTeX spelling) that pass on the bench run."""


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    import bench_mle_corpus

    return bench_mle_corpus


def test_passing_rows_name_corpus_items(bench: ModuleType) -> None:
    ids = {item.id: item for item in bench.ITEMS}
    for row_id in PASSING:
        item_id, _, tex = row_id.partition("/")
        assert item_id in ids, row_id
        assert tex in ("", "tex") and (not tex or ids[item_id].latex), row_id


def test_corpus_is_large_enough(bench: ModuleType) -> None:
    """At least 45 densities, at least 30 of them beyond the 15 built-in families (issue 11, item 7)."""
    assert len(bench.ITEMS) >= 45
    assert sum(item.family is None for item in bench.ITEMS) >= 30
    assert len({item.id for item in bench.ITEMS}) == len(bench.ITEMS)


@pytest.mark.slow
@pytest.mark.parametrize("row_id", PASSING)
def test_row_stays_passing(bench: ModuleType, row_id: str) -> None:
    item_id, _, tex = row_id.partition("/")
    item = next(i for i in bench.ITEMS if i.id == item_id)
    row = bench.run_row(item, item.latex if tex else item.text, row_id, SECONDS)
    assert bench.passes(row) and row.certified, (
        f"{row_id}: status {row.status}, certified {row.certified}, known {row.vs_known or '-'}, numeric {row.vs_numeric or '-'}, "
        f"Fisher {row.fisher or '-'}; {row.error}; " + " | ".join(d for d in row.details if not d.startswith("Traceback")))
