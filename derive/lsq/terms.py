"""The regressors of a fit to data, ``--x 'poly(x, 3), x1*x2'``: the term grammar, and the design matrix it makes.

A term is a column, a power (``x^2``), a product (``x1*x2``, ``x^2*z``) or ``poly(x, k)`` for
x, x^2, ..., x^k; a column name is a word or any text in backquotes. The text goes through
``terms.lark`` (LALR, strict) and an allow-list transformer: nothing is evaluated. The design is
built twice over, as the fit needs it: exactly, from the cells as written (``Fraction`` of each
decimal), and in double precision with every column scaled by a power of two (so values near
1e300 and their squares neither overflow nor lose bits to the scaling).
"""
from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from importlib import resources
from typing import TYPE_CHECKING

from derive.core.errors import ParseError, Span

if TYPE_CHECKING:
    import numpy as np
    from lark import Lark, Token, Tree

MAX_DEGREE = 20
"""Highest power of a term (x^20, poly(x, 20), x^10*z^10): higher ones are numerically meaningless."""

MAX_TERMS = 200
"""Most terms one --x may make."""

MAX_TEXT = 2000
"""Longest --x text, in characters."""

HINT = "write columns, powers, products or polynomials separated by commas, e.g. --x 'poly(x, 3), z, x*z'"


@dataclass(frozen=True, slots=True)
class Term:
    """One column of the design: a product of data columns, each raised to a positive power.

    ``factors`` are (column, power) in the order first written, a column at most once
    (``x*x`` is ``x^2``); ``source`` is the text it came from (``poly(x, 3)`` for each of x, x^2, x^3).
    """

    factors: tuple[tuple[str, int], ...]
    source: str

    @property
    def label(self) -> str:
        """``x``, ``x^2``, ``x1*x2``: how the coefficient is named in the output."""
        return "*".join(_name(c) + (f"^{k}" if k > 1 else "") for c, k in self.factors)

    @property
    def key(self) -> frozenset[tuple[str, int]]:
        """The term up to the order of its factors: x1*x2 and x2*x1 are one term."""
        return frozenset(self.factors)

    @property
    def degree(self) -> int:
        return sum(k for _, k in self.factors)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.factors)


def _name(column: str) -> str:
    """A column as it can be written again: a word stays, anything else goes in backquotes."""
    import re

    return column if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", column) and column != "poly" else f"`{column}`"


@functools.cache
def _parser() -> Lark:
    from lark import Lark

    grammar = resources.files("derive.lsq").joinpath("terms.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", strict=True, propagate_positions=True, maybe_placeholders=False)


def parse_terms(text: str, option: str = "--x") -> tuple[Term, ...]:
    """The terms of ``text`` (a comma-separated list), checked: degrees 1..MAX_DEGREE, no term twice.

    A failure is a ParseError naming ``option``, the place (a caret under it) and what to write.
    """
    from lark.exceptions import UnexpectedInput

    if not isinstance(text, str) or not text.strip():
        raise ParseError(f"{option} is empty", hint=HINT)
    if len(text) > MAX_TEXT:
        raise ParseError(f"{option} is {len(text)} characters long (limit {MAX_TEXT})", hint="fewer terms")
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc, option) from None
    terms: list[Term] = []
    for node in tree.children:
        assert not isinstance(node, str)  # the start rule holds terms, never a bare token
        terms.extend(_terms(text, node, option))
    seen: dict[frozenset[tuple[str, int]], Term] = {}
    for t in terms:
        if t.key in seen:
            first = seen[t.key]
            where = f" of '{first.source}'" if first.source != first.label else ""
            raise ParseError(f"{option}: '{t.source}' repeats the term '{first.label}'{where}",
                             hint="each column of the design once: a repeated term makes X rank-deficient")
        seen[t.key] = t
    if len(terms) > MAX_TERMS:
        raise ParseError(f"{option} makes {len(terms)} terms (limit {MAX_TERMS})", hint="fewer terms")
    return tuple(terms)


