"""The ``derive`` command: a thin layer over the Python API; the one place errors become exit codes.

Exit codes: 0 success, 1 a TeX or internal failure, 2 bad input or usage, 3 over the time/size budget.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_BUDGET = 0, 1, 2, 3
MAX_ORDER = 20
_EXPR_COMMANDS = ("diff", "grad")

_EPILOG_DIFF = """examples:
  derive diff 'x^2 sin(x)' --wrt x
  derive diff 'sin(x)^x' --wrt x --format latex
  derive diff 'f(x^2)' --wrt x
  derive diff 'x^2 y + exp(x y)' --wrt x --wrt y          (mixed partial, x then y)
  derive diff 'log(x)' --wrt x --order 2 --where 'x > 0'
  derive diff '\\frac{1}{1+e^{-z}}' --wrt z --format json
  derive diff 'sigmoid(w*x+b)' --wrt w --pdf sigmoid.pdf
  derive diff '-y*log(p) - (1-y)*log(1-p)' --wrt p   (a leading minus is fine)
"""

_EPILOG_GRAD = """examples:
  derive grad '(1-x)^2 + 100 (y - x^2)^2' --wrt x,y --hessian
  derive grad 'log(1 + exp(-y (w x + b)))' --wrt w,b --format json

matrix calculus (declare vectors and matrices with --let; other names are scalars):
  derive grad 'norm(y - X*b)^2 + lam*norm(b)^2' --wrt b --let 'X: n x p' --let 'y: n' --let 'b: p' --hessian
  derive grad "x' A x" --wrt x --let 'x: p' --let 'A: p x p symmetric' --hessian
  derive grad 'logdet(Sigma)' --wrt Sigma --let 'Sigma: n x n positive definite'
  derive grad "-y' log(sigmoid(X w)) - (1 - y)' log(1 - sigmoid(X w))" --wrt w \
      --let 'X: n x p' --let 'y: n' --let 'w: p' --hessian --format json
  derive grad 'tr(A X B)' --wrt X --let 'A: m x n' --let 'X: n x p' --let 'B: p x m'

  matrix syntax: X' or X^T (transpose), inv(X) or X^(-1), tr, det, logdet, norm (2-norm,
  Frobenius for a matrix), sum, diag, softmax, logsumexp, sigmoid/exp/log/sqrt entrywise,
  .* and ./ (entrywise), 1 + v (1 is the ones vector), juxtaposition or * (product).
"""

_EPILOG_LS = """examples:
  derive ls --model ols
  derive ls --model ridge --format latex
  derive ls --model wls --name X=A --name b=beta
  derive ls --model ols --data lidar.csv --x x --y y --intercept   (fit the formula, beside lstsq)
  derive ls --model ridge --data points.csv --x x1,x2 --y y --lam 0.5 --format json
  derive ls --model simple --data lidar.csv --x x --y y   (slope S_xy/S_xx, intercept ybar - slope xbar)
  derive ls --model constrained --name C=A                (min ||y - X b||^2 subject to C b = d)

models: ols (ordinary), simple (y_i = a + b x_i in summation form), ridge (lam > 0), wls
(diagonal weights W), gls (error covariance Sigma), constrained (C b = d, Lagrange multiplier mu).
The matrix models are derived by the matrix engine: objective, gradient, normal equations,
solution with the condition for it to exist and be unique, Hessian and definiteness, fitted
values and hat matrix, residual orthogonality; simple by SymPy over sums. Every estimator is
checked against numpy's lstsq on random, ill-conditioned and n < p data. --data does not go
with gls or constrained (a CSV cannot give Sigma, C or d).
"""

_EPILOG_BUILD = """examples:
  derive build worked_examples --out build/
  derive build worked_examples/sigmoid.py --out build/ --tex-only
"""


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line usage error and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"derive: error: {message} (see '{self.prog} --help')\n")


def _seconds(text: str) -> float:
    """A positive, finite number of seconds (nan, inf, 0 and negatives would disable or break the budget)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not (0 < value < 1e6):
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds above 0 and below 1e6")
    return value


