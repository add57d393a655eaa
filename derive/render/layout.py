r"""Line layout for displayed LaTeX: how wide a formula sets, and where a long one breaks.

The handout's text block is A4 with 25 mm margins at 11 pt: ``MEASURE`` ems. ``width`` estimates
the set width of math-mode LaTeX in ems from the printed string alone (any printer's output:
SymPy's, the matrix printer's, the sample printer's), erring wide; ``split_terms`` cuts a
formula at its top-level ``+`` and ``-`` (outside every brace group and ``\left...\right`` pair);
``pack`` fills rows greedily up to a width. The printers use them to put a justification under
its line when it does not fit beside it, and to break a long right-hand side across rows, so no
line of a built handout runs into the margin.
"""
from __future__ import annotations

import re

MEASURE = 41.0
"""Usable width of a handout's displayed line, in ems (160 mm at 11 pt is 41.4 em)."""
SIDE = 14.1 + 1.0
"""Width a justification column beside a line takes: ``\\parbox{0.34\\linewidth}`` plus the column gap."""
INDENT = 2.0
"""Indent of a continuation row (``\\qquad``)."""

_TOKEN = re.compile(r"\\([A-Za-z]+)\*?|\\(.)|([{}^_&])|(\s+)|(.)", re.DOTALL)

# Widths in ems (Computer Modern at 1 em): generous, so an estimate that fits does fit.
_SPACES = {"quad": 1.0, "qquad": 2.0, ",": 0.17, ";": 0.28, ":": 0.22, " ": 0.33, "!": -0.17, "enspace": 0.5}
_ZERO = {"left", "right", "displaystyle", "textstyle", "scriptstyle", "limits", "nolimits", "small", "color",
         "raggedright", "noindent", "par", "hline", "big", "Big", "bigl", "bigr", "Bigl", "Bigr", "phantom"}
_BINARY = {"cdot", "times", "pm", "mp", "otimes", "oplus", "odot", "circ", "ast", "setminus", "cup", "cap",
           "wedge", "vee"}
_RELATION = {"leq", "geq", "le", "ge", "neq", "ne", "approx", "equiv", "sim", "propto", "in", "notin", "subset",
             "subseteq", "to", "mapsto", "iff", "implies", "Rightarrow", "Longrightarrow", "Leftarrow",
             "Leftrightarrow", "rightarrow", "leftarrow", "ll", "gg", "mid"}
_BIG = {"sum": 1.45, "prod": 1.3, "int": 0.9, "bigcup": 1.2, "bigcap": 1.2}
_TEXT_FONT = {"text", "textbf", "textit", "emph", "mathrm", "operatorname", "mathit", "textrm", "texttt",
              "mathsf", "mathtt"}
_ACCENT = {"hat", "widehat", "bar", "overline", "tilde", "widetilde", "vec", "dot", "ddot", "check", "breve",
           "acute", "grave", "mathring", "mathbf", "boldsymbol", "mathbb", "mathcal", "mathfrak", "underline",
           "tfrac", "dfrac", "frac", "binom", "sqrt", "boxed", "fbox", "mbox", "hbox"}


class _Reader:
    """A cursor over the tokens of a LaTeX string."""

    def __init__(self, latex: str) -> None:
        self.tokens = [m for m in _TOKEN.finditer(latex)]
        self.i = 0

    def peek(self) -> re.Match[str] | None:
        while self.i < len(self.tokens) and self.tokens[self.i].group(4) is not None:
            self.i += 1
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> re.Match[str] | None:
        t = self.peek()
        if t is not None:
            self.i += 1
        return t

    def group_text(self) -> str:
        """The raw text of the next argument (a brace group's inside, or one token)."""
        t = self.take()
        if t is None:
            return ""
        if t.group(3) != "{":
            return t.group(0)
        depth, start = 1, t.end()
        while self.i < len(self.tokens):
            u = self.tokens[self.i]
            self.i += 1
            if u.group(3) == "{":
                depth += 1
            elif u.group(3) == "}":
                depth -= 1
                if depth == 0:
                    return t.string[start:u.start()]
        return t.string[start:]

    def optional(self) -> str | None:
        """The text of an optional ``[...]`` argument, if one follows."""
        t = self.peek()
        if t is None or t.group(0) != "[":
            return None
        end = t.string.find("]", t.end())
        if end < 0:
            return None
        while self.i < len(self.tokens) and self.tokens[self.i].start() <= end:
            self.i += 1
        return t.string[t.end():end]


