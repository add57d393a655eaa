"""A checked derivation's question part, in every printer: the derivation as the author typed it, step by
step, and nothing derive found out about it (no mark, verdict, counterexample, hint or expected side).

What must not appear is derived from each printer's full rendering of the same report (the words it
adds to the author's text, the counterexample's values, the marks of the steps' certificates), not
from a hand-written list, so a new annotation in a report is kept out of the question too.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.checker.api import Checked, check
from derive.checker.model import CheckedStep, CheckReport, Definition, Hint, Remark
from derive.core.contract import Plausible, Proved, Refuted
from derive.core.errors import UsageError
from derive.render import render
from derive.render.check_latex import lines_of
from derive.render.env import check_latex

PLANTED = r"""Expand the square, then collect the terms:
% derive: x \in \mathbb{R}
\begin{align*}
(x + 3)^2 - 9 &= x^2 + 6x + 9 - 9 \\
  &= x^2 + 3x \\
  &= x (x + 3)
\end{align*}
"""
"""A derivation with a planted slip at step 2 (a missing factor 2): derive refutes it with a counterexample
and a hint."""

SCAFFOLD = {"begin", "end", "align", "aligned", "tag", "step", "text", "const", "qquad"}
"""The words a question may add around the typed text: its displays and its ``step k`` labels."""

FORMATS = [("latex", {}), ("latex", {"mathjax": True}), ("markdown", {}), ("text", {})]

_WORD = re.compile(r"[A-Za-z]{3,}")


def words(text: str) -> set[str]:
    return set(_WORD.findall(text))


def typed_material(r: CheckReport) -> str:
    """Everything the author typed that a report keeps: prose, sides, statements, declarations."""
    pieces = [m.text for m in r.remarks] + list(r.declarations)
    pieces += [f"{d.name} {d.body}" for d in r.definitions]
    pieces += [f"{s.lhs_latex} {s.rhs_latex}" for s in r.steps]
    return "\n".join(pieces)


def annotations(full: str, r: CheckReport) -> set[str]:
    """The words a full rendering adds to the author's text: only the verdicts can say them."""
    return words(full) - words(typed_material(r)) - SCAFFOLD


def counterexample_values(r: CheckReport) -> set[str]:
    """Every value of every counterexample (long enough not to occur by chance)."""
    return {v for s in r.steps if s.counterexample for v in s.counterexample.values() if len(v) >= 4}


@pytest.fixture(scope="module")
def planted() -> Checked:
    r = check(PLANTED, name="square.tex")
    assert r.first_error is not None and r.first_error.index == 2 and r.first_error.hint is not None
    return r


@pytest.mark.parametrize(("fmt", "options"), FORMATS)
def test_the_question_is_the_typed_steps_and_nothing_of_the_verdict(planted: Checked, fmt: str,
                                                                     options: dict[str, object]) -> None:
    r = planted.report
    full = planted.render(fmt, **options)
    asked = planted.render(fmt, part="question", **options)
    said = annotations(full, r)
    assert {"hint", "follow"} & {w.lower() for w in said}, said  # the full report does say the verdicts
    assert not said & words(asked), said & words(asked)
    values = counterexample_values(r)
    assert values and all(v in full for v in values)
    assert not [v for v in values if v in asked]
    marks = {s.certificate.mark for s in r.steps} - set(typed_material(r))
    assert not [m for m in marks if m in asked]
    assert "line" not in asked.lower()  # steps are labelled by their number, not by the file's lines
    flat = asked.replace("~", " ")
    for s in r.steps:
        assert f"step {s.index}" in flat
        assert all(piece in asked for piece in lines_of(s.rhs_latex)), s.rhs_latex
    assert r.steps[0].lhs_latex in asked
    assert "Expand the square, then collect the terms:" in asked
    assert flat.index("step 1") < flat.index("step 2") < flat.index("step 3")  # the author's order


def test_the_latex_question_is_trusted_latex_and_the_solution_is_unchanged(planted: Checked) -> None:
    asked = planted.render("latex", part="question")
    check_latex(asked)
    assert r"\tag*{step~2}" in asked and r"\fcolorbox" not in asked and r"\textcolor" not in asked
    chain = planted.render("latex", part="chain")
    assert r"\fcolorbox" in chain and "Line 5 does not follow" in chain  # the solution keeps its box


