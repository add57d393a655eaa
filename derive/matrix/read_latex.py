r"""LaTeX matrix text such as ``\|y - X\beta\|^2`` -> plain matrix text -> ``parse_matrix``.

An allow-list rewriter, not latex2sympy: SymPy's commutative symbols would reorder the
factors of a matrix product. Every character of the plain text keeps the range of LaTeX
it came from, so an error from ``parse_matrix`` points into the LaTeX. Conventions that
might surprise:

- Letters are separate symbols (``Xw`` is X times w), unless the whole run of letters
  and digits is a declared name (a ``--let`` shape or a ``--where`` domain). An
  undeclared ``W1`` or ``tr`` is refused, since LaTeX would read it as a product.
- ``\lambda`` is the name ``lambda`` and ``\Sigma`` is ``Sigma``, as in the declarations;
  ``W_{1}`` is ``W_1`` (or ``W1`` if that is declared instead). A subscript on a declared
  vector or matrix (``X_{ij}``, an entry) is refused unless the whole name is declared.
- ``\operatorname{name}`` is always a function; ``\mathrm{name}`` and ``\text{name}`` are
  functions if derive knows them (``tr``, ``softmax``...), else names (``\mathrm{lam}``).
- ``\sigma`` is the sigmoid only right before ``(``; elsewhere it is the name ``sigma``.
- A function without parentheses takes one factor: ``\log\det\Sigma``, ``\det A^{-1}``;
  a second factor after it (``\operatorname{tr} A B``) is refused as ambiguous.
- ``\|u\|_2`` is refused for a matrix argument (its spectral norm); ``\|U\|_F`` and
  ``\|U\|`` are the Frobenius norm.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from derive.core.errors import ParseError, Span, UsageError
from derive.matrix import expr as M
from derive.parse.domain import VarDomain
from derive.parse.shapes import ShapeDecl
from derive.parse import vocabulary as vocab
from derive.matrix.read_text import parse_matrix

GREEK = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa varkappa lambda mu nu "
    "xi omicron varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta "
    "Lambda Xi Pi Sigma Upsilon Phi Psi Omega ell".split())
"""Commands that are names: ``\\beta`` is the name ``beta``."""

FUNCTION_COMMANDS: Mapping[str, str] = MappingProxyType({
    "log": "log", "ln": "log", "exp": "exp", "tanh": "tanh", "sin": "sin", "cos": "cos",
    "det": "det", "tr": "tr", "trace": "tr", "Tr": "tr", "diag": "diag",
})
"""Function commands, by command -> plain function name (``\\log\\det`` is ``logdet``)."""

NAMED_FUNCTIONS: Mapping[str, str] = MappingProxyType({
    **{f: f for f in ("tr", "det", "logdet", "norm", "sum", "inv", "diag", "softmax", "logsumexp",
                      "exp", "log", "sqrt", "sigmoid", "softplus", "tanh", "sin", "cos")},
    "Tr": "tr", "trace": "tr", "Trace": "tr", "ln": "log", "Diag": "diag",
})
"""Functions written ``\\operatorname{name}`` (or ``\\mathrm``, ``\\text``), by name -> plain name."""

_STANDARD_COMMANDS = frozenset({"log", "ln", "exp", "tanh", "sin", "cos", "det", "sqrt"})
FUNCTION_WORDS = frozenset(NAMED_FUNCTIONS) | frozenset(FUNCTION_COMMANDS)
"""Function names that, typed as bare letters, LaTeX would read as a product of letters."""

_TEXT_NAMES = frozenset({"operatorname", "mathrm", "text", "textrm", "mathit", "mathsf", "textsf", "textit"})
_FONTS = frozenset({"mathbf", "boldsymbol", "bm", "mathbb", "pmb", "mathbfit"})
_SPACING = frozenset({",", ";", ":", "!", " ", ">", "quad", "qquad", "displaystyle", "textstyle",
                      "scriptstyle", "thinspace", "medspace", "thickspace", "enspace", "negthinspace"})
_SIZING: Mapping[str, Literal["open", "close"] | None] = MappingProxyType({
    "left": "open", "right": "close",
    **{s: None for s in ("big", "Big", "bigg", "Bigg", "bigm", "Bigm", "biggm", "Biggm")},
    **{s + "l": "open" for s in ("big", "Big", "bigg", "Bigg")},
    **{s + "r": "close" for s in ("big", "Big", "bigg", "Bigg")},
})
_DelimKind = Literal["(", "[", "|", "||"]
_DELIMITERS: Mapping[str, tuple[_DelimKind, Literal["open", "close"] | None]] = MappingProxyType({
    "(": ("(", "open"), ")": ("(", "close"), "[": ("[", "open"), "]": ("[", "close"),
    "|": ("|", None), "\\vert": ("|", None), "\\lvert": ("|", "open"), "\\rvert": ("|", "close"),
    "\\|": ("||", None), "\\Vert": ("||", None), "\\lVert": ("||", "open"), "\\rVert": ("||", "close"),
})
_OPENS: Mapping[_DelimKind, str] = MappingProxyType({"(": "(", "[": "[", "|": "abs(", "||": "norm("})
_CLOSES: Mapping[_DelimKind, str] = MappingProxyType({"(": ")", "[": "]", "|": ")", "||": ")"})
_SHOWN: Mapping[_DelimKind, tuple[str, str]] = MappingProxyType(
    {"(": ("(", ")"), "[": ("[", "]"), "|": ("|", "|"), "||": ("\\|", "\\|")})
_OPERATOR_CHARS: Mapping[str, str] = MappingProxyType(
    {"+": "+", "-": "-", "\u2212": "-", "*": "*", "\u00b7": " * ", "\u00d7": " * ", "/": "/", ",": ", "})
_OPERATOR_COMMANDS: Mapping[str, str] = MappingProxyType({
    "cdot": " * ", "times": " * ", "ast": " * ", "odot": " .* ", "circ": " .* ", "oslash": " ./ ", "div": " / ",
})
_FRACTIONS = frozenset({"frac", "dfrac", "tfrac"})
_TRANSPOSE = frozenset({"\\top", "\\intercal", "\\prime", "\\mathsf T", "\\mathrm T", "\\text T", "\\textsf T",
                        "\\textrm T", "\\mathit T", "\\mathbf T"})
_FROBENIUS = frozenset({"F", "\\mathrm F", "\\text F", "\\textrm F", "\\mathit F"})
_SUB_WRAPPERS = frozenset({"\\mathrm", "\\text", "\\textrm", "\\mathit", "\\operatorname"})
_SIMPLE_EXPONENT = re.compile(r"-?(?:[0-9]+|[A-Za-z])")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?|\.[0-9]+")
_TEXT_NAME = re.compile(r"\s*([A-Za-z][A-Za-z0-9]*)\s*")

SUM_HINT = r"write sum(v) or 1^\top v (\operatorname{sum}(v) or \mathbf{1}^\top v)"
"""What to write instead of ``\\sum``."""

SUPPORTED = (r"supported: \frac \sqrt \cdot \times \odot \oslash; \left( \right) \| \lVert \rVert | ; "
             r"^\top ^T ^{-1} ^{-\top} ^{\circ k}; \operatorname{tr|softmax|logsumexp|diag|sigmoid|softplus}, "
             r"\tr \det \log\det \log \ln \exp \sqrt \tanh \sin \cos, \sigma(...); \mathbf{1} \mathbf{X} "
             r"\boldsymbol{\beta}; Greek letters; x_1, x_{ij}")
"""Hint for an unknown command: what the rewriter accepts."""

_COMMAND_HINTS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "sum": (r"'\sum' is not supported", SUM_HINT),
    "prod": (r"'\prod' is not supported", "write the product out"),
    "int": (r"'\int' is not supported", "derive differentiates; give the integrand itself"),
    "partial": (r"'\partial' is not supported", "give the expression itself; derive takes the derivative"),
    "nabla": (r"'\nabla' is not supported", "give the expression itself; derive takes the gradient"),
    "infty": (r"'\infty' is not supported", "infinity is not a value derive can differentiate"),
    "top": (r"'\top' outside a superscript", r"write X^\top for the transpose of X"),
    "intercal": (r"'\intercal' outside a superscript", r"write X^\intercal for the transpose of X"),
    "prime": (r"'\prime' outside a superscript", r"write X^\prime or X' for the transpose of X"),
    "\\": ("line breaks are not supported", "give one expression on one line"),
    "{": (r"'\{' is not supported", "group with ( ) or { }"),
    "}": (r"'\}' is not supported", "group with ( ) or { }"),
})
_CHAR_HINTS: Mapping[str, str] = MappingProxyType({
    "=": "derive reads one expression, not an equation",
    "<": "derive reads one expression; put domains such as x > 0 in the where-clause",
    ">": "derive reads one expression; put domains such as x > 0 in the where-clause",
    "&": "alignment is not supported; give one expression",
    "%": "remove LaTeX comments",
    "$": "put $ only around the whole expression, or leave it out",
    "#": "macro arguments are not supported; write the expression out",
    ";": r"separate function arguments with ',' (spacing is \;)",
})


@dataclass(frozen=True, slots=True)
class _Tok:
    """One LaTeX token: a command (``text`` without the backslash), a character, or the end."""

    kind: Literal["cmd", "char", "end"]
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Delim:
    """A delimiter with its sizing prefix (``\\left\\|``): its kind, whether it opens or closes, its range."""

    kind: _DelimKind
    role: Literal["open", "close"] | None
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _NormArg:
    """Where a norm's argument is in the plain text, and where the norm is in the LaTeX."""

    out_start: int
    out_end: int
    start: int
    end: int


