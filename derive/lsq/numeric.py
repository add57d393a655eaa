"""Least squares on data evaluated as numerical analysts do: exactly where that is affordable, else by a stable factorization.

Two ways to a number, both of the derived estimator:

* **exact**: the closed form (``(X'X)^-1 X'y``, its ridge and weighted forms) evaluated in rational
  arithmetic from the file's decimals. ``exact_value`` walks the estimator's expression; an inverse
  times a matrix is an exact solve by fraction-free elimination (Bareiss), never an inverse. The
  work is counted in machine-word products (``Work``) and bounded by ``EXACT_WORK``, so the same
  data take the same path on any machine; past the bound the exact path gives way.
* **stable**: the least-squares problem whose normal equations the closed form solves, by QR with
  column pivoting in double precision, then iterative refinement of the augmented system
  ``[I A; A' 0] [r; z] = [c; 0]`` with its residuals in double-double arithmetic (Björck's
  method: it reaches the accuracy the conditioning allows even when the residual is large).

Also here: the exact rank of a Gram matrix and the column that depends on the others, the
condition number of X from the exact Gram matrix (eigenvalues in mpmath at enough digits) or
from the singular values in double precision.
"""
from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from derive.matrix import expr as M

EXACT_WORK = 60_000_000
"""Most word products (64-bit limb by limb) the exact path may spend; about a few seconds of Python integer work."""

EXACT_ROWS = 100_000
"""Files with more data rows than this skip the exact path (their cells are not even kept)."""

EPS = 2.0 ** -52
"""Machine epsilon of double precision."""


class TooCostly(Exception):
    """The exact path would spend more than its work allowance."""


class NotExact(Exception):
    """The expression has a node the exact evaluator has no rule for."""


class Singular(ArithmeticError):
    """An exact solve met a singular matrix."""


