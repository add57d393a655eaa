"""Which roots of a score equation lie in the parameter space, on samples drawn from the model.

A root such as ``(-sum x - sqrt((sum x)^2 + 4 n sum x^2)) / (2n)`` (the normal with mean theta and
variance theta^2) is outside ``theta > 0`` for every sample, but deciding that symbolically needs an
argument SymPy's assumptions do not make. Where the sign test of ``solve`` cannot decide, each root
is evaluated here on a few samples drawn from the model at random parameter values: a root that is
outside the space on every one of them is not presented as the estimate, and among roots inside,
the one inside on the most samples (then with the larger log-likelihood) comes first. The samples
are seeded, so the same input gives the same choice; the choice itself is checked later against a
numeric maximizer (``certify``).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from derive.certify.numeval import numeric_function
from derive.core.errors import DeriveError
from derive.likelihood.logdensity import log_density
from derive.likelihood.model import MleProblem
from derive.likelihood.sample import N, sample_base

SAMPLES = 6
"""Samples each undecided root is evaluated on."""

SIZE = 40
"""Observations per sample."""

_FAILURES: tuple[type[BaseException], ...] = (ArithmeticError, ValueError, TypeError, DeriveError)


@dataclass(frozen=True, slots=True)
class Screened:
    """A root's record on the samples: how many were evaluated, how many inside, its log-likelihood per sample."""

    root: sp.Expr
    evaluated: int
    inside: int
    logliks: tuple[float, ...]
    below: int = 0
    """Samples on which the root is below the domain's lower end (the rest of those outside are above)."""

    @property
    def never_inside(self) -> bool:
        return self.evaluated > 0 and self.inside == 0


@dataclass(slots=True)
class _Sample:
    values: dict[sp.Symbol, float]
    data: dict[sp.IndexedBase, np.ndarray]


@dataclass(slots=True)
class RootScreen:
    """The samples of one problem (drawn on first use), and the screening of roots on them."""

    problem: MleProblem
    seed: int = 0
    _samples: list[_Sample] | None = field(default=None)

    def samples(self) -> list[_Sample]:
        if self._samples is None:
            self._samples = _draw(self.problem, self.seed)
        return self._samples

    def screen(self, root: sp.Expr, p: sp.Symbol) -> Screened:
        """Evaluate ``root`` (an estimate of ``p``) on every sample: inside the domain of ``p``?"""
        problem = self.problem
        dom = problem.domain(p.name)
        keys = [N, *problem.params, *problem.constants]
        try:
            logf = numeric_function(log_density(problem.density), [problem.var, *keys])
        except _FAILURES:
            return Screened(root, 0, 0, ())
        evaluated = inside = below = 0
        logliks: list[float] = []  # one per sample, -inf where the root is not inside
        base = sample_base(problem.var)
        for s in self.samples():
            try:
                fn = numeric_function(root, keys, data=s.data)
                args = [float(len(s.data[base])), *(s.values.get(k, math.nan) for k in keys[1:])]
                v = float(fn(*args))
            except _FAILURES:
                v = math.nan
            if not math.isfinite(v):
                logliks.append(-math.inf)
                continue
            evaluated += 1
            if dom is None or _in(v, dom.lower, dom.upper, dom.lower_strict, dom.upper_strict):
                inside += 1
                at = [float(len(s.data[base])), *((v if k == p else s.values.get(k, math.nan)) for k in keys[1:])]
                with np.errstate(all="ignore"):
                    ll = float(np.sum(logf(s.data[base], *at)))
                logliks.append(ll if math.isfinite(ll) else -math.inf)
            else:
                logliks.append(-math.inf)
                below += int(dom.lower is not None and v <= dom.lower)
        return Screened(root, evaluated, inside, tuple(logliks), below)


def _in(v: float, lo: float | None, hi: float | None, lo_strict: bool, hi_strict: bool) -> bool:
    if lo is not None and (v < lo or (lo_strict and v == lo)):
        return False
    if hi is not None and (v > hi or (hi_strict and v == hi)):
        return False
    return True


def _draw(problem: MleProblem, seed: int) -> list[_Sample]:
    """``SAMPLES`` samples of ``SIZE`` from the model, each at its own random parameter values."""
    from derive.likelihood.certify import draw_params, draw_value
    from derive.likelihood.sampling import draw_sample

    rng = random.Random(104729 + seed)
    out: list[_Sample] = []
    base = sample_base(problem.var)
    for _ in range(SAMPLES):
        try:
            values = draw_params(problem, rng)
            for c in problem.constants:
                values[c] = draw_value(problem.domain(c.name), rng)
            x = draw_sample(problem.density, problem.var, problem.support, values, SIZE,
                            np.random.default_rng(rng.randrange(2**32)))
        except _FAILURES:
            continue
        out.append(_Sample(values, {base: x}))
    return out


def best_first(records: list[Screened]) -> list[Screened]:
    """Roots inside on more samples first; among equals, the one with the larger log-likelihood on more samples."""
    def wins(r: Screened) -> int:
        return sum(1 for k, ll in enumerate(r.logliks)
                   if math.isfinite(ll) and all(ll >= o.logliks[k] for o in records if o is not r))

    return sorted(records, key=lambda r: (-r.inside, -wins(r)))