def test_the_json_question_has_the_typed_steps_and_no_verdict_field(planted: Checked) -> None:
    r = planted.report
    doc = json.loads(planted.render("json", part="question"))
    full = planted.render("json")
    steps = [i for i in doc["items"] if i["kind"] == "step"]
    assert [(s["step"], s["lhs"], s["relation"], s["rhs"]) for s in steps] == \
        [(s.index, s.lhs_latex, s.relation, s.rhs_latex) for s in r.steps]
    assert doc["items"][0] == {"kind": "prose", "line": 1, "text": "Expand the square, then collect the terms:"}
    keys = set(json.loads(full)) | {k for s in json.loads(full)["steps"] for k in s}
    asked_keys = set(doc) | {k for i in doc["items"] for k in i}
    assert {"status", "certificate", "counterexample", "hint", "expected", "verdict"} <= keys
    assert not asked_keys & (keys - {"file", "declarations", "steps", "step", "line", "lhs", "rhs", "relation",
                                     "up_to_constant", "definitions", "kind", "name", "body"}), asked_keys
    assert not [v for v in counterexample_values(r) if v in json.dumps(doc)]


def test_a_markdown_question_of_other_results_is_their_latex_question_displayed() -> None:
    import derive

    d = derive.diff("x^3", wrt="x")
    assert d.render("markdown", part="question") == "$$\n" + d.render("latex", part="question") + "\n$$\n"
    for fmt in ("text", "json"):
        with pytest.raises(UsageError, match="no question"):
            d.render(fmt, part="question")
    for fmt in ("markdown", "text", "json"):
        with pytest.raises(UsageError, match="part"):
            d.render(fmt, part="answers")


# --- any report: a property over reports built directly (no checking) ---------------------------------

_SIDE = st.lists(st.sampled_from(["x", "y", "2", "3", r"\alpha", "+", "-", r"\cdot", "^2", r"\frac{1}{2}"]),
                 min_size=1, max_size=6).map(" ".join)
_VALUE = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda v: f"{v:.9f}")
_CERT = st.one_of(
    st.builds(lambda: Proved("simplify")),
    st.builds(lambda: Plausible(12, "x > 0", 1e-12)),
    st.builds(lambda p, a, b: Refuted((("x", p),), a, b), _VALUE, _VALUE, _VALUE),
)


@st.composite
def reports(draw: st.DrawFn) -> CheckReport:
    n = draw(st.integers(1, 5))
    sides = [draw(_SIDE) for _ in range(n + 1)]
    steps = []
    for k in range(n):
        cert = draw(_CERT)
        hint = Hint("sign", ("flip the sign of the SECRETHINT term",)) if isinstance(cert, Refuted) else None
        steps.append(CheckedStep(before=None, after=None, rule="user step", certificate=cert, index=k + 1,
                                 line=4 + k, chain=1, lhs_line=3 + k, lhs_latex=sides[k], rhs_latex=sides[k + 1],
                                 read_lhs=sides[k], read_rhs=sides[k + 1], hint=hint,
                                 expected_latex="EXPECTEDSIDE" if hint else None))
    definitions = (Definition("f(x)", sides[0], 3),) if draw(st.booleans()) else ()
    return CheckReport("drawn.tex", tuple(steps), (Remark("Which step is wrong?", 1),), (), (), definitions)


@settings(max_examples=60, deadline=None)
@given(reports())
def test_no_question_of_any_report_holds_a_verdict(r: CheckReport) -> None:
    values = {v for s in r.steps if s.counterexample for v in s.counterexample.values()}
    for fmt, options in FORMATS:
        asked = render(r, fmt, part="question", **options)
        assert not [v for v in values if v in asked], (fmt, asked)
        assert "SECRETHINT" not in asked and "EXPECTEDSIDE" not in asked
        flat = asked.replace("~", " ")
        assert all(f"step {s.index}" in flat for s in r.steps)
        assert "Which step is wrong?" in asked
        if fmt == "latex" and not options:
            check_latex(asked)
    asked = render(r, "json", part="question")
    assert "SECRETHINT" not in asked and not [v for v in values if v in asked]


def test_the_student_tex_of_hostile_source_holds_nothing_of_it(tmp_path: Path) -> None:
    from derive.handout.builder import HandoutBuilder
    from derive.render.env import render_handout
    from tests.render.test_check_report import HOSTILE

    path = tmp_path / "hostile.tex"
    path.write_text(HOSTILE, encoding="utf-8")
    r = check(path)
    h = HandoutBuilder("Find the slip").checked(r).build()
    body = render_handout(h, solutions=False).split("% derive-source: title block", 1)[1]
    for bad in ("input", "write18", "passwd", "pwned", "hostname", "catcode", r"\label"):
        assert bad not in body, bad
    assert "Gradient of a quadratic" in body and r"\tag*{step~1}" in body and "line~" not in body
