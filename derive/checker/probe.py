"""Evaluating both sides of a step at concrete points: sizes, data, matrices and functions made concrete.

A step of a derivation holds for every sample size, every data set, every matrix of the declared
shape and every function the user left unknown. A probe picks one of each: a size n from 1 to 6
for every symbol that bounds a sum or sizes a matrix, random data for every indexed family, random
matrices that respect the declarations (symmetric, positive definite, identity), the same smooth
stand-in for an unknown function on both sides, and random values on the declared domains. Then
sums expand exactly, derivatives are taken exactly (a derivative with respect to a matrix entry by
entry), and both sides are evaluated at 30 digits; a disagreement is confirmed at 60 before it
refutes.
"""
from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from derive.certify.probe import EVAL_ERRORS, concrete_function, derivative_as_subs
from derive.core.memo import memo
from derive.checker.moments import Law, draw_law, expectations, moment_names
from derive.parse.domain import VarDomain
from derive.parse.expectation import Expectation, RandomSpec, has_moments, random_keys
from derive.parse.vocabulary import as_sympy

SIZES = (1, 2, 3, 4, 5, 6)
"""The sample sizes and matrix dimensions a probe draws from."""

MATRIX_DERIVATIVE_SIZE = 3
"""Largest dimension drawn when a side differentiates with respect to a matrix: the derivative is taken
entry by entry on symbolic entries, and a determinant of a 6 x 6 symbolic matrix has 720 terms."""

DIGITS = 30
CONFIRM_DIGITS = 60


@dataclass(frozen=True, slots=True)
class Declared:
    """What the declarations say about names: scalar domains and matrix properties.

    ``domains`` maps a scalar name (or an indexed family's name, for ``x_i > 0``) to its interval;
    ``properties`` maps a matrix name to words such as ``symmetric``, ``positive_definite``,
    ``positive_semidefinite``, ``identity``.
    """

    domains: Mapping[str, VarDomain] = field(default_factory=dict)
    properties: Mapping[str, frozenset[str]] = field(default_factory=dict)
    random: RandomSpec | None = None
    """The declared random variables (``derive.parse.expectation``): probed by ``derive.checker.moments``."""


@dataclass(frozen=True, slots=True)
class Point:
    """One concrete instance: sizes, scalar values, data, matrices, and which stand-in functions."""

    sizes: Mapping[sp.Symbol, int]
    values: Mapping[sp.Symbol, sp.Expr]
    data: Mapping[sp.IndexedBase, tuple[sp.Expr, ...]]
    matrices: Mapping[str, sp.ImmutableMatrix]
    variant: int = 0
    functions: tuple[str, ...] = ()
    law: Law | None = None
    """The finite law of the random variables at this probe (None without any)."""
    random: RandomSpec | None = None

    def text(self) -> tuple[tuple[str, str], ...]:
        """The point as (name, value) pairs for a counterexample."""
        out: list[tuple[str, str]] = [(s.name, str(v)) for s, v in sorted(self.sizes.items(), key=_by_name)]
        random = self.random.variables if self.random is not None and self.law is not None else {}
        out += [(s.name, _short(v)) for s, v in sorted(self.values.items(), key=_by_name) if s.name not in random]
        shown = max(self.sizes.values(), default=3)
        out += [(str(b), "(" + ", ".join(_short(v) for v in vs[:shown]) + ")")
                for b, vs in sorted(self.data.items(), key=lambda kv: str(kv[0])) if str(b.label) not in random]
        if self.law is not None:
            out += list(self.law.describe())
        out += [(name, _matrix_text(v)) for name, v in sorted(self.matrices.items()) if name not in random]
        for index, name in enumerate(self.functions):
            stand_in = concrete_function(index + self.variant, 1)
            out.append((f"{name}(t)", sp.sstr(stand_in(sp.Symbol("t")))))
        return tuple(out)


