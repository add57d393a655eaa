r"""Parameter-space declarations (``--where '0 < p < 1'``, ``p1 + p2 + p3 = 1``, ``a < b``) -> domains,
constraints, relations.

Intervals and properties go through ``parse_where`` one clause at a time (its errors are moved
back into the user's text); an equality becomes an expression equal to zero; one comparison whose
sides both involve a name (``a < b``: a relation between parameters) becomes a SymPy relation. LaTeX spellings
(``0 < \theta < 1``, ``\mu \in \mathbb{R}``) are rewritten in place first.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

from derive.core.errors import ParseError, UsageError
from derive.parse.domain import VarDomain
from derive.parse import vocabulary as vocab
from derive.parse.auto import parse_expression
from derive.parse.declarations import merge_domains, parse_where
from derive.likelihood.support import normalise

_SEPARATOR = re.compile(r",|;|\band\b")
_RELATION = re.compile(r">=|<=|=>|=<|==|!=|\u2265|\u2264|>|<|=")
_HINT = "write e.g. --where '0 < p < 1', 'lam > 0', 'mu in R', 'm > 0 integer' or 'p1 + p2 + p3 = 1'"


@dataclass(frozen=True, slots=True)
class _Clause:
    """One declaration: its (normalised, stripped) text, its offset, and where its raw slice ends.

    Normalising pads ``\\theta`` to ``theta `` so stripping may cut the padding; ``raw_end``
    keeps the whole command for parsing the user's own text.
    """

    text: str
    start: int
    raw_end: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def parse_space(texts: Sequence[str]) -> tuple[tuple[VarDomain, ...], tuple[sp.Expr, ...]]:
    """The domains (one per name, first-declared order) and equality constraints (``lhs - rhs``);
    relations between parameters are read (and checked) but left out: ``read_space`` gives them."""
    domains, constraints, _ = read_space(texts)
    return domains, constraints


def read_space(texts: Sequence[str]) -> tuple[tuple[VarDomain, ...], tuple[sp.Expr, ...], tuple[sp.Basic, ...]]:
    """The domains (one per name, first-declared order), equality constraints (``lhs - rhs``) and
    relations between parameters (``a < b``, as ``StrictLessThan(a, b)``).

    Repeated declarations of a name are intersected (``p > 0`` and ``p < 1``); equalities and
    relations are read after all domains, so their symbols carry the declared assumptions. A
    comparison is a relation when ``parse_where`` refuses it, it has one operator, and both of its
    sides involve a name; otherwise ``parse_where``'s error stands.
    """
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise UsageError("parse_space expects a sequence of str", hint="pass each --where text as one string")
    decls: list[tuple[VarDomain, str, _Clause]] = []
    equalities: list[tuple[str, _Clause, re.Match[str]]] = []
    comparisons: list[tuple[str, _Clause, re.Match[str], ParseError]] = []
    for text in texts:
        if len(text) > vocab.MAX_INPUT_CHARS:
            raise ParseError(f"declarations too long: {len(text)} characters (limit {vocab.MAX_INPUT_CHARS})",
                             span=vocab.line_span(text, vocab.MAX_INPUT_CHARS), hint="declare fewer variables")
        for clause in _split(text):
            ops = list(_RELATION.finditer(clause.text))
            equal = [op for op in ops if op.group() in ("=", "==")]
            if equal:
                if len(ops) > 1:
                    where = ops[1] if ops[0] in equal else ops[0]
                    raise ParseError("an equality cannot be mixed with other comparisons",
                                     span=vocab.line_span(text, clause.start + where.start(),
                                                          clause.start + where.end()), hint=_HINT)
                equalities.append((text, clause, equal[0]))
            else:
                try:
                    decls.extend((d, text, clause) for d in _where(text, clause))
                except ParseError as exc:
                    if len(ops) != 1:
                        raise
                    comparisons.append((text, clause, ops[0], exc))
    merged = _merge(decls)
    constraints = tuple(_equality(text, clause, op, merged) for text, clause, op in equalities)
    relations = tuple(r for text, clause, op, exc in comparisons
                      if (r := _relation(text, clause, op, exc, merged)) is not sp.true)
    return tuple(merged.values()), constraints, relations


def _split(text: str) -> list[_Clause]:
    """Clauses of one text, split on ``,``, ``;`` and ``and`` outside brackets; empty ones refused."""
    plain = normalise(text, greek=True)
    out: list[_Clause] = []
    depth, start, i = 0, 0, 0
    while i <= len(plain):
        m = _SEPARATOR.match(plain, i) if i < len(plain) and depth == 0 else None
        if i == len(plain) or m is not None:
            raw = plain[start:i]
            lead = len(raw) - len(raw.lstrip())
            clause = _Clause(raw.strip(), start + lead, i)
            if not clause.text and (m is not None or out):
                raise ParseError("empty declaration", span=vocab.line_span(text, max(0, min(i, len(text) - 1))),
                                 hint="remove the extra separator or add a declaration")
            if clause.text:
                out.append(clause)
            if m is None:
                break
            start = i = m.end()
            continue
        ch = plain[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        i += 1
    return out


def _where(text: str, clause: _Clause) -> tuple[VarDomain, ...]:
    """``parse_where`` on one clause, its error span moved back into ``text``."""
    try:
        return parse_where(clause.text)
    except ParseError as exc:
        span = exc.span
        lo = clause.start + (span.start if span is not None else 0)
        hi = clause.start + (span.end if span is not None else len(clause.text))
        raise ParseError(exc.message, span=vocab.line_span(text, lo, hi), hint=exc.hint) from None


def _merge(decls: list[tuple[VarDomain, str, _Clause]]) -> dict[str, VarDomain]:
    """Intersect repeated names in order; a contradiction points at the later declaration."""
    merged: dict[str, VarDomain] = {}
    for d, text, clause in decls:
        try:
            merged[d.name] = merge_domains([merged[d.name], d])[d.name] if d.name in merged else d
        except ParseError as exc:
            raise ParseError(exc.message, span=vocab.line_span(text, clause.start, clause.end),
                             hint=exc.hint) from None
    return merged


_OPS = {"<": "<", "<=": "<=", "=<": "<=", "\u2264": "<=", ">": ">", ">=": ">=", "=>": ">=", "\u2265": ">="}


def _relation(text: str, clause: _Clause, op: re.Match[str], refused: ParseError,
              domains: dict[str, VarDomain]) -> sp.Basic:
    """``a < b`` between names -> ``StrictLessThan(a, b)``; ``refused`` (parse_where's error) if a side is a number
    or does not parse; ``true`` if the declared domains already imply it; an error if they contradict it."""
    sides: list[sp.Expr] = []
    for source in (clause.text[:op.start()].strip(), clause.text[op.end():].strip()):  # normalised: \beta as beta
        try:
            value = parse_expression(source, domains) if source else None
        except ParseError:
            value = None
        if value is None or not value.free_symbols:
            raise refused
        sides.append(value)
    rel = sp.Rel(sides[0], sides[1], _OPS[op.group()])
    if rel is sp.false:
        raise ParseError(f"the relation {clause.text!r} contradicts the declared domains",
                         span=vocab.line_span(text, clause.start, clause.end), hint=_HINT)
    return rel


def _equality(text: str, clause: _Clause, op: re.Match[str], domains: dict[str, VarDomain]) -> sp.Expr:
    """``lhs = rhs`` -> ``lhs - rhs``, both sides parsed with the declared domains."""
    sides = [(clause.start, clause.start + op.start()), (clause.start + op.end(), clause.raw_end)]
    values: list[sp.Expr] = []
    for lo, hi in sides:
        raw = text[lo:hi]
        lead = len(raw) - len(raw.lstrip())
        source = raw.strip()
        if not source:
            raise ParseError(f"missing side of {op.group()!r}", span=vocab.line_span(text, lo, hi + 1), hint=_HINT)
        try:
            values.append(parse_expression(source, domains))
        except ParseError as exc:
            span = exc.span
            start = lo + lead + (span.start if span is not None else 0)
            end = lo + lead + (span.end if span is not None else len(source))
            raise ParseError(f"bad constraint {source!r}: {exc.message}", span=vocab.line_span(text, start, end),
                             hint=exc.hint) from None
    constraint = sp.expand(values[0] - values[1])
    if not constraint.free_symbols:
        raise ParseError(f"the equality {clause.text!r} involves no parameter",
                         span=vocab.line_span(text, clause.start, clause.end),
                         hint="an equality constrains parameters, e.g. p1 + p2 + p3 = 1")
    return constraint
