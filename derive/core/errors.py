"""The DeriveError tree: every error a user can see, with a position and a hint.

Only ``cli.py`` turns these into exit codes; everything else raises them.
"""
from __future__ import annotations

from dataclasses import dataclass

_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_control(text: str) -> str:
    """``text`` with control and format characters written as escapes (``\\n``, ``\\x1b``, ``\\u202e``).

    Why: user text echoed in an error must not clear the screen, move the cursor, reorder
    the line (bidi overrides) or break the one-line promise with a newline.
    """
    if text.isprintable():
        return text
    import unicodedata  # only when there is something to escape

    out = []
    for ch in text:
        if ch.isprintable() or ch == " ":
            out.append(ch)
        elif ch in _NAMED_ESCAPES:
            out.append(_NAMED_ESCAPES[ch])
        elif unicodedata.category(ch) == "Zs":  # other spaces (no-break, thin...) are harmless
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` in one line of user text."""

    text: str
    start: int
    end: int

    def excerpt(self, width: int = 72) -> str:
        """The text around the span, at most about ``width`` characters, cuts marked with '...'."""
        if len(self.text) <= width:
            return self.text
        start = max(0, min(self.start - width // 3, len(self.text) - width))
        end = start + width
        return ("..." if start > 0 else "") + self.text[start:end] + ("..." if end < len(self.text) else "")

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
        """The error as shown to a user: one line, control characters escaped (see ``escape_control``)."""
        return escape_control(str(self))

    def __str__(self) -> str:
        """Message, position and hint, as given (``one_line`` is the form safe to print)."""
        parts = [self.message]
        if self.span is not None:
            parts.append(f"at column {self.span.start + 1} of {self.span.excerpt()!r}")
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "; ".join(parts)

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


class UsageTypeError(UsageError, TypeError):
    """An API argument of the wrong type (a UsageError that is also a TypeError)."""


class BudgetExceeded(DeriveError, TimeoutError):
    """Symbolic work ran past its time or size budget; names the limit and the step."""


class RenderError(DeriveError, RuntimeError):
    """A template or a TeX run failed; points at the template or the expression."""


class DataError(DeriveError, ValueError):
    """A data file with missing, non-numeric or no values."""
