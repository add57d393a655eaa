"""Matrix expressions as SymPy objects over MatrixSymbols named as the user named them.

The JSON contract's ``gradient``/``hessian`` strings are ``str()`` of these (``X.T``,
``X**(-1)``, ``sigmoid(X*w)``); certification also uses them to ask SymPy's own
``MatrixSymbol.diff``. A 1x1 product used as a scalar becomes ``Trace(...)`` (equal, and
a SymPy scalar), because SymPy cannot divide a matrix by a 1x1 matrix.
"""
from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.matrices.expressions import MatrixExpr
from sympy.printing.str import StrPrinter

from derive.matrix import expr as M


class Elementwise(MatrixExpr):
    """``f`` applied entry by entry, printed as an applied function: ``sigmoid(X*w)``."""

    def __new__(cls, name: str | sp.Symbol, arg: Any) -> Elementwise:
        return MatrixExpr.__new__(cls, sp.Symbol(str(name)), arg)

    @property
    def fname(self) -> str:
        return str(self.args[0])

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[1].shape

    def _entry(self, i: Any, j: Any, **kwargs: Any) -> Any:
        return M.sympy_function(self.fname)(self.args[1]._entry(i, j, **kwargs))

    def _sympystr(self, printer: Any) -> str:
        return f"{self.fname}({printer._print(self.args[1])})"

    def _latex(self, printer: Any) -> str:
        return rf"\operatorname{{{self.fname}}}\left({printer._print(self.args[1])}\right)"


class Softmax(MatrixExpr):
    """softmax(z) of a column vector, printed ``softmax(z)``."""

    def __new__(cls, arg: Any) -> Softmax:
        return MatrixExpr.__new__(cls, arg)

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[0].shape

    def _entry(self, i: Any, j: Any, **kwargs: Any) -> Any:
        z = self.args[0]
        n = z.shape[0]
        k = sp.Dummy("k")
        return sp.exp(z._entry(i, 0)) / sp.Sum(sp.exp(z._entry(k, 0)), (k, 0, n - 1))

    def _sympystr(self, printer: Any) -> str:
        return f"softmax({printer._print(self.args[0])})"