def _order(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_ORDER:
        raise argparse.ArgumentTypeError(f"order must be between 1 and {MAX_ORDER}, got {value}")
    return value


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--where", action="append", default=[], metavar="DECL",
                   help="domain of a variable, e.g. 'x > 0', '0 < p < 1', 'n integer' (repeatable)")
    p.add_argument("--format", choices=("text", "latex", "json", "markdown"), default="text",
                   help="output format (default: text)")
    p.add_argument("--pdf", type=Path, metavar="OUT.pdf", help="also write a worked-solution PDF here")
    p.add_argument("--timeout", type=_seconds, default=60.0, metavar="SECONDS",
                   help="time budget for the symbolic work (default: 60)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (public so tests and docs can inspect it)."""
    from derive import __version__

    parser = _Parser(
        prog="derive",
        description="Certified step-by-step derivatives, gradients and worked-solution handouts.",
        epilog="Run 'derive COMMAND --help' for examples. Exit codes: 0 ok, 1 TeX/internal failure, "
        "2 bad input or usage, 3 over the time budget.",
    )
    parser.add_argument("--version", action="version", version=f"derive {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("diff", help="differentiate step by step", epilog=_EPILOG_DIFF,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Differentiate an expression (plain text or LaTeX) with every rule named "
                       "and every step certified.")
    p.add_argument("expr", metavar="EXPR", help="the expression, e.g. 'x^2 sin(x)' or '\\frac{1}{1+e^{-z}}'")
    p.add_argument("--wrt", action="append", metavar="VAR",
                   help="variable; repeat for a mixed partial in that order (default: the only variable)")
    p.add_argument("--order", type=_order, default=1, metavar="K",
                   help=f"order of the derivative, 1 to {MAX_ORDER} (default: 1)")
    _add_common(p)

    p = sub.add_parser("grad", help="gradient (and Hessian) of a scalar function", epilog=_EPILOG_GRAD,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Gradient (and Hessian) of a scalar function: of several scalar variables, "
                       "each partial derived step by step; or, with --let declarations, of a vector or matrix, by "
                       "matrix differentials.")
    p.add_argument("expr", metavar="EXPR")
    p.add_argument("--wrt", metavar="VARS", help="comma-separated variables (default: all, alphabetically)")
    p.add_argument("--hessian", action="store_true", help="also derive the Hessian")
    p.add_argument("--let", action="append", default=[], metavar="DECL",
                   help="declare a vector or matrix, e.g. 'X: n x p', 'y: n', 'A: p x p symmetric', "
                   "'Sigma: n x n positive definite', or in LaTeX 'X \\in \\mathbb{R}^{n\\times p}' (repeatable)")
    _add_common(p)

    p = sub.add_parser("ls", help="derive a least-squares estimator step by step", epilog=_EPILOG_LS,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Derive a closed-form least-squares estimator with matrix differentials, every "
                       "step certified, and check it against a numeric solver.")
    p.add_argument("--model", default="ols", metavar="MODEL",
                   help="ols, simple, ridge, wls, gls or constrained (default: ols)")
    p.add_argument("--name", action="append", default=[], metavar="ROLE=NAME",
                   help="rename a symbol: X, y, b, lam, W, Sigma, C, d or mu (simple: x, y, a, b), e.g. "
                   "--name b=beta (repeatable)")
    p.add_argument("--data", type=Path, metavar="FILE.csv", help="fit the derived estimator to a CSV file")
    p.add_argument("--x", metavar="COLS", default="", help="comma-separated regressor columns (with --data)")
    p.add_argument("--y", metavar="COL", default="", help="the response column (with --data)")
    p.add_argument("--weights", metavar="COL", default="", help="observation weights column (wls with --data)")
    p.add_argument("--lam", type=float, metavar="VALUE", help="the ridge penalty (ridge with --data)")
    p.add_argument("--intercept", action="store_true", help="add a column of ones to X (with --data)")
    p.add_argument("--format", choices=("text", "latex", "json", "markdown"), default="text",
                   help="output format (default: text)")
    p.add_argument("--pdf", type=Path, metavar="OUT.pdf", help="also write a worked-solution PDF here")
    p.add_argument("--timeout", type=_seconds, default=60.0, metavar="SECONDS",
                   help="time budget for the symbolic work (default: 60)")

    from derive.cli.mle import add_parser as add_mle_parser

    add_mle_parser(sub, _add_common)

    p = sub.add_parser("build", help="build worked-example scripts into PDF handouts", epilog=_EPILOG_BUILD,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Run worked-example scripts (a file or a folder of *.py) and typeset each "
                       "handout to PDF.")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--out", type=Path, default=Path("build"), metavar="DIR", help="output folder (default: build)")
    p.add_argument("-j", "--jobs", type=int, default=0, metavar="N", help="parallel jobs (default: CPU count)")
    p.add_argument("--tex-only", action="store_true", help="write .tex files only, no PDF")
    p.add_argument("--timeout", type=_seconds, default=600.0, metavar="SECONDS",
                   help="time budget per script (default: 600)")
    return parser


def _emit(result: Any, fmt: str) -> None:
    """Write ``result`` in format ``fmt``: every result goes through its one printer (``result.render``)."""
    if fmt == "text":
        from rich.console import Console

        console = Console(highlight=False)
        color = console.is_terminal and console.color_system is not None
        sys.stdout.write(result.render("text", width=console.width, color=color))
    elif fmt == "markdown":
        sys.stdout.write(result.render("markdown"))
    else:
        sys.stdout.write(result.render(fmt) + "\n")


def _write_pdf(result: Any, out: Path, title: str) -> None:
    from derive.scalar.api import write_pdf
    from derive.render.pdf import TEX_INSTALL_HINT

    written = write_pdf(result, out, title=title)
    if written.suffix == ".pdf":
        print(f"wrote {written}", file=sys.stderr)
    else:
        print(f"TeX is not installed: wrote {written} instead ({TEX_INSTALL_HINT})", file=sys.stderr)


def _cmd_diff(args: argparse.Namespace) -> int:
    from derive.scalar.api import diff
    from derive.core.budget import Budget

    result = diff(args.expr.lstrip(), args.wrt, order=args.order, where=args.where, budget=Budget(seconds=args.timeout))
    _emit(result, args.format)
    if args.pdf:
        _write_pdf(result, args.pdf, f"Derivative of {args.expr}")
    return EXIT_OK


def _cmd_grad(args: argparse.Namespace) -> int:
    from derive.scalar.api import grad
    from derive.core.budget import Budget

    result = grad(args.expr.lstrip(), args.wrt, hessian=args.hessian, where=args.where, let=args.let,
                  budget=Budget(seconds=args.timeout))
    _emit(result, args.format)
    if args.pdf:
        _write_pdf(result, args.pdf, f"Gradient of {args.expr}")
    return EXIT_OK


def _cmd_ls(args: argparse.Namespace) -> int:
    from derive.lsq.api import ls
    from derive.core.budget import Budget
    from derive.core.errors import UsageError

    names: dict[str, str] = {}
    for item in args.name:
        role, sep, name = item.partition("=")
        if not sep:
            raise UsageError(f"--name {item}: write ROLE=NAME", hint="e.g. --name b=beta")
        names[role.strip()] = name.strip()
    if args.data is None and (args.x or args.y or args.weights or args.lam is not None or args.intercept):
        raise UsageError("--x, --y, --weights, --lam and --intercept go with --data", hint="add --data FILE.csv")
    result = ls(args.model, names=names, data=args.data, x=args.x, y=args.y, weights=args.weights, lam=args.lam,
                intercept=args.intercept, budget=Budget(seconds=args.timeout))
    _emit(result, args.format)
    if args.pdf:
        _write_pdf(result, args.pdf, f"Least squares: {result.title}")
    return EXIT_OK


def _cmd_build(args: argparse.Namespace) -> int:
    from derive.handout.build import build_all

    failures = build_all(args.paths, args.out, jobs=args.jobs, tex_only=args.tex_only, timeout=args.timeout)
    return EXIT_FAIL if failures else EXIT_OK


def _protect_leading_minus(argv: list[str]) -> list[str]:
    """Let an expression start with '-' ('-x^2'): argparse would take it for an option.

    diff and grad have no short options but -h, so any other '-...' token that is not a
    long option is an expression; a leading space makes argparse see a positional.
    """
    if not argv or argv[0] not in _EXPR_COMMANDS:
        return argv
    return [a if not a.startswith("-") or a.startswith("--") or a == "-h" else " " + a for a in argv]


def _check_pdf_target(path: Path | None) -> None:
    from derive.core.errors import UsageError

    if path is None:
        return
    if path.suffix.lower() != ".pdf":
        raise UsageError(f"--pdf {path}: the output name must end in .pdf")
    if not path.parent.is_dir():
        raise UsageError(f"--pdf {path}: the folder {path.parent} does not exist")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``derive`` console script."""
    parser = build_parser()
    args = parser.parse_args(_protect_leading_minus(list(sys.argv[1:] if argv is None else argv)))
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    from derive.core.errors import BudgetExceeded, DeriveError, RenderError

    from derive.cli.mle import cmd as _cmd_mle

    handlers = {"diff": _cmd_diff, "grad": _cmd_grad, "ls": _cmd_ls, "mle": _cmd_mle, "build": _cmd_build}
    try:
        _check_pdf_target(getattr(args, "pdf", None))
        return handlers[args.command](args)
    except BudgetExceeded as exc:
        print(f"derive: {exc.one_line()}", file=sys.stderr)
        return EXIT_BUDGET
    except RenderError as exc:
        print(f"derive: {exc.one_line()}", file=sys.stderr)
        return EXIT_FAIL
    except DeriveError as exc:
        print(f"derive: error: {exc.one_line()}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("derive: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug in derive: one line, exit 1, never a traceback
        message = " ".join(str(exc).split())[:300]
        print(f"derive: internal error: {type(exc).__name__}: {message} (please report this input)", file=sys.stderr)
        return EXIT_FAIL


if __name__ == "__main__":
    sys.exit(main())
