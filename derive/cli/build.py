"""``derive build``: its options, examples and handler (the workers are in ``derive.handout.build``)."""
from __future__ import annotations

import argparse
from pathlib import Path

from typing import TYPE_CHECKING

from derive.cli import common

if TYPE_CHECKING:
    from derive.handout.build import BuildReport

EPILOG = """examples:
  derive build worked_examples --out build/
  derive build worked_examples/sigmoid.py --out build/ --tex-only
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("build", help="build worked-example scripts into PDF handouts", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description=common.wrapped("Run worked-example scripts (a file or a folder of *.py) and typeset each "
                       "handout to PDF."))
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--out", type=Path, default=Path("build"), metavar="DIR", help="output folder (default: build)")
    p.add_argument("-j", "--jobs", type=jobs, default=0, metavar="N", help="parallel jobs (default: CPU count)")
    p.add_argument("--tex-only", action="store_true", help="write .tex files only, no PDF")
    common.add_budget(p, timeout=600.0, scope="per script")
    p.set_defaults(run=run)


def jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= 256:
        raise argparse.ArgumentTypeError(f"give between 0 (one per CPU) and 256 jobs, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    from derive.handout.build import build_all

    reports = build_all(args.paths, args.out, jobs=args.jobs, tex_only=args.tex_only, timeout=args.timeout,
                        memory_mb=args.memory)
    return build_exit_code([_code(r) for r in reports])


_FAILURE_CODES = {"usage": common.EXIT_USAGE, "budget": common.EXIT_UNDECIDED, "failure": common.EXIT_FAILURE}


def _code(report: BuildReport) -> int:
    if report.error:
        return _FAILURE_CODES.get(report.failure, common.EXIT_FAILURE)
    return common.verdict_exit_code(report.verdict)


def build_exit_code(codes: list[int]) -> int:
    """The most serious of the scripts' codes: a failure (4), a refuted result (1), bad input (2), undecided (3)."""
    for code in (common.EXIT_FAILURE, common.EXIT_REFUTED, common.EXIT_USAGE, common.EXIT_UNDECIDED):
        if code in codes:
            return code
    return common.EXIT_OK
