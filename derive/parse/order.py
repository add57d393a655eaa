"""The order in which the user typed things, so printers keep it: ``y − x²`` stays ``y − x²``.

SymPy sorts the terms of every sum into its own canonical order, so the order a user typed is
gone once an expression is built. The readers record it as they build (``Recorder``): every
sub-expression gets the rank of its first appearance, reading left to right (post-order, so
everything typed before a term ranks before it). A printer then orders the terms of a sum by the
rank of the largest typed sub-expression each contains (``TermOrder.key``): the typed sums keep
their order, and terms the engine made (d/dx of a typed term, 2·(y − x²)) follow the term they
came from. Terms with nothing typed in them keep SymPy's order, after the others.

Only the display changes: the expressions themselves stay SymPy's.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp


_MAX_PLACES = 8
"""Fractions needing more decimal places than this stay fractions."""


def monomial(e: sp.Basic) -> sp.Basic | None:
    """``e`` without its numeric coefficient (``-2·x²`` -> ``x²``); None for a bare number."""
    return _monomial(e)


def _monomial(e: sp.Basic) -> sp.Basic | None:
    """``e`` without its numeric coefficient (``-2·x²`` -> ``x²``); None for a bare number."""
    if e.is_Number:
        return None
    if isinstance(e, sp.Expr):
        coeff, rest = e.as_coeff_Mul()
        if rest is not sp.S.One and coeff.is_Number:
            return rest
    return e


@dataclass(frozen=True)
class TermOrder:
    """Sub-expression -> the rank of its first appearance in what the user typed."""

    ranks: tuple[tuple[sp.Basic, int], ...] = ()
    typed_sums: tuple[tuple[sp.Add, tuple[sp.Expr, ...]], ...] = ()
    """Each sum the user typed, with its terms in the order typed (numbers included: ``1 − x``)."""
    decimals: bool = False
    """The user wrote decimals (0.26): print fractions that end as decimals (13/25 as 0.52)."""
    origins: tuple[tuple[sp.Basic, int], ...] = ()
    """Terms an engine made from a typed term, with that term's place (``with_origins``)."""
    _table: dict[sp.Basic, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    _sums: dict[sp.Basic, dict[sp.Basic, int]] = field(default_factory=dict, init=False, repr=False,
                                                       compare=False)
    _summands: dict[sp.Basic, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    _origins: dict[sp.Basic, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    _negated: dict[sp.Basic, dict[sp.Basic, int]] = field(default_factory=dict, init=False, repr=False,
                                                          compare=False)

    def __post_init__(self) -> None:
        self._origins.update(self.origins)
        for e, r in self.ranks:
            self._table.setdefault(e, r)
        outermost = max(self.typed_sums, key=lambda ws: self._table.get(ws[0], -1))[0] if self.typed_sums else None
        for whole, terms in self.typed_sums:
            if whole == outermost:  # only the function's own terms place a result's terms
                for t in terms:
                    m = _monomial(t)
                    if m is not None and self._table.get(m) is not None:
                        self._summands.setdefault(m, self._table[m])
            place = {_monomial(t) or t: i for i, t in reversed(list(enumerate(terms)))}
            content, prim = whole.primitive()
            for key in (whole, prim):
                self._sums.setdefault(key, place)
            self._negated.setdefault(-prim, place)

    def __bool__(self) -> bool:
        return bool(self.ranks) or bool(self.typed_sums) or self.decimals

    def decimal(self, r: sp.Basic) -> str | None:
        """``r`` as a decimal if the user wrote decimals and ``r`` is a fraction that ends (13/25 -> "0.52")."""
        if not (self.decimals and isinstance(r, sp.Rational) and not r.is_Integer):
            return None
        q = int(r.q)
        twos = fives = 0
        while q % 2 == 0:
            q, twos = q // 2, twos + 1
        while q % 5 == 0:
            q, fives = q // 5, fives + 1
        places = max(twos, fives)
        if q != 1 or places > _MAX_PLACES:
            return None
        text = f"{abs(int(r.p)) * 10 ** places // int(r.q)}".rjust(places + 1, "0")
        out = f"{text[:-places]}.{text[-places:]}"
        return f"-{out}" if r < 0 else out

    def _as_typed(self, expr: sp.Basic, terms: Sequence[Any]) -> list[Any] | None:
        """The terms of ``expr`` in the order typed, if ``expr`` is a typed sum (up to a factor)."""
        if not isinstance(expr, sp.Add):
            return None
        prim = expr.primitive()[1]
        place = self._sums.get(expr) or self._sums.get(prim)
        negated = place is None
        if negated:  # the typed sum times a negative number: typed order, then positive terms first
            place = self._negated.get(prim)
        if place is None:
            return None
        keyed = [(place.get(_monomial(t) or t), i, t) for i, t in enumerate(terms)]
        if any(k is None for k, _, _ in keyed):
            return None
        keyed.sort(key=lambda k: (k[0], k[1]))
        out = [t for _, _, t in keyed]
        return positive_first(out) if negated else out

    def rank(self, e: sp.Basic) -> int | None:
        """The rank of ``e`` as typed, or of ``e`` up to its numeric coefficient; None if not typed."""
        r = self._table.get(e)
        if r is None:
            m = _monomial(e)
            if m is not None:
                r = self._table.get(m)
                if r is None and isinstance(m, sp.Expr) and not m.is_Number:
                    r = self._table.get(-m)
        return r

    def _summand(self, term: sp.Basic) -> int | None:
        """The rank of ``term`` (up to its numeric coefficient) if the user typed it as a term of a sum."""
        m = _monomial(term)
        for e in (term, m, -m if isinstance(m, sp.Expr) else None):
            if e is not None and e in self._summands:
                return self._summands[e]
        return None

    def key(self, term: sp.Basic) -> int | None:
        """Where ``term`` goes among its sum's terms, if the user's typing says: the rank of ``term``
        typed as a term of a sum (up to its coefficient), of the typed term an engine made it from
        (``origins``), or of the typed term its pending derivatives differentiate (``100·d/dx[(y − x²)²]``
        goes where ``100·(y − x²)²`` was typed)."""
        r = self._summand(term)
        if r is not None:
            return r
        m = _monomial(term)
        for e in (term, m):
            if e is not None and e in self._origins:
                return self._origins[e]
        if term.has(sp.Derivative):  # y·d/dx[x²] goes where x²·y was typed
            undone = term.replace(lambda e: isinstance(e, sp.Derivative), lambda e: e.expr)
            r = self._summand(undone)
            if r is not None:
                return r
            for e in sp.preorder_traversal(term):
                if isinstance(e, sp.Derivative):
                    return self._summand(e.expr)
        return None

    def with_origins(self, origins: dict[sp.Basic, int]) -> TermOrder:
        """This order, with terms an engine made placed where the typed term they came from was."""
        return TermOrder(self.ranks, self.typed_sums, self.decimals, tuple(origins.items()))

    def ordered(self, terms: Sequence[Any], expr: sp.Basic | None = None) -> list[Any]:
        """The terms of the sum ``expr`` (given in SymPy's order) as typed.

        A typed sum (up to a factor) keeps its typed order exactly. Otherwise the terms whose
        place the typing says (``key``) are put in typed order into the slots they occupy, and
        the others stay where they are: SymPy's order with the positive terms first (``a − b``,
        not ``−b + a``).
        """
        if expr is not None:
            typed = self._as_typed(expr, terms)
            if typed is not None:
                return typed
        terms = positive_first(terms)
        keys = [self.key(t) for t in terms] if self._summands else [None] * len(terms)
        slots = [i for i, k in enumerate(keys) if k is not None]
        if len(slots) < 2:
            return terms
        placed = sorted(slots, key=lambda i: (keys[i], i))
        out = list(terms)
        for slot, i in zip(slots, placed):
            out[slot] = terms[i]
        return out

    def sums(self) -> list[sp.Add]:
        """The sums the user typed, in typed order (for tidying toward the user's own forms)."""
        return [whole for whole, _ in self.typed_sums]

    @classmethod
    def of(cls, exprs: Iterable[sp.Basic]) -> TermOrder:
        """The order of expressions given in order (e.g. a list typed by the user)."""
        rec = Recorder()
        for e in exprs:
            rec.record(e)
        return rec.order()


def positive_first(terms: Sequence[Any]) -> list[Any]:
    """Terms in the given order with the positive ones first: 1 − RSS/TSS and 2 − y·sin(x), not −y·sin(x) + 2."""
    return [t for t in terms if not t.could_extract_minus_sign()] + [t for t in terms if t.could_extract_minus_sign()]


class Recorder:
    """Collects ranks while a reader builds an expression bottom-up (call ``record`` on each node)."""

    def __init__(self) -> None:
        self._seen: dict[sp.Basic, int] = {}
        self._sums: dict[sp.Basic, tuple[sp.Expr, ...]] = {}
        self.decimals = False
        """Set by a reader that met a decimal literal."""

    def record(self, e: Any) -> None:
        if isinstance(e, sp.Basic) and not e.is_Number and e not in self._seen:
            self._seen[e] = len(self._seen)

    def terms(self, e: sp.Expr) -> tuple[sp.Expr, ...]:
        """The terms of ``e`` as typed: a sum built by ``added`` keeps its typed order."""
        return self._sums.get(e, (e,))

    def added(self, a: sp.Expr, b: sp.Expr, result: sp.Expr, *, negate: bool = False) -> sp.Expr:
        """Record ``result`` = ``a`` + ``b`` (or ``a`` − ``b``) with its terms in typed order."""
        right = tuple(-t for t in self.terms(b)) if negate else self.terms(b)
        left = self._sums.pop(a, None) or (a,)  # a + b + c: the partial sum a + b was never typed alone
        if isinstance(result, sp.Add):
            self._sums.setdefault(result, left + right)
        return result

    def typed_sum(self, terms: Sequence[sp.Expr], result: sp.Expr) -> sp.Expr:
        """Record ``result``, the sum of ``terms`` typed in this order (a reader that sees whole sums)."""
        if isinstance(result, sp.Add):
            # a sum typed in brackets inside this one is flattened into it by SymPy: so are its terms
            flat = tuple(u for t in terms for u in self._sums.pop(t, (t,)))
            self._sums.setdefault(result, flat)
        return result

    def order(self) -> TermOrder:
        sums = tuple((k, v) for k, v in self._sums.items() if len(v) == len(k.args))
        return TermOrder(tuple(self._seen.items()), sums, self.decimals)
