"""Dispatch on the class of a node: ``_print_<ClassName>`` looked up along the MRO.

An unknown node raises instead of falling back to ``str()``.
"""
from __future__ import annotations

from typing import Any

from derive.core.errors import RenderError


class Walker:
    """Base of the derivation printers; subclasses define ``_print_<ClassName>`` methods."""

    def _print(self, node: object, **kwargs: Any) -> Any:
        for cls in type(node).__mro__:
            method = getattr(self, f"_print_{cls.__name__}", None)
            if method is not None:
                return method(node, **kwargs)
        raise RenderError(
            f"{type(self).__name__} cannot print a {type(node).__name__}",
            hint="add a _print_ method for it",
        )
