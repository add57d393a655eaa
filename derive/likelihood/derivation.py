"""The maximum-likelihood derivation: likelihood -> log-likelihood -> score -> solution -> checks.

One general engine for every density: the built-in family names only expand to a density
(parse/families). Parameters in the support's ends are settled on the boundary, location
parameters inside absolute values by the subgradient; the rest by the score equations,
solved on the parameter space. What has no closed form gets the Newton-Raphson and
Fisher-scoring updates instead of an answer. Certification is separate (certify/mle).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from derive.core.budget import Clock
from derive.core.errors import UnsupportedError
from derive.parse.domain import VarDomain
from derive.forms import shown, sums_in
from derive.likelihood.model import Method, MleDerivation, MleProblem, MleStep

from derive.core.contract import Check, NotComputed, Proved
from derive.likelihood.fisher import (Expectations, WorkCut, at_stationary, bias, definiteness,
                                      expected_information, hessian)
from derive.likelihood.loglik import group_by_parameters, loglik_steps
from derive.likelihood.sign import sign_of, signs_remembered
from derive.likelihood.screen import RootScreen
from derive.likelihood.solve import Dropped, Outside, back_substitute, solve_scores
from derive.likelihood.special import NotMonotone, Special, boundary, kinks
from derive.likelihood.sample import N
from derive.likelihood.support import variable_domain
from derive.likelihood.sums import Statistics, depends_on_data, simplify_hidden, split_sums


def domains_of(problem: MleProblem) -> dict[str, VarDomain]:
    """Parameter and known-constant domains by name, and the data variable's (from the support)."""
    out = {d.name: d for d in problem.space}
    out.setdefault(problem.var.name, variable_domain(problem.support))
    return out


def derive_mle(problem: MleProblem, clock: Clock, functions: Sequence[tuple[str, sp.Expr]] = (),
               on_estimate: Callable[[], object] | None = None) -> MleDerivation:
    """Every step from the density to the estimator and its properties (not yet certified).

    ``on_estimate`` is called once, as soon as the score equations give some parameter a closed-form
    estimate (the derivation's ``estimator`` then has an entry that is not None), before the rest of
    the derivation: the caller starts there the numeric maxima that certification compares the
    estimate with, which a derivation without a closed form never reads (it checks Newton-Raphson
    against a maximizer of its own). Not called for a problem with equality constraints.
    """
    with signs_remembered():
        return _derive_mle(problem, clock, functions, on_estimate)


