"""``derive build``: run worked-example scripts in workers and typeset each handout.

A script is a build file: running it is the point. It builds a handout with the
Python API (every piece of maths through our parser and engines) and leaves it
in a module-level variable named ``handout``.
"""
from __future__ import annotations

import os
import runpy
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from derive.core.errors import DeriveError, UsageError

if TYPE_CHECKING:
    from derive.core.runner import Worker


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What happened to one script: its outputs and whether its results are certified, or the one-line error.

    ``verdict`` is the handout's ``Verdict`` value (certified, refuted, undecided); ``failure`` the
    kind of error: ``usage`` (the script or its input), ``budget`` (time or memory), ``failure``
    (TeX, or the worker died).
    """

    script: Path
    tex: Path | None
    pdf: Path | None
    seconds: float
    error: str | None = None
    verdict: str = "certified"
    failure: str = ""


def _failed(script: Path, seconds: float, exc: BaseException) -> BuildReport:
    """The report of a script that raised ``exc`` (our error by its kind; the script's own as bad input)."""
    from derive.core.errors import BudgetExceeded, RenderError

    if isinstance(exc, DeriveError):
        kind = "budget" if isinstance(exc, BudgetExceeded) else "failure" if isinstance(exc, RenderError) else "usage"
        return BuildReport(script, None, None, seconds, exc.one_line(), failure=kind)
    message = " ".join(str(exc).split())[:300]
    return BuildReport(script, None, None, seconds, f"{type(exc).__name__}: {message}", failure="usage")


def collect_scripts(paths: Sequence[Path]) -> list[Path]:
    """The scripts named by ``paths``: files as given, folders as their ``*.py`` (not ``_*.py``)."""
    scripts: list[Path] = []
    for p in paths:
        if p.is_dir():
            scripts += sorted(q for q in p.glob("*.py") if not q.name.startswith("_"))
        elif p.is_file() and p.suffix == ".py":
            scripts.append(p)
        elif p.exists():
            raise UsageError(f"{p} is not a Python script", hint="pass .py files or folders of them")
        else:
            raise UsageError(f"{p} does not exist", hint="pass .py files or folders of them")
    if not scripts:
        raise UsageError(f"no worked-example scripts found in {', '.join(map(str, paths))}")
    return scripts


def load_handout(script: Path) -> object:
    """Run ``script`` and return its ``handout`` (a Handout or a HandoutBuilder)."""
    from derive.handout.builder import HandoutBuilder
    from derive.handout.document import Handout

    namespace = runpy.run_path(str(script), run_name="__derive_build__")
    handout = namespace.get("handout")
    if isinstance(handout, HandoutBuilder):
        handout = handout.build()
    if not isinstance(handout, Handout):
        raise UsageError(
            f"{script} defines no handout",
            hint="end the script with: handout = builder.build()",
        )
    return handout


def build_one(script: Path, out: Path, tex_only: bool) -> BuildReport:
    """Build one script to ``out/<name>.tex`` and, with TeX, ``out/<name>.pdf``."""
    from derive.handout.document import Handout
    from derive.render.env import figure_files, render_handout
    from derive.render.pdf import build_pdf, tex_available, write_text_atomic

    start = time.monotonic()
    try:
        handout = load_handout(script)
        assert isinstance(handout, Handout)
        tex = render_handout(handout)
        tex_path = out / f"{script.stem}.tex"
        write_text_atomic(tex_path, tex)
        pdf_path = None
        if not tex_only and tex_available():
            from derive.core.runner import stage

            stage(f"typesetting {script.name}")
            pdf_path = build_pdf(tex, out / f"{script.stem}.pdf", files=figure_files(handout))
        return BuildReport(script, tex_path, pdf_path, time.monotonic() - start, verdict=handout.verdict.value)
    except (Exception, SystemExit) as exc:  # noqa: BLE001  the script's own bug: one line, the build goes on
        return _failed(script, time.monotonic() - start, exc)


def _preload() -> None:
    """Import what worked examples use once, here, so each forked worker starts with it loaded."""
    import derive.handout.builder  # noqa: F401
    import derive.handout.document  # noqa: F401
    import derive.likelihood.api  # noqa: F401
    import derive.lsq.api  # noqa: F401
    import derive.render.env  # noqa: F401
    import derive.render.pdf  # noqa: F401
    import derive.scalar.api  # noqa: F401


def build_all(paths: Sequence[Path], out: Path, *, jobs: int = 0, tex_only: bool = False, timeout: float = 600.0,
              memory_mb: int = 2048) -> list[BuildReport]:
    """Build every script, ``jobs`` at a time, each in its own worker under the budget; returns every report.

    An interrupt (Ctrl-C, SIGTERM) kills every worker and what it started before it propagates,
    so no handout is written after the command has returned.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.text import Text

    from derive.core.budget import Budget
    from derive.core.errors import escape_control
    from derive.core.runner import Worker, run_pool
    from derive.render.pdf import TEX_INSTALL_HINT, tex_available

    scripts = collect_scripts(paths)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the output folder {out}: {exc.strerror}") from None
    budget = Budget(seconds=timeout, memory_mb=memory_mb)
    _preload()
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(scripts)))
    done: dict[Path, BuildReport] = {}
    # No refresh thread: a thread holding a lock while a worker is forked could deadlock the worker.
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, auto_refresh=False) as progress:
        task = progress.add_task("building handouts", total=len(scripts))

        def finished(script: Path, worker: Worker[BuildReport]) -> None:
            done[script] = _report(worker, script)
            progress.advance(task)

        run_pool(build_one, [(s, (s, out, tex_only)) for s in scripts], budget, workers,
                 lambda s: f"running {s.name}", finished, progress.refresh)
    reports = [done[s] for s in scripts]
    for r in reports:
        if r.error:
            console.print(Text.assemble(("✗ ", "red"), escape_control(f"{r.script}: {r.error}")))
        else:
            target = r.pdf or r.tex
            mark, style, note = _VERDICT_MARKS[r.verdict]
            console.print(Text.assemble((mark, style), escape_control(f"{r.script} -> {target}  ({r.seconds:.1f} s)"),
                                        (note, style)))
    if not tex_only and not tex_available():
        console.print(f"TeX is not installed, so only .tex files were written; {TEX_INSTALL_HINT}")
    for r in reports:
        if r.pdf:
            print(r.pdf)
    sys.stdout.flush()
    return reports


_VERDICT_MARKS = {
    "certified": ("✓ ", "green", ""),
    "refuted": ("✗ ", "red", "  NOT certified: a result in it is refuted"),
    "undecided": ("? ", "yellow", "  not certified: a result in it could not be decided"),
}


def _report(worker: Worker[BuildReport], script: Path) -> BuildReport:
    """The worker's report; its time-out, death or unexpected error as a failed report."""
    if not worker.done:
        return BuildReport(script, None, None, worker.budget.seconds, worker.timed_out().one_line(), failure="budget")
    try:
        return worker.outcome()
    except DeriveError as exc:
        return _failed(script, 0.0, exc)
    except Exception as exc:  # noqa: BLE001  the worker died or sent something odd: report it, go on
        message = " ".join(str(exc).split())[:300]
        return BuildReport(script, None, None, 0.0, f"{type(exc).__name__}: {message}", failure="failure")
