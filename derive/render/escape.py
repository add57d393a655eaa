"""Escaping user text for LaTeX: specials escaped, Unicode mapped to what pdflatex can set, or refused.

Every printer and template that puts user text (titles, prose, a rule's words) into TeX goes
through ``tex`` (paragraphs) or ``tex_line`` (one line); the result holds no active characters,
so it cannot run a command however hostile the input.
"""
from __future__ import annotations

import re
import unicodedata

from derive.core.errors import RenderError


class Latex(str):
    """A string that is safe to emit into TeX: escaped user text or trusted LaTeX.

    Like ``markupsafe.Markup``, the mark is lost by any str operation (``~``, slicing),
    so derived strings must be filtered again before they reach the output.
    """

    __slots__ = ()


# --- escaping user text ---------------------------------------------------------------------

_ESCAPES: dict[str, str] = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}

# Characters pdflatex (T1 + utf8) cannot typeset in text mode, mapped to math; checked with
# TeX Live 2022. Anything not mapped here and not in _TEXT_OK is refused with a hint.
_MATH_CHARS: dict[str, str] = {
    # Greek (upper-case letters that look Latin print as Latin)
    "\u0391": "A", "\u0392": "B", "\u0395": "E", "\u0396": "Z", "\u0397": "H",
    "\u0399": "I", "\u039a": "K", "\u039c": "M", "\u039d": "N", "\u039f": "O",
    "\u03a1": "P", "\u03a4": "T", "\u03a7": "X",
    "\u0393": r"\ensuremath{\Gamma}", "\u0394": r"\ensuremath{\Delta}",
    "\u0398": r"\ensuremath{\Theta}", "\u039b": r"\ensuremath{\Lambda}",
    "\u039e": r"\ensuremath{\Xi}", "\u03a0": r"\ensuremath{\Pi}",
    "\u03a3": r"\ensuremath{\Sigma}", "\u03a5": r"\ensuremath{\Upsilon}",
    "\u03a6": r"\ensuremath{\Phi}", "\u03a8": r"\ensuremath{\Psi}",
    "\u03a9": r"\ensuremath{\Omega}",
    "\u03b1": r"\ensuremath{\alpha}", "\u03b2": r"\ensuremath{\beta}",
    "\u03b3": r"\ensuremath{\gamma}", "\u03b4": r"\ensuremath{\delta}",
    "\u03b5": r"\ensuremath{\varepsilon}", "\u03f5": r"\ensuremath{\epsilon}",
    "\u03b6": r"\ensuremath{\zeta}", "\u03b7": r"\ensuremath{\eta}",
    "\u03b8": r"\ensuremath{\theta}", "\u03d1": r"\ensuremath{\vartheta}",
    "\u03b9": r"\ensuremath{\iota}", "\u03ba": r"\ensuremath{\kappa}",
    "\u03bb": r"\ensuremath{\lambda}", "\u03bc": r"\ensuremath{\mu}",
    "\u03bd": r"\ensuremath{\nu}", "\u03be": r"\ensuremath{\xi}", "\u03bf": "o",
    "\u03c0": r"\ensuremath{\pi}", "\u03c1": r"\ensuremath{\rho}",
    "\u03c2": r"\ensuremath{\varsigma}", "\u03c3": r"\ensuremath{\sigma}",
    "\u03c4": r"\ensuremath{\tau}", "\u03c5": r"\ensuremath{\upsilon}",
    "\u03c6": r"\ensuremath{\varphi}", "\u03d5": r"\ensuremath{\phi}",
    "\u03c7": r"\ensuremath{\chi}", "\u03c8": r"\ensuremath{\psi}",
    "\u03c9": r"\ensuremath{\omega}",
    # operators, relations, arrows, sets
    "\u2212": r"\ensuremath{-}", "\u2213": r"\ensuremath{\mp}",
    "\u2264": r"\ensuremath{\leq}", "\u2265": r"\ensuremath{\geq}",
    "\u2260": r"\ensuremath{\neq}", "\u2248": r"\ensuremath{\approx}",
    "\u2261": r"\ensuremath{\equiv}", "\u223c": r"\ensuremath{\sim}",
    "\u221d": r"\ensuremath{\propto}", "\u226a": r"\ensuremath{\ll}",
    "\u226b": r"\ensuremath{\gg}", "\u221e": r"\ensuremath{\infty}",
    "\u2202": r"\ensuremath{\partial}", "\u2207": r"\ensuremath{\nabla}",
    "\u2211": r"\ensuremath{\sum}", "\u220f": r"\ensuremath{\prod}",
    "\u222b": r"\ensuremath{\int}", "\u221a": r"\ensuremath{\surd}",
    "\u2208": r"\ensuremath{\in}", "\u2209": r"\ensuremath{\notin}",
    "\u2282": r"\ensuremath{\subset}", "\u2286": r"\ensuremath{\subseteq}",
    "\u222a": r"\ensuremath{\cup}", "\u2229": r"\ensuremath{\cap}",
    "\u2216": r"\ensuremath{\setminus}", "\u2205": r"\ensuremath{\emptyset}",
    "\u2200": r"\ensuremath{\forall}", "\u2203": r"\ensuremath{\exists}",
    "\u2227": r"\ensuremath{\wedge}", "\u2228": r"\ensuremath{\vee}",
    "\u2218": r"\ensuremath{\circ}", "\u22c5": r"\ensuremath{\cdot}",
    "\u2217": r"\ensuremath{\ast}", "\u2297": r"\ensuremath{\otimes}",
    "\u2295": r"\ensuremath{\oplus}", "\u22a4": r"\ensuremath{\top}",
    "\u22a5": r"\ensuremath{\perp}", "\u2223": r"\ensuremath{\mid}",
    "\u2194": r"\ensuremath{\leftrightarrow}", "\u21a6": r"\ensuremath{\mapsto}",
    "\u21d2": r"\ensuremath{\Rightarrow}", "\u21d0": r"\ensuremath{\Leftarrow}",
    "\u21d4": r"\ensuremath{\Leftrightarrow}",
    "\u27e8": r"\ensuremath{\langle}", "\u27e9": r"\ensuremath{\rangle}",
    "\u2032": r"\ensuremath{{}'}", "\u2033": r"\ensuremath{{}''}",
    "\u211d": r"\ensuremath{\mathbb{R}}", "\u2115": r"\ensuremath{\mathbb{N}}",
    "\u2124": r"\ensuremath{\mathbb{Z}}", "\u211a": r"\ensuremath{\mathbb{Q}}",
    "\u2102": r"\ensuremath{\mathbb{C}}",
}

