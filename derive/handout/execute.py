"""One build item in a worker: its output to its log, make, write each version, its report.

Shared by the local runner (a forked worker per item, ``derive.handout.build``) and the Dask
backend (a fresh process per task, ``derive.handout.dask_backend``): the same code runs an item
wherever it runs, so its faults are contained the same way.
"""
from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from derive.core.errors import DeriveError, UsageError
from derive.handout.items import VERSIONS, BuildItem, ItemReport, Made

if TYPE_CHECKING:
    from derive.core.runner import Worker

LOG_CAP = 10 << 20
"""Bytes of a script's output kept in its log; the rest is dropped, and the log says so."""

_CAP_NOTE = "\n[derive: this log was cut at {mb} MB; the script's further output was dropped]\n"
_DIED = "the script exited without a result (os._exit, a crash or a signal)"


@dataclass(frozen=True, slots=True)
class Job:
    """How every item of one build is built: where (absolute), which formats, under which limits."""

    out: Path
    formats: tuple[str, ...]
    log_cap: int = LOG_CAP
    templates: Path | None = None
    seconds: float | None = None  # the item's --timeout: the time an API call in a script may take


# --- one item, in a worker ----------------------------------------------------------------------


class _CappedOutput(io.TextIOBase):
    """The script's ``sys.stdout``/``sys.stderr``: text to ``fd`` up to ``cap`` bytes, then one note."""

    def __init__(self, fd: int, cap: int, shared: list[int]) -> None:
        self._fd, self._cap, self._written = fd, cap, shared

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        if self._written[0] > self._cap:
            return len(s)
        data = s.encode("utf-8", "replace")
        room = self._cap - self._written[0]
        if len(data) <= room:
            _write_all(self._fd, data)
            self._written[0] += len(data)
        else:
            _write_all(self._fd, data[:room] + _CAP_NOTE.format(mb=self._cap >> 20).encode())
            self._written[0] = self._cap + 1
        return len(s)

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._fd


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _to_log(log: Path, cap: int) -> None:
    """This process's stdout and stderr (file descriptors and Python streams) into ``log``, capped."""
    log.parent.mkdir(parents=True, exist_ok=True)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    stdin = os.open(os.devnull, os.O_RDONLY)
    os.dup2(stdin, 0)
    os.close(stdin)
    written = [0]
    sys.stdout = _CappedOutput(1, cap, written)
    sys.stderr = _CappedOutput(2, cap, written)


def cap_log(log: Path, cap: int = LOG_CAP) -> None:
    """Cut ``log`` at ``cap`` bytes and say so in it (output written past the Python streams)."""
    try:
        size = log.stat().st_size
    except OSError:
        return
    if size > cap + 4096:
        with open(log, "r+b") as f:
            f.truncate(cap)
            f.seek(cap)
            f.write(_CAP_NOTE.format(mb=cap >> 20).encode())


def output_stems(out: Path, item: BuildItem) -> list[Path]:
    """The absolute output paths of ``item`` without suffix, one per version."""
    return [out / stem for stem in item.outputs.values()]


def remove_outputs(out: Path, item: BuildItem) -> None:
    """Remove every output ``item`` may have written (a failed item leaves nothing stale) and its record."""
    from derive.handout import cache
    from derive.handout.typeset import FORMATS

    for stem in output_stems(out, item):
        for fmt in FORMATS:
            (stem.parent / f"{stem.name}.{fmt}").unlink(missing_ok=True)
    cache.forget(out, item)


def ordered_versions(item: BuildItem) -> list[str]:
    return [v for v in VERSIONS if v in item.outputs] + [v for v in item.outputs if v not in VERSIONS]


