"""The derivative and gradient kinds' wrong choices: certified wrong, distinct, the same for a seed,
typeset by our printer; the manifest lists them next to the old keys."""
from __future__ import annotations

import random

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.certify.equal import certify_equal
from derive.core.budget import Budget
from derive.core.contract import Refuted
from derive.course.kinds import KINDS
from derive.course.plan import answer_record
from derive.course.problem import Problem, draw
from derive.course.params import Choice, Domain, Int
from derive.export.questions import Answer
from derive.parse.latex import parse_latex
from derive.parse.text import parse_text
from derive.scalar.mistakes import DERIVATIVE_MISTAKES, NOT_HELD, WRONG_VARIABLE

FEEDBACK = {m.feedback for m in (*DERIVATIVE_MISTAKES, WRONG_VARIABLE, NOT_HELD)}


def _problem(kind: str, fields: dict[str, object], params: dict[str, Domain]) -> Problem:
    from dataclasses import replace

    return replace(KINDS[kind].make("p", fields, "test"), params=params)


def _named(e: sp.Expr) -> sp.Expr:
    return e.xreplace({s: sp.Symbol(s.name) for s in e.free_symbols})


def _differ(a: sp.Expr, b: sp.Expr) -> bool:
    verdict = certify_equal(_named(a), _named(b), Budget(seconds=60).start(), {}, rng=random.Random(11))
    return isinstance(verdict, Refuted)


CHAIN = _problem("derivative", {"expr": "{a}*x^2 + exp({b}*x)", "wrt": "x"},
                 {"a": Int(2, 12), "b": Choice(-3, -2, -1, 2, 3, 4)})


@pytest.mark.slow
@settings(max_examples=6, deadline=None)
@given(st.integers(0, 2**40))
def test_random_draws_of_the_derivative_kind_get_certified_distinct_reproducible_choices(seed: int) -> None:
    d = draw(CHAIN, seed)
    answer = CHAIN.solve(d).answers[0]
    again = CHAIN.solve(d).answers[0]
    assert (answer.distractors, answer.mistakes) == (again.distractors, again.mistakes)  # the seed decides, order too
    assert len(answer.distractors) == 3 and answer.note == ""
    assert set(answer.mistakes) <= FEEDBACK
    right = sp.diff(parse_text(d.expr(CHAIN.math)), sp.Symbol("x", real=True))  # SymPy's, not the rules'
    wrong = [parse_latex(t) for t in answer.distractors]  # what the student reads, read back
    assert not _differ(parse_latex(answer.latex), right)
    for i, w in enumerate(wrong):
        assert _differ(w, right), answer.distractors[i]
        assert all(_differ(w, v) for v in wrong[i + 1:])


def test_a_gradient_s_partials_get_choices_with_a_partial_s_mistakes() -> None:
    p = _problem("gradient", {"expr": "{a}*x^2*y + {b}*y^2", "wrt": ["x", "y"]}, {"a": Int(2, 3), "b": Int(2, 3)})
    d = draw(p, 5)
    answers = p.solve(d).answers
    assert [a.name for a in answers] == ["d/dx", "d/dy"]
    for a in answers:
        assert len(a.distractors) == 3 and len(set(a.distractors)) == 3 and a.latex not in a.distractors
        assert set(a.mistakes) <= FEEDBACK
    assert WRONG_VARIABLE.feedback in answers[0].mistakes + answers[1].mistakes or \
        NOT_HELD.feedback in answers[0].mistakes + answers[1].mistakes


def test_with_fewer_than_two_choices_the_answer_stays_short_and_says_so() -> None:
    p = _problem("derivative", {"expr": "{a}*x", "wrt": "x"}, {"a": Int(2, 5)})
    answer = p.solve(draw(p, 1)).answers[0]
    assert answer.distractors == () and answer.mistakes == ()
    assert answer.note == "0 certified wrong choices of the 3 wanted: too few for multiple choice, so a short answer"
    assert answer_record(answer)["note"] == answer.note


def test_the_manifest_record_keeps_the_old_keys_and_adds_the_choices() -> None:
    a = Answer("g", "symbolic", None, "2*x", "2 x", distractors=("x", "2 x^{2}"), mistakes=("M1.", "M2."),
               note="2 certified wrong choices of the 3 wanted")
    record = answer_record(a)
    assert record == {"kind": "symbolic", "value": None, "text": "2*x", "latex": "2 x", "tolerance": 0.0,
                      "distractors": [{"latex": "x", "mistake": "M1."}, {"latex": "2 x^{2}", "mistake": "M2."}],
                      "note": "2 certified wrong choices of the 3 wanted"}
    n = Answer("v", "numeric", 1.5, "1.5", "1.5", 0.01)
    assert answer_record(n) == {"kind": "numeric", "value": 1.5, "text": "1.5", "latex": "1.5", "tolerance": 0.01}


def test_a_time_limit_that_cuts_the_choices_leaves_a_short_answer_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import derive
    from derive.course import kinds
    from derive.course.problem import symbolic_answer

    r = derive.diff("3*x^2 + exp(2*x)", wrt="x")
    monkeypatch.setattr(kinds, "_budget", lambda: Budget(seconds=0.0))
    answer = kinds.derivative_choices(symbolic_answer("derivative", r.result), r.derivation, 1)
    assert answer.distractors == () and answer.latex == "6 x + 2 e^{2 x}"
    assert answer.note.startswith("wrong choices not computed (cut by the time limit")


def test_choices_are_printed_in_one_shape() -> None:
    """A factored right answer among wrong ones its factor does not divide: all are printed expanded; when
    every choice is factored alike, each keeps its form."""
    from derive.course.kinds import common_form

    x, y = sp.symbols("x y")
    right = sp.factor(2 * x**2 + 2 * x * sp.exp(2 * y) - 6 * y)
    assert isinstance(right, sp.Mul)
    shown, wrong = common_form(right, [2 * x**2 + y, sp.factor(4 * x**2 + 4 * x * sp.exp(2 * y) - 12 * y)])
    assert shown == 2 * x**2 + 2 * x * sp.exp(2 * y) - 6 * y and not isinstance(shown, sp.Mul)
    assert wrong == [2 * x**2 + y, 4 * x**2 + 4 * x * sp.exp(2 * y) - 12 * y]
    alike = [sp.factor(4 * x**2 + 4 * x * sp.exp(2 * y) - 12 * y), sp.factor(6 * x**2 + 6 * x * sp.exp(2 * y) - 12 * y)]
    assert common_form(right, alike) == (right, alike)


def test_the_manifest_keeps_the_choice_form_only_when_it_differs() -> None:
    a = Answer("d/dy", "symbolic", None, "2*(x^2 + 3*y)", "2 \\left(x^{2} + 3 y\\right)",
               distractors=("2 x^{2} + y", "x^{2} + 3 y"), choice="2 x^{2} + 6 y")
    assert answer_record(a)["choice"] == "2 x^{2} + 6 y"
    same = Answer("d", "symbolic", None, "3*x^2", "3 x^{2}", distractors=("x^{2}", "3 x"), choice="3 x^{2}")
    assert "choice" not in answer_record(same)
