"""JSON (the documented contract) and Markdown for matrix derivations.

``gradient``/``hessian`` are ``str()`` of SymPy matrix expressions over MatrixSymbols
named as the user named them; ``before``/``after`` of steps are derive's plain text.
"""
from __future__ import annotations

import json
from typing import Any

from derive.matrix.model import MatGradient, MatStep
from derive.matrix.expr import plain
from derive.matrix.sympy_form import sympy_str
from derive.render.matrix_latex import (
    MatDerivationLatex, definiteness_text, mtex, normal_equations_latex, results_latex,
)
from derive.core.visitor import Walker


class MatJson(Walker):
    """Plain dicts for JSON."""

    def _print_MatStep(self, s: MatStep) -> dict[str, Any]:
        latex = MatDerivationLatex()
        why = "; ".join(dict.fromkeys(str(latex._print(r)) for r in s.rules))
        return {
            "rule": s.rule,
            "before": plain(s.before),
            "after": plain(s.after),
            "latex": f"{mtex(s.before)} = {mtex(s.after)}",
            "justification": s.justification,
            "justification_latex": why,
            "certificate": s.certificate.describe() if s.certificate else "unknown: not checked",
        }

    def _print_MatGradient(self, g: MatGradient) -> dict[str, Any]:
        st = g.stationary
        return {
            "input": g.source,
            "wrt": g.wrt.name,
            "shapes": {d.name: [str(d.rows), str(d.cols)] for d in g.shapes if d.rows is not None},
            "properties": {d.name: sorted(d.closed()) for d in g.shapes if d.properties},
            "gradient": sympy_str(g.gradient),
            "gradient_text": plain(g.gradient),
            "gradient_latex": mtex(g.gradient),
            "hessian": None if g.hessian is None else sympy_str(g.hessian),
            "hessian_latex": None if g.hessian is None else mtex(g.hessian),
            "stationary_point": None if st is None else sympy_str(st.solution),
            "stationary_point_latex": None if st is None else mtex(st.solution),
            "normal_equations": None if st is None else f"{plain(st.equation_lhs)} = {plain(st.equation_rhs)}",
            "conditions": [] if st is None else [st.condition],
            "definiteness": None if g.definiteness is None else definiteness_text(g.definiteness),
            "notes": list(g.notes),
            "certified": g.certified,
            "checks": [{"check": n, "certificate": v.describe()} for n, v in g.checks]
            + ([{"check": "gradient vanishes at the stationary point", "certificate": st.certificate.describe()}]
               if st is not None and st.certificate is not None else []),
            "comparisons": [{"check": n, "certificate": v.describe()} for n, v in g.comparisons],
            "steps": [self._print(s) for s in g.steps + g.hessian_steps],
        }


def to_json(g: MatGradient, indent: int | None = 2) -> str:
    return json.dumps(MatJson()._print(g), indent=indent, ensure_ascii=False)


def to_markdown(g: MatGradient) -> str:
    chains = MatDerivationLatex(mathjax=True).doprint(g)
    lines = [f"$$\n{chains}\n$$", "", f"**Result:** ${results_latex(g)}$", ""]
    if g.stationary is not None:
        st = g.stationary
        when = f" ({st.when})" if st.when else ""
        lines.append(f"- normal equations: ${normal_equations_latex(st)}$; the solution exists and is unique when "
                     f"${mtex(st.invertible)}$ is invertible{when}")
    if g.definiteness is not None:
        lines.append(f"- curvature: {definiteness_text(g.definiteness)}")
    lines += [f"- note: {n}" for n in g.notes]
    lines += [f"- {n}: {v.describe()}" for n, v in g.checks]
    lines += [f"- {n} (reported, not required): {v.describe()}" for n, v in g.comparisons]
    return "\n".join(lines) + "\n"
