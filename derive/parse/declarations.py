"""Domain declarations (``x > 0, 0 < p < 1, n integer``) -> VarDomain.

Bounds are read with the plain-text parser and must be real numbers, so
``pi/2`` works and nothing is evaluated.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from derive.core.errors import ParseError, UsageError
from derive.parse.domain import VarDomain
from derive.parse import vocabulary as vocab
from derive.parse.text import parse_text

_NAME = r"[A-Za-z][A-Za-z0-9_]*"
_NAME_RE = re.compile(_NAME)
_SEPARATOR = re.compile(r",|;|\band\b")
_OPERATOR = re.compile(r">=|<=|=>|=<|==|!=|\u2265|\u2264|>|<|=")
_MEMBERSHIP = re.compile(rf"\s*(?P<name>{_NAME})\s*(?:\bin\b|\u2208)\s*(?P<set>.*?)\s*$", re.DOTALL)
_PROPERTY = re.compile(rf"\s*(?P<name>{_NAME})\s+(?:is\s+)?(?:an?\s+)?(?P<prop>[A-Za-z]+)\s*$")
_INTERVAL = re.compile(r"(?P<open>[(\[])(?P<lo>[^,]*),(?P<hi>[^,]*)(?P<close>[)\]])\s*$", re.DOTALL)

_REALS = frozenset({"R", "reals", "real", "\u211d"})
_INTEGERS = frozenset({"Z", "integers", "integer", "\u2124"})
_INFINITE = frozenset({"inf", "+inf", "oo", "+oo", "infinity", "+infinity", "\u221e", "+\u221e"})
_INTEGER_SUFFIX = re.compile(r"\s+(?:is\s+)?(?:an?\s+)?(?:integer|int)\s*$")
_OP_TEXT = {"\u2265": ">=", "\u2264": "<=", "=>": ">=", "=<": "<="}

_USAGE = "write e.g. x > 0, 0 < p < 1, 0 <= q <= 1, n integer, x in R, x in (0, 1)"


@dataclass(frozen=True, slots=True)
class Piece:
    """A slice of a declaration (or support) text with its offset into the user's text, for spans."""

    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    def stripped(self) -> Piece:
        lead = len(self.text) - len(self.text.lstrip())
        return Piece(self.text.strip(), self.start + lead)


def parse_where(text: str) -> tuple[VarDomain, ...]:
    """Parse a where-clause into one VarDomain per declaration, in order.

    Declarations of one name are not merged here; ``merge_domains`` does that.
    """
    if not isinstance(text, str):
        raise UsageError(f"parse_where expects a str, got {type(text).__name__}",
                         hint="pass the declarations as text")
    if len(text) > vocab.MAX_INPUT_CHARS:
        raise ParseError(f"declarations too long: {len(text)} characters (limit {vocab.MAX_INPUT_CHARS})",
                         span=vocab.line_span(text, vocab.MAX_INPUT_CHARS), hint="declare fewer variables")
    return tuple(_clause(text, piece) for piece in _split(text) if piece.text)


def merge_domains(decls: Iterable[VarDomain]) -> dict[str, VarDomain]:
    """Combine declarations by name, intersecting the intervals of repeated names.

    ``x > 0, x < 1`` gives ``0 < x < 1``; ``x > 1, x < 0`` is a ParseError.
    """
    merged: dict[str, VarDomain] = {}
    for d in decls:
        merged[d.name] = d if d.name not in merged else _intersect(merged[d.name], d)
    return merged


def _split(text: str) -> list[Piece]:
    """Split on commas, semicolons and ``and`` outside brackets (``x in (0, 1)`` keeps its comma)."""
    pieces: list[Piece] = []
    depth, start, i = 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0:
            m = _SEPARATOR.match(text, i)
            if m is not None:
                piece = Piece(text[start:i], start).stripped()
                if not piece.text:
                    raise ParseError(f"empty declaration before {m.group()!r}",
                                     span=vocab.line_span(text, i, m.end()), hint=_USAGE)
                pieces.append(piece)
                start = i = m.end()
                continue
        i += 1
    last = Piece(text[start:], start).stripped()
    if pieces and not last.text:
        raise ParseError("declarations end with a separator", span=vocab.line_span(text, len(text) - 1),
                         hint="remove the trailing separator or add a declaration")
    pieces.append(last)
    return pieces


