"""Support declarations: every accepted form, every error with its span and hint, round trips."""
from __future__ import annotations

from dataclasses import replace

import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from derive.core.errors import ParseError
from derive.parse.domain import VarDomain, make_symbol
from derive.likelihood.model import Support
from derive.likelihood.support import normalise, parse_support, variable_domain

DOMAINS = {
    "theta": VarDomain("theta", lower=0.0), "m": VarDomain("m", lower=0.0, integer=True),
    "mu": VarDomain("mu"), "a": VarDomain("a"), "b": VarDomain("b"), "xm": VarDomain("xm", lower=0.0),
    "k": VarDomain("k", integer=True),
}


def sym(name: str) -> sp.Symbol:
    return make_symbol(name, DOMAINS)


Z, ONE = sp.S.Zero, sp.S.One

EXAMPLES: list[tuple[str, Support]] = [
    ("x in {0,1}", Support("x", "finite", values=(Z, ONE))),
    ("x in {0, 1, 2}", Support("x", "finite", values=(Z, ONE, sp.Integer(2)))),
    ("x in {1, 0}", Support("x", "finite", values=(Z, ONE))),
    ("x in {-1, 1/2}", Support("x", "finite", values=(-ONE, sp.Rational(1, 2)))),
    ("x in {0,1,2,...}", Support("x", "integers", lower=Z)),
    ("x in {1,2,...}", Support("x", "integers", lower=ONE)),
    ("x in {1, 2, \u2026}", Support("x", "integers", lower=ONE)),
    ("x in {0, 0+1, ...}", Support("x", "integers", lower=Z)),
    ("x in {k, k+1, ...}", Support("x", "integers", lower=sym("k"))),
    ("x in {0,1,...,m}", Support("x", "integers", lower=Z, upper=sym("m"))),
    ("x in {0,...,m}", Support("x", "integers", lower=Z, upper=sym("m"))),
    ("x in {0, ..., 5}", Support("x", "integers", lower=Z, upper=sp.Integer(5))),
    ("x in N", Support("x", "integers", lower=Z)),
    ("x > 0", Support("x", "interval", lower=Z)),
    ("x >= 0", Support("x", "interval", lower=Z, lower_strict=False)),
    ("x \u2265 0", Support("x", "interval", lower=Z, lower_strict=False)),
    ("x > 1", Support("x", "interval", lower=ONE)),
    ("x > mu", Support("x", "interval", lower=sym("mu"))),
    ("x >= xm", Support("x", "interval", lower=sym("xm"), lower_strict=False)),
    ("mu < x", Support("x", "interval", lower=sym("mu"))),
    ("x < 0", Support("x", "interval", upper=Z)),
    ("x <= -1/2", Support("x", "interval", upper=sp.Rational(-1, 2), upper_strict=False)),
    ("x in R", Support("x", "interval")),
    ("x in reals", Support("x", "interval")),
    ("-inf < x < oo", Support("x", "interval")),
    ("x in (0, 1)", Support("x", "interval", lower=Z, upper=ONE)),
    ("x in [0, 1)", Support("x", "interval", lower=Z, upper=ONE, lower_strict=False)),
    ("x in (0, 1]", Support("x", "interval", lower=Z, upper=ONE, upper_strict=False)),
    ("x in (0, inf)", Support("x", "interval", lower=Z)),
    ("x in (0, oo)", Support("x", "interval", lower=Z)),
    ("x in [0, infinity)", Support("x", "interval", lower=Z, lower_strict=False)),
    ("x in (-inf, 0]", Support("x", "interval", upper=Z, upper_strict=False)),
    ("0 < x < 1", Support("x", "interval", lower=Z, upper=ONE)),
    ("1 > x >= 0", Support("x", "interval", lower=Z, upper=ONE, lower_strict=False)),
    ("0 < x < theta", Support("x", "interval", lower=Z, upper=sym("theta"))),
    ("0 <= x <= theta", Support("x", "interval", lower=Z, upper=sym("theta"), lower_strict=False,
                                upper_strict=False)),
    ("0 =< x =< 2*theta", Support("x", "interval", lower=Z, upper=2 * sym("theta"), lower_strict=False,
                                  upper_strict=False)),
    ("a < x < b", Support("x", "interval", lower=sym("a"), upper=sym("b"))),
    ("0 < x < pi/2", Support("x", "interval", lower=Z, upper=sp.pi / 2)),
    ("y > 0", Support("y", "interval", lower=Z)),
    ("  x > 0  ", Support("x", "interval", lower=Z)),
    # LaTeX spellings
    (r"x \in \{0,1\}", Support("x", "finite", values=(Z, ONE))),
    (r"x \in \{0, 1, \ldots, m\}", Support("x", "integers", lower=Z, upper=sym("m"))),
    (r"x \in \{1, 2, \dots\}", Support("x", "integers", lower=ONE)),
    (r"x \in \mathbb{R}", Support("x", "interval")),
    (r"x \in \mathbb{N}", Support("x", "integers", lower=Z)),
    (r"x \in \mathbb{N}_0", Support("x", "integers", lower=Z)),
    (r"0 < x < \theta", Support("x", "interval", lower=Z, upper=sym("theta"))),
    (r"0 \le x \le \theta", Support("x", "interval", lower=Z, upper=sym("theta"), lower_strict=False,
                                    upper_strict=False)),
    (r"x \geq 0", Support("x", "interval", lower=Z, lower_strict=False)),
    (r"x \in \left(0, \infty\right)", Support("x", "interval", lower=Z)),
    (r"x \in [0, \infty)", Support("x", "interval", lower=Z, lower_strict=False)),
    ("x \u2208 \u211d", Support("x", "interval")),
    (r"0 < x < \frac{1}{2}", Support("x", "interval", lower=Z, upper=sp.Rational(1, 2))),
]


