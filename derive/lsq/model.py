"""Least-squares solutions as data: the derivation, the estimator, its consequences, the checks, a fit to data.

A ``LsSolution`` carries the matrix-calculus derivation of a model's objective, the closed-form
estimator with the condition for it to exist, the consequences (fitted values, residual
orthogonality) and the solving steps beyond the stationary point (the KKT system of constrained
least squares), each a certified ``Consequence``; the comparisons with a numeric solver are its
checks. The model that produced it (``derive.lsq.models``) is kept for printers and checkers.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from derive.core.contract import Certified, Check, Step
from derive.matrix.expr import Node
from derive.matrix.model import MatGradient


@dataclass(frozen=True, slots=True, kw_only=True)
class Consequence(Step):
    """An identity ``before`` = ``after`` claimed about the solution (X^T e = 0) or a solving step, in words.

    ``justification`` says what the identity means ("the residual is orthogonal to the columns of X").
    """

    rule: str = "consequence"

    @property
    def name(self) -> str:
        return self.justification

    @property
    def lhs(self) -> Node:
        lhs: Node = self.before
        return lhs

    @property
    def rhs(self) -> Node:
        rhs: Node = self.after
        return rhs


@dataclass(frozen=True, slots=True)
class DataSpec:
    """Columns of a CSV file to fit: the regressors, the response, optional weights, the penalty.

    ``x`` are the regressors' labels (``x``, ``x^2``, ``x1*x2``), one per column of the design
    besides the intercept; ``terms`` the parsed terms they name (``derive.lsq.terms.Term``; empty
    means each label is a plain column). ``penalize_intercept`` makes ridge penalize the
    intercept too (by default it does not, as in scikit-learn's Ridge).
    """

    path: Path
    x: tuple[str, ...]
    y: str
    weights: str = ""
    lam: float | None = None
    intercept: bool = False
    terms: tuple[Any, ...] = ()
    penalize_intercept: bool = False

    @property
    def regressors(self) -> tuple[Any, ...]:
        """The terms of the design (plain columns when no terms were parsed)."""
        from derive.lsq.terms import Term

        return self.terms or tuple(Term(((c, 1),), c) for c in self.x)

    @property
    def x_columns(self) -> list[str]:
        """The data columns the regressors read, each once."""
        from derive.lsq.terms import columns_of

        return columns_of(self.regressors)


@dataclass(frozen=True, slots=True)
class DataFit:
    """The estimator on the user's data, beside a reference solver's numbers.

    ``columns`` name the coefficients (``(intercept)``, then one per term); ``estimate`` is the
    derived estimator's value (correctly rounded from the exact rational when ``method`` is
    ``exact``), ``reference`` the reference solver's. The rest says how the numbers were made
    and how far to trust them: ``method`` (``exact`` or ``qr``) and ``method_text``, the design
    (``design``: (column, the term text it came from)), the condition number of X in the 2-norm
    (``condition``; ``condition_unit`` with unit-length columns) and its ``rank``, the rows used
    (``rows_used``: zero-weight rows drop out), ``notes`` (conventions, warnings) and ``checks``
    (required ones count toward ``certified``). ``estimate_digits`` gives each exact coefficient
    to 20 significant digits; ``design_head`` the first rows of X as fitted (after zero-weight
    rows drop).

    For a regression summary (standard errors, R^2): ``residuals`` is y - X b on the rows used
    (a float numpy array, unweighted; not printed), ``rss`` the residual sum of squares
    sum w_i r_i^2 (weights 1 without wls), ``tss`` the total sum of squares about the weighted
    mean of y with an intercept, about 0 without one (R's convention), ``unscaled_cov_diag`` the
    diagonal of (X'WX)^-1 in the order of ``columns`` (None for ridge, whose covariance is not
    this), and ``df_residual`` = rows_used - rank. ``stats_exact`` says rss, tss and the diagonal
    were computed in exact rational arithmetic and then rounded (else from the refined QR
    factorization in double precision: (X'WX)^-1 = P R^-1 R^-T P'). A value beyond double
    precision's range is ``inf``.
    """

    columns: tuple[str, ...]
    estimate: tuple[float, ...]
    reference: tuple[float, ...]
    reference_name: str
    rows: int
    max_abs_difference: float
    note: str = ""
    method: str = ""
    method_text: str = ""
    design: tuple[tuple[str, str], ...] = ()
    condition: float | None = None
    condition_unit: float | None = None
    rank: int | None = None
    rows_used: int | None = None
    notes: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    estimate_digits: tuple[str, ...] = ()
    design_head: tuple[tuple[float, ...], ...] = ()
    residuals: Any = field(default=None, compare=False, repr=False)
    rss: float | None = None
    tss: float | None = None
    unscaled_cov_diag: tuple[float, ...] | None = None
    stats_exact: bool = False

    @property
    def df_residual(self) -> int | None:
        """Residual degrees of freedom: rows used minus the rank of X."""
        if self.rows_used is None or self.rank is None:
            return None
        return self.rows_used - self.rank

    def design_groups(self) -> list[tuple[tuple[str, ...], str]]:
        """The design's columns grouped by the text that made them: ((x, x^2, x^3), "poly(x, 3)")."""
        out: list[tuple[tuple[str, ...], str]] = []
        for name, source in self.design:
            if out and out[-1][1] == source:
                out[-1] = (out[-1][0] + (name,), source)
            else:
                out.append(((name,), source))
        return out


@dataclass(frozen=True, slots=True)
class LsSolution(Certified):
    """The derivation of a least-squares estimator and everything that checks it.

    ``model`` is the ``derive.lsq.models.LsModel`` that built the objective (its roles, title and
    particular identities); ``checks`` hold the comparisons with its numeric reference solver.
    """

    model: Any
    derivation: MatGradient
    estimator: Node
    conditions: tuple[str, ...]
    consequences: tuple[Consequence, ...] = ()
    solve_steps: tuple[Consequence, ...] = ()
    """Solving beyond the engine's stationary point (the KKT system of constrained least squares)."""
    multiplier_gradient: Node | None = None
    checks: tuple[Check, ...] = field(default=())
    data_fit: DataFit | None = None

    def all_steps(self) -> Iterator[Step]:
        yield from self.derivation.all_steps()
        yield from self.solve_steps
        yield from self.consequences

    def all_checks(self) -> Iterator[Check]:
        yield from self.derivation.all_checks()
        yield from self.checks
        if self.data_fit is not None:
            yield from self.data_fit.checks