def _by_name(item: tuple[sp.Symbol, object]) -> str:
    return item[0].name


def _short(v: sp.Expr) -> str:
    return f"{float(v):.4g}" if v.is_number and v.is_real else str(v)


def _matrix_text(m: sp.ImmutableMatrix) -> str:
    return "[" + "; ".join(", ".join(_short(v) for v in m.row(r)) for r in range(m.rows)) + "]"


def separate_free_indices(exprs: Sequence[sp.Basic]) -> list[sp.Basic]:
    """``exprs`` with every use of a sum's index outside that sum renamed (``i`` to ``i′``).

    ``w_i \\sum_i (y_i - θ)`` uses ``i`` twice: once bound, once free. SymPy sees one symbol and may
    move the free ``w_i`` into the sum; renamed, the free index is a value of its own (a position
    drawn by the probes), so the claim is checked as written.
    """
    bound_anywhere = _bound_indices(exprs)
    if not bound_anywhere:
        return list(exprs)
    primed = {i: sp.Symbol(f"{i.name}′", integer=True, positive=True) for i in bound_anywhere}

    def walk(e: sp.Basic, bound: frozenset[sp.Symbol]) -> sp.Basic:
        if isinstance(e, sp.Symbol):
            return primed[e] if e in primed and e not in bound else e
        if not e.args:
            return e
        if isinstance(e, (sp.Sum, sp.Product)):
            inner = bound | {lim[0] for lim in e.limits}
            limits = [sp.Tuple(lim[0], *(walk(x, bound) for x in lim[1:])) for lim in e.limits]
            return type(e)(walk(e.function, inner), *limits)
        if isinstance(e, (sp.MatrixSymbol, sp.IndexedBase)):
            return e
        return e.func(*(walk(a, bound) for a in e.args))

    return [walk(e, frozenset()) for e in exprs]


def size_symbols(exprs: Iterable[sp.Basic]) -> set[sp.Symbol]:
    """The symbols a probe must make concrete integers: sum and product bounds, matrix dimensions."""
    out: set[sp.Symbol] = set()
    for e in exprs:
        for node in sp.preorder_traversal(e):
            if isinstance(node, (sp.Sum, sp.Product)):
                for _, lo, hi in node.limits:
                    out |= {s for s in (lo.free_symbols | hi.free_symbols) if isinstance(s, sp.Symbol)}
            elif isinstance(node, sp.MatrixSymbol):
                for dim in node.shape:
                    out |= {s for s in as_sympy(dim).free_symbols if isinstance(s, sp.Symbol)}
    return out


def _has_matrix_derivative(exprs: Iterable[sp.Basic]) -> bool:
    return any(isinstance(node, sp.Derivative) and any(isinstance(v, sp.MatrixSymbol) for v, _ in node.variable_count)
               for e in exprs for node in sp.preorder_traversal(e))


def _bound_indices(exprs: Iterable[sp.Basic]) -> set[sp.Symbol]:
    out: set[sp.Symbol] = set()
    for e in exprs:
        for node in sp.preorder_traversal(e):
            if isinstance(node, (sp.Sum, sp.Product)):
                out |= {lim[0] for lim in node.limits}
    return out


def _families(exprs: Iterable[sp.Basic]) -> set[sp.IndexedBase]:
    return {node.base for e in exprs for node in sp.preorder_traversal(e) if isinstance(node, sp.Indexed)}


def _matrix_symbols(exprs: Iterable[sp.Basic]) -> set[sp.MatrixSymbol]:
    return {node for e in exprs for node in sp.preorder_traversal(e) if isinstance(node, sp.MatrixSymbol)}


def unknown_functions(exprs: Iterable[sp.Basic]) -> list[type]:
    """The user's unknown functions (f, g, ...) in ``exprs``, sorted by name."""
    return sorted({type(a) for e in exprs for a in e.atoms(AppliedUndef)}, key=lambda f: f.__name__)


