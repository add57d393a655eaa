"""Wrong answers certified wrong: the distractors of a multiple-choice question.

An engine proposes candidates, each from a class of common mistakes (``Mistake``); ``choose`` keeps
those certified wrong (refuted against the right answer at seeded probe points of the declared
domain, by ``certify_equal``) and distinct from each other (refuted against each kept one), in an
order that depends on the seed alone.
"""
from __future__ import annotations

import functools
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from derive.certify.equal import certify_equal, expands_to_zero
from derive.core.budget import Clock
from derive.core.contract import Refuted
from derive.parse.domain import VarDomain

MAX_TRIED = 30
"""Candidates certified at most for one answer (each a few numeric probes)."""


@dataclass(frozen=True, slots=True)
class Mistake:
    """A class of mistakes: where it is made (``site``: the kind of node), the wrong rule, and the
    feedback a student who chose it reads."""

    name: str
    site: str
    rule: str
    feedback: str
    everywhere: bool = False


@dataclass(frozen=True, slots=True)
class Candidate:
    """A wrong answer before it is certified: the mistake, where it was made, the result."""

    mistake: Mistake
    site: int
    expr: sp.Expr


@dataclass(frozen=True, slots=True)
class Distractor:
    """A certified wrong answer: the mistake that gives it, and the point where it differs from the right one."""

    expr: sp.Expr
    mistake: Mistake
    refuted: Refuted


Instances = Callable[[sp.Expr], Sequence[sp.Expr]]
"""An answer as expressions numeric probes can evaluate (an estimator's sums written out for a few
sample sizes); by default the answer itself."""


def refuted(a: sp.Expr, b: sp.Expr, clock: Clock, domains: Mapping[str, VarDomain], seed: int,
            instances: Instances | None = None) -> Refuted | None:
    """A point where ``a`` and ``b`` differ (seeded probes on the domain, in the first instance where they
    do), or None (equal, or undecided)."""
    if expands_to_zero(a - b):
        return None
    pairs = zip(instances(a), instances(b)) if instances is not None else [(a, b)]
    for ia, ib in pairs:
        if expands_to_zero(ia - ib):
            continue
        verdict = certify_equal(ia, ib, clock, domains, rng=random.Random(seed))
        if isinstance(verdict, Refuted):
            return verdict
    return None


def choose(correct: sp.Expr, pools: Iterable[Sequence[Candidate]], clock: Clock, *,
           domains: Mapping[str, VarDomain] | None = None, seed: int = 0, keep: int = 3,
           shown: Callable[[sp.Expr], str] | None = None,
           form: Callable[[sp.Expr], sp.Expr] | None = None,
           instances: Instances | None = None) -> tuple[Distractor, ...]:
    """Up to ``keep`` distractors: one candidate of each mistake in turn (the pools' order, then a second
    of each, ...), each certified different from ``correct`` and from those kept before it (a refuting
    point), and, given ``shown`` (how an answer is printed), printed differently from all of them.
    ``form`` rewrites a candidate before it is checked (a final form: what is certified is what is
    shown); ``instances`` makes an answer evaluable (an estimator at a few sample sizes). At most
    ``MAX_TRIED`` candidates are certified; the same input and seed give the same distractors."""
    domains = domains or {}
    if instances is not None:  # each answer written out once in this call, not once per comparison
        instances = functools.cache(instances)
    queues = [list(p) for p in pools]
    order = [q[k] for k in range(max((len(q) for q in queues), default=0)) for q in queues if k < len(q)]
    kept: list[Distractor] = []
    seen = {shown(correct)} if shown is not None else set()
    for tried, cand in enumerate(order):
        if len(kept) >= keep or tried >= MAX_TRIED:
            break
        wrong = form(cand.expr) if form is not None else cand.expr
        text = shown(wrong) if shown is not None else None
        if text is not None and text in seen:
            continue
        point = refuted(correct, wrong, clock, domains, seed, instances)
        if point is None:
            continue
        if any(refuted(k.expr, wrong, clock, domains, seed, instances) is None for k in kept):
            continue
        kept.append(Distractor(wrong, cand.mistake, point))
        if text is not None:
            seen.add(text)
    return tuple(kept)
