"""Choose the textbook rule for one pending derivative d/dx expr.

Pure: returns a Rule (a ``GiveUp`` when none applies), never ``None``, and
never mutates state; chain-rule letters are assigned later by the caller.
"""
from __future__ import annotations

import sympy as sp
from sympy.core.function import AppliedUndef, ArgumentIndexError

from derive.core.functions import ML_FUNCTIONS
from derive.scalar.model import Rule
from derive.scalar import rules as R

_U = sp.Symbol("u")  # placeholder letter; the caller renames it u1, u2, ...

_FAMILIES: dict[type[R.FunctionRule], frozenset[str]] = {
    R.TrigRule: frozenset("sin cos tan cot sec csc".split()),
    R.InverseTrigRule: frozenset("asin acos atan acot asec acsc".split()),
    R.HyperbolicRule: frozenset("sinh cosh tanh coth sech csch".split()),
    R.InverseHyperbolicRule: frozenset("asinh acosh atanh acoth asech acsch".split()),
    R.AbsRule: frozenset({"Abs"}),
    R.MLAtomRule: frozenset(ML_FUNCTIONS),
}


def pending(d: sp.Derivative) -> bool:
    """True if ``d`` still needs a rule.

    A derivative of an undefined f with respect to its own arguments (f'(x), or
    SymPy's d f(g(x)) / d g(x)) is already a final form.
    """
    expr = d.expr
    if isinstance(expr, AppliedUndef):
        return not all(v in expr.args for v in d.variables)
    return True