def free_scalars(exprs: Sequence[sp.Basic]) -> list[sp.Symbol]:
    """The scalar symbols a probe gives values (not sizes, not bound indices, not matrix names)."""
    sizes = size_symbols(exprs)
    bound = _bound_indices(exprs)
    found: set[sp.Symbol] = set()
    for e in exprs:
        found |= {s for s in e.free_symbols if isinstance(s, sp.Symbol) and not isinstance(s, sp.Dummy)}
    labels = {base.label for base in _families(exprs)}
    return sorted((s for s in found - sizes - bound - labels), key=lambda s: s.name)


def draw_scalar(s: sp.Symbol, declared: Declared, rng: random.Random) -> sp.Expr:
    dom = declared.domains.get(s.name)
    if dom is not None:
        lo = dom.lower if dom.lower is not None else (dom.upper - 4 if dom.upper is not None else -3.0)
        hi = dom.upper if dom.upper is not None else lo + 4
        if dom.integer:
            return sp.Integer(rng.randint(int(lo) + 1, max(int(lo) + 1, int(hi) - 1)))
        span = hi - lo
        return sp.Float(rng.uniform(lo + 0.02 * span, hi - 0.02 * span), DIGITS)
    if s.is_integer:
        return sp.Integer(rng.randint(1, 6) if s.is_positive else rng.randint(-3, 6))
    if s.is_positive:
        return sp.Float(rng.uniform(0.2, 3.0), DIGITS)
    if s.is_nonnegative:
        return sp.Float(rng.uniform(0.0, 3.0), DIGITS)
    if s.is_negative:
        return sp.Float(-rng.uniform(0.2, 3.0), DIGITS)
    v = rng.uniform(-2.5, 2.5)
    return sp.Float(v if abs(v) > 0.05 else 0.41, DIGITS)


def _draw_matrix(m: sp.MatrixSymbol, rows: int, cols: int, declared: Declared, rng: random.Random,
                 ) -> sp.ImmutableMatrix:
    props = declared.properties.get(m.name, frozenset())
    if "identity" in props:
        return sp.ImmutableMatrix(sp.eye(rows))
    b = sp.Matrix(rows, cols, lambda i, j: sp.Rational(rng.randint(-40, 40), 16))
    if rows == cols and {"positive_definite", "positive_semidefinite"} & props:
        return sp.ImmutableMatrix(b * b.T + (sp.eye(rows) / 2 if "positive_definite" in props else sp.zeros(rows)))
    if rows == cols and "symmetric" in props:
        return sp.ImmutableMatrix((b + b.T) / 2)
    return sp.ImmutableMatrix(b)  # generic: no definiteness assumed (a singular draw is skipped where inverted)


def _family_domains(name: str, declared: Declared) -> Mapping[str, VarDomain]:
    """The domain of a family's values: declared for ``x`` itself or for an entry such as ``x_i``."""
    if name in declared.domains:
        return declared.domains
    for key, dom in sorted(declared.domains.items()):
        head, _, index = key.partition("_")
        if head == name and index.isalpha() and len(index) == 1:
            return {**declared.domains, name: dom}
    return declared.domains


