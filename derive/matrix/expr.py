"""The matrix-expression language: a tree of symbols with shapes, products, transposes, traces, differentials.

Our own small tree, not SymPy's MatrixExpr: SymPy reorders, drops and mis-shapes terms in
ways we cannot show step by step (scalars versus 1x1 products, elementwise functions). Shape
(1, 1) means scalar; scalar coefficients are SymPy expressions of scalar symbols. Build nodes
with the lower-case constructors, which check shapes and canonicalize lightly (flatten, merge
coefficients, push transposes inward, use declared symmetry); every rewrite they make is an
identity. The canonical plain text (``plain``: ``-2*X'*(y - X*b)``, readable and re-readable)
is part of the language: it orders commuting factors, names nodes in errors and is JSON's
``before``/``after``; richer printers (Unicode, LaTeX) subclass ``PlainPrinter`` in ``render``.
``to_sympy`` (in ``sympy_form``) gives the contract's SymPy form.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import sympy as sp

from derive.core.errors import ShapeError
from derive.parse.shapes import ShapeDecl

Shape = tuple[sp.Expr, sp.Expr]
ONE = sp.Integer(1)
SCALAR: Shape = (ONE, ONE)

SCALAR_FUNCTIONS: tuple[str, ...] = ("exp", "log", "sqrt", "sigmoid", "softplus", "tanh", "sin", "cos")
"""Functions that apply to a scalar, or entrywise to a vector or matrix."""


def dim(value: int | str | sp.Expr) -> sp.Expr:
    """A dimension as SymPy: an Integer, or a positive integer Symbol named as declared."""
    if isinstance(value, sp.Expr):
        return value
    if isinstance(value, int):
        return sp.Integer(value)
    return sp.Symbol(value, integer=True, positive=True)


def shape_text(shape: Shape) -> str:
    rows, cols = shape
    if shape == SCALAR:
        return "scalar"
    if cols == 1:
        return f"{rows}-vector"
    if rows == 1:
        return f"1 x {cols} row vector"
    return f"{rows} x {cols}"


class Node:
    """Base of matrix-expression nodes; subclasses are frozen dataclasses."""

    __slots__ = ()

    @property
    def shape(self) -> Shape:
        raise NotImplementedError

    @property
    def is_scalar(self) -> bool:
        return self.shape == SCALAR

    def children(self) -> tuple[Node, ...]:
        return ()

    def rebuild(self, kids: tuple[Node, ...]) -> Node:
        """The same node over new children, through the canonicalizing constructor."""
        return self

    def __neg__(self) -> Node:
        return mul(const(-1), self)

    def __add__(self, other: Node) -> Node:
        return add(self, other)

    def __sub__(self, other: Node) -> Node:
        return add(self, mul(const(-1), other))

    def __mul__(self, other: Node) -> Node:
        return mul(self, other)


# -- leaves ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MatSym(Node):
    """A declared matrix or vector; ``props`` as in ShapeDecl (symmetric, positive definite, ...)."""

    name: str
    rows: sp.Expr
    cols: sp.Expr
    props: frozenset[str] = frozenset()

    @property
    def shape(self) -> Shape:
        return (self.rows, self.cols)

    @property
    def symmetric(self) -> bool:
        return bool(self.props & {"symmetric", "diagonal", "positive definite", "positive semidefinite"})


@dataclass(frozen=True, slots=True)
class Const(Node):
    """A scalar that no matrix variable enters: a number or an expression in scalar symbols."""

    value: sp.Expr

    @property
    def shape(self) -> Shape:
        return SCALAR


@dataclass(frozen=True, slots=True)
class Filled(Node):
    """Base of matrices filled with one constant (ones, zeros), sized ``rows`` x ``cols``."""

    rows: sp.Expr
    cols: sp.Expr

    @property
    def shape(self) -> Shape:
        return (self.rows, self.cols)


@dataclass(frozen=True, slots=True)
class Ones(Filled):
    """The all-ones matrix (the ones vector when ``cols`` is 1)."""


@dataclass(frozen=True, slots=True)
class Identity(Node):
    """The identity matrix I_n."""

    n: sp.Expr

    @property
    def shape(self) -> Shape:
        return (self.n, self.n)


@dataclass(frozen=True, slots=True)
class Zero(Filled):
    """The zero matrix (or the scalar 0)."""


@dataclass(frozen=True, slots=True)
class Differential(Node):
    """dX: the differential of a variable, a matrix of X's shape and symmetry."""

    var: MatSym

    @property
    def shape(self) -> Shape:
        return self.var.shape


# -- composite nodes -----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Unary(Node):
    """Base of nodes over one operand ``arg``; subclasses give the shape and the constructor."""

    arg: Node

    def children(self) -> tuple[Node, ...]:
        return (self.arg,)


@dataclass(frozen=True, slots=True)
class ScalarOf(Unary):
    """Base of scalar-valued functions of one matrix operand (tr, det, log det, norms)."""

    @property
    def shape(self) -> Shape:
        return SCALAR


@dataclass(frozen=True, slots=True)
class ShapeOf(Unary):
    """Base of nodes shaped like their operand (inverse, softmax, a pending differential)."""

    @property
    def shape(self) -> Shape:
        return self.arg.shape


@dataclass(frozen=True, slots=True)
class Add(Node):
    """A sum of two or more terms of one shape."""

    terms: tuple[Node, ...]

    @property
    def shape(self) -> Shape:
        return self.terms[0].shape

    def children(self) -> tuple[Node, ...]:
        return self.terms

    def rebuild(self, kids: tuple[Node, ...]) -> Node:
        return add(*kids)


