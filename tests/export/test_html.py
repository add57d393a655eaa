"""HTML handouts: one self-contained page (MathJax inlined, nothing fetched), user text escaped,
every formula handed to MathJax well-formed, the student version without solution text."""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, ClassVar

import pytest

import derive
from derive.core.errors import RenderError, UsageError
from derive.export.html import (CONTENT_SECURITY_POLICY, MATHJAX_CONFIG, handout_html, inline_svg, mathjax_bundle,
                                mathjax_text)
from derive.handout.builder import HandoutBuilder
from derive.handout.document import Handout
from derive.render.env import check_latex

# URLs that may appear in the page: XML namespace names (identifiers, never fetched), the "about"
# link of MathJax's menu (which the page disables), and the licence and credit comments of the
# bundle. None of them is a script, a style sheet or a font.
NAMESPACE_URLS = ("http://www.w3.org/", "https://www.mathjax.org", "http://www.apache.org/licenses/",
                  "https://github.com/mhchem/mhchemParser")


@pytest.fixture(scope="module")
def handout() -> Handout:
    h = HandoutBuilder(title="Slopes <script>alert(1)</script> of $x^2$", subtitle="A & B",
                       author="Ann <b>O'Neil</b>")
    h.paragraph("Prose with <script>alert('p')</script> & a formula $\\frac{a}{b}$.\n\nA literal \\( x \\) and \\$5.")
    h.section("Squares & $x^{2}$")
    h.math(r"f(x) = x^{2} < 3")
    h.worked("Differentiate a square", derive.diff("x^2", wrt="x"), intro="The power rule, once.")
    h.exercise("Differentiate $x^3$:", derive.latex("x^3"), solution=derive.diff("x^3 + 7*x", wrt="x"))
    return h.build()


@pytest.fixture(scope="module")
def page(handout: Handout) -> str:
    return handout_html(handout, solutions=True)


def _body(page: str) -> str:
    """The page without the two MathJax scripts (the document itself)."""
    return page[: page.index('<script id="mathjax-config">')]


class _Maths(HTMLParser):
    """Collects the text of each element MathJax reads (class tex2jax_process), and the tags seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.maths: list[str] = []
        self.outside: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if self._depth:
            self._depth += 1
        elif "tex2jax_process" in (dict(attrs).get("class") or "").split():
            self._depth = 1
            self.maths.append("")

    def handle_endtag(self, tag: str) -> None:
        if self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.maths[-1] += data
        else:
            self.outside.append(data)


def _parse(page: str) -> _Maths:
    p = _Maths()
    p.feed(_body(page))
    p.close()
    return p


def test_nothing_is_fetched_when_the_page_is_viewed(page: str) -> None:
    urls = set(re.findall(r"https?://[^\s\"'<>)\\]+", page))
    assert urls, "the namespace names are expected in MathJax's bundle"
    assert [u for u in urls if not u.startswith(NAMESPACE_URLS)] == []
    assert [u for u in urls if re.search(r"\.(?:js|mjs|css|woff2?|otf|ttf|eot)$", u)] == []
    assert not re.search(r"<(?:link|iframe|img|object|embed)\b", page, re.IGNORECASE)
    assert not re.search(r"\bsrc\s*=", _body(page), re.IGNORECASE)
    assert "@import" not in page and "@font-face" not in page
    assert "cdn.jsdelivr" not in page and "//cdn" not in page
    assert f'content="{CONTENT_SECURITY_POLICY}"' in page and "default-src 'none'" in CONTENT_SECURITY_POLICY


def test_mathjax_3_is_inlined_with_its_configuration(page: str) -> None:
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert scripts == ['<script id="mathjax-config">', '<script id="mathjax">']
    assert 'VERSION="3.2.2"' in page  # the pinned MathJax
    config = re.search(r'<script id="mathjax-config">window\.MathJax = (.*?);</script>', page, re.DOTALL)
    assert config is not None
    parsed = json.loads(config.group(1))
    assert parsed == MATHJAX_CONFIG
    assert parsed["tex"]["inlineMath"] == [["\\(", "\\)"]] and parsed["tex"]["displayMath"] == [["\\[", "\\]"]]
    assert {"require", "autoload", "html"} <= set(parsed["tex"]["packages"]["[-]"])
    assert parsed["options"]["enableMenu"] is False
    assert "svg" in parsed  # SVG output: no font files
    assert page.count("</script>") == 2


def test_user_text_is_escaped_everywhere(page: str) -> None:
    body = _body(page)
    assert "<script>alert" not in body and "<b>O'Neil" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body  # the title
    assert "&lt;script&gt;alert(&#x27;p&#x27;)&lt;/script&gt;" in body  # the paragraph
    assert "Ann &lt;b&gt;O&#x27;Neil&lt;/b&gt;" in body and "A &amp; B" in body
    assert "<title>Slopes &lt;script&gt;alert(1)&lt;/script&gt; of x^2</title>" in page


def test_each_formula_is_a_display_or_inline_maths_mathjax_reads(page: str, handout: Handout) -> None:
    found = _parse(page).maths
    assert "\\[f(x) = x^{2} < 3\\]" in found  # the Math block, '<' unescaped by the parser
    assert "\\(\\frac{a}{b}\\)" in found and "\\(x^2\\)" in found and "\\(x^{2}\\)" in found
    exercise = handout.exercises[0]
    assert f"\\[{exercise.prompt_latex}\\]" in found
    for result in handout.results():  # each worked derivation's displays, as its Markdown has them
        for display in re.findall(r"\$\$\n(.*?)\n\$\$", result.render("markdown"), re.DOTALL):
            assert f"\\[{display.strip()}\\]" in found


def test_the_maths_strings_are_well_formed(page: str) -> None:
    """Without a browser: each maths element holds exactly one delimited formula, balanced, and no
    delimiter is left in the text MathJax does not read except the author's literal one."""
    parsed = _parse(page)
    assert len(parsed.maths) >= 10
    for text in parsed.maths:
        m = re.fullmatch(r"\\\((.*)\\\)|\\\[(.*)\\\]", text, re.DOTALL)
        assert m is not None, text
        latex = m.group(1) if m.group(1) is not None else m.group(2)
        assert not re.search(r"\\[()\[\]]", latex.replace("\\\\", "")), latex  # no nested delimiter
        check_latex(latex)  # braces, \left/\right and environments balanced; nothing forbidden
    outside = "".join(parsed.outside)
    assert outside.count("\\(") == 1 and "A literal \\( x \\) and $5." in outside  # prose stays text
    assert "$" not in outside.replace("$5", "")  # every $...$ became maths


