"""Sums over a sample, the way a likelihood derivation needs them.

The sample is an ``IndexedBase`` named as the data variable, indexed by ``i`` from 1 to ``n``.
``split_sums`` applies linearity (a sum of terms is the sum of sums, factors free of ``i`` come
out, a sum of a constant is ``n`` times it); ``expand_sums`` also expands summands in the
given parameters so that every remaining sum is a pure statistic of the data; ``Statistics``
swaps those statistics for placeholder symbols (so ``solve`` sees plain unknowns) and back.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from derive.likelihood.sample import I, N, sample_base
from derive.parse.domain import VarDomain


def at_observation(expr: sp.Expr, var: sp.Symbol | Sequence[sp.Symbol]) -> sp.Expr:
    """``expr`` with each data variable replaced by its i-th observation ``x[i]``."""
    vs = (var,) if isinstance(var, sp.Symbol) else tuple(var)
    return expr.xreplace({v: sample_base(v)[I] for v in vs})


def total(summand: sp.Expr) -> sp.Expr:
    """``Sum(summand, (i, 1, n))`` with linearity applied."""
    return split_sums(sp.Sum(summand, (I, 1, N)))


def split_sums(expr: sp.Expr) -> sp.Expr:
    """Apply linearity to every sum over ``i`` in ``expr`` (innermost first)."""
    return expr.replace(lambda e: isinstance(e, sp.Sum) and _over_sample(e), _split_one)


def _over_sample(s: sp.Sum) -> bool:
    return len(s.limits) == 1 and s.limits[0][0] == I


def _split_one(s: sp.Sum) -> sp.Expr:
    body = _distribute(split_sums(s.function))
    out = sp.Integer(0)
    terms = sp.Add.make_args(body)
    for term in terms:
        coeff, rest = _pull_constant(term)
        if rest == 1:
            out += coeff * N
        else:
            out += coeff * sp.Sum(rest, (I, 1, N))
    return out


def _distribute(e: sp.Expr) -> sp.Expr:
    """Multiply out each term's products of sums, one level down (powers and denominators stay as written)."""
    return sp.Add(*(sp.expand(t, deep=False, mul=True, multinomial=False, power_exp=False, power_base=False,
                              log=False) for t in sp.Add.make_args(e)))


def distribute(e: sp.Expr) -> sp.Expr:
    """Public form of ``_distribute``: ``(1 - x) log(1 - p)`` becomes ``log(1 - p) - x log(1 - p)``."""
    return _distribute(e)


def _pull_constant(term: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """Split a product into the factors free of ``i`` and those with it."""
    free: list[sp.Expr] = []
    bound: list[sp.Expr] = []
    for f in sp.Mul.make_args(term):
        (bound if I in f.free_symbols else free).append(f)
    return sp.Mul(*free), sp.Mul(*bound)


def expand_sums(expr: sp.Expr, params: Iterable[sp.Symbol]) -> sp.Expr:
    """Split sums and expand each summand that involves ``params`` into statistics.

    ``Sum((x[i] - mu)**2)`` becomes ``Sum(x[i]**2) - 2 mu Sum(x[i]) + n mu**2``; a summand in
    which a parameter cannot be separated from the data (``log(1 + (x[i] - t)**2)``) stays.
    """
    ps = set(params)

    def one(s: sp.Sum) -> sp.Expr:
        if not (s.function.free_symbols & ps):
            return split_sums(s)
        expanded = split_sums(sp.Sum(sp.expand(s.function), *s.limits))
        if any(t.free_symbols & ps for t in sums_in(expanded)):
            return split_sums(s)  # the parameter cannot be separated: keep the summand as written
        return expanded

    return expr.replace(lambda e: isinstance(e, sp.Sum) and _over_sample(e), one)


def sums_in(expr: sp.Expr) -> list[sp.Sum]:
    """The outermost sums over the sample in ``expr``, in a stable order."""
    found: list[sp.Sum] = []

    def visit(e: sp.Basic) -> None:
        if isinstance(e, sp.Sum) and _over_sample(e):
            if e not in found:
                found.append(e)
            return
        for a in e.args:
            visit(a)

    visit(expr)
    return sorted(found, key=sp.default_sort_key)


def depends_on_data(expr: sp.Expr) -> bool:
    """True if ``expr`` holds a sum over the sample or a sample statistic."""
    return any(isinstance(a, sp.Indexed) for a in sp.preorder_traversal(expr)) or any(
        getattr(a.func, "is_sample_statistic", False) for a in sp.preorder_traversal(expr))


@dataclass(frozen=True, slots=True)
class Statistics:
    """Placeholders for the data statistics of some expressions (sum -> symbol, and back)."""

    to_symbol: tuple[tuple[sp.Expr, sp.Symbol], ...]

    @classmethod
    def of(cls, exprs: Sequence[sp.Expr], params: Iterable[sp.Symbol] = (),
           domains: Mapping[str, VarDomain] | None = None) -> Statistics:
        """Placeholders for every sum over the sample free of ``params``.

        Each placeholder carries the sign of its summand: from SymPy's assumptions, or, where
        ``domains`` holds the data variable's domain (by its name), from the support
        (``log x_i < 0`` on ``0 < x < 1``).
        """
        ps = set(params)
        seen: list[sp.Expr] = []
        for e in exprs:
            for s in sums_in(e):
                if not (s.free_symbols & ps) and s not in seen:
                    seen.append(s)
        pairs = tuple((s, sp.Dummy(f"T{k}", **_sign(s, domains))) for k, s in enumerate(seen))
        return cls(pairs)

    def hide(self, expr: sp.Expr) -> sp.Expr:
        return expr.xreplace(dict(self.to_symbol))

    def show(self, expr: sp.Expr) -> sp.Expr:
        return expr.xreplace({sym: s for s, sym in self.to_symbol})

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(sym for _, sym in self.to_symbol)


def _sign(s: sp.Sum, domains: Mapping[str, VarDomain] | None = None) -> dict[str, bool]:
    body = s.function
    if body.is_positive:
        return {"positive": True}
    if body.is_nonnegative:
        return {"nonnegative": True}
    if body.is_negative:
        return {"negative": True}
    observations = {a for a in body.atoms(sp.Indexed) if a.indices == (I,)}
    support = None if domains is None or len(observations) != 1 else domains.get(next(iter(observations)).base.name)
    if support is not None:
        from derive.likelihood.sign import sign_of

        (xi,) = observations
        x = sp.Symbol(xi.base.name, real=True)
        found = sign_of(body.xreplace({xi: x}), {x.name: support})
        if found in ("positive", "negative", "nonnegative", "nonpositive"):
            return {found: True}
    return {"real": True}


def simplify_hidden(expr: sp.Expr, params: Iterable[sp.Symbol] = (), max_ops: int = 120) -> sp.Expr:
    """``simplify`` with the data statistics held as symbols (SymPy's own sum rules are fragile)."""
    stats = Statistics.of([expr], params)
    h = stats.hide(expr)
    if sp.count_ops(h) > max_ops:
        return expr
    try:
        return stats.show(sp.simplify(h))
    except (StopIteration, ValueError, TypeError, NotImplementedError, RecursionError):
        return expr
