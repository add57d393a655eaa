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

    def __post_init__(self) -> None:
        for name in ("title", "intro", "source"):
            _check_str(getattr(self, name), f"Worked.{name}")
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

    def __post_init__(self) -> None:
        _check_str(self.prompt, "Exercise.prompt")
        _check_str(self.prompt_latex, "Exercise.prompt_latex")
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


Block = Paragraph | Math | Section | Worked | Exercise | CheckedBlock

_BLOCK_TYPES = (Paragraph, Math, Section, Worked, Exercise, CheckedBlock)


@dataclass(frozen=True, slots=True)
class Handout:
    """A whole handout: title block (user text) and blocks in reading order."""

    title: str
    subtitle: str = ""
    author: str = ""
    blocks: tuple[Block, ...] = ()

    def __post_init__(self) -> None:
        for name in ("title", "subtitle", "author"):
            _check_str(getattr(self, name), f"Handout.{name}")
        if not isinstance(self.blocks, tuple):
            raise UsageError(
                f"Handout.blocks must be a tuple, not {type(self.blocks).__name__}",
                hint="pass tuple(blocks), or use HandoutBuilder",
            )
        for i, block in enumerate(self.blocks):
            if not isinstance(block, _BLOCK_TYPES):
                raise UsageError(
                    f"Handout.blocks[{i}] is a {type(block).__name__}, not a block",
                    hint="blocks are Paragraph, Math, Section, Worked or Exercise",
                )

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
