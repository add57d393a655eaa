"""``derive mle`` end to end: the JSON contract, the text ending, --help, bad input (exit 2), --data,
--of (invariance) and --prior (MAP).

A few real subprocess runs (each certifies numerically, a few seconds) pin exit codes and the JSON
contract; numbers are checked in-process through ``derive.mle`` with ``numeric_value`` on the
SymPy results (never by evaluating the printed strings). Known answers (sample mean, posterior
mode, ``scipy.stats.gamma.fit``) are oracles for the tests only.
"""
from __future__ import annotations

import functools
import json
import math
import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.stats as st
import sympy as sp

import derive
from derive.certify.numeval import numeric_value
from derive.core.errors import DeriveError
from tests.conftest import run_derive

KEYS = {"density", "params", "loglik", "score", "estimator", "closed_form", "method", "fisher_information",
        "second_order", "steps"}
METHODS = {"calculus", "boundary", "subgradient", "numeric"}
ISSUE_EXAMPLE = ("theta^x (1-theta)^(1-x)", "--param", "theta", "--var", "x", "--support", "x in {0,1}",
                 "--where", "0 < theta < 1")
LATEX_NORMAL = (r"\frac{1}{\sqrt{2\pi\sigma^2}} e^{-(x-\mu)^2/(2\sigma^2)}", "--param", "mu", "--param", "sigma2",
                "--support", "x in R", "--where", "sigma2 > 0")
MEAN = "Sum(x[i], (i, 1, n))/n"
MEAN_SQUARED_DEVIATION = "Sum((x[i] - Sum(x[i], (i, 1, n))/n)**2, (i, 1, n))/n"


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``derive mle ARGS`` as a user runs it: ``python -m derive`` from this checkout."""
    return run_derive("mle", *args, timeout=timeout)


@functools.cache
def run_once(*args: str) -> subprocess.CompletedProcess[str]:
    """``run`` memoized: each distinct command runs once per session."""
    return run(*args)


def run_json(*args: str) -> dict[str, Any]:
    """``derive mle ARGS --format json``, parsed."""
    out = run_once(*args, "--format", "json")
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip() == "" or "Traceback" not in out.stderr
    parsed: dict[str, Any] = json.loads(out.stdout)
    return parsed


def check_contract(d: dict[str, Any], params: list[str]) -> None:
    """The keys and types of the issue's JSON contract."""
    assert KEYS <= set(d), f"missing keys: {KEYS - set(d)}"
    assert isinstance(d["density"], str) and d["density"]
    assert d["params"] == params
    assert isinstance(d["loglik"], str) and d["loglik"]
    assert isinstance(d["score"], dict) and list(d["score"]) == params
    assert all(isinstance(v, str) and v for v in d["score"].values())
    assert isinstance(d["estimator"], dict) and list(d["estimator"]) == params
    assert all(v is None or (isinstance(v, str) and v) for v in d["estimator"].values())
    assert isinstance(d["closed_form"], bool)
    assert d["closed_form"] == all(v is not None for v in d["estimator"].values())
    assert d["method"] in METHODS
    assert d["fisher_information"] is None or isinstance(d["fisher_information"], str)
    assert isinstance(d["second_order"], str) and d["second_order"]
    assert isinstance(d["steps"], list) and d["steps"]
    for s in d["steps"]:
        assert isinstance(s, dict)
        assert isinstance(s["kind"], str) and isinstance(s["rhs"], str) and isinstance(s["certificate"], str)
        assert s["lhs"] is None or isinstance(s["lhs"], str)


def sample_data(values: np.ndarray) -> dict[sp.IndexedBase, np.ndarray]:
    return {sp.IndexedBase("x"): np.asarray(values, dtype=float)}


def value(expr: sp.Expr | None, x: np.ndarray, **known: float) -> float:
    """The estimator's value on the sample ``x`` (``n`` is the sample's length)."""
    assert expr is not None
    return numeric_value(expr, {sp.Symbol(k): v for k, v in known.items()}, data=sample_data(x))


