"""Least-squares output: the matrix derivation, then the estimator, its conditions and its checks.

JSON follows the contract ``{"model", "objective", "gradient", "estimator", "conditions",
"hessian", "steps"}`` (SymPy strings over the user's names), plus the checks and any data fit.
"""
from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from derive.lsq.model import DataFit, LsSolution
from derive.core.contract import Verdict
from derive.matrix.expr import plain
from derive.matrix.sympy_form import sympy_str
from derive.render.matrix_doc import MatJson, to_markdown as matrix_markdown
from derive.render.matrix_latex import mtex
from derive.render.matrix_text import _MARKS, to_renderable as matrix_renderable, utext_m


def result_latex(s: LsSolution) -> str:
    g = s.derivation
    rows = [rf"\hat{{{mtex(g.wrt)}}} &= {mtex(s.estimator)}"]
    if s.solve_steps:
        rows += [rf"{mtex(c.lhs)} &= {mtex(c.rhs)}" for c in s.solve_steps[:2]]
    if g.hessian is not None:
        rows.append(rf"\nabla^2 f &= {mtex(g.hessian)}")
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


def to_latex(s: LsSolution) -> str:
    """The matrix derivation, then (constrained) the KKT steps, each with its claim in small grey text."""
    from derive.render.env import tex_line
    from derive.render.matrix_latex import MatDerivationLatex

    body = MatDerivationLatex().doprint(s.derivation)
    if not s.solve_steps:
        return body
    rows = [rf"{mtex(c.lhs)} &= {mtex(c.rhs)} \\" + "\n" + rf"  &\phantom{{=}}\; \text{{\small\color{{gray}}"
            rf"{tex_line(c.name)}}}" for c in s.solve_steps]
    return body + "\n\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


def to_json(s: LsSolution, indent: int | None = 2) -> str:
    g = s.derivation
    doc: dict[str, Any] = {
        "model": s.model.kind,
        "objective": s.model.objective,
        "gradient": sympy_str(g.gradient),
        "estimator": sympy_str(s.estimator),
        "estimator_latex": mtex(s.estimator),
        "conditions": list(s.conditions),
        "hessian": None if g.hessian is None else sympy_str(g.hessian),
        "normal_equations": None if g.stationary is None else
        f"{plain(g.stationary.equation_lhs)} = {plain(g.stationary.equation_rhs)}",
        "consequences": [{"claim": c.name, "lhs": plain(c.lhs), "rhs": plain(c.rhs),
                          "certificate": c.certificate.describe() if c.certificate else "unknown: not checked"}
                         for c in s.consequences],
        "kkt_steps": [{"claim": c.name, "lhs": plain(c.lhs), "rhs": plain(c.rhs),
                       "certificate": c.certificate.describe() if c.certificate else "unknown: not checked"}
                      for c in s.solve_steps],
        "multiplier_gradient": None if s.multiplier_gradient is None else sympy_str(s.multiplier_gradient),
        "certified": s.certified,
        "checks": [{"check": n, "certificate": v.describe()} for n, v in g.checks + s.solver_checks],
        "data_fit": None if s.data_fit is None else {
            "columns": list(s.data_fit.columns), "rows": s.data_fit.rows, "estimate": list(s.data_fit.estimate),
            "reference": list(s.data_fit.reference), "reference_solver": s.data_fit.reference_name,
            "max_abs_difference": s.data_fit.max_abs_difference},
        "steps": [MatJson()._print(st) for st in g.steps + g.hessian_steps],
    }
    return json.dumps(doc, indent=indent, ensure_ascii=False)


def to_markdown(s: LsSolution) -> str:
    lines = [f"## {s.model.title}", "", f"Minimize ${mtex(s.derivation.function)}$ over ${mtex(s.derivation.wrt)}$.", "",
             matrix_markdown(s.derivation), f"**Estimator:** ${mtex(s.derivation.wrt)} = {mtex(s.estimator)}$", ""]
    lines += [f"- KKT: {c.name}: {c.certificate.describe() if c.certificate else 'not checked'}"
              for c in s.solve_steps]
    lines += [f"- condition: {c}" for c in s.conditions]
    lines += [f"- {c.name}: {c.certificate.describe() if c.certificate else 'not checked'}" for c in s.consequences]
    lines += [f"- {n}: {v.describe()}" for n, v in s.solver_checks]
    return "\n".join(lines) + "\n"


def to_renderable(s: LsSolution) -> RenderableType:
    x = utext_m(s.derivation.wrt)
    parts: list[RenderableType] = [Text(s.model.title.capitalize(), style="bold underline"),
                                   matrix_renderable(s.derivation)]
    if s.solve_steps:
        parts.append(Text("The KKT system (stationarity in both variables), solved by substitution", style="bold"))
    for c in s.solve_steps:
        v = c.certificate
        mark, style = _MARKS[v.word] if v else ("?", "yellow")
        parts.append(Text.assemble((f"{mark} ", style), f"{c.name}: {utext_m(c.lhs)} = {utext_m(c.rhs)}"))
    parts += [Text.assemble(("Estimator: ", "bold"), (f"{x}̂ = {utext_m(s.estimator)}", "bold green"))]
    for cond in s.conditions:
        parts.append(Text(f"  when {cond}"))
    for c in s.consequences:
        v = c.certificate
        mark, style = _MARKS[v.word] if v else ("?", "yellow")
        parts.append(Text.assemble((f"{mark} ", style), ("consequence: ", "bold"),
                                   f"{c.name}: {utext_m(c.lhs)} = {utext_m(c.rhs)}"))
    parts += checks_and_fit(s.solver_checks, s.data_fit)
    return Group(*parts)


def checks_and_fit(checks: Sequence[tuple[str, Verdict]], fit: DataFit | None) -> list[RenderableType]:
    """The solver checks, one marked line each, and the fit to data beside the reference solver."""
    parts: list[RenderableType] = []
    for name, v in checks:
        mark, style = _MARKS[v.word]
        parts.append(Text.assemble((f"{mark} ", style), (f"{name}: ", "bold"), v.describe()))
    if fit is not None:
        table = Table(title=f"Fit to {fit.rows} rows", show_header=True)
        table.add_column("coefficient")
        table.add_column("derived formula", justify="right")
        table.add_column(fit.reference_name, justify="right")
        for name, a, b in zip(fit.columns, fit.estimate, fit.reference):
            table.add_row(name, f"{a:.10g}", f"{b:.10g}")
        parts.append(table)
        parts.append(Text(f"largest difference: {fit.max_abs_difference:.2e}"))
    return parts


def to_text(s: LsSolution, width: int = 100) -> str:
    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None, force_terminal=False).print(to_renderable(s))
    return buf.getvalue()
