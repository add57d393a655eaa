"""Built-in families (``normal``, ``poisson``...) as plain data: density text, parameters, support.

A family is a shortcut for typing: its density is ordinary user syntax that goes through the
same parser and the same engine as anything a user types, never a stored answer. Adding a family
is one entry in ``_FAMILIES``; ``derive mle --help`` lists them from here (this module loads no
SymPy until a family is expanded).
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType

from derive.core.errors import UsageError

MAX_CATEGORIES = 20
"""Largest number of categories ``multinomial(K)`` accepts."""

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_FAMILY_TEXT = re.compile(r"\s*(?P<name>[A-Za-z][A-Za-z0-9_]*)\s*(?:\(\s*(?:K\s*=\s*)?(?P<k>[0-9]+)\s*\))?\s*")


@dataclass(frozen=True, slots=True)
class Family:
    """One family: its density in ``vars``, the parameters to estimate and the known constants.

    ``where_texts[i]`` is the space of ``params[i]``; ``constraint_texts`` are equalities on the
    parameters; ``known`` pairs each known constant with its declaration (a family parameter
    not estimated moves there); ``joint`` lists the value tuples one observation of several
    data variables may take (the one-hot vectors of ``multinomial``), empty for one variable.
    """

    name: str
    density_text: str
    params: tuple[str, ...]
    vars: tuple[str, ...]
    support_texts: tuple[str, ...]
    where_texts: tuple[str, ...]
    description: str
    discrete: bool = False
    known: tuple[tuple[str, str], ...] = ()
    constraint_texts: tuple[str, ...] = ()
    joint: tuple[tuple[int, ...], ...] = ()

    @property
    def var(self) -> str:
        """The (first) data variable."""
        return self.vars[0]

    @property
    def support_text(self) -> str:
        """The support of the (first) data variable."""
        return self.support_texts[0]

    def all_where_texts(self) -> tuple[str, ...]:
        """Every declaration: the parameters' spaces, the known constants', then the equalities."""
        return (*self.where_texts, *(w for _, w in self.known), *self.constraint_texts)


def _one(name: str, density: str, params: str, support: str, where: Sequence[str], description: str, *,
         discrete: bool = False, known: Sequence[tuple[str, str]] = ()) -> Family:
    return Family(name, density, tuple(params.split()), ("x",), (support,), tuple(where), description,
                  discrete, tuple(known))


_FAMILIES = MappingProxyType({f.name: f for f in (
    _one("bernoulli", "p^x (1-p)^(1-x)", "p", "x in {0,1}", ["0 < p < 1"],
         "Bernoulli(p): one trial, success probability p", discrete=True),
    _one("binomial", "binomial(m, x) p^x (1-p)^(m-x)", "p", "x in {0,...,m}", ["0 < p < 1"],
         "Binomial(m, p): successes in m known trials", discrete=True, known=[("m", "m > 0 integer")]),
    _one("geometric", "p (1-p)^(x-1)", "p", "x in {1,2,...}", ["0 < p < 1"],
         "Geometric(p): number of trials up to and including the first success", discrete=True),
    _one("poisson", "lam^x exp(-lam)/factorial(x)", "lam", "x in {0,1,2,...}", ["lam > 0"],
         "Poisson(lam): counts with mean lam", discrete=True),
    _one("exponential", "lam exp(-lam x)", "lam", "x > 0", ["lam > 0"],
         "Exponential(lam): waiting times with rate lam (mean 1/lam)"),
    _one("normal", "1/sqrt(2 pi sigma2) exp(-(x-mu)^2/(2 sigma2))", "mu sigma2", "x in R",
         ["mu in R", "sigma2 > 0"], "Normal(mu, sigma2): mean mu, variance sigma2"),
    _one("lognormal", "1/(x sqrt(2 pi sigma2)) exp(-(log(x)-mu)^2/(2 sigma2))", "mu sigma2", "x > 0",
         ["mu in R", "sigma2 > 0"], "LogNormal(mu, sigma2): log(x) is Normal(mu, sigma2)"),
    _one("gamma", "beta^alpha/gamma(alpha) x^(alpha-1) exp(-beta x)", "alpha beta", "x > 0",
         ["alpha > 0", "beta > 0"], "Gamma(alpha, beta): shape alpha, rate beta"),
    _one("beta", "gamma(a+b)/(gamma(a) gamma(b)) x^(a-1) (1-x)^(b-1)", "a b", "0 < x < 1",
         ["a > 0", "b > 0"], "Beta(a, b): 1/B(a, b) = gamma(a+b)/(gamma(a) gamma(b))"),
    _one("weibull", "k/lam (x/lam)^(k-1) exp(-(x/lam)^k)", "k lam", "x > 0", ["k > 0", "lam > 0"],
         "Weibull(k, lam): shape k, scale lam"),
    _one("laplace", "1/(2 b) exp(-abs(x-mu)/b)", "mu b", "x in R", ["mu in R", "b > 0"],
         "Laplace(mu, b): location mu, scale b"),
    _one("pareto", "alpha xm^alpha / x^(alpha+1)", "xm alpha", "x >= xm", ["xm > 0", "alpha > 0"],
         "Pareto(xm, alpha): scale xm (the support starts there), shape alpha"),
    _one("uniform", "1/theta", "theta", "0 <= x <= theta", ["theta > 0"],
         "Uniform(0, theta): the support ends at the parameter"),
    _one("rayleigh", "x/sigma2 exp(-x^2/(2 sigma2))", "sigma2", "x > 0", ["sigma2 > 0"],
         "Rayleigh(sigma2): scale parameter sigma2 = sigma^2"),
    _one("multinomial", "p1^x1 p2^x2 p3^x3", "p1 p2 p3", "x in {0,1}", ["0 < p1 < 1", "0 < p2 < 1", "0 < p3 < 1"],
         "Multinomial(1; p1..pK): one draw among K categories, one-hot x1..xK (K defaults to 3; "
         "write multinomial(K) for another K)", discrete=True),
)})


def family_names() -> tuple[str, ...]:
    """The built-in family names, in the order ``--help`` lists them."""
    return tuple(_FAMILIES)


def family_table() -> tuple[Family, ...]:
    """Every built-in family as stored (all parameters estimated, ``x`` the data variable)."""
    return tuple(_FAMILIES.values())


def family_name(text: str) -> tuple[str, int | None] | None:
    """``(name, K)`` if ``text`` names a built-in family (``Normal``, ``multinomial(4)``), else None."""
    m = _FAMILY_TEXT.fullmatch(text)
    if m is None or m.group("name").lower() not in _FAMILIES:
        return None
    return m.group("name").lower(), int(m.group("k")) if m.group("k") else None


def suggest(name: str) -> str | None:
    """The closest family name to ``name``, for "did you mean"; None if nothing is close."""
    close = difflib.get_close_matches(name.lower(), family_names(), n=1, cutoff=0.6)
    return close[0] if close else None


def unknown_family(name: str) -> UsageError:
    """The error for a name that is no family, with "did you mean" when one is close."""
    guess = suggest(name)
    return UsageError(f"unknown family {name!r}" + (f"; did you mean {guess!r}?" if guess else ""),
                      hint=f"families: {', '.join(family_names())}; or type the density itself")


def expand_family(name: str, var: str = "x", params: Sequence[str] | None = None, *, K: int | None = None) -> Family:
    """The family ``name`` with data variable ``var``, estimating ``params`` (default: all).

    Family parameters not in ``params`` become known constants with their declarations, e.g.
    ``expand_family('normal', params=['mu'])`` estimates mu with sigma2 known. ``K`` (or a name
    such as ``multinomial(4)``) sets the number of categories of ``multinomial``.
    """
    found = family_name(name)
    if found is None:
        raise unknown_family(name.strip())
    key, k_in_name = found
    if k_in_name is not None and K is not None and k_in_name != K:
        raise UsageError(f"two numbers of categories: {name!r} and K={K}", hint="give K once")
    k = k_in_name if k_in_name is not None else K
    if k is not None and key != "multinomial":
        raise UsageError(f"{key} takes no number of categories", hint=f"write {key}")
    fam = _multinomial(var, 3 if k is None else k) if key == "multinomial" else _rename(_FAMILIES[key], var)
    return _choose(fam, params)


def _check_var(var: str, taken: Sequence[str], family: str) -> None:
    from derive.parse import vocabulary as vocab  # SymPy's vocabulary: loaded only to expand a family

    if not isinstance(var, str) or not _NAME.fullmatch(var):
        raise UsageError(f"bad data variable name {var!r}", hint="use a name such as x or y")
    if var in vocab.CONSTANTS or var in vocab.FUNCTIONS:
        raise UsageError(f"{var!r} is a {'constant' if var in vocab.CONSTANTS else 'function'} name",
                         hint="name the data variable x, y or another letter")
    if var in taken:
        raise UsageError(f"the data variable {var!r} clashes with a name of {family}",
                         hint=f"{family} uses {', '.join(taken)}; pick another --var")


def _rename(fam: Family, var: str) -> Family:
    """The family with its data variable ``x`` renamed to ``var`` (whole names only)."""
    _check_var(var, [*fam.params, *(n for n, _ in fam.known)], fam.name)
    if var == fam.var:
        return fam

    def sub(text: str) -> str:
        return _NAME.sub(lambda m: var if m.group() == fam.var else m.group(), text)

    return replace(fam, density_text=sub(fam.density_text), vars=(var,),
                   support_texts=tuple(sub(t) for t in fam.support_texts))


def _multinomial(var: str, k: int) -> Family:
    """The one-hot categorical family with ``k`` categories: ``x1..xk`` and ``p1..pk``."""
    if not 2 <= k <= MAX_CATEGORIES:
        raise UsageError(f"multinomial needs 2 to {MAX_CATEGORIES} categories, got {k}",
                         hint="write multinomial(3), for example")
    ps = tuple(f"p{j}" for j in range(1, k + 1))
    xs = tuple(f"{var}{j}" for j in range(1, k + 1))
    _check_var(var, [], "multinomial")
    clash = sorted(set(xs) & set(ps))
    if clash or var == "p":
        raise UsageError(f"the data variables {', '.join(xs)} clash with the parameters {', '.join(ps)}",
                         hint="pick another --var, e.g. x")
    base = _FAMILIES["multinomial"]
    return replace(
        base, density_text=" ".join(f"{p}^{x}" for p, x in zip(ps, xs)), params=ps, vars=xs,
        support_texts=tuple(f"{x} in {{0,1}}" for x in xs), where_texts=tuple(f"0 < {p} < 1" for p in ps),
        constraint_texts=(" + ".join(ps) + " = 1",),
        joint=tuple(tuple(int(i == j) for i in range(k)) for j in range(k)))


def _choose(fam: Family, params: Sequence[str] | None) -> Family:
    """Keep ``params`` as estimated, in the family's order; the others become known."""
    if params is None or len(params) == 0:
        return fam
    known_names = [n for n, _ in fam.known]
    for p in params:
        if p in fam.params:
            continue
        if p in known_names:
            raise UsageError(f"{p!r} is a known constant of {fam.name}, not a parameter to estimate",
                             hint=f"{fam.name} estimates {', '.join(fam.params)}; type the density to estimate {p}")
        close = difflib.get_close_matches(p, fam.params, n=1, cutoff=0.5)
        raise UsageError(f"{fam.name} has no parameter {p!r}" + (f"; did you mean {close[0]!r}?" if close else ""),
                         hint=f"{fam.name} has parameters {', '.join(fam.params)}")
    chosen = set(params)
    kept = tuple(i for i, p in enumerate(fam.params) if p in chosen)
    fixed = tuple((fam.params[i], fam.where_texts[i]) for i in range(len(fam.params)) if i not in kept)
    return replace(fam, params=tuple(fam.params[i] for i in kept), where_texts=tuple(fam.where_texts[i] for i in kept),
                   known=(*fam.known, *fixed))