@dataclass(slots=True)
class Work:
    """Word products spent by the exact path, against ``limit`` (counted from sizes, never timed)."""

    limit: int = EXACT_WORK
    spent: int = 0

    def charge(self, products: int, bits_a: int, bits_b: int) -> None:
        self.spent += products * (1 + bits_a // 64) * (1 + bits_b // 64)
        if self.spent > self.limit:
            raise TooCostly(f"exact arithmetic would take more than {self.limit:.0e} word products")


# -- exact rational matrices --------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RMat:
    """A rational matrix: integer entries ``num`` (rows) over one positive denominator ``den``.

    A diagonal matrix (``diagonal=True``) keeps only its diagonal, as an n x 1 column, so the
    weights of n observations take memory linear in n.
    """

    num: list[list[int]]
    den: int = 1
    diagonal: bool = False

    @property
    def shape(self) -> tuple[int, int]:
        n = len(self.num)
        if self.diagonal:
            return (n, n)
        return (n, len(self.num[0]) if n else 0)

    def bits(self) -> int:
        """The largest bit length of an entry (the size a product's cost depends on)."""
        return max((abs(v).bit_length() for row in self.num for v in row), default=0)

    def fractions(self) -> list[list[Fraction]]:
        return [[Fraction(v, self.den) for v in row] for row in self.num]

    def column(self, j: int = 0) -> list[Fraction]:
        return [Fraction(row[j], self.den) for row in self.num]


def from_rows(rows: Sequence[Sequence[Fraction]]) -> RMat:
    """The matrix of these rational rows, over their least common denominator."""
    den = 1
    for row in rows:
        for v in row:
            den = math.lcm(den, v.denominator)
    return RMat([[v.numerator * (den // v.denominator) for v in row] for row in rows], den)


def from_columns(cols: Sequence[Sequence[Fraction]]) -> RMat:
    return from_rows([list(r) for r in zip(*cols)])


def diagonal(values: Sequence[Fraction]) -> RMat:
    m = from_rows([[v] for v in values])
    return RMat(m.num, m.den, diagonal=True)


def identity(n: int) -> RMat:
    return RMat([[1 if i == j else 0 for j in range(n)] for i in range(n)])


def scalar(value: Fraction) -> RMat:
    return RMat([[value.numerator]], value.denominator)


def reduced(m: RMat) -> RMat:
    """The same matrix with the common factor of denominator and entries divided out."""
    g = m.den
    for row in m.num:
        for v in row:
            g = math.gcd(g, v)
            if g == 1:
                return m
    return RMat([[v // g for v in row] for row in m.num], m.den // g, m.diagonal)


def transpose(m: RMat) -> RMat:
    if m.diagonal:
        return m
    return RMat([list(col) for col in zip(*m.num)], m.den)


def dense(m: RMat, work: Work) -> RMat:
    if not m.diagonal:
        return m
    n = len(m.num)
    work.charge(n * n, 0, 0)
    return RMat([[m.num[i][0] if i == j else 0 for j in range(n)] for i in range(n)], m.den)


def matmul(a: RMat, b: RMat, work: Work) -> RMat:
    """a b exactly; a diagonal factor scales rows or columns (no n x n matrix is formed)."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"shapes {a.shape} and {b.shape} do not conform")
    den = a.den * b.den
    if a.diagonal and b.diagonal:
        work.charge(len(a.num), a.bits(), b.bits())
        return RMat([[x[0] * y[0]] for x, y in zip(a.num, b.num)], den, diagonal=True)
    if a.diagonal:
        work.charge(b.shape[0] * b.shape[1], a.bits(), b.bits())
        return RMat([[d[0] * v for v in row] for d, row in zip(a.num, b.num)], den)
    if b.diagonal:
        work.charge(a.shape[0] * a.shape[1], a.bits(), b.bits())
        diag = [d[0] for d in b.num]
        return RMat([[v * d for v, d in zip(row, diag)] for row in a.num], den)
    rows, inner = a.shape
    cols = b.shape[1]
    work.charge(rows * inner * cols, a.bits(), b.bits())
    bt = [list(c) for c in zip(*b.num)]
    mul = operator.mul
    return RMat([[sum(map(mul, row, col)) for col in bt] for row in a.num], den)


def add(a: RMat, b: RMat, work: Work) -> RMat:
    if a.shape != b.shape:
        raise ValueError(f"shapes {a.shape} and {b.shape} differ")
    if a.diagonal != b.diagonal:
        a, b = dense(a, work), dense(b, work)
    den = math.lcm(a.den, b.den)
    fa, fb = den // a.den, den // b.den
    work.charge(2 * a.shape[0] * (1 if a.diagonal else a.shape[1]), max(a.bits(), b.bits()), 64)
    return RMat([[x * fa + y * fb for x, y in zip(ra, rb)] for ra, rb in zip(a.num, b.num)], den, a.diagonal)


def scaled(m: RMat, f: Fraction) -> RMat:
    if f.numerator == 0:
        return RMat([[0 for _ in row] for row in m.num], 1, m.diagonal)
    sign = -1 if f.denominator < 0 else 1
    return RMat([[v * f.numerator * sign for v in row] for row in m.num], m.den * abs(f.denominator), m.diagonal)


def solve(a: RMat, b: RMat, work: Work) -> RMat:
    """a^-1 b exactly, by fraction-free Gaussian elimination (Bareiss) and fraction-free back substitution.

    Raises Singular when a is singular. Every division is exact: after Bareiss the k-th pivot is a
    k x k minor, and det(a) a^-1 b is an integer matrix (Cramer's rule).
    """
    a = dense(a, work)
    b = dense(b, work)
    p = a.shape[0]
    if a.shape != (p, p) or b.shape[0] != p:
        raise ValueError(f"cannot solve a {a.shape} system for a {b.shape} right side")
    m = b.shape[1]
    rows = [ra[:] + rb[:] for ra, rb in zip(a.num, b.num)]
    prev = 1
    for k in range(p):
        piv = next((i for i in range(k, p) if rows[i][k] != 0), None)
        if piv is None:
            raise Singular(k)
        rows[k], rows[piv] = rows[piv], rows[k]
        pk = rows[k][k]
        size = max(abs(v).bit_length() for r in rows[k:] for v in r[k:])
        work.charge(2 * (p - k - 1) * (p + m - k), size, size)
        rk = rows[k]
        for i in range(k + 1, p):
            ri = rows[i]
            f = ri[k]
            if f == 0:
                if pk != prev:  # still scale the row, keeping every entry a minor
                    rows[i] = ri[:k + 1] + [(v * pk) // prev for v in ri[k + 1:]]
                continue
            rows[i] = ri[:k] + [0] + [(ri[j] * pk - f * rk[j]) // prev for j in range(k + 1, p + m)]
        prev = pk
    det = rows[p - 1][p - 1]
    size = max(abs(v).bit_length() for r in rows for v in r)
    work.charge(p * p * m, size, size)
    sol = [[0] * m for _ in range(p)]
    for c in range(m):
        for i in range(p - 1, -1, -1):
            t = det * rows[i][p + c] - sum(rows[i][j] * sol[j][c] for j in range(i + 1, p))
            q, r = divmod(t, rows[i][i])
            if r:
                raise ArithmeticError("fraction-free back substitution left a remainder")  # cannot happen
            sol[i][c] = q
    # a = A/da, b = B/db: a^-1 b = da/db A^-1 B = da (det A^-1 B) / (db det)
    sign = -1 if det < 0 else 1
    return reduced(RMat([[v * a.den * sign for v in row] for row in sol], b.den * abs(det)))


# -- the estimator's expression, evaluated exactly ----------------------------------------------

@dataclass(slots=True)
class ExactEnv:
    """What the expression's symbols stand for: matrices by name, scalars (lam) and dimensions by SymPy symbol."""

    values: dict[str, RMat]
    scalars: dict[Any, Fraction] = field(default_factory=dict)
    dims: dict[Any, int] = field(default_factory=dict)
    work: Work = field(default_factory=Work)
    cache: dict[int, tuple[Any, RMat]] = field(default_factory=dict)


def exact_value(node: M.Node, env: ExactEnv) -> RMat:
    """The value of a matrix expression at exact data: products right to left, inverse-times-matrix as a solve."""
    key = id(node)
    hit = env.cache.get(key)
    if hit is not None:
        return hit[1]
    out = _exact(node, env)
    env.cache[key] = (node, out)
    return out


def _number(expr: Any, env: ExactEnv) -> Fraction:
    import sympy as sp

    from derive.parse.vocabulary import as_sympy

    sub = {**{k: sp.Integer(v) for k, v in env.dims.items()},
           **{k: sp.Rational(v.numerator, v.denominator) for k, v in env.scalars.items()}}
    value = as_sympy(expr).xreplace(sub) if sub else as_sympy(expr)
    if not value.is_Rational:
        raise NotExact(f"the coefficient {value} is not a rational number")
    return Fraction(int(value.p), int(value.q))


def _size(d: Any, env: ExactEnv) -> int:
    import sympy as sp

    from derive.parse.vocabulary import as_sympy

    value = as_sympy(d).xreplace({k: sp.Integer(v) for k, v in env.dims.items()})
    if not value.is_Integer:
        raise NotExact(f"the dimension {d} is not known")
    return int(value)


def _exact(node: M.Node, env: ExactEnv) -> RMat:  # noqa: C901 - one branch per node class
    from derive.matrix import expr as M

    if isinstance(node, M.MatSym):
        if node.name not in env.values:
            raise NotExact(f"no exact value for {node.name}")
        return env.values[node.name]
    if isinstance(node, M.Const):
        return scalar(_number(node.value, env))
    if isinstance(node, M.Identity):
        n = _size(node.n, env)
        return RMat([[1] for _ in range(n)], 1, diagonal=True)
    if isinstance(node, M.Zero):
        return RMat([[0] * _size(node.cols, env) for _ in range(_size(node.rows, env))])
    if isinstance(node, M.Ones):
        return RMat([[1] * _size(node.cols, env) for _ in range(_size(node.rows, env))])
    if isinstance(node, M.Transpose):
        return transpose(exact_value(node.arg, env))
    if isinstance(node, M.Add):
        out = exact_value(node.terms[0], env)
        for t in node.terms[1:]:
            out = add(out, exact_value(t, env), env.work)
        return out
    if isinstance(node, M.Inverse):
        a = exact_value(node.arg, env)
        return solve(a, identity(a.shape[0]), env.work)
    if isinstance(node, M.Mul):
        coeff = _number(node.coeff, env)
        for f in node.scalars:
            v = exact_value(f, env)
            coeff *= Fraction(v.num[0][0], v.den)
        acc: RMat | None = None
        for f in reversed(node.chain):  # right to left: the estimator's chains end in a vector
            if isinstance(f, M.Inverse):
                a = exact_value(f.arg, env)
                acc = solve(a, acc if acc is not None else identity(a.shape[0]), env.work)
            else:
                v = exact_value(f, env)
                acc = v if acc is None else matmul(v, acc, env.work)
        out = acc if acc is not None else scalar(Fraction(1))
        return out if coeff == 1 else scaled(out, coeff)
    raise NotExact(f"no exact rule for a {type(node).__name__}")


# -- rank and condition from the exact Gram matrix ------------------------------------------------

@dataclass(frozen=True, slots=True)
class Dependence:
    """Column ``column`` of X is this exact combination of earlier columns: (index, coefficient) pairs."""

    column: int
    combination: tuple[tuple[int, Fraction], ...]


def dependencies(gram: RMat, work: Work) -> list[Dependence]:
    """The columns of X that are exact combinations of the columns before them, read off X'X (positive semidefinite).

    Symmetric fraction-free elimination in column order: a zero pivot means the column lies in
    the span of the earlier independent ones (for a Gram matrix its whole row is then zero), and
    it is skipped. Each dependent column's combination comes from an exact solve.
    """
    p = gram.shape[0]
    rows = [r[:] for r in gram.num]
    prev = 1
    basis: list[int] = []
    dependent: list[int] = []
    for k in range(p):
        pk = rows[k][k]
        if pk == 0:
            dependent.append(k)
            continue
        size = max(abs(v).bit_length() for r in rows[k:] for v in r[k:])
        work.charge((p - k) * (p - k), size, size)
        for i in range(k + 1, p):
            ri, f = rows[i], rows[i][k]
            rows[i] = ri[:k + 1] + [(ri[j] * pk - f * rows[k][j]) // prev for j in range(k + 1, p)]
        prev = pk
        basis.append(k)
    out = []
    for k in dependent:
        used = [j for j in basis if j < k]
        if not used:
            out.append(Dependence(k, ()))
            continue
        sub = RMat([[gram.num[i][j] for j in used] for i in used], gram.den)
        rhs = RMat([[gram.num[i][k]] for i in used], gram.den)
        c = solve(sub, rhs, work)
        out.append(Dependence(k, tuple((j, Fraction(v[0], c.den)) for j, v in zip(used, c.num) if v[0] != 0)))
    return out


def gram_condition(gram: RMat) -> tuple[float, float]:
    """(cond(X), cond of X with unit-length columns) in the 2-norm, from the exact X'X.

    cond(X) = sqrt(lambda_max / lambda_min) of X'X; the eigenvalues are computed by mpmath with
    enough digits for the smallest to be right (the digits double until it is resolved).
    """
    import mpmath

    p = gram.shape[0]
    out = []
    for unit in (False, True):
        dps = 40
        while True:
            with mpmath.workdps(dps):
                g = mpmath.matrix(p, p)
                for i in range(p):
                    for j in range(p):
                        g[i, j] = mpmath.mpf(gram.num[i][j]) / gram.den
                if unit:
                    d = [mpmath.sqrt(g[i, i]) for i in range(p)]
                    for i in range(p):
                        for j in range(p):
                            g[i, j] = g[i, j] / (d[i] * d[j])
                ev = mpmath.eigsy(g, eigvals_only=True)
                lo, hi = min(ev), max(ev)
                if lo > hi * mpmath.mpf(10) ** (10 - dps):
                    out.append(float(mpmath.sqrt(hi / lo)))  # inf beyond double precision's range
                    break
            if dps >= 640:
                out.append(math.inf)
                break
            dps *= 2
    return out[0], out[1]


# -- double precision: scaling, rank, condition, refined QR ----------------------------------------

def svd_condition(a: np.ndarray, exps: np.ndarray) -> tuple[float, float]:
    """(cond(X), cond with unit-length columns) of X = a diag(2^exps), from singular values in double precision.

    Values beyond about 1e16 are not resolved in double precision; the caller says so.
    """
    import numpy as np

    top = int(np.max(exps)) if exps.size else 0
    with np.errstate(all="ignore"):
        raw = np.ldexp(a, (exps - top)[None, :])
        s = np.linalg.svd(raw, compute_uv=False)
        norms = np.linalg.norm(a, axis=0)
        unit = a / np.where(norms > 0, norms, 1.0)[None, :]
        su = np.linalg.svd(unit, compute_uv=False)
    cond = float(s[0] / s[-1]) if s[-1] > 0 else math.inf
    cond_unit = float(su[0] / su[-1]) if su[-1] > 0 else math.inf
    return cond, cond_unit


def numerical_rank(a: np.ndarray) -> tuple[int, list[int]]:
    """(rank, the columns beyond it) of a column-scaled matrix, by QR with column pivoting in double precision.

    A diagonal entry of R below max(n, p) * eps * |R[0, 0]| counts as zero (numpy's matrix_rank
    threshold); the columns pivoted past the rank are the ones that depend on the others.
    """
    import scipy.linalg as sl  # type: ignore[import-untyped]  # scipy ships no stubs

    n, p = a.shape
    if p == 0:
        return 0, []
    _, r, perm = sl.qr(a, mode="economic", pivoting=True)
    d = abs(r.diagonal())
    tol = max(n, p) * EPS * (d[0] if d.size else 0.0)
    rank = int((d > tol).sum()) if d.size and d[0] > 0 else 0
    return rank, sorted(int(j) for j in perm[rank:])


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


_SPLIT = 134217729.0  # 2^27 + 1, Veltkamp's splitter for doubles


def _two_prod(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = a * b
    t = _SPLIT * a
    ah = t - (t - a)
    al = a - ah
    t = _SPLIT * b
    bh = t - (t - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def residual_dd(a: np.ndarray, c: np.ndarray, z: np.ndarray) -> np.ndarray:
    """c - a z with each row's sum in double-double arithmetic (error-free products and sums), rounded at the end.

    Dekker's products and Knuth's sums, vectorized over the rows: no fused multiply-add is
    assumed, so the result is the same on every IEEE machine. Entries of a and z must be far
    from overflow (the caller scales them to at most 1).
    """
    import numpy as np

    hi, lo = residual_dd2(a, c, z)
    return hi + lo


def residual_dd2(a: np.ndarray, c: np.ndarray, z: np.ndarray, minus: Sequence[np.ndarray] = (),
                 a_lo: np.ndarray | None = None, c_lo: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """c - a z - sum(minus) per row in double-double, as the pair (hi, lo) (hi + lo rounds to the double result).

    ``a_lo`` and ``c_lo`` are the low parts of double-double data (a + a_lo, c + c_lo); their
    products with z are taken in double precision (they are eps below the rest).
    """
    import numpy as np

    s = c.astype(float).copy()
    e = np.zeros_like(s) if c_lo is None else c_lo.astype(float).copy()
    for j in range(a.shape[1]):
        p, pe = _two_prod(a[:, j], np.full_like(s, -z[j]))
        s, se = _two_sum(s, p)
        e += se + pe
        if a_lo is not None:
            e -= a_lo[:, j] * z[j]
    for m in minus:
        s, se = _two_sum(s, -m)
        e += se
    return _two_sum(s, e)


def dd_mul(ah: np.ndarray, al: np.ndarray, bh: np.ndarray, bl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ah + al)(bh + bl) in double-double."""
    p, pe = _two_prod(ah, bh)
    return _two_sum(p, pe + (ah * bl + al * bh))


def dd_sqrt(ah: np.ndarray, al: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sqrt(ah + al) in double-double (ah >= 0): one Newton step from the double square root."""
    import numpy as np

    s = np.sqrt(ah)
    p, pe = _two_prod(s, s)
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = np.where(s > 0, ((ah - p) - pe + al) / (2 * s), 0.0)
    return _two_sum(s, lo)


def transposed_dd(a: np.ndarray, r: np.ndarray) -> np.ndarray:
    """a' r with every sum correctly rounded (error-free products, then math.fsum)."""
    import numpy as np

    out = np.empty(a.shape[1])
    for j in range(a.shape[1]):
        p, pe = _two_prod(a[:, j], r)
        out[j] = math.fsum(np.concatenate([p, pe]).tolist())
    return out


@dataclass(frozen=True, slots=True)
class Refined:
    """A least-squares solution by pivoted QR with refinement: ``z``, the residual, iterations and how it ended."""

    z: np.ndarray
    residual: np.ndarray
    iterations: int
    converged: bool


def inverse_gram_diagonal(a: np.ndarray) -> np.ndarray:
    """The diagonal of (a'a)^-1 from QR with column pivoting (a P = Q R): row norms of R^-1, never a'a formed.

    (a'a)^-1 = P R^-1 R^-T P', so the entry for column perm[i] is the squared norm of row i of R^-1.
    """
    import numpy as np
    import scipy.linalg as sl

    p = a.shape[1]
    _, r_, perm = sl.qr(a, mode="economic", pivoting=True)
    with np.errstate(all="ignore"):
        rinv = sl.solve_triangular(r_, np.eye(p))
        out = np.empty(p)
        out[perm] = np.sum(rinv * rinv, axis=1)
    return out


def refined_lstsq(a: np.ndarray, c: np.ndarray, max_iter: int = 10, a_lo: np.ndarray | None = None,
                  c_lo: np.ndarray | None = None) -> Refined:
    """min ||c - a z|| by QR with column pivoting (LAPACK geqp3), refined on the augmented system in double-double.

    Each step computes f = c - r - a z and g = -a' r in double-double, then solves
    [I a; a' 0] [dr; dz] = [f; g] with the QR factors (a P = Q R: u = R^-T P' g, dz = P R^-1 (Q'f - u),
    dr = Q u + (f - Q Q'f)). It stops when a step changes z by less than 2 eps of its size, or
    stops shrinking. With ``a_lo`` and ``c_lo`` the problem is the double-double one
    (a + a_lo, c + c_lo): the refinement's residuals see the data's low parts, the factorization
    does not need them.
    """
    import numpy as np
    import scipy.linalg as sl

    n, p = a.shape
    q, r_, perm = sl.qr(a, mode="economic", pivoting=True)

    def correction(f: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u = sl.solve_triangular(r_, g[perm], trans="T")
        qf = q.T @ f
        dzp = sl.solve_triangular(r_, qf - u)
        dz = np.empty(p)
        dz[perm] = dzp
        return q @ u + (f - q @ qf), dz

    r, z = correction(c.astype(float), np.zeros(p))
    r_lo = np.zeros(n)  # the residual is kept in double-double (r + r_lo): a large residual costs no digits
    last = math.inf
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        f_hi, f_lo = residual_dd2(a, c, z, (r, r_lo), a_lo, c_lo)
        f = f_hi + f_lo
        g = -(transposed_dd(a, r) + a.T @ r_lo)  # a' r_lo is eps below a' r: double precision suffices
        if a_lo is not None:
            g -= a_lo.T @ r
        dr, dz = correction(f, g)
        r, r_err = _two_sum(r, dr)
        r, r_lo = _two_sum(r, r_lo + r_err)
        z = z + dz
        size = float(np.max(np.abs(dz)))
        if size <= 2 * EPS * float(np.max(np.abs(z))):
            converged = True
            break
        if size > 0.5 * last:  # no longer shrinking: rounding has the last word
            converged = size <= 1e3 * EPS * float(np.max(np.abs(z)))
            break
        last = size
    hi, lo = residual_dd2(a, c, z, (), a_lo, c_lo)
    return Refined(z, hi + lo, it, converged)


def backward_error(a: np.ndarray, c: np.ndarray, z: np.ndarray, a_lo: np.ndarray | None = None,
                   c_lo: np.ndarray | None = None) -> float:
    """max |a'(c - a z)| / (||a|| (||c - a z|| + ||a|| ||z||)): how far z is from satisfying the normal equations.

    With ``a_lo``, ``c_lo``: of the double-double problem (a + a_lo, c + c_lo).
    """
    import numpy as np

    hi, lo = residual_dd2(a, c, z, (), a_lo, c_lo)
    r = hi + lo
    g = transposed_dd(a, r)
    if a_lo is not None:
        g = g + a_lo.T @ r
    na = float(np.linalg.norm(a, 2))
    scale = na * (float(np.linalg.norm(r)) + na * float(np.linalg.norm(z)))
    return float(np.max(np.abs(g))) / scale if scale > 0 else 0.0


def forward_bound(cond: float, residual: float, fitted: float, unit: float = EPS / 2) -> float:
    """Relative error a backward-stable least-squares solver may make: u (2 kappa + kappa^2 tan theta).

    tan theta = ||r|| / ||A z|| (Golub and Van Loan, Theorem 5.3.1, to first order).
    """
    tan = residual / fitted if fitted > 0 else math.inf
    return unit * (2 * cond + cond * cond * tan)


def to_float(value: Fraction) -> float:
    """A rational correctly rounded to double precision; OverflowError beyond its range."""
    return float(value)


def to_float_inf(value: Fraction) -> float:
    """A rational correctly rounded to double precision, +-inf beyond its range."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def magnitude(value: Fraction) -> str:
    """A rational's order of magnitude as text (1e+400 too), without going through a double."""
    if value == 0:
        return "0"
    digits = len(str(abs(value.numerator))) - len(str(value.denominator))
    return f"{'-' if value < 0 else ''}1e{digits:+d}"


def significant(value: Fraction, digits: int = 20) -> str:
    """A rational as a decimal with ``digits`` significant digits (rounded half to even), exponent form."""
    from decimal import Context, Decimal

    ctx = Context(prec=digits)
    return format(ctx.divide(Decimal(value.numerator), Decimal(value.denominator)), "e")


def scaled_exact(values: Sequence[Fraction], exps: Sequence[int], shift: int) -> Any:
    """Each exact value times 2^(exps[j] - shift) in double precision (a coefficient in the scaled coordinates)."""
    import numpy as np

    out = []
    for v, e in zip(values, exps):
        k = int(e) - shift
        w = v * (Fraction(2) ** k) if k >= 0 else v / (Fraction(2) ** -k)
        out.append(float(w))
    return np.asarray(out)


def lcm_all(values: Mapping[Any, int]) -> int:
    out = 1
    for v in values.values():
        out = math.lcm(out, v)
    return out