@dataclass(slots=True)
class _Out:
    """Plain text being written, with the LaTeX range ``[start, end)`` of every character.

    Mutable on purpose: it lives only for one call of ``parse_matrix_latex``.
    """

    chars: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    def emit(self, text: str, start: int, end: int) -> None:
        self.chars.append(text)
        self.starts.extend([start] * len(text))
        self.ends.extend([end] * len(text))

    def __len__(self) -> int:
        return len(self.starts)

    def text(self) -> str:
        return "".join(self.chars)

    def source(self, start: int, end: int) -> tuple[int, int]:
        """The LaTeX range behind the plain range ``[start, end)``."""
        if not self.starts:
            return 0, 0
        if start >= len(self.starts):
            return self.ends[-1], self.ends[-1]
        end = min(max(end, start + 1), len(self.starts))
        return min(self.starts[start:end]), max(self.ends[start:end])


def parse_matrix_latex(text: str, shapes: Mapping[str, ShapeDecl],
                       domains: Mapping[str, VarDomain] | None = None) -> M.Node:
    r"""Parse LaTeX such as ``(y - X\beta)^\top \Sigma^{-1} (y - X\beta)`` with the declared ``shapes``.

    The LaTeX is rewritten to plain matrix text and read by ``parse_matrix``; every
    failure is a ParseError with a span in the LaTeX and a hint.
    """
    if not isinstance(text, str):
        raise UsageError(f"parse_matrix_latex expects a str, got {type(text).__name__}",
                         hint="pass the expression as text")
    if len(text) > vocab.MAX_INPUT_CHARS:
        raise ParseError(f"input too long: {len(text)} characters (limit {vocab.MAX_INPUT_CHARS})",
                         span=vocab.line_span(text, vocab.MAX_INPUT_CHARS),
                         hint="split the expression into smaller parts")
    lo, hi = _math_body(text)
    rewriter = _Rewriter(text, lo, hi, shapes, domains)
    try:
        rewriter.run()
    except RecursionError:
        raise ParseError("expression nested too deeply", span=vocab.line_span(text, lo, hi),
                         hint="split the expression into smaller parts") from None
    out = rewriter.out
    plain = out.text()
    node = _parse_mapped(plain, 0, text, out, shapes, domains)
    for norm in rewriter.two_norms:
        arg = _parse_mapped(plain[norm.out_start:norm.out_end], norm.out_start, text, out, shapes, domains)
        if not arg.is_scalar and M.ONE not in arg.shape:
            shown = " ".join(text[norm.start:norm.end].split())
            raise ParseError(f"{shown} of a matrix is its spectral norm, which derive does not support",
                             span=vocab.line_span(text, norm.start, norm.end),
                             hint=r"write \|U\|_F (or \|U\|) for the Frobenius norm")
    return node


