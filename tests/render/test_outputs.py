"""Rendered derivations: LaTeX chain, JSON contract, Unicode text and Markdown."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import sympy as sp

import derive
from derive.course.kinds import CheckedAnswer
from derive.core.budget import Budget
from derive.scalar.certify import certify_derivation
from derive.scalar.strategy import differentiate
from derive.scalar.model import Derivation
from derive.core.functions import sigmoid
from derive.core.contract import Unknown
from derive.render.notation.latex import tex
from derive.render import render
from derive.render.formats.markdown import certificate_summary
from derive.render.notation.text import utext


def to_json(d: Derivation) -> str:
    return render(d, "json")


def to_markdown(d: Derivation) -> str:
    return render(d, "markdown")


def derivation_latex(d: Derivation) -> str:
    return render(d, "latex")


def to_text(d: Derivation, width: int = 100) -> str:
    return render(d, "text", width=width)

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
s = sp.Symbol("sigma", positive=True)
mu = sp.Symbol("mu", real=True)
f = sp.Function("f")

F_X2_RESULT = "2*x*Subs(Derivative(f(_xi_1), _xi_1), _xi_1, x**2)"
CERTIFICATE = re.compile(r"^(proved|plausible|refuted|unknown|timeout|not computed)\b")


def _derivation(expr: sp.Expr, wrt: list[sp.Symbol], source: str = "", certify: bool = True) -> Derivation:
    clock = Budget().start()
    d = differentiate(expr, wrt, clock, source=source)
    return certify_derivation(d, clock) if certify else d


EXAMPLES: list[tuple[str, sp.Expr, list[sp.Symbol]]] = [
    ("f(x^2)", f(x**2), [x]),
    ("x^2 sin x", x**2 * sp.sin(x), [x]),
    ("sin(x)^x", sp.sin(x) ** x, [x]),
    ("sigmoid", sigmoid(x), [x]),
    ("gaussian", -sp.log(2 * sp.pi * s**2) / 2 - (x - mu) ** 2 / (2 * s**2), [s]),
    ("mixed", x**2 * y**3 + sp.sin(x * y), [x, y]),
    ("f(x^2)''", f(x**2), [x, x]),
    ("quotient", sp.sin(x) / (1 + x**2), [x]),
]
_IDS = [e[0] for e in EXAMPLES]


def _balanced(text: str) -> bool:
    depth = 0
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in "{}":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                return False
        i += 1
    return depth == 0


# -- LaTeX -----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expr", "wrt"), EXAMPLES, ids=_IDS)
def test_latex_chain_is_structurally_sound(name: str, expr: sp.Expr, wrt: list[sp.Symbol]) -> None:
    d = _derivation(expr, wrt)
    latex = derivation_latex(d)
    assert latex.startswith(r"\begin{align*}")
    assert latex.rstrip().endswith(r"\end{align*}")
    assert _balanced(latex), latex
    assert latex.count(r"\left") == latex.count(r"\right")
    assert latex.count(r"\begin{") == latex.count(r"\end{")
    rows = [line for line in latex.splitlines() if line.lstrip().startswith("&=")]
    assert len(rows) == len(d.steps)
    # every row but the last ends the line; every row has the justification column
    assert all(row.rstrip().endswith(r"\\") for row in rows[:-1])
    assert not rows[-1].rstrip().endswith(r"\\")
    assert all("&&" in row for row in rows)
    assert "None" not in latex and "Subs" not in latex and "_xi" not in latex


def test_latex_of_undefined_chain_uses_prime_notation() -> None:
    latex = derivation_latex(_derivation(f(x**2), [x]))
    assert r"f'\left(x^{2}\right)" in latex
    assert r"2 x f'\left(x^{2}\right)" in latex
    assert r"chain rule, $u_{1} = x^{2}$" in latex


def test_latex_second_derivative_of_undefined() -> None:
    latex = derivation_latex(_derivation(f(x**2), [x, x]))
    assert r"f''\left(x^{2}\right)" in latex


def test_latex_chain_states_the_higher_derivative() -> None:
    """Each '&=' row must equal the row above: after df/dx the chain needs d^2/dx^2 f on its left.

    Printing 'differentiate again' as '&= d/dx(previous)' claims 2x f'(x^2) = d/dx(2x f'(x^2)).
    """
    latex = derivation_latex(_derivation(f(x**2), [x, x]))
    assert r"\frac{d^{2}}{d x^{2}}" in latex, latex


def test_latex_marks_a_refuted_step() -> None:
    import dataclasses

    d = _derivation(x * sp.exp(-x), [x], certify=False)
    wrong = dataclasses.replace(d.steps[-1], after=(1 + x) * sp.exp(-x))
    clock = Budget().start()
    bad = certify_derivation(dataclasses.replace(d, steps=d.steps[:-1] + (wrong,), result=wrong.after), clock)
    latex = derivation_latex(bad)
    assert r"\textbf{(refuted)}" in latex
    assert "NOT certified" in certificate_summary(bad)


def test_latex_expression_notation() -> None:
    assert tex(sp.Derivative(f(x), x)) == r"f'\left(x\right)"
    assert tex(sp.Derivative(f(x), (x, 4))) == r"f^{(4)}\left(x\right)"
    assert tex(sp.sin(x) ** x) == r"\left(\sin{\left(x \right)}\right)^{x}"
    assert tex(sigmoid(x)) == r"\sigma\left(x\right)"
    assert r"\ln" in tex(sp.log(x))
    assert tex(sp.Derivative(x**2 * y, x)).startswith(r"\frac{\partial}{\partial x}")


# -- JSON ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expr", "wrt"), EXAMPLES, ids=_IDS)
def test_json_contract(name: str, expr: sp.Expr, wrt: list[sp.Symbol]) -> None:
    d = _derivation(expr, wrt, source=name)
    doc = json.loads(to_json(d))
    assert {"input", "wrt", "result", "result_latex", "steps"} <= set(doc)
    assert doc["input"] == name
    assert doc["wrt"] == [v.name for v in wrt]
    assert doc["result"] == sp.sstr(d.result)
    assert doc["result_latex"] == tex(d.result)
    assert len(doc["steps"]) == len(d.steps)
    for out, step in zip(doc["steps"], d.steps):
        assert {"rule", "before", "after", "latex", "justification", "certificate"} <= set(out)
        assert out["rule"] == step.rule
        assert out["before"] == sp.sstr(step.before)
        assert out["after"] == sp.sstr(step.after)
        assert out["justification"] == step.justification
        assert CERTIFICATE.match(out["certificate"]), out["certificate"]
        assert out["latex"] == f"{tex(step.before)} = {tex(step.after)}"
        assert all(isinstance(out[k], str) for k in ("rule", "before", "after", "latex", "justification", "certificate"))


def test_json_result_of_f_x_squared() -> None:
    doc = json.loads(to_json(_derivation(f(x**2), [x], source="f(x^2)")))
    assert doc["result"] == F_X2_RESULT
    assert doc["steps"][0]["before"] == "Derivative(f(x**2), x)"
    assert doc["steps"][-1]["after"] == F_X2_RESULT
    assert doc["result_latex"] == r"2 x f'\left(x^{2}\right)"


def test_json_str_forms_round_trip() -> None:
    """The str forms read back (in a test, with our own names) to the same expressions."""
    d = _derivation(x**2 * sp.sin(x), [x])
    doc = json.loads(to_json(d))
    names = {"x": x}
    assert sp.sympify(doc["result"], locals=names) == d.result
    for out, step in zip(doc["steps"], d.steps):
        assert sp.sympify(out["after"], locals=names) == step.after


def test_json_unchecked_steps_say_not_computed() -> None:
    doc = json.loads(to_json(_derivation(x**3, [x], certify=False)))
    assert all(step["certificate"] == "not computed (not checked)" for step in doc["steps"])


def test_json_timeout_certificate() -> None:
    d = _derivation(sp.sin(x) * x, [x], certify=False)
    out = certify_derivation(d, Budget(seconds=0).start())
    doc = json.loads(to_json(out))
    certificates = [step["certificate"] for step in doc["steps"]]
    assert all(CERTIFICATE.match(c) for c in certificates)
    assert any(c.startswith("timeout") for c in certificates), certificates
    assert all(isinstance(st.certificate, Unknown) and st.certificate.timeout for st in out.steps)


def test_json_is_utf8_text_not_ascii_escapes() -> None:
    text = to_json(_derivation(s**2, [s], source="σ^2"))
    assert "σ^2" in text


# -- Unicode text -------------------------------------------------------------------


def test_text_output_of_f_x_squared() -> None:
    text = to_text(_derivation(f(x**2), [x]), width=200)
    assert "f′(x²)" in text
    assert "2·x·f′(x²)" in text
    assert "d/dx[f(x²)]" in text
    assert "✓" in text
    assert "Result:" in text


def test_text_second_derivative_chain_starts_at_the_first_derivative() -> None:
    """The table's first row is '= <step 1>': its left side must be d/dx f(x^2), not d^2/dx^2 f(x^2)."""
    text = to_text(_derivation(f(x**2), [x, x]), width=200)
    assert "f′′(x²)" in text
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    header, first_row = lines[0], lines[1]
    assert first_row.startswith("=")
    assert header.startswith("d/dx[f(x²)]"), f"header {header!r} is not equal to {first_row!r}"


