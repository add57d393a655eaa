"""The verdict on one step of a hand derivation: cheap exact tests first, then probing concrete instances, then
``simplify`` where the probes found no counterexample.

Relations: ``=`` (equal for every size, data set, matrix and function: see ``probe``), ``=`` up to
an additive constant and ``\\propto`` (the difference, or the ratio, does not change when the
scalar parameters do, sizes and data held), ``<``/``<=``/``>``/``>=`` (at every probe on the
declared domain; never proved), ``\\iff``/``\\implies`` between equations in one unknown (the
solution sets equal / contained, at random values of the other symbols). ``\\approx`` and ``\\neq``
are not checked: they are reported as unknown, never as true.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import replace

import sympy as sp

from derive.core.budget import Clock
from derive.core.contract import Certificate, Plausible, Proved, Refuted, Timeout, Unknown
from derive.core.errors import BudgetExceeded
from derive.core.work import run_counted
from derive.parse.expectation import has_moments
from derive.parse.vocabulary import as_sympy
from derive.certify.equal import combined_zero, counted_exponential_zero, proves
from derive.certify.probe import EVAL_ERRORS
from derive.checker.moments import differentiates_an_expectation, moment_names, normal_form, symbolic_equal
from derive.checker.probe import (
    CONFIRM_DIGITS, Declared, Point, draw_point, draw_scalar, free_scalars, instantiate, separate_free_indices,
    shape_of, value_of,
)

PROBES = 8
"""Agreeing probes needed for a plausible verdict."""

ATTEMPTS = 40
"""Probes tried at most (points where a side is undefined are skipped)."""

SYMBOLIC_WORK = 400_000
"""Python calls the symbolic attempt may spend (a count, so the verdict is the same on any machine)."""

REL_TOL = 1e-12
CONFIRM_TOL = 1e-25


def certify_step(lhs: sp.Basic, rhs: sp.Basic, relation: str, declared: Declared, clock: Clock, *,
                 up_to_constant: bool = False, seed: int = 0) -> Certificate:
    """The certificate of ``lhs relation rhs`` (relation as ``derive.parse.derivation`` names it)."""
    rng = random.Random(seed)
    lhs, rhs = separate_free_indices([as_sympy(lhs), as_sympy(rhs)])
    if declared.random is not None and any(differentiates_an_expectation(e) for e in (lhs, rhs)):
        lhs, rhs = normal_form(lhs, declared.random), normal_form(rhs, declared.random)
        if any(differentiates_an_expectation(e) for e in (lhs, rhs)):
            return Unknown("a derivative of an expectation that does not reduce to the declared moments is not "
                           "certified: the law may depend on the variable")
    try:
        if relation == "=" and up_to_constant:
            return _invariant(lhs, rhs, declared, clock, rng, ratio=False)
        if relation == "propto":
            return _invariant(lhs, rhs, declared, clock, rng, ratio=True)
        if relation == "=":
            return _equal(lhs, rhs, declared, clock, rng)
        if relation in ("<", "<=", ">", ">="):
            return _inequality(lhs, rhs, relation, declared, clock, rng)
        if relation in ("iff", "implies"):
            return _logical(lhs, rhs, relation, declared, clock, rng)
        return Unknown(f"the relation {relation!r} is not checked")
    except BudgetExceeded as exc:
        return Timeout(exc.message)


def _symbolic_zero(diff: sp.Basic) -> bool:
    """True when SymPy shows ``diff`` is 0 within the work allowance (False is no verdict)."""
    return _cheap_zero(diff) or _simplified_zero(diff)


def _cheap_zero(diff: sp.Basic) -> bool:
    """The cheap exact rungs (one fraction; in exponentials), each counted: True proves ``diff`` = 0."""
    # on an elementary difference only, combined_zero's own test: sums, derivatives, expectations and matrices go to
    # simplify alone
    return proves(lambda: combined_zero(diff), SYMBOLIC_WORK) or counted_exponential_zero(diff)


def _simplified_zero(diff: sp.Basic) -> bool:
    """SymPy's ``doit``/``expand``/``simplify`` within ``SYMBOLIC_WORK`` calls: True proves ``diff`` = 0."""
    def attempt() -> bool:
        d = diff.doit()
        if isinstance(d, (sp.MatrixBase, sp.MatrixExpr)):
            return False
        if d == 0 or sp.expand(d) == 0:
            return True
        return bool(sp.simplify(d) == 0)

    try:
        counted = run_counted(attempt, SYMBOLIC_WORK)
    except Exception:  # noqa: BLE001  SymPy's simplify can raise anything (StopIteration in sum_simplify)
        return False
    return bool(counted.value) if not counted.cut else False


