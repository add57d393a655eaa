"""From a density to its log-likelihood, in the steps a textbook writes.

likelihood (a product over the sample) -> log of the product is the sum of the logs -> the log
rules on one term -> linearity (constants out of the sums, ``Sum(c) = n c``) -> like terms
grouped by the parameter function they multiply (``Sum(x_i) log theta + (n - Sum(x_i)) log(1 - theta)``).
"""
from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from derive.core.budget import Budget
from derive.core.work import run_counted
from derive.likelihood.model import MleProblem, MleStep

from derive.likelihood.logdensity import log_density as shared_log_density
from derive.likelihood.sample import I, N
from derive.likelihood.sign import sign_of
from derive.likelihood.support import variable_domain
from derive.likelihood.sums import at_observation, distribute, split_sums


DEFAULT_WORK = Budget().max_work
"""The work allowance of an optional simplification when the caller gives none."""


def likelihood(problem: MleProblem) -> sp.Expr:
    """``Product(f(x[i]; theta), (i, 1, n))``."""
    return sp.Product(at_observation(problem.density, problem.data_vars), (I, 1, N))


SPECIAL = (sp.gamma, sp.beta, sp.factorial, sp.binomial)
"""The special functions whose identities may remove a parameter from them."""


def special_identities(density: sp.Expr, params: Sequence[sp.Symbol], work: int) -> sp.Expr:
    """``density`` with ``B(a, b) = Γ(a)Γ(b)/Γ(a + b)`` and ``Γ(a + k) = a(a + 1)...(a + k - 1) Γ(a)``
    applied to its factors that hold a special function of a parameter, when that leaves fewer of them.

    ``x^(theta - 1) / B(theta, 1)`` becomes ``theta x^(theta - 1)``, so the score is ``n/theta + Sum log x_i``
    instead of a difference of digammas no solver cancels. Under the work allowance (``expand_func`` on a
    large product can be slow); a cut leaves the density as it is.
    """
    ps = set(params)

    def count(e: sp.Expr) -> int:
        return sum(1 for f in e.atoms(*SPECIAL) if f.free_symbols & ps)

    special = [f for f in sp.Mul.make_args(density) if count(f)]
    if not special:
        return density
    rest = sp.Mul(*(f for f in sp.Mul.make_args(density) if not count(f)))
    part = sp.Mul(*special)

    def simplify() -> sp.Expr:
        rewritten = part.replace(lambda e: isinstance(e, sp.beta), lambda e: e.rewrite(sp.gamma))
        return sp.expand_func(rewritten)

    counted = run_counted(simplify, work)
    if counted.cut or counted.value is None or count(counted.value) >= count(part):
        return density
    return rest * counted.value


def log_density(problem: MleProblem, work: int = DEFAULT_WORK) -> sp.Expr:
    """``log f(x; theta)`` with the log rules applied (valid on the support and the space).

    Special functions of the parameters are simplified first where an identity removes one
    (``special_identities``). A factor of unknown sign comes as ``log|u|`` (``logdensity``); where
    its sign on the support and the parameter space is decided, the absolute value is dropped
    (``log(1 - p)`` for ``0 < p < 1``).
    """
    e = shared_log_density(special_identities(problem.density, problem.params, work))
    if not any(isinstance(a.args[0], sp.Abs) for a in e.atoms(sp.log)):
        return e
    domains = {d.name: d for d in problem.space}
    domains[problem.var.name] = variable_domain(problem.support)

    def resolve(u: sp.Expr) -> sp.Expr:
        s = sign_of(u, domains)
        return sp.log(u) if s == "positive" else sp.log(-u) if s == "negative" else sp.log(sp.Abs(u))

    return e.replace(lambda a: isinstance(a, sp.log) and isinstance(a.args[0], sp.Abs),
                     lambda a: resolve(a.args[0].args[0]))


def group_by_parameters(expr: sp.Expr, params: Sequence[sp.Symbol]) -> sp.Expr:
    """Collect the terms of ``expr`` by the parameter-dependent factor each one multiplies."""
    ps = set(params)
    groups: dict[sp.Expr, sp.Expr] = {}
    order: list[sp.Expr] = []
    for term in sp.Add.make_args(distribute(expr)):
        const: list[sp.Expr] = []
        dep: list[sp.Expr] = []
        for f in sp.Mul.make_args(term):
            (dep if f.free_symbols & ps else const).append(f)
        key = sp.Mul(*dep)
        if key not in groups:
            groups[key] = sp.Integer(0)
            order.append(key)
        groups[key] += sp.Mul(*const)
    return sp.Add(*(sp.factor_terms(groups[k]) * k for k in order))


def loglik_steps(problem: MleProblem, work: int = DEFAULT_WORK) -> tuple[sp.Expr, list[MleStep]]:
    """The log-likelihood in grouped form and the steps from the likelihood to it (``work``: the allowance
    of the special-function identities)."""
    params = problem.params
    lik = likelihood(problem)
    one = at_observation(sp.log(problem.density), problem.data_vars)
    summed = sp.Sum(one, (I, 1, N))
    rules = sp.Sum(at_observation(log_density(problem, work), problem.data_vars), (I, 1, N))
    identities = special_identities(problem.density, params, work) != problem.density
    linear = split_sums(rules)
    grouped = group_by_parameters(linear, params)
    steps = [
        MleStep(rule="likelihood", title="Likelihood of the independent sample", after=lik,
                justification="the n observations are independent, so their joint density is the product"),
        MleStep(rule="loglik", title="Log-likelihood", before=sp.log(lik), after=summed,
                justification="the log of a product is the sum of the logs"),
    ]
    if rules != summed:
        steps.append(MleStep(rule="loglik", title="Log rules on one term", before=summed, after=rules,
                             justification="log(ab) = log a + log b, log(a^k) = k log a, log(e^u) = u"
                                           + ("; B(a, b) = Γ(a)Γ(b)/Γ(a + b) and Γ(a + 1) = a Γ(a)" if identities
                                              else "")))
    if linear != rules:
        steps.append(MleStep(rule="loglik", title="Linearity of the sum", before=rules, after=linear,
                             justification="a sum of terms is the sum of the sums; constants come out; a sum of n "
                                           "equal terms is n times the term"))
    if grouped != linear and sp.srepr(grouped) != sp.srepr(linear):
        steps.append(MleStep(rule="loglik", title="Like terms grouped", before=linear, after=grouped,
                             justification="terms collected by the function of the parameters they multiply"))
    result = grouped
    if problem.prior is not None:
        posterior = result + problem.prior
        steps.append(MleStep(rule="prior", title="Log-posterior (MAP)", after=posterior,
                             justification=f"log posterior = log-likelihood + log prior "
                                           f"({problem.prior_source}) + constant"))
        result = posterior
    return result, steps
