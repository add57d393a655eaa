"""The base of every API result: a model the printers walk, rendered by format.

``render("text" | "latex" | "markdown" | "json" | ...)`` goes through the one printer of that
format (``derive.render.render``); the ``to_*`` methods and Jupyter's display are shorthands for it.
"""
from __future__ import annotations

from typing import Any, ClassVar

from derive.render import get_printer, render


class Result:
    """Base of every API result: a model the printers walk (``data``), rendered by format.

    ``render("text" | "latex" | "markdown" | "json" | ...)`` goes through the one printer of that
    format (``derive.render``); the ``to_*`` methods and Jupyter's display are shorthands for it.
    """

    __slots__ = ()
    text_width: ClassVar[int] = 100

    @property
    def data(self) -> Any:
        raise NotImplementedError

    @property
    def certified(self) -> bool:
        return bool(self.data.certified)

    @property
    def cut_by_budget(self) -> bool:
        """True when not certified because a limit of the budget cut a step or a check."""
        return bool(self.data.cut_by_budget)

    @property
    def refuted(self) -> bool:
        """True when some step or required check has a counterexample."""
        return bool(self.data.refuted)

    @property
    def verdict(self) -> Any:
        """``derive.core.contract.Verdict``: certified, refuted or undecided."""
        return self.data.verdict

    def render(self, fmt: str = "text", **settings: Any) -> str:
        """The result in output format ``fmt`` (``derive.render.format_names()`` lists them)."""
        if fmt == "text":
            settings.setdefault("width", self.text_width)
        return render(self.data, fmt, **settings)

    def to_text(self, width: int | None = None) -> str:
        return self.render("text", width=width or self.text_width)

    def to_latex(self) -> str:
        return self.render("latex")

    def result_latex(self) -> str:
        """Math-mode LaTeX of the results alone (the boxed line of a worked solution)."""
        return self.render("latex", part="result")

    def chain_and_result_latex(self) -> tuple[str, str]:
        """``render("latex", part="chain")`` and ``render("latex", part="result")``, from one walk of the result."""
        chain, result = get_printer("latex", part="chain").chain_and_result(self.data)
        return str(chain), str(result)

    def to_json(self) -> str:
        return self.render("json")

    def to_markdown(self) -> str:
        return self.render("markdown")

    def _repr_latex_(self) -> str:
        return self.render("latex", mathjax=True)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        """Short: the class, what was asked and the verdict (``str()`` or Jupyter show the whole result)."""
        source = " ".join(str(getattr(self, "source", "") or getattr(self.data, "source", "")).split())
        if len(source) > 60:
            source = source[:57] + "..."
        return f"<{type(self).__name__} {source!r}: {self.verdict.value}>"
