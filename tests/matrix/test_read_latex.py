r"""LaTeX matrix text -> matexpr trees: each form against the plain text, spans in the LaTeX, round trips."""
from __future__ import annotations

from dataclasses import fields

import pytest
import sympy as sp
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import derive
from derive.core.errors import ParseError, UsageError
from derive.matrix import expr as M
from derive.parse.domain import VarDomain
from derive.matrix.expr import plain
from derive.parse.shapes import merge_shapes
from derive.matrix.read import parse_matrix_auto as exported_auto
from derive.matrix.read_latex import parse_matrix_latex as exported_latex
from derive.matrix.read import parse_matrix_auto
from derive.matrix.read_text import parse_matrix
from derive.matrix.read_latex import SUM_HINT, parse_matrix_latex
from derive.parse.let import parse_let
from derive.render.notation.matrix import mtex

LETS = ["X: n x p", "y: n", "z: n", "beta: p", "w: p", "x: p", "u: p", "A: p x p", "B: p x q", "C: q x p",
        "S: p x p symmetric", "Sigma: n x n positive definite", "U: n x p", "W_1: k x p", "W2: k x p", "e_1: p"]
SHAPES = merge_shapes(parse_let(t) for t in LETS)


def L(text: str) -> M.Node:
    return parse_matrix_latex(text, SHAPES)


def P(text: str) -> M.Node:
    return parse_matrix(text, SHAPES)


