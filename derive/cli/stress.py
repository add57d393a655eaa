"""``derive stress``: draw and solve one problem for many seeds, without TeX (``derive.course.stress``)."""
from __future__ import annotations

import argparse
import sys

from derive.cli import common

EPILOG = """examples:
  derive stress worked_examples/sheets/week1.toml:chain -n 200
  derive stress worked_examples/problems/logistic_loss.py -n 50 --seed 7
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("stress", help="solve one problem for many seeds and report failures and answers",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                       description=common.wrapped(
                           "Draw and solve one problem of a sheet (SHEET.toml:ID) or a problem script for N "
                           "seeds, without TeX: failures with their seeds, the time per seed, and the spread "
                           "of the answers (distinct values, range of the numbers). Exit 0 only if every seed "
                           "gives a certified solution."))
    p.add_argument("problem", metavar="PROBLEM", help="SHEET.toml:ID or PROBLEM.py")
    p.add_argument("-n", type=count, default=200, metavar="N", help="number of seeds (default: 200)")
    p.add_argument("--seed", type=count0, default=0, metavar="S", help="the seed the N seeds derive from (default: 0)")
    p.set_defaults(run=run)


def count(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= v <= 100_000:
        raise argparse.ArgumentTypeError(f"give 1 to 100000 seeds, got {v}")
    return v


def count0(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= v < 2**63:
        raise argparse.ArgumentTypeError(f"give a seed from 0 to 2^63 - 1, got {v}")
    return v


_CODES = {"not certified": common.EXIT_UNDECIDED, "budget": common.EXIT_UNDECIDED, "no valid draw": common.EXIT_USAGE,
          "error": common.EXIT_USAGE, "internal": common.EXIT_FAILURE}


def run(args: argparse.Namespace) -> int:
    from derive.core.errors import escape_control
    from derive.course.stress import load_problem, stress

    problem = load_problem(args.problem)
    tty = sys.stderr.isatty()

    def progress(done: int, report: object) -> None:
        if tty:
            print(f"\r{done}/{args.n}", end="", file=sys.stderr, flush=True)

    r = stress(problem, args.n, args.seed, progress=progress)
    if tty:
        print("\r", end="", file=sys.stderr)
    secs = sorted(r.seconds)
    total = sum(secs)
    print(f"problem {r.problem}: {args.n} seeds, {args.n - len(r.failures)} certified, {len(r.failures)} failed")
    print(f"time: {total:.1f} s in all, median {secs[len(secs) // 2]:.2f} s, max {secs[-1]:.2f} s per seed")
    if r.excluded:
        why = ", ".join(f"{n} by {reason}" for reason, n in sorted(r.excluded.items(), key=lambda kv: -kv[1]))
        print(f"draws excluded: {why} ({r.tried} candidates tried)")
    for name, spread in r.answers.items():
        nums = spread.numbers()
        rng = f", from {min(nums):.6g} to {max(nums):.6g}" if nums else ""
        print(f"answer {name}: {spread.distinct} distinct of {len(spread.values)}{rng}")
    for s, kind, message in r.failures[:20]:
        print(f"seed {s}: {kind}: {escape_control(message)}")
    if len(r.failures) > 20:
        print(f"... and {len(r.failures) - 20} more failures")
    codes = {_CODES[kind] for _, kind, _ in r.failures}
    for code in (common.EXIT_FAILURE, common.EXIT_REFUTED, common.EXIT_USAGE, common.EXIT_UNDECIDED):
        if code in codes:
            return code
    return common.EXIT_OK