def draw_point(exprs: Sequence[sp.Basic], declared: Declared, rng: random.Random, index: int) -> Point:
    """The ``index``-th probe point for ``exprs``: sizes cycle through 1..6 (shifted per size symbol)."""
    sizes: dict[sp.Symbol, int] = {}
    top_size = MATRIX_DERIVATIVE_SIZE if _has_matrix_derivative(exprs) else max(SIZES)
    for k, s in enumerate(sorted(size_symbols(exprs), key=lambda s: s.name)):
        dom = declared.domains.get(s.name)
        low = int(dom.lower) + (1 if dom.lower_strict else 0) if dom is not None and dom.lower is not None else 1
        sizes[s] = max(low, min(top_size, SIZES[(index + 2 * k) % len(SIZES)]))
    skipped = moment_names(declared.random)
    values = {s: draw_scalar(s, declared, rng) for s in free_scalars(exprs) if s.name not in skipped}
    for s, v in list(values.items()):  # a free index outside any sum: a concrete position
        if s.is_integer and sizes:
            values[s] = sp.Integer(rng.randint(1, min(sizes.values())))
    top = max(sizes.values(), default=6) + 3
    data: dict[sp.IndexedBase, tuple[sp.Expr, ...]] = {}
    for base in sorted(_families(exprs), key=str):
        stand_in = sp.Symbol(str(base.label), **{k: v for k, v in base.assumptions0.items() if v})
        family = Declared(_family_domains(str(base.label), declared), declared.properties)
        data[base] = tuple(draw_scalar(stand_in, family, rng) for _ in range(top))
    matrices: dict[str, sp.ImmutableMatrix] = {}
    for m in sorted(_matrix_symbols(exprs), key=lambda m: m.name):
        rows, cols = (int(as_sympy(d).xreplace(sizes)) for d in m.shape)
        matrices[m.name] = _draw_matrix(m, rows, cols, declared, rng)
    names = tuple(f.__name__ for f in unknown_functions(exprs))
    law = _law(exprs, sizes, declared, values, data, rng, top)
    if law is not None:
        matrices.update(law.matrix_moments)
    return Point(sizes, values, data, matrices, variant=index % 2, functions=names, law=law,
                 random=declared.random)


def _law(exprs: Sequence[sp.Basic], sizes: Mapping[sp.Symbol, int], declared: Declared,
         values: dict[sp.Symbol, sp.Expr], data: dict[sp.IndexedBase, tuple[sp.Expr, ...]], rng: random.Random,
         top: int) -> Law | None:
    """The law of the step's random variables at this probe; their values outside expectations (one
    outcome) and the declared moments' values go into ``values`` and ``data``."""
    spec = declared.random
    if spec is None:
        return None
    moments = spec.moment_symbols()
    if not any(has_moments(e) or random_keys(e, spec) or any(s.name in moments for s in e.free_symbols)
               for e in exprs):
        return None
    for v in spec.variables.values():  # a named law's parameters have values even where the step omits them
        for param in v.params if v.law is not None else ():
            for sym in sorted((q for q in param.free_symbols if isinstance(q, sp.Symbol)), key=lambda q: q.name):
                if sym not in values:
                    values[sym] = draw_scalar(sym, declared, rng)
    try:
        law = draw_law(exprs, sizes, spec, values, rng, top, declared.domains)
    except EVAL_ERRORS:
        return None
    values.update(law.moments)
    for key, v in law.outcome.items():
        if isinstance(key, sp.Symbol):
            values[key] = v
    for name in spec.vectors:  # a random vector's entries, outside expectations
        entries = sorted((k for k in law.outcome if isinstance(k, sp.Indexed) and str(k.base.label) == name),
                         key=lambda k: int(k.indices[0]))
        if entries:
            data[sp.IndexedBase(name)] = tuple(law.outcome[k] for k in entries)
    for base in list(data):
        if str(base.label) in spec.families:
            data[base] = tuple(law.outcome.get(sp.Indexed(sp.IndexedBase(str(base.label)), i), sp.Integer(0))
                               for i in range(1, top + 1))
    return law


def instantiate(expr: sp.Basic, point: Point, digits: int = DIGITS) -> sp.Basic:
    """``expr`` at ``point``: a number (scalar side) or an explicit Matrix of numbers.

    Raises one of EVAL_ERRORS where the expression is undefined there.
    """
    e = _concrete(expr, point)
    if e.has(Expectation):
        if point.law is None or point.random is None:
            raise ValueError("no law drawn for the expectations at this point")
        e = expectations(e, point.law, point.random, point.values, point.data)
    e = e.xreplace(dict(point.values))
    e = _data(e, point)
    if isinstance(e, sp.MatrixBase):
        return sp.ImmutableMatrix(e.applyfunc(lambda v: as_sympy(v).evalf(digits)))
    if isinstance(e, sp.MatrixExpr):
        explicit = e.as_explicit()
        return sp.ImmutableMatrix(explicit.applyfunc(lambda v: as_sympy(v).evalf(digits)))
    return e.evalf(digits)


