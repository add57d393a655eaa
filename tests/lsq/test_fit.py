"""Least squares on data (``derive.lsq.fit``), in process: accuracy on the NIST StRD sets, the design's bad input,
the conventions (ridge's intercept, zero weights), values near the end of double precision, and the summary API.

The models are derived once here without certification (fast); the fits run as ``derive ls --data``
runs them. Expected numbers come from NIST's certified values, from ``fractions`` in this file, or from
numpy on the same data (never from derive.lsq itself).
"""
from __future__ import annotations

import json
import math
from decimal import Context, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from derive.core.budget import Budget
from derive.core.contract import is_certified
from derive.core.errors import DataError, ParseError
from derive.lsq import numeric as N
from derive.lsq.fit import fit_matrix_model, fit_simple
from derive.lsq.model import DataFit, DataSpec
from derive.lsq.models import model_class
from derive.lsq.terms import parse_terms

ROOT = Path(__file__).resolve().parents[2]
NIST = ROOT / "bench" / "data" / "nist"
CERTIFIED: dict[str, Any] = json.loads((NIST / "certified.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def models() -> dict[str, tuple[Any, Any]]:
    out = {}
    for kind in ("ols", "ridge", "wls", "simple"):
        model = model_class(kind)({})
        out[kind] = (model, model.derive(Budget(seconds=120).start()))
    return out


def fit(models: dict[str, tuple[Any, Any]], kind: str, path: Path, x: str, y: str = "y", *, weights: str = "",
        lam: float | None = None, intercept: bool = False, penalize_intercept: bool = False) -> DataFit:
    model, sol = models[kind]
    spec = DataSpec(path, (), y, weights, lam, intercept, parse_terms(x), penalize_intercept)
    model.data_columns(spec)
    if kind == "simple":
        return fit_simple(sol, spec)
    return fit_matrix_model(model, sol, spec)


def lre(estimate: float, certified: str) -> float:
    """Log relative error: the number of correct significant digits (McCullough 1998), capped at 15."""
    c = float(certified)
    if estimate == c:
        return 15.0
    return min(15.0, -math.log10(abs(estimate - c) / abs(c)))


def write(path: Path, header: str, rows: list[tuple[Any, ...]]) -> Path:
    path.write_text(header + "\n" + "".join(",".join(str(v) for v in r) + "\n" for r in rows), encoding="utf-8")
    return path


# -- NIST StRD ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(CERTIFIED))
def test_nist_sets_to_all_certified_digits(models: dict[str, tuple[Any, Any]], name: str) -> None:
    """Every coefficient of every NIST linear set: exact arithmetic, >= 14 correct digits, the 15 certified ones."""
    c = CERTIFIED[name]
    x = c["model"].split("~")[1].strip().replace(" + ", ",")
    f = fit(models, "ols", NIST / f"{name}.csv", x, intercept=c["intercept"])
    assert f.method == "exact"
    assert f.rank == len(c["certified_coefficients"])
    for estimate, digits, certified in zip(f.estimate, f.estimate_digits, c["certified_coefficients"]):
        assert lre(estimate, certified) >= 14.0
        assert Context(prec=15).create_decimal(digits) == Decimal(certified)  # all 15 certified digits
    assert all(is_certified(ch.certificate) for ch in f.checks if ch.required)


@pytest.mark.parametrize("name", list(CERTIFIED))
def test_the_fallback_path_reaches_13_digits(models: dict[str, tuple[Any, Any]], monkeypatch: pytest.MonkeyPatch,
                                             name: str) -> None:
    """Pivoted QR refined in double-double (the exact path off): >= 13 digits on every set, ahead of lstsq.

    Wampler4 and 5 have huge residuals (the residual must be kept in double-double); Filip's
    cond(X) makes its data's rounding to double cost 7 digits (the file is read in double-double).
    """
    monkeypatch.setattr(N, "EXACT_ROWS", 0)
    c = CERTIFIED[name]
    x = c["model"].split("~")[1].strip().replace(" + ", ",")
    f = fit(models, "ols", NIST / f"{name}.csv", x, intercept=c["intercept"])
    assert f.method == "qr"
    ours = min(lre(e, v) for e, v in zip(f.estimate, c["certified_coefficients"]))
    theirs = min(lre(e, v) for e, v in zip(f.reference, c["certified_coefficients"]))
    assert ours >= 13.0 and ours >= theirs, (name, ours, theirs)
    assert ("double-double numbers" in f.method_text) == (f.condition_unit is not None and f.condition_unit >= 100)
    required = [ch for ch in f.checks if ch.required]
    if name == "Filip":  # cond 6e9 with unit columns: lstsq cannot confirm a digit, and derive says so
        assert "cannot tell right from wrong" in required[-1].certificate.describe()
        required = required[:-1]
    assert all(is_certified(ch.certificate) for ch in required)


def test_the_fallback_reads_weights_in_double_double(models: dict[str, tuple[Any, Any]], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """An ill-conditioned weighted polynomial on the QR path against the exact path on the same file."""
    rng = np.random.default_rng(21)
    x = np.round(rng.uniform(0, 20, 60), 3)
    w = np.round(rng.uniform(0.1, 3, 60), 2)
    y = np.round(1 + x + x ** 2 + x ** 3 + x ** 4 + rng.normal(0, 50, 60), 3)
    path = write(tmp_path / "p.csv", "x,y,w", list(zip(x, y, w)))
    exact = fit(models, "wls", path, "poly(x, 4)", weights="w", intercept=True)
    monkeypatch.setattr(N, "EXACT_ROWS", 0)
    qr = fit(models, "wls", path, "poly(x, 4)", weights="w", intercept=True)
    assert exact.method == "exact" and qr.method == "qr" and "double-double numbers" in qr.method_text
    np.testing.assert_allclose(qr.estimate, exact.estimate, rtol=1e-14)


def test_conditioning_is_of_x_not_of_its_gram_matrix(models: dict[str, tuple[Any, Any]]) -> None:
    f = fit(models, "ols", NIST / "Longley.csv", "x1,x2,x3,x4,x5,x6", intercept=True)
    cols = np.loadtxt(NIST / "Longley.csv", delimiter=",", skiprows=1)
    header = (NIST / "Longley.csv").read_text().splitlines()[0].split(",")
    X = np.column_stack([np.ones(len(cols))] + [cols[:, header.index(f"x{k}")] for k in range(1, 7)])
    assert f.condition == pytest.approx(np.linalg.cond(X), rel=1e-6)
    assert f.condition_unit is not None and f.condition_unit < 1e5
    assert any("differ greatly in scale" in n for n in f.notes)  # cond(X) 5e9 is mostly the columns' scales
    filip = fit(models, "ols", NIST / "Filip.csv", "poly(x, 10)", intercept=True)
    assert filip.condition_unit is not None and filip.condition_unit > 1e8 and filip.rank == 11
    assert any(n.startswith("X is ill-conditioned") for n in filip.notes)  # warned, not refused


# -- the summary API ------------------------------------------------------------------------------------

def test_summary_numbers_are_exact_on_longley(models: dict[str, tuple[Any, Any]]) -> None:
    f = fit(models, "ols", NIST / "Longley.csv", "x1,x2,x3,x4,x5,x6", intercept=True)
    assert f.stats_exact and f.df_residual == 9
    assert f.rss == pytest.approx(836424.055505915, rel=1e-14)  # NIST: residual SD 304.854073561965 on 9 df
    assert math.sqrt(f.rss / 9) == pytest.approx(304.854073561965, rel=1e-14)
    assert 1 - f.rss / f.tss == pytest.approx(0.995479004577296, rel=1e-14)  # NIST's certified R^2
    assert f.unscaled_cov_diag is not None
    se = [math.sqrt(v * f.rss / 9) for v in f.unscaled_cov_diag]
    assert se[0] == pytest.approx(890420.383607373, rel=1e-12)  # NIST's certified standard deviations
    assert se[6] == pytest.approx(455.478499142212, rel=1e-12)


@pytest.mark.parametrize("exact", [True, False])
def test_summary_numbers_match_numpy_on_either_path(models: dict[str, tuple[Any, Any]], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch, exact: bool) -> None:
    if not exact:
        monkeypatch.setattr(N, "EXACT_ROWS", 0)
    rng = np.random.default_rng(7)
    x, z = np.round(rng.uniform(0, 4, 40), 3), np.round(rng.normal(size=40), 3)
    w = rng.choice([0.0, 0.5, 1.0, 2.0], 40)
    y = np.round(1 + x - 2 * z + rng.normal(0, 0.3, 40), 4)
    path = write(tmp_path / "d.csv", "x,z,y,w", list(zip(x, z, y, w)))
    f = fit(models, "wls", path, "x, z, x*z", weights="w", intercept=True)
    keep = w > 0
    X = np.column_stack([np.ones(40), x, z, x * z])[keep]
    W, Y = w[keep], y[keep]
    b = np.linalg.solve(X.T @ (W[:, None] * X), X.T @ (W * Y))
    assert f.stats_exact is exact
    assert f.rows_used == int(keep.sum()) and f.df_residual == int(keep.sum()) - 4
    np.testing.assert_allclose(f.estimate, b, rtol=1e-10)
    np.testing.assert_allclose(f.residuals, Y - X @ b, rtol=1e-8, atol=1e-12)
    assert f.rss == pytest.approx(float(np.sum(W * (Y - X @ b) ** 2)), rel=1e-10)
    assert f.tss == pytest.approx(float(np.sum(W * (Y - np.average(Y, weights=W)) ** 2)), rel=1e-12)
    assert f.unscaled_cov_diag is not None
    np.testing.assert_allclose(f.unscaled_cov_diag, np.diag(np.linalg.inv(X.T @ (W[:, None] * X))), rtol=1e-9)


# -- conventions -------------------------------------------------------------------------------------------

@pytest.fixture()
def ridge_data(tmp_path: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    X = np.round(rng.uniform(-2, 5, (30, 2)), 3)
    y = np.round(4 + X @ [1.5, -0.7] + rng.normal(0, 0.2, 30), 4)
    return write(tmp_path / "r.csv", "a,b,y", [(*r, v) for r, v in zip(X, y)]), X, y


def test_ridge_leaves_the_intercept_unpenalized_and_says_so(models: dict[str, tuple[Any, Any]],
                                                            ridge_data: tuple[Path, np.ndarray, np.ndarray]) -> None:
    path, X, y = ridge_data
    f = fit(models, "ridge", path, "a,b", lam=2.0, intercept=True)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    slope = np.linalg.solve(Xc.T @ Xc + 2.0 * np.eye(2), Xc.T @ yc)  # scikit-learn's Ridge(fit_intercept=True)
    np.testing.assert_allclose(f.estimate, [y.mean() - X.mean(axis=0) @ slope, *slope], rtol=1e-12)
    np.testing.assert_allclose(f.reference, f.estimate, rtol=1e-9)
    assert any("intercept is not penalized" in n for n in f.notes)
    assert f.unscaled_cov_diag is None


def test_ridge_penalizes_the_intercept_on_request(models: dict[str, tuple[Any, Any]],
                                                  ridge_data: tuple[Path, np.ndarray, np.ndarray]) -> None:
    path, X, y = ridge_data
    f = fit(models, "ridge", path, "a,b", lam=2.0, intercept=True, penalize_intercept=True)
    A = np.column_stack([np.ones(len(y)), X])
    np.testing.assert_allclose(f.estimate, np.linalg.solve(A.T @ A + 2.0 * np.eye(3), A.T @ y), rtol=1e-12)
    assert any("penalized like the other coefficients" in n for n in f.notes)


def test_a_zero_weight_drops_its_row(models: dict[str, tuple[Any, Any]], tmp_path: Path) -> None:
    rows = [(1, 2.0, 1), (2, 4.1, 2), (3, 5.9, 0), (4, 8.2, 1), (5, 100.0, 0), (6, 12.1, 0.5)]
    f = fit(models, "wls", write(tmp_path / "w.csv", "x,y,w", rows), "x", weights="w", intercept=True)
    kept = [r for r in rows if r[2] > 0]
    X = np.array([[1, r[0]] for r in kept], dtype=float)
    W, Y = np.array([r[2] for r in kept], dtype=float), np.array([r[1] for r in kept])
    np.testing.assert_allclose(f.estimate, np.linalg.solve(X.T @ (W[:, None] * X), X.T @ (W * Y)), rtol=1e-13)
    assert f.rows == 6 and f.rows_used == 4
    assert any("2 rows with weight 0 drop out" in n for n in f.notes)


# -- terms and the design -----------------------------------------------------------------------------------

def test_terms_make_the_design_they_name(models: dict[str, tuple[Any, Any]], tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    x, z = np.round(rng.uniform(-1, 2, 25), 3), np.round(rng.uniform(0, 1, 25), 3)
    y = np.round(1 + x - x ** 2 + 0.5 * x ** 3 + 2 * x * z + z + rng.normal(0, 0.01, 25), 5)
    f = fit(models, "ols", write(tmp_path / "t.csv", "x,z,y", list(zip(x, z, y))), "poly(x, 3), z, z*x",
            intercept=True)
    assert f.columns == ("(intercept)", "x", "x^2", "x^3", "z", "z*x")
    assert [s for _, s in f.design] == ["--intercept", "poly(x, 3)", "poly(x, 3)", "poly(x, 3)", "z", "z*x"]
    X = np.column_stack([np.ones(25), x, x ** 2, x ** 3, z, z * x])
    np.testing.assert_allclose(f.estimate, np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-9)


@pytest.mark.parametrize(("text", "needle"), [
    ("poly(x, 0)", "degree 0"),
    ("x^0", "power 0"),
    ("poly(x, 21)", "between 1 and 20"),
    ("x, x", "repeats the term"),
    ("x1*x2, x2*x1", "repeats the term"),
    ("poly(x, 2), x^2", "repeats the term"),
    ("x + z", "unexpected character '+'"),
    ("x z", "follows a term"),
    ("poly(x)", "degree"),
    ("__import__('os')", "unexpected"),
    ("", "empty"),
])
def test_bad_terms_are_one_line_parse_errors(text: str, needle: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_terms(text)
    assert needle in str(info.value)
    assert "\n" not in str(info.value).split("; at ")[0]


def test_quoted_columns_and_products_of_powers() -> None:
    terms = parse_terms("`height (cm)`^2 * z, poly(t, 2)")
    assert [t.label for t in terms] == ["`height (cm)`^2*z", "t", "t^2"]
    assert terms[0].factors == (("height (cm)", 2), ("z", 1))


# -- bad data --------------------------------------------------------------------------------------------------

@pytest.fixture()
def bad(tmp_path: Path) -> Path:
    rows = [(x, 2 * x + 1, 3, x, x % 3, -1 if x == 5 else 1, 0) for x in range(1, 11)]
    return write(tmp_path / "bad.csv", "x,y,c,x2,w,wneg,wzero", rows)


@pytest.mark.parametrize(("kind", "x", "kw", "needle"), [
    ("ols", "x, c", {"intercept": True}, "the column 'c' of X is constant"),
    ("ols", "x, x2", {"intercept": True}, "the columns 'x' and 'x2' of X are equal"),
    ("ols", "poly(x, 12)", {"intercept": True}, "more coefficients than observations"),
    ("ols", "x, q", {"intercept": True}, "no column 'q'"),
    ("wls", "x", {"weights": "wneg", "intercept": True}, "the weight -1 is negative"),
    ("wls", "x", {"weights": "wzero", "intercept": True}, "every weight in column 'wzero' is 0"),
])
def test_bad_designs_are_refused_with_the_reason(models: dict[str, tuple[Any, Any]], bad: Path, kind: str, x: str,
                                                 kw: dict[str, Any], needle: str) -> None:
    with pytest.raises(DataError) as info:
        fit(models, kind, bad, x, **kw)
    assert needle in str(info.value)


def test_rank_deficiency_names_the_exact_combination(models: dict[str, tuple[Any, Any]], tmp_path: Path) -> None:
    rows = [(x, z, 2 * x - 3 * z, x + z * z) for x, z in [(1, 2), (2, 1), (3, 5), (4, 4), (5, 0), (6, 3)]]
    with pytest.raises(DataError) as info:
        fit(models, "ols", write(tmp_path / "rk.csv", "x,z,u,y", rows), "x, z, u", intercept=True)
    assert "rank 3 of 4" in str(info.value) and "u = 2*x - 3*z" in str(info.value)


def test_a_nan_weight_is_refused(models: dict[str, tuple[Any, Any]], tmp_path: Path) -> None:
    with pytest.raises(DataError, match="'nan' is not finite"):
        fit(models, "wls", write(tmp_path / "n.csv", "x,y,w", [(1, 2, 1), (2, 3, "nan"), (3, 5, 1)]), "x",
            weights="w", intercept=True)


# -- the end of double precision ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["ols", "simple"])
def test_values_near_1e300_are_scaled_not_overflowed(models: dict[str, tuple[Any, Any]], tmp_path: Path,
                                                     kind: str) -> None:
    xs = [Fraction(k) * 10 ** 299 for k in (1, 3, 4, 7, 9)]
    ys = [2 * v + Fraction((-1) ** i) * 10 ** 297 for i, v in enumerate(xs)]
    path = write(tmp_path / "big.csv", "x,y", [(f"{float(a):.1e}", f"{float(b):.4e}") for a, b in zip(xs, ys)])
    xs = [Fraction(f"{float(a):.1e}") for a in xs]
    ys = [Fraction(f"{float(b):.4e}") for b in ys]
    n = len(xs)
    xbar, ybar = sum(xs) / n, sum(ys) / n
    slope = sum((a - xbar) * (b - ybar) for a, b in zip(xs, ys)) / sum((a - xbar) ** 2 for a in xs)
    with np.errstate(all="raise"):
        f = fit(models, kind, path, "x", intercept=kind == "ols")
    assert f.estimate[1] == float(slope)
    assert f.estimate[0] == float(ybar - slope * xbar)
    assert all(is_certified(ch.certificate) for ch in f.checks)
    assert any("differ greatly in scale" in n for n in f.notes)


def test_a_coefficient_beyond_double_precision_is_a_data_error(models: dict[str, tuple[Any, Any]],
                                                                tmp_path: Path) -> None:
    rows = [("1e-200", "1e200"), ("2e-200", "3e200"), ("3e-200", "2e200")]
    with pytest.raises(DataError, match="beyond the range of double precision"):
        fit(models, "ols", write(tmp_path / "o.csv", "x,y", rows), "x")
