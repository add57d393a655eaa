"""LaTeX: ``align*`` chains with a justification column (``aligned`` and no text boxes for MathJax).

``part`` picks what to print: ``chain`` (the derivation), ``result`` (the results alone in math
mode: the boxed line of a worked solution), ``all`` (the chain, then the results displayed) or
``question`` (what is asked, in math mode, with no part of the answer: a student version's problem; for a
checked derivation, the derivation as typed, step by step, in text mode, with no verdict).
The maths is printed here; the prose around it lives in the handout templates.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import sympy as sp

from derive.core.contract import Certificate, NotComputed, Refuted
from derive.core.errors import UsageError
from derive.render.notation.order import keeps_typed_order
from derive.render.escape import tex_line
from derive.render.base import FormatPrinter
from derive.render.layout import INDENT, MEASURE, SIDE, break_formula, width
from derive.render.notation.latex import StatLatex, SumLatex, sample_tex, tex
from derive.render.notation.sample import hatted

if TYPE_CHECKING:  # the models are walked, not imported: a scalar result loads no matrix or MLE module
    from derive.checker.model import CheckReport, FolderReport
    from derive.likelihood.model import MleDerivation, MleStep
    from derive.lsq.model import Consequence, DataFit, LsSolution, RegressionSummary
    from derive.lsq.simple_model import SimpleSolution, SumStep
    from derive.matrix import expr as M
    from derive.matrix.model import MatGradient, MatGradients, MatJacobian, MatRule, MatStep, Stationary
    from derive.scalar.model import Derivation, DiffStep, Gradient, Rule

_PARTS = ("all", "chain", "result", "question")
_SIDE_WIDTH = 48
"""Plain-text length above which a matrix chain puts its reasons under the lines instead of beside them."""
_LINE_WIDTH = 64
"""Plain-text length at which a long matrix sum breaks onto a new line."""
_WIDE = 110
"""LaTeX of a sum over the sample longer than this (in characters) breaks at its top-level signs."""


def text_to_math(text: str) -> str:
    """Text-mode LaTeX with $...$ maths, as maths mode: \\text{...} pieces around the formulas."""
    parts = text.split("$")
    return "".join((rf"\text{{{p}}}" if p else "") if i % 2 == 0 else p for i, p in enumerate(parts))


_PACKAGES = (("amssymb", ("\\mathbb", "\\mathfrak", "\\lesssim", "\\gtrsim", "\\varnothing", "\\square")),
             ("xcolor", ("\\color", "\\textcolor")))


def packages_comment(latex: str) -> str:
    """The leading comment of ``--format latex``: the packages the output needs beyond the LaTeX kernel."""
    needed = ["amsmath"] + [name for name, commands in _PACKAGES if any(c in latex for c in commands)]
    return ("% derive LaTeX output; needs \\usepackage{" + ",".join(needed) + "}"
            + (" (xcolor for the grey reasons under long lines)" if "xcolor" in needed else ""))


def certificate_mark(c: Certificate) -> str:
    """Certified lines carry no mark; anything else is labelled (refuted, not computed and why, not certified)."""
    if c.certified:
        return ""
    if isinstance(c, Refuted):
        return r" \textbf{(refuted)}"
    if isinstance(c, NotComputed):
        return rf" \textbf{{({tex_line(c.describe())})}}"
    return r" \textbf{(not certified)}"


def aligned(rows: list[str]) -> str:
    """Math-mode rows (``lhs &= rhs``) in one ``aligned`` block: the results of a derivation."""
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a displayed chain: ``lhs rel rhs``, its reason (text-mode LaTeX) beside or under it.

    ``lhs`` may be empty (a continued chain); ``rel`` empty prints ``rhs`` alone; ``gap`` starts a new
    chain inside the same display (a higher derivative) with a little space above.
    """

    lhs: str
    rhs: str
    rel: str = "="
    why: str | None = None
    gap: bool = False


_GAP = "\\noalign{\\vskip 6pt}\n"
_HANG = "\\hspace{-2em}"
"""A left side alone on its line hangs left of the relations under it (as mathtools' ``\\MoveEqLeft``)."""


def tag_reason(why: str, side: str = "0.34") -> str:
    """A reason as the row's tag: amsmath sets it at the right margin where it fits beside the row,
    else on its own line under it, so each row gets the placement it has room for."""
    return rf"\tag*{{\parbox[t]{{{side}\linewidth}}{{\raggedright\small {why}}}}}"


def chain_layout(rows: list[Row], env: str = "align*", side: str = "0.34") -> str:
    """A chain as a display that fits the handout's measure (``layout.MEASURE``).

    Three layouts, the first that fits: each line ``lhs = rhs`` with its reason beside it; the
    left side alone on a line above and each ``= rhs`` under it with its reason beside it; the
    left side above, long right sides broken before a top-level sign onto indented rows, and
    each reason under its line in a paragraph box (so it wraps).
    """
    def rel(r: Row) -> str:
        return f"{r.rel} " if r.rel else ""

    def col(why: str) -> str:
        return rf"\parbox[t]{{{side}\linewidth}}{{\raggedright\small {why}}}"

    lw = max((width(r.lhs) for r in rows), default=0.0)
    rw = max((width(rel(r) + r.rhs) for r in rows), default=0.0)
    reasons = any(r.why is not None for r in rows)
    beside = SIDE if reasons else 0.0
    out: list[str] = []
    if lw + rw + 0.5 + beside <= MEASURE:
        for r in rows:
            line = (_GAP if r.gap else "") + (f"{r.lhs}\n" if r.lhs else "") + f"  &{rel(r)}{r.rhs}"
            out.append(line + (f" && {col(r.why)}" if r.why is not None else ""))
    elif max(lw + INDENT, rw + 2 * INDENT) + beside <= MEASURE:  # the block centred, the left side hung
        for r in rows:
            head = (_GAP if r.gap else "") + (f"  &{_HANG}{r.lhs} \\\\\n" if r.lhs else "")
            line = f"{head}  &{rel(r)}{r.rhs}"
            out.append(line + (f" && {col(r.why)}" if r.why is not None else ""))
    else:
        for r in rows:
            left = break_formula(r.lhs, MEASURE - INDENT, MEASURE - 2 * INDENT) if r.lhs else []
            lines = [f"  &{_HANG}{p}" if k == 0 else f"  &\\quad {p}" for k, p in enumerate(left)]
            pieces = break_formula(r.rhs, MEASURE - 2 * INDENT - width(rel(r)), MEASURE - 3 * INDENT)
            lines.append(f"  &{rel(r)}{pieces[0]}")
            lines += [f"  &\\qquad {p}" for p in pieces[1:]]
            if r.why is not None:
                lines[-1] += " " + tag_reason(r.why, side)
            out.append((_GAP if r.gap else "") + " \\\\\n".join(lines))
    return f"\\begin{{{env}}}\n" + " \\\\\n".join(out) + f"\n\\end{{{env}}}"


