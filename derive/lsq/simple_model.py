"""Simple linear regression y_i = a + b x_i in summation form, as data: the steps, the estimator, the checks.

The derivation is scalar SymPy over ``Sum(..., (i, 1, n))`` with ``IndexedBase`` data, not matrix
algebra; each step carries two verdicts, a symbolic one (linearity of the sum, then algebra
with the sums as atoms) and a numeric one (random data at random small n).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from derive.lsq.model import DataFit
from derive.core.contract import Refuted, Verdict, is_certified

Claim = tuple[Any, Any]
"""Two SymPy expressions claimed equal (Any: SymPy ships no annotations)."""


@dataclass(frozen=True, slots=True)
class SimpleNames:
    """The user's names for the regressor, the response, the intercept and the slope."""

    x: str = "x"
    y: str = "y"
    a: str = "a"
    b: str = "b"


@dataclass(frozen=True, slots=True)
class SumStep:
    """One line ``lhs = rhs`` (or ``lhs <=> rhs`` for equations) by ``rule``, certified through ``claims``.

    ``claims`` are the identities that establish the line (for a solved equation: that the
    solution satisfies it); by default the line itself.
    """

    section: str
    rule: str
    lhs: Any
    rhs: Any
    justification: str
    claims: tuple[Claim, ...] = ()
    proof: Verdict | None = None
    probe: Verdict | None = None

    @property
    def to_check(self) -> tuple[Claim, ...]:
        return self.claims or ((self.lhs, self.rhs),)

    @property
    def certified(self) -> bool:
        """The numeric probes agree and the symbolic check did not refute."""
        return is_certified(self.probe) and not isinstance(self.proof, Refuted)


@dataclass(frozen=True, slots=True)
class SimpleSolution:
    """The summation-form derivation of simple regression and everything that checks it.

    ``symbols`` maps roles (x, y, a, b, n, i, xbar, ybar, S_xx, S_xy, ahat, bhat, S) to SymPy
    objects; ``definitions`` gives xbar, ybar, S_xx, S_xy in sums (substituted before checking).
    """

    names: SimpleNames
    symbols: dict[str, Any]
    objective: Any
    definitions: tuple[tuple[Any, Any], ...]
    steps: tuple[SumStep, ...]
    gradient: tuple[Any, Any]
    normal_equations: tuple[Any, Any]
    slope: Any
    intercept: Any
    slope_sums: Any
    intercept_sums: Any
    hessian: Any
    conditions: tuple[str, ...]
    solver_checks: tuple[tuple[str, Verdict], ...] = field(default=())
    data_fit: DataFit | None = None

    @property
    def certified(self) -> bool:
        return all(s.certified for s in self.steps) and all(is_certified(v) for _, v in self.solver_checks)
