"""A handout as one self-contained HTML page: MathJax 3 inlined, nothing fetched when it is viewed.

The page is the same document the LaTeX templates print (title block, blocks in order, exercise
solutions at the end when asked for), with every formula typeset in the browser by MathJax 3's SVG
output (no font files). The MathJax bundle comes from the pinned ``django-static-mathjax`` wheel
(MathJax 3.2.2, ``es5/tex-svg-full.js``: all TeX extensions built in, so nothing is autoloaded) and
is copied into the page; a Content-Security-Policy forbids every network fetch, so a page that
would reach out is refused by the browser rather than silently depending on a server.

User text (titles, prose, captions, inputs) is HTML-escaped; its ``$...$`` maths is read by the
same rule as the LaTeX path (``derive.render.env``) and checked like trusted LaTeX. Worked solutions
come from each result's own Markdown (``render("markdown")``: MathJax-flavoured displays, checks,
certification), turned into HTML by markdown-it with raw HTML off.
"""
from __future__ import annotations

import html
import importlib.resources
import json
import re
from collections.abc import Callable
from typing import Any

from derive.core.errors import RenderError, UsageError
from derive.handout.document import Exercise, Handout, Worked
from derive.render.env import _math_spans, check_latex

MATHJAX_PACKAGE = "django-static-mathjax"
"""The wheel that ships MathJax (pinned in pyproject.toml); its module is ``mathjax``."""
MATHJAX_BUNDLE = "static/mathjax/es5/tex-svg-full.js"
"""MathJax 3.2.2's TeX-to-SVG component with every TeX extension built in (no autoload at view time)."""
_CDN = "https://cdn.jsdelivr.net/npm/"
_CDN_USES = 3
"""The bundle names a CDN in three places, all for optional speech and XPath add-ons this page never
enables (no menu, no explorer); they are rewritten to an inert scheme so no fetchable URL remains."""

MATHJAX_CONFIG: dict[str, Any] = {
    "loader": {"load": []},
    "tex": {
        "inlineMath": [["\\(", "\\)"]],
        "displayMath": [["\\[", "\\]"]],
        "processEscapes": False,
        "processEnvironments": False,
        # all of the bundle's extensions except those that fetch (require, autoload) or write HTML (html),
        # and textmacros (\\textasciicircum and friends inside \\text, as our printers write them)
        "packages": {"[+]": ["textmacros"], "[-]": ["require", "autoload", "html"]},
        "macros": {  # the handouts' shared notation (templates/notation.tex.j2), for the author's $...$ maths
            "vect": ["\\boldsymbol{#1}", 1], "mat": ["\\boldsymbol{#1}", 1], "T": "^{\\top}",
            "norm": ["\\left\\lVert #1 \\right\\rVert", 1], "abs": ["\\left\\lvert #1 \\right\\rvert", 1],
            "inner": ["\\left\\langle #1, #2 \\right\\rangle", 2],
            "argmax": "\\operatorname*{arg\\,max}", "argmin": "\\operatorname*{arg\\,min}",
            "E": "\\mathbb{E}", "Var": "\\operatorname{Var}", "Cov": "\\operatorname{Cov}", "R": "\\mathbb{R}",
            "tr": "\\operatorname{tr}", "diag": "\\operatorname{diag}", "given": "\\mid",
        },
    },
    "svg": {"fontCache": "global"},
    "options": {
        "enableMenu": False,
        "ignoreHtmlClass": "tex2jax_ignore",
        "processHtmlClass": "tex2jax_process",
    },
}
"""MathJax's configuration, written into the page before the bundle: only elements of class
``tex2jax_process`` are read, so a ``\\(`` in user prose stays text."""

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:"
)
"""No fetch of any kind: scripts and styles only inline, images and fonts only as data."""

_STYLE = """
body{max-width:46rem;margin:2rem auto;padding:0 1rem;font:16px/1.5 Georgia,'Times New Roman',serif;color:#111}
header{text-align:center;margin-bottom:2rem}h1{font-size:1.8rem;margin:0}.subtitle{font-size:1.2rem;margin:.4rem 0}
h2{font-size:1.35rem;margin-top:2rem}h3{font-size:1.12rem;margin-top:1.5rem}
.display{overflow-x:auto;margin:.8rem 0;text-align:center}.input{font-size:.9rem;color:#555}
.exercise{margin:1rem 0}.worked{margin:1rem 0}table{border-collapse:collapse;margin:.6rem 0}
td,th{border:1px solid #ccc;padding:.2rem .5rem}figure{margin:1rem auto;text-align:center}
figure svg{max-width:100%;height:auto}figcaption{font-size:.92rem;color:#333}code{font-size:.9em}
.course{color:#555;margin:0 0 .5rem}.points{font-weight:normal;color:#555}.answer{border:1px solid #999;margin:.5rem 0 1rem}
"""