def without_text(s: Support) -> Support:
    return replace(s, text="")


@pytest.mark.parametrize(("text", "expected"), EXAMPLES, ids=[t for t, _ in EXAMPLES])
def test_examples(text: str, expected: Support) -> None:
    got = parse_support(text, DOMAINS)
    assert without_text(got) == expected
    assert got.text == text.strip()
    assert got.describe() == text.strip()


def test_ends_carry_domain_assumptions() -> None:
    s = parse_support("0 < x < theta", DOMAINS)
    assert s.upper is not None and s.upper.is_positive
    assert s.free_symbols() == {sym("theta")}
    integers = parse_support("x in {0,...,m}", DOMAINS)
    assert integers.upper is not None and integers.upper.is_integer and integers.upper.is_positive


def test_var_picks_the_side() -> None:
    assert parse_support("theta > x", DOMAINS, var="x") == Support(
        "x", "interval", upper=sym("theta"), text="theta > x")
    # Without var, the side that is a name with no domain is the variable.
    assert parse_support("theta > x", DOMAINS).var == "x"
    assert parse_support("x > theta", DOMAINS).var == "x"


ERRORS: list[tuple[str, int, str, str]] = [
    ("", 0, "empty support", "x in {0,1}"),
    ("x", 0, "cannot read", "x in {0,1}"),
    ("x = 1", 2, "'='", "< <= > >="),
    ("x != 1", 2, "'!='", "< <= > >="),
    ("x >", 3, "missing end", "x in {0,1}"),
    ("x in", 4, "missing set", "x in {0,1}"),
    ("0 < x > 1", 6, "different directions", "a < x < b"),
    ("0 < x < 1 < 2", 10, "too many comparisons", "a < x < b"),
    ("x in (1, 0)", 5, "is empty", "lower end must be below"),
    ("1 < x < 0", 0, "is empty", "lower end must be below"),
    ("0 < x < 0", 0, "is empty", "lower end must be below"),
    ("x in {0,1,...,n}", 14, "not known to be an integer", "--where 'n > 0 integer'"),
    ("x in {0, 1/2, ...}", 9, "not an integer", "integer ranges"),
    ("x in Z", 5, "all the integers", "x in {0,1,2,...}"),
    ("x in Q", 5, "unknown set", "{0,1,2,...}"),
    ("x in {0,0}", 8, "listed twice", "each value once"),
    ("x in {0,,1}", 8, "empty element", "single commas"),
    ("x in {a, b}", 6, "not a number", "{0, ..., m}"),
    ("x in {0,1", 5, "unclosed", "x in {0,1}"),
    ("x in {..., 0}", 6, "first elements", "{0, 1, 2, ...}"),
    ("x in {0, ..., 3, ...}", 17, "first elements", "{0, 1, 2, ...}"),
    ("x in {0, 2, ...}", 9, "consecutive integers", "{0, 1, ..., m}"),
    ("x in {3, ..., 1}", 14, "below", "increasing order"),
    ("x in {0, ..., inf}", 14, "infinity cannot be listed", "{0, 1, 2, ...}"),
    ("x in (0, 1, 2)", 5, "two ends", "(a, b)"),
    ("x in (0, -inf)", 9, "-infinity cannot be the upper end", "upper end inf"),
    ("x > inf", 4, "+infinity cannot be the lower end", "upper end inf"),
    ("0 < x < x", 8, "data variable 'x' itself", "parameters or known constants"),
    ("x > 1/0", 4, "undefined or infinite", "denominators"),
    ("x > sin", 4, "without parentheses", "sin(x)"),
    ("x > 2 +", 6, "bad value", ""),
    ("pi > 0", 0, "constant", "data variable"),
    ("exp in R", 0, "function", "data variable"),
    ("1 in R", 0, "expected the data variable", "x in {0,1}"),
    (r"0 < x < \foo", 8, "unsupported LaTeX command", "allow-list"),
]