def execute_item(item: BuildItem, job: Job) -> ItemReport:
    """Make ``item`` and write each of its versions (call in a worker: its output goes to its log).

    Every error of the item's own, KeyboardInterrupt and SystemExit included, becomes a failed
    report (and its outputs are removed); nothing escapes but the worker's own death.
    """
    from derive.handout.typeset import tex_seconds, write_version

    start = time.monotonic()
    log = job.out / f"{item.key}.log"
    _to_log(log, job.log_cap)
    try:
        if job.seconds is not None:  # a script's API calls are cut by the build's limit, not the prompt defaults
            from derive.core.budget import AMBIENT_SECONDS

            AMBIENT_SECONDS.set(job.seconds)
        made = item.make(*item.args)
        if not isinstance(made, Made):
            raise UsageError(f"{item.label}: making the item returned {type(made).__name__}, not a handout")
        files, overfull = {}, {}
        for name in ordered_versions(item):
            version = VERSIONS.get(name)
            if version is None:
                raise UsageError(f"{item.label}: unknown version {name!r}", hint=f"choose from {', '.join(VERSIONS)}")
            boxes: list[str] = []
            files[name] = write_version(made, version, job.out / item.outputs[name], job.formats,
                                        templates=job.templates, overfull=boxes)
            if boxes:
                overfull[name] = tuple(boxes)
        return ItemReport(item, files, time.monotonic() - start, log=log, verdict=made.handout.verdict.value,
                          answers=dict(made.answers), tex_seconds=tex_seconds(), overfull=overfull)
    except BaseException as exc:  # noqa: BLE001  the item's own bug: one line, the build goes on
        remove_outputs(job.out, item)
        report = failed_report(item, time.monotonic() - start, exc, log)
        print(f"derive: {item.label} failed: {report.error}", file=sys.stderr)
        return replace(report, tex_seconds=tex_seconds())


def failed_report(item: BuildItem, seconds: float, exc: BaseException, log: Path | None = None) -> ItemReport:
    """The report of an item that raised ``exc``: our error by its kind, the script's own as bad input."""
    from derive.core.errors import BudgetExceeded, RenderError

    where = _line_in(item, exc)
    if isinstance(exc, DeriveError):
        kind = "budget" if isinstance(exc, BudgetExceeded) else "failure" if isinstance(exc, RenderError) else "usage"
        return ItemReport(item, {}, seconds, log=log, error=where + exc.one_line(), failure=kind)
    message = " ".join(str(exc).split())[:300]
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return ItemReport(item, {}, seconds, log=log, error=where + text, failure="usage")


def _line_in(item: BuildItem, exc: BaseException) -> str:
    """``line N: `` for the innermost line of the item's own input files in ``exc``'s traceback."""
    inputs = {str(p) for p in item.inputs}
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in inputs:
            line = tb.tb_lineno
        tb = tb.tb_next
    return f"line {line}: " if line is not None else ""


# --- the runner ----------------------------------------------------------------------------------


_PRELOAD_PACKAGES = ("derive.certify", "derive.checker", "derive.course", "derive.forms", "derive.likelihood",
                     "derive.lsq", "derive.matrix", "derive.parse", "derive.render", "derive.scalar")
"""derive's packages whose every module a build item may import: loaded once in the parent."""
_PRELOAD_MODULES = ("derive.api", "derive.handout.builder", "derive.handout.document", "derive.handout.typeset",
                    "scipy.integrate", "scipy.linalg", "scipy.optimize", "scipy.special", "scipy.stats", "mpmath",
                    "sympy.physics.quantum", "sympy.physics.units", "matplotlib.backends.backend_pdf")
"""Modules imported lazily inside derive's functions or SymPy's (simplify loads sympy.physics.units on first
use), the numeric libraries and the figures' PDF backend."""