def mtex(node: M.Node) -> str:
    """LaTeX of a matrix expression (the matrix notation loads with the first one printed)."""
    from derive.render.notation.matrix import mtex as matrix_tex

    return matrix_tex(node)


def broken(node: M.Node) -> list[str]:
    """LaTeX lines of a matrix expression: a long top-level sum breaks before a sign."""
    from derive.matrix import expr as M
    from derive.render.notation.matrix import MatLatex

    if not isinstance(node, M.Add) or len(M.plain(node)) <= _LINE_WIDTH:
        return [mtex(node)]
    printer = MatLatex()
    lines: list[str] = []
    current, width = "", 0
    for i, t in enumerate(M.positive_first(node.terms)):
        c, body = M.split_coeff(t)
        negative = c.could_extract_minus_sign() if not isinstance(t, M.Const) else t.value.could_extract_minus_sign()
        if isinstance(t, M.Const):
            piece = mtex(M.Const(-t.value) if negative else t)
        else:
            piece = printer.paren(M.scale(-c, body) if negative else t, M.PREC_ADD + 1)
        sign = "- " if negative else ("+ " if i else "")
        size = len(M.plain(t))
        if current and width + size > _LINE_WIDTH:
            lines.append(current)
            current, width = "", 0
        current += f" {sign}{piece}" if current or sign else piece
        width += size
    lines.append(current.strip())
    return lines


def sum_lines(p: SumLatex, e: Any) -> list[str]:
    """The LaTeX of a sum-over-the-sample expression, broken into lines at its top-level terms when it is long."""
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


def mle_rhs(s: MleStep, d: MleDerivation) -> sp.Basic:
    """The right side as printed: parameters hatted at the estimate, indexed k in an update."""
    params = d.problem.params
    if s.relation == "at_estimate":
        return hatted(s.rhs, params)
    if s.relation == "update":
        return hatted(s.rhs, params, "k")
    rhs: sp.Basic = s.rhs
    return rhs


def data_table(d: MleDerivation) -> str:
    """The estimates on the data with their standard errors, as an array in ``gather*`` (a handout's
    formulas may only open math environments)."""
    fit = d.data
    assert fit is not None

    def se(v: float | None) -> str:
        return "\\text{--}" if v is None else f"{v:.6g}"

    rows = [rf"\hat{{{sample_tex(sp.Symbol(e.param))}}} & {e.value:.10g} & {se(e.se_observed)} & "
            rf"{se(e.se_expected)} \\" for e in fit.estimates]
    title = tex_line(f"Estimates on {fit.file} (column {fit.column}, n = {fit.n}; {fit.method})")
    return "\n".join([
        r"\begin{gather*}",
        rf"\text{{{title}}} \\",
        r"\begin{array}{lrrr}",
        r"\text{parameter} & \text{estimate} & \text{s.e. (observed information)} & "
        r"\text{s.e. (expected information)} \\ \hline",
        *rows,
        r"\end{array}",
        r"\end{gather*}"])


def mle_lhs(s: MleStep, d: MleDerivation) -> str:
    """The left side of a likelihood line as a textbook writes it (L, ell, the score, the information...)."""
    params = d.problem.params
    theta = ", ".join(sample_tex(p) for p in params)
    one = len(params) == 1
    if s.kind == "likelihood":
        return rf"L({theta})"
    if s.kind in ("loglik", "prior") and s.lhs is not None and isinstance(s.lhs, sp.log):
        return rf"\ell({theta}) = \log L({theta})"
    if isinstance(s.lhs, sp.Derivative):
        (v, k), = s.lhs.variable_count
        sq = "^2" if k == 2 else ""
        return rf"\frac{{\partial{sq} \ell}}{{\partial {sample_tex(v)}{sq}}}"
    if s.relation == "at_estimate":
        word = (r"-\ell''" if one else r"-\nabla^2 \ell") if s.kind == "fisher" else (r"\ell''" if one else r"\nabla^2 \ell")
        return rf"{word}(\hat{{{sample_tex(params[0])}}})" if one else rf"{word}(\hat\theta)"
    if s.relation == "expected":
        if s.kind == "bias":
            return rf"\mathbb{{E}}[\hat{{{sample_tex(s.param)}}}]" if s.param is not None else r"\mathbb{E}"
        return rf"\mathcal{{I}}({theta})"
    if s.relation == "asymptotic":
        return rf"\operatorname{{Var}}(\hat{{{theta}}})" if one else r"\operatorname{Var}(\hat\theta)"
    if s.relation == "update":
        return sample_tex(hatted(s.lhs, params, "next")) if s.lhs is not None else ""
    if s.kind == "bias" and s.param is not None:
        return rf"\mathbb{{E}}[\hat{{{sample_tex(s.param)}}}] - {sample_tex(s.param)}"
    if s.kind in ("solve", "estimator", "boundary", "subgradient") and isinstance(s.lhs, sp.Symbol):
        return rf"\hat{{{sample_tex(s.lhs)}}}"
    if s.kind == "invariance" and s.function is not None:
        return rf"\widehat{{{sample_tex(s.function)}}}"
    if s.kind == "invariance" and s.lhs is not None:
        return rf"\widehat{{\mathrm{{{tex_line(str(s.lhs))}}}}}"
    return "" if s.lhs is None else sample_tex(s.lhs)


