"""What ``derive check`` hands the printers: every step of the user's derivation with its verdict.

The report keeps the user's text: each step's sides as typed (layout removed), how they were read
(as LaTeX, so a misreading is visible), the file line where the right side starts, and for a
refuted step its counterexample, the usual slip that explains it and, where derive can derive it,
the right side it should have had.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from derive.core.contract import (
    Certificate, Certified, Plausible, Proved, Refuted, Step, Timeout, Verdict,
)


@dataclass(frozen=True, slots=True)
class Unparsed(Certificate):
    """The step could not be read: ``reason`` and the ``side`` (left or right). Never shown as true."""

    word: ClassVar[str] = "unparsed"
    mark: ClassVar[str] = "?"

    reason: str
    side: str = "right"

    def describe(self) -> str:
        return f"unparsed ({self.side} side): {self.reason}"


@dataclass(frozen=True, slots=True)
class Hint:
    """The usual slip that explains a refuted step: ``kind`` names it (``sign``, ``factor``,
    ``dropped_term``, ``extra_term``, ``transpose``, ``reversed_product``, ``symmetric_2Ax``, ``power``,
    ``chain_factor``, ``escaped_index``, ``root``, ``difference``) and ``parts`` say it, in order: words
    (``str``) and mathematics (SymPy objects), so each printer writes the mathematics in its own notation
    (Unicode in the terminal and JSON, LaTeX in the PDF). A diagnosis, not a certificate."""

    kind: str
    parts: tuple[Any, ...]


STATUSES = ("proved", "plausible", "refuted", "unparsed", "unknown")
"""A step's status in the JSON contract."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckedStep(Step):
    """One step ``lhs relation rhs`` of the user's derivation (``before``/``after`` are the readings).

    ``index`` counts the steps of the file from 1; ``line`` is the file line where the right side
    starts (``lhs_line`` for the left side); ``chain`` numbers the chains of the file from 1 (a
    chain's steps share their sides: each right side is the next left side); ``read_lhs``/``read_rhs`` echo the readings as LaTeX (None where unread).
    """

    index: int
    line: int
    chain: int
    lhs_line: int
    lhs_latex: str
    rhs_latex: str
    read_lhs: str | None = None
    read_rhs: str | None = None
    note: str = ""
    hint: Hint | None = None
    expected: Any = None
    expected_latex: str | None = None
    up_to_constant: bool = False
    worked: Any = None
    """derive's own certified derivation of the correct right side (a scalar ``Derivation`` or a matrix
    ``MatGradient``), if any."""

    @property
    def status(self) -> str:
        c = self.certificate
        if isinstance(c, Proved):
            return "proved"
        if isinstance(c, Plausible):
            return "plausible"
        if isinstance(c, Refuted):
            return "refuted"
        if isinstance(c, Unparsed):
            return "unparsed"
        return "unknown"

    @property
    def counterexample(self) -> dict[str, str] | None:
        c = self.certificate
        if not isinstance(c, Refuted):
            return None
        out = dict(c.point + c.stand_ins)
        out["left side"] = c.lhs
        out["right side"] = c.rhs
        return out

    @property
    def cut(self) -> bool:
        return isinstance(self.certificate, Timeout)


@dataclass(frozen=True, slots=True)
class Definition:
    """``name = body`` opening a chain: a definition (``\\ell(\\lambda) = ...``, ``\\bar x = ...``) or,
    ``kind`` condition, an equation set up to be solved (``\\frac{n}{\\lambda} - \\sum x_i = 0`` after
    "setting the score to zero"): statements, not claims to check."""

    name: str
    body: str
    line: int
    kind: str = "definition"


@dataclass(frozen=True, slots=True)
class Remark:
    """Text between the displays of the file, kept for the report (``line`` where it starts)."""

    text: str
    line: int


@dataclass(frozen=True, slots=True)
class CheckReport(Certified):
    """The verdict on a whole file: its steps in order, the prose between them, its declarations."""

    file: str
    steps: tuple[CheckedStep, ...]
    remarks: tuple[Remark, ...] = ()
    declarations: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    definitions: tuple[Definition, ...] = ()

    OUTCOMES: ClassVar[dict[Verdict, str]] = {
        Verdict.CERTIFIED: "correct", Verdict.REFUTED: "incorrect", Verdict.UNDECIDED: "unverifiable",
    }

    def all_steps(self) -> Iterator[Step]:
        return iter(self.steps)

    @property
    def first_error(self) -> CheckedStep | None:
        """The first refuted step, in the order of the file."""
        return next((s for s in self.steps if s.status == "refuted"), None)

    @property
    def outcome(self) -> str:
        """correct (every step certified), incorrect (some step refuted) or unverifiable."""
        if not self.steps:
            return "unverifiable"
        return self.OUTCOMES[self.verdict]

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for s in self.steps:
            out[s.status] += 1
        return out


@dataclass(frozen=True, slots=True)
class FileFailure:
    """A file of a folder that could not be checked at all: ``kind`` is usage, budget or failure."""

    file: str
    error: str
    kind: str = "usage"


@dataclass(frozen=True, slots=True)
class FolderReport(Certified):
    """Every .tex file of a folder (a class's submissions): each file's report, or why it failed."""

    folder: str
    files: tuple[CheckReport | FileFailure, ...]

    def all_steps(self) -> Iterator[Step]:
        for f in self.files:
            if isinstance(f, CheckReport):
                yield from f.steps

    @property
    def counts(self) -> dict[str, int]:
        """How many files are correct, incorrect, unverifiable, or failed."""
        out = {"correct": 0, "incorrect": 0, "unverifiable": 0, "failed": 0}
        for f in self.files:
            out[f.outcome if isinstance(f, CheckReport) else "failed"] += 1
        return out
