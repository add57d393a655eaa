r"""A derivation's own macros: ``\newcommand``, ``\renewcommand``, ``\providecommand``, ``\def`` and
``\DeclareMathOperator``, collected from the file and expanded in its terms and declarations.

Authors write ``\newcommand{\R}{\mathbb{R}}``, ``\newcommand{\norm}[1]{\left\lVert #1\right\rVert}``,
``\def\T{^\top}`` or ``\DeclareMathOperator{\Tr}{Tr}`` in the preamble and use them in the maths. The
expander is purely textual and bounded: it never reads another file and never runs anything; it
only substitutes a macro's body (with ``#1``..``#9`` replaced by the arguments) where the macro is
used. Whatever a body contains is then read by the maths reader like text typed in place, so a
body with ``\input``, ``\write18``, ``\csname`` or ``\catcode`` is refused there, as it would be if
typed directly. Bounds: at most ``MAX_EXPANSIONS`` substitutions per text (a macro that expands to
itself stops there) and an output of at most ``MAX_OUTPUT`` characters; beyond either the text is
refused with a ParseError, never expanded partially.

Decisions: a definition is recognised anywhere in the file (preamble or body), outside comments; the
last definition of a name wins (``\renewcommand``); ``\providecommand`` does not replace an earlier
definition. ``\newcommand{\f}[2][x]{...}`` (an optional first argument with its default) is read.
``\def`` with a parameter text other than ``#1#2...`` (delimited arguments) is not read: the macro
stays unknown to the maths reader. ``\DeclareMathOperator{\Tr}{Tr}`` expands to
``\operatorname{Tr}`` (the starred form to ``\operatorname*{Tr}``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from derive.core.errors import ParseError

MAX_EXPANSIONS = 2000
"""The most macro substitutions in one text."""

MAX_OUTPUT = 20_000
"""The longest text an expansion may produce (characters)."""

MAX_DEFINITIONS = 500
"""The most definitions read from one file."""


@dataclass(frozen=True, slots=True)
class Macro:
    """One definition: ``name`` without the backslash, its parameter count, the optional first
    argument's default (or None), its body, and the span of the definition in the file."""

    name: str
    params: int
    default: str | None
    body: str
    start: int = 0
    end: int = 0


@dataclass(frozen=True, slots=True)
class Macros:
    """The definitions of one file, by name, and the spans of their definitions (to blank them)."""

    table: dict[str, Macro] = field(default_factory=dict)
    spans: tuple[tuple[int, int], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.table)

    def expand(self, text: str) -> str:
        """``text`` with every use of a macro replaced by its expansion (ParseError past the bounds)."""
        return expand(text, self) if self.table else text


_DEFINER = re.compile(r"\\(newcommand|renewcommand|providecommand|DeclareMathOperator|def)(\*?)(?![A-Za-z])")
_NAME = re.compile(r"\\([A-Za-z]+|.)", re.DOTALL)
_PARAMS = re.compile(r"\[\s*([1-9])\s*\]")
_DEF_PARAMS = re.compile(r"(?:#[1-9])*")


def collect(text: str) -> Macros:
    """The macro definitions of ``text`` (comments already blanked by the caller)."""
    table: dict[str, Macro] = {}
    spans: list[tuple[int, int]] = []
    for match in _DEFINER.finditer(text):
        if len(spans) >= MAX_DEFINITIONS:
            break
        if spans and match.start() < spans[-1][1]:
            continue  # inside the body of an earlier definition
        kind, star = match.group(1), match.group(2)
        macro = _definition(text, match.end(), kind, star, match.start())
        if macro is None:
            continue
        spans.append((macro.start, macro.end))
        if kind == "providecommand" and macro.name in table:
            continue
        table[macro.name] = macro
    return Macros(table, tuple(spans))


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\n":
        i += 1
    return i


def _group(text: str, i: int) -> tuple[str, int] | None:
    """The content of the brace group starting at ``i`` (after spaces) and the offset past it."""
    i = _skip_space(text, i)
    if i >= len(text) or text[i] != "{":
        return None
    depth = 0
    j = i
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[i + 1:j], j + 1
        j += 1
    return None


