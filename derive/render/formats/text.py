"""Terminal text: Unicode maths in Rich tables, one line per step with its certificate's mark.

``width`` is the number of columns; ``color`` adds ANSI colours (a terminal). Every result ends
with the lines of its checks, each with the same mark and word as in every other format.
``part="question"`` prints what is asked and nothing of the answer: for a checked derivation, its
steps as typed, each labelled ``step k``, with no verdict of any kind (no mark, counterexample, hint).
"""
from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any, ClassVar

import sympy as sp
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from derive.core.contract import Certificate, Check, NotComputed, Verdict
from derive.core.errors import UsageError
from derive.render.notation.order import keeps_typed_order
from derive.render.base import CLOSING, FormatPrinter
from derive.render.echo import compact_latex, same_latex
from derive.render.notation.sample import hatted
from derive.render.notation.text import StatText, SumText, check_text, hat_text, hint_text, sample_text, utext

if TYPE_CHECKING:  # the models are walked, not imported: a scalar result loads no matrix or MLE module
    from derive.checker.model import CheckedStep, CheckReport, FolderReport, Hint
    from derive.likelihood.model import MleDerivation, MleStep
    from derive.lsq.model import Consequence, DataFit, LsSolution, RegressionSummary
    from derive.lsq.simple_model import SimpleSolution
    from derive.matrix import expr as M
    from derive.matrix.model import MatGradient, MatGradients, MatJacobian, MatStep
    from derive.scalar.model import Derivation, DiffStep, Gradient

STYLES: dict[str, str] = {"proved": "green", "plausible": "green", "refuted": "bold red", "unknown": "yellow",
                          "timeout": "yellow", "not computed": "yellow", "unparsed": "yellow"}
"""The colour of each certificate word (the marks and words themselves come from the certificates)."""


def utext_m(node: M.Node) -> str:
    """Unicode of a matrix expression (the matrix notation loads with the first one printed)."""
    from derive.render.notation.matrix import utext_m as matrix_text

    return matrix_text(node)


METHODS = {"ols": "ordinary least squares", "wls": "weighted least squares",
           "gls": "generalized least squares (whitened by the covariance)"}
R2_ABOUT = {"mean": "about the mean (the model has an intercept)",
            "weighted mean": "about the weighted mean (the model has an intercept)",
            "zero": "about zero (no intercept: TSS = yᵀy, as R's summary.lm)"}


def number(v: float, digits: int) -> str:
    """A number with ``digits`` significant digits; Inf and NaN as R writes them."""
    if v != v:
        return "NaN"
    if v in (float("inf"), float("-inf")):
        return "Inf" if v > 0 else "-Inf"
    return f"{v:.{digits}g}"


def pvalue(p: float) -> str:
    """A p-value as R's format.pval: three significant digits, and below machine epsilon "< 2e-16"."""
    if p != p:
        return "NaN"
    return "< 2e-16" if p < 2.220446e-16 else f"{p:.3g}"


def summary_label(kind: str, b: str, s: RegressionSummary) -> str:
    """What a summary step's chain equals, in Unicode: E[b̂], Var(b̂), e, RSS, E[RSS], pⱼ, adj. R², F, ..."""
    return {"mean": f"E[{b}̂]", "variance": f"Var({b}̂)", "residual": "e", "rss": "RSS", "expected_rss": "E[RSS]",
            "distribution": "t, F" if s.r_squared is not None else "t", "t_pvalue": "pⱼ", "tss": "TSS",
            "adjusted": "adj. R²", "fstat": "F", "f_pvalue": "P(F > f)", "gram_slope": "[(XᵀX)⁻¹]₂₂",
            "gram_intercept": "[(XᵀX)⁻¹]₁₁"}[kind].replace("X", s.name("X"))


def summary_claim(kind: str, b: str, s: RegressionSummary) -> str:
    """The claim of a step without a chain: the distributions of t and F under normal errors."""
    t = f"tⱼ ~ t(n − p) when {b}ⱼ = 0"
    if s.r_squared is None:
        return t
    slopes = "the slopes are" if s.intercept else f"{b} is"
    return f"{t}; F ~ F(p − {s.k}, n − p) when {slopes} 0" if s.k else f"{t}; F ~ F(p, n − p) when {slopes} 0"


def summary_lines(s: RegressionSummary) -> list[str]:
    """Residual standard error, R-squared and F as R prints them (more digits)."""
    out = [f"Residual standard error: {s.sigma_beyond_range(7) or number(s.sigma, 7)} on {s.df_residual} degrees of freedom"]
    if s.r_squared is not None and s.adj_r_squared is not None:
        out.append(f"Multiple R-squared: {number(s.r_squared, 7)},  Adjusted R-squared: {number(s.adj_r_squared, 7)}")
    if s.f_statistic is not None and s.f_df is not None and s.f_p_value is not None:
        out.append(f"F-statistic: {number(s.f_statistic, 7)} on {s.f_df[0]} and {s.f_df[1]} DF,  p-value: "
                   f"{pvalue(s.f_p_value)}")
    return out


def skipped_summary(fit: DataFit | None) -> tuple[str, ...]:
    """The regression summary, when it was not computed (ridge): named in the closing line."""
    return ("the regression summary",) if fit is not None and fit.summary is not None and fit.summary.not_computed \
        else ()


