"""Moodle XML of a sheet's variants, read back the way Moodle's importer reads it."""
from __future__ import annotations

import html
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.core.errors import UsageError
from derive.export import Answer, QuestionVariant
from derive.export.moodle import cdata, moodle_xml, shortanswer_pattern

GOLDEN = Path(__file__).parent / "golden" / "small_sheet.moodle.xml"

# What Moodle's importer needs of each question type, from qformat_xml in Moodle's
# question/format/xml/format.php (import_headers, import_category, import_numerical,
# import_multichoice, import_shortanswer, import_answer, import_combined_feedback). "Required"
# means the importer indexes the element directly (a PHP error or 'xmlimportnoname' without it) or
# the question would be imported with a silent default we do not want (the questiontext, the
# grade, the penalty, the answer's fraction and tolerance, the multichoice and unit options).
# Paths are relative to <question>; "@x" is an attribute.
COMMON = ["name/text", "questiontext/text", "questiontext@format", "generalfeedback/text", "generalfeedback@format",
          "defaultgrade", "penalty", "hidden"]  # hidden: written by Moodle's own exporter (writequestion)
REQUIRED: dict[str, list[str]] = {
    # import_category: $question['#']['category'][0]['#']['text'], and info's text and @format when info is present
    "category": ["category/text", "info/text", "info@format"],
    # import_numerical: $question['#']['answer'] direct; each answer's text, @fraction, tolerance; unit options
    "numerical": COMMON + ["answer", "answer/text", "answer@fraction", "answer/tolerance", "answer/feedback/text",
                           "unitgradingtype", "unitpenalty", "showunits", "unitsleft"],
    # import_multichoice: single, shuffleanswers, answernumbering; answers read with files (text and @format);
    # import_combined_feedback: correct/partiallycorrect/incorrect feedback
    "multichoice": COMMON + ["single", "shuffleanswers", "answernumbering", "showstandardinstruction",
                             "correctfeedback/text", "partiallycorrectfeedback/text", "incorrectfeedback/text",
                             "answer", "answer/text", "answer@fraction", "answer@format", "answer/feedback/text"],
    # import_shortanswer: usecase; $question['#']['answer'] direct; each answer's text and @fraction
    "shortanswer": COMMON + ["usecase", "answer", "answer/text", "answer@fraction", "answer/feedback/text"],
}


def _has(q: ET.Element, path: str) -> bool:
    element, _, attribute = path.partition("@")
    nodes = [q] if not element else q.findall(element)
    return bool(nodes) and all((n.get(attribute) is not None) if attribute else True for n in nodes)


def _numeric(value: float, tol: float = 0.01, name: str = "a") -> Answer:
    return Answer(name, "numeric", value, repr(value), f"{value:g}", tol)


def _sheet() -> list[list[QuestionVariant]]:
    slope = [QuestionVariant("slope", f"s{i:03d}", 100 + i, "Slope of a line",
                             "Find the slope $a$ of $y = a x + b$ through the two points.", rf"(0, 1),\ (1, {i + 3})",
                             (_numeric(float(i + 2)),), points=2) for i in range(2)]
    derivative = [QuestionVariant("deriv", f"s{i:03d}", 200 + i, "Derivative of an exponential",
                                  "Differentiate $f$ with respect to $x$.", rf"f(x) = e^{{{i + 2} x}}",
                                  (Answer("fprime", "symbolic", None, f"{i + 2}*exp({i + 2}*x)", rf"{i + 2} e^{{{i + 2} x}}",
                                          distractors=(rf"e^{{{i + 2} x}}", rf"{i + 2} x e^{{{i + 1} x}}")),))
                  for i in range(2)]
    mle = [QuestionVariant("mle", f"s{i:03d}", 300 + i, "Exponential MLE",
                           "For a sample from an exponential distribution, give the MLE of $\\lambda$ and its value at the data.",
                           "", (Answer("formula", "symbolic", None, "n/sum(x)", r"\frac{n}{\sum_i x_i}"),
                                _numeric(0.5 + i, 0.001, "value")), points=3) for i in range(2)]
    return [slope, derivative, mle]


@pytest.fixture(scope="module")
def quiz() -> ET.Element:
    return ET.fromstring(moodle_xml("Week 1", _sheet()).encode("utf-8"))


