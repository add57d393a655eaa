"""A derivation is data: an ordered chain of steps, each a certified equality.

Each ``Step`` rewrites pending ``Derivative`` nodes in ``before`` into ``after``
(so ``before.doit() == after.doit()``); the rules it applied are kept as data
for printers to walk. Presentational substitutions (u1 = x^2) live in the rules,
never in ``before``/``after``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import sympy as sp

from derive.core.contract import Verdict, is_certified


@dataclass(frozen=True, slots=True)
class Rule:
    """Base of all rules: ``target`` (a pending Derivative) rewrites to ``result``."""

    name: ClassVar[str] = "rule"

    target: sp.Expr
    result: sp.Expr


@dataclass(frozen=True, slots=True)
class Step:
    """One line of a derivation: ``before`` = ``after`` by ``rules`` (all of one kind)."""

    rule: str
    before: sp.Expr
    after: sp.Expr
    rules: tuple[Rule, ...]
    justification: str
    substeps: tuple[Derivation, ...] = ()
    certificate: Verdict | None = None


@dataclass(frozen=True, slots=True)
class Derivation:
    """The derivative of ``function`` with respect to ``wrt`` (in order), step by step."""

    source: str
    function: sp.Expr
    wrt: tuple[sp.Symbol, ...]
    steps: tuple[Step, ...]
    result: sp.Expr
    checks: tuple[tuple[str, Verdict], ...] = field(default=())

    @property
    def certified(self) -> bool:
        """Every step and every final check is Proved or Plausible."""
        return all(is_certified(s.certificate) for s in self.steps) and all(
            is_certified(v) for _, v in self.checks
        )

    @property
    def complete(self) -> bool:
        """Every step came from a named rule (none fell back to a whole-expression CAS call)."""
        return all(s.rule != "cas" for s in self.steps)


@dataclass(frozen=True, slots=True)
class Gradient:
    """Gradient (and optionally Hessian) of a scalar function of several scalars."""

    source: str
    function: sp.Expr
    variables: tuple[sp.Symbol, ...]
    partials: tuple[Derivation, ...]
    hessian: tuple[tuple[Derivation, ...], ...] | None = None
    checks: tuple[tuple[str, Verdict], ...] = field(default=())

    @property
    def gradient(self) -> sp.Matrix:
        return sp.Matrix([d.result for d in self.partials])

    @property
    def hessian_matrix(self) -> sp.Matrix | None:
        if self.hessian is None:
            return None
        return sp.Matrix([[d.result for d in row] for row in self.hessian])

    @property
    def certified(self) -> bool:
        parts = list(self.partials) + [d for row in self.hessian or () for d in row]
        return all(p.certified for p in parts) and all(is_certified(v) for _, v in self.checks)
