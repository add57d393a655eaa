"""Results as a teacher writes them: in the question's own sums, common factors pulled out.

SymPy distributes numbers over sums and orients every sum its own way, so Rosenbrock's
∂f/∂x comes out as ``−200·x·(−2·x² + 2·y) + 2·x − 2``. A teacher writes ``−400x(y − x²) − 2(1 − x)``:
the sums the user typed (``y − x²``, ``1 − x``) stay as typed, the number inside a sum moves in
front of it, and terms that together make a multiple of a typed sum are written so. Three
rewrites, each an exact identity (the step that applies them is certified like any other):

1. a sum factor gives up its content (``2·x² + 2·y − 22`` -> ``2·(x² + y − 11)``);
2. a sum factor is turned to the orientation the user typed (``p − 1`` -> ``−(1 − p)``, the sign
   joining the coefficient), and a leading minus sign is absorbed by a sum that then starts with a
   number: ``−n/(p·(p − 1))`` -> ``n/(p·(1 − p))``;
3. terms that are a multiple of a typed sum are collected into it (``2·x − 2`` -> ``−2·(1 − x)``).

A product of a number and a sum is kept unevaluated (SymPy would distribute it again); the
expression is otherwise SymPy's. Nothing here reads user text: the typed sums come from the reader.
"""
from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

_MAX_TERMS = 40
"""Sums longer than this are left as they are (the matching is quadratic in the number of terms)."""


def _primitive(s: sp.Expr) -> sp.Expr:
    return s.primitive()[1] if isinstance(s, sp.Add) else s


def _typed(sums: Sequence[sp.Expr]) -> list[sp.Add]:
    """The user's sums of two or more terms, each without its content, in typed order, once each."""
    out: list[sp.Add] = []
    for s in sums:
        p = _primitive(s)
        if isinstance(p, sp.Add) and 2 <= len(p.args) <= _MAX_TERMS and p not in out:
            out.append(p)
    return out


def _mul(coeff: sp.Expr, factors: Sequence[sp.Expr]) -> sp.Expr:
    """``coeff`` times ``factors``, kept as written when SymPy would distribute a number over a sum."""
    rest = [f for f in factors if f != 1]
    if coeff == 1:
        return sp.Mul(*rest)
    if len(rest) == 1 and isinstance(rest[0], sp.Add):
        return sp.Mul(coeff, rest[0], evaluate=False)
    return sp.Mul(coeff, *rest)


def _orient_term(term: sp.Expr, typed: list[sp.Add]) -> sp.Expr:
    """``term`` with the content of each sum factor pulled out and each sum turned as typed."""
    if isinstance(term, sp.Add) or not term.has(sp.Add):
        return term
    coeff, factors = term.as_coeff_mul()
    out: list[sp.Expr] = []
    changed = False
    for f in factors:
        base, exp = f.as_base_exp()
        if not (isinstance(base, sp.Add) and exp.is_Integer) or len(base.args) > _MAX_TERMS:
            out.append(f)
            continue
        content, prim = base.primitive()
        sign = 1
        if prim not in typed and -prim in typed:
            prim, sign = -prim, -1
        if content == 1 and sign == 1:
            out.append(f)
            continue
        coeff = coeff * (content * sign) ** exp
        out.append(prim ** exp)
        changed = True
    if coeff.is_negative:
        # -n/(p(p - 1)) -> n/(p(1 - p)): a minus sign absorbed by a sum that then starts with a number
        for i, f in enumerate(out):
            base, exp = f.as_base_exp()
            if (isinstance(base, sp.Add) and exp.is_Integer and exp % 2 and base not in typed
                    and any(a.is_Number and a.is_positive for a in (-base).args)):
                out[i] = (-base) ** exp
                coeff, changed = -coeff, True
                break
    return _mul(coeff, out) if changed else term


