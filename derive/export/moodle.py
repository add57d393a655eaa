"""A sheet's variants as Moodle question XML, written as Moodle's own importer reads it.

The reader is ``qformat_xml`` (Moodle's ``question/format/xml/format.php``): a ``<quiz>`` of
``<question>`` elements, each read by ``import_<type>``. For every problem of the sheet a
``<question type="category">`` (``$course$/top/<sheet>/<problem>``) is followed by one question
per variant, so a quiz can draw a random question from each category and every student gets
their own variant:

- a numeric answer is a ``numerical`` question (one answer at fraction 100 with its tolerance;
  no units: ``showunits`` 3 is qtype_numerical's UNITNONE);
- a symbolic answer with distractors is a ``multichoice`` question (one right answer at fraction
  100, single, shuffled by Moodle; each distractor at 0 with the mistake it comes from as its
  feedback), without distractors a ``shortanswer`` question (case-sensitive; a literal ``*`` in the
  answer is written ``\\*``, since a bare ``*`` is Moodle's wildcard; the answer without spaces is
  accepted too).

A variant with several answers becomes one question per answer, in a sub-category per answer
(``.../<problem>/<answer>``), so a random question still draws one variant of one part.

Question text is HTML, its maths as ``\\( ... \\)`` and ``\\[ ... \\]`` for Moodle's MathJax filter,
wrapped in CDATA (a ``]]>`` inside is split across two sections, as Moodle's own exporter does).
"""
from __future__ import annotations

import html
import re
from collections.abc import Sequence
from xml.sax.saxutils import escape

from derive.core.errors import RenderError, UsageError
from derive.export.html import _checked
from derive.export.questions import Answer, QuestionVariant
from derive.render.env import _math_spans

PENALTY = "0.3333333"
"""The penalty for each wrong try (interactive mode), as Moodle writes a third."""

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _legal(text: str, where: str) -> str:
    """Text XML 1.0 can carry (no control characters but tab and newlines), else a UsageError."""
    bad = _XML_ILLEGAL.search(text)
    if bad is not None:
        raise UsageError(f"{where}: character U+{ord(bad.group(0)):04X} cannot be written in XML",
                         hint="remove control characters from the text")
    return text


def cdata(text: str) -> str:
    """``text`` in a CDATA section; a ``]]>`` inside closes one section and opens the next."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _text(text: str, where: str) -> str:
    return f"<text>{escape(_legal(text, where))}</text>"


def _html_text(markup: str, where: str) -> str:
    return f"<text>{cdata(_legal(markup, where))}</text>" if markup else "<text></text>"


def _category_piece(name: str) -> str:
    """One level of a category path: Moodle splits paths at ``/`` and reads ``//`` as a slash."""
    return " ".join(name.split()).replace("/", "//")


def _number(x: float) -> str:
    """A number as PHP's is_numeric reads it: the shortest repr that round-trips (``2.5``, ``1e-05``)."""
    return repr(float(x))


# --- HTML of a question ---------------------------------------------------------------------------


def _inline(latex: str, where: str) -> str:
    return f"\\({html.escape(_checked(latex, where).strip(), quote=False)}\\)"


def _display(latex: str, where: str) -> str:
    return f"<p>\\[{html.escape(_checked(latex, where).strip(), quote=False)}\\]</p>"


def _prose(text: str, where: str) -> str:
    """User prose with ``$...$`` maths as HTML paragraphs: words escaped, maths for MathJax."""
    out = []
    for paragraph in (p for p in re.split(r"\n[ \t]*\n\s*", text.strip()) if p.strip()):
        pieces = [_inline(piece, where) if is_math else html.escape(piece.replace("\\$", "$"))
                  for is_math, piece in _math_spans(" ".join(paragraph.split()))]
        out.append("<p>" + "".join(pieces) + "</p>")
    return "".join(out)


def question_html(q: QuestionVariant, answer: Answer | None, where: str) -> str:
    """The question text: the prose, its displayed formula, and which answer is asked for."""
    parts = [_prose(q.text, where)]
    if q.math_latex.strip():
        parts.append(_display(q.math_latex, where))
    if answer is not None:
        parts.append(f"<p>Give <strong>{html.escape(answer.name)}</strong>.</p>")
    return "".join(parts)