def d(expr: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """The pending derivative of ``expr``: 0 for constants, 1 for ``x`` itself."""
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


def elementary(expr: sp.Expr, x: sp.Symbol) -> Rule | None:
    """The rule for a single-argument function or power applied directly to ``x``."""
    target = sp.Derivative(expr, x, evaluate=False)
    if expr.is_Pow:
        base, e = expr.args
        if base == x and _constant(e, x):
            return R.PowerRule(target, e * x ** (e - 1), e)
        if _constant(base, x) and e == x:
            return R.ExponentialRule(target, expr * sp.log(base), base)
        return None
    if isinstance(expr, sp.exp) and expr.args[0] == x:
        return R.ExpRule(target, expr)
    if isinstance(expr, sp.log) and expr.args == (x,):
        return R.LogRule(target, 1 / x)
    if isinstance(expr, sp.Function) and expr.args == (x,):
        name = type(expr).__name__
        derivative = _function_derivative(expr, x)
        if derivative is None:
            return None
        if isinstance(expr, AppliedUndef):
            return R.UndefinedFunctionRule(target, derivative, name, derivative)
        for cls, names in _FAMILIES.items():
            if name in names:
                return cls(target, derivative, name, derivative)
        return R.SpecialFunctionRule(target, derivative, name, derivative)
    return None


_FDIFF_ERRORS = (ArgumentIndexError, NotImplementedError, TypeError, ValueError, AttributeError)


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


def _outer(expr: sp.Expr, inner: sp.Expr, x: sp.Symbol) -> Rule | None:
    """The elementary rule for F(u), where ``expr`` = F(inner)."""
    model = expr.xreplace({inner: _U}) if expr.is_Pow else expr.func(_U)
    return elementary(model, _U)


def _split_quotient(factors: list[sp.Expr]) -> tuple[list[sp.Expr], list[sp.Expr]]:
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


def choose(expr: sp.Expr, x: sp.Symbol) -> Rule:
    """The rule for d/dx ``expr`` (the top-level structure of ``expr`` decides)."""
    target = sp.Derivative(expr, x, evaluate=False)
    if _constant(expr, x):
        return R.ConstantRule(target, sp.Integer(0))
    if expr == x:
        return R.VariableRule(target, sp.Integer(1))
    if expr.is_Add:
        return R.SumRule(target, sp.Add(*[_scaled_d(t, x) for t in expr.args]))
    if expr.is_Mul:
        return _mul_rule(expr, x, target)
    rule = elementary(expr, x)
    if rule is not None:
        return rule
    if isinstance(expr, (sp.Derivative, sp.Subs)):
        return _undefined_derivative(expr, x, target)
    if isinstance(expr, sp.Piecewise):
        pieces = [(d(e, x), c) for e, c in expr.args]
        if any(c.has(x) for _, c in expr.args):
            return R.PiecewiseRule(target, sp.Piecewise(*pieces, evaluate=False), len(pieces))
        return _give_up(expr, x, target, "a piecewise function whose conditions do not depend on x")
    if expr.is_Pow:
        base, e = expr.args
        if not _constant(base, x) and not _constant(e, x):
            return R.LogDifferentiationRule(target, expr * d(e * sp.log(base), x), base, e)
        inner = e if _constant(base, x) else base
        return _chain(expr, inner, x, target)
    if isinstance(expr, sp.Function) and len(expr.args) == 1:
        return _chain(expr, expr.args[0], x, target)
    if (isinstance(expr, sp.Function) or isinstance(expr, (sp.Max, sp.Min))) and len(expr.args) > 1:
        return _multichain(expr, x, target)
    return _give_up(expr, x, target, f"no rule for {type(expr).__name__}")


def _scaled_d(term: sp.Expr, x: sp.Symbol) -> sp.Expr:
    coeff, rest = term.as_independent(x, as_Add=False)
    return coeff * d(rest, x)


def _mul_rule(expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule:
    coeff, rest = expr.as_independent(x, as_Add=False)
    if coeff != 1:
        return R.ConstantMultipleRule(target, coeff * d(rest, x), coeff)
    num, den = _split_quotient(list(expr.args))
    if den:
        n, g = sp.Mul(*num), sp.Mul(*den)
        result = (d(n, x) * g - n * d(g, x)) / g**2
        return R.QuotientRule(target, result, n, g)
    factors = tuple(expr.args)
    terms = [
        sp.Mul(*[d(f, x) if j == i else f for j, f in enumerate(factors)]) for i in range(len(factors))
    ]
    return R.ProductRule(target, sp.Add(*terms), factors)


def _chain(expr: sp.Expr, inner: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule:
    outer = _outer(expr, inner, x)
    if outer is None:
        return _give_up(expr, x, target, f"no rule for the outer function of {expr}")
    if isinstance(expr, AppliedUndef):
        outer_value = expr.fdiff(1)  # SymPy's own Subs form, f'(inner)
    else:
        outer_value = outer.result.xreplace({_U: inner})
    return R.ChainRule(target, outer_value * d(inner, x), outer, _U, inner)


def _multichain(expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule:
    partials: list[sp.Expr] = []
    terms: list[sp.Expr] = []
    try:
        for i, arg in enumerate(expr.args, start=1):
            if arg.has(x):
                p = expr.fdiff(i)
                partials.append(p)
                terms.append(p * d(arg, x))
    except _FDIFF_ERRORS:
        return _give_up(expr, x, target, f"no partial derivatives known for {type(expr).__name__}")
    if any(p.has(sp.Derivative) and not isinstance(expr, AppliedUndef) for p in partials):
        return _give_up(expr, x, target, f"no partial derivatives known for {type(expr).__name__}")
    inners = tuple(a for a in expr.args if a.has(x))
    return R.MultivariateChainRule(target, sp.Add(*terms), type(expr).__name__, tuple(partials), inners)


def _undefined_derivative(expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule:
    """d/dx f'(x) = f''(x), and d/dx f'(g(x)) = f''(g(x)) g'(x) for an undefined f."""
    if isinstance(expr, sp.Derivative) and isinstance(expr.expr, AppliedUndef):
        higher = sp.Derivative(expr.expr, *expr.variables, x)
        name = type(expr.expr).__name__
        return R.UndefinedFunctionRule(target, higher, name, higher)
    if (
        isinstance(expr, sp.Subs)
        and isinstance(expr.expr, sp.Derivative)
        and isinstance(expr.expr.expr, AppliedUndef)
        and len(expr.variables) == 1
    ):
        (xi,), (point,) = expr.variables, expr.point
        inner_d = sp.Derivative(expr.expr.expr, *expr.expr.variables, xi)
        outer = R.UndefinedFunctionRule(
            sp.Derivative(expr.expr, xi, evaluate=False), inner_d, type(expr.expr.expr).__name__, inner_d
        )
        value = sp.Subs(inner_d, xi, point)
        return R.ChainRule(target, value * d(point, x), outer, _U, point)
    return _give_up(expr, x, target, f"no rule for {type(expr).__name__}")


def _give_up(expr: sp.Expr, x: sp.Symbol, target: sp.Derivative, reason: str) -> Rule:
    try:
        result = sp.diff(expr, x)
    except _FDIFF_ERRORS:
        result = target
    return R.GiveUp(target, result, reason)
