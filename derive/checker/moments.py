r"""Expectations in a step: symbolically by the rules of expectation, numerically on drawn laws.

Symbolic (``symbolic_equal``): variances and covariances are written through expectations, then each
expectation is reduced by rules that hold for every law: linearity over sums, constants and finite
sums (``E[\sum_i g_i] = \sum_i E[g_i]``), ``E[c] = c``, the factorization ``E[f(X) g(Y)] = E[f(X)]
E[g(Y)]`` of variables declared independent (distinct variables only: ``x_i x_j`` under two sums is
left alone, but ``E[\sum_i g(x_i) \sum_j h(x_j)] = N E[g h] + N (N - 1) E[g] E[h]`` over an iid
family), and the declared moments (``E[X] = \mu``, ``E[X^2] = \sigma^2 + \mu^2``, a named law's
moments). If the two sides reduce to the same expression the step is proved.

Numeric (``draw_law`` and ``expectations``): at a probe, every random variable is made concrete as
a finite discrete law, so every expectation is an exact finite weighted sum. An identity true for
every law holds for every discrete one; a discrete counterexample refutes.

- A variable with no named law (any law, or given by its moments): k = 2..4 random rational atoms
  with random rational probabilities; an iid family shares one such law among its members (each
  member independent); its declared moments (mu, sigma) are not free symbols but computed from the
  drawn law.
- A variable that may depend on others (declared random, in no independence statement and in no
  family): a random function of every independent variable of the step and of its own k-valued
  noise (shared by all such variables: any joint law among them).
- A named law: Bernoulli exactly ({0, 1}); Poisson by its atoms 0, 1, ... up to where the terms fall below 1e-95;
  normal, exponential and uniform by Gauss-Hermite, Gauss-Laguerre and Gauss-Legendre rules with
  20 nodes (a discrete law whose moments up to order 39 are the law's): an expectation of a
  non-polynomial function of such a variable is not computed (no verdict from that probe, rather
  than a quadrature error taken for a refutation).
- The outcomes enumerated for one expectation are bounded (``MAX_OUTCOMES``); linearity and the
  independence factorization keep them small (``E[(\bar x - \mu)^2]`` needs pairs of members only).
"""
from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp

from derive.parse.domain import VarDomain
from derive.parse.vocabulary import as_sympy
from derive.parse.expectation import (
    OPERATORS, Covariance, Expectation, RandomSpec, RandomVar, Variance, has_moments, random_keys,
)

MAX_OUTCOMES = 1024
"""Most outcomes enumerated for one expectation term (k atoms per variable: k^m for m variables)."""

QUADRATURE_NODES = 20
POISSON_ATOMS = 2000
"""Most atoms of a Poisson law (its mean up to about 1000)."""
MAX_WORK = 20_000
"""Most outcomes enumerated for one expectation over all its terms (a deterministic bound on the work)."""

EXPAND_TERMS = 3000
"""Most terms an expectation's argument is expanded into before it is enumerated whole."""

Atoms = tuple[tuple[sp.Expr, sp.Expr], ...]
"""(probability, value) pairs of a finite law."""


# --- symbolic ---------------------------------------------------------------------------------------


def through_expectations(expr: sp.Basic) -> sp.Basic:
    """``expr`` with every variance and covariance written through expectations."""
    return expr.replace(lambda a: isinstance(a, (Variance, Covariance)), lambda a: a.doit())


def normal_form(expr: sp.Basic, spec: RandomSpec) -> sp.Basic:
    """``expr`` with every expectation reduced by the rules that hold for every law (module docstring)."""
    e = through_expectations(expr)
    return e.replace(lambda a: isinstance(a, Expectation), lambda a: _linear(a.args[0], spec))


def _linear(g: sp.Basic, spec: RandomSpec) -> sp.Basic:
    out: list[sp.Basic] = []
    for term in sp.Add.make_args(sp.expand(g)):
        factors = sp.Mul.make_args(term)
        const = [f for f in factors if not random_keys(f, spec)]
        rnd = [f for f in factors if random_keys(f, spec)]
        if not rnd:
            out.append(term)
            continue
        c = sp.Mul(*const)
        if len(rnd) == 1 and isinstance(rnd[0], sp.Sum) and not any(
                random_keys(x, spec) for lim in rnd[0].limits for x in lim[1:]):
            s = rnd[0]
            out.append(c * sp.Sum(_linear(s.function, spec), *s.limits))
            continue
        pair = _iid_sum_pair(rnd, spec)
        if pair is not None:
            out.append(c * pair)
            continue
        value = sp.Integer(1)
        for group in _independent_groups(rnd, spec):
            value *= _moment(sp.Mul(*group), spec)
        out.append(c * value)
    return sp.Add(*out)


