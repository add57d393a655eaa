"""The one contract every command's output follows: certificates, steps, checks and results.

A certificate says how a claim was established, in one vocabulary for every capability:
proved, plausible, refuted (with its counterexample), unknown, timeout, not computed. A
``Step`` is one line of a derivation: what it claims, the rule, a one-line justification and
its certificate. A ``Check`` compares a result with something independent of the derivation
(SymPy, finite differences, a numeric solver). A model that holds steps and checks has one
``certified`` summary (``Certified``); the API results render it in any format
(``derive.render.result.Result``). Nothing here imports SymPy: the claims are whatever the
capability uses.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar


class Certificate:
    """Base of the certificate vocabulary: ``word`` and ``mark`` read the same in every output.

    ``certified`` is True only for the certificates that may be printed as true (proved,
    plausible); every other one is labelled as such wherever it appears.
    """

    __slots__ = ()
    word: ClassVar[str] = "unknown"
    mark: ClassVar[str] = "?"
    certified: ClassVar[bool] = False

    @property
    def timeout(self) -> bool:
        """True when a limit of the budget cut the check short."""
        return False

    def describe(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Proved(Certificate):
    """Equal symbolically; ``method`` says how (``expand(before - after) = 0``, ...)."""

    word: ClassVar[str] = "proved"
    mark: ClassVar[str] = "✓"
    certified: ClassVar[bool] = True

    method: str

    def describe(self) -> str:
        return f"proved: {self.method}"


@dataclass(frozen=True, slots=True)
class Plausible(Certificate):
    """Not proved symbolically, but agrees at ``probes`` random points of ``domain``."""

    word: ClassVar[str] = "plausible"
    mark: ClassVar[str] = "≈"
    certified: ClassVar[bool] = True

    probes: int
    domain: str
    max_rel_error: float
    note: str = ""

    def describe(self) -> str:
        probes = f"{self.probes} probe" + ("" if self.probes == 1 else "s")
        text = f"plausible: {probes} on {self.domain}, max rel. error {self.max_rel_error:.1e}"
        return f"{text}; {self.note}" if self.note else text


@dataclass(frozen=True, slots=True)
class Refuted(Certificate):
    """Disagrees at ``point``: ``lhs`` and ``rhs`` are both sides' values there (as text).

    ``stand_ins`` names the concrete functions that replaced undefined ones (f(t) = ...).
    """

    word: ClassVar[str] = "refuted"
    mark: ClassVar[str] = "✗"

    point: tuple[tuple[str, str], ...]
    lhs: str
    rhs: str
    stand_ins: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        where = ", ".join(f"{k} = {v}" for k, v in self.point + self.stand_ins)
        return f"refuted: at {where} the left side is {self.lhs} but the right side is {self.rhs}"


@dataclass(frozen=True, slots=True)
class Unknown(Certificate):
    """Could not decide; ``reason`` says why."""

    word: ClassVar[str] = "unknown"
    mark: ClassVar[str] = "?"

    reason: str

    def describe(self) -> str:
        return f"{self.word}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Timeout(Unknown):
    """Could not decide because a limit of the budget (time, size, work) ran out; ``reason`` names it."""

    word: ClassVar[str] = "timeout"

    @property
    def timeout(self) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class NotComputed(Certificate):
    """The claim or check was not attempted, or a limit cut it: ``reason`` says which (``time limit``)."""

    word: ClassVar[str] = "not computed"
    mark: ClassVar[str] = "–"

    reason: str

    def describe(self) -> str:
        return f"not computed ({self.reason})"


BUDGET_LIMITS = ("work limit", "time limit")
"""The reasons of a ``NotComputed`` that a limit of the budget cut (not a check that does not apply)."""

NOT_CHECKED: Certificate = NotComputed("not checked")
"""The certificate of a step the certifier has not seen yet."""

VOCABULARY: tuple[type[Certificate], ...] = (Proved, Plausible, Refuted, Unknown, Timeout, NotComputed)
"""Every certificate class, in the order the outputs explain them."""


def is_certified(certificate: Certificate | None) -> bool:
    """True for Proved and Plausible: the certificates we may print as true."""
    return certificate is not None and certificate.certified


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One line of a derivation: ``before`` = ``after`` by ``rule``, with a one-line justification.

    A statement has no ``before``: ``after`` is the claim itself (``relation`` says how it reads:
    ``=``, ``<=>`` for equations, ...). ``rules`` are the rule objects applied (one kind per step),
    kept as data for printers. Capabilities subclass it for what their lines add (a title, a
    section, the parameter a line is about); printers dispatch on the class.
    """

    before: Any = None
    after: Any
    rule: str
    justification: str = ""
    certificate: Certificate = NOT_CHECKED
    rules: tuple[Any, ...] = ()
    relation: str = "="

    @property
    def is_statement(self) -> bool:
        return self.before is None

    @property
    def lhs(self) -> Any:
        """``before`` read as the left side of an equation (the name the statistics lines use)."""
        return self.before

    @property
    def rhs(self) -> Any:
        """``after`` read as the right side of an equation."""
        return self.after


