"""One example per rule class: ``choose`` picks that rule, and the rule's claim holds.

Each rule's claim (``target`` = ``result``) is checked another way: SymPy
evaluates both sides and ``simplify`` of the difference must be 0.
"""
from __future__ import annotations

import dataclasses

import pytest
import sympy as sp
from sympy.core.function import AppliedUndef

from derive.core.budget import Budget
from derive.scalar import rules as R
from derive.scalar.strategy import differentiate
from derive.scalar.rules import choose, d, elementary, pending
from derive.scalar.model import Rule
from derive.core.functions import logsumexp, sigmoid, softplus

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
t = sp.Symbol("t", real=True)
f = sp.Function("f")
g = sp.Function("g")


def _claim_holds(rule: Rule) -> None:
    """target.doit() == result.doit(), proved by simplify of the difference."""
    lhs, rhs = rule.target.doit(), rule.result.doit()
    assert sp.simplify(lhs - rhs) == 0, f"{type(rule).__name__}: {rule.target} != {rule.result}"


# (expression, variable, the rule class the engine must pick)
CANONICAL: list[tuple[sp.Expr, sp.Symbol, type[Rule]]] = [
    (sp.Integer(7), x, R.ConstantRule),
    (y**2 + sp.sin(y), x, R.ConstantRule),
    (x, x, R.VariableRule),
    (x**2 + sp.sin(x), x, R.SumRule),
    (x**3 - 4 * sp.exp(x) + 5, x, R.SumRule),
    (3 * sp.sin(x), x, R.ConstantMultipleRule),
    (-x * sp.exp(x), x, R.ConstantMultipleRule),
    (x**5, x, R.PowerRule),
    (sp.sqrt(x), x, R.PowerRule),
    (1 / x, x, R.PowerRule),
    (x**2 * sp.sin(x), x, R.ProductRule),
    (x * sp.exp(-x), x, R.ProductRule),  # exp(-x) is not a denominator
    (sp.exp(x) * sp.cos(x) * sp.log(x), x, R.ProductRule),
    (sp.sin(x) / x, x, R.QuotientRule),
    (sp.exp(x) / (1 + x**2), x, R.QuotientRule),
    (sp.exp(x), x, R.ExpRule),
    (2**x, x, R.ExponentialRule),
    (sp.Rational(1, 3) ** x, x, R.ExponentialRule),
    (sp.log(x), x, R.LogRule),
    (sp.sin(x), x, R.TrigRule),
    (sp.tan(x), x, R.TrigRule),
    (sp.sec(x), x, R.TrigRule),
    (sp.asin(x), x, R.InverseTrigRule),
    (sp.atan(x), x, R.InverseTrigRule),
    (sp.sinh(x), x, R.HyperbolicRule),
    (sp.tanh(x), x, R.HyperbolicRule),
    (sp.asinh(x), x, R.InverseHyperbolicRule),
    (sp.atanh(x), x, R.InverseHyperbolicRule),
    (sp.Abs(x), x, R.AbsRule),
    (sp.erf(x), x, R.SpecialFunctionRule),
    (sp.gamma(x), x, R.SpecialFunctionRule),
    (sigmoid(x), x, R.MLAtomRule),
    (softplus(x), x, R.MLAtomRule),
    (f(x), x, R.UndefinedFunctionRule),
    (sp.Derivative(f(x), x), x, R.UndefinedFunctionRule),
    (f(x**2), x, R.ChainRule),
    (sp.sin(x**2), x, R.ChainRule),
    (sp.exp(sp.sin(x)), x, R.ChainRule),
    ((x**2 + 1) ** 10, x, R.ChainRule),
    (2 ** (x**2), x, R.ChainRule),
    (sigmoid(3 * x + x**2), x, R.ChainRule),
    (sp.erf(x / sp.sqrt(2) + x**2), x, R.ChainRule),
    (sp.Abs(sp.sin(x)), x, R.ChainRule),
    (sp.atan2(x, x**2), x, R.MultivariateChainRule),
    (logsumexp(x, y), x, R.MultivariateChainRule),
    (f(x, x**2), x, R.MultivariateChainRule),
    (sp.sin(x) ** x, x, R.LogDifferentiationRule),
    (x**x, x, R.LogDifferentiationRule),
    ((1 + 1 / x) ** x, x, R.LogDifferentiationRule),
    (sp.Integral(x * t**2 + sp.sin(x) * t, (t, 0, 1)), x, R.GiveUp),
]