def _derive_mle(problem: MleProblem, clock: Clock, functions: Sequence[tuple[str, sp.Expr]],
                on_estimate: Callable[[], object] | None = None) -> MleDerivation:
    domains = domains_of(problem)
    params = problem.params
    loglik, steps = loglik_steps(problem, clock.budget.max_work)
    clock.check("the log-likelihood", size=sp.count_ops(loglik))

    specials = _specials(problem, loglik, domains)
    fixed = {s.param: s.value for s in specials}
    calc = [p for p in params if p not in fixed]

    scores: list[sp.Expr] = []
    for p in params:
        s = _tidy(split_sums(sp.diff(loglik, p)), params)
        scores.append(s)
        if p in calc and not problem.constraints:
            steps.append(MleStep(rule="score", title=f"Score for {p}", before=sp.Derivative(loglik, p), after=s,
                                 justification="differentiate term by term; the derivative of a sum is the sum of "
                                               "the derivatives",
                                 param=p))
    for sp_ in specials:
        steps.extend(sp_.steps)

    if problem.constraints:
        return _constrained(problem, loglik, scores, steps, domains, clock, functions)
    calc_scores = [scores[params.index(p)].xreplace(fixed) for p in calc]
    if fixed and calc:
        with_ = ", ".join(f"{p} = {v}" for p, v in fixed.items())
        steps.append(MleStep(rule="substitute", title="The remaining score equations",
                             after=sp.Matrix(calc_scores) if len(calc) > 1 else calc_scores[0],
                             justification=f"with {with_} substituted"))
    solution = solve_scores(calc_scores, calc, domains, clock, RootScreen(problem))
    order, unsolved = solution.order, solution.unsolved
    for s in order:
        eq = s.eq
        note = ""
        if s.others:
            note += ("; further roots, which may also lie in the space: " + ", ".join(map(str, s.others))
                     + " (the one chosen is inside on the most samples; the estimate is checked against a numeric "
                       "maximizer)")
        if s.uses:
            note += f"; this gives {s.param} in terms of {', '.join(map(str, s.uses))} (a profile), substituted below"
        steps.append(MleStep(rule="solve", title=f"Solve the score equation for {s.param}", before=eq, after=s.value,
                             justification=f"set the score to 0 and solve for {s.param} on the parameter space{note}",
                             relation="root", param=s.param))
        steps.extend(_outside_steps(s.dropped, s.param, domains, only=False))
    for o in solution.outside:
        steps.extend(_outside_steps(o.dropped, o.param, domains, only=True))

    solved = back_substitute(order)
    estimates: dict[sp.Symbol, sp.Expr | None] = {}
    for p in params:
        if p in fixed:
            estimates[p] = fixed[p]
        elif p in solved and not (solved[p].free_symbols & set(unsolved)):
            estimates[p] = _tidy_estimate(solved[p].xreplace(fixed))
        else:
            estimates[p] = None
    if on_estimate is not None and any(v is not None for v in estimates.values()):
        on_estimate()  # later steps only replace an estimate by another (_restrict: the root projected)
    closed = not unsolved
    for p in params:
        v = estimates[p]
        if v is not None and p in solved and len(order) > 1:
            steps.append(MleStep(rule="estimator", title=f"Estimator of {p}", before=p, after=v,
                                 justification="the solutions substituted into each other",
                                 relation="estimate", param=p))

    method: Method = "numeric" if unsolved else (
        "boundary" if any(s.method == "boundary" for s in specials) else
        "subgradient" if specials else "calculus")
    ends = _unsure_ends(estimates, domains) if closed else []
    roots = dict(estimates)
    space_notes: list[str] = []
    cases: list[tuple[sp.Symbol, sp.Expr | None, sp.Basic]] = []
    ends, projected = _restrict(ends, loglik.xreplace(fixed), calc, bool(specials), estimates, domains, steps,
                                space_notes, cases)
    between = _between(problem, estimates, domains) if closed else []
    conditions = tuple(str(e.relation) for e in ends) + tuple(str(r) for r in between)
    relations = tuple(e.relation for e in ends if e.param not in {c[0] for c in cases}) + tuple(between)
    if problem.relations:
        space_notes.append("the parameter space also requires " + " and ".join(map(str, problem.relations))
                           + " (a relation between parameters): random parameter values are drawn in it, the numeric "
                             "maximizer stays in it, and the estimate is in it when the condition under the "
                             "estimator holds")

    means = Expectations(problem, clock.budget.max_work)
    cuts: list[Check] = []
    second, obs, exp_info, notes = _second_order(problem, loglik, scores, calc, fixed, roots, domains, steps,
                                                 closed, bool(specials), means, cuts, bool(projected))
    notes = space_notes + notes
    if problem.prior is not None:
        notes.append("MAP: the estimate maximizes the log-posterior; the bias and the Fisher information "
                     "below refer to the likelihood alone and are not computed for the posterior mode")
    if problem.base is not None:
        notes.insert(0, f"{problem.base} > 0 is a base measure that does not depend on "
                     + ", ".join(map(str, params)) + f": log {problem.base} drops out of the score; the lines are "
                     "checked with a positive stand-in for it (exp(-x^2)), for which each holds as for every h")
        if closed:
            notes.append("the mean and bias of the estimator are not derived (h unknown): they are expectations "
                         "under the model")
    if closed and problem.prior is None and problem.base is None:
        for p in params:
            v = estimates[p]
            if v is None:
                continue
            if p in projected:
                notes.append(f"the mean and bias of the estimator of {p} are not derived: it is the root projected "
                             "onto the parameter space, not a smooth function of the statistics")
                continue
            if any(e.param == p and not e.strict for e in ends):
                notes.append(f"the mean and bias of the estimator of {p} are not derived: the closed form is the "
                             "estimate only on the data where it lies in the parameter space")
                continue
            try:
                mb = bias(v, p, problem, means)
            except WorkCut as cut:
                cuts.append(_cut_check(f"Mean and bias of the estimator of {p}", cut))
                continue
            if mb is not None:
                mean, b = mb
                steps.append(MleStep(rule="bias", title=f"Mean of the estimator of {p}",
                                     before=sp.Symbol(f"E[{p}_hat]"), after=mean,
                                     justification="expectation under the model", relation="expected", param=p))
                steps.append(MleStep(rule="bias", title=f"Bias of the estimator of {p}", before=mean - p, after=b,
                                     justification="expectation under the model, with E[Sum g(x_i)] = n E[g(X)] and "
                                                   "E[T_a T_b] = n E[g_a g_b] + n(n-1) E[g_a] E[g_b]"
                                                   + ("; unbiased" if b == 0 else ""),
                                     relation="bias", param=p))
        for name, g in functions:
            value = g.xreplace({p: v for p, v in estimates.items() if v is not None})
            steps.append(MleStep(rule="invariance", title=f"MLE of {name}", before=sp.Symbol(name), after=value,
                                 justification="invariance: the MLE of a function of the parameters is that "
                                               "function of their MLEs",
                                 relation="invariance", function=g))

    newton: tuple[sp.Expr, ...] = ()
    scoring: tuple[sp.Expr, ...] = ()
    profile: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()
    outside = solution.outside
    for o in outside:
        notes.append(f"no root of the score equation for {o.param} lies in the parameter space "
                     f"{_space_text(o.param, domains)} (the lines above): the log-likelihood has no stationary point "
                     "there, so there is no closed-form estimate; with --data the maximum is found numerically")
    rest = [p for p in unsolved if p not in {o.param for o in outside}]
    if rest:
        notes.append("no closed form: the score equations for " + ", ".join(map(str, rest))
                     + " cannot be solved symbolically; iterate Newton-Raphson or Fisher scoring instead")
    if unsolved:
        reduced = _reduced(calc_scores, calc, order, unsolved, solved)
        newton, scoring = _updates(reduced, unsolved, calc_scores, calc, fixed, exp_info, steps)
        profile = tuple((p, solved[p].xreplace(fixed)) for p in calc if p in solved)

    return MleDerivation(
        problem=problem, loglik=loglik, score=tuple(scores), estimator=tuple(estimates[p] for p in params),
        method=method, closed_form=closed, steps=tuple(steps), second_order=second,
        fisher_observed=obs, fisher_expected=exp_info, conditions=conditions, condition_relations=relations,
        notes=tuple(notes), checks=tuple(cuts),
        newton=newton, scoring=scoring, newton_params=tuple(unsolved) if newton else (), profile=profile,
        roots=tuple(roots[p] for p in params) if projected else (), cases=tuple(cases),
    )


