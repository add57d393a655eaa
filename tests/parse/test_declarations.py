"""Domain declarations: examples, errors with spans, and round trips through describe()."""
from __future__ import annotations

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from derive.core.errors import ParseError, UsageError
from derive.parse.domain import VarDomain
from derive.parse.declarations import merge_domains, parse_where

EXAMPLES: list[tuple[str, tuple[VarDomain, ...]]] = [
    ("x > 0", (VarDomain("x", lower=0.0),)),
    ("x >= 0", (VarDomain("x", lower=0.0, lower_strict=False),)),
    ("x < 1", (VarDomain("x", upper=1.0),)),
    ("x <= -1.5", (VarDomain("x", upper=-1.5, upper_strict=False),)),
    ("0 < p < 1", (VarDomain("p", 0.0, 1.0),)),
    ("0 <= p <= 1", (VarDomain("p", 0.0, 1.0, False, False),)),
    ("1 > p >= 0", (VarDomain("p", 0.0, 1.0, False, True),)),
    ("0 < x", (VarDomain("x", lower=0.0),)),
    ("x in R", (VarDomain("x"),)),
    ("n integer", (VarDomain("n", integer=True),)),
    ("n is an integer", (VarDomain("n", integer=True),)),
    ("n in Z", (VarDomain("n", integer=True),)),
    ("0 < n < 10 integer", (VarDomain("n", 0.0, 10.0, integer=True),)),
    ("x in (0, 1)", (VarDomain("x", 0.0, 1.0),)),
    ("x in [0, 1)", (VarDomain("x", 0.0, 1.0, False, True),)),
    ("x in (-inf, 0]", (VarDomain("x", upper=0.0, upper_strict=False),)),
    ("lam > 0", (VarDomain("lam", lower=0.0),)),
    ("sigma positive", (VarDomain("sigma", lower=0.0),)),
    ("x > pi/2", (VarDomain("x", lower=math.pi / 2),)),
    ("x \u2265 1e-3", (VarDomain("x", lower=0.001, lower_strict=False),)),
    ("x > 0, y > 0", (VarDomain("x", lower=0.0), VarDomain("y", lower=0.0))),
    ("x > 0 and 0 < p < 1; n integer",
     (VarDomain("x", lower=0.0), VarDomain("p", 0.0, 1.0), VarDomain("n", integer=True))),
    ("", ()),
]


@pytest.mark.parametrize(("text", "expected"), EXAMPLES, ids=[t or "<empty>" for t, _ in EXAMPLES])
def test_examples(text: str, expected: tuple[VarDomain, ...]) -> None:
    assert parse_where(text) == expected


ERRORS: list[tuple[str, int, str]] = [
    ("x", 0, "cannot read"),
    ("x >", 3, "missing bound"),
    ("> 0", 0, "variable name"),
    ("0 < x > 1", 6, "different directions"),
    ("x = 1", 2, "'='"),
    ("x > a", 4, "not a real number"),
    ("pi > 0", 0, "variable name"),
    ("sin > 0", 0, "function name"),
    ("x > 0,", 5, "separator"),
    (", x > 0", 0, "empty declaration"),
    ("x in Q", 5, "unknown set"),
    ("x in (1, 0)", 0, "leaves no values"),
    ("0.2 < n < 0.8 integer", 0, "leaves no values"),
    ("x happy", 2, "unknown property"),
    ("0 < x < 1 < 2", 10, "too many"),
    ("x > 0 y > 0", 4, "variable name"),
    ("x > 1e999", 4, "too large"),
    ("x > 1 +", 4, "bad bound"),
]


@pytest.mark.parametrize(("text", "column", "words"), ERRORS, ids=[t for t, _, _ in ERRORS])
def test_errors_are_one_line_with_span_and_hint(text: str, column: int, words: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_where(text)
    err = info.value
    assert words in err.message
    assert "\n" not in str(err)
    assert err.hint
    assert err.span is not None and err.span.start == column


def test_merge_intersects_repeated_names() -> None:
    merged = merge_domains(parse_where("x > 0, x <= 1, n integer, n >= 1, y in R"))
    assert merged == {
        "x": VarDomain("x", 0.0, 1.0, True, False),
        "n": VarDomain("n", lower=1.0, lower_strict=False, integer=True),
        "y": VarDomain("y"),
    }
    assert merge_domains(parse_where("x >= 0, x > 0"))["x"] == VarDomain("x", lower=0.0)


@pytest.mark.parametrize("text", ["x > 1, x < 0", "x > 1, x <= 1", "n integer, 0 < n < 1"])
def test_merge_refuses_empty_intersections(text: str) -> None:
    with pytest.raises(ParseError) as info:
        merge_domains(parse_where(text))
    assert "contradict" in info.value.message and info.value.hint


def test_non_text_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        parse_where(3)  # type: ignore[arg-type]


NAMES = st.sampled_from(["x", "y", "p", "n", "sigma", "lam", "x_1", "theta"])
BOUNDS = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False) | st.integers(-5, 5).map(float)


@st.composite
def domains(draw: st.DrawFn) -> VarDomain:
    name = draw(NAMES)
    lower = draw(st.none() | BOUNDS)
    upper = draw(st.none() | BOUNDS)
    if lower is not None and upper is not None and lower > upper:
        lower, upper = upper, lower
    dom = VarDomain(name, lower, upper, draw(st.booleans()), draw(st.booleans()), draw(st.booleans()))
    if dom.lower is None:
        dom = VarDomain(name, None, dom.upper, True, dom.upper_strict, dom.integer)
    if dom.upper is None:
        dom = VarDomain(name, dom.lower, None, dom.lower_strict, True, dom.integer)
    return dom


def contains(d: VarDomain, v: float) -> bool:
    if d.integer and not float(v).is_integer():
        return False
    if d.lower is not None and (v < d.lower or (v == d.lower and d.lower_strict)):
        return False
    return not (d.upper is not None and (v > d.upper or (v == d.upper and d.upper_strict)))


@settings(max_examples=200, deadline=None)
@given(domains())
@example(VarDomain("x", 0.30000000000000004))
@example(VarDomain("n", -2.0, 3.0, False, True, True))
def test_describe_round_trips(dom: VarDomain) -> None:
    """A domain's own text reads back to the same domain (or is refused as empty)."""
    try:
        parsed = parse_where(dom.describe())
    except ParseError as err:
        assert "leaves no values" in err.message
        return
    assert parsed == (dom,)


@settings(max_examples=200, deadline=None)
@given(domains(), domains(), st.lists(BOUNDS | st.integers(-6, 6).map(float), min_size=1, max_size=10))
@pytest.mark.slow
def test_merge_is_intersection(a: VarDomain, b: VarDomain, probes: list[float]) -> None:
    b = VarDomain(a.name, b.lower, b.upper, b.lower_strict, b.upper_strict, b.integer)
    try:
        merged = merge_domains([a, b])[a.name]
    except ParseError:
        assert not any(contains(a, v) and contains(b, v) for v in probes)
        return
    for v in probes:
        assert contains(merged, v) == (contains(a, v) and contains(b, v))


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_fuzz_raises_only_parse_error(text: str) -> None:
    try:
        assert all(isinstance(d, VarDomain) for d in parse_where(text))
    except ParseError as err:
        assert "\n" not in str(err)
