"""Rendering matrix derivations: the JSON contract, LaTeX, terminal text, Markdown, Jupyter.

The JSON ``gradient``/``hessian``/``stationary_point`` strings are SymPy ``str()`` of matrix
expressions over the user's names, so a reader can rebuild them: here with
``parse_expr`` over MatrixSymbols (for the shape) and over numeric matrices (for the values),
compared with the textbook formula in numpy at our own draws.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import reduce
from typing import Any

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sympy.parsing.sympy_parser import parse_expr

import derive
from derive.matrix.api import MatGradResult
from derive.matrix.numeric import Point, Undefined, evaluate
from derive.matrix import expr as M
from derive.matrix.sympy_form import sympy_str
from derive.render.notation.matrix import mtex

RUNS: dict[str, tuple[str, str, list[str], bool]] = {
    "ridge": ("norm(y - X*b)^2 + lam*norm(b)^2", "b", ["X: n x p", "y: n", "b: p"], True),
    "logistic": ("-y'*log(sigmoid(X*w)) - (1 - y)'*log(1 - sigmoid(X*w))", "w", ["X: n x p", "y: n", "w: p"], True),
    "trace": ("tr(A*X*B)", "X", ["A: m x n", "X: n x p", "B: p x m"], False),
    "xent": ("-y'*log(softmax(z))", "z", ["z: k", "y: k"], False),
}
CONTRACT = {"input", "wrt", "shapes", "gradient", "gradient_latex", "hessian", "hessian_latex",
            "stationary_point", "steps"}
STEP_KEYS = {"rule", "before", "after", "latex", "justification", "justification_latex", "certificate"}


def _run(name: str) -> MatGradResult:
    expr, wrt, let, hessian = RUNS[name]
    where = ["lam > 0"] if name == "ridge" else []
    r = derive.grad(expr, wrt=wrt, let=let, hessian=hessian, where=where)
    assert isinstance(r, MatGradResult)
    return r


@pytest.fixture(scope="module")
def results() -> dict[str, MatGradResult]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(RUNS, pool.map(_run, RUNS)))


@pytest.fixture(scope="module")
def docs(results: dict[str, MatGradResult]) -> dict[str, dict[str, Any]]:
    return {k: json.loads(r.to_json()) for k, r in results.items()}


# -- the JSON contract -----------------------------------------------------------------------
@pytest.mark.parametrize("name", list(RUNS))
def test_json_has_the_contract_keys_and_types(docs: dict[str, dict[str, Any]], name: str) -> None:
    d = docs[name]
    expr, wrt, let, hessian = RUNS[name]
    assert CONTRACT <= set(d)
    assert d["input"] == expr and d["wrt"] == wrt
    assert isinstance(d["gradient"], str) and isinstance(d["gradient_latex"], str)
    assert set(d["shapes"]) == {t.split(":")[0] for t in let}
    for dims in d["shapes"].values():
        assert isinstance(dims, list) and len(dims) == 2 and all(isinstance(x, str) for x in dims)
    if hessian:
        assert isinstance(d["hessian"], str) and isinstance(d["hessian_latex"], str)
    else:
        assert d["hessian"] is None and d["hessian_latex"] is None
    assert d["stationary_point"] is None or isinstance(d["stationary_point"], str)
    assert d["steps"]
    for s in d["steps"]:
        assert set(s) >= STEP_KEYS
        assert all(isinstance(s[k], str) for k in STEP_KEYS)
        assert s["certificate"].split(":")[0] in {"proved", "plausible"}


def test_json_shapes_and_stationary_point_of_ridge(docs: dict[str, dict[str, Any]]) -> None:
    d = docs["ridge"]
    assert d["shapes"] == {"X": ["n", "p"], "y": ["n", "1"], "b": ["p", "1"]}
    assert isinstance(d["stationary_point"], str)
    assert docs["logistic"]["stationary_point"] is None  # no closed form
    assert [s["rule"] for s in d["steps"]][-1] == "hessian identification"
    assert d["steps"][0]["before"] == "d(norm(y - X*b)^2 + lam*norm(b)^2)"


# -- rebuilding the contract strings ---------------------------------------------------------------
SIZES = {"n": 5, "p": 3, "m": 4, "k": 6}
DECL_DIMS = {name: [(t.split(":")[0].strip(), t.split(":")[1].split()) for t in let]
             for name, (_, _, let, _) in RUNS.items()}


def _entrywise(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda m: m.applyfunc(fn) if isinstance(m, sp.MatrixBase) else fn(m)


def _softmax(m: sp.MatrixBase) -> sp.MatrixBase:
    e = m.applyfunc(sp.exp)
    return e / sum(e)


READER_FUNCTIONS: dict[str, Any] = {
    "sigmoid": _entrywise(lambda t: 1 / (1 + sp.exp(-t))),
    "exp": _entrywise(sp.exp), "log": _entrywise(sp.log), "tanh": _entrywise(sp.tanh), "sqrt": _entrywise(sp.sqrt),
    "softmax": _softmax,
    "Trace": lambda m: m.trace() if isinstance(m, sp.MatrixBase) else m,
    "Determinant": lambda m: m.det(),
    "DiagMatrix": lambda v: sp.diag(*v),
    "HadamardProduct": lambda *ms: reduce(lambda u, v: u.multiply_elementwise(v), ms),
    "HadamardPower": lambda m, k: m.applyfunc(lambda t: t**k),
}


def draw(name: str, seed: int = 0) -> tuple[dict[str, np.ndarray], int]:
    """Our own values for the run's names (and the size of the variable, for I)."""
    rng = np.random.default_rng(seed)
    out = {}
    for sym, words in DECL_DIMS[name]:
        rows = SIZES[words[0]]
        cols = SIZES[words[2]] if len(words) > 2 else 1
        out[sym] = rng.standard_normal((rows, cols))
    wrt = RUNS[name][1]
    return out, out[wrt].shape[0]


