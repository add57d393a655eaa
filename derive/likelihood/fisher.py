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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import sympy as sp

from derive.core.functions import SampleStatistic
from derive.parse.domain import VarDomain
from derive.likelihood.model import MleProblem
from derive.likelihood.logdensity import log_density

from derive.core.work import run_counted
from derive.likelihood.sign import sign_of
from derive.likelihood.sample import I, N, sample_base
from derive.likelihood.sums import Statistics, expand_sums, simplify_hidden, sums_in


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


class WorkCut(Exception):
    """An expectation the work allowance stopped (``Budget.max_work``): the part that needed it is not computed."""

    def __init__(self, what: str, calls: int) -> None:
        super().__init__(f"{what} stopped after {calls:,} Python calls")
        self.what = what
        self.calls = calls


_SYMPY_FAILURES: tuple[type[BaseException], ...] = (
    ArithmeticError, AttributeError, LookupError, NotImplementedError, RecursionError, TypeError, ValueError,
    sp.polys.polyerrors.BasePolynomialError)
"""What SymPy's integrate/summation raise when they give up: the expectation has no closed form here."""


@dataclass(slots=True)
class Expectations:
    """``E[g(X)]`` under one problem's model, for one run: memoized, each under the work allowance.

    Each expectation is one counted part (``run_counted``) of at most ``allowance`` Python calls;
    one that runs out raises ``WorkCut`` (now and on every later request of it), one SymPy cannot
    do gives None. Per-run state: a new derivation starts a new one.
    """

    problem: MleProblem
    allowance: int
    memo: dict[sp.Expr, sp.Expr | WorkCut | None] = field(default_factory=dict)
    gaussian: bool | None = None
    """Whether the density is of the Gaussian type ``_gaussian_moment`` integrates (found once)."""

    def _gaussian(self) -> bool:
        if self.gaussian is None:
            body = _on_line(self.problem.density, self.problem)
            self.gaussian = body is not None and _gaussian_moment(*body) is not None
        return self.gaussian

    def of(self, g: sp.Expr) -> sp.Expr | None:
        """``E[g(X)]``, or None when SymPy finds no closed form; raises ``WorkCut`` past the allowance."""
        if g not in self.memo:
            _load_lazy_modules()
            if self.problem.support.kind == "integers":
                load_tables(meijer=False)  # summation: hypergeometric
            elif self.problem.support.kind != "finite" and not self._gaussian():
                load_tables()
            try:
                counted = run_counted(lambda: _expectation(g, self.problem), self.allowance)
            except _SYMPY_FAILURES:
                self.memo[g] = None
            else:
                self.memo[g] = (WorkCut(f"E[{g}]", counted.calls) if counted.cut else _closed(counted.value))
        found = self.memo[g]
        if isinstance(found, WorkCut):
            raise found
        return found


def _load_lazy_modules() -> None:
    """Import what integrate and summation import on first use, so that importing is never counted.

    A fresh process would otherwise count the module code it runs the first time, a later run in
    the same process not: the count, and so what is cut, would depend on what ran before. The list
    is what the built-in families' expectations import (found by comparing ``sys.modules``).
    """
    import sympy.integrals.heurisch
    import sympy.integrals.manualintegrate
    import sympy.integrals.prde
    import sympy.integrals.rde
    import sympy.integrals.risch
    import sympy.physics.units  # simplify imports it on first use
    import sympy.polys.domains.old_fractionfield
    import sympy.polys.domains.old_polynomialring
    import sympy.polys.polymatrix
    import sympy.sets.handlers.functions
    import sympy.sets.handlers.issubset  # noqa: F401  (the modules the families' expectations load)


def preload() -> None:
    """Everything an expectation imports or builds on first use, loaded now (for a build's parent, whose
    forked workers then inherit it: about 0.1 s per item that sums a series, 0.4 s per item that integrates
    by Meijer-G). Speed only: the counted work of an expectation is the same either way."""
    _load_lazy_modules()
    load_tables()


