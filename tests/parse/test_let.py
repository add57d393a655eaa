"""Shape declarations (--let) for matrix calculus, in plain text and LaTeX."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.core.errors import ParseError, ShapeError
from derive.parse.shapes import ShapeDecl, merge_shapes
from derive.parse.let import parse_let


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("X: n x p", ShapeDecl("X", "n", "p")),
        ("y: n", ShapeDecl("y", "n", 1)),
        ("W: 3 × 4", ShapeDecl("W", 3, 4)),
        ("A: p x p symmetric", ShapeDecl("A", "p", "p", frozenset({"symmetric"}))),
        ("Sigma: n x n positive definite", ShapeDecl("Sigma", "n", "n", frozenset({"positive definite"}))),
        ("D: k x k diagonal", ShapeDecl("D", "k", "k", frozenset({"diagonal"}))),
        ("A symmetric", ShapeDecl("A", None, None, frozenset({"symmetric"}))),
        (r"X \in \mathbb{R}^{n\times p}", ShapeDecl("X", "n", "p")),
        (r"y \in \mathbb{R}^{n}", ShapeDecl("y", "n", 1)),
        (r"\Sigma \succ 0", ShapeDecl("Sigma", None, None, frozenset({"positive definite"}))),
        (r"\Sigma \succeq 0", ShapeDecl("Sigma", None, None, frozenset({"positive semidefinite"}))),
    ],
)
def test_declarations(text: str, expected: ShapeDecl) -> None:
    assert parse_let(text) == expected


def test_describe_round_trips() -> None:
    for text in ["X: n x p", "y: n", "A: p x p symmetric", "Sigma: n x n positive definite"]:
        assert parse_let(parse_let(text).describe()) == parse_let(text)


def test_properties_need_a_square_matrix() -> None:
    with pytest.raises(ParseError, match="symmetric but its shape is n x p"):
        parse_let("A: n x p symmetric")


@pytest.mark.parametrize("text", ["X: n x", "X n p", "", "X: n x p frobnicated", r"X \in \mathbb{C}^{n}"])
def test_bad_declarations_are_parse_errors_with_a_position(text: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_let(text)
    assert info.value.span is not None and info.value.hint


def test_merge_adds_properties_and_refuses_conflicts() -> None:
    merged = merge_shapes([parse_let("A: p x p"), parse_let("A symmetric"), parse_let(r"\Sigma \succ 0"),
                           parse_let("Sigma: n x n")])
    assert merged["A"].properties == {"symmetric"} and merged["A"].rows == "p"
    assert "symmetric" in merged["Sigma"].closed()
    with pytest.raises(ShapeError, match="different shapes"):
        merge_shapes([parse_let("X: n x p"), parse_let("X: p x n")])
    with pytest.raises(ShapeError, match="no shape"):
        merge_shapes([parse_let("A symmetric")])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_is_a_declaration_or_a_parse_error(text: str) -> None:
    try:
        decl = parse_let(text)
    except ParseError:
        return
    assert decl.name and (decl.rows is None or decl.cols is not None)
