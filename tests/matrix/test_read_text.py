"""Matrix text -> matexpr trees: structure against the constructors, errors with spans, fuzzing."""
from __future__ import annotations

from dataclasses import fields

import pytest
import sympy as sp
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark

from derive.core.errors import ParseError, Span, UsageError
from derive.matrix import expr as M
from derive.parse.domain import VarDomain
from derive.matrix.expr import plain
from derive.parse.shapes import ShapeDecl, merge_shapes
from derive.matrix.read_text import parse_matrix as exported_parse_matrix
from derive.matrix.read_text import ENTRYWISE_CALLS, MATRIX_CALLS, parse_matrix
from derive.parse.let import parse_let
from derive.parse.text import grammar_parser

LETS = ["X: n x p", "y: n", "b: p", "w: p", "A: p x p", "S: p x p symmetric",
        "Sigma: n x n positive definite", "x: p", "a: p", "z: n", "W: k x p", "v: p"]
SHAPES = merge_shapes(parse_let(t) for t in LETS)
MATRIX_FUNCTIONS = frozenset(MATRIX_CALLS) | frozenset(ENTRYWISE_CALLS)


def sym(name: str) -> M.MatSym:
    d = SHAPES[name]
    assert d.rows is not None and d.cols is not None
    return M.MatSym(name, M.dim(d.rows), M.dim(d.cols), d.closed())


X, y, b, w, A, S, Sigma, x, a, z, W = (sym(s) for s in "X y b w A S Sigma x a z W".split())
lam = sp.Symbol("lam", real=True)
n, p = M.dim("n"), M.dim("p")


def neg(u: M.Node) -> M.Node:
    return M.mul(M.const(-1), u)


def T(u: M.Node) -> M.Node:
    return M.transpose(u)


def P(text: str) -> M.Node:
    return parse_matrix(text, SHAPES)


RESIDUAL = M.add(y, neg(M.mul(X, b)))
SIG = M.func("sigmoid", M.mul(X, w))