def mathjax_bundle() -> str:
    """MathJax's JavaScript, as it goes into a page: CDN names made inert, checked safe to inline."""
    try:
        root = importlib.resources.files("mathjax")
        script = root.joinpath(*MATHJAX_BUNDLE.split("/")).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise RenderError(f"MathJax is not installed ({exc})",
                          hint=f"install derive's dependencies (pip install -e .): {MATHJAX_PACKAGE} ships it") from None
    if script.count(_CDN) != _CDN_USES:
        raise RenderError(f"the MathJax bundle names its CDN {script.count(_CDN)} times, not {_CDN_USES}",
                          hint=f"use the pinned {MATHJAX_PACKAGE}; another version needs this check reviewed")
    script = script.replace(_CDN, "offline:")
    if re.search(r"</script|<script", script, re.IGNORECASE):
        raise RenderError("the MathJax bundle contains a script tag and cannot be inlined",
                          hint=f"use the pinned {MATHJAX_PACKAGE}")
    return script


# --- maths and prose ------------------------------------------------------------------------------


def _checked(latex: str, where: str) -> str:
    try:
        check_latex(latex)
    except RenderError as exc:
        raise RenderError(f"{where}: {exc.message}", hint=exc.hint) from None
    return mathjax_text(latex)


_TEXT_SYMBOLS = {
    r"\textasciicircum{}": "\u02c6", r"\textasciitilde{}": r"$\sim$", r"\textbackslash{}": r"$\backslash$",
    r"\textless{}": "<", r"\textgreater{}": ">", r"\textbar{}": "|",
}
"""The text-mode symbols our LaTeX escaping writes (``derive.render.escape``), as MathJax's ``\\text``
reads them: it knows these commands only in math mode."""
_TEXT_GROUP = re.compile(r"\\text\s*\{")
_TEXT_SYMBOL = re.compile("|".join(re.escape(k) for k in _TEXT_SYMBOLS))


def mathjax_text(latex: str) -> str:
    r"""``latex`` with the text-mode symbols inside each ``\text{...}`` spelled as MathJax reads them."""
    if "\\text" not in latex:
        return latex
    out, pos = [], 0
    for m in _TEXT_GROUP.finditer(latex):
        if m.start() < pos:
            continue
        depth, end = 1, m.end()
        while end < len(latex) and depth:
            ch = latex[end]
            if ch == "\\":
                end += 2
                continue
            depth += {"{": 1, "}": -1}.get(ch, 0)
            end += 1
        out.append(latex[pos:m.end()])
        out.append(_TEXT_SYMBOL.sub(lambda s: _TEXT_SYMBOLS[s.group(0)], latex[m.end():end]))
        pos = end
    out.append(latex[pos:])
    return "".join(out)


def inline_math(latex: str) -> str:
    r"""Inline maths for MathJax: ``\(...\)`` in an element MathJax reads, the LaTeX HTML-escaped."""
    return f'<span class="tex2jax_process">\\({html.escape(latex.strip(), quote=False)}\\)</span>'


def display_math(latex: str) -> str:
    r"""A displayed formula: ``\[...\]`` in its own block."""
    return f'<div class="display tex2jax_process">\\[{html.escape(latex.strip(), quote=False)}\\]</div>'


def prose_line(text: str, where: str) -> str:
    """One line of user prose: the words escaped, each ``$...$`` checked and typeset inline."""
    pieces = []
    for is_math, piece in _math_spans(" ".join(text.split())):
        if is_math:
            pieces.append(inline_math(_checked(piece, where)))
        else:
            pieces.append(html.escape(piece.replace("\\$", "$")))
    return "".join(pieces)


def prose(text: str, where: str) -> str:
    """User prose: paragraphs at blank lines, each a ``<p>`` of ``prose_line``."""
    paragraphs = [p for p in re.split(r"\n[ \t]*\n\s*", text.strip()) if p.strip()]
    return "\n".join(f"<p>{prose_line(p, where)}</p>" for p in paragraphs)


# --- a result's Markdown as HTML --------------------------------------------------------------------

_DISPLAY_OR_CODE = re.compile(r"\$\$(.+?)\$\$|(`+)(.+?)\2", re.DOTALL)
_HOLE = re.compile(r"MJXHOLE(\d+)Z")


