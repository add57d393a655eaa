"""The input side of ``derive mle``: parameter spaces, typed densities, families, and every refusal."""
from __future__ import annotations

from collections.abc import Sequence

import pytest
import sympy as sp

from derive.core.errors import DeriveError, ParseError, UsageError
from derive.parse.domain import VarDomain
from derive.likelihood.model import MleProblem
from derive.likelihood.read import read_problem
from derive.likelihood.space import parse_space, read_space

# -- parse_space ------------------------------------------------------------------------------

SPACES: list[tuple[list[str], tuple[VarDomain, ...], tuple[str, ...]]] = [
    (["0 < p < 1"], (VarDomain("p", 0.0, 1.0),), ()),
    (["lam > 0"], (VarDomain("lam", 0.0),), ()),
    (["mu in R"], (VarDomain("mu"),), ()),
    (["sigma2 > 0, mu in R"], (VarDomain("sigma2", 0.0), VarDomain("mu")), ()),
    (["m integer, m > 0"], (VarDomain("m", 0.0, integer=True),), ()),
    (["m > 0 integer"], (VarDomain("m", 0.0, integer=True),), ()),
    (["p > 0", "p < 1"], (VarDomain("p", 0.0, 1.0),), ()),
    (["x in (0, 1) and y >= 2"], (VarDomain("x", 0.0, 1.0), VarDomain("y", 2.0, lower_strict=False)), ()),
    (["p1 + p2 + p3 = 1", "0 < p1 < 1; 0 < p2 < 1"], (VarDomain("p1", 0.0, 1.0), VarDomain("p2", 0.0, 1.0)),
     ("p1 + p2 + p3 - 1",)),
    (["a == 2*b"], (), ("a - 2*b",)),
    ([r"0 < \theta < 1"], (VarDomain("theta", 0.0, 1.0),), ()),
    ([r"\mu \in \mathbb{R}, \sigma \geq 0"], (VarDomain("mu"), VarDomain("sigma", 0.0, lower_strict=False)), ()),
    ([r"\lambda > 0"], (VarDomain("lambda", 0.0),), ()),
    ([r"\theta_1 + \theta_2 = 1"], (), ("theta_1 + theta_2 - 1",)),
    ([], (), ()),
    ([""], (), ()),
]


@pytest.mark.parametrize(("texts", "domains", "constraints"), SPACES, ids=[" | ".join(t) or "<none>" for t, *_ in SPACES])
def test_space(texts: list[str], domains: tuple[VarDomain, ...], constraints: tuple[str, ...]) -> None:
    got_domains, got_constraints = parse_space(texts)
    assert got_domains == domains
    assert tuple(str(c) for c in got_constraints) == constraints


def test_constraint_symbols_carry_domains() -> None:
    _, (c,) = parse_space(["0 < p1 < 1, 0 < p2 < 1", "p1 + p2 = 1"])
    assert all(s.is_positive for s in c.free_symbols)


SPACE_ERRORS: list[tuple[list[str], int, int, str, str]] = [
    (["p = "], 0, 3, "missing side", "p1 + p2 + p3 = 1"),
    (["1 = 1"], 0, 0, "involves no parameter", "p1 + p2 + p3 = 1"),
    (["p + q = 1 < 2"], 0, 10, "mixed with other comparisons", "--where"),
    (["p > 1", "p < 0"], 1, 0, "contradict", "remove one"),
    (["x >"], 0, 3, "missing bound", "x > 0"),
    (["lam > 0,"], 0, 7, "empty declaration", "separator"),
    (["lam > 0, , p > 0"], 0, 9, "empty declaration", "separator"),
    (["a > 0, b foo"], 0, 9, "unknown property", "integer"),
    (["lam > 0", "mu in Q"], 1, 6, "unknown set", "R, Z"),
    (["p + sin = 1"], 0, 4, "without parentheses", "sin(x)"),
    ([r"0 < \theta < \foo"], 0, 13, "bad bound", ""),
]


