"""End-to-end CLI tests: ``python -m derive`` from this checkout as a user runs it (a real subprocess)."""
import json
from pathlib import Path

import pytest
import sympy as sp

from derive.parse.text import parse_text
from tests.conftest import pdf_text
from tests.conftest import run_derive as run


def test_help_lists_commands_and_examples() -> None:
    out = run("--help")
    assert out.returncode == 0
    for command in ("diff", "grad", "build"):
        assert command in out.stdout
    sub = run("diff", "--help")
    assert sub.returncode == 0 and "examples:" in sub.stdout and "--wrt" in sub.stdout


def test_diff_sin_to_the_x_prints_certified_steps() -> None:
    out = run("diff", "sin(x)^x", "--wrt", "x")
    assert out.returncode == 0, out.stderr
    assert "logarithmic differentiation" in out.stdout
    assert "proved" in out.stdout
    assert "refuted" not in out.stdout and "not certified" not in out.stdout


@pytest.mark.slow
def test_diff_f_of_x_squared_json_contract() -> None:
    out = run("diff", "f(x^2)", "--wrt", "x", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) >= {"input", "wrt", "result", "result_latex", "steps"}
    assert data["input"] == "f(x^2)" and data["wrt"] == ["x"]
    assert data["result"] == "2*x*Subs(Derivative(f(_xi_1), _xi_1), _xi_1, x**2)"
    for step in data["steps"]:
        assert set(step) >= {"rule", "before", "after", "latex", "justification", "certificate"}
        assert step["certificate"].split(":")[0] in {"proved", "plausible", "refuted", "unknown", "timeout"}
        assert step["certificate"].split(":")[0] in {"proved", "plausible"}
    assert data["steps"][0]["before"] == "Derivative(f(x**2), x)"


@pytest.mark.parametrize("fmt", ["latex", "markdown", "text"])
@pytest.mark.slow
def test_other_formats(fmt: str) -> None:
    out = run("diff", "x*exp(-x)", "--wrt", "x", "--format", fmt)
    assert out.returncode == 0, out.stderr
    marker = {"latex": r"\begin{align*}", "markdown": "$$", "text": "product rule"}[fmt]
    assert marker in out.stdout


@pytest.mark.slow
def test_mixed_partial_and_order() -> None:
    out = run("diff", "x^2 y + exp(x y)", "--wrt", "x", "--wrt", "y", "--format", "json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["wrt"] == ["x", "y"]
    out = run("diff", "x^4", "--wrt", "x", "--order", "2", "--format", "json")
    assert json.loads(out.stdout)["result"] == "12*x**2"


@pytest.mark.slow
def test_grad_hessian_json() -> None:
    out = run("grad", "(1-x)^2 + 100 (y - x^2)^2", "--wrt", "x,y", "--hessian", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    x, y = sp.symbols("x y", real=True)
    fxy = (1 - x) ** 2 + 100 * (y - x**2) ** 2
    gradient = [parse_text(g) for g in data["gradient"]]
    assert [sp.expand(g - fxy.diff(v)) for g, v in zip(gradient, (x, y))] == [0, 0]
    assert data["hessian"][0][1] == data["hessian"][1][0] == "-400*x"
    assert sp.expand(parse_text(data["hessian"][0][0]) - fxy.diff(x, 2)) == 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [  # the slow ones load SymPy to read the expression (about a second each); the others stop in argparse
        pytest.param(["diff", "x^2 + * 3", "--wrt", "x"], "column", marks=pytest.mark.slow),
        pytest.param(["diff", "sin(x", "--wrt", "x"], "error", marks=pytest.mark.slow),
        pytest.param(["diff", "", "--wrt", "x"], "error", marks=pytest.mark.slow),
        pytest.param(["diff", "x^2", "--wrt", "1x"], "not a variable name", marks=pytest.mark.slow),
        pytest.param(["diff", "x*y"], "say which variable", marks=pytest.mark.slow),
        pytest.param(["diff", "x", "--wrt", "x", "--where", "x >"], "error", marks=pytest.mark.slow),
        pytest.param(["grad", "x^2", "--wrt", "x,q"], "q does not appear", marks=pytest.mark.slow),
        pytest.param(["diff", "__import__('os').system('true')", "--wrt", "x"], "error", marks=pytest.mark.slow),
        (["diff"], "error"),
        (["frobnicate"], "error"),
        (["build", "does/not/exist.py"], "does not exist"),
        (["diff", "x^2", "--wrt", "x", "--order", "100000"], "order"),
        (["diff", "x^2", "--wrt", "x", "--pdf", "/no/such/dir/x.pdf"], "does not exist"),
        (["diff", "x^2", "--wrt", "x", "--pdf", "out.txt"], ".pdf"),
        pytest.param(["grad", "x*y", "--wrt", "x,x"], "repeated", marks=pytest.mark.slow),
    ],
)
def test_bad_input_is_one_line_exit_2_no_traceback(args: list[str], needle: str) -> None:
    out = run(*args)
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    assert needle in lines[0]


@pytest.mark.slow
def test_over_budget_exits_3() -> None:
    out = run("diff", "x^2", "--wrt", "x", "--timeout", "0.000001")
    assert out.returncode == 3
    assert "budget" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.slow
def test_size_budget_message_survives_the_worker() -> None:
    tower = "x" + "^x" * 150
    out = run("diff", tower, "--wrt", "x", "--timeout", "100")
    assert out.returncode == 3
    assert "size budget" in out.stderr and "time budget" not in out.stderr


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "soon"])
def test_timeout_must_be_a_positive_finite_number(value: str) -> None:
    out = run("diff", "x^2", "--wrt", "x", "--timeout", value)
    assert out.returncode == 2 and "--timeout" in out.stderr


@pytest.mark.slow
def test_expression_may_start_with_a_minus() -> None:
    out = run("diff", "-x^2", "--wrt", "x", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["input"] == "-x^2" and data["result"] == "-2*x"


@pytest.mark.slow
def test_expensive_but_trivial_inputs_finish() -> None:
    out = run("diff", "(x+1)^100000", "--wrt", "x", "--format", "json", "--timeout", "120")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["result"] == "100000*(x + 1)**99999"
    out = run("diff", "x^x^x^x^x^x^x^x", "--wrt", "x", "--format", "json", "--timeout", "120")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["certified"] is True


@pytest.mark.parametrize(
    "expr", ["x + max(y, sqrt(z))", "x + digamma(floor(y))", "x*Max(x, 1/x)"]
)
@pytest.mark.slow
def test_awkward_functions_give_a_labelled_answer_not_a_crash(expr: str) -> None:
    out = run("diff", expr, "--wrt", "x", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert all(s["certificate"].split(":")[0] in {"proved", "plausible", "unknown"} for s in data["steps"])


@pytest.mark.tex
@pytest.mark.slow
def test_diff_pdf_is_written_and_readable(tmp_path: Path) -> None:
    pdf = tmp_path / "sigmoid.pdf"
    out = run("diff", "sigmoid(w*x + b)", "--wrt", "w", "--pdf", str(pdf))
    assert out.returncode == 0, out.stderr
    text = pdf_text(pdf)
    assert "Derivative of sigmoid(w*x + b)" in text
    assert "chain rule" in text
