r"""Echoing a user's derivation: their LaTeX (allow-listed) into a PDF, and derive's reading of it compactly.

Three jobs, all on strings (no engine, no SymPy):

- ``safe_math(latex)``: the user's maths, as typed, if every control word in it is one of the
  ordinary mathematics commands of ``MATH_COMMANDS`` (and ``check_latex`` passes); otherwise None,
  and the printer falls back to derive's own reading. The reader has already accepted each display,
  but a macro it expanded or ignored is not defined in the PDF, and nothing that reads files,
  defines macros or changes catcodes may reach TeX, whatever the reader made of it.
- ``prose_latex(text)``: the prose between displays, typeset: sectioning and emphasis kept, inline
  ``$...$`` kept when it passes ``safe_math``, every other command dropped with its arguments, the
  rest escaped. ``prose_markdown`` is the same for Markdown.
- ``compact_latex(latex)``: SymPy's verbose LaTeX of a reading made short (``x_{i}`` for
  ``{x}_{i}``, ``\log\lambda`` for ``\log{\left(\lambda \right)}``, no ``\left(`` around a lone
  sum factor), and ``same_latex(a, b)``: equal up to spacing and one-character braces, so a reading
  that only repeats what was typed need not be echoed.
"""
from __future__ import annotations

import re

from derive.core.errors import RenderError

GREEK = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi "
    "rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma "
    "Upsilon Phi Psi Omega".split())

MATH_COMMANDS = GREEK | frozenset(
    # functions and operators
    "ell hbar imath jmath aleph Re Im log ln exp sin cos tan cot sec csc sinh cosh tanh arcsin arccos arctan "
    "det min max sup inf lim arg Pr operatorname sum prod int oint partial nabla infty cdot times ast circ odot otimes "
    "oplus pm mp div cdots ldots dots dotsb dotsc dotsm vdots ddots top intercal prime dagger star "
    "frac dfrac tfrac sqrt binom dbinom tbinom choose over "
    # relations and logic
    "le leq ge geq leqslant geqslant ne neq approx equiv sim simeq propto ll gg in notin subset subseteq "
    "supset supseteq iff implies Leftrightarrow Rightarrow Longrightarrow Longleftrightarrow to mapsto "
    "therefore succ succeq prec preceq mid triangleq cup cap setminus emptyset forall exists "
    "land lor neg wedge vee "
    # decorations and fonts
    "hat widehat bar overline tilde widetilde check vec dot ddot underline mathbf boldsymbol mathrm "
    "mathit mathsf mathcal mathbb mathfrak text textrm mbox textit textbf "
    # delimiters and sizing
    "left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr langle rangle "
    "lVert rVert lvert rvert Vert vert lfloor rfloor lceil rceil lbrace rbrace "
    # spacing and layout that is harmless
    "quad qquad displaystyle textstyle begin end".split())
"""Control words (without the backslash) the PDF may echo from the user's maths: each defined by LaTeX with
the handout's packages (amsmath, amssymb, xcolor) and by MathJax 3, and harmless wherever it stands
(no ``\\hline``, ``\\limits``, ``\\cr``, nor ``\\argmin``, ``\\bm``, ``\\coloneqq`` that need more packages)."""

_WORD = re.compile(r"\\([A-Za-z]+)")
_TEXT_GROUP = re.compile(r"\\(?:text|textrm|mbox|textit|textbf|operatorname\*?|mathrm|mathit|mathsf)(?![A-Za-z])")
_PLAIN_WORDS = re.compile(r"[A-Za-z0-9 .,:;'()!?+=<>/-]*")


def safe_math(latex: str) -> str | None:
    r"""``latex`` if it may go into the PDF as typed (ordinary maths only, balanced, ASCII: pdflatex sets
    no Unicode letter in maths), else None."""
    from derive.render.env import check_latex

    if not latex.strip() or not latex.isascii() or "#" in latex or "^^" in latex or "%" in latex.replace(r"\%", ""):
        return None
    if any(m.group(1) not in MATH_COMMANDS for m in _WORD.finditer(latex)):
        return None
    if "$" in latex.replace(r"\$", ""):
        return None
    for m in _TEXT_GROUP.finditer(latex):  # text mode sets no _ ^ or maths: \text{a_b} would stop TeX
        got = _group(latex, m.end())
        if got is None or not _PLAIN_WORDS.fullmatch(_WORD.sub("", got[0]).replace("{", "").replace("}", "")):
            return None
    try:
        check_latex(latex)
    except RenderError:
        return None
    return latex