def _syntax_error(text: str, exc: Exception, option: str) -> ParseError:
    """A Lark failure as one line: what was found, what a term looks like there, a caret under it."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    hint = HINT + "; a column name with other characters goes in backquotes, e.g. `height (cm)`"
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        end = len(text.rstrip())
        return ParseError(f"{option} ends too early, after {text.strip()[-12:]!r}", span=_span(text, end), hint=hint)
    if isinstance(exc, UnexpectedToken):
        tok = exc.token
        pos = tok.start_pos if tok.start_pos is not None else 0
        expected = set(exc.expected)
        if "_COMMA" in expected and tok.type == "_RPAR":
            return ParseError(f"{option}: poly needs its degree, as in poly(x, 3)", span=_span(text, pos),
                              hint="poly(x, k) makes the columns x, x^2, ..., x^k")
        if expected == {"_LPAR"}:
            return ParseError(f"{option}: poly is read as poly(x, k); a column called poly goes in backquotes: "
                              "`poly`", span=_span(text, pos), hint=hint)
        if expected == {"_RPAR"}:
            return ParseError(f"{option}: expected ')' to close poly(...), found {str(tok)!r}", span=_span(text, pos),
                              hint="poly(x, k) takes a column and a whole number, as in poly(x, 3)")
        if "INT" in expected:
            return ParseError(f"{option}: expected a whole number, found {str(tok)!r}", span=_span(text, pos),
                              hint="powers and degrees are whole numbers, as in x^2 or poly(x, 3)")
        if expected & {"_COMMA", "_TIMES", "_POWER"} and tok.type in {"NAME", "QUOTED", "INT"}:
            return ParseError(f"{option}: {str(tok)!r} follows a term without ',' or '*'", span=_span(text, pos),
                              hint="separate terms with commas and multiply with *, as in x1*x2, z")
        return ParseError(f"{option}: unexpected {str(tok)!r}; expected a column name, x^2, x1*x2 or poly(x, k)",
                          span=_span(text, pos), hint=hint)
    pos = exc.pos_in_stream if isinstance(exc, UnexpectedCharacters) and exc.pos_in_stream is not None else 0
    return ParseError(f"{option}: unexpected character {text[pos]!r}", span=_span(text, pos), hint=hint)


def _span(text: str, start: int, end: int | None = None) -> Span:
    start = max(0, min(start, len(text)))
    return Span(text, start, max(start + 1, end if end is not None else start + 1))


def _column(node: Tree[Token]) -> str:
    tok = node.children[0]
    value = str(tok)
    return value[1:-1] if getattr(tok, "type", "") == "QUOTED" else value


def _power(text: str, tok: Token, option: str, what: str) -> int:
    k = int(str(tok))
    if not 1 <= k <= MAX_DEGREE:
        start = tok.start_pos if tok.start_pos is not None else 0
        why = ("a power 0 is the constant column 1: use --intercept for it" if k == 0
               else f"powers above {MAX_DEGREE} are numerically meaningless")
        raise ParseError(f"{option}: {what} has power {k}; it must be between 1 and {MAX_DEGREE}",
                         span=_span(text, start, tok.end_pos), hint=why)
    return k


def _terms(text: str, node: Tree[Token], option: str) -> list[Term]:
    source = text[node.meta.start_pos:node.meta.end_pos] if not node.meta.empty else text
    if node.data == "poly":
        column_node, degree = node.children
        column = _column(column_node)  # type: ignore[arg-type]
        k = int(str(degree))
        if not 1 <= k <= MAX_DEGREE:
            start = getattr(degree, "start_pos", None) or 0
            raise ParseError(f"{option}: {source} has degree {k}; it must be between 1 and {MAX_DEGREE}",
                             span=_span(text, start, start + len(str(degree))),
                             hint="poly(x, k) makes the k columns x, x^2, ..., x^k; for a constant use --intercept"
                             if k == 0 else f"degrees above {MAX_DEGREE} are numerically meaningless")
        return [Term(((column, j),), source) for j in range(1, k + 1)]
    factors: dict[str, int] = {}
    for factor in node.children:
        column = _column(factor.children[0])  # type: ignore[union-attr, arg-type]
        power = 1
        if len(factor.children) > 1:  # type: ignore[union-attr]
            power = _power(text, factor.children[1], option, f"'{source}'")  # type: ignore[union-attr, arg-type]
        factors[column] = factors.get(column, 0) + power
    term = Term(tuple(factors.items()), source)
    if term.degree > MAX_DEGREE:
        start = node.meta.start_pos if not node.meta.empty else 0
        raise ParseError(f"{option}: '{source}' has degree {term.degree}; it must be at most {MAX_DEGREE}",
                         span=_span(text, start, node.meta.end_pos), hint="a term of lower degree")
    return [term]


def parse_term_list(items: Sequence[str], option: str = "--x") -> tuple[Term, ...]:
    """The terms of several texts (the Python API's ``x=("x1", "poly(x, 2)")``), checked as one list."""
    return parse_terms(", ".join(items), option) if items else parse_terms("", option)


def columns_of(terms: Sequence[Term]) -> list[str]:
    """The data columns the terms read, in the order first used."""
    return list(dict.fromkeys(c for t in terms for c in t.columns))


# -- the design matrix ----------------------------------------------------------------------------

def exact_number(cell: str) -> Fraction:
    """The exact value of a cell as written (a decimal, possibly with an exponent), never through a double."""
    try:
        return Fraction(cell)
    except (ValueError, ZeroDivisionError):
        pass
    try:
        return Fraction(Decimal(cell))  # forms float() reads and Fraction does not (1_000)
    except (InvalidOperation, ValueError):
        return Fraction(float(cell))  # the reader has checked that float() takes it


def exact_columns(terms: Sequence[Term], cells: Mapping[str, Sequence[str]]) -> list[list[Fraction]]:
    """Each term's column, exactly: products of the cells' exact values."""
    values = {c: [exact_number(s) for s in cells[c]] for c in columns_of(terms)}
    out: list[list[Fraction]] = []
    for t in terms:
        col: list[Fraction] | None = None
        for c, k in t.factors:
            part = [v ** k for v in values[c]] if k > 1 else values[c]
            col = list(part) if col is None else [a * b for a, b in zip(col, part)]
        assert col is not None
        out.append(col)
    return out


def scaled_columns(terms: Sequence[Term], values: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The design in double precision as (A, e): column j of X is A[:, j] * 2**e[j], with max |A[:, j]| in [0.5, 1).

    Each data column is scaled by a power of two before the powers and products are taken, so
    no value overflows however large the data (x near 1e300, x^2 near 1e600); a column of zeros
    keeps exponent 0.
    """
    import numpy as np

    scaled: dict[str, tuple[np.ndarray, int]] = {}
    for c in columns_of(terms):
        v = np.asarray(values[c], dtype=float)
        scaled[c] = normalized(v)
    cols, exps = [], []
    for t in terms:
        col = np.ones(len(next(iter(values.values()))))
        e = 0
        for c, k in t.factors:
            m, ec = scaled[c]
            col = col * (m ** k)
            e += k * ec
        col, extra = normalized(col)
        cols.append(col)
        exps.append(e + extra)
    return np.column_stack(cols) if cols else np.zeros((0, 0)), np.asarray(exps, dtype=np.int64)


def normalized(v: np.ndarray) -> tuple[np.ndarray, int]:
    """(m, e) with v = m * 2**e exactly and max |m| in [0.5, 1) (e = 0 for a zero vector)."""
    import numpy as np

    top = float(np.max(np.abs(v))) if v.size else 0.0
    if top == 0.0:
        return v.astype(float), 0
    e = math.frexp(top)[1]
    return np.ldexp(v, -e), e


def scaled_columns_dd(terms: Sequence[Term], hi: Mapping[str, np.ndarray], lo: Mapping[str, np.ndarray]
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The design in double-double, scaled as ``scaled_columns`` scales it: (A, A_lo, e), X = (A + A_lo) diag(2^e).

    ``lo`` holds each data value's rounding error (decimal minus double), so the powers and
    products are those of the file's decimals to about 32 digits.
    """
    import numpy as np

    from derive.lsq.numeric import dd_mul

    scaled: dict[str, tuple[np.ndarray, np.ndarray, int]] = {}
    for c in columns_of(terms):
        m, ec = normalized(np.asarray(hi[c], dtype=float))
        scaled[c] = (m, np.ldexp(np.asarray(lo[c], dtype=float), -ec), ec)
    n = len(next(iter(hi.values())))
    cols, lows, exps = [], [], []
    for t in terms:
        h, low = np.ones(n), np.zeros(n)
        e = 0
        for c, k in t.factors:
            m, ml, ec = scaled[c]
            for _ in range(k):
                h, low = dd_mul(h, low, m, ml)
            e += k * ec
        h, extra = normalized(h)
        cols.append(h)
        lows.append(np.ldexp(low, -extra))
        exps.append(e + extra)
    if not cols:
        return np.zeros((n, 0)), np.zeros((n, 0)), np.zeros(0, dtype=np.int64)
    return np.column_stack(cols), np.column_stack(lows), np.asarray(exps, dtype=np.int64)
