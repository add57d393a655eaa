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
import os
import runpy
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from derive.core.errors import UsageError
from derive.handout.execute import LOG_CAP, Job, is_empty, cap_log, remove_outputs, run_local
from derive.handout.items import VERSIONS, BuildItem, ItemReport, Made

__all__ = ["LOG_CAP", "BuildReport", "Job", "build_all", "collect_scripts", "load_handout", "plan", "script_items"]

DEFAULT_VERSIONS = ("solution", "student")

BuildReport = ItemReport  # the name of the report before items (kept for callers)


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
         seed: int | None = None, students: Path | None = None, remember: Path | None = None) -> Planned:
    """The items of ``paths``: ``.toml`` problem sheets through ``derive.course``, the rest as scripts.
    ``remember``: the build's cache folder, where a sheet's plan keeps the variants it chose."""
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
        options: dict[str, Any] = {"remember": remember} if remember is not None else {}
        sheet_plan = course.plan_sheet(sheet, variants=variants, seed=seed, students=students, versions=tuple(versions),
                                       **options)
        plans.append(sheet_plan)
        items += list(sheet_plan.items)
    check_unique(items)
    return Planned(items, plans)


def check_unique(items: Sequence[BuildItem]) -> None:
    """A usage error if an output is not a plain path inside --out, or two items share a key or an output."""
    keys: dict[str, BuildItem] = {}
    owners: dict[str, BuildItem] = {}
    for item in items:
        for stem in [item.key, *item.outputs.values()]:
            parts = stem.split("/")
            if not stem or stem.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in stem:
                raise UsageError(f"{item.label}: output {stem!r} is not a plain relative path inside --out")
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


def output_formats(tex_only: bool, html: bool) -> tuple[str, ...]:
    """The formats to write: .tex always, .pdf where TeX is installed, .html if asked."""
    import shutil

    # derive.render.pdf.tex_available, without importing the renderer (Jinja2): a cached build never renders
    tex = shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None
    return ("tex", *(("pdf",) if not tex_only and tex else ()), *(("html",) if html else ()))


