"""What the subcommands share: the parser class, option types, file checks, and running a job.

A subcommand's work (derive, certify, render, typeset) runs in one worker under the budget;
the worker returns the finished text (and PDF bytes), and only this process writes to stdout
and to the user's files. Nothing here imports SymPy: ``--help`` and usage errors stay fast.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from derive.core.errors import UsageError, escape_control

EXIT_OK, EXIT_REFUTED, EXIT_USAGE, EXIT_UNDECIDED, EXIT_FAILURE = 0, 1, 2, 3, 4
"""The exit codes of every command: 0 every claim certified; 1 some claim refuted; 2 bad input or usage;
3 over budget, or nothing refuted but something unknown or not computed; 4 a TeX or internal failure."""

EXIT_CODES_HELP = ("exit codes: 0 every claim certified; 1 some claim refuted; 2 bad input or usage; 3 over "
                   "budget, or nothing refuted but something unknown; 4 a TeX or internal failure; 130 "
                   "interrupted")
DEFAULT_MEMORY_MB = 2048


class Parser(argparse.ArgumentParser):
    """argparse with a one-line usage error (control characters escaped) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"derive: error: {escape_control(message)} (see '{self.prog} --help')\n")


def seconds(text: str) -> float:
    """A positive, finite number of seconds (nan, inf, 0 and negatives would disable or break the budget)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not (0 < value < 1e6):
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds above 0 and below 1e6")
    return value


def megabytes(text: str) -> int:
    """A whole number of megabytes within the Budget's range."""
    from derive.core.budget import MAX_MEMORY_MB, MIN_MEMORY_MB

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of megabytes") from None
    if not MIN_MEMORY_MB <= value <= MAX_MEMORY_MB:
        raise argparse.ArgumentTypeError(f"{value}: give between {MIN_MEMORY_MB} and {MAX_MEMORY_MB} megabytes")
    return value


def add_where(p: argparse.ArgumentParser) -> None:
    p.add_argument("--where", action="append", default=[], metavar="DECL",
                   help="domain of a variable, e.g. 'x > 0', '0 < p < 1', 'n integer' (repeatable)")


MIN_WIDTH = 20
"""The narrowest text output: a step's mark and a few characters of maths beside it."""


