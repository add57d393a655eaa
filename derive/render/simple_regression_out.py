"""Simple-regression output: the summation-form steps as text, LaTeX, Markdown and JSON.

JSON keeps the ``derive ls`` contract; its ``estimator`` is one string ``"b = S_xy/S_xx, a = ybar - b*xbar"``
(SymPy strings of each right side, slope first because the intercept uses it), with the
definitions and the same estimator in raw sums beside it.
"""
from __future__ import annotations

import io
import json
from typing import Any

import sympy as sp
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from derive.lsq.simple_model import SimpleSolution, SumStep
from derive.render.env import tex_line
from derive.render.lsq_out import checks_and_fit
from derive.render.matrix_text import _MARKS

_WIDE = 110
"""LaTeX longer than this (in characters) is broken at its top-level signs."""


def _display_names(sol: SimpleSolution) -> dict[str, tuple[str, str]]:
    """Symbol name -> (text, LaTeX) for the symbols that are not plain names."""
    s, nm = sol.symbols, sol.names
    return {
        s["xbar"].name: (f"{nm.x}\u0304", rf"\bar{{{nm.x}}}"), s["ybar"].name: (f"{nm.y}\u0304", rf"\bar{{{nm.y}}}"),
        s["ahat"].name: (f"{nm.a}\u0302", rf"\hat{{{nm.a}}}"), s["bhat"].name: (f"{nm.b}\u0302", rf"\hat{{{nm.b}}}"),
        s["S_xx"].name: (s["S_xx"].name, "S_{" + s["S_xx"].name[2:].replace("_", "") + "}"),
        s["S_xy"].name: (s["S_xy"].name, "S_{" + s["S_xy"].name[2:].replace("_", "") + "}"),
        s["dS/da"].name: (f"∂S/∂{nm.a}", rf"\frac{{\partial S}}{{\partial {nm.a}}}"),
        s["dS/db"].name: (f"∂S/∂{nm.b}", rf"\frac{{\partial S}}{{\partial {nm.b}}}"),
        s["H"].name: ("∇²S", r"\nabla^2 S"), s["det"].name: ("det ∇²S", r"\det \nabla^2 S"),
    }


class SumText(StrPrinter):
    """One-line text: Σ for sums, x_i for x[i], x̄ and â for means and estimates."""

    printmethod = "_derive_sum_text"  # not Indexed's own _sympystr

    def __init__(self, names: dict[str, tuple[str, str]]) -> None:
        super().__init__({"order": "none"})
        self._names = names

    def _print_Symbol(self, e: Any) -> str:
        return self._names.get(e.name, (e.name,))[0]

    def _print_Indexed(self, e: Any) -> str:
        return f"{e.base.name}_{e.indices[0]}"

    def _print_Sum(self, e: Any) -> str:
        body = self._print(e.function)
        return f"Σ({body})" if isinstance(e.function, (sp.Add, sp.Mul)) else f"Σ{body}"

    def _print_Pow(self, e: Any, rational: bool = False) -> str:
        if isinstance(e.base, sp.Sum):
            return f"({self._print(e.base)})**{self._print(e.exp)}"
        return str(super()._print_Pow(e, rational))

    def _print_Equality(self, e: Any) -> str:
        return f"{self._print(e.lhs)} = {self._print(e.rhs)}"

    def _print_ImmutableDenseMatrix(self, e: Any) -> str:
        return "[" + ", ".join("[" + ", ".join(self._print(v) for v in e.row(r)) + "]" for r in range(e.rows)) + "]"

    def text(self, e: Any) -> str:
        return str(self.doprint(e)).replace("**", "^").replace("*", "·")


class SumLatex(LatexPrinter):
    """LaTeX with short sums (the limits i = 1..n are stated once) and the derivation's symbols."""

    def __init__(self, names: dict[str, tuple[str, str]]) -> None:
        super().__init__({"order": "none"})
        self._names = names

    def _print_Symbol(self, e: Any, style: str = "plain") -> str:
        if e.name in self._names:
            return self._names[e.name][1]
        return str(super()._print_Symbol(e))

    def _print_Sum(self, e: Any) -> str:
        (var, _, _), = e.limits
        body = self._print(e.function)
        if isinstance(e.function, sp.Add) or e.function.could_extract_minus_sign():
            body = rf"\left({body}\right)"
        return rf"\sum_{{{self._print(var)}}} {body}"

    def _print_Equality(self, e: Any) -> str:
        return f"{self._print(e.lhs)} = {self._print(e.rhs)}"


