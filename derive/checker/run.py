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

import re

import sympy as sp
from sympy.core.function import AppliedUndef

from derive.core.budget import Clock
from derive.core.contract import Certificate, Refuted
from derive.core.errors import DeriveError
from derive.checker.certify import certify_step
from derive.checker.derived import derive_correct
from derive.checker.diagnose import diagnose, diagnose_equations
from derive.checker.model import CheckedStep, CheckReport, Definition, Hint, Remark, Unparsed
from derive.checker.probe import Declared
from derive.parse.derivation import Derivation, Link, Prose, Term, read_derivation

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
    defined_symbols: dict[sp.Symbol, sp.Basic] = {}
    defined_calls: dict[sp.Basic, sp.Basic] = {}  # p(x | mu, sigma^2) named at exactly those arguments

    def read(term: Term) -> Reading | DeriveError:
        if term.latex not in readings:
            try:
                readings[term.latex] = reader.read(term.latex)
            except DeriveError as exc:
                readings[term.latex] = exc
        got = readings[term.latex]
        if isinstance(got, DeriveError) or not (defined or defined_symbols or defined_calls):
            return got
        return _Read(_substitute(got.expr.xreplace(defined_calls), defined).xreplace(defined_symbols), got.latex)

    steps: list[CheckedStep] = []
    definitions: list[Definition] = []
    notes: list[str] = []
    seen: set[str] = set()
    condition: tuple[sp.Basic, int] | None = None  # the last "set to zero" equation and its line
    prose = ""
    number = 0
    last_result: Term | None = None  # the last right side of the chain before (what is set to zero)
    for item in derivation.items:
        if isinstance(item, Prose):
            prose = item.text
            for lhs_latex, rhs_latex in _inline_definitions(item.text):
                # "The binary entropy $H(p) = -p \ln p - ...$ has": an inline definition of H
                made = _definition(read(Term(lhs_latex, item.line, 1)), read(Term(rhs_latex, item.line, 1)), defined)
                if made is not None and isinstance(made[1], sp.Lambda) \
                        and made[1].expr.free_symbols & set(made[1].variables):
                    _define(made, defined, defined_calls)
                    definitions.append(Definition(lhs_latex, rhs_latex, item.line))
            continue
        chain, number = item, number + 1
        links = list(chain.steps())
        if len(links) == 1 and links[0][1].relation == "=" and not links[0][1].up_to_constant:
            lhs, link = links[0]
            left, right = read(lhs), read(link.rhs)
            if not isinstance(left, DeriveError) and not isinstance(right, DeriveError):
                if _is_condition(left.expr, right.expr, prose, reader.declared, clock):
                    condition = (left.expr, link.rhs.line)
                    definitions.append(Definition(lhs.latex, link.rhs.latex, lhs.line, "condition"))
                    seen |= _names(left.expr)
                    prose = ""
                    continue
                new = _new_symbol(left.expr, seen, reader.declared)
                unknown = None if new is None or condition is None else _solves(new, condition[0])
                if unknown is not None and condition is not None:
                    steps.append(_solution_step(len(steps) + 1, number, lhs, link, condition, unknown, right.expr,
                                                read, reader.declared, clock))
                    seen |= _names(left.expr) | _names(right.expr)
                    prose = ""
                    continue
                if new is not None:
                    defined_symbols[new] = right.expr
                    definitions.append(Definition(lhs.latex, link.rhs.latex, lhs.line))
                    seen |= {new.name} | _names(right.expr)
                    prose = ""
                    continue
                if last_result is not None and SETTING.search(prose) and right.expr != 0 \
                        and not any(e.has(sp.Derivative, sp.Subs) for e in (left.expr, right.expr)):
                    # "setting the gradient to zero we obtain  X^T X b = X^T y": the equation follows
                    # from the last result = 0; it is checked as that implication, not as an identity
                    cond = Term(f"{last_result.latex} = 0", last_result.line, last_result.column)
                    eq = Term(f"{lhs.latex} = {link.rhs.latex}", link.rhs.line, link.rhs.column)
                    steps.append(_step(len(steps) + 1, number, cond, "implies", eq, link.note, False, read,
                                       reader.declared, clock))
                    last_result = None
                    prose = ""
                    continue
        prose = ""
        last_result = links[-1][1].rhs if links and not links[-1][1].logical else None
        for position, (lhs, link) in enumerate(links):
            if link.relation == ":=":
                continue
            if position == 0 and link.relation == "=" and _ARGOPT.search(link.rhs.latex) and _is_name(read(lhs)):
                # \hat\theta = \operatorname*{arg\,max}_\theta \ell(\theta): the optimum is defined, not derived
                definitions.append(Definition(lhs.latex, link.rhs.latex, lhs.line))
                continue
            if position == 0 and link.relation == "=":
                # (\log p(\mu \mid x) = ... + \text{const} names the log-posterior up to a constant)
                made = _definition(read(lhs), read(link.rhs), defined)
                if made is not None:
                    _define(made, defined, defined_calls)
                    definitions.append(Definition(lhs.latex, link.rhs.latex, lhs.line))
                    continue
            index = len(steps) + 1
            if index > MAX_STEPS:
                notes.append(f"only the first {MAX_STEPS} steps were checked (limit)")
                break
            steps.append(_step(index, number, lhs, link.relation, link.rhs, link.note, link.up_to_constant, read,
                               reader.declared, clock))
            for term in (lhs, link.rhs):
                got = read(term)
                if not isinstance(got, DeriveError):
                    seen |= _names(got.expr)
    remarks = tuple(Remark(i.text, i.line) for i in derivation.items if isinstance(i, Prose))
    return CheckReport(file, tuple(steps), remarks, tuple(d.text for d in derivation.declarations), tuple(notes),
                       tuple(definitions))


