"""Solving the score equations on the parameter space, one parameter at a time.

Each round tries every unused equation for every unsolved parameter: sums that involve the
parameter are expanded into statistics (``Sum(x_i - mu) = Sum(x_i) - n mu``), the remaining
sums become placeholder unknowns, and ``solve`` runs on what is left. Roots outside the space
are dropped. A root that involves no other unsolved parameter is preferred (``mu`` before
``sigma2`` for the normal); one that does is a profile (``beta = alpha / xbar`` for the gamma),
substituted into the other equations. What no round solves has no closed form here.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from derive.core.budget import Clock
from derive.parse.domain import VarDomain

from derive.likelihood.sign import sign_of
from derive.likelihood.sums import Statistics, expand_sums, simplify_hidden, split_sums, sums_in


@dataclass(frozen=True, slots=True)
class Solved:
    """``param = value`` from equation number ``equation``; ``uses`` are unsolved parameters in it."""

    param: sp.Symbol
    value: sp.Expr
    equation: int
    uses: tuple[sp.Symbol, ...]
    dropped: tuple[sp.Expr, ...] = ()
    eq: sp.Expr = sp.Integer(0)


def solve_for(eq: sp.Expr, p: sp.Symbol, params: Sequence[sp.Symbol],
              domains: Mapping[str, VarDomain]) -> tuple[list[sp.Expr], list[sp.Expr]] | None:
    """Roots of ``eq = 0`` in ``p`` inside its domain (and those dropped), or None if not solvable."""
    e = expand_sums(split_sums(eq), [p])
    if any(p in s.free_symbols for s in sums_in(e)):
        return None  # the parameter cannot be separated from the data
    stats = Statistics.of([e], params)
    h = stats.hide(e)
    if any(p in f.free_symbols for f in h.atoms(sp.sign, sp.Abs, sp.Heaviside, sp.Piecewise)):
        return None  # not differentiable in p there: a root from one branch would be wrong on the other
    try:
        roots = sp.solve(h, p, dict=False)
    except (NotImplementedError, ValueError, TypeError, sp.PolynomialError):
        return None
    if not isinstance(roots, list) or not roots:
        return None
    kept: list[sp.Expr] = []
    dropped: list[sp.Expr] = []
    for r in roots:
        if isinstance(r, (tuple, dict)) or r.has(sp.I) or r.has(sp.LambertW) or _unevaluated(r):
            return None
        r = stats.show(sp.simplify(r) if sp.count_ops(r) < 60 else r)
        (dropped if _outside(r, p, domains) else kept).append(r)
    if not kept:
        return None
    return kept, dropped


def _unevaluated(r: sp.Expr) -> bool:
    return any(isinstance(a, (sp.RootOf, sp.CRootOf, sp.Integral)) for a in sp.preorder_traversal(r))


def _outside(root: sp.Expr, p: sp.Symbol, domains: Mapping[str, VarDomain]) -> bool:
    """True if ``root`` is provably outside the domain of ``p`` (for all data and parameters)."""
    d = domains.get(p.name)
    if root.is_real is False:
        return True
    if d is None:
        return False
    stats = Statistics.of([root])
    r = stats.hide(root)
    if d.lower is not None and sign_of(r - sp.nsimplify(d.lower), domains) in ("negative", "nonpositive" if d.lower_strict else "negative"):
        return True
    if d.upper is not None and sign_of(sp.nsimplify(d.upper) - r, domains) in ("negative", "nonpositive" if d.upper_strict else "negative"):
        return True
    return False


def solve_scores(scores: Sequence[sp.Expr], params: Sequence[sp.Symbol], domains: Mapping[str, VarDomain],
                 clock: Clock) -> tuple[list[Solved], list[sp.Symbol]]:
    """Solve the score equations in rounds; returns the solutions in order and the unsolved parameters."""
    eqs = list(scores)
    used: set[int] = set()
    unsolved = [p for p in params]
    order: list[Solved] = []
    while unsolved:
        clock.check("solving the score equations")
        best: Solved | None = None
        for k, eq in enumerate(eqs):
            if k in used:
                continue
            for p in unsolved:
                if p not in eq.free_symbols:
                    continue
                got = solve_for(eq, p, params, domains)
                if got is None:
                    continue
                kept, dropped = got
                value = kept[0]
                uses = tuple(q for q in unsolved if q != p and q in value.free_symbols)
                cand = Solved(p, value, k, uses, tuple(dropped) + tuple(kept[1:]), eq)
                if best is None or _rank(cand, eqs) < _rank(best, eqs):
                    best = cand
                if not cand.uses:
                    break
            if best is not None and not best.uses:
                break
        if best is None:
            break
        order.append(best)
        used.add(best.equation)
        unsolved.remove(best.param)
        eqs = [simplify_hidden(e.xreplace({best.param: best.value}), params) if i not in used else e
               for i, e in enumerate(eqs)]
    return order, unsolved


def _rank(c: Solved, eqs: Sequence[sp.Expr]) -> tuple[int, int, int]:
    """Prefer roots free of unsolved parameters, then parameters not trapped in special functions
    elsewhere (profile beta = alpha/xbar, keep the gamma shape for Newton), then short roots."""
    trapped = sum(1 for e in eqs for f in e.atoms(sp.Function)
                  if c.param in f.free_symbols and not isinstance(f, (sp.exp, sp.log)))
    return (len(c.uses), trapped, int(sp.count_ops(c.value)))


def back_substitute(order: Sequence[Solved]) -> dict[sp.Symbol, sp.Expr]:
    """The closed forms of all solved parameters, with later solutions substituted into earlier ones."""
    out: dict[sp.Symbol, sp.Expr] = {}
    for s in reversed(order):
        out[s.param] = s.value.xreplace(out)
    for s in order:  # earlier solutions may appear in later ones as well
        out[s.param] = out[s.param].xreplace({k: v for k, v in out.items() if k != s.param})
    return out