def _constrained(problem: MleProblem, loglik: sp.Expr, scores: list[sp.Expr], steps: list[MleStep],
                 domains: Mapping[str, VarDomain], clock: Clock,
                 functions: Sequence[tuple[str, sp.Expr]]) -> MleDerivation:
    """Equality constraints on the parameters (probabilities summing to 1): a Lagrange multiplier each."""
    params = problem.params
    taken = {s.name for s in problem.density.free_symbols} | {p.name for p in params}
    nus = [sp.Symbol(_fresh("nu" if len(problem.constraints) == 1 else f"nu{k + 1}", taken), real=True)
           for k in range(len(problem.constraints))]
    lagr = loglik - sum((nu * g for nu, g in zip(nus, problem.constraints)), sp.Integer(0))
    subject = ", ".join(f"{g} = 0" for g in problem.constraints)
    steps.append(MleStep(rule="lagrange", title="Lagrangian", after=lagr,
                         justification=f"maximize the log-likelihood subject to {subject}: subtract a multiplier "
                                       "times each constraint"))
    eqs = [_tidy(split_sums(sp.diff(lagr, p)), params) for p in params] + list(problem.constraints)
    for p, e in zip(params, eqs):
        steps.append(MleStep(rule="score", title=f"Stationarity in {p}", before=sp.Derivative(lagr, p), after=e,
                             justification="the derivative of the Lagrangian", param=p))
    solution = solve_scores(eqs, list(params) + nus, domains, clock)
    order, unsolved = solution.order, solution.unsolved
    for s in order:
        steps.append(MleStep(rule="solve", title=f"Solve for {s.param}", before=s.eq, after=s.value,
                             justification=f"solve equation {s.equation + 1} for {s.param}", relation="root",
                             param=s.param))
    solved = back_substitute(order)
    relations = support_relations(problem)
    estimates: list[sp.Expr | None] = []
    for p in params:
        v = solved.get(p)
        if v is None or v.free_symbols & set(unsolved):
            estimates.append(None)
        else:
            estimates.append(_apply_relations(_tidy_estimate(v), relations))
    for nu in nus:
        if nu in solved and relations:
            nu_hat = _apply_relations(_tidy_estimate(solved[nu]), relations)
            if nu_hat != solved[nu]:
                steps.append(MleStep(rule="estimator", title=f"The multiplier {nu}", before=nu, after=nu_hat,
                                     justification="every observation falls in exactly one category ("
                                                   + ", ".join(f"{r} = {c}" for r, c in relations)
                                                   + "), so the category counts add up to n",
                                     relation="estimate"))
    if relations and any(e is not None for e in estimates):
        steps.append(MleStep(rule="estimator", title="Using the support",
                             after=sp.Matrix([e if e is not None else sp.nan for e in estimates]),
                             justification="every observation satisfies "
                                           + ", ".join(f"{r} = {c}" for r, c in relations)
                                           + ", so the corresponding sums of the data equal n times that"))
    closed = not unsolved and all(e is not None for e in estimates)
    h = sp.diag(*[expand_hessian_entry(loglik, p) for p in params])
    first = [sp.diff(loglik, a) for a in params]
    offdiag = all(b not in g.free_symbols or sp.diff(g, b) == 0 for a, g in zip(params, first) for b in params
                  if a != b)
    stats = Statistics.of(list(h), params)
    concave = offdiag and all(sign_of(stats.hide(h[k, k]), domains) in ("negative", "nonpositive")
                              for k in range(len(params)))
    linear = all(sp.Poly(g, *params).total_degree() <= 1 for g in problem.constraints)
    second = ("the log-likelihood is concave (its Hessian is diagonal with entries <= 0) and the constraints are "
              "linear, so the stationary point of the Lagrangian is the global maximum on the constraint set"
              if concave and linear else "not determined symbolically (checked numerically against the maximizer)")
    for name, g in functions:
        value = g.xreplace({p: v for p, v in zip(params, estimates) if v is not None})
        steps.append(MleStep(rule="invariance", title=f"MLE of {name}", before=sp.Symbol(name), after=value,
                             justification="invariance: the MLE of a function of the parameters is that function "
                                           "of their MLEs",
                                 relation="invariance", function=g))
    return MleDerivation(problem=problem, loglik=loglik, score=tuple(scores), estimator=tuple(estimates),
                         method="calculus", closed_form=closed, steps=tuple(steps), second_order=second,
                         notes=("constrained: the Fisher information is not computed (it lives on the constraint "
                                "surface)",))


