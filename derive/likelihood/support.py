r"""Support declarations (``x in {0,1,2,...}``, ``x > 0``, ``0 <= x <= theta``) -> Support.

Ends are read with the allow-list expression parser and the given domains, so a parameter
in an end carries its assumptions. LaTeX spellings (``\in``, ``\{ \}``, ``\mathbb{R}``,
``\geq``, ``\infty``) are rewritten in place to plain ones of the same length, so every
offset still points into the user's text. ``N`` (``\mathbb{N}``) is ``{0, 1, 2, ...}``
(ISO 80000-2); write ``{1, 2, ...}`` for the positive integers.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

import sympy as sp

from derive.core.errors import ParseError
from derive.parse.domain import VarDomain
from derive.likelihood.model import Support, SupportKind
from derive.parse import vocabulary as vocab
from derive.parse.auto import parse_expression
from derive.parse.declarations import Piece

SUPPORT_FORMS = ("x in {0,1}, x in {0,1,2,...}, x in {1,2,...}, x in {0,...,m}, x > 0, x >= 0, "
                 "x in R, x in (0, 1), 0 < x < theta, x in N")
"""The accepted forms, for hints."""

_HINT = f"write the support as one of: {SUPPORT_FORMS}"

GREEK = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa varkappa "
    "lambda mu nu xi omicron varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi "
    "omega".split())
"""Lowercase Greek commands that ``normalise`` turns into plain names (``\\theta`` -> ``theta``)."""

_LATEX_WORDS: Mapping[str, str] = {
    "leqslant": "<=", "geqslant": ">=", "leq": "<=", "geq": ">=", "le": "<=", "ge": ">=",
    "lt": "<", "gt": ">", "in": "in", "infty": "inf", "left": "", "right": "",
    "ldots": "...", "cdots": "...", "dots": "...", "mathbb": "",
}
_COMMAND = re.compile(r"\\([A-Za-z]+|[{},;: !])")
_BLACKBOARD = re.compile(r"\\mathbb\s*\{\s*([A-Za-z])\s*\}")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_MEMBER = re.compile(r"(?<![A-Za-z0-9_])in(?![A-Za-z0-9_])|\u2208")
_RELATION = re.compile(r">=|<=|=>|=<|==|!=|\u2265|\u2264|>|<|=")
_OP_TEXT = {"\u2265": ">=", "\u2264": "<=", "=>": ">=", "=<": "<="}
_INFINITE = frozenset({"inf", "oo", "infinity", "\u221e"})
_REALS = frozenset({"R", "reals", "\u211d"})
_NATURALS = re.compile(r"(?:N|\u2115)(?:\s*_\s*\{?\s*0\s*\}?|0)?")
_INTEGERS = frozenset({"Z", "integers", "\u2124"})
_ELLIPSIS = frozenset({"...", "\u2026"})



def normalise(text: str, *, greek: bool = False) -> str:
    r"""Rewrite LaTeX relation and set commands to plain text of the same length.

    ``\leq`` -> ``<=``, ``\in`` -> ``in``, ``\{`` -> ``{``, ``\mathbb{R}`` -> ``R``,
    ``\infty`` -> ``inf`` (and with ``greek``, ``\theta`` -> ``theta``); the rest is padded
    with spaces so offsets into the result are offsets into ``text``. Other commands stay.
    """
    def blackboard(m: re.Match[str]) -> str:
        return m.group(1).ljust(len(m.group()))

    def command(m: re.Match[str]) -> str:
        word = m.group(1)
        if word in "{}":
            return word.ljust(2)
        if word in ",;: !":
            return "  "
        if word in _LATEX_WORDS:
            plain = _LATEX_WORDS[word]
            return (f" {plain}" if plain == "in" else plain).ljust(len(m.group()))
        if greek and word in GREEK:
            return word.ljust(len(m.group()))
        return m.group()

    return _COMMAND.sub(command, _BLACKBOARD.sub(blackboard, text))


def parse_support(text: str, domains: Mapping[str, VarDomain] | None = None, *,
                  var: str | None = None) -> Support:
    """Parse the support of one observation (see ``SUPPORT_FORMS``) into a Support.

    ``var`` names the data variable when known; otherwise it is the name left of ``in``, the
    middle of ``a < x < b``, or the side of ``x > a`` that is a name without a domain.
    """
    if not isinstance(text, str):
        raise ParseError(f"parse_support expects a str, got {type(text).__name__}", hint=_HINT)
    if len(text) > vocab.MAX_INPUT_CHARS:
        raise ParseError(f"support too long: {len(text)} characters (limit {vocab.MAX_INPUT_CHARS})",
                         span=vocab.line_span(text, vocab.MAX_INPUT_CHARS), hint=_HINT)
    piece = Piece(normalise(text), 0).stripped()
    if not piece.text:
        raise ParseError("empty support", span=vocab.line_span(text, 0), hint=_HINT)
    reader = _Reader(text, dict(domains or {}), var)
    member = _top_level(piece.text, _MEMBER)
    if member is not None:
        return reader.membership(piece, member)
    return reader.comparison(piece)


def _top_level(text: str, pattern: re.Pattern[str]) -> re.Match[str] | None:
    """The first match of ``pattern`` outside brackets and braces."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0:
            m = pattern.match(text, i)
            if m is not None:
                return m
    return None


def _split_commas(piece: Piece) -> list[Piece]:
    """Split on commas outside brackets and braces."""
    out: list[Piece] = []
    depth, start = 0, 0
    for i, ch in enumerate(piece.text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            out.append(Piece(piece.text[start:i], piece.start + start).stripped())
            start = i + 1
    out.append(Piece(piece.text[start:], piece.start + start).stripped())
    return out


class _Reader:
    """One parse: the user's text (for spans), the domains and the expected variable."""

    def __init__(self, text: str, domains: dict[str, VarDomain], var: str | None) -> None:
        self.text = text
        self.domains = domains
        self.var = var

    def error(self, message: str, piece: Piece, hint: str = _HINT) -> ParseError:
        return ParseError(message, span=vocab.line_span(self.text, piece.start, max(piece.end, piece.start + 1)),
                          hint=hint)

    def support(self, name: str, kind: SupportKind, lower: sp.Expr | None = None, upper: sp.Expr | None = None,
                lower_strict: bool = True, upper_strict: bool = True, values: tuple[sp.Expr, ...] = ()) -> Support:
        return Support(name, kind, lower, upper, lower_strict, upper_strict, values, self.text.strip())

    # -- the variable -------------------------------------------------------------------

    def variable(self, piece: Piece) -> str:
        """The data variable's name, checked against ``var`` and the vocabulary."""
        p = piece.stripped()
        name = p.text[1:] if p.text.startswith("\\") and p.text[1:] in GREEK else p.text
        if not _NAME.fullmatch(name):
            raise self.error(f"expected the data variable, found {p.text!r}", p)
        if name in vocab.CONSTANTS or (name in vocab.FUNCTIONS and name not in vocab.CALLABLE_VARIABLES):
            raise self.error(f"{name!r} is a {'constant' if name in vocab.CONSTANTS else 'function'}, "
                             "not a data variable", p, hint="name the data variable, e.g. x")
        if self.var is not None and name != self.var:
            raise self.error(f"the support is about {name!r}, but the data variable is {self.var!r}", p,
                             hint=f"write the support in terms of {self.var}, e.g. {self.var} > 0")
        return name

    def _is_candidate(self, piece: Piece) -> bool:
        p = piece.stripped()
        name = p.text[1:] if p.text.startswith("\\") else p.text
        if self.var is not None:
            return name == self.var
        return (bool(_NAME.fullmatch(name)) and name not in self.domains and name not in vocab.CONSTANTS
                and name not in _INFINITE and name not in vocab.FUNCTIONS)

    # -- ends ---------------------------------------------------------------------------

    def infinity(self, piece: Piece) -> int:
        """+1 or -1 if the piece is an infinity (``inf``, ``-oo``, ``+infinity``), else 0."""
        compact = piece.text.replace(" ", "")
        sign = -1 if compact.startswith("-") else 1
        return sign if compact.lstrip("+-") in _INFINITE and compact.count("-") + compact.count("+") <= 1 else 0

    def end(self, piece: Piece, name: str, *, side: str) -> sp.Expr | None:
        """One end of an interval: an expression without the variable; infinity is None."""
        p = piece.stripped()
        if not p.text:
            raise self.error("missing end of the support", Piece(" ", piece.start))
        inf = self.infinity(p)
        if inf:
            if (inf > 0) != (side == "upper"):
                raise self.error(f"{'+' if inf > 0 else '-'}infinity cannot be the {side} end", p,
                                 hint="the lower end may be -inf, the upper end inf")
            return None
        value = self.expression(p)
        if name in {s.name for s in value.free_symbols}:
            raise self.error(f"the end {p.text!r} involves the data variable {name!r} itself", p,
                             hint="ends are numbers, parameters or known constants")
        if value.is_real is False:
            raise self.error(f"the end {p.text!r} is not a real number", p)
        return value

    def expression(self, p: Piece) -> sp.Expr:
        """Parse a piece of the user's text with the allow-list parser; rebase its errors."""
        source = self.text[p.start:p.end]
        try:
            return parse_expression(source, self.domains)
        except ParseError as exc:
            span = exc.span
            lo = p.start + (span.start if span is not None and "\n" not in source else 0)
            hi = p.start + (span.end if span is not None and "\n" not in source else len(source))
            raise ParseError(f"bad value {source!r} in the support: {exc.message}",
                             span=vocab.line_span(self.text, lo, hi), hint=exc.hint) from None

    # -- forms --------------------------------------------------------------------------

    def membership(self, piece: Piece, m: re.Match[str]) -> Support:
        """``x in SET``: R, N, a brace set (finite or with ``...``) or an interval."""
        name = self.variable(Piece(piece.text[:m.start()], piece.start))
        target = Piece(piece.text[m.end():], piece.start + m.end()).stripped()
        if not target.text:
            raise self.error("missing set after 'in'", Piece(" ", piece.end))
        if target.text in _REALS:
            return self.support(name, kind="interval")
        if _NATURALS.fullmatch(target.text):
            return self.support(name, kind="integers", lower=sp.S.Zero)
        if target.text in _INTEGERS:
            raise self.error("the support cannot be all the integers", target,
                             hint="give a lower end, e.g. x in {0,1,2,...} or x in {1,2,...}")
        if target.text[0] == "{":
            if target.text[-1] != "}":
                raise self.error("unclosed '{' in the support", target)
            return self.brace_set(name, Piece(target.text[1:-1], target.start + 1))
        if target.text[0] in "([" and target.text[-1] in ")]":
            return self.interval(name, target)
        raise self.error(f"unknown set {target.text!r}", target,
                         hint="use R, N, a set such as {0,1} or {0,1,2,...}, or an interval such as (0, 1)")

    def interval(self, name: str, target: Piece) -> Support:
        ends = _split_commas(Piece(target.text[1:-1], target.start + 1))
        if len(ends) != 2:
            raise self.error(f"an interval has two ends, found {len(ends)}", target,
                             hint="write (a, b), [a, b], (a, b] or [a, b)")
        lo = self.end(ends[0], name, side="lower")
        hi = self.end(ends[1], name, side="upper")
        return self.checked(name, target, lo, hi, target.text[0] == "(" or lo is None,
                            target.text[-1] == ")" or hi is None)

    def brace_set(self, name: str, inner: Piece) -> Support:
        """``{0, 1}`` (finite, numbers), ``{0, 1, 2, ...}`` or ``{0, 1, ..., m}`` (integers)."""
        items = _split_commas(inner)
        for item in items:
            if not item.text:
                raise self.error("empty element in the set", Piece(" ", item.start),
                                 hint="separate the elements with single commas, e.g. {0, 1}")
        dots = [i for i, item in enumerate(items) if item.text in _ELLIPSIS]
        if not dots:
            return self.finite(name, items)
        if len(dots) > 1 or dots[0] == 0 or dots[0] < len(items) - 2:
            where = items[dots[1] if len(dots) > 1 else dots[0]]
            raise self.error("the set must list its first elements, then '...', then at most one last element",
                             where, hint="write {0, 1, 2, ...}, {1, 2, ...} or {0, 1, ..., m}")
        first = [self.integer_end(item, name) for item in items[:dots[0]]]
        for prev, (item, value) in zip(first, zip(items[1:dots[0]], first[1:])):
            if sp.expand(value - prev) != 1:
                raise self.error(f"{item.text!r} does not follow {str(prev)!r}: the elements before '...' "
                                 "must be consecutive integers", item,
                                 hint="write {0, 1, 2, ...} or {0, 1, ..., m}")
        upper = self.integer_end(items[-1], name) if dots[0] == len(items) - 2 else None
        if upper is not None and (upper - first[-1]).is_negative:
            raise self.error(f"the last element {items[-1].text!r} is below {str(first[-1])!r}", items[-1],
                             hint="write the elements in increasing order: {0, 1, ..., m}")
        return self.support(name, kind="integers", lower=first[0], upper=upper)

    def integer_end(self, item: Piece, name: str) -> sp.Expr:
        value = self.end(item, name, side="upper")
        if value is None:
            raise self.error("infinity cannot be listed in a set", item, hint="write {0, 1, 2, ...} instead")
        if value.is_integer is not True:
            sym = ", ".join(sorted(s.name for s in value.free_symbols))
            hint = (f"declare it an integer, e.g. --where '{sym} > 0 integer'" if sym
                    else "integer ranges such as {0, 1, ...} hold integers")
            raise self.error(f"{item.text!r} is not {'known to be ' if sym else ''}an integer", item, hint=hint)
        return value

    def finite(self, name: str, items: list[Piece]) -> Support:
        values: list[sp.Expr] = []
        for item in items:
            value = self.end(item, name, side="upper")
            if value is None or value.free_symbols or not value.is_real:
                raise self.error(f"{item.text!r} is not a number: a finite support lists numbers", item,
                                 hint="for the integers 0 to m write {0, ..., m}")
            if any(sp.simplify(value - v) == 0 for v in values):
                raise self.error(f"{item.text!r} is listed twice", item, hint="list each value once")
            values.append(value)
        return self.support(name, kind="finite", values=tuple(sorted(values, key=float)))

    def comparison(self, piece: Piece) -> Support:
        """``x > a``, ``a < x``, ``a < x < b`` or ``b > x > a``, strict or not."""
        ops = list(_RELATION.finditer(piece.text))
        if not ops:
            raise self.error(f"cannot read the support {piece.text!r}", piece)
        at = [Piece(op.group(), piece.start + op.start()) for op in ops]
        for op, where in zip(ops, at):
            if op.group() in ("=", "==", "!="):
                raise self.error(f"{op.group()!r} does not describe a support", where,
                                 hint="use < <= > >=, e.g. 0 < x < 1, or a set such as x in {0, 1}")
        if len(ops) > 2:
            raise self.error("too many comparisons in the support", at[2], hint="write at most a < x < b")
        symbols = [_OP_TEXT.get(op.group(), op.group()) for op in ops]
        if len(symbols) == 2 and symbols[0][0] != symbols[1][0]:
            raise self.error("comparisons point in different directions", at[1], hint="write a < x < b or b > x > a")
        cuts = [0, *[x for op in ops for x in (op.start(), op.end())], len(piece.text)]
        parts = [Piece(piece.text[cuts[i]:cuts[i + 1]], piece.start + cuts[i]).stripped()
                 for i in range(0, len(cuts), 2)]
        if len(parts) == 3:
            var_index = 1
        else:
            var_index = next((i for i, p in enumerate(parts) if self._is_candidate(p)), 0)
        name = self.variable(parts[var_index])
        lo: sp.Expr | None = None
        hi: sp.Expr | None = None
        lo_strict = hi_strict = True
        for i, sym in enumerate(symbols):
            var_left = i == var_index
            other = parts[i + 1] if var_left else parts[i]
            is_lower = (sym[0] == ">") == var_left
            value = self.end(other, name, side="lower" if is_lower else "upper")
            if is_lower:
                lo, lo_strict = value, len(sym) == 1 or value is None
            else:
                hi, hi_strict = value, len(sym) == 1 or value is None
        return self.checked(name, piece, lo, hi, lo_strict, hi_strict)

    def checked(self, name: str, piece: Piece, lo: sp.Expr | None, hi: sp.Expr | None,
                lo_strict: bool, hi_strict: bool) -> Support:
        """An interval support, refused when it is provably empty."""
        if lo is not None and hi is not None:
            gap = sp.simplify(hi - lo)
            if gap.is_negative or (gap.is_zero and (lo_strict or hi_strict)):
                raise self.error(f"the support {piece.text!r} is empty", piece,
                                 hint="the lower end must be below the upper end")
        return self.support(name, kind="interval", lower=lo, upper=hi, lower_strict=lo_strict,
                            upper_strict=hi_strict)


def variable_domain(support: Support) -> VarDomain:
    """The data variable's domain implied by the support (numeric bounds, integrality).

    A symbolic end contributes its sign only: ``x > xm`` with ``xm`` positive gives ``x > 0``.
    """
    if support.kind == "finite":
        lo, hi = support.values[0], support.values[-1]
        integral = all(v.is_integer for v in support.values)
        return VarDomain(support.var, float(lo), float(hi), False, False, integral)
    integral = support.kind == "integers"
    lower, lower_strict = _numeric_end(support.lower, support.lower_strict and not integral, sign=1)
    upper, upper_strict = _numeric_end(support.upper, support.upper_strict and not integral, sign=-1)
    return VarDomain(support.var, lower, upper, lower_strict, upper_strict, integral)


def _numeric_end(end: sp.Expr | None, strict: bool, *, sign: int) -> tuple[float | None, bool]:
    """A float bound for a support end; for a symbolic end, 0 when its sign is known."""
    if end is None:
        return None, True
    if not end.free_symbols:
        return float(end), strict
    if sign > 0 and end.is_positive:
        return 0.0, True
    if sign > 0 and end.is_nonnegative:
        return 0.0, strict
    if sign < 0 and end.is_negative:
        return 0.0, True
    if sign < 0 and end.is_nonpositive:
        return 0.0, strict
    return None, True