_CONCRETE: dict[Any, sp.Basic] = memo()
"""``_concrete`` of a side by the point's sizes, matrices and stand-in functions: a probe's sides are made
concrete once, not again at every scalar point (the pending derivatives evaluated once, above all)."""


def _concrete(expr: sp.Basic, point: Point) -> sp.Basic:
    """``expr`` with the point's sizes, matrices and stand-in functions in and its pending derivatives
    evaluated: everything of ``instantiate`` but the scalar values, the expectations and the data."""
    key = None
    if point.law is None:  # with a law the random vectors are written out per point: not kept
        key = (expr, tuple(sorted(point.sizes.items(), key=_by_name)), tuple(sorted(point.matrices.items())),
               point.variant, point.functions)
        done = _CONCRETE.get(key)
        if done is not None:
            return done
    e = as_sympy(expr.xreplace(dict(point.sizes)))  # a side that is a size alone becomes an int
    if point.law is not None and point.random is not None and point.random.vectors:
        e = _vector_entries(e, point.random.vectors)
    e = _explicit_matrix_derivatives(e, point)
    e = _concrete_matrices(e, point.matrices)
    e = _concrete_functions(e, point)
    e = e.doit()
    if key is not None:
        _CONCRETE[key] = e
    return e


def _vector_entries(e: sp.Basic, vectors: frozenset[str]) -> sp.Basic:
    """Each random vector written as the column of its entries ``x[1], ..., x[p]`` (the law's variables)."""
    def column(m: sp.MatrixSymbol) -> sp.ImmutableMatrix:
        rows = int(m.shape[0])
        return sp.ImmutableMatrix(rows, 1, [sp.Indexed(sp.IndexedBase(m.name), k + 1) for k in range(rows)])

    return e.replace(lambda a: isinstance(a, sp.MatrixSymbol) and a.name in vectors, column)


def _concrete_matrices(e: sp.Basic, matrices: Mapping[str, sp.ImmutableMatrix]) -> sp.Basic:
    e = e.replace(lambda a: isinstance(a, sp.MatrixSymbol) and a.name in matrices,
                  lambda a: matrices[a.name])
    # the vector of ones (\mathbf{1}), the identity and zero matrices at their concrete sizes: explicit, so
    # derivatives through them evaluate and a sum such as I + A is added entry by entry (left symbolic,
    # ``as_explicit`` wrote each entry of (I + A) B as a Sum over the inner index and evaluated it by summation)
    return e.replace(lambda a: isinstance(a, (sp.OneMatrix, sp.Identity, sp.ZeroMatrix))
                     and all(d.is_Integer for d in a.shape), _explicit_constant)


def _explicit_constant(a: sp.Basic) -> sp.ImmutableMatrix:
    """The explicit matrix of a OneMatrix, Identity or ZeroMatrix of integer shape."""
    rows, cols = (int(d) for d in a.shape)
    if isinstance(a, sp.Identity):
        return sp.ImmutableMatrix.eye(rows)
    if isinstance(a, sp.ZeroMatrix):
        return sp.ImmutableMatrix.zeros(rows, cols)
    return sp.ImmutableMatrix.ones(rows, cols)