SAME: list[tuple[str, str]] = [
    # the brief's examples
    (r"\|y - X\beta\|^2 + \lambda\|\beta\|^2", "norm(y - X*beta)^2 + lambda*norm(beta)^2"),
    (r"\frac{x^\top A x}{x^\top x}", "x' A x / (x' x)"),
    (r"\log\det\Sigma", "logdet(Sigma)"),
    (r"\operatorname{tr}(A B C)", "tr(A B C)"),
    (r"-y^\top\log\sigma(Xw) - (\mathbf{1}-y)^\top\log(\mathbf{1}-\sigma(Xw))",
     "-y' log(sigmoid(X w)) - (1 - y)' log(1 - sigmoid(X w))"),
    (r"(y - X\beta)^\top \Sigma^{-1} (y - X\beta)", "(y - X beta)' inv(Sigma) (y - X beta)"),
    # norms
    (r"\|u\|", "norm(u)"), (r"\lVert u \rVert", "norm(u)"), (r"\left\| u \right\|", "norm(u)"),
    (r"\Vert u\Vert", "norm(u)"), (r"\left\lVert u \right\rVert", "norm(u)"), (r"\big\| u \big\|", "norm(u)"),
    (r"||u||", "norm(u)"), (r"\|U\|_F", "norm(U)"), (r"\|u\|_2", "norm(u)"), (r"\|u\|_{2}", "norm(u)"),
    (r"\|U\|_{\mathrm{F}}", "norm(U)"), (r"\|u\|^2", "norm(u)^2"), (r"\|u\|^{2}", "norm(u)^2"),
    (r"\|u\|_2^2", "norm(u)^2"), (r"\|U\|_F^{2}", "norm(U)^2"), (r"\|U\|^2_F", "norm(U)^2"),
    (r"\left\lVert X \right\rVert_F^{2}", "norm(X)^2"), (r"\|\|u\| u\|", "norm(norm(u) u)"),
    (r"\left|\lambda\right| u", "abs(lambda) u"), (r"|\lambda|\,\|u\|", "abs(lambda) norm(u)"),
    # transpose and inverse
    (r"X^\top y", "X' y"), (r"X^{\top} y", "X' y"), (r"X^T y", "X' y"), (r"X^{T} y", "X' y"),
    (r"X^{\mathsf{T}} y", "X' y"), (r"X^\mathsf{T} y", "X' y"), (r"X^{\mathrm{T}} y", "X' y"),
    (r"X^\intercal y", "X' y"), (r"X^{\prime} y", "X' y"), (r"X' y", "X' y"), (r"X ^ \top y", "X' y"),
    (r"A^{-1}", "A^(-1)"), (r"A^{-1} x", "inv(A) x"), (r"A^{-\top}", "inv(A')"), (r"A^{-T}", "inv(A')"),
    (r"A^{-\intercal} x", "inv(A') x"), (r"\left(X^\top X\right)^{-1} X^\top y", "inv(X'X) X'y"),
    (r"A^2", "A^2"), (r"A^{3}", "A A A"),
    # functions
    (r"\operatorname{tr}(A)", "tr(A)"), (r"\mathrm{tr}(A)", "tr(A)"), (r"\text{tr}(A)", "tr(A)"),
    (r"\operatorname{Tr}(A)", "tr(A)"), (r"\tr(A)", "tr(A)"), (r"\trace(A)", "tr(A)"), (r"\tr A", "tr(A)"),
    (r"\operatorname{tr}\left(A\right)", "tr(A)"), (r"\operatorname{tr}{A}", "tr(A)"),
    (r"\det A", "det(A)"), (r"\det(A)", "det(A)"), (r"\det\left(A\right)", "det(A)"),
    (r"\log\det(\Sigma)", "logdet(Sigma)"), (r"\log \det \Sigma", "logdet(Sigma)"),
    (r"\log\det\left(\Sigma\right)", "logdet(Sigma)"), (r"\log(\det \Sigma)", "log(det(Sigma))"),
    (r"\log y", "log(y)"), (r"\ln(y)", "log(y)"), (r"\log{y}", "log(y)"), (r"\exp(y)", "exp(y)"),
    (r"\exp y", "exp(y)"), (r"e^{y}", "exp(y)"), (r"e^y", "exp(y)"), (r"\mathrm{e}^{y}", "exp(y)"),
    (r"e^{-\frac{1}{2} x^\top x}", "exp(-x'x/2)"), (r"\sigma(Xw)", "sigmoid(X w)"),
    (r"\sigma\left(X w\right)", "sigmoid(X w)"), (r"\sigma \bigl( Xw \bigr)", "sigmoid(X w)"),
    (r"\sigma^2 x", "sigma^2 x"), (r"\sigma x", "sigma x"), (r"\operatorname{softmax}(z)", "softmax(z)"),
    (r"\operatorname{logsumexp}(z)", "logsumexp(z)"), (r"\operatorname{diag}(w) A", "diag(w) A"),
    (r"\operatorname{sigmoid}(X w)", "sigmoid(X w)"), (r"\operatorname{softplus}(X w)", "softplus(X w)"),
    (r"\sqrt{x^\top x}", "sqrt(x'x)"), (r"\sqrt x", "sqrt(x)"), (r"\tanh(Xw)", "tanh(X w)"),
    (r"\sin(w) + \cos(w)", "sin(w) + cos(w)"), (r"\operatorname{sum}(y)", "sum(y)"),
    (r"\mathbf{1}^\top \log\sigma(X w)", "1' log(sigmoid(X w))"), (r"\log\sigma(Xw)", "log(sigmoid(X w))"),
    (r"\log\|u\|", "log(norm(u))"),
    # fractions, products, spacing, grouping
    (r"\frac{1}{2}x^\top A x", "x'A x/2"), (r"\frac12 x^\top x", "x'x/2"), (r"\dfrac{X^\top X}{n}", "X'X/n"),
    (r"\frac{\|y - X\beta\|^2}{2}", "norm(y - X beta)^2/2"), (r"\frac{\lambda}{2}\|w\|^2", "lambda/2 norm(w)^2"),
    (r"x^\top A \cdot x", "x'A*x"), (r"2 \times A", "2*A"), (r"x^\top A x \, / \, n", "x'A x/n"),
    (r"y \odot z", "y .* z"), (r"y \circ z", "y .* z"), (r"y \oslash z", "y ./ z"), (r"y^{\circ 2}", "y.^2"),
    (r"y^{\odot 2}", "y.^2"), (r"w^{\circ -1}", "w.^(-1)"), (r"x^\top\,A\;x\!", "x'A x"), (r"x^\top\ A~x", "x'A x"),
    (r"x^\top \quad A x", "x'A x"), (r"\left( y - X\beta \right)^\top", "(y - X beta)'"),
    (r"\big( y \big)^\top \Big[ z \Big]", "y' z"), (r"\bigl(y\bigr)^\top \Bigl(z\Bigr)", "y' z"),
    (r"{y - X\beta}^\top {z}", "(y - X beta)' z"), (r"X^\top (y - X\beta)", "X'*(y - X*beta)"),
    (r"x^\top (A + \lambda I) x", "x'(A + lambda I) x"),
    (r"(X^\top X + \lambda I)^{-1} X^\top y", "inv(X'X + lambda I) X'y"),
    (r"\displaystyle x^\top x", "x'x"), (r"$x^\top x$", "x'x"), (r"$$x^\top x$$", "x'x"), (r"\(x^\top x\)", "x'x"),
    (r"-x^\top x", "-x'x"), (r"2\pi\, x^\top x", "2 pi x'x"), (r"0.5 x^\top x", "0.5 x'x"),
    # ones, bold, Greek, subscripts
    (r"\mathbf{1}^\top y", "1'y"), (r"\mathbb{1}^\top y", "1'y"), (r"\boldsymbol{1}^\top y", "1'y"),
    (r"\mathbf{1}^\top X \mathbf{1}", "1'X*1"), (r"X\mathbf{1}", "X*1"), (r"\mathbf{1} - y", "1 - y"),
    (r"\mathbf{X}^\top \mathbf{y}", "X'y"), (r"\boldsymbol{\beta}^\top \boldsymbol\beta", "beta'beta"),
    (r"\bm{x}^\top \bm x", "x'x"), (r"\mathbf{x}^\top\mathbf{x}", "x'x"), (r"\mathbf{Xw}", "X w"),
    (r"\Sigma^{-1}", "inv(Sigma)"), (r"\mu\, x", "mu x"), (r"\alpha\beta^\top\beta", "alpha beta'beta"),
    (r"\theta x", "theta x"), (r"\lambda x", "lambda x"), (r"\gamma x", "gamma x"),
    (r"W_1 x", "W_1 x"), (r"W_{1} x", "W_1 x"), (r"W_{2} x", "W2 x"), (r"W_2 x", "W2 x"),
    (r"\mathbf{W}_1 x", "W_1 x"), (r"x^\top e_{1}", "x' e_1"), (r"\lambda_{\max} x", "lambda_max x"),
    (r"\lambda_{ij} x", "lambda_ij x"), (r"\theta_\alpha x", "theta_alpha x"), (r"\mathrm{lam}\, x", "lam x"),
    (r"Xw", "X w"), (r"X\beta", "X beta"), (r"I - S", "I - S"), (r"\mathbf{I} - S", "I - S"),
]