EXAMPLES: list[tuple[str, M.Node]] = [
    ("norm(y - X*b)^2", M.power(M.norm(RESIDUAL), 2)),
    ("(y - X b)' (y - X b)", M.mul(T(RESIDUAL), RESIDUAL)),
    ("norm(y - X*b)^2 + lam*norm(b)^2",
     M.add(M.power(M.norm(RESIDUAL), 2), M.mul(M.const(lam), M.power(M.norm(b), 2)))),
    ("b^T A b", M.mul(T(b), A, b)),
    ("b' S b", M.mul(T(b), S, b)),
    ("logdet(Sigma)", M.logdet(Sigma)),
    ("log(det(Sigma))", M.logdet(Sigma)),
    ("tr(A X' X)", M.trace(M.mul(A, T(X), X))),
    ("inv(A)", M.inverse(A)),
    ("A^-1", M.inverse(A)),
    ("A^(-1)", M.inverse(A)),
    ("a' inv(A) a", M.mul(T(a), M.inverse(A), a)),
    ("sigmoid(X w)", SIG),
    ("sum(log(1 + exp(-y .* (X w))))",
     M.matsum(M.func("log", M.add(M.const(1), M.func("exp", M.hadamard(neg(y), M.mul(X, w))))))),
    ("-y' log(sigmoid(X w)) - (1 - y)' log(1 - sigmoid(X w))",
     M.add(neg(M.mul(T(y), M.func("log", SIG))),
           neg(M.mul(T(M.add(M.const(1), neg(y))), M.func("log", M.add(M.const(1), neg(SIG))))))),
    ("logsumexp(z) - y' z", M.add(M.logsumexp(z), neg(M.mul(T(y), z)))),
    # The sign belongs to y' (unary minus binds tighter than a product), so the 1x1 chain is flat.
    ("-y' log(softmax(z))", M.mul(neg(T(y)), M.func("log", M.softmax(z)))),
    ("x' A x / (x' x)", M.mul(M.mul(T(x), A, x), M.power(M.mul(T(x), x), -1))),
    ("norm(X)^2", M.power(M.norm(X), 2)),
    ("tr(X' X)", M.trace(M.mul(T(X), X))),
    ("det(A)", M.det(A)),
    ("exp(tr(A))", M.func("exp", M.trace(A))),
    ("(y - X b)' inv(Sigma) (y - X b)", M.mul(T(RESIDUAL), M.inverse(Sigma), RESIDUAL)),
    ("2 X'X", M.mul(M.const(2), T(X), X)),
    ("X'X/n", M.mul(M.const(1 / n), T(X), X)),
    ("x'A x/2", M.scale(sp.Rational(1, 2), M.mul(T(x), A, x))),
    ("(x'A x)/2", M.mul(M.mul(T(x), A, x), M.const(sp.Rational(1, 2)))),
    ("W x + 1", M.add(M.mul(W, x), M.const(1))),
    ("diag(w) A", M.mul(M.diag(w), A)),
    ("A^3", M.mul(A, A, A)),
    ("(X b)^T", T(M.mul(X, b))),
    ("y.^2", M.power(y, 2)),
    ("y .* z", M.hadamard(y, z)),
    ("y ./ z", M.hadamard(y, M.power(z, -1))),
    ("y ./ 2", M.mul(M.const(sp.Rational(1, 2)), y)),
    ("1./y", M.hadamard(M.const(1), M.power(y, -1))),
    ("2.*y", M.mul(M.const(2), y)),
    ("e.^y", M.func("exp", y)),
    ("e^(-x'x/2)", M.func("exp", M.scale(sp.Rational(-1, 2), M.mul(T(x), x)))),
    ("sqrt(x'x)", M.power(M.mul(T(x), x), sp.Rational(1, 2))),
    ("ln(y)", M.func("log", y)),
    ("tr (A)", M.trace(A)),
    ("1'y", M.matsum(y)),
    ("1'X*1", M.matsum(X)),
    ("-1'y", M.mul(M.const(-1), T(M.Ones(n, M.ONE)), y)),
    ("2*1'*X", M.mul(M.const(2), T(M.Ones(n, M.ONE)), X)),
    ("X*1", M.mul(X, M.Ones(p, M.ONE))),
    ("y*1", y),
    ("sum(y)/n", M.scale(1 / n, M.matsum(y))),
    ("2*(X'*X + lam*I)", M.mul(M.const(2), M.add(M.mul(T(X), X), M.mul(M.const(lam), M.Identity(p))))),
    ("inv(X'X + lam I) X'y", M.mul(M.inverse(M.add(M.mul(T(X), X), M.mul(M.const(lam), M.Identity(p)))), T(X), y)),
    ("I - S", M.add(M.Identity(p), neg(S))),
    ("A*I", A),
    ("I'A/2", M.mul(M.const(sp.Rational(1, 2)), A)),
    ("pi x'x", M.mul(M.const(sp.pi), T(x), x)),
    ("0.5 x'x", M.mul(M.const(sp.Rational(1, 2)), T(x), x)),
    ("0.5 (x'x)", M.mul(M.const(sp.Rational(1, 2)), M.mul(T(x), x))),
    ("lam^2 + 1", M.const(lam**2 + 1)),
    ("abs(lam) y", M.mul(M.const(sp.Abs(lam)), y)),
    ("3! y", M.mul(M.const(6), y)),
]


@pytest.mark.parametrize(("text", "expected"), EXAMPLES, ids=[t for t, _ in EXAMPLES])
def test_examples_build_the_constructors_tree(text: str, expected: M.Node) -> None:
    assert P(text) == expected