def _fresh(name: str, taken: set[str]) -> str:
    while name in taken:
        name += "_"
    return name


def expand_hessian_entry(loglik: sp.Expr, p: sp.Symbol) -> sp.Expr:
    return split_sums(sp.diff(loglik, p, 2))


def support_relations(problem: MleProblem) -> list[tuple[sp.Expr, sp.Expr]]:
    """Linear identities every joint support point satisfies (x1 + x2 + x3 = 1 for one-hot vectors)."""
    if not problem.joint:
        return []
    a = sp.Matrix([[*pt, -1] for pt in problem.joint])
    out = []
    for v in a.nullspace():
        v = v / next(c for c in v if c != 0)
        lhs = sum((c * x for c, x in zip(v[:-1], problem.data_vars)), sp.Integer(0))
        if lhs != 0:
            out.append((lhs, v[-1]))
    return out


def _apply_relations(est: sp.Expr, relations: Sequence[tuple[sp.Expr, sp.Expr]]) -> sp.Expr:
    """Replace a sum of the data sums that an identity fixes (Sum x1 + Sum x2 + Sum x3 = n)."""
    from derive.likelihood.sums import total
    from derive.likelihood.sums import at_observation as at

    out = est
    for lhs, c in relations:
        vars_ = list(lhs.free_symbols)
        summed = total(at(lhs, vars_))
        out = out.subs(summed, c * N)
    return out


def _specials(problem: MleProblem, loglik: sp.Expr, domains: Mapping[str, VarDomain]) -> list[Special]:
    try:
        out = boundary(problem, loglik, domains)
    except NotMonotone as exc:
        raise UnsupportedError(f"the support depends on a parameter, but {exc}",
                               hint="only monotone boundary cases (like uniform(0, theta)) are derived") from None
    out += kinks(problem, loglik, domains, skip=[s.param for s in out])
    return out


def _tidy(expr: sp.Expr, params: Sequence[sp.Symbol]) -> sp.Expr:
    """A score in readable form: like terms grouped by the parameter factor they multiply."""
    return group_by_parameters(expr, params)


def _tidy_estimate(v: sp.Expr) -> sp.Expr:
    stats = Statistics.of([v])
    h = stats.hide(v)
    t = sp.factor(sp.simplify(h)) if sp.count_ops(h) < 80 else h
    return stats.show(t)


