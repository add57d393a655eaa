"""Dispatch on the class of a node: ``<prefix><ClassName>`` looked up along the MRO, as SymPy's printers do.

Printers (``_print_``) and any other walker of the contract subclass ``Visitor``. An unknown
node raises, naming the visitor and the class, instead of falling back to ``str()``.
"""
from __future__ import annotations

from typing import Any, ClassVar

from derive.core.errors import RenderError


class Visitor:
    """Base of every tree walker: ``visit(node)`` calls the method named for the node's class."""

    prefix: ClassVar[str] = "_print_"

    def method_for(self, node: object, prefix: str | None = None) -> Any:
        """The method named ``<prefix><Class>`` for the first class of ``node``'s MRO that has one, or None."""
        for cls in type(node).__mro__:
            method = getattr(self, f"{self.prefix if prefix is None else prefix}{cls.__name__}", None)
            if method is not None:
                return method
        return None

    def visit(self, node: object, **kwargs: Any) -> Any:
        method = self.method_for(node)
        if method is not None:
            return method(node, **kwargs)
        raise RenderError(
            f"{type(self).__name__} cannot handle a {type(node).__name__}",
            hint=f"add a {self.prefix}{type(node).__name__} method for it",
        )

    def _print(self, node: object, **kwargs: Any) -> Any:
        return self.visit(node, **kwargs)


Walker = Visitor
"""The older name of the visitor base."""