_PARTS = ("all", "question")


def chain_table() -> Table:
    """The four columns of a chain: the relation, the maths, the justification, the mark."""
    table = Table(show_header=False, box=None, padding=(0, 1), expand=False)
    table.add_column(no_wrap=True)
    table.add_column(ratio=3, overflow="fold")
    table.add_column(ratio=2, style="cyan", overflow="fold")
    table.add_column(no_wrap=True)
    return table


class Printer(FormatPrinter):
    """Text of every result: ``width`` columns, ``color`` for ANSI colours."""

    format_name: ClassVar[str] = "text"
    _default_settings: ClassVar[dict[str, Any]] = {"width": 100, "color": False, "part": "all"}

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        if self.settings["part"] not in _PARTS:
            raise UsageError(f"unknown text part {self.settings['part']!r}", hint=f"choose {', '.join(_PARTS)}")
        self._partial = False

    def doprint(self, node: object) -> str:
        buf = io.StringIO()
        color = bool(self.settings["color"])
        shown = self.question(node) if self.settings["part"] == "question" else self.visit(node)
        Console(file=buf, width=int(self.settings["width"] or 100), color_system="standard" if color else None,
                force_terminal=color, highlight=False).print(shown)
        return buf.getvalue()

    # -- questions: what is asked, without the answer ----------------------------------------------
    def question(self, node: object) -> RenderableType:
        """What ``node`` asks (``_question_<Class>`` along the MRO; none is a UsageError)."""
        method = self.method_for(node, "_question_")
        if method is not None:
            return method(node)
        raise UsageError(f"a {type(node).__name__} has no question to print in text",
                         hint="the text question part prints checked derivations; use --format latex for others")

    def _question_CheckReport(self, r: CheckReport) -> RenderableType:
        """The derivation to check as typed: the prose between displays, and each display's rows with
        their steps labelled ``step k``; nothing derive found out about it."""
        from derive.render.check_latex import items
        from derive.render.echo import prose_markdown

        parts: list[RenderableType] = []
        for _, kind, payload in items(r):
            if kind == "prose":
                text = prose_markdown(payload)
                if text:
                    parts.append(Text(text))
                continue
            table = Table(show_header=False, box=None, padding=(0, 1), expand=False)
            table.add_column(no_wrap=True, style="dim")
            table.add_column(no_wrap=True)
            table.add_column(overflow="fold")
            if kind == "definition":
                table.add_row(Text(""), Text(""), Text(f"{payload.name} = {payload.body}"))
            else:
                steps, definition = payload
                head = steps[0]
                first = head.lhs_latex if definition is None else f"{definition.name} = {head.lhs_latex}"
                table.add_row(Text(""), Text(""), Text(first))
                for step in steps:
                    table.add_row(Text(f"step {step.index}"), Text(_RELATION_TEXT.get(step.relation, step.relation)),
                                  Text(step.rhs_latex + (" + const" if step.up_to_constant else "")))
            parts.append(table)
        spaced: list[RenderableType] = []
        for part in parts:  # a blank line between the prose and the displays, as on paper
            spaced += [part, Text("")]
        return Group(*spaced[:-1])

    # -- certificates and checks: one mark and word per certificate, the same everywhere ---------
    def mark(self, c: Certificate) -> Text:
        """``✓ proved``, ``≈ plausible``, ``✗ refuted``, ``? unknown``, ``? timeout``, ``– not computed (why)``."""
        word = c.describe() if isinstance(c, NotComputed) else c.word
        return Text(f"{c.mark} {word}", style=STYLES[c.word])

    def _print_Check(self, c: Check, note: str = "") -> Text:
        return Text.assemble((f"{c.certificate.mark} ", STYLES[c.certificate.word]), (f"{c.name}{note}: ", "bold"),
                             c.certificate.describe())

    def reference(self, c: Check) -> Text:
        """A comparison reported, not required: a note without a verdict mark, after the checks."""
        name = c.name.removeprefix("agrees with ")
        return Text(f"Note: compared with {name} (reported, not required): {c.certificate.describe()}", style="dim")

    def verdict_line(self, verdict: Verdict, skipped: tuple[str, ...] = ()) -> Text:
        """The closing line: certified (and which reported parts were not computed), refuted or undecided."""
        mark, words, reason = CLOSING[verdict.value]
        also = f"; not computed: {', '.join(skipped)}" if skipped and verdict is Verdict.CERTIFIED else ""
        style = {"certified": "bold green", "refuted": "bold red"}.get(verdict.value, "bold yellow")
        return Text(f"{mark} {words}: {reason}{also}", style=style)

    # -- scalar derivations -----------------------------------------------------------------
    @keeps_typed_order
    def _print_Derivation(self, d: Derivation, title: str | None = None, closing: bool = True) -> RenderableType:
        self._partial = len(d.function.free_symbols) > 1
        table = chain_table()
        held = f"treat {', '.join(utext(s) for s in d.held)} as constant" if d.held else ""
        for i, step in enumerate(d.steps):
            if i == 0 or step.rule == "higher order":  # each chain starts with its own left side
                table.add_row(Text(""), Text(utext(step.before, partial=self._partial), style="bold"),
                              Text(held if i == 0 else ""), Text(""))
            table.add_row(Text("="), *self.visit(step))
        if not d.steps:
            lhs = utext(sp.Derivative(d.function, *d.wrt, evaluate=False))
            table.add_row(Text(""), Text(lhs, style="bold"), Text(""), Text(""))
        parts: list[RenderableType] = []
        if title:
            parts.append(Text(title, style="bold underline"))  # Text: never parsed as markup
        parts.append(table)
        parts.append(Text.assemble(("Result: ", "bold"), (utext(d.shown), "bold green")))
        parts += [Text(f"Note: {note}", style="dim") for note in d.notes]
        parts += [self.visit(c) for c in d.checks]
        if closing:
            parts.append(self.verdict_line(d.verdict))
        return Group(*parts)

    def _print_DiffStep(self, step: DiffStep) -> tuple[Text, Text, Text]:
        # Text, not str: Rich would read [..] in the maths as markup.
        return (Text(utext(step.after, partial=self._partial)), Text(self.reason(step)),
                self.mark(step.certificate))

    def reason(self, step: DiffStep) -> str:
        """The justification with its expressions printed as the lines are (u2 = y − x² beside y − x²): rebuilt
        from the step's rules when the stored one is exactly theirs, else as stored."""
        from derive.scalar.notation import justification_text

        if not step.rules or type(step.rules[0]).justify(step.rules) != step.justification:
            return step.justification
        with justification_text(lambda e: utext(e, partial=self._partial)):
            return str(type(step.rules[0]).justify(step.rules))

    @keeps_typed_order
    def _print_Gradient(self, g: Gradient) -> RenderableType:
        parts: list[RenderableType] = []
        for p in g.partials:
            parts.append(self._print_Derivation(p, title=f"∂/∂{utext(p.wrt[0])}", closing=False))
            parts.append(Text(""))
        for i, row in enumerate(g.hessian or ()):
            for j, h in enumerate(row):
                if j >= i:
                    parts.append(self._print_Derivation(h, title=f"Hessian entry ({i + 1},{j + 1})", closing=False))
                    parts.append(Text(""))
        names = ", ".join(utext(v) for v in g.variables)
        comps = ", ".join(utext(c) for c in g.shown_gradient)
        parts.append(Text.assemble(("Gradient: ", "bold"), (f"∇f({names}) = ({comps})", "bold green")))
        hm = g.shown_hessian
        if hm is not None:
            rows = "; ".join(", ".join(utext(e) for e in hm.row(i)) for i in range(hm.rows))
            parts.append(Text.assemble(("Hessian: ", "bold"), (f"[{rows}]", "bold green")))
        parts.append(self.verdict_line(g.verdict))
        return Group(*parts)

    # -- matrix derivations --------------------------------------------------------------------
    def matrix_chain(self, steps: tuple[MatStep, ...], lhs: str) -> Table:
        table = chain_table()
        if steps:
            table.add_row(Text(lhs), Text(utext_m(steps[0].before), style="bold"), Text(""), Text(""))
        for s in steps:
            table.add_row(Text("="), Text(utext_m(s.after)), Text(s.justification), self.mark(s.certificate))
        return table

    def _print_MatGradient(self, g: MatGradient, closing: bool = True) -> RenderableType:
        x = utext_m(g.wrt)
        parts: list[RenderableType] = []
        if g.shapes:
            parts.append(Text("where " + "; ".join(d.describe() for d in g.shapes), style="dim"))
        parts.append(self.matrix_chain(g.steps, "df"))
        parts.append(Text.assemble(("Gradient: ", "bold"), (f"∇_{x} f = {utext_m(g.gradient)}", "bold green")))
        if g.hessian is not None:
            parts.append(Text(""))
            parts.append(self.matrix_chain(g.hessian_steps, "d(∇f)"))
            parts.append(Text.assemble(("Hessian: ", "bold"), (f"∇²_{x} f = {utext_m(g.hessian)}", "bold green")))
        if g.definiteness is not None:
            parts.append(Text.assemble(("Curvature: ", "bold"), g.definiteness.describe()))
        eigen = g.stationary.eigen if g.stationary is not None else None
        if g.stationary is not None and eigen is not None:
            a, lam = eigen
            v, lt = utext_m(g.wrt), utext(lam)
            rayleigh = (f"; where {v}ᵀ{v} = 1, {v}ᵀ·{utext_m(a)}·{v} = {lt}, so on the unit sphere the maximum of "
                        f"{v}ᵀ·{utext_m(a)}·{v} is the largest eigenvalue, at its eigenvector (Rayleigh)"
                        if getattr(a, "symmetric", False) else "")
            parts.append(Text.assemble(("Stationary points: ", "bold"),
                                       f"∇f = 0 ⇔ {utext_m(a)}·{v} = {lt}·{v}: ",
                                       (f"{v} = 0, or {v} an eigenvector of {utext_m(a)} for the eigenvalue {lt}",
                                        "bold green"), rayleigh))
            parts.append(self.visit(Check("gradient vanishes at an eigenpair (the top one of each draw)", g.stationary.certificate)))
        elif g.stationary is not None:
            s = g.stationary
            parts.append(Text.assemble(("Stationary point: ", "bold"),
                                       f"∇f = 0 ⇔ {utext_m(s.equation_lhs)} = {utext_m(s.equation_rhs)}, so ",
                                       (f"{x}̂ = {utext_m(s.solution)}", "bold green"),
                                       f" when {utext_m(s.invertible)} is invertible"
                                       + (f" ({s.when})" if s.when else "")))
            parts.append(self.visit(Check("gradient vanishes there", s.certificate)))
        for note in g.notes:
            parts.append(Text(f"Note: {note}", style="dim"))
        parts += [self.visit(c) for c in g.checks if c.required]
        parts += [self.reference(c) for c in g.checks if not c.required]
        if closing:
            parts.append(self.verdict_line(g.verdict))
        return Group(*parts)

    def _print_MatGradients(self, gs: MatGradients) -> RenderableType:
        """Each partial as a gradient of its own, then the stationary system solved jointly."""
        parts: list[RenderableType] = []
        if gs.shapes:
            parts.append(Text("where " + "; ".join(d.describe() for d in gs.shapes), style="dim"))
        for g in gs.parts:
            parts.append(Text(f"Gradient in {utext_m(g.wrt)}", style="bold underline"))
            parts.append(self._print_MatGradient(g, closing=False))
            parts.append(Text(""))
        if gs.joint is not None:
            parts.append(Text("Stationary point, jointly:", style="bold"))
            for var, value, own, used in gs.joint.solved:
                v = utext_m(var)
                head = f"  ∇_{v} f = 0 gives {v}̂ = {utext_m(own)}"
                if used:
                    names = ", ".join(f"{u} = {u}̂" for u in (utext_m(gs.part(n).wrt) for n in used))
                    parts.append(Text.assemble(head, f"; with {names}: ", (f"{v}̂ = {utext_m(value)}", "bold green")))
                else:
                    parts.append(Text.assemble(f"  ∇_{v} f = 0 gives ", (f"{v}̂ = {utext_m(value)}", "bold green")))
            parts.append(self.visit(gs.joint_check))
        for note in gs.notes:
            parts.append(Text(f"Note: {note}", style="dim"))
        parts.append(self.verdict_line(gs.verdict))
        return Group(*parts)

    def _print_MatJacobian(self, j: MatJacobian) -> RenderableType:
        """The chain of differentials, then J in numerator layout, said beside it."""
        x = utext_m(j.wrt)
        parts: list[RenderableType] = []
        if j.shapes:
            parts.append(Text("where " + "; ".join(d.describe() for d in j.shapes), style="dim"))
        parts.append(self.matrix_chain(j.steps, "d vec(f)" if j.vec else "df"))
        what = f"∂vec(f)/∂vec({x})ᵀ" if j.vec else f"∂f/∂{x}ᵀ"
        parts.append(Text.assemble(("Jacobian: ", "bold"), (f"{what} = {utext_m(j.jacobian)}", "bold green")))
        parts.append(Text(j.layout[:1].upper() + j.layout[1:], style="dim"))
        for note in j.notes:
            parts.append(Text(f"Note: {note}", style="dim"))
        parts += [self.visit(c) for c in j.checks if c.required]
        parts += [self.reference(c) for c in j.checks if not c.required]
        parts.append(self.verdict_line(j.verdict))
        return Group(*parts)

    # -- least squares -------------------------------------------------------------------------
    def _print_LsSolution(self, s: LsSolution) -> RenderableType:
        x = utext_m(s.derivation.wrt)
        parts: list[RenderableType] = [Text(s.model.title.capitalize(), style="bold underline"),
                                       self._print_MatGradient(s.derivation, closing=False)]
        if s.kkt_system:
            system = ", ".join(f"{utext_m(lhs)} = {utext_m(rhs)}" for lhs, rhs in s.kkt_system)
            parts.append(Text.assemble(("The KKT system ", "bold"), "(stationarity in both variables): ", system))
        if s.solve_steps:
            parts.append(Text("solved by substitution:", style="bold"))
        parts += [self.visit(c) for c in s.solve_steps]
        parts.append(Text.assemble(("Estimator: ", "bold"), (f"{x}̂ = {utext_m(s.estimator)}", "bold green")))
        parts += [Text(f"  when {cond}") for cond in s.conditions]
        parts += [self._print_Consequence(c, head="consequence: ") for c in s.consequences]
        parts += [self.visit(c) for c in s.checks]
        if s.data_fit is not None:
            parts += self.visit(s.data_fit)
        parts.append(self.verdict_line(s.verdict, skipped_summary(s.data_fit)))
        return Group(*parts)

    def _print_Consequence(self, c: Consequence, head: str = "") -> Text:
        v = c.certificate
        return Text.assemble((f"{v.mark} ", STYLES[v.word]), (head, "bold"),
                             f"{c.name}: {utext_m(c.lhs)} = {utext_m(c.rhs)}")

    def _print_DataFit(self, fit: DataFit) -> list[RenderableType]:
        """The design, the method, X's condition and rank, the notes, the fit beside the reference, the checks."""
        parts: list[RenderableType] = []
        used = "" if fit.rows_used in (None, fit.rows) else f", {fit.rows_used} used"
        if fit.design:
            groups = []
            for names, source in fit.design_groups():
                shown = ", ".join(names) if len(names) <= 4 else f"{names[0]}, {names[1]}, …, {names[-1]}"
                groups.append(shown if source in names and len(names) == 1 else f"{shown} from {source}")
            parts.append(Text.assemble(("Design: ", "bold"), f"X is {fit.rows_used or fit.rows} × {len(fit.columns)}"
                                       f" with columns {'; '.join(groups)}"))
            if fit.design_head:
                parts.append(_matrix_head(fit.design_head, fit.rows_used or fit.rows))
        if fit.method_text:
            parts.append(Text.assemble(("Method: ", "bold"), fit.method_text))
        if fit.condition is not None:
            rank = "" if fit.rank is None else f"; rank {fit.rank} of {len(fit.columns)}" + (
                " (full)" if fit.rank == len(fit.columns) else "")
            parts.append(Text.assemble(("Conditioning: ", "bold"),
                                       f"cond(X) = {_cond(fit.condition)} in the 2-norm ({_cond(fit.condition_unit)} with "
                                       f"unit-length columns){rank}"))
        parts += [Text(f"Note: {note}", style="yellow" if note.startswith("X is ill") else "") for note in fit.notes]
        table = Table(title=f"Fit to {fit.rows} rows{used}", show_header=True)
        table.add_column("coefficient", overflow="fold")
        table.add_column("derived formula", justify="right", overflow="fold")
        table.add_column(fit.reference_name, justify="right", overflow="fold")
        for name, a, b in zip(fit.columns, fit.estimate, fit.reference):
            table.add_row(name, f"{a:.15g}", f"{b:.15g}")
        parts += [table, Text(f"largest difference: {fit.max_abs_difference:.2e}")]
        parts += [self.visit(c) for c in fit.checks if c.required]
        parts += [self.reference(c) for c in fit.checks if not c.required]
        if fit.summary is not None:
            parts += self.visit(fit.summary)
        return parts

    # -- the regression summary ------------------------------------------------------------------
    def _print_RegressionSummary(self, s: RegressionSummary) -> list[RenderableType]:
        """The formulas (each with its mark), the checks of the numbers, the coefficient table, RSE, R² and F."""
        if s.not_computed:
            return [Text.assemble(("Regression summary: ", "bold"),
                                  (f"– not computed ({s.not_computed})", STYLES["not computed"]))]
        b = utext(sp.Symbol(s.name("b")))
        cov = "I" if s.error_cov is None else utext_m(s.error_cov)
        out: list[RenderableType] = [
            Text(f"Regression summary: {METHODS[s.method]}", style="bold underline"),
            Text(f"{s.name('y')} = {s.name('X')}·{b} + {utext(sp.Symbol(s.name('epsilon')))} with E[ε] = 0 and "
                 f"Var(ε) = σ²·{cov}; normal errors for the t and F distributions"
                 .replace("ε", utext(sp.Symbol(s.name("epsilon")))).replace("σ", utext(sp.Symbol(s.name("sigma")))),
                 style="dim")]
        table = chain_table()
        names = StatText(s.display_names())
        for st in s.steps:
            label = summary_label(st.kind, b, s)
            mark = self.mark(st.certificate)
            if not st.chain:
                table.add_row(Text(label), Text(summary_claim(st.kind, b, s)), Text(st.justification), mark)
                continue
            shown = [names.text(c) if st.scalar else utext_m(c) for c in st.chain]
            table.add_row(Text(label), Text(f"= {shown[0]}"), Text(st.justification), mark)
            for c in shown[1:]:
                table.add_row(Text(""), Text(f"= {c}"), Text(""), Text(""))
        out.append(table)
        defs = [f"{utext_m(sym)} = {utext_m(val)}" for sym, val in reversed(s.definitions)
                if s.intercept or sym.name != s.name("ybar")]
        defs += [f"{names.text(k)} = {names.text(v)}" for k, v in s.scalar_definitions
                 if any(st.scalar and any(c.has(k) for c in st.chain) for st in s.steps)]
        out.append(Text("where " + "; ".join(defs) + " (Student's t and Fisher's F densities)", style="dim"))
        sig = utext(sp.Symbol(s.name("sigma")))
        gram = utext_m(s.gram_inverse)
        what = (f"so {sig}̂² = RSS/(n − p), se({b}̂ⱼ) = {sig}̂·√[{gram}]ⱼⱼ and tⱼ = {b}̂ⱼ/se({b}̂ⱼ) on ν = n − p "
                f"degrees of freedom")
        if s.r_squared is not None:
            what += f"; R² = 1 − RSS/TSS = MSS/(MSS + RSS), {R2_ABOUT[s.r_squared_about]}"
        out.append(Text(what))
        out += [self.visit(c) for c in s.checks]
        out.append(self.coefficient_table(s))
        out += [Text(line) for line in summary_lines(s)]
        out += [Text(f"Note: {n}", style="dim") for n in s.notes]
        return out

    def coefficient_table(self, s: RegressionSummary) -> Table:
        """Estimate, Std. Error, t value, Pr(>|t|), as R prints them (p below 2e-16 as "< 2e-16")."""
        table = Table(title=f"Coefficients (n = {s.n}, p = {s.p})", box=None, show_header=True, header_style="bold",
                      pad_edge=False)
        table.add_column("", overflow="fold")
        for head in ("Estimate", "Std. Error", "t value", "Pr(>|t|)"):
            table.add_column(head, justify="right", no_wrap=True)
        for r in s.rows:
            table.add_row(r.name, number(r.estimate, 7), number(r.std_error, 7), number(r.t_value, 4),
                          pvalue(r.p_value))
        return table

    # -- simple regression in summation form ---------------------------------------------------
    def _print_SimpleSolution(self, sol: SimpleSolution) -> RenderableType:
        p = SumText(sol.display_names())
        nm = sol.names
        parts: list[RenderableType] = [
            Text(f"Simple linear regression {nm.y}_i = {nm.a} + {nm.b}·{nm.x}_i", style="bold underline"),
            Text(f"Minimize S({nm.a}, {nm.b}) = {p.text(sol.objective)} over {nm.a} and {nm.b} "
                 f"(sums over i = 1, ..., n)"),
        ]
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column("line", ratio=3, overflow="fold")
        table.add_column("rule", ratio=2, style="dim", overflow="fold")
        table.add_column("check", no_wrap=True)
        section = ""
        for step in sol.steps:
            if step.section != section:
                section = step.section
                table.add_row(Text(section.capitalize(), style="bold"), "", "")
            relation = "⇔" if step.relation == "<=>" else "="
            table.add_row(Text(f"{p.text(step.lhs)} {relation} {p.text(step.rhs)}"), Text(step.rule),
                          self.mark(step.certificate))
        parts.append(table)
        b, a = sol.symbols["bhat"], sol.symbols["ahat"]
        parts.append(Text.assemble(("Estimator: ", "bold"),
                                   (f"{p.text(b)} = {p.text(sol.slope)},  {p.text(a)} = {p.text(sol.intercept)}",
                                    "bold green")))
        defs = ", ".join(f"{p.text(k)} = {p.text(v)}" for k, v in sol.definitions)
        parts.append(Text(f"  where {defs}, sums over i = 1, ..., n"))
        parts += [Text(f"  when {cond}") for cond in sol.conditions]
        for step in sol.steps:
            if not step.certified:
                parts.append(Text(f"✗ {step.rule}: symbolic: {step.proof.describe()}; numeric: "
                                  f"{step.probe.describe()}", style="red"))
        parts += [self.visit(c) for c in sol.checks]
        if sol.data_fit is not None:
            parts += self.visit(sol.data_fit)
        parts.append(self.verdict_line(sol.verdict, skipped_summary(sol.data_fit)))
        return Group(*parts)

    # -- maximum likelihood ----------------------------------------------------------------------
    def _print_MleDerivation(self, d: MleDerivation) -> RenderableType:
        parts: list[RenderableType] = [Text(f"Maximum likelihood: {d.problem.source}", style="bold underline"),
                                       Text(f"parameters {', '.join(p.name for p in d.problem.params)}; "
                                            f"support {d.problem.support.describe()}")]
        table = Table(show_header=False, box=None, padding=(0, 1))
        table.add_column("claim", ratio=3, overflow="fold")
        table.add_column("why", ratio=2, style="dim", overflow="fold")
        table.add_column("", no_wrap=True)
        for st in d.steps:
            title = f"MLE of {sample_text(st.function)}" if st.kind == "invariance" and st.function is not None \
                else st.title  # the function as the LaTeX shows it, not as typed
            table.add_row(Text.assemble((title + "\n", "bold"), self.mle_claim(st, d)), Text(st.reason),
                          self.mark(st.certificate))
        parts.append(table)
        for p, v in zip(d.problem.params, d.estimator):
            shown = sample_text(v) if v is not None else "no closed form"
            parts.append(Text.assemble(("Estimator: ", "bold"), (f"{hat_text(sample_text(p))} = {shown}", "bold green")))
        parts += [Text(f"  the estimate only when {sample_text(rel)} (in the parameter space)")
                  for rel in d.condition_relations]
        parts += [Text(f"  {hat_text(sample_text(p))} = {sample_text(v)} when {_when(c)}" if v is not None else
                       f"  no maximum (no {hat_text(sample_text(p))}) when {_when(c)}") for p, v, c in d.cases]
        parts.append(Text.assemble(("Second-order check: ", "bold"), d.second_order))
        parts += [Text(f"note: {n}", style="italic") for n in d.notes]
        parts += [self.visit(c) for c in d.checks]
        if d.iterates:
            it = Table(title=f"{d.iteration_method} on the data", show_header=True)
            it.add_column("k", justify="right", overflow="fold")
            for p in d.problem.params:
                it.add_column(p.name, justify="right", overflow="fold")
            it.add_column("log-likelihood", justify="right", overflow="fold")
            for row in d.iterates:
                it.add_row(str(row.k), *(f"{v:.10g}" for v in row.values), f"{row.loglik:.10g}")
            parts.append(it)
        if d.data is not None:
            fit = d.data
            est = Table(title=f"Estimates on {fit.file} (column {fit.column}, n = {fit.n}; {fit.method})",
                        show_header=True)
            for head in ("parameter", "estimate", "s.e. (observed information)", "s.e. (expected information)"):
                est.add_column(head, justify="left" if head == "parameter" else "right", overflow="fold")
            for e in fit.estimates:
                est.add_row(hat_text(sample_text(sp.Symbol(e.param))), f"{e.value:.10g}",
                            "–" if e.se_observed is None else f"{e.se_observed:.6g}",
                            "–" if e.se_expected is None else f"{e.se_expected:.6g}")
            parts.append(est)
        skipped = tuple(c.name for c in d.checks if not c.required and isinstance(c.certificate, NotComputed))
        parts.append(self.verdict_line(d.verdict, skipped))
        return Group(*parts)

    def mle_claim(self, s: MleStep, d: MleDerivation) -> str:
        """One line's claim in Unicode: ``ℓ(p) = ...``, ``∂ℓ/∂p = 0 ⇒ p̂ = ...``, ``I(p) = ...``."""
        params = d.problem.params
        rhs = sample_text(hatted(s.rhs, params) if s.relation == "at_estimate" else
                          hatted(s.rhs, params, "k") if s.relation == "update" else s.rhs)
        if s.relation == "root":
            return f"{sample_text(s.lhs)} = 0  ⇒  {hat_text(sample_text(s.param))} = {rhs}"
        lhs = self.mle_lhs(s, d)
        return f"{lhs} = {rhs}" if lhs else rhs

    def mle_lhs(self, s: MleStep, d: MleDerivation) -> str:
        params = d.problem.params
        theta = ", ".join(sample_text(p) for p in params)
        one = len(params) == 1
        if s.kind == "likelihood":
            return f"L({theta})"
        if s.kind == "loglik" and isinstance(s.lhs, sp.log):
            return f"ℓ({theta}) = log L({theta})"
        if isinstance(s.lhs, sp.Derivative):
            return sample_text(s.lhs)
        if s.relation == "at_estimate":
            at = hat_text(sample_text(params[0])) if one else "θ̂"
            return ("−" if s.kind == "fisher" else "") + ("ℓ″" if one else "∇²ℓ") + f"({at})"
        if s.relation == "expected":
            return f"E[{hat_text(sample_text(s.param))}]" if s.kind == "bias" and s.param is not None else f"I({theta})"
        if s.relation == "asymptotic":
            return f"Var({hat_text(sample_text(params[0]))})" if one else "Var(θ̂)"
        if s.relation == "update":
            return sample_text(hatted(s.lhs, params, "next")).replace("_next", "ₖ₊₁") if s.lhs is not None else ""
        if s.kind == "bias" and s.param is not None:
            return f"E[{hat_text(sample_text(s.param))}] − {sample_text(s.param)}"
        if s.kind == "invariance" and s.function is not None:
            return hat_text(sample_text(s.function))
        if isinstance(s.lhs, sp.Symbol) and (s.lhs in params or s.kind == "estimator"):
            return hat_text(sample_text(s.lhs))
        return "" if s.lhs is None else sample_text(s.lhs)

    # -- checked derivations -------------------------------------------------------------------
    def _print_CheckReport(self, r: CheckReport) -> RenderableType:
        """The user's derivation as typed, line by line, each step with its mark; under a step that is
        not certified, how it was read, the counterexample, the hint and the expected right side."""
        counts = r.counts
        summary = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
        parts: list[RenderableType] = [Text.assemble(("Checking ", "bold"), (r.file, "bold"),
                                                     f": {len(r.steps)} step{'' if len(r.steps) == 1 else 's'} ({summary or 'none'})")]
        if r.declarations:
            parts.append(Text("declared: " + ", ".join(r.declarations), style="dim"))
        parts += [Text(f"defined (line {d.line}): {d.name} := {d.body}" if d.kind == "definition" else
                       f"condition (line {d.line}): {d.name} = {d.body}", style="dim") for d in r.definitions]
        table = Table(show_header=False, box=None, padding=(0, 1), expand=False)
        table.add_column(no_wrap=True, style="dim")
        table.add_column(no_wrap=True)
        table.add_column(overflow="fold")
        table.add_column(no_wrap=True)
        chain = 0
        first = r.first_error
        for step in r.steps:
            if step.chain != chain:
                chain = step.chain
                table.add_row(Text(f"line {step.lhs_line}"), Text(""), Text(step.lhs_latex, style="bold"), Text(""))
                read = _read_as(step.lhs_latex, step.read_lhs)
                if read:
                    table.add_row(Text(""), Text(""), Text(read, style="dim"), Text(""))
            style = "bold red" if step is first else ""
            table.add_row(Text(f"line {step.line}"), Text(_RELATION_TEXT.get(step.relation, step.relation)),
                          Text(step.rhs_latex + (" + const" if step.up_to_constant else ""), style=style),
                          self.mark(step.certificate))
            for detail in self._details(step):
                table.add_row(Text(""), Text(""), detail, Text(""))
        parts.append(table)
        parts += [Text(f"Note: {n}", style="dim") for n in r.notes]
        parts.append(self._check_closing(r))
        return Group(*parts)

    def _print_FolderReport(self, r: FolderReport) -> RenderableType:
        """One row per file: its verdict, its steps by status, its first error (line and hint)."""
        table = Table(title=f"Checked {len(r.files)} files in {r.folder}", show_header=True)
        for name in ("file", "verdict", "steps", "first error"):
            table.add_column(name, overflow="fold")
        for f in r.files:
            table.add_row(*_folder_row(f))
        counts = ", ".join(f"{v} {k}" for k, v in r.counts.items() if v)
        return Group(table, Text(f"Summary: {counts}", style="bold"))

    def _details(self, step: CheckedStep) -> list[RenderableType]:
        out: list[RenderableType] = []
        read = _read_as(step.rhs_latex, step.read_rhs)
        if read:
            out.append(Text(read, style="dim"))
        if step.note:
            out.append(Text(f"({step.note})", style="dim"))
        if step.certificate.certified:
            return out
        example = step.counterexample
        if example is not None:
            left, right = example.pop("left side"), example.pop("right side")
            where = ", ".join(f"{k} = {v}" for k, v in example.items())
            out.append(Text(f"counterexample: at {where}: left side {left}, right side {right}"))
        else:
            out.append(Text(step.certificate.describe()))
        if step.hint is not None:
            out.append(Text(f"hint: {self._print_Hint(step.hint)}", style="bold"))
        if step.expected is not None:
            out.append(Text(f"expected: {check_text(step.expected)}"))
        if step.worked is not None:  # a scalar Derivation or a matrix MatGradient, each by its own method
            out.append(Text("derived by derive:", style="bold underline"))
            out.append(getattr(self, f"_print_{type(step.worked).__name__}")(step.worked, closing=False))
        return out

    def _print_Hint(self, h: Hint) -> str:
        """The slip in plain words, its mathematics in Unicode."""
        return hint_text(h.parts)

    def _check_closing(self, r: CheckReport) -> Text:
        first = r.first_error
        if first is not None:
            reason = f"step {first.index} (line {first.line}) is refuted" + (
                f": {self._print_Hint(first.hint)}" if first.hint is not None else "")
            return Text(f"✗ NOT certified: {reason}", style="bold red")
        if r.outcome == "correct":
            return Text(f"✓ certified: every step of {r.file} holds", style="bold green")
        open_steps = [s for s in r.steps if not s.certificate.certified]
        which = ", ".join(f"line {s.line}" for s in open_steps[:6]) + (" ..." if len(open_steps) > 6 else "")
        reason = f"no step is refuted, but {len(open_steps)} could not be decided ({which})" if open_steps else \
            "no steps found"
        return Text(f"? NOT certified: {reason}", style="bold yellow")