@pytest.mark.parametrize(("latex", "plain"), SAME, ids=[t for t, _ in SAME])
def test_latex_reads_as_the_plain_text(latex: str, plain: str) -> None:
    assert L(latex) == P(plain)


PLAIN = [
    "norm(y - X*beta)^2 + lambda*norm(beta)^2", "(y - X beta)' inv(Sigma) (y - X beta)", "beta' S beta",
    "logdet(Sigma)", "tr(A B C)", "inv(A') x", "sigmoid(X w)", "sum(log(1 + exp(-y .* (X w))))",
    "-y' log(sigmoid(X w)) - (1 - y)' log(1 - sigmoid(X w))", "logsumexp(z) - y' z", "-y' log(softmax(z))",
    "x' A x / (x' x)", "norm(X)^2", "norm(U)^2 + tr(U' X)", "det(A)", "exp(tr(A))", "2 X'X", "X'X/n",
    "x'A x/2", "W_1 x + 1", "diag(w) A", "A^3", "(X beta)'", "y.^2", "y .* z", "y ./ z", "1./y",
    "e.^y", "e^(-x'x/2)", "sqrt(x'x)", "1'y", "1'X*1", "-1'y", "2*1'*X", "X*1", "sum(y)/n",
    "2*(X'*X + lambda*I)", "inv(X'X + lambda I) X'y", "I - S", "pi x'x", "abs(lambda) y", "log(lambda) y",
    "exp(lambda) y", "sqrt(lambda) y", "y/lambda", "y/(2 lambda)", "lambda^2 y", "softplus(X w)",
    "tanh(w) .* cos(w) + sin(w)", "W2 x", "x' e_1",
]


@pytest.mark.parametrize("text", PLAIN)
def test_our_latex_of_plain_examples_reads_back(text: str) -> None:
    node = P(text)
    assert _key(L(mtex(node))) == _key(node), mtex(node)


