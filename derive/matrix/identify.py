"""Identification: read the gradient off df = <G, dX> and the Hessian off d(grad) = H dx.

``pull(E, S)`` returns G with <S, E> = <G, dX> for E linear in dX (the Frobenius inner
product <A, B> = tr(A^T B)); it moves every factor off dX by the trace's cyclic property
and the transpose of a scalar, the same moves a person makes by hand.
"""
from __future__ import annotations

from derive.core.errors import UnsupportedError
from derive.matrix import expr as M
from derive.matrix.expr import plain


def _linear_factor(factors: tuple[M.Node, ...]) -> int:
    hits = [i for i, f in enumerate(factors) if M.has_differential(f)]
    if len(hits) != 1:
        raise UnsupportedError(f"the differential is not linear in the variable ({len(hits)} factors hold it)")
    return hits[0]


def pull(e: M.Node, seed: M.Node) -> M.Node:
    """G such that <seed, e> = <G, dX>, for ``e`` linear in the differential dX."""
    if isinstance(e, M.Differential):
        return seed
    if isinstance(e, M.Transpose):
        return pull(e.arg, M.transpose(seed))
    if isinstance(e, M.Add):
        return M.add(*(pull(t, seed) for t in e.terms if M.has_differential(t)))
    if isinstance(e, M.Mul):
        i = _linear_factor(e.factors)
        f = e.factors[i]
        others = e.factors[:i] + e.factors[i + 1:]
        if f.is_scalar:
            rest = M.mul(M.const(e.coeff), *others)
            return pull(f, M.inner(seed, rest) if not rest.is_scalar or not seed.is_scalar else M.mul(seed, rest))
        scal = e.scalars
        chain = e.chain
        j = chain.index(f)
        left, right = chain[:j], chain[j + 1:]
        parts: list[M.Node] = [M.const(e.coeff), *scal]
        if left:
            parts.append(M.transpose(M.mul(*left)))
        parts.append(seed)
        if right:
            parts.append(M.transpose(M.mul(*right)))
        return pull(f, M.mul(*parts))
    if isinstance(e, M.Trace):
        n = e.arg.shape[0]
        return pull(e.arg, M.mul(seed, M.Identity(n)))
    if isinstance(e, M.Hadamard):
        i = _linear_factor(e.factors)
        others = e.factors[:i] + e.factors[i + 1:]
        return pull(e.factors[i], M.hadamard(seed, *others))
    if isinstance(e, M.Diag):
        return pull(e.arg, M.diagpart(seed))  # <S, diag(v)> = <diagvec(S), v>
    if isinstance(e, M.DiagPart):
        return pull(e.arg, M.diag(seed))  # <s, diagvec(A)> = <diag(s), A>
    raise UnsupportedError(f"cannot identify a gradient through {plain(e)}",
                           hint="this combination is not supported yet")


def gradient_of(df: M.Node, var: M.MatSym) -> M.Node:
    """G with df = <G, dX> (df a scalar linear in dX)."""
    if not M.has_differential(df):
        return M.zero(var.shape)
    return pull(df, M.const(1))


def _move_right(f: M.Node, r: M.Node, head: tuple[M.Node, ...], e: M.Node) -> M.Node:
    """Rewrite head F r (F linear in dx, r a constant column) so that dx ends the chain."""
    if r.is_scalar:
        return M.mul(*head, r, f)  # a scalar commutes: L u (s^T v) = (s^T v) L u
    if isinstance(f, M.Transpose) and isinstance(f.arg, M.Add):
        return M.add(*(M.mul(*head, M.transpose(t), r) for t in f.arg.terms))
    if isinstance(f, M.Add):
        return M.add(*(M.mul(*head, t, r) for t in f.terms))
    if isinstance(f, M.Diag):
        return M.mul(*head, M.hadamard(r, f.arg))  # diag(u) r = r ⊙ u
    if isinstance(f, M.Transpose) and isinstance(f.arg, M.Differential):
        return M.mul(*head, M.mul(M.transpose(r), f.arg))  # L dx^T r = L (r^T dx)
    raise UnsupportedError(f"cannot identify a Hessian through {plain(e)}",
                           hint="this combination is not supported yet")