def _iid_member_sum(e: sp.Basic, spec: RandomSpec) -> tuple[sp.Basic, sp.Symbol, sp.Expr, sp.Expr] | None:
    """(body, index, lower, upper) of ``\\sum_{i=a}^{b} g(x_i)`` whose body's only random variable is the
    member ``x_i`` of an iid family, or None."""
    if not (isinstance(e, sp.Sum) and len(e.limits) == 1):
        return None
    i, lo, hi = e.limits[0]
    keys = random_keys(e.function, spec)
    if len(keys) != 1 or any(random_keys(x, spec) for x in (lo, hi)):
        return None
    (key,) = keys
    if not (isinstance(key, sp.Indexed) and key.indices == (i,)):
        return None
    if i in e.function.xreplace({key: sp.Dummy("member")}).free_symbols:
        return None  # the body depends on i otherwise too (weights w_i): the terms are not alike
    v = spec.variables.get(str(key.base.label))
    if v is None or not v.family or not v.identical:
        return None
    return e.function, i, lo, hi


def _iid_sum_pair(rnd: Sequence[sp.Basic], spec: RandomSpec) -> sp.Basic | None:
    """``E[\\sum_i g(x_i) \\sum_j h(x_j)]`` over one iid family and one range: ``N E[g h] + N (N - 1) E[g] E[h]``
    (N terms: the pairs i = j, and the pairs of independent members). ``(\\sum_i g(x_i))^2`` is such a pair."""
    if len(rnd) == 1 and isinstance(rnd[0], sp.Pow) and rnd[0].exp == 2:
        sums = [rnd[0].base, rnd[0].base]
    elif len(rnd) == 2:
        sums = list(rnd)
    else:
        return None
    first, second = (_iid_member_sum(x, spec) for x in sums)
    if first is None or second is None:
        return None
    (g, i, lo, hi), (h, j, lo2, hi2) = first, second
    if {_name(k) for k in random_keys(g, spec)} != {_name(k) for k in random_keys(h, spec)} or (lo, hi) != (lo2, hi2):
        return None
    t = sp.Dummy("t", integer=True)
    gt, ht = g.xreplace({i: t}), h.xreplace({j: t})
    count = hi - lo + 1
    return count * _linear(gt * ht, spec) + count * (count - 1) * _linear(gt, spec) * _linear(ht, spec)


def _independent_groups(factors: Sequence[sp.Basic], spec: RandomSpec) -> list[list[sp.Basic]]:
    """The factors in groups of variables that are certainly independent of the other groups."""
    groups: list[tuple[set[sp.Basic], list[sp.Basic]]] = []
    for f in factors:
        keys = random_keys(f, spec)
        merged_keys, merged = set(keys), [f]
        rest = []
        for gk, gf in groups:
            if any(not _surely_independent(a, b, spec) for a in merged_keys for b in gk):
                merged_keys |= gk
                merged += gf
            else:
                rest.append((gk, gf))
        groups = rest + [(merged_keys, merged)]
    return [gf for _, gf in groups]


def _name(key: sp.Basic) -> str:
    return str(key.base.label) if isinstance(key, sp.Indexed) else str(key.name)


def _surely_independent(a: sp.Basic, b: sp.Basic, spec: RandomSpec) -> bool:
    if a == b:
        return False
    na, nb = _name(a), _name(b)
    if not (spec.is_source(na) and spec.is_source(nb)):
        return False
    if na != nb:
        return True
    ia, ib = a.indices, b.indices
    return all(x.is_Integer for x in ia + ib) and ia != ib


def _moment(p: sp.Basic, spec: RandomSpec) -> sp.Basic:
    """``E[p]`` for ``p`` a random variable or its square with known moments, else ``Expectation(p)``."""
    base, power = (p.base, p.exp) if isinstance(p, sp.Pow) else (p, sp.Integer(1))
    keys = random_keys(base, spec)
    if keys != {base} or power not in (1, 2):
        return Expectation(p)
    v = spec.variables[_name(base)]
    if v.vector:
        return Expectation(p)
    mean, variance = law_moments(v)
    if power == 1 and mean is not None:
        return mean
    if power == 2 and mean is not None and variance is not None:
        return variance + mean ** 2
    return Expectation(p)