@dataclass(frozen=True, slots=True)
class _Read:
    expr: sp.Basic
    latex: str


def _definition(left: Reading | DeriveError, right: Reading | DeriveError,
                defined: dict[type, sp.Lambda]) -> tuple[type, sp.Lambda] | tuple[sp.Basic, sp.Basic] | None:
    """``f(a, b) = body`` opening a chain, with f an unknown function of distinct plain symbols that is
    not defined yet and not used in ``body``: a definition of f (not a claim), used on later lines."""
    if isinstance(left, DeriveError) or isinstance(right, DeriveError):
        return None
    f = left.expr
    body = right.expr
    coeff, rest = f.as_coeff_Mul() if isinstance(f, sp.Mul) else (sp.Integer(1), f)
    if coeff != 0 and (isinstance(rest, AppliedUndef) or (isinstance(rest, sp.log) and isinstance(rest.args[0], AppliedUndef))):
        f, body = rest, body / coeff
    if isinstance(f, sp.log) and isinstance(f.args[0], AppliedUndef):
        # \log L(\beta \mid x) = ... names the log-likelihood: L is the exponential of the right side
        # (-\log \operatorname{softmax}(z)_1 = ... names the component the same way)
        f, body = f.args[0], sp.exp(body)
    if not isinstance(f, AppliedUndef) or type(f) in defined:
        return None
    args = f.args
    if not args:
        return None
    if not all(isinstance(a, sp.Symbol) for a in args) or len(set(args)) != len(args):
        # p(x \mid \mu, \sigma^2) = ...: a name for the right side at exactly these arguments
        if body.has(type(f)) or getattr(body, "shape", None) is not None:
            return None
        return f, body
    if body.has(type(f)) or getattr(body, "shape", None) is not None:
        return None
    return type(f), sp.Lambda(args, body)


_ARGOPT = re.compile(r"\\arg\s*\\?(?:max|min)|arg\s*(?:\\[,;:! ]\s*)?(?:max|min)|\\(?:argmax|argmin)(?![A-Za-z])")
"""An optimum (``\\arg\\max``, ``\\operatorname*{arg\\,max}``, ``\\argmin`` of a preamble): a statement that
defines the name on its left, not an algebraic claim."""


def _is_name(got: Reading | DeriveError) -> bool:
    return not isinstance(got, DeriveError) and isinstance(got.expr, (sp.Symbol, sp.MatrixSymbol))


_INLINE = re.compile(r"\$([^$]+)\$|\\\((.+?)\\\)")