def _text_width(text: str) -> float:
    """Text-mode words: about half an em a character (maths inside ``$`` measured as maths)."""
    parts = text.split("$")
    return sum(width(p) if i % 2 else 0.5 * len(re.sub(r"\\[A-Za-z]+\s*|[{}]", "", p))
               for i, p in enumerate(parts))


def _matrix_width(body: str) -> float:
    """An array or matrix: the widest cell of each column, the column gaps, the delimiters."""
    rows = [r for r in re.split(r"\\\\(?:\s*\\hline)?", body) if r.strip()]
    cols: list[float] = []
    for r in rows:
        for j, cell in enumerate(_split_cells(r)):
            w = width(cell)
            if j < len(cols):
                cols[j] = max(cols[j], w)
            else:
                cols.append(w)
    return sum(cols) + 1.0 * max(len(cols) - 1, 0) + 1.0


def _split_cells(row: str) -> list[str]:
    """A row's cells at its top-level ``&``."""
    cells, depth, start = [], 0, 0
    for k, ch in enumerate(row):
        if ch == "{" and (k == 0 or row[k - 1] != "\\"):
            depth += 1
        elif ch == "}" and (k == 0 or row[k - 1] != "\\"):
            depth -= 1
        elif ch == "&" and depth == 0 and (k == 0 or row[k - 1] != "\\"):
            cells.append(row[start:k])
            start = k + 1
    return cells + [row[start:]]


def _environment(r: _Reader, name: str) -> float:
    """Skip to ``\\end{name}`` and measure what was inside (a matrix, cases or an aligned block)."""
    start = r.tokens[r.i].start() if r.i < len(r.tokens) else len(r.tokens[-1].string) if r.tokens else 0
    text = r.tokens[0].string if r.tokens else ""
    end_re = re.compile(r"\\(begin|end)\{" + re.escape(name) + r"\}")
    depth, pos = 1, start
    for m in end_re.finditer(text, start):
        depth += 1 if m.group(1) == "begin" else -1
        if depth == 0:
            body, pos = text[start:m.start()], m.end()
            break
    else:
        body, pos = text[start:], len(text)
    while r.i < len(r.tokens) and r.tokens[r.i].start() < pos:
        r.i += 1
    if name.startswith("array"):
        body = re.sub(r"^\s*\{[^{}]*\}", "", body)  # the column spec
    return _matrix_width(body)


def _seq(r: _Reader, scale: float, stop_at_close: bool = False) -> float:
    """Measure tokens until the end (or a closing brace): the sum of the pieces' widths."""
    total = 0.0
    while True:
        t = r.peek()
        if t is None:
            return total
        if t.group(3) == "}":
            if stop_at_close:
                r.take()
                return total
            r.take()
            continue
        total += _atom(r, scale)


def _script(r: _Reader, scale: float) -> float:
    """A sub- or superscript: its argument at the script size."""
    return width(r.group_text(), max(scale * 0.72, 0.5))


