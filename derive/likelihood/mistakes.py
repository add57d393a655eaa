"""Wrong maximum-likelihood estimators from classes of common mistakes: the distractors of an
estimator question.

The mistakes act on the estimator as the engine derived it (SymPy over ``x[i]``, ``i = 1..n``): the
sample size outside the sums replaced by n - 1, or left out; the estimator's reciprocal; a term left
out of a sum's summand (the mean in (x_i - x̄)²). ``instances`` writes an estimator's sums out for a
few sample sizes over positive numbers, so that numeric probes (``derive.certify.wrong.choose``) can
tell two estimators apart. Nothing here reads text.
"""
from __future__ import annotations

import random
from collections.abc import Callable

import sympy as sp

from derive.certify.wrong import Candidate, Mistake
from derive.core.functions import SampleStatistic

N_MINUS_ONE = Mistake("n_minus_one", "size", "n -> n - 1 outside the sums",
                      "Used n - 1 where the estimator has the sample size n.")
NO_SIZE = Mistake("no_size", "size", "n -> 1 outside the sums", "Left out the sample size n.")
RECIPROCAL = Mistake("reciprocal", "whole", "theta_hat -> 1/theta_hat", "Gave the reciprocal of the estimator.")
DROPPED_TERM = Mistake("dropped_term", "summand", "sum (a_i + b_i) -> sum a_i",
                       "Left a term out of a sum (such as the mean in (x_i - x̄)^2).")

ESTIMATOR_MISTAKES: tuple[Mistake, ...] = (N_MINUS_ONE, NO_SIZE, RECIPROCAL, DROPPED_TERM)

MAX_SITES = 6
"""Places one mistake is tried at, at most (the seed chooses which)."""
SIZES = (3, 5)
"""Sample sizes an estimator is written out for, to be probed."""


def _size_symbol(est: sp.Expr) -> sp.Symbol | None:
    return next((s for s in est.free_symbols if isinstance(s, sp.Symbol) and s.name == "n"), None)


def _outside_sums(est: sp.Expr, change: Callable[[sp.Expr], sp.Expr]) -> sp.Expr:
    """``change`` applied to ``est`` with every sum held aside (its limits and summand untouched)."""
    held = {s: sp.Dummy(f"sum{k}") for k, s in enumerate(est.find(sp.Sum))}
    back = {v: k for k, v in held.items()}
    return change(est.xreplace(held)).xreplace(back)


def _dropped_terms(est: sp.Expr) -> list[sp.Expr]:
    """``est`` with one term left out of one sum inside a summand, for each such term (reading order)."""
    out: list[sp.Expr] = []
    for total in sp.preorder_traversal(est):
        if not isinstance(total, sp.Sum):
            continue
        for node in sp.preorder_traversal(total.function):
            if isinstance(node, sp.Add):
                for k in range(len(node.args)):
                    rest = sp.Add(*(a for j, a in enumerate(node.args) if j != k))
                    body = total.function.xreplace({node: rest})
                    out.append(est.xreplace({total: sp.Sum(body, *total.limits)}))
    return out


def estimator_candidates(est: sp.Expr, rng: random.Random) -> list[list[Candidate]]:
    """Per mistake that can be made in the estimator ``est`` (in ``rng``'s order), its candidates."""
    pools: list[list[Candidate]] = []
    n = _size_symbol(est)
    if n is not None and _outside_sums(est, lambda e: e).has(n):
        pools.append([Candidate(N_MINUS_ONE, 0, _outside_sums(est, lambda e: e.xreplace({n: n - 1})))])
        pools.append([Candidate(NO_SIZE, 0, _outside_sums(est, lambda e: e.xreplace({n: sp.Integer(1)})))])
    if est != 0:
        pools.append([Candidate(RECIPROCAL, 0, 1 / est)])
    dropped = _dropped_terms(est)
    sites = list(range(len(dropped)))
    rng.shuffle(sites)
    if sites:
        pools.append([Candidate(DROPPED_TERM, k, dropped[k]) for k in sites[:MAX_SITES]])
    rng.shuffle(pools)
    return pools


def instances(est: sp.Expr) -> tuple[sp.Expr, ...]:
    """The estimator for each of ``SIZES``: sums written out, each observation ``x[k]`` a positive symbol ``x_k``."""
    n = _size_symbol(est)
    out = []
    for size in SIZES:
        e = (est.xreplace({n: sp.Integer(size)}) if n is not None else est).doit()
        data = {a: sp.Symbol(f"{a.base.label}_{a.indices[0]}", positive=True)
                for a in e.atoms(sp.Indexed) if len(a.indices) == 1 and a.indices[0].is_Integer}
        e = e.xreplace(data)
        # the sample's maximum and minimum by their definitions (a median stays, and is not probed)
        e = e.replace(lambda a: isinstance(a, SampleStatistic) and a.contract_name in _ORDER,
                      lambda a: _ORDER[a.contract_name](*(sp.Symbol(f"{a.sample_name}_{k}", positive=True)
                                                          for k in range(1, size + 1))))
        out.append(e)
    return tuple(out)


_ORDER = {"sample_max": sp.Max, "sample_min": sp.Min}
