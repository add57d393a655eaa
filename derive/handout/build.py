"""``derive build``: plan build items, run each in a clean worker, write its versions, cache, report.

Sources become ``BuildItem`` values (``derive.handout.items``): a worked-example script is one
item (its handout in each version asked for); a problem sheet (``.toml``) is planned by
``derive.course.plan_sheet`` into one item per student or variant. The runner

- keys every item by its place (``sub/name``: folders are mirrored, two ``same.py`` never
  collide; a remaining duplicate output is a usage error before anything runs);
- skips an item whose cache key (``derive.handout.cache``) matches a record whose outputs are
  there unchanged;
- runs every other item in its own forked worker (a clean copy of this process: a script's
  ``os.chdir``, monkeypatches or signals stay in it), under the budget, with the item's output
  going to ``OUT/<key>.log`` (capped), never to derive's own stdout; or, with ``--scheduler``, as a
  Dask task that runs the same worker code in a fresh process on a cluster worker;
- writes each version through ``derive.handout.typeset.write_version`` (atomically), removes the
  outputs (and record) of an item that failed, so nothing stale is left, and reports.

A script is a build file: running it is the point. It builds a handout with the Python API
(every piece of maths through our parser and engines) and leaves it in a module-level variable
named ``handout`` (and, if it likes, a JSON-able dict ``answers``).
"""
from __future__ import annotations

import importlib
import io
import os
import runpy
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from derive.core.errors import DeriveError, UsageError
from derive.handout.items import VERSIONS, BuildItem, ItemReport, Made

if TYPE_CHECKING:
    from derive.core.runner import Worker

DEFAULT_VERSIONS = ("solution", "student")
LOG_CAP = 10 << 20
"""Bytes of a script's output kept in its log; the rest is dropped, and the log says so."""

_CAP_NOTE = "\n[derive: this log was cut at {mb} MB; the script's further output was dropped]\n"
_DIED = "the script exited without a result (os._exit, a crash or a signal)"

BuildReport = ItemReport  # the name of the report before items (kept for callers)


@dataclass(frozen=True, slots=True)
class Job:
    """How every item of one build is built: where (absolute), which formats, under which limits."""

    out: Path
    formats: tuple[str, ...]
    log_cap: int = LOG_CAP


# --- sources: scripts and sheets to items ------------------------------------------------------


def collect_scripts(paths: Sequence[Path]) -> list[Path]:
    """The scripts named by ``paths``: files as given, folders as their ``*.py`` (not ``_*.py``); each once."""
    scripts: list[Path] = []
    for p in paths:
        if p.is_dir():
            scripts += sorted(q for q in p.glob("*.py") if not q.name.startswith("_"))
        elif p.is_file() and p.suffix == ".py":
            scripts.append(p)
        elif p.exists():
            raise UsageError(f"{p} is not a Python script or a problem sheet",
                             hint="pass .py files, folders of them, or .toml sheets")
        else:
            raise UsageError(f"{p} does not exist", hint="pass .py files or folders of them")
    if not scripts:
        raise UsageError(f"no worked-example scripts found in {', '.join(map(str, paths))}")
    seen: set[Path] = set()
    unique = []
    for s in scripts:
        if s.resolve() not in seen:
            seen.add(s.resolve())
            unique.append(s)
    return unique


def script_items(paths: Sequence[Path], versions: Sequence[str] = DEFAULT_VERSIONS) -> list[BuildItem]:
    """One item per script: key = its path relative to the common folder of ``paths``, without ``.py``.

    The solution goes to ``<key>``, the student version to ``<key>.student``, the exam to ``<key>.exam``.
    """
    scripts = collect_scripts(paths)
    roots = [p.resolve() if p.is_dir() else p.resolve().parent for p in paths]
    common = Path(os.path.commonpath(roots)) if roots else Path.cwd()
    items = []
    for script in scripts:
        key = script.resolve().relative_to(common).with_suffix("").as_posix()
        outputs = {v: key if v == "solution" else f"{key}.{v}" for v in versions}
        items.append(BuildItem(key=key, label=str(script), make=make_script, args=(str(script.resolve()),),
                               outputs=outputs, inputs=(script.resolve(),)))
    return items