# --- prose -------------------------------------------------------------------------------------------

_SECTIONS = ("section", "subsection", "subsubsection", "paragraph")
_STYLES = {"emph": "emph", "textit": "textit", "textbf": "textbf", "texttt": "texttt", "underline": "underline",
           "textsc": "textsc", "textrm": "textrm", "textsf": "textsf"}
_SYMBOLS = {"ldots": r"\ldots{}", "dots": r"\ldots{}", "LaTeX": r"\LaTeX{}", "TeX": r"\TeX{}",
            "quad": r"\quad{}", "qquad": r"\qquad{}", "item": "\n\n\\textbullet~", "par": "\n\n",
            "noindent": "", "medskip": "\n\n", "smallskip": "\n\n", "bigskip": "\n\n", "newline": "\n\n",
            "S": r"\S{}", "textbackslash": r"\textbackslash{}"}
_MARKDOWN_SYMBOLS = {"ldots": "…", "dots": "…", "LaTeX": "LaTeX", "TeX": "TeX", "quad": " ", "qquad": " ",
                     "item": "\n\n- ", "par": "\n\n", "medskip": "\n\n", "smallskip": "\n\n", "bigskip": "\n\n",
                     "newline": "\n\n", "S": "§", "textbackslash": "\\", "noindent": ""}
_CONTROL_SYMBOLS = {",": " ", ";": " ", ":": " ", "!": "", " ": " ", "\\": "\n\n", "-": "", "/": "", "@": ""}
"""What a control symbol of prose becomes (an escaped special is kept as its character, escaped later)."""


def _group(text: str, i: int) -> tuple[str, int] | None:
    """The ``{...}`` (or ``[...]``) group at ``i`` (after spaces): its content and the end; None if none."""
    j = i
    while j < len(text) and text[j] in " \t":
        j += 1
    if j >= len(text) or text[j] not in "{[":
        return None
    close = "}" if text[j] == "{" else "]"
    depth = 0
    k = j
    while k < len(text):
        c = text[k]
        if c == "\\":
            k += 2
            continue
        if c == text[j]:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return text[j + 1:k], k + 1
        k += 1
    return None


def _inline_end(text: str, i: int) -> int:
    """The index of the ``$`` closing the inline maths opened before ``i`` (-1 if none)."""
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "$":
            return i
        i += 1
    return -1


def _prose_pieces(text: str, math: str, section: str, style: str, escape: str) -> str:
    """The prose walker behind ``prose_latex`` and ``prose_markdown``: ``math``, ``section`` and
    ``style`` are format strings ({} the content; section also gets {level}); ``escape`` picks the
    text escaping (latex or markdown)."""
    out: list[str] = []
    plain: list[str] = []

    def flush() -> None:
        if plain:
            words = "".join(plain)
            if escape == "latex":
                out.append(_escape_text(words))
            else:
                out.append(_markdown_text(words))
            plain.clear()

    i = 0
    while i < len(text):
        c = text[i]
        if c == "$" or text.startswith("\\(", i):
            start = i + (2 if text.startswith("$$", i) else 1) if c == "$" else i + 2
            if c == "$":
                end = _inline_end(text, start)
                stop = end + (2 if text.startswith("$$", i) else 1)
            else:
                end = text.find("\\)", start)
                stop = end + 2
            if end < 0:
                plain.append(text[i:])
                break
            body = " ".join(text[start:end].split())
            flush()
            safe = safe_math(body)
            if safe is not None:
                out.append(math.format(safe))
            else:
                plain.append("[formula omitted]")
                flush()
            i = stop
            continue
        if c == "\\":
            word = re.match(r"\\([A-Za-z]+)(\*?)", text[i:])
            if word is None:
                symbol = text[i + 1:i + 2]
                plain.append(symbol if symbol in "%&$#_{}" else _CONTROL_SYMBOLS.get(symbol, ""))
                i += 2
                continue
            name = word.group(1)
            i += len(word.group(0))
            flush()
            if name in _SECTIONS or name in _STYLES:
                got = _group(text, i)
                if got is None:
                    continue
                inner = " ".join(_prose_pieces(got[0], math, "{}", style, escape).split())  # one line, no heading
                i = got[1]
                if name in _SECTIONS:
                    out.append(section.format(inner, level=_SECTIONS.index(name)))
                else:
                    out.append(style.format(inner, name=_STYLES[name]))
                continue
            if name in _SYMBOLS:
                symbol = _SYMBOLS[name]
                out.append(symbol if escape == "latex" else _markdown_text(_MARKDOWN_SYMBOLS[name]))
                continue
            # any other command: dropped with what follows it (digits, as in \write18, then its groups)
            if text.startswith("`", i):  # \catcode`\x
                i += 3 if text.startswith("`\\", i) else 2
            while i < len(text) and (text[i].isdigit() or text[i] in " \t="):
                i += 1
            while (got := _group(text, i)) is not None:
                i = got[1]
            continue
        if c in "{}":
            i += 1
            continue
        if c == "~":
            plain.append(" ")
            i += 1
            continue
        plain.append(c)
        i += 1
    flush()
    return "".join(out)


