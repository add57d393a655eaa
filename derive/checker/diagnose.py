"""Which usual slip explains a refuted step: tried one by one on concrete instances, the first that fits.

Each slip is a repair of the right side; a repair fits when the repaired right side equals the left
side at every probe (the probes of ``probe``: several sizes, data sets, matrices, stand-in
functions). The slips, in the order tried: a transposition (a missing transpose, a reversed
product), 2Ax for a non-symmetric A, a missing chain factor (of a derivative step, also inside a
sum), a sign flip, a missing or extra factor of the whole right side (2, 1/2, n, 1/n, ...), then in
each term of every sum of the right side, at any depth (a numerator, a denominator, a bracket): a
sign flip, a factor, an extra term; a dropped term, a power off by one, an index that escaped its
sum. An equivalence or implication between equations (``\\iff``, ``\\implies``) is repaired the
same way, one side of the right equation at a time, and a repair fits when it keeps every solution
of the left equation (and, for ``\\iff``, adds none); failing that, the correct solutions are named.
The hint (``model.Hint``) names the slip with its mathematics as SymPy objects; it is a diagnosis,
not a certificate.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import sympy as sp
from sympy.tensor.indexed import IndexException

from derive.core.budget import Clock
from derive.core.work import run_counted
from derive.checker.certify import certify_step, equation_unknown, solutions_in
from derive.checker.model import Hint
from derive.checker.probe import Declared, Point, draw_point, free_scalars, instantiate, size_symbols, value_of

PROBES = 5
TOL = 1e-9
TIDY_WORK = 200_000
"""Python calls the tidy-up of an expected side may spend (counted, so the same on every machine)."""
MAX_CANDIDATES = 400
"""Repairs tried on one step at most (a long right side has many terms at many depths)."""
EQUATION_POINTS = 3

_BUILD_ERRORS = (TypeError, ValueError, AttributeError, sp.ShapeError, NotImplementedError, ZeroDivisionError,
                 IndexException)


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """The slip that fits (``hint``) and, where known, the right side it should have been."""

    hint: Hint
    expected: sp.Basic | None = None


Candidate = tuple[Hint, Callable[[], sp.Basic]]
"""A slip and how to build its repair: built by ``_first_fit`` right after it is drawn (the generator is
paused at that ``yield``, so the loop variables the builder reads are those of this candidate), and a
repair SymPy refuses to build (a scalar times a matrix it rejects, an equation that evaluates to
False) is skipped without ending the generator."""


def _hint(kind: str, *parts: object) -> Hint:
    return Hint(kind, tuple(p for p in parts if not (isinstance(p, str) and not p)))


def diagnose(lhs: sp.Basic, rhs: sp.Basic, declared: Declared, clock: Clock, seed: int = 0) -> Diagnosis | None:
    """The first usual slip that explains ``lhs = rhs`` being false, or None."""
    escaped = _escaped_index(lhs, rhs)
    if escaped:
        return Diagnosis(escaped)
    rng = random.Random(seed)
    points = _points([lhs, rhs], declared, rng)
    if not points:
        return None
    target = [value_of(lhs, p) for p in points]
    if any(t is None for t in target):
        return None

    def fits(candidate: sp.Basic) -> bool:
        clock.check("diagnosing a step")
        for p, t in zip(points, target):
            v = value_of(candidate, p)
            if v is None or t is None or not _same(v, t):
                return False
        return True

    found = _first_fit(_candidates(lhs, rhs), fits)
    if found is not None:
        return Diagnosis(found[0], _tidy(found[1]))
    difference = _difference(lhs, rhs)
    if difference is not None and fits(rhs + difference):
        return Diagnosis(_hint("difference", "the two sides differ by ", difference))
    return None


def _first_fit(candidates: Iterator[Candidate], fits: Callable[[sp.Basic], bool]) -> tuple[Hint, sp.Basic] | None:
    for tried, (hint, build) in enumerate(candidates):
        if tried >= MAX_CANDIDATES:
            break
        try:
            candidate = build()
        except _BUILD_ERRORS:
            continue
        if fits(candidate):
            return hint, candidate
    return None


def diagnose_equations(lhs: sp.Basic, rhs: sp.Basic, relation: str, declared: Declared, clock: Clock,
                       seed: int = 0) -> Diagnosis | None:
    """The slip in the right equation of ``lhs \\iff rhs`` (or ``\\implies``), or the correct solutions."""
    if not (isinstance(lhs, sp.Equality) and isinstance(rhs, sp.Equality)) or _is_matrix(lhs.lhs) \
            or _is_matrix(rhs.lhs):
        return None
    a, b = lhs.lhs - lhs.rhs, rhs.lhs - rhs.rhs
    shared = sorted(set(free_scalars([a])) & set(free_scalars([b])), key=lambda s: s.name)
    if not shared:
        return None
    x = equation_unknown(lhs, rhs, shared, declared)
    domain = _domain(x, declared)
    rng = random.Random(seed)
    instances: list[tuple[Point, list[sp.Expr]]] = []
    for index in range(EQUATION_POINTS * 3):
        clock.check("diagnosing a logical step")
        p = draw_point([a, b], declared, rng, index)
        kept = replace(p, values={s: v for s, v in p.values.items() if s != x})
        try:
            roots = solutions_in(instantiate(a, kept), x, domain)
        except _BUILD_ERRORS:
            continue
        if roots:
            instances.append((kept, roots))
        if len(instances) >= EQUATION_POINTS:
            break
    if not instances:
        return None

    def keeps_roots(candidate: sp.Basic) -> bool:
        clock.check("diagnosing a logical step")
        for kept, roots in instances:
            for r in roots:
                v = value_of(candidate, replace(kept, values={**kept.values, x: r}))
                if v is None or not _same(v, [0j] * len(v)):
                    return False
        return True

    def fits(candidate: sp.Basic) -> bool:
        if not isinstance(candidate, sp.Equality) or not keeps_roots(candidate.lhs - candidate.rhs):
            return False
        return certify_step(lhs, candidate, relation, declared, clock, seed=seed).certified

    roots = _exact_solutions(a, x, domain)
    found = _first_fit(_equation_candidates(rhs, x, roots, _factors([a, b])), fits)
    if found is not None:
        return Diagnosis(found[0], found[1])
    return _correct_solutions(roots, x)


def _equation_candidates(rhs: sp.Equality, x: sp.Symbol, roots: list[sp.Expr] | None,
                         factors: list[sp.Expr]) -> Iterator[Candidate]:
    """Repairs of the right equation: its solutions' sign (``x`` for ``-x``), then each side's usual slips."""
    flipped = rhs.xreplace({x: -x})
    yield _hint("sign", "a sign flip: the solutions have the wrong sign (", x, " where ", -x,
                " is meant)"), lambda: sp.Eq(flipped.lhs, flipped.rhs, evaluate=False)
    left, right = rhs.lhs, rhs.rhs
    sides: tuple[tuple[str, sp.Basic, Callable[[sp.Basic], sp.Equality]], ...] = (
        ("the left side of the equation", left, lambda c: sp.Eq(c, right, evaluate=False)),
        ("the right side of the equation", right, lambda c: sp.Eq(left, c, evaluate=False)))
    for where, side, build in sides:
        if side == x:
            continue  # the unknown standing alone is not where the slip is (x = 2 log 2 for x = log 2 / 2)
        for hint, c in _side_candidates(side, where, factors):
            yield hint, lambda: build(c())
    if roots and x not in (left, right):
        yield from _dropped_from_equation(left, right, x, roots[0])


def _dropped_from_equation(left: sp.Basic, right: sp.Basic, x: sp.Symbol, root: sp.Expr) -> Iterator[Candidate]:
    """A term dropped from one side: what the sides differ by at the correct solution, when it is short."""
    try:
        counted = run_counted(lambda: sp.simplify((right - left).xreplace({x: root})), TIDY_WORK)
    except _BUILD_ERRORS:
        return
    c = counted.value
    if counted.cut or c is None or c == 0 or c.has(x) or sp.count_ops(c) > 12:
        return
    yield (_hint("dropped_term", "a dropped term ", c, " in the left side of the equation"),
           lambda: sp.Eq(left + c, right, evaluate=False))
    yield (_hint("dropped_term", "a dropped term ", -c, " in the right side of the equation"),
           lambda: sp.Eq(left, right - c, evaluate=False))


def _exact_solutions(a: sp.Basic, x: sp.Symbol, domain: sp.Set) -> list[sp.Expr] | None:
    """The solutions of ``a = 0`` for ``x`` on its domain, exactly (None when SymPy cannot list them)."""
    for where in dict.fromkeys((domain, sp.Reals)):  # on the reals when SymPy cannot tell the sign of a root
        try:
            counted = run_counted(lambda: sp.solveset(a.doit(), x, where), TIDY_WORK)
        except _BUILD_ERRORS:
            continue
        found = counted.value
        if isinstance(found, sp.Intersection):  # {S/n} ∩ (0, ∞) when the sign of S is not known
            found = next((part for part in found.args if isinstance(part, sp.FiniteSet)), found)
        if not counted.cut and isinstance(found, sp.FiniteSet) and len(found) <= 4:
            return sorted(found, key=sp.default_sort_key)
    return None


def _correct_solutions(roots: list[sp.Expr] | None, x: sp.Symbol) -> Diagnosis | None:
    """``the previous equation is solved by x = 3``: when no usual slip fits, but SymPy solves it exactly."""
    if roots is None:
        return None
    if not roots:
        return Diagnosis(_hint("root", "the previous equation has no solution for ", x, " on its domain"))
    parts: list[object] = ["a wrong solution: the previous equation is solved by "]
    for k, r in enumerate(roots):
        if k:
            parts.append(" and " if k == len(roots) - 1 else ", ")
        parts.append(sp.Eq(x, r, evaluate=False))
    expected = sp.Eq(x, roots[0], evaluate=False) if len(roots) == 1 else None
    return Diagnosis(Hint("root", tuple(parts)), expected)


def _domain(x: sp.Symbol, declared: Declared) -> sp.Set:
    dom = declared.domains.get(x.name)
    if dom is None or (dom.lower is None and dom.upper is None):
        return sp.Reals
    return sp.Interval(-sp.oo if dom.lower is None else dom.lower, sp.oo if dom.upper is None else dom.upper,
                       dom.lower is not None and dom.lower_strict, dom.upper is not None and dom.upper_strict)


def _tidy(candidate: sp.Basic) -> sp.Basic:
    """The expected side as a teacher writes it: transposes pushed in, terms collected."""
    try:
        counted = run_counted(lambda: candidate.doit() if _is_matrix(candidate) else sp.simplify(candidate.doit()),
                              TIDY_WORK)
    except (TypeError, ValueError, AttributeError, NotImplementedError):
        return candidate
    return candidate if counted.cut or counted.value is None else counted.value


def _difference(lhs: sp.Basic, rhs: sp.Basic) -> sp.Basic | None:
    """``lhs - rhs`` when SymPy reduces it to a short expression (a slip of one or two terms)."""
    if _is_matrix(lhs) or _is_matrix(rhs):
        return None

    def reduce() -> sp.Basic:
        d = sp.expand((lhs - rhs).doit())
        return sp.factor_terms(d) if sp.count_ops(d) <= 24 else sp.factor_terms(sp.simplify(d))

    try:
        counted = run_counted(reduce, TIDY_WORK)
    except (TypeError, ValueError, AttributeError, NotImplementedError):
        return None
    d = counted.value
    if counted.cut or d is None or d == 0 or sp.count_ops(d) > 12:
        return None
    return d


def _points(exprs: Sequence[sp.Basic], declared: Declared, rng: random.Random) -> list[Point]:
    points: list[Point] = []
    for index in range(PROBES * 4):
        p = draw_point(exprs, declared, rng, index + 1)
        if all(value_of(e, p) is not None for e in exprs):
            points.append(p)
        if len(points) >= PROBES:
            break
    return points


def _same(a: list[complex], b: list[complex]) -> bool:
    if len(a) != len(b):
        return False
    scale = max([1.0] + [abs(v) for v in a + b])
    return all(abs(x - y) <= TOL * scale for x, y in zip(a, b))


def _is_matrix(e: sp.Basic) -> bool:
    """A matrix expression (``Indexed`` has a ``shape`` too, which raises: not asked)."""
    return isinstance(e, (sp.MatrixExpr, sp.MatrixBase))


def _factors(exprs: Sequence[sp.Basic]) -> list[sp.Expr]:
    """The factors a slip usually loses or adds: small numbers and the sizes (n, 1/n, n - 1)."""
    out: list[sp.Expr] = [sp.Integer(2), sp.Rational(1, 2), sp.Integer(3), sp.Rational(1, 3), sp.Integer(4),
                          sp.Rational(1, 4)]
    for s in sorted(size_symbols(exprs), key=lambda s: s.name):
        out += [s, 1 / s, s - 1, 1 / (s - 1)]
    return out


def _terms(e: sp.Basic) -> list[sp.Basic]:
    return list(e.args) if isinstance(e, (sp.Add, sp.MatAdd)) else [e]


def _total(terms: Sequence[sp.Basic]) -> sp.Basic:
    """The sum of ``terms``: a matrix sum when they are matrices."""
    if any(_is_matrix(t) for t in terms):
        kept = [t for t in terms if t != 0]
        return sp.MatAdd(*kept).doit() if len(kept) > 1 else kept[0]
    return sp.Add(*terms)


def _sums_inside(e: sp.Basic) -> list[sp.Add]:
    """Every sum (``Add``) inside ``e`` below its top, outermost first: a numerator, a bracket, a summand."""
    top = e if isinstance(e, (sp.Add, sp.MatAdd)) else None
    seen: list[sp.Add] = []
    for node in sp.preorder_traversal(e):
        if isinstance(node, (sp.Add, sp.MatAdd)) and node is not top and node not in seen:
            seen.append(node)
    return seen


def _candidates(lhs: sp.Basic, rhs: sp.Basic) -> Iterator[Candidate]:
    matrix = _is_matrix(rhs) and rhs.shape != (1, 1)
    if matrix:
        yield _hint("transpose", "a transposition slip: the right side is the transpose of the correct one"), \
            lambda: sp.Transpose(rhs)
        yield from _symmetric_slip(rhs)
    yield from _reversed_products(rhs)
    yield from _chain_factors(lhs, rhs)
    yield from _side_candidates(rhs, "the right side", factors=_factors([lhs, rhs]))
    evaluated = _terms(_evaluated(lhs))
    if len(evaluated) > 1:
        for t in evaluated:
            yield _hint("dropped_term", "a dropped term ", t), lambda: rhs + t
    yield from _powers(rhs)


def _side_candidates(side: sp.Basic, where: str, factors: list[sp.Expr] | None = None) -> Iterator[Candidate]:
    """The usual slips of one expression: its sign, a factor of it, and in each term of each of its sums
    (the top one first, then deeper: a numerator, a denominator, a bracket) a sign, a factor, an extra term."""
    factors = _factors([side]) if factors is None else factors
    yield _hint("sign", f"a sign flip: {where} has the wrong sign"), lambda: -side
    for f in factors:
        yield _factor_hint(f, where), lambda: _times(f, side)
    of: tuple[object, ...] = () if where == "the right side" else (" of " + where,)
    terms = _terms(side)
    if len(terms) > 1:
        for t in terms:
            yield _hint("sign", "a sign flip in the term ", t, *of), lambda: _replace_term(terms, t, -t)
            for f in factors:
                yield _factor_hint(f, "the term ", t, *of), lambda: _replace_term(terms, t, _times(f, t))
            yield _hint("extra_term", "an extra term ", t, *(" in " + where,) if of else ()), lambda: side - t
    for inner in _sums_inside(side):
        inner_terms = _terms(inner)
        for t in inner_terms:
            yield (_hint("sign", "a sign flip in the term ", t, " of ", inner),
                   lambda: side.xreplace({inner: _replace_term(inner_terms, t, -t)}))
        for t in inner_terms:
            for f in factors[:2]:
                yield (_factor_hint(f, "the term ", t, " of ", inner),
                       lambda: side.xreplace({inner: _replace_term(inner_terms, t, _times(f, t))}))
            yield (_hint("extra_term", "an extra term ", t, " in ", inner),
                   lambda: side.xreplace({inner: _replace_term(inner_terms, t, sp.Integer(0))}))


def _replace_term(terms: list[sp.Basic], old: sp.Basic, new: sp.Basic) -> sp.Basic:
    return _total([new if t == old else t for t in terms])


def _factor_hint(factor: sp.Expr, *where: object) -> Hint:
    """``missing factor n in ...`` when the repair multiplies by n, ``an extra factor n`` when it divides."""
    numerator, denominator = sp.fraction(factor)
    if numerator == 1 and denominator != 1:
        return _hint("factor", "an extra factor ", denominator, " in ", *where)
    return _hint("factor", "missing factor ", factor, " in ", *where)


def _evaluated(lhs: sp.Basic) -> sp.Basic:
    """The left side worked out and multiplied out (a matrix product over a sum too), for its terms."""
    try:
        return sp.expand(lhs.doit())
    except _BUILD_ERRORS:
        return lhs


def _symmetric_slip(rhs: sp.Basic) -> Iterator[Candidate]:
    """2 A x written for the gradient of x^T A x when A is not symmetric: (A + A^T) x is right."""
    for node in sp.preorder_traversal(rhs):
        if isinstance(node, sp.MatMul):
            coeff, matrices = node.as_coeff_matrices()
            if len(matrices) >= 2 and isinstance(matrices[0], sp.MatrixSymbol) and \
                    matrices[0].shape[0] == matrices[0].shape[1]:
                # c A v for the gradient of (c/2) v^T A v: right only for a symmetric A
                a = matrices[0]
                v = matrices[1] if len(matrices) == 2 else sp.MatMul(*matrices[1:])
                half = coeff / 2
                try:
                    repaired = sp.MatMul(half, a + a.T, *matrices[1:]) if half != 1 else \
                        sp.MatMul(a + a.T, *matrices[1:])
                    form = sp.MatMul(half, v.T, a, v) if half != 1 else sp.MatMul(v.T, a, v)
                except _BUILD_ERRORS:
                    continue
                yield (_hint("symmetric_2Ax", node, " is the gradient of ", form, " only for a symmetric ", a,
                             "; in general it is ", repaired), lambda: rhs.xreplace({node: repaired}))


def _reversed_products(rhs: sp.Basic) -> Iterator[Candidate]:
    """A matrix product written in the wrong order (``(AB)^{-1} = A^{-1}B^{-1}``, ``(AB)^T = A^T B^T``)."""
    for node in sp.preorder_traversal(rhs):
        if isinstance(node, sp.MatMul):
            coeff, factors = node.as_coeff_matrices()
            if len(factors) >= 2:
                try:  # the reversed order may not conform (a rectangular factor)
                    turned = sp.MatMul(coeff, *reversed(factors)) if coeff != 1 else sp.MatMul(*reversed(factors))
                except _BUILD_ERRORS:
                    continue
                yield (_hint("reversed_product", "a reversed product: ", node, " should be ", turned,
                             " (the order of the factors turns around under a transpose or an inverse)"),
                       lambda: rhs.xreplace({node: turned}))


def _powers(rhs: sp.Basic) -> Iterator[Candidate]:
    for node in sp.preorder_traversal(rhs):
        if isinstance(node, sp.Pow) and node.exp.is_Integer and node.exp not in (-1, 0, 1):
            for shift in (-1, 1):
                changed = sp.Pow(node.base, node.exp + shift, evaluate=False)
                yield (_hint("power", "a power off by one: ", node, " should be ", changed),
                       lambda: rhs.xreplace({node: changed}))


def _derivative_by(inner: sp.Basic, var: sp.Basic) -> sp.Basic | None:
    try:
        return sp.diff(inner, var)
    except _BUILD_ERRORS:
        return None


def _without_number(d: sp.Basic) -> sp.Basic:
    """``d`` without its numerical coefficient (``-x_i`` gives ``x_i``): a definition such as
    sigma(z) = 1/(1 + e^{-z}) hides the inner ``w x_i`` as ``-w x_i``."""
    if isinstance(d, sp.MatMul):
        coeff, matrices = d.as_coeff_matrices()
        if len(matrices) == 1:
            return matrices[0]
        return sp.MatMul(*matrices) if matrices else d
    if _is_matrix(d):
        return d
    return d.as_coeff_Mul()[1] if isinstance(d, sp.Expr) else d


def _chain_factors(lhs: sp.Basic, rhs: sp.Basic) -> Iterator[Candidate]:
    """A derivative step missing the inner derivative of a composite function (by a scalar, a vector
    or a matrix), of the whole right side, inside its sums, or in one of its terms."""
    if not isinstance(lhs, sp.Derivative) or len(lhs.variable_count) != 1 or lhs.variable_count[0][1] != 1:
        return
    var = lhs.variable_count[0][0]
    if not isinstance(var, (sp.Symbol, sp.MatrixSymbol)):
        return
    summed = {node for total in sp.preorder_traversal(lhs.expr) if isinstance(total, sp.Sum)
              for node in sp.preorder_traversal(total.function)}
    seen: set[sp.Basic] = set()
    for node in sp.preorder_traversal(lhs.expr):
        if not isinstance(node, (sp.Function, sp.Pow)):
            continue
        inner = node.args[0]
        if inner in seen or inner == var or not inner.has(var):
            continue
        seen.add(inner)
        d = _derivative_by(inner, var)
        if d is None or d == 0 or d == 1:
            continue
        in_sum = inner in summed
        for factor in dict.fromkeys((d, _without_number(d))):
            if factor == 1:
                continue
            why: tuple[object, ...] = (": the derivative of the inner ", inner, " by ", var, " is ", d,
                                       " (a sign flip)" if factor == -1 else "")

            def said(*where: object) -> Hint:
                return _hint("chain_factor", "a missing chain factor ", factor, *where, *why)

            totals = [n for n in sp.preorder_traversal(rhs) if isinstance(n, sp.Sum)]
            if in_sum:
                for total in totals:
                    yield said(" inside the sum"), lambda: rhs.xreplace(
                        {total: sp.Sum(total.function * factor, *total.limits)})
            yield said(), lambda: _times(rhs, factor)
            terms = _terms(rhs)
            if len(terms) > 1:
                for t in terms:
                    if t.has(var) or t.free_symbols & inner.free_symbols:
                        yield said(" in the term ", t), lambda: _replace_term(terms, t, _times(t, factor))


def _times(a: sp.Basic, b: sp.Basic) -> sp.Basic:
    """``a b`` with a scalar before a matrix (SymPy's ``Mul`` refuses a matrix factor)."""
    if _is_matrix(b) and not _is_matrix(a):
        return sp.MatMul(a, b)
    return a * b


def _escaped_index(lhs: sp.Basic, rhs: sp.Basic) -> Hint | None:
    """An index of a sum used outside it on the right side (x_i after the sum over i closed)."""
    bound_left = {lim[0] for node in sp.preorder_traversal(lhs) if isinstance(node, (sp.Sum, sp.Product))
                  for lim in node.limits}
    free_right = {s.name for s in rhs.free_symbols if isinstance(s, sp.Symbol)}
    free_left = {s.name for s in lhs.free_symbols if isinstance(s, sp.Symbol)}
    for index in sorted(bound_left, key=lambda s: s.name):
        if index.name in free_right - free_left:
            return _hint("escaped_index", "the index ", index, " escaped its sum: it is used on the right side "
                         "outside any sum over it")
    return None


__all__: Sequence[str] = ("Diagnosis", "diagnose", "diagnose_equations")
