"""The regression summary of ``derive ls --data``: R's summary(lm) numbers, their formulas, and their checks.
Oracles: NIST StRD's certified standard deviations of the estimates, residual standard deviation,
R² (about zero for the no-intercept sets, as R's summary.lm) and F (tests/lsq/nist_summary.json, from
the certified-values pages of the data sets in bench/data/nist), and scipy's t and F distributions with
numpy's normal-equation algebra on random data computed here. Wrong formulas and wrong numbers put in
by hand must be refuted.
"""
from __future__ import annotations

import csv
import re
import dataclasses
import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from scipy import stats

from derive.core.budget import Budget
from derive.core.contract import Refuted, is_certified
from derive.lsq.model import RegressionSummary
from derive.lsq.models import model_class
from derive.lsq.summary import (
    certify_scalar_chain, certify_summary, number_checks, roles_of, summarize, summary_steps, whiten,
)
from tests.conftest import ROOT, run_derive

NIST = ROOT / "bench" / "data" / "nist"
CERTIFIED = json.loads((Path(__file__).parent / "nist_summary.json").read_text())
DIGITS = 12
"""Correct significant digits required of every certified summary number."""


def lre(value: float, certified: str) -> float:
    """Log relative error: the number of correct significant digits (15 when equal; absolute where certified 0)."""
    c = float(certified)
    if value == c:
        return 15.0
    return -math.log10(abs(value - c) / (abs(c) if c else 1.0))


TERMS = {"Longley": "x1,x2,x3,x4,x5,x6", "Pontius": "poly(x, 2)", "Filip": "poly(x, 10)"}
SHIPPED = ("Norris", "Pontius", "NoInt1", "NoInt2", "Longley")
HARD = ("Filip", "Wampler1", "Wampler2", "Wampler3", "Wampler4", "Wampler5")


def nist_run(name: str, *extra: str) -> Any:
    """``derive ls --data`` on a NIST set with its certified model's terms and intercept."""
    x = TERMS.get(name, "poly(x, 5)" if name.startswith("Wampler") else "x")
    intercept = [] if name.startswith("NoInt") else ["--intercept"]
    return run_derive("ls", "--data", str(NIST / f"{name}.csv"), "--x", x, "--y", "y", *intercept, *extra)


