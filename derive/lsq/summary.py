"""The regression summary of a least-squares fit to data: standard errors, t and p, residual standard error, R², F.

Two halves. The formulas are derived as steps about the model, in the user's names: E[b̂] = b,
Var(b̂) = σ²(XᵀX)⁻¹, e = (I − H)ε, RSS = εᵀ(I − H)ε, E[RSS] = σ²(n − p), TSS = MSS + RSS, the t and
F tails as incomplete beta functions, adjusted R² and F in terms of R². Each is certified: matrix
identities at random sizes and data (y = X b + ε), scalar identities by SymPy, the tails by mpmath
quadrature of the densities, the moment rules exactly for generic matrices at a small size, and the
t and F distributions of the statistics by a seeded simulation.

The numbers follow R's ``summary.lm`` exactly (weights as ``lm``'s: Var(εᵢ) = σ²/wᵢ, and a zero
weight drops its observation; R² about the mean with an intercept and about zero without; adjusted
R² with n − 1 or n): computed with numerical care ((XᵀX)⁻¹'s diagonal from the triangular factor of
the QR decomposition of the column-scaled, whitened design, never by inverting XᵀX), and each checked
against an independent computation (numpy's lstsq and an SVD, mpmath's incomplete beta for the t and F
tails, the correlation of y with the fitted values).
"""
from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from mpmath.libmp import NoConvergence

from derive.core.budget import Clock
from derive.core.contract import Certificate, Check, NotComputed, Plausible, Proved, Refuted, Unknown
from derive.core.errors import BudgetExceeded
from derive.core.memo import memo
from derive.lsq.model import CoefficientRow, RegressionSummary, SummaryScale, SummaryStep, ldexp_or_inf
from derive.matrix import expr as M
from derive.matrix.numeric import Point, Undefined, brief, evaluate

EPS = float(np.finfo(float).eps)
SIZES = ((6, 3), (5, 2), (8, 4), (7, 1), (9, 5))
"""(n, p) of the random data the matrix steps are checked at."""
SIMULATIONS = 20000
"""Data sets simulated under normal errors to check the t and F distributions."""


# -- who is who: the model's names, and the summary's own ---------------------------------------


@dataclass(frozen=True, slots=True)
class Roles:
    """The matrices of the summary's formulas, in the user's names, and the metric of the residual."""

    X: M.MatSym
    y: M.MatSym
    b: M.MatSym
    metric: M.Node | None
    """W (wls) or Sigma^-1 (gls); None for ordinary least squares."""
    cov: M.Node | None
    """Var(eps)/sigma^2: W^-1 or Sigma; None for the identity."""
    eps: M.MatSym
    e: M.MatSym
    H: M.MatSym
    ybar: M.MatSym
    sigma: sp.Symbol
    method: str
    x: str = ""
    """The regressor's name for simple regression (X = [1, x]); empty for the matrix models."""

    @property
    def n(self) -> sp.Expr:
        return self.X.rows

    @property
    def p(self) -> sp.Expr:
        return self.X.cols


def _free(candidates: Sequence[str], taken: set[str]) -> str:
    """The first candidate name not taken by the model's roles."""
    for c in candidates:
        if c not in taken:
            taken.add(c)
            return c
    raise AssertionError("no free name")  # pragma: no cover - the lists are longer than the roles


def roles_of(model: Any) -> Roles:
    """The summary's matrices for a model: its own X, y, b and metric, or (simple) X = [1, x] and theta = (a, b)."""
    names = dict(model.names)
    taken = set(names.values())
    n, p = M.dim("n"), M.dim("p")
    metric: M.Node | None = None
    if "X" in names:
        s = model.symbols()
        X, y, b = s["X"], s["y"], s["b"]
        metric = model.metric()
    else:  # simple regression: its line in matrix form
        X = M.MatSym(_free(("X", "D", "Z"), taken), n, p)
        y = M.MatSym(names["y"], n, M.ONE)
        b = M.MatSym(_free(("theta", "beta", "c"), taken), p, M.ONE)
    cov = None if metric is None else M.inverse(metric)
    method = "ols" if metric is None else ("gls" if isinstance(metric, M.Inverse) else "wls")
    props = frozenset({"symmetric"}) if metric is None else frozenset()
    return Roles(X, y, b, metric, cov, M.MatSym(_free(("epsilon", "u", "eps"), taken), n, M.ONE),
                 M.MatSym("e", n, M.ONE), M.MatSym(_free(("H", "P", "Hat"), taken), n, n, props),
                 M.MatSym(_free((f"{y.name}bar", "ybar", "m"), taken), M.ONE, M.ONE),
                 sp.Symbol(_free(("sigma", "s", "sigma_e"), taken), positive=True), method,
                 "" if "X" in names else names["x"])


def _mul(*factors: M.Node | None) -> M.Node:
    return M.mul(*(f for f in factors if f is not None))


def _minus(a: M.Node, b: M.Node) -> M.Node:
    return M.add(a, M.mul(M.const(-1), b))


# -- the formulas, derived as steps ---------------------------------------------------------------

NU, D1, D2 = sp.symbols("nu d1 d2", positive=True)
T, S, F_ = sp.Symbol("t", real=True), sp.Symbol("s", positive=True), sp.Symbol("f", positive=True)
RSS, TSS, R2, NN, PP = sp.symbols("RSS TSS R2 n p", positive=True)
SUM_X, XBAR = sp.symbols("sum_x xbar", real=True)
SUM_X2, SXX = sp.symbols("sum_x2 S_xx", positive=True)
"""Simple regression's sums: Σxᵢ, x̄, Σxᵢ² and S_xx = Σ(xᵢ − x̄)²."""
F_T, F_F = sp.Function("f_T"), sp.Function("f_F")
"""Student's t density with nu degrees of freedom and Fisher's F density with (d1, d2): named in the formulas."""


def scalar_definitions() -> tuple[tuple[Any, Any], ...]:
    """What the scalar formulas' names stand for: the two densities, and R² = 1 - RSS/TSS."""
    t_density = sp.gamma((NU + 1) / 2) / (sp.sqrt(sp.pi * NU) * sp.gamma(NU / 2)) * (1 + S**2 / NU) ** (-(NU + 1) / 2)
    f_density = (sp.gamma((D1 + D2) / 2) / (sp.gamma(D1 / 2) * sp.gamma(D2 / 2)) * (D1 / D2) ** (D1 / 2)
                 * S ** (D1 / 2 - 1) * (1 + D1 * S / D2) ** (-(D1 + D2) / 2))
    return ((F_T(S), t_density), (F_F(S), f_density), (R2, 1 - RSS / TSS), (SUM_X, NN * XBAR),
            (SUM_X2, SXX + NN * XBAR**2))


def expand_scalar(e: sp.Expr) -> sp.Expr:
    """A scalar formula with the densities and R² written out."""
    for name, value in scalar_definitions():
        e = e.replace(name.func, sp.Lambda(S, value)) if isinstance(name, sp.core.function.AppliedUndef) \
            else e.xreplace({name: value})
    return e


def definitions(r: Roles) -> tuple[tuple[M.MatSym, M.Node], ...]:
    """The abbreviations of the matrix steps, in the order they are expanded: e, then y-bar, then H."""
    X, Om = r.X, r.metric
    G = _mul(M.transpose(X), Om, X)
    hat = _mul(X, M.inverse(G), M.transpose(X), Om)
    ones = M.Ones(r.n, M.ONE)
    ybar = _mul(M.inverse(_mul(M.transpose(ones), Om, ones)), M.transpose(ones), Om, r.y)
    return ((r.e, _mul(_minus(M.Identity(r.n), r.H), r.y)), (r.ybar, ybar), (r.H, hat))


