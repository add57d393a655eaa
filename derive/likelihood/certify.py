"""Certifying a maximum-likelihood derivation against numbers.

Every line ``lhs = rhs`` is evaluated on random samples drawn from the model at random
parameter values (derivatives by central differences, not by SymPy's ``diff``); a root is
substituted back into its equation; a Hessian "at the estimate" is compared with the full
Hessian at the closed-form estimate. The estimator is compared with a numeric maximizer of the
log-likelihood, the expected information with the Monte-Carlo covariance of the score, the mean
of the estimator with a Monte-Carlo mean. Anything not checked says so.

Speed without weaker checks: each probe compiles an expression to a NumPy function once and
reuses it (central differences evaluate the same function four times); a Monte-Carlo mean
evaluates the estimator on all replicates in one batched call; a numeric maximum that several
lines compare with (the same seeded sample) is computed once per run. The draws, seeds, sample
sizes and tolerances are those of the unbatched checks, so the same claims are tested with the
same power. The symbolic checks (``simplify``) run under the work allowance of the budget.
"""
from __future__ import annotations

import math
import random
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import sympy as sp

from derive.certify.numeval import numeric_function
from derive.core.budget import Budget, Clock
from derive.core.contract import Certificate, Check, NotComputed, Plausible, Proved, Refuted, Unknown
from derive.core.runner import Beside, stage
from derive.core.work import run_counted
from derive.likelihood.model import MleDerivation, MleProblem, MleStep
from derive.likelihood.logdensity import log_density
from derive.likelihood.numeric import iterate, maximize_loglik, monte_carlo_fisher, objective
from derive.likelihood.sample import I, N, sample_base
from derive.likelihood.sampling import draw_sample
from derive.parse.domain import VarDomain

PROBES = 4
NO_FINITE_PROBE = "no probe where both sides are finite"

Compiled = Callable[..., np.ndarray]


def draw_value(d: VarDomain | None, rng: random.Random, scale: float = 1.0) -> float:
    """A random value well inside a parameter's domain; ``scale`` < 1 draws it that much closer to the
    domain's lower end (its upper end when it has only that)."""
    if d is None or (d.lower is None and d.upper is None):
        return rng.uniform(-2.0, 2.0)
    if d.integer:
        lo = int(math.floor(d.lower)) + 1 if d.lower is not None else -5
        hi = int(math.ceil(d.upper)) - 1 if d.upper is not None else lo + 8
        return float(rng.randint(max(lo, 2) if d.lower is not None and d.lower >= 0 else lo, max(hi, 2)))
    if d.lower is not None and d.upper is not None:
        w = d.upper - d.lower
        return d.lower + w * scale * rng.uniform(0.15, 0.85)
    if d.lower is not None:
        return d.lower + scale * rng.uniform(0.5, 3.0)
    assert d.upper is not None
    return d.upper - scale * rng.uniform(0.5, 3.0)


def solved_constraints(problem: MleProblem) -> dict[sp.Symbol, sp.Expr]:
    """Each equality constraint solved for one parameter (the last one it involves), where it can be."""
    params = list(problem.params)
    solved_for: dict[sp.Symbol, sp.Expr] = {}
    for g in problem.constraints:
        free = [p for p in params if p in g.free_symbols and p not in solved_for]
        if free:
            roots = sp.solve(g, free[-1])
            if len(roots) == 1:
                solved_for[free[-1]] = roots[0]
    return solved_for


