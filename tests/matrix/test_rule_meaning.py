"""Each rule of matrix differentials carries its own meaning: identity, words, LaTeX and application.

Every rule in ``RULES`` is chosen for a sample it is meant for, and its application holds
numerically (the certifier's step check, independent of the rules); every printer takes a
rule's words and LaTeX from the rule itself, so a new rule added to ``RULES`` shows in every
format without touching anything else.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

import pytest

from derive.core.budget import Budget
from derive.matrix import expr as M
from derive.matrix import rules as R
from derive.matrix.certify import certify_matrix_gradient, certify_step
from derive.matrix.gradient import matrix_gradient
from derive.matrix.model import MatStep
from derive.render import render
from derive.render.notation.matrix import mtex

n, p = M.dim("n"), M.dim("p")
x = M.MatSym("x", p, M.ONE)
A = M.MatSym("A", p, p)
S = M.MatSym("S", p, p)
X = M.MatSym("X", n, p)

SAMPLES: dict[type[R.DifferentialRule], tuple[M.Node, M.MatSym]] = {
    R.ConstantD: (A, x),
    R.VariableD: (x, x),
    R.NormD: (M.power(M.norm(x), 2), x),
    R.LogSoftmaxD: (M.func("log", M.softmax(x)), x),
    R.SumD: (M.add(x, M.mul(A, x)), x),
    R.ConstantFactorD: (M.mul(A, x), x),
    R.ProductD: (M.mul(M.transpose(x), A, x), x),
    R.TransposeD: (M.transpose(M.add(x, M.mul(A, x))), x),
    R.TraceD: (M.trace(M.mul(A, S)), S),
    R.InverseD: (M.inverse(S), S),
    R.DetD: (M.det(S), S),
    R.LogDetD: (M.logdet(S), S),
    R.HadamardD: (M.hadamard(x, M.mul(A, x)), x),
    R.FunctionD: (M.func("exp", x), x),
    R.PowerD: (M.power(x, 3), x),
    R.LogSumExpD: (M.logsumexp(x), x),
    R.SoftmaxD: (M.softmax(x), x),
    R.DiagD: (M.diag(x), x),
    R.DiagPartD: (M.diagpart(S), S),
    R.VecD: (M.vec(X), X),
}


def test_every_rule_has_a_sample() -> None:
    assert set(SAMPLES) == set(R.RULES)


@pytest.mark.parametrize("rule", R.RULES, ids=lambda r: r.__name__)
def test_each_rule_is_chosen_for_its_sample_and_holds(rule: type[R.DifferentialRule]) -> None:
    u, var = SAMPLES[rule]
    assert R.rule_for(u, var) is rule
    applied = rule.apply(M.D(u), var)
    step = MatStep(before=M.D(u), after=applied.result, rule=rule.name)
    verdict = certify_step(step, var, Budget(seconds=60).start(), 3, None)
    assert verdict.certified, verdict.describe()


@pytest.mark.parametrize("rule", R.ALL_RULES, ids=lambda r: r.__name__)
def test_each_rule_states_its_identity_and_has_a_vocabulary_name(rule: type[R.MatRule]) -> None:
    assert rule.__doc__ and rule.__doc__.strip()
    assert rule.name in R.MATRIX_RULE_NAMES


@pytest.mark.parametrize("rule", R.RULES, ids=lambda r: r.__name__)
def test_each_application_says_itself_in_words_and_latex(rule: type[R.DifferentialRule]) -> None:
    u, var = SAMPLES[rule]
    applied = rule.apply(M.D(u), var)
    words, latex = R.justify((applied,)), applied.latex(mtex)
    assert words and "\n" not in words
    assert latex and "\n" not in latex and latex.count("$") % 2 == 0


@dataclass(frozen=True, slots=True)
class TraceOfTheVariable(R.TraceD):
    """d tr(X) = tr(dX) for the variable itself (a rule defined outside the package, for this test)"""

    name: ClassVar[str] = "trace of the variable"
    phrase: ClassVar[str] = "this test's rule: d tr(X) = tr(dX)"
    tex: ClassVar[str] = r"this test's rule: $\mathrm{d}\operatorname{tr}X = \operatorname{tr}\mathrm{d}X$"

    @classmethod
    def matches(cls, u: M.Node, var: M.MatSym) -> bool:
        return isinstance(u, M.Trace) and u.arg == var


def test_a_new_rule_in_rules_reaches_every_format(monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding a rule is one class and its place in RULES: the engine and every printer use it as is."""
    monkeypatch.setattr(R, "RULES", (TraceOfTheVariable, *R.RULES))
    clock = Budget(seconds=60).start()
    g = certify_matrix_gradient(matrix_gradient(M.add(M.trace(S), M.trace(M.mul(A, S))), S, clock), clock)
    assert any(s.rule == "trace of the variable" for s in g.steps)
    assert g.certified
    assert "this test's rule: d tr(X) = tr(dX)" in render(g, "text", width=200)
    assert r"this test's rule: $\mathrm{d}\operatorname{tr}X" in render(g, "latex")
    step = next(s for s in json.loads(render(g, "json"))["steps"] if s["rule"] == "trace of the variable")
    assert "this test's rule" in step["justification"] and "this test's rule" in step["justification_latex"]
    assert "this test's rule" in render(g, "markdown")
