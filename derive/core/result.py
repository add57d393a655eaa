"""The output methods the API's result types share: each delegates to one render module.

A result names its module (``_renderer``) and the data its printers take (``_payload``); the
module is imported on first use, so importing ``derive`` stays fast.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any, ClassVar


class Rendered:
    """``to_latex``, ``result_latex``, ``to_json``, ``to_markdown``, ``to_text``, ``renderable``, Jupyter."""

    __slots__ = ()
    _renderer: ClassVar[str]
    _text_width: ClassVar[int] = 100

    def _payload(self) -> Any:
        raise NotImplementedError

    def _call(self, name: str, *args: object) -> Any:
        return getattr(import_module(self._renderer), name)(self._payload(), *args)

    def to_latex(self) -> str:
        return str(self._call("to_latex"))

    def result_latex(self) -> str:
        return str(self._call("result_latex"))

    def to_json(self) -> str:
        return str(self._call("to_json"))

    def to_markdown(self) -> str:
        return str(self._call("to_markdown"))

    def to_text(self, width: int | None = None) -> str:
        return str(self._call("to_text", width or self._text_width))

    def renderable(self) -> object:
        return self._call("to_renderable")

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __str__(self) -> str:
        return self.to_text()
