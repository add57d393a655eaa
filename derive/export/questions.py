"""One question of a sheet, drawn for one student: what an online export (Moodle) writes.

A sheet's planner builds these (one per problem and variant); ``derive.export.moodle`` turns them
into Moodle's question XML. Fields are checked on construction, so a bad question fails where it
is made, naming the field, not later inside an XML writer.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from derive.core.errors import UsageError

ANSWER_KINDS = ("numeric", "symbolic")


def _text(owner: str, field: str, value: object, *, empty: bool = False) -> None:
    if not isinstance(value, str):
        raise UsageError(f"{owner}.{field} must be a string, not {type(value).__name__}")
    if not empty and not value.strip():
        raise UsageError(f"{owner}.{field} is empty", hint="give it some text")


def _number(owner: str, field: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"{owner}.{field} must be a number, not {type(value).__name__}")
    if not math.isfinite(value):
        raise UsageError(f"{owner}.{field} must be finite, not {value!r}")
    return float(value)


@dataclass(frozen=True)
class Answer:
    """One answer of a question: a number (with an absolute tolerance) or a formula (with wrong choices).

    ``text`` is the answer as a student would type it (plain text, ``2*x*exp(x^2)``); ``latex`` the
    answer typeset (trusted LaTeX from derive.latex); ``distractors`` wrong answers (LaTeX) for a
    multiple-choice symbolic question, and ``mistakes`` (empty, or one per distractor) the feedback a
    student who chose it reads: the mistake it comes from; ``choice`` the right answer as printed among
    the choices (in the form all of them share, so that its form does not give it away).
    """

    name: str                 # "a", "mle", "gradient"
    kind: str                 # "numeric" | "symbolic"
    value: float | None       # numeric answer (None for symbolic)
    text: str                 # the answer as a student would type it (plain text, e.g. "2*x*exp(x^2)")
    latex: str                # the answer typeset (trusted LaTeX from derive.latex)
    tolerance: float = 0.0    # absolute tolerance for numeric
    distractors: tuple[str, ...] = ()   # wrong answers (LaTeX) for a multiple-choice symbolic question
    mistakes: tuple[str, ...] = ()      # per distractor, the mistake that gives it (feedback), or ()
    note: str = ""            # what a reader of the manifest should know (fewer distractors than wanted)
    choice: str = ""          # the right answer as the choices print it (LaTeX, in their common form); "" = latex

    def __post_init__(self) -> None:
        _text("Answer", "name", self.name)
        owner = f"Answer {self.name!r}"
        if self.kind not in ANSWER_KINDS:
            raise UsageError(f"{owner}: kind must be one of {', '.join(ANSWER_KINDS)}, not {self.kind!r}")
        _text(owner, "text", self.text)
        _text(owner, "latex", self.latex, empty=self.kind == "numeric")
        tolerance = _number(owner, "tolerance", self.tolerance)
        if tolerance < 0:
            raise UsageError(f"{owner}: tolerance must be >= 0, not {tolerance!r}")
        if not isinstance(self.distractors, (tuple, list)):
            raise UsageError(f"{owner}: distractors must be a tuple of LaTeX strings")
        object.__setattr__(self, "distractors", tuple(self.distractors))
        for i, wrong in enumerate(self.distractors):
            _text(owner, f"distractors[{i}]", wrong)
        if not isinstance(self.mistakes, (tuple, list)):
            raise UsageError(f"{owner}: mistakes must be a tuple of texts (one per distractor)")
        object.__setattr__(self, "mistakes", tuple(self.mistakes))
        if self.mistakes and len(self.mistakes) != len(self.distractors):
            raise UsageError(f"{owner}: {len(self.mistakes)} mistakes for {len(self.distractors)} distractors",
                             hint="give one mistake per distractor, or none")
        for i, why in enumerate(self.mistakes):
            _text(owner, f"mistakes[{i}]", why)
        _text(owner, "note", self.note, empty=True)
        _text(owner, "choice", self.choice, empty=True)
        if self.kind == "numeric":
            if self.value is None:
                raise UsageError(f"{owner}: a numeric answer needs a value")
            _number(owner, "value", self.value)
            if self.distractors:
                raise UsageError(f"{owner}: a numeric answer has no distractors",
                                 hint="distractors make a multiple-choice symbolic answer")
        else:
            if self.value is not None:
                raise UsageError(f"{owner}: a symbolic answer has value None, not {self.value!r}")
            if tolerance:
                raise UsageError(f"{owner}: a symbolic answer has no tolerance")
            seen = {self.latex.strip()}
            for wrong in self.distractors:
                if wrong.strip() in seen:
                    raise UsageError(f"{owner}: distractor {wrong!r} repeats the answer or another distractor")
                seen.add(wrong.strip())


@dataclass(frozen=True)
class QuestionVariant:
    """One problem of a sheet as drawn for one variant (student): its text, formula and answers."""

    problem: str              # problem id in the sheet
    variant: str              # student id or variant number
    seed: int
    title: str
    text: str                 # prose with $...$ maths (as handout paragraphs take)
    math_latex: str           # a displayed formula of the question (trusted LaTeX), may be ""
    answers: tuple[Answer, ...]
    points: float = 1.0

    def __post_init__(self) -> None:
        _text("QuestionVariant", "problem", self.problem)
        _text("QuestionVariant", "variant", self.variant)
        owner = f"question {self.problem!r} variant {self.variant!r}"
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise UsageError(f"{owner}: seed must be an integer, not {type(self.seed).__name__}")
        _text(owner, "title", self.title)
        _text(owner, "text", self.text)
        _text(owner, "math_latex", self.math_latex, empty=True)
        if not isinstance(self.answers, (tuple, list)):
            raise UsageError(f"{owner}: answers must be a tuple of Answer")
        object.__setattr__(self, "answers", tuple(self.answers))
        if not self.answers:
            raise UsageError(f"{owner} has no answers")
        names: set[str] = set()
        for answer in self.answers:
            if not isinstance(answer, Answer):
                raise UsageError(f"{owner}: answers must be Answer values, not {type(answer).__name__}")
            if answer.name in names:
                raise UsageError(f"{owner}: two answers named {answer.name!r}")
            names.add(answer.name)
        if _number(owner, "points", self.points) <= 0:
            raise UsageError(f"{owner}: points must be > 0, not {self.points!r}")
