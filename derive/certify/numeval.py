"""Numeric evaluation of SymPy expressions by an allow-listing tree walk, vectorized over NumPy arrays.

Why not ``lambdify``: it generates Python source from the expression and ``exec``s it, and nothing
derived from user text is ever run as code here. ``numeric_function`` walks the tree once and
composes closures over NumPy / ``scipy.special``; a node type not on the allow-list raises
``UnsupportedError`` naming it. Dispatch is by class identity along the MRO, so a user's undefined
function that happens to be called ``sin`` or ``Add`` is not mistaken for the real one.

Conventions (documented because they surprise):

* Everything is real float64. Where SymPy's value would be complex or undefined (``log(-1)``,
  ``sqrt(-2)``, ``(-8)**(1/3)``, ``loggamma(-0.5)``, a ``Piecewise`` with no true branch) the result
  is ``nan``; poles give ``inf`` (``log(0) = -inf``, ``1/0 = inf``). Warnings are silenced.
* Data: ``Sum(f(x[i]), (i, a, b))`` runs over ``x[a..b]`` (1-based) of the array given for the
  ``IndexedBase`` ``x``, vectorized, with one new array axis per nested sum (``Product`` likewise).
  A two-dimensional array ``(n, reps)`` is a batch of ``reps`` samples of size ``n`` (one per
  column): the result gets a trailing axis of length ``reps``, as if an argument were a vector of
  that length, so one call evaluates a statistic on every replicate of a simulation.
  Data are looked up by the base's *name* (``IndexedBase("x", positive=True)`` and
  ``IndexedBase("x")`` differ to SymPy but are the same column). A symbol that is the upper limit of
  a sum over data (the sample size ``n``) and is given no value takes the data's length, wherever
  it appears in the expression.
* ``sample_max(x)``, ``sample_min(x)``, ``sample_median(x)`` (``derive.core.functions``) accept
  the ``IndexedBase`` or a ``Symbol`` of the same name, and read the data by that name.
* Symbols are matched exactly, then by name if exactly one given symbol has that name (a ``mu``
  declared real and a plain ``mu`` are the same variable to a user).
"""
from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.special as sc  # type: ignore[import-untyped]  # scipy ships no stubs
import sympy as sp

from derive.core.errors import UnsupportedError, UsageError
from derive.core.functions import SampleStatistic

Array = np.ndarray
DataMap = Mapping[sp.IndexedBase, "np.ndarray | Sequence[float]"]


@dataclass(frozen=True, slots=True)
class _Env:
    """Run-time state: the argument arrays, the arrays bound to sum indices, the current ndim."""

    args: tuple[Array, ...]
    bound: Mapping[sp.Symbol, Array]
    ndim: int


_Node = Callable[[_Env], Array]


@dataclass(frozen=True, slots=True)
class _Const:
    """A node whose value does not depend on the arguments or the data (folded once, at build time)."""

    value: Array

    def __call__(self, env: _Env) -> Array:
        return self.value


def _fold(op: Callable[..., Array], parts: Sequence[_Node]) -> _Node:
    """``op(*values of parts)``: computed once when every part is constant, else a closure."""
    constants = [p.value for p in parts if isinstance(p, _Const)]
    if len(constants) == len(parts):
        with np.errstate(all="ignore"):
            return _Const(np.asarray(op(*constants)))
    if len(parts) == 1:
        a, = parts
        return lambda env: op(a(env))
    if len(parts) == 2:
        a, b = parts
        return lambda env: op(a(env), b(env))
    return lambda env: op(*(p(env) for p in parts))


def _chain(op: Callable[[Array, Array], Array], parts: Sequence[_Node]) -> _Node:
    """``op(op(p0, p1), p2)...``: left to right, like ``functools.reduce``, as nested binary nodes."""
    node = parts[0]
    for p in parts[1:]:
        node = _fold(op, [node, p])
    return node


