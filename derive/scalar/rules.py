"""One frozen dataclass per textbook differentiation rule; the docstring is the rule.

A rule rewrites one pending ``Derivative`` (``target``) into ``result``, which may
hold further pending derivatives. Rules are data: printers walk them, the
engine only builds them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import sympy as sp

from derive.scalar.model import Rule


@dataclass(frozen=True, slots=True)
class ConstantRule(Rule):
    """d/dx c = 0"""

    name: ClassVar[str] = "constant"


@dataclass(frozen=True, slots=True)
class VariableRule(Rule):
    """d/dx x = 1"""

    name: ClassVar[str] = "variable"


@dataclass(frozen=True, slots=True)
class SumRule(Rule):
    """d/dx (a f + b g) = a f' + b g'  (sum, difference and constant multiples)"""

    name: ClassVar[str] = "sum"


@dataclass(frozen=True, slots=True)
class ConstantMultipleRule(Rule):
    """d/dx (c f) = c f'"""

    name: ClassVar[str] = "constant multiple"
    constant: sp.Expr


@dataclass(frozen=True, slots=True)
class PowerRule(Rule):
    """d/dx x^n = n x^(n-1)"""

    name: ClassVar[str] = "power"
    exponent: sp.Expr


@dataclass(frozen=True, slots=True)
class ProductRule(Rule):
    """d/dx (f g) = f' g + f g'  (one term per factor)"""

    name: ClassVar[str] = "product"
    factors: tuple[sp.Expr, ...]


@dataclass(frozen=True, slots=True)
class QuotientRule(Rule):
    """d/dx (f / g) = (f' g - f g') / g^2"""

    name: ClassVar[str] = "quotient"
    numerator: sp.Expr
    denominator: sp.Expr


@dataclass(frozen=True, slots=True)
class ExpRule(Rule):
    """d/dx e^x = e^x"""

    name: ClassVar[str] = "exp"


@dataclass(frozen=True, slots=True)
class ExponentialRule(Rule):
    """d/dx a^x = a^x ln a"""

    name: ClassVar[str] = "exponential"
    base: sp.Expr


@dataclass(frozen=True, slots=True)
class LogRule(Rule):
    """d/dx ln x = 1/x"""

    name: ClassVar[str] = "log"


@dataclass(frozen=True, slots=True)
class FunctionRule(Rule):
    """d/dx F(x) = F'(x) for a named function F, its derivative read from SymPy's fdiff."""

    name: ClassVar[str] = "function"
    function: str
    derivative: sp.Expr


@dataclass(frozen=True, slots=True)
class TrigRule(FunctionRule):
    """d/dx sin x = cos x, d/dx cos x = -sin x, d/dx tan x = 1 + tan^2 x, ..."""

    name: ClassVar[str] = "trig"


@dataclass(frozen=True, slots=True)
class InverseTrigRule(FunctionRule):
    """d/dx asin x = 1/sqrt(1 - x^2), d/dx atan x = 1/(1 + x^2), ..."""

    name: ClassVar[str] = "inverse trig"


@dataclass(frozen=True, slots=True)
class HyperbolicRule(FunctionRule):
    """d/dx sinh x = cosh x, d/dx cosh x = sinh x, d/dx tanh x = 1 - tanh^2 x, ..."""

    name: ClassVar[str] = "hyperbolic"


@dataclass(frozen=True, slots=True)
class InverseHyperbolicRule(FunctionRule):
    """d/dx asinh x = 1/sqrt(x^2 + 1), d/dx atanh x = 1/(1 - x^2), ..."""

    name: ClassVar[str] = "inverse hyperbolic"


@dataclass(frozen=True, slots=True)
class AbsRule(FunctionRule):
    """d/dx |x| = sign(x)  (for x != 0)"""

    name: ClassVar[str] = "abs"


@dataclass(frozen=True, slots=True)
class SpecialFunctionRule(FunctionRule):
    """d/dx F(x) = F'(x) for a special function (erf, gamma, ...), as SymPy defines F'."""

    name: ClassVar[str] = "special function"


@dataclass(frozen=True, slots=True)
class MLAtomRule(FunctionRule):
    """sigma'(x) = sigma(x)(1 - sigma(x)), softplus'(x) = sigma(x), d logsumexp = softmax"""

    name: ClassVar[str] = "ml function"


@dataclass(frozen=True, slots=True)
class UndefinedFunctionRule(FunctionRule):
    """d/dx f(x) = f'(x) for a function f the user left undefined"""

    name: ClassVar[str] = "undefined function"


@dataclass(frozen=True, slots=True)
class ChainRule(Rule):
    """d/dx F(u) = F'(u) du/dx"""

    name: ClassVar[str] = "chain"
    outer: Rule
    u: sp.Symbol
    inner: sp.Expr


@dataclass(frozen=True, slots=True)
class MultivariateChainRule(Rule):
    """d/dx F(u_1, ..., u_k) = sum_i dF/du_i du_i/dx"""

    name: ClassVar[str] = "chain"
    function: str
    partials: tuple[sp.Expr, ...]
    inners: tuple[sp.Expr, ...]


@dataclass(frozen=True, slots=True)
class LogDifferentiationRule(Rule):
    """d/dx f^g = f^g d/dx (g ln f)  (logarithmic differentiation, f > 0)"""

    name: ClassVar[str] = "logarithmic differentiation"
    base: sp.Expr
    exponent: sp.Expr


@dataclass(frozen=True, slots=True)
class PiecewiseRule(Rule):
    """d/dx {f_i(x) if c_i} = {f_i'(x) if c_i}  (away from the boundaries between pieces)"""

    name: ClassVar[str] = "piecewise"
    pieces: int


@dataclass(frozen=True, slots=True)
class PartialRule(Rule):
    """d/dx f(x, y): differentiate in x, treating the other variables as constants"""

    name: ClassVar[str] = "partial"
    constants: tuple[sp.Symbol, ...]


@dataclass(frozen=True, slots=True)
class HigherOrderRule(Rule):
    """d^2/dx^2 f = d/dx (df/dx)"""

    name: ClassVar[str] = "higher order"
    previous: sp.Expr
    constants: tuple[sp.Symbol, ...] = ()


@dataclass(frozen=True, slots=True)
class SimplifyRule(Rule):
    """Rewrite the result in a shorter equivalent form (named by ``method``)."""

    name: ClassVar[str] = "simplify"
    method: str


@dataclass(frozen=True, slots=True)
class GiveUp(Rule):
    """No step-by-step rule applies: the derivative is taken by SymPy in one labelled step."""

    name: ClassVar[str] = "cas"
    reason: str


RULE_NAMES: tuple[str, ...] = tuple(
    sorted(
        {
            cls.name
            for cls in (
                ConstantRule, VariableRule, SumRule, ConstantMultipleRule, PowerRule, ProductRule,
                QuotientRule, ExpRule, ExponentialRule, LogRule, TrigRule, InverseTrigRule,
                HyperbolicRule, InverseHyperbolicRule, AbsRule, SpecialFunctionRule, MLAtomRule,
                UndefinedFunctionRule, ChainRule, LogDifferentiationRule, PiecewiseRule, PartialRule,
                HigherOrderRule, SimplifyRule, GiveUp,
            )
        }
    )
)
"""The fixed vocabulary of step names (``Step.rule``)."""