def _parse_mapped(plain: str, offset: int, latex: str, out: _Out, shapes: Mapping[str, ShapeDecl],
                  domains: Mapping[str, VarDomain] | None) -> M.Node:
    """``parse_matrix`` of plain text that starts at ``offset`` of ``out``; its errors point into the LaTeX."""
    try:
        return parse_matrix(plain, shapes, domains)
    except ParseError as err:
        raise ParseError(err.message, span=_mapped_span(err.span, plain, offset, latex, out),
                         hint=err.hint) from None


def _mapped_span(span: Span | None, plain: str, offset: int, latex: str, out: _Out) -> Span:
    """The LaTeX span behind a span of the plain text (the whole expression if there is none)."""
    if span is None or span.text != plain:
        return vocab.line_span(latex, 0, len(latex))
    start, end = out.source(offset + span.start, offset + span.end)
    return vocab.line_span(latex, start, end)


def _math_body(text: str) -> tuple[int, int]:
    r"""The range inside ``$...$``, ``$$...$$``, ``\(...\)`` or ``\[...\]`` around the whole text, else all of it."""
    lo, hi = 0, len(text)
    while lo < hi and text[lo].isspace():
        lo += 1
    while hi > lo and text[hi - 1].isspace():
        hi -= 1
    for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if hi - lo >= len(left) + len(right) and text.startswith(left, lo) and text.endswith(right, 0, hi):
            return lo + len(left), hi - len(right)
    return lo, hi


