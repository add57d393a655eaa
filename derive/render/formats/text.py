"""Terminal text: Unicode maths in Rich tables, one line per step with its mark (colour on a terminal)."""
from __future__ import annotations

import io
from typing import Any, ClassVar

from derive.render.base import FormatPrinter


def _export(renderable: Any, width: int, color: bool) -> str:
    from rich.console import Console

    buf = io.StringIO()
    Console(file=buf, width=width, color_system="standard" if color else None, force_terminal=color,
            highlight=False).print(renderable)
    return buf.getvalue()


class Printer(FormatPrinter):
    """Text of every result: ``width`` columns, ``color`` for ANSI colours."""

    format_name: ClassVar[str] = "text"
    _default_settings: ClassVar[dict[str, Any]] = {"width": 100, "color": False}

    def doprint(self, node: object) -> str:
        return _export(self.visit(node), int(self.settings["width"] or 100), bool(self.settings["color"]))

    def _print_Derivation(self, d: Any) -> Any:
        from derive.render.text import to_renderable

        return to_renderable(d)

    _print_Gradient = _print_Derivation

    def _print_MatGradient(self, g: Any) -> Any:
        from derive.render.matrix_text import to_renderable

        return to_renderable(g)

    def _print_LsSolution(self, s: Any) -> Any:
        from derive.render.lsq_out import to_renderable

        return to_renderable(s)

    def _print_SimpleSolution(self, s: Any) -> Any:
        from derive.render.simple_regression_out import to_renderable

        return to_renderable(s)

    def _print_MleDerivation(self, d: Any) -> Any:
        from derive.render.mle_out import to_renderable

        return to_renderable(d)