def markdown_html(markdown: str, where: str) -> str:
    """Markdown from our printers as HTML: maths cut out first (so Markdown cannot touch the LaTeX),
    raw HTML escaped, tables kept; each formula checked and put back for MathJax."""
    from markdown_it import MarkdownIt

    holes: list[str] = []

    def hole(markup: str) -> str:
        holes.append(markup)
        return f"MJXHOLE{len(holes) - 1}Z"

    out: list[str] = []
    pos = 0
    for m in _DISPLAY_OR_CODE.finditer(markdown):
        out.append(_inline_holes(markdown[pos:m.start()], hole, where))
        if m.group(1) is not None:
            out.append("\n\n" + hole(display_math(_checked(m.group(1), where))) + "\n\n")
        else:
            out.append(m.group(0))  # a code span: Markdown escapes it
        pos = m.end()
    out.append(_inline_holes(markdown[pos:], hole, where))
    rendered = MarkdownIt("commonmark", {"html": False}).enable("table").render("".join(out))
    rendered = re.sub(r"<p>\s*(MJXHOLE\d+Z)\s*</p>", r"\1", rendered)
    return _HOLE.sub(lambda m: holes[int(m.group(1))], rendered)


def _inline_holes(text: str, hole: Callable[[str], str], where: str) -> str:
    return "".join(hole(inline_math(_checked(p, where))) if is_math else p for is_math, p in _math_spans(text))


# --- blocks -----------------------------------------------------------------------------------------


class _Page:
    """Walks a handout's blocks by kind (``_html_<kind>``); an unknown kind is an error naming it."""

    def __init__(self, handout: Handout, solutions: bool, layout: str) -> None:
        self.handout = handout
        self.solutions = solutions
        self.exam = layout == "exam"
        self.sections = 0
        self.exercises = 0
        self.figures = 0

    def block(self, block: Any) -> str:
        kind = getattr(block, "kind", type(block).__name__)
        method = getattr(self, f"_html_{kind}", None)
        if method is None:
            raise RenderError(f"block '{getattr(block, 'label', kind)}': no HTML for blocks of kind {kind!r}",
                              hint="derive.export.html knows: " + ", ".join(sorted(
                                  n[6:] for n in dir(self) if n.startswith("_html_"))))
        return str(method(block))

    def _html_paragraph(self, b: Any) -> str:
        return prose(b.text, f"paragraph '{b.label}'")

    def _html_math(self, b: Any) -> str:
        return display_math(_checked(b.latex, f"formula '{b.label}'"))

    def _html_section(self, b: Any) -> str:
        self.sections += 1
        return f"<h2>{self.sections}&ensp;{prose_line(b.title, f'section {b.label!r}')}</h2>"

    def _points(self, b: Any) -> str:
        points = getattr(b, "points", None)
        if not self.exam or points is None:
            return ""
        return f' <span class="points">({float(points):g} point{"" if float(points) == 1 else "s"})</span>'

    def _answer_space(self, b: Any, default: float) -> str:
        if not self.exam or self.solutions:
            return ""
        space = getattr(b, "space", None)
        return f'<div class="answer" style="height:{float(space if space is not None else default):g}cm"></div>'

    def _html_worked(self, b: Worked, heading: str = "") -> str:
        where = f"block '{b.label}'"
        title = html.escape(heading) if heading else prose_line(b.title, where)
        parts = [f"<h3>{title}{self._points(b)}</h3>"]
        if b.intro:
            parts.append(prose(b.intro, where))
        if not self.solutions:  # a student version: what is asked, never the derivation
            question = _question(b)
            if question.strip():
                parts.append(markdown_html(question, f"{where}, its question"))
            parts.append(self._answer_space(b, 6))
            return '<section class="worked">\n' + "\n".join(p for p in parts if p) + "\n</section>"
        if b.source:
            parts.append(f'<p class="input">Input: <code>{html.escape(b.source)}</code></p>')
        parts.append(markdown_html(str(b.result.render("markdown")), f"{where}, its derivation"))
        return '<section class="worked">\n' + "\n".join(parts) + "\n</section>"

    def _html_exercise(self, b: Exercise) -> str:
        self.exercises += 1
        where = f"exercise '{b.label}'"
        parts = [f"<p><strong>Exercise {self.exercises}.</strong>{self._points(b)} {prose_line(b.prompt, where)}</p>"]
        if b.prompt_latex:
            parts.append(display_math(_checked(b.prompt_latex, where)))
        if space := self._answer_space(b, 4):
            parts.append(space)
        return '<div class="exercise">\n' + "\n".join(parts) + "\n</div>"

    def _html_checked(self, b: Any) -> str:
        """A checked derivation: its annotated report, or in a student version its steps as typed (the
        Markdown question part: no mark, verdict, counterexample or hint)."""
        markdown = str(b.result.render("markdown")) if self.solutions else _question(b)
        if not markdown.strip():
            return ""
        return '<section class="checked">\n' + markdown_html(markdown, f"block '{b.label}'") + "\n</section>"

    def _html_figure(self, b: Any) -> str:
        if not self.solutions and getattr(b, "solution", True):
            return ""  # a figure that shows a solution (an estimate, a fitted line) is not in a student version
        self.figures += 1
        svg = inline_svg(str(b.plot.svg), prefix=f"fig{self.figures}-", where=f"figure '{b.label}'")
        width = float(getattr(b, "width", 0.8))
        caption = getattr(b, "caption", "")
        cap = f"<figcaption>Figure {self.figures}. {prose_line(caption, f'figure {b.label!r}')}</figcaption>" \
            if caption else ""
        return f'<figure style="width:{100 * width:.0f}%">\n{svg}\n{cap}</figure>'

    def page(self) -> str:
        h = self.handout
        head = [f"<h1>{prose_line(h.title, 'handout title')}</h1>"]
        if h.subtitle:
            head.append(f'<p class="subtitle">{prose_line(h.subtitle, "handout subtitle")}</p>')
        if h.author:
            head.append(f'<p class="author">{html.escape(h.author)}</p>')
        style = getattr(h, "style", None)
        course = [str(getattr(style, k, "")) for k in ("course", "term", "instructor")]
        if any(course):
            head.insert(0, f'<p class="course">{html.escape(" · ".join(c for c in course if c))}</p>')
        body = [html_block for b in h.blocks if (html_block := self.block(b))]
        solved = [(k, e) for k, e in enumerate(h.exercises, start=1) if e.solution is not None]
        if self.solutions and solved:
            body.append('<h2 class="solutions">Solutions</h2>')
            body += [self._html_worked(e.solution, heading=f"Solution to exercise {k}")
                     for k, e in solved if e.solution is not None]
        return "\n".join(["<header>", *head, "</header>", "<main>", *body, "</main>"])