def columns(text: str) -> int:
    """A ``--width``: a whole number of terminal columns, at least ``MIN_WIDTH``."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of columns, got {text!r}") from None
    if n < MIN_WIDTH:
        raise argparse.ArgumentTypeError(f"the width must be at least {MIN_WIDTH} columns, got {n}")
    return n


def add_width(p: argparse.ArgumentParser) -> None:
    """--width: the columns text output wraps at (one option for every subcommand that prints text)."""
    p.add_argument("--width", type=columns, metavar="N",
                   help="wrap text output at N columns (default: the terminal's width, or $COLUMNS); "
                        "long lines wrap, nothing is cut")


def add_output(p: argparse.ArgumentParser, *, timeout: float = 60.0) -> None:
    """--format (one choice per printer module), --width, --pdf, --timeout and --memory."""
    from derive.render import format_names

    p.add_argument("--format", choices=format_names(), default="text", help="output format (default: text)")
    add_width(p)
    p.add_argument("--pdf", type=Path, metavar="OUT.pdf", help="also write a worked-solution PDF here")
    add_budget(p, timeout=timeout)


def add_budget(p: argparse.ArgumentParser, *, timeout: float,
               scope: str = "for the whole command, output included") -> None:
    p.add_argument("--timeout", type=seconds, default=timeout, metavar="SECONDS",
                   help=f"time budget {scope} (default: {timeout:g})")
    p.add_argument("--memory", type=megabytes, default=DEFAULT_MEMORY_MB, metavar="MB",
                   help=f"memory budget of the work, in megabytes (default: {DEFAULT_MEMORY_MB})")


def check_pdf_target(path: Path | None) -> None:
    """--pdf must name a .pdf file (any case) in an existing folder."""
    if path is None:
        return
    if path.suffix.lower() != ".pdf":
        raise UsageError(f"--pdf {path}: the output name must end in .pdf")
    if not path.parent.is_dir():
        raise UsageError(f"--pdf {path}: the folder {path.parent} does not exist")
    if path.is_dir():
        raise UsageError(f"--pdf {path} is a folder", hint="give a file name ending in .pdf")


def check_data_file(path: Path | None, option: str = "--data") -> None:
    """A data file must be a readable regular file (never a FIFO, which would block): checked before any work."""
    if path is not None:
        from derive.parse.data import check_file

        check_file(path, option)


@dataclass(frozen=True, slots=True)
class Output:
    """What a worker hands back: the rendered text, and the PDF bytes or (without TeX) the handout's .tex.

    ``verdict`` is the result's ``Verdict`` value (certified, refuted, undecided).
    """

    text: str
    pdf: bytes | None = None
    tex: str | None = None
    verdict: str = "certified"

    @property
    def exit_code(self) -> int:
        return verdict_exit_code(self.verdict)


def verdict_exit_code(verdict: str) -> int:
    """0 certified, 1 refuted, 3 undecided (unknown, not computed, cut by a limit)."""
    return {"certified": EXIT_OK, "refuted": EXIT_REFUTED}.get(verdict, EXIT_UNDECIDED)


def render(result: Any, args: argparse.Namespace, title: str) -> Output:
    """``result`` in ``args.format``, and the worked-solution PDF if ``args.pdf`` (runs in the worker).

    Each step reports itself, so a time-out names what was running (rendering counts against the budget).
    """
    from derive.core.runner import stage

    fmt = args.format
    stage(f"rendering the {fmt} output")
    if fmt == "text":
        from rich.console import Console

        console = Console(highlight=False)
        color = console.is_terminal and console.color_system is not None
        text = result.render("text", width=terminal_width(getattr(args, "width", None)), color=color)
    elif fmt == "markdown":
        text = result.render("markdown")
    elif fmt == "latex":  # pasted into a document: say which packages it needs
        from derive.render.formats.latex import packages_comment

        body = result.render(fmt)
        text = f"{packages_comment(body)}\n{body}\n"
    else:
        text = result.render(fmt) + "\n"
    verdict = result.verdict.value
    if args.pdf is None:
        return Output(text, verdict=verdict)
    stage("building the PDF")
    from derive.handout.builder import handout_of
    from derive.render.env import render_handout
    from derive.render.pdf import build_pdf, tex_available

    tex = render_handout(handout_of(result, title))
    if not tex_available():
        return Output(text, tex=tex, verdict=verdict)
    import tempfile

    from derive.core.runner import scratch_root

    with tempfile.TemporaryDirectory(prefix="derive-pdf-", dir=scratch_root()) as folder:
        data = build_pdf(tex, Path(folder) / "handout.pdf").read_bytes()
    return Output(text, pdf=data, verdict=verdict)


def _import_all(modules: tuple[str, ...]) -> None:
    """Import ``modules``; the grammar's compiled tables come with its module (from the user's cache)."""
    from importlib import import_module

    for module in modules:
        import_module(module)
    if "derive.render.formats.text" in modules:
        import_module("rich.console")
    if "derive.parse.text" in modules:
        from derive.parse.text import grammar_parser

        grammar_parser()


def run_job(job: Callable[[argparse.Namespace], Output], args: argparse.Namespace, *, what: str,
            seconds: float | None = None, preload: tuple[str, ...] = (), modules: tuple[str, ...] = ()) -> int:
    """Run ``job(args)`` in a worker under the command's budget, then write its output (here, not there).

    ``preload`` modules are imported here first, so the worker starts with them: numpy, whose BLAS
    reserves its buffers on import, is then part of the program, not of the work's memory budget.
    ``modules`` (and the printer of ``args.format``) are imported in the worker before the work,
    out of the garbage collector's way (``run_bounded(prepare=...)``).
    """
    from importlib import import_module

    from derive.core.budget import Budget
    from derive.core.runner import one_blas_thread, run_bounded

    if preload:
        one_blas_thread()
    for module in preload:
        import_module(module)
    budget = Budget(seconds=args.timeout if seconds is None else seconds, memory_mb=args.memory)
    printer = f"derive.render.formats.{args.format}" if getattr(args, "format", None) else None
    wanted = modules + ((printer,) if printer else ())
    out = run_bounded(job, args, budget=budget, what=what, prepare=lambda: _import_all(wanted))
    sys.stdout.write(out.text)
    sys.stdout.flush()
    pdf: Path | None = args.pdf
    if pdf is not None:
        from derive.render.pdf import TEX_INSTALL_HINT, write_bytes_atomic, write_text_atomic

        if out.pdf is not None:
            write_bytes_atomic(pdf, out.pdf)
            print(f"wrote {escape_control(str(pdf))}", file=sys.stderr)
        elif out.tex is not None:
            tex_path = pdf.with_suffix(".tex")
            write_text_atomic(tex_path, out.tex)
            print(f"TeX is not installed: wrote {escape_control(str(tex_path))} instead ({TEX_INSTALL_HINT})",
                  file=sys.stderr)
    return out.exit_code


def terminal_width(width: int | None = None) -> int:
    """``width`` (a ``--width``) if given, else the width of the terminal (or $COLUMNS), as Rich measures it."""
    if width:
        return width
    from rich.console import Console

    return Console(highlight=False).width


def wrapped(text: str, width: int = 79) -> str:
    """A subcommand's description filled to ``width`` columns (its examples below it are laid out by hand)."""
    import textwrap

    return textwrap.fill(text, width)


def listing(rows: list[tuple[str, str]], width: int = 79) -> str:
    """``name  text`` rows for an epilog, each text wrapped under itself within ``width`` columns."""
    import textwrap

    pad = max(len(name) for name, _ in rows) + 4
    return "\n".join(textwrap.fill(text, width, initial_indent=f"  {name:<{pad - 2}}", subsequent_indent=" " * pad)
                     for name, text in rows)
