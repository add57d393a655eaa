"""Student and exam versions of a handout with a checked derivation (issue 14: "no solution text anywhere
in its .tex, not merely hidden"): each typed step is there, and nothing of the verdicts the solution
version prints (its words, marks, counterexample values, hints), in the .tex, the HTML and the PDF.

The forbidden text is derived from the solution version's own rendering of the same block, so a new
annotation in the solution is kept out of the student version without editing this test.
"""
from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from derive.checker.api import Checked, check
from derive.checker.model import CheckReport
from derive.export.html import handout_html
from derive.handout.builder import HandoutBuilder
from derive.handout.document import Handout
from derive.render import render
from derive.render.check_latex import lines_of
from derive.render.env import SOURCE_MARKER, render_handout
from derive.render.pdf import build_pdf
from tests.conftest import ROOT, pdf_text, run_derive
from tests.render.test_check_question import PLANTED  # a derivation with a planted slip at step 2 (6x written 3x)

RIGHT = r"""% derive: t \in \mathbb{R}
\begin{align*}
(t - 1)(t + 1) &= t^2 - t + t - 1 \\
  &= t^2 - 1
\end{align*}
"""

QUESTION = "Check every step; which is the first wrong one?"
SCAFFOLD = {"begin", "end", "align", "aligned", "tag", "step", "text", "const", "sloppy", "qquad", "document",
            "dworkedtitle", "dpoints", "danswer"}
"""The words a student version may add around the typed text: its displays and ``step k`` labels."""
_WORD = re.compile(r"[A-Za-z]{3,}")


def words(text: str) -> set[str]:
    return set(_WORD.findall(text))


def typed(r: CheckReport) -> str:
    """Everything the author typed that a report keeps: prose, statements, declarations, sides."""
    pieces = [m.text for m in r.remarks] + list(r.declarations) + [f"{d.name} {d.body}" for d in r.definitions]
    return "\n".join(pieces + [f"{s.lhs_latex} {s.rhs_latex}" for s in r.steps])


def authored(h: Handout) -> str:
    """Everything the author wrote in a handout: its prose and titles, and each checked derivation as typed."""
    pieces = [h.title, h.subtitle, h.author]
    for b in h.blocks:
        pieces += [str(getattr(b, f)) for f in ("text", "title", "intro", "prompt") if hasattr(b, f)]
        data = getattr(getattr(b, "result", None), "data", None)
        if isinstance(data, CheckReport):
            pieces.append(typed(data))
    return "\n".join(pieces)


def block_tex(tex: str, label: str) -> str:
    """What one block wrote into a version's .tex: from the line after its source marker to the next marker."""
    start = tex.index("\n", tex.index(SOURCE_MARKER + label))
    end = tex.find(SOURCE_MARKER, start)
    return tex[start:end if end > 0 else len(tex)]


def values(r: CheckReport) -> set[str]:
    """The counterexamples' values (long enough not to occur by chance)."""
    return {v for s in r.steps if s.counterexample for v in s.counterexample.values() if len(v) >= 4}


def verdict_text(solution: str, author: str, r: CheckReport) -> set[str]:
    """What a solution rendering says beyond the author's text: its words, and the counterexample values."""
    return (words(solution) - words(author) - SCAFFOLD) | values(r)


def found(forbidden: set[str], text: str) -> list[str]:
    """The forbidden words or values that occur in ``text`` as whole words."""
    return sorted(f for f in forbidden if re.search(rf"(?<![A-Za-z0-9.]){re.escape(f)}(?![A-Za-z0-9])", text))


def section_text(html: str, cls: str) -> str:
    """The text of the first ``<section class=cls>`` of a page, its tags stripped."""
    start = html.index(f'<section class="{cls}">')
    return unescape(re.sub(r"<[^>]+>", " ", html[start:html.index("</section>", start)]))


@pytest.fixture(scope="module")
def planted() -> Checked:
    r = check(PLANTED, name="square.tex")
    assert r.first_error is not None and r.first_error.index == 2
    return r


@pytest.fixture(scope="module")
def handout(planted: Checked) -> Handout:
    h = HandoutBuilder("Find the slip", "Week 2")
    h.paragraph(QUESTION)
    h.checked(planted)
    h.worked("A derivation to check", check(RIGHT, name="product.tex"), intro="Is every step right?", points=2)
    return h.build()


@pytest.mark.parametrize("layout", ["handout", "exam"])
def test_student_and_exam_tex_hold_the_steps_and_nothing_of_the_verdicts(
        handout: Handout, planted: Checked, layout: str) -> None:
    r = planted.report
    solution = block_tex(render_handout(handout), "square.tex")
    student_tex = render_handout(handout, solutions=False, layout=layout)
    student = block_tex(student_tex, "square.tex")
    forbidden = verdict_text(solution, authored(handout), r)
    assert {"Hint", "follow", "refuted", "proved"} <= forbidden  # the solution says them (the test has teeth)
    body = student_tex.split("\n\\begin{document}\n", 1)[1]
    assert not found(forbidden, student)
    assert not found(values(r), body)  # the planted slip's counterexample is nowhere in the student .tex
    assert "line~" not in body and r"\textcolor" not in body and r"\checkmark" not in body
    for s in r.steps:
        assert rf"\tag*{{step~{s.index}}}" in student
        assert all(piece in student for piece in lines_of(s.rhs_latex)), s.rhs_latex
    assert r.steps[0].lhs_latex in student and "Expand the square" in student
    assert QUESTION in body


