"""Solving the score equations on the parameter space, one parameter at a time.

Each round tries every unused equation for every unsolved parameter: sums that involve the
parameter are expanded into statistics (``Sum(x_i - mu) = Sum(x_i) - n mu``), the remaining
sums become placeholder unknowns, and ``solve`` runs on what is left. Roots outside the space
are dropped. A root that involves no other unsolved parameter is preferred (``mu`` before
``sigma2`` for the normal); one that does is a profile (``beta = alpha / xbar`` for the gamma),
substituted into the other equations. What no round solves has no closed form here.
"""
from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from derive.core.budget import Clock
from derive.parse.domain import VarDomain

from derive.likelihood.screen import RootScreen, best_first
from derive.likelihood.sign import sign_of
from derive.likelihood.sums import Statistics, expand_sums, simplify_hidden, split_sums, sums_in


@dataclass(frozen=True, slots=True)
class Dropped:
    """A root outside the parameter space: proved (``samples`` 0), or outside on every one of ``samples``
    samples drawn from the model (the sign test could not decide)."""

    root: sp.Expr
    samples: int = 0
    side: str = "lower"
    """The end of the domain it lies beyond: ``lower`` or ``upper``."""

    @property
    def proved(self) -> bool:
        return self.samples == 0

    def how(self) -> str:
        return "proved" if self.proved else f"on all {self.samples} samples drawn from the model"


@dataclass(frozen=True, slots=True)
class Solved:
    """``param = value`` from equation number ``equation``; ``uses`` are unsolved parameters in it.

    ``dropped`` are the roots outside the parameter space (with how that is known), ``others`` the
    further roots that may lie inside it (``value`` is the one inside on the most samples).
    """

    param: sp.Symbol
    value: sp.Expr
    equation: int
    uses: tuple[sp.Symbol, ...]
    dropped: tuple[Dropped, ...] = ()
    eq: sp.Expr = sp.Integer(0)
    others: tuple[sp.Expr, ...] = ()


@dataclass(frozen=True, slots=True)
class Outside:
    """A score equation whose roots in ``param`` all lie outside the parameter space."""

    param: sp.Symbol
    eq: sp.Expr
    dropped: tuple[Dropped, ...]


@dataclass(frozen=True, slots=True)
class Solution:
    """The solutions in the order found, the parameters left unsolved, and equations whose roots are all outside."""

    order: list[Solved]
    unsolved: list[sp.Symbol]
    outside: list[Outside]


@dataclass(frozen=True, slots=True)
class Roots:
    """The roots of one score equation in one parameter: those that may lie in the space, best first,
    and those that do not (proved, or on the samples of ``screen``)."""

    kept: tuple[sp.Expr, ...]
    dropped: tuple[Dropped, ...] = ()


def solve_for(eq: sp.Expr, p: sp.Symbol, params: Sequence[sp.Symbol], domains: Mapping[str, VarDomain],
              screen: RootScreen | None = None) -> Roots | None:
    """The roots of ``eq = 0`` in ``p``, sorted by whether they lie in the domain of ``p``; None if not solvable.

    A root provably outside the domain (for all data and parameters) is dropped; so is one that is
    outside on every sample of ``screen`` when the sign test cannot decide. A root provably inside
    comes first, then those inside on the most samples. ``kept`` is empty when no root is inside.
    """
    roots = roots_of(eq, p, params)
    return None if roots is None else place_roots(roots, p, domains, screen)


def roots_of(eq: sp.Expr, p: sp.Symbol, params: Sequence[sp.Symbol]) -> tuple[sp.Expr, ...] | None:
    """The real-looking roots of ``eq = 0`` in ``p`` (sums shown), or None if ``solve`` cannot give them."""
    e = expand_sums(split_sums(eq), [p])
    if any(p in s.free_symbols for s in sums_in(e)):
        return None  # the parameter cannot be separated from the data
    stats = Statistics.of([e], params)
    h = stats.hide(e)
    if any(p in f.free_symbols for f in h.atoms(sp.sign, sp.Abs, sp.Heaviside, sp.Piecewise)):
        return None  # not differentiable in p there: a root from one branch would be wrong on the other
    if any(p in f.free_symbols for f in h.atoms(*_NO_INVERSE)):
        return None  # p inside the gamma family (the gamma shape's digamma equation): solve has no inverse to use
    try:
        roots = sp.solve(h, p, dict=False)
    except (NotImplementedError, ValueError, TypeError, sp.PolynomialError):
        return None
    if not isinstance(roots, list) or not roots:
        return None
    out: list[sp.Expr] = []
    for r in roots:
        if isinstance(r, (tuple, dict)) or r.has(sp.I) or r.has(sp.LambertW) or _unevaluated(r):
            return None
        r = stats.show(sp.simplify(r) if sp.count_ops(r) < 60 else r)
        if r.is_real is False:
            continue  # not a real number: no point of the parameter space
        out.append(r)
    return tuple(out) if out else None


