"""Jinja2 set-up for LaTeX templates: brace-safe delimiters, escaping filters, StrictUndefined.

Every ``<< ... >>`` must go through ``|tex`` (user text, escaped), ``|prose`` / ``|prose_line``
(user prose: the words escaped, the author's ``$...$`` maths checked like trusted LaTeX) or
``|math`` (trusted LaTeX from our printer); ``finalize`` refuses anything else, so a template cannot leak
unescaped user text into TeX by forgetting a filter.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
import importlib.resources
import re
import traceback
from collections.abc import Callable
from types import CodeType
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import jinja2
from jinja2.bccache import Bucket
from jinja2.loaders import split_template_path

from derive.core.errors import DeriveError, RenderError
from derive.render.escape import Latex, tex, tex_line
from derive.handout.document import Block, CheckedBlock, Figure, Handout, Worked, format_points

HANDOUT_TEMPLATE = "handout.tex.j2"
"""The top-level template ``render_handout`` renders."""

PROTECTED_TEMPLATES = frozenset({"base.tex.j2"})
"""Templates a user's folder may not replace: ``base.tex.j2`` holds the TeX hardening."""

LAYOUTS = ("handout", "exam")
"""How a version is laid out: a handout, or an exam (a name line, points, answer boxes, a total)."""

SOURCE_MARKER = "% derive-source: "
"""Starts the comment line written before each block; ``pdf.py`` maps TeX errors back to it."""


# --- trusted LaTeX ---------------------------------------------------------------------------

# Even trusted LaTeX may not read or write files, run commands, define macros, build control
# sequence names from text, re-read text as code or end the document: a printer bug (or a
# symbol name that slipped through) must not become a TeX program. This is a filter, kept
# in depth: pdf.py's sandbox is what stops TeX reading files whatever the spelling.
_FORBIDDEN_WORDS = (
    # files: reading, writing, embedding, listing
    "input", "include", "includeonly", "InputIfFileExists", "IfFileExists", "openin", "openout",
    "closein", "closeout", "newread", "newwrite", "read", "readline", "write", "immediate", "special",
    "endinput", "verbatiminput", "VerbatimInput", "lstinputlisting", "includegraphics", "includepdf",
    "import", "subimport", "bibliography", "addbibresource", "font", "jobname", "filecontents",
    "usepackage", "RequirePackage", "documentclass", "LoadClass", "directlua", "latelua", "primitive",
    # defining, and changing how text is read
    "catcode", "mathcode", "lccode", "uccode", "sfcode", "delcode", "chardef", "mathchardef",
    "countdef", "dimendef", "skipdef", "toksdef", "def", "edef", "gdef", "xdef", "let", "futurelet",
    "newcommand", "renewcommand", "providecommand", "newenvironment", "renewenvironment",
    "makeatletter", "makeatother", "output", "shipout",
    # building names from text, expanding or re-reading it
    "csname", "ifcsname", "lastnamedcs", "begincsname", "ExpandArgs", "scantokens", "scantextokens",
    "expandafter", "noexpand", "string", "detokenize", "unexpanded", "lowercase", "uppercase",
    "everyeof", "endlinechar", "newlinechar",
    # the interaction mode, ending the run, and LaTeX3/engine aliases of primitives
    "batchmode", "nonstopmode", "scrollmode", "errorstopmode", "stop", "enddocument", "dump",
    "tex", "pdftex", "etex", "luatex", "xetex", "utex", "use", "cs",
)
_FORBIDDEN = re.compile(
    r"(?:" + "|".join(sorted(_FORBIDDEN_WORDS, key=len, reverse=True)) + r")"
    # families: pdfTeX's primitives (\pdfobj file, \pdfximage, \pdffiledump, ...), definers,
    # hooks, token-list parameters, name users (\UseName), expl3 syntax, file helpers
    r"|(?:pdf|New|Renew|Provide|Declare|AtBegin|AtEnd|AddTo|RemoveFrom|every|Use[A-Z]|Expl"
    r"|Input|IfFile)[A-Za-z]*"
    r"|@"  # \@ starts @-internals such as \@@input
)
"""Control-sequence names (after the backslash, whole) that trusted LaTeX may not use."""
_CONTROL_SEQUENCE = re.compile(r"\\([A-Za-z]+|.)", re.DOTALL)
_CONTROL_WORD = re.compile(r"\\([A-Za-z]+)\s*(?:\{([^{}]*)\})?")
# The environments trusted LaTeX may open: \begin{x} runs the macro \x, so any other name
# (\begin{input}, \begin{filecontents}, \end{document}) would be a command in disguise.
_MATH_ENVIRONMENTS = frozenset({
    "align", "align*", "aligned", "alignat", "alignat*", "alignedat", "gather", "gather*", "gathered",
    "multline", "multline*", "split", "flalign", "flalign*", "equation", "equation*", "cases",
    "matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix", "array", "subarray",
})


