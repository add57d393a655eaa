"""MLE output: the derivation as LaTeX, terminal text, Markdown and the JSON contract.

JSON: ``{"density", "params", "loglik", "score", "estimator", "closed_form", "method",
"fisher_information", "second_order", "steps"}`` with SymPy ``str()`` forms over an
``IndexedBase`` named as the data variable (``Sum(x[i], (i, 1, n))/n``), plus the conditions,
notes, checks and any iterates on data.
"""
from __future__ import annotations

import io
import json
from typing import Any

import sympy as sp
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from derive.likelihood.model import MleDerivation, MleStep
from derive.core.contract import Certificate, NotComputed
from derive.render.mle_notation import hatted, tex, text
from derive.render.formats.latex import certificate_mark

_MARKS = {"proved": ("✓", "green"), "plausible": ("✓", "green"), "refuted": ("✗", "bold red"),
          "unknown": ("?", "yellow"), "timeout": ("?", "yellow"), "not computed": ("–", "dim")}


def _lhs_tex(s: MleStep, d: MleDerivation) -> str:
    params = d.problem.params
    theta = ", ".join(tex(p) for p in params)
    if s.kind == "likelihood":
        return rf"L({theta})"
    if s.kind in ("loglik", "prior") and s.lhs is not None and isinstance(s.lhs, sp.log):
        return rf"\ell({theta}) = \log L({theta})"
    if isinstance(s.lhs, sp.Derivative):
        (v, k), = s.lhs.variable_count
        return rf"\frac{{\partial{'^2' if k == 2 else ''} \ell}}{{\partial {tex(v)}{'^2' if k == 2 else ''}}}"
    if s.relation == "at_estimate":
        word = r"-\nabla^2 \ell" if s.kind == "fisher" else r"\nabla^2 \ell"
        if len(params) == 1:
            word = r"-\ell''" if s.kind == "fisher" else r"\ell''"
        return rf"{word}(\hat{{{tex(params[0])}}})" if len(params) == 1 else rf"{word}(\hat\theta)"
    if s.relation == "expected":
        if s.kind == "bias":
            return rf"\mathbb{{E}}[\hat{{{tex(s.param)}}}]" if s.param is not None else r"\mathbb{E}"
        return rf"\mathcal{{I}}({theta})"
    if s.relation == "asymptotic":
        return rf"\operatorname{{Var}}(\hat{{{theta}}})" if len(params) == 1 else r"\operatorname{Var}(\hat\theta)"
    if s.relation == "update":
        return tex(hatted(s.lhs, params, "next")) if s.lhs is not None else ""
    if s.kind == "bias" and s.param is not None:
        return rf"\mathbb{{E}}[\hat{{{tex(s.param)}}}] - {tex(s.param)}"
    if s.kind in ("solve", "estimator", "boundary", "subgradient") and isinstance(s.lhs, sp.Symbol):
        return rf"\hat{{{tex(s.lhs)}}}"
    if s.kind == "invariance" and s.lhs is not None:
        return rf"\widehat{{{_plain_tex(str(s.lhs))}}}"
    if s.lhs is None:
        return ""
    return tex(s.lhs)


def _plain_tex(name: str) -> str:
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


def _rhs(s: MleStep, d: MleDerivation) -> sp.Basic:
    params = d.problem.params
    if s.relation == "at_estimate":
        return hatted(s.rhs, params)
    if s.relation == "update":
        return hatted(s.rhs, params, "k")
    return s.rhs


def step_latex(s: MleStep, d: MleDerivation, marks: _Marks) -> str:
    """A titled line: the title and the reason as text, then the display (wide ones broken)."""
    mark = marks._print(s.certificate)
    rhs = tex(_rhs(s, d))
    if s.relation == "root":
        line = rf"{tex(s.lhs)} &= 0 \\ \Longrightarrow\quad \hat{{{tex(s.param)}}} &= {rhs}"
    elif s.relation == "claim" or not _lhs_tex(s, d):
        line = rf"&{rhs}"
    else:
        line = rf"{_lhs_tex(s, d)} &= {rhs}"
    head = rf"\par\noindent\textbf{{{_escape(s.title)}.}} {{\small {_escape(s.reason)}{mark}}}"
    return head + "\n" + rf"\begin{{align*}}{line}\end{{align*}}"


