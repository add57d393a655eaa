"""A LaTeX derivation -> chains of steps, with the file line of every right side.

The reader only finds structure; it never interprets the mathematics (``derive.parse.latex`` does).
Every display-math environment is a chain: rows split at ``\\\\``, ``&`` is ignored, a row that
starts with a relation continues the chain, and a row that starts with ``+``, ``-``, ``\\cdot`` or
``\\times`` continues the expression of the row above (a long line broken for width, as in
``multline``). Between displays, inline text is kept for the report, and ``% derive:`` comment lines
are collected as declarations.

All cleaning is length-preserving blanking of the source (a removed ``\\label{...}`` becomes spaces,
newlines kept), so every offset found in the cleaned text is an offset in the file and the line of a
step is exact. Relations are found only at the top level (outside braces, brackets and parentheses):
``\\sum_{i=1}^n`` and ``P(X = x)`` are not split.

Decisions: a top-level ``\\quad``/``\\qquad`` after some mathematics starts a note (``\\qquad
\\text{by the chain rule}``, ``\\quad i = 1, \\dots, n``) that is kept as the step's comment, never
read as mathematics; a leading ``\\quad`` is indentation. ``= \\dots + \\text{const}`` (also
``\\mathrm{const}``, ``\\text{constant}``) makes the step "equal up to an additive constant"; a bare
``+ C`` may be a variable, so it does not.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from derive.core.errors import ParseError
from derive.parse import vocabulary as vocab
from derive.parse.macros import Macros, collect

MAX_FILE_CHARS = 1_000_000
"""The largest derivation read (1 MB of text); a bigger file is refused before any work."""

DISPLAY_ENVIRONMENTS = frozenset({
    "align", "align*", "equation", "equation*", "gather", "gather*", "multline", "multline*",
    "flalign", "flalign*", "alignat", "alignat*", "eqnarray", "eqnarray*", "displaymath", "math",
})
"""Environments whose body is one display (rows split at ``\\\\``)."""

JOINED_ENVIRONMENTS = frozenset({"multline", "multline*", "equation", "equation*", "displaymath"})
"""Environments that hold one equation: their ``\\\\`` breaks a long line, it does not start a row
(a ``split`` or ``aligned`` inside them brings the rows back)."""

INNER_ENVIRONMENTS = frozenset({"aligned", "split", "gathered", "alignedat", "multlined"})
"""Environments inside a display whose markers are dropped and whose rows are the display's."""

RELATIONS: dict[str, str] = {
    "=": "=", "<": "<", ">": ">", "\\le": "<=", "\\leq": "<=", "\\leqslant": "<=", "\\ge": ">=",
    "\\geq": ">=", "\\geqslant": ">=", "\\lt": "<", "\\gt": ">", "\\propto": "propto", "\\approx": "approx",
    "\\equiv": "=", "\\neq": "!=", "\\ne": "!=", ":=": ":=", "\\coloneqq": ":=", "\\triangleq": ":=",
}
"""Comparison relations between expressions, by their LaTeX, as the checker names them."""

CONNECTIVES: dict[str, str] = {
    "\\iff": "iff", "\\Leftrightarrow": "iff", "\\Longleftrightarrow": "iff", "\\implies": "implies",
    "\\Rightarrow": "implies", "\\Longrightarrow": "implies", "\\therefore": "implies",
}
"""Logical relations between equations."""

LOGICAL = frozenset(CONNECTIVES.values())

_IGNORED_WITH_ARGUMENT = ("\\label", "\\tag*", "\\tag", "\\eqref", "\\hspace*", "\\hspace", "\\vspace*",
                          "\\vspace", "\\phantom", "\\hphantom", "\\vphantom")
