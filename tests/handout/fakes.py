"""A stand-in for a derivation result in handout tests: the ``Renderable`` protocol and nothing else."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from derive.core.contract import Verdict


@dataclass(frozen=True)
class FakeResult:
    """Renders ``body`` as its LaTeX chain, ``result`` as its boxed result, and both as Markdown."""

    source: str = "x^2"
    body: str = r"\begin{align*} \frac{d}{dx} x^{2} &= 2 x \end{align*}"
    result: str = "2 x"
    verdict: Verdict = Verdict.CERTIFIED

    def render(self, fmt: str = "text", **settings: Any) -> str:
        if fmt == "latex":
            return {"chain": self.body, "result": self.result}.get(settings.get("part", "all"), self.body)
        return f"{self.body}\n\n{self.result}\n"


# A worked-example script whose one result claims the verdict {verdict} (CERTIFIED, REFUTED, UNDECIDED).
SCRIPT_WITH_VERDICT = '''
from derive.core.contract import Verdict
from derive.handout.builder import HandoutBuilder


class Claimed:
    source = "x^2"
    verdict = Verdict.{verdict}

    def render(self, fmt="text", **settings):
        return r"\\begin{{align*}} x^{{2}} &= x x \\end{{align*}}" if settings.get("part") != "result" else "x x"


handout = HandoutBuilder("{verdict}").worked("a claim", Claimed()).build()
'''
