"""End-to-end ``derive grad --let ...``: ``python -m derive`` from this checkout, in real subprocesses.

All commands of this module run once, two at a time, in a module fixture; each test reads
the outputs it needs.
"""
from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import run_derive

pytestmark = pytest.mark.slow

RIDGE = ["grad", "norm(y - X*b)^2 + lam*norm(b)^2", "--wrt", "b", "--let", "X: n x p", "--let", "y: n",
         "--let", "b: p", "--hessian"]

COMMANDS: dict[str, list[str]] = {
    "ridge": RIDGE,
    "logistic markdown": ["grad", "-y'*log(sigmoid(X*w)) - (1 - y)'*log(1 - sigmoid(X*w))", "--wrt", "w",
                          "--let", "X: n x p", "--let", "y: n", "--let", "w: p", "--format", "markdown"],
}
# (id, argv, a needle every error line must contain)
BAD: list[tuple[str, list[str], str]] = [
    ("non-conformable", ["grad", "X*y", "--wrt", "y", "--let", "X: n x p", "--let", "y: n"], "cannot multiply X (n x p)"),
    ("undeclared matrix", ["grad", "norm(y - X*b)^2", "--wrt", "b", "--let", "y: n", "--let", "b: p"], "X"),
    ("wrt not in expression", ["grad", "norm(x)^2", "--wrt", "z", "--let", "x: p", "--let", "z: p"],
     "z does not appear"),
    ("wrt undeclared", ["grad", "norm(x)^2", "--wrt", "z", "--let", "x: p"], "z is not declared"),
    ("hessian of a vector", ["grad", "X*b", "--wrt", "b", "--hessian", "--let", "X: n x p", "--let", "b: p"],
     "Jacobian"),
    ("inverse of non-square", ["grad", "tr(inv(X)*A)", "--wrt", "X", "--let", "X: n x p", "--let", "A: p x n"],
     "square"),
    ("malformed let", ["grad", "norm(x)^2", "--wrt", "x", "--let", "x: p q"], "shape declaration"),
    ("wrt twice", ["grad", "norm(x)^2 + norm(z)^2", "--wrt", "x,x", "--let", "x: p", "--let", "z: p"], "twice"),
    ("two wrt of a vector", ["grad", "x + z", "--wrt", "x,z", "--let", "x: p", "--let", "z: p"], "one vector"),
]


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_derive(*argv, cwd=cwd)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli_matrix")


@pytest.fixture(scope="module")
def outputs(workdir: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    cwd = workdir
    jobs = dict(COMMANDS)
    jobs.update({name: argv for name, argv, _ in BAD})
    jobs["ridge json"] = RIDGE + ["--format", "json", "--pdf", str(cwd / "ridge.pdf")]  # one run, two outputs
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(jobs, pool.map(lambda argv: _run(argv, cwd), jobs.values())))


def test_done_means_example_prints_steps_gradient_hessian_and_ridge_solution(
        outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    out = outputs["ridge"]
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for rule in ("sum rule", "norm as a quadratic form", "product rule", "identification"):
        assert rule in text
    gradient = next(line for line in text.splitlines() if line.startswith("Gradient:"))
    assert "−2·Xᵀ·(y − X·b)" in gradient and "2·λ·b" in gradient  # −2 is U+2212, the typeset minus
    assert "Hessian: ∇²_b f = 2·(Xᵀ·X + λ·I)" in text
    assert "b̂ = (Xᵀ·X + λ·I)⁻¹·Xᵀ·y" in text
    assert "positive definite" in text
    assert "refuted" not in text.split("(reported, not required)")[0]
    assert "Traceback" not in out.stderr


def test_json_output_parses_and_keeps_the_contract(outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    out = outputs["ridge json"]
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["input"] == "norm(y - X*b)^2 + lam*norm(b)^2" and data["wrt"] == "b"
    assert data["shapes"] == {"X": ["n", "p"], "y": ["n", "1"], "b": ["p", "1"]}
    assert data["gradient"] == "2*lam*b - 2*X.T*(-X*b + y)"
    assert data["hessian"] == "2*(lam*Identity(p) + X.T*X)"
    assert data["stationary_point"] == "(lam*Identity(p) + X.T*X)**(-1)*X.T*y"
    assert all(s["certificate"].split(":")[0] in {"proved", "plausible"} for s in data["steps"])
    # the stationary point really zeroes the gradient: check with numpy at n = 6, p = 3
    rng = np.random.default_rng(0)
    X, y, lam = rng.standard_normal((6, 3)), rng.standard_normal((6, 1)), 0.7
    b = np.linalg.inv(lam * np.eye(3) + X.T @ X) @ X.T @ y
    np.testing.assert_allclose(2 * lam * b - 2 * X.T @ (-X @ b + y), 0, atol=1e-12)


def test_markdown_format(outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    md = outputs["logistic markdown"]
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("$$") and r"\odot" in md.stdout and "**Result:**" in md.stdout


def test_pdf_is_written(outputs: dict[str, subprocess.CompletedProcess[str]], workdir: Path) -> None:
    out = outputs["ridge json"]
    assert out.returncode == 0, out.stderr
    cwd = workdir
    pdf = cwd / "ridge.pdf"
    if pdf.exists():
        assert pdf.read_bytes()[:5] == b"%PDF-" and "wrote" in out.stderr
    else:  # no TeX here: the .tex file instead, and the message says so
        assert "TeX is not installed" in out.stderr and list(cwd.glob("ridge*.tex"))


@pytest.mark.parametrize(("name", "needle"), [(name, needle) for name, _, needle in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_exit_2_no_traceback(outputs: dict[str, subprocess.CompletedProcess[str]],
                                                   name: str, needle: str) -> None:
    out = outputs[name]
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("derive: error: ")
    assert needle in lines[0]
    assert out.stdout == ""