def rebuild_numeric(text: str, values: dict[str, np.ndarray], identity: int, lam: float = 0.7,
                    sizes: dict[str, int] | None = None) -> np.ndarray:
    """What a reader gets from the contract string: parse_expr over numeric matrices.

    The special matrices are SymPy constructors (Identity(p), OneMatrix(n, 1), ZeroMatrix(p, p));
    a numeric reader makes them explicit at the concrete sizes.
    """
    local: dict[str, Any] = {k: sp.Matrix(v) for k, v in values.items()}
    local.update(READER_FUNCTIONS, lam=sp.Float(lam), **{d: sp.Integer(v) for d, v in (sizes or SIZES).items()})
    local.update(Identity=lambda k: sp.eye(int(k)), OneMatrix=lambda r, c: sp.ones(int(r), int(c)),
                 ZeroMatrix=lambda r, c: sp.zeros(int(r), int(c)))
    out = parse_expr(text, local_dict=local)
    if isinstance(out, sp.MatrixBase):
        return np.array(out.evalf(), dtype=float)
    return np.array([[float(out)]])


def rebuild_symbolic(text: str, name: str) -> Any:
    dims = {d: sp.Symbol(d, integer=True, positive=True) for d in SIZES}
    local: dict[str, Any] = dict(dims)
    for sym, words in DECL_DIMS[name]:
        local[sym] = sp.MatrixSymbol(sym, dims[words[0]], dims[words[2]] if len(words) > 2 else 1)
    local.update(lam=sp.Symbol("lam"))
    return parse_expr(text, local_dict=local)


def sig(t: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-t))


def _softmax_np(z: np.ndarray) -> np.ndarray:
    return np.exp(z) / np.exp(z).sum()


EXPECTED: dict[tuple[str, str], Callable[[dict[str, np.ndarray]], np.ndarray]] = {
    ("ridge", "gradient"): lambda v: -2 * v["X"].T @ (v["y"] - v["X"] @ v["b"]) + 1.4 * v["b"],
    ("ridge", "hessian"): lambda v: 2 * (v["X"].T @ v["X"] + 0.7 * np.eye(3)),
    ("ridge", "stationary_point"): lambda v: np.linalg.solve(v["X"].T @ v["X"] + 0.7 * np.eye(3), v["X"].T @ v["y"]),
    ("logistic", "gradient"): lambda v: v["X"].T @ (sig(v["X"] @ v["w"]) - v["y"]),
    ("logistic", "hessian"): lambda v: v["X"].T @ np.diag((sig(v["X"] @ v["w"]) * (1 - sig(v["X"] @ v["w"])))[:, 0])
    @ v["X"],
    ("trace", "gradient"): lambda v: v["A"].T @ v["B"].T,
    ("xent", "gradient"): lambda v: _softmax_np(v["z"]) * v["y"].sum() - v["y"],
}


