r"""The mathematics of a derivation's terms: LaTeX -> SymPy, with the ``% derive:`` declarations.

``read_context`` turns the declarations into a ``Context`` (domains, shapes, defined functions and
scalars); ``read_math`` reads one side of a step into a ``Reading`` (the SymPy tree, the echo of what
was read as LaTeX, and the positions of its top-level terms).

Why a reader of our own and not latex2sympy2_extended behind placeholders (as ``derive.parse.latex``
does for one expression): the meaning of derivation LaTeX depends on context at every turn, and
latex2sympy decides each of these before our layer can see them: whether ``x_i`` is indexed data
(only when ``i`` is the index of an enclosing ``\sum``), how far the body of ``\sum``, ``\frac{d}{dx}``
and ``\nabla_w`` extends, whether ``f(x+h)`` is a call or a product (declarations), whether
``X^\top X`` is a non-commutative product (declared shapes), whether ``^2`` under ``\partial`` is an
order or a variable ``\sigma^2``. A placeholder layer would have to pre-parse all of them, leaving
latex2sympy only ``+ - \cdot``. So this module is a small recursive-descent reader over an allow-list
of tokens (a hand-written grammar rather than Lark: implicit multiplication and the operator extents
are decided by lookahead and context, which an LALR grammar cannot express without ambiguity). It
never evaluates user text (no sympify, parse_expr, eval or exec): every node is built by calling a
SymPy constructor on nodes already built. It is bounded: input length, nesting depth, digits of a
number, bits of an exact power (``vocabulary.power``), arguments of factorials, the depth of the
result; anything it does not read is a ``ParseError`` with the position, never a partial reading.

Conventions of the tree (the certifier relies on them):

- ``\log``/``\ln`` natural (``sympy.log``), ``\log_b x`` is ``log(x, b)``; ``\exp``, ``e^{..}`` are
  ``exp``; ``e`` alone is Euler's number unless ``e`` is declared as a variable; ``\pi`` is pi unless
  declared. Greek letters are ordinary real symbols (``\gamma``, ``\beta``); ``I`` is a symbol
  (``I = I_p`` in the declarations, or ``I_p`` with ``p`` a size, is the identity matrix).
- Scalars are ``Symbol(name, real=True, ...)`` with the assumptions of their declared domain; a name
  used as a size (a dimension of a declared shape, the upper limit of a sum, and ``n`` for ``\sum_i``)
  is ``integer=True, positive=True``; the index of a sum is ``Symbol(i, integer=True)``, and a letter used
  as an index outside a sum over it (``x_j``, an escaped ``w_i``) is ``integer=True, nonnegative=True``,
  a different symbol, so an index that escaped its sum is never confused with the bound one.
- ``\sum_{i=1}^{n} body`` is ``Sum(body, (i, 1, n))``; ``\sum_i`` means ``i`` from 1 to ``n``;
  ``\prod`` is ``Product``. The body of ``\sum``, ``\prod``, ``\frac{d}{dx}``, ``\partial/\partial x``
  and ``\nabla_w`` is the following multiplicative term (``\sum_i x_i y_i + 1`` is
  ``Sum(x_i y_i) + 1``), stopping before another sum over the same index.
- A name subscripted by the index of an enclosing sum is a family: ``x_i`` is
  ``Indexed(IndexedBase('x'), i)``; in the same reading (or in the context's ``families``) ``x_1``,
  ``x_j``, ``x_{i+1}`` stay indexed; ``x_{ij}`` with both bound is ``Indexed(x, i, j)``. Other
  subscripts make plain names: ``\sigma_0`` is ``sigma_0``, ``x_{max}`` is ``x_max``.
- Decorated names are distinct symbols: ``\mathbf{x}``/``\bm{x}``/``\boldsymbol{x}`` ``x_bold``,
  ``\hat\beta`` ``beta_hat``, ``\bar x`` ``x_bar``, ``\tilde x`` ``x_tilde``, ``\vec x`` ``x_vec``,
  ``\dot x`` ``x_dot``, ``\mathcal{L}`` ``L_cal`` (nested: ``\hat{\boldsymbol\beta}`` ``beta_bold_hat``).
- Calls: ``name(args)`` is a call when ``name`` is a defined function, or an unknown-function letter
  (``f g h F G H J K Q R U V \phi \varphi \psi \ell L \mathcal{L}``, also decorated or subscripted:
  ``\boldsymbol\phi(x)``, ``h_\theta(x)``) not declared as a scalar, or used with a prime and a call
  (``\sigma'(z)`` makes ``\sigma`` a function in the whole reading), or ``p``/``q`` applied to one
  name (``p(\theta)``, a density; ``p(1-p)`` is a product), or ``\operatorname{name}``. An unknown
  function is ``Function(name)(args)``, and so is a defined scalar function (``Reading.expanded``
  substitutes definitions); a defined function of a declared vector or matrix (``L(w) := w^\top A w``)
  is substituted where it is called. Otherwise ``a(b)`` is a product.
- Derivatives are unevaluated ``Derivative``: ``\frac{d}{dx} body``, ``\frac{\partial f}{\partial x}``
  (an undeclared bare name ``f`` in the numerator is ``f(x)``, a function of the differentiation
  variables), ``\frac{d^2 f}{dx^2}`` is ``Derivative(f(x), (x, 2))``; mixed
  ``\frac{\partial^2 f}{\partial x \partial y}`` is ``Derivative(f(x, y), y, x)`` (the rightmost
  variable first, SymPy's own reading of that LaTeX). ``\partial/\partial \sigma^2`` differentiates with
  respect to ``s = Symbol('sigma^2', positive=True)``: ``Subs(Derivative(body[sigma -> sqrt(s)], s), s,
  sigma**2)``. ``f'(x)`` is ``Derivative(f(x), x)`` (``Subs(Derivative(f(_u), _u), _u, arg)`` for a
  non-symbol argument), ``f''`` second order.
- Declared shapes make ``MatrixSymbol(name, rows, cols)`` (a vector is ``n x 1``); products keep their
  order (``X^\top X`` is ``MatMul(Transpose(X), X)``); ``^\top``, ``^T``, ``'`` transpose (a scalar's
  transpose is the scalar); ``^{-1}`` ``Inverse``; ``\operatorname{tr}`` ``Trace``; ``\det``, and
  ``|A|`` of a square matrix, ``Determinant``; ``\|v\|``, ``\|v\|_2``, ``\|A\|_F`` are
  ``sqrt(Trace(M.T M))``; ``\circ``/``\odot`` ``HadamardProduct``. A 1 x 1 matrix expression in a scalar
  position (added to a scalar, inside a scalar function, divided by, a ``\nabla`` body) is written
  ``Trace(M)`` (the trace of a 1 x 1 matrix is its entry). ``\nabla_w body`` is
  ``Derivative(body, w)`` with ``w`` the declared ``MatrixSymbol``.
- ``x!`` ``factorial``, ``\binom{n}{k}`` ``binomial``, ``\Gamma(a)`` ``gamma``; ``|x|`` ``Abs``.
- An equation term (``a = b``, ``a < b``...) is an unevaluated ``Relational``.
- More notation: ``\sum x_i`` without limits sums over the index subscripted in its body (``i``, ``j``,
  ``k``, ``l`` or ``t``) from 1 to ``n``; ``x^{(i)}`` and ``x_j^{(i)}`` are indexed data ``x[i]``,
  ``x[i, j]`` (the bracketed index first), ``\theta_{t+1}`` makes ``\theta`` a family;
  ``\delta_{ij}`` of two indices is ``KroneckerDelta(i, j)``; ``v_i``/``X_{ij}`` of a declared vector
  or matrix is its entry ``v[i - 1, 0]``/``X[i - 1, j - 1]`` (indices count from 1; ``v_0`` is a plain
  name); ``\|v\|_1`` of a vector is ``Sum(Abs(v[_k, 0]), (_k, 0, rows - 1))``; ``A^{-T}`` is
  ``Inverse(A).T``; ``\theta^*`` is the name ``theta_star``; ``I_p`` with ``p`` a size is
  ``Identity(p)``; ``x^2_i`` is ``(x_i)^2``; a bare undeclared name as the whole body of a derivative
  operator (``\nabla_w E``, ``\frac{d}{dx} y``) is an unknown function of its variables; an undeclared
  name equal to a matrix in an equation (``\hat\beta = (X^\top X)^{-1}X^\top y``) is a
  ``MatrixSymbol`` of that shape. A reading with an imaginary value (``\log(-1)``) is refused.
- As other authors write it: every transpose mark (``^\top``, ``^\intercal``, ``^T``, ``^{T}``, ``^{\mathsf T}``,
  ``^{\mathrm{T}}``, ``'``) and ``^{-\top}``/``^{-\mathsf{T}}`` (``Inverse(A).T``); ``\mathbf{A}`` (also ``\bm``,
  ``\boldsymbol``, ``\vec``) of a declared ``A`` with no bold declaration is ``A`` itself (a font, never
  a new commuting scalar); ``\mathbf{0}`` is 0 and ``\mathbf{1}`` the vector of ones of its declared
  shape (``% derive: \mathbf{1} \in \mathbb{R}^{n}``, ``OneMatrix``); ``\mathbf{I} = I_p`` declares a
  bold identity; ``body|_{x=a}`` (``\left. body \right|_{x=a}``) is ``Subs(body, x, a)`` over
  everything before the bar; ``p(x \mid \theta)``, ``L(\theta; x)`` are calls with the bar or semicolon
  separating arguments, and ``x_1, \dots, x_n`` among a call's arguments is the sample ``x``;
  ``F(z)_k`` of an unknown ``F`` is the unknown function ``F_k``; ``\operatorname*{...}`` is
  ``\operatorname{...}``; optima (``\arg\max``) are refused with a hint (the checker reads a line
  ``\hat\theta = \arg\max ...`` as a definition). The file's own macros are expanded before a
  term reaches this reader (``derive.parse.macros``).
- ``Reading.context`` is the context with what the term taught (``families``, ``sizes``,
  ``indices``, ``called``); read every side of a file with the union (``learn``/``read_terms``) so that
  ``x_1`` on one line is data when ``x_i`` under a sum is on another.
- Expectations, variances and covariances (``\mathbb{E}[X]``, ``\operatorname{Var}(X)``,
  ``\operatorname{Cov}(X, Y)``) of declared random variables are read by ``derive.parse.expectation``
  (one call, ``_Reader.moment_operator``; the declarations by ``_random_context``).
- Refused (a ParseError, so UNPARSED): expectations of undeclared variables, probabilities (``\Pr``,
  ``P(X = x)``), integrals, limits, ``\dots``, words in ``\text`` (``\text{tr}``,
  ``\text{RSS}`` are read like ``\operatorname``), conditional bars, ``\max_\theta``,
  ``\arg\max``, unknown functions of vectors (``\nabla_w L`` with ``L`` undefined), ``f^{(k)}(x)``,
  unknown commands, ``\input``, ``\write18`` and anything else off the allow-list.
"""
from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import reduce
from typing import NoReturn

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr
from sympy.printing.latex import LatexPrinter

from derive.core.errors import ParseError, ShapeError, Span
from derive.parse import expectation as expect
from derive.parse import vocabulary as vocab
from derive.parse.derivation import Declaration
from derive.parse.domain import VarDomain
from derive.parse.shapes import Dim, ShapeDecl, merge_shapes

MAX_MATH_CHARS = 5000
"""Longest term read, in characters."""

MAX_MATH_NESTING = 40
"""Deepest nesting of groups and operators read."""

MAX_DIGITS = 60
"""Most digits in one number."""

MAX_MATRIX_FACTORS = 40
"""Most matrices in one product (SymPy's matrix products slow down sharply with length)."""

GREEK = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa varkappa lambda mu nu xi "
    "omicron pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda "
    "Xi Pi Sigma Upsilon Phi Psi Omega ell".split())

FUNCTION_LETTERS = frozenset({"f", "g", "h", "F", "G", "H", "J", "K", "Q", "R", "U", "V", "phi", "varphi", "psi",
                              "ell", "L", "L_cal"})
"""Names that are unknown functions when applied (``f(x+h)``), unless declared as scalars."""

INDEX_LETTERS = frozenset("ijkl")
"""Letters read as indices in ``x_{ij}`` (with a family or a declared matrix) even outside a sum."""

DENSITY_LETTERS = frozenset({"p", "q"})
"""Names that are unknown functions (densities) when applied to a single name: ``p(\theta)``, ``q(z)``;
``p(1-p)`` stays a product."""

DECORATIONS: Mapping[str, str] = {
    "mathbf": "bold", "bm": "bold", "boldsymbol": "bold", "pmb": "bold", "mathbfit": "bold",
    "hat": "hat", "widehat": "hat", "bar": "bar", "overline": "bar", "tilde": "tilde", "widetilde": "tilde",
    "vec": "vec", "dot": "dot", "ddot": "ddot", "check": "check", "mathcal": "cal",
}
_DECORATION_LATEX = {"bold": r"\mathbf{%s}", "hat": r"\hat{%s}", "bar": r"\bar{%s}", "tilde": r"\tilde{%s}",
                     "vec": r"\vec{%s}", "dot": r"\dot{%s}", "ddot": r"\ddot{%s}", "check": r"\check{%s}",
                     "cal": r"\mathcal{%s}", "star": r"%s^{*}"}

_FUNCTIONS = {"log": "log", "ln": "log", "exp": "exp", "sin": "sin", "cos": "cos", "tan": "tan", "cot": "cot",
              "sec": "sec", "csc": "csc", "arcsin": "asin", "arccos": "acos", "arctan": "atan", "sinh": "sinh",
              "cosh": "cosh", "tanh": "tanh", "max": "max", "min": "min", "erf": "erf", "sgn": "sign"}
_INVERSE = {"sin": "asin", "cos": "acos", "tan": "atan", "sinh": "asinh", "cosh": "acosh", "tanh": "atanh"}
_TRACE_NAMES = frozenset({"tr", "Tr", "trace", "Trace"})
_OPTIMUM = ("an optimum (arg max, arg min) is not computed: a line '\\hat\\theta = \\arg\\max ...' defines the "
            "name; derive the stationary point with derivatives")
_REFUSED_OPERATORS = {
    "E": "expectations are not read: write the expectation out (a sum or an integral by hand)",
    "Var": "variances are not read: write the variance out", "Cov": "covariances are not read",
    "Corr": "correlations are not read", "Pr": "probabilities are not read", "P": "probabilities are not read",
    "KL": "divergences are not read", "diag": "diag() is not read", "rank": "rank is not read",
    "vec": "vec() is not read", "argmax": _OPTIMUM, "argmin": _OPTIMUM,
    "arg": _OPTIMUM, "sup": "sup is not read", "inf": "inf is not read", "lim": "limits are not read",
    "int": "integrals are not read", "iint": "integrals are not read", "oint": "integrals are not read",
    "dots": "'...' is not read: write the sum with \\sum", "cdots": "'...' is not read: write the sum with \\sum",
    "ldots": "'...' is not read: write the sum with \\sum", "vdots": "'...' is not read",
    "mid": "conditional bars are not read",
    "otimes": "Kronecker products are not read", "oplus": "direct sums are not read",
    "langle": "inner products <a, b> are not read: write a^\\top b",
    "input": "\\input is never read", "include": "\\include is never read", "write": "\\write is never read",
    "immediate": "\\immediate is never read", "def": "macros are not defined here",
    "newcommand": "macros are not defined here", "renewcommand": "macros are not defined here",
    "catcode": "\\catcode is never read", "csname": "\\csname is never read",
}
_SKIPPED = frozenset({",", ";", ":", "!", " ", ">", "quad", "qquad", "left", "right", "big", "Big", "bigg",
                      "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "Biggl", "Biggr", "bigm",
                      "Bigm", "limits", "nolimits", "displaystyle", "textstyle", "scriptstyle", "nonumber",
                      "notag", "allowbreak"})
