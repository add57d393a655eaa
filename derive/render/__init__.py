"""Output: one printer per format (``formats/<name>.py``) walking the contract by class, plus the
expression notations they share, the Jinja2 environment of handouts and the PDF runner.

``render(data, fmt)`` is the one path every result takes; adding a format is one new module in
``formats/`` with a ``Printer`` class. Nothing here is imported until a format is asked for.
"""
from __future__ import annotations

import pkgutil
from importlib import import_module
from pathlib import Path
from typing import Any

from derive.core.errors import UsageError

_FORMATS_DIR = Path(__file__).resolve().parent / "formats"


def format_names() -> tuple[str, ...]:
    """The output formats, one per module in ``formats/`` (found without importing them)."""
    return tuple(sorted(m.name for m in pkgutil.iter_modules([str(_FORMATS_DIR)]) if not m.name.startswith("_")))


def get_printer(fmt: str, **settings: Any) -> Any:
    """The printer of format ``fmt`` with ``settings``; an unknown format is a UsageError."""
    if not isinstance(fmt, str) or fmt not in format_names():
        raise UsageError(f"unknown output format {fmt!r}", hint=f"choose one of {', '.join(format_names())}")
    module = import_module(f"derive.render.formats.{fmt}")
    return module.Printer(**settings)


def render(data: object, fmt: str = "text", **settings: Any) -> str:
    """``data`` (a derivation, a gradient, a least-squares or MLE solution...) in format ``fmt``."""
    return str(get_printer(fmt, **settings).doprint(data))