METHOD_NAMES = {"ols": "ordinary least squares", "wls": "weighted least squares",
                "gls": "generalized least squares"}


def mtex_name(name: str) -> str:
    """A matrix symbol's name in LaTeX."""
    return tex(sp.Symbol(name))


def tex_number(v: float, digits: int) -> str:
    """``v`` with ``digits`` significant digits in LaTeX: 1.5 \\times 10^{-7}; \\infty, \\mathrm{NaN}."""
    if v != v:
        return r"\mathrm{NaN}"
    if v in (float("inf"), float("-inf")):
        return r"\infty" if v > 0 else r"-\infty"
    text = f"{v:.{digits}g}"
    mant, _, exp = text.partition("e")
    return rf"{mant} \times 10^{{{int(exp)}}}" if exp else text


def summary_label_tex(kind: str, b: str, s: RegressionSummary) -> str:
    """What a summary step's chain equals, in LaTeX."""
    X = mtex_name(s.name("X"))
    return {"mean": rf"\mathbb{{E}}[\hat{{{b}}}]", "variance": rf"\operatorname{{Var}}(\hat{{{b}}})", "residual": "e",
            "rss": r"\mathrm{RSS}", "expected_rss": r"\mathbb{E}[\mathrm{RSS}]", "t_pvalue": "p_j",
            "tss": r"\mathrm{TSS}", "adjusted": r"\bar{R}^{2}", "fstat": "F", "f_pvalue": "P(F > f)",
            "distribution": "", "gram_slope": rf"[({X}^{{\top}} {X})^{{-1}}]_{{22}}",
            "gram_intercept": rf"[({X}^{{\top}} {X})^{{-1}}]_{{11}}"}[kind]


def summary_claim_tex(b: str, s: RegressionSummary) -> str:
    """The distributions of t and F under normal errors, in LaTeX."""
    t = rf"t_j \sim t_{{n-p}} \text{{ when }} {b}_j = 0"
    if s.r_squared is None:
        return t
    d1 = "p - 1" if s.k else "p"
    return rf"{t};\ F \sim F_{{{d1},\,n-p}} \text{{ when the slopes are }} 0"


def summary_lines_plain(s: RegressionSummary) -> list[str]:
    """Residual standard error, R-squared and F in words and numbers (7 significant digits)."""
    def num(v: float) -> str:
        return f"{v:.7g}"

    def pv(p: float) -> str:
        return "< 2e-16" if p < 2.220446e-16 else f"{p:.3g}"

    out = [f"Residual standard error: {s.sigma_beyond_range(7) or num(s.sigma)} on {s.df_residual} degrees of freedom"]
    if s.r_squared is not None and s.adj_r_squared is not None:
        out.append(f"Multiple R-squared: {num(s.r_squared)}, Adjusted R-squared: {num(s.adj_r_squared)}")
    if s.f_statistic is not None and s.f_df is not None and s.f_p_value is not None:
        out.append(f"F-statistic: {num(s.f_statistic)} on {s.f_df[0]} and {s.f_df[1]} DF, p-value: {pv(s.f_p_value)}")
    return out


@dataclass(frozen=True, slots=True)
class Parts:
    """A result in LaTeX: its chains (display environments) and its results (math mode, one per line)."""

    chains: list[str]
    result: str
    display_result: bool = True
    """False when the chains already end in the result (a scalar derivation)."""