_NO_INVERSE = (sp.gamma, sp.loggamma, sp.polygamma, sp.beta)
"""Functions SymPy's ``solve`` cannot invert: an equation with the unknown inside one has no closed-form root
(it raises NotImplementedError after trying; the check costs nothing)."""


def place_roots(roots: Sequence[sp.Expr], p: sp.Symbol, domains: Mapping[str, VarDomain],
                screen: RootScreen | None = None) -> Roots | None:
    """``roots`` sorted by where they lie in the domain of ``p`` (see ``solve_for``)."""
    inside: list[sp.Expr] = []
    undecided: list[sp.Expr] = []
    dropped: list[Dropped] = []
    for r in roots:
        place = _place(r, p, domains)
        if place in ("lower", "upper"):
            dropped.append(Dropped(r, 0, place))
        else:
            (inside if place == "inside" else undecided).append(r)
    if undecided and not inside and screen is not None:
        records = [screen.screen(r, p) for r in undecided]
        dropped += [Dropped(rec.root, rec.evaluated, "lower" if 2 * rec.below >= rec.evaluated else "upper")
                    for rec in records if rec.never_inside]
        undecided = [rec.root for rec in best_first([rec for rec in records if not rec.never_inside])]
    if not (inside or undecided or dropped):
        return None  # no real root
    return Roots(tuple(inside + undecided), tuple(dropped))


def _unevaluated(r: sp.Expr) -> bool:
    return any(isinstance(a, (sp.RootOf, sp.CRootOf, sp.Integral)) for a in sp.preorder_traversal(r))


def _place(root: sp.Expr, p: sp.Symbol, domains: Mapping[str, VarDomain]) -> str | None:
    """``inside`` the domain of ``p`` for all data and parameters, beyond its ``lower`` or ``upper`` end
    for all of them, or None if undecided."""
    d = domains.get(p.name)
    if d is None or (d.lower is None and d.upper is None):
        return "inside" if root.is_real else None
    stats = Statistics.of([root], domains=domains)
    r = stats.hide(root)
    ok = True
    for side, bound, strict in (("lower", d.lower, d.lower_strict), ("upper", d.upper, d.upper_strict)):
        if bound is None:
            continue
        b = sp.nsimplify(bound)
        s = sign_of(r - b if side == "lower" else b - r, domains)
        if s == "negative" or (strict and s in ("nonpositive", "zero")):
            return side
        if not (s == "positive" or (not strict and s in ("nonnegative", "zero"))):
            ok = False
    return "inside" if ok else None


def solve_scores(scores: Sequence[sp.Expr], params: Sequence[sp.Symbol], domains: Mapping[str, VarDomain],
                 clock: Clock, screen: RootScreen | None = None) -> Solution:
    """Solve the score equations in rounds: the solutions in order, the unsolved parameters, and the
    equations whose roots all lie outside the parameter space (``screen`` tests undecided roots).

    Each round prefers equations with fewer other unsolved parameters (a root can involve no others),
    then the first (equation, parameter) pair, in order, whose root involves no other unsolved
    parameter, then the least ``_rank``. Equations are solved only while they can still win, and
    where each root lies (the costly sign analysis) is decided only for the pairs that can: pairs are
    visited by the best rank any of their roots could have, and the visit stops when none left can
    beat the choice. Roots are remembered by equation and parameter across rounds, so K categories
    and a multiplier cost K solves in all, not K^2 a round.
    """
    eqs = list(scores)
    used: set[int] = set()
    unsolved = [p for p in params]
    order: list[Solved] = []
    outside: dict[sp.Symbol, Outside] = {}
    raw: dict[tuple[sp.Expr, sp.Symbol], tuple[sp.Expr, ...] | None] = {}
    placed: dict[tuple[sp.Expr, sp.Symbol], Roots | None] = {}
    while unsolved:
        clock.check("solving the score equations")
        groups: dict[int, list[tuple[int, int, sp.Symbol]]] = {}
        for k, eq in enumerate(eqs):
            if k in used:
                continue
            present = eq.free_symbols & set(unsolved)
            for j, p in enumerate(unsolved):
                if p in present:
                    groups.setdefault(len(present) - 1, []).append((k, j, p))
        best: Solved | None = None
        for others in sorted(groups):
            if best is not None:
                break
            best = _best_of(groups[others], eqs, unsolved, params, domains, screen, raw, placed, outside)
        if best is None:
            break
        order.append(best)
        used.add(best.equation)
        unsolved.remove(best.param)
        eqs = [simplify_hidden(e.xreplace({best.param: best.value}), params)
               if i not in used and best.param in e.free_symbols else e for i, e in enumerate(eqs)]
    return Solution(order, unsolved, [o for p, o in outside.items() if p in unsolved])


