"""Versions from one handout: a student version holds no solution text; an exam adds points and answer boxes."""
from __future__ import annotations

from pathlib import Path

import pytest

import derive
from derive.core.errors import RenderError, UsageError
from derive.handout.builder import HandoutBuilder
from derive.handout.document import Exercise, Handout, Style, Worked
from derive.render.env import make_env, render_handout
from derive.render.pdf import build_pdf, overfull_boxes
from tests.conftest import pdf_text
from tests.handout.fakes import FakeResult


@pytest.fixture(scope="module")
def handout() -> Handout:
    h = HandoutBuilder("The sigmoid", "Week 1", style=Style(course="ML 101", term="Spring 2026", instructor="Dr. Ada"))
    h.paragraph(r"Notation: $\vect{x}\T \vect{w}$, $\argmax_\theta \E[X]$, $\norm{\vect{x}}$, $\Var(X)$.")
    h.worked("Differentiate the sigmoid", derive.diff("1/(1 + exp(-z))", wrt="z"),
             intro="Start from the definition.", points=5)
    h.worked("Gradient of a quadratic", derive.grad("x^2*y + y^3", wrt="x,y"), points=4, space=3)
    h.exercise("Differentiate:", derive.latex("2*sigmoid(2*z) - 1"),
               solution=derive.diff("2*sigmoid(2*z) - 1", wrt="z"), points=3)
    return h.build()


def solution_strings(h: Handout) -> list[str]:
    """The text only a solution prints: each result's LaTeX, its chain's rows' reasons, the inputs."""
    out: list[str] = []
    for b in h.blocks:
        w = b if isinstance(b, Worked) else b.solution if isinstance(b, Exercise) else None
        if w is None:
            continue
        out.append(w.result.render("latex", part="result"))
        out.append(r"\boxed")
        out.append("Input:")
    out += ["chain rule", "sum rule", "Solutions", "Solution to exercise", "simplify"]
    return out


def test_student_version_has_no_solution_text(handout: Handout) -> None:
    student = render_handout(handout, solutions=False)
    body = student.split("\n\\begin{document}\n", 1)[1]
    for text in solution_strings(handout):
        assert text not in body, text
    # the questions are there: what is asked, and the authors' words
    assert r"\frac{d}{d z} \left(\frac{1}{1 + e^{- z}}\right)" in body
    assert r"\nabla f \text{ of } f(x, y) = x^{2} y + y^{3}" in body
    assert "Start from the definition." in body
    assert r"2 \sigma\left(2 z\right) - 1" in body


def test_solution_version_is_the_default_and_has_the_solutions(handout: Handout) -> None:
    solution = render_handout(handout)
    assert solution == render_handout(handout, solutions=True, layout="handout")
    for w in (b for b in handout.blocks if isinstance(b, Worked)):
        assert w.result.render("latex", part="result") in solution
    assert "Solutions" in solution and "chain rule" in solution
    sbody = solution.split("\n\\begin{document}\n")[1]
    assert r"\danswer{" not in sbody and "Student ID" not in sbody


def test_exam_layout_has_points_answer_boxes_total_and_a_name_line(handout: Handout) -> None:
    exam = render_handout(handout, solutions=False, layout="exam")
    body = exam.split("\n\\begin{document}\n", 1)[1]
    assert r"\dnameline" in body
    assert r"Total: 12~points" in body
    assert body.count(r"\dpoints{") == 3 and r"\dpoints{5}" in body and r"\dpoints{3}" in body
    assert r"\danswer{6cm}" in body and r"\danswer{3cm}" in body and r"\danswer{4cm}" in body
    for text in solution_strings(handout):
        assert text not in body, text


def test_bad_layout_and_marks_are_errors() -> None:
    h = HandoutBuilder("T").build()
    with pytest.raises(RenderError, match="unknown layout"):
        render_handout(h, layout="poster")
    with pytest.raises(UsageError, match="points"):
        HandoutBuilder("T").worked("W", FakeResult(), points=-1)
    with pytest.raises(UsageError, match="space"):
        HandoutBuilder("T").exercise("E", "x", space=100)
    with pytest.raises(UsageError, match="not an allowed package"):
        Style(packages=("shellesc",))


def test_a_result_without_a_question_prints_title_and_intro_only() -> None:
    class NoQuestion(FakeResult):
        def render(self, fmt: str = "text", **settings: object) -> str:
            if settings.get("part") == "question":
                raise UsageError("no question")
            return super().render(fmt, **settings)

    h = HandoutBuilder("T").worked("Secret", NoQuestion(body=r"\begin{align*} a &= SECRETCHAIN \end{align*}",
                                                        result="SECRETRESULT", source="SECRETSOURCE"),
                                   intro="Intro.").build()
    student = render_handout(h, solutions=False)
    assert "Secret" in student and "Intro." in student
    assert "SECRET" not in student.replace("Secret", "")


def test_user_templates_override_ours_but_not_the_hardening(tmp_path: Path) -> None:
    (tmp_path / "title.tex.j2").write_text(r"\noindent OUR OWN TITLE << handout.title | tex_line >>" + "\n")
    h = HandoutBuilder("Hello", style=Style(templates=tmp_path)).build()
    tex = render_handout(h)
    assert "OUR OWN TITLE Hello" in tex and r"\derive@deny" in tex
    (tmp_path / "base.tex.j2").write_text("\\documentclass{article}\\begin{document}x\\end{document}\n")
    with pytest.raises(RenderError, match="base.tex.j2 cannot be replaced"):
        render_handout(h)
    with pytest.raises(RenderError, match="does not exist"):
        make_env(overrides=tmp_path / "missing")


def test_style_packages_and_header_are_in_the_preamble() -> None:
    h = HandoutBuilder("T", style=Style(course="Stats 2", term="Fall", packages=("booktabs", "bm"))).build()
    tex = render_handout(h)
    pre = tex.split("\n\\begin{document}\n")[0]
    assert r"\usepackage{booktabs}" in pre and r"\usepackage{bm}" in pre
    assert r"\fancyhead[L]{\small\color{dAccent}Stats 2}" in pre
    assert r"\providecommand{\argmax}" in pre and r"\providecommand{\E}" in pre


@pytest.mark.tex
def test_three_versions_typeset_without_overfull_lines(handout: Handout, tmp_path: Path) -> None:
    texts = {}
    for name, solutions, layout in (("solution", True, "handout"), ("student", False, "handout"),
                                    ("exam", False, "exam")):
        log: list[str] = []
        pdf = build_pdf(render_handout(handout, solutions=solutions, layout=layout), tmp_path / f"{name}.pdf", log=log)
        assert overfull_boxes(log[0]) == []
        texts[name] = " ".join(pdf_text(pdf).split())
    assert "ML 101" in texts["student"] and "Differentiate the sigmoid" in texts["student"]
    assert "chain rule" in texts["solution"] and "chain rule" not in texts["student"]
    assert "Student ID" in texts["exam"] and "Total: 12 points" in texts["exam"] and "(5 points)" in texts["exam"]


def test_the_template_digest_changes_with_a_user_template(tmp_path: Path) -> None:
    from derive.render.env import template_digest

    before = template_digest(tmp_path)
    assert before == template_digest(tmp_path) == template_digest()  # an empty folder overrides nothing
    (tmp_path / "look.tex.j2").write_text("\\usepackage{lmodern}\n")
    assert template_digest(tmp_path) != before