@pytest.mark.parametrize(("expr", "var", "cls"), CANONICAL, ids=lambda v: str(v))
def test_choose_picks_the_textbook_rule(expr: sp.Expr, var: sp.Symbol, cls: type[Rule]) -> None:
    rule = choose(expr, var)
    assert type(rule) is cls, f"{expr}: expected {cls.__name__}, got {type(rule).__name__}"
    assert rule.target == sp.Derivative(expr, var, evaluate=False)
    _claim_holds(rule)


@pytest.mark.parametrize(("expr", "var", "cls"), CANONICAL, ids=lambda v: str(v))
def test_rule_is_frozen_data(expr: sp.Expr, var: sp.Symbol, cls: type[Rule]) -> None:
    rule = choose(expr, var)
    assert dataclasses.is_dataclass(rule)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rule.result = sp.Integer(0)  # type: ignore[misc]
    assert rule.name in R.RULE_NAMES


def test_every_rule_class_has_a_docstring_and_a_listed_name() -> None:
    classes = [
        c for c in vars(R).values()
        if isinstance(c, type) and issubclass(c, Rule) and c is not Rule and c.__module__ == R.__name__
    ]
    assert len(classes) >= 25
    for cls in classes:
        assert cls.__doc__ and cls.__doc__.strip(), cls
        assert cls.name in R.RULE_NAMES or cls is R.FunctionRule, cls


# -- the fields each rule carries ---------------------------------------------


def test_product_rule_has_one_term_per_factor() -> None:
    rule = choose(x**2 * sp.sin(x) * sp.exp(x), x)
    assert isinstance(rule, R.ProductRule)
    assert set(rule.factors) == {x**2, sp.sin(x), sp.exp(x)}
    assert len(sp.Add.make_args(rule.result)) == 3
    _claim_holds(rule)


def test_product_not_quotient_for_negative_exponent_in_exp() -> None:
    rule = choose(x * sp.exp(-x), x)
    assert isinstance(rule, R.ProductRule)
    assert not isinstance(rule, R.QuotientRule)
    assert set(rule.factors) == {x, sp.exp(-x)}


def test_quotient_rule_splits_numerator_and_denominator() -> None:
    rule = choose(sp.sin(x) / x, x)
    assert isinstance(rule, R.QuotientRule)
    assert rule.numerator == sp.sin(x)
    assert rule.denominator == x
    _claim_holds(rule)


def test_quotient_rule_with_unit_numerator() -> None:
    rule = choose(1 / (x * sp.sin(x)), x)
    assert isinstance(rule, R.QuotientRule)
    assert rule.numerator == 1
    assert rule.denominator == x * sp.sin(x)
    _claim_holds(rule)


def test_constant_multiple_keeps_the_constant() -> None:
    rule = choose(3 * y * sp.sin(x), x)
    assert isinstance(rule, R.ConstantMultipleRule)
    assert rule.constant == 3 * y
    _claim_holds(rule)


def test_power_rule_exponent() -> None:
    rule = choose(x ** sp.Rational(3, 2), x)
    assert isinstance(rule, R.PowerRule)
    assert rule.exponent == sp.Rational(3, 2)
    assert rule.result == sp.Rational(3, 2) * sp.sqrt(x)


def test_exponential_rule_base() -> None:
    rule = choose(2**x, x)
    assert isinstance(rule, R.ExponentialRule)
    assert rule.base == 2
    assert rule.result == 2**x * sp.log(2)


def test_function_rules_name_the_function_and_its_derivative() -> None:
    for expr, name in [(sp.sin(x), "sin"), (sp.atan(x), "atan"), (sp.tanh(x), "tanh"), (sp.erf(x), "erf"),
                       (sigmoid(x), "sigmoid"), (sp.Abs(x), "Abs"), (f(x), "f")]:
        rule = choose(expr, x)
        assert isinstance(rule, R.FunctionRule), expr
        assert rule.function == name
        assert rule.derivative == rule.result


def test_abs_rule_is_sign() -> None:
    rule = choose(sp.Abs(x), x)
    assert isinstance(rule, R.AbsRule)
    assert rule.result == sp.sign(x)


def test_sigmoid_rule_stays_in_sigmoid() -> None:
    rule = choose(sigmoid(x), x)
    assert isinstance(rule, R.MLAtomRule)
    assert rule.result == sigmoid(x) * (1 - sigmoid(x))
    assert not rule.result.has(sp.exp)