def _forbidden(latex: str) -> str | None:
    r"""The first forbidden control sequence or notation in ``latex``, read as TeX tokenizes it.

    Tokenizing (rather than searching the text) keeps ``\\input`` (a line break, then a
    word) apart from ``\input``; ``^^5c`` and expl3's ``\__`` names are found in the text.
    """
    if "^^" in latex:
        return "^^"
    for token in _CONTROL_SEQUENCE.finditer(latex):
        name = token.group(1)
        if _FORBIDDEN.fullmatch(name) or (name == "_" and latex.startswith("_", token.end())):
            return token.group(0) if name != "_" else "\\__"
    return None


def check_latex(latex: str) -> None:
    """Raise RenderError unless trusted LaTeX is balanced and free of file or macro primitives.

    Why: an unbalanced brace or environment makes TeX run on into later blocks and report
    the error far from its cause, so it is caught here, by name, before TeX runs.
    """
    found = _forbidden(latex)
    if found is not None:
        raise RenderError(
            f"refusing LaTeX that uses {found!r}",
            hint="formulas may not read files, define macros, build names from text or end the document",
        )
    depth = 0
    lefts = 0
    envs: list[str] = []
    i = 0
    while i < len(latex):
        ch = latex[i]
        if ch == "\\":
            word = _CONTROL_WORD.match(latex, i)
            if word is None:  # a control symbol such as \{ or \\ : skip both characters
                i += 2
                continue
            name, arg = word.group(1), word.group(2)
            if name == "left":
                lefts += 1
            elif name == "right":
                lefts -= 1
                if lefts < 0:
                    raise RenderError("\\right without \\left in LaTeX", hint="balance \\left ... \\right")
            elif name in ("begin", "end") and (arg is None or arg.strip() not in _MATH_ENVIRONMENTS):
                raise RenderError(
                    f"refusing LaTeX that uses \\{name}{{{arg if arg is not None else ''}}}",
                    hint="formulas may only open math environments such as align*, aligned, cases, pmatrix, array",
                )
            elif name == "begin":
                envs.append(arg.strip())
            elif name == "end":
                if not envs or envs.pop() != arg.strip():
                    raise RenderError(
                        f"\\end{{{arg}}} does not close the open environment in LaTeX",
                        hint="each \\begin{...} needs its own \\end{...}, innermost first",
                    )
            i += 1 + len(name)  # the argument braces (if any) are counted below
            continue
        if ch == "%":
            end = latex.find("\n", i)
            i = len(latex) if end < 0 else end
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                raise RenderError("unbalanced '}' in LaTeX", hint="remove the extra '}'")
        i += 1
    if depth:
        raise RenderError(f"{depth} unclosed '{{' in LaTeX", hint="close every '{' with '}'")
    if lefts:
        raise RenderError("\\left without \\right in LaTeX", hint="balance \\left ... \\right")
    if envs:
        raise RenderError(
            f"\\begin{{{envs[-1]}}} is never closed in LaTeX", hint=f"add \\end{{{envs[-1]}}}"
        )


def math(value: object) -> Latex:
    """Mark trusted LaTeX from our printer for output as is (after ``check_latex``)."""
    if not isinstance(value, str):
        raise RenderError(
            f"|math expects a LaTeX str, got {type(value).__name__}",
            hint="pass the printer's LaTeX string",
        )
    check_latex(value)
    return Latex(value)


# --- prose with $...$ mathematics ---------------------------------------------------------------

_DOLLAR = re.compile(r"(?<!\\)\$")