def nist_design(name: str) -> tuple[np.ndarray, np.ndarray, list[str], bool]:
    """(X, y, column names, intercept) of a NIST set as the certified model has it, in double precision."""
    with open(NIST / f"{name}.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    y = np.array([float(r["y"]) for r in rows])
    if name == "Longley":
        names = [f"x{j}" for j in range(1, 7)]
        cols = [np.array([float(r[c]) for r in rows]) for c in names]
    else:
        x = np.array([float(r["x"]) for r in rows])
        names, cols = (["x", "x^2"], [x, x**2]) if name == "Pontius" else (["x"], [x])
    intercept = not name.startswith("NoInt")
    if intercept:
        names, cols = ["(intercept)", *names], [np.ones_like(y), *cols]
    return np.column_stack(cols), y, names, intercept


def assert_certified_values(s: dict[str, Any], name: str, digits: float = DIGITS) -> None:
    """Every certified number of ``name`` to ``digits`` digits in a JSON summary."""
    cert = CERTIFIED[name]
    got = {"residual_sd": s["residual_standard_error"], "r_squared": s["r_squared"]}
    for k, v in got.items():
        assert lre(v, cert[k]) >= digits, (name, k, v, cert[k])
    for row, sd in zip(s["coefficients"], cert["sd"], strict=True):
        assert lre(row["std_error"], sd) >= digits, (name, row, sd)
    if "f_statistic" in cert:
        assert lre(s["f_statistic"], cert["f_statistic"]) >= digits


def check_nist(name: str) -> dict[str, Any]:
    run = nist_run(name, "--format", "json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["certified"] is True
    s = doc["data_fit"]["summary"]
    assert s["computed"] is True and s["certified"] is True
    assert_certified_values(s, name)
    assert s["r_squared_about"] == ("zero" if name.startswith("NoInt") else "mean")  # NIST and R: about 0 without
    assert all(st["certificate"].startswith(("proved", "plausible")) for st in s["steps"])
    return s


@pytest.mark.slow
@pytest.mark.parametrize("name", SHIPPED)
def test_nist_certified_summary_through_the_cli(name: str) -> None:
    s = check_nist(name)
    assert s["df_residual"] == {"Norris": 34, "NoInt1": 10, "NoInt2": 2, "Pontius": 37, "Longley": 9}[name]
    for row in s["coefficients"]:  # numbers as numbers
        assert all(isinstance(row[k], float) for k in ("estimate", "std_error", "t_value", "p_value"))


@pytest.mark.slow
@pytest.mark.parametrize("name", HARD)
def test_nist_certified_summary_of_the_hard_sets(name: str) -> None:
    """Filip (degree 10) and Wampler1-5 (degree 5; 1 and 2 fit exactly: every standard error 0, t undefined)."""
    s = check_nist(name)
    perfect = name in ("Wampler1", "Wampler2")
    assert all((row["t_value"] is None) == perfect for row in s["coefficients"])
    assert (s["f_statistic"] is None) == perfect
    assert any("perfect fit" in n for n in s["notes"]) == perfect


@pytest.mark.parametrize("name", SHIPPED)
def test_nist_certified_summary_from_the_certified_estimates(name: str) -> None:
    """The library path (QR of the column-scaled design in double precision) at the certified coefficients."""
    X, y, names, intercept = nist_design(name)
    certified = json.loads((NIST / "certified.json").read_text())[name]["certified_coefficients"]
    b = np.array([float(v) for v in certified])
    s = summarize(model_class("ols")(), X, y, b, columns=names, intercept=intercept)
    doc = {"residual_standard_error": s.sigma, "r_squared": s.r_squared, "f_statistic": s.f_statistic,
           "coefficients": [{"std_error": r.std_error} for r in s.rows]}
    assert_certified_values(doc, name, digits=12)
    assert all(not isinstance(c.certificate, Refuted) for c in s.checks), [c.certificate for c in s.checks]


# -- against scipy and numpy on random data ---------------------------------------------------------


def reference_summary(X: np.ndarray, y: np.ndarray, w: np.ndarray | None, intercept: bool) -> dict[str, Any]:
    """R's summary.lm by the textbook formulas: normal equations with numpy, tails with scipy."""
    keep = np.ones(len(y), bool) if w is None else w > 0
    X, y = X[keep], y[keep]
    w = np.ones(len(y)) if w is None else w[keep]
    n, p = X.shape
    G = X.T @ (w[:, None] * X)
    b = np.linalg.solve(G, X.T @ (w * y))
    e = y - X @ b
    rss = float(w @ e**2)
    df = n - p
    sigma = math.sqrt(rss / df)
    se = sigma * np.sqrt(np.diag(np.linalg.inv(G)))
    t = b / se
    k = 1 if intercept else 0
    tss = float(w @ (y - (w @ y) / w.sum()) ** 2) if intercept else float(w @ y**2)
    r2 = 1 - rss / tss
    f = ((tss - rss) / (p - k)) / (rss / df) if p > k else math.nan
    return {"b": b, "se": se, "t": t, "p": 2 * stats.t.sf(np.abs(t), df), "sigma": sigma, "r2": r2,
            "adj": 1 - (1 - r2) * (n - k) / df, "f": f, "fp": stats.f.sf(f, p - k, df) if p > k else math.nan, "n": n}


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), weighted=st.booleans(), intercept=st.booleans(), p=st.integers(1, 5),
       extra=st.integers(3, 30))
