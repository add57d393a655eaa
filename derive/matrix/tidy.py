"""Readable matrix results: entrywise cancellation, collected terms, common factors pulled out.

Every rewrite is an identity (the certifier checks the step anyway). Entrywise parts go
through SymPy's scalar algebra (``elementwise``) and a candidate is kept only when it is
smaller; sums get their common left and right factors and a common positive integer
factored out: A x + A^T x -> (A + A^T) x, 2 X^T X + 2 lam I -> 2 (X^T X + lam I).
"""
from __future__ import annotations

from collections.abc import Callable
from math import gcd

import sympy as sp

from derive.core.budget import Clock
from derive.matrix import expr as M
from derive.core.functions import sigmoid
from derive.matrix.elementwise import Bindings, from_scalar, to_scalar

_ENTRYWISE = (M.Add, M.Hadamard, M.Func, M.Power)
_MAX_SCALAR_OPS = 200


def size(node: M.Node) -> int:
    """How big a node reads: nodes, plus the operations inside scalar coefficients."""
    total = 0
    for n in M.walk(node):
        total += 1
        if isinstance(n, M.Power) and n.exp.is_Integer and abs(n.exp) >= 2:
            total += int(abs(n.exp))  # u^2 reads as a repeated product
        if isinstance(n, M.Const):
            total += int(sp.count_ops(n.value))
        elif isinstance(n, M.Mul):
            total += int(sp.count_ops(n.coeff)) + (1 if n.coeff.could_extract_minus_sign() else 0)
    return total


def tidy(node: M.Node, clock: Clock) -> M.Node:
    """The tidied node (bottom-up)."""
    return _Tidier(clock).run(node, inner=False)


class _Tidier:
    """One tidy run: the clock and a memo of entrywise simplifications (per run, never global)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.memo: dict[M.Node, M.Node] = {}

    def run(self, node: M.Node, *, inner: bool) -> M.Node:
        self.clock.check("tidying the result")
        entrywise = isinstance(node, _ENTRYWISE)
        kids = node.children()
        if kids:
            new = tuple(self.run(k, inner=entrywise and isinstance(k, _ENTRYWISE)) for k in kids)
            if new != kids:
                node = node.rebuild(new)
        if isinstance(node, M.Transpose) and isinstance(node.arg, M.Add) and M.is_symmetric(node.arg):
            return node.arg  # (A + A^T)^T = A + A^T
        if isinstance(node, M.Mul):
            node = _cancel_inverses(node)
        if isinstance(node, M.Power) and node.is_scalar:
            node = _as_norm(node)
        if isinstance(node, _ENTRYWISE) and not inner:
            hit = self.memo.get(node)
            if hit is None:
                hit = _entrywise(node, self.clock) if _worth_it(node) else node
                self.memo[node] = hit
            node = hit
        if isinstance(node, M.Add):
            node = _merge_diagonals(node, self.clock)
        if isinstance(node, M.Add):
            node = _factor(node, self.clock)
        return node


def _as_norm(node: M.Power) -> M.Node:
    """(uᵀu)^(k/2) = ‖u‖ᵏ and tr(UᵀU)^(k/2) = ‖U‖_Fᵏ: a norm differentiated through its quadratic form
    reads as the norm again, so that ‖x‖·(xᵀx)^(1/2) becomes ‖x‖²."""
    base = node.base.arg if isinstance(node.base, M.Trace) else node.base
    if not (isinstance(base, M.Mul) and base.coeff == 1 and not base.scalars and len(base.chain) == 2):
        return node
    left, right = base.chain
    if left != M.transpose(right) or (right.shape[1] != 1) != isinstance(node.base, M.Trace):
        return node
    return M.power(M.norm(right), 2 * node.exp)


def _inverse_of(a: M.Node, b: M.Node) -> bool:
    """a b = I: b is a's inverse (A⁻¹ A, Aᵀ (Aᵀ)⁻¹, (A⁻¹)ᵀ Aᵀ)."""
    if a.shape[0] != a.shape[1] or a.is_scalar:
        return False
    for x, y in ((a, b), (b, a)):
        if isinstance(x, M.Inverse) and x.arg == y:
            return True
        if isinstance(x, M.Transpose) and isinstance(x.arg, M.Inverse) and M.transpose(x.arg.arg) == y:
            return True
    return False


