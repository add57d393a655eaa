"""derive stress: many seeds of one problem, without TeX; failures by seed, time and the spread of answers."""
from __future__ import annotations

from pathlib import Path

import pytest

from derive.course.problem import Draw, Problem, Solution
from derive.course.params import Int
from derive.course.stress import stress
from tests.conftest import run_derive

SHEET = '''title = "Quiz"
[[problem]]
id = "d"
kind = "derivative"
expr = "{a}*x^2"
params = { a = { int = [2, 9] } }
constraints = ["a != 5"]
'''


@pytest.mark.slow
def test_the_cli_reports_certified_seeds_and_the_spread(tmp_path: Path) -> None:
    sheet = tmp_path / "quiz.toml"
    sheet.write_text(SHEET, encoding="utf-8")
    out = run_derive("stress", f"{sheet}:d", "-n", "3")
    assert out.returncode == 0, out.stderr
    assert "problem d: 3 seeds, 3 certified, 0 failed" in out.stdout
    assert "answer derivative: " in out.stdout and " distinct of 3" in out.stdout
    assert "time: " in out.stdout


@pytest.mark.slow
def test_a_sheet_with_no_valid_draw_fails_every_seed_with_exit_2(tmp_path: Path) -> None:
    sheet = tmp_path / "quiz.toml"
    sheet.write_text(SHEET.replace('"a != 5"', '"a > 100"'), encoding="utf-8")
    out = run_derive("stress", f"{sheet}", "-n", "2")
    assert out.returncode == 2
    assert "0 certified, 2 failed" in out.stdout and "no valid draw among 8 of the 8" in out.stdout


def test_a_failing_solve_is_reported_with_its_seed_and_the_rest_go_on() -> None:
    def solve(d: Draw) -> Solution:
        if d["a"] == 3:
            raise ValueError("three is unlucky")
        import derive
        from derive.course import symbolic_answer

        r = derive.diff(d.expr("{a}*x"), wrt="x")
        return Solution(r, (symbolic_answer("derivative", r.result),))

    p = Problem(id="p", title="t", question="Differentiate.", solve=solve, params={"a": Int(2, 4)}, math="{a}*x")
    report = stress(p, 6, seed=0)
    failed = [m for _, _, m in report.failures]
    assert 0 < len(failed) < 6 and all("three is unlucky" in m for m in failed)
    assert report.answers["derivative"].distinct == 2  # 2 and 4
    assert len(report.seconds) == 6


def test_a_missing_problem_is_a_usage_error(tmp_path: Path) -> None:
    sheet = tmp_path / "quiz.toml"
    sheet.write_text(SHEET, encoding="utf-8")
    out = run_derive("stress", f"{sheet}:nope", "-n", "1")
    assert out.returncode == 2 and "has no problem 'nope'" in out.stderr and "Traceback" not in out.stderr


def test_the_help_examples_name_files_that_ship() -> None:
    import shlex

    from derive.cli.stress import EPILOG
    from tests.conftest import ROOT

    problems = [shlex.split(line)[2] for line in EPILOG.splitlines() if line.strip().startswith("derive stress ")]
    assert len(problems) >= 2
    for problem in problems:
        assert (ROOT / problem.split(":")[0]).is_file(), problem
