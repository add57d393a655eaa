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
    """Columns of a CSV file to fit: the regressors, the response, optional weights, the penalty."""

    path: Path
    x: tuple[str, ...]
    y: str
    weights: str = ""
    lam: float | None = None
    intercept: bool = False


@dataclass(frozen=True, slots=True)
class DataFit:
    """The estimator on the user's data, beside a reference solver's numbers."""

    columns: tuple[str, ...]
    estimate: tuple[float, ...]
    reference: tuple[float, ...]
    reference_name: str
    rows: int
    max_abs_difference: float
    note: str = ""


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
