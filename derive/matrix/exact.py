"""Exact check at small explicit sizes: every entry of the gradient against SymPy's scalar diff.

At sizes such as n = 2, p = 3 every matrix becomes a matrix of symbols (symmetric ones share
them, diagonal ones have zeros off the diagonal), the function becomes one scalar
expression, and SymPy differentiates it entry by entry. Equality there is a proof at those
sizes, not in general, and the verdict says so. Independent of the engine: no rule of
matrix differentials is used.
"""
from __future__ import annotations

from typing import Any

import sympy as sp

from derive.core.budget import Clock
from derive.core.errors import BudgetExceeded
from derive.matrix import expr as M
from derive.certify.equal import combined_zero
from derive.core.functions import sigmoid, softplus
from derive.matrix.model import MatGradient, MatJacobian
from derive.core.contract import Certificate, Proved, Refuted, Timeout, Unknown

_MAX_OPS = 3000
_SIZES = (3, 2, 2, 2, 2)
"""Sizes for dimensions that are not the side of a square matrix: the first 3 (a tall X keeps X^T X invertible)."""


class _TooBig(Exception):
    pass


class _Explicit:
    """Explicit SymPy matrices for the nodes of one expression at fixed sizes."""

    def __init__(self, dims: dict[sp.Symbol, int], var: M.MatSym) -> None:
        self.dims = dims
        self.var = var
        self.mats: dict[str, sp.Matrix] = {}
        self.var_symbols: dict[tuple[int, int], sp.Symbol] = {}

    def size(self, d: sp.Expr) -> int:
        return int(d.xreplace(self.dims))

    def bounded(self, m: sp.Matrix) -> sp.Matrix:
        if sum(sp.count_ops(e) for e in m) > _MAX_OPS:
            raise _TooBig("the explicit form grows too large")
        return m

    def matrix(self, s: M.MatSym) -> sp.Matrix:
        hit = self.mats.get(s.name)
        if hit is not None:
            return hit
        r, c = self.size(s.rows), self.size(s.cols)
        if "orthogonal" in s.props:
            raise _TooBig("orthogonal matrices have no free-entry form")
        entries: dict[tuple[int, int], Any] = {}
        for i in range(r):
            for j in range(c):
                if "diagonal" in s.props and i != j:
                    entries[i, j] = sp.Integer(0)
                    continue
                a, b = (min(i, j), max(i, j)) if s.symmetric else (i, j)
                entries[i, j] = sp.Symbol(f"{s.name}_{a}{b}" if c > 1 else f"{s.name}_{a}", real=True)
        m = sp.Matrix(r, c, lambda i, j: entries[i, j])
        self.mats[s.name] = m
        return m

    def ev(self, node: M.Node) -> sp.Matrix:  # noqa: C901 - one branch per node class
        if isinstance(node, M.MatSym):
            return self.matrix(node)
        if isinstance(node, M.Const):
            return sp.Matrix([[node.value.xreplace({k: sp.Integer(v) for k, v in self.dims.items()})]])
        if isinstance(node, M.Ones):
            return sp.ones(self.size(node.rows), self.size(node.cols))
        if isinstance(node, M.Identity):
            return sp.eye(self.size(node.n))
        if isinstance(node, M.Zero):
            return sp.zeros(self.size(node.rows), self.size(node.cols))
        if isinstance(node, M.Add):
            out = self.ev(node.terms[0])
            for t in node.terms[1:]:
                out = out + self.ev(t)
            return out
        if isinstance(node, M.Mul):
            scal = sp.Mul(node.coeff.xreplace({k: sp.Integer(v) for k, v in self.dims.items()}),
                          *(self.ev(f)[0, 0] for f in node.scalars))
            chain = [self.ev(f) for f in node.chain]
            prod = chain[0] if chain else sp.Matrix([[1]])
            for c in chain[1:]:
                prod = self.bounded(prod * c)
            return self.bounded(prod * scal)
        if isinstance(node, M.Transpose):
            return self.ev(node.arg).T
        if isinstance(node, M.Inverse):
            a = self.ev(node.arg)
            if a.shape[0] > 2:
                raise _TooBig("the inverse of a symbolic matrix larger than 2 x 2")
            return self.bounded(a.adjugate() / a.det())
        if isinstance(node, M.Trace):
            return sp.Matrix([[self.ev(node.arg).trace()]])
        if isinstance(node, M.Det):
            return sp.Matrix([[self.ev(node.arg).det()]])
        if isinstance(node, M.LogDet):
            return sp.Matrix([[sp.log(self.ev(node.arg).det())]])
        if isinstance(node, M.Hadamard):
            out = self.ev(node.factors[0])
            for f in node.factors[1:]:
                out = out.multiply_elementwise(self.ev(f))
            return out
        if isinstance(node, M.Func):
            fn = M.sympy_function(node.name)
            return self.ev(node.arg).applyfunc(fn)
        if isinstance(node, M.Power):
            e = node.exp
            return self.ev(node.base).applyfunc(lambda t: t ** e)
        if isinstance(node, M.Diag):
            v = self.ev(node.arg)
            return sp.diag(*list(v))
        if isinstance(node, M.DiagPart):
            a = self.ev(node.arg)
            return sp.Matrix([a[i, i] for i in range(a.shape[0])])
        if isinstance(node, M.Kron):
            from sympy.physics.quantum import TensorProduct

            return self.bounded(sp.Matrix(TensorProduct(self.ev(node.left), self.ev(node.right))))
        if isinstance(node, M.Vec):
            return _vec(self.ev(node.arg))
        if isinstance(node, M.Commutation):
            m, n = self.size(node.m), self.size(node.n)
            k = sp.zeros(m * n, m * n)
            for i in range(m):
                for j in range(n):
                    k[i * n + j, j * m + i] = 1  # vec(A)[j m + i] = A[i, j] = vec(Aᵀ)[i n + j]
            return k
        if isinstance(node, M.Norm):
            a = self.ev(node.arg)
            return sp.Matrix([[sp.sqrt(sum(t ** 2 for t in a))]])
        if isinstance(node, M.LogSumExp):
            z = self.ev(node.arg)
            return sp.Matrix([[sp.log(sum(sp.exp(t) for t in z))]])
        if isinstance(node, M.Softmax):
            z = self.ev(node.arg)
            total = sum(sp.exp(t) for t in z)
            return z.applyfunc(lambda t: sp.exp(t) / total)
        raise _TooBig(f"no explicit form for {type(node).__name__}")


