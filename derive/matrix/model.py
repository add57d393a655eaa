"""Matrix-calculus derivations as data: differential steps, identification, results, checks.

A ``MatStep`` rewrites pending differentials ``d(...)`` in ``before`` into ``after`` by
one kind of rule (or rearranges an identity); a ``MatGradient`` holds the chain for the
gradient, the chain for the Hessian, and the consequences (stationary point, definiteness).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from derive.matrix.expr import MatSym, Node
from derive.parse.shapes import ShapeDecl
from derive.core.contract import Verdict, is_certified


@dataclass(frozen=True, slots=True)
class MatRule:
    """Base of matrix rules: the pending ``target`` rewrites to ``result``."""

    name: ClassVar[str] = "matrix rule"

    target: Node
    result: Node


@dataclass(frozen=True, slots=True)
class MatStep:
    """One line: ``before`` = ``after`` by ``rules`` (all of one kind)."""

    rule: str
    before: Node
    after: Node
    rules: tuple[MatRule, ...]
    justification: str
    certificate: Verdict | None = None


@dataclass(frozen=True, slots=True)
class Stationary:
    """Where the gradient vanishes: the normal equations, the solution, and when it exists.

    The solution exists and is unique when ``invertible`` is invertible; ``when`` says when that
    holds ("X has full column rank or lam > 0"), or is empty when nothing structural is known.
    """

    equation_lhs: Node
    equation_rhs: Node
    solution: Node
    invertible: Node
    when: str = ""
    certificate: Verdict | None = None

    @property
    def condition(self) -> str:
        from derive.matrix.expr import plain

        head = f"{plain(self.invertible)} is invertible"
        if self.when.startswith("always"):
            return f"{head}: {self.when}"
        return f"{head}: it is when {self.when}" if self.when else head


@dataclass(frozen=True, slots=True)
class Definiteness:
    """What the Hessian is (positive semidefinite, ...) and why; ``strict`` says when it is definite."""

    verdict: str
    reason: str
    strict: str = ""


@dataclass(frozen=True, slots=True)
class MatGradient:
    """The gradient of a scalar function of one matrix or vector, derived with differentials."""

    source: str
    function: Node
    wrt: MatSym
    shapes: tuple[ShapeDecl, ...]
    steps: tuple[MatStep, ...]
    gradient: Node
    hessian_steps: tuple[MatStep, ...] = ()
    hessian: Node | None = None
    stationary: Stationary | None = None
    definiteness: Definiteness | None = None
    notes: tuple[str, ...] = ()
    checks: tuple[tuple[str, Verdict], ...] = field(default=())
    comparisons: tuple[tuple[str, Verdict], ...] = field(default=())

    @property
    def certified(self) -> bool:
        """Every step, the stationary point and every required check is Proved or Plausible.

        ``comparisons`` (with SymPy's own answer) are reported but not required: SymPy is
        known to be wrong on some of these inputs.
        """
        steps = self.steps + self.hessian_steps
        ok = all(is_certified(s.certificate) for s in steps) and all(is_certified(v) for _, v in self.checks)
        if self.stationary is not None:
            ok = ok and is_certified(self.stationary.certificate)
        return ok
