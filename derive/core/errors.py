"""The DeriveError tree: every error a user can see, with a position and a hint.

Only ``cli.py`` turns these into exit codes; everything else raises them.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` in one line of user text."""

    text: str
    start: int
    end: int

    def caret(self) -> str:
        """The source line with a caret line under the span."""
        width = max(1, self.end - self.start)
        return f"{self.text}\n{' ' * self.start}{'^' * width}"


class DeriveError(Exception):
    """Base of all derive errors: a message, an optional span and a hint."""

    def __init__(self, message: str, *, span: Span | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint

    def one_line(self) -> str:
        """The error as a single line: message, position and hint."""
        parts = [self.message]
        if self.span is not None:
            parts.append(f"at column {self.span.start + 1} of {self.span.text!r}")
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "; ".join(parts)

    def __str__(self) -> str:
        return self.one_line()

    def __reduce__(self) -> tuple[object, ...]:
        # Keep span and hint when an error crosses a worker-process boundary.
        return (_rebuild, (type(self), self.message, self.span, self.hint))


def _rebuild(cls: type[DeriveError], message: str, span: Span | None, hint: str | None) -> DeriveError:
    return cls(message, span=span, hint=hint)


class ParseError(DeriveError, ValueError):
    """User text (plain math, LaTeX, a declaration) could not be read."""


class ShapeError(DeriveError, ValueError):
    """Operands whose shapes do not conform, or a shape used where it cannot be."""


class UnsupportedError(DeriveError, ValueError):
    """A well-formed request that derive does not handle (yet)."""


class UsageError(DeriveError, ValueError):
    """Bad command-line or API arguments."""


class BudgetExceeded(DeriveError, TimeoutError):
    """Symbolic work ran past its time or size budget; names the limit and the step."""


class RenderError(DeriveError, RuntimeError):
    """A template or a TeX run failed; points at the template or the expression."""


class DataError(DeriveError, ValueError):
    """A data file with missing, non-numeric or no values."""
