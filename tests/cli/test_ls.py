"""End-to-end ``derive ls``: ``python -m derive`` from this checkout in real subprocesses, fits against our own numpy.

Every command of this module runs once, two at a time, in a module fixture; each test reads
the outputs it needs. The data files are written here with known coefficients, and the
expected numbers come from numpy in this file, not from derive.lsq.certify.
"""
from __future__ import annotations

import json
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import run_derive

pytestmark = pytest.mark.slow

CONTRACT = {"model", "objective", "gradient", "estimator", "conditions", "hessian", "steps"}

RNG = np.random.default_rng(20240501)
N = 25
X1 = np.round(RNG.uniform(-3, 3, N), 4)
X2 = np.round(RNG.uniform(0, 5, N), 4)
W = np.round(RNG.uniform(0.5, 3.0, N), 4)
Y = np.round(2 + 3 * X1 - 0.5 * X2 + RNG.normal(0, 0.05, N), 6)
LAM = 0.75
T = 1e6 + 10.0 * np.arange(10)  # a time axis far from 0: X = [1, t] has full rank, but X'X is badly conditioned
YT = np.round(2 + 0.3 * (T - 1e6) + RNG.normal(0, 0.01, 10), 6)

OK: dict[str, list[str]] = {
    "ols": ["ls", "--model", "ols"],
    "ols fit": ["ls", "--model", "ols", "--data", "fit.csv", "--x", "x1,x2", "--y", "y", "--intercept"],
    "ols fit json": ["ls", "--model", "ols", "--data", "fit.csv", "--x", "x1,x2", "--y", "y", "--intercept",
                     "--format", "json"],
    "ridge fit": ["ls", "--model", "ridge", "--data", "fit.csv", "--x", "x1,x2", "--y", "y", "--lam", str(LAM),
                  "--format", "json"],
    "wls fit": ["ls", "--model", "wls", "--data", "fit.csv", "--x", "x1,x2", "--y", "y", "--weights", "w",
                "--intercept", "--format", "json"],
    "badly scaled": ["ls", "--model", "ols", "--data", "scaled.csv", "--x", "t", "--y", "y", "--intercept",
                     "--format", "json"],
    "wls weights are a regressor": ["ls", "--model", "wls", "--data", "fit.csv", "--x", "x2", "--y", "y",
                                    "--weights", "x2", "--intercept", "--format", "json"],
}
# (id, argv, a needle the one error line must contain)
BAD: list[tuple[str, list[str], str]] = [
    ("unknown model", ["ls", "--model", "lasso"], "choose one of ols, simple, ridge, wls, gls, constrained"),
    ("--x without --data", ["ls", "--model", "ols", "--x", "x1"], "--data"),
    ("ridge --data without --lam", ["ls", "--model", "ridge", "--data", "fit.csv", "--x", "x1", "--y", "y"], "--lam"),
    ("wls --data without --weights", ["ls", "--model", "wls", "--data", "fit.csv", "--x", "x1", "--y", "y"],
     "--weights"),
    ("gls --data", ["ls", "--model", "gls", "--data", "fit.csv", "--x", "x1", "--y", "y"], "gls"),
    ("missing value", ["ls", "--model", "ols", "--data", "missing.csv", "--x", "x", "--y", "y"],
     "row 4, column 'y': missing value"),
    ("non-numeric cell", ["ls", "--model", "ols", "--data", "text.csv", "--x", "x", "--y", "y"],
     "row 3, column 'x': 'abc' is not a number"),
    ("missing column", ["ls", "--model", "ols", "--data", "fit.csv", "--x", "x1,z", "--y", "y"], "no column 'z'"),
    ("more columns than rows", ["ls", "--model", "ols", "--data", "wide.csv", "--x", "a,b,c,d", "--y", "y"],
     "the closed form does not apply"),
    ("--name without =", ["ls", "--model", "ols", "--name", "beta"], "ROLE=NAME"),
    ("negative lam", ["ls", "--model", "ridge", "--data", "fit.csv", "--x", "x1", "--y", "y", "--lam=-1"], "lam"),
    ("nan lam", ["ls", "--model", "ridge", "--data", "fit.csv", "--x", "x1", "--y", "y", "--lam", "nan"], "lam"),
    ("not utf-8", ["ls", "--model", "ols", "--data", "latin1.csv", "--x", "x", "--y", "y"], "latin1.csv"),
]


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_derive(*argv, cwd=cwd, env={"COLUMNS": "120"})


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cwd = tmp_path_factory.mktemp("cli_ls")
    rows = "".join(f"{a!r},{b!r},{w!r},{y!r}\n" for a, b, w, y in zip(*(col.tolist() for col in (X1, X2, W, Y))))
    (cwd / "fit.csv").write_text("x1,x2,w,y\n" + rows, encoding="utf-8")
    (cwd / "missing.csv").write_text("x,y\n1,2\n2,4\n3,\n4,8\n", encoding="utf-8")
    (cwd / "text.csv").write_text("x,y\n1,2\nabc,4\n", encoding="utf-8")
    (cwd / "wide.csv").write_text("a,b,c,d,y\n1,2,3,4,5\n2,1,4,3,6\n3,3,1,2,7\n", encoding="utf-8")
    (cwd / "scaled.csv").write_text("t,y\n" + "".join(f"{t!r},{y!r}\n" for t, y in zip(T.tolist(), YT.tolist())),
                                    encoding="utf-8")
    (cwd / "latin1.csv").write_bytes("x,y\n1,2\n2,caf\u00e9\n".encode("latin-1"))
    return cwd


