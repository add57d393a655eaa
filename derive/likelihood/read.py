"""The input side of ``derive mle``: a density or a family name, with its flags -> MleProblem.

Names are checked before anything is derived: every parameter must occur, the data variable
must occur (or bound the support), and the density must be real and nonnegative at sample
points of the support with parameters drawn from their space. Whether it integrates to one
is the engine's check (it needs integration under a budget), not this one.
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from derive.core.errors import ParseError, Span, UsageError
from derive.parse.domain import VarDomain, make_symbol
from derive.likelihood.model import MleProblem, Support
from derive.parse import vocabulary as vocab
from derive.parse.auto import parse_expression
from derive.likelihood.families import Family, expand_family, family_name, unknown_family
from derive.likelihood.space import read_space
from derive.likelihood.support import parse_support, variable_domain

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_SUPPORT_HINT = "give --support, e.g. --support 'x > 0', --support 'x in {0,1,2,...}' or --support 'x in R'"
_TOLERANCE = 1e-12


@dataclass(frozen=True, slots=True)
class _Input:
    """The texts to parse, whether typed or expanded from a family."""

    density: str
    params: tuple[str, ...]
    vars: tuple[str, ...]
    supports: tuple[str, ...]
    where: tuple[str, ...]
    family: Family | None


def read_problem(density_or_family: str, params: Sequence[str], var: str | None, support: str | None,
                 where: Sequence[str], prior: str | None = None) -> MleProblem:
    """Read ``derive mle DENSITY|FAMILY --param P ... --var x --support S --where W [--prior Q]``.

    A family name expands to its density, support and space, then is read like typed text.
    Typed text needs ``--param`` and ``--support``; ``--var`` defaults to the support's variable.
    A parameter without ``--where`` is real (``p in R``), and the sample check then usually
    asks for its space. ``prior`` is a density in the parameters; its log goes in ``prior``.
    """
    _check_types(density_or_family, params, var, support, where, prior)
    for name in params:
        _check_name(name, "parameter")
    if var is not None:
        _check_name(var, "data variable")
    seen: set[str] = set()
    for name in params:
        if name in seen:
            raise UsageError(f"parameter {name!r} is given twice", hint="give each --param once")
        seen.add(name)
    inp = _expand(density_or_family, tuple(params), var, support, tuple(where))
    return _Reader(inp, prior).problem()


def _check_types(text: object, params: object, var: object, support: object, where: object, prior: object) -> None:
    if not isinstance(text, str):
        raise UsageError(f"the density must be a str, got {type(text).__name__}", hint="pass the density as text")
    for label, seq in (("params", params), ("where", where)):
        if isinstance(seq, str) or not isinstance(seq, Sequence) or not all(isinstance(s, str) for s in seq):
            raise UsageError(f"{label} must be a sequence of str", hint=f"pass {label} as a list of strings")
    for label, value in (("var", var), ("support", support), ("prior", prior)):
        if value is not None and not isinstance(value, str):
            raise UsageError(f"{label} must be a str or None, got {type(value).__name__}", hint="pass text")


def _check_name(name: str, what: str) -> None:
    if not _NAME.fullmatch(name):
        raise UsageError(f"bad {what} name {name!r}", span=Span(name, 0, max(1, len(name))),
                         hint="use a plain name such as mu, sigma2 or p1 (letters, digits, _)")
    if name in vocab.CONSTANTS or (name in vocab.FUNCTIONS and name not in vocab.CALLABLE_VARIABLES):
        kind = "constant" if name in vocab.CONSTANTS else "function"
        raise UsageError(f"{name!r} is a {kind} name, not a {what}", hint=f"name the {what} something else")


def _expand(text: str, params: tuple[str, ...], var: str | None, support: str | None,
            where: tuple[str, ...]) -> _Input:
    """The texts to read: a family's, or the user's own after the checks that need no parsing."""
    found = family_name(text)
    if found is not None:
        fam = expand_family(text, var or "x", params or None)
        if support is not None:
            raise UsageError(f"{fam.name} has the support {fam.support_text!r}; --support would change the model",
                             hint="leave out --support, or type the density itself to use another support")
        return _Input(fam.density_text, fam.params, fam.vars, fam.support_texts, (*fam.all_where_texts(), *where),
                      fam)
    if _NAME.fullmatch(text.strip()):
        raise unknown_family(text.strip())
    if not text.strip():
        raise ParseError("empty density", span=Span(text, 0, 1), hint="type a density such as lam exp(-lam x), "
                                                                      "or a family name such as poisson")
    if not params:
        raise UsageError("give at least one --param for a typed density",
                         hint="e.g. derive mle 'theta^x (1-theta)^(1-x)' --param theta --support 'x in {0,1}'")
    if support is None:
        raise UsageError("give the support of the data variable", hint=_SUPPORT_HINT)
    return _Input(text, params, (var,) if var is not None else (), (support,), where, None)


def _base_measure(density: sp.Expr, names: tuple[str, ...]) -> sp.Expr | None:
    """``h(x)`` when the density is ``h(x)`` times an expression free of ``h`` that involves ``x``: an unknown
    function of the (one) data variable alone multiplying the density is a base measure
    (``MleProblem.stand_in``)."""
    apps = density.atoms(sp.core.function.AppliedUndef)
    if len(apps) != 1 or len(names) != 1:
        return None
    (app,) = apps
    if len(app.args) != 1 or not isinstance(app.args[0], sp.Symbol) or app.args[0].name != names[0]:
        return None
    factors = sp.Mul.make_args(density)
    if app not in factors or any(f.has(app.func) for f in factors if f != app):
        return None
    if app.args[0] not in (density / app).free_symbols:
        return None  # the density's dependence on x would be h's alone: unknown, not a base measure
    return app


class _Reader:
    """One read: the texts, the domains as they are built, and the prior text."""

    def __init__(self, inp: _Input, prior: str | None) -> None:
        self.inp = inp
        self.prior_text = prior
        self.domains: dict[str, VarDomain] = {}
        self.declared: dict[str, VarDomain] = {}
        self.defaulted: list[str] = []

    def problem(self) -> MleProblem:
        inp = self.inp
        declared, constraints, relations = read_space(inp.where)
        self.declared = {d.name: d for d in declared}
        self.domains = dict(self.declared)
        for p in inp.params:
            if p not in self.domains:
                self.domains[p] = VarDomain(p)
                self.defaulted.append(p)
        supports = self._supports()
        names = tuple(s.var for s in supports)
        for name in names:
            if name in inp.params:
                raise UsageError(f"{name!r} is both the data variable and a parameter",
                                 hint="the data variable is what is observed; estimate something else")
            if name in self.declared:
                raise UsageError(f"--where declares the data variable {name!r}",
                                 hint=f"give its range with --support (e.g. --support '{name} > 0'), not --where")
        var_domains = {s.var: variable_domain(s) for s in supports}
        all_domains = {**self.domains, **var_domains}
        density = _squared_parameters(parse_expression(inp.density, all_domains), inp.params, all_domains)
        prior, prior_source = self._prior(all_domains, names)
        base = _base_measure(density, names)
        self._check_names(density if base is None else density.xreplace({base: sp.Integer(1)}), supports,
                          (*constraints, *relations), prior)
        params = tuple(make_symbol(p, all_domains) for p in inp.params)
        variables = tuple(make_symbol(n, all_domains) for n in names)
        by_name = {s.name: s for s in (*params, *density.free_symbols)}
        relations = tuple(r.xreplace({s: by_name.get(s.name, s) for s in r.free_symbols}) for r in relations)
        joint = tuple(tuple(sp.Integer(v) for v in row) for row in inp.family.joint) if inp.family else ()
        self._check_values(density if base is None else density.xreplace({base: sp.Integer(1)}), supports, joint,
                           prior)
        known = [d for n, d in self.declared.items() if n not in inp.params]
        fam = inp.family
        return MleProblem(
            source=inp.density, density=density, var=variables[0], params=params, support=supports[0],
            space=(*(self.domains[p] for p in inp.params), *known), constraints=constraints, relations=relations,
            prior=prior, prior_source=prior_source, family=fam.name if fam else "",
            discrete=fam.discrete if fam else supports[0].kind != "interval",
            extra=variables[1:], joint=joint, base=base)

    # -- parts --------------------------------------------------------------------------

    def _supports(self) -> tuple[Support, ...]:
        inp = self.inp
        if inp.vars:
            return tuple(parse_support(t, self.domains, var=v) for t, v in zip(inp.supports, inp.vars))
        return (parse_support(inp.supports[0], self.domains),)

    def _check_names(self, density: sp.Expr, supports: tuple[Support, ...], constraints: tuple[sp.Basic, ...],
                     prior: sp.Expr | None) -> None:
        """Every parameter and variable occurs; no unknown functions; no stray declarations."""
        inp = self.inp
        undefined = sorted(str(f.func) for f in density.atoms(sp.core.function.AppliedUndef))
        if undefined:
            raise ParseError(f"the density calls the unknown function {undefined[0]!r}",
                             span=_find(inp.density, undefined[0]),
                             hint="write the density with known functions only (exp, log, sqrt, gamma, ...); an "
                                  "unknown function may only multiply the density as a function of the data variable "
                                  "alone, h(x) (a base measure)")
        in_density = {s.name for s in density.free_symbols}
        in_support = {s.name for sup in supports for s in sup.free_symbols()}
        shown = ", ".join(sorted(in_density)) or "none"
        for sup in supports:
            if sup.var not in in_density and not in_support & set(inp.params):
                raise UsageError(f"the data variable {sup.var!r} does not appear in the density",
                                 hint=f"the density's symbols are {shown}; give --var, or fix the support")
        for p in inp.params:
            if p not in in_density and p not in in_support:
                raise UsageError(f"parameter {p!r} does not appear in the density",
                                 hint=f"the density's symbols are {shown}; --param names one of them")
        used = in_density | in_support
        for c in constraints:
            for s in sorted(c.free_symbols, key=str):
                if s.name not in inp.params and s.name not in used:
                    shown_c = f"{c} = 0" if isinstance(c, sp.Expr) else str(c)
                    raise UsageError(f"the constraint {shown_c} involves {s.name!r}, which is neither a parameter "
                                     "nor in the density", hint="constrain the parameters given with --param")
        in_prior = {s.name for s in prior.free_symbols} if prior is not None else set()
        for name in self.declared:
            if name not in used | in_prior and name not in inp.params:
                raise UsageError(f"--where declares {name!r}, which appears neither in the density nor in its support"
                                 + (" nor in the prior" if prior is not None else ""),
                                 hint=f"the density's symbols are {shown}; check the spelling")

    def _prior(self, domains: Mapping[str, VarDomain], names: tuple[str, ...]) -> tuple[sp.Expr | None, str]:
        """The log of the prior density (in the parameters only), and its text."""
        text = self.prior_text
        if text is None:
            return None, ""
        prior = parse_expression(text, domains)
        allowed = set(self.inp.params) | set(self.declared)
        for s in sorted(prior.free_symbols, key=str):
            if s.name in names:
                raise ParseError(f"the prior depends on the data variable {s.name!r}", span=_find(text, s.name),
                                 hint="a prior is a density in the parameters only")
            if s.name not in allowed:
                raise ParseError(f"the prior involves {s.name!r}, which is not a parameter", span=_find(text, s.name),
                                 hint=f"the parameters are {', '.join(self.inp.params)}; declare known constants "
                                      "with --where")
        if prior.atoms(sp.core.function.AppliedUndef):
            raise ParseError("the prior calls an unknown function", span=Span(text, 0, max(1, len(text))),
                             hint="write the prior with known functions only")
        return sp.expand_log(sp.log(prior), force=False), text

    # -- the sample check ---------------------------------------------------------------

    def _check_values(self, density: sp.Expr, supports: tuple[Support, ...],
                      joint: tuple[tuple[sp.Expr, ...], ...], prior: sp.Expr | None) -> None:
        """The density is real and nonnegative at sample points; the prior is real there."""
        symbols = {s.name: s for s in density.free_symbols}
        for sup in supports:
            symbols.update({s.name: s for s in sup.free_symbols()})
        if prior is not None:
            symbols.update({s.name: s for s in prior.free_symbols})
        others = sorted(n for n in symbols if n not in {s.var for s in supports})
        samples = {n: _samples(self.domains.get(n)) for n in others}
        for k in range(3):
            values = {n: samples[n][k] for n in others}
            if prior is not None:
                self._check_prior(prior, values)
            for point in _points(supports, joint, values):
                where = {**values, **point}
                # Floats, not exact numbers: x^x^x at x = 3 must not build a 3.6e12-digit integer.
                trouble = _trouble(density.xreplace({symbols[n]: sp.Float(v, 30) for n, v in where.items()
                                                     if n in symbols}))
                if trouble:
                    self._refuse(trouble, point, values, supports[0])

    def _check_prior(self, prior: sp.Expr, values: dict[str, sp.Rational]) -> None:
        value = prior.xreplace({s: sp.Float(values[s.name], 30) for s in prior.free_symbols if s.name in values})
        trouble = _trouble(sp.exp(value))
        if trouble:
            names = {s.name for s in prior.free_symbols}
            shown = ", ".join(f"{n} = {_fmt(v)}" for n, v in values.items() if n in names)
            raise UsageError(f"the prior is {trouble} at {shown}", span=_whole(self.prior_text or ""),
                             hint="a prior density is nonnegative on the parameter space; check it or --where")

    def _refuse(self, trouble: str, point: dict[str, sp.Expr], values: dict[str, sp.Rational],
                support: Support) -> None:
        at = ", ".join(f"{n} = {_fmt(v)}" for n, v in point.items())
        shown = ", ".join(f"{n} = {_fmt(v)}" for n, v in values.items())
        defaulted = [p for p in self.defaulted if p in values]
        hint = "restrict the support with --support or the parameter space with --where"
        if defaulted:
            hint += (f" ({', '.join(defaulted)} {'has' if len(defaulted) == 1 else 'have'} no --where, so "
                     f"{'it is' if len(defaulted) == 1 else 'they are'} taken in R; e.g. --where '{defaulted[0]} > 0' "
                     f"or --where '0 < {defaulted[0]} < 1')")
        text = self.inp.supports[0]
        raise UsageError(f"the density is {trouble} at {at}{f' ({shown})' if shown else ''} on the support "
                         f"{support.describe()}", span=_whole(text) if self.inp.family is None else None, hint=hint)


def _squared_parameters(density: sp.Expr, params: Sequence[str], domains: Mapping[str, VarDomain]) -> sp.Expr:
    """A parameter named like ``sigma2`` stands for ``sigma^2`` when the density is written in ``sigma``.

    LaTeX densities write ``\\sigma^2`` while the variance is the parameter (``--param sigma2``):
    ``sigma`` is then ``sqrt(sigma2)``, taken positive (a standard deviation).
    """
    names = {s.name: s for s in density.free_symbols}
    for p in params:
        base = p[:-1]
        if p.endswith("2") and p not in names and base in names and base not in params:
            var = sp.Symbol(p, **make_symbol(p, domains).assumptions0)
            density = density.xreplace({names[base]: sp.sqrt(var)})
    return density


def _find(text: str, name: str) -> Span:
    """A span on the first whole-word occurrence of ``name`` in ``text`` (else the whole text)."""
    m = re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text)
    return vocab.line_span(text, m.start(), m.end()) if m else _whole(text)


def _whole(text: str) -> Span:
    return vocab.line_span(text, 0, max(1, len(text)))


def _fmt(v: sp.Expr) -> str:
    return str(int(v)) if v.is_Integer else f"{float(v):g}"


def _samples(d: VarDomain | None) -> list[sp.Rational]:
    """Three values from a domain: a typical one first, then two others (R when undeclared)."""
    d = d or VarDomain("_")
    lo = None if d.lower is None else sp.Rational(d.lower)
    hi = None if d.upper is None else sp.Rational(d.upper)
    if d.integer:
        first = None if lo is None else (lo + 1 if d.lower_strict and lo.is_integer else sp.ceiling(lo))
        last = None if hi is None else (hi - 1 if d.upper_strict and hi.is_integer else sp.floor(hi))
        if first is not None and last is not None:
            return [sp.floor((first + last) / 2), first, last]
        if first is not None:
            return [first + 2, first + 4, first]
        if last is not None:
            return [last - 2, last - 4, last]
        return [sp.Integer(1), sp.Integer(2), sp.Integer(-1)]
    if lo is not None and hi is not None:
        return [lo + (hi - lo) * f for f in (sp.Rational(1, 2), sp.Rational(1, 4), sp.Rational(3, 4))]
    if lo is not None:
        return [lo + f for f in (sp.Rational(1, 2), sp.Integer(2), sp.Integer(5))]
    if hi is not None:
        return [hi - f for f in (sp.Rational(1, 2), sp.Integer(2), sp.Integer(5))]
    return [sp.Rational(1, 2), sp.Integer(2), sp.Rational(-3, 2)]


def _points(supports: tuple[Support, ...], joint: tuple[tuple[sp.Expr, ...], ...],
            values: dict[str, sp.Rational]) -> list[dict[str, sp.Expr]]:
    """Sample observations on the support, with the parameters and constants at ``values``."""
    names = [s.var for s in supports]
    if joint:
        return [dict(zip(names, row)) for row in joint]
    per_var = [_var_points(s, values) for s in supports]
    return [dict(zip(names, combo)) for combo in itertools.islice(itertools.product(*per_var), 64)]


def _var_points(support: Support, values: dict[str, sp.Rational]) -> list[sp.Expr]:
    def at(end: sp.Expr | None) -> sp.Expr | None:
        if end is None:
            return None
        out = end.xreplace({s: values[s.name] for s in end.free_symbols if s.name in values})
        return out if out.is_number and out.is_finite else None

    if support.kind == "finite":
        return list(support.values)
    lo, hi = at(support.lower), at(support.upper)
    if (support.lower is not None and lo is None) or (support.upper is not None and hi is None):
        return []
    if support.kind == "integers":
        start = sp.ceiling(lo) if lo is not None else sp.Integer(0)
        stop = start + 5 if hi is None else min(start + 5, sp.floor(hi))
        return [start + i for i in range(int(stop - start) + 1)] if stop >= start else []
    if lo is not None and hi is not None:
        return [lo + (hi - lo) * f for f in (sp.Rational(1, 10), sp.Rational(1, 2), sp.Rational(9, 10))] \
            if hi > lo else []
    if lo is not None:
        return [lo + f for f in (sp.Rational(1, 2), sp.Integer(1), sp.Integer(3))]
    if hi is not None:
        return [hi - f for f in (sp.Rational(1, 2), sp.Integer(1), sp.Integer(3))]
    return [sp.Integer(-1), sp.Rational(1, 2), sp.Integer(2), sp.Rational(-5, 2)]


def _trouble(value: sp.Expr) -> str:
    """Why a sampled density value is no density value ("negative"...), or ''.

    Values are compared as SymPy floats: a huge but finite density is still a density.
    """
    if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return "undefined"
    number = value.evalf(30)
    if not number.is_number:
        return ""
    if number.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return "undefined"
    re_part, im_part = number.as_real_imag()
    if not (re_part.is_finite and im_part.is_finite):
        return "undefined"
    if abs(im_part) > 1e-9 * sp.Max(1, abs(re_part)):
        return "not real"
    if re_part < -_TOLERANCE:
        return "negative"
    return ""
