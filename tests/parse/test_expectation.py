"""Reading expectations, variances, covariances and the random-variable declarations."""
from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.core.errors import ParseError
from derive.parse.derivation import Declaration
from derive.parse.derivation_math import Context, read_context, read_math, split_declarations
from derive.parse.expectation import Covariance, Expectation, RandomSpec, Variance, random_declarations

X = sp.Symbol("X", real=True)
Y = sp.Symbol("Y", real=True)
MU = sp.Symbol("mu", real=True)
I = sp.Symbol("i", integer=True)
N = sp.Symbol("n", integer=True, positive=True)
x = sp.IndexedBase("x")


def ctx(text: str, line: int = 1) -> Context:
    return read_context([Declaration(item, line) for item in split_declarations(text)])


def spec(text: str) -> RandomSpec:
    got = ctx(text).random
    assert got is not None
    return got


XY = r"X, Y \text{ random}"


@pytest.mark.parametrize("text,expected", [
    (r"\mathbb{E}[X]", Expectation(X)),
    (r"\mathbb{E}\left[X + Y\right]", Expectation(X + Y)),
    (r"\mathbb{E}(X Y)", Expectation(X * Y)),
    (r"\mathbb{E}\bigl[X^2\bigr]", Expectation(X ** 2)),
    (r"E[X]", Expectation(X)),
    (r"\mathrm{E}[X]", Expectation(X)),
    (r"\mathbf{E}[X]", Expectation(X)),
    (r"\operatorname{E}[2X]", Expectation(2 * X)),
    (r"\mathbb{E}[X]^2", Expectation(X) ** 2),
    (r"\operatorname{Var}(X)", Variance(X)),
    (r"\mathrm{Var}[X - Y]", Variance(X - Y)),
    (r"\text{Var}(X)", Variance(X)),
    (r"\mathbb{V}[X]", Variance(X)),
    (r"\operatorname{Cov}(X, Y)", Covariance(X, Y)),
    (r"\mathrm{Cov}(X + 1, 2Y)", Covariance(X + 1, 2 * Y)),
    (r"\mathbb{E}\left[(X - \mathbb{E}[X])^2\right]", Expectation((X - Expectation(X)) ** 2)),
    (r"\mathbb{E}_{X}[X]", Expectation(X)),
])
def test_the_written_forms_of_the_operators(text: str, expected: sp.Basic) -> None:
    assert read_math(text, ctx(XY)).expr == expected


def test_the_echo_reads_back_to_the_same_tree() -> None:
    c = ctx(XY)
    for text in (r"\operatorname{Var}(2X + 1) - \operatorname{Cov}(X, Y)", r"\mathbb{E}[X Y]^2 + \mathbb{E}[X^2]"):
        reading = read_math(text, c)
        assert read_math(reading.latex, c).expr == reading.expr


def test_a_random_variable_named_like_a_function_is_a_scalar() -> None:
    u = sp.Symbol("U", real=True)
    assert read_math(r"\mathbb{E}[U(X + 1)]", ctx(r"U, X \text{ random}")).expr == Expectation(u * (X + 1))


def test_a_family_inside_an_expectation_is_indexed_data() -> None:
    c = ctx(r"x_1, \dots, x_n \overset{iid}{\sim} (\mu, \sigma^2)")
    assert read_math(r"\mathbb{E}\Bigl[\sum_{i=1}^n x_i\Bigr]", c).expr == Expectation(sp.Sum(x[I], (I, 1, N)))
    assert read_math(r"\mathbb{E}[x_1]", c).expr == Expectation(x[1])


def test_a_defined_mean_is_random_through_its_definition() -> None:
    c = ctx(r"x_i \overset{iid}{\sim} (\mu, \sigma^2), \bar x := \frac{1}{n}\sum_{i=1}^n x_i")
    reading = read_math(r"\operatorname{Var}(\bar x)", c)
    assert reading.expanded == Variance(sp.Sum(x[I], (I, 1, N)) / N)


def test_variance_and_covariance_are_written_through_expectations_by_doit() -> None:
    assert Variance(X).doit() == Expectation((X - Expectation(X)) ** 2)
    assert Covariance(X, Y).doit() == Expectation((X - Expectation(X)) * (Y - Expectation(Y)))


@pytest.mark.parametrize("text,fragment", [
    (r"\mathbb{E}[X \mid Y]", "conditional expectation"),
    (r"\mathbb{E}[X | Y]", "conditional expectation"),
    (r"\mathbb{E}[Z]", "no declared random variable"),
    (r"\operatorname{Cov}(X)", "takes 2 arguments"),
    (r"\operatorname{Var}(X, Y)", "takes 1 argument"),
    (r"\mathbb{E} X", "in brackets"),
    (r"\mathbb{E}_{\theta}[X]", "subscript"),
    (r"\mathbb{E}[]", "empty"),
])
def test_refusals_name_the_reason(text: str, fragment: str) -> None:
    with pytest.raises(ParseError, match=fragment):
        read_math(text, ctx(XY))