def _escape_text(words: str) -> str:
    """Words escaped for LaTeX paragraph by paragraph; a character pdflatex cannot set becomes '?'."""
    from derive.render.escape import tex_line as line

    paragraphs = re.split(r"\n\s*\n", words)
    done = []
    for p in paragraphs:
        try:
            done.append(line(p) if p.strip() else "")
        except RenderError:
            done.append("".join(_one_char(ch) for ch in p))
    lead = " " if words[:1].isspace() else ""
    tail = " " if words[-1:].isspace() else ""
    return lead + "\n\n".join(done) + tail


def _one_char(ch: str) -> str:
    from derive.render.escape import tex_line

    try:
        return str(tex_line(ch)) if ch.strip() else " "
    except RenderError:
        return "?"


def _markdown_text(words: str) -> str:
    return re.sub(r"([*_`\\<>\[\]|#])", r"\\\1", words)


def prose_latex(text: str) -> str:
    """The prose between displays as LaTeX body text (see the module's note): safe whatever the input."""
    body = _prose_pieces(text, "${}$", "\n\n\x00SECTION{level}\x00{{{}}}\n\n", "\\{name}{{{}}}", "latex")
    names = ("section*", "subsection*", "subsubsection*", "paragraph*")
    body = re.sub("\x00SECTION(\\d)\x00", lambda m: "\\" + names[int(m.group(1))], body)
    return _paragraphs(body)


def _paragraphs(body: str) -> str:
    """Blank-line separated paragraphs, each on one line without outer spaces."""
    return "\n\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", body) if p.strip())


def prose_markdown(text: str) -> str:
    """The prose between displays as Markdown (inline maths kept between ``$``, on one line)."""
    body = _prose_pieces(text, "${}$", "\n\n\x00H{level}\x00 {}\n\n", "*{}*", "markdown")
    body = re.sub("\x00H(\\d)\x00", lambda m: "#" * (int(m.group(1)) + 3), body)
    return _paragraphs(body)


# --- compact echo of a reading ------------------------------------------------------------------------

_BRACED_NAME = re.compile(r"\{((?:\\[A-Za-z]+|[A-Za-z])(?:_\{[^{}]*\})?)\}(?=[_^])")
_FUNCTION = re.compile(r"\\(log|ln|exp|sin|cos|tan|sinh|cosh|tanh|det|operatorname\{[A-Za-z]+\})\s*\{\\left\(")
_TALL = re.compile(r"\\(?:frac|dfrac|sum|prod|int|binom|sqrt|begin)|\\left")
_ATOM = re.compile(r"^(?:\\[A-Za-z]+|[A-Za-z0-9])(?:_\{[^{}]*\}|_[A-Za-z0-9])?$")


def _matching(text: str, start: int, open_: str = "\\left(", close: str = "\\right)") -> int:
    """The index of the ``\\right)`` matching the ``\\left(`` at ``start`` (-1 if none)."""
    depth = 0
    i = start
    while i < len(text):
        if text.startswith("\\left", i) and not text.startswith("\\leftarrow", i):
            depth += 1
            i += 5
            continue
        if text.startswith("\\right", i) and not text.startswith("\\rightarrow", i):
            depth -= 1
            if depth == 0:
                return i if text.startswith(close, i) else -1
            i += 6
            continue
        i += 1
    return -1