@pytest.mark.slow
def test_numbers_match_textbook_formulas_and_scipy(seed: int, weighted: bool, intercept: bool, p: int,
                                                   extra: int) -> None:
    """On random data of random sizes (two zero weights dropped when weighted), R's numbers by the textbook."""
    rng = np.random.default_rng(seed)
    n = p + extra + (2 if weighted else 0)
    X = rng.standard_normal((n, p))
    if intercept:
        X[:, 0] = 1.0
    y = X @ rng.standard_normal(p) + rng.standard_normal(n)
    w = rng.uniform(0.2, 3.0, n) if weighted else None
    if w is not None:
        w[[1, n - 1]] = 0.0  # R's lm: a zero weight drops its observation
    ref = reference_summary(X, y, w, intercept)
    model = model_class("wls" if weighted else "ols")()
    s = summarize(model, X, y, ref["b"], columns=[f"c{j}" for j in range(p)], intercept=intercept, weights=w)
    assert s.n == ref["n"] == p + extra
    assert s.method == ("wls" if weighted else "ols")
    np.testing.assert_allclose([r.std_error for r in s.rows], ref["se"], rtol=1e-12)
    np.testing.assert_allclose([r.t_value for r in s.rows], ref["t"], rtol=1e-12)
    np.testing.assert_allclose([r.p_value for r in s.rows], ref["p"], rtol=1e-10)
    assert s.r_squared_about == ("weighted mean" if weighted and intercept else "mean" if intercept else "zero")
    assert s.sigma == pytest.approx(ref["sigma"], rel=1e-10)
    if intercept and p == 1:  # the intercept alone: R gives R² = 0 and no F
        assert (s.r_squared, s.adj_r_squared, s.f_statistic) == (0.0, 0.0, None)
    else:
        for ours, theirs in ((s.r_squared, ref["r2"]), (s.adj_r_squared, ref["adj"]), (s.f_statistic, ref["f"]),
                             (s.f_p_value, ref["fp"])):
            assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12)
        assert s.f_df == (p - (1 if intercept else 0), ref["n"] - p)
    assert any("zero weight dropped" in note for note in s.notes) == weighted
    assert all(not isinstance(c.certificate, Refuted) for c in s.checks)


def test_wrong_numbers_are_refuted() -> None:
    X, y, names, intercept = nist_design("Norris")
    d = np.linalg.norm(X, axis=0)
    b = np.linalg.lstsq(X / d, y, rcond=None)[0] / d
    s = summarize(model_class("ols")(), X, y, b, columns=names, intercept=intercept)
    w = whiten(X, y, None, None)
    bad_se = dataclasses.replace(s, rows=(dataclasses.replace(s.rows[0], std_error=s.rows[0].std_error * 1.001),
                                          *s.rows[1:]))
    bad_r2 = dataclasses.replace(s, r_squared=s.r_squared - 1e-6)  # type: ignore[operator]
    bad_p = dataclasses.replace(s, rows=(dataclasses.replace(s.rows[0], p_value=s.rows[0].p_value * 1.01),
                                         *s.rows[1:]))
    bad_t = dataclasses.replace(s, rows=(*s.rows[:1], dataclasses.replace(s.rows[1], t_value=s.rows[1].t_value + 1)))
    bad_sigma = dataclasses.replace(s, sigma=s.sigma * (1 + 1e-7))
    for wrong, what in ((bad_se, "standard errors"), (bad_r2, "R²"), (bad_p, "p-values"), (bad_t, "t values"),
                        (bad_sigma, "residual standard error")):
        refuted = [c.name for c in number_checks(wrong, w, intercept) if isinstance(c.certificate, Refuted)]
        assert refuted and refuted[0].startswith(what), (what, refuted)


def test_a_perfect_fit_has_zero_standard_errors_and_no_t() -> None:
    X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0], [1.0, 4.0]])
    y = X @ np.array([1.0, 2.0])  # exactly on the line
    s = summarize(model_class("ols")(), X, y, np.array([1.0, 2.0]), columns=["(intercept)", "x"], intercept=True)
    assert s.sigma == 0.0 and [r.std_error for r in s.rows] == [0.0, 0.0]
    assert all(math.isnan(r.t_value) and math.isnan(r.p_value) for r in s.rows)
    assert s.r_squared == 1.0 and s.f_statistic is None
    assert any(n.startswith("a perfect fit") for n in s.notes)
    assert s.checks and all(not isinstance(c.certificate, Refuted) for c in s.checks)


def test_far_tail_pvalues_are_checked_accurately() -> None:
    """Norris's slope has t = 2332 on 34 degrees of freedom: p = 4.65e-90, checked by quadrature to 1e-9."""
    X, y, names, intercept = nist_design("Norris")
    d = np.linalg.norm(X, axis=0)
    b = np.linalg.lstsq(X / d, y, rcond=None)[0] / d
    s = summarize(model_class("ols")(), X, y, b, columns=names, intercept=intercept)
    assert s.rows[1].p_value == pytest.approx(2 * stats.t.sf(s.rows[1].t_value, 34), rel=1e-9)
    assert 1e-91 < s.rows[1].p_value < 1e-89
    assert s.f_p_value == pytest.approx(s.rows[1].p_value, rel=1e-9)  # one regressor: F = t²


# -- the formulas ----------------------------------------------------------------------------