def law_moments(v: RandomVar) -> tuple[sp.Expr | None, sp.Expr | None]:
    """The mean and the variance of ``v``'s law: declared, or those of its named law."""
    if v.law is None:
        return v.mean, v.variance
    ps = v.params
    if v.law == "normal":
        return ps[0], ps[1]
    if v.law == "poisson":
        return ps[0], ps[0]
    if v.law == "bernoulli":
        return ps[0], ps[0] * (1 - ps[0])
    if v.law == "exponential":
        return 1 / ps[0], 1 / ps[0] ** 2
    if v.law == "uniform":
        return (ps[0] + ps[1]) / 2, (ps[1] - ps[0]) ** 2 / 12
    return None, None


# --- numeric ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Law:
    """The finite joint law of one probe: independent sources, and the variables that depend on them.

    ``sources`` maps each independent variable (``X``, a family member ``x[3]``) to its atoms;
    ``dependent`` variables take a value for each outcome of (``noise``, every source), drawn by a
    seeded generator keyed by that outcome (the same on every machine). ``smooth_only`` names the
    sources of a continuous named law (quadrature nodes: polynomial arguments only).
    """

    sources: Mapping[sp.Basic, Atoms]
    dependent: tuple[sp.Basic, ...] = ()
    noise: Atoms = ()
    seed: str = ""
    smooth_only: frozenset[sp.Basic] = frozenset()
    outcome: Mapping[sp.Basic, sp.Expr] = field(default_factory=dict)
    """One outcome of every random variable: their values outside expectations."""
    moments: Mapping[sp.Symbol, sp.Expr] = field(default_factory=dict)
    """The declared moments' names (mu, sigma) with their values under this law."""
    matrix_moments: Mapping[str, sp.ImmutableMatrix] = field(default_factory=dict)
    """A random vector's declared mean and covariance (by name) under this law."""

    def describe(self) -> tuple[tuple[str, str], ...]:
        """The law as (what, value) pairs for a counterexample: atoms and probabilities."""
        out: list[tuple[str, str]] = []
        seen: dict[Atoms, list[str]] = {}
        for key in _ordered(self.sources):
            seen.setdefault(self.sources[key], []).append(_shown(key))
        for atoms, names in seen.items():
            what = names[0] if len(names) == 1 else f"{', '.join(names)} (iid)"
            if any(k in self.smooth_only for k in self.sources if self.sources[k] == atoms):
                out.append((f"law of {what}", f"the named law ({len(atoms)}-node quadrature)"))
                continue
            shown = "; ".join(f"{_short(v)} w.p. {_short(p)}" for p, v in atoms[:8])
            out.append((f"law of {what}", shown + ("; ..." if len(atoms) > 8 else "")))
        if self.dependent:
            dep = ", ".join(_shown(d) for d in self.dependent)
            if not self.sources:
                rows = "; ".join("(" + ", ".join(_short(self.dependent_value(d, nu, ())) for d in self.dependent)
                                 + f") w.p. {_short(p)}" for nu, (p, _) in enumerate(self.noise))
                out.append((f"joint law of ({dep})", rows))
            else:
                out.append((f"law of {dep}", "a random function of the independent variables and a noise"))
        return tuple(out)

    def dependent_value(self, key: sp.Basic, noise: int, indices: tuple[int, ...]) -> sp.Expr:
        r = random.Random(f"{self.seed}|{_name(key)}|{noise}|{indices}")
        return sp.Rational(r.randint(-24, 24), 8)


def _shown(key: sp.Basic) -> str:
    """``x_1`` for the member ``x[1]`` of a family, the name of a variable."""
    if isinstance(key, sp.Indexed):
        return f"{key.base.label}_" + ",".join(sp.sstr(i) for i in key.indices)
    return sp.sstr(key)


def _short(v: sp.Expr) -> str:
    return sp.sstr(v) if isinstance(v, sp.Rational) else f"{float(v):.4g}"


def all_keys(expr: sp.Basic, spec: RandomSpec) -> set[sp.Basic]:
    """Every random variable of ``expr``, inside expectations too."""
    out = set(random_keys(expr, spec))
    for node in sp.preorder_traversal(expr):
        if isinstance(node, OPERATORS):
            for a in node.args:
                out |= all_keys(a, spec)
    return out