def load_tables(meijer: bool = True) -> None:
    """Build the tables summation's hypergeometric route and (with ``meijer``) integrate's Meijer-G route
    build on their first use, in module globals (about 0.1 s and 0.3 s), so that building them is never
    counted either.

    Called before an expectation that may need them (``Expectations.of``), and once in a build's
    parent so that every forked worker has them.
    """
    import importlib

    hyper = vars(importlib.import_module("sympy.simplify.hyperexpand"))  # module globals, set as SymPy does
    if hyper["_collection"] is None:
        hyper["_collection"] = hyper["FormulaCollection"]()
    lookup = vars(importlib.import_module("sympy.integrals.meijerint"))
    if meijer and not lookup["_lookup_table"]:
        table: dict[object, object] = {}
        lookup["_create_lookup_table"](table)
        lookup["_lookup_table"] = table


def _expectation(g: sp.Expr, problem: MleProblem) -> sp.Expr | None:
    """The SymPy work of one expectation (a sum or an integral over the support), simplified.

    A conditional answer keeps its first branch before simplifying (``Piecewise((m p, |p/(p-1)| <= 1),
    ...)``: the convergence condition holds on the parameter space, and the Monte-Carlo check of
    the information tests the branch numerically); an answer SymPy left unevaluated is None at once.
    """
    x, f, sup = problem.var, problem.density, problem.support
    body = g * f
    if sup.kind == "finite":
        return sp.simplify(sp.Add(*(body.subs(x, v) for v in sup.values)))
    lo = sup.lower if sup.lower is not None else -sp.oo
    hi = sup.upper if sup.upper is not None else sp.oo
    if sup.kind == "integers":
        r = sp.summation(body, (x, lo, hi))
    else:
        line = _on_line(body, problem)
        r = None if line is None else _gaussian_moment(*line)
        if r is None and lo == 0 and body.has(sp.log(x)):
            # x = e^u turns log-scale densities (lognormal) into ones SymPy integrates
            u = sp.Dummy("u", real=True)
            top = sp.oo if hi == sp.oo else sp.log(hi)
            r = sp.integrate(_log_scale(body, x, u), (u, -sp.oo, top), conds="none")
        elif r is None:
            r = sp.integrate(body, (x, lo, hi), conds="none")
    r = sp.piecewise_fold(r)
    if isinstance(r, sp.Piecewise) and r.args and r.args[0].cond is not sp.false:
        r = r.args[0].expr
    if _closed(r) is None:
        return None
    return sp.simplify(r)


def _log_scale(body: sp.Expr, x: sp.Symbol, u: sp.Symbol) -> sp.Expr:
    """The integrand ``body dx`` on ``x = e^u`` (``body e^u du``), the logs of ``e^u`` expanded."""
    return sp.expand_log((body * x).xreplace({x: sp.exp(u)}), force=True).xreplace({x: sp.exp(u)})


def _on_line(body: sp.Expr, problem: MleProblem) -> tuple[sp.Expr, sp.Symbol] | None:
    """``body`` as an integrand over the whole real line and its variable: as it is on a support that is
    the line, on ``u = log x`` (``_log_scale``) on ``(0, oo)`` when it has ``log x``; None on others."""
    x, sup = problem.var, problem.support
    if sup.kind in ("finite", "integers"):
        return None
    lo = sup.lower if sup.lower is not None else -sp.oo
    hi = sup.upper if sup.upper is not None else sp.oo
    if (lo, hi) == (-sp.oo, sp.oo):
        return body, x
    if lo == 0 and hi == sp.oo and body.has(sp.log(x)):
        u = sp.Dummy("u", real=True)
        return _log_scale(body, x, u), u
    return None


