"""Shape declarations as data."""
import pytest

from derive.core.errors import ShapeError
from derive.parse.shapes import ShapeDecl, check_shape


def test_vector_square_and_implied_properties() -> None:
    y = ShapeDecl("y", "n", 1)
    assert y.is_vector and not y.is_square and y.describe() == "y: n"
    s = ShapeDecl("S", "n", "n", frozenset({"positive definite"}))
    assert s.is_square and s.closed() == {"positive definite", "positive semidefinite", "symmetric"}


def test_check_shape_refuses_properties_of_non_square() -> None:
    with pytest.raises(ShapeError, match="square"):
        check_shape(ShapeDecl("W", 3, 4, frozenset({"orthogonal"})))
    assert check_shape(ShapeDecl("W", 4, 4, frozenset({"orthogonal"}))).is_square