def _equal(lhs: sp.Basic, rhs: sp.Basic, declared: Declared, clock: Clock, rng: random.Random) -> Certificate:
    if lhs == rhs:
        return Proved("both sides are identical")
    ls, rs = shape_of(lhs), shape_of(rhs)
    if ls != rs and not ({ls, rs} <= {None, (1, 1)}):
        sizes = draw_point([lhs, rhs], declared, rng, 3).sizes
        concrete = [None if s is None else tuple(int(as_sympy(d).xreplace(dict(sizes))) for d in s)
                    for s in (ls, rs)]
        return Refuted(tuple((k.name, str(v)) for k, v in sorted(sizes.items(), key=lambda kv: kv[0].name)),
                       f"a {_shape(concrete[0])}", f"a {_shape(concrete[1])}")
    moments = declared.random is not None and (has_moments(lhs) or has_moments(rhs))
    simple = ls is None and rs is None and not moments
    if simple and _cheap_zero(sp.Add(lhs, -rhs)):
        return Proved(_SIMPLIFIES)
    if declared.random is not None and ls is None and rs is None and moments:
        reduced = symbolic_equal(lhs, rhs, declared.random, lambda d: _symbolic_zero(d))
        if reduced:
            return Proved("both sides reduce to the same expression by linearity of expectation, "
                          "independence and the declared moments")
    numeric = _probe(lambda a, b, _p: _close(a, b), lhs, rhs, declared, clock, rng, "equal")
    # simplify only where the probes found no counterexample: a refuted step is wrong whatever simplify would do,
    # and a wrong step is where simplify works longest (to its allowance) for nothing
    if simple and not isinstance(numeric, Refuted) and _simplified_zero(sp.Add(lhs, -rhs)):
        return Proved(_SIMPLIFIES)
    return numeric


_SIMPLIFIES = "SymPy simplifies the difference of the two sides to 0"


def _shape(shape: tuple[int, ...] | None) -> str:
    return "scalar" if shape is None else f"{shape[0]} x {shape[1]} matrix"


def _close(a: list[complex], b: list[complex]) -> float | None:
    """The worst relative error of ``a`` against ``b``, or None when they differ."""
    if len(a) != len(b):
        return None
    scale = max([1.0] + [abs(v) for v in a + b])
    worst = max((abs(x - y) / scale for x, y in zip(a, b)), default=0.0)
    return worst if worst <= REL_TOL else None


def _real(values: list[complex]) -> bool:
    return all(abs(v.imag) <= 1e-12 * max(1.0, abs(v.real)) for v in values)


def _probe(compare: Callable[[list[complex], list[complex], Point], float | None], lhs: sp.Basic, rhs: sp.Basic,
           declared: Declared, clock: Clock, rng: random.Random, what: str) -> Certificate:
    agreed, worst, sizes = 0, 0.0, set()
    for index in range(ATTEMPTS):
        clock.check("checking a step")
        point = draw_point([lhs, rhs], declared, rng, index)
        a, b = value_of(lhs, point), value_of(rhs, point)
        if a is None or b is None or not (_real(a) and _real(b)):
            continue
        error = compare(a, b, point)
        if error is None:
            confirmed = _confirm(compare, lhs, rhs, point)
            if confirmed is not None:
                return confirmed
            continue
        worst = max(worst, error)
        agreed += 1
        sizes |= set(point.sizes.values())
        if agreed >= PROBES:
            break
    if agreed < PROBES // 2:
        return Unknown(f"too few points where both sides are defined ({agreed} of {ATTEMPTS} draws)")
    where = "random values on the declared domains"
    if sizes:
        where += f", sizes {min(sizes)} to {max(sizes)}, random data"
    return Plausible(agreed, where, worst)


