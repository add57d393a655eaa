"""JSON output: the documented contract that later tools read.

``result``/``before``/``after`` are SymPy ``str()`` forms in the user's names.
"""
from __future__ import annotations

import json
from typing import Any

import sympy as sp

from derive.scalar.model import Derivation, Gradient, Step
from derive.render.expr_latex import tex
from derive.render.printer import LatexPrinter
from derive.core.visitor import Walker


class JsonPrinter(Walker):
    """Builds plain dicts for JSON; one ``_print_`` per model class."""

    def _print_Derivation(self, d: Derivation) -> dict[str, Any]:
        return {
            "input": d.source,
            "wrt": [s.name for s in d.wrt],
            "result": sp.sstr(d.result),
            "result_latex": tex(d.result),
            "certified": d.certified,
            "checks": [{"check": name, "certificate": v.describe()} for name, v in d.checks],
            "steps": [self._print(s) for s in d.steps],
        }

    def _print_Step(self, step: Step) -> dict[str, Any]:
        latex = LatexPrinter()
        why = "; ".join(dict.fromkeys(str(latex._print(r)) for r in step.rules))
        return {
            "rule": step.rule,
            "before": sp.sstr(step.before),
            "after": sp.sstr(step.after),
            "latex": f"{tex(step.before)} = {tex(step.after)}",
            "justification": step.justification,
            "justification_latex": why,
            "certificate": step.certificate.describe() if step.certificate else "unknown: not checked",
        }

    def _print_Gradient(self, g: Gradient) -> dict[str, Any]:
        hm = g.hessian_matrix
        partials = [self._print(p) for p in g.partials]
        hessian_entries = [self._print(h) for row in g.hessian or () for h in row]
        return {
            "input": g.source,
            "wrt": [s.name for s in g.variables],
            "gradient": [sp.sstr(e) for e in g.gradient],
            "gradient_latex": tex(g.gradient),
            "hessian": None if hm is None else [[sp.sstr(e) for e in hm.row(i)] for i in range(hm.rows)],
            "hessian_latex": None if hm is None else tex(hm),
            "certified": g.certified,
            "partials": partials,
            "hessian_entries": hessian_entries,
            "steps": [s for p in partials + hessian_entries for s in p["steps"]],
        }


def to_json(node: Derivation | Gradient, indent: int | None = 2) -> str:
    """The JSON document for a derivation or gradient."""
    return json.dumps(JsonPrinter()._print(node), indent=indent, ensure_ascii=False)