def numeric_function(expr: sp.Expr, symbols: Sequence[sp.Symbol], *,
                     data: DataMap | None = None) -> Callable[..., Array]:
    """A NumPy function of ``symbols`` (positional, broadcasting) computing ``expr``.

    The tree is walked once, here; the returned callable only composes NumPy calls. ``data`` gives
    the arrays that sums, products and sample statistics over an ``IndexedBase`` read. The result is
    always a float array with the broadcast shape of the arguments.
    """
    if isinstance(expr, (int, float)) and not isinstance(expr, bool):
        expr = sp.Float(expr) if isinstance(expr, float) else sp.Integer(expr)
    if not isinstance(expr, sp.Basic):  # never sympify: a str would be evaluated
        raise UnsupportedError(f"numeric_function expects a SymPy expression, got {type(expr).__name__}")
    arrays_by_name = _data_by_name(data)
    builder = _Builder(tuple(symbols), arrays_by_name, _sample_sizes(expr, arrays_by_name))
    node = builder.build(expr, ())
    nargs = len(symbols)
    batch = _batch_shape(arrays_by_name)

    def run(*args: float | Array) -> Array:
        if len(args) != nargs:
            raise UsageError(f"expected {nargs} argument(s) ({', '.join(map(str, symbols))}), got {len(args)}")
        arrays = tuple([np.asarray(a, dtype=float) for a in args])
        shapes = {a.shape for a in arrays if a.shape}
        if batch:
            shapes.add(batch)
        shape = (shapes.pop() if len(shapes) == 1 else np.broadcast_shapes(*shapes)) if shapes else ()
        with np.errstate(all="ignore"):
            out = np.asarray(node(_Env(arrays, {}, len(shape))), dtype=float)
        if out.shape == shape:
            return np.array(out, dtype=float)  # a copy: a constant node's array is never handed out
        return np.array(np.broadcast_to(out, shape), dtype=float)

    return run


def numeric_value(expr: sp.Expr, values: Mapping[sp.Symbol, float], *, data: DataMap | None = None) -> float:
    """The value of ``expr`` at ``values`` (and ``data``) as a float; ``nan`` where undefined."""
    syms = list(values)
    fn = numeric_function(expr, syms, data=data)
    return float(fn(*(float(values[s]) for s in syms)))


def sample_size_symbols(expr: sp.Basic) -> set[sp.Symbol]:
    """Symbols used as the upper limit of a ``Sum``/``Product`` (the sample size ``n``)."""
    return {lim[2] for e in sp.preorder_traversal(expr) if isinstance(e, (sp.Sum, sp.Product))
            for lim in e.limits if isinstance(lim[2], sp.Symbol)}


def _data_by_name(data: DataMap | None) -> dict[str, Array]:
    out: dict[str, Array] = {}
    for base, arr in (data or {}).items():
        name = str(base.label) if isinstance(base, sp.IndexedBase) else str(base)
        a = np.asarray(arr, dtype=float)
        if a.ndim not in (1, 2):
            raise UsageError(f"the data for {name} must be one sample (1-D) or a batch of samples (2-D: size x "
                             f"replicates), got shape {a.shape}")
        if name in out:
            raise UsageError(f"two data arrays are named {name}")
        out[name] = a
    return out


def _batch_shape(data: Mapping[str, Array]) -> tuple[int, ...]:
    """``(reps,)`` when the data are batches of ``reps`` samples (all alike), ``()`` for single samples."""
    reps = {a.shape[1] for a in data.values() if a.ndim == 2}
    if not reps:
        return ()
    if len(reps) > 1 or any(a.ndim == 1 for a in data.values()):
        raise UsageError("batched data arrays must all have the same number of replicates (columns)")
    return (reps.pop(),)


def _sample_sizes(expr: sp.Basic, data: Mapping[str, Array]) -> dict[sp.Symbol, float]:
    """Default values for sample-size symbols: the length of the data their sums run over."""
    lengths: dict[sp.Symbol, set[int]] = {}
    for e in sp.preorder_traversal(expr):
        if isinstance(e, (sp.Sum, sp.Product)):
            names = {str(a.base.label) for a in e.function.atoms(sp.Indexed)} or set(data)
            for lim in e.limits:
                if isinstance(lim[2], sp.Symbol):
                    lengths.setdefault(lim[2], set()).update(len(data[n]) for n in names if n in data)
    return {s: float(next(iter(ls))) for s, ls in lengths.items() if len(ls) == 1}