def _cancel_inverses(node: M.Mul) -> M.Node:
    """(A B C)⁻¹ = C⁻¹ B⁻¹ A⁻¹ for square factors, kept only where a factor then cancels its inverse:
    (Xᵀ Xᵀ Xᵀ)⁻¹ Xᵀ Xᵀ = X⁻ᵀ (the gradient of det(X³)). Where the inverse of the product exists, so
    does each factor's (det(ABC) = det A det B det C)."""
    if not any(isinstance(f, M.Inverse) and isinstance(f.arg, M.Mul) for f in node.chain):
        return node
    spread: list[M.Node] = []
    for f in node.chain:
        inner = f.arg if isinstance(f, M.Inverse) and isinstance(f.arg, M.Mul) else None
        if inner is not None and inner.coeff == 1 and not inner.scalars and all(
                c.shape[0] == c.shape[1] for c in inner.chain):
            spread += [M.inverse(c) for c in reversed(inner.chain)]
        else:
            spread.append(f)
    out: list[M.Node] = []
    cancelled = False
    for f in spread:
        if out and _inverse_of(out[-1], f):
            out.pop()
            cancelled = True
        else:
            out.append(f)
    if not cancelled:
        return node
    n = node.chain[0].shape[0]
    return M.mul(M.const(node.coeff), *node.scalars, *(out or [M.Identity(n)]))


def _worth_it(node: M.Node) -> bool:
    """Entrywise algebra can only help where there are entrywise products, powers or functions."""
    return any(isinstance(n, (M.Hadamard, M.Func, M.Power)) for n in M.walk(node))


def _merge_diagonals(node: M.Add, clock: Clock) -> M.Node:
    """diag(u) + diag(v) = diag(u + v) (diag is linear)."""
    diags = [t for t in node.terms if isinstance(t, M.Diag)]
    if len(diags) < 2:
        return node
    rest = [t for t in node.terms if not isinstance(t, M.Diag)]
    merged = M.diag(tidy(M.add(*(d.arg for d in diags)), clock))
    return M.add(merged, *rest)


def _sigmoid_form(expr: sp.Expr, sign: int) -> sp.Expr:
    """exp(a) written through s = sigmoid(a) (or sigmoid(-a)), to be cancelled: finds sigmoids where they hide.

    exp(a) = s/(1 - s) with s = sigmoid(a), and = (1 - t)/t with t = sigmoid(-a).
    """
    if sign > 0:
        return expr.replace(sp.exp, lambda a: sigmoid(a) / (1 - sigmoid(a)))
    return expr.replace(sp.exp, lambda a: (1 - sigmoid(-a)) / sigmoid(-a))


def _candidates(expr: sp.Expr) -> list[sp.Expr]:
    """The scalar forms tried, each once: without an exponential both sigmoid forms are ``expr`` itself, so
    their ``cancel`` and ``factor_terms`` are the ones already computed (remembered within this call)."""
    out = [expr]
    cancelled: dict[sp.Expr, sp.Expr] = {}
    factored: dict[sp.Expr, sp.Expr] = {}

    def cancel(e: sp.Expr) -> sp.Expr:
        hit = cancelled.get(e)
        if hit is None:
            hit = cancelled[e] = sp.cancel(e)
        return hit

    def factor_terms(e: sp.Expr) -> sp.Expr:
        hit = factored.get(e)
        if hit is None:
            hit = factored[e] = sp.factor_terms(e)
        return hit

    makers: list[Callable[[sp.Expr], sp.Expr]] = [
        sp.expand, cancel, factor_terms,
        lambda e: factor_terms(cancel(_sigmoid_form(e, 1))),
        lambda e: factor_terms(cancel(_sigmoid_form(e, -1))),
        lambda e: factor_terms(sp.expand(e)),
    ]
    for make in makers:
        try:
            out.append(make(expr))
        except (sp.PolynomialError, TypeError, ValueError):  # pragma: no cover - SymPy refusals
            continue
    return out