class _Marks:
    """The shared LaTeX marks; a check a limit cut says so ("not computed (work limit)")."""

    def _print(self, v: object) -> str:
        if isinstance(v, NotComputed):
            return rf" \textbf{{({_escape(v.describe())})}}"
        return certificate_mark(v)  # type: ignore[arg-type]


def _escape(t: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("#", r"\#"), ("_", r"\_"),
                 ("{", r"\{"), ("}", r"\}"), ("^", r"\^{}"), ("~", r"\~{}"), ("$", r"\$")):
        t = t.replace(a, b)
    return t


def to_latex(d: MleDerivation) -> str:
    """The derivation as LaTeX blocks (title, display, reason) for a handout."""
    marks = _Marks()
    out = [r"\par"] + [step_latex(s, d, marks) for s in d.steps]
    if d.condition_relations:
        out.append(r"\noindent The estimate lies in the parameter space when "
                   + ", ".join(f"${tex(c)}$" for c in d.condition_relations) + ".")
    out.append(r"\noindent\textbf{Second-order check:} " + _escape(d.second_order) + ".")
    for n in d.notes:
        out.append(r"\noindent\emph{Note:} " + _escape(n) + ".")
    for c in d.checks:
        out.append(r"\noindent{\small " + _escape(f"{c.name}: {c.certificate.describe()}") + "}")
    return "\n\n".join(out)


def result_latex(d: MleDerivation) -> str:
    """The estimators (boxed in handouts), one per line."""
    rows = []
    none = r"\text{no closed form}"
    for p, v in zip(d.problem.params, d.estimator):
        rows.append(rf"\hat{{{tex(p)}}} &= {tex(v) if v is not None else none}")
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


def to_json(d: MleDerivation, indent: int | None = 2) -> str:
    params = d.problem.params
    info = d.fisher_expected
    doc: dict[str, Any] = {
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
        "notes": list(d.notes),
        "certified": d.certified,
        "checks": [{"check": c.name, "certificate": c.certificate.describe(), "detail": c.detail,
                    "required": c.required} for c in d.checks],
        "newton_update": [str(e) for e in d.newton],
        "fisher_scoring_update": [str(e) for e in d.scoring],
        "iterates": [{"k": it.k, "values": list(it.values), "loglik": it.loglik, "step": it.step_norm}
                     for it in d.iterates],
        "iteration_method": d.iteration_method or None,
        "steps": [{"kind": s.kind, "title": s.title, "lhs": None if s.lhs is None else str(s.lhs),
                   "rhs": str(s.rhs), "relation": s.relation, "reason": s.reason,
                   "certificate": s.certificate.describe()}
                  for s in d.steps],
    }
    return json.dumps(doc, indent=indent, ensure_ascii=False)


def _lhs_text(s: MleStep, d: MleDerivation) -> str:
    params = d.problem.params
    theta = ", ".join(text(p) for p in params)
    if s.kind == "likelihood":
        return f"L({theta})"
    if s.kind == "loglik" and isinstance(s.lhs, sp.log):
        return f"ℓ({theta}) = log L({theta})"
    if isinstance(s.lhs, sp.Derivative):
        return text(s.lhs)
    if s.relation == "at_estimate":
        at = text(params[0]) + "̂" if len(params) == 1 else "θ̂"
        return ("−" if s.kind == "fisher" else "") + ("ℓ″" if len(params) == 1 else "∇²ℓ") + f"({at})"
    if s.relation == "expected":
        return f"E[{text(s.param)}̂]" if s.kind == "bias" and s.param is not None else f"I({theta})"
    if s.relation == "asymptotic":
        return f"Var({text(params[0])}̂)" if len(params) == 1 else "Var(θ̂)"
    if s.relation == "update":
        return text(hatted(s.lhs, params, "next")).replace("_next", "ₖ₊₁") if s.lhs is not None else ""
    if s.kind == "bias" and s.param is not None:
        return f"E[{text(s.param)}̂] − {text(s.param)}"
    if isinstance(s.lhs, sp.Symbol) and (s.lhs in params or s.kind == "estimator"):
        return text(s.lhs) + "̂"
    return "" if s.lhs is None else text(s.lhs)