@dataclass(frozen=True, slots=True)
class _Builder:
    """Turns one expression tree into nested closures; ``scope`` is the tuple of bound sum indices."""

    symbols: tuple[sp.Symbol, ...]
    data: Mapping[str, Array]
    defaults: Mapping[sp.Symbol, float] = field(default_factory=dict)

    def build(self, e: sp.Basic, scope: tuple[sp.Symbol, ...]) -> _Node:
        for cls in type(e).__mro__:
            fn = _ELEMENTWISE.get(cls)
            if fn is not None:
                return self._elementwise(fn, e.args, scope)
            method = _STRUCTURAL.get(cls)
            if method is not None:
                return method(self, e, scope)
        raise UnsupportedError(f"cannot evaluate {type(e).__name__} numerically (in {e})",
                               hint="derive evaluates elementary and special functions, sums over data, "
                                    "Piecewise and relations; rewrite the expression with those")

    def _elementwise(self, fn: Callable[..., Array], args: tuple[sp.Basic, ...],
                     scope: tuple[sp.Symbol, ...]) -> _Node:
        return _fold(fn, [self.build(a, scope) for a in args])

    # --- atoms ---------------------------------------------------------------------------
    def _symbol(self, e: sp.Basic, scope: tuple[sp.Symbol, ...]) -> _Node:
        assert isinstance(e, sp.Symbol)
        if e in scope:
            return lambda env: env.bound[e]
        pos = self._position(e)
        if pos is not None:
            return lambda env: env.args[pos]
        if e in self.defaults:
            value = np.asarray(self.defaults[e])
            return lambda env: value
        raise UsageError(f"no value given for {e}", hint=f"pass a value for {e}")

    def _position(self, s: sp.Symbol) -> int | None:
        for k, t in enumerate(self.symbols):
            if t == s:
                return k
        named = [k for k, t in enumerate(self.symbols) if t.name == s.name]
        return named[0] if len(named) == 1 else None

    def _number(self, e: sp.Basic, scope: tuple[sp.Symbol, ...]) -> _Node:
        try:
            value = np.asarray(float(e))
        except OverflowError:
            value = np.asarray(math.copysign(math.inf, 1 if e.is_positive else -1))
        return _Const(value)

    # --- arithmetic ----------------------------------------------------------------------
    def _add(self, e: sp.Basic, scope: tuple[sp.Symbol, ...]) -> _Node:
        return _chain(np.add, [self.build(a, scope) for a in e.args])

    def _mul(self, e: sp.Basic, scope: tuple[sp.Symbol, ...]) -> _Node:
        return _chain(np.multiply, [self.build(a, scope) for a in e.args])

    def _pow(self, e: sp.Basic, scope: tuple[sp.Symbol, ...]) -> _Node:
        base, expo = (self.build(a, scope) for a in e.args)
        if e.args[1] == sp.S.Half:
            return _fold(np.sqrt, [base])
        if e.args[1] == sp.S.NegativeOne:
            return _fold(lambda b: np.divide(1.0, b), [base])
        return _fold(np.power, [base, expo])

    def _log(self, e: sp.Basic, scope: tuple[sp.Symbol, ...]) -> _Node:
        parts = [self.build(a, scope) for a in e.args]
        if len(parts) == 1:
            return _fold(np.log, parts)
        return _fold(lambda a, b: np.log(a) / np.log(b), parts)

    def _lattice(self, e: sp.Basic, scope: tuple[sp.Symbol, ...]) -> _Node:
        op = np.maximum if isinstance(e, sp.Max) else np.minimum
        return _chain(op, [self.build(a, scope) for a in e.args])

    def _heaviside(self, e: sp.Basic, scope: tuple[sp.Symbol, ...]) -> _Node:
        x = self.build(e.args[0], scope)
        h0 = self.build(e.args[1], scope) if len(e.args) > 1 else (lambda env: np.asarray(0.5))
        return lambda env: np.heaviside(x(env), h0(env))

    # --- logic ---------------------------------------------------------------------------
    def _piecewise(self, e: sp.Basic, scope: tuple[sp.Symbol, ...]) -> _Node:
        pairs = [(self.build(val, scope), self.build(cond, scope)) for val, cond in e.args]

        def run(env: _Env) -> Array:
            vals = [np.asarray(v(env), dtype=float) for v, _ in pairs]
            conds = [np.asarray(c(env), dtype=bool) for _, c in pairs]
            arrays = np.broadcast_arrays(*vals, *conds)
            k = len(vals)
            return np.select(list(arrays[k:]), list(arrays[:k]), default=np.nan)

        return run

    def _not(self, e: sp.Basic, scope: tuple[sp.Symbol, ...]) -> _Node:
        inner = self.build(e.args[0], scope)
        return lambda env: np.logical_not(np.asarray(inner(env), dtype=bool))

    # --- data ----------------------------------------------------------------------------
    def _reduction(self, e: sp.Basic, scope: tuple[sp.Symbol, ...]) -> _Node:
        assert isinstance(e, (sp.Sum, sp.Product))
        product = isinstance(e, sp.Product)
        # Sum(f, (i, ..), (j, ..)): the first limit is innermost; outer indices are bound inside.
        scopes = [scope]
        for index, _, _ in reversed(e.limits):
            if not isinstance(index, sp.Symbol):
                raise UnsupportedError(f"the index {index} of {e} is not a symbol")
            scopes.append((*scopes[-1], index))
        node = self.build(e.function, scopes[-1])
        for depth, (index, lo, hi) in enumerate(e.limits):
            outer = scopes[len(e.limits) - 1 - depth]
            node = _reduce_node(index, self.build(lo, outer), self.build(hi, outer), node, product, e)
        return node

    def _indexed(self, e: sp.Basic, scope: tuple[sp.Symbol, ...]) -> _Node:
        assert isinstance(e, sp.Indexed)
        name = str(e.base.label)
        if name not in self.data:
            raise UsageError(f"no data given for {name} (in {e})", hint=f"pass the sample of {name} as data")
        if len(e.indices) != 1:
            raise UnsupportedError(f"{e} has {len(e.indices)} indices; only one-dimensional data are evaluated")
        arr = self.data[name]
        idx = self.build(e.indices[0], scope)

        columns = np.arange(arr.shape[1]) if arr.ndim == 2 else None

        def run(env: _Env) -> Array:
            raw = np.asarray(idx(env))
            k = np.rint(raw).astype(np.int64)
            if np.any(np.abs(raw - k) > 1e-9) or np.any(k < 1) or np.any(k > len(arr)):
                raise UsageError(f"{e}: index outside 1..{len(arr)} (the data of {name})")
            if columns is not None:  # a batch: the replicate axis is the trailing argument axis
                return arr[k - 1, columns]
            return arr[k - 1]

        return run

    def _statistic(self, e: sp.Basic, scope: tuple[sp.Symbol, ...]) -> _Node:
        assert isinstance(e, SampleStatistic)
        name = e.sample_name
        if name not in self.data:
            raise UsageError(f"no data given for {name} (in {e})", hint=f"pass the sample of {name} as data")
        arr = self.data[name]
        if arr.size == 0:
            raise UsageError(f"{e} of an empty sample")
        reduce = getattr(np, type(e).numpy_reduction)
        value = np.asarray(reduce(arr, axis=0), dtype=float)  # one value per replicate of a batch
        return lambda env: value


