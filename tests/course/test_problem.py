"""Draws: the first valid point of the seeded grid order, bounded and counted; kinds' own degeneracy tests."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.core.errors import UsageError
from derive.course import Choice, Int, NoValidDraw, Problem, Solution, draw
from derive.course.kinds import KINDS, _normal_equations
from derive.course.problem import Draw


def _nosolve(d: Draw) -> Solution:
    raise AssertionError("not solved in these tests")


def test_a_draw_satisfies_the_constraints_and_repeats_for_its_seed() -> None:
    p = Problem(id="p", title="t", question="q", solve=_nosolve, params={"a": Int(1, 9), "b": Int(1, 9)},
                constraints=["a != b", "a + b > 10"])
    for seed in range(30):
        d = draw(p, seed)
        a, b = d["a"], d["b"]
        assert isinstance(a, int) and isinstance(b, int)
        assert a != b and a + b > 10
        assert draw(p, seed) == d


def test_no_valid_draw_is_said_with_counts_after_a_bounded_search() -> None:
    p = Problem(id="p", title="t", question="q", solve=_nosolve, params={"a": Int(1, 5)}, constraints=["a > 9"])
    tally: dict[str, int] = {}
    with pytest.raises(NoValidDraw, match=r"no valid draw among 5 of the 5 .*excluded: 5 by constraint 'a > 9'"):
        draw(p, 1, tally=tally)
    assert tally == {"constraint 'a > 9'": 5}
    big = Problem(id="p", title="t", question="q", solve=_nosolve, params={"a": Int(1, 5000), "b": Int(1, 5000)},
                  constraints=["a < 0"])
    with pytest.raises(NoValidDraw, match=r"among 50 of the 25000000"):
        draw(big, 1, limit=50)


def test_a_zero_denominator_is_excluded_by_the_kind() -> None:
    p = KINDS["derivative"].make("d", {"expr": "x/({a} - {b})", "wrt": "x"}, "s.toml: problem[1]")
    from dataclasses import replace

    p = replace(p, params={"a": Int(1, 3), "b": Choice(2)})
    seen = {draw(p, s)["a"] for s in range(40)}
    assert seen == {1, 3}  # a = 2 = b is never drawn


def test_a_singular_design_is_excluded() -> None:
    p = KINDS["least_squares"].make("ls", {"x": ["{u}", "{u}", "{w}"], "y": "x + {a}"}, "s.toml: problem[1]")
    from dataclasses import replace

    p = replace(p, params={"u": Int(1, 2), "w": Int(1, 2), "a": Int(0, 1)})
    for s in range(20):
        d = draw(p, s)
        assert d["u"] != d["w"]


@given(st.lists(st.tuples(st.integers(-9, 9), st.integers(-9, 9)), min_size=3, max_size=8), st.integers(1, 2))
@settings(max_examples=60, deadline=None)
def test_exact_normal_equations_agree_with_lstsq(points: list[tuple[int, int]], degree: int) -> None:
    from fractions import Fraction

    X = [[Fraction(x) ** k for k in range(degree + 1)] for x, _ in points]
    y = [Fraction(v) for _, v in points]
    b = _normal_equations(X, y)
    Xf = np.array([[float(v) for v in row] for row in X])
    if np.linalg.matrix_rank(Xf) < degree + 1:
        assert b is None
        return
    assert b is not None
    ref = np.linalg.lstsq(Xf, np.array([float(v) for v in y]), rcond=None)[0]
    assert np.allclose([float(v) for v in b], ref, atol=1e-9)


def test_week1_draws_are_valid_for_many_seeds() -> None:
    from derive.course.sheet import load_sheet
    from tests.conftest import ROOT

    sheet = load_sheet(ROOT / "worked_examples" / "sheets" / "week1.toml")
    line = next(p for p in sheet.problems if p.id == "line")
    chain = next(p for p in sheet.problems if p.id == "chain")
    for s in range(25):
        assert draw(chain, s)["a"] != draw(chain, s)["b"]
        assert line.degenerate is not None and line.degenerate(draw(line, s)) is None
    assert Path(sheet.path).name == "week1.toml"


def test_check_kind_answers_the_first_wrong_step_and_refuses_a_misdeclared_one() -> None:
    from derive.core.contract import Verdict
    from derive.course import NotCertified

    fields = {"lines": [r"\frac{d}{dx}\left({a} x^2\right)", "= {a} x"], "error_step": 1}
    p = KINDS["check"].make("c", fields, "s.toml: problem[1]")
    from dataclasses import replace

    p = replace(p, params={"a": Int(2, 3)})
    d = draw(p, 0)
    sol = p.solve(d)
    assert sol.result.verdict is Verdict.CERTIFIED  # the wrong step is found: that is the certified answer
    assert sol.answers[0].value == 1.0
    assert "Step 1:" in p.question_text(d) and f"{d['a']} x" in p.question_text(d)
    wrong = replace(KINDS["check"].make("c", {**fields, "error_step": 0}, "s.toml: problem[1]"), params=p.params)
    with pytest.raises(NotCertified, match="first wrong step is 1, not the declared error_step 0"):
        wrong.solve(d)


SLIPPED = {"lines": [r"\frac{d}{dx}\left({a} x^3\right)", "= 3 \\cdot {a} x^2", "= {a} \\cdot 3 x^2"],
           "slips": {"1": "= {a} x^2", "2": "= {a} \\cdot 2 x^2"}}


@pytest.mark.slow
def test_check_kind_plants_a_slip_at_a_step_drawn_per_variant() -> None:
    p = KINDS["check"].make("c", SLIPPED, "s.toml: problem[1]")
    assert set(p.params) == {"slip"}
    from dataclasses import replace

    p = replace(p, params={"a": Int(2, 9), **p.params})
    answers = {}
    for seed in range(12):
        d = draw(p, seed)
        sol = p.solve(d)
        assert sol.answers[0].value == d["slip"]  # the planted step is the first one the checker refutes
        # the checker marks lines; the question numbers steps: the solution says which is which
        assert sol.intro.startswith(f"Step {d['slip']} is the first wrong one: line {d['slip'] + 1} does not follow")
        shown = p.question_text(d)
        planted = SLIPPED["slips"][str(d["slip"])].replace("{a}", str(d["a"]))
        assert planted.lstrip("= ") in shown
        answers[seed] = d["slip"]
    assert set(answers.values()) == {1, 2}  # the step varies between variants


def test_check_kind_may_draw_no_slip_and_names_a_bad_slips_table() -> None:
    from dataclasses import replace

    p = KINDS["check"].make("c", SLIPPED, "s.toml: problem[1]")
    p = replace(p, params={"a": Int(2, 3), "slip": Choice(0)})
    d = draw(p, 0)
    none = p.solve(d)
    assert none.answers[0].value == 0 and "3 x^2" in p.question_text(d)
    assert none.intro == "Every step holds: each line follows from the one before it."
    with pytest.raises(UsageError, match=r"problem\[1\]\.slips\.4: not a step of the derivation \(steps 1\.\.2\)"):
        KINDS["check"].make("c", {**SLIPPED, "slips": {"4": "= x"}}, "s.toml: problem[1]")
    with pytest.raises(UsageError, match="error_step .* or slips .*, not both"):
        KINDS["check"].make("c", {**SLIPPED, "error_step": 1}, "s.toml: problem[1]")
    bad = replace(p, params={"a": Int(2, 3), "slip": Choice(5)})
    with pytest.raises(UsageError, match="5 is not a step with a slip"):
        bad.solve(draw(bad, 0))
