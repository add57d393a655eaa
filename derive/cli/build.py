"""``derive build``: its options, examples and handler (the workers are in ``derive.handout.build``)."""
from __future__ import annotations

import argparse
from pathlib import Path

from typing import TYPE_CHECKING

from derive.cli import common
from derive.core.errors import UsageError

if TYPE_CHECKING:
    from derive.handout.items import ItemReport as BuildReport

EPILOG = """examples:
  derive build worked_examples --out build/
  derive build worked_examples/sigmoid.py --out build/ --tex-only
  derive build worked_examples --versions solution,student,exam --no-cache
  derive build worked_examples/sheets/week1.toml --variants 30 --seed 2026
  derive build worked_examples/sheets/week1.toml --variants 30 --seed 2026 --moodle
  derive build worked_examples --scheduler tcp://scheduler:8786
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("build", help="build worked-example scripts and problem sheets into PDF handouts",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                       description=common.wrapped("Run worked-example scripts (a file or a folder of *.py) or plan "
                       "problem sheets (*.toml) and typeset each handout to PDF: the solution to OUT/<name>.pdf, the "
                       "student version to OUT/<name>.student.pdf. Each item runs in its own process; its output "
                       "goes to OUT/<name>.log. Unchanged items are not rebuilt (cache in OUT/.derive-cache)."))
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--out", type=Path, default=Path("build"), metavar="DIR", help="output folder (default: build)")
    p.add_argument("-j", "--jobs", type=jobs, default=0, metavar="N", help="parallel jobs (default: CPU count)")
    p.add_argument("--versions", type=versions, default=("solution", "student"), metavar="LIST",
                   help="versions to build, from solution,student,exam (default: solution,student)")
    p.add_argument("--tex-only", action="store_true", help="write .tex files only, no PDF")
    p.add_argument("--html", action="store_true", help="also write self-contained HTML of each version")
    p.add_argument("--templates", type=Path, metavar="DIR",
                   help="a folder of template overrides (a course header, extra packages), searched before ours")
    p.add_argument("--no-cache", dest="cache", action="store_false", help="rebuild every item, cached or not")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the items on a Dask distributed cluster (tcp://host:8786) instead of local processes")
    p.add_argument("--variants", type=count, metavar="N", help="sheets: N per-student variants")
    p.add_argument("--seed", type=seed, metavar="S", help="sheets: the seed the variants are drawn from")
    p.add_argument("--students", type=Path, metavar="ROSTER", help="sheets: one variant per student of roster.csv")
    p.add_argument("--moodle", action="store_true",
                   help="sheets: also write OUT/<sheet>/moodle.xml, the variants as Moodle questions")
    common.add_budget(p, timeout=600.0, scope="per item")
    p.set_defaults(run=run)


def versions(text: str) -> tuple[str, ...]:
    from derive.handout.build import parse_versions

    try:
        return parse_versions(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(exc.one_line()) from None


def count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError(f"give between 1 and 100000 variants, got {value}")
    return value


def seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"give a seed between 0 and 2^63 - 1, got {value}")
    return value


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
                        memory_mb=args.memory, versions=args.versions, html=args.html, cache=args.cache,
                        scheduler=args.scheduler, variants=args.variants, seed=args.seed, students=args.students,
                        templates=args.templates, moodle=args.moodle)
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
