"""Each scalar rule carries its own meaning: formula, words, LaTeX and application, in one class.

The strategy reaches every rule it lists; every printer takes a rule's words and LaTeX from the
rule itself, so a new rule added to ``STRATEGY`` (here, in a test) shows up in every format
without touching anything else.
"""
from __future__ import annotations

import dataclasses
import json
from typing import ClassVar

import pytest
import sympy as sp

from derive.core.budget import Budget
from derive.core.functions import sigmoid
from derive.render import render
from derive.render.notation.latex import tex
from derive.scalar import rules as R
from derive.scalar.certify import certify_derivation
from derive.scalar.model import Rule, Tex
from derive.scalar.strategy import differentiate

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
f = sp.Function("f")

SAMPLES: dict[type[Rule], sp.Expr] = {
    R.ConstantRule: y**2,
    R.VariableRule: x,
    R.SumRule: x**2 + sp.sin(x),
    R.ConstantMultipleRule: 3 * sp.sin(x),
    R.QuotientRule: sp.sin(x) / (1 + x**2),
    R.ProductRule: x * sp.sin(x),
    R.PowerRule: x**5,
    R.ExponentialRule: 2**x,
    R.ExpRule: sp.exp(x),
    R.LogRule: sp.log(x),
    R.UndefinedFunctionRule: f(x),
    R.TrigRule: sp.cos(x),
    R.InverseTrigRule: sp.atan(x),
    R.HyperbolicRule: sp.tanh(x),
    R.InverseHyperbolicRule: sp.asinh(x),
    R.AbsRule: sp.Abs(x),
    R.MLAtomRule: sigmoid(x),
    R.SpecialFunctionRule: sp.erf(x),
    R.PiecewiseRule: sp.Piecewise((x**2, x < 1), (x, True)),
    R.LogDifferentiationRule: x**x,
    R.ChainRule: sp.sin(x**2),
    R.MultivariateChainRule: sp.Max(x, x**2),
}
"""An expression whose derivative each rule of the strategy is chosen for."""


def test_every_rule_of_the_strategy_has_a_sample() -> None:
    assert set(SAMPLES) == set(R.STRATEGY)


@pytest.mark.parametrize("rule", R.STRATEGY, ids=lambda r: r.__name__)
def test_the_strategy_chooses_each_rule_for_its_sample(rule: type[Rule]) -> None:
    chosen = R.choose(SAMPLES[rule], x)
    assert type(chosen) is rule
    # the rule's application is right: what it rewrites to is the derivative
    assert sp.simplify(chosen.result.doit() - sp.diff(SAMPLES[rule], x)) == 0


@pytest.mark.parametrize("rule", R.ALL_RULES, ids=lambda r: r.__name__)
def test_each_rule_states_its_formula_and_has_a_vocabulary_name(rule: type[Rule]) -> None:
    assert rule.__doc__ and rule.__doc__.strip()
    assert rule.name in R.RULE_NAMES


@pytest.mark.parametrize("rule", R.STRATEGY, ids=lambda r: r.__name__)
def test_each_application_says_itself_in_words_and_latex(rule: type[Rule]) -> None:
    chosen = R.choose(SAMPLES[rule], x)
    words = R.justify((chosen,))
    latex = chosen.latex(tex)
    assert words and "\n" not in words
    assert latex and "\n" not in latex and latex.count("$") % 2 == 0


@dataclasses.dataclass(frozen=True, slots=True)
class SquareRule(R.PowerRule):
    """d/dx x^2 = 2 x  (a rule defined outside the package, for this test)"""

    name: ClassVar[str] = "square"
    phrase: ClassVar[str] = "the square rule of this test: (x^2)' = 2x"

    @classmethod
    def match(cls, expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule | None:
        return cls(target, 2 * x, sp.Integer(2)) if expr == x**2 else None

    def latex(self, tex: Tex) -> str:
        return r"square rule of this test: $\frac{d}{dx} x^2 = 2x$"



def test_a_new_rule_in_the_strategy_reaches_every_format(monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding a rule is one class and its place in STRATEGY: the engine and every printer use it as is."""
    monkeypatch.setattr(R, "STRATEGY", (SquareRule, *R.STRATEGY))
    clock = Budget().start()
    d = certify_derivation(differentiate(x**2 + sp.sin(x), [x], clock), clock)
    assert any(s.rule == "square" for s in d.steps)
    assert d.certified
    assert "the square rule of this test" in render(d, "text", width=200)
    assert "square rule of this test: $" in render(d, "latex")
    step = next(s for s in json.loads(render(d, "json"))["steps"] if s["rule"] == "square")
    assert step["justification"] == SquareRule.phrase and "square rule of this test" in step["justification_latex"]
    assert "square rule of this test" in render(d, "markdown")