def draw_params(problem: MleProblem, rng: random.Random, tries: int = 200,
                solved_for: Mapping[sp.Symbol, sp.Expr] | None = None) -> dict[sp.Symbol, float]:
    """Random parameter values in their space that satisfy the equality constraints.

    Each constraint is solved for one parameter (the last one it involves) after the others are
    drawn; draws that break a relation between parameters (``a < b``) are retried; draws that land outside that parameter's domain are retried, every ``tries // 8`` failures
    with the free values drawn twice as close to an end of their domains (so ``p1 + ... + p20 = 1``
    is met: twenty values drawn across (0, 1) almost never leave the last one positive).
    ``solved_for`` passes ``solved_constraints(problem)`` when the caller draws many times.
    """
    params = list(problem.params)
    if solved_for is None:
        solved_for = solved_constraints(problem)
    rounds = max(1, tries // 8)
    drawn = [p for p in params if p not in solved_for]
    compiled = {p: numeric_function(e, [*drawn, *solved_for]) for p, e in solved_for.items()}
    related = numeric_function(sp.And(*problem.relations), params) if problem.relations else None
    for t in range(tries):
        scale = 0.5 ** (t // rounds) if solved_for else 1.0
        vals = {p: draw_value(problem.domain(p.name), rng, scale) for p in drawn}
        ok = True
        for p in solved_for:
            v = float(compiled[p](*(vals.get(q, math.nan) for q in [*drawn, *solved_for])))
            d = problem.domain(p.name)
            if d is not None and ((d.lower is not None and v <= d.lower) or (d.upper is not None and v >= d.upper)):
                ok = False
                break
            vals[p] = v
        if ok and related is not None:  # the relations between parameters (a < b)
            ok = float(related(*(vals[p] for p in params))) == 1.0
        if ok and _support_nonempty(problem, vals):
            return {p: vals[p] for p in params}
    raise ValueError("no parameter values satisfy the constraints inside the parameter space")


def _support_nonempty(problem: MleProblem, vals: Mapping[sp.Symbol, float]) -> bool:
    """Both ends of a two-sided support in the right order at these values (a < b for uniform(a, b))."""
    lo, hi = problem.support.lower, problem.support.upper
    if lo is None or hi is None or not (lo.free_symbols | hi.free_symbols) & set(vals):
        return True
    sub = {q: sp.Float(v) for q, v in vals.items()}
    try:
        return float(lo.xreplace(sub)) < float(hi.xreplace(sub))
    except TypeError:
        return True


@dataclass(slots=True)
class _Draws:
    """What drawing a probe needs: the problem, and its equality constraints solved for one parameter each."""

    problem: MleProblem
    solved_for: dict[sp.Symbol, sp.Expr]
    forms: dict[sp.Basic, sp.Expr] = field(default_factory=dict, kw_only=True)
    """Each expression as probes evaluate it (``_evaluable(stand_in(expr))``), made once for all probes."""
    extra: dict[tuple[sp.Basic, tuple[sp.Symbol, ...]], dict[sp.Symbol, float]] = field(
        default_factory=dict, kw_only=True)
    """The values of each expression's multipliers (``Probe._multipliers``), by expression and known symbols."""


@dataclass(slots=True)
class _Run(_Draws):
    """Per-run certification state: what every probe shares, and what is computed once per run."""

    d: MleDerivation
    clock: Clock
    maxima: dict[tuple[int, int], tuple[Probe, np.ndarray]] = field(default_factory=dict)
    beside: Beside[list[tuple[np.ndarray, float]]] | None = None
    large: list[Probe] = field(default_factory=list)

    def large_probes(self) -> list[Probe]:
        """``PROBES`` probes with samples of 200, from their own seeded stream, drawn once per run: for a
        line undefined on every small sample (a category no observation of 3 to 7 fell in gives the
        root p_k = 0, where the score's Sum x_k/p_k is 0/0)."""
        if not self.large:
            rng = random.Random(11)
            self.large = [Probe(self, rng, 200) for _ in range(PROBES)]
        return self.large

    def seeded_maximum(self, seed: int, n: int) -> tuple[Probe, np.ndarray]:
        """A probe drawn with ``random.Random(seed)`` and the numeric maximum on its sample.

        Computed once per run: every line that compares with it (the Hessian and the information at
        the estimate, the Newton and Fisher-scoring updates) sees the same sample and maximum.
        """
        key = (seed, n)
        if key not in self.maxima:
            pr = Probe(self, random.Random(seed), n)
            self.maxima[key] = (pr, _numeric_maximum(self, pr)[0])
        return self.maxima[key]

    def symbolic(self, fn: Callable[[], bool], proved: str, refuted: Callable[[], Certificate]) -> Certificate:
        """A symbolic check under the work allowance: Proved if ``fn()`` holds, else ``refuted()``."""
        counted = run_counted(fn, self.clock.budget.max_work)
        if counted.cut:
            return NotComputed("work limit")
        return Proved(proved) if counted.value else refuted()


class Probe:
    """One random setting: parameter and constant values, a sample size and a sample.

    ``value`` compiles each expression once per probe (per set of symbols given) and reuses it.
    """

    def __init__(self, run: _Draws, rng: random.Random, n: int, at: Mapping[sp.Symbol, float] | None = None) -> None:
        problem = run.problem
        self.problem = problem
        self.values: dict[sp.Symbol, float] = {**draw_params(problem, rng, solved_for=run.solved_for), **(at or {})}
        for s in problem.constants:
            self.values[s] = draw_value(problem.domain(s.name), rng)
        self.n = n
        gen = np.random.default_rng(rng.randrange(2**32))
        self.base = sample_base(problem.var)
        if problem.joint:
            self.data = draw_joint(problem, self.values, n, gen)
            self.sample = self.data[self.base]
        else:
            self.sample = draw_sample(problem.numeric_density, problem.var, problem.support, self.values, n, gen)
            self.data = {self.base: self.sample}
        self._compiled: dict[tuple[sp.Basic, tuple[sp.Symbol, ...]], Compiled] = {}
        self._forms = run.forms
        self._extra = run.extra

    def value(self, expr: sp.Expr, override: Mapping[sp.Symbol, float] | None = None) -> float:
        vals: dict[sp.Symbol, float] = {**self.values, N: float(self.n), **(override or {})}
        for s, v in self._multipliers(expr).items():
            vals.setdefault(s, v)
        key = (expr, tuple(vals))
        fn = self._compiled.get(key)
        if fn is None:
            form = self._forms.get(expr)
            if form is None:
                form = self._forms[expr] = _evaluable(self.problem.stand_in(expr))
            fn = numeric_function(form, list(vals), data=self.data)
            self._compiled[key] = fn
        return float(fn(*vals.values()))

    def _multipliers(self, expr: sp.Basic) -> dict[sp.Symbol, float]:
        """A value for each symbol that is neither a parameter, a constant nor data (a Lagrange multiplier):
        any value will do, the claim holds for all; a fixed one per name keeps the document reproducible."""
        key = (expr, tuple(self.values))
        found = self._extra.get(key)
        if found is None:
            data_names = {v.name for v in self.problem.data_vars}
            known = {*self.values, N, I}
            found = {s: 0.5 + (zlib.crc32(s.name.encode()) % 1000) / 500.0 for s in expr.free_symbols
                     if isinstance(s, sp.Symbol) and s not in known and s.name not in data_names}
            self._extra[key] = found
        return found


def draw_joint(problem: MleProblem, values: Mapping[sp.Symbol, float], n: int,
               gen: np.random.Generator) -> dict[sp.IndexedBase, np.ndarray]:
    """A sample of a vector observation from its finite joint support (the mass at each point)."""
    pts = np.asarray([[float(v) for v in pt] for pt in problem.joint])
    keys = list(values)
    mass_fn = numeric_function(problem.density, [*problem.data_vars, *keys])
    mass = np.asarray([float(mass_fn(*pt, *(values[k] for k in keys))) for pt in pts], dtype=float)
    if not np.all(np.isfinite(mass)) or mass.sum() <= 0:
        raise ValueError("the joint mass function cannot be evaluated")
    idx = gen.choice(len(pts), size=n, p=mass / mass.sum())
    return {sample_base(v): pts[idx, k] for k, v in enumerate(problem.data_vars)}


def _constrained_maximum(run: _Run, pr: Probe) -> np.ndarray:
    """The constrained maximum of the log-likelihood on the probe's data (SLSQP from several starts)."""
    from scipy.optimize import minimize  # type: ignore[import-untyped]

    d, problem = run.d, run.problem
    params = list(problem.params)

    def f(theta: np.ndarray) -> float:
        try:
            v = pr.value(d.loglik, dict(zip(params, map(float, theta))))
        except (ValueError, ZeroDivisionError, OverflowError):
            return 1e300
        return -v if math.isfinite(v) else 1e300

    bounds = []
    for p in params:
        dom = problem.domain(p.name)
        lo = None if dom is None or dom.lower is None else dom.lower + 1e-9
        hi = None if dom is None or dom.upper is None else dom.upper - 1e-9
        bounds.append((lo, hi))
    grads = [sp.diff(d.loglik, p) for p in params]

    def jac(theta: np.ndarray) -> np.ndarray:
        """The gradient by SymPy's ``diff`` of the log-likelihood (not the derivation's score, which is checked)."""
        at = dict(zip(params, map(float, theta)))
        try:
            g = np.asarray([-pr.value(e, at) for e in grads])
        except (ValueError, ZeroDivisionError, OverflowError):
            return np.zeros(len(params))
        return g if np.all(np.isfinite(g)) else np.zeros(len(params))

    cons = [{"type": "eq", "fun": (lambda th, g=numeric_function(g, params): float(g(*map(float, th))))}
            for g in problem.constraints]
    best: tuple[float, np.ndarray] | None = None
    gen = np.random.default_rng(4)
    for _ in range(4):
        x0 = np.asarray([draw_value(problem.domain(p.name), random.Random(int(gen.integers(1 << 30))))
                         for p in params])
        r = minimize(f, x0, method="SLSQP", jac=jac, bounds=bounds, constraints=cons,
                     options={"ftol": 1e-12, "maxiter": 500})
        if best is None or r.fun < best[0]:
            best = (float(r.fun), np.asarray(r.x))
    assert best is not None
    return best[1]


def _evaluable(expr: sp.Expr) -> sp.Expr:
    """Products over the sample as exp(sum of logs), so the evaluator sees only sums."""
    if not expr.has(sp.Product):
        return expr
    return expr.replace(lambda e: isinstance(e, sp.Product),
                        lambda p: sp.exp(sp.Sum(sp.log(p.function), *p.limits)))


def _close(a: float, b: float, tol: float) -> bool:
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def _side(expr: sp.Expr | sp.Matrix, probe: Probe, override: Mapping[sp.Symbol, float] | None = None) -> list[float]:
    """Values of an expression or of every entry of a matrix (derivatives by central differences)."""
    items = list(expr) if isinstance(expr, sp.MatrixBase) else [expr]
    return [_value(e, probe, override) for e in items]


def _value(e: sp.Expr, probe: Probe, override: Mapping[sp.Symbol, float] | None) -> float:
    if isinstance(e, sp.Derivative):
        (p, k), = e.variable_count
        f = e.expr
        base = {**probe.values, **(override or {})}
        x0 = base[p]
        h = (1e-4 if k == 2 else 1e-5) * max(1.0, abs(x0))
        at: Callable[[float], float] = lambda t: probe.value(f, {**base, p: t})
        if k == 1:  # central differences with one Richardson step: error O(h^4)
            d1 = (at(x0 + h) - at(x0 - h)) / (2 * h)
            d2 = (at(x0 + h / 2) - at(x0 - h / 2)) / h
            return (4 * d2 - d1) / 3
        if k == 2:
            return (at(x0 + h) - 2 * at(x0) + at(x0 - h)) / h**2
        raise ValueError("only first and second derivatives are checked")
    return probe.value(e, override)


def certify_mle(d: MleDerivation, clock: Clock, seed: int = 0,
                beside: Beside[list[tuple[np.ndarray, float]]] | None = None) -> MleDerivation:
    """The derivation with a certificate on every step and the numeric checks attached.

    ``beside`` holds ``free_maxima(d.problem, seed)`` started beside the derivation (``start_maxima``);
    without it they are computed here. It is closed if the derivation has no use for it.
    """
    rng = random.Random(seed)
    run = _Run(d.problem, solved_constraints(d.problem), d, clock, beside=beside)
    probes = [Probe(run, rng, rng.randint(3, 7)) for _ in range(PROBES)]
    estimate = {p: v for p, v in zip(d.problem.params, d.roots or d.estimator) if v is not None}
    steps: list[MleStep] = []
    full_hessian: sp.Expr | sp.Matrix | None = None
    for s in d.steps:
        clock.check("certifying the derivation")
        if s.kind == "second_order" and s.relation == "=" and full_hessian is None:
            full_hessian = s.rhs if s.lhs is None else s.lhs
        steps.append(replace(s, certificate=_certify_step(s, probes, estimate, full_hessian, run)))
    try:
        maximum = _against_maximizer(run, seed)
    finally:
        if beside is not None:
            beside.close()
    checks = [*d.checks, maximum]
    if d.fisher_expected is not None:
        fisher = _fisher_check(run, rng)
        checks.append(fisher)
        steps = [replace(s, certificate=fisher.certificate) if s.relation == "expected" and s.kind == "fisher" else s
                 for s in steps]
    steps = [replace(s, certificate=maximum.certificate) if s.relation in ("claim", "estimate") else s
             for s in steps]
    return replace(d, steps=tuple(steps), checks=tuple(checks))


def _certify_step(s: MleStep, probes: Sequence[Probe], estimate: Mapping[sp.Symbol, sp.Expr],
                  full_hessian: sp.Expr | sp.Matrix | None, run: _Run) -> Certificate:
    d = run.d
    if s.lhs is None and s.relation in ("=", "claim"):
        return Proved("a definition or a stated argument; its conclusion is checked against the numeric maximizer")
    try:
        if s.relation == "=":
            return _agree_or_larger(lambda pr: (_side(s.lhs, pr), _side(s.rhs, pr)), probes, run,
                                    tol=1e-3 if _has_second_derivative(s.lhs) else 1e-6)
        if s.relation == "root":
            assert s.param is not None
            param = s.param
            return _agree_or_larger(
                lambda pr: (_side(s.lhs, pr, {param: _side(s.rhs, pr)[0]}), [0.0] * _size(s.lhs)),
                probes, run, tol=1e-7, scale=lambda pr: max(1.0, *map(abs, _terms(s.lhs, pr))))
        if s.relation == "at_estimate":
            if full_hessian is None:
                return NotComputed("no Hessian to compare with")
            hessian = full_hessian
            sign = -1.0 if s.kind == "fisher" else 1.0
            closed = len(estimate) == len(d.problem.params)

            def pair(pr: Probe) -> tuple[list[float], list[float]]:
                if closed:
                    at = {p: pr.value(v) for p, v in estimate.items()}
                else:  # no closed form: at the numeric maximum of the probe's sample
                    at = dict(zip(d.problem.params, map(float, run.seeded_maximum(9, 80)[1])))
                return _side(s.rhs, pr, at), [sign * v for v in _side(hessian, pr, at)]

            return _agree(pair, probes if closed else [run.seeded_maximum(9, 80)[0]], tol=1e-6)
        if s.relation == "asymptotic" and d.fisher_expected is not None:
            info = d.fisher_expected
            prod = (sp.Matrix([[s.rhs]]) if not isinstance(s.rhs, sp.MatrixBase) else s.rhs) * info
            return run.symbolic(lambda: bool(sp.simplify(prod - sp.eye(prod.shape[0])) == sp.zeros(*prod.shape)),
                                "times the Fisher information it gives the identity",
                                lambda: Refuted((), "variance x information", "not the identity"))
        if s.relation == "invariance":
            return Proved("invariance of maximum likelihood (the function of the estimates above)")
        if s.relation == "projection":
            return s.certificate if isinstance(s.certificate, Proved) else NotComputed("not proved")
        if s.relation == "outside":
            return s.certificate if isinstance(s.certificate, Proved) else _outside_check(s, probes)
        if s.relation == "bias":
            lhs = s.lhs
            assert lhs is not None
            return run.symbolic(lambda: bool(sp.simplify(lhs - s.rhs) == 0), "the mean above minus the parameter",
                                lambda: Refuted((), str(lhs), str(s.rhs)))
        if s.relation == "expected" and s.kind == "bias":
            return _mean_check(s, run)
        if s.relation == "expected":
            return NotComputed("checked against the Monte-Carlo covariance of the score (see the checks)")
        if s.relation == "update":
            return _update_check(s, run)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError, ArithmeticError) as exc:
        return Unknown(f"could not evaluate: {exc}")
    if s.kind in ("invariance",):
        return Proved("invariance of maximum likelihood")
    return NotComputed("not checked")


def _outside_check(s: MleStep, probes: Sequence[Probe]) -> Certificate:
    """A root claimed outside the parameter space (``root <= 0``) is outside on every probe's sample."""
    rel = s.rhs
    agreed = 0
    for pr in probes:
        value = pr.value(rel.lhs)
        if not math.isfinite(value):
            continue
        if pr.value(rel) != 1.0:
            point = tuple((str(k), f"{v:.6g}") for k, v in pr.values.items()) + (("n", str(pr.n)),)
            return Refuted(point + (("sample", ", ".join(f"{v:.4g}" for v in pr.sample)),),
                           f"root = {value:.10g}", f"inside the parameter space ({s.param})")
        agreed += 1
    if agreed == 0:
        return Unknown("the root is undefined on every probe")
    return Plausible(agreed, "random samples drawn from the model at random parameter values", 0.0,
                     note="the root is outside the parameter space on each")


def _has_second_derivative(e: sp.Expr | None) -> bool:
    return e is not None and any(isinstance(a, sp.Derivative) and sum(k for _, k in a.variable_count) > 1
                                 for a in sp.preorder_traversal(e))


def _size(e: sp.Expr | sp.Matrix) -> int:
    return len(e) if isinstance(e, sp.MatrixBase) else 1


def _terms(e: sp.Expr, pr: Probe) -> list[float]:
    if isinstance(e, sp.MatrixBase):
        return [1.0]
    out = []
    for t in sp.Add.make_args(e):
        try:
            out.append(pr.value(t))
        except (ValueError, ZeroDivisionError, TypeError):
            pass
    return out or [1.0]


def _agree(pair: Callable[[Probe], tuple[list[float], list[float]]], probes: Sequence[Probe], tol: float,
           scale: Callable[[Probe], float] | None = None) -> Certificate:
    agreed, worst = 0, 0.0
    for pr in probes:
        lhs, rhs = pair(pr)
        if not all(math.isfinite(v) for v in lhs + rhs):
            continue
        sc = scale(pr) if scale else 1.0
        for a, b in zip(lhs, rhs):
            err = abs(a - b) / max(sc, abs(a), abs(b), 1.0)
            if err > tol:
                point = tuple((str(k), f"{v:.6g}") for k, v in pr.values.items()) + (("n", str(pr.n)),)
                sample = ", ".join(f"{v:.4g}" for v in pr.sample)
                return Refuted(point + (("sample", sample),), f"{a:.10g}", f"{b:.10g}")
            worst = max(worst, err)
        agreed += 1
    if agreed == 0:
        return Unknown(NO_FINITE_PROBE)
    return Plausible(agreed, "random samples drawn from the model at random parameter values", worst)


def _agree_or_larger(pair: Callable[[Probe], tuple[list[float], list[float]]], probes: Sequence[Probe], run: _Run,
                     tol: float, scale: Callable[[Probe], float] | None = None) -> Certificate:
    """``_agree`` on ``probes``; where both sides are undefined on every one, on ``run.large_probes()``."""
    found = _agree(pair, probes, tol, scale)
    if isinstance(found, Unknown) and found.reason == NO_FINITE_PROBE:
        return _agree(pair, run.large_probes(), tol, scale)
    return found


def _numeric_maximum(run: _Run, pr: Probe, seed: int = 3) -> tuple[np.ndarray, float]:
    """The numeric maximum of the objective on the probe's sample, and its value (the log-likelihood sum)."""
    problem = run.problem
    if problem.constraints:
        theta = _constrained_maximum(run, pr)
        return theta, pr.value(run.d.loglik, dict(zip(problem.params, map(float, theta))))
    return _free_maximum(problem, pr, seed)


def _free_maximum(problem: MleProblem, pr: Probe, seed: int) -> tuple[np.ndarray, float]:
    """The numeric maximum of the objective of a problem without equality constraints, and its value."""
    known = {k: v for k, v in pr.values.items() if k not in problem.params}
    theta, best = maximize_loglik(objective(problem, pr.n), problem.var, problem.params, problem.space, pr.sample,
                                  known=known, support=problem.support, rng=np.random.default_rng(seed),
                                  relations=problem.relations)
    return np.asarray(theta, dtype=float), float(best)


MAXIMA = 3
"""Samples (of 200) on which the closed-form estimate is compared with a numeric maximizer."""


def _maximum_samples(draws: _Draws, seed: int) -> list[tuple[Probe, int]]:
    """The samples the closed form is compared on, each with its optimizer seed.

    Drawn from their own stream of ``seed``, so that the helper computing the maxima
    (``free_maxima``) and the certifier comparing with them draw the same samples.
    """
    rng = random.Random(7919 * seed + 104729)
    return [(Probe(draws, rng, 200), rng.randrange(2**31)) for _ in range(MAXIMA)]


def free_maxima(problem: MleProblem, seed: int) -> list[tuple[np.ndarray, float]]:
    """The numeric maxima on the samples of ``_maximum_samples`` (a problem without equality constraints)."""
    draws = _Draws(problem, {})
    out = []
    for pr, s in _maximum_samples(draws, seed):
        stage("numeric maximization of the log-likelihood")
        out.append(_free_maximum(problem, pr, s))
    return out


def start_maxima(problem: MleProblem, seed: int, budget: Budget) -> Beside[list[tuple[np.ndarray, float]]] | None:
    """``free_maxima`` started in a helper beside the derivation (None for a problem with constraints).

    The maxima need only the problem, and take about as long as the derivation: on the second
    core they cost no time. A derivation without a closed form does not use them (closed unread).
    """
    if problem.constraints:
        return None
    return Beside(free_maxima, (problem, seed), budget, "numeric maximization of the log-likelihood")


def _against_maximizer(run: _Run, seed: int) -> Check:
    """The closed-form estimate against a numeric maximizer (by parameters, or by the value reached
    where the maximizer is not unique, as for the median of an even sample); without a closed form,
    the Newton-Raphson iteration against the maximizer."""
    d, problem = run.d, run.problem
    if not any(v is not None for v in d.estimator):
        return _newton_against_maximizer(run, random.Random(seed))
    samples = _maximum_samples(run, seed)
    if run.beside is not None:
        run.clock.check("comparing with numeric maximization")
        maxima = run.beside.result()
    else:
        maxima = []
        for pr, s in samples:
            run.clock.check("comparing with numeric maximization")
            maxima.append(_numeric_maximum(run, pr, s))
    worst, runs, details = 0.0, 0, []
    for (pr, _), (theta, best) in zip(samples, maxima):
        mine = {p: pr.value(v) for p, v in zip(problem.params, d.estimator) if v is not None}
        at = {p: mine.get(p, float(t)) for p, t in zip(problem.params, theta)}
        reached = pr.value(d.loglik, at) if len(mine) == len(problem.params) else -math.inf
        for p, num in zip(problem.params, theta):
            if p not in mine:
                continue
            err = abs(mine[p] - num) / max(1.0, abs(num))
            details.append(f"{p}: {mine[p]:.6g} vs {num:.6g}")
            if err > 2e-3 and not (math.isfinite(reached) and reached >= best - 1e-7 * max(1.0, abs(best))):
                return Check(name="numeric maximization",
                             certificate=Refuted((("sample of", "200"),), f"{p} = {mine[p]:.8g}",
                                                 f"numeric maximum at {num:.8g}"),
                             detail="; ".join(details))
            worst = max(worst, err if err <= 2e-3 else 0.0)
        runs += 1
    ends = _at_the_ends(run, seed)
    if isinstance(ends, Refuted):
        return Check(name="numeric maximization", certificate=ends, detail="at an end of the parameter space")
    note = "where the maximizer is not unique, the log-likelihood reached is compared"
    if ends is not None:
        outside, total = ends
        runs += total
        note += (f"; {total} of the samples drawn at the closed ends of the parameter space ({outside} with the root "
                 "outside it, where the estimate is the end)")
    return Check(name="numeric maximization",
                 certificate=Plausible(runs, "samples of 200 drawn from the model at random parameter values", worst,
                                       note=note),
                 detail="; ".join(details[-len(problem.params):]))


END_SAMPLES = 4
"""Samples drawn at each closed end an estimate is projected onto (the root is outside on about half)."""


def _at_the_ends(run: _Run, seed: int) -> tuple[int, int] | Refuted | None:
    """A projected estimate (``Max(xbar, 0)``) against the numeric maximum on samples drawn with the
    parameter at the end it is projected onto, where random parameter values well inside the space
    would almost never put the root outside. None when no estimate is projected; else how many
    samples had the root outside the space, of how many compared, or the first disagreement."""
    d, problem = run.d, run.problem
    if not d.roots:
        return None
    rng = random.Random(7919 * seed + 31337)
    outside = total = 0
    for p, value, _ in d.cases:
        root = d.roots[problem.params.index(p)]
        if value is None or root is None or value == root:
            continue
        est = d.estimator[problem.params.index(p)]
        assert est is not None
        for _ in range(END_SAMPLES):
            run.clock.check("comparing with numeric maximization at the ends of the parameter space")
            pr = Probe(run, rng, 200, {p: float(value)})
            theta, best = _numeric_maximum(run, pr, rng.randrange(2**31))
            mine = pr.value(est)
            num = float(theta[problem.params.index(p)])
            at = {q: (mine if q == p else float(t)) for q, t in zip(problem.params, theta)}
            reached = pr.value(d.loglik, at)
            if abs(mine - num) / max(1.0, abs(num)) > 2e-3 and not (
                    math.isfinite(reached) and reached >= best - 1e-7 * max(1.0, abs(best))):
                return Refuted((("sample of", "200"), (str(p), f"{float(value):.6g}")), f"{p} = {mine:.8g}",
                               f"numeric maximum at {num:.8g}")
            outside += int(abs(pr.value(root) - mine) > 1e-12)
            total += 1
    return (outside, total) if total else None


def _newton_against_maximizer(run: _Run, rng: random.Random) -> Check:
    """No closed form: Newton-Raphson on a sample must converge to the numeric maximum."""
    d, problem = run.d, run.problem
    name = "Newton-Raphson vs numeric maximization"
    if not d.newton:
        return Check(name=name, certificate=NotComputed("no closed-form update to iterate"))
    pr = Probe(run, rng, 200)
    theta, _ = _numeric_maximum(run, pr)
    free = list(d.newton_params)
    target = dict(zip(problem.params, map(float, theta)))
    start = [target[p] * 0.9 + 0.1 * draw_value(problem.domain(p.name), rng) for p in free]
    known = {k: v for k, v in pr.values.items() if k not in problem.params}
    its = iterate(list(d.newton), free, start, {pr.base: pr.sample}, n=float(pr.n), values=known)
    last = its[-1]
    err = max(abs(float(a) - target[p]) / max(1.0, abs(target[p])) for p, a in zip(free, last))
    if not (err < 1e-5):
        return Check(name=name, certificate=Refuted((("start", ", ".join(f"{v:.4g}" for v in start)),),
                                                    "last iterate " + ", ".join(f"{float(v):.8g}" for v in last),
                                                    "numeric maximum " + ", ".join(f"{target[p]:.8g}" for p in free)))
    return Check(name=name, certificate=Plausible(len(its), "a sample of 200 drawn from the model, started near the "
                                                  "maximum", err, note=f"converged in {len(its) - 1} steps"))


def _fisher_check(run: _Run, rng: random.Random) -> Check:
    """The expected information per observation against ``E[s s^T]`` of the score over 20000 draws."""
    d, problem = run.d, run.problem
    info = d.fisher_expected
    assert info is not None
    name = "Fisher information vs Monte-Carlo variance of the score"
    if problem.base is not None:  # no draws from the model: h is unknown (MleProblem.stand_in)
        params = list(problem.params)
        h = sp.Matrix([[sp.diff(d.loglik, a, b).doit() for b in params] for a in params])
        if any(e.has(sp.Indexed) for e in h):
            return Check(name=name, certificate=NotComputed("h unknown"),
                         detail="the draws would come from the model, which depends on the base measure")
        return Check(name="Fisher information", certificate=run.symbolic(
            lambda: bool((h + info).applyfunc(sp.simplify) == sp.zeros(*h.shape)),
            "the Hessian does not involve the data, so minus the Hessian is its own expectation (for every h)",
            lambda: Refuted((), "I", "minus the Hessian")))
    logf = log_density(problem.density)
    scores = [sp.diff(logf, p) for p in problem.params]
    pr = Probe(run, rng, 2)
    values = pr.values
    cov, se = monte_carlo_fisher(scores, problem.var, problem.params, problem.density, problem.support, values,
                                 draws=20000, rng=np.random.default_rng(rng.randrange(2**32)))
    keys = [*values, N]
    args = [*values.values(), 1.0]
    k = len(problem.params)
    claimed = np.asarray([[float(numeric_function(info[a, b] / N, keys)(*args)) for b in range(k)] for a in range(k)])
    worst = 0.0
    scale = max(abs(float(claimed[j, j])) for j in range(k))
    for a in range(k):
        for b in range(k):
            claim = float(claimed[a, b])
            dev = abs(claim - cov[a, b])
            if dev > 5 * se[a, b] + 0.03 * abs(claim) + 1e-9:
                return Check(name=name, certificate=Refuted(tuple((str(s), f"{v:.6g}") for s, v in values.items()),
                                                            f"I/n = {claim:.6g}",
                                                            f"score covariance {cov[a, b]:.6g} ± {se[a, b]:.2g}"))
            worst = max(worst, dev / max(abs(claim), scale, 1e-12))  # relative to the matrix's size
    at = ", ".join(f"{s} = {v:.4g}" for s, v in values.items())
    return Check(name=name, certificate=Plausible(20000, f"draws from the model at {at}", worst))


def _mean_check(s: MleStep, run: _Run) -> Certificate:
    """Monte-Carlo mean of the estimator at n = 5 against the claimed mean.

    The 1500 replicates are evaluated in one batched call (the pool as a 5 x 1500 array): the same
    draws and the same arithmetic as one evaluation per replicate.
    """
    assert s.param is not None
    problem = run.problem
    est = run.d.estimator[problem.params.index(s.param)]
    if est is None:
        return NotComputed("no estimator")
    pr = Probe(run, random.Random(7), 5)
    reps = 1500
    gen = np.random.default_rng(11)
    pool = draw_sample(problem.density, problem.var, problem.support, pr.values, 5 * reps, gen)
    keys = [*pr.values, N]
    batch = numeric_function(_evaluable(est), keys, data={pr.base: pool.reshape(reps, 5).T})
    arr = np.asarray(batch(*pr.values.values(), 5.0), dtype=float)
    mean, se = float(arr.mean()), float(arr.std(ddof=1) / math.sqrt(len(arr)))
    claim = pr.value(s.rhs)
    if abs(mean - claim) > 5 * se + 1e-9:
        return Refuted((("n", "5"),), f"claimed mean {claim:.6g}", f"Monte-Carlo mean {mean:.6g} ± {se:.2g}")
    return Plausible(reps, f"samples of n = 5 at {', '.join(f'{k} = {v:.4g}' for k, v in pr.values.items())}",
                     abs(mean - claim) / max(abs(claim), 1e-12), note="Monte-Carlo mean within 5 standard errors")


def _update_check(s: MleStep, run: _Run) -> Certificate:
    """An update must leave a root of the score equations where it is: checked at the numeric maximum."""
    pr, theta = run.seeded_maximum(5, 60)  # one maximum for every update line (Newton, Fisher scoring)
    at = dict(zip(run.problem.params, (float(t) for t in theta)))
    lhs = _side(s.lhs, pr, at)
    rhs = _side(s.rhs, pr, at)
    for a, b in zip(lhs, rhs):
        if not _close(a, b, 1e-4):
            return Refuted((("at the numeric maximum", ", ".join(f"{k} = {v:.6g}" for k, v in at.items())),),
                           f"{a:.8g}", f"update gives {b:.8g}")
    return Plausible(1, "the numeric maximum of a sample of 60 (a fixed point of the update)", 0.0)