def make_script(path: str) -> Made:
    """Run the script at ``path`` and return its handout (and its ``answers``, if it defines them)."""
    handout, namespace = _run_script(Path(path))
    answers = namespace.get("answers")
    return Made(handout, dict(answers) if isinstance(answers, Mapping) else {})


def load_handout(script: Path) -> object:
    """Run ``script`` and return its ``handout`` (a Handout; a HandoutBuilder is built)."""
    return _run_script(script)[0]


def _run_script(script: Path) -> tuple[Any, dict[str, Any]]:
    from derive.handout.builder import HandoutBuilder
    from derive.handout.document import Handout

    namespace = runpy.run_path(str(script), run_name="__derive_build__")
    handout = namespace.get("handout")
    if isinstance(handout, HandoutBuilder):
        handout = handout.build()
    if not isinstance(handout, Handout):
        raise UsageError(f"{script} defines no handout", hint="end the script with: handout = builder.build()")
    return handout, namespace


@dataclass
class Planned:
    """The items of one build, and the sheet plans whose manifests are written after it."""

    items: list[BuildItem]
    plans: list[Any]


def plan(paths: Sequence[Path], versions: Sequence[str] = DEFAULT_VERSIONS, *, variants: int | None = None,
         seed: int | None = None, students: Path | None = None) -> Planned:
    """The items of ``paths``: ``.toml`` problem sheets through ``derive.course``, the rest as scripts."""
    sheets = [p for p in paths if p.suffix == ".toml"]
    scripts = [p for p in paths if p.suffix != ".toml"]
    if not sheets and (variants is not None or seed is not None or students is not None):
        raise UsageError("--variants, --seed and --students apply to problem sheets (.toml)",
                         hint="pass a sheet: derive build worked_examples/sheets/week1.toml --variants 30")
    items = script_items(scripts, versions) if scripts else []
    plans = []
    for sheet in sheets:
        if not sheet.is_file():
            raise UsageError(f"{sheet} does not exist", hint="pass a problem sheet (.toml)")
        try:
            course = importlib.import_module("derive.course")
        except ImportError:
            raise UsageError(f"{sheet}: problem sheets are not available in this derive (derive.course)") from None
        sheet_plan = course.plan_sheet(sheet, variants=variants, seed=seed, students=students, versions=tuple(versions))
        plans.append(sheet_plan)
        items += list(sheet_plan.items)
    check_unique(items)
    return Planned(items, plans)


def check_unique(items: Sequence[BuildItem]) -> None:
    """A usage error if two items share a key or an output (one would overwrite the other)."""
    keys: dict[str, BuildItem] = {}
    owners: dict[str, BuildItem] = {}
    for item in items:
        if item.key in keys:
            raise UsageError(f"{keys[item.key].label} and {item.label} would both build {item.key}",
                             hint="rename one of them or build them separately")
        keys[item.key] = item
        for stem in [*item.outputs.values(), item.key]:
            for name in (stem, f"{stem}.log") if stem == item.key else (stem,):
                other = owners.get(name)
                if other is not None and other is not item:
                    raise UsageError(f"{other.label} and {item.label} would both write {name}.*",
                                     hint="rename one of them or build them separately")
                owners[name] = item


