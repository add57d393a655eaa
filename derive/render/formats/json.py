"""JSON: the documented contract of each command (SymPy ``str()`` forms in the user's names).

Every document carries ``certified`` and its ``checks``; every step its ``rule``, ``justification``
and ``certificate`` (the certificate's one-line description, starting with its word).
"""
from __future__ import annotations

import json
from typing import Any, ClassVar

import sympy as sp

from derive.core.contract import Check
from derive.render.base import FormatPrinter
from derive.render.notation.latex import tex
from derive.scalar.model import Derivation, DiffStep, Gradient


class Printer(FormatPrinter):
    """One JSON document per result; ``indent`` as ``json.dumps`` takes it."""

    format_name: ClassVar[str] = "json"
    _default_settings: ClassVar[dict[str, Any]] = {"indent": 2}

    def doprint(self, node: object) -> str:
        doc = self.visit(node)
        return doc if isinstance(doc, str) else json.dumps(doc, indent=self.settings["indent"], ensure_ascii=False)

    def _print_Check(self, c: Check) -> dict[str, Any]:
        out = {"check": c.name, "certificate": c.certificate.describe()}
        if c.detail:
            out["detail"] = c.detail
        return out

    # -- scalar derivations -----------------------------------------------------------------
    def _print_Derivation(self, d: Derivation) -> dict[str, Any]:
        return {
            "input": d.source,
            "wrt": [s.name for s in d.wrt],
            "result": sp.sstr(d.result),
            "result_latex": tex(d.result),
            "certified": d.certified,
            "checks": [self.visit(c) for c in d.checks],
            "steps": [self.visit(s) for s in d.steps],
        }

    def _print_DiffStep(self, step: DiffStep) -> dict[str, Any]:
        from derive.render.formats.latex import Printer as Latex

        latex = Latex()
        return {
            "rule": step.rule,
            "before": sp.sstr(step.before),
            "after": sp.sstr(step.after),
            "latex": f"{tex(step.before)} = {tex(step.after)}",
            "justification": step.justification,
            "justification_latex": "; ".join(dict.fromkeys(str(latex.visit(r)) for r in step.rules)),
            "certificate": step.certificate.describe(),
        }

    def _print_Gradient(self, g: Gradient) -> dict[str, Any]:
        hm = g.hessian_matrix
        partials = [self.visit(p) for p in g.partials]
        hessian_entries = [self.visit(h) for row in g.hessian or () for h in row]
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

    # -- the other capabilities (folded in by the following commits) ---------------------------
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
