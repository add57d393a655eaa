"""``derive check``: certify every step of a hand derivation in LaTeX, and point at the first wrong one."""
from __future__ import annotations

import argparse
from pathlib import Path

from typing import TYPE_CHECKING

from derive.cli import common
from derive.core.errors import UsageError

if TYPE_CHECKING:
    from derive.checker.model import CheckReport, FileFailure, FolderReport

EPILOG = r"""examples:
  derive check homework.tex
  derive check homework.tex --format json
  derive check --expr '\sum_{i=1}^n (x_i - \bar x) = 0' --where '\bar x := \frac1n \sum_{i=1}^n x_i'
  derive check --expr '\frac{d}{dx} \log x = \frac{1}{x}' --where 'x > 0'
  derive check --expr '\operatorname{Var}(X + Y) = \operatorname{Var}(X) + \operatorname{Var}(Y)' --where 'X \perp Y'
  derive check submissions/            # every .tex file in the folder, with a summary table

declarations go in LaTeX comments, so the PDF stays clean:
  % derive: \lambda > 0, 0 < p < 1, X \in \mathbb{R}^{n\times p}, \Sigma \succ 0
random variables, for \mathbb{E}[...], \operatorname{Var}(...), \operatorname{Cov}(..., ...):
  % derive: X, Y \text{ random}, X \perp Y, X \sim (\mu, \sigma^2), Y \sim \mathcal{N}(\nu, \tau^2)
  % derive: x_1, \dots, x_n \overset{iid}{\sim} \operatorname{Poisson}(\lambda)
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
    p.add_argument("-j", "--jobs", type=jobs, default=0, metavar="N",
                   help="files checked at once for a folder (default: one per CPU)")
    common.add_output(p, timeout=120.0)
    p.set_defaults(run=run)


def jobs(text: str) -> int:
    from derive.cli.build import jobs as build_jobs

    return build_jobs(text)


def job(args: argparse.Namespace) -> common.Output:
    """Read, certify and render (in the worker)."""
    from derive.core.budget import Budget
    from derive.checker.api import check, check_identity

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
            return run_folder(args)
        check_file(args.path)
    return common.run_job(job, args, what="the derivation check", modules=MODULES)


def check_one(path: Path, where: str | None, seconds: float, memory_mb: int) -> CheckReport | FileFailure:
    """One file of a folder, in its own worker: its report, or a FileFailure saying why not."""
    from derive.core.budget import Budget
    from derive.core.errors import BudgetExceeded, DeriveError
    from derive.checker.api import check
    from derive.checker.model import FileFailure  # noqa: F811  (the runtime class)

    try:
        return check(path, where=where, budget=Budget(seconds=seconds, memory_mb=memory_mb)).report
    except BudgetExceeded as exc:
        return FileFailure(path.name, exc.one_line(), "budget")
    except DeriveError as exc:
        return FileFailure(path.name, exc.one_line(), "usage")


def run_folder(args: argparse.Namespace) -> int:
    """Every .tex file of the folder, ``-j`` at a time, each under the budget; one summary table."""
    import os
    import sys

    from derive.core.budget import Budget
    from derive.core.runner import Worker, run_pool
    from derive.checker.model import CheckReport, FolderReport
    from derive.cli.build import build_exit_code
    from derive.render import render

    common.check_pdf_target(args.pdf)
    files = sorted(p for p in args.path.glob("*.tex") if p.is_file())
    if not files:
        raise UsageError(f"{args.path} holds no .tex files")
    where = ", ".join(args.where) or None
    budget = Budget(seconds=args.timeout, memory_mb=args.memory)
    found: dict[Path, CheckReport | FileFailure] = {}

    def finished(path: Path, worker: Worker[CheckReport | FileFailure]) -> None:
        if not worker.done:
            found[path] = FileFailure(path.name, worker.timed_out().one_line(), "budget")
            return
        try:
            found[path] = worker.outcome()
        except Exception as exc:  # noqa: BLE001  a worker that died: that file failed, the others go on
            found[path] = FileFailure(path.name, f"{type(exc).__name__}: {exc}"[:300], "failure")

    workers = min(args.jobs or os.cpu_count() or 1, len(files))
    run_pool(check_one, [(p, (p, where, args.timeout, args.memory)) for p in files], budget, workers,
             lambda p: f"checking {p.name}", finished)
    report = FolderReport(str(args.path), tuple(found[p] for p in files))
    settings = {"width": common.terminal_width(args.width)} if args.format == "text" else {}
    sys.stdout.write(render(report, args.format, **settings).rstrip("\n") + "\n")
    sys.stdout.flush()
    if args.pdf is not None:
        folder_pdf(report, args.pdf, args.timeout)
    codes = [common.verdict_exit_code(f.verdict.value) if isinstance(f, CheckReport) else
             {"usage": common.EXIT_USAGE, "budget": common.EXIT_UNDECIDED}.get(f.kind, common.EXIT_FAILURE)
             for f in report.files]
    return build_exit_code(codes)


def folder_pdf(report: FolderReport, pdf: Path, seconds: float) -> None:
    """One PDF for the folder, through the handout templates: the summary table, then each file."""
    import sys

    from derive.checker.api import CheckedFolder
    from derive.core.errors import escape_control
    from derive.render.env import render_handout
    from derive.render.pdf import TEX_INSTALL_HINT, build_pdf, tex_available, write_text_atomic

    tex = render_handout(CheckedFolder(report).handout())
    if not tex_available():
        tex_path = pdf.with_suffix(".tex")
        write_text_atomic(tex_path, tex)
        print(f"TeX is not installed: wrote {escape_control(str(tex_path))} instead ({TEX_INSTALL_HINT})",
              file=sys.stderr)
        return
    build_pdf(tex, pdf, timeout=seconds)
    print(f"wrote {escape_control(str(pdf))}", file=sys.stderr)


MODULES = ("derive.checker.api", "derive.checker.run", "derive.checker.certify", "derive.checker.reading")