def build_all(paths: Sequence[Path], out: Path, *, jobs: int = 0, tex_only: bool = False, timeout: float = 600.0,
              memory_mb: int = 2048, versions: Sequence[str] = DEFAULT_VERSIONS, html: bool = False,
              cache: bool = True, scheduler: str | None = None, variants: int | None = None,
              seed: int | None = None, students: Path | None = None, templates: Path | None = None,
              quiet: bool = False, moodle: bool = False) -> list[ItemReport]:
    """Build every item of ``paths``, ``jobs`` at a time (or on the Dask cluster at ``scheduler``); every report.

    The PDFs written go to stdout, one a line; progress, failures and the summary to stderr.
    An interrupt (Ctrl-C, SIGTERM) kills every worker and what it started before it propagates,
    so no handout is written after the command has returned.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from derive.core.budget import Budget
    from derive.handout import cache as build_cache
    from derive.handout.typeset import html_available, templates_available

    start = time.monotonic()
    if html and not html_available():
        raise UsageError("HTML export is not available in this derive (derive.export.html)",
                         hint="build without --html")
    if templates is not None:
        if not templates.is_dir():
            raise UsageError(f"--templates {templates} is not a folder", hint="pass a folder of .tex.j2 overrides")
        if not templates_available():
            raise UsageError("--templates is not available in this derive (no template overrides)")
        templates = templates.resolve()
    planned = plan(paths, versions, variants=variants, seed=seed, students=students,
                   remember=out.resolve() / build_cache.CACHE_DIR if cache and not out.is_file() else None)
    if moodle and not planned.plans:
        raise UsageError("--moodle exports a problem sheet's variants, and no sheet (.toml) was given",
                         hint="e.g. derive build worked_examples/sheets/week1.toml --variants 30 --moodle")
    items = planned.items
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the output folder {out}: {exc.strerror}") from None
    out = out.resolve()  # absolute: a script's os.chdir cannot send outputs elsewhere
    job = Job(out, output_formats(tex_only, html), templates=templates, seconds=timeout)
    budget = Budget(seconds=timeout, memory_mb=memory_mb)
    console = Console(stderr=True, highlight=False, soft_wrap=True, quiet=quiet)

    done: dict[str, ItemReport] = {}
    keys: dict[str, str] = {}
    todo: list[BuildItem] = []
    base = build_cache.base_hash() + (build_cache.folder_hash(templates) if templates is not None else "")
    for item in items:
        keys[item.key] = key = build_cache.item_key(item, base, tuple(item.outputs), job.formats)
        record = build_cache.lookup(out, item, key) if cache else None  # --no-cache: rebuild, record anew
        if record is None:
            todo.append(item)
            continue
        log = out / f"{item.key}.log"
        done[item.key] = ItemReport(item, build_cache.files_of(out, record), 0.0, log=log if log.exists() else None,
                                    cached=True, verdict=str(record.get("verdict", "certified")),
                                    answers=record.get("answers") or {}, overfull=build_cache.overfull_of(record))

    def finished(report: ItemReport) -> None:
        item = report.item
        if report.log is not None:
            cap_log(report.log, job.log_cap)
            if not report.error and is_empty(report.log):  # nothing printed: no log to keep
                report.log.unlink(missing_ok=True)
                report = replace(report, log=None)
        if report.error:
            remove_outputs(out, item)  # the worker may have died before it could
        elif report.verdict == "undecided":  # may be decided with more time: built again next run
            build_cache.forget(out, item)
        else:
            build_cache.store(out, item, keys[item.key], report.files, report.verdict, report.answers,
                              seconds=report.seconds, tex_seconds=report.tex_seconds, overfull=report.overfull)
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
            waiting = {item.key for item in todo}
            for sheet_plan in planned.plans:  # what its variants share, once here: the forked workers inherit it
                prepare = getattr(sheet_plan, "prepare", None)
                if prepare is not None and any(item.key in waiting for item in sheet_plan.items):
                    prepare()
            workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
            run_local(todo, job, budget, workers, finished, progress.refresh)
    reports = [done[item.key] for item in items]
    for sheet_plan in planned.plans:
        sheet_plan.write_manifest(out, reports)
        if moodle:
            from derive.handout.typeset import write_moodle

            console.print(f"Moodle questions: {write_moodle(out, sheet_plan, reports)}")
    print_reports(console, reports, job, time.monotonic() - start, tex_only)
    for pdf in iter_pdfs(reports):
        print(pdf)
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
    from derive.render.pdf import widest_overfull

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
        for version, boxes in r.overfull.items():
            pdf = r.files.get(version, {}).get("pdf")
            widest = widest_overfull(boxes)
            lines = "a line runs" if len(boxes) == 1 else f"{len(boxes)} lines run"
            where = _shown(pdf, job.out) if pdf else version
            console.print(Text(escape_control(f"  ! {lines} into the margin in {where} "
                                              f"(overfull \\hbox, up to {widest:.1f} pt too wide)"), style="yellow"))
    built = sum(1 for r in reports if not r.error and not r.cached)
    cached = sum(1 for r in reports if r.cached)
    failed = sum(1 for r in reports if r.error)
    table = Table(title=None, show_edge=False, box=None, pad_edge=False)
    for name in ("built", "cached", "failed", "time"):
        table.add_column(name, justify="right")
    table.add_row(str(built), str(cached), Text(str(failed), style="red" if failed else ""), f"{seconds:.1f} s")
    console.print(table)
    if "pdf" not in job.formats and not tex_only:
        from derive.render.pdf import TEX_INSTALL_HINT

        console.print(f"TeX is not installed, so only .tex files were written; {TEX_INSTALL_HINT}")


def _shown(path: Path, out: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def iter_pdfs(reports: Sequence[ItemReport]) -> Iterator[Path]:
    """The PDFs of ``reports``, in order (the solution before the student version of each)."""
    for r in reports:
        for by_format in r.files.values():
            if "pdf" in by_format:
                yield by_format["pdf"]