def test_the_student_version_has_no_solution_text(handout: Handout) -> None:
    student = handout_html(handout, solutions=False)
    solution = handout_html(handout, solutions=True)
    assert "Solutions" in solution and "Solutions" not in student
    assert "x^3 + 7*x" in solution and "x^3 + 7*x" not in student  # the exercise solution's input
    assert "Exercise 1." in student and "Differentiate a square" in student and "The power rule, once." in student
    for words in ("certified", "Result:", "Input:", "agrees with sympy.diff", "2 x"):  # no worked derivation
        assert words in _body(solution) and words not in _body(student), words


def test_the_page_is_deterministic(handout: Handout, page: str) -> None:
    assert handout_html(handout) == page


def _with_block(block: object) -> Handout:
    h = HandoutBuilder(title="T").paragraph("p").build()
    object.__setattr__(h, "blocks", h.blocks + (block,))  # bypass the model's check: a newer block kind
    return h


@dataclass(frozen=True)
class _Plot:
    svg: str
    pdf: bytes = b"%PDF"


@dataclass(frozen=True)
class _Figure:
    kind: ClassVar[str] = "figure"
    plot: Any
    caption: str = ""
    width: float = 0.5
    solution: bool = False

    @property
    def label(self) -> str:
        return self.caption or "(figure)"


SVG = ('<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
       '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
       '<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="100pt" height="50pt" xmlns="http://www.w3.org/2000/svg">'
       '<metadata><rdf:RDF><cc:Work><dc:title>x</dc:title></cc:Work></rdf:RDF></metadata>'
       '<defs><clipPath id="p1"><rect width="10" height="10"/></clipPath><path id="g0" d="M0 0"/></defs>'
       '<g id="axes_1" clip-path="url(#p1)"><use xlink:href="#g0"/></g></svg>')


def test_a_figure_is_inline_svg_with_its_own_ids() -> None:
    page = handout_html(_with_block(_Figure(_Plot(SVG), caption="The MLE $\\hat\\theta$ <marked>")))
    body = _body(page)
    assert "<?xml" not in body and "DOCTYPE svg" not in body and "<metadata>" not in body
    assert 'id="fig1-p1"' in body and 'url(#fig1-p1)' in body and 'xlink:href="#fig1-g0"' in body
    assert '<figure style="width:50%">' in body
    assert "Figure 1. The MLE <span class=\"tex2jax_process\">\\(\\hat\\theta\\)</span> &lt;marked&gt;" in body