def summary_steps(r: Roles, intercept: bool) -> tuple[SummaryStep, ...]:
    """E[b-hat], Var(b-hat), e, RSS, E[RSS], the distributions, the t tail; with R²: TSS, adjusted R², F, its tail."""
    X, y, b, Om, V, eps, e, H = r.X, r.y, r.b, r.metric, r.cov, r.eps, r.e, r.H
    xn, bn, yn, hn = X.name, b.name, y.name, H.name
    n = r.n
    xt = M.transpose(X)
    G = _mul(xt, Om, X)
    A = _mul(M.inverse(G), xt, Om)
    sig2 = M.const(r.sigma**2)
    IH = _minus(M.Identity(n), H)
    var_y = "sigma^2 I" if V is None else f"sigma^2 {M.plain(V)}"
    trace_chain = [_mul(sig2, M.trace(_mul(Om, IH, V))), _mul(sig2, M.trace(IH)), M.const(r.sigma**2 * (n - r.p))]
    projection = (f"(I - {hn})^T (I - {hn}) = I - {hn}" if Om is None else
                  f"(I - {hn})^T {M.plain(Om)} (I - {hn}) = {M.plain(Om)} (I - {hn})")
    steps = [
        SummaryStep(kind="mean", chain=(_mul(A, X, b), b),
                    justification=f"E[A u] = A E[u] with {bn}-hat = A {yn}, E[{yn}] = {xn} {bn}: unbiased"),
        SummaryStep(kind="variance", chain=(_mul(sig2, A, V, M.transpose(A)), _mul(sig2, M.inverse(G))),
                    justification=f"Var(A u) = A Var(u) A^T with Var({yn}) = {var_y}"),
        *(simple_steps(r) if r.x else ()),
        SummaryStep(kind="residual", chain=(_mul(IH, y), _mul(IH, M.add(_mul(X, b), eps)), _mul(IH, eps)),
                    justification=f"{yn} = {xn} {bn} + {eps.name}, and (I - {hn}) {xn} = 0"),
        SummaryStep(kind="rss", chain=(_mul(M.transpose(e), Om, e),
                                       _mul(M.transpose(eps), M.transpose(IH), Om, IH, eps),
                                       _mul(M.transpose(eps), Om, IH, eps)),
                    justification=f"{projection}: {hn} is a projection"),
        SummaryStep(kind="expected_rss", chain=tuple(dict.fromkeys(trace_chain)),
                    justification=f"E[u^T B u] = tr(B Var(u)) for E[u] = 0; tr({hn}) = tr(I_p) = p"),
        SummaryStep(kind="distribution",
                    justification="normal errors: (n - p) sigma-hat^2/sigma^2 is chi-squared(n - p), independent of "
                    f"{bn}-hat"),
        SummaryStep(kind="t_pvalue", chain=(2 * sp.Integral(F_T(S), (S, sp.Abs(T), sp.oo)),
                                            sp.betainc_regularized(NU / 2, sp.S.Half, 0, NU / (NU + T**2))),
                    scalar=True, justification="Student's t tail as an incomplete beta function"),
    ]
    if r.method == "gls":
        return tuple(steps)
    k = 1 if intercept else 0
    ones = M.Ones(n, M.ONE)
    fitted = _mul(H, y)
    if intercept:
        cy, cf = _minus(y, _mul(ones, r.ybar)), _minus(fitted, _mul(ones, r.ybar))
        tss = (_mul(M.transpose(cy), Om, cy), M.add(_mul(M.transpose(cf), Om, cf), _mul(M.transpose(e), Om, e)))
        why = f"an intercept: {hn} 1 = 1, so the fit about the mean is orthogonal to e"
    else:
        tss = (_mul(M.transpose(y), Om, y), M.add(_mul(M.transpose(fitted), Om, fitted), _mul(M.transpose(e), Om, e)))
        why = f"no intercept, about 0: {hn} {yn} is orthogonal to e"
    steps += [
        SummaryStep(kind="tss", chain=tss, justification=why),
        SummaryStep(kind="adjusted", chain=(1 - (RSS / (NN - PP)) / (TSS / (NN - k)), 1 - (1 - R2) * (NN - k) / (NN - PP)),
                    scalar=True, justification=f"RSS and TSS over n - p and n - {k} degrees of freedom"),
        SummaryStep(kind="fstat", chain=(((TSS - RSS) / (PP - k)) / (RSS / (NN - PP)),
                                         (R2 / (PP - k)) / ((1 - R2) / (NN - PP))),
                    scalar=True, justification=f"MSS = TSS - RSS over p - {k}, RSS over n - p"),
        SummaryStep(kind="f_pvalue", chain=(sp.Integral(F_F(S), (S, F_, sp.oo)),
                                            sp.betainc_regularized(D2 / 2, D1 / 2, 0, D2 / (D2 + D1 * F_))),
                    scalar=True, justification="Fisher's F tail as an incomplete beta function"),
    ]
    return tuple(steps)


def simple_steps(r: Roles) -> tuple[SummaryStep, ...]:
    """Simple regression, X = [1, x]: the diagonal of (X^T X)^-1 in sums, so se(slope) = sigma-hat/sqrt(S_xx) and
    se(intercept) = sigma-hat sqrt(1/n + xbar^2/S_xx)."""
    x = r.x
    why = (f"X^T X = [[n, sum {x}_i], [sum {x}_i, sum {x}_i^2]] inverted by its adjugate; sum {x}_i = n {x}bar and "
           f"sum {x}_i^2 = S_{x}{x} + n {x}bar^2")
    det = NN * SUM_X2 - SUM_X**2
    return (SummaryStep(kind="gram_slope", chain=(NN / det, 1 / SXX), scalar=True, justification=why),
            SummaryStep(kind="gram_intercept", chain=(SUM_X2 / det, 1 / NN + XBAR**2 / SXX), scalar=True,
                        justification=why))


# -- certifying the formulas ----------------------------------------------------------------------


def _draw(r: Roles, n: int, p: int, intercept: bool, rng: np.random.Generator, label: str) -> Point:
    """Random data at (n, p) with y = X b + eps (the model), X with a column of ones for an intercept."""
    X = rng.standard_normal((n, p))
    if intercept:
        X[:, 0] = 1.0
    b, eps = rng.standard_normal((p, 1)), rng.standard_normal((n, 1))
    values: dict[str, Any] = {r.X.name: X, r.b.name: b, r.eps.name: eps, r.y.name: X @ b + eps}
    for node in M.walk(r.metric) if r.metric is not None else ():
        if isinstance(node, M.MatSym):
            if "diagonal" in node.props:
                values[node.name] = np.diag(rng.uniform(0.5, 2.0, n))
            else:
                g = rng.standard_normal((n, n))
                values[node.name] = g @ g.T / n + np.eye(n)
    return Point({r.n: n, r.p: p}, values,
                 {r.sigma: float(rng.uniform(0.5, 2.0))}, {}, label, max_cond=1e8)


def expand(node: M.Node, defs: Sequence[tuple[M.MatSym, M.Node]]) -> M.Node:
    """``node`` with the abbreviations replaced by what they stand for."""
    for sym, value in defs:
        node = M.substitute(node, sym, value)
    return node