def test_a_declared_multi_letter_name_is_one_name_and_undeclared_letters_are_separate() -> None:
    shapes = merge_shapes(parse_let(t) for t in ["Xt: n x p", "b: p", "a: n"])
    assert parse_matrix_latex("Xt b", shapes) == parse_matrix("Xt b", shapes)
    assert parse_matrix_latex("ab^\\top Xt^\\top", shapes) == parse_matrix("a*b'*Xt'", shapes)


def test_domains_name_scalars_and_reach_parse_matrix() -> None:
    domains = {"lam": VarDomain("lam", lower=0.0)}
    node = parse_matrix_latex(r"lam \|\beta\|^2", SHAPES, domains)
    assert node == parse_matrix("lam*norm(beta)^2", SHAPES, domains)
    assert isinstance(node, M.Mul)
    (lam,) = node.coeff.free_symbols
    assert lam.is_positive


def test_sigma_is_a_name_when_declared() -> None:
    shapes = merge_shapes(parse_let(t) for t in ["sigma: n", "y: n"])
    assert parse_matrix_latex(r"\sigma^\top (y)", shapes) == parse_matrix("sigma'*y", shapes)


def test_e_is_a_name_when_declared() -> None:
    shapes = merge_shapes(parse_let(t) for t in ["e: p", "x: p"])
    assert parse_matrix_latex(r"e^{\top} x", shapes) == parse_matrix("e' x", shapes)


def test_t_is_an_exponent_when_declared() -> None:
    shapes = merge_shapes(parse_let(t) for t in ["T: p x p", "A: p x p"])
    assert parse_matrix_latex(r"A^{\top}", shapes) == M.transpose(parse_matrix("A", shapes))
    with pytest.raises(ParseError, match="exponent"):
        parse_matrix_latex(r"A^{T}", shapes)


def test_auto_picks_latex_on_a_backslash_or_brace() -> None:
    assert parse_matrix_auto(r"\|y - X\beta\|^2", SHAPES) == P("norm(y - X beta)^2")
    assert parse_matrix_auto("{y}^T z", SHAPES) == P("y'z")
    assert parse_matrix_auto("norm(y - X*beta)^2", SHAPES) == P("norm(y - X beta)^2")
    assert exported_auto is parse_matrix_auto
    assert exported_latex is parse_matrix_latex


def test_bad_arguments_are_usage_errors() -> None:
    with pytest.raises(UsageError):
        parse_matrix_latex(b"X", SHAPES)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        parse_matrix_auto(3, SHAPES)  # type: ignore[arg-type]


# -- errors ------------------------------------------------------------------------
ERRORS: list[tuple[str, str, str]] = [
    # LaTeX, the text under the span, words the message must contain
    (r"X y", "X y", "cannot multiply X (n x p) by y (n-vector)"),
    (r"\lambda + \mathbf{X} \boldsymbol{y}", r"\mathbf{X} \boldsymbol{y}", "cannot multiply X (n x p) by y"),
    (r"\frac{1}{2} \left( X y \right)", "X y", "cannot multiply X"),
    (r"y^\top y + \|X\beta\|^2 + \operatorname{tr}(X)", r"\operatorname{tr}(X)", "the trace needs a square matrix"),
    (r"\foo X", r"\foo", r"unknown command '\foo'"),
    (r"x^\top \foo", r"\foo", r"unknown command '\foo'"),
    (r"\sum_i y_i", r"\sum", r"'\sum' is not supported"),
    (r"y + X", "y + X", "cannot add y (n-vector) and X (n x p)"),
    (r"y^2", "y^2", "y^2 is not defined for y (n-vector)"),
    (r"X \oslash y", r"X \oslash y", "cannot"),
    (r"\|U\|_2", r"\|U\|_2", "spectral norm"),
    (r"\|x\|_1", "_1", "is not supported"),
    (r"\left( x", r"\left(", r"unclosed '\left('"),
    (r"x \right)", r"\right)", "unmatched"),
    (r"\|x", r"\|", "unclosed"),
    (r"\left( x \right]", r"\right]", "is closed by"),
    (r"{x", "{", "unclosed '{'"),
    (r"x}", "}", "unmatched '}'"),
    (r"x^\top A x = 1", "=", "unexpected '='"),
    (r"\operatorname{tr} A B", r"\operatorname{tr} A B", "ambiguous"),
    (r"\log x^\top x", r"\log x^\top x", "ambiguous"),
    (r"tr(A)", "tr", "letters t r"),
    (r"\lambda w1", "w1", "'w1' is not a declared name"),
    (r"x_{i,j}", "_{i,j}", "is not part of a name"),
    (r"x^2_i", "_", "cannot follow"),
    (r"\log^2 x", r"\log^", "not supported"),
    (r"\log_2 x", r"\log_", "not supported"),
    (r"\sqrt[3]{x^\top x}", r"\sqrt[", "only square roots"),
    (r"\left. x \right|", r"\left.", "invisible delimiter"),
    (r"\left x", r"\left x", "must be followed by a delimiter"),
    (r"2 3 x", "3", "two numbers side by side"),
    (r"( )", "( )", "empty"),
    (r"x^\top x^{}", "^{}", "empty group"),
    (r"\top x", r"\top", "outside a superscript"),
    (r"\mathbb{R}", r"\mathbb{R}", "not supported"),
    (r"^2", "^", "needs something before it"),
    (r"x^-1", "^-", "needs braces"),
    (r"", "", "empty expression"),
    (r"\frac{1}{y}", "{y}", "cannot divide by"),
    (r"\|\operatorname{softmax}(X)\|", r"\operatorname{softmax}(X)", "softmax needs a column vector"),
    (r"λ x", "λ", r"\lambda"),
    (r"X_{ij} + 1", "X_{ij}", "'X_ij' is not declared, and X is a declared vector or matrix"),
    (r"\log|X|", "|", "'abs' does not apply to vectors or matrices"),
    (r"\operatorname{foo}(X)", r"\operatorname{foo}", "unknown function 'foo'"),
]