@dataclass(frozen=True, slots=True)
class _End:
    """An end of a parameter's domain that the closed-form root may lie beyond, for some data."""

    param: sp.Symbol
    root: sp.Expr
    side: str
    """``lower`` or ``upper``."""
    bound: sp.Expr
    strict: bool
    """An open end (``theta > 0``): not in the space."""

    @property
    def relation(self) -> sp.Basic:
        """When the root lies on the right side of this end: ``x̄ >= 0`` for ``theta >= 0``."""
        op = (">" if self.strict else ">=") if self.side == "lower" else ("<" if self.strict else "<=")
        return sp.Rel(self.root, self.bound, op, evaluate=False)

    @property
    def beyond(self) -> sp.Basic:
        """When the root is not in the space at this end: ``x̄ < 0`` for ``theta >= 0``."""
        op = ("<=" if self.strict else "<") if self.side == "lower" else (">=" if self.strict else ">")
        return sp.Rel(self.root, self.bound, op, evaluate=False)


def _unsure_ends(estimates: Mapping[sp.Symbol, sp.Expr | None], domains: Mapping[str, VarDomain]) -> list[_End]:
    """The ends of the parameter space the estimates are not proved to respect for every sample."""
    out = []
    for p, v in estimates.items():
        d = domains.get(p.name)
        if v is None or d is None:
            continue
        stats = Statistics.of([v], domains=domains)
        h = stats.hide(v)
        for bound, strict, side in ((d.lower, d.lower_strict, "lower"), (d.upper, d.upper_strict, "upper")):
            if bound is None:
                continue
            b = sp.nsimplify(bound)
            gap = h - b if side == "lower" else b - h
            s = sign_of(gap, domains)
            if s == "positive" or (s == "nonnegative" and not strict):
                continue
            out.append(_End(p, v, side, b, strict))
    return out


def _between(problem: MleProblem, estimates: Mapping[sp.Symbol, sp.Expr | None],
             domains: Mapping[str, VarDomain]) -> list[sp.Basic]:
    """The relations between parameters (``a < b``) at the estimates (``min x_i < max x_i``), where not
    proved for every sample: when the estimate lies in the parameter space."""
    out: list[sp.Basic] = []
    known = {p: v for p, v in estimates.items() if v is not None}
    for r in problem.relations:
        if not isinstance(r, sp.core.relational.Relational) or not r.free_symbols & set(known):
            continue
        at = r.xreplace(known)
        if at is sp.true:
            continue
        gap = (at.rhs - at.lhs) if isinstance(at, (sp.StrictLessThan, sp.LessThan)) else (at.lhs - at.rhs)
        stats = Statistics.of([gap], domains=domains)
        s = sign_of(stats.hide(gap), domains)
        strict = isinstance(at, (sp.StrictLessThan, sp.StrictGreaterThan))
        if s == "positive" or (s in ("nonnegative", "zero") and not strict):
            continue
        out.append(at)
    return out


def _restrict(ends: list[_End], ll: sp.Expr, calc: Sequence[sp.Symbol], special: bool,
              estimates: dict[sp.Symbol, sp.Expr | None], domains: Mapping[str, VarDomain], steps: list[MleStep],
              notes: list[str], cases: list[tuple[sp.Symbol, sp.Expr | None, sp.Basic]]
              ) -> tuple[list[_End], set[sp.Symbol]]:
    """The estimate on a restricted parameter space, where the root can fall outside it.

    When the log-likelihood is concave in the one parameter left (its second derivative proved
    negative or nonpositive for every value: the score decreases), the maximum over an interval is
    the root projected onto it: the root when it lies inside, else the nearest end. A closed end
    is attained, so ``estimates`` becomes ``Max(root, lo)`` / ``Min(root, hi)`` (one certified step
    says so); at an open end, a root beyond it means the log-likelihood increases toward a value
    not in the space: no maximum exists (a note). Without that proof (several parameters, or the
    sign undecided) the root is the estimate only when it lies in the space, and a note says that
    outside it the maximum is elsewhere. The estimate by cases goes to ``cases`` (printed under the
    estimator: ``theta_hat = xbar when xbar >= 0``, ``theta_hat = 0 when xbar < 0``). Returns the ends still stated as conditions (the open ones,
    and every one without the proof) and the parameters whose estimate was projected.
    """
    if not ends:
        return ends, set()
    concave = ""
    if len(calc) == 1 and not special:
        h = split_sums(sp.diff(ll, calc[0], 2))
        stats = Statistics.of([h], calc)
        sign = sign_of(stats.hide(h), domains)
        if sign in ("negative", "nonpositive"):
            concave = sign
    projected: set[sp.Symbol] = set()
    kept: list[_End] = []
    for p in dict.fromkeys(e.param for e in ends):
        mine = [e for e in ends if e.param == p]
        space = domains[p.name].describe()
        root = mine[0].root
        if not concave:
            kept += mine
            notes.append(f"the closed form for {p} is the estimate only when it lies in the parameter space {space} "
                         "(the conditions under the estimator): the log-likelihood is not shown concave in "
                         f"{p}, so for data where the root lies outside, the maximum over the space is elsewhere "
                         "(not derived here; with --data it is found numerically)")
            continue
        value = root
        cases.append((p, root, sp.And(*(e.relation for e in mine)) if len(mine) > 1 else mine[0].relation))
        for e in mine:
            if e.strict and concave != "negative":
                kept.append(e)  # the score may vanish on a stretch: no claim beyond the open end
                continue
            if e.strict:
                kept.append(e)
                toward = "decreases" if e.side == "lower" else "increases"
                cases.append((p, None, e.beyond))
                notes.append(f"where the root for {p} is beyond the open end {e.bound} of the parameter space {space}, "
                             f"the score has one sign on the space (the log-likelihood is concave) and the "
                             f"log-likelihood grows as {p} {toward} to {e.bound}, which is not in the space: no "
                             "maximum exists for such data")
                continue
            value = sp.Max(value, e.bound) if e.side == "lower" else sp.Min(value, e.bound)
            cases.append((p, e.bound, e.beyond))
        if value == root:
            continue
        projected.add(p)
        estimates[p] = value
        steps.append(MleStep(
            rule="estimator", title="The estimate on the parameter space", before=p, after=value,
            justification=f"the second derivative is {concave} for every {p}, so the log-likelihood is concave and "
                          f"its maximum over {space} is the root of the score equation when the root lies in the "
                          "space, else the nearest end (the cases under the estimator)",
            relation="projection", param=p,
            certificate=Proved("concavity: the sign of the second derivative on the parameter space")))
    return kept, projected


