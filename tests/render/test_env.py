"""Jinja2 environment: escaping, the trusted-LaTeX check, StrictUndefined and template errors."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import jinja2
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from derive.core.errors import RenderError
from derive.handout.builder import HandoutBuilder
from derive.handout.document import Exercise, Handout, Math, Paragraph, Section, Worked
from tests.handout.fakes import FakeResult
from derive.render.env import (
    SOURCE_MARKER, _TraversableLoader, check_latex, compile_templates, default_loader, make_env, math, render_handout,
    render_template,
)
from derive.render.escape import Latex, tex, tex_line, untex_line

REPO_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
HOSTILE = r"\input{/etc/passwd} costs $5 at 100% {braces} ~^_#&<>|"
# The only control words |tex may emit: the escapes and the math mappings.
ALLOWED_WORDS = {"textbackslash", "textasciicircum", "textasciitilde", "textless", "textgreater",
                 "textbar", "ensuremath"}


def sample_handout() -> Handout:
    h = HandoutBuilder(title="Derivatives 101", subtitle="Week 3", author="A. Teacher")
    h.section("The chain rule")
    h.paragraph(HOSTILE)
    h.worked("Power rule", FakeResult(), intro="Differentiate x squared.")
    h.math(r"e^{i\pi} + 1 = 0")
    h.exercise("Differentiate", "x^3", solution=FakeResult(source="x^3", result="3 x^{2}"))
    h.exercise("No solution given", r"\sin x")
    return h.build()


def write_templates(folder: Path, templates: dict[str, str]) -> Path:
    for name, text in templates.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# --- |tex --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("\\", r"\textbackslash{}"),
        ("{}", r"\{\}"),
        ("$", r"\$"),
        ("&#%_", r"\&\#\%\_"),
        ("^~", r"\textasciicircum{}\textasciitilde{}"),
        ("<>|", r"\textless{}\textgreater{}\textbar{}"),
        (r"\input{x}", r"\textbackslash{}input\{x\}"),
        ("plain words", "plain words"),
    ],
)
def test_tex_escapes_specials(text: str, escaped: str) -> None:
    assert tex(text) == escaped
    assert isinstance(tex(text), Latex)


def test_tex_blank_lines_make_paragraphs_single_newlines_join() -> None:
    assert tex("one\ntwo\r\n\r\nthree\n \n\n four") == "one two\n\nthree\n\nfour"
    assert tex("  \n\n ") == ""


def test_tex_line_never_breaks_a_line() -> None:
    assert tex_line("a\n\nb\tc\r\nd") == "a b c d"


def test_tex_maps_greek_and_keeps_latin() -> None:
    assert tex("α ≤ β") == r"\ensuremath{\alpha} \ensuremath{\leq} \ensuremath{\beta}"
    assert tex("café – naïve") == "café – naïve"
    assert tex("cafe\u0301") == "café"  # NFD input is composed first


@pytest.mark.parametrize("bad", ["smile \U0001F600", "\u4e2d\u6587", "\u0127"])
def test_tex_refuses_characters_pdflatex_cannot_set(bad: str) -> None:
    with pytest.raises(RenderError, match="cannot be typeset") as info:
        tex(bad)
    assert "U+" in str(info.value) and info.value.hint


@pytest.mark.parametrize("bad", ["bell\x07", "nul\x00", "esc\x1b[0m", "zero\u200bwidth"])
def test_tex_refuses_control_characters(bad: str) -> None:
    with pytest.raises(RenderError, match="control character"):
        tex(bad)


def test_tex_refuses_none() -> None:
    with pytest.raises(RenderError, match="expects text"):
        tex(None)


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E)))
@example(HOSTILE)
@example("\\\\{{}}^^5c")
def test_tex_line_output_is_inert_and_reversible(text: str) -> None:
    out = tex_line(text)
    # Every backslash starts a known escape, so no user command can run ...
    words = re.findall(r"\\([A-Za-z]+)", out)
    assert set(words) <= ALLOWED_WORDS
    assert not re.search(r"(?<!\\)[$&#^_%~]", out.replace(r"\textasciicircum{}", "").replace(r"\textasciitilde{}", ""))
    check_latex(out)  # ... braces balance ...
    assert untex_line(out) == " ".join(text.split())  # ... and nothing was lost.


# --- |math and check_latex -----------------------------------------------------------------


def test_math_passes_trusted_latex_through() -> None:
    body = r"\begin{align*} \left( \frac{1}{2} \right) &\leftarrow \{x\} \\ y &= 100\% \end{align*}"
    assert math(body) == body
    assert isinstance(math(body), Latex)


@pytest.mark.parametrize(
    ("latex", "problem"),
    [
        (r"\input{/etc/passwd}", "input"),
        (r"x \def\a{b}", "def"),
        (r"\immediate\write18{rm -rf /}", "immediate"),
        (r"^^5cinput{/etc/passwd}", r"\^\^"),
        (r"\end{document}", "document"),
        (r"\UseName{input}{/etc/passwd}", "UseName"),
        (r"\ExplSyntaxOn \tex_input:D /etc/passwd", "ExplSyntaxOn"),
        (r"\tex_input:D /etc/passwd", r"\\tex'"),
        (r"\__file_size:n {/etc/passwd}", "__"),
        (r"\makeatletter \@@input /etc/passwd", "makeatletter"),
        (r"\@@input /etc/passwd", r"\\@'"),
        (r"\csname input\endcsname{/etc/passwd}", "csname"),
        (r"\lowercase{\INPUT}", "lowercase"),
        (r"\uppercase{x}", "uppercase"),
        (r"\expandafter\x\y", "expandafter"),
        (r"\string\input", "string"),
        (r"\scantokens{x}", "scantokens"),
        (r"\pdfobj file {/etc/passwd}", "pdfobj"),
        (r"\pdfobj stream file {/etc/passwd}", "pdfobj"),
        (r"\pdfximage{/etc/passwd}", "pdfximage"),
        (r"\pdffiledump length 9 {/etc/passwd}", "pdffiledump"),
        (r"\pdfmdfivesum file {/etc/passwd}", "pdfmdfivesum"),
        (r"\pdffilesize{/etc/passwd}", "pdffilesize"),
        (r"\pdffilemoddate{/etc/passwd}", "pdffilemoddate"),
        (r"\pdfannot{/Subtype/Link}", "pdfannot"),
        (r"\pdfliteral{0 g}", "pdfliteral"),
        (r"\pdfprimitive\input", "pdfprimitive"),
        (r"\primitive\input", "primitive"),
        (r"\includegraphics{/etc/passwd.pdf}", "includegraphics"),
        (r"\input{../../secret}", "input"),
        (r"\include{/etc/passwd}", "include"),
        (r"\verbatiminput{/etc/passwd}", "verbatiminput"),
        (r"\InputIfFileExists{/etc/passwd}{}{}", "InputIfFileExists"),
        (r"\openin1=/etc/passwd", "openin"),
        (r"\read1 to\x", "read"),
        (r"\readline1 to\x", "readline"),
        (r"\write18{id}", "write"),
        (r"\openout1=/tmp/x", "openout"),
        (r"\special{pdf:x}", "special"),
        (r"\font\x=/etc/passwd", "font"),
        (r"\AddToHook{enddocument}{x}", "AddToHook"),
        (r"\NewDocumentCommand\x{}{}", "NewDocumentCommand"),
        (r"\begin{input}{/etc/passwd}\end{input}", r"\\begin\{input\}"),
        (r"\begin{filecontents}{x}\end{filecontents}", "filecontents"),
        (r"\begin x", r"\\begin\{\}"),
        (r"\frac{1}{", "unclosed"),
        (r"x}", "unbalanced"),
        (r"\begin{align*} x", "never closed"),
        (r"\begin{align*} x \end{aligned}", "does not close"),
        (r"\left( x", r"\\left without"),
        (r"x \right)", r"\\right without"),
    ],
)
def test_check_latex_refuses_dangerous_or_unbalanced(latex: str, problem: str) -> None:
    with pytest.raises(RenderError, match=problem):
        math(latex)


def test_check_latex_ignores_escaped_braces_and_comments() -> None:
    check_latex(r"\{ \} \\ 50\% % an unbalanced { in a comment")


@pytest.mark.parametrize(
    "latex",
    [
        r"a \\input b \\readline",  # a line break, then words: not control sequences
        r"\alpha_{1} + \mathrm{learning\_rate} + \exp(x) + \text{stop}",
        r"\begin{pmatrix} a & b \end{pmatrix} \begin{array}{rl} x & y \end{array}",
        r"\begin{align*} f &= \sum_{i} \left( x_i \right) \noalign{\vskip 6pt} \end{align*}",
        r"\inputx \reading \fontsize",  # longer words that only start like forbidden ones
    ],
)
def test_check_latex_passes_ordinary_printer_latex(latex: str) -> None:
    check_latex(latex)


def test_math_refuses_non_strings() -> None:
    with pytest.raises(RenderError, match="expects a LaTeX str"):
        math(None)


# --- the environment ---------------------------------------------------------------------------


def test_env_uses_latex_friendly_delimiters(tmp_path: Path) -> None:
    write_templates(tmp_path, {"t.tex.j2": r"<# note #>\frac{<< a | tex >>}{<% if b %>2<% endif %>}" + "\n"})
    env = make_env(tmp_path)
    assert render_template(env, "t.tex.j2", a="{x}", b=True) == r"\frac{\{x\}}{2}" + "\n"
    assert env.undefined is jinja2.StrictUndefined and not env.autoescape


def test_an_edited_template_is_compiled_afresh(tmp_path: Path) -> None:
    """Environments share compiled templates keyed on each template's source: an edit is never missed."""
    write_templates(tmp_path, {"t.tex.j2": "first << a | tex >>\n"})
    assert render_template(make_env(tmp_path), "t.tex.j2", a="x") == "first x\n"
    write_templates(tmp_path, {"t.tex.j2": "second << a | tex >>\n"})
    assert render_template(make_env(tmp_path), "t.tex.j2", a="x") == "second x\n"
    (tmp_path / "u.tex.j2").write_text("<< a | tex >> from the user\n", encoding="utf-8")
    assert render_template(make_env(overrides=tmp_path), "u.tex.j2", a="y") == "y from the user\n"