def _vec(a: sp.Matrix) -> sp.Matrix:
    """The columns stacked (column-major, as ``vec`` is defined)."""
    return sp.Matrix([a[i, j] for j in range(a.shape[1]) for i in range(a.shape[0])])


def _dims(g: MatGradient | MatJacobian) -> dict[sp.Symbol, int]:
    """Size 2 for the sides of square matrices (their inverses stay small), 3 then 2 for the others."""
    from derive.matrix.numeric import dimension_symbols

    syms = dimension_symbols([g.function, g.wrt])
    square = {d for s in M.symbols(g.function) | {g.wrt} if s.rows == s.cols for d in s.rows.free_symbols}
    out: dict[sp.Symbol, int] = {}
    free = iter(_SIZES)
    for d in syms:
        out[d] = 2 if d in square else next(free, 2)
    return out


def _zero(e: sp.Expr, clock: Clock) -> bool:
    if e == 0:
        return True
    if e.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise _TooBig("the expression is undefined at these sizes (a singular matrix)")
    plain = not e.has(sigmoid, softplus)  # sigmoids are written in exponentials below, before cancel
    # over denominators of exponentials (softmax, log-sum-exp) expand alone seldom cancels: one fraction first
    early = plain and _over_exponentials(e)
    if early and combined_zero(e):
        return True
    if sp.expand(e) == 0:
        return True
    clock.check("the exact check at small sizes")
    if plain and not early and combined_zero(e):  # one fraction: its numerator expands to 0 (exact)
        return True
    if sp.count_ops(e) > 400:
        raise _TooBig("difference too large to simplify")
    e = e.rewrite(sp.exp) if e.has(sigmoid, softplus) else e
    return bool(sp.simplify(sp.cancel(e)) == 0)


def _over_exponentials(e: sp.Expr) -> bool:
    """Whether some denominator of ``e`` holds an exponential."""
    return any(p.exp.is_negative and p.base.has(sp.exp) for p in e.atoms(sp.Pow))


def _witness(e: sp.Expr) -> tuple[tuple[str, str], ...] | None:
    """A point where ``e`` is clearly nonzero (so a failed simplification is a real difference), or None."""
    import random

    rng = random.Random(0)
    syms = sorted(e.free_symbols, key=lambda s: s.name)
    for _ in range(6):
        point = {s: sp.Rational(rng.randint(-9, 9) or 1, rng.randint(2, 7)) for s in syms}
        try:
            value = complex(e.xreplace(point).evalf(30))
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if abs(value) > 1e-12:
            return tuple((str(k), str(v)) for k, v in point.items())
    return None


def _small_sizes(d: MatGradient | MatJacobian) -> tuple[dict[sp.Symbol, int] | None, str]:
    """The sizes the exact check expands ``d`` at and how they read ("m=2, p=3"); no sizes (None) when a
    declared size is over 3, too large to expand symbolically."""
    dims = _dims(d)
    where = ", ".join(f"{k}={v}" for k, v in sorted(dims.items(), key=lambda kv: str(kv[0]))) or "the declared sizes"
    numeric = [int(n) for s in M.symbols(d.function) | {d.wrt} for n in s.shape if n.is_Integer]
    return (None if any(n > 3 for n in numeric) else dims), where


