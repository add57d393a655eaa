"""What ``derive build`` builds: items, and what making one returns.

The one contract between the sources of handouts (worked-example scripts, problem sheets and their
per-student variants) and the build runner (workers, cache, scheduler, outputs):

- a source plans ``BuildItem`` values: where the outputs go (``key``), how to make the handout
  (``make`` with ``args``: a module-level function and picklable arguments, so a forked worker or a
  Dask task can run it) and what the cache key depends on (``inputs``, ``salt``);
- running ``make(*args)`` in a worker returns a ``Made``: the handout and how to render it
  (solutions shown or not, handout or exam layout) and the answers that go into a manifest;
- the runner renders ``Made`` to ``OUT/<key>.tex`` (and ``.pdf``, ``.html``, ``.log``) and reports.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from derive.handout.document import Handout


@dataclass(frozen=True, slots=True)
class Made:
    """A handout made in a worker and how to print it.

    ``solutions``: print worked solutions (a student version has none anywhere in its .tex);
    ``layout``: ``"handout"`` or ``"exam"`` (points and answer space); ``answers``: JSON-able
    answers by name, for a manifest or an online export.
    """

    handout: Handout
    solutions: bool = True
    layout: str = "handout"
    answers: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BuildItem:
    """One output document to build.

    ``key``: the output path under ``--out`` without suffix, ``/``-separated and unique in a build
    (``sigmoid``, ``sub/sigmoid``, ``week1/s001/student``); ``label``: how messages name it;
    ``make(*args)`` returns a ``Made`` (``make`` is a module-level function, ``args`` picklable);
    ``inputs``: the files whose bytes the cache key includes; ``salt``: everything else it
    depends on (seed, version, parameters), as text.
    """

    key: str
    label: str
    make: Callable[..., Made]
    args: tuple[Any, ...] = ()
    inputs: tuple[Path, ...] = ()
    salt: str = ""
