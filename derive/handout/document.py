"""A handout as data: a title block and a flat sequence of blocks, rendered only at the end.

A worked solution keeps its derivation result itself (anything that renders itself by format
and has a ``source``), not LaTeX: the same handout prints as LaTeX through the templates, or
as Markdown. Fields named ``latex`` or ``*_latex`` hold LaTeX built by our own printer
(``derive.latex``: trusted, passed through); every other string is user prose, which printers
and templates must escape.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from derive.core.contract import Verdict
from derive.core.errors import UsageError, UsageTypeError

_LABEL_WIDTH = 48


def _check_str(value: object, name: str) -> None:
    """Raise UsageError unless ``value`` is a str: bad data fails here, not deep in a template."""
    if not isinstance(value, str):
        raise UsageTypeError(
            f"{name} must be a str, not {type(value).__name__}",
            hint=f"pass text for {name} (use '' for none)",
        )


def _check_marking(points: object, space: object, owner: str) -> None:
    """Points (0 to 1000) and an answer space (0.5 to 25 cm, a page) are numbers or None."""
    for name, value, low, high in (("points", points, 0.0, 1000.0), ("space", space, 0.5, 25.0)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise UsageError(
                f"{owner}.{name} must be a number from {low:g} to {high:g} or None, not {value!r}",
                hint="points are marks (such as 5); space is the answer box height in cm (such as 6)",
            )


def format_points(points: float) -> str:
    """Points as printed: ``5``, ``2.5``."""
    return f"{points:g}"


def _short(text: str) -> str:
    """One line of at most ``_LABEL_WIDTH`` characters, to name a block in an error."""
    line = " ".join(text.split())
    return line if len(line) <= _LABEL_WIDTH else line[: _LABEL_WIDTH - 3] + "..."


@dataclass(frozen=True, slots=True)
class Paragraph:
    """User prose; escaped in full (no inline math: use a ``Math`` block for formulas)."""

    kind: ClassVar[str] = "paragraph"

    text: str

    def __post_init__(self) -> None:
        _check_str(self.text, "Paragraph.text")

    @property
    def label(self) -> str:
        """A short name for error messages: the first words of the text."""
        return _short(self.text) or "(empty paragraph)"


@dataclass(frozen=True, slots=True)
class Math:
    """A displayed formula: trusted LaTeX (math mode, without delimiters) built by our code."""

    kind: ClassVar[str] = "math"

    latex: str

    def __post_init__(self) -> None:
        _check_str(self.latex, "Math.latex")

    @property
    def label(self) -> str:
        return _short(self.latex) or "(empty formula)"


@dataclass(frozen=True, slots=True)
class Section:
    """A numbered section heading (user text)."""

    kind: ClassVar[str] = "section"

    title: str

    def __post_init__(self) -> None:
        _check_str(self.title, "Section.title")

    @property
    def label(self) -> str:
        return _short(self.title) or "(untitled section)"


@dataclass(frozen=True, slots=True)
class Worked:
    """A worked solution: prose around a derivation result, rendered in the output's format at the end.

    ``result`` is a derivation result (``derive.diff``, ``grad``, ``ls``, ``mle``...): it renders
    itself (``render(fmt, **settings)``); ``source`` is the user's input, shown as text.
    """

    kind: ClassVar[str] = "worked"

    title: str
    intro: str
    result: Any
    source: str
    points: float | None = None
    """Points in an exam layout (None: not marked)."""
    space: float | None = None
    """The height in centimetres of the answer box in an exam layout (None: the default)."""

    def __post_init__(self) -> None:
        for name in ("title", "intro", "source"):
            _check_str(getattr(self, name), f"Worked.{name}")
        _check_marking(self.points, self.space, "Worked")
        if not callable(getattr(self.result, "render", None)):
            raise UsageError(
                f"Worked.result must be a derivation result, not {type(self.result).__name__}",
                hint="pass what derive.diff, grad, ls or mle returned (it renders itself by format)",
            )

    @property
    def label(self) -> str:
        return _short(self.title) or "(untitled worked example)"


@dataclass(frozen=True, slots=True)
class Exercise:
    """An exercise: a prompt (user text), a displayed formula (trusted LaTeX), maybe a solution.

    Solutions are printed in a section at the end of the handout, when asked for.
    """

    kind: ClassVar[str] = "exercise"

    prompt: str
    prompt_latex: str
    solution: Worked | None = None
    points: float | None = None
    """Points in an exam layout (None: not marked)."""
    space: float | None = None
    """The height in centimetres of the answer box in an exam layout (None: the default)."""

    def __post_init__(self) -> None:
        _check_str(self.prompt, "Exercise.prompt")
        _check_str(self.prompt_latex, "Exercise.prompt_latex")
        _check_marking(self.points, self.space, "Exercise")
        if self.solution is not None and not isinstance(self.solution, Worked):
            raise UsageError(
                f"Exercise.solution must be a Worked or None, not {type(self.solution).__name__}",
                hint="build the solution with HandoutBuilder.exercise(..., solution=derivation)",
            )

    @property
    def label(self) -> str:
        return _short(self.prompt) or _short(self.prompt_latex) or "(empty exercise)"


@dataclass(frozen=True, slots=True)
class CheckedBlock:
    """A checked hand derivation (``derive check``): the user's own derivation, prose and displays in
    the order of the file, each step's verdict and file line in the margin. ``result`` renders itself
    (``render("latex", part="chain")`` is the whole annotated body); ``source`` names the file."""

    kind: ClassVar[str] = "checked"

    result: Any

    def __post_init__(self) -> None:
        if not callable(getattr(self.result, "render", None)):
            raise UsageError(
                f"CheckedBlock.result must be a check result, not {type(self.result).__name__}",
                hint="pass what derive.check returned",
            )

    @property
    def label(self) -> str:
        return _short(str(getattr(self.result, "source", ""))) or "(checked derivation)"


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure: a plot made by our code (``derive.render.figures.Plot``: PDF bytes for TeX, SVG text for
    HTML) and its caption (user prose with ``$...$`` maths). ``width`` is a fraction of the line width."""

    kind: ClassVar[str] = "figure"

    plot: Any
    caption: str = ""
    width: float = 0.8
    solution: bool = True
    """The figure shows part of a solution (an estimate, a fitted line): a student version leaves it out."""

    def __post_init__(self) -> None:
        _check_str(self.caption, "Figure.caption")
        if not _is_plot(self.plot):
            raise UsageError(
                f"Figure.plot must be a plot, not {type(self.plot).__name__}",
                hint="make it with derive.render.figures (loglik_curve, regression_fit, loss_contours, plot)",
            )
        if not isinstance(self.solution, bool):
            raise UsageTypeError(f"Figure.solution must be True or False, not {self.solution!r}",
                                 hint="True: the figure shows an answer (a student version leaves it out)")
        if isinstance(self.width, bool) or not isinstance(self.width, (int, float)) or not 0.1 <= self.width <= 1:
            raise UsageError(f"Figure.width must be a fraction from 0.1 to 1, not {self.width!r}",
                             hint="width is a fraction of the line width, such as 0.7")

    @property
    def label(self) -> str:
        return _short(self.caption) or "(figure)"