def _math_spans(text: str) -> list[tuple[bool, str]]:
    """``text`` cut into (is_maths, piece): ``$...$`` is maths by Pandoc's rule (a non-space after the
    opening ``$``, a non-space before the closing one, no digit right after it), so "$5 and $6" is
    text; ``\\$`` is a literal dollar."""
    out: list[tuple[bool, str]] = []
    start = pos = 0
    while (m := _DOLLAR.search(text, pos)) is not None:
        k = m.start()
        if k + 1 >= len(text) or text[k + 1].isspace():
            pos = k + 1
            continue
        close = k + 1
        while (c := _DOLLAR.search(text, close)) is not None:
            j = c.start()
            if not text[j - 1].isspace() and not text[j + 1:j + 2].isdigit():
                break
            close = j + 1
        else:
            break
        if j == k + 1:
            pos = k + 1
            continue
        out.append((False, text[start:k]))
        out.append((True, text[k + 1:j]))
        start = pos = j + 1
    out.append((False, text[start:]))
    return [(m, p) for m, p in out if m or p]


def _prose_math(latex: str) -> str:
    """Inline maths from the author: trusted LaTeX, checked like any formula; Unicode letters mapped."""
    if re.search(r"(?<!\\)[%#]", latex):
        raise RenderError(f"'%' or '#' in the maths ${latex}$", hint="write \\% or \\# for the characters")
    mapped = "".join(ch if ord(ch) < 0x80 else _math_char(ch) for ch in latex)
    check_latex(mapped)
    return f"${mapped}$"


def _math_char(ch: str) -> str:
    from derive.render.escape import _MATH_CHARS

    if ch in _MATH_CHARS:
        return "{" + _MATH_CHARS[ch] + "}"
    raise RenderError(f"character {ch!r} (U+{ord(ch):04X}) in maths cannot be typeset by pdflatex",
                      hint="write it as a LaTeX command, such as \\sigma")


def _prose_text(text: str) -> str:
    return str(tex_line(text.replace("\\$", "$"))) if text.strip() else (" " if text else "")


def _prose_paragraph(text: str) -> str:
    pieces = []
    for is_math, piece in _math_spans(" ".join(text.split()) if text.strip() else text):
        if is_math:
            pieces.append(_prose_math(piece))
        else:  # keep the spaces around the maths (tex_line strips them)
            lead = " " if piece[:1].isspace() else ""
            tail = " " if piece[-1:].isspace() and piece.strip() else ""
            pieces.append(lead + _prose_text(piece).strip() + tail if piece.strip() else " ")
    return "".join(pieces).strip()


def prose(value: object) -> Latex:
    """User prose for LaTeX body text: the words escaped (as ``tex``), ``$...$`` kept as the author's
    maths (checked by ``check_latex``); a blank line starts a new paragraph."""
    text = str(tex(value)) and _normalise_text(value)
    paragraphs = [p for p in re.split(r"\n[ \t]*\n\s*", text.strip()) if p.strip()]
    return Latex("\n\n".join(_prose_paragraph(p) for p in paragraphs))


def _line(value: object, maths: Callable[[str], str]) -> Latex:
    """One line of prose, each formula printed by ``maths``, the words escaped, spacing kept."""
    tex_line(value)  # the type and character checks
    pieces = []
    for is_math, piece in _math_spans(" ".join(_normalise_text(value).split())):
        if is_math:
            pieces.append(maths(piece))
        elif piece.strip():
            lead = " " if piece[:1].isspace() else ""
            tail = " " if piece[-1:].isspace() else ""
            pieces.append(lead + _prose_text(piece).strip() + tail)
        else:
            pieces.append(" ")
    return Latex("".join(pieces).strip())


def prose_line(value: object) -> Latex:
    """One line of prose with ``$...$`` maths (a title): as ``prose``, no paragraph breaks; each formula
    wrapped in ``\\texorpdfstring`` so PDF bookmarks read it as text."""
    return _line(value, lambda m: rf"\texorpdfstring{{{_prose_math(m)}}}{{{plain_math(m)}}}")