def _gaussian_moment(body: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
    """``Integral(body, (x, -oo, oo))`` in closed form when ``body`` is a polynomial in ``x`` times
    ``C exp(-a x^2 + b x + c)`` with ``a`` positive by the symbols' assumptions, else None (integrate then).

    Completing the square, ``x = y + b/(2a)``: the integral is ``exp(c + b^2/(4a))`` times the sum of
    ``binomial(k, m) (b/(2a))^(k-m) Integral(y^m exp(-a y^2))`` over the monomials ``x^k``, where the
    last integral is 0 for odd ``m`` and ``Gamma((m+1)/2) / a^((m+1)/2)`` for even ``m``. The same
    value SymPy's Meijer-G route finds, without its pattern search (the normal model's moments).
    """
    factors = sp.Mul.make_args(sp.powsimp(body, combine="exp"))
    exps = [f for f in factors if isinstance(f, sp.exp) and f.has(x)]
    rest = sp.Mul(*(f for f in factors if f not in exps))
    if len(exps) != 1:
        return None
    try:
        q = sp.Poly(sp.expand(exps[0].args[0]), x)
        g = sp.Poly(sp.expand(rest), x)
    except sp.PolynomialError:
        return None
    if q.degree() != 2 or any(c.has(x) for c in (*q.coeffs(), *g.coeffs())):
        return None
    a, b, c = -q.coeff_monomial(x**2), q.coeff_monomial(x), q.coeff_monomial(1)
    if a.is_positive is not True:
        return None
    shift = b / (2 * a)
    total = sp.Integer(0)
    for (k,), coeff in g.terms():
        for m in range(0, k + 1, 2):
            total += coeff * sp.binomial(k, m) * shift ** (k - m) * sp.gamma(sp.Rational(m + 1, 2)) \
                / a ** sp.Rational(m + 1, 2)
    return total * sp.exp(c + b**2 / (4 * a))


def _closed(r: sp.Expr | None) -> sp.Expr | None:
    """``r`` if it is a closed form (no integral, sum, infinity or undefined value left), else None."""
    if r is None or r.has(sp.Integral, sp.Sum, sp.nan, sp.zoo) or r.has(sp.oo) or r.has(sp.Piecewise):
        return None
    return r


def _summand_of(stat: sp.Sum, problem: MleProblem) -> sp.Expr:
    """``g(x)`` for the statistic ``Sum(g(x[i]))``."""
    base = sample_base(problem.var)
    return stat.function.xreplace({base[I]: problem.var})


def expected_information(h: sp.Matrix, problem: MleProblem, means: Expectations) -> sp.Matrix | None:
    """``-E[H]`` under the model: each statistic replaced by n times its expectation.

    None when SymPy finds no closed form for an expectation; ``WorkCut`` when one runs out of work.
    """
    if any(t.free_symbols & set(problem.params) for e in h for t in sums_in(e)):
        return _direct_information(problem, means)
    stats = Statistics.of(list(h), problem.params)
    subs: dict[sp.Symbol, sp.Expr] = {}
    for stat, sym in stats.to_symbol:
        e = means.of(_summand_of(stat, problem))
        if e is None:
            return None
        subs[sym] = N * e
    return (-stats.hide(h)).xreplace(subs).applyfunc(lambda v: sp.factor(sp.simplify(v)))


def _direct_information(problem: MleProblem, means: Expectations) -> sp.Matrix | None:
    """``n E[-d2 log f(X)]`` entry by entry, when the Hessian is not linear in statistics."""
    logf = log_density(problem.density)
    k = len(problem.params)
    m = sp.zeros(k, k)
    for a in range(k):
        for b in range(a, k):
            e = means.of(-sp.diff(logf, problem.params[a], problem.params[b]))
            if e is None:
                return None
            m[a, b] = m[b, a] = sp.factor(N * e)
    return m


def bias(estimate: sp.Expr, param: sp.Symbol, problem: MleProblem,
         means: Expectations) -> tuple[sp.Expr, sp.Expr] | None:
    """``(E[estimate], E[estimate] - param)`` when the estimate is a polynomial of degree <= 2 in statistics.

    None when it is not, or SymPy finds no closed form for an expectation; ``WorkCut`` when one runs out of work.
    None as well when a statistic's summand holds a statistic of the whole sample (``|x_i - median(x)|``
    for the Laplace scale): ``E[Sum g(x_i)] = n E[g(X)]`` needs ``g`` of one observation (SymPy's
    integral of the median as an unknown function of ``x`` found no closed form either).
    """
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
    if any(v.has(SampleStatistic) for v in g.values()):
        return None  # a summand holding the sample's median is no function of one observation: no E[g(X)]
    e = means.of

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
