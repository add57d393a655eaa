"""``derive ls``: its options, examples and the job its worker runs."""
from __future__ import annotations

import argparse
from pathlib import Path

from derive.cli import common
from derive.core.errors import UsageError

EXAMPLES = """examples:
  derive ls --model ols
  derive ls --model ridge --format latex
  derive ls --model wls --name X=A --name b=beta
  # fit the formula to a file, beside lstsq
  derive ls --model ols --data lidar.csv --x x --y y --intercept
  derive ls --model ridge --data points.csv --x x1,x2 --y y --lam 0.5 \\
      --intercept --format json
  # terms: columns, powers, products, polynomials
  derive ls --model ols --data lidar.csv --x 'poly(x, 2)' --y y --intercept
  # slope S_xy/S_xx, intercept ybar - slope xbar
  derive ls --model simple --data lidar.csv --x x --y y
  # min ||y - X b||^2 subject to C b = d
  derive ls --model constrained --name C=A
"""

ABOUT = """The matrix models are derived by the matrix engine: objective, gradient,
normal equations, solution with the condition for it to exist and be unique,
Hessian and definiteness, fitted values and hat matrix, residual orthogonality;
simple by SymPy over sums. Every estimator is checked against its model's
numeric solver on random, ill-conditioned and n < p data. --data does not go
with gls or constrained (a CSV cannot give Sigma, C or d).

With --data the derived formula is evaluated in exact rational arithmetic from
the file's decimals when the work allows (else QR with column pivoting refined
in double-double), beside numpy's lstsq; the output gives the design, the method,
the condition number of X and its rank. Ridge leaves the intercept unpenalized
(--penalize-intercept to penalize it); a weight 0 drops its row.
"""


def epilog() -> str:
    """The examples, then every model of ``derive.lsq.models`` (its registry: a new model lists itself)."""
    from derive.lsq.models import MODELS

    models = common.listing([(name, f"{cls.summary} (names {', '.join(cls.roles)})") for name, cls in MODELS.items()])
    return f"{EXAMPLES}\nmodels (--name ROLE=NAME renames a name):\n{models}\n\n{ABOUT}"


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from derive.lsq.models import MODELS

    p = sub.add_parser("ls", help="derive a least-squares estimator step by step", epilog=epilog(),
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description=common.wrapped("Derive a closed-form least-squares estimator with matrix differentials, every "
                       "step certified, and check it against a numeric solver."))
    p.add_argument("--model", default="ols", metavar="MODEL",
                   help=f"{', '.join(MODELS)} (default: ols; see the list below)")
    p.add_argument("--name", action="append", default=[], metavar="ROLE=NAME",
                   help="rename one of the model's symbols (its names are listed below), e.g. --name b=beta "
                   "(repeatable)")
    p.add_argument("--data", type=Path, metavar="FILE.csv", help="fit the derived estimator to a CSV file")
    p.add_argument("--x", metavar="TERMS", default="",
                   help="comma-separated regressors (with --data): columns, powers x^2, products x1*x2, poly(x, k) "
                   "for x, x^2, ..., x^k; `...` quotes a column name")
    p.add_argument("--y", metavar="COL", default="", help="the response column (with --data)")
    p.add_argument("--weights", metavar="COL", default="", help="observation weights column (wls with --data)")
    p.add_argument("--lam", type=float, metavar="VALUE", help="the ridge penalty (ridge with --data)")
    p.add_argument("--intercept", action="store_true", help="add a column of ones to X (with --data)")
    p.add_argument("--penalize-intercept", action="store_true",
                   help="ridge with --intercept: penalize the intercept too (by default it is not penalized)")
    common.add_output(p)
    p.set_defaults(run=run)


def names(items: list[str]) -> dict[str, str]:
    """--name ROLE=NAME items as a dict."""
    out: dict[str, str] = {}
    for item in items:
        role, sep, name = item.partition("=")
        if not sep:
            raise UsageError(f"--name {item}: write ROLE=NAME", hint="e.g. --name b=beta")
        out[role.strip()] = name.strip()
    return out


def job(args: argparse.Namespace) -> common.Output:
    """Derive, certify, fit and render (in the worker)."""
    from derive.core.budget import Budget
    from derive.lsq.api import ls

    result = ls(args.model, names=names(args.name), data=args.data, x=args.x, y=args.y, weights=args.weights,
                lam=args.lam, intercept=args.intercept, penalize_intercept=args.penalize_intercept, budget=Budget(seconds=args.timeout, memory_mb=args.memory))
    return common.render(result, args, f"Least squares: {result.title}")


def run(args: argparse.Namespace) -> int:
    names(args.name)  # a malformed --name is a usage error before any work
    if args.data is None and (args.x or args.y or args.weights or args.lam is not None or args.intercept
                              or args.penalize_intercept):
        raise UsageError("--x, --y, --weights, --lam, --intercept and --penalize-intercept go with --data",
                         hint="add --data FILE.csv")
    common.check_data_file(args.data)
    return common.run_job(job, args, what="the least-squares derivation", preload=("numpy",), modules=MODULES)


MODULES = ("derive.lsq.api", "derive.lsq.models", "derive.lsq.certify", "derive.matrix.certify",
           "derive.matrix.read_text", "derive.parse.let", "derive.parse.declarations", "derive.parse.text")
