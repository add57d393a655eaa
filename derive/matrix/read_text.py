"""Plain matrix text such as ``norm(y - X b)^2`` -> a ``matexpr`` tree, through our grammar.

The scalar grammar (``grammar.lark``) is shared: names declared with a shape become
``MatSym``; every other name is a scalar, read exactly as ``parse_text`` reads it. Nodes
come only from the ``matexpr`` constructors, which check shapes; their ShapeErrors come
back as ParseErrors pointing at the operation. Conventions that might surprise:

- ``*`` and juxtaposition are the matrix product; ``/`` divides by a scalar only.
- ``.*``, ``./``, ``.^`` are entrywise. ``2.*X`` lexes as ``2.`` times ``X`` (the same
  thing); a number with a trailing dot before ``/`` divides entrywise, as in MATLAB
  (``1./x``).
- ``X'`` and ``X^T`` transpose (``T`` unless declared); ``A^-1`` inverts; ``A^k`` for a
  positive integer k is a product of k factors.
- ``1'`` is a row of ones whose length comes from the factor after it (``1'y`` sums y);
  a literal ``1`` after a row or a matrix (``1'X*1``, ``X*1``) is the ones column. A
  number added to a vector broadcasts (``1 + y``, by ``matexpr.add``).
- ``I``, unless declared or given a domain, is the identity, sized by the matrix beside
  it (``X'X + lam*I``, ``A*I``).
- A name used as a declared dimension (``n`` in ``y: n``) is that dimension's symbol.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from types import MappingProxyType

import sympy as sp
from lark import Lark, Token
from lark.exceptions import VisitError
from lark.tree import Meta
from lark.visitors import Transformer_NonRecursive, v_args

from derive.core.errors import ParseError, ShapeError, Span, UsageError
from derive.matrix import expr as M
from derive.parse.domain import VarDomain
from derive.parse.shapes import ShapeDecl
from derive.parse import vocabulary as vocab
from derive.parse.text import build_error, grammar_parser, parse_tree, read_name, read_number, token_span

MAX_MATRIX_POWER = 64
"""Largest k in ``A^k`` that is written out as a product of k factors."""

MAX_POWER_NODES = 1000
"""Largest tree that ``A^k`` may write out (k times the nodes of A), so ``(A^64)^64`` is refused."""

MATRIX_CALLS: Mapping[str, Callable[[M.Node], M.Node]] = MappingProxyType({
    "norm": M.norm, "tr": M.trace, "trace": M.trace, "det": M.det, "logdet": M.logdet,
    "inv": M.inverse, "sum": M.matsum, "diag": M.diag, "softmax": M.softmax, "logsumexp": M.logsumexp,
})
"""Functions of a vector or matrix, by the name the user types."""

ENTRYWISE_CALLS: Mapping[str, str] = MappingProxyType({**{f: f for f in M.SCALAR_FUNCTIONS}, "ln": "log"})
"""Scalar functions applied entrywise, by typed name -> ``matexpr.func`` name."""

_CLOSER = {"(": ")", "[": "]"}
_ONES_ROW, _IDENTITY = "1'", "I"
_PENDING_ERRORS = {
    _ONES_ROW: ("1' (a row of ones) has no length here",
                "put a vector or matrix right after it, e.g. 1'y for the sum of y, or write sum(y)"),
    _IDENTITY: ("I (the identity) has no size here",
                "put it beside a square matrix, e.g. X'X + lam*I or A*I, or declare it, e.g. --let 'I: p x p'"),
}
_SUPPORTED = (f"supported: {', '.join(MATRIX_CALLS)}; entrywise: {', '.join(ENTRYWISE_CALLS)}")


@dataclass(frozen=True, slots=True)
class _Value:
    """A built node and the source range it came from.

    ``literal`` keeps a number's text (``1`` may stand for the ones vector, ``1.`` before
    ``/`` divides entrywise). ``pending`` marks ``c*1'`` or ``c*I`` whose size a neighbour
    will decide; ``node`` is then the scalar c.
    """

    node: M.Node
    start: int
    end: int
    literal: str | None = None
    pending: str | None = None

    @property
    def is_one(self) -> bool:
        return self.literal is not None and isinstance(self.node, M.Const) and self.node.value == 1


def matrix_parser() -> Lark:
    """The text grammar's parser with the matrix functions callable (built once per process)."""
    return grammar_parser(functions=frozenset(MATRIX_CALLS) | frozenset(ENTRYWISE_CALLS))