Block = Paragraph | Math | Section | Worked | Exercise | CheckedBlock | Figure

_BLOCK_TYPES = (Paragraph, Math, Section, Worked, Exercise, CheckedBlock, Figure)

EXTRA_PACKAGES = frozenset({
    "amsthm", "array", "bm", "booktabs", "bbm", "cancel", "caption", "charter", "dsfont", "enumitem", "float",
    "helvet", "longtable", "mathpazo", "mathtools", "microtype", "multicol", "nicefrac", "palatino", "physics",
    "siunitx", "subcaption", "tabularx", "times", "xfrac",
})
"""The LaTeX packages a ``Style`` may add: typesetting and fonts only (none reads files or runs code)."""


@dataclass(frozen=True, slots=True)
class Style:
    """How a handout looks, without editing derive's templates: a course header (course, term,
    instructor: in the title block and the running head of every page), extra packages from
    ``EXTRA_PACKAGES`` and a folder of the user's templates searched before derive's (any template but
    ``base.tex.j2``, which holds the TeX hardening: override ``look.tex.j2`` for the preamble's look)."""

    course: str = ""
    term: str = ""
    instructor: str = ""
    packages: tuple[str, ...] = ()
    templates: Path | None = None

    def __post_init__(self) -> None:
        for name in ("course", "term", "instructor"):
            _check_str(getattr(self, name), f"Style.{name}")
        if not isinstance(self.packages, tuple):
            raise UsageTypeError(f"Style.packages must be a tuple, not {type(self.packages).__name__}",
                                 hint="pass tuple(names), such as ('booktabs', 'bm')")
        for name in self.packages:
            if name not in EXTRA_PACKAGES:
                raise UsageError(f"Style.packages: {name!r} is not an allowed package",
                                 hint=f"choose from {', '.join(sorted(EXTRA_PACKAGES))}")
        if self.templates is not None and not isinstance(self.templates, Path):
            raise UsageTypeError(f"Style.templates must be a Path or None, not {type(self.templates).__name__}",
                                 hint="pass pathlib.Path(folder)")