def test_softplus_rule_is_sigmoid() -> None:
    rule = choose(softplus(x), x)
    assert isinstance(rule, R.MLAtomRule)
    assert rule.result == sigmoid(x)
    _claim_holds(dataclasses.replace(rule, target=rule.target.doit().rewrite(sp.exp),
                                     result=rule.result.rewrite(sp.exp)))


def test_erf_is_special_function() -> None:
    rule = choose(sp.erf(x), x)
    assert isinstance(rule, R.SpecialFunctionRule)
    assert sp.simplify(rule.result - 2 * sp.exp(-(x**2)) / sp.sqrt(sp.pi)) == 0


def test_chain_rule_fields() -> None:
    rule = choose(sp.sin(x**2), x)
    assert isinstance(rule, R.ChainRule)
    assert rule.inner == x**2
    assert isinstance(rule.outer, R.TrigRule)
    u = rule.outer.target.variables[0]
    assert rule.outer.target.expr == sp.sin(u)
    assert rule.outer.result == sp.cos(u)
    # the inner derivative is still pending: one rule per step
    assert sp.Derivative(x**2, x, evaluate=False) in rule.result.atoms(sp.Derivative)
    _claim_holds(rule)


def test_chain_rule_for_power_of_a_function() -> None:
    rule = choose(sp.sin(x) ** 3, x)
    assert isinstance(rule, R.ChainRule)
    assert rule.inner == sp.sin(x)
    assert isinstance(rule.outer, R.PowerRule)
    _claim_holds(rule)


def test_chain_rule_for_constant_base_power() -> None:
    rule = choose(2 ** (x**2), x)
    assert isinstance(rule, R.ChainRule)
    assert isinstance(rule.outer, R.ExponentialRule)
    assert rule.inner == x**2
    _claim_holds(rule)


def test_chain_rule_for_undefined_function_keeps_subs_form() -> None:
    rule = choose(f(x**2), x)
    assert isinstance(rule, R.ChainRule)
    assert isinstance(rule.outer, R.UndefinedFunctionRule)
    assert rule.inner == x**2
    assert rule.result.has(sp.Subs)
    assert rule.result == f(x**2).fdiff(1) * sp.Derivative(x**2, x, evaluate=False)
    _claim_holds(rule)


def test_chain_rule_for_derivative_of_undefined_at_inner_point() -> None:
    xi = sp.Symbol("xi")
    expr = sp.Subs(sp.Derivative(f(xi), xi), xi, x**2)
    rule = choose(expr, x)
    assert isinstance(rule, R.ChainRule)
    assert rule.inner == x**2
    assert rule.result.has(sp.Subs)
    _claim_holds(rule)


def test_chain_rule_for_undefined_of_undefined() -> None:
    """d/dx f(g(x)) = f'(g(x)) g'(x): the outer derivative must not stay pending."""
    rule = choose(f(g(x)), x)
    assert isinstance(rule, R.ChainRule)
    assert rule.inner == g(x)
    _claim_holds(rule)
    # after one chain step, no pending derivative may be the original one again
    for p in rule.result.atoms(sp.Derivative):
        if pending(p):
            again = choose(p.expr, p.variables[0])
            assert again.result != p, f"{p} rewrites to itself: the engine would loop"


def test_multivariate_chain_rule_fields() -> None:
    rule = choose(sp.atan2(x, x**2), x)
    assert isinstance(rule, R.MultivariateChainRule)
    assert rule.function == "atan2"
    assert rule.inners == (x, x**2)
    assert len(rule.partials) == 2
    _claim_holds(rule)


def test_multivariate_chain_rule_skips_constant_arguments() -> None:
    rule = choose(logsumexp(x**2, y), x)
    assert isinstance(rule, R.MultivariateChainRule)
    assert rule.inners == (x**2,)
    assert len(rule.partials) == 1
    _claim_holds(dataclasses.replace(rule, target=rule.target.doit().rewrite(sp.exp),
                                     result=rule.result.rewrite(sp.exp)))


def test_log_differentiation_rule_fields() -> None:
    rule = choose(sp.sin(x) ** x, x)
    assert isinstance(rule, R.LogDifferentiationRule)
    assert rule.base == sp.sin(x)
    assert rule.exponent == x
    assert sp.Derivative(x * sp.log(sp.sin(x)), x, evaluate=False) in rule.result.atoms(sp.Derivative)
    _claim_holds(rule)


