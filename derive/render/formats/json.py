"""JSON: the documented contract of each command (SymPy ``str()`` forms in the user's names)."""
from __future__ import annotations

from typing import Any, ClassVar

from derive.render.base import FormatPrinter


class Printer(FormatPrinter):
    """One JSON document per result."""

    format_name: ClassVar[str] = "json"
    _default_settings: ClassVar[dict[str, Any]] = {"indent": 2}

    def _print_Derivation(self, d: Any) -> str:
        from derive.render.jsonout import to_json

        return to_json(d, indent=self.settings["indent"])

    _print_Gradient = _print_Derivation

    def _print_MatGradient(self, g: Any) -> str:
        from derive.render.matrix_doc import to_json

        return to_json(g, indent=self.settings["indent"])

    def _print_LsSolution(self, s: Any) -> str:
        from derive.render.lsq_out import to_json

        return to_json(s, indent=self.settings["indent"])

    def _print_SimpleSolution(self, s: Any) -> str:
        from derive.render.simple_regression_out import to_json

        return to_json(s, indent=self.settings["indent"])

    def _print_MleDerivation(self, d: Any) -> str:
        from derive.render.mle_out import to_json

        return to_json(d, indent=self.settings["indent"])