def _second_order(problem: MleProblem, loglik: sp.Expr, scores: Sequence[sp.Expr], calc: Sequence[sp.Symbol],
                  fixed: Mapping[sp.Symbol, sp.Expr], estimates: Mapping[sp.Symbol, sp.Expr | None],
                  domains: Mapping[str, VarDomain], steps: list[MleStep], closed: bool, special: bool,
                  means: Expectations, cuts: list[Check],
                  projected: bool = False) -> tuple[str, sp.Matrix | None, sp.Matrix | None, list[str]]:
    """The second-order check, the observed and expected information, and notes (parts cut go to ``cuts``)."""
    notes: list[str] = []
    params = problem.params
    if not calc:
        return ("the maximum is on the boundary or at a kink: the log-likelihood is monotone or convex-piecewise "
                "there, so no second derivative is used", None, None,
                ["regularity fails (the support depends on the parameter or the likelihood has a kink): "
                 "the Fisher information does not give the asymptotic variance"])
    ll = loglik.xreplace(fixed)
    h = hessian(ll, calc)
    single = len(calc) == 1
    steps.append(MleStep(rule="second_order", title="Second derivative" if single else "Hessian of the log-likelihood",
                         before=sp.Derivative(ll, calc[0], 2) if single else None, after=h[0, 0] if single else h,
                         justification="differentiate the score once more" if single else "second partial derivatives",
                         param=calc[0] if single else None))
    calc_scores = [scores[params.index(p)].xreplace(fixed) for p in calc]
    h_at = at_stationary(h, calc_scores, calc)
    if h_at is not None and not any(depends_on_data(e) for e in h) and not closed:
        h_at = None  # nothing to eliminate: the Hessian is the same everywhere, shown above
    verdict = "not determined symbolically (checked numerically against the maximizer)"
    global_ = False
    if single:
        stats = Statistics.of([h[0, 0]], calc)
        if sign_of(stats.hide(h[0, 0]), domains) == "negative":
            global_ = True
    if h_at is not None:
        kind = definiteness(h_at, domains)
        steps.append(MleStep(rule="second_order", title="At a solution of the score equations",
                             after=shown(h_at[0, 0], sums_in(problem.density)) if single else h_at,
                             justification="the statistics eliminated with the score equations, so this holds at "
                                           + ("the root of the score equation (the estimate when the root lies in "
                                              "the parameter space)" if projected else "the estimate"),
                             relation="at_estimate"))
        if kind == "negative definite":
            verdict = ("negative at the estimate: a maximum" if single else
                       "the Hessian is negative definite at the estimate: a maximum")
        elif kind is not None:
            verdict = f"the Hessian is {kind} at the estimate: NOT a maximum"
    if global_:
        verdict += "; the second derivative is negative for every value of the parameter, so the log-likelihood " \
                   "is strictly concave and the maximum is global"
    if special:
        verdict += " (given the other parameters' estimates)"

    observed = None if h_at is None else (-h_at).applyfunc(lambda e: simplify_hidden(e, calc))
    expected = None
    unknown_base = problem.base is not None and any(depends_on_data(e) for e in h)
    if unknown_base:
        notes.append(f"the expected (Fisher) information is not derived (h unknown): it is an expectation under the "
                     f"model, which depends on the base measure {problem.base}")
    elif not special and problem.prior is None:
        try:
            expected = expected_information(h, problem, means)
        except WorkCut as cut:
            cuts.append(_cut_check("Expected (Fisher) information", cut,
                                   "so the asymptotic variance and the Fisher-scoring update are not derived"))
        else:
            if expected is None:
                notes.append(_no_information_note(means, observed is not None))
    elif special:
        notes.append("the Fisher information is not derived: some parameters are at the boundary or a kink, where "
                     "the log-likelihood is not differentiable")
    if observed is not None:
        steps.append(MleStep(rule="fisher", title="Observed information at the estimate",
                             after=shown(observed[0, 0], sums_in(problem.density)) if single else observed,
                             justification="minus the Hessian at the estimate",
                             relation="at_estimate"))
    if expected is not None:
        steps.append(MleStep(rule="fisher", title="Expected (Fisher) information",
                             after=shown(expected[0, 0], sums_in(problem.density)) if single else expected,
                             justification="minus the expected Hessian under the model: each statistic Sum g(x_i) "
                                           "has mean n E[g(X)]",
                             relation="expected"))
        try:
            k = expected.shape[0]
            inv = (_inverse_times(expected, sp.eye(k)) if not single else sp.Matrix([[1 / expected[0, 0]]]))
            steps.append(MleStep(rule="fisher", title="Asymptotic variance",
                                 after=(shown(sp.factor(inv[0, 0]), sums_in(problem.density)) if single
                                        else inv.applyfunc(sp.factor)),
                                 justification="the inverse of the Fisher information, evaluated at the estimate "
                                               "in practice",
                                 relation="asymptotic"))
        except (ValueError, ZeroDivisionError, sp.matrices.common.NonInvertibleMatrixError):
            notes.append("the Fisher information is singular")
    return verdict, observed, expected, notes


