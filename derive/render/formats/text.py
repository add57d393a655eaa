"""Terminal text: Unicode maths in Rich tables, one line per step with its certificate's mark.

``width`` is the number of columns; ``color`` adds ANSI colours (a terminal). Every result ends
with the lines of its checks, each with the same mark and word as in every other format.
"""
from __future__ import annotations

import io
from typing import Any, ClassVar

import sympy as sp
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from derive.core.contract import Certificate, Check
from derive.render.base import FormatPrinter
from derive.render.notation.text import utext
from derive.scalar.model import Derivation, DiffStep, Gradient

STYLES: dict[str, str] = {"proved": "green", "plausible": "green", "refuted": "bold red", "unknown": "yellow",
                          "timeout": "yellow", "not computed": "yellow"}
"""The colour of each certificate word (the marks and words themselves come from the certificates)."""


def chain_table() -> Table:
    """The four columns of a chain: the relation, the maths, the justification, the mark."""
    table = Table(show_header=False, box=None, padding=(0, 1), expand=False)
    table.add_column(no_wrap=True)
    table.add_column(ratio=3, overflow="fold")
    table.add_column(ratio=2, style="cyan", overflow="fold")
    table.add_column(no_wrap=True)
    return table


class Printer(FormatPrinter):
    """Text of every result: ``width`` columns, ``color`` for ANSI colours."""

    format_name: ClassVar[str] = "text"
    _default_settings: ClassVar[dict[str, Any]] = {"width": 100, "color": False}

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self._partial = False

    def doprint(self, node: object) -> str:
        buf = io.StringIO()
        color = bool(self.settings["color"])
        Console(file=buf, width=int(self.settings["width"] or 100), color_system="standard" if color else None,
                force_terminal=color, highlight=False).print(self.visit(node))
        return buf.getvalue()

    # -- certificates and checks: one mark and word per certificate, the same everywhere ---------
    def mark(self, c: Certificate) -> Text:
        """``✓ proved``, ``≈ plausible``, ``✗ refuted``, ``? unknown``, ``? timeout``, ``– not computed``."""
        return Text(f"{c.mark} {c.word}", style=STYLES[c.word])

    def _print_Check(self, c: Check, note: str = "") -> Text:
        return Text.assemble((f"{c.certificate.mark} ", STYLES[c.certificate.word]), (f"{c.name}{note}: ", "bold"),
                             c.certificate.describe())

    def verdict_line(self, certified: bool, ok: str, bad: str) -> Text:
        """The closing line: certified, or NOT certified with where to look."""
        return Text(f"✓ certified: {ok}", style="bold green") if certified else Text(f"✗ NOT certified: {bad}",
                                                                                   style="bold red")

    # -- scalar derivations -----------------------------------------------------------------
    def _print_Derivation(self, d: Derivation, title: str | None = None) -> RenderableType:
        self._partial = len(d.function.free_symbols) > 1
        table = chain_table()
        for i, step in enumerate(d.steps):
            if i == 0 or step.rule == "higher order":  # each chain starts with its own left side
                table.add_row(Text(""), Text(utext(step.before, partial=self._partial), style="bold"), Text(""),
                              Text(""))
            table.add_row(Text("="), *self.visit(step))
        if not d.steps:
            lhs = utext(sp.Derivative(d.function, *d.wrt, evaluate=False))
            table.add_row(Text(""), Text(lhs, style="bold"), Text(""), Text(""))
        parts: list[RenderableType] = []
        if title:
            parts.append(Text(title, style="bold underline"))  # Text: never parsed as markup
        parts.append(table)
        parts.append(Text.assemble(("Result: ", "bold"), (utext(d.result), "bold green")))
        parts += [self.visit(c) for c in d.checks]
        return Group(*parts)

    def _print_DiffStep(self, step: DiffStep) -> tuple[Text, Text, Text]:
        # Text, not str: Rich would read [..] in the maths as markup.
        return Text(utext(step.after, partial=self._partial)), Text(step.justification), self.mark(step.certificate)

    def _print_Gradient(self, g: Gradient) -> RenderableType:
        parts: list[RenderableType] = []
        for p in g.partials:
            parts.append(self._print_Derivation(p, title=f"∂/∂{utext(p.wrt[0])}"))
            parts.append(Text(""))
        for i, row in enumerate(g.hessian or ()):
            for j, h in enumerate(row):
                if j >= i:
                    parts.append(self._print_Derivation(h, title=f"Hessian entry ({i + 1},{j + 1})"))
                    parts.append(Text(""))
        names = ", ".join(utext(v) for v in g.variables)
        comps = ", ".join(utext(c) for c in g.gradient)
        parts.append(Text.assemble(("Gradient: ", "bold"), (f"∇f({names}) = ({comps})", "bold green")))
        hm = g.hessian_matrix
        if hm is not None:
            rows = "; ".join(", ".join(utext(e) for e in hm.row(i)) for i in range(hm.rows))
            parts.append(Text.assemble(("Hessian: ", "bold"), (f"[{rows}]", "bold green")))
        return Group(*parts)

    # -- the other capabilities (folded in by the following commits) ---------------------------
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