@pytest.mark.parametrize(("name", "key"), list(EXPECTED), ids=[f"{a}-{b}" for a, b in EXPECTED])
def test_contract_strings_rebuild_to_the_right_numbers(docs: dict[str, dict[str, Any]], name: str, key: str) -> None:
    values, identity = draw(name)
    got = rebuild_numeric(docs[name][key], values, identity)
    want = EXPECTED[(name, key)](values)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_contract_strings_are_matrix_expressions_over_the_users_names(docs: dict[str, dict[str, Any]]) -> None:
    g = rebuild_symbolic(docs["ridge"]["gradient"], "ridge")
    h = rebuild_symbolic(docs["ridge"]["hessian"], "ridge")
    assert isinstance(g, sp.MatrixExpr) and isinstance(h, sp.MatrixExpr)
    p, n = sp.Symbol("p", integer=True, positive=True), sp.Symbol("n", integer=True, positive=True)
    assert g.shape == (p, 1) and h.shape == (p, p)
    assert {s.name for s in g.free_symbols if isinstance(s, sp.MatrixSymbol)} == {"X", "y", "b"}
    assert "X.T" in docs["ridge"]["gradient"] and "**(-1)" in docs["ridge"]["stationary_point"]
    assert "sigmoid(X*w)" in docs["logistic"]["gradient"]
    t = rebuild_symbolic(docs["trace"]["gradient"], "trace")
    assert t.shape == (n, p)


# -- LaTeX -------------------------------------------------------------------------------------
def test_latex_uses_textbook_notation(results: dict[str, MatGradResult]) -> None:
    ridge = results["ridge"].to_latex()
    assert r"^{\top}" in ridge and r"\mathrm{d}b" in ridge and r"\begin{align*}" in ridge
    assert r"\lVert" in ridge
    assert r"\odot" in results["logistic"].to_latex() and r"\sigma" in results["logistic"].to_latex()
    assert r"\operatorname{tr}" in results["trace"].to_latex()
    assert r"\operatorname{softmax}" in results["xent"].to_latex()
    res = results["ridge"].result_latex()
    assert r"\nabla_{b} f" in res and r"\nabla^2_{b} f" in res and r"\hat{b}" in res
    assert r"\left(X^{\top} X + " in res and r"\right)^{-1} X^{\top} y" in res


def test_json_latex_fields_match_the_latex_printer(docs: dict[str, dict[str, Any]]) -> None:
    d = docs["ridge"]
    assert d["gradient_latex"].startswith(r"-2 X^{\top} \left(y - X b\right)")
    assert r"X^{\top} X" in d["hessian_latex"]
    for s in d["steps"]:
        assert r"\mathrm{d}" in s["latex"] and " = " in s["latex"]


# -- terminal text and Markdown -------------------------------------------------------------------
def _line(text: str, start: str) -> str:
    hits = [ln.strip() for ln in text.splitlines() if ln.strip().startswith(start)]
    assert len(hits) == 1, text
    return hits[0]


def test_text_has_the_gradient_and_hessian_lines(results: dict[str, MatGradResult]) -> None:
    text = results["ridge"].to_text(width=200)
    assert _line(text, "Gradient:") == "Gradient: ∇_b f = −2·Xᵀ·(y − X·b) + 2·λ·b"
    assert _line(text, "Hessian:") == "Hessian: ∇²_b f = 2·(Xᵀ·X + λ·I)"
    assert "(Xᵀ·X + λ·I)⁻¹·Xᵀ·y" in _line(text, "Stationary point:")
    assert "refuted" not in _line(text, "≈ gradient matches")
    trace = results["trace"].to_text(width=200)
    assert _line(trace, "Gradient:") == "Gradient: ∇_X f = Aᵀ·Bᵀ"
    assert "Hessian:" not in trace
    assert str(results["trace"]) == results["trace"].to_text()


def test_markdown_wraps_the_maths_in_display_dollars(results: dict[str, MatGradResult]) -> None:
    md = results["logistic"].to_markdown()
    assert md.startswith("$$\n") and md.count("$$") == 4  # the chain, then the result: one display each
    assert "**Result:**" in md and r"\nabla_{w} f" in md
    assert r"\parbox" not in md


# -- Jupyter ---------------------------------------------------------------------------------------
_TEXT_ARG = re.compile(r"\\text\{([^{}]*)\}")


@pytest.mark.parametrize("name", list(RUNS))
def test_repr_latex_is_mathjax_safe(results: dict[str, MatGradResult], name: str) -> None:
    out = results[name]._repr_latex_()
    assert out.startswith("$$") and out.rstrip().endswith("$$") and out.count("$$") >= 4  # a display per chain and result
    assert all(line == "$$" for line in out.splitlines() if "$" in line)  # no inline maths, $$ on its own lines
    for bad in (r"\parbox", r"\raggedright", r"\begin{align*}", r"\linewidth"):
        assert bad not in out
    assert r"\begin{aligned}" in out and r"\mathrm{d}" in out
    assert "\\text{\\" not in out
    for arg in _TEXT_ARG.findall(out):
        assert "\\" not in arg and "$" not in arg  # MathJax reads \text{...} literally
    assert out.count(r"\begin{aligned}") == out.count(r"\end{aligned}")