def test_without_declared_random_variables_expectations_are_refused() -> None:
    with pytest.raises(ParseError, match="no random variable is declared"):
        read_math(r"\mathbb{E}[X]")
    with pytest.raises(ParseError, match="not read"):
        read_math(r"\operatorname{Var}(X)")


def test_a_bare_e_is_the_operator_only_before_a_bracket_with_random_variables_declared() -> None:
    e = sp.Symbol("E", real=True)
    assert read_math(r"E[X]").expr == e * X  # nothing random declared: E is a name
    assert read_math(r"E(X)", ctx(XY)).expr == e * X  # E( is never the operator
    assert read_math(r"E[X]", ctx(XY + r", E > 0")).expr != Expectation(X)  # E declared: a name
    assert read_math(r"E[X]", ctx(XY)).expr == Expectation(X)


def test_an_expectation_of_a_vector_is_refused() -> None:
    with pytest.raises(ParseError, match="vector or a matrix"):
        read_math(r"\mathbb{E}[v]", ctx(XY + r", v \in \mathbb{R}^{3}"))


# --- declarations


def test_random_names_with_any_joint_law() -> None:
    s = spec(XY)
    assert s.scalars == {"X", "Y"} and not s.independent
    assert not s.is_source("X")


def test_moments_by_law_and_by_expectation() -> None:
    s = spec(r"X \sim (\mu, \sigma^2)")
    assert s.variables["X"].mean == MU
    assert s.variables["X"].variance == sp.Symbol("sigma", positive=True, real=True) ** 2
    s2 = spec(r"\mathbb{E}[X] = \mu, \operatorname{Var}(X) = \sigma^2")
    assert s2.variables["X"].mean == MU
    assert s2.moment_symbols() == {"mu", "sigma"}


@pytest.mark.parametrize("text", [
    r"x_1, \dots, x_n \overset{iid}{\sim} (\mu, \sigma^2)",
    r"x_i \overset{\text{iid}}{\sim} (\mu, \sigma^2)",
    r"x_i \stackrel{iid}{\sim} (\mu, \sigma^2)",
    r"x_1, \ldots, x_n \sim (\mu, \sigma^2) \text{ iid}",
    r"x_i \overset{\mathrm{i.i.d.}}{\sim} (\mu, \sigma^2)",
])
def test_iid_families(text: str) -> None:
    c = ctx(text)
    assert c.random is not None
    v = c.random.variables["x"]
    assert v.family and v.identical and v.mean == MU
    assert "x" in c.families


def test_a_list_of_members_without_a_law() -> None:
    c = ctx(r"x_1, \dots, x_n \text{ iid}")
    assert c.random is not None and c.random.variables["x"].family
    assert "n" in c.sizes


@pytest.mark.parametrize("text,law", [
    (r"X \sim \mathcal{N}(\mu, \sigma^2)", "normal"),
    (r"X \sim N(\mu, \sigma^2)", "normal"),
    (r"X \sim \operatorname{Poisson}(\lambda)", "poisson"),
    (r"X \sim \mathrm{Bernoulli}(p)", "bernoulli"),
    (r"X \sim \text{Exp}(\lambda)", "exponential"),
    (r"X \sim \operatorname{Unif}(a, b)", "uniform"),
])
def test_named_laws_and_their_parameter_domains(text: str, law: str) -> None:
    c = ctx(text)
    assert c.random is not None and c.random.variables["X"].law == law
    if law == "bernoulli":
        assert c.domains["p"].lower == 0 and c.domains["p"].upper == 1
    if law in ("poisson", "exponential"):
        assert c.domains["lambda"].lower == 0


@pytest.mark.parametrize("text", [r"X \perp Y", r"X \perp\!\!\!\perp Y", r"X, Y \text{ independent}"])
def test_independence(text: str) -> None:
    s = spec(text)
    assert s.independent == {"X", "Y"} and s.is_source("X")