def _question(b: Any) -> str:
    """What a worked problem or a checked derivation asks, as Markdown (its printer's ``question`` part: a
    displayed formula, or a derivation's steps as typed); '' when its result has none, or the printer has no
    question part: a student version then shows the title and intro only."""
    try:
        return str(b.result.render("markdown", part="question"))
    except UsageError:
        return ""


# --- figures ----------------------------------------------------------------------------------------

_SVG_START = re.compile(r"<svg\b", re.IGNORECASE)
_UNSAFE_SVG = re.compile(r"<script|<foreignObject|\bon[a-z]+\s*=|javascript:|(?:xlink:)?href\s*=\s*\"(?!#)",
                         re.IGNORECASE)


def inline_svg(svg: str, *, prefix: str, where: str) -> str:
    """An SVG made by our plotting code, ready to sit in a page: the XML prologue, DOCTYPE and metadata
    dropped, ids prefixed (two figures must not share ``#clip1``), refused if it could run or fetch."""
    start = _SVG_START.search(svg)
    if start is None:
        raise RenderError(f"{where}: the plot's SVG has no <svg> element", hint="make the plot with derive.render.figures")
    body = re.sub(r"<metadata>.*?</metadata>", "", svg[start.start():], flags=re.DOTALL)
    found = _UNSAFE_SVG.search(body)
    if found is not None:
        raise RenderError(f"{where}: the plot's SVG contains {found.group(0)!r}",
                          hint="a figure may not hold scripts, event handlers or links to other files")
    body = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', body)
    body = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", body)
    return re.sub(r'((?:xlink:)?href)="#([^"]+)"', lambda m: f'{m.group(1)}="#{prefix}{m.group(2)}"', body)


# --- the page -----------------------------------------------------------------------------------------


def _plain_title(title: str) -> str:
    return " ".join(title.replace("$", "").split())


def handout_html(handout: Handout, *, solutions: bool = True, layout: str = "handout") -> str:
    """``handout`` as one HTML page that needs nothing else: styles, maths and MathJax inlined.

    With ``solutions=False`` (a student version) no solution text is in the file at all, as in the
    LaTeX: worked problems show their question only, exercise solutions and figures that show a
    solution are left out. ``layout="exam"`` adds points and answer boxes. An unknown block kind, or
    maths that ``check_latex`` refuses, is a RenderError naming the block.
    """
    if not isinstance(handout, Handout):
        raise RenderError(f"handout_html needs a Handout, not {type(handout).__name__}",
                          hint="build it with derive.handout.HandoutBuilder")
    if layout not in ("handout", "exam"):
        raise UsageError(f"unknown layout {layout!r}", hint="choose handout or exam")
    body = _Page(handout, solutions, layout).page()
    config = json.dumps(MATHJAX_CONFIG, sort_keys=True).replace("</", "<\\/")
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="derive">',
        f"<title>{html.escape(_plain_title(handout.title))}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        '<body class="tex2jax_ignore">',
        body,
        f'<script id="mathjax-config">window.MathJax = {config};</script>',
        f'<script id="mathjax">{mathjax_bundle()}</script>',
        "</body>",
        "</html>",
        "",
    ])