# Non-ASCII characters pdflatex sets in text mode with T1 + utf8 (checked with TeX Live 2022).
_TEXT_OK_RANGES: tuple[tuple[int, int], ...] = (
    (0x00A0, 0x00FF),  # Latin-1 supplement
    (0x0100, 0x017F),  # Latin Extended-A, minus _TEXT_MISSING
    (0x2010, 0x2016),  # dashes, double vertical line
    (0x2018, 0x201A), (0x201C, 0x201E),  # quotes
    (0x2020, 0x2022), (0x2026, 0x2026), (0x2030, 0x2031),  # daggers, bullet, ellipsis, per mille
    (0x2039, 0x203B), (0x2044, 0x2044), (0x204E, 0x204E),
    (0x20AC, 0x20AC), (0x2122, 0x2122), (0x2190, 0x2193),  # euro, trade mark, arrows
)
_TEXT_MISSING = frozenset("\u0126\u0127\u0138\u013f\u0140\u0149\u0166\u0167\u017f")

_SPECIAL = re.compile(r"[\\{}$&#^_%~<>|]")
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
_WHITESPACE = re.compile(r"\s+")


def _text_ok(ch: str) -> bool:
    code = ord(ch)
    if 0x20 <= code < 0x7F:
        return True
    return ch not in _TEXT_MISSING and any(lo <= code <= hi for lo, hi in _TEXT_OK_RANGES)


def _escape_chars(text: str) -> str:
    """Escape one run of text (no newlines): specials, then mapped or refused Unicode."""
    out: list[str] = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _text_ok(ch):
            out.append(ch)
        elif ch in _MATH_CHARS:
            out.append(_MATH_CHARS[ch])
        elif unicodedata.category(ch).startswith("C"):
            raise RenderError(
                f"control character U+{ord(ch):04X} in text",
                hint="remove it; only printable characters, tabs and newlines are allowed",
            )
        else:
            name = unicodedata.name(ch, "unnamed")
            raise RenderError(
                f"character {ch!r} (U+{ord(ch):04X} {name}) cannot be typeset by pdflatex",
                hint="replace it, or write the formula as a Math block",
            )
    return "".join(out)


def _normalise(value: object, what: str) -> str:
    if value is None or isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RenderError(
            f"{what} expects text, got {type(value).__name__}",
            hint="pass a str (the model uses '' for absent text)",
        )
    text = unicodedata.normalize("NFC", str(value))
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")


def tex(value: object) -> Latex:
    """Escape user text for LaTeX body text; a blank line starts a new paragraph.

    Single newlines are joined like TeX (hard-wrapped prose stays one paragraph). The result
    holds no active characters, so it cannot run a command however hostile the input.
    """
    text = _normalise(value, "|tex")
    paragraphs = [p for p in _BLANK_LINE.split(text.strip()) if p.strip()]
    return Latex("\n\n".join(_escape_chars(" ".join(p.split())) for p in paragraphs))


def tex_line(value: object) -> Latex:
    """Escape user text for one line (titles, macro arguments, comments): no paragraph breaks."""
    return Latex(_escape_chars(" ".join(_normalise(value, "|tex_line").split())))


def untex_line(text: str) -> str:
    """Undo ``tex_line`` for the plain ASCII escapes: turns a source marker back into a title."""
    reverse = {v: k for k, v in _ESCAPES.items()}
    pattern = re.compile("|".join(re.escape(v) for v in sorted(reverse, key=len, reverse=True)))
    return pattern.sub(lambda m: reverse[m.group(0)], text)