def one_line_error(out: subprocess.CompletedProcess[str]) -> str:
    """Exit 2 with exactly one line on stderr, ``derive: error: ...``, and no traceback."""
    assert out.returncode == 2, (out.returncode, out.stdout[-500:], out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("derive: error:"), lines[0]
    assert "Traceback" not in out.stderr
    return lines[0]


# --- help ---------------------------------------------------------------------------------------

def test_help_shows_examples_and_the_families() -> None:
    out = run("--help")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "examples:" in text
    for example in ("derive mle bernoulli", "--prior", "--of 'sqrt(sigma2)'", "--data", "--support 'x in {0,1}'"):
        assert example in text, example
    for family in ("bernoulli", "normal", "gamma", "laplace", "uniform", "poisson", "multinomial"):
        assert family in text, family
    for option in ("--param", "--var", "--support", "--where", "--prior", "--of", "--column", "--start", "--format",
                   "--pdf", "--timeout"):
        assert option in text, option


# --- the JSON contract on families --------------------------------------------------------------

@pytest.mark.slow
def test_bernoulli_json_contract_sample_mean() -> None:
    d = run_json("bernoulli")
    check_contract(d, ["p"])
    assert d["estimator"] == {"p": MEAN}
    assert d["method"] == "calculus" and d["closed_form"] is True
    assert isinstance(d["fisher_information"], str) and "n" in d["fisher_information"]
    assert d["certified"] is True
    assert {s["kind"] for s in d["steps"]} >= {"likelihood", "loglik", "score"}


@pytest.mark.slow
def test_normal_json_both_parameters_mean_then_mean_squared_deviation() -> None:
    d = run_json("normal")
    check_contract(d, ["mu", "sigma2"])
    assert d["estimator"] == {"mu": MEAN, "sigma2": MEAN_SQUARED_DEVIATION}
    assert d["method"] == "calculus" and d["closed_form"] is True
    assert d["certified"] is True
    assert "negative definite" in d["second_order"]


@pytest.mark.slow
def test_uniform_json_sample_max_on_the_boundary() -> None:
    d = run_json("uniform")
    check_contract(d, ["theta"])
    assert d["estimator"] == {"theta": "sample_max(x)"}
    assert d["method"] == "boundary" and d["closed_form"] is True
    assert d["certified"] is True


@pytest.mark.slow
def test_laplace_json_sample_median_by_subgradient() -> None:
    d = run_json("laplace")
    check_contract(d, ["mu", "b"])
    assert d["estimator"]["mu"] == "sample_median(x)"
    assert d["estimator"]["b"] is not None and "sample_median(x)" in d["estimator"]["b"]
    assert d["method"] == "subgradient" and d["closed_form"] is True
    assert d["certified"] is True


@pytest.mark.slow
def test_gamma_json_no_closed_form_numeric_method() -> None:
    d = run_json("gamma")
    check_contract(d, ["alpha", "beta"])
    assert d["estimator"] == {"alpha": None, "beta": None}
    assert d["closed_form"] is False and d["method"] == "numeric"
    assert any("closed form" in note for note in d["notes"])
    assert d["certified"] is True


@pytest.mark.slow
def test_latex_normal_gives_the_same_estimators_as_the_family() -> None:
    d = run_json(*LATEX_NORMAL)
    check_contract(d, ["mu", "sigma2"])
    assert d["estimator"] == {"mu": MEAN, "sigma2": MEAN_SQUARED_DEVIATION}
    assert d["method"] == "calculus" and d["certified"] is True


# --- text output --------------------------------------------------------------------------------

@pytest.mark.slow
def test_issue_example_text_ends_with_a_certified_line() -> None:
    out = run(*ISSUE_EXAMPLE)
    assert out.returncode == 0, out.stderr
    lines = [ln.rstrip() for ln in out.stdout.splitlines() if ln.strip()]
    assert lines[-1].startswith("✓ certified"), lines[-3:]
    assert "NOT certified" not in out.stdout
    estimator = next(ln for ln in lines if ln.startswith("Estimator:"))
    assert "θ̂" in estimator and "x̄" in estimator
    assert "✗" not in out.stdout


@pytest.mark.slow
def test_latex_and_markdown_formats_of_the_issue_example() -> None:
    r = derive.mle("theta^x (1-theta)^(1-x)", params=["theta"], var="x", support="x in {0,1}", where=["0 < theta < 1"])
    assert r.certified
    x = np.array([0, 1, 1, 0, 1, 1, 1, 0])
    assert value(r.estimator["theta"], x) == pytest.approx(x.mean(), rel=1e-12)
    tex = r.to_latex() + r.result_latex()
    assert r"\hat{\theta}" in tex and r"\bar{x}" in tex
    md = r.to_markdown()
    assert "✓ **certified**" in md and "$" in md


# --- bad input: exit 2, one line --------------------------------------------------------------

@pytest.mark.slow
def test_missing_normalizing_constant_is_not_a_density_with_the_value() -> None:
    msg = one_line_error(run("exp(-lam x)", "--param", "lam", "--support", "x > 0", "--where", "lam > 0"))
    assert "not a density" in msg
    m = re.search(r"total is ([0-9.eE+-]+) at lam = ([0-9.eE+-]+)", msg)
    assert m, msg
    total, lam = float(m.group(1)), float(m.group(2))
    assert total == pytest.approx(1 / lam, rel=1e-3)  # the integral of exp(-lam x) on x > 0


@pytest.mark.slow
def test_a_density_that_diverges_on_the_support_reports_an_infinite_total() -> None:
    """lam exp(-lam x) on all of R does not integrate: the mass is infinite, not 0."""
    msg = one_line_error(run("lam exp(-lam x)", "--param", "lam", "--support", "x in R", "--where", "lam > 0"))
    assert "not a density" in msg
    assert "total is 0 " not in msg, msg
    assert "inf" in msg.lower() or "diverge" in msg.lower(), msg


@pytest.mark.slow
def test_a_parameter_that_does_not_appear() -> None:
    msg = one_line_error(run("p^x (1-p)^(1-x)", "--param", "mu", "--support", "x in {0,1}", "--where", "0 < p < 1"))
    assert "'mu'" in msg and "does not appear" in msg


@pytest.mark.slow
def test_a_family_parameter_that_does_not_exist() -> None:
    msg = one_line_error(run("normal", "--param", "tau"))
    assert "'tau'" in msg and "normal" in msg


@pytest.mark.slow
def test_a_support_that_contradicts_the_density() -> None:
    """log(x) is not real on x < 0: the lognormal density on x in R is refused, naming the support."""
    msg = one_line_error(run("1/(x sqrt(2 pi)) exp(-(log(x)-mu)^2/2)", "--param", "mu", "--support", "x in R",
                             "--where", "mu in R"))
    assert "x in R" in msg and "not real" in msg


def test_start_without_data_is_a_usage_error() -> None:
    msg = one_line_error(run("gamma", "--start", "alpha=2"))
    assert "--data" in msg


@pytest.mark.parametrize(("content", "needles"), [
    ("x,y\n1.2,1\n,2\n2.0,3\n", ("row 3", "'x'", "missing")),
    ("x,y\n1.2,1\n2.0,3\nabc,4\n", ("row 4", "'x'", "'abc'", "not a number")),
    ("", ("empty",)),
    ("x\n", ("no data",)),
    ("x\n1.2\n-3\n", ("row 3", "'x'", "-3", "outside the support", "x > 0")),
], ids=["missing", "non-numeric", "empty", "header-only", "outside-support"])
@pytest.mark.slow
def test_bad_data_files_name_the_row_and_column(tmp_path: Path, content: str, needles: tuple[str, ...]) -> None:
    path = tmp_path / "sample.csv"
    path.write_text(content)
    msg = one_line_error(run("exponential", "--data", str(path), "--column", "x"))
    for needle in needles:
        assert needle in msg, (needle, msg)


@pytest.mark.slow
def test_bad_value_after_a_blank_line_names_its_row_in_the_file(tmp_path: Path) -> None:
    """Row numbers count the file's rows (header = row 1): a blank line must not shift them."""
    path = tmp_path / "gaps.csv"
    path.write_text("x\n1.2\n\n2.0\nabc\n")  # 'abc' is row 5 of the file
    msg = one_line_error(run("exponential", "--data", str(path)))
    assert "'abc'" in msg and "row 5" in msg, msg


@pytest.mark.slow
def test_bad_input_through_the_python_api_raises_derive_errors(tmp_path: Path) -> None:
    with pytest.raises(DeriveError, match="does not appear") as info:
        derive.mle("lam exp(-lam x)", params=["mu"], support="x > 0", where=["lam > 0"])
    assert isinstance(info.value, ValueError)
    path = tmp_path / "bad.csv"
    path.write_text("x\n1\n2\nseven\n")
    with pytest.raises(DeriveError, match=r"row 4, column 'x'"):
        derive.mle("exponential", data=path)


@pytest.mark.slow
def test_over_budget_exits_3() -> None:
    out = run("weibull", "--timeout", "1")
    assert out.returncode == 3, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr and "budget" in out.stderr


# --- data ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def gamma_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    rng = np.random.default_rng(20240611)
    x = rng.gamma(shape=2.5, scale=1 / 1.7, size=150)
    path = tmp_path_factory.mktemp("mle_data") / "waits.csv"
    path.write_text("id,wait\n" + "".join(f"{k},{v:.10g}\n" for k, v in enumerate(x)))
    return path, np.array([float(f"{v:.10g}") for v in x])


def _gamma_data_json(path: Path) -> dict[str, Any]:
    return run_json("gamma", "--data", str(path), "--column", "wait")


@pytest.mark.slow
def test_gamma_data_newton_iterates_reach_scipy_fit(gamma_sample: tuple[Path, np.ndarray]) -> None:
    path, x = gamma_sample
    d = _gamma_data_json(path)
    check_contract(d, ["alpha", "beta"])
    alpha, _, scale = st.gamma.fit(x, floc=0)
    its = d["iterates"]
    assert its, "no iterates reported"
    assert d["iteration_method"] in ("Newton-Raphson", "Fisher scoring")
    assert [it["k"] for it in its] == list(range(len(its)))
    last = its[-1]["values"]
    assert last[0] == pytest.approx(alpha, rel=1e-6)
    if len(last) > 1:
        assert last[1] == pytest.approx(1 / scale, rel=1e-6)
    on_data = next(c for c in d["checks"] if "on the data" in c["check"])
    assert on_data["certificate"].startswith("plausible")
    beta = float(re.search(r"beta = ([0-9.eE+-]+)", on_data["detail"]).group(1))  # type: ignore[union-attr]
    assert beta == pytest.approx(1 / scale, rel=1e-6)
    assert d["certified"] is True


@pytest.mark.slow
def test_gamma_data_iterates_have_finite_log_likelihoods(gamma_sample: tuple[Path, np.ndarray]) -> None:
    """The iterates table carries the log-likelihood at each iterate: a number, and the JSON is strict."""
    path, x = gamma_sample
    out = run_once("gamma", "--data", str(path), "--column", "wait", "--format", "json")
    assert out.returncode == 0, out.stderr

    def no_constants(name: str) -> float:
        raise AssertionError(f"not strict JSON: {name}")

    d = json.loads(out.stdout, parse_constant=no_constants)
    lls = [it["loglik"] for it in d["iterates"]]
    assert lls and all(isinstance(v, float) and math.isfinite(v) for v in lls), lls
    alpha, _, scale = st.gamma.fit(x, floc=0)
    assert lls[-1] == pytest.approx(float(np.sum(st.gamma.logpdf(x, alpha, scale=scale))), rel=1e-8)


@pytest.mark.slow
def test_gamma_data_start_value_is_the_first_iterate(gamma_sample: tuple[Path, np.ndarray]) -> None:
    path, x = gamma_sample
    r = derive.mle("gamma", data=path, column="wait", start={"alpha": 4.0})
    its = r.derivation.iterates
    assert its and its[0].values[0] == 4.0
    alpha, _, _ = st.gamma.fit(x, floc=0)
    assert its[-1].values[0] == pytest.approx(alpha, rel=1e-6)


@pytest.mark.slow
def test_closed_form_estimate_on_data(tmp_path: Path) -> None:
    x = np.random.default_rng(5).exponential(scale=0.4, size=60).round(6)
    path = tmp_path / "times.csv"
    path.write_text("x\n" + "".join(f"{v}\n" for v in x))
    r = derive.mle("exponential", data=path)
    assert r.certified
    check = next(c for c in r.derivation.checks if "on the data" in c.name)
    assert check.certificate.word == "plausible"
    lam = float(re.search(r"lam = ([0-9.eE+-]+)", check.detail).group(1))  # type: ignore[union-attr]
    assert lam == pytest.approx(1 / x.mean(), rel=1e-8)


# --- invariance ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_of_sqrt_sigma2_by_invariance_is_certified() -> None:
    d = run_json("normal", "--of", "sqrt(sigma2)")
    check_contract(d, ["mu", "sigma2"])
    inv = [s for s in d["steps"] if s["kind"] == "invariance"]
    assert inv, "no invariance step"
    assert not inv[0]["certificate"].startswith("refuted"), inv[0]["certificate"]
    assert d["certified"] is True


@pytest.mark.slow
def test_of_sqrt_sigma2_value_is_the_root_of_the_variance_estimate() -> None:
    r = derive.mle("normal", of=["sqrt(sigma2)"])
    inv = [s for s in r.derivation.steps if s.kind == "invariance"]
    assert len(inv) == 1
    x = np.random.default_rng(3).normal(2.0, 1.5, size=40)
    assert value(inv[0].rhs, x) == pytest.approx(math.sqrt(value(r.estimator["sigma2"], x)), rel=1e-12)
    assert value(inv[0].rhs, x) == pytest.approx(x.std(), rel=1e-12)
    assert inv[0].certificate is not None and inv[0].certificate.word in ("proved", "plausible"), \
        inv[0].certificate
    assert r.certified


# --- MAP ----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_prior_with_numeric_hyperparameters_gives_the_posterior_mode() -> None:
    r = derive.mle("poisson", prior="lam^2 exp(-3 lam)")
    assert r.certified
    x = np.random.default_rng(8).poisson(2.2, size=25)
    assert value(r.estimator["lam"], x) == pytest.approx((x.sum() + 2) / (len(x) + 3), rel=1e-12)


@pytest.mark.slow
def test_prior_with_declared_hyperparameters_gives_the_posterior_mode() -> None:
    """The gamma(a, b) prior with a, b declared by --where: lam-hat = (sum x + a - 1)/(n + b)."""
    r = derive.mle("poisson", prior="lam^(a-1) exp(-b lam)", where=["a > 1", "b > 0"])
    assert r.certified
    x = np.random.default_rng(9).poisson(3.1, size=30)
    for a, b in ((2.0, 0.5), (4.5, 3.0)):
        assert value(r.estimator["lam"], x, a=a, b=b) == pytest.approx((x.sum() + a - 1) / (len(x) + b), rel=1e-12)


@pytest.mark.slow
def test_prior_example_from_help_runs() -> None:
    d = run_json("poisson", "--prior", "lam^(a-1) exp(-b lam)", "--where", "a > 1", "--where", "b > 0")
    check_contract(d, ["lam"])
    assert d["estimator"]["lam"] is not None and d["closed_form"] is True
    assert d["certified"] is True
