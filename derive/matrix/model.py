"""Matrix-calculus derivations as data: differential steps, identification, results, checks.

A ``MatStep`` rewrites pending differentials ``d(...)`` in ``before`` into ``after`` by
one kind of rule (or rearranges an identity); a ``MatGradient`` holds the chain for the
gradient, the chain for the Hessian, and the consequences (stationary point, definiteness).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from derive.core.contract import NOT_CHECKED, Certificate, Certified, Check, Step
from derive.matrix.expr import Commutation, MatSym, Node, plain, walk
from derive.parse.shapes import ShapeDecl

MatTex = Callable[[Node], str]
"""A matrix-expression printer handed to rules by a LaTeX printer."""


@dataclass(frozen=True, slots=True)
class MatRule:
    """Base of matrix rules: the pending ``target`` rewrites to ``result``.

    A rule says what it did three ways: ``name`` (JSON's ``rule``), ``words()`` (one line of
    Unicode text) and ``latex(mtex)`` (text-mode LaTeX, maths between ``$``). The class docstring
    is the identity as Magnus and Neudecker state it.
    """

    name: ClassVar[str] = "matrix rule"
    phrase: ClassVar[str] = ""
    tex: ClassVar[str] = ""

    target: Node
    result: Node

    def words(self) -> str:
        return self.phrase or self.name

    @classmethod
    def justify(cls, rules: Sequence[MatRule]) -> str:
        """The justification of a step headed by a rule of this kind (``rules`` may add d(X) = dX)."""
        return "; ".join(dict.fromkeys(r.words() for r in rules))

    def latex(self, mtex: MatTex) -> str:
        return self.tex or self.name


@dataclass(frozen=True, slots=True, kw_only=True)
class MatStep(Step):
    """One line of a matrix derivation: ``before`` = ``after`` by ``rules`` (one kind, plus d(X) = dX)."""


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
    certificate: Certificate = NOT_CHECKED
    eigen: tuple[Node, Any] | None = None
    """(A, λ) when the condition is the eigenproblem A v = λ v (``invertible`` is A − λI, the
    right side 0): besides v = 0, every eigenvector of A for the eigenvalue λ is stationary."""

    @property
    def condition(self) -> str:
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

    def describe(self) -> str:
        """``positive semidefinite; positive definite when ...: reason``."""
        word = self.verdict.split()[0]
        strict = f"; {word} definite when {self.strict}" if self.strict and "semidefinite" in self.verdict else ""
        return f"{self.verdict}{strict}: {self.reason}"


@dataclass(frozen=True, slots=True)
class MatGradient(Certified):
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
    checks: tuple[Check, ...] = field(default=())
    """Required checks (finite differences, exact at small sizes) and reported ones (SymPy's own answer)."""

    def all_steps(self) -> Iterator[Step]:
        return iter(self.steps + self.hessian_steps)

    def all_checks(self) -> Iterator[Check]:
        yield from self.checks
        if self.stationary is not None:
            yield Check(STATIONARY_CHECK, self.stationary.certificate)


STATIONARY_CHECK = "gradient vanishes at the stationary point"


@dataclass(frozen=True, slots=True)
class MatJacobian(Certified):
    """The Jacobian of a vector- (or matrix-) valued function of one vector or matrix, by differentials.

    Numerator layout: for f with m entries and x with p, J is m x p with J_ij = ∂f_i/∂x_j, read
    off df = J dx; for a matrix argument or a matrix value, off vec(df) = J vec(dX) (``vec`` set).
    """

    source: str
    function: Node
    wrt: MatSym
    shapes: tuple[ShapeDecl, ...]
    steps: tuple[MatStep, ...]
    jacobian: Node
    vec: bool = False
    notes: tuple[str, ...] = ()
    checks: tuple[Check, ...] = field(default=())

    def all_steps(self) -> Iterator[Step]:
        return iter(self.steps)

    def all_checks(self) -> Iterator[Check]:
        return iter(self.checks)

    @property
    def layout(self) -> str:
        """The layout, said in words beside the result."""
        x = self.wrt.name
        if self.vec:
            k = "; K is the commutation matrix" if any(isinstance(n, Commutation) for n in walk(self.jacobian)) else ""
            return (f"numerator layout: vec(df) = J vec(d{x}), row i of J holds the partials of the i-th entry of "
                    f"vec(f) (vec stacks columns{k})")
        return (f"numerator layout: df = J d{x}, J_ij = ∂f_i/∂{x}_j (one row per entry of f, one column per "
                f"entry of {x})")


@dataclass(frozen=True, slots=True)
class JointSolution:
    """Where every gradient vanishes at once, solved one variable at a time.

    ``solved`` lists (variable, its solution, the solution as its own gradient gave it, the names
    substituted into it) in the order solved: μ̂ = x̄ from ∇_μ f = 0 first, then Σ̂ = S/n from
    ∇_Σ f = 0 with μ = μ̂. ``certificate``: every gradient vanishes at the joint point.
    """

    solved: tuple[tuple[MatSym, Node, Node, tuple[str, ...]], ...]
    certificate: Certificate = NOT_CHECKED


@dataclass(frozen=True, slots=True)
class MatGradients(Certified):
    """The gradients of one scalar function with respect to several vectors or matrices (μ and Σ).

    Each partial is a whole ``MatGradient`` (derived, identified and certified alone); ``joint``
    solves the stationary system where each variable's own condition is solved and the solutions
    can be substituted one into the next; ``notes`` say why not otherwise.
    """

    source: str
    function: Node
    shapes: tuple[ShapeDecl, ...]
    parts: tuple[MatGradient, ...]
    joint: JointSolution | None = None
    notes: tuple[str, ...] = ()

    def all_steps(self) -> Iterator[Step]:
        for g in self.parts:
            yield from g.all_steps()

    def all_checks(self) -> Iterator[Check]:
        for g in self.parts:
            yield from g.all_checks()
        if self.joint is not None:
            yield self.joint_check

    @property
    def joint_check(self) -> Check:
        return Check(JOINT_CHECK, NOT_CHECKED if self.joint is None else self.joint.certificate)

    def part(self, name: str) -> MatGradient:
        """The gradient by the variable ``name``."""
        return next(g for g in self.parts if g.wrt.name == name)


JOINT_CHECK = "every gradient vanishes at the joint stationary point"
