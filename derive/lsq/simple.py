"""Simple linear regression in summation form: S(a, b) = Sum((y_i - a - b x_i)^2), derived with SymPy.

The partial derivatives come from ``sympy.diff`` of the Sum (differentiation under a finite
sum); the normal equations are solved by ``sympy.solve`` with the sums as unknown constants;
the slope is then rewritten as S_xy / S_xx and the intercept as ybar - slope xbar. Names are
the user's (validated by the model, ``lsq.models.Simple``), built with ``Symbol``/``IndexedBase``,
never parsed.
"""
from __future__ import annotations

from typing import Any

import sympy as sp

from derive.core.budget import Clock
from derive.lsq.simple_model import SimpleNames, SimpleSolution, SumStep


def _sym_name(x: str, y: str) -> str:
    return f"S_{x}{y}" if len(x) == 1 and len(y) == 1 else f"S_{x}_{y}"


def simple_symbols(names: SimpleNames) -> dict[str, Any]:
    """The SymPy objects of the derivation, keyed by role."""
    n = sp.Symbol("n", integer=True, positive=True)
    i = sp.Symbol("i", integer=True, positive=True)
    return {
        "n": n, "i": i, "x": sp.IndexedBase(names.x), "y": sp.IndexedBase(names.y),
        "a": sp.Symbol(names.a, real=True), "b": sp.Symbol(names.b, real=True),
        "xbar": sp.Symbol(f"{names.x}bar", real=True), "ybar": sp.Symbol(f"{names.y}bar", real=True),
        "S_xx": sp.Symbol(_sym_name(names.x, names.x), real=True),
        "S_xy": sp.Symbol(_sym_name(names.x, names.y), real=True),
        "ahat": sp.Symbol(f"{names.a}hat", real=True), "bhat": sp.Symbol(f"{names.b}hat", real=True),
        "S": sp.Symbol("S", real=True),
        "dS/da": sp.Symbol(f"dS/d{names.a}"), "dS/db": sp.Symbol(f"dS/d{names.b}"),
        "H": sp.Symbol("H_S"), "det": sp.Symbol("det H_S"),
    }