def _top_level_sign(text: str) -> bool:
    """Whether ``text`` has a + or - outside braces and delimiters (after its first character)."""
    depth = 0
    i = 0
    while i < len(text):
        if text.startswith("\\left", i):
            depth += 1
        elif text.startswith("\\right", i):
            depth -= 1
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c in "+-" and depth == 0 and text[:i].strip():
            return True
        i += 1
    return False


def _simplify_parens(text: str) -> str:
    """``\\left( X \\right)`` made ``(X)`` where X is flat, or dropped around a lone sum factor."""
    out = text
    i = 0
    while (i := out.find("\\left(", i)) >= 0:
        j = _matching(out, i)
        if j < 0:
            i += 6
            continue
        inner = _simplify_parens(out[i + 6:j]).strip()
        after = out[j + 7:].lstrip()
        before = out[:i].rstrip()
        lone_sum = (inner.startswith(("\\sum", "\\prod")) and not _top_level_sign(inner)
                    and (not after or after[0] in "}+-=" or after.startswith(("\\right", "&", "\\\\"))))
        whole_group = before.endswith("{") and after.startswith("}")
        if lone_sum or (whole_group and not before.endswith(("^{", "_{"))):
            replacement = inner
        elif not _TALL.search(inner):
            replacement = f"({inner})"
        else:
            replacement = f"\\left({inner}\\right)"
        out = out[:i] + replacement + out[j + 7:]
        i += len(replacement) if replacement.startswith("\\left") else 0
        if replacement.startswith("\\left"):
            continue
    return out


def _functions(text: str) -> str:
    """``\\log{\\left(X \\right)}`` as ``\\log X`` for a one-symbol X, ``\\log(X)`` for a flat one."""
    while (m := _FUNCTION.search(text)) is not None:
        start = m.end() - len("\\left(")
        j = _matching(text, start)
        if j < 0 or not text.startswith("}", j + 7):
            break
        inner = text[start + 6:j].strip()
        name = m.group(1)
        head = f"\\{name}" if not name.startswith("operatorname") else f"\\{name}"
        rest = text[j + 8:].lstrip()
        ends = not rest or rest[0] in "+-=}&" or rest.startswith(("\\right", "\\\\"))
        if _ATOM.match(inner) and ends:
            sep = "" if inner.startswith("\\") else " "
            new = f"{head}{sep}{inner}"
        elif not _TALL.search(inner):
            new = f"{head}({inner})"
        else:
            new = f"{head}\\left({inner}\\right)"
        text = text[:m.start()] + new + "\x01" + text[j + 8:]
    return text.replace("\x01", " ").replace("  ", " ")


def compact_latex(latex: str) -> str:
    """SymPy's LaTeX of a reading, shorter and as a person writes it (same meaning)."""
    text = _BRACED_NAME.sub(r"\1", latex)
    text = _functions(text)
    text = _simplify_parens(text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r" ?\\right\)", r"\\right)", text)
    text = text.replace("\\left( ", "\\left(").replace("( ", "(").replace(" )", ")")
    return text


_SPACES = re.compile(r"\\[,;:! ]|\s+|\\left|\\right|\\[bB]igg?[lr]?|\\displaystyle|\\limits")
_ONE_BRACED = re.compile(r"([_^])\{\s*(\\[A-Za-z]+|[A-Za-z0-9]|[0-9]+)\s*\}")
_FRAC_SHORT = re.compile(r"\\frac(\w)(\w)")


def _normal(latex: str) -> str:
    text = _FRAC_SHORT.sub(r"\\frac{\1}{\2}", latex)
    text = _ONE_BRACED.sub(r"\1\2", text)
    text = _SPACES.sub("", text)
    return re.sub(r"\\(?:cdot|times)", "", text)


def same_latex(typed: str, read: str) -> bool:
    """True when the reading's LaTeX says what was typed (spacing, sizing and one-letter braces aside)."""
    return _normal(typed) == _normal(read)