def parse_matrix(text: str, shapes: Mapping[str, ShapeDecl],
                 domains: Mapping[str, VarDomain] | None = None) -> M.Node:
    """Parse matrix text such as ``(y - X b)'(y - X b)`` with the declared ``shapes``.

    ``shapes`` is what ``merge_shapes`` returns; undeclared names are scalars with their
    ``domains``. Every failure is a ParseError with a span and a hint.
    """
    if not isinstance(text, str):
        raise UsageError(f"parse_matrix expects a str, got {type(text).__name__}",
                         hint="pass the expression as text")
    for name, decl in shapes.items():
        if not isinstance(decl, ShapeDecl) or decl.rows is None or decl.cols is None:
            raise UsageError(f"no shape for {name!r} in the declarations",
                             hint="pass merge_shapes(...) of declarations such as 'X: n x p'")
    tree = parse_tree(text, matrix_parser())
    whole = vocab.line_span(text, 0, len(text))
    try:
        value = _MatrixBuilder(text, shapes, domains).transform(tree)
    except VisitError as exc:
        raise build_error(text, exc) from None
    except RecursionError:
        raise ParseError("expression nested too deeply", span=whole,
                         hint="split the expression into smaller parts") from None
    if not isinstance(value, _Value):
        raise ParseError("input is not a single expression", span=whole,
                         hint="write one expression such as x'A x")
    if value.pending is not None:
        raise _pending_error(text, value)
    _check_scalars(value.node, whole)
    return value.node


def _check_scalars(node: M.Node, span: Span) -> None:
    """Refuse undefined or huge numbers anywhere in the tree, as ``parse_text`` does."""
    for n in M.walk(node):
        if isinstance(n, M.Const):
            vocab.check_result(n.value, span)
        elif isinstance(n, M.Mul):
            vocab.check_result(n.coeff, span)
        elif isinstance(n, M.Power):
            vocab.check_result(n.exp, span)


def _pending_error(text: str, v: _Value) -> ParseError:
    message, hint = _PENDING_ERRORS[v.pending or _ONES_ROW]
    return ParseError(message, span=vocab.line_span(text, v.start, v.end), hint=hint)