def certify_matrix_chain(step: SummaryStep, r: Roles, intercept: bool, clock: Clock, seed: int) -> Certificate:
    """Every expression of the chain equal to the first, at random data of the sizes SIZES."""
    defs = definitions(r)
    chain = [expand(c, defs) for c in step.chain]
    rng = np.random.default_rng(seed)
    worst = 0.0
    for k, (n, p) in enumerate(SIZES):
        clock.check("the regression summary's formulas")
        pt = _draw(r, n, p, intercept, rng, f"{k}")
        try:
            values = [evaluate(c, pt) for c in chain]
        except Undefined as exc:
            return Unknown(f"undefined at (n, p) = ({n}, {p}): {exc}")
        for v in values[1:]:
            if v.shape != values[0].shape:
                return Refuted(pt.describe(), f"an array of shape {values[0].shape}", f"one of shape {v.shape}")
            scale = max(1.0, float(np.max(np.abs(values[0]))), float(np.max(np.abs(v))))
            err = float(np.max(np.abs(values[0] - v))) / scale
            if not err <= 1e-8:
                return Refuted(pt.describe(), brief(values[0]), brief(v))
            worst = max(worst, err)
    sizes = ", ".join(f"({n}, {p})" for n, p in SIZES)
    return Plausible(len(SIZES), f"random data at (n, p) = {sizes}", worst,
                     f"{r.y.name} = {r.X.name} {r.b.name} + {r.eps.name}"
                     + (", a column of ones in X" if intercept else ""))


def _mp_function(expr: sp.Expr) -> Callable[[dict[sp.Symbol, float]], float]:
    """A tail expression as a function of a point, by mpmath (an integral by quadrature) at 20 digits."""
    import mpmath

    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    fn = sp.lambdify(syms, expr, modules=[{"betainc_regularized": _betainc}, "mpmath"])

    def value(point: dict[sp.Symbol, float]) -> float:
        with mpmath.workdps(20):
            return float(fn(*(mpmath.mpf(point[s]) for s in syms)))

    return value


def _betainc(a: Any, b: Any, x1: Any, x2: Any) -> Any:
    import mpmath

    return mpmath.betainc(a, b, x1, x2, regularized=True)


def certify_tail(step: SummaryStep, seed: int) -> Certificate:
    """The density's tail against the incomplete beta at random degrees of freedom and statistics, by mpmath."""
    rng = np.random.default_rng(seed)
    lhs, rhs = (expand_scalar(c) for c in step.chain)
    left, right = _mp_function(lhs), _mp_function(rhs)
    worst = 0.0
    draws = 4
    for _ in range(draws):
        point = {NU: float(rng.integers(1, 40)), T: float(rng.uniform(-6.0, 6.0)), D1: float(rng.integers(1, 12)),
                 D2: float(rng.integers(1, 40)), F_: float(rng.uniform(0.05, 8.0))}
        a, b = left(point), right(point)
        err = abs(a - b) / max(abs(a), abs(b), 1e-300)
        if not err <= 1e-10:
            return Refuted(tuple((s.name, f"{v:g}") for s, v in point.items() if s in lhs.free_symbols),
                           f"{a:.15g}", f"{b:.15g}")
        worst = max(worst, err)
    return Plausible(draws, "random degrees of freedom and statistics", worst,
                     "the integral by mpmath quadrature at 20 digits, the incomplete beta by mpmath")


def certify_scalar_chain(step: SummaryStep) -> Certificate:
    """SymPy: every expression of the chain minus the first cancels to 0 (with R² = 1 - RSS/TSS)."""
    first = expand_scalar(step.chain[0])
    for other in step.chain[1:]:
        if sp.cancel(first - expand_scalar(other)) != 0:
            point = {RSS: sp.Integer(3), TSS: sp.Integer(7), NN: sp.Integer(11), PP: sp.Integer(4), XBAR: sp.Integer(2),
                     SXX: sp.Integer(5)}
            return Refuted(tuple((str(k), str(v)) for k, v in point.items()), str(first.xreplace(point)),
                           str(expand_scalar(other).xreplace(point)))
    given = [text for sym, text in ((R2, "R² = 1 - RSS/TSS"), (SUM_X, "sum x_i = n xbar"),
                                    (SUM_X2, "sum x_i^2 = S_xx + n xbar^2")) if any(c.has(sym) for c in step.chain)]
    return Proved("SymPy: the difference cancels to 0" + (f", with {' and '.join(given)}" if given else ""))


def _tail_probabilities(r: Roles, intercept: bool, seed: int) -> list[tuple[str, float, int, float, float]]:
    """(statistic, threshold, count beyond it among SIMULATIONS, its probability under the claim, under a wrong df)."""
    n, p = 6, 3
    k = 1 if intercept else 0
    df = n - p
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if intercept:
        X[:, 0] = 1.0
    z = rng.standard_normal((n, SIMULATIONS))
    if r.method == "wls":
        w = rng.uniform(0.3, 3.0, n)
        noise, root = z / np.sqrt(w)[:, None], np.diag(np.sqrt(w))
    elif r.method == "gls":
        g = rng.standard_normal((n, n))
        L = np.linalg.cholesky(g @ g.T / n + np.eye(n))
        noise, root, w = L @ z, np.linalg.inv(L), np.ones(n)
    else:
        w, noise, root = np.ones(n), z, np.eye(n)
    Xw, Yw = root @ X, root @ (1.7 * noise)  # b = 0, sigma = 1.7: every statistic has its null distribution
    q, rr = np.linalg.qr(Xw)
    B = np.linalg.solve(rr, q.T @ Yw)
    s2 = np.sum((Yw - Xw @ B) ** 2, axis=0) / df
    inv_diag = np.sum(np.linalg.inv(rr) ** 2, axis=1)
    t = np.abs(B[-1] / np.sqrt(s2 * inv_diag[-1]))
    out = []
    for c in (1.0, 2.0, 3.0, 5.0):
        out.append((f"|t| > {c:g}", c, int(np.sum(t > c)), _t_tail(c, df), _t_tail(c, df + 2)))
    if r.method != "gls" and p > k:
        fitted = X @ B
        ww = w[:, None]
        mss = (np.sum(ww * (fitted - (w @ fitted) / w.sum()) ** 2, axis=0) if intercept
               else np.sum(ww * fitted**2, axis=0))
        f = (mss / (p - k)) / s2
        for c in (1.0, 3.0, 10.0):
            out.append((f"F > {c:g}", c, int(np.sum(f > c)), _f_tail(c, p - k, df), _f_tail(c, p - k, df + 2)))
    return out


def _t_tail(c: float, df: int) -> float:
    """2 P(T > c) for Student's t on ``df`` degrees of freedom, by scipy's ``stdtr`` (Cephes): the exact
    probability the simulated frequencies are compared with. The simulation is the independent side of
    that check, so a library value serves; the derived p-value formula has its own check (``certify_tail``)."""
    from scipy.special import stdtr  # type: ignore[import-untyped]  # scipy ships no stubs

    return float(2.0 * stdtr(df, -c))


def _f_tail(c: float, d1: int, d2: int) -> float:
    """P(F > c) for Fisher's F on (``d1``, ``d2``) degrees of freedom, by scipy's ``fdtrc`` (see ``_t_tail``)."""
    from scipy.special import fdtrc

    return float(fdtrc(d1, d2, c))