def _word(step: SumStep) -> str:
    """proved (both checks), plausible (numeric only), else the failing verdict's word."""
    if step.certified:
        return "proved" if step.proof is not None and step.proof.word == "proved" else "plausible"
    failing = step.probe if step.probe is not None and step.probe.word != "plausible" else step.proof
    return failing.word if failing is not None else "unknown"


def _step_verdict(step: SumStep) -> str:
    proof = step.proof.describe() if step.proof else "not checked"
    probe = step.probe.describe() if step.probe else "not checked"
    return f"symbolic: {proof}; numeric: {probe}"


def _relation(step: SumStep) -> str:
    return "⇔" if isinstance(step.rhs, sp.Equality) else "="


# -- text --------------------------------------------------------------------------------------


def to_renderable(sol: SimpleSolution) -> RenderableType:
    p = SumText(_display_names(sol))
    nm = sol.names
    parts: list[RenderableType] = [
        Text(f"Simple linear regression {nm.y}_i = {nm.a} + {nm.b}·{nm.x}_i", style="bold underline"),
        Text(f"Minimize S({nm.a}, {nm.b}) = {p.text(sol.objective)} over {nm.a} and {nm.b} (sums over i = 1, ..., n)"),
    ]
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column("line", ratio=3)
    table.add_column("rule", ratio=2, style="dim")
    table.add_column("check", no_wrap=True)
    section = ""
    for step in sol.steps:
        if step.section != section:
            section = step.section
            table.add_row(Text(section.capitalize(), style="bold"), "", "")
        word = _word(step)
        mark, style = _MARKS[word]
        table.add_row(Text(f"{p.text(step.lhs)} {_relation(step)} {p.text(step.rhs)}"), Text(step.rule),
                      Text(f"{mark} {word}", style=style))
    parts.append(table)
    b, a = sol.symbols["bhat"], sol.symbols["ahat"]
    parts.append(Text.assemble(("Estimator: ", "bold"),
                               (f"{p.text(b)} = {p.text(sol.slope)},  {p.text(a)} = {p.text(sol.intercept)}",
                                "bold green")))
    defs = ", ".join(f"{p.text(k)} = {p.text(v)}" for k, v in sol.definitions)
    parts.append(Text(f"  where {defs}, sums over i = 1, ..., n"))
    for cond in sol.conditions:
        parts.append(Text(f"  when {cond}"))
    for step in sol.steps:
        if not step.certified:
            parts.append(Text(f"✗ {step.rule}: {_step_verdict(step)}", style="red"))
    parts += checks_and_fit(sol.solver_checks, sol.data_fit)
    parts.append(Text("✓ certified: every step and every check passed", style="green") if sol.certified else
                 Text("✗ NOT certified: see the lines marked above", style="red"))
    return Group(*parts)


def to_text(sol: SimpleSolution, width: int = 100) -> str:
    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None, force_terminal=False).print(to_renderable(sol))
    return buf.getvalue()


# -- JSON --------------------------------------------------------------------------------------


def estimator_text(sol: SimpleSolution) -> str:
    nm = sol.names
    return f"{nm.b} = {sp.sstr(sol.slope)}, {nm.a} = {sp.sstr(sol.intercept.subs(sol.symbols['bhat'], sol.symbols['b']), order='none')}"


