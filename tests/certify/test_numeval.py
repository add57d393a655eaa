"""numeval: the allow-listing evaluator against SymPy's own evalf, on examples and random trees.

SymPy's ``evalf`` at 30 digits is the oracle; the evaluator under test never calls it.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from derive.certify.numeval import numeric_function, numeric_value, sample_size_symbols
from derive.core.errors import UnsupportedError, UsageError
from derive.core.functions import sample_max, sample_median, sample_min

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
i = sp.Symbol("i", integer=True, positive=True)
j = sp.Symbol("j", integer=True, positive=True)
n = sp.Symbol("n", integer=True, positive=True)
X = sp.IndexedBase("x", positive=True)


def _oracle(expr: sp.Expr, at: dict[sp.Symbol, float]) -> complex | None:
    """SymPy's value at 30 digits as a complex number, or None where it is not a finite number."""
    try:
        v = expr.subs({s: sp.Float(val, 30) for s, val in at.items()}).evalf(30)
    except (ValueError, TypeError):  # e.g. Max of a complex number: SymPy refuses to compare
        return None
    if not v.is_number or v.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
        return None
    try:
        return complex(v)
    except TypeError:
        return None


EXAMPLES = [
    sp.exp(x) * sp.sin(y) + sp.cos(x * y), sp.tan(x / 3), sp.asin(x / 4), sp.acos(y / 4), sp.atan(x),
    sp.sinh(x), sp.cosh(y), sp.tanh(x), sp.asinh(y), sp.acot(x), sp.atan2(y, x),
    sp.gamma(x + 4), sp.loggamma(x + 4), sp.digamma(x + 4), sp.polygamma(1, x + 4), sp.polygamma(2, y + 5),
    sp.beta(x + 4, y + 4), sp.factorial(x + 4), sp.binomial(x + 6, 2), sp.erf(x), sp.erfc(y),
    sp.Max(x, y, 1), sp.Min(x, y, -1), sp.Abs(x - y), sp.sign(x - y), sp.floor(x) + sp.ceiling(y),
    sp.sqrt(x**2 + 1), 1 / (x**2 + 1), x**3 - y**-2, sp.Rational(3, 7) * sp.pi - sp.E * sp.EulerGamma,
    sp.log(x**2 + 1), sp.log(y**2 + 2, 3), sp.Mod(x, 2), sp.Heaviside(x), sp.Heaviside(x, 1),
    sp.sec(x) + sp.csc(y) + sp.cot(x),
]