def _collect(terms: list[sp.Expr], typed: list[sp.Add]) -> list[sp.Expr]:
    """Terms that together are a multiple of a typed sum, replaced by that multiple (first found, in place)."""
    terms = list(terms)
    for s in sorted(typed, key=lambda s: -len(s.args)):
        parts = list(s.args)
        if len(parts) > len(terms):
            continue
        found = None
        for i, t in enumerate(terms):
            if t.has(sp.Add):
                continue
            for p in parts:
                r = sp.cancel(t / p)
                if r.has(sp.Add) or r == 0:
                    continue
                wanted = [sp.expand(r * q) for q in parts]
                at = _positions(terms, wanted)
                if at is not None:
                    found = (r, at)
                    break
            if found:
                break
        if found is None:
            continue
        r, at = found
        coeff, rest = r.as_coeff_Mul()
        merged = _mul(coeff, [rest, s]) if rest != 1 else _mul(coeff, [s])
        first = min(at)
        terms = [merged if k == first else t for k, t in enumerate(terms) if k == first or k not in at]
    return terms


def _spread(terms: list[sp.Expr], typed: list[sp.Add]) -> list[sp.Expr]:
    """A number times a sum that is not a typed one, spread into its terms (so they can be regrouped)."""
    out: list[sp.Expr] = []
    for t in terms:
        c, rest = t.as_coeff_Mul()
        if isinstance(rest, sp.Add) and rest.primitive()[1] not in typed and -rest.primitive()[1] not in typed:
            out += [c * a for a in rest.args]
        else:
            out.append(t)
    return out if len(out) <= _MAX_TERMS else terms


def _positions(terms: list[sp.Expr], wanted: list[sp.Expr]) -> list[int] | None:
    """Distinct positions of ``wanted`` among ``terms``, or None if one is missing."""
    at: list[int] = []
    for w in wanted:
        k = next((k for k, t in enumerate(terms) if k not in at and t == w), None)
        if k is None:
            return None
        at.append(k)
    return at


def teacher_form(expr: sp.Expr, sums: Sequence[sp.Expr]) -> sp.Expr | None:
    """``expr`` in the question's own sums with common factors pulled out, or None if that changes nothing."""
    typed = _typed(sums)
    terms = list(sp.Add.make_args(expr))
    if len(terms) > _MAX_TERMS:
        return None
    terms = _spread(terms, typed)
    new = [_orient_term(t, typed) for t in terms]
    if len(new) > 1 and typed:
        new = _collect(new, typed)
    if new == terms:
        return None
    if len(new) == 1:
        return new[0]
    return sp.Add(*new, evaluate=False)


def canonical(expr: sp.Expr) -> sp.Expr:
    """SymPy's own form of a teacher's form (every product and sum rebuilt, so evaluated)."""
    return expr.replace(lambda n: isinstance(n, (sp.Add, sp.Mul)), lambda n: n.func(*n.args))


def shown(expr: sp.Expr, sums: Sequence[sp.Expr] = ()) -> sp.Expr:
    """``expr`` in its teacher's form when that form is proved equal to it (``cancel`` of the
    difference is 0), else ``expr`` itself: for results certified in SymPy's form and printed in this one."""
    if not isinstance(expr, sp.Expr) or isinstance(expr, sp.MatrixBase):
        return expr
    t = teacher_form(expr, sums)
    if t is None:
        return expr
    try:
        same = sp.cancel(canonical(t) - expr) == 0
    except (sp.PolynomialError, ValueError, TypeError):
        same = False
    return t if same and not longer(t, expr) else expr


def sums_in(expr: sp.Basic) -> list[sp.Expr]:
    """The sums inside ``expr`` (the question's own, when ``expr`` is what the user typed)."""
    return [a for a in sp.preorder_traversal(expr) if isinstance(a, sp.Add)]


def longer(form: sp.Expr, than: sp.Expr, slack: int = 1, *, decimals: bool = False) -> bool:
    """True if ``form`` takes more than ``slack`` operations more to write than ``than`` (by default a
    minus sign moved in front is free; with ``decimals`` a fraction that ends is one number, 0.52)."""
    return ops(form, decimals=decimals) > ops(than, decimals=decimals) + slack


def ops(expr: sp.Basic, *, decimals: bool = False) -> int:
    """Operations to write ``expr`` (SymPy's ``count_ops``); with ``decimals``, 13/25 is the one number 0.52."""
    if decimals:
        ending = {r: sp.Dummy() for r in expr.atoms(sp.Rational) if not r.is_Integer and _ends(r)}
        expr = expr.xreplace(ending)
    return int(sp.count_ops(expr))


def _ends(r: sp.Rational) -> bool:
    q = int(r.q)
    for p in (2, 5):
        while q % p == 0:
            q //= p
    return q == 1
