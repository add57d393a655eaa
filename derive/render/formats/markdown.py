"""Markdown: display maths in ``$$`` blocks (GitHub, Jupyter and most renderers read it), checks as a list."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from derive.core.contract import Certified, Check, NotComputed, Plausible, Proved, Verdict
from derive.render.base import CLOSING, FormatPrinter
from derive.render.formats.latex import Printer as Latex
from derive.render.formats.latex import mle_lhs, mle_rhs, mtex
from derive.render.notation.latex import sample_tex, tex

if TYPE_CHECKING:  # the models are walked, not imported: a scalar result loads no matrix or MLE module
    from derive.checker.model import CheckReport, FolderReport
    from derive.handout.document import Exercise, Handout, Math, Paragraph, Section, Worked
    from derive.likelihood.model import MleDerivation
    from derive.lsq.model import LsSolution
    from derive.lsq.simple_model import SimpleSolution
    from derive.matrix.model import MatGradient
    from derive.scalar.model import Derivation, Gradient


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


class Printer(FormatPrinter):
    """Markdown of every result: the LaTeX printer's chains (MathJax flavour) between prose lines."""

    format_name: ClassVar[str] = "markdown"

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.latex = Latex(mathjax=True, part="chain")

    def doprint(self, node: object) -> str:
        """The node's Markdown; a result ends with the one line saying whether it is certified."""
        out = str(self.visit(node))
        if isinstance(node, Certified):
            out = out.rstrip("\n") + "\n\n" + closing_line(node.verdict) + "\n"
        return out

    def _print_Check(self, c: Check) -> str:
        return f"- {c.name}: {c.certificate.describe()}"

    def _print_Derivation(self, d: Derivation) -> str:
        lines = [f"$$\n{self.latex.doprint(d)}\n$$", "", f"**Result:** ${tex(d.result)}$", ""]
        lines += [f"- note: {n}" for n in d.notes]
        lines += [self.visit(c) for c in d.checks]
        lines.append(f"- certification: {certificate_summary(d)}")
        return "\n".join(lines) + "\n"

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
        out.append(f"**Gradient:** $\\nabla f = {tex(g.gradient)}$\n")
        hm = g.hessian_matrix
        if hm is not None:
            out.append(f"**Hessian:** $\\nabla^2 f = {tex(hm)}$\n")
        return "\n".join(out)

    # -- matrix derivations --------------------------------------------------------------------
    def _print_MatGradient(self, g: MatGradient) -> str:
        result = Latex(part="result").doprint(g)
        lines = [f"$$\n{self.latex.doprint(g)}\n$$", "", f"**Result:** ${result}$", ""]
        if g.stationary is not None:
            st = g.stationary
            when = f" ({st.when})" if st.when else ""
            lines.append(f"- normal equations: ${self.latex.visit(st)}$; the solution exists and is unique when "
                         f"${mtex(st.invertible)}$ is invertible{when}")
        if g.definiteness is not None:
            lines.append(f"- curvature: {g.definiteness.describe()}")
        lines += [f"- note: {n}" for n in g.notes]
        lines += [self.visit(c) for c in g.checks if c.required]
        lines += [f"- {c.name} (reported, not required): {c.certificate.describe()}" for c in g.checks if not c.required]
        return "\n".join(lines) + "\n"

    # -- least squares -------------------------------------------------------------------------
    def _print_LsSolution(self, s: LsSolution) -> str:
        g = s.derivation
        lines = [f"## {s.model.title}", "", f"Minimize ${mtex(g.function)}$ over ${mtex(g.wrt)}$.", "",
                 self._print_MatGradient(g), f"**Estimator:** ${mtex(g.wrt)} = {mtex(s.estimator)}$", ""]
        lines += [f"- KKT: {c.name}: {c.certificate.describe()}" for c in s.solve_steps]
        lines += [f"- condition: {c}" for c in s.conditions]
        lines += [f"- {c.name}: {c.certificate.describe()}" for c in s.consequences]
        lines += [self.visit(c) for c in s.checks]
        return "\n".join(lines) + "\n"

    # -- simple regression in summation form ---------------------------------------------------
    def _print_SimpleSolution(self, sol: SimpleSolution) -> str:
        nm = sol.names
        parts = Latex(mathjax=True).visit(sol)
        lines = [f"## Simple linear regression ${nm.y}_i = {nm.a} + {nm.b} {nm.x}_i$", "",
                 *("$$\n" + b + "\n$$\n" for b in parts.chains), "$$\n" + parts.result + "\n$$", ""]
        lines += [f"- condition: {c}" for c in sol.conditions]
        lines += [self.visit(c) for c in sol.checks]
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
            lines += [f"**{s.title}** ({word}): {s.reason}", "", f"$$ {body} $$", ""]
        lines.append("**Estimator:** $" + Latex(part="result").doprint(d).replace("\n", " ") + "$")
        lines.append("")
        lines.append(f"- second-order check: {d.second_order}")
        lines += [f"- condition: ${sample_tex(c)}$" for c in d.condition_relations]
        lines += [f"- note: {n}" for n in d.notes]
        lines += [self.visit(c) for c in d.checks]
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
        return f"$$\n{b.latex}\n$$"

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
            lines.append(f"$$\n{b.prompt_latex}\n$$")
        return "\n\n".join(lines)

    # -- checked derivations -------------------------------------------------------------------
    def _print_CheckReport(self, r: CheckReport) -> str:
        """A table of the steps (line, step as read, verdict), then the first error's details."""
        lines = [f"## Checking `{r.file}`", ""]
        if r.declarations:
            lines += ["Declared: " + ", ".join(f"${d}$" for d in r.declarations), ""]
        lines += [f"Defined (line {d.line}): ${d.name} := {d.body}$" if d.kind == "definition" else
                  f"Condition (line {d.line}): ${d.name} = {d.body}$" for d in r.definitions]
        if r.definitions:
            lines.append("")
        lines += ["| line | step (as read) | verdict |", "|---:|---|---|"]
        for s in r.steps:
            lhs = s.read_lhs if s.read_lhs is not None else s.lhs_latex
            rhs = s.read_rhs if s.read_rhs is not None else s.rhs_latex
            relation = {"<=": r"\le", ">=": r"\ge", "propto": r"\propto", "iff": r"\iff",
                        "implies": r"\implies"}.get(s.relation, s.relation)
            maths = f"{lhs} {relation} {rhs}".replace("|", r"\vert ")
            lines.append(f"| {s.line} | ${maths}$ | {s.certificate.mark} {s.status} |")
        first = r.first_error
        if first is not None:
            lines += ["", f"**First error: step {first.index}, line {first.line}.**", ""]
            example = first.counterexample or {}
            if example:
                left, right = example.pop("left side", ""), example.pop("right side", "")
                where = ", ".join(f"{k} = {v}" for k, v in example.items())
                lines.append(f"- counterexample: at {where}: left side {left}, right side {right}")
            if first.hint:
                lines.append(f"- hint: {first.hint}")
            if first.expected_latex:
                lines.append(f"- expected: ${first.expected_latex}$")
        lines += [f"- note: {n}" for n in r.notes]
        return "\n".join(lines) + "\n"

    def _print_FolderReport(self, r: FolderReport) -> str:
        from derive.checker.model import CheckReport

        lines = [f"## Checked {len(r.files)} files in `{r.folder}`", "", "| file | verdict | first error |",
                 "|---|---|---|"]
        for f in r.files:
            if isinstance(f, CheckReport):
                first = f.first_error
                where = "" if first is None else f"line {first.line}" + (f": {first.hint}" if first.hint else "")
                lines.append(f"| `{f.file}` | {f.outcome} | {where} |")
            else:
                lines.append(f"| `{f.file}` | failed | {f.error} |")
        lines += ["", "Summary: " + ", ".join(f"{v} {k}" for k, v in r.counts.items() if v)]
        return "\n".join(lines) + "\n"