def jacobian(e: M.Node, var: M.MatSym) -> M.Node:
    """J with e = J dx, for a column vector ``e`` linear in dx (x a column vector)."""
    p = var.shape[0]
    if not M.has_differential(e):
        return M.Zero(e.shape[0], p)
    if isinstance(e, M.Differential):
        return M.Identity(p)
    if isinstance(e, M.Transpose) and isinstance(e.arg, M.Add):
        return jacobian(M.add(*(M.transpose(t) for t in e.arg.terms)), var)
    if isinstance(e, M.Add):
        return M.add(*(jacobian(t, var) for t in e.terms if M.has_differential(t)))
    if isinstance(e, M.Mul):
        i = _linear_factor(e.factors)
        f = e.factors[i]
        others = e.factors[:i] + e.factors[i + 1:]
        if f.is_scalar:
            rest = M.mul(M.const(e.coeff), *others)  # a column; f = g^T dx
            return M.mul(rest, M.transpose(pull(f, M.const(1))))
        chain = e.chain
        j = chain.index(f)
        head = (M.const(e.coeff), *e.scalars, *chain[:j])
        if j == len(chain) - 1:
            return M.mul(*head, jacobian(f, var))
        return jacobian(_move_right(f, M.mul(*chain[j + 1:]), head, e), var)
    if isinstance(e, M.Hadamard):
        i = _linear_factor(e.factors)
        others = e.factors[:i] + e.factors[i + 1:]
        return M.mul(M.diag(M.hadamard(*others)), jacobian(e.factors[i], var))
    raise UnsupportedError(f"cannot identify a Hessian through {plain(e)}",
                           hint="this combination is not supported yet")


def vec_jacobian(e: M.Node, var: M.MatSym) -> M.Node:
    """J with vec(e) = J vec(dX), for a matrix ``e`` linear in dX: vec(A dX B) = (B^T ⊗ A) vec(dX)."""
    r, c = var.shape
    if not M.has_differential(e):
        return M.Zero(e.shape[0] * e.shape[1], r * c)
    if isinstance(e, M.Differential):
        return M.Identity(r * c)
    if isinstance(e, M.Vec):
        return vec_jacobian(e.arg, var)  # vec(vec(E)) = vec(E)
    if isinstance(e, M.Transpose):
        er, ec = e.arg.shape
        return M.mul(M.commutation(er, ec), vec_jacobian(e.arg, var))  # vec(E^T) = K vec(E)
    if isinstance(e, M.Add):
        return M.add(*(vec_jacobian(t, var) for t in e.terms if M.has_differential(t)))
    if isinstance(e, M.Mul):
        i = _linear_factor(e.factors)
        f = e.factors[i]
        others = e.factors[:i] + e.factors[i + 1:]
        if f.is_scalar:
            rest = M.mul(M.const(e.coeff), *others)  # phi M: vec(M) vec(grad phi)^T
            return M.mul(M.vec(rest), M.transpose(M.vec(pull(f, M.const(1)))))
        chain = e.chain
        j = chain.index(f)
        left = M.mul(*chain[:j]) if j else M.Identity(f.shape[0])
        right = M.mul(*chain[j + 1:]) if j + 1 < len(chain) else M.Identity(f.shape[1])
        return M.mul(M.const(e.coeff), *e.scalars, M.kron(M.transpose(right), left), vec_jacobian(f, var))
    if isinstance(e, M.Hadamard):
        i = _linear_factor(e.factors)
        others = e.factors[:i] + e.factors[i + 1:]
        return M.mul(M.diag(M.vec(M.hadamard(*others))), vec_jacobian(e.factors[i], var))
    raise UnsupportedError(f"cannot identify a Hessian through {plain(e)}",
                           hint="this combination is not supported yet")
