"""Maximum-likelihood problems and their derivations as data.

A ``Support`` says where one observation lives (an interval whose ends may involve a
parameter, the integers from a point on, or a finite set); an ``MleProblem`` is a density in
one data variable with its parameters, their space and the support; an ``MleDerivation`` is the
chain of certified ``MleStep`` lines from the likelihood to the estimator, with the second-order
check, the Fisher information and the numeric comparisons.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import sympy as sp

from derive.parse.domain import VarDomain
from derive.core.contract import Certified, Check, NotComputed, Step

SupportKind = Literal["interval", "integers", "finite"]


@dataclass(frozen=True, slots=True)
class Support:
    """The set one observation lives in.

    ``interval``: ``lower < x < upper`` (None is unbounded; ends may involve parameters).
    ``integers``: the integers from ``lower`` to ``upper`` (``upper`` None is unbounded).
    ``finite``: exactly ``values``.
    """

    var: str
    kind: SupportKind
    lower: sp.Expr | None = None
    upper: sp.Expr | None = None
    lower_strict: bool = True
    upper_strict: bool = True
    values: tuple[sp.Expr, ...] = ()
    text: str = ""

    def bounds(self) -> tuple[sp.Expr | None, sp.Expr | None]:
        """Lower and upper end (for a finite set, its least and greatest value)."""
        if self.kind == "finite":
            return (min(self.values, key=float), max(self.values, key=float))
        return (self.lower, self.upper)

    def free_symbols(self) -> set[sp.Symbol]:
        """Symbols in the ends (parameters or known constants), never the variable itself."""
        out: set[sp.Symbol] = set()
        for b in (self.lower, self.upper, *self.values):
            if b is not None:
                out |= b.free_symbols
        return out

    def describe(self) -> str:
        """Text such as ``x in {0, 1}``, ``x in {0, 1, 2, ...}`` or ``0 < x < theta``."""
        if self.text:
            return self.text
        if self.kind == "finite":
            return f"{self.var} in {{{', '.join(str(v) for v in self.values)}}}"
        if self.kind == "integers":
            lo = self.lower if self.lower is not None else "..."
            if self.upper is None:
                return f"{self.var} in {{{lo}, {lo}+1, ...}}"
            return f"{self.var} in {{{lo}, ..., {self.upper}}}"
        lo_op = "<" if self.lower_strict else "<="
        hi_op = "<" if self.upper_strict else "<="
        if self.lower is None and self.upper is None:
            return f"{self.var} in R"
        if self.upper is None:
            return f"{self.var} {'>' if self.lower_strict else '>='} {self.lower}"
        if self.lower is None:
            return f"{self.var} {hi_op} {self.upper}"
        return f"{self.lower} {lo_op} {self.var} {hi_op} {self.upper}"


@dataclass(frozen=True, slots=True)
class MleProblem:
    """A density (or mass function) ``density`` of ``var`` with ``params`` to estimate.

    ``extra`` are further data variables observed jointly with ``var`` (a one-hot category
    vector), whose joint support is the finite list ``joint`` of value tuples over ``data_vars``.
    ``space`` holds the parameter space per parameter (and known constants' declarations);
    ``constraints`` are equalities ``expr = 0`` on the parameters (e.g. probabilities summing
    to one); ``relations`` are inequalities between parameters (``a < b``, from ``--where``);
    ``prior`` is a log prior density in the parameters (MAP), or None. ``base`` is an unknown
    positive function of the data variable alone multiplying the density (``h(x)`` in
    ``h(x) exp(theta x - A(theta))``: a base measure), or None; see ``stand_in``.
    """

    source: str
    density: sp.Expr
    var: sp.Symbol
    params: tuple[sp.Symbol, ...]
    support: Support
    space: tuple[VarDomain, ...] = ()
    constraints: tuple[sp.Expr, ...] = ()
    relations: tuple[sp.Basic, ...] = ()
    prior: sp.Expr | None = None
    prior_source: str = ""
    family: str = ""
    discrete: bool = False
    extra: tuple[sp.Symbol, ...] = ()
    joint: tuple[tuple[sp.Expr, ...], ...] = ()
    base: sp.Expr | None = None

    @property
    def numeric_density(self) -> sp.Expr:
        """The density with the base measure replaced by its stand-in (``stand_in``), for numbers."""
        return self.stand_in(self.density)

    def stand_in(self, expr: sp.Expr, one: bool = False) -> sp.Expr:
        """``expr`` with every value ``h(u)`` of the unknown base measure replaced by ``exp(-u^2)``.

        The base measure ``h(x) > 0`` does not depend on the parameters: ``log h(x_i)`` drops out
        of the score, and every line of the derivation holds for every positive ``h``. Numbers
        need values, so a concrete positive stand-in is used where a claim holds for any ``h``:
        the algebra of each line on samples, and the estimator against the numeric maximizer
        (both true for any data, so the samples may come from the stand-in model,
        ``exp(-x^2) * rest`` renormalized, which decays faster than any exponential and so is
        normalizable on every support). Claims about expectations under the model (the Fisher
        information by Monte Carlo, the estimator's mean and bias) depend on the true ``h``: they
        are not computed ("h unknown"), nor is the density's normalization checked. ``one`` puts 1
        for ``h`` instead: a log-likelihood on data up to the constant ``Sum log h(x_i)``.
        """
        if self.base is None:
            return expr
        func = self.base.func
        return expr.replace(lambda a: isinstance(a, sp.core.function.AppliedUndef) and a.func == func,
                            lambda a: sp.Integer(1) if one else sp.exp(-a.args[0] ** 2))

    @property
    def data_vars(self) -> tuple[sp.Symbol, ...]:
        """The data variables of one observation: ``var``, then any ``extra`` (a vector observation)."""
        return (self.var, *self.extra)

    @property
    def constants(self) -> tuple[sp.Symbol, ...]:
        """Known constants: symbols of the density or the prior that are neither data nor parameters."""
        syms = self.density.free_symbols | (self.prior.free_symbols if self.prior is not None else set())
        return tuple(sorted(syms - set(self.data_vars) - set(self.params), key=str))

    def domain(self, name: str) -> VarDomain | None:
        """The declared domain of a parameter or a known constant."""
        return next((d for d in self.space if d.name == name), None)


Method = Literal["calculus", "boundary", "subgradient", "numeric"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MleStep(Step):
    """One line of the derivation: ``before`` = ``after`` (or the claim ``after`` alone), with why.

    ``rule`` groups lines for printers (``likelihood``, ``loglik``, ``score``, ``solve``,
    ``second_order``, ``fisher``, ``bias``, ``invariance``, ``newton``, ``boundary``...);
    ``title`` heads the line; ``param`` is the parameter the line is about, if one; ``function`` the
    function of the parameters an invariance line estimates.
    """

    title: str = ""
    param: sp.Symbol | None = None
    function: sp.Expr | None = None
    """For an estimate by invariance: the function of the parameters (``lhs`` is its name as typed)."""

    @property
    def kind(self) -> str:
        """The older name of ``rule`` (the JSON key)."""
        return self.rule

    @property
    def reason(self) -> str:
        """The older name of ``justification``."""
        return self.justification


@dataclass(frozen=True, slots=True)
class Iterate:
    """One iterate of Newton-Raphson or Fisher scoring on the user's data."""

    k: int
    values: tuple[float, ...]
    loglik: float
    step_norm: float


@dataclass(frozen=True, slots=True)
class DataEstimate:
    """One parameter's estimate on the user's data with its standard errors: from the observed
    information (minus the Hessian of the log-likelihood at the estimate) and from the expected
    (Fisher) information at the estimate; None where that one is not available (said in the notes)."""

    param: str
    value: float
    se_observed: float | None
    se_expected: float | None


@dataclass(frozen=True, slots=True)
class DataFit:
    """The estimates on a CSV column: the file and column, n, how the numbers were found."""

    file: str
    column: str
    n: int
    method: str
    """``closed form``, ``Newton-Raphson``, ``Fisher scoring`` or ``numeric maximization``."""
    estimates: tuple[DataEstimate, ...]


@dataclass(frozen=True, slots=True)
class MleDerivation(Certified):
    """Everything derived about an ``MleProblem``, step by step, with the checks.

    ``certified`` (from ``Certified``): every step and every check is proved or plausible.
    """

    problem: MleProblem
    loglik: sp.Expr
    score: tuple[sp.Expr, ...]
    estimator: tuple[sp.Expr | None, ...]
    method: Method
    closed_form: bool
    steps: tuple[MleStep, ...]
    second_order: str
    fisher_observed: sp.Matrix | None = None
    fisher_expected: sp.Matrix | None = None
    conditions: tuple[str, ...] = ()
    condition_relations: tuple[sp.Basic, ...] = ()
    notes: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    newton: tuple[sp.Expr, ...] = ()
    newton_params: tuple[sp.Symbol, ...] = ()
    profile: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()
    scoring: tuple[sp.Expr, ...] = ()
    iterates: tuple[Iterate, ...] = ()
    iteration_method: str = ""
    data: DataFit | None = None
    cases: tuple[tuple[sp.Symbol, sp.Expr | None, sp.Basic], ...] = ()
    """The estimate by cases on a restricted space: ``(theta, xbar, xbar >= 0)``, ``(theta, 0, xbar < 0)``;
    the value None where no maximum exists (the root beyond an open end)."""
    roots: tuple[sp.Expr | None, ...] = ()
    """The roots of the score equations where ``estimator`` projects them onto the parameter space
    (``x̄`` for ``Max(x̄, 0)``); empty when every estimate is its root."""

    def all_steps(self) -> Iterator[Step]:
        return iter(self.steps)

    def all_checks(self) -> Iterator[Check]:
        return iter(self.checks)

