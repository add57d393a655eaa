"""Terminal output: a derivation as a Rich table (plain text when not a terminal)."""
from __future__ import annotations

import io

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from derive.scalar.model import Derivation, Gradient, Step
from derive.core.contract import Plausible, Proved, Refuted, Unknown, Verdict
from derive.render.unicode import utext
from derive.core.visitor import Walker

_MARKS = {"proved": ("✓", "green"), "plausible": ("≈", "green"), "refuted": ("✗", "bold red"),
          "unknown": ("?", "yellow"), "timeout": ("?", "yellow"), "not computed": ("–", "dim")}


def _lhs(d: Derivation) -> str:
    import sympy as sp

    return utext(sp.Derivative(d.function, *d.wrt, evaluate=False))


class TextPrinter(Walker):
    """Builds Rich renderables for derivations and gradients."""

    def __init__(self) -> None:
        self._partial = False

    def _print_Derivation(self, d: Derivation, title: str | None = None) -> RenderableType:
        self._partial = len(d.function.free_symbols) > 1
        table = Table(show_header=False, box=None, padding=(0, 1), expand=False)
        table.add_column(no_wrap=True)
        table.add_column(ratio=3, overflow="fold")
        table.add_column(ratio=2, style="cyan", overflow="fold")
        table.add_column(no_wrap=True)
        for i, step in enumerate(d.steps):
            if i == 0 or step.rule == "higher order":  # each chain starts with its own left side
                table.add_row(Text(""), Text(utext(step.before, partial=self._partial), style="bold"), Text(""), Text(""))
            table.add_row(Text("="), *self._print(step))
        if not d.steps:
            table.add_row(Text(""), Text(_lhs(d), style="bold"), Text(""), Text(""))
        parts: list[RenderableType] = []
        if title:
            parts.append(Text(title, style="bold underline"))  # Text: never parsed as markup
        parts.append(table)
        parts.append(Text.assemble(("Result: ", "bold"), (utext(d.result), "bold green")))
        for name, verdict in d.checks:
            parts.append(self._check_line(name, verdict))
        return Group(*parts)

    def _print_Step(self, step: Step) -> tuple[Text, Text, Text]:
        # Text, not str: Rich would read [..] in the maths as markup.
        return Text(utext(step.after, partial=self._partial)), Text(step.justification), self._mark(step.certificate)

    def _print_Gradient(self, g: Gradient) -> RenderableType:
        parts: list[RenderableType] = []
        for p in g.partials:
            parts.append(self._print(p, title=f"∂/∂{utext(p.wrt[0])}"))
            parts.append(Text(""))
        if g.hessian is not None:
            for i, row in enumerate(g.hessian):
                for j, h in enumerate(row):
                    if j >= i:
                        parts.append(self._print(h, title=f"Hessian entry ({i + 1},{j + 1})"))
                        parts.append(Text(""))
        names = ", ".join(utext(v) for v in g.variables)
        comps = ", ".join(utext(c) for c in g.gradient)
        parts.append(Text.assemble(("Gradient: ", "bold"), (f"∇f({names}) = ({comps})", "bold green")))
        hm = g.hessian_matrix
        if hm is not None:
            rows = "; ".join(", ".join(utext(e) for e in hm.row(i)) for i in range(hm.rows))
            parts.append(Text.assemble(("Hessian: ", "bold"), (f"[{rows}]", "bold green")))
        return Group(*parts)

    def _mark(self, verdict: Verdict | None) -> Text:
        if verdict is None:
            return Text("unchecked", style="yellow")
        symbol, style = _MARKS[verdict.word]
        return Text(f"{symbol} {verdict.word}", style=style)

    def _check_line(self, name: str, verdict: Verdict) -> Text:
        symbol, style = _MARKS[verdict.word]
        return Text.assemble((f"{symbol} ", style), (f"{name}: ", "bold"), verdict.describe())


def to_renderable(node: Derivation | Gradient) -> RenderableType:
    """A Rich renderable for printing to a console."""
    return TextPrinter()._print(node)


def to_text(node: Derivation | Gradient, width: int = 100) -> str:
    """Plain text (no colour codes) of a derivation or gradient."""
    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None, force_terminal=False).print(to_renderable(node))
    return buf.getvalue()


__all__ = ["TextPrinter", "to_renderable", "to_text", "Plausible", "Proved", "Refuted", "Unknown"]
