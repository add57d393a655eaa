"""Which usual slip explains a refuted step: tried one by one on concrete instances, the first that fits.

Each slip is a repair of the right side; a repair fits when the repaired right side equals the left
side at every probe (the probes of ``probe``: several sizes, data sets, matrices, stand-in
functions). The slips, in the order tried: a transposition (a missing transpose, a reversed
product), 2Ax for a non-symmetric A, a sign flip, a missing or extra factor of the whole right side
(2, 1/2, n, 1/n, ...), the same in one term, a dropped or extra term, a power off by one, a missing
chain factor, an index that escaped its sum. The hint names the slip (its mathematics in ``$...$``); it
is a diagnosis, not a certificate.
"""
from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import sympy as sp

from derive.core.budget import Clock
from derive.core.work import run_counted
from derive.checker.probe import Declared, Point, draw_point, size_symbols, value_of

PROBES = 5
TOL = 1e-9
TIDY_WORK = 200_000
"""Python calls the tidy-up of an expected side may spend (counted, so the same on every machine)."""


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """The slip that fits (``hint``, one line) and, where known, the right side it should have been."""

    hint: str
    expected: sp.Basic | None = None


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

    candidates = _candidates(lhs, rhs)
    while True:
        try:  # building a candidate can fail too (a scalar factor on a matrix side SymPy refuses)
            hint, candidate = next(candidates)
            if fits(candidate):
                return Diagnosis(hint, _tidy(candidate))
        except StopIteration:
            break
        except (TypeError, ValueError, AttributeError, sp.ShapeError, NotImplementedError):
            continue
    difference = _difference(lhs, rhs)
    if difference is not None and fits(rhs + difference):
        return Diagnosis(f"the two sides differ by ${sp.latex(difference)}$")
    return None


def _tidy(candidate: sp.Basic) -> sp.Basic:
    """The expected side as a teacher writes it: transposes pushed in, terms collected."""
    try:
        counted = run_counted(lambda: sp.simplify(candidate.doit()) if not getattr(candidate, "is_Matrix", False)
                              and getattr(candidate, "shape", None) is None else candidate.doit(), TIDY_WORK)
    except (TypeError, ValueError, AttributeError, NotImplementedError):
        return candidate
    return candidate if counted.cut or counted.value is None else counted.value


def _difference(lhs: sp.Basic, rhs: sp.Basic) -> sp.Basic | None:
    """``lhs - rhs`` when SymPy reduces it to a short expression (a slip of one or two terms)."""
    if getattr(lhs, "shape", None) is not None or getattr(rhs, "shape", None) is not None:
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


def _factors(exprs: Sequence[sp.Basic]) -> list[tuple[str, sp.Expr]]:
    """The factors a slip usually loses or adds: small numbers and the sizes (n, 1/n, n - 1)."""
    out: list[tuple[str, sp.Expr]] = [("2", sp.Integer(2)), ("1/2", sp.Rational(1, 2)), ("3", sp.Integer(3)),
                                      ("1/3", sp.Rational(1, 3)), ("4", sp.Integer(4)), ("1/4", sp.Rational(1, 4))]
    for s in sorted(size_symbols(exprs), key=lambda s: s.name):
        out += [(s.name, s), (f"1/{s.name}", 1 / s), (f"{s.name} - 1", s - 1), (f"1/({s.name} - 1)", 1 / (s - 1))]
    return out


def _terms(e: sp.Basic) -> list[sp.Basic]:
    return list(sp.Add.make_args(e)) if isinstance(e, sp.Add) else [e]


def _candidates(lhs: sp.Basic, rhs: sp.Basic) -> Iterator[tuple[str, sp.Basic]]:
    matrix = getattr(rhs, "shape", None) is not None and getattr(rhs, "shape", (1, 1)) != (1, 1)
    if matrix:
        yield "a transposition slip: the right side is the transpose of the correct one", sp.Transpose(rhs)
        for hint, c in _symmetric_slip(rhs):
            yield hint, c
    for hint, c in _reversed_products(rhs):
        yield hint, c
    yield "a sign flip: the right side has the wrong sign", -rhs
    factors = _factors([lhs, rhs])
    for name, f in factors:
        yield _factor_hint(name, "the right side"), f * rhs
    terms = _terms(rhs)
    if len(terms) > 1:
        for t in terms:
            yield f"a sign flip in the term ${sp.latex(t)}$", _replace_term(terms, t, -t)
            for name, f in factors:
                yield _factor_hint(name, f"the term ${sp.latex(t)}$"), _replace_term(terms, t, f * t)
            yield f"an extra term ${sp.latex(t)}$", rhs - t
    for t in _terms(_evaluated(lhs)):
        if len(_terms(_evaluated(lhs))) > 1:
            yield f"a dropped term ${sp.latex(t)}$", rhs + t
    for hint, c in _powers(rhs):
        yield hint, c
    for hint, c in _chain_factors(lhs, rhs):
        yield hint, c


def _replace_term(terms: list[sp.Basic], old: sp.Basic, new: sp.Basic) -> sp.Basic:
    return sp.Add(*[new if t == old else t for t in terms])


