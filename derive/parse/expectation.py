r"""Expectations, variances and covariances in derivation LaTeX, and the random-variable declarations.

The nodes: ``Expectation(g)`` (``\mathbb{E}[g]``), ``Variance(g)`` and ``Covariance(a, b)``, SymPy
functions that never evaluate themselves; ``doit()`` writes a variance or a covariance through
expectations (``Var(g) = E[(g - E[g])^2]``, ``Cov(a, b) = E[(a - E[a])(b - E[b])]``), so a certifier
needs to know only ``Expectation``.

Read (``read_operator``, called from one place in the maths reader): ``\mathbb{E}[...]``,
``\mathbb{E}\left[...\right]``, ``\mathbb{E}(...)``, ``\mathrm{E}``, ``\operatorname{E}``, ``E[...]``,
``\mathbb{E}_{x \sim p}[...]`` and ``\mathbb{E}_\theta[...]`` (the subscript must name a declared
random variable or a parameter of the declared laws: it is then only a reminder of the law already
declared), ``\operatorname{Var}``, ``\mathrm{Var}``, ``\text{Var}``, ``\mathbb{V}``, ``\operatorname{Cov}(a,
b)``, ``\mathrm{Cov}``. Refused with a reason: conditional expectations (``\mathbb{E}[X \mid Y]``), the
expectation of an expression with no declared random variable in it (it would silently be the
expression itself), of a vector or a matrix.

Decision on a bare ``E``: ``E[`` is an expectation only when the declarations name some random
variable and ``E`` itself is not declared (as a scalar, a matrix or a function); ``E(`` and ``E``
alone stay the symbol E. ``\mathbb{E}``, ``\operatorname{E}`` and ``\mathrm{E}`` are always the operator.

Declarations (``random_declarations``; the same ``% derive:`` / ``--where`` vocabulary, read in
``derivation_math.read_context``), items of one line joined where a list of names leads them:

- ``X, Y \text{ random}`` (also ``random variables``): random, with any joint law;
- ``X \sim (\mu, \sigma^2)``: random with mean mu and variance sigma^2 (names or a squared name; or
  numbers, ``\varepsilon \sim (0, 1)``, for a variable independent of the others: the probe's atoms
  are moved and scaled to them);
- ``X \sim \mathcal{N}(\mu, \sigma^2)`` (``N``), ``\operatorname{Poisson}(\lambda)``,
  ``\operatorname{Bernoulli}(p)``, ``\operatorname{Exp}(\lambda)``, ``\operatorname{Unif}(a, b)``: a named law
  (its parameters get their domains: sigma, lambda > 0, 0 < p < 1);
- ``x_i \overset{iid}{\sim} (\mu, \sigma^2)``, ``x_1, \dots, x_n \overset{\text{iid}}{\sim} \mathcal{N}(\mu, \sigma^2)``,
  ``\stackrel{iid}{\sim}``, ``x_i \sim ... \text{ iid}``, ``x_1, \dots, x_n \text{ iid}``: an iid family
  (``x_1``, ``x_i`` under a sum... are its members, independent with one law);
- ``X \perp Y`` (``\perp\!\!\!\perp``, ``X \perp Y \perp Z``), ``X, Y \text{ independent}``: independent;
- ``\mathbb{E}[X] = \mu``, ``\operatorname{Var}(X) = \sigma^2``: declared moments (and X random).

Decision on independence: the iid families and every variable named in an independence statement
are one set of mutually independent variables; a random variable in none of them may depend on all
of them. A named law on a variable that may depend on others is refused (no general construction of
a dependent pair with given marginal laws is probed); declare it independent, or give its moments.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixExpr
from sympy.printing.latex import LatexPrinter

from derive.core.errors import ParseError, Span
from derive.parse import vocabulary as vocab


class Expectation(sp.Function):
    """``E[g]``: the expectation of ``g`` under the declared laws (never evaluated by SymPy)."""

    nargs = 1

    def _eval_is_real(self) -> bool:
        return True

    def _latex(self, printer: LatexPrinter) -> str:
        return r"\mathbb{E}\left[%s\right]" % printer._print(self.args[0])

    def _sympystr(self, printer: Any) -> str:
        return "E[%s]" % printer._print(self.args[0])


class Variance(sp.Function):
    """``Var(g) = E[(g - E[g])^2]`` (``doit`` writes it so)."""

    nargs = 1

    def _eval_is_real(self) -> bool:
        return True

    def doit(self, **hints: Any) -> sp.Basic:
        g = self.args[0].doit(**hints) if hints.get("deep", True) else self.args[0]
        return Expectation((g - Expectation(g)) ** 2)

    def _latex(self, printer: LatexPrinter) -> str:
        return r"\operatorname{Var}\left(%s\right)" % printer._print(self.args[0])

    def _sympystr(self, printer: Any) -> str:
        return "Var(%s)" % printer._print(self.args[0])


class Covariance(sp.Function):
    """``Cov(a, b) = E[(a - E[a])(b - E[b])]`` (``doit`` writes it so)."""

    nargs = 2

    def _eval_is_real(self) -> bool:
        return True

    def doit(self, **hints: Any) -> sp.Basic:
        a, b = (x.doit(**hints) if hints.get("deep", True) else x for x in self.args)
        return Expectation((a - Expectation(a)) * (b - Expectation(b)))

    def _latex(self, printer: LatexPrinter) -> str:
        a, b = self.args
        return r"\operatorname{Cov}\left(%s, %s\right)" % (printer._print(a), printer._print(b))

    def _sympystr(self, printer: Any) -> str:
        return "Cov(%s, %s)" % tuple(printer._print(a) for a in self.args)


OPERATORS = (Expectation, Variance, Covariance)


def has_moments(expr: sp.Basic) -> bool:
    """True when ``expr`` holds an expectation, a variance or a covariance."""
    return isinstance(expr, sp.Basic) and expr.has(*OPERATORS)


# --- the declared randomness ---------------------------------------------------------------------------

LAWS: Mapping[str, tuple[str, int]] = {
    "N": ("normal", 2), "mathcal{N}": ("normal", 2), "Normal": ("normal", 2), "mathcal{N}": ("normal", 2),
    "Poisson": ("poisson", 1), "Pois": ("poisson", 1), "Poi": ("poisson", 1),
    "Bernoulli": ("bernoulli", 1), "Bern": ("bernoulli", 1), "Ber": ("bernoulli", 1),
    "Exp": ("exponential", 1), "Exponential": ("exponential", 1), "Expo": ("exponential", 1),
    "Unif": ("uniform", 2), "Uniform": ("uniform", 2), "U": ("uniform", 2), "mathcal{U}": ("uniform", 2),
}
"""Named laws by how they are written (after ``\\operatorname``/``\\mathrm``/``\\text`` are removed)."""


@dataclass(frozen=True, slots=True)
class RandomVar:
    """One random name: a scalar (``X``) or a family (``x``, whose members are ``x_1``, ``x_i``...).

    ``law`` is None (any law), or a named law with its ``params``; ``mean``/``variance`` the
    declared moments (a name, or for the variance a name or a squared name). A family is ``iid``
    (independent members of one law) or only ``independent`` (each member its own law).
    """

    name: str
    family: bool = False
    identical: bool = True
    law: str | None = None
    params: tuple[sp.Expr, ...] = ()
    mean: sp.Expr | None = None
    variance: sp.Expr | None = None
    vector: bool = False
    """A random column vector (declared ``x \\in \\mathbb{R}^{p}``): its entries may depend on each other;
    its mean is a declared vector and its ``variance`` a declared covariance matrix."""


@dataclass(frozen=True, slots=True)
class RandomSpec:
    """Every declared random name and which of them are independent (see the module's decision)."""

    variables: Mapping[str, RandomVar] = field(default_factory=dict)
    independent: frozenset[str] = frozenset()

    @property
    def scalars(self) -> frozenset[str]:
        return frozenset(n for n, v in self.variables.items() if not v.family and not v.vector)

    @property
    def families(self) -> frozenset[str]:
        return frozenset(n for n, v in self.variables.items() if v.family)

    @property
    def vectors(self) -> frozenset[str]:
        return frozenset(n for n, v in self.variables.items() if v.vector)

    def is_source(self, name: str) -> bool:
        """True when ``name`` is independent of every other source (a family, or declared independent)."""
        v = self.variables.get(name)
        return v is not None and not v.vector and (v.family or name in self.independent or len(self.variables) == 1)

    def moment_symbols(self) -> frozenset[str]:
        """Names whose value a probe computes from the drawn law (a declared mean mu, a variance sigma^2)."""
        out: set[str] = set()
        for v in self.variables.values():
            if v.law is None:
                for m in (v.mean, v.variance):
                    if isinstance(m, sp.MatrixSymbol):
                        out.add(m.name)
                    elif m is not None:
                        out |= {s.name for s in m.free_symbols if isinstance(s, sp.Symbol)}
        return frozenset(out)

    def is_random(self, expr: sp.Basic) -> bool:
        """True when ``expr`` involves a random variable outside any expectation."""
        return bool(random_keys(expr, self))


def random_keys(expr: sp.Basic, spec: RandomSpec) -> set[sp.Basic]:
    """The random variables in ``expr`` outside expectations: symbols, and members ``x[k]`` of families."""
    out: set[sp.Basic] = set()
    scalars, families, vectors = spec.scalars, spec.families | spec.vectors, spec.vectors

    def walk(e: sp.Basic) -> None:
        if isinstance(e, OPERATORS):
            return
        if isinstance(e, sp.MatrixSymbol):
            if e.name in vectors:
                out.add(e)
            return
        if isinstance(e, sp.Symbol):
            if e.name in scalars:
                out.add(e)
            return
        if isinstance(e, sp.Indexed):
            if str(e.base.label) in families:
                out.add(e)
            return
        for a in e.args:
            walk(a)

    walk(expr)
    return out


# --- declarations: the text level -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RandomDecl:
    """One random-variable declaration as written: ``names`` (LaTeX names or ``\\dots``) and what it says.

    ``kind``: random, law (``\\sim``), independent, mean or variance; ``law`` the named law (None for
    ``(\\mu, \\sigma^2)`` or an unnamed law), ``params`` its argument texts; ``iid`` for an iid family.
    """

    names: tuple[str, ...]
    kind: str
    text: str
    line: int
    law: str | None = None
    params: tuple[str, ...] = ()
    iid: bool = False
    value: str = ""


_IID = r"(?:i\.?\s*i\.?\s*d\.?|iid)"
_WORDISH = r"(?:\\(?:text|mathrm|textrm|operatorname|mbox|textit)\s*\{\s*([^{}]*)\}|([A-Za-z .]+))"
_TILDE_IID = re.compile(
    r"^(?P<lhs>.+?)\s*\\(?:overset|stackrel)\s*\{\s*(?:\\(?:text|mathrm|textrm|mbox)\s*\{\s*)?" + _IID
    + r"\s*\}?\s*\}\s*\{\s*\\sim\s*\}\s*(?P<rhs>.+)$", re.I)
_TILDE = re.compile(r"^(?P<lhs>.+?)\s*\\sim(?![A-Za-z])\s*(?P<rhs>.+)$")
_TAIL_WORD = re.compile(r"^(?P<lhs>.+?)\s*(?:,?\s*(?:\\quad\s*)?)(?:\\(?:text|mathrm|textrm|mbox|textit)\s*\{\s*"
                        r"(?P<w1>[^{}]*?)\s*\}|(?P<w2>(?:random(?: variables?)?|independent|iid|i\.i\.d\.)))\s*$")
_PERP = re.compile(r"\\perp(?:\s*\\!)*(?:\s*\\perp)?")
_MOMENT = re.compile(
    r"^(?P<op>\\mathbb\s*\{?\s*[EV]\s*\}?|E|\\(?:mathrm|operatorname|text)\s*\{\s*(?:E|Var|V)\s*\}|\\Var|\\E)"
    r"\s*(?:\\left\s*)?(?P<open>[\[(])(?P<arg>.+?)(?:\\right\s*)?[\])]\s*=\s*(?P<value>.+)$")
_NAME_ITEM = re.compile(r"^\s*(?:\\[A-Za-z]+\s*\{\s*\\?[A-Za-z]+\s*\}|\\?[A-Za-z]+)(?:\s*_\s*(?:\{[^{}]*\}|\\?[A-Za-z0-9]+))?\s*$")
_DOTS = re.compile(r"^\s*\\(?:dots|ldots|cdots|dotsc)\s*$")


def _word(match: re.Match[str]) -> str:
    return " ".join((match.group("w1") or match.group("w2") or "").lower().replace(".", "").split())


def _names(lhs: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in _split_commas(lhs) if p.strip())


def _split_commas(text: str) -> list[str]:
    return vocab.split_top(text, ",")


def _law(rhs: str) -> tuple[str | None, tuple[str, ...], bool]:
    """(named law or None, parameter texts, iid written after it) of the right side of ``\\sim``."""
    text = rhs.strip()
    iid = False
    tail = re.search(r",?\s*(?:\\quad\s*)?(?:\\(?:text|mathrm|textrm|mbox)\s*\{\s*" + _IID + r"\s*\}|" + _IID + r")\s*$",
                     text, re.I)
    if tail is not None:
        iid = True
        text = text[: tail.start()].strip()
    text = re.sub(r"\\(?:left|right|big|Big|bigl|bigr|Bigl|Bigr)(?![A-Za-z])", "", text).strip()
    m = re.fullmatch(r"\((.*)\)", text, re.S)
    if m is not None:
        return None, tuple(p.strip() for p in _split_commas(m.group(1))), iid
    m = re.fullmatch(r"(?:\\(?:operatorname|mathrm|text|textrm|mathsf)\s*\{\s*([A-Za-z]+)\s*\}|\\mathcal\s*\{?\s*([A-Za-z])\s*\}?"
                     r"|([A-Za-z]+))\s*\((.*)\)", text, re.S)
    if m is not None:
        word = m.group(1) or (f"mathcal{{{m.group(2)}}}" if m.group(2) else m.group(3))
        if word not in LAWS:
            raise ParseError(f"the law {word!r} is not known",
                             hint="known: N, Poisson, Bernoulli, Exp, Unif; or give the moments, X \\sim (\\mu, \\sigma^2)")
        return word, tuple(p.strip() for p in _split_commas(m.group(4))), iid
    if re.fullmatch(r"\\?[A-Za-z]+(?:_\{?\\?[A-Za-z0-9]+\}?)?|\\mathcal\s*\{?\s*[A-Za-z]\s*\}?", text):
        return None, (), iid  # X \sim P: some law, not named
    raise ParseError(f"cannot read the law {rhs.strip()!r}",
                     hint="write X \\sim (\\mu, \\sigma^2), X \\sim \\mathcal{N}(\\mu, \\sigma^2) or X \\sim \\operatorname{Poisson}(\\lambda)")


def classify(text: str, line: int) -> RandomDecl | None:
    """The random-variable declaration ``text`` is, or None when it is another kind of declaration."""
    s = text.strip()
    try:
        m = _MOMENT.match(s)
        if m is not None:
            op = m.group("op")
            kind = "variance" if re.search(r"V", op) else "mean"
            return RandomDecl((m.group("arg").strip(),), kind, s, line, value=m.group("value").strip())
        if _PERP.search(s):
            names = tuple(p.strip() for p in _PERP.split(s))
            return RandomDecl(names, "independent", s, line)
        m = _TILDE_IID.match(s)
        if m is not None:
            law, params, _ = _law(m.group("rhs"))
            return RandomDecl(_names(m.group("lhs")), "law", s, line, law, params, iid=True)
        m = _TILDE.match(s)
        if m is not None:
            law, params, iid = _law(m.group("rhs"))
            return RandomDecl(_names(m.group("lhs")), "law", s, line, law, params, iid=iid)
        m = _TAIL_WORD.match(s)
        if m is not None:
            word = _word(m)
            if word in ("random", "random variable", "random variables"):
                return RandomDecl(_names(m.group("lhs")), "random", s, line)
            if word in ("iid",):
                return RandomDecl(_names(m.group("lhs")), "random", s, line, iid=True)
            if word in ("independent",):
                return RandomDecl(_names(m.group("lhs")), "independent", s, line)
    except ParseError as exc:
        where = f"line {line}: " if line > 0 else ""
        raise ParseError(f"{where}cannot read the declaration {s!r}: {exc.message}", span=Span(s, 0, len(s)),
                         hint=exc.hint) from None
    return None


class _Decl(Protocol):
    @property
    def text(self) -> str: ...

    @property
    def line(self) -> int: ...


def random_declarations(decls: Iterable[_Decl]) -> tuple[list[Any], list[RandomDecl]]:
    """The declarations split into the others (unchanged) and the random-variable ones.

    The ``% derive:`` reader splits a line at its commas, so ``x_1, \\dots, x_n \\overset{iid}{\\sim} ...``
    arrives as three items: bare names (and dots) on one line are joined to the random declaration
    that follows them on that line; left alone, they go back unchanged.
    """
    others: list[Any] = []
    found: list[RandomDecl] = []
    pending: list[Any] = []
    for d in decls:
        text = d.text.strip()
        if _NAME_ITEM.match(text) or _DOTS.match(text):
            if pending and pending[-1].line != d.line:
                others.extend(pending)
                pending = []
            pending.append(d)
            continue
        joined = None
        if pending and all(p.line == d.line for p in pending):
            joined = classify(", ".join(p.text.strip() for p in pending) + ", " + text, d.line)
        got = joined or classify(text, d.line)
        if got is None:
            others.extend(pending)
            others.append(d)
        elif joined is None:
            others.extend(pending)
            found.append(got)
        else:
            found.append(got)
        pending = []
    others.extend(pending)
    return others, found


# --- reading the operators -----------------------------------------------------------------------------


class _Tok(Protocol):
    kind: str
    text: str
    start: int
    end: int


class ReaderLike(Protocol):
    """What ``read_operator`` uses of the maths reader (``derivation_math._Reader``)."""

    toks: Any
    pos: int
    limit: int
    bars: int
    norms: int
    ctx: Any

    def peek(self, k: int = 0) -> Any: ...
    def next(self) -> Any: ...
    def is_op(self, text: str, k: int = 0) -> bool: ...
    def at_end(self) -> bool: ...
    def group_end(self, open_index: int) -> int: ...
    def arg_range(self, what: str) -> tuple[int, int]: ...
    def region(self, start: int, end: int) -> Any: ...
    def expr(self, record: bool = False) -> sp.Basic: ...
    def fail(self, message: str, tok: Any = None, hint: str | None = None, end: int | None = None) -> Any: ...


DECLARE_HINT = "declare the random variables: % derive: X, Y \\text{ random}, or x_i \\overset{iid}{\\sim} (\\mu, \\sigma^2)"


def bare_e_is_operator(reader: ReaderLike) -> bool:
    """``E[`` at the cursor (after the letter E): an expectation (see the module's decision)."""
    ctx = reader.ctx
    spec: RandomSpec | None = getattr(ctx, "random", None)
    declared = "E" in ctx.domains or "E" in ctx.shapes or "E" in ctx.functions or "E" in ctx.definitions
    return spec is not None and bool(spec.variables) and not declared and reader.is_op("[")


def read_operator(reader: ReaderLike, t: Any, kind: str) -> sp.Basic:
    """The operator ``kind`` (E, Var or Cov) whose name ``t`` was just read: subscript, brackets, arguments."""
    spec: RandomSpec | None = getattr(reader.ctx, "random", None)
    what = {"E": "an expectation", "Var": "a variance", "Cov": "a covariance"}[kind]
    if spec is None or not spec.variables:
        reader.fail(f"{what} is not read: no random variable is declared", t, hint=DECLARE_HINT)
        raise AssertionError  # fail raises
    if reader.is_op("_"):
        reader.next()
        start, end = reader.arg_range("the subscript")
        _check_subscript(reader, spec, start, end, t)
    if not (reader.is_op("[") or reader.is_op("(")):
        reader.fail(f"{what} needs its argument in brackets", t, hint="write \\mathbb{E}[X], \\operatorname{Var}(X)")
    open_index = reader.pos
    close = reader.group_end(open_index)
    pieces: list[tuple[int, int]] = []
    depth, start, bars = 0, open_index + 1, 0
    for k in range(open_index + 1, close):
        tok = reader.toks[k]
        if tok.kind == "cmd" and tok.text in ("mid", "vert", "middle", "given"):
            reader.fail("a conditional expectation (E[X | Y]) is not read", tok,
                        hint="write the conditional law's expectation out, or the unconditional one")
        if tok.kind == "op" and tok.text in "([{":
            depth += 1
        elif tok.kind == "op" and tok.text in ")]}":
            depth -= 1
        elif tok.kind == "op" and tok.text == "|":
            bars += 1
        elif tok.kind == "op" and tok.text == "," and depth == 0:
            pieces.append((start, k))
            start = k + 1
    pieces.append((start, close))
    if bars % 2:
        reader.fail("a conditional expectation (E[X | Y]) is not read", reader.toks[open_index],
                    hint="write the unconditional expectation")
    wanted = 2 if kind == "Cov" else 1
    if len(pieces) != wanted:
        reader.fail(f"{what} takes {wanted} argument{'s' if wanted > 1 else ''}, found {len(pieces)}", t)
    args: list[sp.Basic] = []
    for a, b in pieces:
        if a == b:
            reader.fail(f"an empty argument of {what}", reader.toks[a])
        with reader.region(a, b):
            saved = (reader.bars, reader.norms)
            reader.bars = reader.norms = 0
            value = reader.expr()
            reader.bars, reader.norms = saved
        if isinstance(value, MatrixExpr) and value.shape == (1, 1):
            value = sp.Trace(value)
        if isinstance(value, (MatrixExpr, sp.MatrixBase)):
            reader.fail(f"{what} of a vector or a matrix is not read", reader.toks[a],
                        hint="write it entry by entry, or as a scalar (a trace, x^\\top A x)")
        if isinstance(value, sp.core.relational.Relational):
            reader.fail(f"{what} of an equation or event is not read", reader.toks[a])
        args.append(value)
    if not any(random_keys(reader.ctx.expand(a), spec) or has_moments(a) for a in args):
        reader.fail(f"{what} of an expression with no declared random variable in it", reader.toks[open_index],
                    hint=DECLARE_HINT)
    reader.pos = close + 1
    if kind == "E":
        return Expectation(args[0])
    if kind == "Var":
        return Variance(args[0])
    return Covariance(args[0], args[1])


def _check_subscript(reader: ReaderLike, spec: RandomSpec, start: int, end: int, t: Any) -> None:
    """``\\mathbb{E}_{x \\sim p}``, ``\\mathbb{E}_\\theta``: names a declared random variable or a law's parameter."""
    params: set[str] = set()
    for v in spec.variables.values():
        for p in v.params + tuple(m for m in (v.mean, v.variance) if m is not None):
            params |= {s.name for s in p.free_symbols if isinstance(s, sp.Symbol)}
    known = set(spec.variables) | params
    toks = reader.toks[start:end]
    first = next((x for x in toks if x.kind in ("letter", "cmd")), None)
    if first is None or first.text not in known:
        reader.fail("the subscript of the expectation names no declared random variable or parameter",
                    toks[0] if toks else t, hint="declare it (% derive: x \\sim (\\mu, \\sigma^2)) or drop the subscript")


__all__ = ["Expectation", "Variance", "Covariance", "RandomSpec", "RandomVar", "RandomDecl", "random_declarations",
           "read_operator", "random_keys", "has_moments", "classify", "bare_e_is_operator"]


# --- declarations: binding names and expressions ----------------------------------------------------

_INDEX_SUBSCRIPTS = frozenset("ijklt")


@dataclass(frozen=True, slots=True)
class Bound:
    """What the random declarations add to a context: the spec, domains for law parameters, families, sizes."""

    spec: RandomSpec
    domains: tuple[Any, ...]
    families: frozenset[str]
    sizes: frozenset[str]


def bind_random(found: Iterable[RandomDecl], read: Any, name_of: Any, domain: Any,
                vectors: frozenset[str] = frozenset()) -> Bound:
    """The random declarations bound to names and SymPy expressions.

    ``read(text)`` reads a parameter's LaTeX into SymPy, ``name_of(text)`` gives the canonical name at
    the start of a text and the rest, ``domain(name, lower, upper)`` makes a VarDomain (callables
    of the maths reader, passed in so this module stays below it). A bad declaration raises a
    ParseError naming its line.
    """
    variables: dict[str, RandomVar] = {}
    independent: set[str] = set()
    domains: list[Any] = []
    sizes: set[str] = set()
    owner: dict[str, str] = {}
    first: dict[str, RandomDecl] = {}
    found = list(found)
    for decl in found:
        try:
            if any(_member(n, name_of, set())[0] in vectors for n in decl.names if not _DOTS.match(n)):
                _bind_vector(decl, read, name_of, variables, owner)
            else:
                _bind_one(decl, read, name_of, domain, variables, independent, domains, sizes, owner)
        except ParseError as exc:
            raise _located(decl, exc) from None
        for name in variables:
            first.setdefault(name, decl)
    spec = RandomSpec(dict(variables), frozenset(independent))
    for v in variables.values():
        if v.family and not v.identical and (v.mean is not None or v.variance is not None):
            raise _located(first[v.name], ParseError(
                f"the members of {v.name} are independent but not identically distributed: "
                "their moments cannot be one name", hint="declare them iid"))
        if any(m is not None and m.is_number for m in (v.mean, v.variance)) and not spec.is_source(v.name):
            raise _located(first[v.name], ParseError(
                f"a number as a moment of {v.name} needs {v.name} independent of the other random variables",
                hint=f"declare {v.name} \\perp ..., or name the moment ({v.name} \\sim (\\mu, \\sigma^2))"))
        if v.law is not None and not spec.is_source(v.name):
            raise _located(first[v.name], ParseError(
                f"{v.name} has a named law but may depend on the other random variables",
                hint=f"declare the independence ({v.name} \\perp Y), or give only its moments "
                     f"({v.name} \\sim (\\mu, \\sigma^2))"))
    families = frozenset(n for n, v in variables.items() if v.family)
    return Bound(spec, tuple(domains), families, frozenset(sizes))


def _located(decl: RandomDecl, exc: ParseError) -> ParseError:
    where = f"line {decl.line}: " if decl.line > 0 else ""
    return ParseError(f"{where}cannot read the declaration {decl.text!r}: {exc.message}",
                      span=Span(decl.text, 0, len(decl.text)), hint=exc.hint)


def _member(text: str, name_of: Any, sizes: set[str]) -> tuple[str, bool]:
    """(name, is a family) of one name in a declaration's list (``x_i``, ``x_1``, ``x_n`` -> family x)."""
    m = re.fullmatch(r"(.+?)\s*_\s*(?:\{\s*([^{}]+?)\s*\}|(\\?[A-Za-z0-9]+))\s*", text.strip())
    if m is not None:
        sub = (m.group(2) or m.group(3)).strip()
        if sub.isdigit() or sub in _INDEX_SUBSCRIPTS or re.fullmatch(r"[A-Za-z]", sub):
            name, rest = name_of(m.group(1).strip())
            if rest.strip():
                raise ParseError(f"{text!r} is not a name")
            if re.fullmatch(r"[A-Za-z]", sub) and sub not in _INDEX_SUBSCRIPTS:
                sizes.add(sub)
            return name, True
    name, rest = name_of(text.strip())
    if rest.strip():
        raise ParseError(f"{text!r} is not a name")
    return name, False


def _names_of(decl: RandomDecl, name_of: Any, sizes: set[str]) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    listed = [n for n in decl.names if not _DOTS.match(n)]
    dots = len(listed) != len(decl.names)
    for text in listed:
        name, family = _member(text, name_of, sizes)
        if dots:
            family = True
        if (name, family) not in out:
            out.append((name, family))
    if dots and len(out) != 1:
        raise ParseError("a list with \\dots names one family", hint="x_1, \\dots, x_n")
    return out


def _merge(variables: dict[str, RandomVar], name: str, family: bool, **changes: Any) -> None:
    old = variables.get(name)
    if old is None:
        variables[name] = RandomVar(name, family, **changes)
        return
    if old.family != family:
        raise ParseError(f"{name} is declared both as one variable and as a family")
    for key, value in changes.items():
        have = getattr(old, key)
        if key in ("law", "mean", "variance") and have is not None and value is not None and have != value:
            raise ParseError(f"{name} is given two different {key}s")
    merged = {**{k: getattr(old, k) for k in ("identical", "law", "params", "mean", "variance", "vector")},
              **{k: v for k, v in changes.items() if v is not None and v != ()}}
    variables[name] = RandomVar(name, family, **merged)


def _bind_vector(decl: RandomDecl, read: Any, name_of: Any, variables: dict[str, RandomVar],
                 owner: dict[str, str]) -> None:
    """A random column vector: ``x \\text{ random}``, ``x \\sim (\\mu, \\Sigma)``, ``\\mathbb{E}[x] = \\mu``,
    ``\\operatorname{Var}(x) = \\Sigma`` (its mean a declared vector, its covariance a declared matrix)."""
    if decl.kind == "independent":
        raise ParseError("the independence of random vectors is not probed",
                         hint="declare the entries' joint law by the covariance matrix")
    names = [name_of(n)[0] for n in decl.names]
    if len(names) != 1:
        raise ParseError("declare one random vector at a time")
    (name,) = names
    vector = read(decl.names[0])
    mean = cov = None
    if decl.kind == "mean":
        mean = read(decl.value)
    elif decl.kind == "variance":
        cov = read(decl.value)
    elif decl.kind == "law":
        if decl.law is not None or len(decl.params) != 2:
            raise ParseError("a random vector is declared by its moments", hint=f"{name} \\sim (\\mu, \\Sigma)")
        mean, cov = (read(p) for p in decl.params)
    elif decl.kind != "random":
        raise ParseError("the independence of random vectors is not probed")
    if mean is not None and not (isinstance(mean, sp.MatrixSymbol) and mean.shape == vector.shape):
        raise ParseError(f"the mean of {name} is a declared vector of its shape", hint="\\mu \\in \\mathbb{R}^{p}")
    if cov is not None and not (isinstance(cov, sp.MatrixSymbol) and cov.shape == (vector.shape[0], vector.shape[0])):
        raise ParseError(f"the covariance of {name} is a declared square matrix of its size",
                         hint="\\Sigma \\in \\mathbb{R}^{p\\times p}")
    for m in (mean, cov):
        if m is not None and owner.setdefault(m.name, name) != name:
            raise ParseError(f"{m.name} is already the moment of {owner[m.name]}")
    _merge(variables, name, False, vector=True, mean=mean, variance=cov)


def _bind_one(decl: RandomDecl, read: Any, name_of: Any, domain: Any, variables: dict[str, RandomVar],
              independent: set[str], domains: list[Any], sizes: set[str], owner: dict[str, str]) -> None:
    names = _names_of(decl, name_of, sizes)
    if decl.kind in ("mean", "variance"):
        (name, family), = names
        value = read(decl.value)
        if decl.kind == "mean" and not _mean_form(value):
            raise ParseError("a declared mean is one name or a number", hint="\\mathbb{E}[X] = \\mu")
        if decl.kind == "variance" and not _variance_form(value):
            raise ParseError("a declared variance is a name, a squared name or a positive number",
                             hint="\\operatorname{Var}(X) = \\sigma^2")
        _own(value, name, owner)
        _merge(variables, name, family, **{decl.kind: value})
        if decl.kind == "variance" and not value.is_number:
            domains.append(domain(_root(value).name, 0.0, None))
        return
    if decl.kind == "independent":
        for name, family in names:
            if family:
                _merge(variables, name, family, identical=False)
            else:
                _merge(variables, name, family)
                independent.add(name)
        return
    if decl.kind == "random":
        for name, family in names:
            if family and not decl.iid:
                raise ParseError(f"the family {name} needs iid or independent",
                                 hint=f"{name}_1, \\dots, {name}_n \\text{{ iid}}, or \\overset{{iid}}{{\\sim}}")
            _merge(variables, name, family)
            if decl.iid and not family:
                independent.add(name)
        return
    # a law: X \sim ..., x_i iid ~ ...
    params = tuple(read(p) for p in decl.params)
    written = decl.law
    law_name = LAWS[written][0] if written is not None else None
    mean = variance = None
    if written is None:
        if len(params) == 2:
            mean, variance = params
            if not (_mean_form(mean) and _variance_form(variance)):
                raise ParseError("the moments (\\mu, \\sigma^2) are a name or a number, and a name, a squared name or "
                                 "a positive number")
            if not variance.is_number:
                domains.append(domain(_root(variance).name, 0.0, None))
        elif params:
            raise ParseError("a law given by its moments is (mean, variance)", hint="X \\sim (\\mu, \\sigma^2)")
    else:
        arity = LAWS[written][1]
        if len(params) != arity:
            raise ParseError(f"{written} takes {arity} parameter{'s' if arity > 1 else ''}, found {len(params)}")
        for p in params:
            if p.has(*OPERATORS):
                raise ParseError("a law's parameters are not random")
        _law_domains(LAWS[written][0], params, domain, domains)
    for name, family in names:
        for m in (mean, variance):
            if m is not None:
                _own(m, name, owner)
        if family and not decl.iid:
            raise ParseError(f"the members of {name} need iid", hint=f"{name}_i \\overset{{iid}}{{\\sim}} ...")
        _merge(variables, name, family, law=law_name, params=params, mean=mean, variance=variance)
        if decl.iid and not family:
            independent.add(name)


def _mean_form(value: sp.Basic) -> bool:
    return isinstance(value, sp.Symbol) or (isinstance(value, sp.Rational) and value.is_finite is True)


def _variance_form(value: sp.Basic) -> bool:
    if isinstance(value, sp.Rational):
        return bool(value > 0)
    return isinstance(value, sp.Symbol) or (isinstance(value, sp.Pow) and value.exp == 2
                                            and isinstance(value.base, sp.Symbol))


def _root(value: sp.Expr) -> sp.Symbol:
    root = value.base if isinstance(value, sp.Pow) else value
    assert isinstance(root, sp.Symbol)
    return root


def _own(value: sp.Expr, name: str, owner: dict[str, str]) -> None:
    """A moment's name belongs to one random variable (or one family): the probe computes it from that law."""
    if value.is_number:
        return
    key = _root(value).name
    if owner.setdefault(key, name) != name:
        raise ParseError(f"{key} is already the moment of {owner[key]}",
                         hint="give each random variable its own names, or make them one iid family")


def _law_domains(law: str, params: tuple[sp.Expr, ...], domain: Any, domains: list[Any]) -> None:
    def positive(p: sp.Expr) -> None:
        root = p.base if isinstance(p, sp.Pow) and p.exp == 2 else p
        if isinstance(root, sp.Symbol):
            domains.append(domain(root.name, 0.0, None))

    if law == "normal":
        positive(params[1])
    elif law in ("poisson", "exponential"):
        positive(params[0])
    elif law == "bernoulli" and isinstance(params[0], sp.Symbol):
        domains.append(domain(params[0].name, 0.0, 1.0))
