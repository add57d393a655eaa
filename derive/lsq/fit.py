"""A derived least-squares estimator fitted to the columns of a CSV file, beside the model's reference solver.

The estimator is evaluated as derived, the way numerical analysts evaluate it: never by inverting
X'X in double precision. Where the work is affordable (``numeric.EXACT_WORK``, counted, not
timed) the closed form is evaluated in exact rational arithmetic from the file's decimals and each
coefficient is then correctly rounded; otherwise the least-squares problem it solves is solved by
QR with column pivoting, refined with residuals in double-double arithmetic. Either way the fit
reports the condition number of X (not of X'X) and its rank, warns when X is ill-conditioned,
and refuses, with the true reason, only what has no unique solution: a rank-deficient X (naming
the column that depends on the others), more coefficients than observations, a constant or
repeated column, a negative weight. Zero weights drop their observations. Values near the end of
double precision's range are handled by scaling every column by a power of two.

Checks: the derived normal equations hold exactly at the exact solution (or, on the QR path, to
double-double rounding), and the model's numeric reference (numpy's lstsq on the same problem)
agrees within the error its conditioning allows.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from collections.abc import Sequence
from typing import Any

import numpy as np

from derive.core.budget import Clock
from derive.core.contract import Check, Certificate, NotComputed, Plausible, Proved, Refuted, Unknown
from derive.core.errors import DataError
from derive.lsq import numeric as N
from derive.lsq.model import DataFit, DataSpec, LsSolution
from derive.lsq.terms import Term, exact_columns, exact_number, normalized, scaled_columns
from derive.matrix import expr as M
from derive.parse.data import Table, read_table

INTERCEPT = "(intercept)"
ILL = 1e8
"""Condition numbers of X from here on are reported as ill-conditioned (half the digits of double precision)."""


@dataclass(slots=True)
class Design:
    """The fit's data: X (its columns named), y and the weights, in double precision scaled by powers of two,
    and exactly when the file is small enough to keep its cells.

    Column j of X is ``a[:, j] * 2**e[j]`` and y is ``ys * 2**ey`` (each scaled to at most 1 in
    absolute value); rows with weight 0 are already dropped.
    """

    path: Any
    names: tuple[str, ...]
    sources: tuple[str, ...]
    intercept: bool
    rows: int
    a: np.ndarray
    e: np.ndarray
    ys: np.ndarray
    ey: int
    w: np.ndarray | None
    dropped: int
    exact_x: list[list[Fraction]] | None = None
    exact_y: list[Fraction] | None = None
    exact_w: list[Fraction] | None = None

    @property
    def n(self) -> int:
        return int(self.a.shape[0])

    @property
    def p(self) -> int:
        return int(self.a.shape[1])


def _weights(table: Table, spec: DataSpec) -> tuple[np.ndarray | None, np.ndarray]:
    """(weights, rows kept): a negative weight is refused with its row; a weight 0 drops its row."""
    n = table.rows
    if not spec.weights:
        return None, np.ones(n, dtype=bool)
    w = np.frombuffer(table.values[spec.weights], dtype=float)
    bad = np.flatnonzero(w < 0)
    if bad.size:
        k = int(bad[0])
        raise DataError(f"{spec.path}, row {table.lines[k]}, column {spec.weights!r}: the weight {w[k]:g} is negative",
                        hint="weights are 0 or positive (a weight 0 drops its observation)")
    keep = w > 0
    if not keep.any():
        raise DataError(f"{spec.path}: every weight in column {spec.weights!r} is 0", hint="no observation is left to fit")
    return w[keep], keep


def read_design(spec: DataSpec, columns: list[str], p_allowed_wide: bool) -> Design:
    """The design of ``spec`` from its file: read, weighed, built, and checked for columns that cannot be fitted."""
    table = read_table(spec.path, columns, cells_up_to=N.EXACT_ROWS)
    w, keep = _weights(table, spec)
    terms: tuple[Term, ...] = spec.regressors
    names = ((INTERCEPT,) if spec.intercept else ()) + tuple(t.label for t in terms)
    sources = (("--intercept",) if spec.intercept else ()) + tuple(t.source for t in terms)
    n, p = int(keep.sum()), len(names)
    dropped = table.rows - n
    if p > n and not p_allowed_wide:
        used = f"{n} rows with a nonzero weight" if dropped else f"{n} rows"
        raise DataError(f"{spec.path}: the closed form does not apply to these data",
                        hint=f"X has {used} and {p} columns (more coefficients than observations), so X'X is "
                        f"singular; use fewer terms or more rows")
    values = {c: np.frombuffer(table.values[c], dtype=float)[keep] for c in spec.x_columns}
    a, e = scaled_columns(terms, values)
    if spec.intercept:
        ones = np.full((n, 1), 0.5)
        a = np.hstack([ones, a]) if a.size else ones
        e = np.concatenate([[1], e]).astype(np.int64)
    ys, ey = normalized(np.frombuffer(table.values[spec.y], dtype=float)[keep])
    design = Design(spec.path, names, sources, spec.intercept, table.rows, a, e, ys, ey, w, dropped)
    if spec.lam is None:  # with a ridge penalty every coefficient is determined (a zero column's is 0)
        _check_columns(design)
    if table.cells is not None:
        cells = {c: [s for s, k in zip(v, keep) if k] for c, v in table.cells.items()}
        cols = exact_columns(terms, cells)
        design.exact_x = ([[Fraction(1)] * n] if spec.intercept else []) + cols
        design.exact_y = [exact_number(s) for s in cells[spec.y]]
        if spec.weights:
            design.exact_w = [exact_number(s) for s in cells[spec.weights]]
    return design


def _check_columns(d: Design) -> None:
    """A column of zeros, a constant column beside the intercept, two equal columns: refused by name."""
    seen: dict[tuple[int, bytes], int] = {}
    rows = "every row" if not d.dropped else "every row with a nonzero weight"
    for j, name in enumerate(d.names):
        col = d.a[:, j]
        if name == INTERCEPT:
            seen[(int(d.e[j]), col.tobytes())] = j
            continue
        if not np.any(col):
            raise DataError(f"{d.path}: the column '{name}' of X is 0 in {rows}",
                            hint="drop it: its coefficient is not determined")
        if d.intercept and np.all(col == col[0]):
            value = float(np.ldexp(col[0], int(d.e[j])))
            raise DataError(f"{d.path}: the column '{name}' of X is constant ({value:.6g} in {rows}): with "
                            f"--intercept it is a multiple of the intercept column",
                            hint="drop the column, or drop --intercept (a constant column then is the intercept)")
        key = (int(d.e[j]), col.tobytes())
        if key in seen:
            other = d.names[seen[key]]
            raise DataError(f"{d.path}: the columns '{other}' and '{name}' of X are equal in {rows}",
                            hint="keep one of them: with both, X is rank-deficient and the coefficients are not "
                            "determined")
        seen[key] = j


# -- the fit -------------------------------------------------------------------------------------

@dataclass(slots=True)
class Solved:
    """What a path produced: the coefficients (exact, or floats), how, the checks and notes of the path."""

    coefficients: list[float]
    exact: list[Fraction] | None
    method: str
    method_text: str
    condition: float
    condition_unit: float
    rank: int
    checks: list[Check]
    notes: list[str]
    bound: float = 0.0
    stats: Stats | None = None


@dataclass(slots=True)
class Stats:
    """What a regression summary needs beyond the coefficients (see ``DataFit``), in the units of the scaled
    design: RSS and TSS divided by 4^ey, the diagonal of (X'WX)^-1 times 4^e_j (so data near 1e300, whose
    sums of squares are beyond double precision's range, keep every digit)."""

    residuals: np.ndarray
    rss: float
    tss: float
    ey: int
    cov: tuple[float, ...] | None
    e: tuple[int, ...]
    exact: bool


def _times_pow2(q: Fraction, k: int) -> Fraction:
    """q 2^k, exactly."""
    return q * (1 << k) if k >= 0 else q / (1 << -k)


def _exact_stats(d: Design, X: N.RMat, W: N.RMat | None, gram: N.RMat, coefs: list[Fraction], want_cov: bool,
                 ) -> Stats:
    """Residuals, RSS, TSS and the diagonal of (X'WX)^-1, exactly, each then scaled by its power of two and rounded
    (TooCostly past the allowance)."""
    assert d.exact_y is not None
    work = N.Work()
    fitted = N.matmul(X, N.from_columns([coefs]), work)
    y = N.from_columns([d.exact_y])
    r = N.add(y, N.scaled(fitted, Fraction(-1)), work)
    rn = [row[0] for row in r.num]
    yn = [row[0] for row in y.num]
    wn = [row[0] for row in W.num] if W is not None else [1] * len(rn)
    wd = W.den if W is not None else 1
    rss = Fraction(sum(w * v * v for w, v in zip(wn, rn)), wd * r.den * r.den)
    s_w = Fraction(sum(wn), wd)
    s_wy = Fraction(sum(w * v for w, v in zip(wn, yn)), wd * y.den)
    s_wyy = Fraction(sum(w * v * v for w, v in zip(wn, yn)), wd * y.den * y.den)
    tss = s_wyy - s_wy * s_wy / s_w if d.intercept else s_wyy
    e = tuple(int(k) for k in d.e)
    cov: tuple[float, ...] | None = None
    if want_cov:
        inv = N.solve(gram, N.identity(gram.shape[0]), work)
        cov = tuple(N.to_float_inf(_times_pow2(Fraction(inv.num[j][j], inv.den), 2 * e[j]))
                    for j in range(gram.shape[0]))
    residuals = np.asarray([N.to_float_inf(Fraction(v, r.den)) for v in rn])
    return Stats(residuals, N.to_float_inf(_times_pow2(rss, -2 * d.ey)), N.to_float_inf(_times_pow2(tss, -2 * d.ey)),
                 d.ey, cov, e, True)


def _float_stats(a: np.ndarray, e: np.ndarray, ys: np.ndarray, ey: int, w: np.ndarray | None, intercept: bool,
                 b: Sequence[float], want_cov: bool) -> Stats:
    """The same from the scaled design in double precision: residuals in double-double, sums by fsum,
    the diagonal of (X'WX)^-1 from the pivoted QR factor of the weighted scaled design; all in its units."""
    with np.errstate(all="ignore"):
        z = np.ldexp(np.asarray(b, dtype=float), (np.asarray(e) - ey).astype(np.int64))
        rs = N.residual_dd(a, ys, z)
        ww = w if w is not None else np.ones(len(ys))
        rss = math.fsum((ww * rs * rs).tolist())
        if intercept:
            ybar = math.fsum((ww * ys).tolist()) / math.fsum(ww.tolist())
            tss = math.fsum((ww * (ys - ybar) ** 2).tolist())
        else:
            tss = math.fsum((ww * ys * ys).tolist())
        cov: tuple[float, ...] | None = None
        if want_cov:
            aw = a * np.sqrt(w)[:, None] if w is not None else a
            cov = tuple(float(v) for v in N.inverse_gram_diagonal(aw))
        residuals = np.ldexp(rs, ey)
    return Stats(residuals, rss, tss, ey, cov, tuple(int(k) for k in e), False)


def fit_matrix_model(model: Any, sol: LsSolution, spec: DataSpec, clock: Clock | None = None) -> DataFit:
    """Evaluate the derived estimator of a matrix model on the data, beside the reference solver."""
    d = read_design(spec, model.data_columns(spec), bool(model.wide_has_solution))
    penalty = spec.lam is not None
    centred = penalty and spec.intercept and not spec.penalize_intercept
    solved: Solved | None = None
    why_not = f"the file has more than {N.EXACT_ROWS} rows" if d.exact_x is None else ""
    if d.exact_x is not None:
        try:
            solved = _exact(model, sol, spec, d, centred, clock)
        except N.TooCostly as exc:
            why_not = str(exc)
        except N.NotExact as exc:
            why_not = f"the estimator has a part exact arithmetic does not evaluate ({exc})"
    if solved is None:
        solved = _stable(spec, d, centred, why_not, model.data_columns(spec))
    if clock is not None:
        clock.check("the fit to data")
    stats = solved.stats or _float_stats(d.a, d.e, d.ys, d.ey, d.w, d.intercept, solved.coefficients,
                                         spec.lam is None)
    ref, ref_check = _reference(spec, d, solved)
    notes = list(solved.notes)
    if d.dropped:
        notes.insert(0, f"{d.dropped} row{'s' if d.dropped > 1 else ''} with weight 0 drop out (they add nothing "
                     f"to X'WX or X'Wy); {d.n} rows are used")
    if penalty and spec.intercept:
        notes.insert(0, "the intercept is penalized like the other coefficients (--penalize-intercept)"
                     if spec.penalize_intercept else
                     "the intercept is not penalized (the usual convention, as in scikit-learn's Ridge): the derived "
                     "formula is applied to the centred columns and response, and the intercept is ybar - xbar'b; "
                     "--penalize-intercept penalizes it too")
    if solved.condition >= ILL:
        notes.append(_ill_note(solved))
    with np.errstate(all="ignore"):
        diff = float(np.max(np.abs(np.asarray(solved.coefficients) - np.asarray(ref))))
    return DataFit(
        d.names, tuple(solved.coefficients), tuple(ref), model.reference_name, d.rows, diff,
        method=solved.method, method_text=solved.method_text, design=tuple(zip(d.names, d.sources)),
        design_head=_head(d.a, d.e),
        condition=solved.condition, condition_unit=solved.condition_unit, rank=solved.rank, rows_used=d.n,
        notes=tuple(notes), checks=tuple(solved.checks) + (ref_check,),
        estimate_digits=tuple(N.significant(v) for v in solved.exact) if solved.exact is not None else (),
        residuals=stats.residuals, rss_scaled=stats.rss, tss_scaled=stats.tss, cov_scaled=stats.cov,
        y_exponent=stats.ey, x_exponents=stats.e, stats_exact=stats.exact, scaled_design=(d.a, d.e, d.ys, d.ey, d.w))


HEAD_ROWS = 3
"""Rows of X shown with the design."""


def _head(a: np.ndarray, e: np.ndarray) -> tuple[tuple[float, ...], ...]:
    """The first rows of X = a diag(2^e), unscaled (an entry beyond double precision's range is inf)."""
    with np.errstate(over="ignore", under="ignore"):
        rows = np.ldexp(a[:HEAD_ROWS], np.asarray(e, dtype=np.int64)[None, :])
    return tuple(tuple(float(v) for v in row) for row in rows)


def _ill_note(s: Solved) -> str:
    """The warning for cond(X) >= ILL: badly scaled columns (harmless here), or a truly ill-conditioned X."""
    if s.condition_unit < ILL:
        return (f"X's columns differ greatly in scale: cond(X) = {_sci(s.condition)} in the 2-norm, but "
                f"{s.condition_unit:.1e} with unit-length columns; the fit scales each column by a power of two, "
                f"so the scales cost no digits here (a solver that forms X'X unscaled may lose them)")
    square = _sci(s.condition, 2)
    text = (f"X is ill-conditioned: condition number {_sci(s.condition)} (2-norm; {s.condition_unit:.1e} with "
            f"unit-length columns), and X'X has its square, {square}: a solver that forms X'X in "
            f"double precision can lose all of its digits, and small changes in the data move the coefficients a lot")
    if s.method == "exact":
        return text + "; the coefficients here are exact for the data as written"
    digits = max(0, int(-math.log10(s.bound))) if 0 < s.bound < math.inf else 0 if s.bound else 15
    return text + f"; expect about {min(digits, 15)} correct significant digits from double precision here"


def _sci(value: float, power: int = 1) -> str:
    """value**power in the form 1.2e+34, even beyond double precision's range ("beyond 1e+308" for inf)."""
    if not math.isfinite(value):
        return "beyond 1e+308"
    if value <= 0:
        return f"{value ** power:.1e}"
    exponent = power * math.log10(value)
    k = math.floor(exponent)
    mantissa = 10 ** (exponent - k)
    if mantissa >= 9.95:
        mantissa, k = 1.0, k + 1
    return f"{mantissa:.1f}e{k:+03d}"


def _floats(path: Any, names: tuple[str, ...], values: list[Fraction]) -> list[float]:
    """Each exact coefficient correctly rounded to double precision; one beyond its range is a DataError."""
    out = []
    for name, v in zip(names, values):
        try:
            out.append(N.to_float(v))
        except OverflowError:
            raise DataError(f"{path}: the coefficient of '{name}' is about {N.magnitude(v)}, beyond the range of "
                            f"double precision (about 1.8e+308)",
                            hint="rescale the data (divide a column by a power of 10) and fit again") from None
    return out


def _exact(model: Any, sol: LsSolution, spec: DataSpec, d: Design, centred: bool, clock: Clock | None) -> Solved:
    """The closed form in rational arithmetic from the file's decimals (raises TooCostly past the work limit)."""
    assert d.exact_x is not None and d.exact_y is not None
    work = N.Work()
    X = N.from_columns(d.exact_x)
    y = N.from_columns([d.exact_y])
    W = N.diagonal(d.exact_w) if d.exact_w is not None else None
    gram = N.matmul(N.transpose(X), N.matmul(W, X, work) if W is not None else X, work)
    deps = N.dependencies(gram, work)
    if deps and spec.lam is None:
        raise _rank_error(d, deps, exact=True)
    condition, unit = N.gram_condition(gram) if not deps else (math.inf, math.inf)
    if clock is not None:
        clock.check("the exact fit to data")
    names = model.names
    values: dict[str, N.RMat] = {names["X"]: X, names["y"]: y}
    if W is not None and "W" in names:
        values[names["W"]] = W
    means: list[Fraction] = []
    if centred:  # the intercept stays out of the penalty: the formula on centred columns, then ybar - xbar'b
        n = d.n
        means = [sum(col, Fraction(0)) / n for col in d.exact_x[1:]]
        ybar = sum(d.exact_y, Fraction(0)) / n
        values[names["X"]] = N.from_columns([[v - m for v in col] for col, m in zip(d.exact_x[1:], means)])
        values[names["y"]] = N.from_columns([[v - ybar for v in d.exact_y]])
    xv = values[names["X"]]
    dims = dict(zip(model.dimensions()[:2], xv.shape))
    scalars = {}
    if spec.lam is not None:
        lam = Fraction(repr(float(spec.lam)))
        scalars = {s: lam for s in M.scalar_symbols(sol.derivation.function) if s.name == names.get("lam")}
    env = N.ExactEnv(values, scalars, dims, work)
    b = N.exact_value(sol.estimator, env)
    coefs = b.column()
    # the derived normal equations at this solution, exactly
    st = sol.derivation.stationary
    if st is not None:
        env.values[names["b"]] = b
        lhs = N.exact_value(st.equation_lhs, env).fractions()
        rhs = N.exact_value(st.equation_rhs, env).fractions()
        eq = f"{M.plain(st.equation_lhs)} = {M.plain(st.equation_rhs)}"
        cert: Certificate = (Proved(f"both sides equal in exact rational arithmetic at the fitted {names['b']}")
                             if lhs == rhs else
                             Refuted((("data", str(d.path)),), f"{M.plain(st.equation_lhs)} = {lhs[0][0]}",
                                     f"{M.plain(st.equation_rhs)} = {rhs[0][0]}"))
        check = Check(f"the normal equations {eq} hold exactly on the data" + (" (centred)" if centred else ""), cert)
    else:
        check = Check("the normal equations hold exactly on the data", NotComputed("the derivation has no "
                                                                                   "stationary point"))
    if centred:
        coefs = [ybar - sum((m * c for m, c in zip(means, coefs)), Fraction(0))] + coefs
    rank = d.p - len(deps)
    try:
        stats: Stats | None = _exact_stats(d, X, W, gram, coefs, spec.lam is None)
    except N.TooCostly:
        stats = None  # the caller computes them in double precision
    estimator = M.plain(sol.estimator)
    text = (f"exact rational arithmetic from the file's decimals: {estimator} evaluated exactly (each inverse "
            f"applied as an exact solve, no inverse formed), then each coefficient correctly rounded to double "
            f"precision ({work.spent:.1e} word products)")
    return Solved(_floats(d.path, d.names, coefs), coefs, "exact", text, condition, unit, rank, [check], [],
                  stats=stats)


def _rank_error(d: Design, deps: list[Any], exact: bool) -> DataError:
    """The true reason a design has no unique solution: which column depends on which."""
    rank = d.p - len(deps)
    first = deps[0]
    name = d.names[first.column if exact else first]
    if exact:
        parts = [f"{_coef(c)}*{d.names[j]}" if d.names[j] != INTERCEPT else f"{_coef(c)}" for j, c in first.combination]
        combo = " + ".join(parts).replace("+ -", "- ") if parts else "0"
        how = f"exactly: {name} = {combo}"
    else:
        how = "up to double-precision rounding (columns scaled to unit length)"
    return DataError(f"{d.path}: X is rank-deficient (rank {rank} of {d.p} columns): the column '{name}' is a linear "
                     f"combination of the others, {how}",
                     hint="remove that column (or the ones it repeats); its coefficient is not determined by the data")


def _coef(c: Fraction) -> str:
    return str(c) if c.denominator == 1 or len(str(c)) <= 12 else f"{float(c):.6g}"


def _penalty_rows(spec: DataSpec, e: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The rows sqrt(lam) 2^-e_j for the penalized columns: the ridge penalty in the scaled coordinates."""
    assert spec.lam is not None
    idx = np.flatnonzero(mask)
    rows = np.zeros((idx.size, e.size))
    with np.errstate(over="ignore"):
        rows[np.arange(idx.size), idx] = np.ldexp(math.sqrt(spec.lam), -e[idx])
    if not np.all(np.isfinite(rows)):
        raise DataError(f"{spec.path}: the ridge penalty overflows double precision at the scale of these columns",
                        hint="rescale the data so that its columns are not near 1e-300 or 1e+300")
    return rows


DD_DATA = 100.0
"""On the QR path, from this condition number of X (unit-length columns) on the file is read again in
double-double: the data's rounding to double would otherwise cost digits (cond times 1e-16)."""


@dataclass(slots=True)
class DDData:
    """The weighted, scaled design and response in double-double: (a + a_lo) diag(2^e), (c + c_lo) 2^ey."""

    a: np.ndarray
    a_lo: np.ndarray
    e: np.ndarray
    c: np.ndarray
    c_lo: np.ndarray
    ey: int


def _dd_data(spec: DataSpec, d: Design, columns: list[str]) -> DDData:
    """The file read again with each value's rounding error, the design rebuilt and weighted in double-double."""
    from derive.lsq.terms import scaled_columns_dd

    table = read_table(spec.path, columns, lows=True)
    assert table.lows is not None
    keep = np.ones(table.rows, dtype=bool)
    if spec.weights:
        keep = np.frombuffer(table.values[spec.weights], dtype=float) > 0
    hi = {c: np.frombuffer(table.values[c], dtype=float)[keep] for c in columns}
    lo = {c: np.frombuffer(table.lows[c], dtype=float)[keep] for c in columns}
    a, a_lo, e = scaled_columns_dd(spec.regressors, hi, lo)
    if spec.intercept:
        a = np.hstack([np.full((d.n, 1), 0.5), a])
        a_lo = np.hstack([np.zeros((d.n, 1)), a_lo])
        e = np.concatenate([[1], e]).astype(np.int64)
    c, ey = normalized(hi[spec.y])
    c_lo = np.ldexp(lo[spec.y], -ey)
    if spec.weights:
        sw, sw_lo = N.dd_sqrt(hi[spec.weights], lo[spec.weights])
        a, a_lo = N.dd_mul(a, a_lo, sw[:, None], sw_lo[:, None])
        c, c_lo = N.dd_mul(c, c_lo, sw, sw_lo)
    return DDData(a, a_lo, e, c, c_lo, ey)


def _stable(spec: DataSpec, d: Design, centred: bool, why_not: str, columns: list[str] | None = None) -> Solved:
    """QR with column pivoting and refinement in double-double, on the problem the closed form solves."""
    root = np.sqrt(d.w)[:, None] if d.w is not None else None
    aw = d.a * root if root is not None else d.a
    cw = d.ys * root[:, 0] if root is not None else d.ys
    rank, dependent = N.numerical_rank(aw)
    if rank < d.p and spec.lam is None:
        raise _rank_error(d, dependent, exact=False)
    condition, unit = N.svd_condition(aw, d.e)
    a, e, c, ey = aw, d.e, cw, d.ey
    a_lo: np.ndarray | None = None
    c_lo: np.ndarray | None = None
    if unit >= DD_DATA and not centred and columns is not None:
        dd = _dd_data(spec, d, columns)
        a, a_lo, e, c, c_lo, ey = dd.a, dd.a_lo, dd.e, dd.c, dd.c_lo, dd.ey
    means = np.zeros(0)
    ybar = 0.0
    if centred:
        cols = d.a[:, 1:]
        means = cols.mean(axis=0)
        centered = cols - means[None, :]
        parts = [normalized(centered[:, j]) for j in range(centered.shape[1])]
        a = np.column_stack([m for m, _ in parts]) if parts else np.zeros((d.n, 0))
        e = d.e[1:] + np.asarray([k for _, k in parts], dtype=np.int64)
        ybar = float(d.ys.mean())
        c, extra = normalized(d.ys - ybar)
        ey = d.ey + extra
    if spec.lam is not None:
        pen = _penalty_rows(spec, e, np.ones(e.size, dtype=bool))
        a, c = np.vstack([a, pen]), np.concatenate([c, np.zeros(pen.shape[0])])
        if a_lo is not None and c_lo is not None:
            a_lo, c_lo = np.vstack([a_lo, np.zeros_like(pen)]), np.concatenate([c_lo, np.zeros(pen.shape[0])])
    ref = N.refined_lstsq(a, c, a_lo=a_lo, c_lo=c_lo)
    with np.errstate(over="ignore"):
        b = np.ldexp(ref.z, ey - e)
    if centred:
        with np.errstate(over="ignore"):
            xbar = np.ldexp(means, d.e[1:])
            icpt = np.ldexp(ybar, d.ey) - float(np.dot(xbar, b))
        b = np.concatenate([[icpt], b])
    if not np.all(np.isfinite(b)):
        j = int(np.flatnonzero(~np.isfinite(b))[0])
        raise DataError(f"{d.path}: the coefficient of '{d.names[j]}' overflows double precision (beyond 1.8e+308)",
                        hint="rescale the data (divide a column by a power of 10) and fit again")
    backward = N.backward_error(a, c, ref.z, a_lo, c_lo)
    fitted = float(np.linalg.norm(c - ref.residual))
    bound = N.forward_bound(unit, float(np.linalg.norm(ref.residual)), fitted)
    ok = backward <= 64 * N.EPS
    cert: Certificate = (Plausible(1, "the data", backward, "relative backward error of the normal equations "
                                   "A'(c - A z) = 0 at the fitted coefficients, residuals in double-double")
                         if ok else Refuted((("data", str(d.path)),), f"backward error {backward:.1e}",
                                            f"at most {64 * N.EPS:.1e}"))
    check = Check("the normal equations hold at the solution, to double-double rounding", cert)
    data = ("the data enter as double-double numbers (each decimal to about 32 digits), as X's condition "
            f"number {unit:.1e} (unit-length columns) would magnify their rounding to double"
            if a_lo is not None else "the data enter as double-precision numbers")
    text = (f"QR with column pivoting in double precision (LAPACK geqp3), then {ref.iterations} step"
            f"{'s' if ref.iterations != 1 else ''} of iterative refinement with residuals in double-double "
            f"arithmetic ({'converged' if ref.converged else 'stopped: no further gain'}); {data}. "
            f"Not exact arithmetic: {why_not}")
    return Solved([float(v) for v in b], None, "qr", text, condition, unit, rank, [check], [], bound)


def _reference(spec: DataSpec, d: Design, s: Solved) -> tuple[list[float], Check]:
    """numpy's lstsq on the same penalized weighted problem (uncentred, columns scaled), and the comparison with it."""
    root = np.sqrt(d.w)[:, None] if d.w is not None else None
    a = d.a * root if root is not None else d.a
    c = d.ys * root[:, 0] if root is not None else d.ys
    if spec.lam is not None:
        mask = np.ones(d.p, dtype=bool)
        if d.intercept and not spec.penalize_intercept:
            mask[0] = False
        pen = _penalty_rows(spec, d.e, mask)
        a, c = np.vstack([a, pen]), np.concatenate([c, np.zeros(pen.shape[0])])
    z_ref, _, _, sv = np.linalg.lstsq(a, c, rcond=None)
    with np.errstate(over="ignore"):
        ref = np.ldexp(z_ref, d.ey - d.e)
    if not np.all(np.isfinite(ref)):
        j = int(np.flatnonzero(~np.isfinite(ref))[0])
        raise DataError(f"{d.path}: the coefficient of '{d.names[j]}' overflows double precision (beyond 1.8e+308)",
                        hint="rescale the data (divide a column by a power of 10) and fit again")
    if s.exact is not None:
        z = N.scaled_exact(s.exact, [int(k) for k in d.e], d.ey)
    else:
        with np.errstate(over="ignore", under="ignore"):
            z = np.ldexp(np.asarray(s.coefficients), d.e - d.ey)
    rel = float(np.linalg.norm(z - z_ref)) / max(float(np.linalg.norm(z)), 1e-300)
    n, p = a.shape
    kappa = float(sv[0] / sv[-1]) if sv.size and sv[-1] > 0 else math.inf
    r = c - a @ z_ref
    bound = N.forward_bound(kappa, float(np.linalg.norm(r)), float(np.linalg.norm(a @ z_ref)))
    tol = max(20 * bound, 1e-13)
    name = "agrees with numpy's lstsq on the same problem"
    where = "the data (columns scaled by powers of two)"
    note = (f"normwise relative difference; tolerance {tol:.1e} from the condition number {kappa:.1e} of the "
            f"scaled system and its residual")
    if not sv.size or sv[-1] <= max(n, p) * N.EPS * sv[0] or tol >= 0.1:
        why = ("numpy's lstsq treats the scaled system as rank-deficient at its condition number "
               f"{kappa:.1e} and returns a different (minimum-norm) solution"
               if not sv.size or sv[-1] <= max(n, p) * N.EPS * sv[0] else
               f"at condition number {kappa:.1e} double precision guarantees no digit (error bound {bound:.0e}), "
               "so the comparison cannot tell right from wrong")
        required = s.exact is None
        why += ("; the exact check above certifies the solution" if not required else "")
        return ref.tolist(), Check(name, Unknown(f"{why}; relative difference {rel:.1e}"), required=required)
    cert: Certificate = (Plausible(1, where, rel, note) if rel <= tol else
                         Refuted((("data", str(d.path)),), f"derive's {np.round(z[:3], 8)} (scaled)",
                                 f"lstsq's {np.round(z_ref[:3], 8)} (scaled), relative difference {rel:.1e} > {tol:.1e}"))
    return ref.tolist(), Check(name, cert)


# -- simple regression ---------------------------------------------------------------------------

def fit_simple(sol: Any, spec: DataSpec) -> DataFit:
    """The derived slope S_xy/S_xx and intercept ybar - slope xbar on one column, beside lstsq on [1, x].

    Exact from the file's decimals where affordable (the derived sums in rational arithmetic),
    else in double precision on x and y scaled by powers of two, so values near 1e300 do not
    overflow the sums of squares.
    """
    from derive.lsq.certify_simple import ConditionFails, ExactSumEvaluator, estimate

    xcol = spec.x_columns[0]
    table = read_table(spec.path, [xcol, spec.y], cells_up_to=N.EXACT_ROWS)
    x = np.frombuffer(table.values[xcol], dtype=float)
    y = np.frombuffer(table.values[spec.y], dtype=float)
    n = len(x)
    names = (f"{sol.names.a} (intercept)", f"{sol.names.b} (slope)")
    refuse = f"the slope needs at least two different values in column {xcol!r}"
    checks: list[Check] = []
    exact: tuple[Fraction, Fraction] | None = None
    why_not = f"the file has more than {N.EXACT_ROWS} rows"
    if table.cells is not None:
        xs = [exact_number(c) for c in table.cells[xcol]]
        ysx = [exact_number(c) for c in table.cells[spec.y]]
        try:
            exact = ExactSumEvaluator.estimate(sol, xs, ysx, N.Work())
        except ConditionFails as exc:
            raise DataError(f"{spec.path}: the closed form does not apply to these data", hint=f"{exc}; {refuse}") from None
        except N.TooCostly as exc:
            why_not = str(exc)
    xs_s, ex = normalized(x)
    ys_s, ey = normalized(y)
    if exact is not None:
        a_hat, b_hat = exact
        resid0 = sum((yi - a_hat - b_hat * xi for xi, yi in zip(xs, ysx)), Fraction(0))
        resid1 = sum((xi * (yi - a_hat - b_hat * xi) for xi, yi in zip(xs, ysx)), Fraction(0))
        cert: Certificate = (Proved("both sums are 0 in exact rational arithmetic") if resid0 == 0 == resid1 else
                             Refuted((("data", str(spec.path)),), f"sums {resid0}, {resid1}", "0, 0"))
        checks.append(Check("the normal equations sum(y_i - a - b x_i) = 0 and sum(x_i (y_i - a - b x_i)) = 0 "
                            "hold exactly on the data", cert))
        coefs = _floats(spec.path, names, [a_hat, b_hat])
        method, text = "exact", ("exact rational arithmetic from the file's decimals: the derived sums S_xy/S_xx and "
                                 "ybar - slope xbar evaluated exactly, then correctly rounded to double precision")
    else:
        try:
            ia, ib = estimate(sol, xs_s, ys_s)
        except ConditionFails as exc:
            raise DataError(f"{spec.path}: the closed form does not apply to these data", hint=f"{exc}; {refuse}") from None
        with np.errstate(over="ignore"):
            coefs = [float(np.ldexp(ia, ey)), float(np.ldexp(ib, ey - ex))]
        if not all(math.isfinite(v) for v in coefs):
            raise DataError(f"{spec.path}: a coefficient overflows double precision (beyond 1.8e+308)",
                            hint="rescale the data (divide a column by a power of 10) and fit again")
        method, text = "float", (f"the derived sums in double precision on x and y scaled by powers of two (not exact "
                                 f"arithmetic: {why_not})")
    A = np.column_stack([np.full(n, 0.5), xs_s])
    z_ref, _, _, sv = np.linalg.lstsq(A, ys_s, rcond=None)
    with np.errstate(over="ignore"):
        ref = [float(np.ldexp(z_ref[0], ey - 1)), float(np.ldexp(z_ref[1], ey - ex))]
    if not all(math.isfinite(v) for v in ref):
        raise DataError(f"{spec.path}: a coefficient overflows double precision (beyond 1.8e+308)",
                        hint="rescale the data (divide a column by a power of 10) and fit again")
    with np.errstate(over="ignore", under="ignore"):
        z = np.array([np.ldexp(coefs[0], 1 - ey), np.ldexp(coefs[1], ex - ey)])
    rel = float(np.linalg.norm(z - z_ref)) / max(float(np.linalg.norm(z)), 1e-300)
    kappa = float(sv[0] / sv[-1]) if sv[-1] > 0 else math.inf
    r = ys_s - A @ z_ref
    bound = N.forward_bound(kappa, float(np.linalg.norm(r)), float(np.linalg.norm(A @ z_ref)))
    tol = max(20 * bound, 1e-13)
    name = "agrees with numpy's lstsq on [1, x]"
    if tol >= 0.1:
        checks.append(Check(name, Unknown(f"at condition number {kappa:.1e} double precision guarantees no digit; "
                                          f"relative difference {rel:.1e}"), required=exact is None))
    else:
        checks.append(Check(name, Plausible(1, "the data (x and y scaled by powers of two)", rel,
                                            f"tolerance {tol:.1e} from the condition number {kappa:.1e}")
                            if rel <= tol else Refuted((("data", str(spec.path)),), f"derive's {coefs}", f"lstsq's {ref}")))
    condition, unit = N.svd_condition(A, np.array([1, ex], dtype=np.int64))
    if exact is not None:
        a_hat, b_hat = exact
        res = [yi - a_hat - b_hat * xi for xi, yi in zip(xs, ysx)]
        ybar = sum(ysx, Fraction(0)) / n
        xbar = sum(xs, Fraction(0)) / n
        sxx = sum(((xi - xbar) ** 2 for xi in xs), Fraction(0))
        sx2 = sum((xi * xi for xi in xs), Fraction(0))
        stats = Stats(np.asarray([N.to_float_inf(v) for v in res]),
                      N.to_float_inf(_times_pow2(sum((v * v for v in res), Fraction(0)), -2 * ey)),
                      N.to_float_inf(_times_pow2(sum(((v - ybar) ** 2 for v in ysx), Fraction(0)), -2 * ey)), ey,
                      (N.to_float_inf(_times_pow2(sx2 / (n * sxx), 2)), N.to_float_inf(_times_pow2(1 / sxx, 2 * ex))),
                      (1, ex), True)
    else:
        stats = _float_stats(A, np.array([1, ex], dtype=np.int64), ys_s, ey, None, True, coefs, True)
    notes = []
    if condition >= ILL:
        notes.append(_ill_note(Solved(coefs, None if exact is None else list(exact), method, text, condition, unit,
                                      2, [], [], bound)))
    diff = max(abs(coefs[0] - ref[0]), abs(coefs[1] - ref[1]))
    return DataFit(names, (coefs[0], coefs[1]), (ref[0], ref[1]), "numpy.linalg.lstsq on [1, x]", n, diff,
                   method=method, method_text=text, design=((names[0], "the line's intercept"), (names[1], xcol)),
                   design_head=_head(A, np.array([1, ex], dtype=np.int64)),
                   condition=condition, condition_unit=unit, rank=2, rows_used=n, notes=tuple(notes),
                   checks=tuple(checks),
                   estimate_digits=tuple(N.significant(v) for v in exact) if exact is not None else (),
                   residuals=stats.residuals, rss_scaled=stats.rss, tss_scaled=stats.tss, cov_scaled=stats.cov,
                   y_exponent=stats.ey, x_exponents=stats.e, stats_exact=stats.exact, scaled_design=(A, np.array([1, ex], dtype=np.int64), ys_s, ey, None))
