"""The error tree: one-line messages with position and hint, surviving pickling."""
import pickle

import pytest

from derive.core.errors import (
    BudgetExceeded, DeriveError, ParseError, RenderError, Span, UsageError, UsageTypeError, escape_control,
)


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


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("x\ny", "x\\ny"),
        ("a\x1b[2Jb", "a\\x1b[2Jb"),
        ("tab\there", "tab\\there"),
        ("nul\x00", "nul\\x00"),
        ("bidi\u202eevil", "bidi\\u202eevil"),
        ("line\u2028sep", "line\\u2028sep"),
        ("plain x² + é, no-break\u00a0space", "plain x² + é, no-break\u00a0space"),
    ],
)
def test_control_characters_are_escaped(text: str, shown: str) -> None:
    assert escape_control(text) == shown


def test_one_line_escapes_user_text_in_message_span_and_hint() -> None:
    err = ParseError("bad name 'x\ny'", span=Span("x\x1b[2J", 1, 2), hint="not \r this")
    line = err.one_line()
    assert "\n" not in line and "\x1b" not in line and "\r" not in line
    assert "x\\ny" in line and "\\r" in line


def test_a_long_input_is_shown_around_the_error() -> None:
    text = "a + " * 500 + "*" + " + b" * 500
    err = ParseError("unexpected '*'", span=Span(text, text.index("*"), text.index("*") + 1))
    line = err.one_line()
    assert len(line) < 200 and "*" in line and "..." in line and f"column {text.index('*') + 1}" in line


def test_the_type_flavoured_usage_error_is_both() -> None:
    assert issubclass(UsageTypeError, UsageError) and issubclass(UsageTypeError, TypeError)
    assert issubclass(UsageTypeError, ValueError)