def _confirm(compare: Callable[[list[complex], list[complex], Point], float | None], lhs: sp.Basic,
             rhs: sp.Basic, point: Point) -> Refuted | None:
    """A disagreement seen at 30 digits, recomputed at 60: the refutation, or None if it vanished."""
    a, b = value_of(lhs, point, CONFIRM_DIGITS), value_of(rhs, point, CONFIRM_DIGITS)
    if a is None or b is None or compare(a, b, point) is not None:
        return None
    return Refuted(point.text(), _values(a), _values(b))


def _values(values: list[complex]) -> str:
    if len(values) == 1:
        return f"{values[0].real:.10g}"
    return "[" + ", ".join(f"{v.real:.6g}" for v in values) + "]"


_TESTS: dict[str, Callable[[float, float, float], bool]] = {
    "<": lambda a, b, tol: a < b, "<=": lambda a, b, tol: a <= b + tol,
    ">": lambda a, b, tol: a > b, ">=": lambda a, b, tol: a >= b - tol,
}


def _inequality(lhs: sp.Basic, rhs: sp.Basic, relation: str, declared: Declared, clock: Clock,
                rng: random.Random) -> Certificate:
    if shape_of(lhs) is not None or shape_of(rhs) is not None:
        return Unknown("an inequality between matrices is not checked")
    test = _TESTS[relation]

    def compare(a: list[complex], b: list[complex], _p: Point) -> float | None:
        tol = 1e-12 * max(1.0, abs(a[0]), abs(b[0]))
        return 0.0 if test(a[0].real, b[0].real, tol) else None

    return _probe(compare, lhs, rhs, declared, clock, rng, relation)


def _invariant(lhs: sp.Basic, rhs: sp.Basic, declared: Declared, clock: Clock, rng: random.Random, *,
               ratio: bool) -> Certificate:
    """``lhs - rhs`` (or ``lhs / rhs``) is the same at two points that differ only in the parameters
    (sizes, data and matrices held): the sides differ by a constant (or a constant factor)."""
    parameters = [p for p in free_scalars([lhs, rhs]) if p.name not in moment_names(declared.random)]
    if not parameters:
        return Unknown("nothing to hold constant: the step has no parameters")
    what = "ratio" if ratio else "difference"
    names = ", ".join(p.name for p in parameters)
    law_parameters: set[sp.Basic] = set()
    for v in declared.random.variables.values() if declared.random is not None else ():
        for q in v.params if v.law is not None else ():
            law_parameters |= q.free_symbols
    if (has_moments(lhs) or has_moments(rhs)) and law_parameters & set(parameters):
        return Unknown(f"the {what} of expectations under a law that moves with its parameters is not checked")

    def combined(point: Point, digits: int = 30) -> list[complex] | None:
        a, b = value_of(lhs, point, digits), value_of(rhs, point, digits)
        if a is None or b is None or not (_real(a) and _real(b)):
            return None
        if ratio:
            return None if any(y == 0 for y in b) else [x / y for x, y in zip(a, b)]
        return [x - y for x, y in zip(a, b)]

    agreed, worst = 0, 0.0
    for index in range(ATTEMPTS):
        clock.check("checking a step")
        point = draw_point([lhs, rhs], declared, rng, index)
        moved = _moved(point, parameters, declared, rng)
        first, second = combined(point), combined(moved)
        if first is None or second is None:
            continue
        error = _close(first, second)
        if error is None:
            first, second = combined(point, CONFIRM_DIGITS), combined(moved, CONFIRM_DIGITS)
            if first is not None and second is not None and _close(first, second) is None:
                at = ", ".join(f"{p.name} = {float(moved.values[p]):.4g}" for p in parameters)
                return Refuted(point.text(), f"{_values(first)} ({what} of the sides)",
                               f"{_values(second)} at {at} instead")
            continue
        worst, agreed = max(worst, error), agreed + 1
        if agreed >= PROBES:
            break
    if agreed < PROBES // 2:
        return Unknown(f"too few points where both sides are defined ({agreed} of {ATTEMPTS} draws)")
    return Plausible(agreed, "pairs of random parameter values with the same sizes and data", worst,
                     note=f"the {what} of the two sides does not change with {names}")


