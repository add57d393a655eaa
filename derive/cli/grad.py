"""``derive grad``: its options, examples and the job its worker runs."""
from __future__ import annotations

import argparse

from derive.cli import common

EPILOG = """examples:
  derive grad '(1-x)^2 + 100 (y - x^2)^2' --wrt x,y --hessian
  derive grad 'log(1 + exp(-y (w x + b)))' --wrt w,b --format json

matrix calculus (declare vectors and matrices with --let; other names are
scalars):
  derive grad 'norm(y - X*b)^2 + lam*norm(b)^2' --wrt b --hessian \\
      --let 'X: n x p' --let 'y: n' --let 'b: p'
  derive grad "x' A x" --wrt x --let 'x: p' --let 'A: p x p symmetric' --hessian
  derive grad 'logdet(Sigma)' --wrt Sigma --let 'Sigma: n x n positive definite'
  derive grad "-y' log(sigmoid(X w)) - (1 - y)' log(1 - sigmoid(X w))" \\
      --wrt w --let 'X: n x p' --let 'y: n' --let 'w: p' --hessian --format json
  derive grad 'tr(A X B)' --wrt X \\
      --let 'A: m x n' --let 'X: n x p' --let 'B: p x m'
  derive grad 'sigmoid(W x)' --wrt x --let 'W: m x p' --let 'x: p'  # Jacobian
  derive grad "-n/2 logdet(Sigma) - tr(inv(Sigma) S)/2 \\
      - n/2 (xbar - mu)' inv(Sigma) (xbar - mu)" --wrt mu,Sigma \\
      --where 'n > 0' --let 'xbar: p' --let 'mu: p' --let 'S: p x p symmetric' \\
      --let 'Sigma: p x p positive definite'

matrix syntax: X' or X^T (transpose), inv(X) or X^(-1), tr, det, logdet, norm
(2-norm, Frobenius for a matrix), sum, diag, softmax, logsumexp; sigmoid, exp,
log, sqrt entrywise; .* and ./ (entrywise); 1 + v (1 is the ones vector);
juxtaposition or * (product).
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("grad", help="gradient (and Hessian) of a scalar function", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description=common.wrapped("Gradient (and Hessian) of a scalar function: of several scalar variables, "
                       "each partial derived step by step; or, with --let declarations, of a vector or matrix, by "
                       "matrix differentials."))
    p.add_argument("expr", metavar="EXPR")
    p.add_argument("--wrt", metavar="VARS", help="comma-separated variables (default: all, alphabetically)")
    p.add_argument("--hessian", action="store_true", help="also derive the Hessian")
    p.add_argument("--let", action="append", default=[], metavar="DECL",
                   help="declare a vector or matrix, e.g. 'X: n x p', 'y: n', 'A: p x p symmetric', "
                   "'Sigma: n x n positive definite', or in LaTeX 'X \\in \\mathbb{R}^{n\\times p}' (repeatable)")
    common.add_where(p)
    common.add_output(p)
    p.set_defaults(run=run)


def job(args: argparse.Namespace) -> common.Output:
    """Derive, certify and render (in the worker)."""
    from derive.core.budget import Budget
    from derive.api import grad

    result = grad(args.expr.lstrip(), args.wrt, hessian=args.hessian, where=args.where, let=args.let,
                  budget=Budget(seconds=args.timeout, memory_mb=args.memory))
    what = "Jacobian" if hasattr(result, "jacobian") else "Gradients" if hasattr(result, "gradients") else "Gradient"
    return common.render(result, args, f"{what} of {args.expr}")


def run(args: argparse.Namespace) -> int:
    return common.run_job(job, args, what="the gradient", preload=("numpy",) if args.let else (),
                          modules=MATRIX_MODULES if args.let else SCALAR_MODULES)


SCALAR_MODULES = ("derive.api", "derive.scalar.api", "derive.scalar.gradient", "derive.scalar.certify", "derive.parse.auto",
                  "derive.parse.declarations", "derive.parse.text")
MATRIX_MODULES = ("derive.api", "derive.scalar.api", "derive.matrix.api", "derive.matrix.gradient", "derive.matrix.certify",
                  "derive.matrix.read", "derive.parse.let", "derive.parse.shapes", "derive.parse.declarations",
                  "derive.parse.text")
