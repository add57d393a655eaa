"""derive build: worked-example scripts to PDF handouts, read back with pdftotext."""
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, pdf_text, run_derive
from tests.handout.fakes import SCRIPT_WITH_VERDICT

pytestmark = pytest.mark.slow


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_derive(*args, timeout=600)


@pytest.mark.tex
def test_worked_examples_build_to_pdfs_with_their_mathematics(
        library_build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    out, tmp_path = library_build
    assert out.returncode == 0, out.stderr
    pdfs = sorted(p.name for p in tmp_path.glob("*.pdf") if ".student." not in p.name)
    students = sorted(p.name for p in tmp_path.glob("*.student.pdf"))
    assert students == [name.replace(".pdf", ".student.pdf") for name in pdfs]  # the same draw, student version
    assert pdfs == ["bias_variance.pdf", "gradient_descent_least_squares.pdf", "kalman_update.pdf",
                    "logistic_regression.pdf", "mle_bernoulli_sepsis.pdf", "mle_gamma_newton.pdf",
                    "mle_multinomial_lagrange.pdf", "mle_normal_bias.pdf", "mle_poisson_exponential.pdf",
                    "mle_uniform_boundary.pdf", "mle_volatility.pdf", "newton_logistic.pdf", "ols_lane_line.pdf",
                    "pca_rayleigh.pdf", "ridge_map.pdf", "rosenbrock.pdf", "sepsis_logistic.pdf", "sigmoid.pdf",
                    "softmax_cross_entropy.pdf", "softplus_logsumexp.pdf", "tanh.pdf", "two_layer_network.pdf",
                    "value_at_risk.pdf", "weighted_least_squares.pdf"]
    assert sorted(out.stdout.split()) == sorted(str(tmp_path / name) for name in pdfs + students)
    sigmoid = pdf_text(tmp_path / "sigmoid.pdf")
    assert "The sigmoid and its derivative" in sigmoid
    assert "chain rule" in sigmoid and "Solutions" in sigmoid
    rosen = pdf_text(tmp_path / "rosenbrock.pdf")
    assert "treat y as constant" in rosen and "802" in rosen and "400" in rosen
    soft = pdf_text(tmp_path / "softplus_logsumexp.pdf")
    assert "Log-sum-exp" in soft
    logistic = pdf_text(tmp_path / "logistic_regression.pdf")
    assert "Logistic regression in matrix form" in logistic
    squeezed = "".join(logistic.split())
    assert "∇wf=X⊤(σ(Xw)−y)" in squeezed  # the gradient, boxed
    assert "∇2wf=X⊤diag((1−σ(Xw))⊙σ(Xw))X" in squeezed  # the Hessian
    assert "identification" in logistic and "chain rule" in logistic and "Solutions" in logistic
    net = pdf_text(tmp_path / "two_layer_network.pdf")
    assert "Backpropagation in a two-layer network" in net
    assert "product rule" in net and "identification" in net and net.count("∇") >= 2


def test_tex_only_build_writes_tex(tmp_path: Path) -> None:
    out = run("build", str(ROOT / "worked_examples" / "sigmoid.py"), "--out", str(tmp_path), "--tex-only")
    assert out.returncode == 0, out.stderr
    tex = (tmp_path / "sigmoid.tex").read_text()
    assert r"\begin{align*}" in tex and "sigmoid" in tex
    assert not list(tmp_path.glob("*.pdf"))


def test_a_broken_script_is_reported_and_others_still_build(tmp_path: Path) -> None:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "bad.py").write_text("import derive\nderive.diff('x^^2', wrt='x')\n")
    (scripts / "nohandout.py").write_text("x = 1\n")
    (scripts / "exits.py").write_text("import sys\nsys.exit(3)\n")
    (scripts / "markup.py").write_text("raise RuntimeError('closing [/] tag')\n")
    (scripts / "good.py").write_text(
        "import derive\nfrom derive.handout.builder import HandoutBuilder\n"
        "h = HandoutBuilder(title='Good one')\nh.worked('d', derive.diff('x^3', wrt='x'))\nhandout = h.build()\n"
    )
    out = run("build", str(scripts), "--out", str(tmp_path / "out"), "--tex-only")
    assert out.returncode == 2  # the scripts are the input: their errors are bad input
    assert "bad.py" in out.stderr and "nohandout.py" in out.stderr and "defines no handout" in out.stderr
    assert "exits.py: line 2: SystemExit: 3" in out.stderr and "closing [/] tag" in out.stderr
    assert "Traceback" not in out.stderr
    assert (tmp_path / "out" / "good.tex").exists()
    assert not (tmp_path / "out" / "bad.tex").exists()


@pytest.mark.tex
def test_a_line_that_runs_into_the_margin_is_named_and_remembered_by_the_cache(tmp_path: Path) -> None:
    script = tmp_path / "wide.py"
    script.write_text(
        "from derive.handout.builder import HandoutBuilder\n"
        "h = HandoutBuilder(title='Wide')\n"
        f"h.paragraph('A number too long to break: {'1234567890' * 12}.')\n"
        "handout = h.build()\n"
    )
    first = run("build", str(script), "--out", str(tmp_path / "out"), "--versions", "solution")
    assert first.returncode == 0, first.stderr  # a warning, not a failure
    line = next(line for line in first.stderr.splitlines() if "into the margin" in line)
    assert "a line runs into the margin in" in line and "wide.pdf" in line and "pt too wide" in line
    again = run("build", str(script), "--out", str(tmp_path / "out"), "--versions", "solution")
    assert any("into the margin" in line and "wide.pdf" in line for line in again.stderr.splitlines())
    assert "cached" in again.stderr


@pytest.mark.parametrize(("verdict", "code", "words"), [
    ("CERTIFIED", 0, None), ("REFUTED", 1, "NOT certified: a result in it is refuted"),
    ("UNDECIDED", 3, "not certified: a result in it could not be decided"),
])
def test_a_handout_with_a_result_not_certified_is_built_and_never_exits_0(
        tmp_path: Path, verdict: str, code: int, words: str | None) -> None:
    script = tmp_path / "claim.py"
    script.write_text(SCRIPT_WITH_VERDICT.format(verdict=verdict))
    out = run("build", str(script), "--out", str(tmp_path / "out"), "--tex-only")
    assert out.returncode == code, out.stderr
    assert (tmp_path / "out" / "claim.tex").exists()
    if words is None:
        assert "certified" not in out.stderr
    else:
        assert words in out.stderr
