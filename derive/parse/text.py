"""Plain math text -> SymPy expression, through our Lark grammar (never eval).

The grammar (``grammar.lark``) decides structure; a Transformer builds each node
from the allow-list in ``vocabulary``, so no user text reaches ``sympify``. The
grammar also has matrix syntax (``X'``, ``.*``) for ``derive.matrix.read_text``, which
shares the checks and error messages here; the scalar builder refuses it.
"""
from __future__ import annotations

import copyreg
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any
from fractions import Fraction
from importlib import resources

import sympy as sp
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError
from lark.tree import Meta
from lark.visitors import Transformer_NonRecursive, v_args

from derive.core.errors import ParseError, Span, UsageError
from derive.parse.domain import VarDomain
from derive.parse.order import Recorder, TermOrder
from derive.parse import vocabulary as vocab

MAX_DECIMAL_EXPONENT = 1000
"""Largest |exponent| in a literal such as ``1e-3``."""

_NUMBER = re.compile(r"(?P<mantissa>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE](?P<exp>[+-]?[0-9]+))?")
_LEFT_CHAINS = frozenset({"add", "sub", "mul", "div", "imul", "emul", "ediv"})
_OPENERS = {"(": ")", "[": "]"}
_CLOSERS = {")": "(", "]": "["}
_OPERATOR_CHARS = frozenset("+-*/^,\u2212\u00b7\u00d7")
_TWO_CHAR_OPERATORS = frozenset({"**", ".*", "./", ".^"})
_LIKELY_TYPOS = frozenset(f + v for f in ("sin", "cos", "tan", "ln", "log", "exp", "sqrt") for v in "xyz")

_TOKEN_NAMES = {
    "_PLUS": "'+'", "_MINUS": "'-'", "_TIMES": "'*'", "_DIVIDE": "'/'", "_POW": "'^'",
    "_BANG": "'!'", "_LPAR": "'('", "_RPAR": "')'", "_LSQB": "'['", "_RSQB": "']'",
    "_COMMA": "','", "PRIME": "\"'\"", "ETIMES": "'.*'", "EDIVIDE": "'./'", "EPOW": "'.^'",
    "NUMBER": "a number", "NAME": "a name", "CALL_TIGHT": "a function call",
    "CALL_LOOSE": "a function call", "$END": "the end of the input",
}

_CHAR_HINTS = {
    "=": "derive reads one expression, not an equation; put domains such as x > 0 in the where-clause",
    "<": "derive reads one expression, not an inequality; put domains such as x > 0 in the where-clause",
    ">": "derive reads one expression, not an inequality; put domains such as x > 0 in the where-clause",
    "{": "braces are LaTeX; use the LaTeX parser, or ( ) for grouping",
    "}": "braces are LaTeX; use the LaTeX parser, or ( ) for grouping",
    "\\": "backslash commands are LaTeX; use the LaTeX parser",
    "|": "write abs(x) for |x|",
    "\u00b2": "write x^2 for x\u00b2",
    "\u00b3": "write x^3 for x\u00b3",
    "\u221a": "write sqrt(x) for \u221ax",
    ";": "separate function arguments with ','",
}
_DEFAULT_CHAR_HINT = ("use numbers, names, + - * / ^ ** !, ( ) [ ], and ',' between "
                      "function arguments")
PRIME_HINT = ("primes are not supported; write the expression itself (for a transpose, declare the vector or "
              "matrix: derive grad ... --let 'x: n')")
"""Hint for a prime in scalar text: ``f'(x)`` is not read as a derivative."""


def _retype_call(tight: bool, functions: frozenset[str]) -> Callable[[Token], Token]:
    """Lexer callback: keep a CALL_* token only if that name may be called."""

    def callback(tok: Token) -> Token:
        name = str(tok)
        callable_ = (name in vocab.FUNCTIONS or name in functions or name in vocab.UNDEFINED_LETTERS
                     or (tight and len(name) > 1 and name not in vocab.CONSTANTS))
        return tok if callable_ else Token.new_borrow_pos("NAME", name, tok)

    return callback