def _generic_atoms(rng: random.Random, domain: VarDomain | None = None) -> Atoms:
    """k = 2..4 distinct rational atoms (inside the variable's declared domain) with random probabilities."""
    k = rng.randint(2, 4)
    lo, hi = -24, 24
    if domain is not None:
        if domain.lower is not None:
            lo = int(domain.lower * 8) + 1
            hi = max(hi, lo + 40) if domain.upper is None else hi
        if domain.upper is not None:
            hi = int(domain.upper * 8) - (1 if domain.upper == int(domain.upper) else 0)
            lo = min(lo, hi - 40) if domain.lower is None else lo
        if domain.lower is not None and not domain.lower_strict:
            lo -= 1
        if domain.upper is not None and not domain.upper_strict:
            hi += 1
    step = 8 if domain is None or not domain.integer else 1
    if step == 1:
        lo, hi = (-3 if domain is None or domain.lower is None else int(domain.lower) + 1), 6
    values: list[int] = []
    for _ in range(200):
        v = rng.randint(lo, hi) if lo <= hi else lo
        if v not in values:
            values.append(v)
        if len(values) == k:
            break
    weights = [rng.randint(1, 6) for _ in values]
    total = sum(weights)
    return tuple((sp.Rational(w, total), sp.Rational(v, 8) if step == 8 else sp.Integer(v))
                 for w, v in zip(weights, values))


def _with_moments(atoms: Atoms, v: RandomVar) -> Atoms:
    """``atoms`` moved and scaled to a mean and a variance declared as numbers (``\\varepsilon \\sim (0, 1)``)."""
    fixed_mean = v.mean is not None and v.mean.is_number
    fixed_var = v.variance is not None and v.variance.is_number
    if not (fixed_mean or fixed_var):
        return atoms
    m = sp.Add(*(p * x for p, x in atoms))
    var = sp.Add(*(p * (x - m) ** 2 for p, x in atoms))
    target_m = v.mean if fixed_mean else m
    scale = sp.sqrt(v.variance / var) if fixed_var else sp.Integer(1)
    return tuple((p, target_m + (x - m) * scale) for p, x in atoms)


def _named_atoms(v: RandomVar, values: Mapping[sp.Symbol, sp.Expr]) -> tuple[Atoms, bool]:
    """The atoms of a named law at the drawn parameter values, and whether they are quadrature nodes."""
    ps = [sp.N(p.xreplace(dict(values)), 40) for p in v.params]
    if v.law == "bernoulli":
        p = ps[0]
        return ((1 - p, sp.Integer(0)), (p, sp.Integer(1))), False
    if v.law == "poisson":
        with mpmath.workdps(80):
            lam = mpmath.mpf(str(ps[0]))
            prob = mpmath.exp(-lam)
            atoms = []
            for k in range(POISSON_ATOMS):  # to where the terms (and so the tail) are below 1e-95
                atoms.append((sp.Float(prob, 80), sp.Integer(k)))
                prob = prob * lam / (k + 1)
                if k > 2 * lam and prob < mpmath.mpf("1e-95"):
                    break
            else:
                raise ValueError("a Poisson mean too large to probe by its atoms")
        return tuple(atoms), False
    if v.law == "normal":
        x, w = np.polynomial.hermite.hermgauss(QUADRATURE_NODES)
        mu, var = ps
        nodes = [mu + sp.sqrt(2 * var) * sp.Float(float(t), 40) for t in x]
        weights = [sp.Float(float(t), 40) for t in w]
    elif v.law == "exponential":
        x, w = np.polynomial.laguerre.laggauss(QUADRATURE_NODES)
        nodes = [sp.Float(float(t), 40) / ps[0] for t in x]
        weights = [sp.Float(float(t), 40) for t in w]
    elif v.law == "uniform":
        x, w = np.polynomial.legendre.leggauss(QUADRATURE_NODES)
        a, b = ps
        nodes = [(a + b) / 2 + (b - a) / 2 * sp.Float(float(t), 40) for t in x]
        weights = [sp.Float(float(t), 40) for t in w]
    else:
        raise ValueError(f"no atoms for the law {v.law}")
    total = sp.Add(*weights)
    return tuple((wt / total, nd) for wt, nd in zip(weights, nodes)), True