def _reduce_node(index: sp.Symbol, lo: _Node, hi: _Node, body: _Node, product: bool, what: sp.Basic) -> _Node:
    """Sum (or multiply) ``body`` over ``index = lo..hi`` along a new leading axis (``what`` names it in errors)."""

    def run(env: _Env) -> Array:
        a, b = _limit(lo(env), what), _limit(hi(env), what)
        count = b - a + 1
        if count < 0:
            raise UsageError(f"{what}: the upper limit is below the lower limit minus one")
        if count == 0:
            return np.asarray(1.0 if product else 0.0)
        ks = np.arange(a, b + 1, dtype=float).reshape((count,) + (1,) * env.ndim)
        inner = _Env(env.args, {**env.bound, index: ks}, env.ndim + 1)
        val = np.asarray(body(inner), dtype=float)
        val = val.reshape((1,) * (env.ndim + 1 - val.ndim) + val.shape)
        if val.shape[0] == 1 and count != 1:
            return np.power(val[0], count) if product else val[0] * count
        return np.prod(val, axis=0) if product else np.sum(val, axis=0)

    return run


def _limit(v: Array, what: sp.Basic) -> int:
    arr = np.asarray(v)
    if arr.size != 1 or np.ptp(arr) != 0:
        raise UnsupportedError(f"{what}: summation limits that vary (with another index or a vectorized "
                               "argument) are not evaluated")
    arr = arr.reshape(())
    if not np.isfinite(arr) or abs(float(arr) - round(float(arr))) > 1e-9:
        raise UsageError(f"{what}: the summation limits must be finite integers, got {arr}")
    return int(round(float(arr)))


# --- the allow-list ------------------------------------------------------------------------
def _loggamma(x: Array) -> Array:
    x = np.asarray(x, dtype=float)
    return np.where((x < 0) & (x != np.floor(x)), np.nan, sc.gammaln(x))