_RELATIONS = {"=": "=", "<": "<", ">": ">", "le": "<=", "leq": "<=", "leqslant": "<=", "ge": ">=", "geq": ">=",
              "geqslant": ">=", "lt": "<", "gt": ">", "ne": "!=", "neq": "!="}
_TIMES = frozenset({"cdot", "times", "ast"})
_HADAMARD = frozenset({"circ", "odot"})
_TOP = frozenset({"top", "intercal", "T", "mathsf{T}", "mathrm{T}", "prime"})
_BIG = frozenset({"sum", "prod"})


def _real_symbol(name: str, assumptions: Mapping[str, bool] | None = None) -> sp.Symbol:
    return sp.Symbol(name, **(dict(assumptions) if assumptions else {"real": True}))


@dataclass(frozen=True, slots=True)
class FunctionDef:
    """A defined function ``name(params) := body``."""

    name: str
    params: tuple[sp.Basic, ...]
    """Symbols, or MatrixSymbols for declared vectors and matrices (such a function is substituted
    where it is called: ``Function`` cannot take a matrix)."""
    body: sp.Expr


@dataclass(frozen=True)
class Context:
    """What the declarations say: domains, shapes, definitions, and the names learned from readings.

    ``families`` are names read as indexed data; ``sizes`` names that count (integer, positive);
    ``indices`` letters used as indices (integer).
    """

    domains: Mapping[str, VarDomain] = field(default_factory=dict)
    shapes: Mapping[str, ShapeDecl] = field(default_factory=dict)
    functions: Mapping[str, FunctionDef] = field(default_factory=dict)
    definitions: Mapping[str, sp.Expr] = field(default_factory=dict)
    identities: Mapping[str, Dim] = field(default_factory=dict)
    families: frozenset[str] = frozenset()
    sizes: frozenset[str] = frozenset()
    indices: frozenset[str] = frozenset()
    called: frozenset[str] = frozenset()
    """Names used as functions by a prime and a call (``\\sigma'(z)``): calls elsewhere too."""
    random: expect.RandomSpec | None = None
    """The declared random variables (``derive.parse.expectation``), or None."""

    def symbol(self, name: str) -> sp.Symbol:
        """The scalar symbol of ``name``: declared domain, else a size, an index, or a real."""
        dom = self.domains.get(name)
        if dom is not None:
            return _real_symbol(name, dom.assumptions())
        if name in self.sizes:
            return sp.Symbol(name, integer=True, positive=True)
        if name in self.indices:
            # A free index (x_j outside any sum over j): not the bound index of a sum, which SymPy would
            # take for the same variable (w_i \sum_i y_i is not \sum_i w_i y_i).
            return sp.Symbol(name, integer=True, nonnegative=True)
        return _real_symbol(name)

    def dimension(self, dim: Dim) -> sp.Expr:
        return sp.Integer(dim) if isinstance(dim, int) else self.symbol(dim)

    def matrix(self, name: str) -> sp.MatrixExpr:
        decl = self.shapes[name]
        assert decl.rows is not None and decl.cols is not None
        return sp.MatrixSymbol(name, self.dimension(decl.rows), self.dimension(decl.cols))

    def is_scalar_name(self, name: str) -> bool:
        return name in self.domains or name in self.definitions or name in self.shapes

    def learned(self, families: Iterable[str] = (), sizes: Iterable[str] = (),
                indices: Iterable[str] = (), called: Iterable[str] = ()) -> Context:
        return replace(self, families=self.families | frozenset(families), sizes=self.sizes | frozenset(sizes),
                       indices=self.indices | frozenset(indices), called=self.called | frozenset(called))

    def expand(self, expr: sp.Basic) -> sp.Basic:
        """``expr`` with defined functions and defined scalars replaced by their definitions."""
        out = expr
        for _ in range(12):
            before = out
            for fdef in self.functions.values():
                lam = sp.Lambda(fdef.params, fdef.body)
                out = out.replace(lambda e, n=fdef.name: isinstance(e, sp.core.function.AppliedUndef)
                                  and e.func.__name__ == n, lambda e, lam=lam: lam(*e.args))
            if self.definitions:
                out = out.xreplace({self.symbol(k): v for k, v in self.definitions.items()})
            if out == before:
                return out
        raise ParseError("the definitions refer to each other in a cycle",
                         hint="define each name from names defined before it")


@dataclass(frozen=True, slots=True)
class Reading:
    """One term read: the tree, the echo (SymPy's LaTeX of it), and where its top-level terms are."""

    expr: sp.Basic
    latex: str
    source: str
    expanded: sp.Basic
    terms: tuple[tuple[int, int], ...] = ()
    """(start, end) in ``source`` of each top-level additive term."""
    context: Context | None = field(default=None, repr=False, compare=False)


# --- tokens -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # "cmd", "letter", "digit", "op", "end"
    text: str
    start: int
    end: int


def _error(src: str, message: str, start: int, end: int | None = None, hint: str | None = None) -> ParseError:
    return ParseError(message, span=vocab.line_span(src, start, end), hint=hint)


def _tokenize(src: str) -> list[_Tok]:
    out: list[_Tok] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c.isspace() or c == "~":
            i += 1
            continue
        if c == "\\":
            j = i + 1
            if j >= n:
                raise _error(src, "lone backslash at the end", i)
            if src[j].isascii() and src[j].isalpha():
                while j < n and src[j].isascii() and src[j].isalpha():
                    j += 1
                name = src[i + 1:j]
            else:
                name = src[j]
                j += 1
            if name in ("\\",):
                raise _error(src, "a line break '\\\\' inside a term", i, j, hint="one term per row")
            if name in _SKIPPED:
                if name in ("left", "right", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "Biggl", "Biggr",
                            "big", "Big", "bigg", "Bigg"):
                    k = j
                    while k < n and src[k].isspace():
                        k += 1
                    if k < n and src[k] == ".":
                        j = k + 1
                i = j
                continue
            if name in ("lvert", "rvert", "vert"):
                out.append(_Tok("op", "|", i, j))
            elif name in ("|", "lVert", "rVert", "Vert"):
                out.append(_Tok("op", "‖", i, j))
            elif name in ("{", "lbrace"):
                out.append(_Tok("op", "(", i, j))
            elif name in ("}", "rbrace"):
                out.append(_Tok("op", ")", i, j))
            elif name == "lbrack":
                out.append(_Tok("op", "[", i, j))
            elif name == "rbrack":
                out.append(_Tok("op", "]", i, j))
            else:
                out.append(_Tok("cmd", name, i, j))
            i = j
            continue
        if c.isascii() and c.isalpha():
            out.append(_Tok("letter", c, i, i + 1))
        elif c.isdigit() and c.isascii():
            out.append(_Tok("digit", c, i, i + 1))
        elif c in "+-*/^_()[]{}|'!,;=<>.:":
            out.append(_Tok("op", c, i, i + 1))
        else:
            hint = {"%": "remove LaTeX comments", "&": "alignment marks belong to the display, not the term",
                    "$": "give the mathematics without $ signs", "#": "macro parameters are not read"}.get(c)
            raise _error(src, f"unexpected character {c!r}", i, hint=hint or "use LaTeX commands for symbols")
        i += 1
    out.append(_Tok("end", "", n, n))
    return out


# --- matrix helpers ---------------------------------------------------------------------------------


def _is_matrix(e: sp.Basic) -> bool:
    return isinstance(e, MatrixExpr)


def _is_1x1(e: sp.Basic) -> bool:
    return _is_matrix(e) and e.shape == (1, 1)


def _scalar(e: sp.Basic) -> sp.Basic:
    """A 1 x 1 matrix expression as a scalar (its trace); anything else unchanged."""
    return sp.Trace(e) if _is_1x1(e) else e


# --- the reader -------------------------------------------------------------------------------------


@dataclass
class _Facts:
    families: set[str] = field(default_factory=set)
    sizes: set[str] = field(default_factory=set)
    indices: set[str] = field(default_factory=set)
    called: set[str] = field(default_factory=set)