def to_json(sol: SimpleSolution, indent: int | None = 2) -> str:
    nm = sol.names
    doc: dict[str, Any] = {
        "model": "simple",
        "objective": sp.sstr(sol.objective),
        "gradient": sp.sstr(list(sol.gradient)),
        "estimator": estimator_text(sol),
        "estimator_sums": {nm.b: sp.sstr(sol.slope_sums), nm.a: sp.sstr(sol.intercept_sums)},
        "definitions": {k.name: sp.sstr(v) for k, v in sol.definitions},
        "conditions": list(sol.conditions),
        "hessian": sp.sstr(sol.hessian.tolist()),
        "normal_equations": [f"{sp.sstr(e.lhs)} = {sp.sstr(e.rhs)}" for e in sol.normal_equations],
        "certified": sol.certified,
        "checks": [{"check": n, "certificate": v.describe()} for n, v in sol.solver_checks],
        "data_fit": None if sol.data_fit is None else {
            "columns": list(sol.data_fit.columns), "rows": sol.data_fit.rows, "estimate": list(sol.data_fit.estimate),
            "reference": list(sol.data_fit.reference), "reference_solver": sol.data_fit.reference_name,
            "max_abs_difference": sol.data_fit.max_abs_difference},
        "steps": [{"section": st.section, "rule": st.rule, "before": sp.sstr(st.lhs), "after": sp.sstr(st.rhs),
                   "justification": st.justification,
                   "certificate": (st.probe.describe() if st.probe else "unknown: not checked"),
                   "symbolic": st.proof.describe() if st.proof else "unknown: not checked"}
                  for st in sol.steps],
    }
    return json.dumps(doc, indent=indent, ensure_ascii=False)


# -- LaTeX and Markdown --------------------------------------------------------------------------


def _broken(p: SumLatex, e: Any) -> list[str]:
    """The LaTeX of ``e``, broken into lines at its top-level terms when it is long."""
    whole = str(p.doprint(e))
    if len(whole) <= _WIDE or not isinstance(e, sp.Add):
        return [whole]
    lines, current = [], ""
    for k, term in enumerate(e.args):
        text = str(p.doprint(term))
        piece = text if k == 0 else (f"- {text[1:].lstrip()}" if text.startswith("-") else f"+ {text}")
        if current and len(current) + len(piece) > _WIDE:
            lines.append(current)
            current = piece
        else:
            current = f"{current} {piece}".strip()
    return lines + [current]


def to_latex(sol: SimpleSolution, *, mathjax: bool = False) -> str:
    """One ``align*`` per section; each line's rule (and any failed check) in small grey text below it."""
    return "\n".join(latex_blocks(sol, mathjax=mathjax))


def latex_blocks(sol: SimpleSolution, *, mathjax: bool = False) -> list[str]:
    """The sections' ``align*`` (``aligned`` for MathJax) blocks, in order."""
    p = SumLatex(_display_names(sol))
    env = "aligned" if mathjax else "align*"
    blocks: list[str] = []
    rows: list[str] = []
    section = ""
    for step in sol.steps + (None,):
        if step is None or step.section != section:
            if rows:
                blocks.append(f"\\begin{{{env}}}\n" + " \\\\\n".join(rows) + f"\n\\end{{{env}}}")
            if step is None:
                break
            section, rows = step.section, []
        rel = r"\iff" if isinstance(step.rhs, sp.Equality) else "="
        body = " \\\\\n  &\\quad ".join(_broken(p, step.rhs))
        why = step.rule + ("" if step.certified else " (NOT certified)")
        note = rf"\text{{{tex_line(why)}}}" if mathjax else rf"\text{{\small\color{{gray}}{tex_line(why)}}}"
        rows.append(f"{p.doprint(step.lhs)} &{rel} {body} \\\\\n  &\\phantom{{=}}\\; {note}")
    return blocks


def result_latex(sol: SimpleSolution) -> str:
    p = SumLatex(_display_names(sol))
    s = sol.symbols
    rows = [rf"{p.doprint(s['bhat'])} &= {p.doprint(sol.slope)}, \qquad {p.doprint(s['ahat'])} = "
            rf"{p.doprint(sol.intercept)}"]
    rows += [rf"{p.doprint(k)} &= {p.doprint(v)}" for k, v in sol.definitions[2:]]
    rows.append(rf"\nabla^2 S &= {p.doprint(sol.hessian)}")
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


def to_markdown(sol: SimpleSolution) -> str:
    nm = sol.names
    lines = [f"## Simple linear regression ${nm.y}_i = {nm.a} + {nm.b} {nm.x}_i$", "",
             *("$$\n" + b + "\n$$\n" for b in latex_blocks(sol, mathjax=True)), "$$\n" + result_latex(sol) + "\n$$", ""]
    lines += [f"- condition: {c}" for c in sol.conditions]
    lines += [f"- {n}: {v.describe()}" for n, v in sol.solver_checks]
    return "\n".join(lines) + "\n"