def _clause(text: str, piece: Piece) -> VarDomain:
    """One declaration: membership, property, or a comparison chain (``0 < n < 9 integer``)."""
    if _OPERATOR.search(piece.text):
        kind = _INTEGER_SUFFIX.search(piece.text)
        if kind is None:
            return _comparison(text, piece)
        dom = _comparison(text, Piece(piece.text[:kind.start()], piece.start))
        return _nonempty(text, piece, replace(dom, integer=True))
    m = _MEMBERSHIP.fullmatch(piece.text)
    if m is not None:
        return _membership(text, piece, m)
    m = _PROPERTY.fullmatch(piece.text)
    if m is not None:
        return _property(text, piece, m)
    raise ParseError(f"cannot read declaration {piece.text!r}",
                     span=vocab.line_span(text, piece.start, piece.end), hint=_USAGE)


def _variable(text: str, piece: Piece) -> str:
    """A declared name: an identifier that is not a constant or a function."""
    p = piece.stripped()
    if not _NAME_RE.fullmatch(p.text):
        raise ParseError(f"expected a variable name, found {p.text!r}",
                         span=vocab.line_span(text, p.start, p.end), hint=_USAGE)
    if p.text in vocab.CONSTANTS:
        raise ParseError(f"{p.text!r} is a constant, not a variable",
                         span=vocab.line_span(text, p.start, p.end), hint="declare the domain of a variable")
    if p.text in vocab.FUNCTIONS and p.text not in vocab.CALLABLE_VARIABLES:
        raise ParseError(f"{p.text!r} is a function name, not a variable",
                         span=vocab.line_span(text, p.start, p.end), hint="choose another variable name")
    return p.text


def _bound(text: str, piece: Piece, *, side: str) -> float | None:
    """A numeric bound such as ``0``, ``-1.5`` or ``pi/2``; infinity means unbounded."""
    p = piece.stripped()
    if not p.text:
        raise ParseError("missing bound", span=vocab.line_span(text, piece.start, piece.end + 1), hint=_USAGE)
    compact = p.text.replace(" ", "")
    if compact in _INFINITE and side == "upper" or compact.lstrip("-") in _INFINITE and compact.startswith("-") \
            and side == "lower":
        return None
    try:
        value = parse_text(p.text)
    except ParseError as exc:
        raise ParseError(f"bad bound {p.text!r}: {exc.message}",
                         span=vocab.line_span(text, p.start, p.end), hint=exc.hint) from None
    if value.free_symbols or not value.is_real or not value.is_finite:
        raise ParseError(f"bound {p.text!r} is not a real number",
                         span=vocab.line_span(text, p.start, p.end),
                         hint="bounds are numbers such as 0, 1.5 or pi/2")
    number = float(value)
    if not math.isfinite(number):
        raise ParseError(f"bound {p.text!r} is too large", span=vocab.line_span(text, p.start, p.end),
                         hint="use a smaller bound, or leave that side unbounded")
    return number


def _membership(text: str, piece: Piece, m: re.Match[str]) -> VarDomain:
    name = _variable(text, Piece(m.group("name"), piece.start + m.start("name")))
    where = piece.start + m.start("set")
    target = m.group("set")
    if target in _REALS:
        return VarDomain(name)
    if target in _INTEGERS:
        return VarDomain(name, integer=True)
    iv = _INTERVAL.fullmatch(target)
    if iv is None:
        raise ParseError(f"unknown set {target!r}", span=vocab.line_span(text, where, where + max(1, len(target))),
                         hint="use R, Z, or an interval such as (0, 1), [0, 1] or (0, 1]")
    lo = _bound(text, Piece(iv.group("lo"), where + iv.start("lo")), side="lower")
    hi = _bound(text, Piece(iv.group("hi"), where + iv.start("hi")), side="upper")
    dom = VarDomain(name, lo, hi, iv.group("open") == "(", iv.group("close") == ")")
    return _nonempty(text, piece, dom)


def _property(text: str, piece: Piece, m: re.Match[str]) -> VarDomain:
    name = _variable(text, Piece(m.group("name"), piece.start + m.start("name")))
    prop = m.group("prop")
    table = {
        "integer": VarDomain(name, integer=True), "int": VarDomain(name, integer=True),
        "real": VarDomain(name),
        "positive": VarDomain(name, lower=0.0), "negative": VarDomain(name, upper=0.0),
        "nonnegative": VarDomain(name, lower=0.0, lower_strict=False),
        "nonpositive": VarDomain(name, upper=0.0, upper_strict=False),
    }
    if prop not in table:
        where = piece.start + m.start("prop")
        raise ParseError(f"unknown property {prop!r}", span=vocab.line_span(text, where, where + len(prop)),
                         hint="use integer, real, positive, negative, nonnegative or nonpositive")
    return table[prop]