def plain_math(latex: str) -> Latex:
    """A formula as plain text for PDF metadata: commands lose their backslash, braces go."""
    words = re.sub(r"\\([A-Za-z]+)\s*", r"\1 ", latex)
    words = re.sub(r"\\.", "", words).replace("{", "").replace("}", "")
    return tex_line(" ".join(words.split()))


def plain_line(value: object) -> Latex:
    """A title for PDF metadata: ``$...$`` maths as plain text, the rest escaped."""
    return _line(value, plain_math)


def _normalise_text(value: object) -> str:
    import unicodedata

    text = unicodedata.normalize("NFC", str(value))
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")


def _points(value: object) -> Latex:
    """Points as printed (``5``, ``2.5``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RenderError(f"|points expects a number, got {type(value).__name__}", hint="pass block.points")
    return Latex(format_points(float(value)))


def _cm(value: object) -> Latex:
    """A length in centimetres (``6cm``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RenderError(f"|cm expects a number, got {type(value).__name__}", hint="pass block.space")
    return Latex(f"{float(value):g}cm")


def _finalize(value: object) -> object:
    """Let through only marked strings and integers; None and raw strings are template bugs."""
    if isinstance(value, Latex) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, jinja2.Undefined):
        str(value)  # StrictUndefined raises UndefinedError, naming the missing variable
    if value is None:
        raise RenderError("a template printed None", hint="use '' for absent text, or <% if %>")
    raise RenderError(
        f"a template printed an unescaped {type(value).__name__}",
        hint="pipe it through |tex (user text), |tex_line (titles) or |math (trusted LaTeX)",
    )


# --- environment -----------------------------------------------------------------------------


class _TraversableLoader(jinja2.BaseLoader):
    """Loads templates from an ``importlib.resources`` folder (an installed wheel, maybe zipped)."""

    def __init__(self, root: Traversable) -> None:
        self.root = root

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        node = self.root
        for piece in split_template_path(template):  # refuses '..'
            node = node.joinpath(piece)
        if not node.is_file():
            raise jinja2.TemplateNotFound(template)
        return node.read_text(encoding="utf-8"), str(node), lambda: True


def _template_root() -> Traversable:
    """derive's template folder: the repo's ``templates/`` in a checkout, else ``derive/templates`` in the package."""
    ours = Path(__file__).resolve().parents[2] / "templates"
    return ours if (ours / HANDOUT_TEMPLATE).is_file() else importlib.resources.files("derive") / "templates"


def default_loader() -> jinja2.BaseLoader:
    """The repo's ``templates/`` in a checkout, else ``derive/templates`` inside the package."""
    repo = Path(__file__).resolve().parents[2] / "templates"
    if (repo / HANDOUT_TEMPLATE).is_file():
        return jinja2.FileSystemLoader(repo)
    return _TraversableLoader(importlib.resources.files("derive") / "templates")


class _UserLoader(jinja2.FileSystemLoader):
    """A user's template folder: any template of ours but the protected ones (the TeX hardening)."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        if template in PROTECTED_TEMPLATES:
            raise jinja2.TemplateNotFound(template)  # ours is used; see make_env
        return super().get_source(environment, template)


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled template code in memory, by template name, file and the SHA-1 of its source (Jinja's bucket
    checksum): an edited template has another checksum and is compiled afresh, so nothing stale is reused.

    Shared by the environments of ``make_env`` only, which are all made with the same settings (the
    compiled code depends on the delimiters, whitespace control and ``finalize``), so a build compiles
    each template once (in the parent before forking, with ``compile_templates``) and not once per
    version in every worker. Code objects are immutable: sharing them shares no state.
    """

    def __init__(self) -> None:
        self._code: dict[tuple[str, str], CodeType] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        bucket.code = self._code.get((bucket.key, bucket.checksum))

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            self._code[(bucket.key, bucket.checksum)] = bucket.code


_COMPILED = _CompiledTemplates()


def compile_templates() -> None:
    """Compile derive's own templates now (into ``make_env``'s shared cache of compiled code): call it in a
    build's parent before forking, so no worker compiles them again."""
    env = make_env()
    for entry in sorted(_template_root().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".j2") and entry.is_file():
            env.get_template(entry.name)