def test_compiled_templates_render_as_freshly_compiled_ones() -> None:
    before = render_handout(sample_handout())
    compile_templates()
    assert render_handout(sample_handout()) == before


def test_default_loader_finds_the_repo_templates() -> None:
    loader = default_loader()
    assert isinstance(loader, jinja2.FileSystemLoader)
    assert Path(loader.searchpath[0]) == REPO_TEMPLATES


def test_traversable_loader_reads_package_style_folders() -> None:
    env = jinja2.Environment(loader=_TraversableLoader(REPO_TEMPLATES))
    source, filename, uptodate = _TraversableLoader(REPO_TEMPLATES).get_source(env, "base.tex.j2")
    assert r"\documentclass" in source and filename is not None and uptodate is not None and uptodate()
    with pytest.raises(jinja2.TemplateNotFound):
        _TraversableLoader(REPO_TEMPLATES).get_source(env, "../pyproject.toml")
    with pytest.raises(jinja2.TemplateNotFound):
        _TraversableLoader(REPO_TEMPLATES).get_source(env, "missing.tex.j2")


def test_undefined_variable_is_a_render_error_with_template_and_line(tmp_path: Path) -> None:
    write_templates(tmp_path, {"t.tex.j2": "first line\n<< handout.titel | tex >>\n"})
    with pytest.raises(RenderError) as info:
        render_template(make_env(tmp_path), "t.tex.j2", handout=sample_handout())
    message = str(info.value)
    assert "template t.tex.j2, line 2" in message and "titel" in message
    assert "handout.titel" in (info.value.hint or "")


