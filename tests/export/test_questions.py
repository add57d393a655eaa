"""The question data a sheet hands to the Moodle export: checked where it is made."""
from __future__ import annotations

import dataclasses

import pytest

from derive.core.errors import UsageError
from derive.export import Answer, QuestionVariant


def _numeric(**kw: object) -> Answer:
    args: dict[str, object] = dict(name="a", kind="numeric", value=2.5, text="2.5", latex="2.5", tolerance=0.01)
    args.update(kw)
    return Answer(**args)  # type: ignore[arg-type]


def _question(**kw: object) -> QuestionVariant:
    args: dict[str, object] = dict(problem="p1", variant="s001", seed=7, title="Slope", text="Find $a$.",
                                   math_latex="y = a x", answers=(_numeric(),))
    args.update(kw)
    return QuestionVariant(**args)  # type: ignore[arg-type]


def test_valid_values_are_kept_and_frozen() -> None:
    sym = Answer("g", "symbolic", None, "2*x", "2 x", distractors=["x^2", "2"])  # type: ignore[arg-type]
    assert sym.distractors == ("x^2", "2")
    q = _question(answers=[_numeric(), sym])
    assert q.answers[1] is sym and q.points == 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.title = "other"  # type: ignore[misc]


@pytest.mark.parametrize("kw, words", [
    ({"kind": "number"}, "kind must be one of"),
    ({"value": None}, "needs a value"),
    ({"value": float("nan")}, "finite"),
    ({"value": True}, "must be a number"),
    ({"tolerance": -1.0}, "tolerance must be >= 0"),
    ({"distractors": ("3",)}, "no distractors"),
    ({"name": " "}, "name is empty"),
    ({"text": ""}, "text is empty"),
])
def test_bad_numeric_answers_are_usage_errors(kw: dict[str, object], words: str) -> None:
    with pytest.raises(UsageError, match=words):
        _numeric(**kw)


@pytest.mark.parametrize("kw, words", [
    ({"value": 1.0}, "value None"),
    ({"tolerance": 0.1}, "no tolerance"),
    ({"latex": ""}, "latex is empty"),
    ({"distractors": ("2 x",)}, "repeats the answer"),
    ({"distractors": ("x", "x")}, "repeats the answer or another"),
    ({"distractors": ("x", "x^2"), "mistakes": ("a sign error",)}, "1 mistakes for 2 distractors"),
    ({"distractors": ("x",), "mistakes": (" ",)}, r"mistakes\[0\] is empty"),
    ({"note": 3}, "note must be a string"),
])
def test_bad_symbolic_answers_are_usage_errors(kw: dict[str, object], words: str) -> None:
    args: dict[str, object] = dict(name="g", kind="symbolic", value=None, text="2*x", latex="2 x")
    args.update(kw)
    with pytest.raises(UsageError, match=words):
        Answer(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize("kw, words", [
    ({"answers": ()}, "has no answers"),
    ({"answers": ("2.5",)}, "must be Answer values"),
    ({"answers": (_numeric(), _numeric())}, "two answers named 'a'"),
    ({"points": 0}, "points must be > 0"),
    ({"seed": "7"}, "seed must be an integer"),
    ({"problem": ""}, "problem is empty"),
    ({"math_latex": None}, "must be a string"),
])
def test_bad_questions_are_usage_errors(kw: dict[str, object], words: str) -> None:
    with pytest.raises(UsageError, match=words):
        _question(**kw)