def _no_information_note(means: Expectations, observed: bool) -> str:
    """Why the expected information is absent: the expectations SymPy finds no closed form for."""
    missing = [g for g, v in means.memo.items() if v is None]
    which = ", ".join(f"E[{g}]" for g in missing[:3]) + (", ..." if len(missing) > 3 else "")
    return ("the expected (Fisher) information is not derived: no closed form for "
            + (which if missing else "an expectation") + " under the model"
            + ("; the observed information (minus the Hessian at the estimate) estimates it" if observed else ""))


def _space_text(p: sp.Symbol, domains: Mapping[str, VarDomain]) -> str:
    d = domains.get(p.name)
    return d.describe() if d is not None else f"{p} in R"


def _outside_steps(dropped: Sequence[Dropped], p: sp.Symbol, domains: Mapping[str, VarDomain],
                   only: bool) -> list[MleStep]:
    """One claim per root outside the space: ``root <= 0`` for ``p > 0``, proved or checked on samples."""
    d = domains.get(p.name)
    out = []
    for k, r in enumerate(dropped):
        assert d is not None  # a root is outside only of a declared domain
        if r.side == "lower":
            assert d.lower is not None
            rel = sp.Rel(r.root, sp.nsimplify(d.lower), "<=" if d.lower_strict else "<", evaluate=False)
        else:
            assert d.upper is not None
            rel = sp.Rel(r.root, sp.nsimplify(d.upper), ">=" if d.upper_strict else ">", evaluate=False)
        which = ("a root" if only and len(dropped) > 1 else "the root") if only else (
            "the other root" if len(dropped) == 1 else f"another root ({k + 1} of {len(dropped)})")
        why = ("proved: the sign of the root on the parameter space, for every sample" if r.proved else
               f"the sign test cannot decide; outside on all {r.samples} samples drawn from the model at random "
               "parameter values")
        out.append(MleStep(rule="solve", title="A root outside the parameter space", after=rel,
                           justification=f"{which} of the score equation for {p}; {p} must satisfy {d.describe()}, "
                                         f"so this root is not the estimate ({why})",
                           relation="outside", param=p,
                           certificate=Proved("the sign of the root on the parameter space") if r.proved
                           else NotComputed("checked on samples by the certifier")))
    return out