def _comparison(text: str, piece: Piece) -> VarDomain:
    """``x > a``, ``a < x``, ``a < x < b`` (or with > both times), strict or not."""
    ops = list(_OPERATOR.finditer(piece.text))
    for op in ops:
        if op.group() in ("=", "==", "!="):
            where = piece.start + op.start()
            raise ParseError(f"{op.group()!r} does not declare a domain",
                             span=vocab.line_span(text, where, where + len(op.group())),
                             hint="use < <= > >=, or substitute the value into the expression instead")
    if len(ops) > 2:
        where = piece.start + ops[2].start()
        raise ParseError("too many comparisons in one declaration",
                         span=vocab.line_span(text, where, where + len(ops[2].group())),
                         hint="write at most a < x < b; separate declarations with ','")
    cuts = [0, *[x for op in ops for x in (op.start(), op.end())], len(piece.text)]
    parts = [Piece(piece.text[cuts[i]:cuts[i + 1]], piece.start + cuts[i]) for i in range(0, len(cuts), 2)]
    symbols = [_OP_TEXT.get(op.group(), op.group()) for op in ops]
    if len(symbols) == 2 and symbols[0][0] != symbols[1][0]:
        where = piece.start + ops[1].start()
        raise ParseError("comparisons point in different directions",
                         span=vocab.line_span(text, where, where + len(ops[1].group())),
                         hint="write a < x < b or b > x > a")
    names = [i for i, p in enumerate(parts) if _NAME_RE.fullmatch(p.text.strip())
             and p.text.strip() not in vocab.CONSTANTS and p.text.strip() not in _INFINITE]
    var_index = 1 if len(parts) == 3 else (names[0] if len(names) == 1 else 0 if names else -1)
    if var_index == -1 or (len(parts) == 3 and 1 not in names):
        p = parts[var_index if var_index >= 0 else 0].stripped()
        raise ParseError(f"expected a variable name, found {p.text!r}",
                         span=vocab.line_span(text, p.start, max(p.end, p.start + 1)),
                         hint="separate declarations with ',' or 'and'; " + _USAGE)
    name = _variable(text, parts[var_index])
    dom = VarDomain(name)
    for i, sym in enumerate(symbols):
        # Read "left sym right" with the variable on one side.
        var_left = i == var_index
        other = parts[i + 1] if var_left else parts[i]
        greater = sym[0] == ">"
        is_lower = greater == var_left
        value = _bound(text, other, side="lower" if is_lower else "upper")
        strict = len(sym) == 1
        dom = replace(dom, lower=value, lower_strict=strict) if is_lower \
            else replace(dom, upper=value, upper_strict=strict)
    return _nonempty(text, piece, dom)


def _nonempty(text: str, piece: Piece, dom: VarDomain) -> VarDomain:
    if _is_empty(dom):
        raise ParseError(f"declaration {piece.text!r} leaves no values", span=vocab.line_span(text, piece.start, piece.end),
                         hint="no number satisfies it; check the bounds (and 'integer')")
    return dom


def _is_empty(d: VarDomain) -> bool:
    lo, hi = d.lower, d.upper
    if lo is not None and hi is not None and (lo > hi or (lo == hi and (d.lower_strict or d.upper_strict))):
        return True
    if d.integer and lo is not None and hi is not None:
        first = math.floor(lo) + 1 if (d.lower_strict and float(lo).is_integer()) else math.ceil(lo)
        last = math.ceil(hi) - 1 if (d.upper_strict and float(hi).is_integer()) else math.floor(hi)
        return first > last
    return False


def _intersect(a: VarDomain, b: VarDomain) -> VarDomain:
    """The values both declarations allow; a ParseError if there are none."""
    lower, lower_strict = a.lower, a.lower_strict
    if b.lower is not None and (lower is None or b.lower > lower or (b.lower == lower and b.lower_strict)):
        lower, lower_strict = b.lower, b.lower_strict
    upper, upper_strict = a.upper, a.upper_strict
    if b.upper is not None and (upper is None or b.upper < upper or (b.upper == upper and b.upper_strict)):
        upper, upper_strict = b.upper, b.upper_strict
    out = VarDomain(a.name, lower, upper, lower_strict, upper_strict, a.integer or b.integer)
    if _is_empty(out):
        raise ParseError(f"declarations of {a.name!r} contradict: {a.describe()} and {b.describe()}",
                         hint=f"remove one of the declarations of {a.name}")
    return out