_IGNORED_WORDS = frozenset({
    "\\nonumber", "\\notag", "\\limits", "\\nolimits", "\\displaystyle", "\\textstyle", "\\scriptstyle",
    "\\left", "\\right", "\\middle", "\\big", "\\Big", "\\bigg", "\\Bigg", "\\bigl", "\\bigr", "\\Bigl",
    "\\Bigr", "\\biggl", "\\biggr", "\\Biggl", "\\Biggr", "\\bigm", "\\Bigm", "\\biggm", "\\Biggm",
    "\\allowbreak", "\\hfill", "\\medskip", "\\smallskip", "\\bigskip", "\\noindent",
})
_SPACING = ("\\,", "\\;", "\\:", "\\!", "\\>", "\\ ", "~")
_NOTE_STARTS = frozenset({"\\quad", "\\qquad"})
_TEXT_MACROS = ("\\text", "\\textrm", "\\textnormal", "\\mbox", "\\textit", "\\textbf", "\\intertext",
                "\\shortintertext")
_CONST_TAIL = re.compile(
    r"[+-]\s*(?:\\(?:text|mathrm|textrm|operatorname)\s*\{\s*(?:const\.?|constant|cst)\s*\})\s*$")
_COMMAND = re.compile(r"\\(?:[A-Za-z]+\*?|.)")
_ENV = re.compile(r"\\(begin|end)\s*\{([A-Za-z]+\*?)\}")
_DELIMITERS = (("\\[", "\\]"), ("$$", "$$"))
"""The two-character display delimiters (``\\[ ... \\]`` and ``$$ ... $$``)."""
_DECLARATION = re.compile(r"%\s*derive\s*:(.*)$")


@dataclass(frozen=True, slots=True)
class Term:
    """One side of a step: its LaTeX as typed (cleaned of layout), with where it starts in the file."""

    latex: str
    line: int
    column: int

    def __str__(self) -> str:
        return self.latex


@dataclass(frozen=True, slots=True)
class Link:
    """``relation rhs``: the next term of a chain and how it relates to the one before it."""

    relation: str
    rhs: Term
    note: str = ""
    up_to_constant: bool = False
    typed: str = ""
    """The relation as typed (``\\leq``, ``\\Longrightarrow``)."""

    @property
    def logical(self) -> bool:
        return self.relation in LOGICAL


@dataclass(frozen=True, slots=True)
class Chain:
    """``first relation rhs relation rhs ...`` from one display (or continued across displays).

    A logical chain (``2x = 4 \\iff x = 2``) has whole equations as its terms.
    """

    first: Term
    links: tuple[Link, ...]
    environment: str

    def steps(self) -> Iterator[tuple[Term, Link]]:
        """Each step as (left side, link): ``a = b = c`` gives ``a = b`` and ``b = c``."""
        left = self.first
        for link in self.links:
            yield left, link
            left = link.rhs


@dataclass(frozen=True, slots=True)
class Prose:
    """Text between displays (inline ``$...$`` kept), for the report."""

    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Declaration:
    """One ``% derive:`` item (``\\theta > 0``), with its file line."""

    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Derivation:
    """A whole file: its chains and prose in order, and its declarations."""

    items: tuple[Chain | Prose, ...]
    declarations: tuple[Declaration, ...]
    source: str = field(repr=False, default="")

    @property
    def chains(self) -> tuple[Chain, ...]:
        return tuple(i for i in self.items if isinstance(i, Chain))


