"""Handout data and HandoutBuilder: frozen blocks, type checks at the edge, duck-typed results."""
from __future__ import annotations

import dataclasses

import pytest

from derive.core.errors import UsageError
from derive.handout.builder import HandoutBuilder, Renderable, worked_from
from derive.handout.document import Exercise, Handout, Math, Paragraph, Section, Worked
from tests.handout.fakes import FakeResult


def test_blocks_are_frozen_with_slots() -> None:
    block = Section("Intro")
    with pytest.raises(dataclasses.FrozenInstanceError):
        block.title = "Other"  # type: ignore[misc]
    assert not hasattr(block, "__dict__")


def test_each_block_kind_names_its_template() -> None:
    kinds = {Paragraph("a").kind, Math("x").kind, Section("s").kind,
             Worked("t", "", FakeResult(), "").kind, Exercise("p", "").kind}
    assert kinds == {"paragraph", "math", "section", "worked", "exercise"}


def test_labels_are_short_single_lines() -> None:
    assert Section("Chain rule").label == "Chain rule"
    long = Paragraph("word " * 40 + "\nnext line")
    assert "\n" not in long.label and len(long.label) <= 48 and long.label.endswith("...")
    assert Exercise("", "x^2").label == "x^2"
    assert Paragraph("").label == "(empty paragraph)"


@pytest.mark.parametrize(
    "make",
    [
        lambda: Paragraph(None),  # type: ignore[arg-type]
        lambda: Section(3),  # type: ignore[arg-type]
        lambda: Math(b"x"),  # type: ignore[arg-type]
        lambda: Worked("t", "", FakeResult(), None),  # type: ignore[arg-type]
        lambda: Worked("t", "", r"\[x\]", "x"),  # LaTeX text is not a result: the handout keeps maths as data
        lambda: Exercise("p", "", solution="not a worked"),  # type: ignore[arg-type]
        lambda: Handout(title=None),  # type: ignore[arg-type]
        lambda: Handout(title="T", blocks=[Section("s")]),  # type: ignore[arg-type]
        lambda: Handout(title="T", blocks=("plain string",)),  # type: ignore[arg-type]
    ],
)
def test_bad_field_types_raise_usage_error(make: object) -> None:
    with pytest.raises(UsageError) as info:
        make()  # type: ignore[operator]
    assert info.value.hint


def test_handout_lists_exercises_in_order() -> None:
    first, second = Exercise("one", ""), Exercise("two", "")
    handout = Handout("T", blocks=(first, Section("s"), second, Paragraph("p")))
    assert handout.exercises == (first, second)


def test_fake_result_is_renderable() -> None:
    assert isinstance(FakeResult(), Renderable)
    assert not isinstance("x^2", Renderable)


def test_worked_from_keeps_the_result_itself() -> None:
    result = FakeResult()
    worked = worked_from("Power rule", result, intro="Easy.")
    assert worked == Worked("Power rule", "Easy.", result, "x^2") and worked.result is result


def test_worked_from_refuses_non_renderables() -> None:
    with pytest.raises(UsageError, match="cannot render a str"):
        worked_from("t", "x^2")  # type: ignore[arg-type]


def test_builder_collects_blocks_in_order() -> None:
    h = HandoutBuilder(title="Derivatives", subtitle="Week 1", author="Ada")
    h.section("Rules")
    h.paragraph("Some prose.")
    h.math(r"e^{x}")
    h.worked("Power rule", FakeResult(), intro="Watch.")
    h.exercise("Differentiate", r"x^3", solution=FakeResult(source="x^3", result="3 x^{2}"))
    h.exercise("Try this", r"\sin x")
    handout = h.build()
    assert (handout.title, handout.subtitle, handout.author) == ("Derivatives", "Week 1", "Ada")
    assert [b.kind for b in handout.blocks] == ["section", "paragraph", "math", "worked", "exercise", "exercise"]
    solved = handout.exercises[0]
    assert solved.prompt_latex == "x^3"
    assert solved.solution is not None
    assert solved.solution.title == "Solution to exercise 1"
    assert solved.solution.result.render("latex", part="result") == "3 x^{2}"
    assert handout.exercises[1].solution is None


def test_builder_accepts_a_ready_worked_solution() -> None:
    worked = Worked("My solution", "", FakeResult(), "x")
    handout = HandoutBuilder("T").exercise("p", "x", solution=worked).build()
    assert handout.exercises[0].solution is worked


def test_build_is_a_snapshot() -> None:
    h = HandoutBuilder("T").section("one")
    first = h.build()
    h.section("two")
    assert len(first.blocks) == 1 and len(h.build().blocks) == 2


def test_the_same_handout_prints_as_latex_and_as_markdown() -> None:
    """Mathematics stays data until the end: one handout, two formats, each result rendered in it."""
    from derive.render import render

    h = HandoutBuilder("Derivatives", subtitle="Week 1")
    h.section("Rules").paragraph("Some prose.").math(r"e^{x}")
    h.worked("Power rule", FakeResult(body="CHAIN-OF-THE-RESULT", result="RESULT-LINE"), intro="Watch.")
    h.exercise("Differentiate", r"x^3", solution=FakeResult(source="x^3", body="SOLUTION-CHAIN"))
    handout = h.build()
    tex = render(handout, "latex")
    md = render(handout, "markdown")
    assert r"\boxed{RESULT-LINE}" in tex and "CHAIN-OF-THE-RESULT" in tex and "SOLUTION-CHAIN" in tex
    assert md.startswith("# Derivatives") and "## Rules" in md and "$$\ne^{x}\n$$" in md
    assert "### Power rule" in md and "CHAIN-OF-THE-RESULT" in md and "## Solutions" in md
    assert "### Solution to exercise 1" in md and "SOLUTION-CHAIN" in md


def test_points_total_figures_and_style_travel_through_the_builder() -> None:
    from derive.handout.builder import HandoutBuilder
    from derive.handout.document import Figure, Style
    from derive.render.figures import Plot

    plot = Plot(b"%PDF-1.4", "<svg/>", "alt")
    style = Style(course="ML 101", term="Spring", packages=("bm",))
    h = (HandoutBuilder("T", style=style).worked("W", FakeResult(), points=2.5, space=5)
         .exercise("E", "x", points=3).exercise("F", "y").figure(plot, "cap", width=0.5).build())
    assert h.style is style and h.points == 5.5
    assert h.figures == (Figure(plot, "cap", 0.5, True),) and h.figures[0].kind == "figure"
    assert h.blocks[0].space == 5 and h.exercises[1].points is None


@pytest.mark.parametrize("make, message", [
    (lambda: Worked("t", "", FakeResult(), "", points=True), "points"),
    (lambda: Exercise("p", "", space=0.1), "space"),
    (lambda: __import__("derive.handout.document", fromlist=["Figure"]).Figure(object()), "must be a plot"),
    (lambda: __import__("derive.handout.document", fromlist=["Style"]).Style(packages=("catchfile",)), "allowed"),
    (lambda: __import__("derive.handout.document", fromlist=["Style"]).Style(packages=["bm"]), "tuple"),
    (lambda: Handout("t", style="fancy"), "Style"),  # type: ignore[arg-type]
])
def test_bad_marks_figures_and_styles_are_usage_errors(make: object, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        make()  # type: ignore[operator]