def _answer_line(a: Answer, where: str) -> str:
    shown = a.latex if a.latex.strip() else _number(a.value or 0.0)
    return f"<p>{html.escape(a.name)}: {_inline(shown, where)}</p>"


def feedback_html(q: QuestionVariant, where: str, answers: Sequence[Answer] | None = None) -> str:
    """The general feedback a student sees after answering: the answer (of this part only, so one
    part's feedback does not give away another part of the same variant)."""
    return "<p>The worked answer:</p>" + "".join(_answer_line(a, where) for a in (answers or q.answers))


# --- questions ------------------------------------------------------------------------------------


def _header(qtype: str, name: str, text: str, feedback: str, grade: float, where: str) -> list[str]:
    return [
        f'  <question type="{qtype}">',
        f"    <name>{_text(name, where)}</name>",
        f'    <questiontext format="html">{_html_text(text, where)}</questiontext>',
        f'    <generalfeedback format="html">{_html_text(feedback, where)}</generalfeedback>',
        f"    <defaultgrade>{grade:.7g}</defaultgrade>",
        f"    <penalty>{PENALTY}</penalty>",
        "    <hidden>0</hidden>",
    ]


def _no_feedback() -> str:
    return '<feedback format="html"><text></text></feedback>'


def _feedback(markup: str, where: str) -> str:
    """An answer's feedback (HTML): for a wrong choice, the mistake that gives it."""
    return f'<feedback format="html">{_html_text(markup, where)}</feedback>' if markup else _no_feedback()


def _numerical(a: Answer, where: str) -> list[str]:
    value = a.value or 0.0
    if a.tolerance == 0 and value != round(value):
        raise UsageError(f"{where}: the numeric answer {value!r} has tolerance 0, so only typing every digit would match",
                         hint="give the answer a tolerance (such as 0.005), or round it")
    return [
        f'    <answer fraction="100" format="moodle_auto_format">{_text(_number(a.value or 0.0), where)}',
        f"      <tolerance>{_number(a.tolerance)}</tolerance>",
        f"      {_no_feedback()}",
        "    </answer>",
        "    <unitgradingtype>0</unitgradingtype>",
        "    <unitpenalty>0.1000000</unitpenalty>",
        "    <showunits>3</showunits>",
        "    <unitsleft>0</unitsleft>",
    ]


def _multichoice(a: Answer, where: str) -> list[str]:
    lines = [
        "    <single>true</single>",
        "    <shuffleanswers>true</shuffleanswers>",
        "    <answernumbering>abc</answernumbering>",
        "    <showstandardinstruction>0</showstandardinstruction>",
        f'    <correctfeedback format="html">{_html_text("", where)}</correctfeedback>',
        f'    <partiallycorrectfeedback format="html">{_html_text("", where)}</partiallycorrectfeedback>',
        f'    <incorrectfeedback format="html">{_html_text("", where)}</incorrectfeedback>',
    ]
    why = a.mistakes or ("",) * len(a.distractors)
    for fraction, latex, mistake in [(100, a.choice or a.latex, ""), *((0, d, m) for d, m in zip(a.distractors, why))]:
        choice = f"<p>{_inline(latex, where)}</p>"
        feedback = _feedback(f"<p>{html.escape(mistake)}</p>" if mistake.strip() else "", where)
        lines.append(f'    <answer fraction="{fraction}" format="html">{_html_text(choice, where)}{feedback}</answer>')
    return lines


def shortanswer_pattern(text: str) -> str:
    """A student's typed answer as a shortanswer pattern: ``*`` is Moodle's wildcard, so a literal one is ``\\*``."""
    return text.strip().replace("*", "\\*")


def _shortanswer(a: Answer, where: str) -> list[str]:
    """The answer as given, and (when it differs) without spaces: both are right, ``2*x + 1`` and ``2*x+1``."""
    typed = dict.fromkeys([a.text.strip(), "".join(a.text.split())])
    return ["    <usecase>1</usecase>"] + [
        f'    <answer fraction="100" format="moodle_auto_format">{_text(shortanswer_pattern(t), where)}'
        f"{_no_feedback()}</answer>" for t in typed]