@pytest.fixture(scope="module")
def outputs(workdir: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    jobs = dict(OK)
    jobs.update({name: argv for name, argv, _ in BAD})
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(jobs, pool.map(lambda argv: _run(argv, workdir), jobs.values())))


def design(*columns: np.ndarray, intercept: bool) -> np.ndarray:
    return np.column_stack(([np.ones(N)] if intercept else []) + list(columns))


def ok(outputs: dict[str, subprocess.CompletedProcess[str]], name: str) -> subprocess.CompletedProcess[str]:
    out = outputs[name]
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert "internal error" not in out.stderr
    return out


def test_ols_prints_the_estimator_line(outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    text = ok(outputs, "ols").stdout
    assert "Estimator: b̂ = (Xᵀ·X)⁻¹·Xᵀ·y" in text.splitlines()
    assert "full column rank" in text
    assert "refuted" not in text.split("(reported, not required)")[0]


def test_json_parses_and_keeps_the_contract(outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    data = json.loads(ok(outputs, "ols fit json").stdout)
    assert CONTRACT <= set(data)
    assert data["model"] == "ols" and data["objective"] == "norm(y - X*b)^2"
    assert data["estimator"] == "(X.T*X)**(-1)*X.T*y"
    assert data["hessian"] == "2*X.T*X"
    assert isinstance(data["conditions"], list) and "full column rank" in data["conditions"][0]
    assert data["steps"] and all(s["certificate"].split(":")[0] in {"proved", "plausible"} for s in data["steps"])
    assert data["certified"] is True


def _table(text: str) -> dict[str, tuple[float, float]]:
    """The fit table's rows: coefficient -> (derived formula, reference)."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
        if len(cells) == 3:
            try:
                rows[cells[0]] = (float(cells[1]), float(cells[2]))
            except ValueError:
                continue
    return rows


def test_ols_fit_with_intercept_prints_numpys_coefficients(outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    text = ok(outputs, "ols fit").stdout
    expected = np.linalg.lstsq(design(X1, X2, intercept=True), Y, rcond=None)[0]
    table = _table(text)
    assert list(table) == ["(intercept)", "x1", "x2"]
    for (derived, reference), want in zip(table.values(), expected):
        assert derived == pytest.approx(want, rel=1e-8) and reference == pytest.approx(want, rel=1e-8)
    assert f"Fit to {N} rows" in text
    np.testing.assert_allclose(expected, [2, 3, -0.5], atol=0.1)  # the data say what we wrote into them


def test_ols_fit_json(outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    fit = json.loads(ok(outputs, "ols fit json").stdout)["data_fit"]
    expected = np.linalg.lstsq(design(X1, X2, intercept=True), Y, rcond=None)[0]
    assert fit["columns"] == ["(intercept)", "x1", "x2"] and fit["rows"] == N
    np.testing.assert_allclose(fit["estimate"], expected, rtol=1e-9)
    np.testing.assert_allclose(fit["reference"], expected, rtol=1e-9)
    np.testing.assert_allclose(fit["estimate"], [2, 3, -0.5], atol=0.1)


def test_ridge_fit_with_lam(outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    data = json.loads(ok(outputs, "ridge fit").stdout)
    X = design(X1, X2, intercept=False)
    expected = np.linalg.solve(X.T @ X + LAM * np.eye(2), X.T @ Y)
    assert data["model"] == "ridge" and data["data_fit"]["columns"] == ["x1", "x2"]
    np.testing.assert_allclose(data["data_fit"]["estimate"], expected, rtol=1e-9)
    ols = np.linalg.lstsq(X, Y, rcond=None)[0]
    assert np.linalg.norm(expected) < np.linalg.norm(ols)  # the penalty shrinks: the lam really was used


def test_wls_fit_with_weights(outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    data = json.loads(ok(outputs, "wls fit").stdout)
    X = design(X1, X2, intercept=True)
    expected = np.linalg.solve(X.T @ np.diag(W) @ X, X.T @ (W * Y))
    assert data["model"] == "wls" and data["data_fit"]["rows"] == N
    np.testing.assert_allclose(data["data_fit"]["estimate"], expected, rtol=1e-9)
    unweighted = np.linalg.lstsq(X, Y, rcond=None)[0]
    assert np.max(np.abs(expected - unweighted)) > 1e-6  # the weights really were used


def test_wls_weights_may_be_a_regressor_column(outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    data = json.loads(ok(outputs, "wls weights are a regressor").stdout)
    X = design(X2, intercept=True)
    expected = np.linalg.solve(X.T @ np.diag(X2) @ X, X.T @ (X2 * Y))
    assert data["data_fit"]["rows"] == N
    np.testing.assert_allclose(data["data_fit"]["estimate"], expected, rtol=1e-9)


@pytest.mark.parametrize(("name", "needle"), [(name, needle) for name, _, needle in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_exit_2_no_traceback(outputs: dict[str, subprocess.CompletedProcess[str]],
                                                   name: str, needle: str) -> None:
    out = outputs[name]
    assert "Traceback" not in out.stderr, out.stderr
    assert "internal error" not in out.stderr, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert lines[0].startswith("derive: error: ")
    assert needle in lines[0]
    assert out.stdout == ""


def test_more_columns_than_rows_gives_no_number(outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    err = outputs["more columns than rows"].stderr
    assert "3 rows and 4 columns" in err
    assert not re.search(r"│\s*a\s*│", outputs["more columns than rows"].stdout)


def test_badly_scaled_full_rank_data_is_not_called_rank_deficient(
        outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    """Either a fit that matches numpy, or a refusal that does not blame the rank numpy reports as full."""
    out = outputs["badly scaled"]
    X = np.column_stack([np.ones(10), T])
    assert np.linalg.matrix_rank(X) == 2
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr
    if out.returncode == 0:
        expected = np.linalg.lstsq(X, YT, rcond=None)[0]
        np.testing.assert_allclose(json.loads(out.stdout)["data_fit"]["estimate"], expected, rtol=1e-6)
    else:
        assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
        assert "of rank 2" not in out.stderr or "full column rank fails" not in out.stderr, out.stderr