@pytest.mark.parametrize(("latex", "under", "words"), ERRORS, ids=[t or "empty" for t, _, _ in ERRORS])
def test_errors_point_into_the_latex(latex: str, under: str, words: str) -> None:
    with pytest.raises(ParseError) as info:
        L(latex)
    err = info.value
    assert words in err.message or words in (err.hint or ""), err.message
    assert err.hint
    assert "\n" not in str(err)
    assert err.span is not None and err.span.text == latex
    assert latex[err.span.start:err.span.end] == under, err.span.caret()


def test_a_shape_error_keeps_the_message_and_hint_of_parse_matrix() -> None:
    with pytest.raises(ParseError) as plain:
        P("norm(y - X*y)^2")
    with pytest.raises(ParseError) as latex:
        L(r"\left\| y - \mathbf{X} y \right\|^2")
    assert latex.value.message == plain.value.message
    assert latex.value.hint == plain.value.hint
    assert latex.value.span is not None
    assert latex.value.span.caret() == r"""\left\| y - \mathbf{X} y \right\|^2
            ^^^^^^^^^^^^"""


def test_unknown_commands_hint_at_what_is_supported() -> None:
    with pytest.raises(ParseError) as info:
        L(r"\|y\|^2 + \mathcal{X}")
    assert info.value.message == r"unknown command '\mathcal'"
    assert info.value.span is not None and info.value.span.start == 10
    for word in (r"\frac", r"\operatorname{tr", r"\log\det", r"\mathbf{1}", "^\\top"):
        assert word in (info.value.hint or "")


def test_sum_hint_names_the_alternatives() -> None:
    with pytest.raises(ParseError) as info:
        L(r"\sum_{i=1}^n y_i")
    assert info.value.hint == SUM_HINT
    assert "sum(v)" in SUM_HINT and "1^\\top v" in SUM_HINT


def test_multi_line_latex_points_at_the_right_line() -> None:
    text = "y^\\top y\n+ X y"
    with pytest.raises(ParseError) as info:
        L(text)
    span = info.value.span
    assert span is not None and span.text == "+ X y" and span.text[span.start:span.end] == "X y"


def test_long_input_is_refused() -> None:
    with pytest.raises(ParseError, match="too long"):
        L("x^\\top x + " * 300)


def test_deep_nesting_is_refused_with_a_parse_error() -> None:
    with pytest.raises(ParseError, match="nested"):
        L("{" * 150 + "x" + "}" * 150)
    with pytest.raises(ParseError, match="nested"):
        L("\\left(" * 150 + "x" + "\\right)" * 150)


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
            parts.append(tuple(sorted(keys, key=repr)) if isinstance(node, M.Add) else tuple(keys))
        else:
            parts.append(value)
    return tuple(parts)