@pytest.mark.parametrize("expr", EXAMPLES, ids=str)
def test_allow_listed_functions_agree_with_evalf(expr: sp.Expr) -> None:
    for xv, yv in [(0.7, -1.3), (-2.2, 0.4), (1.9, 2.6)]:
        ref = _oracle(expr, {x: xv, y: yv})
        got = numeric_value(expr, {x: xv, y: yv})
        if ref is None or abs(ref.imag) > 1e-12:
            assert not math.isfinite(got)
        else:
            assert got == pytest.approx(ref.real, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("expr, at, expected", [
    (sp.sqrt(x), {x: -2.0}, math.nan),
    (sp.Pow(x, sp.Rational(1, 3)), {x: -8.0}, math.nan),  # SymPy's principal root is complex
    (x**3, {x: -2.0}, -8.0),
    (x**-2, {x: -2.0}, 0.25),
    (sp.log(x), {x: -1.0}, math.nan),
    (sp.log(x), {x: 0.0}, -math.inf),
    (sp.loggamma(x), {x: -0.5}, math.nan),
    (sp.loggamma(x), {x: 0.5}, math.log(math.gamma(0.5))),
    (sp.acosh(x), {x: 0.5}, math.nan),
    (sp.Heaviside(x), {x: 0.0}, 0.5),
    (sp.Piecewise((x, x > 1)), {x: 0.0}, math.nan),
    (sp.Piecewise((sp.oo, x > 0), (0, True)), {x: 1.0}, math.inf),
    (sp.Min(x, sp.oo), {x: 3.0}, 3.0),
    (sp.Piecewise((1, sp.And(x > 0, x < 1)), (2, sp.Or(sp.Eq(x, 5), x > 7)), (3, sp.Ne(x, 6)), (4, True)),
     {x: 5.0}, 2.0),
    (sp.Piecewise((1, sp.Not(x > 0)), (2, True)), {x: -1.0}, 1.0),
    (sp.factorial(x), {x: 5.0}, 120.0),
    (sp.binomial(x, 3), {x: 10.0}, 120.0),
    (sp.polygamma(x, 2), {x: 0.5}, math.nan),
])
def test_edge_values(expr: sp.Expr, at: dict[sp.Symbol, float], expected: float) -> None:
    got = numeric_value(expr, at)
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == expected or got == pytest.approx(expected, rel=1e-12)


# --- random trees --------------------------------------------------------------------------
_LEAVES = st.sampled_from([x, y, sp.Integer(2), sp.Integer(-3), sp.Rational(1, 2), sp.pi])
_UNARY = [sp.exp, sp.sin, sp.cos, sp.atan, sp.tanh, sp.erf, sp.Abs,
          lambda e: sp.log(1 + sp.Abs(e)), lambda e: sp.sqrt(sp.Abs(e)), lambda e: 1 / (1 + e**2),
          lambda e: sp.loggamma(1 + sp.Abs(e)), lambda e: sp.gamma(1 + sp.Abs(e) / 4), lambda e: e**2,
          lambda e: e**3, lambda e: sp.sqrt(e if e.free_symbols else sp.Abs(e)),
          lambda e: sp.log(e if e.free_symbols else sp.Abs(e) + 1)]  # raw sqrt/log only where not folded to I
_BINARY = [sp.Add, sp.Mul, lambda a, b: a - b, lambda a, b: sp.Max(a, b), lambda a, b: sp.Min(a, b),
           lambda a, b: sp.Piecewise((a, x < y), (b, True)), lambda a, b: a / (2 + sp.sin(b))]


def _extend(children: st.SearchStrategy[sp.Expr]) -> st.SearchStrategy[sp.Expr]:
    unary = st.tuples(st.sampled_from(_UNARY), children).map(lambda t: t[0](t[1]))
    binary = st.tuples(st.sampled_from(_BINARY), children, children).map(lambda t: t[0](t[1], t[2]))
    return unary | binary


TREES = st.recursive(_LEAVES, _extend, max_leaves=8)
COORD = st.floats(-3, 3, allow_nan=False).filter(lambda v: abs(v) > 1e-6 or v == 0)


def _magnitude(expr: sp.Expr, at: dict[sp.Symbol, float]) -> tuple[float, bool]:
    """The largest |value| of any subexpression (what float64 rounding errors scale with), and
    whether any subexpression is complex there (our nan then propagates where SymPy may cancel it,
    as in ``0*sqrt(-1) = 0``)."""
    out, complex_inside = 1.0, False
    for sub in sp.preorder_traversal(expr):
        if isinstance(sub, sp.Expr) and not sub.is_Atom:
            v = _oracle(sub, at)
            if v is not None:
                out = max(out, abs(v))
                complex_inside |= abs(v.imag) > 1e-12 * max(1.0, abs(v))
    return out, complex_inside


@settings(max_examples=120, deadline=None)
@given(TREES, COORD, COORD)
@example(sp.log(x - y), 1.0, 2.0)
@example(sp.sqrt(x) * sp.exp(y), -1.0, 0.5)
@example(x * sp.sqrt(y), 0.0, -1.0)
@pytest.mark.slow
def test_random_trees_agree_with_evalf(expr: sp.Expr, xv: float, yv: float) -> None:
    assume(not expr.has(sp.I))  # SymPy folds sqrt(-3) to sqrt(3)*I: a complex constant, refused by design
    at = {x: xv, y: yv}
    ref = _oracle(expr, at)
    assume(ref is not None)
    assert ref is not None
    mag, complex_inside = _magnitude(expr, at)
    assume(mag < 1e100)
    got = numeric_value(expr, at)
    if abs(ref.imag) > 1e-9 * mag:
        assert math.isnan(got), f"{expr} at {at}: SymPy is complex ({ref}), got {got}"
    elif complex_inside and math.isnan(got):
        pass  # an undefined intermediate: nan, where SymPy's complex arithmetic cancelled it
    else:
        assert math.isfinite(got), f"{expr} at {at}: SymPy gives {ref}, got {got}"
        assert abs(got - ref.real) <= 1e-9 * mag, f"{expr} at {at}: {got} vs {ref}"


@settings(max_examples=40, deadline=None)
@given(TREES, st.lists(COORD, min_size=1, max_size=6), COORD)
def test_vectorized_equals_pointwise(expr: sp.Expr, xs: list[float], yv: float) -> None:
    assume(not expr.has(sp.I))
    fn = numeric_function(expr, [x, y])
    got = fn(np.asarray(xs), yv)
    assert got.shape == (len(xs),)
    one = np.asarray([fn(v, yv) for v in xs])
    np.testing.assert_array_equal(np.isnan(got), np.isnan(one))
    np.testing.assert_allclose(got[~np.isnan(got)], one[~np.isnan(one)], rtol=1e-13, atol=0)


def test_constant_is_broadcast_to_the_argument_shape() -> None:
    out = numeric_function(sp.Integer(3), [x])(np.zeros((2, 3)))
    assert out.shape == (2, 3) and np.all(out == 3.0)


# --- sums over data ------------------------------------------------------------------------
DATA = np.array([1.0, 2.0, 4.0, 7.0, 11.0])


def test_nested_sum_is_the_sum_of_squared_deviations() -> None:
    expr = sp.Sum((X[i] - sp.Sum(X[i], (i, 1, n)) / n) ** 2, (i, 1, n))
    assert numeric_value(expr, {}, data={X: DATA}) == pytest.approx(float(np.sum((DATA - DATA.mean()) ** 2)))


def test_sum_with_a_parameter_is_vectorized_in_the_parameter() -> None:
    t = sp.Symbol("t", real=True)
    fn = numeric_function(sp.Sum(sp.log(1 + (X[i] - t) ** 2), (i, 1, n)), [t], data={X: DATA})
    ts = np.array([[0.0, 1.5], [3.0, -2.0]])
    expected = np.vectorize(lambda v: float(np.sum(np.log1p((DATA - v) ** 2))))(ts)
    np.testing.assert_allclose(fn(ts), expected, rtol=1e-13)


def test_double_sum_over_two_indices() -> None:
    expr = sp.Sum((X[i] - X[j]) ** 2, (i, 1, n), (j, 1, n))
    expected = float(np.sum((DATA[:, None] - DATA[None, :]) ** 2))
    assert numeric_value(expr, {}, data={X: DATA}) == pytest.approx(expected)


def test_sum_limits_and_the_index_itself() -> None:
    expr = sp.Sum(i * X[i], (i, 2, 4))
    assert numeric_value(expr, {}, data={X: DATA}) == 2 * 2.0 + 3 * 4.0 + 4 * 7.0
    assert numeric_value(sp.Sum(X[i], (i, 3, 2)), {}, data={X: DATA}) == 0.0  # empty sum


def test_product_and_constant_summand() -> None:
    assert numeric_value(sp.Product(X[i], (i, 1, n)), {}, data={X: DATA}) == pytest.approx(float(np.prod(DATA)))
    assert numeric_value(sp.Sum(3, (i, 1, n)), {n: 4.0}) == 12.0
    assert numeric_value(sp.Sum(3, (i, 1, n)), {}, data={X: DATA}) == 15.0  # n defaults to the data length
    with pytest.raises(UsageError):
        numeric_value(sp.Sum(3, (i, 1, n)), {})


def test_sample_size_defaults_to_the_data_length_and_can_be_given() -> None:
    mean = sp.Sum(X[i], (i, 1, n)) / n
    assert numeric_value(mean, {}, data={X: DATA}) == pytest.approx(DATA.mean())
    assert numeric_value(mean, {n: 3.0}, data={X: DATA}) == pytest.approx(DATA[:3].mean())
    assert sample_size_symbols(mean) == {n}
    with pytest.raises(UsageError):
        numeric_value(mean, {n: 9.0}, data={X: DATA})  # more terms than data


def test_data_are_found_by_name_whatever_the_assumptions() -> None:
    plain = sp.IndexedBase("x")
    assert numeric_value(sp.Sum(X[i], (i, 1, n)), {}, data={plain: DATA}) == DATA.sum()


def test_sample_statistics_on_base_or_symbol() -> None:
    data = {X: DATA}
    assert numeric_value(sample_max(X), {}, data=data) == 11.0
    assert numeric_value(sample_min(sp.Symbol("x")), {}, data=data) == 1.0
    assert numeric_value(sample_median(X), {}, data=data) == 4.0
    even = {X: np.array([1.0, 2.0, 4.0, 9.0])}
    assert numeric_value(sample_median(X), {}, data=even) == 3.0
    mad = sp.Sum(sp.Abs(sample_median(X) - X[i]), (i, 1, n)) / n
    assert numeric_value(mad, {}, data=data) == pytest.approx(float(np.mean(np.abs(DATA - 4.0))))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-50, 50, allow_nan=False), min_size=1, max_size=30))
