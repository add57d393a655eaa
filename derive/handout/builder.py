"""HandoutBuilder: the mutable, script-friendly way to assemble a ``Handout``.

Worked-example scripts add blocks one call at a time; ``build()`` freezes them. Results are
taken duck-typed (``Renderable``) and kept as they are, so this module needs nothing from the
engine and the handout can be printed in any format later.
"""
from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from derive.core.contract import Verdict
from derive.core.errors import UsageTypeError
from derive.handout.document import (
    Block, CheckedBlock, Exercise, Figure, Handout, Math, Paragraph, Section, Style, Worked,
)


@runtime_checkable
class Renderable(Protocol):
    """Anything that renders itself by format: the derivation results of the API.

    ``render("latex", part="chain")`` is a display environment (``align*``),
    ``render("latex", part="result")`` math-mode LaTeX for the boxed result; ``source`` is the
    user's input text; ``verdict`` (``derive.core.contract.Verdict``) whether it is certified.
    A result may also have ``chain_and_result_latex()``, the same two texts from one walk of the
    printer, which the renderer uses where it exists.
    """

    @property
    def source(self) -> str: ...

    @property
    def verdict(self) -> Verdict: ...

    def render(self, fmt: str = "text", **settings: Any) -> str: ...


def worked_from(
    title: str, result: Renderable, intro: str = "", *, points: float | None = None, space: float | None = None
) -> Worked:
    """A ``Worked`` block holding ``result`` itself: it is rendered with the handout, in the handout's format."""
    if not isinstance(result, Renderable):
        raise UsageTypeError(
            f"cannot render a {type(result).__name__} as a worked solution",
            hint="pass a derivation result (it needs render(), .source and .verdict)",
        )
    return Worked(title=title, intro=intro, result=result, source=result.source, points=points, space=space)


def handout_of(result: Renderable, title: str) -> Handout:
    """The document a result prints as: its own (``derive.check``'s annotated file has a ``handout()``),
    else one worked solution under ``title``."""
    made = getattr(result, "handout", None)
    if callable(made):
        handout = made()
        if isinstance(handout, Handout):
            return handout
    return HandoutBuilder(title=title).worked("Worked solution", result).build()


class HandoutBuilder:
    """Collects blocks in order; ``build()`` returns the frozen ``Handout``."""

    def __init__(self, title: str, subtitle: str = "", author: str = "", *, style: Style | None = None) -> None:
        self.title = title
        self.subtitle = subtitle
        self.author = author
        self.style = style if style is not None else Style()
        self._blocks: list[Block] = []

    def section(self, title: str) -> HandoutBuilder:
        """Start a numbered section."""
        self._blocks.append(Section(title))
        return self

    def paragraph(self, text: str) -> HandoutBuilder:
        """Add prose; it is escaped, so ``$``, ``%`` and backslashes print literally."""
        self._blocks.append(Paragraph(text))
        return self

    def math(self, latex: str) -> HandoutBuilder:
        """Add a displayed formula: trusted math-mode LaTeX built by our code, not user text."""
        self._blocks.append(Math(latex))
        return self

    def worked(
        self, title: str, derivation: Renderable, intro: str = "", *,
        points: float | None = None, space: float | None = None,
    ) -> HandoutBuilder:
        """Add a worked solution rendered from ``derivation``; a student version prints its question only.

        ``points`` and ``space`` (the answer box height in cm) are for the exam layout.
        """
        self._blocks.append(worked_from(title, derivation, intro, points=points, space=space))
        return self

    def figure(self, plot: Any, caption: str = "", *, width: float = 0.8, solution: bool = True) -> HandoutBuilder:
        """Add a figure: a plot from ``derive.render.figures`` and its caption (prose with ``$...$`` maths).

        ``solution``: the figure shows part of an answer (the default), so a student version leaves it out;
        pass False for a figure of the question (the data alone).
        """
        self._blocks.append(Figure(plot=plot, caption=caption, width=width, solution=solution))
        return self

    def checked(self, result: Renderable) -> HandoutBuilder:
        """Add a checked hand derivation (what ``derive.check`` returned), annotated step by step."""
        self._blocks.append(CheckedBlock(result))
        return self

    def exercise(
        self,
        prompt: str,
        math_latex: str = "",
        solution: Renderable | Worked | None = None,
        *,
        points: float | None = None,
        space: float | None = None,
    ) -> HandoutBuilder:
        """Add an exercise; a solution (a result or a ``Worked``) is printed at the end of a solution version.

        ``points`` and ``space`` (the answer box height in cm) are for the exam layout.
        """
        worked: Worked | None
        if solution is None or isinstance(solution, Worked):
            worked = solution
        else:
            number = sum(isinstance(b, Exercise) for b in self._blocks) + 1
            worked = worked_from(f"Solution to exercise {number}", solution)
        self._blocks.append(Exercise(prompt=prompt, prompt_latex=math_latex, solution=worked, points=points,
                                     space=space))
        return self

    def build(self) -> Handout:
        """The handout so far, frozen (the builder can keep going)."""
        return Handout(
            title=self.title,
            subtitle=self.subtitle,
            author=self.author,
            blocks=tuple(self._blocks),
            style=self.style,
        )