def _atom(r: _Reader, scale: float) -> float:
    t = r.take()
    assert t is not None
    word, symbol, special, _, char = t.groups()
    if special == "{":
        return _seq(r, scale, stop_at_close=True)
    if special in ("^", "_"):
        return _script(r, scale)
    if special == "&":
        return 0.0
    if char is not None:
        if char in "+-*":
            return 1.3 * scale
        if char in "=<>":
            return 1.35 * scale
        if char in ",;":
            return 0.45 * scale
        if char in "()[]|./!:'":
            return 0.4 * scale
        if char.isdigit():
            return 0.52 * scale
        if char.isupper():
            return 0.85 * scale
        return 0.6 * scale
    if symbol is not None:
        if symbol in _SPACES:
            return _SPACES[symbol] * scale
        if symbol == "\\":
            return 0.0
        return 0.5 * scale  # \{ \} \| \% ...
    assert word is not None
    if word in _SPACES:
        return _SPACES[word] * scale
    if word in ("left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big"):
        r.take()  # the delimiter
        return 0.4 * scale
    if word == "phantom":
        return width(r.group_text(), scale)
    if word in ("color", "textcolor"):
        r.group_text()
        return 0.0
    if word in _ZERO:
        return 0.0
    if word == "begin":
        return _environment(r, r.group_text()) * scale
    if word == "end":
        r.group_text()
        return 0.0
    if word in ("frac", "dfrac", "binom"):
        top, bottom = r.group_text(), r.group_text()
        inner = 0.999 if scale == 1.0 else max(scale * 0.72, 0.5)  # display: the parts in text style
        return max(width(top, inner), width(bottom, inner)) + 0.3 * scale
    if word == "tfrac":
        top, bottom = r.group_text(), r.group_text()
        return max(width(top, scale * 0.72), width(bottom, scale * 0.72)) + 0.2 * scale
    if word == "sqrt":
        index = r.optional()
        return width(r.group_text(), scale) + 0.9 * scale + (width(index, scale * 0.5) if index else 0.0)
    if word in ("boxed", "fbox"):
        return width(r.group_text(), scale) + 0.8 * scale
    if word in _TEXT_FONT:
        words = r.group_text()
        return (_text_width(words) if word.startswith("text") or word == "emph" else
                0.55 * len(re.sub(r"\\.|[{}]", "", words)) + 0.2) * scale
    if word == "parbox":
        r.optional()
        spec = r.group_text()
        m = re.match(r"\s*([\d.]+)\\(?:line|text)width", spec)
        r.group_text()
        return (float(m.group(1)) * MEASURE if m else 10.0) * scale
    if word in _ACCENT:
        return width(r.group_text(), scale)
    if word in _BIG:  # limits stacked over and under the operator (display style)
        r.take() if (t2 := r.peek()) is not None and t2.group(1) in ("limits", "nolimits") else None
        widest = _BIG[word] * scale
        while (t2 := r.peek()) is not None and t2.group(3) in ("^", "_"):
            r.take()
            widest = max(widest, _script(r, scale))
        return widest
    if word in _BINARY:
        return 1.3 * scale
    if word in _RELATION:
        return 1.6 * scale
    if word in ("log", "ln", "exp", "sin", "cos", "tan", "det", "tr", "max", "min", "lim", "arg", "sup", "inf"):
        return (0.45 * len(word) + 0.17) * scale
    if word in ("cdots", "ldots", "dots"):
        return 1.3 * scale
    if word in ("top", "infty", "partial", "nabla"):
        return 0.9 * scale
    return 0.65 * scale  # a Greek letter or another symbol


def width(latex: str, scale: float = 1.0) -> float:
    """The estimated set width of math-mode ``latex`` in ems (at ``scale`` of the font size)."""
    r = _Reader(latex)
    return _seq(r, scale)


# --- breaking ----------------------------------------------------------------------------------

_LEFT = re.compile(r"\\left\b|\\begin\{")
_RIGHT = re.compile(r"\\right\b|\\end\{")


def split_terms(latex: str) -> list[str]:
    r"""``latex`` cut before each top-level binary ``+`` or ``-``: the first piece, then pieces that
    start with their sign. Only cuts outside every brace group, ``\left...\right`` pair and
    environment, and only where the sign follows an operand (not a leading minus)."""
    pieces: list[str] = []
    depth = 0
    start = 0
    k = 0
    last = ""  # the last non-space character at depth 0
    while k < len(latex):
        ch = latex[k]
        if ch == "\\":
            m = _LEFT.match(latex, k)
            if m:
                depth += 1
                k = m.end()
                last = "("
                continue
            m = _RIGHT.match(latex, k)
            if m:
                depth -= 1
                k = m.end()
                last = ")"
                continue
            m = re.compile(r"\\[A-Za-z]+|\\.").match(latex, k)
            assert m is not None
            k = m.end()
            last = "a"
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and ch in "+-" and last not in ("", "(", "=", "+", "-", "&", "^", "_", ","):
            piece = latex[start:k].strip()
            if piece:
                pieces.append(piece)
            start = k
        if not ch.isspace():
            last = ch if depth == 0 or ch == "}" else last
            if ch == "}" and depth == 0:
                last = ")"
        k += 1
    tail = latex[start:].strip()
    if tail:
        pieces.append(tail)
    return pieces or [latex]


def pack(pieces: list[str], first: float, rest: float) -> list[str]:
    """Join ``pieces`` into rows: the first row up to ``first`` ems wide, the others up to ``rest``."""
    rows: list[str] = []
    current = ""
    for p in pieces:
        limit = first if not rows else rest
        candidate = f"{current} {p}".strip()
        if current and width(candidate) > limit:
            rows.append(current)
            current = p
        else:
            current = candidate
    return rows + [current] if current else rows


def break_formula(latex: str, first: float, rest: float | None = None) -> list[str]:
    """``latex`` as rows no wider than ``first`` (then ``rest``) ems where it can break at a top-level sign."""
    if width(latex) <= first:
        return [latex]
    return pack(split_terms(latex), first, first if rest is None else rest)