def test_sums_match_numpy_on_random_data(values: list[float]) -> None:
    d = np.asarray(values)
    data = {X: d}
    var = sp.Sum((X[i] - sp.Sum(X[i], (i, 1, n)) / n) ** 2, (i, 1, n)) / n
    assert numeric_value(var, {}, data=data) == pytest.approx(float(np.var(d)), rel=1e-9, abs=1e-9)
    assert numeric_value(sample_max(X) - sample_min(X), {}, data=data) == float(np.ptp(d))
    assert numeric_value(sample_median(X), {}, data=data) == float(np.median(d))


# --- refusals --------------------------------------------------------------------------------
@pytest.mark.parametrize("expr", [
    sp.Function("f")(x), sp.Function("sin")(x), sp.Function("Add")(x, y), sp.Integral(x, (x, 0, 1)),
    sp.Derivative(sp.Function("f")(x), x), sp.I * x,
], ids=str)
def test_unknown_nodes_are_refused_by_name(expr: sp.Expr) -> None:
    with pytest.raises(UnsupportedError) as err:
        numeric_function(expr, [x, y])
    assert type(expr).__name__ in str(err.value) or "ImaginaryUnit" in str(err.value)


def test_missing_values_and_data_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="no value given for y"):
        numeric_value(x + y, {x: 1.0})
    with pytest.raises(UsageError, match="no data given for x"):
        numeric_value(sp.Sum(X[i], (i, 1, n)), {n: 2.0})
    with pytest.raises(UsageError, match="no data given for x"):
        numeric_value(sample_max(X), {})
    with pytest.raises(UsageError, match="index outside"):
        numeric_value(X[i], {i: 9.0}, data={X: DATA})


