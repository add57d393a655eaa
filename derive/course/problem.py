"""A problem: metadata, parameters drawn from a seeded grid, constraints, the question, and the
derivation that solves it.

Authors write a problem in Python (a script under a library folder that leaves ``problem = Problem(...)``)
or take a built-in kind from a TOML sheet (``derive.course.kinds``). ``draw(problem, seed)`` tries the
first ``limit`` points of the grid in the seed's order and returns the first that passes the declared
constraints and the kind's own test of degeneracy (a counted, bounded search: never a retry loop);
``solve(draw)`` runs the derivation through the Python API and returns its result with the answers,
which must be certified.
"""
from __future__ import annotations

import sympy as sp
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from derive.core.errors import DeriveError, UsageError
from derive.course.constraints import Constraint, parse_constraint
from derive.course.params import Domain, Grid, Number, Value, as_domain
from derive.course.seeds import candidates, seed_of
from derive.course.template import fill
from derive.export.questions import Answer

DEFAULT_LIMIT = 2000
"""Grid points a draw tries at most before it says no valid draw exists."""


class NoValidDraw(DeriveError, ValueError):
    """Every candidate draw tried was excluded by a constraint (or the grid has too few distinct answers)."""


class NotCertified(DeriveError, ArithmeticError):
    """A problem's solution (or one of its answers) is not certified: the variant fails, it is not shipped."""


@dataclass(frozen=True)
class Draw:
    """One draw of a problem: its seed, the grid point and the parameters' values there."""

    problem: str
    seed: int
    index: int
    tried: int
    values: Mapping[str, Value]

    def __getitem__(self, name: str) -> Value:
        return self.values[name]

    def expr(self, template: str, *, point: int | None = None) -> str:
        """``template`` with the values substituted as numbers, for our parser (``"{a}*x^2"`` -> ``"3*x^2"``)."""
        return fill(template, self.values, expression=True, what=f"problem {self.problem}", point=point)

    def text(self, template: str) -> str:
        """``template`` with the values substituted as numbers, for prose (``$...$`` maths kept)."""
        return fill(template, self.values, expression=False, what=f"problem {self.problem}")

    def exact(self) -> dict[str, sp.Rational]:
        """The scalar values as exact SymPy rationals (for constraints)."""
        return {k: sp.Rational(str(v)) for k, v in self.values.items() if not isinstance(v, tuple)}


@dataclass(frozen=True)
class Solution:
    """What ``solve`` returns: the derivation result (shown as the worked solution) and its answers.

    ``result`` is what ``derive.diff``, ``grad``, ``ls``, ``mle`` or ``check`` returned; ``answers``
    are read off it; ``note`` is prose printed under the worked solution.
    """

    result: Any
    answers: tuple[Answer, ...]
    intro: str = ""


@dataclass(frozen=True)
class Problem:
    """A problem with parameters.

    ``params``: name -> ``Int``/``Decimal``/``Choice`` (finite); ``constraints``: comparisons the draw
    must satisfy (``"a != b"``); ``question``: prose with ``$...$`` maths and ``{name}`` fields;
    ``math``: the question's displayed formula as an expression template in our grammar (may be
    ``""``); ``solve(draw)`` -> ``Solution``; ``degenerate(draw)`` -> a reason the draw is excluded,
    or None (the kind's own test: a singular design, a sample whose estimate leaves the space);
    ``key(draw)``: an answer computed cheaply and independently (no derivation) so that variants can
    be kept distinct; by default the parameters themselves. ``display(draw)`` (trusted LaTeX made by
    code from numbers: a data table) and ``ask(draw)`` (the question's prose) replace ``math`` and
    ``question`` when the kind builds them; ``stats(draw)`` adds names constraints may use.
    ``prepare(draw)`` derives what every draw shares (a model's derivation, the formulas of its
    summary), once, on the first variant's draw, when a sheet's build is planned: the derive
    engines keep what they certified, so the build's workers (forked from the planner) only do
    each draw's own part.
    """

    id: str
    title: str
    question: str
    solve: Callable[[Draw], Solution]
    params: Mapping[str, Domain] = field(default_factory=dict)
    constraints: Sequence[str] = ()
    math: str = ""
    topics: tuple[str, ...] = ()
    difficulty: int = 1
    points: float = 1.0
    degenerate: Callable[[Draw], str | None] | None = None
    key: Callable[[Draw], object] | None = None
    stats: Callable[[Draw], Mapping[str, sp.Rational]] | None = None
    display: Callable[[Draw], str] | None = None
    ask: Callable[[Draw], str] | None = None
    prepare: Callable[[Draw], object] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id or not all(c.isalnum() or c in "-_" for c in self.id):
            raise UsageError(f"problem id {self.id!r}: use letters, digits, - and _")
        for name in ("title", "question", "math"):
            if not isinstance(getattr(self, name), str):
                raise UsageError(f"problem {self.id}: {name} must be text")
        if not callable(self.solve):
            raise UsageError(f"problem {self.id}: solve must be a function of the draw")
        if isinstance(self.constraints, str):
            object.__setattr__(self, "constraints", (self.constraints,))
        object.__setattr__(self, "params", {k: as_domain(v) for k, v in dict(self.params).items()})
        object.__setattr__(self, "topics", tuple(self.topics))
        if isinstance(self.difficulty, bool) or not isinstance(self.difficulty, int):
            raise UsageError(f"problem {self.id}: difficulty must be a whole number")
        if isinstance(self.points, bool) or not isinstance(self.points, (int, float)) or not self.points > 0:
            raise UsageError(f"problem {self.id}: points must be a positive number")

    def question_text(self, d: Draw) -> str:
        """The question's prose for this draw (``$...$`` maths, numbers filled in)."""
        return self.ask(d) if self.ask is not None else d.text(self.question)

    def math_latex(self, d: Draw) -> str:
        """The question's displayed formula for this draw: our LaTeX of the filled template, or ``display``."""
        if self.display is not None:
            return self.display(d)
        if not self.math:
            return ""
        import derive

        return derive.latex(d.expr(self.math))

    def with_params(self, overrides: Mapping[str, Domain]) -> Problem:
        """The problem with some parameter domains replaced (a sheet's overrides)."""
        unknown = sorted(set(overrides) - set(self.params))
        if unknown:
            raise UsageError(f"problem {self.id}: no parameter {', '.join(unknown)} to override",
                             hint=f"its parameters: {', '.join(sorted(self.params)) or 'none'}")
        from dataclasses import replace

        return replace(self, params={**self.params, **overrides})

    def grid(self) -> Grid:
        return Grid(self.params)

    def parsed_constraints(self) -> tuple[Constraint, ...]:
        return tuple(parse_constraint(c, f"problem {self.id}") for c in self.constraints)


