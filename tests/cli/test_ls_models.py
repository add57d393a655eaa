"""End-to-end ``derive ls`` for simple, constrained and the hat-matrix consequences: ``python -m derive``
from this checkout, in real subprocesses.

Expected numbers come from numpy.polyfit here, not from derive.certify.
"""
from __future__ import annotations

import json
import subprocess
import unicodedata
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from tests.conftest import run_derive

pytestmark = pytest.mark.slow

CONTRACT = {"model", "objective", "gradient", "estimator", "conditions", "hessian", "steps"}
RNG = np.random.default_rng(7)
XS = np.round(RNG.uniform(0, 20, 15), 3)
YS = np.round(1.5 + 0.25 * XS + RNG.normal(0, 0.1, 15), 4)

OK = {
    "simple": ["ls", "--model", "simple"],
    "simple json": ["ls", "--model", "simple", "--format", "json"],
    "simple renamed": ["ls", "--model", "simple", "--name", "x=t", "--name", "b=k", "--format", "json"],
    "simple fit": ["ls", "--model", "simple", "--data", "line.csv", "--x", "x", "--y", "y", "--format", "json"],
    "simple fit text": ["ls", "--model", "simple", "--data", "line.csv", "--x", "x", "--y", "y"],
    "simple latex": ["ls", "--model", "simple", "--format", "latex"],
    "constrained": ["ls", "--model", "constrained"],
    "constrained json": ["ls", "--model", "constrained", "--format", "json"],
    "ols json": ["ls", "--model", "ols", "--format", "json"],
    "wls json": ["ls", "--model", "wls", "--format", "json"],
}
BAD = [
    ("simple two columns", ["ls", "--model", "simple", "--data", "line.csv", "--x", "x,y", "--y", "y"],
     "one regressor column"),
    ("simple equal x", ["ls", "--model", "simple", "--data", "flat.csv", "--x", "x", "--y", "y"],
     "the closed form does not apply"),
    ("simple bad name", ["ls", "--model", "simple", "--name", "X=t"], "unknown name 'X'"),
    ("simple intercept", ["ls", "--model", "simple", "--data", "line.csv", "--x", "x", "--y", "y", "--intercept"],
     "--intercept"),
    ("constrained data", ["ls", "--model", "constrained", "--data", "line.csv", "--x", "x", "--y", "y"],
     "constrained"),
    ("constrained name clash", ["ls", "--model", "constrained", "--name", "C=X"], "two roles share one name"),
]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    cwd = tmp_path_factory.mktemp("cli_ls_models")
    (cwd / "line.csv").write_text("x,y\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(XS.tolist(), YS.tolist())),
                                  encoding="utf-8")
    (cwd / "flat.csv").write_text("x,y\n2,1\n2,3\n2,5\n", encoding="utf-8")
    jobs = dict(OK)
    jobs.update({name: argv for name, argv, _ in BAD})

    def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
        return run_derive(*argv, cwd=cwd, env={"COLUMNS": "120"})

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(jobs, pool.map(run, jobs.values())))


def ok(outputs: dict[str, subprocess.CompletedProcess[str]], name: str) -> str:
    out = outputs[name]
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr
    return out.stdout


def test_simple_text_shows_the_steps_and_the_estimator(outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    text = unicodedata.normalize("NFC", ok(outputs, "simple"))
    assert unicodedata.normalize("NFC", "Estimator: b\u0302 = S_xy/S_xx,  a\u0302 = y\u0304 - b\u0302·x\u0304") in text
    for needle in ("expand the square", "differentiate under the sum", "Normal equations", "∇²S", "S_xx",
                   "the residuals sum to zero", "✓ certified"):
        assert needle in text, needle
    assert "refuted" not in text


def test_simple_json_keeps_the_contract(outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    data = json.loads(ok(outputs, "simple json"))
    assert CONTRACT <= set(data)
    assert data["model"] == "simple"
    assert data["estimator"] == "b = S_xy/S_xx, a = ybar - b*xbar"
    assert data["objective"] == "Sum((-a - b*x[i] + y[i])**2, (i, 1, n))"
    assert data["definitions"]["S_xx"] == "Sum((-xbar + x[i])**2, (i, 1, n))"
    assert "2*n" in data["hessian"] and data["certified"] is True
    assert all(s["certificate"].startswith("plausible") and s["symbolic"].startswith("proved") for s in data["steps"])


def test_simple_names_are_overridable(outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    data = json.loads(ok(outputs, "simple renamed"))
    assert data["estimator"] == "k = S_ty/S_tt, a = ybar - k*tbar"
    assert "t[i]" in data["objective"] and "x[i]" not in data["objective"]


def test_simple_fit_matches_polyfit(outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    fit = json.loads(ok(outputs, "simple fit"))["data_fit"]
    slope, intercept = np.polyfit(XS, YS, 1)
    assert fit["rows"] == len(XS)
    np.testing.assert_allclose(fit["estimate"], [intercept, slope], rtol=1e-9)
    np.testing.assert_allclose(fit["reference"], [intercept, slope], rtol=1e-9)
    text = ok(outputs, "simple fit text")
    assert "Fit to 15 rows" in text and "a (intercept)" in text and "b (slope)" in text


def test_simple_latex_has_sums_and_fractions(outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    tex = ok(outputs, "simple latex")
    assert r"\begin{align*}" in tex and r"\sum_{i}" in tex and r"\frac{S_{xy}}{S_{xx}}" in tex


def test_constrained_text_and_json(outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    text = ok(outputs, "constrained")
    assert "KKT" in text and "full row rank" in text and "✗ agrees with lstsq" not in text
    data = json.loads(ok(outputs, "constrained json"))
    assert CONTRACT <= set(data) and data["model"] == "constrained"
    assert data["estimator"].count("C") >= 3 and "d" in data["estimator"]
    assert data["kkt_system"] == ["X'*X*b + C'*mu = X'*y", "C*b = d"]
    assert len(data["kkt_steps"]) == 4 and all(s["certificate"].startswith("plausible") for s in data["kkt_steps"])
    assert data["multiplier_gradient"] == "2*(C*b - d)"
    assert data["certified"] is True


@pytest.mark.parametrize("name", ["ols json", "wls json"])
def test_hat_matrix_consequences_are_certified(outputs: dict[str, subprocess.CompletedProcess[str]], name: str) -> None:
    data = json.loads(ok(outputs, name))
    claims = [c["claim"] for c in data["consequences"]]
    assert any("hat matrix" in c for c in claims) and any("idempotent" in c for c in claims)
    assert ("symmetric" in " ".join(claims)) == (name == "ols json")
    assert all(c["certificate"].startswith("plausible") for c in data["consequences"])


@pytest.mark.parametrize(("name", "needle"), [(n, k) for n, _, k in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_exit_2(outputs: dict[str, subprocess.CompletedProcess[str]], name: str,
                                      needle: str) -> None:
    out = outputs[name]
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert out.returncode == 2, out.stderr
    assert len(lines) == 1 and lines[0].startswith("derive: error: ") and needle in lines[0], out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""