def test_symbols_match_by_name_when_unambiguous() -> None:
    plain = sp.Symbol("x")
    assert numeric_value(plain + 1, {x: 2.0}) == 3.0
    with pytest.raises(UsageError):
        numeric_value(plain, {sp.Symbol("x", positive=True): 1.0, sp.Symbol("x", integer=True): 2.0})


# --- the sample statistics themselves ------------------------------------------------------
def test_sample_statistics_print_for_the_json_contract_and_latex() -> None:
    assert str(sample_max(X)) == "sample_max(x)"
    assert str(sample_min(X)) == "sample_min(x)"
    assert str(sample_median(X)) == "sample_median(x)"
    assert sp.latex(sample_max(X)) == r"\max_{i} x_{i}"
    assert sp.latex(sample_min(X)) == r"\min_{i} x_{i}"
    assert sp.latex(sample_median(X)) == r"\operatorname{median}_{i} x_{i}"


def test_sample_statistics_are_data_not_parameters() -> None:
    t = sp.Symbol("t", positive=True)
    assert sp.diff(t**2 * sample_max(X), t) == 2 * t * sample_max(X)
    assert sample_max(X).is_positive is True
    assert sample_max(sp.IndexedBase("z")).is_positive is None
    assert getattr(sample_max(X).func, "is_sample_statistic", False) is True
    assert sample_max(X) == sample_max(sp.IndexedBase("x", positive=True))
