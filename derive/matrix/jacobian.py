"""The Jacobian of a vector- or matrix-valued function of one vector or matrix, by differentials.

The same chain of differentials as a gradient (``matrix.differentials``), then identification
in numerator layout: for a column f of a column x, df = J dx gives J (m x p, J_ij = ∂f_i/∂x_j),
the matrix that the Hessian's identification reads off d(∇f) as well (``identify.jacobian``);
otherwise vec(df) = J vec(dX), with Kronecker products and the commutation matrix.
"""
from __future__ import annotations

from derive.core.budget import Clock
from derive.core.errors import UnsupportedError, UsageError
from derive.matrix import expr as M
from derive.matrix import rules as R
from derive.matrix.differentials import differential_chain, identified
from derive.matrix.identify import jacobian, vec_jacobian
from derive.matrix.model import MatJacobian, MatRule
from derive.matrix.tidy import tidy
from derive.parse.shapes import ShapeDecl


def matrix_jacobian(f: M.Node, var: M.MatSym, clock: Clock, *, source: str = "",
                    shapes: tuple[ShapeDecl, ...] = ()) -> MatJacobian:
    """The derivation of the Jacobian of ``f`` (not a scalar) with respect to ``var``, uncertified."""
    if f.is_scalar:
        raise UsageError("the expression is a scalar: its derivative is a gradient, not a Jacobian")
    if not M.depends_on(f, var):
        names = ", ".join(sorted(s.name for s in M.symbols(f))) or "none"
        raise UsageError(f"{var.name} does not appear in the expression",
                         hint=f"its matrix and vector variables are: {names}")
    if var.symmetric or {"diagonal", "orthogonal"} & set(var.props):
        raise UnsupportedError(
            f"the Jacobian with respect to the structured matrix {var.name} is not supported: the vec Jacobian "
            "assumes free entries", hint="declare the matrix without its structure")
    columns = f.shape[1] == 1 and var.cols == 1
    steps = differential_chain(f if columns else M.vec(f), var, clock)  # d vec(F) for the vec Jacobian
    df = steps[-1].after if steps else M.zero(f.shape)
    if columns:
        j = tidy(jacobian(df, var), clock)
        form = M.mul(j, M.Differential(var))
        rule: MatRule = R.JacobianIdentification(df, form, j)
    else:
        inner = df.arg if isinstance(df, M.Vec) else df
        j = tidy(vec_jacobian(inner, var), clock)
        form = M.mul(j, M.vec(M.Differential(var)))
        rule = R.VecJacobianIdentification(df, form, j)
    return MatJacobian(source=source, function=f, wrt=var, shapes=shapes, steps=identified(steps, df, form, rule),
                       jacobian=j, vec=not columns)

