"""One made handout in one version to its files: the one place ``derive build`` writes outputs.

``write_version(made, version, stem, formats)`` renders the handout as the version asks (with
worked solutions or the questions only; handout or exam layout), writes ``<stem>.tex`` always,
``<stem>.pdf`` when ``pdf`` is asked for, ``<stem>.html`` when ``html`` is, each atomically
(nothing half-written, a failed TeX run leaves the previous file alone: the runner removes it).
"""
from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any

from derive.handout.items import Made, Version

FORMATS = ("tex", "pdf", "html")

_tex_seconds = 0.0  # CPU seconds of TeX child processes in this process (for the build's Python share)


def tex_cpu_seconds() -> float:
    """CPU seconds spent by TeX child processes (latexmk, pdflatex) started here so far."""
    return _tex_seconds


def _suffixed(stem: Path, fmt: str) -> Path:
    return stem.parent / f"{stem.name}.{fmt}"  # not with_suffix: "sigmoid.student" keeps its ".student"


def render_version(made: Made, version: Version) -> str:
    """The ``.tex`` source of ``made`` as ``version`` prints it (``layout`` where the renderer takes it)."""
    from derive.render.env import render_handout

    if "layout" in inspect.signature(render_handout).parameters:
        return render_handout(made.handout, solutions=version.solutions, layout=version.layout)  # type: ignore[call-arg]
    return render_handout(made.handout, solutions=version.solutions)


def html_available() -> bool:
    """True when the HTML export (``derive.export.html``) is installed with this derive."""
    import importlib.util

    try:
        return importlib.util.find_spec("derive.export.html") is not None
    except ModuleNotFoundError:
        return False


def write_version(made: Made, version: Version, stem: Path, formats: tuple[str, ...]) -> dict[str, Path]:
    """Write ``made`` as ``version`` to ``<stem>.tex`` (always) and ``.pdf``/``.html`` as ``formats`` ask.

    Returns the written files by format. Raises RenderError (TeX failed, named at its block) or
    UsageError (an unknown format); files written before the error stay (the runner removes them).
    """
    global _tex_seconds
    from derive.render.pdf import build_pdf, write_text_atomic

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        from derive.core.errors import UsageError

        raise UsageError(f"unknown output format {unknown[0]!r}", hint=f"choose from {', '.join(FORMATS)}")
    stem.parent.mkdir(parents=True, exist_ok=True)
    tex = render_version(made, version)
    files: dict[str, Path] = {}
    files["tex"] = _suffixed(stem, "tex")
    write_text_atomic(files["tex"], tex)
    if "html" in formats:
        files["html"] = _suffixed(stem, "html")
        write_text_atomic(files["html"], _html(made, version))
    if "pdf" in formats:
        from derive.core.runner import stage

        stage(f"typesetting {stem.name}.pdf")
        before = os.times()
        try:
            files["pdf"] = build_pdf(tex, _suffixed(stem, "pdf"), **_figures(made))
        finally:
            after = os.times()
            _tex_seconds += (after.children_user - before.children_user) + (after.children_system
                                                                           - before.children_system)
    return files


def _figures(made: Made) -> dict[str, Any]:
    """``files=`` for build_pdf: the figure files the handout's .tex loads (where the renderer has figures)."""
    from derive.render import env, pdf

    figure_files = getattr(env, "figure_files", None)
    if figure_files is None or "files" not in inspect.signature(pdf.build_pdf).parameters:
        return {}
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
