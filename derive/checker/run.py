"""Check a derivation: read the file, read every side, certify every step, diagnose the refuted ones.

A chain that opens with ``f(x) = ...`` where f is an unknown function not defined yet (``\\ell(\\lambda)
= \\sum_i ...``) defines f: that first equality is a definition, not a claim, and f is replaced by its
definition on every later line.

Reading the mathematics is behind the ``Reader`` protocol (``derive.checker.reading`` adapts the
LaTeX reader of ``derive.parse``), so the engine sees only SymPy trees and the declarations.
A side that cannot be read makes its step UNPARSED with the reason; a step is never certified on
a partial reading. Each step is certified with its own seed (its number), so the verdicts do not
depend on the other steps or on the machine.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import sympy as sp
from sympy.core.function import AppliedUndef

from derive.core.budget import Clock
from derive.core.contract import Certificate, Refuted
from derive.core.errors import DeriveError
from derive.checker.certify import certify_step
from derive.checker.derived import derive_correct
from derive.checker.diagnose import diagnose
from derive.checker.model import CheckedStep, CheckReport, Definition, Remark, Unparsed
from derive.checker.probe import Declared
from derive.parse.derivation import Derivation, Prose, Term, read_derivation

MAX_STEPS = 400
"""Steps checked in one file at most; the rest are reported as not checked (a stated limit)."""


class Reading(Protocol):
    """A side as read: its SymPy tree and the LaTeX echo of that tree."""

    @property
    def expr(self) -> sp.Basic: ...

    @property
    def latex(self) -> str: ...


class Reader(Protocol):
    """Reads the sides of one file, with that file's declarations."""

    @property
    def declared(self) -> Declared: ...

    def read(self, latex: str) -> Reading: ...


ReaderFactory = Callable[[Derivation], Reader]
"""Builds the reader of a file from its declarations (raises ParseError on a bad declaration)."""


def check_text(text: str, file: str, clock: Clock, reader_for: ReaderFactory) -> CheckReport:
    """The report on the derivation in ``text`` (``file`` names it in the report)."""
    derivation = read_derivation(text)
    reader = reader_for(derivation)
    readings: dict[str, Reading | DeriveError] = {}
    defined: dict[type, sp.Lambda] = {}

    def read(term: Term) -> Reading | DeriveError:
        if term.latex not in readings:
            try:
                readings[term.latex] = reader.read(term.latex)
            except DeriveError as exc:
                readings[term.latex] = exc
        got = readings[term.latex]
        if isinstance(got, DeriveError) or not defined:
            return got
        return _Read(_substitute(got.expr, defined), got.latex)

    steps: list[CheckedStep] = []
    definitions: list[Definition] = []
    notes: list[str] = []
    for number, chain in enumerate(derivation.chains, start=1):
        for position, (lhs, link) in enumerate(chain.steps()):
            if link.relation == ":=":
                continue
            if position == 0 and link.relation == "=" and not link.up_to_constant:
                made = _definition(read(lhs), read(link.rhs), defined)
                if made is not None:
                    defined[made[0]] = made[1]
                    definitions.append(Definition(lhs.latex, link.rhs.latex, lhs.line))
                    continue
            index = len(steps) + 1
            if index > MAX_STEPS:
                notes.append(f"only the first {MAX_STEPS} steps were checked (limit)")
                break
            steps.append(_step(index, number, lhs, link.relation, link.rhs, link.note, link.up_to_constant, read,
                               reader.declared, clock))
    remarks = tuple(Remark(i.text, i.line) for i in derivation.items if isinstance(i, Prose))
    return CheckReport(file, tuple(steps), remarks, tuple(d.text for d in derivation.declarations), tuple(notes),
                       tuple(definitions))


@dataclass(frozen=True, slots=True)
class _Read:
    expr: sp.Basic
    latex: str


def _definition(left: Reading | DeriveError, right: Reading | DeriveError,
                defined: dict[type, sp.Lambda]) -> tuple[type, sp.Lambda] | None:
    """``f(a, b) = body`` opening a chain, with f an unknown function of distinct plain symbols that is
    not defined yet and not used in ``body``: a definition of f (not a claim), used on later lines."""
    if isinstance(left, DeriveError) or isinstance(right, DeriveError):
        return None
    f = left.expr
    if not isinstance(f, AppliedUndef) or type(f) in defined:
        return None
    args = f.args
    if not args or not all(isinstance(a, sp.Symbol) for a in args) or len(set(args)) != len(args):
        return None
    body = right.expr
    if body.has(type(f)) or getattr(body, "shape", None) is not None:
        return None
    return type(f), sp.Lambda(args, body)


def _substitute(expr: sp.Basic, defined: dict[type, sp.Lambda]) -> sp.Basic:
    """``expr`` with every defined function applied to its arguments replaced by its definition."""
    return expr.replace(lambda e: isinstance(e, AppliedUndef) and type(e) in defined,
                        lambda e: defined[type(e)](*e.args))


def _step(index: int, chain: int, lhs: Term, relation: str, rhs: Term, note: str, up_to_constant: bool,
          read: Callable[[Term], Reading | DeriveError], declared: Declared, clock: Clock) -> CheckedStep:
    base = dict(index=index, chain=chain, line=rhs.line, lhs_line=lhs.line, lhs_latex=lhs.latex, rhs_latex=rhs.latex, note=note,
                up_to_constant=up_to_constant, rule="user step", relation=relation)
    if not lhs.latex:
        return CheckedStep(after=None, certificate=Unparsed("the chain starts with a relation: no left side", "left"),
                           **base)  # type: ignore[arg-type]
    left, right = read(lhs), read(rhs)
    for side, got in (("left", left), ("right", right)):
        if isinstance(got, DeriveError):
            return CheckedStep(after=None, certificate=Unparsed(got.one_line(), side),
                               read_lhs=None if isinstance(left, DeriveError) else left.latex,
                               read_rhs=None if isinstance(right, DeriveError) else right.latex,
                               **base)  # type: ignore[arg-type]
    assert not isinstance(left, DeriveError) and not isinstance(right, DeriveError)
    certificate: Certificate = certify_step(left.expr, right.expr, relation, declared, clock,
                                            up_to_constant=up_to_constant, seed=index)
    hint, expected, worked = None, None, None
    if isinstance(certificate, Refuted) and relation == "=" and not up_to_constant:
        found = diagnose(left.expr, right.expr, declared, clock, seed=index)
        if found is not None:
            hint, expected = found.hint, found.expected
        correct = derive_correct(left.expr, declared, clock)
        if correct is not None:
            expected, worked = correct.value, correct.derivation
    return CheckedStep(before=left.expr, after=right.expr, certificate=certificate, read_lhs=left.latex,
                       read_rhs=right.latex, hint=hint, expected=expected, worked=worked,
                       expected_latex=None if expected is None else sp.latex(expected),
                       **base)  # type: ignore[arg-type]