@pytest.mark.parametrize(("left", "right"), [
    ("X' X", "X^T X"), ("X' X", "X'*X"), ("X b", "X*b"), ("X b", "X (b)"), ("(y - X b)'", "(y - X*b)^T"),
    ("b^T A b", "b'*A*b"), ("y - X b", "y + -X*b"), ("2 X'X", "2*(X'*X)"), ("2.*X", "2*X"), ("X .* 3", "3 X"),
])
def test_spellings_of_the_same_expression_agree(left: str, right: str) -> None:
    assert P(left) == P(right)


def test_declared_symbols_carry_shape_and_closed_properties() -> None:
    node = P("Sigma")
    assert node == M.MatSym("Sigma", n, n, frozenset({"positive definite", "positive semidefinite", "symmetric"}))
    assert P("y").shape == (n, M.ONE)
    assert P("S'") == S  # symmetric: the transpose is the matrix itself


def test_undeclared_names_are_scalars_with_their_domain() -> None:
    node = parse_matrix("lam * x'x", SHAPES, {"lam": VarDomain("lam", lower=0.0)})
    assert isinstance(node, M.Mul)
    (sym_,) = node.coeff.free_symbols
    assert sym_.name == "lam" and sym_.is_positive


def test_i_is_the_identity_unless_declared_or_given_a_domain() -> None:
    assert M.Identity(p) in set(M.walk(P("A + I")))
    declared = merge_shapes(parse_let(t) for t in ["A: p x p", "I: p x p"])
    assert parse_matrix("A + I", declared) == M.add(A, M.MatSym("I", p, p))
    scalar = parse_matrix("I*A", SHAPES, {"I": VarDomain("I", lower=0.0)})
    assert scalar == M.mul(M.const(sp.Symbol("I", positive=True, real=True)), A)


def test_a_declared_dimension_is_the_dimension_symbol() -> None:
    node = P("norm(y)^2 / n")
    assert isinstance(node, M.Mul) and node.coeff == 1 / n


def test_parse_matrix_is_exported() -> None:
    assert exported_parse_matrix is parse_matrix


ERRORS: list[tuple[str, int, str]] = [
    # text, 0-based column of the span, words the message must contain
    ("X * y", 0, "cannot multiply X (n x p) by y (n-vector)"),
    ("2 + (X * y)", 5, "cannot multiply X (n x p) by y (n-vector)"),
    ("y + X", 0, "cannot add y (n-vector) and X (n x p)"),
    ("inv(X)", 0, "the inverse needs a square matrix"),
    ("tr(y)", 0, "the trace needs a square matrix"),
    ("diag(X)", 0, "diag needs a vector"),
    ("softmax(X)", 0, "softmax needs a column vector"),
    ("y^2", 0, "y^2 is not defined for y (n-vector)"),
    ("X^2", 0, "X^2 needs a square matrix, but X is n x p"),
    ("A^-2", 0, "matrix power A^-2 is not supported"),
    ("A^0", 0, "matrix power A^0 is not supported"),
    ("A^(1/2)", 0, "needs an integer exponent"),
    ("A^100", 0, "too large"),
    ("(A^64)^64", 0, "too large"),
    ("A^x", 2, "exponent x (p-vector)"),
    ("2^y", 2, "exponent y (n-vector) must be a scalar"),
    ("e^y", 2, "exponent y (n-vector) must be a scalar"),
    ("x^(y'z)", 2, "exponent (y'z) (built from matrices)"),
    ("X / y", 4, "cannot divide by y (n-vector)"),
    ("y / 0", 4, "division by zero"),
    ("y ./ (1 - 1)", 5, "division by zero"),
    ("foo(X)", 0, "unknown function 'foo'"),
    ("abs(X)", 0, "'abs' does not apply to vectors or matrices"),
    ("log(y, 2)", 0, "takes exactly 1 argument, got 2"),
    ("Sigma(y)", 0, "'Sigma' is a declared matrix, not a function"),
    ("tr A", 0, "function 'tr' is used without parentheses"),
    ("sin y", 0, "function 'sin' is used without parentheses"),
    ("sinx", 0, "one variable name"),
    ("y!", 0, "'!' needs a scalar without matrices"),
    ("1'", 0, "row of ones"),
    ("I", 0, "I (the identity) has no size here"),
    ("tr(I)", 3, "I (the identity) has no size here"),
    ("X + I", 4, "I (the identity) is square, but X is n x p"),
    ("1' + y", 0, "row of ones"),
    ("y' * 1'", 5, "row of ones"),
    ("(X b", 0, "unclosed '('"),
    ("X b)", 3, "unmatched ')'"),
    ("X' +", 3, "ends after '+'"),
    ("y .*", 2, "ends after '.*'"),
    ("y + 'X", 4, "\"'\" cannot follow"),
    ("x = 1", 2, "'='"),
    ("1/0", 2, "division by zero"),
    ("10^10^10 y", 0, "too large"),
]