def test_each_question_has_what_the_importer_reads(quiz: ET.Element) -> None:
    assert quiz.tag == "quiz"  # readquestions: $xml['quiz']['#']['question']
    kinds = [q.get("type") for q in quiz.findall("question")]
    assert set(kinds) == {"category", "numerical", "multichoice", "shortanswer"}
    for q in quiz.findall("question"):
        missing = [p for p in REQUIRED[str(q.get("type"))] if not _has(q, p)]
        assert missing == [], (q.get("type"), missing)
        for formatted in q.iter():
            if formatted.get("format") is not None:
                assert formatted.get("format") in {"html", "moodle_auto_format"}  # trans_format knows both


def test_categories_come_before_their_variants(quiz: ET.Element) -> None:
    layout = [(q.get("type"), (q.findtext("category/text") or q.findtext("name/text") or "").strip())
              for q in quiz.findall("question")]
    assert layout == [
        ("category", "$course$/top/Week 1/slope"), ("numerical", "Slope of a line [s000]"),
        ("numerical", "Slope of a line [s001]"),
        ("category", "$course$/top/Week 1/deriv"), ("multichoice", "Derivative of an exponential [s000]"),
        ("multichoice", "Derivative of an exponential [s001]"),
        ("category", "$course$/top/Week 1/mle/formula"), ("shortanswer", "Exponential MLE [s000]: formula"),
        ("shortanswer", "Exponential MLE [s001]: formula"),
        ("category", "$course$/top/Week 1/mle/value"), ("numerical", "Exponential MLE [s000]: value"),
        ("numerical", "Exponential MLE [s001]: value"),
    ]


def test_numerical_answers_read_as_the_importer_reads_them(quiz: ET.Element) -> None:
    numerical = [q for q in quiz.findall("question") if q.get("type") == "numerical"]
    got = [(float((q.findtext("answer/text") or "").strip()), float(q.findtext("answer/tolerance") or "nan"),
            float(q.find("answer").get("fraction")) / 100, float(q.findtext("defaultgrade") or "nan"))  # type: ignore[union-attr]
           for q in numerical]
    assert got == [(2.0, 0.01, 1.0, 2.0), (3.0, 0.01, 1.0, 2.0), (0.5, 0.001, 1.0, 1.5), (1.5, 0.001, 1.0, 1.5)]
    assert all(q.findtext("showunits") == "3" for q in numerical)  # qtype_numerical::UNITNONE


def test_multichoice_has_one_right_answer_and_its_distractors(quiz: ET.Element) -> None:
    q = next(q for q in quiz.findall("question") if q.get("type") == "multichoice")
    assert q.findtext("single") == "true" and q.findtext("shuffleanswers") == "true"  # trans_single
    answers = [(a.get("fraction"), (a.findtext("text") or "").strip()) for a in q.findall("answer")]
    assert answers == [("100", "<p>\\(2 e^{2 x}\\)</p>"), ("0", "<p>\\(e^{2 x}\\)</p>"), ("0", "<p>\\(2 x e^{1 x}\\)</p>")]


def _moodle_matches(response: str, pattern: str) -> bool:
    """qtype_shortanswer_question::compare_string_with_wildcard (question/type/shortanswer/question.php),
    case-sensitive: split at unescaped runs of '*', each bit quoted with '\\*' made '*', joined by '.*'."""
    bits = re.split(r"(?<!\\)\*+", pattern)
    regexp = "^" + ".*".join(re.escape(b.replace("\\*", "*")) for b in bits) + "$"
    return re.match(regexp, response.strip()) is not None


def test_shortanswer_matches_the_answer_and_not_what_a_bare_star_would(quiz: ET.Element) -> None:
    q = next(q for q in quiz.findall("question") if q.get("type") == "shortanswer")
    assert q.findtext("usecase") == "1"
    pattern = (q.findtext("answer/text") or "").strip()
    assert pattern == "n/sum(x)" and len(q.findall("answer")) == 1  # no spaces: one form
    star = shortanswer_pattern("2*x*exp(x^2)")
    assert star == "2\\*x\\*exp(x^2)"
    assert _moodle_matches("2*x*exp(x^2)", star)
    assert not _moodle_matches("2 + x - exp(x^2)", star) and _moodle_matches("2 + x - exp(x^2)", "2*x*exp(x^2)")