def test_undefined_in_an_included_template_names_that_template(tmp_path: Path) -> None:
    write_templates(tmp_path, {"outer.tex.j2": "a\n<% include 'inner.tex.j2' %>\n", "inner.tex.j2": "b\nc\n<< nope >>\n"})
    with pytest.raises(RenderError, match=r"template inner\.tex\.j2, line 3: 'nope' is undefined"):
        render_template(make_env(tmp_path), "outer.tex.j2")


def test_syntax_error_is_a_render_error_with_template_and_line(tmp_path: Path) -> None:
    write_templates(tmp_path, {"t.tex.j2": "ok\n<% for x in xs %>\nno end\n"})
    with pytest.raises(RenderError, match=r"template t\.tex\.j2, line \d"):
        render_template(make_env(tmp_path), "t.tex.j2", xs=[])


def test_unescaped_and_none_output_are_refused(tmp_path: Path) -> None:
    write_templates(tmp_path, {"raw.tex.j2": "<< text >>\n", "none.tex.j2": "x\n<< nothing >>\n", "num.tex.j2": "<< n >>\n"})
    env = make_env(tmp_path)
    with pytest.raises(RenderError, match=r"raw\.tex\.j2, line 1: a template printed an unescaped str") as info:
        render_template(env, "raw.tex.j2", text=HOSTILE)
    assert "|tex" in (info.value.hint or "")
    with pytest.raises(RenderError, match=r"none\.tex\.j2, line 2: a template printed None"):
        render_template(env, "none.tex.j2", nothing=None)
    assert render_template(env, "num.tex.j2", n=3) == "3\n"