def test_give_up_is_a_node_with_reason_and_the_cas_answer() -> None:
    expr = sp.Integral(x * t**2 + sp.sin(x) * t, (t, 0, 1))
    rule = choose(expr, x)
    assert isinstance(rule, R.GiveUp)
    assert rule.name == "cas"
    assert "Integral" in rule.reason
    assert sp.simplify(rule.result.doit() - sp.diff(expr, x).doit()) == 0


def test_give_up_rather_than_crash_when_fdiff_raises() -> None:
    """A function whose fdiff raises must give a GiveUp node, not an exception."""
    expr = sp.Piecewise((x**2, x > 0), (0, True))
    rule = choose(expr, x)
    assert isinstance(rule, Rule)


def test_give_up_rather_than_crash_for_zeta() -> None:
    rule = choose(sp.zeta(x), x)
    assert isinstance(rule, Rule)


def test_sigmoid_fdiff_bad_index_raises_argument_index_error() -> None:
    from sympy.core.function import ArgumentIndexError

    with pytest.raises(ArgumentIndexError):
        sigmoid(x).fdiff(2)


def test_function_whose_fdiff_is_unevaluated_does_not_loop() -> None:
    """sign'(x) from fdiff is Derivative(sign(x), x): the engine must not rewrite it to itself."""
    rule = choose(sp.sign(x), x)
    assert rule.result != rule.target


# -- rules that only the strategy (scalar.differentiate) builds -----------------


def _first_rule(expr: sp.Expr, wrt: list[sp.Symbol], cls: type[Rule]) -> Rule:
    derivation = differentiate(expr, wrt, Budget().start())
    found = [r for s in derivation.steps for r in s.rules if type(r) is cls]
    assert found, f"no {cls.__name__} in {[s.rule for s in derivation.steps]}"
    return found[0]


def test_symmetry_rule_cites_the_mirror_entry() -> None:
    from derive.scalar.gradient import gradient

    g = gradient(x**2 * y + sp.sin(x * y), [x, y], Budget().start(), hessian=True)
    assert g.hessian is not None
    (step,) = g.hessian[1][0].steps
    (rule,) = step.rules
    assert isinstance(rule, R.SymmetryRule) and rule.cited == "entry (1,2)"
    _claim_holds(rule)
    assert sp.simplify(g.hessian[1][0].result - sp.diff(x**2 * y + sp.sin(x * y), y, x)) == 0


def test_higher_order_rule() -> None:
    rule = _first_rule(x**3 * y, [x, y], R.HigherOrderRule)
    assert isinstance(rule, R.HigherOrderRule)
    assert rule.target == sp.Derivative(x**3 * y, x, y, evaluate=False)
    assert rule.previous == 3 * x**2 * y
    assert rule.constants == (x,)
    _claim_holds(rule)


def test_simplify_rule_shortens() -> None:
    rule = _first_rule(x * sp.exp(-x), [x], R.SimplifyRule)
    assert isinstance(rule, R.SimplifyRule)
    assert rule.result == (1 - x) * sp.exp(-x)
    assert sp.count_ops(rule.result) < sp.count_ops(rule.target)
    assert rule.method
    _claim_holds(rule)


# -- the helpers the rules are built from ---------------------------------------


def test_pending_derivative_helper() -> None:
    assert d(x, x) == 1
    assert d(y**2, x) == 0
    assert d(3 * x + y, x) == 3
    assert d(x * y + 2 * x, x) == y + 2
    assert d(x**2, x) == sp.Derivative(x**2, x, evaluate=False)


def test_pending_is_false_for_final_forms() -> None:
    assert not pending(sp.Derivative(f(x), x))
    assert not pending(sp.Derivative(f(x, y), x))
    assert pending(sp.Derivative(f(x**2), x))
    assert pending(sp.Derivative(sp.sin(x), x))


def test_elementary_only_for_functions_of_the_variable_itself() -> None:
    assert elementary(sp.sin(x**2), x) is None
    assert isinstance(elementary(sp.sin(x), x), R.TrigRule)
    assert isinstance(elementary(x**4, x), R.PowerRule)
    assert isinstance(elementary(f(x), x), R.UndefinedFunctionRule)
    assert elementary(x**x, x) is None


def test_undefined_function_atoms_survive_in_results() -> None:
    rule = choose(f(x) * g(x), x)
    assert isinstance(rule, R.ProductRule)
    assert {type(a) for a in rule.result.atoms(AppliedUndef)} == {type(f(x)), type(g(x))}
    _claim_holds(rule)