def read_derivation(text: str) -> Derivation:
    """Read a derivation's LaTeX (a whole document or only its body).

    Raises ParseError (one line, with the file line) for text that is not a derivation: too long,
    a NUL byte, an unclosed display, no display mathematics at all.
    """
    if len(text) > MAX_FILE_CHARS:
        raise ParseError(f"file too long: {len(text)} characters (limit {MAX_FILE_CHARS})",
                         hint="check one derivation per file")
    if "\x00" in text:
        raise ParseError("the file contains a NUL byte: it is not a LaTeX text file")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    clean = _blank_comments(text)
    macros = collect(clean)
    declarations = tuple(Declaration(_expanded(d.text, macros), d.line) for d in _declarations(text))
    for start, stop in macros.spans:  # the definitions are no part of the derivation
        clean = _blank(clean, start, stop)
    begin = re.search(r"\\begin\s*\{document\}", clean)
    if begin is not None:  # the preamble holds no derivation
        clean = _blank(clean, 0, begin.end())
    items: list[Chain | Prose] = []
    displays = list(_displays(clean))
    if not displays:
        raise ParseError("no display mathematics found",
                         hint="write the derivation in align, equation, \\[ \\] or $$ $$")
    position = 0
    open_chain: list[Chain] = []
    for env, opening, start, end, closing in displays:
        prose, lead = _prose(clean[position:opening])
        if prose:
            items.append(Prose(prose, _line(text, position + lead)))
            open_chain.clear()
        position = closing
        for chain in _chains(clean, start, end, env, text):
            if not chain.links and not chain.first.latex.strip():
                continue
            if open_chain and chain.first.latex == "" and chain.links:
                merged = Chain(open_chain[-1].first, open_chain[-1].links + chain.links, open_chain[-1].environment)
                items[items.index(open_chain[-1])] = merged
                open_chain[-1] = merged
                continue
            items.append(chain)
            open_chain[:] = [chain]
    tail, lead = _prose(clean[position:])
    if tail:
        items.append(Prose(tail, _line(text, position + lead)))
    # a chain continued in the next display (``\\therefore x = 1``) is merged first, then grouped
    # into equations where it has logical links
    kept = tuple(_logical(i) if isinstance(i, Chain) else i for i in items
                 if not (isinstance(i, Chain) and i.first.latex == "" and not i.links))
    if macros:
        kept = tuple(_expand_chain(i, macros) if isinstance(i, Chain) else i for i in kept)
    return Derivation(kept, declarations, text)


def _expanded(latex: str, macros: Macros) -> str:
    """``latex`` with the file's macros expanded; left as typed when the expansion is refused (past
    its bounds), so the maths reader reports the macro it cannot read."""
    try:
        return macros.expand(latex)
    except ParseError:
        return latex


def _expand_chain(chain: Chain, macros: Macros) -> Chain:
    def term(t: Term) -> Term:
        return Term(_expanded(t.latex, macros), t.line, t.column)
    return Chain(term(chain.first), tuple(Link(k.relation, term(k.rhs), k.note, k.up_to_constant, k.typed)
                                          for k in chain.links), chain.environment)


# --- scanning ---------------------------------------------------------------------------------------


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _column(text: str, offset: int) -> int:
    return offset - (text.rfind("\n", 0, offset) + 1) + 1


def _declarations(text: str) -> Iterator[Declaration]:
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.lstrip()
        match = _DECLARATION.match(stripped)
        if match is None:
            continue
        for item in _split_top(match.group(1), ","):
            if item.strip():
                yield Declaration(item.strip(), number)


def _blank(text: str, start: int, end: int) -> str:
    """``text`` with ``[start, end)`` replaced by spaces, newlines kept."""
    return text[:start] + "".join("\n" if c == "\n" else " " for c in text[start:end]) + text[end:]


def _blank_comments(text: str) -> str:
    out = []
    for line in text.split("\n"):
        cut = _comment_start(line)
        out.append(line if cut is None else line[:cut] + " " * (len(line) - cut))
    return "\n".join(out)


def _comment_start(line: str) -> int | None:
    i = 0
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        if line[i] == "%":
            return i
        i += 1
    return None


def _displays(clean: str) -> Iterator[tuple[str, int, int, int, int]]:
    """(environment, opening start, body start, body end, closing end) of every display."""
    i = 0
    n = len(clean)
    while i < n:
        c = clean[i]
        pair = next(((o, e) for o, e in _DELIMITERS if clean.startswith(o, i)), None)
        if pair is not None:
            opening, closing = pair
            close = clean.find(closing, i + 2)
            if close < 0:
                raise ParseError(f"line {_line(clean, i)}: {opening} is never closed by {closing}")
            yield opening, i, i + 2, close, close + 2
            i = close + 2
            continue
        if c == "\\" and clean.startswith("\\begin", i):
            match = _ENV.match(clean, i)
            if match and match.group(2) in DISPLAY_ENVIRONMENTS:
                env = match.group(2)
                ending = re.compile(r"\\end\s*\{" + re.escape(env) + r"\}").search(clean, match.end())
                if ending is None:
                    raise ParseError(f"line {_line(clean, i)}: \\begin{{{env}}} is never closed")
                body = match.end()
                if env.startswith("alignat"):
                    body = _skip_group(clean, body)
                yield env, i, body, ending.start(), ending.end()
                i = ending.end()
                continue
        if c == "\\":
            i += 2
            continue
        i += 1