def _moved(point: Point, parameters: Sequence[sp.Symbol], declared: Declared, rng: random.Random) -> Point:
    values = dict(point.values)
    for p in parameters:
        values[p] = draw_scalar(p, declared, rng)
    return replace(point, values=values)


def _logical(lhs: sp.Basic, rhs: sp.Basic, relation: str, declared: Declared, clock: Clock,
             rng: random.Random) -> Certificate:
    """Equations in one unknown: solution sets equal (iff) or contained (implies)."""
    if not (isinstance(lhs, sp.Equality) and isinstance(rhs, sp.Equality)):
        return Unknown("a logical step needs an equation on each side")
    if _is_matrix(lhs.lhs) or _is_matrix(rhs.lhs):
        return _matrix_logical(lhs, rhs, relation, declared, clock, rng)
    a, b = lhs.lhs - lhs.rhs, rhs.lhs - rhs.rhs
    shared = sorted(set(free_scalars([a])) & set(free_scalars([b])), key=lambda s: s.name)
    if not shared:
        return Unknown("the two equations share no unknown")
    x = _unknown(lhs, rhs, shared, declared)
    domain: sp.Set = sp.Reals
    dom = declared.domains.get(x.name)
    if dom is not None and (dom.lower is not None or dom.upper is not None):
        domain = sp.Interval(-sp.oo if dom.lower is None else dom.lower, sp.oo if dom.upper is None else dom.upper,
                             dom.lower is not None and dom.lower_strict, dom.upper is not None and dom.upper_strict)
    agreed = 0
    for index in range(6):
        clock.check("checking a logical step")
        point = draw_point([a, b], declared, rng, index)
        values = {s: v for s, v in point.values.items() if s != x}
        kept = replace(point, values=values)
        try:
            sa = _solutions(instantiate(a, kept), x, domain)
            sb = _solutions(instantiate(b, kept), x, domain)
        except EVAL_ERRORS:
            continue
        if sa is None or sb is None:
            return Unknown(f"SymPy could not solve the equations for {x.name}")
        missing = [s for s in sa if not _member(s, sb)]
        side = "left"
        if not missing and relation == "iff":
            missing = [s for s in sb if not _member(s, sa)]
            side = "right"
        if missing:
            given = tuple((k, v) for k, v in kept.text())
            root = f"{complex(missing[0]).real:.6g}"
            truth = ("true", "false") if side == "left" else ("false", "true")
            return Refuted(given + ((x.name, root),), *truth)
        agreed += 1
    return Plausible(agreed, f"random values of the other symbols; solutions for {x.name} compared",
                     0.0) if agreed else Unknown("no point where both equations could be solved")


def _is_matrix(e: sp.Basic) -> bool:
    return getattr(e, "shape", None) is not None


def _matrix_logical(lhs: sp.Equality, rhs: sp.Equality, relation: str, declared: Declared, clock: Clock,
                    rng: random.Random) -> Certificate:
    """Linear matrix equations in one matrix unknown (``X^T X \\beta = X^T y``): on concrete instances
    (sizes, the other matrices random), each equation's solutions for the unknown's entries compared."""
    a, b = sp.Add(lhs.lhs, -lhs.rhs), sp.Add(rhs.lhs, -rhs.rhs)
    mats_a = {m for m in sp.preorder_traversal(a) if isinstance(m, sp.MatrixSymbol)}
    mats_b = {m for m in sp.preorder_traversal(b) if isinstance(m, sp.MatrixSymbol)}
    shared = sorted({m.name for m in mats_a} & {m.name for m in mats_b})
    alone = [side.name for eq in (rhs, lhs) for side in (eq.lhs, eq.rhs)
             if isinstance(side, sp.MatrixSymbol) and side.name in shared]
    if not shared:
        return Unknown("the two matrix equations share no unknown")
    for unknown in dict.fromkeys(alone + shared):  # the first candidate both equations determine uniquely
        verdict = _matrix_solutions(a, b, unknown, declared, clock, rng)
        if verdict is not None:
            return verdict
    return Unknown("no unknown that both matrix equations determine uniquely")


