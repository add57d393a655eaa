"""Numbers for matrix expressions: random concrete sizes, draws that respect declarations, evaluation.

Independent of the engine's rules: a pending differential d(U) is evaluated as the
directional derivative of U along the drawn dX by central differences with Richardson
extrapolation (error O(h^4)), not by any differential rule.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from derive.matrix import expr as M
from derive.parse.domain import VarDomain

Array = np.ndarray
SIZES: tuple[tuple[int, ...], ...] = ((4, 3, 2, 5, 6), (3, 2, 4, 6, 5), (5, 4, 3, 2, 6))
"""Concrete sizes tried for the declared dimensions (in order of first appearance): never all equal."""
_H = 1e-3


class Undefined(Exception):
    """The expression is not finite and real at this point (log of a negative, a singular inverse)."""


@dataclass(slots=True)
class Point:
    """Concrete sizes, values for every matrix and scalar symbol, and the direction dX."""

    dims: dict[sp.Symbol, int]
    values: dict[str, Array]
    scalars: dict[sp.Symbol, float]
    direction: dict[str, Array]
    label: str
    cache: dict[int, tuple[M.Node, Array]] = field(default_factory=dict)
    max_cond: float = 1e6
    """Inverses of worse-conditioned matrices are Undefined (finite differences would not settle)."""
    base: Point | None = None
    """For points moved along the direction (``_shifts``): the unmoved point. A subtree in which no moved
    variable occurs has the same value at both, so it is evaluated once, at the base, and reused by every shift."""
    moved: dict[int, tuple[M.Node, bool]] = field(default_factory=dict)
    """Per subtree (by id, the node kept alive): whether a moved variable occurs in it; kept on the base point."""
    scalar_values: dict[sp.Expr, float] = field(default_factory=dict)
    """Scalar expressions already evaluated here (the sizes and scalars do not move, so shifts share it)."""
    parts: dict[int, tuple[M.Mul, tuple[M.Node, ...], tuple[M.Node, ...]]] = field(default_factory=dict)
    """Per product (by id): its scalar factors and matrix chain; kept on the base point."""
    batch: int = 0
    """Nonzero for a batch of shifted points (``_shifts``): moved variables hold that many matrices, stacked."""

    def size(self, d: sp.Expr) -> int:
        return int(d.xreplace(self.dims))

    def describe(self) -> tuple[tuple[str, str], ...]:
        sizes = tuple((str(k), str(v)) for k, v in sorted(self.dims.items(), key=lambda kv: str(kv[0])))
        return sizes + (("draw", self.label),)


def dimension_symbols(nodes: list[M.Node]) -> list[sp.Symbol]:
    """The dimension symbols, the rows of matrices first: they get the larger sizes, so data matrices are tall.

    Independent of the user's names: a design renamed ``A`` or coefficients renamed ``B`` draw alike.
    """
    syms = [n for node in nodes for n in M.walk(node) if isinstance(n, M.MatSym)]
    rows: list[sp.Symbol] = []
    for s in syms:  # first pass: the rows of non-square matrices
        if s.cols != 1 and s.rows != s.cols:
            rows += [d for d in sorted(s.rows.free_symbols, key=lambda x: x.name) if d not in rows]
    rest: list[sp.Symbol] = []
    for s in syms:
        for d in (s.rows, s.cols):
            rest += [x for x in sorted(d.free_symbols, key=lambda x: x.name) if x not in rows and x not in rest]
    return rows + rest


def _draw_matrix(sym: M.MatSym, rows: int, cols: int, rng: np.random.Generator, *, tangent: bool = False) -> Array:
    props = sym.props
    g = rng.standard_normal((rows, cols))
    if "positive" in props and not tangent:
        return np.asarray(rng.uniform(0.2, 2.0, (rows, cols)))
    if rows != cols:
        return g
    if "diagonal" in props:
        return np.diag(np.diag(g)) if tangent or "positive definite" not in props else np.diag(rng.uniform(0.5, 2, rows))
    if "positive definite" in props and not tangent:
        return g @ g.T / rows + np.eye(rows)
    if "positive semidefinite" in props and not tangent:
        return g @ g.T / rows
    if "symmetric" in props or "positive definite" in props or "positive semidefinite" in props:
        return (g + g.T) / 2
    if "orthogonal" in props and not tangent:
        q, r = np.linalg.qr(g)
        return q * np.sign(np.diag(r))
    if not tangent and rng.random() < 0.5:
        return g / np.sqrt(rows) + 2 * np.eye(rows)  # well conditioned, positive determinant
    return g


def _draw_scalar(sym: sp.Symbol, domains: Mapping[str, VarDomain], rng: np.random.Generator) -> float:
    dom = domains.get(sym.name)
    lo = dom.lower if dom and dom.lower is not None else None
    hi = dom.upper if dom and dom.upper is not None else None
    if lo is None and hi is None:
        return float(rng.uniform(0.5, 2.0))
    if lo is not None and hi is not None:
        return float(rng.uniform(lo, hi))
    if lo is not None:
        return float(lo + rng.uniform(0.25, 2.0))
    assert hi is not None
    return float(hi - rng.uniform(0.25, 2.0))


@dataclass(frozen=True, slots=True)
class DrawPlan:
    """What a draw for some nodes needs, found once for all of a probe's draws: the dimension symbols in
    order, the matrix symbols by name, and the scalar symbols other than dimensions."""

    dims_order: tuple[sp.Symbol, ...]
    mats: tuple[M.MatSym, ...]
    scalars: tuple[sp.Symbol, ...]


def draw_plan(nodes: list[M.Node], var: M.MatSym) -> DrawPlan:
    dims_order = dimension_symbols(nodes + [var])
    mats: dict[str, M.MatSym] = {}
    scalars: set[sp.Symbol] = set()
    for node in nodes + [var]:
        for s in M.symbols(node):
            mats[s.name] = s
        scalars |= M.scalar_symbols(node)
    return DrawPlan(tuple(dims_order), tuple(s for _, s in sorted(mats.items())),
                    tuple(sorted(scalars - set(dims_order), key=lambda x: x.name)))


def draw_point(
    nodes: list[M.Node], var: M.MatSym, rng: np.random.Generator, config: int,
    domains: Mapping[str, VarDomain] | None = None, *, positive: bool = False, plan: DrawPlan | None = None,
) -> Point:
    """Random values for every symbol in ``nodes`` at size configuration ``config``.

    ``positive`` draws every vector and matrix with positive entries (symmetric and orthogonal
    ones keep their structure): the fallback where an expression is undefined elsewhere.
    ``plan`` is ``draw_plan(nodes, var)``, when the caller draws for the same nodes repeatedly.
    """
    plan = plan or draw_plan(nodes, var)
    sizes = SIZES[config % len(SIZES)]
    dims = {d: sizes[i % len(sizes)] for i, d in enumerate(plan.dims_order)}
    values: dict[str, Array] = {}
    for s in plan.mats:
        r, c = int(s.rows.xreplace(dims)), int(s.cols.xreplace(dims))
        plain_kind = not (s.props - {"positive"})
        values[s.name] = _draw_matrix(M.MatSym(s.name, s.rows, s.cols, s.props | {"positive"}) if positive and plain_kind
                                      else s, r, c, rng)
    r, c = int(var.rows.xreplace(dims)), int(var.cols.xreplace(dims))
    direction = {var.name: _draw_matrix(var, r, c, rng, tangent=True)}
    scal = {s: _draw_scalar(s, domains or {}, rng) for s in plan.scalars}
    return Point(dims, values, scal, direction, f"{config}.{int(rng.integers(1_000_000))}")


def _finite(a: Array) -> Array:
    if not np.isfinite(a).all():
        raise Undefined("not finite")
    return a


def _sigmoid(a: Array) -> Array:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * a)))


_FUNCS: dict[str, Callable[[Array], Array]] = {"exp": np.exp, "tanh": np.tanh, "sin": np.sin, "cos": np.cos, "sigmoid": _sigmoid,
          "softplus": lambda a: np.logaddexp(0.0, a)}


def evaluate(node: M.Node, pt: Point) -> Array:
    """The value of ``node`` at ``pt`` as a 2-D array; raises Undefined where it is not real and finite."""
    key = id(node)  # nodes are immutable and alive while their tree is evaluated; hashing deep trees is slow
    hit = pt.cache.get(key)
    if hit is not None:
        return hit[1]
    base = pt.base
    if base is not None and not _moves(node, base):
        out = evaluate(node, base)  # the same value: no moved variable occurs in it
    else:
        out = _finite(np.asarray(_eval(node, pt), dtype=float))
    pt.cache[key] = (node, out)  # keep the node, so that its id cannot be reused
    return out


def _moves(node: M.Node, base: Point) -> bool:
    """Whether a variable with a direction at ``base`` occurs in ``node`` (so its value changes when shifted)."""
    hit = base.moved.get(id(node))
    if hit is not None:
        return hit[1]
    if isinstance(node, M.MatSym):
        out = node.name in base.direction
    else:
        out = any([_moves(c, base) for c in node.children()])
    base.moved[id(node)] = (node, out)
    return out


def _scalar(expr: sp.Expr, pt: Point) -> float:
    memo = (pt.base or pt).scalar_values
    hit = memo.get(expr)
    if hit is not None:
        return hit
    if expr.is_Number:
        memo[expr] = float(expr)
        return memo[expr]
    sub = {**{k: sp.Integer(v) for k, v in pt.dims.items()}, **{k: sp.Float(v, 20) for k, v in pt.scalars.items()}}
    num = expr.xreplace(sub).evalf(20)
    if num.is_Float:  # real: what complex() does with it (evalf at double precision, then float), without its detour
        memo[expr] = float(num.evalf())
        return memo[expr]
    val = complex(num)
    if abs(val.imag) > 1e-12 * max(1.0, abs(val.real)):
        raise Undefined("complex")
    memo[expr] = val.real
    return val.real


def _each(a: Array, f: Callable[[Array], Array]) -> Array:
    """``f`` of a matrix, or of each matrix of a stack (a batch of shifted points) stacked again."""
    return f(a) if a.ndim == 2 else np.stack([f(m) for m in a])


def _split(node: M.Mul, pt: Point) -> tuple[tuple[M.Node, ...], tuple[M.Node, ...]]:
    """A product's scalar factors and its matrix chain, found once per point (with its shifts)."""
    memo = (pt.base or pt).parts
    hit = memo.get(id(node))
    if hit is None:
        hit = memo[id(node)] = (node, node.scalars, node.chain)
    return hit[1], hit[2]


