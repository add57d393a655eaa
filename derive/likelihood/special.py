"""Maxima the score equation cannot find: on the boundary, and where the likelihood has a kink.

Boundary: when an end of the support involves a parameter (``0 < x < theta``), the likelihood is
zero unless every observation lies inside, which bounds the parameter by a sample extreme
(``theta >= max x_i``). If the log-likelihood is monotone in the parameter on that set (its
derivative has one sign for every value of the others), the maximum sits on the bound.

Kink: a log-likelihood ``c Sum(|x_i - mu|)`` with ``c < 0`` is maximized where the subgradient of
``Sum(|x_i - mu|)``, ``-Sum(sign(x_i - mu))``, contains 0: at a sample median.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from derive.parse.domain import VarDomain
from derive.likelihood.model import MleProblem, MleStep
from derive.core.functions import sample_max, sample_median, sample_min

from derive.likelihood.sign import sign_of
from derive.likelihood.sample import I, N, sample_base
from derive.likelihood.sums import Statistics, split_sums


@dataclass(frozen=True, slots=True)
class Special:
    """A parameter settled without the score equation: its value, the method, the lines."""

    param: sp.Symbol
    value: sp.Expr
    method: str
    steps: tuple[MleStep, ...]
    condition: str = ""


class NotMonotone(Exception):
    """The log-likelihood is not monotone in a boundary parameter (no argument applies)."""


def boundary(problem: MleProblem, loglik: sp.Expr, domains: Mapping[str, VarDomain]) -> list[Special]:
    """The parameters in the ends of the support, each settled at its sample extreme."""
    sup = problem.support
    if sup.kind == "finite":
        return []
    base = sample_base(problem.var)
    out: list[Special] = []
    ends = (("upper", sup.upper, sample_max(base)), ("lower", sup.lower, sample_min(base)))
    for side, end, extreme in ends:
        if end is None:
            continue
        for p in [q for q in problem.params if q in end.free_symbols]:
            if any(s.param == p for s in out):  # uniform(-theta, theta): theta-hat = max |x_i|, not one extreme
                raise NotMonotone(f"both ends of the support involve {p}, so no single sample extreme bounds it")
            out.append(_settle(problem, loglik, domains, p, side, end, extreme))
    return out


def _settle(problem: MleProblem, loglik: sp.Expr, domains: Mapping[str, VarDomain], p: sp.Symbol,
            side: str, end: sp.Expr, extreme: sp.Expr) -> Special:
    x = problem.var.name
    slope = sp.diff(end, p)
    s_end = sign_of(slope, domains)
    if s_end not in ("positive", "negative"):
        raise NotMonotone(f"the support end {end} is not monotone in {p}")
    # feasible: end(p) >= max (upper) or end(p) <= min (lower)
    grows_feasible = (s_end == "positive") == (side == "upper")  # feasible set is p >= p*
    score = split_sums(sp.diff(loglik, p))
    score_gap = _other_end_gap(problem, score, p)
    stats = Statistics.of([score_gap])
    s = sign_of(stats.hide(score_gap), domains)
    want = "negative" if grows_feasible else "positive"
    if s != want:
        raise NotMonotone(
            f"the log-likelihood is not monotone in {p} on the set where every {x}_i lies in the support")
    roots = sp.solve(sp.Eq(end, extreme), p)
    if len(roots) != 1:
        raise NotMonotone(f"cannot solve {end} = {extreme} for {p}")
    value = roots[0]
    bound_word = "max" if side == "upper" else "min"
    direction = "decreasing" if want == "negative" else "increasing"
    steps = (
        MleStep(rule="boundary", title=f"Where the likelihood of {p} is positive",
                after=sp.Rel(end, extreme, ">=" if side == "upper" else "<="),
                justification=f"every observation must lie in the support {problem.support.describe()}, so "
                              f"{end} {'>=' if side == 'upper' else '<='} {bound_word}_i {x}_i; outside this set the "
                              "likelihood is 0",
                relation="claim"),
        MleStep(rule="boundary", title=f"Monotone in {p}", before=sp.Derivative(loglik, p), after=score,
                justification=f"the derivative is {want} for every value of the other parameters, so the "
                              f"log-likelihood is {direction} in {p} on that set"),
        MleStep(rule="boundary", title="Maximum on the boundary", before=p, after=value,
                justification=f"a {direction} function is largest at the end of the set: {end} = "
                              f"{bound_word}_i {x}_i (taking the support closed at that end, as is usual)",
                relation="estimate", param=p),
    )
    return Special(p, value, "boundary", steps)


def _other_end_gap(problem: MleProblem, expr: sp.Expr, p: sp.Symbol) -> sp.Expr:
    """Write the other end of a two-sided support as this end plus a positive gap (b = a + d)."""
    sup = problem.support
    if sup.lower is None or sup.upper is None:
        return expr
    gap = sp.Dummy("gap", positive=True)
    for this, other, sign in ((sup.lower, sup.upper, 1), (sup.upper, sup.lower, -1)):
        if p in this.free_symbols:
            qs = [q for q in other.free_symbols if q in problem.params and q != p]
            for q in qs:
                sol = sp.solve(sp.Eq(other, this + sign * gap), q)
                if len(sol) == 1:
                    return expr.xreplace({q: sol[0]})
    return expr


def kinks(problem: MleProblem, loglik: sp.Expr, domains: Mapping[str, VarDomain],
          skip: Sequence[sp.Symbol] = ()) -> list[Special]:
    """Location parameters inside ``|x_i - mu|`` terms, settled at the sample median."""
    base = sample_base(problem.var)
    xi = base[I]
    out: list[Special] = []
    for p in problem.params:
        if p in skip:
            continue
        terms = [t for t in sp.Add.make_args(sp.expand_mul(loglik)) if p in t.free_symbols]
        if not terms or not any(a.has(sp.Abs) for a in terms):
            continue
        if len(terms) != 1:
            continue
        coeff, body = _coefficient_and_sum(terms[0])
        if body is None or not isinstance(body.function, sp.Abs):
            continue
        inner = body.function.args[0]
        scale = sp.simplify(inner / (xi - p))
        if scale.free_symbols & ({p} | {xi}) or xi in scale.atoms(sp.Indexed):
            continue
        c = coeff * sp.Abs(scale)
        if sign_of(c, domains) != "negative":
            continue
        med = sample_median(base)
        steps = (
            MleStep(rule="subgradient", title=f"Not differentiable in {p}", after=terms[0],
                    justification=f"{p} enters only through the sum of absolute deviations, with a negative "
                                  f"coefficient: maximizing the log-likelihood in {p} minimizes the sum of "
                                  f"|{problem.var}_i - {p}|"),
            MleStep(rule="subgradient", title="Subgradient",
                    after=sp.Sum(-sp.sign(xi - p), (I, 1, N)),
                    justification=f"the subdifferential of the sum in {p} (sign(0) stands for the whole interval "
                                  f"[-1, 1]); it contains 0 exactly when at most half of the observations lie on "
                                  f"either side of {p}"),
            MleStep(rule="subgradient", title="A sample median", before=p, after=med,
                    justification=f"so every sample median maximizes the log-likelihood in {p} (unique when n is odd)",
                    relation="estimate", param=p),
        )
        out.append(Special(p, med, "subgradient", steps))
    return out


def _coefficient_and_sum(term: sp.Expr) -> tuple[sp.Expr, sp.Sum | None]:
    sums = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Sum)]
    if len(sums) != 1:
        return term, None
    rest = sp.Mul(*[f for f in sp.Mul.make_args(term) if f is not sums[0]])
    return rest, sums[0]