class _MatrixBuilder(Transformer_NonRecursive):  # type: ignore[type-arg]
    """Builds a matexpr tree from the parse tree, one method per grammar rule.

    Holds the text, shapes and domains of one parse; a new one is made for every call.
    """

    def __init__(self, text: str, shapes: Mapping[str, ShapeDecl],
                 domains: Mapping[str, VarDomain] | None) -> None:
        super().__init__()
        self._text = text
        self._shapes = shapes
        self._domains = domains
        self._dims = frozenset(d for s in shapes.values() for d in (s.rows, s.cols) if isinstance(d, str))

    # -- helpers ---------------------------------------------------------------
    def _span(self, start: int, end: int) -> Span:
        return vocab.line_span(self._text, start, end)

    def _outer(self, v: _Value) -> tuple[int, int]:
        """The operand's range with the brackets around it (a value's own range excludes them)."""
        start, end, text = v.start, v.end, self._text
        while True:
            i, j = start - 1, end
            while i >= 0 and text[i].isspace():
                i -= 1
            while j < len(text) and text[j].isspace():
                j += 1
            if i < 0 or j >= len(text) or _CLOSER.get(text[i]) != text[j]:
                return start, end
            start, end = i, j + 1

    def _at(self, v: _Value) -> Span:
        return self._span(*self._outer(v))

    def _between(self, first: _Value, last: _Value) -> Span:
        return self._span(self._outer(first)[0], self._outer(last)[1])

    def _source(self, v: _Value) -> str:
        """The operand as written, brackets included: for text next to an operator."""
        start, end = self._outer(v)
        return " ".join(self._text[start:end].split())

    def _inner(self, v: _Value) -> str:
        """The operand as written, without its brackets: for text inside a call."""
        return " ".join(self._text[v.start:v.end].split())

    def _range(self, meta: Meta) -> tuple[int, int]:
        return (0, len(self._text)) if meta.empty else (meta.start_pos, meta.end_pos)

    def _value(self, meta: Meta, node: M.Node, *, literal: str | None = None, pending: str | None = None) -> _Value:
        return _Value(node, *self._range(meta), literal, pending)

    def _node(self, v: _Value) -> M.Node:
        """The node of an operand; a pending ``1'`` or ``I`` cannot be one."""
        if v.pending is not None:
            raise _pending_error(self._text, v)
        return v.node

    def _sized(self, v: _Value, size: sp.Expr) -> M.Node:
        """A pending ``c*1'`` or ``c*I`` at the size its neighbour decided."""
        leaf = M.transpose(M.Ones(size, M.ONE)) if v.pending == _ONES_ROW else M.Identity(size)
        return M.mul(v.node, leaf)

    def _partners(self, a: _Value, b: _Value) -> tuple[M.Node, M.Node]:
        """Operands that must share one shape (a sum, an entrywise product); ``I`` takes the other's."""
        for pend, other in ((a, b), (b, a)):
            if pend.pending == _IDENTITY and other.pending is None:
                rows, cols = other.node.shape
                if other.node.is_scalar or rows != cols:
                    raise ParseError(f"I (the identity) is square, but {self._source(other)} is "
                                     f"{M.shape_text(other.node.shape)}", span=self._at(pend),
                                     hint="put I beside a square matrix, or declare its shape with --let")
                sized = self._sized(pend, rows)
                return (sized, other.node) if pend is a else (other.node, sized)
        return self._node(a), self._node(b)

    @contextmanager
    def _shape_errors(self, meta: Meta) -> Iterator[None]:
        """Re-raise a constructor's ShapeError as a ParseError at this operation."""
        try:
            yield
        except ShapeError as exc:
            raise ParseError(exc.message, span=self._span(*self._range(meta)), hint=exc.hint) from None

    def _scalar_exponent(self, e: _Value) -> sp.Expr:
        node = self._node(e)
        if isinstance(node, M.Const):
            return node.value
        kind = "built from matrices" if node.is_scalar else M.shape_text(node.shape)
        raise ParseError(f"exponent {self._source(e)} ({kind}) must be a number or a scalar without matrices",
                         span=self._at(e), hint="use a constant exponent, or exp(...) for e^(...)")

    # -- leaves ----------------------------------------------------------------
    @v_args(meta=True, inline=True)
    def number(self, meta: Meta, tok: Token) -> _Value:
        return self._value(meta, M.const(read_number(tok, self._text)), literal=str(tok))

    @v_args(meta=True, inline=True)
    def name(self, meta: Meta, tok: Token) -> _Value:
        name = str(tok)
        decl = self._shapes.get(name)
        if decl is not None:
            return self._value(meta, M.declared(decl))  # every declaration has its shape (parse_matrix checks)
        if name in MATRIX_CALLS:
            raise ParseError(f"function {name!r} is used without parentheses", span=token_span(self._text, tok),
                             hint=f"call it with its argument in parentheses: {name}(A)")
        if name in self._dims:
            return self._value(meta, M.const(M.dim(name)))
        if name == _IDENTITY and name not in (self._domains or {}):
            return self._value(meta, M.const(1), pending=_IDENTITY)
        return self._value(meta, M.const(read_name(tok, self._text, self._domains)))

    @v_args(inline=True)
    def callee(self, tok: Token) -> Token:
        return tok

    def args(self, children: list[_Value]) -> list[_Value]:
        return children

    @v_args(meta=True, inline=True)
    def call(self, meta: Meta, callee: Token, args: list[_Value]) -> _Value:
        name, where = str(callee), token_span(self._text, callee)
        if name in self._shapes:
            raise ParseError(f"{name!r} is a declared matrix, not a function", span=where,
                             hint=f"write {name}*(...) for the product")
        nodes = [self._node(a) for a in args]
        scalar = all(isinstance(n, M.Const) for n in nodes)
        if scalar and (name in vocab.FUNCTIONS or name not in MATRIX_CALLS):
            # Scalars free of matrices read exactly as parse_text reads them.
            values = [n.value for n in nodes if isinstance(n, M.Const)]
            return self._value(meta, M.const(vocab.call(name, values, self._span(*self._range(meta)))))
        build = MATRIX_CALLS.get(name)
        entrywise = ENTRYWISE_CALLS.get(name)
        if build is None and entrywise is None:
            what = f"{name!r} does not apply to vectors or matrices" if name in vocab.FUNCTIONS \
                else f"unknown function {name!r} for vectors and matrices"
            raise ParseError(what, span=where, hint=_SUPPORTED)
        if len(nodes) != 1:
            raise ParseError(f"{name} of a vector or matrix takes exactly 1 argument, got {len(nodes)}",
                             span=self._span(*self._range(meta)), hint=f"write {name}(A)")
        with self._shape_errors(meta):
            node = build(nodes[0]) if build is not None else M.func(entrywise or name, nodes[0])
        return self._value(meta, node)

    # -- sums and products -----------------------------------------------------
    @v_args(meta=True, inline=True)
    def add(self, meta: Meta, a: _Value, b: _Value) -> _Value:
        left, right = self._partners(a, b)
        with self._shape_errors(meta):
            return self._value(meta, M.add(left, right))

    @v_args(meta=True, inline=True)
    def sub(self, meta: Meta, a: _Value, b: _Value) -> _Value:
        left, right = self._partners(a, b)
        with self._shape_errors(meta):
            return self._value(meta, M.add(left, M.mul(M.const(-1), right)))

    @v_args(meta=True, inline=True)
    def mul(self, meta: Meta, a: _Value, b: _Value) -> _Value:
        return self._product(meta, a, b)

    @v_args(meta=True, inline=True)
    def imul(self, meta: Meta, a: _Value, b: _Value) -> _Value:
        return self._product(meta, a, b)

    def _product(self, meta: Meta, a: _Value, b: _Value) -> _Value:
        """The matrix product; a pending ``1'`` or ``I`` takes its size here, a literal ``1`` too."""
        if a.pending is not None and b.pending is not None:
            raise _pending_error(self._text, b)
        if b.pending is not None:
            if a.node.is_scalar:
                return self._value(meta, M.mul(a.node, b.node), pending=b.pending)
            if b.pending != _IDENTITY:
                raise _pending_error(self._text, b)
            left, right = a.node, self._sized(b, a.node.shape[1])
        elif a.pending is not None:
            if b.node.is_scalar:
                return self._value(meta, M.mul(a.node, b.node), pending=a.pending)
            left, right = self._sized(a, b.node.shape[0]), b.node
        else:
            left, right = a.node, b.node
            if b.is_one and not left.is_scalar and left.shape[1] != 1:
                right = M.Ones(left.shape[1], M.ONE)
        with self._shape_errors(meta):
            return self._value(meta, M.mul(left, right))

    @v_args(meta=True, inline=True)
    def div(self, meta: Meta, a: _Value, b: _Value) -> _Value:
        right = self._node(b)
        if not right.is_scalar:
            if a.literal is not None and a.literal.endswith("."):
                return self._entrywise_div(meta, a, b)
            raise ParseError(f"cannot divide by {self._source(b)} ({M.shape_text(right.shape)}): "
                             "'/' divides by a scalar", span=self._at(b),
                             hint="divide entrywise with './', or multiply by inv(...) for a matrix inverse")
        self._nonzero(b)
        if a.pending is not None:
            return self._value(meta, M.mul(a.node, M.power(right, -1)), pending=a.pending)
        left = a.node
        if isinstance(right, M.Const) and self._outer(a) == (a.start, a.end):
            # x'A x/2 is (1/2) x'A x, one Mul, as matnames prints it; M.mul would keep the
            # 1x1 chain whole under the 1/2, which (x'A x)/2 means.
            return self._value(meta, M.scale(1 / right.value, left))
        return self._value(meta, M.mul(left, M.power(right, -1)))

    @v_args(meta=True, inline=True)
    def emul(self, meta: Meta, a: _Value, op: Token, b: _Value) -> _Value:
        left, right = self._partners(a, b)
        with self._shape_errors(meta):
            return self._value(meta, M.hadamard(left, right))

    @v_args(meta=True, inline=True)
    def ediv(self, meta: Meta, a: _Value, op: Token, b: _Value) -> _Value:
        return self._entrywise_div(meta, a, b)

    def _entrywise_div(self, meta: Meta, a: _Value, b: _Value) -> _Value:
        left, right = self._partners(a, b)
        self._nonzero(b)
        with self._shape_errors(meta):
            return self._value(meta, M.hadamard(left, M.power(right, -1)))

    def _nonzero(self, b: _Value) -> None:
        if isinstance(b.node, M.Const) and b.node.value == 0:
            raise ParseError("division by zero", span=self._at(b), hint="check the denominator")

    @v_args(meta=True, inline=True)
    def neg(self, meta: Meta, a: _Value) -> _Value:
        return self._value(meta, M.mul(M.const(-1), a.node), pending=a.pending)

    @v_args(meta=True, inline=True)
    def pos(self, meta: Meta, a: _Value) -> _Value:
        return replace(a, start=a.start if meta.empty else meta.start_pos)

    # -- powers and postfix ----------------------------------------------------
    @v_args(meta=True, inline=True)
    def pow(self, meta: Meta, base: _Value, exponent: _Value) -> _Value:
        b = self._node(base)
        if b.is_scalar:
            return self._scalar_power(meta, base, exponent)
        e_node = self._node(exponent)
        if isinstance(e_node, M.Const) and isinstance(e_node.value, sp.Symbol) and e_node.value.name == "T" \
                and "T" not in self._shapes:
            return self._value(meta, M.transpose(b))
        e = self._scalar_exponent(exponent)
        if e == -1:
            with self._shape_errors(meta):
                return self._value(meta, M.inverse(b))
        if e == 1:
            return self._value(meta, b)
        return self._value(meta, self._matrix_power(base, exponent, e))

    def _matrix_power(self, base: _Value, exponent: _Value, e: sp.Expr) -> M.Node:
        """``A^k`` for a square A and an integer 2 <= k <= MAX_MATRIX_POWER, as a product."""
        b, src, esrc = base.node, self._source(base), self._source(exponent)
        what, span = f"{src}^{esrc}", self._between(base, exponent)
        rows, cols = b.shape
        if not e.is_Integer:
            raise ParseError(f"matrix power {what} needs an integer exponent", span=span,
                             hint=f"write {src}' for the transpose, or {src}.^{esrc} for the entrywise power")
        if rows == 1 or cols == 1:
            hint = (f"write {src}'{src} or norm({self._inner(base)})^2, or {src}.^2 entrywise" if e == 2
                    else f"write {src}.^{esrc} for the entrywise power")
            raise ParseError(f"{what} is not defined for {src} ({M.shape_text(b.shape)})", span=span, hint=hint)
        if rows != cols:
            raise ParseError(f"{what} needs a square matrix, but {src} is {M.shape_text(b.shape)}", span=span,
                             hint=f"write {src}'{src}, or {src}.^{esrc} entrywise")
        if e < 0:
            raise ParseError(f"matrix power {what} is not supported", span=span, hint=f"write inv({src})^{-e}")
        if e == 0:
            raise ParseError(f"matrix power {what} is not supported", span=span,
                             hint=f"{src}^0 is the identity; write {src}.^0 for the entrywise power")
        if e > MAX_MATRIX_POWER or int(e) * sum(1 for _ in M.walk(b)) > MAX_POWER_NODES:
            raise ParseError(f"matrix power {what} is too large to write out", span=span,
                             hint=f"use a power of at most {MAX_MATRIX_POWER} on a small expression")
        return M.mul(*([b] * int(e)))  # conformable: b is square

    def _scalar_power(self, meta: Meta, base: _Value, exponent: _Value) -> _Value:
        """``s^e`` of a scalar: exact for numbers (with the size guard), ``exp`` for e^(scalar)."""
        b, e_node = self._node(base), self._node(exponent)
        if isinstance(b, M.Const) and b.value == sp.E and e_node.is_scalar and not isinstance(e_node, M.Const):
            return self._value(meta, M.func("exp", e_node))
        if not e_node.is_scalar:
            src, inner = self._source(exponent), self._inner(exponent)
            hint = (f"write exp({inner}) for the entrywise exponential" if isinstance(b, M.Const) and b.value == sp.E
                    else f"write exp(log({self._inner(base)}) * ({inner})) for the entrywise power")
            raise ParseError(f"exponent {src} ({M.shape_text(e_node.shape)}) must be a scalar",
                             span=self._at(exponent), hint=hint)
        e = self._scalar_exponent(exponent)
        span = self._between(base, exponent)
        if isinstance(b, M.Const):
            return self._value(meta, M.const(vocab.power(b.value, e, span)))
        if isinstance(b, M.Mul):
            vocab.power(b.coeff, e, span)  # the size guard: power() raises the coefficient to e
        return self._value(meta, M.power(b, e))

    @v_args(meta=True, inline=True)
    def epow(self, meta: Meta, base: _Value, op: Token, exponent: _Value) -> _Value:
        b = self._node(base)
        if b.is_scalar:
            e_node = self._node(exponent)
            if isinstance(b, M.Const) and b.value == sp.E and not isinstance(e_node, M.Const):
                return self._value(meta, M.func("exp", e_node))
            return self._scalar_power(meta, base, exponent)
        return self._value(meta, M.power(b, self._scalar_exponent(exponent)))

    @v_args(meta=True, inline=True)
    def factorial(self, meta: Meta, arg: _Value) -> _Value:
        node = self._node(arg)
        if not isinstance(node, M.Const):
            kind = "built from matrices" if node.is_scalar else M.shape_text(node.shape)
            raise ParseError(f"'!' needs a scalar without matrices, not {self._source(arg)} ({kind})",
                             span=self._at(arg), hint="use factorial only on numbers and scalar names")
        span = self._span(self._outer(arg)[0], self._range(meta)[1])
        return self._value(meta, M.const(vocab.factorial(node.value, span)))

    @v_args(meta=True, inline=True)
    def transpose(self, meta: Meta, arg: _Value, prime: Token) -> _Value:
        if arg.is_one:
            return self._value(meta, M.const(1), pending=_ONES_ROW)
        if arg.pending == _IDENTITY:
            return self._value(meta, arg.node, pending=_IDENTITY)  # I' = I
        return self._value(meta, M.transpose(self._node(arg)))
