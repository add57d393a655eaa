"""``derive check`` end to end from the checkout: the issue's examples, the JSON contract, exit codes,
bad input and hostile input (one line, exit 2 or a per-step UNPARSED, nothing executed)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import one_error_line, run_derive

THETA_OK = r"""% derive: \theta > 0
\begin{align*}
\frac{d}{d\theta}\Big(n\log\theta - \theta\sum_{i=1}^{n} x_i\Big)
  &= \frac{n}{\theta} - \sum_{i=1}^{n} x_i
\end{align*}
"""


def write(tmp_path: Path, text: str | bytes, name: str = "proof.tex") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def check_json(path: Path, *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    out = run_derive("check", str(path), "--format", "json", *extra)
    assert "Traceback" not in out.stderr, out.stderr
    return out.returncode, json.loads(out.stdout)


def test_issue_example_is_correct(tmp_path: Path) -> None:
    code, doc = check_json(write(tmp_path, THETA_OK))
    assert code == 0 and doc["verdict"] == "correct" and doc["first_error"] is None
    assert [s["status"] for s in doc["steps"]] in (["proved"], ["plausible"])


@pytest.mark.slow
def test_issue_example_with_one_over_theta_is_refuted_at_line_4(tmp_path: Path) -> None:
    code, doc = check_json(write(tmp_path, THETA_OK.replace(r"&= \frac{n}{\theta}", r"&= \frac{1}{\theta}")))
    assert code == 1 and doc["verdict"] == "incorrect"
    assert doc["first_error"]["line"] == 4 and doc["first_error"]["step"] == 1
    assert "missing factor n" in doc["first_error"]["hint"]
    step = doc["steps"][0]
    assert step["status"] == "refuted" and step["line"] == 4 and isinstance(step["counterexample"], dict)


def test_sum_of_products_claim_is_refuted_with_a_counterexample(tmp_path: Path) -> None:
    path = write(tmp_path, r"\[ \sum_{i=1}^n x_i y_i = \frac1n \sum_{i=1}^n x_i \sum_{i=1}^n y_i \]")
    code, doc = check_json(path)
    assert code == 1 and doc["steps"][0]["status"] == "refuted"
    assert {"n", "x", "y"} <= set(doc["steps"][0]["counterexample"])


MATRIX = (r"% derive: W \in \mathbb{R}^{m\times k}, a \in \mathbb{R}^{m}, b \in \mathbb{R}^{k}" "\n"
          r"\[ \nabla_W\, a^\top W b = RHS \]" "\n")


@pytest.mark.slow
def test_matrix_gradient_correct_and_transposition_slip(tmp_path: Path) -> None:
    code, doc = check_json(write(tmp_path, MATRIX.replace("RHS", r"a b^\top")))
    assert code == 0 and doc["verdict"] == "correct"
    code, doc = check_json(write(tmp_path, MATRIX.replace("RHS", r"b a^\top")))
    assert code == 1 and "transpos" in doc["first_error"]["hint"]


def test_text_report_points_at_the_first_error(tmp_path: Path) -> None:
    path = write(tmp_path, THETA_OK.replace(r"&= \frac{n}{\theta}", r"&= \frac{1}{\theta}"))
    out = run_derive("check", str(path), env={"COLUMNS": "100"})
    assert out.returncode == 1
    assert "line 4" in out.stdout and "counterexample: at n = " in out.stdout
    assert "hint: missing factor n" in out.stdout
    assert out.stdout.rstrip().splitlines()[-1].startswith("✗ NOT certified: step 1 (line 4) is refuted")


@pytest.mark.slow
def test_expr_identity(tmp_path: Path) -> None:
    ok = run_derive("check", "--expr", r"\frac{d}{dx} \log x = \frac{1}{x}", "--where", "x > 0")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = run_derive("check", "--expr", r"\log(ab) = \log a \log b", "--where", "a > 0, b > 0")
    assert bad.returncode == 1


def test_unreadable_step_exits_3_and_says_unparsed(tmp_path: Path) -> None:
    code, doc = check_json(write(tmp_path, r"\[ a = \mathbb{E}[X] \]"))
    assert code == 3 and doc["verdict"] == "unverifiable" and doc["steps"][0]["status"] == "unparsed"


@pytest.mark.parametrize("content,expected", [
    (b"\x00\x01\x02binary", "binary"),
    ("no maths at all, only $x$ inline", "no display mathematics"),
    (b"\xff\xfe\\[ a = b \\]", "not UTF-8"),
    ("\\begin{align}\na &= b\n", "never closed"),
    ("% derive: \\theta >\n\\[ a = b \\]", "derive"),
])
def test_bad_files_exit_2_with_one_line(tmp_path: Path, content: str | bytes, expected: str) -> None:
    out = run_derive("check", str(write(tmp_path, content)))
    assert out.returncode == 2 and out.stdout == ""
    assert expected in one_error_line(out)


def test_missing_file_and_usage(tmp_path: Path) -> None:
    out = run_derive("check", str(tmp_path / "nope.tex"))
    assert out.returncode == 2 and "no such file" in one_error_line(out)
    out = run_derive("check")
    assert out.returncode == 2 and "FILE.tex" in one_error_line(out)


def test_large_file_is_refused(tmp_path: Path) -> None:
    out = run_derive("check", str(write(tmp_path, "\\[ a = b \\]\n" + "%" * 5_000_000)))
    assert out.returncode == 2 and "larger than" in one_error_line(out)


@pytest.mark.parametrize("hostile", [
    r"10^{10^{10^{10}}}",
    "{" * 300 + "x" + "}" * 300,
    r"\text{__import__('os').system('touch PWNED')}",
    r"\input{/etc/passwd}",
    r"\write18{touch PWNED}",
    r"\frac{1}{",
    r"\undefinedmacro{x}",
])
def test_hostile_sides_are_unparsed_or_unknown_and_nothing_runs(tmp_path: Path, hostile: str) -> None:
    path = write(tmp_path, f"\\[ a = {hostile} \\]")
    out = run_derive("check", str(path), "--format", "json", cwd=tmp_path)
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "PWNED").exists()
    assert out.returncode in (1, 2, 3)
    if out.returncode != 2:
        statuses = [s["status"] for s in json.loads(out.stdout)["steps"]]
        assert "proved" not in statuses and "plausible" not in statuses


@pytest.mark.slow
def test_a_folder_of_submissions_gives_one_table_and_the_worst_code(tmp_path: Path) -> None:
    write(tmp_path, THETA_OK, "alice.tex")
    write(tmp_path, THETA_OK.replace(r"&= \frac{n}{\theta}", r"&= \frac{1}{\theta}"), "bob.tex")
    write(tmp_path, "no mathematics", "carol.tex")
    out = run_derive("check", str(tmp_path), "-j", "2", "--format", "json")
    assert out.returncode == 1, out.stderr
    doc = json.loads(out.stdout)
    assert doc["summary"] == {"correct": 1, "incorrect": 1, "unverifiable": 0, "failed": 1}
    by_file = {f["file"]: f for f in doc["files"]}
    assert by_file["alice.tex"]["verdict"] == "correct"
    assert by_file["bob.tex"]["first_error"]["line"] == 4
    assert "no display mathematics" in by_file["carol.tex"]["error"]
    text = run_derive("check", str(tmp_path), env={"COLUMNS": "100"})
    assert "Summary: 1 correct, 1 incorrect, 1 failed" in text.stdout


def test_an_empty_folder_is_a_usage_error(tmp_path: Path) -> None:
    out = run_derive("check", str(tmp_path))
    assert out.returncode == 2 and "no .tex files" in one_error_line(out)


def test_words_inside_mathematics_make_the_step_unparsed(tmp_path: Path) -> None:
    code, doc = check_json(write(tmp_path, r"\[ a + 0 = a \text{ for all } b \]"))
    assert code == 3 and doc["steps"][0]["status"] == "unparsed"


@pytest.mark.slow
def test_the_hint_is_plain_text_in_the_terminal_and_json_and_latex_in_latex(tmp_path: Path) -> None:
    path = write(tmp_path, THETA_OK.replace(r"&= \frac{n}{\theta}", r"&= \frac{1}{\theta}"))
    text = run_derive("check", str(path), env={"COLUMNS": "200"}).stdout
    assert "hint: missing factor n in the term 1/θ" in text and "$" not in text
    code, doc = check_json(path)
    assert doc["first_error"]["hint"] == "missing factor n in the term 1/θ"
    assert doc["steps"][0]["hint_kind"] == "factor"
    latex = run_derive("check", str(path), "--format", "latex").stdout
    assert r"missing factor $n$ in the term $\frac{1}{\theta}$" in latex


SOLVED = r"""% derive: x \in \mathbb{R}
\begin{align*}
3 (x - 2) + 5 = 2x + 7
  &\iff 3x - 1 = 2x + 7 \\
  &\iff x = 6 .
\end{align*}
"""


def test_an_equation_solved_wrongly_names_the_solution(tmp_path: Path) -> None:
    code, doc = check_json(write(tmp_path, SOLVED))
    assert code == 1 and doc["first_error"]["line"] == 5
    assert doc["first_error"]["hint"] == "a wrong solution: the previous equation is solved by x = 8"


@pytest.mark.slow
def test_a_refuted_gradient_shows_the_matrix_engine_derivation(tmp_path: Path) -> None:
    path = write(tmp_path, r"% derive: A \in \mathbb{R}^{p\times p}, x \in \mathbb{R}^{p}" "\n"
                           r"\[ \nabla_x\, x^\top A x = 2 A x \]" "\n")
    code, doc = check_json(path)
    step = doc["steps"][0]
    assert code == 1 and step["hint_kind"] == "symmetric_2Ax"
    assert step["derivation"]["certified"] and step["derivation"]["gradient"] == "(A + A.T)*x"
    text = run_derive("check", str(path), env={"COLUMNS": "200"}).stdout
    assert "derived by derive:" in text and "Gradient: ∇_x f = (A + Aᵀ)·x" in text