def make_env(template_dir: Path | None = None, *, overrides: Path | None = None) -> jinja2.Environment:
    """A Jinja2 environment for LaTeX templates: from ``template_dir`` (a whole set) or derive's own
    folder, with ``overrides`` (a user's folder) searched first.

    Delimiters are ``<% %>``, ``<< >>`` and ``<# #>`` so TeX braces need no escaping. A user's
    folder may replace any template (``look.tex.j2`` for the preamble's look, ``title.tex.j2``,
    one block's template) but ``base.tex.j2``: a file of that name there is an error, not ignored.
    A new environment per call (per-run state is passed down); only the templates' compiled code is
    shared between calls (``_CompiledTemplates``: keyed on each template's source, so never stale).
    """
    loader: jinja2.BaseLoader = jinja2.FileSystemLoader(template_dir) if template_dir is not None else default_loader()
    if overrides is not None:
        folder = Path(overrides)
        if not folder.is_dir():
            raise RenderError(f"template folder {folder} does not exist", hint="pass a folder of *.tex.j2 files")
        for name in sorted(PROTECTED_TEMPLATES):
            if (folder / name).exists():
                raise RenderError(
                    f"template folder {folder}: {name} cannot be replaced (it holds the TeX hardening)",
                    hint="override look.tex.j2 (packages and macros), title.tex.j2 or a block's template instead",
                )
        loader = jinja2.ChoiceLoader([_UserLoader(folder), loader])
    env = jinja2.Environment(
        loader=loader,
        block_start_string="<%",
        block_end_string="%>",
        variable_start_string="<<",
        variable_end_string=">>",
        comment_start_string="<#",
        comment_end_string="#>",
        line_statement_prefix=None,
        line_comment_prefix=None,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
        auto_reload=False,
        bytecode_cache=_COMPILED,
    )
    env.filters["tex"] = tex
    env.filters["tex_line"] = tex_line
    env.filters["math"] = math
    env.filters["prose"] = prose
    env.filters["prose_line"] = prose_line
    env.filters["plain_line"] = plain_line
    env.filters["points"] = _points
    env.filters["cm"] = _cm
    env.globals["SOURCE_MARKER"] = Latex(SOURCE_MARKER)
    return env


