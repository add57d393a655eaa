"""Least-squares problems and their solutions as data: the model, the derivation, the estimator, the checks.

A ``LsModel`` says which objective to minimize over which coefficients (in the user's names);
a ``LsSolution`` carries the matrix-calculus derivation of it, the closed-form estimator with
the condition for it to exist, the consequences (fitted values, residual orthogonality), and
the comparisons with a numeric solver.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from derive.matrix.model import MatGradient
from derive.matrix.expr import Node
from derive.core.contract import Verdict, is_certified


@dataclass(frozen=True, slots=True)
class LsModel:
    """One least-squares model: the objective (plain matrix syntax) over ``coef``, with declarations."""

    kind: str
    title: str
    objective: str
    coef: str
    design: str
    response: str
    lets: tuple[str, ...]
    wheres: tuple[str, ...] = ()
    penalty: str = ""
    weights: str = ""
    constraint: str = ""
    target: str = ""
    multiplier: str = ""


@dataclass(frozen=True, slots=True)
class Consequence:
    """An identity, certified numerically: a consequence of the solution (X^T e = 0) or a solving step."""

    name: str
    lhs: Node
    rhs: Node
    certificate: Verdict | None = None


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
class LsSolution:
    """The derivation of a least-squares estimator and everything that checks it."""

    model: LsModel
    derivation: MatGradient
    estimator: Node
    conditions: tuple[str, ...]
    consequences: tuple[Consequence, ...] = ()
    solve_steps: tuple[Consequence, ...] = ()
    """Solving beyond the engine's stationary point (the KKT system of constrained least squares)."""
    multiplier_gradient: Node | None = None
    solver_checks: tuple[tuple[str, Verdict], ...] = field(default=())
    data_fit: DataFit | None = None

    @property
    def certified(self) -> bool:
        identities = self.consequences + self.solve_steps
        return (self.derivation.certified and all(is_certified(c.certificate) for c in identities)
                and all(is_certified(v) for _, v in self.solver_checks))