def _eval(node: M.Node, pt: Point) -> Array:  # noqa: C901 - one branch per node class
    """The value at ``pt``; where a moved variable holds a stack of matrices (``directional``'s batch of
    shifted points), a stack of values, each computed as the single value would be."""
    ev = evaluate
    if isinstance(node, M.MatSym):
        return pt.values[node.name]
    if isinstance(node, M.Mul):
        out = np.array([[_scalar(node.coeff, pt)]])
        scalars, factors = _split(node, pt)
        scal: float | Array = 1.0
        for f in scalars:
            v = ev(f, pt)
            scal = scal * (float(v[0, 0]) if v.ndim == 2 else v[:, :1, :1])
        chain = [ev(f, pt) for f in factors]
        prod = chain[0] if chain else np.ones((1, 1))
        for c in chain[1:]:
            prod = prod @ c
        return out[0, 0] * scal * prod
    if isinstance(node, M.Add):
        return sum((ev(t, pt) for t in node.terms), start=np.zeros(_shape(node, pt)))
    if isinstance(node, M.Transpose):
        return np.swapaxes(ev(node.arg, pt), -1, -2)
    if isinstance(node, M.Const):
        return np.array([[_scalar(node.value, pt)]])
    if isinstance(node, M.Ones):
        return np.ones((pt.size(node.rows), pt.size(node.cols)))
    if isinstance(node, M.Identity):
        return np.eye(pt.size(node.n))
    if isinstance(node, M.Zero):
        return np.zeros((pt.size(node.rows), pt.size(node.cols)))
    if isinstance(node, M.Differential):
        return pt.direction[node.var.name]
    if isinstance(node, M.Inverse):
        a = ev(node.arg, pt)
        if np.any(np.linalg.cond(a) > pt.max_cond):
            raise Undefined("singular or too badly conditioned to check numerically")
        return np.linalg.inv(a)
    if isinstance(node, M.Trace):
        return _each(ev(node.arg, pt), lambda a: np.array([[np.trace(a)]]))
    if isinstance(node, M.Det):
        return _each(ev(node.arg, pt), lambda a: np.array([[np.linalg.det(a)]]))
    if isinstance(node, M.LogDet):
        return _each(ev(node.arg, pt), _logdet)
    if isinstance(node, M.Hadamard):
        out = ev(node.factors[0], pt)
        for f in node.factors[1:]:
            out = out * ev(f, pt)
        return out
    if isinstance(node, M.Func):
        a = ev(node.arg, pt)
        if node.name == "log":
            if np.any(a <= 0):
                raise Undefined("log of a non-positive number")
            return np.log(a)
        if node.name == "sqrt":
            if np.any(a < 0):
                raise Undefined("square root of a negative number")
            return np.sqrt(a)
        return _FUNCS[node.name](a)
    if isinstance(node, M.Power):
        a = ev(node.base, pt)
        e = _scalar(node.exp, pt)
        if not float(e).is_integer() and np.any(a < 0):
            raise Undefined("fractional power of a negative number")
        if e < 0 and np.any(a == 0):
            raise Undefined("division by zero")
        with np.errstate(all="ignore"):
            return np.power(a, e)
    if isinstance(node, M.Diag):
        return _each(ev(node.arg, pt), lambda a: np.diag(a[:, 0]))
    if isinstance(node, M.Kron):
        left, right = ev(node.left, pt), ev(node.right, pt)
        if left.ndim == 2 and right.ndim == 2:
            return np.kron(left, right)
        k = max(len(x) for x in (left, right) if x.ndim == 3)
        return np.stack([np.kron(left if left.ndim == 2 else left[i], right if right.ndim == 2 else right[i])
                         for i in range(k)])
    if isinstance(node, M.Vec):
        return _each(ev(node.arg, pt), lambda a: a.reshape(-1, 1, order="F").copy())
    if isinstance(node, M.Commutation):
        return commutation_matrix(pt.size(node.m), pt.size(node.n))
    if isinstance(node, M.DiagPart):
        return _each(ev(node.arg, pt), lambda a: np.diag(a).reshape(-1, 1).copy())
    if isinstance(node, M.Norm):
        return _each(ev(node.arg, pt), lambda a: np.array([[np.linalg.norm(a)]]))
    if isinstance(node, M.LogSumExp):
        return _each(ev(node.arg, pt), _logsumexp)
    if isinstance(node, M.Softmax):
        return _each(ev(node.arg, pt), _softmax)
    if isinstance(node, M.D):
        if pt.batch:  # a pending differential inside one: each shifted point in turn
            return np.stack([directional(node.arg, p) for p in _unbatched(pt)])
        return directional(node.arg, pt)
    raise TypeError(f"cannot evaluate a {type(node).__name__}")