def _factor_hint(name: str, where: str) -> str:
    if name.startswith("1/"):
        return f"an extra factor {name[2:].strip('()')} in {where}"
    return f"missing factor {name} in {where}"


def _evaluated(lhs: sp.Basic) -> sp.Basic:
    try:
        return sp.expand(lhs.doit()) if not getattr(lhs, "is_Matrix", False) else lhs
    except (TypeError, ValueError, AttributeError, NotImplementedError):
        return lhs


def _symmetric_slip(rhs: sp.Basic) -> Iterator[tuple[str, sp.Basic]]:
    """2 A x written for the gradient of x^T A x when A is not symmetric: (A + A^T) x is right."""
    for node in sp.preorder_traversal(rhs):
        if isinstance(node, sp.MatMul):
            coeff, matrices = node.as_coeff_matrices()
            if coeff == 2 and matrices and isinstance(matrices[0], sp.MatrixSymbol) and \
                    matrices[0].shape[0] == matrices[0].shape[1]:
                a = matrices[0]
                v = sp.latex(sp.MatMul(*matrices[1:])) if len(matrices) > 1 else "x"
                repaired = sp.MatMul(a + a.T, *matrices[1:])
                yield (f"$2{a.name}{v}$ is the gradient of ${v}^\\top {a.name} {v}$ only for a symmetric "
                       f"${a.name}$; in general it is $({a.name} + {a.name}^\\top) {v}$"), rhs.xreplace({node: repaired})


def _reversed_products(rhs: sp.Basic) -> Iterator[tuple[str, sp.Basic]]:
    """A matrix product written in the wrong order (``(AB)^{-1} = A^{-1}B^{-1}``, ``(AB)^T = A^T B^T``)."""
    for node in sp.preorder_traversal(rhs):
        if isinstance(node, sp.MatMul):
            coeff, factors = node.as_coeff_matrices()
            if len(factors) >= 2:
                turned = sp.MatMul(coeff, *reversed(factors)) if coeff != 1 else sp.MatMul(*reversed(factors))
                yield (f"a reversed product: ${sp.latex(node)}$ should be ${sp.latex(turned)}$ (the order of the "
                       f"factors turns around under a transpose or an inverse)"), rhs.xreplace({node: turned})


def _powers(rhs: sp.Basic) -> Iterator[tuple[str, sp.Basic]]:
    for node in sp.preorder_traversal(rhs):
        if isinstance(node, sp.Pow) and node.exp.is_Integer and node.exp not in (-1, 0, 1):
            for shift in (-1, 1):
                changed = sp.Pow(node.base, node.exp + shift, evaluate=False)
                yield (f"a power off by one: ${sp.latex(node)}$ should be ${sp.latex(changed)}$",
                       rhs.xreplace({node: changed}))


def _chain_factors(lhs: sp.Basic, rhs: sp.Basic) -> Iterator[tuple[str, sp.Basic]]:
    """A derivative step missing the inner derivative of a composite function."""
    if not isinstance(lhs, sp.Derivative) or len(lhs.variable_count) != 1:
        return
    var = lhs.variable_count[0][0]
    if not isinstance(var, sp.Symbol):
        return
    seen: set[sp.Basic] = set()
    for node in sp.preorder_traversal(lhs.expr):
        if isinstance(node, sp.Function) or isinstance(node, sp.Pow):
            inner = node.args[0]
            if inner in seen or inner == var or not inner.has(var):
                continue
            seen.add(inner)
            d = sp.diff(inner, var)
            if d.is_number and d in (1,):
                continue
            hint = (f"a missing chain factor $\\frac{{d}}{{d{sp.latex(var)}}}\\left({sp.latex(inner)}\\right)"
                    f" = {sp.latex(d)}$")
            yield hint, rhs * d
            for total in [n for n in sp.preorder_traversal(rhs) if isinstance(n, sp.Sum)]:
                if d.free_symbols & {lim[0] for lim in total.limits} or any(
                        isinstance(x, sp.Indexed) for x in sp.preorder_traversal(d)):
                    yield f"{hint} inside the sum", rhs.xreplace({total: sp.Sum(total.function * d, *total.limits)})
            terms = _terms(rhs)
            if len(terms) > 1:
                for t in terms:
                    if t.has(var):
                        yield f"{hint} in the term ${sp.latex(t)}$", _replace_term(terms, t, t * d)


def _escaped_index(lhs: sp.Basic, rhs: sp.Basic) -> str | None:
    """An index of a sum used outside it on the right side (x_i after the sum over i closed)."""
    bound_left = {lim[0].name for node in sp.preorder_traversal(lhs) if isinstance(node, (sp.Sum, sp.Product))
                  for lim in node.limits}
    free_right = {s.name for s in rhs.free_symbols if isinstance(s, sp.Symbol)}
    free_left = {s.name for s in lhs.free_symbols if isinstance(s, sp.Symbol)}
    for name in sorted(bound_left & (free_right - free_left)):
        return f"the index {name} escaped its sum: it is used on the right side outside any sum over it"
    return None


__all__: Sequence[str] = ("Diagnosis", "diagnose")