@pytest.mark.parametrize("method,intercept", [("ols", True), ("ols", False), ("wls", True), ("gls", False)])
def test_formulas_are_certified(method: str, intercept: bool) -> None:
    model = model_class(method)()
    base = RegressionSummary(method=method, intercept=intercept, steps=summary_steps(roles_of(model), intercept))
    s = certify_summary(base, roles_of(model), Budget(seconds=120).start())
    kinds = [st.kind for st in s.steps]
    assert kinds[:7] == ["mean", "variance", "residual", "rss", "expected_rss", "distribution", "t_pvalue"]
    assert ("tss" in kinds) == (method != "gls")  # no R² for gls (as nlme's summary.gls)
    assert s.certified, [(st.kind, st.certificate) for st in s.steps]


def test_wrong_formulas_are_refuted() -> None:
    model = model_class("ols")()
    r = roles_of(model)
    steps = {st.kind: st for st in summary_steps(r, True)}
    adj = steps["adjusted"]
    n, p, rss, tss = (sp.Symbol(x, positive=True) for x in ("n", "p", "RSS", "TSS"))
    wrong_adj = dataclasses.replace(adj, chain=(adj.chain[0], 1 - (rss / (n - p)) / (tss / n)))
    assert isinstance(certify_scalar_chain(wrong_adj), Refuted)
    from derive.lsq.summary import certify_matrix_chain
    from derive.matrix import expr as M

    er = steps["expected_rss"]
    wrong = dataclasses.replace(er, chain=(er.chain[0], M.const(r.sigma**2 * (r.n - r.p + 1))))
    assert isinstance(certify_matrix_chain(wrong, r, True, Budget(seconds=60).start(), 5), Refuted)


# -- what is not computed ----------------------------------------------------------------------


@pytest.mark.slow
def test_ridge_summary_is_not_computed_with_its_reason() -> None:
    args = ["ls", "--model", "ridge", "--data", str(NIST / "Norris.csv"), "--x", "x", "--y", "y", "--lam", "0.5"]
    run = run_derive(*args, "--format", "json")
    assert run.returncode == 0, run.stderr
    s = json.loads(run.stdout)["data_fit"]["summary"]
    assert s == {"method": "ols", "computed": False,
                 "not_computed": "ridge estimates are biased; classical standard errors do not apply"}
    text = run_derive(*args, env={"COLUMNS": "80"}).stdout
    assert "not computed (ridge estimates are biased" in text
    assert "Std. Error" not in text and "R-squared" not in text


def test_no_residual_degrees_of_freedom() -> None:
    X = np.array([[1.0, 0.0], [1.0, 1.0]])
    s = summarize(model_class("ols")(), X, np.array([1.0, 3.0]), np.array([1.0, 2.0]), columns=["a", "b"],
                  intercept=True)
    assert s.not_computed.startswith("no residual degrees of freedom") and not s.rows


# -- the formats -------------------------------------------------------------------------------


@pytest.mark.slow
def test_text_latex_markdown_show_the_summary() -> None:
    args = ["ls", "--data", str(NIST / "Norris.csv"), "--x", "x", "--y", "y", "--intercept"]
    text = run_derive(*args, env={"COLUMNS": "80"})
    assert text.returncode == 0
    lines = text.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80  # terminal columns (b̂ is two code points, one column)
    assert "Residual standard error: 0.8847964 on 34 degrees of freedom" in lines
    assert "Multiple R-squared: 0.9999937,  Adjusted R-squared: 0.9999936" in lines
    assert "F-statistic: 5436386 on 1 and 34 DF,  p-value: < 2e-16" in lines
    table = next(i for i, line in enumerate(lines) if "Std. Error" in line)
    assert lines[table + 1].split() == ["(intercept)", "-0.2623231", "0.2328182", "-1.127", "0.268"]
    assert lines[table + 2].split() == ["x", "1.002117", "0.0004297968", "2332", "<", "2e-16"]
    assert "about the mean" in text.stdout
    latex = run_derive(*args, "--format", "latex").stdout
    assert r"\Pr(>|t|)" in latex and "\\begin{gather*}\n\\begin{array}{lrrrr}" in latex
    assert re.search(r"\\operatorname\{Var\}\(\\hat\{b\}\)(?: \\\\\n)?\s*&=", latex)  # beside or above its chain
    assert "Residual standard error: 0.8847964 on 34 degrees of freedom" in latex
    md = run_derive(*args, "--format", "markdown").stdout
    assert "| (intercept) | -0.2623231 | 0.2328182 | -1.127 | 0.268 |" in md
    assert "### Regression summary (ordinary least squares)" in md


