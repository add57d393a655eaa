"""Built-in families: every family expands, parses with the right assumptions, and is a density."""
from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from derive.core.errors import UsageError
from derive.parse.auto import parse_expression
from derive.likelihood.families import Family, expand_family, family_name, family_names, family_table, suggest
from derive.likelihood.read import read_problem
from derive.likelihood.space import parse_space
from derive.likelihood.support import parse_support

NAMES = ("bernoulli", "binomial", "geometric", "poisson", "exponential", "normal", "lognormal", "gamma", "beta",
         "weibull", "laplace", "pareto", "uniform", "rayleigh", "multinomial")

PARAMS = {
    "bernoulli": ("p",), "binomial": ("p",), "geometric": ("p",), "poisson": ("lam",), "exponential": ("lam",),
    "normal": ("mu", "sigma2"), "lognormal": ("mu", "sigma2"), "gamma": ("alpha", "beta"), "beta": ("a", "b"),
    "weibull": ("k", "lam"), "laplace": ("mu", "b"), "pareto": ("xm", "alpha"), "uniform": ("theta",),
    "rayleigh": ("sigma2",), "multinomial": ("p1", "p2", "p3"),
}

REAL_ONLY = {"mu"}
"""Parameters whose space is all of R; every other one is positive."""


def test_names_and_order() -> None:
    assert family_names() == NAMES
    assert tuple(f.name for f in family_table()) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_table_is_consistent(name: str) -> None:
    fam = expand_family(name)
    assert isinstance(fam, Family)
    assert fam.params == PARAMS[name]
    assert len(fam.where_texts) == len(fam.params) and len(fam.support_texts) == len(fam.vars)
    assert fam.description
    assert fam.discrete == (name in {"bernoulli", "binomial", "geometric", "poisson", "multinomial"})
    domains, _ = parse_space(fam.all_where_texts())
    assert [d.name for d in domains][:len(fam.params)] == list(fam.params)
    by_name = {d.name: d for d in domains}
    density = parse_expression(fam.density_text, by_name)
    assert {s.name for s in density.free_symbols} >= set(fam.params) - {"theta"}
    for text, var in zip(fam.support_texts, fam.vars):
        assert parse_support(text, by_name, var=var).var == var


@pytest.mark.parametrize("name", NAMES)
def test_every_family_reads_with_assumptions(name: str) -> None:
    problem = read_problem(name, [], None, None, [])
    assert problem.family == name
    assert problem.source == expand_family(name).density_text
    assert tuple(p.name for p in problem.params) == PARAMS[name]
    for p in problem.params:
        assert p.is_real
        assert p.is_positive is (None if p.name in REAL_ONLY else True), p
        # The parameter in the density is the same object (same assumptions).
        assert p in problem.density.free_symbols or name == "uniform" and p in problem.support.free_symbols()
    assert problem.var.is_real
    if problem.discrete:
        assert problem.var.is_integer and problem.var.is_nonnegative


def test_probability_parameters_are_bounded() -> None:
    problem = read_problem("bernoulli", [], None, None, [])
    dom = problem.domain("p")
    assert dom is not None and (dom.lower, dom.upper) == (0.0, 1.0)


def test_binomial_m_is_a_known_positive_integer() -> None:
    problem = read_problem("binomial", [], None, None, [])
    m = next(s for s in problem.density.free_symbols if s.name == "m")
    assert m.is_integer and m.is_positive
    assert m not in problem.params
    assert problem.support.upper == m
    assert problem.domain("m") is not None


def _value(expr: sp.Expr, values: dict[str, sp.Expr]) -> mpmath.mpf:
    subs = {s: values[s.name] for s in expr.free_symbols if s.name in values}
    return mpmath.mpf(sp.re(expr.xreplace(subs).evalf(30)))


SAMPLE = {"p": sp.Rational(3, 10), "m": sp.Integer(5), "lam": sp.Rational(3, 2), "mu": sp.Rational(1, 3),
          "sigma2": sp.Rational(2), "alpha": sp.Rational(5, 2), "beta": sp.Rational(3, 2), "a": sp.Rational(2),
          "b": sp.Rational(3), "k": sp.Rational(3, 2), "xm": sp.Rational(1, 2), "theta": sp.Rational(7, 4),
          "p1": sp.Rational(1, 5), "p2": sp.Rational(3, 10), "p3": sp.Rational(1, 2)}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n == "normal" else n for n in NAMES])
def test_every_family_is_a_density(name: str) -> None:
    """Sums or integrates to one at one parameter point: the table holds no typo."""
    problem = read_problem(name, [], None, None, [])
    f, x, s = problem.density, problem.var.name, problem.support
    if problem.joint:
        total = sum(_value(f, {**SAMPLE, **{v.name: val for v, val in zip(problem.data_vars, row)}})
                    for row in problem.joint)
    elif s.kind == "finite":
        total = sum(_value(f, {**SAMPLE, x: v}) for v in s.values)
    elif s.kind == "integers":
        lo = int(_value(s.lower, SAMPLE)) if s.lower is not None else 0
        hi = int(_value(s.upper, SAMPLE)) if s.upper is not None else lo + 200
        total = sum(_value(f, {**SAMPLE, x: sp.Integer(n)}) for n in range(lo, hi + 1))
    else:
        lo = _value(s.lower, SAMPLE) if s.lower is not None else -mpmath.inf
        hi = _value(s.upper, SAMPLE) if s.upper is not None else mpmath.inf
        mid = [lo, SAMPLE.get("mu", 0), hi] if name in ("normal", "laplace") else [lo, hi]
        mpmath.mp.dps = 20
        total = mpmath.quad(lambda t: _value(f, {**SAMPLE, x: sp.Float(t, 20)}), mid)
    assert abs(total - 1) < 1e-6, (name, total)


