"""One made handout in one version to its files: the one place ``derive build`` writes outputs.

``write_version(made, version, stem, formats)`` renders the handout as the version asks (with
worked solutions or the questions only; handout or exam layout), writes ``<stem>.tex`` always,
``<stem>.pdf`` when ``pdf`` is asked for, ``<stem>.html`` when ``html`` is, each atomically
(nothing half-written, a failed TeX run leaves the previous file alone: the runner removes it).
"""
from __future__ import annotations

import inspect
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from derive.handout.items import ItemReport, Made, Version

FORMATS = ("tex", "pdf", "html")

_tex_seconds = 0.0  # wall seconds spent in TeX runs in this process (for the build's Python share)


def tex_seconds() -> float:
    """Wall seconds this process has spent waiting for TeX (latexmk, pdflatex) so far.

    Wall, not CPU: TeX runs in a bubblewrap PID namespace whose processes are not all waited for,
    so their CPU time does not reach this process's ``RUSAGE_CHILDREN``."""
    return _tex_seconds


def _suffixed(stem: Path, fmt: str) -> Path:
    return stem.parent / f"{stem.name}.{fmt}"  # not with_suffix: "sigmoid.student" keeps its ".student"


def render_version(made: Made, version: Version, templates: Path | None = None) -> str:
    """The ``.tex`` source of ``made`` as ``version`` prints it (``layout``, and the user's ``templates``
    folder, where the renderer takes them)."""
    from derive.render.env import render_handout

    accepts = inspect.signature(render_handout).parameters
    options: dict[str, Any] = {"solutions": version.solutions}
    if "layout" in accepts:
        options["layout"] = version.layout
    if templates is not None:
        if "templates" not in accepts:
            from derive.core.errors import UsageError

            raise UsageError("--templates is not available in this derive (no template overrides)")
        options["templates"] = templates
    return render_handout(made.handout, **options)


def templates_available() -> bool:
    """True when the renderer takes a user's folder of template overrides (``render_handout(templates=)``)."""
    from derive.render.env import render_handout

    return "templates" in inspect.signature(render_handout).parameters


def html_available() -> bool:
    """True when the HTML export (``derive.export.html``) is installed with this derive."""
    import importlib.util

    try:
        return importlib.util.find_spec("derive.export.html") is not None
    except ModuleNotFoundError:
        return False


def write_version(made: Made, version: Version, stem: Path, formats: tuple[str, ...], *,
                  templates: Path | None = None, overfull: list[str] | None = None) -> dict[str, Path]:
    """Write ``made`` as ``version`` to ``<stem>.tex`` (always) and ``.pdf``/``.html`` as ``formats`` ask;
    ``templates``: the user's folder of template overrides; ``overfull`` (a list) receives TeX's
    ``Overfull \\hbox`` warnings of the PDF (lines that run into the margin).

    Returns the written files by format. Raises RenderError (TeX failed, named at its block) or
    UsageError (an unknown format); files written before the error stay (the runner removes them).
    """
    global _tex_seconds
    from derive.render.pdf import build_pdf, overfull_boxes, write_text_atomic

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        from derive.core.errors import UsageError

        raise UsageError(f"unknown output format {unknown[0]!r}", hint=f"choose from {', '.join(FORMATS)}")
    stem.parent.mkdir(parents=True, exist_ok=True)
    tex = render_version(made, version, templates)
    files: dict[str, Path] = {}
    files["tex"] = _suffixed(stem, "tex")
    write_text_atomic(files["tex"], tex)
    if "html" in formats:
        files["html"] = _suffixed(stem, "html")
        write_text_atomic(files["html"], _html(made, version))
    if "pdf" in formats:
        from derive.core.runner import stage

        stage(f"typesetting {stem.name}.pdf")
        before = time.monotonic()
        log: list[str] = []
        try:
            files["pdf"] = build_pdf(tex, _suffixed(stem, "pdf"), log=log, **_figures(made, version))
        finally:
            _tex_seconds += time.monotonic() - before
        if overfull is not None and log:
            overfull += overfull_boxes(log[0])
    return files


def _figures(made: Made, version: Version) -> dict[str, Any]:
    """``files=`` for build_pdf: the figure files the version's .tex loads (where the renderer has figures)."""
    from derive.render import env, pdf

    figure_files = getattr(env, "figure_files", None)
    if figure_files is None or "files" not in inspect.signature(pdf.build_pdf).parameters:
        return {}
    if "solutions" in inspect.signature(figure_files).parameters:
        return {"files": figure_files(made.handout, solutions=version.solutions)}
    return {"files": figure_files(made.handout)}


def _html(made: Made, version: Version) -> str:
    """The handout as self-contained HTML (``derive.export.html``)."""
    import importlib

    try:
        html = importlib.import_module("derive.export.html")
    except ModuleNotFoundError:
        from derive.core.errors import UsageError

        raise UsageError("HTML export is not available in this derive (derive.export.html)") from None
    text: str = html.handout_html(made.handout, solutions=version.solutions)
    return text


def write_moodle(out: Path, plan: Any, reports: Sequence[ItemReport]) -> Path:
    """``OUT/<sheet>/moodle.xml``: a sheet plan's built variants as Moodle questions (one category per
    problem, one question per variant) with the certified answers of ``reports``; written atomically."""
    from derive.core.files import write_text_atomic
    from derive.export.moodle import moodle_xml

    target = Path(out) / plan.sheet.name / "moodle.xml"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(target, moodle_xml(plan.sheet.title, plan.questions(reports)))
    return target