def simple_regression(names: SimpleNames, clock: Clock) -> SimpleSolution:
    """Derive the least-squares line: expansion, partials, normal equations, solution, Hessian, consequences."""
    s = simple_symbols(names)
    n, i, x, y, a, b = s["n"], s["i"], s["x"], s["y"], s["a"], s["b"]
    xbar, ybar, sxx, sxy = s["xbar"], s["ybar"], s["S_xx"], s["S_xy"]

    def total(t: Any) -> Any:
        return sp.Sum(t, (i, 1, n))

    xi, yi = x[i], y[i]
    objective = total((yi - a - b * xi) ** 2)
    Sx, Sy, Sxx2, Sxy2, Syy2 = total(xi), total(yi), total(xi**2), total(xi * yi), total(yi**2)
    definitions = ((xbar, Sx / n), (ybar, Sy / n), (sxx, total((xi - xbar) ** 2)),
                   (sxy, total((xi - xbar) * (yi - ybar))))
    steps: list[SumStep] = []

    def add(section: str, rule: str, lhs: Any, rhs: Any, why: str, *claims: tuple[Any, Any]) -> None:
        clock.check(f"simple regression: {rule}")
        relation = "<=>" if isinstance(rhs, sp.Equality) else "="
        steps.append(SumStep(section=section, rule=rule, before=lhs, after=rhs, justification=why,
                             claims=tuple(claims), relation=relation))

    expanded = Syy2 - 2 * a * Sy - 2 * b * Sxy2 + n * a**2 + 2 * a * b * Sx + b**2 * Sxx2
    add("objective", "expand the square", s["S"], expanded,
        "(y_i - a - b x_i)^2 expanded term by term; a sum of a constant is n times it, and constants "
        "come out of the sum", (objective, expanded))

    # The gradient: differentiate under the (finite) sum, then tidy with linearity.
    da_sum, db_sum = sp.diff(objective, a), sp.diff(objective, b)
    da_sum = total(sp.factor_terms(da_sum.function))
    db_sum = total(sp.factor_terms(db_sum.function))
    da = -2 * (Sy - n * a - b * Sx)
    db = -2 * (Sxy2 - a * Sx - b * Sxx2)
    for var, dsym, under, tidy in ((a, s["dS/da"], da_sum, da), (b, s["dS/db"], db_sum, db)):
        add("gradient", "differentiate under the sum", dsym, under,
            f"d/d{var} of a finite sum is the sum of the derivatives; chain rule on each square",
            (sp.Derivative(objective, var), under))
        add("gradient", "linearity of the sum", dsym, tidy,
            "split the sum; a sum of a constant is n times it, constants come out",
            (sp.Derivative(objective, var), tidy))

    eq_a = sp.Eq(n * a + Sx * b, Sy)
    eq_b = sp.Eq(Sx * a + Sxx2 * b, Sxy2)
    add("normal equations", "set the partial derivative to zero", sp.Eq(s["dS/da"], 0), eq_a,
        "divide by 2: the left side minus the right side is half the derivative",
        (eq_a.lhs - eq_a.rhs, sp.Derivative(objective, a) / 2))
    add("normal equations", "set the partial derivative to zero", sp.Eq(s["dS/db"], 0), eq_b,
        "divide by 2: the left side minus the right side is half the derivative",
        (eq_b.lhs - eq_b.rhs, sp.Derivative(objective, b) / 2))

    clock.check("simple regression: solve the normal equations")
    (sol,) = sp.solve([eq_a, eq_b], [a, b], dict=True)
    bhat_sums = sp.together(sol[b])
    ahat_sums = sp.together(sol[a])
    hats = {a: ahat_sums, b: bhat_sums}
    both = ((eq_a.lhs.subs(hats), eq_a.rhs), (eq_b.lhs.subs(hats), eq_b.rhs))
    add("solution", "solve the two linear equations (eliminate a)", s["bhat"], bhat_sums,
        "n times the second equation minus the sum of x times the first; checked by substituting "
        "the solution into both normal equations", *both)
    add("solution", "back-substitute into the first equation", s["ahat"], ahat_sums,
        "a = (sum of y - b times sum of x) / n; checked in both normal equations", *both,
        (ahat_sums, (Sy - bhat_sums * Sx) / n))

    centred_xy = Sxy2 - n * xbar * ybar
    centred_xx = Sxx2 - n * xbar**2
    add("solution", "centre the cross products", sxy, centred_xy,
        "expand (x_i - xbar)(y_i - ybar) and use sum x_i = n xbar, sum y_i = n ybar", (definitions[3][1], centred_xy))
    add("solution", "centre the squares", sxx, centred_xx,
        "expand (x_i - xbar)^2 and use sum x_i = n xbar", (definitions[2][1], centred_xx))
    means_form = centred_xy / centred_xx
    add("solution", "divide numerator and denominator by n", bhat_sums, means_form,
        "with xbar = (sum x_i)/n and ybar = (sum y_i)/n")
    slope = sxy / sxx
    add("solution", "the slope in centred sums", s["bhat"], slope,
        "the two centred sums above", (bhat_sums, slope))
    intercept = ybar - s["bhat"] * xbar
    add("solution", "the intercept through the means", s["ahat"], intercept,
        "the first normal equation divided by n: a + b xbar = ybar",
        (ahat_sums, ybar - bhat_sums * xbar))

    hessian = sp.ImmutableMatrix([[2 * n, 2 * Sx], [2 * Sx, 2 * Sxx2]])
    add("hessian", "second partial derivatives", s["H"], hessian,
        "differentiate the gradient once more: each entry is a second partial derivative of S",
        (sp.Derivative(objective, (a, 2)), 2 * n), (sp.Derivative(objective, a, b), 2 * Sx),
        (sp.Derivative(objective, (b, 2)), 2 * Sxx2))
    add("hessian", "its determinant", s["det"], 4 * n * sxx,
        "det = 4 (n sum x_i^2 - (sum x_i)^2) = 4 n S_xx: with 2n > 0, the Hessian is positive definite "
        "exactly when S_xx > 0", (4 * n * Sxx2 - 4 * Sx**2, 4 * n * sxx))

    e = yi - s["ahat"] - s["bhat"] * xi
    fitted = {s["ahat"]: ahat_sums, s["bhat"]: bhat_sums}
    zero = sp.Integer(0)
    add("consequences", "the residuals sum to zero", total(e), zero,
        "the first normal equation at the solution", (total(e).subs(fitted), zero))
    add("consequences", f"the residuals are orthogonal to {names.x}", total(xi * e), zero,
        "the second normal equation at the solution", (total(xi * e).subs(fitted), zero))
    add("consequences", "the line passes through the means", s["ahat"] + s["bhat"] * xbar, ybar,
        "the first normal equation divided by n", (ahat_sums + bhat_sums * xbar, ybar))
    leverage = total(1 / n + (xi - xbar) ** 2 / sxx)
    add("consequences", "the leverages h_ii = 1/n + (x_i - xbar)^2/S_xx sum to 2", leverage, sp.Integer(2),
        "the trace of the hat matrix H = X (X^T X)^(-1) X^T is the number of coefficients")

    xn = names.x
    conditions = (
        f"{sxx} = sum ({xn}_i - {xbar})^2 > 0, that is n >= 2 and the {xn}_i are not all equal: "
        f"then the normal equations have exactly one solution",
        f"the Hessian [[2n, 2 sum {xn}_i], [2 sum {xn}_i, 2 sum {xn}_i^2]] has 2n > 0 and determinant "
        f"4 n {sxx} > 0, so it is positive definite: S is strictly convex and the solution is its unique minimum",
    )
    return SimpleSolution(names, s, objective, definitions, tuple(steps), (da, db), (eq_a, eq_b), slope, intercept,
                          bhat_sums, ahat_sums, hessian, conditions)