def _matrix_solutions(a: sp.Basic, b: sp.Basic, unknown: str, declared: Declared, clock: Clock,
                      rng: random.Random) -> Certificate | None:
    """The two equations' solutions for ``unknown`` compared on a few draws (None: it is not determined)."""
    agreed = 0
    for index in range(4):
        clock.check("checking a logical step")
        point = draw_point([a, b], declared, rng, index)
        rows, cols = point.matrices[unknown].shape
        entries = sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"_u{i}_{j}", real=True))
        kept = replace(point, matrices={**point.matrices, unknown: sp.ImmutableMatrix(entries)})
        try:
            ea, eb = sp.Matrix(instantiate(a, kept)), sp.Matrix(instantiate(b, kept))
            found = [_linear_solution(list(e), list(entries)) for e in (ea, eb)]
        except EVAL_ERRORS + (NotImplementedError,):
            continue
        if found[0] is None or found[1] is None:
            continue  # not linear, or no unique solution at this draw (a singular system): try another
        sa, sb = [found[0]], [found[1]]
        same = all(abs(complex(sa[0][u]) - complex(sb[0][u])) <= 1e-12 * max(1.0, abs(complex(sa[0][u])))
                   for u in entries)
        if not same:
            return Refuted(point.text(), f"{unknown} = {_matrix_values(sa[0], entries)} solves the left equation",
                           f"the right one is solved by {_matrix_values(sb[0], entries)}")
        agreed += 1
    if not agreed:
        return None
    return Plausible(agreed, f"random matrices of the declared shapes; the solutions for {unknown} compared", 0.0)


def _linear_solution(equations: list[sp.Expr], unknowns: list[sp.Symbol]) -> dict[sp.Symbol, sp.Expr] | None:
    """The unique solution of linear equations with numeric coefficients (None if not linear or not unique)."""
    try:
        a, rhs = sp.linear_eq_to_matrix(equations, unknowns)
    except (sp.PolynomialError, ValueError, TypeError):
        return None
    if a.rows < a.cols:
        return None
    normal = a.T * a  # square; full column rank exactly when the solution is unique
    if abs(complex(normal.det())) < 1e-20:
        return None
    x = normal.LUsolve(a.T * rhs)
    if any(abs(complex(v)) > 1e-9 * max(1.0, float(abs(x).norm() if hasattr(x, "norm") else 1)) for v in a * x - rhs):
        return None  # overdetermined and inconsistent: no solution
    return dict(zip(unknowns, list(x)))


def _matrix_values(solution: dict[sp.Symbol, sp.Expr], entries: sp.Matrix) -> str:
    return "[" + "; ".join(", ".join(f"{float(solution[entries[i, j]]):.4g}" for j in range(entries.cols))
                           for i in range(entries.rows)) + "]"


def _unknown(lhs: sp.Equality, rhs: sp.Equality, shared: Sequence[sp.Symbol], declared: Declared) -> sp.Symbol:
    """The symbol the equations are solved for: one standing alone on a side (``z = \\log ...``), else
    the one without a declared domain, else the first by name."""
    for eq in (rhs, lhs):
        for side in (eq.lhs, eq.rhs):
            if side in shared:
                return side
    free = [s for s in shared if s.name not in declared.domains]
    return (free or list(shared))[0]


def _solutions(expr: sp.Expr, x: sp.Symbol, domain: sp.Set) -> list[sp.Expr] | None:
    counted = run_counted(lambda: sp.solveset(expr, x, domain), SYMBOLIC_WORK)
    if counted.cut:
        return None
    found = counted.value
    if found is sp.S.EmptySet:
        return []
    if not isinstance(found, sp.FiniteSet):
        return None
    return [sp.N(v, 30) for v in found]


def _member(v: sp.Expr, values: Sequence[sp.Expr] | set[sp.Expr]) -> bool:
    return any(abs(complex(v) - complex(w)) <= 1e-12 * max(1.0, abs(complex(v))) for w in values)


equation_unknown = _unknown
"""The symbol a logical step solves for (public: the diagnosis of a refuted ``\\iff`` solves the same way)."""
solutions_in = _solutions
"""The numerical solutions of ``expr = 0`` for one symbol on a domain (None when SymPy cannot tell)."""

__all__ = ["certify_step", "equation_unknown", "instantiate", "solutions_in"]