def _read_as(typed: str, read: str | None) -> str:
    """``read as ...`` in compact LaTeX where the reading says more than the typed side ("" where it
    only repeats it, up to spacing), so a misreading stays visible without echoing every line."""
    if read is None:
        return ""
    compact = compact_latex(read)
    return "" if same_latex(typed, compact) else f"read as {compact}"


def _folder_row(f: Any) -> tuple[Text, Text, Text, Text]:
    from derive.checker.model import CheckReport

    if not isinstance(f, CheckReport):
        return Text(f.file), Text("✗ failed", style="bold red"), Text(""), Text(f.error)
    style = {"correct": "green", "incorrect": "bold red"}.get(f.outcome, "yellow")
    mark = {"correct": "✓", "incorrect": "✗"}.get(f.outcome, "?")
    steps = " ".join(f"{v} {k}" for k, v in f.counts.items() if v) or "no steps"
    first = f.first_error
    where = "" if first is None else f"line {first.line}" + (f": {hint_text(first.hint.parts)}" if first.hint is not None else "")
    return Text(f.file), Text(f"{mark} {f.outcome}", style=style), Text(steps), Text(where)


_RELATION_TEXT = {"=": "=", "<=": "≤", ">=": "≥", "<": "<", ">": ">", "propto": "∝", "iff": "⇔", "implies": "⇒",
                  "approx": "≈", "!=": "≠"}

def _when(c: sp.Basic) -> str:
    """A condition as text: ``x̄ > 0 and x̄ <= 1/2`` for a conjunction."""
    return " and ".join(sample_text(a) for a in c.args) if isinstance(c, sp.And) else sample_text(c)


def _cond(value: float | None) -> str:
    """A condition number as text: 1.2e+34, or "beyond 1e+308" past double precision's range."""
    import math

    return "unknown" if value is None else f"{value:.2g}" if math.isfinite(value) else "beyond 1e+308"


def _matrix_head(rows: tuple[tuple[float, ...], ...], total: int) -> Text:
    """The first rows of X as an aligned bracketed block, with a row of dots when X has more."""
    cells = [[f"{v:.6g}" if abs(v) != float("inf") else "overflow" for v in row] for row in rows]
    width = [max(len(r[j]) for r in cells) for j in range(len(cells[0]))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, width)) for r in cells]
    if total > len(rows):
        lines.append("  ".join("⋮".rjust(w) for w in width))
    pad = "    "
    out = [f"{'X = ' if i == 0 else pad}[ {line} ]" for i, line in enumerate(lines)]
    return Text("\n".join("  " + o for o in out))
