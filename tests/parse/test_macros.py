"""The file's own macros: collected from the source, expanded in terms, bounded, never reading files."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.core.errors import ParseError
from derive.parse import macros as M
from derive.parse.derivation import read_derivation
from derive.parse.macros import collect


def test_no_parameters() -> None:
    assert collect(r"\newcommand{\R}{\mathbb{R}}").expand(r"x \in \R^n") == r"x \in \mathbb{R}^n"


def test_parameters_and_brace_or_token_arguments() -> None:
    m = collect(r"\newcommand{\norm}[1]{\left\lVert #1 \right\rVert} \newcommand\pd[2]{\frac{\partial #1}{\partial #2}}")
    assert m.expand(r"\norm{y - Xb}^2") == r"\left\lVert y - Xb \right\rVert^2"
    assert m.expand(r"\pd f x") == r"\frac{\partial f}{\partial x}"
    assert m.expand(r"\pd{}{\mu}") == r"\frac{\partial }{\partial \mu}"


def test_optional_first_argument() -> None:
    m = collect(r"\newcommand{\dd}[2][x]{\frac{d}{d#1}#2}")
    assert m.expand(r"\dd{f}") == r"\frac{d}{dx}f"
    assert m.expand(r"\dd[t]{f}") == r"\frac{d}{dt}f"


def test_declare_math_operator_and_def() -> None:
    m = collect(r"\DeclareMathOperator{\Tr}{Tr} \DeclareMathOperator*{\argmax}{arg\,max} \def\inv{^{-1}} \def\ip#1#2{#1^\top #2}")
    assert m.expand(r"\Tr(A)") == r"\operatorname{Tr}(A)"
    assert m.expand(r"\argmax_\theta") == r"\operatorname*{arg\,max}_\theta"
    assert m.expand(r"X\inv") == r"X^{-1}"
    assert m.expand(r"\ip{a}{b}") == r"a^\top b"


def test_nested_macros_and_renew_and_provide() -> None:
    m = collect(r"\newcommand{\vx}{x} \renewcommand{\vx}{\mathbf{x}} \providecommand{\vx}{z}"
                r"\newcommand{\sq}[1]{#1^2} \newcommand{\nx}{\sq{\vx}}")
    assert m.expand(r"\nx + \vx") == r"\mathbf{x}^2 + \mathbf{x}"


def test_control_word_does_not_merge_with_a_following_letter() -> None:
    assert collect(r"\newcommand{\T}{\top}").expand(r"X^\T X") == r"X^\top X"
    assert collect(r"\newcommand{\s}{\sigma}").expand(r"\s x") == r"\sigma x"


def test_other_commands_are_left_alone() -> None:
    m = collect(r"\newcommand{\R}{\mathbb{R}}")
    assert m.expand(r"\Re + \RR + \frac{1}{2}") == r"\Re + \RR + \frac{1}{2}"


def test_recursion_is_bounded() -> None:
    with pytest.raises(ParseError, match="expansions"):
        collect(r"\def\a{\a}").expand(r"\a")


def test_growth_is_bounded() -> None:
    with pytest.raises(ParseError, match="longer than"):
        collect(r"\def\a{xxxxxxxxxxxxxxxxxxxx\a\a}").expand(r"\a")


def test_missing_argument_is_an_error() -> None:
    with pytest.raises(ParseError, match="argument"):
        collect(r"\newcommand{\f}[2]{#1 #2}").expand(r"\f{x}")


def test_unsafe_bodies_are_only_text() -> None:
    """An \\input in a body is substituted as text; the maths reader refuses it, nothing is read."""
    m = collect(r"\newcommand{\secret}{\input{/etc/passwd}} \def\w{\write18{rm}}")
    assert m.expand(r"\secret") == r"\input{/etc/passwd}"
    assert m.expand(r"\w") == r"\write18{rm}"


def test_delimited_def_is_not_read() -> None:
    assert not collect(r"\def\foo#1.{#1}")


def test_definitions_in_the_document_are_expanded_and_not_read_as_maths() -> None:
    text = "\n".join([
        r"\documentclass{article}",
        r"\newcommand{\vx}{\mathbf{x}}",
        r"\newcommand{\sq}[1]{#1^2}",
        r"\begin{document}",
        r"% derive: \vx \in \mathbb{R}^{n}",
        r"\begin{align*}",
        r"\sq{\vx} &= \vx^2",
        r"\end{align*}",
        r"\end{document}",
    ])
    d = read_derivation(text)
    (chain,) = d.chains
    assert chain.first.latex == r"\mathbf{x}^2" and chain.links[0].rhs.latex == r"\mathbf{x}^2"
    assert chain.links[0].rhs.line == 7
    assert d.declarations[0].text == r"\mathbf{x} \in \mathbb{R}^{n}"


def test_a_display_inside_a_definition_is_not_a_display() -> None:
    d = read_derivation("\\newcommand{\\be}{\\[ x = 1 \\]}\n\\[ a = a \\]\n")
    assert [c.first.latex for c in d.chains] == ["a"]


def test_preamble_is_skipped() -> None:
    d = read_derivation("\\documentclass{article}\n\\title{$a = b$}\n\\begin{document}\n\\[ y = y \\]\n\\end{document}\n")
    assert len(d.chains) == 1 and not any("title" in getattr(i, "text", "") for i in d.items)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="\\{}#[]ab12 ", max_size=60), st.text(alphabet="\\{}#[]ab12 ", max_size=30))
def test_any_input_expands_or_refuses_within_bounds(defs: str, use: str) -> None:
    try:
        out = collect(r"\newcommand{\a}" + defs).expand(use)
    except ParseError:
        return
    assert len(out) <= M.MAX_OUTPUT


def test_a_lone_backslash_at_the_end_or_before_a_newline_is_left_alone() -> None:
    macros = collect(r"\newcommand{\R}{\mathbb{R}}")
    assert macros.expand("x \\in \\R \\") == "x \\in \\mathbb{R} \\"
    assert macros.expand("\\R\\\n\\R") == "\\mathbb{R}\\\n\\mathbb{R}"
    with pytest.raises(ParseError):  # a macro with a parameter whose argument is a lone backslash
        collect(r"\newcommand{\f}[1]{(#1)}").expand("\\f\\")