def _logdet(a: Array) -> Array:
    sign, logabs = np.linalg.slogdet(a)
    if sign <= 0:
        raise Undefined("log of a non-positive determinant")
    return np.array([[logabs]])


def _logsumexp(a: Array) -> Array:
    z = a[:, 0]
    m = z.max()
    return np.array([[m + np.log(np.exp(z - m).sum())]])


def _softmax(z: Array) -> Array:
    e = np.exp(z - z.max())
    return np.asarray(e / e.sum())


def commutation_matrix(m: int, n: int) -> Array:
    """K with K vec(A) = vec(A^T) for A of shape m x n (vec stacks columns)."""
    k = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            k[i * n + j, j * m + i] = 1.0
    return k


def _shape(node: M.Node, pt: Point) -> tuple[int, int]:
    r, c = node.shape
    return pt.size(r), pt.size(c)


def _shifts(pt: Point, ts: list[float]) -> Point:
    """One point holding ``pt`` moved by each t in ``ts`` times the direction: every moved variable a stack of
    matrices, entry i its value plus ts[i] times its direction. Evaluating there evaluates at every shift in one
    walk of the tree."""
    values = dict(pt.values)
    for name, d in pt.direction.items():
        values[name] = np.stack([pt.values[name] + t * d for t in ts])
    return Point(pt.dims, values, pt.scalars, pt.direction, pt.label, max_cond=pt.max_cond, base=pt.base or pt,
                 batch=len(ts))


