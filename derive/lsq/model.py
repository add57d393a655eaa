"""Least-squares solutions as data: the derivation, the estimator, its consequences, the checks, a fit to data.

A ``LsSolution`` carries the matrix-calculus derivation of a model's objective, the closed-form
estimator with the condition for it to exist, the consequences (fitted values, residual
orthogonality) and the solving steps beyond the stationary point (the KKT system of constrained
least squares), each a certified ``Consequence``; the comparisons with a numeric solver are its
checks. The model that produced it (``derive.lsq.models``) is kept for printers and checkers.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from derive.core.contract import Certified, Check, Step
from derive.matrix.expr import Node
from derive.matrix.model import MatGradient


@dataclass(frozen=True, slots=True, kw_only=True)
class Consequence(Step):
    """An identity ``before`` = ``after`` claimed about the solution (X^T e = 0) or a solving step, in words.

    ``justification`` says what the identity means ("the residual is orthogonal to the columns of X").
    """

    rule: str = "consequence"

    @property
    def name(self) -> str:
        return self.justification

    @property
    def lhs(self) -> Node:
        lhs: Node = self.before
        return lhs

    @property
    def rhs(self) -> Node:
        rhs: Node = self.after
        return rhs


@dataclass(frozen=True, slots=True)
class DataSpec:
    """Columns of a CSV file to fit: the regressors, the response, optional weights, the penalty.

    ``x`` are the regressors' labels (``x``, ``x^2``, ``x1*x2``), one per column of the design
    besides the intercept; ``terms`` the parsed terms they name (``derive.lsq.terms.Term``; empty
    means each label is a plain column). ``penalize_intercept`` makes ridge penalize the
    intercept too (by default it does not, as in scikit-learn's Ridge).
    """

    path: Path
    x: tuple[str, ...]
    y: str
    weights: str = ""
    lam: float | None = None
    intercept: bool = False
    terms: tuple[Any, ...] = ()
    penalize_intercept: bool = False

    @property
    def regressors(self) -> tuple[Any, ...]:
        """The terms of the design (plain columns when no terms were parsed)."""
        from derive.lsq.terms import Term

        return self.terms or tuple(Term(((c, 1),), c) for c in self.x)

    @property
    def x_columns(self) -> list[str]:
        """The data columns the regressors read, each once."""
        from derive.lsq.terms import columns_of

        return columns_of(self.regressors)


@dataclass(frozen=True, slots=True, kw_only=True)
class SummaryStep(Step):
    """One formula of the regression summary: the equal expressions of ``chain``, about the quantity ``kind``.

    ``kind`` names what the chain is equal to (``mean``: E[b-hat], ``variance``: Var(b-hat),
    ``residual``, ``rss``, ``expected_rss``, ``tss``, ``distribution``, ``t_pvalue``, ``adjusted``,
    ``fstat``, ``f_pvalue``, ``se_slope``, ``se_intercept``); printers write that quantity in their
    notation. A matrix step holds matrix expressions whose abbreviations (H, y-bar) are the summary's
    ``definitions``; a scalar step (``scalar``) holds SymPy expressions in the summary's display names.
    The certificate covers every equality of the chain; ``distribution`` has no chain (its claim is
    the t and F distributions of the statistics under normal errors, checked by simulation).
    """

    kind: str
    chain: tuple[Any, ...] = ()
    scalar: bool = False
    rule: str = "summary"
    after: Any = None

    @property
    def lhs(self) -> Any:
        return self.chain[0] if self.chain else None

    @property
    def rhs(self) -> Any:
        return self.chain[-1] if self.chain else None


def ldexp_or_inf(m: float, k: int) -> float:
    """m 2^k, ``inf`` (with m's sign) where it is beyond double precision's range."""
    try:
        return math.ldexp(m, k)
    except OverflowError:
        return math.copysign(math.inf, m)


@dataclass(frozen=True, slots=True)
class SummaryScale:
    """The summary's scale-dependent numbers in the units of the scaled design (column j of X is a_j 2^e_j,
    y is ys 2^ey): ``rss`` = RSS 2^(-2 ey), ``sigma`` = sigma-hat 2^(-ey), ``std_errors[j]`` = se_j 2^(e_j - ey).
    They are what the summary is computed from and what its checks compare (like with like), and they hold
    every digit where the unscaled numbers are beyond double precision's range (data near 1e300)."""

    ey: int
    e: tuple[int, ...]
    rss: float
    sigma: float
    std_errors: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class CoefficientRow:
    """One line of the coefficient table: estimate, standard error, t statistic and two-sided p-value."""

    name: str
    estimate: float
    std_error: float
    t_value: float
    p_value: float


@dataclass(frozen=True, slots=True)
class RegressionSummary(Certified):
    """What R's ``summary(lm)`` prints, derived and certified: coefficients with standard errors, t and p,
    the residual standard error with its degrees of freedom, R-squared, adjusted R-squared and F.

    ``method`` is ols, wls or gls (the metric of the residual). ``steps`` derive the formulas from the
    model (E[b-hat] = b, Var(b-hat) = sigma^2 (X^T X)^-1, E[RSS] = sigma^2 (n - p), ...); ``checks`` hold
    the numbers against an independent computation. ``not_computed`` gives the reason when the classical
    summary does not apply (ridge: biased estimates); then there are no numbers. ``r_squared_about`` says
    what R-squared is measured about: ``mean`` (an intercept), ``weighted mean`` or ``zero`` (no intercept,
    as R's summary.lm). ``names`` maps roles (X, y, b, W, Sigma, sigma, epsilon, H, ybar) to the names the
    formulas use; ``definitions`` the abbreviations of the matrix steps (H, ybar) as (symbol, expression).
    """

    method: str
    rows: tuple[CoefficientRow, ...] = ()
    n: int = 0
    p: int = 0
    rss: float = float("nan")
    sigma: float = float("nan")
    r_squared: float | None = None
    adj_r_squared: float | None = None
    r_squared_about: str = ""
    f_statistic: float | None = None
    f_df: tuple[int, int] | None = None
    f_p_value: float | None = None
    intercept: bool = False
    names: tuple[tuple[str, str], ...] = ()
    definitions: tuple[tuple[Any, Any], ...] = ()
    steps: tuple[SummaryStep, ...] = ()
    checks: tuple[Check, ...] = ()
    notes: tuple[str, ...] = ()
    not_computed: str = ""
    error_cov: Any = None
    """Var(epsilon)/sigma^2 as a matrix expression (W^-1, Sigma); None for the identity."""
    scalar_definitions: tuple[tuple[Any, Any], ...] = ()
    """The densities the scalar formulas name (f_T(s), f_F(s)), as (SymPy name, expression)."""
    gram_inverse: Any = None
    """(X^T X)^-1 (with the metric: (X^T W X)^-1) as a matrix expression: Var(b-hat) = sigma^2 times it."""
    scaled: SummaryScale | None = None
    """RSS, sigma-hat and the standard errors in the units of the scaled design (see ``SummaryScale``); ``rss``
    is ``inf`` where RSS is beyond double precision's range (a note then says so, with its value)."""

    @property
    def df_residual(self) -> int:
        """n - p, the residual degrees of freedom (n counts the observations of positive weight)."""
        return self.n - self.p

    def sigma_beyond_range(self, digits: int = 7) -> str:
        """sigma-hat in decimal (``digits`` significant) where it is beyond double precision's range, so that
        ``sigma`` is Inf (or 0) and the summary carries it scaled; else ''. By mpmath, at any exponent."""
        sc = self.scaled
        if sc is None or sc.sigma == 0.0 or (math.isfinite(self.sigma) and abs(self.sigma) >= 2.2250738585072014e-308):
            return ""
        import mpmath

        return str(mpmath.nstr(mpmath.ldexp(mpmath.mpf(sc.sigma), sc.ey), digits))

    def name(self, role: str) -> str:
        """The name the formulas give ``role`` (X, y, b, sigma, epsilon, H, ybar, ...)."""
        return dict(self.names)[role]

    @property
    def k(self) -> int:
        """1 with an intercept, else 0: R's df.int (TSS is about the mean on n - 1 degrees of freedom, or about 0)."""
        return 1 if self.intercept else 0

    def display_names(self) -> dict[str, tuple[str, str]]:
        """Symbol name -> (Unicode, LaTeX) of the scalar formulas' symbols (simple regression's sums in its x)."""
        x = dict(self.names).get("x", "x")
        return {"RSS": ("RSS", r"\mathrm{RSS}"), "TSS": ("TSS", r"\mathrm{TSS}"), "R2": ("R²", "R^{2}"),
                "nu": ("ν", r"\nu"), "d1": ("ν₁", r"\nu_{1}"), "d2": ("ν₂", r"\nu_{2}"),
                "f_T": ("f_ν", r"f_{\nu}"), "f_F": ("f_ν₁,ν₂", r"f_{\nu_{1},\nu_{2}}"),
                "sum_x": (f"Σ{x}ᵢ", rf"\sum_i {x}_i"), "sum_x2": (f"Σ{x}ᵢ²", rf"\sum_i {x}_i^{{2}}"),
                "xbar": (f"{x}\u0304", rf"\bar{{{x}}}"), "S_xx": (f"S_{x}{x}", rf"S_{{{x}{x}}}")}

    def all_steps(self) -> Iterator[Step]:
        return iter(self.steps)

    def all_checks(self) -> Iterator[Check]:
        return iter(self.checks)


@dataclass(frozen=True, slots=True)
class DataFit:
    """The estimator on the user's data, beside a reference solver's numbers.

    ``columns`` name the coefficients (``(intercept)``, then one per term); ``estimate`` is the
    derived estimator's value (correctly rounded from the exact rational when ``method`` is
    ``exact``), ``reference`` the reference solver's. The rest says how the numbers were made
    and how far to trust them: ``method`` (``exact`` or ``qr``) and ``method_text``, the design
    (``design``: (column, the term text it came from)), the condition number of X in the 2-norm
    (``condition``; ``condition_unit`` with unit-length columns) and its ``rank``, the rows used
    (``rows_used``: zero-weight rows drop out), ``notes`` (conventions, warnings) and ``checks``
    (required ones count toward ``certified``). ``estimate_digits`` gives each exact coefficient
    to 20 significant digits; ``design_head`` the first rows of X as fitted (after zero-weight
    rows drop).

    For a regression summary (standard errors, R^2): ``residuals`` is y - X b on the rows used
    (a float numpy array, unweighted; not printed), ``rss`` the residual sum of squares
    sum w_i r_i^2 (weights 1 without wls), ``tss`` the total sum of squares about the weighted
    mean of y with an intercept, about 0 without one (R's convention), ``unscaled_cov_diag`` the
    diagonal of (X'WX)^-1 in the order of ``columns`` (None for ridge, whose covariance is not
    this), and ``df_residual`` = rows_used - rank. ``stats_exact`` says rss, tss and the diagonal
    were computed in exact rational arithmetic and then rounded (else from the refined QR
    factorization in double precision: (X'WX)^-1 = P R^-1 R^-T P').

    The sums are carried in the units of the scaled design, so that data near the end of double
    precision's range (values near 1e300, whose RSS is near 1e600) keep every digit:
    ``rss_scaled`` = RSS 2^(-2 ey) and ``tss_scaled`` = TSS 2^(-2 ey) with ey = ``y_exponent``,
    ``cov_scaled[j]`` = [(X'WX)^-1]_jj 2^(2 e_j) with e_j = ``x_exponents[j]``. The properties
    ``rss``, ``tss`` and ``unscaled_cov_diag`` give them unscaled (``inf`` or 0 beyond double
    precision's range).
    """

    columns: tuple[str, ...]
    estimate: tuple[float, ...]
    reference: tuple[float, ...]
    reference_name: str
    rows: int
    max_abs_difference: float
    note: str = ""
    method: str = ""
    method_text: str = ""
    design: tuple[tuple[str, str], ...] = ()
    condition: float | None = None
    condition_unit: float | None = None
    rank: int | None = None
    rows_used: int | None = None
    notes: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    estimate_digits: tuple[str, ...] = ()
    design_head: tuple[tuple[float, ...], ...] = ()
    residuals: Any = field(default=None, compare=False, repr=False)
    rss_scaled: float | None = None
    tss_scaled: float | None = None
    cov_scaled: tuple[float, ...] | None = None
    y_exponent: int = 0
    x_exponents: tuple[int, ...] = ()
    stats_exact: bool = False
    summary: RegressionSummary | None = None
    """R's summary(lm) of the fit, its formulas derived and certified (``derive.lsq.summary``)."""
    scaled_design: Any = field(default=None, compare=False, repr=False)
    """(a, e, ys, ey, w): the design on the rows used as the numeric core scaled it (column j of X is
    a[:, j] 2^e[j], y is ys 2^ey; w the weights or None), for the summary's independent checks; not printed."""

    @property
    def rss(self) -> float | None:
        """The residual sum of squares, unscaled (``inf`` beyond double precision's range)."""
        return None if self.rss_scaled is None else ldexp_or_inf(self.rss_scaled, 2 * self.y_exponent)

    @property
    def tss(self) -> float | None:
        """The total sum of squares, unscaled (``inf`` beyond double precision's range)."""
        return None if self.tss_scaled is None else ldexp_or_inf(self.tss_scaled, 2 * self.y_exponent)

    @property
    def unscaled_cov_diag(self) -> tuple[float, ...] | None:
        """The diagonal of (X'WX)^-1, unscaled (0 or ``inf`` beyond double precision's range)."""
        if self.cov_scaled is None:
            return None
        e = self.x_exponents or (0,) * len(self.cov_scaled)
        return tuple(ldexp_or_inf(v, -2 * k) for v, k in zip(self.cov_scaled, e))

    @property
    def df_residual(self) -> int | None:
        """Residual degrees of freedom: rows used minus the rank of X."""
        if self.rows_used is None or self.rank is None:
            return None
        return self.rows_used - self.rank

    def design_groups(self) -> list[tuple[tuple[str, ...], str]]:
        """The design's columns grouped by the text that made them: ((x, x^2, x^3), "poly(x, 3)")."""
        out: list[tuple[tuple[str, ...], str]] = []
        for name, source in self.design:
            if out and out[-1][1] == source:
                out[-1] = (out[-1][0] + (name,), source)
            else:
                out.append(((name,), source))
        return out

    def all_steps(self) -> Iterator[Step]:
        """The regression summary's formulas (the fit itself has checks, not steps)."""
        return iter(()) if self.summary is None else self.summary.all_steps()

    def all_checks(self) -> Iterator[Check]:
        """The fit's checks, then the regression summary's."""
        yield from self.checks
        if self.summary is not None:
            yield from self.summary.all_checks()


@dataclass(frozen=True, slots=True)
class LsSolution(Certified):
    """The derivation of a least-squares estimator and everything that checks it.

    ``model`` is the ``derive.lsq.models.LsModel`` that built the objective (its roles, title and
    particular identities); ``checks`` hold the comparisons with its numeric reference solver.
    """

    model: Any
    derivation: MatGradient
    estimator: Node
    conditions: tuple[str, ...]
    consequences: tuple[Consequence, ...] = ()
    solve_steps: tuple[Consequence, ...] = ()
    """Solving beyond the engine's stationary point (the KKT system of constrained least squares)."""
    multiplier_gradient: Node | None = None
    kkt_system: tuple[tuple[Node, Node], ...] = ()
    """The equations the solving steps start from (X^T X b + C^T mu = X^T y, C b = d): stated, not claimed
    as identities; each comes from a gradient above (the solving steps and the checks certify the solution)."""
    checks: tuple[Check, ...] = field(default=())
    data_fit: DataFit | None = None

    def all_steps(self) -> Iterator[Step]:
        yield from self.derivation.all_steps()
        yield from self.solve_steps
        yield from self.consequences
        if self.data_fit is not None:
            yield from self.data_fit.all_steps()

    def all_checks(self) -> Iterator[Check]:
        yield from self.derivation.all_checks()
        yield from self.checks
        if self.data_fit is not None:
            yield from self.data_fit.all_checks()
