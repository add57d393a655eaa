"""Templates: ``{name}`` replaced by a parameter's value as number text (``"{a}*x^2 + exp({b}*x)"``).

Only ``{name}`` of a declared parameter is replaced, so LaTeX braces (``\\frac{1}{2}``) stay as they are.
In an expression (our parser's input) a negative or decimal value is put in brackets, so ``x^{a}``
with a = -2 reads ``x^(-2)``; in prose it is the number as written. Nothing is evaluated: the result
is text for our own parser or for a handout paragraph.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from derive.core.errors import UsageError
from derive.course.params import Number, Value, number_text

_FIELD = re.compile(r"\{([A-Za-z][A-Za-z0-9_]*)(?:\[(\d+)\])?\}")


def fill(template: str, values: Mapping[str, Value], *, expression: bool, what: str,
         point: int | None = None) -> str:
    """``template`` with each ``{name}`` (``{name[k]}`` for a vector entry) replaced by its value.

    A vector parameter written ``{e}`` takes entry ``point`` (the data point being built); an unknown
    ``{name}`` that is not a parameter stays (LaTeX), unless it looks like a field in an expression.
    """
    def one(m: re.Match[str]) -> str:
        name, k = m.group(1), m.group(2)
        if name not in values:
            if expression:
                raise UsageError(f"{what}: {{{name}}} is not a parameter", hint=f"declare {name} under params")
            return m.group(0)
        v = values[name]
        if isinstance(v, tuple):
            idx = int(k) if k is not None else point
            if idx is None:
                raise UsageError(f"{what}: {{{name}}} is a vector parameter: write {{{name}[k]}} for one entry")
            if not 0 <= idx < len(v):
                raise UsageError(f"{what}: {{{name}[{idx}]}} is outside its {len(v)} entries")
            return _text(v[idx], expression)
        if k is not None:
            raise UsageError(f"{what}: {name} is not a vector parameter")
        return _text(v, expression)

    return _FIELD.sub(one, template)


def _text(v: Number, expression: bool) -> str:
    t = number_text(v)
    return f"({t})" if expression and (t.startswith("-") or "." in t) else t
