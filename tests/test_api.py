"""The Python API: derive.diff / derive.grad compose parse, engine and certify under a budget."""
import json

import pytest
import sympy as sp

import derive
from derive.core.budget import Budget
from derive.core.errors import BudgetExceeded, ParseError, UsageError

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
f = sp.Function("f")


def test_diff_returns_a_certified_derivation_with_renderers() -> None:
    d = derive.diff("x^2*sin(x)", wrt="x")
    assert sp.simplify(d.result - (2 * x * sp.sin(x) + x**2 * sp.cos(x))) == 0
    assert d.certified
    assert [s.rule for s in d.steps][:1] == ["product"]
    assert d.to_latex().startswith(r"\begin{align*}")
    assert json.loads(d.to_json())["wrt"] == ["x"]
    assert "$$" in d.to_markdown()
    jupyter = d._repr_latex_()
    assert jupyter.startswith("$$") and r"\begin{aligned}" in jupyter
    assert r"\parbox" not in jupyter and jupyter.count("$") == 4  # MathJax-safe: no $ inside the maths


def test_diff_of_sin_to_the_x_is_not_the_derivative_of_x_to_the_x() -> None:
    d = derive.diff("sin(x)^x", wrt="x")
    expected = sp.diff(sp.sin(x) ** x, x)
    assert sp.simplify(d.result - expected) == 0
    assert d.steps[0].rule == "logarithmic differentiation"
    assert d.certified


def test_diff_of_f_of_x_squared_keeps_the_chain_factor() -> None:
    d = derive.diff("f(x^2)", wrt="x")
    assert d.result == sp.diff(f(x**2), x)
    assert d.result.has(x) and (d.result / sp.diff(f(x**2), x)).simplify() == 1
    assert d.steps[0].rule == "chain"


def test_wrt_defaults_to_the_only_variable_and_is_required_otherwise() -> None:
    assert derive.diff("exp(3*t)").result == 3 * sp.exp(3 * sp.Symbol("t", real=True))
    with pytest.raises(UsageError, match="say which variable"):
        derive.diff("x*y")


def test_repeated_wrt_is_a_mixed_partial_in_order() -> None:
    d = derive.diff("x^2*y + exp(x*y)", wrt=["x", "y"])
    assert sp.simplify(d.result - sp.diff(x**2 * y + sp.exp(x * y), x, y)) == 0
    assert d.derivation.held == (sp.Symbol("y", real=True),)
    assert any(s.rule == "higher order" for s in d.steps)


def test_order_k_differentiates_k_times() -> None:
    d = derive.diff("x^5", wrt="x", order=3)
    assert d.result == 60 * x**2


def test_where_declares_a_domain_that_reaches_the_symbols_and_probes() -> None:
    d = derive.diff("log(x)*sqrt(x^2)", wrt="x", where="x > 0")
    xp = sp.Symbol("x", positive=True)
    assert sp.simplify(d.result - sp.diff(sp.log(xp) * xp, xp)) == 0
    assert d.certified


def test_latex_input_is_accepted() -> None:
    d = derive.diff(r"\frac{1}{1+e^{-z}}", wrt="z")
    z = sp.Symbol("z", real=True)
    assert sp.simplify(d.result - sp.diff(1 / (1 + sp.exp(-z)), z)) == 0


def test_ml_atoms_keep_their_names() -> None:
    d = derive.diff("sigmoid(z)", wrt="z")
    assert "sigmoid" in sp.sstr(d.result)
    assert "1 - sigmoid(z)" in sp.sstr(d.result)


def test_bad_input_raises_parse_error_with_position() -> None:
    with pytest.raises(ParseError) as info:
        derive.diff("x^2 + * 3", wrt="x")
    assert info.value.span is not None


def test_a_tiny_budget_is_enforced() -> None:
    with pytest.raises(BudgetExceeded):
        derive.diff("x^2", wrt="x", budget=Budget(seconds=0))


def test_grad_and_hessian_of_rosenbrock() -> None:
    g = derive.grad("(1 - x)^2 + 100*(y - x^2)^2", wrt="x,y", hessian=True)
    fxy = (1 - x) ** 2 + 100 * (y - x**2) ** 2
    assert sp.simplify(g.gradient - sp.Matrix([fxy.diff(x), fxy.diff(y)])) == sp.zeros(2, 1)
    assert g.hessian is not None
    assert sp.simplify(g.hessian - sp.hessian(fxy, (x, y))) == sp.zeros(2, 2)
    assert g.certified
    data = json.loads(g.to_json())
    assert len(data["gradient"]) == 2 and len(data["hessian"]) == 2


def test_grad_rejects_a_variable_that_is_not_in_the_expression() -> None:
    with pytest.raises(UsageError, match="z does not appear"):
        derive.grad("x^2 + y", wrt="x,z")


def test_latex_helper_parses_text_without_evaluating_it() -> None:
    assert derive.latex("x^2 sin(x)") == r"x^{2} \sin{\left(x \right)}"
    with pytest.raises(ParseError):
        derive.latex("__import__('os')")


def test_every_public_name_resolves_from_the_package() -> None:
    import derive.core.errors as errors

    for name in derive.__all__:
        assert getattr(derive, name) is not None, name
    assert derive.BudgetExceeded is errors.BudgetExceeded and derive.UsageError is errors.UsageError
    assert issubclass(derive.BudgetExceeded, derive.DeriveError)


def test_results_have_short_reprs() -> None:
    d = derive.diff("x^2*sin(x)", wrt="x")
    assert repr(d) == "<DiffResult 'x^2*sin(x)': certified>"
    assert len(repr(derive.mle("poisson"))) < 120


def test_a_matrix_gradient_is_a_sympy_matrix_expression() -> None:
    g = derive.grad("x' A x", wrt="x", let=["A: n x n", "x: n"])
    assert isinstance(g.gradient, sp.MatrixExpr)
    A, xv = sp.MatrixSymbol("A", *g.gradient.args[0].shape), g.gradient.args[-1]
    assert sp.simplify(g.gradient - (A + A.T) * xv) == sp.ZeroMatrix(*g.gradient.shape)
    assert g.gradient_node is g.data.gradient