@pytest.mark.parametrize(("text", "column", "message", "hint"), ERRORS, ids=[t or "<empty>" for t, *_ in ERRORS])
def test_errors(text: str, column: int, message: str, hint: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_support(text, DOMAINS)
    err = info.value
    assert message in err.message
    assert hint in (err.hint or "")
    assert err.span is not None and err.span.start == column
    assert err.span.text == text


def test_wrong_variable_points_at_it() -> None:
    with pytest.raises(ParseError) as info:
        parse_support("0 < y < 1", DOMAINS, var="x")
    assert "about 'y'" in info.value.message and "data variable is 'x'" in info.value.message
    assert info.value.span is not None and info.value.span.start == 4
    assert "x > 0" in (info.value.hint or "")


def test_not_a_string() -> None:
    with pytest.raises(ParseError):
        parse_support(3, DOMAINS)  # type: ignore[arg-type]


def test_normalise_keeps_offsets() -> None:
    for text in (r"x \in \{0, 1, \ldots, m\}", r"0 \leq x \leq \theta", r"x \in \mathbb{R}", r"x \in (0,\infty)"):
        assert len(normalise(text)) == len(text)
    assert normalise(r"0 \leq \theta").split() == ["0", "<=", r"\theta"]
    assert normalise(r"0 \leq \theta", greek=True).split() == ["0", "<=", "theta"]
    assert normalise(r"x \in \mathbb{R}").split() == ["x", "in", "R"]


@pytest.mark.parametrize(("text", "expected"), [
    ("x in {0,1}", VarDomain("x", 0.0, 1.0, False, False, True)),
    ("x in {-1, 1/2}", VarDomain("x", -1.0, 0.5, False, False, False)),
    ("x in {0,1,2,...}", VarDomain("x", 0.0, None, False, True, True)),
    ("x in {1,...,m}", VarDomain("x", 1.0, None, False, True, True)),
    ("x > 0", VarDomain("x", 0.0)),
    ("x >= 0", VarDomain("x", 0.0, lower_strict=False)),
    ("x in R", VarDomain("x")),
    ("0 < x < theta", VarDomain("x", 0.0)),
    ("x >= xm", VarDomain("x", 0.0)),
    ("x > mu", VarDomain("x")),
    ("x < 0", VarDomain("x", upper=0.0)),
])
def test_variable_domain(text: str, expected: VarDomain) -> None:
    assert variable_domain(parse_support(text, DOMAINS)) == expected


def test_variable_domain_assumptions() -> None:
    assert variable_domain(parse_support("x in {0,1,2,...}", DOMAINS)).assumptions() == {
        "real": True, "integer": True, "nonnegative": True}
    assert variable_domain(parse_support("x > 0", DOMAINS)).assumptions() == {"real": True, "positive": True}


# -- round trips: describe() without the user's text reads back to the same Support ---------------

NUMBERS = st.integers(-20, 20).map(sp.Integer) | st.fractions(max_denominator=8, min_value=-20, max_value=20).map(
    lambda f: sp.Rational(f.numerator, f.denominator))
SYMBOLIC = st.sampled_from([sym("theta"), sym("mu"), 2 * sym("theta"), sym("xm") + 1])


@st.composite
def intervals(draw: st.DrawFn) -> Support:
    kind = draw(st.sampled_from(["both", "lower", "upper", "none"]))
    lo_strict, hi_strict = draw(st.booleans()), draw(st.booleans())
    if kind == "both":
        lo = draw(NUMBERS)
        hi = draw(NUMBERS.filter(lambda v: v > lo) | SYMBOLIC.map(lambda s: s + abs(lo) + 1) if lo >= 0 else NUMBERS.filter(
            lambda v: v > lo))
        return Support("x", "interval", lo, hi, lo_strict, hi_strict)
    if kind == "lower":
        return Support("x", "interval", draw(NUMBERS | SYMBOLIC), None, lo_strict)
    if kind == "upper":
        return Support("x", "interval", None, draw(NUMBERS | SYMBOLIC), upper_strict=hi_strict)
    return Support("x", "interval")


@st.composite
def integer_ranges(draw: st.DrawFn) -> Support:
    lo = sp.Integer(draw(st.integers(-5, 5)))
    upper = draw(st.none() | st.integers(0, 10).map(lambda n: lo + n) | st.just(sym("m")).filter(lambda _: lo <= 0))
    return Support("x", "integers", lower=lo, upper=upper)


finite_sets = st.lists(NUMBERS, min_size=1, max_size=6, unique=True).map(
    lambda vs: Support("x", "finite", values=tuple(sorted(vs, key=float))))


@settings(max_examples=150, deadline=None)
@given(intervals() | integer_ranges() | finite_sets)
@example(Support("x", "integers", lower=sp.Integer(-2)))
@example(Support("x", "interval", lower=sp.Rational(-1, 2), upper=sym("theta") + 1, lower_strict=False))
@pytest.mark.slow
def test_describe_round_trip(s: Support) -> None:
    text = s.describe()
    back = parse_support(text, DOMAINS)
    assert without_text(back) == s, text
    # With the user's text kept, describe() is that text and reads back to itself.
    assert parse_support(back.describe(), DOMAINS) == back


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="x0123456789{}()[],.<>=-+ inRNZ\\", max_size=24))
def test_fuzz_only_parse_errors(text: str) -> None:
    try:
        s = parse_support(text, DOMAINS)
    except ParseError as exc:
        assert exc.hint
    else:
        assert s.kind in ("interval", "integers", "finite")
