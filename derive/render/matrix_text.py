"""Terminal output for matrix derivations: Unicode maths (Xᵀ, X⁻¹, ⊙, ‖u‖) in a Rich table."""
from __future__ import annotations

import io

import sympy as sp
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from derive.matrix import expr as M
from derive.matrix.model import MatGradient, MatStep
from derive.matrix.expr import PREC_ATOM, PREC_POW, PlainPrinter
from derive.core.contract import Verdict
from derive.render.matrix_latex import definiteness_text
from derive.render.notation.text import utext
from derive.core.visitor import Walker

_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_MARKS = {"proved": ("✓", "green"), "plausible": ("≈", "green"), "refuted": ("✗", "bold red"),
          "unknown": ("?", "yellow"), "timeout": ("?", "yellow"), "not computed": ("–", "dim")}


class MatUnicode(PlainPrinter):
    """Matrix expressions in Unicode: −2·Xᵀ(y − X·b)."""

    times = "·"
    hadamard_op = " ⊙ "
    divide_op = " ⊘ "
    kron_op = " ⊗ "
    transpose_mark = "ᵀ"
    minus = "−"

    def symbol(self, name: str) -> str:
        return utext(sp.Symbol(name))

    def scalar(self, value: sp.Expr) -> str:
        return utext(value)

    def _print_Inverse(self, n: M.Inverse) -> tuple[str, int]:
        if isinstance(n.arg, M.Transpose):
            return self.paren(n.arg.arg, PREC_ATOM) + "⁻ᵀ", PREC_POW
        return self.paren(n.arg, PREC_ATOM) + "⁻¹", PREC_POW

    def _print_Norm(self, n: M.Norm) -> tuple[str, int]:
        sub = "_F" if n.arg.shape[1] != 1 else ""
        return f"‖{self.doprint(n.arg)}‖{sub}", PREC_ATOM

    def _print_Func(self, n: M.Func) -> tuple[str, int]:
        name = {"sigmoid": "σ", "log": "log"}.get(n.name, n.name)
        return f"{name}({self.doprint(n.arg)})", PREC_ATOM

    def _print_Power(self, n: M.Power) -> tuple[str, int]:
        e = n.exp
        base = self.paren(n.base, PREC_ATOM)
        mark = "" if n.is_scalar else "∘"
        if e.is_Integer:
            return f"{base}{mark and '^∘'}{str(e).translate(_SUP)}" if mark else f"{base}{str(e).translate(_SUP)}", PREC_POW
        return f"{base}^{mark}({self.scalar(e)})", PREC_POW


def utext_m(node: M.Node) -> str:
    return MatUnicode().doprint(node)


class MatTextPrinter(Walker):
    """Rich renderables for matrix derivations."""

    def _chain(self, steps: tuple[MatStep, ...], lhs: str) -> Table:
        table = Table(show_header=False, box=None, padding=(0, 1), expand=False)
        table.add_column(no_wrap=True)
        table.add_column(ratio=3, overflow="fold")
        table.add_column(ratio=2, style="cyan", overflow="fold")
        table.add_column(no_wrap=True)
        if steps:
            table.add_row(Text(lhs), Text(utext_m(steps[0].before), style="bold"), Text(""), Text(""))
        for s in steps:
            table.add_row(Text("="), Text(utext_m(s.after)), Text(s.justification), self._mark(s.certificate))
        return table

    def _mark(self, v: Verdict | None) -> Text:
        if v is None:
            return Text("unchecked", style="yellow")
        symbol, style = _MARKS[v.word]
        return Text(f"{symbol} {v.word}", style=style)

    def _print_MatGradient(self, g: MatGradient) -> RenderableType:
        x = utext_m(g.wrt)
        parts: list[RenderableType] = []
        if g.shapes:
            parts.append(Text("where " + "; ".join(d.describe() for d in g.shapes), style="dim"))
        parts.append(self._chain(g.steps, "df"))
        parts.append(Text.assemble(("Gradient: ", "bold"), (f"∇_{x} f = {utext_m(g.gradient)}", "bold green")))
        if g.hessian is not None:
            parts.append(Text(""))
            parts.append(self._chain(g.hessian_steps, "d(∇f)"))
            parts.append(Text.assemble(("Hessian: ", "bold"), (f"∇²_{x} f = {utext_m(g.hessian)}", "bold green")))
        if g.definiteness is not None:
            parts.append(Text.assemble(("Curvature: ", "bold"), definiteness_text(g.definiteness)))
        if g.stationary is not None:
            s = g.stationary
            parts.append(Text.assemble(("Stationary point: ", "bold"),
                                       f"∇f = 0 ⇔ {utext_m(s.equation_lhs)} = {utext_m(s.equation_rhs)}, so ",
                                       (f"{x}̂ = {utext_m(s.solution)}", "bold green"),
                                       f" when {utext_m(s.invertible)} is invertible"
                                       + (f" ({s.when})" if s.when else "")))
            if s.certificate is not None:
                parts.append(self._check("gradient vanishes there", s.certificate))
        for note in g.notes:
            parts.append(Text(f"Note: {note}", style="dim"))
        for name, v in g.checks:
            parts.append(self._check(name, v))
        for name, v in g.comparisons:
            parts.append(self._check(f"{name} (reported, not required)", v))
        if g.certified:
            parts.append(Text("✓ certified: every step and every required check passed", style="bold green"))
        else:
            parts.append(Text("✗ NOT certified: a step or a required check above was refuted or could not be decided",
                              style="bold red"))
        return Group(*parts)

    def _check(self, name: str, v: Verdict) -> Text:
        symbol, style = _MARKS[v.word]
        return Text.assemble((f"{symbol} ", style), (f"{name}: ", "bold"), v.describe())


def to_renderable(g: MatGradient) -> RenderableType:
    return MatTextPrinter()._print(g)


def to_text(g: MatGradient, width: int = 100) -> str:
    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None, force_terminal=False).print(to_renderable(g))
    return buf.getvalue()