@pytest.mark.parametrize("text,fragment", [
    (r"X \sim \operatorname{Gamma}(a, b)", "not known"),
    (r"X \sim \mathcal{N}(\mu, \sigma^2), Y \text{ random}", "may depend"),
    (r"x_1, \dots, x_n \text{ random}", "iid or independent"),
    (r"X \sim (\mu, \sigma^2), Y \sim (\mu, \tau^2)", "already the moment"),
    (r"X \sim (\mu + 1, \sigma^2)", "moments"),
    (r"X \sim \mathcal{N}(\mu)", "takes 2 parameters"),
    (r"X \sim (0, 1), Y \text{ random}", "needs X independent"),
    (r"X \sim (0, -1)", "positive number"),
])
def test_bad_random_declarations_name_the_line(text: str, fragment: str) -> None:
    with pytest.raises(ParseError, match=fragment) as info:
        ctx(text, line=4)
    assert "line 4" in info.value.message


def test_a_random_vector_is_declared_by_its_mean_and_covariance() -> None:
    base = r"x \in \mathbb{R}^{p}, \mu \in \mathbb{R}^{p}, \Sigma \in \mathbb{R}^{p\times p}"
    s = spec(base + r", x \sim (\mu, \Sigma)")
    v = s.variables["x"]
    assert v.vector and isinstance(v.mean, sp.MatrixSymbol) and s.vectors == {"x"} and not s.is_source("x")
    assert s.moment_symbols() == {"mu", "Sigma"}
    with pytest.raises(ParseError, match="covariance"):
        ctx(base + r", x \sim (\mu, \mu)")
    with pytest.raises(ParseError, match="independence of random vectors"):
        ctx(base + r", x \perp y")


def test_names_before_a_random_declaration_join_it_only_on_its_line() -> None:
    others, found = random_declarations([Declaration("x_1", 2), Declaration(r"\dots", 2),
                                         Declaration(r"x_n \overset{iid}{\sim} (\mu, \sigma^2)", 2),
                                         Declaration(r"\theta > 0", 3)])
    assert [d.text for d in others] == [r"\theta > 0"]
    assert found[0].names == ("x_1", r"\dots", "x_n")


def test_other_declarations_are_unchanged() -> None:
    c = ctx(r"\theta > 0, n \in \mathbb{N}")
    assert c.random is None and c.domains["theta"].lower == 0


NAMES = st.sampled_from(["X", "Y"])
COEFF = st.integers(-5, 5)


@settings(max_examples=40, deadline=None)
@given(a=COEFF, b=COEFF, c=COEFF, first=NAMES, second=NAMES, op=st.sampled_from(["E", "Var"]))
def test_an_operator_wraps_exactly_the_reading_of_its_argument(a: int, b: int, c: int, first: str, second: str,
                                                                op: str) -> None:
    inner = f"{a} {first} + ({b}) {second} + ({c})"
    context = ctx(XY)
    text = rf"\mathbb{{E}}[{inner}]" if op == "E" else rf"\operatorname{{Var}}({inner})"
    plain = read_math(inner, context).expr
    if not ({first, second} & {s.name for s in plain.free_symbols}):
        with pytest.raises(ParseError, match="no declared random variable"):
            read_math(text, context)  # the coefficients cancelled the random variables
        return
    wrapped = read_math(text, context).expr
    assert wrapped == (Expectation(plain) if op == "E" else Variance(plain))


PIECES = st.sampled_from([r"X", r"x_i", r"x_1", r"\dots", ",", r"\sim", r"\overset{iid}{\sim}", r"\perp", r"\mu",
                          r"\sigma^2", "(", ")", r"\mathcal{N}", r"\operatorname{Poisson}", r"\text{ random}",
                          r"\mathbb{E}[X]", "=", r"\operatorname{Var}(X)", "[", "]", "{", "}", r"\lambda", "iid", " "])


@settings(max_examples=150, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=10))
def test_any_declaration_text_is_read_or_refused_with_a_parse_error(pieces: list[str]) -> None:
    text = " ".join(pieces)
    try:
        c = read_context([Declaration(item, 2) for item in split_declarations(text)])
    except ParseError as exc:
        assert exc.message  # refused with a message, never another exception
        return
    assert c.random is None or all(v.name for v in c.random.variables.values())


TERMS = st.sampled_from([r"\mathbb{E}", r"E", r"\operatorname{Var}", r"\operatorname{Cov}", r"\mathbb{V}", "[", "]",
                         "(", ")", "X", "Y", "Z", "2", "+", "-", ",", r"\mid", "|", "^2", "_", r"\theta",
                         r"\left[", r"\right]", r"\sum_{i=1}^n", "x_i"])


@settings(max_examples=200, deadline=None)
@given(st.lists(TERMS, min_size=1, max_size=12))
def test_any_term_with_operators_is_read_or_refused_with_a_parse_error(pieces: list[str]) -> None:
    try:
        read_math(" ".join(pieces), ctx(XY + r", x_i \overset{iid}{\sim} (\mu, \sigma^2)"))
    except ParseError as exc:
        assert exc.message
