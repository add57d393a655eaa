"""The base of the format printers: validated settings and ``doprint`` over the visitor's dispatch.

As in SymPy's printers, each format declares ``_default_settings``; an unknown setting is an
error, never silently ignored.
"""
from __future__ import annotations

from typing import Any, ClassVar

from derive.core.errors import UsageError
from derive.core.visitor import Visitor


CERTIFIED = "every step and every required check passed"
REFUTED = "a step or a required check above is refuted"
UNDECIDED = "a step or a required check above could not be decided"
"""The closing line of every result, in every format: ``✓ certified: ...``, ``✗ NOT certified: ...``
(refuted: exit 1) or ``? NOT certified: ...`` (undecided: exit 3)."""

CLOSING = {"certified": ("✓", "certified", CERTIFIED), "refuted": ("✗", "NOT certified", REFUTED),
           "undecided": ("?", "NOT certified", UNDECIDED)}
"""Verdict value -> (mark, words, reason) of the closing line."""


class FormatPrinter(Visitor):
    """One output format: ``_print_<Class>`` for every class of the contract it can print."""

    format_name: ClassVar[str] = ""
    _default_settings: ClassVar[dict[str, Any]] = {}

    def __init__(self, **settings: Any) -> None:
        unknown = sorted(set(settings) - set(self._default_settings))
        if unknown:
            known = ", ".join(sorted(self._default_settings)) or "none"
            raise UsageError(f"unknown {self.format_name or 'printer'} setting {', '.join(unknown)}",
                             hint=f"the settings are: {known}")
        self.settings: dict[str, Any] = {**self._default_settings, **settings}

    def doprint(self, node: object) -> str:
        return str(self.visit(node))
