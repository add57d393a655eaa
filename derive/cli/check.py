"""``derive check``: certify every step of a hand derivation in LaTeX, and point at the first wrong one."""
from __future__ import annotations

import argparse
from pathlib import Path

from derive.cli import common
from derive.core.errors import UsageError

EPILOG = r"""examples:
  derive check homework.tex
  derive check homework.tex --format json
  derive check --expr '\sum_{i=1}^n (x_i - \bar x) = 0' --where '\bar x := \frac1n \sum_{i=1}^n x_i'
  derive check --expr '\frac{d}{dx} \log x = \frac{1}{x}' --where 'x > 0'
  derive check submissions/            # every .tex file in the folder, with a summary table

declarations go in LaTeX comments, so the PDF stays clean:
  % derive: \lambda > 0, 0 < p < 1, X \in \mathbb{R}^{n\times p}, \Sigma \succ 0
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("check", help="check every step of a hand derivation in LaTeX", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description=common.wrapped(
                           "Read a LaTeX derivation (every align, equation, \\[ \\] and $$ display), certify "
                           "each step symbolically and on concrete instances, and point at the first wrong "
                           "one with a counterexample and a hint."))
    p.add_argument("path", nargs="?", type=Path, metavar="FILE.tex|DIR", help="the derivation, or a folder of them")
    p.add_argument("--expr", metavar="IDENTITY", help="check one identity instead, e.g. 'a(b+c) = ab + ac'")
    p.add_argument("--where", action="append", default=[], metavar="DECL",
                   help="declarations as in '%% derive:' lines, e.g. '\\theta > 0' (repeatable)")
    common.add_output(p, timeout=120.0)
    p.set_defaults(run=run)


def job(args: argparse.Namespace) -> common.Output:
    """Read, certify and render (in the worker)."""
    from derive.core.budget import Budget
    from derive.check.api import check, check_identity

    budget = Budget(seconds=args.timeout, memory_mb=args.memory)
    where = ", ".join(args.where) or None
    if args.expr is not None:
        result = check_identity(args.expr, where=where, budget=budget)
    else:
        result = check(Path(args.path), where=where, budget=budget)
    return common.render(result, args, f"Checking {args.expr or args.path}")


def run(args: argparse.Namespace) -> int:
    if (args.path is None) == (args.expr is None):
        raise UsageError("give a FILE.tex (or a folder) or --expr 'LHS = RHS', not both",
                         hint="e.g. derive check homework.tex")
    if args.path is not None:
        from derive.parse.data import check_file

        if args.path.is_dir():
            raise UsageError(f"{args.path} is a folder: checking folders is not built yet",
                             hint="check the files one by one")
        check_file(args.path)
    return common.run_job(job, args, what="the derivation check", modules=MODULES)


MODULES = ("derive.check.api", "derive.check.run", "derive.check.certify", "derive.check.reading")
