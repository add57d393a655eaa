"""The typed order the printers keep while one result is printed (``derive.parse.order``).

A format printer opens ``typed_order(result.order)`` around a result; the expression printers
(``notation.text``, ``notation.latex``) then order every sum's terms as the user typed them.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from derive.parse.order import TermOrder

R = TypeVar("R")

_CURRENT: ContextVar[TermOrder] = ContextVar("derive_typed_order", default=TermOrder())


@contextmanager
def typed_order(order: TermOrder | None) -> Iterator[None]:
    """Print sums in ``order`` inside this block (nested blocks restore the outer order)."""
    token = _CURRENT.set(order if order is not None else TermOrder())
    try:
        yield
    finally:
        _CURRENT.reset(token)


def in_typed_order(terms: Sequence[Any], expr: Any = None) -> list[Any]:
    """The terms of the sum ``expr`` in the order of the result being printed (as given when nothing was typed)."""
    return _CURRENT.get().ordered(terms, expr)


def keeps_typed_order(method: Callable[..., R]) -> Callable[..., R]:
    """A format printer's ``_print_<Result>`` that prints its result in the result's typed order."""
    @functools.wraps(method)
    def wrapper(self: Any, result: Any, *args: Any, **kwargs: Any) -> R:
        with typed_order(getattr(result, "order", None)):
            return method(self, result, *args, **kwargs)
    return wrapper


def as_decimal(r: Any) -> str | None:
    """The number ``r`` as a decimal when the result being printed was typed with decimals."""
    return _CURRENT.get().decimal(r)