def template_digest(overrides: Path | None = None) -> str:
    """A SHA-256 of every template a render may read (derive's, then the user's ``overrides`` folder), by
    name and bytes: what a build cache keys on, so an edited template rebuilds."""
    import hashlib

    digest = hashlib.sha256()
    folders: list[Traversable] = [_template_root()] + ([Path(overrides)] if overrides is not None else [])
    for k, folder in enumerate(folders):
        for entry in sorted((e for e in folder.iterdir() if e.name.endswith(".j2") and e.is_file()),
                            key=lambda e: e.name):
            digest.update(f"{k}/{entry.name}\0".encode())
            digest.update(entry.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


# --- rendering -------------------------------------------------------------------------------


def _template_location(exc: BaseException) -> tuple[str, int | None, str]:
    """Template name, line and source line of the innermost template frame in ``exc``'s traceback."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        name = exc.name or (Path(exc.filename).name if exc.filename else "<template>")
        line = ""
        if exc.source is not None and exc.lineno:
            lines = exc.source.splitlines()
            line = lines[exc.lineno - 1].strip() if exc.lineno <= len(lines) else ""
        return name, exc.lineno, line
    if isinstance(exc, jinja2.TemplateNotFound):
        return str(exc.name) if exc.name else "<template>", None, ""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.name in ("template", "top-level template code") or frame.name.startswith("block "):
            return Path(frame.filename).name, frame.lineno, (frame.line or "").strip()
    return "<template>", None, ""


def _located(exc: jinja2.TemplateError | DeriveError) -> RenderError:
    """A RenderError naming the template and line where ``exc`` happened."""
    name, lineno, line = _template_location(exc)
    where = f"template {name}" + (f", line {lineno}" if lineno else "")
    if isinstance(exc, DeriveError):
        message, hint = exc.message, exc.hint
    elif isinstance(exc, jinja2.TemplateNotFound):
        message, hint = f"template not found: {exc.name}", "check the template folder and the name"
    elif isinstance(exc, jinja2.UndefinedError):
        message = exc.message or "undefined variable"
        hint = "the template uses a name the renderer does not pass; check its spelling"
    else:
        message, hint = exc.message or type(exc).__name__, "fix the template"
    if line:
        hint = f"{hint}; template line: {line}"
    return RenderError(f"{where}: {message}", hint=hint)


def _is_latex_field(name: str) -> bool:
    return name == "latex" or name.endswith("_latex")


@dataclass(frozen=True, slots=True)
class WorkedLatex:
    """A worked solution's derivation in LaTeX: the chain (a display environment), the boxed result and
    the question (math mode: what is asked; '' when the result has none). A solution version holds the
    chain and result, a student version the question only (the others '' and never rendered). A checked
    derivation's student version holds ``steps`` instead: the derivation to check as the author typed it
    (text mode: prose and displays, each step labelled), with no verdict of any kind."""

    chain: Latex
    result: Latex
    question: Latex = Latex("")
    steps: Latex = Latex("")


def _checks_a_derivation(result: object) -> bool:
    """Whether ``result`` is a checked derivation (its printers' question is the derivation, in text mode)."""
    from derive.checker.model import CheckReport, FolderReport

    return isinstance(getattr(result, "data", None), (CheckReport, FolderReport))


def _question(result: Any) -> str:
    """``result``'s question part in LaTeX, checked; '' when its printer has none."""
    from derive.core.errors import UsageError

    try:
        question = str(result.render("latex", part="question"))
    except UsageError:
        return ""
    check_latex(question)
    return question


def worked_latex(block: Worked | CheckedBlock, label: str, solutions: bool = True) -> WorkedLatex:
    """Render a worked block's result in LaTeX now (the end of the pipeline), checked, named by its block.

    Without ``solutions`` only the question of a ``Worked`` is rendered (a result with no question
    prints none: the title and intro stay), and of a checked derivation only its steps as typed (its
    question part: no mark, verdict, counterexample or hint), so no solution text can reach a student's .tex.
    """
    try:
        if not solutions:  # the question only: the solution is never rendered
            question = _question(block.result)
            # a checked derivation's question is its steps (text mode: never inside \[ \]); so is any
            # question holding a display, from a result that wraps a check report
            if isinstance(block, CheckedBlock) or _checks_a_derivation(block.result) or "\\begin{align*}" in question:
                return WorkedLatex(Latex(""), Latex(""), steps=Latex(question))
            return WorkedLatex(Latex(""), Latex(""), Latex(question))
        both = getattr(block.result, "chain_and_result_latex", None)  # a Result's, or one wrapping a Result
        if callable(both):  # one walk of the result for both parts
            chain, result = both()
        else:
            chain = block.result.render("latex", part="chain")
            result = block.result.render("latex", part="result")
        check_latex(chain)
        check_latex(result)
    except RenderError as exc:
        raise RenderError(f"block '{label}', its derivation: {exc.message}", hint=exc.hint) from None
    return WorkedLatex(Latex(chain), Latex(result))


def figure_name(figure: Figure) -> str:
    """The file name of a figure's PDF in the TeX folder: ``figure-`` and a hash of its bytes."""
    import hashlib

    return f"figure-{hashlib.sha256(figure.plot.pdf).hexdigest()[:16]}.pdf"


def printed_figures(handout: Handout, solutions: bool = True) -> tuple[Figure, ...]:
    """The figures a version prints: a figure showing a solution only in a solution version."""
    return tuple(f for f in handout.figures if solutions or not f.solution)


def figure_files(handout: Handout, *, solutions: bool = True) -> dict[str, bytes]:
    """The files a version's .tex loads, by name (``figure-<hash>.pdf``): put them next to the .tex
    (``build_pdf(..., files=...)`` does it in TeX's folder). They are made by our code (matplotlib)."""
    return {figure_name(f): f.plot.pdf for f in printed_figures(handout, solutions)}


def _box_name(index: int) -> str:
    """A TeX box name for the ``index``-th figure, letters only: ``\\dfigA``, ..., ``\\dfigZ``, ``\\dfigBA``."""
    letters = ""
    while True:
        index, digit = divmod(index, 26)
        letters = chr(ord("A") + digit) + letters
        if index == 0:
            return "\\dfig" + letters


def check_handout(handout: Handout, solutions: bool = True) -> dict[int, WorkedLatex]:
    """Check every field of every block before rendering, so an error names its block.

    User text must escape cleanly (printable, typesettable characters); trusted LaTeX must
    pass ``check_latex``; each worked solution is rendered to LaTeX here, once (its question only
    without ``solutions``; an exercise's solution not at all). Returns that LaTeX by ``id`` of its
    block. Why: errors caught inside a template would name the template line instead of the user's block.
    """
    for what, text in (("title", handout.title), ("subtitle", handout.subtitle), ("author", handout.author)):
        try:
            prose_line(text) if what != "author" else tex_line(text)
        except RenderError as exc:
            raise RenderError(f"handout {what}: {exc.message}", hint=exc.hint) from None
    for what, text in (("course", handout.style.course), ("term", handout.style.term),
                       ("instructor", handout.style.instructor)):
        try:
            tex_line(text)
        except RenderError as exc:
            raise RenderError(f"handout style {what}: {exc.message}", hint=exc.hint) from None
    rendered: dict[int, WorkedLatex] = {}
    for block in handout.blocks:
        _check_fields(block, block.label, rendered, solutions)
    return rendered


def _check_fields(block: Block, label: str, rendered: dict[int, WorkedLatex], solutions: bool = True) -> None:
    if isinstance(block, (Worked, CheckedBlock)):
        rendered[id(block)] = worked_latex(block, label, solutions)
    for field in dataclasses.fields(block):
        value = getattr(block, field.name)
        try:
            if isinstance(value, Worked):  # an exercise's solution: printed only with the solutions
                if solutions:
                    _check_fields(value, label, rendered)
            elif isinstance(value, str) and _is_latex_field(field.name):
                check_latex(value)
            elif isinstance(value, str) and field.name == "source":
                tex(value)
            elif isinstance(value, str):
                prose(value)
        except RenderError as exc:
            raise RenderError(
                f"block '{label}', field {field.name}: {exc.message}", hint=exc.hint
            ) from None


def render_template(env: jinja2.Environment, name: str, **context: object) -> str:
    """Render one template; any template failure becomes a RenderError naming template and line."""
    try:
        return env.get_template(name).render(**context)
    except (jinja2.TemplateError, RenderError) as exc:
        raise _located(exc) from exc


def render_handout(
    handout: Handout,
    *,
    solutions: bool = True,
    layout: str = "handout",
    env: jinja2.Environment | None = None,
    templates: Path | None = None,
) -> str:
    """The full ``.tex`` source of ``handout`` in one version.

    ``solutions``: worked solutions in full and the exercises' solutions at the end; without, a
    student version: each worked problem's title, intro and question only, no exercise solutions and
    no figure that shows a solution (none of their text is in the .tex). ``layout``: ``handout``, or
    ``exam`` (a name and ID line, the points of each problem and their total, an answer box under
    each problem of a student version). ``templates`` (else ``handout.style.templates``) is a folder
    of the user's templates searched before derive's (``derive build --templates``). The figures' files are ``figure_files(handout)``.

    Each worked solution's derivation is rendered to LaTeX here, at the end; the templates get it
    through ``latex_of(block)`` (``.chain``, ``.result``, ``.question``).
    """
    if layout not in LAYOUTS:
        raise RenderError(f"unknown layout {layout!r}", hint=f"choose {' or '.join(LAYOUTS)}")
    if not isinstance(solutions, bool):
        raise RenderError(f"solutions must be True or False, not {solutions!r}", hint="pass a bool")
    rendered = check_handout(handout, solutions)
    if env is None:
        env = make_env(overrides=templates if templates is not None else handout.style.templates)
    figures = printed_figures(handout, solutions)
    boxes = {id(f): _box_name(i) for i, f in enumerate(figures)}
    return render_template(
        env, HANDOUT_TEMPLATE, handout=handout, solutions=solutions, layout=layout,
        latex_of=lambda block: rendered[id(block)],
        figures=[(Latex(boxes[id(f)]), Latex(figure_name(f))) for f in figures],
        figure_box=lambda block: Latex(boxes[id(block)]),
        packages=[Latex(p) for p in handout.style.packages],
    )