class _Rewriter:
    """Rewrites one LaTeX range into plain matrix text, by recursive descent over its tokens.

    Holds the source, the declarations and the output of one call; a new one is made for
    every call. ``pos`` and ``limit`` bound the range being read (a brace group, an
    exponent); ``frames`` holds the open delimiters, so that a ``|`` after an operand
    closes an open ``|``.
    """

    def __init__(self, src: str, lo: int, hi: int, shapes: Mapping[str, ShapeDecl],
                 domains: Mapping[str, VarDomain] | None) -> None:
        self.src = src
        self.pos = lo
        self.limit = hi
        self.lo = lo
        self.shapes = shapes
        self.known = frozenset(shapes) | frozenset(domains or ())
        self.out = _Out()
        self.frames: list[_DelimKind | None] = [None]
        self.two_norms: list[_NormArg] = []
        self._join: bool = False
        self._join_number: bool = False
        self._split_end = -1

    # -- driving ---------------------------------------------------------------
    def run(self) -> None:
        if not self.src[self.lo:self.limit].strip():
            raise ParseError("empty expression", span=vocab.line_span(self.src, self.lo, self.limit),
                             hint=r"write an expression such as \|y - X\beta\|^2")
        self._sequence()
        self._expect_end()

    def _error(self, message: str, start: int, end: int | None = None, hint: str | None = None) -> ParseError:
        return ParseError(message, span=vocab.line_span(self.src, start, end), hint=hint)

    def _quote(self, start: int, end: int) -> str:
        """The source text ``src[start:end]`` on one line, for a message."""
        return " ".join(self.src[start:end].split())

    def _emit(self, text: str, start: int, end: int) -> None:
        """Write plain text; the first text of a juxtaposed operand is joined by ' ' or '*'."""
        if self._join:
            self._join = False
            if text[:1].isdigit() and self._join_number:
                raise self._error("two numbers side by side", start, end,
                                  hint=r"write 2 \cdot 3 for a product, or one number such as 23")
            # A number or a bracket may not follow juxtaposed in plain text ("x 2", "f(x)").
            self.out.emit("*" if text[:1] in "([." or text[:1].isdigit() else " ", start, start)
        self.out.emit(text, start, end)

    def _expect_end(self) -> None:
        tok = self._peek()
        if tok.kind == "end":
            return
        d = self._delimiter(tok)
        shown = self._quote(tok.start, tok.end) if d is None else self._quote(d.start, d.end)
        raise self._error(f"unmatched '{shown}'", tok.start, tok.end if d is None else d.end,
                          hint="remove it or add the matching opening delimiter before it")

    def _range(self, start: int, end: int, where: tuple[int, int]) -> None:
        """Rewrite ``src[start:end]`` (a brace group, an exponent) as one expression."""
        if not self.src[start:end].strip():
            raise self._error("empty group", *where, hint="put an expression inside the braces")
        saved = self.pos, self.limit
        self.pos, self.limit = start, end
        self._push(None, start)
        self._sequence()
        self._expect_end()
        self.frames.pop()
        self.pos, self.limit = saved[0], saved[1]
        self._join = False

    def _push(self, kind: _DelimKind | None, at: int) -> None:
        if len(self.frames) > vocab.MAX_NESTING:
            raise self._error(f"groups nested deeper than {vocab.MAX_NESTING}", at,
                              hint="split the expression into smaller parts")
        self.frames.append(kind)

    # -- tokens ----------------------------------------------------------------
    def _command(self, i: int) -> tuple[str, int]:
        """The command at the backslash ``src[i]``: its name (letters, or one other character) and end."""
        src, j = self.src, i + 1
        if j >= self.limit:
            return "", j
        if src[j].isspace():
            return " ", j + 1  # a control space, also before a line break
        if not (src[j].isascii() and src[j].isalpha()):
            return src[j], j + 1
        while j < self.limit and src[j].isascii() and src[j].isalpha():
            j += 1
        return src[i + 1:j], j

    def _raw(self, k: int) -> _Tok:
        """The token at ``k`` after white space (spacing commands are tokens here)."""
        while k < self.limit and self.src[k].isspace():
            k += 1
        if k >= self.limit:
            return _Tok("end", "", self.limit, self.limit)
        if self.src[k] == "\\":
            name, end = self._command(k)
            return _Tok("cmd", name, k, end)
        return _Tok("char", self.src[k], k, k + 1)

    def _peek(self) -> _Tok:
        """The next token, past white space, ``~`` and spacing commands such as ``\\,``."""
        k = self.pos
        while True:
            tok = self._raw(k)
            if (tok.kind == "cmd" and tok.text in _SPACING) or (tok.kind == "char" and tok.text == "~"):
                k = tok.end
                continue
            return tok

    def _delimiter(self, tok: _Tok) -> _Delim | None:
        """The delimiter starting at ``tok`` (with any ``\\left``, ``\\big``... before it), or None."""
        role: Literal["open", "close"] | None = None
        base = tok
        if tok.kind == "cmd" and tok.text in _SIZING:
            role = _SIZING[tok.text]
            base = self._raw(tok.end)
        key = base.text if base.kind == "char" else "\\" + base.text
        end = base.end
        if key == "|" and end < self.limit and self.src[end] == "|":
            key, end = "\\|", end + 1  # ||x|| is the norm
        found = _DELIMITERS.get(key) if base.kind != "end" else None
        if found is None:
            if base is tok:
                return None
            if key == ".":
                raise self._error(f"'\\{tok.text}.' (an invisible delimiter) is not supported", tok.start,
                                  base.end, hint=r"balance \left( with \right)")
            raise self._error(f"'\\{tok.text}' must be followed by a delimiter", tok.start, base.end,
                              hint=r"use ( ) [ ] | or \| after it, e.g. \left( x \right)")
        kind, inherent = found
        return _Delim(kind, inherent or role, tok.start, end)

    def _closes(self, d: _Delim, after_operand: bool) -> bool:
        """Whether ``d`` closes a group here: a closer, or a ``|`` after an operand inside ``|...``."""
        if d.role == "close":
            return True
        return d.role is None and d.kind in ("|", "||") and self.frames[-1] == d.kind and after_operand

    def _starts_operand(self, tok: _Tok) -> bool:
        """Whether ``tok`` would start a juxtaposed factor (for functions written without parentheses)."""
        if tok.kind == "end":
            return False
        d = self._delimiter(tok)
        if d is not None:
            return not self._closes(d, True)
        if tok.kind == "char":
            return (tok.text.isascii() and tok.text.isalnum()) or tok.text in "{."
        return tok.text not in _OPERATOR_COMMANDS

    def _arg(self, k: int) -> tuple[int, int, int, bool]:
        """The argument at ``k`` (of ``^``, ``_``, ``\\frac``...): its content range, its end, braced or not.

        Unbraced, it is one character or one command (with the braced argument of a font
        command, so ``X^\\mathsf{T}`` works as in LaTeX).
        """
        tok = self._raw(k)
        if tok.kind == "end":
            raise self._error("an argument is missing", max(k - 1, 0), k, hint="write e.g. x^{2} or x_{1}")
        if tok.kind == "char" and tok.text == "{":
            close = self._match_brace(tok.start)
            return tok.start + 1, close, close + 1, True
        if tok.kind == "cmd" and (tok.text in _TEXT_NAMES or tok.text in _FONTS):
            _, _, end, _ = self._arg(tok.end)
            return tok.start, end, end, False
        if tok.kind == "char" and tok.text in "}^_":
            raise self._error(f"an argument is missing before '{tok.text}'", tok.start, tok.end,
                              hint="write e.g. x^{2} or x_{1}")
        return tok.start, tok.end, tok.end, False

    def _match_brace(self, i: int) -> int:
        """Index of the ``}`` that closes the ``{`` at ``i``."""
        depth, k = 0, i
        while k < self.limit:
            ch = self.src[k]
            if ch == "\\":
                k = self._command(k)[1]
                continue
            if ch == "{":
                depth += 1
                if depth > vocab.MAX_NESTING:
                    raise self._error(f"groups nested deeper than {vocab.MAX_NESTING}", k,
                                      hint="split the expression into smaller parts")
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return k
            k += 1
        raise self._error("unclosed '{'", i, hint="add a matching '}'")

    def _tokens(self, start: int, end: int) -> list[str]:
        """The tokens of ``src[start:end]`` without braces or space, commands with their backslash."""
        saved = self.limit
        self.limit = end
        toks: list[str] = []
        k = start
        while True:
            tok = self._raw(k)
            if tok.kind == "end":
                break
            if tok.text not in "{}" or tok.kind == "cmd":
                toks.append(tok.text if tok.kind == "char" else "\\" + tok.text)
            k = tok.end
        self.limit = saved
        return toks

    # -- sums and products -----------------------------------------------------
    def _sequence(self) -> None:
        """Operands and operators up to the end of the range or a closing delimiter (not consumed)."""
        after = number = False
        while True:
            tok = self._peek()
            if tok.kind == "end":
                return
            d = self._delimiter(tok)
            if d is not None and self._closes(d, after):
                return
            if d is None and tok.kind == "char" and tok.text in _OPERATOR_CHARS:
                self.pos = tok.end
                self._emit(_OPERATOR_CHARS[tok.text], tok.start, tok.end)
                after = number = False
                continue
            if tok.kind == "cmd" and tok.text in _OPERATOR_COMMANDS:
                self.pos = tok.end
                self._emit(_OPERATOR_COMMANDS[tok.text], tok.start, tok.end)
                after = number = False
                continue
            if d is None and tok.kind == "char" and tok.text in "'!":
                self.pos = tok.end  # no operand before it: parse_matrix says what is wrong
                self._emit(tok.text, tok.start, tok.end)
                continue
            if d is None and tok.kind == "char" and tok.text == "^":
                raise self._error("a superscript needs something before it", tok.start, tok.end,
                                  hint="write e.g. X^\\top or x^{2}")
            if d is None and tok.kind == "char" and tok.text == "_":
                raise self._error("a subscript belongs right after a name", tok.start, tok.end,
                                  hint="write e.g. x_1 or W_{12}")
            self._join, self._join_number = after, number
            number = self._factor()
            after = True

    def _factor(self) -> bool:
        """One operand and its superscripts, primes and norm subscript; True if it is a bare number."""
        kind, norm = self._operand()
        number, subscripted = kind == "number", False
        while True:
            tok = self._peek()
            if tok.kind != "char" or tok.text not in "^'!_":
                return number
            number = False
            if tok.text == "^":
                self._superscript(tok)
            elif tok.text == "_":
                if norm is None or subscripted:
                    hint = ("put the subscript first, e.g. x_i^2" if kind == "name"
                            else "a subscript belongs right after a name, e.g. x_1")
                    raise self._error("a subscript cannot follow this", tok.start, tok.end, hint=hint)
                self._norm_subscript(tok, norm)
                subscripted = True
            else:
                self.pos = tok.end
                self._emit(tok.text, tok.start, tok.end)

    # -- operands --------------------------------------------------------------
    def _operand(self) -> tuple[Literal["number", "name", "norm", "other"], _NormArg | None]:
        tok = self._peek()
        self.pos = tok.start
        d = self._delimiter(tok)
        if d is not None:
            norm = self._group(d)
            return ("norm" if norm is not None else "other"), norm
        if tok.kind == "char":
            ch = tok.text
            if ch.isascii() and ch.isalpha():
                self._letters()
                return "name", None
            m = _NUMBER.match(self.src, tok.start, self.limit)
            if m is not None:
                self.pos = m.end()
                self._emit(m.group(0), m.start(), m.end())
                return "number", None
            if ch == "{":
                close = self._match_brace(tok.start)
                self._emit("(", tok.start, tok.start + 1)
                self._range(tok.start + 1, close, (tok.start, close + 1))
                self.out.emit(")", close, close + 1)
                self.pos = close + 1
                return "other", None
            if ch == "}":
                raise self._error("unmatched '}'", tok.start, tok.end, hint="remove it or add a matching '{'")
            hint = _CHAR_HINTS.get(ch) or (r"write Greek letters as commands, e.g. \lambda" if ch.isalpha()
                                           else SUPPORTED)
            raise self._error(f"unexpected '{ch}'", tok.start, tok.end, hint=hint)
        return self._command_operand(tok)

    def _command_operand(self, tok: _Tok) -> tuple[Literal["number", "name", "norm", "other"], _NormArg | None]:
        name = tok.text
        self.pos = tok.end
        if name in GREEK:
            if name == "sigma" and "sigma" not in self.shapes and self._paren_next():
                self._function("sigmoid", tok.start, tok.end, r"\sigma")
                return "other", None
            self._name(name, tok.start, tok.end)
            return "name", None
        if name == "pi":
            self._name("pi", tok.start, tok.end)
            return "name", None
        if name in FUNCTION_COMMANDS:
            self._function(FUNCTION_COMMANDS[name], tok.start, tok.end, "\\" + name)
            return "other", None
        if name == "sqrt":
            self._sqrt(tok)
            return "other", None
        if name in _FRACTIONS:
            self._fraction(tok)
            return "other", None
        if name in _TEXT_NAMES:
            return self._text_name(tok)
        if name in _FONTS:
            return self._font(tok)
        if name in _COMMAND_HINTS:
            message, hint = _COMMAND_HINTS[name]
            raise self._error(message, tok.start, tok.end, hint=hint)
        shown = "\\" + name if name else "\\"
        raise self._error(f"unknown command '{shown}'", tok.start, tok.end, hint=SUPPORTED)

    def _paren_next(self) -> bool:
        d = self._delimiter(self._peek())
        return d is not None and d.kind == "(" and d.role == "open"

    def _group(self, d: _Delim) -> _NormArg | None:
        """``( )``, ``[ ]``, ``| |`` (abs) or ``\\| \\|`` (norm), with sizing; a norm returns its argument."""
        if d.role == "close":
            shown = self._quote(d.start, d.end)
            raise self._error(f"unmatched '{shown}'", d.start, d.end,
                              hint="remove it or add the matching opening delimiter before it")
        self.pos = d.end
        self._emit(_OPENS[d.kind], d.start, d.end)
        arg_start = len(self.out)
        self._push(d.kind, d.start)
        self._sequence()
        tok = self._peek()
        close = self._delimiter(tok) if tok.kind != "end" else None
        opener, closer = _SHOWN[d.kind]
        if close is None or not self._closes(close, True):
            raise self._error(f"unclosed '{self._quote(d.start, d.end)}'", d.start, d.end,
                              hint=f"add a matching '{closer}'")
        self.frames.pop()
        if close.kind != d.kind:
            raise self._error(f"'{self._quote(d.start, d.end)}' is closed by '{self._quote(close.start, close.end)}'",
                              close.start, close.end, hint=f"close it with '{closer}'")
        if len(self.out) == arg_start:
            raise self._error(f"empty {opener} {closer}", d.start, close.end, hint="put an expression inside")
        arg_end = len(self.out)
        self.pos = close.end
        self.out.emit(_CLOSES[d.kind], close.start, close.end)
        return _NormArg(arg_start, arg_end, d.start, close.end) if d.kind == "||" else None

    def _letters(self) -> None:
        """A letter, or a run of letters and digits that is a declared name."""
        start, src = self.pos, self.src
        end = start
        while end < self.limit and src[end].isascii() and src[end].isalnum():
            end += 1
        run = src[start:end]
        if start >= self._split_end:
            if len(run) > 1 and run in self.known:
                self.pos = end
                self._name(run, start, end)
                return
            letters = re.match(r"[A-Za-z]+", run)
            assert letters is not None  # the run starts with a letter
            word = letters.group(0)
            if word != run:
                letter, digits = word[-1], re.match(r"[0-9]+", run[len(word):])
                assert digits is not None  # letters and digits follow the word
                at = start + len(word) - 1
                raise self._error(f"'{letter + digits.group(0)}' is not a declared name, and LaTeX reads it as "
                                  "a product", at, digits.end() + start + len(word),
                                  hint=f"write {letter}_{digits.group(0)} for a subscript (and declare that "
                                  f"name), or {letter} \\cdot {digits.group(0)}")
            if len(run) > 1 and run in FUNCTION_WORDS:
                command = f"\\{run}" if run in _STANDARD_COMMANDS else f"\\operatorname{{{run}}}"
                raise self._error(f"'{run}' in LaTeX is the letters {' '.join(run)}", start, end,
                                  hint=f"write {command}(...) for the function")
            self._split_end = end
        self.pos = start + 1
        self._name(src[start], start, start + 1)

    def _name(self, name: str, start: int, end: int) -> None:
        """A name, with any subscript after it; ``e^{...}`` is ``exp(...)``."""
        tok = self._raw(self.pos)
        if tok.kind == "char" and tok.text == "_":
            a, b, after, _ = self._arg(tok.end)
            sub = self._subscript_name(a, b, tok.start, after)
            full, joined = f"{name}_{sub}", f"{name}{sub}"
            if full not in self.known and joined not in self.known and name in self.shapes:
                raise self._error(f"'{full}' is not declared, and {name} is a declared vector or matrix", start,
                                  after, hint=f"entries such as {self._quote(start, after)} are not supported; declare "
                                  f"{full} with --let if it is a name of its own")
            name = joined if joined in self.known and full not in self.known else full
            end = self.pos = after
        if name == "e" and "e" not in self.shapes:
            tok = self._peek()
            if tok.kind == "char" and tok.text == "^":
                a, b, after, _ = self._arg(tok.end)
                self._emit("exp(", start, tok.end)
                self._range(a, b, (tok.start, after))
                self.out.emit(")", b, after)
                self.pos = after
                return
        self._emit(name, start, end)

    def _subscript_name(self, start: int, end: int, at: int, after: int) -> str:
        parts: list[str] = []
        for t in self._tokens(start, end):
            if t in _SUB_WRAPPERS:
                continue
            if t.startswith("\\") and (t[1:] in GREEK or t[1:] in ("max", "min")):
                parts.append(t[1:])
            elif re.fullmatch(r"[A-Za-z0-9]", t):
                parts.append(t)
            else:
                raise self._error(f"subscript '{self._quote(start, end)}' is not part of a name", at, after,
                                  hint="subscripts are letters, digits and Greek letters, e.g. x_1, x_{ij}")
        if not parts:
            raise self._error("empty subscript", at, after, hint="write e.g. x_1 or x_{ij}")
        return "".join(parts)

    def _function(self, name: str, start: int, end: int, shown: str) -> None:
        """A function: its parenthesized argument, or one factor (``\\log\\det\\Sigma``)."""
        tok = self._peek()
        if name == "log" and tok.kind == "cmd" and tok.text == "det":
            name, shown, end = "logdet", shown + r"\det", tok.end
            self.pos = end
            tok = self._peek()
        if tok.kind == "char" and tok.text in "^_":
            what = "a power" if tok.text == "^" else "a subscript"
            hint = (f"write ({shown}(x))^2 for a power of the function" if tok.text == "^"
                    else f"write {shown}(x) without the subscript (the natural log, for \\log)")
            raise self._error(f"{shown} with {what} is not supported", start, tok.end, hint=hint)
        if tok.kind == "end":
            raise self._error(f"{shown} needs an argument", start, end, hint=f"write {shown}(x)")
        self._emit(name, start, end)
        d = self._delimiter(tok)
        if (d is not None and d.kind == "(" and d.role == "open") or (tok.kind == "char" and tok.text == "{"):
            self._factor()
            return
        self.out.emit("(", start, end)
        self._factor()
        self.out.emit(")", self.pos, self.pos)
        nxt = self._peek()
        if self._starts_operand(nxt):
            raise self._error(f"{self._quote(start, self.pos)} followed by another factor is ambiguous",
                              start, nxt.end, hint=f"put the argument in parentheses: {shown}(...)")

    def _sqrt(self, tok: _Tok) -> None:
        nxt = self._raw(tok.end)
        if nxt.kind == "char" and nxt.text == "[":
            raise self._error(r"only square roots are supported", tok.start, nxt.end,
                              hint=r"write x^{1/3} for a cube root of a scalar")
        a, b, after, _ = self._arg(tok.end)
        self._emit("sqrt(", tok.start, tok.end)
        self._range(a, b, (tok.start, after))
        self.out.emit(")", b, after)
        self.pos = after

    def _fraction(self, tok: _Tok) -> None:
        """``\\frac{a}{b}`` -> ``((a)/(b))``."""
        na, nb, nend, _ = self._arg(tok.end)
        da, db, dend, dbraced = self._arg(nend)
        self._emit("((", tok.start, tok.end)
        self._range(na, nb, (tok.start, nend))
        self.out.emit(")", nb, nend)
        self.out.emit("/", tok.start, tok.end)
        self.out.emit("(", da - 1 if dbraced else da, da)
        self._range(da, db, (tok.start, dend))
        self.out.emit("))", db, dend)
        self.pos = dend

    def _text_name(self, tok: _Tok) -> tuple[Literal["number", "name", "norm", "other"], _NormArg | None]:
        """``\\operatorname{tr}`` (a function) or ``\\mathrm{lam}`` (a name)."""
        k = self._raw(tok.end)
        start = k.end if k.kind == "char" and k.text == "*" and tok.text == "operatorname" else k.start
        brace = self._raw(start)
        if brace.kind != "char" or brace.text != "{":
            raise self._error(f"'\\{tok.text}' needs a name in braces", tok.start, brace.end,
                              hint=f"write \\{tok.text}{{tr}}, \\{tok.text}{{softmax}}, ...")
        close = self._match_brace(brace.start)
        m = _TEXT_NAME.fullmatch(self.src, brace.start + 1, close)
        if m is None:
            raise self._error(f"'\\{tok.text}' needs a name in braces", tok.start, close + 1,
                              hint=f"write \\{tok.text}{{tr}}, or a name of letters and digits")
        word, end = m.group(1), close + 1
        self.pos = end
        if word in NAMED_FUNCTIONS:
            self._function(NAMED_FUNCTIONS[word], tok.start, end, self._quote(tok.start, end))
            return "other", None
        if tok.text == "operatorname":
            raise self._error(f"unknown function '{word}' for vectors and matrices", tok.start, end,
                              hint=f"supported: {', '.join(sorted(NAMED_FUNCTIONS, key=str.lower))}")
        self._name(word, tok.start, end)
        return "name", None

    def _font(self, tok: _Tok) -> tuple[Literal["number", "name", "norm", "other"], _NormArg | None]:
        """``\\mathbf{1}`` (ones), ``\\mathbf{X}``, ``\\boldsymbol{\\beta}`` (names); else the group itself."""
        a, b, end, _ = self._arg(tok.end)
        toks = self._tokens(a, b)
        if toks == ["1"]:
            self.pos = end
            self._join_number = False  # 2\mathbf{1}^\top is 2 times a row of ones
            self._emit("1", tok.start, end)
            return "other", None
        if tok.text == "mathbb" and toks != ["I"]:
            raise self._error(f"'{self._quote(tok.start, end)}' is not supported here", tok.start, end,
                              hint=r"\mathbb{1} is the ones vector; declare sets and shapes with --let")
        if len(toks) == 1 and (re.fullmatch(r"[A-Za-z]", toks[0]) or toks[0][1:] in GREEK):
            self.pos = end
            self._name(toks[0].lstrip("\\"), tok.start, end)
            return "name", None
        if toks == ["0"]:
            raise self._error(f"'{self._quote(tok.start, end)}' is not supported here", tok.start, end,
                              hint=r"\mathbf{1} is the ones vector; declare sets and shapes with --let")
        self._emit("(", tok.start, a)
        self._range(a, b, (tok.start, end))
        self.out.emit(")", b, end)
        self.pos = end
        return "other", None

    # -- superscripts and subscripts -------------------------------------------
    def _superscript(self, caret: _Tok) -> None:
        r"""``^\top`` -> ``'``, ``^{-\top}`` -> ``'^-1``, ``^{\circ k}`` -> ``.^(k)``, else ``^(...)``."""
        a, b, end, braced = self._arg(caret.end)
        toks = self._tokens(a, b)
        key = " ".join(toks)
        self.pos = end
        if key in _TRANSPOSE or (key == "T" and "T" not in self.shapes):
            self._emit("'", caret.start, end)
            return
        rest = " ".join(toks[1:])
        if toks[:1] == ["-"] and (rest in _TRANSPOSE or (rest == "T" and "T" not in self.shapes)):
            self._emit("'^-1", caret.start, end)
            return
        if toks[:1] in (["\\circ"], ["\\odot"]):
            inner = self.src.index("\\", a) + len(toks[0])
            self._emit(" .^(", caret.start, inner)
            self._range(inner, b, (caret.start, end))
            self.out.emit(")", b, end)
            return
        if not braced and key == "-":
            raise self._error("a negative exponent needs braces", caret.start, end, hint="write X^{-1}")
        if _SIMPLE_EXPONENT.fullmatch("".join(toks)):
            self._emit("^", caret.start, a)
            self._range(a, b, (caret.start, end))
            return
        self._emit("^(", caret.start, a)
        self._range(a, b, (caret.start, end))
        self.out.emit(")", b, end)

    def _norm_subscript(self, under: _Tok, norm: _NormArg) -> None:
        """``_F`` or ``_2`` after a norm, dropped (``_2`` of a matrix is refused after parsing)."""
        a, b, end, _ = self._arg(under.end)
        key = " ".join(self._tokens(a, b))
        self.pos = end
        if key == "2":
            self.two_norms.append(_NormArg(norm.out_start, norm.out_end, norm.start, end))
        elif key not in _FROBENIUS:
            raise self._error(f"the norm '{self._quote(norm.start, end)}' is not supported", under.start, end,
                              hint=r"derive has the Euclidean norm \|x\| (or \|x\|_2) and the Frobenius norm \|X\|_F")
