"""A scalar derivation is data: an ordered chain of steps, each a certified equality.

Each ``DiffStep`` rewrites pending ``Derivative`` nodes in ``before`` into ``after`` (so
``before.doit() == after.doit()``); the rules it applied are kept as data for printers to walk.
A ``Rule`` carries its own meaning (formula, words, LaTeX); presentational substitutions
(u1 = x^2) live in the rules, never in ``before``/``after``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import sympy as sp

from derive.core.contract import Certified, Check, Step
from derive.parse.order import TermOrder

Tex = Callable[[sp.Basic], str]
"""An expression printer handed to rules by a LaTeX printer (its notation, e.g. partial d)."""


@dataclass(frozen=True, slots=True)
class Rule:
    """Base of all rules: ``target`` (a pending Derivative) rewrites to ``result``.

    A rule says what it did three ways: ``name`` (the fixed vocabulary of JSON's ``rule``),
    ``words()`` (one line of plain text) and ``latex(tex)`` (text-mode LaTeX, maths between
    ``$``). The class docstring is the rule as a textbook states it.
    """

    name: ClassVar[str] = "rule"
    phrase: ClassVar[str] = ""

    target: sp.Expr
    result: sp.Expr

    @classmethod
    def match(cls, expr: sp.Expr, x: sp.Symbol, target: sp.Derivative) -> Rule | None:
        """This rule applied to ``target`` = d/dx ``expr``, or None where it does not fit.

        Rules the engine adds itself (partial, higher order, simplify) never fit an expression.
        """
        return None

    def words(self) -> str:
        """This application in one line of plain text."""
        return self.phrase or f"{self.name} rule"

    @classmethod
    def justify(cls, rules: Sequence[Rule]) -> str:
        """The justification of a step that applied ``rules`` (all of this kind)."""
        return "; ".join(dict.fromkeys(r.words() for r in rules))

    def latex(self, tex: Tex) -> str:
        """This application as text-mode LaTeX for a justification column."""
        return f"{self.name} rule"


@dataclass(frozen=True, slots=True, kw_only=True)
class DiffStep(Step):
    """One line of a scalar derivation: ``before`` = ``after`` by ``rules`` (all of one kind)."""


@dataclass(frozen=True, slots=True)
class Derivation(Certified):
    """The derivative of ``function`` with respect to ``wrt`` (in order), step by step."""

    source: str
    function: sp.Expr
    wrt: tuple[sp.Symbol, ...]
    steps: tuple[DiffStep, ...]
    result: sp.Expr
    checks: tuple[Check, ...] = field(default=())
    notes: tuple[str, ...] = ()
    """What a limit cut, or anything else a reader must know (printed with the result)."""
    order: TermOrder = field(default_factory=TermOrder)
    """How the user typed ``function`` (printers keep that order)."""
    held: tuple[sp.Symbol, ...] = ()
    """The other variables, held constant in a partial derivative (said beside the first line)."""
    working: sp.Expr | None = None
    """The result before its final forms (shortest, teacher's): what a further derivative starts from."""

    def all_steps(self) -> Iterator[Step]:
        return iter(self.steps)

    @property
    def shown(self) -> sp.Expr:
        """The result as printed: the last step's form (``result`` is SymPy's canonical form of it)."""
        return self.steps[-1].after if self.steps else self.result

    def all_checks(self) -> Iterator[Check]:
        return iter(self.checks)

    @property
    def complete(self) -> bool:
        """Every step came from a named rule (none fell back to a whole-expression CAS call)."""
        return all(s.rule != "cas" for s in self.steps)


@dataclass(frozen=True, slots=True)
class Gradient(Certified):
    """Gradient (and optionally Hessian) of a scalar function of several scalars."""

    source: str
    function: sp.Expr
    variables: tuple[sp.Symbol, ...]
    partials: tuple[Derivation, ...]
    hessian: tuple[tuple[Derivation, ...], ...] | None = None
    checks: tuple[Check, ...] = field(default=())
    order: TermOrder = field(default_factory=TermOrder)
    """How the user typed ``function`` (printers keep that order)."""

    @property
    def derivations(self) -> tuple[Derivation, ...]:
        """Every partial, then every Hessian entry (row by row)."""
        return self.partials + tuple(d for row in self.hessian or () for d in row)

    def all_steps(self) -> Iterator[Step]:
        return (s for d in self.derivations for s in d.steps)

    def all_checks(self) -> Iterator[Check]:
        yield from (c for d in self.derivations for c in d.checks)
        yield from self.checks

    @property
    def gradient(self) -> sp.Matrix:
        return sp.Matrix([d.result for d in self.partials])

    @property
    def shown_gradient(self) -> sp.Matrix:
        """The gradient as printed (each partial in its teacher's form)."""
        return sp.Matrix([d.shown for d in self.partials])

    @property
    def shown_hessian(self) -> sp.Matrix | None:
        """The Hessian as printed."""
        if self.hessian is None:
            return None
        return sp.Matrix([[d.shown for d in row] for row in self.hessian])

    @property
    def hessian_matrix(self) -> sp.Matrix | None:
        if self.hessian is None:
            return None
        return sp.Matrix([[d.result for d in row] for row in self.hessian])