def parse_versions(text: str) -> tuple[str, ...]:
    """``student,solution[,exam]`` as a tuple in the order given (each once); a usage error otherwise."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    bad = [n for n in names if n not in VERSIONS]
    if bad or not names:
        raise UsageError(f"unknown version {bad[0]!r}" if bad else "no version given",
                         hint=f"choose from {', '.join(VERSIONS)}")
    return tuple(dict.fromkeys(names))


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
    from derive.handout.typeset import tex_cpu_seconds, write_version

    start = time.monotonic()
    log = job.out / f"{item.key}.log"
    _to_log(log, job.log_cap)
    try:
        made = item.make(*item.args)
        if not isinstance(made, Made):
            raise UsageError(f"{item.label}: making the item returned {type(made).__name__}, not a handout")
        files = {}
        for name in ordered_versions(item):
            version = VERSIONS.get(name)
            if version is None:
                raise UsageError(f"{item.label}: unknown version {name!r}", hint=f"choose from {', '.join(VERSIONS)}")
            files[name] = write_version(made, version, job.out / item.outputs[name], job.formats)
        return ItemReport(item, files, time.monotonic() - start, log=log, verdict=made.handout.verdict.value,
                          answers=dict(made.answers), tex_seconds=tex_cpu_seconds())
    except BaseException as exc:  # noqa: BLE001  the item's own bug: one line, the build goes on
        remove_outputs(job.out, item)
        report = failed_report(item, time.monotonic() - start, exc, log)
        print(f"derive: {item.label} failed: {report.error}", file=sys.stderr)
        return replace(report, tex_seconds=tex_cpu_seconds())


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


def _preload() -> None:
    """Import what worked examples use once, here, so each forked worker starts with it loaded."""
    import derive.handout.builder  # noqa: F401
    import derive.handout.document  # noqa: F401
    import derive.handout.typeset  # noqa: F401
    import derive.likelihood.api  # noqa: F401
    import derive.lsq.api  # noqa: F401
    import derive.render.env  # noqa: F401
    import derive.render.pdf  # noqa: F401
    import derive.scalar.api  # noqa: F401


def run_local(items: Sequence[BuildItem], job: Job, budget: Any, workers: int,
              finished: Callable[[ItemReport], None], tick: Callable[[], None]) -> None:
    """Run every item in its own forked worker, ``workers`` at a time; ``finished`` gets each report."""
    from derive.core.runner import run_pool

    _preload()

    def done(item: BuildItem, worker: Worker[ItemReport]) -> None:
        finished(worker_report(worker, item, job))

    run_pool(execute_item, [(item, (item, job)) for item in items], budget, workers,
             lambda item: f"making {item.label}", done, tick)


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


def _empty(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except OSError:
        return False


def output_formats(tex_only: bool, html: bool) -> tuple[str, ...]:
    from derive.render.pdf import tex_available

    return ("tex", *(("pdf",) if not tex_only and tex_available() else ()), *(("html",) if html else ()))


def build_all(paths: Sequence[Path], out: Path, *, jobs: int = 0, tex_only: bool = False, timeout: float = 600.0,
              memory_mb: int = 2048, versions: Sequence[str] = DEFAULT_VERSIONS, html: bool = False,
              cache: bool = True, scheduler: str | None = None, variants: int | None = None,
              seed: int | None = None, students: Path | None = None, quiet: bool = False) -> list[ItemReport]:
    """Build every item of ``paths``, ``jobs`` at a time (or on the Dask cluster at ``scheduler``); every report.

    The PDFs written go to stdout, one a line; progress, failures and the summary to stderr.
    An interrupt (Ctrl-C, SIGTERM) kills every worker and what it started before it propagates,
    so no handout is written after the command has returned.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from derive.core.budget import Budget
    from derive.handout import cache as build_cache
    from derive.handout.typeset import html_available

    start = time.monotonic()
    if html and not html_available():
        raise UsageError("HTML export is not available in this derive (derive.export.html)",
                         hint="build without --html")
    planned = plan(paths, versions, variants=variants, seed=seed, students=students)
    items = planned.items
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the output folder {out}: {exc.strerror}") from None
    out = out.resolve()  # absolute: a script's os.chdir cannot send outputs elsewhere
    job = Job(out, output_formats(tex_only, html))
    budget = Budget(seconds=timeout, memory_mb=memory_mb)
    console = Console(stderr=True, highlight=False, soft_wrap=True, quiet=quiet)

    done: dict[str, ItemReport] = {}
    keys: dict[str, str] = {}
    todo: list[BuildItem] = []
    base = build_cache.base_hash() if cache else ""
    for item in items:
        if not cache:
            todo.append(item)
            continue
        keys[item.key] = key = build_cache.item_key(item, base, tuple(item.outputs), job.formats)
        record = build_cache.lookup(out, item, key)
        if record is None:
            todo.append(item)
            continue
        log = out / f"{item.key}.log"
        done[item.key] = ItemReport(item, build_cache.files_of(out, record), 0.0, log=log if log.exists() else None,
                                    cached=True, verdict=str(record.get("verdict", "certified")),
                                    answers=record.get("answers") or {})

    def finished(report: ItemReport) -> None:
        item = report.item
        if report.log is not None:
            cap_log(report.log, job.log_cap)
            if not report.error and _empty(report.log):  # nothing printed: no log to keep
                report.log.unlink(missing_ok=True)
                report = replace(report, log=None)
        if report.error:
            remove_outputs(out, item)  # the worker may have died before it could
        elif cache:
            build_cache.store(out, item, keys[item.key], report.files, report.verdict, report.answers,
                              seconds=report.seconds, tex_seconds=report.tex_seconds)
        done[item.key] = report
        progress.advance(task)
        progress.refresh()

    # No refresh thread: a thread holding a lock while a worker is forked could deadlock the worker.
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, auto_refresh=False) as progress:
        task = progress.add_task("building handouts", total=len(items), completed=len(items) - len(todo))
        if todo and scheduler:
            from derive.handout.dask_backend import run_on_dask

            run_on_dask(scheduler, todo, job, budget, finished)
        elif todo:
            workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
            run_local(todo, job, budget, workers, finished, progress.refresh)
    reports = [done[item.key] for item in items]
    for sheet_plan in planned.plans:
        sheet_plan.write_manifest(out, reports)
    print_reports(console, reports, job, time.monotonic() - start, tex_only)
    for r in reports:
        for by_format in r.files.values():
            if "pdf" in by_format:
                print(by_format["pdf"])
    sys.stdout.flush()
    return reports