def _question(q: QuestionVariant, a: Answer, several: bool) -> list[str]:
    where = f"question {q.problem!r} variant {q.variant!r}" + (f" answer {a.name!r}" if several else "")
    name = f"{' '.join(q.title.split())} [{q.variant}]" + (f": {a.name}" if several else "")
    grade = q.points / len(q.answers)
    try:
        text = question_html(q, a if several else None, where)
        feedback = feedback_html(q, where, (a,))
        if a.kind == "numeric":
            qtype, body = "numerical", _numerical(a, where)
        elif a.distractors:
            qtype, body = "multichoice", _multichoice(a, where)
        else:
            qtype, body = "shortanswer", _shortanswer(a, where)
    except RenderError as exc:
        raise UsageError(exc.message, hint=exc.hint) from None
    return [*_header(qtype, name, text, feedback, grade, where), *body, "  </question>"]


def _category(path: str, info: str, where: str) -> list[str]:
    return [
        '  <question type="category">',
        f"    <category>{_text(path, where)}</category>",
        f'    <info format="html">{_html_text(info, where)}</info>',
        "  </question>",
    ]


def _check_problem(variants: Sequence[QuestionVariant], index: int) -> tuple[str, tuple[str, ...]]:
    """The problem id and answer names every variant of one problem shares; else a UsageError."""
    if isinstance(variants, (str, bytes)) or not isinstance(variants, Sequence) or not variants:
        raise UsageError(f"questions[{index}] must be a non-empty sequence of QuestionVariant (one problem's variants)")
    for v in variants:
        if not isinstance(v, QuestionVariant):
            raise UsageError(f"questions[{index}] holds a {type(v).__name__}, not a QuestionVariant")
    first = variants[0]
    names = tuple(a.name for a in first.answers)
    seen: set[str] = set()
    for v in variants:
        if v.problem != first.problem:
            raise UsageError(f"questions[{index}] mixes problems {first.problem!r} and {v.problem!r}",
                             hint="give each problem's variants as one list")
        if v.variant in seen:
            raise UsageError(f"problem {first.problem!r} has two variants {v.variant!r}")
        seen.add(v.variant)
        if tuple(a.name for a in v.answers) != names or [a.kind for a in v.answers] != [a.kind for a in first.answers]:
            raise UsageError(f"problem {first.problem!r}: variant {v.variant!r} asks for other answers than "
                             f"variant {first.variant!r}", hint="every variant of a problem asks the same questions")
    return first.problem, names


def moodle_xml(sheet_title: str, questions: Sequence[Sequence[QuestionVariant]]) -> str:
    """Moodle question XML of a sheet: per problem a category and one question per variant (and answer).

    ``questions[i]`` is problem i's variants (``Plan.questions()``). Bad input is a UsageError naming the
    problem and variant; the same input gives the same bytes.
    """
    if not isinstance(sheet_title, str) or not sheet_title.strip():
        raise UsageError("moodle_xml needs a sheet title", hint="the sheet's title names its question category")
    if isinstance(questions, (str, bytes)) or not isinstance(questions, Sequence) or not questions:
        raise UsageError("moodle_xml needs a non-empty sequence of problems, each a sequence of QuestionVariant")
    sheet = _category_piece(_legal(sheet_title, "the sheet title"))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>",
             f"<!-- {escape(sheet_title).replace('--', '- -')}: written by derive -->"]
    problems: set[str] = set()
    for index, variants in enumerate(questions):
        problem, names = _check_problem(variants, index)
        if problem in problems:
            raise UsageError(f"problem {problem!r} appears twice in questions", hint="give each problem once")
        problems.add(problem)
        base = f"$course$/top/{sheet}/{_category_piece(problem)}"
        several = len(names) > 1
        for k, name in enumerate(names):
            path = f"{base}/{_category_piece(name)}" if several else base
            info = f"<p>{html.escape(variants[0].title)}" + (f": {html.escape(name)}" if several else "") + \
                f" ({len(variants)} variants)</p>"
            lines += _category(path, info, f"problem {problem!r}")
            for v in variants:
                lines += _question(v, v.answers[k], several)
    lines += ["</quiz>", ""]
    return "\n".join(lines)


__all__ = ["moodle_xml", "question_html", "feedback_html", "shortanswer_pattern", "cdata"]