def _preload() -> None:
    """Import, once and here, what build items import, so each forked worker starts with it loaded.

    Only modules are loaded and parsers built (no item's code runs here, and nothing a worker does
    comes back), so every worker is still a clean copy of this process; a worker's time is then its
    item's own work. A module that cannot be imported here (an optional extra) is left to the item.
    """
    import importlib
    import pkgutil

    names = list(_PRELOAD_MODULES)
    for package in _PRELOAD_PACKAGES:
        try:
            pkg = importlib.import_module(package)
        except ImportError:
            continue
        if hasattr(pkg, "__path__"):
            names += [m.name for m in pkgutil.walk_packages(pkg.__path__, f"{package}.", onerror=lambda _: None)]
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
    try:
        from derive.lsq.terms import _parser

        _parser()  # a Lark grammar, built once (its regex-collision check is the slow part)
        from derive.matrix.read_text import matrix_parser
        from derive.parse.text import grammar_parser

        grammar_parser()  # the text grammar's parsers: loading Lark's cached tables took ~0.12 s an item
        matrix_parser()
    except ImportError:
        pass
    try:
        from derive.likelihood.fisher import preload as preload_expectations

        preload_expectations()  # summation's and integrate's first-use tables, inherited by every worker
    except ImportError:
        pass
    try:
        from derive.render.env import compile_templates

        compile_templates()  # derive's Jinja templates compiled once here; every worker reuses the code
    except ImportError:
        pass
    _warm_latex()


_WARM_LATEX = (r"\frac{1}{\sqrt{2\pi\sigma^2}} e^{-\frac{(x-\mu)^2}{2\sigma^2}}",
               r"\frac{\lambda^x e^{-\lambda}}{x!} + \theta (1-\theta)^{x-1} \cdot \log\left(\beta_1 x_i\right)",
               r"\binom{n}{x} p^{x} (1 - p)^{n - x} \Gamma(\alpha)^{-1} \exp(-\beta y) / \tanh(z)",
               r"\frac{1}{\sqrt{2\pi}\sigma} e^{-(x-\mu)^2/(2\sigma^2)} x^{a/b} \left[1 + e^{-x/\theta}\right]^{-1}")
"""Fixed LaTeX (derive's own text, not an item's) parsed once in the parent: the ANTLR parser under
latex2sympy fills its prediction cache (DFA states) on first use, about 0.3 s an item otherwise."""


def _warm_latex() -> None:
    """Parse ``_WARM_LATEX`` so forked workers inherit a warm parser (speed only: no result is kept)."""
    try:
        from derive.parse.latex import parse_latex

        for text in _WARM_LATEX:
            parse_latex(text)
    except Exception:  # noqa: BLE001  a warm-up that fails changes nothing but speed
        pass


def run_local(items: Sequence[BuildItem], job: Job, budget: Any, workers: int,
              finished: Callable[[ItemReport], None], tick: Callable[[], None]) -> None:
    """Run every item in its own forked worker, ``workers`` at a time; ``finished`` gets each report."""
    import gc

    from derive.core.runner import run_pool

    _preload()
    gc.collect()
    gc.freeze()  # what the parent holds (the engines, SymPy, SciPy) is never scanned by a worker's collector
    try:
        def done(item: BuildItem, worker: Worker[ItemReport]) -> None:
            finished(worker_report(worker, item, job))

        run_pool(execute_item, [(item, (item, job)) for item in items], budget, workers,
                 lambda item: f"running {Path(item.label).name}", done, tick)
    finally:
        gc.unfreeze()


def worker_report(worker: Worker[ItemReport], item: BuildItem, job: Job) -> ItemReport:
    """The worker's report; its time-out, death or unexpected error as a failed report."""
    log = job.out / f"{item.key}.log"
    if not worker.done:
        return ItemReport(item, {}, worker.budget.seconds, log=log, error=worker.timed_out().one_line(),
                          failure="budget")
    try:
        return worker.outcome()
    except DeriveError as exc:
        return failed_report(item, 0.0, exc, log)
    except RuntimeError as exc:
        if "without a result" in str(exc):
            return ItemReport(item, {}, 0.0, log=log, error=f"{_DIED}; see {log}", failure="failure")
        return ItemReport(item, {}, 0.0, log=log, error=f"RuntimeError: {exc}", failure="failure")
    except Exception as exc:  # noqa: BLE001  the worker sent something odd: report it, go on
        message = " ".join(str(exc).split())[:300]
        return ItemReport(item, {}, 0.0, log=log, error=f"{type(exc).__name__}: {message}", failure="failure")


def is_empty(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except OSError:
        return False