def explicit_check(g: MatGradient, clock: Clock) -> Certificate:
    """Proved (at the stated sizes) if every gradient entry equals SymPy's derivative of the explicit function."""
    dims, where = _small_sizes(g)
    if dims is None:
        return Unknown("not checked exactly: the declared sizes are too large to expand symbolically")
    if any(isinstance(n, M.Power) and (not n.exp.is_Rational or abs(n.exp) > 8) for n in M.walk(g.function)):
        return Unknown("not checked exactly: a large or symbolic power is too costly to expand")
    try:
        clock.check("the exact check at small sizes")
        ex = _Explicit(dims, g.wrt)
        f = ex.ev(g.function)[0, 0]
        if sp.count_ops(f) > _MAX_OPS:
            return Unknown(f"the explicit function at {where} is too large to differentiate exactly")
        grad = ex.ev(g.gradient)
        x = ex.matrix(g.wrt)
        rows, cols = x.shape
        for i in range(rows):
            for j in range(cols):
                s = x[i, j]
                if not isinstance(s, sp.Symbol) or (g.wrt.symmetric and j < i):
                    continue
                clock.check("the exact check at small sizes")
                theirs = sp.diff(f, s)
                if theirs.has(sp.zoo, sp.nan) or grad[i, j].has(sp.zoo, sp.nan):
                    raise _TooBig(f"the function is undefined at {where} (a singular matrix)")
                ours = grad[i, j] + (grad[j, i] if g.wrt.symmetric and i != j else 0)
                if g.wrt.symmetric and i != j and not _zero(grad[i, j] - grad[j, i], clock):
                    return Refuted((("sizes", where), ("entry", f"({i + 1},{j + 1})")),
                                   "a gradient entry of a symmetric variable", "a different mirror entry")
                if not _zero(ours - theirs, clock):
                    witness = _witness(ours - theirs)
                    if witness is None:
                        raise _TooBig("SymPy could not simplify the difference, which vanishes at random points")
                    return Refuted((("sizes", where), ("entry", f"({i + 1},{j + 1})"), *witness),
                                   sp.sstr(ours)[:80], sp.sstr(theirs)[:80])
        if "diagonal" in g.wrt.props:
            off = [grad[i, j] for i in range(rows) for j in range(cols) if i != j]
            if any(not _zero(e, clock) for e in off):
                return Refuted((("sizes", where),), "a nonzero off-diagonal gradient entry", "0 for a diagonal variable")
    except BudgetExceeded as exc:
        return Timeout(exc.message)
    except _TooBig as exc:
        return Unknown(f"not checked exactly: {exc}")
    except (ValueError, TypeError, ZeroDivisionError, NotImplementedError, RecursionError) as exc:
        return Unknown(f"SymPy could not expand the explicit form ({type(exc).__name__})")
    note = " (symmetric: each off-diagonal pair)" if g.wrt.symmetric else ""
    return Proved(f"exact at {where}: every entry equals SymPy's derivative of the explicit function{note}")


def explicit_jacobian_check(j: MatJacobian, clock: Clock) -> Certificate:
    """Proved (at the stated sizes) if every Jacobian entry equals SymPy's ∂ vec(f)_i / ∂ vec(X)_k."""
    dims, where = _small_sizes(j)
    if dims is None:
        return Unknown("not checked exactly: the declared sizes are too large to expand symbolically")
    try:
        clock.check("the exact check at small sizes")
        ex = _Explicit(dims, j.wrt)
        f = _vec(ex.ev(j.function))
        jac = ex.ev(j.jacobian)
        x = _vec(ex.matrix(j.wrt))
        if jac.shape != (len(f), len(x)):
            return Refuted((("sizes", where),), f"a Jacobian of shape {jac.shape}", f"one of shape {(len(f), len(x))}")
        for i in range(len(f)):
            for k in range(len(x)):
                clock.check("the exact check at small sizes")
                theirs = sp.diff(f[i], x[k])
                if theirs.has(sp.zoo, sp.nan) or jac[i, k].has(sp.zoo, sp.nan):
                    raise _TooBig(f"the function is undefined at {where} (a singular matrix)")
                if not _zero(jac[i, k] - theirs, clock):
                    witness = _witness(jac[i, k] - theirs)
                    if witness is None:
                        raise _TooBig("SymPy could not simplify the difference, which vanishes at random points")
                    return Refuted((("sizes", where), ("entry", f"({i + 1},{k + 1})"), *witness),
                                   sp.sstr(jac[i, k])[:80], sp.sstr(theirs)[:80])
    except BudgetExceeded as exc:
        return Timeout(exc.message)
    except _TooBig as exc:
        return Unknown(f"not checked exactly: {exc}")
    except (ValueError, TypeError, ZeroDivisionError, NotImplementedError, RecursionError) as exc:
        return Unknown(f"SymPy could not expand the explicit form ({type(exc).__name__})")
    return Proved(f"exact at {where}: every entry equals SymPy's derivative of the explicit function")