def test_a_formula_is_right_with_or_without_its_spaces() -> None:
    q = QuestionVariant("d", "v", 1, "D", "Differentiate.", "", (Answer("g", "symbolic", None, "2*x + exp(x)", "2 x + e^{x}"),))
    question = ET.fromstring(moodle_xml("S", [[q]]).encode("utf-8")).findall("question")[1]
    answers = [((a.findtext("text") or "").strip(), a.get("fraction")) for a in question.findall("answer")]
    assert answers == [("2\\*x + exp(x)", "100"), ("2\\*x+exp(x)", "100")]
    assert any(_moodle_matches("2*x+exp(x)", p) for p, _ in answers)
    assert not any(_moodle_matches("2*x+exp(y)", p) for p, _ in answers)


def test_question_text_is_html_with_mathjax_delimiters(quiz: ET.Element) -> None:
    q = next(q for q in quiz.findall("question") if q.get("type") == "numerical")
    text = q.findtext("questiontext/text") or ""
    assert text == ("<p>Find the slope \\(a\\) of \\(y = a x + b\\) through the two points.</p>"
                    "<p>\\[(0, 1),\\ (1, 3)\\]</p>")
    feedback = q.findtext("generalfeedback/text") or ""
    assert feedback == "<p>The worked answer:</p><p>a: \\(2\\)</p>"


def test_cdata_survives_its_own_terminator_and_unicode() -> None:
    assert cdata("a]]>b") == "<![CDATA[a]]]]><![CDATA[>b]]>"
    assert ET.fromstring(f"<t>{cdata('x ]]> y ]]>')}</t>").text == "x ]]> y ]]>"
    q = QuestionVariant("p/1", "ü-1", 1, "Schätzer für μ ]]> <b>", "Gegeben $\\mu$ ]]> & <script>x</script> — ok.",
                        r"\hat\mu = \bar x < 1", (_numeric(1.0),))
    quiz = ET.fromstring(moodle_xml("Woche 1 — Übung", [[q]]).encode("utf-8"))
    category, question = quiz.findall("question")
    assert (category.findtext("category/text") or "") == "$course$/top/Woche 1 — Übung/p//1"  # '//' is a '/'
    assert question.findtext("name/text") == "Schätzer für μ ]]> <b> [ü-1]"
    text = question.findtext("questiontext/text") or ""
    assert "<script>" not in text and "<b>" not in text
    assert html.unescape(text) == "<p>Gegeben \\(\\mu\\) ]]> & <script>x</script> — ok.</p><p>\\[\\hat\\mu = \\bar x < 1\\]</p>"


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1).filter(str.strip))
def test_any_printable_prose_round_trips(text: str) -> None:
    q = QuestionVariant("p", "v", 1, text, text.replace("$", "\\$"), "", (_numeric(1.0),))
    quiz = ET.fromstring(moodle_xml(text, [[q]]).encode("utf-8"))
    question = quiz.findall("question")[1]
    assert question.findtext("name/text") == f"{' '.join(text.split())} [v]"
    assert "<script" not in (question.findtext("questiontext/text") or "").lower()


def test_the_output_is_golden() -> None:
    """A small sheet byte for byte (review a change to the format by regenerating this file on purpose)."""
    assert moodle_xml("Week 1", _sheet()) == GOLDEN.read_text(encoding="utf-8")


@pytest.mark.parametrize("questions, words", [
    ([], "non-empty sequence of problems"),
    ([[]], r"questions\[0\] must be a non-empty sequence"),
    ([["x"]], "holds a str, not a QuestionVariant"),
    ([[QuestionVariant("a", "1", 1, "T", "t", "", (_numeric(1.0),)),
       QuestionVariant("b", "2", 1, "T", "t", "", (_numeric(1.0),))]], "mixes problems 'a' and 'b'"),
    ([[QuestionVariant("a", "1", 1, "T", "t", "", (_numeric(1.0),)),
       QuestionVariant("a", "1", 2, "T", "t", "", (_numeric(2.0),))]], "two variants '1'"),
    ([[QuestionVariant("a", "1", 1, "T", "t", "", (_numeric(1.0),)),
       QuestionVariant("a", "2", 1, "T", "t", "", (_numeric(1.0, name="b"),))]], "asks for other answers"),
    ([[QuestionVariant("a", "1", 1, "T", "t", "", (_numeric(1.0),))],
      [QuestionVariant("a", "2", 1, "T", "t", "", (_numeric(1.0),))]], "appears twice"),
    ([[QuestionVariant("a", "1", 1, "T", "read $\\input{x}$", "", (_numeric(1.0),))]],
     r"question 'a' variant '1': refusing LaTeX that uses '\\\\input'"),
    ([[QuestionVariant("a", "1", 1, "T\x07", "t", "", (_numeric(1.0),))]], "U\\+0007 cannot be written in XML"),
    ([[QuestionVariant("a", "1", 1, "T", "t", "", (_numeric(2 / 3, 0.0),))]],
     r"question 'a' variant '1': the numeric answer 0.6666666666666666 has tolerance 0"),
])
def test_bad_input_is_a_usage_error_naming_the_problem(questions: list[list[QuestionVariant]], words: str) -> None:
    with pytest.raises(UsageError, match=words):
        moodle_xml("Week 1", questions)