class Printer(FormatPrinter):
    """LaTeX of every result; ``mathjax`` for MathJax (Jupyter, Markdown): no ``\\parbox``, no ``$`` in maths."""

    format_name: ClassVar[str] = "latex"
    _default_settings: ClassVar[dict[str, Any]] = {"mathjax": False, "part": "all"}

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        if self.settings["part"] not in _PARTS:
            raise UsageError(f"unknown LaTeX part {self.settings['part']!r}", hint=f"choose {', '.join(_PARTS)}")
        self._partial = False

    @property
    def mathjax(self) -> bool:
        return bool(self.settings["mathjax"])

    def doprint(self, node: object) -> str:
        if self.settings["part"] == "question":
            return self.question(node)
        parts = self.visit(node)
        if not isinstance(parts, Parts):
            return str(parts)
        part = self.settings["part"]
        if part == "chain":
            return "\n".join(parts.chains)
        if part == "result":
            return parts.result
        if self.mathjax:  # one display per chain and per result (MathJax, Jupyter)
            shown = parts.chains + ([parts.result] if parts.display_result else [])
            return "\n\n".join(f"$$\n{c}\n$$" for c in shown)
        chain = "\n".join(parts.chains)
        return f"{chain}\n\\[\n{parts.result}\n\\]" if parts.display_result else chain

    def chain_and_result(self, node: object) -> tuple[str, str]:
        """What ``doprint`` gives for the ``chain`` part and for the ``result`` part of ``node``, from one walk
        of it (a worked solution prints both: walking twice would print every expression twice)."""
        parts = self.visit(node)
        if not isinstance(parts, Parts):
            return str(parts), str(parts)
        return "\n".join(parts.chains), parts.result

    def tex(self, expr: sp.Basic) -> str:
        """An expression in the current derivation's notation (partial d throughout a partial derivative)."""
        return tex(expr, partial=self._partial)

    @property
    def env(self) -> str:
        return "aligned" if self.mathjax else "align*"

    def _print_Certificate(self, c: Certificate) -> str:
        return certificate_mark(c)

    def column(self, why: str, width: str = "0.34") -> str:
        """A justification (text-mode LaTeX) as the right-hand column of a chain."""
        if self.mathjax:
            return r"\quad " + text_to_math(why)
        return rf"\parbox[t]{{{width}\linewidth}}{{\raggedright\small {why}}}"

    # -- questions: what a result answers, without the answer ----------------------------------
    def question(self, node: object) -> str:
        """What ``node`` answers, in math mode (``_question_<Class>`` along the MRO; none is an error); a
        checked derivation's question is the derivation itself, in text mode."""
        method = self.method_for(node, "_question_")
        if method is not None:
            return str(method(node))
        raise UsageError(f"a {type(node).__name__} has no question to print",
                         hint="a student version prints the question of derivations, gradients, least squares, "
                              "MLE and checked derivations")

    @keeps_typed_order
    def _question_Derivation(self, d: Derivation) -> str:
        """``d/dz [f(z)]``: the derivative asked for, unevaluated."""
        return tex(sp.Derivative(d.function, *d.wrt, evaluate=False))

    @keeps_typed_order
    def _question_Gradient(self, g: Gradient) -> str:
        """``grad f`` (and the Hessian) of ``f(x, y) = ...``."""
        asked = r"\nabla f" + (r" \text{ and } \nabla^{2} f" if g.hessian is not None else "")
        args = ", ".join(tex(v) for v in g.variables)
        return rf"{asked} \text{{ of }} f({args}) = {tex(g.function)}"

    def _question_MatGradient(self, g: MatGradient) -> str:
        """``grad_x f`` (the Hessian, the stationary point) of ``f(x) = ...``."""
        x = mtex(g.wrt)
        asked = rf"\nabla_{{{x}}} f" + (rf" \text{{ and }} \nabla^{{2}}_{{{x}}} f" if g.hessian is not None else "")
        if g.stationary is not None:
            asked += r" \text{ and the stationary points}"
        return rf"{asked} \text{{ of }} f({x}) = {mtex(g.function)}"

    def _question_LsSolution(self, s: LsSolution) -> str:
        """The estimator asked for: ``b-hat = argmin_b f(b)`` with the model's objective."""
        g = s.derivation
        b = mtex(g.wrt)
        asked = rf"\hat{{{b}}} = \operatorname*{{arg\,min}}_{{{b}}}\; {mtex(g.function)}"
        return asked + (r" \text{ (and on the data)}" if s.data_fit is not None else "")

    def _question_SimpleSolution(self, sol: SimpleSolution) -> str:
        """``(a-hat, b-hat) = argmin_{a,b} S(a, b)`` in summation form."""
        p = SumLatex(sol.display_names())
        s = sol.symbols
        a, b = p.doprint(s["a"]), p.doprint(s["b"])
        asked = (rf"(\hat{{{a}}}, \hat{{{b}}}) = \operatorname*{{arg\,min}}_{{{a},\, {b}}}\; "
                 rf"{p.doprint(sol.objective)}")
        return asked + (r" \text{ (and on the data)}" if sol.data_fit is not None else "")

    def _question_MleDerivation(self, d: MleDerivation) -> str:
        """The maximum-likelihood estimators of the parameters from an i.i.d. sample with the given density."""
        pr = d.problem
        params = r",\, ".join(sample_tex(p) for p in pr.params)
        hats = r",\, ".join(rf"\hat{{{sample_tex(p)}}}" for p in pr.params)
        data = ", ".join(sample_tex(v) for v in pr.data_vars)
        what = "mass function" if pr.discrete else "density"
        return (rf"{hats} \text{{ from an i.i.d. sample with {what} }} "
                rf"f({data};\, {params}) = {sample_tex(pr.density)}")

    # -- scalar derivations -------------------------------------------------------------------
    @keeps_typed_order
    def _print_Derivation(self, d: Derivation) -> Parts:
        notes = [self.note(n) for n in d.notes]
        return Parts([self.chain(d), *notes], self.statement(d), display_result=False)

    def note(self, text: str) -> str:
        """A note under a chain (what a limit cut): text in a paragraph, or a text row for MathJax."""
        if self.mathjax:
            return rf"\text{{Note: {tex_line(text)}}}"
        return rf"\par\noindent{{\small\emph{{Note:}} {tex_line(text)}}}"

    @staticmethod
    def statement(d: Derivation) -> str:
        """``d/dx f = result`` for a derivation."""
        return f"{tex(sp.Derivative(d.function, *d.wrt, evaluate=False))} = {tex(d.shown)}"

    def chain(self, d: Derivation) -> str:
        """The chain of ``d``: one row per step, a new chain headed by each higher derivative."""
        self._partial = len(d.function.free_symbols) > 1
        if not d.steps:
            return rf"\begin{{{self.env}}}{self.statement(d)}\end{{{self.env}}}"
        if not self.mathjax:
            held = "treat " + ", ".join(f"${self.tex(s)}$" for s in d.held) + " as constant; " if d.held else ""
            return chain_layout([Row(self.tex(step.before) if i == 0 or step.rule == "higher order" else "",
                                     self.tex(step.after), why=(held if i == 0 else "") + self.why(step),
                                     gap=i > 0 and step.rule == "higher order")
                                 for i, step in enumerate(d.steps)])
        out: list[str] = []
        for i, step in enumerate(d.steps):
            row = str(self.visit(step))
            if i == 0 and d.held:
                held = "treat " + ", ".join(f"${self.tex(s)}$" for s in d.held) + " as constant"
                row = rf"  &= {self.tex(step.after)} && {self.column(held + '; ' + self.why(step))}"
            if i == 0:
                out.append(f"{self.tex(step.before)}\n{row}")
            elif step.rule == "higher order":  # a new chain, headed by the higher derivative
                out.append(f"\n\\noalign{{\\vskip 6pt}}\n{self.tex(step.before)}\n{row}")
            else:
                out.append(f"\n{row}")
        body = " \\\\".join(out)
        return f"\\begin{{{self.env}}}\n{body}\n\\end{{{self.env}}}"

    def _print_DiffStep(self, step: DiffStep) -> str:
        return rf"  &= {self.tex(step.after)} && {self.column(self.why(step))}"

    def why(self, step: Any) -> str:
        """The step's rules in text-mode LaTeX, then its certificate's mark."""
        return "; ".join(dict.fromkeys(str(self.visit(r)) for r in step.rules)) + str(self.visit(step.certificate))

    def _print_Rule(self, r: Rule) -> str:
        return r.latex(self.tex)

    @keeps_typed_order
    def _print_Gradient(self, g: Gradient) -> Parts:
        rows = [rf"\nabla f &= {tex(g.shown_gradient)}"]  # the gradient over the Hessian, never side by side
        hm = g.shown_hessian
        if hm is not None:
            rows.append(rf"\nabla^2 f &= {tex(hm)}")
        result = aligned(rows) if len(rows) > 1 else rows[0].replace("&=", "=")
        chains = [self.chain(p) for p in g.partials]
        for i, row in enumerate(g.hessian or ()):
            chains += [self.chain(h) for j, h in enumerate(row) if j >= i]
        return Parts(chains, result)

    # -- matrix derivations --------------------------------------------------------------------
    def _print_MatGradient(self, g: MatGradient) -> Parts:
        """The gradient's chain, then the Hessian's; the results one per line."""
        chains = [self.matrix_chain(g.steps, r"\mathrm{d}f")]
        if g.hessian_steps:
            chains.append(self.matrix_chain(g.hessian_steps, r"\mathrm{d}(\nabla f)"))
        return Parts([c for c in chains if c], aligned(self.matrix_rows(g)))

    def matrix_rows(self, g: MatGradient, stationary: bool = True) -> list[str]:
        """The results of a matrix derivation, one aligned row each."""
        x = mtex(g.wrt)
        rows = [rf"\nabla_{{{x}}} f &= {mtex(g.gradient)}"]
        if g.hessian is not None:
            rows.append(rf"\nabla^2_{{{x}}} f &= {mtex(g.hessian)}")
        if not stationary:
            return rows
        if g.stationary is not None and g.stationary.eigen is not None:
            from derive.matrix import expr as M

            a, lam = g.stationary.eigen
            rows.append(rf"{mtex(a)} {x} &= {mtex(M.const(lam))} {x} && \text{{${x} = 0$ or an eigenvector of ${mtex(a)}$}}")
        elif g.stationary is not None:
            rows.append(rf"\hat{{{x}}} &= {mtex(g.stationary.solution)}")
        return rows

    def _print_MatGradients(self, gs: MatGradients) -> Parts:
        """Each partial's chains in turn; the results, then the joint stationary point, one per line."""
        chains: list[str] = []
        rows: list[str] = []
        for g in gs.parts:  # d_μ f: the differential in that variable, the others held fixed
            x = mtex(g.wrt)
            chains.append(self.matrix_chain(g.steps, rf"\mathrm{{d}}_{{{x}}} f"))
            if g.hessian_steps:
                chains.append(self.matrix_chain(g.hessian_steps, rf"\mathrm{{d}}(\nabla_{{{x}}} f)"))
            rows += self.matrix_rows(g, stationary=gs.joint is None)
        if gs.joint is not None:
            for var, value, own, used in gs.joint.solved:
                x = mtex(var)
                if used:
                    at = ", ".join(rf"{mtex(gs.part(n).wrt)} = \hat{{{mtex(gs.part(n).wrt)}}}" for n in used)
                    rows.append(rf"\hat{{{x}}} &= {mtex(value)} && \text{{jointly: with }} {at}")
                else:
                    rows.append(rf"\hat{{{x}}} &= {mtex(value)} && \text{{jointly}}")
        return Parts(chains, aligned(rows))

    def _print_MatJacobian(self, j: MatJacobian) -> Parts:
        """The chain of differentials, then the Jacobian, its layout said beside it."""
        x = mtex(j.wrt)
        lhs = r"\mathrm{d}\operatorname{vec} f" if j.vec else r"\mathrm{d}f"
        chains = [self.matrix_chain(j.steps, lhs)]
        if j.vec:
            what = rf"\frac{{\partial \operatorname{{vec}} f}}{{\partial \operatorname{{vec}}({x})^{{\top}}}}"
            layout = rf"\operatorname{{vec}}\mathrm{{d}}f = J \operatorname{{vec}}(\mathrm{{d}}{x})"
        else:
            what = rf"\frac{{\partial f}}{{\partial {x}^{{\top}}}}"
            layout = rf"J_{{ij}} = \partial f_i / \partial {{{x}}}_j"
        rows = [rf"J = {what} &= {mtex(j.jacobian)} && \text{{numerator layout: }} {layout}"]
        return Parts([c for c in chains if c], aligned(rows))

    def matrix_chain(self, steps: tuple[MatStep, ...], lhs: str) -> str:
        """One chain; long lines break at top-level signs and move the reason below them."""
        from derive.matrix.expr import plain

        if not steps:
            return ""
        if not self.mathjax:
            return chain_layout([Row(lhs, mtex(steps[0].before))]
                                + [Row("", mtex(s.after), why=self.matrix_why(s)) for s in steps], side="0.36")
        wide = max(len(plain(s.after)) for s in steps) > _SIDE_WIDTH
        first = " \\\\\n  &\\quad ".join(broken(steps[0].before))
        rows = [f"{lhs} &= {first}"]
        for s in steps:
            body = " \\\\\n  &\\quad ".join(broken(s.after) if wide else [mtex(s.after)])
            if wide:
                rows.append(f"  &= {body} \\\\\n  &\\phantom{{=}}\\; {self.below(self.matrix_why(s))}")
            else:
                rows.append(f"  &= {body} && {self.column(self.matrix_why(s), '0.36')}")
        return f"\\begin{{{self.env}}}\n" + " \\\\\n".join(rows) + f"\n\\end{{{self.env}}}"

    def matrix_why(self, step: MatStep) -> str:
        return "; ".join(dict.fromkeys(str(self.visit(r)) for r in step.rules)) + str(self.visit(step.certificate))

    def below(self, why: str) -> str:
        """A reason on its own line under a long step, small and grey."""
        if self.mathjax:
            return r"\scriptstyle " + text_to_math(why)
        return rf"\text{{\small\color{{gray}}{why}}}"

    def _print_MatRule(self, r: MatRule) -> str:
        return r.latex(mtex)

    def _print_Stationary(self, s: Stationary) -> str:
        """The normal equations, in math mode."""
        return rf"{mtex(s.equation_lhs)} = {mtex(s.equation_rhs)}"

    # -- least squares -------------------------------------------------------------------------
    def _print_LsSolution(self, s: LsSolution) -> Parts:
        """The matrix derivation, then (constrained) the KKT steps, each with its claim in small grey text."""
        g = s.derivation
        chains = self._print_MatGradient(g).chains
        if s.solve_steps:
            rows = [f"{self.visit(c)} {tag_reason(tex_line(c.name))}" if not self.mathjax else
                    f"{self.visit(c)} \\\\\n  &\\phantom{{=}}\\; {self.below(tex_line(c.name))}" for c in s.solve_steps]
            chains.append(f"\\begin{{{self.env}}}\n" + " \\\\\n".join(rows) + f"\n\\end{{{self.env}}}")
        rows = [rf"\hat{{{mtex(g.wrt)}}} &= {mtex(s.estimator)}"]
        rows += [rf"{mtex(lhs)} &= {mtex(rhs)}" for lhs, rhs in s.kkt_system]  # the system solved, as equations
        if g.hessian is not None:
            rows.append(rf"\nabla^2 f &= {mtex(g.hessian)}")
        if s.data_fit is not None:
            chains += self.visit(s.data_fit)
        return Parts(chains, aligned(rows))

    def _print_Consequence(self, c: Consequence) -> str:
        return rf"{mtex(c.lhs)} &= {mtex(c.rhs)}"

    # -- a fit to data and its regression summary ----------------------------------------------
    def _print_DataFit(self, fit: DataFit) -> list[str]:
        """The regression summary's blocks (its table holds the estimates); nothing without a summary."""
        return [] if fit.summary is None else list(self.visit(fit.summary))

    def _print_RegressionSummary(self, s: RegressionSummary) -> list[str]:
        """The assumptions, the formulas in one chain, the definitions, the checks, the coefficient table, RSE/R²/F."""
        if s.not_computed:
            text = tex_line(f"Regression summary: not computed ({s.not_computed}).")
            return [rf"\text{{{text}}}" if self.mathjax else rf"\par\noindent{{\small\emph{{{text}}}}}"]
        defs, so = self.summary_definitions(s), self.summary_consequences(s)
        table = self.coefficient_table(s)
        lines = [tex_line(x) for x in summary_lines_plain(s)]
        title = f"Regression summary ({METHOD_NAMES[s.method]})"
        if self.mathjax:
            return [rf"\text{{{title}: }} {self.summary_model(s)}", self.summary_chain(s),
                    r"\text{where } " + r",\ ".join(defs), r"\text{so } " + r",\ ".join(so), table,
                    r" \\ ".join(rf"\text{{{x}}}" for x in lines)]
        checks = [tex_line(f"{c.name}: {c.certificate.describe()}") for c in s.checks]
        about = {"mean": " about the mean (an intercept)", "weighted mean": " about the weighted mean (an intercept)",
                 "zero": " about zero (no intercept, as R's summary.lm)", "": ""}[s.r_squared_about]
        head = (rf"\par\noindent\textbf{{{title}}}: ${self.summary_model(s)}$; normal errors for the $t$ and $F$ "
                r"distributions.")
        where = [Row(d.split(" = ", 1)[0], d.split(" = ", 1)[1]) if " = " in d else Row("", d, rel="") for d in defs]
        tail = (r"\par\noindent where" + ("\n" + chain_layout(where) if where else "")
                + r"\par\noindent so " + ", ".join(f"${x}$" for x in so) + about + ".")
        return [head, self.summary_chain(s), tail, r"\par\noindent{\small " + r"\\ ".join(checks) + "}",
                table, r"\par\noindent " + r"\\ ".join(lines)]

    def summary_model(self, s: RegressionSummary) -> str:
        """y = X b + eps, E[eps] = 0, Var(eps) = sigma^2 I (W^-1, Sigma), in math mode."""
        b, eps = tex(sp.Symbol(s.name("b"))), tex(sp.Symbol(s.name("epsilon")))
        cov = "I" if s.error_cov is None else mtex(s.error_cov)
        return (rf"{mtex_name(s.name('y'))} = {mtex_name(s.name('X'))} {b} + {eps},\ \mathbb{{E}}[{eps}] = 0,\ "
                rf"\operatorname{{Var}}({eps}) = {tex(sp.Symbol(s.name('sigma')))}^{{2}} {cov}")

    def summary_chain(self, s: RegressionSummary) -> str:
        """Every formula of the summary, one row per equality, each step's reason and mark beside it."""
        b = tex(sp.Symbol(s.name("b")))
        names = StatLatex(s.display_names())
        rows = []
        if not self.mathjax:
            lines: list[Row] = []
            for st in s.steps:
                why = tex_line(st.justification) + str(self.visit(st.certificate))
                if not st.chain:
                    lines.append(Row("", summary_claim_tex(b, s), rel="", why=why))
                    continue
                shown = [str(names.doprint(c)) if st.scalar else mtex(c) for c in st.chain]
                lines.append(Row(summary_label_tex(st.kind, b, s), shown[0], why=why))
                lines += [Row("", c) for c in shown[1:]]
            return chain_layout(lines)
        for st in s.steps:
            why = tex_line(st.justification) + str(self.visit(st.certificate))
            if not st.chain:
                rows.append(rf"& {summary_claim_tex(b, s)} && {self.column(why)}")
                continue
            shown = [str(names.doprint(c)) if st.scalar else mtex(c) for c in st.chain]
            rows.append(rf"{summary_label_tex(st.kind, b, s)} &= {shown[0]} && {self.column(why)}")
            rows += [rf"&= {c}" for c in shown[1:]]
        return f"\\begin{{{self.env}}}\n" + " \\\\\n".join(rows) + f"\n\\end{{{self.env}}}"

    def summary_definitions(self, s: RegressionSummary) -> list[str]:
        """The abbreviations of the chain (H, e, y-bar) and the densities it names, in math mode."""
        names = StatLatex(s.display_names())
        defs = [f"{mtex(sym)} = {mtex(val)}" for sym, val in reversed(s.definitions)
                if s.intercept or sym.name != s.name("ybar")]
        return defs + [f"{names.doprint(k)} = {names.doprint(v)}" for k, v in s.scalar_definitions
                       if any(st.scalar and any(c.has(k) for c in st.chain) for st in s.steps)]

    def summary_consequences(self, s: RegressionSummary) -> list[str]:
        """sigma-hat^2, se, t and (with R²) R², in math mode."""
        b, sig = tex(sp.Symbol(s.name("b"))), tex(sp.Symbol(s.name("sigma")))
        out = [rf"\hat{{{sig}}}^{{2}} = \mathrm{{RSS}}/(n - p)",
               rf"\operatorname{{se}}(\hat{{{b}}}_j) = \hat{{{sig}}}\sqrt{{[{mtex(s.gram_inverse)}]_{{jj}}}}",
               rf"t_j = \hat{{{b}}}_j/\operatorname{{se}}(\hat{{{b}}}_j)"]
        return out + ([r"R^{2} = 1 - \mathrm{RSS}/\mathrm{TSS}"] if s.r_squared is not None else [])

    def coefficient_table(self, s: RegressionSummary) -> str:
        """Estimate, Std. Error, t value, Pr(>|t|) as an array (displayed in gather* outside MathJax)."""
        head = [r"\text{Estimate}", r"\text{Std. Error}", r"t\ \text{value}", r"\Pr(>|t|)"]
        body = [" & ".join([rf"\text{{{tex_line(r.name)}}}",
                            *(tex_number(v, d) for v, d in ((r.estimate, 7), (r.std_error, 7), (r.t_value, 4))),
                            self.pvalue(r.p_value)]) for r in s.rows]
        if self.mathjax:
            rows = " \\\\\n".join([" & ".join(["", *head]), *body])
            return f"\\begin{{array}}{{lrrrr}}\n{rows}\n\\end{{array}}"
        rows = " \\\\ \\hline\n".join([" & ".join(["", *head]), " \\\\\n".join(body)])
        return (f"\\begin{{gather*}}\n\\begin{{array}}{{lrrrr}}\n\\hline\n{rows} \\\\ \\hline\n\\end{{array}}\n"
                f"\\end{{gather*}}")

    def pvalue(self, p: float) -> str:
        """A p-value in maths as R prints it (below machine epsilon: < 2 x 10^-16)."""
        return "< 2 \\times 10^{-16}" if p == p and p < 2.220446e-16 else tex_number(p, 3)

    # -- simple regression in summation form ---------------------------------------------------
    def _print_SimpleSolution(self, sol: SimpleSolution) -> Parts:
        """One chain per section, each line's rule (and any failed check) in small grey text below it."""
        p = SumLatex(sol.display_names())
        blocks: list[str] = []
        rows: list[str] = []
        section = ""
        for step in sol.steps + (None,):
            if step is None or step.section != section:
                if rows:
                    blocks.append(f"\\begin{{{self.env}}}\n" + " \\\\\n".join(rows) + f"\n\\end{{{self.env}}}")
                if step is None:
                    break
                section, rows = step.section, []
            rows.append(self.sum_row(p, step))
        s = sol.symbols
        result = [rf"{p.doprint(s['bhat'])} &= {p.doprint(sol.slope)}, \qquad {p.doprint(s['ahat'])} = "
                  rf"{p.doprint(sol.intercept)}"]
        result += [rf"{p.doprint(k)} &= {p.doprint(v)}" for k, v in sol.definitions[2:]]
        result.append(rf"\nabla^2 S &= {p.doprint(sol.hessian)}")
        if sol.data_fit is not None:
            blocks += self.visit(sol.data_fit)
        return Parts(blocks, aligned(result))

    def sum_row(self, p: SumLatex, step: SumStep) -> str:
        rel = r"\iff" if step.relation == "<=>" else "="
        body = " \\\\\n  &\\quad ".join(sum_lines(p, step.rhs))
        why = tex_line(step.rule + ("" if step.certified else " (NOT certified)"))
        if not self.mathjax:  # at the right margin where it fits there, else amsmath sets it under the line
            return f"{p.doprint(step.lhs)} &{rel} {body} {tag_reason(why)}"
        return f"{p.doprint(step.lhs)} &{rel} {body} \\\\\n  &\\phantom{{=}}\\; \\text{{{why}}}"

    # -- maximum likelihood ----------------------------------------------------------------------
    def _print_MleDerivation(self, d: MleDerivation) -> Parts:
        """Titled lines (title and reason as text, then the display), then the checks; the estimators."""
        if self.mathjax:
            blocks = [rf"\begin{{aligned}}{self.mle_line(s, d)}\end{{aligned}}" for s in d.steps]
        else:
            out = [r"\par"] + [self.mle_step(s, d) for s in d.steps]
            if d.condition_relations:
                out.append(r"\noindent The closed form is the estimate only when "
                           + ", ".join(f"${sample_tex(c)}$" for c in d.condition_relations)
                           + " (it lies in the parameter space).")
            for p, v, c in d.cases:
                out.append(rf"\noindent $\hat{{{sample_tex(p)}}} = {sample_tex(v)}$ when ${sample_tex(c)}$."
                           if v is not None else
                           rf"\noindent No maximum (no $\hat{{{sample_tex(p)}}}$) when ${sample_tex(c)}$.")
            out.append(r"\noindent\textbf{Second-order check:} " + tex_line(d.second_order) + ".")
            out += [r"\noindent\emph{Note:} " + tex_line(n) + "." for n in d.notes]
            out += [r"\noindent{\small " + tex_line(f"{c.name}: {c.certificate.describe()}") + "}" for c in d.checks]
            if d.data is not None:
                out.append(data_table(d))
            blocks = ["\n\n".join(out)]
        none = r"\text{no closed form}"
        rows = [rf"\hat{{{sample_tex(p)}}} &= {sample_tex(v) if v is not None else none}"
                for p, v in zip(d.problem.params, d.estimator)]
        return Parts(blocks, aligned(rows))

    def mle_step(self, s: MleStep, d: MleDerivation) -> str:
        """A titled line: the title and the reason as text, then the display (broken when it is long)."""
        title = rf"MLE of ${sample_tex(s.function)}$" if s.kind == "invariance" and s.function is not None \
            else tex_line(s.title)
        head = rf"\par\noindent\textbf{{{title}.}} {{\small {tex_line(s.reason)}{self.visit(s.certificate)}}}"
        rhs = sample_tex(mle_rhs(s, d))
        if s.relation == "root":
            rows = [Row(sample_tex(s.lhs), "0"), Row(rf"\Longrightarrow\quad \hat{{{sample_tex(s.param)}}}", rhs)]
        else:
            lhs = mle_lhs(s, d)
            rows = [Row("", rhs, rel="")] if s.relation == "claim" or not lhs else [Row(lhs, rhs)]
        return head + "\n" + chain_layout(rows)

    def mle_line(self, s: MleStep, d: MleDerivation) -> str:
        """The display of one line: ``lhs &= rhs`` in the derivation's notation (a root, a claim alone)."""
        rhs = sample_tex(mle_rhs(s, d))
        if s.relation == "root":
            return rf"{sample_tex(s.lhs)} &= 0 \\ \Longrightarrow\quad \hat{{{sample_tex(s.param)}}} &= {rhs}"
        lhs = mle_lhs(s, d)
        return rf"&{rhs}" if s.relation == "claim" or not lhs else rf"{lhs} &= {rhs}"

    # -- handouts: a whole document, through the Jinja2 templates --------------------------------
    def _print_Handout(self, h: Any) -> str:
        """The full ``.tex`` source of a handout (its worked solutions rendered by this printer)."""
        from derive.render.env import render_handout

        return render_handout(h)

    # -- checked derivations -------------------------------------------------------------------
    def _print_CheckReport(self, r: CheckReport) -> Parts | str:
        """The user's own derivation in the order of the file: prose typeset, displays echoed as typed
        (allow-listed commands only, else derive's reading), each step's mark and file line in the
        margin, a framed counterexample and hint under the first wrong step (``derive.render.check_latex``).
        For MathJax: text with one ``$$`` block per display."""
        from derive.render import check_latex as C

        if self.mathjax:
            return "\n\n".join([f"{r.file}: {C.summary(r)}", *C.mathjax_body(r), *C.mathjax_error(r, self._print_Hint)])
        return Parts(C.body(r, self._print_Hint), "", display_result=False)

    def _question_CheckReport(self, r: CheckReport) -> str:
        """The derivation to check, as the author typed it: their prose and displays in the order of the
        file, each step labelled ``step k``; no mark, verdict, counterexample, hint or expected side. Unlike
        the other questions this is text-mode LaTeX (paragraphs and ``align*`` displays, as the ``chain``
        part); for MathJax, paragraphs and one ``$$`` block per display."""
        from derive.render import check_latex as C

        return "\n\n".join(C.mathjax_question(r) if self.mathjax else C.question_body(r))

    def _print_FolderReport(self, r: FolderReport) -> Parts | str:
        """A summary table, then each file's annotated derivation on its own page."""
        from derive.render import check_latex as C

        if self.mathjax:
            return self.visit_folder_mathjax(r)
        return Parts(C.folder_body(r, self._print_Hint), "", display_result=False)

    def visit_folder_mathjax(self, r: FolderReport) -> str:
        from derive.checker.model import CheckReport
        from derive.render import check_latex as C

        out = []
        for f in r.files:
            out.append(f"{f.file}: " + (C.summary(f) if isinstance(f, CheckReport) else f"failed ({f.error})"))
            if isinstance(f, CheckReport):
                out += C.mathjax_body(f)
        return "\n\n".join(out)

    def _print_Hint(self, h: Any) -> str:
        """The slip in words (escaped) with its mathematics in ``$...$``."""
        return hint_tex(h.parts)


def check_tex(expr: sp.Basic) -> str:
    """LaTeX of an expression of a checked derivation (a hint's maths): x_{i}, A^{\top}."""
    return sample_tex(expr).replace("^{T}", r"^{\top}")


def hint_tex(parts: tuple[Any, ...]) -> str:
    """A hint's words (escaped) and mathematics (``$...$``) as LaTeX text."""
    def words(p: str) -> str:
        lead, tail = " " if p[:1].isspace() else "", " " if p[-1:].isspace() else ""
        return lead + str(tex_line(p)) + tail if p.strip() else p

    return "".join(words(p) if isinstance(p, str) else f"${check_tex(p)}$" for p in parts)
