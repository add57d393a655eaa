"""LaTeX parser: our layers around latex2sympy, the command allow-list, and fuzzing."""
from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from derive.core.errors import ParseError, UsageError
from derive.parse.domain import VarDomain
from derive.core.functions import logsumexp, sigmoid, softplus
from derive.parse.latex import parse_latex
from derive.parse.text import parse_text

x, y, z, w, b, n, k = sp.symbols("x y z w b n k", real=True)
mu, sigma, lam = sp.symbols("mu sigma lambda", real=True)
f = sp.Function("f")


def sym(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


EXAMPLES: list[tuple[str, sp.Expr]] = [
    (r"\frac{1}{1+e^{-z}}", 1 / (1 + sp.exp(-z))),
    (r"\frac{1}{\sqrt{2\pi\sigma^2}} e^{-(x-\mu)^2/(2\sigma^2)}",
     1 / sp.sqrt(2 * sp.pi * sigma**2) * sp.exp(-((x - mu) ** 2) / (2 * sigma**2))),
    ("X", sym("X")),
    ("X + x", sym("X") + x),
    (r"\lambda x", lam * x),
    (r"\gamma + \Gamma", sym("gamma") + sym("Gamma")),
    (r"\Gamma(x)", sp.gamma(x)),
    (r"\beta", sym("beta")),
    ("x_1 + x_{12}", sym("x_1") + sym("x_12")),
    (r"x_{\text{max}} + x_\alpha", sym("x_max") + sym("x_alpha")),
    (r"\alpha_{1}^{2}", sym("alpha_1") ** 2),
    ("0.5 + 1.25x", sp.Rational(1, 2) + sp.Rational(5, 4) * x),
    ("e", sp.E),
    (r"\mathrm{e}^{x}", sp.exp(x)),
    ("e^x", sp.exp(x)),
    ("E + I", sym("E") + sym("I")),
    (r"\pi r^2", sp.pi * sym("r") ** 2),
    (r"\exp(x)", sp.exp(x)),
    (r"\log x", sp.log(x)),
    (r"\log(x)", sp.log(x)),
    (r"\ln x", sp.log(x)),
    (r"\log_2 x", sp.log(x, 2)),
    (r"\log_{10}(x)", sp.log(x, 10)),
    (r"\sin^2 x", sp.sin(x) ** 2),
    (r"\sin x^2", sp.sin(x**2)),
    (r"\sin 2x", sp.sin(2 * x)),
    (r"\sin x \cos x", sp.sin(x) * sp.cos(x)),
    (r"\sin x \cdot y", sp.sin(x) * y),
    (r"\sin^{-1} x", sp.asin(x)),
    (r"\tanh^{-1}(x)", sp.atanh(x)),
    (r"\cos\left(x\right)", sp.cos(x)),
    (r"\coth(x) + \arcsin x", sp.coth(x) + sp.asin(x)),
    ("f(x)", f(x)),
    ("f(x+1)", f(x + 1)),
    ("x(y+1)", x * (y + 1)),
    ("P(X)", sym("P") * sym("X")),
    (r"\sigma(z)", sp.Function("sigma")(z)),
    (r"\lambda (x+1)", lam * (x + 1)),
    (r"\operatorname{sigmoid}(w x + b)", sigmoid(w * x + b)),
    (r"\operatorname{softplus}(x)", softplus(x)),
    (r"\operatorname{logsumexp}(x, y, z)", logsumexp(x, y, z)),
    (r"\mathrm{sigmoid}(z)", sigmoid(z)),
    (r"\max(x, y)", sp.Max(x, y)),
    (r"\operatorname{atan}{\left(x \right)}", sp.atan(x)),
    (r"\operatorname{erf} x + \operatorname{sign}{x}", sp.erf(x) + sp.sign(x)),
    ("2 3", sp.Integer(6)),
    (r"2\frac{1}{2}", sp.Integer(1)),
    ("2(3)", sp.Integer(6)),
    (r"\frac12", sp.Rational(1, 2)),
    (r"\sqrt2", sp.sqrt(2)),
    (r"\sqrt[3]{x}", x ** sp.Rational(1, 3)),
    ("x^23", x**2 * 3),
    (r"\left(x+1\right)^2", (x + 1) ** 2),
    ("{x+1}^2", (x + 1) ** 2),
    (r"\dfrac{x}{y} + \tfrac{y}{x}", x / y + y / x),
    (r"x \cdot y \times z \div w", x * y * z / w),
    ("|x|", sp.Abs(x)),
    (r"\lvert x \rvert", sp.Abs(x)),
    (r"\lfloor x \rfloor + \lceil y \rceil", sp.floor(x) + sp.ceiling(y)),
    ("n!", sp.factorial(n)),
    (r"\binom{n}{k}", sp.binomial(n, k)),
    ("abc", sym("a") * sym("b") * sym("c")),
    ("-x^2", -(x**2)),
    ("2^{-x}", 2 ** (-x)),
    ("$x^2$", x**2),
    (r"x\,y\;z", x * y * z),
]


@pytest.mark.parametrize(("text", "expected"), EXAMPLES, ids=[t for t, _ in EXAMPLES])
def test_examples_parse_to_the_exact_structure(text: str, expected: sp.Expr) -> None:
    assert parse_latex(text) == expected


def test_uppercase_stays_uppercase() -> None:
    expr = parse_latex("X^2 + Y")
    assert {s.name for s in expr.free_symbols} == {"X", "Y"}


def test_variables_carry_their_domain() -> None:
    domains = {"sigma": VarDomain("sigma", lower=0.0)}
    assert parse_latex(r"\sqrt{\sigma^2}", domains) == sp.Symbol("sigma", positive=True, real=True)


def test_latex_and_text_agree() -> None:
    pairs = [
        (r"\frac{x^2}{2} \sin(x)", "x^2/2 sin(x)"),
        (r"-y\log(\operatorname{sigmoid}(w x + b))", "-y log(sigmoid(w x + b))"),
        (r"\gamma(x) + \phi(x)", "gamma(x) + phi(x)"),
        (r"e^{-\lambda x}", "e^(-lambda x)"),
    ]
    for latex, text in pairs:
        assert parse_latex(latex) == parse_text(text)


ERRORS: list[tuple[str, int, str]] = [
    (r"\input{/etc/passwd}", 0, r"'\input'"),
    (r"x + \def\foo{1}", 4, r"'\def'"),
    (r"\write18{rm -rf /}", 0, r"'\write'"),
    (r"x^2 + \immediate\write18{ls}", 6, r"'\immediate'"),
    (r"\int x \, dx", 0, r"'\int'"),
    (r"\frac{d}{dx} x^2", 0, "derivative"),
    (r"\frac{\mathrm{d}y}{\mathrm{d}x}", 0, "derivative"),
    ("", 0, "empty"),
    ("f'(x)", 1, "'"),
    ("x = 1", 2, "'='"),
    (r"\frac{1}{2", 8, "unclosed '{'"),
    ("(x", 0, "unclosed '('"),
    ("x)", 1, "unmatched ')'"),
    ("x+", 2, "cannot read"),
    (r"\sin", 0, "no argument"),
    (r"\operatorname{sigmoid}", 0, "no argument"),
    (r"\operatorname{sigmoid}(a, b)", 0, "sigmoid takes exactly 1"),
    (r"\frac{x}{0}", 0, "undefined"),
    ("1,2", 0, "FiniteSet"),
    (r"\left. x \right|", 0, r"'\left.'"),
    ("x^{2}_{1}", 5, "subscript"),
    ("x_{i+1}", 2, "subscript"),
    ("10^{10^{10}}", 0, "too large"),
    (r"\text{two words}", 0, "needs a name"),
]


@pytest.mark.parametrize(("text", "column", "words"), ERRORS, ids=[t or "<empty>" for t, _, _ in ERRORS])
def test_errors_are_one_line_with_span_and_hint(text: str, column: int, words: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_latex(text)
    err = info.value
    assert words in err.message
    assert "\n" not in str(err)
    assert err.hint
    assert err.span is not None and err.span.start == column


@pytest.mark.parametrize("text", ["{" * 40 + "x" + "}" * 40, "(" * 40 + "x" + ")" * 40, "x" * 2001,
                                  r"\sqrt{" * 30 + "x" + "}" * 30])
def test_size_and_depth_guards_raise_parse_error(text: str) -> None:
    with pytest.raises(ParseError):
        parse_latex(text)


def test_non_text_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        parse_latex(None)  # type: ignore[arg-type]


LATEX_PIECES = st.sampled_from([
    "x", "y", "2", "0.5", "e", "+", "-", "^", "_", "{", "}", "(", ")", "[", "]", "|", "!", ",", " ",
    r"\frac", r"\sqrt", r"\sin", r"\log", r"\left(", r"\right)", r"\cdot", r"\alpha", r"\pi", r"\gamma",
    r"\operatorname{sigmoid}", r"\text{e}", r"\input", r"\def", "\\", "f", "'", "=", r"\mathrm{d}",
])


@settings(max_examples=150, deadline=None)
@given(st.lists(LATEX_PIECES, max_size=25).map("".join))
@example(r"\frac{\frac{\frac{1}{x}}{y}}{z}")
@example(r"\sqrt[\sqrt[x]{y}]{z}")
@example(r"\log_{\log_{2} x} y")
@pytest.mark.slow
def test_fuzz_latex_like_text_raises_only_parse_error(text: str) -> None:
    try:
        assert isinstance(parse_latex(text), sp.Expr)
    except ParseError as err:
        assert "\n" not in str(err)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_fuzz_arbitrary_text_raises_only_parse_error(text: str) -> None:
    try:
        assert isinstance(parse_latex(text), sp.Expr)
    except ParseError as err:
        assert "\n" not in str(err)


def _latex_exprs() -> st.SearchStrategy[str]:
    """Random LaTeX built from a small grammar of our own."""
    leaves = st.sampled_from(["x", "y", "2", "3", r"\alpha", r"\pi", "e", "0.5", "x_1"])

    def grow(kids: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(kids, st.sampled_from(["+", "-", r"\cdot", " ", "/"]), kids).map(" ".join),
            st.tuples(kids, kids).map(lambda t: rf"\frac{{{t[0]}}}{{{t[1]}}}"),
            st.tuples(kids, kids).map(lambda t: f"{{{t[0]}}}^{{{t[1]}}}"),
            kids.map(lambda s: rf"\sqrt{{{s}}}"),
            st.tuples(st.sampled_from([r"\sin", r"\exp", r"\ln", r"\operatorname{sigmoid}"]), kids).map(
                lambda t: rf"{t[0]}\left({t[1]}\right)"),
            kids.map(lambda s: f"-({s})"),
        )

    return st.recursive(leaves, grow, max_leaves=6)


@settings(max_examples=100, deadline=None)
@given(_latex_exprs())
@pytest.mark.slow
def test_generated_latex_parses_or_raises_parse_error(text: str) -> None:
    try:
        assert isinstance(parse_latex(text), sp.Expr)
    except ParseError as err:
        assert "\n" not in str(err)


def _exprs() -> st.SearchStrategy[sp.Expr]:
    leaves = st.one_of(st.sampled_from([x, y, z, sp.pi]), st.integers(-9, 9).map(sp.Integer))

    def grow(kids: st.SearchStrategy[sp.Expr]) -> st.SearchStrategy[sp.Expr]:
        return st.one_of(
            st.tuples(kids, kids).map(lambda t: t[0] + t[1]),
            st.tuples(kids, kids).map(lambda t: t[0] * t[1]),
            st.tuples(kids, st.sampled_from([x, y, sp.Integer(2)])).map(lambda t: t[0] / t[1]),
            st.tuples(kids, st.sampled_from([-1, 2, 3, sp.Rational(1, 2), sp.Rational(1, 3), y])).map(
                lambda t: t[0] ** t[1]),
            st.tuples(st.sampled_from([sp.sin, sp.cos, sp.exp, sp.log, sp.Abs, sp.atan]), kids).map(
                lambda t: t[0](t[1])),
        )

    return st.recursive(leaves, grow, max_leaves=6)


def rebuilt(expr: sp.Basic) -> sp.Basic:
    """The same tree put through its constructors again, as the parser does."""
    if not expr.args:
        return expr
    return expr.func(*[rebuilt(arg) for arg in expr.args])


@settings(max_examples=100, deadline=None)
@given(_exprs())
@pytest.mark.slow
def test_round_trip_through_sympy_latex(expr: sp.Expr) -> None:
    """SymPy's own LaTeX for an expression (test-generated, not user text) reads back to it."""
    assume(not expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I, sp.AccumBounds))
    parsed, expected = parse_latex(sp.latex(expr)), rebuilt(expr)
    assert parsed == expected or sp.expand(parsed - expected) == 0, (sp.latex(expr), parsed, expected)


def test_a_declared_variable_before_a_parenthesis_multiplies() -> None:
    lam, x, mu = sp.Symbol("lambda", positive=True), sp.Symbol("x", real=True), sp.Symbol("mu", real=True)
    domains = {"lambda": VarDomain("lambda", 0.0), "x": VarDomain("x"), "mu": VarDomain("mu")}
    assert parse_latex(r"\lambda(x-\mu)^2", domains) == lam * (x - mu) ** 2
    assert parse_latex(r"h(x)", {"h": VarDomain("h"), "x": VarDomain("x")}) == sp.Symbol("h", real=True) * x
    undeclared = parse_latex(r"\lambda(x)")
    assert isinstance(undeclared, sp.core.function.AppliedUndef)  # undeclared: still read as a call