def draw_law(exprs: Sequence[sp.Basic], sizes: Mapping[sp.Symbol, int], spec: RandomSpec,
             values: Mapping[sp.Symbol, sp.Expr], rng: random.Random, top: int,
             domains: Mapping[str, VarDomain] | None = None) -> Law:
    """The law of one probe for the random variables of ``exprs`` at ``sizes`` (families up to ``top``);
    a generic law's atoms lie in the variable's declared domain (``x_i > 0``, ``X \\in (0, 1)``)."""
    keys: set[sp.Basic] = set()
    for e in exprs:
        keys |= all_keys(as_sympy(e.xreplace(dict(sizes))).doit(), spec)
    for name, v in spec.variables.items():  # every declared variable, so its moments have a value
        if not v.vector:
            keys.add(sp.Indexed(sp.IndexedBase(name), 1) if v.family else _symbol_of(exprs, name))
    for name, rows in _vector_sizes(exprs, sizes, spec).items():  # a random vector: its entries
        keys |= {sp.Indexed(sp.IndexedBase(name), k) for k in range(1, rows + 1)}
    keys = {k for k in keys if not isinstance(k, sp.MatrixSymbol)
            and not (isinstance(k, sp.Indexed) and not all(i.is_Integer for i in k.indices))}
    keys = {k for k in keys if not (isinstance(k, sp.Symbol) and k.name in spec.vectors)}
    shared: dict[str, Atoms] = {}
    sources: dict[sp.Basic, Atoms] = {}
    smooth: set[sp.Basic] = set()
    dependent: list[sp.Basic] = []
    for key in sorted(keys, key=sp.default_sort_key):
        name = _name(key)
        v = spec.variables[name]
        if not spec.is_source(name):
            dependent.append(key)
            continue
        if v.law is not None:
            if name not in shared or not v.identical:
                atoms, quad = _named_atoms(v, values)
                shared[name] = atoms
                if quad:
                    smooth.add(key)
            elif name in {_name(s) for s in smooth}:
                smooth.add(key)
            sources[key] = shared[name]
        else:
            if name not in shared or not v.identical:
                shared[name] = _with_moments(_generic_atoms(rng, (domains or {}).get(name)), v)
            sources[key] = shared[name]
    noise = _generic_atoms(rng) if dependent else ()
    seed = str(rng.getrandbits(64))
    law = Law(sources, tuple(dependent), noise, seed, frozenset(smooth))
    outcome = _one_outcome(law, spec, rng, top)
    moments = _moments(law, spec)
    return Law(sources, tuple(dependent), noise, seed, frozenset(smooth), outcome, moments,
               _vector_moments(law, spec))


def _vector_sizes(exprs: Sequence[sp.Basic], sizes: Mapping[sp.Symbol, int], spec: RandomSpec) -> dict[str, int]:
    """The number of entries of each random vector of ``exprs`` at ``sizes``."""
    out: dict[str, int] = {}
    for e in exprs:
        for m in e.atoms(sp.MatrixSymbol):
            if m.name in spec.vectors:
                out[m.name] = int(as_sympy(as_sympy(m.shape[0]).xreplace(dict(sizes))))
    return out


def _vector_moments(law: Law, spec: RandomSpec) -> dict[str, sp.ImmutableMatrix]:
    """Each random vector's declared mean (E[x]) and covariance (E[(x - mu)(x - mu)^T]) under ``law``."""
    out: dict[str, sp.ImmutableMatrix] = {}
    for name, v in spec.variables.items():
        if not v.vector:
            continue
        entries = _ordered(k for k in law.dependent if _name(k) == name)
        if not entries:
            continue
        mean = [_expect_term([k], {k}, law) for k in entries]
        if isinstance(v.mean, sp.MatrixSymbol):
            out[v.mean.name] = sp.ImmutableMatrix(len(entries), 1, mean)
        if isinstance(v.variance, sp.MatrixSymbol):
            out[v.variance.name] = sp.ImmutableMatrix(len(entries), len(entries), lambda i, j: _expect_term(
                [entries[i] * entries[j]], {entries[i], entries[j]}, law) - mean[i] * mean[j])
    return out


def _symbol_of(exprs: Sequence[sp.Basic], name: str) -> sp.Basic:
    for e in exprs:
        for s in e.free_symbols:
            if isinstance(s, sp.Symbol) and s.name == name:
                return s
    return sp.Symbol(name, real=True)