@pytest.mark.slow
def test_no_intercept_text_says_r_squared_is_about_zero() -> None:
    run = run_derive("ls", "--data", str(NIST / "NoInt1.csv"), "--x", "x", "--y", "y", env={"COLUMNS": "80"})
    assert run.returncode == 0
    assert "about zero (no intercept: TSS = yᵀy, as R's summary.lm)" in " ".join(run.stdout.split())
    assert "Multiple R-squared: 0.9993655,  Adjusted R-squared: 0.999302" in run.stdout


@pytest.mark.parametrize("t,df", [(2.5, 999_998), (4.6e-8, 15), (0.3, 1), (37.0, 5), (2331.6, 34), (100.0, 749_998),
                                  (30.0, 749_998)])
def test_pvalues_at_any_degrees_of_freedom(t: float, df: int) -> None:
    """Near 1 (t = 5e-8), in the far tail, and at a million degrees of freedom (a 1M-row fit; at t = 100 mpmath's
    hypergeometric series does not converge and the check integrates the density instead)."""
    from derive.lsq.summary import _mp_t_tail, f_pvalue, t_pvalues

    p = float(t_pvalues(np.array([t]), df)[0])
    assert p == pytest.approx(2 * stats.t.sf(t, df), rel=1e-12)
    assert p == pytest.approx(_mp_t_tail(t, df), rel=1e-9)
    assert f_pvalue(t * t, 1, df) == pytest.approx(p, rel=1e-12)  # F(1, df) = t²


def test_a_fit_perfect_up_to_rounding_is_undecided_not_refuted() -> None:
    """Wampler2 through double precision: residuals of 1e-16 make t and F ratios of rounding errors."""
    from derive.core.contract import Unknown

    x = np.arange(21) * 0.1
    X = np.column_stack([np.ones(21), x, x**2])
    y = X @ np.array([0.3, 0.7, 0.11])  # on the curve up to rounding
    d = np.linalg.norm(X, axis=0)
    b = np.linalg.lstsq(X / d, y, rcond=None)[0] / d
    s = summarize(model_class("ols")(), X, y, b, columns=["(intercept)", "x", "x^2"], intercept=True)
    assert 0 < s.sigma < 1e-14
    kinds = {c.name.split(" ")[0]: c.certificate for c in s.checks}
    assert isinstance(kinds["t"], Unknown) and isinstance(kinds["p-values"], Unknown)
    assert not any(isinstance(c.certificate, Refuted) for c in s.checks)
    assert not s.certified


@pytest.mark.tex
@pytest.mark.slow
def test_the_summary_goes_into_the_pdf(tmp_path: Path) -> None:
    """The LaTeX of the summary opens only math environments, so the worked-solution PDF takes it."""
    from tests.conftest import pdf_text

    out = tmp_path / "fit.pdf"
    run = run_derive("ls", "--data", str(NIST / "Norris.csv"), "--x", "x", "--y", "y", "--intercept", "--pdf", str(out))
    assert run.returncode == 0, run.stderr
    text = pdf_text(out)
    assert "Regression summary" in text and "Residual standard error: 0.8847964 on 34 degrees of freedom" in text


@pytest.mark.slow
def test_the_api_gives_the_summary() -> None:
    import derive

    r = derive.ls("ols", data=NIST / "NoInt2.csv", x="x", y="y")
    s = r.summary
    assert s is not None and s.certified and s.r_squared_about == "zero"
    assert lre(s.rows[0].std_error, CERTIFIED["NoInt2"]["sd"][0]) >= DIGITS
    assert derive.ls("ols").summary is None


def test_simple_regression_gets_its_standard_errors_in_sums() -> None:
    """X = [1, x]: [(X^T X)^-1]_22 = 1/S_xx and [(X^T X)^-1]_11 = 1/n + xbar²/S_xx, proved; a wrong one refuted."""
    from derive.lsq.summary import SXX, XBAR, NN

    r = roles_of(model_class("simple")())
    steps = {st.kind: st for st in summary_steps(r, True)}
    from derive.core.contract import Proved

    assert isinstance(certify_scalar_chain(steps["gram_slope"]), Proved)
    assert isinstance(certify_scalar_chain(steps["gram_intercept"]), Proved)
    wrong = dataclasses.replace(steps["gram_intercept"], chain=(steps["gram_intercept"].chain[0], 1 / NN + XBAR / SXX))
    assert isinstance(certify_scalar_chain(wrong), Refuted)
    assert "gram_slope" not in {st.kind for st in summary_steps(roles_of(model_class("ols")()), True)}


