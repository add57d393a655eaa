"""A file end to end through the engine, with a table reader (the LaTeX reader is tested in tests/parse)."""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from derive.core.budget import Budget
from derive.core.errors import ParseError
from derive.checker.model import CheckReport, Unparsed
from derive.checker.probe import Declared
from derive.checker.run import check_text
from derive.parse.derivation import Derivation
from derive.parse.domain import VarDomain
from derive.render import render
from derive.render.notation.text import hint_text
from tests.checker.conftest import N, THETA, X, I, total

TABLE = {
    r"\frac{d}{d\theta} (n\log\theta - \theta\sum_{i=1}^{n} x_i )":
        sp.Derivative(N * sp.log(THETA) - THETA * total(X[I]), THETA),
    r"\frac{n}{\theta} - \sum_{i=1}^{n} x_i": N / THETA - total(X[I]),
    r"\frac{1}{\theta} - \sum_{i=1}^{n} x_i": 1 / THETA - total(X[I]),
}


@dataclass(frozen=True)
class Read:
    expr: sp.Basic
    latex: str


class TableReader:
    declared = Declared({"theta": VarDomain("theta", 0.0)})

    def read(self, latex: str) -> Read:
        if latex not in TABLE:
            raise ParseError(f"cannot read {latex!r}")
        return Read(TABLE[latex], sp.latex(TABLE[latex]))


def check(rhs: str) -> CheckReport:
    text = ("% derive: \\theta > 0\n\\begin{align*}\n"
            "\\frac{d}{d\\theta}\\Big(n\\log\\theta - \\theta\\sum_{i=1}^{n} x_i\\Big)\n"
            f"  &= {rhs}\n\\end{{align*}}\n")

    def reader_for(_: Derivation) -> TableReader:
        return TableReader()

    return check_text(text, "proof.tex", Budget().start(), reader_for)


def test_correct_file() -> None:
    r = check(r"\frac{n}{\theta} - \sum_{i=1}^{n} x_i")
    assert r.outcome == "correct" and r.first_error is None and r.verdict.value == "certified"
    assert render(r, "text").rstrip().endswith("✓ certified: every step of proof.tex holds")


def test_refuted_at_line_4_with_hint() -> None:
    r = check(r"\frac{1}{\theta} - \sum_{i=1}^{n} x_i")
    assert r.outcome == "incorrect"
    assert r.first_error is not None and r.first_error.line == 4 and r.first_error.index == 1
    assert r.first_error.hint is not None and r.first_error.hint.kind == "factor"
    assert "missing factor n" in hint_text(r.first_error.hint.parts)
    text = render(r, "text")
    assert "counterexample: at n = " in text and "hint: missing factor n" in text


def test_unreadable_side_is_unparsed_never_certified() -> None:
    r = check(r"\frac{n}{\theta} - \sum_{i=1}^{n} x_j + ")
    [step] = r.steps
    assert isinstance(step.certificate, Unparsed) and step.status == "unparsed"
    assert r.outcome == "unverifiable" and r.verdict.value == "undecided"


def test_json_contract() -> None:
    import json

    doc = json.loads(render(check(r"\frac{1}{\theta} - \sum_{i=1}^{n} x_i"), "json"))
    assert doc["file"] == "proof.tex" and doc["verdict"] == "incorrect"
    assert doc["first_error"] == {"line": 4, "step": 1, "hint": doc["steps"][0]["hint"]}
    step = doc["steps"][0]
    assert {"line", "lhs", "rhs", "relation", "status", "counterexample", "hint"} <= set(step)
    assert step["status"] == "refuted" and step["relation"] == "=" and step["line"] == 4
    assert isinstance(step["counterexample"], dict) and "n" in step["counterexample"]
