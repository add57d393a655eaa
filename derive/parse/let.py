"""Shape declarations (``--let``) in plain text or LaTeX -> ShapeDecl.

Plain: ``X: n x p``, ``y: n``, ``A: p x p symmetric``, ``Sigma: n x n positive definite``,
``A symmetric``. LaTeX: ``X \\in \\mathbb{R}^{n\\times p}``, ``y \\in \\mathbb{R}^{n}``,
``\\Sigma \\succ 0``, ``\\Sigma \\succeq 0``. Read with regular expressions over an allow-list.
"""
from __future__ import annotations

import re

from derive.core.errors import ParseError, ShapeError, Span
from derive.parse.shapes import PROPERTIES, Dim, ShapeDecl, check_shape

_NAME = r"\\?[A-Za-z][A-Za-z0-9_]*"
_DIM = r"[1-9][0-9]{0,5}|[A-Za-z][A-Za-z0-9_]*"
_PROPS = "|".join(sorted((re.escape(p).replace(r"\ ", r"\s+") for p in PROPERTIES), key=len, reverse=True))
_PLAIN = re.compile(
    rf"^\s*(?P<name>{_NAME})\s*:\s*(?P<rows>{_DIM})(?:\s*(?:x|×|\*|by)\s*(?P<cols>{_DIM}))?"
    rf"(?P<props>(?:\s+(?:{_PROPS}))*)\s*$"
)
_PROPS_ONLY = re.compile(rf"^\s*(?P<name>{_NAME})(?P<props>(?:\s+(?:is\s+)?(?:{_PROPS}))+)\s*$")
_LATEX_IN = re.compile(
    rf"^\s*(?P<name>{_NAME})\s*\\in\s*\\mathbb\s*\{{?R\}}?\s*\^\s*\{{\s*(?P<rows>{_DIM})"
    rf"\s*(?:(?:\\times|x|,)\s*(?P<cols>{_DIM}))?\s*\}}\s*$"
)
_LATEX_ORDER = re.compile(rf"^\s*(?P<name>{_NAME})\s*\\(?P<rel>succeq|succ)\s*0\s*$")
_ONE_PROP = re.compile(_PROPS)

_USAGE = "write e.g. 'X: n x p', 'y: n', 'A: p x p symmetric', 'Sigma: n x n positive definite'"


def _dim(text: str) -> Dim:
    return int(text) if text.isdigit() else text


def _name(text: str) -> str:
    return text.lstrip("\\")


def _props(text: str) -> frozenset[str]:
    return frozenset(" ".join(m.group(0).split()) for m in _ONE_PROP.finditer(text or ""))


def parse_let(text: str) -> ShapeDecl:
    """One shape declaration; a ParseError names the position and the accepted forms."""
    if not isinstance(text, str) or not text.strip():
        raise ParseError("empty shape declaration", span=Span(str(text), 0, 0), hint=_USAGE)
    m = _PLAIN.match(text) or _LATEX_IN.match(text)
    if m and any(_ONE_PROP.fullmatch(m.group(k) or "") for k in ("rows", "cols")):
        raise ParseError(f"{text.strip()!r} has a property where its size should be", span=_bad_span(text),
                         hint="write the size first, e.g. 'v: n positive'; for a positive scalar use --where 'v > 0'")
    if m:
        rows = _dim(m.group("rows"))
        cols = _dim(m.group("cols")) if m.group("cols") else 1
        props = _props(m.groupdict().get("props") or "")
        return _checked(ShapeDecl(_name(m.group("name")), rows, cols, props), text)
    m = _PROPS_ONLY.match(text)
    if m:
        return ShapeDecl(_name(m.group("name")), None, None, _props(m.group("props")))
    m = _LATEX_ORDER.match(text)
    if m:
        prop = "positive definite" if m.group("rel") == "succ" else "positive semidefinite"
        return ShapeDecl(_name(m.group("name")), None, None, frozenset({prop}))
    raise ParseError(f"cannot read the shape declaration {text.strip()!r}", span=_bad_span(text), hint=_USAGE)


def _checked(decl: ShapeDecl, text: str) -> ShapeDecl:
    """check_shape, with the declaration's own text as the error's position."""
    try:
        return check_shape(decl)
    except ShapeError as exc:
        raise ParseError(exc.message, span=Span(text, 0, len(text)), hint=exc.hint) from None


def _bad_span(text: str) -> Span:
    """Point at the first part that no accepted form explains (after a name and a colon)."""
    m = re.match(rf"\s*{_NAME}\s*:?\s*", text)
    start = m.end() if m and m.end() < len(text) else 0
    return Span(text, start, len(text))