@pytest.mark.slow
def test_simple_regression_summary_in_text_shows_the_square_of_the_sum() -> None:
    run = run_derive("ls", "--model", "simple", "--data", str(NIST / "Norris.csv"), "--x", "x", "--y", "y",
                     env={"COLUMNS": "100"})
    assert run.returncode == 0, run.stderr
    assert "= n/(n·Σxᵢ² − (Σxᵢ)²)" in run.stdout and "= 1/n + x̄²/S_xx" in run.stdout
    assert "Residual standard error: 0.8847964 on 34 degrees of freedom" in run.stdout


BIG = [(k, 2 * k + (-1) ** k * 0.01) for k in range(1, 9)]
"""y = 2x with alternating residuals: at scale 1e300 its RSS (about 7.6e596) is beyond double precision's range."""


def _big_and_small(tmp_path: Path, kind: str, x: str, monkeypatch: pytest.MonkeyPatch,
                   exact: bool) -> tuple[RegressionSummary, RegressionSummary]:
    """The summary of the same data written at scale 1e300 and at scale 1, by ``derive ls``'s fit and summary."""
    from derive.lsq import numeric as N
    from derive.lsq.fit import fit_matrix_model, fit_simple
    from derive.lsq.model import DataSpec
    from derive.lsq.summary import summarize_fit
    from derive.lsq.terms import parse_terms

    if not exact:
        monkeypatch.setattr(N, "EXACT_ROWS", 0)
    model = model_class(kind)({})
    sol = model.derive(Budget(seconds=120).start())
    out = []
    for scale in ("e300", ""):
        path = tmp_path / f"data{scale}.csv"
        path.write_text("x,y\n" + "".join(f"{a}{scale},{b}{scale}\n" for a, b in BIG), encoding="utf-8")
        spec = DataSpec(path, (), "y", "", None, kind == "ols", parse_terms(x), False)
        model.data_columns(spec)
        f = fit_simple(sol, spec) if kind == "simple" else fit_matrix_model(model, sol, spec)
        assert f.method == ("exact" if exact else ("float" if kind == "simple" else "qr"))
        out.append(summarize_fit(model, f, True))
    return out[0], out[1]


def _assert_same_summary_at_1e300(big: RegressionSummary, small: RegressionSummary, powers: list[int]) -> None:
    """big's sigma-hat is small's times 1e300 and its standard errors small's times 10^(300 powers[j]), to 12 digits;
    t, p, R², adjusted R² and F equal; everything finite; the checks pass; RSS (not a double) stated in a note."""
    assert small.checks and big.checks and all(not isinstance(c.certificate, Refuted) for c in big.checks)
    assert all(is_certified(c.certificate) for c in big.checks), [c.certificate.describe() for c in big.checks]
    assert math.isfinite(big.sigma) and big.sigma == pytest.approx(small.sigma * 1e300, rel=1e-12)
    for rb, rs, k in zip(big.rows, small.rows, powers, strict=True):
        assert math.isfinite(rb.std_error) and rb.std_error == pytest.approx(rs.std_error * 10.0 ** (300 * k),
                                                                             rel=1e-12)
        assert rb.t_value == pytest.approx(rs.t_value, rel=1e-12, abs=1e-12)
        assert rb.p_value == pytest.approx(rs.p_value, rel=1e-12)
    for attr in ("r_squared", "adj_r_squared", "f_statistic", "f_p_value"):
        vb, vs = getattr(big, attr), getattr(small, attr)
        assert vb is not None and math.isfinite(vb) and vb == pytest.approx(vs, rel=1e-12), attr
    assert math.isinf(big.rss) and math.isfinite(small.rss)
    note = next(n for n in big.notes if n.startswith("RSS = "))
    stated = Decimal(note.split()[2].rstrip(":")) / Decimal(10) ** 600
    assert float(stated) == pytest.approx(small.rss, rel=1e-6)
    assert not any(n.startswith("RSS = ") for n in small.notes)