@functools.cache
def grammar_parser(strict: bool = True, functions: frozenset[str] = frozenset()) -> Lark:
    """The compiled LALR parser for ``grammar.lark``.

    Built once per process; it holds no per-parse state. ``strict=True`` makes Lark refuse any
    shift/reduce conflict or colliding terminals. Compiling (the collision check above all)
    takes ~0.4 s, so the compiled tables are cached in a per-user folder (``cache_file``), keyed
    by the grammar, the options and the Lark and Python versions; a cache entry exists only
    if the strict build succeeded. ``functions`` are extra names called even with a space
    before ``(`` (``tr (A)``); they live in lexer callbacks, which are not cached.
    """
    grammar = resources.files("derive.parse").joinpath("grammar.lark").read_text(encoding="utf-8")
    cache = cache_file(grammar)
    return Lark(
        grammar,
        parser="lalr",
        propagate_positions=True,
        strict=strict,
        maybe_placeholders=False,
        cache=cache or False,
        cache_grammar=cache is not None,  # Hypothesis's from_lark reads the grammar back
        lexer_callbacks={"CALL_TIGHT": _retype_call(True, functions),
                         "CALL_LOOSE": _retype_call(False, functions)},
    )


def cache_file(grammar: str) -> str | None:
    """The per-user cache file for the compiled grammar, or None if no safe folder can be had.

    The folder (``$XDG_CACHE_HOME/derive`` or ``~/.cache/derive``) must belong to the user and
    be writable by nobody else: Lark's cache is a pickle, and loading one that someone else
    could plant would run their code (why not Lark's default, a name in the shared /tmp).
    """
    import hashlib
    import os
    import stat
    import sys

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "derive")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.stat(folder)
    except OSError:
        return None
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) or not stat.S_ISDIR(info.st_mode):
        return None
    from lark import __version__ as lark_version

    key = hashlib.sha256(grammar.encode("utf-8")).hexdigest()[:16]
    return os.path.join(folder, f"grammar-{key}-lark{lark_version}-py{sys.version_info[0]}{sys.version_info[1]}.pickle")


def parse_text(text: str, domains: Mapping[str, VarDomain] | None = None) -> sp.Expr:
    """Parse plain math text such as ``x^2 sin(x)`` into a SymPy expression.

    Variables are real symbols carrying their declared domain; every failure is a ParseError.
    """
    return parse_text_ordered(text, domains)[0]


def parse_text_ordered(text: str, domains: Mapping[str, VarDomain] | None = None) -> tuple[sp.Expr, TermOrder]:
    """``parse_text``, with the order the terms were typed in (for printers that keep it)."""
    if not isinstance(text, str):
        raise UsageError(f"parse_text expects a str, got {type(text).__name__}",
                         hint="pass the expression as text")
    tree = parse_tree(text, grammar_parser())
    whole = vocab.line_span(text, 0, len(text))
    try:
        builder = _Builder(text, domains)
        expr = builder.transform(tree)
        if not isinstance(expr, sp.Expr):
            raise ParseError("input is not a single expression", span=whole,
                             hint="write one expression such as x^2 + 1")
        return vocab.check_result(expr, whole), builder.recorder.order()
    except VisitError as exc:
        raise build_error(text, exc) from None
    except RecursionError:
        raise ParseError("expression nested too deeply", span=whole,
                         hint="split the expression into smaller parts") from None