def _pick(atoms: Atoms, rng: random.Random) -> int:
    u = sp.Rational(rng.randint(0, 10 ** 6), 10 ** 6)
    acc = sp.Integer(0)
    for k, (p, _) in enumerate(atoms):
        acc += p
        if u <= acc:
            return k
    return len(atoms) - 1


def _one_outcome(law: Law, spec: RandomSpec, rng: random.Random, top: int) -> dict[sp.Basic, sp.Expr]:
    picked = {key: _pick(atoms, rng) for key, atoms in law.sources.items()}
    out: dict[sp.Basic, sp.Expr] = {key: law.sources[key][k][1] for key, k in picked.items()}
    if law.dependent:
        nu = _pick(law.noise, rng)
        indices = tuple(picked[s] for s in _ordered(law.sources))
        for key in law.dependent:
            out[key] = law.dependent_value(key, nu, indices)
    for name, v in spec.variables.items():  # members not in the step: drawn from the family's law
        if v.family:
            member = next((law.sources[k] for k in law.sources if _name(k) == name), None)
            for i in range(1, top + 1):
                key = sp.Indexed(sp.IndexedBase(name), i)
                if key not in out and member is not None:
                    out[key] = member[_pick(member, rng)][1]
    return out


def _ordered(keys: Iterable[sp.Basic]) -> list[sp.Basic]:
    return sorted(keys, key=sp.default_sort_key)


def _moments(law: Law, spec: RandomSpec) -> dict[sp.Symbol, sp.Expr]:
    """The declared moments' names with their values under ``law`` (mu = E[X], sigma = sqrt(Var X))."""
    out: dict[sp.Symbol, sp.Expr] = {}
    for name, v in spec.variables.items():
        if v.law is not None or (v.mean is None and v.variance is None):
            continue
        key = next((k for k in _ordered(set(law.sources) | set(law.dependent)) if _name(k) == name), None)
        if key is None:
            continue
        m1 = _expect_term([key], {key}, law)
        m2 = _expect_term([key ** 2], {key}, law)
        var = m2 - m1 ** 2
        if isinstance(v.mean, sp.Symbol):
            out[v.mean] = m1
        if isinstance(v.variance, sp.Symbol):
            out[v.variance] = var
        elif isinstance(v.variance, sp.Pow) and isinstance(v.variance.base, sp.Symbol):
            out[v.variance.base] = sp.sqrt(var)
    return out


def expectations(expr: sp.Basic, law: Law, spec: RandomSpec, values: Mapping[sp.Symbol, sp.Expr],
                 data: Mapping[sp.IndexedBase, tuple[sp.Expr, ...]]) -> sp.Basic:
    """``expr`` with every expectation replaced by its value under ``law`` (innermost first).

    ``values`` and ``data`` make the other symbols and the data concrete first. Raises ValueError
    where it cannot compute one (too many outcomes, a non-polynomial function of a quadrature law).
    """
    fixed = {s: v for s, v in values.items() if s.name not in spec.scalars}

    def concrete(g: sp.Basic) -> sp.Basic:
        g = g.xreplace(fixed)

        def datum(node: sp.Indexed) -> sp.Basic:
            if str(node.base.label) in spec.families | spec.vectors:
                return node
            vals = data.get(node.base)
            if vals is None or not node.indices[0].is_Integer or not 1 <= int(node.indices[0]) <= len(vals):
                raise ValueError(f"the index of {node} is not a concrete position")
            return vals[int(node.indices[0]) - 1]

        return g.replace(lambda a: isinstance(a, sp.Indexed), datum)

    def one(e: Expectation) -> sp.Basic:
        return expect_value(concrete(e.args[0]), law, spec)

    return expr.replace(lambda a: isinstance(a, Expectation), one)


def expect_value(g: sp.Basic, law: Law, spec: RandomSpec) -> sp.Expr:
    """``E[g]`` under ``law``, for ``g`` whose only symbols are random variables."""
    keys = random_keys(g, spec)
    if not keys:
        return g
    for k in keys:
        if k not in law.sources and k not in law.dependent:
            raise ValueError(f"{k} is not a variable of this probe")
    expanded = sp.expand(g)
    terms = sp.Add.make_args(expanded) if len(sp.Add.make_args(expanded)) <= EXPAND_TERMS else (g,)
    total: list[sp.Expr] = []
    work = [0]
    for term in terms:
        factors = sp.Mul.make_args(term)
        const = [f for f in factors if not random_keys(f, spec)]
        rnd = [f for f in factors if random_keys(f, spec)]
        value: sp.Expr = sp.Mul(*const)
        for group in _probe_groups(rnd, law, spec):
            group_keys = set().union(*(random_keys(f, spec) for f in group))
            value *= _expect_term(group, group_keys, law, work)
        total.append(value)
    return sp.Add(*total)