def test_a_student_version_leaves_out_the_figures_that_show_a_solution() -> None:
    shown, answer = _Figure(_Plot(SVG), caption="The data"), _Figure(_Plot(SVG), caption="The fit", solution=True)
    h = _with_block(shown)
    object.__setattr__(h, "blocks", h.blocks + (answer,))
    student, solution = handout_html(h, solutions=False), handout_html(h, solutions=True)
    assert "The data" in student and "The fit" not in student and student.count("<svg") == solution.count("<svg") - 1
    assert "Figure 1. The data" in solution and "Figure 2. The fit" in solution


@dataclass(frozen=True)
class _MarkedExercise:
    kind: ClassVar[str] = "exercise"
    prompt: str
    prompt_latex: str = ""
    solution: Any = None
    points: float | None = 3.0
    space: float | None = None
    label: str = "marked"


def test_an_exam_shows_points_and_answer_boxes_only_in_the_student_version() -> None:
    h = _with_block(_MarkedExercise("Differentiate $x^2$."))
    exam = handout_html(h, solutions=False, layout="exam")
    assert '<strong>Exercise 1.</strong> <span class="points">(3 points)</span>' in exam
    assert '<div class="answer" style="height:4cm"></div>' in exam
    assert 'class="answer"' not in handout_html(h, solutions=True, layout="exam")
    assert 'class="points"' not in _body(handout_html(h, solutions=False))  # the handout layout shows no marks
    with pytest.raises(UsageError, match="unknown layout 'poster'"):
        handout_html(h, layout="poster")


def test_the_handouts_notation_macros_are_known_to_mathjax() -> None:
    """The shared notation of the LaTeX handouts (vect, mat, T, norm, ...), so the author's $...$ reads the same."""
    macros = MATHJAX_CONFIG["tex"]["macros"]
    assert set(macros) == {"vect", "mat", "T", "norm", "abs", "inner", "argmax", "argmin", "E", "Var", "Cov", "R",
                           "tr", "diag", "given"}
    assert macros["vect"] == ["\\boldsymbol{#1}", 1] and macros["inner"][1] == 2


@pytest.mark.parametrize("bad", ['<svg><script>alert(1)</script></svg>', '<svg onload="x()"></svg>',
                                 '<svg><image href="https://example.org/a.png"/></svg>', "no svg here"])
def test_an_unsafe_figure_is_refused(bad: str) -> None:
    with pytest.raises(RenderError, match="figure"):
        inline_svg(bad, prefix="f-", where="figure 'x'")


def test_an_unknown_block_kind_is_an_error_naming_it() -> None:
    @dataclass(frozen=True)
    class Poll:
        kind: ClassVar[str] = "poll"
        label: str = "favourite loss"

    with pytest.raises(RenderError, match=r"block 'favourite loss': no HTML for blocks of kind 'poll'.*knows: .*paragraph"):
        handout_html(_with_block(Poll()))


@pytest.mark.parametrize("text, words", [
    ("Read $\\input{/etc/passwd}$ now", r"paragraph 'Read .*refusing LaTeX that uses '\\\\input'"),
    ("Unbalanced $\\frac{a}{b$ here", r"paragraph 'Unbalanced .*unclosed"),
])
def test_bad_maths_in_prose_is_an_error_naming_the_block(text: str, words: str) -> None:
    with pytest.raises(RenderError, match=words):
        handout_html(HandoutBuilder(title="T").paragraph(text).build())


def test_a_checked_derivation_prints_its_report() -> None:
    result = derive.check("$$\\frac{d}{dx} x^2 = 2x$$")
    page = handout_html(HandoutBuilder(title="Checked").checked(result).build())
    maths = _parse(page).maths
    assert maths and all(m.startswith(("\\(", "\\[")) for m in maths)
    assert html.escape("proved") in _body(page)


def test_the_bundle_names_no_cdn() -> None:
    script = mathjax_bundle()
    assert "cdn.jsdelivr.net" not in script and script.count("offline:") == 3
    assert "</script" not in script.lower()


def test_text_mode_symbols_are_spelled_as_mathjax_reads_them() -> None:
    """MathJax knows \\textasciicircum and friends only in math mode; inside \\text they become characters
    (found by rendering in a browser: each gave a 'only supported in math mode' error)."""
    latex = r"a^{2} \textless{} b \quad \text{X\textasciicircum{}T X, y \textasciitilde{} x, a\textbackslash{}b \{\textbar{}\}}"
    out = mathjax_text(latex)
    assert out == "a^{2} \\textless{} b \\quad \\text{X\u02c6T X, y $\\sim$ x, a$\\backslash$b \\{|\\}}"
    assert mathjax_text(r"\textbf{x}") == r"\textbf{x}"