def typed_product(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """a b as typed: a number times a sum stays a product (0.26(x² + y²), (x + y)/2, 3(x − 5)).

    A minus sign still distributes (−(w x + b) is −w x − b), as the tidy forms expect: kept, it
    leaves two logistic losses of the forms corpus longer.

    SymPy's ``Mul`` distributes a number over a sum of two factors; built from its arguments the
    product is the same value and prints as the user wrote it. Not through ``distribute(False)``:
    SymPy's cache would hand back a product distributed earlier in the process.
    """
    for num, total in ((a, b), (b, a)):
        if isinstance(num, sp.Number) and isinstance(total, sp.Add) and num not in (0, 1, -1):
            return sp.Mul._from_args((num, total))
    return sp.Mul(a, b)


def _reduce_mul(m: sp.Mul) -> tuple[Any, tuple[tuple[sp.Basic, ...]]]:
    return sp.Mul._from_args, (m.args,)


copyreg.pickle(sp.Mul, _reduce_mul)
"""A product crosses the worker's pipe as it was built: SymPy's own pickling rebuilds it with Mul(*args),
which would distribute 0.26(x² + y²) in the parent (the same value, in another form)."""


def parse_tree(text: str, parser: Lark) -> Tree[Token]:
    """The parse tree of ``text``, after the size and bracket checks; failures are ParseErrors.

    Shared by the scalar and the matrix readers, so both give the same syntax messages.
    """
    _check_size(text)
    _check_brackets(text)
    try:
        tree = parser.parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    _check_tree_depth(text, tree)
    return tree


def _check_size(text: str) -> None:
    if len(text) > vocab.MAX_INPUT_CHARS:
        raise ParseError(f"input too long: {len(text)} characters (limit {vocab.MAX_INPUT_CHARS})",
                         span=vocab.line_span(text, vocab.MAX_INPUT_CHARS),
                         hint="split the expression into smaller parts")
    if not text.strip():
        raise ParseError("empty expression", span=vocab.line_span(text, 0, len(text)),
                         hint="write an expression such as x^2 + 1")


def _check_brackets(text: str) -> None:
    """Balance and depth of ( ) and [ ], checked before parsing for exact messages."""
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        if ch in _OPENERS:
            stack.append((ch, i))
            if len(stack) > vocab.MAX_NESTING:
                raise ParseError(f"brackets nested deeper than {vocab.MAX_NESTING}",
                                 span=vocab.line_span(text, i), hint="split the expression into smaller parts")
        elif ch in _CLOSERS:
            if not stack:
                raise ParseError(f"unmatched {ch!r}", span=vocab.line_span(text, i),
                                 hint=f"remove it or add a matching {_CLOSERS[ch]!r} before it")
            opener, where = stack.pop()
            if _OPENERS[opener] != ch:
                raise ParseError(f"{opener!r} at column {where + 1} is closed by {ch!r}",
                                 span=vocab.line_span(text, i),
                                 hint=f"close it with {_OPENERS[opener]!r}")
    if stack:
        opener, where = stack[-1]
        raise ParseError(f"unclosed {opener!r}", span=vocab.line_span(text, where),
                         hint=f"add a matching {_OPENERS[opener]!r}")


def _check_tree_depth(text: str, tree: Tree[Token]) -> None:
    """Refuse trees too deep for SymPy to walk later, without recursing ourselves."""
    stack: list[tuple[Tree[Token] | Token, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, Tree):
            continue
        if depth > vocab.MAX_TREE_DEPTH:
            start = node.meta.start_pos if not node.meta.empty else 0
            raise ParseError(f"expression nested deeper than {vocab.MAX_TREE_DEPTH} levels",
                             span=vocab.line_span(text, start),
                             hint="simplify repeated signs or powers, or split the expression")
        for i, child in enumerate(node.children):
            same_chain = i == 0 and isinstance(child, Tree) and node.data in _LEFT_CHAINS \
                and child.data in _LEFT_CHAINS
            stack.append((child, depth if same_chain else depth + 1))


def _previous(text: str, pos: int) -> tuple[str, int] | None:
    """The last non-space character before ``pos`` and its index."""
    i = pos - 1
    while i >= 0 and text[i].isspace():
        i -= 1
    return (text[i], i) if i >= 0 else None


def _expected_text(expected: set[str]) -> str:
    starts = {"NUMBER", "NAME", "CALL_TIGHT", "CALL_LOOSE", "_LPAR"}
    parts: list[str] = []
    if expected & starts:
        parts.append("a number, a name or '('")
    for closer in ("_RPAR", "_RSQB", "_COMMA"):
        if closer in expected:
            parts.append(_TOKEN_NAMES[closer])
    if not parts or expected - starts - {"_RPAR", "_RSQB", "_COMMA", "_MINUS", "_PLUS", "_LSQB"}:
        parts.append("an operator")
    return " or ".join(parts)


def _syntax_error(text: str, exc: UnexpectedInput) -> ParseError:
    """Turn a Lark failure into a one-line ParseError naming what was found and expected."""
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream if exc.pos_in_stream is not None else 0
        ch = text[pos]
        return ParseError(f"unexpected character {ch!r}", span=vocab.line_span(text, pos),
                          hint=_CHAR_HINTS.get(ch, _DEFAULT_CHAR_HINT))
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        return _token_error(text, exc.token, set(exc.expected))
    prev = _previous(text, len(text))
    assert prev is not None  # empty input is refused before parsing
    ch, where = prev
    start = where - 1 if text[max(0, where - 1):where + 1] in _TWO_CHAR_OPERATORS else where
    return ParseError(f"expression ends after {text[start:where + 1]!r}",
                      span=vocab.line_span(text, start, where + 1),
                      hint="add an operand after it, or remove it")


def _token_error(text: str, tok: Token, expected: set[str]) -> ParseError:
    start = tok.start_pos if tok.start_pos is not None else 0
    end = tok.end_pos if tok.end_pos is not None else start + 1
    span = vocab.line_span(text, start, end)
    found = f"{tok!s}"
    prev = _previous(text, start)
    if prev is None:
        return ParseError(f"expression starts with {found!r}", span=span,
                          hint="start with a number, a name, '(' or a sign")
    before, where = prev
    if tok.type == "NUMBER" and where == start - 1 and (before.isdigit() or before == "."):
        return ParseError(f"malformed number near {found!r}", span=span,
                          hint="write one decimal point per number, e.g. 1.25")
    if tok.type == "NUMBER":
        return ParseError(f"number {found!r} follows another factor without an operator", span=span,
                          hint=f"write '*' before it, e.g. x*{found}; only a number may come first, as in 2x")
    if tok.type == "_COMMA":
        return ParseError("',' outside a function call", span=span,
                          hint="commas separate function arguments, e.g. log(x, 2); "
                               "single letters other than f, g, h are not functions")
    if tok.type in ("_RPAR", "_RSQB") and before in "([":
        return ParseError("empty brackets", span=span,
                          hint="put an expression inside, e.g. f(x)")
    if tok.type == "_BANG":
        return ParseError(f"'!' cannot follow {before!r}", span=span,
                          hint="'!' is the postfix factorial and follows an operand, e.g. n!")
    if tok.type == "PRIME":
        return ParseError(f"\"'\" cannot follow {before!r}", span=span,
                          hint="' is the postfix transpose and follows an operand, e.g. X'")
    if before in _OPERATOR_CHARS or before in "([":
        return ParseError(f"{found!r} cannot follow {before!r}", span=span,
                          hint="put a number, a name or '(' between them")
    return ParseError(f"unexpected {_TOKEN_NAMES.get(tok.type, repr(found))} {found!r}", span=span,
                      hint=f"expected {_expected_text(expected)}")


def build_error(text: str, exc: VisitError) -> ParseError:
    """Unwrap an error raised while building a node; keep ours, wrap SymPy's."""
    orig = exc.orig_exc
    if isinstance(orig, ParseError):
        return orig
    node = exc.obj
    meta = node.meta if isinstance(node, Tree) else None
    start = meta.start_pos if meta is not None and not meta.empty else 0
    end = meta.end_pos if meta is not None and not meta.empty else len(text)
    if isinstance(orig, RecursionError):
        return ParseError("expression nested too deeply", span=vocab.line_span(text, start, end),
                          hint="split the expression into smaller parts")
    if isinstance(orig, (ValueError, TypeError, ArithmeticError)):
        detail = " ".join(str(orig).split()) or type(orig).__name__
        return ParseError(f"cannot build this expression: {detail}",
                          span=vocab.line_span(text, start, end),
                          hint="check the arguments of the functions used here")
    raise orig


def read_number(tok: Token, text: str) -> sp.Expr:
    """An exact number from a literal: integers stay integers, decimals become fractions."""
    raw = str(tok)
    match = _NUMBER.fullmatch(raw)
    assert match is not None  # the grammar's NUMBER is the same pattern
    exp = match.group("exp")
    if exp is not None and abs(int(exp)) > MAX_DECIMAL_EXPONENT:
        raise ParseError(f"exponent of {raw!r} is too large (limit {MAX_DECIMAL_EXPONENT})",
                         span=vocab.line_span(text, tok.start_pos or 0, tok.end_pos),
                         hint="use a power of a symbol or a smaller number")
    if exp is None and "." not in raw:
        return sp.Integer(int(raw))
    frac = Fraction(raw)
    return sp.Rational(frac.numerator, frac.denominator)


def read_name(tok: Token, text: str, domains: Mapping[str, VarDomain] | None) -> sp.Expr:
    """The scalar value of a bare name: a constant or a variable, refusing likely typos.

    ``sinx`` and ``sin^2(x)`` are refused with the fix, not read as a variable.
    """
    name = "pi" if str(tok) == "\u03c0" else str(tok)
    span = token_span(text, tok)
    if name in _LIKELY_TYPOS:
        raise ParseError(f"{name!r} reads as one variable name", span=span,
                         hint=f"write {name[:-1]}({name[-1]}) for the function, "
                              f"or {name[:-1]}*{name[-1]} for a product")
    if name in vocab.FUNCTIONS and name not in vocab.CALLABLE_VARIABLES and text[tok.end_pos or 0:].lstrip()[:1] == "^":
        raise ParseError(f"function {name!r} is raised to a power before its argument", span=span,
                         hint=f"write {name}(x)^2 for the square of {name}(x)")
    return vocab.variable(name, domains, span)


def token_span(text: str, tok: Token) -> Span:
    """The span of one token."""
    return vocab.line_span(text, tok.start_pos or 0, tok.end_pos)


class _Builder(Transformer_NonRecursive):  # type: ignore[type-arg]
    """Builds SymPy from the parse tree, one method per grammar rule.

    Holds the text and domains of one parse; a new one is made for every call.
    """

    def __init__(self, text: str, domains: Mapping[str, VarDomain] | None) -> None:
        super().__init__()
        self._text = text
        self._domains = domains
        self.recorder = Recorder()

    def _call_userfunc(self, tree: Tree[Token], new_children: list[Any] | None = None) -> Any:
        # Lark's one hook every rule's result passes through: record each node in typed order.
        out = super()._call_userfunc(tree, new_children)  # type: ignore[no-untyped-call]
        self.recorder.record(out)
        return out

    def _span(self, meta: Meta) -> Span:
        if meta.empty:
            return vocab.line_span(self._text, 0, len(self._text))
        return vocab.line_span(self._text, meta.start_pos, meta.end_pos)

    @v_args(inline=True)
    def number(self, tok: Token) -> sp.Expr:
        value = read_number(tok, self._text)
        if not value.is_Integer:
            self.recorder.decimals = True
        return value

    @v_args(inline=True)
    def name(self, tok: Token) -> sp.Expr:
        return read_name(tok, self._text, self._domains)

    @v_args(inline=True)
    def callee(self, tok: Token) -> Token:
        return tok

    def args(self, children: list[sp.Expr]) -> list[sp.Expr]:
        return children

    @v_args(meta=True, inline=True)
    def call(self, meta: Meta, callee: Token, args: list[sp.Expr]) -> sp.Expr:
        return vocab.call(str(callee), args, self._span(meta))

    @v_args(inline=True)
    def add(self, a: sp.Expr, b: sp.Expr) -> sp.Expr:
        return self.recorder.added(a, b, sp.Add(a, b))

    @v_args(inline=True)
    def sub(self, a: sp.Expr, b: sp.Expr) -> sp.Expr:
        return self.recorder.added(a, b, sp.Add(a, sp.Mul(sp.S.NegativeOne, b)), negate=True)

    @v_args(inline=True)
    def mul(self, a: sp.Expr, b: sp.Expr) -> sp.Expr:
        return typed_product(a, b)

    @v_args(inline=True)
    def imul(self, a: sp.Expr, b: sp.Expr) -> sp.Expr:
        return typed_product(a, b)

    @v_args(inline=True)
    def div(self, a: sp.Expr, b: sp.Expr) -> sp.Expr:
        return typed_product(a, sp.Pow(b, sp.S.NegativeOne))

    @v_args(inline=True)
    def neg(self, a: sp.Expr) -> sp.Expr:
        return typed_product(sp.S.NegativeOne, a)

    @v_args(inline=True)
    def pos(self, a: sp.Expr) -> sp.Expr:
        return a

    @v_args(meta=True, inline=True)
    def pow(self, meta: Meta, base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
        return vocab.power(base, exponent, self._span(meta))

    @v_args(meta=True, inline=True)
    def factorial(self, meta: Meta, arg: sp.Expr) -> sp.Expr:
        return vocab.factorial(arg, self._span(meta))

    # Matrix syntax: the grammar has it for derive.matrix.read_text; scalars refuse it.
    @v_args(inline=True)
    def transpose(self, arg: sp.Expr, prime: Token) -> sp.Expr:
        raise ParseError("unexpected character \"'\"", span=token_span(self._text, prime), hint=PRIME_HINT)

    @v_args(inline=True)
    def emul(self, a: sp.Expr, op: Token, b: sp.Expr) -> sp.Expr:
        raise self._entrywise(op)

    @v_args(inline=True)
    def ediv(self, a: sp.Expr, op: Token, b: sp.Expr) -> sp.Expr:
        raise self._entrywise(op)

    @v_args(inline=True)
    def epow(self, a: sp.Expr, op: Token, b: sp.Expr) -> sp.Expr:
        raise self._entrywise(op)

    def _entrywise(self, op: Token) -> ParseError:
        plain = str(op)[1:]
        return ParseError(f"entrywise operator {str(op)!r} needs vectors or matrices",
                          span=token_span(self._text, op),
                          hint=f"declare shapes with --let (e.g. --let 'x: n') to use it, "
                               f"or write {plain!r} for scalars")
