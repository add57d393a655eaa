"""Is a symmetric matrix expression positive (semi)definite? Structural reasons, as a textbook gives them.

M^T M and M^T W M (W positive semidefinite, or diagonal with positive entries) are
positive semidefinite, definite iff M has full column rank; c I is definite for c > 0;
declared properties count; sums and positive multiples keep the property; the inverse of a
definite matrix is definite; A ⊗ B is semidefinite when both are (definite when both are).
Anything else is "not determined", never guessed.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from derive.matrix import expr as M
from derive.matrix.model import Definiteness
from derive.matrix.expr import plain
from derive.core.functions import sigmoid
from derive.matrix.elementwise import Bindings, to_scalar


@dataclass(frozen=True, slots=True)
class _Kind:
    """PSD under all of ``psd_when`` (empty: always); definite if also any one of ``pd_when`` holds.

    ``always_pd``: definite whenever it is PSD. ``sign`` -1 is the negative of such a matrix.
    """

    psd_when: tuple[str, ...]
    pd_when: tuple[str, ...]
    always_pd: bool
    sign: int = 1


def _nonnegative_entries(v: M.Node) -> bool:
    """Every entry of v is >= 0 (sigmoids, exps, squares, their products and 1 - sigmoid)."""
    b = Bindings()
    e = to_scalar(v, b)
    s = {sym: sp.Symbol(sym.name, real=True) for sym in b.by_symbol}
    e = e.xreplace(s)
    pos = sp.Dummy("p", positive=True)
    unit = sp.Dummy("q", positive=True)
    # sigmoid(a) in (0, 1): write it as q/(1+q) with q > 0
    e = e.replace(sigmoid, lambda a: unit / (1 + unit)) if e.has(sigmoid) else e
    e = e.replace(sp.exp, lambda a: pos)
    return bool(sp.factor(sp.cancel(e)).is_nonnegative)


def _gram(chain: tuple[M.Node, ...]) -> tuple[bool, str]:
    """M^T M or M^T W M: (True, name of M) when the chain has that form."""
    if len(chain) >= 2 and chain[0] == M.transpose(chain[-1]):
        m = chain[-1]
        mid = chain[1:-1]
        if not mid:
            return True, plain(m)
        if len(mid) == 1:
            w = mid[0]
            if isinstance(w, M.MatSym) and ({"positive definite", "positive semidefinite"} & w.props):
                return True, plain(m)
            if isinstance(w, M.Inverse) and isinstance(w.arg, M.MatSym) and "positive definite" in w.arg.props:
                return True, plain(m)  # the inverse of a positive definite matrix is positive definite
            if isinstance(w, M.Diag) and _nonnegative_entries(w.arg):
                return True, plain(m)
    if len(chain) == 2 and chain[1] == M.transpose(chain[0]):
        return True, plain(M.transpose(chain[0]))
    return False, ""


def _kind(node: M.Node) -> _Kind | None:
    c, body = M.split_coeff(node)
    inner: _Kind | None
    if isinstance(body, M.Identity) or (isinstance(body, M.MatSym) and "positive definite" in body.props):
        inner = _Kind((), (), True)
    elif isinstance(body, M.MatSym) and "positive semidefinite" in body.props:
        inner = _Kind((), (), False)
    elif isinstance(body, M.Mul) and not body.scalars:
        ok, m = _gram(body.chain)
        rank_one = ok and body.chain[-1].shape[0] == 1 or ok and body.chain[0].shape[1] == 1
        inner = (_Kind((), () if rank_one else (f"{m} has full column rank",), False) if ok else None)
    elif isinstance(body, M.Kron):
        inner = _kron(_kind(body.left), _kind(body.right))
    elif isinstance(body, M.Inverse):
        inner = _inverse(_kind(body.arg))
    elif isinstance(body, M.Add):
        parts = [_kind(t) for t in body.terms]
        if any(p is None for p in parts) or len({p.sign for p in parts if p is not None}) > 1:
            return None
        known = [p for p in parts if p is not None]
        psd = tuple(dict.fromkeys(w for p in known for w in p.psd_when))
        alts = tuple(dict.fromkeys(w for p in known for w in p.pd_when))
        always = [p for p in known if p.always_pd]
        if always and not always[0].psd_when:
            inner = _Kind(psd, (), True, known[0].sign)
        else:
            extra = tuple(" and ".join(p.psd_when) for p in always if p.psd_when)
            inner = _Kind(psd, extra + alts, False, known[0].sign)
    else:
        return None
    if inner is None:
        return None
    if c.is_positive:
        return inner
    if c.is_negative:
        return _Kind(inner.psd_when, inner.pd_when, inner.always_pd, -inner.sign)
    return _Kind(inner.psd_when + (_sign_condition(c, strict=False),),
                 ((_sign_condition(c, strict=True),) if inner.always_pd else ())
                 + tuple(f"{_sign_condition(c, strict=True)} and {w}" for w in inner.pd_when),
                 False, inner.sign)


def _kron(left: _Kind | None, right: _Kind | None) -> _Kind | None:
    """A ⊗ B: its eigenvalues are the products of theirs, so PSD ⊗ PSD is PSD, definite when both are."""
    if left is None or right is None:
        return None
    psd = tuple(dict.fromkeys(left.psd_when + right.psd_when))
    sign = left.sign * right.sign
    if left.always_pd and right.always_pd:
        return _Kind(psd, (), True, sign)
    pd_left = ("",) if left.always_pd else left.pd_when
    pd_right = ("",) if right.always_pd else right.pd_when
    pd = tuple(" and ".join(w for w in (a, b) if w) for a in pd_left for b in pd_right)
    return _Kind(psd, tuple(w for w in pd if w), False, sign)


def _inverse(k: _Kind | None) -> _Kind | None:
    """A⁻¹ of a positive definite A is positive definite; of a PSD A, it exists only when A is definite."""
    if k is None:
        return None
    if k.always_pd:
        return _Kind(k.psd_when, (), True, k.sign)
    if len(k.pd_when) == 1:  # (XᵀX)⁻¹: exists when X has full column rank, and is then definite
        return _Kind(k.psd_when + k.pd_when, (), True, k.sign)
    return None


def _sign_condition(c: sp.Expr, *, strict: bool) -> str:
    """c > 0 (or >= 0) stated on the symbols: -2*lam >= 0 reads lam <= 0."""
    k, rest = c.as_coeff_Mul()
    up = k > 0
    op = (">" if up else "<") if strict else (">=" if up else "<=")
    return f"{sp.sstr(rest)} {op} 0"


def definiteness(h: M.Node) -> Definiteness:
    """The definiteness of a (symmetric) Hessian, with the reason."""
    k = _kind(h)
    if k is None:
        return Definiteness("not determined", "no structural argument applies; the sign may depend on the point")
    word = "positive" if k.sign > 0 else "negative"
    shape = "convex" if k.sign > 0 else "concave"
    opt = "minimum" if k.sign > 0 else "maximum"
    when = f" when {' and '.join(k.psd_when)}" if k.psd_when else ""
    if k.always_pd:
        return Definiteness(f"{word} definite{when}",
                            f"the function is strictly {shape}{when}: a stationary point is the unique global {opt}")
    strict = " or ".join(k.pd_when)
    if k.psd_when and strict:  # definiteness needs the semidefiniteness conditions too
        strict = f"{' and '.join(k.psd_when)} and ({strict})" if len(k.pd_when) > 1 else \
            f"{' and '.join(k.psd_when)} and {strict}"
    reason = (f"a sum of terms M^T W M with W positive semidefinite (and multiples of I), so the function is "
              f"{shape}{when} and every stationary point is a global {opt}")
    return Definiteness(f"{word} semidefinite{when}", reason, strict=strict)