class Vec(MatrixExpr):
    """vec(A): the columns of A stacked, printed ``vec(A)``."""

    def __new__(cls, arg: Any) -> Vec:
        return MatrixExpr.__new__(cls, arg)

    @property
    def shape(self) -> tuple[Any, Any]:
        r, c = self.args[0].shape
        return (r * c, sp.Integer(1))

    def _entry(self, i: Any, j: Any, **kwargs: Any) -> Any:
        r = self.args[0].shape[0]
        return self.args[0]._entry(i % r, i // r, **kwargs)

    def _sympystr(self, printer: Any) -> str:
        return f"vec({printer._print(self.args[0])})"


class Commutation(MatrixExpr):
    """The commutation matrix K(m, n): K vec(A) = vec(A.T) for an m x n matrix A."""

    def __new__(cls, m: Any, n: Any) -> Commutation:
        return MatrixExpr.__new__(cls, *(sp.Integer(d) if isinstance(d, int) else d for d in (m, n)))

    @property
    def shape(self) -> tuple[Any, Any]:
        m, n = self.args
        return (m * n, m * n)

    def _entry(self, i: Any, j: Any, **kwargs: Any) -> Any:
        m, n = self.args
        return sp.KroneckerDelta(i, (j % m) * n + j // m)

    def _sympystr(self, printer: Any) -> str:
        return f"K({printer._print(self.args[0])}, {printer._print(self.args[1])})"


def to_sympy(node: M.Node, *, native: bool = False) -> Any:
    """The SymPy form; ``native`` uses SymPy's own elementwise classes (for MatrixSymbol.diff)."""
    return _Converter(native).conv(node)


class _Converter:
    def __init__(self, native: bool) -> None:
        self.native = native

    def conv(self, n: M.Node) -> Any:
        method = getattr(self, f"c_{type(n).__name__}")
        return method(n)

    def scalar(self, n: M.Node) -> Any:
        """A scalar node as a SymPy scalar (a 1x1 product becomes its trace)."""
        out = self.conv(n)
        if isinstance(out, MatrixExpr):
            return sp.Trace(out) if out.shape == (1, 1) else out
        return out

    def c_MatSym(self, n: M.MatSym) -> Any:
        return sp.MatrixSymbol(n.name, n.rows, n.cols)

    def c_Const(self, n: M.Const) -> Any:
        return n.value

    def c_Ones(self, n: M.Ones) -> Any:
        return sp.OneMatrix(n.rows, n.cols)

    def c_Identity(self, n: M.Identity) -> Any:
        return sp.Identity(n.n)

    def c_Zero(self, n: M.Zero) -> Any:
        return sp.ZeroMatrix(n.rows, n.cols)

    def c_Differential(self, n: M.Differential) -> Any:
        return sp.MatrixSymbol("d" + n.var.name, n.var.rows, n.var.cols)

    def c_Add(self, n: M.Add) -> Any:
        if n.is_scalar:
            return sp.Add(*(self.scalar(t) for t in n.terms))
        return sp.MatAdd(*(self.conv(t) for t in n.terms))

    def c_Mul(self, n: M.Mul) -> Any:
        scal = sp.Mul(n.coeff, *(self.scalar(f) for f in n.scalars))
        chain = [self.conv(f) for f in n.chain]
        if not chain:
            return scal
        if scal == 1 and len(chain) == 1:
            return chain[0]
        coeffs = [] if scal == 1 else list(sp.Mul.make_args(scal))
        return sp.MatMul(*coeffs, *chain)

    def c_Transpose(self, n: M.Transpose) -> Any:
        return sp.Transpose(self.conv(n.arg))

    def c_Inverse(self, n: M.Inverse) -> Any:
        return sp.Inverse(self.conv(n.arg))

    def c_Trace(self, n: M.Trace) -> Any:
        return sp.Trace(self.conv(n.arg))

    def c_Det(self, n: M.Det) -> Any:
        return sp.Determinant(self.conv(n.arg))

    def c_LogDet(self, n: M.LogDet) -> Any:
        return sp.log(sp.Determinant(self.conv(n.arg)))

    def c_Hadamard(self, n: M.Hadamard) -> Any:
        return sp.HadamardProduct(*(self.conv(f) for f in n.factors))

    def c_Func(self, n: M.Func) -> Any:
        fn = M.sympy_function(n.name)
        if n.is_scalar:
            return fn(self.scalar(n.arg))
        if self.native:
            return self.conv(n.arg).applyfunc(fn)
        return Elementwise(n.name, self.conv(n.arg))

    def c_Power(self, n: M.Power) -> Any:
        if n.is_scalar:
            return self.scalar(n.base) ** n.exp
        from sympy.matrices.expressions.hadamard import HadamardPower

        return HadamardPower(self.conv(n.base), n.exp)

    def c_Diag(self, n: M.Diag) -> Any:
        from sympy.matrices.expressions.diagonal import DiagMatrix

        return DiagMatrix(self.conv(n.arg))

    def c_DiagPart(self, n: M.DiagPart) -> Any:
        from sympy.matrices.expressions.diagonal import DiagonalOf

        return DiagonalOf(self.conv(n.arg))

    def c_Kron(self, n: M.Kron) -> Any:
        from sympy.matrices.expressions.kronecker import KroneckerProduct

        return KroneckerProduct(self.conv(n.left), self.conv(n.right))

    def c_Vec(self, n: M.Vec) -> Any:
        return Vec(self.conv(n.arg))

    def c_Commutation(self, n: M.Commutation) -> Any:
        return Commutation(n.m, n.n)

    def c_Norm(self, n: M.Norm) -> Any:
        a = self.conv(n.arg)
        if n.arg.shape[1] == 1:
            return sp.sqrt(sp.Trace(sp.MatMul(sp.Transpose(a), a)))
        return sp.sqrt(sp.Trace(sp.MatMul(sp.Transpose(a), a)))

    def c_LogSumExp(self, n: M.LogSumExp) -> Any:
        z = self.conv(n.arg)
        ones = sp.OneMatrix(1, n.arg.shape[0])
        e = z.applyfunc(sp.exp) if self.native else Elementwise("exp", z)
        return sp.log(sp.Trace(sp.MatMul(ones, e)))

    def c_Softmax(self, n: M.Softmax) -> Any:
        return Softmax(self.conv(n.arg))

    def c_D(self, n: M.D) -> Any:
        raise TypeError("a pending differential has no SymPy form")


class _ContractPrinter(StrPrinter):
    """SymPy's str printer, except that special matrices print as constructors a reader can rebuild.

    Plain ``str()`` writes the ones matrix as ``1``, the zero matrix as ``0`` and the identity as
    ``I``, which read back as scalars (or the imaginary unit).
    """

    def _print_OneMatrix(self, expr: Any) -> str:
        return f"OneMatrix({self._print(expr.rows)}, {self._print(expr.cols)})"

    def _print_ZeroMatrix(self, expr: Any) -> str:
        return f"ZeroMatrix({self._print(expr.rows)}, {self._print(expr.cols)})"

    def _print_Identity(self, expr: Any) -> str:
        return f"Identity({self._print(expr.rows)})"


def sympy_str(node: M.Node) -> str:
    """The contract string: ``str()`` of the SymPy form, with rebuildable special matrices."""
    return str(_ContractPrinter().doprint(to_sympy(node)))