def _cut_check(part: str, cut: WorkCut, consequence: str = "") -> Check:
    """An optional part the work allowance stopped, labelled "not computed (work limit)" in every output.

    Not a required check: the part is absent, so nothing it would have claimed is printed, and what
    is printed stays certified (a claim whose own check is cut is not certified: see certify).
    """
    detail = f"{cut}, the allowance of Budget.max_work" + (f"; {consequence}" if consequence else "")
    return Check(name=part, certificate=NotComputed("work limit"), detail=detail, required=False)


def _reduced(calc_scores: Sequence[sp.Expr], calc: Sequence[sp.Symbol], order: Sequence[object],
             unsolved: Sequence[sp.Symbol], solved: Mapping[sp.Symbol, sp.Expr]) -> list[sp.Expr]:
    """The score equations left for the unsolved parameters, with the profiles substituted."""
    used = {s.equation for s in order}  # type: ignore[attr-defined]
    left = [e for k, e in enumerate(calc_scores) if k not in used]
    return [_expand_logs(simplify_hidden(e.xreplace(dict(solved)), unsolved)) for e in left][:len(unsolved)]


def _expand_logs(e: sp.Expr) -> sp.Expr:
    stats = Statistics.of([e])
    return stats.show(sp.expand(sp.expand_log(stats.hide(e), force=True)))


def _inverse_times(m: sp.Matrix, v: sp.Matrix) -> sp.Matrix:
    """``m^(-1) v`` as ``adj(m) v / det(m)``, division-free (Berkowitz) with every sum held as a symbol.

    Never ``m.inv()``: its pivot search calls ``simplify``, which evaluates the sums over the sample
    symbolically (``Sum(log(1 + (x_i/alpha)^beta))`` for the log-logistic ran past any budget).
    Raises ``ZeroDivisionError`` for a determinant that is identically zero.
    """
    if m.shape == (1, 1):
        return sp.Matrix([[v[0] / m[0, 0]]])
    sums = sorted({a for e in [*m, *v] for a in sp.preorder_traversal(e) if isinstance(a, sp.Sum)},
                  key=sp.default_sort_key)
    hide = {s: sp.Dummy(f"S{k}") for k, s in enumerate(sums)}
    show = {d: s for s, d in hide.items()}
    mh, vh = m.xreplace(hide), v.xreplace(hide)
    det = mh.det(method="berkowitz")
    if det == 0:
        raise ZeroDivisionError("singular matrix")
    return (mh.adjugate(method="berkowitz") * vh / det).xreplace(show)


def _updates(reduced: Sequence[sp.Expr], unsolved: Sequence[sp.Symbol], calc_scores: Sequence[sp.Expr],
             calc: Sequence[sp.Symbol], fixed: Mapping[sp.Symbol, sp.Expr], expected: sp.Matrix | None,
             steps: list[MleStep]) -> tuple[tuple[sp.Expr, ...], tuple[sp.Expr, ...]]:
    """Newton-Raphson on the equations left (profiles substituted) and Fisher scoring on all parameters."""
    newton: tuple[sp.Expr, ...] = ()
    if 0 < len(unsolved) <= 3 and len(reduced) == len(unsolved):
        s = sp.Matrix(reduced)
        h = sp.Matrix([[split_sums(sp.diff(c, q)) for q in unsolved] for c in reduced])
        theta = sp.Matrix(unsolved)
        try:
            upd = theta - _inverse_times(h, s)
            newton = tuple(upd)
            steps.append(MleStep(rule="newton", title="Newton-Raphson update",
                                 before=theta[0] if len(unsolved) == 1 else theta,
                                 after=upd[0] if len(unsolved) == 1 else upd,
                                 justification="new = old - (derivative of the equations)^(-1) (equations): "
                                               "solve the linearized score equations"
                                               + (" left after the profile substitution"
                                                  if len(unsolved) < len(calc) else ""),
                                 relation="update"))
        except (ValueError, ZeroDivisionError):
            pass
    scoring: tuple[sp.Expr, ...] = ()
    if expected is not None and not fixed and len(calc) <= 3:
        theta = sp.Matrix(calc)
        try:
            fs = (theta + _inverse_times(expected, sp.Matrix(calc_scores))).applyfunc(
                lambda e: simplify_hidden(e, calc, 150))
            steps.append(MleStep(rule="newton", title="Fisher-scoring update",
                                 before=theta[0] if len(calc) == 1 else theta,
                                 after=fs[0] if len(calc) == 1 else fs,
                                 justification="new = old + I(old)^(-1) s(old): the Hessian replaced by minus the "
                                               "Fisher information",
                                 relation="update"))
            scoring = tuple(fs)
        except (ValueError, ZeroDivisionError):
            pass
    return newton, scoring


