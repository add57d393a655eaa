"""Deciding the sign of an expression for every parameter in its space.

SymPy's assumptions know ``theta > 0`` but not ``0 < theta < 1``. Each parameter is therefore
written through a positive symbol that covers its interval exactly (``theta = u/(1 + u)`` for
(0, 1), ``a + u`` for (a, oo), ``b - u`` for (-oo, b)); the sign of the rewritten expression is
then a question SymPy's assumptions can answer, whole or term by term.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Literal

import sympy as sp

from derive.core.work import run_counted
from derive.parse.domain import VarDomain

Sign = Literal["positive", "negative", "nonnegative", "nonpositive", "zero"]


def reparametrize(symbols: Iterable[sp.Symbol], domains: Mapping[str, VarDomain]) -> dict[sp.Symbol, sp.Expr]:
    """Each symbol with a bounded domain as an expression in a fresh positive symbol."""
    out: dict[sp.Symbol, sp.Expr] = {}
    for s in symbols:
        d = domains.get(s.name)
        if d is None or (d.lower is None and d.upper is None):
            continue
        u = sp.Dummy(f"u_{s.name}", positive=True)
        lo = None if d.lower is None else sp.nsimplify(d.lower)
        hi = None if d.upper is None else sp.nsimplify(d.upper)
        if lo is not None and hi is not None:
            out[s] = lo + (hi - lo) * u / (1 + u)
        elif lo is not None:
            out[s] = lo + u
        else:
            assert hi is not None
            out[s] = hi - u
    return out


FORM_WORK = 400_000
"""The work allowance (Python calls, ``run_counted``) of the factored and expanded forms of one
expression: ``1 - p1 - ... - p19`` with each ``p = u/(1 + u)`` has a numerator of 2^19 terms once
expanded, so past the allowance the sign is left undecided rather than computed for minutes."""


_remembered: dict[tuple[sp.Expr, tuple[VarDomain, ...]], Sign | None] | None = None
"""The signs found during one derivation (``signs_remembered``), else None."""


@contextmanager
def signs_remembered() -> Iterator[None]:
    """Within the block, ``sign_of`` answers a question asked before from memory.

    One derivation asks the same question more than once (the second derivative's sign for the
    projection onto the space and again for the global maximum; an end of the space for a root and
    for the conditions), each time with the statistics hidden behind new dummies: a question is
    the expression with its dummies named by their names and assumptions, and the domains of its
    symbols. The memory lives for the block only (the outermost one, when blocks nest).
    """
    global _remembered
    outer = _remembered
    if outer is None:
        _remembered = {}
    try:
        yield
    finally:
        _remembered = outer


def sign_of(expr: sp.Expr, domains: Mapping[str, VarDomain]) -> Sign | None:
    """The sign of ``expr`` for all values of its symbols in their domains, or None if undecided."""
    dummies = expr.atoms(sp.Dummy)
    if _remembered is None or len({(d.name, tuple(sorted(d.assumptions0.items()))) for d in dummies}) < len(dummies):
        return _sign_of(expr, domains)  # two dummies alike by name and assumptions: no key tells them apart
    named = expr.xreplace({d: sp.Symbol(f"\0{d.name}", **d.assumptions0) for d in dummies})
    key = (named, tuple(sorted({d for s in expr.free_symbols if (d := domains.get(s.name)) is not None},
                               key=repr)))
    if key not in _remembered:
        _remembered[key] = _sign_of(expr, domains)
    return _remembered[key]


def _sign_of(expr: sp.Expr, domains: Mapping[str, VarDomain]) -> Sign | None:
    sub = reparametrize(expr.free_symbols, domains)
    e = expr.xreplace(sub) if sub else expr
    for form in _forms(e):
        s = _sign(form)
        if s is not None:
            return s
    return None


def _forms(e: sp.Expr) -> Iterator[sp.Expr]:
    """``e``, then over a common denominator, factored, and with numerator and denominator expanded
    (the last two under ``FORM_WORK``); each made only when the ones before leave the sign open."""
    yield e
    try:
        t = sp.together(e)
    except (sp.PolynomialError, TypeError, ValueError):  # pragma: no cover - exotic inputs
        return
    yield t

    def rewritten() -> tuple[sp.Expr, sp.Expr]:
        f = sp.factor(t)
        n, d = sp.fraction(f)
        return f, sp.expand(n) / sp.expand(d)

    try:
        counted = run_counted(rewritten, FORM_WORK)
    except (sp.PolynomialError, TypeError, ValueError):  # pragma: no cover - exotic inputs
        return
    if counted.value is not None:
        yield from counted.value


def _sign(e: sp.Expr) -> Sign | None:
    if e.is_zero:
        return "zero"
    if e.is_positive:
        return "positive"
    if e.is_negative:
        return "negative"
    if isinstance(e, sp.Mul) or isinstance(e, sp.Pow):
        n, d = sp.fraction(e)
        if d != 1:
            sn, sd = _sign(n), _sign(d)
            if sd == "positive" and sn is not None:
                return sn
            if sd == "negative" and sn is not None:
                return _flip(sn)
    if isinstance(e, sp.Add):
        signs = {_sign(t) for t in sp.Add.make_args(_expand_bounded(e))}
        if signs <= {"negative", "nonpositive", "zero"} and "negative" in signs:
            return "negative"
        if signs <= {"positive", "nonnegative", "zero"} and "positive" in signs:
            return "positive"
        s = _root_sign(e)
        if s is not None:
            return s
    if e.is_nonnegative:
        return "nonnegative"
    if e.is_nonpositive:
        return "nonpositive"
    return None


EXPAND_TERMS = 2000
"""The most terms an expansion in the sign test may make: ``(1 + u1)...(1 + u19)`` would make 2^19."""


def _expand_bounded(e: sp.Expr) -> sp.Expr:
    """``expand(e)`` when it has at most ``EXPAND_TERMS`` terms (counted before expanding), else ``e``."""
    return sp.expand(e) if _terms_after_expand(e) <= EXPAND_TERMS else e


def _terms_after_expand(e: sp.Expr) -> int:
    """An upper bound on the number of terms of ``expand(e)`` (capped just past ``EXPAND_TERMS``)."""
    cap = EXPAND_TERMS + 1
    if isinstance(e, sp.Add):
        return min(cap, sum(_terms_after_expand(t) for t in e.args))
    if isinstance(e, sp.Mul):
        out = 1
        for f in e.args:
            out = min(cap, out * _terms_after_expand(f))
        return out
    if isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp > 0:
        base = _terms_after_expand(e.base)
        return 1 if base == 1 else min(cap, base ** min(int(e.exp), 64))
    return 1


def _root_sign(e: sp.Add) -> Sign | None:
    """The sign of ``c sqrt(A) + B`` (the quadratic formula) from the sign of ``c^2 A - B^2``.

    ``sqrt(A) >= 0``, so ``c^2 A > B^2`` means ``|c sqrt(A)| > |B|`` and the sum has the sign of
    ``c``; ``c^2 A < B^2`` means it has the sign of ``B``. Exactly one term may hold the square root.
    """
    def root_of(t: sp.Expr) -> sp.Expr | None:
        found = [f for f in sp.Mul.make_args(t) if isinstance(f, sp.Pow) and f.exp == sp.S.Half]
        return found[0] if len(found) == 1 else None

    terms = sp.Add.make_args(e)
    with_root = [t for t in terms if root_of(t) is not None]
    if len(with_root) != 1 or any(isinstance(a, sp.Pow) and a.exp.is_Rational and not a.exp.is_Integer
                                  for t in terms if t is not with_root[0] for a in sp.preorder_traversal(t)):
        return None
    term = with_root[0]
    root = root_of(term)
    assert root is not None
    c = term / root
    b = e - term
    sc = _sign(c)
    if sc not in ("positive", "negative") or root.has(sp.I):
        return None
    gap = _sign(_expand_bounded(c**2 * root.base - b**2))
    if gap == "positive":
        return sc
    if gap == "nonnegative":
        return "nonnegative" if sc == "positive" else "nonpositive"
    if gap == "negative":
        sb = _sign(b)
        return sb if sb in ("positive", "negative") else None
    return None


def _flip(s: Sign) -> Sign:
    return {"positive": "negative", "negative": "positive", "nonnegative": "nonpositive",
            "nonpositive": "nonnegative", "zero": "zero"}[s]  # type: ignore[return-value]