class _Reader:
    """One pass over one term's tokens."""

    def __init__(self, src: str, tokens: list[_Tok], context: Context, facts: _Facts) -> None:
        self.src = src
        self.toks = tokens
        self.pos = 0
        self.limit = len(tokens) - 1  # index of the token that ends the current region
        self.ctx = context
        self.facts = facts
        self.bound: list[tuple[str, sp.Symbol]] = []
        self.depth = 0
        self.bars = 0
        self.norms = 0
        self.allow_infinity = False
        self.implicit_arguments: list[sp.Basic] | None = None
        self.terms: list[tuple[int, int]] = []

    # -- token access

    def peek(self, k: int = 0) -> _Tok:
        i = self.pos + k
        return self.toks[i] if i < self.limit else self.toks[self.limit] if self.limit < len(self.toks) \
            else self.toks[-1]

    def at_end(self) -> bool:
        return self.pos >= self.limit

    def next(self) -> _Tok:
        tok = self.peek()
        if self.pos < self.limit:
            self.pos += 1
        return tok

    def is_op(self, text: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t.kind == "op" and t.text == text and self.pos + k < self.limit

    def is_cmd(self, *names: str) -> bool:
        t = self.peek()
        return t.kind == "cmd" and t.text in names and not self.at_end()

    def fail(self, message: str, tok: _Tok | None = None, hint: str | None = None,
             end: int | None = None) -> NoReturn:
        t = tok or self.peek()
        raise _error(self.src, message, t.start, end if end is not None else max(t.end, t.start + 1), hint)

    def expect(self, text: str, what: str) -> _Tok:
        if not self.is_op(text):
            t = self.peek()
            found = "the end" if t.kind == "end" or self.at_end() else repr(t.text)
            self.fail(f"expected {text!r} {what}, found {found}")
        return self.next()

    @contextmanager
    def nested(self, tok: _Tok) -> Iterator[None]:
        self.depth += 1
        if self.depth > MAX_MATH_NESTING:
            self.fail(f"nested deeper than {MAX_MATH_NESTING} levels", tok, hint="split the expression")
        try:
            yield
        finally:
            self.depth -= 1

    def group_end(self, open_index: int) -> int:
        """Index of the token closing the bracket at ``open_index``."""
        opener = self.toks[open_index].text
        closer = {"{": "}", "(": ")", "[": "]"}[opener]
        depth = 0
        for k in range(open_index, self.limit):
            t = self.toks[k]
            if t.kind == "op" and t.text in ("{", "(", "[") and (t.text == opener or opener != "{"):
                depth += 1 if t.text == opener else 0
            if t.kind == "op" and t.text == closer:
                depth -= 1
                if depth == 0:
                    return k
        self.fail(f"unclosed {opener!r}", self.toks[open_index], hint=f"add a matching {closer!r}")

    @contextmanager
    def region(self, start: int, end: int) -> Iterator[None]:
        """Read tokens ``[start, end)`` only; all of them must be used."""
        saved = (self.pos, self.limit)
        self.pos, self.limit = start, end
        yield
        if self.pos < self.limit:
            self.fail(f"cannot read {self.toks[self.pos].text!r} here", self.toks[self.pos],
                      hint="check the brackets and operators")
        self.pos, self.limit = saved

    def arg_range(self, what: str) -> tuple[int, int]:
        """A TeX argument: ``{...}`` (its inside) or one token; the cursor moves past it."""
        tok = self.peek()
        if self.at_end():
            self.fail(f"{what} is missing", tok)
        if tok.kind == "op" and tok.text == "{":
            close = self.group_end(self.pos)
            start = self.pos + 1
            self.pos = close + 1
            return start, close
        if tok.kind == "op" and tok.text not in ("(",):
            if tok.text not in ("-", "+"):
                self.fail(f"{what} is missing before {tok.text!r}", tok)
        self.pos += 1
        return self.pos - 1, self.pos

    def read_arg(self, what: str) -> sp.Basic:
        start, end = self.arg_range(what)
        if start == end:
            self.fail(f"{what} is empty", self.toks[start - 1])
        with self.region(start, end):
            value = self.expr()
        return value

    # -- grammar

    def top(self) -> sp.Basic:
        if self.at_end():
            self.fail("empty term", self.peek(), hint="write an expression")
        lhs = self.evaluation_bar(self.expr(record=True))
        t = self.peek()
        rel = self.relation()
        if rel is None:
            if not self.at_end():
                self.fail(f"cannot read {t.text!r} here", t, hint="check the operators and brackets")
            return lhs
        rhs = self.expr()
        if self.relation() is not None:
            self.fail("more than one relation in one term", t, hint="one relation per side of a step")
        if not self.at_end():
            self.fail(f"cannot read {self.peek().text!r} here", self.peek())
        lhs, rhs = self.conform(lhs, rhs, t)
        ops = {"=": sp.Eq, "<": sp.Lt, ">": sp.Gt, "<=": sp.Le, ">=": sp.Ge, "!=": sp.Ne}
        return ops[rel](lhs, rhs, evaluate=False)

    def evaluation_bar(self, body: sp.Basic) -> sp.Basic:
        """``body|_{x=a}`` (``\\left. body \\right|_{x=a}``, ``\\Big|_{x=a}``): ``body`` at ``x = a``,
        ``Subs(body, x, a)``. The bar applies to everything before it in the term."""
        if not (self.is_op("|") and self.is_op("_", 1)):
            return body
        t = self.next()
        self.next()
        start, end = self.arg_range("the point of the evaluation bar")
        saved = (self.pos, self.limit)
        self.pos, self.limit = start, end
        try:
            var = self.expr()
            if not self.is_op("="):
                self.fail("an evaluation bar needs a point: |_{x=0}", t)
            self.next()
            value = self.expr()
            if not self.at_end():
                self.fail("an evaluation bar takes one point: |_{x=0}", t)
        finally:
            self.pos, self.limit = saved
        if not isinstance(var, sp.Symbol) or _is_matrix(value):
            self.fail("an evaluation bar's variable must be a scalar name: |_{x=0}", t)
        return sp.Subs(body, var, value)

    def relation(self) -> str | None:
        t = self.peek()
        if self.at_end():
            return None
        if t.kind == "op" and t.text in "=<>":
            self.next()
            if t.text in "<>" and self.is_op("="):
                self.next()
                return t.text + "="
            return t.text
        if t.kind == "cmd" and t.text in _RELATIONS:
            self.next()
            return _RELATIONS[t.text]
        return None

    def conform(self, a: sp.Basic, b: sp.Basic, tok: _Tok) -> tuple[sp.Basic, sp.Basic]:
        if _is_matrix(a) != _is_matrix(b):
            # -2X^\top(y - X\beta) = 0: the zero of that shape.
            if _is_matrix(a) and b == 0 and not _is_1x1(a):
                return a, sp.ZeroMatrix(*a.shape)
            if _is_matrix(b) and a == 0 and not _is_1x1(b):
                return sp.ZeroMatrix(*b.shape), b
            # \hat\beta = (X^\top X)^{-1} X^\top y: an undeclared name equal to a matrix is one.
            if isinstance(a, sp.Symbol) and _is_matrix(b) and not _is_1x1(b) and a.name not in self.ctx.domains:
                return sp.MatrixSymbol(a.name, *b.shape), b
            if isinstance(b, sp.Symbol) and _is_matrix(a) and not _is_1x1(a) and b.name not in self.ctx.domains:
                return a, sp.MatrixSymbol(b.name, *a.shape)
            a, b = _scalar(a), _scalar(b)
            if _is_matrix(a) or _is_matrix(b):
                self.fail("a matrix and a scalar on the two sides", tok,
                          hint="check the declared shapes (% derive: X \\in \\mathbb{R}^{n\\times p})")
        elif _is_matrix(a) and a.shape != b.shape:
            self.fail(f"the sides have different shapes {a.shape} and {b.shape}", tok)
        return a, b

    def expr(self, record: bool = False) -> sp.Basic:
        """Sums and differences of terms (built once: adding one term at a time is quadratic)."""
        first = self.peek()
        with self.nested(first):
            sign = 1
            if self.is_op("+") or self.is_op("-"):
                sign = -1 if self.next().text == "-" else 1
            head = self.term()
            terms: list[tuple[sp.Basic, _Tok]] = [(self.negate(head) if sign < 0 else head, first)]
            if record:
                self.terms.append((first.start, self.toks[self.pos - 1].end))
            while self.is_op("+") or self.is_op("-"):
                op = self.next()
                right = self.term()
                if record:
                    self.terms.append((op.start, self.toks[self.pos - 1].end))
                terms.append((self.negate(right) if op.text == "-" else right, op))
            if not any(_is_matrix(e) for e, _ in terms):
                return sp.Add(*(e for e, _ in terms))
            total = terms[0][0]
            for e, op in terms[1:]:
                total = self.add(total, e, op)
            return total

    def negate(self, e: sp.Basic) -> sp.Basic:
        return -e

    def add(self, a: sp.Basic, b: sp.Basic, tok: _Tok) -> sp.Basic:
        if _is_matrix(a) or _is_matrix(b):
            if _is_matrix(a) and _is_matrix(b) and a.shape == b.shape:
                return a + b
            a, b = _scalar(a), _scalar(b)
            if _is_matrix(a) or _is_matrix(b):
                self.fail("adding a matrix and a scalar, or matrices of different shapes", tok,
                          hint="check the declared shapes")
        try:
            return a + b
        except (TypeError, sp.matrices.exceptions.ShapeError) as exc:
            self.fail(f"cannot add these terms: {exc}", tok)

    def starts_factor(self) -> bool:
        t = self.peek()
        if self.at_end():
            return False
        if t.kind in ("letter", "digit"):
            return True
        if t.kind == "op":
            if t.text in ("(", "[", "{", "."):
                return True
            if t.text == "|":
                return self.bars == 0 and not self.is_op("_", 1)  # |_{x=0} is an evaluation bar
            if t.text == "‖":
                return self.norms == 0
            return False
        if t.kind == "cmd":
            return not (t.text in _RELATIONS or t.text in _TIMES or t.text in _HADAMARD or t.text == "div"
                        or t.text in ("top", "intercal", "prime"))
        return False

    def term(self, stop_index: str | None = None) -> sp.Basic:
        """Products and quotients: explicit (``\\cdot``, ``/``) or implicit (adjacent factors).

        Scalar factors are multiplied once at the end (one at a time is quadratic); matrix products
        keep their order and are checked factor by factor, at most ``MAX_MATRIX_FACTORS`` of them.
        """
        factors: list[tuple[sp.Basic, _Tok]] = [(self.factor(), self.toks[max(self.pos - 1, 0)])]
        while True:
            t = self.peek()
            if self.at_end():
                break
            if (t.kind == "cmd" and t.text in _TIMES) or (t.kind == "op" and t.text == "*"):
                self.next()
                factors.append((self.signed_factor(), t))
            elif (t.kind == "op" and t.text == "/") or (t.kind == "cmd" and t.text == "div"):
                self.next()
                factors.append((self.reciprocal(self.signed_factor(), t), t))
            elif t.kind == "cmd" and t.text in _HADAMARD:
                self.next()
                acc = self.product(factors)
                b = self.factor()
                if not (_is_matrix(acc) and _is_matrix(b) and acc.shape == b.shape):
                    self.fail("\\circ/\\odot needs two matrices of one shape", t)
                factors = [(sp.HadamardProduct(acc, b), t)]
            elif self.starts_factor():
                if stop_index is not None and t.kind == "cmd" and t.text in _BIG \
                        and self.peek_index() == stop_index:
                    break
                factors.append((self.factor(), t))
            else:
                break
        return self.product(factors)

    def product(self, factors: list[tuple[sp.Basic, _Tok]]) -> sp.Basic:
        matrices = [tok for e, tok in factors if _is_matrix(e)]
        if not matrices:
            return sp.Mul(*(e for e, _ in factors))
        if len(matrices) > MAX_MATRIX_FACTORS:
            self.fail(f"a product of more than {MAX_MATRIX_FACTORS} matrices", matrices[MAX_MATRIX_FACTORS],
                      hint="split the step")
        acc = factors[0][0]
        for e, tok in factors[1:]:
            acc = self.mul(acc, e, tok)
        return acc

    def signed_factor(self) -> sp.Basic:
        if self.is_op("-"):
            self.next()
            return self.negate(self.factor())
        return self.factor()

    def peek_index(self) -> str | None:
        """The index letter of the big operator at the cursor (``\\sum_{i=1}`` -> ``i``)."""
        k = self.pos + 1
        if k < self.limit and self.toks[k].kind == "op" and self.toks[k].text == "_":
            k += 1
            if k < self.limit and self.toks[k].kind == "op" and self.toks[k].text == "{":
                k += 1
            if k < self.limit and self.toks[k].kind in ("letter", "cmd"):
                return self.toks[k].text
        return None

    def mul(self, a: sp.Basic, b: sp.Basic, tok: _Tok) -> sp.Basic:
        if _is_matrix(a) and _is_matrix(b):
            if a.shape[1] != b.shape[0]:
                if _is_1x1(a):
                    a = _scalar(a)
                elif _is_1x1(b):
                    b = _scalar(b)
                else:
                    self.fail(f"shapes {a.shape} and {b.shape} do not conform in a product", tok,
                              hint="check the declared shapes and transposes")
        try:
            return a * b
        except (TypeError, sp.matrices.exceptions.ShapeError) as exc:
            self.fail(f"cannot multiply: {exc}", tok)

    def divide(self, a: sp.Basic, b: sp.Basic, tok: _Tok) -> sp.Basic:
        return self.mul(a, self.reciprocal(b, tok), tok) if _is_matrix(a) else a * self.reciprocal(b, tok)

    def reciprocal(self, b: sp.Basic, tok: _Tok) -> sp.Basic:
        b = _scalar(b)
        if _is_matrix(b):
            self.fail("division by a matrix", tok, hint="write the inverse, A^{-1}")
        if b == 0:
            self.fail("division by zero", tok)
        return vocab.power(b, sp.Integer(-1), None)

    def factor(self) -> sp.Basic:
        tok = self.peek()
        with self.nested(tok):
            base = self.primary()
            return self.postfix(base, tok)

    def postfix(self, base: sp.Basic, tok: _Tok) -> sp.Basic:
        while not self.at_end():
            t = self.peek()
            if t.kind == "op" and t.text == "^":
                self.next()
                base = self.superscript(base, t)
            elif t.kind == "op" and t.text == "'":
                self.next()
                base = self.transpose(base, t)
            elif t.kind == "op" and t.text == "!":
                self.next()
                if _is_matrix(base):
                    self.fail("factorial of a matrix", t)
                base = vocab.factorial(base, vocab.line_span(self.src, tok.start, t.end))
            elif t.kind == "op" and t.text == "_":
                component = self.component_name(base)
                if component is None:
                    self.fail("a subscript here is not read", t, hint="put subscripts right after a name: x_i")
                base = component
            else:
                break
        return base

    def component_name(self, base: sp.Basic) -> sp.Basic | None:
        """``\\operatorname{softmax}(z)_1``: a component of an unknown function's value, read as the
        unknown function ``softmax_1`` of the same arguments (a plain digit or letter subscript only)."""
        if not isinstance(base, sp.core.function.AppliedUndef):
            return None
        if self.is_op("{", 1):
            close = self.group_end(self.pos + 1)
            toks = self.toks[self.pos + 2:close]
            end = close + 1
        else:
            toks = [self.peek(1)]
            end = self.pos + 2
        if not toks or len(toks) > 3 or not all(x.kind in ("letter", "digit") for x in toks):
            return None
        self.pos = end
        return sp.Function(f"{type(base).__name__}_{''.join(x.text for x in toks)}")(*base.args)

    def transpose(self, base: sp.Basic, t: _Tok) -> sp.Basic:
        if _is_matrix(base):
            return base.T
        if isinstance(base, sp.Symbol):
            return self.ctx.symbol(base.name + "_prime")
        self.fail("a prime on this expression is not read", t, hint="primes go on functions (f'(x)) or matrices")

    def script_is_top_at(self, index: int) -> bool:
        return self.looking_at(index, self.script_is_top)

    def looking_at(self, index: int, test: Callable[[], bool]) -> bool:
        """``test()`` with the reader at ``index`` (False past the region), the position kept."""
        saved = self.pos
        self.pos = index
        try:
            return test() if index < self.limit else False
        finally:
            self.pos = saved

    def top_mark(self, k: int) -> int:
        """Tokens of a transpose mark at offset ``k`` (``\\top``, ``\\intercal``, ``\\prime``, ``T``,
        ``\\mathsf{T}``, ``\\mathsf T``, ``\\mathrm{T}``, ``\\mathrm T``), or 0."""
        t = self.peek(k)
        if t.kind == "cmd" and t.text in ("top", "intercal", "prime"):
            return 1
        if t.kind == "letter" and t.text == "T":
            return 1
        if t.kind == "cmd" and t.text in ("mathsf", "mathrm", "mathit", "textsf", "text", "mathbf"):
            if self.peek(k + 1).text == "T" and self.peek(k + 1).kind == "letter":
                return 2
            if self.peek(k + 1).text == "{" and self.peek(k + 2).text == "T" and self.peek(k + 2).kind == "letter" \
                    and self.peek(k + 3).text == "}":
                return 4
        return 0

    def script_is_top(self) -> bool:
        t = self.peek()
        if t.kind == "op" and t.text == "{":
            n = self.top_mark(1)
            if n and self.peek(1 + n).kind == "op" and self.peek(1 + n).text == "}":
                return True
            return False
        return self.top_mark(0) in (1, 2) and not (t.kind == "cmd" and t.text in ("mathit", "text", "mathbf"))

    def skip_script(self) -> None:
        if self.is_op("{"):
            self.pos = self.group_end(self.pos) + 1
        else:
            self.next()

    def star_script(self) -> bool:
        """``^*``, ``^\\star``, ``^{*}``: an optimum's mark, part of the name."""
        t = self.peek()
        if (t.kind == "op" and t.text == "*") or (t.kind == "cmd" and t.text in ("star", "ast")):
            return True
        if t.kind == "op" and t.text == "{":
            inner, close = self.peek(1), self.peek(2)
            return ((inner.kind == "op" and inner.text == "*") or (inner.kind == "cmd" and inner.text in ("star", "ast"))) \
                and close.kind == "op" and close.text == "}"
        return False

    def star_script_at(self, index: int) -> bool:
        return self.looking_at(index, self.star_script)

    def superscript(self, base: sp.Basic, t: _Tok) -> sp.Basic:
        if self.at_end():
            self.fail("'^' has nothing after it", t)
        mark = self.top_mark(2) if self.is_op("{") and self.is_op("-", 1) else 0
        if mark and self.is_op("}", 2 + mark):
            self.pos += 3 + mark
            if _is_matrix(base):
                if base.shape[0] != base.shape[1]:
                    self.fail("the inverse of a matrix that is not square", t)
                return sp.Inverse(base).T
            return vocab.power(base, sp.Integer(-1), None)
        if self.star_script():
            if not isinstance(base, sp.Symbol):
                self.fail("a star here is not read", t, hint="stars mark names: \\theta^*")
            self.skip_script()
            return self.resolve_plain(base.name + "_star", t)
        if self.is_op("{") and self.is_op("(", 1) and isinstance(base, (sp.Symbol, sp.Indexed, MatrixExpr)):
            close = self.group_end(self.pos)
            if self.group_end(self.pos + 1) + 1 == close:
                self.fail("a bracketed superscript (an iteration or an order) is not read", t,
                          hint="write w_t for an iterate; a power of a name needs no brackets")
        if self.script_is_top():
            is_t = self.peek().text == "T" or (self.is_op("{") and self.peek(1).text == "T")
            if is_t and not _is_matrix(base) and "T" in self.ctx.domains:
                pass  # x^T with T a declared scalar: a power
            else:
                prime = self.peek().text == "prime" or self.peek(1).text == "prime"
                if self.is_op("{"):
                    self.skip_script()
                else:
                    self.pos += self.top_mark(0)
                if prime and not _is_matrix(base):
                    return self.transpose(base, t)
                return base.T if _is_matrix(base) else base
        exponent = self.read_arg("the exponent")
        span = vocab.line_span(self.src, t.start, self.toks[self.pos - 1].end)
        if _is_matrix(exponent):
            exponent = _scalar(exponent)
            if _is_matrix(exponent):
                self.fail("a matrix exponent is not read", t)
        if _is_matrix(base):
            if _is_1x1(base):
                return vocab.power(_scalar(base), exponent, span)
            if not exponent.is_Integer or base.shape[0] != base.shape[1]:
                self.fail("only integer powers of square matrices are read", t)
            return sp.Inverse(base) if exponent == -1 else sp.MatPow(base, exponent)
        if base == sp.E:
            return sp.exp(exponent)
        return vocab.power(base, exponent, span)

    # -- primaries

    def primary(self) -> sp.Basic:
        t = self.peek()
        if self.at_end():
            self.fail("an operand is missing", t, hint="check for a dangling operator")
        if t.kind == "digit" or (t.kind == "op" and t.text == "."):
            return self.number()
        if t.kind == "letter":
            return self.letter()
        if t.kind == "op":
            if t.text in ("(", "["):
                return self.paren()
            if t.text == "{":
                return self.brace()
            if t.text == "|" and self.bars == 0:
                return self.bars_group()
            if t.text == "‖" and self.norms == 0:
                return self.norm()
            if t.text == "-":
                self.fail("a sign here needs brackets", t, hint="write a \\cdot (-b)")
            self.fail(f"unexpected {t.text!r}", t)
        if t.kind == "cmd":
            return self.command()
        self.fail("an operand is missing", t)

    def number(self) -> sp.Basic:
        start = self.peek()
        digits = []
        last = start.start - 1
        while not self.at_end() and (self.peek().kind == "digit" or self.is_op(".")) and self.peek().start == last + 1:
            digits.append(self.next().text)
            last = self.toks[self.pos - 1].start
        text = "".join(digits)
        if len(text) > MAX_DIGITS:
            self.fail(f"number with more than {MAX_DIGITS} digits", start, end=last + 1)
        if text.count(".") > 1 or text == ".":
            self.fail(f"cannot read the number {text!r}", start, end=last + 1)
        if text.endswith("."):
            text = text[:-1]
        whole, _, frac = text.partition(".")
        if frac:
            return sp.Rational(int(whole or "0") * 10 ** len(frac) + int(frac), 10 ** len(frac))
        return sp.Integer(int(whole))

    def paren(self) -> sp.Basic:
        open_tok = self.next()
        closer = ")" if open_tok.text == "(" else "]"
        saved = (self.bars, self.norms)
        self.bars = self.norms = 0
        inner = self.expr()
        self.bars, self.norms = saved
        if self.is_op(","):
            self.fail("a comma inside brackets: a tuple or an interval is not read", self.peek())
        if not self.at_end() and (self.peek().text in "=<>" and self.peek().kind == "op"
                                  or self.peek().kind == "cmd" and self.peek().text in _RELATIONS):
            self.fail("a relation inside brackets (P(X = x)) is not read", self.peek())
        if not self.is_op(closer):
            t = self.peek()
            self.fail(f"{open_tok.text!r} is not closed", open_tok if t.kind == "end" or self.at_end() else t,
                      hint=f"add a matching {closer!r}")
        self.next()
        return inner

    def brace(self) -> sp.Basic:
        open_index = self.pos
        close = self.group_end(open_index)
        # {x}_{i}, {\hat{y}}_{i}: SymPy's printing of indexed data.
        name = self.braced_name(open_index, close)
        if name is not None:
            self.pos = close + 1
            return self.named(name, self.toks[open_index + 1])
        self.next()
        if close == self.pos:
            self.fail("empty braces", self.toks[open_index])
        with self.region(self.pos, close):
            value = self.expr()
        self.pos = close + 1
        return value

    def braced_name(self, open_index: int, close: int) -> str | None:
        """The name in ``{x}`` or ``{\\hat{y}}`` when a subscript follows the braces, else None."""
        if not (close + 1 < self.limit and self.toks[close + 1].kind == "op" and self.toks[close + 1].text == "_"):
            return None
        inner = self.toks[open_index + 1]
        if close == open_index + 2 and (inner.kind == "letter" or (inner.kind == "cmd" and inner.text in GREEK)):
            return inner.text
        if inner.kind == "cmd" and inner.text in DECORATIONS:
            saved = (self.pos, self.limit)
            self.pos, self.limit = open_index + 2, close
            try:
                name = self.decorated(inner)
                done = self.pos == close
            finally:
                self.pos, self.limit = saved
            return name if done else None
        return None

    def bars_group(self) -> sp.Basic:
        open_tok = self.next()
        self.bars += 1
        inner = self.expr()
        self.bars -= 1
        if not self.is_op("|"):
            if self.is_op(")") or self.is_op(","):
                self.fail("a conditional bar (p(x | \\theta)) is not read", open_tok,
                          hint="write the density itself, or declare it as a function of the parameters")
            self.fail("'|' is not closed", open_tok, hint="add the closing '|'")
        self.next()
        if _is_matrix(inner):
            if _is_1x1(inner):
                return sp.Abs(_scalar(inner))
            if inner.shape[0] != inner.shape[1]:
                self.fail("|A| of a matrix that is not square", open_tok)
            return sp.Determinant(inner)
        return sp.Abs(inner)

    def norm(self) -> sp.Basic:
        open_tok = self.next()
        self.norms += 1
        inner = self.expr()
        self.norms -= 1
        if not self.is_op("‖"):
            self.fail("'\\|' is not closed", open_tok, hint="add the closing '\\|'")
        self.next()
        kind = "2"
        power_at: int | None = None
        for _ in range(2):
            if self.is_op("_") and kind == "2":
                self.next()
                start, end = self.arg_range("the norm's subscript")
                kind = "".join(tok.text for tok in self.toks[start:end])
            elif self.is_op("^") and power_at is None:
                power_at = self.pos
                self.next()
                self.arg_range("the power")
        after = self.pos
        if kind not in ("2", "F", "mathrm{F}", "Frobenius", "1"):
            self.fail(f"the norm \\|.\\|_{kind} is not read", open_tok,
                      hint="2-norms, 1-norms of vectors and Frobenius norms are read")
        if _is_matrix(inner):
            vector = inner.shape[1] == 1 or inner.shape[0] == 1
            if kind in ("2", "1") and not vector:
                self.fail(f"the {kind}-norm of a matrix (an operator norm) is not read", open_tok,
                          hint="write \\|A\\|_F for the Frobenius norm")
            if kind == "1":
                column = inner if inner.shape[1] == 1 else inner.T
                k = sp.Symbol("_k", integer=True)
                value: sp.Basic = sp.Sum(sp.Abs(column[k, 0]), (k, 0, column.shape[0] - 1))
            else:
                value = sp.sqrt(sp.Trace(inner.T * inner))
        else:
            value = sp.Abs(inner)
        if power_at is not None:
            self.pos = power_at
            value = self.superscript(value, self.next())
            self.pos = after
        return value

    # -- names

    def letter(self) -> sp.Basic:
        t = self.next()
        if t.text == "E" and expect.bare_e_is_operator(self):
            return self.moment_operator(t, "E")
        if t.text == "d" and self.is_op("/") and "d" not in self.ctx.domains:
            return self.slash_derivative(t)
        if t.text == "d" and "d" not in self.ctx.domains and not self.at_end() and self.peek().start == t.end:
            nxt = self.peek()
            if (nxt.kind == "letter" and nxt.text in self.ctx.shapes) or (
                    nxt.kind == "cmd" and (nxt.text in self.ctx.shapes or nxt.text in DECORATIONS)):
                self.fail("differential notation (dX) is not read", t,
                          hint="write the derivative, \\frac{\\partial}{\\partial X} or \\nabla_X")
        return self.named(t.text, t)

    def subscript_tokens(self) -> tuple[list[_Tok], int, int] | None:
        if not self.is_op("_"):
            return None
        self.next()
        if self.at_end():
            self.fail("the subscript is missing", self.toks[self.pos - 1])
        start, end = self.arg_range("the subscript")
        toks = self.toks[start:end]
        if not toks:
            self.fail("empty subscript", self.toks[start - 1])
        return toks, start, end

    def named(self, base: str, t: _Tok) -> sp.Basic:
        """A name (a letter, a Greek letter, a decorated name), its subscript, and maybe a call.

        ``x^2_i`` (superscript first) is ``(x_i)^2``; ``x^{(i)}`` and ``x_j^{(i)}`` are indexed data
        ``x[i]``, ``x[i, j]`` (the superscript index first).
        """
        upper = self.index_superscript()
        if upper is not None or (self.is_op("_") and self.index_superscript_after_subscript()):
            return self.superscript_indexed(base, upper, t)
        if self.is_op("^") and not self.script_is_top_at(self.pos + 1) and not self.star_script_at(self.pos + 1):
            sup_at = self.pos
            self.next()
            self.arg_range("the exponent")
            if self.is_op("_"):
                value = self.named(base, t)
                after = self.pos
                self.pos = sup_at
                value = self.superscript(value, self.next())
                self.pos = after
                return value
            self.pos = sup_at
        sub = self.subscript_tokens()
        if sub is not None:
            toks, start, end = sub
            indexed = self.indexed(base, toks, start, end, t)
            if indexed is not None:
                return indexed
            suffix = self.subscript_name(toks, t)
            name = f"{base}_{suffix}"
        else:
            name = base
        return self.resolve(name, base, t)

    def index_superscript(self) -> list[_Tok] | None:
        """The tokens inside ``^{(...)}`` at the cursor (the cursor moves past it), or None."""
        if not (self.is_op("^") and self.is_op("{", 1) and self.is_op("(", 2)):
            return None
        close = self.group_end(self.pos + 1)
        inner_close = self.group_end(self.pos + 2)
        if inner_close + 1 != close:
            return None
        toks = self.toks[self.pos + 3:inner_close]
        if not toks or not all(x.kind in ("letter", "digit") or (x.kind == "op" and x.text in "+-,") for x in toks):
            return None
        self.pos = close + 1
        return toks

    def index_superscript_after_subscript(self) -> bool:
        """``x_j^{(i)}``: a subscript then an index superscript."""
        k = self.pos + 1
        if k < self.limit and self.toks[k].kind == "op" and self.toks[k].text == "{":
            k = self.group_end(k)
        k += 1
        saved = self.pos
        self.pos = k
        try:
            return self.is_op("^") and self.is_op("{", 1) and self.is_op("(", 2)
        finally:
            self.pos = saved

    def superscript_indexed(self, base: str, upper: list[_Tok] | None, t: _Tok) -> sp.Basic:
        """``y^{(i)}``, ``x_j^{(i)}``, ``x^{(i)}_j``: data indexed by the bracketed superscript first."""
        sub = self.subscript_tokens()
        if upper is None:
            upper = self.index_superscript()
            if upper is None:
                self.fail("a bracketed superscript here is not read", t)
        bound = {name for name, _ in self.bound}
        name = base
        extra: list[sp.Expr] = []
        if sub is not None:
            toks, start, _ = sub
            index_like = all(x.kind == "digit" for x in toks) or (len(toks) == 1 and toks[0].kind == "letter" and (
                toks[0].text in bound or toks[0].text in INDEX_LETTERS or toks[0].text in self.ctx.indices))
            if index_like:
                extra = [self.index_value(toks, toks, start, bound)]
            else:
                name = f"{base}_{self.subscript_name(toks, t)}"
        if name in self.ctx.shapes or self.ctx.is_scalar_name(name):
            self.fail(f"{name} is declared, so {name}^{{(...)}} is not read", t)
        if self.is_op("(") and (name in self.ctx.functions or name.split("_")[0] in FUNCTION_LETTERS):
            self.fail(f"{name}^{{(k)}}(x), a k-th derivative, is not read", t, hint="write \frac{d^k f}{dx^k}")
        start = self.toks.index(upper[0])
        indices = [self.index_value(g, upper, start, bound) for g in self.index_groups(upper)]
        self.facts.families.add(name)
        return sp.Indexed(sp.IndexedBase(name), *indices, *extra)

    def subscript_name(self, toks: list[_Tok], t: _Tok) -> str:
        parts: list[str] = []
        k = 0
        while k < len(toks):
            tok = toks[k]
            if tok.kind in ("letter", "digit"):
                parts.append(tok.text)
            elif tok.kind == "cmd" and (tok.text in GREEK or tok.text in ("infty",)):
                parts.append(tok.text)
            elif tok.kind == "cmd" and tok.text in ("text", "mathrm", "textrm", "operatorname", "mathit"):
                pass
            elif tok.kind == "op" and tok.text in ("{", "}", ","):
                pass
            else:
                self.fail(f"the subscript {tok.text!r} is not a name", tok,
                          hint="subscripts are letters, digits and Greek letters, or an index like i+1")
            k += 1
        return "".join(parts)

    def indexed(self, base: str, toks: list[_Tok], start: int, end: int, t: _Tok) -> sp.Basic | None:
        """``x_i`` as indexed data (a family), ``X_{ij}`` of a declared matrix as its entry; None for a plain
        subscripted name (``x_{max}``, ``\\sigma_0``)."""
        bound = {name for name, _ in self.bound}
        letters = [tok.text for tok in toks if tok.kind == "letter"]
        is_family = base in self.ctx.families or base in self.facts.families
        uses_bound = any(x in bound for x in letters)
        simple = all(tok.kind in ("letter", "digit", "op") for tok in toks) and \
            all(tok.text in "+-," for tok in toks if tok.kind == "op")
        arithmetic = any(tok.kind == "op" and tok.text in "+-" for tok in toks)
        commas = any(tok.kind == "op" and tok.text == "," for tok in toks)
        if not simple:
            if uses_bound:
                self.fail("this subscript of indexed data is not read", toks[0], hint="write x_i, x_{i+1}, x_{ij}")
            return None
        index_like = all(tok.kind == "letter" and (tok.text in bound or tok.text in self.ctx.indices
                                                    or tok.text in INDEX_LETTERS) for tok in toks)
        if arithmetic or commas:
            groups = self.index_groups(toks)
        elif len(toks) == 1:
            positive_digit = toks[0].kind == "digit" and toks[0].text != "0"
            if not (is_family or uses_bound or (base in self.ctx.shapes and (index_like or positive_digit))):
                return None
            groups = [toks]
        elif index_like and (is_family or uses_bound or base in self.ctx.shapes or base == "delta"):
            groups = [[tok] for tok in toks]  # x_{ij}
        elif all(tok.kind == "digit" for tok in toks) and is_family:
            groups = [toks]  # x_{12}
        else:
            return None
        indices = [self.index_value(g, toks, start, bound) for g in groups]
        if base == "delta" and len(indices) == 2 and base not in self.ctx.domains:
            return sp.KroneckerDelta(*indices)
        if base in self.ctx.shapes:
            return self.entry(base, indices, t)
        self.facts.families.add(base)
        return sp.Indexed(sp.IndexedBase(base), *indices)

    def index_groups(self, toks: list[_Tok]) -> list[list[_Tok]]:
        groups: list[list[_Tok]] = []
        current: list[_Tok] = []
        for tok in toks:
            if tok.kind == "op" and tok.text == ",":
                groups.append(current)
                current = []
            else:
                current.append(tok)
        groups.append(current)
        return groups

    def index_value(self, group: list[_Tok], toks: list[_Tok], start: int, bound: set[str]) -> sp.Expr:
        if not group:
            self.fail("empty index", toks[0])
        for tok in group:
            if tok.kind == "letter" and tok.text not in bound:
                self.facts.indices.add(tok.text)
        saved = (self.pos, self.limit)
        first = self.toks.index(group[0], start)
        last = self.toks.index(group[-1], first) + 1
        self.pos, self.limit = first, last
        value = self.expr()
        if self.pos < self.limit:
            self.fail("this index is not read", self.toks[self.pos])
        self.pos, self.limit = saved
        if _is_matrix(value) or any(not (s.name in bound or s.name in self.facts.indices or s.is_integer)
                                    for s in value.free_symbols):
            self.fail("an index must be an integer expression", group[0])
        return value

    def entry(self, base: str, indices: list[sp.Expr], t: _Tok) -> sp.Basic:
        """``v_i`` of a declared vector, ``X_{ij}`` of a declared matrix: the entry (indices from 1)."""
        m = self.ctx.matrix(base)
        rows, cols = m.shape
        if len(indices) == 1 and (cols == 1 or rows == 1):
            return m[indices[0] - 1, 0] if cols == 1 else m[0, indices[0] - 1]
        if len(indices) == 2:
            return m[indices[0] - 1, indices[1] - 1]
        self.fail(f"{base} is declared {rows} x {cols}: give {'one index' if cols == 1 else 'two indices'}", t)

    def resolve(self, name: str, base: str, t: _Tok) -> sp.Basic:
        ctx = self.ctx
        for bound_name, sym in reversed(self.bound):
            if bound_name == name:
                return sym
        if name in ctx.identities:
            return sp.Identity(ctx.dimension(ctx.identities[name]))
        if base == "I" and name.startswith("I_") and name[2:] in ctx.sizes | self.facts.sizes and name not in ctx.domains:
            return sp.Identity(ctx.symbol(name[2:]))
        if name in ctx.shapes:
            if self.is_op("(") and name not in ctx.functions:
                pass  # X(a+b): a matrix times a group
            return ctx.matrix(name)
        root = name.split("_")[0]
        if not ctx.is_scalar_name(name) and self.primes_then_call():
            self.facts.called.add(name)
        callable_name = name in ctx.functions or (
            (name in FUNCTION_LETTERS or base in FUNCTION_LETTERS or root in FUNCTION_LETTERS
             or name in ctx.called or name in self.facts.called) and not ctx.is_scalar_name(name)) or (
            name in DENSITY_LETTERS and not ctx.is_scalar_name(name) and self.single_name_in_parens())
        if callable_name:
            primes, width = self.prime_marks()
            self.pos += width
            call = self.call_args(name, t)
            if call is not None:
                return self.apply(name, call, primes, t)
            if primes:
                self.fail(f"{name}' without an argument is not read", t, hint=f"write {name}'(x)")
            if self.implicit_arguments and name not in ctx.functions:
                if any(_is_matrix(a) for a in self.implicit_arguments):
                    self.fail(f"{name} here is an unknown function of a vector or matrix, which is not read", t,
                              hint=f"define it in the declarations (% derive: {name}(w) := ...) or write it out")
                return sp.Function(name)(*self.implicit_arguments)
            if name in ctx.functions and self.implicit_arguments is not None:
                fdef = ctx.functions[name]
                if any(_is_matrix(q) for q in fdef.params):
                    return fdef.body
                return sp.Function(name)(*fdef.params)
        if name == "e" and "e" not in ctx.domains and "e" not in ctx.definitions:
            return sp.E
        if name == "pi" and "pi" not in ctx.domains and "pi" not in ctx.definitions:
            return sp.pi
        if name == "infty":
            if not self.allow_infinity:
                self.fail("\\infty is read only as a limit of a sum", t)
            return sp.oo
        return ctx.symbol(name)

    def prime_marks(self, k: int = 0) -> tuple[int, int]:
        """(primes, tokens) of the marks at offset ``k``: ``'``, ``''``, ``^\\prime``, ``^{\\prime\\prime}``."""
        primes = width = 0
        while True:
            if self.is_op("'", k + width):
                primes += 1
                width += 1
            elif self.is_op("^", k + width) and self.peek(k + width + 1).kind == "cmd" \
                    and self.peek(k + width + 1).text == "prime":
                primes += 1
                width += 2
            elif self.is_op("^", k + width) and self.is_op("{", k + width + 1):
                inner = 0
                while self.peek(k + width + 2 + inner).kind == "cmd" and self.peek(k + width + 2 + inner).text == "prime":
                    inner += 1
                if inner == 0 or not self.is_op("}", k + width + 2 + inner):
                    return primes, width
                primes += inner
                width += 3 + inner
            else:
                return primes, width

    def primes_then_call(self) -> bool:
        """Primes then ``(``: the name is a function (``\\sigma'(z)``, ``\\sigma^\\prime(z)``)."""
        primes, k = self.prime_marks()
        return primes > 0 and (self.is_op("(", k) or (self.is_op("{", k) and self.is_op("(", k + 1)))

    def resolve_plain(self, name: str, t: _Tok) -> sp.Basic:
        """A name built by a mark (``theta_star``): a matrix if declared so, else a scalar."""
        if name in self.ctx.shapes:
            return self.ctx.matrix(name)
        return self.ctx.symbol(name)

    def single_name_in_parens(self) -> bool:
        """``(x)``, ``(\\theta)``, ``(x_i)`` follows: ``p(\\theta)`` is a density, ``p(1-p)`` a product."""
        k = 1
        wrapped = self.is_op("{") and self.is_op("(", 1)
        if wrapped:
            k = 2
        elif not self.is_op("("):
            return False
        close = self.group_end(self.pos + k - 1)
        if any(x.kind == "cmd" and x.text == "mid" for x in self.toks[self.pos + k:close]):
            return True  # p(x \mid \theta): a conditional density, a call
        first = self.peek(k)
        if not (first.kind == "letter" or (first.kind == "cmd" and first.text in GREEK)):
            return False
        k += 1
        if self.is_op("_", k):
            k += 1
            if self.is_op("{", k):
                k += 2
                if not self.is_op("}", k):
                    return False
            k += 1
        return self.is_op(")", k) and (not wrapped or self.is_op("}", k + 1))

    def data_lists(self, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """``x_1, \\dots, x_n`` among a call's arguments (``p(\\mu \\mid x_1, \\dots, x_n)``): the sample
        ``x`` as one argument, marked ``(index of the letter, -1)``; a ``\\dots`` elsewhere is refused."""
        out: list[tuple[int, int]] = []
        k = 0
        while k < len(pieces):
            a, b = pieces[k]
            toks = self.toks[a:b]
            if len(toks) == 1 and toks[0].kind == "cmd" and toks[0].text in ("dots", "ldots", "cdots"):
                if not out or k + 1 >= len(pieces):
                    self.fail("'\\dots' is not read here", toks[0], hint="write the sample as x_1, \\dots, x_n")
                first, last = self.toks[out[-1][0]:out[-1][1]], self.toks[pieces[k + 1][0]:pieces[k + 1][1]]
                if not (len(first) >= 3 and len(last) >= 3 and first[0].text == last[0].text
                        and first[0].kind in ("letter", "cmd") and first[1].text == "_" and last[1].text == "_"):
                    self.fail("'\\dots' is not read here", toks[0], hint="write the sample as x_1, \\dots, x_n")
                out[-1] = (out[-1][0], -1)
                k += 2
                continue
            out.append((a, b))
            k += 1
        return out

    def call_args(self, name: str, t: _Tok) -> list[sp.Basic] | None:
        """``(a, b)`` (or ``{\\left(a\\right)}``) after a callable name; None if there is none."""
        if self.is_op("("):
            open_index = self.pos
            wrapped = False
        elif self.is_op("{") and self.peek(1).text == "(" and self.peek(1).kind == "op":
            open_index = self.pos + 1
            wrapped = True
        else:
            return None
        close = self.group_end(open_index)
        if wrapped and not (close + 1 < self.limit and self.toks[close + 1].text == "}"):
            return None
        args: list[sp.Basic] = []
        k = open_index + 1
        depth = 0
        start = k
        pieces: list[tuple[int, int]] = []
        while k < close:
            tok = self.toks[k]
            if tok.kind == "op" and tok.text in "([{":
                depth += 1
            elif tok.kind == "op" and tok.text in ")]}":
                depth -= 1
            elif depth == 0 and ((tok.kind == "op" and tok.text in ",;") or (tok.kind == "cmd" and tok.text == "mid")):
                # p(x \mid \theta), L(\theta; x): the conditioning bar separates arguments like a comma
                pieces.append((start, k))
                start = k + 1
            elif tok.kind == "op" and tok.text == "|" and depth == 0 and self.bars == 0 and name not in ("",):
                pass
            k += 1
        pieces.append((start, close))
        pieces = self.data_lists(pieces)
        for a, b in pieces:
            if a == b:
                self.fail(f"an empty argument of {name}", self.toks[a])
            if b == -1:  # x_1, \dots, x_n: the sample x as one argument
                args.append(self.ctx.symbol(self.toks[a].text))
                continue
            with self.region(a, b):
                saved = (self.bars, self.norms)
                self.bars = self.norms = 0
                args.append(self.expr())
                self.bars, self.norms = saved
        self.pos = close + (2 if wrapped else 1)
        return args

    def apply(self, name: str, args: list[sp.Basic], primes: int, t: _Tok) -> sp.Basic:
        fdef = self.ctx.functions.get(name)
        if fdef is not None and len(args) != len(fdef.params):
            self.fail(f"{name} is defined with {len(fdef.params)} argument(s), called with {len(args)}", t)
        if fdef is not None and any(_is_matrix(q) for q in fdef.params):
            # A function of a vector or matrix is substituted here: SymPy has no unknown function of one.
            if primes:
                self.fail(f"{name}' of a vector or matrix is not read", t, hint=f"write \\nabla_w {name}(w)")
            for q, a in zip(fdef.params, args):
                if _is_matrix(q) != _is_matrix(a) or (_is_matrix(q) and q.shape != a.shape):
                    self.fail(f"{name} is defined for {getattr(q, 'shape', 'a scalar')}, called with "
                              f"{getattr(a, 'shape', 'a scalar')}", t)
            return fdef.body.xreplace(dict(zip(fdef.params, args)))
        args = [_scalar(a) for a in args]
        if any(_is_matrix(a) for a in args):
            self.fail(f"{name} applied to a matrix is not read", t)
        f = sp.Function(name)
        if not primes:
            return f(*args)
        if len(args) != 1:
            self.fail("primes on a function of several arguments are not read", t,
                      hint="write \\frac{\\partial f}{\\partial x}")
        (arg,) = args
        if isinstance(arg, sp.Symbol):
            return sp.Derivative(f(arg), (arg, primes))
        u = sp.Symbol("_u", real=True)
        return sp.Subs(sp.Derivative(f(u), (u, primes)), u, arg)

    # -- commands

    def command(self) -> sp.Basic:
        t = self.next()
        name = t.text
        if name in GREEK:
            if name == "Gamma" and (self.is_op("(") or (self.is_op("{") and self.peek(1).text == "(")) \
                    and "Gamma" not in self.ctx.domains and "Gamma" not in self.ctx.shapes:
                args = self.call_args("Gamma", t)
                assert args is not None
                if len(args) != 1:
                    self.fail("\\Gamma takes one argument", t)
                return vocab.call("gamma", [_scalar(args[0])], vocab.line_span(self.src, t.start, t.end))
            return self.named(name, t)
        if name in DECORATIONS:
            if self.peek(1).kind == "digit" and self.is_op("{") and self.is_op("}", 2):
                return self.bold_digit(t)
            shown = self.decorated(t)
            if shown == "E_bold" and expect.bare_e_is_operator(self):  # \mathbf{E}[X]
                return self.moment_operator(t, "E")
            return self.named(shown, t)
        if name in ("mathrm", "operatorname", "mathit", "textnormal", "text", "textrm", "mbox", "textit"):
            return self.operator_name(t)
        if name in ("frac", "dfrac", "tfrac"):
            return self.fraction(t)
        if name == "sqrt":
            return self.root(t)
        if name in ("binom", "dbinom", "tbinom"):
            n = _scalar(self.read_arg("the top of \\binom"))
            k = _scalar(self.read_arg("the bottom of \\binom"))
            if _is_matrix(n) or _is_matrix(k):
                self.fail("\\binom of a matrix", t)
            return vocab.call("binomial", [n, k], vocab.line_span(self.src, t.start, t.end))
        if name in _FUNCTIONS:
            return self.function(t, _FUNCTIONS[name])
        if name == "det":
            return self.matrix_function(t, "det")
        if name in _BIG:
            return self.big(t)
        if name == "partial":
            return self.partial(t)
        if name == "nabla":
            return self.nabla(t)
        if name == "infty":
            return self.resolve("infty", "infty", t)
        if name == "mathbb":
            start, end = self.arg_range("the letter of \\mathbb")
            letter = "".join(x.text for x in self.toks[start:end])
            if letter in ("E", "V"):
                return self.moment_operator(t, "E" if letter == "E" else "Var")
            if letter == "E":
                self.fail("expectations are not read", t, hint=_REFUSED_OPERATORS["E"], end=self.toks[self.pos - 1].end)
            self.fail(f"\\mathbb{{{letter}}} is not read in a term", t, end=self.toks[self.pos - 1].end)
        if name in _REFUSED_OPERATORS:
            self.fail(f"'\\{name}' is not read", t, hint=_REFUSED_OPERATORS[name])
        self.fail(f"unknown command '\\{name}'", t, hint="derive reads a fixed list of LaTeX commands; "
                  "see 'derive parse --help'")

    def moment_operator(self, t: _Tok, kind: str) -> sp.Basic:
        """An expectation, a variance or a covariance: read by ``derive.parse.expectation``."""
        return expect.read_operator(self, t, kind)

    def decorated(self, t: _Tok) -> str:
        kind = DECORATIONS[t.text]
        start, end = self.arg_range(f"the argument of \\{t.text}")
        toks = self.toks[start:end]
        if len(toks) == 1 and (toks[0].kind == "letter" or (toks[0].kind == "cmd" and toks[0].text in GREEK)):
            inner = toks[0].text
        elif len(toks) >= 2 and toks[0].kind == "cmd" and toks[0].text in DECORATIONS:
            saved = (self.pos, self.limit)
            self.pos, self.limit = start + 1, end
            inner = self.decorated(toks[0])
            if self.pos < self.limit:
                self.fail("a decoration of more than a name is not read", toks[0])
            self.pos, self.limit = saved
        elif len(toks) == 1 and toks[0].kind == "digit" and kind == "bold" and toks[0].text in "01":
            return "zero_bold" if toks[0].text == "0" else "ones_bold"
        else:
            self.fail(f"\\{t.text} of more than one letter is not read", t,
                      hint=f"write \\{t.text}{{x}} or \\{t.text}\\beta")
        name = f"{inner}_{kind}"
        if kind in ("bold", "vec") and not self.ctx.is_scalar_name(name) and inner in self.ctx.shapes:
            return inner  # \mathbf{A} for a declared A: a font for the same matrix, not a new name
        return name

    def bold_digit(self, t: _Tok) -> sp.Basic:
        """``\\mathbf{0}``: zero (a zero vector equals 0 in an equation); ``\\mathbf{1}``: the vector of
        ones of the declared shape (``% derive: \\mathbf{1} \\in \\mathbb{R}^{n}``)."""
        name = self.decorated(t)
        if name == "zero_bold":
            return sp.Integer(0)
        if name not in self.ctx.shapes:
            self.fail("\\mathbf{1} (the ones vector) needs its size", t,
                      hint="declare it: % derive: \\mathbf{1} \\in \\mathbb{R}^{n}")
        ones = self.ctx.matrix(name)
        return sp.OneMatrix(*ones.shape)

    def operator_name(self, t: _Tok) -> sp.Basic:
        if t.text == "operatorname" and self.is_op("*"):
            self.next()  # \operatorname*{arg\,max}: the star only places the limits
        start, end = self.arg_range(f"the name in \\{t.text}")
        toks = self.toks[start:end]
        words = t.text in ("text", "textrm", "mbox", "textit") and bool(toks) and any(
            ch.isspace() for ch in self.src[toks[0].start:toks[-1].end])
        if words or not toks or not all(x.kind in ("letter", "digit") for x in toks):
            self.fail(f"\\{t.text} needs a plain name" if t.text not in ("text", "textrm", "mbox", "textit")
                      else "text inside mathematics is not read", t,
                      hint="\\text{name} is read as a name or an operator (\\text{tr}(A)); words belong outside the display")
        name = "".join(x.text for x in toks)
        if name in _TRACE_NAMES:
            return self.matrix_function(t, "tr")
        if name == "det":
            return self.matrix_function(t, "det")
        if name in ("E", "Var", "Cov", "V"):
            return self.moment_operator(t, "Var" if name == "V" else name)
        if name in _REFUSED_OPERATORS:
            self.fail(f"'{name}' is not read", t, hint=_REFUSED_OPERATORS[name])
        if name in ("d",):
            self.fail("a differential d is read only in \\frac{d}{dx}", t)
        if name in _FUNCTIONS:
            return self.function(t, _FUNCTIONS[name])
        if name in vocab.FUNCTIONS and name not in vocab.CALLABLE_VARIABLES:
            return self.function(t, name)
        if len(name) == 1:
            return self.named(name, t)
        if self.is_op("(") or name in self.ctx.functions:
            args = self.call_args(name, t)
            if args is not None:
                return self.apply(name, args, 0, t)
        return self.named(name, t)

    def implicit_argument(self, t: _Tok) -> sp.Basic:
        """The argument of ``\\log x_i``, ``\\exp{-x}``, ``\\sin 2x``: the next product of factors."""
        if self.at_end() or not self.starts_factor():
            if self.is_op("-"):
                self.next()
                return self.negate(self.implicit_argument(t))
            self.fail(f"\\{t.text} has no argument", t, hint=f"write \\{t.text}(x)")
        if self.is_op("{"):
            return self.brace()
        acc = self.factor()
        while self.starts_factor():
            nxt = self.peek()
            if nxt.kind == "cmd" and (nxt.text in _FUNCTIONS or nxt.text in _BIG or nxt.text in
                                      ("frac", "dfrac", "tfrac", "det", "operatorname", "mathrm", "partial",
                                       "nabla")):
                break
            if nxt.kind == "op" and nxt.text in ("(", "["):
                break
            acc = self.mul(acc, self.factor(), nxt)
        return acc

    def function_argument(self, t: _Tok) -> sp.Basic:
        if self.is_op("(") or self.is_op("["):
            return self.paren()
        if self.is_op("{") and self.peek(1).text in ("(",) and self.peek(1).kind == "op":
            close = self.group_end(self.pos)
            inner_close = self.group_end(self.pos + 1)
            if inner_close + 1 == close:
                self.next()
                value = self.paren()
                self.next()
                return value
        return self.implicit_argument(t)

    def function(self, t: _Tok, name: str) -> sp.Basic:
        base: sp.Basic | None = None
        power: sp.Basic | None = None
        for _ in range(2):
            if self.is_op("_") and name == "log" and base is None:
                self.next()
                base = _scalar(self.read_arg("the base of the logarithm"))
            elif self.is_op("^") and power is None:
                if (self.peek(1).text == "{" and self.peek(2).text == "-" and self.peek(3).text == "1"
                        and self.peek(4).text == "}") or (self.peek(1).text == "-"):
                    if name in _INVERSE:
                        self.next()
                        if self.is_op("{"):
                            self.pos = self.group_end(self.pos) + 1
                        else:
                            self.next()
                            self.next()
                        name = _INVERSE[name]
                        continue
                self.next()
                power = self.read_arg("the power")
        span = vocab.line_span(self.src, t.start, t.end)
        if name in ("max", "min"):
            if not self.is_op("("):
                self.fail(f"\\{name} with a subscript or without brackets is not read", t,
                          hint=f"write \\{name}(a, b)")
            args = self.call_args(name, t)
            assert args is not None
            value = vocab.call(name, [_scalar(a) for a in args], span)
        else:
            arg = _scalar(self.function_argument(t))
            if _is_matrix(arg):
                self.fail(f"\\{t.text} of a matrix is not read", t, hint="elementwise functions are not read")
            value = vocab.call(name, [arg] + ([base] if base is not None else []), span)
        if power is not None:
            value = vocab.power(value, _scalar(power), span)
        return value

    def matrix_function(self, t: _Tok, which: str) -> sp.Basic:
        arg = self.function_argument(t)
        if not _is_matrix(arg):
            if which == "tr" and not arg.free_symbols - {s for s in arg.free_symbols if not s.is_commutative}:
                return arg
            self.fail(f"{'trace' if which == 'tr' else 'determinant'} of a scalar: declare the matrix's shape", t,
                      hint="% derive: A \\in \\mathbb{R}^{n\\times n}")
        if arg.shape[0] != arg.shape[1]:
            self.fail(f"{'trace' if which == 'tr' else 'determinant'} of a matrix that is not square", t)
        return sp.Trace(arg) if which == "tr" else sp.Determinant(arg)

    def root(self, t: _Tok) -> sp.Basic:
        degree: sp.Basic | None = None
        if self.is_op("["):
            close = self.group_end(self.pos)
            with self.region(self.pos + 1, close):
                degree = self.expr()
            self.pos = close + 1
        arg = _scalar(self.read_arg("the argument of \\sqrt"))
        if _is_matrix(arg):
            self.fail("the square root of a matrix is not read", t)
        span = vocab.line_span(self.src, t.start, t.end)
        if degree is None:
            return sp.sqrt(arg)
        return vocab.power(arg, vocab.power(_scalar(degree), sp.Integer(-1), span), span)

    # -- sums and products

    def big(self, t: _Tok) -> sp.Basic:
        index: str | None = None
        lower: sp.Basic = sp.Integer(1)
        upper: sp.Basic | None = None
        for _ in range(2):
            if self.is_op("_") and index is None:
                self.next()
                start, end = self.arg_range(f"the index of \\{t.text}")
                toks = self.toks[start:end]
                if not toks or toks[0].kind not in ("letter",) or (len(toks) > 1 and toks[1].text != "="):
                    self.fail(f"\\{t.text} needs an index such as i or i=1", t,
                              hint="write \\sum_{i=1}^{n}; sums over sets or pairs are not read")
                index = toks[0].text
                if len(toks) > 1:
                    if len(toks) == 2:
                        self.fail("the lower limit is missing", toks[1])
                    saved = self.pos
                    with self.region(start + 2, end):
                        lower = _scalar(self.expr())
                    self.pos = saved
            elif self.is_op("^") and upper is None:
                self.next()
                self.allow_infinity = True
                upper = _scalar(self.read_arg(f"the upper limit of \\{t.text}"))
                self.allow_infinity = False
        if index is None:
            index = self.index_in_body()
        if index is None:
            self.fail(f"\\{t.text} without an index is not read", t, hint="write \\sum_{i=1}^{n}")
        if upper is None:
            upper = self.ctx.symbol("n") if "n" in self.ctx.domains else sp.Symbol("n", integer=True, positive=True)
            self.facts.sizes.add("n")
        bound_names = {b for b, _ in self.bound}
        for s in getattr(upper, "free_symbols", set()):
            if isinstance(s, sp.Symbol) and s.name not in bound_names and s.name not in self.ctx.domains:
                self.facts.sizes.add(s.name)
        if _is_matrix(lower) or _is_matrix(upper):
            self.fail("matrix limits", t)
        if lower.has(sp.oo, -sp.oo):
            self.fail("an infinite lower limit is not read", t)
        self.facts.indices.add(index)
        sym = sp.Symbol(index, integer=True)
        self.bound.append((index, sym))
        try:
            if self.at_end() or not self.starts_factor():
                if self.is_op("-"):
                    self.next()
                    body = self.negate(self.term(stop_index=index))
                else:
                    self.fail(f"\\{t.text} has no body", t)
            else:
                body = self.term(stop_index=index)
        finally:
            self.bound.pop()
        body = _scalar(body)
        if _is_matrix(body) and t.text == "prod":
            self.fail("a product of matrices over an index is not read", t)
        return (sp.Sum if t.text == "sum" else sp.Product)(body, (sym, lower, upper))

    def index_in_body(self) -> str | None:
        """``\\sum x_i``: the index letter subscripted in the body (before the next top-level + or -)."""
        depth = 0
        for k in range(self.pos, self.limit):
            tok = self.toks[k]
            if tok.kind == "op" and tok.text in "([{":
                depth += 1
            elif tok.kind == "op" and tok.text in ")]}":
                depth -= 1
                if depth < 0:
                    return None
            elif depth == 0 and ((tok.kind == "op" and tok.text in "+-=<>,") or (tok.kind == "cmd" and (
                    tok.text in _RELATIONS or tok.text in _BIG))):
                return None
            elif tok.kind == "op" and tok.text == "_" and k + 1 < self.limit:
                nxt = self.toks[k + 1]
                if nxt.kind == "op" and nxt.text == "{" and k + 3 < self.limit and self.toks[k + 3].text == "}":
                    nxt = self.toks[k + 2]
                if nxt.kind == "letter" and nxt.text in INDEX_LETTERS | {"t"}:
                    return nxt.text
        return None

    # -- derivatives

    def is_d(self, k: int = 0) -> int:
        """Tokens taken by a differential mark at offset ``k`` (``d``, ``\\mathrm{d}``, ``\\partial``), or 0."""
        t = self.peek(k)
        if self.pos + k >= self.limit:
            return 0
        if t.kind == "letter" and t.text == "d" and "d" not in self.ctx.domains:
            return 1
        if t.kind == "cmd" and t.text == "partial":
            return 1
        if t.kind == "cmd" and t.text in ("mathrm", "operatorname") and self.peek(k + 1).text == "{" \
                and self.peek(k + 2).text == "d" and self.peek(k + 3).text == "}":
            return 4
        if t.kind == "cmd" and t.text == "mathrm" and self.peek(k + 1).kind == "letter" and self.peek(k + 1).text == "d":
            return 2
        return 0

    def fraction(self, t: _Tok) -> sp.Basic:
        top = self.arg_range("the numerator of \\frac")
        bottom = self.arg_range("the denominator of \\frac")
        after = self.pos
        if top[0] == top[1] or bottom[0] == bottom[1]:
            self.fail("an empty numerator or denominator", t)
        saved_pos = self.pos
        self.pos = top[0]
        saved_limit = self.limit
        self.limit = top[1]
        d_top = self.is_d()
        self.pos, self.limit = bottom[0], bottom[1]
        d_bottom = self.is_d()
        self.pos, self.limit = saved_pos, saved_limit
        if d_top and d_bottom:
            return self.fraction_derivative(t, top, bottom, after)
        self.pos = after
        with self.region(top[0], top[1]):
            num = self.expr()
        with self.region(bottom[0], bottom[1]):
            den = self.expr()
        self.pos = after
        return self.divide(num, den, t)

    def derivative_variables(self, start: int, end: int, t: _Tok) -> list[tuple[sp.Basic, int, bool]]:
        """``dx``, ``\\partial x \\partial y``, ``dx^2``, ``\\partial \\sigma^2``: (variable, power, squared?)."""
        out: list[tuple[sp.Basic, int, bool]] = []
        saved = (self.pos, self.limit)
        self.pos, self.limit = start, end
        while not self.at_end():
            width = self.is_d()
            if not width:
                self.fail("a derivative's denominator must be d or \\partial and a variable", self.peek())
            self.pos += width
            if self.at_end():
                self.fail("the variable of the derivative is missing", self.toks[self.pos - 1])
            var = self.variable()
            power = 1
            if self.is_op("^"):
                self.next()
                power = self.read_order(self.toks[self.pos - 1])
            out.append((var, power, False))
        self.pos, self.limit = saved
        return out

    def variable(self) -> sp.Basic:
        """A differentiation variable: a name with its subscript (no call, no power)."""
        t = self.next()
        if t.kind == "letter":
            return self.named_variable(t.text, t)
        if t.kind == "cmd" and t.text in GREEK:
            return self.named_variable(t.text, t)
        if t.kind == "cmd" and t.text in DECORATIONS:
            return self.named_variable(self.decorated(t), t)
        if t.kind == "op" and t.text == "{":
            close = self.group_end(self.pos - 1)
            name = self.braced_name(self.pos - 1, close)
            if name is not None:
                self.pos = close + 1
                return self.named_variable(name, t)
            with self.region(self.pos, close):
                value = self.variable()
            self.pos = close + 1
            return value
        self.fail("a derivative's variable must be a name", t)

    def named_variable(self, base: str, t: _Tok) -> sp.Basic:
        value = self.named_no_call(base, t)
        if not (isinstance(value, (sp.Symbol, sp.Indexed)) or isinstance(value, sp.MatrixSymbol)):
            self.fail("a derivative's variable must be a name", t)
        return value

    def named_no_call(self, base: str, t: _Tok) -> sp.Basic:
        sub = self.subscript_tokens()
        if sub is not None:
            toks, start, end = sub
            indexed = self.indexed(base, toks, start, end, t)
            if indexed is not None:
                return indexed
            base = f"{base}_{self.subscript_name(toks, t)}"
        for bound_name, sym in reversed(self.bound):
            if bound_name == base:
                return sym
        if base in self.ctx.shapes:
            return self.ctx.matrix(base)
        return self.ctx.symbol(base)

    def read_order(self, t: _Tok) -> int:
        """The order after ``^`` in ``d^2`` or ``dx^2``: a whole number from 1 to 10."""
        p = self.read_arg("the order")
        if not (p.is_Integer and 1 <= int(p) <= 10):
            self.fail("the order must be a whole number from 1 to 10", t)
        return int(p)

    def fraction_derivative(self, t: _Tok, top: tuple[int, int], bottom: tuple[int, int], after: int) -> sp.Basic:
        saved = (self.pos, self.limit)
        self.pos, self.limit = top
        self.pos += self.is_d()
        order = 1
        if self.is_op("^"):
            self.next()
            order = self.read_order(t)
        rest = (self.pos, self.limit)
        self.pos, self.limit = saved
        variables = self.derivative_variables(bottom[0], bottom[1], t)
        self.pos = after
        if rest[0] < rest[1]:
            saved = (self.pos, self.limit)
            self.pos, self.limit = rest
            body = self.numerator_function(variables, t)
            if self.pos < self.limit:
                self.fail(f"cannot read {self.toks[self.pos].text!r} in the numerator", self.toks[self.pos])
            self.pos, self.limit = saved
            self.pos = after
        else:
            body = None
        return self.derivative(body, variables, order, t)

    def numerator_function(self, variables: list[tuple[sp.Basic, int, bool]], t: _Tok) -> sp.Basic:
        """``f`` in ``\\frac{\\partial f}{\\partial x}``: a bare undeclared name is a function of the variables."""
        args: list[sp.Basic] = []
        for v, _, _ in variables:
            if v not in args:
                args.append(v)
        first = self.peek()
        if (first.kind == "letter" or (first.kind == "cmd" and (first.text in GREEK or first.text in DECORATIONS))) \
                and self.limit - self.pos >= 1:
            save = self.pos
            if first.kind == "cmd" and first.text in DECORATIONS:
                self.next()
                name = self.decorated(first)
            else:
                self.next()
                name = first.text
            sub = self.subscript_tokens() if self.is_op("_") else None
            if sub is not None and not any(x.text in {b for b, _ in self.bound} for x in sub[0]):
                name = f"{name}_{self.subscript_name(sub[0], first)}"
            elif sub is not None:
                self.pos = save
                return self.expr()
            if self.at_end():
                ctx = self.ctx
                if name in ctx.functions:
                    params = ctx.functions[name].params
                    scalar_args = [a for a in args if not _is_matrix(a)]
                    return sp.Function(name)(*(scalar_args if len(scalar_args) == len(params) else params))
                if not ctx.is_scalar_name(name) and not (name == "e" or name == "pi"):
                    if any(_is_matrix(a) for a in args):
                        self.fail(f"{name} here is an unknown function of a vector or matrix, which is not read",
                                  first, hint=f"define it in the declarations (% derive: {name}(w) := ...)")
                    return sp.Function(name)(*args)
            self.pos = save
        self.implicit_arguments = args
        try:
            return self.expr()
        finally:
            self.implicit_arguments = None

    def derivative(self, body: sp.Basic | None, variables: list[tuple[sp.Basic, int, bool]], order: int,
                   t: _Tok) -> sp.Basic:
        total = sum(p for _, p, _ in variables)
        squared: sp.Symbol | None = None
        if total != order:
            if order == 1 and len(variables) == 1 and variables[0][1] == 2 and isinstance(variables[0][0], sp.Symbol):
                squared = variables[0][0]
            else:
                self.fail(f"the derivative's order {order} does not match its denominator ({total})", t)
        if body is None:
            if self.at_end() or not self.starts_factor():
                self.fail("the derivative has nothing to differentiate", t, hint="write \\frac{d}{dx} f(x)")
            args: list[sp.Basic] = []
            for v, _, _ in variables:
                if v not in args:
                    args.append(v)
            saved_implicit = self.implicit_arguments
            self.implicit_arguments = args
            try:
                body = self.term(stop_index=None)
            finally:
                self.implicit_arguments = saved_implicit
        body = self.bare_function(body, variables, t)
        return self.build_derivative(body, variables, squared, t)

    def bare_function(self, body: sp.Basic, variables: list[tuple[sp.Basic, int, bool]], t: _Tok) -> sp.Basic:
        """``\\nabla_w E``, ``\\frac{d}{dx} y``: a bare undeclared name is an unknown function of the variables
        (its derivative is not 0); refused when a variable is a vector or matrix."""
        if not isinstance(body, sp.Symbol) or self.ctx.is_scalar_name(body.name) or body.name in self.ctx.sizes \
                or any(body == v for v, _, _ in variables) or body.name in {b for b, _ in self.bound}:
            return body
        args: list[sp.Basic] = []
        for v, _, _ in variables:
            if v not in args:
                args.append(v)
        if any(_is_matrix(a) for a in args):
            self.fail(f"{body.name} here is an unknown function of a vector or matrix, which is not read", t,
                      hint=f"define it in the declarations (% derive: {body.name}(w) := ...) or write it out")
        return sp.Function(body.name)(*args)

    def build_derivative(self, body: sp.Basic, variables: list[tuple[sp.Basic, int, bool]],
                         squared: sp.Symbol | None, t: _Tok) -> sp.Basic:
        if squared is not None:
            s = sp.Symbol(f"{squared.name}^2", positive=True)
            root = sp.sqrt(s)
            inner = _scalar(body).xreplace({squared: root})
            return sp.Subs(sp.Derivative(inner, s), s, squared ** 2)
        if any(_is_matrix(v) for v, _, _ in variables):
            body = _scalar(body)
            if _is_matrix(body):
                self.fail("the derivative of a matrix by a matrix is not read", t,
                          hint="differentiate a scalar function of the vector or matrix")
            if len(variables) != 1 or variables[0][1] != 1:
                self.fail("only first derivatives by one vector or matrix are read", t)
            return sp.Derivative(body, variables[0][0])
        body = _scalar(body)
        if _is_matrix(body):
            self.fail("derivatives of matrices by scalars are not read", t)
        spec = [(v, p) if p > 1 else v for v, p, _ in reversed(variables)]
        return sp.Derivative(body, *spec)

    def slash_derivative(self, t: _Tok) -> sp.Basic:
        """``d/dx body`` and ``\\partial/\\partial x body``."""
        self.expect("/", "after the differential")
        width = self.is_d()
        if not width:
            self.fail("expected d or \\partial after '/'", self.peek())
        self.pos += width
        var = self.variable()
        power = 1
        if self.is_op("^"):
            self.next()
            power = self.read_order(t)
        variables = [(var, power, False)]
        return self.derivative(None, variables, 1, t)

    def partial(self, t: _Tok) -> sp.Basic:
        if self.is_op("/"):
            return self.slash_derivative(t)
        if self.is_op("_"):
            self.next()
            start, end = self.arg_range("the variable of \\partial")
            close = self.pos
            with self.region(start, end):
                var = self.variable()
            self.pos = close
            return self.derivative(None, [(var, 1, False)], 1, t)
        self.fail("a lone \\partial is not read", t, hint="write \\frac{\\partial}{\\partial x} f")

    def nabla(self, t: _Tok) -> sp.Basic:
        if not self.is_op("_"):
            self.fail("\\nabla without a variable is not read", t, hint="write \\nabla_w f(w)")
        self.next()
        start, end = self.arg_range("the variable of \\nabla")
        close = self.pos
        with self.region(start, end):
            var = self.variable()
        self.pos = close
        if self.at_end() or not self.starts_factor():
            self.fail("\\nabla has nothing to differentiate", t)
        saved_implicit = self.implicit_arguments
        self.implicit_arguments = [var]
        try:
            body = self.term()
        finally:
            self.implicit_arguments = saved_implicit
        body = self.bare_function(body, [(var, 1, False)], t)
        return self.build_derivative(body, [(var, 1, False)], None, t)


# --- entry points -----------------------------------------------------------------------------------


def _check_size(expr: sp.Basic, src: str) -> None:
    span = vocab.line_span(src, 0, len(src))
    if vocab.expr_depth(expr) > vocab.MAX_TREE_DEPTH:
        raise ParseError(f"expression nested deeper than {vocab.MAX_TREE_DEPTH} levels", span=span)
    if expr.has(sp.zoo, sp.nan):
        raise ParseError("expression is undefined (division by zero?)", span=span)
    if expr.has(sp.I):
        raise ParseError("the expression has an imaginary value (the log or root of a negative number?)", span=span,
                         hint="derivations are read over the reals")
    for atom in expr.atoms(sp.Rational):
        if vocab._bits(atom) > vocab.MAX_NUMBER_BITS:
            raise ParseError(f"number too large: more than {vocab.MAX_NUMBER_BITS} bits", span=span)
    for node in sp.preorder_traversal(expr):
        if node in (sp.oo, -sp.oo):
            raise ParseError("infinity outside the limit of a sum", span=span)
        if isinstance(node, (sp.Sum, sp.Product)):
            break


def _name_latex(name: str) -> str | None:
    """LaTeX that reads back as the symbol ``name`` (``beta_hat_MLE`` -> ``\\hat{\\beta}_{MLE}``), or None
    when SymPy's own printing already does."""
    parts = name.split("_")
    if name.endswith("^2") or len(parts) < 2 or not any(p in _DECORATION_LATEX for p in parts[1:]):
        return None
    root = sp.latex(sp.Symbol(parts[0]))
    k = 1
    while k < len(parts) and parts[k] in _DECORATION_LATEX:
        root = _DECORATION_LATEX[parts[k]] % root
        k += 1
    rest = "".join(parts[k:])
    if not rest:
        return root
    if any(p in _DECORATION_LATEX for p in parts[k:]):
        return None
    sub = sp.latex(sp.Symbol(rest)) if rest in GREEK else rest
    return f"{root}_{{{sub}}}"


def _symbol_names(expr: sp.Basic) -> dict[sp.Basic, str]:
    out: dict[sp.Basic, str] = {}
    for s in expr.atoms(sp.Symbol, sp.MatrixSymbol):
        shown = _name_latex(s.name)
        if shown is not None:
            out[s] = shown
        elif s.name.endswith("^2"):
            out[s] = sp.latex(sp.Symbol(s.name[:-2])) + "^{2}"
    return out


def _printable(expr: sp.Basic) -> sp.Basic:
    """``expr`` with the reader's ``Subs`` forms put back as they are typed, for the echo.

    ``Subs(Derivative(b, s), s, sigma**2)`` prints as ``d/d sigma^2 b`` and
    ``Subs(Derivative(f(_u), _u), _u, a)`` as ``f'(a)``: both read back to the same tree.
    """
    def is_ours(e: sp.Basic) -> bool:
        if not isinstance(e, sp.Subs) or len(e.variables) != 1 or not isinstance(e.expr, sp.Derivative):
            return False
        (var,) = e.variables
        return var.name == "_u" or var.name.endswith("^2")

    def shown(e: sp.Subs) -> sp.Basic:
        (var,) = e.variables
        deriv = e.expr
        if var.name.endswith("^2"):
            return deriv
        inner = deriv.expr
        order = deriv.variable_count[0][1] if len(deriv.variable_count) == 1 else 1
        if isinstance(inner, sp.core.function.AppliedUndef) and len(inner.args) == 1:
            return sp.Function(inner.func.__name__ + "'" * int(order))(*e.point)
        return e

    return expr.replace(is_ours, shown)


class _Paren(sp.Expr):
    """A factor printed in parentheses in the echo (a derivative inside a product), nothing else."""

    is_commutative = True

    def _latex(self, printer: LatexPrinter) -> str:
        return r"\left(" + printer._print(self.args[0]) + r"\right)"


class _EchoPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the forms the reader reads back: ``\\frac{d y}{d x}``, ``f'(a)``,
    ``I_{p}``, nested sums, ``\\left(g(x)\\right)^{2}``."""

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        variables = [v for v, _ in expr.variable_count]
        partial = len(set(variables)) > 1 or len(expr.expr.free_symbols - set(variables)) > 0 \
            or any(isinstance(v, (sp.Indexed, MatrixExpr)) for v in variables)
        mark = r"\partial" if partial else "d"
        order = sum(int(c) for _, c in expr.variable_count)
        below = " ".join(f"{mark} {self._print(v)}" if c == 1 else f"{mark} {self.parenthesize_super(self._print(v))}^{{{c}}}"
                         for v, c in reversed(expr.variable_count))
        above = mark if order == 1 else f"{mark}^{{{order}}}"
        inner = expr.expr
        distinct: list[sp.Basic] = []
        for v in variables:
            if v not in distinct:
                distinct.append(v)
        if isinstance(inner, sp.core.function.AppliedUndef) and list(inner.args) == distinct \
                and inner.func.__name__ not in ("e", "pi"):
            return r"\frac{%s %s}{%s}" % (above, self._print(sp.Symbol(inner.func.__name__)), below)
        body = self._print(inner)
        if not (inner.is_Atom or isinstance(inner, (sp.Pow, sp.core.function.AppliedUndef, sp.Function))
                and not isinstance(inner, sp.Add)):
            body = r"\left(" + body + r"\right)"
        return r"\frac{%s}{%s} %s" % (above, below, body)

    def _print_Function(self, expr: sp.Basic, exp: str | None = None) -> str:
        name = expr.func.__name__
        if isinstance(expr, sp.core.function.AppliedUndef) and name.endswith("'"):
            base = name.rstrip("'")
            args = ", ".join(self._print(a) for a in expr.args)
            head = self._print(sp.Symbol(base)) + "'" * (len(name) - len(base))
            return head + r"{\left(" + args + r" \right)}" + (f"^{{{exp}}}" if exp else "")
        shown = _name_latex(name) if isinstance(expr, sp.core.function.AppliedUndef) else None
        if shown is not None:
            args = ", ".join(self._print(a) for a in expr.args)
            return shown + r"{\left(" + args + r" \right)}" + (f"^{{{exp}}}" if exp else "")
        out: str = super()._print_Function(expr, exp)
        return out

    def _print_Pow(self, expr: sp.Pow) -> str:
        if isinstance(expr.base, sp.Function) and not isinstance(expr.base, sp.exp) and expr.exp != sp.Rational(1, 2):
            return r"\left(%s\right)^{%s}" % (self._print(expr.base), self._print(expr.exp))
        out: str = super()._print_Pow(expr)
        return out

    def _print_MatrixElement(self, expr: sp.Basic) -> str:
        parent, i, j = expr.args
        if not isinstance(parent, sp.MatrixSymbol):
            out: str = super()._print_MatrixElement(expr)
            return out
        name = self._print(parent)
        if parent.shape[1] == 1:
            return r"{%s}_{%s}" % (name, self._print(i + 1))
        if parent.shape[0] == 1:
            return r"{%s}_{%s}" % (name, self._print(j + 1))
        return r"{%s}_{%s,%s}" % (name, self._print(i + 1), self._print(j + 1))

    def _print_OneMatrix(self, expr: sp.Basic) -> str:
        return r"\mathbf{1}"

    def _print_Identity(self, expr: sp.Identity) -> str:
        return r"I_{%s}" % self._print(expr.rows)

    def _print_Sum(self, expr: sp.Sum) -> str:
        return self._big(expr, r"\sum")

    def _print_Product(self, expr: sp.Product) -> str:
        return self._big(expr, r"\prod")

    def _big(self, expr: sp.Basic, mark: str) -> str:
        if mark == r"\sum" and len(expr.limits) == 1 and expr.limits[0][0].name == "_k" \
                and isinstance(expr.function, sp.Abs) and isinstance(expr.function.args[0], MatrixElement):
            parent = expr.function.args[0].parent
            return r"\|%s\|_{1}" % self._print(parent.T if isinstance(parent, sp.Transpose) else parent)
        heads = "".join(r"%s_{%s=%s}^{%s} " % (mark, self._print(i), self._print(a), self._print(b))
                        for i, a, b in reversed(expr.limits))
        body = self._print(expr.function)
        if isinstance(expr.function, (sp.Add, sp.Sum, sp.Product)) or (
                isinstance(expr.function, sp.Mul) and expr.function.could_extract_minus_sign()):
            body = r"\left(" + body + r"\right)"
        return heads + body


def _guard_products(expr: sp.Basic) -> sp.Basic:
    """Derivatives, sums and products inside a product wrapped so the echo keeps their extent."""
    def is_guarded_mul(e: sp.Basic) -> bool:
        return isinstance(e, sp.Mul) and sum(
            1 for a in e.args if isinstance(a, (sp.Derivative, sp.Sum, sp.Product, sp.Subs))) > 0 and len(e.args) > 1

    def wrap(e: sp.Mul) -> sp.Basic:
        args = [_Paren(a) if isinstance(a, (sp.Derivative, sp.Sum, sp.Product, sp.Subs)) else a for a in e.args]
        return sp.Mul(*args, evaluate=False)

    return expr.replace(is_guarded_mul, wrap)


def echo(expr: sp.Basic) -> str:
    """SymPy's LaTeX of a reading, in a form the reader reads back to the same tree
    (decorated names as typed, ``\\hat{\\beta}``; derivatives by ``\\sigma^2``; ``f'(g(x))``)."""
    shown = _guard_products(_printable(expr))
    return _EchoPrinter({"symbol_names": _symbol_names(shown)}).doprint(shown)


def _pass(src: str, tokens: list[_Tok], context: Context, facts: _Facts) -> tuple[sp.Basic, list[tuple[int, int]]]:
    reader = _Reader(src, tokens, context, facts)
    try:
        expr = reader.top()
    except RecursionError:
        raise _error(src, "expression nested too deeply", 0, len(src), hint="split the expression") from None
    except (sp.matrices.exceptions.ShapeError, ShapeError) as exc:
        raise _error(src, f"shapes do not conform: {exc}", 0, len(src)) from None
    except (TypeError, ValueError, NotImplementedError, ArithmeticError) as exc:
        # SymPy refusing to build a node (a matrix where only scalars go...): the term is not read.
        if isinstance(exc, ParseError):
            raise
        raise _error(src, f"cannot read this term: {' '.join(str(exc).split())[:200]}", 0, len(src),
                     hint="check the declared shapes and the operators") from None
    return expr, reader.terms


def _prepare(latex: str) -> str:
    if not isinstance(latex, str):
        raise ParseError(f"expected LaTeX text, got {type(latex).__name__}")
    if len(latex) > MAX_MATH_CHARS:
        raise ParseError(f"term too long: {len(latex)} characters (limit {MAX_MATH_CHARS})",
                         span=vocab.line_span(latex, MAX_MATH_CHARS), hint="split the step")
    text = latex.strip()
    if len(text) >= 2 and text[0] == "$" and text[-1] == "$":
        text = text.strip("$")
    return text


def learn(latexes: Iterable[str], context: Context) -> Context:
    """The context with what the terms teach: families of indexed data, sizes and indices.

    Read every side of a chain with the context ``learn`` returns, so that ``x_1`` on one side is
    indexed when ``x_i`` under a sum is on the other.
    """
    facts = _Facts()
    for latex in latexes:
        text = _prepare(latex)
        try:
            tokens = _tokenize(text)
            _pass(text, tokens, context.learned(facts.families, facts.sizes, facts.indices, facts.called), facts)
        except ParseError:
            continue
    return context.learned(facts.families, facts.sizes, facts.indices, facts.called)


def read_math(latex: str, context: Context | None = None) -> Reading:
    """Read one term (one side of a step, or an equation for a logical chain) into a Reading.

    Raises ParseError with the position for anything not read; never returns a partial reading.
    """
    ctx = context or Context()
    text = _prepare(latex)
    tokens = _tokenize(text)
    facts = _Facts()
    _pass(text, tokens, ctx, facts)  # learn families, sizes and indices
    ctx = ctx.learned(facts.families, facts.sizes, facts.indices, facts.called)
    final = _Facts()
    expr, terms = _pass(text, tokens, ctx, final)
    if final.families - ctx.families or final.sizes - ctx.sizes or final.indices - ctx.indices \
            or final.called - ctx.called:
        ctx = ctx.learned(final.families, final.sizes, final.indices, final.called)
        expr, terms = _pass(text, tokens, ctx, _Facts())
    _check_size(expr, text)
    offset = len(latex) - len(latex.lstrip())
    return Reading(expr, echo(expr), latex, ctx.expand(expr), tuple((a + offset, b + offset) for a, b in terms), ctx)


def read_terms(latexes: Iterable[str], context: Context | None = None) -> list[Reading]:
    """Read several terms (a chain's sides) with one shared context (families learned from all)."""
    items = list(latexes)
    ctx = learn(items, context or Context())
    return [read_math(x, ctx) for x in items]


# --- declarations -----------------------------------------------------------------------------------

_SETS = {"R": "real", "Z": "integer", "N": "natural", "Q": "real"}


def read_context(declarations: Iterable[Declaration]) -> Context:
    """The ``% derive:`` declarations as a Context; a bad one is a ParseError naming it and its line.

    Accepted: ``\\lambda > 0``, ``0 < p < 1``, ``x_i > 0`` (every ``x_i``: the family ``x``), ``\\sigma^2 > 0`` (sigma > 0), ``n \\in \\mathbb{N}``,
    ``x \\in \\mathbb{R}``, ``k \\in \\mathbb{Z}``, ``p \\in (0, 1)``, ``\\theta \\in \\mathbb{R}_{>0}``,
    ``X \\in \\mathbb{R}^{n\\times p}``, ``y \\in \\mathbb{R}^{n}``, ``A = A^\\top``, ``\\Sigma \\succ 0``,
    ``\\Sigma \\succeq 0``, ``I = I_p`` (identity), ``\\sigma(z) := \\frac{1}{1+e^{-z}}`` (a function),
    ``S := \\sum_i x_i`` (a scalar), and the plain forms of ``--where`` and ``--let``.
    """
    from derive.parse.declarations import merge_domains

    domains: list[VarDomain] = []
    shapes: list[ShapeDecl] = []
    lines: list[tuple[Declaration, str, int]] = []  # (declaration, kind, how many values before it)
    identities: dict[str, Dim] = {}
    definitions: list[Declaration] = []
    families: set[str] = set()
    decls, random_decls = expect.random_declarations(declarations)
    for decl in decls:
        text = decl.text.strip()
        try:
            if re.search(r":=|\\coloneqq|\\triangleq|\\stackrel", text):
                definitions.append(decl)
                continue
            kind, value = _declaration(text)
        except ParseError as exc:
            raise _declaration_error(decl, exc) from None
        if kind == "domain":
            assert isinstance(value, list)
            lines.append((decl, "domain", len(domains)))
            for dom in value:
                base, _, sub = dom.name.partition("_")
                if sub in INDEX_LETTERS and base:  # x_i > 0: every x_i, the family x
                    families.add(base)
                    dom = replace(dom, name=base)
                domains.append(dom)
        elif kind == "shape":
            lines.append((decl, "shape", len(shapes)))
            shapes.append(value)  # type: ignore[arg-type]
        else:
            assert isinstance(value, tuple)
            identities[value[0]] = value[1]
    try:
        merged_domains = merge_domains(domains)
        merged_shapes = merge_shapes(shapes)
    except (ParseError, ShapeError) as exc:
        culprit = _first_disagreement(lines, domains, shapes)
        where = f"line {culprit.line}: " if culprit.line > 0 else ""
        raise ParseError(f"{where}the declaration {culprit.text!r} disagrees with the others: "
                         f"{exc.message}", span=Span(culprit.text, 0, len(culprit.text)), hint=exc.hint) from None
    sizes = set()
    for s in merged_shapes.values():
        for d in (s.rows, s.cols):
            if isinstance(d, str):
                sizes.add(d)
    for d in identities.values():
        if isinstance(d, str):
            sizes.add(d)
    ctx = Context(merged_domains, merged_shapes, {}, {}, identities, frozenset(families), frozenset(sizes), frozenset())
    if random_decls:
        ctx = _random_context(ctx, random_decls)
    for decl in definitions:
        try:
            ctx = _definition(decl.text.strip(), ctx)
        except ParseError as exc:
            raise _declaration_error(decl, exc) from None
    return ctx


def _random_context(ctx: Context, found: list[expect.RandomDecl]) -> Context:
    """``ctx`` with the random variables declared (``derive.parse.expectation.bind_random``)."""
    from derive.parse.declarations import merge_domains

    def domain(name: str, lower: float, upper: float | None) -> VarDomain:
        return VarDomain(name, lower=lower, upper=upper)

    def bind(within: Context) -> expect.Bound:
        vectors = frozenset(n for n, decl in within.shapes.items() if decl.cols == 1)
        return expect.bind_random(found, lambda text: read_math(text, within).expr, _name_of, domain, vectors)

    first = bind(ctx)  # the laws' parameters get domains (sigma > 0): read again with them
    extra = [d for d in first.domains if d.name not in ctx.domains]
    extra += [VarDomain(n) for n in sorted(first.spec.scalars) if n not in ctx.domains]  # U(X + 1) is a product
    ctx = replace(ctx, domains=merge_domains(list(ctx.domains.values()) + extra),
                  families=ctx.families | first.families, sizes=ctx.sizes | first.sizes)
    return replace(ctx, random=bind(ctx).spec)


def _first_disagreement(lines: list[tuple[Declaration, str, int]], domains: list[VarDomain],
                        shapes: list[ShapeDecl]) -> Declaration:
    """The first declaration after which the domains or shapes no longer merge (a shapeless
    ``A = A^\\top`` is judged only at the end, when a later line may still give the shape)."""
    from derive.parse.declarations import merge_domains

    for k, (decl, _, _) in enumerate(lines):
        last = k == len(lines) - 1
        try:
            merge_domains(domains[: _prefix(lines, k, "domain", len(domains))])
            merge_shapes(shapes[: _prefix(lines, k, "shape", len(shapes))])
        except ShapeError as exc:
            if last or "has properties but no shape" not in exc.message:
                return decl
        except ParseError:
            return decl
    return lines[-1][0] if lines else Declaration("", 0)


def _prefix(lines: list[tuple[Declaration, str, int]], k: int, kind: str, total: int) -> int:
    """How many values of ``kind`` the declarations up to the ``k``-th hold."""
    for later in lines[k + 1:]:
        if later[1] == kind:
            return later[2]
    return total


def _declaration_error(decl: Declaration, exc: ParseError) -> ParseError:
    where = f"line {decl.line}: " if decl.line > 0 else ""
    return ParseError(f"{where}cannot read the declaration {decl.text!r}: {exc.message}",
                      span=Span(decl.text, exc.span.start, exc.span.end) if exc.span and exc.span.text == decl.text
                      else Span(decl.text, 0, len(decl.text)), hint=exc.hint)


def _name_of(text: str) -> tuple[str, str]:
    """The canonical name at the start of a declaration (``\\hat\\beta`` -> ``beta_hat``) and the rest."""
    tokens = _tokenize(text)
    reader = _Reader(text, tokens, Context(), _Facts())
    t = reader.peek()
    if t.kind == "letter":
        reader.next()
        name = t.text
    elif t.kind == "cmd" and t.text in GREEK:
        reader.next()
        name = t.text
    elif t.kind == "cmd" and t.text in DECORATIONS:
        reader.next()
        name = reader.decorated(t)
    elif t.kind == "cmd" and t.text in ("mathrm", "operatorname"):
        reader.next()
        start, end = reader.arg_range("a name")
        name = "".join(x.text for x in tokens[start:end])
    else:
        raise _error(text, "a declaration starts with the name it declares", t.start, t.end,
                     hint="e.g. \\lambda > 0, X \\in \\mathbb{R}^{n\\times p}")
    sub = reader.subscript_tokens() if reader.is_op("_") else None
    if sub is not None:
        name = f"{name}_{reader.subscript_name(sub[0], t)}"
    rest_start = reader.peek().start
    return name, text[rest_start:]


_LATEX_OPS = [(r"\\leq?(?![A-Za-z])|\\leqslant", "<="), (r"\\geq?(?![A-Za-z])|\\geqslant", ">="),
              (r"\\lt(?![A-Za-z])", "<"), (r"\\gt(?![A-Za-z])", ">"), (r"\\infty", "inf"),
              (r"\\in(?![A-Za-z])", " in ")]


def _plain(text: str) -> str:
    out = text
    for pattern, repl in _LATEX_OPS:
        out = re.sub(pattern, repl, out)
    return out


def _stand_in(name: str) -> str:
    """The name as the ``--where`` reader sees it: names it keeps for constants or functions (``e``,
    ``pi``, ``erf``) are read under a stand-in and renamed after."""
    if name in vocab.CONSTANTS or (name in vocab.FUNCTIONS and name not in vocab.CALLABLE_VARIABLES):
        return "zzdeclared"
    return name


def _renamed(domains: Iterable[VarDomain], name: str) -> list[VarDomain]:
    return [replace(d, name=name) for d in domains]


_TRANSPOSED = re.compile(r"\^\s*(?:\{\s*)?(?:\\top|T|\\intercal|\\math(?:sf|rm)\s*(?:\{\s*T\s*\}|T))(?:\s*\})?\s*$")


def _symmetric_decorated(text: str) -> str | None:
    """``\\boldsymbol{\\Lambda} = \\boldsymbol{\\Lambda}^T`` (either order): the decorated name, or None."""
    parts = _split_top_level(text, "=")
    if len(parts) != 2:
        return None
    names = []
    transposed = 0
    for part in parts:
        mark = _TRANSPOSED.search(part)
        if mark is not None:
            part, transposed = part[:mark.start()], transposed + 1
        try:
            name, rest = _name_of(part)
        except ParseError:
            return None
        if rest.strip():
            return None
        names.append(name)
    return names[0] if transposed == 1 and names[0] == names[1] else None


def _split_top_level(text: str, sep: str) -> list[str]:
    return vocab.split_top(text, sep)


def _declaration(text: str) -> tuple[str, object]:
    """One declaration (not a definition): ("domain", [VarDomain]), ("shape", ShapeDecl) or ("identity", ...)."""
    from derive.parse.declarations import parse_where as where
    from derive.parse.let import parse_let as let

    # Symmetry and identities: A = A^\top, A^\top = A, I = I_p.
    sym = re.fullmatch(r"\s*(\\?[A-Za-z]+)\s*=\s*(\\?[A-Za-z]+)\s*\^\s*\{?\s*(?:\\top|T|\\intercal)\s*\}?\s*", text) \
        or re.fullmatch(r"\s*(\\?[A-Za-z]+)\s*\^\s*\{?\s*(?:\\top|T|\\intercal)\s*\}?\s*=\s*(\\?[A-Za-z]+)\s*", text)
    if sym is not None:
        if sym.group(1) != sym.group(2):
            raise _error(text, "A = A^\\top needs the same name on both sides", 0, len(text))
        return "shape", ShapeDecl(sym.group(1).lstrip("\\"), None, None, frozenset({"symmetric"}))
    symmetric = _symmetric_decorated(text)
    if symmetric is not None:
        return "shape", ShapeDecl(symmetric, None, None, frozenset({"symmetric"}))
    ident = re.fullmatch(r"\s*(I|\\(?:mathbf|bm|boldsymbol|mathbb|mathrm)\s*\{\s*I\s*\})\s*=\s*"
                         r"I_\{?\s*([A-Za-z]|[1-9][0-9]{0,4})\s*\}?\s*", text)
    if ident is not None:
        d = ident.group(2)
        # \mathbf{I} = I_p: the bold I is the identity too (its reading's name is I_bold)
        name = "I" if ident.group(1) == "I" else "I_bold"
        return "identity", (name, int(d) if d.isdigit() else d)
    order = re.fullmatch(r"\s*(.+?)\s*\\(succeq|succ)\s*0\s*", text)
    if order is not None:
        name, rest = _name_of(order.group(1))
        if rest.strip():
            raise _error(text, f"cannot read {rest.strip()!r}", 0, len(text))
        return "shape", let(f"{name} \\{order.group(2)} 0")
    squared = re.fullmatch(r"\s*(\\[A-Za-z]+|[A-Za-z])\s*\^\s*\{?\s*2\s*\}?\s*(>|\\gt)\s*0\s*", text)
    if squared is not None:
        name, _ = _name_of(squared.group(1))
        return "domain", [VarDomain(name, lower=0.0)]
    # Chains with the name in the middle (0 < p < 1) or first (\lambda > 0, x \in ...).
    middle = re.fullmatch(r"\s*([^<>=\\]*?|-?\\infty)\s*(<=|<|\\leq?|\\lt|>=|>|\\geq?|\\gt)\s*(.+?)\s*"
                          r"(<=|<|\\leq?|\\lt|>=|>|\\geq?|\\gt)\s*(.+?)\s*", text)
    if middle is not None:
        name, rest = _name_of(middle.group(3))
        if rest.strip():
            raise _error(text, f"cannot read {middle.group(3)!r} as a name", 0, len(text))
        plain = _plain(f"{middle.group(1)} {middle.group(2)} {_stand_in(name)} {middle.group(4)} {middle.group(5)}")
        return "domain", _renamed(where(plain), name)
    name, rest = _name_of(text)
    rest = rest.strip()
    member = re.fullmatch(r"\\in\s*(.+)", rest)
    if member is not None:
        target = member.group(1).strip()
        space = re.fullmatch(r"\\mathbb\s*\{?\s*R\s*\}?\s*\^\s*(\{.*\}|[A-Za-z0-9])", target)
        if space is not None:
            dims = space.group(1)
            dims = dims if dims.startswith("{") else "{" + dims + "}"
            return "shape", let(f"{name} \\in \\mathbb{{R}}^{dims}")
        field_ = re.fullmatch(r"\\mathbb\s*\{?\s*([RZNQ])\s*\}?\s*(?:_\s*\{?\s*(\+|>\s*0|\\geq?\s*0|0|\\ge\s*0)\s*\}?"
                              r"|\^\s*\{?\s*\+\s*\}?)?", target)
        if field_ is not None:
            letter, sub = field_.group(1), field_.group(2)
            positive = target.replace(" ", "").endswith(("^+", "^{+}")) or (sub is not None and sub.startswith(("+", ">")))
            nonneg = sub is not None and ("\\ge" in sub or sub == "0")
            if letter == "N":  # the natural numbers start at 1; \mathbb{N}_0 at 0
                return "domain", [VarDomain(name, lower=0.0, lower_strict=not nonneg, integer=True)]
            dom = VarDomain(name, integer=letter == "Z")
            if positive:
                dom = replace(dom, lower=0.0)
            elif nonneg:
                dom = replace(dom, lower=0.0, lower_strict=False)
            return "domain", [dom]
        interval = re.fullmatch(r"(?:\\left)?\s*([(\[])(.*),(.*)([)\]])\s*(?:\\right)?", target.replace("\\right", ""))
        if interval is not None:
            return "domain", _renamed(where(_plain(f"{_stand_in(name)} in {interval.group(1)}{interval.group(2)},"
                                                   f"{interval.group(3)}{interval.group(4)}")), name)
        raise _error(text, f"unknown set {target!r}", len(text) - len(target), len(text),
                     hint="use \\mathbb{R}, \\mathbb{N}, \\mathbb{Z}, \\mathbb{R}^{n\\times p} or an interval (0, 1)")
    if re.match(r"(<=|<|\\leq?|\\lt|>=|>|\\geq?|\\gt)", rest):
        return "domain", _renamed(where(_plain(f"{_stand_in(name)} {rest}")), name)
    # Plain forms of --let and --where: "A symmetric", "X: n x p", "n integer", "x positive".
    plain = f"{name} {rest}".strip()
    try:
        return "shape", let(plain)
    except ParseError:
        pass
    try:
        return "domain", list(where(plain))
    except ParseError:
        raise _error(text, "cannot read this declaration", 0, len(text),
                     hint="e.g. \\lambda > 0, 0 < p < 1, n \\in \\mathbb{N}, X \\in \\mathbb{R}^{n\\times p}, "
                          "A = A^\\top, \\Sigma \\succ 0, \\sigma(z) := \\frac{1}{1+e^{-z}}") from None


def _definition(text: str, ctx: Context) -> Context:
    """``name(params) := body`` or ``name := body``."""
    m = re.fullmatch(r"(.+?)(?::=|\\coloneqq|\\triangleq)(.+)", text, re.DOTALL)
    if m is None:
        raise _error(text, "a definition is 'name := expression' or 'f(x) := expression'", 0, len(text))
    head, body_text = m.group(1).strip(), m.group(2).strip()
    name, rest = _name_of(head)
    rest = rest.strip()
    if ctx.is_scalar_name(name) or name in ctx.functions:
        raise _error(text, f"{name} is declared twice", 0, len(head), hint="define each name once")
    if rest:
        call = re.fullmatch(r"\((.*)\)", rest)
        if call is None:
            raise _error(text, f"cannot read {rest!r} after the defined name", 0, len(head),
                         hint="write f(x, y) := ... or S := ...")
        params: list[sp.Basic] = []
        for piece in call.group(1).split(","):
            pname, prest = _name_of(piece.strip())
            if prest.strip():
                raise _error(text, f"the parameter {piece.strip()!r} is not a name", 0, len(head))
            params.append(ctx.matrix(pname) if pname in ctx.shapes else ctx.symbol(pname))
        if len(set(params)) != len(params):
            raise _error(text, "a parameter appears twice", 0, len(head))
        reading = read_math(body_text, ctx)
        body = _scalar(reading.expr)
        if isinstance(body, sp.core.relational.Relational) or _is_matrix(body):
            raise _error(text, "a definition's body must be a scalar expression", len(head), len(text))
        learned = reading.context or ctx
        fdef = FunctionDef(name, tuple(params), body)
        return replace(learned, functions={**ctx.functions, name: fdef})
    reading = read_math(body_text, ctx)
    if isinstance(reading.expr, sp.core.relational.Relational):
        raise _error(text, "a definition's body must be an expression", len(head), len(text))
    learned = reading.context or ctx
    return replace(learned, definitions={**ctx.definitions, name: reading.expr})


def split_declarations(text: str) -> list[str]:
    """A ``% derive:`` or ``--where`` text split at its top-level commas (``p \\in (0, 1)`` stays whole)."""
    return [q for q in (p.strip() for p in vocab.split_top(text, ",")) if q]


def read_parse_input(text: str, where: Iterable[str] = (), *, latex: bool = True) -> dict[str, str]:
    """What ``derive parse`` prints: ``{"input", "sympy", "srepr", "latex"}`` of one term.

    ``where`` holds declarations in the ``% derive:`` vocabulary (each may list several, comma-separated);
    plain text (``latex=False``) goes to derive's plain-text reader with the declared domains.
    """
    decls = [Declaration(item, 0) for block in where for item in split_declarations(block)]
    context = read_context(decls)
    if latex:
        reading = read_math(text, context)
        expr, shown = reading.expr, reading.latex
    else:
        from derive.parse.text import parse_text

        expr = parse_text(text, context.domains)
        shown = echo(expr)
    return {"input": text, "sympy": str(expr), "srepr": sp.srepr(expr), "latex": shown}
