"""Certify the summation-form derivation of simple regression, and check its estimator against lstsq.

Symbolically: definitions (xbar, S_xx, ...) substituted, derivatives done by SymPy, every sum
split by linearity into sums of monomials in x_i and y_i, which then stand as independent
atoms; the two sides must agree as rational functions. Numerically: both sides evaluated on
random data at random small n by a walker of our own (sums as numpy sums, derivatives by
central differences). The estimator is compared with ``numpy.linalg.lstsq`` on [1, x].
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from derive.core.budget import Clock
from derive.core.errors import BudgetExceeded
from derive.lsq.simple_model import Claim, SimpleSolution, SumStep, summary
from derive.core.contract import Certificate, Check, Plausible, Proved, Refuted, Timeout, Unknown

Array = np.ndarray
Value = Any
"""A float or, inside a sum, an array over the index."""
_TOL = 1e-8
_SIZES = (3, 5, 4, 7, 2, 6)


class NotDefined(ArithmeticError):
    """A side is not finite at this draw (a zero S_xx)."""


# -- numbers -----------------------------------------------------------------------------------


class SumEvaluator:
    """Numeric values of expressions over ``Sum(..., (i, 1, n))``, ``x[i]`` and scalar symbols."""

    def __init__(self, data: dict[str, Array], scalars: dict[sp.Symbol, float]) -> None:
        self.data = data
        self.scalars = scalars

    def value(self, expr: Any) -> float:
        v = self._ev(expr, {})
        out = float(np.asarray(v, dtype=float).sum()) if np.ndim(v) else float(v)
        if not np.isfinite(out):
            raise NotDefined(f"{expr} is not finite")
        return out

    def _ev(self, e: Any, env: dict[sp.Symbol, Value]) -> Value:
        for cls in type(e).__mro__:
            method: Callable[[Any, dict[sp.Symbol, Value]], Value] | None = getattr(self, f"_ev_{cls.__name__}", None)
            if method is not None:
                return method(e, env)
        raise TypeError(f"cannot evaluate a {type(e).__name__}: {e}")

    def _ev_Number(self, e: Any, env: dict[sp.Symbol, Value]) -> Value:
        return float(e)

    def _ev_Symbol(self, e: Any, env: dict[sp.Symbol, Value]) -> Value:
        if e in env:
            return env[e]
        return self.scalars[e]

    def _ev_Indexed(self, e: Any, env: dict[sp.Symbol, Value]) -> Value:
        idx = np.asarray(self._ev(e.indices[0], env), dtype=int)
        return self.data[e.base.name][idx - 1]

    def _ev_Sum(self, e: Any, env: dict[sp.Symbol, Value]) -> Value:
        (var, lo, hi), = e.limits
        lo_v, hi_v = int(self._ev(lo, env)), int(self._ev(hi, env))
        inner = {**env, var: np.arange(lo_v, hi_v + 1)}
        body = self._ev(e.function, inner)
        return float(np.sum(np.broadcast_to(body, (hi_v - lo_v + 1,))))

    def _ev_Add(self, e: Any, env: dict[sp.Symbol, Value]) -> Value:
        return sum((self._ev(t, env) for t in e.args), 0.0)

    def _ev_Mul(self, e: Any, env: dict[sp.Symbol, Value]) -> Value:
        out: Value = 1.0
        for t in e.args:
            out = out * self._ev(t, env)
        return out

    def _ev_Pow(self, e: Any, env: dict[sp.Symbol, Value]) -> Value:
        base, ex = self._ev(e.base, env), self._ev(e.exp, env)
        if ex < 0 and np.any(np.asarray(base) == 0):
            raise NotDefined("division by zero")
        return np.power(base, ex)

    def _ev_Derivative(self, e: Any, env: dict[sp.Symbol, Value]) -> Value:
        """Central differences with one Richardson step: exact for polynomials of degree 4 in each variable."""
        (var, count), *rest = e.variable_count
        inner = sp.Derivative(e.expr, *rest) if rest else e.expr
        if count > 1:
            inner = sp.Derivative(inner, (var, count - 1))
        base = self.scalars[var]

        def at(t: float) -> float:
            ev = SumEvaluator(self.data, {**self.scalars, var: t})
            return float(ev._ev(inner, env))

        def central(h: float) -> float:
            return (at(base + h) - at(base - h)) / (2 * h)

        h = 0.25 * max(1.0, abs(base))
        return (4 * central(h / 2) - central(h)) / 3


class ExactSumEvaluator(SumEvaluator):
    """The same walker in exact rational arithmetic: data as Fractions (object arrays), sums as exact sums.

    Used to evaluate the derived slope and intercept on a file's decimals exactly; every sum
    charges its size to a ``derive.lsq.numeric.Work`` allowance.
    """

    def __init__(self, data: dict[str, Array], scalars: dict[sp.Symbol, Any], work: Any) -> None:
        super().__init__(data, scalars)
        self.work = work
        self.bits = max((max(abs(v.numerator).bit_length(), v.denominator.bit_length())
                         for arr in data.values() for v in arr), default=1)

    def value(self, expr: Any) -> Any:
        return self._ev(expr, {})

    def _ev_Number(self, e: Any, env: dict[sp.Symbol, Value]) -> Value:
        if not e.is_Rational:
            raise NotDefined(f"{e} is not rational")
        return Fraction(int(e.p), int(e.q))

    def _ev_Sum(self, e: Any, env: dict[sp.Symbol, Value]) -> Value:
        (var, lo, hi), = e.limits
        lo_v, hi_v = int(self._ev(lo, env)), int(self._ev(hi, env))
        count = hi_v - lo_v + 1
        self.work.charge(4 * count, 2 * self.bits, 2 * self.bits)
        body = self._ev(e.function, {**env, var: np.arange(lo_v, hi_v + 1)})
        if np.ndim(body):
            return sum(body.tolist(), Fraction(0))
        return body * count

    def _ev_Add(self, e: Any, env: dict[sp.Symbol, Value]) -> Value:
        out: Value = Fraction(0)
        for t in e.args:
            out = out + self._ev(t, env)
        return out

    def _ev_Mul(self, e: Any, env: dict[sp.Symbol, Value]) -> Value:
        out: Value = Fraction(1)
        for t in e.args:
            out = out * self._ev(t, env)
        return out

    def _ev_Pow(self, e: Any, env: dict[sp.Symbol, Value]) -> Value:
        base, ex = self._ev(e.base, env), self._ev(e.exp, env)
        if not isinstance(ex, Fraction) or ex.denominator != 1:
            raise NotDefined(f"{e}: not an integer power")
        if ex < 0 and np.any(np.asarray(base, dtype=object) == 0):
            raise NotDefined("division by zero")
        k = int(ex)
        if np.ndim(base):
            return np.array([v ** k for v in base.tolist()], dtype=object)
        return base ** k

    @classmethod
    def estimate(cls, sol: SimpleSolution, x: list[Fraction], y: list[Fraction], work: Any
                 ) -> tuple[Fraction, Fraction]:
        """(intercept, slope) of the derived formulas in exact arithmetic; ConditionFails where S_xx = 0."""
        s = sol.symbols
        ev = cls({s["x"].name: np.array(x, dtype=object), s["y"].name: np.array(y, dtype=object)},
                 {s["n"]: Fraction(len(x))}, work)
        if len(x) < 2:
            raise ConditionFails("one point does not determine a line")
        sxx = ev.value(expand_definitions(s["S_xx"], sol))
        if sxx == 0:
            raise ConditionFails("S_xx = 0: the x values are all equal")
        slope = ev.value(expand_definitions(sol.slope, sol))
        intercept = ev.value(expand_definitions(sol.intercept.subs(s["bhat"], sol.slope), sol))
        return Fraction(intercept), Fraction(slope)


def expand_definitions(expr: Any, sol: SimpleSolution) -> Any:
    """Replace S_xx, S_xy, then xbar, ybar by their sums (definitions are listed means first)."""
    for sym, body in reversed(sol.definitions):
        expr = expr.subs(sym, body)
    return expr


def random_data(sol: SimpleSolution, n: int, rng: np.random.Generator) -> SumEvaluator:
    s = sol.symbols
    x = rng.normal(rng.uniform(-2, 2), rng.uniform(0.5, 3), n)
    y = rng.normal(0, 2, n)
    scalars = {s["n"]: float(n), s["a"]: float(rng.uniform(-2, 2)), s["b"]: float(rng.uniform(-2, 2))}
    return SumEvaluator({s["x"].name: x, s["y"].name: y}, scalars)


def probe_claims(claims: tuple[Claim, ...], sol: SimpleSolution, clock: Clock, seed: int) -> Certificate:
    """Plausible when every claim holds at six random data sets (n = 2 ... 7); Refuted at the first miss."""
    rng = np.random.default_rng(seed)
    sides = [(expand_definitions(lhs, sol), expand_definitions(rhs, sol)) for lhs, rhs in claims]
    worst, done = 0.0, 0
    for n in _SIZES:
        clock.check("simple regression: numeric probes")
        ev = random_data(sol, n, rng)
        for lhs, rhs in sides:
            try:
                u, v = ev.value(lhs), ev.value(rhs)
            except NotDefined:
                continue
            err = abs(u - v) / max(1.0, abs(u), abs(v))
            if err > _TOL:
                x, y = sol.symbols["x"].name, sol.symbols["y"].name
                where = (("n", str(n)), (x, np.array2string(ev.data[x], precision=4)),
                         (y, np.array2string(ev.data[y], precision=4)))
                return Refuted(where, f"{u:.10g}", f"{v:.10g}")
            worst = max(worst, err)
        done += 1
    return Plausible(done, "random data, n = " + ", ".join(map(str, _SIZES)), worst,
                     "sums evaluated numerically, derivatives by central differences")


# -- symbols -----------------------------------------------------------------------------------


def _atomize(expr: Any, index: sp.Symbol, n: sp.Symbol, atoms: dict[Any, sp.Dummy]) -> Any:
    """Every sum split by linearity into constants times sums of monomials; each such sum one atom."""
    while True:
        inner = [t for t in expr.atoms(sp.Sum) if not t.function.has(sp.Sum)]
        if not inner:
            return expr
        subs = {}
        for t in inner:
            (var, lo, hi), = t.limits
            if lo != 1 or hi != n or var != index:
                raise ValueError(f"a sum other than over i = 1..n: {t}")
            total = sp.Integer(0)
            for term in sp.Add.make_args(sp.expand(t.function)):
                c, dep = term.as_independent(index, as_Add=False)
                if dep == 1:
                    total += c * n
                else:
                    total += c * atoms.setdefault(dep, sp.Dummy(f"sum{len(atoms)}"))
            subs[t] = total
        expr = expr.xreplace(subs)


def prove_claims(claims: tuple[Claim, ...], sol: SimpleSolution, clock: Clock) -> Certificate:
    """Proved when every claim reduces to 0 = 0 with the sums of monomials as atoms; else Unknown."""
    s = sol.symbols
    atoms: dict[Any, sp.Dummy] = {}
    for lhs, rhs in claims:
        clock.check("simple regression: symbolic check")
        diff = expand_definitions(lhs - rhs, sol)
        diff = diff.replace(lambda t: isinstance(t, sp.Derivative), lambda t: t.doit(deep=False))
        try:
            reduced = sp.cancel(sp.together(_atomize(diff, s["i"], s["n"], atoms)))
        except (ValueError, sp.PolynomialError) as exc:
            return Unknown(f"not reduced symbolically: {exc}")
        if reduced != 0:
            return Unknown(f"the sums do not cancel symbolically (left over: {sp.sstr(reduced)[:80]})")
    return Proved("linearity of the sum, then algebra with the sums of monomials as independent atoms")


def certify_steps(sol: SimpleSolution, clock: Clock, seed: int = 0) -> SimpleSolution:
    """Both verdicts on every step; running out of budget gives Unknown(timeout) on what is left."""
    out: list[SumStep] = []
    for k, step in enumerate(sol.steps):
        try:
            proof = prove_claims(step.to_check, sol, clock)
            probe = probe_claims(step.to_check, sol, clock, seed + k)
        except BudgetExceeded as exc:
            proof = probe = Timeout(exc.message)
        out.append(replace(step, proof=proof, probe=probe, certificate=summary(proof, probe)))
    return replace(sol, steps=tuple(out))


# -- the estimator against lstsq ----------------------------------------------------------------


class ConditionFails(ArithmeticError):
    """S_xx is zero (to rounding): the closed form gives no number."""


def estimate(sol: SimpleSolution, x: Array, y: Array) -> tuple[float, float]:
    """(intercept, slope) from the derived formulas, or ConditionFails where S_xx = 0."""
    s = sol.symbols
    ev = SumEvaluator({s["x"].name: np.asarray(x, float), s["y"].name: np.asarray(y, float)},
                      {s["n"]: float(len(x))})
    sxx = ev.value(expand_definitions(s["S_xx"], sol))
    scale = float(np.max(np.abs(np.asarray(x, float)), initial=0.0))
    if len(x) < 2 or not sxx > len(x) * (1e-10 * max(scale, 1e-150)) ** 2:  # spread above rounding of the mean
        raise ConditionFails(f"S_xx = {sxx:.3g}: the x values are all equal" if len(x) >= 2 else
                             "one point does not determine a line")
    slope = ev.value(expand_definitions(sol.slope, sol))
    intercept = ev.value(expand_definitions(sol.intercept.subs(s["bhat"], sol.slope), sol))
    return intercept, slope


def reference(x: Array, y: Array) -> tuple[float, float]:
    A = np.column_stack([np.ones(len(x)), x])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    return float(coef[0]), float(coef[1])


def _compare(sol: SimpleSolution, cases: list[tuple[int, float, float]], clock: Clock, seed: int, tol: float,
             note: str) -> Certificate:
    rng = np.random.default_rng(seed)
    worst, cond = 0.0, 0.0
    for n, centre, spread in cases:
        clock.check("simple regression: the comparison with lstsq")
        x = centre + spread * rng.standard_normal(n)
        y = rng.uniform(-3, 3) + rng.uniform(-3, 3) * (x - centre) / spread + rng.standard_normal(n)
        ref = reference(x, y)
        cond = max(cond, float(np.linalg.cond(np.column_stack([np.ones(n), x]))))
        try:
            ours = estimate(sol, x, y)
        except ConditionFails as exc:
            return Refuted((("n", str(n)),), f"derive gives no number ({exc})", f"lstsq's {ref}")
        err = max(abs(u - v) / max(1.0, abs(v)) for u, v in zip(ours, ref))
        if err > tol:
            return Refuted((("n", str(n)), ("x centre", f"{centre:g}")), f"derive's {ours}", f"lstsq's {ref}")
        worst = max(worst, err)
    return Plausible(len(cases), "random data, n = " + ", ".join(str(c[0]) for c in cases), worst,
                     f"{note}; largest condition number of [1, x]: {cond:.1e}")


def _degenerate(sol: SimpleSolution, clock: Clock) -> Certificate:
    """One point, or all x equal: no unique line; derive must refuse a number."""
    clock.check("simple regression: degenerate data")
    for x, y in ((np.array([1.5]), np.array([2.0])), (np.full(5, 0.1), np.arange(5.0))):
        try:
            got = estimate(sol, x, y)
        except ConditionFails:
            continue
        return Refuted((("n", str(len(x))), ("x", str(x.tolist()))), f"derive's {got}", "no unique line")
    return Plausible(2, "n = 1, and n = 5 with all x equal", 0.0,
                     "S_xx = 0 there: the condition fails and derive gives no number")


def solver_checks(sol: SimpleSolution, clock: Clock, seed: int = 0) -> tuple[Check, ...]:
    """The estimator against lstsq: random data, ill-conditioned data, and data with no unique line."""
    return (
        Check("agrees with numpy's lstsq on random data",
              _compare(sol, [(5, 0.0, 1.0), (12, 3.0, 2.0), (40, -1.0, 0.5)], clock, seed, 1e-9,
                       "[1, x] as the design")),
        Check("agrees with numpy's lstsq on ill-conditioned data",
              _compare(sol, [(10, 1e4, 1e-1), (20, 1e5, 1.0)], clock, seed + 1, 1e-6,
                       "x far from 0 with a small spread")),
        Check("fewer distinct x values than coefficients", _degenerate(sol, clock)),
    )


def certify_solution(sol: SimpleSolution, clock: Clock) -> SimpleSolution:
    """Both checks on every line, then the estimator against lstsq."""
    sol = certify_steps(sol, clock)
    return replace(sol, checks=solver_checks(sol, clock))