@dataclass(frozen=True)
class DrawStats:
    """How a draw went: candidates tried, and how many each reason excluded."""

    tried: int
    excluded: Mapping[str, int]


def valid(problem: Problem, d: Draw, constraints: Sequence[Constraint]) -> str | None:
    """Why ``d`` is excluded (the first failing constraint or the kind's reason), or None."""
    values: dict[str, Any] = d.exact()
    if problem.stats is not None:
        values.update(problem.stats(d))
    for c in constraints:
        if not c.holds(values):
            return f"constraint {c.text!r}"
    if problem.degenerate is not None:
        return problem.degenerate(d)
    return None


def draw(problem: Problem, seed: int, *, limit: int = DEFAULT_LIMIT,
         taken: Callable[[Draw], bool] | None = None, tally: dict[str, int] | None = None) -> Draw:
    """The first valid point of the grid in the order of ``seed`` among the first ``limit`` tried.

    ``taken(draw)`` rejects a valid draw too (an answer another variant has); ``tally`` counts the
    reasons of exclusion. Raises ``NoValidDraw`` naming them when none of the candidates is valid.
    """
    grid = problem.grid()
    constraints = problem.parsed_constraints()
    pseed = seed_of(seed, problem.id)
    counts: dict[str, int] = {} if tally is None else tally
    tried = 0
    for index in candidates(pseed, grid.size, limit):
        tried += 1
        d = Draw(problem.id, pseed, index, tried, grid.at(index))
        reason = valid(problem, d, constraints)
        if reason is None and taken is not None and taken(d):
            reason = "an answer another variant has"
        if reason is None:
            return d
        counts[reason] = counts.get(reason, 0) + 1
    why = "; ".join(f"{n} by {r}" for r, n in sorted(counts.items(), key=lambda kv: -kv[1])[:3])
    raise NoValidDraw(f"problem {problem.id}: no valid draw among {tried} of the {grid.size} parameter "
                      f"combinations tried" + (f" (excluded: {why})" if why else ""),
                      hint="widen the parameter ranges or relax the constraints")


def number_answer(name: str, value: Number | float | sp.Expr, *, tolerance: float = 0.0, latex: str = "") -> Answer:
    """A numeric answer from an exact or float value."""
    v = float(value) if not isinstance(value, sp.Expr) else float(sp.N(value, 17))
    text = repr(v) if not isinstance(value, int) else str(value)
    return Answer(name=name, kind="numeric", value=v, text=text, latex=latex or text, tolerance=tolerance)


def symbolic_answer(name: str, expr: sp.Expr) -> Answer:
    """A formula answer: plain text a student types (``^`` for powers) and our LaTeX."""
    from derive.render.notation.latex import tex

    return Answer(name=name, kind="symbolic", value=None, text=plain(expr), latex=tex(expr))


def plain(expr: sp.Expr) -> str:
    """``expr`` as a student types it: ``2*x*exp(x^2)``."""
    return sp.sstr(expr).replace("**", "^")