def test_filter_errors_name_the_template_line(tmp_path: Path) -> None:
    write_templates(tmp_path, {"t.tex.j2": "\n<< text | tex >>\n"})
    with pytest.raises(RenderError, match=r"t\.tex\.j2, line 2: character"):
        render_template(make_env(tmp_path), "t.tex.j2", text="\U0001F600")


def test_missing_template_is_a_render_error() -> None:
    with pytest.raises(RenderError, match="template not found: nope.tex.j2"):
        render_template(make_env(), "nope.tex.j2")


def test_block_kind_without_template_is_a_render_error(tmp_path: Path) -> None:
    shutil.copytree(REPO_TEMPLATES, tmp_path, dirs_exist_ok=True)
    (tmp_path / "math.tex.j2").unlink()
    handout = Handout("T", blocks=(Math("x"),))
    with pytest.raises(RenderError, match="template not found: math.tex.j2"):
        render_handout(handout, env=make_env(tmp_path))


# --- render_handout ----------------------------------------------------------------------------


def test_render_handout_writes_every_block_after_its_marker() -> None:
    tex_source = render_handout(sample_handout())
    assert tex_source.startswith(r"\documentclass")
    assert tex_source.rstrip().endswith(r"\end{document}")
    assert r"\section{The chain rule}" in tex_source
    assert FakeResult().body in tex_source and r"\boxed{2 x}" in tex_source
    assert r"\dinput{x\textasciicircum{}2}" in tex_source
    markers = [line[len(SOURCE_MARKER):] for line in tex_source.splitlines() if line.startswith(SOURCE_MARKER)]
    assert markers[:3] == ["title block", "The chain rule", tex_line(Paragraph(HOSTILE).label)]
    assert "Power rule" in markers and "exercise 1 solution: Solution to exercise 1" in markers


def test_render_handout_escapes_hostile_text() -> None:
    tex_source = render_handout(sample_handout())
    assert HOSTILE not in tex_source
    assert r"\textbackslash{}input\{/etc/passwd\} costs \$5 at 100\%" in tex_source
    assert "\\input" not in tex_source.replace(r"\textbackslash{}input", "")


