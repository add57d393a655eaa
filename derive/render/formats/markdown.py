"""Markdown: display maths in ``$$`` blocks (GitHub, Jupyter and most renderers read it), checks as a list."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

import sympy as sp

from derive.core.contract import Certified, Check, NotComputed, Plausible, Proved, Verdict
from derive.core.errors import UsageError
from derive.render.notation.order import keeps_typed_order
from derive.render.base import CLOSING, FormatPrinter
from derive.render.echo import compact_latex, safe_math
from derive.render.formats.latex import Printer as Latex
from derive.render.formats.latex import METHOD_NAMES, hint_tex, mle_lhs, mle_rhs, mtex, summary_lines_plain
from derive.render.notation.latex import sample_tex, tex

if TYPE_CHECKING:  # the models are walked, not imported: a scalar result loads no matrix or MLE module
    from derive.checker.model import CheckReport, FolderReport
    from derive.handout.document import Exercise, Figure, Handout, Math, Paragraph, Section, Worked
    from derive.likelihood.model import MleDerivation
    from derive.lsq.model import DataFit, LsSolution, RegressionSummary
    from derive.lsq.simple_model import SimpleSolution
    from derive.matrix.model import MatGradient, MatGradients, MatJacobian
    from derive.scalar.model import Derivation, Gradient


def display(latex: str) -> str:
    """One displayed formula: ``$$`` on its own lines (GitHub and MathJax 3 read it; inline maths never spans lines)."""
    return f"$$\n{latex.strip()}\n$$"


def md_cell(text: str) -> str:
    """User text in a Markdown table cell: pipes escaped, no line breaks."""
    return " ".join(str(text).split()).replace("|", "\\|")


def md_pvalue(p: float) -> str:
    """A p-value as R prints it (below machine epsilon: < 2e-16)."""
    return "NaN" if p != p else ("< 2e-16" if p < 2.220446e-16 else f"{p:.3g}")


def closing_line(verdict: Verdict) -> str:
    """The last line of every result: certified, refuted or undecided (the same words as the text output)."""
    mark, words, reason = CLOSING[verdict.value]
    return f"{mark} **{words}**: {reason}"


def certificate_summary(d: Derivation) -> str:
    """One sentence on how a derivation was certified (for handouts and terminals)."""
    proved = sum(isinstance(s.certificate, Proved) for s in d.steps)
    plausible = [s.certificate for s in d.steps if isinstance(s.certificate, Plausible)]
    bad = [s for s in d.steps if not s.certificate.certified]
    parts = [f"{proved} of {len(d.steps)} steps proved symbolically"]
    if plausible:
        parts.append(f"{len(plausible)} checked numerically")
    if bad:
        parts.append(f"{len(bad)} NOT certified")
    checks = "; ".join(f"{c.name}: {c.certificate.word}" for c in d.checks)
    return ", ".join(parts) + (f"; {checks}" if checks else "")


_PARTS = ("all", "question")


class Printer(FormatPrinter):
    """Markdown of every result: the LaTeX printer's chains (MathJax flavour) between prose lines.

    ``part="question"`` prints what is asked with no part of the answer: a result's question (the LaTeX
    printer's, displayed), a checked derivation's steps as typed (no verdict of any kind), and a
    handout's student version (questions only, no exercise solutions, no figure that shows a solution).
    """

    format_name: ClassVar[str] = "markdown"
    _default_settings: ClassVar[dict[str, Any]] = {"part": "all"}

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        if self.settings["part"] not in _PARTS:
            raise UsageError(f"unknown Markdown part {self.settings['part']!r}", hint=f"choose {', '.join(_PARTS)}")
        self.latex = Latex(mathjax=True, part="chain")

    def doprint(self, node: object) -> str:
        """The node's Markdown; a result ends with the one line saying whether it is certified (its
        question part ends with none: whether it holds is part of the answer)."""
        if self.settings["part"] == "question":
            return self.question(node)
        out = str(self.visit(node))
        if isinstance(node, Certified):
            out = out.rstrip("\n") + "\n\n" + closing_line(node.verdict) + "\n"
        return out

    def _print_Check(self, c: Check) -> str:
        return f"- {c.name}: {c.certificate.describe()}"

    @keeps_typed_order
    def _print_Derivation(self, d: Derivation) -> str:
        lines = [display(self.latex.doprint(d)), "", "**Result:**", "", display(tex(d.shown)), ""]
        lines += [f"- note: {n}" for n in d.notes]
        lines += [self.visit(c) for c in d.checks]
        lines.append(f"- certification: {certificate_summary(d)}")
        return "\n".join(lines) + "\n"

    @keeps_typed_order
    def _print_Gradient(self, g: Gradient) -> str:
        out = []
        for p in g.partials:
            out.append(f"### Partial derivative with respect to ${tex(p.wrt[0])}$\n")
            out.append(self._print_Derivation(p))
        if g.hessian is not None:
            out.append("### Hessian entries\n")
            for i, row in enumerate(g.hessian):
                for j, h in enumerate(row):
                    if j >= i:
                        out.append(self._print_Derivation(h))
        out += ["**Gradient:**\n", display(r"\nabla f = " + tex(g.shown_gradient)) + "\n"]
        hm = g.shown_hessian
        if hm is not None:
            out += ["**Hessian:**\n", display(r"\nabla^2 f = " + tex(hm)) + "\n"]
        return "\n".join(out)

    # -- matrix derivations --------------------------------------------------------------------
    def _print_MatGradient(self, g: MatGradient) -> str:
        result = Latex(part="result").doprint(g)
        lines = [display(self.latex.doprint(g)), "", "**Result:**", "", display(result), ""]
        if g.stationary is not None and g.stationary.eigen is not None:
            from derive.matrix import expr as M

            a, lam = g.stationary.eigen
            x = mtex(g.wrt)
            lines.append(f"- stationary points: ${mtex(a)} {x} = {mtex(M.const(lam))} {x}$: ${x} = 0$, or an eigenvector of "
                         f"${mtex(a)}$ for the eigenvalue ${mtex(M.const(lam))}$")
        elif g.stationary is not None:
            st = g.stationary
            when = f" ({st.when})" if st.when else ""
            lines.append(f"- normal equations: ${self.latex.visit(st)}$; the solution exists and is unique when "
                         f"${mtex(st.invertible)}$ is invertible{when}")
        if g.definiteness is not None:
            lines.append(f"- curvature: {g.definiteness.describe()}")
        lines += [f"- note: {n}" for n in g.notes]
        lines += [self.visit(c) for c in g.checks if c.required]
        lines += [f"- note: {c.name} (reported, not required): {c.certificate.describe()}"
                  for c in g.checks if not c.required]
        return "\n".join(lines) + "\n"

    def _print_MatGradients(self, gs: MatGradients) -> str:
        lines: list[str] = []
        for g in gs.parts:
            lines += [f"### Gradient in ${mtex(g.wrt)}$", "", self._print_MatGradient(g)]
        if gs.joint is not None:
            lines += ["**Stationary point, jointly:**", ""]
            for var, value, own, used in gs.joint.solved:
                x = mtex(var)
                at = ", ".join(rf"${mtex(gs.part(n).wrt)} = \hat{{{mtex(gs.part(n).wrt)}}}$" for n in used)
                lines.append(rf"- $\hat{{{x}}} = {mtex(value)}$" + (f" (from ${x}$'s own condition with {at})" if used else ""))
            lines += ["", self.visit(gs.joint_check)]
        lines += [f"- note: {n}" for n in gs.notes]
        return "\n".join(lines) + "\n"

    def _print_MatJacobian(self, j: MatJacobian) -> str:
        result = Latex(part="result").doprint(j)
        lines = [display(self.latex.doprint(j)), "", "**Result:**", "", display(result), "", f"- {j.layout}"]
        lines += [f"- note: {n}" for n in j.notes]
        lines += [self.visit(c) for c in j.checks if c.required]
        lines += [f"- note: {c.name} (reported, not required): {c.certificate.describe()}"
                  for c in j.checks if not c.required]
        return "\n".join(lines) + "\n"

    # -- least squares -------------------------------------------------------------------------
    def _print_LsSolution(self, s: LsSolution) -> str:
        g = s.derivation
        lines = [f"## {s.model.title}", "", f"Minimize ${mtex(g.function)}$ over ${mtex(g.wrt)}$.", "",
                 self._print_MatGradient(g), "**Estimator:**", "", display(f"{mtex(g.wrt)} = {mtex(s.estimator)}"), ""]
        if s.kkt_system:
            lines.append("- KKT system: " + ", ".join(f"${mtex(lhs)} = {mtex(rhs)}$" for lhs, rhs in s.kkt_system))
        lines += [f"- KKT: {c.name}: {c.certificate.describe()}" for c in s.solve_steps]
        lines += [f"- condition: {c}" for c in s.conditions]
        lines += [f"- {c.name}: {c.certificate.describe()}" for c in s.consequences]
        lines += [self.visit(c) for c in s.checks]
        if s.data_fit is not None:
            lines += ["", self.visit(s.data_fit)]
        return "\n".join(lines) + "\n"

    # -- a fit to data and its regression summary ----------------------------------------------
    def _print_DataFit(self, fit: DataFit) -> str:
        """The fit beside the reference solver as a table, then the regression summary."""
        lines = [f"### Fit to {fit.rows} rows", "", f"| coefficient | derived formula | {md_cell(fit.reference_name)} |",
                 "|---|---:|---:|"]
        lines += [f"| {md_cell(c)} | {a:.10g} | {b:.10g} |" for c, a, b in zip(fit.columns, fit.estimate, fit.reference)]
        lines += ["", f"largest difference: {fit.max_abs_difference:.2e}"]
        if fit.summary is not None:
            lines += ["", self.visit(fit.summary)]
        return "\n".join(lines)

    def _print_RegressionSummary(self, s: RegressionSummary) -> str:
        """The formulas as display maths, the checks as a list, the coefficient table, RSE, R² and F."""
        if s.not_computed:
            return f"- regression summary: not computed ({s.not_computed})"
        latex = Latex(mathjax=True)
        lines = [f"### Regression summary ({METHOD_NAMES[s.method]})", "",
                 f"${latex.summary_model(s)}$; normal errors for the $t$ and $F$ distributions.", "",
                 display(latex.summary_chain(s)), "",
                 "where " + ", ".join(f"${d}$" for d in latex.summary_definitions(s)) + "; so "
                 + ", ".join(f"${x}$" for x in latex.summary_consequences(s))
                 + {"mean": " about the mean (an intercept)", "weighted mean": " about the weighted mean (an intercept)",
                    "zero": " about zero (no intercept, as R's summary.lm)", "": ""}[s.r_squared_about] + ".", ""]
        lines += [self.visit(c) for c in s.checks]
        lines += ["", "| | Estimate | Std. Error | t value | Pr(>\\|t\\|) |", "|---|---:|---:|---:|---:|"]
        lines += [f"| {md_cell(r.name)} | {r.estimate:.7g} | {r.std_error:.7g} | {r.t_value:.4g} | "
                  f"{md_pvalue(r.p_value)} |" for r in s.rows]
        lines += [""] + [f"{x}  " for x in summary_lines_plain(s)]
        lines += [f"- note: {n}" for n in s.notes]
        return "\n".join(lines).rstrip() + "\n"

    # -- simple regression in summation form ---------------------------------------------------
    def _print_SimpleSolution(self, sol: SimpleSolution) -> str:
        nm = sol.names
        parts = Latex(mathjax=True).visit(replace(sol, data_fit=None))  # the fit comes after, in Markdown
        lines = [f"## Simple linear regression ${nm.y}_i = {nm.a} + {nm.b} {nm.x}_i$", "",
                 *(display(b) + "\n" for b in parts.chains), display(parts.result), ""]
        lines += [f"- condition: {c}" for c in sol.conditions]
        lines += [self.visit(c) for c in sol.checks]
        if sol.data_fit is not None:
            lines += ["", self.visit(sol.data_fit)]
        return "\n".join(lines) + "\n"

    # -- maximum likelihood ----------------------------------------------------------------------
    def _print_MleDerivation(self, d: MleDerivation) -> str:
        lines = [f"## Maximum likelihood: `{d.problem.source}`", ""]
        for s in d.steps:
            word = s.certificate.describe() if isinstance(s.certificate, NotComputed) else s.certificate.word
            rhs = sample_tex(mle_rhs(s, d))
            if s.relation == "root":
                body = rf"{sample_tex(s.lhs)} = 0 \Rightarrow \hat{{{sample_tex(s.param)}}} = {rhs}"
            else:
                lhs = mle_lhs(s, d)
                body = f"{lhs} = {rhs}" if lhs else rhs
            lines += [f"**{s.title}** ({word}): {s.reason}", "", display(body), ""]
        lines += ["**Estimator:**", "", display(Latex(part="result").doprint(d))]
        lines.append("")
        lines.append(f"- second-order check: {d.second_order}")
        lines += [f"- the estimate only when: ${sample_tex(c)}$" for c in d.condition_relations]
        lines += [rf"- case: $\hat{{{sample_tex(p)}}} = {sample_tex(v)}$ when ${sample_tex(c)}$" if v is not None
                  else rf"- case: no maximum (no $\hat{{{sample_tex(p)}}}$) when ${sample_tex(c)}$"
                  for p, v, c in d.cases]
        lines += [f"- note: {n}" for n in d.notes]
        lines += [self.visit(c) for c in d.checks]
        if d.data is not None:
            fit = d.data
            lines += ["", f"**Estimates on {fit.file}** (column {fit.column}, n = {fit.n}; {fit.method}):", "",
                      "| parameter | estimate | s.e. (observed information) | s.e. (expected information) |",
                      "|---|---:|---:|---:|"]
            lines += [f"| ${sample_tex(sp.Symbol(e.param))}$ | {e.value:.10g} | "
                      + ("–" if e.se_observed is None else f"{e.se_observed:.6g}") + " | "
                      + ("–" if e.se_expected is None else f"{e.se_expected:.6g}") + " |" for e in fit.estimates]
        return "\n".join(lines) + "\n"

    # -- handouts: the same document the LaTeX templates print ---------------------------------
    def _print_Handout(self, h: Handout) -> str:
        """The whole handout: title, blocks in order, then the exercises' solutions."""
        out = [f"# {h.title}"] + ([f"*{h.subtitle}*"] if h.subtitle else []) + ([h.author] if h.author else [])
        out += [str(self.visit(b)) for b in h.blocks]
        solved = [(k, e) for k, e in enumerate(h.exercises, start=1) if e.solution is not None]
        if solved:
            out.append("## Solutions")
            out += [self._print_Worked(e.solution, heading=f"Solution to exercise {k}") for k, e in solved
                    if e.solution is not None]
        return "\n\n".join(out) + "\n"

    def _print_Section(self, b: Section) -> str:
        return f"## {b.title}"

    def _print_Paragraph(self, b: Paragraph) -> str:
        return b.text

    def _print_Math(self, b: Math) -> str:
        return display(b.latex)

    def _print_Worked(self, b: Worked, heading: str = "") -> str:
        lines = [f"### {heading or b.title}"]
        if b.intro:
            lines.append(b.intro)
        if b.source:
            lines.append(f"Input: `{b.source}`")
        lines.append(b.result.render("markdown").rstrip())
        return "\n\n".join(lines)

    def _print_Exercise(self, b: Exercise) -> str:
        lines = [f"**Exercise.** {b.prompt}"]
        if b.prompt_latex:
            lines.append(display(b.prompt_latex))
        return "\n\n".join(lines)

    def _print_Figure(self, b: Figure) -> str:
        """The figure as an inline SVG image (a data URI: no file beside the Markdown), then its caption."""
        import base64

        data = base64.b64encode(b.plot.svg.encode("utf-8")).decode("ascii")
        return f"![{b.plot.alt}](data:image/svg+xml;base64,{data})" + (f"\n\n*{b.caption}*" if b.caption else "")

    # -- questions: what is asked, without the answer ----------------------------------------------
    def question(self, node: object) -> str:
        """What ``node`` asks (``_question_<Class>`` along the MRO, else the LaTeX printer's question,
        displayed; a node with neither is a UsageError)."""
        method = self.method_for(node, "_question_")
        if method is not None:
            return str(method(node))
        return display(Latex(mathjax=True, part="question").doprint(node)) + "\n"

    def _question_CheckReport(self, r: CheckReport) -> str:
        """The derivation to check as typed: prose and one ``$$`` block per display, each step labelled
        ``step k``; no mark, verdict, counterexample, hint or legend."""
        return Latex(mathjax=True, part="question").doprint(r) + "\n"

    def _question_Handout(self, h: Handout) -> str:
        """A student version: title, blocks in order with each worked problem's question, no solutions."""
        from derive.handout.document import CheckedBlock, Figure, Worked

        out = [f"# {h.title}"] + ([f"*{h.subtitle}*"] if h.subtitle else []) + ([h.author] if h.author else [])
        for b in h.blocks:
            if isinstance(b, Figure) and b.solution:
                continue  # a figure that shows part of a solution
            if isinstance(b, Worked):
                out.append(self._question_Worked(b))
            elif isinstance(b, CheckedBlock):
                out.append(self._question_CheckedBlock(b))
            else:
                out.append(str(self.visit(b)))
        return "\n\n".join(out) + "\n"

    def _question_Worked(self, b: Worked) -> str:
        """A worked problem's title, intro and question ('' when its result has none)."""
        lines = [f"### {b.title}"] + ([b.intro] if b.intro else [])
        try:
            asked = str(b.result.render("markdown", part="question")).rstrip()
        except UsageError:
            asked = ""
        return "\n\n".join(lines + ([asked] if asked else []))

    def _question_CheckedBlock(self, b: Any) -> str:
        try:
            return str(b.result.render("markdown", part="question")).rstrip()
        except UsageError:
            return ""  # a folder of checked files has nothing to hand a student

    # -- checked derivations -------------------------------------------------------------------
    def _print_CheckReport(self, r: CheckReport) -> str:
        """The user's derivation in the order of the file (prose, then one ``$$`` block per display with
        each step's mark and line), then the first error's counterexample, hint and expected side.

        Each ``$$`` block is one display for MathJax 3 (Jupyter); inline maths stays on one line."""
        from derive.render import check_latex as C

        lines = [f"## Checking `{r.file}`", "", f"**{C.summary(r)}**", ""]
        if r.declarations:
            lines += ["Declared: " + ", ".join(f"${d}$" if safe_math(d) else f"`{d}`" for d in r.declarations), ""]
        lines += ["\n\n".join(C.mathjax_body(r))]
        first = r.first_error
        if first is not None:
            lines += ["", f"> **✗ Line {first.line} does not follow** (step {first.index}).", ">"]
            example = first.counterexample or {}
            if example:
                left, right = example.pop("left side", ""), example.pop("right side", "")
                where = ", ".join(f"{k} = {v}" for k, v in example.items())
                lines += [f"> Counterexample: at {where}: left side {left}, right side {right}.", ">"]
            if first.hint is not None:
                lines += [f"> Hint: {self._print_Hint(first.hint)}.", ">"]
            if first.expected_latex:
                lines += ["> Expected right side:", ">", f"> $$ {compact_latex(first.expected_latex)} $$"]
            while lines[-1] == ">":
                lines.pop()
        others = [s for s in r.steps if not s.certificate.certified and s is not first]
        if others:
            lines += [""] + [f"- line {s.line}: {s.certificate.mark} {s.certificate.describe()}" for s in others]
        lines += [f"- note: {n}" for n in r.notes]
        lines += ["", "✓ proved · ≈ plausible (held at every random point tried, not proved) · ✗ refuted · "
                  "? not read or not decided"]
        return "\n".join(lines) + "\n"

    def _print_Hint(self, h: Any) -> str:
        """The slip in words with its mathematics in ``$...$`` (Markdown renders it)."""
        return hint_tex(h.parts)

    def _print_CheckedBlock(self, b: Any) -> str:
        return str(b.result.render("markdown")).rstrip()

    def _print_FolderReport(self, r: FolderReport) -> str:
        from derive.checker.model import CheckReport

        lines = [f"## Checked {len(r.files)} files in `{r.folder}`", "", "| file | verdict | first error |",
                 "|---|---|---|"]
        for f in r.files:
            if isinstance(f, CheckReport):
                first = f.first_error
                where = "" if first is None else f"line {first.line}" + (
                    f": {self._print_Hint(first.hint)}" if first.hint is not None else "")
                lines.append(f"| `{f.file}` | {f.outcome} | {where} |")
            else:
                lines.append(f"| `{f.file}` | failed | {f.error} |")
        lines += ["", "Summary: " + ", ".join(f"{v} {k}" for k, v in r.counts.items() if v)]
        return "\n".join(lines) + "\n"
