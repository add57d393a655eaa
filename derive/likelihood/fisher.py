"""Second-order check, Fisher information, asymptotic variance and bias.

The log-likelihood is linear in the data statistics ``T_k = Sum(g_k(x_i))``, so at a solution of
the score equations some statistics can be eliminated: solving the (linear) score equations for
them turns the Hessian at the estimate into a function of the parameters and ``n`` alone, whose
definiteness on the parameter space SymPy can decide. The expected information replaces each
statistic by ``n E[g_k(X)]``, the expectation taken under the model (a sum or an integral over
the support). The bias of an estimator that is a polynomial of degree at most two in the
statistics follows from ``E[T_a T_b] = n E[g_a g_b] + n (n - 1) E[g_a] E[g_b]``.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import sympy as sp

from derive.parse.domain import VarDomain
from derive.likelihood.model import MleProblem

from derive.core.attempt import attempt
from derive.likelihood.sign import sign_of
from derive.likelihood.sums import I, N, Statistics, expand_sums, sample_base, simplify_hidden, sums_in


def hessian(loglik: sp.Expr, params: Sequence[sp.Symbol]) -> sp.Matrix:
    """The matrix of second partial derivatives, with the sums expanded into statistics."""
    rows = []
    for p in params:
        rows.append([expand_sums(sp.diff(loglik, p, q), params) for q in params])
    return sp.Matrix(rows)


def at_stationary(h: sp.Matrix, scores: Sequence[sp.Expr], params: Sequence[sp.Symbol]) -> sp.Matrix | None:
    """``h`` with statistics eliminated through the score equations (None if some remain)."""
    exp_scores = [expand_sums(s, params) for s in scores]
    if any(t.free_symbols & set(params) for e in list(exp_scores) + list(h) for t in sums_in(e)):
        return None  # a sum in which a parameter cannot be separated from the data
    stats = Statistics.of(list(exp_scores) + list(h), params)
    if not stats.symbols:
        return sp.Matrix(h).applyfunc(lambda e: simplify_hidden(e, params))
    hidden = [sp.numer(sp.together(stats.hide(s))) for s in exp_scores]
    if any(sums_in(stats.hide(s)) for s in exp_scores):
        return None  # a sum in which a parameter cannot be separated from the data
    try:
        sol = sp.solve(hidden, list(stats.symbols), dict=True)
    except (NotImplementedError, ValueError, TypeError):
        return None
    if not sol:
        return None
    hh = stats.hide(sp.Matrix(h)).xreplace(sol[0]).applyfunc(sp.simplify)
    if any(s in hh.free_symbols for s in stats.symbols):
        return None
    return hh


def definiteness(h: sp.Matrix, domains: Mapping[str, VarDomain]) -> str | None:
    """``negative definite`` (leading minors alternate in sign) / ``positive definite`` / None."""
    k = h.shape[0]
    signs = []
    for j in range(1, k + 1):
        minor = sp.factor(h[:j, :j].det()) if j > 1 else h[0, 0]
        signs.append(sign_of(minor, domains))
    if all(s == ("negative" if j % 2 == 0 else "positive") for j, s in enumerate(signs)):
        return "negative definite"
    if all(s == "positive" for s in signs):
        return "positive definite"
    return None


def expectation(g: sp.Expr, problem: MleProblem, seconds: float = 4.0) -> sp.Expr | None:
    """``E[g(X)]`` under the model, symbolically (None if SymPy cannot do it in time)."""
    return _expectation(g, problem, seconds)


@functools.lru_cache(maxsize=256)
def _expectation(g: sp.Expr, problem: MleProblem, seconds: float) -> sp.Expr | None:
    x, f, sup = problem.var, problem.density, problem.support

    def run() -> sp.Expr:
        body = g * f
        if sup.kind == "finite":
            return sp.simplify(sp.Add(*(body.subs(x, v) for v in sup.values)))
        lo = sup.lower if sup.lower is not None else -sp.oo
        hi = sup.upper if sup.upper is not None else sp.oo
        if sup.kind == "integers":
            return sp.simplify(sp.summation(body, (x, lo, hi)))
        if lo == 0 and body.has(sp.log(x)):
            # x = e^u turns log-scale densities (lognormal) into ones SymPy integrates
            u = sp.Dummy("u", real=True)
            top = sp.oo if hi == sp.oo else sp.log(hi)
            return sp.simplify(sp.integrate(sp.expand_log((body * x).xreplace({x: sp.exp(u)}), force=True)
                                            .xreplace({x: sp.exp(u)}), (u, -sp.oo, top), conds="none"))
        return sp.simplify(sp.integrate(body, (x, lo, hi), conds="none"))

    r = attempt(run, seconds)
    if isinstance(r, sp.Piecewise) and r.args and r.args[0].cond is not sp.false:
        # convergence conditions such as |1 - p| < 1 hold on the parameter space; the Monte-Carlo
        # check of the information (certify) tests the branch taken numerically
        r = sp.simplify(r.args[0].expr)
    if r is None or r.has(sp.Integral, sp.Sum, sp.nan, sp.zoo) or r.has(sp.oo) or r.has(sp.Piecewise):
        return None
    return r


def _summand_of(stat: sp.Sum, problem: MleProblem) -> sp.Expr:
    """``g(x)`` for the statistic ``Sum(g(x[i]))``."""
    base = sample_base(problem.var)
    return stat.function.xreplace({base[I]: problem.var})


def expected_information(h: sp.Matrix, problem: MleProblem) -> sp.Matrix | None:
    """``-E[H]`` under the model: each statistic replaced by n times its expectation."""
    if any(t.free_symbols & set(problem.params) for e in h for t in sums_in(e)):
        return _direct_information(problem)
    stats = Statistics.of(list(h), problem.params)
    subs: dict[sp.Symbol, sp.Expr] = {}
    for stat, sym in stats.to_symbol:
        e = expectation(_summand_of(stat, problem), problem)
        if e is None:
            return None
        subs[sym] = N * e
    return (-stats.hide(h)).xreplace(subs).applyfunc(lambda v: sp.factor(sp.simplify(v)))


def _direct_information(problem: MleProblem) -> sp.Matrix | None:
    """``n E[-d2 log f(X)]`` entry by entry, when the Hessian is not linear in statistics."""
    logf = sp.expand_log(sp.log(problem.density), force=True)
    k = len(problem.params)
    m = sp.zeros(k, k)
    for a in range(k):
        for b in range(a, k):
            e = expectation(-sp.diff(logf, problem.params[a], problem.params[b]), problem)
            if e is None:
                return None
            m[a, b] = m[b, a] = sp.factor(N * e)
    return m


def bias(estimate: sp.Expr, param: sp.Symbol, problem: MleProblem) -> tuple[sp.Expr, sp.Expr] | None:
    """``(E[estimate], E[estimate] - param)`` when the estimate is a polynomial of degree <= 2 in statistics."""
    full = _expand_all(estimate)
    stats = Statistics.of([full])
    if not stats.symbols:
        return None
    hidden = stats.hide(full)
    try:
        poly = sp.Poly(hidden, *stats.symbols)
    except sp.PolynomialError:
        return None
    if poly.total_degree() > 2 or any(c.free_symbols - {N} - set(problem.params) - _known(problem)
                                      for c in poly.coeffs()):
        return None
    g = {sym: _summand_of(stat, problem) for stat, sym in stats.to_symbol}
    mean: dict[sp.Expr, sp.Expr | None] = {}

    def e(expr: sp.Expr) -> sp.Expr | None:
        if expr not in mean:
            mean[expr] = expectation(expr, problem)
        return mean[expr]

    value = sp.Integer(0)
    for monom, coeff in poly.terms():
        syms = [s for s, k in zip(stats.symbols, monom) for _ in range(k)]
        if not syms:
            value += coeff
        elif len(syms) == 1:
            m = e(g[syms[0]])
            if m is None:
                return None
            value += coeff * N * m
        else:
            a, b = syms
            joint, ma, mb = e(sp.expand(g[a] * g[b])), e(g[a]), e(g[b])
            if joint is None or ma is None or mb is None:
                return None
            value += coeff * (N * joint + N * (N - 1) * ma * mb)
    mean_value = sp.factor(sp.simplify(value))
    return mean_value, sp.factor(sp.simplify(value - param))


def _known(problem: MleProblem) -> set[sp.Symbol]:
    return set(problem.constants)


def _expand_all(expr: sp.Expr) -> sp.Expr:
    """Every sum expanded into pure statistics (nested sums become products of statistics)."""
    prev = None
    out = expr
    while prev != out:
        prev = out
        out = out.replace(lambda e: isinstance(e, sp.Sum),
                          lambda s: expand_sums(sp.Sum(sp.expand(s.function), *s.limits), s.function.free_symbols))
        out = sp.expand(out)
    return out