def _inline_definitions(text: str) -> list[tuple[str, str]]:
    """The ``lhs = rhs`` inline formulas of a prose paragraph with one top-level ``=`` (candidates for
    ``F(x) = body`` definitions)."""
    out = []
    for match in _INLINE.finditer(text):
        formula = match.group(1) or match.group(2) or ""
        depth = 0
        cuts = []
        for k, c in enumerate(formula):
            if c in "{([":
                depth += 1
            elif c in "})]":
                depth -= 1
            elif c == "=" and depth == 0:
                cuts.append(k)
        if len(cuts) == 1:
            lhs, rhs = formula[:cuts[0]].strip(), formula[cuts[0] + 1:].strip().rstrip(".,;")
            if lhs and rhs:
                out.append((lhs, rhs))
    return out


SETTING = re.compile(r"\b(set|setting|equat|solv|zero|first[- ]order|stationar|condition|critical)", re.I)
"""Words of the prose before an equation that say it is a condition to solve, not an identity."""

_DECORATIONS = ("_hat", "_star", "_tilde", "_bar", "_check", "_opt", "_mle", "_ML", "_MLE")


def _names(expr: sp.Basic) -> set[str]:
    return {s.name for s in expr.free_symbols if isinstance(s, sp.Symbol)}


def _is_condition(left: sp.Basic, right: sp.Basic, prose: str, declared: Declared, clock: Clock) -> bool:
    """``E = 0`` after prose that sets or solves (``Setting the score to zero,``) and not an identity."""
    if right != 0 or getattr(left, "shape", None) is not None or not SETTING.search(prose):
        return False
    return not certify_step(left, right, "=", declared, clock).certified


def _new_symbol(left: sp.Basic, seen: set[str], declared: Declared) -> sp.Symbol | None:
    """A plain name met for the first time (``\\hat\\lambda``, ``\\bar x``): what a one-step chain defines."""
    if isinstance(left, sp.Symbol) and left.name not in seen and left.name not in declared.domains:
        return left
    return None


def _solves(new: sp.Symbol, condition: sp.Basic) -> sp.Symbol | None:
    """The unknown of ``condition`` that ``new`` names an estimate of (``lambda_hat`` for ``lambda``)."""
    for suffix in _DECORATIONS:
        if new.name.endswith(suffix):
            base = new.name[: -len(suffix)]
            for s in condition.free_symbols:
                if isinstance(s, sp.Symbol) and s.name == base:
                    return s
    return None


def _solution_step(index: int, chain: int, lhs: Term, link: Link, condition: tuple[sp.Basic, int],
                   unknown: sp.Symbol, value: sp.Basic, read: Callable[[Term], Reading | DeriveError],
                   declared: Declared, clock: Clock) -> CheckedStep:
    """``\\hat\\lambda = v`` after the condition ``E(\\lambda) = 0``: certified when E(v) = 0."""
    equation, line = condition
    certificate = certify_step(equation.xreplace({unknown: value}), sp.Integer(0), "=", declared, clock, seed=index)
    left, right = read(lhs), read(link.rhs)
    hint = None if certificate.certified else Hint("root", (f"it does not solve the condition of line {line}",))
    return CheckedStep(before=None if isinstance(left, DeriveError) else left.expr, after=value,
                       certificate=certificate, index=index, chain=chain, line=link.rhs.line, lhs_line=lhs.line,
                       lhs_latex=lhs.latex, rhs_latex=link.rhs.latex, rule="solves the condition",
                       relation="=", read_lhs=None if isinstance(left, DeriveError) else left.latex,
                       read_rhs=None if isinstance(right, DeriveError) else right.latex,
                       note=f"solves the condition of line {line}", hint=hint)


def _define(made: tuple[type, sp.Lambda] | tuple[sp.Basic, sp.Basic], defined: dict[type, sp.Lambda],
            calls: dict[sp.Basic, sp.Basic]) -> None:
    key, value = made
    if isinstance(key, type) and isinstance(value, sp.Lambda):
        defined[key] = value
    else:
        assert isinstance(key, sp.Basic)
        calls[key] = value


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
    elif isinstance(certificate, Refuted) and relation in ("iff", "implies"):
        found = diagnose_equations(left.expr, right.expr, relation, declared, clock, seed=index)
        if found is not None:
            hint, expected = found.hint, found.expected
    return CheckedStep(before=left.expr, after=right.expr, certificate=certificate, read_lhs=left.latex,
                       read_rhs=right.latex, hint=hint, expected=expected, worked=worked,
                       expected_latex=None if expected is None else sp.latex(expected),
                       **base)  # type: ignore[arg-type]