def _skip_group(text: str, i: int) -> int:
    """Past a ``{...}`` argument starting at (or after spaces from) ``i``; ``i`` if there is none."""
    j = i
    while j < len(text) and text[j] in " \t\n":
        j += 1
    if j >= len(text) or text[j] != "{":
        return i
    depth = 0
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return len(text)


def _prose(clean: str) -> tuple[str, int]:
    """The text between displays (comments dropped, whitespace collapsed per paragraph) and the offset
    of its first character in ``clean``."""
    body = re.sub(r"\\(?:documentclass|usepackage)(?:\[[^\]]*\])?\{[^}]*\}|\\(?:begin|end)\{document\}"
                  r"|\\maketitle", lambda m: " " * len(m.group(0)), clean)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body)]
    return "\n\n".join(p for p in paragraphs if p), len(body) - len(body.lstrip())


def _clean_display(clean: str, start: int, end: int) -> str:
    """The whole text with layout inside ``[start, end)`` blanked (same length)."""
    text = clean
    for match in _ENV.finditer(clean, start, end):
        if match.group(2) in INNER_ENVIRONMENTS:
            stop = match.end()
            if match.group(1) == "begin" and match.group(2).startswith("alignedat"):
                stop = _skip_group(clean, stop)
            text = _blank(text, match.start(), stop)
    i = start
    while i < end:
        if text[i] == "&":
            text = _blank(text, i, i + 1)
            i += 1
            continue
        if text[i] == "~":
            text = _blank(text, i, i + 1)
            i += 1
            continue
        if text[i] != "\\":
            i += 1
            continue
        if text.startswith("\\\\", i):
            stop = i + 2
            if stop < end and text[stop] == "*":
                stop += 1
            j = stop
            while j < end and text[j] in " \t":
                j += 1
            if j < end and text[j] == "[":
                close = text.find("]", j, end)
                if close > 0:
                    text = _blank(text, stop, close + 1)
            i = stop
            continue
        command = _COMMAND.match(text, i)
        assert command is not None
        word = command.group(0)
        if word in _SPACING:
            text = _blank(text, i, command.end())
        elif word in _IGNORED_WORDS:
            stop = command.end()
            if word not in ("\\limits", "\\nolimits") and stop < end and text[stop] == ".":
                stop += 1
            text = _blank(text, i, stop)
        elif word in _IGNORED_WITH_ARGUMENT or word in ("\\intertext", "\\shortintertext"):
            # an \intertext{...} between rows is prose inside the display, never a term
            text = _blank(text, i, _skip_group(text, command.end()))
        i = command.end()
    return text