def certify_distribution(r: Roles, intercept: bool, seed: int) -> Certificate:
    """Tail frequencies of t and F over simulated data sets under normal errors against t(n - p) and F(p - k, n - p)."""
    n, p = 6, 3
    k = 1 if intercept else 0
    worst = 0.0
    wrong = 0.0
    rows = _tail_probabilities(r, intercept, seed)
    for label, _, count, prob, other in rows:
        freq = count / SIMULATIONS
        z = abs(freq - prob) / math.sqrt(prob * (1 - prob) / SIMULATIONS)
        wrong = max(wrong, abs(freq - other) / math.sqrt(other * (1 - other) / SIMULATIONS))
        if z > 5:
            return Refuted((("simulated data sets", str(SIMULATIONS)), ("n", str(n)), ("p", str(p)),
                            ("statistic", label)), f"frequency {freq:.4f}", f"probability {prob:.4f}")
        worst = max(worst, z)
    what = f"t({n - p})" + ("" if r.method == "gls" else f" and F({p - k}, {n - p})")
    return Plausible(SIMULATIONS, f"data sets simulated under normal errors at n = {n}, p = {p}",
                     max(abs(count / SIMULATIONS - prob) / prob for _, _, count, prob, _ in rows),
                     f"tail frequencies of {what} within {worst:.1f} standard errors of the exact probabilities "
                     f"(with two more degrees of freedom they would be {wrong:.0f} away); seeded")


def moment_rules() -> Certificate:
    """Var(A u) = A Var(u) A^T and E[u^T B u] = tr(B Var(u)) exactly, for generic A (2 x 3), B and V (3 x 3)."""
    m = 3
    u = sp.symbols(f"u0:{m}", real=True)
    V = sp.Matrix(m, m, lambda i, j: sp.Symbol(f"V_{min(i, j)}{max(i, j)}", real=True))
    A = sp.Matrix(2, m, lambda i, j: sp.Symbol(f"A_{i}{j}", real=True))
    B = sp.Matrix(m, m, lambda i, j: sp.Symbol(f"B_{i}{j}", real=True))
    U = sp.Matrix(u)

    def expect(e: sp.Expr) -> sp.Expr:
        """E of a polynomial of degree at most 2 in u with E[u] = 0 and E[u_i u_j] = V_ij, term by term."""
        out = sp.Integer(0)
        for powers, c in sp.Poly(sp.expand(e), *u).terms():
            idx = [i for i, k in enumerate(powers) for _ in range(k)]
            if len(idx) == 0:
                out += c
            elif len(idx) == 2:
                out += c * V[idx[0], idx[1]]
            elif len(idx) > 2:  # pragma: no cover - the claims are quadratic
                raise ValueError("degree above 2")
        return out

    au = A * U
    var = sp.Matrix(2, 2, lambda i, j: expect(au[i] * au[j]))
    if sp.expand(var - A * V * A.T) != sp.zeros(2, 2):
        return Refuted((("n", "3"),), "E[(A u)(A u)^T]", "A V A^T")
    if sp.expand(expect((U.T * B * U)[0, 0]) - (B * V).trace()) != 0:
        return Refuted((("n", "3"),), "E[u^T B u]", "tr(B V)")
    return Proved("exact for generic A (2 x 3), B and symmetric V = Var(u) (3 x 3), E[u] = 0: E[u_i u_j] = V_ij "
                  "substituted term by term")


_CERTIFIED: dict[tuple[Any, ...], Certificate] = memo()
"""Certificates of the summary's formulas decided in this process, by step, roles and intercept. A formula
is the same claim on any data (the data only give its numbers), and each check is seeded by the step's
place, so the certificate decided once is the one decided again: a build's workers, forked after a
sheet's plan fitted its model once, inherit them."""


def _certify_step(i: int, st: SummaryStep, r: Roles, intercept: bool, clock: Clock) -> Certificate:
    if st.kind == "distribution":
        return certify_distribution(r, intercept, 70 + i)
    if st.kind in ("t_pvalue", "f_pvalue"):
        return certify_tail(st, 80 + i)
    if st.scalar:
        return certify_scalar_chain(st)
    return certify_matrix_chain(st, r, intercept, clock, 90 + i)


_MOMENT_RULES = "the moment rules Var(A u) = A Var(u) A^T and E[u^T B u] = tr(B Var(u))"
_MOMENTS_KEY = ("moment rules",)


def _moment_rules() -> Certificate:
    """``moment_rules()``, decided once per process (and taken from ``_CERTIFIED`` when a fit made in a
    worker brought it back: ``remember``)."""
    cert = _CERTIFIED.get(_MOMENTS_KEY)
    if cert is None:
        cert = _CERTIFIED[_MOMENTS_KEY] = moment_rules()
    return cert


def certify_summary(s: RegressionSummary, r: Roles, clock: Clock) -> RegressionSummary:
    """Every formula of the summary certified, and the moment rules it uses checked exactly."""
    if s.not_computed or not s.steps:
        return s
    steps = []
    try:
        for i, st in enumerate(s.steps):
            clock.check("the regression summary's formulas")
            key = (i, st.kind, st.scalar, st.chain, r, s.intercept)
            cert = _CERTIFIED.get(key)
            if cert is None:
                cert = _certify_step(i, st, r, s.intercept, clock)
                if isinstance(cert, (Proved, Plausible, Refuted)):  # decided: the same again on any data
                    _CERTIFIED[key] = cert
            steps.append(dataclasses.replace(st, certificate=cert))
        rules = Check(_MOMENT_RULES, _moment_rules())
    except BudgetExceeded as exc:
        from derive.core.contract import Timeout

        done = {id(x) for x in steps}
        steps += [dataclasses.replace(st, certificate=Timeout(exc.message)) for st in s.steps[len(steps):]
                  if id(st) not in done]
        rules = Check("the moment rules", Timeout(exc.message))
    return dataclasses.replace(s, steps=tuple(steps), checks=(rules, *s.checks))


# -- the numbers ----------------------------------------------------------------------------------


def coefficient_numbers(Xw: np.ndarray, yw: np.ndarray, b: np.ndarray) -> tuple[float, np.ndarray]:
    """RSS and the diagonal of (Xw^T Xw)^-1 by the derived formula, numerically: with Xw D^-1 = Q R for the column
    norms D, (Xw^T Xw)^-1 = D^-1 R^-1 R^-T D^-1, whose diagonal is the squared rows of R^-1 over D^2."""
    e = yw - Xw @ b
    rss = float(e @ e)
    d = np.linalg.norm(Xw, axis=0)
    from scipy.linalg import qr, solve_triangular  # type: ignore[import-untyped]  # scipy ships no stubs

    R = qr(Xw / d, mode="r")[0][: Xw.shape[1]]
    Rinv = solve_triangular(R, np.eye(R.shape[0]))  # back substitution
    return rss, np.sum(Rinv**2, axis=1) / d**2


def _beta_tail(a: float, b: float, num: float, other: float) -> float:
    """I_x(a, b) at x = num/(num + other), from the two parts so that neither x nor 1 - x is rounded near 1:
    where x > 1/2 it is 1 - I_{1-x}(b, a) (the incomplete beta's symmetry) with 1 - x = other/(num + other).
    By scipy's betainc (Cephes incbet: full relative precision in the far tail, any degrees of freedom)."""
    from scipy.special import betainc

    if math.isnan(num) or math.isnan(other):
        return math.nan
    if math.isinf(other):
        return 0.0
    if math.isinf(num) or other == 0.0:
        return 1.0
    if num <= other:
        return float(betainc(a, b, num / (num + other)))
    return float(1.0 - betainc(b, a, other / (num + other)))


def t_pvalues(t: np.ndarray, df: int) -> np.ndarray:
    """2 P(T > |t|) = I_{df/(df + t^2)}(df/2, 1/2), the derived formula (NaN for an undefined t)."""
    return np.array([_beta_tail(df / 2, 0.5, float(df), float(v * v)) for v in np.asarray(t, dtype=float)])