def _probe_groups(factors: Sequence[sp.Basic], law: Law, spec: RandomSpec) -> list[list[sp.Basic]]:
    """Factors grouped so that different groups touch independent sources only."""
    groups: list[tuple[set[sp.Basic], list[sp.Basic]]] = []
    for f in factors:
        keys = random_keys(f, spec)
        if any(k in law.dependent for k in keys):
            keys = keys | set(law.sources) | set(law.dependent)
        merged_keys, merged = set(keys), [f]
        rest = []
        for gk, gf in groups:
            if merged_keys & gk:
                merged_keys |= gk
                merged += gf
            else:
                rest.append((gk, gf))
        groups = rest + [(merged_keys, merged)]
    return [gf for _, gf in groups]


def _expect_term(factors: Sequence[sp.Basic], keys: set[sp.Basic], law: Law, work: list[int] | None = None) -> sp.Expr:
    """E of the product of ``factors`` by enumerating the outcomes of the sources it touches."""
    body = sp.Mul(*factors)
    smooth = [k for k in keys if k in law.smooth_only]
    if smooth and not body.is_polynomial(*smooth):
        raise ValueError("the expectation of a non-polynomial function of a continuous law is not probed")
    dependent = [k for k in _ordered(keys) if k in law.dependent]
    sources = _ordered(set(law.sources) if dependent else [k for k in keys if k in law.sources])
    count = len(law.noise) if dependent else 1
    for s in sources:
        count *= len(law.sources[s])
    if count > MAX_OUTCOMES:
        raise ValueError(f"more than {MAX_OUTCOMES} outcomes to enumerate")
    if work is not None:
        work[0] += count
        if work[0] > MAX_WORK:
            raise ValueError(f"more than {MAX_WORK} outcomes to enumerate for one expectation")
    all_sources = _ordered(law.sources)
    total: list[sp.Expr] = []
    for combo in itertools.product(*(range(len(law.sources[s])) for s in sources)):
        prob: sp.Expr = sp.Integer(1)
        point: dict[sp.Basic, sp.Expr] = {}
        for s, k in zip(sources, combo):
            p, v = law.sources[s][k]
            prob *= p
            point[s] = v
        if dependent:
            chosen = dict(zip(sources, combo))
            indices = tuple(chosen[s] for s in all_sources)
            for nu, (pn, _) in enumerate(law.noise):
                here = dict(point)
                for d in dependent:
                    here[d] = law.dependent_value(d, nu, indices)
                total.append(prob * pn * body.xreplace(here))
        else:
            total.append(prob * body.xreplace(point))
    return sp.Add(*total)


def moment_names(spec: RandomSpec | None) -> frozenset[str]:
    """Names a probe does not draw: the random variables and the declared moments."""
    if spec is None:
        return frozenset()
    return frozenset(spec.variables) | spec.moment_symbols()


__all__ = ["normal_form", "draw_law", "expectations", "expect_value", "Law", "has_moments", "moment_names",
           "law_moments", "through_expectations"]


def differentiates_an_expectation(expr: sp.Basic) -> bool:
    """True when ``expr`` differentiates an expectation (``\\frac{d}{d\\lambda} E[X]``): SymPy would take it
    as 0, but the law may depend on the variable, so it is certified only once the expectation reduces."""
    return any(isinstance(node, (sp.Derivative, sp.Subs)) and has_moments(node.args[0])
               for node in sp.preorder_traversal(expr))


def symbolic_equal(lhs: sp.Basic, rhs: sp.Basic, spec: RandomSpec, is_zero: Callable[[sp.Basic], bool]) -> bool:
    """True when the two sides' normal forms differ by what ``is_zero`` shows is 0 (False: no verdict)."""
    try:
        diff = sp.Add(normal_form(lhs, spec), -normal_form(rhs, spec))
    except (TypeError, ValueError, ArithmeticError, AttributeError, RecursionError):
        return False
    return is_zero(diff)