# -- property: every contract string rebuilds to the value of its node -------------------------------
_n, _p = M.dim("n"), M.dim("p")
_LEAVES: dict[tuple[Any, Any], list[M.Node]] = {
    (_n, _p): [M.MatSym("X", _n, _p)],
    (_n, M.ONE): [M.MatSym("y", _n, M.ONE), M.Ones(_n, M.ONE)],
    (_p, M.ONE): [M.MatSym("b", _p, M.ONE)],
    (_p, _p): [M.MatSym("A", _p, _p), M.MatSym("S", _p, _p, frozenset({"symmetric"}))],
}


@st.composite
def nodes(draw: st.DrawFn, shape: tuple[Any, Any], depth: int = 3) -> M.Node:
    """Nodes like the engine's results: sums, products, transposes, entrywise functions, traces, inverses."""
    r, c = shape
    leaves = list(_LEAVES.get(shape, [])) + [M.transpose(t) for t in _LEAVES.get((c, r), [])]
    ops = ["add", "product", "scale"] + (["func", "hadamard"] if shape != (M.ONE, M.ONE) else ["trace"])
    if shape == (_p, _p):
        ops.append("inverse")
    if depth == 0 or not ops or (leaves and draw(st.integers(0, 2)) == 0):
        if leaves:
            return draw(st.sampled_from(leaves))
        inner = draw(st.sampled_from([_n, _p]))
        return M.mul(draw(nodes((r, inner), 0)), draw(nodes((inner, c), 0)))
    op = draw(st.sampled_from(ops))
    if op == "add":
        return M.add(draw(nodes(shape, depth - 1)), M.mul(M.const(draw(st.sampled_from([1, -1, 2]))),
                                                          draw(nodes(shape, depth - 1))))
    if op == "product":
        inner = draw(st.sampled_from([_n, _p]))
        return M.mul(draw(nodes((r, inner), depth - 1)), draw(nodes((inner, c), depth - 1)))
    if op == "scale":
        return M.mul(M.const(draw(st.sampled_from([-2, 3]))), draw(nodes(shape, depth - 1)))
    if op == "func":
        return M.func(draw(st.sampled_from(["sigmoid", "exp", "tanh"])), draw(nodes(shape, depth - 1)))
    if op == "hadamard":
        return M.hadamard(draw(nodes(shape, depth - 1)), draw(nodes(shape, depth - 1)))
    if op == "trace":
        k = draw(st.sampled_from([_n, _p]))
        return M.trace(draw(nodes((k, k), depth - 1)))
    a = draw(nodes((_p, _p), depth - 1))
    return M.inverse(M.add(M.mul(a, M.transpose(a)), M.MatSym("P", _p, _p, frozenset({"positive definite"}))))


def _property_values(seed: int) -> tuple[dict[str, np.ndarray], dict[Any, int]]:
    rng = np.random.default_rng(seed)
    sizes = {_n: 4, _p: 3}
    g = rng.standard_normal((3, 3))
    s = rng.standard_normal((3, 3))
    values = {"X": rng.standard_normal((4, 3)) * 0.5, "y": rng.standard_normal((4, 1)) * 0.5,
              "b": rng.standard_normal((3, 1)) * 0.5, "A": rng.standard_normal((3, 3)) * 0.5,
              "S": (s + s.T) / 4, "P": g @ g.T + np.eye(3)}
    return values, sizes


@pytest.mark.slow
@settings(max_examples=30, deadline=None)
@given(shape=st.sampled_from([(_p, M.ONE), (_n, M.ONE), (_p, _p), (_n, _p)]), data=st.data(), seed=st.integers(0, 99))
def test_every_contract_string_rebuilds_to_the_value_of_its_node(shape: tuple[Any, Any], data: st.DataObject,
                                                                  seed: int) -> None:
    node = data.draw(nodes(shape))
    values, sizes = _property_values(seed)
    try:
        want = evaluate(node, Point(sizes, values, {}, {}, "test"))
    except Undefined:  # e.g. exp of a long product overflows: no value to compare with
        assume(False)
    got = rebuild_numeric(sympy_str(node), values, identity=3, sizes={str(k): v for k, v in sizes.items()})
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)
    tex = mtex(node)
    assert tex.count("{") == tex.count("}") and tex.count(r"\left") == tex.count(r"\right")


def test_entrywise_reciprocals_print_as_divisions() -> None:
    from derive.matrix.expr import plain
    from derive.render.notation.matrix import utext_m

    k = sp.Symbol("k", integer=True, positive=True)
    p_, q_ = M.MatSym("p", k, M.ONE), M.MatSym("q", k, M.ONE)
    ratio = M.hadamard(p_, M.power(q_, -1))
    assert plain(ratio) == "p ./ q"
    assert utext_m(ratio) == "p ⊘ q"
    assert mtex(ratio) == r"p \oslash q"  # one backslash: a TeX command, not a line break