@pytest.mark.parametrize(("text", "column", "words"), ERRORS, ids=[t for t, _, _ in ERRORS])
def test_errors_are_one_line_with_span_and_hint(text: str, column: int, words: str) -> None:
    with pytest.raises(ParseError) as info:
        P(text)
    err = info.value
    assert words in err.message
    assert "\n" not in str(err)
    assert err.hint
    assert err.span is not None and err.span.start == column


def test_shape_error_spans_the_operation_and_keeps_the_constructors_hint() -> None:
    with pytest.raises(ParseError) as info:
        P("X * y")
    assert info.value.span == Span("X * y", 0, 5)
    assert "transpose may be missing" in (info.value.hint or "")


def test_hints_name_the_fix() -> None:
    with pytest.raises(ParseError) as info:
        P("y^2")
    assert info.value.hint == "write y'y or norm(y)^2, or y.^2 entrywise"
    with pytest.raises(ParseError) as info:
        P("X / y")
    assert "./" in (info.value.hint or "") and "inv(" in (info.value.hint or "")
    with pytest.raises(ParseError) as info:
        P("foo(X)")
    assert "norm" in (info.value.hint or "") and "sigmoid" in (info.value.hint or "")


def test_bad_arguments_are_usage_errors() -> None:
    with pytest.raises(UsageError):
        parse_matrix(b"X", SHAPES)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="no shape for 'A'"):
        parse_matrix("A", {"A": ShapeDecl("A", None, None, frozenset({"symmetric"}))})


def test_grammar_with_matrix_functions_is_conflict_free_under_strict_mode() -> None:
    strict = grammar_parser(strict=True, functions=MATRIX_FUNCTIONS)
    text = "-y' log(sigmoid(X w)) + tr (A X'X) .* 2 ./ x.^2"
    assert strict.parse(text) == grammar_parser(functions=MATRIX_FUNCTIONS).parse(text)


def test_a_signed_entrywise_chain_is_one_hadamard() -> None:
    assert P("-b .* w .* b") == neg(M.hadamard(b, w, b))


# -- properties --------------------------------------------------------------------
def _key(node: M.Node) -> object:
    """Structure with the terms of every sum sorted: the printer may reorder terms."""
    parts: list[object] = [type(node).__name__]
    for f in fields(node):  # type: ignore[arg-type]
        value = getattr(node, f.name)
        if isinstance(value, M.Node):
            parts.append(_key(value))
        elif isinstance(value, tuple):
            keys = [_key(v) for v in value]
            if isinstance(node, M.Add):
                parts.append(tuple(sorted(keys, key=repr)))
            elif isinstance(node, M.Mul):  # scalar (1x1) factors commute; the chain keeps its order
                scal = [k for k, v in zip(keys, value) if v.is_scalar and not isinstance(v, M.MatSym)]
                rest = [k for k, v in zip(keys, value) if not (v.is_scalar and not isinstance(v, M.MatSym))]
                parts.append((tuple(sorted(scal, key=repr)), tuple(rest)))
            else:
                parts.append(tuple(keys))
        else:
            parts.append(value)
    return tuple(parts)


