"""LaTeX -> SymPy expression: our own layers around latex2sympy2_extended.

Before: an allow-list of commands, and every name, number and function call is
replaced by a placeholder we build ourselves (latex2sympy mis-reads ``2 3`` as 5,
``f(x+1)`` as f*(x+1) and ``\\gamma`` as EulerGamma). latex2sympy then only
parses structure: + - * / ^, \\frac, \\sqrt, |x|. After: an allow-listed walk
rebuilds the tree from our vocabulary and swaps the placeholders back.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

import sympy as sp

from derive.core.errors import ParseError, UsageError
from derive.parse.domain import VarDomain
from derive.parse.order import Recorder, TermOrder
from derive.parse import vocabulary as vocab

MAX_LATEX_NESTING = 16
"""Deepest accepted nesting of braces and brackets (latex2sympy slows sharply past it)."""

_GREEK = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa varkappa "
    "lambda mu nu xi omicron varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi "
    "omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega ell".split())
_TEXT_NAMES = frozenset({"operatorname", "mathrm", "text", "textrm", "mathit"})
_SPACING = frozenset({",", ";", ":", "!", " ", "quad", "qquad", ">", "displaystyle", "textstyle"})
_SIZING = frozenset({"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
                     "biggl", "biggr", "Biggl", "Biggr"})
_FUNCTION_COMMANDS = frozenset(
    "sin cos tan cot sec csc arcsin arccos arctan arccot arcsec arccsc sinh cosh tanh coth sech "
    "csch arsinh arcsinh arcosh arccosh artanh arctanh arcoth arccoth exp ln log sgn erf erfc "
    "max min".split())
_INVERSE = {"sin": "arcsin", "cos": "arccos", "tan": "arctan", "cot": "arccot", "sec": "arcsec",
            "csc": "arccsc", "sinh": "arsinh", "cosh": "arcosh", "tanh": "artanh", "coth": "arcoth",
            "sech": "asech", "csch": "acsch"}
_STRUCTURE = {"frac": 2, "dfrac": 2, "tfrac": 2, "sqrt": 1, "binom": 2}
_PASS_THROUGH = frozenset({"cdot", "times", "div", "lvert", "rvert", "vert", "lfloor", "rfloor",
                           "lceil", "rceil"})
_LATEX_FUNCTION_ALIASES = {"Gamma": "gamma"}
_COMMAND_HINTS = {
    "int": "derive differentiates; give the integrand itself",
    "sum": "sums are not supported; write the terms out",
    "prod": "products are not supported; write the factors out",
    "lim": "limits are not supported; give the expression itself",
    "partial": "give the expression itself; derive takes the derivative",
    "infty": "infinity is not a value derive can differentiate",
    "mathbf": "bold symbols are not supported; use a plain letter",
    "boldsymbol": "bold symbols are not supported; use a plain letter",
}
_CHAR_HINTS = {
    "'": "primes are not supported; write the expression itself",
    "=": "derive reads one expression, not an equation",
    "<": "derive reads one expression; put domains such as x > 0 in the where-clause",
    ">": "derive reads one expression; put domains such as x > 0 in the where-clause",
    "%": "remove LaTeX comments",
    "&": "alignment is not supported; give one expression",
}
_DEFAULT_HINT = r"supported: \frac \sqrt \cdot \left( \right), \sin \exp \log ..., Greek letters, \operatorname{name}"
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_TEXT_ARG = re.compile(r"\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}")
_SUB_CLEAN = re.compile(r"\\(?:operatorname|mathrm|textrm|text|mathit)\b|[\\{}\s]")
_SUB_OK = re.compile(r"[A-Za-z0-9,]+")
_CARET = re.compile(r"~*\^")


@dataclass(frozen=True, slots=True)
class _Run:
    """Per-call state: the source, the domains and the placeholder table.

    ``prefix`` never occurs in the source, so a placeholder cannot be forged.
    """

    src: str
    domains: Mapping[str, VarDomain] | None
    prefix: str
    table: list[sp.Expr] = field(default_factory=list)
    recorder: Recorder = field(default_factory=Recorder)

    def placeholder(self, value: sp.Expr) -> str:
        self.table.append(value)
        return rf"\text{{{self.prefix}{len(self.table) - 1}}}"

    def error(self, message: str, start: int, end: int | None = None, hint: str | None = None) -> ParseError:
        return ParseError(message, span=vocab.line_span(self.src, start, end), hint=hint)


_FrameKind = Literal["top", "arg", "group", "paren", "bracket", "option"]


@dataclass(slots=True)
class _Frame:
    """An open group in the rewriter: its kind, where it opened, arguments still owed.

    Mutable on purpose: it lives only while one range of the source is rewritten.
    """

    kind: _FrameKind
    pos: int
    pending: int = 0
    sqrt_option: bool = False


@dataclass(slots=True)
class _Out:
    """Rewritten text for latex2sympy, with the source index of every character."""

    chars: list[str] = field(default_factory=list)
    origin: list[int] = field(default_factory=list)
    last: str = "start"

    def emit(self, text: str, pos: int, kind: str | None = None) -> None:
        self.chars.append(text)
        self.origin.extend([pos] * len(text))
        if kind is not None:
            self.last = kind

    def text(self) -> str:
        return "".join(self.chars)


def parse_latex(text: str, domains: Mapping[str, VarDomain] | None = None) -> sp.Expr:
    r"""Parse LaTeX such as ``\frac{1}{1+e^{-z}}`` into a SymPy expression.

    Commands outside the allow-list are refused with a span on the command.
    """
    return parse_latex_ordered(text, domains)[0]


def parse_latex_ordered(text: str, domains: Mapping[str, VarDomain] | None = None) -> tuple[sp.Expr, TermOrder]:
    """``parse_latex``, with the order the terms were typed in (latex2sympy keeps it in its sums)."""
    if not isinstance(text, str):
        raise UsageError(f"parse_latex expects a str, got {type(text).__name__}",
                         hint="pass the expression as text")
    if len(text) > vocab.MAX_INPUT_CHARS:
        raise ParseError(f"input too long: {len(text)} characters (limit {vocab.MAX_INPUT_CHARS})",
                         span=vocab.line_span(text, vocab.MAX_INPUT_CHARS),
                         hint="split the expression into smaller parts")
    prefix = "zz"
    while prefix in text:
        prefix += "z"
    run = _Run(text, domains, prefix)
    expr = _convert(run, 0, len(text), 0)
    try:
        return vocab.check_result(expr, vocab.line_span(text, 0, len(text))), run.recorder.order()
    except RecursionError:
        raise run.error("expression nested too deeply", 0, len(text),
                        hint="split the expression into smaller parts") from None


def _convert(run: _Run, lo: int, hi: int, depth: int) -> sp.Expr:
    """Rewrite ``src[lo:hi]``, let latex2sympy parse it, and rebuild the result."""
    out = _rewrite(run, lo, hi, depth)
    rewritten = out.text()
    if not rewritten.strip():
        what = "empty expression" if depth == 0 else "empty argument"
        raise run.error(what, lo, max(hi, lo + 1), hint="write an expression such as x^2 + 1")
    single = re.fullmatch(rf"\s*\\text\{{{run.prefix}(\d+)\}}\s*", rewritten)
    if single is not None:
        return run.table[int(single.group(1))]
    raw = _latex2sympy(run, rewritten, out.origin, lo, hi)
    if vocab.expr_depth(raw) > vocab.MAX_TREE_DEPTH:
        raise run.error(f"expression nested deeper than {vocab.MAX_TREE_DEPTH} levels", lo, hi,
                        hint="simplify repeated signs or powers, or split the expression")
    try:
        return _rebuild(run, raw, lo, hi)
    except RecursionError:
        raise run.error("expression nested too deeply", lo, hi,
                        hint="split the expression into smaller parts") from None


def _skip_space(src: str, j: int, hi: int) -> int:
    while j < hi and src[j].isspace():
        j += 1
    return j


def _command(src: str, i: int, hi: int) -> tuple[str, int]:
    """The command starting at the backslash ``src[i]``: its name and end."""
    j = i + 1
    if j >= hi:
        return "", j
    if not src[j].isalpha() or not src[j].isascii():
        return src[j], j + 1
    while j < hi and src[j].isascii() and src[j].isalpha():
        j += 1
    return src[i + 1:j], j


def _open_paren(src: str, j: int, hi: int, *, tight: bool) -> int | None:
    """Index of a ``(`` (or ``\\left(``) starting at ``j``; spaces first only if not tight."""
    k = j if tight else _skip_space(src, j, hi)
    if src.startswith("\\left", k, hi) and not (k + 5 < hi and src[k + 5].isalpha()):
        k = _skip_space(src, k + 5, hi)
    return k if k < hi and src[k] == "(" else None


def _close_paren(run: _Run, open_idx: int, hi: int) -> tuple[int, int]:
    """For the ``(`` at ``open_idx``: the end of its contents (before any ``\\right``) and after ``)``."""
    src, depth = run.src, 0
    for k in range(open_idx, hi):
        if src[k] == "(":
            depth += 1
        elif src[k] == ")":
            depth -= 1
            if depth == 0:
                inner_end = k
                stripped = src[open_idx + 1:k].rstrip()
                if stripped.endswith("\\right"):
                    inner_end = open_idx + 1 + len(stripped) - len("\\right")
                return inner_end, k + 1
    raise run.error("unclosed '('", open_idx, hint="add a matching ')'")


def _split_args(src: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Top-level comma-separated ranges of ``src[lo:hi]``."""
    parts: list[tuple[int, int]] = []
    depth, start = 0, lo
    for k in range(lo, hi):
        ch = src[k]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append((start, k))
            start = k + 1
    parts.append((start, hi))
    return parts


def _subscript(run: _Run, j: int, hi: int) -> tuple[str, int]:
    """A raw subscript after a name (``_1``, ``_{max}``, ``_\\alpha``): its text and end."""
    src = run.src
    k = _skip_space(src, j, hi)
    if k >= hi or src[k] != "_":
        return "", j
    k = _skip_space(src, k + 1, hi)
    if k >= hi:
        raise run.error("subscript is missing", k - 1, hint="write e.g. x_1 or x_{max}")
    if src[k] == "{":
        depth, end = 0, None
        for m in range(k, hi):
            depth += {"{": 1, "}": -1}.get(src[m], 0)
            if depth == 0:
                end = m + 1
                break
        if end is None:
            raise run.error("unclosed '{'", k, hint="add a matching '}'")
        raw = src[k:end]
    elif src[k] == "\\":
        name, end = _command(src, k, hi)
        if name not in _GREEK:
            raise run.error(f"'\\{name}' cannot be a subscript", k, end, hint="use letters, digits or Greek letters")
        raw = src[k:end]
    else:
        end = k + 1
        raw = src[k]
    body = _SUB_CLEAN.sub("", raw)
    if not _SUB_OK.fullmatch(body):
        raise run.error(f"subscript {raw!r} is not a name", k, end,
                        hint="subscripts are letters, digits and commas, e.g. x_1, x_{ij}, w_{i,j}")
    return body, end


def _take_arg(frames: list[_Frame]) -> bool:
    """Consume one owed argument of the innermost group (after ^, _, \\frac...)."""
    top = frames[-1]
    top.sqrt_option = False
    if top.pending > 0:
        top.pending -= 1
        return True
    return False


def _emit_atom(out: _Out, run: _Run, value: sp.Expr, pos: int, in_arg: bool) -> None:
    holder = run.placeholder(value)
    out.emit("{" + holder + "}" if in_arg else holder, pos, "atom")


def _rewrite(run: _Run, lo: int, hi: int, depth: int) -> _Out:
    """The allow-list pass: check every character and command, emit placeholders."""
    src, out = run.src, _Out()
    frames = [_Frame("top", lo)]
    i = lo
    while i < hi:
        ch = src[i]
        if ch.isspace() or ch in "$~":
            out.emit(" ", i)
            i += 1
            continue
        if ch in ")]}":
            i = _close(run, out, frames, i)
            continue
        if ch == "[" and frames[-1].sqrt_option:
            frames[-1].sqrt_option = False
            frames.append(_Frame("option", i))
            _check_depth(run, frames, depth, i)
            out.emit("[", i, "open")
            i += 1
            continue
        in_arg = _take_arg(frames)
        if ch == "\\":
            i = _backslash(run, out, frames, i, hi, depth, in_arg)
        elif ch.isascii() and ch.isalpha():
            i = _name(run, out, ch, i, i + 1, hi, depth, in_arg)
        elif ch in "0123456789.":
            i = _number(run, out, i, hi, in_arg)
        elif ch in "([{":
            if ch == "{" and in_arg:
                frames.append(_Frame("arg", i))
                out.emit("{", i, "open")
            else:
                if out.last == "atom":
                    out.emit(r"\cdot ", i)
                kind: _FrameKind = "paren" if ch == "(" else "bracket" if ch == "[" else "group"
                frames.append(_Frame(kind, i))
                out.emit("(" if ch == "{" else ch, i, "open")
            _check_depth(run, frames, depth, i)
            i += 1
        elif ch in "^":
            frames[-1].pending = 1
            out.emit(ch, i, "op")
            i += 1
        elif ch == "_":
            raise run.error("subscript not attached to a name", i,
                            hint="put subscripts right after the name, e.g. x_1^2")
        elif ch in "+-*/|!,":
            out.emit(ch, i, "close" if ch in "|!" else "op")
            i += 1
        else:
            raise run.error(f"unexpected character {ch!r}", i, hint=_CHAR_HINTS.get(ch, _DEFAULT_HINT))
    if len(frames) > 1:
        top = frames[-1]
        closer = {"arg": "}", "group": "}", "paren": ")", "bracket": "]", "option": "]"}[top.kind]
        raise run.error(f"unclosed {src[top.pos]!r}", top.pos, hint=f"add a matching {closer!r}")
    return out


def _check_depth(run: _Run, frames: list[_Frame], depth: int, i: int) -> None:
    if depth + len(frames) - 1 > MAX_LATEX_NESTING:
        raise run.error(f"LaTeX nested deeper than {MAX_LATEX_NESTING} levels", i,
                        hint="split the expression into smaller parts")


def _close(run: _Run, out: _Out, frames: list[_Frame], i: int) -> int:
    ch = run.src[i]
    top = frames[-1]
    wanted = {"paren": ")", "bracket": "]", "option": "]", "arg": "}", "group": "}"}.get(top.kind)
    if wanted is None:
        raise run.error(f"unmatched {ch!r}", i, hint="remove it or add the opening bracket")
    if wanted != ch:
        raise run.error(f"{run.src[top.pos]!r} is closed by {ch!r}", i, hint=f"close it with {wanted!r}")
    frames.pop()
    out.emit(")" if top.kind == "group" else ch, i, "close")
    if top.kind == "option":
        frames[-1].pending = 1
    return i + 1


def _number(run: _Run, out: _Out, i: int, hi: int, in_arg: bool) -> int:
    m = _NUMBER.match(run.src, i, hi)
    if m is None:
        raise run.error("unexpected '.'", i, hint="write decimals as 0.5")
    end = i + 1 if in_arg and run.src[i] != "." else m.end()  # x^23 is x^2 * 3 in TeX
    frac = Fraction(run.src[i:end])
    if frac.denominator != 1:
        run.recorder.decimals = True
    _emit_atom(out, run, sp.Rational(frac.numerator, frac.denominator), i, in_arg)
    return end


def _name(run: _Run, out: _Out, base: str, start: int, j: int, hi: int, depth: int, in_arg: bool) -> int:
    """A variable, constant or function name, with its subscript and maybe a call."""
    sub, j = ("", j) if in_arg else _subscript(run, j, hi)
    name = f"{base}_{sub}" if sub else base
    fname = _LATEX_FUNCTION_ALIASES.get(name, name)
    if fname in vocab.FUNCTIONS and fname not in vocab.CALLABLE_VARIABLES and not in_arg:
        # \operatorname{atan}{\left(x\right)}, as SymPy prints it, or \operatorname{erf} x.
        return _function(run, out, fname, start, j, hi, depth, in_arg)
    tight = _open_paren(run.src, j, hi, tight=True)
    loose = _open_paren(run.src, j, hi, tight=False)
    if base in vocab.CONSTANTS or in_arg or name in (run.domains or {}):
        call_at = None  # a declared variable before "(" multiplies: \lambda(x-\mu)^2
    elif fname in vocab.FUNCTIONS or base in vocab.UNDEFINED_LETTERS:
        call_at = loose
    elif len(base) > 1:
        call_at = tight
    else:
        call_at = None
    if call_at is not None:
        expr, end = _call(run, fname, start, call_at, hi, depth)
        _emit_atom(out, run, expr, start, in_arg)
        return end
    value = vocab.variable(name, run.domains, vocab.line_span(run.src, start, j))
    _emit_atom(out, run, value, start, in_arg)
    return j


def _call(run: _Run, name: str, start: int, paren: int, hi: int, depth: int,
          extra: list[sp.Expr] | None = None) -> tuple[sp.Expr, int]:
    """Parse each argument of ``name(...)`` on its own and apply the function.

    ``extra`` arguments come after the parenthesised ones (the base of ``\\log_b(x)``).
    """
    inner_end, after = _close_paren(run, paren, hi)
    if depth + 1 > MAX_LATEX_NESTING:
        raise run.error(f"LaTeX nested deeper than {MAX_LATEX_NESTING} levels", paren,
                        hint="split the expression into smaller parts")
    args: list[sp.Expr] = []
    for a, b in _split_args(run.src, paren + 1, inner_end):
        if not run.src[a:b].strip():
            raise run.error("empty argument", a, b + 1, hint=f"put an expression inside, e.g. {name}(x)")
        args.append(_convert(run, a, b, depth + 1))
    return vocab.call(name, [*args, *(extra or [])], vocab.line_span(run.src, start, after)), after


def _backslash(run: _Run, out: _Out, frames: list[_Frame], i: int, hi: int, depth: int, in_arg: bool) -> int:
    """One command: spacing, names, functions, structure, or a refusal with its span."""
    src = run.src
    name, j = _command(src, i, hi)
    if name == "":
        raise run.error("lone backslash at the end", i, hint="remove it")
    if name in _SPACING:
        out.emit(" ", i)
        frames[-1].pending += 1 if in_arg else 0  # spacing does not fill an argument
        return j
    if name in _SIZING:
        k = _skip_space(src, j, hi)
        if k < hi and src[k] == ".":
            raise run.error(f"'\\{name}.' is not supported", i, k + 1, hint="balance \\left( with \\right)")
        frames[-1].pending += 1 if in_arg else 0
        return j
    if name in _TEXT_NAMES:
        m = _TEXT_ARG.match(src, _skip_space(src, j, hi), hi)
        if m is None:
            raise run.error(f"'\\{name}' needs a name in braces", i, j, hint=f"write \\{name}{{sigmoid}}")
        return _name(run, out, m.group(1), i, m.end(), hi, depth, in_arg)
    if name in _GREEK:
        return _name(run, out, name, i, j, hi, depth, in_arg)
    if name == "pi":
        return _name(run, out, "pi", i, j, hi, depth, in_arg)
    if name in _FUNCTION_COMMANDS:
        return _function(run, out, name, i, j, hi, depth, in_arg)
    if name in _STRUCTURE:
        if name in ("frac", "dfrac", "tfrac"):
            _refuse_derivative(run, i, j, hi)
        out.emit("\\frac" if name in ("dfrac", "tfrac") else "\\" + name, i, "op")
        frames[-1].pending = _STRUCTURE[name]
        frames[-1].sqrt_option = name == "sqrt"
        return j
    if name in _PASS_THROUGH:
        out.emit("\\" + name + " ", i, "close" if name.startswith("r") else "op")
        return j
    shown = "\\" + name
    raise run.error(f"unsupported LaTeX command '{shown}'", i, j,
                    hint=_COMMAND_HINTS.get(name, "this command is not on derive's allow-list; " + _DEFAULT_HINT))


_D = r"\s*(?:d|\\mathrm\s*\{\s*d\s*\}|\\operatorname\s*\{\s*d\s*\})"
_D_NUMERATOR = re.compile(_D + r"(?![A-Za-z]{2})")
_D_DENOMINATOR = re.compile(_D + r"\s*(?:\\[A-Za-z]+|[A-Za-z])(?:_\S+)?\s*(?:\^\s*\{?\s*[0-9]+\s*\}?)?\s*")


def _brace_arg(src: str, k: int, hi: int) -> tuple[str, int]:
    """The text of a TeX argument at ``k`` (a brace group or one character) and its end."""
    k = _skip_space(src, k, hi)
    if k >= hi:
        return "", k
    if src[k] == "{":
        end = _group_end(src, k, hi)
        return src[k + 1:end - 1], end
    return src[k], k + 1


def _refuse_derivative(run: _Run, i: int, j: int, hi: int) -> None:
    """``\\frac{d}{dx} f`` would silently read as d/(d*x)*f = f/x; refuse it instead."""
    top, k = _brace_arg(run.src, j, hi)
    bottom, end = _brace_arg(run.src, k, hi)
    if _D_NUMERATOR.match(top) and _D_DENOMINATOR.fullmatch(bottom):
        raise run.error("derivative notation d/dx is not supported", i, end,
                        hint="give the expression itself; derive takes the derivative")


_INVERSE_MARK = re.compile(r"\s*\^\s*(?:\{\s*-\s*1\s*\}|-\s*1(?![0-9]))")


def _function(run: _Run, out: _Out, name: str, i: int, j: int, hi: int, depth: int, in_arg: bool) -> int:
    """A function command, parsed entirely by us: ``\\sin(x)``, ``\\sin^2 x``, ``\\log_2 x``.

    Without parentheses the argument runs to the next + - \\cdot / or function, so
    ``\\sin x \\cos x`` is sin(x)*cos(x) and ``\\sin 2x`` is sin(2x).
    """
    src = run.src
    inverse = _INVERSE_MARK.match(src, j, hi)
    if inverse is not None and name in _INVERSE:
        name, j = _INVERSE[name], inverse.end()
    base: list[sp.Expr] = []
    if name == "log":
        sub, j = _script(run, "_", j, hi, depth)
        base = [] if sub is None else [sub]
    power, j = _script(run, "^", j, hi, depth)
    paren = _open_paren(src, j, hi, tight=False)
    if paren is not None:
        expr, end = _call(run, name, i, paren, hi, depth, extra=base)
    else:
        a, end = _implicit_argument(run, j, hi)
        if not src[a:end].strip():
            raise run.error(f"'\\{name}' has no argument", i, j, hint=f"write \\{name}(x)")
        if depth + 1 > MAX_LATEX_NESTING:
            raise run.error(f"LaTeX nested deeper than {MAX_LATEX_NESTING} levels", a,
                            hint="split the expression into smaller parts")
        arg = _convert(run, a, end, depth + 1)
        expr = vocab.call(name, [arg, *base], vocab.line_span(src, i, end))
    if power is not None:
        expr = vocab.power(expr, power, vocab.line_span(src, i, end))
    _emit_atom(out, run, expr, i, in_arg)
    return end


def _group_end(src: str, k: int, hi: int) -> int:
    """Index after the bracket group opening at ``src[k]`` (hi if it never closes)."""
    opener = src[k]
    closer = {"(": ")", "[": "]", "{": "}"}[opener]
    depth = 0
    for m in range(k, hi):
        if src[m] == opener:
            depth += 1
        elif src[m] == closer:
            depth -= 1
            if depth == 0:
                return m + 1
    return hi


def _script(run: _Run, mark: str, j: int, hi: int, depth: int) -> tuple[sp.Expr | None, int]:
    """A ``^`` or ``_`` script after a function (``\\sin^2``, ``\\log_{10}``), parsed on its own."""
    src = run.src
    k = _skip_space(src, j, hi)
    if k >= hi or src[k] != mark:
        return None, j
    k = _skip_space(src, k + 1, hi)
    if k >= hi:
        raise run.error(f"'{mark}' has nothing after it", k - 1, hint="write e.g. \\sin^2 x or \\log_{2} x")
    if src[k] == "{":
        end = _group_end(src, k, hi)
        a, b = k + 1, end - 1
    elif src[k] == "\\":
        a, b = k, _command(src, k, hi)[1]
        end = b
    else:
        a, b = k, k + 1
        end = b
    if depth + 1 > MAX_LATEX_NESTING:
        raise run.error(f"LaTeX nested deeper than {MAX_LATEX_NESTING} levels", k,
                        hint="split the expression into smaller parts")
    return _convert(run, a, b, depth + 1), end


_ARGUMENT_STOPS = frozenset({"cdot", "times", "div", "right", "rvert", "rfloor", "rceil"})


def _implicit_argument(run: _Run, j: int, hi: int) -> tuple[int, int]:
    """The range of an unparenthesised function argument: the next product of factors."""
    src = run.src
    k = start = _skip_space(src, j, hi)
    tokens = 0
    while k < hi:
        ch = src[k]
        if ch.isspace():
            k += 1
        elif ch in "+-" and tokens == 0:
            k += 1
        elif ch in "+-*/,|=)]}":
            break
        elif ch in "([{":
            k = _group_end(src, k, hi)
            tokens += 1
            if ch == "{" and tokens == 1:
                break  # \sin{x}^2 is sin(x)^2, as SymPy prints it
        elif ch in "^_":
            k = _skip_space(src, k + 1, hi)
            if k < hi and src[k] == "{":
                k = _group_end(src, k, hi)
            elif k < hi and src[k] == "\\":
                k = _command(src, k, hi)[1]
            else:
                k = min(k + 1, hi)
        elif ch == "!":
            k += 1
        elif ch == "\\":
            name, e = _command(src, k, hi)
            if name in _ARGUMENT_STOPS or (tokens > 0 and (name in _FUNCTION_COMMANDS or name in _STRUCTURE)):
                break
            if name == "left":
                k = _skip_space(src, e, hi)
                k = _group_end(src, k, hi) if k < hi and src[k] in "([" else e
                tokens += 1
            else:
                # A leading function (\sin \sin x) takes the rest as its own argument.
                k = e
                tokens += 0 if name in _SPACING or name in _FUNCTION_COMMANDS else 1
        else:
            k += 1
            tokens += 1
    return start, k


def _latex2sympy(run: _Run, rewritten: str, origin: list[int], lo: int, hi: int) -> sp.Basic:
    """Call latex2sympy on our rewritten text; any failure becomes a one-line ParseError."""
    from latex2sympy2_extended.latex2sympy2 import ConversionConfig, latex2sympy

    config = ConversionConfig(interpret_as_mixed_fractions=False, interpret_simple_eq_as_assignment=False,
                              interpret_contains_as_eq=False, lowercase_symbols=False)
    try:
        result = latex2sympy(rewritten, normalization_config=None, conversion_config=config)
    except RecursionError:
        raise run.error("expression nested too deeply", lo, hi, hint="split the expression into smaller parts") from None
    except Exception as exc:  # latex2sympy raises bare Exception (and others) for bad input
        raise _latex2sympy_error(run, exc, origin, lo, hi) from exc
    if not isinstance(result, sp.Basic):
        raise run.error("LaTeX did not give a single expression", lo, hi, hint="write one expression")
    return result


def _latex2sympy_error(run: _Run, exc: Exception, origin: list[int], lo: int, hi: int) -> ParseError:
    lines = str(exc).split("\n")
    if len(lines) >= 3 and _CARET.fullmatch(lines[-1]):
        col = len(lines[-1]) - 1
        pos = origin[col] if col < len(origin) else hi
        found = f"'{run.src[pos]}'" if pos < hi else "the end of the input"
        return run.error(f"cannot read the LaTeX at {found}", pos,
                         hint="check that every command has its arguments, e.g. \\frac{a}{b}, "
                              "and that operators have operands")
    detail = " ".join(str(exc).split()) or type(exc).__name__
    return run.error(f"cannot read the LaTeX: {detail}", lo, hi, hint="simplify the LaTeX or use plain text")


_HINTS_BY_NODE = {
    "Derivative": "give the expression itself; derive takes the derivative",
    "Integral": "derive differentiates; give the integrand itself",
    "FiniteSet": "commas only separate function arguments; group with ( ), not { }",
    "Equality": "derive reads one expression, not an equation",
}


def _rebuild(run: _Run, raw: sp.Basic, lo: int, hi: int) -> sp.Expr:
    """Walk latex2sympy's tree (without recursion) and rebuild it from the allow-list."""
    span = vocab.line_span(run.src, lo, hi)
    results: list[sp.Expr] = []
    stack: list[tuple[sp.Basic, bool]] = [(raw, False)]
    while stack:
        node, ready = stack.pop()
        if not ready:
            if not node.args:
                results.append(_leaf(run, node, lo, hi))
                run.recorder.record(results[-1])
                continue
            if not (isinstance(node, (sp.Add, sp.Mul, sp.Pow)) or type(node) in vocab.SYMPY_FUNCTION_NAMES):
                kind = type(node).__name__
                raise ParseError(f"LaTeX construct {kind} is not supported", span=span,
                                 hint=_HINTS_BY_NODE.get(kind, "write a plain expression"))
            stack.append((node, True))
            stack.extend((a, False) for a in reversed(node.args))
            continue
        n = len(node.args)
        args = results[-n:]
        del results[-n:]
        if isinstance(node, sp.Add):
            results.append(run.recorder.typed_sum(args, sp.Add(*args)))
        elif isinstance(node, sp.Mul):
            results.append(sp.Mul(*args))
        elif isinstance(node, sp.Pow):
            results.append(vocab.power(args[0], args[1], span))
        else:
            results.append(vocab.call(vocab.SYMPY_FUNCTION_NAMES[type(node)], args, span))
        run.recorder.record(results[-1])
    (expr,) = results
    return expr


def _leaf(run: _Run, node: sp.Basic, lo: int, hi: int) -> sp.Expr:
    """Placeholders become what we built; latex2sympy's own -1, 1/2 and E (of \\ln) pass.

    Our numbers are placeholders too, so a Float here would be latex2sympy's own doing: refused.
    """
    if isinstance(node, sp.Symbol):
        m = re.fullmatch(rf"{run.prefix}(\d+)", node.name)
        if m is None or int(m.group(1)) >= len(run.table):
            raise run.error(f"LaTeX produced an unexpected symbol {node.name!r}", lo, hi,
                            hint="write names as letters, Greek letters or \\operatorname{name}")
        return run.table[int(m.group(1))]
    if isinstance(node, sp.Rational) or node in (sp.E, sp.pi):
        return node
    raise run.error(f"LaTeX value {type(node).__name__} is not supported", lo, hi,
                    hint="write a plain expression")
