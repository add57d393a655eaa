"""JSON: the documented contract of each command (SymPy ``str()`` forms in the user's names).

Every document carries ``certified`` and its ``checks``; every step its ``rule``, ``justification``
and ``certificate`` (the certificate's one-line description, starting with its word). The one
exception is ``part="question"``, what is asked with nothing of the answer: for a checked derivation its
steps as typed, with no status, certificate, counterexample or hint.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar

import sympy as sp

from derive.core.contract import Check
from derive.core.errors import UsageError
from derive.render.notation.order import keeps_typed_order
from derive.render.base import FormatPrinter
from derive.render.formats.latex import mtex
from derive.render.notation.latex import tex
from derive.render.notation.text import hint_text

if TYPE_CHECKING:  # the models are walked, not imported: a scalar result loads no matrix or MLE module
    from derive.checker.model import CheckedStep, CheckReport, FileFailure, FolderReport, Hint
    from derive.likelihood.model import MleDerivation, MleStep
    from derive.lsq.model import Consequence, DataFit, LsSolution, RegressionSummary, SummaryStep
    from derive.lsq.simple_model import SimpleSolution, SumStep
    from derive.matrix.model import MatGradient, MatGradients, MatJacobian, MatStep
    from derive.scalar.model import Derivation, DiffStep, Gradient


_PARTS = ("all", "question")


class Printer(FormatPrinter):
    """One JSON document per result; ``indent`` as ``json.dumps`` takes it."""

    format_name: ClassVar[str] = "json"
    _default_settings: ClassVar[dict[str, Any]] = {"indent": 2, "part": "all"}

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        if self.settings["part"] not in _PARTS:
            raise UsageError(f"unknown JSON part {self.settings['part']!r}", hint=f"choose {', '.join(_PARTS)}")

    def doprint(self, node: object) -> str:
        doc = self.question(node) if self.settings["part"] == "question" else self.visit(node)
        return doc if isinstance(doc, str) else json.dumps(doc, indent=self.settings["indent"], ensure_ascii=False)

    def _print_Check(self, c: Check) -> dict[str, Any]:
        out = {"check": c.name, "certificate": c.certificate.describe()}
        if c.detail:
            out["detail"] = c.detail
        return out

    # -- scalar derivations -----------------------------------------------------------------
    @keeps_typed_order
    def _print_Derivation(self, d: Derivation) -> dict[str, Any]:
        return {
            "input": d.source,
            "wrt": [s.name for s in d.wrt],
            "held_constant": [s.name for s in d.held],
            "result": sp.sstr(d.result),
            "result_latex": tex(d.result),
            "certified": d.certified,
            "verdict": d.verdict.value,
            "checks": [self.visit(c) for c in d.checks],
            "notes": list(d.notes),
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

    @keeps_typed_order
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
            "verdict": g.verdict.value,
            "partials": partials,
            "hessian_entries": hessian_entries,
            "steps": [s for p in partials + hessian_entries for s in p["steps"]],
        }

    # -- matrix derivations --------------------------------------------------------------------
    def _print_MatStep(self, step: MatStep) -> dict[str, Any]:
        from derive.matrix import expr as M
        from derive.render.formats.latex import Printer as Latex

        latex = Latex()
        return {
            "rule": step.rule,
            "before": M.plain(step.before),
            "after": M.plain(step.after),
            "latex": f"{mtex(step.before)} = {mtex(step.after)}",
            "justification": step.justification,
            "justification_latex": "; ".join(dict.fromkeys(str(latex.visit(r)) for r in step.rules)),
            "certificate": step.certificate.describe(),
        }

    def _print_MatGradient(self, g: MatGradient) -> dict[str, Any]:
        from derive.matrix import expr as M
        from derive.matrix.sympy_form import sympy_str

        st = g.stationary
        checks = list(g.all_checks())
        return {
            "input": g.source,
            "wrt": g.wrt.name,
            "shapes": {d.name: [str(d.rows), str(d.cols)] for d in g.shapes if d.rows is not None},
            "properties": {d.name: sorted(d.closed()) for d in g.shapes if d.properties},
            "gradient": sympy_str(g.gradient),
            "gradient_text": M.plain(g.gradient),
            "gradient_latex": mtex(g.gradient),
            "hessian": None if g.hessian is None else sympy_str(g.hessian),
            "hessian_latex": None if g.hessian is None else mtex(g.hessian),
            "stationary_point": None if st is None else sympy_str(st.solution),
            "stationary_point_latex": None if st is None else mtex(st.solution),
            "normal_equations": None if st is None else f"{M.plain(st.equation_lhs)} = {M.plain(st.equation_rhs)}",
            "conditions": [] if st is None else [st.condition],
            "eigenproblem": None if st is None or st.eigen is None else
            {"matrix": M.plain(st.eigen[0]), "eigenvalue": sp.sstr(st.eigen[1])},
            "definiteness": None if g.definiteness is None else g.definiteness.describe(),
            "notes": list(g.notes),
            "certified": g.certified,
            "verdict": g.verdict.value,
            "checks": [self.visit(c) for c in checks if c.required],
            "comparisons": [self.visit(c) for c in checks if not c.required],
            "steps": [self.visit(s) for s in g.steps + g.hessian_steps],
        }

    def _print_MatGradients(self, gs: MatGradients) -> dict[str, Any]:
        from derive.matrix import expr as M
        from derive.matrix.sympy_form import sympy_str

        joint = gs.joint
        return {
            "input": gs.source,
            "wrt": [g.wrt.name for g in gs.parts],
            "shapes": {d.name: [str(d.rows), str(d.cols)] for d in gs.shapes if d.rows is not None},
            "properties": {d.name: sorted(d.closed()) for d in gs.shapes if d.properties},
            "gradients": {g.wrt.name: self._print_MatGradient(g) for g in gs.parts},
            "stationary_point": None if joint is None else {v.name: sympy_str(value) for v, value, _, _ in joint.solved},
            "stationary_point_text": None if joint is None else {v.name: M.plain(value) for v, value, _, _ in joint.solved},
            "stationary_point_latex": None if joint is None else {v.name: mtex(value) for v, value, _, _ in joint.solved},
            "solved_in_order": [] if joint is None else [v.name for v, _, _, _ in joint.solved],
            "joint_check": None if joint is None else self.visit(gs.joint_check),
            "notes": list(gs.notes),
            "certified": gs.certified,
            "verdict": gs.verdict.value,
        }

    def _print_MatJacobian(self, j: MatJacobian) -> dict[str, Any]:
        from derive.matrix import expr as M
        from derive.matrix.sympy_form import sympy_str

        checks = list(j.all_checks())
        return {
            "input": j.source,
            "wrt": j.wrt.name,
            "shapes": {d.name: [str(d.rows), str(d.cols)] for d in j.shapes if d.rows is not None},
            "properties": {d.name: sorted(d.closed()) for d in j.shapes if d.properties},
            "jacobian": sympy_str(j.jacobian),
            "jacobian_text": M.plain(j.jacobian),
            "jacobian_latex": mtex(j.jacobian),
            "layout": "numerator, of vec" if j.vec else "numerator",
            "layout_text": j.layout,
            "notes": list(j.notes),
            "certified": j.certified,
            "verdict": j.verdict.value,
            "checks": [self.visit(c) for c in checks if c.required],
            "comparisons": [self.visit(c) for c in checks if not c.required],
            "steps": [self.visit(s) for s in j.steps],
        }

    # -- least squares -------------------------------------------------------------------------
    def _print_LsSolution(self, s: LsSolution) -> dict[str, Any]:
        from derive.matrix import expr as M
        from derive.matrix.sympy_form import sympy_str

        g = s.derivation
        return {
            "model": s.model.name,
            "objective": M.plain(g.function),
            "gradient": sympy_str(g.gradient),
            "estimator": sympy_str(s.estimator),
            "estimator_latex": mtex(s.estimator),
            "conditions": list(s.conditions),
            "hessian": None if g.hessian is None else sympy_str(g.hessian),
            "normal_equations": None if g.stationary is None else
            f"{M.plain(g.stationary.equation_lhs)} = {M.plain(g.stationary.equation_rhs)}",
            "consequences": [self.visit(c) for c in s.consequences],
            "kkt_system": [f"{M.plain(lhs)} = {M.plain(rhs)}" for lhs, rhs in s.kkt_system],
            "kkt_steps": [self.visit(c) for c in s.solve_steps],
            "multiplier_gradient": None if s.multiplier_gradient is None else sympy_str(s.multiplier_gradient),
            "certified": s.certified,
            "verdict": s.verdict.value,
            "checks": [self.visit(c) for c in g.checks if c.required] + [self.visit(c) for c in s.checks],
            "data_fit": None if s.data_fit is None else self.visit(s.data_fit),
            "steps": [self.visit(st) for st in g.steps + g.hessian_steps],
        }

    def _print_Consequence(self, c: Consequence) -> dict[str, Any]:
        from derive.matrix.expr import plain

        return {"claim": c.name, "lhs": plain(c.lhs), "rhs": plain(c.rhs), "certificate": c.certificate.describe()}

    def _print_DataFit(self, fit: DataFit) -> dict[str, Any]:
        return {"columns": list(fit.columns), "rows": fit.rows, "estimate": list(fit.estimate),
                "reference": list(fit.reference), "reference_solver": fit.reference_name,
                "max_abs_difference": _finite(fit.max_abs_difference),
                "rows_used": fit.rows_used, "method": fit.method, "method_text": fit.method_text,
                "design": [{"column": c, "term": t} for c, t in fit.design],
                "design_head": [[_finite(v) for v in row] for row in fit.design_head],
                "condition_number": _finite(fit.condition), "condition_number_unit_columns": _finite(fit.condition_unit),
                "rank": fit.rank, "notes": list(fit.notes), "estimate_digits": list(fit.estimate_digits),
                "checks": [{**self.visit(c), "required": c.required} for c in fit.checks],
                "summary": None if fit.summary is None else self.visit(fit.summary)}

    def _print_RegressionSummary(self, s: RegressionSummary) -> dict[str, Any]:
        """R's summary(lm) as numbers (null where not finite), its formulas as steps and its checks."""
        if s.not_computed:
            return {"method": s.method, "computed": False, "not_computed": s.not_computed}
        return {
            "method": s.method, "computed": True, "n": s.n, "p": s.p, "df_residual": s.df_residual,
            "intercept": s.intercept,
            "coefficients": [{"name": r.name, "estimate": _num(r.estimate), "std_error": _num(r.std_error),
                              "t_value": _num(r.t_value), "p_value": _num(r.p_value)} for r in s.rows],
            "rss": _num(s.rss), "residual_standard_error": _num(s.sigma),
            "r_squared": _num(s.r_squared), "adj_r_squared": _num(s.adj_r_squared),
            "r_squared_about": s.r_squared_about or None,
            "f_statistic": _num(s.f_statistic), "f_df": None if s.f_df is None else list(s.f_df),
            "f_p_value": _num(s.f_p_value),
            "names": dict(s.names), "notes": list(s.notes),
            "definitions": {sym.name: M_plain(val) for sym, val in s.definitions},
            "certified": s.certified,
            "verdict": s.verdict.value,
            "checks": [self.visit(c) for c in s.checks],
            "steps": [self.visit(st) for st in s.steps],
        }

    def _print_SummaryStep(self, st: SummaryStep) -> dict[str, Any]:
        chain = [sp.sstr(c) if st.scalar else M_plain(c) for c in st.chain]
        return {"kind": st.kind, "chain": chain, "justification": st.justification,
                "certificate": st.certificate.describe()}

    # -- simple regression in summation form ---------------------------------------------------
    def _print_SimpleSolution(self, sol: SimpleSolution) -> dict[str, Any]:
        nm = sol.names
        return {
            "model": "simple",
            "objective": sp.sstr(sol.objective),
            "gradient": sp.sstr(list(sol.gradient)),
            "estimator": sol.estimator_text(),
            "estimator_sums": {nm.b: sp.sstr(sol.slope_sums), nm.a: sp.sstr(sol.intercept_sums)},
            "definitions": {k.name: sp.sstr(v) for k, v in sol.definitions},
            "conditions": list(sol.conditions),
            "hessian": sp.sstr(sol.hessian.tolist()),
            "normal_equations": [f"{sp.sstr(e.lhs)} = {sp.sstr(e.rhs)}" for e in sol.normal_equations],
            "certified": sol.certified,
            "verdict": sol.verdict.value,
            "checks": [self.visit(c) for c in sol.checks],
            "data_fit": None if sol.data_fit is None else self.visit(sol.data_fit),
            "steps": [self.visit(st) for st in sol.steps],
        }

    def _print_SumStep(self, st: SumStep) -> dict[str, Any]:
        return {"section": st.section, "rule": st.rule, "before": sp.sstr(st.lhs), "after": sp.sstr(st.rhs),
                "justification": st.justification, "certificate": st.probe.describe(),
                "symbolic": st.proof.describe()}

    # -- maximum likelihood ----------------------------------------------------------------------
    def _print_MleDerivation(self, d: MleDerivation) -> dict[str, Any]:
        params = d.problem.params
        info = d.fisher_expected
        return {
            "density": str(d.problem.density),
            "params": [p.name for p in params],
            "var": d.problem.var.name,
            "support": d.problem.support.describe(),
            "loglik": str(d.loglik),
            "score": {p.name: str(s) for p, s in zip(params, d.score)},
            "estimator": {p.name: (None if v is None else str(v)) for p, v in zip(params, d.estimator)},
            "closed_form": d.closed_form,
            "method": d.method,
            "fisher_information": None if info is None else str(info[0, 0] if info.shape == (1, 1) else info),
            "second_order": d.second_order,
            "conditions": list(d.conditions),
            "cases": [{"param": p.name, "estimate": None if v is None else str(v), "when": str(c)}
                      for p, v, c in d.cases],
            "notes": list(d.notes),
            "certified": d.certified,
            "verdict": d.verdict.value,
            "checks": [{**self.visit(c), "detail": c.detail, "required": c.required} for c in d.checks],
            "newton_update": [str(e) for e in d.newton],
            "fisher_scoring_update": [str(e) for e in d.scoring],
            "iterates": [{"k": it.k, "values": list(it.values), "loglik": it.loglik, "step": it.step_norm}
                         for it in d.iterates],
            "iteration_method": d.iteration_method or None,
            "data": None if d.data is None else {
                "file": d.data.file, "column": d.data.column, "n": d.data.n, "method": d.data.method,
                "estimates": {e.param: {"estimate": e.value, "se_observed": e.se_observed,
                                        "se_expected": e.se_expected} for e in d.data.estimates}},
            "steps": [self.visit(s) for s in d.steps],
        }

    def _print_MleStep(self, s: MleStep) -> dict[str, Any]:
        return {"kind": s.kind, "title": s.title, "lhs": None if s.lhs is None else str(s.lhs), "rhs": str(s.rhs),
                "relation": s.relation, "reason": s.reason, "certificate": s.certificate.describe()}

    # -- checked derivations: the contract of ``derive check --format json`` --------------------
    def _print_CheckReport(self, r: CheckReport) -> dict[str, Any]:
        first = r.first_error
        return {
            "file": r.file,
            "verdict": r.outcome,
            "first_error": None if first is None else {"line": first.line, "step": first.index,
                                                        "hint": self._hint(first)},
            "steps": [self.visit(s) for s in r.steps],
            "counts": r.counts,
            "declarations": list(r.declarations),
            "definitions": [{"line": d.line, "name": d.name, "body": d.body, "kind": d.kind}
                            for d in r.definitions],
            "notes": list(r.notes),
        }

    def question(self, node: object) -> dict[str, Any]:
        """What ``node`` asks (``_question_<Class>`` along the MRO; none is a UsageError)."""
        method = self.method_for(node, "_question_")
        if method is not None:
            return method(node)
        raise UsageError(f"a {type(node).__name__} has no question to print in JSON",
                         hint="the JSON question part prints checked derivations")

    def _question_CheckReport(self, r: CheckReport) -> dict[str, Any]:
        """The derivation to check as typed, in the order of the file: prose, statements and steps (each
        ``step``, ``line``, ``lhs``, ``relation``, ``rhs`` as typed); no status, certificate,
        counterexample, hint, expected side or reading."""
        from derive.render.check_latex import items

        out: list[dict[str, Any]] = []
        for line, kind, payload in items(r):
            if kind == "prose":
                out.append({"kind": "prose", "line": line, "text": payload})
            elif kind == "definition":
                out.append({"kind": payload.kind, "line": line, "name": payload.name, "body": payload.body})
            else:
                steps, definition = payload
                if definition is not None:
                    out.append({"kind": definition.kind, "line": definition.line, "name": definition.name,
                                "body": definition.body})
                out += [{"kind": "step", "step": s.index, "line": s.line, "lhs": s.lhs_latex, "relation": s.relation,
                         "rhs": s.rhs_latex, "up_to_constant": s.up_to_constant} for s in steps]
        return {"file": r.file, "declarations": list(r.declarations), "items": out}

    def _print_FolderReport(self, r: FolderReport) -> dict[str, Any]:
        return {"folder": r.folder, "summary": r.counts, "files": [self.visit(f) for f in r.files]}

    def _print_FileFailure(self, f: FileFailure) -> dict[str, Any]:
        return {"file": f.file, "verdict": "failed", "error": f.error}

    def _print_Hint(self, h: Hint) -> str:
        """Plain text (the contract's ``hint: str``): words, and the mathematics in Unicode."""
        return hint_text(h.parts)

    def _hint(self, s: CheckedStep) -> str | None:
        return None if s.hint is None else self._print_Hint(s.hint)

    def _print_CheckedStep(self, s: CheckedStep) -> dict[str, Any]:
        return {
            "line": s.line,
            "lhs": s.lhs_latex,
            "rhs": s.rhs_latex,
            "relation": s.relation,
            "status": s.status,
            "counterexample": s.counterexample,
            "hint": self._hint(s),
            "hint_kind": None if s.hint is None else s.hint.kind,
            "step": s.index,
            "read_lhs": s.read_lhs,
            "read_rhs": s.read_rhs,
            "up_to_constant": s.up_to_constant,
            "certificate": s.certificate.describe(),
            "expected": s.expected_latex,
            "derivation": None if s.worked is None else self.visit(s.worked),
        }

def _finite(value: float | None) -> float | None:
    """A number JSON can hold: infinity and NaN (a condition number past any bound) become null."""
    import math

    return value if value is not None and math.isfinite(value) else None


def _num(v: float | None) -> float | None:
    """A number as a JSON number; None, infinity and NaN as null."""
    import math

    return None if v is None or not math.isfinite(v) else float(v)


def M_plain(node: Any) -> str:  # noqa: N802 - the matrix engine's plain form
    from derive.matrix.expr import plain

    return str(plain(node))