def _nodes() -> st.SearchStrategy[M.Node]:
    """Conformable trees over the declared symbols, built with the constructors."""
    coeffs = st.sampled_from([M.const(2), M.const(-1), M.const(sp.Rational(1, 2)), M.const(lam)])
    funcs = st.sampled_from(M.SCALAR_FUNCTIONS)
    scal: st.SearchStrategy[M.Node] = st.sampled_from([M.const(lam), M.const(3)])
    vp: st.SearchStrategy[M.Node] = st.sampled_from([b, w])
    vn: st.SearchStrategy[M.Node] = st.sampled_from([y, z])
    for _ in range(3):
        # Entrywise products take unscaled operands: see test_a_signed_entrywise_chain_is_one_hadamard.
        plain_vp = st.one_of(st.sampled_from([b, w]), st.tuples(funcs, vp).map(lambda t: M.func(*t)),
                             vp.map(lambda u: M.mul(S, u)))
        scal, vp, vn = (
            st.one_of(
                st.tuples(vp, vp).map(lambda t: M.mul(T(t[0]), t[1])),
                st.tuples(vp, vp).map(lambda t: M.mul(T(t[0]), A, t[1])),
                st.tuples(vn, vn).map(lambda t: M.mul(T(t[0]), t[1])),
                vp.map(lambda u: M.power(M.norm(u), 2)),
                vn.map(M.logsumexp), vn.map(M.matsum),
                st.tuples(scal, scal).map(lambda t: M.add(*t)),
                st.tuples(scal, scal).map(lambda t: M.mul(*t)),
                st.sampled_from([M.trace(A), M.logdet(S), M.det(A)]),
            ),
            st.one_of(
                st.tuples(vp, vp).map(lambda t: M.add(*t)),
                st.tuples(coeffs, vp).map(lambda t: M.mul(*t)),
                st.tuples(st.sampled_from([A, S]), vp).map(lambda t: M.mul(*t)),
                vn.map(lambda u: M.mul(T(X), u)),
                st.tuples(plain_vp, plain_vp).map(lambda t: M.hadamard(*t)),
                st.tuples(funcs, vp).map(lambda t: M.func(*t)),
                vp.map(lambda u: M.power(u, 2)),
                st.tuples(scal, vp).map(lambda t: M.mul(*t)),
            ),
            st.one_of(
                st.tuples(vn, vn).map(lambda t: M.add(t[0], neg(t[1]))),
                vp.map(lambda u: M.mul(X, u)),
                vn.map(M.softmax),
            ),
        )
    return st.one_of(scal, vp, vn)


def _has_zero(node: M.Node) -> bool:
    return M.contains(node, lambda u: isinstance(u, M.Zero))  # y - y prints as 0, a scalar


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_nodes())
@example(M.mul(M.scale(sp.Rational(1, 4), M.mul(T(y), X, A, T(X), y)), M.const(1)))
@example(M.mul(M.mul(M.scale(sp.Rational(1, 2), M.mul(T(b), A, b)), S), b))
@example(M.mul(M.const(-1), M.mul(T(b), A, w), X, b))
@example(M.matsum(M.mul(X, b)))
# A 1x1 chain that carried scalar factors inside it (2*(norm(b)^2*w'*X'*y)*b'*b) once read back
# differently from the tree printed as 2*(w'*X'*y)*norm(b)^2*b'*b: mul must be associative.
@example(M.mul(M.mul(M.const(2), M.mul(T(w), T(X), y)), M.mul(M.power(M.norm(b), 2), M.mul(T(b), b))))
@example(M.mul(M.matsum(y), M.power(M.norm(M.power(b, 2)), 2), M.power(b, 2)))
@example(M.mul(M.mul(T(b), b), M.power(M.norm(M.power(b, 2)), 2), M.func("exp", b)))
@pytest.mark.slow
def test_printed_trees_read_back_to_the_same_tree(node: M.Node) -> None:
    """plain() output reads back to the tree it came from (up to the order of sum terms and of scalar
    factors, which commute: the constructor sorts them, a generated tree need not)."""
    if _has_zero(node):
        return
    text = plain(node)
    parsed = P(text)
    assert _key(parsed) == _key(node), (text, plain(parsed))
    assert plain(P(plain(parsed))) == plain(parsed)  # the canonical order is a fixed point