def _concrete_functions(e: sp.Basic, point: Point) -> sp.Basic:
    funcs = unknown_functions([e])
    if not funcs:
        return e
    e = e.replace(lambda a: isinstance(a, sp.Derivative), derivative_as_subs)
    names = list(point.functions)
    for f in funcs:
        index = names.index(f.__name__) if f.__name__ in names else len(names)
        arity = next(len(getattr(a, "args", ())) for a in e.atoms(AppliedUndef) if type(a) == f)
        e = e.replace(f, concrete_function(index + point.variant, arity))
    return e


def _explicit_matrix_derivatives(e: sp.Basic, point: Point) -> sp.Basic:
    """Every derivative with respect to a matrix or vector, taken entry by entry on explicit matrices.

    The result has the shape of the variable (the layout of ``\\nabla_W f``): entry (i, j) is
    d f / d W_ij, with every other matrix already concrete.
    """
    def explicit(d: sp.Derivative) -> sp.Basic:
        variables = [v for v, _ in d.variable_count]
        if len(variables) != 1 or not isinstance(variables[0], sp.MatrixSymbol):
            return d
        var = variables[0]
        rows, cols = (int(x) for x in var.shape)
        entries = sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"_{var.name}_{i}_{j}", real=True))
        others = {name: v for name, v in point.matrices.items() if name != var.name}
        body = _concrete_matrices(d.expr, others).xreplace({var: sp.ImmutableMatrix(entries)})
        body = _concrete_functions(body, point).doit()
        if isinstance(body, sp.MatrixExpr):
            body = body.as_explicit()
        if isinstance(body, sp.MatrixBase):
            if body.shape != (1, 1):
                raise ValueError("the gradient of a matrix-valued expression is not defined here")
            body = body[0, 0]
        at = {entries[i, j]: point.matrices.get(var.name, sp.zeros(rows, cols))[i, j]
              for i in range(rows) for j in range(cols)}
        return sp.ImmutableMatrix(rows, cols, lambda i, j: sp.diff(body, entries[i, j]).xreplace(at))

    return e.replace(lambda a: isinstance(a, sp.Derivative), explicit)


def _data(e: sp.Basic, point: Point) -> sp.Basic:
    def value(node: sp.Indexed) -> sp.Expr:
        values = point.data.get(node.base)
        if values is None or len(node.indices) != 1 or not node.indices[0].is_Integer:
            raise ValueError(f"the index of {node} is not a concrete position")
        k = int(node.indices[0])
        if not 1 <= k <= len(values):
            raise ValueError(f"{node} is outside the data drawn")
        return values[k - 1]

    return e.replace(lambda a: isinstance(a, sp.Indexed), value)


def value_of(expr: sp.Basic, point: Point, digits: int = DIGITS) -> list[complex] | None:
    """The side's value(s) at ``point`` as complex numbers (entries of a matrix in order), or None
    where it is undefined or not finite."""
    try:
        v = instantiate(expr, point, digits)
        items = list(v) if isinstance(v, sp.MatrixBase) else [v]
        out = [complex(x) for x in items]
    except EVAL_ERRORS:
        return None
    if any(c != c or abs(c) == float("inf") for c in out):
        return None
    return out


def shape_of(expr: sp.Basic) -> tuple[int, int] | None:
    """The shape of a matrix side (None for a scalar)."""
    shape = getattr(expr, "shape", None)
    if shape is None:
        if isinstance(expr, sp.Derivative) and any(isinstance(v, sp.MatrixSymbol) for v, _ in expr.variable_count):
            rows, cols = expr.variable_count[0][0].shape
            return rows, cols
        if isinstance(expr, (sp.Mul, sp.Add)):
            # \frac{1}{2} \nabla_\theta(...): a scalar times a gradient has the gradient's shape
            for arg in expr.args:
                if not isinstance(arg, (sp.Derivative, sp.Mul, sp.Add, sp.MatrixExpr)):
                    continue  # a scalar (an Indexed has no shape to ask for)
                inner = shape_of(arg)
                if inner is not None:
                    return inner
        return None
    rows, cols = shape
    return rows, cols