def to_renderable(d: MleDerivation) -> RenderableType:
    parts: list[RenderableType] = [Text(f"Maximum likelihood: {d.problem.source}", style="bold underline"),
                                   Text(f"parameters {', '.join(p.name for p in d.problem.params)}; "
                                        f"support {d.problem.support.describe()}")]
    table = Table(show_header=False, box=None, padding=(0, 1))
    table.add_column("claim", ratio=3)
    table.add_column("why", ratio=2, style="dim")
    table.add_column("", no_wrap=True)
    for s in d.steps:
        word = _label(s.certificate)
        mark, style = _MARKS[s.certificate.word]
        lhs = _lhs_text(s, d)
        rhs = text(_rhs(s, d))
        if s.relation == "root":
            claim = f"{text(s.lhs)} = 0  ⇒  {text(s.param)}̂ = {rhs}"
        else:
            claim = f"{lhs} = {rhs}" if lhs else rhs
        table.add_row(Text.assemble((s.title + "\n", "bold"), claim), Text(s.reason),
                      Text(f"{mark} {word}", style=style))
    parts.append(table)
    for p, v in zip(d.problem.params, d.estimator):
        parts.append(Text.assemble(("Estimator: ", "bold"),
                                   (f"{text(p)}̂ = {text(v) if v is not None else 'no closed form'}", "bold green")))
    for rel in d.condition_relations:
        parts.append(Text(f"  in the parameter space when {text(rel)}"))
    parts.append(Text.assemble(("Second-order check: ", "bold"), d.second_order))
    for n in d.notes:
        parts.append(Text(f"note: {n}", style="italic"))
    for c in d.checks:
        mark, style = _MARKS[c.certificate.word]
        parts.append(Text.assemble((f"{mark} ", style), (f"{c.name}: ", "bold"), c.certificate.describe()))
    if d.iterates:
        it = Table(title=f"{d.iteration_method} on the data", show_header=True)
        it.add_column("k", justify="right")
        for p in d.problem.params:
            it.add_column(p.name, justify="right")
        it.add_column("log-likelihood", justify="right")
        for row in d.iterates:
            it.add_row(str(row.k), *(f"{v:.10g}" for v in row.values), f"{row.loglik:.10g}")
        parts.append(it)
    ok = d.certified
    missing = [c.name for c in d.checks if not c.required and not c.certificate.certified]
    passed = ("certified: every step and required check passed; not computed: " + ", ".join(missing)
              if missing else "certified: every step and check passed")
    parts.append(Text(passed if ok else "NOT certified: see the steps and checks marked ?, – or ✗",
                      style="bold green" if ok else "bold red"))
    return Group(*parts)


def _label(c: Certificate) -> str:
    """A step's certificate in a word, with the reason when a check was not computed (``work limit``)."""
    return c.describe() if isinstance(c, NotComputed) else c.word


def to_text(d: MleDerivation, width: int = 110) -> str:
    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None, force_terminal=False).print(to_renderable(d))
    return buf.getvalue()


def to_markdown(d: MleDerivation) -> str:
    lines = [f"## Maximum likelihood: `{d.problem.source}`", ""]
    for s in d.steps:
        word = _label(s.certificate)
        lhs = _lhs_tex(s, d)
        rhs = tex(_rhs(s, d))
        if s.relation == "root":
            body = rf"{tex(s.lhs)} = 0 \Rightarrow \hat{{{tex(s.param)}}} = {rhs}"
        else:
            body = f"{lhs} = {rhs}" if lhs else rhs
        lines += [f"**{s.title}** ({word}): {s.reason}", "", f"$$ {body} $$", ""]
    lines.append("**Estimator:** $" + result_latex(d).replace("\n", " ") + "$")
    lines.append("")
    lines.append(f"- second-order check: {d.second_order}")
    lines += [f"- condition: ${tex(c)}$" for c in d.condition_relations]
    lines += [f"- note: {n}" for n in d.notes]
    lines += [f"- {c.name}: {c.certificate.describe()}" for c in d.checks]
    lines.append(f"- certified: {'yes' if d.certified else 'no'}")
    return "\n".join(lines) + "\n"