def test_a_sheet_needs_a_title() -> None:
    with pytest.raises(UsageError, match="sheet title"):
        moodle_xml(" ", _sheet())


def test_numbers_are_written_so_php_reads_them_back() -> None:
    q = QuestionVariant("p", "v", 1, "T", "t", "", (_numeric(1.25e-7, 1e-9),))
    quiz = ET.fromstring(moodle_xml("S", [[q]]).encode("utf-8"))
    text = (quiz.findtext("question[2]/answer/text") or "").strip()
    assert re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text)  # PHP's is_numeric
    assert math.isclose(float(text), 1.25e-7, rel_tol=0, abs_tol=0)


def test_a_part_s_feedback_does_not_give_away_another_part(quiz: ET.Element) -> None:
    parts = [q for q in quiz.findall("question") if "Exponential MLE [s000]" in (q.findtext("name/text") or "")]
    feedback = {q.findtext("name/text"): q.findtext("generalfeedback/text") or "" for q in parts}
    assert feedback == {"Exponential MLE [s000]: formula": "<p>The worked answer:</p><p>formula: \\(\\frac{n}{\\sum_i x_i}\\)</p>",
                        "Exponential MLE [s000]: value": "<p>The worked answer:</p><p>value: \\(0.5\\)</p>"}


def test_a_whole_number_may_have_no_tolerance() -> None:
    q = QuestionVariant("step", "v", 1, "Find the wrong step", "Which step is wrong?", "", (_numeric(2.0, 0.0),))
    quiz = ET.fromstring(moodle_xml("S", [[q]]).encode("utf-8"))
    assert quiz.findtext("question[2]/answer/tolerance") == "0.0"


def test_each_wrong_choice_names_its_mistake_in_its_feedback() -> None:
    a = Answer("fprime", "symbolic", None, "3*exp(3*x)", "3 e^{3 x}", distractors=("e^{3 x}", "- 3 e^{3 x}"),
               mistakes=("Forgot the chain-rule factor: the derivative of the inner function.", "A sign error <here>."))
    q = QuestionVariant("d", "v", 1, "D", "Differentiate.", "e^{3 x}", (a,))
    question = ET.fromstring(moodle_xml("S", [[q]]).encode("utf-8")).findall("question")[1]
    assert question.get("type") == "multichoice" and question.findtext("single") == "true"
    assert [p for p in REQUIRED["multichoice"] if not _has(question, p)] == []
    got = [(c.get("fraction"), (c.findtext("text") or "").strip(), c.findtext("feedback/text") or "")
           for c in question.findall("answer")]
    assert got == [("100", "<p>\\(3 e^{3 x}\\)</p>", ""),
                   ("0", "<p>\\(e^{3 x}\\)</p>", "<p>Forgot the chain-rule factor: the derivative of the inner function.</p>"),
                   ("0", "<p>\\(- 3 e^{3 x}\\)</p>", "<p>A sign error &lt;here&gt;.</p>")]