def sym(name: str) -> M.MatSym:
    d = SHAPES[name]
    assert d.rows is not None and d.cols is not None
    return M.MatSym(name, M.dim(d.rows), M.dim(d.cols), d.closed())


X, y, z, beta, w, A, S, Sigma, W_1, U = (sym(s) for s in "X y z beta w A S Sigma W_1 U".split())
lam = sp.Symbol("lambda", real=True)


def _nodes() -> st.SearchStrategy[M.Node]:
    """Conformable trees over the declared symbols (Greek and subscripted names among them)."""
    coeffs = st.sampled_from([M.const(2), M.const(-1), M.const(sp.Rational(1, 2)), M.const(lam)])
    funcs = st.sampled_from(M.SCALAR_FUNCTIONS)
    scal: st.SearchStrategy[M.Node] = st.sampled_from([M.const(lam), M.const(3)])
    vp: st.SearchStrategy[M.Node] = st.sampled_from([beta, w])
    vn: st.SearchStrategy[M.Node] = st.sampled_from([y, z])
    for _ in range(3):
        plain_vp = st.one_of(st.sampled_from([beta, w]), st.tuples(funcs, vp).map(lambda t: M.func(*t)),
                             vp.map(lambda u: M.mul(S, u)))
        scal, vp, vn = (
            st.one_of(
                st.tuples(vp, vp).map(lambda t: M.mul(M.transpose(t[0]), t[1])),
                st.tuples(vp, vp).map(lambda t: M.mul(M.transpose(t[0]), A, t[1])),
                st.tuples(vn, vn).map(lambda t: M.mul(M.transpose(t[0]), M.inverse(Sigma), t[1])),
                vp.map(lambda u: M.power(M.norm(u), 2)),
                vp.map(lambda u: M.power(M.norm(M.mul(W_1, u)), 2)),
                vn.map(M.logsumexp), vn.map(M.matsum),
                st.tuples(scal, scal).map(lambda t: M.add(*t)),
                st.tuples(scal, scal).map(lambda t: M.mul(*t)),
                st.sampled_from([M.trace(A), M.logdet(S), M.det(A), M.logdet(Sigma), M.power(M.norm(U), 2),
                                 M.trace(M.mul(M.transpose(U), X))]),
            ),
            st.one_of(
                st.tuples(vp, vp).map(lambda t: M.add(*t)),
                st.tuples(coeffs, vp).map(lambda t: M.mul(*t)),
                st.tuples(st.sampled_from([A, S, M.inverse(A), M.inverse(M.transpose(A))]), vp).map(
                    lambda t: M.mul(*t)),
                vn.map(lambda u: M.mul(M.transpose(X), u)),
                st.tuples(plain_vp, plain_vp).map(lambda t: M.hadamard(*t)),
                st.tuples(funcs, vp).map(lambda t: M.func(*t)),
                vp.map(lambda u: M.power(u, 2)),
                st.tuples(scal, vp).map(lambda t: M.mul(*t)),
            ),
            st.one_of(
                st.tuples(vn, vn).map(lambda t: M.add(t[0], M.mul(M.const(-1), t[1]))),
                vp.map(lambda u: M.mul(X, u)),
                vn.map(M.softmax),
            ),
        )
    return st.one_of(scal, vp, vn)


def _has_zero(node: M.Node) -> bool:
    return M.contains(node, lambda u: isinstance(u, M.Zero))  # y - y prints as 0, a scalar


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_nodes())
@example(M.mul(M.scale(sp.Rational(1, 4), M.mul(M.transpose(y), X, A, M.transpose(X), y)), M.const(1)))
@example(M.mul(M.const(-1), M.mul(M.transpose(beta), A, w), X, beta))
@example(M.matsum(M.mul(X, beta)))
@example(M.mul(M.inverse(M.transpose(A)), beta))
@example(M.func("sigmoid", M.mul(X, w)))
@example(M.mul(M.const(sp.Abs(lam)), w))
@example(M.mul(M.const(sp.log(lam)), w))
@example(M.mul(M.const(sp.exp(lam)), w))
@example(M.mul(M.const(sp.sqrt(lam)), w))
@example(M.mul(M.const(1 / lam), w))
@example(M.mul(M.power(M.norm(beta), 2), M.mul(M.transpose(w), beta), M.transpose(y), X, M.transpose(X), y))
@pytest.mark.slow
def test_our_latex_reads_back_to_the_tree_the_plain_text_gives(node: M.Node) -> None:
    """mtex() output reads back to the tree that plain() output reads back to (up to the order of sum terms).

    That is the tree itself unless parse_matrix regroups a product of 1x1 chains, as in
    norm(b)^2*(w'*b)*y'*X*X'*y (see the last example).
    """
    if _has_zero(node):
        return
    text = mtex(node)
    parsed, expected = L(text), P(plain(node))
    assert _key(parsed) == _key(expected), (text, mtex(parsed))
    assert mtex(parsed) == mtex(expected)