@dataclass(frozen=True, slots=True)
class Mul(Node):
    """``coeff`` times the scalar factors times the matrix chain, in that order.

    Scalar (1x1) factors commute and stand first; the rest is a conformable chain.
    """

    coeff: sp.Expr
    factors: tuple[Node, ...]

    @property
    def shape(self) -> Shape:
        chain = self.chain
        if not chain:
            return SCALAR
        return (chain[0].shape[0], chain[-1].shape[1])

    @property
    def scalars(self) -> tuple[Node, ...]:
        return tuple(f for f in self.factors if f.is_scalar)

    @property
    def chain(self) -> tuple[Node, ...]:
        return tuple(f for f in self.factors if not f.is_scalar)

    def children(self) -> tuple[Node, ...]:
        return self.factors

    def rebuild(self, kids: tuple[Node, ...]) -> Node:
        return mul(const(self.coeff), *kids)


@dataclass(frozen=True, slots=True)
class Transpose(Unary):
    """A^T of a symbol, a differential, an inverse or a sum (products are transposed factor by factor)."""

    @property
    def shape(self) -> Shape:
        r, c = self.arg.shape
        return (c, r)

    def rebuild(self, kids: tuple[Node, ...]) -> Node:
        return transpose(kids[0])


@dataclass(frozen=True, slots=True)
class Inverse(ShapeOf):
    """A^{-1} of a square matrix."""

    def rebuild(self, kids: tuple[Node, ...]) -> Node:
        return inverse(kids[0])


@dataclass(frozen=True, slots=True)
class Trace(ScalarOf):
    """tr(A) of a square matrix: a scalar."""

    def rebuild(self, kids: tuple[Node, ...]) -> Node:
        return trace(kids[0])


@dataclass(frozen=True, slots=True)
class Det(ScalarOf):
    """det(A) of a square matrix: a scalar."""

    def rebuild(self, kids: tuple[Node, ...]) -> Node:
        return det(kids[0])


@dataclass(frozen=True, slots=True)
class LogDet(ScalarOf):
    """log det(A): kept whole because d log det A = tr(A^{-1} dA) is its own textbook rule."""

    def rebuild(self, kids: tuple[Node, ...]) -> Node:
        return logdet(kids[0])


@dataclass(frozen=True, slots=True)
class Hadamard(Node):
    """The entrywise product u ⊙ v ⊙ ... of operands of one shape."""

    factors: tuple[Node, ...]

    @property
    def shape(self) -> Shape:
        return self.factors[0].shape

    def children(self) -> tuple[Node, ...]:
        return self.factors

    def rebuild(self, kids: tuple[Node, ...]) -> Node:
        return hadamard(*kids)


@dataclass(frozen=True, slots=True)
class Func(Node):
    """``name`` applied to a scalar, or entrywise to a vector or matrix (sigmoid(Xw))."""

    name: str
    arg: Node

    @property
    def shape(self) -> Shape:
        return self.arg.shape

    def children(self) -> tuple[Node, ...]:
        return (self.arg,)

    def rebuild(self, kids: tuple[Node, ...]) -> Node:
        return func(self.name, kids[0])


@dataclass(frozen=True, slots=True)
class Power(Node):
    """``base`` to a scalar power ``exp``: of a scalar, or entrywise (u^{∘k})."""

    base: Node
    exp: sp.Expr

    @property
    def shape(self) -> Shape:
        return self.base.shape

    def children(self) -> tuple[Node, ...]:
        return (self.base,)

    def rebuild(self, kids: tuple[Node, ...]) -> Node:
        return power(kids[0], self.exp)


@dataclass(frozen=True, slots=True)
class Diag(Unary):
    """diag(v): the square matrix with the vector v on its diagonal."""

    @property
    def shape(self) -> Shape:
        n = self.arg.shape[0]
        return (n, n)

    def rebuild(self, kids: tuple[Node, ...]) -> Node:
        return diag(kids[0])


@dataclass(frozen=True, slots=True)
class DiagPart(Unary):
    """diagvec(A): the diagonal of a square matrix as a column vector (the adjoint of diag)."""

    @property
    def shape(self) -> Shape:
        return (self.arg.shape[0], ONE)

    def rebuild(self, kids: tuple[Node, ...]) -> Node:
        return diagpart(kids[0])


@dataclass(frozen=True, slots=True)
class Kron(Node):
    """The Kronecker product A ⊗ B."""

    left: Node
    right: Node

    @property
    def shape(self) -> Shape:
        (a, b), (c, d) = self.left.shape, self.right.shape
        return (a * c, b * d)

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    def rebuild(self, kids: tuple[Node, ...]) -> Node:
        return kron(kids[0], kids[1])


@dataclass(frozen=True, slots=True)
class Vec(Unary):
    """vec(A): the columns of A stacked into one column."""

    @property
    def shape(self) -> Shape:
        r, c = self.arg.shape
        return (r * c, ONE)

    def rebuild(self, kids: tuple[Node, ...]) -> Node:
        return vec(kids[0])


@dataclass(frozen=True, slots=True)
class Commutation(Node):
    """K_{m,n}: the permutation with K vec(A) = vec(A^T) for an m x n matrix A."""

    m: sp.Expr
    n: sp.Expr

    @property
    def shape(self) -> Shape:
        return (self.m * self.n, self.m * self.n)


