r"""The LaTeX of a checked derivation (``derive check --pdf``): the user's own document, annotated.

The body follows the file: its prose (typeset through ``echo.prose_latex``) and its displays, one
``align*`` per chain, each side echoed as the user typed it when ``echo.safe_math`` allows it (else
derive's reading of it, else the text). Every row carries a zero-width ``\tag*`` that sets the
step's mark and file line in the right margin; under the first refuted step a framed box gives the
counterexample, the hint and the right side derive derived. For MathJax (Jupyter) the same body is
plain text with one ``$$ \begin{aligned} ... $$`` block per chain and the marks in a last column.

Only standard commands of amsmath, amssymb and xcolor (which every handout loads) are used, so the
LaTeX printer's output also works pasted into another document with those packages.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from derive.render.echo import GREEK, compact_latex, prose_latex, prose_markdown, safe_math
from derive.render.escape import tex_line

if TYPE_CHECKING:
    from derive.checker.model import CheckedStep, CheckReport, Definition, FolderReport

MARKS = {
    "proved": (r"\checkmark", "0,0.5,0"),
    "plausible": (r"\approx", "0.2,0.35,0.65"),
    "refuted": (r"\boldsymbol{\times}", "0.8,0,0"),
    "unparsed": (r"\textbf{?}", "0.8,0.45,0"),
    "unknown": (r"\textbf{?}", "0.8,0.45,0"),
}
"""Status -> (math-mode mark, rgb colour): green proved, neutral blue plausible, red refuted, orange ?."""

RELATIONS = {"=": "=", "<=": r"\le", ">=": r"\ge", "<": "<", ">": ">", "propto": r"\propto",
             "iff": r"\iff", "implies": r"\implies", "approx": r"\approx", "!=": r"\ne"}

Hints = Callable[[Any], str]
"""How the LaTeX printer writes a diagnosis hint (its ``_print_Hint``: words escaped, maths in ``$...$``)."""

WIDE = 58
"""Visible characters of one side above which it is broken at its top-level signs (about a line)."""
SHORT_LEFT = 24
"""A left side up to this long stays on the row of its first right side (``lhs &= rhs``)."""


def mark(status: str) -> str:
    """The coloured mark of a status, in math mode."""
    symbol, rgb = MARKS[status]
    return rf"\textcolor[rgb]{{{rgb}}}{{{symbol}}}"


def summary(r: CheckReport) -> str:
    """One line: how many steps, by status, and the verdict (with the first error's line)."""
    counts = ", ".join(f"{v} {k}" for k, v in r.counts.items() if v)
    n = len(r.steps)
    head = f"{n} step{'' if n == 1 else 's'}" + (f" ({counts})" if counts else "")
    first = r.first_error
    verdict = {"correct": "correct: every step certified",
               "incorrect": f"incorrect: first error at line {first.line}" if first else "incorrect",
               "unverifiable": "unverifiable: no step refuted, some not decided"}[r.outcome]
    return f"{head}; {verdict}"


# --- sides -------------------------------------------------------------------------------------------


def side(typed: str, read: str | None) -> str:
    """A side for the PDF: as typed when safe, else derive's reading (our printer's LaTeX), else text."""
    safe = safe_math(typed) if read is not None else None
    if safe is not None:
        return safe
    if read is not None:
        return compact_latex(read)
    return rf"\text{{{tex_line(typed)}}}" if typed.strip() else r"\text{\textit{(nothing to read)}}"


_COMMAND = re.compile(r"\\[A-Za-z]+")
_LAYOUT = re.compile(r"\\(?:left|right|[bB]igg?[lr]?|displaystyle|limits|mathrm|mathbf|operatorname|text)\b|[{}^_ ]")


def visible(latex: str) -> int:
    """A rough width of ``latex`` in glyphs: a command counts one, layout and braces none, and a
    binary sign or relation three (with the spaces around it)."""
    flat = _COMMAND.sub("x", _LAYOUT.sub("", latex))
    return len(flat) + 2 * len(re.findall(r"(?<=[^\s(\[{^_])[+=<>-]", flat))


def pieces(latex: str) -> list[str]:
    """``latex`` cut before each top-level ``+``/``-`` (outside braces and delimiters), for breaking."""
    out: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(latex):
        c = latex[i]
        if c == "\\":
            word = _COMMAND.match(latex, i)
            name = word.group(0) if word else latex[i:i + 2]
            if name in (r"\left", r"\bigl", r"\Bigl", r"\biggl", r"\Biggl"):
                depth += 1
            elif name in (r"\right", r"\bigr", r"\Bigr", r"\biggr", r"\Biggr"):
                depth -= 1
            i += len(name)
            continue
        if c in "{([":
            depth += 1
        elif c in "})]":
            depth -= 1
        elif c in "+-" and depth == 0 and latex[start:i].strip() and not latex[:i].rstrip().endswith(("=", "(", "{")):
            out.append(latex[start:i].strip())
            start = i
        i += 1
    out.append(latex[start:].strip())
    return out


def lines_of(latex: str, width: int = WIDE) -> list[str]:
    """``latex`` as one or more rows of at most about ``width`` glyphs, broken at top-level signs."""
    if visible(latex) <= width:
        return [latex]
    rows: list[str] = []
    current = ""
    for piece in pieces(latex):
        if current and visible(current + piece) > width:
            rows.append(current)
            current = piece
        else:
            current = f"{current} {piece}".strip()
    rows.append(current)
    return rows


# --- margin, notes and the error box -----------------------------------------------------------------


def margin(status: str | None, line: int, word: str = "") -> str:
    r"""The zero-width ``\tag*`` that sets a row's mark and file line in the right margin."""
    what = rf"\makebox[1.1em][l]{{${mark(status)}$}}" if status else ""
    text = f"{word} " if word else ""
    return rf"\tag*{{\rlap{{\hspace{{1em}}\small {what}\textcolor{{black!55}}{{{text}line~{line}}}}}}}"


def _name_math(name: str) -> str:
    """A counterexample's variable as maths (``lambda`` -> ``\\lambda``, ``x_hat`` as text)."""
    if name in GREEK:
        return f"${{\\{name}}}$"
    if re.fullmatch(r"[A-Za-z]", name):
        return f"${name}$"
    return str(tex_line(name))


def counterexample_text(step: CheckedStep) -> str:
    """Where the step fails and the two sides' values there (text mode), or why it is open."""
    example = step.counterexample
    if example is None:
        return str(tex_line(step.certificate.describe()))
    left, right = example.pop("left side"), example.pop("right side")
    where = ", ".join(f"{_name_math(k)} $=$ {tex_line(v)}" for k, v in example.items())
    at = f"At {where}" if where else "At the point tried"
    return f"{at} the left side is {tex_line(left)} and the right side {tex_line(right)}."


def worked_steps(step: CheckedStep) -> str | None:
    """derive's certified derivation of the right side (an ``aligned`` block), if it has one that fits."""
    if step.worked is None:
        return None
    from derive.render import render

    try:
        chain = compact_latex(render(step.worked, "latex", mathjax=True, part="chain"))
    except Exception:  # noqa: BLE001  an extra; the box stands without it
        return None
    rows = chain.split("\\\\")
    if safe_math(chain) is None or len(rows) > 8 or any(visible(r) > 70 for r in rows):
        return None
    return chain


def error_box(step: CheckedStep, hint: Hints) -> str:
    r"""The framed box under the first wrong step: counterexample, hint, expected right side."""
    said = [rf"\textbf{{Line {step.line} does not follow.}} " + counterexample_text(step)]
    if step.hint is not None:
        said.append(r"\textbf{Hint:} " + hint(step.hint) + ".")
    if step.expected_latex:
        expected = safe_math(compact_latex(step.expected_latex))
        if expected is not None:
            said.append(r"Expected right side (derived by derive): $\displaystyle " + expected + r"$")
        steps = worked_steps(step)
        if steps is not None:
            said.append(r"derive's own derivation:\endgraf\centerline{$\displaystyle " + steps + r"$}")
    body = r"\endgraf\smallskip ".join(said)
    return (r"\fcolorbox[rgb]{0.8,0,0}{1,0.96,0.96}{\parbox{\dimexpr\linewidth-2\fboxsep-2\fboxrule\relax}"
            r"{\small " + body + r"}}")


def note(step: CheckedStep, hint: Hints) -> str:
    """A short line under a step that is not certified (a later refuted one, an unparsed or open one)."""
    if step.status == "refuted":
        text = counterexample_text(step)
        if step.hint is not None:
            text += r" \textbf{Hint:} " + hint(step.hint) + "."
    else:
        text = str(tex_line(step.certificate.describe()))
    return r"{\small\textcolor{black!70}{Line~" + str(step.line) + ": " + text + "}}"


# --- the body ----------------------------------------------------------------------------------------


def _rows_for(relation: str, latex: str, tag: str, hanging: bool, width: int = WIDE) -> list[str]:
    """The rows of one right side: the relation and its first piece, then continuation rows."""
    parts = lines_of(latex, width)
    rel = RELATIONS.get(relation, "=")
    first = f"{rel} {{}}& {parts[0]}" if hanging else f"&{rel} {parts[0]}"
    return [first + " " + tag] + [rf"&\qquad {p}" for p in parts[1:]]


def chain_latex(steps: list[CheckedStep], definition: Definition | None, first_error: CheckedStep | None,
                hint: Hints) -> str:
    """One ``align*`` for the steps of one chain (and the definition that opens it, if any)."""
    def below(step: CheckedStep) -> str:
        return (error_box(step, hint) if step is first_error else
                note(step, hint) if not step.certificate.certified else "")

    return _chain(steps, definition,
                  tag_of=lambda s: margin(s.status, s.line),
                  definition_tag="" if definition is None else margin(None, definition.line, "def."),
                  lhs_of=lambda s: side(s.lhs_latex, s.read_lhs), rhs_of=lambda s: side(s.rhs_latex, s.read_rhs),
                  below_of=below, lhs_tag_of=lambda s: margin(None, s.lhs_line))


def _chain(steps: list[CheckedStep], definition: Definition | None, *, tag_of: Callable[[CheckedStep], str],
           definition_tag: str, lhs_of: Callable[[CheckedStep], str], rhs_of: Callable[[CheckedStep], str],
           below_of: Callable[[CheckedStep], str], lhs_tag_of: Callable[[CheckedStep], str]) -> str:
    """The ``align*`` of one chain: each right side on its row with ``tag_of(step)``, what ``below_of``
    says under it (between rows, or after the display for the last)."""
    head = steps[0]
    lhs = lhs_of(head)
    rows: list[str] = []
    after = ""
    if definition is not None:
        name = safe_math(definition.name) or rf"\text{{{tex_line(definition.name)}}}"
        hanging = False
        parts = lines_of(lhs, max(24, WIDE - 3 - visible(name)))
        rows.append(f"{name} &= {parts[0]} " + definition_tag)
        rows += [rf"&\qquad {p}" for p in parts[1:]]
    else:
        hanging = visible(lhs) > SHORT_LEFT
        if hanging:
            parts = lines_of(lhs)
            rows.append(f"& {parts[0]} " + lhs_tag_of(head))
            rows += [rf"&\qquad {p}" for p in parts[1:]]
    width = WIDE if hanging else max(24, WIDE - 3 - visible(lhs if definition is None else name))
    for k, step in enumerate(steps):
        rhs = rhs_of(step) + (r" + \text{const}" if step.up_to_constant else "")
        tag = tag_of(step)
        if k == 0 and definition is None and not hanging:
            new = _rows_for(step.relation, rhs, tag, False, width)
            new[0] = f"{lhs} {new[0]}"
            rows += new
        else:
            rows += _rows_for(step.relation, rhs, tag, hanging, width)
        below = below_of(step)
        if below and k < len(steps) - 1:
            rows[-1] += r" \\" + "\n" + rf"\intertext{{{below}}}"
        elif below:
            after = below
    body = " \\\\\n".join(rows)
    return "\\begin{align*}\n" + body + "\n\\end{align*}" + (f"\n\\noindent {after}\n" if after else "")


def definition_latex(d: Definition) -> str:
    """A statement that opens nothing to check (``\\hat\\lambda = ...`` alone, a condition)."""
    name = safe_math(d.name) or rf"\text{{{tex_line(d.name)}}}"
    body = safe_math(d.body) or rf"\text{{{tex_line(d.body)}}}"
    word = "def." if d.kind == "definition" else "cond."
    return "\\begin{align*}\n" + f"{name} &= {body} " + margin(None, d.line, word) + "\n\\end{align*}"


def items(r: CheckReport) -> list[tuple[int, str, Any]]:
    """The report's pieces in the order of the file: (line, kind, payload) with kind prose, chain or
    definition; a definition that opens a chain travels with it."""
    chains: dict[int, list[CheckedStep]] = {}
    for s in r.steps:
        chains.setdefault(s.chain, []).append(s)
    used: set[int] = set()
    out: list[tuple[int, str, Any]] = [(m.line, "prose", m.text) for m in r.remarks]
    for steps in chains.values():
        head = steps[0]
        opening = next((k for k, d in enumerate(r.definitions) if k not in used and d.kind == "definition"
                        and d.body == head.lhs_latex and d.line <= head.lhs_line), None)
        if opening is not None:
            used.add(opening)
        line = r.definitions[opening].line if opening is not None else head.lhs_line
        out.append((line, "chain", (steps, None if opening is None else r.definitions[opening])))
    out += [(d.line, "definition", d) for k, d in enumerate(r.definitions) if k not in used]
    order = {"prose": 0, "definition": 1, "chain": 2}
    return sorted(out, key=lambda t: (t[0], order[t[1]]))


def body(r: CheckReport, hint: Hints) -> list[str]:
    """The annotated derivation for TeX: prose paragraphs and displays, in the order of the file."""
    out: list[str] = []
    first = r.first_error
    for _, kind, payload in items(r):
        if kind == "prose":
            text = prose_latex(payload)
            if text:
                out.append(text)
        elif kind == "definition":
            out.append(definition_latex(payload))
        else:
            steps, definition = payload
            out.append(chain_latex(steps, definition, first, hint))
    if r.notes:
        out.append(r"\textit{" + "; ".join(str(tex_line(n)) for n in r.notes) + "}")
    return out


# --- the derivation to check (a student version) ----------------------------------------------------
# What a student is handed: the author's derivation, step by step, with nothing derive found out about
# it (no mark, verdict, counterexample, hint, expected side, reading note or legend).


def typed_side(typed: str, read: str | None) -> str:
    """A side as the author typed it when ``safe_math`` allows it (read by derive or not), else derive's
    reading of it, else the typed text: how it is shown never depends on whether it holds."""
    safe = safe_math(typed)
    if safe is not None:
        return safe
    if read is not None:
        return compact_latex(read)
    return rf"\text{{{tex_line(typed)}}}" if typed.strip() else ""


def step_tag(step: CheckedStep) -> str:
    r"""The label of a step to check, at the right of its row: ``step k`` (``\tag*``, text mode)."""
    return rf"\tag*{{step~{step.index}}}"


def question_chain(steps: list[CheckedStep], definition: Definition | None) -> str:
    """One ``align*`` for one chain as typed: each right side labelled ``step k``, nothing else."""
    return _chain(steps, definition, tag_of=step_tag, definition_tag="",
                  lhs_of=lambda s: typed_side(s.lhs_latex, s.read_lhs),
                  rhs_of=lambda s: typed_side(s.rhs_latex, s.read_rhs),
                  below_of=lambda s: "", lhs_tag_of=lambda s: "")


def typed_definition(d: Definition) -> str:
    """A statement as typed (``name = body``), unlabelled."""
    name = safe_math(d.name) or rf"\text{{{tex_line(d.name)}}}"
    body = safe_math(d.body) or rf"\text{{{tex_line(d.body)}}}"
    return "\\begin{align*}\n" + f"{name} &= {body}" + "\n\\end{align*}"


def question_body(r: CheckReport) -> list[str]:
    """The derivation to check, for TeX: the author's prose and displays in the order of the file, each
    step labelled ``step k`` (its ``index``); no verdict of any kind."""
    out: list[str] = []
    for _, kind, payload in items(r):
        if kind == "prose":
            text = prose_latex(payload)
            if text:
                out.append(text)
        elif kind == "definition":
            out.append(typed_definition(payload))
        else:
            out.append(question_chain(*payload))
    return out


def mathjax_question(r: CheckReport) -> list[str]:
    """The derivation to check, for MathJax (Markdown, HTML): prose paragraphs and one ``$$`` block per
    display, rows ``lhs &= rhs && step k``; no verdict of any kind."""
    out: list[str] = []
    for _, kind, payload in items(r):
        if kind == "prose":
            text = prose_markdown(payload)
            if text:
                out.append(text)
        elif kind == "definition":
            out.append(f"$$\n{_mathjax_definition(payload)}\n$$")
        else:
            steps, definition = payload
            out.append(_aligned(steps, definition, typed_side, "", lambda step: rf"\text{{step {step.index}}}"))
    return out


def folder_body(r: FolderReport, hint: Hints) -> list[str]:
    """A summary table (file, verdict, steps, first error), then each file on its own page."""
    from derive.checker.model import CheckReport

    rows = []
    for f in r.files:
        if isinstance(f, CheckReport):
            first = f.first_error
            where = "" if first is None else f"line {first.line}"
            steps = r"\;".join(rf"{v}\,{mark(k)}" for k, v in f.counts.items() if v) or r"\text{no steps}"
            status = {"correct": "proved", "incorrect": "refuted"}.get(f.outcome, "unknown")
            rows.append((f.file, mark(status) + rf"\ \text{{{f.outcome}}}", steps, where))
        else:
            rows.append((f.file, mark("unknown") + r"\ \text{failed}", "", f.error))
    # align* rather than a tabular: it breaks across pages (\allowdisplaybreaks) for a large class
    table = [r"\begin{align*}", r"&\textbf{file} && \textbf{verdict} && \textbf{steps} && \textbf{first error}\\[2pt]"]
    cells = [rf"&\text{{{tex_line(name)}}} && {verdict} && {steps} && \text{{{_short_cell(where)}}}"
             for name, verdict, steps, where in rows]
    table += [" \\\\\n".join(cells), r"\end{align*}"]
    out = ["\n".join(table)]
    for f in r.files:
        out.append(r"\clearpage")
        out.append(rf"\section*{{{tex_line(f.file)}}}")
        if isinstance(f, CheckReport):
            out.append(r"\textit{" + str(tex_line(summary(f))) + r"}\par")
            out += body(f, hint)
        else:
            out.append(r"Not checked: " + str(tex_line(f.error)))
    return out


def _short_cell(text: str) -> str:
    """A table cell of at most 32 characters (the full error is on the file's page)."""
    return str(tex_line(text if len(text) <= 32 else text[:31].rstrip() + "…")) if text else ""


# --- MathJax (Jupyter) -------------------------------------------------------------------------------


def mathjax_chain(steps: list[CheckedStep], definition: Definition | None) -> str:
    """One ``$$ \\begin{aligned} ... $$`` block: rows ``lhs &= rhs && mark line``."""
    tag = "" if definition is None else rf" && \text{{definition, line {definition.line}}}"
    return _aligned(steps, definition, side, tag, lambda step: rf"{mark(step.status)}\ \text{{line {step.line}}}")


def _aligned(steps: list[CheckedStep], definition: Definition | None, side_of: Callable[[str, Any], str],
             definition_tag: str, step_tag: Callable[[CheckedStep], str]) -> str:
    """A chain as one ``$$ \\begin{aligned} ... $$`` block for MathJax: each side by ``side_of``, the
    definition's row ending in ``definition_tag``, each step's in ``&& step_tag(step)``."""
    head = steps[0]
    lhs = side_of(head.lhs_latex, head.read_lhs)
    rows: list[str] = []
    if definition is not None:
        name = safe_math(definition.name) or rf"\text{{{tex_line(definition.name)}}}"
        rows.append(rf"{name} &= {lhs}{definition_tag}")
        lhs = ""
    for k, step in enumerate(steps):
        rhs = side_of(step.rhs_latex, step.read_rhs) + (r" + \text{const}" if step.up_to_constant else "")
        rel = RELATIONS.get(step.relation, "=")
        left = lhs if k == 0 else ""
        parts = lines_of(rhs, max(24, WIDE - 3 - visible(left)))  # MathJax 3 does not break lines
        rows.append(rf"{left} &{rel} {parts[0]} && {step_tag(step)}")
        rows += [rf"&\qquad {p}" for p in parts[1:]]
    return "$$\n\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}\n$$"


def _mathjax_definition(d: Any) -> str:
    """``name = body`` of a definition the file made, each side typed maths where it is safe, else text."""
    name = safe_math(d.name) or rf"\text{{{tex_line(d.name)}}}"
    value = safe_math(d.body) or rf"\text{{{tex_line(d.body)}}}"
    return f"{name} = {value}"


def mathjax_body(r: CheckReport) -> list[str]:
    """The annotated derivation for MathJax: prose paragraphs (inline maths on one line) and one
    ``$$`` block per display, then the first error's counterexample and hint."""
    out: list[str] = []
    for _, kind, payload in items(r):
        if kind == "prose":
            text = prose_markdown(payload)
            if text:
                out.append(text)
        elif kind == "definition":
            note = rf" \qquad \text{{{payload.kind}, line {payload.line}}}"
            out.append(f"$$\n{_mathjax_definition(payload)}{note}\n$$")
        else:
            out.append(mathjax_chain(*payload))
    return out


def mathjax_error(r: CheckReport, hint: Hints) -> list[str]:
    """Under the displays, for MathJax: the first error's counterexample and hint (words, inline maths
    kept whole) and the expected right side in its own ``$$`` block."""
    first = r.first_error
    if first is None:
        return []
    example = first.counterexample or {}
    said = f"Line {first.line} does not follow."
    if example:
        left, right = example.pop("left side", ""), example.pop("right side", "")
        where = ", ".join(f"{k} = {v}" for k, v in example.items())
        said += f" Counterexample: at {where}: left side {left}, right side {right}."
    if first.hint is not None:
        said += f" Hint: {hint(first.hint)}."
    out = [said]
    expected = safe_math(compact_latex(first.expected_latex)) if first.expected_latex else None
    if expected is not None:
        out.append(f"$$\n{expected}\n$$")
    return out