@dataclass(frozen=True, slots=True)
class Check:
    """A comparison of a result with something independent of the derivation.

    ``required`` checks count toward ``certified``; the others (SymPy's own answer, known to be
    wrong on some inputs) are reported only.
    """

    name: str
    certificate: Certificate
    detail: str = ""
    required: bool = True


class Verdict(enum.Enum):
    """The one summary of a result: every claim certified, some claim refuted, or neither (something
    could not be decided or was cut by a limit). The CLI turns it into the exit code (0, 1, 3)."""

    CERTIFIED = "certified"
    REFUTED = "refuted"
    UNDECIDED = "undecided"

    @classmethod
    def of(cls, certificates: Iterable[Certificate]) -> Verdict:
        """Refuted if any certificate is; certified if every one is; undecided otherwise."""
        cs = list(certificates)
        if any(isinstance(c, Refuted) for c in cs):
            return cls.REFUTED
        return cls.CERTIFIED if all(c.certified for c in cs) else cls.UNDECIDED

    @classmethod
    def worst(cls, verdicts: Iterable[Verdict]) -> Verdict:
        """Of several results (a handout's): refuted over undecided over certified."""
        vs = set(verdicts)
        for v in (cls.REFUTED, cls.UNDECIDED):
            if v in vs:
                return v
        return cls.CERTIFIED


class Certified:
    """The one ``certified`` summary: every step and every required check is proved or plausible.

    A model lists what it claims in ``all_steps`` and how it was held against independent
    numbers in ``all_checks``; nothing else decides whether a result may exit 0.
    """

    __slots__ = ()

    def all_steps(self) -> Iterator[Step]:
        return iter(())

    def all_checks(self) -> Iterator[Check]:
        return iter(())

    def all_certificates(self) -> Iterator[Certificate]:
        """Every certificate that counts toward ``certified``."""
        for s in self.all_steps():
            yield s.certificate
        for c in self.all_checks():
            if c.required:
                yield c.certificate

    @property
    def certified(self) -> bool:
        return all(c.certified for c in self.all_certificates())

    @property
    def verdict(self) -> Verdict:
        """Certified, refuted (some claim has a counterexample) or undecided."""
        return Verdict.of(self.all_certificates())

    @property
    def refuted(self) -> bool:
        return self.verdict is Verdict.REFUTED

    @property
    def cut_by_budget(self) -> bool:
        """True when a limit of the budget (time, work) stopped something that counts toward ``certified``."""
        return any(c.timeout or (isinstance(c, NotComputed) and c.reason in BUDGET_LIMITS)
                   for c in self.all_certificates())


def certified_all(items: Iterable[Step | Check]) -> bool:
    """True when every step and every required check in ``items`` is certified."""
    return all(i.certificate.certified for i in items if not (isinstance(i, Check) and not i.required))