_PIECES = st.sampled_from([
    "X", "y", "w", "A", "U", "x", "1", "2", "0.5", "e", "I", "T", r"\beta", r"\Sigma", r"\lambda", r"\sigma",
    "W_1", "W_{2}", r"\mathbf{1}", r"\mathbf{X}", r"\boldsymbol{\beta}", "+", "-", "/", "'", r"\cdot",
    r"\odot", r"\oslash", "^", "_", "^\\top", "^{-1}", "^{-\\top}", "^{\\circ 2}", "^2", "_F", "_2", "{", "}",
    "(", ")", "[", "]", r"\left(", r"\right)", r"\|", r"\lVert", r"\rVert", r"\left\|", r"\right\|", "|",
    r"\frac", r"\frac{1}{2}", r"\sqrt", r"\log", r"\det", r"\log\det", r"\exp", r"\tanh",
    r"\operatorname{tr}", r"\operatorname{softmax}", r"\mathrm{lam}", r"\,", " ", "~", r"\foo", r"\sum", "tr",
    r"\left", r"\big", ".", ",", "=", "$", "\\", "\n",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES, max_size=25).map("".join))
@example(r"\left\|")
@example(r"\frac{")
@example(r"x^{\circ}")
@example(r"\sigma(")
@example(r"\|\|")
@example("\\")
@example(r"e^")
@example(r"\mathbf{")
@example(r"\operatorname{")
@example("\\\nX")
@pytest.mark.slow
def test_fuzz_latex_pieces_raise_only_parse_errors(text: str) -> None:
    try:
        assert isinstance(L(text), M.Node)
    except ParseError as err:
        assert "\n" not in str(err) and err.span is not None
        assert err.hint


# -- the API -----------------------------------------------------------------------
@pytest.mark.slow
def test_grad_reads_latex_and_certifies_the_same_gradient() -> None:
    lets = ["X: n x p", "y: n", "beta: p"]
    latex = derive.grad(r"\|y - X\beta\|^2", wrt="beta", let=lets)
    plain = derive.grad("norm(y - X*beta)^2", wrt="beta", let=lets)
    assert latex.certified and plain.certified
    assert latex.gradient == plain.gradient


@pytest.mark.slow
def test_grad_reads_latex_declarations_and_expressions() -> None:
    lets = [r"X \in \mathbb{R}^{n\times p}", r"y \in \mathbb{R}^{n}", r"\beta \in \mathbb{R}^{p}"]
    g = derive.grad(r"\frac{1}{2}\left\lVert y - X\beta \right\rVert^2 + \frac{\lambda}{2}\|\beta\|^2",
                    wrt="beta", let=lets, where="lambda > 0")
    assert g.certified
    assert g.gradient == derive.grad("norm(y - X*beta)^2/2 + lambda/2*norm(beta)^2", wrt="beta",
                                     let=lets, where="lambda > 0").gradient


def test_latex_api_reads_latex_matrix_text() -> None:
    lets = ["b: p", "A: p x p"]
    assert derive.latex(r"b^\top A b", let=lets) == derive.latex("b' A b", let=lets)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("\\{}^_'|()[]+-*/.,~$ \n12Xyxeb") + ["λ", "\u2212", "\u00b7"]),
               max_size=40))
def test_fuzz_latex_characters_raise_only_parse_errors(text: str) -> None:
    try:
        assert isinstance(L(text), M.Node)
    except ParseError as err:
        assert "\n" not in str(err) and err.span is not None
        assert err.hint