_VERDICT_MARKS = {
    "certified": ("✓ ", "green", ""),
    "refuted": ("✗ ", "red", "  NOT certified: a result in it is refuted"),
    "undecided": ("? ", "yellow", "  not certified: a result in it could not be decided"),
}


def print_reports(console: Any, reports: Sequence[ItemReport], job: Job, seconds: float, tex_only: bool) -> None:
    """One line per item (failures name the file and line), then the summary table, to stderr."""
    from rich.table import Table
    from rich.text import Text

    from derive.core.errors import escape_control
    from derive.render.pdf import TEX_INSTALL_HINT

    for r in reports:
        if r.error:
            console.print(Text.assemble(("✗ ", "red"), escape_control(f"{r.item.label}: {r.error}")))
            continue
        files = [f.get("pdf") or f.get("tex") for f in r.files.values()]
        shown = ", ".join(_shown(f, job.out) for f in files if f is not None)
        mark, style, note = _VERDICT_MARKS.get(r.verdict, _VERDICT_MARKS["undecided"])
        when = "cached" if r.cached else f"{r.seconds:.1f} s"
        console.print(Text.assemble((mark, style), escape_control(f"{r.item.label} -> {shown}  ({when})"),
                                    (note, style)))
    built = sum(1 for r in reports if not r.error and not r.cached)
    cached = sum(1 for r in reports if r.cached)
    failed = sum(1 for r in reports if r.error)
    table = Table(title=None, show_edge=False, box=None, pad_edge=False)
    for name in ("built", "cached", "failed", "time"):
        table.add_column(name, justify="right")
    table.add_row(str(built), str(cached), Text(str(failed), style="red" if failed else ""), f"{seconds:.1f} s")
    console.print(table)
    if "pdf" not in job.formats and not tex_only:
        console.print(f"TeX is not installed, so only .tex files were written; {TEX_INSTALL_HINT}")


def _shown(path: Path, out: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def iter_pdfs(reports: Sequence[ItemReport]) -> Iterator[Path]:
    for r in reports:
        for by_format in r.files.values():
            if "pdf" in by_format:
                yield by_format["pdf"]
