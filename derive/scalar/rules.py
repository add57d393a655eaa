"""The textbook differentiation rules, one frozen dataclass each: formula, words, LaTeX and application.

A rule rewrites one pending ``Derivative`` (``target``) into ``result``, which may hold further
pending derivatives. Each class is the whole rule: its docstring states it, ``name``/``words``/
``latex`` say it in every output, and ``match(expr, x, target)`` applies it (or returns None
when it does not fit). ``STRATEGY`` orders them as a person chooses; ``choose`` walks it. Adding
a rule is one class here and its place in ``STRATEGY`` (or ``ELEMENTARY``, for a function of x).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import sympy as sp
from sympy.core.function import AppliedUndef, ArgumentIndexError

from derive.core.functions import ML_FUNCTIONS
from derive.scalar.model import Rule, Tex
from derive.scalar.notation import text

_U = sp.Symbol("u")  # placeholder letter; the engine renames it u1, u2, ...
_FDIFF_ERRORS = (ArgumentIndexError, NotImplementedError, TypeError, ValueError, AttributeError)


# -- helpers the rules share --------------------------------------------------------------------
def pending(d: sp.Derivative) -> bool:
    """True if ``d`` still needs a rule.

    A derivative of an undefined f with respect to its own arguments (f'(x), or SymPy's
    d f(g(x)) / d g(x)) is already a final form.
    """
    expr = d.expr
    if isinstance(expr, AppliedUndef):
        return not all(v in expr.args for v in d.variables)
    return True


def d(expr: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """The pending derivative of ``expr``: 0 for constants, 1 for ``x``, a for a linear a x + b."""
    if expr == x:
        return sp.Integer(1)
    if not expr.has(x):
        return sp.Integer(0)
    linear = _linear_coefficient(expr, x)
    if linear is not None:
        return linear
    return sp.Derivative(expr, x, evaluate=False)


def _linear_coefficient(expr: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
    """a for ``expr`` = a x + b with a, b free of x: d/dx of it is read off, not a step."""
    terms = expr.args if expr.is_Add else (expr,)
    coeff = sp.Integer(0)
    for t in terms:
        if not t.has(x):
            continue
        c, rest = t.as_independent(x, as_Add=False)
        if rest != x:
            return None
        coeff += c
    return coeff


def _constant(e: sp.Expr, x: sp.Symbol) -> bool:
    return not e.has(x)


def _variable(target: sp.Derivative) -> sp.Symbol:
    var: sp.Symbol = target.variables[-1]
    return var


def _function_derivative(expr: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
    """F'(x) for F(x): SymPy's ``fdiff``, else its own derivative of F; None if it has neither."""
    try:
        derivative = expr.fdiff(1)
    except _FDIFF_ERRORS:
        derivative = None
    if derivative is None or derivative.has(sp.Derivative):
        if isinstance(expr, AppliedUndef):
            return derivative
        try:
            derivative = sp.diff(expr, x)
        except _FDIFF_ERRORS:
            return None
        if derivative.has(sp.Derivative):
            return None
    return derivative


def _split_quotient(factors: Sequence[sp.Expr]) -> tuple[list[sp.Expr], list[sp.Expr]]:
    """Numerator and denominator factors: only powers with a negative number as exponent go down.

    exp(-x) stays a numerator factor, so x*exp(-x) remains a product.
    """
    num: list[sp.Expr] = []
    den: list[sp.Expr] = []
    for f in factors:
        if f.is_Pow and f.exp.is_Number and f.exp.is_negative:
            den.append(f.base ** (-f.exp))
        else:
            num.append(f)
    return num, den


# -- the rules ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ConstantRule(Rule):
    """d/dx c = 0"""

    name: ClassVar[str] = "constant"
    phrase: ClassVar[str] = "the derivative of a constant is 0"

    @classmethod
    def match(cls, expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule | None:
        return cls(target, sp.Integer(0)) if _constant(expr, x) else None


@dataclass(frozen=True, slots=True)
class VariableRule(Rule):
    """d/dx x = 1"""

    name: ClassVar[str] = "variable"
    phrase: ClassVar[str] = "d/dx x = 1"

    @classmethod
    def match(cls, expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule | None:
        return cls(target, sp.Integer(1)) if expr == x else None


@dataclass(frozen=True, slots=True)
class SumRule(Rule):
    """d/dx (a f + b g) = a f' + b g'  (sum, difference and constant multiples)"""

    name: ClassVar[str] = "sum"
    phrase: ClassVar[str] = "sum rule: differentiate term by term, constants factored out"

    @classmethod
    def match(cls, expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule | None:
        if not expr.is_Add:
            return None
        terms = []
        for t in expr.args:
            coeff, rest = t.as_independent(x, as_Add=False)
            terms.append(coeff * d(rest, x))
        return cls(target, sp.Add(*terms))


@dataclass(frozen=True, slots=True)
class ConstantMultipleRule(Rule):
    """d/dx (c f) = c f'"""

    name: ClassVar[str] = "constant multiple"
    phrase: ClassVar[str] = "constant multiple rule: (c f)' = c f'"
    constant: sp.Expr

    @classmethod
    def match(cls, expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule | None:
        if not expr.is_Mul:
            return None
        coeff, rest = expr.as_independent(x, as_Add=False)
        return cls(target, coeff * d(rest, x), coeff) if coeff != 1 else None


@dataclass(frozen=True, slots=True)
class QuotientRule(Rule):
    """d/dx (f / g) = (f' g - f g') / g^2"""

    name: ClassVar[str] = "quotient"
    phrase: ClassVar[str] = "quotient rule: (f/g)' = (f' g - f g')/g^2"
    numerator: sp.Expr
    denominator: sp.Expr

    @classmethod
    def match(cls, expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule | None:
        if not expr.is_Mul:
            return None
        num, den = _split_quotient(expr.args)
        if not den:
            return None
        n, g = sp.Mul(*num), sp.Mul(*den)
        return cls(target, (d(n, x) * g - n * d(g, x)) / g**2, n, g)


@dataclass(frozen=True, slots=True)
class ProductRule(Rule):
    """d/dx (f g) = f' g + f g'  (one term per factor)"""

    name: ClassVar[str] = "product"
    phrase: ClassVar[str] = "product rule: (f g)' = f' g + f g'"
    factors: tuple[sp.Expr, ...]

    @classmethod
    def match(cls, expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule | None:
        if not expr.is_Mul:
            return None
        factors = tuple(expr.args)
        terms = [sp.Mul(*[d(f, x) if j == i else f for j, f in enumerate(factors)]) for i in range(len(factors))]
        return cls(target, sp.Add(*terms), factors)


@dataclass(frozen=True, slots=True)
class PowerRule(Rule):
    """d/dx x^n = n x^(n-1)"""

    name: ClassVar[str] = "power"
    phrase: ClassVar[str] = "power rule: d/dx x^n = n x^(n-1)"
    exponent: sp.Expr

    @classmethod
    def match(cls, expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule | None:
        if expr.is_Pow and expr.base == x and _constant(expr.exp, x):
            e = expr.exp
            return cls(target, e * x ** (e - 1), e)
        return None


@dataclass(frozen=True, slots=True)
class ExponentialRule(Rule):
    """d/dx a^x = a^x ln a"""

    name: ClassVar[str] = "exponential"
    phrase: ClassVar[str] = "d/dx a^x = a^x ln(a)"
    base: sp.Expr

    @classmethod
    def match(cls, expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule | None:
        if expr.is_Pow and _constant(expr.base, x) and expr.exp == x:
            return cls(target, expr * sp.log(expr.base), expr.base)
        return None


@dataclass(frozen=True, slots=True)
class ExpRule(Rule):
    """d/dx e^x = e^x"""

    name: ClassVar[str] = "exp"
    phrase: ClassVar[str] = "d/dx e^x = e^x"

    @classmethod
    def match(cls, expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule | None:
        return cls(target, expr) if isinstance(expr, sp.exp) and expr.args[0] == x else None


@dataclass(frozen=True, slots=True)
class LogRule(Rule):
    """d/dx ln x = 1/x"""

    name: ClassVar[str] = "log"
    phrase: ClassVar[str] = "d/dx ln(x) = 1/x"

    @classmethod
    def match(cls, expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule | None:
        return cls(target, 1 / x) if isinstance(expr, sp.log) and expr.args == (x,) else None


@dataclass(frozen=True, slots=True)
class FunctionRule(Rule):
    """d/dx F(x) = F'(x) for a named function F, its derivative read from SymPy's fdiff."""

    name: ClassVar[str] = "function"
    functions: ClassVar[frozenset[str]] = frozenset()
    """The functions (by SymPy class name) this rule is for; empty: any function the others leave."""
    function: str
    derivative: sp.Expr

    @classmethod
    def fits(cls, expr: sp.Expr) -> bool:
        return type(expr).__name__ in cls.functions

    @classmethod
    def match(cls, expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule | None:
        return _function_of_x(cls, expr, x, target)

    def formula(self) -> str:
        arg = self.target.expr.args[0] if self.target.expr.args else ""
        return f"d/d{text(arg)} {text(self.target.expr)} = {text(self.derivative)}"

    def words(self) -> str:
        return self.formula()

    @classmethod
    def justify(cls, rules: Sequence[Rule]) -> str:
        kind = cls.name if cls.name != "function" else "derivative"
        return f"{kind} rule: " + "; ".join(r.words() for r in rules)

    def latex(self, tex: Tex) -> str:
        var = _variable(self.target)
        return rf"{self.name} rule: $\tfrac{{d}}{{d{tex(var)}}} {tex(self.target.expr)} = {tex(self.derivative)}$"


def _function_of_x(cls: type[FunctionRule], expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule | None:
    """``cls`` applied to F(x) when F is one of its functions and SymPy knows F'."""
    if not (isinstance(expr, sp.Function) and expr.args == (x,) and cls.fits(expr)):
        return None
    derivative = _function_derivative(expr, x)
    if derivative is None:
        return None
    return cls(target, derivative, type(expr).__name__, derivative)


@dataclass(frozen=True, slots=True)
class UndefinedFunctionRule(FunctionRule):
    """d/dx f(x) = f'(x) for a function f the user left undefined (and d/dx f'(x) = f''(x))"""

    name: ClassVar[str] = "undefined function"

    @classmethod
    def fits(cls, expr: sp.Expr) -> bool:
        return isinstance(expr, AppliedUndef)

    @classmethod
    def match(cls, expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule | None:
        if isinstance(expr, sp.Derivative) and isinstance(expr.expr, AppliedUndef):
            higher = sp.Derivative(expr.expr, *expr.variables, x)
            return cls(target, higher, type(expr.expr).__name__, higher)
        return _function_of_x(cls, expr, x, target)


@dataclass(frozen=True, slots=True)
class TrigRule(FunctionRule):
    """d/dx sin x = cos x, d/dx cos x = -sin x, d/dx tan x = 1 + tan^2 x, ..."""

    name: ClassVar[str] = "trig"
    functions: ClassVar[frozenset[str]] = frozenset("sin cos tan cot sec csc".split())


@dataclass(frozen=True, slots=True)
class InverseTrigRule(FunctionRule):
    """d/dx asin x = 1/sqrt(1 - x^2), d/dx atan x = 1/(1 + x^2), ..."""

    name: ClassVar[str] = "inverse trig"
    functions: ClassVar[frozenset[str]] = frozenset("asin acos atan acot asec acsc".split())


@dataclass(frozen=True, slots=True)
class HyperbolicRule(FunctionRule):
    """d/dx sinh x = cosh x, d/dx cosh x = sinh x, d/dx tanh x = 1 - tanh^2 x, ..."""

    name: ClassVar[str] = "hyperbolic"
    functions: ClassVar[frozenset[str]] = frozenset("sinh cosh tanh coth sech csch".split())


@dataclass(frozen=True, slots=True)
class InverseHyperbolicRule(FunctionRule):
    """d/dx asinh x = 1/sqrt(x^2 + 1), d/dx atanh x = 1/(1 - x^2), ..."""

    name: ClassVar[str] = "inverse hyperbolic"
    functions: ClassVar[frozenset[str]] = frozenset("asinh acosh atanh acoth asech acsch".split())


@dataclass(frozen=True, slots=True)
class AbsRule(FunctionRule):
    """d/dx |x| = sign(x)  (for x != 0)"""

    name: ClassVar[str] = "abs"
    functions: ClassVar[frozenset[str]] = frozenset({"Abs"})


@dataclass(frozen=True, slots=True)
class MLAtomRule(FunctionRule):
    """sigma'(x) = sigma(x)(1 - sigma(x)), softplus'(x) = sigma(x), d logsumexp = softmax"""

    name: ClassVar[str] = "ml function"
    functions: ClassVar[frozenset[str]] = frozenset(ML_FUNCTIONS)


@dataclass(frozen=True, slots=True)
class SpecialFunctionRule(FunctionRule):
    """d/dx F(x) = F'(x) for a special function (erf, gamma, ...), as SymPy defines F'."""

    name: ClassVar[str] = "special function"

    @classmethod
    def fits(cls, expr: sp.Expr) -> bool:
        return True  # last among the function rules: whatever the named families leave


ELEMENTARY: tuple[type[Rule], ...] = (
    PowerRule, ExponentialRule, ExpRule, LogRule, UndefinedFunctionRule, TrigRule, InverseTrigRule,
    HyperbolicRule, InverseHyperbolicRule, AbsRule, MLAtomRule, SpecialFunctionRule,
)
"""The rules for a single power or function applied directly to x, in the order they are tried."""


def elementary(expr: sp.Expr, x: sp.Symbol) -> Rule | None:
    """The rule for a single-argument function or power applied directly to ``x``, or None."""
    target = sp.Derivative(expr, x, evaluate=False)
    if isinstance(expr, sp.Derivative):
        return None
    for rule in ELEMENTARY:
        found = rule.match(expr, x, target)
        if found is not None:
            return found
    return None


@dataclass(frozen=True, slots=True)
class ChainRule(Rule):
    """d/dx F(u) = F'(u) du/dx"""

    name: ClassVar[str] = "chain"
    outer: Rule
    u: sp.Symbol
    inner: sp.Expr

    @classmethod
    def match(cls, expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule | None:
        if isinstance(expr, sp.Subs):
            return cls._undefined_at(expr, x, target)
        if expr.is_Pow:
            inner = expr.exp if _constant(expr.base, x) else expr.base
            return cls._through(expr, inner, x, target)
        if isinstance(expr, sp.Function) and len(expr.args) == 1:
            return cls._through(expr, expr.args[0], x, target)
        return None

    @classmethod
    def _through(cls, expr: sp.Expr, inner: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule:
        model = expr.xreplace({inner: _U}) if expr.is_Pow else expr.func(_U)
        outer = elementary(model, _U)
        if outer is None:
            return GiveUp.by_sympy(expr, x, target, f"no rule for the outer function of {expr}")
        if isinstance(expr, AppliedUndef):
            outer_value = expr.fdiff(1)  # SymPy's own Subs form, f'(inner)
        else:
            outer_value = outer.result.xreplace({_U: inner})
        return cls(target, outer_value * d(inner, x), outer, _U, inner)

    @classmethod
    def _undefined_at(cls, expr: sp.Subs, x: sp.Symbol, target: sp.Derivative) -> Rule | None:
        """d/dx f'(g(x)) = f''(g(x)) g'(x) for an undefined f (SymPy's Subs form of f'(g(x)))."""
        if not (isinstance(expr.expr, sp.Derivative) and isinstance(expr.expr.expr, AppliedUndef)
                and len(expr.variables) == 1):
            return None
        (xi,), (point,) = expr.variables, expr.point
        inner_d = sp.Derivative(expr.expr.expr, *expr.expr.variables, xi)
        outer = UndefinedFunctionRule(sp.Derivative(expr.expr, xi, evaluate=False), inner_d,
                                      type(expr.expr.expr).__name__, inner_d)
        return cls(target, sp.Subs(inner_d, xi, point) * d(point, x), outer, _U, point)

    def words(self) -> str:
        v = self.outer.target.variables[0]
        outer = self.outer.result.xreplace({v: self.u})
        inner_f = self.outer.target.expr.xreplace({v: self.u})
        return f"{self.u.name} = {text(self.inner)}, d/d{self.u} {text(inner_f)} = {text(outer)}"

    @classmethod
    def justify(cls, rules: Sequence[Rule]) -> str:
        x = text(_variable(rules[0].target))
        return f"chain rule: d/d{x} F(u) = F'(u) du/d{x}, with " + "; ".join(r.words() for r in rules)

    def latex(self, tex: Tex) -> str:
        return rf"chain rule, ${tex(self.u)} = {tex(self.inner)}$"


@dataclass(frozen=True, slots=True)
class MultivariateChainRule(Rule):
    """d/dx F(u_1, ..., u_k) = sum_i dF/du_i du_i/dx"""

    name: ClassVar[str] = "chain"
    phrase: ClassVar[str] = "multivariable chain rule: d/dx F(u1,...,uk) = sum of dF/dui dui/dx"
    function: str
    partials: tuple[sp.Expr, ...]
    inners: tuple[sp.Expr, ...]

    @classmethod
    def match(cls, expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule | None:
        if not ((isinstance(expr, sp.Function) or isinstance(expr, (sp.Max, sp.Min))) and len(expr.args) > 1):
            return None
        partials: list[sp.Expr] = []
        terms: list[sp.Expr] = []
        unknown = f"no partial derivatives known for {type(expr).__name__}"
        try:
            for i, arg in enumerate(expr.args, start=1):
                if arg.has(x):
                    p = expr.fdiff(i)
                    partials.append(p)
                    terms.append(p * d(arg, x))
        except _FDIFF_ERRORS:
            return GiveUp.by_sympy(expr, x, target, unknown)
        if any(p.has(sp.Derivative) and not isinstance(expr, AppliedUndef) for p in partials):
            return GiveUp.by_sympy(expr, x, target, unknown)
        inners = tuple(a for a in expr.args if a.has(x))
        return cls(target, sp.Add(*terms), type(expr).__name__, tuple(partials), inners)

    def latex(self, tex: Tex) -> str:
        return "multivariable chain rule"


@dataclass(frozen=True, slots=True)
class LogDifferentiationRule(Rule):
    """d/dx f^g = f^g d/dx (g ln f)  (logarithmic differentiation, f > 0)"""

    name: ClassVar[str] = "logarithmic differentiation"
    phrase: ClassVar[str] = "logarithmic differentiation: f^g = e^(g ln f), so (f^g)' = f^g (g ln f)'"
    base: sp.Expr
    exponent: sp.Expr

    @classmethod
    def match(cls, expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule | None:
        if expr.is_Pow and not _constant(expr.base, x) and not _constant(expr.exp, x):
            base, e = expr.args
            return cls(target, expr * d(e * sp.log(base), x), base, e)
        return None

    def latex(self, tex: Tex) -> str:
        return r"logarithmic differentiation: $f^{g} = e^{g \ln f}$"


@dataclass(frozen=True, slots=True)
class PiecewiseRule(Rule):
    """d/dx {f_i(x) if c_i} = {f_i'(x) if c_i}  (away from the boundaries between pieces)"""

    name: ClassVar[str] = "piecewise"
    phrase: ClassVar[str] = "piecewise"
    pieces: int

    @classmethod
    def match(cls, expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule | None:
        if not isinstance(expr, sp.Piecewise):
            return None
        pieces = [(d(e, x), c) for e, c in expr.args]
        if any(c.has(x) for _, c in expr.args):
            return cls(target, sp.Piecewise(*pieces, evaluate=False), len(pieces))
        return GiveUp.by_sympy(expr, x, target, "a piecewise function whose conditions do not depend on x")


@dataclass(frozen=True, slots=True)
class HigherOrderRule(Rule):
    """d^2/dx^2 f = d/dx (df/dx)"""

    name: ClassVar[str] = "higher order"
    previous: sp.Expr
    constants: tuple[sp.Symbol, ...] = ()

    def words(self) -> str:
        x = self.target.variables[-1] if isinstance(self.target, sp.Derivative) else ""
        held = f", treating {', '.join(s.name for s in self.constants)} as constant" if self.constants else ""
        return f"higher-order derivative: differentiate the previous result with respect to {x}{held}"

    def latex(self, tex: Tex) -> str:
        return "differentiate again"


@dataclass(frozen=True, slots=True)
class RepeatedPowerRule(Rule):
    """d^k/dx^k x^n = n (n-1) ... (n-k+1) x^(n-k)"""

    name: ClassVar[str] = "power"
    exponent: sp.Expr
    times: int

    @classmethod
    def fits(cls, expr: sp.Expr, wrt: Sequence[sp.Symbol]) -> RepeatedPowerRule | None:
        """The rule for d^k/dx^k of c·x^n (c free of x, n a number), k >= 2; else None."""
        if len(wrt) < 2 or len(set(wrt)) != 1:
            return None
        x, k = wrt[0], len(wrt)
        c, rest = expr.as_independent(x, as_Add=False)
        base, n = rest.as_base_exp()
        if base != x or not n.is_Number:
            return None
        target = sp.Derivative(expr, *wrt, evaluate=False)
        falling = sp.Mul(*(n - i for i in range(k)))
        return cls(target, c * falling * x ** (n - k), n, k)

    def words(self) -> str:
        return f"power rule {self.times} times: d^k/dx^k x^n = n(n-1)...(n-k+1) x^(n-k), n = {text(self.exponent)}, " \
               f"k = {self.times}"

    def latex(self, tex: Tex) -> str:
        return rf"power rule {self.times} times, $\tfrac{{d^k}}{{dx^k}} x^n = n(n-1)\cdots(n-k+1)\,x^{{n-k}}$"


@dataclass(frozen=True, slots=True)
class SymmetryRule(Rule):
    """d^2f/dy dx = d^2f/dx dy where both are continuous (Schwarz's theorem)"""

    name: ClassVar[str] = "symmetry"
    cited: str
    """The entry whose derivation this one cites, e.g. "entry (1,2)"."""

    def words(self) -> str:
        return f"symmetry of second derivatives (Schwarz): the same as {self.cited}"

    def latex(self, tex: Tex) -> str:
        return f"by symmetry (Schwarz), as {self.cited}"


@dataclass(frozen=True, slots=True)
class SimplifyRule(Rule):
    """Rewrite the result in a shorter equivalent form (named by ``method``)."""

    name: ClassVar[str] = "simplify"
    method: str

    def words(self) -> str:
        return f"simplify ({self.method})"

    def latex(self, tex: Tex) -> str:
        return f"simplify ({self.method})"


@dataclass(frozen=True, slots=True)
class GiveUp(Rule):
    """No step-by-step rule applies: the derivative is taken by SymPy in one labelled step."""

    name: ClassVar[str] = "cas"
    reason: str

    @classmethod
    def by_sympy(cls, expr: sp.Expr, x: sp.Symbol, target: sp.Derivative, reason: str) -> GiveUp:
        """SymPy's derivative in one labelled step (the target itself if SymPy cannot either)."""
        try:
            result = sp.diff(expr, x)
        except _FDIFF_ERRORS:
            result = target
        return cls(target, result, reason)

    def words(self) -> str:
        return f"no step-by-step rule applies; derivative computed by SymPy ({self.reason})"

    def latex(self, tex: Tex) -> str:
        return "computed by SymPy (no step rule)"


STRATEGY: tuple[type[Rule], ...] = (
    ConstantRule, VariableRule, SumRule, ConstantMultipleRule, QuotientRule, ProductRule, *ELEMENTARY,
    PiecewiseRule, LogDifferentiationRule, ChainRule, MultivariateChainRule,
)
"""The order a person tries the rules in: the first that fits d/dx expr is the step's rule.

Constants and sums first, then products (a constant factor, a quotient, a product), then a
function of x itself, then compositions (the chain rule, pieces, f^g, functions of several
arguments). ``UndefinedFunctionRule`` and ``ChainRule`` also read derivatives of undefined f.
"""


def choose(expr: sp.Expr, x: sp.Symbol) -> Rule:
    """The rule for d/dx ``expr``: the first in ``STRATEGY`` that fits, else SymPy in one labelled step."""
    target = sp.Derivative(expr, x, evaluate=False)
    for rule in STRATEGY:
        found = rule.match(expr, x, target)
        if found is not None:
            return found
    return GiveUp.by_sympy(expr, x, target, f"no rule for {type(expr).__name__}")


def with_letter(rule: Rule, letter: sp.Symbol) -> Rule:
    """The rule with its placeholder letter u renamed (u1, u2, ...): only the chain rule has one."""
    return dataclasses.replace(rule, u=letter) if isinstance(rule, ChainRule) else rule


ALL_RULES: tuple[type[Rule], ...] = (*STRATEGY, HigherOrderRule, RepeatedPowerRule, SymmetryRule, SimplifyRule, GiveUp)
"""Every rule class, the ones applied by the strategy and the ones the engine adds itself."""

RULE_NAMES: tuple[str, ...] = tuple(sorted({cls.name for cls in ALL_RULES}))
"""The fixed vocabulary of step names (``DiffStep.rule``, JSON's ``rule``)."""


def justify(rules: Sequence[Rule]) -> str:
    """The one-line justification of a step that applied ``rules`` (all of one kind)."""
    return type(rules[0]).justify(rules)