@pytest.mark.slow
def test_the_week1_build_writes_multichoice_whose_right_answer_is_the_certified_one(tmp_path: Path) -> None:
    """``derive build week1.toml --variants 3 --seed 1 --moodle``: every question has what qformat_xml reads;
    the formulas are multiple choice, the one choice at 100 is the manifest's certified answer and equals
    SymPy's derivative of the question, each other choice is wrong (read back, refuted) and names its mistake."""
    import json
    import random

    import sympy as sp

    from derive.certify.equal import certify_equal
    from derive.core.budget import Budget
    from derive.core.contract import Refuted
    from derive.course import plan_sheet
    from derive.parse.latex import parse_latex
    from derive.parse.text import parse_text
    from derive.likelihood.mistakes import ESTIMATOR_MISTAKES
    from derive.scalar.mistakes import DERIVATIVE_MISTAKES, NOT_HELD, WRONG_VARIABLE
    from tests.conftest import ROOT, run_derive

    sheet = ROOT / "worked_examples" / "sheets" / "week1.toml"
    out = run_derive("build", str(sheet), "--variants", "3", "--seed", "1", "--moodle", "--out", str(tmp_path),
                     timeout=900)
    assert out.returncode == 0, out.stderr
    manifest = {e["id"]: e for e in json.loads((tmp_path / "week1" / "manifest.json").read_text(encoding="utf-8"))}
    quiz = ET.parse(tmp_path / "week1" / "moodle.xml").getroot()
    for q in quiz.findall("question"):
        assert [p for p in REQUIRED[str(q.get("type"))] if not _has(q, p)] == [], q.findtext("name/text")
    plan = plan_sheet(sheet, variants=3, seed=1)
    feedback = {m.feedback for m in (*DERIVATIVE_MISTAKES, WRONG_VARIABLE, NOT_HELD, *ESTIMATOR_MISTAKES)}
    clock = Budget(seconds=300).start()

    def named(e: sp.Expr) -> sp.Expr:
        return e.xreplace({s: sp.Symbol(s.name) for s in e.free_symbols})

    def differ(a: sp.Expr, b: sp.Expr) -> bool:
        return isinstance(certify_equal(named(a), named(b), clock, {}, rng=random.Random(5)), Refuted)

    multichoice = [q for q in quiz.findall("question") if q.get("type") == "multichoice"]
    assert len(multichoice) == 3 * 4  # per variant: the derivative, the gradient's two partials, the estimator
    for q in multichoice:
        name = q.findtext("name/text") or ""
        m = re.fullmatch(r".* \[(v\d)\]: (.+)", name)
        assert m is not None, name
        variant, part = m.groups()
        problem = {"derivative": "chain", "lam estimator": "poisson"}.get(part, "gradient")
        certified = manifest[variant]["answers"][problem][part]
        choices = [(c.get("fraction"), (c.findtext("text") or "").strip(), c.findtext("feedback/text") or "")
                   for c in q.findall("answer")]
        assert [f for f, _, _ in choices] == ["100", "0", "0", "0"]
        assert choices[0][1] == f"<p>\\({html.escape(certified['latex'], quote=False)}\\)</p>"
        assert [w["latex"] for w in certified["distractors"]] == \
            [html.unescape(t)[len("<p>\\("):-len("\\)</p>")] for _, t, _ in choices[1:]]
        assert all(html.unescape(f)[3:-4] in feedback for _, _, f in choices[1:])
        if problem == "poisson":  # the textbook's MLE, the sample mean; the choices certified by instances
            assert certified["latex"] == r"\frac{\sum_{i=1}^{n} {x}_{i}}{n}"
            assert {w["mistake"] for w in certified["distractors"]} <= {m.feedback for m in ESTIMATOR_MISTAKES}
            continue
        p = next(p for p in plan.sheet.problems if p.id == problem)
        f = parse_text(plan.draws[variant][problem].expr(p.math))
        var = next(s for s in f.free_symbols if s.name == (part[-1] if problem == "gradient" else "x"))
        right = sp.diff(f, var)  # independent of derive's rules
        assert not differ(parse_latex(certified["latex"]), right)
        wrong = [parse_latex(w["latex"]) for w in certified["distractors"]]
        assert all(differ(w, right) for w in wrong)
        assert all(differ(a, b) for i, a in enumerate(wrong) for b in wrong[i + 1:])


def test_the_right_choice_prints_in_the_form_the_choices_share() -> None:
    """``Answer.choice``: the solution's factored form stays in ``latex``; the multiple choice shows the form
    the wrong ones share, so the right one is not the only product among them."""
    a = Answer("d/dy", "symbolic", None, "2*(x^2 + 3*y)", "2 \\left(x^{2} + 3 y\\right)",
               distractors=("2 x^{2} + y", "x^{2} + 3 y"), choice="2 x^{2} + 6 y")
    q = QuestionVariant("g", "v", 1, "G", "Differentiate.", "x^2 y", (a,))
    question = ET.fromstring(moodle_xml("S", [[q]]).encode("utf-8")).findall("question")[1]
    texts = [(c.findtext("text") or "").strip() for c in question.findall("answer")]
    assert texts[0] == "<p>\\(2 x^{2} + 6 y\\)</p>"
    assert not any("left(" in t for t in texts)