@dataclass(frozen=True, slots=True)
class Handout:
    """A whole handout: title block (user text) and blocks in reading order."""

    title: str
    subtitle: str = ""
    author: str = ""
    blocks: tuple[Block, ...] = ()
    style: Style = Style()

    def __post_init__(self) -> None:
        for name in ("title", "subtitle", "author"):
            _check_str(getattr(self, name), f"Handout.{name}")
        if not isinstance(self.style, Style):
            raise UsageTypeError(f"Handout.style must be a Style, not {type(self.style).__name__}",
                                 hint="pass derive.handout.document.Style(...)")
        if not isinstance(self.blocks, tuple):
            raise UsageError(
                f"Handout.blocks must be a tuple, not {type(self.blocks).__name__}",
                hint="pass tuple(blocks), or use HandoutBuilder",
            )
        for i, block in enumerate(self.blocks):
            if not isinstance(block, _BLOCK_TYPES):
                raise UsageError(
                    f"Handout.blocks[{i}] is a {type(block).__name__}, not a block",
                    hint="blocks are Paragraph, Math, Section, Worked, Exercise, CheckedBlock or Figure",
                )

    @property
    def points(self) -> float:
        """The total of the points of the worked problems and exercises (0 when none is marked)."""
        return float(sum(b.points for b in self.blocks if isinstance(b, (Worked, Exercise)) and b.points))

    @property
    def figures(self) -> tuple[Figure, ...]:
        """The figures in order."""
        return tuple(b for b in self.blocks if isinstance(b, Figure))

    @property
    def exercises(self) -> tuple[Exercise, ...]:
        """The exercises in order; their position here (from 1) is their printed number."""
        return tuple(b for b in self.blocks if isinstance(b, Exercise))

    def results(self) -> Iterator[Any]:
        """Every derivation result the handout prints: worked solutions and exercise solutions."""
        for b in self.blocks:
            if isinstance(b, (Worked, CheckedBlock)):
                yield b.result
            elif isinstance(b, Exercise) and b.solution is not None:
                yield b.solution.result

    @property
    def verdict(self) -> Verdict:
        """Of all its results: refuted if any is, undecided if any is, else certified."""
        return Verdict.worst(r.verdict for r in self.results())


def _is_plot(plot: object) -> bool:
    """A ``derive.render.figures.Plot`` (its SVG, drawn when first asked for, is not drawn here), or any
    object with PDF bytes and SVG text."""
    from derive.render.figures import Plot

    if isinstance(plot, Plot):
        return isinstance(plot.pdf, bytes)
    return isinstance(getattr(plot, "pdf", None), bytes) and isinstance(getattr(plot, "svg", None), str)
