"""``derive diff``: its options, examples and the job its worker runs."""
from __future__ import annotations

import argparse

from derive.cli import common

MAX_ORDER = 20

EPILOG = """examples:
  derive diff 'x^2 sin(x)' --wrt x
  derive diff 'sin(x)^x' --wrt x --format latex
  derive diff 'f(x^2)' --wrt x
  # a mixed partial, x then y
  derive diff 'x^2 y + exp(x y)' --wrt x --wrt y
  derive diff 'log(x)' --wrt x --order 2 --where 'x > 0'
  derive diff '\\frac{1}{1+e^{-z}}' --wrt z --format json
  derive diff 'sigmoid(w*x+b)' --wrt w --pdf sigmoid.pdf
  # a leading minus is fine
  derive diff '-y*log(p) - (1-y)*log(1-p)' --wrt p
"""


def order(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_ORDER:
        raise argparse.ArgumentTypeError(f"order must be between 1 and {MAX_ORDER}, got {value}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("diff", help="differentiate step by step", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description=common.wrapped("Differentiate an expression (plain text or LaTeX) with every rule named "
                       "and every step certified."))
    p.add_argument("expr", metavar="EXPR", help="the expression, e.g. 'x^2 sin(x)' or '\\frac{1}{1+e^{-z}}'")
    p.add_argument("--wrt", action="append", metavar="VAR",
                   help="variable; repeat for a mixed partial in that order (default: the only variable)")
    p.add_argument("--order", type=order, default=1, metavar="K",
                   help=f"order of the derivative, 1 to {MAX_ORDER} (default: 1)")
    common.add_where(p)
    common.add_output(p)
    p.set_defaults(run=run)


def job(args: argparse.Namespace) -> common.Output:
    """Derive, certify and render (in the worker)."""
    from derive.core.budget import Budget
    from derive.scalar.api import diff

    result = diff(args.expr.lstrip(), args.wrt, order=args.order, where=args.where,
                  budget=Budget(seconds=args.timeout, memory_mb=args.memory))
    return common.render(result, args, f"Derivative of {args.expr}")


def run(args: argparse.Namespace) -> int:
    return common.run_job(job, args, what="the derivative", modules=modules(args))


def modules(args: argparse.Namespace) -> tuple[str, ...]:
    """What the worker loads before the work: the engine, the certifier and the reader the input needs."""
    latex = any(ch in args.expr for ch in "\\{}")  # derive.parse.auto.looks_like_latex, without importing SymPy here
    readers = ("derive.parse.latex",) if latex else ("derive.parse.text",)
    return ("derive.scalar.api", "derive.scalar.strategy", "derive.scalar.certify", "derive.parse.auto",
            "derive.parse.declarations", *readers)