def _definition(text: str, i: int, kind: str, star: str, start: int) -> Macro | None:
    if kind == "def":
        name = _NAME.match(text, _skip_space(text, i))
        if name is None:
            return None
        params = _DEF_PARAMS.match(text, name.end())
        assert params is not None
        count = len(params.group(0)) // 2
        if params.group(0) != "".join(f"#{k}" for k in range(1, count + 1)):
            return None
        body = _group(text, params.end())
        if body is None:
            return None
        return Macro(name.group(1), count, None, body[0], start, body[1])
    j = _skip_space(text, i)
    if j < len(text) and text[j] == "{":
        inner = _group(text, j)
        if inner is None:
            return None
        name = _NAME.fullmatch(inner[0].strip())
        j = inner[1]
    else:
        name = _NAME.match(text, j)
        j = name.end() if name else j
    if name is None:
        return None
    if kind == "DeclareMathOperator":
        body = _group(text, j)
        if body is None:
            return None
        return Macro(name.group(1), 0, None, f"\\operatorname{star}{{{body[0]}}}", start, body[1])
    count = 0
    default = None
    params = _PARAMS.match(text, _skip_space(text, j))
    if params is not None:
        count = int(params.group(1))
        j = params.end()
        k = _skip_space(text, j)
        if k < len(text) and text[k] == "[":
            close = _matching_bracket(text, k)
            if close is None:
                return None
            default, j = text[k + 1:close], close + 1
    body = _group(text, j)
    if body is None:
        return None
    return Macro(name.group(1), count, default, body[0], start, body[1])


def _matching_bracket(text: str, i: int) -> int | None:
    depth = 0
    j = i
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
            if depth == 0:
                return j if c == "]" else None
        j += 1
    return None


def _argument(text: str, i: int) -> tuple[str, int] | None:
    """One undelimited argument at ``i``: a brace group's content, a control sequence or a character."""
    i = _skip_space(text, i)
    if i >= len(text):
        return None
    if text[i] == "{":
        return _group(text, i)
    if text[i] == "}":
        return None
    if text[i] == "\\":
        name = _NAME.match(text, i)
        if name is None:  # a lone backslash at the very end: no argument
            return None
        return name.group(0), name.end()
    return text[i], i + 1


def _substitute(body: str, args: list[str]) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "#" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "#":
                out.append("#")
                i += 2
                continue
            if nxt.isdigit() and 1 <= int(nxt) <= len(args):
                out.append(args[int(nxt) - 1])
                i += 2
                continue
        out.append(c)
        i += 1
    return "".join(out)


def expand(text: str, macros: Macros) -> str:
    """Expand every macro of ``macros`` in ``text``, rescanning each substitution (bounded)."""
    table = macros.table
    count = 0
    i = 0
    while i < len(text):
        if text[i] != "\\":
            i += 1
            continue
        name = _NAME.match(text, i)
        if name is None:  # a lone backslash at the very end: nothing to expand
            break
        macro = table.get(name.group(1))
        if macro is None:
            i = name.end()
            continue
        count += 1
        if count > MAX_EXPANSIONS:
            raise ParseError(f"more than {MAX_EXPANSIONS} macro expansions (a macro that expands to itself?)",
                             hint=f"check the definition of \\{macro.name}")
        j = name.end()
        args: list[str] = []
        wanted = macro.params
        if macro.default is not None:
            k = _skip_space(text, j)
            if k < len(text) and text[k] == "[":
                close = _matching_bracket(text, k)
                if close is None:
                    raise ParseError(f"the optional argument of \\{macro.name} is never closed")
                args.append(text[k + 1:close])
                j = close + 1
            else:
                args.append(macro.default)
            wanted -= 1
        for _ in range(wanted):
            arg = _argument(text, j)
            if arg is None:
                raise ParseError(f"\\{macro.name} takes {macro.params} argument(s); some are missing",
                                 hint=f"write \\{macro.name}{{...}} with its arguments")
            args.append(arg[0])
            j = arg[1]
        replacement = _substitute(macro.body, args)
        # a control word directly followed by a letter would merge with it: keep them apart
        if replacement and re.search(r"\\[A-Za-z]+$", replacement) and j < len(text) and text[j].isalpha():
            replacement += " "
        text = text[:i] + replacement + text[j:]
        if len(text) > MAX_OUTPUT:
            raise ParseError(f"macro expansion longer than {MAX_OUTPUT} characters",
                             hint=f"check the definition of \\{macro.name}")
    return text