def _polygamma(n: Array, x: Array) -> Array:
    n = np.asarray(n, dtype=float)
    ok = (n >= 0) & (n == np.floor(n))
    return np.where(ok, sc.polygamma(np.where(ok, n, 0).astype(np.int64), x), np.nan)


def _atan2(y: Array, x: Array) -> Array:
    return np.arctan2(y, x)


_ELEMENTWISE: dict[type, Callable[..., Array]] = {
    sp.exp: np.exp, sp.Abs: np.abs, sp.sign: np.sign,
    sp.sin: np.sin, sp.cos: np.cos, sp.tan: np.tan,
    sp.cot: lambda x: 1.0 / np.tan(x), sp.sec: lambda x: 1.0 / np.cos(x), sp.csc: lambda x: 1.0 / np.sin(x),
    sp.asin: np.arcsin, sp.acos: np.arccos, sp.atan: np.arctan, sp.acot: lambda x: np.arctan(1.0 / x),
    sp.atan2: _atan2,
    sp.sinh: np.sinh, sp.cosh: np.cosh, sp.tanh: np.tanh,
    sp.asinh: np.arcsinh, sp.acosh: np.arccosh, sp.atanh: np.arctanh,
    sp.gamma: sc.gamma, sp.loggamma: _loggamma, sp.digamma: sc.psi, sp.polygamma: _polygamma,
    sp.beta: sc.beta, sp.factorial: lambda x: sc.gamma(np.asarray(x, dtype=float) + 1.0),
    sp.binomial: sc.binom, sp.erf: sc.erf, sp.erfc: sc.erfc, sp.erfinv: sc.erfinv, sp.erfcinv: sc.erfcinv,
    sp.floor: np.floor, sp.ceiling: np.ceil, sp.Mod: np.mod,
}

_Method = Callable[[_Builder, sp.Basic, tuple[sp.Symbol, ...]], _Node]


def _const(value: float) -> _Method:
    node = _Const(np.asarray(value))
    return lambda builder, e, scope: node


def _rel(op: Callable[[Array, Array], Array]) -> _Method:
    def make(builder: _Builder, e: sp.Basic, scope: tuple[sp.Symbol, ...]) -> _Node:
        lhs, rhs = (builder.build(a, scope) for a in e.args)
        return lambda env: op(lhs(env), rhs(env))
    return make


def _logic(op: Callable[[Array, Array], Array]) -> _Method:
    def make(builder: _Builder, e: sp.Basic, scope: tuple[sp.Symbol, ...]) -> _Node:
        parts = [builder.build(a, scope) for a in e.args]
        return lambda env: functools.reduce(op, (np.asarray(p(env), dtype=bool) for p in parts))
    return make


_STRUCTURAL: dict[type, _Method] = {
    sp.Symbol: _Builder._symbol,
    sp.Float: _Builder._number, sp.Integer: _Builder._number, sp.Rational: _Builder._number,
    sp.NumberSymbol: _Builder._number,
    sp.core.numbers.Infinity: _const(math.inf),
    sp.core.numbers.NegativeInfinity: _const(-math.inf),
    sp.core.numbers.NaN: _const(math.nan),
    sp.core.numbers.ComplexInfinity: _const(math.nan),
    sp.logic.boolalg.BooleanTrue: _const(True),
    sp.logic.boolalg.BooleanFalse: _const(False),
    sp.Add: _Builder._add, sp.Mul: _Builder._mul, sp.Pow: _Builder._pow, sp.log: _Builder._log,
    sp.Max: _Builder._lattice, sp.Min: _Builder._lattice, sp.Heaviside: _Builder._heaviside,
    sp.Piecewise: _Builder._piecewise,
    sp.StrictLessThan: _rel(np.less),
    sp.LessThan: _rel(np.less_equal),
    sp.StrictGreaterThan: _rel(np.greater),
    sp.GreaterThan: _rel(np.greater_equal),
    sp.Equality: _rel(np.equal),
    sp.Unequality: _rel(np.not_equal),
    sp.And: _logic(np.logical_and),
    sp.Or: _logic(np.logical_or),
    sp.Xor: _logic(np.logical_xor),
    sp.Not: _Builder._not,
    sp.Sum: _Builder._reduction, sp.Product: _Builder._reduction,
    sp.Indexed: _Builder._indexed,
    SampleStatistic: _Builder._statistic,
}