def _entrywise(node: M.Node, clock: Clock) -> M.Node:
    b = Bindings()
    expr = to_scalar(node, b)
    if sp.count_ops(expr) > _MAX_SCALAR_OPS or not b.by_symbol:
        return node
    best, best_size = node, size(node)
    tried: set[sp.Expr] = set()
    for cand in _candidates(expr):
        clock.check("tidying entrywise terms")
        if cand in tried:  # the same form again: the same node, not smaller than itself
            continue
        tried.add(cand)
        try:
            back = from_scalar(cand, b, node.shape)
        except (ValueError, TypeError):
            continue
        except Exception as exc:  # UnsupportedError: this candidate is not expressible entrywise
            from derive.core.errors import UnsupportedError

            if isinstance(exc, UnsupportedError):
                continue
            raise
        s = size(back)
        if s < best_size:
            best, best_size = back, s
    return best


def _chain_of(term: M.Node) -> tuple[sp.Expr, tuple[M.Node, ...], tuple[M.Node, ...]]:
    """(coefficient, scalar factors, chain) of a term."""
    c, body = M.split_coeff(term)
    if isinstance(body, M.Mul):
        return c, body.scalars, body.chain
    if body.is_scalar:
        return c, (body,), ()
    return c, (), (body,)


def _factor(node: M.Add, clock: Clock) -> M.Node:
    terms = [_chain_of(t) for t in node.terms]
    chains = [ch for _, _, ch in terms]
    if all(chains) and len(terms) > 1:
        left = _common_prefix(chains)
        right = _common_suffix([ch[len(left):] for ch in chains])
        if left or right:
            inner_terms = []
            for c, scal, ch in terms:
                mid = ch[len(left):len(ch) - len(right)]
                rows = left[-1].shape[1] if left else ch[0].shape[0]
                cols = right[0].shape[0] if right else ch[-1].shape[1]
                body = M.mul(*mid) if mid else (M.Identity(rows) if rows == cols else M.Ones(rows, cols))
                inner_terms.append(M.mul(M.const(c), *scal, body))
            inner = tidy(M.add(*inner_terms), clock)
            return M.mul(*left, inner, *right)
    return _common_integer(node)


def _common_prefix(chains: list[tuple[M.Node, ...]]) -> tuple[M.Node, ...]:
    out: list[M.Node] = []
    for items in zip(*chains):
        if all(i == items[0] for i in items):
            out.append(items[0])
        else:
            break
    # keep at least one factor in some term, so that a sum never collapses into its factor
    while out and all(len(ch) == len(out) for ch in chains):
        out.pop()
    return tuple(out)


def _common_suffix(chains: list[tuple[M.Node, ...]]) -> tuple[M.Node, ...]:
    rev = _common_prefix([tuple(reversed(ch)) for ch in chains])
    return tuple(reversed(rev))


def _common_integer(node: M.Add) -> M.Node:
    coeffs = [M.split_coeff(t)[0] for t in node.terms]
    ints: list[int] = []
    for c in coeffs:
        num = sp.Mul.make_args(c)[0]
        if not (num.is_Integer and num > 1):
            return node
        ints.append(int(num))
    g = 0
    for i in ints:
        g = gcd(g, i)
    if g <= 1:
        return node
    return M.mul(M.const(g), M.add(*(M.scale(sp.Rational(1, g), t) for t in node.terms)))


def expand_products(node: M.Node) -> M.Node:
    """Products distributed over sums, bottom-up (A (B + C) -> A B + A C; like terms merge in ``add``).

    Used where an expanded form may show what the written one hides: a gradient that is already
    symmetric, (M + Mᵀ)/2 of a symmetric M.
    """
    def fn(n: M.Node) -> M.Node | None:
        kids = n.children()
        if kids:
            new = tuple(expand_products(k) for k in kids)
            if new != kids:
                n = n.rebuild(new)
        if isinstance(n, M.Mul):
            for i, f in enumerate(n.factors):
                if isinstance(f, M.Add):
                    return expand_products(M.add(*(M.mul(M.const(n.coeff), *n.factors[:i], t, *n.factors[i + 1:])
                                                   for t in f.terms)))
        if isinstance(n, M.Transpose) and isinstance(n.arg, M.Add):
            return M.add(*(M.transpose(t) for t in n.arg.terms))
        return n

    return fn(node) or node