NAMES = st.sampled_from(["X", "y", "b", "A", "S", "Sigma", "x", "z", "lam", "T", "e", "pi", "n", "I"])
CALLS = st.sampled_from(["tr", "norm", "inv", "det", "logdet", "sum", "diag", "softmax", "logsumexp",
                         "exp", "log", "sigmoid", "abs", "foo", "f", "Sigma"])
MATRIX_TEXT = from_lark(grammar_parser(functions=MATRIX_FUNCTIONS), explicit={
    "CALL_TIGHT": CALLS,
    "CALL_LOOSE": CALLS.map(lambda s: s + " "),
    "WS": st.sampled_from([" ", "  "]),
    "NAME": NAMES,
    "NUMBER": st.sampled_from(["0", "1", "2", "0.5", "1.", "1e-3"]),
})


# Drawing from the grammar is slow (most draws overrun and are retried, ~0.5 s per text;
# parsing one costs ~2 ms), so few examples here; the two fuzzers below are cheap.
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(MATRIX_TEXT)
@example("1'1'y")
@example("(1')'")
@example("A^64^64")
@example("x.^(1/0)")
@example("(2 norm(x))^100000")
@pytest.mark.slow
def test_grammar_generated_text_parses_or_raises_parse_error(text: str) -> None:
    try:
        assert isinstance(P(text), M.Node)
    except ParseError as err:
        assert "\n" not in str(err) and err.span is not None


def _texts() -> st.SearchStrategy[str]:
    """Well-formed matrix-like text of bounded size: every operator, call and postfix."""
    leaves = st.sampled_from(["X", "y", "b", "A", "S", "x", "z", "lam", "T", "I", "1", "2", "0.5", "e", "pi"])
    ops = st.sampled_from(["+", "-", "*", "/", ".*", "./", " ", "^", ".^", "^-"])
    calls = st.sampled_from(["tr", "norm", "inv", "det", "logdet", "sum", "diag", "softmax", "logsumexp",
                             "exp", "log", "sqrt", "sigmoid", "abs", "f"])

    def grow(kids: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(kids, ops, kids).map("".join),
            kids.map(lambda k: f"({k})"), kids.map(lambda k: f"{k}'"), kids.map(lambda k: f"-{k}"),
            kids.map(lambda k: f"{k}!"), st.tuples(calls, kids).map(lambda t: f"{t[0]}({t[1]})"),
        )

    return st.recursive(leaves, grow, max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(_texts())
@example("(A)^(I)")
@example("I' ./ I")
@pytest.mark.slow
def test_fuzz_well_formed_text_builds_a_node_or_raises_parse_error(text: str) -> None:
    try:
        assert isinstance(P(text), M.Node)
    except ParseError as err:
        assert "\n" not in str(err) and err.span is not None


ALPHABET = st.sampled_from(list("Xybx2 1+-*/^()',.!") + [".*", "./", ".^", "tr(", "inv(", "norm(", "lam", "T"])


@settings(max_examples=300, deadline=None)
@given(st.lists(ALPHABET, max_size=30).map("".join))
@example("y'*1'")
@example("1'*1")
@example("x'x!")
def test_fuzz_matrix_like_text_raises_only_parse_error(text: str) -> None:
    try:
        assert isinstance(P(text), M.Node)
    except ParseError as err:
        assert "\n" not in str(err) and err.span is not None