def f_pvalue(f: float, d1: int, d2: int) -> float:
    """P(F > f) = I_{d2/(d2 + d1 f)}(d2/2, d1/2)."""
    return _beta_tail(d2 / 2, d1 / 2, float(d2), d1 * f)


def _tail_quad(density: Callable[[Any], Any], a: Any) -> Any:
    """The integral of ``density`` over [a, oo) by mpmath quadrature, accurate for steep and flat tails alike.

    Below 1 the stretch [a, 1] is integrated directly. Beyond, s = a e^v: g(v) = density(a e^v) a e^v decays
    exponentially (or faster) in v, and the breakpoints follow its decay rate at v = 0, so that a tail of 1e-90
    (t = 2000 on 34 degrees of freedom) has as many correct digits as one of 0.3."""
    import mpmath

    if a < 1:
        return mpmath.quad(density, [a, 1]) + _tail_quad(density, mpmath.mpf(1))

    def g(v: Any) -> Any:
        return density(a * mpmath.exp(v)) * a * mpmath.exp(v)

    rate = abs(mpmath.diff(lambda v: mpmath.log(g(v)), 0))
    h = 1 / max(rate, mpmath.mpf(1) / 64)
    return mpmath.quad(g, [0, *(h * mpmath.mpf(2) ** j for j in range(-3, 12)), mpmath.inf])


def _mp_t_tail(t: float, df: int) -> float:
    """2 P(T > |t|) = I_{df/(df + t^2)}(df/2, 1/2) by mpmath at 30 digits: the independent evaluation of the
    p-values derive computes with scipy's (Cephes' continued fraction). mpmath's incomplete beta (its
    hypergeometric series) first; where that series does not converge (hundreds of thousands of degrees
    of freedom and a large t), quadrature of Student's density. The formula itself, the density's tail as
    that incomplete beta, is certified by quadrature of the density (``certify_tail``), once per summary."""
    import mpmath

    if not math.isfinite(t):
        return 0.0 if math.isinf(t) else math.nan
    if t == 0.0:
        return 1.0
    with mpmath.workdps(30):
        nu, tt = mpmath.mpf(df), mpmath.mpf(abs(t))
        try:
            return float(mpmath.betainc(nu / 2, mpmath.mpf(1) / 2, 0, nu / (nu + tt * tt), regularized=True))
        except _SERIES_FAILED:
            c = mpmath.gamma((nu + 1) / 2) / (mpmath.sqrt(mpmath.pi * nu) * mpmath.gamma(nu / 2))
            return float(2 * c * _tail_quad(lambda s: (1 + s * s / nu) ** (-(nu + 1) / 2), tt))


def _mp_f_tail(f: float, d1: int, d2: int) -> float:
    """P(F > f) = I_{d2/(d2 + d1 f)}(d2/2, d1/2) by mpmath at 30 digits (see ``_mp_t_tail``)."""
    import mpmath

    if math.isinf(f):
        return 0.0
    if not f > 0.0:
        return 1.0 if f == 0.0 else math.nan
    with mpmath.workdps(30):
        a, b, x = mpmath.mpf(d1), mpmath.mpf(d2), mpmath.mpf(f)
        try:
            return float(mpmath.betainc(b / 2, a / 2, 0, b / (b + a * x), regularized=True))
        except _SERIES_FAILED:
            c = mpmath.gamma((a + b) / 2) / (mpmath.gamma(a / 2) * mpmath.gamma(b / 2)) * (a / b) ** (a / 2)
            return float(c * _tail_quad(lambda s: s ** (a / 2 - 1) * (1 + a * s / b) ** (-(a + b) / 2), x))


_SERIES_FAILED = (NoConvergence, ValueError, ZeroDivisionError)
"""What mpmath's incomplete beta raises where its hypergeometric series fails (then: quadrature)."""