def test_unicode_expression_forms() -> None:
    assert utext(sp.Derivative(f(x), x)) == "f′(x)"
    assert utext(sp.Derivative(f(x), (x, 2))) == "f′′(x)"
    assert utext(f(x**2).diff(x)) == "2·x·f′(x²)"
    assert utext(x**2 * sp.sin(x)) == "x²·sin(x)"
    assert utext(sigmoid(x)) == "σ(x)"
    assert utext(sp.sqrt(x)) == "√(x)"
    assert utext(sp.log(x)) == "ln(x)"
    assert utext(sp.Abs(x)) == "|x|"
    assert utext(s) == "σ"
    assert utext(sp.pi) == "π"


def test_text_shows_refuted_mark() -> None:
    import dataclasses

    d = _derivation(x * sp.exp(-x), [x], certify=False)
    wrong = dataclasses.replace(d.steps[-1], after=(1 + x) * sp.exp(-x))
    bad = certify_derivation(dataclasses.replace(d, steps=d.steps[:-1] + (wrong,), result=wrong.after),
                             Budget().start())
    text = to_text(bad, width=200)
    assert "✗ refuted" in text


# -- Markdown -------------------------------------------------------------------------


def test_markdown_has_display_math_and_checks() -> None:
    md = to_markdown(_derivation(f(x**2), [x]))
    assert md.count("$$") >= 2
    assert md.count("$$") % 2 == 0
    assert r"\begin{aligned}" in md and r"\parbox" not in md  # renders in MathJax (GitHub, Jupyter)
    assert "**Result:**\n\n$$\n2 x f'\\left(x^{2}\\right)\n$$" in md  # its own display, not inline maths
    assert "- agrees with sympy.diff: proved" in md
    assert "- certification:" in md


def test_text_justifications_print_their_expressions_as_the_lines_do() -> None:
    """The chain rule's u2 = y − x² beside a line that prints y − x², not SymPy's -x^2 + y."""
    import derive

    out = derive.grad("(1-x)^2 + 100 (y - x^2)^2", wrt="x,y").to_text(width=160)
    assert "with u2 = y - x², d/du2 u2² = 2·u2" in out.replace("−", "-")
    assert "-x^2 + y" not in out and "-x² + y" not in out.replace("−", "-")


@pytest.mark.parametrize("make", [
    lambda: derive.diff("x^2*exp(3*x)", wrt="x"),
    lambda: derive.grad("x^2*y + sin(y)", wrt=["x", "y"]),
    lambda: derive.mle("poisson"),
    lambda: CheckedAnswer(derive.check("$$\\frac{d}{dx} x^2 = 2x$$")),  # a sheet's check problem wraps a report
])
def test_chain_and_result_from_one_walk_are_the_two_parts(make: Callable[[], Any]) -> None:
    """A worked solution's chain and result come from one walk of the result: the same text as two renders."""
    result = make()
    assert result.chain_and_result_latex() == (result.render("latex", part="chain"),
                                               result.render("latex", part="result"))