@pytest.mark.parametrize(("texts", "which", "column", "message", "hint"), SPACE_ERRORS,
                         ids=[" | ".join(t) for t, *_ in SPACE_ERRORS])
def test_space_errors(texts: list[str], which: int, column: int, message: str, hint: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_space(texts)
    err = info.value
    assert message in err.message and hint in (err.hint or "")
    assert err.span is not None and err.span.text == texts[which] and err.span.start == column


def test_space_wants_a_sequence() -> None:
    with pytest.raises(UsageError):
        parse_space("p > 0")


# -- read_problem: typed densities -------------------------------------------------------------------


def read(density: str, params: Sequence[str] = (), var: str | None = None, support: str | None = None,
         where: Sequence[str] = (), prior: str | None = None) -> MleProblem:
    return read_problem(density, list(params), var, support, list(where), prior)


def named(problem: MleProblem, name: str) -> sp.Symbol:
    found = {s.name: s for s in problem.density.free_symbols} | {s.name: s for s in problem.support.free_symbols()}
    return found[name]


def test_bernoulli_typed() -> None:
    p = read("theta^x (1-theta)^(1-x)", ["theta"], support="x in {0,1}", where=["0 < theta < 1"])
    theta, x = p.params[0], p.var
    assert p.density == theta**x * (1 - theta)**(1 - x)
    assert theta.is_positive and x.is_integer and x.is_nonnegative
    assert p.discrete and p.family == "" and p.source == "theta^x (1-theta)^(1-x)"
    assert p.support.kind == "finite" and p.space == (VarDomain("theta", 0.0, 1.0),)


def test_normal_latex() -> None:
    p = read(r"\frac{1}{\sqrt{2\pi\sigma^2}} e^{-(x-\mu)^2/(2\sigma^2)}", ["mu", "sigma"], support=r"x \in \mathbb{R}",
             where=[r"\mu \in \mathbb{R}", r"\sigma > 0"])
    mu, sigma = p.params
    assert sigma.is_positive and mu.is_real and mu.is_positive is None
    x = p.var
    assert sp.simplify(p.density - sp.exp(-(x - mu)**2 / (2 * sigma**2)) / sp.sqrt(2 * sp.pi * sigma**2)) == 0
    assert not p.discrete


def test_var_defaults_to_the_support_variable() -> None:
    p = read("lam exp(-lam t)", ["lam"], support="t > 0", where=["lam > 0"])
    assert p.var.name == "t" and p.var.is_positive
    p = read("1/theta", ["theta"], support="0 < y < theta", where=["theta > 0"])
    assert p.var.name == "y" and p.support.upper == p.params[0]


def test_parameter_dependent_support() -> None:
    p = read("1/theta", ["theta"], support="0 <= x <= theta", where=["theta > 0"])
    assert p.var.is_nonnegative and p.support.upper == p.params[0]
    p = read("alpha xm^alpha / x^(alpha+1)", ["xm", "alpha"], support="x >= xm", where=["xm > 0", "alpha > 0"])
    assert p.var.is_positive


def test_known_constants_stay_symbols() -> None:
    p = read("binomial(m, x) p^x (1-p)^(m-x)", ["p"], support="x in {0,...,m}", where=["0 < p < 1", "m > 0 integer"])
    m = named(p, "m")
    assert m not in p.params and m.is_integer and m.is_positive
    assert p.domain("m") == VarDomain("m", 0.0, integer=True)
    # An undeclared constant is a real symbol; the sample check asks for its sign if needed.
    p = read("exp(-(x-c)^2/2)/sqrt(2 pi)", ["c"], support="x in R")
    assert p.params[0].is_real and p.space == (VarDomain("c"),)


def test_constraints_and_prior() -> None:
    p = read("p1^x1 p2^(1-x1)", ["p1", "p2"], var="x1", support="x1 in {0,1}",
             where=["0 < p1 < 1, 0 < p2 < 1", "p1 + p2 = 1"])
    assert p.constraints == (p.params[0] + p.params[1] - 1,)
    p = read("lam exp(-lam x)", ["lam"], support="x > 0", where=["lam > 0", "a0 > 0, b0 > 0"],
             prior="b0^a0/gamma(a0) lam^(a0-1) exp(-b0 lam)")
    assert {d.name for d in p.space} == {"lam", "a0", "b0"}
    assert p.prior_source.startswith("b0^a0")
    assert p.prior is not None and p.params[0] in p.prior.free_symbols
    assert read("lam exp(-lam x)", ["lam"], support="x > 0", where=["lam > 0"], prior="exp(-lam)").prior == -p.params[0]


def test_family_with_extra_where() -> None:
    p = read("normal", where=["mu > 0"])
    assert p.domain("mu") == VarDomain("mu", 0.0) and p.params[0].is_positive


def test_family_var_and_params() -> None:
    p = read("gamma", ["alpha"], "t")
    assert [s.name for s in p.params] == ["alpha"] and p.var.name == "t"
    beta = named(p, "beta")
    assert beta.is_positive and beta not in p.params


def test_latex_sigma_squared_reads_as_the_variance_parameter() -> None:
    """The issue's LaTeX normal with --param sigma2: sigma^2 in the density is the parameter sigma2."""
    p = read_problem(r"\frac{1}{\sqrt{2\pi\sigma^2}} e^{-(x-\mu)^2/(2\sigma^2)}", ["mu", "sigma2"], None,
                     "x in R", ["sigma2 > 0"])
    names = {s.name for s in p.density.free_symbols}
    assert names == {"mu", "sigma2", "x"}
    s2 = next(q for q in p.params if q.name == "sigma2")
    assert s2.is_positive


# -- read_problem: refusals ---------------------------------------------------------------------------------

REFUSALS: list[tuple[dict[str, object], type[DeriveError], str, str]] = [
    (dict(density="lam exp(-lam x)", params=["mu"], support="x > 0", where=["lam > 0"]), UsageError,
     "parameter 'mu' does not appear in the density", "symbols are lam, x"),
    (dict(density=r"\frac{1}{\sqrt{2\pi\sigma^2}} e^{-(x-\mu)^2/(2\sigma^2)}", params=["mu", "tau2"],
          support="x in R"), UsageError, "parameter 'tau2' does not appear", "mu, sigma, x"),
    (dict(density="lam exp(-lam x)", params=["lam"], var="y", support="y > 0", where=["lam > 0"]), UsageError,
     "data variable 'y' does not appear in the density", "give --var"),
    (dict(density="lam exp(-lam x)", params=["lam"], where=["lam > 0"]), UsageError,
     "give the support", "--support 'x > 0'"),
    (dict(density="lam exp(-lam x)", support="x > 0"), UsageError, "at least one --param", "--param theta"),
    (dict(density="lam exp(-lam x)", params=["lam", "lam"], support="x > 0"), UsageError, "given twice", "once"),
    (dict(density="lam exp(-lam x)", params=["x"], support="x > 0"), UsageError,
     "both the data variable and a parameter", "estimate something else"),
    (dict(density="lam exp(-lam x)", params=["lam"], support="x > 0", where=["lam > 0", "x > 0"]), UsageError,
     "--where declares the data variable 'x'", "--support"),
    (dict(density="lam exp(-lam x)", params=["lam"], support="x > 0", where=["lam > 0, q > 0"]), UsageError,
     "--where declares 'q'", "check the spelling"),
    (dict(density="lam exp(-lam x)", params=["lam"], support="x > 0", where=["lam > 0", "lam + q = 1"]), UsageError,
     "involves 'q'", "--param"),
    (dict(density="lam exp(-lam x)", params=["sigma^2"], support="x > 0"), UsageError, "bad parameter name",
     "plain name"),
    (dict(density="lam exp(-lam x)", params=["exp"], support="x > 0"), UsageError, "function name", "parameter"),
    (dict(density="lam exp(-lam x)", params=["lam"], var="2x", support="x > 0"), UsageError,
     "bad data variable name", "plain name"),
    (dict(density="f(x) theta", params=["theta"], support="x > 0"), ParseError, "unknown function 'f'",
     "known functions"),
    (dict(density="", params=["theta"], support="x > 0"), ParseError, "empty density", "family name"),
    (dict(density="normall"), UsageError, "did you mean 'normal'", "families:"),
    (dict(density="normal", support="x > 0"), UsageError, "would change the model", "type the density"),
    (dict(density="normal", params=["sigma"]), UsageError, "did you mean 'sigma2'", "mu, sigma2"),
    (dict(density="lam exp(-lam x)", params=["lam"], var="x", support="0 < y < 1"), ParseError,
     "about 'y'", "in terms of x"),
    (dict(density="lam exp(-lam x", params=["lam"], support="x > 0"), ParseError, "", ""),
    # a support that contradicts the density
    (dict(density="x^(a-1) exp(-x)/gamma(a)", params=["a"], support="x in R", where=["a > 0"]), UsageError,
     "the density is not real at x = -1 (a = 0.5) on the support x in R", "--support"),
    (dict(density="sqrt(x) exp(-lam x)", params=["lam"], support="x in R", where=["lam > 0"]), UsageError,
     "the density is not real at x = -1 (lam = 0.5)", "--support"),
    (dict(density="log(x) theta", params=["theta"], support="x in (0, 2)", where=["theta > 0"]), UsageError,
     "the density is negative at x = 0.2 (theta = 0.5) on the support x in (0, 2)", "--support"),
    (dict(density="theta^x (1-theta)^(1-x)", params=["theta"], support="x in {0,1}"), UsageError,
     "the density is negative at x = 0 (theta = 2)", "theta has no --where, so it is taken in R"),
    (dict(density="lam^x exp(-lam)/x", params=["lam"], support="x in {0,1,2,...}", where=["lam > 0"]), UsageError,
     "the density is undefined at x = 0", ""),
    (dict(density="exp(-x/c)/c", params=["c"], support="x > 0"), UsageError, "negative", "--where 'c > 0'"),
    # the prior
    (dict(density="lam exp(-lam x)", params=["lam"], support="x > 0", where=["lam > 0"], prior="-lam"), UsageError,
     "the prior is negative at lam = 0.5", "nonnegative"),
    (dict(density="lam exp(-lam x)", params=["lam"], support="x > 0", where=["lam > 0", "c0 in R"], prior="c0 lam"),
     UsageError, "the prior is negative at c0 = -1.5, lam = 5", "nonnegative"),
    (dict(density="lam exp(-lam x)", params=["lam"], support="x > 0", where=["lam > 0", "q > 0"], prior="exp(-lam)"),
     UsageError, "nor in the prior", "check the spelling"),
    (dict(density="lam exp(-lam x)", params=["lam"], support="x > 0", where=["lam > 0"], prior="x lam"), ParseError,
     "prior depends on the data variable 'x'", "parameters only"),
    (dict(density="lam exp(-lam x)", params=["lam"], support="x > 0", where=["lam > 0"], prior="exp(-q lam)"),
     ParseError, "involves 'q'", "--where"),
    (dict(density="lam exp(-lam x)", params=["lam"], support="x > 0", where=["lam > 0"], prior="g(lam)"), ParseError,
     "unknown function", "known functions"),
    (dict(density=3, params=["lam"], support="x > 0"), UsageError, "must be a str", ""),
    (dict(density="lam exp(-lam x)", params="lam", support="x > 0"), UsageError, "sequence of str", ""),
]


@pytest.mark.parametrize(("kwargs", "kind", "message", "hint"), REFUSALS, ids=[str(i) for i in range(len(REFUSALS))])
def test_refusals(kwargs: dict[str, object], kind: type[DeriveError], message: str, hint: str) -> None:
    args = {"density": None, "params": [], "var": None, "support": None, "where": [], "prior": None, **kwargs}
    with pytest.raises(kind) as info:
        read_problem(args["density"], args["params"], args["var"], args["support"], args["where"],  # type: ignore[arg-type]
                     args["prior"])  # type: ignore[arg-type]
    err = info.value
    assert message in err.message, err.message
    assert hint in (err.hint or ""), err.hint
    line = err.one_line()
    assert "\n" not in line


def test_contradiction_points_at_the_support() -> None:
    with pytest.raises(UsageError) as info:
        read("x^(a-1) exp(-x)/gamma(a)", ["a"], support="x in R", where=["a > 0"])
    assert info.value.span is not None and info.value.span.text == "x in R"


def test_unknown_function_points_at_it() -> None:
    with pytest.raises(ParseError) as info:
        read("theta g(x)", ["theta"], support="x > 0", where=["theta > 0"])
    assert info.value.span is not None and info.value.span.start == 6


def test_density_parse_error_keeps_its_span() -> None:
    with pytest.raises(ParseError) as info:
        read("theta^x (1-theta", ["theta"], support="x in {0,1}")
    assert info.value.span is not None and info.value.span.text == "theta^x (1-theta"


def test_undeclared_parameter_is_real() -> None:
    p = read("exp(-(x-mu)^2/2)/sqrt(2 pi)", ["mu"], support="x in R")
    assert p.space == (VarDomain("mu"),) and p.params[0].is_positive is None


def test_sample_check_uses_floats() -> None:
    """x^x^x^x at x = 3 would be an integer with 3.6e12 digits; floats keep the check instant."""
    p = read("theta x^x^x^x", ["theta"], support="x > 0", where=["theta > 0"])
    assert p.params[0].is_positive


# -- relations between parameters (--where 'a < b') ------------------------------------------------

RELATIONS: list[tuple[list[str], tuple[str, ...], tuple[str, ...]]] = [
    (["a < b"], (), ("a < b",)),
    (["a > 0", "b >= a"], ("a",), ("b >= a",)),
    (["mu1 <= mu2, s > 0"], ("s",), ("mu1 <= mu2",)),
    ([r"\alpha \le \beta"], (), ("alpha <= beta",)),
    (["a < 2 b + 1"], (), ("a < 2*b + 1",)),
]


@pytest.mark.parametrize(("texts", "names", "relations"), RELATIONS, ids=[" | ".join(t) for t, *_ in RELATIONS])
def test_relations_between_parameters(texts: list[str], names: tuple[str, ...], relations: tuple[str, ...]) -> None:
    domains, constraints, rels = read_space(texts)
    assert tuple(d.name for d in domains) == names and constraints == ()
    assert tuple(str(r) for r in rels) == relations
    # parse_space reads them too, and leaves them out
    assert parse_space(texts) == (domains, constraints)


def test_a_relation_implied_by_the_domains_is_dropped_and_a_contradiction_refused() -> None:
    assert read_space(["a > 1", "b < 0", "b < a"])[2] == ()
    with pytest.raises(ParseError, match="contradicts"):
        read_space(["a > 1", "b < 0", "a < b"])


@pytest.mark.parametrize("texts", [["a < b < c"], ["1 < 2"], ["a < foo("]])
def test_what_is_not_a_relation_keeps_the_domain_error(texts: list[str]) -> None:
    with pytest.raises(ParseError):
        read_space(texts)


def test_the_relation_uses_the_problems_parameter_symbols() -> None:
    prob = read_problem("1/(b - a)", ["a", "b"], None, "a < x < b", ["a < b"])
    (r,) = prob.relations
    assert r.free_symbols == set(prob.params)


def test_a_relation_naming_an_unknown_symbol_is_refused() -> None:
    with pytest.raises(UsageError, match="neither a parameter"):
        read_problem("1/(b - a)", ["a", "b"], None, "a < x < b", ["a < c"])