def _close(a: float, b: float, tol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= tol * max(abs(a), abs(b), 1e-300)


def _compare(name: str, pairs: Sequence[tuple[str, float, float]], tol: float, domain: str, note: str,
             absolute: bool = False, floors: Sequence[float] = ()) -> Check:
    """derive's numbers against the independent ones: refuted at the first beyond ``tol`` (relative, or absolute),
    plus the pair's absolute ``floors`` (the rounding level of a quantity computed from residuals)."""
    worst = 0.0
    for i, (label, ours, theirs) in enumerate(pairs):
        extra = floors[i] if i < len(floors) else 0.0
        if absolute and math.isfinite(ours):
            ok = abs(ours - theirs) <= tol + extra
        elif extra > 0 and math.isfinite(ours) and math.isfinite(theirs):
            ok = abs(ours - theirs) <= tol * max(abs(ours), abs(theirs)) + extra
        else:
            ok = _close(ours, theirs, tol)
        if not ok:
            return Check(name, Refuted((("quantity", label),), f"derive's {ours:.15g}", f"{theirs:.15g}"))
        if math.isfinite(ours) and math.isfinite(theirs) and ours != theirs:
            worst = max(worst, abs(ours - theirs) / (1.0 if absolute else max(abs(ours), abs(theirs))))
    return Check(name, Plausible(len(pairs), domain, worst, note))


@dataclass(frozen=True, slots=True)
class Whitened:
    """The design and response in the metric of the fit (rows of zero weight dropped), for the independent checks.

    ``X`` and ``y`` may be scaled by powers of two (column j of the user's design is ``X[:, j] * 2**e[j]``, the
    response ``y * 2**ey``); every check then compares derive's numbers brought to the same scale (exactly:
    a power of two), so data near 1e300 are checked without overflow.
    """

    X: np.ndarray
    y: np.ndarray
    fitted_scale: np.ndarray | None
    """sqrt of the weights (wls) for R²; None for ols; gls has no R²."""
    dropped: int
    e: np.ndarray | None = None
    ey: int = 0


def whiten(X: np.ndarray, y: np.ndarray, weights: np.ndarray | None, chol: np.ndarray | None,
           e: np.ndarray | None = None, ey: int = 0) -> Whitened:
    """W^(1/2) X, W^(1/2) y without the zero weights (wls); L^-1 X, L^-1 y with Sigma = L L^T (gls)."""
    if chol is not None:
        return Whitened(np.linalg.solve(chol, X), np.linalg.solve(chol, y), None, 0, e, ey)
    if weights is None:
        return Whitened(X, y, None, 0, e, ey)
    keep = weights > 0
    root = np.sqrt(weights[keep])
    return Whitened(root[:, None] * X[keep], root * y[keep], root, int(np.sum(~keep)), e, ey)


@dataclass(frozen=True, slots=True)
class FitStats:
    """What the summary is computed from: the fit's estimate and its sums, as the numeric core made them.

    ``cov_diag`` is the diagonal of (X^T W X)^-1; ``tss`` is about the (weighted) mean with an intercept, about
    zero without; ``n`` counts the observations of positive weight; ``exact`` says the sums and the diagonal were
    computed in exact rational arithmetic (then each correctly rounded).

    The sums are in the units of the scaled design (column j of X is a_j 2^e_j, y is ys 2^ey): ``rss`` and
    ``tss`` are RSS and TSS times 2^(-2 ey), ``cov_diag[j]`` is [(X^T W X)^-1]_jj times 2^(2 e_j) (``e`` empty:
    all 0), so that sums of squares beyond double precision's range (data near 1e300) keep every digit.
    """

    columns: tuple[str, ...]
    estimate: tuple[float, ...]
    rss: float
    tss: float
    cov_diag: tuple[float, ...]
    n: int
    rank: int
    dropped: int = 0
    exact: bool = False
    e: tuple[int, ...] = ()
    ey: int = 0


def _exponent(v: np.ndarray) -> int:
    """The power of two that brings the largest |v_i| into [1/2, 1) (0 for a zero vector or a non-finite one)."""
    top = float(np.max(np.abs(v))) if v.size else 0.0
    return math.frexp(top)[1] if top != 0.0 and math.isfinite(top) else 0


def stats_by_qr(X: np.ndarray, y: np.ndarray, b: np.ndarray, columns: Sequence[str], intercept: bool,
                weights: np.ndarray | None = None) -> tuple[FitStats, Whitened]:
    """FitStats of an estimate ``b`` on a design given as arrays (the library path): RSS from the residuals,
    (X^T W X)^-1's diagonal from the QR factor of the column-scaled, whitened design, TSS by fsum; all on X and y
    scaled by powers of two (exact), so that values near the end of double precision's range do not overflow."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).ravel()
    e = np.array([_exponent(X[:, j]) for j in range(X.shape[1])], dtype=np.int64)
    ey = _exponent(y)
    w = whiten(np.ldexp(X, e[None, :] * -1), np.ldexp(y, -ey),
               None if weights is None else np.asarray(weights, dtype=float), None, e, ey)
    with np.errstate(all="ignore"):
        z = np.ldexp(np.asarray(b, dtype=float).ravel(), e - ey)
    rss, inv_diag = coefficient_numbers(w.X, w.y, z)
    ww = np.ones(len(w.y)) if w.fitted_scale is None else w.fitted_scale**2
    yy = w.y / (1.0 if w.fitted_scale is None else w.fitted_scale)
    if intercept:
        mean = math.fsum((ww * yy).tolist()) / math.fsum(ww.tolist())
        tss = math.fsum((ww * (yy - mean) ** 2).tolist())
    else:
        tss = math.fsum((ww * yy**2).tolist())
    n, p = w.X.shape
    rank = int(np.linalg.matrix_rank(w.X)) if n else 0
    return FitStats(tuple(columns), tuple(float(v) for v in np.asarray(b, dtype=float).ravel()), rss, tss,
                    tuple(float(v) for v in inv_diag), n, rank, w.dropped, e=tuple(int(k) for k in e), ey=ey), w


def summarize(model: Any, X: np.ndarray, y: np.ndarray, b: np.ndarray, *, columns: Sequence[str],
              intercept: bool, weights: np.ndarray | None = None) -> RegressionSummary:
    """The summary of an estimate ``b`` on arrays X, y (and wls weights): ``stats_by_qr``, then ``build_summary``."""
    stats, w = stats_by_qr(X, y, b, columns, intercept, weights)
    return build_summary(model, stats, w, intercept)


def summarize_fit(model: Any, fit: Any, intercept: bool) -> RegressionSummary:
    """The summary of a DataFit from the numeric core: its estimate, RSS, TSS and (X^T W X)^-1 diagonal (exact
    where the fit was exact), checked against the scaled design the fit carries."""
    reason = getattr(model, "summary_reason", "")
    if reason or fit.cov_scaled is None or fit.rss_scaled is None or fit.tss_scaled is None:
        return build_summary(model, None, None, intercept,
                             reason or "the fit gives no covariance of its estimate")
    a, e, ys, ey, weights = fit.scaled_design
    w = whiten(a, ys, weights, None, e, ey)
    used = fit.rows_used if fit.rows_used is not None else len(ys)
    stats = FitStats(tuple(fit.columns), tuple(fit.estimate), float(fit.rss_scaled), float(fit.tss_scaled),
                     tuple(fit.cov_scaled), used, fit.rank if fit.rank is not None else a.shape[1],
                     fit.rows - used, bool(fit.stats_exact), e=tuple(fit.x_exponents), ey=int(fit.y_exponent))
    return build_summary(model, stats, w, intercept)


def build_summary(model: Any, f: FitStats | None, w: Whitened | None, intercept: bool,
                  reason: str = "") -> RegressionSummary:
    """The summary's numbers by the derived formulas from the fit's sums, their independent checks on the design
    ``w``, and its steps, not yet certified (``certify_summary`` does that under the budget)."""
    r = roles_of(model)
    names: tuple[tuple[str, str], ...] = (("X", r.X.name), ("y", r.y.name), ("b", r.b.name), ("epsilon", r.eps.name),
                                          ("H", r.H.name), ("ybar", r.ybar.name), ("sigma", r.sigma.name),
                                          ("e", r.e.name))
    names += tuple((k, str(M.plain(v))) for k, v in (("metric", r.metric), ("cov", r.cov)) if v is not None)
    names += (("x", r.x),) if r.x else ()
    gram = M.inverse(_mul(M.transpose(r.X), r.metric, r.X))
    base = RegressionSummary(method=r.method, intercept=intercept, names=names, definitions=definitions(r),
                             error_cov=r.cov, gram_inverse=gram, scalar_definitions=scalar_definitions()[:2])
    reason = reason or getattr(model, "summary_reason", "")
    if reason or f is None or w is None:
        return dataclasses.replace(base, not_computed=reason)
    n, p = f.n, len(f.estimate)
    if f.rank < p:
        return dataclasses.replace(base, n=n, p=p, not_computed=f"X has rank {f.rank} < {p}: the coefficients are "
                                   f"not determined, so they have no standard errors")
    if n <= p:
        return dataclasses.replace(base, n=n, p=p, not_computed=f"no residual degrees of freedom (n = {n} "
                                   f"observations{' of positive weight' if w.fitted_scale is not None else ''}, "
                                   f"p = {p} coefficients): sigma cannot be estimated")
    df = n - p
    b = np.asarray(f.estimate, dtype=float)
    # in the units of the scaled design (powers of two, exact): sums of squares near 1e600 do not overflow;
    # t, R² and F are ratios, free of the units; sigma-hat and the standard errors are unscaled at the end
    e = tuple(f.e) if f.e else (0,) * p
    sigma_s = math.sqrt(f.rss / df)
    perfect = f.rss == 0.0
    with np.errstate(all="ignore"):
        se_s = sigma_s * np.sqrt(np.asarray(f.cov_diag, dtype=float))
        z = np.ldexp(b, np.asarray(e, dtype=np.int64) - f.ey)  # b_j 2^(e_j - ey): b in the same units
        t = np.full(p, math.nan) if perfect else z / se_s  # b/0: no t statistic for a perfect fit
    sigma = ldexp_or_inf(sigma_s, f.ey)
    se = np.array([ldexp_or_inf(float(v), f.ey - k) for v, k in zip(se_s, e)])
    pv = t_pvalues(t, df)
    rows = tuple(CoefficientRow(c, float(bj), float(sj), float(tj), float(pj))
                 for c, bj, sj, tj, pj in zip(f.columns, b, se, t, pv))
    notes: list[str] = []
    if f.dropped:
        notes.append(f"{f.dropped} observation{'s' if f.dropped > 1 else ''} of zero weight dropped (as R's lm): "
                     f"n counts the {n} of positive weight")
    if perfect:
        notes.append("a perfect fit: RSS = 0" + (" exactly" if f.exact else "") + ", so sigma-hat and every standard "
                     "error are 0 and t, its p-value and F (divisions by 0) are not defined (NaN); R warns "
                     "\"essentially perfect fit: summary may be unreliable\"")
    if not f.exact and n:
        kappa = float(np.linalg.cond(w.X / np.linalg.norm(w.X, axis=0)))
        if kappa >= 1e6:
            digits = max(0, int(16 - math.log10(kappa)))
            notes.append(f"the standard errors come from the QR factor in double precision at condition number "
                         f"{kappa:.1e} (columns scaled to unit length): expect about {digits} correct digits, not 15")
    if f.exact:
        notes.append("RSS, TSS and the diagonal of the inverse Gram matrix computed in exact rational arithmetic "
                     "from the file's decimals, each then correctly rounded")
    rss = ldexp_or_inf(f.rss, 2 * f.ey)
    notes += _range_notes(f, rss, sigma, sigma_s, se, se_s, e)
    k = 1 if intercept else 0
    r2 = adj = fstat = fp = None
    f_df = None
    about = ""
    if r.method != "gls":
        about = ("mean" if w.fitted_scale is None else "weighted mean") if intercept else "zero"
        if p == k:  # the intercept alone: R's summary.lm gives R² = 0 and no F
            r2, adj = 0.0, 0.0
        else:
            r2 = 1 - f.rss / f.tss  # both in the same units: the ratio is RSS/TSS
            adj = 1 - (1 - r2) * ((n - k) / df)
            if not perfect:
                fstat = ((f.tss - f.rss) / (p - k)) / (f.rss / df)
                f_df = (p - k, df)
                fp = f_pvalue(fstat, p - k, df)
    else:
        notes.append("no R² or F for generalized least squares (the whitened design has no column of ones; "
                     "as nlme's summary.gls)")
    scaled = SummaryScale(f.ey, e, f.rss, sigma_s, tuple(float(v) for v in se_s))
    s = dataclasses.replace(base, rows=rows, n=n, p=p, rss=rss, sigma=sigma, r_squared=r2, adj_r_squared=adj,
                            r_squared_about=about, f_statistic=fstat, f_df=f_df, f_p_value=fp, notes=tuple(notes),
                            steps=summary_steps(r, intercept), scaled=scaled)
    return dataclasses.replace(s, checks=number_checks(s, w, intercept))


def _decimal(m: float, k: int) -> str:
    """m 2^k in decimal to 7 significant digits, at any exponent (by mpmath)."""
    import mpmath

    return str(mpmath.nstr(mpmath.ldexp(mpmath.mpf(m), k), 7))


def _range_notes(f: FitStats, rss: float, sigma: float, sigma_s: float, se: np.ndarray, se_s: np.ndarray,
                 e: Sequence[int]) -> list[str]:
    """Plain statements of the summary's numbers that are beyond double precision's range (their values, by mpmath),
    and of how the summary is computed then; none for data in double precision's ordinary range."""
    beyond = [f"RSS = {_decimal(f.rss, 2 * f.ey)}"] if f.rss > 0 and not (_in_range(rss) and rss != 0.0) else []
    if sigma_s > 0 and not (_in_range(sigma) and sigma != 0.0):
        beyond.append(f"sigma-hat = {_decimal(sigma_s, f.ey)}")
    for j, (v, vs) in enumerate(zip(se, se_s)):
        if vs > 0 and not (_in_range(v) and v != 0.0):
            beyond.append(f"the standard error of coefficient {j + 1} = {_decimal(float(vs), f.ey - e[j])}")
    if not beyond:
        return []
    return [f"{'; '.join(beyond)}: beyond double precision's range (about 2.2e-308 to 1.8e+308), so "
            f"{'it is' if len(beyond) == 1 else 'they are'} stated here in decimal (as a double "
            f"{'it is' if len(beyond) == 1 else 'each is'} Inf or 0, null in JSON). The summary carries the sums of squares scaled by the power of two 2^{-2 * f.ey} "
            f"(exact): sigma-hat and the standard errors are unscaled at the end, and t, R² and F are ratios, "
            f"free of the scale"]


def number_checks(s: RegressionSummary, w: Whitened, intercept: bool) -> tuple[Check, ...]:
    """The summary's numbers against an independent computation on the same data: lstsq and an SVD of the
    column-scaled design (in the scale of ``w``: derive's numbers are brought there by powers of two), mpmath's
    incomplete beta for the t and F tails. The estimates themselves are the fit's, certified by its own checks."""
    n, p, df = s.n, s.p, s.df_residual
    e = np.zeros(p, dtype=np.int64) if w.e is None else np.asarray(w.e, dtype=np.int64)
    ey = w.ey
    sc = s.scaled
    if sc is None:  # pragma: no cover - build_summary always sets it with numbers
        sc = SummaryScale(0, (0,) * p, s.rss, s.sigma, tuple(r.std_error for r in s.rows))
    sc_e = np.asarray(sc.e if sc.e else (0,) * p, dtype=np.int64)
    d = np.linalg.norm(w.X, axis=0)
    _, sv, vt = np.linalg.svd(w.X / d, full_matrices=False)
    kappa = float(sv[0] / sv[-1]) if sv[-1] > 0 else math.inf
    tol = max(1e-9, 1e3 * kappa * EPS)
    domain = f"the data (n = {n}, p = {p})"
    how = f"tolerance {tol:.1e} (condition number {kappa:.2g} of the column-scaled design)"
    rows = s.rows
    names = ["residual standard error against numpy's lstsq residuals", "standard errors against an SVD of the design",
             "t values as the fit's estimates over the SVD's standard errors",
             "p-values against mpmath's incomplete beta (Student's t tail)"]
    if s.r_squared is not None:
        names += ["R² and adjusted R² against lstsq's fitted values"]
    if s.f_statistic is not None:
        names += ["F statistic and its p-value against (TSS - RSS) over lstsq's RSS and mpmath's incomplete beta"]
    if not tol < 0.1:  # double precision cannot tell right from wrong here
        why = Unknown(f"the column-scaled design has condition number {kappa:.1e}: a double-precision reference "
                      f"guarantees no digit of these numbers")
        return tuple(Check(name, why) for name in names)
    b_ref = np.linalg.lstsq(w.X / d, w.y, rcond=None)[0] / d  # on the column-scaled design, as the SVD
    e_ref = w.y - w.X @ b_ref
    rss_ref = float(e_ref @ e_ref)
    sigma_ref = math.sqrt(rss_ref / df)
    inv_ref = np.sum((vt / sv[:, None]) ** 2, axis=0) / d**2
    shift = (e - ey).astype(np.int64)  # b_j and se_j in the scale of w: times 2^(e_j - ey)
    with np.errstate(all="ignore"):
        se_ref = sigma_ref * np.sqrt(inv_ref)
        b_ours = np.ldexp(np.array([r.estimate for r in rows]), shift)
    # derive's numbers in the units of w (like with like): the numbers shown, or where they are beyond double
    # precision's range, the scaled ones the summary carries (and states in its notes)
    se_ours = [_in_units(r.std_error, int(k), v, int(sc.ey - ke), int(k - (ke - sc.ey)))
               for r, k, v, ke in zip(rows, shift, sc.std_errors, sc_e)]
    sig = _in_units(s.sigma, -ey, sc.sigma, sc.ey, sc.ey - ey)
    perfect = sc.rss == 0.0
    if perfect:  # RSS = 0: lstsq's residuals are 0 up to rounding, relative to y
        floor = tol * float(np.linalg.norm(w.y)) / math.sqrt(df)
        checks = [
            _compare_abs(names[0], [("sigma", sig, sigma_ref)], floor, domain,
                         f"a perfect fit: lstsq's residuals vanish within {floor:.1e} (tolerance times |y|)"),
            _compare_abs(names[1], [(r.name, float(x), float(y)) for r, x, y in zip(rows, se_ours, se_ref)],
                         floor * float(np.sqrt(np.max(inv_ref))), domain,
                         "a perfect fit: 0, within the rounding of lstsq's residuals times the SVD's sqrt([(X^T X)^-1]_jj)"),
        ]
        if s.r_squared is not None:
            tss = _tss(w, intercept)
            checks.append(_compare_abs(names[4], [("R²", s.r_squared, 1 - rss_ref / tss),
                                                  ("adjusted R²", s.adj_r_squared or 0.0,
                                                   1 - (rss_ref / df) / (tss / (n - (1 if intercept else 0))))],
                                       max(tol, 1e-10), domain, "1 - RSS/TSS with lstsq's RSS"))
        return tuple(checks)
    with np.errstate(all="ignore"):
        t_ref = b_ours / se_ref
    # residuals computed in double precision are uncertain by about tol |y|: sigma within that of 0 is rounding
    floor = 1e3 * kappa * EPS * float(np.linalg.norm(w.y)) / math.sqrt(df)
    floors = [floor * float(np.sqrt(v)) for v in inv_ref]
    checks = [
        _compare(names[0], [("sigma", sig, sigma_ref)], tol, domain, f"{how}; plus {floor:.1e} for the rounding "
                 f"of the residuals", floors=[floor]),
        _compare(names[1], [(r.name, float(x), float(y)) for r, x, y in zip(rows, se_ours, se_ref)], tol, domain,
                 f"sigma from lstsq's residuals, (X^T X)^-1 = V S^-2 V^T; {how}", floors=floors),
    ]
    if max(sig, sigma_ref) <= 2 * floor:  # a fit perfect up to rounding: t and F are ratios of rounding errors
        why = Unknown(f"the residual standard error ({s.sigma:.3g}) is at the rounding level of the data: the "
                      f"residuals cannot be told from 0 in double precision, so t, its p-value and F are ratios of "
                      f"rounding errors (R warns \"essentially perfect fit: summary may be unreliable\")")
        checks += [Check(name, why) for name in names[2:4]]
        if s.r_squared is not None:
            tss = _tss(w, intercept)
            checks.append(_compare_abs(names[4], [("R²", s.r_squared, 1 - rss_ref / tss)], max(tol, 1e-10), domain,
                                       "1 - RSS/TSS with lstsq's RSS"))
        if s.f_statistic is not None:
            checks.append(Check(names[5], why))
        return tuple(checks)
    checks += [
        _compare(names[2], [(r.name, r.t_value, float(x)) for r, x in zip(rows, t_ref)], tol, domain, how),
        _compare(names[3], [(r.name, r.p_value, _mp_t_tail(r.t_value, df)) for r in rows], 1e-9, domain,
                 f"2 P(T > |t|) with {df} degrees of freedom, by mpmath's incomplete beta at 30 digits; tolerance 1e-9"),
    ]
    if s.r_squared is not None and s.f_statistic is not None and s.f_df is not None:
        ww = np.ones(n) if w.fitted_scale is None else w.fitted_scale**2
        y = w.y / (1.0 if w.fitted_scale is None else w.fitted_scale)
        fitted = (w.X @ b_ref) / (1.0 if w.fitted_scale is None else w.fitted_scale)
        if intercept:
            c = np.cov(np.vstack([y, fitted]), aweights=ww)
            r2_ref = float(c[0, 1] ** 2 / (c[0, 0] * c[1, 1]))
            how_r2 = "the squared (weighted) correlation of y with lstsq's fitted values"
        else:
            r2_ref = float(ww @ fitted**2 / (ww @ y**2))
            how_r2 = "lstsq's fitted sum of squares over y^T y"
        tss = _tss(w, intercept)
        k = 1 if intercept else 0
        adj_ref = 1 - (rss_ref / df) / (tss / (n - k))
        f_ref = ((tss - rss_ref) / (p - k)) / (rss_ref / df)
        f_tol = tol + 1e3 * EPS * tss / max(min(tss - rss_ref, rss_ref), 1e-300)
        checks += [
            _compare(names[4], [("R²", s.r_squared, r2_ref), ("adjusted R²", s.adj_r_squared or 0.0, adj_ref)],
                     max(tol, 1e-10), domain, f"R² as {how_r2}; adjusted R² as 1 - (RSS/(n - p))/(TSS/(n - {k})); "
                     f"absolute tolerance {max(tol, 1e-10):.1e}", absolute=True),
            _compare(names[5], [("F", s.f_statistic, f_ref),
                                ("P(F > f)", s.f_p_value or 0.0, _mp_f_tail(s.f_statistic, *s.f_df))],
                     f_tol, domain, f"TSS computed directly from y; the F tail by mpmath's incomplete beta at 30 digits; "
                     f"tolerance {f_tol:.1e}"),
        ]
    return tuple(checks)


def _in_range(v: float) -> bool:
    """v is a double that keeps full precision: 0, or normal and finite."""
    return v == 0.0 or sys.float_info.min <= abs(v) < math.inf


def _in_units(shown: float, to_checks: int, scaled: float, unscale: int, scaled_to_checks: int) -> float:
    """A scale-dependent number of the summary in the units of its checks: the number shown times 2^to_checks;
    where it is beyond double precision's range and so is the true value (``scaled`` times 2^unscale), the
    scaled value times 2^scaled_to_checks. A number shown as Inf though its true value is in range stays Inf
    (and is refuted)."""
    if (not _in_range(shown) or (shown == 0.0 and scaled != 0.0)) and not _in_range(ldexp_or_inf(scaled, unscale)):
        return float(np.ldexp(scaled, scaled_to_checks))
    with np.errstate(all="ignore"):
        return float(np.ldexp(shown, to_checks))


def _tss(w: Whitened, intercept: bool) -> float:
    """The (weighted) total sum of squares of y about its mean, or about 0, from the data."""
    ww = np.ones(len(w.y)) if w.fitted_scale is None else w.fitted_scale**2
    y = w.y / (1.0 if w.fitted_scale is None else w.fitted_scale)
    return float(ww @ (y - ww @ y / ww.sum()) ** 2) if intercept else float(ww @ y**2)


def _compare_abs(name: str, pairs: Sequence[tuple[str, float, float]], tol: float, domain: str, note: str) -> Check:
    """derive's numbers against independent ones within an absolute tolerance."""
    return _compare(name, pairs, tol, domain, f"{note}; absolute tolerance {tol:.1e}", absolute=True)


def remember(model: Any, sol: Any) -> None:
    """Keep the decided certificates of ``sol``'s summary formulas (a fit made in a worker) in ``_CERTIFIED``,
    so that workers forked from here later take them instead of deciding them again."""
    fit = getattr(sol, "data_fit", None)
    s = getattr(fit, "summary", None)
    if s is None or s.not_computed:
        return
    r = roles_of(model)
    for i, st in enumerate(s.steps):
        if isinstance(st.certificate, (Proved, Plausible, Refuted)):
            _CERTIFIED.setdefault((i, st.kind, st.scalar, st.chain, r, s.intercept), st.certificate)
    for check in s.checks:
        if check.name == _MOMENT_RULES and isinstance(check.certificate, (Proved, Refuted)):
            _CERTIFIED.setdefault(_MOMENTS_KEY, check.certificate)


def certify_fit_summary(model: Any, sol: Any, spec: Any, clock: Clock) -> Any:
    """``sol`` (an LsSolution or SimpleSolution) with its data fit's regression summary, its formulas certified."""
    fit = sol.data_fit
    if fit is None:
        return sol
    summary = summarize_fit(model, fit, bool(spec.intercept) or model.name == "simple")
    summary = certify_summary(summary, roles_of(model), clock)
    return dataclasses.replace(sol, data_fit=dataclasses.replace(fit, summary=summary))
