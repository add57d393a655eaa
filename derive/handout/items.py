"""What ``derive build`` builds: items, and what making one returns.

The one contract between the sources of handouts (worked-example scripts, problem sheets and their
per-student variants) and the build runner (workers, cache, scheduler, outputs):

- a source plans ``BuildItem`` values: where the outputs go (``key``), how to make the handout
  (``make`` with ``args``: a module-level function and picklable arguments, so a forked worker or a
  Dask task can run it) and what the cache key depends on (``inputs``, ``salt``);
- running ``make(*args)`` once in a worker returns a ``Made``: the handout and the answers that go
  into a manifest;
- the runner renders that one handout in each version the item asks for (``VERSIONS``: the same
  draw as a solution, a student version and an exam), each to ``OUT/<stem>.tex`` (and ``.pdf``,
  ``.html``), the item's script output to ``OUT/<key>.log``, and reports.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from derive.handout.document import Handout


@dataclass(frozen=True, slots=True)
class Version:
    """How one version prints the handout: with worked solutions or not (a student version has no
    solution text anywhere in its .tex), as a handout or an exam (points and answer space)."""

    name: str
    solutions: bool
    layout: str


VERSIONS: Mapping[str, Version] = {
    "solution": Version("solution", solutions=True, layout="handout"),
    "student": Version("student", solutions=False, layout="handout"),
    "exam": Version("exam", solutions=False, layout="exam"),
}


@dataclass(frozen=True, slots=True)
class Made:
    """A handout made in a worker, and its JSON-able answers by name (for a manifest or an online export)."""

    handout: Handout
    answers: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BuildItem:
    """One output document to build.

    ``key``: unique in a build, ``/``-separated (``sigmoid``, ``sub/sigmoid``, ``week1/s001``);
    ``label``: how messages name it; ``make(*args)`` returns a ``Made`` (``make`` is a module-level
    function, ``args`` picklable); ``outputs``: for each version (a key of ``VERSIONS``) the output
    path under ``--out`` without suffix (``sigmoid``, ``sigmoid.student``, ``week1/s001/student``);
    ``inputs``: the files whose bytes the cache key includes; ``salt``: everything else it depends
    on (seed, parameters), as text.
    """

    key: str
    label: str
    make: Callable[..., Made]
    args: tuple[Any, ...] = ()
    outputs: Mapping[str, str] = field(default_factory=dict)
    inputs: tuple[Path, ...] = ()
    salt: str = ""


@dataclass(frozen=True, slots=True)
class ItemReport:
    """What happened to one item: its files by version and format, or the one-line error.

    ``files[version][fmt]`` is the written file (``fmt`` one of ``tex``, ``pdf``, ``html``);
    ``log``: the item's own output (what its script printed); ``cached``: nothing was rebuilt;
    ``verdict``: the handout's ``Verdict`` value (certified, refuted, undecided); ``failure``: the
    kind of error (``usage``: the script or its input; ``budget``: time or memory; ``failure``: TeX,
    or the worker died); ``answers``: what ``Made.answers`` held; ``tex_seconds``: the part of
    ``seconds`` spent waiting for TeX (the rest is derive's own work, Python); ``overfull``: by
    version, TeX's ``Overfull \\hbox`` warnings of its PDF (a line that runs into the margin).
    """

    item: BuildItem
    files: Mapping[str, Mapping[str, Path]]
    seconds: float
    log: Path | None = None
    cached: bool = False
    error: str | None = None
    verdict: str = "certified"
    failure: str = ""
    answers: Mapping[str, Any] = field(default_factory=dict)
    tex_seconds: float = 0.0
    overfull: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