@dataclass(frozen=True, slots=True)
class Norm(ScalarOf):
    """||u||: Euclidean for a vector, Frobenius for a matrix."""

    def rebuild(self, kids: tuple[Node, ...]) -> Node:
        return norm(kids[0])


@dataclass(frozen=True, slots=True)
class LogSumExp(ScalarOf):
    """logsumexp(z) = log(1^T exp(z)) of a vector."""

    def rebuild(self, kids: tuple[Node, ...]) -> Node:
        return logsumexp(kids[0])


@dataclass(frozen=True, slots=True)
class Softmax(ShapeOf):
    """softmax(z) = exp(z) / (1^T exp(z)) of a vector: a vector."""

    def rebuild(self, kids: tuple[Node, ...]) -> Node:
        return softmax(kids[0])


@dataclass(frozen=True, slots=True)
class D(ShapeOf):
    """A pending differential d(expr), rewritten away by the engine's rules."""

    def rebuild(self, kids: tuple[Node, ...]) -> Node:
        return D(kids[0])


# -- traversal -------------------------------------------------------------------
def walk(node: Node) -> Iterator[Node]:
    """Pre-order traversal."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children()))


def contains(node: Node, pred: Callable[[Node], bool]) -> bool:
    return any(pred(n) for n in walk(node))


def has_differential(node: Node) -> bool:
    return contains(node, lambda n: isinstance(n, Differential))


def has_pending(node: Node) -> bool:
    return contains(node, lambda n: isinstance(n, D))


def depends_on(node: Node, var: MatSym) -> bool:
    return contains(node, lambda n: n == var)


def symbols(node: Node) -> set[MatSym]:
    return {n for n in walk(node) if isinstance(n, MatSym)}


def scalar_symbols(node: Node) -> set[sp.Symbol]:
    out: set[sp.Symbol] = set()
    for n in walk(node):
        if isinstance(n, Const):
            out |= n.value.free_symbols
        elif isinstance(n, Mul):
            out |= n.coeff.free_symbols
        elif isinstance(n, Power):
            out |= n.exp.free_symbols
    return out


def replace(node: Node, fn: Callable[[Node], Node | None]) -> Node:
    """Bottom-up rebuild: ``fn`` returns a replacement for a node, or None to keep it."""
    hit = fn(node)
    if hit is not None:
        return hit
    kids = node.children()
    if not kids:
        return node
    new = tuple(replace(k, fn) for k in kids)
    return node if new == kids else node.rebuild(new)


def distribute_transposes(node: Node) -> Node:
    """Every (A + B)^T written A^T + B^T: a normal form for comparing expressions."""
    def fn(n: Node) -> Node | None:
        if isinstance(n, Transpose) and isinstance(n.arg, Add):
            return add(*(distribute_transposes(transpose(t)) for t in n.arg.terms))
        return None

    return replace(node, fn)


def normal_form(node: Node) -> Node:
    """Transposes of sums distributed and the terms of every sum sorted: equal forms, equal matrices."""
    def fn(n: Node) -> Node | None:
        if isinstance(n, Add):
            terms = sorted((normal_form(t) for t in n.terms), key=plain)
            return Add(tuple(terms)) if len(terms) > 1 else terms[0]
        return None

    return replace(distribute_transposes(node), fn)


def is_symmetric(node: Node) -> bool:
    """Visibly symmetric: equal to its transpose in normal form."""
    return node.shape[0] == node.shape[1] and normal_form(transpose(node)) == normal_form(node)


def substitute(node: Node, old: Node, new: Node) -> Node:
    return replace(node, lambda n: new if n == old else None)


# -- constructors ------------------------------------------------------------------
def declared(decl: ShapeDecl) -> MatSym:
    """The symbol a shape declaration names (its properties closed: positive definite is symmetric)."""
    assert decl.rows is not None and decl.cols is not None, f"{decl.name} has no shape"
    return MatSym(decl.name, dim(decl.rows), dim(decl.cols), decl.closed())


def const(value: int | sp.Expr) -> Const:
    return Const(sp.Integer(value) if isinstance(value, int) else value)


def zero(shape: Shape) -> Node:
    return Const(sp.Integer(0)) if shape == SCALAR else Zero(*shape)


def is_zero(node: Node) -> bool:
    return isinstance(node, Zero) or (isinstance(node, Const) and node.value == 0)


def _same_shape(what: str, nodes: Iterable[Node]) -> None:
    nodes = list(nodes)
    first = nodes[0]
    for n in nodes[1:]:
        if n.shape != first.shape:
            raise ShapeError(
                f"cannot {what} {describe(first)} ({shape_text(first.shape)}) and {describe(n)} "
                f"({shape_text(n.shape)})",
                hint="the operands must have the same shape",
            )


def describe(node: Node) -> str:
    """A short name for a node in error messages (its plain-text form)."""
    return plain(node)


def add(*terms: Node) -> Node:
    """A sum: flattened, zeros dropped, like terms collected; a scalar added to a matrix broadcasts."""
    flat: list[Node] = []
    for t in terms:
        flat.extend(t.terms if isinstance(t, Add) else (t,))
    shapes = {t.shape for t in flat}
    if len(shapes) > 1 and SCALAR in shapes:
        target = next(s for s in shapes if s != SCALAR)
        flat = [mul(t, Ones(*target)) if t.shape == SCALAR and isinstance(t, Const) else t for t in flat]
    _same_shape("add", flat)
    shape = flat[0].shape
    consts = sp.Add(*[t.value for t in flat if isinstance(t, Const)])
    rest = [t for t in flat if not isinstance(t, Const) and not is_zero(t)]
    groups: dict[Node, sp.Expr] = {}
    order: list[Node] = []
    for t in rest:
        c, body = split_coeff(t)
        if body not in groups:
            groups[body] = sp.Integer(0)
            order.append(body)
        groups[body] += c
    out: list[Node] = []
    for body in order:
        c = sp.expand(groups[body]) if groups[body].is_Add else groups[body]
        if c != 0:
            out.append(scale(c, body))
    if consts != 0:
        out.insert(0, Const(consts))
    if not out:
        return zero(shape)
    if len(out) == 1:
        return out[0]
    return Add(tuple(out))


def split_coeff(node: Node) -> tuple[sp.Expr, Node]:
    """(c, body) with node = c * body and c a SymPy scalar."""
    if isinstance(node, Mul):
        if len(node.factors) == 1:
            return node.coeff, node.factors[0]
        return node.coeff, Mul(ONE, node.factors)
    return ONE, node


def scale(c: sp.Expr, node: Node) -> Node:
    """c * node for a SymPy scalar c."""
    if c == 1:
        return node
    if c == 0:
        return zero(node.shape)
    if isinstance(node, Const):
        return Const(c * node.value)
    if isinstance(node, Mul):
        return Mul(c * node.coeff, node.factors) if c * node.coeff != 1 else _unwrap(node.factors)
    return Mul(c, (node,))


def _unwrap(factors: tuple[Node, ...]) -> Node:
    return factors[0] if len(factors) == 1 else Mul(ONE, factors)


def _scalar_key(n: Node) -> str:
    return plain(n)


def mul(*factors: Node) -> Node:
    """A product: scalars (1x1) commute to the front, the rest must conform as a chain."""
    coeff: sp.Expr = ONE
    scalars: list[Node] = []
    chain: list[Node] = []
    for f in factors:
        parts: tuple[Node, ...]
        if isinstance(f, Mul) and not _is_proper_chain(f):
            coeff *= f.coeff
            parts = f.factors
        elif isinstance(f, Mul) and (f.coeff != 1 or f.scalars):
            # a 1x1 product kept whole, its coefficient and scalar factors pulled out (scalars commute),
            # so that mul(mul(a, b), c) == mul(a, b, c)
            coeff *= f.coeff
            parts = (*f.scalars, Mul(ONE, f.chain))
        else:
            parts = (f,)
        for p in parts:
            if isinstance(p, Const):
                coeff *= p.value
            elif isinstance(p, Identity) and p.n == 1:
                continue  # I_1 = 1
            elif p.is_scalar:
                scalars.append(p)
            else:
                chain.append(p)
    if coeff == 0 or any(is_zero(p) for p in scalars + chain):
        rows = chain[0].shape[0] if chain else ONE
        cols = chain[-1].shape[1] if chain else ONE
        return zero((rows, cols))
    for left, right in zip(chain, chain[1:]):
        if left.shape[1] != right.shape[0]:
            raise ShapeError(
                f"cannot multiply {describe(left)} ({shape_text(left.shape)}) by {describe(right)} "
                f"({shape_text(right.shape)})",
                hint="the columns of the left operand must match the rows of the right one; "
                "a transpose may be missing",
            )
    merged: list[Node] = []
    for c in chain:  # 1_{a x b} 1_{b x c} = b 1_{a x c}
        last = merged[-1] if merged else None
        if isinstance(c, Ones) and isinstance(last, Ones):
            merged.pop()
            coeff *= c.rows
            if (last.rows, c.cols) != SCALAR:
                merged.append(Ones(last.rows, c.cols))
            continue
        merged.append(c)
    chain = merged
    kept = [c for c in chain if not isinstance(c, Identity)]
    chain = _cancel_inverses(kept if kept else chain[:1])
    if (len(chain) == 2 and isinstance(chain[0], Transpose) and chain[0].arg.shape[1] == 1
            and isinstance(chain[1], Ones) and chain[1].cols == 1):
        chain = [Transpose(chain[1]), chain[0].arg]  # y^T 1 -> 1^T y: the sum of y's entries
    scalars = _merge_powers(scalars)
    scalars.sort(key=_scalar_key)
    if not chain:  # one canonical tree for 2*(b'*A*b) and (2*b')*A*b: the 1x1 chain is the chain
        inner = next((s for s in scalars if isinstance(s, Mul) and _is_proper_chain(s)), None)
        if inner is not None:
            scalars.remove(inner)
            chain = list(inner.factors)
    facs = tuple(scalars + chain)
    if not facs:
        return Const(coeff)
    if coeff == 1 and len(facs) == 1:
        return facs[0]
    return Mul(coeff, facs)


def _inverse_pair(a: Node, b: Node) -> bool:
    """A^{-1} A, A A^{-1}, and Q^T Q, Q Q^T for an orthogonal Q."""
    if (isinstance(b, Inverse) and b.arg == a) or (isinstance(a, Inverse) and a.arg == b):
        return True
    orth = [x for x in (a, b) if isinstance(x, MatSym) and "orthogonal" in x.props]
    return bool(orth) and (Transpose(orth[0]) in (a, b)) and orth[0] in (a, b)


def _cancel_inverses(chain: list[Node]) -> list[Node]:
    """A^{-1} A = A A^{-1} = I inside a product (and Q^T Q = I for orthogonal Q)."""
    out: list[Node] = []
    size: sp.Expr | None = None
    for c in chain:
        if out and _inverse_pair(out[-1], c):
            size = out.pop().shape[0]
            continue
        out.append(c)
    if not out and size is not None:
        return [Identity(size)]
    return out


def _is_proper_chain(f: Mul) -> bool:
    """A 1x1 Mul whose chain is a row times a column (a^T x): kept whole as one scalar factor."""
    return f.is_scalar and len(f.chain) >= 2


def _merge_powers(scalars: list[Node]) -> list[Node]:
    """s * s^k -> s^(k+1) among scalar factors."""
    exps: dict[Node, sp.Expr] = {}
    order: list[Node] = []
    for s in scalars:
        base, e = (s.base, s.exp) if isinstance(s, Power) else (s, ONE)
        if base not in exps:
            exps[base] = sp.Integer(0)
            order.append(base)
        exps[base] += e
    out: list[Node] = []
    for base in order:
        e = exps[base]
        if e == 0:
            continue
        out.append(base if e == 1 else Power(base, e))
    return out


def transpose(a: Node) -> Node:
    """A^T, pushed through products ((AB)^T = B^T A^T) but not sums; S^T = S for symmetric S."""
    if a.is_scalar and not isinstance(a, Mul):
        return a
    if isinstance(a, Transpose):
        return a.arg
    if isinstance(a, (Identity, Diag)) or (isinstance(a, MatSym) and a.symmetric):
        return a
    if isinstance(a, Differential) and a.var.symmetric:
        return a
    if isinstance(a, (Ones, Zero)):
        return type(a)(a.cols, a.rows)
    if isinstance(a, Mul):
        if a.is_scalar and len(a.chain) >= 2:
            # a 1x1 product equals its transpose; keep the way it was written unless
            # the transpose reads better (fewer transposes)
            flipped = Mul(a.coeff, a.scalars + tuple(transpose(f) for f in reversed(a.chain)))
            return flipped if _count_transposes(flipped) < _count_transposes(a) else a
        return mul(const(a.coeff), *a.scalars, *(transpose(f) for f in reversed(a.chain)))
    if isinstance(a, Add):
        return Transpose(a)  # (y - Xb)^T stays whole, as on a whiteboard; see expand_transposes
    if isinstance(a, Inverse):
        return Inverse(transpose(a.arg))
    if isinstance(a, Kron):
        return kron(transpose(a.left), transpose(a.right))  # (A ⊗ B)^T = A^T ⊗ B^T
    if isinstance(a, Commutation):
        return commutation(a.n, a.m)  # K_{m,n}^T = K_{n,m}
    return Transpose(a)


def _count_transposes(node: Node) -> int:
    return sum(isinstance(n, Transpose) for n in walk(node))


def _square(what: str, a: Node) -> None:
    r, c = a.shape
    if r != c:
        raise ShapeError(
            f"{what} needs a square matrix, but {describe(a)} is {shape_text(a.shape)}",
            hint="declare it square, e.g. 'A: p x p', or transpose-multiply it first",
        )


def inverse(a: Node) -> Node:
    """A^{-1}; the inverse of a scalar is its reciprocal."""
    if a.is_scalar:
        return power(a, sp.Integer(-1))
    _square("the inverse", a)
    if isinstance(a, Inverse):
        return a.arg
    if isinstance(a, Identity):
        return a
    if isinstance(a, MatSym) and "orthogonal" in a.props:
        return Transpose(a)
    if isinstance(a, Mul) and not a.scalars and len(a.chain) == 1 and a.coeff != 1:
        return scale(1 / a.coeff, inverse(a.chain[0]))
    return Inverse(a)


def trace(a: Node) -> Node:
    """tr(A); the trace of a scalar is the scalar, and tr is linear."""
    if a.is_scalar:
        return a
    _square("the trace", a)
    if isinstance(a, Add):
        return add(*(trace(t) for t in a.terms))
    if isinstance(a, Mul) and (a.coeff != 1 or a.scalars):
        return mul(const(a.coeff), *a.scalars, trace(_unwrap(a.chain)))
    if isinstance(a, Identity):
        return Const(a.n)
    if isinstance(a, Zero):
        return Const(sp.Integer(0))
    return Trace(a)


def det(a: Node) -> Node:
    if a.is_scalar:
        return a
    _square("the determinant", a)
    if isinstance(a, Identity):
        return Const(ONE)
    return Det(a)


def logdet(a: Node) -> Node:
    if a.is_scalar:
        return func("log", a)
    _square("log det", a)
    if isinstance(a, Identity):
        return Const(sp.Integer(0))
    return LogDet(a)


def hadamard(*factors: Node) -> Node:
    """u ⊙ v: scalars become coefficients, ones drop out, everything else must share one shape."""
    coeff: sp.Expr = ONE
    scal: list[Node] = []
    flat: list[Node] = []
    for f in factors:
        if isinstance(f, Hadamard):
            flat.extend(f.factors)
        elif isinstance(f, Const):
            coeff *= f.value
        elif f.is_scalar:
            scal.append(f)
        elif isinstance(f, Mul) and (f.coeff != 1 or f.scalars) and f.chain:
            coeff *= f.coeff
            scal.extend(f.scalars)
            body = _unwrap(f.chain)
            flat.extend(body.factors if isinstance(body, Hadamard) else (body,))
        else:
            flat.append(f)
    if not flat:
        return mul(const(coeff), *scal)
    _same_shape("multiply entrywise", flat)
    if any(is_zero(f) for f in flat):
        return zero(flat[0].shape)
    kept = [f for f in flat if not isinstance(f, Ones)] or [flat[0]]
    body = kept[0] if len(kept) == 1 else Hadamard(tuple(kept))
    return mul(const(coeff), *scal, body)


def func(name: str, a: Node) -> Node:
    """A scalar function, applied entrywise to a vector or matrix."""
    if name not in SCALAR_FUNCTIONS:
        raise ValueError(f"unknown function {name}")
    if isinstance(a, Const):
        return Const(_sympy_function(name)(a.value))
    if name == "sqrt":
        return power(a, sp.Rational(1, 2))
    if name == "log" and isinstance(a, Det):
        return logdet(a.arg)
    if name == "log" and isinstance(a, Func) and a.name == "exp":
        return a.arg
    return Func(name, a)


def _sympy_function(name: str) -> Callable[[sp.Expr], sp.Expr]:
    from derive.core.functions import ML_FUNCTIONS

    if name in ML_FUNCTIONS:
        return ML_FUNCTIONS[name]
    return {"exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "tanh": sp.tanh, "sin": sp.sin, "cos": sp.cos}[name]


def sympy_function(name: str) -> Callable[[sp.Expr], sp.Expr]:
    """The SymPy scalar function behind ``name`` (for derivatives of entrywise functions)."""
    return _sympy_function(name)


def power(a: Node, e: sp.Expr | int) -> Node:
    """a^e of a scalar, or entrywise of a vector or matrix."""
    e = sp.Integer(e) if isinstance(e, int) else e
    if e == 0:
        return Const(ONE) if a.is_scalar else Ones(*a.shape)
    if e == 1:
        return a
    if isinstance(a, Const):
        return Const(a.value ** e)
    if isinstance(a, Power) and e.is_integer:
        return power(a.base, a.exp * e)
    if isinstance(a, Mul) and a.is_scalar and not a.chain and a.coeff != 1 and e.is_integer:
        return mul(const(a.coeff ** e), *(power(s, e) for s in a.scalars))
    return Power(a, e)


def diag(v: Node) -> Node:
    if v.shape[1] != 1 or v.is_scalar:
        raise ShapeError(f"diag needs a vector, but {describe(v)} is {shape_text(v.shape)}",
                         hint="diag(v) puts a column vector on the diagonal")
    if isinstance(v, Ones):
        return Identity(v.rows)
    return Diag(v)


def diagpart(a: Node) -> Node:
    """diagvec(A); diagvec(u v^T) = u ⊙ v, diagvec(diag(v)) = v, diagvec(I) = 1, and it is linear."""
    _square("the diagonal", a)
    if isinstance(a, Diag):
        return a.arg
    if isinstance(a, Transpose):
        return diagpart(a.arg)  # a matrix and its transpose share their diagonal
    if isinstance(a, Identity):
        return Ones(a.n, ONE)
    if isinstance(a, Add):
        return add(*(diagpart(t) for t in a.terms))
    if isinstance(a, Mul):
        chain = a.chain
        if len(chain) >= 2 and isinstance(chain[0], Diag):  # diagvec(diag(u) M) = u ⊙ diagvec(M)
            return mul(const(a.coeff), *a.scalars, hadamard(chain[0].arg, diagpart(_unwrap(chain[1:]))))
        if len(chain) >= 2 and isinstance(chain[-1], Diag):  # diagvec(M diag(u)) = diagvec(M) ⊙ u
            return mul(const(a.coeff), *a.scalars, hadamard(diagpart(_unwrap(chain[:-1])), chain[-1].arg))
        if len(chain) == 2 and chain[0].shape[1] == 1 and chain[1].shape[0] == 1:
            return mul(const(a.coeff), *a.scalars, hadamard(chain[0], transpose(chain[1])))
        if a.coeff != 1 or a.scalars:
            return mul(const(a.coeff), *a.scalars, diagpart(_unwrap(chain)))
    return DiagPart(a)


def kron(a: Node, b: Node) -> Node:
    """A ⊗ B; scalars come out as coefficients, and I_m ⊗ I_n = I_mn."""
    if a.is_scalar:
        return mul(a, b)
    if b.is_scalar:
        return mul(b, a)
    if isinstance(a, Identity) and isinstance(b, Identity):
        return Identity(a.n * b.n)
    ca, ba = split_coeff(a)
    cb, bb = split_coeff(b)
    if ca != 1 or cb != 1:
        return scale(ca * cb, kron(ba, bb))
    if is_zero(a) or is_zero(b):
        return zero(Kron(a, b).shape)
    return Kron(a, b)


def vec(a: Node) -> Node:
    """vec(A); the vec of a column is the column itself."""
    if a.shape[1] == 1:
        return a
    c, body = split_coeff(a)
    if c != 1:
        return scale(c, vec(body))
    return Vec(a)


def commutation(m: sp.Expr, n: sp.Expr) -> Node:
    """K_{m,n}; K_{m,1} = K_{1,n} = I."""
    if m == 1 or n == 1:
        return Identity(m * n)
    return Commutation(m, n)


def norm(a: Node) -> Node:
    return Norm(a)


def logsumexp(a: Node) -> Node:
    _vector("logsumexp", a)
    return LogSumExp(a)


def softmax(a: Node) -> Node:
    _vector("softmax", a)
    return Softmax(a)


def _vector(what: str, a: Node) -> None:
    if a.shape[1] != 1 or a.is_scalar:
        raise ShapeError(f"{what} needs a column vector, but {describe(a)} is {shape_text(a.shape)}",
                         hint="apply it to a vector such as W x")


def matsum(a: Node) -> Node:
    """sum of all entries: 1^T a 1."""
    if a.is_scalar:
        return a
    r, c = a.shape
    left = transpose(Ones(r, ONE))
    return mul(left, a) if c == 1 else mul(left, a, Ones(c, ONE))


def inner(s: Node, m: Node) -> Node:
    """<S, M> = tr(S^T M), written as s^T m for vectors and s m for scalars."""
    if s.is_scalar:
        return mul(s, m)
    if s.shape[1] == 1:
        return mul(transpose(s), m)
    return trace(mul(transpose(s), m))


# -- the canonical plain text ----------------------------------------------------------------
PREC_ADD, PREC_HADAMARD, PREC_MUL, PREC_NEG, PREC_POW, PREC_ATOM = 10, 15, 20, 30, 40, 50


class PlainPrinter:
    """ASCII printer; ``_print_<Class>`` returns (text, precedence)."""

    times = "*"
    hadamard_op = " .* "
    divide_op = " ./ "
    kron_op = " kron "
    transpose_mark = "'"
    minus = "-"

    def doprint(self, node: Node) -> str:
        return self._p(node)[0]

    def _p(self, node: Node) -> tuple[str, int]:
        for cls in type(node).__mro__:
            method = getattr(self, f"_print_{cls.__name__}", None)
            if method is not None:
                out: tuple[str, int] = method(node)
                return out
        raise TypeError(f"{type(self).__name__} cannot print a {type(node).__name__}")

    def paren(self, node: Node, level: int) -> str:
        text, prec = self._p(node)
        return self.wrap(text) if prec < level else text

    def wrap(self, text: str) -> str:
        return f"({text})"

    def scalar(self, value: sp.Expr) -> str:
        return sp.sstr(value)

    def call(self, name: str, *args: str) -> str:
        return f"{name}({', '.join(args)})"

    # leaves
    def _print_MatSym(self, n: MatSym) -> tuple[str, int]:
        return self.symbol(n.name), PREC_ATOM

    def symbol(self, name: str) -> str:
        return name

    def _print_Const(self, n: Const) -> tuple[str, int]:
        v = n.value
        text = self.scalar(v)
        if v.is_Add:
            return text, PREC_ADD
        if v.could_extract_minus_sign():
            return text, PREC_NEG
        if v.is_Mul or (v.is_Rational and not v.is_Integer):
            return text, PREC_MUL
        if v.is_Pow:
            return text, PREC_POW
        return text, PREC_ATOM

    def _print_Ones(self, n: Ones) -> tuple[str, int]:
        if n.cols == 1:
            return self.ones(), PREC_ATOM
        if n.rows == 1:
            return self.ones() + self.transpose_mark, PREC_POW
        return self.call("ones", str(n.rows), str(n.cols)), PREC_ATOM

    def ones(self) -> str:
        return "1"

    def _print_Identity(self, n: Identity) -> tuple[str, int]:
        return "I", PREC_ATOM

    def _print_Zero(self, n: Zero) -> tuple[str, int]:
        return "0", PREC_ATOM

    def _print_Differential(self, n: Differential) -> tuple[str, int]:
        return self.differential(self.symbol(n.var.name)), PREC_ATOM

    def differential(self, name: str) -> str:
        return f"d{name}"

    # composites
    def _print_Add(self, n: Add) -> tuple[str, int]:
        out = ""
        for i, t in enumerate(positive_first(n.terms)):
            c, body = split_coeff(t)
            negative = c.could_extract_minus_sign() if isinstance(c, sp.Expr) else False
            if isinstance(t, Const) and t.value.could_extract_minus_sign():
                text = self.scalar(-t.value)
                out += f" {self.minus} {text}" if i else f"{self.minus}{text}"
                continue
            if negative:
                text = self.paren(scale(-c, body), PREC_MUL)
                out += f" {self.minus} {text}" if i else f"{self.minus}{text}"
            else:
                text = self.paren(t, PREC_ADD + 1)
                out += f" + {text}" if i else text
        return out, PREC_ADD

    def _print_Mul(self, n: Mul) -> tuple[str, int]:
        c = n.coeff
        num = [f for f in n.factors if not (isinstance(f, Power) and f.is_scalar and f.exp.is_negative)]
        den = [power(f.base, -f.exp) for f in n.factors
               if isinstance(f, Power) and f.is_scalar and f.exp.is_negative]
        cnum, cden = sp.fraction(c)
        sign = ""
        if cnum.could_extract_minus_sign():
            sign, cnum = self.minus, -cnum
        parts: list[str] = []
        if cnum != 1 or not num:
            parts.append(self._coeff(cnum))
        if c == -1 and len(num) == 1 and isinstance(num[0], Hadamard):
            return self.minus + self.doprint(num[0]), PREC_HADAMARD  # -y .* u: the sign binds tighter
        parts += self._runs(num)
        text = self.join_product(parts)
        dparts: list[str] = []
        if cden != 1:
            dparts.append(self._coeff(cden))
        dparts += [self.paren(f, PREC_POW) for f in den]
        if dparts:
            dtext = self.join_product(dparts)
            text = self.fraction(text, dtext, len(dparts) > 1 or cden.is_Mul or cden.is_Add)
        return sign + text, PREC_NEG if sign else PREC_MUL

    def _runs(self, factors: list[Node]) -> list[str]:
        """The factors printed, a run of one square matrix as its power: X·X·X reads X³ (the reader's X^3)."""
        out: list[str] = []
        i = 0
        while i < len(factors):
            f = factors[i]
            k = 1
            while (not f.is_scalar and f.shape[0] == f.shape[1] and i + k < len(factors) and factors[i + k] == f
                   and isinstance(f, (MatSym, Transpose))):
                k += 1
            text = self.paren(f, PREC_MUL + (1 if isinstance(f, Mul) else 0))
            out.append(self.matrix_power(self.paren(f, PREC_ATOM), k) if k > 1 else text)
            i += k
        return out

    def matrix_power(self, base: str, k: int) -> str:
        return f"{base}^{k}"

    def _coeff(self, c: sp.Expr) -> str:
        text = self.scalar(c)
        return self.wrap(text) if c.is_Add else text

    def join_product(self, parts: list[str]) -> str:
        return self.times.join(parts)

    def fraction(self, num: str, den: str, several: bool) -> str:
        return f"{num}/{self.wrap(den) if several else den}"

    def _print_Transpose(self, n: Transpose) -> tuple[str, int]:
        return self.paren(n.arg, PREC_ATOM) + self.transpose_mark, PREC_POW

    def _print_Inverse(self, n: Inverse) -> tuple[str, int]:
        return self.call("inv", self.doprint(n.arg)), PREC_ATOM

    def _print_Trace(self, n: Trace) -> tuple[str, int]:
        return self.call("tr", self.doprint(n.arg)), PREC_ATOM

    def _print_Det(self, n: Det) -> tuple[str, int]:
        return self.call("det", self.doprint(n.arg)), PREC_ATOM

    def _print_LogDet(self, n: LogDet) -> tuple[str, int]:
        return self.call("logdet", self.doprint(n.arg)), PREC_ATOM

    def _print_Hadamard(self, n: Hadamard) -> tuple[str, int]:
        """u .* v, with entrywise reciprocals as divisions: p .* q.^(-1) prints p ./ q."""
        num = [f for f in n.factors if not (isinstance(f, Power) and f.exp == -1)]
        den = [f.base for f in n.factors if isinstance(f, Power) and f.exp == -1]
        text = self.hadamard_op.join(self.paren(f, PREC_POW) for f in num) if num else self.ones()
        for d in den:
            text += self.divide_op + self.paren(d, PREC_POW)
        return text, PREC_HADAMARD

    def _print_Func(self, n: Func) -> tuple[str, int]:
        return self.call(n.name, self.doprint(n.arg)), PREC_ATOM

    def _print_Power(self, n: Power) -> tuple[str, int]:
        e = n.exp
        etext = self.scalar(e)
        if not (e.is_Integer and e >= 0):
            etext = self.wrap(etext)
        op = "^" if n.is_scalar else ".^"
        return f"{self.paren(n.base, PREC_ATOM)}{op}{etext}", PREC_POW

    def _print_Diag(self, n: Diag) -> tuple[str, int]:
        return self.call("diag", self.doprint(n.arg)), PREC_ATOM

    def _print_Norm(self, n: Norm) -> tuple[str, int]:
        return self.call("norm", self.doprint(n.arg)), PREC_ATOM

    def _print_Kron(self, n: Kron) -> tuple[str, int]:
        return f"{self.paren(n.left, PREC_POW)}{self.kron_op}{self.paren(n.right, PREC_POW)}", PREC_HADAMARD

    def _print_Vec(self, n: Vec) -> tuple[str, int]:
        return self.call("vec", self.doprint(n.arg)), PREC_ATOM

    def _print_Commutation(self, n: Commutation) -> tuple[str, int]:
        return self.call("K", self.scalar(n.m), self.scalar(n.n)), PREC_ATOM

    def _print_DiagPart(self, n: DiagPart) -> tuple[str, int]:
        return self.call("diagvec", self.doprint(n.arg)), PREC_ATOM

    def _print_LogSumExp(self, n: LogSumExp) -> tuple[str, int]:
        return self.call("logsumexp", self.doprint(n.arg)), PREC_ATOM

    def _print_Softmax(self, n: Softmax) -> tuple[str, int]:
        return self.call("softmax", self.doprint(n.arg)), PREC_ATOM

    def _print_D(self, n: D) -> tuple[str, int]:
        return self.call("d", self.doprint(n.arg)), PREC_ATOM


def _negative(t: Node) -> bool:
    c = t.value if isinstance(t, Const) else split_coeff(t)[0]
    return bool(c.could_extract_minus_sign())


def positive_first(terms: tuple[Node, ...]) -> tuple[Node, ...]:
    """A sum led by a lone negated name prints a positive term first (sigma(Xw) - y, not -y + sigma(Xw))."""
    if not terms or not _negative(terms[0]):
        return terms
    lead = split_coeff(terms[0])[1]
    if not isinstance(lead, (MatSym, Ones, Identity, Const)):
        for i, t in enumerate(terms):  # a positive constant still leads: 1 - y .* exp(u)
            if not _negative(t) and isinstance(split_coeff(t)[1], (Const, Ones, Identity)):
                return (t,) + terms[:i] + terms[i + 1:]
        return terms
    for i, t in enumerate(terms):
        if not _negative(t):
            return (t,) + terms[:i] + terms[i + 1:]
    return terms


def plain(node: Node) -> str:
    """The plain-text form of a node."""
    return PlainPrinter().doprint(node)