def test_a_worked_block_holding_a_check_prints_its_steps_in_a_student_version(handout: Handout) -> None:
    worked = handout.blocks[2]
    r = worked.result.report  # type: ignore[union-attr]
    solution = block_tex(render_handout(handout), "A derivation to check")
    exam = block_tex(render_handout(handout, solutions=False, layout="exam"), "A derivation to check")
    forbidden = verdict_text(solution, authored(handout), r)
    assert {"textcolor", "dinput", "checkmark"} <= forbidden
    assert not found(forbidden, exam)
    assert r"\tag*{step~1}" in exam and r"\tag*{step~2}" in exam and "t^2 - t + t - 1" in exam
    assert r"\[" not in exam  # the steps are text-mode displays, never inside \[ \]
    assert r"\dpoints{2}" in exam and r"\danswer{6cm}" in exam


def test_the_solution_version_is_unchanged(handout: Handout, planted: Checked) -> None:
    solution = render_handout(handout)
    assert solution == render_handout(handout, solutions=True)
    block = block_tex(solution, "square.tex")
    assert planted.render("latex", part="chain") in block
    assert "refuted: a counterexample" in block and r"\fcolorbox" in block and "Line 5 does not follow" in block


def test_the_student_html_and_markdown_hold_the_steps_and_nothing_of_the_verdicts(
        handout: Handout, planted: Checked) -> None:
    r = planted.report
    author = authored(handout)
    for layout in ("handout", "exam"):
        solution = section_text(handout_html(handout, solutions=True, layout=layout), "checked")
        page = handout_html(handout, solutions=False, layout=layout)
        student = section_text(page, "checked")
        forbidden = verdict_text(solution, author, r)
        assert {"follow", "Counterexample", "Hint"} <= forbidden
        assert not found(forbidden, student) and not found(values(r), page)
        assert all(rf"\text{{step {s.index}}}" in student for s in r.steps) and "Expand the square" in student
    md_solution, md_student = render(handout, "markdown"), render(handout, "markdown", part="question")
    forbidden = verdict_text(md_solution, author, r) | verdict_text(md_solution, author, handout.blocks[2].result.data)
    assert {"follow", "Hint", "certified", "Input"} <= forbidden
    assert not found(forbidden, md_student)
    assert r"\text{step 3}" in md_student and QUESTION in md_student and "Is every step right?" in md_student


def _pdf(tex: str, path: Path) -> str:
    log: list[str] = []
    build_pdf(tex, path, log=log)
    assert "Overfull" not in "".join(log)
    return " ".join(pdf_text(path).split())


@pytest.mark.tex
def test_the_student_pdf_reads_the_steps_and_no_verdict(handout: Handout, planted: Checked, tmp_path: Path) -> None:
    r = planted.report
    solution = _pdf(render_handout(handout), tmp_path / "solution.pdf")
    student = _pdf(render_handout(handout, solutions=False), tmp_path / "student.pdf")
    exam = _pdf(render_handout(handout, solutions=False, layout="exam"), tmp_path / "exam.pdf")
    forbidden = verdict_text(solution, authored(handout), r)
    assert {"Hint", "follow", "refuted", "proved", "line"} <= forbidden and values(r) <= forbidden
    for text in (student, exam):
        assert not found(forbidden - {"Name", "Student", "Total", "points"}, text)
        assert "step 1" in text and "step 2" in text and "step 3" in text and QUESTION in text
        assert "Expand the square" in text
    assert "Name" in exam  # the exam layout's name line


def scripts_with_checked_blocks() -> list[str]:
    return sorted(p.stem for p in (ROOT / "worked_examples").glob("*.py")
                  if ".checked(" in p.read_text(encoding="utf-8"))


def test_the_library_has_checked_examples() -> None:
    assert len(scripts_with_checked_blocks()) >= 3


@pytest.mark.tex
@pytest.mark.slow
def test_the_library_examples_with_checked_blocks_build_students_without_verdicts(tmp_path: Path) -> None:
    names = scripts_with_checked_blocks()
    out = run_derive("build", *(str(ROOT / "worked_examples" / f"{n}.py") for n in names), "--out", str(tmp_path),
                     "--versions", "solution,student,exam", "-j", "2", timeout=900)
    assert out.returncode == 0, out.stderr
    for name in names:
        solution = (tmp_path / f"{name}.tex").read_text(encoding="utf-8")
        checked = [m for m in re.findall(re.escape(SOURCE_MARKER) + r"(.*)", solution) if m.endswith(".tex")]
        assert checked, name  # a checked block is named by its file
        for version in ("student", "exam"):
            tex = (tmp_path / f"{name}.{version}.tex").read_text(encoding="utf-8")
            for label in checked:
                source = (ROOT / "worked_examples" / "derivations" / label.replace("\\_", "_")).read_text(encoding="utf-8")
                sol, stu = block_tex(solution, label), block_tex(tex, label)
                forbidden = words(sol) - words(source) - SCAFFOLD
                assert {"textcolor", "rlap", "line"} <= forbidden, (name, label)
                assert not found(forbidden, stu), (name, label, found(forbidden, stu))
                assert r"\tag*{step~1}" in stu, (name, label)
            text = " ".join(pdf_text(tmp_path / f"{name}.{version}.pdf").split())
            assert "step 1" in text and "proved: holds symbolically" not in text
            assert "margin: the line in the file" not in text
