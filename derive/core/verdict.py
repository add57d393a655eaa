"""Verdicts on a claimed equality: Proved, Plausible, Refuted or Unknown, never a bare bool.

They live in the model (not in certify) because steps carry them as data.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Proved:
    """Equal symbolically; ``method`` says how (e.g. ``simplify(before - after) = 0``)."""

    method: str

    @property
    def word(self) -> str:
        return "proved"

    def describe(self) -> str:
        return f"proved: {self.method}"


@dataclass(frozen=True, slots=True)
class Plausible:
    """Not proved symbolically, but agrees at ``probes`` random points of ``domain``."""

    probes: int
    domain: str
    max_rel_error: float
    note: str = ""

    @property
    def word(self) -> str:
        return "plausible"

    def describe(self) -> str:
        probes = f"{self.probes} probe" + ("" if self.probes == 1 else "s")
        text = f"plausible: {probes} on {self.domain}, max rel. error {self.max_rel_error:.1e}"
        return f"{text}; {self.note}" if self.note else text


@dataclass(frozen=True, slots=True)
class Refuted:
    """Disagrees at ``point``: ``lhs`` and ``rhs`` are both sides' values there (as text).

    ``stand_ins`` names the concrete functions that replaced undefined ones (f(t) = ...).
    """

    point: tuple[tuple[str, str], ...]
    lhs: str
    rhs: str
    stand_ins: tuple[tuple[str, str], ...] = ()

    @property
    def word(self) -> str:
        return "refuted"

    def describe(self) -> str:
        where = ", ".join(f"{k} = {v}" for k, v in self.point + self.stand_ins)
        return f"refuted: at {where} the left side is {self.lhs} but the right side is {self.rhs}"


@dataclass(frozen=True, slots=True)
class Unknown:
    """Could not decide; ``reason`` says why, ``timeout`` whether the budget ran out."""

    reason: str
    timeout: bool = False

    @property
    def word(self) -> str:
        return "timeout" if self.timeout else "unknown"

    def describe(self) -> str:
        return f"{self.word}: {self.reason}"


Verdict = Proved | Plausible | Refuted | Unknown


def is_certified(verdict: Verdict | None) -> bool:
    """True for Proved and Plausible: the verdicts we may print as true."""
    return isinstance(verdict, (Proved, Plausible))