def _unbatched(pt: Point) -> list[Point]:
    """The single points a batch holds."""
    base = pt.base or pt
    out = []
    for i in range(pt.batch):
        values = dict(pt.values)
        for name in pt.direction:
            values[name] = pt.values[name][i]
        out.append(Point(pt.dims, values, pt.scalars, pt.direction, pt.label, max_cond=pt.max_cond, base=base))
    return out


def directional(node: M.Node, pt: Point, h: float = _H) -> Array:
    """d/dt node(X + t dX) at t = 0, by Richardson-extrapolated central differences, with error control.

    The estimate at step h is compared with the one at h/4 (then h/16); a point where they do
    not settle (near a singularity, say) is Undefined rather than a false counterexample. The
    shifted points of each comparison are evaluated together, as one batch.
    """
    def centrals(steps: list[float]) -> list[Array]:
        at = evaluate(node, _shifts(pt, [t for step in steps for t in (step, -step)]))
        if at.ndim == 2:  # no moved variable occurs: the same value at every shift
            at = np.broadcast_to(at, (2 * len(steps),) + at.shape)
        return [(at[2 * i] - at[2 * i + 1]) / (2 * step) for i, step in enumerate(steps)]

    def richardson(half: Array, whole: Array) -> Array:
        return (4 * half - whole) / 3

    c = centrals([h / 2, h, h / 8, h / 4])
    prev, cur = richardson(c[0], c[1]), richardson(c[2], c[3])
    for k in (4, 16):
        if k == 16:
            c = centrals([h / 32, h / 16])
            cur = richardson(c[0], c[1])
        scale = max(1.0, float(np.max(np.abs(cur), initial=0.0)))
        if float(np.max(np.abs(cur - prev), initial=0.0)) <= 1e-8 * scale:
            return cur
        prev = cur
    raise Undefined("finite differences do not settle here (close to a singularity)")


def brief(a: np.ndarray) -> str:
    """A short text of an array for a counterexample: its first four entries."""
    flat = a.ravel()
    head = ", ".join(f"{v:.6g}" for v in flat[:4])
    return f"[{head}{', ...' if flat.size > 4 else ''}]"