def test_var_rename() -> None:
    fam = expand_family("exponential", var="t")
    assert fam.density_text == "lam exp(-lam t)" and fam.support_text == "t > 0" and fam.var == "t"
    problem = read_problem("poisson", [], "k", None, [])
    assert problem.var.name == "k" and problem.support.var == "k"
    assert "factorial(k)" in problem.source
    problem = read_problem("pareto", [], "y", None, [])
    assert problem.support.describe() == "y >= xm"


def test_choose_parameters() -> None:
    fam = expand_family("normal", params=["mu"])
    assert fam.params == ("mu",) and fam.where_texts == ("mu in R",)
    assert fam.known == (("sigma2", "sigma2 > 0"),)
    problem = read_problem("normal", ["sigma2"], None, None, [])
    assert [p.name for p in problem.params] == ["sigma2"]
    mu = next(s for s in problem.density.free_symbols if s.name == "mu")
    assert mu not in problem.params and problem.domain("mu") is not None
    # Order follows the family, not the command line.
    assert expand_family("gamma", params=["beta", "alpha"]).params == ("alpha", "beta")


def test_multinomial() -> None:
    fam = expand_family("multinomial")
    assert fam.vars == ("x1", "x2", "x3") and fam.params == ("p1", "p2", "p3")
    assert fam.density_text == "p1^x1 p2^x2 p3^x3"
    assert fam.constraint_texts == ("p1 + p2 + p3 = 1",)
    assert fam.joint == ((1, 0, 0), (0, 1, 0), (0, 0, 1))
    four = expand_family("multinomial(4)")
    assert four.params == ("p1", "p2", "p3", "p4") and len(four.joint) == 4
    assert expand_family("multinomial", K=5).vars[-1] == "x5"
    assert expand_family("multinomial(K=2)", var="y").vars == ("y1", "y2")
    problem = read_problem("multinomial", [], None, None, [])
    assert [v.name for v in problem.data_vars] == ["x1", "x2", "x3"]
    assert problem.constraints == (sum(problem.params) - 1,)
    assert all(s.is_positive for s in problem.params)


def test_family_name() -> None:
    assert family_name("normal") == ("normal", None)
    assert family_name("  Normal ") == ("normal", None)
    assert family_name("multinomial(4)") == ("multinomial", 4)
    assert family_name("multinomial( K = 6 )") == ("multinomial", 6)
    assert family_name("normal x") is None
    assert family_name("lam exp(-lam x)") is None
    assert family_name("normall") is None


@pytest.mark.parametrize(("name", "guess"), [("normall", "normal"), ("posson", "poisson"), ("Gausian", None),
                                             ("exponentail", "exponential"), ("binomal", "binomial")])
def test_suggest(name: str, guess: str | None) -> None:
    assert suggest(name) == guess


@pytest.mark.parametrize(("call", "message", "hint"), [
    (lambda: expand_family("normall"), "did you mean 'normal'", "families: bernoulli"),
    (lambda: expand_family("zeta"), "unknown family 'zeta'", "type the density itself"),
    (lambda: expand_family("normal", params=["sigma"]), "did you mean 'sigma2'", "mu, sigma2"),
    (lambda: expand_family("normal", params=["q"]), "no parameter 'q'", "mu, sigma2"),
    (lambda: expand_family("binomial", params=["m"]), "known constant", "type the density"),
    (lambda: expand_family("normal", var="mu"), "clashes", "another --var"),
    (lambda: expand_family("normal", var="exp"), "function name", "data variable"),
    (lambda: expand_family("normal", var="pi"), "constant name", "data variable"),
    (lambda: expand_family("normal", var="2x"), "bad data variable", "x or y"),
    (lambda: expand_family("multinomial(1)"), "2 to 20 categories", "multinomial(3)"),
    (lambda: expand_family("multinomial(30)"), "2 to 20 categories", "multinomial(3)"),
    (lambda: expand_family("multinomial(4)", K=5), "two numbers of categories", "K once"),
    (lambda: expand_family("multinomial", var="p"), "clash", "another --var"),
    (lambda: expand_family("normal(3)"), "no number of categories", "normal"),
])
def test_errors(call: object, message: str, hint: str) -> None:
    with pytest.raises(UsageError) as info:
        call()  # type: ignore[operator]
    assert message in info.value.message
    assert hint in (info.value.hint or "")


@pytest.mark.parametrize("k", [5, 12, 20])
def test_random_parameters_of_a_large_multinomial_satisfy_the_constraint(k: int) -> None:
    import random

    from derive.likelihood.certify import draw_params

    problem = read_problem(f"multinomial({k})", [], None, None, [])
    for seed in range(3):
        values = draw_params(problem, random.Random(seed))
        assert len(values) == k
        assert all(0 < v < 1 for v in values.values())
        assert abs(sum(values.values()) - 1) < 1e-12


@pytest.mark.slow
@pytest.mark.parametrize("k", [5, 10])
def test_a_large_multinomial_has_the_sample_proportions_as_estimates(k: int) -> None:
    from derive.core.budget import Budget
    from derive.likelihood.derivation import derive_mle
    from derive.likelihood.sample import I, N, sample_base

    problem = read_problem(f"multinomial({k})", [], None, None, [])
    d = derive_mle(problem, Budget(120).start())
    assert d.closed_form
    for v, p in zip(problem.data_vars, d.estimator):
        assert p is not None and sp.simplify(p - sp.Sum(sample_base(v)[I], (I, 1, N)) / N) == 0