@pytest.mark.parametrize("kind, x, exact, powers", [
    ("ols", "poly(x, 2)", True, [1, 0, -1]), ("ols", "poly(x, 2)", False, [1, 0, -1]),
    ("simple", "x", True, [1, 0]), ("simple", "x", False, [1, 0]),
])
def test_data_near_1e300_have_the_summary_of_the_same_data_at_scale_1(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, x: str, exact: bool, powers: list[int]) -> None:
    """RSS near 1e597 is no double: the sums are carried scaled by a power of two, so sigma-hat (1e298), the standard
    errors, t, R² and F are the small data's, scaled by what their units say, and the checks compare like with like."""
    big, small = _big_and_small(tmp_path, kind, x, monkeypatch, exact)
    _assert_same_summary_at_1e300(big, small, powers)


def test_the_library_summary_of_data_near_1e300() -> None:
    """``summarize`` on arrays: the same scaling, the same numbers as the data at scale 1."""
    x = np.array([float(a) for a, _ in BIG])
    y = np.array([float(b) for _, b in BIG])
    out = []
    b = np.linalg.lstsq(np.column_stack([np.ones_like(x), x]), y, rcond=None)[0]
    for scale in (1e300, 1.0):
        X = np.column_stack([np.ones_like(x), x * scale])
        out.append(summarize(model_class("ols")(), X, y * scale, b * [scale, 1.0], columns=["(intercept)", "x"], intercept=True))
    _assert_same_summary_at_1e300(out[0], out[1], [1, 0])


def test_a_summary_shown_as_inf_where_its_value_is_a_double_is_refuted() -> None:
    X, y, names, intercept = nist_design("Norris")
    d = np.linalg.norm(X, axis=0)
    b = np.linalg.lstsq(X / d, y, rcond=None)[0] / d
    s = summarize(model_class("ols")(), X, y, b, columns=names, intercept=intercept)
    w = whiten(X, y, None, None)
    bad = dataclasses.replace(s, sigma=math.inf)
    refuted = [c.name for c in number_checks(bad, w, intercept) if isinstance(c.certificate, Refuted)]
    assert refuted and refuted[0].startswith("residual standard error")


def test_a_sigma_beyond_double_precision_is_stated_in_decimal_and_checked() -> None:
    """y near 1.7e308 about its mean: sigma-hat = 1.96e308 is no double. It is stated (note, text), never Inf, and the
    checks compare it in the scaled units, where it is a double; the standard error (1.13e308) is a double."""
    from derive.render.formats.text import summary_lines

    X = np.ones((3, 1))
    y = np.array([1.7e308, -1.7e308, 1.7e308])
    s = summarize(model_class("ols")(), X, y, np.array([1.7e308 / 3]), columns=["(intercept)"], intercept=True)
    assert math.isinf(s.sigma) and s.sigma_beyond_range(7) == "1.962991e+308"  # sqrt((2 (2/3)^2 + (4/3)^2) 1.7^2 / 2)
    assert s.rows[0].std_error == pytest.approx(1.7e308 * (2 / 3), rel=1e-12)  # sigma-hat / sqrt(3)
    assert any("sigma-hat = 1.962991e+308" in n for n in s.notes)
    assert s.checks and all(is_certified(c.certificate) for c in s.checks)
    assert summary_lines(s)[0] == "Residual standard error: 1.962991e+308 on 2 degrees of freedom"


def test_a_fit_made_in_a_worker_brings_its_decided_formulas_and_moment_rules_back(tmp_path: Path,
                                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A sheet's plan fits its model once in the parent (through a worker) before forking the variants: what
    the worker decided (each formula and the moment rules, the same on any data) must come back, so no
    variant decides it again."""
    from derive.lsq import summary
    from derive.lsq.api import ls

    monkeypatch.setattr(summary, "_CERTIFIED", {})
    data = tmp_path / "d.csv"
    data.write_text("x,y\n1,2.1\n2,3.9\n3,6.2\n4,8.1\n5,9.8\n", encoding="utf-8")
    result = ls("ols", data=data, x="x", y="y", intercept=True)
    assert result.certified
    assert summary._MOMENTS_KEY in summary._CERTIFIED
    assert summary._moment_rules() == summary._CERTIFIED[summary._MOMENTS_KEY]
    assert any(key != summary._MOMENTS_KEY for key in summary._CERTIFIED)
