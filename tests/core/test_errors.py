"""The error tree: one-line messages with position and hint, surviving pickling."""
import pickle

import pytest

from derive.core.errors import BudgetExceeded, DeriveError, ParseError, RenderError, Span, UsageError


def test_span_caret_points_at_the_columns() -> None:
    span = Span("x^2 + * 3", 6, 7)
    assert span.caret().splitlines() == ["x^2 + * 3", "      ^"]


def test_one_line_names_position_and_hint() -> None:
    err = ParseError("unexpected '*'", span=Span("x + * 3", 4, 5), hint="an operand is missing")
    text = err.one_line()
    assert "\n" not in text
    assert "column 5" in text and "an operand is missing" in text and "unexpected '*'" in text


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [(ParseError, ValueError), (UsageError, ValueError), (BudgetExceeded, TimeoutError), (RenderError, RuntimeError)],
)
def test_errors_derive_from_the_builtin_they_resemble(cls: type[DeriveError], builtin: type[Exception]) -> None:
    assert issubclass(cls, DeriveError) and issubclass(cls, builtin)


def test_errors_keep_span_and_hint_across_processes() -> None:
    err = ParseError("bad", span=Span("abc", 1, 2), hint="fix it")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is ParseError
    assert back.span == err.span and back.hint == "fix it" and back.message == "bad"