def _best_of(group: Sequence[tuple[int, int, sp.Symbol]], eqs: Sequence[sp.Expr], unsolved: Sequence[sp.Symbol],
             params: Sequence[sp.Symbol], domains: Mapping[str, VarDomain], screen: RootScreen | None,
             raw: dict[tuple[sp.Expr, sp.Symbol], tuple[sp.Expr, ...] | None],
             placed: dict[tuple[sp.Expr, sp.Symbol], Roots | None],
             outside: dict[sp.Symbol, Outside]) -> Solved | None:
    """The preferred solution among the (equation, parameter, position) pairs of ``group``, or None.

    Pairs are visited in the order of the best key any of their roots could have; a pair not yet
    solved stands in the queue at ``(0, 0, 0, position)``, the least key any of its roots can have
    (a root free of unsolved parameters), and is solved only when it reaches the front. So the
    pairs placed, and the choice, are those of solving every pair first and sorting by that bound,
    but a pair that cannot beat the choice is never solved (the normal's mean equation wins before
    the variance equation is solved for either parameter).
    """
    queue: list[tuple[tuple[int, ...], int, int, int, sp.Symbol]] = []
    for k, j, p in group:  # (bound, solved?, k, j, p): a solved pair's bound is exact, else a lower bound
        heapq.heappush(queue, ((0, 0, 0, k, j), 0, k, j, p))
    best: Solved | None = None
    best_key: tuple[int, ...] | None = None
    while queue:
        bound, known, k, j, p = heapq.heappop(queue)
        if best_key is not None and bound > best_key:
            break
        if not known:
            if (eqs[k], p) not in raw:
                raw[eqs[k], p] = roots_of(eqs[k], p, params)
            roots = raw[eqs[k], p]
            if roots is not None:
                heapq.heappush(queue, (min(_key(p, r, unsolved, eqs, (k, j)) for r in roots), 1, k, j, p))
            continue
        roots = raw[eqs[k], p]
        assert roots is not None
        if (eqs[k], p) not in placed:
            placed[eqs[k], p] = place_roots(roots, p, domains, screen)
        got = placed[eqs[k], p]
        if got is None:
            continue
        if not got.kept:
            outside.setdefault(p, Outside(p, eqs[k], got.dropped))
            continue
        value = got.kept[0]
        uses = tuple(q for q in unsolved if q != p and q in value.free_symbols)
        key = _key(p, value, unsolved, eqs, (k, j))
        if best_key is None or key < best_key:
            best, best_key = Solved(p, value, k, uses, got.dropped, eqs[k], got.kept[1:]), key
    return best


def _key(p: sp.Symbol, value: sp.Expr, unsolved: Sequence[sp.Symbol], eqs: Sequence[sp.Expr],
         position: tuple[int, int]) -> tuple[int, ...]:
    """The order of preference of the root ``value`` of the pair at ``position`` (equation, parameter):
    the first root free of unsolved parameters, else the least ``_rank``, earlier pairs on ties."""
    uses = tuple(q for q in unsolved if q != p and q in value.free_symbols)
    if not uses:
        return (0, 0, 0, *position)
    return (*_rank(Solved(p, value, 0, uses), eqs), *position)


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