def _rows(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Row spans of a display, split at top-level ``\\\\``."""
    rows = []
    depth = 0
    row = start
    i = start
    while i < end:
        c = text[i]
        if c == "\\":
            if text.startswith("\\\\", i) and depth == 0:
                rows.append((row, i))
                i += 2
                if i < end and text[i] == "*":
                    i += 1
                row = i
                continue
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(0, depth - 1)
        i += 1
    rows.append((row, end))
    return rows


def _tokens_at_top(text: str, start: int, end: int) -> Iterator[tuple[int, int, str]]:
    """(start, end, token) of every top-level relation or connective, and notes, in ``[start, end)``."""
    depth = 0
    i = start
    seen_math = False
    while i < end:
        c = text[i]
        if c in "{([":
            depth += 1
            seen_math = True
            i += 1
            continue
        if c in "})]":
            depth = max(0, depth - 1)
            i += 1
            continue
        if c == "\\":
            match = _COMMAND.match(text, i)
            assert match is not None
            word = match.group(0)
            if word in ("\\{", "\\}", "\\|"):
                i = match.end()
                seen_math = True
                continue
            if depth == 0:
                if word in CONNECTIVES or word in RELATIONS:
                    yield i, match.end(), word
                    seen_math = True
                    i = match.end()
                    continue
                if word in _NOTE_STARTS and seen_math and not _after_relation(text, start, i) \
                        and not _before_relation(text, match.end(), end):
                    yield i, end, "note"
                    return
                if (word in _TEXT_MACROS and seen_math and _only_note_after(text, match.end(), end)
                        and not _CONST_TAIL.search(text[:_skip_group(text, match.end())][-40:])):
                    yield i, end, "note"
                    return
            if word not in _NOTE_STARTS:
                seen_math = True
            i = match.end()
            continue
        if depth == 0 and c == ":" and text.startswith(":=", i):
            yield i, i + 2, ":="
            i += 2
            seen_math = True
            continue
        if depth == 0 and c in "=<>":
            width = 2 if c in "<>" and text.startswith("=", i + 1) else 1
            yield i, i + width, {"<": "\\le", ">": "\\ge"}[c] if width == 2 else c
            i += width
            seen_math = True
            continue
        if not c.isspace():
            seen_math = True
        i += 1


def _after_relation(text: str, start: int, i: int) -> bool:
    """True when only spacing separates ``i`` from a relation or connective before it
    (``\\therefore \\quad x``, ``= \\quad x``): the ``\\quad`` there is spacing, not a note."""
    before = re.sub(r"(?:\\q?quad(?![A-Za-z])|\s)+$", "", text[start:i])
    word = re.search(r"(\\[A-Za-z]+|[=<>]|:=)$", before)
    return word is not None and (word.group(1) in RELATIONS or word.group(1) in CONNECTIVES
                                 or word.group(1) in "=<>" or word.group(1) == ":=")


def _before_relation(text: str, i: int, end: int) -> bool:
    """True when a connective or relation follows ``i`` after spacing only
    (``a = 0 \\quad\\Rightarrow\\quad b = 1``): the ``\\quad`` is spacing around it."""
    after = re.match(r"(?:\\q?quad(?![A-Za-z])|\s)*(\\[A-Za-z]+)", text[i:end])
    return after is not None and (after.group(1) in CONNECTIVES or after.group(1) in RELATIONS)


def _only_note_after(text: str, i: int, end: int) -> bool:
    """True when a ``\\text{...}`` at ``i`` is followed by nothing but more text and punctuation."""
    stop = _skip_group(text, i)
    rest = text[stop:end].strip(" \t\n.,;")
    return rest == "" or rest.startswith(("\\text", "\\quad", "\\qquad", "("))


def _split_top(text: str, separator: str) -> list[str]:
    return vocab.split_top(text, separator)


_PUNCTUATION_TAIL = re.compile(r"[\s.,;]+$")


def _term(text: str, source: str, start: int, end: int) -> tuple[Term, bool]:
    """The term in ``[start, end)``: layout dropped, trailing punctuation and a ``+ const`` tail removed."""
    body = re.sub(r"\\q?quad(?![A-Za-z])", lambda m: " " * len(m.group(0)), text[start:end])
    body = _PUNCTUATION_TAIL.sub("", body)
    constant = False
    tail = _CONST_TAIL.search(body)
    if tail is not None and body[: tail.start()].strip():
        constant = True
        body = body[: tail.start()]
    lead = len(body) - len(body.lstrip())
    latex = re.sub(r"\s+(?=[_^])", "", " ".join(body.split()))
    offset = start + lead
    return Term(latex, _line(source, offset), _column(source, offset)), constant


def _chains(clean: str, start: int, end: int, env: str, source: str) -> Iterator[Chain]:
    text = _clean_display(clean, start, end)
    rows = _rows(text, start, end)
    if env in JOINED_ENVIRONMENTS and not any(m.group(2) in INNER_ENVIRONMENTS
                                              for m in _ENV.finditer(clean, start, end)):
        rows = [(start, end)] if rows else rows
        text = text[:start] + _join_breaks(text[start:end]) + text[end:]
    current: tuple[Term, list[Link]] | None = None
    for row_start, row_end in rows:
        pieces = list(_tokens_at_top(text, row_start, row_end))
        note = ""
        if pieces and pieces[-1][2] == "note":
            note_start = pieces.pop()[0]
            note = " ".join(_strip_layout_note(text[note_start:row_end]).split())
            row_end = note_start
        body = text[row_start:row_end]
        if not body.strip():
            continue
        first_end = pieces[0][0] if pieces else row_end
        head, _ = _term(text, source, row_start, first_end)
        continues = head.latex == "" and bool(pieces)
        breaks_line = head.latex.startswith(("+", "-", "\\cdot", "\\times")) and current is not None
        if breaks_line and not continues and current is not None:
            current = _extend_last(current, head, pieces, text, source, row_end, note)
            continue
        if not continues:
            if current is not None:
                yield Chain(current[0], tuple(current[1]), env)
            current = (head, [])
        elif current is None:
            current = (Term("", head.line, head.column), [])
        assert current is not None
        _links(current[1], pieces, text, source, row_end, note)
    if current is not None:
        yield Chain(current[0], tuple(current[1]), env)


def _logical(chain: Chain) -> Chain:
    """A chain with ``\\iff``/``\\implies`` between equations: its terms become the equations.

    ``2x + 1 = 5 \\iff 2x = 4`` is one step between two equations, not three comparisons.
    """
    if not any(link.logical for link in chain.links):
        return chain
    segments: list[list[Term | Link]] = [[chain.first]]
    connectives: list[Link] = []
    for link in chain.links:
        if link.logical:
            connectives.append(link)
            segments.append([link.rhs])
        else:
            segments[-1].append(link)
    equations = [_equation(segment) for segment in segments]
    links = tuple(Link(c.relation, eq, c.note, False, c.typed) for c, eq in zip(connectives, equations[1:]))
    return Chain(equations[0], links, chain.environment)


def _equation(segment: list[Term | Link]) -> Term:
    first = segment[0]
    assert isinstance(first, Term)
    parts = [first.latex]
    for link in segment[1:]:
        assert isinstance(link, Link)
        parts += [link.typed, link.rhs.latex]
    return Term(" ".join(p for p in parts if p), first.line, first.column)


def _strip_layout_note(text: str) -> str:
    out = re.sub(r"\\(?:q?quad|text|textrm|mbox|textit|textnormal)\b", " ", text)
    return out.replace("{", " ").replace("}", " ")


def _join_breaks(body: str) -> str:
    """Top-level ``\\\\`` in a one-equation environment blanked (same length)."""
    out = body
    for match in re.finditer(r"\\\\\*?", body):
        out = out[: match.start()] + " " * (match.end() - match.start()) + out[match.end():]
    return out


def _links(links: list[Link], pieces: list[tuple[int, int, str]], text: str, source: str, row_end: int,
           note: str) -> None:
    for index, (_, stop, token) in enumerate(pieces):
        rhs_end = pieces[index + 1][0] if index + 1 < len(pieces) else row_end
        rhs, constant = _term(text, source, stop, rhs_end)
        relation = RELATIONS.get(token) or CONNECTIVES.get(token) or token
        last = index == len(pieces) - 1
        links.append(Link(relation, rhs, note if last else "", constant, token))


def _extend_last(current: tuple[Term, list[Link]], head: Term, pieces: list[tuple[int, int, str]], text: str,
                 source: str, row_end: int, note: str) -> tuple[Term, list[Link]]:
    """A row like ``+ c`` continues the last term of the chain (a long line broken for width)."""
    first, links = current
    if links:
        last = links[-1]
        links[-1] = Link(last.relation, Term(f"{last.rhs.latex} {head.latex}", last.rhs.line, last.rhs.column),
                         note or last.note, last.up_to_constant, last.typed)
    else:
        first = Term(f"{first.latex} {head.latex}", first.line, first.column)
    _links(links, pieces, text, source, row_end, note)
    return first, links