def test_solutions_section_is_optional() -> None:
    with_solutions = render_handout(sample_handout())
    without = render_handout(sample_handout(), solutions=False)
    assert r"\section*{Solutions}" in with_solutions and r"\boxed{3 x^{2}}" in with_solutions
    assert r"\section*{Solutions}" not in without and r"\boxed{3 x^{2}}" not in without
    assert without.count("\n\\dexercise\n") == 2


def test_no_solutions_section_without_solutions() -> None:
    handout = Handout("T", blocks=(Exercise("p", "x"),))
    assert r"\section*{Solutions}" not in render_handout(handout)


def test_bad_block_data_names_the_block() -> None:
    broken = Worked("Broken one", "", FakeResult(body=r"\begin{align*} \frac{1}{ \end{align*}", result="x"), "x")
    handout = Handout("T", blocks=(Section("Fine"), broken))
    with pytest.raises(RenderError, match=r"block 'Broken one', its derivation: 1 unclosed"):
        render_handout(handout)
    bad_text = Handout("T", blocks=(Paragraph("hello \x07 bell"),))
    with pytest.raises(RenderError, match=r"block 'hello \x07 bell', field text: control character"):
        render_handout(bad_text)
    bad_solution = Handout("T", blocks=(Exercise("Ex", "x", solution=Worked("S", "", FakeResult(body=r"\input{a}"), "")),))
    with pytest.raises(RenderError, match=r"block 'Ex', its derivation: refusing"):
        render_handout(bad_solution)
    with pytest.raises(RenderError, match="handout title: character"):
        render_handout(Handout("\U0001F600"))


# -- prose with the author's $...$ maths ------------------------------------------------------

def test_prose_keeps_the_authors_maths_and_escapes_the_words() -> None:
    from derive.render.env import prose

    out = prose(r"the mean $y_i$ and $\hat\beta = (X^\top X)^{-1} X^\top y$ cost 100% {x}")
    assert out == r"the mean $y_i$ and $\hat\beta = (X^\top X)^{-1} X^\top y$ cost 100\% \{x\}"


def test_prose_dollars_that_are_not_maths_stay_dollars() -> None:
    from derive.render.env import prose

    assert prose(r"It costs $5 and $6, or \$3; a lone $ too.") == r"It costs \$5 and \$6, or \$3; a lone \$ too."
    assert prose("$ x $") == r"\$ x \$"  # spaces inside the dollars: not maths (Pandoc's rule)


def test_prose_maths_is_checked_like_trusted_latex() -> None:
    from derive.render.env import prose, prose_line

    for bad in (r"see $\input{/etc/passwd}$", r"$\def\x{1}$ here", r"$a}$ b", r"$x % comment$"):
        with pytest.raises(RenderError):
            prose(bad)
        with pytest.raises(RenderError):
            prose_line(bad)


def test_prose_line_gives_bookmarks_plain_text() -> None:
    from derive.render.env import plain_line, prose_line

    assert prose_line(r"Mean of $x_i$: $\sigma^2$") == (
        r"Mean of \texorpdfstring{$x_i$}{x\_i}: \texorpdfstring{$\sigma^2$}{sigma \textasciicircum{}2}")
    assert "$" not in plain_line(r"The $\sigma^2$ estimate")


def test_handout_paragraph_and_titles_print_maths() -> None:
    from derive.handout.document import Handout, Paragraph, Section

    latex = render_handout(Handout(r"On $\sigma^2$", blocks=(Section(r"The $y_i$"), Paragraph(r"Each $y_i$ costs $5."))))
    assert r"Each $y_i$ costs \$5." in latex
    assert r"\section{The \texorpdfstring{$y_i$}{y\_i}}" in latex
    assert r"pdftitle={On sigma \textasciicircum{}2}" in latex
